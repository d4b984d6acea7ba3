#!/usr/bin/env bash
# Embedding speed, side by side in one run: Quarry's native encoder vs sentence-transformers
# (torch 2.13.0+cpu limited to the same 2 threads), all-MiniLM-L6-v2, max length 256, on the
# 5,000 msmarco passages; then single short-query latency (p50, p99) for both.
# Usage: scripts/bench/embed.sh   (QUARRY_BIN=path to use a release binary built elsewhere)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=scripts/bench/.venv-st
corpus=../shared/corpora/msmarco/corpus.jsonl
model=models/all-MiniLM-L6-v2
scripts/fetch-model >/dev/null
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.13.0+cpu" "sentence-transformers==6.2.0"
fi
# QUARRY_BIN: a release binary built elsewhere (e.g. .build-release/release/quarry).
if [ -n "${QUARRY_BIN:-}" ]; then bin=$QUARRY_BIN; else swift build -c release --product quarry >/dev/null; bin=.build/release/quarry; fi
threads=$(nproc)
echo "all-MiniLM-L6-v2 on $(wc -l < "$corpus") msmarco passages, $threads threads, max_seq_length 256"
quarry=$("$bin" embed --corpus "$corpus" --json)
latency=$("$bin" embed --latency-runs 200 --text "what is the capital of france" --json)
peer=$("$venv/bin/python" scripts/bench/embed_peer.py "$model" "$corpus" "$threads")
python3 - "$quarry" "$latency" "$peer" <<'PY'
import json, sys
q, l, p = (json.loads(a) for a in sys.argv[1:])
print(f"quarry                 {q['passages_per_second']:7.1f} passages/s   peak RSS {q['peak_rss_mib']:.0f} MiB   query p50 {l['p50_ms']:.2f} ms  p99 {l['p99_ms']:.2f} ms")
print(f"sentence-transformers  {p['passages_per_second']:7.1f} passages/s   peak RSS {p['peak_rss_mib']:.0f} MiB   query p50 {p['p50_ms']:.2f} ms  p99 {p['p99_ms']:.2f} ms   (torch {p['torch']}, {p['threads']} threads)")
print(f"ratio                  {q['passages_per_second'] / p['passages_per_second']:.2f}x passages/s   query p50 {p['p50_ms'] / l['p50_ms']:.2f}x faster")
PY
