/* Dropout nodes: inverted dropout in training (masks from Philox, keyed per (seed, node,
 * step), one byte per element of the batch saved for backward), the identity in evaluation.
 * May run in place. */
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "models/op.h"

static int infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    (void)name;
    if (!(node->p >= 0.0 && node->p < 1.0))
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT,
                                           "network: dropout probability %g is outside [0, 1)", node->p));
    *out = net->acts[node->in[0]];
    return net->status;
}

static size_t state_bytes(const cs__net *net, const cs__node *node, int batch, int members)
{
    (void)members;
    return cs__act_count(net, node->out) * (size_t)batch;
}

static uint8_t *mask_of(const cs__member *me, int i)
{
    const cs__net *net = me->net;
    return (uint8_t *)net->plan.state[i] + (size_t)me->lo * cs__act_count(net, net->nodes[i].out);
}

static void forward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const size_t per = cs__act_count(me->net, node->out), count = per * (size_t)me->rows;
    float *y = cs__member_act(me, node->out);
    const float *x = cs__member_act(me, node->in[0]);
    /* Each (seed, step, node) has its own key, so masks never repeat across layers; an
     * element's mask depends on its place in the batch, not on the member. */
    if (me->training && node->p > 0.0)
        cs__dropout_forward(y, mask_of(me, i), x, count, node->p,
                            cs__seed_derive(cs__seed_derive(me->dropout_seed, (uint64_t)i), me->dropout_counter),
                            (uint64_t)me->lo * per);
    else if (y != x)
        memcpy(y, x, count * sizeof *y);
}

static void backward(const cs__member *me, int i)
{
    const cs__node *node = &me->net->nodes[i];
    const size_t count = cs__act_count(me->net, node->out) * (size_t)me->rows;
    float *dx = cs__member_dx(me, node), *dy = cs__member_dact(me, node->out);
    if (dx == dy && node->p > 0.0)
        cs__dropout_backward_inplace(dx, mask_of(me, i), count, node->p);
    else if (dx && dx != dy && node->p > 0.0)
        cs__dropout_backward(dx, dy, mask_of(me, i), count, node->p);
    else if (dx && dx != dy)
        cs__add_backward(dx, NULL, dy, count);
}

const cs__op_def cs__op_dropout = {
    .name = "dropout",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_IN_PLACE,
    .infer = infer,
    .state_bytes = state_bytes,
    .forward = forward,
    .backward = backward,
};
