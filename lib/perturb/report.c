/* cs_perturb_apply: validate, run the noise or reduction engine, build the view and the
 * report of what happened. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/dataset_internal.h"
#include "perturb/perturb_internal.h"

void cs_perturb_report_destroy(cs_perturb_report *r)
{
    if (!r)
        return;
    free(r->transitions);
    free(r->counts_before);
    free(r->counts_after);
    free(r);
}

/* The report of a view whose record i is input record kept[i] (NULL: i) labelled labels[i]. */
static int make_report(cs_perturb_report **out, const cs_perturb_spec *spec, const cs_dataset *in,
                       const size_t *kept, size_t n_after, const int32_t *labels, size_t selected)
{
    int k = cs_dataset_num_classes(in);
    size_t kk = (size_t)k * (size_t)k;
    cs_perturb_report *r = calloc(1, sizeof *r);
    size_t *tr = calloc(kk, sizeof *tr);
    size_t *before = calloc((size_t)k, sizeof *before), *after = calloc((size_t)k, sizeof *after);
    if (!r || !tr || !before || !after) {
        free(r);
        free(tr);
        free(before);
        free(after);
        return cs__error_oom("a perturbation report", kk * sizeof *tr);
    }
    const int32_t *truth = cs_dataset_labels(in);
    for (size_t i = 0; i < cs_dataset_size(in); i++)
        before[truth[i]]++;
    size_t changed = 0;
    for (size_t i = 0; i < n_after; i++) {
        int32_t t = truth[kept ? kept[i] : i], j = labels[i];
        tr[(size_t)t * (size_t)k + (size_t)j]++;
        after[j]++;
        changed += t != j;
    }
    r->kind = spec->kind;
    r->k = k;
    r->before = cs_dataset_size(in);
    r->after = n_after;
    r->selected = selected;
    r->changed = changed;
    r->transitions = tr;
    r->counts_before = before;
    r->counts_after = after;
    *out = r;
    return CS_OK;
}

int cs_perturb_apply(cs_dataset **out, cs_perturb_report **report, const cs_dataset *in,
                     const cs_perturb_spec *spec, uint64_t seed)
{
    if (report)
        *report = NULL;
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_apply: out is NULL");
    *out = NULL;
    if (!in || !spec)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_apply: %s is NULL", !in ? "in" : "spec");
    const int k = cs_dataset_num_classes(in);
    const size_t n = cs_dataset_size(in);
    int status = cs__perturb_spec_check(spec, k);
    if (status != CS_OK)
        return status;

    int32_t *labels = NULL;
    size_t *kept = NULL, n_after = n, selected = 0;
    cs_dataset *view = NULL;
    if (cs__perturb_is_reduction(spec->kind)) {
        status = cs__perturb_reduce(&kept, &n_after, cs_dataset_labels(in), n, k, spec, seed);
        if (status != CS_OK)
            goto cleanup;
        selected = n - n_after;
        labels = malloc(n_after * sizeof *labels);
        if (!labels) {
            status = cs__error_oom("reduced labels", n_after * sizeof *labels);
            goto cleanup;
        }
        for (size_t i = 0; i < n_after; i++)
            labels[i] = cs_dataset_label(in, kept[i]);
    } else {
        labels = malloc(n * sizeof *labels);
        if (!labels) {
            status = cs__error_oom("noisy labels", n * sizeof *labels);
            goto cleanup;
        }
        memcpy(labels, cs_dataset_labels(in), n * sizeof *labels);
        if (spec->kind != CS_PERTURB_NONE) {
            status = cs__perturb_noise(labels, n, k, spec, seed, &selected);
            if (status != CS_OK)
                goto cleanup;
        }
    }
    status = cs_dataset_view(&view, in, kept, n_after, labels);
    if (status != CS_OK)
        goto cleanup;
    if (report) {
        status = make_report(report, spec, in, kept, n_after, labels, selected);
        if (status != CS_OK)
            goto cleanup;
    }
    *out = view;
    view = NULL;

cleanup:
    cs_dataset_destroy(view);
    free(labels);
    free(kept);
    return status;
}

int cs_perturb_matched_reduction(cs_perturb_spec **out, const cs_perturb_report *noise_report)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_matched_reduction: out is NULL");
    *out = NULL;
    if (!noise_report)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_perturb_matched_reduction: noise_report is NULL");
    if (!cs__perturb_is_noise(noise_report->kind))
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "cs_perturb_matched_reduction: the report is of %s, expected label noise",
                         noise_report->kind == CS_PERTURB_NONE ? "no perturbation" : "a reduction");
    double f = 1.0 - cs_perturb_report_flip_rate(noise_report);
    if (!(f > 0.0))
        return cs__error(CS_ERR_OUT_OF_RANGE,
                         "cs_perturb_matched_reduction: every record was flipped, a matched reduction would keep none");
    return cs_perturb_spec_create(out, CS_REDUCE_UNIFORM, f);
}

cs_perturb_kind cs_perturb_report_kind(const cs_perturb_report *r)
{
    return r ? r->kind : CS_PERTURB_INVALID;
}

size_t cs_perturb_report_size_before(const cs_perturb_report *r)
{
    return r ? r->before : 0;
}

size_t cs_perturb_report_size_after(const cs_perturb_report *r)
{
    return r ? r->after : 0;
}

size_t cs_perturb_report_selected(const cs_perturb_report *r)
{
    return r ? r->selected : 0;
}

size_t cs_perturb_report_changed(const cs_perturb_report *r)
{
    return r ? r->changed : 0;
}

double cs_perturb_report_flip_rate(const cs_perturb_report *r)
{
    if (!r)
        return NAN;
    return r->before ? (double)r->changed / (double)r->before : 0.0;
}

static int check_k(const cs_perturb_report *r, const void *a, const void *b, int k, const char *fn)
{
    if (!r || (!a && !b))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !r ? "report" : "every output");
    if (k != r->k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d, the report has %d classes", fn, k, r->k);
    return CS_OK;
}

int cs_perturb_report_transitions(size_t *counts, int k, const cs_perturb_report *r)
{
    int status = check_k(r, counts, NULL, k, "cs_perturb_report_transitions");
    if (status == CS_OK)
        memcpy(counts, r->transitions, (size_t)k * (size_t)k * sizeof *counts);
    return status;
}

int cs_perturb_report_class_counts(size_t *before, size_t *after, int k, const cs_perturb_report *r)
{
    int status = check_k(r, before, after, k, "cs_perturb_report_class_counts");
    if (status != CS_OK)
        return status;
    if (before)
        memcpy(before, r->counts_before, (size_t)k * sizeof *before);
    if (after)
        memcpy(after, r->counts_after, (size_t)k * sizeof *after);
    return CS_OK;
}
