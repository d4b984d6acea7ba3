#!/usr/bin/env python3
"""Peer HNSW timings for scripts/bench/hnsw.sh: hnswlib and faiss-cpu (IndexHNSWFlat) on the
same vectors with the same M, efConstruction, ef sweep and k as `quarry-bench hnsw`, on one
thread, inner product (the vectors are L2-normalised, so this ranks as cosine does).

Build time is the insertion of all base vectors (one thread). Queries/s: the whole query
set is passed in one call on one thread (each query is still searched on its own; this
keeps Python's per-call overhead out of the peers' figures), repeated until it has run
--min-seconds. Recall@k against the first k ids of the ground truth. Bytes per vector: the
serialised index / vector count.

Prints one JSON object {"hnswlib": {...}, "faiss": {...}} whose entries have the fields of
`quarry-bench hnsw`'s output.
Usage: hnsw_peers.py --base B.fvecs --queries Q.fvecs --ground-truth G.ivecs
                     [--m 16] [--ef-construction 200] [--ef 10,16,...] [--k 10]
                     [--min-seconds 0.5] [--only hnswlib|faiss]
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        return np.empty((0, 0), dtype=dtype)
    dim = int(raw[0])
    rows = raw.reshape(-1, dim + 1)
    if not (rows[:, 0] == dim).all():
        sys.exit(f"{path}: rows of different lengths")
    return np.ascontiguousarray(rows[:, 1:]).view(dtype)


def recall(found, truth, k):
    hits = sum(len(set(f[:k].tolist()) & set(t[:k].tolist())) for f, t in zip(found, truth))
    return hits / (k * len(truth))


def sweep(search, queries, truth, efs, k, min_seconds):
    out = []
    for ef in efs:
        labels = search(queries, ef)
        r = recall(labels, truth, k)
        searched, start = 0, time.perf_counter()
        while True:
            search(queries, ef)
            searched += len(queries)
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        out.append({"ef": ef, "recall": r, "qps": searched / elapsed})
    return out


def report(name, base, queries, args, build_s, size, results):
    return {
        "library": name, "count": len(base), "dimension": base.shape[1], "queries": len(queries),
        "m": args.m, "ef_construction": args.ef_construction, "k": args.k, "threads": 1,
        "build_s": build_s, "bytes_per_vector": size / len(base), "sweep": results,
    }


def bench_hnswlib(base, queries, truth, args):
    import hnswlib
    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(max_elements=len(base), ef_construction=args.ef_construction, M=args.m, random_seed=100)
    index.set_num_threads(1)
    start = time.perf_counter()
    index.add_items(base, np.arange(len(base)), num_threads=1)
    build_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "index.bin")
        index.save_index(path)
        size = os.path.getsize(path)

    def search(q, ef):
        index.set_ef(ef)
        labels, _ = index.knn_query(q, k=args.k, num_threads=1)
        return labels

    results = sweep(search, queries, truth, args.ef, args.k, args.min_seconds)
    return report("hnswlib", base, queries, args, build_s, size, results)


def bench_faiss(base, queries, truth, args):
    import faiss
    faiss.omp_set_num_threads(1)
    index = faiss.IndexHNSWFlat(base.shape[1], args.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = args.ef_construction
    start = time.perf_counter()
    index.add(base)
    build_s = time.perf_counter() - start
    size = faiss.serialize_index(index).nbytes

    def search(q, ef):
        index.hnsw.efSearch = ef
        _, labels = index.search(q, args.k)
        return labels

    results = sweep(search, queries, truth, args.ef, args.k, args.min_seconds)
    return report("faiss", base, queries, args, build_s, size, results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--ground-truth", required=True)
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--ef", type=lambda s: [int(x) for x in s.split(",")], default=[10, 16, 24, 32, 48, 64, 96, 128, 256])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--min-seconds", type=float, default=0.5)
    parser.add_argument("--only", choices=["hnswlib", "faiss"])
    args = parser.parse_args()
    base = read_vecs(args.base, np.float32)
    queries = read_vecs(args.queries, np.float32)
    truth = read_vecs(args.ground_truth, np.int32)
    if len(truth) != len(queries) or truth.shape[1] < args.k:
        sys.exit(f"the ground truth needs >= {args.k} neighbours for each of the {len(queries)} queries")
    out = {}
    if args.only in (None, "hnswlib"):
        out["hnswlib"] = bench_hnswlib(base, queries, truth, args)
    if args.only in (None, "faiss"):
        out["faiss"] = bench_faiss(base, queries, truth, args)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
