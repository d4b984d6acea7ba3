#!/usr/bin/env python3
"""One row of scripts/bench/fusion.sh: nDCG@10 and Recall@100 (trec_eval semantics, as
trec_metrics.py) of Quarry's lexical, dense and hybrid runs of one corpus, plus "plain RRF":
reciprocal rank fusion (k 60) of the lexical and dense runs with equal weights and no trust
rule, computed here from the two runs, the way a vector-DB-plus-glue stack fuses them.

Usage: fusion_table.py QRELS NAME LEXICAL_RUN DENSE_RUN HYBRID_RUN [OTHER_RUN ...]
Prints: NAME, then "nDCG@10/Recall@100" for lexical, dense, plain RRF, each hybrid run, then
the first hybrid run's nDCG@10 minus the better single side and minus plain RRF.
"""
import sys
from collections import defaultdict

from trec_metrics import mean_metrics, read_qrels, read_run


def plain_rrf(a, b, k=60):
    fused = {}
    for qid in set(a) | set(b):
        scores = defaultdict(float)
        for run in (a, b):
            for rank, (_, doc) in enumerate(run.get(qid, [])):
                scores[doc] += 1 / (k + rank + 1)
        fused[qid] = sorted(((s, d) for d, s in scores.items()), key=lambda x: (-x[0], [-ord(c) for c in x[1]]))[:100]
    return fused


def main():
    qrels = read_qrels(sys.argv[1])
    name = sys.argv[2]
    lexical, dense = read_run(sys.argv[3]), read_run(sys.argv[4])
    # Each run is scored over the judged queries it answers, as trec_eval does without -c.
    runs = [lexical, dense, plain_rrf(lexical, dense)] + [read_run(path) for path in sys.argv[5:]]
    scores = [mean_metrics(run, qrels)[1:] for run in runs]
    cells = " ".join(f"{n:.4f}/{r:.4f}" for n, r in scores)
    best = max(scores[0][0], scores[1][0])
    print(f"{name:18s} {cells}  {scores[3][0] - best:+.4f} {scores[3][0] - scores[2][0]:+.4f}")


if __name__ == "__main__":
    main()
