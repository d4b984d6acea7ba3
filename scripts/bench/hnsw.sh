#!/usr/bin/env bash
# HNSW speed and recall, side by side in one run: Quarry's HNSWIndex vs hnswlib and faiss-cpu
# (IndexHNSWFlat), same vectors, M, efConstruction, ef sweep and k, one thread each, on the
# msmarco MiniLM vectors (5,000 × 384) and the 100,000 × 384 synthetic set of
# ../shared/vectors/README.md (generated once, cached in $QUARRY_BENCH_DIR, default
# /tmp/quarry-bench).
# Usage: scripts/bench/hnsw.sh   (env: M, EF_CONSTRUCTION, EFS, K, MIN_SECONDS)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${QUARRY_BENCH_DIR:-/tmp/quarry-bench}"
m="${M:-16}" efc="${EF_CONSTRUCTION:-200}" efs="${EFS:-10,16,24,32,48,64,96,128,256}" k="${K:-10}"
min_seconds="${MIN_SECONDS:-0.5}"
source scripts/bench/vector_bench_setup.sh

run() {  # NAME DIR
  local name=$1 dir=$2
  local args=(--base "$dir/base.fvecs" --queries "$dir/query.fvecs" --ground-truth "$dir/gt100.ivecs"
              --m "$m" --ef-construction "$efc" --ef "$efs" --k "$k" --min-seconds "$min_seconds")
  "$bin" hnsw "${args[@]}" >"$work/hnsw-$name-quarry.json"
  "$venv/bin/python" scripts/bench/hnsw_peers.py "${args[@]}" >"$work/hnsw-$name-peers.json"
  "$venv/bin/python" - "$name" "$work/hnsw-$name-quarry.json" "$work/hnsw-$name-peers.json" <<'PY'
import json, sys
name, quarry, peers = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
libs = {"quarry": quarry, **peers}
names = ["quarry", "hnswlib", "faiss"]
q = quarry
print(f"== {name}: {q['count']} × {q['dimension']}, {q['queries']} queries, M {q['m']}, "
      f"efConstruction {q['ef_construction']}, k {q['k']}, 1 thread")

def at(lib, target):
    """(qps, ef) at the smallest ef whose recall reaches target, or None."""
    for point in sorted(libs[lib]["sweep"], key=lambda p: p["ef"]):
        if point["recall"] >= target - 1e-9:
            return point["qps"], point["ef"]
    return None

def ratio(a, b):
    return f"{a / b:.2f}x" if a is not None and b else "—"

print(f"{'':24}" + "".join(f"{n:>17}" for n in names) + f"{'quarry/hnswlib':>16}{'quarry/faiss':>14}")
build = {n: libs[n]["build_s"] for n in names}
print(f"{'build s':24}" + "".join(f"{build[n]:17.2f}" for n in names)
      + f"{ratio(build['quarry'], build['hnswlib']):>16}{ratio(build['quarry'], build['faiss']):>14}")
for target in (0.90, 0.95, 0.99):
    cells, qps = [], {}
    for n in names:
        found = at(n, target)
        qps[n] = found[0] if found else None
        cells.append(f"{found[0]:8.0f} (ef {found[1]:3d})" if found else f"{'not reached':>17}")
    print(f"{f'q/s @ recall {target:.2f}':24}" + "".join(f"{c:>17}" for c in cells)
          + f"{ratio(qps['quarry'], qps['hnswlib']):>16}{ratio(qps['quarry'], qps['faiss']):>14}")
size = {n: libs[n]["bytes_per_vector"] for n in names}
print(f"{'bytes per vector':24}" + "".join(f"{size[n]:17.0f}" for n in names)
      + f"{ratio(size['quarry'], size['hnswlib']):>16}{ratio(size['quarry'], size['faiss']):>14}")
print("sweep (ef: recall@k / queries/s)")
for n in names:
    points = "  ".join(f"{p['ef']}: {p['recall']:.3f}/{p['qps']:.0f}" for p in libs[n]["sweep"])
    print(f"  {n:8} {points}")
PY
}

run msmarco-minilm ../shared/vectors/msmarco-minilm
run synthetic-100k "$synthetic"
