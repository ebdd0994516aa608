/* Fully connected nodes: PyTorch's Linear, weight (OUT, IN) and an optional bias, on a flat
 * (IN, 1, 1) input. */
#include "core/error.h"
#include "models/op.h"

static int infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    const cs__act_shape x = net->acts[node->in[0]];
    if (x.h != 1 || x.w != 1 || node->c_out < 1)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT,
                                           "network: %s needs a flat input and out >= 1 (got %dx%dx%d, out %d)",
                                           name ? name : "linear", x.c, x.h, x.w, node->c_out));
    const int64_t wd[2] = { node->c_out, x.c }, bd[1] = { node->c_out };
    cs__net_add_tensor(net, node, name, "weight", true, 2, wd);
    if (node->bias)
        cs__net_add_tensor(net, node, name, "bias", true, 1, bd);
    *out = (cs__act_shape){ node->c_out, 1, 1 };
    return net->status;
}

static void forward(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const float *b = node->bias ? cs__net_tensor_data(net, node->first_tensor + 1) : NULL;
    cs__linear_forward(cs__member_act(me, node->out), cs__member_act(me, node->in[0]),
                       cs__net_tensor_data(net, node->first_tensor), b, me->rows, net->acts[node->in[0]].c,
                       node->c_out);
}

static void backward(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    float *db = node->bias ? cs__member_grad(me, node->first_tensor + 1) : NULL;
    cs__linear_backward(cs__member_dx(me, node), cs__member_grad(me, node->first_tensor), db,
                        cs__member_dact(me, node->out), cs__member_act(me, node->in[0]),
                        cs__net_tensor_data(net, node->first_tensor), me->rows, net->acts[node->in[0]].c,
                        node->c_out);
}

static double flops(const cs__net *net, const cs__node *node)
{
    return 2.0 * net->acts[node->in[0]].c * node->c_out;
}

const cs__op_def cs__op_linear = {
    .name = "linear",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_READS_INPUT | CS__OP_MEMBER_GRADS,
    .infer = infer,
    .init = cs__op_init_fan_in,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};
