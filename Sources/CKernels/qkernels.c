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
