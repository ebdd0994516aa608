/* Reading a results store back: its configuration (study.json, through the store's one reader,
 * cs__study_store_parse), every finished cell, and the claims of the cells being trained. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "study/study_internal.h"

/* Who trains a cell that is not finished (a `running/` file); strings bounded as below. */
#define CLAIM_WORKER_MAX CS__STUDY_WORKER_MAX
#define CLAIM_HOST_MAX 255
typedef struct claim_slot {
    char worker[CLAIM_WORKER_MAX + 1];
    char host[CLAIM_HOST_MAX + 1];
    long long pid;
    double since;
} claim_slot;

typedef struct cell_slot {
    int present;
    claim_slot *claim;         /* NULL: nobody claims it (always NULL when present) */
    cs__failed_data *failed;   /* NULL: not failed (always NULL when present) */
    cs_confusion *cm;
    cs_epoch_report *trace;
    size_t *class_counts;      /* k: training records per class after the perturbation; NULL for
                                  the baseline (the store's train_counts) */
    size_t *volume_counts;     /* k: records per class before any label noise; NULL likewise */
    int epochs;
    double accuracy;
    size_t train_size, changed;
    double flip_rate, train_seconds, test_seconds;
    int threads;
    int has_scores;            /* the cell file references a record-score sidecar */
    size_t scores_bytes;
    uint32_t scores_crc;
} cell_slot;

struct cs_results {
    cs__study_config cfg;
    char hash[17];
    cell_slot *cells;
    int finished, failed;
    double *class_totals;      /* k: the test records per class, from the first finished cell */
    double *train_counts;      /* k: the training records per class before any perturbation, from
                                  the first finished perturbed cell's report; NULL when the store
                                  has none */
    char *dir;                 /* the store's directory (the sidecars are read on demand) */
};

#define MAX_FILE ((size_t)256 << 20)
#define MAX_CLAIM_FILE ((size_t)64 << 10)

/* Every refusal of a file names it (the reader's message does) and says what to do. */
static int refuse(int rc, const char *todo)
{
    if (rc == CS_OK || rc == CS_ERR_OUT_OF_MEMORY || rc == CS_ERR_IO)
        return rc;
    return cs__error(rc == CS_ERR_FORMAT ? CS_ERR_FORMAT : CS_ERR_CORRUPT, "%s; %s", cs_last_error(), todo);
}

/* A finished cell, read and checked in full by the store's one reader of cell files. The first
 * one's confusion rows give the test set's class counts that every other cell must have. */
static int read_cell(cell_slot *slot, const char *path, cs_results *r, int mi, int ci, int replicate)
{
    char *text = NULL;
    size_t len = 0;
    int rc = cs__read_file(&text, &len, path, MAX_FILE);
    if (rc == CS_ERR_NOT_FOUND)
        return CS_OK; /* not finished */
    if (rc != CS_OK)
        return rc;
    const size_t k = (size_t)r->cfg.k;
    cs__cell_data d;
    rc = cs__study_cell_read(&d, text, len, path, &r->cfg, r->hash, r->cfg.version, mi, ci, replicate,
                             r->class_totals);
    if (rc == CS_OK && !r->class_totals) {
        if (!(r->class_totals = calloc(k, sizeof *r->class_totals)))
            rc = cs__error_oom("class totals", sizeof *r->class_totals * k);
        for (size_t i = 0; rc == CS_OK && i < k * k; ++i)
            r->class_totals[i / k] += d.counts[i];
    }
    /* Every perturbed cell records the same unperturbed training set's class counts: the
     * baseline's, which its own file does not record (a grid cell in its reduction stage's
     * report, whose noise stage starts from the reduced set). */
    if (rc == CS_OK && d.class_counts && !r->train_counts) {
        if (!(r->train_counts = malloc(sizeof *r->train_counts * k)))
            rc = cs__error_oom("training class counts", sizeof *r->train_counts * k);
        else
            memcpy(r->train_counts, d.class_counts, sizeof *r->train_counts * k);
    }
    for (size_t i = 0; rc == CS_OK && d.class_counts && i < k; ++i)
        if (d.class_counts[i] != r->train_counts[i])
            rc = cs__error(CS_ERR_CORRUPT, "%s: class_counts_before says %.0f training records of class %zu; the "
                           "other cells' reports say %.0f", path, d.class_counts[i], i, r->train_counts[i]);
    if (rc == CS_OK && d.class_counts && (!(slot->class_counts = malloc(sizeof *slot->class_counts * k)) ||
                                          !(slot->volume_counts = malloc(sizeof *slot->volume_counts * k))))
        rc = cs__error_oom("class counts", sizeof *slot->class_counts * 2 * k);
    for (size_t i = 0; rc == CS_OK && d.class_counts && i < k; ++i) {
        slot->class_counts[i] = (size_t)d.class_counts[k + i];
        slot->volume_counts[i] = (size_t)d.volume_counts[i];
    }
    if (rc == CS_OK)
        rc = cs_confusion_from_counts(&slot->cm, d.counts, (int)k);
    if (rc == CS_OK) {
        slot->present = 1;
        slot->trace = d.trace;
        d.trace = NULL;
        slot->epochs = d.epochs;
        slot->accuracy = d.accuracy;
        slot->train_size = d.train_size;
        slot->changed = d.changed;
        slot->flip_rate = d.flip_rate;
        slot->train_seconds = d.train_seconds;
        slot->test_seconds = d.test_seconds;
        slot->threads = d.threads;
        slot->has_scores = d.has_scores;
        slot->scores_bytes = d.scores_bytes;
        slot->scores_crc = d.scores_crc;
    }
    cs__cell_data_free(&d);
    free(text);
    return refuse(rc, "delete the file and run the study again to train that cell again");
}

/* A failed cell's file, if it is there (stores of format 4 on). */
static int read_failed(cell_slot *slot, const char *path, const cs_results *r, int mi, int ci, int replicate)
{
    char *text = NULL;
    size_t len = 0;
    int rc = cs__read_file(&text, &len, path, MAX_CLAIM_FILE);
    if (rc == CS_ERR_NOT_FOUND)
        return CS_OK;
    cs__failed_data *f = rc == CS_OK ? calloc(1, sizeof *f) : NULL;
    if (rc == CS_OK && !f)
        rc = cs__error_oom("failed cell", sizeof *f);
    if (rc == CS_OK)
        rc = cs__study_failed_read(f, text, len, path, &r->cfg, r->hash, r->cfg.version, mi, ci, replicate);
    if (rc == CS_OK)
        slot->failed = f;
    else
        free(f);
    free(text);
    return refuse(rc, "delete the file (the cell then counts as missing and the study trains it again)");
}

/* 1..max bytes of printable ASCII (what the status display prints as is). */
static int get_name(const cs__json *obj, const char *key, size_t max, char *dst, const char *what)
{
    const char *v = NULL;
    int rc = cs__json_get_string(obj, key, &v, what);
    if (rc != CS_OK)
        return rc;
    size_t n = strlen(v);
    if (n < 1 || n > max)
        return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" has %zu characters; expected 1 to %zu", what, key, n, max);
    for (size_t i = 0; i < n; ++i)
        if (v[i] < 0x20 || v[i] > 0x7e)
            return cs__error(CS_ERR_FORMAT, "%s: member \"%s\" holds the byte 0x%02x at %zu; expected printable "
                             "ASCII", what, key, (unsigned)(unsigned char)v[i], i);
    memcpy(dst, v, n + 1);
    return CS_OK;
}

/* The claim of an unfinished cell, if its file is there. Nothing in a claim is needed to read
 * the store, but one that is damaged or names another cell or configuration is refused rather
 * than shown: it was not written by this store's runner. */
static int read_claim(claim_slot **out, const char *path, const char *hash, const char *model, const char *cond,
                      int replicate)
{
    char *text = NULL;
    cs__json *root = NULL;
    claim_slot *c = NULL;
    *out = NULL;
    int rc = cs__read_file(&text, NULL, path, MAX_CLAIM_FILE);
    if (rc == CS_ERR_NOT_FOUND)
        return CS_OK; /* nobody claims it, or no running/ directory (older stores) */
    if (rc == CS_OK)
        rc = cs__json_parse(&root, text, strlen(text), path);
    if (rc == CS_OK)
        rc = cs__study_identity_check(root, path, "classsens-claim", "claims", hash, model, cond, replicate);
    if (rc == CS_OK && !(c = calloc(1, sizeof *c)))
        rc = cs__error_oom("claim", sizeof *c);
    if (rc == CS_OK)
        rc = get_name(root, "worker", CLAIM_WORKER_MAX, c->worker, path);
    if (rc == CS_OK)
        rc = get_name(root, "host", CLAIM_HOST_MAX, c->host, path);
    if (rc == CS_OK)
        rc = cs__json_get_int(root, "pid", 0, ((long long)1 << 53) - 1, &c->pid, path);
    if (rc == CS_OK)
        rc = cs__json_get_number(root, "since", &c->since, path);
    if (rc == CS_OK && !(isfinite(c->since) && c->since >= 0.0))
        rc = cs__error(CS_ERR_FORMAT, "%s: member \"since\" is %g; expected seconds since 1970 (>= 0)", path,
                       c->since);
    if (rc != CS_OK && rc != CS_ERR_OUT_OF_MEMORY && rc != CS_ERR_IO)
        rc = cs__error(CS_ERR_CORRUPT, "%s; a claim only says who trains a cell: delete it", cs_last_error());
    if (rc == CS_OK)
        *out = c;
    else
        free(c);
    cs__json_free(root);
    free(text);
    return rc;
}

int cs_results_open(cs_results **out, const char *store_dir)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_results_open: out is NULL");
    *out = NULL;
    if (!store_dir || !*store_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_results_open: store_dir is %s", store_dir ? "empty" : "NULL");
    size_t plen = strlen(store_dir) + 600;
    char *path = malloc(plen);
    if (!path)
        return cs__error_oom("path", plen);
    snprintf(path, plen, "%s/" CS__STUDY_CONFIG_FILE, store_dir);
    char *text = NULL;
    cs_results *r = calloc(1, sizeof *r);
    int rc = r ? CS_OK : cs__error_oom("results", sizeof *r);
    if (rc == CS_OK && !(r->dir = strdup(store_dir)))
        rc = cs__error_oom("store path", strlen(store_dir) + 1);
    if (rc == CS_OK) {
        rc = cs__read_file(&text, NULL, path, MAX_FILE);
        if (rc == CS_ERR_NOT_FOUND)
            rc = cs__error(CS_ERR_NOT_FOUND, "%s is not a results store: %s does not exist", store_dir, path);
    }
    if (rc == CS_OK)
        rc = cs__study_store_parse(&r->cfg, r->hash, NULL, text, strlen(text), path, 0);
    const cs__study_config *cfg = &r->cfg;
    const size_t n_cells = rc == CS_OK ? (size_t)cfg->n_models * (size_t)cfg->n_conds * (size_t)cfg->replicates : 0;
    if (rc == CS_OK && !(r->cells = calloc(n_cells, sizeof *r->cells)))
        rc = cs__error_oom("cells", sizeof *r->cells * n_cells);
    for (size_t i = 0; rc == CS_OK && i < n_cells; ++i) {
        const int rep = (int)(i % (size_t)cfg->replicates);
        const int ci = (int)(i / (size_t)cfg->replicates % (size_t)cfg->n_conds);
        const int mi = (int)(i / ((size_t)cfg->replicates * (size_t)cfg->n_conds));
        const cs__study_model *m = &cfg->models[mi];
        char rel[512];
        rc = cs__study_cell_path(rel, sizeof rel, m->name, cfg->conds[ci].name, rep);
        if (rc == CS_OK) {
            snprintf(path, plen, "%s/%s", store_dir, rel);
            rc = read_cell(&r->cells[i], path, r, mi, ci, rep);
        }
        if (rc != CS_OK)
            break;
        if (r->cells[i].present) {
            /* Not even read: a process killed after storing its cell leaves its claim behind,
             * and a retried cell that finished replaces its failure. */
            r->finished++;
            continue;
        }
        rc = cs__study_failed_path(rel, sizeof rel, m->name, cfg->conds[ci].name, rep);
        if (rc == CS_OK) {
            snprintf(path, plen, "%s/%s", store_dir, rel);
            rc = read_failed(&r->cells[i], path, r, mi, ci, rep);
        }
        if (rc != CS_OK)
            break;
        r->failed += r->cells[i].failed != NULL;
        rc = cs__study_claim_path(rel, sizeof rel, m->name, cfg->conds[ci].name, rep);
        if (rc == CS_OK) {
            snprintf(path, plen, "%s/%s", store_dir, rel);
            rc = read_claim(&r->cells[i].claim, path, r->hash, m->name, cfg->conds[ci].name, rep);
        }
    }
    free(text);
    free(path);
    if (rc != CS_OK) {
        cs_results_destroy(r);
        return rc;
    }
    *out = r;
    return CS_OK;
}

void cs_results_destroy(cs_results *r)
{
    if (!r)
        return;
    if (r->cells) {
        size_t n = (size_t)r->cfg.n_models * (size_t)r->cfg.n_conds * (size_t)r->cfg.replicates;
        for (size_t i = 0; i < n; ++i) {
            cs_confusion_destroy(r->cells[i].cm);
            free(r->cells[i].trace);
            free(r->cells[i].class_counts);
            free(r->cells[i].volume_counts);
            free(r->cells[i].claim);
            cs__failed_data_free(r->cells[i].failed);
            free(r->cells[i].failed);
        }
    }
    free(r->cells);
    free(r->class_totals);
    free(r->train_counts);
    free(r->dir);
    cs__study_config_free(&r->cfg);
    free(r);
}

const char *cs_results_data_name(const cs_results *r) { return r ? r->cfg.data_name : NULL; }
const char *cs_results_config_hash(const cs_results *r) { return r ? r->hash : NULL; }
int cs_results_num_classes(const cs_results *r) { return r ? r->cfg.k : 0; }
int cs_results_replicates(const cs_results *r) { return r ? r->cfg.replicates : 0; }
size_t cs_results_train_size(const cs_results *r) { return r ? r->cfg.train_size : 0; }
size_t cs_results_test_size(const cs_results *r) { return r ? r->cfg.test_size : 0; }
int cs_results_num_models(const cs_results *r) { return r ? r->cfg.n_models : 0; }
int cs_results_num_conditions(const cs_results *r) { return r ? r->cfg.n_conds : 0; }
int cs_results_cells_finished(const cs_results *r) { return r ? r->finished : -1; }
int cs_results_cells_failed(const cs_results *r) { return r ? r->failed : -1; }

const char *cs_results_class_name(const cs_results *r, int k)
{
    return r && k >= 0 && k < r->cfg.k ? r->cfg.class_names[k] : NULL;
}

const char *cs_results_model_name(const cs_results *r, int i)
{
    return r && i >= 0 && i < r->cfg.n_models ? r->cfg.models[i].name : NULL;
}

const char *cs_results_model_arch(const cs_results *r, int i)
{
    return r && i >= 0 && i < r->cfg.n_models ? r->cfg.models[i].arch : NULL;
}

double cs_results_model_width(const cs_results *r, int i)
{
    return r && i >= 0 && i < r->cfg.n_models ? r->cfg.models[i].width : NAN;
}

int cs_results_model_train_options(cs_train_options *out, const cs_results *r, int i)
{
    if (!r || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_results_model_train_options: %s is NULL", !r ? "results" : "out");
    if (i < 0 || i >= r->cfg.n_models)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_results_model_train_options: model %d; the store has %d", i,
                         r->cfg.n_models);
    if (out->struct_size < sizeof(size_t) + sizeof(int))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_results_model_train_options: out->struct_size is %zu",
                         out->struct_size);
    size_t n = out->struct_size < sizeof *out ? out->struct_size : sizeof *out;
    size_t keep = out->struct_size;
    memcpy(out, &r->cfg.models[i].train, n);
    out->struct_size = keep;
    return CS_OK;
}

const char *cs_results_condition_name(const cs_results *r, int j)
{
    return r && j >= 0 && j < r->cfg.n_conds ? r->cfg.conds[j].name : NULL;
}

int cs_results_condition_family(cs_condition_family *out, const cs_results *r, int j)
{
    if (!out || !r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_results_condition_family: %s is NULL", !out ? "out" : "results");
    if (j < 0 || j >= r->cfg.n_conds)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_results_condition_family: condition %d; the store has %d", j,
                         r->cfg.n_conds);
    *out = r->cfg.conds[j].family;
    return CS_OK;
}

double cs_results_condition_level(const cs_results *r, int j)
{
    return r && j >= 0 && j < r->cfg.n_conds ? r->cfg.conds[j].level : NAN;
}

/* The slot of (model, condition, replicate), for the public function `fn`; CS_ERR_OUT_OF_RANGE
 * outside the store. */
static int slot_of(const cell_slot **out, const cs_results *r, const char *fn, int model, int condition,
                   int replicate)
{
    if (model < 0 || model >= r->cfg.n_models || condition < 0 || condition >= r->cfg.n_conds || replicate < 0 ||
        replicate >= r->cfg.replicates)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: (model %d, condition %d, replicate %d) outside the store's %d x %d x %d",
                         fn, model, condition, replicate, r->cfg.n_models, r->cfg.n_conds, r->cfg.replicates);
    *out = &r->cells[((size_t)model * (size_t)r->cfg.n_conds + (size_t)condition) * (size_t)r->cfg.replicates +
                     (size_t)replicate];
    return CS_OK;
}

/* The finished cell's slot, for `fn`; CS_ERR_NOT_FOUND when it is not finished. */
static int finished_slot(const cell_slot **out, const cs_results *r, const char *fn, int model, int condition,
                         int replicate)
{
    int rc = slot_of(out, r, fn, model, condition, replicate);
    if (rc == CS_OK && !(*out)->present)
        rc = cs__error(CS_ERR_NOT_FOUND, "%s: (%s, %s, replicate %d) %s", fn, r->cfg.models[model].name,
                       r->cfg.conds[condition].name, replicate,
                       (*out)->failed ? "failed (its training diverged)" : "is not finished yet");
    return rc;
}

/* The checks every per-cell getter makes before it copies a struct out: `r` and `out` set, the
 * caller's struct_size (the first member of every cs_* out struct) at least `min_size`, the cell in
 * range and, when `finished`, finished. `type` names the struct in the message. */
static int cell_getter_slot(const cell_slot **s, const cs_results *r, const void *out, const char *fn,
                            const char *type, size_t min_size, int finished, int model, int condition, int replicate)
{
    if (!r || !out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !r ? "results" : "out");
    const size_t struct_size = *(const size_t *)out;
    if (struct_size < min_size)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out->struct_size is %zu; set it to sizeof(%s)", fn,
                         struct_size, type);
    return finished ? finished_slot(s, r, fn, model, condition, replicate)
                    : slot_of(s, r, fn, model, condition, replicate);
}

int cs_results_cell(cs_cell_result *out, const cs_results *r, int model, int condition, int replicate)
{
    const cell_slot *s = NULL;
    int rc = cell_getter_slot(&s, r, out, "cs_results_cell", "cs_cell_result", sizeof(size_t) + sizeof(void *), 1,
                              model, condition, replicate);
    if (rc != CS_OK)
        return rc;
    cs_cell_result c;
    c.struct_size = out->struct_size;
    c.confusion = s->cm;
    c.test_accuracy = s->accuracy;
    c.epochs = s->epochs;
    c.trace = s->trace;
    c.train_size = s->train_size;
    c.changed = s->changed;
    c.flip_rate = s->flip_rate;
    c.train_seconds = s->train_seconds;
    c.test_seconds = s->test_seconds;
    c.threads = s->threads;
    c.trace_stride = sizeof *s->trace;
    memcpy(out, &c, out->struct_size < sizeof c ? out->struct_size : sizeof c);
    return CS_OK;
}

/* A finished cell's counts per class (`volume`: before any label noise), for `fn`. */
static int cell_counts(size_t *counts, int k, const cs_results *r, int model, int condition, int replicate,
                       int volume, const char *fn)
{
    if (!r || !counts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !r ? "results" : "counts");
    if (k != r->cfg.k)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d; the store has %d classes", fn, k, r->cfg.k);
    const cell_slot *s = NULL;
    int rc = finished_slot(&s, r, fn, model, condition, replicate);
    if (rc != CS_OK)
        return rc;
    if (!s->class_counts && !r->train_counts)
        return cs__error(CS_ERR_STATE, "%s: the class counts of (%s, %s, replicate %d) are unknown: a baseline "
                         "cell's file does not record them, and the store holds no finished perturbed cell, whose "
                         "report does (class_counts_before)", fn, r->cfg.models[model].name,
                         r->cfg.conds[condition].name, replicate);
    const size_t *own = volume ? s->volume_counts : s->class_counts;
    for (int i = 0; i < k; ++i)
        counts[i] = own ? own[i] : (size_t)r->train_counts[i];
    return CS_OK;
}

int cs_results_cell_class_counts(size_t *counts, int k, const cs_results *r, int model, int condition, int replicate)
{
    return cell_counts(counts, k, r, model, condition, replicate, 0, "cs_results_cell_class_counts");
}

int cs_results_cell_volume_counts(size_t *counts, int k, const cs_results *r, int model, int condition, int replicate)
{
    return cell_counts(counts, k, r, model, condition, replicate, 1, "cs_results_cell_volume_counts");
}

int cs_results_condition_grid(int *noise, int *reduce, const cs_results *r, int j)
{
    static const char fn[] = "cs_results_condition_grid";
    if (!r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: results is NULL", fn);
    if (j < 0 || j >= r->cfg.n_conds)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: condition %d; the store has %d", fn, j, r->cfg.n_conds);
    const cs__study_condition *c = &r->cfg.conds[j];
    if (c->family != CS_CONDITION_GRID)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: condition %d (%s) is a %s condition, not a grid point", fn, j,
                         c->name, cs__condition_family_name(c->family));
    if (noise)
        *noise = c->noise;
    if (reduce)
        *reduce = c->reduce;
    return CS_OK;
}

int cs_results_grid_cell(int *cond, const cs_results *r, int noise, int reduce)
{
    static const char fn[] = "cs_results_grid_cell";
    if (!r || !cond)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !r ? "results" : "cond");
    const int n = r->cfg.n_conds;
    if (noise < 0 || noise >= n || reduce < 0 || reduce >= n)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: conditions (%d, %d); the store has %d", fn, noise, reduce, n);
    if (noise && r->cfg.conds[noise].family != CS_CONDITION_NOISE)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: condition %d (%s) is not a noise condition", fn, noise,
                         r->cfg.conds[noise].name);
    if (reduce && r->cfg.conds[reduce].family != CS_CONDITION_REDUCTION)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: condition %d (%s) is not a reduction condition", fn, reduce,
                         r->cfg.conds[reduce].name);
    if (!noise || !reduce) {
        *cond = noise ? noise : reduce;
        return CS_OK;
    }
    for (int j = 0; j < n; ++j)
        if (r->cfg.conds[j].family == CS_CONDITION_GRID && r->cfg.conds[j].noise == noise &&
            r->cfg.conds[j].reduce == reduce) {
            *cond = j;
            return CS_OK;
        }
    return cs__error(CS_ERR_NOT_FOUND, "%s: the study has no grid point of %s and %s", fn, r->cfg.conds[reduce].name,
                     r->cfg.conds[noise].name);
}

int cs_results_cell_trace(cs_epoch_report *out, size_t elem_size, int max, int *count, const cs_results *r,
                          int model, int condition, int replicate)
{
    if (!r || (!out && max > 0) || max < 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_results_cell_trace: %s", !r ? "results is NULL"
                         : max < 0 ? "max is negative" : "out is NULL with max > 0");
    if (count)
        *count = 0;
    int rc = cs__elem_size_check("cs_results_cell_trace", "cs_epoch_report", elem_size, sizeof(int),
                                 sizeof(cs_epoch_report));
    if (rc != CS_OK)
        return rc;
    const cell_slot *s = NULL;
    rc = finished_slot(&s, r, "cs_results_cell_trace", model, condition, replicate);
    if (rc != CS_OK)
        return rc;
    int n = s->epochs < max ? s->epochs : max;
    for (int e = 0; e < n; e++)
        memcpy((char *)out + (size_t)e * elem_size, &s->trace[e], elem_size);
    if (count)
        *count = n;
    return CS_OK;
}

int cs_results_cell_claim(cs_study_claim *out, const cs_results *r, int model, int condition, int replicate)
{
    const cell_slot *s = NULL;
    int rc = cell_getter_slot(&s, r, out, "cs_results_cell_claim", "cs_study_claim",
                              sizeof(size_t) + sizeof(const char *), 0, model, condition, replicate);
    if (rc != CS_OK)
        return rc;
    if (!s->claim)
        return cs__error(CS_ERR_NOT_FOUND, "cs_results_cell_claim: nobody claims (%s, %s, replicate %d)%s",
                         r->cfg.models[model].name, r->cfg.conds[condition].name, replicate,
                         s->present ? ": it is finished" : "");
    cs_study_claim c;
    c.struct_size = out->struct_size;
    c.worker = s->claim->worker;
    c.host = s->claim->host;
    c.pid = s->claim->pid;
    c.since = s->claim->since;
    memcpy(out, &c, out->struct_size < sizeof c ? out->struct_size : sizeof c);
    return CS_OK;
}

int cs_results_cell_failure(cs_cell_failure *out, const cs_results *r, int model, int condition, int replicate)
{
    const cell_slot *s = NULL;
    int rc = cell_getter_slot(&s, r, out, "cs_results_cell_failure", "cs_cell_failure", sizeof(size_t) + sizeof(int),
                              0, model, condition, replicate);
    if (rc != CS_OK)
        return rc;
    if (!s->failed)
        return cs__error(CS_ERR_NOT_FOUND, "cs_results_cell_failure: (%s, %s, replicate %d) has not failed%s",
                         r->cfg.models[model].name, r->cfg.conds[condition].name, replicate,
                         s->present ? ": it is finished" : "");
    cs_cell_failure f;
    f.struct_size = out->struct_size;
    f.status = s->failed->status;
    f.epoch = s->failed->epoch;
    f.reason = s->failed->reason;
    f.train_seconds = s->failed->train_seconds;
    memcpy(out, &f, out->struct_size < sizeof f ? out->struct_size : sizeof f);
    return CS_OK;
}

int cs_results_cell_records(cs_cell_records **out, const cs_results *r, int model, int condition, int replicate)
{
    static const char fn[] = "cs_results_cell_records";
    if (!out || !r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, !out ? "out" : "results");
    *out = NULL;
    const cell_slot *slot = NULL;
    int rc = finished_slot(&slot, r, fn, model, condition, replicate);
    if (rc != CS_OK)
        return rc;
    const char *mname = r->cfg.models[model].name, *cname = r->cfg.conds[condition].name;
    if (!slot->has_scores)
        return cs__error(CS_ERR_NOT_FOUND, "%s: (%s, %s, replicate %d) has no record scores (stored without them)",
                         fn, mname, cname, replicate);
    char rel[512];
    rc = cs__study_records_path(rel, sizeof rel, mname, cname, replicate);
    char *path = rc == CS_OK ? cs__path_join(r->dir, rel) : NULL;
    if (rc == CS_OK && !path)
        rc = cs__error_oom("record-score path", strlen(r->dir) + strlen(rel) + 2);
    char *bytes = NULL;
    size_t len = 0;
    if (rc == CS_OK) {
        rc = cs__read_file(&bytes, &len, path, MAX_FILE);
        if (rc == CS_ERR_NOT_FOUND)
            rc = cs__error(CS_ERR_CORRUPT, "%s: missing; the cell file references it", path);
    }
    if (rc == CS_OK && (len != slot->scores_bytes || cs__cell_records_crc(bytes, len) != slot->scores_crc))
        rc = cs__error(CS_ERR_CORRUPT, "%s: %zu bytes with CRC-32 %08x; the cell file records %zu bytes with %08x: "
                       "the file is damaged or of another run", path, len, (unsigned)cs__cell_records_crc(bytes, len),
                       slot->scores_bytes, (unsigned)slot->scores_crc);
    if (rc == CS_OK) {
        cs__records_expect e = { r->cfg.k, slot->epochs, slot->train_size, r->cfg.train_size, slot->changed };
        rc = cs__cell_records_decode(out, bytes, len, path, &e);
    }
    free(bytes);
    free(path);
    if (rc == CS_ERR_FORMAT || rc == CS_ERR_CORRUPT)
        rc = cs__error(rc, "%s; delete the cell file and its sidecar to train that cell again", cs_last_error());
    return rc;
}

int cs__results_check_train_split(const cs_results *r, const cs_dataset *ds, const char *fn)
{
    const cs__study_config *cfg = &r->cfg;
    int c = 0, h = 0, w = 0;
    cs_dataset_shape(&c, &h, &w, ds);
    if (c != cfg->c || h != cfg->h || w != cfg->w || cs_dataset_num_classes(ds) != cfg->k)
        return cs__error(CS_ERR_SIZE_MISMATCH,
                         "%s: the data set is %dx%dx%d with %d classes; the study's training split is "
                         "%dx%dx%d with %d", fn, c, h, w, cs_dataset_num_classes(ds), cfg->c, cfg->h, cfg->w, cfg->k);
    if (cs_dataset_size(ds) != cfg->train_full)
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: the data set has %zu records; the study's training split had %zu",
                         fn, cs_dataset_size(ds), cfg->train_full);
    uint64_t f = cs__study_fingerprint(ds);
    if (f != cfg->train_fingerprint)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: the data set is not the study's training split: its fingerprint is %016llx, "
                         "study.json's train_fingerprint %016llx (other pixels or labels, or another order)",
                         fn, (unsigned long long)f, (unsigned long long)cfg->train_fingerprint);
    return CS_OK;
}

int cs__results_train_records(cs_dataset **out, const cs_results *r, const cs_dataset *train, const char *fn)
{
    *out = NULL;
    int rc = cs__results_check_train_split(r, train, fn);
    if (rc == CS_OK)
        rc = cs__study_train_subset(out, train, r->cfg.train_subset, r->cfg.seed);
    const size_t got = *out ? cs_dataset_size(*out) : cs_dataset_size(train);
    if (rc == CS_OK && got != r->cfg.train_size) {
        cs_dataset_destroy(*out);
        *out = NULL;
        rc = cs__error(CS_ERR_CORRUPT, "%s: the study's training set rebuilt from the data set has %zu records; "
                       "study.json says %zu", fn, got, r->cfg.train_size);
    }
    return rc;
}
