/* classsens: the command-line tool. Runs a class-sensitivity study into a resumable store and
 * writes its report, rebuilds a report from a store, or describes a data set.
 *
 *   classsens study [--profile quick|standard|article] [--data SPEC] [--models LIST] [--noise LIST]
 *                   [--reduce LIST] [--matched] [--grid|--no-grid] [--seeds N] [--seed S] [--epochs E|per-model]
 *                   [--batch B] [--train-subset N] [--test-subset N] [--jobs N] [--threads T]
 *                   [--shard I/N] [--plan] [--data-per-rank] [--out DIR] [--no-report] [--quiet]
 *                   [--precision fp32|bf16] [--retry-failed] [--target T] [--no-record-scores]
 *   mpirun -np N classsens study ...   (one study over N processes on any number of hosts)
 *   classsens status DIR
 *   classsens report DIR [--out OUTDIR] [--confidence C] [--top K] [--target T] [--data SPEC]
 *   classsens info DATA
 *
 * Exit codes: 0 done; 1 a library failure (the line names the status and cs_last_error());
 * 2 bad arguments; 130 interrupted (the store keeps the finished cells).
 *
 * This file holds the study and report subcommands and the progress display; the parsers of
 * options, data sets, model and perturbation lists are in cli_args.c, the other subcommands
 * in cli_status.c, cli_info.c and cli_models.c. Uses only the public API. */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with realpath() */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <classsens.h>

#include "cli_args.h"
#include "cli_info.h"
#include "cli_models.h"
#include "cli_plan.h"
#include "cli_profiles.h"
#include "cli_progress.h"
#include "cli_status.h"
#ifdef CLASSSENS_HAVE_MPI
#include "study/mpi.h"
#endif

#define EXIT_INTERRUPTED 130
#define MAX_LISTS 16

/* Under mpirun: this process's rank; -1 otherwise. */
static int mpi_rank = -1;

/* ---- study -------------------------------------------------------------------------------- */

typedef struct study_args {
    const cli_profile *prof;
    const char *data, *models, *out, *epochs, *lr, *augment;
    cs_precision precision;
    const char *noise[MAX_LISTS], *reduce[MAX_LISTS];
    int n_noise, n_reduce;
    int matched, grid, no_grid, no_report, quiet, retry_failed, no_record_scores;
    int seeds, batch, jobs, threads;
    double target;
    int crop_padding, flip;
    int shard_index, shard_count, plan, data_per_rank;
    int have_seeds, have_batch, have_train_subset, have_test_subset, have_target;
    uint64_t seed;
    size_t train_subset, test_subset;
} study_args;

static void study_help(void)
{
    char archs[256];
    cli_arch_list(archs, sizeof archs);
    printf("usage: classsens study [OPTIONS]\n"
           "\n"
           "Train every (model, condition, replicate) cell on a data set, evaluate it on the clean\n"
           "test split, keep each finished cell in a store (running the same command again\n"
           "resumes), then write report.html, figures/, results.csv, learning_curves.csv and\n"
           "summary.json there.\n"
           "\n"
           "  --profile NAME      starting values (default quick); the options below override them\n"
           "  --data SPEC         %s\n"
           "  --models LIST       arch[:width][@epochs][/lr],..., e.g. lenet,resnet18:0.5,googlenet:0.25@10,\n"
           "                      arch one of %s\n"
           "                      (classsens models lists them with their size and cost)\n"
           "  --noise MODE:LEVELS label noise, e.g. shuffle:0.1,0.3 or pairflip:cyclic:0.2 (repeatable;\n"
           "                      'none' for no noise conditions)\n"
           "  --reduce MODE:LEVELS data reduction (fraction kept), e.g. uniform:0.4,0.1 or stratified:0.5\n"
           "                      (repeatable; 'none' for no reduction conditions)\n"
           "  --matched           add each noise condition's matched-volume control\n"
           "  --grid              also train every --noise level on every --reduce level (uniform or\n"
           "                      stratified): the noise x volume grid, seeds nested so that each\n"
           "                      point's reduced set is its reduction condition's (the quick profile\n"
           "                      has it over its own conditions unless --noise or --reduce is given)\n"
           "  --no-grid           no grid, not even the profile's\n"
           "  --seeds N           replicates per (model, condition)\n"
           "  --seed S            the study seed every random stream derives from (default 0)\n"
           "  --epochs E          epochs of every model without @epochs; 'per-model' (default) keeps\n"
           "                      the profile's epochs per architecture\n"
           "  --lr LR             learning rate of every model without /lr (default: the profile's,\n"
           "                      else 0.1 for models with BatchNorm and 0.01 for lenet and custom)\n"
           "  --batch B           mini-batch size\n"
           "  --precision P       fp32 (default) or bf16: bf16 products with fp32 sums and weights\n"
           "                      (needs AVX512_BF16; part of the configuration)\n"
           "  --augment A         training augmentation: none, flip, crop:P or crop:P+flip (random\n"
           "                      crop after zero padding of P pixels, random horizontal flips)\n"
           "  --train-subset N    stratified training subset (0: the whole split)\n"
           "  --test-subset N     stratified test subset (0: the whole split)\n"
           "  --jobs N            cells trained at once (0: one per CPU; default)\n"
           "  --threads T         threads of every cell (0: automatic, 1 below 100 MFLOP per image and\n"
           "                      2 above; part of the configuration, results depend on it)\n"
           "  --shard I/N         train only shard I (0..N-1) of N, split by estimated cost, into a store\n"
           "                      on a shared directory (job arrays); no report: run `classsens report`\n"
           "                      when every shard is done\n"
           "  --plan              print the cells, their estimated cost and the predicted wall time on\n"
           "                      1..256 processes (after a few seconds of timing), and train nothing\n"
           "  --data-per-rank     under mpirun: every rank reads the data set itself (a shared file\n"
           "                      system) instead of receiving it from rank 0\n"
           "  --out DIR           the store and report directory\n"
           "  --no-report         only run the cells\n"
           "  --target T          target accuracy of the report's learning curves, in (0, 1): the\n"
           "                      training records of each class needed to reach it (default 0.9)\n"
           "  --retry-failed      train again the cells that failed (training diverged) in an earlier\n"
           "                      run; without it they stay failed (classsens status lists them)\n"
           "  --no-record-scores  do not store each cell's per-record training scores (records/,\n"
           "                      the report's records.csv.gz); results are the same either way\n"
           "  --quiet             print only errors and the final line\n"
           "\n"
           "Profiles:\n",
           CLI_DATA_SYNTAX, archs);
    for (size_t i = 0; i < CLI_NUM_PROFILES; i++) {
        const cli_profile *p = &CLI_PROFILES[i];
        printf("  %s: %s\n    --data %s --models %s\n    --noise %s --reduce %s%s --seeds %d --batch %d\n"
               "    --augment %s --train-subset %zu --test-subset %zu --out %s\n",
               p->name, p->about, p->data, p->models, p->noise, p->reduce, p->grid ? " --grid" : "", p->seeds,
               p->batch, p->augment, p->train_subset, p->test_subset, p->out);
    }
    printf("\nA cell whose training diverges (NaN or infinite loss) is kept as a failed cell and the study\n"
           "goes on; the report lists failed cells and leaves them out of every statistic.\n");
    printf("\nCtrl-C (or SIGTERM) stops after the cells in flight are abandoned; the finished ones stay in\n"
           "the store. Under mpirun (mpirun -np N classsens study ...) rank 0 hands out the cells, most\n"
           "expensive first, and alone writes the store; the results are byte-identical to one process.\n");
}

/* "I/N": shard I of N, 0 <= I < N. */
static int parse_shard(const char *v, int *index, int *count)
{
    const char *slash = strchr(v, '/');
    char first[32];
    if (!slash || (size_t)(slash - v) >= sizeof first)
        return cli_usage_error("--shard wants I/N (shard I of N, 0 <= I < N), got '%s'", v);
    memcpy(first, v, (size_t)(slash - v));
    first[slash - v] = '\0';
    long i = 0, n = 0;
    if (cli_parse_long("--shard", first, 0, 65535, &i) != 0 || cli_parse_long("--shard", slash + 1, 1, 65536, &n) != 0)
        return CLI_EXIT_USAGE;
    if (i >= n)
        return cli_usage_error("--shard %ld/%ld: the shard index must be below the count (0..%ld)", i, n, n - 1);
    *index = (int)i;
    *count = (int)n;
    return 0;
}

static int parse_study_args(study_args *a, int argc, char **argv)
{
    static const cli_option defs[] = {
        { "profile", 1 }, { "data", 1 }, { "models", 1 }, { "noise", 1 }, { "reduce", 1 },
        { "matched", 0 }, { "seeds", 1 }, { "seed", 1 }, { "epochs", 1 }, { "batch", 1 },
        { "train-subset", 1 }, { "test-subset", 1 }, { "jobs", 1 }, { "out", 1 }, { "no-report", 0 },
        { "quiet", 0 }, { "lr", 1 }, { "threads", 1 }, { "shard", 1 }, { "plan", 0 }, { "data-per-rank", 0 },
        { "augment", 1 }, { "precision", 1 }, { "retry-failed", 0 }, { "target", 1 },
        { "no-record-scores", 0 }, { "grid", 0 }, { "no-grid", 0 },
    };
    enum { O_PROFILE, O_DATA, O_MODELS, O_NOISE, O_REDUCE, O_MATCHED, O_SEEDS, O_SEED, O_EPOCHS, O_BATCH,
           O_TRAIN_SUBSET, O_TEST_SUBSET, O_JOBS, O_OUT, O_NO_REPORT, O_QUIET, O_LR, O_THREADS, O_SHARD, O_PLAN,
           O_DATA_PER_RANK, O_AUGMENT, O_PRECISION, O_RETRY_FAILED, O_TARGET, O_NO_RECORD_SCORES, O_GRID, O_NO_GRID };
    memset(a, 0, sizeof *a);
    a->target = 0.9;
    a->prof = &CLI_PROFILES[0];
    cli_scanner sc = { argc, 0, argv, "study" };
    int which = 0, kind, rc = 0;
    const char *v;
    while (rc == 0 && (kind = cli_scan_next(&sc, defs, (int)(sizeof defs / sizeof defs[0]), &which, &v)) != CLI_SCAN_END) {
        if (kind == CLI_SCAN_ERROR)
            return CLI_EXIT_USAGE;
        if (kind == CLI_SCAN_HELP) {
            study_help();
            return -1;
        }
        if (kind == CLI_SCAN_POSITIONAL)
            return cli_usage_error("study: unexpected argument '%s' (see classsens study --help)", v);
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
        case O_GRID: a->grid = 1; break;
        case O_NO_GRID: a->no_grid = 1; break;
        case O_SEEDS: rc = cli_parse_int("--seeds", v, 1, &a->seeds); a->have_seeds = 1; break;
        case O_SEED: rc = cli_parse_u64("--seed", v, &a->seed); break;
        case O_EPOCHS:
            if (strcmp(v, "per-model") == 0) {
                a->epochs = NULL;
            } else {
                int e;
                rc = cli_parse_int("--epochs", v, 1, &e);
                a->epochs = v;
            }
            break;
        case O_BATCH: rc = cli_parse_int("--batch", v, 1, &a->batch); a->have_batch = 1; break;
        case O_AUGMENT: a->augment = v; break;
        case O_PRECISION:
            if (strcmp(v, "fp32") == 0)
                a->precision = CS_PRECISION_FP32;
            else if (strcmp(v, "bf16") == 0)
                a->precision = CS_PRECISION_BF16;
            else
                return cli_usage_error("--precision wants fp32 or bf16, got '%s'", v);
            break;
        case O_LR: {
            double lr;
            rc = cli_parse_open_interval("--lr", v, 0.0, INFINITY, &lr);
            a->lr = v;
            break;
        }
        case O_TRAIN_SUBSET: rc = cli_parse_size("--train-subset", v, &a->train_subset); a->have_train_subset = 1; break;
        case O_TEST_SUBSET: rc = cli_parse_size("--test-subset", v, &a->test_subset); a->have_test_subset = 1; break;
        case O_JOBS: rc = cli_parse_int("--jobs", v, 0, &a->jobs); break;
        case O_OUT:
            if (*v == '\0')
                return cli_usage_error("--out wants a directory");
            a->out = v;
            break;
        case O_NO_REPORT: a->no_report = 1; break;
        case O_THREADS:
            rc = cli_parse_int("--threads", v, 0, &a->threads);
            if (rc == 0 && a->threads > 64)
                rc = cli_usage_error("--threads wants 0 (automatic) .. 64, got '%s'", v);
            break;
        case O_SHARD: rc = parse_shard(v, &a->shard_index, &a->shard_count); break;
        case O_PLAN: a->plan = 1; break;
        case O_DATA_PER_RANK: a->data_per_rank = 1; break;
        case O_QUIET: a->quiet = 1; break;
        case O_RETRY_FAILED: a->retry_failed = 1; break;
        case O_NO_RECORD_SCORES: a->no_record_scores = 1; break;
        case O_TARGET:
            rc = cli_parse_open_interval("--target", v, 0.0, 1.0, &a->target);
            a->have_target = 1;
            break;
        default: break;
        }
    }
    if (rc != 0)
        return rc;
    /* --target only changes the report: refuse it where none is written rather than ignore it. */
    if (a->have_target && (a->no_report || a->shard_count > 1 || a->plan))
        return cli_usage_error("--target sets the report's learning-curve target, and %s writes no report "
                               "(give it to `classsens report` instead)",
                               a->no_report ? "--no-report" : a->shard_count > 1 ? "--shard" : "--plan");
    /* What was not given comes from the profile. */
    const cli_profile *p = a->prof;
    if (!a->data)
        a->data = p->data;
    if (!a->out)
        a->out = p->out;
    if (!a->have_seeds)
        a->seeds = p->seeds;
    if (!a->have_batch)
        a->batch = p->batch;
    if (!a->augment)
        a->augment = p->augment;
    rc = cli_parse_augment("--augment", a->augment, &a->crop_padding, &a->flip);
    if (rc != 0)
        return rc;
    if (a->grid && a->no_grid)
        return cli_usage_error("--grid and --no-grid contradict each other");
    /* The profile's grid is over its own conditions only. */
    if (p->grid && !a->no_grid && a->n_noise == 0 && a->n_reduce == 0)
        a->grid = 1;
    if (a->n_noise == 0)
        a->noise[a->n_noise++] = p->noise;
    if (a->n_reduce == 0)
        a->reduce[a->n_reduce++] = p->reduce;
    return 0;
}

typedef struct study_plan {
    cli_model_spec models[CLI_MAX_MODELS];
    int n_models;
    cs_perturb_spec *conds[CLI_MAX_CONDITIONS];
    int n_conds;
    cli_data_spec data;
} study_plan;

static void plan_free(study_plan *pl)
{
    for (int i = 0; i < pl->n_conds; i++)
        cs_perturb_spec_destroy(pl->conds[i]);
    pl->n_conds = 0;
}

/* Everything that can be checked without the data: models, epochs, conditions, data syntax. */
static int make_plan(study_plan *pl, const study_args *a)
{
    memset(pl, 0, sizeof *pl);
    int rc = cli_parse_data_spec(&pl->data, a->data, 1);
    if (rc == 0)
        rc = cli_parse_models(a->models ? a->models : a->prof->models, pl->models, &pl->n_models);
    if (rc != 0)
        return rc;
    /* Epochs: the model's own @E given on the command line, then --epochs, then the profile's
     * epochs for that architecture, then 10. */
    cli_model_spec prof_models[CLI_MAX_MODELS];
    int n_prof = 0;
    if (cli_parse_models(a->prof->models, prof_models, &n_prof) != 0)
        return CLI_EXIT_USAGE;
    for (int i = 0; i < pl->n_models; i++) {
        cli_model_spec *m = &pl->models[i];
        if (m->epochs > 0 && a->models)
            continue;
        if (a->epochs) {
            m->epochs = atoi(a->epochs);
            continue;
        }
        if (m->epochs > 0)
            continue;
        m->epochs = 10;
        for (int j = 0; j < n_prof; j++) {
            if (prof_models[j].arch == m->arch) {
                m->epochs = prof_models[j].epochs;
                break;
            }
        }
    }
    /* Learning rates likewise: the model's own /LR, then --lr, then the profile's rate for that
     * architecture, then the library's default (0: 0.1 with BatchNorm, 0.01 without). */
    for (int i = 0; i < pl->n_models; i++) {
        cli_model_spec *m = &pl->models[i];
        if (m->lr > 0.0 && a->models)
            continue;
        if (a->lr) {
            m->lr = strtod(a->lr, NULL);
            continue;
        }
        if (m->lr > 0.0)
            continue;
        for (int j = 0; j < n_prof; j++) {
            if (prof_models[j].arch == m->arch) {
                m->lr = prof_models[j].lr;
                break;
            }
        }
    }
    for (int i = 0; i < a->n_noise && rc == 0; i++)
        rc = cli_parse_conditions("--noise", a->noise[i], 0, pl->conds, &pl->n_conds);
    for (int i = 0; i < a->n_reduce && rc == 0; i++)
        rc = cli_parse_conditions("--reduce", a->reduce[i], 1, pl->conds, &pl->n_conds);
    if (rc == 0 && a->matched) {
        int noise = 0;
        for (int i = 0; i < pl->n_conds; i++)
            noise += cli_is_noise(cs_perturb_spec_kind(pl->conds[i]));
        if (noise == 0)
            rc = cli_usage_error("--matched needs at least one --noise condition");
    }
    if (rc == 0 && a->grid) {
        int noise = 0, reduce = 0;
        for (int i = 0; i < pl->n_conds && rc == 0; i++) {
            cs_perturb_kind k = cs_perturb_spec_kind(pl->conds[i]);
            noise += cli_is_noise(k);
            reduce += cli_is_reduction(k);
            if (k == CS_REDUCE_TARGETED) {
                char spec[256] = "?";
                cs_perturb_spec_format(spec, sizeof spec, NULL, pl->conds[i]);
                rc = cli_usage_error("--grid: %s: the grid's reductions must be uniform or stratified (a targeted "
                                     "reduction keeps the other classes whole)", spec);
            }
        }
        if (rc == 0 && (noise == 0 || reduce == 0))
            rc = cli_usage_error("--grid needs at least one --noise and one --reduce level");
    }
    if (rc != 0)
        plan_free(pl);
    return rc;
}

/* DIR/NAME as an absolute path (DIR exists). */
static void absolute_path(char *buf, size_t cap, const char *dir, const char *name)
{
    char *real = realpath(dir, NULL);
    snprintf(buf, cap, "%s%s%s", real ? real : dir, name ? "/" : "", name ? name : "");
    free(real);
}

static int write_report(const char *store, const char *out_dir, const cs_report_options *opts, int *finished,
                        int *total)
{
    cs_results *r = NULL;
    int status = cs_results_open(&r, store);
    if (status == CS_OK) {
        *finished = cs_results_cells_finished(r);
        *total = cs_results_num_models(r) * cs_results_num_conditions(r) * cs_results_replicates(r);
        status = cs_report_write(r, out_dir, opts);
    }
    cs_results_destroy(r);
    return status;
}

/* --plan: every cell's estimated cost after a few seconds of timing, and the predicted wall
 * time on 1 .. 256 processes (examples/cli_plan.c). */
static int print_plan(const cs_study *s, const study_plan *pl, const study_args *a, const cs_dataset *train,
                      const cs_dataset *test)
{
    size_t test_records = a->have_test_subset ? a->test_subset : a->prof->test_subset;
    if (test_records == 0 || (!a->have_test_subset && test_records >= cs_dataset_size(test)))
        test_records = cs_dataset_size(test);
    cli_plan_model pm[CLI_MAX_MODELS];
    for (int i = 0; i < pl->n_models; i++)
        pm[i] = (cli_plan_model){ pl->models[i].arch, pl->models[i].width, a->batch };
    return cli_plan_print(stdout, s, train, test_records, pm, pl->n_models);
}

/* The closing line of a run in which cells failed, one process or rank 0 under mpirun. */
static void note_failed_cells(const cli_progress *p)
{
    if (p->failed == 0 || p->quiet)
        return;
    const int one = p->failed == 1;
    fprintf(stderr, "%d cell%s failed (training diverged) and %s kept as failed: the report leaves %s out; "
                    "classsens status %s lists %s; --retry-failed trains %s again\n",
            p->failed, one ? "" : "s", one ? "is" : "are", one ? "it" : "them", p->store, one ? "it" : "them",
            one ? "it" : "them");
}

#ifdef CLASSSENS_HAVE_MPI
/* Rank 0's lines under mpirun: the plan, then one per stored cell with the rank that trained it. */
static void on_mpi_event(const cs_mpi_event *e, void *payload)
{
    cli_progress *p = payload;
    if (e->kind == CS_MPI_EVENT_FINISHED && isnan(e->test_accuracy))
        p->failed++;
    if (p->quiet)
        return;
    if (e->kind == CS_MPI_EVENT_PLAN) {
        fprintf(stderr, "mpi: %d rank%s; %d of %d cells to train (%d already in %s", e->ranks, e->ranks == 1 ? "" : "s",
                e->cells_to_train, e->cells_total, e->cells_finished, p->store);
        if (e->cells_failed > 0)
            fprintf(stderr, ", %d of them failed and stay failed: --retry-failed trains them again", e->cells_failed);
        fprintf(stderr, "), most expensive first\n");
    } else if (e->kind == CS_MPI_EVENT_RANK_SUMMARY) {
        fprintf(stderr, "mpi: rank %d on %s trained %d cell%s, busy %.1f s of %.1f s (idle %.1f s)\n", e->rank,
                e->host, e->cells_trained, e->cells_trained == 1 ? "" : "s", e->busy_seconds, e->wall_seconds,
                e->wall_seconds - e->busy_seconds);
    } else if (e->kind == CS_MPI_EVENT_FINISHED) {
        cs_study_cell_info info;
        info.struct_size = sizeof info;
        if (cs_study_cell(&info, p->study, e->cell) != CS_OK)
            return;
        int digits = snprintf(NULL, 0, "%d", e->cells_total);
        if (isnan(e->test_accuracy))
            fprintf(stderr, "[%*d/%d] %-16s %-20s rep %d  FAILED: training diverged; kept as a failed cell "
                            "(%.1f s)  rank %d on %s\n", digits, e->cells_finished, e->cells_total, info.model,
                    info.condition, info.replicate, e->seconds, e->rank, e->host);
        else
            fprintf(stderr, "[%*d/%d] %-16s %-20s rep %d  test acc %5.1f %%  (%.1f s)  rank %d on %s\n", digits,
                    e->cells_finished, e->cells_total, info.model, info.condition, info.replicate,
                    100.0 * e->test_accuracy, e->seconds, e->rank, e->host);
    }
}
#endif

/* Load the data: every process itself, or under mpirun rank 0 for all (unless --data-per-rank).
 * Under mpirun every rank learns whether all of them have it, so that none waits for another
 * that gave up; rank 0 prints the failure (the others only their own). Returns the exit code. */
static int load_data(const study_plan *pl, const study_args *a, cs_dataset **train, cs_dataset **test)
{
    int status = CS_OK;
    if (mpi_rank <= 0 || a->data_per_rank)
        status = cli_open_data(&pl->data, train, test);
    if (mpi_rank < 0)
        return status == CS_OK ? 0 : cli_library_error(status);
#ifdef CLASSSENS_HAVE_MPI
    const int own = status;
    int first_bad = -1;
    if (!a->data_per_rank)
        status = cs_mpi_share_data(train, test, status);
    else
        status = cs_mpi_all_ok(status, &first_bad) == CS_OK ? CS_OK : CS_ERR_STATE;
    if (status == CS_OK)
        return 0;
    if (own != CS_OK)
        return mpi_rank == 0 || a->data_per_rank ? cli_library_error(own) : CLI_EXIT_LIBRARY;
    if (mpi_rank != 0)
        return CLI_EXIT_LIBRARY;
    if (a->data_per_rank)
        return cli_own_error(CS_ERR_STATE, "rank %d could not load the data set (its message is above)", first_bad);
    return cli_own_error(status, "%s", cs_mpi_error());
#else
    (void)a;
    return CLI_EXIT_LIBRARY;
#endif
}

static int build_study(cs_study **out, const study_plan *pl, const study_args *a, const cs_dataset *train,
                       const cs_dataset *test, cli_progress *prog, int *rc)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = a->seeds;
    so.seed = a->seed;
    so.matched_controls = a->matched;
    so.precision = a->precision;
    so.retry_failed = a->retry_failed;
    so.record_scores = !a->no_record_scores;
    so.jobs = a->jobs;
    so.progress = mpi_rank >= 0 ? NULL : cli_progress_event;
    so.payload = prog;
    so.shard_index = a->shard_index;
    so.shard_count = a->shard_count;
    /* A profile's subset never asks for more than the split has: it then means all of it. */
    so.train_subset = a->have_train_subset ? a->train_subset : a->prof->train_subset;
    so.test_subset = a->have_test_subset ? a->test_subset : a->prof->test_subset;
    if (!a->have_train_subset && so.train_subset >= cs_dataset_size(train))
        so.train_subset = 0;
    if (!a->have_test_subset && so.test_subset >= cs_dataset_size(test))
        so.test_subset = 0;
    char name[256];
    cli_data_name(&pl->data, name, sizeof name);
    int status = cs_study_create(out, train, test, name, &so);
    if (status != CS_OK) {
        *rc = cli_library_error(status);
        return status;
    }
    for (int i = 0; i < pl->n_models; i++) {
        const cli_model_spec *m = &pl->models[i];
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        t.epochs = m->epochs;
        t.batch_size = a->batch;
        t.crop_padding = a->crop_padding;
        t.horizontal_flip = a->flip;
        t.lr = m->lr;
        t.threads = a->threads;
        status = cs_study_add_model(*out, NULL, m->arch, m->width, &t);
        if (status != CS_OK) {
            *rc = cli_usage_error("model %s:%g: %s: %s", m->arch, m->width, cs_status_str(status), cs_last_error());
            return status;
        }
    }
    for (int i = 0; i < pl->n_conds; i++) {
        status = cs_study_add_condition(*out, pl->conds[i]);
        if (status != CS_OK) {
            char spec[512] = "?";
            cs_perturb_spec_format(spec, sizeof spec, NULL, pl->conds[i]);
            *rc = cli_usage_error("condition %s: %s: %s", spec, cs_status_str(status), cs_last_error());
            return status;
        }
    }
    /* The grid's interior: its edges are the conditions above (noise 0, kept 1). */
    for (int i = 0; a->grid && i < pl->n_conds; i++) {
        if (!cli_is_noise(cs_perturb_spec_kind(pl->conds[i])))
            continue;
        for (int j = 0; j < pl->n_conds; j++) {
            if (!cli_is_reduction(cs_perturb_spec_kind(pl->conds[j])))
                continue;
            status = cs_study_add_grid(*out, pl->conds[i], pl->conds[j]);
            if (status != CS_OK) {
                *rc = cli_usage_error("--grid: %s: %s", cs_status_str(status), cs_last_error());
                return status;
            }
        }
    }
    if (!a->quiet && mpi_rank <= 0) {
        int conds = cs_study_num_cells(*out) / (pl->n_models * a->seeds);
        fprintf(stderr, "study: %d model%s x %d condition%s x %d replicate%s = %d cells on %s "
                        "(%zu training / %zu test images); store %s",
                pl->n_models, pl->n_models == 1 ? "" : "s", conds, conds == 1 ? "" : "s", a->seeds,
                a->seeds == 1 ? "" : "s", cs_study_num_cells(*out), name,
                so.train_subset ? so.train_subset : cs_dataset_size(train),
                so.test_subset ? so.test_subset : cs_dataset_size(test), a->out);
        if (a->shard_count > 1)
            fprintf(stderr, "; shard %d/%d", a->shard_index, a->shard_count);
        fputc('\n', stderr);
    }
    return CS_OK;
}

/* One process, all cells (or one shard's), with the progress display. */
static int run_here(cs_study *s, const study_args *a, cli_progress *prog)
{
    prog->cells_total = cs_study_num_cells(s);
    prog->start = cli_now();
    pthread_mutex_init(&prog->lock, NULL);
    pthread_t tick;
    int ticking = prog->tty && !prog->quiet && pthread_create(&tick, NULL, cli_progress_ticker, prog) == 0;
    int status = cs_study_run(s, a->out);
    if (ticking) {
        pthread_mutex_lock(&prog->lock);
        prog->stop = 1;
        pthread_mutex_unlock(&prog->lock);
        pthread_join(tick, NULL);
    }
    pthread_mutex_destroy(&prog->lock);
    cli_progress_clear(prog);
    /* A refused store announces nothing: its error is the only line. */
    if (status == CS_OK || status == CS_ERR_CANCELLED)
        cli_progress_note_resume(prog);
    if (status == CS_OK)
        note_failed_cells(prog);
    if (status == CS_ERR_CANCELLED && cli_interrupted) {
        fprintf(stderr, "interrupted: %d cell%s kept in %s; run the same command again to resume\n",
                prog->cells_finished, prog->cells_finished == 1 ? "" : "s", a->out);
        return EXIT_INTERRUPTED;
    }
    return status == CS_OK ? 0 : cli_library_error(status);
}

#ifdef CLASSSENS_HAVE_MPI
/* Every rank: the cell protocol. A failure or an interruption ends the whole job from rank 0
 * (MPI_Abort), after its message; the other ranks never return from it then. */
static int run_mpi(cs_study *s, const study_args *a, cli_progress *prog)
{
    cs_mpi_options mo = { on_mpi_event, prog, &cli_interrupted, 1, a->retry_failed };
    int status = cs_mpi_study_run(s, a->out, &mo);
    if (mpi_rank != 0) {
        if (status != CS_OK) {
            /* Rank 0 may be waiting for this rank: end the job, saying why. */
            cli_own_error(status, "rank %d: %s", mpi_rank, cs_mpi_error());
            fflush(stderr);
            cs_mpi_abort(CLI_EXIT_LIBRARY);
        }
        return 0;
    }
    if (status == CS_ERR_CANCELLED && cli_interrupted) {
        fprintf(stderr, "interrupted: %s; run the same command again (any number of ranks) to resume\n",
                cs_mpi_error());
        fflush(stderr);
        cs_mpi_abort(EXIT_INTERRUPTED);
    }
    if (status != CS_OK) {
        cli_own_error(status, "%s; run the same command again (any number of ranks) to resume", cs_mpi_error());
        fflush(stderr);
        cs_mpi_abort(CLI_EXIT_LIBRARY);
    }
    note_failed_cells(prog);
    return 0;
}
#endif

static int cmd_study(int argc, char **argv)
{
    study_args a;
    int rc = parse_study_args(&a, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (mpi_rank >= 0 && a.shard_count > 1)
        return cli_usage_error("--shard splits a study without MPI; under mpirun rank 0 hands out the cells");
    if (mpi_rank > 0)
        a.quiet = 1;
    study_plan pl;
    rc = make_plan(&pl, &a);
    if (rc != 0)
        return rc;

    cs_dataset *train = NULL, *test = NULL;
    cs_study *s = NULL;
    cli_progress prog = { 0 };
    prog.tty = isatty(STDERR_FILENO);
    prog.quiet = a.quiet;
    prog.store = a.out;
    if (mpi_rank <= 0)
        cli_install_sigint();

    rc = load_data(&pl, &a, &train, &test);
    if (rc != 0)
        goto cleanup;
    int status = build_study(&s, &pl, &a, train, test, &prog, &rc);
#ifdef CLASSSENS_HAVE_MPI
    if (mpi_rank >= 0) {
        int first_bad = -1;
        if (cs_mpi_all_ok(status, &first_bad) != CS_OK) {
            if (mpi_rank == 0 && status == CS_OK)
                rc = cli_own_error(CS_ERR_STATE, "rank %d could not build the study (its message is above)", first_bad);
            goto cleanup;
        }
    }
#endif
    if (status != CS_OK)
        goto cleanup;
    prog.study = s;
    if (a.plan) {
        rc = mpi_rank > 0 ? 0 : print_plan(s, &pl, &a, train, test);
        goto cleanup;
    }
#ifdef CLASSSENS_HAVE_MPI
    if (mpi_rank >= 0) {
        rc = run_mpi(s, &a, &prog);
        if (rc != 0 || mpi_rank != 0)
            goto cleanup;
    } else
#endif
    {
        rc = run_here(s, &a, &prog);
        if (rc != 0)
            goto cleanup;
    }
    char path[8192];
    if (a.shard_count > 1) {
        absolute_path(path, sizeof path, a.out, NULL);
        printf("shard %d/%d done: its cells are in %s; when every shard is done: classsens report %s\n",
               a.shard_index, a.shard_count, path, a.out);
    } else if (a.no_report) {
        absolute_path(path, sizeof path, a.out, NULL);
        printf("results: %d cells in %s\n", cs_study_num_cells(s), path);
    } else {
        int finished = 0, total = 0;
        cs_report_options ro = CS_REPORT_OPTIONS_INIT;
        ro.target = a.target;
        ro.train_data = train; /* the split the study was created with: thumbnails of its records */
        status = write_report(a.out, a.out, &ro, &finished, &total);
        if (status != CS_OK) {
            rc = cli_library_error(status);
            goto cleanup;
        }
        absolute_path(path, sizeof path, a.out, "report.html");
        printf("report: %s\n", path);
    }
    rc = 0;
cleanup:
    cs_study_destroy(s);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    plan_free(&pl);
    return rc;
}

/* ---- report ------------------------------------------------------------------------------- */

static void report_help(void)
{
    printf("usage: classsens report DIR [--out OUTDIR] [--confidence C] [--top K] [--target T] [--data SPEC]\n"
           "\n"
           "Rebuild the report of a store (no training): report.html, figures/, results.csv,\n"
           "learning_curves.csv and summary.json. A store still being filled gives a partial report.\n"
           "\n"
           "  --out OUTDIR      where to write it (default: DIR itself)\n"
           "  --confidence C    coverage of every interval, in (0, 1) (default 0.95)\n"
           "  --top K           weakest classes listed and compared across models (default 3)\n"
           "  --target T        target accuracy of the learning curves, in (0, 1): the training\n"
           "                    records of each class needed to reach it (default 0.9)\n"
           "  --data SPEC       the data set the study was run on (as for study: %s):\n"
           "                    its training split gives the records to review first as images;\n"
           "                    refused unless it is the study's (study.json's train_fingerprint)\n",
           CLI_DATA_SYNTAX);
}

static int cmd_report(int argc, char **argv)
{
    static const cli_option defs[] = { { "out", 1 }, { "confidence", 1 }, { "top", 1 }, { "target", 1 },
                                       { "data", 1 } };
    enum { O_OUT, O_CONFIDENCE, O_TOP, O_TARGET, O_DATA };
    const char *store = NULL, *out = NULL, *v;
    cli_data_spec data;
    int have_data = 0;
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    cli_scanner sc = { argc, 0, argv, "report" };
    int which = 0, kind, rc = 0;
    while (rc == 0 && (kind = cli_scan_next(&sc, defs, 5, &which, &v)) != CLI_SCAN_END) {
        if (kind == CLI_SCAN_ERROR)
            return CLI_EXIT_USAGE;
        if (kind == CLI_SCAN_HELP) {
            report_help();
            return 0;
        }
        if (kind == CLI_SCAN_POSITIONAL) {
            if (store)
                return cli_usage_error("report: one store directory only (got '%s' and '%s')", store, v);
            store = v;
        } else if (which == O_OUT) {
            if (*v == '\0')
                return cli_usage_error("--out wants a directory");
            out = v;
        } else if (which == O_CONFIDENCE) {
            rc = cli_parse_open_interval("--confidence", v, 0.0, 1.0, &ro.confidence);
        } else if (which == O_TARGET) {
            rc = cli_parse_open_interval("--target", v, 0.0, 1.0, &ro.target);
        } else if (which == O_DATA) {
            rc = cli_parse_data_spec(&data, v, 0);
            have_data = 1;
        } else {
            rc = cli_parse_int("--top", v, 1, &ro.top_k);
        }
    }
    if (rc != 0)
        return rc;
    if (!store)
        return cli_usage_error("report: missing the store directory (classsens report DIR)");
    if (!out)
        out = store;
    cs_dataset *train = NULL, *test = NULL;
    int status = have_data ? cli_open_data(&data, &train, &test) : CS_OK;
    cs_dataset_destroy(test);
    ro.train_data = train;
    int finished = 0, total = 0;
    if (status == CS_OK)
        status = write_report(store, out, &ro, &finished, &total);
    cs_dataset_destroy(train);
    if (status != CS_OK)
        return cli_library_error(status);
    char path[8192];
    absolute_path(path, sizeof path, out, "report.html");
    printf("report: %s (%d of %d cells in %s)\n", path, finished, total, store);
    return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

static void main_help(void)
{
    printf("usage: classsens COMMAND [OPTIONS]\n"
           "\n"
           "Which classes of an image data set are fragile under label noise and less data, and\n"
           "do models agree on it?\n"
           "\n"
           "Commands:\n"
           "  study    train and evaluate every (model, condition, replicate) into a resumable\n"
           "           store, then write its report (start with: classsens study)\n"
           "  report   rebuild the report of a store\n"
           "  status   cells done, running (who, where, since when) and missing in a store\n"
           "  info     describe a data set\n"
           "  models   the architectures, with their size and cost\n"
           "\n"
           "  classsens COMMAND --help   the options of a command\n"
           "  classsens --version        the library version\n"
           "\n"
           "Exit codes: 0 done, 1 library failure, 2 bad arguments, 130 interrupted.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("missing command (study, report, status, info or models; see classsens --help)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        main_help();
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("classsens %s\n", cs_version_string());
        return 0;
    }
    if (strcmp(cmd, "study") == 0) {
#ifdef CLASSSENS_HAVE_MPI
        /* Under mpirun every rank runs this command; errors before the cell protocol are the
         * same on every rank (or shared by a collective call), so all of them end normally. */
        if (cs_mpi_launched()) {
            int mpi_size = 0;
            if (cs_mpi_init(&argc, &argv, &mpi_rank, &mpi_size) != CS_OK)
                return cli_own_error(CS_ERR_IO, "%s", cs_mpi_error());
            int rc = cmd_study(argc - 2, argv + 2);
            cs_mpi_finalize();
            return rc;
        }
#endif
        return cmd_study(argc - 2, argv + 2);
    }
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "info") == 0)
        return cli_cmd_info(argc - 2, argv + 2);
    if (strcmp(cmd, "status") == 0)
        return cli_cmd_status(argc - 2, argv + 2);
    if (strcmp(cmd, "models") == 0)
        return cli_cmd_models(argc - 2, argv + 2);
    if (cmd[0] == '-')
        return cli_usage_error("unknown option '%s' (see classsens --help)", cmd);
    return cli_usage_error("unknown command '%s' (expected study, report, status, info or models)", cmd);
}
