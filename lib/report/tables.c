/* The machine-readable outputs: results.csv (tidy counts of every finished cell) and
 * summary.json (the statistics the page shows). */
#include <math.h>
#include <string.h>

#include "core/json.h"
#include "core/numfmt.h"
#include "report/report_internal.h"
#include "study/study_internal.h"

void cs__report_csv_field(cs__buf *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        cs__buf_puts(out, s);
        return;
    }
    cs__buf_putc(out, '"');
    for (const char *p = s; *p; ++p) {
        if (*p == '"')
            cs__buf_putc(out, '"');
        cs__buf_putc(out, *p);
    }
    cs__buf_putc(out, '"');
}

/* A condition's place on the noise x volume grid: the noise rate its cells were trained with
 * (0 without label noise) and the fraction of the training set a reduction kept (1 without one;
 * a matched control's realised fraction, train_size / the training set). */
static void grid_coords(const cs_results *r, int ci, size_t train_size, double *noise, double *kept)
{
    cs_condition_family f = CS_CONDITION_BASELINE;
    (void)cs_results_condition_family(&f, r, ci); /* ci is in range */
    int n = -1, red = -1;
    *noise = 0.0;
    *kept = 1.0;
    if (f == CS_CONDITION_NOISE)
        *noise = cs_results_condition_level(r, ci);
    else if (f == CS_CONDITION_REDUCTION)
        *kept = cs_results_condition_level(r, ci);
    else if (f == CS_CONDITION_CONTROL)
        *kept = (double)train_size / (double)cs_results_train_size(r);
    else if (f == CS_CONDITION_GRID && cs_results_condition_grid(&n, &red, r, ci) == CS_OK) {
        *noise = cs_results_condition_level(r, n);
        *kept = cs_results_condition_level(r, red);
    }
}

int cs__report_csv(cs__buf *out, const cs__report *rep)
{
    const cs_results *r = rep->r;
    const int k = rep->k;
    cs__buf_puts(out, "model,condition,level,replicate,true,pred,count,noise,kept\n");
    for (int mi = 0; mi < rep->n_models; ++mi)
        for (int ci = 0; ci < rep->n_conds; ++ci)
            for (int ri = 0; ri < rep->reps; ++ri) {
                cs_cell_result c;
                c.struct_size = sizeof c;
                if (cs_results_cell(&c, r, mi, ci, ri) != CS_OK)
                    continue;
                double noise = 0.0, kept = 1.0;
                grid_coords(r, ci, c.train_size, &noise, &kept);
                for (int t = 0; t < k; ++t)
                    for (int p = 0; p < k; ++p) {
                        cs__report_csv_field(out, cs_results_model_name(r, mi));
                        cs__buf_putc(out, ',');
                        cs__report_csv_field(out, cs_results_condition_name(r, ci));
                        cs__buf_putc(out, ',');
                        cs__buf_double(out, cs_results_condition_level(r, ci));
                        cs__buf_printf(out, ",%d,", ri);
                        cs__report_csv_field(out, rep->class_names[t]);
                        cs__buf_putc(out, ',');
                        cs__report_csv_field(out, rep->class_names[p]);
                        cs__buf_printf(out, ",%.0f,", cs_confusion_count(c.confusion, t, p));
                        cs__buf_double(out, noise);
                        cs__buf_putc(out, ',');
                        cs__buf_double(out, kept);
                        cs__buf_putc(out, '\n');
                    }
            }
    cs_error_clear();
    return cs__buf_status(out, "results.csv");
}

/* The shortest of %.6g .. %.9g that reads back as the same float (%.9g always does). */
static void csv_float(cs__buf *out, float v)
{
    char text[32];
    for (int digits = 6; digits <= 9; ++digits) {
        cs__num_snprintf(text, sizeof text, "%.*g", digits, (double)v);
        double back = 0.0;
        size_t used = 0;
        if (digits == 9 || (cs__num_parse_double(&back, &used, text, strlen(text)) == CS_OK && (float)back == v))
            break;
    }
    cs__buf_puts(out, text);
}

/* One cell's rows of records.csv. */
static void records_rows(cs__buf *out, const cs__report *rep, const cs_cell_records *c, int mi, int ci, int ri)
{
    const cs_results *r = rep->r;
    const size_t n = cs_cell_records_count(c);
    const uint32_t *source = cs_cell_records_source(c);
    const int32_t *given = cs_cell_records_given(c), *truth = cs_cell_records_truth(c);
    const int32_t *other = cs_cell_records_other(c);
    const float *conf = cs_cell_records_confidence(c), *var = cs_cell_records_variability(c);
    const float *aum = cs_cell_records_aum(c);
    for (size_t i = 0; i < n; ++i) {
        cs__report_csv_field(out, cs_results_model_name(r, mi));
        cs__buf_putc(out, ',');
        cs__report_csv_field(out, cs_results_condition_name(r, ci));
        cs__buf_printf(out, ",%d,%lu,", ri, (unsigned long)source[i]);
        cs__report_csv_field(out, rep->class_names[given[i]]);
        cs__buf_putc(out, ',');
        cs__report_csv_field(out, rep->class_names[truth[i]]);
        cs__buf_printf(out, ",%d,", given[i] != truth[i]);
        csv_float(out, conf[i]);
        cs__buf_putc(out, ',');
        csv_float(out, var[i]);
        cs__buf_putc(out, ',');
        csv_float(out, aum[i]);
        cs__buf_putc(out, ',');
        cs__report_csv_field(out, rep->class_names[other[i]]);
        cs__buf_putc(out, '\n');
    }
}

int cs__report_records_csv(const char *path, int *cells, const cs__report *rep)
{
    *cells = 0;
    cs__file_stream f;
    cs__buf out = CS__BUF_INIT;
    int rc = CS_OK, open = 0;
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int ci = 0; rc == CS_OK && ci < rep->n_conds; ++ci)
            for (int ri = 0; rc == CS_OK && ri < rep->reps; ++ri) {
                cs_cell_records *c = NULL;
                rc = cs_results_cell_records(&c, rep->r, mi, ci, ri);
                if (rc == CS_ERR_NOT_FOUND) {
                    rc = CS_OK;
                    continue;
                }
                /* The file is created at the first cell with scores, and grows by one cell's
                 * rows at a time: a study of 60,000 records per cell writes gigabytes. */
                if (rc == CS_OK && !open) {
                    rc = cs__file_stream_open_gzip(&f, path);
                    open = rc == CS_OK;
                    cs__buf_puts(&out, "model,condition,replicate,record,given,true,flipped,confidence,variability,"
                                       "aum,other\n");
                }
                if (rc == CS_OK) {
                    records_rows(&out, rep, c, mi, ci, ri);
                    rc = cs__file_stream_write(&f, &out);
                    ++*cells;
                }
                cs_cell_records_destroy(c);
            }
    if (open)
        rc = rc == CS_OK ? cs__file_stream_commit(&f) : (cs__file_stream_abort(&f), rc);
    cs__buf_free(&out);
    if (rc == CS_OK)
        cs_error_clear();
    return rc;
}

/* key: { first: v, "lo": lo, "hi": hi }. */
static void estimate(cs__json_writer *w, const char *key, const char *first, double v, double lo, double hi)
{
    cs__jw_key(w, key);
    cs__jw_begin_object(w);
    cs__jw_key(w, first);
    cs__jw_double(w, v);
    cs__jw_key(w, "lo");
    cs__jw_double(w, lo);
    cs__jw_key(w, "hi");
    cs__jw_double(w, hi);
    cs__jw_end_object(w);
}

static void interval(cs__json_writer *w, const char *key, double mean, double lo, double hi)
{
    estimate(w, key, "mean", mean, lo, hi);
}

static void ranking(cs__json_writer *w, const char *key, const cs__report *rep, const cs_class_score *s)
{
    cs__jw_key(w, key);
    cs__jw_begin_array(w);
    for (int i = 0; s && i < rep->k; ++i) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "class");
        cs__jw_string(w, rep->class_names[s[i].cls]);
        cs__jw_key(w, "score");
        cs__jw_double(w, s[i].score);
        cs__jw_key(w, "lo");
        cs__jw_double(w, s[i].lo);
        cs__jw_key(w, "hi");
        cs__jw_double(w, s[i].hi);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
}

static void condition_json(cs__json_writer *w, const cs__report *rep, int mi, int ci)
{
    const cs_results *r = rep->r;
    const cs__rep_cell *c = cs__rep_at(rep, mi, ci);
    cs__jw_begin_object(w);
    cs__jw_key(w, "condition");
    cs__jw_string(w, cs_results_condition_name(r, ci));
    cs__jw_key(w, "family");
    cs_condition_family f = CS_CONDITION_BASELINE;
    (void)cs_results_condition_family(&f, r, ci); /* ci is in range */
    cs__jw_string(w, cs__condition_family_name(f));
    cs__jw_key(w, "level");
    cs__jw_double(w, cs_results_condition_level(r, ci));
    cs__jw_key(w, "replicates");
    cs__jw_int(w, c->finished);
    if (!c->stats) {
        cs__jw_end_object(w);
        return;
    }
    cs__jw_key(w, "train_records");
    cs__jw_double(w, c->train_size);
    if (f == CS_CONDITION_NOISE || f == CS_CONDITION_GRID) {
        cs__jw_key(w, "flip_rate");
        cs__jw_double(w, c->flip_rate);
    }
    interval(w, "accuracy", c->acc, c->acc_lo, c->acc_hi);
    cs__jw_key(w, "class_accuracy");
    cs__jw_begin_array(w);
    for (int t = 0; t < rep->k; ++t) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "class");
        cs__jw_string(w, rep->class_names[t]);
        cs__jw_key(w, "mean");
        cs__jw_double(w, c->class_acc[t]);
        cs__jw_key(w, "lo");
        cs__jw_double(w, c->class_lo[t]);
        cs__jw_key(w, "hi");
        cs__jw_double(w, c->class_hi[t]);
        if (c->rel_acc) {
            cs__jw_key(w, "relative_accuracy");
            cs__jw_double(w, c->rel_acc[t]);
        }
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    ranking(w, "weakest_by_accuracy", rep, c->by_accuracy);
    if (c->by_drop)
        ranking(w, "weakest_by_sensitivity", rep, c->by_drop);
    cs__jw_end_object(w);
}

void cs__report_jw_bound(cs__json_writer *w, const char *key, double v)
{
    cs__jw_key(w, key);
    if (isinf(v) && v > 0)
        cs__jw_string(w, "inf");
    else
        cs__jw_double(w, v);
}

static void curve_json(cs__json_writer *w, const cs__report *rep, const cs__rep_curve *cv)
{
    if (cv->status != CS_OK) {
        cs__jw_key(w, "fitted");
        cs__jw_bool(w, 0);
        cs__jw_key(w, "reason");
        cs__jw_string(w, cv->why);
        return;
    }
    cs__jw_key(w, "fitted");
    cs__jw_bool(w, 1);
    int levels = cs_learning_curve_levels(cv->lc);
    cs__jw_key(w, "levels");
    cs__jw_begin_array(w);
    for (int l = 0; l < levels; ++l) {
        double n = NAN, y = NAN;
        (void)cs_learning_curve_level(&n, &y, cv->lc, l); /* l is in range */
        cs__jw_begin_object(w);
        cs__jw_key(w, "count");
        cs__jw_double(w, n);
        cs__jw_key(w, "mean_accuracy");
        cs__jw_double(w, y);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    static const char *const names[3] = { "a", "b", "c" };
    for (int p = 0; p < 3; ++p) {
        double v = NAN, lo = NAN, hi = NAN;
        (void)cs_learning_curve_param(&v, &lo, &hi, cv->lc, (cs_curve_param)p);
        estimate(w, names[p], "value", v, lo, hi);
    }
    double r2 = NAN, rmse = NAN;
    (void)cs_learning_curve_quality(&r2, &rmse, cv->lc);
    cs__jw_key(w, "r2");
    cs__jw_double(w, r2);
    cs__jw_key(w, "rmse");
    cs__jw_double(w, rmse);
    cs__jw_key(w, "exact_fit");
    cs__jw_bool(w, levels == 3);
    cs__jw_key(w, "extrapolate");
    cs__jw_bool(w, cv->refused == NULL);
    cs__jw_key(w, "refused");
    if (cv->refused)
        cs__jw_string(w, cv->refused);
    else
        cs__jw_null(w);
    static const char *const at[2] = { "accuracy_at_2x", "accuracy_at_10x" };
    for (int q = 0; q < 2; ++q) {
        if (cv->refused) {
            cs__jw_key(w, at[q]);
            cs__jw_null(w);
        } else {
            estimate(w, at[q], "value", cv->pred[q][0], cv->pred[q][1], cv->pred[q][2]);
        }
    }
    cs__jw_key(w, "needed");
    cs__jw_begin_object(w);
    cs__jw_key(w, "target");
    cs__jw_double(w, rep->opts.target);
    if (cv->needed_status == CS_OK) {
        cs__jw_key(w, "count");
        cs__jw_double(w, cv->needed[0]);
        cs__report_jw_bound(w, "lo", cv->needed[1]);
        cs__report_jw_bound(w, "hi", cv->needed[2]);
        cs__jw_key(w, "unreachable_refits");
        cs__jw_uint(w, cv->unreachable);
        cs__jw_key(w, "reason");
        cs__jw_null(w);
    } else {
        cs__jw_key(w, "count");
        cs__jw_null(w);
        cs__jw_key(w, "reason");
        cs__jw_string(w, cv->needed_why);
    }
    cs__jw_end_object(w);
}

/* "learning_curves": always an object; "models" lists every model and class, each fitted or
 * with the reason it is not; "reason" is null, or, when no curve at all could be fitted (a
 * study without reductions), the first class's reason. */
static void curves_json(cs__json_writer *w, const cs__report *rep)
{
    const cs_results *r = rep->r;
    cs_learning_curve_options o;
    cs__report_curve_options(&o, &rep->opts);
    cs__jw_key(w, "learning_curves");
    cs__jw_begin_object(w);
    cs__jw_key(w, "law");
    cs__jw_string(w, "acc(n) = a - b*n^(-c)");
    cs__jw_key(w, "target");
    cs__jw_double(w, rep->opts.target);
    cs__jw_key(w, "confidence");
    cs__jw_double(w, o.confidence);
    cs__jw_key(w, "bootstrap_resamples");
    cs__jw_int(w, o.bootstrap_resamples);
    cs__jw_key(w, "seed");
    cs__jw_uint(w, o.seed);
    cs__jw_key(w, "min_r2");
    cs__jw_double(w, o.min_r2);
    cs__jw_key(w, "reason");
    if (rep->n_curves_fitted == 0 && rep->curves)
        cs__jw_string(w, rep->curves[0].why);
    else if (rep->n_curves_fitted == 0)
        cs__jw_string(w, "the store has no model or no class");
    else
        cs__jw_null(w);
    cs__jw_key(w, "models");
    cs__jw_begin_array(w);
    for (int mi = 0; rep->n_curves_fitted > 0 && mi < rep->n_models; ++mi) {
        cs__jw_begin_object(w);
        cs__jw_key(w, "model");
        cs__jw_string(w, cs_results_model_name(r, mi));
        cs__jw_key(w, "classes");
        cs__jw_begin_array(w);
        for (int t = 0; t < rep->k; ++t) {
            cs__jw_begin_object(w);
            cs__jw_key(w, "class");
            cs__jw_string(w, rep->class_names[t]);
            curve_json(w, rep, &rep->curves[(size_t)mi * (size_t)rep->k + (size_t)t]);
            cs__jw_end_object(w);
        }
        cs__jw_end_array(w);
        cs__jw_end_object(w);
    }
    cs__jw_end_array(w);
    cs__jw_end_object(w);
}

int cs__report_summary_json(cs__buf *out, const cs__report *rep)
{
    const cs_results *r = rep->r;
    cs__json_writer w;
    cs__jw_init(&w, out);
    cs__jw_begin_object(&w);
    cs__jw_key(&w, "format");
    cs__jw_string(&w, "classsens-summary");
    cs__jw_key(&w, "version");
    cs__jw_int(&w, 1);
    cs__jw_key(&w, "data");
    cs__jw_string(&w, cs_results_data_name(r));
    cs__jw_key(&w, "config_hash");
    cs__jw_string(&w, cs_results_config_hash(r));
    cs__jw_key(&w, "cells_finished");
    cs__jw_int(&w, cs_results_cells_finished(r));
    cs__jw_key(&w, "cells_total");
    cs__jw_int(&w, rep->n_models * rep->n_conds * rep->reps);
    /* Failed cells are in no statistic; outliers are in all of them, flagged. */
    cs__jw_key(&w, "cells_failed");
    cs__jw_int(&w, cs_results_cells_failed(r));
    cs__jw_key(&w, "failed_cells");
    cs__jw_begin_array(&w);
    for (int mi = 0; mi < rep->n_models; ++mi)
        for (int ci = 0; ci < rep->n_conds; ++ci)
            for (int i = 0; i < rep->reps; ++i) {
                cs_cell_failure f;
                f.struct_size = sizeof f;
                if (cs_results_cell_failure(&f, r, mi, ci, i) != CS_OK)
                    continue;
                cs__jw_begin_object(&w);
                cs__jw_key(&w, "model");
                cs__jw_string(&w, cs_results_model_name(r, mi));
                cs__jw_key(&w, "condition");
                cs__jw_string(&w, cs_results_condition_name(r, ci));
                cs__jw_key(&w, "replicate");
                cs__jw_int(&w, i);
                cs__jw_key(&w, "status");
                cs__jw_string(&w, cs_status_str(f.status));
                cs__jw_key(&w, "epoch");
                cs__jw_int(&w, f.epoch);
                cs__jw_key(&w, "reason");
                cs__jw_string(&w, f.reason);
                cs__jw_end_object(&w);
            }
    cs_error_clear();
    cs__jw_end_array(&w);
    cs__jw_key(&w, "outlier_rule");
    cs__buf rule = CS__BUF_INIT;
    cs__report_outlier_rule(&rule, rep);
    cs__jw_string(&w, cs__buf_str(&rule));
    cs__buf_free(&rule);
    cs__jw_key(&w, "outliers");
    cs__jw_begin_array(&w);
    for (int i = 0; i < rep->n_outliers; ++i) {
        const cs__rep_outlier *x = &rep->outliers[i];
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "model");
        cs__jw_string(&w, cs_results_model_name(r, x->model));
        cs__jw_key(&w, "condition");
        cs__jw_string(&w, cs_results_condition_name(r, x->cond));
        cs__jw_key(&w, "replicate");
        cs__jw_int(&w, x->replicate);
        cs__jw_key(&w, "accuracy");
        cs__jw_double(&w, x->accuracy);
        cs__jw_key(&w, "others_min");
        cs__jw_double(&w, x->others_min);
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);
    cs__jw_key(&w, "train_records");
    cs__jw_uint(&w, cs_results_train_size(r));
    cs__jw_key(&w, "test_records");
    cs__jw_uint(&w, cs_results_test_size(r));
    cs__jw_key(&w, "confidence");
    cs__jw_double(&w, rep->opts.confidence);
    cs__jw_key(&w, "interval");
    cs__jw_string(&w, rep->opts.interval == CS_INTERVAL_BOOTSTRAP ? "bootstrap"
                      : rep->opts.interval == CS_INTERVAL_WILSON  ? "wilson"
                                                                  : "t");
    cs__jw_key(&w, "classes");
    cs__jw_begin_array(&w);
    for (int t = 0; t < rep->k; ++t)
        cs__jw_string(&w, rep->class_names[t]);
    cs__jw_end_array(&w);

    cs__jw_key(&w, "models");
    cs__jw_begin_array(&w);
    for (int mi = 0; mi < rep->n_models; ++mi) {
        cs_train_options t = CS_TRAIN_OPTIONS_INIT;
        cs_results_model_train_options(&t, r, mi);
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "name");
        cs__jw_string(&w, cs_results_model_name(r, mi));
        cs__jw_key(&w, "arch");
        cs__jw_string(&w, cs_results_model_arch(r, mi));
        cs__jw_key(&w, "width");
        cs__jw_double(&w, cs_results_model_width(r, mi));
        cs__jw_key(&w, "epochs");
        cs__jw_int(&w, t.epochs);
        cs__jw_key(&w, "batch_size");
        cs__jw_int(&w, t.batch_size);
        cs__jw_key(&w, "lr");
        cs__jw_double(&w, t.lr);
        cs__jw_key(&w, "conditions");
        cs__jw_begin_array(&w);
        for (int ci = 0; ci < rep->n_conds; ++ci)
            condition_json(&w, rep, mi, ci);
        cs__jw_end_array(&w);
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);

    cs__jw_key(&w, "agreement");
    cs__jw_begin_array(&w);
    for (int ci = 0; ci < rep->n_conds; ++ci) {
        const cs__rep_agreement *a = &rep->agree[ci];
        if (a->m < 2)
            continue;
        cs__jw_begin_object(&w);
        cs__jw_key(&w, "condition");
        cs__jw_string(&w, cs_results_condition_name(r, ci));
        cs__jw_key(&w, "score");
        cs__jw_string(&w, ci == 0 ? "difficulty (1 - class accuracy)" : "sensitivity (accuracy drop from baseline)");
        cs__jw_key(&w, "models");
        cs__jw_begin_array(&w);
        for (int i = 0; i < a->m; ++i)
            cs__jw_string(&w, cs_results_model_name(r, a->models[i]));
        cs__jw_end_array(&w);
        cs__jw_key(&w, "kendall_w");
        cs__jw_double(&w, a->w);
        cs__jw_key(&w, "p_value");
        cs__jw_double(&w, a->p);
        const char *keys[3] = { "spearman", "kendall_tau", "top_k_jaccard" };
        const double *mats[3] = { a->spearman, a->kendall, a->jaccard };
        for (int q = 0; q < 3; ++q) {
            cs__jw_key(&w, keys[q]);
            cs__jw_begin_array(&w);
            for (int i = 0; i < a->m; ++i)
                cs__jw_doubles(&w, mats[q] + (size_t)i * (size_t)a->m, (size_t)a->m);
            cs__jw_end_array(&w);
        }
        cs__jw_key(&w, "top_k");
        cs__jw_int(&w, rep->opts.top_k < rep->k ? rep->opts.top_k : rep->k);
        cs__jw_end_object(&w);
    }
    cs__jw_end_array(&w);
    curves_json(&w, rep);
    cs__report_grid_json(&w, rep);
    cs__report_records_json(&w, rep);
    cs__jw_end_object(&w);
    return cs__buf_status(out, "summary.json");
}
