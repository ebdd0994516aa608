/* The network builder and executor: shapes and names, sticky errors, a whole-network
 * gradient check through every node kind, SGD on a learnable task, determinism. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <classsens.h>

#include "core/rng.h"
#include "fixtures.h"
#include "models/op.h"

enum { C = 2, H = 6, W = 6, K = 3, N = 4 };

/* A small graph that uses every node kind: conv, bn, relu, two branches (1x1 conv; max pool +
 * 1x1 conv) concatenated, a residual add with a projection, a depthwise conv, relu6, average
 * pool, global average and global max pool concatenated, flatten, dropout and linear. */
static void build(cs__net *net, double dropout)
{
    int x = cs__net_init(net, C, H, W);
    int a = cs__net_conv(net, x, "conv1", 4, 3, 1, 1, true);
    a = cs__net_bn(net, a, "bn1");
    a = cs__net_relu(net, a);
    int b1 = cs__net_conv(net, a, "branch.b1", 3, 1, 1, 0, false);
    int b2 = cs__net_maxpool(net, a, 3, 1, 1);
    b2 = cs__net_conv(net, b2, "branch.b2", 2, 1, 1, 0, true);
    int parts[2] = { b1, b2 };
    int cat = cs__net_concat(net, parts, 2);
    int proj = cs__net_conv(net, a, "shortcut", 5, 1, 1, 0, false);
    int sum = cs__net_add(net, cat, proj);
    sum = cs__net_relu(net, sum);
    int dw = cs__net_conv_grouped(net, sum, "depthwise", 5, 3, 1, 1, 5, false);
    dw = cs__net_relu6(net, dw);
    int pooled = cs__net_avgpool(net, dw, 2, 2, 0);
    int heads[2] = { cs__net_gap(net, pooled), cs__net_gmaxpool(net, pooled) };
    int f = cs__net_flatten(net, cs__net_concat(net, heads, 2));
    f = cs__net_dropout(net, f, dropout);
    int logits = cs__net_linear(net, f, "linear", K, true);
    cs_assert_ok(cs__net_finish(net, logits));
    cs__net_init_params(net, 7);
    cs_assert_ok(cs__net_prepare(net, N, true));
}

static float *inputs(void)
{
    static float x[N * C * H * W];
    cs__rng r;
    cs__rng_init(&r, 3, 0);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = (float)(2.0 * cs__rng_uniform(&r) - 1.0);
    return x;
}

static const int32_t labels[N] = { 0, 2, 1, 2 };

/* Mean cross-entropy of a training-mode forward (fixed dropout seed and counter). */
static double loss_of(cs__net *net, const float *x, float *probs)
{
    const float *logits = cs__net_forward(net, x, N, true, 11, 0);
    return cs__softmax_ce_forward(probs, logits, labels, N, K);
}

START_TEST(shapes_names_and_counts_follow_the_graph)
{
    cs__net net;
    build(&net, 0.0);
    static const char *const names[] = {
        "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
        "branch.b1.weight", "branch.b2.weight", "branch.b2.bias", "shortcut.weight", "depthwise.weight",
        "linear.weight", "linear.bias",
    };
    ck_assert_int_eq(net.n_tensors, (int)(sizeof names / sizeof names[0]));
    for (int i = 0; i < net.n_tensors; i++)
        ck_assert_str_eq(net.tensors[i].name, names[i]);
    /* conv1 4*2*9+4, bn 4+4, b1 3*4, b2 2*4+2, shortcut 5*4, depthwise 5*1*3*3, linear 3*10+3 */
    ck_assert_uint_eq(net.n_params, 76 + 8 + 12 + 10 + 20 + 45 + 33);
    ck_assert_int_eq((int)net.tensors[10].dims[1], 1);
    ck_assert_uint_eq(net.n_buffers, 8);
    ck_assert_int_eq(net.acts[net.logits].c, K);
    const float *var = cs__net_tensor_data(&net, 5);
    ck_assert_float_eq(var[0], 1.0f);
    ck_assert_ptr_null(cs__net_tensor_grad(&net, 4));
    cs__net_free(&net);
}
END_TEST

START_TEST(builder_errors_are_sticky_and_named)
{
    cs__net net;
    int x = cs__net_init(&net, 1, 4, 4);
    int y = cs__net_conv(&net, x, "conv1", 6, 5, 1, 0, true);
    ck_assert_int_eq(y, CS_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "conv1 (5x5 kernel, stride 1, padding 0) gets a 4x4 input"));
    /* Later calls return the first failure and do nothing. */
    ck_assert_int_eq(cs__net_relu(&net, 0), CS_ERR_UNSUPPORTED);
    ck_assert_int_eq(cs__net_finish(&net, 0), CS_ERR_UNSUPPORTED);
    ck_assert_int_eq(net.n_nodes, 1);
    cs__net_free(&net);
    x = cs__net_init(&net, 1, 4, 4);
    ck_assert_int_eq(cs__net_maxpool(&net, x, 5, 2, 0), CS_ERR_UNSUPPORTED);
    cs__net_free(&net);
    x = cs__net_init(&net, 1, 4, 4);
    ck_assert_int_eq(cs__net_linear(&net, x, "fc", 3, true), CS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "fc needs a flat input"));
    cs__net_free(&net);
    x = cs__net_init(&net, 1, 4, 4);
    ck_assert_int_eq(cs__net_relu(&net, 9), CS_ERR_INVALID_ARGUMENT);
    cs__net_free(&net);
    x = cs__net_init(&net, 1, 4, 4);
    ck_assert_int_eq(cs__net_dropout(&net, x, 1.0), CS_ERR_INVALID_ARGUMENT);
    cs__net_free(&net);
    x = cs__net_init(&net, 4, 4, 4);
    cs_assert_fails(cs__net_conv_grouped(&net, x, "dw", 6, 3, 1, 1, 4, false), CS_ERR_INVALID_ARGUMENT,
                    "dw has 4 groups for 4 input and 6 output channels");
    ck_assert_int_eq(net.n_nodes, 1);
    ck_assert_int_eq(net.n_tensors, 0);
    cs__net_free(&net);
    x = cs__net_init(&net, 4, 4, 4);
    cs_assert_fails(cs__net_concat(&net, (const int[5]){ 0, 0, 0, 0, 0 }, 5), CS_ERR_INVALID_ARGUMENT,
                    "concat of 5 inputs (1..4)");
    cs__net_free(&net);
    x = cs__net_init(&net, 4, 4, 4);
    cs_assert_fails(cs__net_conv(&net, x, "c0", 0, 1, 1, 0, true), CS_ERR_INVALID_ARGUMENT,
                    "c0 has 0 output channels");
    cs__net_free(&net);
    /* An output over INT_MAX values per sample fails after its shape is known; it too leaves
     * no node, activation or tensor behind. */
    x = cs__net_init(&net, 1, 40000, 40000);
    cs_assert_fails(cs__net_conv(&net, x, "big", 2, 1, 1, 0, true), CS_ERR_OVERFLOW, "big exceeds INT_MAX");
    ck_assert_int_eq(net.n_nodes, 1);
    ck_assert_int_eq(net.n_acts, 1);
    ck_assert_int_eq(net.n_tensors, 0);
    ck_assert_uint_eq(net.n_params, 0);
    cs__net_free(&net);
    ck_assert_int_eq(cs__net_init(&net, 0, 4, 4), CS_ERR_INVALID_ARGUMENT);
    cs__net_free(&net);
}
END_TEST

/* Whole-network check: central differences of the float network's loss against the
 * backward pass, for every parameter. The kernels are checked elementwise in double
 * elsewhere; here the point is the wiring (every node's backward reaches the right
 * tensors), so the comparison is of whole vectors: |g_num - g| / |g| < 1e-2, where float
 * rounding of the loss contributes a few 1e-3 (4.5e-3 measured) and a wiring mistake ~1. The
 * step 3e-4 keeps ReLU, ReLU6 and the max pools off their kinks (at 2e-3 some cross them and
 * the error reaches 1.3e-2). */
static double relative_gradient_error(cs__net *net);

static void gradient_check(double dropout)
{
    cs__net net;
    build(&net, dropout);
    const double error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "dropout %g: relative gradient error %g", dropout, error);
    cs__net_free(&net);
}

static double relative_gradient_error(cs__net *net)
{
    float *x = inputs();
    float probs[N * K], dlogits[N * K];
    loss_of(net, x, probs);
    memset(dlogits, 0, sizeof dlogits);
    cs__softmax_ce_backward(dlogits, probs, labels, N, K);
    cs__net_zero_grad(net);
    cs__net_backward(net, dlogits, N);
    double diff = 0.0, norm = 0.0;
    const float eps = 3e-4f;
    for (size_t i = 0; i < net->n_params; i++) {
        float keep = net->params[i];
        net->params[i] = keep + eps;
        double up = loss_of(net, x, probs);
        net->params[i] = keep - eps;
        double down = loss_of(net, x, probs);
        net->params[i] = keep;
        double numeric = (up - down) / (2.0 * (double)eps);
        diff += (numeric - net->grads[i]) * (numeric - net->grads[i]);
        norm += (double)net->grads[i] * net->grads[i];
    }
    ck_assert_double_gt(norm, 1e-6);
    return sqrt(diff / norm);
}

START_TEST(backward_matches_finite_differences_through_the_whole_graph)
{
    gradient_check(0.0);
    gradient_check(0.3); /* the dropout mask is a function of (seed, counter): fixed here */
}
END_TEST

/* Train the graph on a separable task that survives global pooling: the label sets the
 * brightness of channel 0. */
static double train(cs__net *net, int steps)
{
    /* Batch statistics of 4 samples are too noisy to learn from: train on 32. */
    enum { B = 32 };
    static float x[B * C * H * W], probs[B * K], dlogits[B * K];
    int32_t y[B];
    double loss = 0.0, recent = 0.0;
    cs__rng r;
    cs__rng_init(&r, 99, 0);
    cs_assert_ok(cs__net_prepare(net, B, true));
    for (int step = 0; step < steps; step++) {
        for (int i = 0; i < B; i++) {
            y[i] = (int32_t)cs__rng_below(&r, K);
            for (int q = 0; q < C * H * W; q++)
                x[i * C * H * W + q] = (float)cs__rng_uniform(&r) * 0.2f + (q < H * W ? 0.7f * (float)y[i] : 0.0f);
        }
        const float *logits = cs__net_forward(net, x, B, true, 5, (uint64_t)step);
        loss = cs__softmax_ce_forward(probs, logits, y, B, K);
        if (step >= steps - 20)
            recent += loss / 20.0;
        memset(dlogits, 0, sizeof dlogits);
        cs__softmax_ce_backward(dlogits, probs, y, B, K);
        cs__net_zero_grad(net);
        cs__net_backward(net, dlogits, B);
        cs__net_sgd_step(net, 0.05f, 0.9f, 0.0f, 5e-4f, false);
    }
    return recent; /* mean loss of the last 20 steps */
}

START_TEST(sgd_learns_and_is_bit_reproducible)
{
    cs__net a, b;
    build(&a, 0.1);
    build(&b, 0.1);
    float *x = inputs();
    double last = train(&a, 200);
    /* Chance is log 3 = 1.10. */
    ck_assert_msg(last < 0.2, "mean loss over the last 20 of 200 steps is %g", last);
    train(&b, 200);
    ck_assert(memcmp(a.params, b.params, a.n_params * sizeof(float)) == 0);
    ck_assert(memcmp(a.buffers, b.buffers, a.n_buffers * sizeof(float)) == 0);
    /* Evaluation mode uses the running statistics and no dropout: deterministic too. */
    const float *la = cs__net_forward(&a, x, N, false, 0, 0);
    float keep[N * K];
    memcpy(keep, la, sizeof keep);
    const float *lb = cs__net_forward(&b, x, N, false, 123, 456);
    ck_assert(memcmp(keep, lb, sizeof keep) == 0);
    cs__net_free(&a);
    cs__net_free(&b);
}
END_TEST

START_TEST(prepare_grows_and_smaller_batches_run)
{
    cs__net net;
    build(&net, 0.0);
    cs_assert_ok(cs__net_prepare(&net, 2, true)); /* smaller: keeps the buffers */
    ck_assert_int_eq(net.plan.batch, N);
    cs_assert_ok(cs__net_prepare(&net, 2 * N, true));
    ck_assert_int_eq(net.plan.batch, 2 * N);
    float *x = inputs();
    const float *logits = cs__net_forward(&net, x, 1, false, 0, 0);
    for (int k = 0; k < K; k++)
        ck_assert(isfinite(logits[k]));
    ck_assert_int_eq(cs__net_prepare(&net, 0, true), CS_ERR_INVALID_ARGUMENT);
    cs__net_free(&net);
}
END_TEST

START_TEST(relu_relu6_flatten_and_dropout_run_in_place)
{
    cs__net net;
    build(&net, 0.5);
    int shared = 0;
    for (int i = 1; i < net.n_nodes; i++) {
        const cs__node *node = &net.nodes[i];
        if (node->op == CS__OP_RELU || node->op == CS__OP_RELU6 || node->op == CS__OP_FLATTEN ||
            node->op == CS__OP_DROPOUT) {
            /* Every one of them here has an input of its own, made by a node that does not read
             * its output in backward. */
            ck_assert_ptr_eq(net.plan.act[node->out], net.plan.act[node->in[0]]);
            ck_assert_ptr_eq(net.plan.dact[node->out], net.plan.dact[node->in[0]]);
            shared++;
        } else if (node->op != CS__OP_INPUT) {
            for (int p = 0; p < node->n_in; p++)
                ck_assert_ptr_ne(net.plan.act[node->out], net.plan.act[node->in[p]]);
        }
    }
    ck_assert_int_eq(shared, 5);
    cs__net_free(&net);

    /* A ReLU whose input has a second consumer keeps its own buffer. */
    int x = cs__net_init(&net, C, H, W);
    int a = cs__net_conv(&net, x, "conv", 2, 3, 1, 1, true);
    int r = cs__net_relu(&net, a);
    int sum = cs__net_add(&net, r, a);
    int logits = cs__net_linear(&net, cs__net_flatten(&net, cs__net_gap(&net, sum)), "linear", K, true);
    cs_assert_ok(cs__net_finish(&net, logits));
    cs_assert_ok(cs__net_prepare(&net, 2, true));
    ck_assert_ptr_ne(net.plan.act[r], net.plan.act[a]);
    cs__net_free(&net);
}
END_TEST

START_TEST(evaluation_needs_no_activation_gradients)
{
    cs__net net;
    build(&net, 0.0);
    ck_assert(net.plan.has_grads);
    float *x = inputs();
    float before[N * K];
    memcpy(before, cs__net_forward(&net, x, N, false, 0, 0), sizeof before);
    /* A larger evaluation batch: activations only. */
    cs_assert_ok(cs__net_prepare(&net, 4 * N, false));
    ck_assert(!net.plan.has_grads);
    ck_assert_int_eq(net.plan.batch, 4 * N);
    for (int i = 1; i < net.n_acts; i++)
        ck_assert_ptr_null(net.plan.dact[i]);
    ck_assert(memcmp(before, cs__net_forward(&net, x, N, false, 0, 0), sizeof before) == 0);
    /* Smaller evaluation batches keep it; training gets gradients sized for its own batch. */
    cs_assert_ok(cs__net_prepare(&net, N, false));
    ck_assert_int_eq(net.plan.batch, 4 * N);
    cs_assert_ok(cs__net_prepare(&net, N, true));
    ck_assert(net.plan.has_grads);
    ck_assert_int_eq(net.plan.batch, N);
    for (int i = 1; i < net.n_acts; i++)
        ck_assert_ptr_nonnull(net.plan.dact[i]);
    cs__net_free(&net);
}
END_TEST

START_TEST(backward_does_not_read_the_callers_input_again)
{
    /* The caller may reuse its input buffer between forward and backward. */
    cs__net a, b;
    build(&a, 0.0);
    build(&b, 0.0);
    float x[N * C * H * W], probs[N * K], dlogits[N * K];
    memcpy(x, inputs(), sizeof x);
    cs__softmax_ce_forward(probs, cs__net_forward(&a, x, N, true, 1, 0), labels, N, K);
    memset(dlogits, 0, sizeof dlogits);
    cs__softmax_ce_backward(dlogits, probs, labels, N, K);
    cs__net_zero_grad(&a);
    cs__net_backward(&a, dlogits, N);
    cs__net_forward(&b, x, N, true, 1, 0);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = 1e6f;
    cs__net_zero_grad(&b);
    cs__net_backward(&b, dlogits, N);
    ck_assert(memcmp(a.grads, b.grads, a.n_params * sizeof(float)) == 0);
    cs__net_free(&a);
    cs__net_free(&b);
}
END_TEST

/* x -> conv a -> (pool p) -> conv c -> BN -> gap -> flatten -> linear, with an average pool
 * (whose backward does not read its input) or a BatchNorm (whose backward does) as p. */
static int build_chain(cs__net *net, bool pool_reads_nothing, int *a, int *p, int *c)
{
    int x = cs__net_init(net, 1, 8, 8);
    *a = cs__net_conv(net, x, "conv1", 4, 3, 1, 1, true);
    *p = pool_reads_nothing ? cs__net_avgpool(net, *a, 2, 2, 0) : cs__net_bn(net, *a, "bn0");
    *c = cs__net_conv(net, *p, "conv2", 2, 3, 1, 1, true);
    int d = cs__net_bn(net, *c, "bn");
    int logits = cs__net_linear(net, cs__net_flatten(net, cs__net_gap(net, d)), "linear", K, true);
    return cs__net_finish(net, logits);
}

/* Whether activation (or gradient) buffers u of activation i and v of activation j, member 0's
 * rows of a plan for `rows` samples, share any memory. */
static bool overlap(const cs__net *net, const float *u, int i, const float *v, int j, int rows)
{
    const size_t nu = cs__act_count(net, i) * (size_t)rows, nv = cs__act_count(net, j) * (size_t)rows;
    return u && v && u < v + nv && v < u + nu;
}

START_TEST(activations_that_no_backward_reads_are_not_kept_for_backward)
{
    /* conv1's output is read only by the average pool, whose backward needs just the output
     * gradient: in training as in evaluation its memory is free once the pool has run — here
     * for its own gradient, the largest buffer of backward. */
    cs__net net;
    int a, p, c;
    cs_assert_ok(build_chain(&net, true, &a, &p, &c));
    cs_assert_ok(cs__net_prepare(&net, 2, true));
    ck_assert(overlap(&net, net.plan.dact[a], a, net.plan.act[a], a, 2));
    ck_assert(!overlap(&net, net.plan.act[p], p, net.plan.act[a], a, 2));
    cs__net_free(&net);

    /* Where a BatchNorm reads conv1's output in backward, training keeps it to the end: no other
     * activation and no gradient touches its memory; an evaluation plan reuses it. */
    cs_assert_ok(build_chain(&net, false, &a, &p, &c));
    cs_assert_ok(cs__net_prepare(&net, 2, true));
    for (int i = 1; i < net.n_acts; i++) {
        if (i != a)
            ck_assert(!overlap(&net, net.plan.act[i], i, net.plan.act[a], a, 2));
        ck_assert(!overlap(&net, net.plan.dact[i], i, net.plan.act[a], a, 2));
    }
    cs__net_plan_free(&net);
    cs_assert_ok(cs__net_prepare(&net, 2, false));
    bool reused = false;
    for (int i = a + 1; i < net.n_acts; i++)
        reused |= overlap(&net, net.plan.act[i], i, net.plan.act[a], a, 2);
    ck_assert(reused);
    cs__net_free(&net);
}
END_TEST

/* Two branches from the input, conv -> ReLU and conv -> BN -> ReLU, concatenated, then a
 * convolution (which reads the concat in backward) or, with `overwrite`, a ReLU in place over
 * the concat first; with `shared`, the first branch's ReLU output also feeds the head. */
static void build_relu_concat(cs__net *net, bool overwrite, bool shared, int *r1, int *r2, int *cat)
{
    int x = cs__net_init(net, C, H, W);
    *r1 = cs__net_relu(net, cs__net_conv(net, x, "b1", 2, 3, 1, 1, true));
    *r2 = cs__net_relu(net, cs__net_bn(net, cs__net_conv(net, x, "b2", 3, 1, 1, 0, false), "b2bn"));
    int parts[2] = { *r1, *r2 };
    *cat = cs__net_concat(net, parts, 2);
    int y = overwrite ? cs__net_relu(net, *cat) : *cat;
    y = cs__net_gap(net, cs__net_conv(net, y, "head", 3, 3, 1, 1, true));
    if (shared)
        y = cs__net_add(net, y, cs__net_gap(net, cs__net_conv(net, *r1, "side", 3, 1, 1, 0, false)));
    int logits = cs__net_linear(net, cs__net_flatten(net, y), "linear", K, true);
    cs_assert_ok(cs__net_finish(net, logits));
    cs__net_init_params(net, 5);
    cs_assert_ok(cs__net_prepare(net, N, true));
}

START_TEST(relus_into_a_concat_read_their_output_from_its_copy)
{
    /* Training: both ReLUs read their outputs for backward from the concat's channels (0 and
     * 2 of 5), which the head's backward keeps; their own buffers are free after the concat.
     * The gradients still match finite differences. */
    cs__net net;
    int r1, r2, cat;
    build_relu_concat(&net, false, false, &r1, &r2, &cat);
    ck_assert_int_eq(net.plan.saved_in[r1], cat);
    ck_assert_int_eq(net.plan.saved_in[r2], cat);
    ck_assert_uint_eq(net.plan.saved_offset[r1], 0);
    ck_assert_uint_eq(net.plan.saved_offset[r2], 2 * H * W);
    ck_assert(overlap(&net, net.plan.dact[r1], r1, net.plan.act[r1], r1, N) ||
              overlap(&net, net.plan.dact[r2], r2, net.plan.act[r1], r1, N) ||
              overlap(&net, net.plan.dact[cat], cat, net.plan.act[r1], r1, N));
    double error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "relative gradient error %g", error);
    /* Evaluation plans keep nothing for backward. */
    cs__net_plan_free(&net);
    cs_assert_ok(cs__net_prepare(&net, N, false));
    ck_assert_int_eq(net.plan.saved_in[r1], r1);
    cs__net_free(&net);

    /* Not where a ReLU runs in place over the concat (its copy is overwritten), nor for an
     * output that also feeds another node (it is kept for that node's backward). */
    build_relu_concat(&net, true, false, &r1, &r2, &cat);
    ck_assert_int_eq(net.plan.saved_in[r1], r1);
    ck_assert_int_eq(net.plan.saved_in[r2], r2);
    error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "relative gradient error %g", error);
    cs__net_free(&net);
    build_relu_concat(&net, false, true, &r1, &r2, &cat);
    ck_assert_int_eq(net.plan.saved_in[r1], r1);
    ck_assert_int_eq(net.plan.saved_in[r2], cat);
    error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "relative gradient error %g", error);
    cs__net_free(&net);
}
END_TEST

/* GoogLeNet's branch 4 in small: a max pool, then a 1x1 convolution that reads the pool's
 * output in backward. The pool's input is a ReLU's output (kept for the ReLU's backward) or,
 * without `input_kept`, an average pool's (which no backward reads). */
static void build_pool_branch(cs__net *net, bool input_kept, int *pooled, int *pool_node, int *conv_node)
{
    int x = cs__net_init(net, C, H, W);
    int a = cs__net_conv(net, x, "stem", 4, 3, 1, 1, true);
    a = input_kept ? cs__net_relu(net, a) : cs__net_avgpool(net, a, 1, 1, 0);
    *pooled = cs__net_maxpool(net, a, 3, 1, 1);
    int b = cs__net_conv(net, *pooled, "branch", 3, 1, 1, 0, true);
    int logits = cs__net_linear(net, cs__net_flatten(net, cs__net_gap(net, b)), "linear", K, true);
    cs_assert_ok(cs__net_finish(net, logits));
    cs__net_init_params(net, 5);
    cs_assert_ok(cs__net_prepare(net, N, true));
    *pool_node = *conv_node = -1;
    for (int n = 1; n < net->n_nodes; n++) {
        if (net->nodes[n].out == *pooled)
            *pool_node = n;
        if (net->nodes[n].op == CS__OP_CONV && net->nodes[n].in[0] == *pooled)
            *conv_node = n;
    }
    ck_assert_int_ge(*pool_node, 1);
    ck_assert_int_gt(*conv_node, *pool_node);
}

START_TEST(max_pools_on_kept_inputs_are_recomputed_in_backward)
{
    /* Training: the pool's output lives only through forward; the convolution's backward reads
     * a copy recomputed just before it, in a buffer of its own. The gradients still match
     * finite differences. */
    cs__net net;
    int pooled, pool_node, conv_node;
    build_pool_branch(&net, true, &pooled, &pool_node, &conv_node);
    for (int n = 0; n < net.n_nodes; n++)
        ck_assert_int_eq(net.plan.recompute_before[n], n == conv_node ? pool_node : -1);
    ck_assert_ptr_nonnull(net.plan.act_bwd[pooled]);
    ck_assert_ptr_ne(net.plan.act_bwd[pooled], net.plan.act[pooled]);
    for (int i = 1; i < net.n_acts; i++)
        if (i != pooled)
            ck_assert_ptr_eq(net.plan.act_bwd[i], net.plan.act[i]);
    double error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "relative gradient error %g", error);
    /* Evaluation plans have no backward tables. */
    cs__net_plan_free(&net);
    cs_assert_ok(cs__net_prepare(&net, N, false));
    ck_assert_ptr_null(net.plan.act_bwd);
    ck_assert_ptr_null(net.plan.recompute_before);
    cs__net_free(&net);

    /* Not where the pool's input is not kept for backward: the output is kept instead. */
    build_pool_branch(&net, false, &pooled, &pool_node, &conv_node);
    for (int n = 0; n < net.n_nodes; n++)
        ck_assert_int_eq(net.plan.recompute_before[n], -1);
    ck_assert_ptr_eq(net.plan.act_bwd[pooled], net.plan.act[pooled]);
    error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "relative gradient error %g", error);
    cs__net_free(&net);
}
END_TEST

/* conv -> BN -> ReLU -> conv -> BN -> ReLU6 -> global average pool -> linear, or with `dropout`
 * a dropout in place of the ReLU (it cannot be recomputed: its mask is drawn). With `keep_all`
 * the planner recomputes nothing. */
static void build_bn_stages(cs__net *net, bool dropout, bool keep_all, int *r1, int *r2)
{
    int x = cs__net_init(net, C, H, W);
    int a = cs__net_bn(net, cs__net_conv(net, x, "conv1", 4, 3, 1, 1, false), "bn1");
    *r1 = dropout ? cs__net_dropout(net, a, 0.25) : cs__net_relu(net, a);
    int b = cs__net_bn(net, cs__net_conv(net, *r1, "conv2", 5, 3, 1, 1, false), "bn2");
    *r2 = cs__net_relu6(net, b);
    int logits = cs__net_linear(net, cs__net_flatten(net, cs__net_gap(net, *r2)), "linear", K, true);
    cs_assert_ok(cs__net_finish(net, logits));
    cs__net_init_params(net, 9);
    net->keep_all = keep_all;
    cs_assert_ok(cs__net_prepare(net, N, true));
}

/* The node that writes activation id g. */
static int producer_of(const cs__net *net, int g)
{
    for (int n = 1; n < net->n_nodes; n++)
        if (net->nodes[n].out == g)
            return n;
    return -1;
}

START_TEST(batchnorm_activation_outputs_are_recomputed_in_backward)
{
    /* The BatchNorm -> ReLU group (the ReLU runs in place) is not kept: BatchNorm's backward
     * keeps the convolution's output anyway, so just before conv2's backward (the first to read
     * the group) each member writes it again — BatchNorm's affine map with the saved statistics,
     * then the ReLU. The BatchNorm -> ReLU6 group is read only by the ReLU6's own backward: it is
     * recomputed just before that. The gradients are those of the plan that keeps everything,
     * bit for bit, and match finite differences; the arena is smaller. */
    cs__net net, kept;
    int r1, r2, k1, k2;
    build_bn_stages(&net, false, false, &r1, &r2);
    build_bn_stages(&kept, false, true, &k1, &k2);
    const int relu1 = producer_of(&net, r1), bn1 = relu1 - 1, relu6 = producer_of(&net, r2), bn2 = relu6 - 1;
    int conv2 = -1;
    for (int n = 1; n < net.n_nodes; n++)
        if (net.nodes[n].op == CS__OP_CONV && net.nodes[n].in[0] == r1)
            conv2 = n;
    ck_assert_int_eq(net.nodes[bn1].op, CS__OP_BN);
    ck_assert_int_eq(net.nodes[bn2].op, CS__OP_BN);
    for (int n = 0; n < net.n_nodes; n++) {
        ck_assert_int_eq(net.plan.recompute_before[n], n == conv2 ? bn1 : n == relu6 ? bn2 : -1);
        ck_assert_int_eq(kept.plan.recompute_before[n], -1);
    }
    ck_assert_ptr_ne(net.plan.act_bwd[r1], net.plan.act[r1]);
    ck_assert_ptr_eq(net.plan.act_bwd[net.nodes[bn1].out], net.plan.act_bwd[r1]);
    ck_assert_ptr_ne(net.plan.act_bwd[r2], net.plan.act[r2]);
    ck_assert_uint_lt(net.plan.act_stride[r1], kept.plan.act_stride[k1]);

    float *x = inputs();
    float probs[N * K], dlogits[N * K];
    cs__net *both[2] = { &net, &kept };
    for (int v = 0; v < 2; v++) {
        loss_of(both[v], x, probs);
        memset(dlogits, 0, sizeof dlogits);
        cs__softmax_ce_backward(dlogits, probs, labels, N, K);
        cs__net_zero_grad(both[v]);
        cs__net_backward(both[v], dlogits, N);
    }
    ck_assert_int_eq(memcmp(net.grads, kept.grads, net.n_params * sizeof(float)), 0);
    const double error = relative_gradient_error(&net);
    ck_assert_msg(error < 1e-2, "relative gradient error %g", error);
    cs__net_free(&kept);

    /* Evaluation plans have no backward tables. */
    cs__net_plan_free(&net);
    cs_assert_ok(cs__net_prepare(&net, N, false));
    ck_assert_ptr_null(net.plan.recompute_before);
    cs__net_free(&net);

    /* A dropout's output is kept: its group cannot be written again. */
    build_bn_stages(&net, true, false, &r1, &r2);
    ck_assert_ptr_eq(net.plan.act_bwd[r1], net.plan.act[r1]);
    ck_assert_ptr_ne(net.plan.act_bwd[r2], net.plan.act[r2]);
    cs__net_free(&net);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shapes_names_and_counts_follow_the_graph);
    tcase_add_test(tc, builder_errors_are_sticky_and_named);
    tcase_add_test(tc, backward_matches_finite_differences_through_the_whole_graph);
    tcase_add_test(tc, sgd_learns_and_is_bit_reproducible);
    tcase_add_test(tc, prepare_grows_and_smaller_batches_run);
    tcase_add_test(tc, relu_relu6_flatten_and_dropout_run_in_place);
    tcase_add_test(tc, evaluation_needs_no_activation_gradients);
    tcase_add_test(tc, backward_does_not_read_the_callers_input_again);
    tcase_add_test(tc, activations_that_no_backward_reads_are_not_kept_for_backward);
    tcase_add_test(tc, relus_into_a_concat_read_their_output_from_its_copy);
    tcase_add_test(tc, max_pools_on_kept_inputs_are_recomputed_in_backward);
    tcase_add_test(tc, batchnorm_activation_outputs_are_recomputed_in_backward);
    suite_add_tcase(s, tc);
    return cs_test_run(s);
}
