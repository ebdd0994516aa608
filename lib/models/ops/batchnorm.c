/* BatchNorm2d nodes (PyTorch's defaults: momentum 0.1, eps 1e-5). In training the members
 * meet twice in forward (batch mean, then variance, from shard sums) and once in backward;
 * the saved state holds, per node, members x 4C shard sums in double (forward sums, forward
 * squared deviations, backward dy and dy * x_hat) followed by members x (mean, invstd). */
#include "models/op.h"

#define BN_MOMENTUM 0.1
#define BN_EPS 1e-5

static int infer(cs__net *net, cs__node *node, const char *name, cs__act_shape *out)
{
    const cs__act_shape x = net->acts[node->in[0]];
    const int64_t d[1] = { x.c };
    cs__net_add_tensor(net, node, name, "weight", true, 1, d);
    cs__net_add_tensor(net, node, name, "bias", true, 1, d);
    cs__net_add_tensor(net, node, name, "running_mean", false, 1, d);
    cs__net_add_tensor(net, node, name, "running_var", false, 1, d);
    *out = x;
    return net->status;
}

static void init(cs__net *net, const cs__node *node, uint64_t seed)
{
    (void)seed;
    const int t = node->first_tensor, c = (int)net->tensors[t].count;
    float *gamma = cs__net_tensor_data(net, t), *beta = cs__net_tensor_data(net, t + 1);
    float *mean = cs__net_tensor_data(net, t + 2), *var = cs__net_tensor_data(net, t + 3);
    for (int i = 0; i < c; i++) {
        gamma[i] = 1.0f;
        beta[i] = 0.0f;
        mean[i] = 0.0f;
        var[i] = 1.0f;
    }
}

static size_t state_bytes(const cs__net *net, const cs__node *node, int batch, int members)
{
    (void)batch;
    const size_t c = (size_t)net->acts[node->in[0]].c;
    return (size_t)members * c * (4 * sizeof(double) + 2 * sizeof(float));
}

static double *sums_of(const cs__net *net, int i)
{
    return net->plan.state[i];
}

/* Member t's (mean, invstd). */
static float *saved_of(const cs__member *me, int i, int c)
{
    return (float *)(sums_of(me->net, i) + (size_t)me->members * 4 * (size_t)c) + (size_t)me->t * 2 * (size_t)c;
}

/* The training output from the input and the member's saved statistics: forward's last step,
 * and the recompute entry (backward keeps the input for x_hat anyway, so the planner may drop
 * the output and have this write it again, the same bits). */
static void normalize(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const cs__act_shape *in = &net->acts[node->in[0]];
    const int c = in->c, tn = node->first_tensor;
    const float *mean = saved_of(me, i, c), *invstd = mean + c;
    cs__bn_normalize(cs__member_act(me, node->out), cs__member_act(me, node->in[0]), mean, invstd,
                     cs__net_tensor_data(net, tn), cs__net_tensor_data(net, tn + 1), me->rows, c, in->h * in->w);
}

/* Training: shard sums, then the batch mean, shard squared deviations, then 1/std; every
 * member computes the same statistics into its own copy of the saved state, member 0 updates
 * the running ones. Evaluation: the running statistics. */
static void forward(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const cs__act_shape *in = &net->acts[node->in[0]];
    const int c = in->c, hw = in->h * in->w, tn = node->first_tensor;
    float *y = cs__member_act(me, node->out);
    const float *x = cs__member_act(me, node->in[0]);
    if (!me->training) {
        if (me->rows > 0)
            cs__bn_forward_eval(y, x, cs__net_tensor_data(net, tn), cs__net_tensor_data(net, tn + 1),
                                cs__net_tensor_data(net, tn + 2), cs__net_tensor_data(net, tn + 3), me->rows, c, hw,
                                BN_EPS);
        return;
    }
    const int T = me->members, t = me->t;
    const double m = (double)me->n * (double)hw;
    double *sums = sums_of(net, i), *ssd = sums + (size_t)T * (size_t)c;
    float *mean = saved_of(me, i, c), *invstd = mean + c;
    cs__bn_partial_sums(sums + (size_t)t * (size_t)c, x, me->rows, c, hw);
    cs__member_barrier(me);
    cs__bn_batch_mean(mean, sums, T, c, m);
    cs__bn_partial_ssd(ssd + (size_t)t * (size_t)c, x, mean, me->rows, c, hw);
    cs__member_barrier(me);
    cs__bn_batch_invstd(invstd, ssd, T, c, m, BN_EPS);
    if (t == 0)
        cs__bn_update_running(cs__net_tensor_data(net, tn + 2), cs__net_tensor_data(net, tn + 3), mean, ssd, T, c, m,
                              BN_MOMENTUM);
    normalize(me, i);
}

static void backward(const cs__member *me, int i)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const cs__act_shape *in = &net->acts[node->in[0]];
    const int c = in->c, hw = in->h * in->w, tn = node->first_tensor;
    const int T = me->members, t = me->t;
    float *dx = cs__member_dx(me, node);
    const float *dy = cs__member_dact(me, node->out), *x = cs__member_act(me, node->in[0]);
    double *sums = sums_of(net, i) + 2 * (size_t)T * (size_t)c;
    const float *mean = saved_of(me, i, c), *invstd = mean + c;
    cs__bn_backward_partial(sums + (size_t)t * 2 * (size_t)c, dy, x, mean, invstd, me->rows, c, hw);
    cs__member_barrier(me);
    if (t == 0)
        cs__bn_backward_params(cs__net_tensor_grad(net, tn), cs__net_tensor_grad(net, tn + 1), sums, T, c);
    if (dx)
        cs__bn_backward_input(dx, dy, x, mean, invstd, cs__net_tensor_data(net, tn), sums, T, me->rows, c, hw,
                              (double)me->n * (double)hw);
}

const cs__op_def cs__op_bn = {
    .name = "batch norm",
    .min_inputs = 1,
    .max_inputs = 1,
    .flags = CS__OP_WHOLE_BATCH | CS__OP_READS_INPUT | CS__OP_IN_PLACE_EVAL,
    .infer = infer,
    .init = init,
    .state_bytes = state_bytes,
    .forward = forward,
    .backward = backward,
    .recompute = normalize,
};
