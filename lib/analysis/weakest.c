/* Weakest-class rankings: by mean accuracy, or by sensitivity (the accuracy drop from a
 * baseline) with Newcombe (from Wilson intervals), Welch or bootstrap intervals for the
 * difference of two independent means. Means and drops come from integer sums where they can,
 * so that the tie-break by class index sees exact ties. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/confusion_internal.h"
#include "analysis/stats.h"
#include "core/error.h"
#include "core/memory.h"

/* NaN scores (classes absent from the test set) after every number; equal scores by class. */
static int nan_last_then_class(const cs_class_score *a, const cs_class_score *b)
{
    int an = isnan(a->score), bn = isnan(b->score);
    if (an != bn)
        return an - bn;
    return (a->cls > b->cls) - (a->cls < b->cls);
}

static int lowest_first(const void *pa, const void *pb)
{
    const cs_class_score *a = pa, *b = pb;
    if (a->score < b->score)
        return -1;
    if (a->score > b->score)
        return 1;
    return nan_last_then_class(a, b);
}

static int highest_first(const void *pa, const void *pb)
{
    const cs_class_score *a = pa, *b = pb;
    if (a->score > b->score)
        return -1;
    if (a->score < b->score)
        return 1;
    return nan_last_then_class(a, b);
}

/* Welch's t interval for d = mean(base) − mean(cond) of class t, with the
 * Welch–Satterthwaite degrees of freedom. */
static void welch(cs_class_score *sc, const cs_confusion_stats *s, const cs_confusion_stats *base,
                  size_t t)
{
    double m, sd_c, sd_b;
    cs__stats_mean_sd(s->recall + t * s->r, s->r, &m, &sd_c);
    cs__stats_mean_sd(base->recall + t * base->r, base->r, &m, &sd_b);
    const double vc = sd_c * sd_c / (double)s->r, vb = sd_b * sd_b / (double)base->r;
    const double se = sqrt(vc + vb);
    if (se == 0.0) {
        /* No spread in either condition: the difference is known exactly, while the degrees
         * of freedom would be 0/0. */
        sc->lo = sc->hi = sc->score;
        return;
    }
    const double df = (vc + vb) * (vc + vb) /
                      (vc * vc / (double)(s->r - 1) + vb * vb / (double)(base->r - 1));
    const double half = cs__stats_t_quantile(0.5 * (1.0 + s->opts.confidence), df) * se;
    sc->lo = sc->score - half;
    sc->hi = sc->score + half;
}

/* Newcombe's hybrid score interval (MOVER) for d = p_b − p: each side combines the distances
 * from the two means to the Wilson bounds that move d that way, so the interval stays in
 * [−1, 1] and is as asymmetric as the two Wilson intervals are. Both at the condition's
 * confidence, from the stored replicate values. */
static void newcombe(cs_class_score *sc, const cs_confusion_stats *s, const cs_confusion_stats *base,
                     size_t t)
{
    double m, sd_c, sd_b, lc, hc, lb, hb;
    const double pc = s->class_mean[t], pb = base->class_mean[t], conf = s->opts.confidence;
    cs__stats_mean_sd(s->recall + t * s->r, s->r, &m, &sd_c);
    cs__stats_mean_sd(base->recall + t * base->r, base->r, &m, &sd_b);
    cs__stats_wilson(pc, sd_c, s->r, s->class_n_hm[t], conf, &lc, &hc);
    cs__stats_wilson(pb, sd_b, base->r, base->class_n_hm[t], conf, &lb, &hb);
    if (isnan(lc) || isnan(lb))
        return;
    const double d = sc->score;
    sc->lo = fmin(fmax(d - hypot(pb - lb, hc - pc), -1.0), d);
    sc->hi = fmax(fmin(d + hypot(hb - pb, pc - lc), 1.0), d);
}

/* The drop acc_base(t) − acc(t). When both summaries' means are ratios of integer sums
 * (x / n, one test set, integer counts), d = (x_b n − x n_b) / (n_b n) with an exact integer
 * numerator and denominator (below 2^53), so classes whose drops are equal rationals get the
 * same double; otherwise the difference of the two means. */
static double drop(const cs_confusion_stats *s, const cs_confusion_stats *base, size_t t)
{
    const double xb = base->class_x[t], nb = base->class_n[t], x = s->class_x[t], n = s->class_n[t];
    const double limit = 9007199254740992.0; /* 2^53 */
    if (base->class_same[t] && s->class_same[t] && nb > 0 && n > 0 && xb == floor(xb) &&
        nb == floor(nb) && x == floor(x) && n == floor(n) && nb <= limit / n)
        return (xb * n - x * nb) / (nb * n);
    return base->class_mean[t] - s->class_mean[t];
}

/* Percentile bootstrap of the difference: each resample draws the condition's and the
 * baseline's replicates independently (they were trained independently), the same draws for
 * every class. */
static int bootstrap(cs_class_score *out, const cs_confusion_stats *s,
                     const cs_confusion_stats *base)
{
    const size_t b = (size_t)s->opts.bootstrap_resamples, rc = s->r, rb = base->r;
    size_t nc, nb, n_idx, idx_bytes;
    if (!cs__mul_size(&nc, b, rc) || !cs__mul_size(&nb, b, rb) || !cs__add_size(&n_idx, nc, nb) ||
        !cs__mul_size(&idx_bytes, n_idx, sizeof(size_t)))
        return cs__error_oom("cs_rank_weakest: the bootstrap resamples", SIZE_MAX);
    size_t *idx = malloc(idx_bytes);
    double *work = malloc(b * sizeof *work);
    int status = CS_OK;
    if (!idx || !work) {
        status = cs__error_oom("cs_rank_weakest: the bootstrap resamples",
                               idx_bytes + b * sizeof *work);
        goto cleanup;
    }
    cs__rng rng;
    cs__rng_init(&rng, s->opts.seed, CS__PURPOSE_BOOT_DIFF);
    cs__seed_average_resample(idx, b, rc, &rng);
    cs__seed_average_resample(idx + nc, b, rb, &rng);
    for (int t = 0; t < s->k; t++) {
        cs_class_score *sc = &out[t];
        if (isnan(sc->score))
            continue;
        const double *vc = s->recall + (size_t)t * rc, *vb = base->recall + (size_t)t * rb;
        for (size_t j = 0; j < b; j++) {
            double sum_c = 0.0, sum_b = 0.0;
            for (size_t i = 0; i < rc; i++)
                sum_c += vc[idx[j * rc + i]];
            for (size_t i = 0; i < rb; i++)
                sum_b += vb[idx[nc + j * rb + i]];
            work[j] = sum_b / (double)rb - sum_c / (double)rc;
        }
        cs__seed_average_percentiles(work, b, s->opts.confidence, &sc->lo, &sc->hi);
    }
cleanup:
    free(idx);
    free(work);
    return status;
}

static int rank(cs_class_score *out, int k, const cs_confusion_stats *s, const cs_confusion_stats *base);

int cs_rank_weakest(cs_class_score *out, size_t elem_size, int k, const cs_confusion_stats *s,
                    const cs_confusion_stats *base)
{
    static const char fn[] = "cs_rank_weakest";
    if (!s || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !s ? "s" : "out");
    int status = cs__elem_size_check(fn, "cs_class_score", elem_size, sizeof(int), sizeof(cs_class_score));
    if (status != CS_OK)
        return status;
    if (base && base->k != s->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: base has %d classes, s has %d", fn, base->k,
                         s->k);
    if (k != s->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the matrices have %d classes", fn, k,
                         s->k);
    if (elem_size == sizeof(cs_class_score))
        return rank(out, k, s, base);
    /* An older, smaller struct: rank into this library's layout, then hand over each element's
     * prefix at the caller's stride. */
    cs_class_score *full = malloc((size_t)k * sizeof *full);
    if (!full)
        return cs__error_oom("ranking", (size_t)k * sizeof *full);
    status = rank(full, k, s, base);
    for (int t = 0; status == CS_OK && t < k; t++)
        memcpy((char *)out + (size_t)t * elem_size, &full[t], elem_size);
    free(full);
    return status;
}

static int rank(cs_class_score *out, int k, const cs_confusion_stats *s, const cs_confusion_stats *base)
{
    if (!base) {
        for (int t = 0; t < k; t++)
            out[t] = (cs_class_score){ t, s->class_mean[t], s->class_lo[t], s->class_hi[t] };
        qsort(out, (size_t)k, sizeof *out, lowest_first);
        return CS_OK;
    }
    for (int t = 0; t < k; t++)
        out[t] = (cs_class_score){ t, drop(s, base, (size_t)t), NAN, NAN };
    if (s->r >= 2 && base->r >= 2) {
        if (s->opts.interval == CS_INTERVAL_BOOTSTRAP) {
            int status = bootstrap(out, s, base);
            if (status != CS_OK)
                return status;
        } else {
            for (int t = 0; t < k; t++) {
                if (isnan(out[t].score))
                    continue;
                if (s->opts.interval == CS_INTERVAL_WILSON)
                    newcombe(&out[t], s, base, (size_t)t);
                else
                    welch(&out[t], s, base, (size_t)t);
            }
        }
    }
    qsort(out, (size_t)k, sizeof *out, highest_first);
    return CS_OK;
}
