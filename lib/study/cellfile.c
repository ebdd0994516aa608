/* The results store's cell files (format: docs/formats.md): the JSON of one finished cell or of
 * one failed cell, the check that a cell or claim file names the cell and configuration it is
 * read for, and the one reader of cell files (cs__study_cell_read), which checks every member
 * against its source before anything uses it: the runner on resume (cells.c), the results
 * reader (results.c) and stored records. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "study/study_internal.h"

/* The members every cell file starts with: format, version, identity, seeds, threads, size. */
static void identity(cs__json_writer *w, const cs__cell_outcome *cell, const char *format)
{
    cs__jw_begin_object(w);
    cs__jw_key(w, "format");
    cs__jw_string(w, format);
    cs__jw_key(w, "version");
    cs__jw_int(w, CS__STUDY_FORMAT_VERSION);
    cs__jw_key(w, "config_hash");
    cs__jw_string(w, cell->config_hash);
    cs__jw_key(w, "model");
    cs__jw_string(w, cell->model);
    cs__jw_key(w, "condition");
    cs__jw_string(w, cell->condition);
    cs__jw_key(w, "replicate");
    cs__jw_int(w, cell->replicate);
    cs__jw_key(w, "seeds");
    cs__jw_begin_object(w);
    cs__jw_key(w, "perturbation");
    cs__study_jw_hex64(w, cell->seed_perturb);
    cs__jw_key(w, "init");
    cs__study_jw_hex64(w, cell->seed_init);
    cs__jw_key(w, "training");
    cs__study_jw_hex64(w, cell->seed_train);
    if (cell->reduce_report) {
        cs__jw_key(w, "reduction");
        cs__study_jw_hex64(w, cell->seed_reduce);
    }
    cs__jw_end_object(w);
    cs__jw_key(w, "threads");
    cs__jw_int(w, cell->threads);
    cs__jw_key(w, "train_size");
    cs__jw_uint(w, cell->train_size);
}

static void trace_array(cs__json_writer *w, const cs_epoch_report *trace, int epochs)
{
    cs__jw_key(w, "epochs");
    cs__jw_begin_array(w);
    for (int e = 0; e < epochs; ++e) {
        const cs_epoch_report *ep = &trace[e];
        cs__jw_begin_object(w);
        cs__jw_key(w, "epoch");
        cs__jw_int(w, ep->epoch);
        cs__jw_key(w, "loss");
        cs__jw_double(w, ep->loss);
        cs__jw_key(w, "accuracy");
        cs__jw_double(w, ep->accuracy);
        cs__jw_key(w, "lr");
        cs__jw_double(w, ep->lr);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
}

static void size_array(cs__json_writer *w, const size_t *v, int n)
{
    cs__jw_begin_array(w);
    for (int i = 0; i < n; ++i)
        cs__jw_uint(w, v[i]);
    cs__jw_end_array(w);
}

/* A perturbation report as a JSON object; tmp holds k (k + 2) sizes of scratch. */
static void report_object(cs__json_writer *w, const cs_perturb_report *r, int k, size_t *tmp)
{
    cs__jw_begin_object(w);
    cs__jw_key(w, "size_before");
    cs__jw_uint(w, cs_perturb_report_size_before(r));
    cs__jw_key(w, "size_after");
    cs__jw_uint(w, cs_perturb_report_size_after(r));
    cs__jw_key(w, "selected");
    cs__jw_uint(w, cs_perturb_report_selected(r));
    cs__jw_key(w, "changed");
    cs__jw_uint(w, cs_perturb_report_changed(r));
    cs__jw_key(w, "flip_rate");
    cs__jw_double(w, cs_perturb_report_flip_rate(r));
    size_t *before = tmp, *after = tmp + k, *trans = tmp + 2 * (size_t)k;
    cs_perturb_report_class_counts(before, after, k, r);
    cs_perturb_report_transitions(trans, k, r);
    cs__jw_key(w, "class_counts_before");
    size_array(w, before, k);
    cs__jw_key(w, "class_counts_after");
    size_array(w, after, k);
    cs__jw_key(w, "transitions");
    cs__jw_begin_array(w);
    for (int i = 0; i < k; ++i)
        size_array(w, trans + (size_t)i * (size_t)k, k);
    cs__jw_end_array(w);
    cs__jw_end_object(w);
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
    const size_t start = out->len;
    cs__json_writer w;
    cs__jw_init(&w, out);
    identity(&w, cell, "classsens-cell");

    cs__jw_key(&w, "perturbation");
    if (cell->report)
        report_object(&w, cell->report, k, tmp);
    else
        cs__jw_null(&w);
    /* A grid cell's first stage, from which its noise stage starts (format 5). */
    if (cell->report && cell->reduce_report) {
        cs__jw_key(&w, "reduction");
        report_object(&w, cell->reduce_report, k, tmp);
    }

    trace_array(&w, cell->trace, cell->epochs);

    cs__jw_key(&w, "test_accuracy");
    cs__jw_double(&w, cell->test_accuracy);
    cs__jw_key(&w, "confusion");
    cs__jw_begin_array(&w);
    for (int i = 0; i < k; ++i)
        cs__jw_doubles(&w, cell->confusion + (size_t)i * (size_t)k, (size_t)k);
    cs__jw_end_array(&w);

    if (cell->scores_file) {
        char crc[9];
        snprintf(crc, sizeof crc, "%08x", (unsigned)cell->scores_crc);
        cs__jw_key(&w, "record_scores");
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "file");
        cs__jw_string(&w, cell->scores_file);
        cs__jw_key(&w, "bytes");
        cs__jw_uint(&w, cell->scores_bytes);
        cs__jw_key(&w, "crc32");
        cs__jw_string(&w, crc);
        cs__jw_end_object(&w);
    }

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
    cs__study_checksum_put(&w, start);
    cs__jw_end_object(&w);
    free(tmp);
    return cs__buf_status(out, "a cell result");
}

int cs__study_failed_json(cs__buf *out, const cs__cell_outcome *cell, int status, int epoch, const char *reason)
{
    const size_t start = out->len;
    cs__json_writer w;
    cs__jw_init(&w, out);
    identity(&w, cell, "classsens-failed-cell");
    cs__jw_key(&w, "status");
    cs__jw_string(&w, cs_status_str(status));
    cs__jw_key(&w, "epoch");
    cs__jw_int(&w, epoch);
    cs__jw_key(&w, "reason");
    cs__jw_string(&w, reason);
    trace_array(&w, cell->trace, cell->epochs);
    cs__jw_key(&w, "timing");
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "train_seconds");
    cs__jw_double(&w, cell->train_seconds);
    cs__jw_end_object(&w);
    cs__study_checksum_put(&w, start);
    cs__jw_end_object(&w);
    return cs__buf_status(out, "a failed cell");
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

/* ---- reading a cell file back ------------------------------------------------------------ */

void cs__study_cell_seeds(const cs__study_config *cfg, int mi, int ci, int ri, uint64_t *perturb, uint64_t *init,
                          uint64_t *train)
{
    const char *model = cfg->models[mi].name;
    const cs__study_condition *c = &cfg->conds[ci];
    *perturb = c->family == CS_CONDITION_BASELINE ? 0
               : c->family == CS_CONDITION_GRID
                   ? cs__study_seed(cfg->seed, CS__STUDY_SEED_PERTURB, NULL, cfg->conds[c->noise].name, ri)
                   : cs__study_seed(cfg->seed, c->family == CS_CONDITION_CONTROL ? CS__STUDY_SEED_CONTROL
                                                                                 : CS__STUDY_SEED_PERTURB,
                                    NULL, c->name, ri);
    *init = cs__study_seed(cfg->seed, CS__STUDY_SEED_INIT, model, c->name, ri);
    *train = cs__study_seed(cfg->seed, CS__STUDY_SEED_TRAIN, model, c->name, ri);
}

uint64_t cs__study_reduce_seed(const cs__study_config *cfg, int ci, int ri)
{
    const cs__study_condition *c = &cfg->conds[ci];
    return c->family == CS_CONDITION_GRID
               ? cs__study_seed(cfg->seed, CS__STUDY_SEED_PERTURB, NULL, cfg->conds[c->reduce].name, ri)
               : 0;
}

void cs__cell_data_free(cs__cell_data *d)
{
    if (!d)
        return;
    free(d->volume_counts);
    free(d->trace);
    free(d->counts);
    free(d->class_counts);
    memset(d, 0, sizeof *d);
}

void cs__failed_data_free(cs__failed_data *d)
{
    if (!d)
        return;
    free(d->reason);
    memset(d, 0, sizeof *d);
}

/* A member that must be a whole number of records, 0..2^50. */
static int whole(double v)
{
    return v >= 0.0 && v <= 1125899906842624.0 && v == floor(v);
}

/* n whole counts of an array member (obj may be an array itself when key is NULL). */
static int get_counts(const cs__json *obj, const char *key, double *out, size_t n, const char *path)
{
    const cs__json *arr = obj;
    int rc = key ? cs__json_get_array(obj, key, &arr, path) : CS_OK;
    if (rc == CS_OK && cs__json_len(arr) != n)
        rc = cs__error(CS_ERR_FORMAT, "%s: \"%s\" has %zu entries; expected %zu", path, key ? key : "row",
                       cs__json_len(arr), n);
    if (rc == CS_OK)
        rc = cs__json_numbers(arr, out, n, path);
    for (size_t i = 0; rc == CS_OK && i < n; ++i)
        if (!whole(out[i]))
            rc = cs__error(CS_ERR_CORRUPT, "%s: \"%s\" entry %zu is %g; counts are whole numbers >= 0", path,
                           key ? key : "row", i, out[i]);
    return rc;
}

static int get_finite(const cs__json *obj, const char *key, double *out, const char *path, const char *where)
{
    int rc = cs__json_get_number(obj, key, out, path);
    if (rc == CS_OK && !(isfinite(*out) && *out >= 0.0))
        rc = cs__error(CS_ERR_CORRUPT, "%s: %s\"%s\" is %g; expected a finite number >= 0", path, where, key, *out);
    return rc;
}

static int check_seeds(const cs__json *root, const char *path, const cs__study_config *cfg, int mi, int ci, int ri)
{
    uint64_t want[4];
    cs__study_cell_seeds(cfg, mi, ci, ri, &want[0], &want[1], &want[2]);
    want[3] = cs__study_reduce_seed(cfg, ci, ri);
    static const char *const keys[4] = { "perturbation", "init", "training", "reduction" };
    const int n = cfg->conds[ci].family == CS_CONDITION_GRID ? 4 : 3;
    const cs__json *seeds = NULL;
    int rc = cs__json_get_object(root, "seeds", &seeds, path);
    for (int i = 0; rc == CS_OK && i < n; ++i) {
        const char *v = NULL;
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)want[i]);
        rc = cs__json_get_string(seeds, keys[i], &v, path);
        if (rc == CS_OK && strcmp(v, hex) != 0)
            rc = cs__error(CS_ERR_CORRUPT, "%s: the %s seed is \"%s\"; the configuration derives %s", path, keys[i], v,
                           hex);
    }
    return rc;
}

/* What the file is, and of which cell: checked before its checksum so that a file of another
 * format, cell or configuration is named as such. */
static int check_identity(const cs__json *root, const char *path, const char *kind, const cs__study_config *cfg,
                          const char *hash, int version, int mi, int ci, int ri)
{
    long long v = 0;
    int rc = cs__study_identity_check(root, path, kind, "holds", hash, cfg->models[mi].name, cfg->conds[ci].name, ri);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "version", 1, 1000000, &v, path);
    if (rc == CS_OK && v != version)
        rc = cs__error(CS_ERR_FORMAT, "%s has store format version %lld; this store is version %d", path, v,
                       version);
    return rc;
}

static int check_common(const cs__json *root, const char *path, const cs__study_config *cfg, int mi, int ci,
                        int ri, size_t *train_size, int *threads)
{
    long long t = 0;
    int rc = check_seeds(root, path, cfg, mi, ci, ri);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "threads", 1, 256, &t, path);
    if (rc == CS_OK && t != cfg->models[mi].threads)
        rc = cs__error(CS_ERR_CORRUPT, "%s: trained with %lld threads; the configuration says %d", path, t,
                       cfg->models[mi].threads);
    if (rc == CS_OK)
        rc = cs__study_json_size(root, "train_size", train_size, path);
    if (rc == CS_OK && (*train_size < 1 || *train_size > cfg->train_size))
        rc = cs__error(CS_ERR_CORRUPT, "%s: train_size %zu; the study's training set has %zu records", path,
                       *train_size, cfg->train_size);
    if (rc == CS_OK && cfg->conds[ci].family == CS_CONDITION_BASELINE && *train_size != cfg->train_size)
        rc = cs__error(CS_ERR_CORRUPT, "%s: a baseline cell with train_size %zu; the study's training set has %zu",
                       path, *train_size, cfg->train_size);
    *threads = (int)t;
    return rc;
}

/* The `epochs` array: exactly n entries numbered 1..n, finite losses, accuracies that are a
 * fraction of the training set's size, finite learning rates; into trace when not NULL. */
static int check_trace(const cs__json *root, const char *path, int n, int of, size_t train_size,
                       cs_epoch_report *trace)
{
    const cs__json *epochs = NULL;
    int rc = cs__json_get_array(root, "epochs", &epochs, path);
    if (rc == CS_OK && cs__json_len(epochs) != (size_t)n)
        rc = cs__error(CS_ERR_CORRUPT, "%s: %zu epochs recorded; expected %d", path, cs__json_len(epochs), n);
    for (int e = 0; rc == CS_OK && e < n; ++e) {
        const cs__json *o = cs__json_at(epochs, (size_t)e);
        char where[48];
        snprintf(where, sizeof where, "epoch %d: ", e + 1);
        cs_epoch_report er;
        memset(&er, 0, sizeof er);
        long long ep = 0;
        rc = cs__json_get_int(o, "epoch", 1, 100000, &ep, path);
        if (rc == CS_OK && ep != e + 1)
            rc = cs__error(CS_ERR_CORRUPT, "%s: entry %d of \"epochs\" is numbered %lld", path, e + 1, ep);
        if (rc == CS_OK)
            rc = get_finite(o, "loss", &er.loss, path, where);
        if (rc == CS_OK)
            rc = get_finite(o, "accuracy", &er.accuracy, path, where);
        if (rc == CS_OK)
            rc = get_finite(o, "lr", &er.lr, path, where);
        if (rc == CS_OK) {
            /* Training accuracy is correct / records: a whole count of the training set. */
            const double correct = floor(er.accuracy * (double)train_size + 0.5);
            if (!(er.accuracy <= 1.0) || correct / (double)train_size != er.accuracy)
                rc = cs__error(CS_ERR_CORRUPT, "%s: epoch %d's training accuracy %.17g is not a count of the %zu "
                               "training records", path, e + 1, er.accuracy, train_size);
        }
        er.epoch = (int)ep;
        er.epochs = of;
        if (rc == CS_OK && trace)
            trace[e] = er;
    }
    return rc;
}

/* One perturbation report (`key` of root) against itself and the sizes it must start from and end
 * at: a noise report (noise set) keeps every record, a reduction changes no label. Its class counts
 * before and after go to v[0..2k) (v holds k (k + 2) doubles of scratch). */
static int check_report(const cs__json *root, const char *key, const char *path, const char *cond, size_t k,
                        int noise, size_t want_before, size_t want_after, size_t *changed, double *flip_rate,
                        double *v)
{
    const cs__json *pert = cs__json_get(root, key);
    if (cs__json_type_of(pert) != CS__JSON_OBJECT)
        return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" must be an object (the cell of %s)", path, key, cond);
    double *before = v, *after = v + k, *trans = v + 2 * k;
    size_t size_before = 0, size_after = 0, selected = 0;
    int rc = cs__study_json_size(pert, "size_before", &size_before, path);
    if (rc == CS_OK)
        rc = cs__study_json_size(pert, "size_after", &size_after, path);
    if (rc == CS_OK)
        rc = cs__study_json_size(pert, "selected", &selected, path);
    if (rc == CS_OK)
        rc = cs__study_json_size(pert, "changed", changed, path);
    if (rc == CS_OK)
        rc = cs__json_get_number(pert, "flip_rate", flip_rate, path);
    if (rc == CS_OK)
        rc = get_counts(pert, "class_counts_before", before, k, path);
    if (rc == CS_OK)
        rc = get_counts(pert, "class_counts_after", after, k, path);
    const cs__json *rows = NULL;
    if (rc == CS_OK)
        rc = cs__json_get_array(pert, "transitions", &rows, path);
    if (rc == CS_OK && cs__json_len(rows) != k)
        rc = cs__error(CS_ERR_FORMAT, "%s: the transition matrix has %zu rows; expected %zu", path, cs__json_len(rows),
                       k);
    for (size_t i = 0; rc == CS_OK && i < k; ++i)
        rc = get_counts(cs__json_at(rows, i), NULL, trans + i * k, k, path);
    if (rc != CS_OK)
        return rc;
    double sum_before = 0, sum_after = 0, total = 0, off = 0;
    for (size_t i = 0; i < k; ++i) {
        sum_before += before[i];
        sum_after += after[i];
        double row = 0, col = 0;
        for (size_t j = 0; j < k; ++j) {
            row += trans[i * k + j];
            col += trans[j * k + i];
            off += i != j ? trans[i * k + j] : 0.0;
        }
        total += row;
        if (col != after[i] || row > before[i] || (noise && row != before[i]))
            return cs__error(CS_ERR_CORRUPT, "%s: %s: class %zu: the transition matrix holds %.0f records of it and "
                             "labels %.0f with it, but the class counts say %.0f before and %.0f after", path, key, i,
                             row, col, before[i], after[i]);
    }
    const char *bad = NULL;
    if (size_before != want_before)
        bad = "size_before is not the size of the set it starts from";
    else if (size_after != want_after)
        bad = "size_after is not the cell's train_size";
    else if (sum_before != (double)size_before || sum_after != (double)size_after || total != (double)size_after)
        bad = "the class counts or the transition matrix do not add up to size_before and size_after";
    else if (off != (double)*changed)
        bad = "changed is not the number of records off the transition matrix's diagonal";
    else if (*flip_rate != (double)*changed / (double)size_before)
        bad = "flip_rate is not changed / size_before";
    else if (noise && (size_after != size_before || selected < *changed || selected > size_before))
        bad = "a label-noise cell must keep every record and select between changed and size_before records";
    else if (!noise && (*changed != 0 || selected != size_before - size_after))
        bad = "a reduction must change no label and select exactly the records it removed";
    if (bad)
        return cs__error(CS_ERR_CORRUPT, "%s: the report \"%s\" disagrees with itself: %s (size_before %zu, "
                         "size_after %zu, selected %zu, changed %zu, flip_rate %.17g; expected size_before %zu, "
                         "size_after %zu)", path, key, bad, size_before, size_after, selected, *changed, *flip_rate,
                         want_before, want_after);
    return CS_OK;
}

/* The perturbation report(s) against themselves, the training size and the condition's family. A
 * perturbed cell's class counts before and after it go to *class_counts (2k, owned by the
 * caller) and the records per class before any label noise to *volume (k, owned); the
 * baseline's stay NULL. A grid cell's reduction report starts from the study's training set and
 * ends where its noise report starts: *class_counts holds the reduction's "before" and the
 * noise's "after". */
static int check_perturbation(const cs__json *root, const char *path, const cs__study_config *cfg, int ci,
                              size_t train_size, size_t *changed, double *flip_rate, double **class_counts,
                              double **volume)
{
    const cs__study_condition *c = &cfg->conds[ci];
    *changed = 0;
    *flip_rate = 0.0;
    if (c->family == CS_CONDITION_BASELINE) {
        const cs__json *pert = cs__json_get(root, "perturbation");
        if (!pert || cs__json_type_of(pert) != CS__JSON_NULL)
            return cs__error(CS_ERR_FORMAT, "%s: a baseline cell's \"perturbation\" must be null", path);
        return CS_OK;
    }
    const size_t k = (size_t)cfg->k;
    double *v = malloc(sizeof *v * k * (k + 2) * 2);
    if (!v)
        return cs__error_oom("perturbation report", sizeof *v * k * (k + 2) * 2);
    double *red = v + k * (k + 2);
    const int grid = c->family == CS_CONDITION_GRID;
    const int noise = c->family == CS_CONDITION_NOISE || grid;
    size_t red_changed = 0;
    double red_flip = 0.0;
    int rc = CS_OK;
    if (grid)
        rc = check_report(root, "reduction", path, c->name, k, 0, cfg->train_size, train_size, &red_changed, &red_flip,
                          red);
    else if (cs__json_get(root, "reduction"))
        rc = cs__error(CS_ERR_FORMAT, "%s: a cell of %s has a member \"reduction\"; only grid cells do", path,
                       c->name);
    if (rc == CS_OK)
        rc = check_report(root, "perturbation", path, c->name, k, noise, grid ? train_size : cfg->train_size,
                          train_size, changed, flip_rate, v);
    for (size_t i = 0; rc == CS_OK && grid && i < k; ++i)
        if (v[i] != red[k + i])
            rc = cs__error(CS_ERR_CORRUPT, "%s: class %zu: the noise stage starts from %.0f records of it but the "
                           "reduction stage kept %.0f", path, i, v[i], red[k + i]);
    if (rc == CS_OK && (!(*class_counts = malloc(sizeof **class_counts * 2 * k)) ||
                        !(*volume = malloc(sizeof **volume * k))))
        rc = cs__error_oom("class counts", sizeof **class_counts * 3 * k);
    if (rc == CS_OK) {
        memcpy(*class_counts, grid ? red : v, sizeof *v * k);
        memcpy(*class_counts + k, v + k, sizeof *v * k);
        /* The records drawn, by true class: a noise moves labels, not records. */
        memcpy(*volume, grid ? red + k : c->family == CS_CONDITION_NOISE ? v : v + k, sizeof *v * k);
    }
    free(v);
    return rc;
}

/* The optional reference to the cell's record-score sidecar: its file name (the cell's own),
 * size and CRC-32. */
static int check_scores_ref(cs__cell_data *d, const cs__json *root, const char *path, const cs__study_config *cfg,
                            int mi, int ci, int ri)
{
    const cs__json *ref = cs__json_get(root, "record_scores");
    if (!ref)
        return CS_OK;
    if (cs__json_type_of(ref) != CS__JSON_OBJECT)
        return cs__error(CS_ERR_FORMAT, "%s: member \"record_scores\" must be an object", path);
    const char *file = NULL, *crc = NULL;
    char want[512];
    int rc = cs__study_records_path(want, sizeof want, cfg->models[mi].name, cfg->conds[ci].name, ri);
    if (rc == CS_OK)
        rc = cs__json_get_string(ref, "file", &file, path);
    if (rc == CS_OK && strcmp(file, want) != 0)
        rc = cs__error(CS_ERR_CORRUPT, "%s: record_scores names \"%s\"; the cell's file is \"%s\"", path, file, want);
    if (rc == CS_OK)
        rc = cs__study_json_size(ref, "bytes", &d->scores_bytes, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(ref, "crc32", &crc, path);
    unsigned v = 0;
    int used = 0;
    if (rc == CS_OK && (strlen(crc) != 8 || sscanf(crc, "%8x%n", &v, &used) != 1 || used != 8))
        rc = cs__error(CS_ERR_FORMAT, "%s: record_scores crc32 \"%s\"; expected 8 hex digits", path, crc);
    d->scores_crc = (uint32_t)v;
    d->has_scores = rc == CS_OK;
    return rc;
}

int cs__study_cell_read(cs__cell_data *d, const char *text, size_t len, const char *path,
                        const cs__study_config *cfg, const char *hash, int version, int mi, int ci, int ri,
                        const double *class_totals)
{
    memset(d, 0, sizeof *d);
    const size_t k = (size_t)cfg->k;
    const int epochs = cfg->models[mi].train.epochs;
    cs__json *root = NULL;
    const cs__json *confusion = NULL, *timing = NULL, *secs = NULL;
    /* A text that does not parse is refused with the parser's line and column first. */
    int rc = cs__json_parse(&root, text, len, path);
    if (rc == CS_OK)
        rc = check_identity(root, path, "classsens-cell", cfg, hash, version, mi, ci, ri);
    if (rc == CS_OK)
        rc = cs__study_checksum_check(text, len, path, version >= 4, "");
    if (rc == CS_OK)
        rc = check_common(root, path, cfg, mi, ci, ri, &d->train_size, &d->threads);
    if (rc == CS_OK)
        rc = check_perturbation(root, path, cfg, ci, d->train_size, &d->changed, &d->flip_rate,
                                &d->class_counts, &d->volume_counts);
    if (rc == CS_OK && !(d->trace = calloc((size_t)epochs, sizeof *d->trace)))
        rc = cs__error_oom("cell trace", sizeof *d->trace * (size_t)epochs);
    if (rc == CS_OK)
        rc = check_trace(root, path, epochs, epochs, d->train_size, d->trace);
    if (rc == CS_OK)
        d->epochs = epochs;
    if (rc == CS_OK)
        rc = cs__json_get_number(root, "test_accuracy", &d->accuracy, path);
    if (rc == CS_OK)
        rc = cs__json_get_array(root, "confusion", &confusion, path);
    if (rc == CS_OK && cs__json_len(confusion) != k)
        rc = cs__error(CS_ERR_FORMAT, "%s: the confusion matrix has %zu rows; expected %zu", path,
                       cs__json_len(confusion), k);
    if (rc == CS_OK && !(d->counts = malloc(sizeof *d->counts * k * k)))
        rc = cs__error_oom("confusion counts", sizeof *d->counts * k * k);
    double total = 0.0, correct = 0.0;
    for (size_t i = 0; rc == CS_OK && i < k; ++i) {
        rc = get_counts(cs__json_at(confusion, i), NULL, d->counts + i * k, k, path);
        double row = 0.0;
        for (size_t j = 0; rc == CS_OK && j < k; ++j)
            row += d->counts[i * k + j];
        if (rc == CS_OK && class_totals && row != class_totals[i])
            rc = cs__error(CS_ERR_CORRUPT, "%s: row %zu of the confusion matrix counts %.0f test records of class %zu; "
                           "the test set has %.0f", path, i, row, i, class_totals[i]);
        if (rc == CS_OK) {
            total += row;
            correct += d->counts[i * k + i];
        }
    }
    if (rc == CS_OK && total != (double)cfg->test_size)
        rc = cs__error(CS_ERR_CORRUPT, "%s: the confusion matrix counts %.0f test records; the study has %zu", path,
                       total, cfg->test_size);
    if (rc == CS_OK && d->accuracy != correct / total)
        rc = cs__error(CS_ERR_CORRUPT, "%s: test_accuracy is %.17g but the confusion matrix gives %.0f / %.0f = %.17g",
                       path, d->accuracy, correct, total, correct / total);
    if (rc == CS_OK)
        rc = check_scores_ref(d, root, path, cfg, mi, ci, ri);
    if (rc == CS_OK)
        rc = cs__json_get_object(root, "timing", &timing, path);
    if (rc == CS_OK)
        rc = get_finite(timing, "train_seconds", &d->train_seconds, path, "timing: ");
    if (rc == CS_OK)
        rc = get_finite(timing, "test_seconds", &d->test_seconds, path, "timing: ");
    if (rc == CS_OK)
        rc = cs__json_get_array(timing, "epoch_seconds", &secs, path);
    if (rc == CS_OK && cs__json_len(secs) != (size_t)epochs)
        rc = cs__error(CS_ERR_CORRUPT, "%s: %zu epoch_seconds; expected %d", path, cs__json_len(secs), epochs);
    for (int e = 0; rc == CS_OK && e < epochs; ++e) {
        double t = cs__json_number(cs__json_at(secs, (size_t)e));
        if (!(isfinite(t) && t >= 0.0))
            rc = cs__error(CS_ERR_CORRUPT, "%s: epoch_seconds entry %d is not a finite number >= 0", path, e + 1);
        d->trace[e].seconds = t;
    }
    cs__json_free(root);
    if (rc != CS_OK)
        cs__cell_data_free(d);
    return rc;
}

int cs__study_failed_read(cs__failed_data *d, const char *text, size_t len, const char *path,
                          const cs__study_config *cfg, const char *hash, int version, int mi, int ci, int ri)
{
    memset(d, 0, sizeof *d);
    cs__json *root = NULL;
    const char *status = NULL, *reason = NULL;
    const cs__json *timing = NULL;
    long long epoch = 0;
    size_t train_size = 0;
    int threads = 0;
    const int epochs = cfg->models[mi].train.epochs;
    int rc = version < 4 ? cs__error(CS_ERR_CORRUPT, "%s: a failed cell in a store of format version %d, which has "
                                     "none", path, version)
                         : cs__json_parse(&root, text, len, path);
    if (rc == CS_OK)
        rc = check_identity(root, path, "classsens-failed-cell", cfg, hash, version, mi, ci, ri);
    if (rc == CS_OK)
        rc = cs__study_checksum_check(text, len, path, 1, "");
    if (rc == CS_OK)
        rc = check_common(root, path, cfg, mi, ci, ri, &train_size, &threads);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "status", &status, path);
    if (rc == CS_OK && strcmp(status, cs_status_str(CS_ERR_DIVERGED)) != 0)
        rc = cs__error(CS_ERR_CORRUPT, "%s: status \"%s\"; a failed cell records \"%s\"", path, status,
                       cs_status_str(CS_ERR_DIVERGED));
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "epoch", 1, epochs, &epoch, path);
    if (rc == CS_OK)
        rc = cs__json_get_string(root, "reason", &reason, path);
    if (rc == CS_OK && (!*reason || strlen(reason) > 4096))
        rc = cs__error(CS_ERR_CORRUPT, "%s: the reason has %zu bytes; expected 1 to 4096", path, strlen(reason));
    if (rc == CS_OK)
        rc = check_trace(root, path, (int)epoch - 1, epochs, train_size, NULL);
    if (rc == CS_OK)
        rc = cs__json_get_object(root, "timing", &timing, path);
    if (rc == CS_OK)
        rc = get_finite(timing, "train_seconds", &d->train_seconds, path, "timing: ");
    if (rc == CS_OK && !(d->reason = strdup(reason)))
        rc = cs__error_oom("failure reason", strlen(reason) + 1);
    d->status = CS_ERR_DIVERGED;
    d->epoch = (int)epoch;
    cs__json_free(root);
    if (rc != CS_OK)
        cs__failed_data_free(d);
    return rc;
}
