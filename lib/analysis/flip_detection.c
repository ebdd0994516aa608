/* Flip detection: how well a per-record training-dynamics score (mean confidence, variability,
 * area under the margin) finds the records whose labels were flipped in a noise cell, per true
 * class and over all records, and the same metric over replicate cells (docs/analysis.md,
 * "Record-level sensitivity"). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>

#include "analysis/records_internal.h"
#include "analysis/stats.h"
#include "core/error.h"
#include "core/memory.h"

#define METRICS 3

struct cs_flip_detection {
    int k;
    cs_record_score kind;
    /* K + 1 groups: the classes 0..K-1, then all records together */
    size_t *records, *flipped;
    double *value;       /* (K + 1, METRICS) */
    uint8_t *why;        /* K + 1 cs_flip_undefined values */
};

/* Stable bottom-up merge sort of idx[0..n) by key[idx[i]] ascending; tmp holds n entries. Equal
 * keys keep their order, so indices that start in increasing order break ties by index. */
void cs__records_sort(size_t *idx, size_t *tmp, size_t n, const double *key)
{
    size_t *src = idx, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = mid + width < n ? mid + width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = key[src[j]] < key[src[i]] ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        size_t *s = src;
        src = dst;
        dst = s;
    }
    if (src != idx)
        memcpy(idx, src, n * sizeof *idx);
}

/* Whether the score's natural threshold counts a record as found. */
static int found(cs_record_score kind, double score)
{
    switch (kind) {
    case CS_RECORD_SCORE_CONFIDENCE:
        return score < CS_DATA_MAP_CONFIDENCE;
    case CS_RECORD_SCORE_VARIABILITY:
        return score >= CS_DATA_MAP_VARIABILITY;
    case CS_RECORD_SCORE_AUM:
        return score < 0.0;
    }
    return 0;
}

/* The metrics of one group of m records, idx sorted by key ascending (most suspicious first).
 * Walking the tie groups in that order: a flipped record beats every clean record of a later
 * tie group and ties with the clean records of its own, so 2U = sum of p (2 n_later + q) over
 * tie groups with p flipped and q clean records (an integer: exact). The cut-off at k = n+ falls
 * in at most one tie group; a uniformly random order within it puts j of its g places above the
 * cut, holding j p / g flipped records in expectation. */
static void group_metrics(double *value, uint8_t *why, size_t *npos_out, const size_t *idx,
                          size_t m, const double *key, const double *score,
                          const uint8_t *flipped, cs_record_score kind)
{
    size_t npos = 0, hit = 0;
    for (size_t i = 0; i < m; i++) {
        npos += flipped[idx[i]];
        hit += flipped[idx[i]] && found(kind, score[idx[i]]);
    }
    const size_t nneg = m - npos;
    *npos_out = npos;
    value[0] = value[1] = value[2] = NAN;
    if (npos == 0) {
        *why = CS_FLIP_NO_FLIPPED;
        return;
    }
    *why = nneg == 0 ? CS_FLIP_NO_CLEAN : CS_FLIP_DEFINED;
    uint64_t u2 = 0;
    size_t neg_seen = 0, taken = 0, hits = 0;
    double frac = 0.0;
    int cut = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i, p = 0;
        while (j < m && key[idx[j]] == key[idx[i]])
            p += flipped[idx[j++]];
        const size_t g = j - i, q = g - p;
        neg_seen += q;
        u2 += (uint64_t)p * (2u * (uint64_t)(nneg - neg_seen) + (uint64_t)q);
        if (!cut) {
            if (taken + g <= npos) {
                hits += p;
                taken += g;
                cut = taken == npos;
            } else {
                frac = (double)(npos - taken) * (double)p / (double)g;
                cut = 1;
            }
        }
        i = j;
    }
    if (nneg > 0)
        value[CS_FLIP_METRIC_AUC] = (double)u2 / (2.0 * (double)npos * (double)nneg);
    value[CS_FLIP_METRIC_PRECISION] = ((double)hits + frac) / (double)npos;
    value[CS_FLIP_METRIC_RECALL] = (double)hit / (double)npos;
}

static int check_input(const double *score, const uint8_t *flipped, const int32_t *cls, size_t n,
                       int k, cs_record_score kind)
{
    static const char fn[] = "cs_flip_detection_compute";
    if (!score || !flipped || !cls)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                         !score ? "score" : !flipped ? "flipped" : "cls");
    if (n == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: n is 0, expected at least 1 record", fn);
    if (k < 2)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: k is %d, at least 2 classes are needed",
                         fn, k);
    if (kind != CS_RECORD_SCORE_CONFIDENCE && kind != CS_RECORD_SCORE_VARIABILITY &&
        kind != CS_RECORD_SCORE_AUM)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: kind is %d, expected CS_RECORD_SCORE_CONFIDENCE (0), "
                         "CS_RECORD_SCORE_VARIABILITY (1) or CS_RECORD_SCORE_AUM (2)",
                         fn, (int)kind);
    for (size_t i = 0; i < n; i++) {
        int status = cs__records_check_score(fn, "score", i, score[i], kind);
        if (status != CS_OK)
            return status;
        if (flipped[i] > 1)
            return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: flipped[%zu] is %u, expected 0 or 1",
                             fn, i, (unsigned)flipped[i]);
        if (cls[i] < 0 || cls[i] >= k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: cls[%zu] is %ld, expected a class 0..%d",
                             fn, i, (long)cls[i], k - 1);
    }
    return CS_OK;
}

int cs__records_check_score(const char *fn, const char *name, size_t i, double v,
                            cs_record_score kind)
{
    if (!isfinite(v))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s[%zu] is %g, expected a finite value",
                         fn, name, i, v);
    if (kind == CS_RECORD_SCORE_CONFIDENCE && !(v >= 0.0 && v <= 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: %s[%zu] is %g, a mean confidence must lie in [0, 1]", fn, name, i, v);
    if (kind == CS_RECORD_SCORE_VARIABILITY && !(v >= 0.0 && v <= 0.5))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: %s[%zu] is %g, a variability must lie in [0, 0.5]", fn, name, i, v);
    return CS_OK;
}

int cs_flip_detection_compute(cs_flip_detection **out, const double *score,
                              const uint8_t *flipped, const int32_t *cls, size_t n, int k,
                              cs_record_score kind)
{
    static const char fn[] = "cs_flip_detection_compute";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    int status = check_input(score, flipped, cls, n, k, kind);
    if (status != CS_OK)
        return status;

    const size_t groups = (size_t)k + 1;
    size_t idx_bytes, key_bytes;
    if (!cs__mul_size(&idx_bytes, n, 3 * sizeof(size_t)) ||
        !cs__mul_size(&key_bytes, n, sizeof(double)))
        return cs__error(CS_ERR_OVERFLOW, "%s: workspace for %zu records overflows", fn, n);
    cs_flip_detection *d = calloc(1, sizeof *d);
    size_t *idx = malloc(idx_bytes);
    double *key = calloc(n, sizeof *key); /* zeroed: GCC cannot see that n >= 1 fills it */
    size_t *start = calloc(2 * (groups + 1), sizeof *start); /* class starts, then cursors */
    if (d) {
        d->records = calloc(groups, sizeof *d->records);
        d->flipped = calloc(groups, sizeof *d->flipped);
        d->value = malloc(groups * METRICS * sizeof *d->value);
        d->why = calloc(groups, sizeof *d->why);
    }
    if (!d || !idx || !key || !start || !d->records || !d->flipped || !d->value || !d->why) {
        status = cs__error_oom("flip detection workspace", idx_bytes + key_bytes);
        goto cleanup;
    }
    d->k = k;
    d->kind = kind;
    /* key ascending = most suspicious first: low confidence and AUM, high variability. */
    for (size_t i = 0; i < n; i++) {
        key[i] = kind == CS_RECORD_SCORE_VARIABILITY ? -score[i] : score[i];
        idx[i] = i;
    }
    size_t *by_class = idx + n, *tmp = idx + 2 * n;
    cs__records_sort(idx, tmp, n, key);
    /* A stable counting sort by class keeps each class's records in key order. */
    for (size_t i = 0; i < n; i++)
        start[cls[i] + 1]++;
    for (int c = 0; c < k; c++)
        start[c + 1] += start[c];
    size_t *next = start + groups + 1;
    memcpy(next, start, (size_t)k * sizeof *next);
    for (size_t i = 0; i < n; i++)
        by_class[next[cls[idx[i]]]++] = idx[i];
    for (int c = 0; c < k; c++) {
        d->records[c] = start[c + 1] - start[c];
        group_metrics(d->value + (size_t)c * METRICS, &d->why[c], &d->flipped[c],
                      by_class + start[c], d->records[c], key, score, flipped, kind);
    }
    d->records[k] = n;
    group_metrics(d->value + (size_t)k * METRICS, &d->why[k], &d->flipped[k], idx, n, key, score,
                  flipped, kind);
    *out = d;
    d = NULL;

cleanup:
    cs_flip_detection_destroy(d);
    free(idx);
    free(key);
    free(start);
    return status;
}

void cs_flip_detection_destroy(cs_flip_detection *d)
{
    if (!d)
        return;
    free(d->records);
    free(d->flipped);
    free(d->value);
    free(d->why);
    free(d);
}

int cs_flip_detection_classes(const cs_flip_detection *d)
{
    if (!d)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_flip_detection_classes: d is NULL");
    return d->k;
}

/* The group of a class argument: 0..K-1, or K for CS_FLIP_ALL_CLASSES. */
static int group_of(size_t *g, const char *fn, const cs_flip_detection *d, int cls)
{
    if (cls == CS_FLIP_ALL_CLASSES) {
        *g = (size_t)d->k;
        return CS_OK;
    }
    if (cls < 0 || cls >= d->k)
        return cs__error(CS_ERR_OUT_OF_RANGE,
                         "%s: cls is %d, expected a class 0..%d or CS_FLIP_ALL_CLASSES (-1)", fn,
                         cls, d->k - 1);
    *g = (size_t)cls;
    return CS_OK;
}

static int check_metric(const char *fn, cs_flip_metric metric)
{
    if (metric != CS_FLIP_METRIC_AUC && metric != CS_FLIP_METRIC_PRECISION &&
        metric != CS_FLIP_METRIC_RECALL)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: metric is %d, expected CS_FLIP_METRIC_AUC (0), "
                         "CS_FLIP_METRIC_PRECISION (1) or CS_FLIP_METRIC_RECALL (2)",
                         fn, (int)metric);
    return CS_OK;
}

int cs_flip_detection_counts(size_t *records, size_t *flipped, const cs_flip_detection *d, int cls)
{
    static const char fn[] = "cs_flip_detection_counts";
    if (!d)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: d is NULL", fn);
    size_t g = 0;
    int status = group_of(&g, fn, d, cls);
    if (status != CS_OK)
        return status;
    if (records)
        *records = d->records[g];
    if (flipped)
        *flipped = d->flipped[g];
    return CS_OK;
}

int cs_flip_detection_value(double *value, cs_flip_undefined *why, const cs_flip_detection *d,
                            int cls, cs_flip_metric metric)
{
    static const char fn[] = "cs_flip_detection_value";
    if (!d)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: d is NULL", fn);
    int status = check_metric(fn, metric);
    size_t g = 0;
    if (status == CS_OK)
        status = group_of(&g, fn, d, cls);
    if (status != CS_OK)
        return status;
    if (value)
        *value = d->value[g * METRICS + (size_t)metric];
    if (why)
        *why = (cs_flip_undefined)d->why[g];
    return CS_OK;
}

int cs_flip_detection_summarize(double *mean, double *lo, double *hi, size_t *used,
                                const cs_flip_detection *const *reps, size_t r, int cls,
                                cs_flip_metric metric, double confidence)
{
    static const char fn[] = "cs_flip_detection_summarize";
    if (!reps)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: reps is NULL", fn);
    if (r == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: r is 0, expected at least 1 replicate",
                         fn);
    for (size_t i = 0; i < r; i++) {
        if (!reps[i])
            return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: reps[%zu] is NULL", fn, i);
        if (reps[i]->k != reps[0]->k)
            return cs__error(CS_ERR_SIZE_MISMATCH, "%s: reps[%zu] has %d classes, reps[0] %d",
                             fn, i, reps[i]->k, reps[0]->k);
        if (reps[i]->kind != reps[0]->kind)
            return cs__error(CS_ERR_SIZE_MISMATCH,
                             "%s: reps[%zu] scores kind %d, reps[0] kind %d", fn, i,
                             (int)reps[i]->kind, (int)reps[0]->kind);
    }
    if (!(confidence > 0.0 && confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: confidence is %g, expected a value in (0, 1)", fn, confidence);
    int status = check_metric(fn, metric);
    size_t g = 0;
    if (status == CS_OK)
        status = group_of(&g, fn, reps[0], cls);
    if (status != CS_OK)
        return status;
    double *v = malloc(r * sizeof *v);
    if (!v)
        return cs__error_oom("replicate values", r * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < r; i++) {
        double x = reps[i]->value[g * METRICS + (size_t)metric];
        if (!isnan(x))
            v[m++] = x;
    }
    double mu = NAN, sd = NAN, l = NAN, h = NAN;
    if (m > 0)
        cs__stats_mean_sd(v, m, &mu, &sd);
    free(v);
    if (m >= 2) {
        double half = cs__stats_t_quantile(0.5 * (1.0 + confidence), (double)(m - 1)) * sd /
                      sqrt((double)m);
        l = fmax(0.0, mu - half);
        h = fmin(1.0, mu + half);
    }
    if (mean)
        *mean = mu;
    if (lo)
        *lo = l;
    if (hi)
        *hi = h;
    if (used)
        *used = m;
    return CS_OK;
}
