#!/usr/bin/env bash
# Drift monitoring on real queries (issue 10), release build, default native embedder
# (all-MiniLM-L6-v2), measured against the msmarco collection (5,000 passages, english analyzer):
#   1. msmarco's English queries (reference) vs arcd's Arabic queries (current): drift expected
#      on the language mix (script), the OOV rate and the query embeddings;
#   2. msmarco's queries split randomly in half, SPLITS seeded splits: every drift verdict is a
#      false alarm (`quarry drift calibrate`), plus the same on arcd's queries;
#   3. corpus drift: the msmarco collection vs the arcd collection (arabic analyzer, same
#      embedder), and msmarco against itself (two seeded 1,000-chunk samples of one generation).
# Usage: scripts/bench/drift_real.sh [SPLITS] [REPORT_DIR]
#   SPLITS default 100; REPORT_DIR keeps report.json/report.html of check 1 (default: a temp dir).
#   QUARRY_SCRATCH: the SwiftPM scratch path to build in (default .build).
set -euo pipefail
cd "$(dirname "$0")/../.."
splits="${1:-100}"
scratch="${QUARRY_SCRATCH:-.build}"
swift build -c release --product quarry --scratch-path "$scratch" >/dev/null
bin="$scratch/release/quarry"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
reports="${2:-$home/reports}"
msmarco=../shared/corpora/msmarco
arcd=../shared/corpora/arcd

seconds() { python3 -c 'import sys,time; print(f"{time.time()-float(sys.argv[1]):.2f}")' "$1"; }

start=$(date +%s.%N)
"$bin" ingest "$msmarco/corpus.jsonl" --collection msmarco --analyzer english --home "$home" --quiet >/dev/null
echo "== ingest msmarco (native embedder): $(seconds "$start") s"

echo "== 1. msmarco queries (reference) vs arcd queries (current), collection msmarco"
start=$(date +%s.%N)
status=0
"$bin" drift check --reference "$msmarco/queries.jsonl" --current "$arcd/queries.jsonl" --collection msmarco --home "$home" \
  --output "$reports" --fail-on-drift || status=$?
echo "exit status $status (2 = drift found), $(seconds "$start") s"

echo "== 2. msmarco queries split in half, $splits seeded splits"
start=$(date +%s.%N)
"$bin" drift calibrate --queries "$msmarco/queries.jsonl" --collection msmarco --home "$home" --splits "$splits" --seed 42
echo "$(seconds "$start") s"

echo "== 2b. arcd queries split in half, $splits seeded splits (same collection)"
start=$(date +%s.%N)
"$bin" drift calibrate --queries "$arcd/queries.jsonl" --collection msmarco --home "$home" --splits "$splits" --seed 42
echo "$(seconds "$start") s"

"$bin" ingest "$arcd/corpus.jsonl" --collection arcd --analyzer arabic --home "$home" --quiet >/dev/null
echo "== 3. corpus: collection:msmarco (reference) vs collection:arcd (current)"
start=$(date +%s.%N)
"$bin" drift check --reference collection:msmarco --current collection:arcd --home "$home" --output "$home/corpus" | grep -v '^reports'
echo "$(seconds "$start") s"
echo "== 3b. corpus: collection:msmarco vs itself (two seeded samples)"
start=$(date +%s.%N)
"$bin" drift check --reference collection:msmarco --current collection:msmarco --home "$home" --output "$home/corpus-same" | grep -v '^reports'
echo "$(seconds "$start") s"
