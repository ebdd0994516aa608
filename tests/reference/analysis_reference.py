#!/usr/bin/python3
"""Expected values for tests/test_confusion.c and tests/test_analysis.c.

Computed with NumPy/SciPy from the textbook definitions, independently of the C code:
per-class recall/precision/F1 as 2pr/(p+r), normalisations, relative confusion, asymmetry,
merge masses; replicate means and sample standard deviations (ddof=1); Student-t intervals
mean ± t.ppf((1+c)/2, r-1)·s/√r; Welch intervals with Welch–Satterthwaite degrees of
freedom; NumPy's default ("linear") quantiles.

Run by hand with Debian's interpreter and paste the output into the tests:
    /usr/bin/python3 tests/reference/analysis_reference.py
"""
import numpy as np
from scipy import stats

np.seterr(divide="ignore", invalid="ignore")


def show(name, values):
    flat = np.asarray(values, dtype=float).ravel()
    body = ", ".join("NAN" if np.isnan(v) else repr(float(v)) for v in flat)
    print(f"static const double {name}[{flat.size}] = {{ {body} }};")


def scalar(name, value):
    print(f"static const double {name} = {float(value)!r};")


# ---- test_confusion.c: one 3x3 matrix C[true][pred] and a baseline B --------------------
C = np.array([[6, 3, 1], [1, 8, 1], [0, 4, 16]], dtype=float)
B = np.array([[8, 2, 0], [0, 10, 0], [2, 2, 16]], dtype=float)
n, m = C.sum(axis=1), C.sum(axis=0)
recall = np.diag(C) / n
precision = np.diag(C) / m
f1 = 2 * precision * recall / (precision + recall)
print("/* test_confusion.c */")
scalar("ACCURACY", np.trace(C) / C.sum())
show("RECALL", recall)
show("PRECISION", precision)
show("F1", f1)
show("NORM_TRUE", C / n[:, None])
show("NORM_PRED", C / m[None, :])
show("NORM_ALL", C / C.sum())
show("ASYMMETRY", np.where(np.eye(3, dtype=bool), np.nan, (C - C.T) / (C + C.T)))
masses = {(a, b): (C[a, b] + C[b, a]) / (n[a] + n[b]) for a in range(3) for b in range(a + 1, 3)}
show("MASS_01_02_12", [masses[(0, 1)], masses[(0, 2)], masses[(1, 2)]])
show("RELATIVE", C / n[:, None] - B / B.sum(axis=1)[:, None])
show("RELATIVE_ACCURACY", recall / (np.diag(B) / B.sum(axis=1)))

# ---- test_analysis.c: 5 replicates of a condition, 4 of a baseline ----------------------
cond = np.array([
    [[6, 3, 1], [1, 8, 1], [0, 4, 16]],
    [[7, 2, 1], [2, 7, 1], [1, 3, 16]],
    [[5, 4, 1], [1, 9, 0], [2, 3, 15]],
    [[6, 2, 2], [0, 8, 2], [1, 1, 18]],
    [[8, 1, 1], [1, 7, 2], [0, 3, 17]],
], dtype=float)
base = np.array([
    [[9, 1, 0], [0, 10, 0], [1, 1, 18]],
    [[8, 2, 0], [1, 9, 0], [0, 2, 18]],
    [[9, 0, 1], [0, 9, 1], [1, 0, 19]],
    [[10, 0, 0], [1, 9, 0], [0, 1, 19]],
], dtype=float)


def recalls(reps):
    return np.array([np.diag(x) / x.sum(axis=1) for x in reps])   # (r, K)


def accuracies(reps):
    return np.array([np.trace(x) / x.sum() for x in reps])


def t_interval(v, conf):
    r = v.shape[0]
    mean, sd = v.mean(axis=0), v.std(axis=0, ddof=1)
    half = stats.t.ppf((1 + conf) / 2, r - 1) * sd / np.sqrt(r)
    return mean, mean - half, mean + half


def welch(cv, bv, conf):
    d = bv.mean(axis=0) - cv.mean(axis=0)
    vc, vb = cv.var(axis=0, ddof=1) / len(cv), bv.var(axis=0, ddof=1) / len(bv)
    df = (vc + vb) ** 2 / (vc ** 2 / (len(cv) - 1) + vb ** 2 / (len(bv) - 1))
    half = stats.t.ppf((1 + conf) / 2, df) * np.sqrt(vc + vb)
    return d, df, d - half, d + half


print("/* test_analysis.c */")
show("MEAN_COUNTS", cond.mean(axis=0))
show("SD_COUNTS", cond.std(axis=0, ddof=1))
for conf, tag in ((0.95, "95"), (0.80, "80")):
    mean, lo, hi = t_interval(recalls(cond), conf)
    show(f"CLASS_MEAN_{tag}", mean)
    show(f"CLASS_LO_{tag}", lo)
    show(f"CLASS_HI_{tag}", hi)
mean, lo, hi = t_interval(accuracies(cond), 0.95)
show("ACC_MEAN_LO_HI", [mean, lo, hi])
mean, lo, hi = t_interval(recalls(base), 0.95)
show("BASE_CLASS_MEAN", mean)
d, df, lo, hi = welch(recalls(cond), recalls(base), 0.95)
show("DROP", d)
show("DROP_DF", df)
show("DROP_LO", lo)
show("DROP_HI", hi)

# Percentile interpolation of the bootstrap, on fixed values (NumPy's default method).
values = np.array([3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5])
show("PERCENTILE_VALUES", values)
show("PERCENTILES_80", np.quantile(values, [0.10, 0.90]))
