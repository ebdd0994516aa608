/* Training one cell: its training set (perturbed with the cell's seeds, or the matched control
 * of a noise condition), its model, the test predictions and the text of its cell file; and
 * cs_study_train_cell, which trains one cell into a record that any process can store.
 *
 * Each model trains and predicts with its configured thread count (cs_model_set_threads: the
 * batch is split among that many threads, every matrix product single-threaded), so a cell's
 * result depends only on its seeds and that count, never on which cells run beside it. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/memory.h"
#include "study/study_internal.h"
#include "tensor/kernels.h"

/* ---- one cell ------------------------------------------------------------------------------ */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cs__study_training_set(const cs_study *s, int cond, int replicate, cs_dataset **out, cs_perturb_report **report,
                           cs_perturb_report **reduce_report, uint64_t *seed_used)
{
    const cs__study_condition *c = &s->cfg.conds[cond];
    *out = NULL;
    *report = NULL;
    if (reduce_report)
        *reduce_report = NULL;
    *seed_used = 0;
    if (c->family == CS_CONDITION_BASELINE)
        return cs_dataset_view(out, s->train, NULL, cs_dataset_size(s->train), NULL);
    if (c->family == CS_CONDITION_GRID) {
        /* Nested: the reduction condition's set of this replicate (same spec, same seed: the
         * same records), then the noise condition's spec and seed applied to it. */
        cs_dataset *reduced = NULL;
        cs_perturb_report *red = NULL;
        int rc = cs_perturb_apply(&reduced, &red, s->train, s->specs[c->reduce],
                                  cs__study_seed(s->cfg.seed, CS__STUDY_SEED_PERTURB, NULL,
                                                 s->cfg.conds[c->reduce].name, replicate));
        if (rc == CS_OK) {
            *seed_used = cs__study_seed(s->cfg.seed, CS__STUDY_SEED_PERTURB, NULL, s->cfg.conds[c->noise].name,
                                        replicate);
            rc = cs_perturb_apply(out, report, reduced, s->specs[c->noise], *seed_used);
        }
        cs_dataset_destroy(reduced);
        if (rc == CS_OK && reduce_report)
            *reduce_report = red;
        else
            cs_perturb_report_destroy(red);
        return rc;
    }
    if (c->family != CS_CONDITION_CONTROL) {
        *seed_used = cs__study_seed(s->cfg.seed, CS__STUDY_SEED_PERTURB, NULL, c->name, replicate);
        return cs_perturb_apply(out, report, s->train, s->specs[cond], *seed_used);
    }
    /* The control of replicate r removes as many records as replicate r's noise corrupted. */
    const cs__study_condition *noise = &s->cfg.conds[c->noise];
    cs_dataset *noisy = NULL;
    cs_perturb_report *noise_report = NULL;
    cs_perturb_spec *matched = NULL;
    int rc = cs_perturb_apply(&noisy, &noise_report, s->train, s->specs[c->noise],
                              cs__study_seed(s->cfg.seed, CS__STUDY_SEED_PERTURB, NULL, noise->name, replicate));
    if (rc == CS_OK)
        rc = cs_perturb_matched_reduction(&matched, noise_report);
    if (rc == CS_OK) {
        *seed_used = cs__study_seed(s->cfg.seed, CS__STUDY_SEED_CONTROL, NULL, c->name, replicate);
        rc = cs_perturb_apply(out, report, s->train, matched, *seed_used);
    }
    cs_perturb_spec_destroy(matched);
    cs_perturb_report_destroy(noise_report);
    cs_dataset_destroy(noisy);
    return rc;
}

/* Keeps each epoch's report for the cell file, then passes it on. */
typedef struct epoch_keeper {
    cs_epoch_report *trace;
    int epochs;
    int done;                  /* epochs completed */
    cs__cell_epoch_fn fn;
    void *payload;
} epoch_keeper;

static int keep_epoch(const cs_epoch_report *report, void *payload)
{
    epoch_keeper *k = payload;
    if (report->epoch >= 1 && report->epoch <= k->epochs) {
        k->trace[report->epoch - 1] = *report;
        k->done = report->epoch;
    }
    return k->fn ? k->fn(k->payload, report) : 0;
}

/* Each training record's index in the study's training set: the position in `parent` of the
 * record's source index (both are views of the same pixels). */
typedef struct source_pos {
    size_t source, pos;
} source_pos;

static int by_source(const void *a, const void *b)
{
    const source_pos *x = a, *y = b;
    return (x->source > y->source) - (x->source < y->source);
}

static int positions_in(uint32_t *pos, const cs_dataset *train, const cs_dataset *parent)
{
    const size_t n = cs_dataset_size(train), np = cs_dataset_size(parent);
    if (np > UINT32_MAX)
        return cs__error(CS_ERR_OVERFLOW, "record scores: a training set of %zu records; the sidecar indexes at most "
                         "2^32", np);
    source_pos *map = malloc(sizeof *map * (np ? np : 1));
    if (!map)
        return cs__error_oom("record positions", sizeof *map * np);
    for (size_t i = 0; i < np; ++i) {
        map[i].source = cs_dataset_source_index(parent, i);
        map[i].pos = i;
    }
    qsort(map, np, sizeof *map, by_source);
    int rc = CS_OK;
    for (size_t i = 0; i < n && rc == CS_OK; ++i) {
        source_pos key = { cs_dataset_source_index(train, i), 0 };
        const source_pos *hit = bsearch(&key, map, np, sizeof *map, by_source);
        if (!hit)
            rc = cs__error(CS_ERR_STATE, "record scores: training record %zu (source %zu) is not in the study's "
                           "training set", i, key.source);
        else
            pos[i] = (uint32_t)hit->pos;
    }
    free(map);
    return rc;
}

/* The sidecar of a cell trained on `train` from its accumulated scores. */
static int scores_file(cs__buf *out, const cs_study *s, const cs_dataset *train, const cs_record_scores *acc)
{
    const size_t n = cs_dataset_size(train);
    cs_cell_records *c = NULL;
    double *v = malloc(sizeof *v * 3 * n);
    int32_t *seen = malloc(sizeof *seen * n);
    int rc = v && seen ? CS_OK : cs__error_oom("record scores", sizeof *v * 4 * n);
    if (rc == CS_OK)
        rc = cs__cell_records_alloc(&c, n, s->cfg.k);
    if (rc == CS_OK)
        rc = cs_record_scores_values(v, v + n, v + 2 * n, c->other, seen, n, acc);
    if (rc == CS_OK)
        rc = positions_in(c->source, train, s->train);
    if (rc == CS_OK) {
        const int32_t *given = cs_dataset_labels(train), *truth = cs_dataset_labels(s->train);
        c->epochs = cs_record_scores_epochs(acc);
        for (size_t i = 0; i < n; ++i) {
            c->given[i] = given[i];
            c->truth[i] = truth[c->source[i]];
            /* A double mean of values in [0, 1] can round an ulp past its bounds. */
            c->confidence[i] = (float)fmin(1.0, fmax(0.0, v[i]));
            c->variability[i] = (float)fmin(0.5, v[n + i]);
            c->aum[i] = (float)v[2 * n + i];
        }
        rc = cs__cell_records_encode(out, c);
    }
    cs_cell_records_destroy(c);
    free(seen);
    free(v);
    return rc;
}

int cs__study_train_cell_files(cs_study *s, int cell, cs__cell_epoch_fn on_epoch, void *payload, cs__buf *text,
                               cs__buf *scores, double *accuracy, double *seconds, int *failed)
{
    *failed = 0;
    *accuracy = NAN;
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    const cs__study_model *m = &s->cfg.models[mi];
    const cs__study_condition *c = &s->cfg.conds[ci];
    const int k = s->cfg.k;
    const size_t n_test = cs_dataset_size(s->test);
    cs_dataset *train = NULL;
    cs_perturb_report *report = NULL, *reduce_report = NULL;
    cs_model *model = NULL;
    cs_record_scores *acc = NULL;
    char scores_rel[512];
    uint64_t seed_perturb = 0, seed_init = 0, seed_train = 0, seed_used = 0;
    cs__study_cell_seeds(&s->cfg, mi, ci, ri, &seed_perturb, &seed_init, &seed_train);
    epoch_keeper keeper = { NULL, m->train.epochs, 0, on_epoch, payload };
    keeper.trace = calloc((size_t)m->train.epochs, sizeof *keeper.trace);
    int32_t *pred = malloc(sizeof *pred * n_test);
    double *counts = calloc((size_t)k * (size_t)k, sizeof *counts);
    int rc = (!keeper.trace || !pred || !counts) ? cs__error_oom("cell buffers", sizeof *pred * n_test) : CS_OK;
    if (rc == CS_OK)
        rc = cs__study_training_set(s, ci, ri, &train, &report, &reduce_report, &seed_used);
    /* The file's seeds come from the configuration alone, as its reader derives them. */
    if (rc == CS_OK && seed_used != seed_perturb)
        rc = cs__error(CS_ERR_STATE, "cell (%s, %s, replicate %d): perturbation seed %016llx; the configuration "
                       "derives %016llx", m->name, c->name, ri, (unsigned long long)seed_used,
                       (unsigned long long)seed_perturb);
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = m->width;
    mo.seed = seed_init;
    if (rc == CS_OK)
        rc = cs_model_create(&model, m->arch, s->cfg.c, s->cfg.h, s->cfg.w, k, &mo);
    if (rc == CS_OK)
        rc = cs_model_set_threads(model, m->threads);
    if (rc == CS_OK && s->cfg.precision != CS_PRECISION_FP32)
        rc = cs_model_set_precision(model, (cs_precision)s->cfg.precision);
    cs_train_options to = m->train;
    to.seed = seed_train;
    to.threads = 0; /* the model's setting, for prediction too */
    to.progress = keep_epoch;
    to.payload = &keeper;
    if (rc == CS_OK && scores && s->record_scores)
        rc = cs__study_records_path(scores_rel, sizeof scores_rel, m->name, c->name, ri);
    if (rc == CS_OK && scores && s->record_scores)
        rc = cs_record_scores_create(&acc, cs_dataset_size(train), k);
    to.record_scores = acc;
    const double t0 = now_seconds();
    if (rc == CS_OK)
        rc = cs_model_train(model, train, &to);
    const double t1 = now_seconds();
    if (rc == CS_ERR_DIVERGED) {
        /* A bad cell, not a failed study: its file says why and when, and the study goes on. */
        char reason[1024];
        snprintf(reason, sizeof reason, "%s", cs_last_error());
        cs__cell_outcome out = { s->hash, m->name, c->name, ri, seed_perturb, seed_init, seed_train,
                                 m->threads, cs_dataset_size(train), NULL,
                                 cs__study_reduce_seed(&s->cfg, ci, ri), reduce_report, keeper.done,
                                 keeper.trace, k, NULL, NAN, t1 - t0, 0.0, NULL, 0, 0 };
        rc = cs__study_failed_json(text, &out, CS_ERR_DIVERGED, keeper.done + 1, reason);
        *failed = rc == CS_OK;
        *seconds = t1 - t0;
        goto cleanup;
    }
    if (rc == CS_OK)
        rc = cs_model_predict(pred, model, s->test);
    const double t2 = now_seconds();
    if (rc == CS_OK) {
        double correct = 0.0;
        const int32_t *truth = cs_dataset_labels(s->test);
        for (size_t i = 0; i < n_test; ++i) {
            counts[(size_t)truth[i] * (size_t)k + (size_t)pred[i]] += 1.0;
            correct += truth[i] == pred[i];
        }
        *accuracy = correct / (double)n_test;
        *seconds = t2 - t0;
        cs__cell_outcome out = { s->hash, m->name, c->name, ri, seed_perturb, seed_init, seed_train,
                                 m->threads, cs_dataset_size(train), report,
                                 cs__study_reduce_seed(&s->cfg, ci, ri), reduce_report, m->train.epochs,
                                 keeper.trace, k, counts, *accuracy, t1 - t0, t2 - t1, NULL, 0, 0 };
        /* Scores only when every record was observed (a record whose logits were never finite
         * has none); the sidecar is written first so that the text can reference it. */
        if (acc && cs_record_scores_epochs(acc) > 0) {
            const size_t at = scores->len;
            rc = scores_file(scores, s, train, acc);
            if (rc == CS_OK) {
                out.scores_file = scores_rel;
                out.scores_bytes = scores->len - at;
                out.scores_crc = cs__cell_records_crc(scores->data + at, out.scores_bytes);
            }
        }
        if (rc == CS_OK)
            rc = cs__study_cell_json(text, &out);
    }
cleanup:
    free(counts);
    free(pred);
    free(keeper.trace);
    cs_model_destroy(model);
    cs_record_scores_destroy(acc);
    cs_perturb_report_destroy(report);
    cs_perturb_report_destroy(reduce_report);
    cs_dataset_destroy(train);
    return rc;
}

/* ---- a cell as a record ---------------------------------------------------------------------- */

struct cs_study_record {
    int cell;
    int failed;                /* the text is a failed cell's file */
    double accuracy;
    cs__buf text;
};

typedef struct lone_cell {
    cs_study *s;
    int cell, model, cond, replicate;
} lone_cell;

/* The study's events of a lone cell, serialised by the study's lock. */
static int lone_event(lone_cell *lc, cs_study_event_kind kind, const cs_epoch_report *report)
{
    cs_study *s = lc->s;
    if (!s->progress)
        return 0;
    cs_study_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.cell = lc->cell;
    ev.cells_total = cs_study_num_cells(s);
    ev.model = s->cfg.models[lc->model].name;
    ev.condition = s->cfg.conds[lc->cond].name;
    ev.replicate = lc->replicate;
    ev.threads = s->cfg.models[lc->model].threads;
    ev.epoch = report;
    ev.test_accuracy = NAN;
    ev.seconds = NAN;
    pthread_mutex_lock(&s->event_lock);
    int stop = s->progress(&ev, s->payload);
    pthread_mutex_unlock(&s->event_lock);
    return stop;
}

static int lone_epoch(void *payload, const cs_epoch_report *report)
{
    return lone_event(payload, CS_STUDY_EVENT_EPOCH, report);
}

int cs_study_train_cell(cs_study_record **out, cs_study *s, int cell)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_train_cell: out is NULL");
    *out = NULL;
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_train_cell: study is NULL");
    const int total = cs_study_num_cells(s);
    if (cell < 0 || cell >= total)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_study_train_cell: cell %d; the study has %d (0..%d)", cell,
                         total, total - 1);
    int rc = cs__study_freeze(s);
    if (rc != CS_OK)
        return cs__error(rc, "cs_study_train_cell: %s", cs_last_error());
    cs_study_record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return cs__error_oom("cell record", sizeof *rec);
    rec->cell = cell;
    lone_cell lc = { s, cell, 0, 0, 0 };
    cs__study_cell_coords(s, cell, &lc.model, &lc.cond, &lc.replicate);
    if (lone_event(&lc, CS_STUDY_EVENT_CELL_STARTED, NULL) != 0) {
        cs_study_record_destroy(rec);
        return cs__error(CS_ERR_CANCELLED, "cs_study_train_cell: cancelled by the progress callback");
    }
    double seconds = 0.0;
    cs__buf scores = CS__BUF_INIT;
    cs__blas_serial_begin();
    rc = cs__study_train_cell_files(s, cell, lone_epoch, &lc, &rec->text, &scores, &rec->accuracy, &seconds,
                                    &rec->failed);
    cs__blas_serial_end();
    /* The record carries the sidecar after the text's terminating NUL (docs/formats.md). */
    if (rc == CS_OK && scores.len) {
        cs__buf_putc(&rec->text, '\0');
        cs__buf_append(&rec->text, scores.data, scores.len);
        rc = cs__buf_status(&rec->text, "a cell record");
    }
    cs__buf_free(&scores);
    if (rc != CS_OK) {
        rc = cs__error(rc, "cell (%s, %s, replicate %d): %s", s->cfg.models[lc.model].name,
                       s->cfg.conds[lc.cond].name, lc.replicate, cs_last_error());
        cs_study_record_destroy(rec);
        return rc;
    }
    *out = rec;
    return CS_OK;
}

const char *cs_study_record_data(size_t *len, const cs_study_record *rec)
{
    if (len)
        *len = rec ? rec->text.len : 0;
    return rec ? cs__buf_str(&rec->text) : NULL;
}

int cs_study_record_cell(const cs_study_record *rec)
{
    return rec ? rec->cell : -1;
}

int cs_study_record_failed(const cs_study_record *rec)
{
    return rec ? rec->failed : -1;
}

double cs_study_record_accuracy(const cs_study_record *rec)
{
    return rec ? rec->accuracy : NAN;
}

void cs_study_record_destroy(cs_study_record *rec)
{
    if (!rec)
        return;
    cs__buf_free(&rec->text);
    free(rec);
}
