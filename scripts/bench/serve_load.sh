#!/usr/bin/env bash
# Load test of `quarry serve`: hybrid search (BM25 + dense, no LLM) on the msmarco collection,
# wrk (Debian) on loopback, 8 then 32 connections, each for $DURATION seconds after a warm-up.
# Prints throughput, p50/p99 latency, the error count (non-2xx and socket errors; must be 0)
# and the server's resident memory before and after the load. Then a memory soak: SOAK_ROUNDS
# more rounds at 32 connections, resident memory after each, and the growth per request from
# the end of the first 32-connection round to the end (the bound: at most 0.25 KiB a request,
# i.e. no leak on the request path; the script exits 1 past it).
#
#   scripts/bench/serve_load.sh            # DURATION=20, SOAK_ROUNDS=3 by default
#   QUARRY_CONFIG=F scripts/bench/serve_load.sh   # e.g. a file with `server: {query_cache_entries: 0}`
#
# The queries repeat (msmarco's test queries, rotated), so after the first pass the
# query-embedding cache answers them; turn it off as above to load the encoder.
# The 30-minute soak with writes and alias moves is scripts/bench/soak.sh.
#
# Both wrk and the server share this machine's cores; the figures are for that setup.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20}
SOAK_ROUNDS=${SOAK_ROUNDS:-3}
PORT=${PORT:-18181}
BENCH_HOME=${QUARRY_BENCH_HOME:-/tmp/quarry-bench-serve}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# QUARRY_BIN: a release binary built elsewhere (to compare two builds on one collection).
if [[ -n ${QUARRY_BIN:-} ]]; then Q=$QUARRY_BIN; else
  swift build -c release --product quarry --scratch-path .build-release 2>&1 | tail -1
  Q=.build-release/release/quarry
fi
# Incremental: a second run reuses the collection.
$Q ingest ../shared/corpora/msmarco/corpus.jsonl --collection msmarco --analyzer english --home "$BENCH_HOME" --quiet | tail -1

# The queries, rotated per request, as a Lua table of JSON bodies.
LUA=$(mktemp /tmp/serve_load.XXXXXX.lua)
python3 scripts/bench/wrk_search.py ../shared/corpora/msmarco/queries.jsonl "$LUA" bench-key-123

QUARRY_API_KEYS="bench-key-123:read" $Q serve --home "$BENCH_HOME" --port "$PORT" --quiet 2>/dev/null &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true; rm -f "$LUA"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.2
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
URL="http://127.0.0.1:$PORT/v1/collections/msmarco/search"

wrk -t2 -c8 -d5s -s "$LUA" "$URL" >/dev/null
before=$(rss)
echo "server RSS after warm-up: $((before / 1024)) MiB"
# One wrk round; sets `summary` and `requests`. The pause before it lets the previous round's
# last requests finish: wrk exits with requests in flight, and with 32 new connections on
# top of them the server would rightly answer 503 (server.max_concurrent_requests is 32).
round() {
  sleep 1
  local out
  out=$(wrk -t2 -c"$1" -d"${DURATION}s" --latency -s "$LUA" "$URL")
  local rps p50 p99 non2xx socket
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  # wrk: "  Socket errors: connect 1, read 2, write 0, timeout 3" (awk reads "1," as 1).
  socket=$(awk '/Socket errors/ {print $4 + $6 + $8 + $10}' <<<"$out")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  errors=$(( ${non2xx:-0} + ${socket:-0} ))
  total_errors=$(( total_errors + errors ))
  summary="${rps} requests/s, p50 ${p50}, p99 ${p99}, errors ${errors}"
}
total_errors=0
for connections in 8 32; do
  round "$connections"
  echo "connections $connections: $summary"
done
after=$(rss)
echo "server RSS after load: $((after / 1024)) MiB (growth $(( (after - before) / 1024 )) MiB)"

soaked=0
for r in $(seq 1 "$SOAK_ROUNDS"); do
  round 32
  soaked=$(( soaked + requests ))
  echo "soak round $r (32 connections): $summary, RSS $(( $(rss) / 1024 )) MiB"
done
end=$(rss)
failed=0
if (( soaked > 0 )); then
  per=$(awk -v d="$(( end - after ))" -v n="$soaked" 'BEGIN { printf "%.3f", d / n }')
  echo "soak: $soaked requests, RSS $((after / 1024)) -> $((end / 1024)) MiB, ${per} KiB per request (bound 0.25)"
  awk -v p="$per" 'BEGIN { exit !(p <= 0.25) }' || { echo "FAIL: memory grows with requests"; failed=1; }
fi
(( total_errors == 0 )) || { echo "FAIL: $total_errors errors"; failed=1; }
exit "$failed"
