/* The results store's cell files (format: docs/formats.md): the JSON of one finished cell, and
 * the check that a cell or claim file names the cell and configuration it is read for. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "study/study_internal.h"

static void size_array(cs__json_writer *w, const size_t *v, int n)
{
    cs__jw_begin_array(w);
    for (int i = 0; i < n; ++i)
        cs__jw_uint(w, v[i]);
    cs__jw_end_array(w);
}

int cs__study_cell_json(cs__buf *out, const cs__cell_outcome *cell)
{
    const int k = cell->k;
    size_t *tmp = NULL;
    if (cell->report) {
        tmp = malloc(sizeof *tmp * (size_t)k * (size_t)(k + 2));
        if (!tmp)
            return cs__error_oom("cell report", sizeof *tmp * (size_t)k * (size_t)(k + 2));
    }
    cs__json_writer w;
    cs__jw_init(&w, out);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "format");
    cs__jw_string(&w, "classsens-cell");
    cs__jw_key(&w, "version");
    cs__jw_int(&w, CS__STUDY_FORMAT_VERSION);
    cs__jw_key(&w, "config_hash");
    cs__jw_string(&w, cell->config_hash);
    cs__jw_key(&w, "model");
    cs__jw_string(&w, cell->model);
    cs__jw_key(&w, "condition");
    cs__jw_string(&w, cell->condition);
    cs__jw_key(&w, "replicate");
    cs__jw_int(&w, cell->replicate);
    cs__jw_key(&w, "seeds");
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "perturbation");
    cs__study_jw_hex64(&w, cell->seed_perturb);
    cs__jw_key(&w, "init");
    cs__study_jw_hex64(&w, cell->seed_init);
    cs__jw_key(&w, "training");
    cs__study_jw_hex64(&w, cell->seed_train);
    cs__jw_end_object(&w);
    cs__jw_key(&w, "threads");
    cs__jw_int(&w, cell->threads);
    cs__jw_key(&w, "train_size");
    cs__jw_uint(&w, cell->train_size);

    cs__jw_key(&w, "perturbation");
    if (cell->report) {
        const cs_perturb_report *r = cell->report;
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "size_before");
        cs__jw_uint(&w, cs_perturb_report_size_before(r));
        cs__jw_key(&w, "size_after");
        cs__jw_uint(&w, cs_perturb_report_size_after(r));
        cs__jw_key(&w, "selected");
        cs__jw_uint(&w, cs_perturb_report_selected(r));
        cs__jw_key(&w, "changed");
        cs__jw_uint(&w, cs_perturb_report_changed(r));
        cs__jw_key(&w, "flip_rate");
        cs__jw_double(&w, cs_perturb_report_flip_rate(r));
        size_t *before = tmp, *after = tmp + k, *trans = tmp + 2 * (size_t)k;
        cs_perturb_report_class_counts(before, after, k, r);
        cs_perturb_report_transitions(trans, k, r);
        cs__jw_key(&w, "class_counts_before");
        size_array(&w, before, k);
        cs__jw_key(&w, "class_counts_after");
        size_array(&w, after, k);
        cs__jw_key(&w, "transitions");
        cs__jw_begin_array(&w);
        for (int i = 0; i < k; ++i)
            size_array(&w, trans + (size_t)i * (size_t)k, k);
        cs__jw_end_array(&w);
        cs__jw_end_object(&w);
    } else {
        cs__jw_null(&w);
    }

    cs__jw_key(&w, "epochs");
    cs__jw_begin_array(&w);
    for (int e = 0; e < cell->epochs; ++e) {
        const cs_epoch_report *ep = &cell->trace[e];
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "epoch");
        cs__jw_int(&w, ep->epoch);
        cs__jw_key(&w, "loss");
        cs__jw_double(&w, ep->loss);
        cs__jw_key(&w, "accuracy");
        cs__jw_double(&w, ep->accuracy);
        cs__jw_key(&w, "lr");
        cs__jw_double(&w, ep->lr);
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);

    cs__jw_key(&w, "test_accuracy");
    cs__jw_double(&w, cell->test_accuracy);
    cs__jw_key(&w, "confusion");
    cs__jw_begin_array(&w);
    for (int i = 0; i < k; ++i)
        cs__jw_doubles(&w, cell->confusion + (size_t)i * (size_t)k, (size_t)k);
    cs__jw_end_array(&w);

    /* Timings vary between runs; every member that holds one has "seconds" in its name so
     * that comparisons of stores can leave them out line by line. */
    cs__jw_key(&w, "timing");
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "train_seconds");
    cs__jw_double(&w, cell->train_seconds);
    cs__jw_key(&w, "test_seconds");
    cs__jw_double(&w, cell->test_seconds);
    cs__jw_key(&w, "epoch_seconds");
    cs__jw_begin_array(&w);
    for (int e = 0; e < cell->epochs; ++e)
        cs__jw_double(&w, cell->trace[e].seconds);
    cs__jw_end_array(&w);
    cs__jw_end_object(&w);
    cs__jw_end_object(&w);
    free(tmp);
    return cs__buf_status(out, "a cell result");
}

int cs__study_cell_check(const cs__json *root, const char *path, const char *hash, const char *model,
                         const char *cond, int replicate)
{
    return cs__study_identity_check(root, path, "classsens-cell", "holds", hash, model, cond, replicate);
}

int cs__study_identity_check(const cs__json *root, const char *path, const char *kind, const char *verb,
                             const char *hash, const char *model, const char *cond, int replicate)
{
    const char *format = NULL, *h = NULL, *m = NULL, *c = NULL;
    long long version = 0, r = -1;
    int rc = cs__json_get_string(root, "format", &format, path);
    if (rc == CS_OK && strcmp(format, kind) != 0)
        rc = cs__error(CS_ERR_FORMAT, "%s: format \"%s\"; expected \"%s\"", path, format, kind);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "version", 1, CS__STUDY_FORMAT_VERSION, &version, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "config_hash", &h, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "model", &m, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "condition", &c, path);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "replicate", 0, 1000000, &r, path);
    if (rc == CS_OK && (strcmp(h, hash) || strcmp(m, model) || strcmp(c, cond) || r != replicate))
        rc = cs__error(CS_ERR_CORRUPT, "%s %s (%s, %s, replicate %lld, configuration %s); expected (%s, %s, "
                       "replicate %d, configuration %s)", path, verb, m, c, r, h, model, cond, replicate, hash);
    return rc;
}
