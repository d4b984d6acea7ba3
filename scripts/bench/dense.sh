#!/usr/bin/env bash
# The dense layers of a short sequence: Quarry's qk_dense against OpenBLAS sgemm, side by
# side in one process (scripts/bench/dense_bench.c), at 1 to 128 rows. The crossover sets
# BertModel.smallRowLimit. OpenBLAS runs one thread, as in the encoder, with the kernel
# Quarry's loader picks for this CPU (OPENBLAS_CORETYPE; PLATFORM_NOTES: it does not detect
# this one by itself).
#   scripts/bench/dense.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
clang -O3 -I Sources/CKernels/include -I /usr/include/x86_64-linux-gnu/openblas-pthread \
  scripts/bench/dense_bench.c Sources/CKernels/qkernels.c -lopenblas -lm -o "$out/dense_bench"
if [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
echo "OpenBLAS kernel ${OPENBLAS_CORETYPE:-auto}, one thread; times are one pass over six MiniLM layers' dense weights (median of 200)"
"$out/dense_bench"
