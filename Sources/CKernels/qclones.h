// Internal to CKernels (not in include/, so Swift does not see it): how the C kernels are
// compiled for several CPUs. `QUARRY_CLONES` marks a function to be built for AVX-512,
// AVX2 and baseline x86-64 and picked at load time (an ifunc), because the package's own
// target is baseline x86-64.
//
// Not under ThreadSanitizer: the clones' ifunc resolver runs while the dynamic loader
// relocates, before the sanitizer's runtime is set up, and its instrumented entry crashes.
#ifndef QUARRY_QCLONES_H
#define QUARRY_QCLONES_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QUARRY_NO_CLONES 1
#endif
#endif

#if defined(__x86_64__) && defined(__clang__) && !defined(QUARRY_NO_CLONES)
#define QUARRY_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define QUARRY_CLONES
#endif

#endif
