#!/usr/bin/python3
"""Expected values of the Wilson intervals (CS_INTERVAL_WILSON) in tests/test_analysis.c.

Independent of the C code: 50-digit arithmetic with mpmath, the Student t quantile found by
bisection on the t distribution function written as a regularised incomplete beta
function (mpmath.betainc), and the interval bounds as the two roots of the defining quadratic
(1 + q²/m) π² − (2p + q²/m) π + p² = 0 found by mpmath.polyroots (the C code uses the closed
form and the product of the roots instead). Needs only mpmath (Debian python3-mpmath).

Run by hand with Debian's interpreter and paste the output into the tests:
    /usr/bin/python3 tests/reference/interval_reference.py
"""
import mpmath as mp

mp.mp.dps = 50


def t_quantile(p, df):
    p = mp.mpf(p)
    if df == mp.inf:
        return mp.sqrt(2) * mp.erfinv(2 * p - 1)
    df = mp.mpf(df)

    def cdf(t):  # t > 0
        x = df / (df + t * t)
        return 1 - mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2

    lo, hi = mp.mpf(0), mp.mpf(1)
    while cdf(hi) < p:
        hi *= 2
    for _ in range(240):  # bisection: 2^-240 of the bracket, far below double precision
        mid = (lo + hi) / 2
        if cdf(mid) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def wilson(values, n, conf):
    """values: the replicate proportions (exact rationals); n: records per replicate."""
    r = len(values)
    p = mp.fsum(values) / r
    sd2 = mp.fsum((v - p) ** 2 for v in values) / (r - 1)
    vs, vb = sd2 / r, p * (1 - p) / n
    v = vs + vb
    df = v * v * (r - 1) / (vs * vs) if vs > 0 else mp.inf
    q = t_quantile((1 + mp.mpf(conf)) / 2, df)
    m = p * (1 - p) / v if v > 0 else mp.mpf(n)
    g = q * q / m
    roots = sorted(mp.re(x) for x in mp.polyroots([1 + g, -(2 * p + g), p * p], maxsteps=200,
                                                 extraprec=200))
    return p, roots[0], roots[1]


def newcombe(cond, base, n_c, n_b, conf):
    p, l, u = wilson(cond, n_c, conf)
    pb, lb, ub = wilson(base, n_b, conf)
    d = pb - p
    return d, d - mp.sqrt((pb - lb) ** 2 + (u - p) ** 2), d + mp.sqrt((ub - pb) ** 2 + (p - l) ** 2)


def show(name, values):
    body = ", ".join(mp.nstr(v, 17, min_fixed=-30, max_fixed=30) for v in values)
    print(f"static const double {name}[{len(values)}] = {{ {body} }};")


def F(a, b):
    return mp.mpf(a) / b
# COND and BASE of test_analysis.c: class totals (10, 10, 20), 40 records.
cond_recall = [[F(6, 10), F(7, 10), F(5, 10), F(6, 10), F(8, 10)],
               [F(8, 10), F(7, 10), F(9, 10), F(8, 10), F(7, 10)],
               [F(16, 20), F(16, 20), F(15, 20), F(18, 20), F(17, 20)]]
cond_acc = [F(30, 40), F(30, 40), F(29, 40), F(32, 40), F(32, 40)]
base_recall = [[F(9, 10), F(8, 10), F(9, 10), F(10, 10)],
               [F(10, 10), F(9, 10), F(9, 10), F(9, 10)],
               [F(18, 20), F(18, 20), F(19, 20), F(19, 20)]]
totals = [10, 10, 20]
for conf, tag in ((0.95, "95"), (0.80, "80")):
    res = [wilson(cond_recall[t], totals[t], conf) for t in range(3)]
    show(f"WILSON_LO_{tag}", [x[1] for x in res])
    show(f"WILSON_HI_{tag}", [x[2] for x in res])
show("WILSON_ACC_LO_HI", wilson(cond_acc, 40, 0.95)[1:])
res = [newcombe(cond_recall[t], base_recall[t], totals[t], totals[t], 0.95) for t in range(3)]
show("NEWCOMBE_LO", [x[1] for x in res])
show("NEWCOMBE_HI", [x[2] for x in res])

# Issue 16's case: three seeds, one collapsed to chance. 1000 records per class, 2 classes.
collapsed = [F(850, 1000), F(850, 1000), F(100, 1000)]
show("COLLAPSED_WILSON", wilson(collapsed, 1000, 0.95))
show("COLLAPSED_ACC_WILSON", wilson(collapsed, 2000, 0.95)[1:])
p = mp.fsum(collapsed) / 3
sd = mp.sqrt(mp.fsum((v - p) ** 2 for v in collapsed) / 2)
half = t_quantile(mp.mpf(0.975), 2) * sd / mp.sqrt(3)
show("COLLAPSED_T", [p - half, p + half])

# Every seed at 100 % or 0 % of 40 records, and identical seeds at 30/40: the textbook Wilson
# interval of the test set, p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²) over 1 + z²/n, z the normal
# quantile (no spread over seeds: infinitely many degrees of freedom).
z = t_quantile(mp.mpf(0.975), mp.inf)
for name, x in (("ALL_RIGHT", 40), ("NONE_RIGHT", 0), ("SAME_30_OF_40", 30)):
    n, ph = 40, F(x, 40)
    c = (ph + z * z / (2 * n)) / (1 + z * z / n)
    h = z * mp.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    show(name, [c - h, c + h])
    assert abs(wilson([ph] * 3, n, 0.95)[1] - (c - h)) < mp.mpf(10) ** -40
