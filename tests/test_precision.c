/* The bf16 mixed-precision mode (tensor/precision.h, cs_model_set_precision): the argument
 * checks and the refusal where the CPU lacks AVX512_BF16 (simulated with CLASSSENS_NO_BF16)
 * run everywhere; `test_precision bf16` runs the cases that need the instructions and exits 77
 * (ctest's "Skipped") with the reason where they are missing: the bf16 GEMM against a double
 * product of the bf16-rounded operands (tight) and against fp32 (loose) in every transpose
 * combination, odd and blocked sizes, alpha and beta; fp32 untouched by the mode; bf16 models
 * deterministic and close to fp32. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "tensor/kernels.h"
#include "tensor/precision.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1), float. */
static float *random_floats(size_t count, uint64_t seed)
{
    float *x = malloc((count ? count : 1) * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < count; i++)
        x[i] = (float)((double)(next_u64(&seed) >> 11) * 0x1p-52 - 1.0);
    return x;
}

static float bits_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ---- everywhere --------------------------------------------------------------------------- */

START_TEST(set_precision_checks_its_arguments)
{
    cs_model *m = cs_test_model("lenet", 1, 28, 28, 10, 0.5, 1);
    cs_precision p = CS_PRECISION_BF16;
    cs_assert_ok(cs_model_precision(&p, m));
    ck_assert_int_eq(p, CS_PRECISION_FP32);
    cs_assert_fails(cs_model_set_precision(NULL, CS_PRECISION_FP32), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_set_precision(m, (cs_precision)2), CS_ERR_INVALID_ARGUMENT, "precision is 2");
    cs_assert_fails(cs_model_set_precision(m, (cs_precision)-1), CS_ERR_INVALID_ARGUMENT, "CS_PRECISION_BF16");
    cs_assert_fails(cs_model_precision(NULL, m), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_model_precision(&p, NULL), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_ok(cs_model_set_precision(m, CS_PRECISION_FP32));
    cs_assert_ok(cs_model_precision(&p, m));
    ck_assert_int_eq(p, CS_PRECISION_FP32);
    cs_model_destroy(m);
}
END_TEST

START_TEST(bf16_without_the_instructions_is_refused_by_name)
{
    cs_model *m = cs_test_model("lenet", 1, 28, 28, 10, 0.5, 1);
    ck_assert_int_eq(setenv("CLASSSENS_NO_BF16", "1", 1), 0);
    cs_assert_fails(cs_model_set_precision(m, CS_PRECISION_BF16), CS_ERR_UNSUPPORTED, "AVX512_BF16");
    cs_assert_fails(cs_model_set_precision(m, CS_PRECISION_BF16), CS_ERR_UNSUPPORTED, "cs_model_set_precision");
    cs_precision p = CS_PRECISION_BF16;
    cs_assert_ok(cs_model_precision(&p, m));
    ck_assert_int_eq(p, CS_PRECISION_FP32);
    cs_assert_ok(cs_model_set_precision(m, CS_PRECISION_FP32)); /* fp32 needs nothing */
    /* "0" and "" leave the hardware to decide. */
    ck_assert_int_eq(setenv("CLASSSENS_NO_BF16", "0", 1), 0);
    int status = cs_model_set_precision(m, CS_PRECISION_BF16);
    ck_assert_int_eq(status, cs__bf16_hardware() ? CS_OK : CS_ERR_UNSUPPORTED);
    ck_assert_int_eq(unsetenv("CLASSSENS_NO_BF16"), 0);
    cs_model_destroy(m);
}
END_TEST

START_TEST(rounding_is_to_nearest_even)
{
    ck_assert_uint_eq(bits(cs__bf16_round(1.0f)), 0x3f800000u);
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x3f808000u))), 0x3f800000u); /* tie: to even (down) */
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x3f818000u))), 0x3f820000u); /* tie: to even (up) */
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x3f808001u))), 0x3f810000u);
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x3f807fffu))), 0x3f800000u);
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0xbf80c000u))), 0xbf810000u);
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x7f7fffffu))), 0x7f800000u); /* overflows to inf */
    ck_assert_uint_eq(bits(cs__bf16_round(INFINITY)), 0x7f800000u);
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x00000001u))), 0u);          /* subnormal: zero */
    ck_assert_uint_eq(bits(cs__bf16_round(bits_of(0x807fffffu))), 0x80000000u);
    ck_assert(isnan(cs__bf16_round(bits_of(0x7f800001u))));                  /* NaN stays NaN */
}
END_TEST

/* ---- with the instructions ----------------------------------------------------------------- */

typedef struct gemm_case {
    bool ta, tb;
    int m, n, k;
    float alpha, beta;
} gemm_case;

/* Run one case through cs__sbgemm and check it against (a) the double product of the
 * bf16-rounded operands, within fp32 summation error, and (b) fp32's cs__sgemm, within bf16's
 * rounding of the operands. Leading dimensions are padded so that strides are exercised. */
static void check_case(gemm_case g, uint64_t seed)
{
    const int ar = g.ta ? g.k : g.m, ac = g.ta ? g.m : g.k; /* stored A */
    const int br = g.tb ? g.n : g.k, bc = g.tb ? g.k : g.n;
    const int lda = ac + 3, ldb = bc + 1, ldc = g.n + 2;
    float *a = random_floats((size_t)ar * lda, seed), *b = random_floats((size_t)br * ldb, seed + 1);
    float *c0 = random_floats((size_t)g.m * ldc, seed + 2);
    float *c = malloc((size_t)g.m * ldc * sizeof *c), *c32 = malloc((size_t)g.m * ldc * sizeof *c32);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(c32);
    memcpy(c, c0, (size_t)g.m * ldc * sizeof *c);
    memcpy(c32, c0, (size_t)g.m * ldc * sizeof *c32);
    ck_assert(cs__sbgemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c, ldc));
    cs__sgemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a, lda, b, ldb, g.beta, c32, ldc);
    for (int i = 0; i < g.m; i++) {
        for (int j = 0; j < g.n; j++) {
            double sum = 0.0, mag = 0.0, mag32 = 0.0;
            for (int p = 0; p < g.k; p++) {
                float x = g.ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float y = g.tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                sum += (double)cs__bf16_round(x) * (double)cs__bf16_round(y);
                mag += fabs((double)cs__bf16_round(x) * (double)cs__bf16_round(y));
                mag32 += fabs((double)x * (double)y);
            }
            const double old = (double)c0[(size_t)i * ldc + j];
            const double ref = (double)g.alpha * sum + (g.beta == 0.0f ? 0.0 : (double)g.beta * old);
            const double scale = fabs((double)g.alpha) * mag + fabs((double)g.beta * old) + 1e-30;
            const double got = (double)c[(size_t)i * ldc + j];
            /* fp32 sums of k exact products, plus the alpha/beta update: (k + 4) roundings. */
            ck_assert_msg(fabs(got - ref) <= (g.k + 4) * (double)FLT_EPSILON * scale,
                          "%c%c m %d n %d k %d alpha %g beta %g: C[%d][%d] = %.9g, double on bf16 operands %.9g",
                          g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', g.m, g.n, g.k, (double)g.alpha, (double)g.beta, i, j,
                          got, ref);
            /* Each operand is off by at most 2^-8 relative (8 significant bits): 2^-7 per product. */
            const double loose = 0x1p-7 * fabs((double)g.alpha) * mag32 * 1.01 +
                                 (g.k + 4) * (double)FLT_EPSILON * (scale + fabs((double)g.alpha) * mag32);
            const double f32 = (double)c32[(size_t)i * ldc + j];
            ck_assert_msg(fabs(got - f32) <= loose, "%c%c m %d n %d k %d: C[%d][%d] = %.9g, fp32 %.9g",
                          g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', g.m, g.n, g.k, i, j, got, f32);
        }
        /* The padding between rows of C is never written. */
        for (int j = g.n; j < ldc; j++)
            ck_assert_uint_eq(bits(c[(size_t)i * ldc + j]), bits(c0[(size_t)i * ldc + j]));
    }
    free(a);
    free(b);
    free(c0);
    free(c);
    free(c32);
}

START_TEST(gemm_matches_double_on_rounded_operands_in_every_layout)
{
    static const int sizes[] = { 1, 7, 33, 130 };
    static const float ab[][2] = { { 1.0f, 0.0f }, { 0.5f, 2.0f }, { -1.5f, 1.0f } };
    uint64_t seed = 100;
    for (int t = 0; t < 4; t++)
        for (int mi = 0; mi < 4; mi++)
            for (int ni = 0; ni < 4; ni++)
                for (int ki = 0; ki < 4; ki++) {
                    const float *s = ab[(mi + ni + ki) % 3];
                    check_case((gemm_case){ t & 1, t >> 1, sizes[mi], sizes[ni], sizes[ki], s[0], s[1] }, seed++);
                }
}
END_TEST

START_TEST(gemm_crosses_its_cache_blocks)
{
    /* k over one KC block (256) and odd, m over MC (192), n over NC (2048), in every layout. */
    static const gemm_case shapes[] = {
        { false, false, 5, 40, 601, 1.0f, 0.0f }, { false, false, 200, 37, 19, 1.0f, 1.0f },
        { false, false, 9, 2100, 3, 0.5f, -1.0f }, { false, false, 193, 70, 513, 1.0f, 0.0f },
    };
    uint64_t seed = 900;
    for (int t = 0; t < 4; t++)
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
            gemm_case g = shapes[s];
            g.ta = t & 1;
            g.tb = t >> 1;
            check_case(g, seed++);
        }
}
END_TEST

START_TEST(beta_zero_overwrites_nan)
{
    const int m = 9, n = 35, k = 300;
    float *a = random_floats((size_t)m * k, 1), *b = random_floats((size_t)k * n, 2);
    float *c = malloc((size_t)m * n * sizeof *c);
    ck_assert_ptr_nonnull(c);
    for (size_t i = 0; i < (size_t)m * n; i++)
        c[i] = NAN;
    ck_assert(cs__sbgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n));
    for (size_t i = 0; i < (size_t)m * n; i++)
        ck_assert_msg(isfinite(c[i]), "C[%zu] = %g", i, (double)c[i]);
    /* beta 1 keeps a NaN: it is part of C. */
    c[5] = NAN;
    ck_assert(cs__sbgemm(false, false, m, n, k, 1.0f, a, k, b, n, 1.0f, c, n));
    ck_assert(isnan(c[5]));
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(the_thread_precision_selects_the_kernel)
{
    const int m = 33, n = 70, k = 130;
    float *a = random_floats((size_t)m * k, 3), *b = random_floats((size_t)n * k, 4);
    float *c32 = calloc((size_t)m * n, sizeof *c32), *c16 = calloc((size_t)m * n, sizeof *c16);
    float *c = calloc((size_t)m * n, sizeof *c);
    ck_assert(c32 && c16 && c);
    ck_assert_int_eq(cs__precision_get(), CS_PRECISION_FP32);
    cs__sgemm(false, true, m, n, k, 1.0f, a, k, b, k, 0.0f, c32, n);
    ck_assert(cs__sbgemm(false, true, m, n, k, 1.0f, a, k, b, k, 0.0f, c16, n));
    ck_assert(memcmp(c32, c16, (size_t)m * n * sizeof *c) != 0);
    ck_assert_int_eq(cs__precision_set(CS_PRECISION_BF16), CS_PRECISION_FP32);
    cs__sgemm(false, true, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
    ck_assert_mem_eq(c, c16, (size_t)m * n * sizeof *c);
    ck_assert_int_eq(cs__precision_set(CS_PRECISION_FP32), CS_PRECISION_BF16);
    cs__sgemm(false, true, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
    ck_assert_mem_eq(c, c32, (size_t)m * n * sizeof *c);
    free(a);
    free(b);
    free(c);
    free(c16);
    free(c32);
}
END_TEST

START_TEST(bf16_convolutions_keep_winograd_f2)
{
    /* A 64 -> 64 3x3 convolution on 16x16 planes, which fp32 runs by Winograd F(4x4): under
     * bf16 it must take F(2x2) (0.4 % relative error per convolution against fp32, where
     * F(4x4)'s larger transformed operands gave 2.6 %), in the workspace the fp32 plan sized. */
    cs__conv_shape s;
    ck_assert(cs__conv_shape_init(&s, 2, 64, 16, 16, 64, 3, 3, 1, 1));
    const size_t nx = (size_t)2 * 64 * 16 * 16, nw = (size_t)64 * 64 * 9;
    float *x = random_floats(nx, 11), *w = random_floats(nw, 12);
    float *y32 = malloc(nx * sizeof *y32), *y16 = malloc(nx * sizeof *y16);
    float *work = malloc(cs__conv_workspace(&s) * sizeof *work);
    ck_assert(x && w && y32 && y16 && work);
    cs__conv2d_forward(y32, x, w, NULL, &s, work);
    cs__precision_set(CS_PRECISION_BF16);
    cs__conv2d_forward(y16, x, w, NULL, &s, work);
    cs__precision_set(CS_PRECISION_FP32);
    double d2 = 0.0, n2 = 0.0;
    for (size_t i = 0; i < nx; i++) {
        d2 += ((double)y16[i] - (double)y32[i]) * ((double)y16[i] - (double)y32[i]);
        n2 += (double)y32[i] * (double)y32[i];
    }
    ck_assert_msg(sqrt(d2) <= 0.01 * sqrt(n2), "bf16 convolution off by %g relative", sqrt(d2 / n2));
    free(x);
    free(w);
    free(y32);
    free(y16);
    free(work);
}
END_TEST

enum { N = 8, C = 3, H = 16, W = 16, K = 5 };
static const int32_t labels[N] = { 0, 1, 2, 3, 4, 0, 2, 4 };

/* Three SGD steps on a fixed batch; the losses into loss[3], the logits of an evaluation
 * forward after them into logits[N * K]. */
static void train3(cs_model *m, const float *x, float *loss, float *logits)
{
    float out[N * K];
    for (int s = 0; s < 3; s++) {
        cs_assert_ok(cs_model_zero_grad(m));
        cs_assert_ok(cs_model_forward(out, m, x, N, 1));
        cs_assert_ok(cs_model_backward(&loss[s], m, labels, N));
        cs_assert_ok(cs_model_sgd_step(m, 0.05f, 0.9f, 5e-4f));
    }
    cs_assert_ok(cs_model_forward(logits, m, x, N, 0));
}

/* One training forward and backward from the initial weights: logits and loss out, the
 * gradient block read through cs_model_tensor_grad(m, 0). */
static float first_step(cs_model *m, const float *x, float *logits)
{
    float loss = NAN;
    cs_assert_ok(cs_model_zero_grad(m));
    cs_assert_ok(cs_model_forward(logits, m, x, N, 1));
    cs_assert_ok(cs_model_backward(&loss, m, labels, N));
    return loss;
}

START_TEST(bf16_training_is_deterministic_and_close_to_fp32)
{
    /* How close: at initialisation, with a batch of 8 through 20 or more BatchNorm layers,
     * ResNet18 and GoogLeNet amplify any perturbation: a 0.4 % relative change of their
     * input moves fp32's own gradients by 20 % (ResNet18) and 50 % (GoogLeNet). LeNet is
     * well-conditioned, and there bf16 must be close in every respect. (Under bf16 the 3x3
     * convolutions take Winograd F(2x2) on every plane: 0.4 % relative per convolution against
     * 0.2 % for im2col; see bf16_convolutions_keep_winograd_f2.) */
    static const struct { const char *arch; int c, hw; double logits, loss, grad; } cases[] = {
        { "lenet", 1, 28, 0.02, 0.01, 0.05 }, { "resnet18", C, H, 0.2, 0.03, 0.0 },
        { "googlenet", C, H, 0.2, 0.03, 0.0 } }; /* gradients: 0 = not compared */
    for (size_t a = 0; a < sizeof cases / sizeof *cases; a++) {
        const char *arch = cases[a].arch;
        const int c = cases[a].c, h = cases[a].hw;
        float *x = random_floats((size_t)N * c * h * h, 77 + a);
        cs_model *m1 = cs_test_model(arch, c, h, h, K, 0.25, 5), *m2 = cs_test_model(arch, c, h, h, K, 0.25, 5);
        cs_model *f = cs_test_model(arch, c, h, h, K, 0.25, 5), *g = cs_test_model(arch, c, h, h, K, 0.25, 5);
        cs_model *models[4] = { m1, m2, f, g };
        for (int i = 0; i < 4; i++)
            cs_assert_ok(cs_model_set_threads(models[i], 2));
        cs_assert_ok(cs_model_set_precision(m1, CS_PRECISION_BF16));
        cs_assert_ok(cs_model_set_precision(m2, CS_PRECISION_BF16));
        /* g goes to bf16 and back: fp32 again, bit for bit. */
        cs_assert_ok(cs_model_set_precision(g, CS_PRECISION_BF16));
        cs_assert_ok(cs_model_set_precision(g, CS_PRECISION_FP32));

        /* From the same weights, bf16's logits, loss and gradients are fp32's within what
         * bf16's rounding of the operands explains. */
        float o16[N * K], o32[N * K];
        const float loss16 = first_step(m1, x, o16), loss32 = first_step(f, x, o32);
        double scale = 0.0, diff = 0.0;
        for (int i = 0; i < N * K; i++) {
            scale = fmax(scale, fabs((double)o32[i]));
            diff = fmax(diff, fabs((double)o16[i] - (double)o32[i]));
        }
        ck_assert_msg(diff <= cases[a].logits * scale, "%s: logits differ by %g, largest %g", arch, diff, scale);
        ck_assert_msg(memcmp(o16, o32, sizeof o32) != 0, "%s: bf16 gave fp32's bits", arch);
        ck_assert_msg(fabs((double)loss16 - (double)loss32) <= cases[a].loss * (double)loss32, "%s: loss bf16 %g fp32 %g",
                      arch, (double)loss16, (double)loss32);
        const float *g16 = cs_model_tensor_grad(m1, 0), *g32 = cs_model_tensor_grad(f, 0);
        double d2 = 0.0, n2 = 0.0;
        for (size_t i = 0; i < cs_model_num_params(f); i++) {
            d2 += ((double)g16[i] - (double)g32[i]) * ((double)g16[i] - (double)g32[i]);
            n2 += (double)g32[i] * (double)g32[i];
        }
        ck_assert_msg(cases[a].grad == 0.0 || sqrt(d2) <= cases[a].grad * sqrt(n2), "%s: |grad16 - grad32| = %g, |grad32| = %g", arch, sqrt(d2),
                      sqrt(n2));

        /* Same seed and threads, same bits; and fp32 after bf16 is plain fp32. */
        float l16a[3], l16b[3], l32[3], l32b[3], e16a[N * K], e16b[N * K], e32[N * K], e32b[N * K];
        for (int i = 0; i < 4; i++) {
            cs_model_destroy(models[i]);
            models[i] = cs_test_model(arch, c, h, h, K, 0.25, 5);
            cs_assert_ok(cs_model_set_threads(models[i], 2));
        }
        cs_assert_ok(cs_model_set_precision(models[0], CS_PRECISION_BF16));
        cs_assert_ok(cs_model_set_precision(models[1], CS_PRECISION_BF16));
        cs_assert_ok(cs_model_set_precision(models[3], CS_PRECISION_BF16));
        cs_assert_ok(cs_model_set_precision(models[3], CS_PRECISION_FP32));
        train3(models[0], x, l16a, e16a);
        train3(models[1], x, l16b, e16b);
        train3(models[2], x, l32, e32);
        train3(models[3], x, l32b, e32b);
        ck_assert_mem_eq(l16a, l16b, sizeof l16a);
        ck_assert_mem_eq(e16a, e16b, sizeof e16a);
        ck_assert_mem_eq(l32, l32b, sizeof l32);
        ck_assert_mem_eq(e32, e32b, sizeof e32);
        ck_assert_msg(l16a[2] < l16a[0], "%s: bf16 loss %g -> %g", arch, (double)l16a[0], (double)l16a[2]);
        for (int i = 0; i < 4; i++)
            cs_model_destroy(models[i]);
        free(x);
    }
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bf16") == 0) {
        if (!cs__bf16_hardware()) {
            cs__bf16_check("test_precision");
            fprintf(stderr, "SKIP: the bf16 cases need AVX512_BF16: %s\n", cs_last_error());
            return CS_TEST_SKIPPED;
        }
        Suite *s = suite_create("precision_bf16");
        TCase *tc = tcase_create("bf16");
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, gemm_matches_double_on_rounded_operands_in_every_layout);
        tcase_add_test(tc, gemm_crosses_its_cache_blocks);
        tcase_add_test(tc, beta_zero_overwrites_nan);
        tcase_add_test(tc, the_thread_precision_selects_the_kernel);
        tcase_add_test(tc, bf16_convolutions_keep_winograd_f2);
        tcase_add_test(tc, bf16_training_is_deterministic_and_close_to_fp32);
        suite_add_tcase(s, tc);
        return cs_test_run(s);
    }
    Suite *s = suite_create("precision");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, set_precision_checks_its_arguments);
    tcase_add_test(tc, bf16_without_the_instructions_is_refused_by_name);
    tcase_add_test(tc, rounding_is_to_nearest_even);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
