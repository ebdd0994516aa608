/* Batch norm, pooling (global max pool included), ReLU6 and linear kernels: forward passes
 * against naive double references, backward passes against finite differences in double
 * (gradcheck.h explains the method),
 * PyTorch golden values, and the contract of kernels.h (backward accumulates, NULL gradients
 * are skipped, runs repeat bit for bit).
 *
 * Tolerances, relative to the largest |value| of a tensor: FWD_TOL 1e-6 for forward passes
 * and GRAD_TOL 1e-6 for gradients, over 10x above the worst error seen (~9e-8: the float
 * roundings of the kernels; the finite differences are good to ~1e-10, exact but for rounding
 * where the layer is piecewise linear, as pooling and linear layers are). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "gradcheck.h"
#include "tensor/kernels.h"

#define H 1e-5 /* finite-difference step, below half the 1/64 spacing of cs_test_distinct */
#define GRAD_TOL 1e-6
#define FWD_TOL 1e-6 /* forward: a few float roundings, relative to max |y| */

/* Every shape parameter any of the references needs. */
typedef struct geom {
    int n, c, h, w, hw;     /* activations; hw = h * w */
    int k, stride, pad;     /* pooling */
    int in, out;            /* linear */
    double eps;             /* batch norm */
} geom;

/* The inputs of the PyTorch goldens: ((i * mul) % mod - off) / den, exact in float. */
static float *formula(size_t n, int mul, int mod, int off, int den)
{
    float *a = cs_test_falloc(n);
    for (size_t i = 0; i < n; i++)
        a[i] = (float)((int)((i * (size_t)mul) % (size_t)mod) - off) / (float)den;
    return a;
}

static void check_golden(const char *what, const float *a, const float *golden, size_t n, double tol)
{
    double *ref = cs_test_to_double(golden, n);
    cs_test_check_close(what, a, ref, n, tol);
    free(ref);
}

/* ---- double references ----------------------------------------------------------------------- */

/* in: x (N, C, HW), gamma, beta (C). Training mode: batch mean, biased variance. */
static void ref_bn_train(double *y, double *const *in, const void *shape)
{
    const geom *s = shape;
    const size_t plane = (size_t)s->hw;
    const double m = (double)s->n * s->hw;
    for (int ch = 0; ch < s->c; ch++) {
        double mean = 0.0, var = 0.0;
        for (int i = 0; i < s->n; i++)
            for (size_t j = 0; j < plane; j++)
                mean += in[0][((size_t)i * s->c + ch) * plane + j];
        mean /= m;
        for (int i = 0; i < s->n; i++)
            for (size_t j = 0; j < plane; j++) {
                double d = in[0][((size_t)i * s->c + ch) * plane + j] - mean;
                var += d * d;
            }
        var /= m;
        for (int i = 0; i < s->n; i++)
            for (size_t j = 0; j < plane; j++) {
                size_t o = ((size_t)i * s->c + ch) * plane + j;
                y[o] = (in[0][o] - mean) / sqrt(var + s->eps) * in[1][ch] + in[2][ch];
            }
    }
}

/* in: x (N, C, H, W). Max pooling, or with avg set average pooling counting the padding. */
static void ref_pool(double *y, double *const *in, const geom *s, int avg)
{
    const int ho = cs__pool_out(s->h, s->k, s->stride, s->pad);
    const int wo = cs__pool_out(s->w, s->k, s->stride, s->pad);
    for (int p = 0; p < s->n * s->c; p++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                double best = -INFINITY, sum = 0.0;
                for (int a = 0; a < s->k; a++)
                    for (int b = 0; b < s->k; b++) {
                        int ih = oh * s->stride - s->pad + a, iw = ow * s->stride - s->pad + b;
                        if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
                            continue; /* padding: 0 in the sum, never the max */
                        double v = in[0][((size_t)p * s->h + ih) * s->w + iw];
                        best = fmax(best, v);
                        sum += v;
                    }
                y[((size_t)p * ho + oh) * wo + ow] = avg ? sum / (s->k * s->k) : best;
            }
}

static void ref_maxpool(double *y, double *const *in, const void *shape)
{
    ref_pool(y, in, shape, 0);
}

static void ref_avgpool(double *y, double *const *in, const void *shape)
{
    ref_pool(y, in, shape, 1);
}

static void ref_global_avgpool(double *y, double *const *in, const void *shape)
{
    const geom *s = shape;
    for (int p = 0; p < s->n * s->c; p++) {
        double sum = 0.0;
        for (int j = 0; j < s->hw; j++)
            sum += in[0][(size_t)p * s->hw + j];
        y[p] = sum / s->hw;
    }
}

/* in: x (N, C, HW): the maximum of each plane. */
static void ref_global_maxpool(double *y, double *const *in, const void *shape)
{
    const geom *s = shape;
    for (int p = 0; p < s->n * s->c; p++) {
        double best = -INFINITY;
        for (int j = 0; j < s->hw; j++)
            best = fmax(best, in[0][(size_t)p * s->hw + j]);
        y[p] = best;
    }
}

/* in: x (count in n): min(max(x, 0), 6). */
static void ref_relu6(double *y, double *const *in, const void *shape)
{
    const geom *s = shape;
    for (int i = 0; i < s->n; i++)
        y[i] = fmin(fmax(in[0][i], 0.0), 6.0);
}

/* in: x (N, IN), w (OUT, IN), b (OUT) or NULL. */
static void ref_linear(double *y, double *const *in, const void *shape)
{
    const geom *s = shape;
    for (int i = 0; i < s->n; i++)
        for (int o = 0; o < s->out; o++) {
            double sum = in[2] != NULL ? in[2][o] : 0.0;
            for (int j = 0; j < s->in; j++)
                sum += in[0][(size_t)i * s->in + j] * in[1][(size_t)o * s->in + j];
            y[(size_t)i * s->out + o] = sum;
        }
}

/* ---- the kernels under test, behind one interface -------------------------------------------- */

/* A kernel with its float inputs (x first, then parameters; in[k] NULL when absent), output,
 * saved state, double reference, and forward/backward wrappers. */
typedef struct layer {
    geom s;
    int nin;
    size_t len[3], ny;
    float *in[3], *y, *save[2], *running[2];
    int32_t *argmax;
    cs_test_ref_fn ref;
    void (*forward)(struct layer *l);
    void (*backward)(const struct layer *l, float *const *grad, const float *dy);
} layer;

static void bn_fwd(layer *l)
{
    cs__bn_forward_train(l->y, l->save[0], l->save[1], l->running[0], l->running[1], l->in[0],
                         l->in[1], l->in[2], l->s.n, l->s.c, l->s.hw, 0.1, l->s.eps);
}
static void bn_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__bn_backward(grad[0], grad[1], grad[2], dy, l->in[0], l->save[0], l->save[1], l->in[1],
                    l->s.n, l->s.c, l->s.hw);
}
static void maxpool_fwd(layer *l)
{
    cs__maxpool_forward(l->y, l->argmax, l->in[0], l->s.n, l->s.c, l->s.h, l->s.w, l->s.k,
                        l->s.stride, l->s.pad);
}
static void maxpool_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__maxpool_backward(grad[0], dy, l->argmax, l->s.n, l->s.c, l->s.h, l->s.w,
                         cs__pool_out(l->s.h, l->s.k, l->s.stride, l->s.pad),
                         cs__pool_out(l->s.w, l->s.k, l->s.stride, l->s.pad));
}
static void avgpool_fwd(layer *l)
{
    cs__avgpool_forward(l->y, l->in[0], l->s.n, l->s.c, l->s.h, l->s.w, l->s.k, l->s.stride,
                        l->s.pad);
}
static void avgpool_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__avgpool_backward(grad[0], dy, l->s.n, l->s.c, l->s.h, l->s.w, l->s.k, l->s.stride,
                         l->s.pad);
}
static void gap_fwd(layer *l)
{
    cs__global_avgpool_forward(l->y, l->in[0], l->s.n, l->s.c, l->s.hw);
}
static void gap_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__global_avgpool_backward(grad[0], dy, l->s.n, l->s.c, l->s.hw);
}
static void gmp_fwd(layer *l)
{
    cs__global_maxpool_forward(l->y, l->argmax, l->in[0], l->s.n, l->s.c, l->s.hw);
}
static void gmp_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__global_maxpool_backward(grad[0], dy, l->argmax, l->s.n, l->s.c, l->s.hw);
}
static void relu6_fwd(layer *l)
{
    cs__relu6_forward(l->y, l->in[0], (size_t)l->s.n);
}
static void relu6_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__relu6_backward(grad[0], dy, l->y, (size_t)l->s.n);
}
static void linear_fwd(layer *l)
{
    cs__linear_forward(l->y, l->in[0], l->in[1], l->in[2], l->s.n, l->s.in, l->s.out);
}
static void linear_bwd(const layer *l, float *const *grad, const float *dy)
{
    cs__linear_backward(grad[0], grad[1], grad[2], dy, l->in[0], l->in[1], l->s.n, l->s.in,
                        l->s.out);
}

/* x of a BN layer is uniform in [offset - 1, offset + 1); gamma in [0.5, 1.5), beta in
 * [-0.5, 0.5); running statistics start at PyTorch's 0 and 1. */
static layer make_bn(int n, int c, int hw, float offset, uint64_t seed)
{
    layer l = { .s = { .n = n, .c = c, .hw = hw, .eps = (double)1e-5f }, .nin = 3,
                .ref = ref_bn_train, .forward = bn_fwd, .backward = bn_bwd };
    l.len[0] = l.ny = (size_t)n * c * hw;
    l.len[1] = l.len[2] = (size_t)c;
    l.in[0] = cs_test_floats(l.len[0], seed, offset - 1.0f, offset + 1.0f);
    l.in[1] = cs_test_floats((size_t)c, seed + 1, 0.5f, 1.5f);
    l.in[2] = cs_test_floats((size_t)c, seed + 2, -0.5f, 0.5f);
    for (int i = 0; i < 2; i++) {
        l.save[i] = cs_test_falloc((size_t)c);
        l.running[i] = cs_test_falloc((size_t)c);
    }
    for (int ch = 0; ch < c; ch++)
        l.running[1][ch] = 1.0f;
    l.y = cs_test_falloc(l.ny);
    return l;
}

/* Pooling over distinct inputs. kind: 'm' max, 'a' average. */
static layer make_pool(char kind, int n, int c, int h, int w, int k, int stride, int pad,
                       uint64_t seed)
{
    layer l = { .s = { .n = n, .c = c, .h = h, .w = w, .hw = h * w, .k = k, .stride = stride,
                       .pad = pad },
                .nin = 1 };
    l.len[0] = (size_t)n * c * h * w;
    l.ny = (size_t)n * c * cs__pool_out(h, k, stride, pad) * cs__pool_out(w, k, stride, pad);
    ck_assert_uint_gt(l.ny, 0);
    l.in[0] = cs_test_distinct(l.len[0], seed);
    l.y = cs_test_falloc(l.ny);
    if (kind == 'm') {
        l.argmax = calloc(l.ny, sizeof *l.argmax);
        ck_assert_ptr_nonnull(l.argmax);
        l.ref = ref_maxpool, l.forward = maxpool_fwd, l.backward = maxpool_bwd;
    } else {
        l.ref = ref_avgpool, l.forward = avgpool_fwd, l.backward = avgpool_bwd;
    }
    return l;
}

static layer make_gap(int n, int c, int hw, uint64_t seed)
{
    layer l = { .s = { .n = n, .c = c, .hw = hw }, .nin = 1, .ref = ref_global_avgpool,
                .forward = gap_fwd, .backward = gap_bwd };
    l.len[0] = (size_t)n * c * hw;
    l.ny = (size_t)n * c;
    l.in[0] = cs_test_floats(l.len[0], seed, -1.0f, 1.0f);
    l.y = cs_test_falloc(l.ny);
    return l;
}

/* Global max pooling over distinct inputs (no ties: a finite-difference step cannot move an
 * argmax). */
static layer make_gmp(int n, int c, int hw, uint64_t seed)
{
    layer l = { .s = { .n = n, .c = c, .hw = hw }, .nin = 1, .ref = ref_global_maxpool,
                .forward = gmp_fwd, .backward = gmp_bwd };
    l.len[0] = (size_t)n * c * hw;
    l.ny = (size_t)n * c;
    l.in[0] = cs_test_distinct(l.len[0], seed);
    l.argmax = calloc(l.ny, sizeof *l.argmax);
    ck_assert_ptr_nonnull(l.argmax);
    l.y = cs_test_falloc(l.ny);
    return l;
}

/* ReLU6 of `count` values uniform in [-2, 8): both kinks and both flat parts. A value within
 * the step H of 0 or 6 would spoil the finite difference; the seeds used have none (checked). */
static layer make_relu6(int count, uint64_t seed)
{
    layer l = { .s = { .n = count }, .nin = 1, .ref = ref_relu6, .forward = relu6_fwd,
                .backward = relu6_bwd };
    l.len[0] = l.ny = (size_t)count;
    l.in[0] = cs_test_floats(l.len[0], seed, -2.0f, 8.0f);
    for (int i = 0; i < count; i++)
        ck_assert(fabsf(l.in[0][i]) > 1e-4f && fabsf(l.in[0][i] - 6.0f) > 1e-4f);
    l.y = cs_test_falloc(l.ny);
    return l;
}

static layer make_linear(int n, int in, int out, int bias, uint64_t seed)
{
    layer l = { .s = { .n = n, .in = in, .out = out }, .nin = 3, .ref = ref_linear,
                .forward = linear_fwd, .backward = linear_bwd };
    l.len[0] = (size_t)n * in;
    l.len[1] = (size_t)out * in;
    l.len[2] = (size_t)out;
    l.ny = (size_t)n * out;
    l.in[0] = cs_test_floats(l.len[0], seed, -1.0f, 1.0f);
    l.in[1] = cs_test_floats(l.len[1], seed + 1, -0.5f, 0.5f);
    l.in[2] = bias ? cs_test_floats(l.len[2], seed + 2, -0.5f, 0.5f) : NULL;
    l.y = cs_test_falloc(l.ny);
    return l;
}

static void free_layer(layer *l)
{
    for (int k = 0; k < 3; k++)
        free(l->in[k]);
    for (int i = 0; i < 2; i++) {
        free(l->save[i]);
        free(l->running[i]);
    }
    free(l->argmax);
    free(l->y);
}

/* Gradient buffers for the inputs that exist: random from init_seed, or zeros for 0. */
typedef struct grads {
    float *g[3];
} grads;

static grads new_grads(const layer *l, uint64_t init_seed)
{
    grads d = { { NULL, NULL, NULL } };
    for (int k = 0; k < l->nin; k++)
        if (l->in[k] != NULL)
            d.g[k] = init_seed ? cs_test_floats(l->len[k], init_seed + (uint64_t)k, -1.0f, 1.0f)
                               : cs_test_falloc(l->len[k]);
    return d;
}

static void free_grads(grads *d)
{
    for (int k = 0; k < 3; k++)
        free(d->g[k]);
}

/* Forward against the double reference, then backward against finite differences. */
static void check_layer(const char *what, layer *l, uint64_t seed)
{
    double *in[3] = { NULL, NULL, NULL };
    for (int k = 0; k < l->nin; k++)
        if (l->in[k] != NULL)
            in[k] = cs_test_to_double(l->in[k], l->len[k]);
    double *yref = cs_test_dalloc(l->ny);
    l->forward(l);
    l->ref(yref, in, &l->s);
    char name[80];
    snprintf(name, sizeof name, "%s y", what);
    cs_test_check_close(name, l->y, yref, l->ny, FWD_TOL);

    float *dy = cs_test_floats(l->ny, seed, -1.0f, 1.0f);
    double *g = cs_test_to_double(dy, l->ny);
    grads d = new_grads(l, 0);
    l->backward(l, d.g, dy);
    cs_test_check_grads(what, l->ref, &l->s, in, l->len, d.g, l->nin, g, l->ny, H, GRAD_TOL);

    free_grads(&d);
    free(g);
    free(dy);
    free(yref);
    for (int k = 0; k < 3; k++)
        free(in[k]);
}

/* ---- batch norm ---------------------------------------------------------------------------- */

/* Channels over which BN runs: a conv output; after a linear layer (hw = 1); a batch of one
 * image; data far from zero (mean 3), as after a ReLU. */
static const int bn_shapes[][4] = { { 4, 3, 5, 0 }, { 8, 2, 1, 0 }, { 1, 3, 6, 0 }, { 3, 2, 7, 3 } };

START_TEST(bn_train_matches_reference_and_finite_differences)
{
    const int *sh = bn_shapes[_i];
    layer l = make_bn(sh[0], sh[1], sh[2], (float)sh[3], 10 + (uint64_t)_i);
    char what[64];
    snprintf(what, sizeof what, "bn (%d, %d, %d) offset %d", sh[0], sh[1], sh[2], sh[3]);
    check_layer(what, &l, 20 + (uint64_t)_i);
    /* The saved statistics are the batch mean and 1/sqrt(biased var + eps). */
    const size_t plane = (size_t)sh[2], m = (size_t)sh[0] * plane;
    for (int ch = 0; ch < sh[1]; ch++) {
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < m; i++)
            mean += l.in[0][((i / plane) * (size_t)sh[1] + (size_t)ch) * plane + i % plane];
        mean /= (double)m;
        for (size_t i = 0; i < m; i++) {
            double d = l.in[0][((i / plane) * (size_t)sh[1] + (size_t)ch) * plane + i % plane] - mean;
            var += d * d;
        }
        double invstd = 1.0 / sqrt(var / (double)m + l.s.eps);
        ck_assert_double_eq_tol(l.save[0][ch], mean, 1e-6 * fmax(1.0, fabs(mean)));
        ck_assert_double_eq_tol(l.save[1][ch], invstd, 1e-6 * invstd);
        /* One update from (0, 1) with momentum 0.1 and the unbiased variance. */
        ck_assert_double_eq_tol(l.running[0][ch], 0.1 * mean, 1e-6 * fmax(1.0, fabs(mean)));
        ck_assert_double_eq_tol(l.running[1][ch], 0.9 + 0.1 * var / (double)(m - 1), 1e-6);
    }
    free_layer(&l);
}
END_TEST

START_TEST(bn_running_statistics_follow_pytorch_momentum)
{
    /* x (N=2, C=2, HW=2). Channel 0: {1, 2, 3, 4}, mean 2.5, unbiased var 5/3; then
     * {0, 0, 2, 6}, mean 2, unbiased var 24/3 = 8. Channel 1: {-2, 0, 0, 2}, mean 0,
     * unbiased var 8/3; then {1, 1, 1, 1}, mean 1, var 0. From running (0, 1) and (0.5, 2):
     *   ch 0: mean 0.9*0 + 0.1*2.5 = 0.25 -> 0.9*0.25 + 0.1*2 = 0.425
     *         var  0.9*1 + 0.1*5/3 = 1.0666... -> 0.9*1.0666... + 0.1*8 = 1.76
     *   ch 1: mean 0.9*0.5 + 0 = 0.45 -> 0.9*0.45 + 0.1*1 = 0.505
     *         var  0.9*2 + 0.1*8/3 = 2.0666... -> 0.9*2.0666... + 0 = 1.86 */
    const float x1[8] = { 1, 2, -2, 0, 3, 4, 0, 2 }, x2[8] = { 0, 0, 1, 1, 2, 6, 1, 1 };
    const float gamma[2] = { 1, 1 }, beta[2] = { 0, 0 };
    float y[8], mean[2], invstd[2], rm[2] = { 0.0f, 0.5f }, rv[2] = { 1.0f, 2.0f };
    cs__bn_forward_train(y, mean, invstd, rm, rv, x1, gamma, beta, 2, 2, 2, 0.1, 1e-5);
    ck_assert_double_eq_tol(rm[0], 0.25, 1e-7);
    ck_assert_double_eq_tol(rv[0], 0.9 + 0.1 * 5.0 / 3.0, 2e-7);
    ck_assert_double_eq_tol(invstd[0], 1.0 / sqrt(1.25 + (double)1e-5f), 1e-7);
    cs__bn_forward_train(y, mean, invstd, rm, rv, x2, gamma, beta, 2, 2, 2, 0.1, 1e-5);
    ck_assert_double_eq_tol(rm[0], 0.425, 1e-7);
    ck_assert_double_eq_tol(rv[0], 1.76, 2e-7);
    ck_assert_double_eq_tol(rm[1], 0.505, 1e-7);
    ck_assert_double_eq_tol(rv[1], 1.86, 2e-7);
    ck_assert_float_eq(mean[1], 1.0f);
    /* A constant channel normalises to beta: var 0, x - mean 0. */
    for (int i = 0; i < 2; i++)
        ck_assert_float_eq(y[4 * i + 2], 0.0f);
}
END_TEST

START_TEST(bn_with_one_value_per_channel_has_no_unbiased_variance)
{
    /* m = 1: PyTorch's module refuses to train on it; ATen's kernel divides 0 by 0. The
     * normalised output is beta, and the running variance reports NaN rather than a guess. */
    const float x[2] = { 3.0f, -1.0f }, gamma[2] = { 2.0f, 2.0f }, beta[2] = { 0.5f, -0.5f };
    float y[2], mean[2], invstd[2], rm[2] = { 0, 0 }, rv[2] = { 1, 1 };
    cs__bn_forward_train(y, mean, invstd, rm, rv, x, gamma, beta, 1, 2, 1, 0.1, 1e-5);
    ck_assert_float_eq(y[0], 0.5f);
    ck_assert_float_eq(y[1], -0.5f);
    ck_assert_double_eq_tol(rm[0], 0.3, 1e-7);
    ck_assert(isnan(rv[0]) && isnan(rv[1]));
}
END_TEST

START_TEST(bn_eval_normalises_with_running_statistics)
{
    layer l = make_bn(3, 4, 5, 1.0f, 30);
    float *rm = cs_test_floats(4, 31, -1.0f, 1.0f), *rv = cs_test_floats(4, 32, 0.1f, 3.0f);
    cs__bn_forward_eval(l.y, l.in[0], l.in[1], l.in[2], rm, rv, 3, 4, 5, 1e-5);
    double *ref = cs_test_dalloc(l.ny);
    for (size_t i = 0; i < l.ny; i++) {
        size_t ch = (i / 5) % 4;
        ref[i] = (l.in[0][i] - (double)rm[ch]) / sqrt((double)rv[ch] + (double)1e-5f) * l.in[1][ch]
                 + l.in[2][ch];
    }
    cs_test_check_close("bn eval y", l.y, ref, l.ny, FWD_TOL);
    free(ref);
    free(rm);
    free(rv);
    free_layer(&l);
}
END_TEST

/* Golden values from tests/reference/layers_reference.py (PyTorch 1.13.0a0, Debian 12's
 * python3-torch): BatchNorm2d(3) on x = ((37 i) % 23 - 11) / 8 of shape (2, 3, 2, 2) in train
 * mode, running statistics starting at (0, 1, -1) and (1, 2, 0.5), backward of
 * dy = ((11 i) % 7 - 3) / 4, then eval mode with the updated running statistics. */
static const float torch_bn_y[24] = { -1.42323565f, 0.544695139f, -0.720403194f, 1.2475276f, 0.129518107f, -0.593373299f, 0.531124473f, -0.191766962f, -1.8213644f, 0.71786356f, 3.25709152f, -0.692818642f, -0.439270258f, 1.52866054f, 0.263562143f, -1.00153613f, 0.691766977f, -0.0311244279f, 1.0933733f, 0.370481908f, 2.69281864f, -1.25709152f, 1.28213644f, 3.8213644f };
static const float torch_bn_running_mean[3] = { -0.0109374998f, 0.90625f, -0.912499964f };
static const float torch_bn_running_var[3] = { 0.99037385f, 1.86919641f, 0.539732158f };
static const float torch_bn_dx[24] = { -0.526162267f, 0.208312288f, -0.384335458f, 0.350139081f, -0.209871218f, 0.257808745f, 0.0479325317f, -0.608885229f, -1.11310208f, 0.819740057f, -1.19732797f, 0.122120805f, 0.965606868f, -0.267849326f, -0.860497117f, 0.514785886f, -0.234488055f, 0.233191907f, 0.0233156905f, 0.490995675f, -0.122120805f, 1.19732797f, -0.819740057f, 1.11310208f };
static const float torch_bn_dgamma[3] = { 1.41005754f, -1.50602376f, -0.670074046f };
static const float torch_bn_dbeta[3] = { -0.25f, 0.25f, -1.0f };
static const float torch_bn_eval_y[24] = { -1.37066865f, 0.387806594f, -0.742641807f, 1.0158335f, -0.127142355f, -0.538570404f, 0.10142877f, -0.309999257f, -4.54669666f, -1.48410344f, 1.57849002f, -3.18554425f, -0.491431028f, 1.26704419f, 0.136595845f, -0.993852556f, 0.192857221f, -0.218570814f, 0.421428353f, 0.0100003183f, 0.897913694f, -3.86612058f, -0.803527117f, 2.25906634f };

START_TEST(bn_matches_pytorch)
{
    float *x = formula(24, 37, 23, 11, 8), *dy = formula(24, 11, 7, 3, 4);
    const float gamma[3] = { 1.0f, 0.5f, -2.0f }, beta[3] = { 0.0f, 0.25f, 1.0f };
    float rm[3] = { 0.0f, 1.0f, -1.0f }, rv[3] = { 1.0f, 2.0f, 0.5f };
    float y[24], mean[3], invstd[3], dx[24] = { 0 }, dgamma[3] = { 0 }, dbeta[3] = { 0 };
    cs__bn_forward_train(y, mean, invstd, rm, rv, x, gamma, beta, 2, 3, 4, 0.1, 1e-5);
    cs__bn_backward(dx, dgamma, dbeta, dy, x, mean, invstd, gamma, 2, 3, 4);
    /* PyTorch's float reductions and ours in double agree to a few ulp. */
    check_golden("bn y", y, torch_bn_y, 24, FWD_TOL);
    check_golden("bn running_mean", rm, torch_bn_running_mean, 3, FWD_TOL);
    check_golden("bn running_var", rv, torch_bn_running_var, 3, FWD_TOL);
    check_golden("bn dx", dx, torch_bn_dx, 24, FWD_TOL);
    check_golden("bn dgamma", dgamma, torch_bn_dgamma, 3, FWD_TOL);
    check_golden("bn dbeta", dbeta, torch_bn_dbeta, 3, FWD_TOL);
    cs__bn_forward_eval(y, x, gamma, beta, rm, rv, 2, 3, 4, 1e-5);
    check_golden("bn eval y", y, torch_bn_eval_y, 24, FWD_TOL);
    free(x);
    free(dy);
}
END_TEST

/* The phases the data-parallel executor runs, on a batch cut into `parts` shards of whole
 * samples: with one shard exactly the one-call kernels' bits, with several the same values but
 * for rounding (the partial sums are grouped by shard). */
static void bn_in_shards(float *y, float *dx, float *dgamma, float *dbeta, float *rm, float *rv, const float *x,
                         const float *dy, const float *gamma, const float *beta, int n, int c, int hw, int parts)
{
    double sums[4 * 8 * 4], ssd[4 * 8 * 4], back[4 * 2 * 8 * 4];
    float mean[8], invstd[8];
    const double m = (double)n * hw;
    const size_t img = (size_t)c * (size_t)hw;
    int lo[5];
    for (int p = 0; p <= parts; p++)
        lo[p] = n * p / parts;
    for (int p = 0; p < parts; p++)
        cs__bn_partial_sums(sums + p * c, x + lo[p] * img, lo[p + 1] - lo[p], c, hw);
    cs__bn_batch_mean(mean, sums, parts, c, m);
    for (int p = 0; p < parts; p++)
        cs__bn_partial_ssd(ssd + p * c, x + lo[p] * img, mean, lo[p + 1] - lo[p], c, hw);
    cs__bn_batch_invstd(invstd, ssd, parts, c, m, 1e-5);
    cs__bn_update_running(rm, rv, mean, ssd, parts, c, m, 0.1);
    for (int p = 0; p < parts; p++)
        cs__bn_normalize(y + lo[p] * img, x + lo[p] * img, mean, invstd, gamma, beta, lo[p + 1] - lo[p], c, hw);
    for (int p = 0; p < parts; p++)
        cs__bn_backward_partial(back + p * 2 * c, dy + lo[p] * img, x + lo[p] * img, mean, invstd,
                                lo[p + 1] - lo[p], c, hw);
    cs__bn_backward_params(dgamma, dbeta, back, parts, c);
    for (int p = 0; p < parts; p++)
        cs__bn_backward_input(dx + lo[p] * img, dy + lo[p] * img, x + lo[p] * img, mean, invstd, gamma, back, parts,
                              lo[p + 1] - lo[p], c, hw, m);
}

START_TEST(bn_phases_match_the_one_call_kernels)
{
    enum { N = 7, C = 3, HW = 13, COUNT = N * C * HW };
    float *x = formula(COUNT, 37, 23, 11, 8), *dy = formula(COUNT, 11, 7, 3, 4);
    for (int i = 0; i < COUNT; i++)
        x[i] += 3.0f; /* a mean far from 0, where grouping matters most */
    const float gamma[C] = { 1.0f, 0.5f, -2.0f }, beta[C] = { 0.0f, 0.25f, 1.0f };
    float y1[COUNT], dx1[COUNT] = { 0 }, mean[C], invstd[C], rm1[C] = { 0.5f, 1, -1 }, rv1[C] = { 1, 2, 0.5f };
    float dg1[C] = { 0.5f, 0, 0 }, db1[C] = { 0, -0.5f, 0 };
    cs__bn_forward_train(y1, mean, invstd, rm1, rv1, x, gamma, beta, N, C, HW, 0.1, 1e-5);
    cs__bn_backward(dx1, dg1, db1, dy, x, mean, invstd, gamma, N, C, HW);
    for (int parts = 1; parts <= 4; parts++) {
        float y[COUNT], dx[COUNT] = { 0 }, rm[C] = { 0.5f, 1, -1 }, rv[C] = { 1, 2, 0.5f };
        float dg[C] = { 0.5f, 0, 0 }, db[C] = { 0, -0.5f, 0 };
        bn_in_shards(y, dx, dg, db, rm, rv, x, dy, gamma, beta, N, C, HW, parts);
        if (parts == 1) {
            ck_assert_mem_eq(y, y1, sizeof y);
            ck_assert_mem_eq(dx, dx1, sizeof dx);
            ck_assert_mem_eq(dg, dg1, sizeof dg);
            ck_assert_mem_eq(db, db1, sizeof db);
            ck_assert_mem_eq(rm, rm1, sizeof rm);
            ck_assert_mem_eq(rv, rv1, sizeof rv);
            continue;
        }
        check_golden("phased y", y, y1, COUNT, FWD_TOL);
        check_golden("phased dx", dx, dx1, COUNT, FWD_TOL);
        check_golden("phased dgamma", dg, dg1, C, FWD_TOL);
        check_golden("phased dbeta", db, db1, C, FWD_TOL);
        check_golden("phased running_mean", rm, rm1, C, FWD_TOL);
        check_golden("phased running_var", rv, rv1, C, FWD_TOL);
    }
    free(x);
    free(dy);
}
END_TEST

/* ---- pooling --------------------------------------------------------------------------------- */

START_TEST(pool_out_follows_pytorch_floor_formula)
{
    /* in, k, stride, pad, expected: LeNet 2x2/2, GoogLeNet 3x3/2 pad 1, the inception pool
     * branch 3x3/1 pad 1, a window larger than the input, and settings PyTorch rejects. */
    static const int cases[][5] = { { 28, 2, 2, 0, 14 }, { 27, 2, 2, 0, 13 }, { 32, 3, 2, 1, 16 },
                                    { 7, 3, 2, 1, 4 },   { 5, 3, 1, 1, 5 },   { 4, 4, 4, 0, 1 },
                                    { 1, 2, 2, 0, 0 },   { 3, 3, 1, 2, 0 },   { 0, 2, 2, 0, 0 },
                                    { 5, 0, 1, 0, 0 },   { 5, 2, 0, 0, 0 },   { 5, 2, 1, -1, 0 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int *c = cases[i];
        ck_assert_msg(cs__pool_out(c[0], c[1], c[2], c[3]) == c[4], "pool_out(%d, %d, %d, %d) = %d, expected %d",
                      c[0], c[1], c[2], c[3], cs__pool_out(c[0], c[1], c[2], c[3]), c[4]);
    }
}
END_TEST

/* h, w, k, stride, pad: 2x2/2 on even and odd sizes, 3x3/2 pad 1, 3x3/1 pad 1. */
static const int pool_shapes[][5] = { { 6, 6, 2, 2, 0 }, { 7, 5, 2, 2, 0 }, { 7, 7, 3, 2, 1 },
                                      { 8, 6, 3, 2, 1 }, { 5, 6, 3, 1, 1 } };
#define POOL_SHAPES ((int)(sizeof pool_shapes / sizeof pool_shapes[0]))

START_TEST(pools_match_reference_and_finite_differences)
{
    const int *p = pool_shapes[_i % POOL_SHAPES];
    const char kind = _i < POOL_SHAPES ? 'm' : 'a';
    layer l = make_pool(kind, 2, 3, p[0], p[1], p[2], p[3], p[4], 50 + (uint64_t)_i);
    char what[64];
    snprintf(what, sizeof what, "%cpool %dx%d k%d s%d p%d", kind, p[0], p[1], p[2], p[3], p[4]);
    check_layer(what, &l, 60 + (uint64_t)_i);
    if (kind == 'm') { /* each saved index points at its maximum, inside the plane */
        const size_t out_plane = l.ny / 6, in_plane = (size_t)p[0] * p[1];
        for (size_t o = 0; o < l.ny; o++) {
            ck_assert(l.argmax[o] >= 0 && (size_t)l.argmax[o] < in_plane);
            ck_assert_float_eq(l.in[0][(o / out_plane) * in_plane + (size_t)l.argmax[o]], l.y[o]);
        }
    }
    free_layer(&l);
}
END_TEST

START_TEST(maxpool_breaks_ties_and_ignores_padding_as_pytorch)
{
    /* A constant plane: every window is a tie, won by its first element in row-major order. */
    float x[16], y[4], dx[16] = { 0 };
    const float dy[4] = { 1, 2, 3, 4 };
    int32_t am[4];
    for (int i = 0; i < 16; i++)
        x[i] = -3.0f; /* negative, so a zero from the padding would win if it were a candidate */
    cs__maxpool_forward(y, am, x, 1, 1, 4, 4, 3, 2, 1);
    const int32_t first[4] = { 0, 1, 4, 5 }; /* windows start at (-1, -1), (-1, 1), (1, -1), (1, 1) */
    for (int o = 0; o < 4; o++) {
        ck_assert_float_eq(y[o], -3.0f);
        ck_assert_int_eq(am[o], first[o]);
    }
    cs__maxpool_backward(dx, dy, am, 1, 1, 4, 4, 2, 2);
    ck_assert_float_eq(dx[0], 1.0f);
    ck_assert_float_eq(dx[1], 2.0f);
    ck_assert_float_eq(dx[4], 3.0f);
    ck_assert_float_eq(dx[5], 4.0f);

    /* All -inf: -inf at the window's first in-bounds element. NaN wins and propagates. */
    for (int i = 0; i < 16; i++)
        x[i] = -INFINITY;
    x[10] = NAN;
    cs__maxpool_forward(y, am, x, 1, 1, 4, 4, 2, 2, 0);
    ck_assert(isinf(y[0]) && y[0] < 0 && am[0] == 0);
    ck_assert(isnan(y[3]) && am[3] == 10);
}
END_TEST

/* The interior of a row is computed across the row without branches, 2x2 stride-2 pools (even
 * and odd planes) and 3x3 padding-1 pools of stride 1 and 2 (separably, four outputs per
 * vector, any size from 1x1; rows wider than its buffers take the general path) by paths of
 * their own; compare every output and index with a window-by-window scan, on values with many
 * ties, some NaN (of two payloads) and some -inf. Without argmax (a pool recomputed in backward,
 * evaluation) every path gives the same bits of y. */
START_TEST(maxpool_interior_path_matches_window_scan)
{
    const int shapes[][5] = { { 9, 11, 3, 1, 1 }, { 8, 8, 2, 2, 0 }, { 10, 7, 3, 2, 1 }, { 6, 13, 5, 1, 2 },
                              { 5, 5, 5, 1, 0 }, { 12, 12, 3, 3, 0 }, { 7, 9, 2, 2, 0 }, { 2, 2, 2, 2, 0 },
                              { 28, 28, 3, 1, 1 }, { 7, 7, 3, 1, 1 }, { 1, 9, 3, 1, 1 }, { 9, 1, 3, 1, 1 },
                              { 2, 2, 3, 1, 1 }, { 1, 1, 3, 1, 1 }, { 4, 5, 3, 1, 1 }, { 3, 600, 3, 1, 1 },
                              { 28, 28, 3, 2, 1 }, { 17, 18, 3, 2, 1 }, { 20, 19, 3, 2, 1 }, { 1, 1, 3, 2, 1 },
                              { 2, 2, 3, 2, 1 }, { 3, 1100, 3, 2, 1 }, { 9, 12, 3, 2, 0 } };
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const int h = shapes[si][0], w = shapes[si][1], k = shapes[si][2], st = shapes[si][3], pad = shapes[si][4];
        const int ho = cs__pool_out(h, k, st, pad), wo = cs__pool_out(w, k, st, pad);
        float *x = malloc(sizeof *x * (size_t)(2 * h * w)), *y = malloc(sizeof *y * (size_t)(2 * ho * wo));
        int32_t *am = malloc(sizeof *am * (size_t)(2 * ho * wo));
        float *values = malloc(sizeof *values * (size_t)(2 * ho * wo));
        for (int i = 0; i < 2 * h * w; i++)
            x[i] = (i * 7 + (int)si) % 29 == 0   ? (i % 2 ? NAN : -NAN)
                   : (i * 11 + (int)si) % 23 == 0 ? -INFINITY
                                                  : (float)((i * 13 + (int)si) % 5) - 2.0f;
        cs__maxpool_forward(y, am, x, 1, 2, h, w, k, st, pad);
        cs__maxpool_forward(values, NULL, x, 1, 2, h, w, k, st, pad);
        ck_assert_msg(memcmp(values, y, sizeof *y * (size_t)(2 * ho * wo)) == 0, "shape %zu: values alone differ", si);
        free(values);
        for (int p = 0; p < 2; p++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    float best = -INFINITY;
                    int h0 = oh * st - pad < 0 ? 0 : oh * st - pad, w0 = ow * st - pad < 0 ? 0 : ow * st - pad;
                    int at = h0 * w + w0;
                    for (int ih = h0; ih < oh * st - pad + k && ih < h; ih++)
                        for (int iw = w0; iw < ow * st - pad + k && iw < w; iw++) {
                            float v = x[p * h * w + ih * w + iw];
                            if (v > best || isnan(v)) {
                                best = v;
                                at = ih * w + iw;
                            }
                        }
                    const int o = p * ho * wo + oh * wo + ow;
                    ck_assert_msg(am[o] == at, "shape %zu plane %d (%d, %d): index %d, expected %d", si, p, oh, ow,
                                  am[o], at);
                    ck_assert(isnan(best) ? isnan(y[o]) : y[o] == best);
                }
        free(x);
        free(y);
        free(am);
    }
}
END_TEST

/* The packed positions that training saves (one byte per output for 3x3 windows on rows up
 * to 126, two bytes for wider rows, the offsets themselves beyond): the backward adds the same
 * values at the same offsets in the same order as the offsets' backward, bit for bit, also
 * where windows overlap the padding and each other. */
START_TEST(maxpool_packed_positions_give_the_offsets_backward)
{
    const int shapes[][5] = { { 9, 11, 3, 1, 1 }, { 8, 8, 2, 2, 0 }, { 10, 7, 3, 2, 1 }, { 6, 13, 5, 1, 2 },
                              { 32, 32, 3, 1, 1 }, { 32, 32, 3, 2, 1 }, { 3, 126, 3, 1, 1 }, { 3, 127, 3, 1, 1 },
                              { 2, 600, 3, 2, 1 }, { 300, 300, 300, 1, 0 }, { 1, 1, 3, 1, 1 } };
    ck_assert_int_eq(cs__maxpool_code_bytes(126, 3), 1);
    ck_assert_int_eq(cs__maxpool_code_bytes(127, 3), 2);
    ck_assert_int_eq(cs__maxpool_code_bytes(300, 300), 4);
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const int h = shapes[si][0], w = shapes[si][1], k = shapes[si][2], st = shapes[si][3], pad = shapes[si][4];
        const int ho = cs__pool_out(h, k, st, pad), wo = cs__pool_out(w, k, st, pad), n = 2, c = 3;
        const size_t in = (size_t)n * c * h * w, out = (size_t)n * c * ho * wo;
        float *x = malloc(sizeof *x * in), *y = malloc(sizeof *y * out), *dy = malloc(sizeof *dy * out);
        float *want = malloc(sizeof *want * in), *got = malloc(sizeof *got * in);
        int32_t *am = malloc(sizeof *am * out);
        void *codes = malloc(4 * out);
        for (size_t i = 0; i < in; i++) {
            x[i] = (float)((i * 13 + si) % 7) - 3.0f;
            want[i] = got[i] = (float)((i * 5) % 9) * 0.1f;
        }
        for (size_t i = 0; i < out; i++)
            dy[i] = (float)((i * 17 + si) % 11) * 0.37f - 1.5f;
        cs__maxpool_forward(y, am, x, n, c, h, w, k, st, pad);
        const int bytes = cs__maxpool_code_bytes(w, k);
        cs__maxpool_pack(codes, bytes, am, (size_t)n * c, w, ho, wo, st, pad);
        cs__maxpool_backward(want, dy, am, n, c, h, w, ho, wo);
        cs__maxpool_backward_packed(got, dy, codes, bytes, n, c, h, w, ho, wo, st, pad);
        ck_assert_msg(memcmp(want, got, sizeof *got * in) == 0, "shape %zu (%d bytes)", si, bytes);
        free(x);
        free(y);
        free(dy);
        free(want);
        free(got);
        free(am);
        free(codes);
    }
}
END_TEST

/* Golden values from tests/reference/layers_reference.py (PyTorch 1.13.0a0, Debian 12): max_pool2d
 * (3, stride 2, padding 1, return_indices) of x = i % 6, shape (1, 1, 5, 5), whose windows
 * hold ties; avg_pool2d (3, stride 2, padding 1) of x = ((13 i) % 17 - 8) / 8. */
static const float torch_maxpool_y[9] = { 5.0f, 3.0f, 4.0f, 5.0f, 5.0f, 3.0f, 4.0f, 5.0f, 5.0f };
static const int32_t torch_maxpool_argmax[9] = { 5, 3, 4, 5, 11, 9, 16, 17, 23 };
static const float torch_avgpool_y[9] = { 0.0694444478f, -0.0416666679f, -0.125f, 0.0833333358f, -0.152777776f, 0.263888896f, -0.194444448f, -0.0833333358f, 0.0833333358f };

START_TEST(pools_match_pytorch)
{
    float *xm = formula(25, 7, 6, 0, 1), *xa = formula(25, 13, 17, 8, 8), y[9];
    int32_t am[9];
    cs__maxpool_forward(y, am, xm, 1, 1, 5, 5, 3, 2, 1);
    for (int o = 0; o < 9; o++) {
        ck_assert_float_eq(y[o], torch_maxpool_y[o]);
        ck_assert_int_eq(am[o], torch_maxpool_argmax[o]);
    }
    cs__avgpool_forward(y, xa, 1, 1, 5, 5, 3, 2, 1);
    check_golden("avgpool y", y, torch_avgpool_y, 9, FWD_TOL);
    free(xm);
    free(xa);
}
END_TEST

START_TEST(global_avgpool_matches_reference_and_finite_differences)
{
    static const int shapes[][3] = { { 2, 3, 16 }, { 1, 1, 1 }, { 3, 2, 49 } };
    const int *sh = shapes[_i];
    layer l = make_gap(sh[0], sh[1], sh[2], 70 + (uint64_t)_i);
    check_layer("global avgpool", &l, 80 + (uint64_t)_i);
    free_layer(&l);
}
END_TEST

/* ---- global max pool and ReLU6 (MobileNetV2, VGG-11's head) ----------------------------------- */

START_TEST(global_maxpool_matches_reference_and_finite_differences)
{
    static const int shapes[][3] = { { 2, 3, 16 }, { 1, 1, 1 }, { 3, 2, 9 }, { 2, 2, 49 } };
    const int *sh = shapes[_i];
    layer l = make_gmp(sh[0], sh[1], sh[2], 150 + (uint64_t)_i);
    check_layer("global maxpool", &l, 160 + (uint64_t)_i);
    free_layer(&l);
}
END_TEST

START_TEST(relu6_matches_reference_and_finite_differences)
{
    static const int counts[] = { 1, 7, 64, 301 };
    layer l = make_relu6(counts[_i], 170 + (uint64_t)_i);
    check_layer("relu6", &l, 180 + (uint64_t)_i);
    free_layer(&l);
}
END_TEST

/* Golden values from tests/reference/layers_reference.py (PyTorch 1.13.0a0, Debian 12).
 * relu6 of x = ((7 i) % 19 - 3) / 2 (32 values, 0 and 6 among them) with x[2] = NaN,
 * x[5] = -0, x[9] = inf, x[10] = -inf, and its gradient for dy = ((11 i) % 7 - 3) / 4;
 * adaptive_max_pool2d(1) of x (2, 3, 2, 3) = (5 i) % 7 - 3 (ties) with NaN at offsets 1 and 4
 * of plane 1 and plane 5 all -inf, its indices, and its gradient for dy = ((3 i) % 5 - 2) / 4. */
static const float torch_relu6_x[32] = { -1.5f, 2.0f, NAN, -0.5f, 3.0f, -0.0f, 0.5f, 4.0f, 7.5f, INFINITY, -INFINITY, -1.0f, 2.5f, 6.0f, 0.0f, 3.5f, 7.0f, 1.0f, 4.5f, -1.5f, 2.0f, 5.5f, -0.5f, 3.0f, 6.5f, 0.5f, 4.0f, 7.5f, 1.5f, 5.0f, -1.0f, 2.5f };
static const float torch_relu6_y[32] = { 0.0f, 2.0f, NAN, 0.0f, 3.0f, -0.0f, 0.5f, 4.0f, 6.0f, 6.0f, 0.0f, 0.0f, 2.5f, 6.0f, 0.0f, 3.5f, 6.0f, 1.0f, 4.5f, 0.0f, 2.0f, 5.5f, 0.0f, 3.0f, 6.0f, 0.5f, 4.0f, 6.0f, 1.5f, 5.0f, 0.0f, 2.5f };
static const float torch_relu6_dx[32] = { 0.0f, 0.25f, 0.0f, 0.0f, -0.25f, 0.0f, 0.0f, -0.75f, 0.0f, 0.0f, 0.0f, 0.0f, 0.75f, 0.0f, 0.0f, 0.25f, 0.0f, 0.5f, -0.25f, 0.0f, 0.0f, -0.75f, 0.0f, -0.5f, 0.0f, -0.25f, 0.75f, 0.0f, -0.75f, 0.25f, 0.0f, 0.5f };
static const float torch_gmp_x[36] = { -3.0f, 2.0f, 0.0f, -2.0f, 3.0f, 1.0f, -1.0f, NAN, 2.0f, 0.0f, NAN, 3.0f, 1.0f, -1.0f, -3.0f, 2.0f, 0.0f, -2.0f, 3.0f, 1.0f, -1.0f, -3.0f, 2.0f, 0.0f, -2.0f, 3.0f, 1.0f, -1.0f, -3.0f, 2.0f, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY };
static const float torch_gmp_y[6] = { 3.0f, NAN, 2.0f, 3.0f, 3.0f, -INFINITY };
static const int32_t torch_gmp_argmax[6] = { 4, 4, 3, 0, 1, 0 };
static const float torch_gmp_dx[36] = { 0.0f, 0.0f, 0.0f, 0.0f, -0.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.25f, 0.0f, 0.0f, 0.0f, 0.0f, -0.25f, 0.0f, 0.0f, 0.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, -0.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f };

/* Same bits, or both NaN. */
static void check_same(const char *what, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg((isnan(a[i]) && isnan(b[i])) || memcmp(&a[i], &b[i], sizeof *a) == 0,
                      "%s[%zu] = %.9g, expected %.9g", what, i, (double)a[i], (double)b[i]);
}

START_TEST(relu6_matches_pytorch_at_the_boundaries_and_specials)
{
    float y[32], x[32], d[32];
    float *dy = formula(32, 11, 7, 3, 4), *dx = cs_test_falloc(32);
    cs__relu6_forward(y, torch_relu6_x, 32);
    check_same("relu6 y", y, torch_relu6_y, 32); /* -0 stays -0 (the bits are compared) */
    cs__relu6_backward(dx, dy, y, 32);
    check_same("relu6 dx", dx, torch_relu6_dx, 32); /* nothing at x == 0, 6, NaN, +-inf */
    ck_assert_float_eq(dx[14], 0.0f);               /* x == 0 */
    ck_assert_float_eq(dx[13], 0.0f);               /* x == 6 */
    ck_assert_float_eq(dx[2], 0.0f);                /* NaN */

    /* In place: y may alias x, and the in-place backward (d holds dy) gives the bits of the
     * accumulating form into zeros. */
    memcpy(x, torch_relu6_x, sizeof x);
    cs__relu6_forward(x, x, 32);
    check_same("relu6 in place", x, torch_relu6_y, 32);
    memcpy(d, dy, sizeof d);
    cs__relu6_backward_inplace(d, x, 32);
    check_same("relu6 dx in place", d, dx, 32);

    /* Accumulation: a second call adds dy again where the gradient passes, nothing elsewhere;
     * NULL dx does nothing. */
    cs__relu6_backward(dx, dy, y, 32);
    for (int i = 0; i < 32; i++)
        ck_assert_float_eq(dx[i], 2.0f * torch_relu6_dx[i]);
    cs__relu6_backward(NULL, dy, y, 32);
    free(dy);
    free(dx);
}
END_TEST

START_TEST(global_maxpool_matches_pytorch_with_ties_and_nan)
{
    float y[6];
    int32_t am[6];
    float *dy = formula(6, 3, 5, 2, 4), *dx = cs_test_falloc(36);
    cs__global_maxpool_forward(y, am, torch_gmp_x, 2, 3, 6);
    check_same("global maxpool y", y, torch_gmp_y, 6);
    for (int p = 0; p < 6; p++)
        ck_assert_int_eq(am[p], torch_gmp_argmax[p]); /* first tie, last NaN, -inf at 0 */
    cs__global_maxpool_backward(dx, dy, am, 2, 3, 6);
    check_same("global maxpool dx", dx, torch_gmp_dx, 36);
    cs__global_maxpool_backward(dx, dy, am, 2, 3, 6); /* accumulates */
    for (int i = 0; i < 36; i++)
        ck_assert_float_eq(dx[i], 2.0f * torch_gmp_dx[i]);
    cs__global_maxpool_backward(NULL, dy, am, 2, 3, 6);
    free(dy);
    free(dx);
}
END_TEST

/* ---- linear ---------------------------------------------------------------------------------- */

START_TEST(linear_matches_reference_and_finite_differences)
{
    /* n, in, out, bias */
    static const int shapes[][4] = { { 4, 5, 3, 1 }, { 4, 5, 3, 0 }, { 1, 7, 2, 1 }, { 6, 1, 4, 1 } };
    const int *sh = shapes[_i];
    layer l = make_linear(sh[0], sh[1], sh[2], sh[3], 90 + (uint64_t)_i);
    char what[64];
    snprintf(what, sizeof what, "linear (%d, %d) -> %d bias %d", sh[0], sh[1], sh[2], sh[3]);
    check_layer(what, &l, 100 + (uint64_t)_i);
    free_layer(&l);
}
END_TEST

/* ---- the contract of kernels.h, for every kernel ------------------------------------------------ */

#define CONTRACT_LAYERS 8
static layer contract_layer(int i)
{
    switch (i) {
    case 0: return make_bn(3, 2, 5, 0.5f, 110);
    case 1: return make_pool('m', 2, 2, 7, 7, 3, 2, 1, 111);
    case 2: return make_pool('m', 2, 2, 5, 5, 3, 1, 1, 112); /* overlapping windows */
    case 3: return make_pool('a', 2, 2, 7, 7, 3, 2, 1, 113);
    case 4: return make_gap(2, 3, 9, 114);
    case 5: return make_gmp(2, 3, 9, 116);
    case 6: return make_relu6(40, 117);
    default: return make_linear(4, 6, 3, 1, 115);
    }
}

START_TEST(backward_accumulates_into_every_gradient)
{
    layer l = contract_layer(_i);
    l.forward(&l);
    float *dy = cs_test_floats(l.ny, 120, -1.0f, 1.0f);
    /* Backward twice onto nonzero gradients must add twice what it gives from zero. */
    grads once = new_grads(&l, 0), start = new_grads(&l, 121), acc = new_grads(&l, 121);
    l.backward(&l, once.g, dy);
    l.backward(&l, acc.g, dy);
    l.backward(&l, acc.g, dy);
    for (int k = 0; k < l.nin; k++) {
        if (l.in[k] == NULL)
            continue;
        double *expect = cs_test_dalloc(l.len[k]);
        for (size_t i = 0; i < l.len[k]; i++)
            expect[i] = (double)start.g[k][i] + 2.0 * once.g[k][i];
        cs_test_check_close("start + 2 backward", acc.g[k], expect, l.len[k], FWD_TOL);
        free(expect);
    }
    free_grads(&acc);
    free_grads(&start);
    free_grads(&once);
    free(dy);
    free_layer(&l);
}
END_TEST

START_TEST(null_gradients_are_skipped)
{
    layer l = contract_layer(_i);
    l.forward(&l);
    float *dy = cs_test_floats(l.ny, 130, -1.0f, 1.0f);
    grads all = new_grads(&l, 0);
    l.backward(&l, all.g, dy);
    /* Each gradient alone is the same bits as with all of them: skipping one changes nothing
     * in the others (and a skipped one is not written, or ASan would see it). */
    for (int k = 0; k < l.nin; k++) {
        if (l.in[k] == NULL)
            continue;
        float *only[3] = { NULL, NULL, NULL };
        only[k] = cs_test_falloc(l.len[k]);
        l.backward(&l, only, dy);
        ck_assert_msg(memcmp(only[k], all.g[k], l.len[k] * sizeof(float)) == 0,
                      "layer %d: gradient %d alone differs", _i, k);
        free(only[k]);
    }
    float *none[3] = { NULL, NULL, NULL };
    l.backward(&l, none, dy);
    free_grads(&all);
    free(dy);
    free_layer(&l);
}
END_TEST

START_TEST(runs_are_bit_identical)
{
    layer a = contract_layer(_i), b = contract_layer(_i);
    float *dy = cs_test_floats(a.ny, 140, -1.0f, 1.0f);
    grads ga = new_grads(&a, 0), gb = new_grads(&b, 0);
    a.forward(&a);
    a.backward(&a, ga.g, dy);
    b.forward(&b);
    b.backward(&b, gb.g, dy);
    ck_assert(memcmp(a.y, b.y, a.ny * sizeof(float)) == 0);
    for (int k = 0; k < a.nin; k++)
        if (a.in[k] != NULL)
            ck_assert(memcmp(ga.g[k], gb.g[k], a.len[k] * sizeof(float)) == 0);
    for (int i = 0; i < 2; i++)
        if (a.save[i] != NULL)
            ck_assert(memcmp(a.save[i], b.save[i], (size_t)a.s.c * sizeof(float)) == 0 &&
                      memcmp(a.running[i], b.running[i], (size_t)a.s.c * sizeof(float)) == 0);
    if (a.argmax != NULL)
        ck_assert(memcmp(a.argmax, b.argmax, a.ny * sizeof(int32_t)) == 0);
    free_grads(&ga);
    free_grads(&gb);
    free(dy);
    free_layer(&a);
    free_layer(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("layers");
    tcase_add_loop_test(tc, bn_train_matches_reference_and_finite_differences, 0,
                        (int)(sizeof bn_shapes / sizeof bn_shapes[0]));
    tcase_add_test(tc, bn_running_statistics_follow_pytorch_momentum);
    tcase_add_test(tc, bn_with_one_value_per_channel_has_no_unbiased_variance);
    tcase_add_test(tc, bn_eval_normalises_with_running_statistics);
    tcase_add_test(tc, bn_matches_pytorch);
    tcase_add_test(tc, pool_out_follows_pytorch_floor_formula);
    tcase_add_loop_test(tc, pools_match_reference_and_finite_differences, 0, 2 * POOL_SHAPES);
    tcase_add_test(tc, maxpool_breaks_ties_and_ignores_padding_as_pytorch);
    tcase_add_test(tc, maxpool_interior_path_matches_window_scan);
    tcase_add_test(tc, maxpool_packed_positions_give_the_offsets_backward);
    tcase_add_test(tc, pools_match_pytorch);
    tcase_add_loop_test(tc, global_avgpool_matches_reference_and_finite_differences, 0, 3);
    tcase_add_loop_test(tc, global_maxpool_matches_reference_and_finite_differences, 0, 4);
    tcase_add_loop_test(tc, relu6_matches_reference_and_finite_differences, 0, 4);
    tcase_add_test(tc, relu6_matches_pytorch_at_the_boundaries_and_specials);
    tcase_add_test(tc, global_maxpool_matches_pytorch_with_ties_and_nan);
    tcase_add_loop_test(tc, linear_matches_reference_and_finite_differences, 0, 4);
    tcase_add_loop_test(tc, backward_accumulates_into_every_gradient, 0, CONTRACT_LAYERS);
    tcase_add_loop_test(tc, null_gradients_are_skipped, 0, CONTRACT_LAYERS);
    tcase_add_loop_test(tc, runs_are_bit_identical, 0, CONTRACT_LAYERS);
    tcase_add_test(tc, bn_phases_match_the_one_call_kernels);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
