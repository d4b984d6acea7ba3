#!/usr/bin/env python3
"""llama.cpp (xllamacpp's in-process server, one thread, flash attention off as Quarry's
reference path) timed on the prompt and generation Quarry's `generate --json` is timed on.

  llm_peer.py MODEL PROMPT_FILE MAX_TOKENS RUNS  →  one JSON line
"""
import json
import pathlib
import resource
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures"))
from llama_server import LlamaServer  # noqa: E402


def main():
    model, prompt_file, max_tokens, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    prompt = pathlib.Path(prompt_file).read_text(encoding="utf-8")
    server = LlamaServer(model, 18441, context=2048, flash_attention=False)
    ids = server.post("/tokenize", {"content": prompt, "add_special": False, "parse_special": True})["tokens"]
    rows = []
    for _ in range(runs):
        reply = server.post("/completion", {"prompt": ids, "n_predict": max_tokens, "ignore_eos": True, "temperature": 0,
                                            "top_k": 1, "samplers": ["top_k"], "cache_prompt": False})
        rows.append(reply["timings"])
    median = lambda key: statistics.median(r[key] for r in rows)  # noqa: E731
    print(json.dumps({
        "prompt_tokens": rows[0]["prompt_n"],
        "completion_tokens": rows[0]["predicted_n"],
        "prompt_tokens_per_second": median("prompt_per_second"),
        "generation_tokens_per_second": median("predicted_per_second"),
        "prompt_seconds": median("prompt_ms") / 1000,
        "peak_resident_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
