#!/usr/bin/env bash
# int8 serving against float, one graph: Quarry's HNSWIndex built once (M 16, efConstruction
# 200, one thread) and saved, then loaded twice from the file in fresh processes — as it is
# (float vectors copied into memory) and with `--quantization int8` (SQ8 codes in memory
# steer the search, the float vectors are read in place from the mapped file to rescore the
# beam) — each swept over ef. Prints recall@10 and queries/s per ef side by side and the
# resident memory the loaded index added after loading and after the sweep (RssAnon and
# RssFile, less before loading). The float vectors an int8 index rescores with are file
# pages: the page cache holds them and the kernel may drop them under memory pressure (a
# read from disk per rescored vector then), where the float index's copy is anonymous.
# Sets: msmarco MiniLM vectors (5,000 × 384) and the 100,000 × 384 synthetic set of
# ../shared/vectors/README.md (generated once into $QUARRY_BENCH_DIR, as hnsw.sh does).
# MILLION=1 adds a 1,000,000 × 384 set drawn by the same recipe (generated once; about 10
# minutes to build its graph on two cores, and 10 GB of memory for NumPy's ground truth).
# Usage: scripts/bench/hnsw_int8.sh   (env: EFS, MIN_SECONDS, MILLION)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${QUARRY_BENCH_DIR:-/tmp/quarry-bench}"
efs="${EFS:-10,16,32,64,128}"
min_seconds="${MIN_SECONDS:-0.5}"
source scripts/bench/vector_bench_setup.sh

run() {  # NAME DIR
  local name=$1 dir=$2
  local index="$work/hnsw-int8-$name.hnsw"
  local args=(--base "$dir/base.fvecs" --queries "$dir/query.fvecs" --ground-truth "$dir/gt100.ivecs"
              --m 16 --ef-construction 200 --ef "$efs" --k 10 --min-seconds "$min_seconds" --index "$index")
  rm -f "$index"
  "$bin" hnsw "${args[@]}" >"$work/hnsw-int8-$name-build.json"
  "$bin" hnsw "${args[@]}" >"$work/hnsw-int8-$name-float.json"
  "$bin" hnsw "${args[@]}" --quantization int8 >"$work/hnsw-int8-$name-int8.json"
  python3 - "$name" "$work/hnsw-int8-$name-build.json" "$work/hnsw-int8-$name-float.json" "$work/hnsw-int8-$name-int8.json" <<'PY'
import json, sys
name, build, flt, q8 = sys.argv[1], *(json.load(open(p)) for p in sys.argv[2:])
print(f"== {name}: {flt['count']} × {flt['dimension']}, {flt['queries']} queries, M 16, efConstruction 200, k 10, 1 thread; "
      f"built in {build['build_s']:.1f} s, file {flt['bytes_per_vector'] * flt['count'] / 2**20:.1f} MiB")
def added(run, at):
    before, after = run["rss"]["before_load"], run["rss"][at]
    return (after["anon_bytes"] - before["anon_bytes"]) / 2**20, (after["file_bytes"] - before["file_bytes"]) / 2**20
print(f"{'ef':>5} {'float recall':>13} {'int8 recall':>12} {'Δ':>7} {'float q/s':>10} {'int8 q/s':>9} {'int8/float':>11}")
for a, b in zip(flt["sweep"], q8["sweep"]):
    print(f"{a['ef']:>5} {a['recall']:13.3f} {b['recall']:12.3f} {b['recall'] - a['recall']:+7.3f} {a['qps']:10.0f} {b['qps']:9.0f} {b['qps'] / a['qps']:10.2f}x")
print(f"load s: float {flt['build_s']:.2f}, int8 {q8['build_s']:.2f}")
for at in ("after_load", "after_sweep"):
    fa, ff = added(flt, at)
    qa, qf = added(q8, at)
    print(f"index resident {at.replace('_', ' ')}: float anon {fa:.1f} + file {ff:.1f} MiB; int8 anon {qa:.1f} + file {qf:.1f} MiB; "
          f"anonymous int8/float {qa / fa:.2f}x, all {(qa + qf) / (fa + ff):.2f}x")
PY
}

run msmarco-minilm ../shared/vectors/msmarco-minilm
run synthetic-100k "$synthetic"
if [[ ${MILLION:-0} == 1 ]]; then
  million="$work/vectors-synthetic-1m"
  if [ ! -s "$million/gt100.ivecs" ]; then
    "$venv/bin/python" scripts/bench/gen_synthetic_vectors.py "$million" 1000000
  fi
  run synthetic-1m "$million"
fi
