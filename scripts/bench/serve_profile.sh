#!/usr/bin/env bash
# Where a served request's time goes: `quarry serve` on the msmarco collection (as
# serve_load.sh ingests it) under wrk (hybrid search, CONNECTIONS connections, 25 s), with
# `perf record -g` attached for 12 s in the middle. Prints wrk's throughput and latency and
# the top of the inclusive profile, and leaves perf.data in $OUT.
#
#   QUARRY_BIN=/tmp/quarry-rel scripts/bench/serve_profile.sh
#   QUARRY_CONFIG=F …   # e.g. a file with `server: {query_cache_entries: 0}` to load the encoder
#
# Needs perf (Debian linux-perf) and wrk; the collection must exist (run serve_load.sh once).
set -euo pipefail
cd "$(dirname "$0")/../.."
Q=${QUARRY_BIN:-.build-release/release/quarry}
CONNECTIONS=${CONNECTIONS:-8}
PORT=${PORT:-18190}
BENCH_HOME=${QUARRY_BENCH_HOME:-/tmp/quarry-bench-serve}
OUT=${OUT:-$(mktemp -d /tmp/serve_profile.XXXXXX)}
command -v perf >/dev/null || { echo "perf is missing: apt-get install -y linux-perf" >&2; exit 1; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
[[ -d $BENCH_HOME/collections/msmarco ]] || { echo "no msmarco collection in $BENCH_HOME: run scripts/bench/serve_load.sh first" >&2; exit 1; }

LUA=$OUT/search.lua
python3 scripts/bench/wrk_search.py ../shared/corpora/msmarco/queries.jsonl "$LUA" bench-key-123
QUARRY_API_KEYS="bench-key-123:read" $Q serve --home "$BENCH_HOME" --port "$PORT" --quiet 2>/dev/null &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT/v1/collections/msmarco/search"
wrk -t2 -c"$CONNECTIONS" -d5s -s "$LUA" "$URL" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d25s --latency -s "$LUA" "$URL" > "$OUT/wrk.txt" &
WRK=$!
sleep 5
perf record -F 999 -g -p "$PID" -o "$OUT/perf.data" -- sleep 12 >/dev/null 2>&1
wait "$WRK"
grep -E "Requests/sec|^ +50%|^ +99%" "$OUT/wrk.txt"
echo "top of the inclusive profile (perf report -i $OUT/perf.data --children):"
perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | grep -E "^ +[0-9]" | head -"${TOP:-40}" | cut -c1-160
