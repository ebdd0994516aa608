/* Label noise: shuffle, symmetric, pairflip, matrix and targeted, with exact counts. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "perturb/perturb_internal.h"

void cs__perturb_shuffle(size_t *a, size_t n, uint64_t seed, uint64_t stream)
{
    cs__rng r;
    cs__rng_init(&r, seed, stream);
    /* Fisher-Yates from the front, so that the first m entries are a uniform m-subset in
     * random order whatever m is: selections at a lower rate nest inside higher ones. */
    for (size_t i = 0; i + 1 < n; i++) {
        size_t j = i + (size_t)cs__rng_below(&r, n - i);
        size_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void cs__perturb_group_by_class(const int32_t *labels, size_t n, int k, size_t *order, size_t *start)
{
    memset(start, 0, ((size_t)k + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[labels[i] + 1]++;
    for (int c = 0; c < k; c++)
        start[c + 1] += start[c];
    /* Fill with start[c] as the running insertion point, then shift back. */
    for (size_t i = 0; i < n; i++)
        order[start[labels[i]]++] = i;
    for (int c = k; c > 0; c--)
        start[c] = start[c - 1];
    start[0] = 0;
}

/* Records eligible for noise, in input order: all, or those whose class is targeted. */
static size_t eligible_records(const int32_t *labels, size_t n, int k, const cs_perturb_spec *spec,
                               size_t *out, bool *targeted)
{
    if (spec->kind != CS_NOISE_TARGETED) {
        for (size_t i = 0; i < n; i++)
            out[i] = i;
        return n;
    }
    memset(targeted, 0, (size_t)k * sizeof *targeted);
    for (int i = 0; i < spec->num_classes; i++)
        targeted[spec->classes[i]] = true;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (targeted[labels[i]])
            out[count++] = i;
    return count;
}

/* Split n records of a class into exact counts per target label: floor(T[j] * n), then one
 * more for the largest remainders (ties to the smaller j) until the counts sum to n. */
static void matrix_counts(const double *row, int k, size_t n, size_t *counts, double *remainder)
{
    size_t assigned = 0;
    for (int j = 0; j < k; j++) {
        double exact = row[j] * (double)n;
        counts[j] = (size_t)exact;
        if (counts[j] > n)
            counts[j] = n;
        remainder[j] = exact - (double)counts[j];
        assigned += counts[j];
    }
    while (assigned < n) {
        int best = -1;
        for (int j = 0; j < k; j++)
            if (row[j] > 0 && (best < 0 || remainder[j] > remainder[best]))
                best = j;
        counts[best]++;
        remainder[best] = -1.0;
        assigned++;
    }
    while (assigned > n) { /* only reachable through rounding of sums a hair above 1 */
        int worst = -1;
        for (int j = 0; j < k; j++)
            if (counts[j] > 0 && (worst < 0 || remainder[j] < remainder[worst]))
                worst = j;
        counts[worst]--;
        remainder[worst] = 2.0;
        assigned--;
    }
}

int cs__perturb_noise(int32_t *labels, size_t n, int k, const cs_perturb_spec *spec, uint64_t seed,
                      size_t *selected)
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    bool *targeted = malloc((size_t)k * sizeof *targeted);
    int *map = malloc((size_t)k * sizeof *map);
    size_t *counts = malloc((size_t)k * sizeof *counts);
    size_t *start = malloc(((size_t)k + 1) * sizeof *start);
    double *remainder = malloc((size_t)k * sizeof *remainder);
    int32_t *original = malloc((n ? n : 1) * sizeof *original);
    int32_t *pool = NULL;
    int status = CS_OK;
    if (!order || !targeted || !map || !counts || !remainder || !original || !start) {
        status = cs__error_oom("label noise work space", n * (sizeof *order + sizeof *original));
        goto cleanup;
    }
    memcpy(original, labels, n * sizeof *original);
    cs__rng r;
    cs__rng_init(&r, seed, cs__perturb_stream(spec->kind, CS__STREAM_LABELS));
    *selected = 0;

    switch (spec->kind) {
    case CS_NOISE_SHUFFLE:
    case CS_NOISE_SYMMETRIC:
    case CS_NOISE_TARGETED: {
        size_t eligible = eligible_records(labels, n, k, spec, order, targeted);
        size_t m = cs__perturb_round(spec->level * (double)eligible);
        cs__perturb_shuffle(order, eligible, seed, cs__perturb_stream(spec->kind, CS__STREAM_SELECT));
        if (spec->kind == CS_NOISE_SHUFFLE) {
            /* Permute the chosen records' labels among themselves. */
            pool = malloc((m ? m : 1) * sizeof *pool);
            if (!pool) {
                status = cs__error_oom("shuffled labels", m * sizeof *pool);
                goto cleanup;
            }
            for (size_t i = 0; i < m; i++)
                pool[i] = labels[order[i]];
            for (size_t i = 0; i + 1 < m; i++) {
                size_t j = i + (size_t)cs__rng_below(&r, m - i);
                int32_t t = pool[i];
                pool[i] = pool[j];
                pool[j] = t;
            }
            for (size_t i = 0; i < m; i++)
                labels[order[i]] = pool[i];
        } else {
            /* A uniform draw from the K - 1 other classes: skip over the true one. */
            for (size_t i = 0; i < m; i++) {
                int32_t old = labels[order[i]];
                int32_t draw = (int32_t)cs__rng_below(&r, (uint64_t)k - 1);
                labels[order[i]] = draw < old ? draw : draw + 1;
            }
        }
        *selected = m;
        break;
    }
    case CS_NOISE_PAIRFLIP:
    case CS_NOISE_MATRIX:
        /* Classes are grouped from the original labels, so cat<->dog never picks up records it
         * has just relabelled. */
        cs__perturb_group_by_class(original, n, k, order, start);
        if (spec->kind == CS_NOISE_PAIRFLIP)
            cs__perturb_spec_full_map(spec, k, map);
        for (int c = 0; c < k; c++) {
            size_t *members = order + start[c], count = start[c + 1] - start[c];
            if (count == 0 || (spec->kind == CS_NOISE_PAIRFLIP && map[c] == c))
                continue;
            cs__perturb_shuffle(members, count, seed,
                                cs__perturb_stream(spec->kind, CS__STREAM_CLASS + (uint64_t)c));
            if (spec->kind == CS_NOISE_PAIRFLIP) {
                size_t m = cs__perturb_round(spec->level * (double)count);
                for (size_t i = 0; i < m; i++)
                    labels[members[i]] = map[c];
                *selected += m;
                continue;
            }
            matrix_counts(spec->matrix + (size_t)c * (size_t)k, k, count, counts, remainder);
            size_t at = 0;
            for (int j = 0; j < k; j++)
                for (size_t q = 0; q < counts[j]; q++, at++)
                    labels[members[at]] = j;
            *selected += count - counts[c];
        }
        break;
    default:
        status = cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_apply: kind %d is not label noise", (int)spec->kind);
        break;
    }

cleanup:
    free(order);
    free(targeted);
    free(map);
    free(counts);
    free(remainder);
    free(original);
    free(start);
    free(pool);
    return status;
}
