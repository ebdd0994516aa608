/* cs_report_write(): the analysis of a store (replicate statistics, rankings, agreement),
 * then the page, the figures, the CSV and the JSON summary. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/memory.h"
#include "report/report_internal.h"

static double *alloc_doubles(size_t n)
{
    double *p = malloc(sizeof *p * (n ? n : 1));
    if (p)
        for (size_t i = 0; i < n; ++i)
            p[i] = NAN;
    return p;
}

static int prepare_cell(cs__report *rep, int mi, int ci)
{
    const cs_results *r = rep->r;
    cs__rep_cell *cell = cs__rep_at(rep, mi, ci);
    const int k = rep->k;
    cell->acc = cell->acc_lo = cell->acc_hi = NAN;
    cell->flip_rate = cell->train_size = cell->train_seconds = NAN;
    const cs_confusion **cms = malloc(sizeof *cms * (size_t)rep->reps);
    if (!cms)
        return cs__error_oom("replicate list", sizeof *cms * (size_t)rep->reps);
    double flips = 0.0, sizes = 0.0, secs = 0.0;
    int n = 0;
    for (int i = 0; i < rep->reps; ++i) {
        cs_cell_result c;
        c.struct_size = sizeof c;
        if (cs_results_cell(&c, r, mi, ci, i) != CS_OK)
            continue;
        cms[n++] = c.confusion;
        flips += c.flip_rate;
        sizes += (double)c.train_size;
        secs += c.train_seconds;
    }
    cs_error_clear();
    cell->finished = n;
    int rc = CS_OK;
    if (n > 0) {
        cs_average_options ao = CS_AVERAGE_OPTIONS_INIT;
        ao.confidence = rep->opts.confidence;
        ao.interval = rep->opts.interval;
        rc = cs_confusion_average(&cell->stats, cms, (size_t)n, &ao);
        cell->flip_rate = flips / n;
        cell->train_size = sizes / n;
        cell->train_seconds = secs / n;
    }
    free(cms);
    if (rc != CS_OK || n == 0)
        return rc;
    cell->class_acc = alloc_doubles((size_t)k);
    cell->class_lo = alloc_doubles((size_t)k);
    cell->class_hi = alloc_doubles((size_t)k);
    cell->by_accuracy = malloc(sizeof *cell->by_accuracy * (size_t)k);
    if (!cell->class_acc || !cell->class_lo || !cell->class_hi || !cell->by_accuracy)
        return cs__error_oom("class statistics", sizeof(double) * (size_t)k * 4);
    rc = cs_confusion_stats_accuracy(&cell->acc, &cell->acc_lo, &cell->acc_hi, cell->stats);
    if (rc == CS_OK)
        rc = cs_confusion_stats_class_accuracy(cell->class_acc, cell->class_lo, cell->class_hi, k, cell->stats);
    if (rc == CS_OK)
        rc = cs_rank_weakest(cell->by_accuracy, sizeof(cs_class_score), k, cell->stats, NULL);
    return rc;
}

static int prepare_relative(cs__report *rep, int mi, int ci)
{
    cs__rep_cell *cell = cs__rep_at(rep, mi, ci), *base = cs__rep_at(rep, mi, 0);
    const int k = rep->k;
    if (ci == 0 || !cell->stats || !base->stats)
        return CS_OK;
    cell->relative = alloc_doubles((size_t)k * (size_t)k);
    cell->rel_acc = alloc_doubles((size_t)k);
    cell->by_drop = malloc(sizeof *cell->by_drop * (size_t)k);
    if (!cell->relative || !cell->rel_acc || !cell->by_drop)
        return cs__error_oom("relative matrices", sizeof(double) * (size_t)k * (size_t)k);
    const cs_confusion *pm = cs_confusion_stats_mean(cell->stats), *bm = cs_confusion_stats_mean(base->stats);
    int rc = cs_confusion_relative(cell->relative, k, pm, bm);
    if (rc == CS_OK)
        rc = cs_confusion_relative_accuracy(cell->rel_acc, k, pm, bm);
    if (rc == CS_OK)
        rc = cs_rank_weakest(cell->by_drop, sizeof(cs_class_score), k, cell->stats, base->stats);
    return rc;
}

static int prepare_agreement(cs__report *rep, int ci)
{
    cs__rep_agreement *a = &rep->agree[ci];
    const int k = rep->k;
    a->cond = ci;
    a->w = a->p = NAN;
    a->models = malloc(sizeof *a->models * (size_t)rep->n_models);
    double *scores = malloc(sizeof *scores * (size_t)rep->n_models * (size_t)k);
    int rc = (!a->models || !scores) ? cs__error_oom("agreement scores", sizeof *scores * (size_t)k) : CS_OK;
    int m = 0;
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi) {
        const cs__rep_cell *cell = cs__rep_at(rep, mi, ci), *base = cs__rep_at(rep, mi, 0);
        if (!cell->stats || (ci > 0 && !base->stats))
            continue;
        int ok = 1;
        for (int t = 0; t < k; ++t) {
            /* Baseline: difficulty (1 − accuracy); otherwise sensitivity (the accuracy drop). */
            double v = ci == 0 ? 1.0 - cell->class_acc[t] : base->class_acc[t] - cell->class_acc[t];
            ok &= isfinite(v);
            scores[(size_t)m * (size_t)k + (size_t)t] = v;
        }
        if (ok)
            a->models[m++] = mi;
    }
    a->m = 0;
    if (rc == CS_OK && m >= 2) {
        cs_agreement *ag = NULL;
        int top = rep->opts.top_k < k ? rep->opts.top_k : k;
        if (cs_agreement_compute(&ag, scores, m, k, top) == CS_OK) {
            a->spearman = alloc_doubles((size_t)m * (size_t)m);
            a->kendall = alloc_doubles((size_t)m * (size_t)m);
            a->jaccard = alloc_doubles((size_t)m * (size_t)m);
            if (!a->spearman || !a->kendall || !a->jaccard)
                rc = cs__error_oom("agreement matrices", sizeof(double) * (size_t)m * (size_t)m);
            else
                rc = cs_agreement_pairwise(a->spearman, a->kendall, a->jaccard, m, ag);
            a->w = cs_agreement_kendall_w(ag);
            a->p = cs_agreement_p_value(ag);
            if (rc == CS_OK)
                a->m = m;
        }
        cs_agreement_destroy(ag);
        cs_error_clear();
    }
    free(scores);
    return rc;
}

/* The kind of a condition: its name without the last ":level". */
static void condition_kind(char *dst, size_t cap, const char *name)
{
    const char *colon = strrchr(name, ':');
    size_t n = colon ? (size_t)(colon - name) : strlen(name);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, name, n);
    dst[n] = '\0';
}

static int prepare_series(cs__report *rep)
{
    const cs_results *r = rep->r;
    rep->series = calloc((size_t)rep->n_conds, sizeof *rep->series);
    if (!rep->series)
        return cs__error_oom("series", sizeof *rep->series * (size_t)rep->n_conds);
    for (int ci = 1; ci < rep->n_conds; ++ci) {
        cs_condition_family f = CS_CONDITION_BASELINE;
        (void)cs_results_condition_family(&f, r, ci); /* ci is in range */
        if (f != CS_CONDITION_NOISE && f != CS_CONDITION_REDUCTION)
            continue;
        char kind[96];
        condition_kind(kind, sizeof kind, cs_results_condition_name(r, ci));
        cs__rep_series *s = NULL;
        for (int i = 0; i < rep->n_series; ++i)
            if (rep->series[i].family == f && strcmp(rep->series[i].kind, kind) == 0)
                s = &rep->series[i];
        if (!s) {
            s = &rep->series[rep->n_series++];
            snprintf(s->kind, sizeof s->kind, "%s", kind);
            s->family = f;
            s->conds = malloc(sizeof *s->conds * (size_t)(rep->n_conds + 1));
            if (!s->conds)
                return cs__error_oom("series", sizeof *s->conds * (size_t)rep->n_conds);
            s->conds[s->n++] = 0;
        }
        /* Insert by level: noise ascending, fraction kept descending (the baseline stays first). */
        double lv = cs_results_condition_level(r, ci);
        int at = s->n;
        while (at > 1) {
            double prev = cs_results_condition_level(r, s->conds[at - 1]);
            if (f == CS_CONDITION_NOISE ? prev <= lv : prev >= lv)
                break;
            s->conds[at] = s->conds[at - 1];
            --at;
        }
        s->conds[at] = ci;
        s->n++;
    }
    return CS_OK;
}

void cs__report_outlier_rule(cs__buf *out, const cs__report *rep)
{
    cs__buf_printf(out, "a replicate is an outlier when its test accuracy is at most chance + %g points while "
                        "every other finished replicate of the same model and condition (at least one) reaches "
                        "chance + %g points; chance is the share of the test set's largest class (%.1f %%, what a "
                        "model that predicts one class for everything reaches). Outliers stay in every statistic",
                   100.0 * CS__REPORT_CHANCE_MARGIN, 100.0 * CS__REPORT_ABOVE_MARGIN, 100.0 * rep->chance);
}

/* The test set's largest class share, from any finished cell (all have the same rows). */
static double chance_level(const cs__report *rep)
{
    for (int mi = 0; mi < rep->n_models; ++mi)
        for (int ci = 0; ci < rep->n_conds; ++ci)
            for (int i = 0; i < rep->reps; ++i) {
                cs_cell_result c;
                c.struct_size = sizeof c;
                if (cs_results_cell(&c, rep->r, mi, ci, i) != CS_OK)
                    continue;
                double best = 0.0;
                for (int t = 0; t < rep->k; ++t) {
                    double row = 0.0;
                    for (int j = 0; j < rep->k; ++j)
                        row += cs_confusion_count(c.confusion, t, j);
                    best = row > best ? row : best;
                }
                return best / cs_confusion_total(c.confusion);
            }
    return NAN;
}

/* Replicates at chance level beside replicates well above it (the rule above). */
static int find_outliers(cs__report *rep)
{
    rep->chance = chance_level(rep);
    cs_error_clear();
    if (!(rep->chance >= 0.0))
        return CS_OK;
    double *acc = malloc(sizeof *acc * (size_t)rep->reps);
    if (!acc)
        return cs__error_oom("replicate accuracies", sizeof *acc * (size_t)rep->reps);
    int rc = CS_OK;
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int ci = 0; rc == CS_OK && ci < rep->n_conds; ++ci) {
            for (int i = 0; i < rep->reps; ++i) {
                cs_cell_result c;
                c.struct_size = sizeof c;
                acc[i] = cs_results_cell(&c, rep->r, mi, ci, i) == CS_OK ? c.test_accuracy : NAN;
            }
            for (int i = 0; rc == CS_OK && i < rep->reps; ++i) {
                if (!(acc[i] <= rep->chance + CS__REPORT_CHANCE_MARGIN))
                    continue;
                double others_min = INFINITY;
                int others = 0;
                for (int j = 0; j < rep->reps; ++j)
                    if (j != i && !isnan(acc[j])) {
                        others++;
                        others_min = acc[j] < others_min ? acc[j] : others_min;
                    }
                if (others == 0 || !(others_min >= rep->chance + CS__REPORT_ABOVE_MARGIN))
                    continue;
                cs__rep_outlier *grown = realloc(rep->outliers, sizeof *grown * (size_t)(rep->n_outliers + 1));
                if (!grown) {
                    rc = cs__error_oom("outliers", sizeof *grown * (size_t)(rep->n_outliers + 1));
                    break;
                }
                rep->outliers = grown;
                rep->outliers[rep->n_outliers++] = (cs__rep_outlier){ mi, ci, i, acc[i], others_min };
            }
        }
    cs_error_clear();
    free(acc);
    return rc;
}

void cs__report_curve_options(cs_learning_curve_options *o, const cs_report_options *opts)
{
    const cs_learning_curve_options d = CS_LEARNING_CURVE_OPTIONS_INIT;
    *o = d;
    o->confidence = opts->confidence;
}

static int save_error(char **dst)
{
    const char *msg = cs_last_error();
    size_t n = strlen(msg) + 1;
    *dst = malloc(n);
    if (!*dst)
        return cs__error_oom("report: learning-curve message", n);
    memcpy(*dst, msg, n);
    return CS_OK;
}

/* Every (model, class) learning curve. A study without the reductions a curve needs
 * (CS_ERR_NOT_FOUND) or a class that a level leaves without records (CS_ERR_STATE) is a note in
 * the report, not a failure; any other error is. */
static int prepare_curves(cs__report *rep)
{
    size_t n = (size_t)rep->n_models * (size_t)rep->k;
    if (n == 0)
        return CS_OK;
    rep->curves = calloc(n, sizeof *rep->curves);
    if (!rep->curves)
        return cs__error_oom("report: learning curves", n * sizeof *rep->curves);
    cs_learning_curve_options o;
    cs__report_curve_options(&o, &rep->opts);
    for (int mi = 0; mi < rep->n_models; ++mi)
        for (int t = 0; t < rep->k; ++t) {
            cs__rep_curve *cv = &rep->curves[(size_t)mi * (size_t)rep->k + (size_t)t];
            for (int q = 0; q < 2; ++q)
                cv->pred[q][0] = cv->pred[q][1] = cv->pred[q][2] = NAN;
            cv->needed[0] = cv->needed[1] = cv->needed[2] = NAN;
            cv->status = cs_results_learning_curve(&cv->lc, rep->r, mi, t, &o);
            if (cv->status == CS_ERR_NOT_FOUND || cv->status == CS_ERR_STATE) {
                int rc = save_error(&cv->why);
                if (rc != CS_OK)
                    return rc;
                continue;
            }
            if (cv->status != CS_OK)
                return cv->status;
            rep->n_curves_fitted++;
            int rc = cs_learning_curve_check(cv->lc);
            if (rc == CS_ERR_STATE) {
                rc = save_error(&cv->refused);
                if (rc != CS_OK)
                    return rc;
                cv->needed_status = CS_ERR_STATE;
                rc = save_error(&cv->needed_why);
                if (rc != CS_OK)
                    return rc;
                continue;
            }
            if (rc != CS_OK)
                return rc;
            double top = 0.0;
            rc = cs_learning_curve_level(&top, NULL, cv->lc, cs_learning_curve_levels(cv->lc) - 1);
            for (int q = 0; rc == CS_OK && q < 2; ++q)
                rc = cs_learning_curve_predict(&cv->pred[q][0], &cv->pred[q][1], &cv->pred[q][2], cv->lc,
                                               (q == 0 ? 2.0 : 10.0) * top);
            if (rc != CS_OK)
                return rc;
            cv->needed_status = cs_learning_curve_needed(&cv->needed[0], &cv->needed[1], &cv->needed[2],
                                                         &cv->unreachable, cv->lc, rep->opts.target);
            if (cv->needed_status == CS_ERR_OUT_OF_RANGE) {
                rc = save_error(&cv->needed_why);
                if (rc != CS_OK)
                    return rc;
            } else if (cv->needed_status != CS_OK) {
                return cv->needed_status;
            }
        }
    cs_error_clear();
    return CS_OK;
}

int cs__report_prepare(cs__report *rep, const cs_results *r, const cs_report_options *opts)
{
    memset(rep, 0, sizeof *rep);
    rep->r = r;
    rep->opts = *opts;
    rep->k = cs_results_num_classes(r);
    rep->n_models = cs_results_num_models(r);
    rep->n_conds = cs_results_num_conditions(r);
    rep->reps = cs_results_replicates(r);
    rep->strongest_noise = rep->strongest_reduction = -1;
    rep->class_names = malloc(sizeof *rep->class_names * (size_t)rep->k);
    rep->cells = calloc((size_t)rep->n_models * (size_t)rep->n_conds, sizeof *rep->cells);
    rep->agree = calloc((size_t)rep->n_conds, sizeof *rep->agree);
    if (!rep->class_names || !rep->cells || !rep->agree)
        return cs__error_oom("report", sizeof *rep->cells * (size_t)rep->n_models * (size_t)rep->n_conds);
    for (int t = 0; t < rep->k; ++t)
        rep->class_names[t] = cs_results_class_name(r, t);
    int rc = CS_OK;
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int ci = 0; rc == CS_OK && ci < rep->n_conds; ++ci)
            rc = prepare_cell(rep, mi, ci);
    for (int mi = 0; rc == CS_OK && mi < rep->n_models; ++mi)
        for (int ci = 1; rc == CS_OK && ci < rep->n_conds; ++ci)
            rc = prepare_relative(rep, mi, ci);
    for (int ci = 0; rc == CS_OK && ci < rep->n_conds; ++ci)
        rc = prepare_agreement(rep, ci);
    if (rc == CS_OK)
        rc = prepare_series(rep);
    if (rc == CS_OK)
        rc = find_outliers(rep);
    if (rc == CS_OK)
        rc = prepare_curves(rep);
    if (rc == CS_OK)
        rc = cs__report_prepare_grid(rep);
    if (rc == CS_OK)
        rc = cs__report_prepare_records(rep);
    for (int ci = 1; ci < rep->n_conds; ++ci) {
        double lv = cs_results_condition_level(r, ci);
        cs_condition_family f = CS_CONDITION_BASELINE;
        (void)cs_results_condition_family(&f, r, ci); /* ci is in range */
        if (f == CS_CONDITION_NOISE &&
            (rep->strongest_noise < 0 || lv > cs_results_condition_level(r, rep->strongest_noise)))
            rep->strongest_noise = ci;
        if (f == CS_CONDITION_REDUCTION &&
            (rep->strongest_reduction < 0 || lv < cs_results_condition_level(r, rep->strongest_reduction)))
            rep->strongest_reduction = ci;
    }
    return rc;
}

void cs__report_free(cs__report *rep)
{
    cs__report_free_grid(rep);
    cs__report_free_records(rep);
    if (rep->cells) {
        for (size_t i = 0; i < (size_t)rep->n_models * (size_t)rep->n_conds; ++i) {
            cs__rep_cell *c = &rep->cells[i];
            cs_confusion_stats_destroy(c->stats);
            free(c->class_acc);
            free(c->class_lo);
            free(c->class_hi);
            free(c->relative);
            free(c->rel_acc);
            free(c->by_accuracy);
            free(c->by_drop);
        }
    }
    if (rep->agree) {
        for (int i = 0; i < rep->n_conds; ++i) {
            free(rep->agree[i].models);
            free(rep->agree[i].spearman);
            free(rep->agree[i].kendall);
            free(rep->agree[i].jaccard);
        }
    }
    if (rep->series)
        for (int i = 0; i < rep->n_series; ++i)
            free(rep->series[i].conds);
    if (rep->curves)
        for (size_t i = 0; i < (size_t)rep->n_models * (size_t)rep->k; ++i) {
            cs_learning_curve_destroy(rep->curves[i].lc);
            free(rep->curves[i].why);
            free(rep->curves[i].refused);
            free(rep->curves[i].needed_why);
        }
    free(rep->curves);
    free(rep->series);
    free(rep->outliers);
    free(rep->agree);
    free(rep->cells);
    free(rep->class_names);
    memset(rep, 0, sizeof *rep);
}

void cs__report_agreement_sentence(cs__buf *out, double w, double p, int m, const char *what)
{
    const char *strength = w >= 0.7 ? "strongly" : w >= 0.5 ? "moderately" : w >= 0.3 ? "weakly" : "hardly";
    cs__buf_printf(out, "The %d models %s agree on %s (Kendall's W = %.2f, p = %.2g)", m, strength, what, w, p);
    if (p < 0.05 && w >= 0.7)
        cs__buf_puts(out, ": the same classes stand out whatever the model, so this is a property of the data.");
    else if (p < 0.05 && w >= 0.5)
        cs__buf_puts(out, ": largely the same classes stand out, with differences between models.");
    else if (p < 0.05)
        cs__buf_puts(out, ": there is a shared pattern, but the models also differ in which classes they find hard.");
    else
        cs__buf_puts(out, ": the agreement is not distinguishable from chance at the 5 % level, so the ranking "
                          "depends on the model (or there are too few replicates to tell).");
}

static int write_one(const char *dir, const char *name, const cs__buf *b)
{
    char *path = cs__path_join(dir, name);
    if (!path)
        return CS_ERR_OUT_OF_MEMORY;
    int rc = cs__buf_write_file(b, path);
    free(path);
    return rc;
}

int cs_report_options_init(cs_report_options *opts)
{
    if (!opts)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_options_init: opts is NULL");
    /* Static, so that its padding is zero too: memcmp with a zeroed macro copy is equal. */
    static const cs_report_options defaults = CS_REPORT_OPTIONS_INIT;
    memcpy(opts, &defaults, sizeof *opts);
    return CS_OK;
}

int cs_report_write(const cs_results *r, const char *out_dir, const cs_report_options *opts)
{
    if (!r || !out_dir || !*out_dir)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_write: %s", !r ? "results is NULL" :
                         !out_dir ? "out_dir is NULL" : "out_dir is empty");
    cs_report_options o = CS_REPORT_OPTIONS_INIT;
    if (opts) {
        int rc = cs__options_copy(&o, sizeof o, opts, sizeof(size_t) + sizeof(double), "cs_report_options");
        if (rc != CS_OK)
            return rc;
    }
    if (!(o.confidence > 0.0 && o.confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_write: confidence %g; expected a value in (0, 1)",
                         o.confidence);
    if (o.interval != CS_INTERVAL_T && o.interval != CS_INTERVAL_BOOTSTRAP && o.interval != CS_INTERVAL_WILSON)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_write: unknown interval kind %d", (int)o.interval);
    if (o.top_k < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_write: top_k %d; expected >= 1", o.top_k);
    if (!(o.merge_threshold >= 0.0 && o.merge_threshold <= 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_write: merge threshold %g; expected a value in [0, 1]",
                         o.merge_threshold);
    if (!(o.target > 0.0 && o.target < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_report_write: target accuracy %g; expected a value in (0, 1)",
                         o.target);
    int any_baseline = 0;
    for (int mi = 0; mi < cs_results_num_models(r); ++mi)
        for (int i = 0; i < cs_results_replicates(r); ++i) {
            cs_cell_result c;
            c.struct_size = sizeof c;
            any_baseline |= cs_results_cell(&c, r, mi, 0, i) == CS_OK;
        }
    cs_error_clear();
    if (!any_baseline)
        return cs__error(CS_ERR_STATE, "cs_report_write: the store has no finished baseline cell yet; run the study "
                         "(or let it run longer) first");

    /* Numbers are written in C notation whatever the host program's LC_NUMERIC (numfmt.h). */
    cs__report rep;
    cs__buf page = CS__BUF_INIT, csv = CS__BUF_INIT, curves = CS__BUF_INIT, json = CS__BUF_INIT;
    char *fig_dir = NULL;
    int rc = cs__report_prepare(&rep, r, &o);
    if (rc == CS_OK)
        rc = cs__make_dir(out_dir);
    /* What an interrupted report left: the temporary files of its own outputs. */
    static const char *const outputs[] = { "report.html", "results.csv", "learning_curves.csv", "summary.json",
                                           "records.csv.gz" };
    for (size_t i = 0; rc == CS_OK && i < sizeof outputs / sizeof outputs[0]; ++i)
        rc = cs__remove_stale_tmp(out_dir, outputs[i], NULL, 0.0);
    if (rc == CS_OK && o.figures) {
        size_t n = strlen(out_dir) + sizeof "/figures";
        fig_dir = malloc(n);
        if (!fig_dir)
            rc = cs__error_oom("path", n);
        else
            snprintf(fig_dir, n, "%s/figures", out_dir);
        if (rc == CS_OK)
            rc = cs__make_dir(fig_dir);
        if (rc == CS_OK)
            rc = cs__remove_stale_tmp(fig_dir, NULL, ".svg", 0.0);
    }
    if (rc == CS_OK)
        rc = cs__report_csv(&csv, &rep);
    if (rc == CS_OK)
        rc = write_one(out_dir, "results.csv", &csv);
    /* Record scores only when the store has them (an older store's report is unchanged). */
    int scored = 0;
    char *records = rc == CS_OK ? cs__path_join(out_dir, "records.csv.gz") : NULL;
    if (rc == CS_OK && !records)
        rc = CS_ERR_OUT_OF_MEMORY;
    if (rc == CS_OK)
        rc = cs__report_records_csv(records, &scored, &rep);
    free(records);
    if (rc == CS_OK)
        rc = cs__report_curves_csv(&curves, &rep);
    if (rc == CS_OK)
        rc = write_one(out_dir, "learning_curves.csv", &curves);
    if (rc == CS_OK)
        rc = cs__report_summary_json(&json, &rep);
    if (rc == CS_OK)
        rc = write_one(out_dir, "summary.json", &json);
    if (rc == CS_OK)
        rc = cs__report_html(&page, &rep, fig_dir);
    if (rc == CS_OK)
        rc = write_one(out_dir, "report.html", &page);
    free(fig_dir);
    cs__buf_free(&page);
    cs__buf_free(&csv);
    cs__buf_free(&curves);
    cs__buf_free(&json);
    cs__report_free(&rep);
    return rc;
}
