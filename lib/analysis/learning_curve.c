/* Per-class learning curves: a saturating power law acc(n) = a - b n^-c fitted by profile
 * least squares to the seed means, percentile-bootstrap intervals over the seeds, and from the
 * fit the accuracy at another count and the count that reaches a target accuracy
 * (docs/analysis.md, "Learning curves"). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"

/* The range of the exponent c. As c goes to 0 the power law turns into a + b' c log n with
 * b' growing without bound, so c stays away from 0; above 5 the shortfall vanishes within a
 * few levels and c is no longer told apart from the data. */
#define C_MIN 1e-3
#define C_MAX 5.0
/* Grid points, evenly spaced in log c, that bracket the minimum before the golden section. */
#define GRID 64
/* The golden section stops when its bracket is this narrow in log c (or after GOLDEN_MAX
 * steps): c is then known to ~1e-12 relative, far below what the sum of squares resolves. */
#define GOLDEN_TOL 1e-12
#define GOLDEN_MAX 200

/* Counter words of the bootstrap stream: independent of the streams of seed_average.c. */
#define PURPOSE_BOOT_CURVE 0x56525543u /* "CURV" */

struct cs_learning_curve {
    int levels, seeds;
    cs_learning_curve_options opts;
    double n_ref;             /* the largest count: the curve is a - b' (n / n_ref)^-c */
    double a, bs, c;          /* bs = b' = b n_ref^-c */
    double r2, rmse;
    double lo[3], hi[3];      /* intervals of a, b, c */
    size_t replicates;        /* B, or 0 without a bootstrap (one seed, < 3 levels) */
    double *rep;              /* (B, 3): a*, b'*, c* of each refit */
    double *level_n, *level_y; /* the L counts and seed means the curve was fitted to */
};

/* The sum of squares of y_l - (a - b' x_l). */
static double sse_of(const double *y, const double *x, int n, double a, double b)
{
    double sse = 0.0;
    for (int l = 0; l < n; l++) {
        double r = y[l] - a + b * x[l];
        sse += r * r;
    }
    return sse;
}

/* The least-squares (a, b') for a fixed c, with b' >= 0 and a <= 1 (an accuracy cannot
 * approach more than 1), and the sum of squares it leaves. x_l = (n_l / n_ref)^-c =
 * exp(-c lr_l); for fixed c the model y = a - b' x is a straight line in x, and the constrained
 * problem a convex quadratic one: its minimum is the unconstrained line where that is feasible,
 * else the better of the two edges, b' = 0 (a = the mean, <= 1) and a = 1 (b' by least squares
 * with a fixed, held at >= 0). */
static double fit_fixed_c(const double *y, const double *lr, int n, double c, double *x,
                          double *a, double *bs)
{
    double xm = 0.0, ym = 0.0;
    for (int l = 0; l < n; l++) {
        x[l] = exp(-c * lr[l]);
        xm += x[l];
        ym += y[l];
    }
    xm /= n;
    ym /= n;
    double sxx = 0.0, sxy = 0.0;
    for (int l = 0; l < n; l++) {
        double dx = x[l] - xm;
        sxx += dx * dx;
        sxy += dx * (y[l] - ym);
    }
    /* b' = -slope; an increasing x (a falling curve in n) would need b' < 0: the constraint
     * then holds b' at 0 and a at the mean. */
    double b = sxx > 0.0 ? -sxy / sxx : 0.0;
    if (!(b > 0.0))
        b = 0.0;
    double intercept = ym + b * xm;
    double sse = sse_of(y, x, n, intercept, b);
    if (intercept > 1.0) {
        double sx1y = 0.0, sx2 = 0.0;
        for (int l = 0; l < n; l++) {
            sx1y += x[l] * (1.0 - y[l]);
            sx2 += x[l] * x[l];
        }
        double b1 = sx2 > 0.0 ? sx1y / sx2 : 0.0;
        if (!(b1 > 0.0))
            b1 = 0.0;
        const double sse1 = sse_of(y, x, n, 1.0, b1), sse0 = sse_of(y, x, n, ym, 0.0);
        if (sse1 <= sse0) {
            intercept = 1.0;
            b = b1;
            sse = sse1;
        } else {
            intercept = ym;
            b = 0.0;
            sse = sse0;
        }
    }
    *a = intercept;
    *bs = b;
    return isfinite(sse) ? sse : INFINITY;
}

/* The profile least squares over u = log c: the best of GRID points, then a golden section in
 * the bracket formed by its two neighbours. Returns the sum of squares (+inf when every c
 * failed), with a, b', c of the best point evaluated; x is n doubles of scratch. */
static double fit_curve(const double *y, const double *lr, int n, double *x, double *a,
                        double *bs, double *c)
{
    const double u0 = log(C_MIN), u1 = log(C_MAX), step = (u1 - u0) / (GRID - 1);
    double best = INFINITY, best_u = u0, ta, tb;
    int best_i = 0;
    for (int i = 0; i < GRID; i++) {
        double u = i == GRID - 1 ? u1 : u0 + step * i;
        double s = fit_fixed_c(y, lr, n, exp(u), x, &ta, &tb);
        if (s < best) {
            best = s;
            best_i = i;
            best_u = u;
        }
    }
    if (isfinite(best)) {
        const double g = 0.61803398874989484820; /* (sqrt(5) - 1) / 2 */
        double lo = best_i > 0 ? u0 + step * (best_i - 1) : u0;
        double hi = best_i < GRID - 1 ? u0 + step * (best_i + 1) : u1;
        if (hi > u1)
            hi = u1;
        double p = hi - g * (hi - lo), q = lo + g * (hi - lo);
        double fp = fit_fixed_c(y, lr, n, exp(p), x, &ta, &tb);
        double fq = fit_fixed_c(y, lr, n, exp(q), x, &ta, &tb);
        for (int it = 0; it < GOLDEN_MAX && hi - lo > GOLDEN_TOL; it++) {
            if (fp <= fq) {
                hi = q;
                q = p;
                fq = fp;
                p = hi - g * (hi - lo);
                fp = fit_fixed_c(y, lr, n, exp(p), x, &ta, &tb);
            } else {
                lo = p;
                p = q;
                fp = fq;
                q = lo + g * (hi - lo);
                fq = fit_fixed_c(y, lr, n, exp(q), x, &ta, &tb);
            }
        }
        if (fp < best) {
            best = fp;
            best_u = p;
        }
        if (fq < best) {
            best = fq;
            best_u = q;
        }
    }
    *c = exp(best_u);
    fit_fixed_c(y, lr, n, *c, x, a, bs);
    if (!isfinite(best))
        *a = *bs = *c = NAN;
    return best;
}

static int cmp_double(const void *p, const void *q)
{
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (no NaN; +inf allowed), which it sorts, interpolated linearly
 * between the order statistics around (n - 1) q (NumPy's default "linear" method). */
static double quantile_sorted(double *v, size_t n, double q, int sort)
{
    if (sort)
        qsort(v, n, sizeof *v, cmp_double);
    double h = (double)(n - 1) * q;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n)
        return v[n - 1];
    double frac = h - (double)i;
    if (frac == 0.0 || v[i + 1] == v[i])
        return v[i];
    return v[i] + frac * (v[i + 1] - v[i]);
}

static void percentiles(double *v, size_t n, double confidence, double *lo, double *hi)
{
    *lo = quantile_sorted(v, n, 0.5 * (1.0 - confidence), 1);
    *hi = quantile_sorted(v, n, 0.5 * (1.0 + confidence), 0);
}

static int check_options(cs_learning_curve_options *o, const cs_learning_curve_options *given)
{
    static const char what[] = "cs_learning_curve_fit options";
    const cs_learning_curve_options defaults = CS_LEARNING_CURVE_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        /* Every field existed in the first version of the struct, so all are required. */
        int status = cs__options_copy(o, sizeof *o, given,
                                      offsetof(cs_learning_curve_options, min_r2) + sizeof(double),
                                      what);
        if (status != CS_OK)
            return status;
        o->struct_size = sizeof *o;
    }
    if (!(o->confidence > 0.0 && o->confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: confidence is %g, expected a value in (0, 1)", what, o->confidence);
    if (o->bootstrap_resamples < 100)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: bootstrap_resamples is %d, expected at least 100", what,
                         o->bootstrap_resamples);
    if (!(o->min_r2 >= 0.0 && o->min_r2 <= 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: min_r2 is %g, expected a value in [0, 1]",
                         what, o->min_r2);
    return CS_OK;
}

int cs_learning_curve_options_init(cs_learning_curve_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_learning_curve_options defaults = CS_LEARNING_CURVE_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

static int check_input(const double *counts, int levels, const double *acc, int seeds)
{
    static const char fn[] = "cs_learning_curve_fit";
    if (!counts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: counts is NULL", fn);
    if (!acc)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: acc is NULL", fn);
    if (levels < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: levels is %d, expected at least 1", fn,
                         levels);
    if (seeds < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: seeds is %d, expected at least 1", fn,
                         seeds);
    for (int l = 0; l < levels; l++) {
        if (!(isfinite(counts[l]) && counts[l] > 0.0))
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "%s: counts[%d] is %g, expected a finite count above 0", fn, l,
                             counts[l]);
        if (l > 0 && !(counts[l] > counts[l - 1]))
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "%s: counts[%d] is %g, not above counts[%d] = %g: the counts must be "
                             "strictly increasing",
                             fn, l, counts[l], l - 1, counts[l - 1]);
    }
    for (int l = 0; l < levels; l++)
        for (int s = 0; s < seeds; s++) {
            double v = acc[(size_t)l * (size_t)seeds + (size_t)s];
            if (!(v >= 0.0 && v <= 1.0))
                return cs__error(CS_ERR_INVALID_ARGUMENT,
                                 "%s: level %d, seed %d: accuracy is %g, expected a value in "
                                 "[0, 1]",
                                 fn, l, s, v);
        }
    return CS_OK;
}

/* b = b' n_ref^c, the parameter of acc(n) = a - b n^-c. */
static double b_of(double bs, double c, double n_ref)
{
    return bs == 0.0 ? 0.0 : bs * pow(n_ref, c);
}

int cs_learning_curve_fit(cs_learning_curve **out, const double *counts, int levels,
                          const double *acc, int seeds, const cs_learning_curve_options *opts)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_fit: out is NULL");
    *out = NULL;
    int status = check_input(counts, levels, acc, seeds);
    if (status != CS_OK)
        return status;
    cs_learning_curve_options o;
    status = check_options(&o, opts);
    if (status != CS_OK)
        return status;

    const size_t nl = (size_t)levels, ns = (size_t)seeds;
    const size_t b = levels >= 3 && seeds >= 2 ? (size_t)o.bootstrap_resamples : 0;
    /* Scratch: the seed means y, log(n_l / n_ref), x (L each), the resampled columns (S
     * indices), and the B refits (3 each) plus B doubles for their quantiles. */
    size_t rep_count, rep_bytes, scratch_bytes, idx_bytes, work_bytes;
    if (!cs__mul_size(&rep_count, b, 3) || !cs__mul_size(&rep_bytes, rep_count, sizeof(double)) ||
        !cs__mul_size(&scratch_bytes, nl, 3 * sizeof(double)) ||
        !cs__mul_size(&idx_bytes, ns, sizeof(size_t)) ||
        !cs__mul_size(&work_bytes, b, sizeof(double)))
        return cs__error(CS_ERR_OVERFLOW, "cs_learning_curve_fit: %zu levels, %zu seeds and %zu "
                         "resamples overflow the size of the workspace", nl, ns, b);

    cs_learning_curve *lc = calloc(1, sizeof *lc);
    double *scratch = malloc(scratch_bytes);
    size_t *idx = malloc(idx_bytes);
    double *work = b ? malloc(work_bytes) : NULL;
    if (lc && b)
        lc->rep = malloc(rep_bytes);
    if (lc)
        lc->level_n = malloc(2 * nl * sizeof(double));
    if (!lc || !scratch || !idx || !lc->level_n || (b && (!work || !lc->rep))) {
        status = cs__error_oom("learning-curve workspace", sizeof *lc + scratch_bytes + idx_bytes +
                               work_bytes + rep_bytes + 2 * nl * sizeof(double));
        goto cleanup;
    }
    lc->levels = levels;
    lc->seeds = seeds;
    lc->opts = o;
    lc->n_ref = counts[levels - 1];
    lc->replicates = b;
    lc->a = lc->bs = lc->c = lc->r2 = lc->rmse = NAN;
    for (int p = 0; p < 3; p++)
        lc->lo[p] = lc->hi[p] = NAN;

    double *y = scratch, *lr = scratch + nl, *x = scratch + 2 * nl;
    for (size_t l = 0; l < nl; l++) {
        double sum = 0.0;
        for (size_t s = 0; s < ns; s++)
            sum += acc[l * ns + s];
        y[l] = sum / (double)ns;
        lr[l] = log(counts[l] / lc->n_ref);
    }
    lc->level_y = lc->level_n + nl;
    memcpy(lc->level_n, counts, nl * sizeof(double));
    memcpy(lc->level_y, y, nl * sizeof(double));
    if (levels >= 3) {
        double sse = fit_curve(y, lr, levels, x, &lc->a, &lc->bs, &lc->c);
        if (isfinite(sse)) {
            double ym = 0.0, sst = 0.0;
            for (size_t l = 0; l < nl; l++)
                ym += y[l];
            ym /= (double)nl;
            for (size_t l = 0; l < nl; l++)
                sst += (y[l] - ym) * (y[l] - ym);
            lc->r2 = sst > 0.0 ? 1.0 - sse / sst : 1.0;
            lc->rmse = sqrt(sse / (double)nl);
        }
    }
    if (b) {
        cs__rng rng;
        cs__rng_init(&rng, o.seed, PURPOSE_BOOT_CURVE);
        for (size_t j = 0; j < b; j++) {
            for (size_t s = 0; s < ns; s++)
                idx[s] = (size_t)cs__rng_below(&rng, ns);
            for (size_t l = 0; l < nl; l++) {
                double sum = 0.0;
                for (size_t s = 0; s < ns; s++)
                    sum += acc[l * ns + idx[s]];
                y[l] = sum / (double)ns;
            }
            double *r = lc->rep + 3 * j;
            fit_curve(y, lr, levels, x, &r[0], &r[1], &r[2]);
        }
        /* A refit can only fail where the fit of the means failed too (the same counts); its
         * intervals then stay NaN. */
        if (isfinite(lc->a)) {
            for (int p = 0; p < 3; p++) {
                for (size_t j = 0; j < b; j++) {
                    const double *r = lc->rep + 3 * j;
                    work[j] = p == 0 ? r[0] : p == 1 ? b_of(r[1], r[2], lc->n_ref) : r[2];
                }
                percentiles(work, b, o.confidence, &lc->lo[p], &lc->hi[p]);
            }
        }
    }
    *out = lc;
    lc = NULL;
    status = CS_OK;
cleanup:
    free(work);
    free(idx);
    free(scratch);
    cs_learning_curve_destroy(lc);
    return status;
}

void cs_learning_curve_destroy(cs_learning_curve *lc)
{
    if (!lc)
        return;
    free(lc->rep);
    free(lc->level_n);
    free(lc);
}

int cs_learning_curve_levels(const cs_learning_curve *lc)
{
    if (!lc)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_levels: lc is NULL");
    return lc->levels;
}

int cs_learning_curve_level(double *count, double *mean, const cs_learning_curve *lc, int level)
{
    if (!lc)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_level: lc is NULL");
    if (level < 0 || level >= lc->levels)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_learning_curve_level: level %d; the fit has %d "
                         "level%s (0 .. %d)", level, lc->levels, lc->levels == 1 ? "" : "s",
                         lc->levels - 1);
    if (count)
        *count = lc->level_n[level];
    if (mean)
        *mean = lc->level_y[level];
    return CS_OK;
}

int cs_learning_curve_param(double *value, double *lo, double *hi, const cs_learning_curve *lc,
                            cs_curve_param which)
{
    if (!lc)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_param: lc is NULL");
    if (which != CS_CURVE_PARAM_A && which != CS_CURVE_PARAM_B && which != CS_CURVE_PARAM_C)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_learning_curve_param: which is %d, expected CS_CURVE_PARAM_A (0), "
                         "CS_CURVE_PARAM_B (1) or CS_CURVE_PARAM_C (2)",
                         (int)which);
    int p = (int)which;
    if (value)
        *value = p == 0 ? lc->a : p == 1 ? b_of(lc->bs, lc->c, lc->n_ref) : lc->c;
    if (lo)
        *lo = lc->lo[p];
    if (hi)
        *hi = lc->hi[p];
    return CS_OK;
}

int cs_learning_curve_quality(double *r2, double *rmse, const cs_learning_curve *lc)
{
    if (!lc)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_learning_curve_quality: lc is NULL");
    if (r2)
        *r2 = lc->r2;
    if (rmse)
        *rmse = lc->rmse;
    return CS_OK;
}

/* The refusal to predict, shared by the check and the functions that predict (fn names the
 * caller in the message). */
static int refuse(const cs_learning_curve *lc, const char *fn)
{
    if (!lc)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: lc is NULL", fn);
    if (lc->levels < 3)
        return cs__error(CS_ERR_STATE,
                         "%s: the curve has %d level%s, at least 3 are needed to fit a, b and c; "
                         "it is not used to predict",
                         fn, lc->levels, lc->levels == 1 ? "" : "s");
    if (isnan(lc->r2))
        return cs__error(CS_ERR_STATE, "%s: the fit failed (the counts span too wide a range); "
                         "it is not used to predict", fn);
    if (lc->r2 < lc->opts.min_r2)
        return cs__error(CS_ERR_STATE,
                         "%s: the fit is poor (R² %.4f, below min_r2 %.4f): the power law does "
                         "not describe these accuracies, so it is not used to predict",
                         fn, lc->r2, lc->opts.min_r2);
    return CS_OK;
}

int cs_learning_curve_check(const cs_learning_curve *lc)
{
    return refuse(lc, "cs_learning_curve_check");
}

/* a - b' (n / n_ref)^-c */
static double predict(double a, double bs, double c, double n, double n_ref)
{
    return bs == 0.0 ? a : a - bs * pow(n / n_ref, -c);
}

int cs_learning_curve_predict(double *value, double *lo, double *hi, const cs_learning_curve *lc,
                              double n)
{
    static const char fn[] = "cs_learning_curve_predict";
    int status = refuse(lc, fn);
    if (status != CS_OK)
        return status;
    if (!(isfinite(n) && n > 0.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: n is %g, expected a finite count above 0",
                         fn, n);
    double l = NAN, h = NAN;
    if (lc->replicates && (lo || hi)) {
        double *work = malloc(lc->replicates * sizeof *work);
        if (!work)
            return cs__error_oom("learning-curve predictions", lc->replicates * sizeof *work);
        for (size_t j = 0; j < lc->replicates; j++) {
            const double *r = lc->rep + 3 * j;
            work[j] = predict(r[0], r[1], r[2], n, lc->n_ref);
        }
        percentiles(work, lc->replicates, lc->opts.confidence, &l, &h);
        free(work);
    }
    if (value)
        *value = predict(lc->a, lc->bs, lc->c, n, lc->n_ref);
    if (lo)
        *lo = l;
    if (hi)
        *hi = h;
    return CS_OK;
}

/* n_ref (b' / (a - t))^(1/c) for t < a; +inf when t >= a (no count reaches t). */
static double needed(double a, double bs, double c, double t, double n_ref)
{
    if (!(t < a))
        return INFINITY;
    return bs == 0.0 ? 0.0 : n_ref * pow(bs / (a - t), 1.0 / c);
}

int cs_learning_curve_needed(double *count, double *lo, double *hi, size_t *unreachable,
                             const cs_learning_curve *lc, double target)
{
    static const char fn[] = "cs_learning_curve_needed";
    int status = refuse(lc, fn);
    if (status != CS_OK)
        return status;
    if (!(target >= 0.0 && target <= 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: target is %g, expected an accuracy in [0, 1]", fn, target);
    if (!(target < lc->a))
        return cs__error(CS_ERR_OUT_OF_RANGE,
                         "%s: target %.6g is at or above the fitted asymptote a = %.6g: no count "
                         "of training records reaches it",
                         fn, target, lc->a);
    double l = NAN, h = NAN;
    size_t missed = 0;
    if (lc->replicates) {
        double *work = malloc(lc->replicates * sizeof *work);
        if (!work)
            return cs__error_oom("learning-curve counts", lc->replicates * sizeof *work);
        for (size_t j = 0; j < lc->replicates; j++) {
            const double *r = lc->rep + 3 * j;
            if (!(target < r[0]))
                missed++;
            work[j] = needed(r[0], r[1], r[2], target, lc->n_ref);
        }
        percentiles(work, lc->replicates, lc->opts.confidence, &l, &h);
        free(work);
    }
    if (count)
        *count = needed(lc->a, lc->bs, lc->c, target, lc->n_ref);
    if (lo)
        *lo = l;
    if (hi)
        *hi = h;
    if (unreachable)
        *unreachable = missed;
    return CS_OK;
}

/* ---- noise x volume: the data multiplier of a noisy row --------------------------------------- */

int cs_noise_multiplier(double *multiplier, double *lo, double *hi, size_t *unreachable, const double *counts,
                        int levels, const double *acc, int seeds, const double *target, double full,
                        const cs_learning_curve_options *opts)
{
    static const char fn[] = "cs_noise_multiplier";
    if (!target)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: target is NULL", fn);
    if (!(isfinite(full) && full > 0.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: full is %g, expected a finite count > 0", fn, full);
    for (int s = 0; s < seeds; s++)
        if (!(target[s] >= 0.0 && target[s] <= 1.0))
            return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: target[%d] is %g, expected an accuracy in [0, 1]", fn, s,
                             target[s]);
    cs_learning_curve *lc = NULL;
    int status = cs_learning_curve_fit(&lc, counts, levels, acc, seeds, opts);
    if (status != CS_OK)
        return status;
    status = refuse(lc, fn);
    double t = 0.0;
    for (int s = 0; s < seeds; s++)
        t += target[s];
    t /= seeds;
    if (status == CS_OK && !(t < lc->a))
        status = cs__error(CS_ERR_OUT_OF_RANGE,
                           "%s: the clean accuracy %.6g is at or above the noisy curve's asymptote a = %.6g: no "
                           "amount of data at this noise level reaches it", fn, t, lc->a);
    double l = NAN, h = NAN, *work = NULL;
    size_t *idx = NULL, missed = 0;
    if (status == CS_OK && lc->replicates) {
        work = malloc(lc->replicates * sizeof *work);
        idx = malloc((size_t)seeds * sizeof *idx);
        if (!work || !idx)
            status = cs__error_oom("noise multiplier", lc->replicates * sizeof *work + (size_t)seeds * sizeof *idx);
    }
    if (status == CS_OK && lc->replicates) {
        /* The fit's own stream, replayed: resample j's target is drawn from the seed indices
         * that refit j was drawn from. */
        const size_t ns = (size_t)seeds;
        cs__rng rng;
        cs__rng_init(&rng, lc->opts.seed, PURPOSE_BOOT_CURVE);
        for (size_t j = 0; j < lc->replicates; j++) {
            double tj = 0.0;
            for (size_t s = 0; s < ns; s++)
                idx[s] = (size_t)cs__rng_below(&rng, ns);
            for (size_t s = 0; s < ns; s++)
                tj += target[idx[s]];
            tj /= (double)ns;
            const double *r = lc->rep + 3 * j;
            if (!(tj < r[0]))
                missed++;
            work[j] = needed(r[0], r[1], r[2], tj, lc->n_ref) / full;
        }
        percentiles(work, lc->replicates, lc->opts.confidence, &l, &h);
    }
    if (status == CS_OK) {
        if (multiplier)
            *multiplier = needed(lc->a, lc->bs, lc->c, t, lc->n_ref) / full;
        if (lo)
            *lo = l;
        if (hi)
            *hi = h;
        if (unreachable)
            *unreachable = missed;
    }
    free(work);
    free(idx);
    cs_learning_curve_destroy(lc);
    return status;
}
