#!/usr/bin/env bash
# Corruption matrix (issue 21): seeded mutations of every file kind Quarry reads back (BM25,
# HNSW, MANIFEST.json, collection.sqlite, tracking.sqlite), each followed by the commands a
# user runs; every outcome must be detected, rebuilt with a note, or unaffected — never a
# crash, a hang or a silently different answer. See corrupt.py.
#   scripts/reliability/corrupt.sh                    # 1,000 per kind (about 50 minutes)
#   scripts/reliability/corrupt.sh --per-kind 100     # CI
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 scripts/reliability/corrupt.py "$@"
