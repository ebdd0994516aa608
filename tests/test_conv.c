/* GEMM and 2-D convolution kernels: cs__sgemm against a naive product, convolution forward
 * against a direct convolution in double, backward against finite differences in double, and
 * the contract of kernels.h (accumulation, NULL gradients, exact workspace, determinism). */
#define _POSIX_C_SOURCE 200809L /* setenv */

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "fixtures.h"
#include "tensor/kernels.h"
#include "tensor/winograd.h"

/* ---- test data ------------------------------------------------------------------------------ */

/* malloc that fails the test rather than returning NULL (and is never asked for 0 bytes). */
static void *test_malloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* Free `count` blocks. */
static void free_all(int count, ...)
{
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        free(va_arg(ap, void *));
    va_end(ap);
}

/* splitmix64: a seeded stream, so every test sees the same numbers on every run. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* n floats uniform in [-1, 1); malloc'd. */
static float *random_floats(size_t n, uint64_t seed)
{
    float *p = test_malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((double)(next_u64(&seed) >> 40) / (double)(1u << 23) - 1.0);
    return p;
}

static float *zero_floats(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    return p;
}

static double *to_double(const float *p, size_t n)
{
    double *d = test_malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = p[i];
    return d;
}

/* max |got - want| / max |want|: the error relative to the scale of the whole tensor, so that
 * entries that cancel to almost 0 are not held to a relative precision float cannot give.
 * Infinite where got holds a NaN (which fmax would silently skip). */
static double rel_err(const float *got, const double *want, size_t n)
{
    double err = 0.0, scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double d = fabs((double)got[i] - want[i]);
        if (isnan(d))
            return INFINITY;
        err = fmax(err, d);
        scale = fmax(scale, fabs(want[i]));
    }
    return err / (scale > 0.0 ? scale : 1.0);
}

/* ---- GEMM ------------------------------------------------------------------------------------ */

/* Element (i, j) of op(X), X stored row-major with row stride ld. */
static double at(const float *x, int ld, bool trans, int i, int j)
{
    return trans ? x[(size_t)j * ld + i] : x[(size_t)i * ld + j];
}

static void check_sgemm(int m, int n, int k, float alpha, float beta, uint64_t seed)
{
    for (int t = 0; t < 4; t++) {
        const bool ta = t & 1, tb = t & 2;
        /* Leading dimensions beyond the minimum, so that a wrapper ignoring them fails. */
        const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
        const int a_rows = ta ? k : m, b_rows = tb ? n : k;
        float *a = random_floats((size_t)a_rows * lda, seed + 1);
        float *b = random_floats((size_t)b_rows * ldb, seed + 2);
        float *c = random_floats((size_t)m * ldc, seed + 3);
        float *c0 = test_malloc((size_t)m * ldc * sizeof *c0);
        memcpy(c0, c, (size_t)m * ldc * sizeof *c0);

        cs__sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                const size_t ij = (size_t)i * ldc + j;
                if (j >= n) { /* the stride padding of C is not C */
                    ck_assert_msg(memcmp(&c[ij], &c0[ij], sizeof *c) == 0,
                                  "trans %d%d wrote C's padding at (%d, %d)", ta, tb, i, j);
                    continue;
                }
                double want = beta * (double)c0[ij], mag = fabs(want);
                for (int p = 0; p < k; p++) {
                    const double term = alpha * at(a, lda, ta, i, p) * at(b, ldb, tb, p, j);
                    want += term;
                    mag += fabs(term);
                }
                /* float rounding: a few ulps of the sum of the magnitudes of the terms */
                ck_assert_msg(fabs(c[ij] - want) <= 1e-6 * (mag + 1.0),
                              "trans %d%d m%d n%d k%d: C(%d, %d) = %.9g, want %.9g", ta, tb, m,
                              n, k, i, j, (double)c[ij], want);
            }
        }
        free(a);
        free(b);
        free(c);
        free(c0);
    }
}

/* Both fp32 products cs__sgemm may use: OpenBLAS's (CLASSSENS_GEMM=blas) and, where the CPU
 * has AVX-512, the library's own (gemm_avx512.c). */
static void check_sgemm_both(int m, int n, int k, float alpha, float beta, uint64_t seed)
{
    ck_assert_int_eq(setenv("CLASSSENS_GEMM", "blas", 1), 0);
    check_sgemm(m, n, k, alpha, beta, seed);
    ck_assert_int_eq(unsetenv("CLASSSENS_GEMM"), 0);
    check_sgemm(m, n, k, alpha, beta, seed);
}

START_TEST(sgemm_matches_naive_product_for_all_transposes)
{
    check_sgemm_both(7, 5, 9, 0.75f, -1.25f, 10);
    check_sgemm_both(1, 13, 3, -2.0f, 0.5f, 20);
    check_sgemm_both(67, 45, 133, 1.5f, 1.0f, 30); /* big enough for OpenBLAS's blocked kernels */
    check_sgemm_both(9, 33, 1, 1.0f, 0.0f, 35);   /* one k; one column past a 32-column panel */
}
END_TEST

/* The AVX-512 kernel's blocks: 8-row and 32-column register tiles, 128 rows (MC), 256 k (KC)
 * and 1024 columns (NC) per cache block; sizes one past each, so that every edge of every
 * block is computed, in all four layouts. */
START_TEST(sgemm_crosses_the_cache_blocks_of_the_avx512_kernel)
{
    check_sgemm_both(129, 37, 257, -0.5f, 2.0f, 40);
    check_sgemm_both(17, 1025, 31, 1.0f, 0.0f, 50);
}
END_TEST

/* Where the kernel runs, cs__sgemm is it (bit for bit), and it is deterministic: the same
 * operands give the same bits on every call; CLASSSENS_GEMM=blas gives OpenBLAS's bits. */
START_TEST(sgemm_prefers_the_avx512_kernel_and_repeats_its_bits)
{
    const int m = 70, n = 90, k = 300;
    float *a = random_floats((size_t)m * k, 60), *b = random_floats((size_t)k * n, 61);
    float *c1 = zero_floats((size_t)m * n), *c2 = zero_floats((size_t)m * n), *c3 = zero_floats((size_t)m * n);
    cs__sgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c1, n);
    cs__sgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c2, n);
    ck_assert_int_eq(memcmp(c1, c2, (size_t)m * n * sizeof *c1), 0);
    if (cs__sgemm_avx512_available()) {
        ck_assert(cs__sgemm_avx512(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c3, n));
        ck_assert_int_eq(memcmp(c1, c3, (size_t)m * n * sizeof *c1), 0);
    }
    ck_assert_int_eq(setenv("CLASSSENS_GEMM", "blas", 1), 0);
    ck_assert(!cs__sgemm_avx512_available());
    ck_assert(!cs__sgemm_avx512(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c3, n));
    cs__sgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c2, n);
    ck_assert_int_eq(unsetenv("CLASSSENS_GEMM"), 0);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c3, n);
    ck_assert_int_eq(memcmp(c2, c3, (size_t)m * n * sizeof *c2), 0);
    free_all(5, a, b, c1, c2, c3);
}
END_TEST

START_TEST(sgemm_with_beta_zero_ignores_the_old_c)
{
    for (int blas = 0; blas < 2; blas++) {
        ck_assert_int_eq(blas ? setenv("CLASSSENS_GEMM", "blas", 1) : unsetenv("CLASSSENS_GEMM"), 0);
        float a[6] = { 1, 2, 3, 4, 5, 6 }, b[6] = { 1, 0, 0, 1, 1, 1 }; /* (2x3) (3x2) */
        float c[4] = { NAN, NAN, INFINITY, NAN };
        cs__sgemm(false, false, 2, 2, 3, 2.0f, a, 3, b, 2, 0.0f, c, 2);
        const float want[4] = { 8, 10, 20, 22 };
        for (int i = 0; i < 4; i++)
            ck_assert_float_eq(c[i], want[i]);
    }
    ck_assert_int_eq(unsetenv("CLASSSENS_GEMM"), 0);
}
END_TEST

START_TEST(sgemm_with_empty_inner_dimension_scales_c)
{
    float c[2 * 4] = { 1, 2, 3, 99, -4, 5, -6, 99 }; /* 2 x 3, ldc 4 */
    cs__sgemm(false, true, 2, 3, 0, 1.0f, NULL, 0, NULL, 0, -0.5f, c, 4);
    const float scaled[8] = { -0.5f, -1, -1.5f, 99, 2, -2.5f, 3, 99 };
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq(c[i], scaled[i]);
    cs__sgemm(true, false, 2, 3, 0, 1.0f, NULL, 0, NULL, 0, 1.0f, c, 4);
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq(c[i], scaled[i]);
    c[0] = NAN;
    cs__sgemm(false, false, 2, 3, 0, 1.0f, NULL, 0, NULL, 0, 0.0f, c, 4);
    const float zeroed[8] = { 0, 0, 0, 99, 0, 0, 0, 99 };
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq(c[i], zeroed[i]);
    /* An empty C touches nothing, not even through NULL operands. */
    cs__sgemm(false, false, 0, 3, 2, 1.0f, NULL, 2, NULL, 3, 0.0f, NULL, 3);
    cs__sgemm(false, false, 2, 0, 2, 1.0f, NULL, 2, NULL, 0, 0.0f, c, 0);
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq(c[i], zeroed[i]);
}
END_TEST

/* ---- convolution shapes and the double reference -------------------------------------------- */

typedef struct conv_case {
    const char *name;
    int n, c_in, h, w, c_out, kh, kw, stride, pad;
} conv_case;

/* Small enough for finite differences over every input, weight and bias. Between them they
 * cover the fast path, one-image tiles (HWo >= 256), multi-image tiles with a short last
 * tile, windows wholly in the padding, strides larger than the kernel and kh != kw, the
 * wide-grid path of unpadded stride-1 kernels (one- and multi-image tiles), and the Winograd
 * path of 3x3 pad-1 kernels with 16 or more channels (odd planes, whose last tiles overhang,
 * down to 1x1; forward and dx, their dW having too few channels for Winograd; F(4x4) in
 * winograd_f4_backward_matches_finite_differences_at_sampled_entries;
 * winograd_matches_direct_convolution_across_chunks adds larger shapes and Winograd's dW). */
static const conv_case grad_cases[] = {
    { "3x3 pad 1 stride 1", 2, 2, 5, 5, 3, 3, 3, 1, 1 },
    { "3x3 pad 1 stride 2, 7x6 input", 3, 2, 7, 6, 3, 3, 3, 2, 1 },
    { "5x5 pad 0 (LeNet)", 2, 2, 9, 9, 3, 5, 5, 1, 0 },
    { "5x5 pad 2, tiles of 4 + 1 images", 5, 1, 8, 8, 2, 5, 5, 1, 2 },
    { "1x1 stride 1 (fast path)", 2, 3, 4, 5, 2, 1, 1, 1, 0 },
    { "1x1 stride 2 (projection)", 2, 3, 5, 5, 2, 1, 1, 2, 0 },
    { "7x7 pad 3 stride 2 (stem)", 2, 2, 8, 8, 2, 7, 7, 2, 3 },
    { "3x3 pad 1, non-square 5x7", 3, 2, 5, 7, 3, 3, 3, 1, 1 },
    { "2x3 pad 2 stride 3", 2, 2, 6, 5, 3, 2, 3, 3, 2 },
    { "3x3 pad 1, one-image tiles", 2, 1, 16, 16, 2, 3, 3, 1, 1 },
    { "1x3 pad 1, output rows all padding", 2, 2, 4, 5, 2, 1, 3, 1, 1 },
    { "2x3 pad 0 (wide grid), tiles of 3 + 1 images", 4, 1, 11, 10, 2, 2, 3, 1, 0 },
    { "3x3 pad 0 (wide grid), one-image tiles", 1, 2, 20, 18, 2, 3, 3, 1, 0 },
    { "3x3 pad 1 Winograd 16->16, 3x5", 1, 16, 3, 5, 16, 3, 3, 1, 1 },
    { "3x3 pad 1 Winograd 16->24, 1x1 planes", 2, 16, 1, 1, 24, 3, 3, 1, 1 },
    { "3x3 pad 1 Winograd 24->16, 2x1 plane", 1, 24, 2, 1, 16, 3, 3, 1, 1 },
};

/* Forward only: realistic sizes on top of the gradient cases. */
static const conv_case forward_cases[] = {
    { "LeNet conv1", 2, 3, 32, 32, 6, 5, 5, 1, 0 },
    { "LeNet conv2", 3, 6, 14, 14, 16, 5, 5, 1, 0 },
    { "ResNet18 layer1, 8 channels", 2, 8, 32, 32, 8, 3, 3, 1, 1 },
    { "ResNet18 stem 7x7 stride 2", 2, 3, 32, 32, 8, 7, 7, 2, 3 },
    { "ResNet18 layer4-like 4x4 (Winograd)", 3, 16, 4, 4, 24, 3, 3, 1, 1 },
    { "ResNet18 layer1-like 32x32 (Winograd)", 2, 16, 32, 32, 16, 3, 3, 1, 1 },
    { "two 3x3 planes (Winograd)", 2, 16, 3, 3, 16, 3, 3, 1, 1 },
    { "ResNet18 layer1 at 28x28 (Winograd F(4x4))", 2, 16, 28, 28, 16, 3, 3, 1, 1 },
    { "GoogLeNet 1x1", 3, 12, 8, 8, 10, 1, 1, 1, 0 },
    { "custom conv4 3x3 pad 0", 3, 8, 15, 15, 8, 3, 3, 1, 0 },
};

static cs__conv_shape shape_of(const conv_case *c)
{
    cs__conv_shape s;
    ck_assert_msg(cs__conv_shape_init(&s, c->n, c->c_in, c->h, c->w, c->c_out, c->kh, c->kw,
                                      c->stride, c->pad),
                  "%s: shape rejected", c->name);
    return s;
}

static size_t x_count(const cs__conv_shape *s)
{
    return (size_t)s->n * s->c_in * s->h_in * s->w_in;
}
static size_t y_count(const cs__conv_shape *s)
{
    return (size_t)s->n * s->c_out * s->h_out * s->w_out;
}
static size_t w_count(const cs__conv_shape *s)
{
    return (size_t)s->c_out * s->c_in * s->kh * s->kw;
}

/* The workspace, exactly as large as cs__conv_workspace says, so that ASan catches overruns;
 * NULL where it says 0 (the fast path), so that any use of it crashes. It starts as NaN, so
 * that a kernel reading scratch it has not written spoils its results. */
static float *workspace(const cs__conv_shape *s)
{
    const size_t n = cs__conv_workspace(s);
    if (n == 0)
        return NULL;
    float *p = test_malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = NAN;
    return p;
}

/* The definition of the convolution, written directly in double. */
static void ref_conv(double *y, const double *x, const double *w, const double *b,
                     const cs__conv_shape *s)
{
    const size_t x_img = (size_t)s->c_in * s->h_in * s->w_in;
    const size_t w_filter = (size_t)s->c_in * s->kh * s->kw;
    for (int n = 0; n < s->n; n++)
        for (int co = 0; co < s->c_out; co++)
            for (int oh = 0; oh < s->h_out; oh++)
                for (int ow = 0; ow < s->w_out; ow++) {
                    const double *xn = x + (size_t)n * x_img, *wf = w + (size_t)co * w_filter;
                    double acc = b ? b[co] : 0.0;
                    for (int ci = 0; ci < s->c_in; ci++)
                        for (int ki = 0; ki < s->kh; ki++)
                            for (int kj = 0; kj < s->kw; kj++) {
                                const int ih = oh * s->stride - s->pad + ki;
                                const int iw = ow * s->stride - s->pad + kj;
                                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in)
                                    continue;
                                acc += xn[((size_t)ci * s->h_in + ih) * s->w_in + iw] *
                                       wf[((size_t)ci * s->kh + ki) * s->kw + kj];
                            }
                    y[((size_t)(n * s->c_out + co) * s->h_out + oh) * s->w_out + ow] = acc;
                }
}

/* ---- forward --------------------------------------------------------------------------------- */

static void check_forward(const conv_case *c, bool bias, uint64_t seed)
{
    const cs__conv_shape s = shape_of(c);
    float *x = random_floats(x_count(&s), seed), *w = random_floats(w_count(&s), seed + 1);
    float *b = random_floats((size_t)s.c_out, seed + 2), *work = workspace(&s);
    float *y = test_malloc(y_count(&s) * sizeof *y);
    for (size_t i = 0; i < y_count(&s); i++)
        y[i] = NAN; /* the forward overwrites y */
    double *xd = to_double(x, x_count(&s)), *wd = to_double(w, w_count(&s));
    double *bd = to_double(b, (size_t)s.c_out), *yd = test_malloc(y_count(&s) * sizeof *yd);

    cs__conv2d_forward(y, x, w, bias ? b : NULL, &s, work);
    ref_conv(yd, xd, wd, bias ? bd : NULL, &s);
    /* Each output sums at most C_in*KH*KW + 1 = 151 float products of magnitude <= 1;
     * float rounding leaves them about 1e-7 (a few ulps) of the tensor's scale apart from
     * the exact value; 1e-5 is that with a wide margin, while any indexing slip is O(1). */
    const double err = rel_err(y, yd, y_count(&s));
    ck_assert_msg(err < 1e-5, "%s%s: forward error %.3g", c->name, bias ? " + bias" : "", err);

    free_all(9, x, w, b, work, y, xd, wd, bd, yd);
}

START_TEST(forward_matches_direct_convolution_in_double)
{
    for (size_t i = 0; i < sizeof grad_cases / sizeof *grad_cases; i++) {
        check_forward(&grad_cases[i], true, 100 + 10 * i);
        check_forward(&grad_cases[i], false, 200 + 10 * i);
    }
    for (size_t i = 0; i < sizeof forward_cases / sizeof *forward_cases; i++) {
        check_forward(&forward_cases[i], true, 300 + 10 * i);
        check_forward(&forward_cases[i], false, 400 + 10 * i);
    }
}
END_TEST

/* ---- backward: finite differences in double -------------------------------------------------- */

/* L = sum(y * g) on the double reference; scratch yd (y_count). */
static double ref_loss(double *yd, const double *x, const double *w, const double *b,
                       const double *g, const cs__conv_shape *s)
{
    ref_conv(yd, x, w, b, s);
    double l = 0.0;
    for (size_t i = 0; i < y_count(s); i++)
        l += yd[i] * g[i];
    return l;
}

/* Central differences of L with respect to each of the n entries of p (one of x, w, b). */
static void numeric_grad(double *grad, double *p, size_t n, double *yd, double *x, double *w,
                         double *b, const double *g, const cs__conv_shape *s)
{
    const double eps = 1e-4;
    for (size_t i = 0; i < n; i++) {
        const double v = p[i];
        p[i] = v + eps;
        const double up = ref_loss(yd, x, w, b, g, s);
        p[i] = v - eps;
        const double down = ref_loss(yd, x, w, b, g, s);
        p[i] = v;
        grad[i] = (up - down) / (2.0 * eps);
    }
}

START_TEST(backward_matches_finite_differences_in_double)
{
    for (size_t t = 0; t < sizeof grad_cases / sizeof *grad_cases; t++) {
        const conv_case *c = &grad_cases[t];
        const cs__conv_shape s = shape_of(c);
        const size_t nx = x_count(&s), nw = w_count(&s), nb = (size_t)s.c_out, ny = y_count(&s);
        const uint64_t seed = 1000 + 10 * t;
        float *x = random_floats(nx, seed), *w = random_floats(nw, seed + 1);
        float *g = random_floats(ny, seed + 3), *work = workspace(&s);
        float *dx = zero_floats(nx), *dw = zero_floats(nw), *db = zero_floats(nb);
        double *xd = to_double(x, nx), *wd = to_double(w, nw), *gd = to_double(g, ny);
        double *bd = to_double(g, nb); /* any bias: L is linear in it */
        double *yd = test_malloc(ny * sizeof *yd), *num = test_malloc((nx + nw + nb) * sizeof *num);

        cs__conv2d_backward(dx, dw, db, g, x, w, &s, work);
        numeric_grad(num, xd, nx, yd, xd, wd, bd, gd, &s);
        numeric_grad(num + nx, wd, nw, yd, xd, wd, bd, gd, &s);
        numeric_grad(num + nx + nw, bd, nb, yd, xd, wd, bd, gd, &s);

        /* L is linear in each of x, w and b, so the central difference has no truncation
         * error: it is exact up to double rounding, |L| * 1e-16 / eps ~ 1e-10. What remains
         * is the kernel's float rounding over sums of at most 512 products (dW), measured at
         * 1e-7 of the gradient's scale. 1e-4 leaves three orders of magnitude of margin and
         * still fails any misplaced or missing term, which is O(1). */
        const double ex = rel_err(dx, num, nx), ew = rel_err(dw, num + nx, nw);
        const double eb = rel_err(db, num + nx + nw, nb);
        ck_assert_msg(ex < 1e-4, "%s: dx error %.3g", c->name, ex);
        ck_assert_msg(ew < 1e-4, "%s: dw error %.3g", c->name, ew);
        ck_assert_msg(eb < 1e-4, "%s: db error %.3g", c->name, eb);

        free_all(13, x, w, g, work, dx, dw, db, xd, wd, gd, bd, yd, num);
    }
}
END_TEST

/* F(4x4) (planes of 12 or more a side) against central differences as above, on entries
 * sampled every `step` (all of them would take ~10^10 multiply-adds): 16 channels on 13x12
 * (4 x 3 tiles, the last row and column overhanging; forward and dx by F(4x4), dW by im2col)
 * and 64 on 12x13, where dW is F(4x4)'s too. Bound 1e-4 as above: F(4x4)'s rounding stays
 * within a few 1e-6 of the scale at these channel counts (see
 * winograd_matches_direct_convolution_across_chunks). */
START_TEST(winograd_f4_backward_matches_finite_differences_at_sampled_entries)
{
    static const struct {
        conv_case c;
        size_t step;
    } cases[] = {
        { { "Winograd F(4x4) 16->16 13x12", 1, 16, 13, 12, 16, 3, 3, 1, 1 }, 61 },
        { { "Winograd F(4x4) 64->64 12x13", 1, 64, 12, 13, 64, 3, 3, 1, 1 }, 997 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        const conv_case *c = &cases[t].c;
        const size_t step = cases[t].step;
        const cs__conv_shape s = shape_of(c);
        ck_assert(cs__winograd_applies(&s));
        const size_t nx = x_count(&s), nw = w_count(&s), nb = (size_t)s.c_out, ny = y_count(&s);
        float *x = random_floats(nx, 7000 + t), *w = random_floats(nw, 7100 + t);
        float *g = random_floats(ny, 7200 + t), *work = workspace(&s);
        float *dx = zero_floats(nx), *dw = zero_floats(nw), *db = zero_floats(nb);
        double *xd = to_double(x, nx), *wd = to_double(w, nw), *gd = to_double(g, ny);
        double *bd = to_double(g, nb), *yd = test_malloc(ny * sizeof *yd);

        cs__conv2d_backward(dx, dw, db, g, x, w, &s, work);
        /* the scale of each gradient from its analytic values, the error at sampled entries */
        const struct {
            const float *got;
            double *p;
            size_t n;
            const char *what;
        } grads[2] = { { dx, xd, nx, "dx" }, { dw, wd, nw, "dw" } };
        for (int k = 0; k < 2; k++) {
            double scale = 0.0, err = 0.0, num;
            for (size_t i = 0; i < grads[k].n; i++)
                scale = fmax(scale, fabs((double)grads[k].got[i]));
            for (size_t i = t % 7; i < grads[k].n; i += step) {
                numeric_grad(&num, grads[k].p + i, 1, yd, xd, wd, bd, gd, &s);
                err = fmax(err, fabs(num - (double)grads[k].got[i]));
            }
            ck_assert_msg(err < 1e-4 * scale, "%s: %s error %.3g of %.3g", c->name, grads[k].what, err, scale);
        }
        free_all(12, x, w, g, work, dx, dw, db, xd, wd, gd, bd, yd);
    }
}
END_TEST

/* ---- backward: the accumulation contract ----------------------------------------------------- */

/* Runs of backward on one case's data, keeping the inputs fixed. */
typedef struct bwd_run {
    cs__conv_shape s;
    float *x, *w, *dy, *work;
} bwd_run;

static bwd_run bwd_setup(const conv_case *c, uint64_t seed)
{
    bwd_run r = { .s = shape_of(c) };
    r.x = random_floats(x_count(&r.s), seed);
    r.w = random_floats(w_count(&r.s), seed + 1);
    r.dy = random_floats(y_count(&r.s), seed + 2);
    r.work = workspace(&r.s);
    return r;
}

static void bwd_free(bwd_run *r)
{
    free_all(4, r->x, r->w, r->dy, r->work);
}

static void expect_close(const float *got, const float *want, size_t n, const char *what,
                         const char *name)
{
    double *wd = to_double(want, n);
    const double err = rel_err(got, wd, n);
    ck_assert_msg(err < 1e-6, "%s: %s off by %.3g", name, what, err);
    free(wd);
}

START_TEST(backward_accumulates_into_every_gradient)
{
    for (size_t t = 0; t < sizeof grad_cases / sizeof *grad_cases; t++) {
        const conv_case *c = &grad_cases[t];
        bwd_run r = bwd_setup(c, 2000 + 10 * t);
        const size_t n[3] = { x_count(&r.s), w_count(&r.s), (size_t)r.s.c_out };
        const char *names[3] = { "dx", "dw", "db" };
        float *once[3], *held[3], *acc[3], *want[3];
        for (int i = 0; i < 3; i++) {
            once[i] = zero_floats(n[i]);
            held[i] = random_floats(n[i], 2100 + i); /* gradients the caller already holds */
            acc[i] = test_malloc(n[i] * sizeof *acc[i]);
            memcpy(acc[i], held[i], n[i] * sizeof *acc[i]);
            want[i] = test_malloc(n[i] * sizeof *want[i]);
        }
        cs__conv2d_backward(once[0], once[1], once[2], r.dy, r.x, r.w, &r.s, r.work);
        /* After k calls each gradient is what it held plus k times one call's gradient (up
         * to float rounding of the additions, hence a tolerance rather than equality). */
        for (int calls = 1; calls <= 2; calls++) {
            cs__conv2d_backward(acc[0], acc[1], acc[2], r.dy, r.x, r.w, &r.s, r.work);
            for (int i = 0; i < 3; i++) {
                for (size_t j = 0; j < n[i]; j++)
                    want[i][j] = held[i][j] + (float)calls * once[i][j];
                expect_close(acc[i], want[i], n[i], names[i], c->name);
            }
        }
        for (int i = 0; i < 3; i++)
            free_all(4, once[i], held[i], acc[i], want[i]);
        bwd_free(&r);
    }
}
END_TEST

START_TEST(backward_skips_null_gradients)
{
    for (size_t t = 0; t < sizeof grad_cases / sizeof *grad_cases; t++) {
        const conv_case *c = &grad_cases[t];
        bwd_run r = bwd_setup(c, 3000 + 10 * t);
        const size_t n[3] = { x_count(&r.s), w_count(&r.s), (size_t)r.s.c_out };
        float *all[3], *some[3];
        for (int i = 0; i < 3; i++)
            all[i] = zero_floats(n[i]);
        cs__conv2d_backward(all[0], all[1], all[2], r.dy, r.x, r.w, &r.s, r.work);
        /* Every subset of the gradients, the empty one included: those asked for come out
         * bit-identical to a full call's (each is computed on its own). */
        for (int mask = 0; mask < 8; mask++) {
            for (int i = 0; i < 3; i++)
                some[i] = (mask >> i) & 1 ? zero_floats(n[i]) : NULL;
            cs__conv2d_backward(some[0], some[1], some[2], r.dy, r.x, r.w, &r.s, r.work);
            for (int i = 0; i < 3; i++) {
                if (!some[i])
                    continue;
                ck_assert_msg(memcmp(some[i], all[i], n[i] * sizeof *all[i]) == 0,
                              "%s: gradient %d differs when the mask is %d", c->name, i, mask);
                free(some[i]);
            }
        }
        for (int i = 0; i < 3; i++)
            free(all[i]);
        bwd_free(&r);
    }
}
END_TEST

START_TEST(results_are_bit_identical_across_runs)
{
    const conv_case cases[] = {
        { "tiles of several images", 7, 3, 6, 6, 4, 3, 3, 1, 1 },
        { "one-image tiles", 2, 4, 17, 16, 5, 3, 3, 1, 1 },
        { "Winograd", 3, 16, 7, 6, 16, 3, 3, 1, 1 },
        { "fast path", 3, 16, 8, 8, 8, 1, 1, 1, 0 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        bwd_run r = bwd_setup(&cases[t], 4000 + 10 * t);
        float *b = random_floats((size_t)r.s.c_out, 4100);
        const size_t n[4] = { y_count(&r.s), x_count(&r.s), w_count(&r.s), (size_t)r.s.c_out };
        float *out[2][4];
        for (int run = 0; run < 2; run++) {
            for (int i = 0; i < 4; i++)
                out[run][i] = zero_floats(n[i]);
            cs__conv2d_forward(out[run][0], r.x, r.w, b, &r.s, r.work);
            cs__conv2d_backward(out[run][1], out[run][2], out[run][3], r.dy, r.x, r.w, &r.s,
                                r.work);
        }
        for (int i = 0; i < 4; i++) {
            ck_assert_msg(memcmp(out[0][i], out[1][i], n[i] * sizeof(float)) == 0,
                          "%s: output %d differs between runs", cases[t].name, i);
            free_all(2, out[0][i], out[1][i]);
        }
        free(b);
        bwd_free(&r);
    }
}
END_TEST

/* ---- Winograd: chunks that split tile rows and images -------------------------------------- */

/* dx and dW of the definition, in double: every output's dy[n][co][oh][ow] times the weight
 * w[co][ci][ki][kj] goes to the input position (ih, iw) its window put under (ki, kj), and
 * times x[n][ci][ih][iw] to that weight. */
static void ref_conv_backward(double *dx, double *dw, const double *dy, const double *x, const double *w,
                              const cs__conv_shape *s)
{
    memset(dx, 0, x_count(s) * sizeof *dx);
    memset(dw, 0, w_count(s) * sizeof *dw);
    for (int n = 0; n < s->n; n++)
        for (int co = 0; co < s->c_out; co++)
            for (int oh = 0; oh < s->h_out; oh++)
                for (int ow = 0; ow < s->w_out; ow++) {
                    const double g = dy[((size_t)(n * s->c_out + co) * s->h_out + oh) * s->w_out + ow];
                    for (int ci = 0; ci < s->c_in; ci++)
                        for (int ki = 0; ki < s->kh; ki++)
                            for (int kj = 0; kj < s->kw; kj++) {
                                const int ih = oh * s->stride - s->pad + ki;
                                const int iw = ow * s->stride - s->pad + kj;
                                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in)
                                    continue;
                                const size_t xi = ((size_t)(n * s->c_in + ci) * s->h_in + ih) * s->w_in + iw;
                                const size_t wi = (((size_t)co * s->c_in + ci) * s->kh + ki) * s->kw + kj;
                                dx[xi] += g * w[wi];
                                dw[wi] += g * x[xi];
                            }
                }
}

/* 160 channels in and 176 out (unequal, so that a swap of the two in dx's convolution would
 * show) make F(2x2) chunks of 16 tiles (winograd.c, for every pass), and a 7x9 plane has 4 x 5
 * = 20 tiles: chunks start in the middle of tile rows and span two images, and dW sums over
 * several chunks. The F(4x4) cases do the same with its tiles (64 -> 80 on 13x17: chunks of 48
 * tiles, 20 per image) and reach ResNet18's widest layer (512 channels; 12x12, the smallest
 * F(4x4) plane, and the small planes that stay with F(2x2)). Too large for finite differences,
 * so dx and dW are checked against the definition directly.
 *
 * Error bounds, relative to the tensor's scale: F(2x2) 1e-5, as im2col + GEMM (sums of up to
 * 9 C_in float products, measured a few 1e-7). F(4x4) 5e-5: its transforms multiply by up to 8
 * (At) and 5 (Bt) and divide by 6 and 24 (G), so the float products summed over the channels
 * in the transformed domain carry values up to ~100 times the inputs, whose rounding comes back
 * through the inverse transform; measured against double 2-3e-6 at 16 channels and 1.0-1.1e-5
 * at 256 and 512 (forward and dx; dW 3e-6), about 20 times F(2x2)'s. 5e-5 leaves a margin of
 * 4-5 and still fails any misplaced or missing term, which is O(1). */
START_TEST(winograd_matches_direct_convolution_across_chunks)
{
    static const struct {
        conv_case c;
        double bound;
    } cases[] = {
        { { "Winograd 160->176 7x9", 3, 160, 7, 9, 176, 3, 3, 1, 1 }, 1e-5 },
        /* 3 x 4 = 12 tiles: a plane transformed tile by tile (winograd.c, small planes),
         * chunks of 16 again starting inside images */
        { { "Winograd 160->176 5x7", 3, 160, 5, 7, 176, 3, 3, 1, 1 }, 1e-5 },
        { { "Winograd F(4x4) 64->80 13x17", 3, 64, 13, 17, 80, 3, 3, 1, 1 }, 5e-5 },
        { { "Winograd F(4x4) 512->512 12x12", 1, 512, 12, 12, 512, 3, 3, 1, 1 }, 5e-5 },
        { { "Winograd 512->512 4x4", 2, 512, 4, 4, 512, 3, 3, 1, 1 }, 1e-5 },
        { { "Winograd 512->512 3x3", 1, 512, 3, 3, 512, 3, 3, 1, 1 }, 1e-5 },
        { { "Winograd 512->512 2x2", 2, 512, 2, 2, 512, 3, 3, 1, 1 }, 1e-5 },
        { { "Winograd 512->512 1x1", 3, 512, 1, 1, 512, 3, 3, 1, 1 }, 1e-5 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        const conv_case c = cases[t].c;
        const double bound = cases[t].bound;
        const cs__conv_shape s = shape_of(&c);
        ck_assert(cs__winograd_applies(&s));
        ck_assert(cs__winograd_weights_apply(&s));
        const size_t nx = x_count(&s), nw = w_count(&s), ny = y_count(&s), nb = (size_t)s.c_out;
        float *x = random_floats(nx, 5000), *w = random_floats(nw, 5001), *b = random_floats(nb, 5002);
        float *dy = random_floats(ny, 5003), *work = workspace(&s);
        float *y = test_malloc(ny * sizeof *y), *dx = random_floats(nx, 5004);
        double *xd = to_double(x, nx), *wd = to_double(w, nw), *bd = to_double(b, nb);
        double *dyd = to_double(dy, ny), *dx0 = to_double(dx, nx);
        double *yd = test_malloc(ny * sizeof *yd), *dxd = test_malloc(nx * sizeof *dxd);

        cs__conv2d_forward(y, x, w, b, &s, work);
        ref_conv(yd, xd, wd, bd, &s);
        const double ey = rel_err(y, yd, ny);
        ck_assert_msg(ey < bound, "%s: forward error %.3g", c.name, ey);

        cs__conv2d_backward(dx, NULL, NULL, dy, x, w, &s, work); /* accumulates onto dx's values */
        double *dwd = test_malloc(nw * sizeof *dwd);
        ref_conv_backward(dxd, dwd, dyd, xd, wd, &s);
        for (size_t i = 0; i < nx; i++)
            dxd[i] += dx0[i];
        const double ex = rel_err(dx, dxd, nx);
        ck_assert_msg(ex < bound, "%s: dx error %.3g", c.name, ex);

        float *dw = random_floats(nw, 5005);
        double *dw0 = to_double(dw, nw);
        cs__conv2d_backward(NULL, dw, NULL, dy, x, w, &s, work);
        for (size_t i = 0; i < nw; i++)
            dwd[i] += dw0[i];
        const double ew = rel_err(dw, dwd, nw);
        ck_assert_msg(ew < bound, "%s: dw error %.3g", c.name, ew);

        free_all(13, x, w, b, dy, work, y, dx, xd, wd, bd, dyd, dx0, yd);
        free_all(4, dxd, dw, dw0, dwd);
    }
}
END_TEST

/* F(4x4)'s transforms move tile columns by AVX-512 permutes where the CPU has them and by
 * loops elsewhere (winograd_f4.c): the same values, so the same bits in all three passes, on
 * planes whose tile rows are 7 tiles (28x28), more than a vector's 8 (37x37: 10 tiles, the
 * last overhanging by 3 columns) and fewer with an odd overhang (14x14, 13x17), and on rows
 * that leave the plane. On a CPU without AVX-512 both runs take the loops. */
START_TEST(winograd_f4_vector_moves_give_the_loops_bits)
{
    static const conv_case cases[] = {
        { "F(4x4) 64->64 28x28", 2, 64, 28, 28, 64, 3, 3, 1, 1 },
        { "F(4x4) 64->80 37x37", 1, 64, 37, 37, 80, 3, 3, 1, 1 },
        { "F(4x4) 128->64 14x14", 3, 128, 14, 14, 64, 3, 3, 1, 1 },
        { "F(4x4) 64->80 13x17", 2, 64, 13, 17, 80, 3, 3, 1, 1 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        const cs__conv_shape s = shape_of(&cases[t]);
        ck_assert(cs__winograd_weights_apply(&s));
        const size_t nx = x_count(&s), nw = w_count(&s), ny = y_count(&s);
        float *x = random_floats(nx, 8000 + t), *w = random_floats(nw, 8100 + t), *dy = random_floats(ny, 8200 + t);
        float *work = workspace(&s), *out[2][3];
        for (int loops = 0; loops < 2; loops++) {
            cs__winograd4_loops_only(loops == 1);
            float *y = test_malloc(ny * sizeof *y), *dx = random_floats(nx, 8300), *dw = random_floats(nw, 8400);
            cs__conv2d_forward(y, x, w, NULL, &s, work);
            cs__conv2d_backward(dx, dw, NULL, dy, x, w, &s, work);
            out[loops][0] = y;
            out[loops][1] = dx;
            out[loops][2] = dw;
        }
        cs__winograd4_loops_only(false);
        const size_t counts[3] = { ny, nx, nw };
        static const char *what[3] = { "forward", "dx", "dw" };
        for (int i = 0; i < 3; i++)
            ck_assert_msg(memcmp(out[0][i], out[1][i], counts[i] * sizeof(float)) == 0, "%s: %s differs",
                          cases[t].name, what[i]);
        free_all(10, x, w, dy, work, out[0][0], out[0][1], out[0][2], out[1][0], out[1][1], out[1][2]);
    }
}
END_TEST

START_TEST(winograd_takes_the_3x3_pad_1_convolutions_with_enough_channels)
{
    cs__conv_shape s;
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 64, 3, 3, 1, 1)); /* ResNet18 layer1 */
    ck_assert(cs__winograd_applies(&s));
    ck_assert(cs__winograd_weights_apply(&s));
    ck_assert(cs__conv_shape_init(&s, 64, 32, 15, 15, 64, 3, 3, 1, 1)); /* custom's conv3 */
    ck_assert(cs__winograd_applies(&s));
    ck_assert(!cs__winograd_weights_apply(&s)); /* dW by im2col: too few channels */
    ck_assert(cs__conv_shape_init(&s, 64, 512, 4, 4, 512, 3, 3, 1, 1)); /* layer4 */
    ck_assert(cs__winograd_applies(&s));
    ck_assert(cs__conv_shape_init(&s, 64, 3, 32, 32, 64, 3, 3, 1, 1)); /* the stem: 3 channels */
    ck_assert(!cs__winograd_applies(&s));
    ck_assert(!cs__winograd_weights_apply(&s));
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 128, 3, 3, 2, 1)); /* stride 2 */
    ck_assert(!cs__winograd_applies(&s));
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 64, 3, 3, 1, 0)); /* unpadded */
    ck_assert(!cs__winograd_applies(&s));
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 64, 5, 5, 1, 2)); /* 5x5 */
    ck_assert(!cs__winograd_applies(&s));
    ck_assert(cs__conv_shape_init(&s, 2, 1024, 4, 4, 1024, 3, 3, 1, 1)); /* the largest */
    ck_assert(cs__winograd_applies(&s));
    ck_assert(cs__conv_shape_init(&s, 2, 1024, 4, 4, 1025, 3, 3, 1, 1)); /* filters too large */
    ck_assert(!cs__winograd_applies(&s));
}
END_TEST

/* ---- grouped and depthwise convolution (gconv.c) ------------------------------------------- */

typedef struct gconv_case {
    const char *name;
    int n, c_in, h, w, c_out, k, stride, pad, groups;
} gconv_case;

/* Depthwise (groups == C_in == C_out: the direct loops) at MobileNetV2's 3x3 stride 1 and 2
 * pad 1, unpadded, 1x1, and 5x5, on planes down to 1x1 (every tap but the centre in the
 * padding) and rows of 21 and 33 columns (the eight-lane sums of dW with a tail); groups 2 and
 * 3 and groups 1 (the general path through cs__conv2d_*, with its 1x1 fast path and 3x3 im2col). */
static const gconv_case gconv_cases[] = {
    { "depthwise 3x3 stride 1 pad 1", 2, 4, 6, 5, 4, 3, 1, 1, 4 },
    { "depthwise 3x3 stride 2 pad 1, odd 7x7", 2, 3, 7, 7, 3, 3, 2, 1, 3 },
    { "depthwise 3x3 stride 2 pad 1, even 8x6", 3, 2, 8, 6, 2, 3, 2, 1, 2 },
    { "depthwise 3x3 stride 1 pad 0", 2, 3, 5, 6, 3, 3, 1, 0, 3 },
    { "depthwise 3x3 stride 2 pad 0", 2, 2, 7, 6, 2, 3, 2, 0, 2 },
    { "depthwise 1x1", 2, 5, 3, 4, 5, 1, 1, 0, 5 },
    { "depthwise 1x1 stride 2", 2, 3, 5, 4, 3, 1, 2, 0, 3 },
    { "depthwise 3x3 pad 1 on 1x1 planes", 3, 3, 1, 1, 3, 3, 1, 1, 3 },
    { "depthwise 3x3 stride 2 pad 1 on 2x2 planes", 2, 4, 2, 2, 4, 3, 2, 1, 4 },
    { "depthwise 3x3 stride 1 pad 1, 21 columns", 2, 2, 4, 21, 2, 3, 1, 1, 2 },
    { "depthwise 3x3 stride 2 pad 1, 33 columns", 1, 2, 5, 33, 2, 3, 2, 1, 2 },
    { "depthwise 5x5 stride 1 pad 2", 2, 2, 6, 7, 2, 5, 1, 2, 2 },
    { "groups 2, 3x3 pad 1", 2, 4, 5, 5, 6, 3, 1, 1, 2 },
    { "groups 2, 3x3 stride 2 pad 1", 3, 6, 7, 6, 4, 3, 2, 1, 2 },
    { "groups 3, 1x1", 2, 6, 4, 4, 3, 1, 1, 0, 3 },
    { "groups 2 with 2 channels each way (not depthwise: 4 -> 2)", 2, 4, 5, 4, 2, 3, 1, 1, 2 },
    { "groups 1 (plain convolution)", 2, 3, 5, 5, 4, 3, 1, 1, 1 },
};

static cs__gconv_shape gshape_of(const gconv_case *c)
{
    cs__gconv_shape s;
    ck_assert_msg(cs__gconv_shape_init(&s, c->n, c->c_in, c->h, c->w, c->c_out, c->k, c->stride, c->pad,
                                       c->groups),
                  "%s: shape rejected", c->name);
    return s;
}

static size_t gw_count(const cs__gconv_shape *s)
{
    return (size_t)s->conv.c_out * (size_t)(s->conv.c_in / s->groups) * s->conv.kh * s->conv.kw;
}

static float *gworkspace(const cs__gconv_shape *s)
{
    const size_t n = cs__gconv_workspace(s);
    if (n == 0)
        return NULL;
    float *p = test_malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = NAN;
    return p;
}

/* The definition of the grouped convolution (torch.nn.functional.conv2d with groups), in
 * double: output channel co of group co / (C_out/G) sums over that group's C_in/G inputs. */
static void ref_gconv(double *y, const double *x, const double *w, const double *b, const cs__gconv_shape *gs)
{
    const cs__conv_shape *s = &gs->conv;
    const int cig = s->c_in / gs->groups, cog = s->c_out / gs->groups;
    for (int n = 0; n < s->n; n++)
        for (int co = 0; co < s->c_out; co++)
            for (int oh = 0; oh < s->h_out; oh++)
                for (int ow = 0; ow < s->w_out; ow++) {
                    double acc = b ? b[co] : 0.0;
                    for (int j = 0; j < cig; j++) {
                        const int ci = co / cog * cig + j;
                        for (int ki = 0; ki < s->kh; ki++)
                            for (int kj = 0; kj < s->kw; kj++) {
                                const int ih = oh * s->stride - s->pad + ki;
                                const int iw = ow * s->stride - s->pad + kj;
                                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in)
                                    continue;
                                acc += x[(((size_t)n * s->c_in + ci) * s->h_in + ih) * s->w_in + iw] *
                                       w[(((size_t)co * cig + j) * s->kh + ki) * s->kw + kj];
                            }
                    }
                    y[(((size_t)n * s->c_out + co) * s->h_out + oh) * s->w_out + ow] = acc;
                }
}

START_TEST(grouped_forward_matches_direct_convolution_in_double)
{
    for (size_t t = 0; t < sizeof gconv_cases / sizeof *gconv_cases; t++) {
        for (int bias = 0; bias < 2; bias++) {
            const gconv_case *c = &gconv_cases[t];
            const cs__gconv_shape s = gshape_of(c);
            const size_t nx = x_count(&s.conv), nw = gw_count(&s), ny = y_count(&s.conv);
            const uint64_t seed = 6000 + 10 * t + 5 * (uint64_t)bias;
            float *x = random_floats(nx, seed), *w = random_floats(nw, seed + 1);
            float *b = random_floats((size_t)s.conv.c_out, seed + 2), *work = gworkspace(&s);
            float *y = test_malloc(ny * sizeof *y);
            for (size_t i = 0; i < ny; i++)
                y[i] = NAN; /* the forward overwrites y */
            double *xd = to_double(x, nx), *wd = to_double(w, nw), *bd = to_double(b, (size_t)s.conv.c_out);
            double *yd = test_malloc(ny * sizeof *yd);

            cs__gconv2d_forward(y, x, w, bias ? b : NULL, &s, work);
            ref_gconv(yd, xd, wd, bias ? bd : NULL, &s);
            /* at most 3 * 9 + 1 = 28 float products of magnitude <= 1 per output */
            const double err = rel_err(y, yd, ny);
            ck_assert_msg(err < 1e-5, "%s%s: forward error %.3g", c->name, bias ? " + bias" : "", err);
            free_all(9, x, w, b, work, y, xd, wd, bd, yd);
        }
    }
}
END_TEST

/* L = sum(y * g) on the double reference, and its central differences (L is linear in each of
 * x, w and b, so they are exact up to double rounding). */
static double gref_loss(double *yd, const double *x, const double *w, const double *b, const double *g,
                        const cs__gconv_shape *s)
{
    ref_gconv(yd, x, w, b, s);
    double l = 0.0;
    for (size_t i = 0; i < y_count(&s->conv); i++)
        l += yd[i] * g[i];
    return l;
}

static void gnumeric_grad(double *grad, double *p, size_t n, double *yd, double *x, double *w, double *b,
                          const double *g, const cs__gconv_shape *s)
{
    const double eps = 1e-4;
    for (size_t i = 0; i < n; i++) {
        const double v = p[i];
        p[i] = v + eps;
        const double up = gref_loss(yd, x, w, b, g, s);
        p[i] = v - eps;
        const double down = gref_loss(yd, x, w, b, g, s);
        p[i] = v;
        grad[i] = (up - down) / (2.0 * eps);
    }
}

/* dx, dw and db against finite differences; the kernel adds onto gradients that already hold
 * values (random ones), and asking for a subset of the gradients gives those bit for bit. */
START_TEST(grouped_backward_matches_finite_differences_in_double)
{
    for (size_t t = 0; t < sizeof gconv_cases / sizeof *gconv_cases; t++) {
        const gconv_case *c = &gconv_cases[t];
        const cs__gconv_shape s = gshape_of(c);
        const size_t nx = x_count(&s.conv), nw = gw_count(&s), nb = (size_t)s.conv.c_out;
        const size_t ny = y_count(&s.conv), n[3] = { nx, nw, nb };
        const uint64_t seed = 7000 + 10 * t;
        float *x = random_floats(nx, seed), *w = random_floats(nw, seed + 1);
        float *g = random_floats(ny, seed + 3), *work = gworkspace(&s);
        double *xd = to_double(x, nx), *wd = to_double(w, nw), *gd = to_double(g, ny);
        double *bd = to_double(g, nb); /* any bias: L is linear in it */
        double *yd = test_malloc(ny * sizeof *yd), *num = test_malloc((nx + nw + nb) * sizeof *num);
        float *grad[3], *held[3];
        for (int i = 0; i < 3; i++) {
            held[i] = random_floats(n[i], seed + 4 + (uint64_t)i);
            grad[i] = test_malloc(n[i] * sizeof *grad[i]);
            memcpy(grad[i], held[i], n[i] * sizeof *grad[i]);
        }

        cs__gconv2d_backward(grad[0], grad[1], grad[2], g, x, w, &s, work);
        gnumeric_grad(num, xd, nx, yd, xd, wd, bd, gd, &s);
        gnumeric_grad(num + nx, wd, nw, yd, xd, wd, bd, gd, &s);
        gnumeric_grad(num + nx + nw, bd, nb, yd, xd, wd, bd, gd, &s);
        const double *want[3] = { num, num + nx, num + nx + nw };
        const char *names[3] = { "dx", "dw", "db" };
        for (int i = 0; i < 3; i++) {
            /* the gradient is what the call added to the held values */
            float *added = test_malloc(n[i] * sizeof *added);
            for (size_t j = 0; j < n[i]; j++)
                added[j] = grad[i][j] - held[i][j];
            /* float rounding of sums of at most N * HWo = 66 products (dW), then of the
             * addition onto held values of magnitude <= 1: ~1e-7 of the scale */
            const double err = rel_err(added, want[i], n[i]);
            ck_assert_msg(err < 1e-4, "%s: %s error %.3g", c->name, names[i], err);
            free(added);
        }

        /* Each subset of the gradients: those asked for get the same bits as above. */
        for (int mask = 0; mask < 8; mask++) {
            float *some[3];
            for (int i = 0; i < 3; i++) {
                some[i] = NULL;
                if ((mask >> i) & 1) {
                    some[i] = test_malloc(n[i] * sizeof *some[i]);
                    memcpy(some[i], held[i], n[i] * sizeof *some[i]);
                }
            }
            cs__gconv2d_backward(some[0], some[1], some[2], g, x, w, &s, work);
            for (int i = 0; i < 3; i++) {
                if (!some[i])
                    continue;
                ck_assert_msg(memcmp(some[i], grad[i], n[i] * sizeof *some[i]) == 0,
                              "%s: %s differs when the mask is %d", c->name, names[i], mask);
                free(some[i]);
            }
        }
        for (int i = 0; i < 3; i++)
            free_all(2, grad[i], held[i]);
        free_all(10, x, w, g, work, xd, wd, gd, bd, yd, num);
    }
}
END_TEST

/* MobileNetV2-sized depthwise layers, too large for finite differences: dx and dW against the
 * definition's (dL/dx = the transposed convolution of dy, dL/dw = the correlation of dy with x,
 * in double), with 256 samples' planes summed into each weight. */
START_TEST(depthwise_backward_matches_definition_at_mobilenet_sizes)
{
    const gconv_case cases[] = {
        { "depthwise 96 channels 16x16 stride 1", 4, 96, 16, 16, 96, 3, 1, 1, 96 },
        { "depthwise 24 channels 32x32 stride 2", 8, 24, 32, 32, 24, 3, 2, 1, 24 },
        { "depthwise 8 channels 4x4, batch 256", 256, 8, 4, 4, 8, 3, 1, 1, 8 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        const cs__gconv_shape gs = gshape_of(&cases[t]);
        const cs__conv_shape *s = &gs.conv;
        /* stride 1 runs on padded planes in a workspace; stride 2 needs none */
        const size_t nwork = cs__gconv_workspace(&gs);
        ck_assert(s->stride == 1 ? nwork >= (size_t)(s->h_in + 2) * (size_t)(s->w_in + 2) : nwork == 0);
        float *work = nwork ? zero_floats(nwork) : NULL;
        const size_t nx = x_count(s), nw = gw_count(&gs), ny = y_count(s);
        const size_t xp = (size_t)s->h_in * s->w_in, yp = (size_t)s->h_out * s->w_out;
        float *x = random_floats(nx, 7500 + t), *w = random_floats(nw, 7510 + t);
        float *dy = random_floats(ny, 7520 + t);
        float *dx = zero_floats(nx), *dw = zero_floats(nw), *db = zero_floats((size_t)s->c_out);
        double *dxd = calloc(nx, sizeof *dxd), *dwd = calloc(nw, sizeof *dwd);
        double *dbd = calloc((size_t)s->c_out, sizeof *dbd);
        ck_assert(dxd && dwd && dbd);
        for (int n = 0; n < s->n; n++)
            for (int c = 0; c < s->c_out; c++) {
                const size_t p = (size_t)n * s->c_out + c;
                for (int oh = 0; oh < s->h_out; oh++)
                    for (int ow = 0; ow < s->w_out; ow++) {
                        const double d = dy[p * yp + (size_t)oh * s->w_out + ow];
                        dbd[c] += d;
                        for (int ki = 0; ki < 3; ki++)
                            for (int kj = 0; kj < 3; kj++) {
                                const int ih = oh * s->stride - s->pad + ki, iw = ow * s->stride - s->pad + kj;
                                if (ih < 0 || ih >= s->h_in || iw < 0 || iw >= s->w_in)
                                    continue;
                                const size_t xi = p * xp + (size_t)ih * s->w_in + iw, wi = (size_t)c * 9 + ki * 3 + kj;
                                dxd[xi] += d * w[wi];
                                dwd[wi] += d * x[xi];
                            }
                    }
            }
        cs__gconv2d_backward(dx, dw, db, dy, x, w, &gs, work);
        free(work);
        const double ex = rel_err(dx, dxd, nx), ew = rel_err(dw, dwd, nw);
        const double eb = rel_err(db, dbd, (size_t)s->c_out);
        /* dW and db sum up to 4096 products of magnitude <= 1 (float rows, double totals) */
        ck_assert_msg(ex < 1e-5, "%s: dx error %.3g", cases[t].name, ex);
        ck_assert_msg(ew < 1e-5, "%s: dw error %.3g", cases[t].name, ew);
        ck_assert_msg(eb < 1e-6, "%s: db error %.3g", cases[t].name, eb);
        free_all(9, x, w, dy, dx, dw, db, dxd, dwd, dbd);
    }
}
END_TEST

START_TEST(grouped_results_are_bit_identical_across_runs)
{
    const gconv_case cases[] = {
        { "depthwise stride 1", 5, 16, 9, 11, 16, 3, 1, 1, 16 },
        { "depthwise stride 2", 5, 16, 9, 11, 16, 3, 2, 1, 16 },
        { "groups 4", 3, 8, 6, 6, 12, 3, 1, 1, 4 },
    };
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        const cs__gconv_shape s = gshape_of(&cases[t]);
        const size_t n[4] = { y_count(&s.conv), x_count(&s.conv), gw_count(&s), (size_t)s.conv.c_out };
        float *x = random_floats(n[1], 8000 + t), *w = random_floats(n[2], 8010 + t);
        float *b = random_floats(n[3], 8020 + t), *dy = random_floats(n[0], 8030 + t), *work = gworkspace(&s);
        float *out[2][4];
        for (int run = 0; run < 2; run++) {
            for (int i = 0; i < 4; i++)
                out[run][i] = zero_floats(n[i]);
            cs__gconv2d_forward(out[run][0], x, w, b, &s, work);
            cs__gconv2d_backward(out[run][1], out[run][2], out[run][3], dy, x, w, &s, work);
        }
        for (int i = 0; i < 4; i++) {
            ck_assert_msg(memcmp(out[0][i], out[1][i], n[i] * sizeof(float)) == 0,
                          "%s: output %d differs between runs", cases[t].name, i);
            free_all(2, out[0][i], out[1][i]);
        }
        free_all(5, x, w, b, dy, work);
    }
}
END_TEST

/* Golden values from tests/reference/layers_reference.py (PyTorch 1.13.0a0, Debian 12):
 * conv2d(x, w, b, stride=2, padding=1, groups=2) with x (2, 2, 5, 5) = ((37 i) % 23 - 11) / 8,
 * w (2, 1, 3, 3) = ((11 i) % 7 - 3) / 4, b = (0.25, -0.5), and its gradients for
 * dy (2, 2, 3, 3) = ((13 i) % 17 - 8) / 8. Every input is a multiple of 1/8 and every product
 * a multiple of 1/32 with few terms, so float sums are exact in any order: the bits must match. */
static const float torch_dwconv_y[36] = { 1.9375f, 2.125f, 0.78125f, 1.375f, 1.15625f, -0.1875f, 0.5f, -1.625f, -1.5f, -0.375f, 0.90625f, -2.03125f, -1.15625f, 0.6875f, -1.03125f, 0.0f, -1.3125f, -0.1875f, -0.9375f, -1.5625f, -1.28125f, -0.375f, -0.1875f, 1.4375f, 0.09375f, 0.53125f, 0.34375f, -0.59375f, -1.65625f, 0.03125f, -0.34375f, 0.6875f, -0.40625f, 0.09375f, -1.625f, -0.6875f };
static const float torch_dwconv_dx[100] = { 0.25f, -0.4375f, -0.15625f, 0.53125f, -0.03125f, 0.65625f, 0.59375f, -0.6875f, 0.03125f, 0.09375f, 0.09375f, -0.71875f, 0.21875f, -0.28125f, -0.1875f, 0.34375f, -0.03125f, 0.59375f, 0.46875f, -0.75f, -0.0625f, 0.0625f, 0.0625f, -0.5625f, 0.1875f, 0.0f, -0.375f, 0.0f, -0.375f, 0.0f, -0.75f, 0.1875f, 0.3125f, -0.34375f, 0.3125f, 0.0f, 1.21875f, 0.0f, -0.375f, 0.0f, 0.3125f, 0.1875f, -0.75f, 1.25f, -0.75f, 0.0f, -0.375f, 0.0f, -0.375f, 0.0f, -0.15625f, 0.53125f, -0.03125f, -0.09375f, 0.09375f, -0.6875f, 0.03125f, 0.09375f, -0.53125f, 0.34375f, 0.21875f, -0.28125f, -0.1875f, 0.6875f, -0.0625f, 0.59375f, 0.46875f, -0.75f, -0.09375f, 0.03125f, 0.0625f, -0.5625f, 0.1875f, -0.125f, -0.21875f, 0.0f, -0.375f, 0.0f, -0.375f, 0.0f, 0.3125f, -0.34375f, 0.3125f, -0.34375f, 0.3125f, 0.0f, -0.375f, 0.0f, -0.375f, 0.0f, -0.75f, 1.25f, -0.75f, 0.1875f, 0.3125f, 0.0f, -0.375f, 0.0f, 1.21875f, 0.0f };
static const float torch_dwconv_dw[18] = { -1.34375f, -0.46875f, -0.3125f, 1.25f, -0.171875f, -0.5f, 0.15625f, 1.453125f, -1.46875f, 0.984375f, 1.421875f, -2.078125f, 3.046875f, 1.40625f, -1.921875f, 1.359375f, 1.1875f, -1.4375f };
static const float torch_dwconv_db[2] = { -1.125f, 0.75f };

static float *golden_formula(size_t n, int mul, int mod, int off, int den)
{
    float *a = test_malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = (float)((int)((i * (size_t)mul) % (size_t)mod) - off) / (float)den;
    return a;
}

START_TEST(depthwise_matches_pytorch)
{
    cs__gconv_shape s;
    ck_assert(cs__gconv_shape_init(&s, 2, 2, 5, 5, 2, 3, 2, 1, 2));
    float *x = golden_formula(100, 37, 23, 11, 8), *w = golden_formula(18, 11, 7, 3, 4);
    float *dy = golden_formula(36, 13, 17, 8, 8), b[2] = { 0.25f, -0.5f };
    float y[36], *dx = zero_floats(100), dw[18] = { 0 }, db[2] = { 0 };
    cs__gconv2d_forward(y, x, w, b, &s, NULL);
    cs__gconv2d_backward(dx, dw, db, dy, x, w, &s, NULL);
    for (int i = 0; i < 36; i++)
        ck_assert_msg(y[i] == torch_dwconv_y[i], "y[%d] = %.9g, torch %.9g", i, (double)y[i],
                      (double)torch_dwconv_y[i]);
    for (int i = 0; i < 100; i++)
        ck_assert_msg(dx[i] == torch_dwconv_dx[i], "dx[%d] = %.9g, torch %.9g", i, (double)dx[i],
                      (double)torch_dwconv_dx[i]);
    for (int i = 0; i < 18; i++)
        ck_assert_msg(dw[i] == torch_dwconv_dw[i], "dw[%d] = %.9g, torch %.9g", i, (double)dw[i],
                      (double)torch_dwconv_dw[i]);
    for (int i = 0; i < 2; i++)
        ck_assert_float_eq(db[i], torch_dwconv_db[i]);
    free_all(4, x, w, dy, dx);
}
END_TEST

/* groups == 1 is cs__conv2d_* itself (same workspace, same bits). */
START_TEST(one_group_is_the_plain_convolution)
{
    const gconv_case c = { "3x3 pad 1, 16 channels (Winograd)", 2, 16, 5, 6, 16, 3, 1, 1, 1 };
    const cs__gconv_shape gs = gshape_of(&c);
    const cs__conv_shape s = gs.conv;
    ck_assert_uint_eq(cs__gconv_workspace(&gs), cs__conv_workspace(&s));
    const size_t nx = x_count(&s), nw = w_count(&s), ny = y_count(&s);
    float *x = random_floats(nx, 8100), *w = random_floats(nw, 8101), *b = random_floats(16, 8102);
    float *dy = random_floats(ny, 8103), *work = workspace(&s);
    float *a[4] = { zero_floats(ny), zero_floats(nx), zero_floats(nw), zero_floats(16) };
    float *p[4] = { zero_floats(ny), zero_floats(nx), zero_floats(nw), zero_floats(16) };
    const size_t n[4] = { ny, nx, nw, 16 };
    cs__gconv2d_forward(a[0], x, w, b, &gs, work);
    cs__gconv2d_backward(a[1], a[2], a[3], dy, x, w, &gs, work);
    cs__conv2d_forward(p[0], x, w, b, &s, work);
    cs__conv2d_backward(p[1], p[2], p[3], dy, x, w, &s, work);
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(memcmp(a[i], p[i], n[i] * sizeof(float)) == 0, "output %d differs", i);
        free_all(2, a[i], p[i]);
    }
    free_all(5, x, w, b, dy, work);
}
END_TEST

START_TEST(grouped_shape_init_checks_the_groups)
{
    cs__gconv_shape s;
    ck_assert(cs__gconv_shape_init(&s, 4, 96, 16, 16, 96, 3, 2, 1, 96));
    ck_assert_int_eq(s.groups, 96);
    ck_assert_int_eq(s.conv.h_out, 8);
    ck_assert_int_eq(s.conv.w_out, 8);
    ck_assert_int_eq(s.conv.c_in, 96);
    ck_assert_int_eq(s.group.n, 1);
    ck_assert_int_eq(s.group.c_in, 1);
    ck_assert_int_eq(s.group.c_out, 1);
    ck_assert_uint_eq(cs__gconv_workspace(&s), 0); /* depthwise: direct loops */
    ck_assert(cs__gconv_shape_init(&s, 2, 6, 8, 8, 9, 3, 1, 1, 3));
    ck_assert_int_eq(s.group.c_in, 2);
    ck_assert_int_eq(s.group.c_out, 3);
    ck_assert_uint_eq(cs__gconv_workspace(&s), cs__conv_workspace(&s.group));
    ck_assert(!cs__gconv_shape_init(&s, 2, 6, 8, 8, 9, 3, 1, 1, 4)); /* 6 % 4 */
    ck_assert(!cs__gconv_shape_init(&s, 2, 6, 8, 8, 8, 3, 1, 1, 3)); /* 8 % 3 */
    ck_assert(!cs__gconv_shape_init(&s, 2, 6, 8, 8, 6, 3, 1, 1, 0));
    ck_assert(!cs__gconv_shape_init(&s, 2, 6, 8, 8, 6, 3, 1, 1, -2));
    ck_assert(!cs__gconv_shape_init(&s, 2, 6, 2, 2, 6, 5, 1, 1, 6)); /* empty output */
    ck_assert(!cs__gconv_shape_init(&s, 0, 6, 8, 8, 6, 3, 1, 1, 6));
}
END_TEST

/* ---- shapes and workspace ------------------------------------------------------------------- */

START_TEST(shape_init_computes_output_size)
{
    cs__conv_shape s;
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 64, 3, 3, 1, 1));
    ck_assert_int_eq(s.h_out, 32);
    ck_assert_int_eq(s.w_out, 32);
    ck_assert(cs__conv_shape_init(&s, 1, 3, 32, 32, 64, 7, 7, 2, 3));
    ck_assert_int_eq(s.h_out, 16);
    ck_assert(cs__conv_shape_init(&s, 1, 1, 5, 7, 1, 3, 2, 2, 0)); /* floor, per axis */
    ck_assert_int_eq(s.h_out, 2);
    ck_assert_int_eq(s.w_out, 3);
    ck_assert(cs__conv_shape_init(&s, 1, 1, 28, 28, 6, 5, 5, 1, 2));
    ck_assert_int_eq(s.h_out, 28);
    ck_assert_int_eq(s.kh, 5);
    ck_assert_int_eq(s.c_out, 6);
    ck_assert(cs__conv_shape_init(&s, 1, 1, 1, 1, 1, 3, 3, 1, 1)); /* window exactly fits */
    ck_assert_int_eq(s.h_out, 1);
}
END_TEST

START_TEST(shape_init_rejects_empty_and_oversized_shapes)
{
    cs__conv_shape s;
    ck_assert(!cs__conv_shape_init(&s, 0, 3, 8, 8, 4, 3, 3, 1, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 0, 8, 8, 4, 3, 3, 1, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 8, -8, 4, 3, 3, 1, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 8, 8, 0, 3, 3, 1, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 8, 8, 4, 0, 3, 1, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 8, 8, 4, 3, 3, 0, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 8, 8, 4, 3, 3, 1, -1));
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 4, 4, 4, 7, 7, 1, 1)); /* empty output */
    ck_assert(!cs__conv_shape_init(&s, 1, 3, 8, 4, 4, 3, 7, 1, 1));
    /* Sizes that would overflow the int index and GEMM arithmetic are refused, not wrapped. */
    ck_assert(!cs__conv_shape_init(&s, 1, 1, 8, 8, 1, 3, 3, 1, INT_MAX));
    ck_assert(!cs__conv_shape_init(&s, 1, INT_MAX, 8, 8, 1, 3, 3, 1, 1));
    ck_assert(!cs__conv_shape_init(&s, 1, 1, 65536, 65536, 1, 1, 1, 1, 0));
}
END_TEST

START_TEST(workspace_is_per_tile_and_zero_on_the_fast_path)
{
    cs__conv_shape s;
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 256, 1, 1, 1, 0));
    ck_assert_uint_eq(cs__conv_workspace(&s), 0);
    ck_assert(cs__conv_shape_init(&s, 64, 64, 32, 32, 128, 1, 1, 2, 0)); /* projection */
    ck_assert_uint_eq(cs__conv_workspace(&s), 64 * 256);
    /* ResNet18's stem: one image's column matrix, not the batch's (64 times larger). */
    ck_assert(cs__conv_shape_init(&s, 64, 3, 32, 32, 64, 3, 3, 1, 1));
    ck_assert_uint_eq(cs__conv_workspace(&s), (size_t)27 * 1024);
    /* ResNet18's layer1 and layer4 (Winograd): the workspace is less than one image's column
     * matrix at layer1 (chunks of transformed tiles), holds the transformed filters at layer4,
     * and does not grow with the batch. */
    const int sides[2] = { 32, 4 }, channels[2] = { 64, 512 };
    for (int l = 0; l < 2; l++) {
        ck_assert(cs__conv_shape_init(&s, 64, channels[l], sides[l], sides[l], channels[l], 3, 3, 1, 1));
        const size_t at64 = cs__conv_workspace(&s);
        if (l == 0)
            ck_assert_uint_lt(at64, (size_t)576 * 1024);
        else
            ck_assert_uint_ge(at64, (size_t)16 * 512 * 512);
        ck_assert(cs__conv_shape_init(&s, 256, channels[l], sides[l], sides[l], channels[l], 3, 3, 1, 1));
        ck_assert_uint_eq(cs__conv_workspace(&s), at64);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conv");
    TCase *tc = tcase_create("conv");
    tcase_add_test(tc, sgemm_matches_naive_product_for_all_transposes);
    tcase_add_test(tc, sgemm_crosses_the_cache_blocks_of_the_avx512_kernel);
    tcase_add_test(tc, sgemm_prefers_the_avx512_kernel_and_repeats_its_bits);
    tcase_add_test(tc, sgemm_with_beta_zero_ignores_the_old_c);
    tcase_add_test(tc, sgemm_with_empty_inner_dimension_scales_c);
    tcase_add_test(tc, shape_init_computes_output_size);
    tcase_add_test(tc, shape_init_rejects_empty_and_oversized_shapes);
    tcase_add_test(tc, workspace_is_per_tile_and_zero_on_the_fast_path);
    tcase_add_test(tc, forward_matches_direct_convolution_in_double);
    tcase_add_test(tc, backward_matches_finite_differences_in_double);
    tcase_add_test(tc, backward_accumulates_into_every_gradient);
    tcase_add_test(tc, backward_skips_null_gradients);
    tcase_add_test(tc, results_are_bit_identical_across_runs);
    tcase_add_test(tc, winograd_matches_direct_convolution_across_chunks);
    tcase_add_test(tc, winograd_f4_backward_matches_finite_differences_at_sampled_entries);
    tcase_add_test(tc, winograd_f4_vector_moves_give_the_loops_bits);
    tcase_add_test(tc, winograd_takes_the_3x3_pad_1_convolutions_with_enough_channels);
    tcase_add_test(tc, grouped_shape_init_checks_the_groups);
    tcase_add_test(tc, grouped_forward_matches_direct_convolution_in_double);
    tcase_add_test(tc, grouped_backward_matches_finite_differences_in_double);
    tcase_add_test(tc, depthwise_backward_matches_definition_at_mobilenet_sizes);
    tcase_add_test(tc, grouped_results_are_bit_identical_across_runs);
    tcase_add_test(tc, one_group_is_the_plain_convolution);
    tcase_add_test(tc, depthwise_matches_pytorch);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
