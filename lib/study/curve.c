/* A class's learning curve from a study's results: the baseline and the data reductions that
 * shrink the class give (training count, per-seed recall) levels for cs_learning_curve_fit().
 * Only the public reading API of the results is used, plus the spec's class list. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>
#include <classsens/study.h>

#include "core/error.h"
#include "perturb/perturb_internal.h"
#include "study/study_internal.h"

typedef cs__curve_point level;

/* Whether condition j is a level of class cls: the baseline, a uniform reduction, or a targeted
 * reduction whose classes include cls. *is_level set; an error only when the name of a
 * reduction does not parse (the store's configuration check makes that impossible). */
static int is_level(int *is_lvl, const cs_results *r, int j, int cls)
{
    cs_condition_family fam;
    *is_lvl = 0;
    int rc = cs_results_condition_family(&fam, r, j);
    if (rc != CS_OK || fam == CS_CONDITION_BASELINE) {
        *is_lvl = rc == CS_OK;
        return rc;
    }
    if (fam != CS_CONDITION_REDUCTION)
        return CS_OK;
    cs_perturb_spec *spec = NULL;
    rc = cs_perturb_spec_parse(&spec, cs_results_condition_name(r, j));
    if (rc != CS_OK)
        return cs__error(rc, "cs_results_learning_curve: condition %d (%s): %s", j, cs_results_condition_name(r, j),
                         cs_last_error());
    if (spec->kind == CS_REDUCE_UNIFORM)
        *is_lvl = 1;
    else if (spec->kind == CS_REDUCE_TARGETED)
        for (int i = 0; i < spec->num_classes; ++i)
            *is_lvl |= spec->classes[i] == cls;
    cs_perturb_spec_destroy(spec);
    return CS_OK;
}

static int by_count(const void *a, const void *b)
{
    const cs__curve_point *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? -1 : 1;
    return (x->cond > y->cond) - (x->cond < y->cond);
}

int cs__results_class_recall(double *out, double *rec, const cs_results *r, int model, int cond, int rep, int cls,
                             int k)
{
    cs_cell_result c;
    c.struct_size = sizeof c;
    int rc = cs_results_cell(&c, r, model, cond, rep);
    if (rc == CS_OK)
        rc = cs_confusion_class_metrics(rec, NULL, NULL, k, c.confusion);
    if (rc == CS_OK)
        *out = isnan(rec[cls]) ? 0.0 : rec[cls];
    return rc;
}

int cs__curve_rows(double *x, double *acc, int *n_x, cs__curve_point *pt, int n, const cs_results *r, int model,
                   const int *reps, int n_used, int cls, int k, double *rec)
{
    qsort(pt, (size_t)n, sizeof *pt, by_count);
    int rc = CS_OK, rows = 0;
    for (int p = 0; rc == CS_OK && p < n;) {
        int end = p;
        while (end < n && pt[end].count == pt[p].count)
            ++end;
        double *row = acc + (size_t)rows * (size_t)n_used;
        for (int i = 0; rc == CS_OK && i < n_used; ++i) {
            double sum = 0.0;
            for (int q = p; rc == CS_OK && q < end; ++q) {
                double a = 0.0;
                rc = cs__results_class_recall(&a, rec, r, model, pt[q].cond, reps[i], cls, k);
                sum += a;
            }
            row[i] = sum / (end - p);
        }
        x[rows++] = pt[p].count;
        p = end;
    }
    *n_x = rows;
    return rc;
}

int cs_results_learning_curve(cs_learning_curve **out, const cs_results *r, int model, int cls,
                              const cs_learning_curve_options *opts)
{
    static const char fn[] = "cs_results_learning_curve";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: results is NULL", fn);
    const int n_models = cs_results_num_models(r), k = cs_results_num_classes(r);
    const int n_conds = cs_results_num_conditions(r), n_reps = cs_results_replicates(r);
    if (model < 0 || model >= n_models)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: model %d; the store has %d", fn, model, n_models);
    if (cls < 0 || cls >= k)
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: class %d; the store has %d classes", fn, cls, k);

    level *lv = malloc(sizeof *lv * (size_t)n_conds);
    int *reps = malloc(sizeof *reps * (size_t)n_reps);
    size_t *counts = malloc(sizeof *counts * (size_t)k);
    double *rec = malloc(sizeof *rec * (size_t)k);
    double *x = NULL, *acc = NULL;
    int rc = lv && reps && counts && rec
                 ? CS_OK
                 : cs__error_oom("learning curve levels", sizeof *lv * (size_t)n_conds + sizeof *reps * (size_t)n_reps +
                                 (sizeof *counts + sizeof *rec) * (size_t)k);
    int n_lv = 0, n_red = 0;
    for (int j = 0; rc == CS_OK && j < n_conds; ++j) {
        int yes = 0;
        rc = is_level(&yes, r, j, cls);
        if (rc == CS_OK && yes) {
            lv[n_lv].cond = j;
            lv[n_lv++].count = 0.0;
            n_red += j != 0;
        }
    }
    if (rc == CS_OK && n_red == 0)
        rc = cs__error(CS_ERR_NOT_FOUND, "%s: the study has no uniform reduction and no targeted reduction of class "
                       "%d (%s): a learning curve needs levels of its training count besides the baseline", fn, cls,
                       cs_results_class_name(r, cls));
    /* The replicates finished at every level, so that each seed is paired across levels. */
    int n_used = 0, first_missing_cond = -1, first_missing_rep = -1;
    for (int s = 0; rc == CS_OK && s < n_reps; ++s) {
        int all = 1;
        cs_cell_result c;
        c.struct_size = sizeof c;
        for (int l = 0; all && l < n_lv; ++l)
            if (cs_results_cell(&c, r, model, lv[l].cond, s) != CS_OK) {
                all = 0;
                if (first_missing_cond < 0) {
                    first_missing_cond = lv[l].cond;
                    first_missing_rep = s;
                }
            }
        if (all)
            reps[n_used++] = s;
    }
    if (rc == CS_OK && n_used == 0)
        rc = cs__error(CS_ERR_NOT_FOUND, "%s: no replicate of model %s is finished at every level (%d levels); "
                       "the first missing cell is (%s, %s, replicate %d)", fn, cs_results_model_name(r, model), n_lv,
                       cs_results_model_name(r, model), cs_results_condition_name(r, first_missing_cond),
                       first_missing_rep);
    for (int l = 0; rc == CS_OK && l < n_lv; ++l) {
        double sum = 0.0;
        for (int i = 0; rc == CS_OK && i < n_used; ++i) {
            rc = cs_results_cell_class_counts(counts, k, r, model, lv[l].cond, reps[i]);
            sum += (double)counts[cls];
        }
        lv[l].count = sum / n_used;
        if (rc == CS_OK && !(lv[l].count > 0.0))
            rc = cs__error(CS_ERR_STATE, "%s: condition %s leaves no training record of class %d (%s): the power "
                           "law has no value at a count of 0", fn, cs_results_condition_name(r, lv[l].cond), cls,
                           cs_results_class_name(r, cls));
    }
    if (rc == CS_OK) {
        x = malloc(sizeof *x * (size_t)n_lv);
        acc = calloc((size_t)n_lv * (size_t)n_used, sizeof *acc);
        if (!x || !acc)
            rc = cs__error_oom("learning curve data", sizeof *acc * (size_t)n_lv * ((size_t)n_used + 1));
    }
    /* Levels of equal count merge: the mean, per replicate, of their accuracies. */
    int n_x = 0;
    if (rc == CS_OK)
        rc = cs__curve_rows(x, acc, &n_x, lv, n_lv, r, model, reps, n_used, cls, k, rec);
    if (rc == CS_OK)
        rc = cs_learning_curve_fit(out, x, n_x, acc, n_used, opts);
    free(lv);
    free(reps);
    free(counts);
    free(rec);
    free(x);
    free(acc);
    return rc;
}
