#!/usr/bin/python3
"""Reference numbers for tests/test_stats.c and tests/test_agreement.c.

Run by hand with Debian's interpreter, which has NumPy and SciPy (the tests never need Python):

    /usr/bin/python3 tests/reference/stats_reference.py

Every number the two test files compare against is printed here as a C initializer, under
the name of the table that holds it in the tests. The values in the tests were made with SciPy
1.10.1 and NumPy 1.24.2 (Debian 12). Each table is cross-checked by an independent route
before it is printed, and the script stops if a cross-check fails. If mpmath is installed
(Debian: python3-mpmath) every distribution value is also checked against 50-digit mpmath.

The C code is accurate to a few 1e-15, which is more than some SciPy routines deliver, so a
distribution value is the most accurate of these (each verified against 50-digit mpmath when
the tables were made); the plain SciPy routine is a cross-check with the bound it meets:
- Student t CDF: for df = 1 atan; for even df the exact finite sum (Abramowitz & Stegun
  26.7.3) in decimal arithmetic; otherwise Boost's incomplete beta (scipy.stats.beta) through
  P(T < -|t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2. scipy.stats.t.cdf (Cephes stdtr) is off by
  up to 1e-13 far in the tail.
- Student t quantiles: Boost's inverse incomplete beta (scipy.stats.beta.ppf / isf), checked
  against Newton-polished stdtr, the closed forms for df = 1, 2, 4, and for even df the exact
  CDF at the printed quantile. NOT scipy.stats.t.ppf: in SciPy 1.10 that is Cephes stdtrit,
  off by up to 3e-9 (t.ppf(0.95, 4) = 2.13184678133629, true 2.13184678632665).
- chi-square survival and the upper incomplete gamma Q(a, x): for integer a the Poisson sum
  e^-x sum_{k<a} x^k / k! in decimal arithmetic; for half-integer a
  erfc(sqrt x) + e^-x sum_{k=1}^{a-1/2} x^(k-1/2) / Gamma(k + 1/2), with x chosen so that
  sqrt(x) is exact (erfc magnifies the rounding of its argument 2 x times); otherwise
  scipy.special.gammaincc, checked by quadrature. scipy.stats.chi2.sf (Cephes igamc) is off
  by up to 2e-13 far in the tail.
- incomplete beta I_x(a, b): exact binomial sums in decimal arithmetic for integer a and b,
  closed forms for (1/2, 1/2), (a, 1), (a, 2) and (2, b), otherwise Boost
  (scipy.stats.beta.cdf). scipy.special.betainc (Cephes) loses up to 2e-10 to log-gamma
  cancellation at a = 5e5.
- ranks: scipy.stats.rankdata (average method); mean / sd: numpy mean and std(ddof=1).
- agreement: Kendall's W from the textbook formula (written below from rankdata average
  ranks, independent of the C code), cross-checked against scipy.stats.friedmanchisquare;
  its p-value scipy.stats.chi2.sf; Spearman rho scipy.stats.spearmanr; Kendall tau-b
  scipy.stats.kendalltau; top-k Jaccard from sorted lists in plain Python.
"""
import math
import sys
from decimal import Decimal, getcontext

import numpy as np
import scipy
from scipy import integrate, special, stats

try:
    import mpmath
except ImportError:  # the optional 50-digit check
    mpmath = None


def g(v):
    """A double as C source that reads back to the same value."""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "NAN"
        if math.isinf(v):
            return "INFINITY" if v > 0 else "-INFINITY"
        return repr(v)
    return str(v)


def row(*vals):
    return "    { " + ", ".join(g(v) for v in vals) + " },"


def rel(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def check(name, worst, limit):
    """Cross-checks that must hold before the numbers are trusted."""
    status = "ok" if worst <= limit else "FAILED"
    print(f"/* cross-check {name}: worst relative difference {worst:.2e} (limit {limit:.0e}) "
          f"{status} */")
    if worst > limit:
        sys.exit(f"cross-check {name} failed")


class Mp:
    """The optional mpmath check: collects relative differences per table."""

    def __init__(self):
        self.worst = 0.0

    def add(self, value, exact):
        if mpmath is not None and exact is not None and value != 0:
            self.worst = max(self.worst, float(abs((mpmath.mpf(value) - exact) / exact)))

    def report(self, name, limit=4e-16):
        if mpmath is not None:
            check(f"{name} vs 50-digit mpmath", self.worst, limit)


if mpmath is not None:
    mpmath.mp.dps = 50


def decimal_digits_for(tiny):
    """Decimal digits that keep ~30 significant digits of a probability near `tiny`."""
    return 40 + (int(-math.log10(tiny)) if 0 < tiny < 1 else 0)


print(f"/* tests/reference/stats_reference.py, SciPy {scipy.__version__}, "
      f"NumPy {np.__version__}, mpmath check {'on' if mpmath else 'off'} */\n")

# ---- Student t ---------------------------------------------------------------------------


def t_cdf_boost(t, df):
    """P(T <= t) through Boost's regularised incomplete beta."""
    if t == 0:
        return 0.5
    t2 = t * t
    if t2 <= df:
        tail = 0.5 * stats.beta.sf(t2 / (df + t2), 0.5, df / 2)
    else:
        tail = 0.5 * stats.beta.cdf(df / (df + t2), df / 2, 0.5)
    return tail if t < 0 else 1.0 - tail


def t_cdf_even_decimal(t, df):
    """Exact P(T <= t) for even df as a Decimal (A&S 26.7.3): with c = df / (df + t^2),
    P(|T| < t) = t / sqrt(df + t^2) * sum_{j < df/2} c^j (2j)! / (4^j j!^2)."""
    getcontext().prec = decimal_digits_for(stats.t.cdf(-abs(t), df))
    td, nu = Decimal(t), Decimal(df)
    den = nu + td * td
    c = nu / den
    term = total = Decimal(1)
    for j in range(1, int(df) // 2):
        term = term * c * (2 * j - 1) / (2 * j)
        total += term
    return (1 + td / den.sqrt() * total) / 2


def t_cdf_ref(t, df):
    """The reference P(T <= t), and whether it came from an exact route."""
    if df == 1:
        lower = math.atan2(1.0, abs(t)) / math.pi  # P(T < -|t|) without cancellation
        return (lower if t < 0 else 1.0 - lower), True
    if df == int(df) and int(df) % 2 == 0:
        if stats.t.cdf(-abs(t), df) == 0:
            return (0.0 if t < 0 else 1.0), True
        return float(t_cdf_even_decimal(t, df)), True
    return t_cdf_boost(t, df), False


def t_cdf_mp(t, df):
    t, df = mpmath.mpf(t), mpmath.mpf(df)
    lower = mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True) / 2
    return lower if t < 0 else 1 - lower


def t_ppf_boost(p, df):
    """The p-quantile from Boost's inverse incomplete beta: 2q = I_x(df/2, 1/2)."""
    if p == 0.5:
        return 0.0
    q = min(p, 1.0 - p)
    # y = t^2 / (df + t^2) solves 1 - I_y(1/2, df/2) = 2q; near y = 1 use x = 1 - y instead.
    y = stats.beta.isf(2 * q, 0.5, df / 2)
    if y < 0.5:
        t = math.sqrt(df * y / (1.0 - y))
    else:
        x = stats.beta.ppf(2 * q, df / 2, 0.5)
        t = math.sqrt(df * (1.0 - x) / x)
    return t if p > 0.5 else -t


def t_ppf_newton(p, df):
    """scipy's stdtrit polished by Newton steps on the smaller tail with stdtr."""
    q = min(p, 1.0 - p)
    t = abs(special.stdtrit(df, q))
    for _ in range(8):
        t += (special.stdtr(df, -t) - q) / stats.t.pdf(t, df)
    return t if p > 0.5 else -t


def t_ppf_closed(p, df):
    """Closed forms (Hill 1970; Shaw 2006) for df = 1, 2, 4, written in the smaller tail q so
    that p near 0 or 1 loses nothing to cancellation."""
    q = min(p, 1.0 - p)
    if df == 1:
        t = 1.0 / math.tan(math.pi * q)
    elif df == 2:
        t = (1 - 2 * q) / math.sqrt(2 * q * (1 - q))
    else:
        a = 4 * q * (1 - q)
        t = 2 * math.sqrt(math.cos(math.acos(math.sqrt(a)) / 3) / math.sqrt(a) - 1)
    return t if p > 0.5 else -t


def t_ppf_error(t, p, cdf_lower, pdf):
    """Relative error of t as a p-quantile, from an exact lower-tail CDF at -|t|."""
    q = min(p, 1.0 - p)
    return abs(cdf_lower - q) / (pdf * abs(t))


T_CDF_DF = [0.5, 1, 2, 4, 9, 29, 1000, 1e6]
T_CDF_T = [-50.0, -6.0, -2.5, -1.0, -0.1, 0.1, 1.0, 2.5, 6.0]
print("/* t_cdf_ref: { t, df, P(T <= t) } (atan, exact sums for even df, else Boost) */")
worst_boost = worst_cephes = 0.0
mp_check = Mp()
for df in T_CDF_DF:
    for t in T_CDF_T:
        ref, exact = t_cdf_ref(t, df)
        if exact:
            worst_boost = max(worst_boost, rel(t_cdf_boost(t, df), ref))
        worst_cephes = max(worst_cephes, rel(stats.t.cdf(t, df), ref))
        if mpmath is not None and df <= 1000:  # mpmath's hypergeometric sums stall beyond
            mp_check.add(ref, t_cdf_mp(t, df))
        print(row(t, float(df), ref))
check("t CDF: Boost vs exact routes", worst_boost, 1e-14)
check("t CDF: scipy.stats.t.cdf", worst_cephes, 2e-13)
mp_check.report("t CDF", 2e-15)

T_Q_DF = [1, 2, 3, 4, 9, 29, 1000, 1e6, 0.5]
T_Q_P = [0.5, 0.9, 0.95, 0.975, 0.995, 0.025, 1e-10, 0.6, 1 - 1e-6]
print("\n/* t_quantile_ref: { p, df, t } (Boost inverse incomplete beta via scipy.stats.beta) */")
worst_newton = worst_closed = worst_exact = worst_scipy = 0.0
mp_check = Mp()
for df in T_Q_DF:
    for p in T_Q_P:
        ref = t_ppf_boost(p, df)
        if p != 0.5:
            worst_newton = max(worst_newton, rel(t_ppf_newton(p, df), ref))
            worst_scipy = max(worst_scipy, rel(stats.t.ppf(p, df), ref))
            if df in (1, 2, 4):
                worst_closed = max(worst_closed, rel(t_ppf_closed(p, df), ref))
            if df == int(df) and int(df) % 2 == 0:
                lower = float(t_cdf_even_decimal(-abs(ref), df))
                worst_exact = max(worst_exact,
                                  t_ppf_error(ref, p, lower, stats.t.pdf(ref, df)))
            if mpmath is not None and df <= 1000:
                tq = mpmath.mpf(-abs(ref))
                dens = mpmath.exp(mpmath.loggamma((df + 1) / 2) - mpmath.loggamma(df / 2)) / \
                    mpmath.sqrt(df * mpmath.pi) * (1 + tq * tq / df) ** (-(df + 1) / 2)
                err = t_ppf_error(tq, p, t_cdf_mp(tq, df), dens)
                mp_check.worst = max(mp_check.worst, float(err))
        print(row(p, float(df), ref))
check("t quantile vs Newton-polished stdtr", worst_newton, 1e-14)
check("t quantile vs closed forms (df 1, 2, 4)", worst_closed, 1e-14)
check("t quantile vs exact CDF (even df)", worst_exact, 1e-15)
mp_check.report("t quantile", 2e-15)
print(f"/* for comparison only: scipy.stats.t.ppf (stdtrit) is off by up to {worst_scipy:.1e} */")

print("\n/* normal_ref: { x, Phi(x), p, Phi^-1(p) } for infinite df (scipy.stats.norm) */")
mp_check = Mp()
for x, p in [(-7.0, 1e-10), (-1.0, 0.025), (0.3, 0.6), (2.0, 0.975)]:
    cdf, ppf = stats.norm.cdf(x), stats.norm.ppf(p)
    if mpmath is not None:
        mp_check.add(cdf, mpmath.ncdf(x))
        mp_check.worst = max(mp_check.worst, float(abs(mpmath.ncdf(ppf) - p) /
                                                   (mpmath.npdf(ppf) * abs(ppf))))
    print(row(x, cdf, p, ppf))
mp_check.report("normal")

# ---- chi-square and incomplete gamma -----------------------------------------------------


PI_DECIMAL = Decimal("3.14159265358979323846264338327950288419716939937510582097494")


def gamma_q_exact(a, x):
    """Q(a, x) for integer a (Poisson sum in decimal) or half-integer a (erfc plus a sum of
    positive terms); None otherwise."""
    if a == int(a):
        getcontext().prec = 50
        xd = Decimal(x)
        term = total = (-xd).exp()
        for k in range(1, int(a)):
            term = term * xd / k
            total += term
        return float(total)
    if 2 * a == int(2 * a):
        # The sum in decimal: e^-x x^(1/2) / Gamma(3/2), then term * x / (k + 1/2).
        getcontext().prec = 50
        xd = Decimal(x)
        term = (-xd).exp() * xd.sqrt() * 2 / PI_DECIMAL.sqrt()
        total = Decimal(0)
        for k in range(1, int(a - 0.5) + 1):
            total += term
            term = term * xd / (Decimal(k) + Decimal("0.5"))
        return special.erfc(math.sqrt(x)) + float(total)
    return None


def gamma_q_quad(a, x):
    """Q(a, x) by quadrature of the density, for the arguments without a finite sum."""
    v, _ = integrate.quad(lambda u: math.exp((a - 1) * math.log(u) - u), x, math.inf,
                          epsabs=1e-300, epsrel=1e-13, limit=200)
    return v / special.gamma(a)


def gamma_q_mp(a, x):
    return mpmath.gammainc(mpmath.mpf(a), mpmath.mpf(x), mpmath.inf, regularized=True)


def chi2_points(df):
    """Tails from tiny x to far beyond the mean; for odd df, x / 2 is a perfect square (or so
    small that erfc does not magnify its rounding)."""
    if df % 2:
        return [1e-8, 0.5, 2.0, 8.0, 18.0, 32.0, 72.0, 392.0]
    points = [1e-8, 0.5, float(df), df + 5 * math.sqrt(2 * df), df + 25 * math.sqrt(2 * df) + 20]
    return points + [400.0] if df <= 50 else points


CHI2_DF = [1, 2, 9, 10, 50, 1000, 65534]
print("\n/* chi2_sf_ref: { x, df, P(X >= x) } (exact sums) */")
worst = 0.0
mp_check = Mp()
for df in CHI2_DF:
    for x in chi2_points(df):
        ref = gamma_q_exact(df / 2, x / 2)
        worst = max(worst, rel(stats.chi2.sf(x, df), ref))
        if mpmath is not None:
            mp_check.add(ref, gamma_q_mp(df / 2, x / 2))
        print(row(x, float(df), ref))
check("chi2: scipy.stats.chi2.sf", worst, 2e-13)
mp_check.report("chi2")

GAMMA_ARGS = [
    (0.5, 1e-10), (0.5, 0.3), (0.5, 100.0), (1.0, 1e-300), (1.0, 700.0), (1e-3, 1.0),
    (10.0, 10.0), (10.0, 11.5), (100.0, 80.0), (100.0, 130.0), (500.0, 500.0),
    (32767.0, 32000.0), (32767.0, 33500.0), (2.5, 36.0),
]
print("\n/* gamma_q_ref: { a, x, Q(a, x) } (exact sums; else scipy.special.gammaincc) */")
worst_cephes = worst_quad = 0.0
mp_check = Mp()
for a, x in GAMMA_ARGS:
    ref = gamma_q_exact(a, x)
    if ref is None:
        ref = special.gammaincc(a, x)
        worst_quad = max(worst_quad, rel(gamma_q_quad(a, x), ref))
    else:
        worst_cephes = max(worst_cephes, rel(special.gammaincc(a, x), ref))
    if mpmath is not None:
        mp_check.add(ref, gamma_q_mp(a, x))
    print(row(a, x, ref))
check("gamma: scipy.special.gammaincc vs exact sums", worst_cephes, 1e-13)
check("gamma: gammaincc vs quadrature", worst_quad, 1e-14)
mp_check.report("gamma", 2e-15)

# ---- incomplete beta ---------------------------------------------------------------------


def beta_exact(a, b, x):
    """I_x(a, b) by an exact or closed form where one exists here, else None."""
    if a == int(a) and b == int(b):
        # P(at least a successes in a + b - 1 Bernoulli(x) trials), summed in decimal.
        getcontext().prec = 60
        n, xd = int(a + b - 1), Decimal(x)
        yd = 1 - xd
        return float(sum(math.comb(n, j) * xd ** j * yd ** (n - j) for j in range(int(a), n + 1)))
    if a == b == 0.5:
        if x <= 0.5:
            return 2 / math.pi * math.asin(math.sqrt(x))
        return 1 - 2 / math.pi * math.asin(math.sqrt(1 - x))  # 1 - x is exact here
    if b == 2:  # I_x(a, 2) = x^a (1 + a (1 - x))
        return x ** a * (1 + a * (1 - x))
    if a == 2:  # I_x(2, b) = 1 - y^b (1 + b x), y = 1 - x, with expm1 for y^b near 1
        y = 1 - x
        return -math.expm1(b * math.log(y)) - b * x * y ** b
    return None


BETA_ARGS = [
    (0.5, 0.5, 1e-10), (0.5, 0.5, 0.5), (0.5, 0.5, 0.999999),
    (1e-3, 2.0, 0.3), (2.0, 1e-3, 0.999), (1.0, 1.0, 0.37),
    (500.0, 0.5, 0.999), (0.5, 500.0, 1e-3), (30.0, 40.0, 0.43),
    (1000.0, 1000.0, 0.5), (1000.0, 1000.0, 0.48), (5e5, 0.5, 0.999996),
    (3.0, 7.0, 1e-5), (0.2, 0.3, 0.9),
]
print("\n/* beta_inc_ref: { a, b, x, I_x(a, b) } (exact / closed forms, else Boost) */")
worst_boost = worst_cephes = 0.0
mp_check = Mp()
for a, b, x in BETA_ARGS:
    boost = stats.beta.cdf(x, a, b)
    ref = beta_exact(a, b, x)
    if ref is None:
        ref = boost
    else:
        worst_boost = max(worst_boost, rel(boost, ref))
    worst_cephes = max(worst_cephes, rel(special.betainc(a, b, x), ref))
    if mpmath is not None:
        mp_check.add(ref, mpmath.betainc(mpmath.mpf(a), mpmath.mpf(b), 0, mpmath.mpf(x),
                                         regularized=True))
    print(row(a, b, x, ref))
check("beta: Boost vs exact forms", worst_boost, 1e-13)
check("beta: scipy.special.betainc", worst_cephes, 1e-9)
mp_check.report("beta", 1e-15)

# ---- ranks and mean / sd -----------------------------------------------------------------

RANK_INPUTS = [
    [3.5, -1.0, 2.0, 10.0, 0.25],
    [2.0, 1.0, 2.0, 3.0, 2.0, 1.0],
    # rankdata turns every rank into NaN when both infinities are present (their sum is NaN),
    # so the extremes here are finite.
    [0.0, -0.0, 1e308, -1e308, 5.0, 5.0, 5.0, 5.0, -3.0],
]
print("\n/* rank_ref: ranks (scipy.stats.rankdata, average) and tie term sum(t^3 - t) */")
for v in RANK_INPUTS:
    r = stats.rankdata(v)
    _, counts = np.unique(v, return_counts=True)
    ties = sum(int(c) ** 3 - int(c) for c in counts)
    print("    /* " + ", ".join(g(float(x)) for x in v) + " */")
    print("    { " + ", ".join(g(float(x)) for x in r) + " }, tie term " + str(ties))

MEAN_INPUTS = [
    [0.91, 0.87, 0.93, 0.89, 0.90],
    [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16],
    [-3.25, 8.5],
]
print("\n/* mean_sd_ref: { mean, sd } (numpy mean, std with ddof=1) */")
for v in MEAN_INPUTS:
    a = np.array(v)
    print(row(a.mean(), a.std(ddof=1)))

# ---- agreement ---------------------------------------------------------------------------


def kendall_w(scores):
    """Textbook Kendall's W with tie correction: 12 S / (m^2 (k^3 - k) - m sum T)."""
    m, k = scores.shape
    ranks = np.array([stats.rankdata(r) for r in scores])
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - m * (k + 1) / 2.0) ** 2).sum())
    t = 0
    for r in scores:
        _, counts = np.unique(r, return_counts=True)
        t += sum(int(c) ** 3 - int(c) for c in counts)
    den = m * m * (k ** 3 - k) - m * t
    w = 12.0 * s / den if den != 0 else math.nan
    return w, t


def top_set(r, top_k):
    """The top_k highest scores, ties broken by the lower class index."""
    order = sorted(range(len(r)), key=lambda c: (-r[c], c))
    return set(order[:top_k])


AGREEMENT = {
    "identical": ([[0.1, 0.5, 0.3, 0.9, 0.7]] * 3, 2),
    "reversed": ([[1, 2, 3, 4], [4, 3, 2, 1]], 2),
    "no_ties": ([[0.12, 0.45, 0.08, 0.30, 0.22, 0.51],
                 [0.10, 0.40, 0.15, 0.35, 0.05, 0.60],
                 [0.20, 0.38, 0.02, 0.25, 0.41, 0.44]], 2),
    "ties": ([[3, 1, 4, 1, 5, 9, 2],
              [2, 7, 1, 8, 2, 8, 1],
              [3, 3, 3, 1, 1, 2, 2],
              [1, 4, 1, 4, 2, 1, 3]], 2),
    "one_constant": ([[1, 2, 3, 4], [5, 5, 5, 5], [4, 3, 1, 2]], 1),
}

for name, (rows, top_k) in AGREEMENT.items():
    sc = np.array(rows, dtype=float)
    m, k = sc.shape
    w, ties = kendall_w(sc)
    p = stats.chi2.sf(m * (k - 1) * w, k - 1) if not math.isnan(w) else math.nan
    print(f"\n/* agreement '{name}': m = {m}, k = {k}, top_k = {top_k}, tie term {ties} */")
    print(f"    W = {g(w)}, p = {g(p)}")
    if k >= 3 and not math.isnan(w):
        # SciPy's Friedman statistic, tie-corrected, equals m (k - 1) W exactly with this W's
        # tie correction: both reduce to 12 S (k - 1) / (m (k^3 - k) - sum T). So the check
        # holds with ties as well as without.
        fr = stats.friedmanchisquare(*sc.T)
        check(f"'{name}' m(k-1)W vs friedmanchisquare", rel(m * (k - 1) * w, fr.statistic), 1e-13)
        check(f"'{name}' p vs friedmanchisquare", rel(p, fr.pvalue), 1e-13)
    rho = np.full((m, m), math.nan)
    tau = np.full((m, m), math.nan)
    jac = np.zeros((m, m))
    for i in range(m):
        for j in range(m):
            if i == j:
                rho[i, j] = tau[i, j] = jac[i, j] = 1.0
                continue
            if np.ptp(sc[i]) > 0 and np.ptp(sc[j]) > 0:
                rho[i, j] = stats.spearmanr(sc[i], sc[j]).correlation
                tau[i, j] = stats.kendalltau(sc[i], sc[j], variant="b").correlation
            a, b = top_set(sc[i], top_k), top_set(sc[j], top_k)
            jac[i, j] = len(a & b) / len(a | b)
    for label, mat in (("spearman", rho), ("kendall", tau), ("jaccard", jac)):
        print(f"    {label} = {{ " + ", ".join(g(float(x)) for x in mat.ravel()) + " }")
