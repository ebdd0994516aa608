/* Convolution nodes: dense (groups 1, im2col or Winograd + GEMM, tensor/conv.c) and grouped
 * or depthwise (tensor/gconv.c), PyTorch's Conv2d with weight (C_out, C_in / groups, K, K)
 * and an optional bias. */
#include "core/error.h"
#include "models/op.h"

static int groups_of(const cs__node *node)
{
    return node->groups > 1 ? node->groups : 1;
}

static void shape_of(const cs__net *net, const cs__node *node, int n, cs__gconv_shape *s)
{
    const cs__act_shape *x = &net->acts[node->in[0]];
    cs__gconv_shape_init(s, n, x->c, x->h, x->w, node->c_out, node->k, node->stride, node->pad, groups_of(node));
}

static int infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    const cs__act_shape x = net->acts[node->in[0]];
    const int groups = groups_of(node);
    const char *what = name ? name : "convolution";
    if (node->c_out < 1)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: %s has %d output channels; expected >= 1",
                                           what, node->c_out));
    if (node->groups < 0 || x.c % groups != 0 || node->c_out % groups != 0)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT,
                                           "network: %s has %d groups for %d input and %d output channels; both "
                                           "counts must be positive multiples of the groups",
                                           what, node->groups, x.c, node->c_out));
    cs__gconv_shape s;
    if (!cs__gconv_shape_init(&s, 1, x.c, x.h, x.w, node->c_out, node->k, node->stride, node->pad, groups))
        return cs__net_fail(net, cs__error(CS_ERR_UNSUPPORTED,
                                           "network: %s (%dx%d kernel, stride %d, padding %d) gets a %dx%d input, too "
                                           "small for it; use a larger input or an architecture with fewer "
                                           "downsamplings",
                                           what, node->k, node->k, node->stride, node->pad, x.h, x.w));
    node->groups = groups;
    const int64_t wd[4] = { node->c_out, x.c / groups, node->k, node->k }, bd[1] = { node->c_out };
    cs__net_add_tensor(net, node, name, "weight", true, 4, wd);
    if (node->bias)
        cs__net_add_tensor(net, node, name, "bias", true, 1, bd);
    *out = (cs__act_shape){ node->c_out, s.conv.h_out, s.conv.w_out };
    return net->status;
}

static size_t workspace(const cs__net *net, const cs__node *node, int rows)
{
    cs__gconv_shape s;
    shape_of(net, node, rows, &s);
    return node->groups == 1 ? cs__conv_workspace(&s.conv) : cs__gconv_workspace(&s);
}

static const float *bias_of(cs__net *net, const cs__node *node)
{
    return node->bias ? cs__net_tensor_data(net, node->first_tensor + 1) : NULL;
}

static void forward(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    cs__gconv_shape s;
    shape_of(net, node, me->rows, &s);
    float *y = cs__member_act(me, node->out);
    const float *x = cs__member_act(me, node->in[0]), *w = cs__net_tensor_data(net, node->first_tensor);
    if (node->groups == 1)
        cs__conv2d_forward(y, x, w, bias_of(net, node), &s.conv, me->work);
    else
        cs__gconv2d_forward(y, x, w, bias_of(net, node), &s, me->work);
}

static void backward(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    cs__gconv_shape s;
    shape_of(net, node, me->rows, &s);
    float *dx = cs__member_dx(me, node), *dw = cs__member_grad(me, node->first_tensor);
    float *db = node->bias ? cs__member_grad(me, node->first_tensor + 1) : NULL;
    const float *dy = cs__member_dact(me, node->out), *x = cs__member_act(me, node->in[0]);
    const float *w = cs__net_tensor_data(net, node->first_tensor);
    if (node->groups == 1)
        cs__conv2d_backward(dx, dw, db, dy, x, w, &s.conv, me->work);
    else
        cs__gconv2d_backward(dx, dw, db, dy, x, w, &s, me->work);
}

static double flops(const cs__net *net, const cs__node *node)
{
    const cs__act_shape *in = &net->acts[node->in[0]], *out = &net->acts[node->out];
    return 2.0 * node->c_out * (in->c / node->groups) * node->k * node->k * out->h * out->w;
}

const cs__op_def cs__op_conv = {
    .name = "convolution",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_READS_INPUT | CS__OP_MEMBER_GRADS,
    .infer = infer,
    .init = cs__op_init_fan_in,
    .workspace = workspace,
    .forward = forward,
    .backward = backward,
    .flops = flops,
};
