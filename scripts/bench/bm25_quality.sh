#!/usr/bin/env bash
# BM25 retrieval quality on the shared corpora, next to bm25s's figures from
# ../shared/fixtures/peer_results.json. Metrics: scripts/bench/trec_metrics.py (trec_eval
# semantics, checked against ../shared/fixtures/metrics_reference.json).
# Usage: scripts/bench/bm25_quality.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product quarry >/dev/null
bin=.build/release/quarry
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
shared=../shared
peer() { python3 -c "import json; m=json.load(open('$shared/fixtures/peer_results.json'))['quality']['$1']['methods']['$2']; print(f\"bm25s {'$2'}: nDCG@10 {m['ndcg@10']:.4f}  Recall@100 {m['recall@100']:.4f}\")"; }
evaluate() {  # CORPUS ANALYZER
  "$bin" ingest "$shared/corpora/$1/corpus.jsonl" --collection "$1-$2" --home "$home" --analyzer "$2" --embedder none --quiet >/dev/null
  "$bin" search --queries "$shared/corpora/$1/queries.jsonl" --output "$home/$1-$2.trec" --collection "$1-$2" --home "$home" --k 100 >/dev/null
  echo "quarry $1, analyzer $2 (k1 0.9, b 0.4): $(python3 scripts/bench/trec_metrics.py "$home/$1-$2.trec" "$shared/corpora/$1/qrels/test.tsv")"
}
evaluate msmarco english
peer msmarco bm25_k0.9_b0.4
evaluate arcd standard
evaluate arcd arabic
peer arcd bm25_k0.9_b0.4
peer arcd abl_bm25_k0.9_b0.4_arabicstem
