/* The element-wise kernels (lib/tensor/elementwise.c) and the softmax cross-entropy
 * (lib/tensor/loss.c): forward passes against naive double references, backward passes
 * against central finite differences taken IN DOUBLE on those references, and the contract
 * of kernels.h (backward accumulates, NULL gradients are skipped, outputs may alias inputs).
 *
 * A gradient check differentiates L(x) = sum_i g_i y_i(x), computed in double from the float
 * inputs, and compares with the float backward given dy = g (for the loss, L is the loss). The
 * g are floats, so the reference and the kernel see the same numbers; what remains is float
 * rounding in the kernel, which the tolerances bound. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "fixtures.h"
#include "tensor/kernels.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* Deterministic floats, uniform on [lo, hi). */
static void fill(float *v, size_t n, uint64_t seed, double lo, double hi)
{
    cs__rng r;
    cs__rng_init(&r, seed, 7);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(lo + (hi - lo) * cs__rng_uniform(&r));
}

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)v[i];
    return d;
}

/* A double reference of a scalar objective L(x) over a flat vector x. */
typedef double (*objective_fn)(const double *x, const void *ctx);

/* Central differences in double at the float point xf, step h, against `analytic`:
 * |fd - analytic| <= atol + rtol |fd| for every coordinate. */
static void gradcheck(objective_fn f, const void *ctx, const float *xf, size_t n,
                      const float *analytic, double h, double atol, double rtol, const char *what)
{
    double *x = to_double(xf, n);
    for (size_t i = 0; i < n; i++) {
        double save = x[i];
        x[i] = save + h;
        double up = f(x, ctx);
        x[i] = save - h;
        double down = f(x, ctx);
        x[i] = save;
        double fd = (up - down) / (2.0 * h);
        double err = fabs(fd - (double)analytic[i]);
        ck_assert_msg(err <= atol + rtol * fabs(fd),
                      "%s: d/dx[%zu] = %.12g by differences, %.12g by backward", what, i, fd,
                      (double)analytic[i]);
    }
    free(x);
}

/* ---- ReLU -------------------------------------------------------------------------------- */

START_TEST(relu_forward_matches_reference_and_torch_corner_cases)
{
    float x[8] = { -2.0f, -0.0f, 0.0f, 1e-30f, 3.5f, -1e-30f, NAN, -INFINITY };
    float y[8];
    cs__relu_forward(y, x, 8);
    for (int i = 0; i < 8; i++) {
        if (isnan(x[i])) {
            ck_assert(isnan(y[i])); /* torch.relu(nan) is nan */
            continue;
        }
        double want = x[i] > 0.0f ? (double)x[i] : 0.0;
        ck_assert_double_eq((double)y[i], want);
    }
    ck_assert(signbit(y[1])); /* torch.relu(-0.0) is -0.0 */
    /* In place: y may alias x. */
    cs__relu_forward(x, x, 8);
    ck_assert(memcmp(x, y, sizeof x) == 0);
}
END_TEST

static double relu_objective(const double *x, const void *ctx)
{
    const float *g = ctx;
    double l = 0.0;
    for (size_t i = 0; i < 64; i++)
        l += (double)g[i] * (x[i] > 0.0 ? x[i] : 0.0);
    return l;
}

START_TEST(relu_backward_gradcheck_away_from_the_kink)
{
    float x[64], y[64], g[64], dx[64] = { 0 };
    fill(x, 64, 1, -1.0, 1.0);
    fill(g, 64, 2, -2.0, 2.0);
    for (int i = 0; i < 64; i++) /* keep |x| >= 0.05 > h so no difference straddles 0 */
        if (fabsf(x[i]) < 0.05f)
            x[i] = x[i] < 0.0f ? x[i] - 0.05f : x[i] + 0.05f;
    cs__relu_forward(y, x, 64);
    cs__relu_backward(dx, g, y, 64);
    gradcheck(relu_objective, g, x, 64, dx, 1e-3, 1e-9, 0.0, "relu");
}
END_TEST

START_TEST(relu_backward_uses_the_output_accumulates_and_skips_null)
{
    float x[4] = { -1.0f, 2.0f, 0.0f, 3.0f };
    float dy[4] = { 10.0f, 20.0f, 30.0f, 40.0f };
    float dx[4] = { 1.0f, 1.0f, 1.0f, 1.0f };
    cs__relu_forward(x, x, 4); /* in place: only the output survives */
    cs__relu_backward(dx, dy, x, 4);
    cs__relu_backward(dx, dy, x, 4);
    const float want[4] = { 1.0f, 41.0f, 1.0f, 81.0f };
    ck_assert(memcmp(dx, want, sizeof dx) == 0);
    cs__relu_backward(NULL, dy, x, 4);
    /* A NaN output passes its gradient, as PyTorch's threshold_backward does. */
    float y_nan = NAN, g = 5.0f, d = 0.0f;
    cs__relu_backward(&d, &g, &y_nan, 1);
    ck_assert_float_eq(d, 5.0f);
}
END_TEST

/* ---- residual addition ------------------------------------------------------------------- */

static double add_objective(const double *x, const void *ctx)
{
    const float *g = ctx; /* x = [a; b], each 32 */
    double l = 0.0;
    for (size_t i = 0; i < 32; i++)
        l += (double)g[i] * (x[i] + x[32 + i]);
    return l;
}

START_TEST(add_forward_backward)
{
    float ab[64], y[32], g[32], dab[64] = { 0 };
    fill(ab, 64, 3, -5.0, 5.0);
    fill(g, 32, 4, -1.0, 1.0);
    cs__add_forward(y, ab, ab + 32, 32);
    for (int i = 0; i < 32; i++)
        ck_assert_float_eq(y[i], ab[i] + ab[32 + i]);
    cs__add_backward(dab, dab + 32, g, 32);
    gradcheck(add_objective, g, ab, 64, dab, 1e-3, 1e-9, 0.0, "add");
    /* Aliasing: y = a in place, and y = a + a with da == db receiving 2 dy. */
    float a[3] = { 1.0f, 2.0f, 3.0f }, b[3] = { 0.5f, 0.25f, 0.125f }, d[3] = { 4.0f, 4.0f, 4.0f };
    cs__add_forward(a, a, b, 3);
    ck_assert_float_eq(a[2], 3.125f);
    cs__add_backward(d, d, b, 3);
    ck_assert_float_eq(d[0], 5.0f);
    /* Both accumulate; a NULL one is skipped and the other still accumulates. */
    float da[3] = { 1.0f, 1.0f, 1.0f }, db[3] = { 2.0f, 2.0f, 2.0f };
    cs__add_backward(da, db, b, 3);
    ck_assert(da[1] == 1.25f && db[1] == 2.25f);
    cs__add_backward(NULL, db, b, 3);
    cs__add_backward(da, NULL, b, 3);
    cs__add_backward(NULL, NULL, b, 3);
    ck_assert(da[2] == 1.25f && db[2] == 2.25f);
}
END_TEST

/* ---- channel concatenation --------------------------------------------------------------- */

enum { CN = 2, CHW = 3, CTOT = 6 };
static const int concat_channels[3] = { 1, 3, 2 };

/* Naive y[s][c][h] from the parts in double, by channel lookup rather than block copies. */
static void concat_reference(double *y, const double *const *x)
{
    for (int s = 0; s < CN; s++)
        for (int c = 0; c < CTOT; c++) {
            int p = 0, cc = c;
            while (cc >= concat_channels[p])
                cc -= concat_channels[p++];
            for (int h = 0; h < CHW; h++)
                y[(s * CTOT + c) * CHW + h] = x[p][(s * concat_channels[p] + cc) * CHW + h];
        }
}

static double concat_objective(const double *x, const void *ctx)
{
    const float *g = ctx; /* x = the three parts back to back */
    const double *parts[3] = { x, x + CN * 1 * CHW, x + CN * 4 * CHW };
    double y[CN * CTOT * CHW];
    concat_reference(y, parts);
    double l = 0.0;
    for (int i = 0; i < CN * CTOT * CHW; i++)
        l += (double)g[i] * y[i];
    return l;
}

START_TEST(concat_of_three_parts_forward_backward)
{
    enum { TOTAL = CN * CTOT * CHW };
    float xs[TOTAL], y[TOTAL], g[TOTAL], dxs[TOTAL] = { 0 };
    fill(xs, TOTAL, 5, -3.0, 3.0);
    fill(g, TOTAL, 6, -1.0, 1.0);
    const float *x[3] = { xs, xs + CN * 1 * CHW, xs + CN * 4 * CHW };
    float *dx[3] = { dxs, dxs + CN * 1 * CHW, dxs + CN * 4 * CHW };
    cs__concat_forward(y, x, concat_channels, 3, CN, CHW);
    double *xd = to_double(xs, TOTAL);
    const double *xdp[3] = { xd, xd + CN * 1 * CHW, xd + CN * 4 * CHW };
    double yref[TOTAL];
    concat_reference(yref, xdp);
    for (int i = 0; i < TOTAL; i++)
        ck_assert_double_eq((double)y[i], yref[i]);
    cs__concat_backward(dx, g, concat_channels, 3, CN, CHW);
    free(xd);
    gradcheck(concat_objective, g, xs, TOTAL, dxs, 1e-3, 1e-9, 0.0, "concat");
    /* Twice is 2x; a NULL part is skipped and leaves its neighbours right. */
    float once[TOTAL];
    memcpy(once, dxs, sizeof once);
    float *some[3] = { dx[0], NULL, dx[2] };
    cs__concat_backward(some, g, concat_channels, 3, CN, CHW);
    for (int i = 0; i < TOTAL; i++) {
        int in_middle = i >= CN * 1 * CHW && i < CN * 4 * CHW;
        ck_assert_float_eq(dxs[i], in_middle ? once[i] : 2.0f * once[i]);
    }
    cs__concat_backward(NULL, g, concat_channels, 3, CN, CHW);
}
END_TEST

/* ---- dropout ----------------------------------------------------------------------------- */

START_TEST(dropout_keeps_one_minus_p_and_scales)
{
    enum { COUNT = 200000 };
    float *x = malloc(COUNT * sizeof *x), *y = malloc(COUNT * sizeof *y);
    uint8_t *mask = malloc(COUNT);
    ck_assert(x && y && mask);
    fill(x, COUNT, 8, 0.5, 2.0);
    const float ps[3] = { 0.1f, 0.5f, 0.9f };
    for (int k = 0; k < 3; k++) {
        float p = ps[k];
        cs__dropout_forward(y, mask, x, COUNT, p, 12345, 0);
        size_t kept = 0, pairs[5] = { 0 }, lane_kept[4] = { 0 };
        float scale = 1.0f / (1.0f - p);
        for (size_t i = 0; i < COUNT; i++) {
            ck_assert(mask[i] <= 1);
            kept += mask[i];
            lane_kept[i % 4] += mask[i];
            for (size_t lag = 1; lag <= 4 && lag <= i; lag++)
                pairs[lag] += mask[i] && mask[i - lag];
            ck_assert_float_eq(y[i], mask[i] ? x[i] * scale : 0.0f);
        }
        /* A fixed seed makes this deterministic, and the bounds (5 sigma overall, 5 per lane
         * and for pairs) would hold for almost any seed, so passing is not luck. Per lane,
         * and pairs 1 to 4 apart: four decisions share a Philox block, and a lane or block
         * mix-up would show as a biased lane or correlated neighbours. */
        double q = 1.0 - (double)p, sd = sqrt(q * (double)p / COUNT);
        ck_assert_double_eq_tol((double)kept / COUNT, q, 5 * sd);
        for (int j = 0; j < 4; j++)
            ck_assert_double_eq_tol((double)lane_kept[j] / (COUNT / 4), q, 10 * sd);
        for (size_t lag = 1; lag <= 4; lag++)
            ck_assert_double_eq_tol((double)pairs[lag] / (double)(COUNT - lag), q * q, 10 * sd);
    }
    free(x);
    free(y);
    free(mask);
}
END_TEST

START_TEST(dropout_is_a_function_of_seed_and_counter_plus_index)
{
    enum { COUNT = 1000 };
    float x[COUNT], y[COUNT], y2[COUNT];
    uint8_t m[COUNT], m2[COUNT];
    fill(x, COUNT, 9, -1.0, 1.0);
    const uint64_t starts[2] = { 5, (1ull << 34) - 3 }; /* the second crosses into word 1 */
    for (int s = 0; s < 2; s++) {
        uint64_t c0 = starts[s];
        cs__dropout_forward(y, m, x, COUNT, 0.4, 99, c0);
        cs__dropout_forward(y2, m2, x, COUNT, 0.4, 99, c0);
        ck_assert(memcmp(m, m2, COUNT) == 0 && memcmp(y, y2, sizeof y) == 0);
        /* In uneven pieces, each with its own counter: the same mask. */
        memset(m2, 0xEE, sizeof m2);
        const size_t cut[4] = { 0, 7, 502, COUNT };
        for (int p = 0; p < 3; p++)
            cs__dropout_forward(y2 + cut[p], m2 + cut[p], x + cut[p], cut[p + 1] - cut[p], 0.4f,
                                99, c0 + cut[p]);
        ck_assert(memcmp(m, m2, COUNT) == 0 && memcmp(y, y2, sizeof y) == 0);
    }
    /* Another seed or another counter, however far (all 64 bits count): other masks. About
     * half agree by chance; 600 of 1000 is 6 sigma. */
    const uint64_t seeds[4] = { 100, 99, 99, 99 + (1ull << 32) };
    const uint64_t counters[4] = { 0, COUNT, 1ull << 34, 0 };
    cs__dropout_forward(y, m, x, COUNT, 0.5f, 99, 0);
    for (int k = 0; k < 4; k++) {
        size_t same = 0;
        cs__dropout_forward(y2, m2, x, COUNT, 0.5f, seeds[k], counters[k]);
        for (size_t i = 0; i < COUNT; i++)
            same += m[i] == m2[i];
        ck_assert_uint_lt(same, 600);
    }
}
END_TEST

START_TEST(dropout_draws_as_documented)
{
    /* Element i keeps iff word (g mod 4) of Philox block (g / 4 in words 0-1, "DROP", 0) is
     * >= round(p 2^32), g = counter + i: the layout elementwise.c documents, recomputed here
     * across the 2^32 block boundary where the counter's high word starts to count. */
    enum { COUNT = 40 };
    float x[COUNT], y[COUNT];
    uint8_t m[COUNT];
    fill(x, COUNT, 13, -1.0, 1.0);
    const uint64_t seed = 0x0123456789ABCDEFull, c0 = (1ull << 34) - 21;
    const uint32_t threshold = (uint32_t)(0.25 * 4294967296.0);
    cs__dropout_forward(y, m, x, COUNT, 0.25f, seed, c0);
    uint32_t key[2];
    cs__philox_key(key, seed);
    for (size_t i = 0; i < COUNT; i++) {
        uint64_t g = c0 + i, block = g / 4;
        const uint32_t ctr[4] = { (uint32_t)block, (uint32_t)(block >> 32), 0x44524F50u, 0u };
        uint32_t word[4];
        cs__philox4x32_10(word, ctr, key);
        ck_assert_uint_eq(m[i], word[g % 4] >= threshold);
    }
}
END_TEST

START_TEST(dropout_p_zero_is_the_identity_and_nan_propagates)
{
    float x[9] = { 1.0f, -0.0f, 3.5f, -7.25f, 1e-38f, 3e38f, INFINITY, -1e-45f, 0.0f };
    float y[64], nan_x[64];
    uint8_t m[64];
    size_t dropped = 0;
    cs__dropout_forward(y, m, x, 9, 0.0f, 1, 0);
    ck_assert(memcmp(x, y, sizeof x) == 0);
    for (int i = 0; i < 9; i++)
        ck_assert_uint_eq(m[i], 1);
    /* PyTorch multiplies the input by a 0-or-scale noise tensor: a dropped NaN stays NaN. */
    for (int i = 0; i < 64; i++)
        nan_x[i] = NAN;
    cs__dropout_forward(y, m, nan_x, 64, 0.5f, 3, 0);
    for (int i = 0; i < 64; i++) {
        ck_assert(isnan(y[i]));
        dropped += !m[i];
    }
    ck_assert_uint_gt(dropped, 0);
}
END_TEST

struct dropout_ctx {
    const float *g;
    const uint8_t *mask;
    double scale;
};

static double dropout_objective(const double *x, const void *ctx)
{
    const struct dropout_ctx *c = ctx;
    double l = 0.0;
    for (size_t i = 0; i < 64; i++)
        l += (double)c->g[i] * (c->mask[i] ? x[i] * c->scale : 0.0);
    return l;
}

START_TEST(dropout_backward_uses_the_mask)
{
    const float p = 0.3f;
    float x[64], y[64], g[64], dx[64] = { 0 };
    uint8_t mask[64];
    fill(x, 64, 10, -1.0, 1.0);
    fill(g, 64, 11, -1.0, 1.0);
    cs__dropout_forward(y, mask, x, 64, p, 2024, 17);
    cs__dropout_backward(dx, g, mask, 64, p);
    struct dropout_ctx c = { g, mask, 1.0 / (1.0 - (double)p) };
    gradcheck(dropout_objective, &c, x, 64, dx, 1e-3, 1e-9, 1e-6, "dropout");
    /* Any mask, not the generator: a hand-made one; accumulation; NULL skipped. */
    uint8_t alt[4] = { 1, 0, 0, 1 };
    float dy[4] = { 1.0f, 2.0f, 3.0f, 4.0f }, d[4] = { 1.0f, 1.0f, 1.0f, 1.0f };
    cs__dropout_backward(d, dy, alt, 4, 0.5f);
    cs__dropout_backward(d, dy, alt, 4, 0.5f);
    cs__dropout_backward(NULL, dy, alt, 4, 0.5f);
    const float want[4] = { 5.0f, 1.0f, 1.0f, 17.0f };
    ck_assert(memcmp(d, want, sizeof d) == 0);
}
END_TEST

/* ---- softmax cross-entropy --------------------------------------------------------------- */

struct ce_ctx {
    const int32_t *labels;
    int n, k;
};

/* log sum_j exp row_j in double, max-shifted. */
static double logsumexp(const double *row, int k)
{
    double m = row[0], s = 0.0;
    for (int j = 1; j < k; j++)
        m = fmax(m, row[j]);
    for (int j = 0; j < k; j++)
        s += exp(row[j] - m);
    return m + log(s);
}

/* mean_r (logsumexp(z_r) - z_r,label). */
static double ce_reference(const double *z, const void *ctx)
{
    const struct ce_ctx *c = ctx;
    double total = 0.0;
    for (int r = 0; r < c->n; r++)
        total += logsumexp(z + r * c->k, c->k) - z[r * c->k + c->labels[r]];
    return total / c->n;
}

START_TEST(softmax_ce_matches_reference_and_gradcheck)
{
    enum { N = 4, K = 6 };
    float z[N * K], probs[N * K], dz[N * K] = { 0 };
    const int32_t labels[N] = { 0, 5, 2, 2 };
    fill(z, N * K, 12, -4.0, 4.0);
    struct ce_ctx c = { labels, N, K };
    double *zd = to_double(z, N * K);
    double loss = cs__softmax_ce_forward(probs, z, labels, N, K);
    ck_assert_double_eq_tol(loss, ce_reference(zd, &c), 1e-13);
    for (int r = 0; r < N; r++) {
        double lse = logsumexp(zd + r * K, K), total = 0.0;
        for (int j = 0; j < K; j++) {
            double want = exp(zd[r * K + j] - lse);
            ck_assert_double_eq_tol((double)probs[r * K + j], want, 1e-7 * want);
            total += probs[r * K + j];
        }
        ck_assert_double_eq_tol(total, 1.0, 1e-6);
    }
    cs__softmax_ce_backward(dz, probs, labels, N, K);
    free(zd);
    gradcheck(ce_reference, &c, z, N * K, dz, 1e-4, 2e-7, 1e-6, "cross-entropy");
    /* Accumulation: twice is 2x. */
    float once[N * K];
    memcpy(once, dz, sizeof once);
    cs__softmax_ce_backward(dz, probs, labels, N, K);
    for (int i = 0; i < N * K; i++)
        ck_assert_float_eq(dz[i], 2.0f * once[i]);
    cs__softmax_ce_backward(NULL, probs, labels, N, K);
}
END_TEST

START_TEST(softmax_ce_known_values)
{
    /* Equal logits: every class has probability 1/K, the loss is log K. */
    float z[3 * 10], probs[3 * 10];
    const int32_t labels[3] = { 0, 9, 4 };
    for (int i = 0; i < 30; i++)
        z[i] = 3.7f;
    ck_assert_double_eq_tol(cs__softmax_ce_forward(probs, z, labels, 3, 10), log(10.0), 1e-15);
    ck_assert_float_eq_tol(probs[17], 0.1f, 1e-8f);
    /* Two classes a margin d apart: log(1 + e^-d) for the larger, log(1 + e^d) the other. */
    float z2[4] = { 2.0f, 0.0f, 0.0f, 2.0f };
    const int32_t l2[2] = { 0, 0 };
    ck_assert_double_eq_tol(cs__softmax_ce_forward(probs, z2, l2, 2, 2),
                            (log1p(exp(-2.0)) + log1p(exp(2.0))) / 2.0, 1e-15);
}
END_TEST

START_TEST(softmax_ce_large_logits_stay_finite_and_accurate)
{
    /* Unshifted, exp(1e4) would be inf and the loss NaN. */
    float z[2 * 3] = { 1e4f, 0.0f, -1e4f, 10000.0f, 10001.0f, 9999.0f };
    const int32_t labels[2] = { 1, 0 };
    float probs[6], dz[6] = { 0 };
    double loss = cs__softmax_ce_forward(probs, z, labels, 2, 3);
    ck_assert(isfinite(loss));
    double row2 = log(1.0 + exp(1.0) + exp(-1.0));
    ck_assert_double_eq_tol(loss, (1e4 + row2) / 2.0, 1e-12);
    ck_assert_float_eq(probs[0], 1.0f);
    ck_assert_float_eq(probs[2], 0.0f);
    cs__softmax_ce_backward(dz, probs, labels, 2, 3);
    for (int i = 0; i < 6; i++)
        ck_assert(isfinite(dz[i]));
    ck_assert_float_eq_tol(dz[1], -0.5f, 1e-7f);
}
END_TEST

START_TEST(softmax_ce_propagates_nan_and_inf)
{
    float probs[6];
    const int32_t labels[2] = { 0, 2 };
    float z[6] = { 1.0f, 2.0f, 3.0f, 0.5f, NAN, 0.0f };
    ck_assert(isnan(cs__softmax_ce_forward(probs, z, labels, 2, 3)));
    z[4] = 0.0f;
    z[0] = NAN; /* first in its row: cannot hide as the max */
    ck_assert(isnan(cs__softmax_ce_forward(probs, z, labels, 2, 3)));
    z[0] = INFINITY; /* softmax of +inf is inf - inf, NaN in PyTorch too */
    ck_assert(!isfinite(cs__softmax_ce_forward(probs, z, labels, 2, 3)));
    /* -inf on a wrong class is an ordinary zero probability. */
    z[0] = 1.0f;
    z[3] = -INFINITY;
    ck_assert(isfinite(cs__softmax_ce_forward(probs, z, labels, 2, 3)));
    ck_assert_float_eq(probs[3], 0.0f);
}
END_TEST

START_TEST(softmax_ce_out_of_contract_input_gives_nan_without_stray_access)
{
    /* Exactly sized heap arrays, so that the sanitizer build sees any access outside them. */
    float *z = calloc(4, sizeof *z), *probs = malloc(4 * sizeof *probs);
    float *dz = calloc(4, sizeof *dz);
    int32_t *labels = malloc(2 * sizeof *labels);
    ck_assert(z && probs && dz && labels);
    labels[0] = 1;
    labels[1] = 2; /* K = 2 */
    ck_assert(isnan(cs__softmax_ce_forward(probs, z, labels, 2, 2)));
    cs__softmax_ce_backward(dz, probs, labels, 2, 2);
    ck_assert_float_eq(dz[2], 0.25f); /* no one-hot term for the bad row */
    ck_assert(isnan(cs__softmax_ce_forward(probs, z, labels, 0, 2))); /* empty batch: 0/0 */
    free(z);
    free(probs);
    free(dz);
    free(labels);
}
END_TEST

static Suite *ops_suite(void)
{
    Suite *s = suite_create("ops");
    TCase *ew = tcase_create("elementwise");
    tcase_add_test(ew, relu_forward_matches_reference_and_torch_corner_cases);
    tcase_add_test(ew, relu_backward_gradcheck_away_from_the_kink);
    tcase_add_test(ew, relu_backward_uses_the_output_accumulates_and_skips_null);
    tcase_add_test(ew, add_forward_backward);
    tcase_add_test(ew, concat_of_three_parts_forward_backward);
    suite_add_tcase(s, ew);
    TCase *dr = tcase_create("dropout");
    tcase_add_test(dr, dropout_keeps_one_minus_p_and_scales);
    tcase_add_test(dr, dropout_is_a_function_of_seed_and_counter_plus_index);
    tcase_add_test(dr, dropout_draws_as_documented);
    tcase_add_test(dr, dropout_p_zero_is_the_identity_and_nan_propagates);
    tcase_add_test(dr, dropout_backward_uses_the_mask);
    suite_add_tcase(s, dr);
    TCase *ce = tcase_create("loss");
    tcase_add_test(ce, softmax_ce_matches_reference_and_gradcheck);
    tcase_add_test(ce, softmax_ce_known_values);
    tcase_add_test(ce, softmax_ce_large_logits_stay_finite_and_accurate);
    tcase_add_test(ce, softmax_ce_propagates_nan_and_inf);
    tcase_add_test(ce, softmax_ce_out_of_contract_input_gives_nan_without_stray_access);
    suite_add_tcase(s, ce);
    return s;
}

int main(void)
{
    return cs_test_run(ops_suite());
}
