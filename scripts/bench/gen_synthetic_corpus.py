#!/usr/bin/env python3
"""Generates a reproducible synthetic BEIR corpus whose term statistics come from the
shared corpora, so postings have realistic lengths.

Words are drawn from the unigram distribution of ../shared/corpora/msmarco/corpus.jsonl
(lower-cased word tokens, with their counts), passage lengths from that corpus's passage
length distribution, all with a fixed seed. Queries: 1,000 of 2-8 words drawn from the
same distribution with the most frequent 50 words removed (as in real queries, which are
mostly content words), plus the real msmarco queries.

Usage: gen_synthetic_corpus.py OUT_DIR [--passages N] [--seed S]
Writes OUT_DIR/corpus.jsonl and OUT_DIR/queries.jsonl.
"""
import argparse
import collections
import json
import os
import re

import numpy as np

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "../../../shared"))
    args = parser.parse_args()

    counts = collections.Counter()
    lengths = []
    with open(os.path.join(args.shared, "corpora/msmarco/corpus.jsonl")) as f:
        for line in f:
            words = WORD.findall(json.loads(line)["text"].lower())
            counts.update(words)
            lengths.append(len(words))
    vocabulary = sorted(counts, key=lambda w: (-counts[w], w))
    weights = np.array([counts[w] for w in vocabulary], dtype=np.float64)
    probabilities = weights / weights.sum()
    lengths = np.array(lengths)

    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "corpus.jsonl"), "w") as out:
        batch = 10_000
        for start in range(0, args.passages, batch):
            n = min(batch, args.passages - start)
            sizes = rng.choice(lengths, size=n)
            words = rng.choice(len(vocabulary), size=int(sizes.sum()), p=probabilities)
            offset = 0
            for i, size in enumerate(sizes):
                text = " ".join(vocabulary[w] for w in words[offset:offset + size])
                offset += size
                out.write(json.dumps({"_id": f"s{start + i}", "title": "", "text": text}) + "\n")

    content = np.arange(50, len(vocabulary))
    content_p = probabilities[50:] / probabilities[50:].sum()
    with open(os.path.join(args.out, "queries.jsonl"), "w") as out:
        for q in range(1000):
            size = int(rng.integers(2, 9))
            words = rng.choice(content, size=size, p=content_p)
            out.write(json.dumps({"_id": f"sq{q}", "text": " ".join(vocabulary[w] for w in words)}) + "\n")
        with open(os.path.join(args.shared, "corpora/msmarco/queries.jsonl")) as f:
            for line in f:
                out.write(line if line.endswith("\n") else line + "\n")
    print(f"wrote {args.passages} passages and {1000} + msmarco queries to {args.out}")


if __name__ == "__main__":
    main()
