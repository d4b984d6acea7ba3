#!/usr/bin/env bash
# Ingest throughput on the shared msmarco corpus (5,000 passages), release build.
# Usage: scripts/bench/ingest.sh [RUNS]   (default 3; prints each run and the median)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
corpus="../shared/corpora/msmarco/corpus.jsonl"
swift build -c release --product quarry >/dev/null
bin=.build/release/quarry
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
echo "quarry ingest $corpus (release, $(nproc) cores, analyzer english)"
results=()
for i in $(seq 1 "$runs"); do
  rm -rf "$home/collections"
  out=$("$bin" ingest "$corpus" --collection msmarco --home "$home" --analyzer english --json --quiet)
  line=$(python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); d=s["added"]; c=s["chunks_added"]; t=s["seconds"]; print(f"{d} docs, {c} chunks in {t:.3f} s: {d/t:.0f} docs/s, {c/t:.0f} chunks/s")' <<<"$out")
  echo "run $i: $line"
  results+=("$(python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); print(s["added"]/s["seconds"])' <<<"$out")")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median: %.0f docs/s\n", a[int((NR+1)/2)]}'
# Re-ingest of the unchanged corpus (every document skipped by content hash).
out=$("$bin" ingest "$corpus" --collection msmarco --home "$home" --json --quiet)
python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); u=s["unchanged"]; t=s["seconds"]; print(f"re-ingest, unchanged: {u} docs in {t:.3f} s: {u/t:.0f} docs/s")' <<<"$out"
