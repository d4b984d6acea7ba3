#!/usr/bin/env python3
"""How sensitive `fusion: auto` is to its three constants: re-fuses the lexical and dense runs
that scripts/bench/fusion.sh left in HOME (document level: each document's best chunk, so the
figures differ from the chunk-level hybrid runs by a few thousandths) with dense weight
A0 x vocabulary trust, trust = clamp((fit - LO) / (HI - LO), 0, 1) of the mean of the query's
and the collection's vocabulary fit (all-MiniLM-L6-v2's vocab.txt: the share of words,
lower-cased and accent-stripped as BERT does, that are one vocabulary entry; the collection's
over 256 evenly spaced passages). Latin-script corpora only, where MiniLM's script trust is 1
(elsewhere it is 0 and every setting gives BM25's list), plus the twelve-language mix, where
this re-fusion ignores the script trust (its Arabic, Chinese, Thai... queries get a small
dense weight here that the product does not give them). For each setting: the worst and the mean
nDCG@10 of the fused list minus its better input. No qrels are used to choose anything here;
they only score each setting.

Usage: fusion_grid.py HOME [VOCAB]   (VOCAB: models/all-MiniLM-L6-v2/vocab.txt)
"""
import json
import os
import re
import sys
import unicodedata

from trec_metrics import mean_metrics, read_qrels, read_run

CORPORA = ["msmarco", "scifact", "classic/cisi", "classic/med", "classic/npl", "xquad/en", "xquad/de", "xquad/es", "xquad/ro",
           "xquad/tr", "xquad/vi", "xquad-mixed"]


def words(text):
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    return [w for w in re.findall(r"\w+", text) if any(ch.isalpha() for ch in w)]


def fit(texts, vocab):
    n = hits = 0
    for text in texts:
        for w in words(text):
            n += 1
            hits += w in vocab
    return hits / n if n else None


def ndcg_of(queries, ranked, qrels):
    """Mean nDCG@10 of one ranked document list per query (every query counted, an empty
    list as 0), by trec_metrics."""
    return mean_metrics({q: [(0.0, d) for d in r] for q, r in zip(queries, ranked)}, qrels)[1]


def minmax(run):
    if not run:
        return {}
    values = [s for s, _ in run]
    low, high = min(values), max(values)
    return {d: (s - low) / (high - low) if high > low else 1.0 for s, d in run}


def convex(lexical, dense, weight):
    if weight <= 0 or not dense:
        return [d for _, d in lexical]
    if not lexical:
        return [d for _, d in dense]
    nl, nd = minmax(lexical), minmax(dense)
    fused = {d: (1 - weight) * nl.get(d, 0) + weight * nd.get(d, 0) for d in set(nl) | set(nd)}
    return sorted(fused, key=lambda d: (-fused[d], d))


def main():
    home = sys.argv[1]
    vocab = set(line.rstrip("\n") for line in open(sys.argv[2] if len(sys.argv) > 2 else "models/all-MiniLM-L6-v2/vocab.txt", encoding="utf-8"))
    shared = os.environ.get("QUARRY_SHARED", "../shared")
    data = []
    for corpus in CORPORA:
        name = corpus.replace("/", "-")
        directory = os.path.join(shared, "corpora", corpus)
        if not os.path.isdir(directory):
            directory = os.path.join(home, "derived", corpus)
        if not os.path.exists(os.path.join(home, f"{name}-lexical.trec")):
            continue
        passages = [json.loads(line)["text"] for line in open(os.path.join(directory, "corpus.jsonl"), encoding="utf-8")]
        sample = [passages[i * len(passages) // 256] for i in range(min(256, len(passages)))]
        collection_fit = fit(sample, vocab)
        texts = {json.loads(line)["_id"]: json.loads(line)["text"] for line in open(os.path.join(directory, "queries.jsonl"), encoding="utf-8")}
        qrels = read_qrels(os.path.join(directory, "qrels", "test.tsv"))
        lexical, dense = read_run(os.path.join(home, f"{name}-lexical.trec")), read_run(os.path.join(home, f"{name}-dense.trec"))
        queries = [q for q in qrels if q in lexical or q in dense]
        best = max(ndcg_of(queries, [[d for _, d in side.get(q, [])] for q in queries], qrels) for side in (lexical, dense))
        fits = {}
        for q in queries:
            own = fit([texts[q]], vocab)
            fits[q] = collection_fit if own is None else (own + collection_fit) / 2
        data.append((corpus, queries, qrels, lexical, dense, fits, best))
        print(f"{corpus:14s} collection fit {collection_fit:.3f}  better input nDCG@10 {best:.4f}")
    print(f"{'dense weight':>12s} {'ramp':>9s}  worst (corpus)              mean")
    for a0 in (0.6, 0.65, 0.7, 0.75):
        for low, high in ((0.1, 0.8), (0.2, 0.8), (0.3, 0.8), (0.2, 0.9)):
            deltas = []
            for corpus, queries, qrels, lexical, dense, fits, best in data:
                ranked = [convex(lexical.get(q, []), dense.get(q, []), a0 * min(1, max(0, (fits[q] - low) / (high - low)))) for q in queries]
                deltas.append((ndcg_of(queries, ranked, qrels) - best, corpus))
            worst = min(deltas)
            print(f"{a0:12.2f} {low:.1f}-{high:.1f}  {worst[0]:+.4f} ({worst[1]:14s})  {sum(d for d, _ in deltas) / len(deltas):+.4f}")


if __name__ == "__main__":
    main()
