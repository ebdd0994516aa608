/* Record-level sensitivity read from a study's results: flip detection over the replicates of a
 * noisy condition, data-map shares and their shift from the baseline, and the review-first
 * ranking over every baseline cell. Each gathers the cells' record scores through
 * cs_results_cell_records() and hands them to the array-level analyses of analysis.h; only the
 * public reading API of the results is used. docs/analysis.md, "Record-level sensitivity from a
 * store", says how. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/analysis.h>
#include <classsens/records.h>
#include <classsens/study.h>

#include "core/error.h"

#define KINDS 3

struct cs_flip_replicates {
    int k;
    size_t n;                                  /* replicates with scores */
    cs_flip_detection **det;                   /* n x KINDS, [rep * KINDS + kind] */
};

static int check_cell_args(const cs_results *r, int model, int condition, const char *fn)
{
    if (!r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: results is NULL", fn);
    if (model < 0 || model >= cs_results_num_models(r))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: model %d; the store has %d", fn, model, cs_results_num_models(r));
    if (condition < 0 || condition >= cs_results_num_conditions(r))
        return cs__error(CS_ERR_OUT_OF_RANGE, "%s: condition %d; the store has %d", fn, condition,
                         cs_results_num_conditions(r));
    return CS_OK;
}

/* A replicate's scores: CS_OK and *out; CS_OK and *out NULL when the cell is not finished or was
 * stored without scores (left out); any other failure of cs_results_cell_records(). */
static int replicate_records(cs_cell_records **out, const cs_results *r, int model, int condition, int rep)
{
    *out = NULL;
    cs_cell_result c;
    c.struct_size = sizeof c;
    if (cs_results_cell(&c, r, model, condition, rep) != CS_OK)
        return CS_OK;
    int rc = cs_results_cell_records(out, r, model, condition, rep);
    return rc == CS_ERR_NOT_FOUND ? CS_OK : rc;
}

static int none_found(const cs_results *r, int model, int condition, const char *fn)
{
    return cs__error(CS_ERR_NOT_FOUND,
                     "%s: no finished replicate of (%s, %s) has record scores (a store written without them, "
                     "or its cells are not finished)",
                     fn, cs_results_model_name(r, model), cs_results_condition_name(r, condition));
}

/* ---- flip detection --------------------------------------------------------------------------- */

void cs_flip_replicates_destroy(cs_flip_replicates *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n * KINDS; ++i)
        cs_flip_detection_destroy(f->det[i]);
    free(f->det);
    free(f);
}

/* The flip detection of one cell's records by each score kind (the true class is the class). */
static int cell_detection(cs_flip_detection **det, const cs_cell_records *c, int k)
{
    const size_t n = cs_cell_records_count(c);
    double *score = malloc(sizeof *score * n);
    uint8_t *flipped = malloc(n);
    int rc = score && flipped ? CS_OK : cs__error_oom("flip detection", (sizeof *score + 1) * n);
    const int32_t *given = cs_cell_records_given(c), *truth = cs_cell_records_truth(c);
    for (size_t i = 0; rc == CS_OK && i < n; ++i)
        flipped[i] = given[i] != truth[i];
    const float *src[KINDS] = { cs_cell_records_confidence(c), cs_cell_records_variability(c),
                                cs_cell_records_aum(c) };
    for (int kind = 0; rc == CS_OK && kind < KINDS; ++kind) {
        for (size_t i = 0; i < n; ++i)
            score[i] = src[kind][i];
        rc = cs_flip_detection_compute(&det[kind], score, flipped, truth, n, k, (cs_record_score)kind);
    }
    free(score);
    free(flipped);
    return rc;
}

int cs_results_flip_detection(cs_flip_replicates **out, const cs_results *r, int model, int condition)
{
    static const char fn[] = "cs_results_flip_detection";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    int rc = check_cell_args(r, model, condition, fn);
    if (rc != CS_OK)
        return rc;
    cs_condition_family fam = CS_CONDITION_BASELINE;
    cs_results_condition_family(&fam, r, condition);
    if (fam != CS_CONDITION_NOISE && fam != CS_CONDITION_GRID)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: condition %d (%s) flips no labels; expected a noise or grid condition", fn, condition,
                         cs_results_condition_name(r, condition));
    const int reps = cs_results_replicates(r), k = cs_results_num_classes(r);
    cs_flip_replicates *f = calloc(1, sizeof *f);
    if (!f || !(f->det = calloc((size_t)reps * KINDS, sizeof *f->det))) {
        free(f);
        return cs__error_oom("flip detection", sizeof *f->det * (size_t)reps * KINDS);
    }
    f->k = k;
    for (int rep = 0; rc == CS_OK && rep < reps; ++rep) {
        cs_cell_records *c = NULL;
        rc = replicate_records(&c, r, model, condition, rep);
        if (rc == CS_OK && c) {
            rc = cell_detection(f->det + f->n * KINDS, c, k);
            f->n++; /* a partial row is freed with the rest (its NULL entries are accepted) */
        }
        cs_cell_records_destroy(c);
    }
    if (rc == CS_OK && f->n == 0)
        rc = none_found(r, model, condition, fn);
    if (rc != CS_OK) {
        cs_flip_replicates_destroy(f);
        return rc;
    }
    *out = f;
    return CS_OK;
}

size_t cs_flip_replicates_count(const cs_flip_replicates *f)
{
    return f ? f->n : 0;
}

int cs_flip_replicates_summary(double *mean, double *lo, double *hi, size_t *used, const cs_flip_replicates *f,
                               int cls, cs_record_score kind, cs_flip_metric metric, double confidence)
{
    static const char fn[] = "cs_flip_replicates_summary";
    if (!f)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: replicates is NULL", fn);
    if ((int)kind < 0 || (int)kind >= KINDS)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: score kind %d; expected 0..%d", fn, (int)kind, KINDS - 1);
    const cs_flip_detection **reps = malloc(sizeof *reps * f->n);
    if (!reps)
        return cs__error_oom("flip detection", sizeof *reps * f->n);
    for (size_t i = 0; i < f->n; ++i)
        reps[i] = f->det[i * KINDS + (size_t)kind];
    int rc = cs_flip_detection_summarize(mean, lo, hi, used, (const cs_flip_detection *const *)reps, f->n, cls,
                                         metric, confidence);
    free(reps);
    if (rc != CS_OK)
        return cs__error(rc, "%s: %s", fn, cs_last_error());
    return CS_OK;
}

/* ---- data maps ------------------------------------------------------------------------------- */

/* The shares (k x 3 per replicate, NaN for a class without records) of every replicate of
 * (model, condition) that has scores: *shares owned, *n of them. */
static int condition_shares(double **shares, size_t *n, const cs_results *r, int model, int condition, int k,
                            const char *fn)
{
    const int reps = cs_results_replicates(r);
    const size_t row = (size_t)k * 3;
    *n = 0;
    *shares = malloc(sizeof **shares * row * (size_t)reps);
    int rc = *shares ? CS_OK : cs__error_oom("data-map shares", sizeof **shares * row * (size_t)reps);
    for (int rep = 0; rc == CS_OK && rep < reps; ++rep) {
        cs_cell_records *c = NULL;
        rc = replicate_records(&c, r, model, condition, rep);
        if (rc == CS_OK && c) {
            const size_t m = cs_cell_records_count(c);
            double *conf = malloc(sizeof *conf * 2 * m);
            rc = conf ? CS_OK : cs__error_oom("data-map scores", sizeof *conf * 2 * m);
            for (size_t i = 0; rc == CS_OK && i < m; ++i) {
                conf[i] = cs_cell_records_confidence(c)[i];
                conf[m + i] = cs_cell_records_variability(c)[i];
            }
            if (rc == CS_OK)
                rc = cs_data_map_regions(NULL, *shares + *n * row, conf, conf + m, cs_cell_records_truth(c), m, k);
            if (rc == CS_OK)
                ++*n;
            free(conf);
        }
        cs_cell_records_destroy(c);
    }
    if (rc == CS_OK && *n == 0)
        rc = none_found(r, model, condition, fn);
    if (rc != CS_OK) {
        free(*shares);
        *shares = NULL;
    }
    return rc;
}

int cs_results_data_map(double *share, double *shift, double *lo, double *hi, size_t *used, int k,
                        const cs_results *r, int model, int condition, double confidence)
{
    static const char fn[] = "cs_results_data_map";
    int rc = check_cell_args(r, model, condition, fn);
    if (rc != CS_OK)
        return rc;
    if (k != cs_results_num_classes(r))
        return cs__error(CS_ERR_SIZE_MISMATCH, "%s: k is %d; the store has %d classes", fn, k,
                         cs_results_num_classes(r));
    if (!(confidence > 0.0 && confidence < 1.0))
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: confidence %g; expected a value in (0, 1)", fn, confidence);
    int base = -1;
    for (int j = 0; j < cs_results_num_conditions(r) && base < 0; ++j) {
        cs_condition_family fam;
        if (cs_results_condition_family(&fam, r, j) == CS_OK && fam == CS_CONDITION_BASELINE)
            base = j;
    }
    if (base < 0 && (shift || lo || hi))
        return cs__error(CS_ERR_NOT_FOUND, "%s: the store has no baseline condition to shift from", fn);
    const size_t row = (size_t)k * 3;
    double *cs = NULL, *bs = NULL, *tmp = NULL;
    size_t nc = 0, nb = 0;
    rc = condition_shares(&cs, &nc, r, model, condition, k, fn);
    if (rc == CS_OK && (shift || lo || hi) && condition != base)
        rc = condition_shares(&bs, &nb, r, model, base, k, fn);
    if (rc == CS_OK && !(tmp = malloc(sizeof *tmp * 4 * row)))
        rc = cs__error_oom("data-map shift", sizeof *tmp * 4 * row);
    if (rc == CS_OK && bs)
        rc = cs_data_map_shift(tmp + row, tmp + 2 * row, tmp + 3 * row, cs, nc, bs, nb, k, confidence);
    if (rc == CS_OK) {
        for (size_t g = 0; g < row; ++g) {
            double s = 0.0;
            size_t m = 0;
            for (size_t i = 0; i < nc; ++i)
                if (!isnan(cs[i * row + g])) {
                    s += cs[i * row + g];
                    ++m;
                }
            tmp[g] = m ? s / (double)m : NAN;
            if (!bs) /* the baseline against itself: no shift, exactly */
                tmp[row + g] = tmp[2 * row + g] = tmp[3 * row + g] = isnan(tmp[g]) ? NAN : 0.0;
        }
        double *dst[4] = { share, shift, lo, hi };
        for (int a = 0; a < 4; ++a)
            if (dst[a])
                memcpy(dst[a], tmp + (size_t)a * row, sizeof *tmp * row);
        if (used)
            *used = nc;
    }
    free(cs);
    free(bs);
    free(tmp);
    return rc;
}

/* ---- review first ------------------------------------------------------------------------------ */

int cs_results_review(cs_review **out, size_t *cells, const cs_results *r)
{
    static const char fn[] = "cs_results_review";
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: out is NULL", fn);
    *out = NULL;
    if (!r)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: results is NULL", fn);
    int base = -1;
    for (int j = 0; j < cs_results_num_conditions(r) && base < 0; ++j) {
        cs_condition_family fam;
        if (cs_results_condition_family(&fam, r, j) == CS_OK && fam == CS_CONDITION_BASELINE)
            base = j;
    }
    if (base < 0)
        return cs__error(CS_ERR_NOT_FOUND, "%s: the store has no baseline condition", fn);
    const size_t n = cs_results_train_size(r);
    const int k = cs_results_num_classes(r), models = cs_results_num_models(r), reps = cs_results_replicates(r);
    const size_t max = (size_t)models * (size_t)reps;
    if (n == 0 || max == 0 || n > SIZE_MAX / max / (sizeof(double) + sizeof(int32_t) + 1))
        return cs__error(CS_ERR_OVERFLOW, "%s: %zu cells of %zu records", fn, max, n);
    double *aum = malloc(sizeof *aum * n * max);
    int32_t *other = malloc(sizeof *other * n * max), *label = malloc(sizeof *label * n);
    uint8_t *present = calloc(n * max, 1);
    int rc = aum && other && label && present ? CS_OK : cs__error_oom("review ranking", (sizeof *aum + 5) * n * max);
    size_t used = 0;
    for (int m = 0; rc == CS_OK && m < models; ++m)
        for (int rep = 0; rc == CS_OK && rep < reps; ++rep) {
            cs_cell_records *c = NULL;
            rc = replicate_records(&c, r, m, base, rep);
            if (rc != CS_OK || !c)
                continue;
            const size_t cn = cs_cell_records_count(c);
            const uint32_t *src = cs_cell_records_source(c);
            for (size_t i = 0; i < cn; ++i) {
                /* The sidecar's checks keep every source below the training size, none twice. */
                const size_t at = used * n + src[i];
                aum[at] = cs_cell_records_aum(c)[i];
                other[at] = cs_cell_records_other(c)[i];
                present[at] = 1;
                label[src[i]] = cs_cell_records_given(c)[i];
            }
            ++used;
            cs_cell_records_destroy(c);
        }
    if (rc == CS_OK && used == 0)
        rc = cs__error(CS_ERR_NOT_FOUND,
                       "%s: no finished baseline cell has record scores (a store written without them, or its "
                       "baseline cells are not finished)", fn);
    /* A record no cell holds (none here: every baseline cell trains on the whole set) would carry
     * an unset label; give it a valid one, the ranking leaves it out. */
    for (size_t i = 0; rc == CS_OK && i < n; ++i) {
        int held = 0;
        for (size_t c = 0; c < used && !held; ++c)
            held = present[c * n + i];
        if (!held)
            label[i] = 0;
    }
    for (size_t i = 0; rc == CS_OK && i < n * used; ++i)
        if (!present[i]) {
            aum[i] = 0.0;
            other[i] = 0;
        }
    if (rc == CS_OK)
        rc = cs_review_rank(out, aum, other, present, label, used, n, k);
    if (rc == CS_OK && cells)
        *cells = used;
    free(aum);
    free(other);
    free(label);
    free(present);
    return rc;
}
