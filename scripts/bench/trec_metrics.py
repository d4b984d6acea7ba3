#!/usr/bin/env python3
"""Mean nDCG@10 and Recall@100 of a TREC run, computed as trec_eval does (ndcg_cut.10 with
linear gains and the ideal ranking from all qrels; recall.100 with relevance >= 1; runs
sorted by score descending, then docid descending on ties; only queries that are in the
run and have qrels are evaluated, as trec_eval does without -c). A stand-in for benchmarks until
`quarry eval trec` exists; checked against ../shared/fixtures/metrics_reference.json.

Usage: trec_metrics.py RUN QRELS
"""
import math
import sys
from collections import defaultdict


def read_qrels(path):
    qrels = defaultdict(dict)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[0] == "query-id":
                continue
            if len(parts) == 4:  # qid iter docid rel
                qid, _, doc, rel = parts
            else:
                qid, doc, rel = parts
            qrels[qid][doc] = int(float(rel))
    return qrels


def read_run(path):
    run = defaultdict(list)
    with open(path) as f:
        for line in f:
            qid, _, doc, _, score, _ = line.split()
            run[qid].append((float(score), doc))
    for qid in run:
        run[qid].sort(key=lambda x: (-x[0], [-ord(c) for c in x[1]]))
    return run


def mean_metrics(run, qrels):
    """(queries scored, mean nDCG@10, mean Recall@100) of a run read by read_run."""
    ndcgs, recalls = [], []
    for qid, judged in qrels.items():
        if qid not in run:
            continue
        ranked = [doc for _, doc in run.get(qid, [])]
        dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sorted(judged.values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        ndcgs.append(dcg / idcg if idcg > 0 else 0.0)
        relevant = {d for d, g in judged.items() if g >= 1}
        recalls.append(len(relevant & set(ranked[:100])) / len(relevant) if relevant else 0.0)
    n = len(ndcgs)
    return n, sum(ndcgs) / n, sum(recalls) / n


def main():
    n, ndcg, recall = mean_metrics(read_run(sys.argv[1]), read_qrels(sys.argv[2]))
    print(f"queries {n}  nDCG@10 {ndcg:.4f}  Recall@100 {recall:.4f}")


if __name__ == "__main__":
    main()
