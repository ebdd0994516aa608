/* The network builder and executor (see net.h). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "core/rng.h"
#include "models/net.h"

/* PyTorch's BatchNorm2d defaults. */
#define BN_MOMENTUM 0.1
#define BN_EPS 1e-5

/* ---- building ---------------------------------------------------------------------------- */

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

/* Record the first failure; every later builder call returns it. */
static int fail(cs__net *net, int status)
{
    if (net->status == CS_OK)
        net->status = status;
    return net->status;
}

static int add_act(cs__net *net, int c, int h, int w)
{
    if (!grow((void **)&net->acts, &net->cap_acts, net->n_acts + 1, sizeof *net->acts))
        return fail(net, cs__error_oom("network activations", sizeof *net->acts));
    net->acts[net->n_acts] = (cs__act_shape){ c, h, w };
    return net->n_acts++;
}

static cs__node *add_node(cs__net *net, cs__op op, const int *in, int n_in)
{
    if (!grow((void **)&net->nodes, &net->cap_nodes, net->n_nodes + 1, sizeof *net->nodes)) {
        fail(net, cs__error_oom("network nodes", sizeof *net->nodes));
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

/* Append the named tensor prefix.suffix with the given dims. */
static int add_tensor(cs__net *net, cs__node *node, const char *prefix, const char *suffix, bool trainable,
                      int ndim, const int64_t *dims)
{
    if (!grow((void **)&net->tensors, &net->cap_tensors, net->n_tensors + 1, sizeof *net->tensors))
        return fail(net, cs__error_oom("network tensors", sizeof *net->tensors));
    cs__named_tensor *t = &net->tensors[net->n_tensors];
    memset(t, 0, sizeof *t);
    int len = snprintf(t->name, sizeof t->name, "%s.%s", prefix, suffix);
    if (len < 0 || (size_t)len >= sizeof t->name)
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: tensor name %s.%s is too long", prefix, suffix));
    t->ndim = ndim;
    t->count = 1;
    for (int d = 0; d < ndim; d++) {
        t->dims[d] = dims[d];
        t->count *= (size_t)dims[d];
    }
    t->trainable = trainable;
    t->offset = trainable ? net->n_params : net->n_buffers;
    if (trainable)
        net->n_params += t->count;
    else
        net->n_buffers += t->count;
    if (node->first_tensor < 0)
        node->first_tensor = net->n_tensors;
    net->n_tensors++;
    return CS_OK;
}

static bool valid_act(const cs__net *net, int id)
{
    return id >= 0 && id < net->n_acts;
}

/* Common entry of every builder call: the sticky status and the input ids. */
static int check_inputs(cs__net *net, const int *in, int n, const char *what)
{
    if (net->status != CS_OK)
        return net->status;
    for (int i = 0; i < n; i++)
        if (!valid_act(net, in[i]))
            return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: %s input %d is not an activation",
                                       what, in[i]));
    return CS_OK;
}

int cs__net_init(cs__net *net, int c, int h, int w)
{
    memset(net, 0, sizeof *net);
    net->logits = -1;
    net->members = 1;
    if (c < 1 || h < 1 || w < 1)
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: input %dx%dx%d must be at least 1x1x1", c, h, w));
    net->input = (cs__act_shape){ c, h, w };
    cs__node *node = add_node(net, CS__OP_INPUT, NULL, 0);
    if (!node)
        return net->status;
    node->out = add_act(net, c, h, w);
    return node->out;
}

int cs__net_conv(cs__net *net, int in, const char *name, int c_out, int k, int stride, int pad, bool bias)
{
    int status = check_inputs(net, &in, 1, name);
    if (status != CS_OK)
        return status;
    cs__act_shape x = net->acts[in];
    cs__conv_shape s;
    if (c_out < 1 || !cs__conv_shape_init(&s, 1, x.c, x.h, x.w, c_out, k, k, stride, pad))
        return fail(net, cs__error(CS_ERR_UNSUPPORTED,
                                   "network: %s (%dx%d kernel, stride %d, padding %d) gets a %dx%d input, too small "
                                   "for it; use a larger input or an architecture with fewer downsamplings",
                                   name, k, k, stride, pad, x.h, x.w));
    cs__node *node = add_node(net, CS__OP_CONV, &in, 1);
    if (!node)
        return net->status;
    node->c_out = c_out;
    node->k = k;
    node->stride = stride;
    node->pad = pad;
    node->bias = bias;
    int64_t wd[4] = { c_out, x.c, k, k }, bd[1] = { c_out };
    add_tensor(net, node, name, "weight", true, 4, wd);
    if (bias)
        add_tensor(net, node, name, "bias", true, 1, bd);
    node->out = add_act(net, c_out, s.h_out, s.w_out);
    return net->status == CS_OK ? node->out : net->status;
}

int cs__net_bn(cs__net *net, int in, const char *name)
{
    int status = check_inputs(net, &in, 1, name);
    if (status != CS_OK)
        return status;
    cs__act_shape x = net->acts[in];
    cs__node *node = add_node(net, CS__OP_BN, &in, 1);
    if (!node)
        return net->status;
    int64_t d[1] = { x.c };
    add_tensor(net, node, name, "weight", true, 1, d);
    add_tensor(net, node, name, "bias", true, 1, d);
    add_tensor(net, node, name, "running_mean", false, 1, d);
    add_tensor(net, node, name, "running_var", false, 1, d);
    node->out = add_act(net, x.c, x.h, x.w);
    return net->status == CS_OK ? node->out : net->status;
}

/* A node without parameters whose output has the given shape. */
static int simple(cs__net *net, cs__op op, const int *in, int n_in, cs__act_shape out, const char *what)
{
    int status = check_inputs(net, in, n_in, what);
    if (status != CS_OK)
        return status;
    cs__node *node = add_node(net, op, in, n_in);
    if (!node)
        return net->status;
    node->out = add_act(net, out.c, out.h, out.w);
    return net->status == CS_OK ? node->out : net->status;
}

int cs__net_relu(cs__net *net, int in)
{
    if (check_inputs(net, &in, 1, "relu") != CS_OK)
        return net->status;
    return simple(net, CS__OP_RELU, &in, 1, net->acts[in], "relu");
}

static int pool(cs__net *net, cs__op op, int in, int k, int stride, int pad, const char *what)
{
    int status = check_inputs(net, &in, 1, what);
    if (status != CS_OK)
        return status;
    cs__act_shape x = net->acts[in];
    int ho = cs__pool_out(x.h, k, stride, pad), wo = cs__pool_out(x.w, k, stride, pad);
    if (ho < 1 || wo < 1)
        return fail(net, cs__error(CS_ERR_UNSUPPORTED,
                                   "network: %s (%dx%d window, stride %d, padding %d) gets a %dx%d input, too small for it",
                                   what, k, k, stride, pad, x.h, x.w));
    int out = simple(net, op, &in, 1, (cs__act_shape){ x.c, ho, wo }, what);
    if (out >= 0) {
        cs__node *node = &net->nodes[net->n_nodes - 1];
        node->k = k;
        node->stride = stride;
        node->pad = pad;
    }
    return out;
}

int cs__net_maxpool(cs__net *net, int in, int k, int stride, int pad)
{
    return pool(net, CS__OP_MAXPOOL, in, k, stride, pad, "max pool");
}

int cs__net_avgpool(cs__net *net, int in, int k, int stride, int pad)
{
    return pool(net, CS__OP_AVGPOOL, in, k, stride, pad, "average pool");
}

int cs__net_gap(cs__net *net, int in)
{
    if (check_inputs(net, &in, 1, "global average pool") != CS_OK)
        return net->status;
    return simple(net, CS__OP_GAP, &in, 1, (cs__act_shape){ net->acts[in].c, 1, 1 }, "global average pool");
}

int cs__net_flatten(cs__net *net, int in)
{
    if (check_inputs(net, &in, 1, "flatten") != CS_OK)
        return net->status;
    cs__act_shape x = net->acts[in];
    if ((long long)x.c * x.h * x.w > INT_MAX)
        return fail(net, cs__error(CS_ERR_OVERFLOW, "network: flattening %dx%dx%d exceeds INT_MAX features",
                                   x.c, x.h, x.w));
    return simple(net, CS__OP_FLATTEN, &in, 1, (cs__act_shape){ x.c * x.h * x.w, 1, 1 }, "flatten");
}

int cs__net_linear(cs__net *net, int in, const char *name, int out, bool bias)
{
    int status = check_inputs(net, &in, 1, name);
    if (status != CS_OK)
        return status;
    cs__act_shape x = net->acts[in];
    if (x.h != 1 || x.w != 1 || out < 1)
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT,
                                   "network: %s needs a flat input and out >= 1 (got %dx%dx%d, out %d)", name, x.c,
                                   x.h, x.w, out));
    cs__node *node = add_node(net, CS__OP_LINEAR, &in, 1);
    if (!node)
        return net->status;
    node->c_out = out;
    node->bias = bias;
    int64_t wd[2] = { out, x.c }, bd[1] = { out };
    add_tensor(net, node, name, "weight", true, 2, wd);
    if (bias)
        add_tensor(net, node, name, "bias", true, 1, bd);
    node->out = add_act(net, out, 1, 1);
    return net->status == CS_OK ? node->out : net->status;
}

int cs__net_add(cs__net *net, int a, int b)
{
    int in[2] = { a, b };
    if (check_inputs(net, in, 2, "residual add") != CS_OK)
        return net->status;
    cs__act_shape x = net->acts[a], y = net->acts[b];
    if (x.c != y.c || x.h != y.h || x.w != y.w)
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: residual add of %dx%dx%d and %dx%dx%d",
                                   x.c, x.h, x.w, y.c, y.h, y.w));
    return simple(net, CS__OP_ADD, in, 2, x, "residual add");
}

int cs__net_concat(cs__net *net, const int *in, int n)
{
    if (n < 1 || n > CS__NET_MAX_INPUTS)
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: concat of %d inputs (1..%d)", n,
                                   CS__NET_MAX_INPUTS));
    if (check_inputs(net, in, n, "concat") != CS_OK)
        return net->status;
    cs__act_shape out = net->acts[in[0]];
    for (int i = 1; i < n; i++) {
        cs__act_shape x = net->acts[in[i]];
        if (x.h != out.h || x.w != out.w)
            return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: concat of %dx%d and %dx%d planes",
                                       out.h, out.w, x.h, x.w));
        out.c += x.c;
    }
    return simple(net, CS__OP_CONCAT, in, n, out, "concat");
}

int cs__net_dropout(cs__net *net, int in, double p)
{
    if (!(p >= 0.0 && p < 1.0))
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: dropout probability %g is outside [0, 1)", p));
    if (check_inputs(net, &in, 1, "dropout") != CS_OK)
        return net->status;
    int out = simple(net, CS__OP_DROPOUT, &in, 1, net->acts[in], "dropout");
    if (out >= 0)
        net->nodes[net->n_nodes - 1].p = p;
    return out;
}

int cs__net_finish_layout(cs__net *net, int logits)
{
    if (net->status != CS_OK)
        return net->status;
    if (!valid_act(net, logits) || net->acts[logits].h != 1 || net->acts[logits].w != 1)
        return fail(net, cs__error(CS_ERR_INVALID_ARGUMENT, "network: the output must be a flat activation"));
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
        return fail(net, cs__error_oom("network parameters, gradients and momentum", 3 * pbytes + bbytes));
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

void cs__net_init_params(cs__net *net, uint64_t seed)
{
    for (int n = 0; n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        int t = node->first_tensor;
        if (t < 0)
            continue;
        if (node->op == CS__OP_BN) {
            int c = (int)net->tensors[t].count;
            float *gamma = cs__net_tensor_data(net, t), *beta = cs__net_tensor_data(net, t + 1);
            float *mean = cs__net_tensor_data(net, t + 2), *var = cs__net_tensor_data(net, t + 3);
            for (int i = 0; i < c; i++) {
                gamma[i] = 1.0f;
                beta[i] = 0.0f;
                mean[i] = 0.0f;
                var[i] = 1.0f;
            }
            continue;
        }
        /* Conv and linear: weight, then bias; both bounded by 1/sqrt(fan_in). */
        const cs__named_tensor *w = &net->tensors[t];
        size_t fan_in = w->count / (size_t)w->dims[0];
        double bound = 1.0 / sqrt((double)fan_in);
        int last = node->bias ? t + 1 : t;
        for (int i = t; i <= last; i++) {
            cs__rng r;
            cs__rng_init(&r, seed, (uint64_t)i);
            float *data = cs__net_tensor_data(net, i);
            for (size_t j = 0; j < net->tensors[i].count; j++)
                data[j] = (float)((2.0 * cs__rng_uniform(&r) - 1.0) * bound);
        }
    }
}

static void free_runtime(cs__net *net)
{
    /* Any of the tables may be missing when prepare failed half way. */
    /* Activations and their gradients live in slots; only the input copy is its own. */
    if (net->act)
        cs__aligned_free(net->act[0]);
    for (int k = 0; net->act_slots && k < net->n_act_slots; k++)
        cs__aligned_free(net->act_slots[k]);
    free(net->act_slots);
    net->act_slots = NULL;
    net->n_act_slots = 0;
    for (int k = 0; net->slots && k < net->n_slots; k++)
        cs__aligned_free(net->slots[k]);
    free(net->slots);
    free(net->zero_order);
    free(net->zero_at);
    net->slots = NULL;
    net->n_slots = 0;
    net->zero_order = NULL;
    net->zero_at = NULL;
    net->n_zero = 0;
    for (int n = 0; n < net->n_nodes; n++) {
        if (net->partial)
            free(net->partial[n]);
        if (net->saved)
            free(net->saved[n]);
        if (net->argmax)
            free(net->argmax[n]);
        if (net->mask)
            free(net->mask[n]);
    }
    free(net->partial);
    net->partial = NULL;
    free(net->act_stride);
    free(net->dact_stride);
    net->act_stride = net->dact_stride = NULL;
    cs__aligned_free(net->out);
    net->out = NULL;
    cs__aligned_free(net->grads_private);
    net->grads_private = NULL;
    free(net->act);
    free(net->dact);
    free(net->owner);
    net->owner = NULL;
    free(net->saved);
    free(net->argmax);
    free(net->mask);
    cs__aligned_free(net->work);
    net->act = net->dact = NULL;
    net->saved = NULL;
    net->argmax = NULL;
    net->mask = NULL;
    net->work = NULL;
    net->work_stride = 0;
    net->batch = 0;
    net->has_grads = false;
}

void cs__net_free(cs__net *net)
{
    if (!net)
        return;
    free_runtime(net);
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

/* ---- running ------------------------------------------------------------------------------ */

static size_t act_count(const cs__net *net, int id)
{
    const cs__act_shape *a = &net->acts[id];
    return (size_t)a->c * (size_t)a->h * (size_t)a->w;
}

static void conv_shape(const cs__net *net, const cs__node *node, int n, cs__conv_shape *s)
{
    const cs__act_shape *x = &net->acts[node->in[0]];
    cs__conv_shape_init(s, n, x->c, x->h, x->w, node->c_out, node->k, node->k, node->stride, node->pad);
}

/* Which ReLU, flatten and dropout nodes run in place, writing their output over their input
 * (and, in backward, their input's gradient over their output's). Safe when the input is the
 * node's alone — one consumer, not the network input — and the input's producer does not read
 * its own output in backward (a ReLU does). Nothing else reads an overwritten value: every
 * other backward reads its input, saved statistics, indices or masks. Halves the memory of
 * every conv-BN-ReLU stage's tail. */
static void plan_in_place(cs__net *net)
{
    int *consumers = net->owner; /* reused as a counter first */
    for (int i = 0; i < net->n_acts; i++)
        consumers[i] = 0;
    for (int n = 1; n < net->n_nodes; n++)
        for (int p = 0; p < net->nodes[n].n_in; p++)
            consumers[net->nodes[n].in[p]]++;
    bool *in_place = calloc((size_t)net->n_acts, sizeof *in_place);
    for (int n = 1; in_place && n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        const int a = node->in[0];
        if ((node->op != CS__OP_RELU && node->op != CS__OP_FLATTEN && node->op != CS__OP_DROPOUT) || a == 0 ||
            consumers[a] != 1 || node->out == net->logits)
            continue;
        int producer = -1;
        for (int q = 1; q < n; q++)
            if (net->nodes[q].out == a)
                producer = q;
        if (producer < 0 || net->nodes[producer].op == CS__OP_RELU)
            continue;
        in_place[node->out] = true;
    }
    /* Owners in node order, so that a chain of in-place nodes ends at the first real buffer.
     * Without the flag table (out of memory) every activation keeps its own buffer. */
    for (int i = 0; i < net->n_acts; i++)
        net->owner[i] = i;
    for (int n = 1; in_place && n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        if (in_place[node->out])
            net->owner[node->out] = net->owner[node->in[0]];
    }
    free(in_place);
}

/* Lifetimes of the owner groups in node steps: a group is made by its first node (its root's
 * producer, first[g]) and read for the last time by its last consumer (last[g]); the logits
 * are read after the last node (n_nodes). Groups without a node (the input) get -1. */
static void group_lifetimes(const cs__net *net, int *first, int *last)
{
    for (int g = 0; g < net->n_acts; g++)
        first[g] = last[g] = -1;
    for (int n = 1; n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        for (int p = 0; p < node->n_in; p++) {
            int g = net->owner[node->in[p]];
            if (n > last[g])
                last[g] = n;
        }
        int g = net->owner[node->out];
        if (first[g] < 0 || n < first[g])
            first[g] = n;
    }
    last[net->owner[net->logits]] = net->n_nodes;
    for (int g = 1; g < net->n_acts; g++)
        if (first[g] >= 0 && last[g] < first[g])
            last[g] = first[g]; /* never consumed */
}

/* Greedy interval colouring: group g (an owner with born[g] >= 0) needs count(g) * batch
 * floats per member from time born[g] to time dies[g] inclusive (times 0..t_max, in the order the
 * buffers are used). At each time the groups that died before it free their slots, then every
 * group born then takes the smallest free slot that fits, else the largest free one (grown),
 * else a new one. Slots are allocated at the end; *slots and *n_slots receive them and
 * slot_of[g] each group's slot, stride[g] the floats of its slot per member (each slot holds
 * one region per member, member t's at t * stride). Groups alive at the same time never share. */
static int assign_slots(const cs__net *net, int batch, const int *born, const int *dies, int t_max, float ***slots,
                        int *n_slots, int *slot_of, size_t *stride, const char *what)
{
    const int na = net->n_acts;
    size_t *size = calloc((size_t)na, sizeof *size);
    bool *busy = calloc((size_t)na, sizeof *busy);
    float **out = calloc((size_t)na, sizeof *out);
    int n = 0, status = CS_OK;
    if (!size || !busy || !out) {
        status = cs__error_oom(what, (size_t)na * 2 * sizeof(size_t));
        goto done;
    }
    for (int g = 0; g < na; g++)
        slot_of[g] = -1;
    for (int t = 0; t <= t_max; t++) {
        for (int g = 1; g < na; g++)
            if (slot_of[g] >= 0 && dies[g] == t - 1)
                busy[slot_of[g]] = false;
        for (int g = 1; g < na; g++) {
            if (net->owner[g] != g || born[g] != t)
                continue;
            size_t need;
            if (!cs__mul_size(&need, act_count(net, g), (size_t)batch) || need > SIZE_MAX / sizeof(float)) {
                status = cs__error(CS_ERR_OVERFLOW, "network: %s of activation %d at batch %d overflow", what, g,
                                   batch);
                goto done;
            }
            int best = -1;
            for (int k = 0; k < n; k++) {
                if (busy[k])
                    continue;
                bool fits = size[k] >= need;
                if (best < 0 || (fits && (size[best] < need || size[k] < size[best])) ||
                    (!fits && size[best] < need && size[k] > size[best]))
                    best = k;
            }
            if (best < 0)
                best = n++;
            if (size[best] < need)
                size[best] = need;
            busy[best] = true;
            slot_of[g] = best;
        }
    }
    /* One region per member (`batch` is the rows of the largest share), each starting on a
     * 64-byte boundary so that members never share a cache line. */
    for (int k = 0; k < n; k++) {
        size[k] = (size[k] + 15) / 16 * 16;
        size_t floats;
        if (!cs__mul_size(&floats, size[k], (size_t)net->members) || floats > SIZE_MAX / sizeof(float)) {
            status = cs__error(CS_ERR_OVERFLOW, "network: %s for %d threads overflow", what, net->members);
            goto done;
        }
        out[k] = cs__aligned_alloc(floats * sizeof(float));
        if (!out[k]) {
            status = cs__error_oom(what, floats * sizeof(float));
            goto done;
        }
    }
    for (int g = 0; g < na; g++)
        stride[g] = slot_of[g] >= 0 ? size[slot_of[g]] : 0;
done:
    if (status != CS_OK && out) {
        for (int k = 0; k < n; k++)
            cs__aligned_free(out[k]);
        free(out);
        out = NULL;
        n = 0;
    }
    *slots = out;
    *n_slots = n;
    free(size);
    free(busy);
    return status;
}

/* Activations. Training keeps every one until backward (each owner its own slot: nothing
 * dies); evaluation frees an activation's slot for later ones once its last consumer ran, as
 * a no-grad forward does. */
static int plan_activations(cs__net *net, int batch, bool training, const int *first, const int *last)
{
    const int na = net->n_acts;
    int *dies = malloc((size_t)na * sizeof *dies), *slot_of = malloc((size_t)na * sizeof *slot_of);
    int status = CS_OK;
    if (!dies || !slot_of) {
        status = cs__error_oom("activation plan", (size_t)na * 2 * sizeof(int));
        goto done;
    }
    for (int g = 0; g < na; g++)
        dies[g] = training ? net->n_nodes + 1 : last[g];
    status = assign_slots(net, batch, first, dies, net->n_nodes, &net->act_slots, &net->n_act_slots, slot_of,
                          net->act_stride, "activations");
    if (status == CS_OK)
        for (int i = 1; i < na; i++) {
            net->act[i] = slot_of[net->owner[i]] >= 0 ? net->act_slots[slot_of[net->owner[i]]] : NULL;
            net->act_stride[i] = net->act_stride[net->owner[i]];
        }
done:
    free(dies);
    free(slot_of);
    return status;
}

/* Activation gradients, in backward time (step n_nodes-1 first). The gradient of group g is
 * first written at the step of its last consumer (accumulating kernels: it is cleared just
 * before) and last read at the step of its first node; the logits' gradient is set before the
 * first step. A node's dy and dx are alive together, so they never share a slot unless the
 * node runs in place (then they are one group). */
static int plan_gradients(cs__net *net, int batch, const int *first, const int *last)
{
    const int na = net->n_acts, T = net->n_nodes;
    int *born = malloc((size_t)na * sizeof *born), *dies = malloc((size_t)na * sizeof *dies);
    int *slot_of = malloc((size_t)na * sizeof *slot_of);
    net->zero_order = malloc((size_t)na * sizeof *net->zero_order);
    net->zero_at = malloc((size_t)na * sizeof *net->zero_at);
    int status = CS_OK;
    if (!born || !dies || !slot_of || !net->zero_order || !net->zero_at) {
        status = cs__error_oom("gradient plan", (size_t)na * 5 * sizeof(int));
        goto done;
    }
    for (int g = 0; g < na; g++) {
        born[g] = first[g] < 0 ? -1 : T - last[g];
        dies[g] = first[g] < 0 ? -1 : T - first[g];
    }
    status = assign_slots(net, batch, born, dies, T, &net->slots, &net->n_slots, slot_of, net->dact_stride,
                          "activation gradients");
    if (status != CS_OK)
        goto done;
    for (int i = 1; i < na; i++) {
        net->dact[i] = slot_of[net->owner[i]] >= 0 ? net->slots[slot_of[net->owner[i]]] : NULL;
        net->dact_stride[i] = net->dact_stride[net->owner[i]];
    }
    /* Clearing order: by the step of the last consumer, latest first. */
    for (int step = T; step >= 1; step--)
        for (int g = 1; g < na; g++)
            if (net->owner[g] == g && first[g] >= 0 && last[g] == step) {
                net->zero_at[g] = step;
                net->zero_order[net->n_zero++] = g;
            }
done:
    free(born);
    free(dies);
    free(slot_of);
    return status;
}

/* An aligned block of `count` x `each` floats, zeroed; false (with the error set) on overflow
 * or failure. */
static bool alloc_floats(float **out, size_t count, size_t each, const char *what)
{
    size_t floats;
    if (!cs__mul_size(&floats, count, each) || floats > SIZE_MAX / sizeof(float)) {
        cs__error(CS_ERR_OVERFLOW, "network: %s overflow", what);
        return false;
    }
    *out = cs__aligned_alloc((floats ? floats : 1) * sizeof(float));
    if (!*out) {
        cs__error_oom(what, floats * sizeof(float));
        return false;
    }
    memset(*out, 0, floats * sizeof(float));
    return true;
}

int cs__net_prepare(cs__net *net, int batch, bool grads)
{
    if (batch < 1)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "network: batch size %d must be at least 1", batch);
    if (batch <= net->batch && (net->has_grads || !grads))
        return CS_OK;
    free_runtime(net);
    const int members = net->members;
    long long lo, hi; /* member 0 has the largest share */
    cs__team_share(batch, 0, members, &lo, &hi);
    const int rows = (int)(hi - lo);
    int status = CS_OK;
    net->act = calloc((size_t)net->n_acts, sizeof *net->act);
    net->dact = calloc((size_t)net->n_acts, sizeof *net->dact);
    net->act_stride = calloc((size_t)net->n_acts, sizeof *net->act_stride);
    net->dact_stride = calloc((size_t)net->n_acts, sizeof *net->dact_stride);
    net->saved = calloc((size_t)net->n_nodes, sizeof *net->saved);
    net->partial = calloc((size_t)net->n_nodes, sizeof *net->partial);
    net->argmax = calloc((size_t)net->n_nodes, sizeof *net->argmax);
    net->mask = calloc((size_t)net->n_nodes, sizeof *net->mask);
    net->owner = malloc((size_t)net->n_acts * sizeof *net->owner);
    if (!net->act || !net->dact || !net->act_stride || !net->dact_stride || !net->saved || !net->partial ||
        !net->argmax || !net->mask || !net->owner) {
        status = cs__error_oom("network run-time tables", (size_t)net->n_acts * 4 * sizeof(float *));
        goto cleanup;
    }
    plan_in_place(net);
    {
        int *first = malloc((size_t)net->n_acts * sizeof *first), *last = malloc((size_t)net->n_acts * sizeof *last);
        if (!first || !last)
            status = cs__error_oom("activation lifetimes", (size_t)net->n_acts * 2 * sizeof(int));
        else
            group_lifetimes(net, first, last);
        if (status == CS_OK)
            status = plan_activations(net, rows, grads, first, last);
        if (status == CS_OK && grads)
            status = plan_gradients(net, rows, first, last);
        free(first);
        free(last);
        if (status != CS_OK)
            goto cleanup;
    }
    size_t work = 0;
    for (int n = 0; n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        size_t out = act_count(net, node->out) * (size_t)batch;
        const size_t c = (size_t)net->acts[node->out].c;
        if (node->op == CS__OP_CONV) {
            cs__conv_shape s;
            conv_shape(net, node, rows, &s);
            size_t need = cs__conv_workspace(&s);
            work = need > work ? need : work;
        } else if (node->op == CS__OP_BN) {
            net->saved[n] = malloc((size_t)members * 2 * c * sizeof(float));
            net->partial[n] = malloc((size_t)members * 4 * c * sizeof(double));
        } else if (node->op == CS__OP_MAXPOOL) {
            net->argmax[n] = malloc(out * sizeof(int32_t));
        } else if (node->op == CS__OP_DROPOUT) {
            net->mask[n] = malloc(out);
        }
        if ((node->op == CS__OP_BN && (!net->saved[n] || !net->partial[n])) ||
            (node->op == CS__OP_MAXPOOL && !net->argmax[n]) || (node->op == CS__OP_DROPOUT && !net->mask[n])) {
            const size_t bytes = node->op == CS__OP_BN ? (size_t)members * 4 * c * sizeof(double) : out * sizeof(float);
            status = cs__error_oom("network saved state", bytes);
            goto cleanup;
        }
    }
    /* Each member's workspace starts on a 64-byte boundary. */
    net->work_stride = (work + 15) / 16 * 16;
    if (work > 0 && !alloc_floats(&net->work, (size_t)members, net->work_stride, "convolution workspace")) {
        status = cs_last_error_status();
        goto cleanup;
    }
    /* Training forwards copy their input: backward reads it again (first conv's weight
     * gradient), and the caller may reuse its buffer in between. One region per member. */
    net->act_stride[0] = (act_count(net, 0) * (size_t)rows + 15) / 16 * 16;
    if (!alloc_floats(&net->act[0], (size_t)members, net->act_stride[0], "network input copy") ||
        !alloc_floats(&net->out, (size_t)batch, act_count(net, net->logits), "network output") ||
        (grads && members > 1 &&
         !alloc_floats(&net->grads_private, (size_t)(members - 1), net->n_params, "per-thread gradients"))) {
        status = cs_last_error_status();
        goto cleanup;
    }
    net->batch = batch;
    net->has_grads = grads;
cleanup:
    if (status != CS_OK)
        free_runtime(net);
    return status;
}

int cs__net_set_threads(cs__net *net, int threads)
{
    const int members = threads > 0 ? threads : 1;
    if (members != net->members) {
        cs__team *team = NULL;
        if (members > 1) {
            int status = cs__team_create(&team, members);
            if (status != CS_OK)
                return status;
        }
        free_runtime(net);
        cs__team_destroy(net->team);
        net->team = team;
        net->members = members;
    }
    net->threads = threads;
    return CS_OK;
}

/* The weight and bias of a conv or linear node. */
static const float *weight_of(cs__net *net, const cs__node *node)
{
    return cs__net_tensor_data(net, node->first_tensor);
}

static const float *bias_of(cs__net *net, const cs__node *node)
{
    return node->bias ? cs__net_tensor_data(net, node->first_tensor + 1) : NULL;
}

/* ---- data-parallel passes ------------------------------------------------------------------ */

/* One forward or backward pass as the members see it. */
typedef struct pass {
    cs__net *net;
    const float *x;             /* forward: the caller's input (N, C, H, W) */
    const float *dlogits;       /* backward: (N, K) */
    int n;
    bool training;
    uint64_t dropout_seed, dropout_counter;
} pass;

/* Member t's view: its rows [lo, lo + rows) of the batch. */
typedef struct member {
    cs__net *net;
    int t, members;
    int lo, rows;
    const float *input;         /* its rows of the network input */
    float *grads;               /* its parameter-gradient block */
    float *work;
} member;

static member member_of(const pass *p, int t, int members)
{
    cs__net *net = p->net;
    long long lo, hi;
    cs__team_share(p->n, t, members, &lo, &hi);
    member me = { net, t, members, (int)lo, (int)(hi - lo), NULL, NULL, NULL };
    me.grads = t == 0 ? net->grads : net->grads_private + (size_t)(t - 1) * net->n_params;
    me.work = net->work ? net->work + (size_t)t * net->work_stride : NULL;
    me.input = p->training || !p->x ? net->act[0] + (size_t)t * net->act_stride[0]
                                    : p->x + (size_t)me.lo * act_count(net, 0);
    return me;
}

/* Member rows of activation g and of its gradient. */
static float *act_of(const member *me, int g)
{
    return g == 0 ? (float *)me->input : me->net->act[g] + (size_t)me->t * me->net->act_stride[g];
}

static float *dact_of(const member *me, int g)
{
    return me->net->dact[g] ? me->net->dact[g] + (size_t)me->t * me->net->dact_stride[g] : NULL;
}

static float *grad_of(const member *me, int tensor)
{
    return me->grads + me->net->tensors[tensor].offset;
}

static void barrier(const member *me)
{
    if (me->members > 1)
        cs__team_barrier(me->net->team);
}

/* Run fn on every member, each GEMM single-threaded when the net has a thread count. */
static void run_members(cs__net *net, cs__team_fn fn, void *arg)
{
    if (net->threads > 0)
        cs__blas_serial_begin();
    if (net->team)
        cs__team_run(net->team, fn, arg);
    else
        fn(arg, 0, 1);
    if (net->threads > 0)
        cs__blas_serial_end();
}

/* BatchNorm in training mode over the whole batch: shard sums, then the batch mean, shard
 * squared deviations, then 1/std; every member computes the same statistics into its own copy
 * of the saved state, member 0 updates the running ones. */
static void bn_forward_train(const member *me, int i, float *y, const float *x, int n_total)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const int c = net->acts[node->in[0]].c, hw = net->acts[node->in[0]].h * net->acts[node->in[0]].w;
    const int T = me->members, t = me->t;
    const int tn = node->first_tensor;
    const double m = (double)n_total * (double)hw;
    double *sums = net->partial[i], *ssd = sums + (size_t)T * (size_t)c;
    float *mean = net->saved[i] + (size_t)t * 2 * (size_t)c, *invstd = mean + c;
    cs__bn_partial_sums(sums + (size_t)t * (size_t)c, x, me->rows, c, hw);
    barrier(me);
    cs__bn_batch_mean(mean, sums, T, c, m);
    cs__bn_partial_ssd(ssd + (size_t)t * (size_t)c, x, mean, me->rows, c, hw);
    barrier(me);
    cs__bn_batch_invstd(invstd, ssd, T, c, m, BN_EPS);
    if (t == 0)
        cs__bn_update_running(cs__net_tensor_data(net, tn + 2), cs__net_tensor_data(net, tn + 3), mean, ssd, T, c, m,
                              BN_MOMENTUM);
    cs__bn_normalize(y, x, mean, invstd, cs__net_tensor_data(net, tn), cs__net_tensor_data(net, tn + 1), me->rows,
                     c, hw);
}

static void bn_backward(const member *me, int i, float *dx, const float *dy, const float *x, int n_total)
{
    cs__net *net = me->net;
    const cs__node *node = &net->nodes[i];
    const int c = net->acts[node->in[0]].c, hw = net->acts[node->in[0]].h * net->acts[node->in[0]].w;
    const int T = me->members, t = me->t;
    const int tn = node->first_tensor;
    double *sums = net->partial[i] + 2 * (size_t)T * (size_t)c;
    const float *mean = net->saved[i] + (size_t)t * 2 * (size_t)c, *invstd = mean + c;
    cs__bn_backward_partial(sums + (size_t)t * 2 * (size_t)c, dy, x, mean, invstd, me->rows, c, hw);
    barrier(me);
    if (t == 0)
        cs__bn_backward_params(cs__net_tensor_grad(net, tn), cs__net_tensor_grad(net, tn + 1), sums, T, c);
    if (dx)
        cs__bn_backward_input(dx, dy, x, mean, invstd, cs__net_tensor_data(net, tn), sums, T, me->rows, c, hw,
                              (double)n_total * (double)hw);
}

static void forward_member(void *arg, int t, int members)
{
    const pass *p = arg;
    cs__net *net = p->net;
    const member me = member_of(p, t, members);
    const int n = me.rows;
    if (p->training && n > 0)
        memcpy((float *)me.input, p->x + (size_t)me.lo * act_count(net, 0),
               act_count(net, 0) * (size_t)n * sizeof(float));
    for (int i = 1; i < net->n_nodes; i++) {
        const cs__node *node = &net->nodes[i];
        const cs__act_shape *in = &net->acts[node->in[0]];
        const float *src = act_of(&me, node->in[0]);
        float *y = act_of(&me, node->out);
        const size_t per = act_count(net, node->out), count = per * (size_t)n;
        const int hw = in->h * in->w;
        if (node->op == CS__OP_BN && p->training) {
            bn_forward_train(&me, i, y, src, p->n); /* meets the other members even with no rows */
            continue;
        }
        if (n == 0)
            continue;
        switch (node->op) {
        case CS__OP_CONV: {
            cs__conv_shape s;
            conv_shape(net, node, n, &s);
            cs__conv2d_forward(y, src, weight_of(net, node), bias_of(net, node), &s, me.work);
            break;
        }
        case CS__OP_BN: {
            int tn = node->first_tensor;
            cs__bn_forward_eval(y, src, cs__net_tensor_data(net, tn), cs__net_tensor_data(net, tn + 1),
                                cs__net_tensor_data(net, tn + 2), cs__net_tensor_data(net, tn + 3), n, in->c, hw,
                                BN_EPS);
            break;
        }
        case CS__OP_RELU:
            cs__relu_forward(y, src, count);
            break;
        case CS__OP_MAXPOOL:
            cs__maxpool_forward(y, net->argmax[i] + (size_t)me.lo * per, src, n, in->c, in->h, in->w, node->k,
                                node->stride, node->pad);
            break;
        case CS__OP_AVGPOOL:
            cs__avgpool_forward(y, src, n, in->c, in->h, in->w, node->k, node->stride, node->pad);
            break;
        case CS__OP_GAP:
            cs__global_avgpool_forward(y, src, n, in->c, hw);
            break;
        case CS__OP_FLATTEN:
            if (y != src)
                memcpy(y, src, count * sizeof *y);
            break;
        case CS__OP_LINEAR:
            cs__linear_forward(y, src, weight_of(net, node), bias_of(net, node), n, in->c, node->c_out);
            break;
        case CS__OP_ADD:
            cs__add_forward(y, src, act_of(&me, node->in[1]), count);
            break;
        case CS__OP_CONCAT: {
            const float *parts[CS__NET_MAX_INPUTS];
            int channels[CS__NET_MAX_INPUTS];
            for (int q = 0; q < node->n_in; q++) {
                parts[q] = act_of(&me, node->in[q]);
                channels[q] = net->acts[node->in[q]].c;
            }
            cs__concat_forward(y, parts, channels, node->n_in, n, hw);
            break;
        }
        case CS__OP_DROPOUT:
            /* Each (seed, step, node) has its own key, so masks never repeat across layers; an
             * element's mask depends on its place in the batch, not on the member. */
            if (p->training && node->p > 0.0)
                cs__dropout_forward(y, net->mask[i] + (size_t)me.lo * per, src, count, node->p,
                                    cs__seed_derive(cs__seed_derive(p->dropout_seed, (uint64_t)i), p->dropout_counter),
                                    (uint64_t)me.lo * per);
            else if (y != src)
                memcpy(y, src, count * sizeof *y);
            break;
        case CS__OP_INPUT:
            break;
        }
    }
    const size_t k = act_count(net, net->logits);
    if (n > 0)
        memcpy(net->out + (size_t)me.lo * k, act_of(&me, net->logits), (size_t)n * k * sizeof(float));
}

const float *cs__net_forward(cs__net *net, const float *x, int n, bool training, uint64_t dropout_seed,
                             uint64_t dropout_counter)
{
    pass p = { net, x, NULL, n, training, dropout_seed, dropout_counter };
    run_members(net, forward_member, &p);
    return net->out;
}

const float *cs__net_logits(const cs__net *net)
{
    return net->out;
}

/* The parameter gradients of members 1.. into grads, in member order, leaving their blocks
 * zero for the next pass; each member sums its share of the parameters. */
static void reduce_gradients(const member *me)
{
    cs__net *net = me->net;
    if (me->members == 1)
        return;
    barrier(me);
    long long lo, hi;
    cs__team_share((long long)net->n_params, me->t, me->members, &lo, &hi);
    for (int u = 1; u < me->members; u++) {
        float *priv = net->grads_private + (size_t)(u - 1) * net->n_params;
        for (long long j = lo; j < hi; j++) {
            net->grads[j] += priv[j];
            priv[j] = 0.0f;
        }
    }
}

static void backward_member(void *arg, int t, int members)
{
    const pass *p = arg;
    cs__net *net = p->net;
    const member me = member_of(p, t, members);
    const int n = me.rows;
    const size_t k = act_count(net, net->logits);
    if (n > 0)
        memcpy(dact_of(&me, net->logits), p->dlogits + (size_t)me.lo * k, (size_t)n * k * sizeof(float));
    int next_zero = 0;
    while (next_zero < net->n_zero && net->zero_at[net->zero_order[next_zero]] >= net->n_nodes)
        next_zero++;
    for (int i = net->n_nodes - 1; i >= 1; i--) {
        /* Gradients first written by this step start from zero (their buffers are shared). */
        for (; next_zero < net->n_zero && net->zero_at[net->zero_order[next_zero]] == i; next_zero++) {
            int g = net->zero_order[next_zero];
            memset(dact_of(&me, g), 0, act_count(net, g) * (size_t)n * sizeof(float));
        }
        const cs__node *node = &net->nodes[i];
        const cs__act_shape *in = &net->acts[node->in[0]];
        /* The network input needs no gradient. */
        float *dx = node->in[0] == 0 ? NULL : dact_of(&me, node->in[0]);
        const float *x = act_of(&me, node->in[0]), *dy = dact_of(&me, node->out);
        const size_t per = act_count(net, node->out), count = per * (size_t)n;
        const int hw = in->h * in->w;
        if (node->op == CS__OP_BN) {
            bn_backward(&me, i, dx, dy, x, p->n);
            continue;
        }
        if (n == 0)
            continue;
        switch (node->op) {
        case CS__OP_CONV: {
            cs__conv_shape s;
            conv_shape(net, node, n, &s);
            float *db = node->bias ? grad_of(&me, node->first_tensor + 1) : NULL;
            cs__conv2d_backward(dx, grad_of(&me, node->first_tensor), db, dy, x, weight_of(net, node), &s, me.work);
            break;
        }
        case CS__OP_RELU:
            if (dx == dy)
                cs__relu_backward_inplace(dx, act_of(&me, node->out), count);
            else if (dx)
                cs__relu_backward(dx, dy, act_of(&me, node->out), count);
            break;
        case CS__OP_MAXPOOL:
            if (dx)
                cs__maxpool_backward(dx, dy, net->argmax[i] + (size_t)me.lo * per, n, in->c, in->h, in->w,
                                     net->acts[node->out].h, net->acts[node->out].w);
            break;
        case CS__OP_AVGPOOL:
            if (dx)
                cs__avgpool_backward(dx, dy, n, in->c, in->h, in->w, node->k, node->stride, node->pad);
            break;
        case CS__OP_GAP:
            if (dx)
                cs__global_avgpool_backward(dx, dy, n, in->c, hw);
            break;
        case CS__OP_FLATTEN:
            if (dx && dx != dy)
                cs__add_backward(dx, NULL, dy, count);
            break;
        case CS__OP_LINEAR: {
            float *db = node->bias ? grad_of(&me, node->first_tensor + 1) : NULL;
            cs__linear_backward(dx, grad_of(&me, node->first_tensor), db, dy, x, weight_of(net, node), n, in->c,
                                node->c_out);
            break;
        }
        case CS__OP_ADD:
            cs__add_backward(dx, node->in[1] == 0 ? NULL : dact_of(&me, node->in[1]), dy, count);
            break;
        case CS__OP_CONCAT: {
            float *parts[CS__NET_MAX_INPUTS];
            int channels[CS__NET_MAX_INPUTS];
            for (int q = 0; q < node->n_in; q++) {
                parts[q] = node->in[q] == 0 ? NULL : dact_of(&me, node->in[q]);
                channels[q] = net->acts[node->in[q]].c;
            }
            cs__concat_backward(parts, dy, channels, node->n_in, n, hw);
            break;
        }
        case CS__OP_DROPOUT:
            if (dx == dy && node->p > 0.0)
                cs__dropout_backward_inplace(dx, net->mask[i] + (size_t)me.lo * per, count, node->p);
            else if (dx && dx != dy && node->p > 0.0)
                cs__dropout_backward(dx, dy, net->mask[i] + (size_t)me.lo * per, count, node->p);
            else if (dx && dx != dy)
                cs__add_backward(dx, NULL, dy, count);
            break;
        case CS__OP_BN:
        case CS__OP_INPUT:
            break;
        }
    }
    reduce_gradients(&me);
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

double cs__net_forward_flops(const cs__net *net)
{
    double flops = 0.0;
    for (int i = 0; i < net->n_nodes; i++) {
        const cs__node *node = &net->nodes[i];
        const cs__act_shape *in = &net->acts[node->in[0]], *out = &net->acts[node->out];
        if (node->op == CS__OP_CONV)
            flops += 2.0 * node->c_out * in->c * node->k * node->k * out->h * out->w;
        else if (node->op == CS__OP_LINEAR)
            flops += 2.0 * in->c * node->c_out;
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
