/* Cross-model agreement: Kendall's W and its p-value, pairwise Spearman rho, Kendall tau-b and
 * top-k Jaccard overlap.
 *
 * The reference numbers of the known examples were printed by
 * tests/reference/stats_reference.py (SciPy 1.10.1, NumPy 1.24.2): W from an independent
 * textbook implementation on scipy.stats.rankdata ranks, cross-checked against
 * scipy.stats.friedmanchisquare (whose tie-corrected statistic equals m (k - 1) W); p from
 * scipy.stats.chi2.sf; rho from scipy.stats.spearmanr; tau-b from scipy.stats.kendalltau; top-k
 * sets by sorting on (-score, class index). Larger inputs are checked against direct O(k^2)
 * computations written here. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_M 8

/* A known example and the script's numbers for it. */
typedef struct example {
    const char *name;
    int m, k, top_k;
    const double *scores; /* (m, k) */
    double w, p;
    const double *spearman, *kendall, *jaccard; /* (m, m) */
} example;

static const double no_ties_scores[] = {
    0.12, 0.45, 0.08, 0.30, 0.22, 0.51,
    0.10, 0.40, 0.15, 0.35, 0.05, 0.60,
    0.20, 0.38, 0.02, 0.25, 0.41, 0.44,
};
static const double no_ties_spearman[] = {
    1.0, 0.7714285714285715, 0.8285714285714287, 0.7714285714285715, 1.0, 0.3714285714285715,
    0.8285714285714287, 0.3714285714285715, 1.0,
};
static const double no_ties_kendall[] = {
    1.0, 0.6, 0.7333333333333333, 0.6, 1.0, 0.3333333333333333, 0.7333333333333333,
    0.3333333333333333, 1.0,
};
static const double no_ties_jaccard[] = {
    1.0, 1.0, 0.3333333333333333, 1.0, 1.0, 0.3333333333333333, 0.3333333333333333,
    0.3333333333333333, 1.0,
};

/* Ties inside every model; model 2's top-2 set breaks a three-way tie by class index. */
static const double ties_scores[] = {
    3, 1, 4, 1, 5, 9, 2,
    2, 7, 1, 8, 2, 8, 1,
    3, 3, 3, 1, 1, 2, 2,
    1, 4, 1, 4, 2, 1, 3,
};
static const double ties_spearman[] = {
    1.0, -0.08334762598987158, -0.10488088481701517, -0.8118990304530631,
    -0.08334762598987157, 1.0, -0.3496629104486152, 0.2788977299408974,
    -0.10488088481701517, -0.34966291044861525, 1.0, -0.34655164004183603,
    -0.811899030453063, 0.2788977299408974, -0.34655164004183603, 1.0,
};
static const double ties_kendall[] = {
    1.0, -0.052704627669472995, -0.05590169943749474, -0.7050239879106325,
    -0.052704627669472995, 1.0, -0.2946278254943948, 0.2286647801900118,
    -0.05590169943749474, -0.2946278254943948, 1.0, -0.30316953129541624,
    -0.7050239879106326, 0.2286647801900118, -0.30316953129541624, 1.0,
};
static const double ties_jaccard[] = {
    1.0, 0.3333333333333333, 0.0, 0.0, 0.3333333333333333, 1.0, 0.0, 0.3333333333333333,
    0.0, 0.0, 1.0, 0.3333333333333333, 0.0, 0.3333333333333333, 0.3333333333333333, 1.0,
};

/* Model 1 ranks every class equal: its correlations are undefined, its top-1 set is {0}. */
static const double one_constant_scores[] = {
    1, 2, 3, 4,
    5, 5, 5, 5,
    4, 3, 1, 2,
};
static const double one_constant_spearman[] = {
    1.0, NAN, -0.7999999999999999, NAN, 1.0, NAN, -0.7999999999999999, NAN, 1.0,
};
static const double one_constant_kendall[] = {
    1.0, NAN, -0.6666666666666669, NAN, 1.0, NAN, -0.6666666666666669, NAN, 1.0,
};
static const double one_constant_jaccard[] = {
    1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0,
};

static const example examples[] = {
    { "no_ties", 3, 6, 2, no_ties_scores, 0.7714285714285715, 0.04115626725457525,
      no_ties_spearman, no_ties_kendall, no_ties_jaccard },
    { "ties", 4, 7, 2, ties_scores, 0.0729665071770335, 0.9411007995358108, ties_spearman,
      ties_kendall, ties_jaccard },
    { "one_constant", 3, 4, 1, one_constant_scores, 0.06666666666666667, 0.8964323733419115,
      one_constant_spearman, one_constant_kendall, one_constant_jaccard },
};

/* got == want within a relative tolerance; NaN matches NaN only. */
static int close_or_both_nan(double got, double want, double tol)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

static void assert_matrix(const char *what, const char *name, const double *got,
                          const double *want, int m, double tol)
{
    for (int i = 0; i < m * m; i++)
        ck_assert_msg(close_or_both_nan(got[i], want[i], tol),
                      "%s '%s' [%d][%d]: got %.17g, want %.17g", what, name, i / m, i % m, got[i],
                      want[i]);
}

static cs_agreement *compute(const double *scores, int m, int k, int top_k)
{
    cs_agreement *a = NULL;
    cs_assert_ok(cs_agreement_compute(&a, scores, m, k, top_k));
    ck_assert_ptr_nonnull(a);
    return a;
}

START_TEST(identical_rankings_agree_exactly)
{
    static const double row[] = { 0.1, 0.5, 0.3, 0.9, 0.7 };
    double scores[3 * 5], rho[9], tau[9], jac[9];
    for (int i = 0; i < 3; i++)
        memcpy(scores + i * 5, row, sizeof row);
    cs_agreement *a = compute(scores, 3, 5, 2);
    /* Exactly 1, not 1 - ulp: every sum is exact and equal numerator and denominator divide
     * to 1 (SciPy's spearmanr and kendalltau give 0.9999999999999999 here). */
    ck_assert(cs_agreement_kendall_w(a) == 1.0);
    /* P(chi2_4 >= 3 * 4 * 1 = 12) from scipy.stats.chi2.sf. */
    ck_assert_double_eq_tol(cs_agreement_p_value(a), 0.01735126523666451, 1e-16);
    cs_assert_ok(cs_agreement_pairwise(rho, tau, jac, 3, a));
    for (int i = 0; i < 9; i++)
        ck_assert(rho[i] == 1.0 && tau[i] == 1.0 && jac[i] == 1.0);
    cs_agreement_destroy(a);
}
END_TEST

START_TEST(identical_rankings_with_ties_agree_exactly)
{
    static const double row[] = { 2, 2, 1, 3, 3, 3, 0, 2 };
    double scores[4 * 8], rho[16], tau[16];
    for (int i = 0; i < 4; i++)
        memcpy(scores + i * 8, row, sizeof row);
    cs_agreement *a = compute(scores, 4, 8, 3);
    ck_assert(cs_agreement_kendall_w(a) == 1.0); /* the tie correction makes it exactly 1 */
    cs_assert_ok(cs_agreement_pairwise(rho, tau, NULL, 4, a));
    for (int i = 0; i < 16; i++)
        ck_assert(rho[i] == 1.0 && tau[i] == 1.0);
    cs_agreement_destroy(a);
}
END_TEST

START_TEST(reversed_pair_disagrees_exactly)
{
    static const double scores[] = { 1, 2, 3, 4, 4, 3, 2, 1 };
    double rho[4], tau[4], jac[4];
    cs_agreement *a = compute(scores, 2, 4, 2);
    ck_assert(cs_agreement_kendall_w(a) == 0.0); /* every rank sum is the mean */
    ck_assert(cs_agreement_p_value(a) == 1.0);
    cs_assert_ok(cs_agreement_pairwise(rho, tau, jac, 2, a));
    ck_assert(rho[1] == -1.0 && rho[2] == -1.0 && rho[0] == 1.0 && rho[3] == 1.0);
    ck_assert(tau[1] == -1.0 && tau[2] == -1.0 && tau[0] == 1.0 && tau[3] == 1.0);
    ck_assert(jac[1] == 0.0 && jac[2] == 0.0 && jac[0] == 1.0 && jac[3] == 1.0);
    cs_agreement_destroy(a);
}
END_TEST

START_TEST(known_examples_match_scipy)
{
    for (size_t e = 0; e < COUNT(examples); e++) {
        const example *x = &examples[e];
        double rho[MAX_M * MAX_M], tau[MAX_M * MAX_M], jac[MAX_M * MAX_M];
        cs_agreement *a = compute(x->scores, x->m, x->k, x->top_k);
        double w = cs_agreement_kendall_w(a), p = cs_agreement_p_value(a);
        ck_assert_msg(fabs(w - x->w) <= 1e-15 * x->w, "W '%s': got %.17g, want %.17g", x->name,
                      w, x->w);
        ck_assert_msg(fabs(p - x->p) <= 1e-14 * x->p, "p '%s': got %.17g, want %.17g", x->name,
                      p, x->p);
        cs_assert_ok(cs_agreement_pairwise(rho, tau, jac, x->m, a));
        /* SciPy's own matrices are symmetric only to an ulp; a few ulps between the two. */
        assert_matrix("spearman", x->name, rho, x->spearman, x->m, 1e-15);
        assert_matrix("kendall", x->name, tau, x->kendall, x->m, 1e-15);
        assert_matrix("jaccard", x->name, jac, x->jaccard, x->m, 0.0);
        cs_agreement_destroy(a);
    }
}
END_TEST

START_TEST(all_constant_models_leave_w_undefined)
{
    static const double scores[] = { 7, 7, 7, 0.5, 0.5, 0.5 };
    double rho[4], tau[4], jac[4];
    cs_agreement *a = compute(scores, 2, 3, 2);
    ck_assert(isnan(cs_agreement_kendall_w(a)));
    ck_assert(isnan(cs_agreement_p_value(a)));
    cs_assert_ok(cs_agreement_pairwise(rho, tau, jac, 2, a));
    ck_assert(isnan(rho[1]) && isnan(rho[2]) && isnan(tau[1]) && isnan(tau[2]));
    ck_assert(rho[0] == 1.0 && tau[3] == 1.0);
    ck_assert(jac[1] == 1.0); /* both top sets are {0, 1}: ties go to the lower index */
    cs_agreement_destroy(a);
}
END_TEST

/* The average rank of v[t] among v[0..k), by counting. */
static double naive_rank(const double *v, int k, int t)
{
    int less = 0, equal = 0;
    for (int j = 0; j < k; j++) {
        less += v[j] < v[t];
        equal += v[j] == v[t];
    }
    return less + 0.5 * (equal + 1);
}

/* Deterministic scores on `levels` values, so that ties are common. */
static void fill_scores(double *scores, int m, int k, int levels, uint32_t seed)
{
    for (int i = 0; i < m; i++)
        for (int t = 0; t < k; t++) {
            uint32_t h = (uint32_t)(i * 7919 + t * 104729) ^ seed;
            h ^= h >> 13;
            h *= 0x5bd1e995u;
            h ^= h >> 15;
            /* A shared trend in t makes the models agree in part. */
            scores[i * k + t] = (double)((h % (uint32_t)levels) + (uint32_t)(t / 40));
        }
}

START_TEST(large_inputs_match_direct_computation)
{
    /* k = 613 (no power of two: uneven merge blocks) with heavy ties, against O(k^2)
     * definitions written straight from the header's formulas. */
    enum { M = 3, K = 613, TOP = 37 };
    double *scores = malloc(M * K * sizeof *scores), *r = malloc(M * K * sizeof *r);
    double rho[M * M], tau[M * M], jac[M * M];
    ck_assert(scores && r);
    fill_scores(scores, M, K, 25, 12345u);
    for (int i = 0; i < M; i++)
        for (int t = 0; t < K; t++)
            r[i * K + t] = naive_rank(scores + i * K, K, t);

    double rank_sums[K], mean_sum = M * (K + 1) / 2.0, s = 0, tie_sum = 0;
    for (int t = 0; t < K; t++) {
        rank_sums[t] = 0;
        for (int i = 0; i < M; i++)
            rank_sums[t] += r[i * K + t];
        s += (rank_sums[t] - mean_sum) * (rank_sums[t] - mean_sum);
    }
    for (int i = 0; i < M; i++)
        for (int t = 0; t < K; t++) {
            /* each tie group of size c counted once, at its first member */
            int c = 0, first = 1;
            for (int j = 0; j < K; j++) {
                c += scores[i * K + j] == scores[i * K + t];
                first &= !(scores[i * K + j] == scores[i * K + t] && j < t);
            }
            if (first)
                tie_sum += (double)c * c * c - c;
        }
    double w = 12 * s / ((double)M * M * ((double)K * K * K - K) - M * tie_sum);

    cs_agreement *a = compute(scores, M, K, TOP);
    ck_assert_msg(fabs(cs_agreement_kendall_w(a) - w) <= 1e-15 * w, "W %.17g, want %.17g",
                  cs_agreement_kendall_w(a), w);
    cs_assert_ok(cs_agreement_pairwise(rho, tau, jac, M, a));
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            if (i == j)
                continue;
            const double *x = r + i * K, *y = r + j * K, c = (K + 1) / 2.0;
            double sxy = 0, sxx = 0, syy = 0;
            long long nc = 0, nd = 0, n1 = 0, n2 = 0, n0 = (long long)K * (K - 1) / 2;
            for (int t = 0; t < K; t++) {
                sxy += (x[t] - c) * (y[t] - c);
                sxx += (x[t] - c) * (x[t] - c);
                syy += (y[t] - c) * (y[t] - c);
                for (int u = t + 1; u < K; u++) {
                    double dx = x[t] - x[u], dy = y[t] - y[u];
                    n1 += dx == 0;
                    n2 += dy == 0;
                    nc += dx * dy > 0;
                    nd += dx * dy < 0;
                }
            }
            double want_rho = sxy / sqrt(sxx * syy);
            double want_tau = (double)(nc - nd) / sqrt((double)(n0 - n1) * (double)(n0 - n2));
            ck_assert_msg(fabs(rho[i * M + j] - want_rho) <= 1e-14,
                          "rho[%d][%d] %.17g, want %.17g", i, j, rho[i * M + j], want_rho);
            ck_assert_msg(fabs(tau[i * M + j] - want_tau) <= 1e-14,
                          "tau[%d][%d] %.17g, want %.17g", i, j, tau[i * M + j], want_tau);
            /* top sets: the TOP classes with the most classes beaten (ties: lower index). */
            int both = 0;
            for (int t = 0; t < K; t++) {
                int in_i = 0, in_j = 0;
                for (int u = 0; u < K; u++) {
                    in_i += scores[i * K + u] > scores[i * K + t] ||
                            (scores[i * K + u] == scores[i * K + t] && u < t);
                    in_j += scores[j * K + u] > scores[j * K + t] ||
                            (scores[j * K + u] == scores[j * K + t] && u < t);
                }
                both += in_i < TOP && in_j < TOP;
            }
            ck_assert_msg(jac[i * M + j] == (double)both / (2 * TOP - both),
                          "jaccard[%d][%d] %.17g, want %d / %d", i, j, jac[i * M + j], both,
                          2 * TOP - both);
        }
    cs_agreement_destroy(a);
    free(scores);
    free(r);
}
END_TEST

START_TEST(only_the_ranks_matter)
{
    /* A strictly increasing transform of one model's scores changes nothing, bit for bit. */
    const example *x = &examples[0];
    double moved[3 * 6], base[3 * 3 * 3], after[3 * 3 * 3];
    for (int i = 0; i < 3 * 6; i++)
        moved[i] = i < 6 ? exp(40.0 * x->scores[i]) - 3.0 : x->scores[i];
    cs_agreement *a = compute(x->scores, 3, 6, 2), *b = compute(moved, 3, 6, 2);
    ck_assert(cs_agreement_kendall_w(a) == cs_agreement_kendall_w(b));
    ck_assert(cs_agreement_p_value(a) == cs_agreement_p_value(b));
    cs_assert_ok(cs_agreement_pairwise(base, base + 9, base + 18, 3, a));
    cs_assert_ok(cs_agreement_pairwise(after, after + 9, after + 18, 3, b));
    ck_assert(memcmp(base, after, sizeof base) == 0);
    cs_agreement_destroy(a);
    cs_agreement_destroy(b);
}
END_TEST

START_TEST(results_are_deterministic_and_symmetric)
{
    enum { M = 5, K = 40 };
    double scores[M * K], first[3 * M * M], second[3 * M * M];
    fill_scores(scores, M, K, 6, 99u);
    cs_agreement *a = compute(scores, M, K, 7), *b = compute(scores, M, K, 7);
    double wa = cs_agreement_kendall_w(a), wb = cs_agreement_kendall_w(b);
    double pa = cs_agreement_p_value(a), pb = cs_agreement_p_value(b);
    ck_assert(memcmp(&wa, &wb, sizeof wa) == 0 && memcmp(&pa, &pb, sizeof pa) == 0);
    cs_assert_ok(cs_agreement_pairwise(first, first + M * M, first + 2 * M * M, M, a));
    cs_assert_ok(cs_agreement_pairwise(second, second + M * M, second + 2 * M * M, M, b));
    ck_assert(memcmp(first, second, sizeof first) == 0);
    for (int q = 0; q < 3; q++)
        for (int i = 0; i < M; i++) {
            ck_assert(first[q * M * M + i * M + i] == 1.0);
            for (int j = 0; j < M; j++)
                ck_assert(first[q * M * M + i * M + j] == first[q * M * M + j * M + i]);
        }
    double w = cs_agreement_kendall_w(a);
    ck_assert(w >= 0.0 && w <= 1.0);
    cs_agreement_destroy(a);
    cs_agreement_destroy(b);
    /* top_k changes the Jaccard overlaps only. */
    cs_agreement *c = compute(scores, M, K, K);
    ck_assert(cs_agreement_kendall_w(c) == w);
    cs_assert_ok(cs_agreement_pairwise(second, second + M * M, second + 2 * M * M, M, c));
    ck_assert(memcmp(first, second, 2 * M * M * sizeof(double)) == 0);
    for (int i = 0; i < M * M; i++)
        ck_assert(second[2 * M * M + i] == 1.0); /* top_k = k: every set is everything */
    cs_agreement_destroy(c);
}
END_TEST

START_TEST(compute_rejects_bad_input)
{
    double scores[2 * 4] = { 1, 2, 3, 4, 4, 3, 2, 1 };
    cs_agreement *a = (cs_agreement *)&a; /* must come back NULL */
    cs_assert_fails(cs_agreement_compute(NULL, scores, 2, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "cs_agreement_compute: out is NULL");
    cs_assert_fails(cs_agreement_compute(&a, NULL, 2, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "scores is NULL");
    ck_assert_ptr_null(a);
    cs_assert_fails(cs_agreement_compute(&a, scores, 1, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "m is 1, at least 2 models");
    cs_assert_fails(cs_agreement_compute(&a, scores, -3, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "m is -3");
    cs_assert_fails(cs_agreement_compute(&a, scores, 2, 1, 1), CS_ERR_INVALID_ARGUMENT,
                    "k is 1, at least 2 classes");
    cs_assert_fails(cs_agreement_compute(&a, scores, 2, 4, 0), CS_ERR_INVALID_ARGUMENT,
                    "top_k is 0, expected 1..4");
    cs_assert_fails(cs_agreement_compute(&a, scores, 2, 4, 5), CS_ERR_INVALID_ARGUMENT,
                    "top_k is 5, expected 1..4");
    scores[6] = NAN;
    cs_assert_fails(cs_agreement_compute(&a, scores, 2, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "model 1, class 2: score is nan, expected a finite value");
    scores[6] = 2;
    scores[3] = INFINITY;
    cs_assert_fails(cs_agreement_compute(&a, scores, 2, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "model 0, class 3: score is inf");
    scores[3] = -INFINITY;
    cs_assert_fails(cs_agreement_compute(&a, scores, 2, 4, 2), CS_ERR_INVALID_ARGUMENT,
                    "model 0, class 3: score is -inf");
    ck_assert_ptr_null(a);
}
END_TEST

START_TEST(accessors_reject_bad_input)
{
    static const double scores[] = { 1, 2, 3, 3, 1, 2 };
    double rho[4], sentinel[4] = { 9, 9, 9, 9 };
    cs_agreement *a = compute(scores, 2, 3, 1);
    cs_assert_fails(cs_agreement_pairwise(rho, NULL, NULL, 2, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_agreement_pairwise: a is NULL");
    memcpy(rho, sentinel, sizeof rho);
    cs_assert_fails(cs_agreement_pairwise(rho, NULL, NULL, 3, a), CS_ERR_SIZE_MISMATCH,
                    "m is 3, the result holds 2 models");
    cs_assert_fails(cs_agreement_pairwise(rho, NULL, NULL, -1, a), CS_ERR_SIZE_MISMATCH,
                    "m is -1, the result holds 2 models");
    ck_assert(memcmp(rho, sentinel, sizeof rho) == 0); /* failures write nothing */
    cs_assert_ok(cs_agreement_pairwise(NULL, NULL, NULL, 2, a)); /* nothing asked, nothing done */
    ck_assert(isnan(cs_agreement_kendall_w(NULL)));
    ck_assert(isnan(cs_agreement_p_value(NULL)));
    cs_agreement_destroy(NULL);
    cs_agreement_destroy(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agreement");
    TCase *tc = tcase_create("agreement");
    tcase_add_test(tc, identical_rankings_agree_exactly);
    tcase_add_test(tc, identical_rankings_with_ties_agree_exactly);
    tcase_add_test(tc, reversed_pair_disagrees_exactly);
    tcase_add_test(tc, known_examples_match_scipy);
    tcase_add_test(tc, all_constant_models_leave_w_undefined);
    tcase_add_test(tc, large_inputs_match_direct_computation);
    tcase_add_test(tc, only_the_ranks_matter);
    tcase_add_test(tc, results_are_deterministic_and_symmetric);
    tcase_add_test(tc, compute_rejects_bad_input);
    tcase_add_test(tc, accessors_reject_bad_input);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
