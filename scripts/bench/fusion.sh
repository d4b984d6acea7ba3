#!/usr/bin/env bash
# Hybrid retrieval quality on every shared corpus with the default settings (auto analyzer,
# native all-MiniLM-L6-v2, `fusion: auto`), next to its inputs and the other fusions:
# Quarry's lexical and dense runs, plain RRF of those two runs (equal weights, no trust:
# scripts/bench/fusion_table.py), the default hybrid, and Quarry's RRF and convex 0.5 (both
# with the trust rule). nDCG@10/Recall@100, trec_eval semantics, k 100. No setting here is
# chosen from the qrels.
# Also the derived corpora of scripts/bench/derived_corpora.py (xquad-mixed, NAME-short).
# Usage: scripts/bench/fusion.sh [CORPUS ...]   (default: all shared and derived corpora)
#   QUARRY_BIN=path  a quarry binary to use (default: build the release one)
#   FUSION_MODEL=dir  ingest with this native model folder instead of the configured one
#                     (models/multilingual-e5-small: the multilingual columns); searches
#                     use each collection's own model
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=$(cd "${QUARRY_SHARED:-../shared}" && pwd)
if [ -n "${QUARRY_BIN:-}" ]; then bin=$QUARRY_BIN; else swift build -c release --product quarry >/dev/null; bin=.build/release/quarry; fi
#   FUSION_HOME=dir  keep the collections and runs there (reused by a later run and by
#                    scripts/bench/fusion_grid.py); default: a temporary folder
home=${FUSION_HOME:-$(mktemp -d)}
[ -n "${FUSION_HOME:-}" ] || trap 'rm -rf "$home"' EXIT
home=$(mkdir -p "$home" && cd "$home" && pwd)   # absolute: the table step runs in scripts/bench
python3 scripts/bench/derived_corpora.py "$shared/corpora" "$home/derived"
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=(msmarco scifact classic/cisi classic/med classic/npl arcd jsquad xquad/ar xquad/de xquad/el xquad/en
  xquad/es xquad/hi xquad/ro xquad/ru xquad/th xquad/tr xquad/vi xquad/zh xquad-mixed msmarco-short scifact-short classic-npl-short
  arcd-short xquad-de-short xquad-ru-short xquad-tr-short xquad-mixed-short)
printf '%-18s %-13s %-13s %-13s %-13s %-13s %-13s  %s\n' corpus lexical dense "plain RRF" "hybrid auto" "RRF+trust" "convex .5" \
  "auto-best / auto-plainRRF (nDCG@10)"
for corpus in "${corpora[@]}"; do
  dir="$shared/corpora/$corpus"
  [ -d "$dir" ] || dir="$home/derived/$corpus"
  name=${corpus//\//-}
  collection=${name%-short}   # a -short corpus is its base corpus with shorter queries
  if [ ! -d "$home/collections/$collection" ]; then
    base="$dir"; [ "$collection" = "$name" ] || { base="$shared/corpora/${corpus%-short}"; [ -d "$base" ] || base="$shared/corpora/${collection/-//}"; [ -d "$base" ] || base="$home/derived/$collection"; }
    "$bin" ingest "$base/corpus.jsonl" --collection "$collection" --home "$home" --quiet ${FUSION_MODEL:+--model "$FUSION_MODEL"} >/dev/null
  fi
  run() { "$bin" search --queries "$dir/queries.jsonl" --output "$home/$name-$1.trec" --collection "$collection" --home "$home" --k 100 "${@:2}" >/dev/null; }
  run lexical --mode lexical
  run dense --mode dense
  run auto --mode hybrid
  run rrf --mode hybrid --fusion rrf
  run convex --mode hybrid --fusion convex --dense-weight 0.5
  (cd scripts/bench && python3 fusion_table.py "$dir/qrels/test.tsv" "$corpus" "$home/$name-lexical.trec" "$home/$name-dense.trec" \
    "$home/$name-auto.trec" "$home/$name-rrf.trec" "$home/$name-convex.trec")
done
