/* Internal: the few distribution functions the analysis needs (Student t, chi-square), and
 * ranking with ties. Written from the standard definitions: continued fractions and series for
 * the incomplete beta and gamma functions (Press et al., "Numerical Recipes", 6.2-6.4), the
 * asymptotic expansion of DiDonato & Morris (ACM TOMS 708) where one beta parameter is large,
 * and Stirling's series wherever log-gamma differences of large arguments would cancel.
 * Checked in tests/test_stats.c against 50-digit references and SciPy
 * (tests/reference/stats_reference.py): relative errors are a few 1e-15, up to
 * ~1e-16 |log P| for far-tail probabilities P (their condition number). */
#ifndef CS_ANALYSIS_STATS_H
#define CS_ANALYSIS_STATS_H

#include <stddef.h>

/* Regularised incomplete beta function I_x(a, b), a, b > 0 finite, x in [0, 1]; NaN outside.
 * Least accurate (1e-13) for b far below 1 with x above the mode, and for a and b both far
 * above 100 next to the mode; the t and chi-square functions stay clear of both. */
double cs__stats_beta_inc(double a, double b, double x);

/* Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0 finite,
 * x >= 0 (Q(a, +inf) = 0); NaN outside. For a far below 1/2 and x < 1, Q = 1 - P loses
 * ~1e-16 / Q relative (chi-square has a >= 1/2). */
double cs__stats_gamma_q(double a, double x);

/* Student t with df > 0 degrees of freedom: P(T <= t). df = +inf is the standard normal. */
double cs__stats_t_cdf(double t, double df);

/* The p-quantile of Student t (0 < p < 1, df > 0, +inf for the normal): t such that
 * P(T <= t) = p; NaN outside the domain, +-inf where the quantile exceeds the double range
 * (df < 1 and p within ~1e-16 of 0 or 1). At most ~35 us (df < 1 near the median), ~5 us
 * for df >= 1. */
double cs__stats_t_quantile(double p, double df);

/* Chi-square survival function P(X >= x) with df > 0 degrees of freedom; 1 for x <= 0. */
double cs__stats_chi2_sf(double x, double df);

/* Average ranks (1-based; ties share the mean of the ranks they span; -0.0 ties with 0.0) of
 * v[0..n), written to ranks. Returns the tie term sum over tie groups of (t^3 - t), 0 without
 * ties. NaN values are not allowed (the caller checks). `scratch` holds n ints. O(n log n). */
double cs__stats_rank(const double *v, int n, double *ranks, int *scratch);

/* Mean and sample standard deviation (n - 1 in the denominator; NaN for n < 2; both NaN for
 * n = 0). Constant data give exactly that mean and a zero deviation. */
void cs__stats_mean_sd(const double *v, size_t n, double *mean, double *sd);

/* The Wilson score interval with an effective sample size for a proportion p, the mean of
 * r >= 2 replicate proportions with sample standard deviation sd, each measured on n test
 * records (classsens/analysis.h, CS_INTERVAL_WILSON, and docs/analysis.md give the formula).
 * Bounds in [0, 1] with lo <= p <= hi; NaN when r < 2, p or sd is NaN, or n is not positive. */
void cs__stats_wilson(double p, double sd, size_t r, double n, double confidence, double *lo,
                      double *hi);

#endif
