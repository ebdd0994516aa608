/* Replicate summaries: the mean and standard deviation of r confusion matrices, and the
 * per-class and overall accuracy of the replicates with Wilson (effective sample size),
 * Student-t or bootstrap intervals. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/confusion_internal.h"
#include "analysis/stats.h"
#include "core/error.h"
#include "core/memory.h"

void cs__seed_average_resample(size_t *idx, size_t b, size_t n, cs__rng *rng)
{
    for (size_t j = 0; j < b * n; j++)
        idx[j] = (size_t)cs__rng_below(rng, n);
}

/* Rearrange v[0..n) so that v[nth] holds the value sorting would put there, with nothing
 * larger before it and nothing smaller after it (Hoare's selection, median-of-three pivot):
 * two quantiles of B resampled means in O(B) instead of a sort's O(B log B). */
static void swap(double *a, double *b)
{
    double x = *a;
    *a = *b;
    *b = x;
}

static void select_nth(double *v, size_t n, size_t nth)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1;
    const ptrdiff_t k = (ptrdiff_t)nth;
    while (hi > lo) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo])
            swap(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swap(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swap(&v[hi], &v[mid]);
        const double pivot = v[mid];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j)
                swap(&v[i++], &v[j--]);
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* The q-quantile with linear interpolation between the order statistics around (n - 1) q. */
static double quantile(double *v, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t i = (size_t)floor(h);
    if (i + 1 >= n) {
        select_nth(v, n, n - 1);
        return v[n - 1];
    }
    select_nth(v, n, i);
    double next = v[i + 1]; /* the smallest value after the i-th */
    for (size_t j = i + 2; j < n; j++)
        next = v[j] < next ? v[j] : next;
    return v[i] + (h - (double)i) * (next - v[i]);
}

void cs__seed_average_percentiles(double *means, size_t b, double confidence, double *lo,
                                  double *hi)
{
    *lo = quantile(means, b, 0.5 * (1.0 - confidence));
    *hi = quantile(means, b, 0.5 * (1.0 + confidence));
}

static int check_options(cs_average_options *o, const cs_average_options *given)
{
    static const char what[] = "cs_confusion_average options";
    const cs_average_options defaults = CS_AVERAGE_OPTIONS_INIT;
    *o = defaults;
    if (given) {
        /* Every field existed in the first version of the struct, so all are required. */
        int status = cs__options_copy(o, sizeof *o, given,
                                      offsetof(cs_average_options, seed) + sizeof(uint64_t), what);
        if (status != CS_OK)
            return status;
        o->struct_size = sizeof *o;
    }
    if (!(o->confidence > 0.0 && o->confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: confidence is %g, expected a value in (0, 1)",
                         what, o->confidence);
    if (o->interval != CS_INTERVAL_T && o->interval != CS_INTERVAL_BOOTSTRAP &&
        o->interval != CS_INTERVAL_WILSON)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: interval is %d, expected CS_INTERVAL_T (0), CS_INTERVAL_BOOTSTRAP (1) "
                         "or CS_INTERVAL_WILSON (2)",
                         what, (int)o->interval);
    if (o->bootstrap_resamples < 100)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: bootstrap_resamples is %d, expected at least 100", what,
                         o->bootstrap_resamples);
    return CS_OK;
}

/* Mean of r replicate proportions v and its interval: the Wilson score interval with an
 * effective sample size (n test records: the harmonic mean of the replicates' totals),
 * t_q · sd / √r around the mean, or the percentiles of the resampled means (idx: b rows of r
 * indices; work: b doubles). `exact` is the mean from integer sums, x / n, when the replicates
 * share their totals, NaN otherwise: it replaces the running sum, whose rounding would make
 * equal means differ in the last bit. */
static void summarize(const double *v, size_t r, double exact, double n, const cs_average_options *o,
                      double t_q, const size_t *idx, double *work, double *mean, double *lo, double *hi)
{
    double sd;
    cs__stats_mean_sd(v, r, mean, &sd);
    if (!isnan(exact) && !isnan(*mean))
        *mean = exact;
    *lo = *hi = NAN;
    if (r < 2 || isnan(*mean))
        return;
    if (o->interval == CS_INTERVAL_WILSON) {
        cs__stats_wilson(*mean, sd, r, n, o->confidence, lo, hi);
        return;
    }
    if (o->interval == CS_INTERVAL_T) {
        double half = t_q * sd / sqrt((double)r);
        *lo = *mean - half;
        *hi = *mean + half;
        return;
    }
    const size_t b = (size_t)o->bootstrap_resamples;
    for (size_t j = 0; j < b; j++) {
        double s = 0.0;
        for (size_t i = 0; i < r; i++)
            s += v[idx[j * r + i]];
        work[j] = s / (double)r;
    }
    cs__seed_average_percentiles(work, b, o->confidence, lo, hi);
}

int cs_average_options_init(cs_average_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_average_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_average_options defaults = CS_AVERAGE_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

int cs_confusion_average(cs_confusion_stats **out, const cs_confusion *const *cms, size_t r,
                         const cs_average_options *opts)
{
    static const char fn[] = "cs_confusion_average";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!cms)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: cms is NULL", fn);
    if (r == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: r is 0, at least one replicate is needed",
                         fn);
    for (size_t i = 0; i < r; i++)
        if (!cms[i])
            return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: cms[%zu] is NULL", fn, i);
    const int k = cms[0]->k;
    for (size_t i = 1; i < r; i++)
        if (cms[i]->k != k)
            return cs__error(CS_ERR_SIZE_MISMATCH, "%s: cms[%zu] has %d classes, cms[0] has %d",
                             fn, i, cms[i]->k, k);
    cs_average_options o;
    int status = check_options(&o, opts);
    if (status != CS_OK)
        return status;

    const size_t kk = (size_t)k * (size_t)k, b = (size_t)o.bootstrap_resamples;
    const int boot = o.interval == CS_INTERVAL_BOOTSTRAP && r >= 2;
    /* One block: doubles sd (K²), recall (K·r), acc (r), class mean/lo/hi and x/n/n_hm (6K),
     * then K flags. */
    size_t kr, doubles, block_bytes, idx_bytes = 0;
    if (!cs__mul_size(&kr, (size_t)k, r) || !cs__add_size(&doubles, kk, kr) ||
        !cs__add_size(&doubles, doubles, r) || !cs__add_size(&doubles, doubles, 6u * (size_t)k) ||
        !cs__mul_size(&block_bytes, doubles, sizeof(double)) ||
        !cs__add_size(&block_bytes, block_bytes, (size_t)k) ||
        (boot && (!cs__mul_size(&idx_bytes, b, r) ||
                  !cs__mul_size(&idx_bytes, idx_bytes, sizeof(size_t)))))
        return cs__error_oom("cs_confusion_average: the summary of so many replicates", SIZE_MAX);

    cs_confusion_stats *s = calloc(1, sizeof *s);
    double *block = malloc(block_bytes);
    size_t *idx = boot ? malloc(idx_bytes) : NULL;
    double *work = boot ? malloc(b * sizeof *work) : NULL;
    if (!s || !block || (boot && (!idx || !work))) {
        status = cs__error_oom("cs_confusion_average: the summary", block_bytes + idx_bytes);
        goto cleanup;
    }
    s->r = r;
    s->k = k;
    s->opts = o;
    s->sd = block;
    s->recall = s->sd + kk;
    s->acc = s->recall + kr;
    s->class_mean = s->acc + r;
    s->class_lo = s->class_mean + k;
    s->class_hi = s->class_lo + k;
    s->class_x = s->class_hi + k;
    s->class_n = s->class_x + k;
    s->class_n_hm = s->class_n + k;
    s->class_same = (unsigned char *)(s->class_n_hm + k);
    status = cs__confusion_alloc(&s->mean, k, fn);
    if (status != CS_OK)
        goto cleanup;

    /* Sums replicate by replicate (each matrix read contiguously), kept with the mean matrix
     * for its exact ratios, then two-pass variance. */
    s->mean->sums = malloc((kk + (size_t)k) * sizeof(double));
    if (!s->mean->sums) {
        status = cs__error_oom("cs_confusion_average: the summary", (kk + (size_t)k) * sizeof(double));
        goto cleanup;
    }
    double *mean = s->mean->counts, *sums = s->mean->sums;
    for (size_t i = 0; i < r; i++)
        for (size_t c = 0; c < kk; c++)
            mean[c] += cms[i]->counts[c];
    for (size_t t = 0; t < (size_t)k; t++) {
        double row = 0.0;
        for (size_t p = 0; p < (size_t)k; p++)
            row += mean[t * (size_t)k + p];
        sums[kk + t] = row;
    }
    memcpy(sums, mean, kk * sizeof *mean);
    for (size_t c = 0; c < kk; c++)
        mean[c] /= (double)r;
    cs__confusion_finish(s->mean);
    memset(s->sd, 0, kk * sizeof *s->sd);
    for (size_t i = 0; i < r; i++)
        for (size_t c = 0; c < kk; c++) {
            double d = cms[i]->counts[c] - mean[c];
            s->sd[c] += d * d;
        }
    for (size_t c = 0; c < kk; c++)
        s->sd[c] = r >= 2 ? sqrt(s->sd[c] / (double)(r - 1)) : NAN;

    /* Integer sums for the means and the harmonic means of the totals for the Wilson n. */
    double inv_total = 0.0;
    s->acc_x = s->acc_n = 0.0;
    s->acc_same = 1;
    for (size_t t = 0; t < (size_t)k; t++) {
        s->class_x[t] = s->class_n[t] = s->class_n_hm[t] = 0.0;
        s->class_same[t] = 1;
    }
    for (size_t i = 0; i < r; i++) {
        const cs_confusion *cm = cms[i];
        double trace = 0.0;
        for (size_t t = 0; t < (size_t)k; t++) {
            double n = cm->row[t], x = cm->counts[t * (size_t)k + t];
            trace += x;
            s->recall[t * r + i] = n != 0.0 ? x / n : NAN;
            s->class_x[t] += x;
            s->class_n[t] += n;
            s->class_n_hm[t] += n > 0 ? 1.0 / n : INFINITY; /* absent class: n_hm 0, no interval */
            s->class_same[t] &= n == cms[0]->row[t];
        }
        s->acc[i] = cs_confusion_accuracy(cm);
        s->acc_x += trace;
        s->acc_n += cm->total;
        inv_total += cm->total > 0 ? 1.0 / cm->total : INFINITY;
        s->acc_same &= cm->total == cms[0]->total;
    }
    for (size_t t = 0; t < (size_t)k; t++)
        s->class_n_hm[t] = (double)r / s->class_n_hm[t];
    s->acc_n_hm = (double)r / inv_total;

    if (boot) {
        /* One set of resamples for every class and the overall accuracy: a resample draws
         * whole replicates, as a rerun of the study with those seeds would. */
        cs__rng rng;
        cs__rng_init(&rng, o.seed, CS__PURPOSE_BOOT_AVERAGE);
        cs__seed_average_resample(idx, b, r, &rng);
    }
    const double t_q = r >= 2 ? cs__stats_t_quantile(0.5 * (1.0 + o.confidence), (double)(r - 1))
                              : NAN;
    for (size_t t = 0; t < (size_t)k; t++)
        summarize(s->recall + t * r, r, s->class_same[t] ? s->class_x[t] / s->class_n[t] : NAN,
                  s->class_n_hm[t], &o, t_q, idx, work, &s->class_mean[t], &s->class_lo[t],
                  &s->class_hi[t]);
    summarize(s->acc, r, s->acc_same ? s->acc_x / s->acc_n : NAN, s->acc_n_hm, &o, t_q, idx, work,
              &s->acc_mean, &s->acc_lo, &s->acc_hi);

    *out = s;
    s = NULL;
    block = NULL;
cleanup:
    if (s)
        cs_confusion_destroy(s->mean);
    free(s);
    free(block);
    free(idx);
    free(work);
    return status;
}

void cs_confusion_stats_destroy(cs_confusion_stats *s)
{
    if (!s)
        return;
    cs_confusion_destroy(s->mean);
    free(s->sd);
    free(s);
}

size_t cs_confusion_stats_replicates(const cs_confusion_stats *s)
{
    return s ? s->r : 0;
}

const cs_confusion *cs_confusion_stats_mean(const cs_confusion_stats *s)
{
    return s ? s->mean : NULL;
}

int cs_confusion_stats_sd(double *out, int k, const cs_confusion_stats *s)
{
    static const char fn[] = "cs_confusion_stats_sd";
    if (!s || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !s ? "s" : "out");
    if (k != s->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the matrices have %d classes", fn, k,
                         s->k);
    memcpy(out, s->sd, (size_t)k * (size_t)k * sizeof *out);
    return CS_OK;
}

int cs_confusion_stats_class_accuracy(double *mean, double *lo, double *hi,
                                      int k, const cs_confusion_stats *s)
{
    static const char fn[] = "cs_confusion_stats_class_accuracy";
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: s is NULL", fn);
    if (k != s->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the matrices have %d classes", fn, k,
                         s->k);
    const size_t bytes = (size_t)k * sizeof(double);
    if (mean)
        memcpy(mean, s->class_mean, bytes);
    if (lo)
        memcpy(lo, s->class_lo, bytes);
    if (hi)
        memcpy(hi, s->class_hi, bytes);
    return CS_OK;
}

int cs_confusion_stats_accuracy(double *mean, double *lo, double *hi, const cs_confusion_stats *s)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_confusion_stats_accuracy: s is NULL");
    if (mean)
        *mean = s->acc_mean;
    if (lo)
        *lo = s->acc_lo;
    if (hi)
        *hi = s->acc_hi;
    return CS_OK;
}
