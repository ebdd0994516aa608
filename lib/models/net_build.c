/* The network builder (see net.h): the graph, its named tensors and its parameter blocks.
 * What a node means is its op's business (models/op.h); this file only records it. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "models/op.h"

static bool grow(void **items, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return true;
    int next = *cap ? *cap * 2 : 16;
    while (next < need)
        next *= 2;
    void *p = realloc(*items, (size_t)next * size);
    if (!p)
        return false;
    *items = p;
    *cap = next;
    return true;
}

int cs__net_fail(cs__net *net, int status)
{
    if (net->status == CS_OK)
        net->status = status;
    return net->status;
}

static int add_act(cs__net *net, cs__act_shape shape)
{
    if (!grow((void **)&net->acts, &net->cap_acts, net->n_acts + 1, sizeof *net->acts))
        return cs__net_fail(net, cs__error_oom("network activations", sizeof *net->acts));
    net->acts[net->n_acts] = shape;
    return net->n_acts++;
}

static cs__node *add_node(cs__net *net, cs__op op, const int *in, int n_in)
{
    if (!grow((void **)&net->nodes, &net->cap_nodes, net->n_nodes + 1, sizeof *net->nodes)) {
        cs__net_fail(net, cs__error_oom("network nodes", sizeof *net->nodes));
        return NULL;
    }
    cs__node *node = &net->nodes[net->n_nodes++];
    memset(node, 0, sizeof *node);
    node->op = op;
    node->n_in = n_in;
    for (int i = 0; i < n_in; i++)
        node->in[i] = in[i];
    node->first_tensor = -1;
    return node;
}

int cs__net_add_tensor(cs__net *net, cs__node *node, const char *prefix, const char *suffix, bool trainable,
                       int ndim, const int64_t *dims)
{
    if (net->status != CS_OK)
        return net->status;
    if (!grow((void **)&net->tensors, &net->cap_tensors, net->n_tensors + 1, sizeof *net->tensors))
        return cs__net_fail(net, cs__error_oom("network tensors", sizeof *net->tensors));
    cs__named_tensor *t = &net->tensors[net->n_tensors];
    memset(t, 0, sizeof *t);
    int len = snprintf(t->name, sizeof t->name, "%s.%s", prefix ? prefix : "(unnamed)", suffix);
    if (!prefix || len < 0 || (size_t)len >= sizeof t->name)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: tensor name %s.%s is %s",
                                           prefix ? prefix : "(unnamed)", suffix, prefix ? "too long" : "missing"));
    t->ndim = ndim;
    t->count = 1;
    for (int d = 0; d < ndim; d++) {
        t->dims[d] = dims[d];
        t->count *= (size_t)dims[d];
    }
    t->trainable = trainable;
    t->offset = trainable ? net->n_params : net->n_buffers;
    if (trainable) {
        if (node->grad_count == 0)
            node->grad_from = net->n_params;
        node->grad_count += t->count;
        net->n_params += t->count;
    } else {
        net->n_buffers += t->count;
    }
    if (node->first_tensor < 0)
        node->first_tensor = net->n_tensors;
    net->n_tensors++;
    return CS_OK;
}

int cs__net_init(cs__net *net, int c, int h, int w)
{
    memset(net, 0, sizeof *net);
    net->logits = -1;
    net->members = 1;
    if (c < 1 || h < 1 || w < 1)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: input %dx%dx%d must be at least 1x1x1",
                                           c, h, w));
    net->input = (cs__act_shape){ c, h, w };
    cs__node *node = add_node(net, CS__OP_INPUT, NULL, 0);
    if (!node)
        return net->status;
    node->out = add_act(net, net->input);
    return node->out;
}

int cs__net_node(cs__net *net, cs__op op, const int *in, int n_in, const cs__node *args, const char *name)
{
    if (net->status != CS_OK)
        return net->status;
    const cs__op_def *def = cs__op_def_of(op);
    if (!def || !def->infer)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: op %d cannot be added", (int)op));
    if (n_in < def->min_inputs || n_in > def->max_inputs)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: %s of %d inputs (%d..%d)", def->name,
                                           n_in, def->min_inputs, def->max_inputs));
    for (int i = 0; i < n_in; i++)
        if (in[i] < 0 || in[i] >= net->n_acts)
            return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: %s input %d is not an activation",
                                               name ? name : def->name, in[i]));
    cs__node *node = add_node(net, op, in, n_in);
    if (!node)
        return net->status;
    if (args) {
        node->c_out = args->c_out;
        node->k = args->k;
        node->stride = args->stride;
        node->pad = args->pad;
        node->groups = args->groups;
        node->bias = args->bias;
        node->p = args->p;
    }
    /* A failed node leaves no trace but the sticky status. */
    const int n_tensors = net->n_tensors;
    const size_t n_params = net->n_params, n_buffers = net->n_buffers;
    cs__act_shape out;
    if (def->infer(net, node, name, &out) == CS_OK) {
        if ((long long)out.c * out.h * out.w > INT_MAX)
            cs__net_fail(net, cs__error(CS_ERR_OVERFLOW, "network: the %dx%dx%d output of %s exceeds INT_MAX values",
                                        out.c, out.h, out.w, name ? name : def->name));
        else
            node->out = add_act(net, out);
    }
    if (net->status != CS_OK) {
        net->n_nodes--;
        net->n_tensors = n_tensors;
        net->n_params = n_params;
        net->n_buffers = n_buffers;
        return net->status;
    }
    return node->out;
}

int cs__net_conv(cs__net *net, int in, const char *name, int c_out, int k, int stride, int pad, bool bias)
{
    return cs__net_conv_grouped(net, in, name, c_out, k, stride, pad, 1, bias);
}

int cs__net_conv_grouped(cs__net *net, int in, const char *name, int c_out, int k, int stride, int pad, int groups,
                         bool bias)
{
    cs__node a = { .c_out = c_out, .k = k, .stride = stride, .pad = pad, .groups = groups, .bias = bias };
    return cs__net_node(net, CS__OP_CONV, &in, 1, &a, name);
}

int cs__net_bn(cs__net *net, int in, const char *name)
{
    return cs__net_node(net, CS__OP_BN, &in, 1, NULL, name);
}

int cs__net_relu(cs__net *net, int in)
{
    return cs__net_node(net, CS__OP_RELU, &in, 1, NULL, NULL);
}

int cs__net_relu6(cs__net *net, int in)
{
    return cs__net_node(net, CS__OP_RELU6, &in, 1, NULL, NULL);
}

int cs__net_maxpool(cs__net *net, int in, int k, int stride, int pad)
{
    cs__node a = { .k = k, .stride = stride, .pad = pad };
    return cs__net_node(net, CS__OP_MAXPOOL, &in, 1, &a, NULL);
}

int cs__net_avgpool(cs__net *net, int in, int k, int stride, int pad)
{
    cs__node a = { .k = k, .stride = stride, .pad = pad };
    return cs__net_node(net, CS__OP_AVGPOOL, &in, 1, &a, NULL);
}

int cs__net_gap(cs__net *net, int in)
{
    return cs__net_node(net, CS__OP_GAP, &in, 1, NULL, NULL);
}

int cs__net_gmaxpool(cs__net *net, int in)
{
    return cs__net_node(net, CS__OP_GMAXPOOL, &in, 1, NULL, NULL);
}

int cs__net_flatten(cs__net *net, int in)
{
    return cs__net_node(net, CS__OP_FLATTEN, &in, 1, NULL, NULL);
}

int cs__net_linear(cs__net *net, int in, const char *name, int out, bool bias)
{
    cs__node a = { .c_out = out, .bias = bias };
    return cs__net_node(net, CS__OP_LINEAR, &in, 1, &a, name);
}

int cs__net_add(cs__net *net, int a, int b)
{
    int in[2] = { a, b };
    return cs__net_node(net, CS__OP_ADD, in, 2, NULL, NULL);
}

int cs__net_concat(cs__net *net, const int *in, int n)
{
    return cs__net_node(net, CS__OP_CONCAT, in, n, NULL, NULL);
}

int cs__net_dropout(cs__net *net, int in, double p)
{
    cs__node a = { .p = p };
    return cs__net_node(net, CS__OP_DROPOUT, &in, 1, &a, NULL);
}

int cs__net_finish_layout(cs__net *net, int logits)
{
    if (net->status != CS_OK)
        return net->status;
    if (logits < 0 || logits >= net->n_acts || net->acts[logits].h != 1 || net->acts[logits].w != 1)
        return cs__net_fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: the output must be a flat activation"));
    net->logits = logits;
    return CS_OK;
}

int cs__net_finish(cs__net *net, int logits)
{
    int status = cs__net_finish_layout(net, logits);
    if (status != CS_OK)
        return status;
    size_t pbytes = (net->n_params ? net->n_params : 1) * sizeof(float);
    size_t bbytes = (net->n_buffers ? net->n_buffers : 1) * sizeof(float);
    net->params = cs__aligned_alloc(pbytes);
    net->grads = cs__aligned_alloc(pbytes);
    net->momentum = cs__aligned_alloc(pbytes);
    net->buffers = cs__aligned_alloc(bbytes);
    if (!net->params || !net->grads || !net->momentum || !net->buffers)
        return cs__net_fail(net, cs__error_oom("network parameters, gradients and momentum", 3 * pbytes + bbytes));
    memset(net->params, 0, pbytes);
    memset(net->grads, 0, pbytes);
    memset(net->momentum, 0, pbytes);
    memset(net->buffers, 0, bbytes);
    return CS_OK;
}

float *cs__net_tensor_data(cs__net *net, int i)
{
    const cs__named_tensor *t = &net->tensors[i];
    return (t->trainable ? net->params : net->buffers) + t->offset;
}

float *cs__net_tensor_grad(cs__net *net, int i)
{
    const cs__named_tensor *t = &net->tensors[i];
    return t->trainable ? net->grads + t->offset : NULL;
}

void cs__op_init_fan_in(cs__net *net, const cs__node *node, uint64_t seed)
{
    const int t = node->first_tensor;
    const cs__named_tensor *w = &net->tensors[t];
    const size_t fan_in = w->count / (size_t)w->dims[0];
    const double bound = 1.0 / sqrt((double)fan_in);
    const int last = node->bias ? t + 1 : t;
    for (int i = t; i <= last; i++) {
        cs__rng r;
        cs__rng_init(&r, seed, (uint64_t)i);
        float *data = cs__net_tensor_data(net, i);
        for (size_t j = 0; j < net->tensors[i].count; j++)
            data[j] = (float)((2.0 * cs__rng_uniform(&r) - 1.0) * bound);
    }
}

void cs__net_init_params(cs__net *net, uint64_t seed)
{
    for (int n = 0; n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        const cs__op_def *def = cs__op_def_of(node->op);
        if (node->first_tensor >= 0 && def->init)
            def->init(net, node, seed);
    }
}

void cs__net_free(cs__net *net)
{
    if (!net)
        return;
    cs__net_plan_free(net);
    cs__team_destroy(net->team);
    free(net->nodes);
    free(net->acts);
    free(net->tensors);
    cs__aligned_free(net->params);
    cs__aligned_free(net->grads);
    cs__aligned_free(net->momentum);
    cs__aligned_free(net->buffers);
    memset(net, 0, sizeof *net);
}

double cs__net_forward_flops(const cs__net *net)
{
    double flops = 0.0;
    for (int i = 0; i < net->n_nodes; i++) {
        const cs__op_def *def = cs__op_def_of(net->nodes[i].op);
        if (def->flops)
            flops += def->flops(net, &net->nodes[i]);
    }
    return flops;
}

bool cs__net_has_bn(const cs__net *net)
{
    for (int i = 0; i < net->n_nodes; i++)
        if (net->nodes[i].op == CS__OP_BN)
            return true;
    return false;
}
