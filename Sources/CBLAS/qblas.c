// See include/qblas.h for why OpenBLAS is loaded at run time.
#include "qblas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef char *(*corename_fn)(void);
typedef void (*set_threads_fn)(int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static int core_source = 2;
static char load_error[256];
static sgemm_fn sgemm;
static corename_fn corename;
static set_threads_fn set_threads;

static void load(void) {
    const char *existing = getenv("OPENBLAS_CORETYPE");
    if (existing && existing[0]) {
        core_source = 0;
    } else {
        __builtin_cpu_init();
        // SkylakeX kernels need AVX-512 F, BW, DQ, VL, CD; Haswell needs AVX2 and FMA.
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd")) {
            setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
            core_source = 1;
        } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            setenv("OPENBLAS_CORETYPE", "Haswell", 0);
            core_source = 1;
        }
    }
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0", NULL};
    void *handle = NULL;
    for (int i = 0; names[i] && !handle; i++) handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(load_error, sizeof load_error, "cannot load OpenBLAS (install libopenblas-dev: scripts/setup): %s", dlerror());
        return;
    }
    sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    corename = (corename_fn)dlsym(handle, "openblas_get_corename");
    set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    if (!sgemm) {
        snprintf(load_error, sizeof load_error, "OpenBLAS has no cblas_sgemm");
        return;
    }
    load_status = 0;
}

int32_t qblas_load(char *error, int32_t capacity) {
    pthread_once(&once, load);
    if (load_status != 0 && error && capacity > 0) {
        strncpy(error, load_error, (size_t)capacity - 1);
        error[capacity - 1] = 0;
    }
    return load_status;
}

void qblas_core_name(char *dest, int32_t capacity) {
    if (capacity <= 0) return;
    const char *name = corename ? corename() : "unknown";
    strncpy(dest, name ? name : "unknown", (size_t)capacity - 1);
    dest[capacity - 1] = 0;
}

int32_t qblas_core_source(void) { return core_source; }

void qblas_set_threads(int32_t threads) {
    if (set_threads) set_threads(threads);
}

void qblas_sgemm(int32_t transA, int32_t transB, int32_t m, int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                 const float *b, int32_t ldb, float beta, float *c, int32_t ldc) {
    sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
