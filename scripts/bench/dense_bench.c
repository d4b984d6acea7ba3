// Side by side, one process: Quarry's qk_dense (Sources/CKernels) against OpenBLAS sgemm (one
// thread, the call BertModel made before) for MiniLM's four dense layers (K×N: 384×1152,
// 384×384, 384×1536, 1536×384), six layers' worth of distinct weights so they come from
// cache levels as in a real forward pass, at M = 1 … 128 rows (a query is 8–16 tokens).
// Prints the median time of one six-layer pass per M for both and the ratio, and checks the
// two agree (max |difference| relative to the largest |value|). Built and run by dense.sh.
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qkernels.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { LAYERS = 6, SHAPES = 4, RUNS = 200 };
static const int shapes[SHAPES][2] = {{384, 1152}, {384, 384}, {384, 1536}, {1536, 384}};  // K, N

int main(void) {
    openblas_set_num_threads(1);
    float *weights[LAYERS][SHAPES], *bias = malloc(1536 * sizeof(float));
    unsigned state = 12345;
    for (int l = 0; l < LAYERS; l++)
        for (int s = 0; s < SHAPES; s++) {
            size_t count = (size_t)shapes[s][0] * shapes[s][1];
            weights[l][s] = aligned_alloc(64, count * sizeof(float));
            for (size_t i = 0; i < count; i++) {
                state = state * 1664525u + 1013904223u;
                weights[l][s][i] = ((state >> 8) / 16777216.0f - 0.5f) * 0.1f;
            }
        }
    for (int i = 0; i < 1536; i++) bias[i] = 0.01f * (i % 7);
    float *a = aligned_alloc(64, 128 * 1536 * sizeof(float));
    float *c1 = aligned_alloc(64, 128 * 1536 * sizeof(float)), *c2 = aligned_alloc(64, 128 * 1536 * sizeof(float));
    for (int i = 0; i < 128 * 1536; i++) a[i] = sinf((float)i);
    int rows[] = {1, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128};
    printf("%5s %14s %14s %8s %12s\n", "M", "qk_dense ms", "openblas ms", "ratio", "max rel diff");
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        int m = rows[r];
        double ours[RUNS], theirs[RUNS], worst = 0;
        for (int run = 0; run < RUNS; run++) {
            double t0 = now();
            for (int l = 0; l < LAYERS; l++)
                for (int s = 0; s < SHAPES; s++)
                    qk_dense(a, shapes[s][0], weights[l][s], shapes[s][1], c1, shapes[s][1], m, shapes[s][1], shapes[s][0], bias);
            double t1 = now();
            for (int l = 0; l < LAYERS; l++)
                for (int s = 0; s < SHAPES; s++) {
                    int k = shapes[s][0], n = shapes[s][1];
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, weights[l][s], n, 0.0f, c2, n);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) c2[i * n + j] += bias[j];
                }
            double t2 = now();
            ours[run] = t1 - t0;
            theirs[run] = t2 - t1;
        }
        // The last layer's outputs, compared.
        int n = shapes[SHAPES - 1][1];
        double largest = 0;
        for (int i = 0; i < m * n; i++) largest = fmax(largest, fabs(c2[i]));
        for (int i = 0; i < m * n; i++) worst = fmax(worst, fabs(c1[i] - c2[i]) / largest);
        qsort(ours, RUNS, sizeof(double), compare);
        qsort(theirs, RUNS, sizeof(double), compare);
        double a50 = ours[RUNS / 2] * 1e3, b50 = theirs[RUNS / 2] * 1e3;
        printf("%5d %14.3f %14.3f %7.2fx %12.1e\n", m, a50, b50, b50 / a50, worst);
    }
    return 0;
}
