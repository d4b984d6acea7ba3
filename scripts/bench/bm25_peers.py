#!/usr/bin/env python3
"""Peer timings for the BM25 benchmark: bm25s (and tantivy when installed) on a BEIR
corpus, with the settings of ../shared/fixtures/peer_results.json (Lucene BM25 k1 0.9,
b 0.4, English stop words, Snowball English stemmer; documents as title + " " + text).

Prints one JSON object: build seconds, single-thread queries/s (one query at a time,
k = 100, query tokenization excluded), and peak RSS.
Usage: bm25_peers.py CORPUS_DIR
"""
import json
import os
import resource
import sys
import time


def load(directory):
    docs, queries = [], []
    with open(os.path.join(directory, "corpus.jsonl")) as f:
        for line in f:
            d = json.loads(line)
            docs.append((d["_id"], (d.get("title") or "") + " " + d["text"]))
    with open(os.path.join(directory, "queries.jsonl")) as f:
        for line in f:
            q = json.loads(line)
            queries.append(q["text"])
    return docs, queries


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_bm25s(docs, queries):
    import bm25s
    import Stemmer
    stemmer = Stemmer.Stemmer("english")
    texts = [t for _, t in docs]
    start = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25(method="lucene", k1=0.9, b=0.4)
    retriever.index(tokens, show_progress=False)
    build = time.perf_counter() - start
    query_tokens = [bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False) for q in queries]
    k = min(100, len(texts))
    start = time.perf_counter()
    for qt in query_tokens:
        if not qt.vocab:
            continue
        retriever.retrieve(qt, k=k, n_threads=1, show_progress=False)
    one = time.perf_counter() - start
    return {"build_s": build, "qps_one_at_a_time": len(queries) / one, "peak_rss_mib": rss_mib()}


def bench_tantivy(docs, queries):
    import tantivy
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("id", stored=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    start = time.perf_counter()
    writer = index.writer(heap_size=512_000_000, num_threads=1)
    for doc_id, text in docs:
        writer.add_document(tantivy.Document(body=text, id=doc_id))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - start
    searcher = index.searcher()
    parsed = []
    for q in queries:
        cleaned = "".join(c if c.isalnum() or c.isspace() else " " for c in q)
        try:
            parsed.append(index.parse_query(cleaned, ["body"]))
        except Exception:
            pass
    start = time.perf_counter()
    for query in parsed:
        searcher.search(query, 100)
    one = time.perf_counter() - start
    return {"build_s": build, "qps_one_at_a_time": len(parsed) / one}


def main():
    docs, queries = load(sys.argv[1])
    result = {"docs": len(docs), "queries": len(queries)}
    result["bm25s"] = bench_bm25s(docs, queries)
    try:
        result["tantivy"] = bench_tantivy(docs, queries)
    except ImportError:
        result["tantivy"] = None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
