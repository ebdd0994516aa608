/* Record scores (classsens/records.h): the accumulator against an independent double-precision
 * computation from known logits, recording inside cs_model_train (bit-identical reruns, training
 * unchanged), the sidecar's round trip, size bound and every refusal, and a study end to end:
 * the sidecars of the runner and of records stored elsewhere, cs_results_cell_records against
 * the study's own data, results unchanged with scores off, and records.csv. */
#include <dirent.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <classsens.h>

#include "core/buf.h"
#include "fixtures.h"
#include "study/study_internal.h"

/* ---- the accumulator ----------------------------------------------------------------------- */

/* A reproducible logit in [-4, 4). */
static float logit_at(uint32_t seed, size_t i)
{
    return (float)cs_test_byte(seed, i) / 32.0f - 4.0f;
}

START_TEST(accumulator_matches_an_independent_double_computation)
{
    enum { N = 7, K = 4, EPOCHS = 5 };
    cs_record_scores *s = NULL;
    cs_assert_ok(cs_record_scores_create(&s, N, K));
    ck_assert_uint_eq(cs_record_scores_count(s), N);
    ck_assert_int_eq(cs_record_scores_num_classes(s), K);
    ck_assert_int_eq(cs_record_scores_epochs(s), 0);
    static float logits[EPOCHS][N][K];
    int32_t labels[N];
    for (int i = 0; i < N; i++)
        labels[i] = (i * 3) % K;
    for (int e = 0; e < EPOCHS; e++) {
        for (int i = 0; i < N; i++)
            for (int c = 0; c < K; c++)
                logits[e][i][c] = logit_at(5u + (uint32_t)e, (size_t)(i * K + c));
        /* Each epoch in another order, in two batches, as training visits records. */
        size_t order[N];
        float batch[N][K];
        int32_t lab[N];
        for (int j = 0; j < N; j++) {
            order[j] = (size_t)((j * 3 + e) % N);
            memcpy(batch[j], logits[e][order[j]], sizeof batch[j]);
            lab[j] = labels[order[j]];
        }
        cs_assert_ok(cs_record_scores_add(s, order, &batch[0][0], lab, 3));
        cs_assert_ok(cs_record_scores_add(s, order + 3, &batch[3][0], lab + 3, N - 3));
    }
    ck_assert_int_eq(cs_record_scores_epochs(s), EPOCHS);
    double conf[N], var[N], aum[N];
    int32_t other[N], seen[N];
    cs_assert_ok(cs_record_scores_values(conf, var, aum, other, seen, N, s));
    for (int i = 0; i < N; i++) {
        /* The reference: softmax by its definition in long double, a two-pass deviation. */
        long double p[EPOCHS], mean = 0.0L, margin = 0.0L;
        int counts[K] = { 0 };
        for (int e = 0; e < EPOCHS; e++) {
            long double z = 0.0L;
            for (int c = 0; c < K; c++)
                z += expl((long double)logits[e][i][c]);
            p[e] = expl((long double)logits[e][i][labels[i]]) / z;
            mean += p[e] / EPOCHS;
            int best = -1;
            for (int c = 0; c < K; c++)
                if (c != labels[i] && (best < 0 || logits[e][i][c] > logits[e][i][best]))
                    best = c;
            margin += ((long double)logits[e][i][labels[i]] - logits[e][i][best]) / EPOCHS;
            counts[best]++;
        }
        long double ss = 0.0L;
        for (int e = 0; e < EPOCHS; e++)
            ss += (p[e] - mean) * (p[e] - mean);
        int most = 0;
        for (int c = 1; c < K; c++)
            if (counts[c] > counts[most])
                most = c;
        ck_assert_int_eq(seen[i], EPOCHS);
        ck_assert_double_eq_tol(conf[i], (double)mean, 1e-13);
        ck_assert_double_eq_tol(var[i], (double)sqrtl(ss / EPOCHS), 1e-12);
        ck_assert_double_eq_tol(aum[i], (double)margin, 1e-12);
        ck_assert_int_eq(other[i], most);
        double c1, v1, a1;
        int32_t o1;
        ck_assert_int_eq(cs_record_scores_get(&c1, &v1, &a1, &o1, s, (size_t)i), EPOCHS);
        ck_assert(c1 == conf[i] && v1 == var[i] && a1 == aum[i] && o1 == other[i]);
    }
    cs_record_scores_destroy(s);
}
END_TEST

START_TEST(ties_go_to_the_smaller_class)
{
    cs_record_scores *s = NULL;
    cs_assert_ok(cs_record_scores_create(&s, 2, 4));
    /* Record 0, label 3: classes 1 and 2 tie for the largest other logit, 1 wins. Record 1,
     * label 0: class 2 in one observation, class 1 in the other: a tie of counts, 1 wins. */
    const float a[2][4] = { { 0.0f, 2.0f, 2.0f, 1.0f }, { 5.0f, 1.0f, 3.0f, 0.0f } };
    const float b[2][4] = { { 0.0f, 2.0f, 2.0f, 1.0f }, { 5.0f, 3.0f, 1.0f, 0.0f } };
    const size_t rec[2] = { 0, 1 };
    const int32_t lab[2] = { 3, 0 };
    cs_assert_ok(cs_record_scores_add(s, rec, &a[0][0], lab, 2));
    cs_assert_ok(cs_record_scores_add(s, rec, &b[0][0], lab, 2));
    double conf, var, aum;
    int32_t other;
    ck_assert_int_eq(cs_record_scores_get(&conf, &var, &aum, &other, s, 0), 2);
    ck_assert_int_eq(other, 1);
    ck_assert(aum == -1.0 && var == 0.0);
    ck_assert_int_eq(cs_record_scores_get(NULL, NULL, &aum, &other, s, 1), 2);
    ck_assert_int_eq(other, 1);
    ck_assert(aum == 2.0);
    /* Logits far beyond exp's range still give a probability. */
    const float huge[4] = { 1000.0f, -1000.0f, 999.0f, 0.0f };
    cs_assert_ok(cs_record_scores_add(s, rec, huge, lab + 1, 1));
    ck_assert_int_eq(cs_record_scores_get(&conf, NULL, NULL, NULL, s, 0), 3);
    ck_assert(isfinite(conf) && conf > 0.0 && conf < 1.0);
    cs_record_scores_destroy(s);
}
END_TEST

START_TEST(accumulator_refuses_bad_input)
{
    cs_record_scores *s = NULL;
    cs_assert_fails(cs_record_scores_create(NULL, 3, 2), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_record_scores_create(&s, 0, 2), CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_record_scores_create(&s, 3, 1), CS_ERR_INVALID_ARGUMENT, "k is 1");
    cs_assert_fails(cs_record_scores_create(&s, 3, 65536), CS_ERR_INVALID_ARGUMENT, "2..65535");
    ck_assert_ptr_null(s);
    cs_assert_ok(cs_record_scores_create(&s, 3, 2));
    const float logits[4] = { 0.5f, 0.25f, 1.0f, 2.0f };
    const size_t rec[2] = { 0, 3 };
    const int32_t lab[2] = { 0, 1 }, bad_lab[2] = { 0, 2 };
    cs_assert_fails(cs_record_scores_add(NULL, rec, logits, lab, 2), CS_ERR_INVALID_ARGUMENT, "scores is NULL");
    cs_assert_fails(cs_record_scores_add(s, NULL, logits, lab, 2), CS_ERR_INVALID_ARGUMENT, "records is NULL");
    cs_assert_fails(cs_record_scores_add(s, rec, logits, lab, 2), CS_ERR_OUT_OF_RANGE, "row 1 names record 3");
    const size_t ok_rec[2] = { 0, 1 };
    cs_assert_fails(cs_record_scores_add(s, ok_rec, logits, bad_lab, 2), CS_ERR_OUT_OF_RANGE, "row 1 has label 2");
    const float nan_logits[4] = { 0.5f, 0.25f, 1.0f, NAN };
    cs_assert_fails(cs_record_scores_add(s, ok_rec, nan_logits, lab, 2), CS_ERR_INVALID_ARGUMENT, "row 1, class 1");
    /* Nothing of a refused call was added. */
    ck_assert_int_eq(cs_record_scores_get(NULL, NULL, NULL, NULL, s, 0), 0);
    double conf = 0.0;
    int32_t other = 5;
    ck_assert_int_eq(cs_record_scores_get(&conf, NULL, NULL, &other, s, 0), 0);
    ck_assert(isnan(conf) && other == -1);
    cs_assert_ok(cs_record_scores_add(s, NULL, NULL, NULL, 0));
    cs_assert_fails(cs_record_scores_get(NULL, NULL, NULL, NULL, s, 3), CS_ERR_OUT_OF_RANGE, "record 3");
    cs_assert_fails(cs_record_scores_get(NULL, NULL, NULL, NULL, NULL, 0), CS_ERR_INVALID_ARGUMENT, "NULL");
    double v[2];
    cs_assert_fails(cs_record_scores_values(v, NULL, NULL, NULL, NULL, 2, s), CS_ERR_SIZE_MISMATCH, "arrays of 2");
    cs_assert_fails(cs_record_scores_values(v, NULL, NULL, NULL, NULL, 2, NULL), CS_ERR_INVALID_ARGUMENT, "NULL");
    ck_assert_int_eq(cs_record_scores_epochs(NULL), CS_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(cs_record_scores_count(NULL), 0);
    ck_assert_int_eq(cs_record_scores_num_classes(NULL), 0);
    cs_record_scores_destroy(s);
    cs_record_scores_destroy(NULL);
}
END_TEST

/* ---- inside cs_model_train ------------------------------------------------------------------ */

typedef struct trained {
    int32_t pred[60];
    double loss[3], acc[3];
    float *weights;
    size_t n_weights;
} trained;

static int keep_report(const cs_epoch_report *r, void *payload)
{
    trained *t = payload;
    t->loss[r->epoch - 1] = r->loss;
    t->acc[r->epoch - 1] = r->accuracy;
    return 0;
}

/* Train a small lenet 3 epochs on two threads, with scores into `scores` (may be NULL). */
static void train_once(trained *t, cs_dataset *train, cs_dataset *test, cs_record_scores *scores)
{
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.25, 3);
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 3;
    to.batch_size = 16;
    to.seed = 9;
    to.threads = 2;
    to.progress = keep_report;
    to.payload = t;
    to.record_scores = scores;
    cs_assert_ok(cs_model_train(m, train, &to));
    cs_assert_ok(cs_model_predict(t->pred, m, test));
    t->n_weights = 0;
    for (int i = 0; i < cs_model_num_tensors(m); i++) {
        int64_t dims[8];
        int nd = cs_model_tensor_shape(dims, 8, m, i);
        size_t n = 1;
        for (int d = 0; d < nd; d++)
            n *= (size_t)dims[d];
        t->weights = realloc(t->weights, (t->n_weights + n) * sizeof *t->weights);
        memcpy(t->weights + t->n_weights, cs_model_tensor_data(m, i), n * sizeof *t->weights);
        t->n_weights += n;
    }
    cs_model_destroy(m);
}

START_TEST(training_records_scores_reproducibly_without_changing_training)
{
    cs_dataset *train = cs_test_bands(90, 1), *test = cs_test_bands(60, 2);
    cs_record_scores *a = NULL, *b = NULL;
    cs_assert_ok(cs_record_scores_create(&a, 90, 3));
    cs_assert_ok(cs_record_scores_create(&b, 90, 3));
    trained plain, one, two;
    memset(&plain, 0, sizeof plain);
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    train_once(&plain, train, test, NULL);
    train_once(&one, train, test, a);
    train_once(&two, train, test, b);
    /* Recording changes nothing of the training: weights, epoch reports, predictions. */
    ck_assert_uint_eq(plain.n_weights, one.n_weights);
    ck_assert_int_eq(memcmp(plain.weights, one.weights, plain.n_weights * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(plain.loss, one.loss, sizeof plain.loss), 0);
    ck_assert_int_eq(memcmp(plain.acc, one.acc, sizeof plain.acc), 0);
    ck_assert_int_eq(memcmp(plain.pred, one.pred, sizeof plain.pred), 0);
    /* Every record once per epoch, and the same seed and threads give the same bits. */
    ck_assert_int_eq(cs_record_scores_epochs(a), 3);
    double va[4][90], vb[4][90];
    int32_t oa[90], ob[90], sa[90], sb[90];
    cs_assert_ok(cs_record_scores_values(va[0], va[1], va[2], oa, sa, 90, a));
    cs_assert_ok(cs_record_scores_values(vb[0], vb[1], vb[2], ob, sb, 90, b));
    ck_assert_int_eq(memcmp(va, vb, sizeof(double) * 3 * 90), 0);
    ck_assert_int_eq(memcmp(oa, ob, sizeof oa), 0);
    const int32_t *labels = cs_dataset_labels(train);
    double log_conf = 0.0;
    for (int i = 0; i < 90; i++) {
        ck_assert_int_eq(sa[i], 3);
        ck_assert(va[0][i] > 0.0 && va[0][i] <= 1.0 && va[1][i] >= 0.0 && va[1][i] <= 0.5 && isfinite(va[2][i]));
        ck_assert(oa[i] >= 0 && oa[i] < 3 && oa[i] != labels[i]);
        log_conf -= log(va[0][i]) / 90.0;
    }
    /* The scores are the p of the epochs' losses: each epoch's loss is the mean of -log p over
     * the same records, so by Jensen (-log convex) the mean of -log(confidence) is at most the
     * mean loss (float softmax in the loss: a small tolerance). */
    ck_assert_msg(log_conf <= (plain.loss[0] + plain.loss[1] + plain.loss[2]) / 3.0 + 1e-5,
                  "mean -log(confidence) %.9g; mean loss %.9g", log_conf,
                  (plain.loss[0] + plain.loss[1] + plain.loss[2]) / 3.0);

    /* A second call goes on accumulating. */
    train_once(&two, train, test, b);
    ck_assert_int_eq(cs_record_scores_epochs(b), 6);

    /* An accumulator of another size or K is refused before training starts. */
    cs_record_scores *wrong_n = NULL, *wrong_k = NULL;
    cs_assert_ok(cs_record_scores_create(&wrong_n, 89, 3));
    cs_assert_ok(cs_record_scores_create(&wrong_k, 90, 4));
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.25, 3);
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.record_scores = wrong_n;
    cs_assert_fails(cs_model_train(m, train, &to), CS_ERR_SIZE_MISMATCH, "record_scores holds 89 records");
    to.record_scores = wrong_k;
    cs_assert_fails(cs_model_train(m, train, &to), CS_ERR_SIZE_MISMATCH, "record_scores counts 4 classes");
    ck_assert_int_eq(cs_record_scores_epochs(wrong_k), 0);
    cs_model_destroy(m);
    cs_record_scores_destroy(wrong_n);
    cs_record_scores_destroy(wrong_k);
    free(plain.weights);
    free(one.weights);
    free(two.weights);
    cs_record_scores_destroy(a);
    cs_record_scores_destroy(b);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
}
END_TEST

START_TEST(evaluation_pass_scores_the_unaugmented_training_set)
{
    cs_dataset *train = cs_test_bands(90, 1), *test = cs_test_bands(60, 2);
    cs_record_scores *s = NULL, *ref = NULL;
    cs_assert_ok(cs_record_scores_create(&s, 90, 3));
    ck_assert_int_eq(cs_record_scores_get_pass(s), CS_RECORD_SCORES_TRAINING);
    cs_assert_ok(cs_record_scores_set_pass(s, CS_RECORD_SCORES_EVALUATION));
    ck_assert_int_eq(cs_record_scores_get_pass(s), CS_RECORD_SCORES_EVALUATION);
    cs_assert_fails(cs_record_scores_set_pass(s, (cs_record_scores_pass)7), CS_ERR_INVALID_ARGUMENT, "pass 7");
    cs_assert_fails(cs_record_scores_set_pass(NULL, CS_RECORD_SCORES_TRAINING), CS_ERR_INVALID_ARGUMENT, "NULL");
    ck_assert_int_eq(cs_record_scores_get_pass(NULL), CS_ERR_INVALID_ARGUMENT);
    /* The extra pass changes nothing of the training either. */
    trained plain, ev;
    memset(&plain, 0, sizeof plain);
    memset(&ev, 0, sizeof ev);
    train_once(&plain, train, test, NULL);
    train_once(&ev, train, test, s);
    ck_assert_int_eq(memcmp(plain.weights, ev.weights, plain.n_weights * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(plain.loss, ev.loss, sizeof plain.loss), 0);
    ck_assert_int_eq(cs_record_scores_epochs(s), 3);
    free(plain.weights);
    free(ev.weights);
    cs_record_scores_destroy(s);

    /* One epoch: the scores are those of the trained model's evaluation logits of the
     * unaugmented, normalised training set, computed here through the public API. */
    cs_assert_ok(cs_record_scores_create(&s, 90, 3));
    cs_assert_ok(cs_record_scores_set_pass(s, CS_RECORD_SCORES_EVALUATION));
    cs_model *m = cs_test_model("lenet", 1, 12, 12, 3, 0.25, 3);
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.batch_size = 16;
    to.seed = 9;
    to.record_scores = s;
    cs_assert_ok(cs_model_train(m, train, &to));
    double mean = 0.0, sd = 0.0;
    cs_assert_ok(cs_dataset_channel_stats(&mean, &sd, 1, train));
    const float fmean = (float)mean, fsd = (float)sd;
    cs_batch_options bo = CS_BATCH_OPTIONS_INIT;
    bo.mean = &fmean;
    bo.std = &fsd;
    size_t idx[90];
    for (size_t i = 0; i < 90; i++)
        idx[i] = i;
    static float x[90 * 144], logits[90 * 3];
    cs_assert_ok(cs_dataset_batch(x, train, idx, 90, &bo));
    cs_assert_ok(cs_model_forward(logits, m, x, 90, 0));
    cs_assert_ok(cs_record_scores_create(&ref, 90, 3));
    cs_assert_ok(cs_record_scores_add(ref, idx, logits, cs_dataset_labels(train), 90));
    for (size_t i = 0; i < 90; i++) {
        double c1, v1, a1, c2, a2;
        int32_t o1, o2;
        ck_assert_int_eq(cs_record_scores_get(&c1, &v1, &a1, &o1, s, i), 1);
        ck_assert_int_eq(cs_record_scores_get(&c2, NULL, &a2, &o2, ref, i), 1);
        ck_assert_double_eq_tol(c1, c2, 1e-5);
        ck_assert_double_eq_tol(a1, a2, 1e-4);
        ck_assert(v1 == 0.0);
        ck_assert_int_eq(o1, o2);
    }
    cs_model_destroy(m);
    cs_record_scores_destroy(s);
    cs_record_scores_destroy(ref);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
}
END_TEST

/* ---- the sidecar ----------------------------------------------------------------------------- */

/* n synthetic records of 10 classes from `parent` training records: every other index, labels
 * flipped for one in five, scores spread over their whole ranges. */
static cs_cell_records *synthetic(size_t n, size_t *flips)
{
    cs_cell_records *c = NULL;
    cs_assert_ok(cs__cell_records_alloc(&c, n, 10));
    c->epochs = 3;
    *flips = 0;
    for (size_t i = 0; i < n; i++) {
        c->source[i] = (uint32_t)(2 * i + (i % 7 == 0));
        c->truth[i] = (int32_t)(i % 10);
        c->given[i] = i % 5 == 0 ? (int32_t)((i + 3) % 10) : c->truth[i];
        *flips += c->given[i] != c->truth[i];
        c->other[i] = (c->given[i] + 1 + (int32_t)(cs_test_byte(7, i) % 9)) % 10;
        uint32_t r = (uint32_t)cs_test_byte(1, i) << 16 | (uint32_t)cs_test_byte(2, i) << 8 | cs_test_byte(3, i);
        c->confidence[i] = (float)r / 16777215.0f;
        c->variability[i] = 0.5f * (float)cs_test_byte(4, i) / 255.0f * c->confidence[i];
        c->aum[i] = ((float)cs_test_byte(5, i) - 128.0f) / 7.0f + (float)cs_test_byte(6, i) / 4096.0f;
    }
    return c;
}

static void same_records(const cs_cell_records *a, const cs_cell_records *b)
{
    const size_t n = cs_cell_records_count(a);
    ck_assert_uint_eq(cs_cell_records_count(b), n);
    ck_assert_int_eq(cs_cell_records_epochs(a), cs_cell_records_epochs(b));
    ck_assert_int_eq(memcmp(cs_cell_records_source(a), cs_cell_records_source(b), n * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(cs_cell_records_given(a), cs_cell_records_given(b), n * sizeof(int32_t)), 0);
    ck_assert_int_eq(memcmp(cs_cell_records_truth(a), cs_cell_records_truth(b), n * sizeof(int32_t)), 0);
    ck_assert_int_eq(memcmp(cs_cell_records_other(a), cs_cell_records_other(b), n * sizeof(int32_t)), 0);
    ck_assert_int_eq(memcmp(cs_cell_records_confidence(a), cs_cell_records_confidence(b), n * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(cs_cell_records_variability(a), cs_cell_records_variability(b), n * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(cs_cell_records_aum(a), cs_cell_records_aum(b), n * sizeof(float)), 0);
}

START_TEST(sidecar_round_trips_and_60000_records_stay_well_under_a_megabyte)
{
    const size_t n = 60000;
    size_t flips = 0;
    cs_cell_records *c = synthetic(n, &flips);
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__cell_records_encode(&b, c));
    /* Measured 602,815 bytes for these scores, random in every mantissa bit (real scores are
     * no worse); raw they are 1,320,000. */
    ck_assert_msg(b.len < 650000, "60,000 records take %zu bytes", b.len);
    cs__records_expect e = { 10, 3, n, 2 * n, flips };
    cs_cell_records *back = NULL;
    cs_assert_ok(cs__cell_records_decode(&back, b.data, b.len, "side.bin", &e));
    same_records(c, back);
    cs_cell_records_destroy(back);
    /* Fewer epochs than the cell trained (a record never observed in one) still reads. */
    e.epochs = 5;
    cs_assert_ok(cs__cell_records_decode(&back, b.data, b.len, "side.bin", &e));
    cs_cell_records_destroy(back);
    cs__buf_free(&b);
    cs_cell_records_destroy(c);
    ck_assert_uint_eq(cs_cell_records_count(NULL), 0);
    ck_assert_int_eq(cs_cell_records_epochs(NULL), 0);
    ck_assert_ptr_null(cs_cell_records_source(NULL));
    ck_assert_ptr_null(cs_cell_records_aum(NULL));
    cs_cell_records_destroy(NULL);
}
END_TEST

/* Encode c, decode it against e: the status and a piece of the message. */
static void refused(const cs_cell_records *c, const cs__records_expect *e, int status, const char *needle)
{
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__cell_records_encode(&b, c));
    cs_cell_records *back = NULL;
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", e), status, needle);
    ck_assert_ptr_null(back);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "cell.bin"));
    cs__buf_free(&b);
}

START_TEST(damaged_sidecars_are_refused_naming_the_file)
{
    const size_t n = 50;
    size_t flips = 0;
    cs_cell_records *c = synthetic(n, &flips);
    const cs__records_expect e = { 10, 3, n, 2 * n, flips };
    cs__buf b = CS__BUF_INIT;
    cs_assert_ok(cs__cell_records_encode(&b, c));
    cs_cell_records *back = NULL;
    char *copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    copy[0] = 'X';
    cs_assert_fails(cs__cell_records_decode(&back, copy, b.len, "cell.bin", &e), CS_ERR_CORRUPT, "bad magic");
    cs_assert_fails(cs__cell_records_decode(&back, b.data, 5, "cell.bin", &e), CS_ERR_CORRUPT, "bad magic");
    cs_assert_fails(cs__cell_records_decode(&back, b.data, 30, "cell.bin", &e), CS_ERR_CORRUPT, "truncated");
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len - 9, "cell.bin", &e), CS_ERR_CORRUPT, "truncated");
    memcpy(copy, b.data, b.len);
    copy[b.len - 10] ^= 0x40;
    cs_assert_fails(cs__cell_records_decode(&back, copy, b.len, "cell.bin", &e), CS_ERR_CORRUPT, "checksum mismatch");
    memcpy(copy, b.data, b.len);
    copy[8] = 2;
    cs_assert_fails(cs__cell_records_decode(&back, copy, b.len, "cell.bin", &e), CS_ERR_FORMAT, "version 2");
    cs__records_expect other = e;
    other.n = n + 1;
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", &other), CS_ERR_CORRUPT,
                    "50 records; the cell trained on 51");
    other = e;
    other.k = 9;
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", &other), CS_ERR_CORRUPT, "10 classes");
    other = e;
    other.epochs = 2;
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", &other), CS_ERR_CORRUPT, "3 epochs");
    other = e;
    other.changed = flips + 1;
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", &other), CS_ERR_CORRUPT,
                    "perturbation report says");
    other = e;
    other.parent_n = 90;
    cs_assert_fails(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", &other), CS_ERR_CORRUPT,
                    "outside the study's 90 training records");
    free(copy);
    cs__buf_free(&b);

    /* Values a well-formed file must not hold, each with a valid checksum. */
    c->source[4] = c->source[3];
    refused(c, &e, CS_ERR_CORRUPT, "record 4: source index 6 appears twice");
    c->source[4] = 8;
    c->given[7] = 10;
    refused(c, &e, CS_ERR_CORRUPT, "record 7: a label of 10");
    c->given[7] = c->truth[7];
    c->other[9] = c->given[9];
    refused(c, &e, CS_ERR_CORRUPT, "record 9: its other class");
    c->other[9] = (c->given[9] + 1) % 10;
    c->aum[11] = INFINITY;
    refused(c, &e, CS_ERR_CORRUPT, "record 11: a score that is not finite");
    c->aum[11] = 0.5f;
    c->variability[12] = NAN;
    refused(c, &e, CS_ERR_CORRUPT, "record 12: a score that is not finite");
    c->variability[12] = 0.0f;
    c->confidence[13] = 1.5f;
    refused(c, &e, CS_ERR_CORRUPT, "record 13: confidence 1.5 outside [0, 1]");
    c->confidence[13] = -0.25f;
    refused(c, &e, CS_ERR_CORRUPT, "record 13: confidence -0.25 outside [0, 1]");
    c->confidence[13] = 0.5f;
    c->variability[14] = 0.75f;
    refused(c, &e, CS_ERR_CORRUPT, "record 14: variability 0.75");
    c->variability[14] = 0.0f;
    cs_assert_ok(cs__cell_records_encode(&b, c));
    cs_assert_ok(cs__cell_records_decode(&back, b.data, b.len, "cell.bin", &e));
    cs_cell_records_destroy(back);
    cs__buf_free(&b);
    cs_cell_records_destroy(c);
}
END_TEST

/* ---- a study ------------------------------------------------------------------------------- */

static cs_dataset *train_set, *test_set;
static char *root_dir;

static cs_study *make_study(int record_scores)
{
    cs_study_options so = CS_STUDY_OPTIONS_INIT;
    so.replicates = 2;
    so.seed = 3;
    so.jobs = 2;
    so.record_scores = record_scores;
    cs_study *s = NULL;
    cs_assert_ok(cs_study_create(&s, train_set, test_set, "tiny", &so));
    cs_train_options to = CS_TRAIN_OPTIONS_INIT;
    to.epochs = 2;
    to.batch_size = 16;
    cs_assert_ok(cs_study_add_model(s, "small", "lenet", 0.25, &to));
    const char *specs[] = { "shuffle:0.3", "reduce:uniform:0.5" };
    for (int i = 0; i < 2; i++) {
        cs_perturb_spec *spec = NULL;
        cs_assert_ok(cs_perturb_spec_parse(&spec, specs[i]));
        cs_assert_ok(cs_study_add_condition(s, spec));
        cs_perturb_spec_destroy(spec);
    }
    return s;
}

static char *run_store(const char *name, int record_scores)
{
    char *dir = cs_test_path(root_dir, name);
    cs_study *s = make_study(record_scores);
    cs_assert_ok(cs_study_run(s, dir));
    cs_study_destroy(s);
    return dir;
}

static void study_setup(void)
{
    train_set = cs_test_bands(120, 1);
    test_set = cs_test_bands(60, 2);
    root_dir = cs_test_tmpdir();
}

static void study_teardown(void)
{
    cs_dataset_destroy(train_set);
    cs_dataset_destroy(test_set);
    cs_test_rmtree(root_dir);
    free(root_dir);
}

static char *sidecar_path(const char *dir, const char *cond, int rep)
{
    char rel[512];
    cs_assert_ok(cs__study_records_path(rel, sizeof rel, "small", cond, rep));
    return cs_test_path(dir, rel);
}

START_TEST(study_cells_store_their_scores_and_results_do_not_change)
{
    char *on = run_store("on", 1), *off = run_store("off", 0);
    cs_results *ron = NULL, *roff = NULL;
    cs_assert_ok(cs_results_open(&ron, on));
    cs_assert_ok(cs_results_open(&roff, off));
    /* The same configuration, the same results: scores are not part of either. */
    ck_assert_str_eq(cs_results_config_hash(ron), cs_results_config_hash(roff));
    const int32_t *study_labels = cs_dataset_labels(train_set);
    for (int ci = 0; ci < 3; ci++)
        for (int ri = 0; ri < 2; ri++) {
            cs_cell_result a, b;
            a.struct_size = b.struct_size = sizeof a;
            cs_assert_ok(cs_results_cell(&a, ron, 0, ci, ri));
            cs_assert_ok(cs_results_cell(&b, roff, 0, ci, ri));
            ck_assert(a.test_accuracy == b.test_accuracy);
            for (int t = 0; t < 3; t++)
                for (int p = 0; p < 3; p++)
                    ck_assert(cs_confusion_count(a.confusion, t, p) == cs_confusion_count(b.confusion, t, p));
            cs_epoch_report ta[2], tb[2];
            cs_assert_ok(cs_results_cell_trace(ta, sizeof ta[0], 2, NULL, ron, 0, ci, ri));
            cs_assert_ok(cs_results_cell_trace(tb, sizeof tb[0], 2, NULL, roff, 0, ci, ri));
            for (int e = 0; e < 2; e++)
                ck_assert(ta[e].loss == tb[e].loss && ta[e].accuracy == tb[e].accuracy);

            cs_cell_records *c = NULL;
            cs_assert_fails(cs_results_cell_records(&c, roff, 0, ci, ri), CS_ERR_NOT_FOUND, "has no record scores");
            cs_assert_ok(cs_results_cell_records(&c, ron, 0, ci, ri));
            const size_t n = cs_cell_records_count(c);
            ck_assert_uint_eq(n, a.train_size);
            ck_assert_int_eq(cs_cell_records_epochs(c), 2);
            size_t flipped = 0;
            for (size_t i = 0; i < n; i++) {
                const uint32_t src = cs_cell_records_source(c)[i];
                ck_assert_uint_lt(src, 120);
                ck_assert_int_eq(cs_cell_records_truth(c)[i], study_labels[src]);
                flipped += cs_cell_records_given(c)[i] != cs_cell_records_truth(c)[i];
            }
            /* Only the noise flips labels (a reduction's `changed` counts removed records). */
            ck_assert_uint_eq(flipped, ci == 1 ? a.changed : 0);
            ck_assert(ci != 1 || flipped > 0);
            cs_cell_records_destroy(c);
        }
    char *absent = sidecar_path(off, "baseline", 0);
    FILE *f = fopen(absent, "rb");
    ck_assert_ptr_null(f);
    free(absent);
    cs_cell_records *c = NULL;
    cs_assert_fails(cs_results_cell_records(NULL, ron, 0, 0, 0), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_results_cell_records(&c, NULL, 0, 0, 0), CS_ERR_INVALID_ARGUMENT, "results is NULL");
    cs_assert_fails(cs_results_cell_records(&c, ron, 0, 3, 0), CS_ERR_OUT_OF_RANGE, "outside the store");
    cs_results_destroy(ron);
    cs_results_destroy(roff);

    /* A rerun of the same study gives byte-identical sidecars. */
    char *again = run_store("again", 1);
    const char *conds[] = { "baseline", "shuffle:0.3", "reduce:uniform:0.5" };
    for (int ci = 0; ci < 3; ci++) {
        char *pa = sidecar_path(on, conds[ci], 1), *pb = sidecar_path(again, conds[ci], 1);
        size_t na = 0, nb = 0;
        uint8_t *a = cs_test_read(pa, &na), *b = cs_test_read(pb, &nb);
        ck_assert_uint_eq(na, nb);
        ck_assert_int_eq(memcmp(a, b, na), 0);
        free(a), free(b), free(pa), free(pb);
    }
    free(again);
    free(on);
    free(off);
}
END_TEST

START_TEST(records_stored_elsewhere_carry_the_same_sidecar)
{
    char *whole = run_store("whole", 1), *pieces = cs_test_path(root_dir, "pieces");
    cs_study *trainer = make_study(1), *writer = make_study(1);
    cs_assert_ok(cs_study_prepare(writer, pieces));
    for (int cell = 0; cell < cs_study_num_cells(trainer); cell++) {
        cs_study_record *rec = NULL;
        cs_assert_ok(cs_study_train_cell(&rec, trainer, cell));
        size_t len = 0;
        const char *bytes = cs_study_record_data(&len, rec);
        cs_assert_ok(cs_study_store_record(NULL, NULL, writer, pieces, bytes, len));
        cs_study_record_destroy(rec);
    }
    const char *conds[] = { "baseline", "shuffle:0.3", "reduce:uniform:0.5" };
    for (int ci = 0; ci < 3; ci++)
        for (int ri = 0; ri < 2; ri++) {
            char *pa = sidecar_path(whole, conds[ci], ri), *pb = sidecar_path(pieces, conds[ci], ri);
            size_t na = 0, nb = 0;
            uint8_t *a = cs_test_read(pa, &na), *b = cs_test_read(pb, &nb);
            ck_assert_uint_eq(na, nb);
            ck_assert_int_eq(memcmp(a, b, na), 0);
            free(a), free(b), free(pa), free(pb);
        }
    /* A record whose sidecar was damaged on the way is refused. */
    cs_study_record *rec = NULL;
    cs_assert_ok(cs_study_train_cell(&rec, trainer, 2));
    size_t len = 0;
    const char *bytes = cs_study_record_data(&len, rec);
    char *copy = malloc(len);
    memcpy(copy, bytes, len);
    copy[len - 6] ^= 1;
    cs_assert_fails(cs_study_store_record(NULL, NULL, writer, pieces, copy, len), CS_ERR_CORRUPT, "its text records");
    free(copy);
    cs_study_record_destroy(rec);
    /* With scores off a record is its text alone, as before. */
    cs_study *bare = make_study(0);
    cs_assert_ok(cs_study_train_cell(&rec, bare, 0));
    bytes = cs_study_record_data(&len, rec);
    ck_assert_uint_eq(strlen(bytes), len);
    ck_assert_ptr_null(strstr(bytes, "record_scores"));
    cs_study_record_destroy(rec);
    cs_study_destroy(bare);
    cs_study_destroy(trainer);
    cs_study_destroy(writer);
    free(whole);
    free(pieces);
}
END_TEST

/* The number of lines of a text. */
static size_t lines_of(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* A gzip file's content, NUL-terminated (the file must be gzip: 1f 8b, then a whole stream). */
static char *read_gzip(const char *path)
{
    size_t raw_len = 0;
    uint8_t *raw = cs_test_read(path, &raw_len);
    ck_assert_msg(raw_len > 18 && raw[0] == 0x1f && raw[1] == 0x8b, "%s is not gzip", path);
    free(raw);
    gzFile g = gzopen(path, "rb");
    ck_assert_ptr_nonnull(g);
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap + 1);
    ck_assert_ptr_nonnull(text);
    for (int got; (got = gzread(g, text + len, (unsigned)(cap - len))) > 0;) {
        len += (size_t)got;
        if (len == cap) {
            cap *= 2;
            text = realloc(text, cap + 1);
            ck_assert_ptr_nonnull(text);
        }
    }
    int err = 0;
    gzerror(g, &err);
    ck_assert_int_eq(err, Z_OK);
    ck_assert_int_eq(gzclose(g), Z_OK);
    text[len] = '\0';
    return text;
}

START_TEST(report_writes_records_csv_and_refuses_damaged_sidecars)
{
    char *dir = run_store("report", 1), *off = run_store("report_off", 0);
    cs_results *r = NULL;
    cs_assert_ok(cs_results_open(&r, dir));
    char *out = cs_test_path(root_dir, "report_out");
    cs_report_options ro = CS_REPORT_OPTIONS_INIT;
    ro.figures = 0;
    cs_assert_ok(cs_report_write(r, out, &ro));
    char *csv_path = cs_test_path(out, "records.csv.gz");
    char *csv = read_gzip(csv_path);
    ck_assert_ptr_nonnull(strstr(csv, "model,condition,replicate,record,given,true,flipped,confidence,variability,aum,"
                                      "other\n"));
    size_t rows = 0;
    for (int ci = 0; ci < 3; ci++)
        for (int ri = 0; ri < 2; ri++) {
            cs_cell_result cr;
            cr.struct_size = sizeof cr;
            cs_assert_ok(cs_results_cell(&cr, r, 0, ci, ri));
            rows += cr.train_size;
        }
    ck_assert_uint_eq(lines_of(csv), rows + 1);
    /* The first row of the noisy cell of replicate 0, rebuilt from the reading API. */
    cs_cell_records *c = NULL;
    cs_assert_ok(cs_results_cell_records(&c, r, 0, 1, 0));
    const char *names[3] = { "top", "\"middle, wide\"", "\"bottom \"\"low\"\"\"" };
    char row[512];
    snprintf(row, sizeof row, "\nsmall,shuffle:0.3,0,%u,%s,%s,%d,", (unsigned)cs_cell_records_source(c)[0],
             names[cs_cell_records_given(c)[0]], names[cs_cell_records_truth(c)[0]],
             cs_cell_records_given(c)[0] != cs_cell_records_truth(c)[0]);
    const char *at = strstr(csv, row);
    ck_assert_msg(at != NULL, "records.csv.gz lacks %s", row);
    at += strlen(row);
    char *end = NULL;
    ck_assert((float)strtod(at, &end) == cs_cell_records_confidence(c)[0]);
    ck_assert((float)strtod(end + 1, &end) == cs_cell_records_variability(c)[0]);
    ck_assert((float)strtod(end + 1, &end) == cs_cell_records_aum(c)[0]);
    ck_assert(strncmp(end + 1, names[cs_cell_records_other(c)[0]], strlen(names[cs_cell_records_other(c)[0]])) == 0);
    cs_cell_records_destroy(c);
    free(csv);
    free(csv_path);
    cs_results_destroy(r);

    /* A store without scores: no records.csv.gz. */
    cs_assert_ok(cs_results_open(&r, off));
    char *out_off = cs_test_path(root_dir, "report_off_out");
    cs_assert_ok(cs_report_write(r, out_off, &ro));
    char *absent = cs_test_path(out_off, "records.csv.gz");
    ck_assert_ptr_null(fopen(absent, "rb"));
    cs_results_destroy(r);
    free(absent);
    free(out_off);

    /* A damaged sidecar, then a missing one: refused, naming the file. */
    char *side = sidecar_path(dir, "reduce:uniform:0.5", 1);
    size_t len = 0;
    uint8_t *bytes = cs_test_read(side, &len);
    bytes[len / 2] ^= 0x10;
    cs_test_write(side, bytes, len, 0);
    cs_assert_ok(cs_results_open(&r, dir));
    cs_assert_fails(cs_results_cell_records(&c, r, 0, 2, 1), CS_ERR_CORRUPT, "the file is damaged");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "reduce-uniform-0.5__r1.bin"));
    cs_assert_fails(cs_report_write(r, out, &ro), CS_ERR_CORRUPT, "reduce-uniform-0.5__r1.bin");
    /* The refused records.csv.gz left no temporary file behind. */
    DIR *d = opendir(out);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *ent; (ent = readdir(d));)
        ck_assert_msg(!strstr(ent->d_name, ".tmp."), "%s left in %s", ent->d_name, out);
    closedir(d);
    ck_assert_int_eq(remove(side), 0);
    cs_assert_fails(cs_results_cell_records(&c, r, 0, 2, 1), CS_ERR_CORRUPT, "missing; the cell file references it");
    cs_assert_ok(cs_results_cell_records(&c, r, 0, 2, 0));
    cs_cell_records_destroy(c);
    cs_results_destroy(r);
    free(bytes);
    free(side);
    free(out);
    free(dir);
    free(off);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("record_scores");
    TCase *acc = tcase_create("accumulator");
    tcase_add_test(acc, accumulator_matches_an_independent_double_computation);
    tcase_add_test(acc, ties_go_to_the_smaller_class);
    tcase_add_test(acc, accumulator_refuses_bad_input);
    tcase_add_test(acc, training_records_scores_reproducibly_without_changing_training);
    tcase_add_test(acc, evaluation_pass_scores_the_unaugmented_training_set);
    suite_add_tcase(s, acc);
    TCase *side = tcase_create("sidecar");
    tcase_add_test(side, sidecar_round_trips_and_60000_records_stay_well_under_a_megabyte);
    tcase_add_test(side, damaged_sidecars_are_refused_naming_the_file);
    suite_add_tcase(s, side);
    TCase *study = tcase_create("study");
    tcase_add_checked_fixture(study, study_setup, study_teardown);
    tcase_set_timeout(study, 600);
    tcase_add_test(study, study_cells_store_their_scores_and_results_do_not_change);
    tcase_add_test(study, records_stored_elsewhere_carry_the_same_sidecar);
    tcase_add_test(study, report_writes_records_csv_and_refuses_damaged_sidecars);
    suite_add_tcase(s, study);
    return cs_test_run(s);
}
