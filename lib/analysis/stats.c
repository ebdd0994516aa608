/* Distribution functions (incomplete beta and gamma, Student t, chi-square) and ranking with
 * ties. Accuracy target: relative errors of a few 1e-15, checked in tests/test_stats.c against
 * the values of tests/reference/stats_reference.py (exact sums, Boost via SciPy, mpmath). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "analysis/stats.h"

/* The continued fractions and the gamma series need O(sqrt(max(a, b))) terms; the cap only
 * guards against a runaway loop and is far above what df <= 1e7 needs. */
#define CF_MAX_ITER 20000
#define CF_EPS DBL_EPSILON
#define CF_TINY 1e-300

/* Strict C11 headers do not define M_PI and friends. */
#define CS_PI 3.14159265358979323846
#define CS_SQRT1_2 0.70710678118654752440
#define CS_LN_SQRT_2PI 0.91893853320467274178

/* Below this argument log-gamma differences are small enough to take directly; above it the
 * Stirling series (error < 1e-17 there) replaces lgamma so that large, nearly equal terms
 * cancel analytically instead of in floating point. */
#define STIRLING_MIN 10.0

/* lgamma(a) - ((a - 1/2) log a - a + log sqrt(2 pi)) for a >= STIRLING_MIN: the Stirling series
 * with Bernoulli coefficients B_2k / (2k (2k - 1)), up to a^-15. */
static double stirling_corr(double a)
{
    double r = 1.0 / a, r2 = r * r;
    return r * (1.0 / 12 +
                r2 * (-1.0 / 360 +
                      r2 * (1.0 / 1260 +
                            r2 * (-1.0 / 1680 +
                                  r2 * (1.0 / 1188 +
                                        r2 * (-691.0 / 360360 +
                                              r2 * (1.0 / 156 + r2 * (-3617.0 / 122400))))))));
}

/* log(1 + d) - d, accurate also for small |d| where the two terms nearly cancel. */
static double log1pmx(double d)
{
    if (fabs(d) > 0.25)
        return log1p(d) - d;
    /* -d^2/2 + d^3/3 - ...: |d| <= 1/4 makes the terms shrink by 4 at least per step. */
    double term = d, sum = 0.0;
    for (int k = 2; k < 60; k++) {
        term *= -d;
        double add = term / k;
        sum += add;
        if (fabs(add) <= 1e-17 * fabs(sum))
            break;
    }
    return sum;
}

/* lgamma(a + b) - lgamma(a) for a >= STIRLING_MIN, b > 0, from Stirling's series:
 * b log a + (a + b - 1/2) log1p(b / a) - b + corrections. Taking the difference of two
 * lgamma values instead loses ~1e-16 * a log a (1e-9 for t with df = 1e6). */
static double lgamma_ratio(double a, double b)
{
    return b * log(a) + (a + b - 0.5) * log1p(b / a) - b + stirling_corr(a + b) -
           stirling_corr(a);
}

/* log B(a, b) where at most one argument is large (beta_log_front covers both large). */
static double log_beta(double a, double b)
{
    if (a < b) {
        double s = a;
        a = b;
        b = s;
    }
    if (a < STIRLING_MIN)
        return lgamma(a) + lgamma(b) - lgamma(a + b);
    return lgamma(b) - lgamma_ratio(a, b);
}

/* Continued fraction of the incomplete beta function (modified Lentz), Numerical Recipes 6.4. */
static double beta_cf(double a, double b, double x)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < CF_TINY)
        d = CF_TINY;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= CF_MAX_ITER; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < CF_TINY)
            d = CF_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < CF_TINY)
            c = CF_TINY;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < CF_TINY)
            d = CF_TINY;
        c = 1.0 + aa / c;
        if (fabs(c) < CF_TINY)
            c = CF_TINY;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) <= CF_EPS)
            break;
    }
    return h;
}

/* log(x) given both x and y = 1 - x: near 1, x itself has lost the digits that y keeps. */
static double log_of(double x, double y)
{
    return x < 0.5 ? log(x) : log1p(-y);
}

/* log(v / v0) - d for d = (v - v0) / v0: the series where the two nearly cancel, and the
 * ratio itself where d is large, since d near -1 no longer carries the digits of a small v. */
static double log_ratio_m1(double v, double v0, double d)
{
    return fabs(d) <= 0.25 ? log1pmx(d) : log(v / v0) - d;
}

/* log(x^a y^b / B(a, b)), the factor in front of every expansion of I_x(a, b). */
static double beta_log_front(double a, double b, double x, double y)
{
    if (a < STIRLING_MIN || b < STIRLING_MIN)
        return a * log_of(x, y) + b * log_of(y, x) - log_beta(a, b);
    /* Both large: with Stirling's B(a, b) the front is a (log(x/x0) - d) + b (log(y/y0) - e),
     * d = (x - x0) / x0 and e = (x0 - x) / y0 around the mode x0 = a / (a + b) (the linear
     * terms a d + b e cancel exactly), instead of terms of size a log a that cancel in
     * floating point (5e-14 at a = b = 1000). */
    double s = a + b, x0 = a / s, y0 = b / s;
    double delta = x <= 0.5 ? x - x0 : y0 - y;
    double d = delta / x0, e = -delta / y0;
    return a * log_ratio_m1(x, x0, d) + b * log_ratio_m1(y, y0, e) - CS_LN_SQRT_2PI +
           0.5 * (log(a) + log(b) - log(s)) - stirling_corr(a) - stirling_corr(b) +
           stirling_corr(s);
}

/* I_x(a, b) for a >= 15, b <= 1, x >= 1/2: the asymptotic expansion of DiDonato & Morris
 * (ACM TOMS 708, BGRAT), I_x(a, b) = M sum_n p_n K_n with T = a + (b - 1)/2, z = -T log x,
 * M = Gamma(a + b) / (Gamma(a) T^b), K_0 = Q(b, z), and
 * K_n = ((b + 2n - 2)(b + 2n - 1) K_(n-1) + (z + b + 2n - 1) L^(n-1) H) / (4 T^2),
 * L = log(x)^2 / 4, H = z^b e^-z / Gamma(b);
 * p_0 = 1, p_n = (b - 1)/(2n + 1)! + (1/n) sum_{m=1}^{n-1} (m b - n)/(2m + 1)! p_(n-m).
 * The continued fraction would lose ~1e-16 * a / 6 near its switch-over point (4e-11 for t
 * with df = 1e6); this keeps a few 1e-15 there. */
static double beta_inc_bgrat(double a, double b, double x, double y)
{
    enum { TERMS = 30 };
    double t = a + 0.5 * (b - 1.0);
    double lnx = log_of(x, y);
    double z = -t * lnx;
    double h = exp(-z + b * log(z) - lgamma(b));
    double m = exp(lgamma_ratio(a, b) - b * log(t));
    double v = 0.25 / (t * t), l = 0.25 * lnx * lnx;
    double k = cs__stats_gamma_q(b, z), sum = k, lpow = 1.0, fact = 1.0;
    double p[TERMS], inv_fact[TERMS]; /* p_n and 1 / (2n + 1)! */
    p[0] = 1.0;
    inv_fact[0] = 1.0;
    for (int n = 1; n < TERMS; n++) {
        double bp = b + 2.0 * n - 2.0;
        k = (bp * (bp + 1.0) * k + (z + bp + 1.0) * lpow * h) * v;
        lpow *= l;
        fact *= (2.0 * n) * (2.0 * n + 1.0);
        inv_fact[n] = 1.0 / fact;
        double acc = 0.0;
        for (int j = 1; j < n; j++)
            acc += (j * b - n) * inv_fact[j] * p[n - j];
        p[n] = (b - 1.0) * inv_fact[n] + acc / n;
        double term = p[n] * k;
        sum += term;
        if (fabs(term) <= 1e-17 * sum)
            break;
    }
    return m * sum;
}

/* I_x(a, b) with y = 1 - x supplied by the caller, who can often compute it without the
 * cancellation of 1 - x (t / chi-square arguments such as t^2 / (df + t^2)). */
static double beta_inc_xy(double a, double b, double x, double y)
{
    if (x <= 0)
        return 0.0;
    if (y <= 0)
        return 1.0;
    /* One parameter large, the other at most 1 (Student t with df >= 30): the fraction
     * cancels badly near x = (a + 1) / (a + b + 2), the expansion does not. The mirrored case
     * keeps the fraction while its first denominator 1 - (a + b) x / (a + 1) is over 1/2,
     * where I_x is small and 1 - I_y(b, a) would lose its digits. */
    if (b <= 1.0 && a >= 15.0 && x >= 0.5)
        return beta_inc_bgrat(a, b, x, y);
    if (a <= 1.0 && b >= 15.0 && y >= 0.5 && (a + b) * x > 0.5 * (a + 1.0))
        return 1.0 - beta_inc_bgrat(b, a, y, x);
    double lfront = beta_log_front(a, b, x, y);
    /* The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise. */
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(lfront) * beta_cf(a, b, x) / a;
    return 1.0 - exp(lfront) * beta_cf(b, a, y) / b;
}

double cs__stats_beta_inc(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1) || isinf(a) || isinf(b))
        return NAN;
    return beta_inc_xy(a, b, x, 1.0 - x);
}

/* log(x^a e^-x / Gamma(a)), the common factor of the series and the fraction. */
static double gamma_log_front(double a, double x)
{
    if (a < STIRLING_MIN)
        return a * log(x) - x - lgamma(a);
    /* With Stirling's lgamma, a log x - x - lgamma(a) = a (log(x/a) - d) + log(a) / 2
     * - log sqrt(2 pi) - corr(a), d = (x - a) / a: no terms of size a log a left to cancel. */
    return a * log_ratio_m1(x, a, (x - a) / a) + 0.5 * log(a) - CS_LN_SQRT_2PI -
           stirling_corr(a);
}

double cs__stats_gamma_q(double a, double x)
{
    if (!(a > 0) || !(x >= 0) || isinf(a))
        return NAN;
    if (x == 0)
        return 1.0;
    if (isinf(x))
        return 0.0;
    double lfront = gamma_log_front(a, x);
    if (x < 1.0 || x < a) {
        /* Series for P(a, x), then Q = 1 - P: Q is not small here (Q(1/2, 1) = 0.157), except
         * for a far below 1/2, which chi-square never has. */
        double ap = a, sum = 1.0 / a, del = sum;
        for (int n = 0; n < CF_MAX_ITER; n++) {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if (fabs(del) < fabs(sum) * CF_EPS)
                break;
        }
        return 1.0 - sum * exp(lfront);
    }
    /* Continued fraction for Q(a, x) (modified Lentz); as in Cephes' igamc it also serves
     * a <= x < a + 1, where 1 - P would cancel for small a. */
    double b = x + 1.0 - a, c = 1.0 / CF_TINY, d = 1.0 / b, h = d;
    for (int i = 1; i <= CF_MAX_ITER; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < CF_TINY)
            d = CF_TINY;
        c = b + an / c;
        if (fabs(c) < CF_TINY)
            c = CF_TINY;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) <= CF_EPS)
            break;
    }
    return exp(lfront) * h;
}

/* Student t pieces for t >= 0. Everything goes through x = df / (df + t^2) and
 * y = t^2 / (df + t^2), each computed without cancellation or overflow, and lx = log x, which
 * stays finite where x underflows (t beyond 1e150 sqrt(df), reached by quantiles of df < 1);
 * infinite df is the standard normal. `lb` is log B(df / 2, 1 / 2). */
static void t_xy(double t, double df, double *x, double *y, double *lx)
{
    if (t * t <= df) {
        double den = df + t * t;
        *x = df / den;
        *y = t * t / den;
        *lx = log_of(*x, *y);
    } else {
        double s = df / t / t; /* <= 1, and t * t may overflow */
        *x = s / (1.0 + s);
        *y = 1.0 / (1.0 + s);
        *lx = log(df) - 2.0 * log(t) - log1p(s);
    }
}

/* P(T > t), t >= 0. */
static double t_upper(double t, double df, double lb)
{
    if (isinf(df))
        return 0.5 * erfc(t * CS_SQRT1_2);
    double x, y, lx;
    t_xy(t, df, &x, &y, &lx);
    if (x < 1e-300) {
        /* I_x(a, 1/2) = x^a / (a B(a, 1/2)) (1 + O(x)) with x^a = (sqrt(df) / t)^df here:
         * exact, and pow keeps the full precision that exp(a log x) would lose to the
         * rounding of a log x (~1e-16 |a log x|, 5e-14 for Cauchy at t = 1e200). */
        return 0.5 * pow(sqrt(df) / t, df) * exp(-log(0.5 * df) - lb);
    }
    return 0.5 * beta_inc_xy(0.5 * df, 0.5, x, y);
}

/* P(0 < T < t), t >= 0: for small t this keeps the digits that 1/2 - P(T > t) loses. */
static double t_center(double t, double df)
{
    if (isinf(df))
        return 0.5 * erf(t * CS_SQRT1_2);
    double x, y, lx;
    t_xy(t, df, &x, &y, &lx);
    return 0.5 * beta_inc_xy(0.5, 0.5 * df, y, x);
}

/* The density at t >= 0: (df / (df + t^2))^((df + 1) / 2) / (sqrt(df) B(df / 2, 1 / 2)). */
static double t_pdf(double t, double df, double lb)
{
    if (isinf(df))
        return exp(-0.5 * t * t - CS_LN_SQRT_2PI);
    double x, y, lx;
    t_xy(t, df, &x, &y, &lx);
    return exp(0.5 * (df + 1.0) * lx - 0.5 * log(df) - lb);
}

/* log B(df / 2, 1 / 2), the normalising constant of every t function (0 for the normal). */
static double t_log_beta(double df)
{
    return isinf(df) ? 0.0 : log_beta(0.5 * df, 0.5);
}

double cs__stats_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1.0 : 0.0;
    if (t < 0)
        return t_upper(-t, df, t_log_beta(df));
    return 0.5 + t_center(t, df);
}

/* Upper-tail normal quantile, |error| < 4.5e-4 (Abramowitz & Stegun 26.2.23), 0 < q <= 1/2:
 * only a starting point for Newton. */
static double normal_upper_guess(double q)
{
    double w = sqrt(-2.0 * log(q));
    return w - (2.515517 + w * (0.802853 + w * 0.010328)) /
                   (1.0 + w * (1.432788 + w * (0.189269 + w * 0.001308)));
}

/* The t with P(0 < T < t) = c, 0 < c < 1/4. Newton from t = 0: the centre probability is
 * concave in t >= 0, so every step stays below the root and the iterates rise monotonically. */
static double t_solve_center(double c, double df, double lb)
{
    double t = 0.0;
    for (int i = 0; i < 100; i++) {
        double step = (c - t_center(t, df)) / t_pdf(t, df, lb);
        double next = t + step;
        if (!(next >= 0) || !isfinite(next))
            break;
        t = next;
        if (fabs(step) <= 2.0 * DBL_EPSILON * t)
            break;
    }
    return t;
}

/* The t with P(T > t) = q, 0 < q <= 1/4. Newton on log P(T > t) against log t: the power-law
 * tail is nearly linear there, so a start from the tail asymptote (small df) or the
 * Cornish-Fisher expansion (large df) converges in a few steps. A bracket [lo, hi] catches a
 * step that leaves it; hi starts at the asymptote, which bounds the root from above. */
static double t_solve_tail(double q, double df, double lb)
{
    double z = normal_upper_guess(q), z2 = z * z;
    double guess = z;
    double hi = DBL_MAX;
    if (!isinf(df)) {
        guess = z + z * (z2 + 1.0) / (4.0 * df) +
                z * (3.0 + z2 * (16.0 + 5.0 * z2)) / (96.0 * df * df) +
                z * (-15.0 + z2 * (17.0 + z2 * (19.0 + 3.0 * z2))) / (384.0 * df * df * df);
        /* f(t) < df^((df+1)/2) t^(-df-1) / (sqrt(df) B), so P(T > t) < df^(df/2-1) t^-df / B,
         * whose q-point sqrt(df) (df B q)^(-1/df) lies above the root. */
        double bound = sqrt(df) * exp(-(log(df) + lb + log(q)) / df);
        if (isfinite(bound))
            hi = bound;
        else if (t_upper(DBL_MAX, df, lb) > q)
            return INFINITY; /* tiny df: the quantile lies beyond the largest double */
        if (!(guess < hi))
            guess = hi;
    }
    double lo = 0.0, t = guess;
    for (int i = 0; i < 200; i++) {
        double up = t_upper(t, df, lb);
        if (up == q)
            return t;
        if (up > q)
            lo = t;
        else
            hi = t;
        double f = t_pdf(t, df, lb);
        double next = NAN;
        if (up > 0 && f > 0)
            next = t * exp((log(up) - log(q)) * up / (t * f));
        if (!(next > lo && next < hi))
            next = lo > 0 ? sqrt(lo) * sqrt(hi) : 0.5 * hi;
        if (fabs(next - t) <= 2.0 * DBL_EPSILON * next)
            return next;
        if (next == lo || next == hi)
            return t; /* the bracket is two neighbouring doubles */
        t = next;
    }
    return t;
}

double cs__stats_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    if (p == 0.5)
        return 0.0;
    /* q, the smaller tail, is exact: 1 - p has no rounding for p in [1/2, 1) (Sterbenz). */
    double q = p < 0.5 ? p : 1.0 - p, t;
    if (df == 1.0) {
        /* Cauchy: cot(pi q), through tan of the complement where that angle is exact. */
        t = q < 0.25 ? 1.0 / tan(CS_PI * q) : tan(CS_PI * (0.5 - q));
    } else if (df == 2.0) {
        t = (1.0 - 2.0 * q) / sqrt(2.0 * q * (1.0 - q));
    } else {
        double lb = t_log_beta(df);
        /* 1/2 - q is exact for q in [1/4, 1/2] (Sterbenz), so near the median the centre
         * probability carries the full precision of p. */
        t = q > 0.25 ? t_solve_center(0.5 - q, df, lb) : t_solve_tail(q, df, lb);
    }
    return p < 0.5 ? -t : t;
}

double cs__stats_chi2_sf(double x, double df)
{
    if (!(df > 0) || isnan(x))
        return NAN;
    if (x <= 0)
        return 1.0;
    return cs__stats_gamma_q(0.5 * df, 0.5 * x);
}

/* Heap order on (v[i], i): unique keys, so the sort is deterministic whatever the ties. */
static int rank_less(const double *v, int i, int j)
{
    return v[i] < v[j] || (v[i] == v[j] && i < j);
}

static void sift_down(const double *v, int *heap, int root, int n)
{
    while (root < n / 2) { /* below n / 2 a node has a child, and 2 root + 1 cannot overflow */
        int child = 2 * root + 1;
        if (child + 1 < n && rank_less(v, heap[child], heap[child + 1]))
            child++;
        if (!rank_less(v, heap[root], heap[child]))
            return;
        int s = heap[root];
        heap[root] = heap[child];
        heap[child] = s;
        root = child;
    }
}

double cs__stats_rank(const double *v, int n, double *ranks, int *scratch)
{
    /* Heapsort: O(n log n) for up to 65536 classes, in place in the n-int scratch, and
     * reentrant (C11 qsort has no context pointer). */
    for (int i = 0; i < n; i++)
        scratch[i] = i;
    for (int i = n / 2 - 1; i >= 0; i--)
        sift_down(v, scratch, i, n);
    for (int end = n - 1; end > 0; end--) {
        int s = scratch[0];
        scratch[0] = scratch[end];
        scratch[end] = s;
        sift_down(v, scratch, 0, end);
    }
    double ties = 0.0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && v[scratch[j + 1]] == v[scratch[i]])
            j++;
        double r = 0.5 * ((double)i + (double)j) + 1.0;
        for (int q = i; q <= j; q++)
            ranks[scratch[q]] = r;
        double t = (double)(j - i + 1);
        ties += t * t * t - t;
        i = j + 1;
    }
    return ties;
}

void cs__stats_mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    if (n == 0) {
        *mean = *sd = NAN;
        return;
    }
    /* Shifting by v[0] makes constant data give exactly that mean and a zero deviation; the
     * second pass's residual sum corrects the rounding of the mean (corrected two-pass
     * algorithm, Chan, Golub & LeVeque 1983). */
    double shift = v[0], s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[i] - shift;
    double m = shift + s / (double)n;
    double ss = 0.0, resid = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - m;
        ss += d * d;
        resid += d;
    }
    *mean = m;
    *sd = n >= 2 ? sqrt(fmax(0.0, ss - resid * resid / (double)n) / (double)(n - 1)) : NAN;
}

void cs__stats_wilson(double p, double sd, size_t r, double n, double confidence, double *lo,
                      double *hi)
{
    *lo = *hi = NAN;
    if (r < 2 || isnan(p) || isnan(sd) || !(n > 0) || !(p >= 0 && p <= 1))
        return;
    /* Variance of p: the spread over seeds (measured on one test set) plus the binomial
     * variance of that test set, which the seeds share. */
    const double vs = sd * sd / (double)r, vb = p * (1.0 - p) / n, v = vs + vb;
    /* Welch-Satterthwaite: only the seed term is estimated (r - 1 degrees of freedom). */
    const double df = vs > 0 ? v * v * (double)(r - 1) / (vs * vs) : INFINITY;
    const double q = cs__stats_t_quantile(0.5 * (1.0 + confidence), df);
    /* Effective sample size; v = 0 only when p is 0 or 1 (every replicate at that bound),
     * where the Wilson interval of the n test records remains. */
    const double m = v > 0 ? p * (1.0 - p) / v : n;
    const double g = q * q / m, center = (p + 0.5 * g) / (1.0 + g);
    const double half = q * sqrt(v + 0.25 * q * q / (m * m)) / (1.0 + g);
    /* The bound nearer 0 (or 1) from the product of the roots, p^2 / (1 + g) (or
     * (1 - p)^2 / (1 + g) for 1 - pi), instead of a difference that cancels. */
    double l, h;
    if (p <= 0.5) {
        h = center + half;
        l = p * p / ((1.0 + g) * h);
    } else {
        l = center - half;
        h = 1.0 - (1.0 - p) * (1.0 - p) / ((1.0 + g) * (1.0 - l));
    }
    *lo = fmin(fmax(l, 0.0), p);
    *hi = fmax(fmin(h, 1.0), p);
}
