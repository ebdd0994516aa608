/* Replicate summaries (cs_confusion_average and its accessors) and weakest-class rankings
 * (cs_rank_weakest): means, standard deviations, Student-t, Welch and bootstrap intervals.
 *
 * Values marked "reference" were printed by tests/reference/analysis_reference.py
 * (NumPy/SciPy, run by hand with /usr/bin/python3). */
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

static void assert_close(const double *got, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(got[i] - want[i]) <= tol, "[%zu] is %.17g, expected %.17g", i, got[i],
                      want[i]);
}

START_TEST(average_gives_mean_and_sd_of_counts_and_t_intervals)
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

    double m[3], lo[3], hi[3];
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    assert_close(m, CLASS_MEAN_95, 3, 1e-15);
    assert_close(lo, CLASS_LO_95, 3, TOL);
    assert_close(hi, CLASS_HI_95, 3, TOL);
    cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lo, NULL, 3, s)); /* outputs optional */
    assert_close(lo, CLASS_LO_95, 3, TOL);
    double am, alo, ahi;
    cs_assert_ok(cs_confusion_stats_accuracy(&am, &alo, &ahi, s));
    ck_assert_double_eq_tol(am, ACC_MEAN_LO_HI[0], 1e-15);
    ck_assert_double_eq_tol(alo, ACC_MEAN_LO_HI[1], TOL);
    ck_assert_double_eq_tol(ahi, ACC_MEAN_LO_HI[2], TOL);
    cs_assert_ok(cs_confusion_stats_accuracy(NULL, NULL, NULL, s));
    cs_confusion_stats_destroy(s);

    cs_average_options o = CS_AVERAGE_OPTIONS_INIT;
    o.confidence = 0.80;
    s = average(&reps, &o);
    cs_assert_ok(cs_confusion_stats_class_accuracy(m, lo, hi, 3, s));
    assert_close(lo, CLASS_LO_80, 3, TOL);
    assert_close(hi, CLASS_HI_80, 3, TOL);
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
    for (int boot = 0; boot < 2; boot++) {
        o.interval = boot ? CS_INTERVAL_BOOTSTRAP : CS_INTERVAL_T;
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

START_TEST(identical_replicates_have_a_zero_width_interval)
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
    o.interval = (cs_interval)2;
    cs_assert_fails(cs_confusion_average(&s, cms, 2, &o), CS_ERR_INVALID_ARGUMENT,
                    "interval is 2, expected CS_INTERVAL_T (0) or CS_INTERVAL_BOOTSTRAP (1)");
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
     * under-cover with few replicates, in about 90 %. */
    enum { STUDIES = 300, R = 10 };
    cs__rng rng;
    cs__rng_init(&rng, 2024, 7);
    int covered_t = 0, covered_boot = 0;
    cs_average_options ot = CS_AVERAGE_OPTIONS_INIT, ob = CS_AVERAGE_OPTIONS_INIT;
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
        cs_confusion_stats *st = average(&reps, &ot), *sb = average(&reps, &ob);
        double lo[2], hi[2];
        cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lo, hi, 2, st));
        covered_t += lo[0] <= 0.7 && 0.7 <= hi[0];
        cs_assert_ok(cs_confusion_stats_class_accuracy(NULL, lo, hi, 2, sb));
        covered_boot += lo[0] <= 0.7 && 0.7 <= hi[0];
        cs_confusion_stats_destroy(st);
        cs_confusion_stats_destroy(sb);
        release(&reps);
    }
    double ct = (double)covered_t / STUDIES, cb = (double)covered_boot / STUDIES;
    ck_assert_msg(ct >= 0.90 && ct <= 0.99, "t coverage %.3f", ct);
    ck_assert_msg(cb >= 0.82 && cb <= 0.97, "bootstrap coverage %.3f", cb);
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

START_TEST(rank_by_sensitivity_uses_welch_intervals)
{
    replicates cond = make(&COND[0][0], 5, 3), basereps = make(&BASE[0][0], 4, 3);
    cs_confusion_stats *s = average(&cond, NULL), *base = average(&basereps, NULL);
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
    s = average(&one, NULL);
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
    tcase_add_test(tc, average_gives_mean_and_sd_of_counts_and_t_intervals);
    tcase_add_test(tc, mean_recall_equals_recall_of_the_mean_matrix_on_one_test_set);
    tcase_add_test(tc, one_replicate_has_no_interval);
    tcase_add_test(tc, identical_replicates_have_a_zero_width_interval);
    tcase_add_test(tc, absent_class_has_nan_accuracy);
    tcase_add_test(tc, average_rejects_bad_input);
    tcase_add_test(tc, average_options_are_versioned);
    tcase_add_test(tc, stats_accessors_reject_bad_input);
    tcase_add_test(tc, bootstrap_is_deterministic_for_a_seed);
    tcase_add_test(tc, bootstrap_percentiles_interpolate_like_numpy);
    tcase_add_test(tc, bootstrap_percentiles_match_a_full_sort);
    tcase_add_test(tc, intervals_cover_the_true_mean_about_as_often_as_promised);
    tcase_add_test(tc, rank_by_accuracy_lowest_first_ties_by_index_nan_last);
    tcase_add_test(tc, rank_by_sensitivity_uses_welch_intervals);
    tcase_add_test(tc, rank_by_sensitivity_bootstraps_the_difference_when_asked);
    tcase_add_test(tc, rank_rejects_bad_input);
    tcase_add_test(tc, rank_takes_an_older_smaller_struct_and_refuses_a_newer_one);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
