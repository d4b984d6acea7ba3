# Sourced by hnsw.sh and hnsw_int8.sh (from the repository root): the Python venv with the
# peers (hnswlib, faiss-cpu, NumPy), the 100,000 × 384 synthetic set of
# ../shared/vectors/README.md generated once into $work, and the release `quarry-bench`.
# Sets `venv`, `synthetic` and `bin`; needs `work`.
venv=scripts/bench/.venv-hnsw
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q hnswlib faiss-cpu numpy
fi
synthetic="$work/vectors-synthetic-100k"
if [ ! -s "$synthetic/gt100.ivecs" ]; then
  "$venv/bin/python" scripts/bench/gen_synthetic_vectors.py "$synthetic"
fi
swift build -c release --package-path Benchmarks --scratch-path .build-bench --product quarry-bench >/dev/null
bin=.build-bench/release/quarry-bench
