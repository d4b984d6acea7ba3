#!/usr/bin/env bash
# The native language model against llama.cpp, side by side in one run, one thread each:
# SmolLM2-135M-Instruct (Q4_1), greedy, llama.cpp = xllamacpp 2026.10.11549's server in
# process (flash attention off, the path Quarry's decoder matches token for token).
# Two workloads: a ~600-token RAG prompt (the demo's passages, then a question) with 64
# tokens generated — prompt processing, time to first token, generation over a long
# context — and a 4-token prompt with 256 generated (generation alone). Medians of RUNS.
# Usage: scripts/bench/llm.sh   (QUARRY_BIN=… to time another build; RUNS=3)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=scripts/bench/.venv-llama
model=models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
runs=${RUNS:-3}
[ -f "$model" ] || scripts/fetch-model SmolLM2-135M-Instruct >/dev/null
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "xllamacpp==2026.10.11549"
fi
bin=${QUARRY_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product quarry >/dev/null
  bin=.build/release/quarry
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The RAG prompt: the model's chat turn around numbered demo passages, ~600 tokens.
python3 - "$work/rag.txt" <<'PY'
import pathlib, re, sys
texts = []
for path in sorted(pathlib.Path("corpora/demo/astronomy").glob("*")):
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    texts.append(re.sub(r"\s+", " ", text).strip())
context = " ".join(texts)[:2600]
passages = "\n\n".join(f"[{i + 1}] {context[j:j + 650]}" for i, j in enumerate(range(0, len(context), 650)))
system = "Answer from the passages only and cite them as [n]."
prompt = (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{passages}\n\n"
          f"Question: How does a reflecting telescope work?<|im_end|>\n<|im_start|>assistant\n")
pathlib.Path(sys.argv[1]).write_text(prompt, encoding="utf-8")
PY
printf 'Once upon a time' > "$work/short.txt"
quarry_run() {  # prompt file, tokens → median JSON of $runs runs
  for _ in $(seq "$runs"); do
    "$bin" generate --raw --prompt-file "$1" --max-tokens "$2" --temperature 0 --repeat-penalty 1 --ignore-eos --model "$model" --threads "${THREADS:-1}" --json
  done | python3 -c '
import json, statistics, sys
text, rows, decoder = sys.stdin.read(), [], json.JSONDecoder()
position = 0
while text[position:].strip():
    row, position = decoder.raw_decode(text, len(text) - len(text[position:].lstrip()))
    rows.append(row)
out = dict(rows[0])
for k in ("prompt_tokens_per_second", "generation_tokens_per_second", "prompt_seconds"):
    out[k] = statistics.median(r[k] for r in rows)
out["peak_resident_mb"] = max(r["peak_resident_mb"] for r in rows)
out.pop("text")
print(json.dumps(out))'
}
echo "SmolLM2-135M-Instruct Q4_1, one thread each, greedy, median of $runs runs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
for workload in "rag 64" "short 256"; do
  set -- $workload
  q=$(quarry_run "$work/$1.txt" "$2")
  p=$("$venv/bin/python" scripts/bench/llm_peer.py "$model" "$work/$1.txt" "$2" "$runs" 2>/dev/null)
  python3 - "$1" "$q" "$p" <<'PY'
import json, sys
name, q, p = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
print(f"{name}: prompt {q['prompt_tokens']} tokens, {q['completion_tokens']} generated")
for who, r in (("quarry   ", q), ("llama.cpp", p)):
    print(f"  {who}  prompt {r['prompt_tokens_per_second']:7.1f} tokens/s  first token {r['prompt_seconds'] * 1000:7.1f} ms"
          f"  generation {r['generation_tokens_per_second']:6.1f} tokens/s  peak RSS {r['peak_resident_mb']:.0f} MB")
print(f"  ratio      prompt {q['prompt_tokens_per_second'] / p['prompt_tokens_per_second']:.2f}x"
      f"  first token {p['prompt_seconds'] / q['prompt_seconds']:.2f}x sooner"
      f"  generation {q['generation_tokens_per_second'] / p['generation_tokens_per_second']:.2f}x")
PY
done
