/* Pooling nodes: max and average pooling over k x k windows, and their global forms (global
 * average pooling, PyTorch's AdaptiveMaxPool2d(1)). Max pooling saves where each maximum
 * (N, C, Ho, Wo) lies for backward — for a k x k window as its distance from the window's
 * origin, in one byte per output up to 3 x 3 windows on rows of 126 (cs__maxpool_pack) — only
 * in a plan with gradients; evaluation keeps each sample's offsets in the workspace just while
 * the kernel runs. Global max pooling saves int32 offsets. A max pool's output may be
 * recomputed in backward instead of kept (net_plan.c, plan_recompute). */
#include "core/error.h"
#include "models/op.h"

static int window_infer(cs__net *net, cs__node *node, const char *what, cs__act_shape *out)
{
    const cs__act_shape x = net->acts[node->in[0]];
    const int ho = cs__pool_out(x.h, node->k, node->stride, node->pad);
    const int wo = cs__pool_out(x.w, node->k, node->stride, node->pad);
    if (ho < 1 || wo < 1)
        return cs__net_fail(net, cs__error(CS_ERR_UNSUPPORTED,
                                           "network: %s (%dx%d window, stride %d, padding %d) gets a %dx%d input, too "
                                           "small for it",
                                           what, node->k, node->k, node->stride, node->pad, x.h, x.w));
    *out = (cs__act_shape){ x.c, ho, wo };
    return net->status;
}

static int maxpool_infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    return window_infer(net, node, "max pool", out);
}

static int avgpool_infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    return window_infer(net, node, "average pool", out);
}

static int global_infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    *out = (cs__act_shape){ net->acts[node->in[0]].c, 1, 1 };
    return net->status;
}

/* One int32 offset per output element of the whole batch. */
static size_t argmax_bytes(const cs__net *net, const cs__node *node, int batch, int members)
{
    (void)members;
    return cs__act_count(net, node->out) * (size_t)batch * sizeof(int32_t);
}

static int32_t *argmax_of(const cs__member *me, int i)
{
    const cs__net *net = me->net;
    return (int32_t *)net->plan.state[i] + (size_t)me->lo * cs__act_count(net, net->nodes[i].out);
}

static int code_bytes(const cs__net *net, const cs__node *node)
{
    return cs__maxpool_code_bytes(net->acts[node->in[0]].w, node->k);
}

/* Packed positions of every output of the batch, in a plan with gradients only. */
static size_t maxpool_state_bytes(const cs__net *net, const cs__node *node, int batch, int members)
{
    (void)members;
    if (!net->plan.has_grads)
        return 0;
    return cs__act_count(net, node->out) * (size_t)batch * (size_t)code_bytes(net, node);
}

/* One sample's int32 offsets, where training packs them into fewer bytes. */
static size_t maxpool_workspace(const cs__net *net, const cs__node *node, int rows)
{
    (void)rows;
    return net->plan.has_grads && code_bytes(net, node) != 4 ? cs__act_count(net, node->out) : 0;
}

static void *codes_of(const cs__member *me, int i)
{
    const cs__net *net = me->net;
    return (char *)net->plan.state[i] +
           (size_t)me->lo * cs__act_count(net, net->nodes[i].out) * (size_t)code_bytes(net, &net->nodes[i]);
}

/* The output, and the packed positions of its maxima where `codes` (training). */
static void maxpool_run(const cs__member *me, int i, char *codes)
{
    const cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const cs__act_shape *in = &net->acts[node->in[0]], *out = &net->acts[node->out];
    float *y = cs__member_act(me, node->out);
    const float *x = cs__member_act(me, node->in[0]);
    const int bytes = code_bytes(net, node);
    if (!codes || bytes == 4) {
        cs__maxpool_forward(y, (int32_t *)codes, x, me->rows, in->c, in->h, in->w, node->k, node->stride, node->pad);
        return;
    }
    /* Sample by sample (each plane is pooled on its own: the same outputs and offsets). */
    const size_t per_in = cs__act_count(net, node->in[0]), per_out = cs__act_count(net, node->out);
    int32_t *offsets = (int32_t *)me->work;
    for (int s = 0; s < me->rows; s++) {
        cs__maxpool_forward(y + (size_t)s * per_out, offsets, x + (size_t)s * per_in, 1, in->c, in->h, in->w,
                            node->k, node->stride, node->pad);
        cs__maxpool_pack(codes + (size_t)s * per_out * (size_t)bytes, bytes, offsets, (size_t)in->c, in->w,
                         out->h, out->w, node->stride, node->pad);
    }
}

static void maxpool_forward(const cs__member *me, int i)
{
    maxpool_run(me, i, me->net->plan.state[i] ? codes_of(me, i) : NULL);
}

/* The same output again in backward (the positions are saved already). */
static void maxpool_recompute(const cs__member *me, int i)
{
    maxpool_run(me, i, NULL);
}

static void maxpool_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]], *out = &me->net->acts[node->out];
    float *dx = cs__member_dx(me, node);
    if (dx)
        cs__maxpool_backward_packed(dx, cs__member_dact(me, node->out), codes_of(me, i), code_bytes(me->net, node),
                                    me->rows, in->c, in->h, in->w, out->h, out->w, node->stride, node->pad);
}

static void avgpool_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]];
    cs__avgpool_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), me->rows, in->c, in->h,
                        in->w, node->k, node->stride, node->pad);
}

static void avgpool_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]];
    float *dx = cs__member_dx(me, node);
    if (dx)
        cs__avgpool_backward(dx, cs__member_dact(me, node->out), me->rows, in->c, in->h, in->w, node->k,
                             node->stride, node->pad);
}

static void gap_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]];
    cs__global_avgpool_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), me->rows, in->c,
                               in->h * in->w);
}

static void gap_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]];
    float *dx = cs__member_dx(me, node);
    if (dx)
        cs__global_avgpool_backward(dx, cs__member_dact(me, node->out), me->rows, in->c, in->h * in->w);
}

static void gmaxpool_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]];
    cs__global_maxpool_forward(cs__member_act(me, node->out), argmax_of(me, i), cs__member_act(me, node->in[0]),
                               me->rows, in->c, in->h * in->w);
}

static void gmaxpool_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const cs__act_shape *in = &me->net->acts[node->in[0]];
    float *dx = cs__member_dx(me, node);
    if (dx)
        cs__global_maxpool_backward(dx, cs__member_dact(me, node->out), argmax_of(me, i), me->rows, in->c,
                                    in->h * in->w);
}

const cs__op_def cs__op_maxpool = {
    .name = "max pool",
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = maxpool_infer,
    .state_bytes = maxpool_state_bytes,
    .workspace = maxpool_workspace,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
    .recompute = maxpool_recompute,
};

const cs__op_def cs__op_avgpool = {
    .name = "average pool",
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = avgpool_infer,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
};

const cs__op_def cs__op_gap = {
    .name = "global average pool",
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = global_infer,
    .forward = gap_forward,
    .backward = gap_backward,
};

const cs__op_def cs__op_gmaxpool = {
    .name = "global max pool",
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = global_infer,
    .state_bytes = argmax_bytes,
    .forward = gmaxpool_forward,
    .backward = gmaxpool_backward,
};
