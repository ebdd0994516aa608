/* cli_plan: a study's cost plan and the simulation of the runner's scheduling (see cli_plan.h).
 * Uses only the public API. */
#define _POSIX_C_SOURCE 200809L

#include "cli_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_args.h"

/* Calibration budget per model: a training timing is long enough at TRAIN_TARGET seconds, and
 * no further timing starts that would take the model's training timings past TRAIN_CAP. The
 * prediction timing likewise. A training timing is never less than one batch. */
#define TRAIN_TARGET 0.5
#define TRAIN_CAP 2.0
#define INFER_TARGET 0.25
#define INFER_CAP 1.0
#define INFER_MIN_IMAGES 16
/* Assumed speed before any model has been timed (GFLOP/s per thread, training), deliberately
 * low so that a big first model starts with one batch, not two. */
#define PRIOR_GFLOPS_PER_THREAD 5.0

/* CPU time of the whole process, every thread. */
static double cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return NAN;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the scheduling simulation --------------------------------------------------------------- */

/* A min-heap of ranks keyed by (time the rank becomes free, rank index): the root is the rank
 * the next cell goes to. */
typedef struct rank_heap {
    double *free_at; /* by rank */
    int *heap;       /* rank indices */
    int n;
} rank_heap;

static int heap_before(const rank_heap *h, int a, int b)
{
    const double ta = h->free_at[a], tb = h->free_at[b];
    return ta < tb || (ta == tb && a < b);
}

static void heap_sift_down(rank_heap *h, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && heap_before(h, h->heap[l], h->heap[m]))
            m = l;
        if (r < h->n && heap_before(h, h->heap[r], h->heap[m]))
            m = r;
        if (m == i)
            return;
        int t = h->heap[i];
        h->heap[i] = h->heap[m];
        h->heap[m] = t;
        i = m;
    }
}

static int costs_ok(const double *cost, int n)
{
    if (n < 0 || (n > 0 && !cost))
        return 0;
    for (int i = 0; i < n; i++)
        if (!(cost[i] >= 0.0) || !isfinite(cost[i]))
            return 0;
    return 1;
}

double cli_schedule_makespan(const double *cost_in_order, int n, int ranks, double *idle_per_rank)
{
    if (ranks < 1 || !costs_ok(cost_in_order, n))
        return NAN;
    rank_heap h = { calloc((size_t)ranks, sizeof(double)), malloc((size_t)ranks * sizeof(int)), ranks };
    double *busy = calloc((size_t)ranks, sizeof *busy);
    double makespan = NAN;
    if (!h.free_at || !h.heap || !busy)
        goto cleanup;
    /* All ranks free at 0, in index order: already a heap. */
    for (int r = 0; r < ranks; r++)
        h.heap[r] = r;
    makespan = 0.0;
    for (int i = 0; i < n; i++) {
        int r = h.heap[0];
        h.free_at[r] += cost_in_order[i];
        busy[r] += cost_in_order[i];
        if (h.free_at[r] > makespan)
            makespan = h.free_at[r];
        heap_sift_down(&h, 0);
    }
    if (idle_per_rank)
        for (int r = 0; r < ranks; r++)
            idle_per_rank[r] = makespan - busy[r];
cleanup:
    free(h.free_at);
    free(h.heap);
    free(busy);
    return makespan;
}

double cli_schedule_lower_bound(const double *cost, int n, int ranks)
{
    if (ranks < 1 || !costs_ok(cost, n))
        return NAN;
    double total = 0.0, longest = 0.0;
    for (int i = 0; i < n; i++) {
        total += cost[i];
        if (cost[i] > longest)
            longest = cost[i];
    }
    double even = total / ranks;
    return longest > even ? longest : even;
}

void cli_format_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0.0) || !isfinite(s)) {
        snprintf(buf, cap, "--");
        return;
    }
    if (s < 59.95) {
        snprintf(buf, cap, "%.1f s", s);
        return;
    }
    long long t = (long long)(s + 0.5);
    if (t < 3600)
        snprintf(buf, cap, "%lld min %02lld s", t / 60, t % 60);
    else if (t < 86400)
        snprintf(buf, cap, "%lld h %02lld min", t / 3600, t / 60 % 60);
    else
        snprintf(buf, cap, "%lld d %02lld h", t / 86400, t / 3600 % 24);
}

/* ---- calibration ----------------------------------------------------------------------------- */

/* The last epoch's wall time (as cs_model_train reports it) and CPU time, and the first
 * epoch's wall time. */
typedef struct epoch_clock {
    double wall, cpu, cpu_mark, first_wall;
} epoch_clock;

static int record_epoch(const cs_epoch_report *report, void *payload)
{
    epoch_clock *ec = payload;
    double now = cpu_s();
    if (report->epoch == 1)
        ec->first_wall = report->seconds;
    ec->wall = report->seconds;
    ec->cpu = now - ec->cpu_mark;
    ec->cpu_mark = now;
    return 0;
}

/* Training on the first n records of train for `epochs` epochs: *ec the last epoch's wall and
 * CPU time, *call_secs the whole call's wall time. The first call on a model pays
 * for faulting in its workspace and starting its threads — measured: resnet18 at width 1, one
 * batch of 64 on 2 threads, 4.0 s against 1.6 s for the same call again — which a real cell
 * pays once, not per epoch; so a model's first timing runs two epochs and keeps the second, and
 * the difference between the two is the set-up every cell pays once. */
static int time_train(epoch_clock *ec, double *call_secs, cs_model *m, const cs_dataset *train, size_t n,
                      int batch, int epochs)
{
    cs_dataset *view = NULL;
    int status = cs_dataset_view(&view, train, NULL, n, NULL);
    if (status != CS_OK)
        return status;
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = epochs;
    o.batch_size = batch;
    /* Speed does not depend on the rate; a small one keeps repeated epochs on random weights
     * far from diverging. */
    o.lr = 1e-3;
    o.progress = record_epoch;
    o.payload = ec;
    ec->cpu_mark = cpu_s();
    double t0 = cli_now();
    status = cs_model_train(m, view, &o);
    *call_secs = cli_now() - t0;
    cs_dataset_destroy(view);
    return status;
}

static int time_predict(double *secs, double *cpu, cs_model *m, const cs_dataset *train, size_t n, int32_t *pred)
{
    cs_dataset *view = NULL;
    int status = cs_dataset_view(&view, train, NULL, n, NULL);
    if (status != CS_OK)
        return status;
    double t0 = cli_now(), c0 = cpu_s();
    status = cs_model_predict(pred, m, view);
    *secs = cli_now() - t0;
    *cpu = cpu_s() - c0;
    cs_dataset_destroy(view);
    return status;
}

/* The next timing's size: aimed at `target` seconds (with a margin, since a timing of exactly
 * the target is enough) from the rate so far, at least twice the last, at most 16 times,
 * whole batches, never more than the split. 0 when no larger timing fits the cap. */
static size_t next_size(size_t n, double t, double spent, double target, double cap, size_t unit, size_t limit)
{
    if (n >= limit)
        return 0;
    double grow = t > 0.0 ? 1.25 * target / t : 16.0;
    grow = grow < 2.0 ? 2.0 : grow > 16.0 ? 16.0 : grow;
    double want = (double)n * grow;
    /* What the cap leaves, at the speed measured so far. */
    double room = t > 0.0 ? (cap - spent) * (double)n / t : want;
    if (room < want)
        want = room;
    /* A slow machine can spend the whole cap on the timings so far: room is then negative,
     * and converting it to size_t would be undefined. */
    if (want <= (double)n)
        return 0;
    size_t next = want >= (double)limit ? limit : (size_t)want / unit * unit;
    return next > n ? next : 0;
}

/* One model: the training rate, then the prediction rate. prior_gflops: training GFLOP/s per
 * thread seen so far (sizes the first timing). */
static int calibrate_model(cli_plan_rate *rate, const cli_plan_model *pm, int threads, const cs_dataset *train,
                           double prior_gflops, int32_t *pred)
{
    int c = 0, h = 0, w = 0;
    cs_dataset_shape(&c, &h, &w, train);
    const size_t size = cs_dataset_size(train);
    const size_t batch = (size_t)pm->batch_size;
    cs_model *m = NULL;
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = pm->width;
    double start = cli_now();
    int status = cs_model_create(&m, pm->arch, c, h, w, cs_dataset_num_classes(train), &mo);
    if (status == CS_OK)
        status = cs_model_set_threads(m, threads);
    if (status != CS_OK)
        goto cleanup;
    rate->threads = threads;
    rate->forward_flops = cs_model_forward_flops(m);

    /* Training: two batches, or one when two epochs of two would not fit the cap at the prior
     * speed (the first timing runs two epochs, see time_train). */
    size_t n = 2 * batch;
    double guess = 3.0 * rate->forward_flops * 1e-9 / (prior_gflops * threads); /* s per image */
    if (2.0 * (double)n * guess > TRAIN_CAP)
        n = batch;
    if (n > size)
        n = size;
    double spent = 0.0, t = 0.0, call = 0.0, cpu = 0.0;
    for (int first = 1;; first = 0) {
        epoch_clock ec = { 0.0, 0.0, 0.0, 0.0 };
        status = time_train(&ec, &call, m, train, n, pm->batch_size, first ? 2 : 1);
        if (status != CS_OK)
            goto cleanup;
        /* A timing below the clock's resolution is treated as one microsecond. */
        t = ec.wall > 1e-6 ? ec.wall : 1e-6;
        if (first)
            rate->setup_s = ec.first_wall > ec.wall ? ec.first_wall - ec.wall : 0.0;
        spent += call;
        rate->train_images = n;
        rate->train_per_s = (double)n / t;
        rate->train_cpu_per_s = (double)n * threads / ec.cpu;
        if (t >= TRAIN_TARGET)
            break;
        size_t next = next_size(n, t, spent, TRAIN_TARGET, TRAIN_CAP, batch, size);
        if (next == 0)
            break;
        n = next;
    }

    /* Prediction: sized from the training rate (a forward pass is about a third of a step). */
    double infer_guess = 3.0 * rate->train_per_s;
    n = (size_t)(INFER_TARGET * infer_guess);
    n = n < INFER_MIN_IMAGES ? INFER_MIN_IMAGES : n;
    n = n > size ? size : n;
    spent = 0.0;
    for (;;) {
        status = time_predict(&t, &cpu, m, train, n, pred);
        if (status != CS_OK)
            goto cleanup;
        t = t > 1e-6 ? t : 1e-6;
        spent += t;
        rate->infer_images = n;
        rate->infer_per_s = (double)n / t;
        rate->infer_cpu_per_s = (double)n * threads / cpu;
        if (t >= INFER_TARGET)
            break;
        size_t next = next_size(n, t, spent, INFER_TARGET, INFER_CAP, 1, size);
        if (next == 0)
            break;
        n = next;
    }
cleanup:
    rate->seconds = cli_now() - start;
    cs_model_destroy(m);
    return status;
}

int cli_cell_info(cs_study_cell_info *info, const cs_study *s, int cell)
{
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
    int status = cs_study_cell(info, s, cell);
    return status == CS_OK ? 0 : cli_library_error(status);
}

/* The thread count of every model (from its cells); 0, or CLI_EXIT_LIBRARY after printing why. */
static int model_threads(int *threads, const cs_study *s, int n_models)
{
    const int cells = cs_study_num_cells(s);
    for (int i = 0; i < n_models; i++)
        threads[i] = 0;
    for (int cell = 0; cell < cells; cell++) {
        cs_study_cell_info info;
        int rc = cli_cell_info(&info, s, cell);
        if (rc != 0)
            return rc;
        if (info.model_index < 0 || info.model_index >= n_models)
            return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: the study has model %d (%s); %d described",
                                 info.model_index, info.model, n_models);
        threads[info.model_index] = info.threads;
    }
    for (int i = 0; i < n_models; i++)
        if (threads[i] < 1)
            return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: model %d has no cell", i);
    return 0;
}

int cli_plan_calibrate(cli_plan_rate *rates, const cs_study *s, const cs_dataset *train,
                       const cli_plan_model *models, int n_models)
{
    if (!rates || !s || !train || !models || n_models < 1 || n_models > CLI_MAX_MODELS)
        return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: no study, data or models to calibrate");
    int threads[CLI_MAX_MODELS], order[CLI_MAX_MODELS];
    int rc = model_threads(threads, s, n_models);
    if (rc != 0)
        return rc;
    /* Fewest FLOPs per image first (insertion sort; ties by index). */
    double flops[CLI_MAX_MODELS];
    for (int i = 0; i < n_models; i++) {
        cs_model *m = NULL;
        int c = 0, h = 0, w = 0;
        cs_dataset_shape(&c, &h, &w, train);
        cs_model_options mo = CS_MODEL_OPTIONS_INIT;
        mo.width = models[i].width;
        if (models[i].batch_size < 1)
            return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: model %d: batch size %d", i, models[i].batch_size);
        int status = cs_model_create(&m, models[i].arch, c, h, w, cs_dataset_num_classes(train), &mo);
        if (status != CS_OK)
            return cli_library_error(status);
        flops[i] = cs_model_forward_flops(m);
        cs_model_destroy(m);
        int j = i;
        while (j > 0 && flops[order[j - 1]] > flops[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    int32_t *pred = malloc(cs_dataset_size(train) * sizeof *pred);
    if (!pred)
        return cli_own_error(CS_ERR_OUT_OF_MEMORY, "plan: %zu predictions", cs_dataset_size(train));
    double prior = PRIOR_GFLOPS_PER_THREAD;
    for (int k = 0; k < n_models && rc == 0; k++) {
        int i = order[k];
        int status = calibrate_model(&rates[i], &models[i], threads[i], train, prior, pred);
        if (status != CS_OK) {
            fprintf(stderr, "%s: %s: plan: calibrating %s:%g: %s\n", cli_program, cs_status_str(status),
                    models[i].arch, models[i].width, cs_last_error());
            rc = CLI_EXIT_LIBRARY;
            break;
        }
        prior = 3.0 * rates[i].forward_flops * rates[i].train_per_s * 1e-9 / threads[i];
    }
    free(pred);
    return rc;
}

/* Per-phase rates against one GFLOP/s figure. The study's estimate is gflop = F x (3 x epochs x
 * training records + test records), F the forward FLOPs per image. Dividing it by a model's
 * training GFLOP/s (3 F x images / time) gives exactly epochs x records / training rate for
 * the training part — the factor 3 cancels — but charges each test image a third of a training
 * image's time. Prediction's measured speed is 2.8-3.3x training's depending on the model
 * (docs/performance.md: no backward pass, larger batches, different BLAS shapes), so the
 * per-phase sum below is the more accurate; the two differ by at most that error on the test
 * part, which is 0.2 % of an article cell and up to a few % of a quick-profile one. The sum
 * also counts the set-up of the model's first training call once (see time_train), which the
 * GFLOP figure cannot: a second for the big models, nothing against an article cell, but up
 * to a tenth of a quick-profile cell. */
int cli_plan_cell_seconds(double *seconds, int n, const cs_study *s, size_t test_records,
                          const cli_plan_rate *rates, int n_models)
{
    if (!seconds || !s || !rates || n != cs_study_num_cells(s))
        return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: %d cell times asked for a study of %d cells", n,
                             s ? cs_study_num_cells(s) : 0);
    for (int cell = 0; cell < n; cell++) {
        cs_study_cell_info info;
        int rc = cli_cell_info(&info, s, cell);
        if (rc != 0)
            return rc;
        if (info.model_index < 0 || info.model_index >= n_models)
            return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: cell %d has model %d; %d calibrated", cell,
                                 info.model_index, n_models);
        const cli_plan_rate *r = &rates[info.model_index];
        const double images = info.gflop * 1e9 / r->forward_flops;
        const double train_records = (images - (double)test_records) / (3.0 * info.epochs);
        /* A model described with another architecture or width than the study's shows here. */
        if (!(train_records > 0.0) || !isfinite(train_records))
            return cli_own_error(CS_ERR_INVALID_ARGUMENT,
                                 "plan: cell %d (%s, %s): %.4g GFLOP do not fit %.4g MFLOP per image and %zu "
                                 "test records; is the model described as the study added it?",
                                 cell, info.model, info.condition, info.gflop, r->forward_flops * 1e-6,
                                 test_records);
        seconds[cell] = r->setup_s + info.epochs * train_records / r->train_per_s +
                        (double)test_records / r->infer_per_s;
    }
    return 0;
}

/* ---- the plan -------------------------------------------------------------------------------- */

static const int PLAN_RANKS[] = { 1, 8, 64, 256 };

int cli_plan_print(FILE *f, const cs_study *s, const cs_dataset *train, size_t test_records,
                   const cli_plan_model *models, int n_models)
{
    const int n = cs_study_num_cells(s);
    if (!f || n < 1)
        return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: %s", !f ? "no output" : "the study has no cells");
    cli_plan_rate rates[CLI_MAX_MODELS];
    memset(rates, 0, sizeof rates);
    double *secs = malloc((size_t)n * sizeof *secs);
    if (!secs)
        return cli_own_error(CS_ERR_OUT_OF_MEMORY, "plan: %d cells", n);
    fprintf(stderr, "plan: timing %d model%s on this machine (a few seconds each)...\n", n_models,
            n_models == 1 ? "" : "s");
    double t0 = cli_now();
    int rc = cli_plan_calibrate(rates, s, train, models, n_models);
    if (rc == 0)
        rc = cli_plan_cell_seconds(secs, n, s, test_records, rates, n_models);
    if (rc == 0) {
        const double calib = cli_now() - t0;
        fprintf(f, "Calibration (%.1f s): an epoch of the first N training images per model with its cells' "
                   "threads and batch size, then prediction; every time below is from these speeds\n",
                calib);
        fprintf(f, "  %-5s %-10s %6s %7s %9s %7s %11s %9s %11s %8s %11s\n", "model", "arch", "width", "threads",
                "MFLOP/img", "N", "train img/s", "GFLOP/s", "infer img/s", "set-up", "core share");
        double worst = 1.0;
        for (int i = 0; i < n_models; i++) {
            const cli_plan_rate *r = &rates[i];
            /* How much of its threads' cores the model got: wall rate / CPU-time rate. */
            const double share = r->train_per_s / r->train_cpu_per_s;
            worst = share < worst ? share : worst;
            fprintf(f, "  %-5d %-10s %6g %7d %9.3g %7zu %11.1f %9.2f %11.1f %7.2fs %10.0f%%\n", i, models[i].arch,
                    models[i].width, r->threads, r->forward_flops * 1e-6, r->train_images, r->train_per_s,
                    3.0 * r->forward_flops * r->train_per_s * 1e-9, r->infer_per_s, r->setup_s, 100.0 * share);
        }
        /* A model whose wall-clock rate is well below what its CPU time implies was sharing its
         * cores: the estimates below are then too long, by up to that factor. */
        if (worst < 0.85)
            fprintf(f, "  note: the machine looks busy (a model ran at %.0f %% of the speed its CPU time implies); "
                       "the times below are pessimistic\n",
                    100.0 * worst);
        fputc('\n', f);
        rc = cli_plan_write(f, s, secs, n);
    }
    free(secs);
    return rc;
}

int cli_plan_write(FILE *f, const cs_study *s, const double *secs, int n)
{
    if (!f || !s || !secs || n != cs_study_num_cells(s) || n < 1)
        return cli_own_error(CS_ERR_INVALID_ARGUMENT, "plan: %d cell times for a study of %d cells", n,
                             s ? cs_study_num_cells(s) : 0);
    int *order = malloc((size_t)n * sizeof *order);
    double *in_order = malloc((size_t)n * sizeof *in_order);
    int rc = 0;
    if (!order || !in_order) {
        rc = cli_own_error(CS_ERR_OUT_OF_MEMORY, "plan: %d cells", n);
        goto cleanup;
    }
    int status = cs_study_schedule(order, n, s);
    if (status != CS_OK) {
        rc = cli_library_error(status);
        goto cleanup;
    }

    /* Cells in the runner's order: what starts first is listed first. */
    double total = 0.0, cpu = 0.0, gflop = 0.0;
    int longest = order[0], max_threads = 1;
    /* The condition column as wide as its longest name (a grid point's names two conditions). */
    int cond_width = 20;
    for (int k = 0; k < n; k++) {
        cs_study_cell_info info;
        if ((rc = cli_cell_info(&info, s, order[k])) != 0)
            goto cleanup;
        if ((int)strlen(info.condition) > cond_width)
            cond_width = (int)strlen(info.condition);
    }
    fprintf(f, "Cells in the runner's order (cs_study_schedule: most estimated GFLOP first, ties by index)\n");
    fprintf(f, "  %5s %5s  %-20s %-*s %3s %7s %6s %11s  %s\n", "order", "cell", "model", cond_width, "condition",
            "rep", "threads", "epochs", "GFLOP", "estimated");
    for (int k = 0; k < n; k++) {
        const int cell = order[k];
        cs_study_cell_info info;
        if ((rc = cli_cell_info(&info, s, cell)) != 0)
            goto cleanup;
        char d[32];
        cli_format_duration(d, sizeof d, secs[cell]);
        fprintf(f, "  %5d %5d  %-20s %-*s %3d %7d %6d %11.4g  %s\n", k + 1, cell, info.model, cond_width,
                info.condition, info.replicate, info.threads, info.epochs, info.gflop, d);
        in_order[k] = secs[cell];
        total += secs[cell];
        cpu += secs[cell] * info.threads;
        gflop += info.gflop;
        if (secs[cell] > secs[longest])
            longest = cell;
        if (info.threads > max_threads)
            max_threads = info.threads;
    }

    cs_study_cell_info li;
    if ((rc = cli_cell_info(&li, s, longest)) != 0)
        goto cleanup;
    char a[32], b[32];
    cli_format_duration(a, sizeof a, total);
    fprintf(f, "\nTotal: %d cells, %.4g GFLOP, %s on one rank, %.*f CPU-hours (seconds x threads)\n", n, gflop, a,
            cpu < 36.0 ? 4 : cpu < 360000.0 ? 2 : 0, cpu / 3600.0);
    cli_format_duration(a, sizeof a, secs[longest]);
    fprintf(f, "Longest cell: %s, %s, replicate %d: %s (no number of ranks finishes sooner)\n", li.model,
            li.condition, li.replicate, a);

    fprintf(f, "\nPredicted wall time: cells in that order, each to the first free rank; a rank trains one cell "
               "at a time with its threads (up to %d core%s per rank)\n",
            max_threads, max_threads == 1 ? "" : "s");
    fprintf(f, "  %5s %7s %16s %10s %16s %10s\n", "ranks", "cells/r", "wall", "efficiency", "lower bound",
            "wall/bound");
    for (size_t i = 0; i < sizeof PLAN_RANKS / sizeof PLAN_RANKS[0]; i++) {
        const int ranks = PLAN_RANKS[i];
        double wall = cli_schedule_makespan(in_order, n, ranks, NULL);
        double bound = cli_schedule_lower_bound(in_order, n, ranks);
        if (isnan(wall) || isnan(bound)) {
            rc = cli_own_error(CS_ERR_OUT_OF_MEMORY, "plan: simulating %d ranks", ranks);
            goto cleanup;
        }
        cli_format_duration(a, sizeof a, wall);
        cli_format_duration(b, sizeof b, bound);
        fprintf(f, "  %5d %7.2f %16s %9.1f%% %16s %10.3f\n", ranks, (double)n / ranks, a,
                100.0 * total / (ranks * wall), b, wall / bound);
    }
    fprintf(f, "Efficiency = one rank's time / (ranks x wall); handing out cells and returning records "
               "counted as free.\n");
cleanup:
    free(order);
    free(in_order);
    return rc;
}
