/* The page's section "How much data would fix it" (html.c calls it): per model, each class's
 * learning curve read as numbers, from the curves that report.c fitted. */
#include <math.h>
#include <stddef.h>

#include "report/report_internal.h"

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

void cs__report_html_data(cs__buf *o, const cs__report *rep)
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
        return;
    }
    int any_exact = 0;
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs__buf_puts(o, "<h3>");
        cs__buf_xml(o, cs_results_model_name(rep->r, mi));
        cs__buf_printf(o, "</h3>\n<table><tr><th>Class</th><th>Levels</th><th>R²</th><th>Accuracy at 2× (%%)</th>"
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
                cs__buf_xml(o, cv->why);
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
                cs__buf_puts(o, "Not extrapolated: ");
                cs__buf_xml(o, cv->refused);
            } else if (cv->needed_status != CS_OK) {
                cs__buf_xml(o, cv->needed_why);
            } else if (cv->unreachable > 0) {
                cs__buf_printf(o, "%zu bootstrap refits never reach %g %%.", cv->unreachable,
                               100.0 * rep->opts.target);
            }
            if (levels == 3) {
                cs__buf_puts(o, cv->refused || cv->needed_status != CS_OK || cv->unreachable > 0 ? " " : "");
                cs__buf_puts(o, "Three levels: the curve passes through the three means (R² = 1 says nothing).");
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
}
