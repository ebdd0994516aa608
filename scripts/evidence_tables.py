#!/usr/bin/env python3
"""Markdown tables for docs/evidence.md from a classsens results store.

    python3 scripts/evidence_tables.py STORE_DIR > /tmp/tables.md

STORE_DIR holds the report files that `classsens study` (at its end) or `classsens report`
writes: summary.json (required) and results.csv (for the confusion tables). A store that is
still being filled has no summary.json yet: write a partial report elsewhere and pass both,

    classsens report STORE --out /tmp/partial
    python3 scripts/evidence_tables.py /tmp/partial --store STORE

(--store is where study.json and cells/ are: the expected replicates, training times, and a
check that summary.json covers every finished cell). Without results.csv the confusions are
read from cells/*.json when a store is known. Parameter counts are not recorded in a store:
give them with --params NAME=COUNT,... (cs_model_num_params, or docs/models.md).

Sections: 1 Table 1 counterpart; 2 accuracy per model x condition; 3 weakest classes at the
strongest noise and reduction, with intervals and the rankings whose order the intervals do
not establish; 4 cross-model agreement; 5 directional confusions; 6 the article's findings,
each with the numbers that bear on it (no verdicts: a human writes "holds" or "does not hold").

Every number is read from summary.json, or computed here from the per-replicate confusion
matrices of results.csv (marked "computed here"). Python 3 standard library only.
"""
import argparse
import csv
import json
import math
import os
import sys

# The reference article's Table 1 (CIFAR-10, width 1): framework, epochs, batch size, accuracy %.
ARTICLE_TABLE1 = {
    "custom": ("Keras, TF backend", 125, 64, 88.94),
    "lenet": ("PyTorch", 125, 64, 66.6),
    "resnet18": ("PyTorch", 25, 64, 88.29),
    "unresnet18": ("PyTorch", 25, 64, 85.77),
    "googlenet": ("PyTorch", 25, 64, 88.6),
}

DASH = "–"


# ---- numbers ------------------------------------------------------------------------------

def finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def mean(xs):
    xs = [x for x in xs if finite(x)]
    return sum(xs) / len(xs) if xs else None


def sample_var(xs):
    n = len(xs)
    if n < 2:
        return None
    m = sum(xs) / n
    return sum((x - m) ** 2 for x in xs) / (n - 1)


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-15:
            break
    return h


def betai(a, b, x):
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1.0 - x) / b


def t_sf(t, df):
    """P(T > t) for Student's t with df degrees of freedom."""
    p = 0.5 * betai(0.5 * df, 0.5, df / (df + t * t))
    return p if t >= 0 else 1.0 - p


def t_quantile(q, df):
    """The q-quantile (q > 0.5) of Student's t, by bisection."""
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > 1.0 - q:
        hi *= 2.0
        if hi > 1e12:
            return float("inf")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_sf(mid, df) > 1.0 - q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def chi2_sf(x, df):
    """P(X > x) for chi-square with df degrees of freedom (regularised upper gamma)."""
    a, x = 0.5 * df, 0.5 * x
    if x <= 0.0:
        return 1.0
    lpre = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        ap, term, total = a, 1.0 / a, 1.0 / a
        for _ in range(1000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(lpre))
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-16:
            break
    return math.exp(lpre) * h


def average_ranks(values):
    """Average ranks (1-based; exact ties share their mean rank) and the tie term sum(t^3 - t)."""
    idx = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    ties = 0.0
    i = 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and values[idx[j + 1]] == values[idx[i]]:
            j += 1
        r = 0.5 * (i + j) + 1.0
        for q in range(i, j + 1):
            ranks[idx[q]] = r
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    return ranks, ties


def kendall_w(rows):
    """Kendall's W (tie-corrected) of m score vectors over the same k classes, and the
    Friedman chi-square p-value P(chi2_{k-1} >= m (k-1) W), as lib/analysis/agreement.c."""
    m, k = len(rows), len(rows[0]) if rows else 0
    if m < 2 or k < 2:
        return None, None
    ranked = [average_ranks(r) for r in rows]
    if all(len(set(r)) == 1 for r in rows):
        return None, None
    sums = [sum(rk[0][t] for rk in ranked) for t in range(k)]
    centre = m * (k + 1) / 2.0
    s = sum((x - centre) ** 2 for x in sums)
    den = m * m * (k ** 3 - k) - m * sum(rk[1] for rk in ranked)
    if den <= 0:
        return None, None
    w = min(1.0, 12.0 * s / den)
    return w, chi2_sf(m * (k - 1) * w, k - 1)


def spearman(x, y):
    """Spearman's rho (Pearson of average ranks) and a two-sided p-value from the t
    approximation with n - 2 degrees of freedom."""
    n = len(x)
    if n < 3:
        return None, None
    rx, ry = average_ranks(x)[0], average_ranks(y)[0]
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None, None
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if abs(rho) >= 1.0:
        return rho, 0.0
    t = rho * math.sqrt((n - 2) / (1.0 - rho * rho))
    return rho, min(1.0, 2.0 * t_sf(abs(t), n - 2))


def welch_interval(a, b, confidence):
    """Mean of a - mean of b with Welch's t interval; None parts where it cannot be formed."""
    if not a or not b:
        return None, None, None
    d = sum(a) / len(a) - sum(b) / len(b)
    va, vb = sample_var(a), sample_var(b)
    if va is None or vb is None:
        return d, None, None
    va, vb = va / len(a), vb / len(b)
    se = math.sqrt(va + vb)
    if se == 0.0:
        return d, d, d
    df = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
    half = t_quantile(0.5 * (1.0 + confidence), df) * se
    return d, d - half, d + half


def newcombe_interval(pa, la, ha, pb, lb, hb):
    """pa - pb with Newcombe's hybrid score interval (MOVER) from the two proportions' own
    intervals (la, ha) and (lb, hb), as lib/analysis/weakest.c forms a drop's interval from two
    Wilson intervals: each side combines the distances that move the difference that way,
    clamped to [-1, 1] and to contain the difference."""
    if not (finite(pa) and finite(pb)):
        return None, None, None
    d = pa - pb
    if not all(finite(x) for x in (la, ha, lb, hb)):
        return d, None, None
    lo = min(max(d - math.hypot(pa - la, hb - pb), -1.0), d)
    hi = max(min(d + math.hypot(ha - pa, pb - lb), 1.0), d)
    return d, lo, hi


def overlap(a, b):
    """Whether two (lo, hi) intervals overlap; None when either is unknown."""
    if not (finite(a[0]) and finite(a[1]) and finite(b[0]) and finite(b[1])):
        return None
    return max(a[0], b[0]) <= min(a[1], b[1])


# ---- formatting ---------------------------------------------------------------------------

def md(s):
    return str(s).replace("|", "\\|")


def pct(x, digits=1):
    return f"{100.0 * x:.{digits}f}" if finite(x) else DASH


def signed_pct(x, digits=1):
    return f"{100.0 * x:+.{digits}f}" if finite(x) else DASH


def num(x, digits=2):
    return f"{x:.{digits}f}" if finite(x) else DASH


def pval(p):
    if not finite(p):
        return DASH
    if p == 0.0:
        return "< 1e-300"
    if p < 1e-3:
        return f"{p:.1e}"
    return f"{p:.3f}"


def ci_pct(m, lo, hi, digits=1, signed=False):
    """'88.1 [87.6, 88.5]' in percent (points), or the mean alone when there is no interval."""
    f = signed_pct if signed else pct
    if not finite(m):
        return DASH
    if finite(lo) and finite(hi):
        return f"{f(m, digits)} [{pct(lo, digits)}, {pct(hi, digits)}]"
    return f"{f(m, digits)} (no interval)"


def pm_pct(m, lo, hi, digits=1):
    """'88.1 ± 0.4' when the interval is symmetric (Student t), else '88.1 [lo, hi]'."""
    if not finite(m):
        return DASH
    if not (finite(lo) and finite(hi)):
        return f"{pct(m, digits)} (no interval)"
    up, down = hi - m, m - lo
    if abs(up - down) <= 1e-9 * max(1.0, abs(m)):
        return f"{pct(m, digits)} ± {100.0 * up:.{digits}f}"
    return f"{pct(m, digits)} [{pct(lo, digits)}, {pct(hi, digits)}]"


def table(header, rows):
    out = ["| " + " | ".join(md(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(md(c) for c in r) + " |")
    return "\n".join(out)


def n_models(n):
    return f"{n} model" if n == 1 else f"{n} models"


def tally(names):
    """'Shirt (4), Coat (1)': counts, most frequent first, ties by first appearance."""
    counts = {}
    for n in names:
        if n is not None:
            counts[n] = counts.get(n, 0) + 1
    order = sorted(counts, key=lambda n: (-counts[n], names.index(n)))
    return ", ".join(f"{n} ({counts[n]})" for n in order) if order else DASH


# ---- the store ----------------------------------------------------------------------------

class Store:
    def __init__(self, report_dir, store_dir):
        self.dir = report_dir
        self.store_dir = store_dir
        self.notes = []          # partial-store and consistency notes, printed at the top
        path = os.path.join(report_dir, "summary.json")
        if not os.path.isfile(path):
            hint = ""
            if os.path.isfile(os.path.join(report_dir, "study.json")):
                hint = (f"\n{report_dir} is a store without a report yet (a study still running?): "
                        f"run `classsens report {report_dir} --out OUT` and then "
                        f"`{sys.argv[0]} OUT --store {report_dir}`")
            raise SystemExit(f"{sys.argv[0]}: no summary.json in {report_dir}{hint}")
        with open(path) as f:
            self.s = json.load(f)
        if self.s.get("format") != "classsens-summary":
            raise SystemExit(f"{sys.argv[0]}: {path} is not a classsens summary (format "
                             f"{self.s.get('format')!r})")
        if self.s.get("version") != 1:
            self.notes.append(f"summary.json version {self.s.get('version')}; this script knows version 1.")
        self.classes = list(self.s.get("classes", []))
        self.k = len(self.classes)
        self.cls_index = {c: i for i, c in enumerate(self.classes)}
        self.confidence = self.s.get("confidence", 0.95)
        self.interval = self.s.get("interval", "t")     # summary.json before issue 16 had none: t
        self.models = [m["name"] for m in self.s.get("models", [])]
        self.model_info = {m["name"]: m for m in self.s.get("models", [])}
        self.conds = []
        self.cond_info = {}
        for m in self.s.get("models", []):
            for c in m.get("conditions", []):
                if c["condition"] not in self.cond_info:
                    self.conds.append(c["condition"])
                    self.cond_info[c["condition"]] = {"family": c.get("family"), "level": c.get("level")}
        self.cell = {(m["name"], c["condition"]): c
                     for m in self.s.get("models", []) for c in m.get("conditions", [])}
        self.agreement = {a["condition"]: a for a in self.s.get("agreement", [])}

        self.study = None
        if store_dir and os.path.isfile(os.path.join(store_dir, "study.json")):
            with open(os.path.join(store_dir, "study.json")) as f:
                self.study = json.load(f)
        n_cells = len(self.models) * len(self.conds)
        self.replicates = None
        if self.study:
            self.replicates = self.study.get("config", {}).get("replicates")
            h = self.study.get("config_hash")
            if h and h != self.s.get("config_hash"):
                self.notes.append(f"study.json of {store_dir} has configuration {h}, summary.json "
                                  f"{self.s.get('config_hash')}: they describe different studies.")
        if not self.replicates and n_cells:
            self.replicates = self.s.get("cells_total", 0) // n_cells or None

        self.base = self.conds[0] if self.conds and self.cond_info[self.conds[0]]["family"] == "baseline" else None
        noise = [c for c in self.conds if self.cond_info[c]["family"] == "noise"]
        red = [c for c in self.conds if self.cond_info[c]["family"] == "reduction"]
        self.noise = sorted(noise, key=lambda c: self.cond_info[c]["level"])          # mildest first
        self.reduction = sorted(red, key=lambda c: -self.cond_info[c]["level"])       # mildest first
        # As lib/report/report.c: the highest noise level, the smallest fraction kept (first on ties).
        self.strongest_noise = max(noise, key=lambda c: self.cond_info[c]["level"]) if noise else None
        self.strongest_reduction = min(red, key=lambda c: self.cond_info[c]["level"]) if red else None

        self._partial_notes()
        self.matrices = {}       # (model, condition) -> {replicate: K x K counts, rows = truth}
        self.matrix_source = None
        self._load_matrices()
        self.train_seconds = self._train_seconds()

    # -- completeness
    def _partial_notes(self):
        fin, tot = self.s.get("cells_finished"), self.s.get("cells_total")
        self.partial = fin != tot
        if self.partial:
            self.notes.append(f"**Partial store**: summary.json covers {fin} of {tot} cells.")
        missing, short = [], []
        for m in self.models:
            gone = [c for c in self.conds if self.cell.get((m, c), {}).get("replicates", 0) == 0]
            if gone:
                missing.append(f"{m} (all {len(self.conds)} conditions)" if len(gone) == len(self.conds)
                               else f"{m} ({', '.join(gone)})")
            for c in self.conds:
                r = self.cell.get((m, c), {}).get("replicates", 0)
                if r and self.replicates and r < self.replicates:
                    short.append(f"{m} / {c} ({r} of {self.replicates} seeds)")
        if missing:
            self.notes.append("No finished replicate (shown as " + DASH + "): " + "; ".join(missing) + ".")
        if short:
            self.notes.append("Fewer seeds than planned (marked *): " + "; ".join(short) + ".")
        if self.store_dir and os.path.isdir(os.path.join(self.store_dir, "cells")):
            n = sum(1 for f in os.listdir(os.path.join(self.store_dir, "cells")) if f.endswith(".json"))
            if fin is not None and n != fin:
                self.notes.append(f"The store {self.store_dir} now has {n} cell files but summary.json was "
                                  f"written from {fin}: rebuild it (`classsens report`) for current numbers.")
            rdir = os.path.join(self.store_dir, "running")
            if os.path.isdir(rdir):
                claims = sum(1 for f in os.listdir(rdir) if f.endswith(".json"))
                if claims:
                    self.notes.append(f"{claims} cell(s) claimed as running in {rdir} (a study in progress, "
                                      f"or stale claims: see `classsens status`).")

    def seeds_mark(self, m, c):
        r = self.cell.get((m, c), {}).get("replicates", 0)
        return "*" if self.replicates and 0 < r < self.replicates else ""

    # -- per-replicate confusion matrices
    def _load_matrices(self):
        path = os.path.join(self.dir, "results.csv")
        if os.path.isfile(path):
            with open(path, newline="") as f:
                for row in csv.DictReader(f):
                    key = (row["model"], row["condition"])
                    t, p = self.cls_index.get(row["true"]), self.cls_index.get(row["pred"])
                    if t is None or p is None:
                        continue
                    mats = self.matrices.setdefault(key, {})
                    mat = mats.setdefault(int(row["replicate"]), [[0.0] * self.k for _ in range(self.k)])
                    mat[t][p] = float(row["count"])
            self.matrix_source = "results.csv"
        elif self.store_dir and os.path.isdir(os.path.join(self.store_dir, "cells")):
            cdir = os.path.join(self.store_dir, "cells")
            for name in sorted(os.listdir(cdir)):
                if not name.endswith(".json"):
                    continue
                try:
                    with open(os.path.join(cdir, name)) as f:
                        c = json.load(f)
                except (OSError, ValueError):
                    self.notes.append(f"cells/{name} does not parse: left out.")
                    continue
                if c.get("config_hash") != self.s.get("config_hash"):
                    continue
                self.matrices.setdefault((c["model"], c["condition"]), {})[c["replicate"]] = \
                    [[float(v) for v in row] for row in c["confusion"]]
            self.matrix_source = "cells/*.json"
        else:
            self.notes.append("No results.csv (and no store cells): the confusion tables (section 5) and "
                              "the checks that need per-replicate values are left out.")
            return
        for m in self.models:
            for c in self.conds:
                have = len(self.matrices.get((m, c), {}))
                want = self.cell.get((m, c), {}).get("replicates", 0)
                if have != want:
                    self.notes.append(f"{self.matrix_source} has {have} replicates of {m} / {c}, "
                                      f"summary.json {want}.")

    def mean_matrix(self, m, c):
        reps = self.matrices.get((m, c))
        if not reps:
            return None
        n = len(reps)
        out = [[0.0] * self.k for _ in range(self.k)]
        for mat in reps.values():
            for t in range(self.k):
                for p in range(self.k):
                    out[t][p] += mat[t][p] / n
        return out

    def rates(self, m, c):
        """Row-normalised mean matrix: P(pred | true)."""
        mat = self.mean_matrix(m, c)
        if mat is None:
            return None
        out = []
        for row in mat:
            s = sum(row)
            out.append([v / s if s > 0 else float("nan") for v in row])
        return out

    def replicate_accuracies(self, m, c):
        reps = self.matrices.get((m, c), {})
        out = []
        for r in sorted(reps):
            mat = reps[r]
            tot = sum(sum(row) for row in mat)
            if tot > 0:
                out.append(sum(mat[t][t] for t in range(self.k)) / tot)
        return out

    def _train_seconds(self):
        """Mean training seconds of each model's baseline cells (from cells/*.json)."""
        out = {}
        if not (self.store_dir and self.base and os.path.isdir(os.path.join(self.store_dir, "cells"))):
            return out
        cdir = os.path.join(self.store_dir, "cells")
        secs = {}
        for name in os.listdir(cdir):
            if not name.endswith(".json") or "__baseline__" not in name:
                continue
            try:
                with open(os.path.join(cdir, name)) as f:
                    c = json.load(f)
            except (OSError, ValueError):
                continue
            if c.get("condition") == self.base and c.get("config_hash") == self.s.get("config_hash"):
                t = c.get("timing", {}).get("train_seconds")
                if finite(t):
                    secs.setdefault(c["model"], []).append(t)
        return {m: sum(v) / len(v) for m, v in secs.items()}

    # -- summary accessors
    def has(self, m, c):
        cell = self.cell.get((m, c))
        return bool(cell) and cell.get("replicates", 0) > 0 and "accuracy" in cell

    def acc(self, m, c):
        if not self.has(m, c):
            return None, None, None
        a = self.cell[(m, c)]["accuracy"]
        return a.get("mean"), a.get("lo"), a.get("hi")

    def change(self, m, c, ref):
        """acc(c) - acc(ref) of model m with an interval of the kind summary.json's are: for
        "t", Welch's t over the per-replicate accuracies (the library's interval for a
        difference under CS_INTERVAL_T); otherwise Newcombe's hybrid score interval from the
        two conditions' intervals in summary.json (the library's for CS_INTERVAL_WILSON).
        Without intervals, the difference of the means alone."""
        (pa, la, ha), (pb, lb, hb) = self.acc(m, c), self.acc(m, ref)
        if self.interval == "t":
            a, b = self.replicate_accuracies(m, c), self.replicate_accuracies(m, ref)
            if a and b:
                return welch_interval(a, b, self.confidence)
            return (pa - pb if finite(pa) and finite(pb) else None), None, None
        return newcombe_interval(pa, la, ha, pb, lb, hb)

    def change_method(self):
        if self.interval == "t":
            return "Welch's t interval over the seeds' accuracies"
        short = {"wilson": "Wilson", "bootstrap": "bootstrap"}.get(self.interval, str(self.interval))
        return f"Newcombe's hybrid score interval from the two conditions' {short} intervals"

    def interval_name(self):
        return {"t": "Student t", "wilson": "Wilson score (seeds and test-set size)",
                "bootstrap": "percentile bootstrap"}.get(self.interval, str(self.interval))

    def class_acc(self, m, c):
        """Per-class mean accuracies in class order, or None."""
        if not self.has(m, c):
            return None
        by = {e["class"]: e.get("mean") for e in self.cell[(m, c)].get("class_accuracy", [])}
        vals = [by.get(n) for n in self.classes]
        return vals if all(finite(v) for v in vals) else None

    def sensitivity(self, m, c):
        """Per-class accuracy drop from the model's own baseline (baseline - condition)."""
        b, x = self.class_acc(m, self.base), self.class_acc(m, c)
        if b is None or x is None:
            return None
        return [bb - xx for bb, xx in zip(b, x)]

    def ranking(self, m, c, key):
        if not self.has(m, c):
            return None
        return self.cell[(m, c)].get(key)

    def label(self, c):
        info = self.cond_info.get(c, {})
        f, lv = info.get("family"), info.get("level")
        if f == "baseline":
            return "baseline"
        if f == "noise" and finite(lv):
            return f"{c} (noise {100 * lv:g} %)"
        if f == "reduction" and finite(lv):
            return f"{c} (kept {100 * lv:g} %)"
        return c


# ---- sections -----------------------------------------------------------------------------

def section_header(st, args):
    s = st.s
    print("# Evidence tables")
    print()
    src = st.dir if not st.store_dir or st.store_dir == st.dir else f"{st.dir} (store {st.store_dir})"
    print(f"Generated by `scripts/evidence_tables.py` from `{src}`: data `{s.get('data')}`, "
          f"configuration `{s.get('config_hash')}`, {s.get('cells_finished')} of {s.get('cells_total')} "
          f"cells, {s.get('train_records')} training / {s.get('test_records')} test records, "
          f"{len(st.models)} models × {len(st.conds)} conditions × {st.replicates or '?'} seeds. "
          f"Intervals: {100 * st.confidence:g} % {st.interval_name()} over seeds, as summary.json gives "
          f"them (docs/analysis.md); the changes from the baseline computed here take that method's "
          f"interval for a difference ({st.change_method()}), as summary.json's class drops do. "
          f"Accuracies in %, changes in percentage points.")
    print()
    if st.notes:
        for n in st.notes:
            print(f"- {n}")
    else:
        print("- Complete store: every cell has all its seeds.")
    print()


def section_table1(st, args):
    print("## 1. Table 1: baseline results")
    print()
    if not st.base:
        print("No baseline condition in this study.")
        print()
        return
    params = args.params
    header = ["Model", "Architecture", "Width", "Epochs", "Learning rate", "Batch size",
              "Baseline accuracy % [CI]", "Seeds", "Parameters", "Training s per cell",
              "Article (CIFAR-10): epochs / batch / accuracy %"]
    rows = []
    for m in st.models:
        info = st.model_info[m]
        a = st.acc(m, st.base)
        art = ARTICLE_TABLE1.get(info.get("arch"))
        rows.append([
            m, info.get("arch"), f"{info.get('width'):g}" if finite(info.get("width")) else DASH,
            info.get("epochs", DASH), f"{info.get('lr'):g}" if finite(info.get("lr")) else DASH,
            info.get("batch_size", DASH), ci_pct(*a, digits=2) + st.seeds_mark(m, st.base),
            st.cell.get((m, st.base), {}).get("replicates", 0),
            f"{params[m]:,}" if m in params else DASH,
            (f"{st.train_seconds[m]:.0f}" if st.train_seconds[m] >= 10 else f"{st.train_seconds[m]:.2f}")
            if m in st.train_seconds else DASH,
            f"{art[1]} / {art[2]} / {art[3]}" if art else DASH])
    print(table(header, rows))
    print()
    notes = []
    if not params:
        notes.append("Parameter counts are not in the store (summary.json, study.json and the cell files have "
                     "none): pass them with `--params NAME=COUNT,...`.")
    if not st.train_seconds:
        notes.append("Training times come from the store's cells/ (pass `--store` when the report is elsewhere).")
    notes.append("The article's accuracies are CIFAR-10 at width 1 and its epochs; this study's data, widths "
                 "and epochs are in the columns before.")
    for n in notes:
        print(f"- {n}")
    print()


def section_accuracy(st, args):
    print("## 2. Test accuracy per model and condition")
    print()
    print(f"Mean over seeds with its {100 * st.confidence:g} % interval (%; ± half-width where the interval "
          f"is symmetric).")
    print()
    header = ["Model"] + [st.label(c) for c in st.conds]
    rows = []
    for m in st.models:
        rows.append([m] + [pm_pct(*st.acc(m, c)) + st.seeds_mark(m, c) for c in st.conds])
    print(table(header, rows))
    print()
    if st.base and len(st.conds) > 1:
        print(f"Change from each model's own baseline (points; {st.change_method()}, computed here):")
        print()
        others = st.conds[1:]
        rows = []
        for m in st.models:
            r = [m]
            for c in others:
                d, lo, hi = st.change(m, c, st.base)
                r.append(ci_pct(d, lo, hi, signed=True) if finite(lo) else
                         signed_pct(d) if finite(d) else DASH)
            rows.append(r)
        print(table(["Model"] + [st.label(c) for c in others], rows))
        print()
    rows = []
    for c in st.conds:
        tr = [st.cell[(m, c)].get("train_records") for m in st.models if st.has(m, c)]
        fr = [st.cell[(m, c)].get("flip_rate") for m in st.models if st.has(m, c)]
        mt, mf = mean(tr), mean(fr)
        good = mt * (1 - mf) if finite(mt) and finite(mf) else mt
        rows.append([st.label(c), st.cond_info[c]["family"], f"{mt:.0f}" if finite(mt) else DASH,
                     pct(mf) if finite(mf) else DASH, f"{good:.0f}" if finite(good) else DASH])
    print("Training sets (mean over the finished cells; the realised flip rate is the share of labels "
          "actually changed):")
    print()
    print(table(["Condition", "Family", "Training records", "Realised flip rate %",
                 "Correctly labelled records"], rows))
    print()


def ranking_rows(st, m, c, key, top, scale_label):
    """Rows (rank, class, value [CI] with ≈ where the next interval overlaps) and the order note."""
    rk = st.ranking(m, c, key)
    if not rk:
        return None, "not available"
    cells, flags, unknown = [], [], False
    for i in range(min(top, len(rk))):
        e = rk[i]
        nxt = rk[i + 1] if i + 1 < len(rk) else None
        ov = overlap((e.get("lo"), e.get("hi")), (nxt.get("lo"), nxt.get("hi"))) if nxt else False
        if ov is None:
            unknown = True
        elif ov:
            flags.append(f"{i + 1}≈{i + 2}")
        mark = " ≈" if ov else ""
        cells.append((e["class"], ci_pct(e.get("score"), e.get("lo"), e.get("hi"), signed=scale_label) + mark))
    if unknown:
        note = "order not established (no intervals)"
    elif flags:
        note = "order not established: " + ", ".join(flags)
    else:
        note = "established"
    return cells, note


def section_weakest(st, args):
    print("## 3. Weakest classes")
    print()
    print(f"The {args.top} weakest classes per model, by accuracy (lowest first, %) and by sensitivity "
          f"(largest accuracy drop from the model's baseline first, points), each with its "
          f"{100 * st.confidence:g} % interval from summary.json ({st.interval_name()}; for drops "
          f"{'Welch' if st.interval == 't' else 'Newcombe' if st.interval == 'wilson' else 'a bootstrap of the difference'}). "
          f"≈ marks a class whose interval overlaps the next one's (the next may be rank {args.top + 1}, "
          f"outside the table): the order of those two is not established by these seeds.")
    print()
    conds = []
    if st.base:
        conds.append(("Baseline (clean data)", st.base))
    if args.all_conditions:
        conds += [(st.label(c), c) for c in st.conds if c != st.base]
    else:
        if st.strongest_noise:
            conds.append(("Strongest noise: " + st.label(st.strongest_noise), st.strongest_noise))
        if st.strongest_reduction:
            conds.append(("Strongest reduction: " + st.label(st.strongest_reduction), st.strongest_reduction))
    for title, c in conds:
        print(f"### {title}")
        print()
        header = ["Model", "#", "Weakest by accuracy", "Accuracy %"]
        if c != st.base:
            header += ["Weakest by sensitivity", "Drop (points)"]
        rows, notes = [], []
        for m in st.models:
            acc, acc_note = ranking_rows(st, m, c, "weakest_by_accuracy", args.top, False)
            sen, sen_note = (ranking_rows(st, m, c, "weakest_by_sensitivity", args.top, True)
                             if c != st.base else (None, None))
            if acc is None and (c == st.base or sen is None):
                rows.append([m + st.seeds_mark(m, c), DASH, "no finished seed", DASH] +
                            ([DASH, DASH] if c != st.base else []))
                continue
            n = max(len(acc or []), len(sen or []))
            for i in range(n):
                r = [m + st.seeds_mark(m, c) if i == 0 else "", i + 1]
                r += list(acc[i]) if acc and i < len(acc) else [DASH, DASH]
                if c != st.base:
                    r += list(sen[i]) if sen and i < len(sen) else [DASH, DASH]
                rows.append(r)
            notes.append(f"{m}: by accuracy {acc_note}" + (f"; by sensitivity {sen_note}" if c != st.base else ""))
        if notes:
            print(table(header, rows))
            print()
            for n in notes:
                print(f"- {n}")
        else:
            print("No finished cell.")
        print()


def section_agreement(st, args):
    print("## 4. Cross-model agreement")
    print()
    print("Kendall's W over the models that have the condition and their baseline (summary.json): the "
          "score is difficulty (1 − class accuracy) on the baseline and sensitivity (accuracy drop from "
          "the model's baseline) under a perturbation. p: Friedman chi-square. Spearman ρ and top-k Jaccard: "
          "over model pairs. The last two columns are computed here from the per-class accuracies of "
          "summary.json: W recomputed (a check) and W of the accuracy itself (difficulty under the "
          "condition, what the article's Figures 3 and 5 rank).")
    print()
    rows = []
    for c in st.conds:
        a = st.agreement.get(c)
        have = [m for m in st.models if st.class_acc(m, c) is not None and
                (c == st.base or st.class_acc(m, st.base) is not None)]
        if c == st.base:
            scores = [[1 - v for v in st.class_acc(m, c)] for m in have]
        else:
            scores = [st.sensitivity(m, c) for m in have]
        w_re, _ = kendall_w(scores) if len(scores) >= 2 else (None, None)
        accm = [m for m in st.models if st.class_acc(m, c) is not None]
        w_acc, p_acc = kendall_w([[1 - v for v in st.class_acc(m, c)] for m in accm]) \
            if len(accm) >= 2 else (None, None)
        if not a:
            rows.append([st.label(c), DASH, f"{len(have)} of {len(st.models)}", DASH, DASH, DASH, DASH,
                         num(w_re, 3), f"{num(w_acc, 3)} (p {pval(p_acc)})" if w_acc is not None else DASH])
            continue
        ms = a.get("models", [])
        n = len(ms)
        off = lambda key: [a[key][i][j] for i in range(n) for j in range(i + 1, n)
                           if key in a and finite(a[key][i][j])]
        sp, jc = off("spearman"), off("top_k_jaccard")
        missing = [m for m in st.models if m not in ms]
        who = f"{n} of {len(st.models)}" + (f" (without {', '.join(missing)})" if missing else "")
        rows.append([st.label(c), "difficulty" if c == st.base else "sensitivity", who,
                     num(a.get("kendall_w"), 3), pval(a.get("p_value")),
                     f"{num(mean(sp), 2)} ({num(min(sp), 2)} to {num(max(sp), 2)})" if sp else DASH,
                     f"{num(mean(jc), 2)} (top {a.get('top_k')})" if jc else DASH,
                     num(w_re, 3),
                     f"{num(w_acc, 3)} (p {pval(p_acc)})" if w_acc is not None else DASH])
    print(table(["Condition", "Score", "Models", "Kendall's W", "p", "Spearman ρ mean (min to max)",
                 "Top-k Jaccard mean", "W recomputed", "W of accuracy (p)"], rows))
    print()
    absent = [c for c in st.conds if c not in st.agreement]
    if absent:
        print(f"No agreement in summary.json for {', '.join(absent)}: fewer than 2 models have the condition "
              f"(and, under a perturbation, their baseline) finished.")
        print()
    show = [st.base, st.strongest_noise, st.strongest_reduction] if not args.all_conditions else st.conds
    for c in [c for c in show if c and c in st.agreement]:
        a = st.agreement[c]
        ms = a.get("models", [])
        if "spearman" not in a:
            continue
        print(f"Pairwise Spearman ρ, {st.label(c)}:")
        print()
        print(table([""] + ms, [[mi] + [num(a["spearman"][i][j], 2) for j in range(len(ms))]
                                for i, mi in enumerate(ms)]))
        print()


def top_directed(rates_or_counts, k, n):
    """The n largest off-diagonal cells, as cs_confusion_top_directed orders them: value
    descending, then true class, then predicted class (zero cells left out)."""
    cells = [(rates_or_counts[t][p], t, p) for t in range(k) for p in range(k)
             if t != p and finite(rates_or_counts[t][p]) and rates_or_counts[t][p] > 0]
    cells.sort(key=lambda x: (-x[0], x[1], x[2]))
    return [(t, p) for _, t, p in cells[:n]]


def asymmetry(mat, a, b):
    s = mat[a][b] + mat[b][a]
    return (mat[a][b] - mat[b][a]) / s if s > 0 else None


def direction_votes(st, models, c, a, b):
    """Over every (model, seed) cell of condition c: (a->b more often, b->a more often, equal)."""
    more = less = same = 0
    for m in models:
        for mat in st.matrices.get((m, c), {}).values():
            if mat[a][b] > mat[b][a]:
                more += 1
            elif mat[a][b] < mat[b][a]:
                less += 1
            else:
                same += 1
    return more, less, same


def aggregated_directed(st, c, n):
    """Top n directed confusions of condition c over the models that have it: mean share of the
    true class (each model weighted equally), rows as in section 5."""
    models = [m for m in st.models if st.rates(m, c) is not None]
    if not models:
        return None, models
    k = st.k
    R = {m: st.rates(m, c) for m in models}
    M = {m: st.mean_matrix(m, c) for m in models}
    share = [[mean([R[m][t][p] for m in models]) for p in range(k)] for t in range(k)]
    summed = [[sum(M[m][t][p] for m in models) for p in range(k)] for t in range(k)]
    own_top = {m: set(top_directed(M[m], k, n)) for m in models}
    rows = []
    for t, p in top_directed(share, k, n):
        if c != st.base and st.base:
            deltas = [R[m][t][p] - st.rates(m, st.base)[t][p] for m in models if st.rates(m, st.base)]
            change = (mean(deltas), len(deltas))
        else:
            change = None
        more, less, same = direction_votes(st, models, c, t, p)
        rows.append({"t": t, "p": p, "share": share[t][p], "reverse": share[p][t],
                     "asym": asymmetry(summed, t, p), "change": change,
                     "in_top": sum(1 for m in models if (t, p) in own_top[m]),
                     "votes": (more, less, same)})
    return rows, models


def change_text(change, n):
    if not change or change[1] == 0:
        return DASH
    return signed_pct(change[0]) + (f" ({change[1]} of {n} models)" if change[1] < n else "")


def section_directional(st, args):
    print("## 5. Directional confusions")
    print()
    if not st.matrices:
        print("Not available: no results.csv and no cell files.")
        print()
        return
    n = args.confusions
    print(f"Computed here from {st.matrix_source}: each model's mean confusion matrix over its seeds "
          f"(counts averaged, then normalised by the true class). *Share*: percentage of the true class "
          f"predicted as the other, mean over the models; *reverse*: the same for predicted → true; "
          f"*asymmetry*: (C[a][b] − C[b][a]) / (C[a][b] + C[b][a]) on the counts summed over models "
          f"(+1: only a → b); *change*: share minus the baseline's share, mean over models (points); "
          f"*in top {n}*: models whose own {n} most frequent confusions include the pair; *cells a→b > "
          f"b→a*: (model, seed) cells in which the pair's direction holds / reverses / ties.")
    print()
    for c in st.conds:
        rows, models = aggregated_directed(st, c, n)
        print(f"### {st.label(c)}")
        print()
        if not rows:
            print("No finished cell.")
            print()
            continue
        if len(models) < len(st.models):
            print(f"Over {len(models)} of {len(st.models)} models ({', '.join(models)}).")
            print()
        out = []
        for r in rows:
            more, less, same = r["votes"]
            out.append([f"{st.classes[r['t']]} → {st.classes[r['p']]}", pct(r["share"]), pct(r["reverse"]),
                        num(r["asym"], 2), change_text(r["change"], len(models)),
                        f"{r['in_top']} of {len(models)}", f"{more} / {less} / {same}"])
        print(table(["True → predicted", "Share %", "Reverse %", "Asymmetry", "Change vs baseline",
                     f"In top {n}", "Cells a→b > b→a / < / ="], out))
        print()
    if args.per_model > 0:
        show = [c for c in (st.base, st.strongest_noise, st.strongest_reduction) if c]
        print(f"### Per model: the {args.per_model} most frequent confusions")
        print()
        out = []
        for m in st.models:
            for c in show:
                M, R = st.mean_matrix(m, c), st.rates(m, c)
                if M is None:
                    out.append([m, c, "no finished seed", DASH, DASH, DASH, DASH])
                    continue
                B = st.rates(m, st.base) if st.base and c != st.base else None
                for t, p in top_directed(M, st.k, args.per_model):
                    out.append([m, c, f"{st.classes[t]} → {st.classes[p]}", pct(R[t][p]), pct(R[p][t]),
                                num(asymmetry(M, t, p), 2), signed_pct(R[t][p] - B[t][p]) if B else DASH])
        print(table(["Model", "Condition", "True → predicted", "Share %", "Reverse %", "Asymmetry",
                     "Change vs baseline"], out))
        print()


# ---- section 6: the article's findings ----------------------------------------------------

def first_of(st, m, c, key, i=0):
    rk = st.ranking(m, c, key)
    return rk[i]["class"] if rk and len(rk) > i else None


def established_first(st, m, c, key):
    """True when #1's interval is clear of #2's, False when they overlap, None without intervals."""
    rk = st.ranking(m, c, key)
    if not rk or len(rk) < 2:
        return None
    ov = overlap((rk[0].get("lo"), rk[0].get("hi")), (rk[1].get("lo"), rk[1].get("hi")))
    return None if ov is None else not ov


def tally_line(st, c, key, what):
    """'#1: Shirt (4), Coat (1) [#1 clear of #2 in 3 of 5]; #2: ...; top 2 sets: ...'."""
    ms = [m for m in st.models if st.ranking(m, c, key)]
    if not ms:
        extra = " with a baseline" if key == "weakest_by_sensitivity" else ""
        return f"{what}: not available ({st.label(c)} has no finished model{extra})."
    firsts = [first_of(st, m, c, key) for m in ms]
    seconds = [first_of(st, m, c, key, 1) for m in ms]
    est = [established_first(st, m, c, key) for m in ms]
    clear = f"#1's interval clear of #2's in {sum(1 for e in est if e)} of {len(ms)}"
    if any(e is None for e in est):
        clear += f", no interval in {sum(1 for e in est if e is None)}"
    per = "; ".join(f"{m}: {first_of(st, m, c, key)}, {first_of(st, m, c, key, 1)}" for m in ms)
    in_top2 = [x for m in ms for x in (first_of(st, m, c, key), first_of(st, m, c, key, 1))]
    return (f"{what} over {n_models(len(ms))} — #1: {tally(firsts)} ({clear}); #2: {tally(seconds)}; "
            f"in the top 2: {tally(in_top2)}. Per model (#1, #2): {per}.")


def check(number, claim, where, lines):
    print(f"**F{number}. {claim}**  ")
    print(f"*Article:* {where}")
    print()
    blocks = []
    for ln in lines:
        if isinstance(ln, tuple):     # ("table", text): printed after the list, outside it
            blocks.append(ln[1])
        else:
            print(f"- {ln}")
    print("- Verdict: ____ (holds / does not hold / not established)")
    print()
    for b in blocks:
        print(b)
        print()


def section_checklist(st, args):
    print("## 6. The article's findings, with the numbers that bear on them")
    print()
    print("Each finding as the article states it (for CIFAR-10; here the classes are this data set's, so "
          "class-specific claims are checked in their general form: *one* class is weakest for all "
          "models, *one* pair is confused by all). Numbers only; the verdict is left blank.")
    print()
    base, sn, sr = st.base, st.strongest_noise, st.strongest_reduction

    # F1: models differ; LeNet much worse.
    lines = []
    accs = [(m, st.acc(m, base)) for m in st.models if base and st.has(m, base)]
    if accs:
        ranked = sorted(accs, key=lambda x: -x[1][0])
        lines.append("Baseline accuracy, best first: " + "; ".join(
            f"{m} {ci_pct(*a)}" for m, a in ranked) + ".")
        hi, lo = ranked[0], ranked[-1]
        if len(ranked) > 1:
            lines.append(f"Spread best − worst: {100 * (hi[1][0] - lo[1][0]):.1f} points ({hi[0]} − {lo[0]}).")
        else:
            lines.append("Only one model has a baseline: no comparison.")
        for m, a in accs:
            if st.model_info[m].get("arch") == "lenet":
                pos = [x[0] for x in ranked].index(m) + 1
                ov = [o for o, b in accs if o != m and overlap((a[1], a[2]), (b[1], b[2]))]
                gap = [100 * (b[0] - a[0]) for o, b in accs if o != m]
                lines.append(f"{m}: rank {pos} of {len(accs)}; the other models' accuracy minus {m}'s: "
                             f"{min(gap):+.1f} to {max(gap):+.1f} points." if gap else f"{m}: the only model.")
                lines.append(f"{m}'s interval overlaps: {', '.join(ov) if ov else 'no other model'}.")
    else:
        lines.append("No baseline accuracy available.")
    check(1, "Models do not perform equally on the same clean training set; LeNet does very poorly "
          "compared to the other (deeper) models.", "Table 1 and Figure 1.", lines)

    # F2: a specific class is weakest even on the clean data.
    lines = [tally_line(st, base, "weakest_by_accuracy", "Least accurate class on the clean data")] if base \
        else ["No baseline."]
    if base and st.agreement.get(base):
        a = st.agreement[base]
        lines.append(f"Agreement on difficulty (baseline): W = {num(a.get('kendall_w'), 3)}, "
                     f"p = {pval(a.get('p_value'))} over {n_models(len(a.get('models', [])))}.")
    check(2, "Some classes are problematic even with a perfectly clean training set ('bird'; 'cat' "
          "for LeNet and the custom model, 'dog' for ResNet18/UnResNet18, 'cat' and 'dog' for "
          "GoogLeNet).", "Figure 1 bullets.", lines)

    # F3 / F4: the same confusions whatever the model (cat -> dog).
    lines = []
    rates = {m: st.rates(m, base) for m in st.models} if base else {}
    rates = {m: r for m, r in rates.items() if r is not None}
    if rates:
        rows = []
        agree_counts = []
        for t in range(st.k):
            targets, named = [], []
            for m in st.models:
                if m not in rates:
                    continue
                row = rates[m][t]
                cand = [(row[p], p) for p in range(st.k) if p != t and finite(row[p])]
                cand.sort(key=lambda x: (-x[0], x[1]))
                targets.append(st.classes[cand[0][1]] if cand and cand[0][0] > 0 else None)
                named.append(f"{m}: {targets[-1] or DASH}")
            cnt = {}
            for x in targets:
                if x:
                    cnt[x] = cnt.get(x, 0) + 1
            modal = max(cnt, key=lambda x: (cnt[x], -targets.index(x))) if cnt else None
            agree_counts.append(cnt.get(modal, 0) if modal else 0)
            acc = mean([rates[m][t][t] for m in rates])
            rows.append([st.classes[t], pct(acc), modal or DASH,
                         f"{cnt.get(modal, 0)} of {len(rates)}", "; ".join(named)])
        print_table = table(["True class", "Mean accuracy %", "Most frequent wrong prediction (modal)",
                             "Models agreeing", "Most frequent target per model"], rows)
        lines.append("Each class's most frequent wrong prediction on the clean data, per model: in the "
                     "table below (computed here).")
        lines.append(("table", print_table))
        if len(rates) >= 2:
            lines.append(f"Classes whose most frequent target is the same for all {len(rates)} models: "
                         f"{sum(1 for x in agree_counts if x == len(rates))} of {st.k}.")
        else:
            lines.append(f"Only {n_models(len(rates))} with baseline matrices: agreement across models not "
                         f"computable.")
        weak = [first_of(st, m, base, "weakest_by_accuracy") for m in st.models]
        weak = [w for w in weak if w]
        if weak:
            w0 = max(set(weak), key=lambda x: (weak.count(x), -weak.index(x)))
            t = st.cls_index[w0]
            per = []
            for m, r in rates.items():
                cand = sorted([(r[t][p], p) for p in range(st.k) if p != t], key=lambda x: (-x[0], x[1]))
                per.append(f"{m}: {st.classes[cand[0][1]]} {pct(cand[0][0])} %, then "
                           f"{st.classes[cand[1][1]]} {pct(cand[1][0])} %")
            lines.append(f"The most often weakest class, {w0}, is taken for: " + "; ".join(per) + ".")
        n = args.confusions
        sets = {m: set(top_directed(st.mean_matrix(m, base), st.k, n)) for m in rates}
        ms = list(sets)
        jac = [len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for i, a in enumerate(ms) for b in ms[i + 1:]
               if sets[a] | sets[b]]
        common = set.intersection(*sets.values()) if sets else set()
        if len(sets) >= 2:
            lines.append(f"Overlap of the models' {n} most frequent directed confusions (computed here): mean "
                         f"pairwise Jaccard {num(mean(jac), 2)}; pairs in every model's top {n}: "
                         + (", ".join(f"{st.classes[a]} → {st.classes[b]}" for a, b in sorted(common))
                            if common else "none") + ".")
    else:
        lines.append("No baseline confusion matrices (results.csv) available.")
    if base and st.agreement.get(base):
        a = st.agreement[base]
        lines.append(f"Baseline difficulty ranking: W = {num(a.get('kendall_w'), 3)}, p = {pval(a.get('p_value'))}.")
    check(3, "Cats are always mostly confused for dogs (less so for frogs): the same group of classes "
          "are confused for each other regardless of the model, so class similarity is intrinsic to the "
          "data.", "Figure 1 discussion and its first summary bullet.", lines)

    # F4: directional.
    lines = []
    if st.matrices and base:
        rows, models = aggregated_directed(st, base, args.confusions)
        if rows:
            for r in rows:
                more, less, same = r["votes"]
                lines.append(f"{st.classes[r['t']]} → {st.classes[r['p']]}: {pct(r['share'])} % of the true "
                             f"class vs {pct(r['reverse'])} % the other way, asymmetry {num(r['asym'], 2)}; "
                             f"direction holds in {more}, reverses in {less}, ties in {same} of "
                             f"{more + less + same} (model, seed) cells.")
            per_model = []
            for m in models:
                M = st.mean_matrix(m, base)
                asy = [abs(asymmetry(M, t, p)) for t, p in top_directed(M, st.k, args.confusions)]
                per_model.append(f"{m} {num(mean(asy), 2)}")
            lines.append(f"Mean |asymmetry| of each model's {args.confusions} most frequent confusions: "
                         + "; ".join(per_model) + ".")
    else:
        lines.append("No confusion matrices available.")
    check(4, "Cross-class confusion is directional: class A can be easily confused for class B even if "
          "B is rarely confused for A (the confusion matrix is not symmetric).",
          "Figure 1, second summary bullet.", lines)

    # F5: LeNet reacts badly to noise, GoogLeNet stable.
    lines = []
    for c in st.noise:
        drops = []
        for m in st.models:
            d, lo, hi = st.change(m, base, c) if base else (None, None, None)
            mb = st.acc(m, base)[0] if base else None
            if d is not None:
                drops.append((m, d, lo, hi, d / mb if finite(mb) and mb > 0 else None))
        if not drops:
            lines.append(f"{st.label(c)}: no model with both this condition and its baseline.")
            continue
        drops.sort(key=lambda x: -x[1])
        lines.append(f"{st.label(c)}, accuracy drop from the baseline, largest first (points [CI]; "
                     f"relative %): " + "; ".join(f"{m} {ci_pct(d, lo, hi, signed=True)}; {pct(rel)} %"
                                                   for m, d, lo, hi, rel in drops) + ".")
    if not st.noise:
        lines.append("No noise condition in this study.")
    check(5, "LeNet reacts very badly to labelling pollution; GoogLeNet is very stable to it compared "
          "to the other models.", "Experiment 1, Figure 2 discussion.", lines)

    # F6: at 10 % noise the weakest classes are the same (cat, bird) across models.
    lines = [tally_line(st, c, "weakest_by_accuracy", f"Least accurate at {st.label(c)}") for c in st.noise[:1]]
    lines += [tally_line(st, c, "weakest_by_sensitivity", f"Largest drop at {st.label(c)}") for c in st.noise[:1]]
    check(6, "'cat' and 'bird' are the weakest classes in ResNet18 and UnResNet18 at 10 % noise, and "
          "in GoogLeNet too.", "Experiment 1, Figure 2 discussion (mildest noise level).",
          lines or ["No noise condition in this study."])

    # F7: at 30 % noise one class is almost unequivocally the weakest; second uncertain.
    lines = []
    if sn:
        lines.append(tally_line(st, sn, "weakest_by_accuracy", f"Least accurate at {st.label(sn)}"))
        accm = [m for m in st.models if st.class_acc(m, sn) is not None]
        w, p = kendall_w([[1 - v for v in st.class_acc(m, sn)] for m in accm]) if len(accm) >= 2 else (None, None)
        lines.append(f"Agreement on accuracy at {st.label(sn)} (computed here): W = {num(w, 3)}, p = {pval(p)} "
                     f"over {n_models(len(accm))}.")
    check(7, "At 30 % noise 'cat' is almost unequivocally the weakest class (least accurate for all "
          "models except LeNet); the models disagree on the second ('bird' or 'dog').",
          "Experiment 1, Figure 3.", lines or ["No noise condition in this study."])

    # F8: the most sensitive classes under noise; same whatever the model.
    lines = []
    for c in st.noise:
        lines.append(tally_line(st, c, "weakest_by_sensitivity", f"Largest drop at {st.label(c)}"))
        a = st.agreement.get(c)
        if a:
            lines.append(f"Sensitivity agreement at {st.label(c)}: W = {num(a.get('kendall_w'), 3)}, "
                         f"p = {pval(a.get('p_value'))} over {n_models(len(a.get('models', [])))}.")
        else:
            lines.append(f"Sensitivity agreement at {st.label(c)}: not in summary.json (fewer than 2 models).")
    check(8, "'bird' and 'cat' are the most sensitive classes under labelling noise; the same classes "
          "are impacted by labelling pollution regardless of the model.",
          "Experiment 1, Figure 3 and its summary bullet.", lines or ["No noise condition in this study."])

    # F9: reduction: same classes, whatever the model.
    lines = []
    for c in st.reduction:
        lines.append(tally_line(st, c, "weakest_by_accuracy", f"Least accurate at {st.label(c)}"))
        lines.append(tally_line(st, c, "weakest_by_sensitivity", f"Largest drop at {st.label(c)}"))
        a = st.agreement.get(c)
        if a:
            lines.append(f"Sensitivity agreement at {st.label(c)}: W = {num(a.get('kendall_w'), 3)}, "
                         f"p = {pval(a.get('p_value'))} over {n_models(len(a.get('models', [])))}.")
    check(9, "'cat' and 'bird' are the most affected by data volume reduction throughout; the same "
          "classes are impacted when reducing the training data, regardless of the model.",
          "Experiment 2, Figures 4 and 5 and the first summary bullet.",
          lines or ["No reduction condition in this study."])

    # F10: noise-sensitive classes = reduction-sensitive classes.
    lines = []
    if sn and sr:
        per = []
        for m in st.models:
            x, y = st.sensitivity(m, sn), st.sensitivity(m, sr)
            if x is None or y is None:
                per.append(f"{m}: {DASH} (needs both conditions and the baseline)")
                continue
            rho, p = spearman(x, y)
            tx = {st.classes[i] for i in sorted(range(st.k), key=lambda i: (-x[i], i))[:args.top]}
            ty = {st.classes[i] for i in sorted(range(st.k), key=lambda i: (-y[i], i))[:args.top]}
            per.append(f"{m}: ρ = {num(rho, 2)} (p {pval(p)}), top {args.top} shared: "
                       f"{', '.join(sorted(tx & ty)) or 'none'}")
        lines.append(f"Per model, Spearman ρ between the class sensitivities at {sn} and at {sr} "
                     f"(computed here; p from the t approximation, {st.k} classes): " + "; ".join(per) + ".")
    pairs = []
    for cn in st.noise:
        for cr in st.reduction:
            ms = [m for m in st.models if st.sensitivity(m, cn) is not None and st.sensitivity(m, cr) is not None]
            if not ms:
                continue
            x = [mean([st.sensitivity(m, cn)[t] for m in ms]) for t in range(st.k)]
            y = [mean([st.sensitivity(m, cr)[t] for m in ms]) for t in range(st.k)]
            rho, p = spearman(x, y)
            pairs.append(f"{cn} vs {cr}: ρ = {num(rho, 2)} (p {pval(p)}, {n_models(len(ms))})")
    if pairs:
        lines.append("Sensitivity averaged over the models, Spearman ρ between each noise and each reduction "
                     "condition (computed here): " + "; ".join(pairs) + ".")
    if sn and sr:
        fn = [first_of(st, m, sn, "weakest_by_sensitivity") for m in st.models]
        fr = [first_of(st, m, sr, "weakest_by_sensitivity") for m in st.models]
        same = sum(1 for a, b in zip(fn, fr) if a and b and a == b)
        lines.append(f"Most sensitive class at {sn}: {tally(fn)}; at {sr}: {tally(fr)}; the same class "
                     f"for {same} of {sum(1 for a, b in zip(fn, fr) if a and b)} models.")
    check(10, "The classes impacted by labelling noise are, generally speaking, the same ones that are "
          "sensitive to volume reduction ('cat' most sensitive in both experiments, then 'bird' and "
          "'dog').", "Experiment 2 summary bullet; the first article's summary.",
          lines or ["Needs both a noise and a reduction condition."])

    # F11: accuracy falls with noise and with reduction (implicit in both experiments).
    lines = []
    for fam, series in (("noise", st.noise), ("reduction", st.reduction)):
        if not series or not base:
            continue
        seq = [base] + series
        per = []
        for m in st.models:
            vals = [st.acc(m, c) for c in seq]
            if not any(finite(v[0]) for v in vals):
                per.append(f"{m}: no finished cell")
                continue
            txt = " → ".join(pct(v[0]) for v in vals)
            steps = [(vals[i], vals[i + 1]) for i in range(len(vals) - 1)
                     if finite(vals[i][0]) and finite(vals[i + 1][0])]
            down = sum(1 for a, b in steps if b[0] < a[0])
            sep = sum(1 for a, b in steps if b[0] < a[0] and overlap((a[1], a[2]), (b[1], b[2])) is False)
            per.append(f"{m}: {txt} ({down} of {len(steps)} steps down, {sep} with disjoint intervals)")
        lbl = " → ".join(["baseline"] + series)
        lines.append(f"Accuracy along {fam} ({lbl}): " + "; ".join(per) + ".")
    check(11, "Accuracy decreases as labelling noise increases and as the training set shrinks.",
          "Implicit in Experiments 1 and 2 (Figures 2-5).", lines or ["Needs a baseline and perturbations."])

    # F12: noise = less good data + bad data: compare with reduction.
    lines = []
    if base and (st.noise or st.reduction):
        rows = []
        for c in st.noise + st.reduction:
            tr = mean([st.cell[(m, c)].get("train_records") for m in st.models if st.has(m, c)])
            fr = mean([st.cell[(m, c)].get("flip_rate") for m in st.models if st.has(m, c)])
            good = tr * (1 - fr) if finite(tr) and finite(fr) else tr
            bad = tr * fr if finite(tr) and finite(fr) else (0.0 if finite(tr) else None)
            drops = []
            for m in st.models:
                a, b = st.acc(m, c)[0], st.acc(m, base)[0]
                drops.append(signed_pct(a - b) if finite(a) and finite(b) else DASH)
            rows.append([st.label(c), f"{good:.0f}" if finite(good) else DASH,
                         f"{bad:.0f}" if finite(bad) else DASH] + drops)
        lines.append("Accuracy change from the baseline (points) against the correctly and wrongly labelled "
                     "training records: in the table below.")
        lines.append(("table", table(["Condition", "Correct labels", "Wrong labels"] + st.models, rows)))
    check(12, "Noise induction mixes two effects (less good data and more bad data), which the "
          "reduction experiment decouples; whether noise hurts only through the loss of good data is "
          "left to the third article.", "Experiment 2 introduction (a question, not a claim).",
          lines or ["Needs a baseline and perturbations."])

    # F13: conclusion.
    lines = []
    for c in st.conds:
        a = st.agreement.get(c)
        if a:
            lines.append(f"{st.label(c)}: W = {num(a.get('kendall_w'), 3)}, p = {pval(a.get('p_value'))}, "
                         f"{n_models(len(a.get('models', [])))}.")
        else:
            lines.append(f"{st.label(c)}: no agreement in summary.json (fewer than 2 models have it and "
                         f"their baseline).")
    check(13, "The same classes are consistently affected by both reduction and wrong labels regardless "
          "of the model: class sensitivity is a data-intrinsic property rather than a model-dependent one.",
          "End notes (the article's conclusion; see also F3, F8-F10).", lines or ["No conditions."])


def parse_params(specs):
    out = {}
    for spec in specs or []:
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, count = item.rpartition("=")
            if not sep or not name:
                raise SystemExit(f"{sys.argv[0]}: --params expects NAME=COUNT, got {item!r}")
            try:
                out[name] = int(count.replace("_", ""))
            except ValueError:
                raise SystemExit(f"{sys.argv[0]}: --params {item!r}: COUNT is not an integer")
    return out


def main():
    ap = argparse.ArgumentParser(description="Markdown evidence tables from a classsens results store.")
    ap.add_argument("dir", metavar="STORE_DIR", help="directory with summary.json (and results.csv): a "
                    "store, or the --out directory of `classsens report`")
    ap.add_argument("--store", help="the store itself when STORE_DIR is a report written elsewhere "
                    "(default: STORE_DIR)")
    ap.add_argument("--top", type=int, default=4,
                    help="weakest classes per ranking (default 4, as the article's Figures 3 and 5)")
    ap.add_argument("--confusions", type=int, default=5,
                    help="directed confusions per condition (default 5)")
    ap.add_argument("--per-model", type=int, default=3,
                    help="directed confusions per model at the baseline and the strongest conditions "
                         "(default 3; 0 leaves the table out)")
    ap.add_argument("--all-conditions", action="store_true",
                    help="weakest classes and Spearman matrices for every condition, not only the "
                         "baseline and the strongest noise and reduction")
    ap.add_argument("--params", action="append", metavar="NAME=COUNT[,...]",
                    help="parameter counts for Table 1, by model name (not recorded in the store)")
    ap.add_argument("--sections", default="1,2,3,4,5,6", help="sections to print (default 1,2,3,4,5,6)")
    args = ap.parse_args()
    args.params = parse_params(args.params)
    args.top = max(1, args.top)
    args.confusions = max(1, args.confusions)
    sections = {"1": section_table1, "2": section_accuracy, "3": section_weakest, "4": section_agreement,
                "5": section_directional, "6": section_checklist}
    wanted = [x.strip() for x in args.sections.split(",") if x.strip()]
    bad = [x for x in wanted if x not in sections]
    if bad:
        raise SystemExit(f"{sys.argv[0]}: unknown section {', '.join(bad)} (expected 1 to 6)")
    store_dir = args.store or args.dir
    st = Store(args.dir, store_dir)
    unknown = [m for m in args.params if m not in st.models]
    if unknown:
        st.notes.append(f"--params names no model of this study: {', '.join(unknown)}.")
    section_header(st, args)
    failed = 0
    for key in wanted:
        try:
            sections[key](st, args)
        except Exception as e:  # one broken section must not hide the others
            failed += 1
            print(f"\n**Section {key} failed: {type(e).__name__}: {e}**\n")
            print(f"{sys.argv[0]}: section {key}: {type(e).__name__}: {e}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
