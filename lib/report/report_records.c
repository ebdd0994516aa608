/* Record-level sensitivity in the report: how well each record score finds the flipped records
 * of every noisy condition, the data-map shares of every condition and their shift from the
 * baseline, and the records to review first, computed once (prepare) from the store's record
 * scores (cs_results_flip_detection, cs_results_data_map, cs_results_review) so that
 * summary.json's "records" and the page's section "Which records" say the same. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/records.h>

#include "core/error.h"
#include "report/png.h"
#include "report/report_internal.h"
#include "study/study_internal.h"

#define KINDS 3
#define METRICS 3

static const char *const KIND_KEY[KINDS] = { "confidence", "variability", "aum" };
static const char *const METRIC_KEY[METRICS] = { "auc", "precision", "recall" };
static const char *const REGION_KEY[3] = { "easy", "ambiguous", "hard" };

static size_t det_at(const cs__report *rep, int mi, int f, int cls, int kind, int metric)
{
    size_t i = ((size_t)mi * (size_t)rep->rec.n_flip + (size_t)f) * (size_t)(rep->k + 1) + (size_t)cls;
    return ((i * KINDS + (size_t)kind) * METRICS + (size_t)metric) * 4;
}

static size_t dm_at(const cs__report *rep, int mi, int ci, int cls, int region)
{
    size_t i = ((size_t)mi * (size_t)rep->n_conds + (size_t)ci) * (size_t)rep->k + (size_t)cls;
    return (i * 3 + (size_t)region) * 4;
}

static int family_of(const cs_results *r, int j)
{
    cs_condition_family f = CS_CONDITION_BASELINE;
    (void)cs_results_condition_family(&f, r, j); /* j is in range */
    return (int)f;
}

static int prepare_flips(cs__report *rep, int mi, int f)
{
    cs__rep_records *x = &rep->rec;
    cs_flip_replicates *fr = NULL;
    int rc = cs_results_flip_detection(&fr, rep->r, mi, x->flip[f]);
    if (rc == CS_ERR_NOT_FOUND)
        return CS_OK; /* left NaN, 0 replicates */
    if (rc != CS_OK)
        return rc;
    x->det_used[(size_t)mi * (size_t)x->n_flip + (size_t)f] = cs_flip_replicates_count(fr);
    for (int c = 0; rc == CS_OK && c <= rep->k; ++c)
        for (int kind = 0; rc == CS_OK && kind < KINDS; ++kind)
            for (int m = 0; rc == CS_OK && m < METRICS; ++m) {
                double *v = x->det + det_at(rep, mi, f, c, kind, m);
                size_t used = 0;
                rc = cs_flip_replicates_summary(v, v + 1, v + 2, &used, fr, c == rep->k ? CS_FLIP_ALL_CLASSES : c,
                                                (cs_record_score)kind, (cs_flip_metric)m, rep->opts.confidence);
                v[3] = (double)used;
            }
    cs_flip_replicates_destroy(fr);
    return rc;
}

static int prepare_map(cs__report *rep, int mi, int ci)
{
    const size_t row = (size_t)rep->k * 3;
    double *t = malloc(sizeof *t * 4 * row);
    if (!t)
        return cs__error_oom("report: data map", sizeof *t * 4 * row);
    size_t used = 0;
    int rc = cs_results_data_map(t, t + row, t + 2 * row, t + 3 * row, &used, rep->k, rep->r, mi, ci,
                                 rep->opts.confidence);
    if (rc == CS_OK) {
        rep->rec.dm_used[(size_t)mi * (size_t)rep->n_conds + (size_t)ci] = used;
        for (int c = 0; c < rep->k; ++c)
            for (int g = 0; g < 3; ++g)
                for (int q = 0; q < 4; ++q)
                    rep->rec.dm[dm_at(rep, mi, ci, c, g) + (size_t)q] = t[(size_t)q * row + (size_t)c * 3 + (size_t)g];
    }
    free(t);
    return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

int cs__report_prepare_records(cs__report *rep)
{
    cs__rep_records *x = &rep->rec;
    const cs_results *r = rep->r;
    if (rep->opts.train_data) {
        int rc = cs__results_train_records(&x->train_view, r, rep->opts.train_data, "cs_report_write: train_data");
        if (rc != CS_OK)
            return rc;
    }
    if (!(x->flip = malloc(sizeof *x->flip * (size_t)rep->n_conds)))
        return cs__error_oom("report: records", sizeof *x->flip * (size_t)rep->n_conds);
    for (int j = 0; j < rep->n_conds; ++j)
        if (family_of(r, j) == CS_CONDITION_NOISE || family_of(r, j) == CS_CONDITION_GRID)
            x->flip[x->n_flip++] = j;
    const size_t n_det = (size_t)rep->n_models * (size_t)x->n_flip * (size_t)(rep->k + 1) * KINDS * METRICS * 4;
    const size_t n_dm = (size_t)rep->n_models * (size_t)rep->n_conds * (size_t)rep->k * 3 * 4;
    x->det = malloc(sizeof *x->det * (n_det ? n_det : 1));
    x->det_used = calloc((size_t)rep->n_models * (size_t)x->n_flip + 1, sizeof *x->det_used);
    x->dm = malloc(sizeof *x->dm * n_dm);
    x->dm_used = calloc((size_t)rep->n_models * (size_t)rep->n_conds, sizeof *x->dm_used);
    if (!x->det || !x->det_used || !x->dm || !x->dm_used)
        return cs__error_oom("report: records", sizeof *x->det * (n_det + n_dm));
    for (size_t i = 0; i < n_det; ++i)
        x->det[i] = NAN;
    for (size_t i = 0; i < n_dm; ++i)
        x->dm[i] = NAN;
    int rc = CS_OK;
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int f = 0; rc == CS_OK && f < x->n_flip; ++f)
            rc = prepare_flips(rep, mi, f);
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int ci = 0; rc == CS_OK && ci < rep->n_conds; ++ci)
            rc = prepare_map(rep, mi, ci);
    if (rc == CS_OK) {
        rc = cs_results_review(&x->review, &x->review_cells, r);
        if (rc == CS_ERR_NOT_FOUND)
            rc = CS_OK;
    }
    int any = x->review != NULL;
    for (size_t i = 0; i < (size_t)rep->n_models * (size_t)rep->n_conds; ++i)
        any |= x->dm_used[i] > 0;
    if (rc == CS_OK && !any) {
        static const char why[] = "the store holds no record scores: its cells were trained without them "
                                  "(cs_study_options.record_scores), or none is finished";
        if (!(x->why = malloc(sizeof why)))
            return cs__error_oom("report: records", sizeof why);
        memcpy(x->why, why, sizeof why);
    }
    if (rc == CS_OK)
        cs_error_clear(); /* the cells without scores were notes, not errors */
    return rc;
}

void cs__report_free_records(cs__report *rep)
{
    cs__rep_records *x = &rep->rec;
    free(x->why);
    free(x->flip);
    free(x->det);
    free(x->det_used);
    free(x->dm);
    free(x->dm_used);
    cs_review_destroy(x->review);
    cs_dataset_destroy(x->train_view);
    memset(x, 0, sizeof *x);
}

/* The study's training set when the caller gave the data (NULL otherwise). */
static const cs_dataset *train_records(const cs__report *rep)
{
    return rep->rec.train_view ? rep->rec.train_view : rep->opts.train_data;
}

/* ---- summary.json ------------------------------------------------------------------------ */

static void review_entry_json(cs__json_writer *w, const cs__report *rep, size_t rank)
{
    cs_review_record e;
    if (cs_review_entry(&e, sizeof e, rep->rec.review, rank) != CS_OK)
        return; /* rank < count: cannot fail */
    cs__jw_begin_object(w);
    /* Only what the store says: the same store gives the same summary.json whether or not the
     * report was given the data (the file index is on the page). */
    cs__jw_key(w, "index");
    cs__jw_uint(w, e.index);
    cs__jw_key(w, "label");
    cs__jw_string(w, rep->class_names[e.label]);
    cs__jw_key(w, "instead");
    cs__jw_string(w, rep->class_names[e.instead]);
    cs__jw_key(w, "mean_aum");
    cs__jw_double(w, e.mean_aum);
    cs__jw_key(w, "min_aum");
    cs__jw_double(w, e.min_aum);
    cs__jw_key(w, "max_aum");
    cs__jw_double(w, e.max_aum);
    cs__jw_key(w, "negative_share");
    cs__jw_double(w, e.negative_share);
    cs__jw_key(w, "cells");
    cs__jw_uint(w, e.cells);
    cs__jw_end_object(w);
}

static void review_json(cs__json_writer *w, const cs__report *rep)
{
    const cs_review *rv = rep->rec.review;
    cs__jw_key(w, "review");
    if (!rv) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "reason");
        cs__jw_string(w, "no finished baseline cell has record scores");
        cs__jw_end_object(w);
        return;
    }
    cs__jw_begin_object(w);
    cs__jw_key(w, "cells");
    cs__jw_uint(w, rep->rec.review_cells);
    cs__jw_key(w, "top");
    cs__jw_begin_array(w);
    const size_t n = cs_review_count(rv);
    for (size_t i = 0; i < n && i < CS__REPORT_REVIEW_TOP; ++i)
        review_entry_json(w, rep, i);
    cs__jw_end_array(w);
    cs__jw_key(w, "by_class");
    cs__jw_begin_array(w);
    for (int c = 0; c < rep->k; ++c) {
        size_t ranks[CS__REPORT_REVIEW_CLASS_TOP], found = 0;
        (void)cs_review_class_top(ranks, &found, rv, c, CS__REPORT_REVIEW_CLASS_TOP); /* c is in range */
        cs__jw_begin_object(w);
        cs__jw_key(w, "class");
        cs__jw_string(w, rep->class_names[c]);
        cs__jw_key(w, "top");
        cs__jw_begin_array(w);
        for (size_t i = 0; i < found; ++i)
            review_entry_json(w, rep, ranks[i]);
        cs__jw_end_array(w);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    cs__jw_end_object(w);
}

/* Open a condition's object with its name and the replicates that have record scores; with
 * none, the reason, and the object closed: false. */
static bool condition_open(cs__json_writer *w, const char *condition, size_t used)
{
    cs__jw_begin_object(w);
    cs__jw_key(w, "condition");
    cs__jw_string(w, condition);
    cs__jw_key(w, "replicates");
    cs__jw_uint(w, used);
    if (used)
        return true;
    cs__jw_key(w, "reason");
    cs__jw_string(w, "no finished replicate has record scores");
    cs__jw_end_object(w);
    return false;
}

static void flips_json(cs__json_writer *w, const cs__report *rep, int mi)
{
    const cs__rep_records *x = &rep->rec;
    cs__jw_key(w, "flip_detection");
    cs__jw_begin_array(w);
    for (int f = 0; f < x->n_flip; ++f) {
        if (!condition_open(w, cs_results_condition_name(rep->r, x->flip[f]),
                            x->det_used[(size_t)mi * (size_t)x->n_flip + (size_t)f]))
            continue;
        cs__jw_key(w, "classes");
        cs__jw_begin_array(w);
        for (int c = 0; c <= rep->k; ++c) {
            cs__jw_begin_object(w);
            cs__jw_key(w, "class");
            cs__jw_string(w, c == rep->k ? "all" : rep->class_names[c]);
            for (int kind = 0; kind < KINDS; ++kind) {
                cs__jw_key(w, KIND_KEY[kind]);
                cs__jw_begin_object(w);
                for (int m = 0; m < METRICS; ++m) {
                    const double *v = x->det + det_at(rep, mi, f, c, kind, m);
                    cs__jw_key(w, METRIC_KEY[m]);
                    cs__jw_begin_object(w);
                    cs__jw_key(w, "value");
                    cs__jw_double(w, v[0]);
                    cs__jw_key(w, "lo");
                    cs__jw_double(w, v[1]);
                    cs__jw_key(w, "hi");
                    cs__jw_double(w, v[2]);
                    cs__jw_key(w, "replicates");
                    cs__jw_uint(w, (unsigned long long)v[3]);
                    cs__jw_end_object(w);
                }
                cs__jw_end_object(w);
            }
            cs__jw_end_object(w);
        }
        cs__jw_end_array(w);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
}

static void map_json(cs__json_writer *w, const cs__report *rep, int mi)
{
    const cs__rep_records *x = &rep->rec;
    cs__jw_key(w, "data_map");
    cs__jw_begin_array(w);
    for (int ci = 0; ci < rep->n_conds; ++ci) {
        if (!condition_open(w, cs_results_condition_name(rep->r, ci),
                            x->dm_used[(size_t)mi * (size_t)rep->n_conds + (size_t)ci]))
            continue;
        cs__jw_key(w, "classes");
        cs__jw_begin_array(w);
        for (int c = 0; c < rep->k; ++c) {
            cs__jw_begin_object(w);
            cs__jw_key(w, "class");
            cs__jw_string(w, rep->class_names[c]);
            for (int g = 0; g < 3; ++g) {
                const double *v = x->dm + dm_at(rep, mi, ci, c, g);
                cs__jw_key(w, REGION_KEY[g]);
                cs__jw_begin_object(w);
                cs__jw_key(w, "share");
                cs__jw_double(w, v[0]);
                cs__jw_key(w, "shift");
                cs__jw_double(w, v[1]);
                cs__jw_key(w, "lo");
                cs__jw_double(w, v[2]);
                cs__jw_key(w, "hi");
                cs__jw_double(w, v[3]);
                cs__jw_end_object(w);
            }
            cs__jw_end_object(w);
        }
        cs__jw_end_array(w);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
}

void cs__report_records_json(cs__json_writer *w, const cs__report *rep)
{
    const cs__rep_records *x = &rep->rec;
    cs__jw_key(w, "records");
    cs__jw_begin_object(w);
    cs__jw_key(w, "thresholds");
    cs__jw_begin_object(w);
    cs__jw_key(w, "variability");
    cs__jw_double(w, CS_DATA_MAP_VARIABILITY);
    cs__jw_key(w, "confidence");
    cs__jw_double(w, CS_DATA_MAP_CONFIDENCE);
    cs__jw_key(w, "regions");
    cs__jw_string(w, "ambiguous: variability >= 0.2; hard: not ambiguous and confidence < 0.5; easy: the rest");
    cs__jw_key(w, "aum_found");
    cs__jw_string(w, "recall counts a record as found when confidence < 0.5, variability >= 0.2 or AUM < 0");
    cs__jw_end_object(w);
    cs__jw_key(w, "confidence");
    cs__jw_double(w, rep->opts.confidence);
    if (x->why) {
        cs__jw_key(w, "reason");
        cs__jw_string(w, x->why);
        cs__jw_end_object(w);
        return;
    }
    cs__jw_key(w, "models");
    cs__jw_begin_array(w);
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "name");
        cs__jw_string(w, cs_results_model_name(rep->r, mi));
        flips_json(w, rep, mi);
        map_json(w, rep, mi);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    review_json(w, rep);
    cs__jw_end_object(w);
}

/* ---- the page ---------------------------------------------------------------------------- */

/* A proportion as 0.00 with its interval. */
static void num_interval(cs__buf *b, double v, double lo, double hi)
{
    if (!isfinite(v)) {
        cs__buf_puts(b, "–");
        return;
    }
    cs__buf_printf(b, "%.2f", v);
    if (isfinite(lo) && isfinite(hi))
        cs__buf_printf(b, " <span class=\"ci\">[%.2f, %.2f]</span>", lo, hi);
}

static void flips_html(cs__buf *o, const cs__report *rep, int mi)
{
    const cs__rep_records *x = &rep->rec;
    const cs_results *r = rep->r;
    cs__buf_puts(o, "<table>\n<caption>");
    cs__buf_xml(o, cs_results_model_name(r, mi));
    cs__buf_puts(o, ": how well the AUM finds the flipped records of each true class (ROC AUC; 0.5 is chance, 1 "
                    "ranks every flip first)</caption>\n<tr><th>class</th>");
    for (int f = 0; f < x->n_flip; ++f) {
        cs__buf_puts(o, "<th>");
        cs__buf_xml(o, cs_results_condition_name(r, x->flip[f]));
        cs__buf_puts(o, "</th>");
    }
    cs__buf_puts(o, "</tr>\n");
    for (int c = 0; c <= rep->k; ++c) {
        cs__buf_puts(o, "<tr><td>");
        cs__buf_xml(o, c == rep->k ? "all classes" : rep->class_names[c]);
        cs__buf_puts(o, "</td>");
        for (int f = 0; f < x->n_flip; ++f) {
            const double *v = x->det + det_at(rep, mi, f, c, CS_RECORD_SCORE_AUM, CS_FLIP_METRIC_AUC);
            cs__buf_puts(o, "<td>");
            num_interval(o, v[0], v[1], v[2]);
            if (c == rep->k) {
                const double *p = x->det + det_at(rep, mi, f, c, CS_RECORD_SCORE_AUM, CS_FLIP_METRIC_PRECISION);
                const double *q = x->det + det_at(rep, mi, f, c, CS_RECORD_SCORE_AUM, CS_FLIP_METRIC_RECALL);
                cs__buf_puts(o, "<br>precision at the flip count ");
                num_interval(o, p[0], p[1], p[2]);
                cs__buf_puts(o, "<br>recall at AUM &lt; 0 ");
                num_interval(o, q[0], q[1], q[2]);
            }
            cs__buf_puts(o, "</td>");
        }
        cs__buf_puts(o, "</tr>\n");
    }
    cs__buf_puts(o, "</table>\n<table>\n<caption>");
    cs__buf_xml(o, cs_results_model_name(r, mi));
    cs__buf_puts(o, ": the three scores over all classes (ROC AUC)</caption>\n<tr><th>score</th>");
    for (int f = 0; f < x->n_flip; ++f) {
        cs__buf_puts(o, "<th>");
        cs__buf_xml(o, cs_results_condition_name(r, x->flip[f]));
        cs__buf_puts(o, "</th>");
    }
    cs__buf_puts(o, "</tr>\n");
    static const char *const label[KINDS] = { "confidence (low)", "variability (high)", "AUM (low)" };
    for (int kind = 0; kind < KINDS; ++kind) {
        cs__buf_printf(o, "<tr><td>%s</td>", label[kind]);
        for (int f = 0; f < x->n_flip; ++f) {
            const double *v = x->det + det_at(rep, mi, f, rep->k, kind, CS_FLIP_METRIC_AUC);
            cs__buf_puts(o, "<td>");
            num_interval(o, v[0], v[1], v[2]);
            cs__buf_puts(o, "</td>");
        }
        cs__buf_puts(o, "</tr>\n");
    }
    cs__buf_puts(o, "</table>\n");
}

/* A signed change in percentage points with its interval. */
static void shift_cell(cs__buf *o, const double *v)
{
    cs__buf_puts(o, "<td>");
    if (isfinite(v[1])) {
        cs__buf_printf(o, "%+.1f", 100.0 * v[1]);
        if (isfinite(v[2]) && isfinite(v[3]))
            cs__buf_printf(o, " <span class=\"ci\">[%+.1f, %+.1f]</span>", 100.0 * v[2], 100.0 * v[3]);
    } else {
        cs__buf_puts(o, "–");
    }
    cs__buf_puts(o, "</td>");
}

static void map_html(cs__buf *o, const cs__report *rep, int mi)
{
    const cs_results *r = rep->r;
    const int cols[2] = { rep->strongest_noise, rep->strongest_reduction };
    cs__buf_puts(o, "<table>\n<caption>");
    cs__buf_xml(o, cs_results_model_name(r, mi));
    cs__buf_puts(o, ": data-map regions per true class, % of its training records at the baseline, and their "
                    "change in percentage points</caption>\n<tr><th>class</th><th>easy</th><th>ambiguous</th>"
                    "<th>hard</th>");
    for (int q = 0; q < 2; ++q)
        if (cols[q] >= 0)
            for (int g = 0; g < 3; ++g) {
                cs__buf_printf(o, "<th>Δ %s, ", REGION_KEY[g]);
                cs__buf_xml(o, cs_results_condition_name(r, cols[q]));
                cs__buf_puts(o, "</th>");
            }
    cs__buf_puts(o, "</tr>\n");
    for (int c = 0; c < rep->k; ++c) {
        cs__buf_puts(o, "<tr><td>");
        cs__buf_xml(o, rep->class_names[c]);
        cs__buf_puts(o, "</td>");
        for (int g = 0; g < 3; ++g) {
            cs__buf_puts(o, "<td>");
            cs__report_pct(o, rep->rec.dm[dm_at(rep, mi, 0, c, g)], 1);
            cs__buf_puts(o, "</td>");
        }
        for (int q = 0; q < 2; ++q)
            if (cols[q] >= 0)
                for (int g = 0; g < 3; ++g)
                    shift_cell(o, rep->rec.dm + dm_at(rep, mi, cols[q], c, g));
        cs__buf_puts(o, "</tr>\n");
    }
    cs__buf_puts(o, "</table>\n");
}

static void entry_caption(cs__buf *o, const cs__report *rep, const cs_review_record *e)
{
    const cs_dataset *ds = train_records(rep);
    cs__buf_printf(o, "#%zu", e->index);
    if (ds)
        cs__buf_printf(o, " (file %zu)", cs_dataset_source_index(ds, e->index));
    cs__buf_puts(o, " ");
    cs__buf_xml(o, rep->class_names[e->label]);
    cs__buf_puts(o, " → ");
    cs__buf_xml(o, rep->class_names[e->instead]);
    cs__buf_printf(o, ", AUM %.2f", e->mean_aum);
}

static int review_html(cs__buf *o, const cs__report *rep)
{
    const cs_review *rv = rep->rec.review;
    const cs_dataset *ds = train_records(rep);
    if (!rv) {
        cs__buf_puts(o, "<p class=\"note\">No finished baseline cell has record scores: no review list.</p>\n");
        return CS_OK;
    }
    cs__buf_printf(o, "<h3>Review first</h3>\n<p>The training records every model finds hardest on the clean "
                      "data: lowest mean AUM over the %zu baseline cells (every model and replicate), per given "
                      "label; “instead” is the class most often predicted in its place. Each is a record to look "
                      "at: a wrong label, an ambiguous image, or a class boundary the data set draws badly.</p>\n",
                   rep->rec.review_cells);
    int c0 = 0, h = 0, w = 0;
    if (ds)
        cs_dataset_shape(&c0, &h, &w, ds);
    for (int c = 0; c < rep->k; ++c) {
        size_t ranks[CS__REPORT_REVIEW_CLASS_TOP], found = 0;
        (void)cs_review_class_top(ranks, &found, rv, c, CS__REPORT_REVIEW_CLASS_TOP); /* c is in range */
        if (!found)
            continue;
        if (ds) {
            cs__buf_puts(o, "<div class=\"thumbs\">\n");
            for (size_t i = 0; i < found; ++i) {
                cs_review_record e;
                (void)cs_review_entry(&e, sizeof e, rv, ranks[i]); /* a rank of the ranking */
                cs__buf_puts(o, "<figure><img alt=\"training record ");
                cs__buf_printf(o, "%zu\" src=\"", e.index);
                int rc = cs__png_data_uri(o, cs_dataset_image(ds, e.index), c0, h, w, CS__REPORT_THUMB_SCALE);
                if (rc != CS_OK)
                    return rc;
                cs__buf_puts(o, "\"><figcaption>");
                entry_caption(o, rep, &e);
                cs__buf_puts(o, "</figcaption></figure>\n");
            }
            cs__buf_puts(o, "</div>\n");
        } else {
            cs__buf_puts(o, "<table>\n<caption>");
            cs__buf_xml(o, rep->class_names[c]);
            cs__buf_puts(o, "</caption>\n<tr><th>record</th><th>given</th><th>instead</th><th>mean AUM</th>"
                            "<th>AUM &lt; 0 in</th></tr>\n");
            for (size_t i = 0; i < found; ++i) {
                cs_review_record e;
                (void)cs_review_entry(&e, sizeof e, rv, ranks[i]);
                cs__buf_printf(o, "<tr><td>%zu</td><td>", e.index);
                cs__buf_xml(o, rep->class_names[e.label]);
                cs__buf_puts(o, "</td><td>");
                cs__buf_xml(o, rep->class_names[e.instead]);
                cs__buf_printf(o, "</td><td>%.2f</td><td>", e.mean_aum);
                cs__report_pct(o, e.negative_share, 0);
                cs__buf_printf(o, " %% of %zu cells</td></tr>\n", e.cells);
            }
            cs__buf_puts(o, "</table>\n");
        }
    }
    if (!ds)
        cs__buf_puts(o, "<p class=\"note\">Give the report the training data to see these records as images: "
                        "<code>classsens report DIR --data SPEC</code> with the data set the study was run on "
                        "(cs_report_options.train_data in the library).</p>\n");
    return CS_OK;
}

int cs__report_html_records(cs__buf *o, const cs__report *rep)
{
    const cs__rep_records *x = &rep->rec;
    cs__buf_puts(o, "<h2 id=\"records\">Which records</h2>\n");
    if (x->why) {
        cs__buf_puts(o, "<p class=\"note\">");
        cs__buf_xml(o, x->why);
        cs__buf_puts(o, ".</p>\n");
        return CS_OK;
    }
    cs__buf_printf(o, "<p>Per training record, the scores its training recorded (docs/analysis.md, "
                      "“Record-level sensitivity”). Where labels were flipped, the records are known: the tables "
                      "say how well each score ranks them first, by true class, as the mean over replicates with "
                      "its %g %% interval. Data-map regions: ambiguous when the variability is at least %g, hard "
                      "when not and the mean confidence is below %g, easy otherwise.</p>\n",
                   100.0 * rep->opts.confidence, CS_DATA_MAP_VARIABILITY, CS_DATA_MAP_CONFIDENCE);
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs__buf_puts(o, "<h3>");
        cs__buf_xml(o, cs_results_model_name(rep->r, mi));
        cs__buf_puts(o, "</h3>\n");
        if (x->n_flip > 0)
            flips_html(o, rep, mi);
        map_html(o, rep, mi);
    }
    return review_html(o, rep);
}
