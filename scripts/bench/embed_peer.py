#!/usr/bin/env python3
"""sentence-transformers timings for the embedding benchmark: all-MiniLM-L6-v2 from the same
model folder, torch limited to THREADS threads, max_seq_length 256, batch size 32, on a BEIR
corpus (title + " " + text). Prints one JSON object.
Usage: embed_peer.py MODEL_DIR CORPUS_JSONL THREADS
"""
import json
import resource
import sys
import time

import torch
from sentence_transformers import SentenceTransformer


def main():
    model_dir, corpus, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    texts = []
    with open(corpus) as f:
        for line in f:
            d = json.loads(line)
            texts.append((d.get("title") or "") + " " + d["text"])
    model = SentenceTransformer(model_dir, device="cpu")
    model.max_seq_length = 256
    model.encode(texts[:64], batch_size=32)  # warm-up
    start = time.perf_counter()
    model.encode(texts, batch_size=32, show_progress_bar=False)
    seconds = time.perf_counter() - start
    samples = []
    for _ in range(200):
        t = time.perf_counter()
        model.encode(["what is the capital of france"], batch_size=1, show_progress_bar=False)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    print(json.dumps({
        "passages": len(texts), "seconds": seconds, "passages_per_second": len(texts) / seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "p50_ms": samples[99], "p99_ms": samples[197],
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
