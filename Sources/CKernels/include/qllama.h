// The Llama decoder's kernels: products on ggml's quantised blocks, and the float steps
// around them, each doing the arithmetic llama.cpp's x86 CPU backend (its AVX2 + FMA + F16C
// build) does, in the same order, so the two give the same numbers and the same tokens.
//
// Why that order matters: a 135M-parameter model's greedy path flips on differences of one
// rounding (llama.cpp itself answers 11 of 20 test prompts differently with its flash
// attention on). So the products keep 8 float lanes per dot product — lane j sums the exact
// integer products of weights 4j … 4j+3 of every block, multiplied by the block's scale with
// one fused multiply-add — and fold them pairwise at the end; activations are rounded to
// 8-bit blocks with 127/max and ties to even; exp is the same polynomial.
//
// Each function has an AVX2 + FMA + F16C body (chosen at run time when the CPU has them)
// and a portable body with the same arithmetic (fmaf), which the tests compare.
#ifndef QUARRY_QLLAMA_H
#define QUARRY_QLLAMA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Bytes of one activation block: Q8_0 is (f16 d, 32 × int8); Q8_1 adds f16 s = d·Σq.
enum { QL_Q8_0_BYTES = 34, QL_Q8_1_BYTES = 36 };

/// ggml weight types the products read directly (ggml's ids).
enum { QL_Q4_0 = 2, QL_Q4_1 = 3, QL_Q8_0 = 8 };

/// Rounds `n` floats (a multiple of 32) to Q8_0 blocks in `out`: per block d = max|x|/127,
/// q = x·(127/max|x|) rounded half to even, d kept as f16.
void ql_quantize_q8_0(const float *x, void *out, int64_t n);

/// The same blocks as Q8_1 (for Q4_1 weights): s = f16(d·Σq) after d.
void ql_quantize_q8_1(const float *x, void *out, int64_t n);

/// out[t·ldo + r] = W[r] · y[t] for r < rows, t < tokens: W holds `rows` rows of `blocks`
/// blocks of `type` (QL_Q4_0, QL_Q4_1 or QL_Q8_0); y holds `tokens` rows of `blocks`
/// activation blocks, Q8_1 for Q4_1 weights and Q8_0 otherwise.
/// Returns 0, or -1 for another type.
int32_t ql_gemm(int32_t type, const void *w, int64_t rows, int64_t blocks, const void *y, int64_t tokens, float *out, int64_t ldo);

/// y = x / √(mean(x²) + ε) · w, the mean summed in double (ggml's rms_norm, then mul).
void ql_rmsnorm(const float *x, const float *w, float *y, int32_t n, float epsilon);

/// gate[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + e^(−x)) with ggml's vector exp.
void ql_swiglu(float *gate, const float *up, int64_t n);

/// Rotates adjacent pairs (x₀, x₁) of each of `heads` heads of `d` by the angles of
/// `position`: θᵢ = position · base^(−2/d)ⁱ, the power built by repeated multiplication.
void ql_rope(float *x, int32_t heads, int32_t d, int32_t position, float base);

/// Rounds to f16 (ties to even).
void ql_to_f16(const float *x, uint16_t *y, int64_t n);

/// One query head's attention over `count` cached positions: scores qᵀk (q rounded to f16),
/// · scale, softmax (ggml's exp, sum in double, · 1/sum), weights rounded to f16,
/// out = Σ wₚ vₚ. The f16 dot products sum as llama.cpp's do: with `batched` (a prompt of
/// two or more tokens: tinyBLAS) in 8 lanes, otherwise (one token: ggml_vec_dot_f16) in
/// 32 slots folded another way. keys/values: f16 rows `stride` apart, this head's `d`
/// (a multiple of 8 up to 512) at offset 0 of each row. `scratch` holds count + 8 floats.
void ql_attend(const float *q, const uint16_t *keys, const uint16_t *values, int64_t stride, int32_t count, int32_t d,
               float scale, int32_t batched, float *scratch, float *out);

/// 1 when the AVX2 + FMA + F16C bodies are in use; `ql_force_portable(1)` selects the
/// portable ones (for tests).
int32_t ql_uses_avx2(void);
void ql_force_portable(int32_t on);

/// The bodies in use: 0 portable, 1 AVX2 + FMA + F16C, 2 also AVX-512 VNNI (two prompt
/// tokens per register for Q4_1). `ql_force_level(n)` caps it at n (tests; −1: no cap).
int32_t ql_level(void);
void ql_force_level(int32_t level);

#ifdef __cplusplus
}
#endif

#endif
