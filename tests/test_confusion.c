/* Confusion matrices: counting, accessors, metrics, normalised and relative views,
 * asymmetry, top confusions, merge candidates and the text rendering.
 *
 * Values marked "reference" were printed by tests/reference/analysis_reference.py
 * (NumPy/SciPy, run by hand with /usr/bin/python3); the others are worked out in comments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <classsens.h>

#include "fixtures.h"

/* Reference: analysis_reference.py, "test_confusion.c" block. C is HAND below, B is BASE. */
static const double ACCURACY = 0.75;
static const double RECALL[3] = { 0.6, 0.8, 0.8 };
static const double PRECISION[3] = { 0.8571428571428571, 0.5333333333333333, 0.8888888888888888 };
static const double F1[3] = { 0.7058823529411764, 0.64, 0.8421052631578948 };
static const double NORM_TRUE[9] = { 0.6, 0.3, 0.1, 0.1, 0.8, 0.1, 0.0, 0.2, 0.8 };
static const double NORM_PRED[9] = { 0.8571428571428571, 0.2, 0.05555555555555555,
                                     0.14285714285714285, 0.5333333333333333, 0.05555555555555555,
                                     0.0, 0.26666666666666666, 0.8888888888888888 };
static const double NORM_ALL[9] = { 0.15, 0.075, 0.025, 0.025, 0.2, 0.025, 0.0, 0.1, 0.4 };
static const double ASYMMETRY[9] = { NAN, 0.5, 1.0, -0.5, NAN, -0.6, -1.0, 0.6, NAN };
static const double MASS_01_02_12[3] = { 0.2, 0.03333333333333333, 0.16666666666666666 };
static const double RELATIVE[9] = { -0.20000000000000007, 0.09999999999999998, 0.1, 0.1,
                                    -0.19999999999999996, 0.1, -0.1, 0.1, 0.0 };
static const double RELATIVE_ACCURACY[3] = { 0.7499999999999999, 0.8, 1.0 };

/* C[true][pred]: n = (10, 10, 20), m = (7, 15, 18), N = 40, trace 30. */
static const double HAND[9] = { 6, 3, 1, 1, 8, 1, 0, 4, 16 };
/* Baseline: n = (10, 10, 20), recall (0.8, 1.0, 0.8). */
static const double BASE[9] = { 8, 2, 0, 0, 10, 0, 2, 2, 16 };
/* Class 1 is absent (n_1 = 0) and never predicted (m_1 = 0). */
static const double EMPTY1[9] = { 5, 0, 0, 0, 0, 0, 2, 0, 3 };

#define TOL 1e-15

static cs_confusion *from(const double *counts, int k)
{
    cs_confusion *cm = NULL;
    cs_assert_ok(cs_confusion_from_counts(&cm, counts, k));
    return cm;
}

/* Equal within tol, or both NaN. */
static void assert_close(const double *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]))
            ck_assert_msg(isnan(got[i]), "[%zu] is %.17g, expected NaN", i, got[i]);
        else
            ck_assert_msg(fabs(got[i] - want[i]) <= tol, "[%zu] is %.17g, expected %.17g", i,
                          got[i], want[i]);
    }
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

START_TEST(create_counts_pairs_of_true_and_predicted_labels)
{
    const int32_t truth[7] = { 0, 0, 1, 2, 2, 2, 1 };
    const int32_t pred[7] = { 0, 1, 1, 2, 0, 2, 1 };
    cs_confusion *cm = NULL;
    cs_assert_ok(cs_confusion_create(&cm, truth, pred, 7, 3));
    ck_assert_int_eq(cs_confusion_num_classes(cm), 3);
    ck_assert_double_eq(cs_confusion_total(cm), 7.0);
    const double want[9] = { 1, 1, 0, 0, 2, 0, 1, 0, 2 };
    for (int t = 0; t < 3; t++)
        for (int p = 0; p < 3; p++)
            ck_assert_double_eq(cs_confusion_count(cm, t, p), want[t * 3 + p]);
    ck_assert_double_eq_tol(cs_confusion_accuracy(cm), 5.0 / 7.0, TOL);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(create_without_records_gives_an_empty_matrix)
{
    cs_confusion *cm = NULL;
    cs_assert_ok(cs_confusion_create(&cm, NULL, NULL, 0, 4));
    ck_assert_int_eq(cs_confusion_num_classes(cm), 4);
    ck_assert_double_eq(cs_confusion_total(cm), 0.0);
    ck_assert_double_eq(cs_confusion_count(cm, 3, 3), 0.0);
    ck_assert(isnan(cs_confusion_accuracy(cm))); /* 0 / 0 */
    double recall[4];
    cs_assert_ok(cs_confusion_class_metrics(recall, NULL, NULL, 4, cm));
    ck_assert(isnan(recall[0]) && isnan(recall[3]));
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(create_rejects_bad_input)
{
    const int32_t truth[3] = { 0, 1, 3 }, pred[3] = { -1, 1, 0 }, ok[3] = { 0, 1, 2 };
    cs_confusion *cm = (cs_confusion *)&cm;
    cs_assert_fails(cs_confusion_create(NULL, ok, ok, 3, 3), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_confusion_create(&cm, NULL, ok, 3, 3), CS_ERR_INVALID_ARGUMENT,
                    "truth is NULL with n = 3");
    ck_assert_ptr_null(cm); /* *out is cleared on failure */
    cs_assert_fails(cs_confusion_create(&cm, ok, NULL, 3, 3), CS_ERR_INVALID_ARGUMENT, "pred is NULL");
    cs_assert_fails(cs_confusion_create(&cm, ok, ok, 3, 1), CS_ERR_INVALID_ARGUMENT,
                    "k is 1, expected 2..65536");
    cs_assert_fails(cs_confusion_create(&cm, ok, ok, 3, 65537), CS_ERR_INVALID_ARGUMENT, "k is 65537");
    cs_assert_fails(cs_confusion_create(&cm, truth, ok, 3, 3), CS_ERR_OUT_OF_RANGE,
                    "truth[2] is 3, expected 0..2");
    cs_assert_fails(cs_confusion_create(&cm, ok, pred, 3, 3), CS_ERR_OUT_OF_RANGE,
                    "pred[0] is -1, expected 0..2");
    ck_assert_ptr_null(cm);
}
END_TEST

START_TEST(create_is_linear_in_the_number_of_labels)
{
    /* 60,000 labels (Fashion-MNIST's training set) count exactly... */
    const size_t n = 60000, big = 6000000;
    int32_t *truth = malloc(big * sizeof *truth), *pred = malloc(big * sizeof *pred);
    ck_assert(truth && pred);
    for (size_t i = 0; i < big; i++) {
        truth[i] = (int32_t)(i % 10);
        pred[i] = (int32_t)(i % 7 == 0 ? (i / 7) % 10 : i % 10);
    }
    cs_confusion *cm = NULL;
    cs_assert_ok(cs_confusion_create(&cm, truth, pred, n, 10));
    double want[100] = { 0 };
    for (size_t i = 0; i < n; i++)
        want[truth[i] * 10 + pred[i]] += 1.0;
    for (int c = 0; c < 100; c++)
        ck_assert_double_eq(cs_confusion_count(cm, c / 10, c % 10), want[c]);
    ck_assert_double_eq(cs_confusion_total(cm), (double)n);
    cs_confusion_destroy(cm);
    /* ...and a hundred times more take a fraction of a second (a quadratic pass would not
     * finish), even under the sanitizers. */
    double start = seconds();
    cs_assert_ok(cs_confusion_create(&cm, truth, pred, big, 10));
    double elapsed = seconds() - start;
    ck_assert_msg(elapsed < 2.0, "counting %zu labels took %.3f s", big, elapsed);
    ck_assert_double_eq(cs_confusion_total(cm), (double)big);
    cs_confusion_destroy(cm);
    free(truth);
    free(pred);
}
END_TEST

START_TEST(from_counts_copies_fractional_counts)
{
    double counts[4] = { 2.5, 0.5, -0.0, 3.0 };
    cs_confusion *cm = from(counts, 2);
    counts[0] = 99.0; /* the matrix keeps its own copy */
    ck_assert_double_eq(cs_confusion_count(cm, 0, 0), 2.5);
    ck_assert_double_eq(cs_confusion_total(cm), 6.0);
    ck_assert(!signbit(cs_confusion_count(cm, 1, 0))); /* -0 is stored as +0 */
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(from_counts_rejects_bad_input)
{
    double counts[4] = { 1, 2, 3, 4 };
    cs_confusion *cm = (cs_confusion *)&cm;
    cs_assert_fails(cs_confusion_from_counts(NULL, counts, 2), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_confusion_from_counts(&cm, NULL, 2), CS_ERR_INVALID_ARGUMENT, "counts is NULL");
    ck_assert_ptr_null(cm);
    cs_assert_fails(cs_confusion_from_counts(&cm, counts, 0), CS_ERR_INVALID_ARGUMENT, "k is 0");
    counts[2] = -1.0;
    cs_assert_fails(cs_confusion_from_counts(&cm, counts, 2), CS_ERR_INVALID_ARGUMENT,
                    "counts[1][0] is -1, expected a finite value >= 0");
    counts[2] = NAN;
    cs_assert_fails(cs_confusion_from_counts(&cm, counts, 2), CS_ERR_INVALID_ARGUMENT, "counts[1][0] is nan");
    counts[2] = 0.0;
    counts[1] = INFINITY;
    cs_assert_fails(cs_confusion_from_counts(&cm, counts, 2), CS_ERR_INVALID_ARGUMENT, "counts[0][1] is inf");
    counts[1] = 1.5e308;
    counts[3] = 1.5e308;
    cs_assert_fails(cs_confusion_from_counts(&cm, counts, 2), CS_ERR_INVALID_ARGUMENT,
                    "total overflows");
    ck_assert_ptr_null(cm);
}
END_TEST

START_TEST(accessors_tolerate_null_and_out_of_range)
{
    cs_confusion *cm = from(HAND, 3);
    ck_assert_int_eq(cs_confusion_num_classes(NULL), 0);
    ck_assert(isnan(cs_confusion_total(NULL)));
    ck_assert(isnan(cs_confusion_accuracy(NULL)));
    ck_assert(isnan(cs_confusion_count(NULL, 0, 0)));
    ck_assert(isnan(cs_confusion_count(cm, 3, 0)));
    ck_assert(isnan(cs_confusion_count(cm, 0, -1)));
    ck_assert_double_eq(cs_confusion_count(cm, 2, 1), 4.0);
    cs_confusion_destroy(NULL);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(class_metrics_of_a_hand_checked_matrix)
{
    /* recall = diag / n = (6/10, 8/10, 16/20); precision = diag / m = (6/7, 8/15, 16/18);
     * F1 = 2c / (n + m) = (12/17, 16/25, 32/38). Reference values agree. */
    cs_confusion *cm = from(HAND, 3);
    ck_assert_double_eq_tol(cs_confusion_accuracy(cm), ACCURACY, TOL);
    double recall[3], precision[3], f1[3];
    cs_assert_ok(cs_confusion_class_metrics(recall, precision, f1, 3, cm));
    assert_close(recall, RECALL, 3, TOL);
    assert_close(precision, PRECISION, 3, TOL);
    assert_close(f1, F1, 3, TOL);
    ck_assert_double_eq_tol(f1[0], 12.0 / 17.0, TOL);
    double only_f1[3];
    cs_assert_ok(cs_confusion_class_metrics(NULL, NULL, only_f1, 3, cm)); /* any output may be NULL */
    assert_close(only_f1, f1, 3, 0.0);
    cs_assert_ok(cs_confusion_class_metrics(NULL, NULL, NULL, 3, cm));
    cs_assert_fails(cs_confusion_class_metrics(recall, NULL, NULL, 3, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cm is NULL");
    cs_assert_fails(cs_confusion_class_metrics(recall, NULL, NULL, 4, cm), CS_ERR_SIZE_MISMATCH,
                    "k is 4, the matrix has 3 classes");
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(class_metrics_are_nan_for_empty_classes_and_f1_is_zero_without_hits)
{
    cs_confusion *cm = from(EMPTY1, 3);
    double recall[3], precision[3], f1[3];
    cs_assert_ok(cs_confusion_class_metrics(recall, precision, f1, 3, cm));
    /* Class 0: 5/5 and 5/7; class 2: 3/5 and 3/3. */
    const double want_r[3] = { 1.0, NAN, 0.6 }, want_p[3] = { 5.0 / 7.0, NAN, 1.0 };
    const double want_f[3] = { 10.0 / 12.0, NAN, 0.75 };
    assert_close(recall, want_r, 3, TOL);
    assert_close(precision, want_p, 3, TOL);
    assert_close(f1, want_f, 3, TOL);
    cs_confusion_destroy(cm);

    /* Class 0 exists (n = 4) and is predicted (m = 3) but never correctly: P = R = 0, F1 = 0. */
    const double miss[4] = { 0, 4, 3, 3 };
    cm = from(miss, 2);
    cs_assert_ok(cs_confusion_class_metrics(recall, precision, f1, 2, cm));
    ck_assert_double_eq(recall[0], 0.0);
    ck_assert_double_eq(precision[0], 0.0);
    ck_assert_double_eq(f1[0], 0.0);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(normalized_views_divide_by_rows_columns_or_total)
{
    cs_confusion *cm = from(HAND, 3);
    double v[9];
    cs_assert_ok(cs_confusion_normalized(v, 3, cm, CS_NORMALIZE_NONE));
    assert_close(v, HAND, 9, 0.0);
    cs_assert_ok(cs_confusion_normalized(v, 3, cm, CS_NORMALIZE_TRUE));
    assert_close(v, NORM_TRUE, 9, TOL);
    for (int t = 0; t < 3; t++) /* the diagonal is recall */
        ck_assert_double_eq_tol(v[t * 4], RECALL[t], TOL);
    cs_assert_ok(cs_confusion_normalized(v, 3, cm, CS_NORMALIZE_PRED));
    assert_close(v, NORM_PRED, 9, TOL);
    for (int p = 0; p < 3; p++) /* the diagonal is precision */
        ck_assert_double_eq_tol(v[p * 4], PRECISION[p], TOL);
    cs_assert_ok(cs_confusion_normalized(v, 3, cm, CS_NORMALIZE_ALL));
    assert_close(v, NORM_ALL, 9, TOL);

    cs_assert_fails(cs_confusion_normalized(v, 3, NULL, CS_NORMALIZE_TRUE), CS_ERR_INVALID_ARGUMENT,
                    "cm is NULL");
    cs_assert_fails(cs_confusion_normalized(NULL, 3, cm, CS_NORMALIZE_TRUE), CS_ERR_INVALID_ARGUMENT,
                    "out is NULL");
    cs_assert_fails(cs_confusion_normalized(v, 3, cm, (cs_normalize)4), CS_ERR_INVALID_ARGUMENT,
                    "how is 4");
    cs_assert_fails(cs_confusion_normalized(v, 2, cm, CS_NORMALIZE_TRUE), CS_ERR_SIZE_MISMATCH,
                    "k is 2, the matrix has 3 classes");
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(normalized_views_are_nan_for_empty_rows_and_columns)
{
    cs_confusion *cm = from(EMPTY1, 3);
    double v[9];
    cs_assert_ok(cs_confusion_normalized(v, 3, cm, CS_NORMALIZE_TRUE));
    const double by_true[9] = { 1, 0, 0, NAN, NAN, NAN, 0.4, 0, 0.6 };
    assert_close(v, by_true, 9, TOL);
    cs_assert_ok(cs_confusion_normalized(v, 3, cm, CS_NORMALIZE_PRED));
    const double by_pred[9] = { 5.0 / 7.0, NAN, 0, 0, NAN, 0, 2.0 / 7.0, NAN, 1 };
    assert_close(v, by_pred, 9, TOL);
    cs_confusion_destroy(cm);

    cs_assert_ok(cs_confusion_create(&cm, NULL, NULL, 0, 2));
    cs_assert_ok(cs_confusion_normalized(v, 2, cm, CS_NORMALIZE_ALL));
    ck_assert(isnan(v[0]) && isnan(v[3]));
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(relative_confusion_rows_sum_to_zero)
{
    cs_confusion *c = from(HAND, 3), *b = from(BASE, 3);
    double r[9];
    cs_assert_ok(cs_confusion_relative(r, 3, c, b));
    /* Row 0: (0.6, 0.3, 0.1) − (0.8, 0.2, 0) = (−0.2, 0.1, 0.1). */
    assert_close(r, RELATIVE, 9, 1e-15);
    for (int t = 0; t < 3; t++)
        ck_assert_double_eq_tol(r[t * 3] + r[t * 3 + 1] + r[t * 3 + 2], 0.0, 1e-15);
    /* The diagonal is the change of recall. */
    ck_assert_double_eq_tol(r[4], 0.8 - 1.0, 1e-15);
    cs_assert_ok(cs_confusion_relative(r, 3, c, c));
    for (int i = 0; i < 9; i++)
        ck_assert_double_eq(r[i], 0.0);

    /* A class absent from either matrix gives a NaN row. */
    cs_confusion *e = from(EMPTY1, 3);
    cs_assert_ok(cs_confusion_relative(r, 3, e, b));
    ck_assert(isnan(r[3]) && isnan(r[4]) && isnan(r[5]));
    ck_assert_double_eq_tol(r[0], 1.0 - 0.8, 1e-15);
    cs_assert_ok(cs_confusion_relative(r, 3, c, e));
    ck_assert(isnan(r[3]) && !isnan(r[0]) && !isnan(r[8]));

    cs_confusion *two = from(BASE, 2);
    cs_assert_fails(cs_confusion_relative(r, 3, NULL, b), CS_ERR_INVALID_ARGUMENT, "pert is NULL");
    cs_assert_fails(cs_confusion_relative(r, 3, c, NULL), CS_ERR_INVALID_ARGUMENT, "base is NULL");
    cs_assert_fails(cs_confusion_relative(NULL, 3, c, b), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_confusion_relative(r, 3, c, two), CS_ERR_SIZE_MISMATCH,
                    "base has 2 classes, pert has 3");
    cs_assert_fails(cs_confusion_relative(r, 2, c, b), CS_ERR_SIZE_MISMATCH, "k is 2");
    cs_confusion_destroy(two);
    cs_confusion_destroy(e);
    cs_confusion_destroy(b);
    cs_confusion_destroy(c);
}
END_TEST

START_TEST(relative_accuracy_is_the_ratio_of_recalls)
{
    cs_confusion *c = from(HAND, 3), *b = from(BASE, 3), *e = from(EMPTY1, 3);
    double rel[3];
    cs_assert_ok(cs_confusion_relative_accuracy(rel, 3, c, b));
    assert_close(rel, RELATIVE_ACCURACY, 3, TOL); /* (0.6/0.8, 0.8/1.0, 0.8/0.8) */
    cs_assert_ok(cs_confusion_relative_accuracy(rel, 3, c, e));
    ck_assert(isnan(rel[1])); /* undefined baseline recall */
    const double zero_hits[9] = { 6, 3, 1, 0, 0, 10, 0, 4, 16 };
    cs_confusion *z = from(zero_hits, 3);
    cs_assert_ok(cs_confusion_relative_accuracy(rel, 3, c, z));
    ck_assert(isnan(rel[1])); /* baseline recall 0 */
    ck_assert_double_eq_tol(rel[0], 1.0, TOL);

    cs_confusion *two = from(BASE, 2);
    cs_assert_fails(cs_confusion_relative_accuracy(rel, 3, c, two), CS_ERR_SIZE_MISMATCH,
                    "base has 2 classes");
    cs_assert_fails(cs_confusion_relative_accuracy(rel, 4, c, b), CS_ERR_SIZE_MISMATCH, "k is 4");
    cs_assert_fails(cs_confusion_relative_accuracy(NULL, 3, c, b), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_confusion_destroy(two);
    cs_confusion_destroy(z);
    cs_confusion_destroy(e);
    cs_confusion_destroy(b);
    cs_confusion_destroy(c);
}
END_TEST

START_TEST(asymmetry_is_antisymmetric_with_nan_diagonal)
{
    /* A[0][1] = (3 − 1) / 4, A[0][2] = (1 − 0) / 1, A[1][2] = (1 − 4) / 5. */
    cs_confusion *cm = from(HAND, 3);
    double a[9];
    cs_assert_ok(cs_confusion_asymmetry(a, 3, cm));
    assert_close(a, ASYMMETRY, 9, TOL);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (i != j)
                ck_assert_double_eq(a[i * 3 + j], -a[j * 3 + i]);
    cs_confusion_destroy(cm);

    cm = from(EMPTY1, 3); /* 0 ↔ 1 never confused: NaN */
    cs_assert_ok(cs_confusion_asymmetry(a, 3, cm));
    ck_assert(isnan(a[1]) && isnan(a[3]));
    ck_assert_double_eq(a[6], 1.0);
    cs_assert_fails(cs_confusion_asymmetry(NULL, 3, cm), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_confusion_asymmetry(a, 3, NULL), CS_ERR_INVALID_ARGUMENT, "cm is NULL");
    cs_assert_fails(cs_confusion_asymmetry(a, 5, cm), CS_ERR_SIZE_MISMATCH, "k is 5");
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(top_directed_lists_largest_cells_with_ties_by_index)
{
    /* Off-diagonal cells: 2→1: 4, 0→1: 3, then three 1s (0→2, 1→0, 1→2) in index order;
     * 2→0 is 0 and never listed. */
    cs_confusion *cm = from(HAND, 3);
    cs_directed_confusion d[8];
    int count = -1;
    cs_assert_ok(cs_confusion_top_directed(d, sizeof(cs_directed_confusion), 8, &count, cm));
    ck_assert_int_eq(count, 5);
    const int want[5][2] = { { 2, 1 }, { 0, 1 }, { 0, 2 }, { 1, 0 }, { 1, 2 } };
    const double counts[5] = { 4, 3, 1, 1, 1 }, rates[5] = { 0.2, 0.3, 0.1, 0.1, 0.1 };
    const double asym[5] = { 0.6, 0.5, 1.0, -0.5, -0.6 };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(d[i].truth, want[i][0]);
        ck_assert_int_eq(d[i].pred, want[i][1]);
        ck_assert_double_eq(d[i].count, counts[i]);
        ck_assert_double_eq_tol(d[i].rate, rates[i], TOL);
        ck_assert_double_eq_tol(d[i].asymmetry, asym[i], TOL);
    }
    /* A smaller buffer keeps the best entries, in the same order. */
    cs_directed_confusion top[3];
    cs_assert_ok(cs_confusion_top_directed(top, sizeof(cs_directed_confusion), 3, &count, cm));
    ck_assert_int_eq(count, 3);
    for (int i = 0; i < 3; i++)
        ck_assert(top[i].truth == want[i][0] && top[i].pred == want[i][1]);
    cs_assert_ok(cs_confusion_top_directed(NULL, sizeof(cs_directed_confusion), 0, &count, cm));
    ck_assert_int_eq(count, 0);

    cs_assert_fails(cs_confusion_top_directed(d, sizeof(cs_directed_confusion), 8, &count, NULL), CS_ERR_INVALID_ARGUMENT, "cm is NULL");
    cs_assert_fails(cs_confusion_top_directed(d, sizeof(cs_directed_confusion), 8, NULL, cm), CS_ERR_INVALID_ARGUMENT, "count is NULL");
    cs_assert_fails(cs_confusion_top_directed(d, sizeof(cs_directed_confusion), -1, &count, cm), CS_ERR_INVALID_ARGUMENT,
                    "max is -1, expected >= 0");
    cs_assert_fails(cs_confusion_top_directed(NULL, sizeof(cs_directed_confusion), 2, &count, cm), CS_ERR_INVALID_ARGUMENT,
                    "out is NULL with max = 2");
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(top_directed_matches_a_full_sort_on_a_larger_matrix)
{
    /* 12 classes, counts with many ties: the bounded selection must agree with sorting
     * every cell, for every buffer size. */
    enum { K = 12 };
    double counts[K * K];
    for (int i = 0; i < K * K; i++)
        counts[i] = (double)((i * 7919) % 13 % 5);
    cs_confusion *cm = from(counts, K);
    cs_directed_confusion all[K * K], some[K * K];
    int total = 0, count = 0;
    cs_assert_ok(cs_confusion_top_directed(all, sizeof(cs_directed_confusion), K * K, &total, cm));
    int nonzero = 0;
    for (int t = 0; t < K; t++)
        for (int p = 0; p < K; p++)
            nonzero += t != p && counts[t * K + p] != 0.0;
    ck_assert_int_eq(total, nonzero);
    for (int i = 1; i < total; i++) {
        const cs_directed_confusion *a = &all[i - 1], *b = &all[i];
        ck_assert(a->count > b->count ||
                  (a->count == b->count && (a->truth < b->truth ||
                                            (a->truth == b->truth && a->pred < b->pred))));
    }
    for (int max = 1; max <= total; max += 7) {
        cs_assert_ok(cs_confusion_top_directed(some, sizeof(cs_directed_confusion), max, &count, cm));
        ck_assert_int_eq(count, max);
        ck_assert_int_eq(memcmp(some, all, (size_t)max * sizeof *some), 0);
    }
    cs_confusion_destroy(cm);
}
END_TEST

/* cs_class_pair and cs_directed_confusion as a caller built against older, smaller headers
 * would know them. */
typedef struct old_class_pair {
    int a;
    int b;
    double mass;
} old_class_pair;

typedef struct old_directed_confusion {
    int truth;
    int pred;
} old_directed_confusion;

START_TEST(arrays_of_older_structs_work_and_newer_ones_are_refused)
{
    cs_confusion *cm = from(HAND, 3);
    cs_class_pair pairs[3];
    int count = -1, old_count = -1;
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof pairs[0], 3, &count, cm, 0.0));
    old_class_pair old[4];
    memset(old, 0x5A, sizeof old);
    const old_class_pair sentinel = old[3];
    cs_assert_ok(cs_confusion_merge_candidates((cs_class_pair *)(void *)old, sizeof old[0], 3, &old_count, cm, 0.0));
    ck_assert_int_eq(old_count, count);
    for (int i = 0; i < count; i++)
        ck_assert(old[i].a == pairs[i].a && old[i].b == pairs[i].b && old[i].mass == pairs[i].mass);
    ck_assert(memcmp(&old[3], &sentinel, sizeof sentinel) == 0);

    cs_directed_confusion d[8];
    cs_assert_ok(cs_confusion_top_directed(d, sizeof d[0], 8, &count, cm));
    old_directed_confusion od[9];
    memset(od, 0x5A, sizeof od);
    cs_assert_ok(cs_confusion_top_directed((cs_directed_confusion *)(void *)od, sizeof od[0], 8, &old_count, cm));
    ck_assert_int_eq(old_count, count);
    for (int i = 0; i < count; i++)
        ck_assert(od[i].truth == d[i].truth && od[i].pred == d[i].pred);
    ck_assert_int_eq(od[count].truth, 0x5A5A5A5A);

    char msg[160];
    char newer[8 * (sizeof(cs_directed_confusion) + 8)];
    snprintf(msg, sizeof msg, "elem_size %zu is larger than this library's cs_class_pair (%zu bytes",
             sizeof(cs_class_pair) + 8, sizeof(cs_class_pair));
    cs_assert_fails(cs_confusion_merge_candidates((cs_class_pair *)(void *)newer, sizeof(cs_class_pair) + 8, 3,
                                                  &count, cm, 0.0), CS_ERR_UNSUPPORTED, msg);
    snprintf(msg, sizeof msg, "elem_size %zu is larger than this library's cs_directed_confusion (%zu bytes",
             sizeof(cs_directed_confusion) + 8, sizeof(cs_directed_confusion));
    cs_assert_fails(cs_confusion_top_directed((cs_directed_confusion *)(void *)newer,
                                              sizeof(cs_directed_confusion) + 8, 8, &count, cm),
                    CS_ERR_UNSUPPORTED, msg);
    cs_assert_fails(cs_confusion_merge_candidates(pairs, 0, 3, &count, cm, 0.0), CS_ERR_INVALID_ARGUMENT,
                    "elem_size 0 is smaller than the first member of cs_class_pair");
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(merge_candidates_rank_pairs_by_symmetric_mass)
{
    /* Masses (C[a][b] + C[b][a]) / (n_a + n_b): (0,1) 4/20, (1,2) 5/30, (0,2) 1/30. */
    cs_confusion *cm = from(HAND, 3);
    cs_class_pair pairs[3];
    int count = -1;
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, cm, 0.0));
    ck_assert_int_eq(count, 3);
    ck_assert(pairs[0].a == 0 && pairs[0].b == 1);
    ck_assert(pairs[1].a == 1 && pairs[1].b == 2);
    ck_assert(pairs[2].a == 0 && pairs[2].b == 2);
    ck_assert_double_eq_tol(pairs[0].mass, MASS_01_02_12[0], TOL);
    ck_assert_double_eq_tol(pairs[1].mass, MASS_01_02_12[2], TOL);
    ck_assert_double_eq_tol(pairs[2].mass, MASS_01_02_12[1], TOL);
    ck_assert(pairs[1].a_to_b == 1.0 && pairs[1].b_to_a == 4.0);
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, cm, 0.1));
    ck_assert_int_eq(count, 2);
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, cm, 0.2)); /* >= keeps 0.2 */
    ck_assert_int_eq(count, 1);
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 1, &count, cm, 0.0));
    ck_assert_int_eq(count, 1);
    ck_assert(pairs[0].a == 0 && pairs[0].b == 1);

    cs_assert_fails(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, cm, -0.1), CS_ERR_INVALID_ARGUMENT,
                    "threshold is -0.1, expected 0..1");
    cs_assert_fails(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, cm, NAN), CS_ERR_INVALID_ARGUMENT,
                    "threshold is nan");
    cs_assert_fails(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, cm, 1.5), CS_ERR_INVALID_ARGUMENT,
                    "threshold is 1.5");
    cs_assert_fails(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, &count, NULL, 0.0), CS_ERR_INVALID_ARGUMENT,
                    "cm is NULL");
    cs_assert_fails(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), -2, &count, cm, 0.0), CS_ERR_INVALID_ARGUMENT,
                    "max is -2");
    cs_assert_fails(cs_confusion_merge_candidates(NULL, sizeof(cs_class_pair), 3, &count, cm, 0.0), CS_ERR_INVALID_ARGUMENT,
                    "out is NULL");
    cs_assert_fails(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 3, NULL, cm, 0.0), CS_ERR_INVALID_ARGUMENT,
                    "count is NULL");
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(merge_candidates_break_ties_by_class_index_and_skip_unconfused_pairs)
{
    /* Every n = 10. (0,1): 2/20, (0,3): 2/20, (2,3): 2/20 all tie at 0.1; (1,2) has 1/20;
     * (0,2) and (1,3) are never confused and never listed. */
    const double counts[16] = { 8, 2, 0, 0,
                                0, 9, 1, 0,
                                0, 0, 9, 1,
                                2, 0, 1, 7 };
    cs_confusion *cm = from(counts, 4);
    cs_class_pair pairs[6];
    int count = 0;
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), 6, &count, cm, 0.0));
    ck_assert_int_eq(count, 4);
    const int want[4][2] = { { 0, 1 }, { 0, 3 }, { 2, 3 }, { 1, 2 } };
    for (int i = 0; i < 4; i++)
        ck_assert_msg(pairs[i].a == want[i][0] && pairs[i].b == want[i][1],
                      "pair %d is (%d, %d)", i, pairs[i].a, pairs[i].b);
    ck_assert_double_eq_tol(pairs[3].mass, 0.05, TOL);
    cs_confusion_destroy(cm);
}
END_TEST

static char *render(const cs_confusion *cm, const char *const *names, cs_normalize how)
{
    size_t needed = 0;
    cs_assert_fails(cs_confusion_render(NULL, 0, &needed, cm, names, how), CS_ERR_SIZE_MISMATCH,
                    "bytes");
    char *buf = malloc(needed);
    size_t again = 0;
    cs_assert_ok(cs_confusion_render(buf, needed, &again, cm, names, how));
    ck_assert_uint_eq(again, needed);
    ck_assert_uint_eq(strlen(buf) + 1, needed);
    return buf;
}

static const char *const ANIMALS[3] = { "cat", "dog", "frog" };

START_TEST(render_counts_with_predictions_on_the_left)
{
    /* C[true][pred]: 8 true cats were predicted as dogs, so row "dog", column "cat" shows 8. */
    const double counts[9] = { 50, 8, 2, 3, 40, 7, 1, 2, 47 };
    cs_confusion *cm = from(counts, 3);
    char *text = render(cm, ANIMALS, CS_NORMALIZE_NONE);
    ck_assert_str_eq(text,
                     "predicted\n"
                     "      cat |   50    3    1\n"
                     "      dog |    8   40    2\n"
                     "     frog |    2    7   47\n"
                     "          +---------------\n"
                     "             cat  dog frog\n"
                     "             ground truth\n");
    free(text);
    text = render(cm, NULL, CS_NORMALIZE_NONE); /* default names are the indices */
    ck_assert_str_eq(text,
                     "predicted\n"
                     "        0 | 50  3  1\n"
                     "        1 |  8 40  2\n"
                     "        2 |  2  7 47\n"
                     "          +---------\n"
                     "             0  1  2\n"
                     "          ground truth\n");
    free(text);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(render_percentages_show_dashes_for_empty_classes)
{
    /* Under CS_NORMALIZE_TRUE each column (a true class) sums to 100; class 1 has no records. */
    cs_confusion *cm = from(EMPTY1, 3);
    char *text = render(cm, ANIMALS, CS_NORMALIZE_TRUE);
    ck_assert_str_eq(text,
                     "predicted\n"
                     "      cat | 100.0     -  40.0\n"
                     "      dog |   0.0     -   0.0\n"
                     "     frog |   0.0     -  60.0\n"
                     "          +------------------\n"
                     "              cat   dog  frog\n"
                     "              ground truth\n");
    free(text);
    text = render(cm, ANIMALS, CS_NORMALIZE_ALL);
    ck_assert_str_eq(text,
                     "predicted\n"
                     "      cat | 50.0  0.0 20.0\n"
                     "      dog |  0.0  0.0  0.0\n"
                     "     frog |  0.0  0.0 30.0\n"
                     "          +---------------\n"
                     "             cat  dog frog\n"
                     "             ground truth\n");
    free(text);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(render_fractional_counts_with_one_decimal)
{
    const double counts[4] = { 2.5, 0.4, 1.0, 13.26 };
    const char *const names[2] = { "yes", "no" };
    cs_confusion *cm = from(counts, 2);
    char *text = render(cm, names, CS_NORMALIZE_NONE);
    ck_assert_str_eq(text,
                     "predicted\n"
                     "      yes |  2.5  1.0\n"
                     "       no |  0.4 13.3\n"
                     "          +----------\n"
                     "             yes   no\n"
                     "          ground truth\n");
    free(text);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(render_staggers_long_names_without_cutting_them)
{
    static const char *const fashion[10] = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
    double counts[100];
    for (int i = 0; i < 100; i++)
        counts[i] = i / 10 == i % 10 ? 900 : (double)(i % 7);
    cs_confusion *cm = from(counts, 10);
    char *text = render(cm, fashion, CS_NORMALIZE_TRUE);
    const char *grid_end = strstr(text, "+---");
    ck_assert_ptr_nonnull(grid_end);
    for (int i = 0; i < 10; i++) {
        const char *row = strstr(text, fashion[i]);
        ck_assert_msg(row && row < grid_end, "row label %s", fashion[i]);
        ck_assert_msg(strstr(grid_end, fashion[i]), "column label %s", fashion[i]);
    }
    ck_assert_ptr_nonnull(strstr(text, "\nT-shirt/top |"));
    /* No line is wider than a terminal. */
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        ck_assert_msg(nl - line <= 80, "line of %d characters", (int)(nl - line));
        line = nl + 1;
    }
    free(text);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(render_reports_the_size_when_the_buffer_is_too_small)
{
    cs_confusion *cm = from(HAND, 3);
    char *full = render(cm, ANIMALS, CS_NORMALIZE_NONE);
    char small[20];
    memset(small, 'x', sizeof small);
    size_t needed = 0;
    cs_assert_fails(cs_confusion_render(small, sizeof small, &needed, cm, ANIMALS, CS_NORMALIZE_NONE),
                    CS_ERR_SIZE_MISMATCH, "cap is 20");
    ck_assert_uint_eq(needed, strlen(full) + 1);
    ck_assert_uint_eq(strlen(small), sizeof small - 1); /* truncated and terminated */
    ck_assert_int_eq(strncmp(small, full, sizeof small - 1), 0);
    char one[1] = { 'x' };
    cs_assert_fails(cs_confusion_render(one, 1, NULL, cm, ANIMALS, CS_NORMALIZE_NONE),
                    CS_ERR_SIZE_MISMATCH, "needs");
    ck_assert_int_eq(one[0], '\0');
    /* Exactly the needed size fits; one byte less does not. */
    char *exact = malloc(needed);
    cs_assert_fails(cs_confusion_render(exact, needed - 1, NULL, cm, ANIMALS, CS_NORMALIZE_NONE),
                    CS_ERR_SIZE_MISMATCH, "needs");
    ck_assert_uint_eq(strlen(exact), needed - 2);
    cs_assert_ok(cs_confusion_render(exact, needed, NULL, cm, ANIMALS, CS_NORMALIZE_NONE));
    ck_assert_str_eq(exact, full);
    free(exact);
    free(full);
    cs_confusion_destroy(cm);
}
END_TEST

START_TEST(render_rejects_bad_input)
{
    cs_confusion *cm = from(HAND, 3);
    char buf[512];
    size_t needed = 7;
    const char *holes[3] = { "a", NULL, "c" };
    cs_assert_fails(cs_confusion_render(buf, sizeof buf, &needed, NULL, ANIMALS, CS_NORMALIZE_NONE),
                    CS_ERR_INVALID_ARGUMENT, "cm is NULL");
    ck_assert_uint_eq(needed, 0);
    cs_assert_fails(cs_confusion_render(NULL, 10, &needed, cm, ANIMALS, CS_NORMALIZE_NONE),
                    CS_ERR_INVALID_ARGUMENT, "buf is NULL with cap = 10");
    cs_assert_fails(cs_confusion_render(buf, sizeof buf, &needed, cm, ANIMALS, (cs_normalize)-1),
                    CS_ERR_INVALID_ARGUMENT, "how is -1");
    cs_assert_fails(cs_confusion_render(buf, sizeof buf, &needed, cm, holes, CS_NORMALIZE_NONE),
                    CS_ERR_INVALID_ARGUMENT, "names[1] is NULL");
    cs_confusion_destroy(cm);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("confusion");
    TCase *tc = tcase_create("confusion");
    tcase_add_test(tc, create_counts_pairs_of_true_and_predicted_labels);
    tcase_add_test(tc, create_without_records_gives_an_empty_matrix);
    tcase_add_test(tc, create_rejects_bad_input);
    tcase_add_test(tc, create_is_linear_in_the_number_of_labels);
    tcase_add_test(tc, from_counts_copies_fractional_counts);
    tcase_add_test(tc, from_counts_rejects_bad_input);
    tcase_add_test(tc, accessors_tolerate_null_and_out_of_range);
    tcase_add_test(tc, class_metrics_of_a_hand_checked_matrix);
    tcase_add_test(tc, class_metrics_are_nan_for_empty_classes_and_f1_is_zero_without_hits);
    tcase_add_test(tc, normalized_views_divide_by_rows_columns_or_total);
    tcase_add_test(tc, normalized_views_are_nan_for_empty_rows_and_columns);
    tcase_add_test(tc, relative_confusion_rows_sum_to_zero);
    tcase_add_test(tc, relative_accuracy_is_the_ratio_of_recalls);
    tcase_add_test(tc, asymmetry_is_antisymmetric_with_nan_diagonal);
    tcase_add_test(tc, top_directed_lists_largest_cells_with_ties_by_index);
    tcase_add_test(tc, arrays_of_older_structs_work_and_newer_ones_are_refused);
    tcase_add_test(tc, top_directed_matches_a_full_sort_on_a_larger_matrix);
    tcase_add_test(tc, merge_candidates_rank_pairs_by_symmetric_mass);
    tcase_add_test(tc, merge_candidates_break_ties_by_class_index_and_skip_unconfused_pairs);
    tcase_add_test(tc, render_counts_with_predictions_on_the_left);
    tcase_add_test(tc, render_percentages_show_dashes_for_empty_classes);
    tcase_add_test(tc, render_fractional_counts_with_one_decimal);
    tcase_add_test(tc, render_staggers_long_names_without_cutting_them);
    tcase_add_test(tc, render_reports_the_size_when_the_buffer_is_too_small);
    tcase_add_test(tc, render_rejects_bad_input);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
