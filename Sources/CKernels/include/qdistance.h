// Vector distance kernels for the vector indexes, in C so they can be compiled for AVX-512,
// AVX2 and baseline x86-64 and picked at load time (target_clones): the Swift SIMD kernels
// are limited to the package's baseline target (SSE2), which made HNSW search up to 1.6×
// slower than hnswlib's AVX-512 kernels.
#ifndef QUARRY_QDISTANCE_H
#define QUARRY_QDISTANCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ⟨a, b⟩ over `n` floats.
float qd_inner_product(const float *a, const float *b, int32_t n);

/// ‖a − b‖² over `n` floats.
float qd_squared_euclidean(const float *a, const float *b, int32_t n);

/// out[i] = −⟨query, base + ids[i]·n⟩ for i < count: one query against a list of rows of a
/// row-major `n`-column matrix (an HNSW node's neighbours), with the next rows prefetched
/// while one is scored. Each value equals `-qd_inner_product` of the same pair.
void qd_negative_inner_product_rows(const float *query, const float *base, const uint32_t *ids, int32_t count,
                                    int32_t n, float *out);

/// out[i] = ‖query − (base + ids[i]·n)‖², as `qd_negative_inner_product_rows`.
void qd_squared_euclidean_rows(const float *query, const float *base, const uint32_t *ids, int32_t count,
                               int32_t n, float *out);

/// Scalar-quantised rows (SQ8): a row is `n` codes of one byte, component d standing for
/// low[d] + step[d]·code (ScalarQuantizer in QuarryIndex trains low and step).
///
/// out[i] = −(offset + Σ prepared[d]·code[d]) over the rows `codes + ids[i]·n`: with
/// prepared[d] = query[d]·step[d] and offset = Σ query[d]·low[d] this is −⟨query, x̂⟩ for the
/// decoded row x̂. Next rows prefetched as in `qd_negative_inner_product_rows`.
void qd_sq8_negative_inner_product_rows(const float *prepared, float offset, const uint8_t *codes, const uint32_t *ids,
                                        int32_t count, int32_t n, float *out);

/// out[i] = Σ (residual[d] − step[d]·code[d])² = ‖query − x̂‖², residual[d] = query[d] − low[d].
void qd_sq8_squared_euclidean_rows(const float *residual, const float *step, const uint8_t *codes, const uint32_t *ids,
                                   int32_t count, int32_t n, float *out);

/// out[d] = the code of x[d]: round((x[d] − low[d]) · inverse_step[d]), clamped to 0…255.
void qd_sq8_encode(const float *x, const float *low, const float *inverse_step, uint8_t *out, int32_t n);

/// A hint to bring the cache line holding `p` into all cache levels (no fault if `p` is
/// not mapped). Inline, so Swift code calls it without a call.
static inline __attribute__((always_inline)) void qd_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#ifdef __cplusplus
}
#endif

#endif
