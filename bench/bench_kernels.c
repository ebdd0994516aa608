/* bench_kernels: speed of the layer core's convolution on the shapes that dominate training
 * (ResNet18 at 32x32 and LeNet, batch 64), next to a plain square sgemm that calibrates what
 * this machine's OpenBLAS reaches right now. Prints milliseconds (median of --repeat runs)
 * and GFLOP/s counted as 2*M*N*K per GEMM (forward 1 GEMM, backward 2: dX and dW).
 * --precision bf16 runs the convolutions with bf16 products (docs/numeric-core.md); --gemm
 * adds a table of single-threaded GEMMs of ResNet18's shapes, fp32 (cblas_sgemm) next to
 * bf16 (gemm_bf16.c), measured alternately; --pool adds one of GoogLeNet's 3x3 stride-1 max
 * pools (half a batch, as each of two threads pools its half), with the positions that
 * training keeps and with the values alone (a pool recomputed in backward, evaluation).
 *
 *   bench_kernels [--threads T] [--repeat R] [--batch N] [--precision fp32|bf16] [--gemm] [--pool]
 *
 * It links the static library and its internal headers: the kernels are not public API.
 * Machines are shared and noisy; compare ratios measured in one sitting. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "tensor/kernels.h"
#include "tensor/precision.h"

/* OpenBLAS's own controls (declared in its cblas.h on Debian). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *filled(size_t n, unsigned seed)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p) {
        fprintf(stderr, "bench_kernels: out of memory (%zu floats)\n", n);
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)((seed >> 8) & 0xFFFF) / 65536.0f - 0.5f;
    }
    return p;
}

/* The GEMMs of ResNet18 at 32x32 as one team member sees them (batch 32): Winograd's
 * per-position products (C_out x C_in times C_in x tiles, 256 tiles a chunk) and im2col's
 * (stem; strided layers: C_out x 9 C_in times 9 C_in x columns), forward (NN), dX (TN) and
 * dW (NT). */
typedef struct gemm_case {
    const char *name;
    bool ta, tb;
    int m, n, k;
} gemm_case;

static void gemm_table(int repeat, double *t)
{
    static const gemm_case cases[] = {
        { "square 1024 NN", false, false, 1024, 1024, 1024 },
        { "winograd 64 NN", false, false, 64, 256, 64 },
        { "winograd 128 NN", false, false, 128, 256, 128 },
        { "winograd 256 NN", false, false, 256, 256, 256 },
        { "winograd 512 NN", false, false, 512, 256, 512 },
        { "winograd dx 256 TN", true, false, 256, 256, 256 },
        { "winograd dW 256 NT", false, true, 256, 256, 256 },
        { "im2col stem 64x27x1024", false, false, 64, 1024, 27 },
        { "im2col s2 128x576x256", false, false, 128, 256, 576 },
        { "im2col dW 128x256x576 NT", false, true, 128, 576, 256 },
        { "im2col dx 576x128x256 TN", true, false, 576, 256, 128 },
    };
    const int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    /* Three products of each case, sample by sample in turn: OpenBLAS's cblas_sgemm
     * (CLASSSENS_GEMM=blas), the library's AVX-512 fp32 kernel (gemm_avx512.c, where the CPU
     * has it) and the bf16 kernel (gemm_bf16.c). */
    double *tv[3] = { t, malloc((size_t)repeat * sizeof *t), malloc((size_t)repeat * sizeof *t) };
    const char *saved = getenv("CLASSSENS_GEMM");
    char *saved_copy = saved ? strdup(saved) : NULL;
    const bool own = cs__sgemm_avx512_available();
    printf("%-26s %9s %8s %9s %8s %9s %8s\n", "GEMM, one thread", "BLAS ms", "GFLOP/s", own ? "AVX512 ms" : "-",
           "GFLOP/s", "bf16 ms", "GFLOP/s");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const gemm_case *g = &cases[i];
        float *a = filled((size_t)g->m * g->k, 1), *b = filled((size_t)g->k * g->n, 2);
        float *c = filled((size_t)g->m * g->n, 3);
        const int lda = g->ta ? g->m : g->k, ldb = g->tb ? g->k : g->n;
        /* Enough calls per sample for ~20 ms. */
        const double flop = 2.0 * g->m * g->n * g->k;
        const int calls = flop > 2e9 ? 1 : (int)(2e9 / flop);
        for (int r = 0; r < repeat; r++) {
            for (int p = 0; p < 3; p++) {
                if (p == 0)
                    setenv("CLASSSENS_GEMM", "blas", 1);
                else
                    unsetenv("CLASSSENS_GEMM");
                cs__precision_set(p == 2 ? CS_PRECISION_BF16 : CS_PRECISION_FP32);
                double t0 = now_ms();
                for (int j = 0; j < calls; j++)
                    cs__sgemm(g->ta, g->tb, g->m, g->n, g->k, 1.0f, a, lda, b, ldb, 0.0f, c, g->n);
                tv[p][r] = (now_ms() - t0) / calls;
            }
        }
        cs__precision_set(CS_PRECISION_FP32);
        double med[3];
        for (int p = 0; p < 3; p++) {
            qsort(tv[p], (size_t)repeat, sizeof *tv[p], cmp_double);
            med[p] = tv[p][repeat / 2];
        }
        printf("%-26s %9.3f %8.1f %9.3f %8.1f %9.3f %8.1f\n", g->name, med[0], flop / (med[0] * 1e6), med[1],
               flop / (med[1] * 1e6), med[2], flop / (med[2] * 1e6));
        free(a);
        free(b);
        free(c);
    }
    printf("\n");
    if (saved_copy)
        setenv("CLASSSENS_GEMM", saved_copy, 1);
    else
        unsetenv("CLASSSENS_GEMM");
    free(saved_copy);
    free(tv[1]);
    free(tv[2]);
    openblas_set_num_threads(blas_threads);
}

/* Max pools of GoogLeNet's inception blocks at 1x28x28 input (3x3, stride 1, padding 1),
 * nanoseconds per output: with positions (training's forward) and values alone, alternately. */
static void pool_table(int repeat, int batch, double *t)
{
    static const int shapes[][2] = { { 192, 28 }, { 480, 14 }, { 832, 7 } };
    const int n = batch > 1 ? batch / 2 : 1;
    double *tv[2] = { t, malloc((size_t)repeat * sizeof *t) };
    printf("%-26s %12s %12s  (%d images)\n", "max pool 3x3/1, one thread", "positions ns", "values ns", n);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        const int c = shapes[i][0], side = shapes[i][1];
        const size_t count = (size_t)n * (size_t)c * (size_t)side * (size_t)side;
        float *x = filled(count, 4), *y = malloc(count * sizeof *y);
        int32_t *at = malloc(count * sizeof *at);
        for (int r = 0; r < repeat; r++)
            for (int p = 0; p < 2; p++) {
                double t0 = now_ms();
                cs__maxpool_forward(y, p == 0 ? at : NULL, x, n, c, side, side, 3, 1, 1);
                tv[p][r] = (now_ms() - t0) * 1e6 / (double)count;
            }
        for (int p = 0; p < 2; p++)
            qsort(tv[p], (size_t)repeat, sizeof *tv[p], cmp_double);
        char name[32];
        snprintf(name, sizeof name, "%d x %dx%d", c, side, side);
        printf("%-26s %12.3f %12.3f\n", name, tv[0][repeat / 2], tv[1][repeat / 2]);
        free(x);
        free(y);
        free(at);
    }
    printf("\n");
    free(tv[1]);
}

typedef struct conv_case {
    const char *name;
    int c_in, side, c_out, k, stride, pad;
} conv_case;

int main(int argc, char **argv)
{
    int threads = 0, repeat = 5, batch = 64;
    bool bf16 = false, gemm = false, pool = false;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc)
            threads = atoi(argv[++a]);
        else if (strcmp(argv[a], "--repeat") == 0 && a + 1 < argc)
            repeat = atoi(argv[++a]);
        else if (strcmp(argv[a], "--batch") == 0 && a + 1 < argc)
            batch = atoi(argv[++a]);
        else if (strcmp(argv[a], "--precision") == 0 && a + 1 < argc && strcmp(argv[a + 1], "fp32") == 0)
            bf16 = false, a++;
        else if (strcmp(argv[a], "--precision") == 0 && a + 1 < argc && strcmp(argv[a + 1], "bf16") == 0)
            bf16 = true, a++;
        else if (strcmp(argv[a], "--gemm") == 0)
            gemm = true;
        else if (strcmp(argv[a], "--pool") == 0)
            pool = true;
        else {
            fprintf(stderr, "usage: bench_kernels [--threads T] [--repeat R] [--batch N] [--precision fp32|bf16] "
                    "[--gemm] [--pool]\n");
            return 2;
        }
    }
    if (repeat < 1 || repeat > 1000 || batch < 1 || batch > 4096 || threads < 0 || threads > 256) {
        fprintf(stderr, "bench_kernels: --repeat 1..1000, --batch 1..4096, --threads 0..256\n");
        return 2;
    }
    if ((bf16 || gemm) && cs__bf16_check("bench_kernels") != 0) {
        fprintf(stderr, "%s\n", cs_last_error());
        return 1;
    }
    if (threads > 0)
        openblas_set_num_threads(threads);
    printf("OpenBLAS threads: %d, batch %d, median of %d runs\n\n", openblas_get_num_threads(), batch, repeat);

    double *t = malloc((size_t)repeat * sizeof *t);
    /* Calibration: a square sgemm of 2048. */
    {
        const int n = 2048;
        float *a = filled((size_t)n * n, 1), *b = filled((size_t)n * n, 2), *c = filled((size_t)n * n, 3);
        for (int r = 0; r < repeat; r++) {
            double t0 = now_ms();
            cs__sgemm(false, false, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            t[r] = now_ms() - t0;
        }
        qsort(t, (size_t)repeat, sizeof *t, cmp_double);
        printf("%-26s %9.2f ms %8.1f GFLOP/s\n\n", "sgemm 2048^3", t[repeat / 2],
               2.0 * n * n * n / (t[repeat / 2] * 1e6));
        free(a);
        free(b);
        free(c);
    }

    static const conv_case cases[] = {
        { "resnet18 stem 3->64 32x32", 3, 32, 64, 3, 1, 1 },
        { "resnet18 layer1 64 32x32", 64, 32, 64, 3, 1, 1 },
        { "resnet18 layer2 128 16x16", 128, 16, 128, 3, 1, 1 },
        { "resnet18 layer3 256 8x8", 256, 8, 256, 3, 1, 1 },
        { "resnet18 layer4 512 4x4", 512, 4, 512, 3, 1, 1 },
        { "resnet18 shortcut 1x1 s2", 64, 32, 128, 1, 2, 0 },
        { "googlenet 1x1 480->192 8x8", 480, 8, 192, 1, 1, 0 },
        { "lenet conv1 3->6 5x5 32", 3, 32, 6, 5, 1, 0 },
        { "lenet conv2 6->16 5x5 14", 6, 14, 16, 5, 1, 0 },
    };
    if (gemm)
        gemm_table(repeat, t);
    if (pool)
        pool_table(repeat, batch, t);
    /* The convolutions' products in the chosen precision (bf16 runs single-threaded). */
    cs__precision_set(bf16 ? CS_PRECISION_BF16 : CS_PRECISION_FP32);
    printf("%-26s %12s %10s %12s %10s  (%s)\n", "convolution", "forward ms", "GFLOP/s", "backward ms", "GFLOP/s",
           bf16 ? "bf16" : "fp32");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const conv_case *cc = &cases[i];
        cs__conv_shape s;
        if (!cs__conv_shape_init(&s, batch, cc->c_in, cc->side, cc->side, cc->c_out, cc->k, cc->k, cc->stride,
                                 cc->pad))
            continue;
        size_t nx = (size_t)batch * cc->c_in * cc->side * cc->side;
        size_t ny = (size_t)batch * cc->c_out * s.h_out * s.w_out;
        size_t nw = (size_t)cc->c_out * cc->c_in * cc->k * cc->k;
        float *x = filled(nx, 4), *w = filled(nw, 5), *y = filled(ny, 6), *dy = filled(ny, 7);
        float *dx = filled(nx, 8), *dw = filled(nw, 9), *db = filled((size_t)cc->c_out, 10);
        float *work = filled(cs__conv_workspace(&s), 11);
        double flop = 2.0 * (double)cc->c_out * (double)cc->c_in * cc->k * cc->k * (double)s.h_out * s.w_out * batch;
        for (int r = 0; r < repeat; r++) {
            double t0 = now_ms();
            cs__conv2d_forward(y, x, w, NULL, &s, work);
            t[r] = now_ms() - t0;
        }
        qsort(t, (size_t)repeat, sizeof *t, cmp_double);
        double fwd = t[repeat / 2];
        for (int r = 0; r < repeat; r++) {
            double t0 = now_ms();
            cs__conv2d_backward(dx, dw, db, dy, x, w, &s, work);
            t[r] = now_ms() - t0;
        }
        qsort(t, (size_t)repeat, sizeof *t, cmp_double);
        double bwd = t[repeat / 2];
        printf("%-26s %12.2f %10.1f %12.2f %10.1f\n", cc->name, fwd, flop / (fwd * 1e6), bwd,
               2.0 * flop / (bwd * 1e6));
        free(x);
        free(w);
        free(y);
        free(dy);
        free(dx);
        free(dw);
        free(db);
        free(work);
    }
    free(t);
    return 0;
}
