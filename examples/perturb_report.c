/* perturb_report: apply perturbations to Fashion-MNIST's training labels and show what they
 * did — records selected and changed, the realised flip rate, the realised transition matrix
 * (drawn like the reference study's figures) — and average the noise over several seeds.
 * It also times each step, which is how the numbers in docs/performance.md are measured.
 *
 *   perturb_report [--seeds R] [--repeat N] [--bootstrap] [SPEC ...]
 *
 * SPEC is a perturbation string (shuffle:0.3, pairflip:cyclic:0.2, reduce:stratified:0.1, …);
 * the default is shuffle:0.1 shuffle:0.3 reduce:uniform:0.4. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <classsens.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int fail(int status)
{
    fprintf(stderr, "perturb_report: %s: %s\n", cs_status_str(status), cs_last_error());
    return 1;
}

/* The realised transition matrix, drawn in the study's orientation (truth along the bottom). */
static int show_transitions(const cs_perturb_report *r, const cs_dataset *ds)
{
    int k = cs_dataset_num_classes(ds);
    size_t *counts = malloc((size_t)k * (size_t)k * sizeof *counts);
    double *as_double = malloc((size_t)k * (size_t)k * sizeof *as_double);
    const char **names = malloc((size_t)k * sizeof *names);
    cs_confusion *cm = NULL;
    char *text = NULL;
    int status = counts && as_double && names ? CS_OK : CS_ERR_OUT_OF_MEMORY;
    if (status == CS_OK)
        status = cs_perturb_report_transitions(counts, k, r);
    if (status == CS_OK) {
        for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
            as_double[i] = (double)counts[i];
        for (int c = 0; c < k; c++)
            names[c] = cs_dataset_class_name(ds, c);
        status = cs_confusion_from_counts(&cm, as_double, k);
    }
    size_t needed = 0;
    if (status == CS_OK && cs_confusion_render(NULL, 0, &needed, cm, names, CS_NORMALIZE_NONE) == CS_ERR_SIZE_MISMATCH) {
        text = malloc(needed);
        status = text ? cs_confusion_render(text, needed, NULL, cm, names, CS_NORMALIZE_NONE) : CS_ERR_OUT_OF_MEMORY;
    }
    if (status == CS_OK && text)
        printf("realised labels (columns: true class, rows: label after perturbation)\n%s\n", text);
    free(text);
    cs_confusion_destroy(cm);
    free(counts);
    free(as_double);
    free(names);
    return status;
}

int main(int argc, char **argv)
{
    int seeds = 5, repeat = 21;
    cs_average_options avg = CS_AVERAGE_OPTIONS_INIT;
    const char *defaults[] = { "shuffle:0.1", "shuffle:0.3", "reduce:uniform:0.4" };
    const char **specs = defaults;
    int nspecs = 3;
    const char **given = calloc((size_t)argc, sizeof *given);
    int ngiven = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0) {
            printf("usage: perturb_report [--seeds R] [--repeat N] [--bootstrap] [SPEC ...]\n");
            free(given);
            return 0;
        } else if (strcmp(argv[a], "--seeds") == 0 && a + 1 < argc) {
            seeds = atoi(argv[++a]);
        } else if (strcmp(argv[a], "--bootstrap") == 0) {
            avg.interval = CS_INTERVAL_BOOTSTRAP;
        } else if (strcmp(argv[a], "--repeat") == 0 && a + 1 < argc) {
            repeat = atoi(argv[++a]);
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "perturb_report: unknown option '%s'\n", argv[a]);
            free(given);
            return 2;
        } else {
            given[ngiven++] = argv[a];
        }
    }
    if (ngiven) {
        specs = given;
        nspecs = ngiven;
    }
    if (seeds < 1 || seeds > 1000 || repeat < 1 || repeat > 10000) {
        fprintf(stderr, "perturb_report: --seeds wants 1..1000, --repeat 1..10000\n");
        free(given);
        return 2;
    }

    cs_dataset *train = NULL;
    int status = cs_dataset_open_fashion_mnist(&train, NULL, CS_SPLIT_TRAIN);
    if (status != CS_OK) {
        free(given);
        return fail(status);
    }
    int k = cs_dataset_num_classes(train);
    double *times = malloc((size_t)repeat * sizeof *times);
    cs_confusion **cms = calloc((size_t)seeds, sizeof *cms);
    int rc = 0;
    for (int s = 0; s < nspecs && rc == 0; s++) {
        cs_perturb_spec *spec = NULL;
        status = cs_perturb_spec_parse(&spec, specs[s]);
        if (status != CS_OK) {
            rc = fail(status);
            break;
        }
        /* Time the perturbation alone: median of `repeat` runs on the 60,000 labels. */
        for (int i = 0; i < repeat && status == CS_OK; i++) {
            cs_dataset *view = NULL;
            cs_perturb_report *r = NULL;
            double t0 = now_ms();
            status = cs_perturb_apply(&view, &r, train, spec, (uint64_t)i);
            times[i] = now_ms() - t0;
            cs_dataset_destroy(view);
            cs_perturb_report_destroy(r);
        }
        cs_dataset *view = NULL;
        cs_perturb_report *r = NULL;
        if (status == CS_OK)
            status = cs_perturb_apply(&view, &r, train, spec, 0);
        if (status != CS_OK) {
            rc = fail(status);
            cs_perturb_spec_destroy(spec);
            break;
        }
        printf("== %s on %zu labels, seed 0: %zu selected, %zu changed, realised flip rate %.4f, "
               "%zu records kept; median time %.2f ms over %d runs\n",
               specs[s], cs_dataset_size(train), cs_perturb_report_selected(r), cs_perturb_report_changed(r),
               cs_perturb_report_flip_rate(r), cs_perturb_report_size_after(r), median(times, repeat), repeat);
        status = show_transitions(r, train);
        cs_dataset_destroy(view);
        cs_perturb_report_destroy(r);

        /* Over `seeds` seeds: the label noise as a confusion of true vs. noisy labels, averaged. */
        for (int i = 0; i < seeds && status == CS_OK; i++) {
            cs_dataset *v = NULL;
            status = cs_perturb_apply(&v, NULL, train, spec, (uint64_t)i);
            if (status == CS_OK && cs_perturb_spec_kind(spec) < CS_REDUCE_UNIFORM) {
                status = cs_confusion_create(&cms[i], cs_dataset_labels(train), cs_dataset_labels(v),
                                             cs_dataset_size(train), k);
            }
            cs_dataset_destroy(v);
        }
        if (status == CS_OK && cms[0]) {
            cs_confusion_stats *st = NULL;
            double t0 = now_ms();
            status = cs_confusion_average(&st, (const cs_confusion *const *)cms, (size_t)seeds, &avg);
            double took = now_ms() - t0;
            double mean = 0, lo = 0, hi = 0;
            if (status == CS_OK)
                status = cs_confusion_stats_accuracy(&mean, &lo, &hi, st);
            if (status == CS_OK)
                printf("labels left intact over %d seeds: %.4f (95%% %s interval %.4f .. %.4f); averaging took %.3f ms\n\n",
                       seeds, mean, avg.interval == CS_INTERVAL_BOOTSTRAP ? "bootstrap" : "Wilson", lo, hi, took);
            cs_confusion_stats_destroy(st);
        }
        for (int i = 0; i < seeds; i++) {
            cs_confusion_destroy(cms[i]);
            cms[i] = NULL;
        }
        cs_perturb_spec_destroy(spec);
        if (status != CS_OK)
            rc = fail(status);
    }
    free(cms);
    free(times);
    free(given);
    cs_dataset_destroy(train);
    return rc;
}
