/* Training and prediction: learning a synthetic task, the progress callback, determinism,
 * divergence, the BLAS thread setting, and every way the options or data can be wrong. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"
#include "models/model_internal.h"
#include "tensor/kernels.h"

/* From OpenBLAS, which the library links. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#define SIDE 12

/* n images of 1 x side x side whose class (i % 3) decides a bright pattern over dim noise:
 * a horizontal bar, a vertical bar, or none. Crops and flips keep the class visible. */
static cs_dataset *synthetic(size_t n, int side, int k, uint32_t seed)
{
    size_t plane = (size_t)side * (size_t)side;
    uint8_t *px = malloc(n * plane);
    int32_t *labels = malloc(n * sizeof *labels);
    ck_assert_ptr_nonnull(px);
    ck_assert_ptr_nonnull(labels);
    for (size_t i = 0; i < n; i++) {
        int cls = (int)(i % (size_t)k);
        labels[i] = cls;
        int at = side / 2 - 1 + (int)(cs_test_byte(seed, i) % 2);
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++) {
                uint8_t v = (uint8_t)(cs_test_byte(seed + 1, i * plane + (size_t)(y * side + x)) % 60);
                if ((cls == 0 && (y == at || y == at + 1)) || (cls == 1 && (x == at || x == at + 1)))
                    v = (uint8_t)(200 + v % 50);
                px[i * plane + (size_t)(y * side + x)] = v;
            }
    }
    cs_dataset *ds = NULL;
    cs_assert_ok(cs_dataset_from_memory(&ds, px, labels, n, 1, side, side, k));
    free(px);
    free(labels);
    return ds;
}

static cs_model *model(const char *arch, int side, int k, double width, uint64_t seed)
{
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = width;
    mo.seed = seed;
    cs_model *m = NULL;
    cs_assert_ok(cs_model_create(&m, arch, 1, side, side, k, &mo));
    return m;
}

static double accuracy(cs_model *m, const cs_dataset *ds)
{
    size_t n = cs_dataset_size(ds), hits = 0;
    int32_t *pred = malloc(n * sizeof *pred);
    cs_assert_ok(cs_model_predict(pred, m, ds));
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_ge(pred[i], 0);
        ck_assert_int_lt(pred[i], 3);
        hits += pred[i] == cs_dataset_label(ds, i);
    }
    free(pred);
    return (double)hits / (double)n;
}

static bool weights_finite(cs_model *m)
{
    for (int i = 0; i < cs_model_num_tensors(m); i++) {
        int64_t dims[4];
        int nd = cs_model_tensor_shape(dims, 4, m, i);
        size_t count = 1;
        for (int d = 0; d < nd; d++)
            count *= (size_t)dims[d];
        const float *v = cs_model_tensor_data(m, i);
        for (size_t j = 0; j < count; j++)
            if (!isfinite(v[j]))
                return false;
    }
    return true;
}

static bool same_weights(cs_model *a, cs_model *b)
{
    for (int i = 0; i < cs_model_num_tensors(a); i++) {
        int64_t dims[4];
        int nd = cs_model_tensor_shape(dims, 4, a, i);
        size_t count = 1;
        for (int d = 0; d < nd; d++)
            count *= (size_t)dims[d];
        if (memcmp(cs_model_tensor_data(a, i), cs_model_tensor_data(b, i), count * sizeof(float)) != 0)
            return false;
    }
    return true;
}

typedef struct progress_log {
    cs_epoch_report r[16];
    int calls;
    int stop_after;   /* epoch after which to ask for a stop; 0: never */
} progress_log;

static int record_progress(const cs_epoch_report *r, void *payload)
{
    progress_log *log = payload;
    if (log->calls < 16)
        log->r[log->calls] = *r;
    log->calls++;
    return log->stop_after != 0 && r->epoch >= log->stop_after;
}

START_TEST(learns_synthetic_classes_and_reports_every_epoch)
{
    cs_dataset *train = synthetic(150, SIDE, 3, 1), *test = synthetic(60, SIDE, 3, 99);
    cs_model *m = model("lenet", SIDE, 3, 1.0, 7);
    double before = accuracy(m, test);
    progress_log log = { .calls = 0 };
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = 6;
    o.batch_size = 16;
    o.lr = 0.05;
    o.crop_padding = 2;
    o.progress = record_progress;
    o.payload = &log;
    cs_assert_ok(cs_model_train(m, train, &o));
    ck_assert_int_eq(log.calls, 6);
    cs__lr_schedule s = { CS__LR_COSINE, 0.05, 6, 0.0, 30, 0.1, 0, 0.1 };
    for (int e = 0; e < 6; e++) {
        ck_assert_int_eq(log.r[e].epoch, e + 1);
        ck_assert_int_eq(log.r[e].epochs, 6);
        ck_assert(log.r[e].lr == cs__lr_at(&s, e));
        ck_assert(log.r[e].accuracy >= 0.0 && log.r[e].accuracy <= 1.0);
        ck_assert(log.r[e].seconds >= 0.0);
        ck_assert(isfinite(log.r[e].loss));
    }
    ck_assert_msg(log.r[5].loss < 0.5 * log.r[0].loss, "loss %g -> %g", log.r[0].loss, log.r[5].loss);
    ck_assert_msg(log.r[5].loss < log.r[3].loss && log.r[3].loss < log.r[1].loss, "loss does not keep falling");
    double after = accuracy(m, test);
    ck_assert_msg(after > 0.8, "accuracy %g (before training %g, chance 0.33)", after, before);
    cs_model_destroy(m);
    cs_dataset_destroy(train);
    cs_dataset_destroy(test);
}
END_TEST

START_TEST(default_learning_rates_and_warmup)
{
    cs_dataset *train = synthetic(24, SIDE, 3, 2);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 1);
    progress_log log = { .calls = 0 };
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = 3;
    o.batch_size = 8;
    o.warmup_epochs = 1;
    o.schedule = CS_LR_STEP;
    o.step_size = 1;
    o.gamma = 0.5;
    o.progress = record_progress;
    o.payload = &log;
    cs_assert_ok(cs_model_train(m, train, &o));
    /* lenet's default is 0.01; warm-up starts at a tenth; StepLR counts from its end. */
    ck_assert_double_eq_tol(log.r[0].lr, 0.001, 1e-15);
    ck_assert_double_eq_tol(log.r[1].lr, 0.01, 1e-15);
    ck_assert_double_eq_tol(log.r[2].lr, 0.005, 1e-15);
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(callback_can_cancel_and_model_stays_usable)
{
    cs_dataset *train = synthetic(30, SIDE, 3, 3);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 2);
    progress_log log = { .calls = 0, .stop_after = 2 };
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = 5;
    o.batch_size = 10;
    o.progress = record_progress;
    o.payload = &log;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_CANCELLED, "after epoch 2 of 5");
    ck_assert_int_eq(log.calls, 2);
    ck_assert(weights_finite(m));
    accuracy(m, train);
    log.stop_after = 0;
    o.epochs = 1;
    cs_assert_ok(cs_model_train(m, train, &o));
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(same_seed_and_split_batches_give_identical_weights)
{
    /* Split batches (threads 2 and 3; batch 7 does not divide): reproducible run to run, the
     * model's own setting left as it was and used when the options name none. (Agreement with
     * one thread is checked step by step in test_model.) */
    cs_dataset *train = synthetic(40, SIDE, 3, 4);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = 2;
    o.batch_size = 7;
    o.seed = 11;
    static const char *const archs[] = { "custom", "resnet18" };
    for (int a = 0; a < 2; a++) {
        for (int threads = 2; threads <= 3; threads++) {
            cs_model *m1 = model(archs[a], SIDE, 3, 0.1, 5), *m2 = model(archs[a], SIDE, 3, 0.1, 5);
            const int own = cs_model_threads(m1);
            o.threads = threads;
            cs_assert_ok(cs_model_train(m1, train, &o));
            cs_assert_ok(cs_model_train(m2, train, &o));
            ck_assert_msg(same_weights(m1, m2), "%s, %d threads: two runs differ", archs[a], threads);
            /* The options' count is for that training only: the model keeps its own. */
            ck_assert_int_eq(cs_model_threads(m1), own);
            /* The model's own setting is used when the options name none. */
            cs_model *m3 = model(archs[a], SIDE, 3, 0.1, 5);
            cs_assert_ok(cs_model_set_threads(m3, threads));
            o.threads = 0;
            cs_assert_ok(cs_model_train(m3, train, &o));
            ck_assert(same_weights(m1, m3));
            ck_assert_int_eq(cs_model_threads(m3), threads);
            cs_model_destroy(m1);
            cs_model_destroy(m2);
            cs_model_destroy(m3);
        }
    }
    cs_dataset_destroy(train);
}
END_TEST

/* custom has dropout, so this also covers the dropout streams. */
START_TEST(same_seed_and_threads_give_identical_weights)
{
    cs_dataset *train = synthetic(40, SIDE, 3, 4);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = 2;
    o.batch_size = 8;
    o.threads = 1;
    o.seed = 11;
    cs_model *a = model("custom", SIDE, 3, 0.25, 5), *b = model("custom", SIDE, 3, 0.25, 5);
    cs_model *c = model("custom", SIDE, 3, 0.25, 5);
    cs_assert_ok(cs_model_train(a, train, &o));
    cs_assert_ok(cs_model_train(b, train, &o));
    ck_assert(same_weights(a, b));
    o.seed = 12;
    cs_assert_ok(cs_model_train(c, train, &o));
    ck_assert(!same_weights(a, c));
    cs_model_destroy(a);
    cs_model_destroy(b);
    cs_model_destroy(c);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(huge_learning_rate_diverges_with_finite_weights)
{
    cs_dataset *train = synthetic(60, SIDE, 3, 5);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 3);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.epochs = 3;
    o.batch_size = 10;
    o.lr = 1e30;
    o.weight_decay = 0.0;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_DIVERGED, "at epoch 1 of 3, batch");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "lower learning rate"));
    ck_assert(weights_finite(m));
    accuracy(m, train);
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(a_failure_before_any_step_keeps_the_old_normalisation)
{
    cs_dataset *a = synthetic(60, SIDE, 3, 5);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 3);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.batch_size = 10;
    cs_assert_ok(cs_model_train(m, a, &o));
    float mean = m->norm_mean[0], sd = m->norm_std[0];
    /* A NaN weight makes the very first loss NaN: nothing is applied, so the statistics of
     * the other (all-255) data set must not replace those the weights were trained with. */
    size_t bytes = 60 * SIDE * SIDE;
    uint8_t *px = malloc(bytes);
    int32_t lab[60];
    memset(px, 255, bytes);
    for (int i = 0; i < 60; i++)
        lab[i] = i % 3;
    cs_dataset *b = NULL;
    cs_assert_ok(cs_dataset_from_memory(&b, px, lab, 60, 1, SIDE, SIDE, 3));
    float *w = cs_model_tensor_data(m, 0), keep = w[0];
    w[0] = NAN;
    cs_assert_fails(cs_model_train(m, b, &o), CS_ERR_DIVERGED, "batch 1 of");
    w[0] = keep;
    ck_assert_float_eq(m->norm_mean[0], mean);
    ck_assert_float_eq(m->norm_std[0], sd);
    ck_assert(m->has_norm);
    free(px);
    cs_dataset_destroy(b);
    cs_model_destroy(m);
    cs_dataset_destroy(a);
}
END_TEST

static int stop_now(const cs_epoch_report *r, void *payload)
{
    (void)r;
    (void)payload;
    return 1;
}

/* The progress callback may not change the thread count under the running epoch. */
static int change_threads(const cs_epoch_report *r, void *payload)
{
    (void)r;
    cs_model *m = payload;
    int status = cs_model_set_threads(m, 2);
    ck_assert_int_eq(status, CS_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "progress callback"));
    return 0;
}

START_TEST(threads_cannot_change_during_training)
{
    cs_dataset *train = synthetic(20, SIDE, 3, 6);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 4);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.batch_size = 10;
    o.epochs = 2;
    o.progress = change_threads;
    o.payload = m;
    int before = openblas_get_num_threads();
    cs_assert_ok(cs_model_set_threads(m, 3));
    cs_assert_ok(cs_model_train(m, train, &o));
    ck_assert_int_eq(cs_model_threads(m), 3);
    ck_assert_int_eq(openblas_get_num_threads(), before);
    cs_assert_ok(cs_model_set_threads(m, 1)); /* allowed again afterwards */
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(threads_option_restores_blas_setting)
{
    /* Training runs every product on one BLAS thread and restores the setting it found, also
     * on error paths. */
    int original = openblas_get_num_threads();
    cs_dataset *train = synthetic(20, SIDE, 3, 6);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 4);
    openblas_set_num_threads(2);
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.batch_size = 10;
    o.threads = 2;
    cs_assert_ok(cs_model_train(m, train, &o));
    ck_assert_int_eq(openblas_get_num_threads(), 2);
    o.progress = stop_now; /* an error path restores it too */
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_CANCELLED, "callback");
    ck_assert_int_eq(openblas_get_num_threads(), 2);
    o.progress = NULL;
    o.lr = 1e30;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_DIVERGED, "lower learning rate");
    ck_assert_int_eq(openblas_get_num_threads(), 2);
    int32_t pred[20];
    cs_assert_ok(cs_model_set_threads(m, 3));
    cs_assert_ok(cs_model_predict(pred, m, train));
    ck_assert_int_eq(openblas_get_num_threads(), 2);
    openblas_set_num_threads(original);
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

/* resnet18 at 8x8 normalises 1x1 planes in layer4, where one record per batch is undefined. */
START_TEST(single_record_last_batch_is_merged_for_batchnorm)
{
    cs_dataset *train = synthetic(9, 8, 3, 7);
    cs_model *m = model("resnet18", 8, 3, 0.0625, 6);
    progress_log log = { .calls = 0 };
    cs_train_options o = CS_TRAIN_OPTIONS_INIT;
    o.batch_size = 4; /* 4 + 5, not 4 + 4 + 1 */
    o.progress = record_progress;
    o.payload = &log;
    cs_assert_ok(cs_model_train(m, train, &o));
    ck_assert(isfinite(log.r[0].loss));
    ck_assert(weights_finite(m)); /* running variances included */
    o.batch_size = 1;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_INVALID_ARGUMENT, "batches of at least 2");
    cs_dataset *one = synthetic(1, 8, 3, 8);
    o.batch_size = 4;
    cs_assert_fails(cs_model_train(m, one, &o), CS_ERR_INVALID_ARGUMENT, "BatchNorm");
    cs_dataset_destroy(one);
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(bad_options_are_refused)
{
    cs_dataset *train = synthetic(6, SIDE, 3, 9);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 0);
    cs_train_options o;
#define REFUSED(field, value, needle)                                                         \
    do {                                                                                      \
        cs_train_options d_ = CS_TRAIN_OPTIONS_INIT;                                          \
        o = d_;                                                                               \
        o.field = value;                                                                      \
        cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_INVALID_ARGUMENT, needle);       \
    } while (0)
    REFUSED(epochs, 0, "epochs");
    REFUSED(batch_size, -3, "batch_size");
    REFUSED(lr, -0.1, "lr");
    REFUSED(lr, NAN, "lr");
    REFUSED(lr, INFINITY, "lr");
    REFUSED(momentum, 1.0, "momentum");
    REFUSED(momentum, -0.5, "momentum");
    REFUSED(momentum, NAN, "momentum");
    REFUSED(weight_decay, -1e-4, "weight_decay");
    REFUSED(schedule, (cs_lr_schedule)7, "schedule");
    REFUSED(warmup_epochs, 2, "warmup_epochs");
    REFUSED(warmup_epochs, -1, "warmup_epochs");
    REFUSED(crop_padding, -1, "crop_padding");
    REFUSED(crop_padding, 49, "crop_padding");
    REFUSED(threads, -2, "threads");
    REFUSED(threads, 65, "threads");
    REFUSED(struct_size, 8, "struct_size");
#undef REFUSED
    cs_train_options d = CS_TRAIN_OPTIONS_INIT;
    o = d;
    o.nesterov = 1;
    o.momentum = 0.0;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_INVALID_ARGUMENT, "nesterov");
    o = d;
    o.schedule = CS_LR_STEP;
    o.step_size = 0;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_INVALID_ARGUMENT, "step_size");
    o.step_size = 1;
    o.gamma = 0.0;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_INVALID_ARGUMENT, "gamma");
    o = d;
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_model_train(m, train, &o), CS_ERR_UNSUPPORTED, "struct_size");
    cs_assert_fails(cs_model_train(NULL, train, NULL), CS_ERR_INVALID_ARGUMENT, "model");
    cs_assert_fails(cs_model_train(m, NULL, NULL), CS_ERR_INVALID_ARGUMENT, "train");
    /* Nesterov with momentum is accepted, as is NULL for the defaults. */
    o = d;
    o.nesterov = 1;
    cs_assert_ok(cs_model_train(m, train, &o));
    cs_assert_ok(cs_model_train(m, train, NULL));
    cs_model_destroy(m);
    cs_dataset_destroy(train);
}
END_TEST

START_TEST(mismatched_data_sets_are_refused)
{
    cs_model *m = model("lenet", SIDE, 3, 0.5, 0);
    cs_dataset *small = synthetic(6, 10, 3, 10), *four = synthetic(8, SIDE, 4, 11);
    cs_assert_fails(cs_model_train(m, small, NULL), CS_ERR_SIZE_MISMATCH, "1x10x10 and 3 classes, the lenet model "
                    "expects 1x12x12 and 3");
    cs_assert_fails(cs_model_train(m, four, NULL), CS_ERR_SIZE_MISMATCH, "1x12x12 and 4 classes");
    int32_t pred[8];
    cs_assert_fails(cs_model_predict(pred, m, small), CS_ERR_SIZE_MISMATCH, "1x10x10");
    cs_model_destroy(m);
    cs_dataset_destroy(small);
    cs_dataset_destroy(four);
}
END_TEST

START_TEST(predict_works_untrained_and_in_chunks)
{
    /* 300 records: several chunks and a partial one. */
    cs_dataset *ds = synthetic(300, SIDE, 3, 12);
    cs_model *m = model("lenet", SIDE, 3, 0.5, 9);
    int32_t *pred = malloc(300 * sizeof *pred);
    cs_assert_ok(cs_model_predict(pred, m, ds));
    /* Each record alone gives the same class as in its chunk (evaluation mode). */
    for (size_t i = 0; i < 300; i += 37) {
        size_t idx = i;
        cs_dataset *one = NULL;
        int32_t p;
        cs_assert_ok(cs_dataset_view(&one, ds, &idx, 1, NULL));
        cs_assert_ok(cs_model_predict(&p, m, one));
        ck_assert_int_eq(p, pred[i]);
        cs_dataset_destroy(one);
    }
    /* A data set naming fewer classes than the model is fine: only the shape must agree. */
    cs_dataset *two = synthetic(10, SIDE, 2, 13);
    cs_assert_ok(cs_model_predict(pred, m, two));
    cs_assert_fails(cs_model_predict(pred, NULL, ds), CS_ERR_INVALID_ARGUMENT, "model");
    cs_assert_fails(cs_model_predict(NULL, m, ds), CS_ERR_INVALID_ARGUMENT, "pred");
    cs_assert_fails(cs_model_predict(pred, m, NULL), CS_ERR_INVALID_ARGUMENT, "ds");
    free(pred);
    cs_model_destroy(m);
    cs_dataset_destroy(ds);
    cs_dataset_destroy(two);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("train");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, learns_synthetic_classes_and_reports_every_epoch);
    tcase_add_test(tc, default_learning_rates_and_warmup);
    tcase_add_test(tc, callback_can_cancel_and_model_stays_usable);
    tcase_add_test(tc, same_seed_and_threads_give_identical_weights);
    tcase_add_test(tc, same_seed_and_split_batches_give_identical_weights);
    tcase_add_test(tc, threads_cannot_change_during_training);
    tcase_add_test(tc, huge_learning_rate_diverges_with_finite_weights);
    tcase_add_test(tc, a_failure_before_any_step_keeps_the_old_normalisation);
    tcase_add_test(tc, threads_option_restores_blas_setting);
    tcase_add_test(tc, single_record_last_batch_is_merged_for_batchnorm);
    tcase_add_test(tc, bad_options_are_refused);
    tcase_add_test(tc, mismatched_data_sets_are_refused);
    tcase_add_test(tc, predict_works_untrained_and_in_chunks);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
