/* Per-record training scores (classsens/records.h): the running sums of p(label) and of the
 * margin of every record over the epochs of a training run.
 *
 * The mean and the spread of p are kept with Welford's update (a running mean and sum of
 * squared deviations, in double) rather than as sums of p and p²: the same memory and work,
 * without the cancellation of E[p²] − E[p]² for a record whose p barely moves. Each record's
 * "other" class is counted exactly: K counters per record. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <classsens/records.h>

#include "core/error.h"
#include "core/memory.h"
#include "models/model_internal.h"

struct cs_record_scores {
    size_t n;
    int k;
    double *mean_p;       /* (N) running mean of p */
    double *m2_p;         /* (N) running sum of squared deviations of p */
    double *sum_margin;   /* (N) */
    int32_t *seen;        /* (N) observations */
    uint32_t *other;      /* (N, K) times each class was the largest other logit */
    cs_record_scores_pass pass;
};

int cs_record_scores_create(cs_record_scores **out, size_t n, int k)
{
    if (!out)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_create: out is NULL");
    *out = NULL;
    if (n == 0)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_create: n is 0; expected >= 1 record");
    if (k < 2 || k > 65535)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_create: k is %d; expected 2..65535", k);
    size_t cells;
    if (!cs__mul_size(&cells, n, (size_t)k) || cells > SIZE_MAX / sizeof(uint32_t) ||
        n > SIZE_MAX / (3 * sizeof(double) + sizeof(int32_t)))
        return cs__error(CS_ERR_OVERFLOW, "cs_record_scores_create: %zu records of %d classes overflow", n, k);
    cs_record_scores *s = calloc(1, sizeof *s);
    if (!s)
        return cs__error_oom("record scores", sizeof *s);
    s->n = n;
    s->k = k;
    s->mean_p = calloc(n, sizeof *s->mean_p);
    s->m2_p = calloc(n, sizeof *s->m2_p);
    s->sum_margin = calloc(n, sizeof *s->sum_margin);
    s->seen = calloc(n, sizeof *s->seen);
    s->other = calloc(cells, sizeof *s->other);
    if (!s->mean_p || !s->m2_p || !s->sum_margin || !s->seen || !s->other) {
        cs_record_scores_destroy(s);
        return cs__error_oom("record scores", n * (3 * sizeof(double) + sizeof(int32_t)) + cells * sizeof(uint32_t));
    }
    *out = s;
    return CS_OK;
}

void cs_record_scores_destroy(cs_record_scores *s)
{
    if (!s)
        return;
    free(s->mean_p);
    free(s->m2_p);
    free(s->sum_margin);
    free(s->seen);
    free(s->other);
    free(s);
}

/* One observation of one record from its K finite logits. */
static void observe(cs_record_scores *s, size_t i, const float *logits /* (K) */, int32_t label)
{
    const int k = s->k;
    double top = logits[0];
    int rival = label == 0 ? 1 : 0;
    for (int j = 1; j < k; j++)
        if (logits[j] > top)
            top = logits[j];
    for (int j = rival + 1; j < k; j++)
        if (j != label && logits[j] > logits[rival])
            rival = j;
    double sum = 0.0;
    for (int j = 0; j < k; j++)
        sum += exp((double)logits[j] - top);
    const double p = exp((double)logits[label] - top) / sum;
    const double margin = (double)logits[label] - (double)logits[rival];
    const int32_t seen = ++s->seen[i];
    const double delta = p - s->mean_p[i];
    s->mean_p[i] += delta / (double)seen;
    s->m2_p[i] += delta * (p - s->mean_p[i]);
    s->sum_margin[i] += margin;
    s->other[i * (size_t)k + (size_t)rival]++;
}

void cs__record_scores_observe(cs_record_scores *s, const size_t *records, const float *logits /* (n, K) */,
                               const int32_t *labels, size_t n)
{
    const size_t k = (size_t)s->k;
    for (size_t j = 0; j < n; j++) {
        const float *row = logits + j * k;
        bool finite = true;
        for (size_t c = 0; c < k && finite; c++)
            finite = isfinite(row[c]);
        if (finite)
            observe(s, records[j], row, labels[j]);
    }
}

int cs_record_scores_add(cs_record_scores *s, const size_t *records, const float *logits /* (n, K) */,
                         const int32_t *labels, size_t n)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_add: scores is NULL");
    if (n == 0)
        return CS_OK;
    if (!records || !logits || !labels)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_add: %s is NULL",
                         !records ? "records" : !logits ? "logits" : "labels");
    const size_t k = (size_t)s->k;
    for (size_t j = 0; j < n; j++) {
        if (records[j] >= s->n)
            return cs__error(CS_ERR_OUT_OF_RANGE, "cs_record_scores_add: row %zu names record %zu; the scores "
                             "hold %zu (0..%zu)", j, records[j], s->n, s->n - 1);
        if (labels[j] < 0 || labels[j] >= s->k)
            return cs__error(CS_ERR_OUT_OF_RANGE, "cs_record_scores_add: row %zu has label %d; expected 0..%d", j,
                             (int)labels[j], s->k - 1);
        for (size_t c = 0; c < k; c++)
            if (!isfinite(logits[j * k + c]))
                return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_add: row %zu, class %zu: the logit is "
                                 "%g; expected a finite value", j, c, (double)logits[j * k + c]);
    }
    cs__record_scores_observe(s, records, logits, labels, n);
    return CS_OK;
}

int cs_record_scores_set_pass(cs_record_scores *s, cs_record_scores_pass pass)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_set_pass: scores is NULL");
    if (pass != CS_RECORD_SCORES_TRAINING && pass != CS_RECORD_SCORES_EVALUATION)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_set_pass: pass %d; expected "
                         "CS_RECORD_SCORES_TRAINING (0) or CS_RECORD_SCORES_EVALUATION (1)", (int)pass);
    s->pass = pass;
    return CS_OK;
}

int cs_record_scores_get_pass(const cs_record_scores *s)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_get_pass: scores is NULL");
    return (int)s->pass;
}

size_t cs_record_scores_count(const cs_record_scores *s)
{
    return s ? s->n : 0;
}

int cs_record_scores_num_classes(const cs_record_scores *s)
{
    return s ? s->k : 0;
}

int cs_record_scores_epochs(const cs_record_scores *s)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_epochs: scores is NULL");
    int32_t fewest = s->seen[0];
    for (size_t i = 1; i < s->n; i++)
        if (s->seen[i] < fewest)
            fewest = s->seen[i];
    return (int)fewest;
}

/* Record i's scores; ties of the other class to the smaller index. */
static void scores_of(const cs_record_scores *s, size_t i, double *confidence, double *variability, double *aum,
                      int32_t *other)
{
    const int32_t seen = s->seen[i];
    int32_t best = -1;
    if (seen > 0) {
        const uint32_t *counts = s->other + i * (size_t)s->k;
        best = 0;
        for (int c = 1; c < s->k; c++)
            if (counts[c] > counts[best])
                best = c;
    }
    if (confidence)
        *confidence = seen ? s->mean_p[i] : NAN;
    if (variability)
        *variability = seen ? sqrt(s->m2_p[i] / (double)seen) : NAN;
    if (aum)
        *aum = seen ? s->sum_margin[i] / (double)seen : NAN;
    if (other)
        *other = best;
}

int cs_record_scores_get(double *confidence, double *variability, double *aum, int32_t *other,
                         const cs_record_scores *s, size_t record)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_get: scores is NULL");
    if (record >= s->n)
        return cs__error(CS_ERR_OUT_OF_RANGE, "cs_record_scores_get: record %zu; the scores hold %zu (0..%zu)",
                         record, s->n, s->n - 1);
    scores_of(s, record, confidence, variability, aum, other);
    return (int)s->seen[record];
}

int cs_record_scores_values(double *confidence, double *variability, double *aum, int32_t *other, int32_t *seen,
                            size_t n, const cs_record_scores *s)
{
    if (!s)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "cs_record_scores_values: scores is NULL");
    if (n != s->n)
        return cs__error(CS_ERR_SIZE_MISMATCH, "cs_record_scores_values: arrays of %zu; the scores hold %zu records",
                         n, s->n);
    for (size_t i = 0; i < n; i++)
        scores_of(s, i, confidence ? confidence + i : NULL, variability ? variability + i : NULL,
                  aum ? aum + i : NULL, other ? other + i : NULL);
    if (seen)
        memcpy(seen, s->seen, n * sizeof *seen);
    return CS_OK;
}
