#!/usr/bin/env python3
"""Hostile checks against a real `quarry serve` (issue 24), printing the figures that go into
RELIABILITY.md. Standard library only.

  scripts/reliability/hostile-server.py [--quarry .build/debug/quarry] [--kills 10]

1. Stalled clients: 64 connections send a valid head and part of a body, then nothing.
   Measures /healthz latency and search statuses meanwhile, and how long until the server
   has closed every stalled connection.
2. SIGKILL during API writes: a 200-document POST that replaces documents is killed at a
   random moment, the server restarted; what is served, `collections show` and SQLite must
   agree, replaced documents stay findable, the killed write is wholly present or absent,
   and the next 1-document write reports added 1 and publishes nothing else.
"""
import argparse, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READ, WRITE = "reliability-read-1", "reliability-write-2"


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def request(port, method, path, body=None, key=READ, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None: req.add_header("Content-Type", "application/json")
    if key: req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()


def start(quarry, home, port, extra_env=None):
    env = dict(os.environ, QUARRY_API_KEYS=f"{READ}:read,{WRITE}:read+write")
    env.update(extra_env or {})
    proc = subprocess.Popen([quarry, "serve", "--home", home, "--port", str(port), "--embedder", "none"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if request(port, "GET", "/readyz", key=None, timeout=1)[0] == 200: return proc
        except OSError: pass
        time.sleep(0.05)
    proc.kill(); raise SystemExit("the server did not become ready")


def stalled_clients(quarry, home):
    port = free_port()
    proc = start(quarry, home, port, {"QUARRY_SERVER_READ_IDLE_TIMEOUT_SECONDS": "5", "QUARRY_SERVER_BODY_TIMEOUT_SECONDS": "10"})
    try:
        socks = []
        head = (f"POST /v1/collections/demo/search HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {READ}\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"query\": \"tel")
        for _ in range(64):
            s = socket.create_connection(("127.0.0.1", port)); s.sendall(head.encode()); socks.append(s)
        started = time.time()
        time.sleep(0.3)
        health, statuses = [], []
        for _ in range(20):
            t = time.time(); status, _ = request(port, "GET", "/healthz", key=None); health.append((time.time() - t) * 1000)
            statuses.append(request(port, "POST", "/v1/collections/demo/search", {"query": "telescope", "mode": "lexical"})[0])
        closed_at = []
        for s in socks:
            s.settimeout(30)
            try:
                while s.recv(65536): pass
            except OSError: pass
            closed_at.append(time.time() - started)
        health.sort()
        print(f"stalled clients: 64 connections stalled mid-body; /healthz p50 {health[len(health)//2]:.1f} ms, "
              f"max {health[-1]:.1f} ms; searches meanwhile: {statuses.count(200)}/{len(statuses)} answered 200, "
              f"{statuses.count(503)} got 503; every stalled connection closed by the server after {max(closed_at):.1f} s "
              f"(read_idle_timeout_seconds 5)")
    finally:
        proc.terminate(); proc.wait()


def sqlite_state(home):
    db = sqlite3.connect(f"file:{home}/collections/demo/collection.sqlite?mode=ro", uri=True)
    docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    generation = int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    committed = db.execute("SELECT document_count FROM generations WHERE generation=?", (generation,)).fetchone()[0]
    bulk = db.execute("SELECT COUNT(*) FROM documents WHERE doc_id LIKE 'bulk%'").fetchone()[0]
    revised = db.execute("SELECT COUNT(*) FROM documents WHERE text LIKE '%revisedmarker%'").fetchone()[0]
    db.close()
    return docs, committed, generation, bulk, revised


def kills(quarry, home, rounds):
    seed = [{"id": f"base{i}", "text": f"original aardvarkoriginal passage {i} about tides"} for i in range(50)]
    port = free_port()
    proc = start(quarry, home, port)
    assert request(port, "POST", "/v1/collections/demo/documents", {"documents": seed}, key=WRITE)[0] == 200
    proc.terminate(); proc.wait()
    outcomes = {"absent": 0, "present": 0, "broken": 0}
    for round_ in range(rounds):
        before = sqlite_state(home)
        port = free_port()
        proc = start(quarry, home, port)
        body = {"documents": [{"id": f"base{i}", "text": f"revisedmarker {round_} passage {i}"} for i in range(50)]
                + [{"id": f"bulk{round_}-{i}", "text": f"bulk note {i} of round {round_}"} for i in range(150)]}
        data = json.dumps(body).encode()
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall((f"POST /v1/collections/demo/documents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {WRITE}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data)
        time.sleep(random.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL); proc.wait(); s.close()
        port = free_port()
        proc = start(quarry, home, port)
        docs, committed, generation, bulk, revised = sqlite_state(home)
        served = json.loads(request(port, "GET", "/v1/collections/demo")[1])
        show = json.loads(subprocess.run([quarry, "collections", "show", "demo", "--home", home, "--json"], capture_output=True).stdout)
        check = subprocess.run([quarry, "collections", "check", "demo", "--home", home, "--json"], capture_output=True)
        old = json.loads(request(port, "POST", "/v1/collections/demo/search", {"query": "aardvarkoriginal", "k": 100, "mode": "lexical"})[1])
        new_round = bulk - before[3]
        whole = (new_round == 0 and revised == before[4]) or (new_round == 150 and revised == 50)
        agree = served["documents"] == show["manifest"]["document_count"] == docs == committed
        findable = len(old["hits"]) == (50 - revised)
        ok = whole and agree and findable and check.returncode == 0
        outcomes["broken" if not ok else ("present" if new_round else "absent")] += 1
        if not ok:
            print(f"  round {round_}: whole={whole} agree={agree} ({served['documents']}/{show['manifest']['document_count']}/{docs}/{committed}) "
                  f"findable={findable} check={check.returncode}", file=sys.stderr)
        one = json.loads(request(port, "POST", "/v1/collections/demo/documents",
                                 {"documents": [{"id": f"single{round_}", "text": "one more"}]}, key=WRITE)[1])
        after = sqlite_state(home)
        if one.get("added") != 1 or after[0] != docs + 1:
            outcomes["broken"] += 1
            print(f"  round {round_}: the next write answered {one} and SQLite went {docs} -> {after[0]}", file=sys.stderr)
        proc.terminate(); proc.wait()
    print(f"SIGKILL during a 200-document replacing POST, {rounds} rounds: killed write wholly absent {outcomes['absent']}, "
          f"wholly present {outcomes['present']}, inconsistent {outcomes['broken']}; served == show == SQLite, replaced documents "
          f"findable and the next 1-document write publishing only itself in every consistent round")
    return outcomes["broken"] == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry", default=os.path.join(ROOT, ".build/debug/quarry"))
    parser.add_argument("--kills", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "home")
        subprocess.run([args.quarry, "ingest", os.path.join(ROOT, "corpora/demo"), "--home", home, "--collection", "demo",
                        "--embedder", "none", "--quiet"], check=True)
        stalled_clients(args.quarry, home)
        ok = kills(args.quarry, home, args.kills)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
