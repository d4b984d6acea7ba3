#!/usr/bin/env bash
# BM25 speed, side by side in one run: Quarry vs bm25s (and tantivy when its Python
# package installs), on msmarco (5,000 passages) and a generated 1,000,000-passage corpus.
# Usage: scripts/bench/bm25.sh [PASSAGES]   (default 1000000; the large corpus is cached
# in $QUARRY_BENCH_DIR, default /tmp/quarry-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
passages="${1:-1000000}"
work="${QUARRY_BENCH_DIR:-/tmp/quarry-bench}"
venv=scripts/bench/.venv
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q bm25s==0.3.16 PyStemmer numpy scipy
  "$venv/bin/pip" install -q tantivy || echo "bm25: tantivy did not install; comparing with bm25s only" >&2
fi
swift build -c release --product quarry >/dev/null
bin=.build/release/quarry

synthetic="$work/synthetic-$passages"
if [ ! -s "$synthetic/corpus.jsonl" ]; then
  "$venv/bin/python" scripts/bench/gen_synthetic_corpus.py "$synthetic" --passages "$passages"
fi

run() {  # NAME CORPUS_DIR
  local name=$1 dir=$2 home="$work/home-$1"
  rm -rf "$home"
  "$bin" ingest "$dir/corpus.jsonl" --collection bench --home "$home" --analyzer english --embedder none --quiet --json >/dev/null
  local reindex search rss
  reindex=$("$bin" collections reindex bench --home "$home" --json)
  search=$( { /usr/bin/time -f "%M" "$bin" search --queries "$dir/queries.jsonl" --output "$work/$name.trec" \
               --collection bench --home "$home" --k 100 --json; } 2>"$work/$name.time")
  rss=$(tail -1 "$work/$name.time")
  local peers
  peers=$("$venv/bin/python" scripts/bench/bm25_peers.py "$dir")
  python3 - "$name" "$reindex" "$search" "$rss" "$peers" "$home" <<'PY'
import json, os, sys
name, reindex, search, rss, peers, home = sys.argv[1:]
reindex, search, peers = json.loads(reindex), json.loads(search), json.loads(peers)
size = sum(f["bytes"] for f in reindex["files"])
q = {"build_s": reindex["seconds"], "qps": search["queries_per_second"], "rss_mib": int(rss) / 1024, "index_mib": size / 2**20}
b = peers["bm25s"]
print(f"== {name}: {peers['docs']} passages, {peers['queries']} queries (k=100, one query at a time, 1 thread)")
print(f"quarry   build {q['build_s']:8.2f} s   {q['qps']:9.0f} q/s   index {q['index_mib']:.1f} MiB   peak RSS (search) {q['rss_mib']:.0f} MiB")
print(f"bm25s    build {b['build_s']:8.2f} s   {b['qps_one_at_a_time']:9.0f} q/s   peak RSS (build+search) {b['peak_rss_mib']:.0f} MiB")
print(f"ratio    build {b['build_s'] / q['build_s']:.2f}x faster   queries {q['qps'] / b['qps_one_at_a_time']:.2f}x bm25s")
t = peers.get("tantivy")
if t:
    print(f"tantivy  build {t['build_s']:8.2f} s   {t['qps_one_at_a_time']:9.0f} q/s")
    print(f"ratio    build {t['build_s'] / q['build_s']:.2f}x   queries {q['qps'] / t['qps_one_at_a_time']:.2f}x tantivy")
PY
}

run msmarco ../shared/corpora/msmarco
run "synthetic-$passages" "$synthetic"
