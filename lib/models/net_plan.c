/* The executor's planner (see net.h): for a batch size, which ops run in place, when each
 * activation and each activation gradient is alive, which buffers they share, and each op's
 * saved state and workspace (asked from its entry in the op table). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"
#include "models/op.h"

void cs__net_plan_free(cs__net *net)
{
    /* Any of the tables may be missing when prepare failed half way. */
    /* Activations and their gradients live in slots; only the input copy is its own. */
    if (net->plan.act)
        cs__aligned_free(net->plan.act[0]);
    for (int k = 0; net->plan.act_slots && k < net->plan.n_act_slots; k++)
        cs__aligned_free(net->plan.act_slots[k]);
    free(net->plan.act_slots);
    net->plan.act_slots = NULL;
    net->plan.n_act_slots = 0;
    for (int k = 0; net->plan.slots && k < net->plan.n_slots; k++)
        cs__aligned_free(net->plan.slots[k]);
    free(net->plan.slots);
    free(net->plan.zero_order);
    free(net->plan.zero_at);
    net->plan.slots = NULL;
    net->plan.n_slots = 0;
    net->plan.zero_order = NULL;
    net->plan.zero_at = NULL;
    net->plan.n_zero = 0;
    for (int n = 0; net->plan.state && n < net->n_nodes; n++)
        free(net->plan.state[n]);
    free(net->plan.state);
    net->plan.state = NULL;
    free(net->plan.act_stride);
    free(net->plan.dact_stride);
    net->plan.act_stride = net->plan.dact_stride = NULL;
    cs__aligned_free(net->plan.out);
    net->plan.out = NULL;
    cs__aligned_free(net->plan.grads_private);
    net->plan.grads_private = NULL;
    free(net->plan.act);
    free(net->plan.dact);
    free(net->plan.owner);
    net->plan.owner = NULL;
    cs__aligned_free(net->plan.work);
    net->plan.act = net->plan.dact = NULL;
    net->plan.work = NULL;
    net->plan.work_stride = 0;
    net->plan.batch = 0;
    net->plan.has_grads = false;
}

/* Which nodes of ops that may run in place (CS__OP_IN_PLACE: ReLU, flatten, dropout) do,
 * writing their output over their input (and, in backward, their input's gradient over their
 * output's). Safe when the input is the node's alone — one consumer, not the network input —
 * and the input's producer does not read its own output in backward (CS__OP_READS_OUTPUT: a
 * ReLU does). Nothing else reads an overwritten value: every other backward reads its input,
 * saved statistics, indices or masks. Halves the memory of every conv-BN-ReLU stage's tail. */
static void plan_in_place(cs__net *net)
{
    int *consumers = net->plan.owner; /* reused as a counter first */
    for (int i = 0; i < net->n_acts; i++)
        consumers[i] = 0;
    for (int n = 1; n < net->n_nodes; n++)
        for (int p = 0; p < net->nodes[n].n_in; p++)
            consumers[net->nodes[n].in[p]]++;
    bool *in_place = calloc((size_t)net->n_acts, sizeof *in_place);
    for (int n = 1; in_place && n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        const int a = node->in[0];
        if (!(cs__op_def_of(node->op)->flags & CS__OP_IN_PLACE) || a == 0 ||
            consumers[a] != 1 || node->out == net->logits)
            continue;
        int producer = -1;
        for (int q = 1; q < n; q++)
            if (net->nodes[q].out == a)
                producer = q;
        if (producer < 0 || (cs__op_def_of(net->nodes[producer].op)->flags & CS__OP_READS_OUTPUT))
            continue;
        in_place[node->out] = true;
    }
    /* Owners in node order, so that a chain of in-place nodes ends at the first real buffer.
     * Without the flag table (out of memory) every activation keeps its own buffer. */
    for (int i = 0; i < net->n_acts; i++)
        net->plan.owner[i] = i;
    for (int n = 1; in_place && n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        if (in_place[node->out])
            net->plan.owner[node->out] = net->plan.owner[node->in[0]];
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
            int g = net->plan.owner[node->in[p]];
            if (n > last[g])
                last[g] = n;
        }
        int g = net->plan.owner[node->out];
        if (first[g] < 0 || n < first[g])
            first[g] = n;
    }
    last[net->plan.owner[net->logits]] = net->n_nodes;
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
            if (net->plan.owner[g] != g || born[g] != t)
                continue;
            size_t need;
            if (!cs__mul_size(&need, cs__act_count(net, g), (size_t)batch) || need > SIZE_MAX / sizeof(float)) {
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
    status = assign_slots(net, batch, first, dies, net->n_nodes, &net->plan.act_slots, &net->plan.n_act_slots, slot_of,
                          net->plan.act_stride, "activations");
    if (status == CS_OK)
        for (int i = 1; i < na; i++) {
            net->plan.act[i] = slot_of[net->plan.owner[i]] >= 0 ? net->plan.act_slots[slot_of[net->plan.owner[i]]] : NULL;
            net->plan.act_stride[i] = net->plan.act_stride[net->plan.owner[i]];
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
    net->plan.zero_order = malloc((size_t)na * sizeof *net->plan.zero_order);
    net->plan.zero_at = malloc((size_t)na * sizeof *net->plan.zero_at);
    int status = CS_OK;
    if (!born || !dies || !slot_of || !net->plan.zero_order || !net->plan.zero_at) {
        status = cs__error_oom("gradient plan", (size_t)na * 5 * sizeof(int));
        goto done;
    }
    for (int g = 0; g < na; g++) {
        born[g] = first[g] < 0 ? -1 : T - last[g];
        dies[g] = first[g] < 0 ? -1 : T - first[g];
    }
    status = assign_slots(net, batch, born, dies, T, &net->plan.slots, &net->plan.n_slots, slot_of, net->plan.dact_stride,
                          "activation gradients");
    if (status != CS_OK)
        goto done;
    for (int i = 1; i < na; i++) {
        net->plan.dact[i] = slot_of[net->plan.owner[i]] >= 0 ? net->plan.slots[slot_of[net->plan.owner[i]]] : NULL;
        net->plan.dact_stride[i] = net->plan.dact_stride[net->plan.owner[i]];
    }
    /* Clearing order: by the step of the last consumer, latest first. */
    for (int step = T; step >= 1; step--)
        for (int g = 1; g < na; g++)
            if (net->plan.owner[g] == g && first[g] >= 0 && last[g] == step) {
                net->plan.zero_at[g] = step;
                net->plan.zero_order[net->plan.n_zero++] = g;
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
    if (batch <= net->plan.batch && (net->plan.has_grads || !grads))
        return CS_OK;
    cs__net_plan_free(net);
    const int members = net->members;
    long long lo, hi; /* member 0 has the largest share */
    cs__team_share(batch, 0, members, &lo, &hi);
    const int rows = (int)(hi - lo);
    int status = CS_OK;
    net->plan.act = calloc((size_t)net->n_acts, sizeof *net->plan.act);
    net->plan.dact = calloc((size_t)net->n_acts, sizeof *net->plan.dact);
    net->plan.act_stride = calloc((size_t)net->n_acts, sizeof *net->plan.act_stride);
    net->plan.dact_stride = calloc((size_t)net->n_acts, sizeof *net->plan.dact_stride);
    net->plan.state = calloc((size_t)net->n_nodes, sizeof *net->plan.state);
    net->plan.owner = malloc((size_t)net->n_acts * sizeof *net->plan.owner);
    if (!net->plan.act || !net->plan.dact || !net->plan.act_stride || !net->plan.dact_stride || !net->plan.state ||
        !net->plan.owner) {
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
        const cs__op_def *def = cs__op_def_of(node->op);
        if (def->workspace) {
            const size_t need = def->workspace(net, node, rows);
            work = need > work ? need : work;
        }
        const size_t bytes = def->state_bytes ? def->state_bytes(net, node, batch, members) : 0;
        if (bytes > 0 && !(net->plan.state[n] = malloc(bytes))) {
            status = cs__error_oom("network saved state", bytes);
            goto cleanup;
        }
    }
    /* Each member's workspace starts on a 64-byte boundary. */
    net->plan.work_stride = (work + 15) / 16 * 16;
    if (work > 0 && !alloc_floats(&net->plan.work, (size_t)members, net->plan.work_stride, "convolution workspace")) {
        status = cs_last_error_status();
        goto cleanup;
    }
    /* Training forwards copy their input: backward reads it again (first conv's weight
     * gradient), and the caller may reuse its buffer in between. One region per member. */
    net->plan.act_stride[0] = (cs__act_count(net, 0) * (size_t)rows + 15) / 16 * 16;
    if (!alloc_floats(&net->plan.act[0], (size_t)members, net->plan.act_stride[0], "network input copy") ||
        !alloc_floats(&net->plan.out, (size_t)batch, cs__act_count(net, net->logits), "network output") ||
        (grads && members > 1 &&
         !alloc_floats(&net->plan.grads_private, (size_t)(members - 1), net->n_params, "per-thread gradients"))) {
        status = cs_last_error_status();
        goto cleanup;
    }
    net->plan.batch = batch;
    net->plan.has_grads = grads;
cleanup:
    if (status != CS_OK)
        cs__net_plan_free(net);
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
        cs__net_plan_free(net);
        cs__team_destroy(net->team);
        net->team = team;
        net->members = members;
    }
    net->threads = threads;
    return CS_OK;
}

