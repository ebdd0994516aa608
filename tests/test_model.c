/* The model handle: argument checks of every function, the named-tensor accessors, one
 * training step's pieces (forward, backward, SGD) and their state rules, determinism, and the
 * cross-check of every architecture against PyTorch golden fixtures.
 *
 * Fixtures: tests/fixtures/models/<arch>.bin, written by tests/reference/make_model_fixtures.py
 * (format in that script and in tests/fixtures/models/README.md). The directory is
 * $CS_TEST_FIXTURES/models when that variable is set (the root of the test fixtures, so that
 * an installed or relocated copy of the tests can be pointed at them), else "fixtures/models"
 * next to this source file, found through __FILE__ (CMake compiles sources by absolute path),
 * so that no build-system setting is needed. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT, setenv */

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "fixtures.h"
#include "models/model_internal.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* Deterministic inputs in [-1, 1), multiples of 1/128. */
static float *inputs(size_t count, uint32_t seed)
{
    float *x = malloc(count * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < count; i++)
        x[i] = (float)cs_test_byte(seed, i) / 128.0f - 1.0f;
    return x;
}

/* A small ResNet18 (channels 1, 3, 5, 10) on 3x8x8 with 3 classes: its layer4 planes are 1x1,
 * so a training batch of 1 gives its BatchNorms a single value per channel. */
enum { TC = 3, TH = 8, TW = 8, TK = 3 };
static cs_model *tiny(uint64_t seed)
{
    return cs_test_model("resnet18", TC, TH, TW, TK, 0.02, seed);
}

static size_t tensor_count(const cs_model *m, int i)
{
    int64_t d[4];
    int nd = cs_model_tensor_shape(d, 4, m, i);
    ck_assert_int_ge(nd, 1);
    size_t n = 1;
    for (int j = 0; j < nd; j++)
        n *= (size_t)d[j];
    return n;
}

/* Every tensor's data (parameters and running statistics) concatenated. */
static float *snapshot(cs_model *m, size_t *count)
{
    size_t total = 0;
    for (int i = 0; i < cs_model_num_tensors(m); i++)
        total += tensor_count(m, i);
    float *all = malloc(total * sizeof *all), *p = all;
    ck_assert_ptr_nonnull(all);
    for (int i = 0; i < cs_model_num_tensors(m); i++) {
        memcpy(p, cs_model_tensor_data(m, i), tensor_count(m, i) * sizeof *p);
        p += tensor_count(m, i);
    }
    *count = total;
    return all;
}

/* The parameter gradients concatenated (they are one block inside the model). */
static const float *all_grads(const cs_model *m)
{
    return cs_model_tensor_grad(m, 0);
}

/* One step on a fixed batch: zero_grad, training forward, backward, SGD. */
static float train_step(cs_model *m, const float *x, const int32_t *labels, int n, float lr)
{
    float *logits = malloc((size_t)n * TK * sizeof *logits), loss = NAN;
    cs_assert_ok(cs_model_zero_grad(m));
    cs_assert_ok(cs_model_forward(logits, m, x, n, 1));
    cs_assert_ok(cs_model_backward(&loss, m, labels, n));
    cs_assert_ok(cs_model_sgd_step(m, lr, 0.9f, 5e-4f));
    free(logits);
    return loss;
}

static const int32_t tiny_labels[6] = { 0, 2, 1, 1, 0, 2 };

/* ---- creation and accessors --------------------------------------------------------------- */

START_TEST(create_rejects_bad_input)
{
    cs_model *m = (cs_model *)&m;
    cs_assert_fails(cs_model_create(NULL, "lenet", 1, 28, 28, 10, NULL), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_model_create(&m, NULL, 1, 28, 28, 10, NULL), CS_ERR_INVALID_ARGUMENT, "NULL");
    ck_assert_ptr_null(m);
    cs_assert_fails(cs_model_create(&m, "vgg16", 1, 28, 28, 10, NULL), CS_ERR_NOT_FOUND,
                    "lenet, resnet18, unresnet18, googlenet, custom");
    cs_assert_fails(cs_model_create(&m, "lenet", 0, 28, 28, 10, NULL), CS_ERR_INVALID_ARGUMENT, "0x28x28");
    cs_assert_fails(cs_model_create(&m, "lenet", 1, 28, -1, 10, NULL), CS_ERR_INVALID_ARGUMENT, "1x28x-1");
    cs_assert_fails(cs_model_create(&m, "lenet", 1, 28, 28, 1, NULL), CS_ERR_INVALID_ARGUMENT, "1 classes");
    cs_assert_fails(cs_model_create(&m, "lenet", 1, 28, 28, 65537, NULL), CS_ERR_INVALID_ARGUMENT, "65537 classes");
    cs_model_options o = CS_MODEL_OPTIONS_INIT;
    const double widths[] = { 0.0, -1.0, NAN, INFINITY, 1e9 };
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        o.width = widths[i];
        cs_assert_fails(cs_model_create(&m, "custom", 3, 32, 32, 10, &o), CS_ERR_INVALID_ARGUMENT, "width");
    }
    o.width = 1.0;
    o.struct_size = sizeof o - 1;
    cs_assert_fails(cs_model_create(&m, "lenet", 1, 28, 28, 10, &o), CS_ERR_INVALID_ARGUMENT, "struct_size");
    o.struct_size = sizeof o + 8;
    cs_assert_fails(cs_model_create(&m, "lenet", 1, 28, 28, 10, &o), CS_ERR_UNSUPPORTED, "newer headers");
    /* LeNet pads a 4x4 input to 8x8, which conv2 cannot take after the first pooling. */
    cs_assert_fails(cs_model_create(&m, "lenet", 1, 4, 4, 10, NULL), CS_ERR_UNSUPPORTED, "conv2");
    cs_assert_fails(cs_model_create(&m, "custom", 3, 5, 5, 10, NULL), CS_ERR_UNSUPPORTED, "too small");
    ck_assert_ptr_null(m);
}
END_TEST

START_TEST(accessors_follow_the_state_dict)
{
    cs_model_options o = CS_MODEL_OPTIONS_INIT;
    o.width = 0.5;
    cs_model *m = NULL;
    cs_assert_ok(cs_model_create(&m, "lenet", 1, 28, 28, 10, &o));
    ck_assert_str_eq(cs_model_arch(m), "lenet");
    static const char *const names[] = { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                         "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias" };
    /* Width 0.5: conv 3 and 8 channels, fc 60 and 42; 28x28 is padded to 32x32, so fc1 sees
     * 8 x 5 x 5. */
    static const int64_t dims[10][4] = { { 3, 1, 5, 5 }, { 3 }, { 8, 3, 5, 5 }, { 8 }, { 60, 200 },
                                         { 60 }, { 42, 60 }, { 42 }, { 10, 42 }, { 10 } };
    static const int ndims[10] = { 4, 1, 4, 1, 2, 1, 2, 1, 2, 1 };
    ck_assert_int_eq(cs_model_num_tensors(m), 10);
    size_t params = 0, fan_in = 1;
    for (int i = 0; i < 10; i++) {
        ck_assert_str_eq(cs_model_tensor_name(m, i), names[i]);
        int64_t d[4] = { -1, -1, -1, -1 };
        ck_assert_int_eq(cs_model_tensor_shape(d, 4, m, i), ndims[i]);
        size_t count = 1;
        for (int j = 0; j < ndims[i]; j++) {
            ck_assert_int_eq(d[j], dims[i][j]);
            count *= (size_t)d[j];
        }
        params += count;
        ck_assert_ptr_nonnull(cs_model_tensor_grad(m, i));
        /* PyTorch's default rule: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for a weight and for the
         * bias that follows it. */
        if (i % 2 == 0)
            fan_in = count / (size_t)d[0];
        const float *data = cs_model_tensor_data(m, i);
        for (size_t j = 0; j < count; j++)
            ck_assert(fabs(data[j]) <= 1.0 / sqrt((double)fan_in));
    }
    ck_assert_uint_eq(cs_model_num_params(m), params);
    /* Fewer dims than the rank: the rank is returned and only max_dims are written. */
    int64_t d[2] = { -1, -1 };
    ck_assert_int_eq(cs_model_tensor_shape(d, 1, m, 0), 4);
    ck_assert_int_eq(d[0], 3);
    ck_assert_int_eq(d[1], -1);
    ck_assert_int_eq(cs_model_tensor_shape(NULL, 0, m, 0), 4);
    cs_model_destroy(m);

    /* Running statistics are tensors without gradients; BN starts at (1, 0, 0, 1). */
    m = tiny(0);
    ck_assert_str_eq(cs_model_tensor_name(m, 1), "bn1.weight");
    ck_assert_str_eq(cs_model_tensor_name(m, 4), "bn1.running_var");
    ck_assert_ptr_null(cs_model_tensor_grad(m, 3));
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "bn1.running_mean"));
    ck_assert_float_eq(cs_model_tensor_data(m, 1)[0], 1.0f);
    ck_assert_float_eq(cs_model_tensor_data(m, 2)[0], 0.0f);
    ck_assert_float_eq(cs_model_tensor_data(m, 3)[0], 0.0f);
    ck_assert_float_eq(cs_model_tensor_data(m, 4)[0], 1.0f);
    int last = cs_model_num_tensors(m) - 1;
    ck_assert_str_eq(cs_model_tensor_name(m, last), "linear.bias");
    ck_assert_str_eq(cs_model_tensor_name(m, 11), "layer1.0.bn2.weight");
    cs_model_destroy(m);
}
END_TEST

START_TEST(accessors_tolerate_null_and_out_of_range)
{
    cs_model *m = tiny(0);
    int n = cs_model_num_tensors(m);
    ck_assert_ptr_null(cs_model_arch(NULL));
    ck_assert_uint_eq(cs_model_num_params(NULL), 0);
    ck_assert_int_eq(cs_model_num_tensors(NULL), 0);
    ck_assert_ptr_null(cs_model_tensor_name(NULL, 0));
    ck_assert_ptr_null(cs_model_tensor_name(m, n));
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "outside [0, "));
    ck_assert_ptr_null(cs_model_tensor_name(m, -1));
    ck_assert_ptr_null(cs_model_tensor_data(NULL, 0));
    ck_assert_ptr_null(cs_model_tensor_data(m, n));
    ck_assert_ptr_null(cs_model_tensor_grad(NULL, 0));
    ck_assert_ptr_null(cs_model_tensor_grad(m, -5));
    int64_t d[4];
    cs_assert_fails(cs_model_tensor_shape(d, 4, NULL, 0), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_tensor_shape(d, 4, m, n), CS_ERR_OUT_OF_RANGE, "tensor index");
    cs_assert_fails(cs_model_tensor_shape(NULL, 4, m, 0), CS_ERR_INVALID_ARGUMENT, "dims is NULL");
    cs_assert_fails(cs_model_tensor_shape(d, -1, m, 0), CS_ERR_INVALID_ARGUMENT, "max_dims is negative");
    cs_assert_fails(cs_model_zero_grad(NULL), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_model_destroy(NULL);
    cs_model_destroy(m);
}
END_TEST

/* ---- one step ----------------------------------------------------------------------------- */

START_TEST(call_getters_check_their_arguments)
{
    cs_model_options mo = CS_MODEL_OPTIONS_INIT;
    mo.width = 0.25;
    cs_model *m = NULL;
    cs_assert_ok(cs_model_create(&m, "lenet", 3, 32, 28, 10, &mo));
    ck_assert_int_eq(cs_model_num_classes(m), 10);
    int c = -1, h = -1, w = -1;
    cs_assert_ok(cs_model_input_shape(&c, &h, &w, m));
    ck_assert_int_eq(c, 3);
    ck_assert_int_eq(h, 32);
    ck_assert_int_eq(w, 28);
    cs_assert_ok(cs_model_input_shape(NULL, &h, NULL, m));
    double width = 0.0;
    cs_assert_ok(cs_model_width(&width, m));
    ck_assert_double_eq(width, 0.25);
    float mean[3], std[3];
    ck_assert_int_eq(cs_model_normalization(mean, std, 3, m), 0); /* never trained */

    cs_assert_fails(cs_model_num_classes(NULL), CS_ERR_INVALID_ARGUMENT, "cs_model_num_classes: model is NULL");
    c = 7;
    cs_assert_fails(cs_model_input_shape(&c, &h, &w, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_model_input_shape: model is NULL");
    ck_assert_int_eq(c, 7);
    cs_assert_fails(cs_model_width(NULL, m), CS_ERR_INVALID_ARGUMENT, "cs_model_width: width is NULL");
    cs_assert_fails(cs_model_width(&width, NULL), CS_ERR_INVALID_ARGUMENT, "cs_model_width: model is NULL");
    cs_assert_fails(cs_model_normalization(mean, std, 3, NULL), CS_ERR_INVALID_ARGUMENT,
                    "cs_model_normalization: model is NULL");
    cs_assert_fails(cs_model_normalization(mean, std, 1, m), CS_ERR_SIZE_MISMATCH,
                    "cs_model_normalization: c is 1; the model has 3 input channels");
    cs_model_destroy(m);
}
END_TEST

/* Every options struct's _init function gives exactly its _INIT macro (bindings use the
 * functions). The macro's copy is a static object, whose padding is zero, like the one the
 * functions copy; the function's side starts as garbage, so every byte must be written. */
#define ASSERT_INIT_MATCHES(type, MACRO, init)                                                   \
    do {                                                                                         \
        type by_macro_, by_function_;                                                            \
        memset(&by_macro_, 0, sizeof by_macro_);                                                 \
        memset(&by_function_, 0xA5, sizeof by_function_); /* the function must write it all */  \
        static const type macro_ = MACRO;                                                        \
        memcpy(&by_macro_, &macro_, sizeof by_macro_);                                           \
        cs_assert_ok(init(&by_function_));                                                       \
        ck_assert_msg(memcmp(&by_macro_, &by_function_, sizeof by_macro_) == 0,                  \
                      #init " differs from " #MACRO);                                            \
        cs_assert_fails(init(NULL), CS_ERR_INVALID_ARGUMENT, #init ": opts is NULL");             \
    } while (0)

START_TEST(options_init_functions_match_the_macros)
{
    ASSERT_INIT_MATCHES(cs_model_options, CS_MODEL_OPTIONS_INIT, cs_model_options_init);
    ASSERT_INIT_MATCHES(cs_train_options, CS_TRAIN_OPTIONS_INIT, cs_train_options_init);
    ASSERT_INIT_MATCHES(cs_batch_options, CS_BATCH_OPTIONS_INIT, cs_batch_options_init);
    ASSERT_INIT_MATCHES(cs_average_options, CS_AVERAGE_OPTIONS_INIT, cs_average_options_init);
    ASSERT_INIT_MATCHES(cs_report_options, CS_REPORT_OPTIONS_INIT, cs_report_options_init);
    ASSERT_INIT_MATCHES(cs_study_options, CS_STUDY_OPTIONS_INIT, cs_study_options_init);
    /* Field by field as well, for the struct whose defaults matter most to a binding. */
    cs_train_options t;
    cs_assert_ok(cs_train_options_init(&t));
    ck_assert_uint_eq(t.struct_size, sizeof t);
    ck_assert_int_eq(t.epochs, 1);
    ck_assert_int_eq(t.batch_size, 64);
    ck_assert_double_eq(t.momentum, 0.9);
    ck_assert_int_eq(t.schedule, CS_LR_COSINE);
    ck_assert(t.progress == NULL && t.payload == NULL);
}
END_TEST

START_TEST(forward_rejects_bad_input)
{
    cs_model *m = tiny(0);
    float *x = inputs(2 * TC * TH * TW, 1), logits[2 * TK];
    cs_assert_fails(cs_model_forward(logits, NULL, x, 2, 0), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_forward(NULL, m, x, 2, 0), CS_ERR_INVALID_ARGUMENT, "logits is NULL");
    cs_assert_fails(cs_model_forward(logits, m, NULL, 2, 0), CS_ERR_INVALID_ARGUMENT, "x is NULL");
    cs_assert_fails(cs_model_forward(logits, m, x, 0, 0), CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_model_forward(logits, m, x, -3, 1), CS_ERR_INVALID_ARGUMENT, "n is -3");
    /* layer4.0.bn1 normalises a 1x1 plane: one value per channel in a batch of 1. */
    cs_assert_fails(cs_model_forward(logits, m, x, 1, 1), CS_ERR_INVALID_ARGUMENT,
                    "layer4.0.bn1 gets a 1x1 plane");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "Expected more than 1 value per channel when training"));
    /* The model is still usable: evaluation with 1 sample, training with 2. */
    cs_assert_ok(cs_model_forward(logits, m, x, 1, 0));
    cs_assert_ok(cs_model_forward(logits, m, x, 2, 1));
    for (int i = 0; i < 2 * TK; i++)
        ck_assert(isfinite(logits[i]));
    cs_model_destroy(m);

    /* Without BatchNorm a training batch of 1 is fine. */
    m = cs_test_model("lenet", 1, 28, 28, 10, 0.25, 0);
    float *y = inputs(28 * 28, 2), out[10];
    cs_assert_ok(cs_model_forward(out, m, y, 1, 1));
    cs_model_destroy(m);
    free(x);
    free(y);
}
END_TEST

START_TEST(backward_needs_a_matching_training_forward)
{
    cs_model *m = tiny(0);
    float *x = inputs(6 * TC * TH * TW, 1), logits[6 * TK], loss = -1.0f;
    int32_t labels[4] = { 0, 1, 2, 1 };
    cs_assert_fails(cs_model_backward(&loss, NULL, labels, 4), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_backward(&loss, m, NULL, 4), CS_ERR_INVALID_ARGUMENT, "labels is NULL");
    cs_assert_fails(cs_model_backward(&loss, m, labels, 0), CS_ERR_INVALID_ARGUMENT, "n is 0");
    cs_assert_fails(cs_model_backward(&loss, m, labels, 4), CS_ERR_STATE, "no training-mode forward");
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_fails(cs_model_backward(&loss, m, labels, 3), CS_ERR_STATE, "last training forward had 4 samples");
    labels[2] = 3;
    cs_assert_fails(cs_model_backward(&loss, m, labels, 4), CS_ERR_OUT_OF_RANGE, "labels[2] is 3, outside [0, 3)");
    labels[2] = -1;
    cs_assert_fails(cs_model_backward(&loss, m, labels, 4), CS_ERR_OUT_OF_RANGE, "labels[2] is -1");
    ck_assert_float_eq(loss, -1.0f);
    labels[2] = 2;
    cs_assert_ok(cs_model_backward(&loss, m, labels, 4));
    ck_assert(loss > 0.0f && isfinite(loss));
    /* A backward consumes its forward. */
    cs_assert_fails(cs_model_backward(NULL, m, labels, 4), CS_ERR_STATE, "a backward already consumed it");
    /* A refused forward leaves a pending backward intact (it ran nothing)... */
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_fails(cs_model_forward(logits, m, x, 1, 1), CS_ERR_INVALID_ARGUMENT, "1 value per channel");
    cs_assert_ok(cs_model_backward(&loss, m, labels, 4));
    /* ...while an evaluation forward and an SGD step end it. */
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 0));
    cs_assert_fails(cs_model_backward(&loss, m, labels, 4), CS_ERR_STATE, "no training-mode forward");
    cs_assert_ok(cs_model_forward(logits, m, x, 6, 1));
    cs_assert_fails(cs_model_backward(&loss, m, labels, 4), CS_ERR_STATE, "last training forward had 6 samples");
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_sgd_step(m, 0.1f, 0.9f, 0.0f));
    cs_assert_fails(cs_model_backward(&loss, m, labels, 4), CS_ERR_STATE, "no training-mode forward");
    free(x);
    cs_model_destroy(m);
}
END_TEST

/* A NaN or infinite loss is reported and leaves every gradient as it was; the model recovers
 * once the weights are finite again. */
START_TEST(backward_reports_divergence_without_touching_gradients)
{
    cs_model *m = tiny(0);
    float *x = inputs(4 * TC * TH * TW, 1), logits[4 * TK], loss;
    int n_params = (int)cs_model_num_params(m), last = cs_model_num_tensors(m) - 1;
    float *bias = cs_model_tensor_data(m, last); /* linear.bias */
    ck_assert_str_eq(cs_model_tensor_name(m, last), "linear.bias");
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_backward(&loss, m, tiny_labels, 4));
    float *before = malloc((size_t)n_params * sizeof *before);
    memcpy(before, all_grads(m), (size_t)n_params * sizeof *before);

    float saved = bias[1];
    bias[1] = NAN;
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_fails(cs_model_backward(&loss, m, tiny_labels, 4), CS_ERR_DIVERGED, "loss of the batch of 4 is NaN");
    ck_assert_mem_eq(all_grads(m), before, (size_t)n_params * sizeof *before);
    /* A label's logit at -inf gives an infinite loss (labels 0, 2, 1, 1: samples 2 and 3 have label 1). */
    bias[1] = -INFINITY;
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_fails(cs_model_backward(&loss, m, tiny_labels, 4), CS_ERR_DIVERGED, "is infinite");
    ck_assert_mem_eq(all_grads(m), before, (size_t)n_params * sizeof *before);

    bias[1] = saved;
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_backward(&loss, m, tiny_labels, 4));
    ck_assert(isfinite(loss));
    free(before);
    free(x);
    cs_model_destroy(m);
}
END_TEST

START_TEST(sgd_step_rejects_bad_input)
{
    cs_model *m = tiny(0);
    cs_assert_fails(cs_model_sgd_step(NULL, 0.1f, 0.9f, 0.0f), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_sgd_step(m, -0.1f, 0.9f, 0.0f), CS_ERR_INVALID_ARGUMENT, "lr is -0.1");
    cs_assert_fails(cs_model_sgd_step(m, NAN, 0.9f, 0.0f), CS_ERR_INVALID_ARGUMENT, "lr is nan");
    cs_assert_fails(cs_model_sgd_step(m, INFINITY, 0.9f, 0.0f), CS_ERR_INVALID_ARGUMENT, "lr is inf");
    cs_assert_fails(cs_model_sgd_step(m, 0.1f, 1.0f, 0.0f), CS_ERR_INVALID_ARGUMENT, "momentum is 1");
    cs_assert_fails(cs_model_sgd_step(m, 0.1f, -0.5f, 0.0f), CS_ERR_INVALID_ARGUMENT, "momentum is -0.5");
    cs_assert_fails(cs_model_sgd_step(m, 0.1f, NAN, 0.0f), CS_ERR_INVALID_ARGUMENT, "momentum is nan");
    cs_assert_fails(cs_model_sgd_step(m, 0.1f, 0.9f, -1.0f), CS_ERR_INVALID_ARGUMENT, "weight_decay is -1");
    cs_assert_fails(cs_model_sgd_step(m, 0.1f, 0.9f, NAN), CS_ERR_INVALID_ARGUMENT, "weight_decay is nan");
    cs_model_destroy(m);
}
END_TEST

/* torch.optim.SGD: d = g + wd p; buf = d at the first step, then momentum buf + d; p -= lr buf. */
START_TEST(sgd_step_follows_pytorch)
{
    cs_model *m = tiny(0);
    float *x = inputs(4 * TC * TH * TW, 3), logits[4 * TK];
    const size_t n = cs_model_num_params(m);
    float *p0 = malloc(n * sizeof *p0), *g0 = malloc(n * sizeof *g0), *buf = malloc(n * sizeof *buf);
    float *params = cs_model_tensor_data(m, 0); /* the parameters are one block */
    const float lr = 0.05f, mom = 0.9f, wd = 0.01f;
    for (int step = 0; step < 2; step++) {
        cs_assert_ok(cs_model_zero_grad(m));
        cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
        cs_assert_ok(cs_model_backward(NULL, m, tiny_labels, 4));
        memcpy(p0, params, n * sizeof *p0);
        memcpy(g0, all_grads(m), n * sizeof *g0);
        cs_assert_ok(cs_model_sgd_step(m, lr, mom, wd));
        for (size_t i = 0; i < n; i++) {
            double d = (double)g0[i] + (double)wd * p0[i];
            buf[i] = (float)(step == 0 ? d : (double)mom * buf[i] + d);
            double want = (double)p0[i] - (double)lr * buf[i];
            /* The kernel rounds d and buf to float (with fused multiply-adds); this is double. */
            double tol = 2e-6 * (fabs(p0[i]) + (double)lr * fabs(buf[i])) + 1e-12;
            ck_assert_msg(fabs(params[i] - want) <= tol, "step %d param %zu: %.9g vs %.9g", step, i,
                          (double)params[i], want);
        }
        /* The step keeps the gradients (zero_grad clears them). */
        ck_assert_mem_eq(all_grads(m), g0, n * sizeof *g0);
    }
    cs_assert_ok(cs_model_zero_grad(m));
    for (size_t i = 0; i < n; i++)
        ck_assert_float_eq(all_grads(m)[i], 0.0f);
    free(p0);
    free(g0);
    free(buf);
    free(x);
    cs_model_destroy(m);
}
END_TEST

START_TEST(backward_consumes_its_forward_and_gradients_accumulate)
{
    cs_model *m = tiny(1);
    float *x = inputs(4 * TC * TH * TW, 4), logits[4 * TK], l1, l2;
    const size_t n = cs_model_num_params(m);
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_backward(&l1, m, tiny_labels, 4));
    float *once = malloc(n * sizeof *once);
    memcpy(once, all_grads(m), n * sizeof *once);
    /* The forward's activations are gone: a second backward is refused and changes nothing. */
    ck_assert_int_eq(cs_model_backward(&l2, m, tiny_labels, 4), CS_ERR_STATE);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "a backward already consumed it"));
    ck_assert_mem_eq(all_grads(m), once, n * sizeof *once);
    /* A new forward of the same batch gives the same loss, and its gradient adds up. */
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_backward(&l2, m, tiny_labels, 4));
    ck_assert_float_eq(l1, l2);
    double scale = 0.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(once[i]));
    ck_assert(scale > 0.0);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs(all_grads(m)[i] - 2.0 * once[i]) <= 1e-6 * scale, "gradient %zu: %g vs 2 x %g", i,
                      (double)all_grads(m)[i], (double)once[i]);
    free(once);
    free(x);
    cs_model_destroy(m);
}
END_TEST

START_TEST(training_forward_updates_running_statistics_and_evaluation_does_not)
{
    cs_model *m = tiny(0);
    float *x = inputs(4 * TC * TH * TW, 5), logits[4 * TK];
    float *mean = cs_model_tensor_data(m, 3), *var = cs_model_tensor_data(m, 4);
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 0));
    ck_assert_float_eq(mean[0], 0.0f);
    ck_assert_float_eq(var[0], 1.0f);
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    ck_assert_float_ne(mean[0], 0.0f);
    ck_assert_float_ne(var[0], 1.0f);
    free(x);
    cs_model_destroy(m);
}
END_TEST

START_TEST(a_few_steps_fit_a_fixed_batch)
{
    cs_model *m = tiny(2);
    float *x = inputs(6 * TC * TH * TW, 6);
    float first = train_step(m, x, tiny_labels, 6, 0.05f), last = first;
    for (int s = 0; s < 15; s++)
        last = train_step(m, x, tiny_labels, 6, 0.05f);
    ck_assert_msg(last < 0.5f * first, "loss %g -> %g", (double)first, (double)last);
    free(x);
    cs_model_destroy(m);
}
END_TEST

/* ---- determinism -------------------------------------------------------------------------- */

START_TEST(same_seed_gives_identical_models_and_training)
{
    for (int a = 0; a < cs_model_arch_count(); a++) {
        const char *arch = cs_model_arch_name(a);
        cs_model *m1 = cs_test_model(arch, 3, 16, 16, 10, 0.05, 42), *m2 = cs_test_model(arch, 3, 16, 16, 10, 0.05, 42);
        cs_model *m3 = cs_test_model(arch, 3, 16, 16, 10, 0.05, 43);
        size_t n1, n2, n3;
        float *s1 = snapshot(m1, &n1), *s2 = snapshot(m2, &n2), *s3 = snapshot(m3, &n3);
        ck_assert_uint_eq(n1, n2);
        ck_assert_mem_eq(s1, s2, n1 * sizeof *s1);
        ck_assert_msg(memcmp(s1, s3, n1 * sizeof *s1) != 0, "%s: seeds 42 and 43 give the same weights", arch);
        free(s1);
        free(s2);
        free(s3);
        cs_model_destroy(m3);
        cs_model_destroy(m2);
        cs_model_destroy(m1);
    }
    /* Training with dropout active (custom): the masks come from the model's seed too. */
    cs_model *m1 = cs_test_model("custom", TC, 12, 12, TK, 0.25, 7), *m2 = cs_test_model("custom", TC, 12, 12, TK, 0.25, 7);
    float *x = inputs(6 * TC * 12 * 12, 7);
    for (int s = 0; s < 3; s++)
        ck_assert_float_eq(train_step(m1, x, tiny_labels, 6, 0.05f), train_step(m2, x, tiny_labels, 6, 0.05f));
    size_t n1, n2;
    float *s1 = snapshot(m1, &n1), *s2 = snapshot(m2, &n2);
    ck_assert_mem_eq(s1, s2, n1 * sizeof *s1);
    free(s1);
    free(s2);
    /* Each training forward draws fresh masks: the same weights and batch give other logits. */
    float a[6 * TK], b[6 * TK];
    cs_assert_ok(cs_model_forward(a, m1, x, 6, 1));
    cs_assert_ok(cs_model_forward(b, m1, x, 6, 1));
    ck_assert(memcmp(a, b, sizeof a) != 0);
    cs_assert_ok(cs_model_forward(a, m1, x, 6, 0));
    cs_assert_ok(cs_model_forward(b, m1, x, 6, 0));
    ck_assert_mem_eq(a, b, sizeof a);
    free(x);
    cs_model_destroy(m2);
    cs_model_destroy(m1);
}
END_TEST

/* ---- the PyTorch cross-check -------------------------------------------------------------- */

typedef struct fx_tensor {
    char name[CS__NET_NAME_MAX];
    int trainable, ndim;
    int64_t dims[4];
    size_t count;
} fx_tensor;

typedef struct fixture {
    char arch[CS__MODEL_ARCH_MAX];
    int c, h, w, k, n, steps, n_tensors;
    double width;
    float lr, momentum, weight_decay;
    fx_tensor *tensors;
    size_t n_values, n_params;     /* floats of all tensors, of the trainable ones */
    float *x, *logits, *losses, *initial, *grads, *final, *eval_logits;
    int32_t *labels;
} fixture;

typedef struct cursor {
    const uint8_t *p;
    size_t left, at;
    const char *path;
} cursor;

static const uint8_t *take(cursor *c, size_t n)
{
    ck_assert_msg(n <= c->left, "%s: truncated at byte %zu (need %zu more)", c->path, c->at, n);
    const uint8_t *p = c->p;
    c->p += n;
    c->left -= n;
    c->at += n;
    return p;
}

static uint32_t u32(cursor *c)
{
    const uint8_t *b = take(c, 4);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Little-endian float32 (and int32) arrays, decoded bytewise so that the host's byte order
 * and the file's alignment do not matter. */
static float *floats(cursor *c, size_t n)
{
    float *v = malloc((n ? n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) {
        uint32_t bits = u32(c);
        memcpy(&v[i], &bits, sizeof bits);
    }
    return v;
}

static int32_t *ints(cursor *c, size_t n)
{
    int32_t *v = malloc((n ? n : 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (int32_t)u32(c);
    return v;
}

static char *fixture_dir(void)
{
    const char *root = getenv("CS_TEST_FIXTURES");
    if (root && *root)
        return cs_test_path(root, "models");
    const char *file = __FILE__, *slash = strrchr(file, '/');
    size_t dir = slash ? (size_t)(slash - file) + 1 : 0;
    char *path = malloc(dir + sizeof "fixtures/models");
    ck_assert_ptr_nonnull(path);
    memcpy(path, file, dir);
    memcpy(path + dir, "fixtures/models", sizeof "fixtures/models");
    return path;
}

static void load_fixture(fixture *f, const char *arch)
{
    memset(f, 0, sizeof *f);
    char *dir = fixture_dir(), name[64];
    snprintf(name, sizeof name, "%s.bin", arch);
    char *path = cs_test_path(dir, name);
    FILE *probe = fopen(path, "rb");
    ck_assert_msg(probe != NULL, "fixture %s is missing: regenerate it with tests/reference/make_model_fixtures.py "
                  "or point CS_TEST_FIXTURES at the fixtures directory", path);
    fclose(probe);
    size_t len;
    uint8_t *file = cs_test_read(path, &len);
    cursor c = { file, len, 0, path };
    ck_assert_msg(memcmp(take(&c, 8), "CSMODFX1", 8) == 0, "%s: not a model fixture", path);
    f->c = (int)u32(&c);
    f->h = (int)u32(&c);
    f->w = (int)u32(&c);
    f->k = (int)u32(&c);
    f->n = (int)u32(&c);
    f->steps = (int)u32(&c);
    f->n_tensors = (int)u32(&c);
    uint64_t wbits = u32(&c);
    wbits |= (uint64_t)u32(&c) << 32;
    memcpy(&f->width, &wbits, sizeof wbits);
    float *hyper = floats(&c, 3);
    f->lr = hyper[0];
    f->momentum = hyper[1];
    f->weight_decay = hyper[2];
    free(hyper);
    uint32_t alen = u32(&c);
    ck_assert_uint_lt(alen, sizeof f->arch);
    memcpy(f->arch, take(&c, alen), alen);
    ck_assert_str_eq(f->arch, arch);
    f->tensors = calloc((size_t)f->n_tensors, sizeof *f->tensors);
    ck_assert_ptr_nonnull(f->tensors);
    for (int i = 0; i < f->n_tensors; i++) {
        fx_tensor *t = &f->tensors[i];
        uint32_t nlen = u32(&c);
        ck_assert_uint_lt(nlen, sizeof t->name);
        memcpy(t->name, take(&c, nlen), nlen);
        t->trainable = (int)u32(&c);
        t->ndim = (int)u32(&c);
        ck_assert_int_le(t->ndim, 4);
        t->count = 1;
        for (int d = 0; d < t->ndim; d++) {
            t->dims[d] = u32(&c);
            t->count *= (size_t)t->dims[d];
        }
        f->n_values += t->count;
        f->n_params += t->trainable ? t->count : 0;
    }
    const size_t nk = (size_t)f->n * (size_t)f->k;
    f->x = floats(&c, (size_t)f->n * (size_t)(f->c * f->h * f->w));
    f->labels = ints(&c, (size_t)f->n);
    f->logits = floats(&c, nk);
    f->losses = floats(&c, (size_t)f->steps);
    f->initial = floats(&c, f->n_values);
    f->grads = floats(&c, f->n_params);
    f->final = floats(&c, f->n_values);
    f->eval_logits = floats(&c, nk);
    ck_assert_msg(c.left == 0, "%s: %zu bytes after the last array", path, c.left);
    free(file);
    free(path);
    free(dir);
}

static void free_fixture(fixture *f)
{
    free(f->tensors);
    free(f->x);
    free(f->labels);
    free(f->logits);
    free(f->losses);
    free(f->initial);
    free(f->grads);
    free(f->final);
    free(f->eval_logits);
}

/* Tolerances of the cross-check, per architecture. Both sides are float32 with different
 * summation orders (im2col + OpenBLAS against oneDNN/MKL-free ATen kernels), so agreement is
 * at the level of float32 rounding amplified by depth: every element must satisfy
 * |c - torch| <= rel |torch| + abs * scale, where scale is the largest |torch| value of the
 * group (logits, all gradients, all tensors). The absolute term matters for elements that are
 * rounding noise on both sides, such as the gradient of a conv bias that feeds a BatchNorm
 * (exactly 0 in exact arithmetic). The make_model_fixtures.py output shows PyTorch's own
 * float32-vs-float64 differences for comparison; the values below leave about 10x headroom
 * over what this implementation achieves (printed with CS_TEST_VERBOSE=1). */
typedef struct tolerance {
    const char *arch;
    double logit_rel, logit_abs, grad_rel, grad_abs, final_rel, final_abs;
} tolerance;

static const tolerance tolerances[] = {
    { "lenet", 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6 },
    { "resnet18", 1e-5, 1e-5, 1e-5, 1e-5, 3e-5, 3e-5 },
    { "unresnet18", 1e-5, 1e-5, 2e-5, 2e-5, 1e-4, 1e-4 },
    { "googlenet", 2e-5, 2e-5, 1e-4, 1e-4, 1e-4, 1e-4 },
    { "custom", 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6 },
    { "vgg11", 1e-5, 1e-5, 1e-5, 1e-5, 1e-5, 1e-5 },
    { "mobilenetv2", 5e-5, 5e-5, 5e-5, 5e-5, 3e-5, 3e-5 },
};

/* The tolerances of an architecture; a new one without a row fails here, as without a
 * fixture. */
static const tolerance *tolerance_of(const char *arch)
{
    for (size_t i = 0; i < sizeof tolerances / sizeof tolerances[0]; i++)
        if (strcmp(tolerances[i].arch, arch) == 0)
            return &tolerances[i];
    ck_abort_msg("%s has no tolerances in test_model.c", arch);
    return NULL;
}

/* The tensor that element i of a concatenation (of every tensor, or of the parameters only)
 * belongs to, and the element's offset in it. */
static const char *locate(const fixture *f, bool params_only, size_t i, size_t *offset)
{
    for (int t = 0; t < f->n_tensors; t++) {
        if (params_only && !f->tensors[t].trainable)
            continue;
        if (i < f->tensors[t].count) {
            *offset = i;
            return f->tensors[t].name;
        }
        i -= f->tensors[t].count;
    }
    *offset = i;
    return "(past the last tensor)";
}

/* Every element within rel |want| + abs max|want|; f (when not NULL) names the tensors. */
static void compare(const char *arch, const char *what, const float *got, const float *want, size_t n, double rel,
                    double abs, const fixture *f, bool params_only)
{
    double scale = 0.0, worst_abs = 0.0, worst_ratio = 0.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - (double)want[i]);
        double tol = rel * fabs(want[i]) + abs * scale;
        worst_abs = fmax(worst_abs, err);
        worst_ratio = fmax(worst_ratio, err / tol);
        if (!(err <= tol)) {
            size_t at = i;
            const char *name = f ? locate(f, params_only, i, &at) : what;
            ck_abort_msg("%s %s: %s[%zu] is %.9g, PyTorch %.9g (difference %.3g, tolerance %.3g)", arch, what, name,
                         at, (double)got[i], (double)want[i], err, tol);
        }
    }
    if (getenv("CS_TEST_VERBOSE"))
        fprintf(stderr, "%-10s %-13s max |diff| %.3g (largest value %.3g), worst diff/tolerance %.3g\n", arch, what,
                worst_abs, scale, worst_ratio);
}

/* Every architecture of the registry has a fixture. */
#define N_FIXTURE_ARCHS cs_model_arch_count()

/* ---- data parallelism ------------------------------------------------------------------------ */

/* The CPUs this process may run on, as the library counts them for the default. */
static int affinity_cpus(void)
{
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    return n < 1 ? 1 : n > 64 ? 64 : n;
}

/* Fast by default: a model nobody configured splits its batches among the CPUs it may use;
 * CLASSSENS_NUM_THREADS replaces that count, and a bad value is refused by name. (Check runs
 * every test in its own process, so the environment changes stay here.) */
START_TEST(default_threads_are_the_cpus_or_the_environment)
{
    unsetenv("CLASSSENS_NUM_THREADS");
    cs_model *m = tiny(1);
    ck_assert_int_eq(cs_model_threads(m), affinity_cpus());
    cs_model_destroy(m);
    static const struct {
        const char *value;
        int threads;
    } ok[] = { { "3", 3 }, { "0", 0 }, { "1", 1 }, { "64", 64 }, { "", -1 } };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        setenv("CLASSSENS_NUM_THREADS", ok[i].value, 1);
        m = tiny(1);
        ck_assert_int_eq(cs_model_threads(m), ok[i].threads < 0 ? affinity_cpus() : ok[i].threads);
        cs_model_destroy(m);
    }
    static const char *const bad[] = { "65", "-1", "two", "2x", "1e3" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("CLASSSENS_NUM_THREADS", bad[i], 1);
        m = (cs_model *)&m;
        cs_assert_fails(cs_model_create(&m, "lenet", 1, 12, 12, 3, NULL), CS_ERR_INVALID_ARGUMENT,
                        "CLASSSENS_NUM_THREADS is");
        ck_assert_ptr_null(m);
    }
    unsetenv("CLASSSENS_NUM_THREADS");
    /* The default is a count like any other: set to 0 it is the single-thread mode. */
    m = tiny(1);
    cs_assert_ok(cs_model_set_threads(m, 0));
    ck_assert_int_eq(cs_model_threads(m), 0);
    cs_model_destroy(m);
}
END_TEST

START_TEST(set_threads_checks_its_arguments)
{
    cs_model *m = tiny(1);
    cs_assert_ok(cs_model_set_threads(m, 0));
    ck_assert_int_eq(cs_model_threads(m), 0);
    ck_assert_int_eq(cs_model_threads(NULL), -1);
    cs_assert_fails(cs_model_set_threads(NULL, 2), CS_ERR_INVALID_ARGUMENT, "model is NULL");
    cs_assert_fails(cs_model_set_threads(m, -1), CS_ERR_INVALID_ARGUMENT, "threads is -1");
    cs_assert_fails(cs_model_set_threads(m, 65), CS_ERR_INVALID_ARGUMENT, "0 .. 64");
    ck_assert_int_eq(cs_model_threads(m), 0);
    cs_assert_ok(cs_model_set_threads(m, 3));
    ck_assert_int_eq(cs_model_threads(m), 3);
    /* Another count frees the activations: a pending backward is refused, not run on stale
     * buffers; the same count keeps them. */
    float *x = inputs(4 * TC * TH * TW, 1), logits[4 * TK];
    cs_assert_ok(cs_model_forward(logits, m, x, 4, 1));
    cs_assert_ok(cs_model_set_threads(m, 3));
    cs_assert_ok(cs_model_backward(NULL, m, tiny_labels, 4));
    cs_assert_ok(cs_model_set_threads(m, 2));
    cs_assert_fails(cs_model_backward(NULL, m, tiny_labels, 4), CS_ERR_STATE, "no training-mode forward");
    cs_assert_ok(cs_model_set_threads(m, 0));
    ck_assert_int_eq(cs_model_threads(m), 0);
    free(x);
    cs_model_destroy(m);
}
END_TEST

/* The largest |a - b| relative to the largest |a| (the scale of the values compared). */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double diff = 0.0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)a[i] - (double)b[i]));
        scale = fmax(scale, fabs((double)a[i]));
    }
    return diff / scale;
}

/* One training step and one evaluation of the same weights and batch with the batch on one
 * thread and split among several, including more threads than samples (members without rows
 * still meet the others in every BatchNorm): the same logits, loss, gradients and running
 * statistics but for rounding; and a split run repeated is bit-identical. */
START_TEST(split_batches_agree_with_one_thread)
{
    static const struct { int n, threads; } cases[] = { { 6, 2 }, { 5, 3 }, { 2, 4 } };
    enum { C = 3, S = 16, K = 10 };
    const int32_t labels[6] = { 3, 1, 4, 1, 5, 9 };
    for (int a = 0; a < cs_model_arch_count(); a++) {
        const char *arch = cs_model_arch_name(a);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            const int n = cases[c].n;
            float *x = inputs((size_t)n * C * S * S, (uint32_t)(a * 10 + c));
            cs_model *one = cs_test_model(arch, C, S, S, K, 0.1, 9), *split = cs_test_model(arch, C, S, S, K, 0.1, 9);
            cs_model *again = cs_test_model(arch, C, S, S, K, 0.1, 9);
            cs_assert_ok(cs_model_set_threads(split, cases[c].threads));
            cs_assert_ok(cs_model_set_threads(again, cases[c].threads));
            float l1[6 * K], l2[6 * K], l3[6 * K], loss1, loss2, loss3;
            cs_model *models[3] = { one, split, again };
            float *logits[3] = { l1, l2, l3 }, *losses[3] = { &loss1, &loss2, &loss3 };
            for (int i = 0; i < 3; i++) {
                cs_assert_ok(cs_model_zero_grad(models[i]));
                cs_assert_ok(cs_model_forward(logits[i], models[i], x, n, 1));
                cs_assert_ok(cs_model_backward(losses[i], models[i], labels, n));
            }
            const size_t np = cs_model_num_params(one);
            ck_assert_msg(max_rel_diff(l1, l2, (size_t)n * K) < 1e-5, "%s n %d threads %d: logits differ by %g",
                          arch, n, cases[c].threads, max_rel_diff(l1, l2, (size_t)n * K));
            ck_assert(fabs(loss1 - loss2) <= 1e-5 * fabs(loss1));
            /* VGG-11's last stage sees a 1x1 plane at this input: with 2 samples its BatchNorms
             * normalise two values each, which amplifies rounding the most (1.2e-4 measured). */
            const double grad_tol = strcmp(arch, "vgg11") == 0 ? 3e-4 : 1e-4;
            ck_assert_msg(max_rel_diff(all_grads(one), all_grads(split), np) < grad_tol,
                          "%s n %d threads %d: gradients differ by %g", arch, n, cases[c].threads,
                          max_rel_diff(all_grads(one), all_grads(split), np));
            ck_assert_mem_eq(l2, l3, (size_t)n * K * sizeof *l2);
            ck_assert_mem_eq(all_grads(split), all_grads(again), np * sizeof(float));
            size_t ns, na;
            float *s1 = snapshot(one, &ns), *s2 = snapshot(split, &ns), *s3 = snapshot(again, &na);
            ck_assert_msg(max_rel_diff(s1, s2, ns) < 1e-5, "%s: running statistics differ", arch);
            ck_assert_mem_eq(s2, s3, ns * sizeof *s2);
            /* Evaluation is per sample: the split only changes the products' shapes (convolution
             * tiles of fewer images), so the logits agree but for rounding, also for a batch of
             * one on several threads. */
            cs_assert_ok(cs_model_forward(l1, one, x, n, 0));
            cs_assert_ok(cs_model_forward(l2, split, x, n, 0));
            ck_assert_msg(max_rel_diff(l1, l2, (size_t)n * K) < 1e-5, "%s: evaluation differs", arch);
            cs_assert_ok(cs_model_forward(l2, split, x, 1, 0));
            ck_assert(max_rel_diff(l1, l2, K) < 1e-5);
            free(s1);
            free(s2);
            free(s3);
            free(x);
            cs_model_destroy(one);
            cs_model_destroy(split);
            cs_model_destroy(again);
        }
    }
}
END_TEST

/* Each architecture with the batch on one thread, and split among 2 and 3 (the fixture batch
 * does not divide by 3). */
static const int fixture_threads[] = { 0, 2, 3 };

START_TEST(matches_pytorch)
{
    const int a = _i % N_FIXTURE_ARCHS;
    const char *arch = cs_model_arch_name(a);
    const tolerance *tol = tolerance_of(arch);
    fixture f;
    load_fixture(&f, arch);
    cs_model *m = cs_test_model(arch, f.c, f.h, f.w, f.k, f.width, 0);
    cs_assert_ok(cs_model_set_threads(m, fixture_threads[_i / N_FIXTURE_ARCHS]));

    /* Names, shapes and kinds; then PyTorch's initial tensors in. */
    ck_assert_int_eq(cs_model_num_tensors(m), f.n_tensors);
    ck_assert_uint_eq(cs_model_num_params(m), f.n_params);
    const float *src = f.initial;
    for (int i = 0; i < f.n_tensors; i++) {
        const fx_tensor *t = &f.tensors[i];
        ck_assert_str_eq(cs_model_tensor_name(m, i), t->name);
        int64_t dims[4];
        ck_assert_int_eq(cs_model_tensor_shape(dims, 4, m, i), t->ndim);
        for (int d = 0; d < t->ndim; d++)
            ck_assert_msg(dims[d] == t->dims[d], "%s: %s dim %d is %lld, PyTorch %lld", arch, t->name, d,
                          (long long)dims[d], (long long)t->dims[d]);
        ck_assert_int_eq(cs_model_tensor_grad(m, i) != NULL, t->trainable);
        memcpy(cs_model_tensor_data(m, i), src, t->count * sizeof *src);
        src += t->count;
    }
    /* The fixture ran PyTorch's dropout as the identity (its masks come from PyTorch's RNG);
     * probability 0 makes the executor's dropout the identity too. */
    for (int i = 0; i < m->net.n_nodes; i++)
        if (m->net.nodes[i].op == CS__OP_DROPOUT)
            m->net.nodes[i].p = 0.0;

    const size_t nk = (size_t)f.n * (size_t)f.k;
    float *logits = malloc(nk * sizeof *logits), loss;
    for (int step = 0; step < f.steps; step++) {
        cs_assert_ok(cs_model_zero_grad(m));
        cs_assert_ok(cs_model_forward(logits, m, f.x, f.n, 1));
        cs_assert_ok(cs_model_backward(&loss, m, f.labels, f.n));
        /* Later steps start from weights that already differ at the final_* level. */
        double loss_rel = step == 0 ? tol->logit_rel : tol->final_rel;
        if (getenv("CS_TEST_VERBOSE"))
            fprintf(stderr, "%-10s loss %d        relative difference %.3g, worst diff/tolerance %.3g\n", arch, step,
                    fabs(loss - f.losses[step]) / f.losses[step],
                    fabs(loss - f.losses[step]) / (loss_rel * f.losses[step]));
        ck_assert_msg(fabs(loss - f.losses[step]) <= loss_rel * f.losses[step], "%s step %d: loss %.9g, PyTorch %.9g",
                      arch, step, (double)loss, (double)f.losses[step]);
        if (step == 0) {
            compare(arch, "logits", logits, f.logits, nk, tol->logit_rel, tol->logit_abs, NULL, false);
            compare(arch, "gradients", all_grads(m), f.grads, f.n_params, tol->grad_rel, tol->grad_abs, &f, true);
        }
        cs_assert_ok(cs_model_sgd_step(m, f.lr, f.momentum, f.weight_decay));
    }
    size_t n_values;
    float *final = snapshot(m, &n_values);
    ck_assert_uint_eq(n_values, f.n_values);
    compare(arch, "final tensors", final, f.final, n_values, tol->final_rel, tol->final_abs, &f, false);
    cs_assert_ok(cs_model_forward(logits, m, f.x, f.n, 0));
    compare(arch, "eval logits", logits, f.eval_logits, nk, tol->final_rel, tol->final_abs, NULL, false);
    free(final);
    free(logits);
    cs_model_destroy(m);
    free_fixture(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, create_rejects_bad_input);
    tcase_add_test(tc, accessors_follow_the_state_dict);
    tcase_add_test(tc, accessors_tolerate_null_and_out_of_range);
    tcase_add_test(tc, call_getters_check_their_arguments);
    tcase_add_test(tc, options_init_functions_match_the_macros);
    tcase_add_test(tc, forward_rejects_bad_input);
    tcase_add_test(tc, backward_needs_a_matching_training_forward);
    tcase_add_test(tc, backward_reports_divergence_without_touching_gradients);
    tcase_add_test(tc, sgd_step_rejects_bad_input);
    tcase_add_test(tc, sgd_step_follows_pytorch);
    tcase_add_test(tc, backward_consumes_its_forward_and_gradients_accumulate);
    tcase_add_test(tc, training_forward_updates_running_statistics_and_evaluation_does_not);
    tcase_add_test(tc, a_few_steps_fit_a_fixed_batch);
    tcase_add_test(tc, same_seed_gives_identical_models_and_training);
    tcase_add_test(tc, default_threads_are_the_cpus_or_the_environment);
    tcase_add_test(tc, set_threads_checks_its_arguments);
    tcase_add_test(tc, split_batches_agree_with_one_thread);
    tcase_add_loop_test(tc, matches_pytorch, 0, N_FIXTURE_ARCHS * (int)(sizeof fixture_threads / sizeof fixture_threads[0]));
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
