#!/usr/bin/env python3
"""Corruption matrix: seeded mutations of every file kind Quarry reads back, each followed by
what a user would run, classified as

  detected    a command refused with a clear error (exit 1, a message, no crash), or
              `collections check` reported the damage;
  rebuilt     the answer was the same as before the damage, and a note said the file was
              rebuilt from the source of truth (collection.sqlite);
  unaffected  the answer was the same and nothing needed saying (e.g. MANIFEST.json, a
              published copy of what SQLite committed, or bytes SQLite does not use);
  VIOLATION   a crash (signal, Swift runtime error), a hang (over the time limit), or a
              different answer with exit 0 and no error: a silently different result.

Kinds and what is run after each mutation:
  bm25, hnsw, manifest, sqlite   a two-generation collection (embeddings, BM25, HNSW):
                                 `quarry search --queries` (lexical, dense or hybrid; the
                                 TREC run compared with the undamaged one), a JSON search
                                 whose passage texts are compared, and `collections check`.
  tracking                       tracking.sqlite with runs, metrics and a registry:
                                 `runs list`, `runs show`, `registry show` (JSON compared).
  safetensors, gguf              a copy of MiniLM's model.safetensors and of SmolLM2's GGUF
                                 file, each with the SHA-256 record scripts/fetch-model keeps
                                 beside it: `quarry embed` / `quarry generate` (greedy), output
                                 compared.

Mutations (seeded, one per trial): flip 1-8 bits, truncate, zero a range, append garbage,
or swap in the same file of the previous generation.

Model files are mutated in place and restored from the bytes the mutation replaced (they are
large); the other kinds are restored from a pristine copy.

  scripts/reliability/corrupt.sh [--per-kind 1000] [--kinds bm25,hnsw,...] [--seed 11]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORDS = ("river stone lantern orbit copper meadow harbor violet signal thunder quarry marble "
         "garden falcon winter saddle pepper canyon ember glacier kettle mirror nectar pilot "
         "rocket silver timber velvet walnut yonder anchor bramble cobalt dynamo").split()
CRASH_MARKERS = ("Fatal error", "Stack dump", "Illegal instruction", "Segmentation fault", "Current stack trace")


class Harness:
    def __init__(self, args):
        self.binary = os.path.abspath(args.binary)
        self.work = tempfile.mkdtemp(prefix="quarry-corrupt-")
        self.seed = args.seed
        self.timeout = args.timeout
        self.config = os.path.join(self.work, "quarry.yaml")
        with open(self.config, "w") as f:
            f.write(f"embedding:\n  model: {os.path.join(ROOT, 'models/all-MiniLM-L6-v2')}\nllm:\n  provider: none\n")
        self.tallies = {}
        self.violations = []

    def run(self, home, *args):
        env = dict(os.environ, QUARRY_HOME=home, QUARRY_CONFIG=self.config)
        started = time.time()
        try:
            result = subprocess.run([self.binary, *args], env=env, cwd=self.work, capture_output=True, text=True,
                                    timeout=self.timeout, errors="replace")
        except subprocess.TimeoutExpired:
            return None, "", f"hang: no answer in {self.timeout} s", time.time() - started
        return result.returncode, result.stdout, result.stderr, time.time() - started

    # -- fixtures ----------------------------------------------------------------------

    def build_collection(self):
        rng = random.Random(self.seed)
        corpus = os.path.join(self.work, "corpus")
        os.makedirs(corpus)
        for i in range(40):
            with open(os.path.join(corpus, f"doc-{i:02d}.md"), "w") as f:
                f.write(f"# Document {i:02d}\n\ntoken{i:02d} " + " ".join(rng.choice(WORDS) for _ in range(60 if i % 5 else 300)) + ".\n")
        home = os.path.join(self.work, "home")
        self.must(home, "ingest", corpus, "--collection", "c")
        collection = os.path.join(home, "collections", "c")
        previous = os.path.join(self.work, "generation-1")
        shutil.copytree(collection, previous)
        for i in range(0, 40, 4):  # a second generation: every fourth document changed
            with open(os.path.join(corpus, f"doc-{i:02d}.md"), "w") as f:
                f.write(f"# Document {i:02d} revised\n\ntoken{i:02d} revised " + " ".join(rng.choice(WORDS) for _ in range(80)) + ".\n")
        self.must(home, "ingest", corpus, "--collection", "c")
        queries = os.path.join(self.work, "queries.jsonl")
        with open(queries, "w") as f:
            for i in range(20):
                text = f"token{i * 2:02d} " + " ".join(rng.choice(WORDS) for _ in range(3))
                f.write(json.dumps({"_id": f"q{i}", "text": text}) + "\n")
        self.home, self.collection, self.previous, self.queries = home, collection, previous, queries
        self.pristine = os.path.join(self.work, "pristine")
        shutil.copytree(collection, self.pristine)
        # Mutations of collection.sqlite must reach the pages: nothing may rest in a WAL.
        wal = os.path.join(self.pristine, "collection.sqlite-wal")
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            sys.exit("corrupt.py: the undamaged collection has frames in its WAL; mutations of collection.sqlite would miss them")

    def build_tracking(self):
        home = os.path.join(self.work, "tracking-home")
        os.makedirs(home)
        folder = os.path.join(self.work, "registry-docs")
        os.makedirs(folder)
        for name in ("a", "b"):
            with open(os.path.join(folder, f"{name}.md"), "w") as f:
                f.write(f"# {name}\n\n{name} text\n")
        self.must(home, "ingest", folder, "--collection", "reg", "--embedder", "none")
        self.run_ids = []
        for r in range(6):
            metrics = []
            for i in range(10):
                metrics += ["--metric", f"ndcg={0.3 + r * 0.01 + i * 0.001}@{i}", "--metric", f"recall={0.5 + r * 0.02}@{i}"]
            out = self.must(home, "runs", "log", "--experiment", f"exp{r % 2}", "--param", f"k={r}", "--tag", "team=search", *metrics)
            self.run_ids.append(out.strip())
        tracking_previous = os.path.join(self.work, "tracking-previous.sqlite")
        shutil.copy(os.path.join(home, "tracking.sqlite"), tracking_previous)
        for _ in range(2):
            self.must(home, "registry", "register", "qa", "--collection", "reg")
        self.must(home, "registry", "alias", "qa", "production", "2")
        self.tracking_home, self.tracking_previous = home, tracking_previous
        self.tracking_pristine = os.path.join(self.work, "tracking-pristine.sqlite")
        shutil.copy(os.path.join(home, "tracking.sqlite"), self.tracking_pristine)

    def build_models(self):
        folder = os.path.join(self.work, "minilm")
        shutil.copytree(os.path.join(ROOT, "models/all-MiniLM-L6-v2"), folder)
        gguf_folder = os.path.join(self.work, "smollm2")
        shutil.copytree(os.path.join(ROOT, "models/SmolLM2-135M-Instruct"), gguf_folder)
        self.minilm, self.gguf = folder, os.path.join(gguf_folder, "SmolLM2-135M-Instruct.Q4_1.gguf")
        for path in (os.path.join(folder, "model.safetensors"), self.gguf):
            if not os.path.exists(path + ".sha256"):
                sys.exit(f"corrupt.py: {path}.sha256 is missing; run scripts/fetch-model (it records the checksum)")
        self.model_home = os.path.join(self.work, "model-home")
        os.makedirs(self.model_home)

    def model_probes(self, kind):
        if kind == "safetensors":
            return [("embed", ["embed", "--model", self.minilm, "--text", "a reflecting telescope gathers light"], None)]
        return [("generate", ["generate", "Name a planet.", "--model", self.gguf, "--max-tokens", "4", "--temperature", "0"], None)]

    @staticmethod
    def mutate_in_place(path, rng):
        """Mutates a large file in place; returns (description, undo)."""
        size = os.path.getsize(path)
        kind = rng.choice(["bitflip", "truncate", "zero", "append"])
        with open(path, "r+b") as f:
            if kind == "bitflip":
                offsets = sorted({rng.randrange(size) for _ in range(rng.randint(1, 8))})
                saved = []
                for offset in offsets:
                    f.seek(offset)
                    byte = f.read(1)
                    saved.append((offset, byte))
                    f.seek(offset)
                    f.write(bytes([byte[0] ^ (1 << rng.randrange(8))]))
                detail = f"{len(offsets)} bits"
                def undo():
                    with open(path, "r+b") as g:
                        for offset, byte in saved:
                            g.seek(offset)
                            g.write(byte)
            elif kind == "zero":
                start = rng.randrange(size)
                length = min(rng.randint(1, 4096), size - start)
                f.seek(start)
                original = f.read(length)
                f.seek(start)
                f.write(bytes(length))
                detail = f"{length} bytes at {start}"
                def undo():
                    with open(path, "r+b") as g:
                        g.seek(start)
                        g.write(original)
            elif kind == "truncate":
                n = rng.randrange(size)
                f.seek(n)
                tail = f.read()
                f.truncate(n)
                detail = f"to {n} bytes"
                def undo():
                    with open(path, "ab") as g:
                        g.write(tail)
            else:
                extra = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
                f.seek(0, 2)
                f.write(extra)
                detail = f"{len(extra)} bytes"
                def undo():
                    with open(path, "r+b") as g:
                        g.truncate(size)
        return f"{kind} {detail}", undo

    def run_model_kind(self, kind, count):
        started = time.time()
        target = os.path.join(self.minilm, "model.safetensors") if kind == "safetensors" else self.gguf
        probes = self.model_probes(kind)
        reference = self.answers(self.model_home, probes)
        for label, code, _, err, _ in reference:
            if code != 0:
                sys.exit(f"corrupt.py: {label} fails on the undamaged {kind}: {err.strip()[-300:]}")
        for index in (self.only if self.only is not None else range(count)):
            rng = random.Random(f"{self.seed}:{kind}:{index}")
            mutation, undo = self.mutate_in_place(target, rng)
            try:
                outcome, detail = self.classify(reference, self.answers(self.model_home, probes))
            finally:
                undo()
            self.tell(kind, index, mutation, outcome, detail)
        tally = self.tallies[kind]
        print(f"{kind}: {count} mutations of {os.path.basename(target)}: detected {tally['detected']}, rebuilt {tally['rebuilt']}, "
              f"unaffected {tally['unaffected']}, violations {tally['VIOLATION']} ({time.time() - started:.0f} s)", flush=True)

    def must(self, home, *args):
        code, out, err, _ = self.run(home, *args)
        if code != 0:
            sys.exit(f"corrupt.py: setup step `quarry {' '.join(args)}` failed ({code}): {err.strip()[-400:]}")
        return out

    # -- probes: what a user runs, and its answer --------------------------------------

    def collection_probes(self, mode):
        run_file = os.path.join(self.work, "run.trec")
        return [
            ("search --queries", ["search", "--collection", "c", "--queries", self.queries, "--output", run_file, "--mode", mode, "--k", "10"], run_file),
            ("search --json", ["search", "token08 river", "--collection", "c", "--mode", mode, "--k", "5", "--json"], None),
            ("collections check", ["collections", "check", "c"], None),
        ]

    def tracking_probes(self):
        return [
            ("runs list", ["runs", "list", "--json"], None),
            ("runs show", ["runs", "show", self.run_ids[3], "--json"], None),
            ("registry show", ["registry", "show", "qa", "--json"], None),
        ]

    def answers(self, home, probes):
        """Each probe's (exit code, comparable answer, stderr)."""
        results = []
        for label, args, output in probes:
            if output and os.path.exists(output):
                os.remove(output)
            code, out, err, _ = self.run(home, *args)
            if output and code == 0 and os.path.exists(output):
                with open(output) as f:
                    out = f.read()
            results.append((label, code, self.comparable(label, out), err, out))
        return results

    @staticmethod
    def comparable(label, out):
        # Timings and timestamps that differ between any two runs are not part of the answer.
        if label == "collections check":
            return out.strip()
        try:
            value = json.loads(out)
        except ValueError:
            return out
        def strip(node):
            if isinstance(node, dict):
                return {k: strip(v) for k, v in node.items() if k not in ("seconds", "elapsed_ms", "timings")}
            if isinstance(node, list):
                return [strip(v) for v in node]
            return node
        return json.dumps(strip(value), sort_keys=True)

    # -- mutations ---------------------------------------------------------------------

    @staticmethod
    def mutate(path, rng, previous):
        with open(path, "rb") as f:
            data = bytearray(f.read())
        kinds = ["bitflip", "truncate", "zero", "append"] + (["swap"] if previous and os.path.exists(previous) else [])
        kind = rng.choice(kinds)
        if kind == "bitflip" and data:
            flips = rng.randint(1, 8)
            for _ in range(flips):
                i = rng.randrange(len(data))
                data[i] ^= 1 << rng.randrange(8)
            detail = f"{flips} bits"
        elif kind == "truncate" and data:
            n = rng.randrange(len(data))
            data = data[:n]
            detail = f"to {n} bytes"
        elif kind == "zero" and data:
            start = rng.randrange(len(data))
            length = rng.randint(1, 4096)
            data[start:start + length] = bytes(len(data[start:start + length]))
            detail = f"{length} bytes at {start}"
        elif kind == "append":
            extra = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))
            data += extra
            detail = f"{len(extra)} bytes"
        else:
            with open(previous, "rb") as f:
                data = bytearray(f.read())
            kind, detail = "swap", "with the previous generation's file"
        with open(path, "wb") as f:
            f.write(data)
        return f"{kind} {detail}"

    # -- classification ----------------------------------------------------------------

    def classify(self, reference, results):
        notes = []
        for (label, code, answer, err, out), (_, ref_code, ref_answer, _, _) in zip(results, reference):
            if code is None:
                return "VIOLATION", f"{label}: {err}"
            if code < 0 or any(marker in err for marker in CRASH_MARKERS):
                return "VIOLATION", f"{label}: crashed ({code}): {err.strip()[-300:]}"
            if code != 0:
                # `collections check` reports its findings on stdout.
                message = (err.strip() or out.strip()).splitlines()
                if not message:
                    return "VIOLATION", f"{label}: exit {code} without a message"
                notes.append(f"{label}: {message[-1][:160]}")
                continue
            if answer != ref_answer and label != "collections check":
                return "VIOLATION", f"{label}: a different answer with exit 0 ({self.first_difference(ref_answer, answer)})"
            if err.strip():
                notes.append(f"{label} noted: {err.strip().splitlines()[0][:160]}")
        if any(":" in n and " noted: " not in n for n in notes):
            return "detected", "; ".join(n for n in notes if " noted: " not in n)[:300]
        if notes:
            return "rebuilt", notes[0]
        return "unaffected", ""

    @staticmethod
    def first_difference(before, after):
        for line, (a, b) in enumerate(zip(before.splitlines(), after.splitlines())):
            if a != b:
                return f"line {line + 1}: {a[:70]!r} became {b[:70]!r}"
        return f"{len(before.splitlines())} lines became {len(after.splitlines())}"

    def trial(self, kind, index, restore, target, previous, home, probes, reference):
        rng = random.Random(f"{self.seed}:{kind}:{index}")
        restore()
        mutation = self.mutate(target, rng, previous)
        self.tell(kind, index, mutation, *self.classify(reference, self.answers(home, probes)))

    def tell(self, kind, index, mutation, outcome, detail):
        """Counts one trial's outcome; prints violations (every trial with --verbose)."""
        tally = self.tallies.setdefault(kind, {"detected": 0, "rebuilt": 0, "unaffected": 0, "VIOLATION": 0})
        tally[outcome] += 1
        if outcome == "VIOLATION":
            self.violations.append((kind, index, mutation, detail))
            print(f"{kind:9s} #{index:<5d} {mutation:45s} VIOLATION {detail}", flush=True)
        elif self.verbose:
            print(f"{kind:9s} #{index:<5d} {mutation:45s} {outcome:10s} {detail[:120]}", flush=True)

    def run_kind(self, kind, count):
        if kind in ("safetensors", "gguf"):
            return self.run_model_kind(kind, count)
        started = time.time()
        if kind == "tracking":
            target = os.path.join(self.tracking_home, "tracking.sqlite")
            def restore():
                shutil.copy(self.tracking_pristine, target)
                for suffix in ("-wal", "-shm"):
                    if os.path.exists(target + suffix):
                        os.remove(target + suffix)
            home, probes, previous = self.tracking_home, self.tracking_probes(), self.tracking_previous
        else:
            files = sorted(os.listdir(self.pristine))
            pick = {"bm25": lambda n: n.endswith(".bm25"), "hnsw": lambda n: n.endswith(".hnsw"),
                    "manifest": lambda n: n == "MANIFEST.json", "sqlite": lambda n: n == "collection.sqlite"}[kind]
            name = next(n for n in files if pick(n))
            target = os.path.join(self.collection, name)
            prior_name = next((n for n in os.listdir(self.previous) if pick(n)), None)
            previous = os.path.join(self.previous, prior_name) if prior_name else None
            def restore():
                shutil.rmtree(self.collection)
                shutil.copytree(self.pristine, self.collection)
            home = self.home
            probes = self.collection_probes({"bm25": "lexical", "hnsw": "dense"}.get(kind, "hybrid"))
        restore()
        reference = self.answers(home, probes)
        for label, code, _, err, _ in reference:
            if code != 0:
                sys.exit(f"corrupt.py: {label} fails on the undamaged {kind} setup: {err.strip()[-300:]}")
        for index in (self.only if self.only is not None else range(count)):
            self.trial(kind, index, restore, target, previous, home, probes, reference)
        restore()
        tally = self.tallies[kind]
        print(f"{kind}: {count} mutations of {os.path.basename(target)}: detected {tally['detected']}, rebuilt {tally['rebuilt']}, "
              f"unaffected {tally['unaffected']}, violations {tally['VIOLATION']} ({time.time() - started:.0f} s)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/quarry"))
    parser.add_argument("--per-kind", type=int, default=1000)
    parser.add_argument("--kinds", default="bm25,hnsw,manifest,sqlite,tracking,safetensors,gguf")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a command counts as hung")
    parser.add_argument("--verbose", action="store_true", help="a line per mutation")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only", help="comma-separated trial numbers to run again (with the same seed)")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"corrupt.py: no binary at {args.binary}; run `swift build`")
    harness = Harness(args)
    harness.verbose = args.verbose
    harness.only = [int(i) for i in args.only.split(",")] if args.only else None
    print(f"binary {args.binary}; work folder {harness.work}; seed {args.seed}", flush=True)
    kinds = args.kinds.split(",")
    try:
        if any(k in ("bm25", "hnsw", "manifest", "sqlite") for k in kinds):
            harness.build_collection()
        if any(k in ("safetensors", "gguf") for k in kinds):
            harness.build_models()
        if "tracking" in kinds:
            harness.build_tracking()
        for kind in kinds:
            harness.run_kind(kind, args.per_kind)
    finally:
        if not args.keep:
            shutil.rmtree(harness.work, ignore_errors=True)
    total = sum(sum(t.values()) for t in harness.tallies.values())
    print(f"corruption: {total} mutations over {len(harness.tallies)} kinds, violations {len(harness.violations)}")
    sys.exit(1 if harness.violations else 0)


if __name__ == "__main__":
    main()
