/* bench_schedule: how a study scales out — the wall time and efficiency the runner's scheduling
 * policy gives on 1 … 512 ranks, simulated from per-cell costs (docs/scaling.md).
 *
 *   bench_schedule [--profile quick|standard|article] [--data SPEC] [--models LIST]
 *                  [--noise LIST] [--reduce LIST] [--matched] [--seeds N] [--epochs E]
 *                  [--batch B] [--train-subset N] [--test-subset N] [--threads T]
 *                  [--ranks 1,2,4,...] [--measured STORE | --costs CSV | --cpu-rates]
 *                  [--save-costs CSV] [--cells] [--plan]
 *
 * The study is built as `classsens study` builds it from the same options. Per-cell costs come
 * from a calibration on this machine (cli_plan.c: a few seconds of training per model); with
 * --measured, from the train_seconds + test_seconds of the cells of an existing store of that
 * study (cells the store lacks are extrapolated from their model's measured seconds per
 * estimated GFLOP); with --costs, from a file that --save-costs wrote for the same study (so
 * that one calibration can be simulated again and again, and kept). --cpu-rates takes the
 * calibration's rates from the process's CPU time instead of the wall clock: on a machine busy
 * with other work, the speed each model would have with its cores to itself (an upper bound:
 * it assumes the threads never wait).
 *
 * The policy simulated is the runner's under MPI: cells in cs_study_schedule() order (most
 * estimated GFLOP first) to whichever rank is free first, one cell at a time per rank. For
 * comparison the last column sorts by the costs themselves (LPT on true times). --plan prints
 * instead what `classsens study --plan` prints for the same study (cli_plan_print; with
 * --measured or --costs, its part after the calibration, from those costs). Uses only the
 * public API and the tool's own helpers. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <classsens.h>

#include "cli_args.h"
#include "cli_plan.h"
#include "cli_profiles.h"

#define MAX_LISTS 16
#define MAX_RANKS 64


static const int DEFAULT_RANKS[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };

typedef struct args {
    const cli_profile *prof;
    const char *data, *models, *measured, *costs_in, *costs_out;
    const char *noise[MAX_LISTS], *reduce[MAX_LISTS];
    int n_noise, n_reduce;
    int matched, seeds, batch, epochs, threads, list_cells, cpu_rates, plan;
    int have_seeds, have_batch, have_train_subset, have_test_subset;
    size_t train_subset, test_subset;
    int ranks[MAX_RANKS], n_ranks;
} args;

static void help(void)
{
    printf("usage: bench_schedule [OPTIONS]\n"
           "\n"
           "Simulate the runner's scheduling of a study on 1..512 ranks: predicted wall time,\n"
           "efficiency, cells and idle time per rank, and the longest-cell bound.\n"
           "\n"
           "  --profile NAME       quick (default), standard or article; the options below override it\n"
           "  --data SPEC          %s (default fashion-mnist)\n"
           "  --models LIST        arch[:width][@epochs][/lr],...\n"
           "  --noise MODE:LEVELS  label-noise conditions (repeatable; 'none')\n"
           "  --reduce MODE:LEVELS data-reduction conditions (repeatable; 'none')\n"
           "  --matched            add each noise condition's matched-volume control\n"
           "  --seeds N            replicates\n"
           "  --epochs E           epochs of every model without @epochs\n"
           "  --batch B            mini-batch size\n"
           "  --train-subset N     training subset (0: whole split)\n"
           "  --test-subset N      test subset (0: whole split)\n"
           "  --threads T          threads per cell (0: the library's rule, default)\n"
           "  --ranks LIST         rank counts (default 1,2,4,...,512)\n"
           "  --measured STORE     per-cell costs from a store of this study instead of calibrating\n"
           "  --costs CSV          per-cell costs from a file written by --save-costs for this study\n"
           "  --save-costs CSV     write the per-cell costs used (cell,model,condition,replicate,threads,\n"
           "                       gflop,seconds)\n"
           "  --cpu-rates          calibrated rates from CPU time, not wall time (a busy machine)\n"
           "  --plan               print what classsens study --plan prints for this study (from the\n"
           "                       costs of --measured or --costs when given), and stop\n"
           "  --cells              also list every cell's cost\n",
           CLI_DATA_SYNTAX);
}

static int parse_ranks(args *a, const char *text)
{
    a->n_ranks = 0;
    const char *p = text;
    while (*p) {
        char buf[32];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof buf)
            return cli_usage_error("--ranks: expected a comma-separated list of counts, got '%s'", text);
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (a->n_ranks == MAX_RANKS)
            return cli_usage_error("--ranks: at most %d counts", MAX_RANKS);
        int rc = cli_parse_int("--ranks", buf, 1, &a->ranks[a->n_ranks]);
        if (rc != 0)
            return rc;
        a->n_ranks++;
        p += len;
        if (*p == ',')
            p++;
    }
    return a->n_ranks > 0 ? 0 : cli_usage_error("--ranks: empty list");
}

static int parse_args(args *a, int argc, char **argv)
{
    static const cli_option defs[] = {
        { "profile", 1 }, { "data", 1 }, { "models", 1 }, { "noise", 1 }, { "reduce", 1 },
        { "matched", 0 }, { "seeds", 1 }, { "epochs", 1 }, { "batch", 1 }, { "train-subset", 1 },
        { "test-subset", 1 }, { "threads", 1 }, { "ranks", 1 }, { "measured", 1 }, { "cells", 0 },
        { "cpu-rates", 0 }, { "plan", 0 }, { "costs", 1 }, { "save-costs", 1 },
    };
    enum { O_PROFILE, O_DATA, O_MODELS, O_NOISE, O_REDUCE, O_MATCHED, O_SEEDS, O_EPOCHS, O_BATCH,
           O_TRAIN_SUBSET, O_TEST_SUBSET, O_THREADS, O_RANKS, O_MEASURED, O_CELLS, O_CPU_RATES, O_PLAN, O_COSTS,
           O_SAVE_COSTS };
    memset(a, 0, sizeof *a);
    a->prof = &CLI_PROFILES[0];
    a->data = "fashion-mnist";
    a->n_ranks = (int)(sizeof DEFAULT_RANKS / sizeof DEFAULT_RANKS[0]);
    memcpy(a->ranks, DEFAULT_RANKS, sizeof DEFAULT_RANKS);
    cli_scanner sc = { argc, 1, argv, "bench_schedule" };
    int which = 0, kind, rc = 0;
    const char *v;
    while (rc == 0 && (kind = cli_scan_next(&sc, defs, (int)(sizeof defs / sizeof defs[0]), &which, &v)) != CLI_SCAN_END) {
        if (kind == CLI_SCAN_ERROR)
            return CLI_EXIT_USAGE;
        if (kind == CLI_SCAN_HELP) {
            help();
            return -1;
        }
        if (kind == CLI_SCAN_POSITIONAL)
            return cli_usage_error("unexpected argument '%s' (see --help)", v);
        switch (which) {
        case O_PROFILE:
            a->prof = cli_profile_find(v);
            if (!a->prof)
                return cli_usage_error("--profile: unknown profile '%s' (expected quick, standard or article)", v);
            break;
        case O_DATA: a->data = v; break;
        case O_MODELS: a->models = v; break;
        case O_NOISE:
        case O_REDUCE: {
            const char **list = which == O_NOISE ? a->noise : a->reduce;
            int *n = which == O_NOISE ? &a->n_noise : &a->n_reduce;
            if (*n == MAX_LISTS)
                return cli_usage_error("--%s given more than %d times", defs[which].name, MAX_LISTS);
            list[(*n)++] = v;
            break;
        }
        case O_MATCHED: a->matched = 1; break;
        case O_SEEDS: rc = cli_parse_int("--seeds", v, 1, &a->seeds); a->have_seeds = 1; break;
        case O_EPOCHS: rc = cli_parse_int("--epochs", v, 1, &a->epochs); break;
        case O_BATCH: rc = cli_parse_int("--batch", v, 1, &a->batch); a->have_batch = 1; break;
        case O_TRAIN_SUBSET: rc = cli_parse_size("--train-subset", v, &a->train_subset); a->have_train_subset = 1; break;
        case O_TEST_SUBSET: rc = cli_parse_size("--test-subset", v, &a->test_subset); a->have_test_subset = 1; break;
        case O_THREADS: rc = cli_parse_int("--threads", v, 0, &a->threads); break;
        case O_RANKS: rc = parse_ranks(a, v); break;
        case O_MEASURED: a->measured = v; break;
        case O_CELLS: a->list_cells = 1; break;
        case O_CPU_RATES: a->cpu_rates = 1; break;
        case O_PLAN: a->plan = 1; break;
        case O_COSTS: a->costs_in = v; break;
        case O_SAVE_COSTS: a->costs_out = v; break;
        default: break;
        }
    }
    if (rc != 0)
        return rc;
    if ((a->measured || a->costs_in) && a->cpu_rates)
        return cli_usage_error("--cpu-rates is for calibrated costs, not with --measured or --costs");
    if (a->measured && a->costs_in)
        return cli_usage_error("--measured and --costs both give the costs; choose one");
    if (!a->have_seeds)
        a->seeds = a->prof->seeds;
    if (!a->have_batch)
        a->batch = a->prof->batch;
    if (a->n_noise == 0)
        a->noise[a->n_noise++] = a->prof->noise;
    if (a->n_reduce == 0)
        a->reduce[a->n_reduce++] = a->prof->reduce;
    return 0;
}

/* Models with epochs and rates as `classsens study` resolves them: a model's own @E (when
 * --models is given), then --epochs, then the profile's value for that architecture, then 10;
 * the rate likewise without --lr (it does not change the cost). */
static int resolve_models(const args *a, cli_model_spec *models, int *n)
{
    int rc = cli_parse_models(a->models ? a->models : a->prof->models, models, n);
    cli_model_spec prof[CLI_MAX_MODELS];
    int n_prof = 0;
    if (rc == 0)
        rc = cli_parse_models(a->prof->models, prof, &n_prof);
    if (rc != 0)
        return rc;
    for (int i = 0; i < *n; i++) {
        cli_model_spec *m = &models[i];
        const cli_model_spec *p = NULL;
        for (int j = 0; j < n_prof; j++)
            if (prof[j].arch == m->arch)
                p = &prof[j];
        if (!(m->epochs > 0 && a->models)) {
            if (a->epochs > 0)
                m->epochs = a->epochs;
            else if (m->epochs <= 0)
                m->epochs = p ? p->epochs : 10;
        }
        if (!(m->lr > 0.0 && a->models) && m->lr <= 0.0 && p)
            m->lr = p->lr;
    }
    return 0;
}

/* Costs from a store: every cell of the study the store holds gives train + test seconds; the
 * others are extrapolated from their model's stored cells (seconds per estimated GFLOP). */
static int measured_costs(double *cost, const cs_study *s, const char *store, int n_models)
{
    cs_results *r = NULL;
    int status = cs_results_open(&r, store);
    if (status != CS_OK)
        return cli_library_error(status);
    const int n = cs_study_num_cells(s);
    double model_secs[CLI_MAX_MODELS] = { 0 }, model_gflop[CLI_MAX_MODELS] = { 0 };
    int model_cells[CLI_MAX_MODELS] = { 0 };
    char *have = calloc((size_t)n, 1);
    int rc = have ? 0 : cli_own_error(CS_ERR_OUT_OF_MEMORY, "%d cells", n);
    int found = 0, thread_mismatch = 0;
    for (int cell = 0; cell < n && rc == 0; cell++) {
        cs_study_cell_info info;
        if ((rc = cli_cell_info(&info, s, cell)) != 0)
            break;
        int mi = -1, ci = -1;
        for (int j = 0; j < cs_results_num_models(r); j++)
            if (strcmp(cs_results_model_name(r, j), info.model) == 0)
                mi = j;
        for (int j = 0; j < cs_results_num_conditions(r); j++)
            if (strcmp(cs_results_condition_name(r, j), info.condition) == 0)
                ci = j;
        if (mi < 0 || ci < 0 || info.replicate >= cs_results_replicates(r))
            continue;
        cs_cell_result cr;
        memset(&cr, 0, sizeof cr);
        cr.struct_size = sizeof cr;
        if (cs_results_cell(&cr, r, mi, ci, info.replicate) != CS_OK)
            continue;
        cost[cell] = cr.train_seconds + cr.test_seconds;
        have[cell] = 1;
        found++;
        thread_mismatch += cr.threads != info.threads;
        model_secs[info.model_index] += cost[cell];
        model_gflop[info.model_index] += info.gflop;
        model_cells[info.model_index]++;
    }
    for (int cell = 0; cell < n && rc == 0; cell++) {
        if (have[cell])
            continue;
        cs_study_cell_info info;
        if ((rc = cli_cell_info(&info, s, cell)) != 0)
            break;
        if (info.model_index >= n_models || model_cells[info.model_index] == 0) {
            rc = cli_own_error(CS_ERR_NOT_FOUND, "%s holds no cell of model %s: nothing to extrapolate its cells from",
                               store, info.model);
            break;
        }
        cost[cell] = info.gflop * model_secs[info.model_index] / model_gflop[info.model_index];
    }
    if (rc == 0) {
        printf("Costs measured: %d of %d cells from %s (train_seconds + test_seconds); the other %d "
               "extrapolated from their model's seconds per estimated GFLOP\n",
               found, n, store, n - found);
        if (thread_mismatch)
            printf("warning: %d stored cells ran with another thread count than this study's\n", thread_mismatch);
    }
    free(have);
    cs_results_destroy(r);
    return rc;
}

/* One line per cell, in index order; seconds with 17 significant digits so that a file read
 * back gives the same simulation. Names never contain commas (cs_study_add_model and
 * cs_perturb_spec_format allow none). */
static int save_costs(const char *path, const cs_study *s, const double *cost)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_own_error(CS_ERR_IO, "cannot write %s", path);
    fprintf(f, "cell,model,condition,replicate,threads,gflop,seconds\n");
    int rc = 0;
    for (int cell = 0; cell < cs_study_num_cells(s) && rc == 0; cell++) {
        cs_study_cell_info info;
        rc = cli_cell_info(&info, s, cell);
        if (rc == 0)
            fprintf(f, "%d,%s,%s,%d,%d,%.17g,%.17g\n", cell, info.model, info.condition, info.replicate,
                    info.threads, info.gflop, cost[cell]);
    }
    if (fclose(f) != 0 && rc == 0)
        rc = cli_own_error(CS_ERR_IO, "writing %s failed", path);
    return rc;
}

/* Reads a file of save_costs: every cell of the study once, with its model, condition and
 * replicate as this study has them. */
static int load_costs(double *cost, const cs_study *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cli_own_error(CS_ERR_NOT_FOUND, "cannot open %s", path);
    const int n = cs_study_num_cells(s);
    char *seen = calloc((size_t)n, 1);
    char line[1024];
    int rc = seen ? 0 : cli_own_error(CS_ERR_OUT_OF_MEMORY, "%d cells", n), lineno = 1, count = 0;
    if (rc == 0 && (!fgets(line, sizeof line, f) || strncmp(line, "cell,model,condition,", 21) != 0))
        rc = cli_own_error(CS_ERR_FORMAT, "%s: line 1: expected the header cell,model,condition,...", path);
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        int cell = -1, rep = -1, threads = 0;
        char model[256], cond[512];
        double gflop = 0.0, secs = 0.0;
        int fields = sscanf(line, "%d,%255[^,],%511[^,],%d,%d,%lf,%lf", &cell, model, cond, &rep, &threads, &gflop,
                            &secs);
        if (fields != 7 || cell < 0 || cell >= n || seen[cell] || !(secs >= 0.0)) {
            rc = cli_own_error(CS_ERR_FORMAT, "%s: line %d: expected a new cell of 0..%d with its costs", path, lineno,
                               n - 1);
            break;
        }
        cs_study_cell_info info;
        rc = cli_cell_info(&info, s, cell);
        if (rc == 0 && (strcmp(model, info.model) != 0 || strcmp(cond, info.condition) != 0 || rep != info.replicate))
            rc = cli_own_error(CS_ERR_STATE, "%s: line %d: cell %d is %s, %s, replicate %d in this study", path,
                               lineno, cell, info.model, info.condition, info.replicate);
        seen[cell] = 1;
        cost[cell] = secs;
        count++;
    }
    if (rc == 0 && count != n)
        rc = cli_own_error(CS_ERR_FORMAT, "%s: %d cells; the study has %d", path, count, n);
    if (rc == 0)
        printf("Costs read: %d cells from %s\n", n, path);
    free(seen);
    fclose(f);
    return rc;
}

static int cmp_desc(const void *pa, const void *pb, const double *cost)
{
    const int a = *(const int *)pa, b = *(const int *)pb;
    if (cost[a] != cost[b])
        return cost[a] > cost[b] ? -1 : 1;
    return (a > b) - (a < b);
}

/* Sorting by the costs themselves (ties by index); qsort has no payload, and n is small. */
static void sort_by_cost(int *idx, int n, const double *cost)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = 1; i < n; i++) {
        int v = idx[i], j = i;
        while (j > 0 && cmp_desc(&idx[j - 1], &v, cost) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

static int report(const args *a, const cs_study *s, const double *cost, int n_models)
{
    const int n = cs_study_num_cells(s);
    int *order = malloc((size_t)n * sizeof *order), *lpt = malloc((size_t)n * sizeof *lpt);
    double *in_order = malloc((size_t)n * sizeof *in_order), *in_lpt = malloc((size_t)n * sizeof *in_lpt);
    int max_ranks = 1;
    for (int i = 0; i < a->n_ranks; i++)
        max_ranks = a->ranks[i] > max_ranks ? a->ranks[i] : max_ranks;
    double *idle = malloc((size_t)max_ranks * sizeof *idle);
    int rc = 0;
    if (!order || !lpt || !in_order || !in_lpt || !idle) {
        rc = cli_own_error(CS_ERR_OUT_OF_MEMORY, "%d cells", n);
        goto cleanup;
    }
    int status = cs_study_schedule(order, n, s);
    if (status != CS_OK) {
        rc = cli_library_error(status);
        goto cleanup;
    }
    sort_by_cost(lpt, n, cost);
    double total = 0.0, cpu = 0.0;
    int longest = 0, max_threads = 1;
    if (a->list_cells)
        printf("\n  %5s %5s  %-20s %-20s %3s %7s %11s %14s\n", "order", "cell", "model", "condition", "rep",
               "threads", "GFLOP", "seconds");
    for (int k = 0; k < n; k++) {
        cs_study_cell_info info;
        if ((rc = cli_cell_info(&info, s, order[k])) != 0)
            goto cleanup;
        in_order[k] = cost[order[k]];
        in_lpt[k] = cost[lpt[k]];
        total += cost[order[k]];
        cpu += cost[order[k]] * info.threads;
        if (cost[order[k]] > cost[longest])
            longest = order[k];
        max_threads = info.threads > max_threads ? info.threads : max_threads;
        if (a->list_cells)
            printf("  %5d %5d  %-20s %-20s %3d %7d %11.4g %14.1f\n", k + 1, order[k], info.model, info.condition,
                   info.replicate, info.threads, info.gflop, cost[order[k]]);
    }
    cs_study_cell_info li;
    if ((rc = cli_cell_info(&li, s, longest)) != 0)
        goto cleanup;
    char t1[32], t2[32], t3[32], t4[32], t5[32];
    cli_format_duration(t1, sizeof t1, total);
    cli_format_duration(t2, sizeof t2, cost[longest]);
    printf("\n%d cells of %d model%s; one rank: %s, %.2f CPU-hours (seconds x threads, up to %d per cell)\n", n,
           n_models, n_models == 1 ? "" : "s", t1, cpu / 3600.0, max_threads);
    printf("Longest cell: %s, %s, replicate %d: %s = %.2f %% of the total; one rank's time / longest = %.1f "
           "ranks at most can be kept busy to the end\n",
           li.model, li.condition, li.replicate, t2, 100.0 * cost[longest] / total, total / cost[longest]);
    printf("\n%6s %8s %14s %7s %8s %14s %14s %14s %8s %7s %14s %7s\n", "ranks", "cells/r", "wall", "eff.",
           "core eff", "idle/r mean", "idle/r max", "lower bound", "bound by", "wall/lb", "LPT true cost", "eff.");
    int worst_rank = 0;
    double worst_eff = INFINITY;
    for (int i = 0; i < a->n_ranks; i++) {
        const int ranks = a->ranks[i];
        double wall = cli_schedule_makespan(in_order, n, ranks, idle);
        double bound = cli_schedule_lower_bound(in_order, n, ranks);
        double wall_lpt = cli_schedule_makespan(in_lpt, n, ranks, NULL);
        if (isnan(wall) || isnan(bound) || isnan(wall_lpt)) {
            rc = cli_own_error(CS_ERR_OUT_OF_MEMORY, "simulating %d ranks", ranks);
            goto cleanup;
        }
        double idle_sum = 0.0, idle_max = 0.0;
        for (int r = 0; r < ranks; r++) {
            idle_sum += idle[r];
            idle_max = idle[r] > idle_max ? idle[r] : idle_max;
        }
        const double eff = total / (ranks * wall);
        if (n >= 2 * ranks && !(eff >= worst_eff)) {
            worst_eff = eff;
            worst_rank = ranks;
        }
        cli_format_duration(t1, sizeof t1, wall);
        cli_format_duration(t2, sizeof t2, idle_sum / ranks);
        cli_format_duration(t3, sizeof t3, idle_max);
        cli_format_duration(t4, sizeof t4, bound);
        cli_format_duration(t5, sizeof t5, wall_lpt);
        printf("%6d %8.2f %14s %6.1f%% %7.1f%% %14s %14s %14s %8s %7.3f %14s %6.1f%%\n", ranks, (double)n / ranks,
               t1, 100.0 * eff, 100.0 * cpu / (ranks * max_threads * wall), t2, t3, t4,
               cost[longest] >= total / ranks ? "longest" : "average", wall / bound, t5,
               100.0 * total / (ranks * wall_lpt));
    }
    printf("eff. = one rank's time / (ranks x wall); core eff = CPU time / (ranks x %d cores x wall), a rank "
           "having the cores of the cell with the most threads\n",
           max_threads);
    if (worst_rank > 0)
        printf("\nWith at least two cells per rank the lowest efficiency is %.1f %% (%d ranks): "
               "the 90 %% goal is %s.\n",
               100.0 * worst_eff, worst_rank, worst_eff >= 0.9 ? "met" : "missed");
    else
        printf("\nNo rank count here has two cells per rank.\n");
cleanup:
    free(order);
    free(lpt);
    free(in_order);
    free(in_lpt);
    free(idle);
    return rc;
}

int main(int argc, char **argv)
{
    cli_program = "bench_schedule";
    args a;
    int rc = parse_args(&a, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    cli_data_spec data;
    cli_model_spec models[CLI_MAX_MODELS];
    cs_perturb_spec *conds[CLI_MAX_CONDITIONS];
    int n_models = 0, n_conds = 0;
    rc = cli_parse_data_spec(&data, a.data, 1);
    if (rc == 0)
        rc = resolve_models(&a, models, &n_models);
    for (int i = 0; i < a.n_noise && rc == 0; i++)
        rc = cli_parse_conditions("--noise", a.noise[i], 0, conds, &n_conds);
    for (int i = 0; i < a.n_reduce && rc == 0; i++)
        rc = cli_parse_conditions("--reduce", a.reduce[i], 1, conds, &n_conds);
    if (rc != 0) {
        for (int i = 0; i < n_conds; i++)
            cs_perturb_spec_destroy(conds[i]);
        return rc;
    }

    cs_dataset *train = NULL, *test = NULL;
    cs_study *s = NULL;
    double *cost = NULL;
    int status = cli_open_data(&data, &train, &test);
    if (status != CS_OK) {
        rc = cli_library_error(status);
        goto cleanup;
    }
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = a.seeds;
    so.matched_controls = a.matched;
    so.train_subset = a.have_train_subset ? a.train_subset : a.prof->train_subset;
    so.test_subset = a.have_test_subset ? a.test_subset : a.prof->test_subset;
    if (!a.have_train_subset && so.train_subset >= cs_dataset_size(train))
        so.train_subset = 0;
    if (!a.have_test_subset && so.test_subset >= cs_dataset_size(test))
        so.test_subset = 0;
    char name[256];
    cli_data_name(&data, name, sizeof name);
    status = cs_study_create(&s, train, test, name, &so);
    cli_plan_model pm[CLI_MAX_MODELS];
    for (int i = 0; i < n_models && status == CS_OK; i++) {
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        t.epochs = models[i].epochs;
        t.batch_size = a.batch;
        t.lr = models[i].lr;
        t.threads = a.threads;
        status = cs_study_add_model(s, NULL, models[i].arch, models[i].width, &t);
        pm[i] = (cli_plan_model){ models[i].arch, models[i].width, a.batch };
    }
    for (int i = 0; i < n_conds && status == CS_OK; i++)
        status = cs_study_add_condition(s, conds[i]);
    if (status != CS_OK) {
        rc = cli_library_error(status);
        goto cleanup;
    }
    const int n = cs_study_num_cells(s);
    const size_t test_records = so.test_subset ? so.test_subset : cs_dataset_size(test);
    printf("bench_schedule: profile %s, %d cells on %s (%zu training / %zu test records), library %s\n",
           a.prof->name, n, name, so.train_subset ? so.train_subset : cs_dataset_size(train), test_records,
           cs_version_string());
    fflush(stdout);
    if (a.plan && !a.measured && !a.costs_in) {
        rc = cli_plan_print(stdout, s, train, test_records, pm, n_models);
        goto cleanup;
    }
    cost = malloc((size_t)n * sizeof *cost);
    if (!cost) {
        rc = cli_own_error(CS_ERR_OUT_OF_MEMORY, "%d cells", n);
        goto cleanup;
    }
    if (a.measured) {
        rc = measured_costs(cost, s, a.measured, n_models);
    } else if (a.costs_in) {
        rc = load_costs(cost, s, a.costs_in);
    } else {
        cli_plan_rate rates[CLI_MAX_MODELS];
        rc = cli_plan_calibrate(rates, s, train, pm, n_models);
        if (rc == 0) {
            double spent = 0.0;
            printf("Costs calibrated on this machine (an epoch of the first N training images, then prediction); "
                   "rates by %s:\n",
                   a.cpu_rates ? "CPU time (images x threads / CPU seconds)" : "wall time");
            printf("  %-10s %6s %7s %9s %7s %11s %11s %9s %11s %11s %7s %8s\n", "arch", "width", "threads", "MFLOP/img",
                   "N", "train img/s", "(CPU time)", "GFLOP/s", "infer img/s", "(CPU time)", "set-up", "took");
            for (int i = 0; i < n_models; i++) {
                cli_plan_rate *r = &rates[i];
                printf("  %-10s %6g %7d %9.3g %7zu %11.1f %11.1f %9.2f %11.1f %11.1f %6.2fs %7.1fs\n", pm[i].arch,
                       pm[i].width, r->threads, r->forward_flops * 1e-6, r->train_images, r->train_per_s,
                       r->train_cpu_per_s,
                       3.0 * r->forward_flops * (a.cpu_rates ? r->train_cpu_per_s : r->train_per_s) * 1e-9,
                       r->infer_per_s, r->infer_cpu_per_s, r->setup_s, r->seconds);
                spent += r->seconds;
                if (a.cpu_rates) {
                    r->train_per_s = r->train_cpu_per_s;
                    r->infer_per_s = r->infer_cpu_per_s;
                }
            }
            printf("  calibration: %.1f s\n", spent);
            rc = cli_plan_cell_seconds(cost, n, s, test_records, rates, n_models);
        }
    }
    if (rc == 0 && a.costs_out)
        rc = save_costs(a.costs_out, s, cost);
    if (rc == 0 && a.plan)
        rc = cli_plan_write(stdout, s, cost, n);
    else if (rc == 0)
        rc = report(&a, s, cost, n_models);
cleanup:
    free(cost);
    cs_study_destroy(s);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    for (int i = 0; i < n_conds; i++)
        cs_perturb_spec_destroy(conds[i]);
    return rc;
}
