/* Studies: the store, resume, cancellation, parallel = serial, seeds shared across models,
 * results read back (claims of running cells too), reports written, and every bad input. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <classsens.h>

#include "core/json.h"
#include "fixtures.h"

#define K 3


typedef struct events {
    int skipped, started, epochs, finished, failed;
    int cancel_after;     /* cancel when this many cells have finished in this run (0: never) */
    double last_work_done, work_total;
    int work_decreased;
} events;

static int on_event(const cs_study_event *ev, void *payload)
{
    events *e = payload;
    switch (ev->kind) {
    case CS_STUDY_EVENT_CELL_SKIPPED: e->skipped++; break;
    case CS_STUDY_EVENT_CELL_STARTED: e->started++; break;
    case CS_STUDY_EVENT_EPOCH: e->epochs++; break;
    case CS_STUDY_EVENT_CELL_FINISHED: e->finished++; break;
    case CS_STUDY_EVENT_CELL_FAILED: e->failed++; break;
    }
    if (ev->work_done < e->last_work_done)
        e->work_decreased = 1;
    e->last_work_done = ev->work_done;
    e->work_total = ev->work_total;
    return e->cancel_after > 0 && e->finished >= e->cancel_after;
}

typedef struct fixture {
    cs_dataset *train, *test;
} fixture;

static fixture fx;

static void data_setup(void)
{
    cs_test_dir_setup();
    fx.train = cs_test_bands(150, 1);
    fx.test = cs_test_bands(60, 2);
}

static void data_teardown(void)
{
    cs_dataset_destroy(fx.train);
    cs_dataset_destroy(fx.test);
    cs_test_dir_teardown();
}

/* The precision of the studies make_study creates (fp32 unless a test says otherwise). */
static cs_precision study_precision = CS_PRECISION_FP32;

/* Two lenets, shuffle noise, a uniform reduction, matched controls, 2 replicates. */
static cs_study *make_study(int jobs, int replicates, events *ev)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.precision = study_precision;
    so.replicates = replicates;
    so.seed = 7;
    so.jobs = jobs;
    so.matched_controls = 1;
    so.progress = ev ? on_event : NULL;
    so.payload = ev;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, fx.train, fx.test, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 2;
    to.batch_size = 16;
    to.crop_padding = 0;
    to.horizontal_flip = 0;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.5, &to));
    to.epochs = 1;
    cs_assert_ok(cs_study_add_model(s, "small", "lenet", 0.25, &to));
    const char *specs[] = { "shuffle:0.3", "reduce:uniform:0.5" };
    for (int i = 0; i < 2; i++) {
        cs_perturb_spec *spec = NULL;
        cs_assert_ok(cs_perturb_spec_parse(&spec, specs[i]));
        cs_assert_ok(cs_study_add_condition(s, spec));
        cs_perturb_spec_destroy(spec);
    }
    return s;
}

static char *store(const char *name)
{
    return cs_test_path(cs_test_dir, name);
}

/* A file's lines without the timing members (they differ between runs). */
static char *without_timings(const char *path)
{
    size_t n = 0;
    char *text = (char *)cs_test_read(path, &n);
    char *out = calloc(n + 1, 1);
    size_t o = 0;
    for (char *line = text; line < text + n;) {
        char *end = memchr(line, '\n', (size_t)(text + n - line));
        size_t len = end ? (size_t)(end - line) + 1 : (size_t)(text + n - line);
        char saved = line[len - 1];
        line[len - 1] = '\0';
        int timing = strstr(line, "seconds") != NULL || strstr(line, "\"checksum\": ") != NULL;
        line[len - 1] = saved;
        if (!timing) {
            memcpy(out + o, line, len);
            o += len;
        }
        line += len;
    }
    free(text);
    return out;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Every cell file of store a equals the one of store b, timings aside. */
static void assert_same_cells(const char *a, const char *b)
{
    char *ca = cs_test_path(a, "cells"), *cb = cs_test_path(b, "cells");
    ck_assert_int_eq(count_files(ca), count_files(cb));
    DIR *d = opendir(ca);
    struct dirent *e;
    int compared = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *pa = cs_test_path(ca, e->d_name), *pb = cs_test_path(cb, e->d_name);
        char *ta = without_timings(pa), *tb = without_timings(pb);
        ck_assert_msg(strcmp(ta, tb) == 0, "%s differs between the stores", e->d_name);
        free(ta);
        free(tb);
        free(pa);
        free(pb);
        compared++;
    }
    closedir(d);
    ck_assert_int_gt(compared, 0);
    free(ca);
    free(cb);
}

static void assert_same_file(const char *a, const char *b, const char *name)
{
    char *pa = cs_test_path(a, name), *pb = cs_test_path(b, name);
    size_t na = 0, nb = 0;
    uint8_t *ta = cs_test_read(pa, &na), *tb = cs_test_read(pb, &nb);
    ck_assert_msg(na == nb && memcmp(ta, tb, na) == 0, "%s differs between %s and %s", name, a, b);
    free(ta);
    free(tb);
    free(pa);
    free(pb);
}

static int exists(const char *dir, const char *name)
{
    char *p = cs_test_path(dir, name);
    struct stat st;
    int ok = stat(p, &st) == 0 && st.st_size > 0;
    free(p);
    return ok;
}

START_TEST(study_runs_every_cell_and_reads_back)
{
    events ev = { 0 };
    cs_study *s = make_study(1, 2, &ev);
    /* baseline, shuffle, its control, reduction: 4 conditions x 2 models x 2 replicates */
    ck_assert_int_eq(cs_study_num_cells(s), 16);
    char *dir = store("a");
    cs_assert_ok(cs_study_run(s, dir));
    ck_assert_int_eq(ev.finished, 16);
    ck_assert_int_eq(ev.started, 16);
    ck_assert_int_eq(ev.skipped, 0);
    ck_assert_int_eq(ev.epochs, 2 * 8 + 1 * 8);
    ck_assert(!ev.work_decreased);
    ck_assert_double_eq_tol(ev.last_work_done, ev.work_total, 1e-9 * ev.work_total);
    cs_study_destroy(s);

    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_str_eq(cs_results_data_name(r), "tiny");
    ck_assert_int_eq(cs_results_num_classes(r), K);
    ck_assert_str_eq(cs_results_class_name(r, 1), "middle, wide");
    ck_assert_int_eq(cs_results_num_models(r), 2);
    ck_assert_str_eq(cs_results_model_name(r, 0), "lenet:0.5");
    ck_assert_str_eq(cs_results_model_name(r, 1), "small");
    ck_assert_str_eq(cs_results_model_arch(r, 1), "lenet");
    ck_assert_double_eq(cs_results_model_width(r, 1), 0.25);
    ck_assert_int_eq(cs_results_num_conditions(r), 4);
    ck_assert_str_eq(cs_results_condition_name(r, 0), "baseline");
    ck_assert_str_eq(cs_results_condition_name(r, 1), "shuffle:0.3");
    ck_assert_str_eq(cs_results_condition_name(r, 2), "matched:shuffle:0.3");
    ck_assert_str_eq(cs_results_condition_name(r, 3), "reduce:uniform:0.5");
    cs_condition_family fam = CS_CONDITION_NOISE;
    ck_assert_int_eq(cs_results_condition_family(&fam, r, 2), CS_OK);
    ck_assert_int_eq(fam, CS_CONDITION_CONTROL);
    ck_assert_int_eq(cs_results_condition_family(&fam, r, 0), CS_OK);
    ck_assert_int_eq(fam, CS_CONDITION_BASELINE);
    /* A bad index is an error, never a family: the answer is left untouched. */
    fam = CS_CONDITION_NOISE;
    cs_assert_fails(cs_results_condition_family(&fam, r, 4), CS_ERR_OUT_OF_RANGE, "condition 4; the store has 4");
    cs_assert_fails(cs_results_condition_family(&fam, r, -1), CS_ERR_OUT_OF_RANGE, "condition -1");
    ck_assert_int_eq(fam, CS_CONDITION_NOISE);
    cs_assert_fails(cs_results_condition_family(NULL, r, 0), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_results_condition_family(&fam, NULL, 0), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    ck_assert(isnan(cs_results_condition_level(r, 4)));
    ck_assert(isnan(cs_results_condition_level(NULL, 0)));
    ck_assert_int_eq(cs_results_cells_finished(NULL), -1);
    ck_assert_double_eq(cs_results_condition_level(r, 3), 0.5);
    ck_assert_int_eq(cs_results_cells_finished(r), 16);
    ck_assert_uint_eq(cs_results_test_size(r), 60);
    cs_train_options t = CS_TRAIN_OPTIONS_INIT;
    cs_assert_ok(cs_results_model_train_options(&t, r, 0));
    ck_assert_int_eq(t.epochs, 2);
    ck_assert_int_eq(t.batch_size, 16);
    ck_assert_double_eq(t.lr, 0.01); /* resolved default of a model without BatchNorm */

    for (int m = 0; m < 2; m++)
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < 2; i++) {
                cs_cell_result cell;
                cell.struct_size = sizeof cell;
                cs_assert_ok(cs_results_cell(&cell, r, m, c, i));
                ck_assert_double_eq(cs_confusion_total(cell.confusion), 60);
                ck_assert_double_eq_tol(cell.test_accuracy, cs_confusion_accuracy(cell.confusion), 1e-12);
                ck_assert_int_eq(cell.epochs, m == 0 ? 2 : 1);
                ck_assert(isfinite(cell.trace[0].loss));
                ck_assert_int_eq(cell.threads, 1);
                if (c == 0)
                    ck_assert_uint_eq(cell.train_size, 150);
                if (c == 1) {
                    ck_assert_uint_eq(cell.train_size, 150);
                    ck_assert(cell.flip_rate > 0.0 && cell.flip_rate <= 0.3);
                }
                if (c == 3)
                    ck_assert_uint_eq(cell.train_size, 75);
            }
    /* The matched control removes as many records as that replicate's noise changed. */
    for (int i = 0; i < 2; i++) {
        cs_cell_result noise, control;
        noise.struct_size = control.struct_size = sizeof noise;
        cs_assert_ok(cs_results_cell(&noise, r, 0, 1, i));
        cs_assert_ok(cs_results_cell(&control, r, 0, 2, i));
        ck_assert_uint_eq(control.train_size, 150 - noise.changed);
    }
    cs_results_destroy(r);
    free(dir);
}
END_TEST

START_TEST(perturbed_training_sets_are_shared_across_models)
{
    cs_study *s = make_study(1, 2, NULL);
    char *dir = store("a");
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    for (int c = 1; c < 4; c++) {
        cs_cell_result a0, b0;
        a0.struct_size = b0.struct_size = sizeof a0;
        cs_assert_ok(cs_results_cell(&a0, r, 0, c, 0));
        cs_assert_ok(cs_results_cell(&b0, r, 1, c, 0));
        ck_assert_uint_eq(a0.train_size, b0.train_size);
        ck_assert_uint_eq(a0.changed, b0.changed);
        ck_assert_double_eq(a0.flip_rate, b0.flip_rate);
    }
    cs_results_destroy(r);
    /* The perturbation seed of a cell leaves the model out; init and training seeds do not. */
    char *pa = cs_test_path(dir, "cells/lenet-0.5__shuffle-0.3__r1.json");
    char *pb = cs_test_path(dir, "cells/small__shuffle-0.3__r1.json");
    size_t na, nb;
    char *ta = (char *)cs_test_read(pa, &na), *tb = (char *)cs_test_read(pb, &nb);
    cs__json *ja = NULL, *jb = NULL;
    cs_assert_ok(cs__json_parse(&ja, ta, na, pa));
    cs_assert_ok(cs__json_parse(&jb, tb, nb, pb));
    const cs__json *sa = cs__json_get(ja, "seeds"), *sb = cs__json_get(jb, "seeds");
    ck_assert_str_eq(cs__json_string(cs__json_get(sa, "perturbation")), cs__json_string(cs__json_get(sb, "perturbation")));
    ck_assert_str_ne(cs__json_string(cs__json_get(sa, "init")), cs__json_string(cs__json_get(sb, "init")));
    ck_assert_str_ne(cs__json_string(cs__json_get(sa, "training")), cs__json_string(cs__json_get(sb, "training")));
    /* Same noisy labels: the realised transition counts agree. */
    const cs__json *pta = cs__json_get(cs__json_get(ja, "perturbation"), "transitions");
    const cs__json *ptb = cs__json_get(cs__json_get(jb, "perturbation"), "transitions");
    ck_assert_uint_eq(cs__json_len(pta), K);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++)
            ck_assert_double_eq(cs__json_number(cs__json_at(cs__json_at(pta, i), j)),
                                cs__json_number(cs__json_at(cs__json_at(ptb, i), j)));
    cs__json_free(ja);
    cs__json_free(jb);
    free(ta);
    free(tb);
    free(pa);
    free(pb);
    free(dir);
}
END_TEST

START_TEST(parallel_run_equals_serial_run)
{
    char *a = store("serial"), *b = store("parallel");
    cs_study *s = make_study(1, 2, NULL);
    cs_assert_ok(cs_study_run(s, a));
    cs_study_destroy(s);
    s = make_study(2, 2, NULL);
    cs_assert_ok(cs_study_run(s, b));
    cs_study_destroy(s);
    assert_same_file(a, b, "study.json");
    assert_same_cells(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(cancelled_study_resumes_to_the_same_store)
{
    char *a = store("whole"), *b = store("interrupted");
    cs_study *s = make_study(1, 2, NULL);
    cs_assert_ok(cs_study_run(s, a));
    cs_study_destroy(s);

    events ev = { 0 };
    ev.cancel_after = 5;
    s = make_study(1, 2, &ev);
    cs_assert_fails(cs_study_run(s, b), CS_ERR_CANCELLED, "cancelled");
    cs_study_destroy(s);
    char *cells = cs_test_path(b, "cells");
    ck_assert_int_eq(count_files(cells), 5); /* finished cells kept, nothing half-written */
    free(cells);

    events again = { 0 };
    s = make_study(1, 2, &again);
    cs_assert_ok(cs_study_run(s, b));
    cs_study_destroy(s);
    ck_assert_int_eq(again.skipped, 5);
    ck_assert_int_eq(again.finished, 11);
    assert_same_file(a, b, "study.json");
    assert_same_cells(a, b);

    /* Reports built from both stores are identical where they carry no timings. */
    cs_results *ra = NULL, *rb = NULL;
    cs_assert_ok(cs_results_open(&ra, a));
    cs_assert_ok(cs_results_open(&rb, b));
    cs_assert_ok(cs_report_write(ra, a, NULL));
    cs_assert_ok(cs_report_write(rb, b, NULL));
    assert_same_file(a, b, "summary.json");
    assert_same_file(a, b, "results.csv");
    cs_results_destroy(ra);
    cs_results_destroy(rb);
    free(a);
    free(b);
}
END_TEST

START_TEST(store_of_another_configuration_is_refused)
{
    char *dir = store("a");
    cs_study *s = make_study(1, 1, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    s = make_study(1, 2, NULL);
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_STATE, "another study configuration");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "\"replicates\": 1"));
    cs_study_destroy(s);
    /* The same configuration resumes (nothing to do). */
    events ev = { 0 };
    s = make_study(1, 1, &ev);
    cs_assert_ok(cs_study_run(s, dir));
    ck_assert_int_eq(ev.skipped, 8);
    ck_assert_int_eq(ev.finished, 0);
    cs_study_destroy(s);
    /* A study.json edited by hand (its hash no longer matches what it describes) is refused,
     * not resumed. */
    char *path = cs_test_path(dir, "study.json");
    size_t n = 0;
    char *text = (char *)cs_test_read(path, &n);
    char *epochs = strstr(text, "\"epochs\": ");
    ck_assert_ptr_nonnull(epochs);
    epochs[strlen("\"epochs\": ")] = '7';
    cs_test_write(path, text, n, 0);
    s = make_study(1, 1, NULL);
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_CORRUPT, "edited or damaged");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "study.json"));
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "delete the store"));
    cs_study_destroy(s);
    free(text);
    free(path);
    free(dir);
}
END_TEST

START_TEST(precision_is_part_of_the_configuration)
{
    cs_study *s = NULL;
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.precision = (cs_precision)5;
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "x", &so), CS_ERR_INVALID_ARGUMENT, "precision 5");
    so.precision = CS_PRECISION_BF16;
    ck_assert_int_eq(setenv("CLASSSENS_NO_BF16", "1", 1), 0);
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "x", &so), CS_ERR_UNSUPPORTED, "AVX512_BF16");
    ck_assert_ptr_null(s);
    ck_assert_int_eq(unsetenv("CLASSSENS_NO_BF16"), 0);

    /* fp32 writes no precision member: its configuration (and hash) are those of the stores
     * written before the option existed. */
    char *dir = store("a");
    s = make_study(1, 1, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    char *path = cs_test_path(dir, "study.json");
    size_t n = 0;
    char *text = (char *)cs_test_read(path, &n);
    ck_assert_ptr_null(strstr(text, "precision"));
    free(text);
    free(path);
    if (cs_study_create(&s, fx.train, fx.test, "x", &so) == CS_ERR_UNSUPPORTED) {
        fprintf(stderr, "precision_is_part_of_the_configuration: no bf16 study on this CPU: %s\n", cs_last_error());
        free(dir);
        return;
    }
    cs_study_destroy(s);
    /* bf16 is recorded, trains, reads back, and does not resume an fp32 store. */
    study_precision = CS_PRECISION_BF16;
    s = make_study(1, 1, NULL);
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_STATE, "another study configuration");
    char *dir_b = store("b");
    cs_assert_ok(cs_study_run(s, dir_b));
    cs_study_destroy(s);
    study_precision = CS_PRECISION_FP32;
    path = cs_test_path(dir_b, "study.json");
    text = (char *)cs_test_read(path, &n);
    ck_assert_ptr_nonnull(strstr(text, "\"precision\": \"bf16\""));
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir_b));
    ck_assert_int_eq(cs_results_num_models(r), 2);
    cs_results_destroy(r);
    free(text);
    free(path);
    free(dir_b);
    free(dir);
}
END_TEST

START_TEST(report_writes_every_output)
{
    char *dir = store("a");
    cs_study *s = make_study(2, 2, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    char *out = store("report");
    cs_assert_ok(cs_report_write(r, out, NULL));
    const char *files[] = { "report.html", "results.csv", "summary.json", "figures/confusion_lenet-0.5_baseline.svg",
                            "figures/relative_small_shuffle-0.3.svg", "figures/weakest_reduce-uniform-0.5.svg",
                            "figures/weakest_small.svg", "figures/curves_lenet-0.5_shuffle.svg",
                            "figures/curves_small_reduce-uniform.svg", "figures/agreement_baseline.svg",
                            "figures/confusion_small_matched-shuffle-0.3.svg" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg(exists(out, files[i]), "%s is missing or empty", files[i]);

    /* results.csv: a header and K*K rows per cell, class names quoted where needed. */
    char *csv_path = cs_test_path(out, "results.csv");
    size_t n = 0;
    char *csv = (char *)cs_test_read(csv_path, &n);
    ck_assert(strncmp(csv, "model,condition,level,replicate,true,pred,count,noise,kept\n", 59) == 0);
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += csv[i] == '\n';
    ck_assert_int_eq(lines, 1 + 16 * K * K);
    ck_assert_ptr_nonnull(strstr(csv, "\nsmall,reduce:uniform:0.5,0.5,1,\"middle, wide\",\"bottom \"\"low\"\"\","));
    free(csv);
    free(csv_path);

    /* summary.json agrees with the store. */
    char *js_path = cs_test_path(out, "summary.json");
    char *js = (char *)cs_test_read(js_path, &n);
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, js, n, js_path));
    ck_assert_int_eq((int)cs__json_number(cs__json_get(root, "cells_finished")), 16);
    const cs__json *models = cs__json_get(root, "models");
    ck_assert_uint_eq(cs__json_len(models), 2);
    for (int m = 0; m < 2; m++) {
        const cs__json *conds = cs__json_get(cs__json_at(models, (size_t)m), "conditions");
        ck_assert_uint_eq(cs__json_len(conds), 4);
        for (int c = 0; c < 4; c++) {
            const cs__json *cj = cs__json_at(conds, (size_t)c);
            double mean = cs__json_number(cs__json_get(cs__json_get(cj, "accuracy"), "mean"));
            double expect = 0.0;
            for (int i = 0; i < 2; i++) {
                cs_cell_result cell;
                cell.struct_size = sizeof cell;
                cs_assert_ok(cs_results_cell(&cell, r, m, c, i));
                expect += cell.test_accuracy / 2;
            }
            ck_assert_double_eq_tol(mean, expect, 1e-12);
            const cs__json *ca = cs__json_get(cj, "class_accuracy");
            ck_assert_uint_eq(cs__json_len(ca), K);
            ck_assert_uint_eq(cs__json_len(cs__json_get(cj, "weakest_by_accuracy")), K);
            if (c > 0)
                ck_assert_uint_eq(cs__json_len(cs__json_get(cj, "weakest_by_sensitivity")), K);
        }
    }
    const cs__json *agree = cs__json_get(root, "agreement");
    ck_assert_uint_eq(cs__json_len(agree), 4);
    /* Kendall's W of the baseline, from first principles: each model's class accuracies (the
     * mean over replicates of C[t][t] / n_t, checked against the store's confusion counts)
     * give difficulties 1 - acc, ranked 1..K with ties at their average rank; R_t sums class
     * t's ranks over the m models, S = sum_t (R_t - m (K + 1) / 2)^2, and with the tie
     * correction T_i = sum over tie groups of (g^3 - g) per model,
     * W = 12 S / (m^2 (K^3 - K) - m sum_i T_i) (NaN when every model ties all classes). */
    const cs__json *ag0 = cs__json_at(agree, 0);
    ck_assert_str_eq(cs__json_string(cs__json_get(ag0, "condition")), cs_results_condition_name(r, 0));
    const cs__json *ag_models = cs__json_get(ag0, "models");
    ck_assert_uint_eq(cs__json_len(ag_models), 2);
    double rank_sum[K] = { 0 }, tie_sum = 0.0;
    int constant_models = 0;
    for (int m = 0; m < 2; m++) {
        ck_assert_str_eq(cs__json_string(cs__json_at(ag_models, (size_t)m)), cs_results_model_name(r, m));
        const cs__json *ca = cs__json_get(cs__json_at(cs__json_get(cs__json_at(models, (size_t)m), "conditions"), 0),
                                          "class_accuracy");
        double d[K];
        for (int t = 0; t < K; t++) {
            double acc = 0.0;
            for (int i = 0; i < 2; i++) {
                cs_cell_result cell;
                cell.struct_size = sizeof cell;
                cs_assert_ok(cs_results_cell(&cell, r, m, 0, i));
                double n_t = 0.0;
                for (int p = 0; p < K; p++)
                    n_t += cs_confusion_count(cell.confusion, t, p);
                acc += cs_confusion_count(cell.confusion, t, t) / n_t / 2;
            }
            double reported = cs__json_number(cs__json_get(cs__json_at(ca, (size_t)t), "mean"));
            ck_assert_double_eq_tol(reported, acc, 1e-12);
            d[t] = 1.0 - reported; /* the report's own values, so exact ties stay ties */
        }
        int constant = 1;
        for (int t = 0; t < K; t++) {
            int below = 0, equal = 0;
            for (int u = 0; u < K; u++) {
                below += d[u] < d[t];
                equal += d[u] == d[t];
            }
            rank_sum[t] += below + (equal + 1) / 2.0;
            tie_sum += equal * equal - 1; /* each of a group's g members adds (g^3 - g) / g */
            constant &= equal == K;
        }
        constant_models += constant;
    }
    double s_dev = 0.0;
    for (int t = 0; t < K; t++)
        s_dev += (rank_sum[t] - 2 * (K + 1) / 2.0) * (rank_sum[t] - 2 * (K + 1) / 2.0);
    double expect_w = 12.0 * s_dev / (4.0 * (K * K * K - K) - 2.0 * tie_sum);
    double w = cs__json_number(cs__json_get(ag0, "kendall_w"));
    if (constant_models == 2)
        ck_assert_msg(isnan(w), "every model ties all classes, so W is undefined, got %.17g", w);
    else
        ck_assert_msg(fabs(w - expect_w) <= 1e-12, "Kendall's W is %.17g, expected %.17g", w, expect_w);
    cs__json_free(root);
    free(js);
    free(js_path);

    /* The page is self-contained: no script, no external reference. */
    char *html_path = cs_test_path(out, "report.html");
    char *html = (char *)cs_test_read(html_path, &n);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "href=\"http"));
    ck_assert_ptr_null(strstr(html, "src=\""));
    ck_assert_ptr_nonnull(strstr(html, "Table 1"));
    ck_assert_ptr_nonnull(strstr(html, "Kendall"));
    ck_assert_ptr_nonnull(strstr(html, "middle, wide"));
    ck_assert_ptr_nonnull(strstr(html, "bottom &quot;low&quot;"));
    free(html);
    free(html_path);

    cs_results_destroy(r);
    free(out);
    free(dir);
}
END_TEST

START_TEST(partial_store_gives_a_partial_report)
{
    char *dir = store("a");
    events ev = { 0 };
    ev.cancel_after = 3;
    cs_study *s = make_study(1, 2, &ev);
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_CANCELLED, "cancelled");
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_int_eq(cs_results_cells_finished(r), 3);
    cs_cell_result cell;
    cell.struct_size = sizeof cell;
    cs_assert_fails(cs_results_cell(&cell, r, 1, 3, 1), CS_ERR_NOT_FOUND, "not finished");
    cs_assert_ok(cs_report_write(r, dir, NULL));
    ck_assert(exists(dir, "report.html"));
    cs_results_destroy(r);
    free(dir);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    cs_study *s = NULL;
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    cs_assert_fails(cs_study_create(NULL, fx.train, fx.test, "x", NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_study_create(&s, NULL, fx.test, "x", NULL), CS_ERR_INVALID_ARGUMENT, "train is NULL");
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "", NULL), CS_ERR_INVALID_ARGUMENT, "data_name");
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "a\nb", NULL), CS_ERR_INVALID_ARGUMENT, "printable");
    so.replicates = 0;
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "x", &so), CS_ERR_INVALID_ARGUMENT, "replicates 0");
    so = (cs_study_options)CS_STUDY_OPTIONS_INIT;
    so.jobs = -1;
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "x", &so), CS_ERR_INVALID_ARGUMENT, "jobs -1");
    so = (cs_study_options)CS_STUDY_OPTIONS_INIT;
    so.train_subset = 1000;
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "x", &so), CS_ERR_OUT_OF_RANGE, "the split has 150");
    so = (cs_study_options)CS_STUDY_OPTIONS_INIT;
    so.struct_size = sizeof so + 8;
    cs_assert_fails(cs_study_create(&s, fx.train, fx.test, "x", &so), CS_ERR_UNSUPPORTED, "cs_study_options");
    cs_dataset *other = NULL;
    uint8_t px[4 * 2 * 8 * 8] = { 0 };
    int32_t labels[4] = { 0, 1, 2, 0 };
    cs_assert_ok(cs_dataset_from_memory(&other, px, labels, 4, 2, 8, 8, K));
    cs_assert_fails(cs_study_create(&s, fx.train, other, "x", NULL), CS_ERR_SIZE_MISMATCH, "test split is 2x8x8");
    cs_dataset_destroy(other);
    ck_assert_ptr_null(s);

    cs_assert_ok(cs_study_create(&s, fx.train, fx.test, "x", NULL));
    char *dir = store("a");
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_STATE, "no models");
    cs_assert_fails(cs_study_add_model(s, NULL, "transformer", 1.0, NULL), CS_ERR_NOT_FOUND, "transformer");
    cs_assert_fails(cs_study_add_model(s, "bad name", "lenet", 1.0, NULL), CS_ERR_INVALID_ARGUMENT, "bad name");
    cs_assert_fails(cs_study_add_model(s, NULL, "lenet", -1.0, NULL), CS_ERR_INVALID_ARGUMENT, "width");
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 0;
    cs_assert_fails(cs_study_add_model(s, NULL, "lenet", 1.0, &to), CS_ERR_INVALID_ARGUMENT, "epochs 0");
    to = (cs_train_options)CS_TRAIN_OPTIONS_INIT;
    to.momentum = 1.5;
    cs_assert_fails(cs_study_add_model(s, NULL, "lenet", 1.0, &to), CS_ERR_INVALID_ARGUMENT, "momentum 1.5");
    cs_assert_ok(cs_study_add_model(s, "a:b", "lenet", 1.0, NULL));
    cs_assert_fails(cs_study_add_model(s, "a-b", "lenet", 1.0, NULL), CS_ERR_INVALID_ARGUMENT, "clashes");
    cs_assert_fails(cs_study_add_condition(s, NULL), CS_ERR_INVALID_ARGUMENT, "spec is NULL");
    cs_perturb_spec *spec = NULL;
    cs_assert_ok(cs_perturb_spec_parse(&spec, "targeted:7:0.3"));
    cs_assert_fails(cs_study_add_condition(s, spec), CS_ERR_OUT_OF_RANGE, "targeted:7:0.3");
    cs_perturb_spec_destroy(spec);
    cs_assert_ok(cs_perturb_spec_parse(&spec, "shuffle:0.2"));
    cs_assert_ok(cs_study_add_condition(s, spec));
    cs_assert_fails(cs_study_add_condition(s, spec), CS_ERR_INVALID_ARGUMENT, "already in the study");
    cs_perturb_spec_destroy(spec);
    cs_assert_ok(cs_perturb_spec_create(&spec, CS_PERTURB_NONE, 0.0));
    cs_assert_fails(cs_study_add_condition(s, spec), CS_ERR_INVALID_ARGUMENT, "baseline");
    cs_perturb_spec_destroy(spec);
    cs_assert_fails(cs_study_run(s, NULL), CS_ERR_INVALID_ARGUMENT, "store_dir is NULL");
    /* A file where the store should be. */
    char *file = store("file");
    cs_test_write(file, "x", 1, 0);
    cs_assert_fails(cs_study_run(s, file), CS_ERR_IO, "not a directory");
    cs_assert_fails(cs_study_add_model(s, NULL, "lenet", 0.5, NULL), CS_ERR_STATE, "already run");
    cs_study_destroy(s);
    cs_study_destroy(NULL);
    ck_assert_int_eq(cs_study_num_cells(NULL), -1);
    free(file);
    free(dir);
}
END_TEST

/* Write `text` (n bytes, a store file) to path as a file of an older format: its "version": 5
 * made `version` (one digit) and, as before format 4, no checksum member (format 4: its checksum
 * recomputed, the CRC-32 of every byte before the member's line). Returns the edited copy
 * (NUL-terminated, for the caller to edit further and free). */
static char *as_version(const char *path, const uint8_t *text, size_t n, char version)
{
    char *edit = malloc(n + 1);
    ck_assert_ptr_nonnull(edit);
    memcpy(edit, text, n);
    edit[n] = '\0';
    char *ver = strstr(edit, "\"version\": 5");
    ck_assert_ptr_nonnull(ver);
    ver[strlen("\"version\": ")] = version;
    char *sum = strstr(edit, ",\n  \"checksum\": \"");
    ck_assert_ptr_nonnull(sum);
    if (version == '4') {
        char hex[9];
        snprintf(hex, sizeof hex, "%08lx", crc32(crc32(0L, Z_NULL, 0), (const Bytef *)edit, (uInt)(sum + 2 - edit)));
        memcpy(sum + strlen(",\n  \"checksum\": \""), hex, 8);
        cs_test_write(path, edit, strlen(edit), 0);
        return edit;
    }
    const size_t cut = strlen(",\n  \"checksum\": \"12345678\"");
    memmove(sum, sum + cut, strlen(sum + cut) + 1);
    cs_test_write(path, edit, strlen(edit), 0);
    return edit;
}

/* Every cell file of a store as a file of format `version` (as_version); 0: back to the copies
 * kept at the first call. */
static void all_cells_as_version(const char *cells_dir, char version)
{
    static char *names[64];
    static uint8_t *texts[64];
    static size_t lens[64];
    static int n;
    if (n == 0) {
        DIR *d = opendir(cells_dir);
        ck_assert_ptr_nonnull(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 64) {
            if (!strstr(e->d_name, ".json"))
                continue;
            names[n] = cs_test_path(cells_dir, e->d_name);
            texts[n] = cs_test_read(names[n], &lens[n]);
            n++;
        }
        closedir(d);
    }
    for (int i = 0; i < n; i++) {
        if (version)
            free(as_version(names[i], texts[i], lens[i], version));
        else {
            cs_test_write(names[i], texts[i], lens[i], 0);
            free(names[i]);
            free(texts[i]);
        }
    }
    if (!version)
        n = 0;
}

START_TEST(damaged_stores_are_refused)
{
    cs_results *r = NULL;
    char *missing = store("missing");
    cs_assert_fails(cs_results_open(&r, missing), CS_ERR_NOT_FOUND, "is not a results store");
    ck_assert_ptr_null(r);
    free(missing);

    char *dir = store("a");
    cs_study *s = make_study(1, 1, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);

    /* A damaged cell file: the reader names it; the runner refuses to resume over it. */
    char *cell = cs_test_path(dir, "cells/small__baseline__r0.json");
    size_t n = 0;
    uint8_t *orig = cs_test_read(cell, &n);
    cs_test_write(cell, orig, n / 2, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_FORMAT, "small__baseline__r0.json");
    s = make_study(1, 1, NULL);
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_CORRUPT, "delete the file");
    cs_study_destroy(s);
    /* A count changed by hand: the checksum no longer matches (a legacy file without one is
     * caught by its sums: see the versions below and tests/cli/store_integrity.sh). */
    char *text = malloc(n + 1);
    memcpy(text, orig, n);
    text[n] = '\0';
    char *conf = strstr(text, "\"confusion\"");
    ck_assert_ptr_nonnull(conf);
    char *digit = strpbrk(conf, "123456789");
    *digit = *digit == '9' ? '8' : (char)(*digit + 1);
    cs_test_write(cell, text, n, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "edited or damaged; delete the file");
    cs_test_write(cell, orig, n, 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_results_destroy(r);
    r = NULL;

    /* Stores of versions 1 and 2 (cells trained before the data-parallel executor, or before
     * the Winograd convolutions, whose numbers differ in the last bits) are read, but never
     * resumed: that would mix two numerics. Their cells carry the old version too. Version 3
     * (no checksums) likewise: its cells are read with every derived value checked. Version 4
     * (before grid conditions) is read and not resumed either. */
    char *cfg = cs_test_path(dir, "study.json");
    uint8_t *ctext = cs_test_read(cfg, &n);
    size_t cn = 0;
    uint8_t *ctext2 = cs_test_read(cell, &cn);
    char *edit = NULL;
    char *cells_dir = cs_test_path(dir, "cells");
    for (char v = '1'; v <= '4'; v++) {
        free(edit);
        edit = as_version(cfg, ctext, n, v);
        all_cells_as_version(cells_dir, v);
        cs_assert_ok(cs_results_open(&r, dir));
        cs_results_destroy(r);
        r = NULL;
        s = make_study(1, 1, NULL);
        cs_assert_fails(cs_study_run(s, dir), CS_ERR_FORMAT, "resumes version 5 only");
        ck_assert_ptr_nonnull(strstr(cs_last_error(), v == '4'   ? "predates grid conditions"
                                                      : v == '3' ? "no checksums"
                                                                 : "other numerics"));
        cs_study_destroy(s);
        /* A legacy cell is still checked in full: an accuracy that disagrees with its matrix. */
        if (v == '3') {
            char *legacy = as_version(cell, ctext2, cn, v);
            char *acc = strstr(legacy, "\"test_accuracy\": ");
            ck_assert_ptr_nonnull(acc);
            acc += strlen("\"test_accuracy\": ");
            *acc = *acc == '0' ? '1' : '0';
            cs_test_write(cell, legacy, strlen(legacy), 0);
            cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "the confusion matrix gives");
            free(legacy);
        }
    }
    all_cells_as_version(cells_dir, 0);
    free(cells_dir);
    cs_test_write(cell, ctext2, cn, 0);
    free(ctext2);
    free(edit);
    edit = malloc(n + 1);
    memcpy(edit, ctext, n);
    edit[n] = '\0';

    /* An edited configuration is detected by its hash. */
    char *reps = strstr(edit, "\"replicates\": 1");
    ck_assert_ptr_nonnull(reps);
    reps[strlen("\"replicates\": ")] = '2';
    cs_test_write(cfg, edit, n, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "edited or damaged");
    cs_test_write(cfg, "{\"format\": \"something-else\"}", 29, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_FORMAT, "something-else");
    cs_test_write(cfg, "{not json", 9, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_FORMAT, "study.json:1:2");
    ck_assert_ptr_null(r);

    cs_assert_fails(cs_report_write(NULL, dir, NULL), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    free(edit);
    free(ctext);
    free(cfg);
    free(text);
    free(orig);
    free(cell);
    free(dir);
}
END_TEST

/* CRC-32 (ISO-HDLC, zlib's), bit by bit: an independent computation of a store's checksum. */
static uint32_t crc32_bitwise(const char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint8_t)p[i];
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

/* The checksum of a store file made right again after an edit (docs/formats.md: every byte
 * before the line of the last member, "checksum"). */
static void reseal(char *text)
{
    char *line = strstr(text, "\n  \"checksum\": \"");
    ck_assert_ptr_nonnull(line);
    char hex[9];
    snprintf(hex, sizeof hex, "%08x", (unsigned)crc32_bitwise(text, (size_t)(line + 1 - text)));
    memcpy(line + strlen("\n  \"checksum\": \""), hex, 8);
}

/* `text` with the first line that holds `key` (from `after` on, or the line after it with
 * `next`) replaced by `line` (without its newline). */
static char *with_line(const char *text, const char *key, int next, const char *line)
{
    const char *at = strstr(text, key);
    ck_assert_ptr_nonnull(at);
    while (at > text && at[-1] != '\n')
        at--;
    if (next)
        at = strchr(at, '\n') + 1;
    const char *end = strchr(at, '\n');
    size_t head = (size_t)(at - text), tail = strlen(end);
    char *out = malloc(head + strlen(line) + tail + 1);
    memcpy(out, text, head);
    memcpy(out + head, line, strlen(line));
    memcpy(out + head + strlen(line), end, tail + 1);
    return out;
}

START_TEST(resealed_edits_of_derived_members_are_refused)
{
    char *dir = store("a");
    cs_study *s = make_study(1, 1, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    char *cell = cs_test_path(dir, "cells/small__shuffle-0.3__r0.json");
    size_t n = 0;
    char *orig = (char *)cs_test_read(cell, &n);
    /* The confusion matrix's first row, its counts moved within the row or added to. */
    const char *row = strchr(strstr(orig, "\"confusion\": ["), '\n') + 1;
    long a = 0, b = 0, c = 0;
    ck_assert_int_eq(sscanf(row, " [%ld, %ld, %ld]", &a, &b, &c), 3);
    char moved[96], added[96];
    if (a > 0)
        snprintf(moved, sizeof moved, "      [%ld, %ld, %ld],", a - 1, b + 1, c);
    else if (b > 0)
        snprintf(moved, sizeof moved, "      [%ld, %ld, %ld],", a + 1, b - 1, c);
    else
        snprintf(moved, sizeof moved, "      [%ld, %ld, %ld],", a + 1, b, c - 1);
    snprintf(added, sizeof added, "      [%ld, %ld, %ld],", a + 1, b, c);
    const char *before = strstr(orig, "\"class_counts_after\": [");
    long x = 0, y = 0, z = 0;
    ck_assert_int_eq(sscanf(before, "\"class_counts_after\": [%ld, %ld, %ld]", &x, &y, &z), 3);
    char counts[96];
    snprintf(counts, sizeof counts, "    \"class_counts_after\": [%ld, %ld, %ld],", x + 1, y - 1, z);
    const char *changed = strstr(orig, "\"changed\": ");
    char changed_line[64];
    snprintf(changed_line, sizeof changed_line, "    \"changed\": %ld,", atol(changed + 11) + 1);
    struct {
        const char *key;
        int next;
        const char *line, *says;
    } edits[] = {
        { "\"test_accuracy\": ", 0, "  \"test_accuracy\": 0.123,", "the confusion matrix gives" },
        { "\"confusion\": [", 1, moved, "the confusion matrix gives" },
        { "\"confusion\": [", 1, added, "test records of class 0" },
        { "\"flip_rate\": ", 0, "    \"flip_rate\": 0.5,", "flip_rate is not changed / size_before" },
        { "\"changed\": ", 0, changed_line, "changed is not the number of records off" },
        { "\"class_counts_after\": ", 0, counts, "class 0: the transition matrix holds" },
        { "\"init\": ", 0, "    \"init\": \"0123456789abcdef\",", "the init seed is" },
        { "\"threads\": ", 0, "  \"threads\": 2,", "trained with 2 threads" },
        { "\"accuracy\": ", 0, "      \"accuracy\": 0.123,", "is not a count of the" },
        { "\"train_size\": ", 0, "  \"train_size\": 151,", "train_size 151" },
        { "\"epoch_seconds\": ", 0, "    \"epoch_seconds\": [-1]", "epoch_seconds entry 1" },
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *edit = with_line(orig, edits[i].key, edits[i].next, edits[i].line);
        reseal(edit);
        cs_test_write(cell, edit, strlen(edit), 0);
        cs_study *again = make_study(1, 1, NULL);
        cs_assert_fails(cs_study_run(again, dir), CS_ERR_CORRUPT, edits[i].says);
        ck_assert_ptr_nonnull(strstr(cs_last_error(), "small__shuffle-0.3__r0.json"));
        ck_assert_ptr_nonnull(strstr(cs_last_error(), "delete the file"));
        cs_study_destroy(again);
        cs_results *r = NULL;
        int rc = cs_results_open(&r, dir);
        ck_assert_msg(rc == CS_ERR_CORRUPT && strstr(cs_last_error(), edits[i].says),
                      "edit %zu: cs_results_open returned %d: %s", i, rc, cs_last_error());
        ck_assert_ptr_null(r);
        free(edit);
    }
    /* A loss is not derived from anything: only the checksum guards it. */
    char *loss = with_line(orig, "\"loss\": ", 0, "      \"loss\": 0.5,");
    cs_test_write(cell, loss, strlen(loss), 0);
    cs_assert_fails(cs_study_run(s, dir), CS_ERR_CORRUPT, "its checksum says");
    reseal(loss);
    cs_test_write(cell, loss, strlen(loss), 0);
    cs_assert_ok(cs_study_run(s, dir));
    free(loss);
    cs_study_destroy(s);
    free(orig);
    free(cell);
    free(dir);
}
END_TEST

/* A cell file made to hold the confusion matrix `rows` (k x k, of the 60 test records). */
static void set_confusion(const char *path, const long *rows, int k)
{
    size_t n = 0;
    char *text = (char *)cs_test_read(path, &n);
    long correct = 0, total = 0;
    for (int t = 0; t < k; t++) {
        char line[128];
        int at = snprintf(line, sizeof line, "      [");
        for (int j = 0; j < k; j++)
            at += snprintf(line + at, sizeof line - (size_t)at, "%s%ld", j ? ", " : "", rows[t * k + j]);
        snprintf(line + at, sizeof line - (size_t)at, "]%s", t + 1 < k ? "," : "");
        const char *head = strstr(text, "\"confusion\": [");
        for (int skip = 0; skip < t; skip++)
            head = strchr(head, '\n') + 1;
        char *edit = with_line(text, head, 1, line);
        free(text);
        text = edit;
        for (int j = 0; j < k; j++)
            total += rows[t * k + j];
        correct += rows[t * k + t];
    }
    char acc[64];
    snprintf(acc, sizeof acc, "  \"test_accuracy\": %.17g,", (double)correct / (double)total);
    char *edit = with_line(text, "\"test_accuracy\": ", 0, acc);
    reseal(edit);
    cs_test_write(path, edit, strlen(edit), 0);
    free(edit);
    free(text);
}

START_TEST(replicates_at_chance_are_flagged_as_outliers)
{
    char *dir = store("a");
    cs_study *s = make_study(1, 3, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    /* The test set's rows, from a cell; replicate 0 of lenet:0.5's baseline predicts class 0 for
     * everything (chance), the others are right (far above it). */
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    const int k = cs_results_num_classes(r);
    ck_assert_int_eq(k, 3);
    cs_cell_result c;
    c.struct_size = sizeof c;
    cs_assert_ok(cs_results_cell(&c, r, 0, 0, 0));
    long totals[3] = { 0 }, collapsed[9] = { 0 }, right[9] = { 0 };
    for (int t = 0; t < k; t++) {
        for (int j = 0; j < k; j++)
            totals[t] += (long)cs_confusion_count(c.confusion, t, j);
        collapsed[t * k] = totals[t];
        right[t * k + t] = totals[t];
    }
    cs_results_destroy(r);
    const char *files[3] = { "cells/lenet-0.5__baseline__r0.json", "cells/lenet-0.5__baseline__r1.json",
                             "cells/lenet-0.5__baseline__r2.json" };
    for (int i = 0; i < 3; i++) {
        char *path = cs_test_path(dir, files[i]);
        set_confusion(path, i == 0 ? collapsed : right, k);
        free(path);
    }
    cs_assert_ok(cs_results_open(&r, dir));
    char *out = store("report");
    cs_assert_ok(cs_report_write(r, out, NULL));
    cs_results_destroy(r);
    char *summary = cs_test_path(out, "summary.json");
    size_t n = 0;
    char *text = (char *)cs_test_read(summary, &n);
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, text, n, "summary.json"));
    /* (The tiny models trained for one epoch may give outliers of their own.) */
    const cs__json *outliers = cs__json_get(root, "outliers"), *o = NULL;
    for (size_t i = 0; i < cs__json_len(outliers); i++) {
        const cs__json *x = cs__json_at(outliers, i);
        if (strcmp(cs__json_string(cs__json_get(x, "model")), "lenet:0.5") == 0 &&
            strcmp(cs__json_string(cs__json_get(x, "condition")), "baseline") == 0) {
            ck_assert_ptr_null(o);
            o = x;
        }
    }
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq((int)cs__json_number(cs__json_get(o, "replicate")), 0);
    ck_assert_double_eq(cs__json_number(cs__json_get(o, "others_min")), 1.0);
    ck_assert_double_eq_tol(cs__json_number(cs__json_get(o, "accuracy")), (double)totals[0] / 60.0, 1e-12);
    ck_assert_int_eq((int)cs__json_number(cs__json_get(root, "cells_failed")), 0);
    ck_assert_ptr_nonnull(strstr(cs__json_string(cs__json_get(root, "outlier_rule")), "chance + 5 points"));
    cs__json_free(root);
    free(text);
    /* The page shows it, with the rule; the outlier stays in the data (3 replicates averaged). */
    char *page = cs_test_path(out, "report.html");
    text = (char *)cs_test_read(page, &n);
    ck_assert_ptr_nonnull(strstr(text, " outlier replicate"));
    ck_assert_ptr_nonnull(strstr(text, "Rule: a replicate is an outlier"));
    free(text);
    free(page);
    free(summary);
    free(out);
    free(dir);
}
END_TEST

START_TEST(diverged_cells_are_kept_as_failed_and_the_study_goes_on)
{
    char *dir = store("a");
    events ev = { 0 };
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 2;
    so.jobs = 1;
    so.progress = on_event;
    so.payload = &ev;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, fx.train, fx.test, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 2;
    to.batch_size = 16;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.5, &to));
    to.lr = 1e30; /* diverges in its first epoch */
    cs_assert_ok(cs_study_add_model(s, "wild", "lenet", 0.25, &to));
    cs_assert_ok(cs_study_run(s, dir));
    ck_assert_int_eq(ev.finished, 2);
    ck_assert_int_eq(ev.failed, 2);
    ck_assert_int_eq(cs_study_cell_stored(s, dir, 0), 1);
    ck_assert_int_eq(cs_study_cell_stored(s, dir, 2), 2);
    /* A record of a failed cell: CS_OK, marked failed, stored as a failure anywhere. */
    cs_study_record *rec = NULL;
    cs_assert_ok(cs_study_train_cell(&rec, s, 3));
    ck_assert_int_eq(cs_study_record_failed(rec), 1);
    ck_assert(isnan(cs_study_record_accuracy(rec)));
    size_t len = 0;
    const char *data = cs_study_record_data(&len, rec);
    ck_assert_ptr_nonnull(strstr(data, "\"format\": \"classsens-failed-cell\""));
    char *other = store("b");
    cs_assert_ok(cs_study_prepare(s, other));
    int cell = -1;
    double acc = 0.0;
    cs_assert_ok(cs_study_store_record(&cell, &acc, s, other, data, len));
    ck_assert_int_eq(cell, 3);
    ck_assert(isnan(acc));
    ck_assert_int_eq(cs_study_cell_stored(s, other, 3), 2);
    cs_study_record_destroy(rec);
    ck_assert_int_eq(cs_study_record_failed(NULL), -1);
    cs_study_destroy(s);

    /* Read back: not finished, listed with the epoch and the reason. */
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_int_eq(cs_results_cells_finished(r), 2);
    ck_assert_int_eq(cs_results_cells_failed(r), 2);
    cs_cell_result c;
    c.struct_size = sizeof c;
    cs_assert_fails(cs_results_cell(&c, r, 1, 0, 0), CS_ERR_NOT_FOUND, "failed (its training diverged)");
    cs_cell_failure f;
    f.struct_size = sizeof f;
    cs_assert_ok(cs_results_cell_failure(&f, r, 1, 0, 1));
    ck_assert_int_eq(f.status, CS_ERR_DIVERGED);
    ck_assert_int_eq(f.epoch, 1);
    ck_assert_ptr_nonnull(strstr(f.reason, "cs_model_train: "));
    cs_assert_fails(cs_results_cell_failure(&f, r, 0, 0, 0), CS_ERR_NOT_FOUND, "it is finished");
    cs_assert_fails(cs_results_cell_failure(&f, r, 2, 0, 0), CS_ERR_OUT_OF_RANGE, "outside");
    cs_assert_fails(cs_results_cell_failure(NULL, r, 0, 0, 0), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    f.struct_size = 1;
    cs_assert_fails(cs_results_cell_failure(&f, r, 1, 0, 0), CS_ERR_INVALID_ARGUMENT, "struct_size");
    ck_assert_int_eq(cs_results_cells_failed(NULL), -1);
    /* The report leaves them out and says so. */
    char *out = store("report");
    cs_assert_ok(cs_report_write(r, out, NULL));
    cs_results_destroy(r);
    char *page = cs_test_path(out, "report.html");
    size_t n = 0;
    char *text = (char *)cs_test_read(page, &n);
    ck_assert_ptr_nonnull(strstr(text, "2 failed (training diverged; left out of every statistic"));
    free(text);
    free(page);

    /* A rerun skips them (as failed); with retry_failed it trains them again. */
    memset(&ev, 0, sizeof ev);
    cs_assert_ok(cs_study_create(&s, fx.train, fx.test, "tiny", &so));
    to.lr = 0.0;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.5, &to));
    to.lr = 1e30;
    cs_assert_ok(cs_study_add_model(s, "wild", "lenet", 0.25, &to));
    cs_assert_ok(cs_study_run(s, dir));
    ck_assert_int_eq(ev.skipped, 4);
    ck_assert_int_eq(ev.failed + ev.started, 0);
    cs_study_destroy(s);
    memset(&ev, 0, sizeof ev);
    so.retry_failed = 1;
    cs_assert_ok(cs_study_create(&s, fx.train, fx.test, "tiny", &so));
    to.lr = 0.0;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.5, &to));
    to.lr = 1e30;
    cs_assert_ok(cs_study_add_model(s, "wild", "lenet", 0.25, &to));
    cs_assert_ok(cs_study_run(s, dir));
    ck_assert_int_eq(ev.skipped, 2);
    ck_assert_int_eq(ev.failed, 2);
    cs_study_destroy(s);
    free(out);
    free(other);
    free(dir);
}
END_TEST

START_TEST(report_needs_a_baseline_and_valid_options)
{
    char *dir = store("a");
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 1;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, fx.train, fx.test, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 1;
    cs_assert_ok(cs_study_add_model(s, NULL, "lenet", 0.25, &to));
    cs_perturb_spec *spec = NULL;
    cs_assert_ok(cs_perturb_spec_parse(&spec, "shuffle:0.2"));
    cs_assert_ok(cs_study_add_condition(s, spec));
    cs_perturb_spec_destroy(spec);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    ro.confidence = 1.5;
    cs_assert_fails(cs_report_write(r, dir, &ro), CS_ERR_INVALID_ARGUMENT, "confidence 1.5");
    ro = (cs_report_options)CS_REPORT_OPTIONS_INIT;
    ro.top_k = 0;
    cs_assert_fails(cs_report_write(r, dir, &ro), CS_ERR_INVALID_ARGUMENT, "top_k 0");
    ro = (cs_report_options)CS_REPORT_OPTIONS_INIT;
    ro.merge_threshold = 2;
    cs_assert_fails(cs_report_write(r, dir, &ro), CS_ERR_INVALID_ARGUMENT, "merge threshold");
    cs_results_destroy(r);

    /* Remove the baseline cell: the report refuses. */
    char *cell = cs_test_path(dir, "cells/lenet-0.25__baseline__r0.json");
    ck_assert_int_eq(remove(cell), 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_assert_fails(cs_report_write(r, dir, NULL), CS_ERR_STATE, "no finished baseline");
    cs_results_destroy(r);
    free(cell);
    free(dir);
}
END_TEST

/* A claim file as the store writes it, one member per line, in STORE/running/FILE. */
static void write_claim(const char *dir, const char *file, const char *hash, const char *model, const char *cond,
                        int replicate, const char *worker)
{
    char *running = cs_test_path(dir, "running");
    ck_assert_msg(mkdir(running, 0777) == 0 || errno == EEXIST, "cannot create %s", running);
    char *path = cs_test_path(running, file);
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "{\n  \"format\": \"classsens-claim\",\n  \"version\": 3,\n  \"config_hash\": \"%s\",\n"
                     "  \"model\": \"%s\",\n  \"condition\": \"%s\",\n  \"replicate\": %d,\n"
                     "  \"worker\": \"%s\",\n  \"host\": \"node17\",\n  \"pid\": 1234,\n"
                     "  \"since\": 1765000000.25\n}\n",
                     hash, model, cond, replicate, worker);
    ck_assert(n > 0 && (size_t)n < sizeof text);
    cs_test_write(path, text, (size_t)n, 0);
    free(path);
    free(running);
}

/* A store of make_study(1, 1): 8 cells; returns its hash (static storage). */
static const char *finished_store(const char *dir)
{
    static char hash[17];
    cs_study *s = make_study(1, 1, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    snprintf(hash, sizeof hash, "%s", cs_results_config_hash(r));
    cs_results_destroy(r);
    return hash;
}

static void remove_cell(const char *dir, const char *file)
{
    char *cells = cs_test_path(dir, "cells");
    char *path = cs_test_path(cells, file);
    ck_assert_int_eq(remove(path), 0);
    free(path);
    free(cells);
}

START_TEST(claims_of_running_cells_are_read_back)
{
    char *dir = store("a");
    cs_study *s = make_study(1, 1, NULL);
    cs_assert_ok(cs_study_run(s, dir));
    /* (small, shuffle:0.3) is being trained by another process; (small, reduce) is missing and
     * nobody claims it. Cells are model-major: (small, shuffle:0.3, 0) is cell 1 * 4 + 1. */
    remove_cell(dir, "small__shuffle-0.3__r0.json");
    remove_cell(dir, "small__reduce-uniform-0.5__r0.json");
    cs_study_claim who;
    memset(&who, 0, sizeof who);
    who.struct_size = sizeof who;
    who.worker = "rank 2";
    who.host = "node17";
    who.pid = 1234;
    who.since = 1765000000.25;
    cs_assert_ok(cs_study_claim_cell(s, dir, 5, &who));
    /* A finished cell's claim is left behind by a process killed after storing the cell; it is
     * not even read (this one would not parse). */
    char *running = cs_test_path(dir, "running");
    char *stale = cs_test_path(running, "lenet-0.5__baseline__r0.json");
    cs_test_write(stale, "{not json", 9, 0);

    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_int_eq(cs_results_cells_finished(r), 6);
    cs_study_claim c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    cs_assert_ok(cs_results_cell_claim(&c, r, 1, 1, 0));
    ck_assert_uint_eq(c.struct_size, sizeof c);
    ck_assert_str_eq(c.worker, "rank 2");
    ck_assert_str_eq(c.host, "node17");
    ck_assert_int_eq(c.pid, 1234);
    ck_assert_double_eq(c.since, 1765000000.25);
    cs_assert_fails(cs_results_cell_claim(&c, r, 0, 0, 0), CS_ERR_NOT_FOUND, "it is finished");
    cs_assert_fails(cs_results_cell_claim(&c, r, 1, 3, 0), CS_ERR_NOT_FOUND, "nobody claims (small, "
                    "reduce:uniform:0.5, replicate 0)");
    cs_assert_fails(cs_results_cell_claim(&c, r, 1, 2, 0), CS_ERR_NOT_FOUND, "it is finished");

    /* An older, smaller struct gets the fields it has and nothing beyond. */
    cs_study_claim old;
    memset(&old, 0, sizeof old);
    old.struct_size = offsetof(cs_study_claim, host);
    old.host = "untouched";
    old.pid = -7;
    cs_assert_ok(cs_results_cell_claim(&old, r, 1, 1, 0));
    ck_assert_uint_eq(old.struct_size, offsetof(cs_study_claim, host));
    ck_assert_str_eq(old.worker, "rank 2");
    ck_assert_str_eq(old.host, "untouched");
    ck_assert_int_eq(old.pid, -7);

    /* Bad arguments. */
    cs_assert_fails(cs_results_cell_claim(&c, NULL, 1, 1, 0), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    cs_assert_fails(cs_results_cell_claim(NULL, r, 1, 1, 0), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    old.struct_size = sizeof(size_t);
    cs_assert_fails(cs_results_cell_claim(&old, r, 1, 1, 0), CS_ERR_INVALID_ARGUMENT, "struct_size is");
    cs_assert_fails(cs_results_cell_claim(&c, r, 2, 0, 0), CS_ERR_OUT_OF_RANGE, "outside the store's 2 x 4 x 1");
    cs_assert_fails(cs_results_cell_claim(&c, r, 0, 4, 0), CS_ERR_OUT_OF_RANGE, "condition 4");
    cs_assert_fails(cs_results_cell_claim(&c, r, 0, 0, 1), CS_ERR_OUT_OF_RANGE, "replicate 1");
    cs_assert_fails(cs_results_cell_claim(&c, r, -1, 0, 0), CS_ERR_OUT_OF_RANGE, "model -1");
    cs_results_destroy(r);

    /* Released, and without a running/ directory (stores from before claims): no claims. */
    cs_assert_ok(cs_study_release_cell(s, dir, 5));
    cs_assert_ok(cs_results_open(&r, dir));
    cs_assert_fails(cs_results_cell_claim(&c, r, 1, 1, 0), CS_ERR_NOT_FOUND, "nobody claims");
    cs_results_destroy(r);
    ck_assert_int_eq(remove(stale), 0);
    ck_assert_int_eq(remove(running), 0);
    cs_assert_ok(cs_results_open(&r, dir));
    ck_assert_int_eq(cs_results_cells_finished(r), 6);
    cs_assert_fails(cs_results_cell_claim(&c, r, 1, 1, 0), CS_ERR_NOT_FOUND, "nobody claims");
    cs_results_destroy(r);
    cs_study_destroy(s);
    free(stale);
    free(running);
    free(dir);
}
END_TEST

START_TEST(damaged_claims_are_refused)
{
    char *dir = store("a");
    const char *hash = finished_store(dir);
    remove_cell(dir, "small__shuffle-0.3__r0.json");
    const char *file = "small__shuffle-0.3__r0.json";
    char *running = cs_test_path(dir, "running");
    char *path = cs_test_path(running, file);
    cs_results *r = NULL;

    write_claim(dir, file, hash, "small", "shuffle:0.3", 0, "rank 2");
    size_t n = 0;
    uint8_t *good = cs_test_read(path, &n);
    cs_test_write(path, good, n / 2, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "running/small__shuffle-0.3__r0.json:");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "delete it"));
    ck_assert_ptr_null(r);

    /* Another cell, another configuration, another kind of file. */
    write_claim(dir, file, hash, "small", "shuffle:0.3", 1, "rank 2");
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "small__shuffle-0.3__r0.json claims (small, "
                    "shuffle:0.3, replicate 1");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "delete it"));
    write_claim(dir, file, hash, "lenet:0.5", "shuffle:0.3", 0, "rank 2");
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "expected (small, shuffle:0.3, replicate 0");
    write_claim(dir, file, "0123456789abcdef", "small", "shuffle:0.3", 0, "rank 2");
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "configuration 0123456789abcdef");
    char *cells = cs_test_path(dir, "cells");
    char *cell = cs_test_path(cells, "small__baseline__r0.json");
    size_t cn = 0;
    uint8_t *cell_text = cs_test_read(cell, &cn);
    cs_test_write(path, cell_text, cn, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "expected \"classsens-claim\"");

    /* Members the status display prints must be printable names. */
    write_claim(dir, file, hash, "small", "shuffle:0.3", 0, "");
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "member \"worker\" has 0 characters");
    write_claim(dir, file, hash, "small", "shuffle:0.3", 0, "tab\\there");
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "printable");
    char *edit = calloc(1, n + 16);
    memcpy(edit, good, n);
    char *pid = strstr(edit, "\"pid\": 1234");
    ck_assert_ptr_nonnull(pid);
    memcpy(pid, "\"pid\": -123", 11);
    cs_test_write(path, edit, n, 0);
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "\"pid\"");
    ck_assert_ptr_null(r);

    /* Restored, the store opens again. */
    cs_test_write(path, good, n, 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_results_destroy(r);
    free(edit);
    free(cell_text);
    free(cell);
    free(cells);
    free(good);
    free(path);
    free(running);
    free(dir);
}
END_TEST

/* cs_epoch_report as a caller built against an older, smaller header would know it: the
 * leading members only. */
typedef struct old_epoch_report {
    int epoch;
    int epochs;
    double loss;
} old_epoch_report;

START_TEST(cell_trace_is_copied_at_the_callers_element_size)
{
    char *dir = store("a");
    finished_store(dir);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs_epoch_report full[4];
    int count = -1;

    /* One report per epoch trained (lenet: 2, small: 1), the same as the borrowed trace. */
    for (int m = 0; m < 2; m++) {
        cs_cell_result cell;
        cell.struct_size = sizeof cell;
        cs_assert_ok(cs_results_cell(&cell, r, m, 1, 0));
        count = -1;
        cs_assert_ok(cs_results_cell_trace(full, sizeof full[0], 4, &count, r, m, 1, 0));
        ck_assert_int_eq(count, m == 0 ? 2 : 1);
        ck_assert_int_eq(count, cell.epochs);
        for (int e = 0; e < count; e++) {
            ck_assert_int_eq(full[e].epoch, e + 1);
            ck_assert_int_eq(full[e].epochs, count);
            ck_assert(isfinite(full[e].loss));
            ck_assert_int_eq(memcmp(&full[e], &cell.trace[e], sizeof full[e]), 0);
        }
        ck_assert_uint_eq(cell.trace_stride, sizeof(cs_epoch_report));
    }
    /* A smaller capacity gets the first epochs; count may be NULL; max 0 takes a NULL out. */
    cs_epoch_report one[1];
    cs_assert_ok(cs_results_cell_trace(one, sizeof one[0], 1, NULL, r, 0, 1, 0));
    ck_assert_int_eq(one[0].epoch, 1);
    count = -1;
    cs_assert_ok(cs_results_cell_trace(NULL, sizeof(cs_epoch_report), 0, &count, r, 0, 1, 0));
    ck_assert_int_eq(count, 0);

    /* An older, smaller struct: its members, at its stride, and nothing past the count. */
    cs_assert_ok(cs_results_cell_trace(full, sizeof full[0], 4, &count, r, 0, 1, 0));
    old_epoch_report old[3], untouched;
    memset(old, 0xab, sizeof old);
    memset(&untouched, 0xab, sizeof untouched);
    count = -1;
    cs_assert_ok(cs_results_cell_trace((cs_epoch_report *)(void *)old, sizeof old[0], 3, &count, r, 0, 1, 0));
    ck_assert_int_eq(count, 2);
    for (int e = 0; e < 2; e++) {
        ck_assert_int_eq(old[e].epoch, e + 1);
        ck_assert_int_eq(old[e].epochs, 2);
        ck_assert_int_eq(memcmp(&old[e].loss, &full[e].loss, sizeof old[e].loss), 0);
    }
    ck_assert_int_eq(memcmp(&old[2], &untouched, sizeof untouched), 0);
    /* Down to the first member alone. */
    int epoch_only[2] = { 0, 0 };
    cs_assert_ok(cs_results_cell_trace((cs_epoch_report *)(void *)epoch_only, sizeof(int), 2, &count, r, 0, 1, 0));
    ck_assert_int_eq(count, 2);
    ck_assert_int_eq(epoch_only[0], 1);
    ck_assert_int_eq(epoch_only[1], 2);

    /* A newer, larger struct than this library's, or one smaller than the first member. */
    count = -1;
    cs_assert_fails(cs_results_cell_trace(full, sizeof(cs_epoch_report) + 8, 4, &count, r, 0, 1, 0),
                    CS_ERR_UNSUPPORTED, "cs_results_cell_trace: elem_size");
    ck_assert_msg(strstr(cs_last_error(), "is larger than this library's cs_epoch_report") != NULL,
                  "%s", cs_last_error());
    ck_assert_msg(strstr(cs_last_error(), cs_version_string()) != NULL, "%s", cs_last_error());
    ck_assert_int_eq(count, 0);
    cs_assert_fails(cs_results_cell_trace(full, 2, 4, &count, r, 0, 1, 0), CS_ERR_INVALID_ARGUMENT,
                    "cs_results_cell_trace: elem_size 2 is smaller than the first member of cs_epoch_report");
    cs_assert_fails(cs_results_cell_trace(full, 0, 4, &count, r, 0, 1, 0), CS_ERR_INVALID_ARGUMENT,
                    "elem_size 0 is smaller");

    /* NULLs and a negative capacity. */
    cs_assert_fails(cs_results_cell_trace(full, sizeof full[0], 4, &count, NULL, 0, 1, 0), CS_ERR_INVALID_ARGUMENT,
                    "cs_results_cell_trace: results is NULL");
    cs_assert_fails(cs_results_cell_trace(NULL, sizeof full[0], 4, &count, r, 0, 1, 0), CS_ERR_INVALID_ARGUMENT,
                    "cs_results_cell_trace: out is NULL with max > 0");
    cs_assert_fails(cs_results_cell_trace(full, sizeof full[0], -1, &count, r, 0, 1, 0), CS_ERR_INVALID_ARGUMENT,
                    "cs_results_cell_trace: max is negative");

    /* Indices outside the store's 2 models x 4 conditions x 1 replicate. */
    const int bad[][3] = { { 2, 0, 0 }, { -1, 0, 0 }, { 0, 4, 0 }, { 0, -1, 0 }, { 0, 0, 1 }, { 0, 0, -1 } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char needle[96];
        snprintf(needle, sizeof needle, "(model %d, condition %d, replicate %d) outside the store's 2 x 4 x 1",
                 bad[i][0], bad[i][1], bad[i][2]);
        count = -1;
        cs_assert_fails(cs_results_cell_trace(full, sizeof full[0], 4, &count, r, bad[i][0], bad[i][1], bad[i][2]),
                        CS_ERR_OUT_OF_RANGE, needle);
        ck_assert_int_eq(count, 0);
    }
    cs_results_destroy(r);

    /* A cell the store does not hold. */
    remove_cell(dir, "small__shuffle-0.3__r0.json");
    cs_assert_ok(cs_results_open(&r, dir));
    count = -1;
    cs_assert_fails(cs_results_cell_trace(full, sizeof full[0], 4, &count, r, 1, 1, 0), CS_ERR_NOT_FOUND,
                    "(small, shuffle:0.3, replicate 0) is not finished yet");
    ck_assert_int_eq(count, 0);
    cs_results_destroy(r);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("study");
    TCase *tc = tcase_create("study");
    tcase_add_checked_fixture(tc, data_setup, data_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, study_runs_every_cell_and_reads_back);
    tcase_add_test(tc, perturbed_training_sets_are_shared_across_models);
    tcase_add_test(tc, parallel_run_equals_serial_run);
    tcase_add_test(tc, cancelled_study_resumes_to_the_same_store);
    tcase_add_test(tc, store_of_another_configuration_is_refused);
    tcase_add_test(tc, precision_is_part_of_the_configuration);
    tcase_add_test(tc, report_writes_every_output);
    tcase_add_test(tc, partial_store_gives_a_partial_report);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, damaged_stores_are_refused);
    tcase_add_test(tc, resealed_edits_of_derived_members_are_refused);
    tcase_add_test(tc, replicates_at_chance_are_flagged_as_outliers);
    tcase_add_test(tc, diverged_cells_are_kept_as_failed_and_the_study_goes_on);
    tcase_add_test(tc, report_needs_a_baseline_and_valid_options);
    tcase_add_test(tc, claims_of_running_cells_are_read_back);
    tcase_add_test(tc, damaged_claims_are_refused);
    tcase_add_test(tc, cell_trace_is_copied_at_the_callers_element_size);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
