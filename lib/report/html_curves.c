/* The learning curves that report.c fitted, in the outputs: the page's section "How much data
 * would fix it" (html.c calls it: per model a figure of every class's curve and a table that
 * reads them as numbers) and learning_curves.csv. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/numfmt.h"
#include "report/report_internal.h"
#include "report/svg.h"

/* Samples of a drawn curve: over the measured counts, and from the largest to 10 times it. */
#define FIG_INSIDE 25
#define FIG_BEYOND 16
#define FIG_SAMPLES (FIG_INSIDE + FIG_BEYOND)

/* A count of records; "∞" for +inf. */
static void records(cs__buf *b, double v)
{
    if (isinf(v) && v > 0)
        cs__buf_puts(b, "∞");
    else if (isfinite(v))
        cs__buf_printf(b, "%.0f", v);
    else
        cs__buf_puts(b, "–");
}

/* The figure of model mi: every class's measured means and, where the fit may extrapolate, its
 * curve to 10 times the largest count with the bootstrap band. Nothing when no class has levels. */
static int curve_figure(cs__buf *o, const cs__report *rep, int mi, const char *fig_dir)
{
    const int k = rep->k;
    int levels_max = 0, drawn = 0, curves = 0;
    for (int t = 0; t < k; ++t) {
        const cs__rep_curve *cv = &rep->curves[(size_t)mi * (size_t)k + (size_t)t];
        if (cv->status == CS_OK) {
            int l = cs_learning_curve_levels(cv->lc);
            levels_max = l > levels_max ? l : levels_max;
            drawn++;
        }
    }
    if (drawn == 0)
        return CS_OK;
    size_t per = 2 * (size_t)levels_max + 4 * FIG_SAMPLES;
    cs__svg_curve *cs = calloc((size_t)k, sizeof *cs);
    double *v = malloc((size_t)k * per * sizeof *v); /* k <= 256 classes: no overflow */
    if (!cs || !v) {
        free(cs);
        free(v);
        return cs__error_oom("learning-curve figure", (size_t)k * per * sizeof *v);
    }
    for (int t = 0; t < k; ++t) {
        const cs__rep_curve *cv = &rep->curves[(size_t)mi * (size_t)k + (size_t)t];
        double *px = v + (size_t)t * per, *py = px + levels_max, *x = py + levels_max;
        double *y = x + FIG_SAMPLES, *lo = y + FIG_SAMPLES, *hi = lo + FIG_SAMPLES;
        cs[t].name = rep->class_names[t];
        cs[t].x_split = HUGE_VAL;
        if (cv->status != CS_OK)
            continue;
        const int L = cs_learning_curve_levels(cv->lc);
        for (int l = 0; l < L; ++l) {
            (void)cs_learning_curve_level(&px[l], &py[l], cv->lc, l);
            py[l] *= 100.0;
        }
        cs[t].npts = L;
        cs[t].px = px;
        cs[t].py = py;
        if (cv->refused || L < 2)
            continue;
        /* Log-spaced: FIG_INSIDE samples from the smallest count to the largest, FIG_BEYOND
         * more up to 10 times it. */
        const double l0 = log(px[0]), l1 = log(px[L - 1]), l2 = l1 + log(10.0);
        for (int i = 0; i < FIG_SAMPLES; ++i) {
            double e = i < FIG_INSIDE ? l0 + (l1 - l0) * i / (FIG_INSIDE - 1)
                                      : l1 + (l2 - l1) * (i - FIG_INSIDE + 1) / FIG_BEYOND;
            x[i] = i == FIG_INSIDE - 1 ? px[L - 1] : i == 0 ? px[0] : exp(e);
            if (cs_learning_curve_predict(&y[i], &lo[i], &hi[i], cv->lc, x[i]) != CS_OK)
                y[i] = lo[i] = hi[i] = NAN;
            y[i] *= 100.0;
            lo[i] *= 100.0;
            hi[i] *= 100.0;
        }
        cs[t].n = FIG_SAMPLES;
        cs[t].x = x;
        cs[t].y = y;
        cs[t].lo = lo;
        cs[t].hi = hi;
        cs[t].x_split = px[L - 1];
        curves++;
    }
    cs_error_clear();
    const char *model = cs_results_model_name(rep->r, mi);
    char title[300], stem[300], caption[900], target[64];
    snprintf(title, sizeof title, "%s — learning curve of every class", model);
    snprintf(stem, sizeof stem, "learning_curves_%s", model);
    cs__num_snprintf(target, sizeof target, "target %g %%", 100.0 * rep->opts.target);
    cs_learning_curve_options lco;
    cs__report_curve_options(&lco, &rep->opts);
    cs__num_snprintf(caption, sizeof caption,
                     "%s: each class's clean test accuracy against its training records (points: means over "
                     "the replicates) and its fitted curve acc(n) = a − b·n^(−c), solid over the measured "
                     "counts and dashed up to 10 times the largest, with its %g %% bootstrap band; the grey "
                     "line is the target. %s",
                     model, 100.0 * lco.confidence,
                     curves < drawn ? "Classes shown by points alone have no curve: the table says why."
                                    : "");
    cs__buf fig = CS__BUF_INIT;
    int rc = cs__svg_curves(&fig, title, "training records of the class (log scale)", "class accuracy (%)", cs, k,
                            100.0 * rep->opts.target, target, NAN, 100.0);
    if (rc == CS_OK)
        rc = cs__report_figure(o, fig_dir, &fig, stem, caption);
    cs__buf_free(&fig);
    free(v);
    free(cs);
    return rc;
}

int cs__report_html_data(cs__buf *o, const cs__report *rep, const char *fig_dir)
{
    cs_learning_curve_options lo;
    cs__report_curve_options(&lo, &rep->opts);
    cs__buf_printf(o, "<h2 id=\"data\">How much data would fix it</h2>\n<p>For every class, its accuracy on the "
                      "clean test set against its training records over the baseline and the reductions "
                      "(uniform, and targeted reductions of the class) is fitted by the learning curve "
                      "acc(n) = a − b·n<sup>−c</sup>; the table reads it at 2 and 10 times the largest count "
                      "and gives the training records of the class needed to reach %g %% accuracy. Intervals: "
                      "%g %% percentile bootstrap over the replicates. A curve with fewer than three levels "
                      "or R² below %g is not extrapolated (docs/analysis.md, \"Learning curves\").</p>\n",
                   100.0 * rep->opts.target, 100.0 * lo.confidence, lo.min_r2);
    if (rep->n_curves_fitted == 0) {
        cs__buf_puts(o, "<p class=\"note\">No learning curve: ");
        cs__buf_xml(o, rep->curves ? rep->curves[0].why : "the store has no model or no class");
        cs__buf_puts(o, "</p>\n");
        return CS_OK;
    }
    int any_exact = 0;
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs__buf_puts(o, "<h3>");
        cs__buf_xml(o, cs_results_model_name(rep->r, mi));
        cs__buf_puts(o, "</h3>\n");
        int rc = curve_figure(o, rep, mi, fig_dir);
        if (rc != CS_OK)
            return rc;
        cs__buf_printf(o, "<table><tr><th>Class</th><th>Levels</th><th>R²</th><th>Accuracy at 2× (%%)</th>"
                          "<th>Accuracy at 10× (%%)</th><th>Records for %g %%</th><th>Note</th></tr>\n",
                       100.0 * rep->opts.target);
        for (int t = 0; t < rep->k; ++t) {
            const cs__rep_curve *cv = &rep->curves[(size_t)mi * (size_t)rep->k + (size_t)t];
            cs__buf_puts(o, "<tr><td>");
            cs__buf_xml(o, rep->class_names[t]);
            cs__buf_puts(o, "</td>");
            if (cv->status != CS_OK) {
                cs__buf_puts(o, "<td class=\"num\">–</td><td class=\"num\">–</td><td class=\"num\">–</td>"
                                "<td class=\"num\">–</td><td class=\"num\">–</td><td>");
                cs__report_reason(o, cv->why);
                cs__buf_puts(o, "</td></tr>\n");
                continue;
            }
            int levels = cs_learning_curve_levels(cv->lc);
            double r2 = NAN;
            (void)cs_learning_curve_quality(&r2, NULL, cv->lc);
            cs__buf_printf(o, "<td class=\"num\">%d</td><td class=\"num\">", levels);
            if (isfinite(r2))
                cs__buf_printf(o, "%.3f", r2);
            else
                cs__buf_puts(o, "–");
            cs__buf_puts(o, "</td>");
            for (int q = 0; q < 2; ++q) {
                cs__buf_puts(o, "<td class=\"num\">");
                cs__report_pct_interval(o, cv->pred[q][0], cv->pred[q][1], cv->pred[q][2]);
                cs__buf_puts(o, "</td>");
            }
            cs__buf_puts(o, "<td class=\"num\">");
            if (cv->needed_status == CS_OK) {
                records(o, cv->needed[0]);
                if (!isnan(cv->needed[1]) && !isnan(cv->needed[2])) {
                    cs__buf_puts(o, " <span class=\"ci\">[");
                    records(o, cv->needed[1]);
                    cs__buf_puts(o, ", ");
                    records(o, cv->needed[2]);
                    cs__buf_puts(o, "]</span>");
                }
            } else {
                cs__buf_puts(o, "–");
            }
            cs__buf_puts(o, "</td><td>");
            if (cv->refused) {
                cs__buf_puts(o, "Not extrapolated. ");
                cs__report_reason(o, cv->refused);
            } else if (cv->needed_status != CS_OK) {
                cs__report_reason(o, cv->needed_why);
            } else if (cv->unreachable > 0) {
                cs__buf_printf(o, "%zu bootstrap refits never reach %g %%.", cv->unreachable,
                               100.0 * rep->opts.target);
            }
            double smallest = NAN;
            (void)cs_learning_curve_level(&smallest, NULL, cv->lc, 0);
            const int below = !cv->refused && cv->needed_status == CS_OK && cv->needed[0] < smallest;
            if (below)
                cs__buf_printf(o, "%sAlready at %g %% with the fewest records measured (%.0f): the count is "
                                  "read below the data.", cv->unreachable > 0 ? " " : "", 100.0 * rep->opts.target,
                               smallest);
            if (levels == 3) {
                cs__buf_puts(o, cv->refused || cv->needed_status != CS_OK || cv->unreachable > 0 || below ? " " : "");
                cs__buf_puts(o, "Three levels: no degree of freedom is left to test the law (R² says little).");
                any_exact = 1;
            }
            cs__buf_puts(o, "</td></tr>\n");
        }
        cs__buf_puts(o, "</table>\n");
    }
    if (any_exact)
        cs__buf_puts(o, "<p class=\"note\">With exactly three levels the three parameters pass through the three "
                        "means (no degree of freedom is left, so R² = 1 carries no information): such a curve "
                        "rests on the power law being assumed, and only the bootstrap intervals over the "
                        "replicates carry its uncertainty. Four or more levels make R² a test of the law.</p>\n");
    return CS_OK;
}

/* A number of learning_curves.csv: empty when NaN (not available), "inf" for +inf. */
static void csv_num(cs__buf *o, double v)
{
    cs__buf_putc(o, ',');
    if (!isnan(v))
        cs__buf_double(o, v);
}

int cs__report_curves_csv(cs__buf *o, const cs__report *rep)
{
    cs__buf_puts(o, "model,class,levels,r2,rmse,a,a_lo,a_hi,b,b_lo,b_hi,c,c_lo,c_hi,accuracy_at_2x,accuracy_at_2x_lo,"
                    "accuracy_at_2x_hi,accuracy_at_10x,accuracy_at_10x_lo,accuracy_at_10x_hi,target,records_needed,"
                    "records_needed_lo,records_needed_hi,unreachable_refits,note\n");
    for (int mi = 0; rep->curves && mi < rep->n_models; ++mi)
        for (int t = 0; t < rep->k; ++t) {
            const cs__rep_curve *cv = &rep->curves[(size_t)mi * (size_t)rep->k + (size_t)t];
            cs__report_csv_field(o, cs_results_model_name(rep->r, mi));
            cs__buf_putc(o, ',');
            cs__report_csv_field(o, rep->class_names[t]);
            int levels = cv->status == CS_OK ? cs_learning_curve_levels(cv->lc) : 0;
            cs__buf_printf(o, ",%d", levels);
            double q[2] = { NAN, NAN };
            if (cv->status == CS_OK)
                (void)cs_learning_curve_quality(&q[0], &q[1], cv->lc);
            csv_num(o, q[0]);
            csv_num(o, q[1]);
            for (int p = 0; p < 3; ++p) {
                double v[3] = { NAN, NAN, NAN };
                if (cv->status == CS_OK)
                    (void)cs_learning_curve_param(&v[0], &v[1], &v[2], cv->lc, (cs_curve_param)p);
                for (int i = 0; i < 3; ++i)
                    csv_num(o, v[i]);
            }
            for (int a = 0; a < 2; ++a)
                for (int i = 0; i < 3; ++i)
                    csv_num(o, cv->status == CS_OK && !cv->refused ? cv->pred[a][i] : NAN);
            csv_num(o, rep->opts.target);
            const int needed = cv->status == CS_OK && cv->needed_status == CS_OK;
            for (int i = 0; i < 3; ++i)
                csv_num(o, needed ? cv->needed[i] : NAN);
            cs__buf_putc(o, ',');
            if (needed)
                cs__buf_printf(o, "%zu", cv->unreachable);
            cs__buf_putc(o, ',');
            const char *note = cv->status != CS_OK ? cv->why
                               : cv->refused       ? cv->refused
                               : !needed           ? cv->needed_why
                                                   : NULL;
            double smallest = NAN;
            if (cv->status == CS_OK)
                (void)cs_learning_curve_level(&smallest, NULL, cv->lc, 0);
            if (note)
                cs__report_csv_field(o, note);
            else if (needed && cv->needed[0] < smallest)
                cs__report_csv_field(o, "already at the target with the fewest records measured: the count is read "
                                        "below the data");
            else if (levels == 3)
                cs__report_csv_field(o, "three levels: no degree of freedom is left to test the law (R² says little)");
            cs__buf_putc(o, '\n');
        }
    return cs__buf_status(o, "learning_curves.csv");
}
