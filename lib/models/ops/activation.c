/* Element-wise activations: ReLU and ReLU6. Both may run in place, and both read their own
 * output in backward (so their producer's output must survive them) — from a concatenation's
 * copy where the output goes only into a concat (cs__member_saved), sample by sample. */
#include "models/op.h"

static int same_shape(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    *out = net->acts[node->in[0]];
    return net->status;
}

static size_t count_of(const cs__member *me, const cs__node *node)
{
    return cs__act_count(me->net, node->out) * (size_t)me->rows;
}

static void relu_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    cs__relu_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), count_of(me, node));
}

/* The backward of an element-wise activation whose gradient is read from its output y
 * (ReLU, ReLU6): out of place into dx, or in place where dx is dy. y may be the copy inside a
 * concatenation (cs__member_saved), a row stride apart per sample. */
typedef void (*act_backward_fn)(float *dx, const float *dy, const float *y, size_t count);
typedef void (*act_backward_inplace_fn)(float *d, const float *y, size_t count);

static void output_backward(const cs__member *me, int i, act_backward_fn apart, act_backward_inplace_fn inplace)
{
    const cs__node *node = &me->net->nodes[i];
    float *dx = cs__member_dx(me, node), *dy = cs__member_dact(me, node->out);
    size_t stride;
    const float *y = cs__member_saved(me, node->out, &stride);
    const size_t per = cs__act_count(me->net, node->out);
    if (!dx)
        return;
    /* Element-wise: sample by sample gives the same bits as one call. */
    const int parts = stride == per ? 1 : me->rows;
    const size_t count = stride == per ? count_of(me, node) : per;
    for (int s = 0; s < parts; s++) {
        const size_t at = (size_t)s * per;
        if (dx == dy)
            inplace(dx + at, y + (size_t)s * stride, count);
        else
            apart(dx + at, dy + at, y + (size_t)s * stride, count);
    }
}

static void relu_backward(const cs__member *me, int i)
{
    output_backward(me, i, cs__relu_backward, cs__relu_backward_inplace);
}

static void relu6_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    cs__relu6_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), count_of(me, node));
}

static void relu6_backward(const cs__member *me, int i)
{
    output_backward(me, i, cs__relu6_backward, cs__relu6_backward_inplace);
}

const cs__op_def cs__op_relu = {
    .name = "relu",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_IN_PLACE | CS__OP_READS_OUTPUT | CS__OP_OUTPUT_FROM_CONCAT,
    .infer = same_shape,
    .forward = relu_forward,
    .backward = relu_backward,
    .recompute = relu_forward,
};

const cs__op_def cs__op_relu6 = {
    .name = "relu6",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_IN_PLACE | CS__OP_READS_OUTPUT | CS__OP_OUTPUT_FROM_CONCAT,
    .infer = same_shape,
    .forward = relu6_forward,
    .backward = relu6_backward,
    .recompute = relu6_forward,
};
