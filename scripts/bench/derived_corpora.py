#!/usr/bin/env python3
"""Derived test corpora for scripts/bench/quality.sh, built from ../shared with no labels
changed:

- xquad-mixed: the twelve xquad languages in one collection (2,880 passages, ids prefixed
  with the language, "de:xquad-0-0"), every language's queries and qrels.
- NAME-short: the corpus with every query of two or more words cut to its two longest
  words (ties: the earlier), so language identification has almost nothing to go on.
  Built for the space-delimited corpora only.

Usage: derived_corpora.py SHARED_CORPORA OUT_DIR
"""
import json
import os
import sys

XQUAD = ["ar", "de", "el", "en", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh"]
SHORT = ["msmarco", "scifact", "classic/npl", "arcd", "xquad/de", "xquad/ru", "xquad/tr", "xquad-mixed"]


def read_qrels(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] != "query-id":
                rows.append((parts[0], parts[-2], parts[-1]))
    return rows


def write_dir(out, corpus_lines, queries, qrels):
    os.makedirs(os.path.join(out, "qrels"), exist_ok=True)
    with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(corpus_lines)
    with open(os.path.join(out, "queries.jsonl"), "w", encoding="utf-8") as f:
        for qid, text in queries:
            f.write(json.dumps({"_id": qid, "text": text}, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "qrels", "test.tsv"), "w", encoding="utf-8") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for q, d, s in qrels:
            f.write(f"{q}\t{d}\t{s}\n")


def read_dir(path):
    with open(os.path.join(path, "corpus.jsonl"), encoding="utf-8") as f:
        corpus = f.readlines()
    with open(os.path.join(path, "queries.jsonl"), encoding="utf-8") as f:
        queries = [(q["_id"], q["text"]) for q in map(json.loads, f)]
    return corpus, queries, read_qrels(os.path.join(path, "qrels", "test.tsv"))


def two_longest(text):
    words = text.split()
    if len(words) < 2:
        return text
    keep = sorted(sorted(range(len(words)), key=lambda i: -len(words[i]))[:2])
    return " ".join(words[i] for i in keep)


def main():
    shared, out = sys.argv[1], sys.argv[2]
    corpus, queries, qrels = [], [], []
    for lang in XQUAD:
        c, q, r = read_dir(os.path.join(shared, "xquad", lang))
        for line in c:
            record = json.loads(line)
            record["_id"] = f"{lang}:{record['_id']}"
            corpus.append(json.dumps(record, ensure_ascii=False) + "\n")
        queries += [(f"{lang}:{qid}", text) for qid, text in q]
        qrels += [(f"{lang}:{qid}", f"{lang}:{doc}", s) for qid, doc, s in r]
    write_dir(os.path.join(out, "xquad-mixed"), corpus, queries, qrels)
    for name in SHORT:
        source = os.path.join(out, name) if name == "xquad-mixed" else os.path.join(shared, name)
        c, q, r = read_dir(source)
        write_dir(os.path.join(out, name.replace("/", "-") + "-short"), c, [(qid, two_longest(t)) for qid, t in q], r)


if __name__ == "__main__":
    main()
