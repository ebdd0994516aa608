/* Cross-model agreement on per-class scores: Kendall's W with its Friedman chi-square p-value,
 * and per model pair Spearman's rho, Kendall's tau-b and the top-k Jaccard overlap. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>

#include "analysis/stats.h"
#include "core/error.h"
#include "core/memory.h"

struct cs_agreement {
    int m;
    double w, p;
    double *pairs; /* (3, m, m): Spearman rho, Kendall tau-b, Jaccard */
};

/* Stable bottom-up merge sort of idx[0..n) by key[idx[i]], ascending; tmp holds n ints.
 * Returns the inversions it removed: pairs whose earlier element had a strictly greater key
 * (equal keys keep their order and count nothing), the discordant pairs of Knight's
 * algorithm. */
static int64_t merge_sort(int *idx, int *tmp, size_t n, const double *key)
{
    int64_t inversions = 0;
    int *src = idx, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                if (key[src[j]] < key[src[i]]) {
                    inversions += (int64_t)(mid - i);
                    dst[o++] = src[j++];
                } else {
                    dst[o++] = src[i++];
                }
            }
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        int *s = src;
        src = dst;
        dst = s;
    }
    if (src != idx)
        memcpy(idx, src, n * sizeof *idx);
    return inversions;
}

/* Pairs tied within runs of equal key along idx (sorted by key): sum of t (t - 1) / 2. */
static int64_t tied_pairs(const int *idx, size_t n, const double *key)
{
    int64_t ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && key[idx[j]] == key[idx[i]])
            j++;
        int64_t t = (int64_t)(j - i);
        ties += t * (t - 1) / 2;
        i = j;
    }
    return ties;
}

/* sqrt(a b) for a correlation's denominator, exact when a = b so that identical rankings give
 * exactly 1 (and reversed ones -1) whatever their size. */
static double root_product(double a, double b)
{
    return a == b ? a : sqrt(a * b);
}

static double clamp_unit(double r)
{
    return r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
}

/* Kendall's tau-b of two rank vectors by Knight's O(k log k) algorithm: sort by (x, y), count
 * the pairs tied in x (n1) and in both (n3), then count the swaps of a stable sort by y (the
 * discordant pairs) and the pairs tied in y (n2): n_c - n_d = n0 - n1 - n2 + n3 - 2 n_d. */
static double kendall_tau_b(const double *x, const double *y, size_t k, int *idx, int *tmp)
{
    for (size_t i = 0; i < k; i++)
        idx[i] = (int)i;
    merge_sort(idx, tmp, k, y);
    merge_sort(idx, tmp, k, x); /* stable: now by x, then y */
    int64_t n1 = 0, n3 = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i + 1;
        while (j < k && x[idx[j]] == x[idx[i]])
            j++;
        int64_t t = (int64_t)(j - i);
        n1 += t * (t - 1) / 2;
        n3 += tied_pairs(idx + i, j - i, y);
        i = j;
    }
    int64_t nd = merge_sort(idx, tmp, k, y);
    int64_t n2 = tied_pairs(idx, k, y);
    int64_t n0 = (int64_t)k * (int64_t)(k - 1) / 2;
    int64_t num = n0 - n1 - n2 + n3 - 2 * nd;
    return clamp_unit((double)num / root_product((double)(n0 - n1), (double)(n0 - n2)));
}

/* Spearman's rho: the Pearson correlation of average ranks, whose mean is (k + 1) / 2. The
 * centred ranks are multiples of 1/2, so the sums are exact in double for any class count. */
static double spearman_rho(const double *x, const double *y, size_t k)
{
    double centre = 0.5 * ((double)k + 1.0), sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (size_t t = 0; t < k; t++) {
        double dx = x[t] - centre, dy = y[t] - centre;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    return clamp_unit(sxy / root_product(sxx, syy));
}

int cs_agreement_compute(cs_agreement **out, const double *scores, int m, int k, int top_k)
{
    static const char fn[] = "cs_agreement_compute";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!scores)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: scores is NULL", fn);
    if (m < 2)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: m is %d, at least 2 models are needed",
                         fn, m);
    if (k < 2)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: k is %d, at least 2 classes are needed",
                         fn, k);
    if (top_k < 1 || top_k > k)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: top_k is %d, expected 1..%d (k)", fn,
                         top_k, k);
    size_t nm = (size_t)m, nk = (size_t)k;
    for (size_t i = 0; i < nm; i++)
        for (size_t t = 0; t < nk; t++)
            if (!isfinite(scores[i * nk + t]))
                return cs__error(CS_ERR_INVALID_ARGUMENT,
                                 "%s: model %zu, class %zu: score is %g, expected a finite value",
                                 fn, i, t, scores[i * nk + t]);

    /* m x k ranks and top-set flags, k doubles and 2 x k ints of sort workspace, and the
     * three m x m result matrices. */
    size_t mk, pair_count, pair_bytes, rank_bytes;
    if (!cs__mul_size(&mk, nm, nk) || !cs__mul_size(&rank_bytes, mk, sizeof(double)) ||
        !cs__mul_size(&pair_count, nm, nm) ||
        !cs__mul_size(&pair_bytes, pair_count, 3 * sizeof(double)))
        return cs__error(CS_ERR_OUT_OF_MEMORY,
                         "%s: the workspace for %d models x %d classes exceeds the address space",
                         fn, m, k);
    int status = CS_OK;
    cs_agreement *a = calloc(1, sizeof *a);
    double *pairs = malloc(pair_bytes);
    double *ranks = malloc(rank_bytes);
    double *keys = malloc(nk * sizeof *keys);
    unsigned char *top = calloc(mk, 1);
    unsigned char *constant = calloc(nm, 1);
    int *idx = malloc(nk * sizeof *idx), *tmp = malloc(nk * sizeof *tmp);
    if (!a || !pairs || !ranks || !keys || !top || !constant || !idx || !tmp) {
        status = cs__error_oom("cs_agreement_compute ranks and pairwise matrices",
                               pair_bytes + rank_bytes + mk);
        goto cleanup;
    }

    /* Per model: average ranks, tie term, whether every class ties, and the top set (order by
     * descending score; the stable sort keeps the lower class index first among ties). */
    double tie_sum = 0.0;
    int constant_models = 0;
    for (size_t i = 0; i < nm; i++) {
        const double *row = scores + i * nk;
        double *r = ranks + i * nk;
        tie_sum += cs__stats_rank(row, k, r, idx);
        constant[i] = 1;
        for (size_t t = 1; t < nk; t++)
            constant[i] &= row[t] == row[0];
        for (size_t t = 0; t < nk; t++) {
            keys[t] = -row[t];
            idx[t] = (int)t;
        }
        merge_sort(idx, tmp, nk, keys);
        for (int t = 0; t < top_k; t++)
            top[i * nk + (size_t)idx[t]] = 1;
        constant_models += constant[i];
    }

    /* Kendall's W = 12 S / (m^2 (k^3 - k) - m sum T), S the squared deviations of the rank
     * sums from their mean m (k + 1) / 2. Rank sums are multiples of 1/2, so S and the
     * denominator are exact integers (or quarters) in double up to 2^53. */
    double md = (double)m, kd = (double)k, mean_sum = 0.5 * md * (kd + 1.0), s = 0.0;
    for (size_t t = 0; t < nk; t++) {
        double sum = 0.0;
        for (size_t i = 0; i < nm; i++)
            sum += ranks[i * nk + t];
        s += (sum - mean_sum) * (sum - mean_sum);
    }
    double den = md * md * (kd * kd * kd - kd) - md * tie_sum;
    a->w = constant_models == m ? NAN : fmin(1.0, 12.0 * s / den);
    a->p = cs__stats_chi2_sf(md * (kd - 1.0) * a->w, kd - 1.0);

    double *rho = pairs, *tau = pairs + pair_count, *jac = pairs + 2 * pair_count;
    for (size_t i = 0; i < nm; i++) {
        rho[i * nm + i] = tau[i * nm + i] = jac[i * nm + i] = 1.0;
        for (size_t j = i + 1; j < nm; j++) {
            const double *x = ranks + i * nk, *y = ranks + j * nk;
            double r = NAN, tb = NAN;
            if (!constant[i] && !constant[j]) {
                r = spearman_rho(x, y, nk);
                tb = kendall_tau_b(x, y, nk, idx, tmp);
            }
            size_t both = 0;
            for (size_t t = 0; t < nk; t++)
                both += top[i * nk + t] & top[j * nk + t];
            double jj = (double)both / (2.0 * top_k - (double)both);
            rho[i * nm + j] = rho[j * nm + i] = r;
            tau[i * nm + j] = tau[j * nm + i] = tb;
            jac[i * nm + j] = jac[j * nm + i] = jj;
        }
    }
    a->m = m;
    a->pairs = pairs;
    pairs = NULL;
    *out = a;
    a = NULL;

cleanup:
    free(a);
    free(pairs);
    free(ranks);
    free(keys);
    free(top);
    free(constant);
    free(idx);
    free(tmp);
    return status;
}

void cs_agreement_destroy(cs_agreement *a)
{
    if (!a)
        return;
    free(a->pairs);
    free(a);
}

double cs_agreement_kendall_w(const cs_agreement *a)
{
    return a ? a->w : NAN;
}

double cs_agreement_p_value(const cs_agreement *a)
{
    return a ? a->p : NAN;
}

int cs_agreement_pairwise(double *spearman, double *kendall, double *jaccard,
                          int m, const cs_agreement *a)
{
    static const char fn[] = "cs_agreement_pairwise";
    if (!a)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: a is NULL", fn);
    if (m != a->m)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: m is %d, the result holds %d models", fn, m,
                         a->m);
    size_t count = (size_t)m * (size_t)m;
    double *dst[3] = { spearman, kendall, jaccard };
    for (size_t b = 0; b < 3; b++)
        if (dst[b])
            memcpy(dst[b], a->pairs + b * count, count * sizeof(double));
    return CS_OK;
}
