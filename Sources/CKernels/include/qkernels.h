// Element-wise transformer kernels in C, compiled for AVX-512, AVX2 and baseline x86-64 and
// picked at load time (target_clones), because Swift's SIMD types lower some operations to
// per-lane loops and the encoder spent half its time in GELU and softmax that way.
#ifndef QUARRY_QKERNELS_H
#define QUARRY_QKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Exact-form GELU in place: 0.5·x·(1 + erf(x/√2)), erf to ~1.2e-7 absolute.
void qk_gelu(float *x, int64_t count);

/// Row-wise softmax of `rows` rows of `width` columns with leading dimension `stride`.
void qk_softmax(float *x, int32_t rows, int32_t width, int32_t stride);

/// In-place LayerNorm of `rows` rows of `width`: (x − mean)/√(var + eps)·gamma + beta.
void qk_layernorm(float *x, int32_t rows, int32_t width, const float *gamma, const float *beta, float epsilon);

/// x[r][i] += bias[i] for `rows` rows of `width`.
void qk_add_bias(float *x, int32_t rows, int32_t width, const float *bias);

/// x[i] += y[i].
void qk_add(float *x, const float *y, int64_t count);

/// C (m×n, leading dimension ldc) = A (m×k) · B (k×n, row-major, leading dimension ldb),
/// plus bias[j] on column j when `bias` is not null. For a few rows (a query's tokens): B
/// streams through once per column block instead of being copied into BLAS's packed layout
/// on every call. Sums run over k in order, starting from the bias.
void qk_dense(const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
              int32_t m, int32_t n, int32_t k, const float *bias);

/// The body qk_dense runs on this CPU: 2 AVX-512, 1 AVX2 with FMA, 0 baseline.
int qk_dense_level(void);

/// Tests only: run a lower body than the CPU allows (−1: the CPU's own).
void qk_dense_force_level(int level);

/// dst (cols×rows) = transpose of src (rows×cols), both row-major.
void qk_transpose(const float *src, float *dst, int32_t rows, int32_t cols);

#ifdef __cplusplus
}
#endif

#endif
