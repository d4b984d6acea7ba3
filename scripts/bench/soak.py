#!/usr/bin/env python3
"""Soak of `quarry serve`: reads, writes and alias moves together for a long run.

Run by scripts/bench/soak.sh, which builds the release binary and ingests the two collections.

- Reads: wrk rounds (ROUND seconds each, CONNECTIONS connections) of hybrid search through a
  served pipeline, /v1/pipelines/soak/search, whose `production` alias points at one of two
  collections of the same corpus (soak-blue, soak-green).
- Writes: one thread sends a document write every WRITE_INTERVAL seconds, alternating between
  the two collections: new documents, replacements of earlier ones, deletions by route and by
  the batch's `delete` list. Each acknowledged write is applied to the expected state; every
  tenth is read back at once (a lexical search for its unique word must find it).
- Alias moves: every ALIAS_EVERY seconds `production` moves to the other version over HTTP
  (admin key); the next pipeline read must answer from the collection it now points at.

After the run the server is stopped, both collections must pass `collections check` and hold
exactly the expected documents. Reported: per-round throughput, p50/p99, errors and RSS; the
memory growth per request after the warm-up (the first alias move and one more round), against
the bound of serve_load.sh (0.25 KiB a request); p99 drift (median p99 of the last three
rounds over that of the first three after warm-up). Exit 1 on any error, a memory growth past
the bound, or a collection that is not exactly as acknowledged.
"""
import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request

from wrk_search import write_lua  # beside this script

READ_KEY, WRITE_KEY, ADMIN_KEY = "soak-read-key-1", "soak-write-key-1", "soak-admin-key-1"
COLLECTIONS = ("soak-blue", "soak-green")
MEMORY_BOUND_KIB = 0.25


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--corpus", required=True, help="corpus.jsonl the collections were ingested from (texts for writes)")
    parser.add_argument("--queries", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--round", type=int, default=60, help="seconds per wrk round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--write-interval", type=float, default=1.0)
    parser.add_argument("--alias-every", type=float, default=300)
    parser.add_argument("--port", type=int, default=18191)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", help="write the figures as JSON here")
    return parser.parse_args()


class Failure(Exception):
    pass


def request(port, method, path, body=None, key=READ_KEY, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    raise Failure("no VmRSS")


def milliseconds(text):
    """wrk's latency ("812.00us", "3.21ms", "1.02s") in milliseconds."""
    for suffix, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * scale
    raise Failure(f"unreadable latency {text!r}")


def wrk_round(port, lua, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua,
                          f"http://127.0.0.1:{port}/v1/pipelines/soak/search"], capture_output=True, text=True, check=True).stdout
    figures = {"non2xx": 0, "socket": 0}
    for line in out.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "Requests/sec:":
            figures["rps"] = float(words[1])
        elif words[0] == "50%":
            figures["p50_ms"] = milliseconds(words[1])
        elif words[0] == "99%":
            figures["p99_ms"] = milliseconds(words[1])
        elif "requests in" in line:
            figures["requests"] = int(words[0])
        elif words[0] == "Non-2xx":
            figures["non2xx"] = int(words[-1])
        elif words[0] == "Socket":
            figures["socket"] = sum(int(w.rstrip(",")) for w in words[3::2])
    figures["errors"] = figures["non2xx"] + figures["socket"]
    return figures


class Writer(threading.Thread):
    """Document writes during the reads, alternating between the collections."""

    def __init__(self, port, corpus, interval, seed, stop):
        super().__init__(daemon=True)
        self.port, self.interval, self.stop = port, interval, stop
        self.random = random.Random(seed)
        self.texts = [json.loads(l)["text"] for l in open(corpus) if l.strip()][:2000]
        self.expected = {name: {} for name in COLLECTIONS}  # soak doc id → text, per collection
        self.acknowledged = 0
        self.errors = []
        self.latencies = []
        self.readbacks = 0
        self.serial = 0

    def fresh_text(self):
        self.serial += 1
        word = f"soakword{self.serial:07d}"
        return word, f"{word} {self.random.choice(self.texts)}"

    def one(self, collection):
        live = self.expected[collection]
        kind = self.random.random()
        base = f"/v1/collections/{collection}/documents"
        if kind < 0.15 and live:
            doc_id = self.random.choice(sorted(live))
            status, body = request(self.port, "DELETE", f"{base}/{doc_id}", key=WRITE_KEY)
            return status, body, lambda state: state.pop(doc_id, None), None
        documents, deletes, word = [], [], None
        count = self.random.randint(1, 4)
        if kind < 0.45 and live:  # replacements of earlier documents
            ids = self.random.sample(sorted(live), min(count, len(live)))
        else:
            ids = [f"soak-{self.serial + n + 1:07d}" for n in range(count)]
        for doc_id in ids:
            word, text = self.fresh_text()
            documents.append({"id": doc_id, "text": text, "title": f"soak {doc_id}"})
        if len(live) > 100:
            deletes = self.random.sample(sorted(set(live) - {d["id"] for d in documents}), 3)
        status, body = request(self.port, "POST", base, {"documents": documents, "delete": deletes}, key=WRITE_KEY)

        def apply(state):
            for doc in documents:
                state[doc["id"]] = doc["text"]
            for doc_id in deletes:
                state.pop(doc_id, None)
        return status, body, apply, (word, documents[-1]["id"])

    def run(self):
        count = 0
        while not self.stop.is_set():
            collection = COLLECTIONS[count % 2]
            started = time.monotonic()
            try:
                status, body, apply, probe = self.one(collection)
            except (urllib.error.URLError, OSError) as error:
                self.errors.append(f"write to {collection}: {error}")
                status = None
            self.latencies.append(time.monotonic() - started)
            if status == 200:
                apply(self.expected[collection])
                self.acknowledged += 1
                if probe and self.acknowledged % 10 == 0:
                    self.read_back(collection, *probe)
            elif status is not None:
                self.errors.append(f"write to {collection} answered {status}: {body!r}")
            count += 1
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def read_back(self, collection, word, doc_id):
        status, body = request(self.port, "POST", f"/v1/collections/{collection}/search",
                               {"query": word, "mode": "lexical", "k": 5})
        if status != 200 or doc_id not in {hit.get("doc_id") for hit in body.get("hits", [])}:
            self.errors.append(f"read-back of {doc_id} in {collection} ({word}) failed: {status} {str(body)[:200]}")
        self.readbacks += 1


class AliasMover(threading.Thread):
    """Moves `production` between the two versions every `every` seconds."""

    def __init__(self, port, every, stop):
        super().__init__(daemon=True)
        self.port, self.every, self.stop = port, every, stop
        self.moves, self.errors, self.switch_ms = 0, [], []
        self.version = 1

    def run(self):
        while not self.stop.wait(self.every):
            target = 2 if self.version == 1 else 1
            status, body = request(self.port, "POST", "/v1/registry/soak/aliases",
                                   {"alias": "production", "version": target, "reason": "soak"}, key=ADMIN_KEY)
            if status != 200:
                self.errors.append(f"alias move answered {status}: {body!r}")
                continue
            moved = time.monotonic()
            self.version = target
            self.moves += 1
            status, body = request(self.port, "POST", "/v1/pipelines/soak/search", {"query": "tides", "mode": "lexical", "k": 1})
            if status != 200 or body.get("collection") != COLLECTIONS[target - 1]:
                self.errors.append(f"after the move to version {target} the pipeline answered {status} from "
                                   f"{body.get('collection') if isinstance(body, dict) else body!r}")
            self.switch_ms.append((time.monotonic() - moved) * 1000)


def start_server(args):
    env = dict(os.environ, QUARRY_API_KEYS=f"{READ_KEY}:read,{WRITE_KEY}:read+write,{ADMIN_KEY}:read+admin")
    log = open(os.path.join(args.home, "soak-server.log"), "w")
    process = subprocess.Popen([args.binary, "serve", "--home", args.home, "--port", str(args.port), "--pipeline", "soak@production", "--quiet"],
                               env=env, stdout=log, stderr=log)
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            raise Failure(f"server exited {process.returncode} at start (see {log.name})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}/readyz", timeout=2):
                return process
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    process.kill()
    raise Failure("server not ready in 120 s")


def verify(args, writer):
    problems = []
    for collection in COLLECTIONS:
        check = subprocess.run([args.binary, "collections", "check", collection, "--home", args.home], capture_output=True, text=True)
        if check.returncode != 0:
            problems.append(f"collections check {collection}: {(check.stdout + check.stderr).strip()[-300:]}")
        path = os.path.join(args.home, "collections", collection, "collection.sqlite")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT doc_id, text FROM documents WHERE doc_id LIKE 'soak-%'").fetchall()
        finally:
            db.close()
        stored = dict(rows)
        expected = writer.expected[collection]
        if len(rows) != len(stored):
            problems.append(f"{collection}: duplicate document rows")
        if stored != expected:
            differ = sorted(k for k in set(stored) | set(expected) if stored.get(k) != expected.get(k))[:5]
            problems.append(f"{collection}: {len(stored)} soak documents stored, {len(expected)} acknowledged; differ: {differ}")
    return problems


def main():
    args = parse_args()
    lua = os.path.join(args.home, "soak.lua")
    write_lua(args.queries, lua, READ_KEY)
    server = start_server(args)
    stop = threading.Event()
    writer = Writer(args.port, args.corpus, args.write_interval, args.seed, stop)
    mover = AliasMover(args.port, args.alias_every, stop)
    rounds = []
    started = time.monotonic()
    try:
        wrk_round(args.port, lua, 5, args.connections)  # warm-up, not counted
        rss_start = rss_kib(server.pid)
        writer.start()
        mover.start()
        total = args.minutes * 60
        while time.monotonic() - started < total:
            time.sleep(1)  # wrk leaves requests in flight at its end; let them finish
            figures = wrk_round(args.port, lua, args.round, args.connections)
            figures["rss_kib"] = rss_kib(server.pid)
            figures["minute"] = round((time.monotonic() - started) / 60, 1)
            figures["moves"] = mover.moves
            rounds.append(figures)
            print(f"min {figures['minute']:5.1f}: {figures['rps']:7.1f} req/s, p50 {figures['p50_ms']:6.2f} ms, "
                  f"p99 {figures['p99_ms']:6.2f} ms, errors {figures['errors']}, RSS {figures['rss_kib'] // 1024} MiB, "
                  f"writes {writer.acknowledged}, alias moves {mover.moves}", flush=True)
    finally:
        stop.set()
        writer.join(timeout=120)
        mover.join(timeout=120)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    failed = []
    read_errors = sum(r["errors"] for r in rounds)
    requests = sum(r["requests"] for r in rounds)
    if read_errors:
        failed.append(f"{read_errors} read errors")
    failed += writer.errors[:10] + mover.errors[:10]
    if server.returncode != 0:
        failed.append(f"the server exited {server.returncode} on SIGTERM")
    failed += verify(args, writer)

    # Warm-up: until the round after the first alias move, when both collections are open.
    first_moved = next((i for i, r in enumerate(rounds) if r["moves"] >= 1), None)
    warm = first_moved + 1 if first_moved is not None and first_moved + 1 < len(rounds) - 1 else 0
    after_warm = rounds[warm + 1:]
    per_request = None
    if after_warm:
        grown = rounds[-1]["rss_kib"] - rounds[warm]["rss_kib"]
        per_request = grown / sum(r["requests"] for r in after_warm)
        if per_request > MEMORY_BOUND_KIB:
            failed.append(f"memory grows {per_request:.3f} KiB a request (bound {MEMORY_BOUND_KIB})")
    measured = rounds[warm:]
    head = statistics.median(r["p99_ms"] for r in measured[:3])
    tail = statistics.median(r["p99_ms"] for r in measured[-3:])
    write_ms = sorted(l * 1000 for l in writer.latencies)
    report = {
        "minutes": round((time.monotonic() - started) / 60, 1), "connections": args.connections, "rounds": rounds,
        "requests": requests, "read_errors": read_errors,
        "rps_mean": round(statistics.mean(r["rps"] for r in rounds), 1),
        "p99_ms_first3": head, "p99_ms_last3": tail, "p99_drift": round(tail / head, 3),
        "writes_acknowledged": writer.acknowledged, "write_errors": len(writer.errors), "readbacks": writer.readbacks,
        "write_p50_ms": round(write_ms[len(write_ms) // 2], 1) if write_ms else None,
        "write_p99_ms": round(write_ms[int(len(write_ms) * 0.99)], 1) if write_ms else None,
        "alias_moves": mover.moves, "alias_errors": len(mover.errors),
        "rss_mib_start": rss_start // 1024, "rss_mib_warm": rounds[warm]["rss_kib"] // 1024,
        "rss_mib_end": rounds[-1]["rss_kib"] // 1024, "rss_mib_max": max(r["rss_kib"] for r in rounds) // 1024,
        "kib_per_request_after_warmup": round(per_request, 4) if per_request is not None else None,
        "soak_documents": {c: len(writer.expected[c]) for c in COLLECTIONS}, "failures": failed,
    }
    if args.report:
        with open(args.report, "w") as out:
            json.dump(report, out, indent=1)
    print(f"soak: {report['minutes']} min, {requests} reads ({report['rps_mean']} req/s mean), {read_errors} read errors; "
          f"{writer.acknowledged} writes acknowledged ({writer.readbacks} read back), {len(writer.errors)} write errors, "
          f"write p50 {report['write_p50_ms']} ms p99 {report['write_p99_ms']} ms; {mover.moves} alias moves, {len(mover.errors)} errors")
    print(f"RSS {report['rss_mib_start']} MiB at start, {report['rss_mib_warm']} after warm-up, {report['rss_mib_end']} at the end "
          f"(max {report['rss_mib_max']}): {report['kib_per_request_after_warmup']} KiB per request after warm-up (bound {MEMORY_BOUND_KIB})")
    print(f"p99 drift: {head:.2f} ms (median of the first three rounds after warm-up) -> {tail:.2f} ms (last three), x{report['p99_drift']}")
    for line in failed:
        print("FAIL:", line)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
