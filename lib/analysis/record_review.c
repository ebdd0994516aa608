/* Record-level views that need no flip labels: data-map regions (easy / ambiguous / hard from
 * mean confidence and variability, Swayamdipta et al. 2020) with their per-class shares, and
 * the review-first ranking of training records by their mean area under the margin over cells
 * (Pleiss et al. 2020) (docs/analysis.md, "Record-level sensitivity"). */
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

static cs_data_region region_of(double confidence, double variability)
{
    if (variability >= CS_DATA_MAP_VARIABILITY)
        return CS_DATA_REGION_AMBIGUOUS;
    return confidence < CS_DATA_MAP_CONFIDENCE ? CS_DATA_REGION_HARD : CS_DATA_REGION_EASY;
}

int cs_data_map_regions(uint8_t *region, double *shares, const double *confidence,
                        const double *variability, const int32_t *cls, size_t n, int k)
{
    static const char fn[] = "cs_data_map_regions";
    if (!region && !shares)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: region and shares are both NULL", fn);
    if (!confidence || !variability || (shares && !cls))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                         !confidence ? "confidence" : !variability ? "variability" : "cls");
    if (n == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: n is 0, expected at least 1 record", fn);
    if (k < 2)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: k is %d, at least 2 classes are needed",
                         fn, k);
    for (size_t i = 0; i < n; i++) {
        int status = cs__records_check_score(fn, "confidence", i, confidence[i],
                                             CS_RECORD_SCORE_CONFIDENCE);
        if (status == CS_OK)
            status = cs__records_check_score(fn, "variability", i, variability[i],
                                             CS_RECORD_SCORE_VARIABILITY);
        if (status != CS_OK)
            return status;
        if (shares && (cls[i] < 0 || cls[i] >= k))
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: cls[%zu] is %ld, expected a class 0..%d",
                             fn, i, (long)cls[i], k - 1);
    }
    size_t *count = NULL;
    if (shares) {
        count = calloc((size_t)k * 4, sizeof *count);
        if (!count)
            return cs__error_oom("data-map counts", (size_t)k * 4 * sizeof *count);
    }
    for (size_t i = 0; i < n; i++) {
        cs_data_region g = region_of(confidence[i], variability[i]);
        if (region)
            region[i] = (uint8_t)g;
        if (count) {
            count[(size_t)cls[i] * 4 + (size_t)g]++;
            count[(size_t)cls[i] * 4 + 3]++;
        }
    }
    if (count) {
        for (size_t c = 0; c < (size_t)k; c++)
            for (size_t g = 0; g < 3; g++)
                shares[c * 3 + g] = count[c * 4 + 3] > 0
                                        ? (double)count[c * 4 + g] / (double)count[c * 4 + 3]
                                        : NAN;
        free(count);
    }
    return CS_OK;
}

static int check_shares(const char *fn, const char *name, const double *v, size_t r, int k)
{
    for (size_t i = 0; i < r * (size_t)k * 3; i++)
        if (!isnan(v[i]) && !(v[i] >= 0.0 && v[i] <= 1.0))
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "%s: %s share of replicate %zu, class %zu, region %zu is %g, expected "
                             "NaN or a value in [0, 1]",
                             fn, name, i / ((size_t)k * 3), i / 3 % (size_t)k, i % 3, v[i]);
    return CS_OK;
}

/* Mean, sample variance over r of the defined (not NaN) v[j * stride]; returns how many. */
static size_t defined_mean_var(const double *v, size_t r, size_t stride, double *mean,
                               double *var)
{
    size_t m = 0;
    double sum = 0.0;
    for (size_t j = 0; j < r; j++)
        if (!isnan(v[j * stride])) {
            sum += v[j * stride];
            m++;
        }
    *mean = m > 0 ? sum / (double)m : NAN;
    double ss = 0.0;
    for (size_t j = 0; j < r; j++)
        if (!isnan(v[j * stride]))
            ss += (v[j * stride] - *mean) * (v[j * stride] - *mean);
    *var = m > 1 ? ss / (double)(m - 1) : NAN;
    return m;
}

int cs_data_map_shift(double *shift, double *lo, double *hi, const double *cond, size_t r_cond,
                      const double *base, size_t r_base, int k, double confidence)
{
    static const char fn[] = "cs_data_map_shift";
    if (!cond || !base)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !cond ? "cond" : "base");
    if (r_cond == 0 || r_base == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is 0, expected at least 1 replicate",
                         fn, r_cond == 0 ? "r_cond" : "r_base");
    if (k < 2)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: k is %d, at least 2 classes are needed",
                         fn, k);
    if (!(confidence > 0.0 && confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: confidence is %g, expected a value in (0, 1)", fn, confidence);
    size_t bytes; /* of the larger input: its indices must not wrap */
    if (!cs__mul_size(&bytes, (size_t)k * 3, r_cond > r_base ? r_cond : r_base) ||
        !cs__mul_size(&bytes, bytes, sizeof(double)))
        return cs__error(CS_ERR_OVERFLOW, "%s: %zu and %zu replicates of %d classes overflow",
                         fn, r_cond, r_base, k);
    int status = check_shares(fn, "cond", cond, r_cond, k);
    if (status == CS_OK)
        status = check_shares(fn, "base", base, r_base, k);
    if (status != CS_OK)
        return status;
    const size_t stride = (size_t)k * 3;
    for (size_t e = 0; e < stride; e++) {
        double mc, vc, mb, vb, d, l = NAN, h = NAN;
        size_t nc = defined_mean_var(cond + e, r_cond, stride, &mc, &vc);
        size_t nb = defined_mean_var(base + e, r_base, stride, &mb, &vb);
        d = mc - mb;
        if (nc >= 2 && nb >= 2) {
            const double sc = vc / (double)nc, sb = vb / (double)nb, se = sqrt(sc + sb);
            if (se == 0.0) {
                /* No spread on either side: the difference is known exactly, while the
                 * degrees of freedom would be 0/0. */
                l = h = d;
            } else {
                const double df = (sc + sb) * (sc + sb) /
                                  (sc * sc / (double)(nc - 1) + sb * sb / (double)(nb - 1));
                const double half = cs__stats_t_quantile(0.5 * (1.0 + confidence), df) * se;
                l = fmax(-1.0, d - half);
                h = fmin(1.0, d + half);
            }
        }
        if (shift)
            shift[e] = d;
        if (lo)
            lo[e] = l;
        if (hi)
            hi[e] = h;
    }
    return CS_OK;
}

struct cs_review {
    int k;
    size_t count;
    cs_review_record *rec; /* count records, hardest first */
};

static int check_review(const double *aum, const int32_t *other, const uint8_t *present,
                        const int32_t *label, size_t cells, size_t n, int k)
{
    static const char fn[] = "cs_review_rank";
    if (!aum || !other || !label)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                         !aum ? "aum" : !other ? "other" : "label");
    if (cells == 0 || n == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is 0, expected at least 1", fn,
                         cells == 0 ? "cells" : "n");
    if (k < 2)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: k is %d, at least 2 classes are needed",
                         fn, k);
    size_t total;
    if (!cs__mul_size(&total, cells, n) || !cs__mul_size(&total, total, sizeof(double)))
        return cs__error(CS_ERR_OVERFLOW, "%s: %zu cells of %zu records overflow", fn, cells, n);
    for (size_t i = 0; i < n; i++)
        if (label[i] < 0 || label[i] >= k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: label[%zu] is %ld, expected a class 0..%d",
                             fn, i, (long)label[i], k - 1);
    for (size_t c = 0; c < cells; c++)
        for (size_t i = 0; i < n; i++) {
            size_t at = c * n + i;
            if (present && present[at] > 1)
                return cs__error(CS_ERR_INVALID_ARGUMENT,
                                 "%s: present of cell %zu, record %zu is %u, expected 0 or 1",
                                 fn, c, i, (unsigned)present[at]);
            if (present && !present[at])
                continue;
            if (!isfinite(aum[at]))
                return cs__error(CS_ERR_INVALID_ARGUMENT,
                                 "%s: aum of cell %zu, record %zu is %g, expected a finite value",
                                 fn, c, i, aum[at]);
            if (other[at] < 0 || other[at] >= k)
                return cs__error(CS_ERR_OUT_OF_RANGE,
                                 "%s: other of cell %zu, record %zu is %ld, expected a class 0..%d",
                                 fn, c, i, (long)other[at], k - 1);
        }
    return CS_OK;
}

int cs_review_rank(cs_review **out, const double *aum, const int32_t *other,
                   const uint8_t *present, const int32_t *label, size_t cells, size_t n, int k)
{
    static const char fn[] = "cs_review_rank";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    int status = check_review(aum, other, present, label, cells, n, k);
    if (status != CS_OK)
        return status;
    size_t bytes;
    if (!cs__mul_size(&bytes, n, sizeof(cs_review_record) + sizeof(double) + 2 * sizeof(size_t)))
        return cs__error(CS_ERR_OVERFLOW, "%s: workspace for %zu records overflows", fn, n);
    cs_review *rv = calloc(1, sizeof *rv);
    cs_review_record *all = malloc(n * sizeof *all);
    double *mean = malloc(n * sizeof *mean);
    size_t *idx = malloc(2 * n * sizeof *idx);
    size_t *votes = malloc((size_t)k * sizeof *votes);
    if (!rv || !all || !mean || !idx || !votes) {
        status = cs__error_oom("review ranking", bytes);
        goto cleanup;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        cs_review_record r = { i, label[i], 0, 0.0, INFINITY, -INFINITY, 0.0, 0 };
        size_t negative = 0;
        double sum = 0.0;
        memset(votes, 0, (size_t)k * sizeof *votes);
        for (size_t c = 0; c < cells; c++) {
            size_t at = c * n + i;
            if (present && !present[at])
                continue;
            sum += aum[at];
            r.min_aum = fmin(r.min_aum, aum[at]);
            r.max_aum = fmax(r.max_aum, aum[at]);
            negative += aum[at] < 0.0;
            votes[other[at]]++;
            r.cells++;
        }
        if (r.cells == 0)
            continue;
        for (int t = 1; t < k; t++)
            if (votes[t] > votes[r.instead])
                r.instead = t;
        r.mean_aum = sum / (double)r.cells;
        r.negative_share = (double)negative / (double)r.cells;
        all[m] = r;
        mean[m] = r.mean_aum;
        idx[m] = m;
        m++;
    }
    cs__records_sort(idx, idx + n, m, mean);
    rv->rec = malloc((m > 0 ? m : 1) * sizeof *rv->rec);
    if (!rv->rec) {
        status = cs__error_oom("review ranking", m * sizeof *rv->rec);
        goto cleanup;
    }
    for (size_t j = 0; j < m; j++)
        rv->rec[j] = all[idx[j]];
    rv->count = m;
    rv->k = k;
    *out = rv;
    rv = NULL;

cleanup:
    cs_review_destroy(rv);
    free(all);
    free(mean);
    free(idx);
    free(votes);
    return status;
}

void cs_review_destroy(cs_review *rv)
{
    if (!rv)
        return;
    free(rv->rec);
    free(rv);
}

size_t cs_review_count(const cs_review *rv)
{
    return rv ? rv->count : 0;
}

int cs_review_entry(cs_review_record *out, size_t elem_size, const cs_review *rv, size_t rank)
{
    static const char fn[] = "cs_review_entry";
    if (!out || !rv)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !out ? "out" : "rv");
    int status = cs__elem_size_check(fn, "cs_review_record", elem_size, sizeof(size_t),
                                     sizeof(cs_review_record));
    if (status != CS_OK)
        return status;
    if (rank >= rv->count)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: rank is %zu, the ranking holds %zu records",
                         fn, rank, rv->count);
    memcpy(out, &rv->rec[rank], elem_size);
    return CS_OK;
}

int cs_review_class_top(size_t *ranks, size_t *found, const cs_review *rv, int cls, size_t m)
{
    static const char fn[] = "cs_review_class_top";
    if (!found || !rv || (!ranks && m > 0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                         !found ? "found" : !rv ? "rv" : "ranks");
    if (cls < 0 || cls >= rv->k)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: cls is %d, expected a class 0..%d", fn, cls,
                         rv->k - 1);
    size_t f = 0;
    for (size_t j = 0; j < rv->count && f < m; j++)
        if (rv->rec[j].label == cls)
            ranks[f++] = j;
    *found = f;
    return CS_OK;
}
