#!/usr/bin/env python3
"""The BM25 peer of scripts/bench/quality.sh: bm25s 0.3.16 (Lucene idf, k1 0.9, b 0.4) with
PyStemmer's Snowball stemmer for the corpus's language and, for English, bm25s's English stop
words; documents as title + " " + text, as in ../shared/fixtures/peer_results.json. Writes a
TREC run of the top 100 per query.

Usage: quality_peers.py CORPUS_DIR LANGUAGE RUN_OUT
LANGUAGE: a Snowball algorithm name ("english", "german", ...) or "none" (no stemmer).
"""
import json
import os
import sys

import bm25s
import Stemmer


def main():
    directory, language, out = sys.argv[1], sys.argv[2], sys.argv[3]
    ids, texts = [], []
    with open(os.path.join(directory, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            ids.append(d["_id"])
            texts.append((d.get("title") or "") + " " + d["text"])
    queries = []
    with open(os.path.join(directory, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            queries.append((q["_id"], q["text"]))
    stemmer = Stemmer.Stemmer(language) if language != "none" else None
    stopwords = "en" if language == "english" else None
    retriever = bm25s.BM25(k1=0.9, b=0.4, method="lucene")
    retriever.index(bm25s.tokenize(texts, stopwords=stopwords, stemmer=stemmer, show_progress=False), show_progress=False)
    k = min(100, len(ids))
    with open(out, "w") as run:
        for qid, text in queries:
            tokens = bm25s.tokenize([text], stopwords=stopwords, stemmer=stemmer, show_progress=False)
            try:
                docs, scores = retriever.retrieve(tokens, k=k, show_progress=False)
            except Exception:  # a query with no known term
                continue
            for rank, (doc, score) in enumerate(zip(docs[0], scores[0])):
                if score > 0:
                    run.write(f"{qid} Q0 {ids[doc]} {rank + 1} {score:.6f} bm25s\n")


if __name__ == "__main__":
    main()
