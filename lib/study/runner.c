/* cs_study_run: every missing cell of the study (or of its shard) on a pool of worker threads.
 *
 * Cells run in worker threads, each with its own model; the data sets are shared read-only.
 * Each model trains and predicts with its configured thread count (cs_model_set_threads: the
 * batch is split among that many threads, every matrix product single-threaded), so a cell's
 * result depends only on its seeds and that count, never on which cells run beside it. Cells
 * run in groups of equal thread count so that `jobs` cores hold jobs / threads cells at once;
 * within a group the most expensive go first (cs_study_schedule), so that the last cells to
 * finish are short ones. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/memory.h"
#include "study/study_internal.h"
#include "tensor/kernels.h"

typedef struct run_state {
    cs_study *s;
    const char *store;
    int *pending;             /* cell indices of the current group, in schedule order */
    int n_pending, next;
    int cells_total;          /* of the study, or of this shard */
    int cells_finished;
    int cells_failed;
    double work_done, work_total;
    atomic_int stop;
    int status;               /* first failure */
    char message[1024];
    pthread_mutex_t lock;     /* next, counters, status, and every callback */
} run_state;

typedef struct cell_ctx {
    run_state *run;
    int cell, model, cond, replicate;
    double work, work_per_epoch;
    int epochs_done;
} cell_ctx;

/* Called with the lock held. */
static int emit(run_state *run, cs_study_event *ev)
{
    cs_study *s = run->s;
    ev->cells_total = run->cells_total;
    ev->cells_finished = run->cells_finished;
    ev->work_done = run->work_done;
    ev->work_total = run->work_total;
    if (s->progress && s->progress(ev, s->payload) != 0) {
        atomic_store(&run->stop, 1);
        if (run->status == CS_OK) {
            run->status = CS_ERR_CANCELLED;
            snprintf(run->message, sizeof run->message, "cs_study_run: cancelled by the progress callback");
        }
        return 1;
    }
    return 0;
}

static void fill_event(cs_study_event *ev, const cs_study *s, int cell, cs_study_event_kind kind)
{
    int mi, ci, ri;
    cs__study_cell_coords(s, cell, &mi, &ci, &ri);
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->cell = cell;
    ev->model = s->cfg.models[mi].name;
    ev->condition = s->cfg.conds[ci].name;
    ev->replicate = ri;
    ev->threads = s->cfg.models[mi].threads;
    ev->test_accuracy = NAN;
    ev->seconds = NAN;
}

/* The epoch in which a failed cell's training stopped, as its events report it. */
static cs_epoch_report failed_epoch(const cs_study *s, int model, int epoch)
{
    cs_epoch_report r;
    memset(&r, 0, sizeof r);
    r.epoch = epoch;
    r.epochs = s->cfg.models[model].train.epochs;
    r.loss = r.accuracy = r.lr = r.seconds = NAN;
    return r;
}

static int on_epoch(void *payload, const cs_epoch_report *report)
{
    cell_ctx *cx = payload;
    run_state *run = cx->run;
    cx->epochs_done = report->epoch;
    pthread_mutex_lock(&run->lock);
    run->work_done += cx->work_per_epoch;
    cs_study_event ev;
    fill_event(&ev, run->s, cx->cell, CS_STUDY_EVENT_EPOCH);
    ev.epoch = report;
    emit(run, &ev);
    int stop = atomic_load(&run->stop);
    pthread_mutex_unlock(&run->lock);
    return stop;
}

static int run_cell(cell_ctx *cx)
{
    run_state *run = cx->run;
    cs_study *s = run->s;
    char *path = NULL;
    cs__buf text = CS__BUF_INIT, scores = CS__BUF_INIT;
    double accuracy = NAN, seconds = NAN;

    pthread_mutex_lock(&run->lock);
    cs_study_event started;
    fill_event(&started, s, cx->cell, CS_STUDY_EVENT_CELL_STARTED);
    emit(run, &started);
    pthread_mutex_unlock(&run->lock);

    int failed = 0;
    path = cs__study_cell_file(s, run->store, cx->cell, 0);
    int rc = path ? cs__study_claim(s, run->store, cx->cell, NULL) : cs_last_error_status();
    const int claimed = rc == CS_OK;
    if (rc == CS_OK)
        rc = cs__study_train_cell_files(s, cx->cell, on_epoch, cx, &text, &scores, &accuracy, &seconds, &failed);
    if (rc == CS_OK && atomic_load(&run->stop))
        rc = CS_ERR_CANCELLED;
    if (rc == CS_OK && failed) {
        /* The failed cell's file goes to failed/, under the same name. */
        char rel[512];
        free(path);
        path = NULL;
        rc = cs__study_failed_path(rel, sizeof rel, s->cfg.models[cx->model].name, s->cfg.conds[cx->cond].name,
                                   cx->replicate);
        if (rc == CS_OK && !(path = cs__path_join(run->store, rel)))
            rc = cs__error_oom("cell path", strlen(run->store) + strlen(rel) + 2);
    }
    /* The sidecar before the cell file that references it. */
    if (rc == CS_OK && scores.len)
        rc = cs__study_write_scores(s, run->store, cx->cell, &scores);
    if (rc == CS_OK)
        rc = cs__buf_write_file(&text, path);
    /* A retried cell that finished replaces its failure. */
    if (rc == CS_OK && !failed)
        rc = cs__study_forget_failed(s, run->store, cx->cell);
    /* The claim goes once the cell is stored or abandoned; a failure to remove it leaves only
     * a stale line in `classsens status`, which the stored cell already overrides. */
    if (claimed) {
        int saved = cs_last_error_status();
        char message[512];
        snprintf(message, sizeof message, "%s", cs_last_error());
        if (cs__study_release(s, run->store, cx->cell) != CS_OK && rc != CS_OK)
            cs__error(saved, "%s", message);
    }

    pthread_mutex_lock(&run->lock);
    if (rc == CS_OK && failed) {
        run->cells_failed++;
        run->work_done += cx->work - cx->work_per_epoch * cx->epochs_done;
        cs_study_event ev;
        fill_event(&ev, s, cx->cell, CS_STUDY_EVENT_CELL_FAILED);
        ev.seconds = seconds;
        const cs_epoch_report stopped = failed_epoch(s, cx->model, cx->epochs_done + 1);
        ev.epoch = &stopped;
        emit(run, &ev);
    } else if (rc == CS_OK) {
        run->cells_finished++;
        run->work_done += cx->work - cx->work_per_epoch * cx->epochs_done;
        cs_study_event ev;
        fill_event(&ev, s, cx->cell, CS_STUDY_EVENT_CELL_FINISHED);
        ev.test_accuracy = accuracy;
        ev.seconds = seconds;
        emit(run, &ev);
    } else if (run->status == CS_OK) {
        run->status = rc;
        snprintf(run->message, sizeof run->message, "cell (%s, %s, replicate %d): %s",
                 s->cfg.models[cx->model].name, s->cfg.conds[cx->cond].name, cx->replicate, cs_last_error());
        atomic_store(&run->stop, 1);
    }
    pthread_mutex_unlock(&run->lock);

    cs__buf_free(&text);
    cs__buf_free(&scores);
    free(path);
    return rc;
}

static void *worker(void *arg)
{
    run_state *run = arg;
    for (;;) {
        pthread_mutex_lock(&run->lock);
        int i = (!atomic_load(&run->stop) && run->next < run->n_pending) ? run->pending[run->next++] : -1;
        pthread_mutex_unlock(&run->lock);
        if (i < 0)
            return NULL;
        cell_ctx cx;
        memset(&cx, 0, sizeof cx);
        cx.run = run;
        cx.cell = i;
        cs__study_cell_coords(run->s, i, &cx.model, &cx.cond, &cx.replicate);
        cx.work = cs__study_cell_work(run->s, cx.model, cx.cond);
        cx.work_per_epoch = cx.work * 0.95 / run->s->cfg.models[cx.model].train.epochs;
        run_cell(&cx);
        /* A failed cell's partial work leaves the estimate; the run stops anyway. */
    }
}

/* Run one group of cells that share a thread count. */
static int run_group(run_state *run, int threads)
{
    int workers = run->s->jobs / threads;
    if (workers < 1)
        workers = 1;
    if (workers > run->n_pending)
        workers = run->n_pending;
    pthread_t *tids = calloc((size_t)workers, sizeof *tids);
    if (!tids)
        return cs__error_oom("worker threads", sizeof *tids * (size_t)workers);
    int started = 0;
    int rc = CS_OK;
    for (; started < workers; ++started) {
        int err = pthread_create(&tids[started], NULL, worker, run);
        if (err != 0) {
            if (started == 0)
                rc = cs__error(CS_ERR_OUT_OF_MEMORY, "cs_study_run: cannot start a worker thread: %s", strerror(err));
            break;
        }
    }
    for (int i = 0; i < started; ++i)
        pthread_join(tids[i], NULL);
    free(tids);
    return rc;
}

/* The cells this run considers, in schedule order: all of them, or this shard's. */
static int select_cells(const cs_study *s, int *order, int *n)
{
    const int total = cs_study_num_cells(s);
    int rc = cs_study_schedule(order, total, s);
    if (rc != CS_OK || s->shard_count <= 1) {
        *n = rc == CS_OK ? total : 0;
        return rc;
    }
    int *shard_of = malloc(sizeof *shard_of * (size_t)total);
    if (!shard_of)
        return cs__error_oom("shard list", sizeof *shard_of * (size_t)total);
    rc = cs_study_shards(shard_of, total, s, s->shard_count);
    int kept = 0;
    for (int i = 0; rc == CS_OK && i < total; ++i)
        if (shard_of[order[i]] == s->shard_index)
            order[kept++] = order[i];
    free(shard_of);
    *n = kept;
    return rc;
}

int cs_study_run(cs_study *s, const char *store_dir)
{
    if (!s || !store_dir || !*store_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_study_run: %s", !s ? "study is NULL" :
                         !store_dir ? "store_dir is NULL" : "store_dir is empty");
    if (s->cfg.n_models == 0)
        return cs__error(CS_ERR_STATE, "cs_study_run: the study has no models (add one with cs_study_add_model)");
    int rc = cs__study_freeze(s);
    if (rc == CS_OK)
        rc = cs__study_open_store(s, store_dir);
    /* What interrupted writes left behind: all of it when this process alone fills the store;
     * with shards, only what no write can still be busy with. */
    if (rc == CS_OK)
        rc = cs__study_clean_store(store_dir, s->shard_count > 1 ? CS__STUDY_STALE_SECONDS : 0.0);
    if (rc != CS_OK)
        return rc;
    run_state run;
    memset(&run, 0, sizeof run);
    run.s = s;
    run.store = store_dir;
    atomic_init(&run.stop, 0);

    const int total = cs_study_num_cells(s);
    int *todo = malloc(sizeof *todo * (size_t)total);
    run.pending = malloc(sizeof *run.pending * (size_t)total);
    if (!todo || !run.pending) {
        free(todo);
        free(run.pending);
        return cs__error_oom("cell list", sizeof *todo * (size_t)total);
    }
    pthread_mutex_init(&run.lock, NULL);
    int n_cells = 0, n_todo = 0;
    rc = select_cells(s, todo, &n_cells);
    run.cells_total = n_cells;
    /* Every cell is read and checked before anything is announced or trained: a store that
     * holds one damaged file is refused as a whole, with that file's name. */
    double *acc = rc == CS_OK ? malloc(sizeof *acc * (size_t)(n_cells > 0 ? n_cells : 1)) : NULL;
    cs__failed_data *fails = rc == CS_OK ? calloc((size_t)(n_cells > 0 ? n_cells : 1), sizeof *fails) : NULL;
    signed char *state = rc == CS_OK ? calloc((size_t)(n_cells > 0 ? n_cells : 1), 1) : NULL;
    if (rc == CS_OK && (!acc || !fails || !state))
        rc = cs__error_oom("cell states", sizeof *fails * (size_t)n_cells);
    enum { PENDING = 0, FINISHED = 1, FAILED = 2 };
    for (int i = 0; i < n_cells && rc == CS_OK; ++i) {
        int found = cs__study_read_finished(s, store_dir, todo[i], &acc[i]);
        if (found == CS_OK) {
            state[i] = FINISHED;
            continue;
        }
        if (found != CS_ERR_NOT_FOUND) {
            rc = found;
            break;
        }
        found = cs__study_read_failed(s, store_dir, todo[i], &fails[i]);
        if (found == CS_OK)
            state[i] = s->retry_failed ? PENDING : FAILED;
        else if (found != CS_ERR_NOT_FOUND)
            rc = found;
    }
    /* Work totals include every cell still to train, so the estimate is known up front. */
    for (int i = 0; i < n_cells && rc == CS_OK; ++i) {
        const int cell = todo[i];
        if (state[i] == PENDING) {
            int mi, ci, ri;
            cs__study_cell_coords(s, cell, &mi, &ci, &ri);
            todo[n_todo++] = cell;
            run.work_total += cs__study_cell_work(s, mi, ci);
            continue;
        }
        cs_study_event ev;
        if (state[i] == FINISHED) {
            run.cells_finished++;
            fill_event(&ev, s, cell, CS_STUDY_EVENT_CELL_SKIPPED);
            ev.test_accuracy = acc[i];
        }
        cs_epoch_report stopped;
        if (state[i] == FAILED) {
            run.cells_failed++;
            fill_event(&ev, s, cell, CS_STUDY_EVENT_CELL_SKIPPED);
            int mi, ci, ri;
            cs__study_cell_coords(s, cell, &mi, &ci, &ri);
            stopped = failed_epoch(s, mi, fails[i].epoch);
            ev.epoch = &stopped;
        }
        if (emit(&run, &ev))
            rc = CS_ERR_CANCELLED;
    }
    for (int i = 0; fails && i < n_cells; ++i)
        cs__failed_data_free(&fails[i]);
    free(fails);
    free(state);
    free(acc);
    /* Every pass sets one BLAS thread; holding it for the whole run saves the switching. */
    cs__blas_serial_begin();
    /* Groups by thread count, fewest threads first; cells keep their schedule order within one. */
    int done = 0;
    while (rc == CS_OK && done < n_todo && !atomic_load(&run.stop)) {
        int threads = 0;
        for (int i = 0; i < n_todo; ++i) {
            if (todo[i] < 0)
                continue;
            int mi, ci, ri;
            cs__study_cell_coords(s, todo[i], &mi, &ci, &ri);
            int t = s->cfg.models[mi].threads;
            if (threads == 0 || t < threads)
                threads = t;
        }
        run.n_pending = 0;
        run.next = 0;
        for (int i = 0; i < n_todo; ++i) {
            if (todo[i] < 0)
                continue;
            int mi, ci, ri;
            cs__study_cell_coords(s, todo[i], &mi, &ci, &ri);
            if (s->cfg.models[mi].threads == threads) {
                run.pending[run.n_pending++] = todo[i];
                todo[i] = -1;
                ++done;
            }
        }
        rc = run_group(&run, threads);
    }
    cs__blas_serial_end();
    if ((rc == CS_OK || rc == CS_ERR_CANCELLED) && run.status != CS_OK)
        rc = cs__error(run.status, "%s", run.message);
    pthread_mutex_destroy(&run.lock);
    free(run.pending);
    free(todo);
    return rc;
}
