/* Learning curves: the fit of acc(n) = a - b n^-c, its bootstrap intervals over seeds, the
 * predicted accuracy at another count and the count that reaches a target.
 *
 * Every statistic is checked on synthetic data with a known answer, against a computation
 * written here independently of the library: planted power laws (exact and with noise), the
 * closed forms of the prediction and the needed count, a brute-force least-squares search
 * over c for the optimality of the fit and R², and two seeds, whose bootstrap can only draw
 * three distinct curves, for the bounds of the percentile intervals. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_L 16
#define MAX_S 16

static const double counts6[] = { 500, 1000, 2000, 3000, 4000, 5000 };

static double power_law(double a, double b, double c, double n)
{
    return a - b * pow(n, -c);
}

/* (levels, seeds) accuracies: every seed on the planted curve. */
static void planted(double *acc, const double *counts, int levels, int seeds, double a, double b,
                    double c)
{
    for (int l = 0; l < levels; l++)
        for (int s = 0; s < seeds; s++)
            acc[l * seeds + s] = power_law(a, b, c, counts[l]);
}

static cs_learning_curve *fit(const double *counts, int levels, const double *acc, int seeds,
                              const cs_learning_curve_options *o)
{
    cs_learning_curve *lc = NULL;
    cs_assert_ok(cs_learning_curve_fit(&lc, counts, levels, acc, seeds, o));
    ck_assert_ptr_nonnull(lc);
    return lc;
}

static void param(const cs_learning_curve *lc, cs_curve_param p, double *v, double *lo, double *hi)
{
    cs_assert_ok(cs_learning_curve_param(v, lo, hi, lc, p));
}

/* A deterministic uniform in [-1, 1) (SplitMix64), for test noise. */
static double noise(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) / 4503599627370496.0 - 1.0;
}

/* The least-squares fit written here from the definition: for each c on a fine grid of
 * [lo, hi], (a, b) from the normal equations of y = a - b x, x = n^-c, b clipped at 0, and
 * the smallest sum of squares. Independent of the library's search and its scaling. */
static double brute_sse(const double *y, const double *counts, int levels, double lo, double hi,
                        int steps)
{
    double best = INFINITY;
    for (int i = 0; i <= steps; i++) {
        double c = lo + (hi - lo) * i / steps;
        double sx = 0, sy = 0, sxx = 0, sxy = 0, x[MAX_L];
        for (int l = 0; l < levels; l++) {
            x[l] = pow(counts[l], -c);
            sx += x[l];
            sy += y[l];
            sxx += x[l] * x[l];
            sxy += x[l] * y[l];
        }
        double det = levels * sxx - sx * sx;
        double slope = (levels * sxy - sx * sy) / det, intercept;
        if (slope > 0) {
            slope = 0;
            intercept = sy / levels;
        } else {
            intercept = (sy - slope * sx) / levels;
        }
        double sse = 0;
        for (int l = 0; l < levels; l++) {
            double r = y[l] - intercept - slope * x[l];
            sse += r * r;
        }
        best = sse < best ? sse : best;
    }
    return best;
}

START_TEST(options_init_matches_macro)
{
    cs_learning_curve_options by_macro, by_function;
    memset(&by_macro, 0, sizeof by_macro);
    memset(&by_function, 0xA5, sizeof by_function);
    static const cs_learning_curve_options macro = CS_LEARNING_CURVE_OPTIONS_INIT;
    memcpy(&by_macro, &macro, sizeof by_macro);
    cs_assert_ok(cs_learning_curve_options_init(&by_function));
    ck_assert(memcmp(&by_macro, &by_function, sizeof by_macro) == 0);
    ck_assert_uint_eq(by_function.struct_size, sizeof by_function);
    ck_assert_double_eq(by_function.confidence, 0.95);
    ck_assert_int_eq(by_function.bootstrap_resamples, 1000);
    ck_assert_double_eq(by_function.min_r2, 0.9);
    cs_assert_fails(cs_learning_curve_options_init(NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_options_init: opts is NULL");
}
END_TEST

START_TEST(planted_power_law_is_recovered)
{
    static const double laws[][3] = {
        { 0.92, 3.0, 0.6 }, { 0.80, 0.9, 0.3 }, { 0.97, 40.0, 1.5 }, { 0.70, 300.0, 2.5 },
        { 0.99, 0.5, 0.05 },
    };
    for (size_t i = 0; i < COUNT(laws); i++) {
        const double a = laws[i][0], b = laws[i][1], c = laws[i][2];
        double acc[6 * 3];
        planted(acc, counts6, 6, 3, a, b, c);
        cs_learning_curve *lc = fit(counts6, 6, acc, 3, NULL);
        double v[3], lo[3], hi[3], r2, rmse;
        for (int p = 0; p < 3; p++)
            param(lc, (cs_curve_param)p, &v[p], &lo[p], &hi[p]);
        ck_assert_msg(fabs(v[0] - a) < 1e-7 && fabs(v[1] - b) < 1e-6 * b &&
                          fabs(v[2] - c) < 1e-6 * c,
                      "law %zu: a %.12g b %.12g c %.12g, planted %g %g %g", i, v[0], v[1], v[2], a,
                      b, c);
        cs_assert_ok(cs_learning_curve_quality(&r2, &rmse, lc));
        ck_assert_msg(r2 > 1.0 - 1e-12 && r2 <= 1.0 && rmse < 1e-9, "law %zu: R² %.17g RMSE %g",
                      i, r2, rmse);
        /* Identical seeds: every bootstrap refit sees the same curve. */
        for (int p = 0; p < 3; p++)
            ck_assert_msg(lo[p] == v[p] && hi[p] == v[p], "law %zu, param %d: [%.17g, %.17g] "
                          "around %.17g", i, p, lo[p], hi[p], v[p]);
        cs_assert_ok(cs_learning_curve_check(lc));
        cs_learning_curve_destroy(lc);
    }
}
END_TEST

START_TEST(prediction_and_needed_count_match_closed_forms)
{
    const double a = 0.92, b = 3.0, c = 0.6;
    double acc[6 * 4];
    planted(acc, counts6, 6, 4, a, b, c);
    cs_learning_curve *lc = fit(counts6, 6, acc, 4, NULL);
    /* The predicted accuracy at 2x and 10x the largest count, and inside the range. */
    const double at[] = { 2 * 5000.0, 10 * 5000.0, 750.0, 5000.0 };
    for (size_t i = 0; i < COUNT(at); i++) {
        double p, lo, hi;
        cs_assert_ok(cs_learning_curve_predict(&p, &lo, &hi, lc, at[i]));
        double want = a - b * pow(at[i], -c);
        ck_assert_msg(fabs(p - want) < 1e-8, "n %g: %.12g, expected %.12g", at[i], p, want);
        ck_assert(lo == p && hi == p);
    }
    /* n = (b / (a - t))^(1/c), and the curve at n gives t back. */
    const double targets[] = { 0.5, 0.85, 0.9, 0.91, 0.915 };
    for (size_t i = 0; i < COUNT(targets); i++) {
        double t = targets[i], n, lo, hi, back;
        size_t missed = 99;
        cs_assert_ok(cs_learning_curve_needed(&n, &lo, &hi, &missed, lc, t));
        double want = pow(b / (a - t), 1.0 / c);
        ck_assert_msg(fabs(n - want) < 1e-5 * want, "t %g: %.12g, expected %.12g", t, n, want);
        ck_assert_uint_eq(missed, 0);
        ck_assert(lo == n && hi == n);
        cs_assert_ok(cs_learning_curve_predict(&back, NULL, NULL, lc, n));
        ck_assert_msg(fabs(back - t) < 1e-9, "t %g: acc(n) = %.12g", t, back);
    }
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(fit_is_the_least_squares_minimum)
{
    /* A curve that no power law fits exactly: the library's sum of squares must not exceed a
     * brute-force search, and its R² and RMSE must follow from its own parameters. */
    static const double counts[] = { 100, 200, 400, 800, 1600, 3200, 6400 };
    static const double y[] = { 0.41, 0.55, 0.62, 0.71, 0.745, 0.79, 0.80 };
    const int L = (int)COUNT(counts);
    cs_learning_curve *lc = fit(counts, L, y, 1, NULL);
    double a, b, c, r2, rmse;
    param(lc, CS_CURVE_PARAM_A, &a, NULL, NULL);
    param(lc, CS_CURVE_PARAM_B, &b, NULL, NULL);
    param(lc, CS_CURVE_PARAM_C, &c, NULL, NULL);
    cs_assert_ok(cs_learning_curve_quality(&r2, &rmse, lc));
    double sse = 0, ym = 0, sst = 0;
    for (int l = 0; l < L; l++) {
        double r = y[l] - power_law(a, b, c, counts[l]);
        sse += r * r;
        ym += y[l] / L;
    }
    for (int l = 0; l < L; l++)
        sst += (y[l] - ym) * (y[l] - ym);
    ck_assert_msg(fabs(r2 - (1 - sse / sst)) < 1e-12, "R² %.17g, expected %.17g", r2,
                  1 - sse / sst);
    ck_assert_msg(fabs(rmse - sqrt(sse / L)) < 1e-12, "RMSE %.17g, expected %.17g", rmse,
                  sqrt(sse / L));
    double brute = brute_sse(y, counts, L, 1e-3, 5.0, 50000);
    ck_assert_msg(sse <= brute * (1 + 1e-9), "SSE %.17g above the brute-force %.17g", sse, brute);
    ck_assert_msg(sse >= brute * (1 - 1e-3), "SSE %.17g far below the brute force %.17g?", sse,
                  brute);
    /* One seed: no spread, so no intervals. */
    double lo, hi, p;
    param(lc, CS_CURVE_PARAM_A, NULL, &lo, &hi);
    ck_assert(isnan(lo) && isnan(hi));
    cs_assert_ok(cs_learning_curve_predict(&p, &lo, &hi, lc, 12800));
    ck_assert(isfinite(p) && isnan(lo) && isnan(hi));
    cs_learning_curve_destroy(lc);
}
END_TEST

/* Accuracies that still rise steeply at the largest count: a power law through them heads for
 * an asymptote above 1, which an accuracy cannot have. The fit holds a at 1 and is the least-
 * squares optimum under a <= 1, b >= 0 against a brute-force search over a grid of (a, c)
 * with b from its normal equation given both; no prediction exceeds 1. */
START_TEST(asymptote_stays_at_or_below_one)
{
    static const double counts[] = { 100, 200, 400, 800, 1600 };
    static const double y[] = { 0.60, 0.80, 0.90, 0.96, 0.995 };
    const int L = (int)COUNT(counts);
    cs_learning_curve *lc = fit(counts, L, y, 1, NULL);
    double a, b, c;
    param(lc, CS_CURVE_PARAM_A, &a, NULL, NULL);
    param(lc, CS_CURVE_PARAM_B, &b, NULL, NULL);
    param(lc, CS_CURVE_PARAM_C, &c, NULL, NULL);
    ck_assert_msg(a == 1.0, "a %.17g, expected the bound 1", a);
    double sse = 0;
    for (int l = 0; l < L; l++) {
        double r = y[l] - power_law(a, b, c, counts[l]);
        sse += r * r;
    }
    double brute = INFINITY;
    for (int i = 0; i <= 2000; i++) {
        double cc = 1e-3 * pow(5.0 / 1e-3, i / 2000.0);
        for (int j = 0; j <= 400; j++) {
            double aa = 0.99 + 0.01 * j / 400.0, sxr = 0, sxx = 0, x[MAX_L];
            for (int l = 0; l < L; l++) {
                x[l] = pow(counts[l], -cc);
                sxr += x[l] * (aa - y[l]);
                sxx += x[l] * x[l];
            }
            double bb = sxr > 0 ? sxr / sxx : 0, e = 0;
            for (int l = 0; l < L; l++) {
                double r = y[l] - aa + bb * x[l];
                e += r * r;
            }
            brute = e < brute ? e : brute;
        }
    }
    ck_assert_msg(sse <= brute * (1 + 1e-6), "SSE %.17g above the brute-force %.17g", sse, brute);
    double p;
    cs_assert_ok(cs_learning_curve_predict(&p, NULL, NULL, lc, 10 * counts[L - 1]));
    ck_assert_msg(p <= 1.0, "acc(10 n) %.17g above 1", p);
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(two_seeds_bound_the_intervals_exactly)
{
    /* With two seeds a resample holds seed 0 twice, seed 1 twice or one of each (the mean
     * curve): 1/4, 1/4 and 1/2 of B = 1000 refits. The 2.5 % and 97.5 % quantiles of any
     * statistic are then the smallest and largest of its three values. Seed 0 and seed 1 are
     * planted power laws, so two of the three are known exactly. */
    const double p0[3] = { 0.90, 2.0, 0.5 }, p1[3] = { 0.94, 3.0, 0.7 };
    double acc[6 * 2], mean[6];
    for (int l = 0; l < 6; l++) {
        acc[2 * l] = power_law(p0[0], p0[1], p0[2], counts6[l]);
        acc[2 * l + 1] = power_law(p1[0], p1[1], p1[2], counts6[l]);
        mean[l] = 0.5 * (acc[2 * l] + acc[2 * l + 1]);
    }
    cs_learning_curve *lc = fit(counts6, 6, acc, 2, NULL);
    cs_learning_curve *m = fit(counts6, 6, mean, 1, NULL); /* the mean curve's own fit */
    for (int p = 0; p < 3; p++) {
        double v, lo, hi, vm;
        param(lc, (cs_curve_param)p, &v, &lo, &hi);
        param(m, (cs_curve_param)p, &vm, NULL, NULL);
        ck_assert(v == vm); /* the fit of two seeds is the fit of their mean */
        double want_lo = fmin(fmin(p0[p], p1[p]), vm), want_hi = fmax(fmax(p0[p], p1[p]), vm);
        ck_assert_msg(fabs(lo - want_lo) < 1e-6 * want_lo && fabs(hi - want_hi) < 1e-6 * want_hi,
                      "param %d: [%.10g, %.10g], expected [%.10g, %.10g]", p, lo, hi, want_lo,
                      want_hi);
    }
    /* The prediction at 10x the largest count. */
    double n = 50000, v, lo, hi, vm;
    cs_assert_ok(cs_learning_curve_predict(&v, &lo, &hi, lc, n));
    cs_assert_ok(cs_learning_curve_predict(&vm, NULL, NULL, m, n));
    double y0 = power_law(p0[0], p0[1], p0[2], n), y1 = power_law(p1[0], p1[1], p1[2], n);
    ck_assert(fabs(lo - fmin(fmin(y0, y1), vm)) < 1e-8 && fabs(hi - fmax(fmax(y0, y1), vm)) < 1e-8);
    /* A target that seed 0's curve (a = 0.90) never reaches: a quarter of the refits cannot,
     * far more than 2.5 %, so the upper bound is +inf; the lower is the smaller of the other
     * two counts. */
    double t = 0.91, count, need_m;
    size_t missed;
    cs_assert_ok(cs_learning_curve_needed(&count, &lo, &hi, &missed, lc, t));
    cs_assert_ok(cs_learning_curve_needed(&need_m, NULL, NULL, NULL, m, t));
    double need1 = pow(p1[1] / (p1[0] - t), 1.0 / p1[2]);
    ck_assert(count == need_m);
    ck_assert_msg(missed > 180 && missed < 320, "%zu of 1000 refits cannot reach %g", missed, t);
    ck_assert(isinf(hi) && hi > 0);
    ck_assert_msg(fabs(lo - fmin(need1, need_m)) < 1e-5 * lo, "lower bound %.10g, expected %.10g",
                  lo, fmin(need1, need_m));
    /* Below both asymptotes every refit reaches it. */
    cs_assert_ok(cs_learning_curve_needed(&count, &lo, &hi, &missed, lc, 0.85));
    double need0 = pow(p0[1] / (p0[0] - 0.85), 1.0 / p0[2]);
    need1 = pow(p1[1] / (p1[0] - 0.85), 1.0 / p1[2]);
    ck_assert_uint_eq(missed, 0);
    ck_assert(fabs(hi - fmax(fmax(need0, need1), count)) < 1e-5 * hi);
    ck_assert(fabs(lo - fmin(fmin(need0, need1), count)) < 1e-5 * lo);
    cs_learning_curve_destroy(m);
    cs_learning_curve_destroy(lc);
}
END_TEST

/* (L, S) accuracies: the planted curve plus a seed effect (paired across levels) and noise. */
static void noisy(double *acc, const double *counts, int levels, int seeds, const double *law,
                  double sd, uint64_t *state, int centred)
{
    for (int s = 0; s < seeds; s++) {
        double seed_effect = 0.5 * sd * noise(state);
        for (int l = 0; l < levels; l++)
            acc[l * seeds + s] = power_law(law[0], law[1], law[2], counts[l]) + seed_effect +
                                 sd * noise(state);
    }
    if (centred) /* the seed means are the planted curve again */
        for (int l = 0; l < levels; l++) {
            double m = 0;
            for (int s = 0; s < seeds; s++)
                m += acc[l * seeds + s] / seeds;
            for (int s = 0; s < seeds; s++)
                acc[l * seeds + s] += power_law(law[0], law[1], law[2], counts[l]) - m;
        }
}

START_TEST(noisy_seeds_intervals_cover_the_planted_curve)
{
    static const double counts[] = { 250, 500, 1000, 2000, 3000, 4000, 5000 };
    const double law[3] = { 0.90, 2.5, 0.55 };
    const int L = 7, S = 8;
    double acc[7 * 8];
    uint64_t state = 17;
    /* Seed means on the planted curve: the estimate is the planted law, inside its interval. */
    noisy(acc, counts, L, S, law, 0.01, &state, 1);
    cs_learning_curve *lc = fit(counts, L, acc, S, NULL);
    for (int p = 0; p < 3; p++) {
        double v, lo, hi;
        param(lc, (cs_curve_param)p, &v, &lo, &hi);
        ck_assert_msg(fabs(v - law[p]) < 1e-5 * law[p], "param %d: %.10g, planted %g", p, v,
                      law[p]);
        ck_assert_msg(lo < law[p] && law[p] < hi, "param %d: [%g, %g] misses %g", p, lo, hi,
                      law[p]);
    }
    double pr, lo, hi;
    cs_assert_ok(cs_learning_curve_predict(&pr, &lo, &hi, lc, 10000));
    double want = power_law(law[0], law[1], law[2], 10000);
    ck_assert(lo < want && want < hi && lo <= pr && pr <= hi);
    cs_learning_curve_destroy(lc);

    /* Uncentred noise, 40 studies: the 95 % intervals of a and of the accuracy at 2x the
     * largest count cover the planted values in most of them (the percentile bootstrap with 8
     * seeds covers somewhat less often than promised, so the bar is 75 %). */
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.bootstrap_resamples = 400;
    o.min_r2 = 0.0;
    int cover_a = 0, cover_pred = 0, cover_need = 0;
    const int studies = 40;
    const double t = 0.86, need_true = pow(law[1] / (law[0] - t), 1.0 / law[2]);
    for (int k = 0; k < studies; k++) {
        o.seed = (uint64_t)k;
        noisy(acc, counts, L, S, law, 0.01, &state, 0);
        lc = fit(counts, L, acc, S, &o);
        param(lc, CS_CURVE_PARAM_A, NULL, &lo, &hi);
        cover_a += lo <= law[0] && law[0] <= hi;
        cs_assert_ok(cs_learning_curve_predict(NULL, &lo, &hi, lc, 10000));
        cover_pred += lo <= want && want <= hi;
        if (cs_learning_curve_needed(NULL, &lo, &hi, NULL, lc, t) == CS_OK)
            cover_need += lo <= need_true && need_true <= hi;
        cs_learning_curve_destroy(lc);
    }
    ck_assert_msg(cover_a >= 30 && cover_pred >= 30 && cover_need >= 30,
                  "coverage of %d studies: a %d, acc(10000) %d, needed count %d", studies, cover_a,
                  cover_pred, cover_need);
}
END_TEST

START_TEST(target_above_the_asymptote_is_out_of_range)
{
    double acc[6];
    planted(acc, counts6, 6, 1, 0.92, 3.0, 0.6);
    cs_learning_curve *lc = fit(counts6, 6, acc, 1, NULL);
    double n = -1, lo = -1, hi = -1;
    size_t missed = 7;
    cs_assert_fails(cs_learning_curve_needed(&n, &lo, &hi, &missed, lc, 0.95), CS_ERR_OUT_OF_RANGE,
                    "target 0.95 is at or above the fitted asymptote a = 0.92");
    cs_assert_fails(cs_learning_curve_needed(&n, &lo, &hi, &missed, lc, 1.0), CS_ERR_OUT_OF_RANGE,
                    "no count of training records reaches it");
    ck_assert(n == -1 && lo == -1 && hi == -1 && missed == 7); /* nothing written */
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(fewer_than_three_levels_are_refused)
{
    static const double counts[] = { 1000, 2000 };
    static const double acc[] = { 0.7, 0.72, 0.8, 0.81 };
    for (int levels = 1; levels <= 2; levels++) {
        cs_learning_curve *lc = fit(counts, levels, acc, 2, NULL);
        double v, lo, hi, r2, rmse;
        for (int p = 0; p < 3; p++) {
            param(lc, (cs_curve_param)p, &v, &lo, &hi);
            ck_assert(isnan(v) && isnan(lo) && isnan(hi));
        }
        cs_assert_ok(cs_learning_curve_quality(&r2, &rmse, lc));
        ck_assert(isnan(r2) && isnan(rmse));
        const char *why = levels == 1 ? "the curve has 1 level, at least 3 are needed"
                                      : "the curve has 2 levels, at least 3 are needed";
        cs_assert_fails(cs_learning_curve_check(lc), CS_ERR_STATE, why);
        v = -1;
        cs_assert_fails(cs_learning_curve_predict(&v, NULL, NULL, lc, 4000), CS_ERR_STATE,
                        "cs_learning_curve_predict: the curve has");
        cs_assert_fails(cs_learning_curve_needed(&v, NULL, NULL, NULL, lc, 0.75), CS_ERR_STATE,
                        "cs_learning_curve_needed: the curve has");
        ck_assert(v == -1);
        cs_learning_curve_destroy(lc);
    }
}
END_TEST

START_TEST(poor_fit_is_refused)
{
    /* A V-shaped curve: no saturating power law follows it. */
    static const double counts[] = { 100, 200, 300, 400, 500 };
    static const double acc[] = { 0.8, 0.6, 0.4, 0.6, 0.8 };
    cs_learning_curve *lc = fit(counts, 5, acc, 1, NULL);
    double r2, v = -1;
    cs_assert_ok(cs_learning_curve_quality(&r2, NULL, lc));
    ck_assert_msg(r2 < 0.9, "R² %g", r2);
    cs_assert_fails(cs_learning_curve_check(lc), CS_ERR_STATE, "the fit is poor (R² ");
    cs_assert_fails(cs_learning_curve_check(lc), CS_ERR_STATE, "below min_r2 0.9000");
    cs_assert_fails(cs_learning_curve_predict(&v, NULL, NULL, lc, 1000), CS_ERR_STATE,
                    "the power law does not describe these accuracies");
    cs_assert_fails(cs_learning_curve_needed(&v, NULL, NULL, NULL, lc, 0.5), CS_ERR_STATE,
                    "the fit is poor");
    ck_assert(v == -1);
    cs_learning_curve_destroy(lc);
    /* The threshold is an option: at 0 the same curve is used. */
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.min_r2 = 0.0;
    lc = fit(counts, 5, acc, 1, &o);
    cs_assert_ok(cs_learning_curve_check(lc));
    cs_assert_ok(cs_learning_curve_predict(&v, NULL, NULL, lc, 1000));
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(flat_curve_fits_with_b_zero)
{
    static const double acc[] = { 0.75, 0.75, 0.75, 0.75, 0.75, 0.75 };
    cs_learning_curve *lc = fit(counts6, 6, acc, 1, NULL);
    double a, b, r2, n;
    param(lc, CS_CURVE_PARAM_A, &a, NULL, NULL);
    param(lc, CS_CURVE_PARAM_B, &b, NULL, NULL);
    cs_assert_ok(cs_learning_curve_quality(&r2, NULL, lc));
    ck_assert(a == 0.75 && b == 0.0 && r2 == 1.0);
    cs_assert_ok(cs_learning_curve_needed(&n, NULL, NULL, NULL, lc, 0.7));
    ck_assert(n == 0.0);
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(fit_rejects_bad_input)
{
    double counts[] = { 100, 200, 400 };
    double acc[] = { 0.5, 0.52, 0.6, 0.61, 0.7, 0.69 };
    cs_learning_curve *lc = (cs_learning_curve *)&lc; /* must come back NULL */
    cs_assert_fails(cs_learning_curve_fit(NULL, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_fit: out is NULL");
    cs_assert_fails(cs_learning_curve_fit(&lc, NULL, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_fit: counts is NULL");
    ck_assert_ptr_null(lc);
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, NULL, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "acc is NULL");
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 0, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "levels is 0, expected at least 1");
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, -1, NULL), CS_ERR_INVALID_ARGUMENT,
                    "seeds is -1, expected at least 1");
    counts[1] = NAN;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "counts[1] is nan, expected a finite count above 0");
    counts[1] = 0;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "counts[1] is 0, expected a finite count above 0");
    counts[1] = 100;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "counts[1] is 100, not above counts[0] = 100: the counts must be strictly "
                    "increasing");
    counts[1] = 50;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "counts[1] is 50, not above counts[0] = 100");
    counts[1] = 200;
    acc[3] = NAN;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "level 1, seed 1: accuracy is nan, expected a value in [0, 1]");
    acc[3] = 1.5;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "level 1, seed 1: accuracy is 1.5");
    acc[3] = 0.61;
    acc[4] = -0.01;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "level 2, seed 0: accuracy is -0.01");
    acc[4] = 0.7;
    ck_assert_ptr_null(lc);

    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.confidence = 1.0;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_fit options: confidence is 1, expected a value in (0, 1)");
    o.confidence = 0.9;
    o.bootstrap_resamples = 99;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "bootstrap_resamples is 99, expected at least 100");
    o.bootstrap_resamples = 100;
    o.min_r2 = NAN;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "min_r2 is nan, expected a value in [0, 1]");
    o.min_r2 = 1.5;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "min_r2 is 1.5");
    o.min_r2 = 0.5;
    o.struct_size = 8;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "struct_size is 8, expected at least");
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o), CS_ERR_UNSUPPORTED,
                    "the program was built against newer headers");
    ck_assert_ptr_null(lc);
    o.struct_size = sizeof o;
    cs_assert_ok(cs_learning_curve_fit(&lc, counts, 3, acc, 2, &o));
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(accessors_reject_bad_input)
{
    double acc[6];
    planted(acc, counts6, 6, 1, 0.92, 3.0, 0.6);
    cs_learning_curve *lc = fit(counts6, 6, acc, 1, NULL);
    double v = -1, lo = -1, hi = -1;
    cs_assert_fails(cs_learning_curve_param(&v, &lo, &hi, NULL, CS_CURVE_PARAM_A),
                    CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_param: lc is NULL");
    cs_assert_fails(cs_learning_curve_param(&v, &lo, &hi, lc, (cs_curve_param)3),
                    CS_ERR_INVALID_ARGUMENT, "which is 3, expected CS_CURVE_PARAM_A (0)");
    cs_assert_fails(cs_learning_curve_quality(&v, &lo, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_quality: lc is NULL");
    cs_assert_fails(cs_learning_curve_check(NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_check: lc is NULL");
    cs_assert_fails(cs_learning_curve_predict(&v, &lo, &hi, NULL, 100), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_predict: lc is NULL");
    cs_assert_fails(cs_learning_curve_predict(&v, &lo, &hi, lc, 0), CS_ERR_INVALID_ARGUMENT,
                    "n is 0, expected a finite count above 0");
    cs_assert_fails(cs_learning_curve_predict(&v, &lo, &hi, lc, INFINITY),
                    CS_ERR_INVALID_ARGUMENT, "n is inf");
    cs_assert_fails(cs_learning_curve_needed(&v, &lo, &hi, NULL, NULL, 0.5),
                    CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_needed: lc is NULL");
    cs_assert_fails(cs_learning_curve_needed(&v, &lo, &hi, NULL, lc, NAN), CS_ERR_INVALID_ARGUMENT,
                    "target is nan, expected an accuracy in [0, 1]");
    cs_assert_fails(cs_learning_curve_needed(&v, &lo, &hi, NULL, lc, -0.5),
                    CS_ERR_INVALID_ARGUMENT, "target is -0.5");
    ck_assert(v == -1 && lo == -1 && hi == -1); /* failures write nothing */
    cs_assert_ok(cs_learning_curve_predict(NULL, NULL, NULL, lc, 100));
    cs_assert_ok(cs_learning_curve_needed(NULL, NULL, NULL, NULL, lc, 0.5));
    cs_learning_curve_destroy(NULL);
    cs_learning_curve_destroy(lc);
}
END_TEST

START_TEST(levels_are_the_counts_and_seed_means)
{
    const double counts[4] = { 10, 20, 40, 80 };
    const double acc[8] = { 0.5, 0.25, 0.75, 0.5, 0.875, 0.625, 1.0, 0.75 }; /* (L, S) = (4, 2) */
    cs_learning_curve *lc = fit(counts, 4, acc, 2, NULL);
    ck_assert_int_eq(cs_learning_curve_levels(lc), 4);
    for (int l = 0; l < 4; l++) {
        double n = -1, y = -1;
        cs_assert_ok(cs_learning_curve_level(&n, &y, lc, l));
        ck_assert(n == counts[l]);
        ck_assert(y == (acc[2 * l] + acc[2 * l + 1]) / 2.0); /* exact in binary */
    }
    cs_assert_ok(cs_learning_curve_level(NULL, NULL, lc, 3));
    double n = -1, y = -1;
    cs_assert_fails(cs_learning_curve_level(&n, &y, lc, 4), CS_ERR_OUT_OF_RANGE,
                    "level 4; the fit has 4 levels (0 .. 3)");
    cs_assert_fails(cs_learning_curve_level(&n, &y, lc, -1), CS_ERR_OUT_OF_RANGE, "level -1");
    ck_assert(n == -1 && y == -1); /* failures write nothing */
    cs_assert_fails(cs_learning_curve_level(&n, &y, NULL, 0), CS_ERR_INVALID_ARGUMENT,
                    "cs_learning_curve_level: lc is NULL");
    ck_assert_int_eq(cs_learning_curve_levels(NULL), CS_ERR_INVALID_ARGUMENT);
    ck_assert_str_eq(cs_last_error(), "cs_learning_curve_levels: lc is NULL");
    cs_learning_curve_destroy(lc);
    /* One level: kept too, although nothing is fitted. */
    lc = fit(counts, 1, acc, 2, NULL);
    ck_assert_int_eq(cs_learning_curve_levels(lc), 1);
    cs_assert_ok(cs_learning_curve_level(&n, &y, lc, 0));
    ck_assert(n == 10 && y == 0.375);
    cs_learning_curve_destroy(lc);
}
END_TEST

/* Every output of a fit, in one array. */
static void outputs(double *o, const cs_learning_curve *lc)
{
    for (int p = 0; p < 3; p++)
        param(lc, (cs_curve_param)p, &o[3 * p], &o[3 * p + 1], &o[3 * p + 2]);
    cs_assert_ok(cs_learning_curve_quality(&o[9], &o[10], lc));
    cs_assert_ok(cs_learning_curve_predict(&o[11], &o[12], &o[13], lc, 20000));
    size_t missed;
    cs_assert_ok(cs_learning_curve_needed(&o[14], &o[15], &o[16], &missed, lc, 0.85));
    o[17] = (double)missed;
}

START_TEST(same_seed_gives_bit_identical_results)
{
    static const double counts[] = { 250, 500, 1000, 2000, 3000, 4000, 5000 };
    const double law[3] = { 0.90, 2.5, 0.55 };
    double acc[7 * 6];
    uint64_t state = 5;
    noisy(acc, counts, 7, 6, law, 0.01, &state, 0);
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.seed = 42;
    o.min_r2 = 0.0;
    double first[18], second[18], other[18];
    cs_learning_curve *lc = fit(counts, 7, acc, 6, &o);
    outputs(first, lc);
    cs_learning_curve_destroy(lc);
    lc = fit(counts, 7, acc, 6, &o);
    outputs(second, lc);
    cs_learning_curve_destroy(lc);
    ck_assert(memcmp(first, second, sizeof first) == 0);
    o.seed = 43;
    lc = fit(counts, 7, acc, 6, &o);
    outputs(other, lc);
    cs_learning_curve_destroy(lc);
    ck_assert(first[0] == other[0]);                          /* the fit uses no randomness */
    ck_assert(first[1] != other[1] || first[2] != other[2]); /* the bootstrap does */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learning_curve");
    TCase *tc = tcase_create("learning_curve");
    tcase_add_test(tc, options_init_matches_macro);
    tcase_add_test(tc, planted_power_law_is_recovered);
    tcase_add_test(tc, prediction_and_needed_count_match_closed_forms);
    tcase_add_test(tc, fit_is_the_least_squares_minimum);
    tcase_add_test(tc, asymptote_stays_at_or_below_one);
    tcase_add_test(tc, two_seeds_bound_the_intervals_exactly);
    tcase_add_test(tc, noisy_seeds_intervals_cover_the_planted_curve);
    tcase_add_test(tc, target_above_the_asymptote_is_out_of_range);
    tcase_add_test(tc, fewer_than_three_levels_are_refused);
    tcase_add_test(tc, poor_fit_is_refused);
    tcase_add_test(tc, flat_curve_fits_with_b_zero);
    tcase_add_test(tc, fit_rejects_bad_input);
    tcase_add_test(tc, accessors_reject_bad_input);
    tcase_add_test(tc, levels_are_the_counts_and_seed_means);
    tcase_add_test(tc, same_seed_gives_bit_identical_results);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
