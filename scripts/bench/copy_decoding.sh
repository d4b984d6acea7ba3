#!/usr/bin/env bash
# Copy-constrained decoding's cost per generated token against free decoding: the same
# model, prompt and sampler, one thread, alternating runs; prints each run's generation
# tokens/s and the ratio of medians. The constraint's work (allowed tokens, the logit mask)
# is all that differs per token.
#   scripts/bench/copy_decoding.sh [RUNS] [SOURCE_FILE]
# Needs a release build (swift build -c release) and models/SmolLM2-135M-Instruct.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
SOURCE=${2:-corpora/demo/astronomy/star-life-cycle.txt}
BIN=${QUARRY:-.build/release/quarry}
[ -x "$BIN" ] || { echo "no $BIN (swift build -c release)" >&2; exit 1; }
PROMPT="$(printf 'Passage [1]:\n%s\n\nWhat does the passage say about the life of stars? Answer with citations.' "$(cat "$SOURCE")")"
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
free=(); copy=()
for i in $(seq "$RUNS"); do
  # The copy runs to 64 tokens or until its 8 sentences are written; the free run then
  # generates exactly as many tokens, so both read the same cache lengths.
  out=$("$BIN" generate "$PROMPT" --threads 1 --temperature 0 --max-tokens 64 --ignore-eos --copy-from "$SOURCE" --json)
  c=$(echo "$out" | field generation_tokens_per_second); n=$(echo "$out" | field completion_tokens)
  f=$("$BIN" generate "$PROMPT" --threads 1 --temperature 0 --max-tokens "$n" --ignore-eos --json | field generation_tokens_per_second)
  echo "run $i: $n tokens each; free $f tokens/s, copy $c tokens/s"
  free+=("$f"); copy+=("$c")
done
python3 - "${free[*]}" "${copy[*]}" <<'PY'
import statistics, sys
free = [float(x) for x in sys.argv[1].split()]
copy = [float(x) for x in sys.argv[2].split()]
f, c = statistics.median(free), statistics.median(copy)
print(f"median: free {f:.1f} tokens/s, copy {c:.1f} tokens/s; copy/free = {c / f:.3f} ({(1 - c / f) * 100:.1f} % slower)")
PY
