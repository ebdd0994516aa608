/* The executor's passes (see net.h): forward in node order and backward in reverse, each
 * node through its op's entry (models/op.h), split among the members of the team; and the
 * element-wise work over the parameter block (zeroing, the SGD step). */
#include <string.h>

#include "models/op.h"
#include "tensor/precision.h"

/* One forward or backward pass as the members see it. */
typedef struct pass {
    cs__net *net;
    const float *x;             /* forward: the caller's input (N, C, H, W) */
    const float *dlogits;       /* backward: (N, K) */
    int n;
    bool training;
    uint64_t dropout_seed, dropout_counter;
} pass;

static cs__member member_of(const pass *p, int t, int members)
{
    cs__net *net = p->net;
    long long lo, hi;
    cs__team_share(p->n, t, members, &lo, &hi);
    cs__member me = { .net = net, .t = t, .members = members, .lo = (int)lo, .rows = (int)(hi - lo), .n = p->n,
                      .training = p->training, .dropout_seed = p->dropout_seed,
                      .dropout_counter = p->dropout_counter };
    me.grads = t == 0 ? net->grads : net->plan.grads_private + (size_t)(t - 1) * net->plan.grads_window;
    me.acts = p->dlogits ? net->plan.act_bwd : net->plan.act;
    me.work = net->plan.work ? net->plan.work + (size_t)t * net->plan.work_stride : NULL;
    me.input = p->training || !p->x ? net->plan.act[0] + (size_t)t * net->plan.act_stride[0]
                                    : p->x + (size_t)me.lo * cs__act_count(net, 0);
    return me;
}

void cs__member_barrier(const cs__member *me)
{
    if (me->members > 1)
        cs__team_barrier(me->net->team);
}

/* A member's share of a pass with the thread's matrix products in the net's precision. */
typedef struct precise_run {
    cs__team_fn fn;
    void *arg;
    cs_precision precision;
} precise_run;

static void precise_member(void *arg, int t, int members)
{
    const precise_run *r = arg;
    const cs_precision before = cs__precision_set(r->precision);
    r->fn(r->arg, t, members);
    cs__precision_set(before);
}

/* Run fn on every member, each GEMM single-threaded when the net has a thread count, in the
 * net's precision. */
static void run_members(cs__net *net, cs__team_fn fn, void *arg)
{
    precise_run r = { fn, arg, (cs_precision)net->precision };
    if (net->precision != CS_PRECISION_FP32) {
        fn = precise_member;
        arg = &r;
    }
    if (net->threads > 0)
        cs__blas_serial_begin();
    if (net->team)
        cs__team_run(net->team, fn, arg);
    else
        fn(arg, 0, 1);
    if (net->threads > 0)
        cs__blas_serial_end();
}

static void forward_member(void *arg, int t, int members)
{
    const pass *p = arg;
    cs__net *net = p->net;
    const cs__member me = member_of(p, t, members);
    const int n = me.rows;
    if (p->training && n > 0)
        memcpy((float *)me.input, p->x + (size_t)me.lo * cs__act_count(net, 0),
               cs__act_count(net, 0) * (size_t)n * sizeof(float));
    for (int i = 1; i < net->n_nodes; i++) {
        const cs__op_def *def = cs__op_def_of(net->nodes[i].op);
        if (n > 0 || (def->flags & CS__OP_WHOLE_BATCH))
            def->forward(&me, i);
    }
    const size_t k = cs__act_count(net, net->logits);
    if (n > 0)
        memcpy(net->plan.out + (size_t)me.lo * k, cs__member_act(&me, net->logits), (size_t)n * k * sizeof(float));
}

const float *cs__net_forward(cs__net *net, const float *x, int n, bool training, uint64_t dropout_seed,
                             uint64_t dropout_counter)
{
    pass p = { net, x, NULL, n, training, dropout_seed, dropout_counter };
    run_members(net, forward_member, &p);
    return net->plan.out;
}

const float *cs__net_logits(const cs__net *net)
{
    return net->plan.out;
}

/* After node i's backward: its parameter gradients of members 1.. into grads, in member order,
 * leaving their windows zero for the next node; each member sums its share of the node's
 * parameters. The first barrier waits for every member's gradients, the second for every
 * sum before a window is written again. */
static void reduce_node_gradients(const cs__member *me, const cs__node *node)
{
    cs__net *net = me->net;
    cs__member_barrier(me);
    long long lo, hi;
    cs__team_share((long long)node->grad_count, me->t, me->members, &lo, &hi);
    float *grads = net->grads + node->grad_from;
    for (int u = 1; u < me->members; u++) {
        float *window = net->plan.grads_private + (size_t)(u - 1) * net->plan.grads_window;
        for (long long j = lo; j < hi; j++) {
            grads[j] += window[j];
            window[j] = 0.0f;
        }
    }
    cs__member_barrier(me);
}

/* The group that node `root` starts (its output and what runs in place over it) written again
 * into its backward buffer, by every node that writes into it, in node order (the planner
 * placed them all before `at`, the node whose backward reads it first). */
static void recompute_group(const cs__member *me, int root, int at)
{
    const cs__net *net = me->net;
    const int g = net->plan.owner[net->nodes[root].out];
    for (int m = root; m <= at; m++)
        if (net->plan.owner[net->nodes[m].out] == g)
            cs__op_def_of(net->nodes[m].op)->recompute(me, m);
}

static void backward_member(void *arg, int t, int members)
{
    const pass *p = arg;
    cs__net *net = p->net;
    const cs__net_plan *plan = &net->plan;
    cs__member me = member_of(p, t, members);
    const int n = me.rows;
    const size_t k = cs__act_count(net, net->logits);
    if (n > 0)
        memcpy(cs__member_dact(&me, net->logits), p->dlogits + (size_t)me.lo * k, (size_t)n * k * sizeof(float));
    int next_zero = 0;
    while (next_zero < plan->n_zero && plan->zero_at[plan->zero_order[next_zero]] >= net->n_nodes)
        next_zero++;
    for (int i = net->n_nodes - 1; i >= 1; i--) {
        /* Gradients first written by this step start from zero (their buffers are shared). */
        for (; next_zero < plan->n_zero && plan->zero_at[plan->zero_order[next_zero]] == i; next_zero++) {
            int g = plan->zero_order[next_zero];
            memset(cs__member_dact(&me, g), 0, cs__act_count(net, g) * (size_t)n * sizeof(float));
        }
        const cs__op_def *def = cs__op_def_of(net->nodes[i].op);
        const bool reduce = members > 1 && (def->flags & CS__OP_MEMBER_GRADS) && net->nodes[i].grad_count > 0;
        if (reduce && t > 0)
            me.grads_from = net->nodes[i].grad_from;
        const int again = plan->recompute_before[i];
        if (again >= 0 && n > 0)
            recompute_group(&me, again, i);
        if (n > 0 || (def->flags & CS__OP_WHOLE_BATCH))
            def->backward(&me, i);
        if (reduce)
            reduce_node_gradients(&me, &net->nodes[i]);
    }
}

void cs__net_backward(cs__net *net, const float *dlogits, int n)
{
    pass p = { net, NULL, dlogits, n, true, 0, 0 };
    run_members(net, backward_member, &p);
}

/* Element-wise work over the parameters, split among the members (results do not depend on
 * the split). */
typedef struct param_job {
    cs__net *net;
    float lr, momentum, dampening, weight_decay;
    bool nesterov, first, finite[CS__NET_MAX_THREADS];
    enum { JOB_ZERO, JOB_STEP, JOB_CHECK } kind;
} param_job;

static void param_member(void *arg, int t, int members)
{
    param_job *j = arg;
    cs__net *net = j->net;
    long long lo, hi;
    cs__team_share((long long)net->n_params, t, members, &lo, &hi);
    const size_t count = (size_t)(hi - lo);
    float *param = net->params + lo, *grad = net->grads + lo, *buf = net->momentum + lo;
    if (j->kind == JOB_ZERO)
        memset(grad, 0, count * sizeof *grad);
    else if (j->kind == JOB_STEP)
        cs__sgd_step(param, buf, grad, count, j->lr, j->momentum, j->dampening, j->weight_decay, j->nesterov, j->first);
    else
        j->finite[t] = cs__sgd_step_is_finite(param, buf, grad, count, j->lr, j->momentum, j->dampening,
                                              j->weight_decay, j->nesterov, j->first);
}

static void run_param_job(cs__net *net, param_job *j)
{
    j->net = net;
    if (net->team)
        cs__team_run(net->team, param_member, j);
    else
        param_member(j, 0, 1);
}

void cs__net_zero_grad(cs__net *net)
{
    param_job j = { .kind = JOB_ZERO };
    run_param_job(net, &j);
}

void cs__net_sgd_step(cs__net *net, float lr, float momentum, float dampening, float weight_decay, bool nesterov)
{
    param_job j = { .kind = JOB_STEP, .lr = lr, .momentum = momentum, .dampening = dampening,
                    .weight_decay = weight_decay, .nesterov = nesterov, .first = !net->momentum_started };
    run_param_job(net, &j);
    net->momentum_started = true;
}

bool cs__net_sgd_step_is_finite(cs__net *net, float lr, float momentum, float dampening, float weight_decay,
                                bool nesterov)
{
    param_job j = { .kind = JOB_CHECK, .lr = lr, .momentum = momentum, .dampening = dampening,
                    .weight_decay = weight_decay, .nesterov = nesterov, .first = !net->momentum_started };
    run_param_job(net, &j);
    for (int t = 0; t < net->members; t++)
        if (!j.finite[t])
            return false;
    return true;
}
