/* Nodes that move or combine activations without parameters: the network input, flatten
 * (row-major already: a copy only when not run in place), the residual addition and the
 * channel concatenation of inception branches. */
#include <limits.h>
#include <string.h>

#include "core/error.h"
#include "models/op.h"

const cs__op_def cs__op_input = {
    .name = "input",
};

static int flatten_infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    const cs__act_shape x = net->acts[node->in[0]];
    if ((long long)x.c * x.h * x.w > INT_MAX)
        return cs__net_fail(net, cs__error(CS_ERR_OVERFLOW, "network: flattening %dx%dx%d exceeds INT_MAX features",
                                           x.c, x.h, x.w));
    *out = (cs__act_shape){ x.c * x.h * x.w, 1, 1 };
    return net->status;
}

static void flatten_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    float *y = cs__member_act(me, node->out);
    const float *x = cs__member_act(me, node->in[0]);
    if (y != x)
        memcpy(y, x, cs__act_count(me->net, node->out) * (size_t)me->rows * sizeof *y);
}

static void flatten_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    float *dx = cs__member_dx(me, node), *dy = cs__member_dact(me, node->out);
    if (dx && dx != dy)
        cs__add_backward(dx, NULL, dy, cs__act_count(me->net, node->out) * (size_t)me->rows);
}

static int add_infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    const cs__act_shape x = net->acts[node->in[0]], y = net->acts[node->in[1]];
    if (x.c != y.c || x.h != y.h || x.w != y.w)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: residual add of %dx%dx%d and %dx%dx%d",
                                           x.c, x.h, x.w, y.c, y.h, y.w));
    *out = x;
    return net->status;
}

static void add_forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    cs__add_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), cs__member_act(me, node->in[1]),
                    cs__act_count(me->net, node->out) * (size_t)me->rows);
}

static void add_backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    cs__add_backward(cs__member_dx(me, node), node->in[1] == 0 ? NULL : cs__member_dact(me, node->in[1]),
                     cs__member_dact(me, node->out), cs__act_count(me->net, node->out) * (size_t)me->rows);
}

static int concat_infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    cs__act_shape y = net->acts[node->in[0]];
    for (int i = 1; i < node->n_in; i++) {
        const cs__act_shape x = net->acts[node->in[i]];
        if (x.h != y.h || x.w != y.w)
            return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: concat of %dx%d and %dx%d planes",
                                               y.h, y.w, x.h, x.w));
        if (y.c > INT_MAX - x.c)
            return cs__net_fail(net, cs__error(CS_ERR_OVERFLOW, "network: concat of more than INT_MAX channels"));
        y.c += x.c;
    }
    *out = y;
    return net->status;
}

static void concat_forward(const cs__member *me, int i)
{
    const cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const float *parts[CS__NET_MAX_INPUTS];
    int channels[CS__NET_MAX_INPUTS];
    for (int q = 0; q < node->n_in; q++) {
        parts[q] = cs__member_act(me, node->in[q]);
        channels[q] = net->acts[node->in[q]].c;
    }
    const cs__act_shape *in = &net->acts[node->in[0]];
    cs__concat_forward(cs__member_act(me, node->out), parts, channels, node->n_in, me->rows, in->h * in->w);
}

static void concat_backward(const cs__member *me, int i)
{
    const cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    float *parts[CS__NET_MAX_INPUTS];
    int channels[CS__NET_MAX_INPUTS];
    for (int q = 0; q < node->n_in; q++) {
        parts[q] = node->in[q] == 0 ? NULL : cs__member_dact(me, node->in[q]);
        channels[q] = net->acts[node->in[q]].c;
    }
    const cs__act_shape *in = &net->acts[node->in[0]];
    cs__concat_backward(parts, cs__member_dact(me, node->out), channels, node->n_in, me->rows, in->h * in->w);
}

const cs__op_def cs__op_flatten = {
    .name = "flatten",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_IN_PLACE,
    .infer = flatten_infer,
    .forward = flatten_forward,
    .backward = flatten_backward,
};

const cs__op_def cs__op_add = {
    .name = "residual add",
    .min_inputs = 2,
    .max_inputs = 2,
    .infer = add_infer,
    .forward = add_forward,
    .backward = add_backward,
};

const cs__op_def cs__op_concat = {
    .name = "concat",
    .min_inputs = 1,
    .max_inputs = CS__NET_MAX_INPUTS,
    .flags = CS__OP_CONCATENATES,
    .infer = concat_infer,
    .forward = concat_forward,
    .backward = concat_backward,
};
