// A small C shim that loads OpenBLAS at run time and exposes the few calls Quarry needs.
//
// Why load at run time: OpenBLAS 0.3.21 does not recognise recent x86 CPUs and falls back
// to its SSE3 "Prescott" kernels, 4x slower than the AVX-512 ones. It reads
// OPENBLAS_CORETYPE in its library constructor, so the variable must be set before the
// library is loaded; linking it would load it before main(). qblas_load() chooses a core
// type the CPU supports (unless the environment already set one), then dlopen()s it.
#ifndef QUARRY_QBLAS_H
#define QUARRY_QBLAS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads OpenBLAS once (thread-safe; later calls return the first result).
/// Returns 0 on success; otherwise writes a message into `error` (NUL-terminated).
int32_t qblas_load(char *error, int32_t capacity);

/// The core type OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", …), after qblas_load.
void qblas_core_name(char *dest, int32_t capacity);

/// Where the core type came from: 0 environment (respected as set), 1 chosen by Quarry from
/// cpuid, 2 OpenBLAS's own detection (no supported extension found).
int32_t qblas_core_source(void);

/// Threads OpenBLAS may use for one call.
void qblas_set_threads(int32_t threads);

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, where op(X) is X
/// or its transpose (transA/transB non-zero). A is M×K (or K×M), B is K×N (or N×K).
void qblas_sgemm(int32_t transA, int32_t transB, int32_t m, int32_t n, int32_t k, float alpha,
                 const float *a, int32_t lda, const float *b, int32_t ldb, float beta, float *c, int32_t ldc);

#ifdef __cplusplus
}
#endif

#endif
