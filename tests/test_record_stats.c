/* Record-level sensitivity read from a store (classsens/records.h): flip detection over
 * replicates, data-map shares and their shift, and the review-first ranking, each checked against
 * the same statistics gathered here independently from cs_results_cell_records() and the
 * array-level analyses. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include <classsens.h>

#include "fixtures.h"

#define REPS 3
#define K 3

static cs_dataset *train_set, *test_set;
static char *root_dir, *on_dir, *off_dir;

/* Conditions: 0 baseline, 1 shuffle:0.4, 2 reduce:uniform:0.5, 3 matched:shuffle:0.4. */
static char *run_store(const char *name, int record_scores, int models, int reps)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
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
    on_dir = run_store("on", 1, 2, REPS);
    off_dir = run_store("off", 0, 1, 1);
}

static void teardown(void)
{
    cs_dataset_destroy(train_set);
    cs_dataset_destroy(test_set);
    cs_test_rmtree(root_dir);
    free(root_dir);
    free(on_dir);
    free(off_dir);
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
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
