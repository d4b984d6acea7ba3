#!/usr/bin/env python3
"""Kill-point matrix: SIGKILL a debug-built quarry at every pass of every failpoint of its
write paths, then check that nothing was lost, duplicated or left half done.

Debug builds carry failpoints (Sources/QuarryCore/Failpoint.swift):
QUARRY_FAILPOINT=NAME:COUNT kills the process the COUNT-th time it passes NAME, and
QUARRY_FAILPOINT_TRACE=FILE lists every point passed. For each scenario the harness first
runs the write once with tracing, then kills it at every (NAME, COUNT) the trace shows (or
at a seeded sample of them with --max-points), and after each kill:

  ingest    quarry ingest --prune of a changed folder (10 new, 5 changed, 5 removed, 20
            unchanged documents; embeddings, BM25 and HNSW): the collection opens,
            `collections check` passes, SQLite holds exactly the old or exactly the new
            document set, search agrees, and re-running the command completes with exactly
            the new set, as many chunks as a run never killed, and no duplicate.
  api       quarry serve taking a sequence of document writes (POST add/replace, DELETE):
            after a restart every acknowledged write is present, the one in flight is
            wholly present or wholly absent, `collections check` passes, and a new write
            adds exactly itself.
  tracking  quarry runs log of params, tags and 12 metrics: the batch is all there or
            none of it, and logging it again completes it once.
  registry  quarry registry alias (an alias move with its audit entry) and registry
            register: alias and history agree, versions have no gap, a re-run completes.

Random-delay kills (--random N) add kills at a random moment of the API writes, for what
no failpoint names. Prints one line per kill and a summary; exits 1 on any violation.

  scripts/reliability/kill.sh [--binary .build/debug/quarry] [--max-points N] [--seed S]
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import urllib.error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORDS = ("river stone lantern orbit copper meadow harbor violet signal thunder quarry marble "
         "garden falcon winter saddle pepper canyon ember glacier kettle mirror nectar pilot "
         "rocket silver timber velvet walnut yonder anchor bramble cobalt dynamo").split()


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


class Failure(Exception):
    pass


class Harness:
    def __init__(self, args):
        self.binary = os.path.abspath(args.binary)
        self.work = tempfile.mkdtemp(prefix="quarry-kill-")
        self.keep = args.keep
        self.rng = random.Random(args.seed)
        self.seed = args.seed
        self.max_points = args.max_points
        self.results = []  # (scenario, point, outcome, detail)
        self.config = os.path.join(self.work, "quarry.yaml")
        with open(self.config, "w") as f:
            # Small batches so an ingest stages several transactions; the repo's model.
            f.write("ingest:\n  batch_size: 8\n"
                    f"embedding:\n  model: {os.path.join(ROOT, 'models/all-MiniLM-L6-v2')}\n"
                    "llm:\n  provider: none\n")

    # -- running quarry ---------------------------------------------------------------

    def env(self, home, failpoint=None, trace=None):
        env = dict(os.environ)
        for key in ("QUARRY_FAILPOINT", "QUARRY_FAILPOINT_TRACE"):
            env.pop(key, None)
        env["QUARRY_HOME"] = home
        env["QUARRY_CONFIG"] = self.config
        if failpoint:
            env["QUARRY_FAILPOINT"] = failpoint
        if trace:
            env["QUARRY_FAILPOINT_TRACE"] = trace
        return env

    def quarry(self, home, *args, failpoint=None, trace=None, check=True, timeout=300):
        result = subprocess.run([self.binary, *args], env=self.env(home, failpoint, trace), cwd=self.work,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise Failure(f"quarry {' '.join(args)} exited {result.returncode}: {result.stderr.strip()[-400:]}")
        return result

    def trace_points(self, path):
        counts = {}
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    name = line.strip()
                    if name:
                        counts[name] = counts.get(name, 0) + 1
        return [(name, k) for name in sorted(counts) for k in range(1, counts[name] + 1)]

    def choose(self, points, share):
        """Every point, or a seeded sample of `share` of them (at least one per name)."""
        if share is None or len(points) <= share:
            return points
        names = sorted({name for name, _ in points})
        chosen = [next(p for p in points if p[0] == name) for name in names]
        rest = [p for p in points if p not in chosen]
        chosen += self.rng.sample(rest, max(0, share - len(chosen)))
        return sorted(chosen)

    def was_killed(self, result, scenario, point):
        """Whether the command died at its failpoint. It may finish (a point that a run passes
        fewer times than the traced one: "not reached"), but any other ending — a trap, an
        error exit — is a violation: the case replays a run that succeeded."""
        if result.returncode == -signal.SIGKILL:
            return True
        if result.returncode == 0:
            self.record(scenario, point, "not reached", "exit 0")
        else:
            self.record(scenario, point, "VIOLATION", f"exit {result.returncode} instead of SIGKILL: {result.stderr.strip()[-300:]}")
        return False

    def record(self, scenario, point, outcome, detail=""):
        self.results.append((scenario, point, outcome, detail))
        print(f"{scenario:9s} {point:34s} {outcome:12s} {detail}", flush=True)

    # -- collection state --------------------------------------------------------------

    @staticmethod
    def documents(home, collection):
        """doc_id → text of the committed documents, and the number of rows (duplicates show)."""
        path = os.path.join(home, "collections", collection, "collection.sqlite")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT doc_id, text FROM documents").fetchall()
            chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        finally:
            db.close()
        return {doc_id: text for doc_id, text in rows}, len(rows), chunks

    def check_collection(self, home, collection):
        result = self.quarry(home, "collections", "check", collection, check=False)
        if result.returncode != 0:
            raise Failure(f"collections check failed: {(result.stdout + result.stderr).strip()[-400:]}")
        shown = json.loads(self.quarry(home, "collections", "show", collection, "--json").stdout)
        return shown["manifest"]

    def search_ids(self, home, collection, query, mode="lexical"):
        out = self.quarry(home, "search", query, "--collection", collection, "--mode", mode, "--k", "50", "--json").stdout
        hits = json.loads(out)
        if isinstance(hits, dict):
            hits = hits.get("hits", [])
        return {hit.get("doc_id") for hit in hits}

    # -- ingest scenario ---------------------------------------------------------------

    def write_corpus(self, folder, docs):
        if os.path.exists(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        for doc_id, text in docs.items():
            with open(os.path.join(folder, doc_id), "w") as f:
                f.write(text)

    def ingest_corpora(self):
        rng = random.Random(self.seed)
        v1 = {}
        for i in range(30):
            body = f"# Note {i:02d}\n\nTopic token v1tok{i:02d}. " + words(rng, 40 if i >= 3 else 400) + ".\n"
            v1[f"note-{i:02d}.md"] = body
        v2 = {k: v for k, v in v1.items() if int(k[5:7]) < 25}  # 25..29 removed (pruned)
        for i in range(5):  # 0..4 changed (0..2 are long: several chunks)
            v2[f"note-{i:02d}.md"] = f"# Note {i:02d}\n\nTopic token v2tok{i:02d}. " + words(rng, 60) + ".\n"
        for i in range(30, 40):
            v2[f"note-{i:02d}.md"] = f"# Note {i:02d}\n\nTopic token v2tok{i:02d}. " + words(rng, 50) + ".\n"
        return v1, v2

    def scenario_ingest(self):
        v1, v2 = self.ingest_corpora()
        corpus = os.path.join(self.work, "corpus")
        base = os.path.join(self.work, "ingest-base")
        self.write_corpus(corpus, v1)
        self.quarry(base, "ingest", corpus, "--collection", "kill", "--prune")
        base_docs, _, _ = self.documents(base, "kill")
        self.write_corpus(corpus, v2)
        reference = os.path.join(self.work, "ingest-reference")
        shutil.copytree(base, reference)
        trace = os.path.join(self.work, "ingest.trace")
        self.quarry(reference, "ingest", corpus, "--collection", "kill", "--prune", trace=trace)
        new_docs, _, new_chunks = self.documents(reference, "kill")
        assert set(new_docs) == set(v2) and set(base_docs) == set(v1), "reference ingest is wrong"
        points = self.choose(self.trace_points(trace), self.share("ingest"))
        for name, count in points:
            point = f"{name}:{count}"
            home = os.path.join(self.work, "case")
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(base, home)
            try:
                killed = self.quarry(home, "ingest", corpus, "--collection", "kill", "--prune", failpoint=point, check=False)
                if not self.was_killed(killed, "ingest", point):
                    continue
                self.check_collection(home, "kill")
                docs, rows, _ = self.documents(home, "kill")
                if rows != len(docs):
                    raise Failure(f"{rows} document rows for {len(docs)} ids")
                if docs == base_docs:
                    state = "old"
                elif docs == new_docs:
                    state = "new"
                else:
                    raise Failure(f"document set is neither old nor new: {sorted(set(docs) ^ set(base_docs))[:6]}")
                # What is served agrees with SQLite: the changed note's token of its state.
                token_doc = self.search_ids(home, "kill", "v2tok03" if state == "new" else "v1tok03")
                if "note-03.md" not in token_doc:
                    raise Failure(f"search does not find note-03.md in its {state} state")
                if "note-27.md" in self.search_ids(home, "kill", "v1tok27") and state == "new":
                    raise Failure("a pruned document is still found")
                self.quarry(home, "ingest", corpus, "--collection", "kill", "--prune")
                manifest = self.check_collection(home, "kill")
                docs, rows, chunks = self.documents(home, "kill")
                if docs != new_docs or rows != len(new_docs) or chunks != new_chunks or manifest["chunk_count"] != new_chunks:
                    raise Failure(f"after the re-run: {rows} rows, {len(docs)} ids, {chunks} chunks (expected {len(new_docs)}, {new_chunks})")
                if "note-35.md" not in self.search_ids(home, "kill", "v2tok35", mode="hybrid"):
                    raise Failure("after the re-run, a new document is not found by hybrid search")
                self.record("ingest", point, "survived", f"killed state {state}; re-run complete")
            except Failure as failure:
                self.record("ingest", point, "VIOLATION", str(failure))

    # -- API scenario ------------------------------------------------------------------

    def api_writes(self):
        """A fixed sequence: (method, path suffix, body or None, expected effect)."""
        writes = []
        for i in range(6):
            docs = [{"id": f"api-{i}-{j}", "title": f"API {i} {j}", "text": f"apitok{i}x{j} " + words(random.Random(i * 10 + j), 30)}
                    for j in range(3)]
            if i >= 2:  # replace one document of the previous write
                docs.append({"id": f"api-{i - 1}-0", "title": "replaced", "text": f"apirepl{i} " + words(random.Random(i), 20)})
            writes.append(("POST", "documents", {"documents": docs}))
            if i == 3:
                writes.append(("DELETE", "documents/api-1-1", None))
        return writes

    @staticmethod
    def free_port():
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def start_server(self, home, failpoint=None, trace=None):
        port = self.free_port()
        env = self.env(home, failpoint, trace)
        env["QUARRY_API_KEYS"] = "kill-harness-write-key:read+write"
        log = open(os.path.join(self.work, "server.log"), "a")
        process = subprocess.Popen([self.binary, "serve", "--port", str(port), "--embedder", "none", "--quiet"], env=env, cwd=self.work, stdout=log, stderr=log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if process.poll() is not None:
                raise Failure(f"server exited {process.returncode} at start")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as reply:
                    if reply.status == 200:
                        return process, port
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        process.kill()
        raise Failure("server not ready in 60 s")

    @staticmethod
    def send(port, method, suffix, body):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/collections/api/{suffix}", data=data, method=method,
                                         headers={"Authorization": "Bearer kill-harness-write-key", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status

    @staticmethod
    def apply_write(state, write):
        method, suffix, body = write
        state = dict(state)
        if method == "POST":
            for doc in body["documents"]:
                state[doc["id"]] = doc["text"]
        else:
            state.pop(suffix.split("/", 1)[1], None)
        return state

    def run_writes(self, home, failpoint=None, trace=None, kill_after=None):
        """Sends the writes in order; returns (acknowledged count, whether the server died)."""
        process, port = self.start_server(home, failpoint, trace)
        acknowledged = 0
        died = False
        timer = None
        started = time.time()
        try:
            if kill_after is not None:
                import threading
                timer = threading.Timer(kill_after, lambda: process.send_signal(signal.SIGKILL))
                timer.start()
            for write in self.api_writes():
                try:
                    status = self.send(port, *write)
                except (urllib.error.URLError, ConnectionError, OSError) as error:
                    if isinstance(error, urllib.error.HTTPError):
                        raise Failure(f"write {acknowledged + 1} answered {error.code}: {error.read()[:200]!r}")
                    died = True
                    break
                if status != 200:
                    raise Failure(f"write {acknowledged + 1} answered {status}")
                acknowledged += 1
        finally:
            if timer:
                timer.cancel()
            if process.poll() is None and not died:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.returncode == -signal.SIGKILL:
            died = True
        elif died:
            raise Failure(f"the server died with exit {process.returncode}, not at the kill")
        self.last_writes_seconds = time.time() - started
        return acknowledged, died

    def check_api(self, home, base_docs, acknowledged, scenario, point):
        writes = self.api_writes()
        self.check_collection(home, "api")
        docs, rows, _ = self.documents(home, "api")
        if rows != len(docs):
            raise Failure(f"{rows} document rows for {len(docs)} ids")
        expected = dict(base_docs)
        for write in writes[:acknowledged]:
            expected = self.apply_write(expected, write)
        if docs == expected:
            state = "in-flight absent"
        elif acknowledged < len(writes) and docs == self.apply_write(expected, writes[acknowledged]):
            state = "in-flight present"
        else:
            missing = sorted(k for k in expected if docs.get(k) != expected[k])[:5]
            raise Failure(f"after {acknowledged} acknowledged writes the documents are neither with nor without the write in flight (differ: {missing})")
        # A new write after the restart adds exactly itself.
        process, port = self.start_server(home)
        try:
            before = len(docs)
            status = self.send(port, "POST", "documents", {"documents": [{"id": "after-kill", "text": "afterkilltok fresh"}]})
            if status != 200:
                raise Failure(f"the write after the restart answered {status}")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        docs, rows, _ = self.documents(home, "api")
        if rows != before + 1 or "after-kill" not in docs:
            raise Failure(f"the write after the restart changed {rows - before} rows")
        self.check_collection(home, "api")
        return state

    def scenario_api(self, random_kills):
        base = os.path.join(self.work, "api-base")
        seed_folder = os.path.join(self.work, "api-seed")
        self.write_corpus(seed_folder, {f"seed-{i}.md": f"# Seed {i}\n\nseedtok{i} " + words(random.Random(100 + i), 40) for i in range(8)})
        self.quarry(base, "ingest", seed_folder, "--collection", "api", "--embedder", "none")
        base_docs, _, _ = self.documents(base, "api")
        trace = os.path.join(self.work, "api.trace")
        reference = os.path.join(self.work, "api-reference")
        shutil.copytree(base, reference)
        acknowledged, died = self.run_writes(reference, trace=trace)
        clean_seconds = self.last_writes_seconds  # from the server being ready to the last answer
        if died or acknowledged != len(self.api_writes()):
            raise Failure("the reference write sequence did not complete")
        # Server start-up passes points too (tracking, opening): only write-path ones count.
        points = [p for p in self.trace_points(trace) if not p[0].startswith("track.")]
        for name, count in self.choose(points, self.share("api")):
            self.api_case(base, base_docs, f"{name}:{count}", failpoint=f"{name}:{count}")
        for _ in range(random_kills):
            delay = self.rng.uniform(0.0, clean_seconds)
            self.api_case(base, base_docs, f"random:{delay * 1000:.0f}ms", kill_after=delay)

    def api_case(self, base, base_docs, point, failpoint=None, kill_after=None):
        """One kill of the write sequence (at a failpoint or after a delay), then the checks."""
        home = os.path.join(self.work, "case")
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(base, home)
        try:
            acknowledged, died = self.run_writes(home, failpoint=failpoint, kill_after=kill_after)
            if not died:
                self.record("api", point, "not reached", f"{acknowledged} writes acknowledged")
                return
            state = self.check_api(home, base_docs, acknowledged, "api", point)
            self.record("api", point, "survived", f"{acknowledged} acknowledged, {state}")
        except Failure as failure:
            self.record("api", point, "VIOLATION", str(failure))

    # -- tracking and registry scenarios -----------------------------------------------

    def tracking_db(self, home):
        return sqlite3.connect(f"file:{os.path.join(home, 'tracking.sqlite')}?mode=ro", uri=True)

    def scenario_tracking(self):
        base = os.path.join(self.work, "tracking-base")
        os.makedirs(base)
        run_id = self.quarry(base, "runs", "log", "--experiment", "kill", "--param", "seed=1").stdout.strip()
        batch = ["--param", "analyzer=english", "--param", "k=10", "--tag", "team=search", "--tag", "stage=kill"]
        for i in range(12):
            batch += ["--metric", f"m{i}={i / 10}@{i}"]
        trace = os.path.join(self.work, "tracking.trace")
        reference = os.path.join(self.work, "tracking-reference")
        shutil.copytree(base, reference)
        self.quarry(reference, "runs", "log", run_id, *batch, trace=trace)
        for name, count in self.choose(self.trace_points(trace), self.share("tracking")):
            point = f"{name}:{count}"
            home = os.path.join(self.work, "case")
            shutil.rmtree(home, ignore_errors=True)
            shutil.copytree(base, home)
            try:
                killed = self.quarry(home, "runs", "log", run_id, *batch, failpoint=point, check=False)
                if not self.was_killed(killed, "tracking", point):
                    continue
                shown = json.loads(self.quarry(home, "runs", "show", run_id, "--json").stdout)
                metrics, params = shown.get("metrics", {}), shown.get("params", {})
                tags = shown.get("run", {}).get("tags", {})
                logged = len(metrics) + (len(params) - 1) + len(tags)
                if logged not in (0, 16):
                    raise Failure(f"half a batch: {len(metrics)} metrics, {len(params)} params, {len(tags)} tags")
                state = "present" if logged else "absent"
                if not logged:
                    self.quarry(home, "runs", "log", run_id, *batch)
                db = self.tracking_db(home)
                points_ = db.execute("SELECT COUNT(*) FROM metrics WHERE run_id = ?", (run_id,)).fetchone()[0]
                db.close()
                if points_ != 12:
                    raise Failure(f"{points_} metric points after completing the batch (expected 12)")
                self.record("tracking", point, "survived", f"batch {state}; complete once after")
            except Failure as failure:
                self.record("tracking", point, "VIOLATION", str(failure))

    def scenario_registry(self):
        base = os.path.join(self.work, "registry-base")
        folder = os.path.join(self.work, "registry-docs")
        self.write_corpus(folder, {"a.md": "# A\n\nalpha text", "b.md": "# B\n\nbeta text"})
        self.quarry(base, "ingest", folder, "--collection", "reg", "--embedder", "none")
        for _ in range(2):
            self.quarry(base, "registry", "register", "kill-qa", "--collection", "reg")
        self.quarry(base, "registry", "alias", "kill-qa", "production", "1")
        commands = {
            "alias": ["registry", "alias", "kill-qa", "production", "2"],
            "register": ["registry", "register", "kill-qa", "--collection", "reg"],
        }
        for label, command in commands.items():
            trace = os.path.join(self.work, f"registry-{label}.trace")
            reference = os.path.join(self.work, f"registry-reference-{label}")
            shutil.copytree(base, reference)
            self.quarry(reference, *command, trace=trace)
            for name, count in self.choose(self.trace_points(trace), self.share("registry")):
                point = f"{label}/{name}:{count}"
                home = os.path.join(self.work, "case")
                shutil.rmtree(home, ignore_errors=True)
                shutil.copytree(base, home)
                try:
                    killed = self.quarry(home, *command, failpoint=f"{name}:{count}", check=False)
                    if not self.was_killed(killed, "registry", point):
                        continue
                    state = self.check_registry(home, label)
                    if state == "absent":
                        self.quarry(home, *command)
                    if self.check_registry(home, label) != "present":
                        raise Failure("the re-run did not complete the change")
                    self.record("registry", point, "survived", f"change {state}; re-run complete")
                except Failure as failure:
                    self.record("registry", point, "VIOLATION", str(failure))

    def check_registry(self, home, label):
        db = self.tracking_db(home)
        try:
            row = db.execute("SELECT version FROM aliases WHERE pipeline = 'kill-qa' AND alias = 'production'").fetchone()
            if row is None:
                raise Failure("alias production is gone")
            alias = row[0]
            history = db.execute("SELECT from_version, to_version FROM alias_history WHERE pipeline = 'kill-qa' ORDER BY seq").fetchall()
            versions = [v for (v,) in db.execute("SELECT version FROM versions WHERE pipeline = 'kill-qa' ORDER BY version")]
        finally:
            db.close()
        if not history or history[-1][1] != alias:
            raise Failure(f"alias production is {alias} but the history ends {history[-1:]}")
        if versions != list(range(1, len(versions) + 1)):
            raise Failure(f"versions have a gap: {versions}")
        shown = self.quarry(home, "registry", "show", "kill-qa", "--json")
        json.loads(shown.stdout)
        if label == "alias":
            if alias not in (1, 2) or len(history) != alias:
                raise Failure(f"alias {alias} with {len(history)} history entries")
            return "present" if alias == 2 else "absent"
        if len(versions) not in (2, 3):
            raise Failure(f"{len(versions)} versions")
        return "present" if len(versions) == 3 else "absent"

    # -- driver ------------------------------------------------------------------------

    def share(self, scenario):
        if self.max_points is None:
            return None
        weights = {"ingest": 0.45, "api": 0.3, "tracking": 0.1, "registry": 0.075}
        return max(2, int(self.max_points * weights[scenario]))

    def summary(self):
        tried = [r for r in self.results if r[2] != "not reached"]
        violations = [r for r in self.results if r[2] == "VIOLATION"]
        by = {}
        for scenario, _, outcome, _ in self.results:
            entry = by.setdefault(scenario, {"killed": 0, "survived": 0, "violations": 0, "not reached": 0})
            if outcome == "survived":
                entry["killed"] += 1
                entry["survived"] += 1
            elif outcome == "VIOLATION":
                entry["killed"] += 1
                entry["violations"] += 1
            else:
                entry["not reached"] += 1
        names = sorted({r[1].split(":")[0].split("/")[-1] for r in tried if not r[1].startswith("random")})
        print()
        for scenario, entry in by.items():
            print(f"{scenario}: {entry['killed']} kills, {entry['survived']} survived, {entry['violations']} violations, "
                  f"{entry['not reached']} points not reached")
        print(f"kill points: {len(tried)} kills at {len(names)} named failpoints ({', '.join(names)}) "
              f"+ random delays; survived {len(tried) - len(violations)}, violations {len(violations)} (seed {self.seed})")
        return not violations


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/quarry"), help="a DEBUG build (failpoints)")
    parser.add_argument("--max-points", type=int, help="a seeded sample of about this many named points (default: every pass)")
    parser.add_argument("--random", type=int, default=10, help="random-delay kills of the API writes (default 10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenarios", default="ingest,api,tracking,registry")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"kill.py: no binary at {args.binary}; run `swift build` (a debug build: failpoints are compiled only there)")
    harness = Harness(args)
    probe = harness.quarry(os.path.join(harness.work, "probe"), "runs", "log", "--experiment", "probe", "--param", "a=b",
                           failpoint="track.committed:1", check=False)
    if probe.returncode != -signal.SIGKILL:
        sys.exit(f"kill.py: {args.binary} did not stop at a failpoint (exit {probe.returncode}); failpoints exist only in debug builds")
    print(f"binary {args.binary}; work folder {harness.work}")
    started = time.time()
    try:
        for scenario in args.scenarios.split(","):
            if scenario == "api":
                harness.scenario_api(args.random)
            else:
                getattr(harness, f"scenario_{scenario}")()
    finally:
        ok = harness.summary()
        print(f"{time.time() - started:.0f} s")
        if not args.keep:
            shutil.rmtree(harness.work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
