/* The noise x volume grid read from a study's results: the accuracy surface at a point of the
 * grid, the data multiplier of a noisy row (cs_noise_multiplier on the row's points) and the
 * share of a noise's damage that its matched control explains (cs_volume_share). Only the public
 * reading API of the results is used. docs/analysis.md, "Noise x volume", has the formulas. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>
#include <classsens/study.h>

#include "core/error.h"
#include "study/study_internal.h"

/* The class's recall in a finished cell (0 for a class without test records, as the learning
 * curves count it); rec is k doubles of scratch. */
static int is_family(const cs_results *r, int j, cs_condition_family want)
{
    cs_condition_family f;
    return cs_results_condition_family(&f, r, j) == CS_OK && f == want;
}

int cs_results_grid_surface(double *mean, double *lo, double *hi, double *volume, int *used, int k,
                            const cs_results *r, int model, int noise, int reduce, const cs_average_options *opts)
{
    static const char fn[] = "cs_results_grid_surface";
    int cond = 0;
    int rc = cs_results_grid_cell(&cond, r, noise, reduce);
    if (rc != CS_OK)
        return cs__error(rc, "%s: %s", fn, cs_last_error());
    if (k != cs_results_num_classes(r))
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d; the store has %d classes", fn, k,
                         cs_results_num_classes(r));
    if (model < 0 || model >= cs_results_num_models(r))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: model %d; the store has %d", fn, model, cs_results_num_models(r));
    const int n_reps = cs_results_replicates(r);
    const cs_confusion **cms = malloc(sizeof *cms * (size_t)n_reps);
    double *vol = calloc((size_t)k, sizeof *vol);
    size_t *counts = malloc(sizeof *counts * (size_t)k);
    cs_confusion_stats *stats = NULL;
    rc = cms && vol && counts ? CS_OK : cs__error_oom("grid surface", sizeof *cms * (size_t)n_reps);
    int n = 0;
    for (int rep = 0; rc == CS_OK && rep < n_reps; ++rep) {
        cs_cell_result c;
        c.struct_size = sizeof c;
        if (cs_results_cell(&c, r, model, cond, rep) != CS_OK)
            continue;
        rc = cs_results_cell_volume_counts(counts, k, r, model, cond, rep);
        for (int i = 0; rc == CS_OK && i < k; ++i)
            vol[i] += (double)counts[i];
        cms[n++] = c.confusion;
    }
    if (rc == CS_OK && n == 0)
        rc = cs__error(CS_ERR_NOT_FOUND, "%s: no replicate of (%s, %s) is finished", fn, cs_results_model_name(r, model),
                       cs_results_condition_name(r, cond));
    if (rc == CS_OK)
        rc = cs_confusion_average(&stats, (const cs_confusion *const *)cms, (size_t)n, opts);
    double *m = NULL, *l = NULL, *h = NULL;
    if (rc == CS_OK && !(m = malloc(sizeof *m * 3 * (size_t)k)))
        rc = cs__error_oom("grid surface", sizeof *m * 3 * (size_t)k);
    if (rc == CS_OK) {
        l = m + k;
        h = m + 2 * k;
        rc = cs_confusion_stats_class_accuracy(m, l, h, k, stats);
    }
    if (rc == CS_OK) {
        for (int i = 0; i < k; ++i) {
            if (mean)
                mean[i] = m[i];
            if (lo)
                lo[i] = l[i];
            if (hi)
                hi[i] = h[i];
            if (volume)
                volume[i] = vol[i] / n;
        }
        if (used)
            *used = n;
    }
    free(m);
    cs_confusion_stats_destroy(stats);
    free(cms);
    free(vol);
    free(counts);
    return rc;
}

/* One point of a noisy row: its condition and the class's mean volume over the replicates. */
typedef cs__curve_point point;

/* The replicates finished at every condition of conds[0..n); *first_* the first missing cell. */
static int paired_replicates(int *reps, const cs_results *r, int model, const int *conds, int n, int *missing_cond,
                             int *missing_rep)
{
    int used = 0;
    *missing_cond = *missing_rep = -1;
    for (int s = 0; s < cs_results_replicates(r); ++s) {
        int all = 1;
        cs_cell_result c;
        c.struct_size = sizeof c;
        for (int i = 0; all && i < n; ++i)
            if (cs_results_cell(&c, r, model, conds[i], s) != CS_OK) {
                all = 0;
                if (*missing_cond < 0) {
                    *missing_cond = conds[i];
                    *missing_rep = s;
                }
            }
        if (all)
            reps[used++] = s;
    }
    return used;
}

/* The shared argument checks: the model, the class and a noise condition. */
static int check_args(const cs_results *r, int model, int cls, int noise, const char *fn)
{
    if (!r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: results is NULL", fn);
    if (model < 0 || model >= cs_results_num_models(r))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: model %d; the store has %d", fn, model, cs_results_num_models(r));
    if (cls < 0 || cls >= cs_results_num_classes(r))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: class %d; the store has %d classes", fn, cls,
                         cs_results_num_classes(r));
    if (noise < 0 || noise >= cs_results_num_conditions(r))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: condition %d; the store has %d", fn, noise,
                         cs_results_num_conditions(r));
    if (!is_family(r, noise, CS_CONDITION_NOISE))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: condition %d (%s) is not a noise condition", fn, noise,
                         cs_results_condition_name(r, noise));
    return CS_OK;
}

int cs_results_noise_multiplier(double *multiplier, double *lo, double *hi, const cs_results *r, int model, int cls,
                                int noise, const cs_learning_curve_options *opts)
{
    static const char fn[] = "cs_results_noise_multiplier";
    int rc = check_args(r, model, cls, noise, fn);
    if (rc != CS_OK)
        return rc;
    const int n_conds = cs_results_num_conditions(r), n_reps = cs_results_replicates(r);
    const int k = cs_results_num_classes(r);
    /* conds[0] is the baseline (the target), the rest the row: the noise, then its grid points. */
    int *conds = malloc(sizeof *conds * (size_t)(n_conds + 1));
    int *reps = malloc(sizeof *reps * (size_t)n_reps);
    point *pt = malloc(sizeof *pt * (size_t)n_conds);
    size_t *counts = malloc(sizeof *counts * (size_t)k);
    double *rec = malloc(sizeof *rec * (size_t)k);
    double *x = NULL, *acc = NULL, *target = NULL;
    rc = conds && reps && pt && counts && rec ? CS_OK : cs__error_oom("noise multiplier", sizeof *pt * (size_t)n_conds);
    int n = 0;
    if (rc == CS_OK) {
        conds[n++] = 0;
        conds[n++] = noise;
        for (int j = 0; j < n_conds; ++j) {
            int nj = -1;
            if (is_family(r, j, CS_CONDITION_GRID) && cs_results_condition_grid(&nj, NULL, r, j) == CS_OK &&
                nj == noise)
                conds[n++] = j;
        }
    }
    const int n_pt = n - 1;
    int missing_cond = -1, missing_rep = -1, n_used = 0;
    if (rc == CS_OK)
        n_used = paired_replicates(reps, r, model, conds, n, &missing_cond, &missing_rep);
    if (rc == CS_OK && n_used == 0)
        rc = cs__error(CS_ERR_NOT_FOUND, "%s: no replicate of model %s is finished at the baseline and every point "
                       "of the row of %s; the first missing cell is (%s, %s, replicate %d)", fn,
                       cs_results_model_name(r, model), cs_results_condition_name(r, noise),
                       cs_results_model_name(r, model), cs_results_condition_name(r, missing_cond), missing_rep);
    double full = 0.0;
    for (int p = 0; rc == CS_OK && p < n; ++p) {
        double sum = 0.0;
        for (int i = 0; rc == CS_OK && i < n_used; ++i) {
            rc = cs_results_cell_volume_counts(counts, k, r, model, conds[p], reps[i]);
            sum += (double)counts[cls];
        }
        if (p == 0) {
            full = sum / n_used;
            continue;
        }
        pt[p - 1].cond = conds[p];
        pt[p - 1].count = sum / n_used;
        if (rc == CS_OK && !(pt[p - 1].count > 0.0))
            rc = cs__error(CS_ERR_STATE, "%s: condition %s leaves no training record of class %d (%s): the power "
                           "law has no value at a count of 0", fn, cs_results_condition_name(r, conds[p]), cls,
                           cs_results_class_name(r, cls));
    }
    if (rc == CS_OK) {
        x = malloc(sizeof *x * (size_t)n_pt);
        acc = malloc(sizeof *acc * (size_t)n_pt * (size_t)n_used);
        target = malloc(sizeof *target * (size_t)n_used);
        if (!x || !acc || !target)
            rc = cs__error_oom("noise multiplier data", sizeof *acc * (size_t)(n_pt + 2) * (size_t)n_used);
    }
    for (int i = 0; rc == CS_OK && i < n_used; ++i)
        rc = cs__results_class_recall(&target[i], rec, r, model, 0, reps[i], cls, k);
    /* Points of equal volume merge: the mean, per replicate, of their accuracies. */
    int n_x = 0;
    if (rc == CS_OK)
        rc = cs__curve_rows(x, acc, &n_x, pt, n_pt, r, model, reps, n_used, cls, k, rec);
    if (rc == CS_OK && n_x < 3)
        rc = cs__error(CS_ERR_STATE, "%s: the row of %s has %d kept level%s (the noise itself included); at least 3 "
                       "are needed to fit its learning curve", fn, cs_results_condition_name(r, noise), n_x,
                       n_x == 1 ? "" : "s");
    if (rc == CS_OK) {
        rc = cs_noise_multiplier(multiplier, lo, hi, NULL, x, n_x, acc, n_used, target, full, opts);
        if (rc != CS_OK)
            rc = cs__error(rc, "%s: model %s, class %d (%s), %s: %s", fn, cs_results_model_name(r, model), cls,
                           cs_results_class_name(r, cls), cs_results_condition_name(r, noise), cs_last_error());
    }
    free(conds);
    free(reps);
    free(pt);
    free(counts);
    free(rec);
    free(x);
    free(acc);
    free(target);
    return rc;
}

int cs_results_volume_share(double *share, double *lo, double *hi, const cs_results *r, int model, int cls, int noise,
                            const cs_volume_share_options *opts)
{
    static const char fn[] = "cs_results_volume_share";
    int rc = check_args(r, model, cls, noise, fn);
    if (rc != CS_OK)
        return rc;
    const int n_conds = cs_results_num_conditions(r), n_reps = cs_results_replicates(r);
    const int k = cs_results_num_classes(r);
    const char *noise_name = cs_results_condition_name(r, noise);
    int control = -1;
    for (int j = 0; j < n_conds && control < 0; ++j) {
        const char *name = cs_results_condition_name(r, j);
        if (is_family(r, j, CS_CONDITION_CONTROL) && strncmp(name, "matched:", 8) == 0 &&
            strcmp(name + 8, noise_name) == 0)
            control = j;
    }
    if (control < 0)
        return cs__error(CS_ERR_NOT_FOUND, "%s: %s has no matched control in the study (run it with matched "
                         "controls)", fn, noise_name);
    int *reps = malloc(sizeof *reps * (size_t)n_reps);
    double *v = malloc(sizeof *v * (3 * (size_t)n_reps + (size_t)k));
    rc = reps && v ? CS_OK : cs__error_oom("volume share", sizeof *v * (3 * (size_t)n_reps + (size_t)k));
    const int conds[3] = { 0, control, noise };
    int missing_cond = -1, missing_rep = -1, n_used = 0;
    if (rc == CS_OK)
        n_used = paired_replicates(reps, r, model, conds, 3, &missing_cond, &missing_rep);
    if (rc == CS_OK && n_used == 0)
        rc = cs__error(CS_ERR_NOT_FOUND, "%s: no replicate of model %s is finished at the baseline, %s and its "
                       "matched control; the first missing cell is (%s, %s, replicate %d)", fn,
                       cs_results_model_name(r, model), noise_name, cs_results_model_name(r, model),
                       cs_results_condition_name(r, missing_cond), missing_rep);
    double *rec = v + 3 * (size_t)n_reps;
    for (int c = 0; rc == CS_OK && c < 3; ++c)
        for (int i = 0; rc == CS_OK && i < n_used; ++i)
            rc = cs__results_class_recall(&v[(size_t)c * (size_t)n_reps + (size_t)i], rec, r, model, conds[c], reps[i], cls, k);
    if (rc == CS_OK) {
        rc = cs_volume_share(share, lo, hi, v, v + n_reps, v + 2 * (size_t)n_reps, n_used, opts);
        if (rc != CS_OK)
            rc = cs__error(rc, "%s: model %s, class %d (%s), %s: %s", fn, cs_results_model_name(r, model), cls,
                           cs_results_class_name(r, cls), noise_name, cs_last_error());
    }
    free(reps);
    free(v);
    return rc;
}
