#!/usr/bin/env python3
"""llama.cpp's OpenAI-compatible server (xllamacpp 2026.10.11549) on a loopback port, for
the tests that run Quarry's HTTP LLM client against a real server. Runs until killed.

  .venv-llama/bin/python scripts/test/llama_cpp_server.py PORT MODEL [CONTEXT]
"""
import pathlib
import signal
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures"))
from llama_server import LlamaServer  # noqa: E402


def main():
    port, model = int(sys.argv[1]), sys.argv[2]
    context = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    server = LlamaServer(model, port, context=context)
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.pause()
    del server


if __name__ == "__main__":
    main()
