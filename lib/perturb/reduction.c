/* Data reduction: uniform, stratified and targeted, nested across fractions for one seed. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "perturb/perturb_internal.h"

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int cs__perturb_reduce(size_t **kept, size_t *kept_n, const int32_t *labels, size_t n, int k,
                       const cs_perturb_spec *spec, uint64_t seed)
{
    size_t *keep = malloc((n ? n : 1) * sizeof *keep);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t *start = malloc(((size_t)k + 1) * sizeof *start);
    bool *reduced = calloc((size_t)k, sizeof *reduced);
    int status = CS_OK;
    size_t count = 0;
    if (!keep || !order || !start || !reduced) {
        status = cs__error_oom("reduction work space", 2 * n * sizeof *keep);
        goto cleanup;
    }
    if (spec->kind == CS_REDUCE_UNIFORM) {
        for (size_t i = 0; i < n; i++)
            keep[i] = i;
        cs__perturb_shuffle(keep, n, seed, cs__perturb_stream(spec->kind, CS__STREAM_KEEP));
        count = cs__perturb_round(spec->level * (double)n);
        if (count == 0) {
            status = cs__error(CS_ERR_OUT_OF_RANGE,
                               "cs_perturb_apply: keeping a fraction %g of %zu records keeps none", spec->level, n);
            goto cleanup;
        }
    } else {
        if (spec->kind == CS_REDUCE_STRATIFIED)
            for (int c = 0; c < k; c++)
                reduced[c] = true;
        else
            for (int i = 0; i < spec->num_classes; i++)
                reduced[spec->classes[i]] = true;
        cs__perturb_group_by_class(labels, n, k, order, start);
        for (int c = 0; c < k; c++) {
            size_t *members = order + start[c], m = start[c + 1] - start[c];
            if (m == 0)
                continue;
            size_t take = m;
            if (reduced[c]) {
                take = cs__perturb_round(spec->level * (double)m);
                if (take == 0) {
                    status = cs__error(CS_ERR_OUT_OF_RANGE,
                                       "cs_perturb_apply: keeping a fraction %g of class %d (%zu records) "
                                       "would leave it empty; %s reduction keeps every %sclass",
                                       spec->level, c, m,
                                       spec->kind == CS_REDUCE_STRATIFIED ? "stratified" : "targeted",
                                       spec->kind == CS_REDUCE_STRATIFIED ? "" : "targeted ");
                    goto cleanup;
                }
                cs__perturb_shuffle(members, m, seed,
                                    cs__perturb_stream(spec->kind, CS__STREAM_CLASS + (uint64_t)c));
            }
            memcpy(keep + count, members, take * sizeof *keep);
            count += take;
        }
    }
    /* The view lists kept records in their original order. */
    qsort(keep, count, sizeof *keep, cmp_size);
    *kept = keep;
    *kept_n = count;
    keep = NULL;

cleanup:
    free(keep);
    free(order);
    free(start);
    free(reduced);
    return status;
}
