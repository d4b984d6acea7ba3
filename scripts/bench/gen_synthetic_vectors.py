#!/usr/bin/env python3
"""The synthetic vector set of ../shared/vectors/README.md ("A larger synthetic set"):
100,000 base and 1,000 query vectors, 384-d, clustered, byte-for-byte reproducible with
NumPy's legacy generator (the recipe, its draw order and float64 arithmetic, exactly), plus
each query's exact top 100 by inner product computed in float64.

Writes OUT_DIR/base.fvecs, query.fvecs (int32 dimension, then float32s, per vector),
gt100.ivecs (row indices into base, best first) and gt100_scores.fvecs.
Usage: gen_synthetic_vectors.py OUT_DIR [BASE_COUNT]
BASE_COUNT (default 100000) draws that many base vectors by the same recipe (same centres
and noise, so a different random stream from the 100k set's): the 1M set of hnsw_int8.sh.
"""
import os
import sys

import numpy as np
from numpy.linalg import norm

BASE, QUERIES, CENTRES, DIM, NOISE, TOP = 100_000, 1_000, 1_000, 384, 0.0375, 100


def generate(count=BASE):
    rs = np.random.RandomState(42)
    centres = rs.standard_normal((CENTRES, DIM))
    centres /= norm(centres, axis=1)[:, None]
    a_base = rs.randint(0, CENTRES, size=count)
    base = centres[a_base] + NOISE * rs.standard_normal((count, DIM))
    base /= norm(base, axis=1)[:, None]
    a_query = rs.randint(0, CENTRES, size=QUERIES)
    query = centres[a_query] + NOISE * rs.standard_normal((QUERIES, DIM))
    query /= norm(query, axis=1)[:, None]
    return base.astype(np.float32), query.astype(np.float32)


def ground_truth(base, query, top=TOP, block=100):
    """Exact top `top` by inner product in float64 (of the stored float32 vectors);
    ties broken by the lower row index."""
    b = base.astype(np.float64)
    ids = np.empty((len(query), top), dtype=np.int32)
    scores = np.empty((len(query), top), dtype=np.float32)
    for start in range(0, len(query), block):
        s = query[start:start + block].astype(np.float64) @ b.T
        part = np.argpartition(-s, top, axis=1)[:, :top + 1]
        for r in range(len(s)):
            # Widen to every row tied with the (top)th score so the tie-break is exact.
            kth = np.sort(s[r, part[r]])[::-1][top - 1]
            candidates = np.nonzero(s[r] >= kth)[0]
            order = np.lexsort((candidates, -s[r, candidates]))[:top]
            ids[start + r] = candidates[order]
            scores[start + r] = s[r, candidates[order]]
    return ids, scores


def write_vecs(path, rows, dtype):
    """Rows as .fvecs/.ivecs: the int32 length, then the 4-byte values (bit-exact)."""
    rows = np.ascontiguousarray(rows, dtype=dtype)
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype="<i4")
    out[:, 0] = rows.shape[1]
    out[:, 1:] = rows.astype(np.dtype(dtype).newbyteorder("<")).view("<i4")
    tmp = path + ".tmp"
    out.tofile(tmp)
    os.replace(tmp, path)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) == 3 else BASE
    os.makedirs(out, exist_ok=True)
    base, query = generate(count)
    ids, scores = ground_truth(base, query)
    write_vecs(os.path.join(out, "base.fvecs"), base, np.float32)
    write_vecs(os.path.join(out, "query.fvecs"), query, np.float32)
    write_vecs(os.path.join(out, "gt100_scores.fvecs"), scores, np.float32)
    # Last, so its presence marks a complete set.
    write_vecs(os.path.join(out, "gt100.ivecs"), ids, np.int32)
    print(f"wrote {len(base)} base and {len(query)} query vectors ({base.shape[1]}-d) and top-{TOP} ground truth to {out}")


if __name__ == "__main__":
    main()
