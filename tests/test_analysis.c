/* Replicate summaries (cs_confusion_average and its accessors) and weakest-class rankings
 * (cs_rank_weakest): means, standard deviations, Wilson, Newcombe, Student-t, Welch and
 * bootstrap intervals, and exact ties.
 *
 * Values marked "reference" were printed by tests/reference/analysis_reference.py
 * (NumPy/SciPy) and tests/reference/interval_reference.py (mpmath, 50 digits), run by hand
 * with /usr/bin/python3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "analysis/confusion_internal.h"
#include "core/rng.h"
#include "fixtures.h"

/* Reference: analysis_reference.py, "test_analysis.c" block. */
static const double MEAN_COUNTS[9] = { 6.4, 2.4, 1.2, 1.0, 7.8, 1.2, 0.8, 2.8, 16.4 };
static const double SD_COUNTS[9] = { 1.1401754250991378, 1.140175425099138, 0.4472135954999579,
                                     0.7071067811865476, 0.8366600265340756, 0.8366600265340756,
                                     0.8366600265340756, 1.0954451150103321, 1.140175425099138 };
static const double CLASS_MEAN_95[3] = { 0.64, 0.78, 0.82 };
static const double CLASS_LO_95[3] = { 0.4984285223017725, 0.676114936631643, 0.7492142611508862 };
static const double CLASS_HI_95[3] = { 0.7815714776982275, 0.883885063368357, 0.8907857388491137 };
static const double CLASS_LO_80[3] = { 0.561821512919738, 0.7226326742051307, 0.780910756459869 };
static const double CLASS_HI_80[3] = { 0.718178487080262, 0.8373673257948694, 0.8590892435401309 };
static const double ACC_MEAN_LO_HI[3] = { 0.765, 0.723353323422033, 0.8066466765779671 };
static const double BASE_CLASS_MEAN[3] = { 0.9, 0.9249999999999999, 0.925 };
static const double DROP[3] = { 0.26, 0.1449999999999999, 0.1050000000000001 };
static const double DROP_LO[3] = { 0.10535909918698097, 0.03731182995569657, 0.03369195063759116 };
static const double DROP_HI[3] = { 0.4146409008130191, 0.2526881700443032, 0.17630804936240901 };
static const double PERCENTILE_VALUES[10] = { 3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5 };
static const double PERCENTILES_80[2] = { 1.45, 6.299999999999999 };

/* Reference: interval_reference.py. Wilson score intervals with an effective sample size
 * (CS_INTERVAL_WILSON) of COND, and Newcombe's intervals of the drops from BASE. */
static const double WILSON_LO_95[3] = { 0.33129485235154921, 0.45827887047990501, 0.59515456013945993 };
static const double WILSON_HI_95[3] = { 0.86448630350327228, 0.93694434936185001, 0.93384927545180422 };
static const double WILSON_LO_80[3] = { 0.42810288057868634, 0.5712175477991209, 0.68046505305281905 };
static const double WILSON_HI_80[3] = { 0.80850479831100197, 0.90417612518571182, 0.90693605941186686 };
static const double WILSON_ACC_LO_HI[2] = { 0.61000384096877842, 0.87138408344887916 };
static const double NEWCOMBE_LO[3] = { -0.14584684663937421, -0.20850480034343316, -0.12709332608698904 };
static const double NEWCOMBE_HI[3] = { 0.58003815795062711, 0.47320112952519764, 0.33724344371464474 };
/* Issue 16: three seeds at 85 %, 85 % and 10 % (collapsed) of 1000 records per class. */
static const double COLLAPSED_WILSON[3] = { 0.6, 0.064304805131388767, 0.97036124530551275 };
static const double COLLAPSED_ACC_WILSON[2] = { 0.064010638888002087, 0.9705018289526845 };
static const double COLLAPSED_T[2] = { -0.47566318243736545, 1.6756631824373654 };
/* Every seed at 40/40, 0/40, 30/40: the textbook Wilson interval of 40 records (z = 1.96). */
static const double ALL_RIGHT[2] = { 0.91237839880271338, 1.0 };
static const double NONE_RIGHT[2] = { 0.0, 0.087621601197286623 };
static const double SAME_30_OF_40[2] = { 0.59806038579231974, 0.85812881360903695 };

/* Five replicates of a condition and four of its baseline, all on one test set with class
 * totals (10, 10, 20). Condition recalls: class 0 (.6 .7 .5 .6 .8), class 1 (.8 .7 .9 .8 .7),
 * class 2 (.8 .8 .75 .9 .85); baseline: (.9 .8 .9 1), (1 .9 .9 .9), (.9 .9 .95 .95). */
static const double COND[5][9] = {
    { 6, 3, 1, 1, 8, 1, 0, 4, 16 },
    { 7, 2, 1, 2, 7, 1, 1, 3, 16 },
    { 5, 4, 1, 1, 9, 0, 2, 3, 15 },
    { 6, 2, 2, 0, 8, 2, 1, 1, 18 },
    { 8, 1, 1, 1, 7, 2, 0, 3, 17 },
};
static const double BASE[4][9] = {
    { 9, 1, 0, 0, 10, 0, 1, 1, 18 },
    { 8, 2, 0, 1, 9, 0, 0, 2, 18 },
    { 9, 0, 1, 0, 9, 1, 1, 0, 19 },
    { 10, 0, 0, 1, 9, 0, 0, 1, 19 },
};

/* Interval bounds go through cs__stats_t_quantile, which agrees with scipy.stats.t.ppf to
 * about 5e-9 (relative) at these degrees of freedom; the half-widths here are below 0.2. */
#define TOL 1e-9

typedef struct replicates {
    cs_confusion *cm[16];
    size_t r;
} replicates;

static replicates make(const double *counts, size_t r, int k)
{
    replicates reps = { { NULL }, r };
    ck_assert(r <= 16);
    for (size_t i = 0; i < r; i++)
        cs_assert_ok(cs_confusion_from_counts(&reps.cm[i], counts + i * (size_t)k * (size_t)k, k));
    return reps;
}

static void release(replicates *reps)
{
    for (size_t i = 0; i < reps->r; i++)
        cs_confusion_destroy(reps->cm[i]);
}

static cs_confusion_stats *average(const replicates *reps, const cs_average_options *o)
{
    cs_confusion_stats *s = NULL;
    cs_assert_ok(cs_confusion_average(&s, (const cs_confusion *const *)reps->cm, reps->r, o));
    return s;
}

/* 1 when the class-0 accuracy interval of `s` (a two-class average) contains `p`: one trial of
 * the coverage simulations. */
static int class0_interval_covers(const cs_confusion_stats *s, double p)
{
    double lo[2], hi[2];
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lo, hi, 2, s));
    return lo[0] <= p && p <= hi[0];
}

static void assert_close(const double *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(got[i] - want[i]) <= tol, "[%zu] is %.17g, expected %.17g", i, got[i],
                      want[i]);
}

START_TEST(average_gives_mean_and_sd_of_counts_and_wilson_intervals)
{
    replicates reps = make(&COND[0][0], 5, 3);
    cs_confusion_stats *s = average(&reps, NULL);
    ck_assert_uint_eq(cs_confusion_stats_replicates(s), 5);
    const cs_confusion *mean = cs_confusion_stats_mean(s);
    ck_assert_int_eq(cs_confusion_num_classes(mean), 3);
    ck_assert_double_eq_tol(cs_confusion_total(mean), 40.0, 1e-12);
    double v[9];
    cs_assert_ok(cs_confusion_normalized(v, 3, mean, CS_NORMALIZE_NONE));
    assert_close(v, MEAN_COUNTS, 9, 1e-14);
    cs_assert_ok(cs_confusion_stats_sd(v, 3, s));
    assert_close(v, SD_COUNTS, 9, 1e-14);

    /* The default interval is Wilson's with the effective sample size: with 10 and 20 test
     * records per class the test set's binomial variance outweighs the spread over seeds. */
    double m[3], lo[3], hi[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    assert_close(m, CLASS_MEAN_95, 3, 1e-15);
    assert_close(lo, WILSON_LO_95, 3, TOL);
    assert_close(hi, WILSON_HI_95, 3, TOL);
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lo, NULL, 3, s)); /* outputs optional */
    assert_close(lo, WILSON_LO_95, 3, TOL);
    double am, alo, ahi;
    cs_assert_ok(cs_confusion_stats_accuracy(&am, &alo, &ahi, s));
    ck_assert_double_eq_tol(am, ACC_MEAN_LO_HI[0], 1e-15);
    ck_assert_double_eq_tol(alo, WILSON_ACC_LO_HI[0], TOL);
    ck_assert_double_eq_tol(ahi, WILSON_ACC_LO_HI[1], TOL);
    cs_assert_ok(cs_confusion_stats_accuracy(NULL, NULL, NULL, s));
    cs_confusion_stats_destroy(s);

    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.confidence = 0.80;
    s = average(&reps, &o);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    assert_close(lo, WILSON_LO_80, 3, TOL);
    assert_close(hi, WILSON_HI_80, 3, TOL);
    cs_confusion_stats_destroy(s);

    /* Student t on request: the numbers this test checked when t was the default. */
    o.interval = CS_INTERVAL_T;
    s = average(&reps, &o);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    assert_close(lo, CLASS_LO_80, 3, TOL);
    assert_close(hi, CLASS_HI_80, 3, TOL);
    cs_confusion_stats_destroy(s);
    o.confidence = 0.95;
    s = average(&reps, &o);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    assert_close(m, CLASS_MEAN_95, 3, 1e-15);
    assert_close(lo, CLASS_LO_95, 3, TOL);
    assert_close(hi, CLASS_HI_95, 3, TOL);
    cs_assert_ok(cs_confusion_stats_accuracy(&am, &alo, &ahi, s));
    ck_assert_double_eq_tol(alo, ACC_MEAN_LO_HI[1], TOL);
    ck_assert_double_eq_tol(ahi, ACC_MEAN_LO_HI[2], TOL);
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(mean_recall_equals_recall_of_the_mean_matrix_on_one_test_set)
{
    replicates reps = make(&COND[0][0], 5, 3);
    cs_confusion_stats *s = average(&reps, NULL);
    double m[3], recall[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, NULL, NULL, 3, s));
    cs_assert_ok(cs_confusion_class_metrics(recall, NULL, NULL, 3, cs_confusion_stats_mean(s)));
    assert_close(recall, m, 3, 1e-15);
    cs_confusion_stats_destroy(s);
    release(&reps);

    /* With different class totals the two differ: replicate recalls 1/1 and 1/3 average to
     * 2/3, while the mean matrix has recall 2/4. */
    const double uneven[2][4] = { { 1, 0, 0, 1 }, { 1, 2, 0, 1 } };
    reps = make(&uneven[0][0], 2, 2);
    s = average(&reps, NULL);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, NULL, NULL, 2, s));
    cs_assert_ok(cs_confusion_class_metrics(recall, NULL, NULL, 2, cs_confusion_stats_mean(s)));
    ck_assert_double_eq_tol(m[0], 2.0 / 3.0, 1e-15);
    ck_assert_double_eq_tol(recall[0], 0.5, 1e-15);
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(one_replicate_has_no_interval)
{
    replicates reps = make(&COND[0][0], 1, 3);
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    for (int kind = 0; kind < 3; kind++) {
        o.interval = (cs_interval)kind; /* t, bootstrap, Wilson */
        cs_confusion_stats *s = average(&reps, &o);
        double v[9], m[3], lo[3], hi[3], am, alo, ahi;
        cs_assert_ok(cs_confusion_normalized(v, 3, cs_confusion_stats_mean(s), CS_NORMALIZE_NONE));
        assert_close(v, COND[0], 9, 0.0);
        cs_assert_ok(cs_confusion_stats_sd(v, 3, s));
        for (int i = 0; i < 9; i++)
            ck_assert(isnan(v[i]));
        cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
        ck_assert_double_eq_tol(m[0], 0.6, 1e-15);
        for (int t = 0; t < 3; t++)
            ck_assert(isnan(lo[t]) && isnan(hi[t]));
        cs_assert_ok(cs_confusion_stats_accuracy(&am, &alo, &ahi, s));
        ck_assert_double_eq_tol(am, 0.75, 1e-15);
        ck_assert(isnan(alo) && isnan(ahi));
        cs_confusion_stats_destroy(s);
    }
    release(&reps);
}
END_TEST

START_TEST(identical_replicates_have_a_zero_width_t_or_bootstrap_interval)
{
    const double same[3][4] = { { 3, 1, 1, 3 }, { 3, 1, 1, 3 }, { 3, 1, 1, 3 } };
    replicates reps = make(&same[0][0], 3, 2);
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    for (int boot = 0; boot < 2; boot++) {
        o.interval = boot ? CS_INTERVAL_BOOTSTRAP : CS_INTERVAL_T;
        cs_confusion_stats *s = average(&reps, &o);
        double m[2], lo[2], hi[2], sd[4];
        cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 2, s));
        ck_assert(m[0] == 0.75 && lo[0] == 0.75 && hi[0] == 0.75);
        cs_assert_ok(cs_confusion_stats_sd(sd, 2, s));
        ck_assert_double_eq(sd[1], 0.0);
        cs_confusion_stats_destroy(s);
    }
    release(&reps);
}
END_TEST

START_TEST(absent_class_has_nan_accuracy)
{
    const double counts[2][9] = { { 4, 1, 0, 0, 0, 0, 1, 0, 4 }, { 3, 2, 0, 0, 0, 0, 0, 1, 4 } };
    replicates reps = make(&counts[0][0], 2, 3);
    cs_confusion_stats *s = average(&reps, NULL);
    double m[3], lo[3], hi[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    ck_assert(isnan(m[1]) && isnan(lo[1]) && isnan(hi[1]));
    ck_assert_double_eq_tol(m[0], 0.7, 1e-15);
    ck_assert(lo[0] < 0.7 && hi[0] > 0.7);
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(average_rejects_bad_input)
{
    replicates reps = make(&COND[0][0], 3, 3);
    const cs_confusion *cms[4] = { reps.cm[0], reps.cm[1], NULL, reps.cm[2] };
    cs_confusion_stats *s = (cs_confusion_stats *)&s;
    cs_assert_fails(cs_confusion_average(NULL, cms, 2, NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_confusion_average(&s, NULL, 2, NULL), CS_ERR_INVALID_ARGUMENT, "cms is NULL");
    ck_assert_ptr_null(s);
    cs_assert_fails(cs_confusion_average(&s, cms, 0, NULL), CS_ERR_INVALID_ARGUMENT, "r is 0");
    cs_assert_fails(cs_confusion_average(&s, cms, 3, NULL), CS_ERR_INVALID_ARGUMENT, "cms[2] is NULL");

    cs_confusion *two = NULL;
    cs_assert_ok(cs_confusion_from_counts(&two, COND[0], 2));
    cms[2] = two;
    cs_assert_fails(cs_confusion_average(&s, cms, 4, NULL), CS_ERR_SIZE_MISMATCH,
                    "cms[2] has 2 classes, cms[0] has 3");
    cms[2] = reps.cm[2];

    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.confidence = 1.0;
    cs_assert_fails(cs_confusion_average(&s, cms, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "confidence is 1, expected a value in (0, 1)");
    o.confidence = 0.0;
    cs_assert_fails(cs_confusion_average(&s, cms, 2, &o), CS_ERR_INVALID_ARGUMENT, "confidence is 0");
    o.confidence = NAN;
    cs_assert_fails(cs_confusion_average(&s, cms, 2, &o), CS_ERR_INVALID_ARGUMENT, "confidence is nan");
    o.confidence = 0.9;
    o.interval = (cs_interval)3;
    cs_assert_fails(cs_confusion_average(&s, cms, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "interval is 3, expected CS_INTERVAL_T (0), CS_INTERVAL_BOOTSTRAP (1) or "
                    "CS_INTERVAL_WILSON (2)");
    o.interval = CS_INTERVAL_BOOTSTRAP;
    o.bootstrap_resamples = 99;
    cs_assert_fails(cs_confusion_average(&s, cms, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "bootstrap_resamples is 99, expected at least 100");
    ck_assert_ptr_null(s);
    cs_confusion_destroy(two);
    release(&reps);
}
END_TEST

START_TEST(average_options_are_versioned)
{
    replicates reps = make(&COND[0][0], 5, 3);
    cs_confusion_stats *s = (cs_confusion_stats *)&s;
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.struct_size = offsetof(cs_average_options, seed);
    cs_assert_fails(cs_confusion_average(&s, (const cs_confusion *const *)reps.cm, 5, &o),
                    CS_ERR_INVALID_ARGUMENT, "struct_size is 24, expected at least 32");
    ck_assert_ptr_null(s);
    struct {
        cs_average_options o;
        uint64_t from_the_future;
    } newer = { CS_AVERAGE_OPTIONS_INIT, 0 };
    newer.o.struct_size = sizeof newer;
    cs_assert_fails(cs_confusion_average(&s, (const cs_confusion *const *)reps.cm, 5, &newer.o),
                    CS_ERR_UNSUPPORTED, "struct_size is 40 but this library");

    /* NULL options are the defaults. */
    const cs_average_options defaults = CS_AVERAGE_OPTIONS_INIT;
    cs_confusion_stats *a = average(&reps, NULL), *b = average(&reps, &defaults);
    double la[3], lb[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, la, NULL, 3, a));
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lb, NULL, 3, b));
    ck_assert_int_eq(memcmp(la, lb, sizeof la), 0);
    cs_confusion_stats_destroy(a);
    cs_confusion_stats_destroy(b);
    release(&reps);
}
END_TEST

START_TEST(stats_accessors_reject_bad_input)
{
    replicates reps = make(&COND[0][0], 2, 3);
    cs_confusion_stats *s = average(&reps, NULL);
    double v[9];
    ck_assert_uint_eq(cs_confusion_stats_replicates(NULL), 0);
    ck_assert_ptr_null(cs_confusion_stats_mean(NULL));
    cs_assert_fails(cs_confusion_stats_sd(v, 3, NULL), CS_ERR_INVALID_ARGUMENT, "s is NULL");
    cs_assert_fails(cs_confusion_stats_sd(NULL, 3, s), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_confusion_stats_sd(v, 2, s), CS_ERR_SIZE_MISMATCH,
                    "k is 2, the matrices have 3 classes");
    cs_assert_fails(cs_confusion_stats_class_accuracy(v, v, v, 3, NULL), CS_ERR_INVALID_ARGUMENT,
                    "s is NULL");
    cs_assert_fails(cs_confusion_stats_class_accuracy(v, v, v, 4, s), CS_ERR_SIZE_MISMATCH, "k is 4");
    cs_assert_fails(cs_confusion_stats_accuracy(v, v, v, NULL), CS_ERR_INVALID_ARGUMENT, "s is NULL");
    cs_confusion_stats_destroy(NULL);
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(bootstrap_is_deterministic_for_a_seed)
{
    replicates reps = make(&COND[0][0], 5, 3);
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.interval = CS_INTERVAL_BOOTSTRAP;
    o.seed = 42;
    cs_confusion_stats *a = average(&reps, &o), *b = average(&reps, &o);
    o.seed = 43;
    cs_confusion_stats *c = average(&reps, &o);
    double ma[3], la[3], ha[3], lb[3], hb[3], lc[3], hc[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(ma, la, ha, 3, a));
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lb, hb, 3, b));
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lc, hc, 3, c));
    ck_assert_int_eq(memcmp(la, lb, sizeof la), 0);
    ck_assert_int_eq(memcmp(ha, hb, sizeof ha), 0);
    ck_assert(memcmp(la, lc, sizeof la) != 0 || memcmp(ha, hc, sizeof ha) != 0);
    assert_close(ma, CLASS_MEAN_95, 3, 1e-15); /* the mean does not depend on the interval */
    for (int t = 0; t < 3; t++) {
        double lo_r = 1.0, hi_r = 0.0; /* resampled means stay within the replicates' range */
        for (int i = 0; i < 5; i++) {
            double rec = COND[i][t * 4] / (t == 2 ? 20.0 : 10.0);
            lo_r = fmin(lo_r, rec);
            hi_r = fmax(hi_r, rec);
        }
        ck_assert_msg(lo_r <= la[t] && la[t] < ma[t] && ma[t] < ha[t] && ha[t] <= hi_r,
                      "class %d: %g <= %g < %g < %g <= %g", t, lo_r, la[t], ma[t], ha[t], hi_r);
        /* The percentile interval of 5 replicates is narrower than Student's. */
        ck_assert(ha[t] - la[t] < CLASS_HI_95[t] - CLASS_LO_95[t]);
    }
    double am, alo, ahi;
    cs_assert_ok(cs_confusion_stats_accuracy(&am, &alo, &ahi, a));
    ck_assert(alo < am && am < ahi);
    cs_confusion_stats_destroy(a);
    cs_confusion_stats_destroy(b);
    cs_confusion_stats_destroy(c);
    release(&reps);
}
END_TEST

START_TEST(bootstrap_percentiles_interpolate_like_numpy)
{
    double v[10];
    memcpy(v, PERCENTILE_VALUES, sizeof v);
    double lo, hi;
    cs__seed_average_percentiles(v, 10, 0.80, &lo, &hi);
    ck_assert_double_eq_tol(lo, PERCENTILES_80[0], 1e-15);
    ck_assert_double_eq_tol(hi, PERCENTILES_80[1], 1e-15);
}
END_TEST

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

START_TEST(bootstrap_percentiles_match_a_full_sort)
{
    /* Selection instead of sorting must give the same order statistics, also with the heavy
     * ties of resampled means (few distinct values) and at every size. */
    cs__rng rng;
    cs__rng_init(&rng, 99, 1);
    double v[1200], sorted[1200];
    const double conf[4] = { 0.5, 0.8, 0.95, 0.999 };
    for (size_t n = 1; n <= 1200; n = n * 3 + 1)
        for (int distinct = 1; distinct <= 1000; distinct *= 10)
            for (int c = 0; c < 4; c++) {
                for (size_t i = 0; i < n; i++)
                    v[i] = sorted[i] = (double)cs__rng_below(&rng, (uint64_t)distinct) / 7.0;
                qsort(sorted, n, sizeof *sorted, cmp_double);
                double lo, hi;
                cs__seed_average_percentiles(v, n, conf[c], &lo, &hi);
                for (int side = 0; side < 2; side++) {
                    double q = side ? 0.5 * (1.0 + conf[c]) : 0.5 * (1.0 - conf[c]);
                    double h = (double)(n - 1) * q;
                    size_t i = (size_t)floor(h);
                    double want = i + 1 < n ? sorted[i] + (h - (double)i) * (sorted[i + 1] - sorted[i])
                                            : sorted[n - 1];
                    ck_assert_msg((side ? hi : lo) == want, "n=%zu distinct=%d conf=%g side=%d",
                                  n, distinct, conf[c], side);
                }
            }
}
END_TEST

/* A standard normal draw (Box–Muller). */
static double normal(cs__rng *rng)
{
    double u = cs__rng_uniform(rng), w = cs__rng_uniform(rng);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * w);
}

START_TEST(intervals_cover_the_true_mean_about_as_often_as_promised)
{
    /* 300 simulated studies of 10 replicates whose class-0 recall is N(0.7, 0.05²): the 95 %
     * t interval must contain 0.7 in about 95 % of them; the percentile bootstrap, known to
     * under-cover with few replicates, in about 90 %; Wilson's, which adds the binomial
     * variance of 1000 test records that this simulation does not draw, at least as often as
     * promised. */
    enum { STUDIES = 300, R = 10 };
    cs__rng rng;
    cs__rng_init(&rng, 2024, 7);
    int covered_t = 0, covered_boot = 0, covered_w = 0;
    cs_average_options ot = CS_AVERAGE_OPTIONS_INIT, ob = CS_AVERAGE_OPTIONS_INIT,
                       ow = CS_AVERAGE_OPTIONS_INIT;
    ot.interval = CS_INTERVAL_T;
    ob.interval = CS_INTERVAL_BOOTSTRAP;
    ob.bootstrap_resamples = 500;
    for (int study = 0; study < STUDIES; study++) {
        double counts[R][4];
        for (int i = 0; i < R; i++) {
            double x = 0.7 + 0.05 * normal(&rng);
            counts[i][0] = 1000.0 * x;
            counts[i][1] = 1000.0 - counts[i][0];
            counts[i][2] = 100.0;
            counts[i][3] = 900.0;
        }
        replicates reps = make(&counts[0][0], R, 2);
        ob.seed = (uint64_t)study;
        cs_confusion_stats *st = average(&reps, &ot), *sb = average(&reps, &ob),
                           *sw = average(&reps, &ow);
        covered_w += class0_interval_covers(sw, 0.7);
        cs_confusion_stats_destroy(sw);
        covered_t += class0_interval_covers(st, 0.7);
        covered_boot += class0_interval_covers(sb, 0.7);
        cs_confusion_stats_destroy(st);
        cs_confusion_stats_destroy(sb);
        release(&reps);
    }
    double ct = (double)covered_t / STUDIES, cb = (double)covered_boot / STUDIES;
    ck_assert_msg(ct >= 0.90 && ct <= 0.99, "t coverage %.3f", ct);
    ck_assert_msg(cb >= 0.82 && cb <= 0.97, "bootstrap coverage %.3f", cb);
    ck_assert_msg((double)covered_w / STUDIES >= 0.93, "Wilson coverage %.3f",
                  (double)covered_w / STUDIES);
}
END_TEST

/* cs_class_score as a caller built against an older, smaller header would know it. */
typedef struct old_class_score {
    int cls;
    double score;
} old_class_score;

START_TEST(rank_takes_an_older_smaller_struct_and_refuses_a_newer_one)
{
    const double counts[2][16] = {
        { 3, 1, 0, 0, 0, 4, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0 },
        { 2, 2, 0, 0, 1, 3, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0 },
    };
    replicates reps = make(&counts[0][0], 2, 4);
    cs_confusion_stats *s = average(&reps, NULL);
    cs_class_score full[4];
    cs_assert_ok(cs_rank_weakest(full, sizeof full[0], 4, s, NULL));
    /* One element more than the caller asked for is a sentinel that must stay untouched. */
    old_class_score old[5];
    memset(old, 0x5A, sizeof old);
    const old_class_score sentinel = old[4];
    cs_assert_ok(cs_rank_weakest((cs_class_score *)(void *)old, sizeof old[0], 4, s, NULL));
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(old[i].cls, full[i].cls);
        ck_assert(old[i].score == full[i].score || (isnan(old[i].score) && isnan(full[i].score)));
    }
    ck_assert(memcmp(&old[4], &sentinel, sizeof sentinel) == 0);
    /* A struct larger than this library's comes from a newer header: refused, sizes named. */
    char newer[4 * (sizeof(cs_class_score) + 8)];
    char msg[160];
    snprintf(msg, sizeof msg, "elem_size %zu is larger than this library's cs_class_score (%zu bytes",
             sizeof(cs_class_score) + 8, sizeof(cs_class_score));
    cs_assert_fails(cs_rank_weakest((cs_class_score *)(void *)newer, sizeof(cs_class_score) + 8, 4, s, NULL),
                    CS_ERR_UNSUPPORTED, msg);
    cs_assert_fails(cs_rank_weakest(full, 2, 4, s, NULL), CS_ERR_INVALID_ARGUMENT,
                    "elem_size 2 is smaller than the first member of cs_class_score");
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(rank_by_accuracy_lowest_first_ties_by_index_nan_last)
{
    /* Class recalls: 0: (.75, .5), 1: (1, .75), 2: (.75, .5), 3: absent. Means .625, .875,
     * .625, NaN: 0 and 2 tie. */
    const double counts[2][16] = {
        { 3, 1, 0, 0, 0, 4, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0 },
        { 2, 2, 0, 0, 1, 3, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0 },
    };
    replicates reps = make(&counts[0][0], 2, 4);
    cs_confusion_stats *s = average(&reps, NULL);
    cs_class_score out[4];
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 4, s, NULL));
    const int order[4] = { 0, 2, 1, 3 };
    for (int i = 0; i < 4; i++)
        ck_assert_msg(out[i].cls == order[i], "rank %d is class %d", i, out[i].cls);
    ck_assert_double_eq(out[0].score, 0.625);
    ck_assert(isnan(out[3].score) && isnan(out[3].lo) && isnan(out[3].hi));
    double m[4], lo[4], hi[4];
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 4, s));
    ck_assert(out[1].lo == lo[2] && out[1].hi == hi[2]); /* the accessor's interval */

    /* Against a baseline of two copies of the first replicate (.75, 1, .75): every drop is
     * .125, so all three tie and keep index order; the absent class still comes last. */
    const cs_confusion *twice[2] = { reps.cm[0], reps.cm[0] };
    cs_confusion_stats *base = NULL;
    cs_assert_ok(cs_confusion_average(&base, twice, 2, NULL));
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 4, s, base));
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(out[i].cls, i);
    ck_assert_double_eq(out[1].score, 0.125);
    ck_assert(out[1].lo < 0.125 && out[1].hi > 0.125);
    ck_assert(isnan(out[3].score));
    cs_confusion_stats_destroy(base);
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(rank_by_sensitivity_uses_welch_intervals_for_t)
{
    replicates cond = make(&COND[0][0], 5, 3), basereps = make(&BASE[0][0], 4, 3);
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.interval = CS_INTERVAL_T;
    cs_confusion_stats *s = average(&cond, &o), *base = average(&basereps, NULL);
    double bm[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(bm, NULL, NULL, 3, base));
    assert_close(bm, BASE_CLASS_MEAN, 3, 1e-15);
    cs_class_score out[3];
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, base));
    for (int i = 0; i < 3; i++) { /* drops .26, .145, .105: already in class order */
        ck_assert_int_eq(out[i].cls, i);
        ck_assert_double_eq_tol(out[i].score, DROP[i], 1e-15);
        ck_assert_double_eq_tol(out[i].lo, DROP_LO[i], TOL);
        ck_assert_double_eq_tol(out[i].hi, DROP_HI[i], TOL);
    }
    /* By accuracy, the same summary ranks class 0 (.64) weakest, then 1 (.78), 2 (.82). */
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, NULL));
    ck_assert(out[0].cls == 0 && out[1].cls == 1 && out[2].cls == 2);
    ck_assert_double_eq_tol(out[0].lo, CLASS_LO_95[0], TOL);
    cs_confusion_stats_destroy(s);
    cs_confusion_stats_destroy(base);

    /* One replicate on either side: the drop is known, its interval is not. */
    replicates one = make(&COND[0][0], 1, 3);
    s = average(&one, &o);
    base = average(&basereps, NULL);
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, base));
    for (int i = 0; i < 3; i++)
        ck_assert(!isnan(out[i].score) && isnan(out[i].lo) && isnan(out[i].hi));
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, base, s));
    ck_assert(isnan(out[0].lo));
    cs_confusion_stats_destroy(s);
    cs_confusion_stats_destroy(base);
    release(&one);
    release(&cond);
    release(&basereps);
}
END_TEST

START_TEST(rank_by_sensitivity_bootstraps_the_difference_when_asked)
{
    replicates cond = make(&COND[0][0], 5, 3), basereps = make(&BASE[0][0], 4, 3);
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.interval = CS_INTERVAL_BOOTSTRAP;
    o.seed = 7;
    cs_confusion_stats *s = average(&cond, &o), *base = average(&basereps, NULL);
    o.seed = 8;
    cs_confusion_stats *s8 = average(&cond, &o);
    cs_class_score a[3], b[3], c[3];
    cs_assert_ok(cs_rank_weakest(a, sizeof(cs_class_score), 3, s, base));
    cs_assert_ok(cs_rank_weakest(b, sizeof(cs_class_score), 3, s, base));
    cs_assert_ok(cs_rank_weakest(c, sizeof(cs_class_score), 3, s8, base));
    int differ = 0;
    for (int i = 0; i < 3; i++) {
        /* Same seed, same bounds (fields compared: the struct has padding). */
        ck_assert(a[i].cls == b[i].cls && a[i].lo == b[i].lo && a[i].hi == b[i].hi);
        ck_assert_int_eq(a[i].cls, i);
        ck_assert_double_eq_tol(a[i].score, DROP[i], 1e-15);
        ck_assert_msg(a[i].lo < a[i].score && a[i].score < a[i].hi, "class %d: %g %g %g", i,
                      a[i].lo, a[i].score, a[i].hi);
        /* Percentile bounds of resampled differences are not Welch's, but close to them. */
        ck_assert(fabs(a[i].lo - DROP_LO[i]) < 0.1 && fabs(a[i].hi - DROP_HI[i]) < 0.1);
        differ |= a[i].lo != c[i].lo || a[i].hi != c[i].hi;
    }
    ck_assert(differ);
    cs_confusion_stats_destroy(s);
    cs_confusion_stats_destroy(s8);
    cs_confusion_stats_destroy(base);
    release(&cond);
    release(&basereps);
}
END_TEST

START_TEST(rank_by_sensitivity_uses_newcombe_intervals_by_default)
{
    replicates cond = make(&COND[0][0], 5, 3), basereps = make(&BASE[0][0], 4, 3);
    cs_confusion_stats *s = average(&cond, NULL), *base = average(&basereps, NULL);
    cs_class_score out[3];
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, base));
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i].cls, i);
        ck_assert_double_eq_tol(out[i].score, DROP[i], 1e-15);
        ck_assert_double_eq_tol(out[i].lo, NEWCOMBE_LO[i], TOL);
        ck_assert_double_eq_tol(out[i].hi, NEWCOMBE_HI[i], TOL);
    }
    /* The baseline's own options are not consulted: a t-summary baseline changes nothing. */
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.interval = CS_INTERVAL_T;
    o.confidence = 0.5;
    cs_confusion_stats *base_t = average(&basereps, &o);
    cs_class_score again[3];
    cs_assert_ok(cs_rank_weakest(again, sizeof(cs_class_score), 3, s, base_t));
    for (int i = 0; i < 3; i++)
        ck_assert(again[i].lo == out[i].lo && again[i].hi == out[i].hi);
    cs_confusion_stats_destroy(base_t);
    cs_confusion_stats_destroy(s);

    replicates one = make(&COND[0][0], 1, 3);
    s = average(&one, NULL);
    cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, base));
    for (int i = 0; i < 3; i++)
        ck_assert(!isnan(out[i].score) && isnan(out[i].lo) && isnan(out[i].hi));
    cs_confusion_stats_destroy(s);
    cs_confusion_stats_destroy(base);
    release(&one);
    release(&cond);
    release(&basereps);
}
END_TEST

/* Three replicates of a 2-class matrix whose classes both have recall x[i] / n. */
static replicates symmetric_reps(const double *x, size_t r, double n)
{
    double counts[16][4];
    ck_assert(r <= 16);
    for (size_t i = 0; i < r; i++) {
        counts[i][0] = counts[i][3] = x[i];
        counts[i][1] = counts[i][2] = n - x[i];
    }
    return make(&counts[0][0], r, 2);
}

START_TEST(wilson_intervals_stay_in_0_1_where_t_does_not)
{
    /* Issue 16: one seed of three collapsed to chance. Student t: [-47.6 %, 167.6 %]. */
    const double x[3] = { 850, 850, 100 };
    replicates reps = symmetric_reps(x, 3, 1000);
    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    cs_confusion_stats *s = average(&reps, &o);
    double m[2], lo[2], hi[2], am, alo, ahi;
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 2, s));
    ck_assert_double_eq(m[0], COLLAPSED_WILSON[0]);
    ck_assert_double_eq_tol(lo[0], COLLAPSED_WILSON[1], TOL);
    ck_assert_double_eq_tol(hi[0], COLLAPSED_WILSON[2], TOL);
    cs_assert_ok(cs_confusion_stats_accuracy(&am, &alo, &ahi, s)); /* n = 2000 records */
    ck_assert_double_eq_tol(alo, COLLAPSED_ACC_WILSON[0], TOL);
    ck_assert_double_eq_tol(ahi, COLLAPSED_ACC_WILSON[1], TOL);
    cs_confusion_stats_destroy(s);
    o.interval = CS_INTERVAL_T;
    s = average(&reps, &o);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 2, s));
    ck_assert_double_eq_tol(lo[0], COLLAPSED_T[0], TOL);
    ck_assert_double_eq_tol(hi[0], COLLAPSED_T[1], TOL);
    cs_confusion_stats_destroy(s);
    release(&reps);

    /* Whatever the replicates (2 to 6 of 1 to 40 records, every count from 0 to n, at the
     * bounds often) and the confidence: 0 <= lo <= mean <= hi <= 1 for accuracies, and
     * -1 <= lo <= drop <= hi <= 1 for drops. */
    const double confidence[4] = { 0.5, 0.8, 0.95, 0.999 };
    cs__rng rng;
    cs__rng_init(&rng, 16, 16);
    for (int trial = 0; trial < 2000; trial++) {
        size_t r = 2 + (size_t)cs__rng_below(&rng, 5), rb = 2 + (size_t)cs__rng_below(&rng, 5);
        double n = (double)(1 + cs__rng_below(&rng, 40)), xs[6], xb[6];
        for (size_t i = 0; i < 6; i++) {
            uint64_t kind = cs__rng_below(&rng, 4); /* 0, n, or anything */
            xs[i] = kind == 0 ? 0.0 : kind == 1 ? n : (double)cs__rng_below(&rng, (uint64_t)n + 1);
            xb[i] = (double)cs__rng_below(&rng, (uint64_t)n + 1);
        }
        o.interval = CS_INTERVAL_WILSON;
        o.confidence = confidence[trial % 4];
        replicates a = symmetric_reps(xs, r, n), b = symmetric_reps(xb, rb, n);
        cs_confusion_stats *sa = average(&a, &o), *sb = average(&b, &o);
        cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 2, sa));
        ck_assert_msg(0.0 <= lo[0] && lo[0] <= m[0] && m[0] <= hi[0] && hi[0] <= 1.0,
                      "trial %d: %.17g <= %.17g <= %.17g", trial, lo[0], m[0], hi[0]);
        ck_assert_msg(hi[0] > lo[0], "trial %d: zero width at %.17g", trial, m[0]);
        cs_class_score d[2];
        cs_assert_ok(cs_rank_weakest(d, sizeof(cs_class_score), 2, sa, sb));
        ck_assert_msg(-1.0 <= d[0].lo && d[0].lo <= d[0].score && d[0].score <= d[0].hi &&
                          d[0].hi <= 1.0,
                      "trial %d: %.17g <= %.17g <= %.17g", trial, d[0].lo, d[0].score, d[0].hi);
        cs_confusion_stats_destroy(sa);
        cs_confusion_stats_destroy(sb);
        release(&a);
        release(&b);
    }
}
END_TEST

START_TEST(wilson_intervals_at_the_bounds_and_for_identical_seeds)
{
    /* Class 0 right 40/40 in every seed, class 1 30/40 in every seed: no spread over seeds,
     * so what is left is the test set's binomial uncertainty, the textbook Wilson interval
     * of 40 records with the normal quantile. */
    const double right[3][4] = { { 40, 0, 10, 30 }, { 40, 0, 10, 30 }, { 40, 0, 10, 30 } };
    replicates reps = make(&right[0][0], 3, 2);
    cs_confusion_stats *s = average(&reps, NULL);
    double m[2], lo[2], hi[2];
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 2, s));
    ck_assert_double_eq(m[0], 1.0);
    ck_assert_double_eq_tol(lo[0], ALL_RIGHT[0], TOL);
    ck_assert_double_eq(hi[0], 1.0);
    ck_assert_double_eq(m[1], 0.75);
    ck_assert_double_eq_tol(lo[1], SAME_30_OF_40[0], TOL);
    ck_assert_double_eq_tol(hi[1], SAME_30_OF_40[1], TOL);
    cs_confusion_stats_destroy(s);
    release(&reps);

    const double wrong[2][4] = { { 0, 40, 10, 30 }, { 0, 40, 10, 30 } };
    reps = make(&wrong[0][0], 2, 2);
    s = average(&reps, NULL);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 2, s));
    ck_assert_double_eq(m[0], 0.0);
    ck_assert_double_eq(lo[0], 0.0);
    ck_assert_double_eq_tol(hi[0], NONE_RIGHT[1], TOL);
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(wilson_intervals_cover_the_population_accuracy)
{
    /* 400 simulated studies of 3 seeds on a fresh test set of 100 records from a population
     * where the model is right 90 % of the time: E ~ Binomial(100, 0.9) records are right for
     * every seed, and each seed moves that count by N(0, 2²). The 95 % Wilson interval must
     * contain 0.9 in about 95 % of the studies; the t interval over seeds, which sees only
     * the seeds' spread on the one test set, far less often (about 73 % in
     * interval_reference.py's sister simulation). */
    enum { STUDIES = 400, R = 3, N = 100 };
    cs__rng rng;
    cs__rng_init(&rng, 2025, 16);
    int covered_w = 0, covered_t = 0;
    cs_average_options ot = CS_AVERAGE_OPTIONS_INIT;
    ot.interval = CS_INTERVAL_T;
    for (int study = 0; study < STUDIES; study++) {
        int e = 0;
        for (int j = 0; j < N; j++)
            e += cs__rng_uniform(&rng) < 0.9;
        double x[R];
        for (int i = 0; i < R; i++)
            x[i] = fmin(N, fmax(0.0, round(e + 2.0 * normal(&rng))));
        replicates reps = symmetric_reps(x, R, N);
        cs_confusion_stats *sw = average(&reps, NULL), *st = average(&reps, &ot);
        covered_w += class0_interval_covers(sw, 0.9);
        covered_t += class0_interval_covers(st, 0.9);
        cs_confusion_stats_destroy(sw);
        cs_confusion_stats_destroy(st);
        release(&reps);
    }
    double cw = (double)covered_w / STUDIES, ct = (double)covered_t / STUDIES;
    ck_assert_msg(cw >= 0.92 && cw <= 0.99, "Wilson coverage %.3f", cw);
    ck_assert_msg(ct < 0.85, "t coverage %.3f", ct);
}
END_TEST

START_TEST(rank_by_accuracy_breaks_exact_ties_by_index_issue_16)
{
    /* Issue 16's reproducer: 3 replicates, 40 test records per class; correct records of
     * class 0: 31, 31, 26; class 1: 20, 20, 20; class 2: 29, 29, 30. Classes 0 and 2 both
     * average 88/120; a running mean made them differ in the last bit and ranked [1, 2, 0]. */
    const double right[3][3] = { { 31, 20, 29 }, { 31, 20, 29 }, { 26, 20, 30 } };
    double counts[3][9];
    for (int i = 0; i < 3; i++)
        for (int t = 0; t < 3; t++) {
            counts[i][t * 3 + t] = right[i][t];
            counts[i][t * 3 + (t + 1) % 3] = 40 - right[i][t];
            counts[i][t * 3 + (t + 2) % 3] = 0;
        }
    replicates reps = make(&counts[0][0], 3, 3);
    for (int kind = 0; kind < 3; kind++) {
        cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
        o.interval = (cs_interval)kind;
        cs_confusion_stats *s = average(&reps, &o);
        cs_class_score out[3];
        cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, NULL));
        ck_assert_msg(out[0].cls == 1 && out[1].cls == 0 && out[2].cls == 2,
                      "interval %d: ranking [%d, %d, %d]", kind, out[0].cls, out[1].cls, out[2].cls);
        ck_assert(out[1].score == out[2].score);
        ck_assert_double_eq(out[1].score, 88.0 / 120.0);
        double m[3];
        cs_assert_ok(cs_confusion_stats_class_accuracy(m, NULL, NULL, 3, s));
        ck_assert(m[0] == m[2]);
        cs_confusion_stats_destroy(s);
    }
    release(&reps);
}
END_TEST

START_TEST(rank_by_sensitivity_breaks_exact_ties_by_index)
{
    /* Drops that are equal rationals, 10/120, whose difference of rounded means is not:
     * class 0 falls from 91/120 to 81/120 (0.0833...326 as a difference of doubles), class 1
     * from 90/120 to 80/120 (0.0833...337), class 2 from 100/120 to 95/120. The integer form
     * gives both exactly 10/120, so class 0 comes first. */
    const double base_right[3][3] = { { 31, 30, 34 }, { 30, 30, 33 }, { 30, 30, 33 } };
    const double cond_right[3][3] = { { 27, 27, 32 }, { 27, 27, 32 }, { 27, 26, 31 } };
    double bc[3][9], cc[3][9];
    for (int i = 0; i < 3; i++)
        for (int t = 0; t < 3; t++) {
            int off = t * 3 + (t + 1) % 3, zero = t * 3 + (t + 2) % 3;
            bc[i][t * 3 + t] = base_right[i][t];
            bc[i][off] = 40 - base_right[i][t];
            bc[i][zero] = 0;
            cc[i][t * 3 + t] = cond_right[i][t];
            cc[i][off] = 40 - cond_right[i][t];
            cc[i][zero] = 0;
        }
    ck_assert(91.0 / 120.0 - 81.0 / 120.0 < 90.0 / 120.0 - 80.0 / 120.0);
    replicates b = make(&bc[0][0], 3, 3), c = make(&cc[0][0], 3, 3);
    for (int kind = 0; kind < 3; kind++) {
        cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
        o.interval = (cs_interval)kind;
        cs_confusion_stats *sb = average(&b, &o), *sc = average(&c, &o);
        cs_class_score out[3];
        cs_assert_ok(cs_rank_weakest(out, sizeof(cs_class_score), 3, sc, sb));
        ck_assert_msg(out[0].cls == 0 && out[1].cls == 1 && out[2].cls == 2,
                      "interval %d: ranking [%d, %d, %d]", kind, out[0].cls, out[1].cls, out[2].cls);
        ck_assert(out[0].score == out[1].score);
        ck_assert_double_eq(out[0].score, 10.0 / 120.0);
        cs_confusion_stats_destroy(sb);
        cs_confusion_stats_destroy(sc);
    }
    release(&b);
    release(&c);
}
END_TEST

START_TEST(merge_candidates_of_a_mean_matrix_tie_exactly)
{
    /* Three replicates with 40 records per class whose sums are
     * [[114, 1, 5], [12, 105, 3], [5, 10, 105]]: pairs (0, 1) and (1, 2) both have mass
     * 13/240, but from the rounded mean counts (sums / 3) and their row sums (1, 2) came out
     * larger in the last bit and was listed first. */
    const double counts[3][9] = {
        { 38, 1, 1, 4, 35, 1, 2, 3, 35 },
        { 38, 0, 2, 4, 35, 1, 2, 3, 35 },
        { 38, 0, 2, 4, 35, 1, 1, 4, 35 },
    };
    replicates reps = make(&counts[0][0], 3, 3);
    cs_confusion_stats *s = average(&reps, NULL);
    cs_class_pair pairs[3];
    int n = 0;
    cs_assert_ok(cs_confusion_merge_candidates(pairs, sizeof pairs[0], 3, &n, cs_confusion_stats_mean(s), 0.0));
    ck_assert_int_eq(n, 3);
    ck_assert_msg(pairs[0].a == 0 && pairs[0].b == 1 && pairs[1].a == 1 && pairs[1].b == 2,
                  "pairs (%d, %d), (%d, %d)", pairs[0].a, pairs[0].b, pairs[1].a, pairs[1].b);
    ck_assert(pairs[0].mass == pairs[1].mass);
    ck_assert_double_eq(pairs[0].mass, 13.0 / 240.0);
    ck_assert_double_eq(pairs[2].mass, 10.0 / 240.0);
    ck_assert_double_eq_tol(pairs[0].a_to_b, 1.0 / 3.0, 1e-15); /* still the mean counts */
    cs_confusion_stats_destroy(s);
    release(&reps);
}
END_TEST

START_TEST(rank_rejects_bad_input)
{
    replicates three = make(&COND[0][0], 2, 3);
    const double two_counts[2][4] = { { 1, 0, 0, 1 }, { 1, 1, 0, 1 } };
    replicates two = make(&two_counts[0][0], 2, 2);
    cs_confusion_stats *s = average(&three, NULL), *s2 = average(&two, NULL);
    cs_class_score out[3];
    cs_assert_fails(cs_rank_weakest(out, sizeof(cs_class_score), 3, NULL, NULL), CS_ERR_INVALID_ARGUMENT, "s is NULL");
    cs_assert_fails(cs_rank_weakest(NULL, sizeof(cs_class_score), 3, s, NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_rank_weakest(out, sizeof(cs_class_score), 2, s, NULL), CS_ERR_SIZE_MISMATCH,
                    "k is 2, the matrices have 3 classes");
    cs_assert_fails(cs_rank_weakest(out, sizeof(cs_class_score), 3, s, s2), CS_ERR_SIZE_MISMATCH, "base has 2 classes, s has 3");
    cs_confusion_stats_destroy(s);
    cs_confusion_stats_destroy(s2);
    release(&three);
    release(&two);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analysis");
    TCase *tc = tcase_create("analysis");
    tcase_add_test(tc, average_gives_mean_and_sd_of_counts_and_wilson_intervals);
    tcase_add_test(tc, mean_recall_equals_recall_of_the_mean_matrix_on_one_test_set);
    tcase_add_test(tc, one_replicate_has_no_interval);
    tcase_add_test(tc, identical_replicates_have_a_zero_width_t_or_bootstrap_interval);
    tcase_add_test(tc, absent_class_has_nan_accuracy);
    tcase_add_test(tc, average_rejects_bad_input);
    tcase_add_test(tc, average_options_are_versioned);
    tcase_add_test(tc, stats_accessors_reject_bad_input);
    tcase_add_test(tc, bootstrap_is_deterministic_for_a_seed);
    tcase_add_test(tc, bootstrap_percentiles_interpolate_like_numpy);
    tcase_add_test(tc, bootstrap_percentiles_match_a_full_sort);
    tcase_add_test(tc, intervals_cover_the_true_mean_about_as_often_as_promised);
    tcase_add_test(tc, rank_by_accuracy_lowest_first_ties_by_index_nan_last);
    tcase_add_test(tc, rank_by_sensitivity_uses_welch_intervals_for_t);
    tcase_add_test(tc, rank_by_sensitivity_uses_newcombe_intervals_by_default);
    tcase_add_test(tc, wilson_intervals_stay_in_0_1_where_t_does_not);
    tcase_add_test(tc, wilson_intervals_at_the_bounds_and_for_identical_seeds);
    tcase_add_test(tc, wilson_intervals_cover_the_population_accuracy);
    tcase_add_test(tc, rank_by_accuracy_breaks_exact_ties_by_index_issue_16);
    tcase_add_test(tc, rank_by_sensitivity_breaks_exact_ties_by_index);
    tcase_add_test(tc, merge_candidates_of_a_mean_matrix_tie_exactly);
    tcase_add_test(tc, rank_by_sensitivity_bootstraps_the_difference_when_asked);
    tcase_add_test(tc, rank_rejects_bad_input);
    tcase_add_test(tc, rank_takes_an_older_smaller_struct_and_refuses_a_newer_one);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
