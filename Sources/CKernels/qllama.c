// See include/qllama.h. Every function has a portable body and, on x86-64, an AVX2 + FMA +
// F16C body with the same arithmetic; `level()` picks one once.
#include "qllama.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define QL_X86 1
#define QL_AVX2 __attribute__((target("avx2,fma,f16c")))
#else
#define QL_X86 0
#endif

#define QL_INLINE static inline __attribute__((always_inline))

// MARK: - Scalars shared by both bodies

QL_INLINE float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    _Float16 f;
    memcpy(&f, &h, 2);
    return (float)f;
}

QL_INLINE uint16_t float_to_half(float x) {
    _Float16 f = (_Float16)x;  // ties to even
    uint16_t h;
    memcpy(&h, &f, 2);
    return h;
}

QL_INLINE uint32_t bits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

QL_INLINE float from_bits(uint32_t u) {
    float x;
    memcpy(&x, &u, 4);
    return x;
}

/// ggml's vector exp (Arm's optimized-routines expf: x = n·ln2 + b, 2ⁿ in the exponent
/// bits, e^b − 1 by a degree-5 polynomial), one lane at a time: within 1.5 ulp of e^x and
/// the same bits as llama.cpp's.
QL_INLINE float ql_expf(float x) {
    const float shift = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, shift);
    const float n = z - shift;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const uint32_t e = bits(z) << 23;
    const float k = from_bits(e + 0x3f800000u);
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u, 0x1.ffffecp-1f * b);
    const float magnitude = fabsf(n);
    if (!(magnitude > 126)) return fmaf(j, k, k);
    const uint32_t g = n <= 0 ? 0x82000000u : 0;
    const float s1 = from_bits(g + 0x7f000000u);
    const float s2 = from_bits(e - g);
    if (magnitude > 192) return s1 * s1;
    return fmaf(s2, j, s2) * s1;
}

/// The pairwise fold of 8 lanes llama.cpp ends every dot product with:
/// ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)).
QL_INLINE float fold8(const float *l) {
    const float r0 = l[4] + l[0], r1 = l[5] + l[1], r2 = l[6] + l[2], r3 = l[7] + l[3];
    return (r0 + r2) + (r1 + r3);
}

// MARK: - Dispatch

static int forced_portable = 0;
static int forced_level = -1;

/// 0: portable; 1: AVX2 + FMA + F16C; 2: that and AVX-512 with VNNI (prompt products on
/// Q4_1 take two tokens per 512-bit register; the sums are the same).
static int level(void) {
#if QL_X86
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
        if (cached && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
            cached = 2;
        }
    }
    return forced_portable ? 0 : forced_level >= 0 && forced_level < cached ? forced_level : cached;
#else
    return 0;
#endif
}

int32_t ql_uses_avx2(void) { return level() >= 1; }

int32_t ql_level(void) { return level(); }

void ql_force_level(int32_t value) { forced_level = value; }

void ql_force_portable(int32_t on) { forced_portable = on != 0; }

// MARK: - Activation blocks

static void quantize_portable(const float *x, uint8_t *out, int64_t n, int with_sum) {
    const int64_t size = with_sum ? QL_Q8_1_BYTES : QL_Q8_0_BYTES;
    for (int64_t b = 0; b < n / 32; b++) {
        const float *v = x + 32 * b;
        uint8_t *o = out + size * b;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(v[i]));
        const float d = amax / 127.f;
        const float id = amax != 0.0f ? 127.f / amax : 0.0f;
        int8_t *q = (int8_t *)(o + (with_sum ? 4 : 2));
        int sum = 0;
        for (int i = 0; i < 32; i++) {
            q[i] = (int8_t)(int)rintf(v[i] * id);
            sum += q[i];
        }
        const uint16_t hd = float_to_half(d);
        memcpy(o, &hd, 2);
        if (with_sum) {
            const uint16_t hs = float_to_half(d * (float)sum);
            memcpy(o + 2, &hs, 2);
        }
    }
}

#if QL_X86
QL_AVX2 static void quantize_avx2(const float *x, uint8_t *out, int64_t n, int with_sum) {
    const int64_t size = with_sum ? QL_Q8_1_BYTES : QL_Q8_0_BYTES;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < n / 32; b++) {
        const float *v = x + 32 * b;
        uint8_t *o = out + size * b;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        const float amax = _mm_cvtss_f32(m4);
        const float d = amax / 127.f;
        const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.f / amax : 0.0f);
        const __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        const __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, id), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        // int32 → int16 → int8 packs per 128-bit lane; the permute puts the 32 back in order.
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(o + (with_sum ? 4 : 2)), p);
        const uint16_t hd = float_to_half(d);
        memcpy(o, &hd, 2);
        if (with_sum) {
            const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
            __m128i s4 = _mm_add_epi32(_mm256_extracti128_si256(s8, 1), _mm256_castsi256_si128(s8));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
            const uint16_t hs = float_to_half(d * (float)_mm_cvtsi128_si32(s4));
            memcpy(o + 2, &hs, 2);
        }
    }
}
#endif

void ql_quantize_q8_0(const float *x, void *out, int64_t n) {
#if QL_X86
    if (level()) { quantize_avx2(x, out, n, 0); return; }
#endif
    quantize_portable(x, out, n, 0);
}

void ql_quantize_q8_1(const float *x, void *out, int64_t n) {
#if QL_X86
    if (level()) { quantize_avx2(x, out, n, 1); return; }
#endif
    quantize_portable(x, out, n, 1);
}

// MARK: - Products on blocks

/// Weight block geometry: bytes, where the nibbles or int8s start.
QL_INLINE int64_t weight_bytes(int32_t type) { return type == QL_Q4_1 ? 20 : type == QL_Q4_0 ? 18 : 34; }

/// Weight j of a block as an integer (Q4_0 centred on 8; Q4_1 offset by its m separately).
QL_INLINE int weight_at(int32_t type, const uint8_t *block, int j) {
    if (type == QL_Q8_0) return ((const int8_t *)(block + 2))[j];
    const uint8_t *qs = block + (type == QL_Q4_1 ? 4 : 2);
    const int nibble = j < 16 ? (qs[j] & 15) : (qs[j - 16] >> 4);
    return type == QL_Q4_0 ? nibble - 8 : nibble;
}

static float dot_portable(int32_t type, const uint8_t *w, const uint8_t *y, int64_t blocks) {
    const int64_t wb = weight_bytes(type), yb = type == QL_Q4_1 ? QL_Q8_1_BYTES : QL_Q8_0_BYTES;
    float lanes[8] = {0};
    float summs = 0;
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *x = w + wb * b, *a = y + yb * b;
        const int8_t *q = (const int8_t *)(a + (type == QL_Q4_1 ? 4 : 2));
        const float dd = half_to_float(x) * half_to_float(a);
        for (int l = 0; l < 8; l++) {
            int s = 0;
            for (int k = 4 * l; k < 4 * l + 4; k++) s += weight_at(type, x, k) * q[k];
            lanes[l] = fmaf(dd, (float)s, lanes[l]);
        }
        if (type == QL_Q4_1) summs = fmaf(half_to_float(x + 2), half_to_float(a + 2), summs);
    }
    return fold8(lanes) + summs;
}

#if QL_X86
QL_AVX2 QL_INLINE float fold8_avx2(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

/// The 32 weights of a block as unsigned bytes (Q4: nibbles, low ones first) or, for Q8_0,
/// their absolute values; `signs` gets what `_mm256_sign_epi8` needs to move the signs to y.
QL_AVX2 QL_INLINE __m256i weights_avx2(int32_t type, const uint8_t *x) {
    if (type == QL_Q8_0) return _mm256_loadu_si256((const __m256i *)(x + 2));
    const __m128i packed = _mm_loadu_si128((const __m128i *)(x + (type == QL_Q4_1 ? 4 : 2)));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
    const __m256i nibbles = _mm256_and_si256(both, _mm256_set1_epi8(15));
    return type == QL_Q4_0 ? _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8)) : nibbles;
}

/// 8 int32 lanes, lane l = Σ_{k<4} w[4l+k]·y[4l+k], as floats (exact: |sum| < 2²⁴).
QL_AVX2 QL_INLINE __m256 lane_sums_avx2(int32_t type, __m256i w, __m256i y) {
    __m256i u = w, s = y;
    if (type != QL_Q4_1) {  // signed weights: |w| unsigned, the sign moved onto y
        u = _mm256_sign_epi8(w, w);
        s = _mm256_sign_epi8(y, w);
    }
    const __m256i pairs = _mm256_maddubs_epi16(u, s);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

/// R rows × T tokens of dot products, each the same arithmetic as `dot_portable`.
QL_AVX2 QL_INLINE void tile_avx2(int32_t type, int R, int T, const uint8_t *w, int64_t wRow, const uint8_t *y, int64_t yRow, int64_t blocks,
                                 float *out, int64_t ldo) {
    const int64_t wb = weight_bytes(type), yb = type == QL_Q4_1 ? QL_Q8_1_BYTES : QL_Q8_0_BYTES;
    __m256 acc[8][4];
    float summs[8][4];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) {
            acc[r][t] = _mm256_setzero_ps();
            summs[r][t] = 0;
        }
    for (int64_t b = 0; b < blocks; b++) {
        __m256i wq[8];
        float wd[8], wm[8];
        for (int r = 0; r < R; r++) {
            const uint8_t *x = w + r * wRow + b * wb;
            // The next tile's rows follow these: fetch them while these are multiplied.
            _mm_prefetch((const char *)(x + 2 * R * wRow), _MM_HINT_T0);
            wq[r] = weights_avx2(type, x);
            wd[r] = half_to_float(x);
            wm[r] = type == QL_Q4_1 ? half_to_float(x + 2) : 0;
        }
        for (int t = 0; t < T; t++) {
            const uint8_t *a = y + t * yRow + b * yb;
            const __m256i yq = _mm256_loadu_si256((const __m256i *)(a + (type == QL_Q4_1 ? 4 : 2)));
            const float yd = half_to_float(a);
            const float ys = type == QL_Q4_1 ? half_to_float(a + 2) : 0;
            for (int r = 0; r < R; r++) {
                acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(wd[r] * yd), lane_sums_avx2(type, wq[r], yq), acc[r][t]);
                if (type == QL_Q4_1) summs[r][t] = fmaf(wm[r], ys, summs[r][t]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) out[t * ldo + r] = fold8_avx2(acc[r][t]) + summs[r][t];
}

QL_AVX2 QL_INLINE void gemm_avx2_type(int32_t type, const uint8_t *w, int64_t rows, int64_t blocks, const uint8_t *y, int64_t tokens, float *out,
                                      int64_t ldo) {
    const int64_t wRow = blocks * weight_bytes(type), yRow = blocks * (type == QL_Q4_1 ? QL_Q8_1_BYTES : QL_Q8_0_BYTES);
    int64_t t = 0;
    // Four tokens share each decoded weight block; two rows share each activation block.
    for (; t + 4 <= tokens; t += 4) {
        int64_t r = 0;
        for (; r + 4 <= rows; r += 4) tile_avx2(type, 4, 4, w + r * wRow, wRow, y + t * yRow, yRow, blocks, out + t * ldo + r, ldo);
        for (; r < rows; r++) tile_avx2(type, 1, 4, w + r * wRow, wRow, y + t * yRow, yRow, blocks, out + t * ldo + r, ldo);
    }
    for (; t < tokens; t++) {
        // One token: four rows at once keep four independent chains of multiply-adds.
        int64_t r = 0;
        for (; r + 8 <= rows; r += 8) tile_avx2(type, 8, 1, w + r * wRow, wRow, y + t * yRow, yRow, blocks, out + t * ldo + r, ldo);
        for (; r < rows; r++) tile_avx2(type, 1, 1, w + r * wRow, wRow, y + t * yRow, yRow, blocks, out + t * ldo + r, ldo);
    }
}

QL_AVX2 static void gemm_avx2(int32_t type, const uint8_t *w, int64_t rows, int64_t blocks, const uint8_t *y, int64_t tokens, float *out,
                              int64_t ldo) {
    // One body per type, so the type tests inside the tiles fold away.
    switch (type) {
    case QL_Q4_1: gemm_avx2_type(QL_Q4_1, w, rows, blocks, y, tokens, out, ldo); break;
    case QL_Q4_0: gemm_avx2_type(QL_Q4_0, w, rows, blocks, y, tokens, out, ldo); break;
    default: gemm_avx2_type(QL_Q8_0, w, rows, blocks, y, tokens, out, ldo); break;
    }
}
#endif

#if QL_X86
#define QL_VNNI __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma,f16c")))

/// 4 rows × 2P tokens of Q4_1 · Q8_1 dot products, two tokens per 512-bit register: the
/// same weights in both halves, one token's activations in each; vpdpbusd gives lane j the
/// exact sum of weights 4j … 4j+3 times activations, as maddubs + madd do; each half is
/// multiplied, accumulated and folded as `tile_avx2` does one token. The tokens' scales and
/// sums ride in one 8-lane register, lane t for token t: the products d_w·d_t and the
/// running m_w·s_t sums are the same float operations as the scalar ones, eight at a time.
QL_VNNI QL_INLINE void tile_vnni_q4_1(int P, const uint8_t *w, int64_t wRow, const uint8_t *y, int64_t yRow, int64_t blocks, float *out,
                                      int64_t ldo) {
    enum { R = 4 };
    __m512 acc[R][4];
    __m256 summs[R];
    for (int r = 0; r < R; r++) {
        for (int p = 0; p < P; p++) acc[r][p] = _mm512_setzero_ps();
        summs[r] = _mm256_setzero_ps();
    }
    const __m256i low = _mm256_set1_epi8(15);
    __m512i pick[4];
    for (int p = 0; p < 4; p++) pick[p] = _mm512_set_epi32(2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1,
                                                           2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p);
    for (int64_t b = 0; b < blocks; b++) {
        // The tokens' f16 scales (d) and sums (s), lane t for token t (lanes past 2P unused).
        uint16_t dh[8] = {0}, sh[8] = {0};
        for (int t = 0; t < 2 * P; t++) {
            const uint8_t *a = y + t * yRow + b * QL_Q8_1_BYTES;
            memcpy(&dh[t], a, 2);
            memcpy(&sh[t], a + 2, 2);
        }
        const __m256 yd = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)dh));
        const __m256 ys = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)sh));
        __m512i yq[4];
        for (int p = 0; p < P; p++) {
            const uint8_t *a0 = y + (2 * p) * yRow + b * QL_Q8_1_BYTES, *a1 = a0 + yRow;
            yq[p] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(a0 + 4))),
                                       _mm256_loadu_si256((const __m256i *)(a1 + 4)), 1);
        }
        for (int r = 0; r < R; r++) {
            const uint8_t *x = w + r * wRow + b * 20;
            _mm_prefetch((const char *)(x + 2 * R * wRow), _MM_HINT_T0);
            const __m128i packed = _mm_loadu_si128((const __m128i *)(x + 4));
            const __m256i nibbles = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), low);
            const __m512i wq = _mm512_inserti64x4(_mm512_castsi256_si512(nibbles), nibbles, 1);
            const __m256 products = _mm256_mul_ps(_mm256_set1_ps(half_to_float(x)), yd);
            summs[r] = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x + 2)), ys, summs[r]);
            const __m512 wide = _mm512_castps256_ps512(products);
            for (int p = 0; p < P; p++) {
                const __m512 xy = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), wq, yq[p]));
                acc[r][p] = _mm512_fmadd_ps(_mm512_permutexvar_ps(pick[p], wide), xy, acc[r][p]);
            }
        }
    }
    for (int r = 0; r < R; r++) {
        float m[8];
        _mm256_storeu_ps(m, summs[r]);
        for (int p = 0; p < P; p++) {
            out[(2 * p) * ldo + r] = fold8_avx2(_mm512_castps512_ps256(acc[r][p])) + m[2 * p];
            out[(2 * p + 1) * ldo + r] = fold8_avx2(_mm512_extractf32x8_ps(acc[r][p], 1)) + m[2 * p + 1];
        }
    }
}

/// Q4_1 products of two or more tokens: 4 rows × 8 tokens at a time; what is left (rows not
/// a multiple of 4, an odd token) goes to the AVX2 tiles.
QL_VNNI static void gemm_vnni_q4_1(const uint8_t *w, int64_t rows, int64_t blocks, const uint8_t *y, int64_t tokens, float *out, int64_t ldo) {
    const int64_t wRow = blocks * 20, yRow = blocks * QL_Q8_1_BYTES;
    const int64_t rows4 = rows / 4 * 4;
    int64_t t = 0;
    for (; t + 8 <= tokens; t += 8)
        for (int64_t r = 0; r < rows4; r += 4) tile_vnni_q4_1(4, w + r * wRow, wRow, y + t * yRow, yRow, blocks, out + t * ldo + r, ldo);
    for (; t + 2 <= tokens; t += 2)
        for (int64_t r = 0; r < rows4; r += 4) tile_vnni_q4_1(1, w + r * wRow, wRow, y + t * yRow, yRow, blocks, out + t * ldo + r, ldo);
    if (rows4 < rows) gemm_avx2(QL_Q4_1, w + rows4 * wRow, rows - rows4, blocks, y, t, out + rows4, ldo);
    if (t < tokens) gemm_avx2(QL_Q4_1, w, rows, blocks, y + t * yRow, tokens - t, out + t * ldo, ldo);
}
#endif

int32_t ql_gemm(int32_t type, const void *w, int64_t rows, int64_t blocks, const void *y, int64_t tokens, float *out, int64_t ldo) {
    if (type != QL_Q4_0 && type != QL_Q4_1 && type != QL_Q8_0) return -1;
#if QL_X86
    if (level() >= 2 && type == QL_Q4_1 && tokens >= 2) {
        gemm_vnni_q4_1(w, rows, blocks, y, tokens, out, ldo);
        return 0;
    }
    if (level()) {
        gemm_avx2(type, w, rows, blocks, y, tokens, out, ldo);
        return 0;
    }
#endif
    const int64_t wRow = blocks * weight_bytes(type), yRow = blocks * (type == QL_Q4_1 ? QL_Q8_1_BYTES : QL_Q8_0_BYTES);
    for (int64_t t = 0; t < tokens; t++)
        for (int64_t r = 0; r < rows; r++) out[t * ldo + r] = dot_portable(type, (const uint8_t *)w + r * wRow, (const uint8_t *)y + t * yRow, blocks);
    return 0;
}

// MARK: - Float steps

void ql_rmsnorm(const float *x, const float *w, float *y, int32_t n, float epsilon) {
    double sum = 0;
    for (int32_t i = 0; i < n; i++) sum += (double)(x[i] * x[i]);
    const float mean = (float)(sum / n);
    const float scale = 1.0f / sqrtf(mean + epsilon);
    for (int32_t i = 0; i < n; i++) y[i] = (x[i] * scale) * w[i];
}

QL_INLINE void swiglu_body(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float x = gate[i];
        gate[i] = x / (1.0f + ql_expf(0.0f - x)) * up[i];
    }
}

#if QL_X86
QL_AVX2 static void swiglu_avx2(float *gate, const float *up, int64_t n) { swiglu_body(gate, up, n); }
#endif

void ql_swiglu(float *gate, const float *up, int64_t n) {
#if QL_X86
    if (level()) { swiglu_avx2(gate, up, n); return; }
#endif
    swiglu_body(gate, up, n);
}

void ql_rope(float *x, int32_t heads, int32_t d, int32_t position, float base) {
    float cosines[256], sines[256];
    if (d > 512) return;
    const float scale = powf(base, -2.0f / (float)d);
    float theta = (float)position;
    for (int32_t i = 0; i < d / 2; i++) {
        cosines[i] = cosf(theta);
        sines[i] = sinf(theta);
        theta *= scale;
    }
    for (int32_t h = 0; h < heads; h++) {
        float *v = x + (int64_t)h * d;
        for (int32_t i = 0; i < d / 2; i++) {
            const float x0 = v[2 * i], x1 = v[2 * i + 1];
            // As compiled in llama.cpp (the first product fused with the sum).
            v[2 * i] = fmaf(x0, cosines[i], -(x1 * sines[i]));
            v[2 * i + 1] = fmaf(x0, sines[i], x1 * cosines[i]);
        }
    }
}

void ql_to_f16(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = float_to_half(x[i]);
}

// MARK: - Attention

QL_INLINE float f16_value(uint16_t h) {
    _Float16 f;
    memcpy(&f, &h, 2);
    return (float)f;
}

/// The softmax and f16 rounding of `count` scores in place (8-position chunks padded with
/// zeros, each chunk folded and added in double, as ggml's soft_max does).
QL_INLINE void softmax_body(float *s, int32_t count) {
    float max = -INFINITY;
    for (int32_t p = 0; p < count; p++) max = fmaxf(max, s[p]);
    double sum = 0;
    const int32_t padded = (count + 7) / 8 * 8;
    for (int32_t p = count; p < padded; p++) s[p] = 0;
    for (int32_t c = 0; c < padded; c += 8) {
        float lanes[8];
        for (int l = 0; l < 8; l++) lanes[l] = c + l < count ? ql_expf(s[c + l] - max) : 0.0f;
        for (int l = 0; l < 8; l++) s[c + l] = lanes[l];
        sum += (double)fold8(lanes);
    }
    const float inverse = (float)(1.0 / sum);
    for (int32_t p = 0; p < count; p++) s[p] = f16_value(float_to_half(s[p] * inverse));
}

/// ggml_vec_dot_f16's fold of its 4 × 8 lanes (slot = 8·(i/8 mod 4) + i mod 8):
/// the four registers pairwise, then (l0+l4) + (l1+l5) first, (l2+l6) + (l3+l7) second.
QL_INLINE float fold32(const float *slot) {
    float y[8];
    for (int l = 0; l < 8; l++) y[l] = (slot[l] + slot[16 + l]) + (slot[8 + l] + slot[24 + l]);
    const float t0 = y[0] + y[4], t1 = y[1] + y[5], t2 = y[2] + y[6], t3 = y[3] + y[7];
    return (t0 + t1) + (t2 + t3);
}

/// A dot product of f16 values (as floats) in the order llama.cpp uses for `batched`
/// products (tinyBLAS: 8 lanes, `fold8`) or one token's (ggml_vec_dot_f16: 32 slots, `fold32`).
QL_INLINE float dot_f16_portable(const float *a, int64_t aStride, const float *b, int32_t n, int batched) {
    float slots[32] = {0};
    const int mask = batched ? 7 : 31;
    for (int32_t i = 0; i < n; i++) slots[i & mask] = fmaf(a[i * aStride], b[i], slots[i & mask]);
    return batched ? fold8(slots) : fold32(slots);
}

static void attend_portable(const float *q, const uint16_t *keys, const uint16_t *values, int64_t stride, int32_t count, int32_t d,
                            float scale, int batched, float *s, float *out) {
    float qh[512], row[512];
    for (int32_t e = 0; e < d; e++) qh[e] = f16_value(float_to_half(q[e]));
    for (int32_t p = 0; p < count; p++) {
        for (int32_t e = 0; e < d; e++) row[e] = f16_value(keys[p * stride + e]);
        s[p] = dot_f16_portable(row, 1, qh, d, batched) * scale;
    }
    softmax_body(s, count);
    for (int32_t e = 0; e < d; e++) {
        float slots[32] = {0};
        const int mask = batched ? 7 : 31;
        for (int32_t p = 0; p < count; p++) slots[p & mask] = fmaf(f16_value(values[p * stride + e]), s[p], slots[p & mask]);
        out[e] = batched ? fold8(slots) : fold32(slots);
    }
}

#if QL_X86
/// ggml_vec_dot_f16's fold (see `fold32`) of one register per slot.
QL_AVX2 QL_INLINE float fold32_avx2(const __m256 *slot) {
    const __m256 x = _mm256_add_ps(_mm256_add_ps(slot[0], slot[2]), _mm256_add_ps(slot[1], slot[3]));
    const __m128 t = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    const __m128 h = _mm_hadd_ps(t, t);
    return _mm_cvtss_f32(_mm_hadd_ps(h, h));
}

QL_AVX2 static void attend_avx2(const float *q, const uint16_t *keys, const uint16_t *values, int64_t stride, int32_t count, int32_t d,
                                float scale, int batched, float *s, float *out) {
    __m256 qh[64];
    for (int32_t e = 0; e < d; e += 8) qh[e / 8] = _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(q + e), _MM_FROUND_TO_NEAREST_INT));
    for (int32_t p = 0; p < count; p++) {
        const uint16_t *k = keys + p * stride;
        if (batched) {
            __m256 acc = _mm256_setzero_ps();
            for (int32_t e = 0; e < d; e += 8) acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + e))), qh[e / 8], acc);
            s[p] = fold8_avx2(acc) * scale;
        } else {
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (int32_t e = 0; e < d; e += 8) acc[(e / 8) & 3] = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + e))), qh[e / 8], acc[(e / 8) & 3]);
            s[p] = fold32_avx2(acc) * scale;
        }
    }
    softmax_body(s, count);
    // Slot p mod 8 (batched) or p mod 32 (one token) of each output dimension, eight
    // dimensions per register, folded as the dot products above are.
    const int mask = batched ? 7 : 31;
    for (int32_t e = 0; e < d; e += 8) {
        __m256 slots[32];
        for (int l = 0; l < 32; l++) slots[l] = _mm256_setzero_ps();
        int32_t p = 0;
        if (batched) {
            // Eight positions a step, each to its own slot: no slot index computed at run time.
            for (; p + 8 <= count; p += 8)
                for (int l = 0; l < 8; l++) {
                    const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(values + (p + l) * stride + e)));
                    slots[l] = _mm256_fmadd_ps(v, _mm256_set1_ps(s[p + l]), slots[l]);
                }
        }
        for (; p < count; p++) {
            const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(values + p * stride + e)));
            slots[p & mask] = _mm256_fmadd_ps(v, _mm256_set1_ps(s[p]), slots[p & mask]);
        }
        __m256 y[8];
        for (int l = 0; l < 8; l++)
            y[l] = batched ? slots[l] : _mm256_add_ps(_mm256_add_ps(slots[l], slots[16 + l]), _mm256_add_ps(slots[8 + l], slots[24 + l]));
        __m256 result;
        if (batched) {
            const __m256 r0 = _mm256_add_ps(y[4], y[0]), r1 = _mm256_add_ps(y[5], y[1]);
            const __m256 r2 = _mm256_add_ps(y[6], y[2]), r3 = _mm256_add_ps(y[7], y[3]);
            result = _mm256_add_ps(_mm256_add_ps(r0, r2), _mm256_add_ps(r1, r3));
        } else {
            const __m256 t0 = _mm256_add_ps(y[0], y[4]), t1 = _mm256_add_ps(y[1], y[5]);
            const __m256 t2 = _mm256_add_ps(y[2], y[6]), t3 = _mm256_add_ps(y[3], y[7]);
            result = _mm256_add_ps(_mm256_add_ps(t0, t1), _mm256_add_ps(t2, t3));
        }
        _mm256_storeu_ps(out + e, result);
    }
}
#endif

void ql_attend(const float *q, const uint16_t *keys, const uint16_t *values, int64_t stride, int32_t count, int32_t d, float scale,
               int32_t batched, float *scratch, float *out) {
    if (d > 512 || d % 8 != 0) return;
#if QL_X86
    if (level()) {
        attend_avx2(q, keys, values, stride, count, d, scale, batched != 0, scratch, out);
        return;
    }
#endif
    attend_portable(q, keys, values, stride, count, d, scale, batched != 0, scratch, out);
}
