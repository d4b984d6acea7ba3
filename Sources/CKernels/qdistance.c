// See include/qdistance.h. The reductions keep 32 independent partial sums, so they run as
// vector code without letting the compiler reassociate (no -ffast-math) and consecutive
// multiply-adds do not wait on each other.
#include "qdistance.h"

#include <stddef.h>

#include "qclones.h"
#define QD_CLONES QUARRY_CLONES

// The 64-byte vector type crosses no call boundary (every helper is always inlined), so the
// warning that passing it without AVX-512 changes the ABI does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

// The partial sums live in GCC/clang vector types, so the code says exactly which adds are
// independent: 32 lanes in two 16-float vectors, which each clone lowers to its own
// registers (2 × zmm, 4 × ymm, 8 × xmm). Loads go through an under-aligned vector type
// (rows are only float-aligned).
typedef float qd_v16 __attribute__((vector_size(64)));
typedef float qd_v16u __attribute__((vector_size(64), aligned(4)));
typedef float qd_v8 __attribute__((vector_size(32)));
typedef float qd_v4 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) qd_v16 qd_load(const float *p) { return *(const qd_v16u *)p; }

// Pairwise sum of the 16 lanes: halves, then quarters, …
static inline __attribute__((always_inline)) float qd_fold(qd_v16 v) {
    qd_v8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    qd_v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

static inline __attribute__((always_inline)) float qd_dot(const float *a, const float *b, int32_t n) {
    qd_v16 acc0 = {0}, acc1 = {0};
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 += qd_load(a + i) * qd_load(b + i);
        acc1 += qd_load(a + i + 16) * qd_load(b + i + 16);
    }
    if (i + 16 <= n) {
        acc0 += qd_load(a + i) * qd_load(b + i);
        i += 16;
    }
    float total = qd_fold(acc0 + acc1);
    for (; i < n; i++) total += a[i] * b[i];
    return total;
}

static inline __attribute__((always_inline)) float qd_l2(const float *a, const float *b, int32_t n) {
    qd_v16 acc0 = {0}, acc1 = {0};
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
        qd_v16 d0 = qd_load(a + i) - qd_load(b + i);
        qd_v16 d1 = qd_load(a + i + 16) - qd_load(b + i + 16);
        acc0 += d0 * d0;
        acc1 += d1 * d1;
    }
    if (i + 16 <= n) {
        qd_v16 d = qd_load(a + i) - qd_load(b + i);
        acc0 += d * d;
        i += 16;
    }
    float total = qd_fold(acc0 + acc1);
    for (; i < n; i++) {
        float d = a[i] - b[i];
        total += d * d;
    }
    return total;
}

QD_CLONES float qd_inner_product(const float *a, const float *b, int32_t n) { return qd_dot(a, b, n); }

QD_CLONES float qd_squared_euclidean(const float *a, const float *b, int32_t n) { return qd_l2(a, b, n); }

// Prefetches the first cache lines of a row (the hardware prefetcher follows the rest once
// the row is being read).
static inline __attribute__((always_inline)) void qd_prefetch_row(const float *row, int32_t n) {
    const char *p = (const char *)row;
    size_t bytes = (size_t)n * sizeof(float);
    size_t lines = bytes < 256 ? bytes : 256;
    for (size_t offset = 0; offset < lines; offset += 64) __builtin_prefetch(p + offset, 0, 3);
}

QD_CLONES void qd_negative_inner_product_rows(const float *query, const float *base, const uint32_t *ids,
                                              int32_t count, int32_t n, float *out) {
    if (count > 0) qd_prefetch_row(base + (size_t)ids[0] * (size_t)n, n);
    for (int32_t i = 0; i < count; i++) {
        if (i + 1 < count) qd_prefetch_row(base + (size_t)ids[i + 1] * (size_t)n, n);
        out[i] = -qd_dot(query, base + (size_t)ids[i] * (size_t)n, n);
    }
}

QD_CLONES void qd_squared_euclidean_rows(const float *query, const float *base, const uint32_t *ids,
                                         int32_t count, int32_t n, float *out) {
    if (count > 0) qd_prefetch_row(base + (size_t)ids[0] * (size_t)n, n);
    for (int32_t i = 0; i < count; i++) {
        if (i + 1 < count) qd_prefetch_row(base + (size_t)ids[i + 1] * (size_t)n, n);
        out[i] = qd_l2(query, base + (size_t)ids[i] * (size_t)n, n);
    }
}

// -- Scalar-quantised rows (SQ8) ------------------------------------------------------------------
//
// A row is `n` bytes, component d stored as the code c = round((x − low[d]) / step[d]) in
// 0…255, so x ≈ low[d] + step[d]·c. Sixteen codes are widened to sixteen floats per step
// (vpmovzxbd + vcvtdq2ps under AVX-512) and multiplied in single precision.
typedef uint8_t qd_b16u __attribute__((vector_size(16), aligned(1)));

static inline __attribute__((always_inline)) qd_v16 qd_widen(const uint8_t *p) {
    return __builtin_convertvector(*(const qd_b16u *)p, qd_v16);
}

static inline __attribute__((always_inline)) float qd_dot_codes(const float *q, const uint8_t *c, int32_t n) {
    qd_v16 acc0 = {0}, acc1 = {0};
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 += qd_load(q + i) * qd_widen(c + i);
        acc1 += qd_load(q + i + 16) * qd_widen(c + i + 16);
    }
    if (i + 16 <= n) {
        acc0 += qd_load(q + i) * qd_widen(c + i);
        i += 16;
    }
    float total = qd_fold(acc0 + acc1);
    for (; i < n; i++) total += q[i] * (float)c[i];
    return total;
}

static inline __attribute__((always_inline)) float qd_l2_codes(const float *r, const float *step, const uint8_t *c, int32_t n) {
    qd_v16 acc0 = {0}, acc1 = {0};
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
        qd_v16 d0 = qd_load(r + i) - qd_load(step + i) * qd_widen(c + i);
        qd_v16 d1 = qd_load(r + i + 16) - qd_load(step + i + 16) * qd_widen(c + i + 16);
        acc0 += d0 * d0;
        acc1 += d1 * d1;
    }
    if (i + 16 <= n) {
        qd_v16 d = qd_load(r + i) - qd_load(step + i) * qd_widen(c + i);
        acc0 += d * d;
        i += 16;
    }
    float total = qd_fold(acc0 + acc1);
    for (; i < n; i++) {
        float d = r[i] - step[i] * (float)c[i];
        total += d * d;
    }
    return total;
}

// Every line of a code row (384 bytes for MiniLM: six lines, a quarter of its float row).
static inline __attribute__((always_inline)) void qd_prefetch_codes(const uint8_t *row, int32_t n) {
    for (int32_t offset = 0; offset < n; offset += 64) __builtin_prefetch(row + offset, 0, 3);
}

QD_CLONES void qd_sq8_negative_inner_product_rows(const float *prepared, float offset, const uint8_t *codes, const uint32_t *ids,
                                                  int32_t count, int32_t n, float *out) {
    if (count > 0) qd_prefetch_codes(codes + (size_t)ids[0] * (size_t)n, n);
    for (int32_t i = 0; i < count; i++) {
        if (i + 1 < count) qd_prefetch_codes(codes + (size_t)ids[i + 1] * (size_t)n, n);
        out[i] = -(offset + qd_dot_codes(prepared, codes + (size_t)ids[i] * (size_t)n, n));
    }
}

QD_CLONES void qd_sq8_squared_euclidean_rows(const float *residual, const float *step, const uint8_t *codes, const uint32_t *ids,
                                             int32_t count, int32_t n, float *out) {
    if (count > 0) qd_prefetch_codes(codes + (size_t)ids[0] * (size_t)n, n);
    for (int32_t i = 0; i < count; i++) {
        if (i + 1 < count) qd_prefetch_codes(codes + (size_t)ids[i + 1] * (size_t)n, n);
        out[i] = qd_l2_codes(residual, step, codes + (size_t)ids[i] * (size_t)n, n);
    }
}

QD_CLONES void qd_sq8_encode(const float *x, const float *low, const float *inverse_step, uint8_t *out, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        float c = (x[i] - low[i]) * inverse_step[i] + 0.5f;
        c = c < 0.0f ? 0.0f : c;
        c = c > 255.0f ? 255.0f : c;
        out[i] = (uint8_t)c;
    }
}
