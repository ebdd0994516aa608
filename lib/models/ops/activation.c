/* Element-wise activations: ReLU and ReLU6. Both may run in place, and both read their own
 * output in backward (so their producer's output must survive them). */
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

static void relu_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    float *dx = cs__member_dx(me, node), *dy = cs__member_dact(me, node->out);
    const float *y = cs__member_act(me, node->out);
    if (dx == dy)
        cs__relu_backward_inplace(dx, y, count_of(me, node));
    else if (dx)
        cs__relu_backward(dx, dy, y, count_of(me, node));
}

static void relu6_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    cs__relu6_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), count_of(me, node));
}

static void relu6_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    float *dx = cs__member_dx(me, node), *dy = cs__member_dact(me, node->out);
    const float *y = cs__member_act(me, node->out);
    if (dx == dy)
        cs__relu6_backward_inplace(dx, y, count_of(me, node));
    else if (dx)
        cs__relu6_backward(dx, dy, y, count_of(me, node));
}

const cs__op_def cs__op_relu = {
    .name = "relu",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_IN_PLACE | CS__OP_READS_OUTPUT,
    .infer = same_shape,
    .forward = relu_forward,
    .backward = relu_backward,
};

const cs__op_def cs__op_relu6 = {
    .name = "relu6",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_IN_PLACE | CS__OP_READS_OUTPUT,
    .infer = same_shape,
    .forward = relu6_forward,
    .backward = relu6_backward,
};
