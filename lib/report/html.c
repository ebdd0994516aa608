/* report.html: one self-contained page (inline SVG, inline CSS, no script, no network) and,
 * optionally, every figure as its own SVG file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/version.h>

#include "core/numfmt.h"
#include "report/report_internal.h"
#include "report/svg.h"
#include "study/study_internal.h"

typedef struct page {
    cs__buf *out;
    const cs__report *rep;
    const char *fig_dir;
    cs__buf fig;              /* the figure being drawn */
    int figures;
    int status;
} page;

static const char *model_name(const page *pg, int mi)
{
    return cs_results_model_name(pg->rep->r, mi);
}

static const char *cond_name(const page *pg, int ci)
{
    return cs_results_condition_name(pg->rep->r, ci);
}

int cs__report_figure(cs__buf *out, const char *fig_dir, const cs__buf *fig, const char *file_stem,
                      const char *caption)
{
    char stem[300];
    cs__study_file_name(stem, sizeof stem, file_stem);
    if (fig_dir) {
        size_t n = strlen(fig_dir) + strlen(stem) + 8;
        char *path = malloc(n);
        if (!path)
            return cs__error_oom("path", n);
        snprintf(path, n, "%s/%s.svg", fig_dir, stem);
        cs__buf file = CS__BUF_INIT;
        cs__buf_puts(&file, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        cs__buf_append(&file, cs__buf_str(fig), fig->len);
        cs__buf_putc(&file, '\n');
        int rc = cs__buf_write_file(&file, path);
        cs__buf_free(&file);
        free(path);
        if (rc != CS_OK)
            return rc;
    }
    cs__buf_puts(out, "<figure>");
    cs__buf_append(out, cs__buf_str(fig), fig->len);
    cs__buf_puts(out, "<figcaption>");
    cs__buf_xml(out, caption);
    if (fig_dir) {
        cs__buf_puts(out, " <span class=\"file\">figures/");
        cs__buf_xml(out, stem);
        cs__buf_puts(out, ".svg</span>");
    }
    cs__buf_puts(out, "</figcaption></figure>\n");
    return CS_OK;
}

/* Emit the figure in pg->fig inline (with a caption) and as figures/<name>.svg. */
static void emit_figure(page *pg, const char *file_stem, const char *caption)
{
    if (pg->status != CS_OK)
        return;
    pg->status = cs__report_figure(pg->out, pg->fig_dir, &pg->fig, file_stem, caption);
    if (pg->status == CS_OK)
        pg->figures++;
}

void cs__report_reason(cs__buf *b, const char *msg)
{
    /* After the last "cs_name: " prefix: the library's messages name the function and then the
     * cell, which the table's row and column already give. */
    const char *from = msg;
    for (const char *p = msg; (p = strstr(p, "cs_")) != NULL; ++p) {
        const char *q = p + 3;
        while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_')
            ++q;
        if (q[0] == ':' && q[1] == ' ' && (p == msg || p[-1] == ' '))
            from = q + 2;
    }
    if (*from >= 'a' && *from <= 'z' && from != msg) {
        char first[2] = { (char)(*from - 'a' + 'A'), '\0' };
        cs__buf_puts(b, first);
        ++from;
    }
    cs__buf_xml(b, from);
}

void cs__report_pct(cs__buf *b, double v, int decimals)
{
    if (isfinite(v))
        cs__buf_printf(b, "%.*f", decimals, 100.0 * v);
    else
        cs__buf_puts(b, "–");
}

void cs__report_pct_interval(cs__buf *b, double mean, double lo, double hi)
{
    cs__report_pct(b, mean, 1);
    if (isfinite(lo) && isfinite(hi)) {
        cs__buf_puts(b, " <span class=\"ci\">[");
        cs__report_pct(b, lo, 1);
        cs__buf_puts(b, ", ");
        cs__report_pct(b, hi, 1);
        cs__buf_puts(b, "]</span>");
    }
}

static void level_text(char *dst, size_t cap, const cs__report *rep, int ci)
{
    cs_condition_family f = CS_CONDITION_BASELINE;
    (void)cs_results_condition_family(&f, rep->r, ci); /* ci is in range */
    double lv = cs_results_condition_level(rep->r, ci);
    if (f == CS_CONDITION_BASELINE)
        snprintf(dst, cap, "clean training set");
    else if (f == CS_CONDITION_NOISE)
        cs__num_snprintf(dst, cap, "%g %% label noise", 100.0 * lv);
    else if (f == CS_CONDITION_REDUCTION)
        cs__num_snprintf(dst, cap, "%g %% of the training data kept", 100.0 * lv);
    else if (f == CS_CONDITION_GRID)
        cs__num_snprintf(dst, cap, "%g %% label noise on a reduced training set", 100.0 * lv);
    else
        cs__num_snprintf(dst, cap, "matched-volume control of %g %% noise", 100.0 * lv);
}

static const char STYLE[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;max-width:1400px;"
    "margin:0 auto;padding:0 24px 48px;line-height:1.45}"
    "h1{font-size:1.7em;margin:24px 0 4px}h2{margin-top:40px;border-bottom:1px solid #ddd;padding-bottom:4px}"
    "h3{margin:28px 0 8px}p.meta{color:#555;margin:0 0 12px}"
    "nav{background:#f6f7f9;border:1px solid #e3e5e8;padding:8px 14px;border-radius:6px}"
    "nav a{margin-right:14px;color:#1f5fa8;text-decoration:none}"
    "table{border-collapse:collapse;margin:8px 0 16px;font-size:0.93em}"
    "th,td{border:1px solid #ddd;padding:4px 9px;text-align:left;vertical-align:top}"
    "th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".ci{color:#777;font-size:0.9em}.file{color:#999;font-size:0.85em}"
    ".figs{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}"
    "figure{margin:0;display:inline-block}figcaption{font-size:0.85em;color:#555;max-width:560px}"
    "ul.findings li{margin-bottom:4px}.note{color:#666;font-size:0.9em}"
    ".thumbs{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin:8px 0 16px}"
    ".thumbs img{image-rendering:pixelated;display:block}.thumbs figcaption{max-width:150px}";

static void head(page *pg, const char *title)
{
    cs__buf *o = pg->out;
    cs__buf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    cs__buf_xml(o, title);
    cs__buf_puts(o, "</title>\n<style>");
    cs__buf_puts(o, STYLE);
    cs__buf_puts(o, "</style>\n</head>\n<body>\n<h1>");
    cs__buf_xml(o, title);
    cs__buf_puts(o, "</h1>\n");
}

static void meta(page *pg)
{
    const cs__report *rep = pg->rep;
    const cs_results *r = rep->r;
    cs__buf *o = pg->out;
    const int total = rep->n_models * rep->n_conds * rep->reps;
    cs__buf_printf(o, "<p class=\"meta\">Data set <b>");
    cs__buf_xml(o, cs_results_data_name(r));
    cs__buf_printf(o, "</b>: %d classes, %zu training records per cell before perturbation, %zu clean test "
                      "records. %d models × %d conditions × %d replicates = %d cells; %d finished",
                   rep->k, cs_results_train_size(r), cs_results_test_size(r), rep->n_models, rep->n_conds, rep->reps,
                   total, cs_results_cells_finished(r));
    const int failed = cs_results_cells_failed(r);
    if (failed > 0)
        cs__buf_printf(o, ", %d failed (training diverged; left out of every statistic, listed under "
                          "<a href=\"#flags\">Failed cells and outliers</a>)", failed);
    if (cs_results_cells_finished(r) + failed < total)
        cs__buf_puts(o, " (a partial report: statistics use the finished replicates only)");
    cs__buf_printf(o, ". Intervals: %g %% %s over replicates. Configuration %s; libclasssens %s.</p>\n",
                   100.0 * rep->opts.confidence,
                   rep->opts.interval == CS_INTERVAL_BOOTSTRAP ? "percentile bootstrap"
                   : rep->opts.interval == CS_INTERVAL_WILSON  ? "Wilson score (seeds and test-set size)"
                                                               : "Student t",
                   cs_results_config_hash(r), cs_version_string());
    cs__buf_puts(o, "<nav><a href=\"#findings\">Findings</a><a href=\"#table1\">Table 1</a>"
                    "<a href=\"#baseline\">Baseline</a><a href=\"#conditions\">Conditions</a>"
                    "<a href=\"#weakest\">Weakest classes</a><a href=\"#curves\">Curves</a><a href=\"#records\">Which records</a>"
                    "<a href=\"#directional\">Directional confusion</a><a href=\"#merge\">Merge candidates</a>"
                    "<a href=\"#agreement\">Agreement</a><a href=\"#flags\">Failed cells and outliers</a>"
                    "<a href=\"#reading\">How to read</a></nav>\n");
}

/* The class most often ranked first (weakest) across models for a condition's ranking. */
static int consensus_weakest(const cs__report *rep, int ci, int by_drop, int *votes, int *voters)
{
    int *count = calloc((size_t)rep->k, sizeof *count);
    if (!count)
        return -1;
    *voters = 0;
    for (int mi = 0; mi < rep->n_models; ++mi) {
        const cs__rep_cell *c = cs__rep_at(rep, mi, ci);
        const cs_class_score *s = by_drop ? c->by_drop : c->by_accuracy;
        if (!s || !isfinite(s[0].score))
            continue;
        count[s[0].cls]++;
        (*voters)++;
    }
    int best = -1;
    for (int t = 0; t < rep->k; ++t)
        if (count[t] > 0 && (best < 0 || count[t] > count[best]))
            best = t;
    *votes = best >= 0 ? count[best] : 0;
    free(count);
    return best;
}

static void findings(page *pg)
{
    const cs__report *rep = pg->rep;
    cs__buf *o = pg->out;
    cs__buf_puts(o, "<h2 id=\"findings\">Findings</h2>\n<ul class=\"findings\">\n");
    int votes = 0, voters = 0;
    int t = consensus_weakest(rep, 0, 0, &votes, &voters);
    if (t >= 0) {
        cs__buf_puts(o, "<li>On the clean training set the least accurate class is <b>");
        cs__buf_xml(o, rep->class_names[t]);
        cs__buf_printf(o, "</b> for %d of %d models.</li>\n", votes, voters);
    }
    const int strongest[2] = { rep->strongest_noise, rep->strongest_reduction };
    for (int q = 0; q < 2; ++q) {
        int ci = strongest[q];
        if (ci < 0)
            continue;
        t = consensus_weakest(rep, ci, 1, &votes, &voters);
        if (t < 0)
            continue;
        char lv[128];
        level_text(lv, sizeof lv, rep, ci);
        cs__buf_puts(o, "<li>With ");
        cs__buf_xml(o, lv);
        cs__buf_puts(o, " (<code>");
        cs__buf_xml(o, cond_name(pg, ci));
        cs__buf_puts(o, "</code>) the class that loses the most accuracy is <b>");
        cs__buf_xml(o, rep->class_names[t]);
        cs__buf_printf(o, "</b> for %d of %d models.</li>\n", votes, voters);
    }
    for (int q = 0; q < 3; ++q) {
        int ci = q == 0 ? 0 : strongest[q - 1];
        if (ci < 0 || rep->agree[ci].m < 2)
            continue;
        cs__buf_puts(o, "<li>");
        char what[300];
        if (ci == 0)
            snprintf(what, sizeof what, "which classes are hardest on the clean data");
        else
            snprintf(what, sizeof what, "which classes lose the most accuracy under %s", cond_name(pg, ci));
        cs__buf tmp = CS__BUF_INIT;
        cs__report_agreement_sentence(&tmp, rep->agree[ci].w, rep->agree[ci].p, rep->agree[ci].m, what);
        cs__buf_xml(o, cs__buf_str(&tmp));
        cs__buf_free(&tmp);
        cs__buf_puts(o, "</li>\n");
    }
    cs__buf_puts(o, "</ul>\n");
}

/* Failed cells (left out of every statistic) and outlier replicates (kept, flagged), with the
 * rule that flags them. */
static void flags_section(page *pg)
{
    const cs__report *rep = pg->rep;
    const cs_results *r = rep->r;
    cs__buf *o = pg->out;
    const int failed = cs_results_cells_failed(r);
    cs__buf_puts(o, "<h2 id=\"flags\">Failed cells and outliers</h2>\n");
    if (failed == 0) {
        cs__buf_puts(o, "<p>No cell failed.</p>\n");
    } else {
        cs__buf_printf(o, "<p>%d cell%s failed: training diverged (a NaN or infinite loss or step), so %s no "
                          "test result. Every average, interval and ranking of this report leaves %s out; "
                          "<code>classsens study ... --retry-failed</code> trains %s again.</p>\n"
                          "<table><tr><th>Model</th><th>Condition</th><th>Replicate</th><th>Epoch</th>"
                          "<th>Why</th></tr>\n",
                       failed, failed == 1 ? "" : "s", failed == 1 ? "it has" : "they have",
                       failed == 1 ? "it" : "them", failed == 1 ? "it" : "them");
        for (int mi = 0; mi < rep->n_models; ++mi)
            for (int ci = 0; ci < rep->n_conds; ++ci)
                for (int i = 0; i < rep->reps; ++i) {
                    cs_cell_failure f;
                    f.struct_size = sizeof f;
                    if (cs_results_cell_failure(&f, r, mi, ci, i) != CS_OK)
                        continue;
                    cs__buf_puts(o, "<tr><td>");
                    cs__buf_xml(o, model_name(pg, mi));
                    cs__buf_puts(o, "</td><td>");
                    cs__buf_xml(o, cond_name(pg, ci));
                    cs__buf_printf(o, "</td><td class=\"num\">%d</td><td class=\"num\">%d</td><td>", i, f.epoch);
                    cs__buf_xml(o, f.reason);
                    cs__buf_puts(o, "</td></tr>\n");
                }
        cs_error_clear();
        cs__buf_puts(o, "</table>\n");
    }
    cs__buf rule = CS__BUF_INIT;
    cs__report_outlier_rule(&rule, rep);
    if (rep->n_outliers == 0) {
        cs__buf_puts(o, "<p>No outlier replicate. Rule: ");
        cs__buf_xml(o, cs__buf_str(&rule));
        cs__buf_puts(o, ".</p>\n");
    } else {
        cs__buf_printf(o, "<p>%d outlier replicate%s. Rule: ", rep->n_outliers, rep->n_outliers == 1 ? "" : "s");
        cs__buf_xml(o, cs__buf_str(&rule));
        cs__buf_puts(o, ": look at their training traces before reading their cells' averages.</p>\n"
                        "<table><tr><th>Model</th><th>Condition</th><th>Replicate</th><th>Accuracy</th>"
                        "<th>Other replicates from</th></tr>\n");
        for (int i = 0; i < rep->n_outliers; ++i) {
            const cs__rep_outlier *x = &rep->outliers[i];
            cs__buf_puts(o, "<tr><td>");
            cs__buf_xml(o, model_name(pg, x->model));
            cs__buf_puts(o, "</td><td>");
            cs__buf_xml(o, cond_name(pg, x->cond));
            cs__buf_printf(o, "</td><td class=\"num\">%d</td><td class=\"num\">", x->replicate);
            cs__report_pct(o, x->accuracy, 1);
            cs__buf_puts(o, "</td><td class=\"num\">");
            cs__report_pct(o, x->others_min, 1);
            cs__buf_puts(o, "</td></tr>\n");
        }
        cs__buf_puts(o, "</table>\n");
    }
    cs__buf_free(&rule);
}

static void table1(page *pg)
{
    const cs__report *rep = pg->rep;
    const cs_results *r = rep->r;
    cs__buf *o = pg->out;
    cs__buf_puts(o, "<h2 id=\"table1\">Table 1: baseline results</h2>\n<table>\n<tr><th>Model</th><th>Architecture"
                    "</th><th>Width</th><th>Epochs</th><th>Batch size</th><th>Learning rate</th><th>Baseline "
                    "accuracy (%)</th><th>Replicates</th><th>Training time per cell</th></tr>\n");
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        cs_results_model_train_options(&t, r, mi);
        const cs__rep_cell *c = cs__rep_at(rep, mi, 0);
        cs__buf_puts(o, "<tr><td>");
        cs__buf_xml(o, model_name(pg, mi));
        cs__buf_puts(o, "</td><td>");
        cs__buf_xml(o, cs_results_model_arch(r, mi));
        cs__buf_printf(o, "</td><td class=\"num\">%g</td><td class=\"num\">%d</td><td class=\"num\">%d</td>"
                          "<td class=\"num\">%g</td><td class=\"num\">",
                       cs_results_model_width(r, mi), t.epochs, t.batch_size, t.lr);
        cs__report_pct_interval(o, c->acc, c->acc_lo, c->acc_hi);
        cs__buf_printf(o, "</td><td class=\"num\">%d</td><td class=\"num\">", c->finished);
        if (isfinite(c->train_seconds))
            cs__buf_printf(o, "%.1f s", c->train_seconds);
        else
            cs__buf_puts(o, "–");
        cs__buf_puts(o, "</td></tr>\n");
    }
    cs__buf_puts(o, "</table>\n");
}

static void matrix_figure(page *pg, int mi, int ci, int relative)
{
    const cs__report *rep = pg->rep;
    const cs__rep_cell *c = cs__rep_at(rep, mi, ci);
    const int k = rep->k;
    if (!c->stats || (relative && !c->relative))
        return;
    double *vals = malloc(sizeof *vals * (size_t)k * (size_t)k);
    if (!vals) {
        pg->status = cs__error_oom("figure", sizeof *vals * (size_t)k * (size_t)k);
        return;
    }
    const cs_confusion *mean = cs_confusion_stats_mean(c->stats);
    for (int t = 0; t < k; ++t)
        for (int p = 0; p < k; ++p)
            vals[t * k + p] = relative ? 100.0 * c->relative[t * k + p] : cs_confusion_count(mean, t, p);
    char title[400], stem[400], caption[600];
    snprintf(title, sizeof title, "%s — %s%s (mean of %d)", model_name(pg, mi), cond_name(pg, ci),
             relative ? ", relative to baseline" : "", c->finished);
    snprintf(stem, sizeof stem, "%s_%s_%s", relative ? "relative" : "confusion", model_name(pg, mi), cond_name(pg, ci));
    if (relative)
        snprintf(caption, sizeof caption, "%s under %s: change of each true class's share (percentage points) "
                 "against the baseline; red cells lost share, blue cells gained it.", model_name(pg, mi),
                 cond_name(pg, ci));
    else
        snprintf(caption, sizeof caption, "%s, %s: mean test counts over %d replicate%s (truth along the bottom, "
                 "prediction on the left).", model_name(pg, mi), cond_name(pg, ci), c->finished,
                 c->finished == 1 ? "" : "s");
    cs__svg_matrix m;
    memset(&m, 0, sizeof m);
    m.title = title;
    m.k = k;
    m.names = rep->class_names;
    m.values = vals;
    m.labels = NULL;
    m.label_decimals = relative ? 1 : 0;
    m.diverging = relative;
    m.vmax = NAN;
    m.scale_title = relative ? "Δ share of true class (pp)" : "mean count";
    cs__buf_reset(&pg->fig);
    pg->status = cs__svg_confusion(&pg->fig, &m);
    free(vals);
    emit_figure(pg, stem, caption);
}

static void baseline_section(page *pg)
{
    cs__buf_puts(pg->out, "<h2 id=\"baseline\">Baseline confusion matrices</h2>\n<p>Each model trained on the "
                          "clean training set; counts are means over the replicates. Ground truth is read along "
                          "the bottom, the prediction on the left, as in the reference study.</p>\n<div class=\"figs\">\n");
    for (int mi = 0; mi < pg->rep->n_models; ++mi)
        matrix_figure(pg, mi, 0, 0);
    cs__buf_puts(pg->out, "</div>\n");
}

static void conditions_section(page *pg)
{
    const cs__report *rep = pg->rep;
    cs__buf *o = pg->out;
    cs__buf_puts(o, "<h2 id=\"conditions\">Conditions: mean and relative confusion matrices</h2>\n"
                    "<p>For every perturbation and model, the mean confusion matrix over the replicates (left) and "
                    "the relative confusion matrix (right): the row-normalised matrix minus the baseline's, in "
                    "percentage points. The diagonal is the change of each class's accuracy.</p>\n");
    for (int ci = 1; ci < rep->n_conds; ++ci) {
        char lv[128];
        level_text(lv, sizeof lv, rep, ci);
        cs__buf_puts(o, "<h3>");
        cs__buf_xml(o, cond_name(pg, ci));
        cs__buf_puts(o, " <span class=\"note\">(");
        cs__buf_xml(o, lv);
        cs__buf_puts(o, ")</span></h3>\n<table><tr><th>Model</th><th>Accuracy (%)</th><th>Change from baseline "
                        "(pp)</th><th>Training records</th><th>Realised flip rate</th></tr>\n");
        for (int mi = 0; mi < rep->n_models; ++mi) {
            const cs__rep_cell *c = cs__rep_at(rep, mi, ci), *b = cs__rep_at(rep, mi, 0);
            cs__buf_puts(o, "<tr><td>");
            cs__buf_xml(o, model_name(pg, mi));
            cs__buf_puts(o, "</td><td class=\"num\">");
            cs__report_pct_interval(o, c->acc, c->acc_lo, c->acc_hi);
            cs__buf_puts(o, "</td><td class=\"num\">");
            cs__report_pct(o, c->acc - b->acc, 1);
            cs__buf_puts(o, "</td><td class=\"num\">");
            if (isfinite(c->train_size))
                cs__buf_printf(o, "%.0f", c->train_size);
            else
                cs__buf_puts(o, "–");
            cs__buf_puts(o, "</td><td class=\"num\">");
            cs_condition_family f = CS_CONDITION_BASELINE;
            (void)cs_results_condition_family(&f, rep->r, ci);
            if (f == CS_CONDITION_NOISE || f == CS_CONDITION_GRID)
                cs__report_pct(o, c->flip_rate, 1);
            else
                cs__buf_puts(o, "–");
            cs__buf_puts(o, "</td></tr>\n");
        }
        cs__buf_puts(o, "</table>\n<div class=\"figs\">\n");
        for (int mi = 0; mi < rep->n_models; ++mi) {
            matrix_figure(pg, mi, ci, 0);
            matrix_figure(pg, mi, ci, 1);
        }
        cs__buf_puts(o, "</div>\n");
    }
}

/* Bars of the top-k weakest classes (by accuracy) of one (model, condition). */
static void weakest_panel(const page *pg, cs__svg_bar_panel *panel, const char **labels, double *v, double *lo,
                          double *hi, int mi, int ci, char *title, size_t title_cap, int use_model_title)
{
    const cs__report *rep = pg->rep;
    const cs__rep_cell *c = cs__rep_at(rep, mi, ci);
    int top = rep->opts.top_k < rep->k ? rep->opts.top_k : rep->k;
    char lv[128];
    level_text(lv, sizeof lv, rep, ci);
    snprintf(title, title_cap, "%s", use_model_title ? model_name(pg, mi) : lv);
    panel->title = title;
    panel->n = top;
    panel->labels = labels;
    panel->value = v;
    panel->lo = lo;
    panel->hi = hi;
    for (int i = 0; i < top; ++i) {
        if (c->by_accuracy) {
            const cs_class_score *s = &c->by_accuracy[i];
            labels[i] = rep->class_names[s->cls];
            v[i] = 100.0 * s->score;
            lo[i] = 100.0 * s->lo;
            hi[i] = 100.0 * s->hi;
        } else {
            labels[i] = "(not run)";
            v[i] = lo[i] = hi[i] = NAN;
        }
    }
}

static void weakest_section(page *pg)
{
    const cs__report *rep = pg->rep;
    cs__buf *o = pg->out;
    const int top = rep->opts.top_k < rep->k ? rep->opts.top_k : rep->k;
    const int np = rep->n_models > 2 ? rep->n_models : 2;
    cs__buf_printf(o, "<h2 id=\"weakest\">Weakest classes</h2>\n<p>The %d least accurate classes with their %g %% "
                      "intervals.</p>\n", top, 100.0 * rep->opts.confidence);
    const char **labels = malloc(sizeof *labels * (size_t)top * (size_t)np);
    double *v = malloc(sizeof *v * (size_t)top * (size_t)np * 3);
    cs__svg_bar_panel *panels = malloc(sizeof *panels * (size_t)np);
    char(*titles)[160] = malloc(sizeof *titles * (size_t)np);
    if (!labels || !v || !panels || !titles) {
        pg->status = cs__error_oom("bar charts", sizeof *v * (size_t)top * (size_t)np * 3);
        goto done;
    }
    if (rep->strongest_noise >= 0 || rep->strongest_reduction >= 0) {
        cs__buf_puts(o, "<h3>Per model: the strongest noise and the strongest reduction side by side</h3>\n"
                        "<div class=\"figs\">\n");
        for (int mi = 0; mi < rep->n_models && pg->status == CS_OK; ++mi) {
            int n = 0;
            const int conds[2] = { rep->strongest_noise, rep->strongest_reduction };
            for (int q = 0; q < 2; ++q)
                if (conds[q] >= 0) {
                    weakest_panel(pg, &panels[n], labels + (size_t)n * (size_t)top, v + (size_t)n * (size_t)top * 3,
                                  v + (size_t)n * (size_t)top * 3 + top, v + (size_t)n * (size_t)top * 3 + 2 * top,
                                  mi, conds[q], titles[n], sizeof titles[n], 0);
                    ++n;
                }
            char title[200], caption[300];
            snprintf(title, sizeof title, "%s — weakest classes", model_name(pg, mi));
            snprintf(caption, sizeof caption, "%s: the %d least accurate classes at the strongest noise and the "
                     "strongest reduction.", model_name(pg, mi), top);
            cs__buf_reset(&pg->fig);
            pg->status = cs__svg_bars(&pg->fig, title, "class accuracy (%)", panels, n, 0.0, 100.0);
            char stem[200];
            snprintf(stem, sizeof stem, "weakest_%s", model_name(pg, mi));
            emit_figure(pg, stem, caption);
        }
        cs__buf_puts(o, "</div>\n");
    }
    cs__buf_puts(o, "<h3>Per condition: every model side by side</h3>\n<div class=\"figs\">\n");
    for (int ci = 1; ci < rep->n_conds && pg->status == CS_OK; ++ci) {
        if (rep->n_models > np)
            break;
        for (int mi = 0; mi < rep->n_models; ++mi)
            weakest_panel(pg, &panels[mi], labels + (size_t)mi * (size_t)top, v + (size_t)mi * (size_t)top * 3,
                          v + (size_t)mi * (size_t)top * 3 + top, v + (size_t)mi * (size_t)top * 3 + 2 * top, mi, ci,
                          titles[mi], sizeof titles[mi], 1);
        char title[300], caption[400], stem[300];
        snprintf(title, sizeof title, "Weakest classes — %s", cond_name(pg, ci));
        snprintf(caption, sizeof caption, "The %d least accurate classes of every model under %s.", top,
                 cond_name(pg, ci));
        snprintf(stem, sizeof stem, "weakest_%s", cond_name(pg, ci));
        cs__buf_reset(&pg->fig);
        pg->status = cs__svg_bars(&pg->fig, title, "class accuracy (%)", panels,
                                  rep->n_models <= CS__SVG_MAX_PANELS ? rep->n_models : CS__SVG_MAX_PANELS, 0.0,
                                  100.0);
        emit_figure(pg, stem, caption);
    }
    cs__buf_puts(o, "</div>\n");
done:
    free(titles);
    free(panels);
    free(v);
    free(labels);
}

static void curves_section(page *pg)
{
    const cs__report *rep = pg->rep;
    const int k = rep->k;
    cs__buf *o = pg->out;
    cs__buf_printf(o, "<h2 id=\"curves\">Per-class accuracy against the noise rate and the data kept</h2>\n"
                      "<p>Mean class accuracy over the replicates with %g %% bands; the first point of every curve "
                      "is the baseline.</p>\n",
                   100.0 * rep->opts.confidence);
    for (int si = 0; si < rep->n_series && pg->status == CS_OK; ++si) {
        const cs__rep_series *s = &rep->series[si];
        const int n = s->n;
        double *x = malloc(sizeof *x * (size_t)n);
        double *y = malloc(sizeof *y * (size_t)n * (size_t)k * 3);
        char(*xl)[32] = malloc(sizeof *xl * (size_t)n);
        const char **xlp = malloc(sizeof *xlp * (size_t)n);
        cs__svg_series *ser = malloc(sizeof *ser * (size_t)k);
        if (!x || !y || !xl || !xlp || !ser) {
            pg->status = cs__error_oom("curves", sizeof *y * (size_t)n * (size_t)k * 3);
        } else {
            cs__buf_puts(o, "<h3>");
            cs__buf_xml(o, s->kind);
            cs__buf_puts(o, s->family == CS_CONDITION_NOISE ? " (noise rate)" : " (fraction of the data kept)");
            cs__buf_puts(o, "</h3>\n<div class=\"figs\">\n");
            for (int mi = 0; mi < rep->n_models && pg->status == CS_OK; ++mi) {
                /* x ascending: noise 0 → max; reductions from the smallest fraction to 100 %. */
                for (int i = 0; i < n; ++i) {
                    int ci = s->family == CS_CONDITION_NOISE ? s->conds[i] : s->conds[n - 1 - i];
                    double lv = ci == 0 ? (s->family == CS_CONDITION_NOISE ? 0.0 : 1.0)
                                        : cs_results_condition_level(rep->r, ci);
                    x[i] = 100.0 * lv;
                    cs__num_snprintf(xl[i], sizeof xl[i], "%g %%", 100.0 * lv);
                    xlp[i] = xl[i];
                    const cs__rep_cell *c = cs__rep_at(rep, mi, ci);
                    for (int t = 0; t < k; ++t) {
                        double *yt = y + (size_t)t * (size_t)n * 3;
                        yt[i] = c->class_acc ? 100.0 * c->class_acc[t] : NAN;
                        yt[n + i] = c->class_lo ? 100.0 * c->class_lo[t] : NAN;
                        yt[2 * n + i] = c->class_hi ? 100.0 * c->class_hi[t] : NAN;
                    }
                }
                for (int t = 0; t < k; ++t) {
                    double *yt = y + (size_t)t * (size_t)n * 3;
                    ser[t].name = rep->class_names[t];
                    ser[t].y = yt;
                    ser[t].lo = yt + n;
                    ser[t].hi = yt + 2 * n;
                }
                char title[300], stem[300], caption[400];
                snprintf(title, sizeof title, "%s — class accuracy vs %s", model_name(pg, mi),
                         s->family == CS_CONDITION_NOISE ? "noise rate" : "data kept");
                snprintf(stem, sizeof stem, "curves_%s_%s", model_name(pg, mi), s->kind);
                snprintf(caption, sizeof caption, "%s: accuracy of every class under %s.", model_name(pg, mi), s->kind);
                cs__buf_reset(&pg->fig);
                pg->status = cs__svg_lines(&pg->fig, title,
                                           s->family == CS_CONDITION_NOISE ? "noise rate" : "training data kept",
                                           "class accuracy (%)", x, xlp, n, ser, k, 0.0, 100.0);
                emit_figure(pg, stem, caption);
            }
            cs__buf_puts(o, "</div>\n");
        }
        free(ser);
        free(xlp);
        free(xl);
        free(y);
        free(x);
    }
    if (rep->n_series == 0)
        cs__buf_puts(o, "<p class=\"note\">No noise or reduction conditions: nothing to draw.</p>\n");
}

static void directional_section(page *pg)
{
    const cs__report *rep = pg->rep;
    cs__buf *o = pg->out;
    enum { TOP = 5 };
    cs__buf_printf(o, "<h2 id=\"directional\">Directional confusion</h2>\n<p>The %d most frequent confusions "
                      "\"true → predicted\" of every model on the clean data and at the strongest noise. The "
                      "asymmetry (C[a][b] − C[b][a]) / (C[a][b] + C[b][a]) is 0 for a symmetric pair and ±1 when "
                      "the confusion goes one way only.</p>\n<table><tr><th>Model</th><th>Condition</th>"
                      "<th>True → predicted</th><th>Share of the true class (%%)</th><th>Reverse share (%%)</th>"
                      "<th>Asymmetry</th></tr>\n", TOP);
    const int conds[2] = { 0, rep->strongest_noise };
    for (int mi = 0; mi < rep->n_models; ++mi)
        for (int q = 0; q < 2; ++q) {
            int ci = conds[q];
            if (ci < 0 || !cs__rep_at(rep, mi, ci)->stats)
                continue;
            const cs_confusion *cm = cs_confusion_stats_mean(cs__rep_at(rep, mi, ci)->stats);
            cs_directed_confusion d[TOP];
            int n = 0;
            if (cs_confusion_top_directed(d, sizeof(cs_directed_confusion), TOP, &n, cm) != CS_OK)
                continue;
            for (int i = 0; i < n; ++i) {
                double rev_n = 0.0, b_total = 0.0;
                for (int p = 0; p < rep->k; ++p)
                    b_total += cs_confusion_count(cm, d[i].pred, p);
                rev_n = cs_confusion_count(cm, d[i].pred, d[i].truth);
                cs__buf_puts(o, "<tr><td>");
                cs__buf_xml(o, model_name(pg, mi));
                cs__buf_puts(o, "</td><td>");
                cs__buf_xml(o, cond_name(pg, ci));
                cs__buf_puts(o, "</td><td>");
                cs__buf_xml(o, rep->class_names[d[i].truth]);
                cs__buf_puts(o, " → ");
                cs__buf_xml(o, rep->class_names[d[i].pred]);
                cs__buf_puts(o, "</td><td class=\"num\">");
                cs__report_pct(o, d[i].rate, 1);
                cs__buf_puts(o, "</td><td class=\"num\">");
                cs__report_pct(o, b_total > 0 ? rev_n / b_total : NAN, 1);
                cs__buf_printf(o, "</td><td class=\"num\">%+.2f</td></tr>\n", d[i].asymmetry);
            }
        }
    cs_error_clear();
    cs__buf_puts(o, "</table>\n");
}

static void merge_section(page *pg)
{
    const cs__report *rep = pg->rep;
    cs__buf *o = pg->out;
    enum { MAX = 8 };
    cs__buf_printf(o, "<h2 id=\"merge\">Merge candidates</h2>\n<p>Class pairs whose mutual confusion on the clean "
                      "data, (C[a][b] + C[b][a]) / (n<sub>a</sub> + n<sub>b</sub>), is at least %g %%: candidates for "
                      "merging, relabelling guidelines, or more data.</p>\n<table><tr><th>Model</th><th>Pair</th>"
                      "<th>Mutual confusion (%%)</th><th>a → b</th><th>b → a</th></tr>\n",
                   100.0 * rep->opts.merge_threshold);
    int rows = 0;
    for (int mi = 0; mi < rep->n_models; ++mi) {
        const cs__rep_cell *c = cs__rep_at(rep, mi, 0);
        if (!c->stats)
            continue;
        cs_class_pair pairs[MAX];
        int n = 0;
        if (cs_confusion_merge_candidates(pairs, sizeof(cs_class_pair), MAX, &n,
                                          cs_confusion_stats_mean(c->stats), rep->opts.merge_threshold) != CS_OK)
            continue;
        for (int i = 0; i < n; ++i, ++rows) {
            cs__buf_puts(o, "<tr><td>");
            cs__buf_xml(o, model_name(pg, mi));
            cs__buf_puts(o, "</td><td>");
            cs__buf_xml(o, rep->class_names[pairs[i].a]);
            cs__buf_puts(o, " ↔ ");
            cs__buf_xml(o, rep->class_names[pairs[i].b]);
            cs__buf_puts(o, "</td><td class=\"num\">");
            cs__report_pct(o, pairs[i].mass, 1);
            cs__buf_printf(o, "</td><td class=\"num\">%.1f</td><td class=\"num\">%.1f</td></tr>\n", pairs[i].a_to_b,
                           pairs[i].b_to_a);
        }
    }
    cs_error_clear();
    cs__buf_puts(o, "</table>\n");
    if (rows == 0)
        cs__buf_puts(o, "<p class=\"note\">No pair reaches the threshold.</p>\n");
}

static void agreement_section(page *pg)
{
    const cs__report *rep = pg->rep;
    cs__buf *o = pg->out;
    int top = rep->opts.top_k < rep->k ? rep->opts.top_k : rep->k;
    cs__buf_printf(o, "<h2 id=\"agreement\">Do the models agree?</h2>\n<p>For every condition, each model ranks the "
                      "classes by a score — on the baseline by difficulty (1 − accuracy), elsewhere by sensitivity "
                      "(the accuracy drop from the model's own baseline). Kendall's W measures how alike the rankings "
                      "of all models are (0: unrelated, 1: identical), with the p-value of Friedman's χ² test; "
                      "Spearman's ρ compares each pair of models; the Jaccard overlap compares their top-%d sets."
                      "</p>\n<table><tr><th>Condition</th><th>Score</th><th>Models</th><th>Kendall's W</th>"
                      "<th>p-value</th><th>Mean pairwise ρ</th><th>Mean top-%d Jaccard</th><th>Reading</th></tr>\n",
                   top, top);
    int any = 0;
    for (int ci = 0; ci < rep->n_conds; ++ci) {
        const cs__rep_agreement *a = &rep->agree[ci];
        if (a->m < 2)
            continue;
        any = 1;
        double rho = 0.0, jac = 0.0;
        int pairs = 0;
        for (int i = 0; i < a->m; ++i)
            for (int j = i + 1; j < a->m; ++j) {
                rho += a->spearman[i * a->m + j];
                jac += a->jaccard[i * a->m + j];
                ++pairs;
            }
        cs__buf_puts(o, "<tr><td>");
        cs__buf_xml(o, cond_name(pg, ci));
        cs__buf_printf(o, "</td><td>%s</td><td class=\"num\">%d</td><td class=\"num\">%.2f</td><td class=\"num\">%.2g"
                          "</td><td class=\"num\">%.2f</td><td class=\"num\">%.2f</td><td>",
                       ci == 0 ? "difficulty" : "sensitivity", a->m, a->w, a->p, rho / pairs, jac / pairs);
        cs__buf tmp = CS__BUF_INIT;
        char what[300];
        if (ci == 0)
            snprintf(what, sizeof what, "which classes are hardest on the clean data");
        else
            snprintf(what, sizeof what, "which classes lose the most accuracy under %s", cond_name(pg, ci));
        cs__report_agreement_sentence(&tmp, a->w, a->p, a->m, what);
        cs__buf_xml(o, cs__buf_str(&tmp));
        cs__buf_free(&tmp);
        cs__buf_puts(o, "</td></tr>\n");
    }
    cs__buf_puts(o, "</table>\n");
    if (!any) {
        cs__buf_puts(o, "<p class=\"note\">Agreement needs at least two models with finished cells.</p>\n");
        return;
    }
    cs__buf_puts(o, "<div class=\"figs\">\n");
    for (int ci = 0; ci < rep->n_conds && pg->status == CS_OK; ++ci) {
        const cs__rep_agreement *a = &rep->agree[ci];
        if (a->m < 2)
            continue;
        const char **names = malloc(sizeof *names * (size_t)a->m);
        if (!names) {
            pg->status = cs__error_oom("names", sizeof *names * (size_t)a->m);
            break;
        }
        for (int i = 0; i < a->m; ++i)
            names[i] = model_name(pg, a->models[i]);
        char title[300], stem[300], caption[400];
        snprintf(title, sizeof title, "Spearman ρ of %s rankings — %s", ci == 0 ? "difficulty" : "sensitivity",
                 cond_name(pg, ci));
        snprintf(stem, sizeof stem, "agreement_%s", cond_name(pg, ci));
        snprintf(caption, sizeof caption, "Pairwise rank correlation of the models' per-class %s under %s "
                 "(Kendall's W = %.2f).", ci == 0 ? "difficulty" : "sensitivity", cond_name(pg, ci), a->w);
        cs__buf_reset(&pg->fig);
        pg->status = cs__svg_square(&pg->fig, title, a->m, names, a->spearman);
        free(names);
        emit_figure(pg, stem, caption);
    }
    cs__buf_puts(o, "</div>\n");
}

static void reading_section(page *pg)
{
    cs__buf_puts(pg->out,
        "<h2 id=\"reading\">How to read this report</h2>\n<ul>\n"
        "<li><b>Cells and replicates.</b> Every (model, condition, replicate) was trained from scratch and tested on "
        "the same clean test set. Replicates differ in every random choice (initial weights, data order, "
        "augmentation, and which labels were corrupted or records removed); within a replicate all models saw the "
        "same perturbed training set.</li>\n"
        "<li><b>Confusion matrices</b> show mean counts over the replicates: ground truth along the bottom, the "
        "prediction on the left; the diagonal holds the correct predictions.</li>\n"
        "<li><b>Relative confusion matrices</b> subtract the baseline's row-normalised matrix from the condition's, "
        "in percentage points of each true class: a red diagonal cell is lost accuracy, a blue off-diagonal cell a "
        "confusion the perturbation made more frequent.</li>\n"
        "<li><b>Weakest classes</b> are ranked by mean accuracy; the whiskers are confidence intervals over the "
        "replicates — overlapping intervals mean the order of those classes is not established.</li>\n"
        "<li><b>Sensitivity</b> is the accuracy a class loses against the model's own baseline; the agreement "
        "section asks whether different models lose accuracy on the same classes (then the weakness belongs to "
        "the data, not to a model).</li>\n"
        "<li><b>Shuffle noise</b> permutes the labels of the selected records, so some keep their label: the "
        "realised flip rate is reported next to every noise condition. A <b>matched-volume control</b>, when "
        "present, removes as many records as the noise corrupted: comparing the two separates \"less good data\" "
        "from \"wrong labels\".</li>\n"
        "<li>Machine-readable results: <code>results.csv</code> (every count of every cell) and "
        "<code>summary.json</code> (every number on this page).</li>\n</ul>\n");
}

int cs__report_html(cs__buf *out, const cs__report *rep, const char *fig_dir)
{
    page pg;
    memset(&pg, 0, sizeof pg);
    pg.out = out;
    pg.rep = rep;
    pg.fig_dir = fig_dir;
    pg.status = CS_OK;
    char title[300];
    if (rep->opts.title)
        snprintf(title, sizeof title, "%s", rep->opts.title);
    else
        snprintf(title, sizeof title, "Class sensitivity: %s", cs_results_data_name(rep->r));
    head(&pg, title);
    meta(&pg);
    findings(&pg);
    table1(&pg);
    flags_section(&pg);
    baseline_section(&pg);
    if (pg.status == CS_OK)
        conditions_section(&pg);
    if (pg.status == CS_OK)
        weakest_section(&pg);
    if (pg.status == CS_OK)
        curves_section(&pg);
    if (pg.status == CS_OK)
        pg.status = cs__report_html_data(out, rep, fig_dir);
    if (pg.status == CS_OK)
        pg.status = cs__report_html_records(out, rep);
    if (pg.status == CS_OK) {
        cs__report_html_grid(out, rep);
        directional_section(&pg);
        merge_section(&pg);
        agreement_section(&pg);
        reading_section(&pg);
    }
    cs__buf_puts(out, "<p class=\"note\">Written by libclasssens ");
    cs__buf_puts(out, cs_version_string());
    cs__buf_puts(out, " from the results store alone; <code>classsens report DIR</code> rebuilds it.</p>\n</body>\n"
                      "</html>\n");
    cs__buf_free(&pg.fig);
    if (pg.status != CS_OK)
        return pg.status;
    return cs__buf_status(out, "report.html");
}
