/* Record-level sensitivity read from a store (classsens/records.h): flip detection over
 * replicates, data-map shares and their shift, and the review-first ranking, each checked against
 * the same statistics gathered here independently from cs_results_cell_records() and the
 * array-level analyses. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <classsens.h>

#include "core/buf.h"
#include "core/json.h"
#include "fixtures.h"
#include "report/png.h"
#include "study/study_internal.h"

#define REPS 3
#define K 3

static cs_dataset *train_set, *test_set;
static char *root_dir, *on_dir, *off_dir, *sub_dir;

/* Conditions: 0 baseline, 1 shuffle:0.4, 2 reduce:uniform:0.5, 3 matched:shuffle:0.4. */
static char *run_store(const char *name, int record_scores, int models, int reps, size_t train_subset)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.train_subset = train_subset;
    so.replicates = reps;
    so.seed = 11;
    so.jobs = 2;
    so.record_scores = record_scores;
    so.matched_controls = 1;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 3;
    to.batch_size = 16;
    const char *names[] = { "a", "b" };
    for (int m = 0; m < models; m++)
        cs_assert_ok(cs_study_add_model(s, names[m], "lenet", 0.25, &to));
    const char *specs[] = { "shuffle:0.4", "reduce:uniform:0.5" };
    for (int i = 0; i < 2; i++) {
        cs_perturb_spec *spec = NULL;
        cs_assert_ok(cs_perturb_spec_parse(&spec, specs[i]));
        cs_assert_ok(cs_study_add_condition(s, spec));
        cs_perturb_spec_destroy(spec);
    }
    char *dir = cs_test_path(root_dir, name);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    return dir;
}

static void setup(void)
{
    train_set = cs_test_bands(120, 1);
    test_set = cs_test_bands(60, 2);
    root_dir = cs_test_tmpdir();
    on_dir = run_store("on", 1, 2, REPS, 0);
    off_dir = run_store("off", 0, 1, 1, 0);
    sub_dir = run_store("sub", 1, 1, 1, 60);
}

static void teardown(void)
{
    cs_dataset_destroy(train_set);
    cs_dataset_destroy(test_set);
    cs_test_rmtree(root_dir);
    free(root_dir);
    free(on_dir);
    free(off_dir);
    free(sub_dir);
}

static int condition_of(const cs_results *r, cs_condition_family want)
{
    for (int j = 0; j < cs_results_num_conditions(r); j++) {
        cs_condition_family f;
        cs_assert_ok(cs_results_condition_family(&f, r, j));
        if (f == want)
            return j;
    }
    ck_abort_msg("no condition of family %d", (int)want);
    return -1;
}

/* Two doubles equal, NaN equal to NaN. */
static void same(double a, double b)
{
    ck_assert_msg((isnan(a) && isnan(b)) || a == b, "%.17g != %.17g", a, b);
}

START_TEST(flip_detection_is_the_summary_of_each_replicates_cells)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, on_dir));
    const int noise = condition_of(r, CS_CONDITION_NOISE);
    for (int m = 0; m < 2; m++) {
        cs_flip_replicates *f = NULL;
        cs_assert_ok(cs_results_flip_detection(&f, r, m, noise));
        ck_assert_uint_eq(cs_flip_replicates_count(f), REPS);
        for (int kind = 0; kind < 3; kind++) {
            cs_flip_detection *det[REPS];
            for (int rep = 0; rep < REPS; rep++) {
                cs_cell_records *c = NULL;
                cs_assert_ok(cs_results_cell_records(&c, r, m, noise, rep));
                const size_t n = cs_cell_records_count(c);
                double *score = malloc(sizeof *score * n);
                uint8_t *flipped = malloc(n);
                size_t flips = 0;
                for (size_t i = 0; i < n; i++) {
                    const float *v = kind == 0 ? cs_cell_records_confidence(c)
                                     : kind == 1 ? cs_cell_records_variability(c) : cs_cell_records_aum(c);
                    score[i] = v[i];
                    flipped[i] = cs_cell_records_given(c)[i] != cs_cell_records_truth(c)[i];
                    flips += flipped[i];
                }
                ck_assert_uint_gt(flips, 0);
                cs_assert_ok(cs_flip_detection_compute(&det[rep], score, flipped, cs_cell_records_truth(c), n, K,
                                                       (cs_record_score)kind));
                free(score);
                free(flipped);
                cs_cell_records_destroy(c);
            }
            for (int cls = CS_FLIP_ALL_CLASSES; cls < K; cls++)
                for (int metric = 0; metric < 3; metric++) {
                    double a[3], b[3];
                    size_t ua = 0, ub = 0;
                    cs_assert_ok(cs_flip_replicates_summary(a, a + 1, a + 2, &ua, f, cls, (cs_record_score)kind,
                                                            (cs_flip_metric)metric, 0.9));
                    cs_assert_ok(cs_flip_detection_summarize(b, b + 1, b + 2, &ub,
                                                             (const cs_flip_detection *const *)det, REPS, cls,
                                                             (cs_flip_metric)metric, 0.9));
                    for (int i = 0; i < 3; i++)
                        same(a[i], b[i]);
                    ck_assert_uint_eq(ua, ub);
                    if (cls == CS_FLIP_ALL_CLASSES)
                        ck_assert_uint_eq(ua, REPS);
                }
            for (int rep = 0; rep < REPS; rep++)
                cs_flip_detection_destroy(det[rep]);
        }
        cs_assert_fails(cs_flip_replicates_summary(NULL, NULL, NULL, NULL, f, K, CS_RECORD_SCORE_AUM,
                                                   CS_FLIP_METRIC_AUC, 0.95),
                        CS_ERR_OUT_OF_RANGE, "cs_flip_replicates_summary");
        cs_assert_fails(cs_flip_replicates_summary(NULL, NULL, NULL, NULL, f, 0, (cs_record_score)3,
                                                   CS_FLIP_METRIC_AUC, 0.95),
                        CS_ERR_INVALID_ARGUMENT, "score kind 3");
        cs_assert_fails(cs_flip_replicates_summary(NULL, NULL, NULL, NULL, f, 0, CS_RECORD_SCORE_AUM,
                                                   CS_FLIP_METRIC_AUC, 1.0),
                        CS_ERR_INVALID_ARGUMENT, "confidence");
        cs_flip_replicates_destroy(f);
    }
    cs_results_destroy(r);
}
END_TEST

START_TEST(flip_detection_refuses_bad_arguments_and_stores_without_scores)
{
    cs_results *r = NULL, *off = NULL;
    cs_assert_ok(cs_results_open(&r, on_dir));
    cs_assert_ok(cs_results_open(&off, off_dir));
    const int noise = condition_of(r, CS_CONDITION_NOISE);
    cs_flip_replicates *f = NULL;
    cs_assert_fails(cs_results_flip_detection(NULL, r, 0, noise), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_results_flip_detection(&f, NULL, 0, noise), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    cs_assert_fails(cs_results_flip_detection(&f, r, 2, noise), CS_ERR_OUT_OF_RANGE, "model 2; the store has 2");
    cs_assert_fails(cs_results_flip_detection(&f, r, 0, 9), CS_ERR_OUT_OF_RANGE, "condition 9");
    cs_assert_fails(cs_results_flip_detection(&f, r, 0, condition_of(r, CS_CONDITION_BASELINE)),
                    CS_ERR_INVALID_ARGUMENT, "flips no labels");
    cs_assert_fails(cs_results_flip_detection(&f, r, 0, condition_of(r, CS_CONDITION_CONTROL)),
                    CS_ERR_INVALID_ARGUMENT, "(matched:shuffle:0.4) flips no labels");
    cs_assert_fails(cs_results_flip_detection(&f, off, 0, condition_of(off, CS_CONDITION_NOISE)), CS_ERR_NOT_FOUND,
                    "no finished replicate of (a, shuffle:0.4) has record scores");
    ck_assert_ptr_null(f);
    cs_assert_fails(cs_flip_replicates_summary(NULL, NULL, NULL, NULL, NULL, 0, CS_RECORD_SCORE_AUM,
                                               CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "replicates is NULL");
    ck_assert_uint_eq(cs_flip_replicates_count(NULL), 0);
    cs_flip_replicates_destroy(NULL);
    cs_results_destroy(off);
    cs_results_destroy(r);
}
END_TEST

/* The shares of every replicate of (m, j), gathered here: REPS x K x 3. */
static void shares_of(double *shares, const cs_results *r, int m, int j)
{
    for (int rep = 0; rep < REPS; rep++) {
        cs_cell_records *c = NULL;
        cs_assert_ok(cs_results_cell_records(&c, r, m, j, rep));
        const size_t n = cs_cell_records_count(c);
        double *conf = malloc(sizeof *conf * n), *var = malloc(sizeof *var * n);
        for (size_t i = 0; i < n; i++) {
            conf[i] = cs_cell_records_confidence(c)[i];
            var[i] = cs_cell_records_variability(c)[i];
        }
        cs_assert_ok(cs_data_map_regions(NULL, shares + rep * K * 3, conf, var, cs_cell_records_truth(c), n, K));
        free(conf);
        free(var);
        cs_cell_records_destroy(c);
    }
}

START_TEST(data_map_shares_and_shifts_match_the_cells)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, on_dir));
    const int base = condition_of(r, CS_CONDITION_BASELINE);
    double bs[REPS * K * 3];
    for (int m = 0; m < 2; m++) {
        shares_of(bs, r, m, base);
        for (int j = 0; j < cs_results_num_conditions(r); j++) {
            double cs[REPS * K * 3], share[K * 3], shift[K * 3], lo[K * 3], hi[K * 3];
            double eshift[K * 3], elo[K * 3], ehi[K * 3];
            size_t used = 0;
            shares_of(cs, r, m, j);
            cs_assert_ok(cs_results_data_map(share, shift, lo, hi, &used, K, r, m, j, 0.9));
            ck_assert_uint_eq(used, REPS);
            cs_assert_ok(cs_data_map_shift(eshift, elo, ehi, cs, REPS, bs, REPS, K, 0.9));
            for (int g = 0; g < K * 3; g++) {
                double s = 0.0;
                for (int rep = 0; rep < REPS; rep++)
                    s += cs[rep * K * 3 + g];
                /* Every class has records in every replicate here (120 banded records). */
                ck_assert_double_eq_tol(share[g], s / REPS, 1e-15);
                if (j == base) {
                    ck_assert(shift[g] == 0.0 && lo[g] == 0.0 && hi[g] == 0.0);
                } else {
                    same(shift[g], eshift[g]);
                    same(lo[g], elo[g]);
                    same(hi[g], ehi[g]);
                }
            }
            for (int c = 0; c < K; c++)
                ck_assert_double_eq_tol(share[c * 3] + share[c * 3 + 1] + share[c * 3 + 2], 1.0, 1e-12);
        }
    }
    double share[K * 3];
    cs_assert_ok(cs_results_data_map(share, NULL, NULL, NULL, NULL, K, r, 1, 2, 0.95));
    cs_assert_fails(cs_results_data_map(share, NULL, NULL, NULL, NULL, K + 1, r, 0, 0, 0.95), CS_ERR_SIZE_MISMATCH,
                    "k is 4; the store has 3 classes");
    cs_assert_fails(cs_results_data_map(share, NULL, NULL, NULL, NULL, K, NULL, 0, 0, 0.95), CS_ERR_INVALID_ARGUMENT,
                    "results is NULL");
    cs_assert_fails(cs_results_data_map(share, NULL, NULL, NULL, NULL, K, r, -1, 0, 0.95), CS_ERR_OUT_OF_RANGE,
                    "model -1");
    cs_assert_fails(cs_results_data_map(share, NULL, NULL, NULL, NULL, K, r, 0, 4, 0.95), CS_ERR_OUT_OF_RANGE,
                    "condition 4");
    cs_assert_fails(cs_results_data_map(share, NULL, NULL, NULL, NULL, K, r, 0, 0, 0.0), CS_ERR_INVALID_ARGUMENT,
                    "confidence 0");
    cs_results *off = NULL;
    cs_assert_ok(cs_results_open(&off, off_dir));
    cs_assert_fails(cs_results_data_map(share, NULL, NULL, NULL, NULL, K, off, 0, 0, 0.95), CS_ERR_NOT_FOUND,
                    "no finished replicate of (a, baseline) has record scores");
    cs_results_destroy(off);
    cs_results_destroy(r);
}
END_TEST

START_TEST(review_ranks_every_baseline_cell_of_every_model)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, on_dir));
    const int base = condition_of(r, CS_CONDITION_BASELINE);
    const size_t n = 120, cells = 2 * REPS;
    double *aum = malloc(sizeof *aum * n * cells);
    int32_t *other = malloc(sizeof *other * n * cells), label[120];
    size_t c = 0;
    for (int m = 0; m < 2; m++)
        for (int rep = 0; rep < REPS; rep++, c++) {
            cs_cell_records *rec = NULL;
            cs_assert_ok(cs_results_cell_records(&rec, r, m, base, rep));
            ck_assert_uint_eq(cs_cell_records_count(rec), n);
            for (size_t i = 0; i < n; i++) {
                const uint32_t s = cs_cell_records_source(rec)[i];
                aum[c * n + s] = cs_cell_records_aum(rec)[i];
                other[c * n + s] = cs_cell_records_other(rec)[i];
                label[s] = cs_cell_records_given(rec)[i];
            }
            cs_cell_records_destroy(rec);
        }
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(label[i], cs_dataset_labels(train_set)[i]);
    cs_review *want = NULL, *got = NULL;
    cs_assert_ok(cs_review_rank(&want, aum, other, NULL, label, cells, n, K));
    size_t used = 0;
    cs_assert_ok(cs_results_review(&got, &used, r));
    ck_assert_uint_eq(used, cells);
    ck_assert_uint_eq(cs_review_count(got), n);
    for (size_t i = 0; i < n; i++) {
        cs_review_record a, b;
        cs_assert_ok(cs_review_entry(&a, sizeof a, got, i));
        cs_assert_ok(cs_review_entry(&b, sizeof b, want, i));
        ck_assert_uint_eq(a.index, b.index);
        ck_assert_int_eq(a.label, b.label);
        ck_assert_int_eq(a.instead, b.instead);
        ck_assert(a.mean_aum == b.mean_aum && a.min_aum == b.min_aum && a.max_aum == b.max_aum);
        ck_assert(a.negative_share == b.negative_share);
        ck_assert_uint_eq(a.cells, cells);
    }
    cs_review_destroy(want);
    cs_review_destroy(got);
    free(aum);
    free(other);

    cs_assert_fails(cs_results_review(NULL, NULL, r), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_results_review(&got, NULL, NULL), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    cs_results *off = NULL;
    cs_assert_ok(cs_results_open(&off, off_dir));
    cs_assert_fails(cs_results_review(&got, NULL, off), CS_ERR_NOT_FOUND, "no finished baseline cell has record scores");
    ck_assert_ptr_null(got);
    cs_results_destroy(off);
    cs_results_destroy(r);
}
END_TEST

/* summary.json and report.html of a report of `dir` written into `dir`/`name`. */
static cs__json *write_report(char **html, const char *dir, const char *name, const cs_report_options *ro)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    char *out = cs_test_path(dir, name);
    cs_assert_ok(cs_report_write(r, out, ro));
    cs_results_destroy(r);
    char *path = cs_test_path(out, "summary.json");
    size_t len = 0;
    uint8_t *text = cs_test_read(path, &len);
    cs__json *root = NULL;
    cs_assert_ok(cs__json_parse(&root, (const char *)text, len, "summary.json"));
    free(text);
    free(path);
    path = cs_test_path(out, "report.html");
    *html = (char *)cs_test_read(path, &len);
    free(path);
    free(out);
    return root;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

START_TEST(report_carries_the_statistics_in_summary_and_page)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, on_dir));
    const int noise = condition_of(r, CS_CONDITION_NOISE);
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    ro.figures = 0;
    char *html = NULL;
    cs__json *root = write_report(&html, on_dir, "plain", &ro);
    const cs__json *rec = cs__json_get(root, "records");
    ck_assert_ptr_nonnull(rec);
    ck_assert_ptr_null(cs__json_get(rec, "reason"));
    ck_assert(cs__json_number(cs__json_get(cs__json_get(rec, "thresholds"), "variability")) == CS_DATA_MAP_VARIABILITY);
    const cs__json *models = cs__json_get(rec, "models");
    ck_assert_uint_eq(cs__json_len(models), 2);
    for (int m = 0; m < 2; m++) {
        const cs__json *mj = cs__json_at(models, (size_t)m);
        const cs__json *fd = cs__json_get(mj, "flip_detection");
        ck_assert_uint_eq(cs__json_len(fd), 1);
        ck_assert_str_eq(cs__json_string(cs__json_get(cs__json_at(fd, 0), "condition")), "shuffle:0.4");
        const cs__json *all = cs__json_at(cs__json_get(cs__json_at(fd, 0), "classes"), K);
        ck_assert_str_eq(cs__json_string(cs__json_get(all, "class")), "all");
        cs_flip_replicates *f = NULL;
        cs_assert_ok(cs_results_flip_detection(&f, r, m, noise));
        for (int kind = 0; kind < 3; kind++) {
            static const char *const kinds[] = { "confidence", "variability", "aum" };
            static const char *const metrics[] = { "auc", "precision", "recall" };
            for (int metric = 0; metric < 3; metric++) {
                double v[3];
                size_t used = 0;
                cs_assert_ok(cs_flip_replicates_summary(v, v + 1, v + 2, &used, f, CS_FLIP_ALL_CLASSES,
                                                        (cs_record_score)kind, (cs_flip_metric)metric, 0.95));
                const cs__json *e = cs__json_get(cs__json_get(all, kinds[kind]), metrics[metric]);
                ck_assert_double_eq_tol(cs__json_number(cs__json_get(e, "value")), v[0], 1e-12);
                ck_assert_double_eq(cs__json_number(cs__json_get(e, "replicates")), (double)used);
            }
        }
        cs_flip_replicates_destroy(f);
        const cs__json *dm = cs__json_get(mj, "data_map");
        ck_assert_uint_eq(cs__json_len(dm), (size_t)cs_results_num_conditions(r));
        for (int j = 0; j < cs_results_num_conditions(r); j++) {
            double share[K * 3], shift[K * 3];
            cs_assert_ok(cs_results_data_map(share, shift, NULL, NULL, NULL, K, r, m, j, 0.95));
            const cs__json *cls = cs__json_get(cs__json_at(dm, (size_t)j), "classes");
            for (int c = 0; c < K; c++) {
                const cs__json *hard = cs__json_get(cs__json_at(cls, (size_t)c), "hard");
                ck_assert_double_eq_tol(cs__json_number(cs__json_get(hard, "share")), share[c * 3 + 2], 1e-12);
                ck_assert_double_eq_tol(cs__json_number(cs__json_get(hard, "shift")), shift[c * 3 + 2], 1e-12);
            }
        }
    }
    cs_review *rv = NULL;
    cs_assert_ok(cs_results_review(&rv, NULL, r));
    const cs__json *review = cs__json_get(rec, "review");
    const cs__json *top = cs__json_get(review, "top");
    ck_assert_uint_eq(cs__json_len(top), 20);
    for (size_t i = 0; i < 20; i++) {
        cs_review_record e;
        cs_assert_ok(cs_review_entry(&e, sizeof e, rv, i));
        const cs__json *t = cs__json_at(top, i);
        ck_assert_double_eq(cs__json_number(cs__json_get(t, "index")), (double)e.index);
        ck_assert_str_eq(cs__json_string(cs__json_get(t, "label")), cs_results_class_name(r, e.label));
        ck_assert_str_eq(cs__json_string(cs__json_get(t, "instead")), cs_results_class_name(r, e.instead));
    }
    const cs__json *by_class = cs__json_get(review, "by_class");
    ck_assert_uint_eq(cs__json_len(by_class), K);
    for (int c = 0; c < K; c++)
        ck_assert_uint_eq(cs__json_len(cs__json_get(cs__json_at(by_class, (size_t)c), "top")), 5);
    cs__json_free(root);
    ck_assert_ptr_nonnull(strstr(html, "<h2 id=\"records\">Which records</h2>"));
    ck_assert_ptr_nonnull(strstr(html, "classsens report DIR --data SPEC"));
    ck_assert_ptr_null(strstr(html, "data:image/png"));
    /* The section comes after "How much data would fix it". */
    ck_assert_ptr_nonnull(strstr(html, "id=\"data\""));
    ck_assert(strstr(html, "id=\"data\"") < strstr(html, "id=\"records\""));
    free(html);

    /* With the training data: one thumbnail per listed record, each the record's own pixels. */
    ro.train_data = train_set;
    root = write_report(&html, on_dir, "images", &ro);
    ck_assert_uint_eq(count_of(html, "<img alt=\"training record "), 5 * K);
    size_t ranks[5], found = 0;
    cs_assert_ok(cs_review_class_top(ranks, &found, rv, 1, 5));
    cs_review_record e;
    cs_assert_ok(cs_review_entry(&e, sizeof e, rv, ranks[0]));
    cs__buf uri = CS__BUF_INIT;
    cs_assert_ok(cs__png_data_uri(&uri, cs_dataset_image(train_set, e.index), 1, 12, 12, 3));
    ck_assert_ptr_nonnull(strstr(html, cs__buf_str(&uri)));
    cs__buf_free(&uri);
    ck_assert_ptr_null(strstr(html, "--data SPEC"));
    /* The file index is on the page; summary.json is the store's alone, the same either way. */
    char caption[64];
    snprintf(caption, sizeof caption, "<figcaption>#%zu (file %zu) ", e.index,
             cs_dataset_source_index(train_set, e.index));
    ck_assert_ptr_nonnull(strstr(html, caption));
    char *a = cs_test_path(on_dir, "plain/summary.json"), *b = cs_test_path(on_dir, "images/summary.json");
    size_t la = 0, lb = 0;
    uint8_t *ta = cs_test_read(a, &la), *tb = cs_test_read(b, &lb);
    ck_assert(la == lb && memcmp(ta, tb, la) == 0);
    free(ta);
    free(tb);
    free(a);
    free(b);
    cs__json_free(root);
    free(html);

    /* A caller built before train_data existed gets none. */
    ro.struct_size = offsetof(cs_report_options, train_data);
    root = write_report(&html, on_dir, "old", &ro);
    ck_assert_ptr_null(strstr(html, "data:image/png"));
    cs__json_free(root);
    free(html);

    /* Another data set is refused with the check's status. */
    ro.struct_size = sizeof ro;
    char *out = cs_test_path(on_dir, "wrong");
    ro.train_data = test_set;
    cs_assert_fails(cs_report_write(r, out, &ro), CS_ERR_SIZE_MISMATCH, "the data set has 60 records");
    cs_dataset *other = cs_test_bands(120, 7);
    ro.train_data = other;
    cs_assert_fails(cs_report_write(r, out, &ro), CS_ERR_INVALID_ARGUMENT, "not the study's training split");
    cs_dataset_destroy(other);
    free(out);
    cs_review_destroy(rv);
    cs_results_destroy(r);
}
END_TEST

START_TEST(report_of_a_store_without_scores_says_why)
{
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    ro.figures = 0;
    char *html = NULL;
    cs__json *root = write_report(&html, off_dir, "report", &ro);
    const cs__json *rec = cs__json_get(root, "records");
    ck_assert_ptr_nonnull(strstr(cs__json_string(cs__json_get(rec, "reason")), "no record scores"));
    ck_assert_ptr_null(cs__json_get(rec, "models"));
    ck_assert_ptr_nonnull(strstr(html, "<h2 id=\"records\">Which records</h2>\n<p class=\"note\">the store holds no "
                                       "record scores"));
    cs__json_free(root);
    free(html);
}
END_TEST

START_TEST(a_subset_study_maps_its_records_to_the_split)
{
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, sub_dir));
    ck_assert_uint_eq(cs_results_train_size(r), 60);
    cs_dataset *view = NULL;
    cs_assert_ok(cs__results_train_records(&view, r, train_set, "test"));
    ck_assert_uint_eq(cs_dataset_size(view), 60);
    /* The rebuilt training set carries the labels the cells recorded as true. */
    cs_cell_records *c = NULL;
    cs_assert_ok(cs_results_cell_records(&c, r, 0, 0, 0));
    for (size_t i = 0; i < cs_cell_records_count(c); i++)
        ck_assert_int_eq(cs_dataset_labels(view)[cs_cell_records_source(c)[i]], cs_cell_records_truth(c)[i]);
    cs_cell_records_destroy(c);
    cs_review *rv = NULL;
    cs_assert_ok(cs_results_review(&rv, NULL, r));
    cs_review_record e;
    cs_assert_ok(cs_review_entry(&e, sizeof e, rv, 0));
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    ro.figures = 0;
    ro.train_data = train_set;
    char *html = NULL;
    cs__json *root = write_report(&html, sub_dir, "report", &ro);
    const cs__json *t0 = cs__json_at(cs__json_get(cs__json_get(cs__json_get(root, "records"), "review"), "top"), 0);
    ck_assert_double_eq(cs__json_number(cs__json_get(t0, "index")), (double)e.index);
    char caption[64];
    snprintf(caption, sizeof caption, "<figcaption>#%zu (file %zu) ", e.index, cs_dataset_source_index(view, e.index));
    ck_assert_ptr_nonnull(strstr(html, caption));
    cs__buf uri = CS__BUF_INIT;
    cs_assert_ok(cs__png_data_uri(&uri, cs_dataset_image(view, e.index), 1, 12, 12, 3));
    ck_assert_ptr_nonnull(strstr(html, cs__buf_str(&uri)));
    cs__buf_free(&uri);
    cs__json_free(root);
    free(html);
    cs_review_destroy(rv);
    cs_dataset_destroy(view);
    cs_results_destroy(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("record_stats");
    TCase *tc = tcase_create("store");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, flip_detection_is_the_summary_of_each_replicates_cells);
    tcase_add_test(tc, flip_detection_refuses_bad_arguments_and_stores_without_scores);
    tcase_add_test(tc, data_map_shares_and_shifts_match_the_cells);
    tcase_add_test(tc, review_ranks_every_baseline_cell_of_every_model);
    tcase_add_test(tc, report_carries_the_statistics_in_summary_and_page);
    tcase_add_test(tc, report_of_a_store_without_scores_says_why);
    tcase_add_test(tc, a_subset_study_maps_its_records_to_the_split);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
