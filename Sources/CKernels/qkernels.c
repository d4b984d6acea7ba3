// See include/qkernels.h. Written so the compiler vectorises every loop: no branches in the
// bodies, bit casts through memcpy, and our own exp/erf polynomials instead of libm calls.
#include "qkernels.h"

#include <math.h>
#include <string.h>

#include "qclones.h"
#define QK_CLONES QUARRY_CLONES

// e^x: x = n·ln2 + r, |r| ≤ ln2/2; e^r by the Cephes expf polynomial (about 1 ulp); 2^n built
// in the exponent bits, n rounded with the 1.5·2^23 trick.
static inline float qk_exp(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float shifted = x * 1.44269504088896341f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &shifted, 4);
    uint32_t exponent = (bits - 0x4B3FFF81u) << 23;
    float scale;
    memcpy(&scale, &exponent, 4);
    return p * scale;
}

// erf(x) from the Chebyshev-fitted erfc of Numerical Recipes §6.2 (fractional error < 1.2e-7).
static inline float qk_erf(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    uint32_t sign = bits & 0x80000000u;
    uint32_t absBits = bits & 0x7FFFFFFFu;
    float a;
    memcpy(&a, &absBits, 4);
    float t = 1.0f / (1.0f + 0.5f * a);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float magnitude = 1.0f - t * qk_exp(-(a * a) + p);
    uint32_t m;
    memcpy(&m, &magnitude, 4);
    m |= sign;
    float result;
    memcpy(&result, &m, 4);
    return result;
}

QK_CLONES void qk_gelu(float *x, int64_t count) {
    for (int64_t i = 0; i < count; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + qk_erf(v * 0.70710678118654752f));
    }
}

// Reductions keep 16 independent partial results, so the loops vectorise without letting
// the compiler reassociate floating-point sums (no -ffast-math, which would also fold away
// the rounding trick in qk_exp).
#define QK_LANES 16

static inline float qk_sum(const float *x, int32_t n) {
    float partial[QK_LANES] = {0};
    int32_t i = 0;
    for (; i + QK_LANES <= n; i += QK_LANES)
        for (int32_t j = 0; j < QK_LANES; j++) partial[j] += x[i + j];
    float total = 0.0f;
    for (int32_t j = 0; j < QK_LANES; j++) total += partial[j];
    for (; i < n; i++) total += x[i];
    return total;
}

static inline float qk_max(const float *x, int32_t n) {
    float partial[QK_LANES];
    for (int32_t j = 0; j < QK_LANES; j++) partial[j] = -INFINITY;
    int32_t i = 0;
    for (; i + QK_LANES <= n; i += QK_LANES)
        for (int32_t j = 0; j < QK_LANES; j++) partial[j] = x[i + j] > partial[j] ? x[i + j] : partial[j];
    float maximum = -INFINITY;
    for (int32_t j = 0; j < QK_LANES; j++) maximum = partial[j] > maximum ? partial[j] : maximum;
    for (; i < n; i++) maximum = x[i] > maximum ? x[i] : maximum;
    return maximum;
}

static inline float qk_centred_squares(const float *x, int32_t n, float mean) {
    float partial[QK_LANES] = {0};
    int32_t i = 0;
    for (; i + QK_LANES <= n; i += QK_LANES)
        for (int32_t j = 0; j < QK_LANES; j++) {
            float d = x[i + j] - mean;
            partial[j] += d * d;
        }
    float total = 0.0f;
    for (int32_t j = 0; j < QK_LANES; j++) total += partial[j];
    for (; i < n; i++) {
        float d = x[i] - mean;
        total += d * d;
    }
    return total;
}

QK_CLONES void qk_softmax(float *x, int32_t rows, int32_t width, int32_t stride) {
    for (int32_t r = 0; r < rows; r++) {
        float *row = x + (int64_t)r * stride;
        float maximum = qk_max(row, width);
        for (int32_t i = 0; i < width; i++) row[i] = qk_exp(row[i] - maximum);
        float inverse = 1.0f / qk_sum(row, width);
        for (int32_t i = 0; i < width; i++) row[i] *= inverse;
    }
}

QK_CLONES void qk_layernorm(float *x, int32_t rows, int32_t width, const float *gamma, const float *beta, float epsilon) {
    for (int32_t r = 0; r < rows; r++) {
        float *row = x + (int64_t)r * width;
        float mean = qk_sum(row, width) / (float)width;
        float inverse = 1.0f / sqrtf(qk_centred_squares(row, width, mean) / (float)width + epsilon);
        for (int32_t i = 0; i < width; i++) row[i] = (row[i] - mean) * inverse * gamma[i] + beta[i];
    }
}

QK_CLONES void qk_add_bias(float *x, int32_t rows, int32_t width, const float *bias) {
    for (int32_t r = 0; r < rows; r++) {
        float *row = x + (int64_t)r * width;
        for (int32_t i = 0; i < width; i++) row[i] += bias[i];
    }
}

QK_CLONES void qk_add(float *x, const float *y, int64_t count) {
    for (int64_t i = 0; i < count; i++) x[i] += y[i];
}

// -- Dense layers for a few rows ----------------------------------------------------------------
//
// C = A·B (+ bias) with B in K×N row-major (a layer's weights, transposed once at load). A tile
// of MR rows × NB columns is accumulated in registers over all of K: per k, NB/lanes vector
// loads of B and MR broadcasts of A feed MR·NB/lanes FMAs, so B — megabytes of weights that
// BLAS would copy into its packed layout on every call — streams through once per column
// block, and the next tile of rows finds it in L2. Sums run over k in order from the bias,
// so results do not depend on the tile shape. Each CPU level gets the tile that fits its
// registers: 8×32 (16 of AVX-512's 32 registers), 4×16 on AVX2 (8 of 16), 4×8 on SSE.

// Rows of B ahead of the one in use that each step prefetches. Consecutive rows of a block lie
// N floats apart (4.6 KB for a 1152-wide layer), a new page every step, where the hardware
// prefetchers stop following; without this a query's 8 rows ran at half the speed of 1
// (scripts/bench/dense.sh: 3.8 ms for six layers at M = 8, 1.7 ms with it, 16 ahead).
#ifndef QK_DENSE_AHEAD
#define QK_DENSE_AHEAD 16
#endif
#define QK_DENSE_TILE(NAME, MR, NB, ATTR)                                                              \
    static inline ATTR __attribute__((always_inline)) void NAME(const float *a, int64_t lda, const float *b, \
                                                                int64_t ldb, float *c, int64_t ldc, int32_t k, \
                                                                const float *bias) {                   \
        float acc[MR][NB];                                                                             \
        for (int32_t i = 0; i < MR; i++)                                                               \
            for (int32_t j = 0; j < NB; j++) acc[i][j] = bias ? bias[j] : 0.0f;                        \
        for (int32_t p = 0; p < k; p++) {                                                              \
            const float *row = b + (int64_t)p * ldb;                                                   \
            for (int32_t line = 0; line < NB; line += 16) __builtin_prefetch(row + QK_DENSE_AHEAD * ldb + line); \
            __builtin_prefetch(row + QK_DENSE_AHEAD * ldb + NB - 1);                                   \
            for (int32_t i = 0; i < MR; i++) {                                                         \
                float x = a[(int64_t)i * lda + p];                                                     \
                for (int32_t j = 0; j < NB; j++) acc[i][j] += x * row[j];                              \
            }                                                                                          \
        }                                                                                              \
        for (int32_t i = 0; i < MR; i++)                                                               \
            for (int32_t j = 0; j < NB; j++) c[(int64_t)i * ldc + j] = acc[i][j];                      \
    }

// One column of C for rows [0, m): the tail when N is not a multiple of the tile width.
static inline __attribute__((always_inline)) void qk_dense_column(const float *a, int64_t lda, const float *b, int64_t ldb,
                                                                  float *c, int64_t ldc, int32_t m, int32_t k, const float *bias) {
    for (int32_t i = 0; i < m; i++) {
        float sum = bias ? bias[0] : 0.0f;
        for (int32_t p = 0; p < k; p++) sum += a[(int64_t)i * lda + p] * b[(int64_t)p * ldb];
        c[(int64_t)i * ldc] = sum;
    }
}

// A body: column blocks of NB; in each, rows in tiles of MR (8 or 4), then the rows left in
// tiles of 4, 2 and 1, so a 9- to 15-token query does not stream a block once per leftover row.
#define QK_DENSE(NAME, MR, NB, ATTR)                                                                   \
    QK_DENSE_TILE(NAME##_8, 8, NB, ATTR)                                                               \
    QK_DENSE_TILE(NAME##_4, 4, NB, ATTR)                                                               \
    QK_DENSE_TILE(NAME##_2, 2, NB, ATTR)                                                               \
    QK_DENSE_TILE(NAME##_1, 1, NB, ATTR)                                                               \
    static ATTR void NAME(const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, \
                          int32_t m, int32_t n, int32_t k, const float *bias) {                        \
        int32_t j = 0;                                                                                 \
        for (; j + NB <= n; j += NB) {                                                                 \
            const float *tb = bias ? bias + j : 0;                                                     \
            int32_t i = 0;                                                                             \
            if (MR >= 8)                                                                               \
                for (; i + 8 <= m; i += 8) NAME##_8(a + (int64_t)i * lda, lda, b + j, ldb, c + (int64_t)i * ldc + j, ldc, k, tb); \
            for (; i + 4 <= m; i += 4) NAME##_4(a + (int64_t)i * lda, lda, b + j, ldb, c + (int64_t)i * ldc + j, ldc, k, tb); \
            for (; i + 2 <= m; i += 2) NAME##_2(a + (int64_t)i * lda, lda, b + j, ldb, c + (int64_t)i * ldc + j, ldc, k, tb); \
            for (; i < m; i++) NAME##_1(a + (int64_t)i * lda, lda, b + j, ldb, c + (int64_t)i * ldc + j, ldc, k, tb); \
        }                                                                                              \
        for (; j < n; j++) qk_dense_column(a, lda, b + j, ldb, c + j, ldc, m, k, bias ? bias + j : 0); \
    }

#if defined(__x86_64__) && defined(__clang__)
QK_DENSE(qk_dense_avx512, 8, 32, __attribute__((target("avx512f,avx2,fma"))))
QK_DENSE(qk_dense_avx2, 4, 16, __attribute__((target("avx2,fma"))))
#endif
QK_DENSE(qk_dense_base, 4, 8, )

static int qk_dense_forced = -1;

int qk_dense_level(void) {
#if defined(__x86_64__) && defined(__clang__)
    // From cpuid, cached; not an ifunc (see qclones.h).
    static int cached = -1;
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level < 0) {
        __builtin_cpu_init();
        level = __builtin_cpu_supports("avx512f") ? 2 : (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
        __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    }
    return level;
#else
    return 0;
#endif
}

void qk_dense_force_level(int level) { __atomic_store_n(&qk_dense_forced, level, __ATOMIC_RELAXED); }

void qk_dense(const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc,
              int32_t m, int32_t n, int32_t k, const float *bias) {
#if defined(__x86_64__) && defined(__clang__)
    int level = qk_dense_level(), forced = __atomic_load_n(&qk_dense_forced, __ATOMIC_RELAXED);
    if (forced >= 0 && forced < level) level = forced;
    if (level == 2) return qk_dense_avx512(a, lda, b, ldb, c, ldc, m, n, k, bias);
    if (level == 1) return qk_dense_avx2(a, lda, b, ldb, c, ldc, m, n, k, bias);
#endif
    qk_dense_base(a, lda, b, ldb, c, ldc, m, n, k, bias);
}

// dst (cols × rows) = srcᵀ, in 32×32 blocks so both sides stay in cache.
void qk_transpose(const float *src, float *dst, int32_t rows, int32_t cols) {
    for (int32_t r0 = 0; r0 < rows; r0 += 32)
        for (int32_t c0 = 0; c0 < cols; c0 += 32) {
            int32_t r1 = r0 + 32 < rows ? r0 + 32 : rows, c1 = c0 + 32 < cols ? c0 + 32 : cols;
            for (int32_t r = r0; r < r1; r++)
                for (int32_t c = c0; c < c1; c++) dst[(int64_t)c * rows + r] = src[(int64_t)r * cols + c];
        }
}
