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

#ifdef __cplusplus
}
#endif

#endif
