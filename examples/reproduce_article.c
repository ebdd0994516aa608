/* reproduce_article: the reference study's protocol end to end — five models trained on the
 * clean training set, on 10/20/30 % shuffled labels and on 40 % and 10 % of the data, five
 * seeds each — then its report, the article's Table 1 (DIR/table1.md, DIR/table1.csv) and its
 * figures under the article's numbering (DIR/figure*.svg, copies of the report's figures).
 *
 *   reproduce_article [--cifar10 PATH] [--out DIR] [--jobs N]
 *                     [--epochs-scale F] [--width-scale F] [--train-subset N]
 *                     [--test-subset N] [--seeds N]
 *
 * The default data set is Fashion-MNIST; the article used CIFAR-10 (--cifar10 PATH, the
 * directory or cifar-10-binary.tar.gz). The scale options shrink the study for a smoke test;
 * without them it is the same configuration as `classsens study --profile article`, so either
 * program resumes the other's store.
 *
 * Exit codes: 0 done; 1 a library failure; 2 bad arguments; 130 interrupted (run it again to
 * resume). Uses only the public API. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "cli_args.h"

#define EXIT_INTERRUPTED 130

/* The article's protocol (Table 1 and the experiments' text). */
static const struct article_model {
    const char *arch;
    const char *title;
    int epochs;
} MODELS[] = {
    { "lenet", "LeNet", 125 },
    { "custom", "Custom", 125 },
    { "resnet18", "ResNet18", 25 },
    { "unresnet18", "UnResNet18", 25 },
    { "googlenet", "GoogLeNet", 25 },
};
#define NUM_MODELS (int)(sizeof MODELS / sizeof MODELS[0])
static const char *const CONDITIONS[] = { "shuffle:0.1", "shuffle:0.2", "shuffle:0.3", "reduce:uniform:0.4",
                                          "reduce:uniform:0.1" };
#define NUM_CONDITIONS (int)(sizeof CONDITIONS / sizeof CONDITIONS[0])
#define ARTICLE_BATCH 64
#define ARTICLE_SEEDS 5

static void usage(void)
{
    printf("usage: reproduce_article [--cifar10 PATH] [--out DIR] [--jobs N]\n"
           "                         [--epochs-scale F] [--width-scale F] [--train-subset N]\n"
           "                         [--test-subset N] [--seeds N]\n"
           "\n"
           "Run the reference study (LeNet, Custom @125 epochs; ResNet18, UnResNet18, GoogLeNet\n"
           "@25 epochs; batch 64; shuffle noise 10/20/30 %%; 40 %% and 10 %% of the data; 5 seeds)\n"
           "and write its report, Table 1 and figures into DIR.\n"
           "\n"
           "  --cifar10 PATH      CIFAR-10 (directory or .tar.gz) instead of Fashion-MNIST\n"
           "  --out DIR           store and output directory (default article-reproduction)\n"
           "  --jobs N            cells trained at once (0: one per CPU; default)\n"
           "  --epochs-scale F    multiply every epoch count by F (at least 1 epoch)\n"
           "  --width-scale F     multiply every model's width by F\n"
           "  --train-subset N    stratified training subset (0: all; default)\n"
           "  --test-subset N     stratified test subset (0: all; default)\n"
           "  --seeds N           replicates (default 5)\n");
}

static int parse_count(const char *opt, const char *text, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno == ERANGE || v < min || v > INT_MAX)
        return cli_usage_error("%s wants an integer >= %ld, got '%s'", opt, min, text);
    *out = v;
    return 0;
}

static int parse_positive(const char *opt, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) || v <= 0)
        return cli_usage_error("%s wants a number > 0, got '%s'", opt, text);
    *out = v;
    return 0;
}

/* ---- progress and Ctrl-C ------------------------------------------------------------------ */

typedef struct progress {
    int skipped, noted, finished;
    const char *store;
} progress;

static int on_event(const cs_study_event *e, void *payload)
{
    progress *p = payload;
    p->finished = e->cells_finished;
    if (e->kind == CS_STUDY_EVENT_CELL_SKIPPED) {
        p->skipped++;
    } else if (!p->noted) {
        p->noted = 1;
        if (p->skipped)
            fprintf(stderr, "resuming: %d of %d cells already in %s\n", p->skipped, e->cells_total, p->store);
    }
    if (e->kind == CS_STUDY_EVENT_CELL_FINISHED) {
        int digits = snprintf(NULL, 0, "%d", e->cells_total);
        fprintf(stderr, "[%*d/%d] %-16s %-20s rep %d  test acc %5.1f %%  (%.1f s)\n", digits, e->cells_finished,
                e->cells_total, e->model, e->condition, e->replicate, 100.0 * e->test_accuracy, e->seconds);
    }
    return cli_interrupted ? 1 : 0;
}

/* ---- outputs ------------------------------------------------------------------------------ */

/* The report's file-name rule: every byte outside [A-Za-z0-9._-] becomes '-'. */
static void file_name(char *dst, size_t cap, const char *name)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        dst[i] = ok ? c : '-';
    }
    dst[i] = '\0';
}

typedef struct written {
    char *paths[64];
    int n;
} written;

static void note_written(written *w, const char *path)
{
    if (w->n < 64 && (w->paths[w->n] = strdup(path)) != NULL)
        w->n++;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return cli_own_error(errno == ENOENT ? CS_ERR_NOT_FOUND : CS_ERR_IO, "cannot read %s: %s", from,
                         strerror(errno));
    FILE *out = fopen(to, "wb");
    if (!out) {
        int err = errno;
        fclose(in);
        return cli_own_error(CS_ERR_IO, "cannot write %s: %s", to, strerror(err));
    }
    char buf[65536];
    size_t n;
    int bad = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            bad = 1;
    bad |= ferror(in);
    fclose(in);
    if (fclose(out) != 0 || bad)
        return cli_own_error(CS_ERR_IO, "cannot copy %s to %s", from, to);
    return 0;
}

/* The condition of a family at a level (the store's canonical name); -1 when absent. */
static int find_condition(const cs_results *r, cs_condition_family family, double level)
{
    for (int j = 0; j < cs_results_num_conditions(r); j++) {
        cs_condition_family f;
        if (cs_results_condition_family(&f, r, j) == CS_OK && f == family &&
            cs_results_condition_level(r, j) > level - 1e-9 && cs_results_condition_level(r, j) < level + 1e-9)
            return j;
    }
    return -1;
}

static const char *model_title(const char *arch)
{
    for (int i = 0; i < NUM_MODELS; i++)
        if (strcmp(arch, MODELS[i].arch) == 0)
            return MODELS[i].title;
    return arch;
}

/* Table 1: baseline accuracy per model, mean and 95 % interval over the seeds (the library's
 * default, Wilson's with the test set's size: asymmetric near 100 %, so both bounds). */
static int write_table1(const cs_results *r, const char *dir, written *w)
{
    char md_path[4096], csv_path[4096];
    snprintf(md_path, sizeof md_path, "%s/table1.md", dir);
    snprintf(csv_path, sizeof csv_path, "%s/table1.csv", dir);
    FILE *md = fopen(md_path, "w"), *csv = fopen(csv_path, "w");
    if (!md || !csv) {
        int err = errno;
        if (md)
            fclose(md);
        if (csv)
            fclose(csv);
        return cli_own_error(CS_ERR_IO, "cannot write %s: %s", md ? csv_path : md_path, strerror(err));
    }
    int reps = cs_results_replicates(r), rc = 0;
    fprintf(md, "| Model | Epochs | Batch Size | Accuracy |\n|---|---:|---:|---|\n");
    fprintf(csv, "model,arch,width,epochs,batch_size,replicates,accuracy_percent_mean,"
                 "accuracy_percent_ci95_lo,accuracy_percent_ci95_hi\n");
    const cs_confusion **cms = calloc((size_t)reps, sizeof *cms);
    if (!cms)
        rc = cli_own_error(CS_ERR_OUT_OF_MEMORY, "table 1: %d replicates", reps);
    for (int i = 0; rc == 0 && i < cs_results_num_models(r); i++) {
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        int status = cs_results_model_train_options(&t, r, i);
        size_t n = 0;
        for (int rep = 0; status == CS_OK && rep < reps; rep++) {
            cs_cell_result cell;
            memset(&cell, 0, sizeof cell);
            cell.struct_size = sizeof cell;
            status = cs_results_cell(&cell, r, i, 0, rep);
            if (status == CS_OK)
                cms[n++] = cell.confusion;
            else if (status == CS_ERR_NOT_FOUND) /* not finished: left out, as in the report */
                status = CS_OK;
        }
        double mean = NAN, lo = NAN, hi = NAN;
        cs_confusion_stats *stats = NULL;
        if (status == CS_OK && n > 0)
            status = cs_confusion_average(&stats, cms, n, NULL);
        if (status == CS_OK && stats)
            status = cs_confusion_stats_accuracy(&mean, &lo, &hi, stats);
        cs_confusion_stats_destroy(stats);
        if (status != CS_OK) {
            rc = cli_library_error(status);
            break;
        }
        const char *arch = cs_results_model_arch(r, i);
        double width = cs_results_model_width(r, i);
        char title[128];
        if (width == 1.0)
            snprintf(title, sizeof title, "%s", model_title(arch));
        else
            snprintf(title, sizeof title, "%s (width %g)", model_title(arch), width);
        fprintf(md, "| %s | %d | %d | ", title, t.epochs, t.batch_size);
        if (n == 0)
            fprintf(md, "not run |\n");
        else if (isnan(lo))
            fprintf(md, "%.2f |\n", 100.0 * mean);
        else
            fprintf(md, "%.2f [%.2f, %.2f] |\n", 100.0 * mean, 100.0 * lo, 100.0 * hi);
        fprintf(csv, "%s,%s,%.17g,%d,%d,%zu,", cs_results_model_name(r, i), arch, width, t.epochs, t.batch_size, n);
        if (n > 0)
            fprintf(csv, "%.4f,", 100.0 * mean);
        else
            fputc(',', csv);
        if (!isnan(lo))
            fprintf(csv, "%.4f,%.4f", 100.0 * lo, 100.0 * hi);
        else
            fputc(',', csv);
        fputc('\n', csv);
    }
    if (rc == 0)
        fprintf(md, "\nTable 1: Baseline results for all models on %s (%zu training, %zu test images): "
                    "test accuracy in %%, mean [95 %% interval] over %d seeds (Wilson score interval "
                    "with the test set's size, docs/analysis.md).\n",
                cs_results_data_name(r), cs_results_train_size(r), cs_results_test_size(r), reps);
    free(cms);
    int bad = fclose(md) != 0;
    bad |= fclose(csv) != 0;
    if (rc == 0 && bad)
        rc = cli_own_error(CS_ERR_IO, "cannot write %s or %s", md_path, csv_path);
    if (rc == 0) {
        note_written(w, md_path);
        note_written(w, csv_path);
    }
    return rc;
}

/* One figure: DIR/figures/SRC.svg copied to DIR/DST.svg. */
static int copy_figure(const char *dir, const char *src, const char *dst, written *w)
{
    char from[4096], to[4096];
    snprintf(from, sizeof from, "%s/figures/%s.svg", dir, src);
    snprintf(to, sizeof to, "%s/%s.svg", dir, dst);
    int rc = copy_file(from, to);
    if (rc == 0)
        note_written(w, to);
    return rc;
}

static int write_figures(const cs_results *r, const char *dir, written *w)
{
    static const struct {
        cs_condition_family family;
        double level;
        const char *matrix, *relative, *weakest; /* article names; NULL: not in the article */
    } FIGS[] = {
        { CS_CONDITION_BASELINE, 0.0, "figure1_baseline", NULL, NULL },
        { CS_CONDITION_NOISE, 0.1, "figure2_noise10", "figure2_noise10_relative", NULL },
        { CS_CONDITION_NOISE, 0.3, NULL, NULL, "figure3_weakest_noise30" },
        { CS_CONDITION_REDUCTION, 0.4, "figure4_data40", "figure4_data40_relative", NULL },
        { CS_CONDITION_REDUCTION, 0.1, NULL, NULL, "figure5_weakest_data10" },
    };
    for (size_t f = 0; f < sizeof FIGS / sizeof FIGS[0]; f++) {
        int j = find_condition(r, FIGS[f].family, FIGS[f].level);
        if (j < 0)
            return cli_own_error(CS_ERR_NOT_FOUND, "the store has no condition of level %g for the article's figures",
                             FIGS[f].level);
        char cond[256], src[600], dst[600];
        file_name(cond, sizeof cond, cs_results_condition_name(r, j));
        if (FIGS[f].weakest) {
            snprintf(src, sizeof src, "weakest_%s", cond);
            int rc = copy_figure(dir, src, FIGS[f].weakest, w);
            if (rc != 0)
                return rc;
        }
        for (int i = 0; i < cs_results_num_models(r); i++) {
            char model[256], arch[64];
            file_name(model, sizeof model, cs_results_model_name(r, i));
            file_name(arch, sizeof arch, cs_results_model_arch(r, i));
            int rc = 0;
            if (FIGS[f].matrix) {
                snprintf(src, sizeof src, "confusion_%s_%s", model, cond);
                snprintf(dst, sizeof dst, "%s_%s", FIGS[f].matrix, arch);
                rc = copy_figure(dir, src, dst, w);
            }
            if (rc == 0 && FIGS[f].relative) {
                snprintf(src, sizeof src, "relative_%s_%s", model, cond);
                snprintf(dst, sizeof dst, "%s_%s", FIGS[f].relative, arch);
                rc = copy_figure(dir, src, dst, w);
            }
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* ---- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    cli_program = "reproduce_article";
    const char *cifar = NULL, *out = "article-reproduction";
    double epochs_scale = 1.0, width_scale = 1.0;
    long jobs = 0, train_subset = 0, test_subset = 0, seeds = ARTICLE_SEEDS;
    for (int a = 1; a < argc; a++) {
        const char *opt = argv[a];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage();
            return 0;
        }
        static const char *const with_value[] = { "--cifar10", "--out", "--jobs", "--epochs-scale",
                                                  "--width-scale", "--train-subset", "--test-subset", "--seeds" };
        int known = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            known |= strcmp(opt, with_value[k]) == 0;
        if (!known)
            return cli_usage_error("unknown option '%s' (see reproduce_article --help)", opt);
        if (a + 1 >= argc)
            return cli_usage_error("option %s needs a value", opt);
        const char *v = argv[++a];
        int rc = 0;
        if (strcmp(opt, "--cifar10") == 0)
            cifar = v;
        else if (strcmp(opt, "--out") == 0)
            out = v;
        else if (strcmp(opt, "--jobs") == 0)
            rc = parse_count(opt, v, 0, &jobs);
        else if (strcmp(opt, "--epochs-scale") == 0)
            rc = parse_positive(opt, v, &epochs_scale);
        else if (strcmp(opt, "--width-scale") == 0)
            rc = parse_positive(opt, v, &width_scale);
        else if (strcmp(opt, "--train-subset") == 0)
            rc = parse_count(opt, v, 0, &train_subset);
        else if (strcmp(opt, "--test-subset") == 0)
            rc = parse_count(opt, v, 0, &test_subset);
        else
            rc = parse_count(opt, v, 1, &seeds);
        if (rc != 0)
            return rc;
        if (*v == '\0')
            return cli_usage_error("option %s needs a non-empty value", opt);
    }

    cli_install_sigint();

    cs_dataset *train = NULL, *test = NULL;
    cs_study *s = NULL;
    cs_results *r = NULL;
    cs_perturb_spec *spec = NULL;
    progress prog = { 0, 0, 0, out };
    written w = { .n = 0 };
    int rc = 0, status;
    if (cifar) {
        status = cs_dataset_open_cifar10(&train, cifar, CS_SPLIT_TRAIN);
        if (status == CS_OK)
            status = cs_dataset_open_cifar10(&test, cifar, CS_SPLIT_TEST);
    } else {
        status = cs_dataset_open_fashion_mnist(&train, NULL, CS_SPLIT_TRAIN);
        if (status == CS_OK)
            status = cs_dataset_open_fashion_mnist(&test, NULL, CS_SPLIT_TEST);
    }
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = (int)seeds;
    so.train_subset = (size_t)train_subset;
    so.test_subset = (size_t)test_subset;
    so.jobs = (int)jobs;
    so.progress = on_event;
    so.payload = &prog;
    if (status == CS_OK)
        status = cs_study_create(&s, train, test, cifar ? "cifar10" : "fashion-mnist", &so);
    for (int i = 0; status == CS_OK && i < NUM_MODELS; i++) {
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        long e = (long)(MODELS[i].epochs * epochs_scale + 0.5);
        t.epochs = e < 1 ? 1 : (int)e;
        t.batch_size = ARTICLE_BATCH;
        status = cs_study_add_model(s, NULL, MODELS[i].arch, width_scale, &t);
    }
    for (int j = 0; status == CS_OK && j < NUM_CONDITIONS; j++) {
        status = cs_perturb_spec_parse(&spec, CONDITIONS[j]);
        if (status == CS_OK)
            status = cs_study_add_condition(s, spec);
        cs_perturb_spec_destroy(spec);
        spec = NULL;
    }
    if (status != CS_OK) {
        rc = cli_library_error(status);
        goto cleanup;
    }
    fprintf(stderr, "reproduce_article: %d cells (%d models x %d conditions x %ld seeds) on %s into %s\n",
            cs_study_num_cells(s), NUM_MODELS, NUM_CONDITIONS + 1, seeds, cifar ? "cifar10" : "fashion-mnist", out);
    status = cs_study_run(s, out);
    if (!prog.noted && prog.skipped)
        fprintf(stderr, "resuming: all %d cells already in %s\n", prog.skipped, out);
    if (status == CS_ERR_CANCELLED && cli_interrupted) {
        fprintf(stderr, "interrupted: %d cell%s kept in %s; run the same command again to resume\n", prog.finished,
                prog.finished == 1 ? "" : "s", out);
        rc = EXIT_INTERRUPTED;
        goto cleanup;
    }
    if (status == CS_OK)
        status = cs_results_open(&r, out);
    /* Figures 3 and 5 of the article show the four least accurate classes. */
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    ro.top_k = 4;
    if (status == CS_OK)
        status = cs_report_write(r, out, &ro);
    if (status != CS_OK) {
        rc = cli_library_error(status);
        goto cleanup;
    }
    char report[4096];
    snprintf(report, sizeof report, "%s/report.html", out);
    note_written(&w, report);
    rc = write_table1(r, out, &w);
    if (rc == 0)
        rc = write_figures(r, out, &w);
    if (rc == 0) {
        printf("wrote %d files:\n", w.n);
        for (int i = 0; i < w.n; i++)
            printf("  %s\n", w.paths[i]);
        printf("plus the whole report in %s (figures/, results.csv, summary.json)\n", out);
    }
cleanup:
    for (int i = 0; i < w.n; i++)
        free(w.paths[i]);
    cs_results_destroy(r);
    cs_study_destroy(s);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
    return rc;
}
