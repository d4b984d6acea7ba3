#!/usr/bin/env python3
"""CPU that `quarry query` spends while it waits for a slow LLM (issue 24).

  scripts/bench/llm-idle-wait.py [--quarry .build/release/quarry] [--delay 10] [--runs 3] [--serve 4]

A stub OpenAI-compatible server answers /v1/chat/completions after --delay seconds. The
demo corpus is ingested lexical-only; `quarry query` asks one question with llm.provider
openai. Prints wall time, the process's user+sys CPU, and that CPU as a share of one core
over the wait: an idle wait should cost well under 2 %. With --serve N, a `quarry serve`
answers N concurrent queries waiting on the stub instead, and the server's CPU over that
window is reported (from /proc/PID/stat).
"""
import argparse, http.server, json, os, resource, socket, subprocess, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stub(delay):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(delay)
            body = json.dumps({"id": "x", "object": "chat.completion", "model": "stub",
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": "A mirror gathers light [1]."}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry", default=os.path.join(ROOT, ".build/release/quarry"))
    parser.add_argument("--delay", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", type=int, default=0, help="concurrent queries against quarry serve instead")
    args = parser.parse_args()
    server = stub(args.delay)
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "home")
        subprocess.run([args.quarry, "ingest", os.path.join(ROOT, "corpora/demo"), "--home", home, "--collection", "demo",
                        "--embedder", "none", "--quiet"], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, QUARRY_LLM_PROVIDER="openai", QUARRY_LLM_URL=f"http://127.0.0.1:{server.server_port}/v1",
                   QUARRY_LLM_MODEL="stub", QUARRY_LLM_TIMEOUT_SECONDS=str(args.delay + 20), QUARRY_LLM_STREAM="false")
        if args.serve:
            return serve(args, env, home, server)
        for run in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.time()
            out = subprocess.run([args.quarry, "query", "How does a reflecting telescope work?", "--home", home,
                                  "--collection", "demo", "--embedder", "none", "--mode", "lexical"],
                                 env=env, capture_output=True, text=True)
            wall = time.time() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            user, sys_ = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
            ok = "mirror gathers light" in out.stdout
            print(f"run {run + 1}: wall {wall:.2f} s, cpu user {user:.2f} s + sys {sys_:.2f} s = {user + sys_:.2f} s, "
                  f"{100 * (user + sys_) / wall:.1f} % of a core over the wait ({'answered' if ok else 'NO ANSWER: ' + out.stderr[-200:]})")
    server.shutdown()


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(args, env, home, stub_server):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    env = dict(env, QUARRY_API_KEYS="bench-read-key-1:read")
    proc = subprocess.Popen([args.quarry, "serve", "--home", home, "--port", str(port), "--embedder", "none", "--quiet"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1); break
            except OSError: time.sleep(0.05)
        def ask(results, i):
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/collections/demo/query", method="POST",
                                         data=json.dumps({"query": "How does a reflecting telescope work?", "mode": "lexical"}).encode(),
                                         headers={"Content-Type": "application/json", "Authorization": "Bearer bench-read-key-1"})
            with urllib.request.urlopen(req, timeout=args.delay + 30) as r: results[i] = r.status
        for run in range(args.runs):
            results = [0] * args.serve
            before, start = cpu_seconds(proc.pid), time.time()
            threads = [threading.Thread(target=ask, args=(results, i)) for i in range(args.serve)]
            for t in threads: t.start()
            for t in threads: t.join()
            wall, cpu = time.time() - start, cpu_seconds(proc.pid) - before
            print(f"serve run {run + 1}: {args.serve} concurrent answers waiting {args.delay:.0f} s: wall {wall:.2f} s, server CPU {cpu:.2f} s, "
                  f"{100 * cpu / wall:.1f} % of a core ({results.count(200)}/{args.serve} answered 200)")
    finally:
        proc.terminate(); proc.wait()
        stub_server.shutdown()


if __name__ == "__main__":
    main()
