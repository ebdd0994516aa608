/* Confusion matrices: counting, accessors, normalised and relative views, per-class metrics,
 * directional confusion and merge candidates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/confusion_internal.h"
#include "core/error.h"
#include "core/memory.h"
#include "data/dataset_internal.h"

int cs__confusion_alloc(cs_confusion **out, int k, const char *fn)
{
    /* Counts, row sums and column sums in one block: k <= 65536 keeps k * (k + 2) far from
     * overflowing size_t on 64-bit systems, but not on 32-bit ones. */
    size_t cells, bytes;
    if (!cs__mul_size(&cells, (size_t)k, (size_t)k + 2u) ||
        !cs__mul_size(&bytes, cells, sizeof(double)))
        return cs__error_oom(fn, SIZE_MAX);
    cs_confusion *cm = malloc(sizeof *cm);
    double *block = calloc(cells, sizeof *block);
    if (!cm || !block) {
        free(cm);
        free(block);
        return cs__error_oom(fn, bytes + sizeof *cm);
    }
    cm->k = k;
    cm->total = 0.0;
    cm->counts = block;
    cm->row = block + (size_t)k * (size_t)k;
    cm->col = cm->row + k;
    cm->sums = NULL;
    *out = cm;
    return CS_OK;
}

void cs__confusion_finish(cs_confusion *cm)
{
    const size_t k = (size_t)cm->k;
    memset(cm->col, 0, k * sizeof *cm->col);
    double total = 0.0;
    for (size_t t = 0; t < k; t++) {
        const double *c = cm->counts + t * k;
        double n = 0.0;
        for (size_t p = 0; p < k; p++) {
            n += c[p];
            cm->col[p] += c[p];
        }
        cm->row[t] = n;
        total += n;
    }
    cm->total = total;
}

static int check_k(int k, const char *fn)
{
    if (k < 2 || k > CS__MAX_CLASSES)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: k is %d, expected 2..%d", fn, k,
                         CS__MAX_CLASSES);
    return CS_OK;
}

int cs_confusion_create(cs_confusion **out, const int32_t *truth, const int32_t *pred, size_t n,
                        int k)
{
    static const char fn[] = "cs_confusion_create";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (n > 0 && (!truth || !pred))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL with n = %zu", fn,
                         !truth ? "truth" : "pred", n);
    int status = check_k(k, fn);
    if (status != CS_OK)
        return status;
    /* Labels are checked before anything is allocated, so a bad label costs no cleanup. */
    for (size_t i = 0; i < n; i++) {
        if (truth[i] < 0 || truth[i] >= k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: truth[%zu] is %d, expected 0..%d", fn, i,
                             (int)truth[i], k - 1);
        if (pred[i] < 0 || pred[i] >= k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "%s: pred[%zu] is %d, expected 0..%d", fn, i,
                             (int)pred[i], k - 1);
    }
    cs_confusion *cm;
    status = cs__confusion_alloc(&cm, k, fn);
    if (status != CS_OK)
        return status;
    /* Doubles count exactly up to 2^53 records. */
    for (size_t i = 0; i < n; i++)
        cm->counts[(size_t)truth[i] * (size_t)k + (size_t)pred[i]] += 1.0;
    cs__confusion_finish(cm);
    *out = cm;
    return CS_OK;
}

int cs_confusion_from_counts(cs_confusion **out, const double *counts, int k)
{
    static const char fn[] = "cs_confusion_from_counts";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!counts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: counts is NULL", fn);
    int status = check_k(k, fn);
    if (status != CS_OK)
        return status;
    const size_t kk = (size_t)k * (size_t)k;
    for (size_t i = 0; i < kk; i++)
        if (!(isfinite(counts[i]) && counts[i] >= 0.0))
            return cs__error(CS_ERR_INVALID_ARGUMENT,
                             "%s: counts[%zu][%zu] is %g, expected a finite value >= 0", fn,
                             i / (size_t)k, i % (size_t)k, counts[i]);
    cs_confusion *cm;
    status = cs__confusion_alloc(&cm, k, fn);
    if (status != CS_OK)
        return status;
    /* + 0.0 turns -0.0 into +0.0, so that no view or rendering ever shows "-0". */
    for (size_t i = 0; i < kk; i++)
        cm->counts[i] = counts[i] + 0.0;
    cs__confusion_finish(cm);
    if (!isfinite(cm->total)) {
        cs_confusion_destroy(cm);
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: the counts are finite but their total overflows a double", fn);
    }
    *out = cm;
    return CS_OK;
}

void cs_confusion_destroy(cs_confusion *cm)
{
    if (!cm)
        return;
    free(cm->counts);
    free(cm->sums);
    free(cm);
}

int cs_confusion_num_classes(const cs_confusion *cm)
{
    return cm ? cm->k : 0;
}

double cs_confusion_total(const cs_confusion *cm)
{
    return cm ? cm->total : NAN;
}

double cs_confusion_count(const cs_confusion *cm, int truth, int pred)
{
    if (!cm || truth < 0 || truth >= cm->k || pred < 0 || pred >= cm->k)
        return NAN;
    return cm->counts[(size_t)truth * (size_t)cm->k + (size_t)pred];
}

/* The checks every "matrix into a caller buffer of k" call shares. */
static int check_view(const cs_confusion *cm, const void *out, int k, const char *fn)
{
    if (!cm || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !cm ? "cm" : "out");
    if (k != cm->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the matrix has %d classes", fn, k,
                         cm->k);
    return CS_OK;
}

static double ratio(double num, double den)
{
    return den != 0.0 ? num / den : NAN;
}

int cs_confusion_normalized(double *out, int k, const cs_confusion *cm, cs_normalize how)
{
    static const char fn[] = "cs_confusion_normalized";
    int status = check_view(cm, out, k, fn);
    if (status != CS_OK)
        return status;
    if (how != CS_NORMALIZE_NONE && how != CS_NORMALIZE_TRUE && how != CS_NORMALIZE_PRED &&
        how != CS_NORMALIZE_ALL)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: how is %d, expected a cs_normalize (0..3)",
                         fn, (int)how);
    const size_t kk = (size_t)k;
    for (size_t t = 0; t < kk; t++)
        for (size_t p = 0; p < kk; p++) {
            double c = cm->counts[t * kk + p];
            double v = c;
            if (how == CS_NORMALIZE_TRUE)
                v = ratio(c, cm->row[t]);
            else if (how == CS_NORMALIZE_PRED)
                v = ratio(c, cm->col[p]);
            else if (how == CS_NORMALIZE_ALL)
                v = ratio(c, cm->total);
            out[t * kk + p] = v;
        }
    return CS_OK;
}

double cs_confusion_accuracy(const cs_confusion *cm)
{
    if (!cm)
        return NAN;
    double trace = 0.0;
    for (size_t t = 0; t < (size_t)cm->k; t++)
        trace += cm->counts[t * (size_t)cm->k + t];
    return ratio(trace, cm->total);
}

int cs_confusion_class_metrics(double *recall, double *precision, double *f1,
                               int k, const cs_confusion *cm)
{
    static const char fn[] = "cs_confusion_class_metrics";
    if (!cm)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: cm is NULL", fn);
    if (k != cm->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the matrix has %d classes", fn, k,
                         cm->k);
    for (size_t t = 0; t < (size_t)k; t++) {
        double c = cm->counts[t * (size_t)k + t], n = cm->row[t], m = cm->col[t];
        if (recall)
            recall[t] = ratio(c, n);
        if (precision)
            precision[t] = ratio(c, m);
        /* 2pr / (p + r) with p = c/m and r = c/n is 2c / (n + m): one rounding instead of
         * four, and 0 (not 0/0) when c = 0 with both totals non-zero. */
        if (f1)
            f1[t] = n > 0.0 && m > 0.0 ? 2.0 * c / (n + m) : NAN;
    }
    return CS_OK;
}

/* The checks of the two "perturbed against baseline" views. */
static int check_pair(const cs_confusion *pert, const cs_confusion *base, const double *out, int k,
                      const char *fn)
{
    if (!pert || !base || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                         !pert ? "pert" : !base ? "base" : "out");
    if (base->k != pert->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: base has %d classes, pert has %d", fn,
                         base->k, pert->k);
    if (k != pert->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the matrices have %d classes", fn, k,
                         pert->k);
    return CS_OK;
}

int cs_confusion_relative(double *out, int k, const cs_confusion *pert, const cs_confusion *base)
{
    int status = check_pair(pert, base, out, k, "cs_confusion_relative");
    if (status != CS_OK)
        return status;
    const size_t kk = (size_t)k;
    for (size_t t = 0; t < kk; t++) {
        double n = pert->row[t], b = base->row[t];
        for (size_t p = 0; p < kk; p++)
            out[t * kk + p] = n > 0.0 && b > 0.0
                                  ? pert->counts[t * kk + p] / n - base->counts[t * kk + p] / b
                                  : NAN;
    }
    return CS_OK;
}

int cs_confusion_relative_accuracy(double *out, int k,
                                   const cs_confusion *pert, const cs_confusion *base)
{
    int status = check_pair(pert, base, out, k, "cs_confusion_relative_accuracy");
    if (status != CS_OK)
        return status;
    const size_t kk = (size_t)k;
    for (size_t t = 0; t < kk; t++) {
        double rc = ratio(pert->counts[t * kk + t], pert->row[t]);
        double rb = ratio(base->counts[t * kk + t], base->row[t]);
        out[t] = ratio(rc, rb);
    }
    return CS_OK;
}

static double asymmetry(const cs_confusion *cm, size_t a, size_t b)
{
    const size_t k = (size_t)cm->k;
    double ab = cm->counts[a * k + b], ba = cm->counts[b * k + a];
    return a != b ? ratio(ab - ba, ab + ba) : NAN;
}

int cs_confusion_asymmetry(double *out, int k, const cs_confusion *cm)
{
    int status = check_view(cm, out, k, "cs_confusion_asymmetry");
    if (status != CS_OK)
        return status;
    for (size_t a = 0; a < (size_t)k; a++)
        for (size_t b = 0; b < (size_t)k; b++)
            out[a * (size_t)k + b] = asymmetry(cm, a, b);
    return CS_OK;
}

/* ---- top-M selection --------------------------------------------------------------------
 * Both rankings pick the best `max` of up to K² candidates. A bounded heap kept in the
 * caller's buffer (worst kept entry at the root) does that in O(K² log max) time and no
 * memory of its own, so these calls cannot fail for lack of memory. */

/* < 0 when *a ranks before *b; never 0 for distinct candidates (ties are broken by index). */
typedef int (*rank_cmp)(const void *a, const void *b);

#define MAX_ITEM 64

static void item_swap(unsigned char *a, unsigned char *b, size_t size)
{
    unsigned char tmp[MAX_ITEM];
    memcpy(tmp, a, size);
    memcpy(a, b, size);
    memcpy(b, tmp, size);
}

static void heap_sift_down(unsigned char *h, size_t n, size_t size, size_t i, rank_cmp cmp)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, worst = i;
        if (l < n && cmp(h + l * size, h + worst * size) > 0)
            worst = l;
        if (r < n && cmp(h + r * size, h + worst * size) > 0)
            worst = r;
        if (worst == i)
            return;
        item_swap(h + i * size, h + worst * size, size);
        i = worst;
    }
}

static void heap_offer(void *heap, size_t *n, size_t max, size_t size, const void *item,
                       rank_cmp cmp)
{
    unsigned char *h = heap;
    if (*n < max) {
        size_t i = (*n)++;
        memcpy(h + i * size, item, size);
        while (i > 0 && cmp(h + (i - 1) / 2 * size, h + i * size) < 0) {
            item_swap(h + (i - 1) / 2 * size, h + i * size, size);
            i = (i - 1) / 2;
        }
    } else if (max > 0 && cmp(item, h) < 0) {
        memcpy(h, item, size);
        heap_sift_down(h, max, size, 0, cmp);
    }
}

/* Heapsort: moving the worst remaining entry to the back each time leaves the best first. */
static void heap_sort(void *heap, size_t n, size_t size, rank_cmp cmp)
{
    unsigned char *h = heap;
    for (size_t m = n; m > 1; m--) {
        item_swap(h, h + (m - 1) * size, size);
        heap_sift_down(h, m - 1, size, 0, cmp);
    }
}

_Static_assert(sizeof(cs_directed_confusion) <= MAX_ITEM && sizeof(cs_class_pair) <= MAX_ITEM,
               "item_swap's buffer holds one ranked entry");

static int directed_cmp(const void *pa, const void *pb)
{
    const cs_directed_confusion *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->truth != b->truth)
        return a->truth < b->truth ? -1 : 1;
    return (a->pred > b->pred) - (a->pred < b->pred);
}

static int pair_cmp(const void *pa, const void *pb)
{
    const cs_class_pair *a = pa, *b = pb;
    if (a->mass != b->mass)
        return a->mass > b->mass ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

/* The checks of the two top-M rankings. */
static int check_top(const cs_confusion *cm, const void *out, int max, const int *count,
                     const char *fn)
{
    if (!cm || !count)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !cm ? "cm" : "count");
    if (max < 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: max is %d, expected >= 0", fn, max);
    if (max > 0 && !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL with max = %d", fn, max);
    return CS_OK;
}

/* Hand `n` entries of this library's layout (`full`, `size` bytes each) over to a caller array
 * of `elem_size`-byte elements, an older and smaller struct keeping the members it has. */
static void copy_prefixes(void *out, size_t elem_size, const void *full, size_t size, size_t n)
{
    for (size_t i = 0; i < n; i++)
        memcpy((char *)out + i * elem_size, (const char *)full + i * size, elem_size);
}

static void top_directed(cs_directed_confusion *out, int max, int *count, const cs_confusion *cm);
static void merge_candidates(cs_class_pair *out, int max, int *count, const cs_confusion *cm, double threshold);

int cs_confusion_top_directed(cs_directed_confusion *out, size_t elem_size, int max, int *count,
                              const cs_confusion *cm)
{
    static const char fn[] = "cs_confusion_top_directed";
    if (count)
        *count = 0;
    int status = check_top(cm, out, max, count, fn);
    if (status == CS_OK)
        status = cs__elem_size_check(fn, "cs_directed_confusion", elem_size, sizeof(int),
                                     sizeof(cs_directed_confusion));
    if (status != CS_OK)
        return status;
    if (elem_size == sizeof *out) {
        top_directed(out, max, count, cm);
        return CS_OK;
    }
    const size_t most = (size_t)cm->k * (size_t)(cm->k - 1);
    const int cap = (size_t)max < most ? max : (int)most;
    cs_directed_confusion *full = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *full);
    if (!full)
        return cs__error_oom("directed confusions", (size_t)cap * sizeof *full);
    top_directed(full, cap, count, cm);
    copy_prefixes(out, elem_size, full, sizeof *full, (size_t)*count);
    free(full);
    return CS_OK;
}

static void top_directed(cs_directed_confusion *out, int max, int *count, const cs_confusion *cm)
{
    const size_t k = (size_t)cm->k;
    size_t n = 0;
    for (size_t t = 0; t < k && max > 0; t++)
        for (size_t p = 0; p < k; p++) {
            double c = cm->counts[t * k + p];
            if (p == t || c == 0.0)
                continue;
            cs_directed_confusion d = { (int)t, (int)p, c, c / cm->row[t], asymmetry(cm, t, p) };
            heap_offer(out, &n, (size_t)max, sizeof *out, &d, directed_cmp);
        }
    heap_sort(out, n, sizeof *out, directed_cmp);
    *count = (int)n;
}

int cs_confusion_merge_candidates(cs_class_pair *out, size_t elem_size, int max, int *count,
                                  const cs_confusion *cm, double threshold)
{
    static const char fn[] = "cs_confusion_merge_candidates";
    if (count)
        *count = 0;
    int status = check_top(cm, out, max, count, fn);
    if (status == CS_OK)
        status = cs__elem_size_check(fn, "cs_class_pair", elem_size, sizeof(int), sizeof(cs_class_pair));
    if (status != CS_OK)
        return status;
    if (!(threshold >= 0.0 && threshold <= 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: threshold is %g, expected 0..1", fn,
                         threshold);
    if (elem_size == sizeof *out) {
        merge_candidates(out, max, count, cm, threshold);
        return CS_OK;
    }
    const size_t most = (size_t)cm->k * (size_t)(cm->k - 1) / 2;
    const int cap = (size_t)max < most ? max : (int)most;
    cs_class_pair *full = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *full);
    if (!full)
        return cs__error_oom("merge candidates", (size_t)cap * sizeof *full);
    merge_candidates(full, cap, count, cm, threshold);
    copy_prefixes(out, elem_size, full, sizeof *full, (size_t)*count);
    free(full);
    return CS_OK;
}

static void merge_candidates(cs_class_pair *out, int max, int *count, const cs_confusion *cm, double threshold)
{
    const size_t k = (size_t)cm->k;
    /* A mean matrix's masses from its integer sums: (S_ab + S_ba) / (S_a + S_b) is one
     * division, so pairs with equal masses tie exactly and keep index order. */
    const double *sum = cm->sums ? cm->sums : cm->counts, *row = cm->sums ? cm->sums + k * k : cm->row;
    size_t n = 0;
    for (size_t a = 0; a < k && max > 0; a++)
        for (size_t b = a + 1; b < k; b++) {
            double ab = cm->counts[a * k + b], ba = cm->counts[b * k + a];
            if (ab + ba == 0.0)
                continue;
            double mass = (sum[a * k + b] + sum[b * k + a]) / (row[a] + row[b]);
            if (mass < threshold)
                continue;
            cs_class_pair pr = { (int)a, (int)b, mass, ab, ba };
            heap_offer(out, &n, (size_t)max, sizeof *out, &pr, pair_cmp);
        }
    heap_sort(out, n, sizeof *out, pair_cmp);
    *count = (int)n;
}
