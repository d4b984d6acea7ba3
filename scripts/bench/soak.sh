#!/usr/bin/env bash
# Long soak of `quarry serve` (a benchmark run, not CI): hybrid-search reads through a served
# pipeline with wrk, document writes to both of the pipeline's collections and an alias move
# every five minutes, all at once; then both collections must pass `collections check` and
# hold exactly the acknowledged writes. Prints per-minute throughput, p50/p99, errors and RSS,
# then the memory growth per request after warm-up (bound 0.25 KiB, as serve_load.sh) and the
# p99 drift. Exit 1 on any error. What each figure means: scripts/bench/soak.py.
#
#   scripts/bench/soak.sh                  # MINUTES=30; CONNECTIONS=8, WRITE_INTERVAL=1, ALIAS_EVERY=300
#   MINUTES=3 ALIAS_EVERY=60 scripts/bench/soak.sh    # a quick try
#   QUARRY_CONFIG=F scripts/bench/soak.sh   # F with `server: {query_cache_entries: 0}` keeps the
#                                           # encoder loaded: the 50 queries repeat, so the cache
#                                           # answers nearly every read otherwise
#
# The home is rebuilt each run (two ingests of msmarco, about a minute each in release);
# wrk, the writer and the server share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${MINUTES:-30}
CONNECTIONS=${CONNECTIONS:-8}
WRITE_INTERVAL=${WRITE_INTERVAL:-1}
ALIAS_EVERY=${ALIAS_EVERY:-300}
PORT=${PORT:-18191}
SOAK_HOME=${QUARRY_SOAK_HOME:-/tmp/quarry-soak}
CORPUS=../shared/corpora/msmarco
[[ -f $CORPUS/corpus.jsonl ]] || { echo "soak.sh needs ../shared/corpora/msmarco" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

if [[ -z ${QUARRY_BIN:-} ]]; then
  swift build -c release --product quarry --scratch-path .build-release 2>&1 | tail -1
  # A copy, so a rebuild during the run cannot swap the binary under it.
  cp .build-release/release/quarry /tmp/quarry-soak-bin
  QUARRY_BIN=/tmp/quarry-soak-bin
fi
Q=$QUARRY_BIN

rm -rf "$SOAK_HOME"
mkdir -p "$SOAK_HOME"
for collection in soak-blue soak-green; do
  $Q ingest "$CORPUS/corpus.jsonl" --collection "$collection" --analyzer english --home "$SOAK_HOME" --quiet | tail -1
done
$Q registry register soak --collection soak-blue --description "soak: blue" --home "$SOAK_HOME" >/dev/null
$Q registry register soak --collection soak-green --description "soak: green" --home "$SOAK_HOME" >/dev/null
$Q registry alias soak production 1 --reason "soak start" --home "$SOAK_HOME" >/dev/null

python3 scripts/bench/soak.py --binary "$Q" --home "$SOAK_HOME" --corpus "$CORPUS/corpus.jsonl" \
  --queries "$CORPUS/queries.jsonl" --minutes "$MINUTES" --connections "$CONNECTIONS" \
  --write-interval "$WRITE_INTERVAL" --alias-every "$ALIAS_EVERY" --port "$PORT" \
  --report "${SOAK_REPORT:-$SOAK_HOME/soak-report.json}"
