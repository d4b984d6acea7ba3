#!/usr/bin/env bash
# libFuzzer over the readers of untrusted bytes (issue 21, item 3).
#   scripts/reliability/fuzz.sh TARGET SECONDS     # one target (html, markdown, jsonl, filter,
#                                                  # bm25, hnsw, safetensors, gguf, sse, config)
#   scripts/reliability/fuzz.sh all SECONDS        # each target in turn
# Builds Sources/quarry-fuzz with -sanitize=fuzzer,address into .build-fuzz (the first build
# takes several minutes), starts from Fuzz/seeds/TARGET, keeps what it learns in
# .build-fuzz/corpus/TARGET, and writes crashing inputs to Fuzz/findings/TARGET/ (replay one
# with `swift run quarry-fuzz TARGET FILE`; once fixed, move it to Fuzz/regressions/TARGET/
# so `swift test` keeps replaying it). Prints libFuzzer's final stats: executions, coverage.
# QUARRY_FUZZ_SEED fixes libFuzzer's seed (CI uses 1, so a short run is repeatable).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${1:?usage: scripts/reliability/fuzz.sh TARGET|all SECONDS}"
seconds="${2:?usage: scripts/reliability/fuzz.sh TARGET|all SECONDS}"
targets="html markdown jsonl filter bm25 hnsw safetensors gguf sse config"
if [[ "$target" != all && " $targets " != *" $target "* ]]; then
  echo "fuzz.sh: unknown target '$target' (targets: $targets, or all)" >&2
  exit 2
fi
mkdir -p .build-fuzz
swift build --build-path .build-fuzz --product quarry-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DQUARRY_FUZZ > .build-fuzz/build.log 2>&1 \
  || { grep -Ev "^\[[0-9]+/[0-9]+\]|Cannot export local symbol" .build-fuzz/build.log | tail -30 >&2; echo "fuzz.sh: the fuzzer build failed" >&2; exit 1; }
binary=".build-fuzz/debug/quarry-fuzz"
status=0
for t in $([[ "$target" == all ]] && echo $targets || echo "$target"); do
  mkdir -p ".build-fuzz/corpus/$t" "Fuzz/findings/$t"
  echo "== $t: ${seconds}s"
  # -rss_limit_mb and -timeout turn memory blow-ups and hangs into findings too.
  if ! QUARRY_FUZZ_TARGET="$t" ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$binary" ".build-fuzz/corpus/$t" "Fuzz/seeds/$t" \
      -max_total_time="$seconds" -seed="${QUARRY_FUZZ_SEED:-0}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="Fuzz/findings/$t/" 2> ".build-fuzz/fuzz-$t.log"; then
    status=1
    echo "$t: FINDING (see .build-fuzz/fuzz-$t.log and Fuzz/findings/$t/)"
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|^#[0-9]+ +DONE|SUMMARY|ERROR' ".build-fuzz/fuzz-$t.log" | sed "s/^/$t: /"
  rmdir "Fuzz/findings/$t" 2>/dev/null || true
done
rmdir Fuzz/findings 2>/dev/null || true
exit $status
