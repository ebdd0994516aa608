/* Learning curves from a study's results: every cell's per-class training counts
 * (cs_results_cell_class_counts) and one class's curve over the baseline and the reductions that
 * shrink it (cs_results_learning_curve), checked against the cell files and against a fit of
 * arrays gathered independently through the public reading API. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "core/json.h"
#include "fixtures.h"
#include "study/study_internal.h"

#define K 3
#define REPS 2

static cs_dataset *train_set, *test_set;
static char *root_dir, *main_store;

/* A study of one small lenet, 1 epoch, REPS replicates, over the given conditions. */
static void run_study(const char *dir, const char *const *specs, int n_specs, int replicates, int matched)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = replicates;
    so.seed = 11;
    so.jobs = 2;
    so.matched_controls = matched;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 1;
    to.batch_size = 16;
    to.crop_padding = 0;
    to.horizontal_flip = 0;
    cs_assert_ok(cs_study_add_model(s, "small", "lenet", 0.25, &to));
    for (int i = 0; i < n_specs; i++) {
        cs_perturb_spec *spec = NULL;
        cs_assert_ok(cs_perturb_spec_parse(&spec, specs[i]));
        cs_assert_ok(cs_study_add_condition(s, spec));
        cs_perturb_spec_destroy(spec);
    }
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
}

/* Noise with its matched control, three uniform reductions, a targeted reduction of class 1 and
 * a stratified one: built once for every test of the case. */
static void store_setup(void)
{
    train_set = cs_test_bands(150, 1);
    test_set = cs_test_bands(60, 2);
    root_dir = cs_test_tmpdir();
    main_store = cs_test_path(root_dir, "main");
    const char *specs[] = { "shuffle:0.3", "reduce:uniform:0.25", "reduce:uniform:0.5", "reduce:uniform:0.75",
                            "reduce:targeted:1:0.4", "reduce:stratified:0.5" };
    run_study(main_store, specs, 6, REPS, 1);
}

static void store_teardown(void)
{
    cs_dataset_destroy(train_set);
    cs_dataset_destroy(test_set);
    cs_test_rmtree(root_dir);
    free(root_dir);
    free(main_store);
}

static void remove_cell(const char *dir, const char *cond, int rep)
{
    char rel[512];
    cs_assert_ok(cs__study_cell_path(rel, sizeof rel, "small", cond, rep));
    char *p = cs_test_path(dir, rel);
    ck_assert_int_eq(remove(p), 0);
    free(p);
}

/* The perturbation report's class counts ("class_counts_before" or "_after") of a cell file. */
static void file_counts(double *out, const char *dir, const char *cond, int rep, const char *key)
{
    char rel[512];
    cs_assert_ok(cs__study_cell_path(rel, sizeof rel, "small", cond, rep));
    char *p = cs_test_path(dir, rel);
    size_t n = 0;
    char *text = (char *)cs_test_read(p, &n);
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, text, n, p));
    const cs__json *arr = NULL;
    cs_assert_ok(cs__json_get_array(cs__json_get(root, "perturbation"), key, &arr, p));
    cs_assert_ok(cs__json_numbers(arr, out, K, p));
    cs__json_free(root);
    free(text);
    free(p);
}

START_TEST(class_counts_are_the_perturbation_reports)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    size_t full[K];
    cs_assert_ok(cs_dataset_class_counts(full, K, train_set));
    const int n_conds = cs_results_num_conditions(r);
    ck_assert_int_eq(n_conds, 8);
    for (int j = 0; j < n_conds; j++)
        for (int rep = 0; rep < REPS; rep++) {
            size_t got[K];
            cs_assert_ok(cs_results_cell_class_counts(got, K, r, 0, j, rep));
            cs_cell_result c;
            c.struct_size = sizeof c;
            cs_assert_ok(cs_results_cell(&c, r, 0, j, rep));
            size_t sum = 0;
            for (int i = 0; i < K; i++)
                sum += got[i];
            ck_assert_uint_eq(sum, c.train_size);
            if (j == 0) {
                for (int i = 0; i < K; i++)
                    ck_assert_uint_eq(got[i], full[i]);
                continue;
            }
            double before[K], after[K];
            file_counts(before, main_store, cs_results_condition_name(r, j), rep, "class_counts_before");
            file_counts(after, main_store, cs_results_condition_name(r, j), rep, "class_counts_after");
            for (int i = 0; i < K; i++) {
                ck_assert_uint_eq(got[i], (size_t)after[i]);
                ck_assert_uint_eq((size_t)before[i], full[i]);
            }
        }
    cs_results_destroy(r);
}
END_TEST

/* The levels of class cls gathered through the public API alone, independently of the library's
 * selection: baseline, "reduce:uniform:*" and, with `targeted`, "reduce:targeted:<list>:*"
 * listing cls. */
static int independent_levels(double *x, double *acc, const cs_results *r, int cls, int targeted)
{
    int conds[16], n = 0;
    for (int j = 0; j < cs_results_num_conditions(r); j++) {
        const char *name = cs_results_condition_name(r, j);
        int yes = j == 0 || strncmp(name, "reduce:uniform:", 15) == 0;
        if (targeted && strncmp(name, "reduce:targeted:", 16) == 0) {
            char list[64];
            snprintf(list, sizeof list, "%s", name + 16);
            *strchr(list, ':') = '\0';
            for (char *t = strtok(list, "+"); t; t = strtok(NULL, "+"))
                yes |= atoi(t) == cls;
        }
        if (yes)
            conds[n++] = j;
    }
    for (int l = 0; l < n; l++) {
        x[l] = 0.0;
        for (int rep = 0; rep < REPS; rep++) {
            size_t counts[K];
            cs_assert_ok(cs_results_cell_class_counts(counts, K, r, 0, conds[l], rep));
            x[l] += (double)counts[cls];
            cs_cell_result c;
            c.struct_size = sizeof c;
            cs_assert_ok(cs_results_cell(&c, r, 0, conds[l], rep));
            double row = 0.0;
            for (int j = 0; j < K; j++)
                row += cs_confusion_count(c.confusion, cls, j);
            acc[l * REPS + rep] = cs_confusion_count(c.confusion, cls, cls) / row;
        }
        x[l] /= REPS;
    }
    /* Insertion sort by count, rows along. */
    for (int l = 1; l < n; l++)
        for (int m = l; m > 0 && x[m - 1] > x[m]; m--) {
            double t = x[m];
            x[m] = x[m - 1];
            x[m - 1] = t;
            for (int s = 0; s < REPS; s++) {
                t = acc[m * REPS + s];
                acc[m * REPS + s] = acc[(m - 1) * REPS + s];
                acc[(m - 1) * REPS + s] = t;
            }
        }
    for (int l = 1; l < n; l++)
        ck_assert_msg(x[l] > x[l - 1], "equal counts at levels %d and %d", l - 1, l);
    return n;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Every number the two fits expose agrees bit for bit. */
static void assert_same_fit(const cs_learning_curve *a, const cs_learning_curve *b)
{
    for (int p = CS_CURVE_PARAM_A; p <= CS_CURVE_PARAM_C; p++) {
        double va, la, ha, vb, lb, hb;
        cs_assert_ok(cs_learning_curve_param(&va, &la, &ha, a, (cs_curve_param)p));
        cs_assert_ok(cs_learning_curve_param(&vb, &lb, &hb, b, (cs_curve_param)p));
        ck_assert_msg(same_bits(va, vb) && same_bits(la, lb) && same_bits(ha, hb),
                      "parameter %d: %.17g [%.17g, %.17g] vs %.17g [%.17g, %.17g]", p, va, la, ha, vb, lb, hb);
    }
    double r2a, ra, r2b, rb;
    cs_assert_ok(cs_learning_curve_quality(&r2a, &ra, a));
    cs_assert_ok(cs_learning_curve_quality(&r2b, &rb, b));
    ck_assert(same_bits(r2a, r2b) && same_bits(ra, rb));
    ck_assert_int_eq(cs_learning_curve_check(a), cs_learning_curve_check(b));
    if (cs_learning_curve_check(a) == CS_OK) {
        double pa, pla, pha, pb, plb, phb;
        cs_assert_ok(cs_learning_curve_predict(&pa, &pla, &pha, a, 1000.0));
        cs_assert_ok(cs_learning_curve_predict(&pb, &plb, &phb, b, 1000.0));
        ck_assert(same_bits(pa, pb) && same_bits(pla, plb) && same_bits(pha, phb));
    }
}

START_TEST(curve_is_the_fit_of_the_reductions_of_the_class)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.bootstrap_resamples = 200;
    o.seed = 5;
    o.min_r2 = 0.0;
    for (int cls = 0; cls < K; cls++) {
        double x[16], acc[16 * REPS];
        int n = independent_levels(x, acc, r, cls, 1);
        /* baseline and 3 uniform reductions; class 1 also its targeted reduction */
        ck_assert_int_eq(n, cls == 1 ? 5 : 4);
        cs_learning_curve *want = NULL, *got = NULL;
        cs_assert_ok(cs_learning_curve_fit(&want, x, n, acc, REPS, &o));
        cs_assert_ok(cs_results_learning_curve(&got, r, 0, cls, &o));
        assert_same_fit(got, want);
        cs_learning_curve_destroy(want);
        /* Without the targeted level, class 1's fit is another one. */
        if (cls == 1) {
            double xs[16], accs[16 * REPS];
            int m = independent_levels(xs, accs, r, cls, 0);
            ck_assert_int_eq(m, 4);
            cs_assert_ok(cs_learning_curve_fit(&want, xs, m, accs, REPS, &o));
            double a1, a2;
            cs_assert_ok(cs_learning_curve_param(&a1, NULL, NULL, got, CS_CURVE_PARAM_A));
            cs_assert_ok(cs_learning_curve_param(&a2, NULL, NULL, want, CS_CURVE_PARAM_A));
            ck_assert(!same_bits(a1, a2));
            cs_learning_curve_destroy(want);
        }
        cs_learning_curve_destroy(got);
    }
    cs_results_destroy(r);
}
END_TEST

START_TEST(curve_is_deterministic)
{
    cs_results *r1 = NULL, *r2 = NULL;
    cs_assert_ok(cs_results_open(&r1, main_store));
    cs_assert_ok(cs_results_open(&r2, main_store));
    cs_learning_curve *a = NULL, *b = NULL, *c = NULL;
    cs_assert_ok(cs_results_learning_curve(&a, r1, 0, 2, NULL));
    cs_assert_ok(cs_results_learning_curve(&b, r1, 0, 2, NULL));
    cs_assert_ok(cs_results_learning_curve(&c, r2, 0, 2, NULL));
    assert_same_fit(a, b);
    assert_same_fit(a, c);
    cs_learning_curve_destroy(a);
    cs_learning_curve_destroy(b);
    cs_learning_curve_destroy(c);
    cs_results_destroy(r1);
    cs_results_destroy(r2);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    size_t counts[K] = { 7, 7, 7 };
    cs_assert_fails(cs_results_cell_class_counts(NULL, K, r, 0, 0, 0), CS_ERR_INVALID_ARGUMENT, "counts is NULL");
    cs_assert_fails(cs_results_cell_class_counts(counts, K, NULL, 0, 0, 0), CS_ERR_INVALID_ARGUMENT,
                    "results is NULL");
    cs_assert_fails(cs_results_cell_class_counts(counts, 2, r, 0, 0, 0), CS_ERR_SIZE_MISMATCH,
                    "k is 2; the store has 3 classes");
    cs_assert_fails(cs_results_cell_class_counts(counts, K, r, 1, 0, 0), CS_ERR_OUT_OF_RANGE,
                    "(model 1, condition 0, replicate 0) outside the store's 1 x 8 x 2");
    cs_assert_fails(cs_results_cell_class_counts(counts, K, r, 0, 8, 0), CS_ERR_OUT_OF_RANGE, "outside the store");
    cs_assert_fails(cs_results_cell_class_counts(counts, K, r, 0, 0, -1), CS_ERR_OUT_OF_RANGE, "outside the store");
    ck_assert_uint_eq(counts[0], 7);

    cs_learning_curve *lc = (cs_learning_curve *)r; /* must be reset to NULL */
    cs_assert_fails(cs_results_learning_curve(NULL, r, 0, 0, NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_results_learning_curve(&lc, NULL, 0, 0, NULL), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    ck_assert_ptr_null(lc);
    cs_assert_fails(cs_results_learning_curve(&lc, r, 1, 0, NULL), CS_ERR_OUT_OF_RANGE, "model 1; the store has 1");
    cs_assert_fails(cs_results_learning_curve(&lc, r, -1, 0, NULL), CS_ERR_OUT_OF_RANGE, "model -1");
    cs_assert_fails(cs_results_learning_curve(&lc, r, 0, 3, NULL), CS_ERR_OUT_OF_RANGE,
                    "class 3; the store has 3 classes");
    cs_assert_fails(cs_results_learning_curve(&lc, r, 0, -1, NULL), CS_ERR_OUT_OF_RANGE, "class -1");
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.bootstrap_resamples = 5;
    ck_assert_int_eq(cs_results_learning_curve(&lc, r, 0, 0, &o), CS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(lc);
    cs_results_destroy(r);
}
END_TEST

START_TEST(stores_without_levels_or_counts_are_refused)
{
    char *dir = cs_test_path(root_dir, "noise");
    const char *noise[] = { "shuffle:0.2", "reduce:stratified:0.5" };
    run_study(dir, noise, 2, 1, 1);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs_learning_curve *lc = NULL;
    cs_assert_fails(cs_results_learning_curve(&lc, r, 0, 0, NULL), CS_ERR_NOT_FOUND,
                    "no uniform reduction and no targeted reduction of class 0");
    ck_assert_ptr_null(lc);
    /* The baseline's counts come from the other cells' reports. */
    size_t counts[K], full[K];
    cs_assert_ok(cs_results_cell_class_counts(counts, K, r, 0, 0, 0));
    cs_assert_ok(cs_dataset_class_counts(full, K, train_set));
    ck_assert_mem_eq(counts, full, sizeof counts);
    cs_results_destroy(r);
    free(dir);

    /* A store of the baseline alone cannot tell its counts. */
    dir = cs_test_path(root_dir, "baseline");
    run_study(dir, NULL, 0, 1, 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_assert_fails(cs_results_cell_class_counts(counts, K, r, 0, 0, 0), CS_ERR_STATE,
                    "the class counts of (small, baseline, replicate 0) are unknown");
    cs_assert_fails(cs_results_learning_curve(&lc, r, 0, 0, NULL), CS_ERR_NOT_FOUND, "no uniform reduction");
    cs_results_destroy(r);
    free(dir);
}
END_TEST

START_TEST(only_replicates_finished_at_every_level_are_used)
{
    char *dir = cs_test_path(root_dir, "partial");
    const char *specs[] = { "reduce:uniform:0.5", "reduce:uniform:0.25" };
    run_study(dir, specs, 2, REPS, 0);
    cs_results *r = NULL;
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.bootstrap_resamples = 100;
    /* Replicate 1 lacks a level: the curve is replicate 0's alone. */
    remove_cell(dir, "reduce:uniform:0.25", 1);
    cs_assert_ok(cs_results_open(&r, dir));
    size_t counts[K];
    cs_assert_fails(cs_results_cell_class_counts(counts, K, r, 0, 2, 1), CS_ERR_NOT_FOUND,
                    "(small, reduce:uniform:0.25, replicate 1) is not finished yet");
    double x[3], acc[3];
    const int conds[3] = { 2, 1, 0 }; /* in increasing count: 0.25, 0.5, baseline */
    for (int l = 0; l < 3; l++) {
        cs_assert_ok(cs_results_cell_class_counts(counts, K, r, 0, conds[l], 0));
        x[l] = (double)counts[2];
        cs_cell_result c;
        c.struct_size = sizeof c;
        cs_assert_ok(cs_results_cell(&c, r, 0, conds[l], 0));
        acc[l] = cs_confusion_count(c.confusion, 2, 2) /
                 (cs_confusion_count(c.confusion, 2, 0) + cs_confusion_count(c.confusion, 2, 1) +
                  cs_confusion_count(c.confusion, 2, 2));
    }
    cs_learning_curve *want = NULL, *got = NULL;
    cs_assert_ok(cs_learning_curve_fit(&want, x, 3, acc, 1, &o));
    cs_assert_ok(cs_results_learning_curve(&got, r, 0, 2, &o));
    assert_same_fit(got, want);
    cs_learning_curve_destroy(want);
    cs_learning_curve_destroy(got);
    cs_results_destroy(r);

    /* No replicate finished at every level. */
    remove_cell(dir, "baseline", 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_assert_fails(cs_results_learning_curve(&got, r, 0, 2, &o), CS_ERR_NOT_FOUND,
                    "no replicate of model small is finished at every level (3 levels); the first missing cell is "
                    "(small, baseline, replicate 0)");
    ck_assert_ptr_null(got);
    cs_results_destroy(r);
    free(dir);
}
END_TEST

/* CRC-32 (zlib's), bit by bit: the checksum of an edited store file made right again
 * (docs/formats.md: every byte before the line of the last member, "checksum"). */
static void reseal(char *text)
{
    char *line = strstr(text, "\n  \"checksum\": \"");
    ck_assert_ptr_nonnull(line);
    uint32_t c = 0xffffffffu;
    for (const char *p = text; p <= line; p++) {
        c ^= (uint8_t)*p;
        for (int b = 0; b < 8; b++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    char hex[9];
    snprintf(hex, sizeof hex, "%08x", (unsigned)(c ^ 0xffffffffu));
    memcpy(line + strlen("\n  \"checksum\": \""), hex, 8);
}

START_TEST(perturbed_cells_must_agree_on_the_unperturbed_counts)
{
    char *dir = cs_test_path(root_dir, "edited");
    const char *specs[] = { "reduce:uniform:0.5", "reduce:uniform:0.25" };
    run_study(dir, specs, 2, 1, 0);
    /* Move one record of a class the reduction thinned from its class_counts_before to the
     * next class: the file stays consistent with itself (sums, transitions), not with the
     * other cell. */
    double before[K], after[K];
    file_counts(before, dir, "reduce:uniform:0.25", 0, "class_counts_before");
    file_counts(after, dir, "reduce:uniform:0.25", 0, "class_counts_after");
    int a = 0;
    while (a < K && !(before[a] > after[a]))
        a++;
    ck_assert_int_lt(a, K);
    before[a] -= 1;
    before[(a + 1) % K] += 1;
    char rel[512];
    cs_assert_ok(cs__study_cell_path(rel, sizeof rel, "small", "reduce:uniform:0.25", 0));
    char *p = cs_test_path(dir, rel);
    size_t n = 0;
    char *text = (char *)cs_test_read(p, &n);
    char *open = strchr(strstr(text, "\"class_counts_before\""), '['), *close = strchr(open, ']');
    char *edited = malloc(n + 64);
    int head = (int)(open + 1 - text);
    snprintf(edited, n + 64, "%.*s%.0f, %.0f, %.0f%s", head, text, before[0], before[1], before[2], close);
    reseal(edited);
    cs_test_write(p, edited, strlen(edited), 0);
    cs_results *r = NULL;
    cs_assert_fails(cs_results_open(&r, dir), CS_ERR_CORRUPT, "small__reduce-uniform-0.25__r0.json: "
                    "class_counts_before says");
    ck_assert_ptr_null(r);
    free(edited);
    free(text);
    free(p);
    free(dir);
}
END_TEST

START_TEST(levels_of_equal_count_are_merged)
{
    /* A targeted reduction of class 1 that keeps all its records: the baseline's count. */
    size_t full[K];
    cs_assert_ok(cs_dataset_class_counts(full, K, train_set));
    char targeted[64];
    snprintf(targeted, sizeof targeted, "reduce:targeted:1:%.6f", 1.0 - 0.2 / (double)full[1]);
    char *dir = cs_test_path(root_dir, "merged");
    const char *specs[] = { "reduce:uniform:0.25", targeted, "reduce:uniform:0.5" };
    run_study(dir, specs, 3, REPS, 0);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    size_t counts[K];
    for (int rep = 0; rep < REPS; rep++) {
        cs_assert_ok(cs_results_cell_class_counts(counts, K, r, 0, 2, rep));
        ck_assert_uint_eq(counts[1], full[1]);
    }
    /* Independently: 0.25, 0.5, then baseline and targeted merged (mean per replicate). */
    const int conds[4] = { 1, 3, 0, 2 };
    double x[3] = { 0, 0, 0 }, acc[3 * REPS];
    for (int l = 0; l < 4; l++)
        for (int rep = 0; rep < REPS; rep++) {
            cs_cell_result c;
            c.struct_size = sizeof c;
            cs_assert_ok(cs_results_cell(&c, r, 0, conds[l], rep));
            cs_assert_ok(cs_results_cell_class_counts(counts, K, r, 0, conds[l], rep));
            const double y = cs_confusion_count(c.confusion, 1, 1) /
                             (cs_confusion_count(c.confusion, 1, 0) + cs_confusion_count(c.confusion, 1, 1) +
                              cs_confusion_count(c.confusion, 1, 2));
            if (l < 3) {
                x[l] += (double)counts[1] / REPS;
                acc[l * REPS + rep] = y;
            } else {
                acc[2 * REPS + rep] = (acc[2 * REPS + rep] + y) / 2;
            }
        }
    ck_assert(x[0] < x[1] && x[1] < x[2]);
    cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
    o.bootstrap_resamples = 100;
    cs_learning_curve *want = NULL, *got = NULL;
    cs_assert_ok(cs_learning_curve_fit(&want, x, 3, acc, REPS, &o));
    cs_assert_ok(cs_results_learning_curve(&got, r, 0, 1, &o));
    assert_same_fit(got, want);
    double a = NAN;
    cs_assert_ok(cs_learning_curve_param(&a, NULL, NULL, got, CS_CURVE_PARAM_A));
    ck_assert(isfinite(a)); /* three levels after the merge: a curve, not the NaNs of two */
    cs_learning_curve_destroy(want);
    cs_learning_curve_destroy(got);
    cs_results_destroy(r);
    free(dir);
}
END_TEST


/* ---- the report's "learning_curves" (summary.json) ------------------------------------------ */

/* summary.json of a report written into root_dir/NAME; the parsed document (free it). */
static cs__json *report_summary(const cs_results *r, const char *name, const cs_report_options *o, uint8_t **bytes,
                                size_t *n_bytes)
{
    char *dir = cs_test_path(root_dir, name);
    cs_assert_ok(cs_report_write(r, dir, o));
    char *path = cs_test_path(dir, "summary.json");
    size_t n = 0;
    uint8_t *text = cs_test_read(path, &n);
    cs__json *doc = NULL;
    cs_assert_ok(cs__json_parse(&doc, (const char *)text, n, "summary.json"));
    if (bytes) {
        *bytes = text;
        *n_bytes = n;
    } else {
        free(text);
    }
    free(path);
    free(dir);
    return doc;
}

/* A number as summary.json writes it: bit for bit, NaN and infinities as null. */
static void ck_number(const cs__json *v, double want, const char *what)
{
    if (!isfinite(want)) {
        ck_assert_msg(cs__json_type_of(v) == CS__JSON_NULL, "%s: expected null for %g", what, want);
        return;
    }
    ck_assert_msg(cs__json_type_of(v) == CS__JSON_NUMBER, "%s: not a number", what);
    double got = cs__json_number(v);
    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "%s: %.17g, expected %.17g", what, got, want);
}

/* A needed count's bound: +inf as the string "inf". */
static void ck_bound(const cs__json *v, double want, const char *what)
{
    if (isinf(want) && want > 0) {
        ck_assert_msg(cs__json_type_of(v) == CS__JSON_STRING && strcmp(cs__json_string(v), "inf") == 0,
                      "%s: expected \"inf\"", what);
        return;
    }
    ck_number(v, want, what);
}

static void ck_interval(const cs__json *obj, double v, double lo, double hi, const char *what)
{
    ck_assert_msg(cs__json_type_of(obj) == CS__JSON_OBJECT, "%s: not an object", what);
    ck_number(cs__json_get(obj, "value"), v, what);
    ck_number(cs__json_get(obj, "lo"), lo, what);
    ck_number(cs__json_get(obj, "hi"), hi, what);
}

/* Every class of model 0 in doc's learning_curves against cs_results_learning_curve of r. */
static int check_curves(const cs__json *doc, const cs_results *r, double target)
{
    const cs__json *lcs = cs__json_get(doc, "learning_curves");
    ck_assert_int_eq(cs__json_type_of(lcs), CS__JSON_OBJECT);
    ck_number(cs__json_get(lcs, "target"), target, "target");
    ck_number(cs__json_get(lcs, "confidence"), 0.95, "confidence");
    ck_number(cs__json_get(lcs, "min_r2"), 0.9, "min_r2");
    ck_assert_int_eq(cs__json_type_of(cs__json_get(lcs, "reason")), CS__JSON_NULL);
    const cs__json *models = cs__json_get(lcs, "models");
    ck_assert_uint_eq(cs__json_len(models), 1);
    ck_assert_str_eq(cs__json_string(cs__json_get(cs__json_at(models, 0), "model")), "small");
    const cs__json *classes = cs__json_get(cs__json_at(models, 0), "classes");
    ck_assert_uint_eq(cs__json_len(classes), K);
    int fitted = 0;
    for (int t = 0; t < K; t++) {
        const cs__json *c = cs__json_at(classes, (size_t)t);
        ck_assert_str_eq(cs__json_string(cs__json_get(c, "class")), cs_results_class_name(r, t));
        cs_learning_curve_options o = CS_LEARNING_CURVE_OPTIONS_INIT;
        cs_learning_curve *lc = NULL;
        int rc = cs_results_learning_curve(&lc, r, 0, t, &o);
        if (rc != CS_OK) {
            ck_assert(!cs__json_bool(cs__json_get(c, "fitted")));
            ck_assert_str_eq(cs__json_string(cs__json_get(c, "reason")), cs_last_error());
            continue;
        }
        fitted++;
        ck_assert(cs__json_bool(cs__json_get(c, "fitted")));
        const cs__json *levels = cs__json_get(c, "levels");
        int L = cs_learning_curve_levels(lc);
        ck_assert_uint_eq(cs__json_len(levels), (size_t)L);
        double top = 0.0;
        for (int l = 0; l < L; l++) {
            double n, y;
            cs_assert_ok(cs_learning_curve_level(&n, &y, lc, l));
            ck_number(cs__json_get(cs__json_at(levels, (size_t)l), "count"), n, "level count");
            ck_number(cs__json_get(cs__json_at(levels, (size_t)l), "mean_accuracy"), y, "level mean");
            top = n;
        }
        static const char *const names[3] = { "a", "b", "c" };
        for (int q = 0; q < 3; q++) {
            double v, lo, hi;
            cs_assert_ok(cs_learning_curve_param(&v, &lo, &hi, lc, (cs_curve_param)q));
            ck_interval(cs__json_get(c, names[q]), v, lo, hi, names[q]);
        }
        double r2, rmse;
        cs_assert_ok(cs_learning_curve_quality(&r2, &rmse, lc));
        ck_number(cs__json_get(c, "r2"), r2, "r2");
        ck_number(cs__json_get(c, "rmse"), rmse, "rmse");
        ck_assert_int_eq(cs__json_bool(cs__json_get(c, "exact_fit")), L == 3);
        const cs__json *needed = cs__json_get(c, "needed");
        ck_number(cs__json_get(needed, "target"), target, "needed target");
        if (cs_learning_curve_check(lc) != CS_OK) {
            ck_assert(!cs__json_bool(cs__json_get(c, "extrapolate")));
            ck_assert_str_eq(cs__json_string(cs__json_get(c, "refused")), cs_last_error());
            ck_assert_int_eq(cs__json_type_of(cs__json_get(c, "accuracy_at_2x")), CS__JSON_NULL);
            ck_assert_int_eq(cs__json_type_of(cs__json_get(needed, "count")), CS__JSON_NULL);
            ck_assert_str_eq(cs__json_string(cs__json_get(needed, "reason")), cs_last_error());
            cs_learning_curve_destroy(lc);
            continue;
        }
        ck_assert(cs__json_bool(cs__json_get(c, "extrapolate")));
        ck_assert_int_eq(cs__json_type_of(cs__json_get(c, "refused")), CS__JSON_NULL);
        double v, lo, hi;
        cs_assert_ok(cs_learning_curve_predict(&v, &lo, &hi, lc, 2.0 * top));
        ck_interval(cs__json_get(c, "accuracy_at_2x"), v, lo, hi, "2x");
        cs_assert_ok(cs_learning_curve_predict(&v, &lo, &hi, lc, 10.0 * top));
        ck_interval(cs__json_get(c, "accuracy_at_10x"), v, lo, hi, "10x");
        size_t unreachable = 0;
        rc = cs_learning_curve_needed(&v, &lo, &hi, &unreachable, lc, target);
        if (rc == CS_OK) {
            ck_number(cs__json_get(needed, "count"), v, "needed");
            ck_bound(cs__json_get(needed, "lo"), lo, "needed lo");
            ck_bound(cs__json_get(needed, "hi"), hi, "needed hi");
            ck_number(cs__json_get(needed, "unreachable_refits"), (double)unreachable, "unreachable");
            ck_assert_int_eq(cs__json_type_of(cs__json_get(needed, "reason")), CS__JSON_NULL);
        } else {
            ck_assert_int_eq(rc, CS_ERR_OUT_OF_RANGE);
            ck_assert_int_eq(cs__json_type_of(cs__json_get(needed, "count")), CS__JSON_NULL);
            ck_assert_str_eq(cs__json_string(cs__json_get(needed, "reason")), cs_last_error());
        }
        cs_learning_curve_destroy(lc);
    }
    return fitted;
}

START_TEST(report_summary_has_the_learning_curves)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, main_store));
    uint8_t *first = NULL, *second = NULL;
    size_t n_first = 0, n_second = 0;
    cs__json *doc = report_summary(r, "report_default", NULL, &first, &n_first);
    ck_assert_int_eq(check_curves(doc, r, 0.9), K);
    cs__json_free(doc);
    char *page_path = cs_test_path(root_dir, "report_default/report.html");
    size_t n_page = 0;
    char *page = (char *)cs_test_read(page_path, &n_page);
    ck_assert_ptr_nonnull(strstr(page, "<h2 id=\"data\">How much data would fix it</h2>"));
    ck_assert_ptr_nonnull(strstr(page, "<th>Records for 90 %</th>"));
    ck_assert_ptr_null(strstr(page, "Three levels: no degree of freedom is left to test the law"));
    free(page);
    free(page_path);
    /* The same store gives the same bytes. */
    doc = report_summary(r, "report_again", NULL, &second, &n_second);
    cs__json_free(doc);
    ck_assert_uint_eq(n_first, n_second);
    ck_assert_mem_eq(first, second, n_first);
    free(first);
    free(second);

    /* The target option, given. */
    cs_report_options o = CS_REPORT_OPTIONS_INIT;
    ck_assert_double_eq(o.target, 0.9);
    o.target = 0.5;
    doc = report_summary(r, "report_target", &o, NULL, NULL);
    ck_assert_int_eq(check_curves(doc, r, 0.5), K);
    cs__json_free(doc);
    /* A caller built before the member existed gets the default. */
    o.struct_size = offsetof(cs_report_options, target);
    doc = report_summary(r, "report_old_struct", &o, NULL, NULL);
    ck_assert_int_eq(check_curves(doc, r, 0.9), K);
    cs__json_free(doc);
    cs_report_options init;
    cs_assert_ok(cs_report_options_init(&init));
    ck_assert_double_eq(init.target, 0.9);

    char *dir = cs_test_path(root_dir, "report_bad_target");
    const double bad[] = { 0.0, 1.0, 1.5, -0.1, NAN };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_report_options b = CS_REPORT_OPTIONS_INIT;
        b.target = bad[i];
        cs_assert_fails(cs_report_write(r, dir, &b), CS_ERR_INVALID_ARGUMENT, "target accuracy");
    }
    free(dir);
    cs_results_destroy(r);
}
END_TEST

START_TEST(report_summary_says_why_there_are_no_learning_curves)
{
    char *dir = cs_test_path(root_dir, "noise_only");
    const char *noise[] = { "shuffle:0.2" };
    run_study(dir, noise, 1, 1, 0);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs__json *doc = report_summary(r, "noise_only_report", NULL, NULL, NULL);
    cs_learning_curve *lc = NULL;
    cs_assert_fails(cs_results_learning_curve(&lc, r, 0, 0, NULL), CS_ERR_NOT_FOUND, "no uniform reduction");
    const cs__json *lcs = cs__json_get(doc, "learning_curves");
    ck_assert_str_eq(cs__json_string(cs__json_get(lcs, "reason")), cs_last_error());
    ck_assert_uint_eq(cs__json_len(cs__json_get(lcs, "models")), 0);
    ck_number(cs__json_get(lcs, "target"), 0.9, "target");
    char *page_path = cs_test_path(root_dir, "noise_only_report/report.html");
    size_t n_page = 0;
    char *page = (char *)cs_test_read(page_path, &n_page);
    ck_assert_ptr_nonnull(strstr(page, "<h2 id=\"data\">How much data would fix it</h2>"));
    ck_assert_ptr_nonnull(strstr(page, "No learning curve: "));
    ck_assert_ptr_nonnull(strstr(page, "no uniform reduction"));
    free(page);
    free(page_path);
    cs__json_free(doc);
    cs_results_destroy(r);
    free(dir);
}
END_TEST

/* Baseline and two uniform reductions: three levels, an exact fit, said so in both outputs. */
START_TEST(report_says_three_levels_fit_exactly)
{
    char *dir = cs_test_path(root_dir, "three_levels");
    const char *specs[] = { "reduce:uniform:0.4", "reduce:uniform:0.7" };
    run_study(dir, specs, 2, REPS, 0);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    cs__json *doc = report_summary(r, "three_levels_report", NULL, NULL, NULL);
    ck_assert_int_eq(check_curves(doc, r, 0.9), K);
    const cs__json *c = cs__json_at(cs__json_get(cs__json_at(cs__json_get(cs__json_get(doc, "learning_curves"),
                                                                           "models"), 0), "classes"), 0);
    ck_assert_uint_eq(cs__json_len(cs__json_get(c, "levels")), 3);
    ck_assert(cs__json_bool(cs__json_get(c, "exact_fit")));
    char *page_path = cs_test_path(root_dir, "three_levels_report/report.html");
    size_t n_page = 0;
    char *page = (char *)cs_test_read(page_path, &n_page);
    ck_assert_ptr_nonnull(strstr(page, "Three levels: no degree of freedom is left to test the law"));
    ck_assert_ptr_nonnull(strstr(page, "R² = 1 carries no information"));
    /* The figure of the model's curves, before its table. */
    const char *fig = strstr(page, "small — learning curve of every class");
    ck_assert_ptr_nonnull(fig);
    ck_assert_ptr_nonnull(strstr(page, "figures/learning_curves_small.svg"));
    ck_assert_int_eq(strstr(fig, "data-series=\"2\"") != NULL, 1);
    ck_assert(strstr(fig, "<table>") != NULL);
    free(page);
    free(page_path);
    /* learning_curves.csv: the header and one row per class, with the numbers of summary.json. */
    char *csv_path = cs_test_path(root_dir, "three_levels_report/learning_curves.csv");
    size_t n_csv = 0;
    char *csv = (char *)cs_test_read(csv_path, &n_csv);
    static const char head[] = "model,class,levels,r2,rmse,a,a_lo,a_hi,";
    ck_assert(strncmp(csv, head, sizeof head - 1) == 0);
    int rows = 0;
    for (const char *p = csv; *p; ++p)
        rows += *p == '\n';
    ck_assert_int_eq(rows, 1 + K);
    const char *row = strchr(csv, '\n') + 1;
    ck_assert(strncmp(row, "small,", 6) == 0);
    const char *f = row;
    for (int i = 0; i < 5; ++i) /* to the sixth field, a */
        f = strchr(f, ',') + 1;
    char *end = NULL;
    double a_csv = strtod(f, &end);
    ck_assert_int_eq(*end, ',');
    ck_number(cs__json_get(cs__json_get(c, "a"), "value"), a_csv, "a in learning_curves.csv");
    ck_assert(strstr(row, ",3,") == row + strlen("small,") + strlen(cs_results_class_name(r, 0)));
    free(csv);
    free(csv_path);
    cs__json_free(doc);
    cs_results_destroy(r);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("study_curve");
    TCase *tc = tcase_create("study_curve");
    tcase_add_unchecked_fixture(tc, store_setup, store_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, class_counts_are_the_perturbation_reports);
    tcase_add_test(tc, curve_is_the_fit_of_the_reductions_of_the_class);
    tcase_add_test(tc, curve_is_deterministic);
    tcase_add_test(tc, bad_arguments_are_refused);
    tcase_add_test(tc, stores_without_levels_or_counts_are_refused);
    tcase_add_test(tc, only_replicates_finished_at_every_level_are_used);
    tcase_add_test(tc, perturbed_cells_must_agree_on_the_unperturbed_counts);
    tcase_add_test(tc, levels_of_equal_count_are_merged);
    tcase_add_test(tc, report_summary_has_the_learning_curves);
    tcase_add_test(tc, report_summary_says_why_there_are_no_learning_curves);
    tcase_add_test(tc, report_says_three_levels_fit_exactly);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
