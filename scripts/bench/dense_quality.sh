#!/usr/bin/env bash
# Dense retrieval quality on the shared corpora (native all-MiniLM-L6-v2 + HNSW at the
# default efSearch), next to sentence-transformers' exact-search figures from
# ../shared/fixtures/peer_results.json. Usage: scripts/bench/dense_quality.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/fetch-model >/dev/null
swift build -c release --product quarry >/dev/null
bin=.build/release/quarry
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
shared=../shared
for corpus in msmarco arcd; do
  start=$(date +%s.%N)
  "$bin" ingest "$shared/corpora/$corpus/corpus.jsonl" --collection "$corpus" --home "$home" --quiet >/dev/null
  end=$(date +%s.%N)
  summary=$("$bin" search --mode dense --queries "$shared/corpora/$corpus/queries.jsonl" --output "$home/$corpus.trec" \
              --collection "$corpus" --home "$home" --k 100 --json)
  qps=$(python3 -c "import json,sys; print(round(json.loads(sys.argv[1])['queries_per_second']))" "$summary")
  echo "quarry $corpus dense (ingest+embed+index $(python3 -c "print(f'{$end-$start:.1f}')") s, search $qps q/s): $(python3 scripts/bench/trec_metrics.py "$home/$corpus.trec" "$shared/corpora/$corpus/qrels/test.tsv")"
  python3 -c "import json; m=json.load(open('$shared/fixtures/peer_results.json'))['quality']['$corpus']['methods']['dense_minilm']; print(f\"sentence-transformers exact: nDCG@10 {m['ndcg@10']:.4f}  Recall@100 {m['recall@100']:.4f}\")"
done
