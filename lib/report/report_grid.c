/* The noise x volume grid in the report: each noisy row's data multiplier and each noise's
 * volume share, computed once (prepare) so that summary.json's "grid" and "volume_share" and
 * the page's section "Noise x volume" say the same (docs/analysis.md, "Noise x volume"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "report/report_internal.h"

static int family_of(const cs_results *r, int j)
{
    cs_condition_family f = CS_CONDITION_BASELINE;
    (void)cs_results_condition_family(&f, r, j); /* j is in range */
    return (int)f;
}

/* Sort condition indices by level: ascending, or descending with `down`. */
static void sort_by_level(int *c, int n, const cs_results *r, int down)
{
    for (int i = 1; i < n; ++i)
        for (int j = i; j > 0; --j) {
            double a = cs_results_condition_level(r, c[j - 1]), b = cs_results_condition_level(r, c[j]);
            if (down ? a >= b : a <= b)
                break;
            int t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
}

/* An estimate's refusal: its status and message (statuses in `ok_refusals` are notes; any other
 * is the report's failure). */
static int keep(cs__rep_estimate *e, int status, const int *notes, int n_notes)
{
    e->status = status;
    if (status == CS_OK)
        return CS_OK;
    int note = 0;
    for (int i = 0; i < n_notes; ++i)
        note |= status == notes[i];
    if (!note)
        return status;
    e->v = e->lo = e->hi = NAN;
    const char *msg = cs_last_error();
    size_t n = strlen(msg) + 1;
    if (!(e->why = malloc(n)))
        return cs__error_oom("report: grid message", n);
    memcpy(e->why, msg, n);
    return CS_OK;
}

static void share_options(cs_volume_share_options *o, const cs__report *rep)
{
    const cs_volume_share_options d = CS_VOLUME_SHARE_OPTIONS_INIT;
    *o = d;
    o->confidence = rep->opts.confidence;
}

int cs__report_prepare_grid(cs__report *rep)
{
    const cs_results *r = rep->r;
    cs__rep_grid *g = &rep->grid;
    const int nc = rep->n_conds;
    g->noise = malloc(sizeof *g->noise * (size_t)nc);
    g->reduce = malloc(sizeof *g->reduce * (size_t)nc);
    g->share_noise = malloc(sizeof *g->share_noise * (size_t)nc);
    g->scratch = malloc(sizeof *g->scratch * 4 * (size_t)(rep->k > 0 ? rep->k : 1));
    if (!g->noise || !g->reduce || !g->share_noise || !g->scratch)
        return cs__error_oom("report: grid", 3 * sizeof(int) * (size_t)nc);
    for (int j = 0; j < nc; ++j) {
        int n = -1, red = -1;
        if (family_of(r, j) == CS_CONDITION_GRID && cs_results_condition_grid(&n, &red, r, j) == CS_OK) {
            int seen_n = 0, seen_r = 0;
            for (int i = 0; i < g->n_noise; ++i)
                seen_n |= g->noise[i] == n;
            for (int i = 0; i < g->n_reduce; ++i)
                seen_r |= g->reduce[i] == red;
            if (!seen_n)
                g->noise[g->n_noise++] = n;
            if (!seen_r)
                g->reduce[g->n_reduce++] = red;
        }
        if (family_of(r, j) == CS_CONDITION_CONTROL) {
            const char *name = cs_results_condition_name(r, j);
            for (int i = 1; i < nc; ++i)
                if (family_of(r, i) == CS_CONDITION_NOISE && strcmp(name + strlen("matched:"),
                                                                     cs_results_condition_name(r, i)) == 0)
                    g->share_noise[g->n_share++] = i;
        }
    }
    sort_by_level(g->noise, g->n_noise, r, 0);
    sort_by_level(g->reduce, g->n_reduce, r, 1);
    sort_by_level(g->share_noise, g->n_share, r, 0);
    const size_t per = (size_t)rep->n_models * (size_t)rep->k;
    if (g->n_noise && !(g->mult = calloc(per * (size_t)g->n_noise, sizeof *g->mult)))
        return cs__error_oom("report: multipliers", per * (size_t)g->n_noise * sizeof *g->mult);
    if (g->n_share && !(g->share = calloc(per * (size_t)g->n_share, sizeof *g->share)))
        return cs__error_oom("report: volume shares", per * (size_t)g->n_share * sizeof *g->share);
    cs_learning_curve_options lo;
    cs__report_curve_options(&lo, &rep->opts);
    cs_volume_share_options so;
    share_options(&so, rep);
    /* Refusals that are findings, not failures: too few levels, a poor fit, a target out of
     * reach, a class without records, cells not finished; no damage to share out. */
    static const int mult_notes[] = { CS_ERR_STATE, CS_ERR_OUT_OF_RANGE, CS_ERR_NOT_FOUND };
    static const int share_notes[] = { CS_ERR_STATE, CS_ERR_NOT_FOUND };
    int rc = CS_OK;
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int t = 0; rc == CS_OK && t < rep->k; ++t) {
            for (int i = 0; rc == CS_OK && i < g->n_noise; ++i) {
                cs__rep_estimate *e = &g->mult[((size_t)mi * (size_t)rep->k + (size_t)t) * (size_t)g->n_noise + i];
                rc = keep(e, cs_results_noise_multiplier(&e->v, &e->lo, &e->hi, r, mi, t, g->noise[i], &lo), mult_notes,
                          3);
            }
            for (int i = 0; rc == CS_OK && i < g->n_share; ++i) {
                cs__rep_estimate *e = &g->share[((size_t)mi * (size_t)rep->k + (size_t)t) * (size_t)g->n_share + i];
                rc = keep(e, cs_results_volume_share(&e->v, &e->lo, &e->hi, r, mi, t, g->share_noise[i], &so),
                          share_notes, 2);
            }
        }
    cs_error_clear();
    return rc;
}

void cs__report_free_grid(cs__report *rep)
{
    cs__rep_grid *g = &rep->grid;
    const size_t per = (size_t)rep->n_models * (size_t)rep->k;
    for (size_t i = 0; g->mult && i < per * (size_t)g->n_noise; ++i)
        free(g->mult[i].why);
    for (size_t i = 0; g->share && i < per * (size_t)g->n_share; ++i)
        free(g->share[i].why);
    free(g->mult);
    free(g->share);
    free(g->noise);
    free(g->reduce);
    free(g->share_noise);
    free(g->scratch);
    memset(g, 0, sizeof *g);
}

/* ---- summary.json --------------------------------------------------------------------------- */

/* key: { "value", "lo", "hi" } or, refused, { "value": null, "reason": why }. */
static void estimate_json(cs__json_writer *w, const char *key, const cs__rep_estimate *e)
{
    cs__jw_key(w, key);
    cs__jw_begin_object(w);
    if (e->status != CS_OK) {
        cs__jw_key(w, "value");
        cs__jw_null(w);
        cs__jw_key(w, "reason");
        cs__jw_string(w, e->why);
    } else {
        cs__report_jw_bound(w, "value", e->v);
        cs__report_jw_bound(w, "lo", e->lo);
        cs__report_jw_bound(w, "hi", e->hi);
    }
    cs__jw_end_object(w);
}

/* One point of the surface: its condition, levels and every class's accuracy and volume. */
/* "classes": [{ "class", key: estimate }] of model mi, column i of an n-column [model][class] table. */
static void class_estimates(cs__json_writer *w, const cs__report *rep, const char *key, const cs__rep_estimate *e,
                            int n, int mi, int i)
{
    cs__jw_key(w, "classes");
    cs__jw_begin_array(w);
    for (int t = 0; t < rep->k; ++t) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "class");
        cs__jw_string(w, rep->class_names[t]);
        estimate_json(w, key, &e[((size_t)mi * (size_t)rep->k + (size_t)t) * (size_t)n + (size_t)i]);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
}

static void point_json(cs__json_writer *w, const cs__report *rep, int mi, int noise, int reduce, double *buf)
{
    const cs_results *r = rep->r;
    const int k = rep->k;
    int cond = 0, used = 0;
    (void)cs_results_grid_cell(&cond, r, noise, reduce);
    cs_average_options ao = CS_AVERAGE_OPTIONS_INIT;
    ao.confidence = rep->opts.confidence;
    ao.interval = rep->opts.interval;
    int rc = cs_results_grid_surface(buf, buf + k, buf + 2 * k, buf + 3 * k, &used, k, r, mi, noise, reduce, &ao);
    cs__jw_begin_object(w);
    cs__jw_key(w, "condition");
    cs__jw_string(w, cs_results_condition_name(r, cond));
    cs__jw_key(w, "noise");
    cs__jw_double(w, noise ? cs_results_condition_level(r, noise) : 0.0);
    cs__jw_key(w, "kept");
    cs__jw_double(w, reduce ? cs_results_condition_level(r, reduce) : 1.0);
    cs__jw_key(w, "replicates");
    cs__jw_int(w, rc == CS_OK ? used : 0);
    if (rc == CS_OK) {
        cs__jw_key(w, "classes");
        cs__jw_begin_array(w);
        for (int t = 0; t < k; ++t) {
            cs__jw_begin_object(w);
            cs__jw_key(w, "class");
            cs__jw_string(w, rep->class_names[t]);
            cs__jw_key(w, "mean");
            cs__jw_double(w, buf[t]);
            cs__jw_key(w, "lo");
            cs__jw_double(w, buf[k + t]);
            cs__jw_key(w, "hi");
            cs__jw_double(w, buf[2 * k + t]);
            cs__jw_key(w, "records");
            cs__jw_double(w, buf[3 * k + t]);
            cs__jw_end_object(w);
        }
        cs__jw_end_array(w);
    }
    cs__jw_end_object(w);
}

static void grid_json(cs__json_writer *w, const cs__report *rep)
{
    const cs_results *r = rep->r;
    const cs__rep_grid *g = &rep->grid;
    cs__jw_key(w, "grid");
    if (g->n_noise == 0) {
        cs__jw_null(w);
        return;
    }
    double *buf = g->scratch;
    cs__jw_begin_object(w);
    cs__jw_key(w, "noise_conditions");
    cs__jw_begin_array(w);
    for (int i = 0; i < g->n_noise; ++i)
        cs__jw_string(w, cs_results_condition_name(r, g->noise[i]));
    cs__jw_end_array(w);
    cs__jw_key(w, "reduction_conditions");
    cs__jw_begin_array(w);
    for (int i = 0; i < g->n_reduce; ++i)
        cs__jw_string(w, cs_results_condition_name(r, g->reduce[i]));
    cs__jw_end_array(w);
    cs__jw_key(w, "multiplier");
    cs__jw_string(w, "records needed at the noise level to reach the clean accuracy at full data, over the "
                     "full count");
    cs__jw_key(w, "models");
    cs__jw_begin_array(w);
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "model");
        cs__jw_string(w, cs_results_model_name(r, mi));
        cs__jw_key(w, "surface");
        cs__jw_begin_array(w);
        for (int i = -1; i < g->n_noise; ++i)
            for (int j = -1; j < g->n_reduce; ++j) {
                int n = i < 0 ? 0 : g->noise[i], red = j < 0 ? 0 : g->reduce[j], cond = 0;
                if (cs_results_grid_cell(&cond, r, n, red) == CS_OK)
                    point_json(w, rep, mi, n, red, buf);
            }
        cs__jw_end_array(w);
        cs__jw_key(w, "multipliers");
        cs__jw_begin_array(w);
        for (int i = 0; i < g->n_noise; ++i) {
            cs__jw_begin_object(w);
            cs__jw_key(w, "noise_condition");
            cs__jw_string(w, cs_results_condition_name(r, g->noise[i]));
            cs__jw_key(w, "noise");
            cs__jw_double(w, cs_results_condition_level(r, g->noise[i]));
            class_estimates(w, rep, "multiplier", g->mult, g->n_noise, mi, i);
            cs__jw_end_object(w);
        }
        cs__jw_end_array(w);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    cs__jw_end_object(w);
    cs_error_clear();
}

static void share_json(cs__json_writer *w, const cs__report *rep)
{
    const cs_results *r = rep->r;
    const cs__rep_grid *g = &rep->grid;
    cs_volume_share_options so;
    share_options(&so, rep);
    cs__jw_key(w, "volume_share");
    cs__jw_begin_object(w);
    cs__jw_key(w, "share");
    cs__jw_string(w, "(acc_clean - acc_matched) / (acc_clean - acc_noisy)");
    cs__jw_key(w, "min_damage");
    cs__jw_double(w, so.min_damage);
    cs__jw_key(w, "confidence");
    cs__jw_double(w, so.confidence);
    cs__jw_key(w, "bootstrap_resamples");
    cs__jw_int(w, so.bootstrap_resamples);
    if (g->n_share == 0) {
        cs__jw_key(w, "reason");
        cs__jw_string(w, "no matched controls: the study did not run with matched_controls (--matched)");
    }
    cs__jw_key(w, "models");
    cs__jw_begin_array(w);
    for (int mi = 0; g->n_share > 0 && mi < rep->n_models; ++mi) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "model");
        cs__jw_string(w, cs_results_model_name(r, mi));
        cs__jw_key(w, "conditions");
        cs__jw_begin_array(w);
        for (int i = 0; i < g->n_share; ++i) {
            cs__jw_begin_object(w);
            cs__jw_key(w, "condition");
            cs__jw_string(w, cs_results_condition_name(r, g->share_noise[i]));
            class_estimates(w, rep, "share", g->share, g->n_share, mi, i);
            cs__jw_end_object(w);
        }
        cs__jw_end_array(w);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    cs__jw_end_object(w);
}

void cs__report_grid_json(cs__json_writer *w, const cs__report *rep)
{
    grid_json(w, rep);
    share_json(w, rep);
}

/* ---- the page's section ------------------------------------------------------------------------ */

/* "×1.83 [1.40, 2.71]", ∞ for +inf. */
static void times(cs__buf *b, double v)
{
    if (isinf(v) && v > 0)
        cs__buf_puts(b, "∞");
    else if (isfinite(v))
        cs__buf_printf(b, "%.2f", v);
    else
        cs__buf_puts(b, "–");
}

static void estimate_cell(cs__buf *o, const cs__rep_estimate *e, int as_times)
{
    if (e->status != CS_OK) {
        cs__buf_puts(o, "<td>");
        cs__report_reason(o, e->why);
        cs__buf_puts(o, "</td>");
        return;
    }
    cs__buf_puts(o, "<td class=\"num\">");
    if (as_times) {
        cs__buf_puts(o, "×");
        times(o, e->v);
        if (!isnan(e->lo) && !isnan(e->hi)) {
            cs__buf_puts(o, " <span class=\"ci\">[");
            times(o, e->lo);
            cs__buf_puts(o, ", ");
            times(o, e->hi);
            cs__buf_puts(o, "]</span>");
        }
    } else {
        cs__report_pct_interval(o, e->v, e->lo, e->hi);
    }
    cs__buf_puts(o, "</td>");
}

void cs__report_html_grid(cs__buf *o, const cs__report *rep)
{
    const cs__rep_grid *g = &rep->grid;
    if (g->n_noise == 0 && g->n_share == 0)
        return;
    const cs_results *r = rep->r;
    cs_learning_curve_options lo;
    cs__report_curve_options(&lo, &rep->opts);
    cs__buf_puts(o, "<h2 id=\"grid\">Noise x volume</h2>\n");
    if (g->n_noise > 0) {
        cs__buf_printf(o, "<p>Each noise level was also trained on every reduced set (the same records as the "
                          "reduction's cells, the same noise seed). For every class and noise level, its learning "
                          "curve over the kept fractions is read at the class's clean accuracy with all the data: "
                          "the table gives how many times its full training count the class needs at that noise "
                          "level to match it. Intervals: %g %% percentile bootstrap over the replicates, resampling "
                          "the clean accuracy with the curve. A row with fewer than three kept levels, R² below %g, "
                          "or an asymptote below the clean accuracy (no amount of noisy data reaches it) gives the "
                          "reason instead (docs/analysis.md, \"Noise x volume\").</p>\n",
                       100.0 * lo.confidence, lo.min_r2);
        for (int mi = 0; mi < rep->n_models; ++mi) {
            cs__buf_puts(o, "<h3>");
            cs__buf_xml(o, cs_results_model_name(r, mi));
            cs__buf_puts(o, ": data needed to match the clean accuracy</h3>\n<table><tr><th>Class</th>");
            for (int i = 0; i < g->n_noise; ++i) {
                cs__buf_puts(o, "<th>");
                cs__buf_xml(o, cs_results_condition_name(r, g->noise[i]));
                cs__buf_puts(o, "</th>");
            }
            cs__buf_puts(o, "</tr>\n");
            for (int t = 0; t < rep->k; ++t) {
                cs__buf_puts(o, "<tr><td>");
                cs__buf_xml(o, rep->class_names[t]);
                cs__buf_puts(o, "</td>");
                for (int i = 0; i < g->n_noise; ++i)
                    estimate_cell(o, &g->mult[((size_t)mi * (size_t)rep->k + (size_t)t) * (size_t)g->n_noise + i], 1);
                cs__buf_puts(o, "</tr>\n");
            }
            cs__buf_puts(o, "</table>\n");
        }
    }
    if (g->n_share > 0) {
        cs_volume_share_options so;
        share_options(&so, rep);
        cs__buf_printf(o, "<p>The share of each noise level's damage to a class that its lost volume explains: "
                          "(clean − matched control) / (clean − noisy), in %%, where the matched control removes as "
                          "many records as the noise corrupted. 100 %%: the wrong labels hurt only as lost data; "
                          "0 %%: the lost data does not matter. Undefined where the noise lowers the class's "
                          "accuracy by less than %g points. Intervals: %g %% paired bootstrap over the "
                          "replicates.</p>\n",
                       100.0 * so.min_damage, 100.0 * so.confidence);
        for (int mi = 0; mi < rep->n_models; ++mi) {
            cs__buf_puts(o, "<h3>");
            cs__buf_xml(o, cs_results_model_name(r, mi));
            cs__buf_puts(o, ": share of the noise damage explained by lost volume (%)</h3>\n<table><tr><th>Class"
                            "</th>");
            for (int i = 0; i < g->n_share; ++i) {
                cs__buf_puts(o, "<th>");
                cs__buf_xml(o, cs_results_condition_name(r, g->share_noise[i]));
                cs__buf_puts(o, "</th>");
            }
            cs__buf_puts(o, "</tr>\n");
            for (int t = 0; t < rep->k; ++t) {
                cs__buf_puts(o, "<tr><td>");
                cs__buf_xml(o, rep->class_names[t]);
                cs__buf_puts(o, "</td>");
                for (int i = 0; i < g->n_share; ++i)
                    estimate_cell(o, &g->share[((size_t)mi * (size_t)rep->k + (size_t)t) * (size_t)g->n_share + i],
                                  0);
                cs__buf_puts(o, "</tr>\n");
            }
            cs__buf_puts(o, "</table>\n");
        }
    } else {
        cs__buf_puts(o, "<p>How much of a noise level's damage its lost volume explains is measured against "
                        "matched controls (each removes as many records as the noise corrupts), which this "
                        "study did not train: run it with <code>--matched</code> "
                        "(<code>cs_study_options.matched_controls</code>) for that table.</p>\n");
    }
}
