/* Record-level sensitivity: flip detection (ROC AUC, precision at the flip count, recall at the
 * score's threshold, intervals over replicates), data-map regions and the review-first ranking.
 *
 * Every statistic is checked on synthetic data against a computation written here from the
 * definition, independently of the library: the AUC against an O(n²) count of pairs, precision
 * at k with ties against its average over every order of the tied records, planted flips that
 * a score must find with AUC 1, the t interval against a tabulated quantile, regions on
 * hand-made points and the ranking against a direct per-record computation. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A deterministic uniform in [0, 1) (SplitMix64), for test data. */
static double uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* How suspicious a score is: larger is more suspicious, by the documented direction. */
static double suspicion(cs_record_score kind, double v)
{
    return kind == CS_RECORD_SCORE_VARIABILITY ? v : -v;
}

static cs_flip_detection *detect(const double *score, const uint8_t *flipped,
                                 const int32_t *cls, size_t n, int k, cs_record_score kind)
{
    cs_flip_detection *d = NULL;
    cs_assert_ok(cs_flip_detection_compute(&d, score, flipped, cls, n, k, kind));
    ck_assert_ptr_nonnull(d);
    return d;
}

static double value(const cs_flip_detection *d, int cls, cs_flip_metric m, cs_flip_undefined *why)
{
    double v;
    cs_flip_undefined w;
    cs_assert_ok(cs_flip_detection_value(&v, &w, d, cls, m));
    if (why)
        *why = w;
    return v;
}

/* The AUC by its definition: over every (flipped, clean) pair of the group, 1 when the flipped
 * record is more suspicious, 1/2 on a tie. */
static double brute_auc(const double *score, const uint8_t *flipped, const int32_t *cls,
                        size_t n, int group, cs_record_score kind)
{
    double wins = 0.0, pairs = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!flipped[i] || (group >= 0 && cls[i] != group))
            continue;
        for (size_t j = 0; j < n; j++) {
            if (flipped[j] || (group >= 0 && cls[j] != group))
                continue;
            double a = suspicion(kind, score[i]), b = suspicion(kind, score[j]);
            wins += a > b ? 1.0 : a == b ? 0.5 : 0.0;
            pairs += 1.0;
        }
    }
    return pairs > 0 ? wins / pairs : NAN;
}

/* A score of the kind drawn from a coarse grid, so that many records tie. */
static double grid_score(cs_record_score kind, uint64_t *state)
{
    double u = floor(uniform(state) * 9.0) / 8.0; /* 0, 1/8, ..., 1 */
    return kind == CS_RECORD_SCORE_CONFIDENCE ? u
           : kind == CS_RECORD_SCORE_VARIABILITY ? 0.5 * u
                                                  : 6.0 * u - 3.0;
}

START_TEST(auc_matches_brute_force_pair_count)
{
    enum { N = 300, K = 4 };
    static double score[N];
    static uint8_t flipped[N];
    static int32_t cls[N];
    uint64_t state = 17;
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < N; i++) {
            score[i] = grid_score((cs_record_score)kind, &state);
            flipped[i] = uniform(&state) < 0.3;
            cls[i] = (int32_t)(uniform(&state) * K);
        }
        cs_flip_detection *d = detect(score, flipped, cls, N, K, (cs_record_score)kind);
        for (int g = -1; g < K; g++) {
            double want = brute_auc(score, flipped, cls, N, g, (cs_record_score)kind);
            ck_assert(isfinite(want));
            ck_assert_double_eq_tol(value(d, g, CS_FLIP_METRIC_AUC, NULL), want, 1e-14);
        }
        cs_flip_detection_destroy(d);
    }
}
END_TEST

/* Planted hard records: flipped records get scores at the suspicious end. */
static void planted(double *score, uint8_t *flipped, int32_t *cls, size_t n, int k,
                    cs_record_score kind, double overlap, uint64_t *state)
{
    for (size_t i = 0; i < n; i++) {
        cls[i] = (int32_t)(i % (size_t)k);
        flipped[i] = (i / (size_t)k) % 5 == 0;
        double u = uniform(state);
        /* The flipped records' suspicion lies in [0.6 - overlap, 1], the clean ones' in
         * [0, 0.4 + overlap]. */
        double s = flipped[i] ? 0.6 - overlap + (0.4 + overlap) * u : (0.4 + overlap) * u;
        score[i] = kind == CS_RECORD_SCORE_CONFIDENCE ? 1.0 - s
                   : kind == CS_RECORD_SCORE_VARIABILITY ? 0.5 * s
                                                          : 4.0 * (0.5 - s);
    }
}

START_TEST(planted_flips_are_found)
{
    enum { N = 500, K = 5 };
    static double score[N];
    static uint8_t flipped[N];
    static int32_t cls[N];
    uint64_t state = 3;
    for (int kind = 0; kind < 3; kind++) {
        planted(score, flipped, cls, N, K, (cs_record_score)kind, 0.0, &state);
        cs_flip_detection *d = detect(score, flipped, cls, N, K, (cs_record_score)kind);
        for (int g = -1; g < K; g++) {
            cs_flip_undefined why;
            ck_assert_double_eq(value(d, g, CS_FLIP_METRIC_AUC, &why), 1.0);
            ck_assert_int_eq(why, CS_FLIP_DEFINED);
            ck_assert_double_eq(value(d, g, CS_FLIP_METRIC_PRECISION, NULL), 1.0);
            /* Every planted flip lies past the natural threshold: confidence < 0.5 (s > 0.5),
             * variability >= 0.2 (s >= 0.4), AUM < 0 (s > 0.5). */
            ck_assert_double_eq(value(d, g, CS_FLIP_METRIC_RECALL, NULL), 1.0);
            size_t records, nflip;
            cs_assert_ok(cs_flip_detection_counts(&records, &nflip, d, g));
            ck_assert_uint_eq(records, g < 0 ? N : N / K);
            ck_assert_uint_eq(nflip, g < 0 ? N / 5 : N / K / 5);
        }
        cs_flip_detection_destroy(d);
        /* Overlapping scores: no longer perfect, still near 1, and the AUC still equals the
         * pair count. */
        planted(score, flipped, cls, N, K, (cs_record_score)kind, 0.1, &state);
        d = detect(score, flipped, cls, N, K, (cs_record_score)kind);
        double auc = value(d, CS_FLIP_ALL_CLASSES, CS_FLIP_METRIC_AUC, NULL);
        ck_assert_double_gt(auc, 0.97);
        ck_assert_double_le(auc, 1.0);
        ck_assert_double_eq_tol(auc, brute_auc(score, flipped, cls, N, -1, (cs_record_score)kind),
                                1e-14);
        ck_assert_double_gt(value(d, CS_FLIP_ALL_CLASSES, CS_FLIP_METRIC_PRECISION, NULL), 0.8);
        cs_flip_detection_destroy(d);
    }
}
END_TEST

/* Precision at k = n+ over every order of the n records that is sorted by suspicion (the
 * uniformly random tie-breaking of the documentation): the mean share of flips in the first k. */
static double brute_precision(const double *score, const uint8_t *flipped, size_t n,
                              cs_record_score kind)
{
    size_t perm[8] = { 0 }, k = 0;
    for (size_t i = 0; i < n; i++) {
        perm[i] = i;
        k += flipped[i];
    }
    double sum = 0.0, orders = 0.0;
    /* Heap's algorithm, iterative. */
    size_t c[8] = { 0 };
    for (size_t i = 0;;) {
        int sorted = 1;
        for (size_t j = 1; j < n && sorted; j++)
            sorted = suspicion(kind, score[perm[j - 1]]) >= suspicion(kind, score[perm[j]]);
        if (sorted) {
            size_t hits = 0;
            for (size_t j = 0; j < k; j++)
                hits += flipped[perm[j]];
            sum += (double)hits / (double)k;
            orders += 1.0;
        }
        while (i < n && c[i] >= i) {
            c[i] = 0;
            i++;
        }
        if (i >= n)
            break;
        size_t a = i % 2 == 0 ? 0 : c[i], t = perm[a];
        perm[a] = perm[i];
        perm[i] = t;
        c[i]++;
        i = 1;
    }
    return sum / orders;
}

START_TEST(precision_with_ties_is_the_expectation_over_orders)
{
    uint64_t state = 99;
    double score[7];
    uint8_t flipped[7];
    int32_t cls[7] = { 0 };
    for (int trial = 0; trial < 60; trial++) {
        size_t n = 3 + (size_t)trial % 5;
        cs_record_score kind = (cs_record_score)(trial % 3);
        size_t nflip = 0;
        for (size_t i = 0; i < n; i++) {
            double scale = kind == CS_RECORD_SCORE_VARIABILITY ? 0.5 : 1.0;
            score[i] = floor(uniform(&state) * 3.0) / 4.0 * scale;
            flipped[i] = uniform(&state) < 0.4;
            nflip += flipped[i];
        }
        if (nflip == 0)
            flipped[n - 1] = 1;
        cs_flip_detection *d = detect(score, flipped, cls, n, 2, kind);
        double want = brute_precision(score, flipped, n, kind);
        ck_assert_double_eq_tol(value(d, 0, CS_FLIP_METRIC_PRECISION, NULL), want, 1e-12);
        ck_assert_double_eq_tol(value(d, CS_FLIP_ALL_CLASSES, CS_FLIP_METRIC_PRECISION, NULL),
                                want, 1e-12);
        cs_flip_detection_destroy(d);
    }
    /* One tie of all four records, two flipped: half the cut is expected to hold flips. */
    const double same[4] = { 0.5, 0.5, 0.5, 0.5 };
    const uint8_t two[4] = { 1, 0, 0, 1 };
    cs_flip_detection *d = detect(same, two, cls, 4, 2, CS_RECORD_SCORE_AUM);
    ck_assert_double_eq(value(d, 0, CS_FLIP_METRIC_PRECISION, NULL), 0.5);
    ck_assert_double_eq(value(d, 0, CS_FLIP_METRIC_AUC, NULL), 0.5);
    cs_flip_detection_destroy(d);
}
END_TEST

START_TEST(recall_counts_the_natural_threshold)
{
    const int32_t cls[6] = { 0 };
    const uint8_t flipped[6] = { 1, 1, 1, 1, 1, 0 };
    /* AUM < 0: -0.1 and -5 are found, 0 and 0.2 are not. */
    const double aum[6] = { -0.1, 0.0, 0.2, -5.0, -0.0, 1.0 };
    cs_flip_detection *d = detect(aum, flipped, cls, 6, 2, CS_RECORD_SCORE_AUM);
    ck_assert_double_eq(value(d, 0, CS_FLIP_METRIC_RECALL, NULL), 2.0 / 5.0);
    cs_flip_detection_destroy(d);
    /* Confidence < 0.5: 0.5 itself is not found. */
    const double conf[6] = { 0.5, 0.49, 0.0, 0.9, 1.0, 0.2 };
    d = detect(conf, flipped, cls, 6, 2, CS_RECORD_SCORE_CONFIDENCE);
    ck_assert_double_eq(value(d, 0, CS_FLIP_METRIC_RECALL, NULL), 2.0 / 5.0);
    cs_flip_detection_destroy(d);
    /* Variability >= 0.2: 0.2 itself is found. */
    const double var[6] = { 0.2, 0.19, 0.5, 0.0, 0.3, 0.4 };
    d = detect(var, flipped, cls, 6, 2, CS_RECORD_SCORE_VARIABILITY);
    ck_assert_double_eq(value(d, 0, CS_FLIP_METRIC_RECALL, NULL), 3.0 / 5.0);
    /* High variability is the suspicious end: the clean 0.4 beats flips 0.2, 0.19, 0.0, 0.3. */
    ck_assert_double_eq(value(d, 0, CS_FLIP_METRIC_AUC, NULL), 1.0 / 5.0);
    cs_flip_detection_destroy(d);
}
END_TEST

START_TEST(undefined_cases_are_nan_with_a_reason)
{
    /* Class 0: clean only; class 1: flipped only; class 2: mixed; class 3: no records. */
    const double aum[6] = { 1.0, 2.0, -1.0, -2.0, -3.0, 3.0 };
    const uint8_t flipped[6] = { 0, 0, 1, 1, 1, 0 };
    const int32_t cls[6] = { 0, 0, 1, 1, 2, 2 };
    cs_flip_detection *d = detect(aum, flipped, cls, 6, 4, CS_RECORD_SCORE_AUM);
    ck_assert_int_eq(cs_flip_detection_classes(d), 4);
    cs_flip_undefined why;
    for (int m = 0; m < 3; m++) {
        ck_assert(isnan(value(d, 0, (cs_flip_metric)m, &why)));
        ck_assert_int_eq(why, CS_FLIP_NO_FLIPPED);
        ck_assert(isnan(value(d, 3, (cs_flip_metric)m, &why)));
        ck_assert_int_eq(why, CS_FLIP_NO_FLIPPED);
        ck_assert_double_eq(value(d, 2, (cs_flip_metric)m, &why), 1.0);
        ck_assert_int_eq(why, CS_FLIP_DEFINED);
    }
    ck_assert(isnan(value(d, 1, CS_FLIP_METRIC_AUC, &why)));
    ck_assert_int_eq(why, CS_FLIP_NO_CLEAN);
    ck_assert_double_eq(value(d, 1, CS_FLIP_METRIC_PRECISION, NULL), 1.0);
    ck_assert_double_eq(value(d, 1, CS_FLIP_METRIC_RECALL, NULL), 1.0);
    /* More classes than records. */
    cs_flip_detection *wide = detect(aum, flipped, cls, 3, 40, CS_RECORD_SCORE_AUM);
    ck_assert_double_eq(value(wide, 1, CS_FLIP_METRIC_RECALL, &why), 1.0);
    ck_assert(isnan(value(wide, 39, CS_FLIP_METRIC_AUC, &why)));
    ck_assert_int_eq(why, CS_FLIP_NO_FLIPPED);
    cs_flip_detection_destroy(wide);
    size_t records = 9, nflip = 9;
    cs_assert_ok(cs_flip_detection_counts(&records, &nflip, d, 3));
    ck_assert_uint_eq(records, 0);
    ck_assert_uint_eq(nflip, 0);
    cs_flip_detection_destroy(d);
}
END_TEST

START_TEST(replicates_give_mean_and_student_t_interval)
{
    /* Four replicates whose class-0 AUCs are 1/2, 3/4, 1 and 1 (two flips against two clean
     * records: 4 pairs), a fifth with no flip in class 0 that is left out. */
    const double aum[5][4] = { { 0, 1, 0, 1 }, { -1, 0.5, 0, 1 }, { -1, -1, 0, 1 },
                               { -2, -1, 0, 0 }, { 0, 0, 0, 0 } };
    const uint8_t flip[5][4] = { { 1, 1, 0, 0 }, { 1, 1, 0, 0 }, { 1, 1, 0, 0 }, { 1, 1, 0, 0 },
                                 { 0, 0, 0, 0 } };
    const int32_t cls[4] = { 0, 0, 0, 0 };
    cs_flip_detection *reps[5];
    for (int i = 0; i < 5; i++)
        reps[i] = detect(aum[i], flip[i], cls, 4, 2, CS_RECORD_SCORE_AUM);
    ck_assert_double_eq(value(reps[0], 0, CS_FLIP_METRIC_AUC, NULL), 0.5);
    ck_assert_double_eq(value(reps[1], 0, CS_FLIP_METRIC_AUC, NULL), 0.75);
    double mean, lo, hi;
    size_t used;
    cs_assert_ok(cs_flip_detection_summarize(&mean, &lo, &hi, &used,
                                             (const cs_flip_detection *const *)reps, 5, 0,
                                             CS_FLIP_METRIC_AUC, 0.95));
    ck_assert_uint_eq(used, 4);
    ck_assert_double_eq_tol(mean, 0.8125, 1e-15);
    /* s = sqrt(((-.3125)^2 + (-.0625)^2 + 2 (.1875)^2) / 3), t(0.975, 3) = 3.182446305284263 */
    const double s = sqrt((0.3125 * 0.3125 + 0.0625 * 0.0625 + 2 * 0.1875 * 0.1875) / 3.0);
    const double half = 3.182446305284263 * s / 2.0;
    ck_assert_double_eq_tol(lo, 0.8125 - half, 1e-12);
    ck_assert_double_eq(hi, 1.0); /* 0.8125 + half > 1: clipped */
    /* One usable replicate: a mean without bounds; none: NaN. */
    cs_assert_ok(cs_flip_detection_summarize(&mean, &lo, &hi, &used,
                                             (const cs_flip_detection *const *)reps + 3, 2, 0,
                                             CS_FLIP_METRIC_AUC, 0.95));
    ck_assert_uint_eq(used, 1);
    ck_assert_double_eq(mean, 1.0);
    ck_assert(isnan(lo) && isnan(hi));
    cs_assert_ok(cs_flip_detection_summarize(&mean, &lo, &hi, &used,
                                             (const cs_flip_detection *const *)reps + 4, 1, 0,
                                             CS_FLIP_METRIC_AUC, 0.95));
    ck_assert_uint_eq(used, 0);
    ck_assert(isnan(mean) && isnan(lo) && isnan(hi));
    for (int i = 0; i < 5; i++)
        cs_flip_detection_destroy(reps[i]);
}
END_TEST

START_TEST(results_do_not_depend_on_record_order_and_repeat_exactly)
{
    enum { N = 200, K = 3 };
    static double score[N], score2[N];
    static uint8_t flipped[N], flipped2[N];
    static int32_t cls[N], cls2[N];
    uint64_t state = 5;
    for (size_t i = 0; i < N; i++) {
        score[i] = grid_score(CS_RECORD_SCORE_AUM, &state);
        flipped[i] = uniform(&state) < 0.25;
        cls[i] = (int32_t)(uniform(&state) * K);
    }
    for (size_t i = 0; i < N; i++) { /* a fixed permutation: i -> 77 i mod N (gcd 1) */
        size_t j = (77 * i) % N;
        score2[j] = score[i];
        flipped2[j] = flipped[i];
        cls2[j] = cls[i];
    }
    cs_flip_detection *a = detect(score, flipped, cls, N, K, CS_RECORD_SCORE_AUM);
    cs_flip_detection *b = detect(score, flipped, cls, N, K, CS_RECORD_SCORE_AUM);
    cs_flip_detection *c = detect(score2, flipped2, cls2, N, K, CS_RECORD_SCORE_AUM);
    for (int g = -1; g < K; g++)
        for (int m = 0; m < 3; m++) {
            double va = value(a, g, (cs_flip_metric)m, NULL);
            double vb = value(b, g, (cs_flip_metric)m, NULL);
            double vc = value(c, g, (cs_flip_metric)m, NULL);
            ck_assert(memcmp(&va, &vb, sizeof va) == 0);
            ck_assert_double_eq_tol(va, vc, 1e-15);
        }
    cs_flip_detection_destroy(a);
    cs_flip_detection_destroy(b);
    cs_flip_detection_destroy(c);
}
END_TEST

START_TEST(flip_detection_rejects_bad_input)
{
    const double score[3] = { 0.1, 0.2, 0.3 }, nan3[3] = { 0.1, NAN, 0.3 };
    const double wide[3] = { 0.1, 0.6, 0.3 };
    const uint8_t flipped[3] = { 1, 0, 0 }, two[3] = { 0, 2, 0 };
    const int32_t cls[3] = { 0, 1, 1 }, big[3] = { 0, 1, 2 }, neg[3] = { -1, 0, 0 };
    cs_flip_detection *d = (cs_flip_detection *)&d;
    const cs_record_score aum = CS_RECORD_SCORE_AUM;
    cs_assert_fails(cs_flip_detection_compute(NULL, score, flipped, cls, 3, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_flip_detection_compute(&d, NULL, flipped, cls, 3, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "score is NULL");
    ck_assert_ptr_null(d);
    cs_assert_fails(cs_flip_detection_compute(&d, score, NULL, cls, 3, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "flipped is NULL");
    cs_assert_fails(cs_flip_detection_compute(&d, score, flipped, NULL, 3, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "cls is NULL");
    cs_assert_fails(cs_flip_detection_compute(&d, score, flipped, cls, 0, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_flip_detection_compute(&d, score, flipped, cls, 3, 1, aum),
                    CS_ERR_INVALID_ARGUMENT, "k is 1");
    cs_assert_fails(cs_flip_detection_compute(&d, score, flipped, cls, 3, 2, (cs_record_score)7),
                    CS_ERR_INVALID_ARGUMENT, "kind is 7");
    cs_assert_fails(cs_flip_detection_compute(&d, nan3, flipped, cls, 3, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "score[1] is nan");
    cs_assert_fails(cs_flip_detection_compute(&d, wide, flipped, cls, 3, 2,
                                              CS_RECORD_SCORE_VARIABILITY),
                    CS_ERR_INVALID_ARGUMENT, "score[1] is 0.6, a variability must lie in [0, 0.5]");
    cs_assert_fails(cs_flip_detection_compute(&d, score, two, cls, 3, 2, aum),
                    CS_ERR_INVALID_ARGUMENT, "flipped[1] is 2");
    cs_assert_fails(cs_flip_detection_compute(&d, score, flipped, big, 3, 2, aum),
                    CS_ERR_OUT_OF_RANGE, "cls[2] is 2, expected a class 0..1");
    cs_assert_fails(cs_flip_detection_compute(&d, score, flipped, neg, 3, 2, aum),
                    CS_ERR_OUT_OF_RANGE, "cls[0] is -1");
    ck_assert_ptr_null(d);

    d = detect(score, flipped, cls, 3, 2, aum);
    double v = 42.0;
    cs_assert_fails(cs_flip_detection_value(&v, NULL, NULL, 0, CS_FLIP_METRIC_AUC),
                    CS_ERR_INVALID_ARGUMENT, "d is NULL");
    cs_assert_fails(cs_flip_detection_value(&v, NULL, d, 2, CS_FLIP_METRIC_AUC),
                    CS_ERR_OUT_OF_RANGE, "cls is 2");
    cs_assert_fails(cs_flip_detection_value(&v, NULL, d, -2, CS_FLIP_METRIC_AUC),
                    CS_ERR_OUT_OF_RANGE, "cls is -2");
    cs_assert_fails(cs_flip_detection_value(&v, NULL, d, 0, (cs_flip_metric)3),
                    CS_ERR_INVALID_ARGUMENT, "metric is 3");
    ck_assert_double_eq(v, 42.0);
    cs_assert_fails(cs_flip_detection_counts(NULL, NULL, NULL, 0), CS_ERR_INVALID_ARGUMENT,
                    "d is NULL");
    cs_assert_fails(cs_flip_detection_counts(NULL, NULL, d, 5), CS_ERR_OUT_OF_RANGE, "cls is 5");
    ck_assert_int_eq(cs_flip_detection_classes(NULL), CS_ERR_INVALID_ARGUMENT);

    const int32_t cls3[3] = { 0, 1, 2 };
    cs_flip_detection *k3 = detect(score, flipped, cls3, 3, 3, aum);
    cs_flip_detection *conf = detect(score, flipped, cls, 3, 2, CS_RECORD_SCORE_CONFIDENCE);
    const cs_flip_detection *mixed_k[2] = { d, k3 }, *mixed_kind[2] = { d, conf },
                            *with_null[2] = { d, NULL };
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, NULL, 1, 0,
                                                CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "reps is NULL");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, mixed_k, 0, 0,
                                                CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "r is 0");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, with_null, 2, 0,
                                                CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "reps[1] is NULL");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, mixed_k, 2, 0,
                                                CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_SIZE_MISMATCH, "reps[1] has 3 classes");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, mixed_kind, 2, 0,
                                                CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_SIZE_MISMATCH, "reps[1] scores kind 0");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, mixed_k, 1, 0,
                                                CS_FLIP_METRIC_AUC, 1.0),
                    CS_ERR_INVALID_ARGUMENT, "confidence is 1");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, mixed_k, 1, 0,
                                                (cs_flip_metric)-1, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "metric is -1");
    cs_assert_fails(cs_flip_detection_summarize(&v, NULL, NULL, NULL, mixed_k, 1, 2,
                                                CS_FLIP_METRIC_AUC, 0.95),
                    CS_ERR_OUT_OF_RANGE, "cls is 2");
    ck_assert_double_eq(v, 42.0);
    cs_flip_detection_destroy(d);
    cs_flip_detection_destroy(k3);
    cs_flip_detection_destroy(conf);
    cs_flip_detection_destroy(NULL);
}
END_TEST

START_TEST(data_map_regions_follow_the_thresholds)
{
    /* (confidence, variability) -> region, class */
    const double conf[8] = { 0.9, 0.3, 0.5, 0.49, 0.6, 0.1, 0.99, 0.0 };
    const double var[8] = { 0.05, 0.1, 0.19, 0.0, 0.2, 0.25, 0.5, 0.0 };
    const uint8_t want[8] = { CS_DATA_REGION_EASY, CS_DATA_REGION_HARD, CS_DATA_REGION_EASY,
                              CS_DATA_REGION_HARD, CS_DATA_REGION_AMBIGUOUS,
                              CS_DATA_REGION_AMBIGUOUS, CS_DATA_REGION_AMBIGUOUS,
                              CS_DATA_REGION_HARD };
    const int32_t cls[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
    uint8_t region[8];
    double shares[3 * 3];
    cs_assert_ok(cs_data_map_regions(region, shares, conf, var, cls, 8, 3));
    ck_assert(memcmp(region, want, sizeof want) == 0);
    const double expect[9] = { 0.5, 0.0, 0.5, 0.0, 0.75, 0.25 };
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq(shares[i], expect[i]);
    for (int i = 6; i < 9; i++)
        ck_assert(isnan(shares[i])); /* class 2 has no records */
    /* Regions alone need no classes. */
    memset(region, 9, sizeof region);
    cs_assert_ok(cs_data_map_regions(region, NULL, conf, var, NULL, 8, 3));
    ck_assert(memcmp(region, want, sizeof want) == 0);
}
END_TEST

START_TEST(data_map_rejects_bad_input)
{
    const double conf[2] = { 0.5, 0.5 }, var[2] = { 0.1, 0.1 }, bad_conf[2] = { 0.5, 1.5 };
    const double bad_var[2] = { NAN, 0.1 };
    const int32_t cls[2] = { 0, 1 }, big[2] = { 0, 2 };
    uint8_t region[2] = { 7, 7 };
    double shares[6];
    cs_assert_fails(cs_data_map_regions(NULL, NULL, conf, var, cls, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "region and shares are both NULL");
    cs_assert_fails(cs_data_map_regions(region, shares, NULL, var, cls, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "confidence is NULL");
    cs_assert_fails(cs_data_map_regions(region, shares, conf, NULL, cls, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "variability is NULL");
    cs_assert_fails(cs_data_map_regions(region, shares, conf, var, NULL, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "cls is NULL");
    cs_assert_fails(cs_data_map_regions(region, shares, conf, var, cls, 0, 2),
                    CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_data_map_regions(region, shares, conf, var, cls, 2, 1),
                    CS_ERR_INVALID_ARGUMENT, "k is 1");
    cs_assert_fails(cs_data_map_regions(region, shares, bad_conf, var, cls, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "confidence[1] is 1.5");
    cs_assert_fails(cs_data_map_regions(region, shares, conf, bad_var, cls, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "variability[0] is nan");
    cs_assert_fails(cs_data_map_regions(region, shares, conf, var, big, 2, 2),
                    CS_ERR_OUT_OF_RANGE, "cls[1] is 2");
    ck_assert_uint_eq(region[0], 7);
}
END_TEST

START_TEST(data_map_shift_is_the_difference_with_welch_interval)
{
    /* k = 2: class 0 easy share {0.5, 0.6, 0.7} under the condition, {0.8, 0.9, 1.0} at the
     * baseline: equal variances 0.01 and sizes, so Welch's degrees of freedom are 4. */
    double cond[3 * 6], base[3 * 6];
    for (int j = 0; j < 3; j++) {
        const double c0 = 0.5 + 0.1 * j, b0 = 0.8 + 0.1 * j;
        const double crow[6] = { c0, 0.0, 1.0 - c0, 0.25, 0.25, 0.5 };
        const double brow[6] = { b0, 0.0, 1.0 - b0, 0.25, j == 1 ? NAN : 0.5, 0.5 };
        memcpy(cond + 6 * j, crow, sizeof crow);
        memcpy(base + 6 * j, brow, sizeof brow);
    }
    double shift[6], lo[6], hi[6];
    cs_assert_ok(cs_data_map_shift(shift, lo, hi, cond, 3, base, 3, 2, 0.95));
    const double half = 2.7764451051977987 * sqrt(2.0 * 0.01 / 3.0); /* t(0.975, 4) */
    ck_assert_double_eq_tol(shift[0], -0.3, 1e-15);
    ck_assert_double_eq_tol(lo[0], -0.3 - half, 1e-12);
    ck_assert_double_eq_tol(hi[0], -0.3 + half, 1e-12);
    ck_assert_double_eq_tol(shift[2], 0.3, 1e-15);
    ck_assert_double_eq(shift[1], 0.0); /* no spread: known exactly */
    ck_assert_double_eq(lo[1], 0.0);
    ck_assert_double_eq(hi[1], 0.0);
    /* Class 1's ambiguous share is NaN in one baseline seed: the other two give 0.5, so the
     * shift is 0.25 - 0.5 with the exact interval (no spread on either side). */
    ck_assert_double_eq(shift[4], -0.25);
    ck_assert_double_eq(lo[4], -0.25);
    ck_assert_double_eq(hi[4], -0.25);
    /* One baseline seed: a shift without bounds; a class absent there: NaN. */
    base[0] = NAN;
    cs_assert_ok(cs_data_map_shift(shift, lo, hi, cond, 3, base, 1, 2, 0.95));
    ck_assert(isnan(shift[0]) && isnan(lo[0]) && isnan(hi[0]));
    ck_assert_double_eq_tol(shift[2], 0.4 - 0.2, 1e-15); /* mean(0.5, 0.4, 0.3) - 0.2 */
    ck_assert(isnan(lo[2]) && isnan(hi[2]));
    /* Bounds stay within [-1, 1]. */
    const double wide_c[2 * 6] = { 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1 };
    const double wide_b[2 * 6] = { 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1 };
    cs_assert_ok(cs_data_map_shift(shift, lo, hi, wide_c, 2, wide_b, 2, 2, 0.95));
    ck_assert_double_eq(lo[0], -1.0);
    ck_assert_double_eq(hi[0], 1.0);

    const double bad[6] = { 0.5, 1.5, 0, 0, 0, 1 };
    double keep = 42.0;
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, NULL, 1, base, 1, 2, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "cond is NULL");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, 1, NULL, 1, 2, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "base is NULL");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, 0, base, 1, 2, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "r_cond is 0");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, 1, base, 0, 2, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "r_base is 0");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, 1, base, 1, 1, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "k is 1");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, 1, base, 1, 2, 0.0),
                    CS_ERR_INVALID_ARGUMENT, "confidence is 0");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, 1, bad, 1, 2, 0.95),
                    CS_ERR_INVALID_ARGUMENT, "base share of replicate 0, class 0, region 1 is 1.5");
    cs_assert_fails(cs_data_map_shift(&keep, NULL, NULL, cond, SIZE_MAX / 4, base, 1, 2, 0.95),
                    CS_ERR_OVERFLOW, "overflow");
    ck_assert_double_eq(keep, 42.0);
}
END_TEST

/* The review ranking computed here record by record. */
typedef struct direct_record {
    double mean, lo, hi, neg;
    size_t cells;
    int instead;
} direct_record;

static void direct(direct_record *r, const double *aum, const int32_t *other,
                   const uint8_t *present, size_t cells, size_t n, int k, size_t i)
{
    int votes[16] = { 0 };
    double sum = 0.0;
    memset(r, 0, sizeof *r);
    r->lo = INFINITY;
    r->hi = -INFINITY;
    for (size_t c = 0; c < cells; c++) {
        if (present && !present[c * n + i])
            continue;
        double v = aum[c * n + i];
        sum += v;
        r->lo = v < r->lo ? v : r->lo;
        r->hi = v > r->hi ? v : r->hi;
        r->neg += v < 0.0;
        votes[other[c * n + i]]++;
        r->cells++;
    }
    r->mean = r->cells ? sum / (double)r->cells : NAN;
    r->neg = r->cells ? r->neg / (double)r->cells : NAN;
    int best = 0;
    for (int t = k - 1; t >= 0; t--)
        if (votes[t] >= votes[best])
            best = t;
    r->instead = best;
}

START_TEST(review_ranking_matches_direct_computation)
{
    enum { CELLS = 6, N = 60, K = 4 };
    static double aum[CELLS * N];
    static int32_t other[CELLS * N], label[N];
    static uint8_t present[CELLS * N];
    static direct_record want[N];
    uint64_t state = 11;
    for (size_t i = 0; i < N; i++)
        label[i] = (int32_t)(uniform(&state) * K);
    for (size_t j = 0; j < CELLS * N; j++) {
        aum[j] = floor(uniform(&state) * 5.0) - 2.0; /* many ties */
        other[j] = (int32_t)(uniform(&state) * K);
        present[j] = (j % N) % 10 == 3 ? 0 : uniform(&state) < 0.8;
    }
    cs_review *rv = NULL;
    cs_assert_ok(cs_review_rank(&rv, aum, other, present, label, CELLS, N, K));
    size_t held = 0;
    for (size_t i = 0; i < N; i++) {
        direct(&want[i], aum, other, present, CELLS, N, K, i);
        held += want[i].cells > 0;
    }
    ck_assert_uint_eq(cs_review_count(rv), held);
    ck_assert_uint_lt(held, N); /* every tenth record is in no cell */
    size_t prev_index = 0;
    double prev_mean = -INFINITY;
    for (size_t j = 0; j < held; j++) {
        cs_review_record e;
        cs_assert_ok(cs_review_entry(&e, sizeof e, rv, j));
        const direct_record *w = &want[e.index];
        ck_assert_uint_gt(w->cells, 0);
        ck_assert_uint_eq(e.cells, w->cells);
        ck_assert_int_eq(e.label, label[e.index]);
        ck_assert_double_eq_tol(e.mean_aum, w->mean, 1e-15);
        ck_assert_double_eq(e.min_aum, w->lo);
        ck_assert_double_eq(e.max_aum, w->hi);
        ck_assert_double_eq(e.negative_share, w->neg);
        ck_assert_int_eq(e.instead, w->instead);
        /* Lowest mean first, ties by index. */
        ck_assert(e.mean_aum > prev_mean || (e.mean_aum == prev_mean && e.index > prev_index) ||
                  j == 0);
        prev_mean = e.mean_aum;
        prev_index = e.index;
    }
    for (int c = 0; c < K; c++) {
        size_t ranks[N], found, expect = 0;
        cs_assert_ok(cs_review_class_top(ranks, &found, rv, c, 5));
        for (size_t j = 0; j < held && expect < 5; j++) {
            cs_review_record e;
            cs_assert_ok(cs_review_entry(&e, sizeof e, rv, j));
            if (e.label == c)
                ck_assert_uint_eq(ranks[expect++], j);
        }
        ck_assert_uint_eq(found, expect);
    }
    cs_review_destroy(rv);
    /* Without a mask every record is ranked; the same input gives the same ranking. */
    cs_review *a = NULL, *b = NULL;
    cs_assert_ok(cs_review_rank(&a, aum, other, NULL, label, CELLS, N, K));
    cs_assert_ok(cs_review_rank(&b, aum, other, NULL, label, CELLS, N, K));
    ck_assert_uint_eq(cs_review_count(a), N);
    for (size_t j = 0; j < N; j++) {
        cs_review_record x, y;
        cs_assert_ok(cs_review_entry(&x, sizeof x, a, j));
        cs_assert_ok(cs_review_entry(&y, sizeof y, b, j));
        ck_assert(memcmp(&x, &y, sizeof x) == 0);
    }
    cs_review_destroy(a);
    cs_review_destroy(b);
}
END_TEST

START_TEST(review_instead_ties_go_to_the_smaller_class)
{
    /* Record 0: others 2, 1, 2, 1 -> tie, class 1; record 1: others 3, 3, 0, 0 -> class 0. */
    const double aum[8] = { -1, 1, -2, 1, 1, 1, 0.5, 1 };
    const int32_t other[8] = { 2, 3, 1, 3, 2, 0, 1, 0 }, label[2] = { 0, 2 };
    cs_review *rv = NULL;
    cs_assert_ok(cs_review_rank(&rv, aum, other, NULL, label, 4, 2, 4));
    cs_review_record e;
    cs_assert_ok(cs_review_entry(&e, sizeof e, rv, 0));
    ck_assert_uint_eq(e.index, 0);
    ck_assert_int_eq(e.instead, 1);
    ck_assert_double_eq(e.mean_aum, -0.375);
    ck_assert_double_eq(e.negative_share, 0.5);
    cs_assert_ok(cs_review_entry(&e, sizeof e, rv, 1));
    ck_assert_uint_eq(e.index, 1);
    ck_assert_int_eq(e.instead, 0);
    /* An older caller's smaller struct gets the members that fit. */
    cs_review_record part;
    memset(&part, 0xab, sizeof part);
    cs_assert_ok(cs_review_entry(&part, offsetof(cs_review_record, mean_aum), rv, 1));
    ck_assert_uint_eq(part.index, 1);
    ck_assert_int_eq(part.instead, 0);
    double untouched;
    memset(&untouched, 0xab, sizeof untouched);
    ck_assert(memcmp(&part.mean_aum, &untouched, sizeof untouched) == 0);
    cs_review_destroy(rv);
}
END_TEST

START_TEST(review_rejects_bad_input)
{
    const double aum[4] = { 0, 1, 2, 3 }, nan4[4] = { 0, 1, NAN, 3 };
    const int32_t other[4] = { 1, 0, 1, 0 }, bad_other[4] = { 1, 0, 5, 0 };
    const int32_t label[2] = { 0, 1 }, bad_label[2] = { 0, -1 };
    const uint8_t mask[4] = { 1, 1, 0, 1 }, bad_mask[4] = { 1, 3, 1, 1 };
    cs_review *rv = (cs_review *)&rv;
    cs_assert_fails(cs_review_rank(NULL, aum, other, NULL, label, 2, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_review_rank(&rv, NULL, other, NULL, label, 2, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "aum is NULL");
    ck_assert_ptr_null(rv);
    cs_assert_fails(cs_review_rank(&rv, aum, NULL, NULL, label, 2, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "other is NULL");
    cs_assert_fails(cs_review_rank(&rv, aum, other, NULL, NULL, 2, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "label is NULL");
    cs_assert_fails(cs_review_rank(&rv, aum, other, NULL, label, 0, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "cells is 0");
    cs_assert_fails(cs_review_rank(&rv, aum, other, NULL, label, 2, 0, 2),
                    CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_review_rank(&rv, aum, other, NULL, label, 2, 2, 1),
                    CS_ERR_INVALID_ARGUMENT, "k is 1");
    cs_assert_fails(cs_review_rank(&rv, aum, other, NULL, label, SIZE_MAX / 2, 4, 2),
                    CS_ERR_OVERFLOW, "overflow");
    cs_assert_fails(cs_review_rank(&rv, nan4, other, NULL, label, 2, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "aum of cell 1, record 0 is nan");
    cs_assert_fails(cs_review_rank(&rv, aum, bad_other, NULL, label, 2, 2, 2),
                    CS_ERR_OUT_OF_RANGE, "other of cell 1, record 0 is 5");
    cs_assert_fails(cs_review_rank(&rv, aum, other, NULL, bad_label, 2, 2, 2),
                    CS_ERR_OUT_OF_RANGE, "label[1] is -1");
    cs_assert_fails(cs_review_rank(&rv, aum, other, bad_mask, label, 2, 2, 2),
                    CS_ERR_INVALID_ARGUMENT, "present of cell 0, record 1 is 3");
    /* An absent record's values are not read. */
    cs_assert_ok(cs_review_rank(&rv, nan4, bad_other, mask, label, 2, 2, 2));
    ck_assert_uint_eq(cs_review_count(rv), 2);
    ck_assert_uint_eq(cs_review_count(NULL), 0);
    cs_review_record e;
    size_t ranks[2], found;
    cs_assert_fails(cs_review_entry(NULL, sizeof e, rv, 0), CS_ERR_INVALID_ARGUMENT,
                    "out is NULL");
    cs_assert_fails(cs_review_entry(&e, sizeof e, NULL, 0), CS_ERR_INVALID_ARGUMENT, "rv is NULL");
    cs_assert_fails(cs_review_entry(&e, sizeof e, rv, 2), CS_ERR_OUT_OF_RANGE, "rank is 2");
    cs_assert_fails(cs_review_entry(&e, 2, rv, 0), CS_ERR_INVALID_ARGUMENT, "cs_review_record");
    cs_assert_fails(cs_review_entry(&e, sizeof e + 8, rv, 0), CS_ERR_UNSUPPORTED,
                    "cs_review_record");
    cs_assert_fails(cs_review_class_top(ranks, NULL, rv, 0, 2), CS_ERR_INVALID_ARGUMENT,
                    "found is NULL");
    cs_assert_fails(cs_review_class_top(NULL, &found, rv, 0, 2), CS_ERR_INVALID_ARGUMENT,
                    "ranks is NULL");
    cs_assert_fails(cs_review_class_top(ranks, &found, NULL, 0, 2), CS_ERR_INVALID_ARGUMENT,
                    "rv is NULL");
    cs_assert_fails(cs_review_class_top(ranks, &found, rv, 2, 2), CS_ERR_OUT_OF_RANGE,
                    "cls is 2");
    cs_review_destroy(rv);
    cs_review_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("records");
    TCase *tc = tcase_create("records");
    tcase_add_test(tc, auc_matches_brute_force_pair_count);
    tcase_add_test(tc, planted_flips_are_found);
    tcase_add_test(tc, precision_with_ties_is_the_expectation_over_orders);
    tcase_add_test(tc, recall_counts_the_natural_threshold);
    tcase_add_test(tc, undefined_cases_are_nan_with_a_reason);
    tcase_add_test(tc, replicates_give_mean_and_student_t_interval);
    tcase_add_test(tc, results_do_not_depend_on_record_order_and_repeat_exactly);
    tcase_add_test(tc, flip_detection_rejects_bad_input);
    tcase_add_test(tc, data_map_regions_follow_the_thresholds);
    tcase_add_test(tc, data_map_rejects_bad_input);
    tcase_add_test(tc, data_map_shift_is_the_difference_with_welch_interval);
    tcase_add_test(tc, review_ranking_matches_direct_computation);
    tcase_add_test(tc, review_instead_ties_go_to_the_smaller_class);
    tcase_add_test(tc, review_rejects_bad_input);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
