/* The executor's planner (see net.h): for a batch size, which ops run in place, when each
 * activation and each activation gradient is alive, which buffers they share, and each op's
 * saved state and workspace (asked from its entry in the op table). */
#include <limits.h>
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
    net->plan.grads_window = 0;
    free(net->plan.act);
    free(net->plan.dact);
    free(net->plan.act_bwd);
    free(net->plan.recompute_before);
    net->plan.act_bwd = NULL;
    net->plan.recompute_before = NULL;
    free(net->plan.owner);
    net->plan.owner = NULL;
    free(net->plan.saved_in);
    free(net->plan.saved_offset);
    net->plan.saved_in = NULL;
    net->plan.saved_offset = NULL;
    cs__aligned_free(net->plan.work);
    net->plan.act = net->plan.dact = NULL;
    net->plan.work = NULL;
    net->plan.work_stride = 0;
    net->plan.batch = 0;
    net->plan.has_grads = false;
}

/* Which nodes of ops that may run in place (CS__OP_IN_PLACE: ReLU, flatten, dropout; in a
 * plan without gradients also CS__OP_IN_PLACE_EVAL: BatchNorm) do, writing their output over
 * their input (and, in backward, their input's gradient over their output's). Safe when the
 * input is the node's alone — one consumer, not the network input — and the input's producer
 * does not read its own output in backward (CS__OP_READS_OUTPUT: a ReLU does). Nothing else
 * reads an overwritten value: every other backward reads its input, saved statistics, indices
 * or masks. Halves the memory of every conv-BN-ReLU stage's tail; in evaluation the whole
 * stage lives in one buffer. */
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
        const unsigned flags = cs__op_def_of(node->op)->flags;
        const bool may = (flags & CS__OP_IN_PLACE) || ((flags & CS__OP_IN_PLACE_EVAL) && !net->plan.has_grads);
        if (!may || a == 0 || consumers[a] != 1 || node->out == net->logits)
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

/* Whether activation r, an input of concat node `cat`, is read after forward only by the
 * backward of a CS__OP_OUTPUT_FROM_CONCAT node that produces r itself: r's group (r and what
 * it overwrote in place) goes into nothing but `cat`, once, and no backward reads it as an
 * input. */
static bool read_only_as_concat_input(const cs__net *net, int cat, int r)
{
    const int *owner = net->plan.owner, g = owner[r];
    int uses = 0;
    for (int m = 1; m < net->n_nodes; m++) {
        const cs__node *node = &net->nodes[m];
        const unsigned flags = cs__op_def_of(node->op)->flags;
        for (int p = 0; p < node->n_in; p++) {
            if (owner[node->in[p]] != g)
                continue;
            if ((flags & CS__OP_READS_INPUT) || (m == cat ? node->in[p] != r : owner[node->out] != g))
                return false;
            uses += m == cat;
        }
        if (owner[node->out] == g && (flags & CS__OP_READS_OUTPUT) &&
            (node->out != r || !(flags & CS__OP_OUTPUT_FROM_CONCAT)))
            return false;
    }
    return uses == 1;
}

/* In training, an activation that goes only into a concatenation and that only its own
 * producer's backward reads (GoogLeNet's branch ends: the ReLU reads its output for its mask)
 * is read there from the concatenated copy, which backward keeps anyway for the next layers'
 * weight gradients; its own buffer is then free once the concat has run. The concat's output
 * must stay as the concat wrote it: no op runs in place over it. */
static void plan_concat_copies(cs__net *net, bool training)
{
    cs__net_plan *plan = &net->plan;
    for (int i = 0; i < net->n_acts; i++) {
        plan->saved_in[i] = i;
        plan->saved_offset[i] = 0;
    }
    for (int n = 1; training && n < net->n_nodes; n++) {
        const cs__node *cat = &net->nodes[n];
        if (!(cs__op_def_of(cat->op)->flags & CS__OP_CONCATENATES) || plan->owner[cat->out] != cat->out)
            continue;
        bool overwritten = false;
        for (int j = 1; j < net->n_acts; j++)
            overwritten |= j != cat->out && plan->owner[j] == cat->out;
        const size_t plane = (size_t)net->acts[cat->out].h * (size_t)net->acts[cat->out].w;
        size_t offset = 0;
        for (int q = 0; !overwritten && q < cat->n_in; q++) {
            const int r = cat->in[q];
            if (r != 0 && plan->owner[r] != 0 && r != net->logits && read_only_as_concat_input(net, n, r)) {
                plan->saved_in[r] = cat->out;
                plan->saved_offset[r] = offset;
            }
            offset += (size_t)net->acts[r].c * plane;
        }
    }
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

/* One arena for n buffers: buffer i (count[i] > 0) needs count[i] * rows floats per member
 * from time born[i] to time dies[i] inclusive. Buffers are placed largest first (ties: the
 * earlier-born first, then by index), each at the lowest offset where it overlaps no placed
 * buffer alive at any of its times ("greedy by size"), in units of 16 floats so that every
 * buffer starts on a 64-byte boundary. The arena holds one region per member (member t's at t
 * * *stride floats, *stride the region's size), so that members never write where another
 * still reads. *slots receives the one allocation (or NULL and *n_slots 0 when no buffer needs
 * memory), offset[i] each buffer's floats into a region (unused for count[i] 0). Buffers alive
 * at the same time never overlap. */
static int place_buffers(const cs__net *net, int n, const size_t *count, int rows, const int *born, const int *dies,
                         float ***slots, int *n_slots, size_t *offset, size_t *stride)
{
    int *order = malloc((size_t)n * sizeof *order), *placed = malloc((size_t)n * sizeof *placed);
    size_t *size = malloc((size_t)n * sizeof *size);
    float **out = calloc(1, sizeof *out);
    int n_placed = 0, status = CS_OK;
    size_t total = 0;
    *slots = NULL;
    *n_slots = 0;
    if (!order || !placed || !size || !out) {
        status = cs__error_oom("network buffer plan", (size_t)n * 4 * sizeof(size_t));
        goto done;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        offset[i] = 0;
        if (count[i] == 0)
            continue;
        if (!cs__mul_size(&size[i], count[i], (size_t)rows) || size[i] > SIZE_MAX / sizeof(float) - 16) {
            status = cs__error(CS_ERR_OVERFLOW, "network: buffer %d at %d rows overflows", i, rows);
            goto done;
        }
        size[i] = (size[i] + 15) / 16 * 16;
        order[m++] = i;
    }
    /* Insertion sort: largest first, then born first, then by index (a few hundred buffers). */
    for (int a = 1; a < m; a++) {
        const int i = order[a];
        int b = a;
        for (; b > 0; b--) {
            const int j = order[b - 1];
            if (size[j] > size[i] || (size[j] == size[i] && (born[j] < born[i] || (born[j] == born[i] && j < i))))
                break;
            order[b] = j;
        }
        order[b] = i;
    }
    for (int a = 0; a < m; a++) {
        const int i = order[a];
        /* The lowest offset clear of every placed buffer alive with i: try 0 and the end of each
         * such buffer, keep the lowest that overlaps none. */
        size_t best = SIZE_MAX;
        for (int c = -1; c < n_placed; c++) {
            const size_t at = c < 0 ? 0 : offset[placed[c]] + size[placed[c]];
            if (c >= 0 && (born[placed[c]] > dies[i] || dies[placed[c]] < born[i]))
                continue;
            if (at >= best)
                continue;
            bool clear = true;
            for (int d = 0; clear && d < n_placed; d++) {
                const int j = placed[d];
                clear = born[j] > dies[i] || dies[j] < born[i] || offset[j] >= at + size[i] ||
                        offset[j] + size[j] <= at;
            }
            if (clear)
                best = at;
        }
        offset[i] = best;
        placed[n_placed++] = i;
        if (best + size[i] > total)
            total = best + size[i];
    }
    if (total > 0) {
        size_t floats;
        if (!cs__mul_size(&floats, total, (size_t)net->members) || floats > SIZE_MAX / sizeof(float)) {
            status = cs__error(CS_ERR_OVERFLOW, "network: buffers for %d threads overflow", net->members);
            goto done;
        }
        out[0] = cs__aligned_alloc(floats * sizeof(float));
        if (!out[0]) {
            status = cs__error_oom("network activations and gradients", floats * sizeof(float));
            goto done;
        }
        *slots = out;
        *n_slots = 1;
        out = NULL;
    }
    *stride = total;
done:
    free(out);
    free(order);
    free(placed);
    free(size);
    return status;
}

/* The smallest node index whose backward reads group g (an owner), per group; INT_MAX for
 * groups that no backward reads: inputs of CS__OP_READS_INPUT nodes, outputs of
 * CS__OP_READS_OUTPUT nodes. */
static void backward_readers(const cs__net *net, int *reader)
{
    for (int g = 0; g < net->n_acts; g++)
        reader[g] = INT_MAX;
    for (int n = net->n_nodes - 1; n >= 1; n--) {
        const cs__node *node = &net->nodes[n];
        const unsigned flags = cs__op_def_of(node->op)->flags;
        if (flags & CS__OP_READS_INPUT)
            for (int p = 0; p < node->n_in; p++)
                reader[net->plan.owner[node->in[p]]] = n;
        if (flags & CS__OP_READS_OUTPUT)
            reader[net->plan.owner[node->out]] = n;
    }
}

/* Which activations are recomputed in backward instead of kept: again[g] is the node before
 * whose backward group g is recomputed, or -1 (the plan's recompute_before names the group's
 * first node; the runner calls the recompute entry of every node that writes into the group,
 * in node order). Group g qualifies when every node that writes into it has a recompute entry
 * and one input, none of its activations is copied into a concat or is the logits, a backward
 * reads it (the latest such node, in node order, is the first to read it in backward: the
 * recomputation goes just before that one, at), every node writing into it comes no later
 * than at, and the input of its first node is kept at least until that backward step and is
 * not recomputed itself. One recomputation per backward step.
 *
 * conv -> BatchNorm -> ReLU stages: BatchNorm's backward keeps the convolution's output for
 * x_hat, and the ReLU's output (BatchNorm's, overwritten in place), which the ReLU's mask and
 * the next convolution's weight gradient read, is BatchNorm's affine map of it with the saved
 * statistics followed by the ReLU — one element-wise pass instead of a second saved tensor per
 * stage (unresnet18 at 1x28x28, batch 64: about half of the activations kept for backward).
 * GoogLeNet's branch-4 max pools: their outputs (340 MiB at 3x32x32, batch 64) are read again
 * only by the next convolution's weight gradient, their input (the module's input) is kept
 * for the other branches. */
static void plan_recompute(cs__net *net, const int *reader, int *again)
{
    const int na = net->n_acts, T = net->n_nodes;
    const int *owner = net->plan.owner;
    int *first_reader = malloc((size_t)na * sizeof *first_reader);
    int *last_writer = malloc((size_t)na * sizeof *last_writer);
    bool *able = malloc((size_t)na * sizeof *able);
    for (int n = 0; n < T; n++)
        net->plan.recompute_before[n] = -1;
    for (int g = 0; g < na; g++)
        again[g] = -1;
    if (!first_reader || !last_writer || !able || net->keep_all) { /* out of memory, or a test: keep all */
        free(first_reader);
        free(last_writer);
        free(able);
        return;
    }
    for (int g = 0; g < na; g++) {
        first_reader[g] = last_writer[g] = -1;
        able[g] = true;
    }
    for (int n = 1; n < T; n++) {
        const cs__node *node = &net->nodes[n];
        const cs__op_def *def = cs__op_def_of(node->op);
        const int g = owner[node->out];
        if (def->flags & CS__OP_READS_INPUT)
            for (int p = 0; p < node->n_in; p++)
                first_reader[owner[node->in[p]]] = n;
        if ((def->flags & CS__OP_READS_OUTPUT) && n > first_reader[g])
            first_reader[g] = n;
        last_writer[g] = n;
        if (!def->recompute || node->n_in != 1 || net->plan.saved_in[node->out] != node->out ||
            node->out == net->logits)
            able[g] = false;
    }
    for (int n = 1; n < T; n++) {
        const cs__node *node = &net->nodes[n];
        const int g = node->out, x = owner[node->in[0]];
        const int at = first_reader[g];
        if (owner[g] != g || !able[g] || at < 0 || reader[g] == INT_MAX || last_writer[g] > at ||
            (x != 0 && (reader[x] == INT_MAX || reader[x] > at || again[x] >= 0)) ||
            net->plan.recompute_before[at] >= 0)
            continue;
        again[g] = at;
        net->plan.recompute_before[at] = n;
    }
    free(first_reader);
    free(last_writer);
    free(able);
}

/* Activations and, in training, activation gradients, on one time line of 2 n_nodes + 1
 * steps: forward node n at time n, the logits read at time n_nodes, backward step n at time
 * 2 n_nodes - n. An activation (group) lives from its producer's step to its last consumer's,
 * and in training, when a backward reads it, on to the backward step of its first reader
 * (its buffer is then reused by gradients of earlier layers: one backward consumes its
 * forward, as PyTorch's frees the graph; cs_model_backward refuses a second one). The gradient of group g is first
 * written at the backward step of its last consumer (accumulating kernels: it is cleared just
 * before) and last read at the backward step of its first node; the logits' gradient is set
 * before the first backward step. A node's dy and dx are alive together, so they never share
 * a slot unless the node runs in place (then they are one group). Buffer i < n_acts is
 * activation group i, n_acts + i its gradient. */
static int plan_buffers(cs__net *net, int rows, bool grads, const int *first, const int *last)
{
    const int na = net->n_acts, T = net->n_nodes, n = grads ? 3 * na : na;
    size_t *count = calloc((size_t)n, sizeof *count), *offset = calloc((size_t)n, sizeof *offset);
    int *born = malloc((size_t)n * sizeof *born), *dies = malloc((size_t)n * sizeof *dies);
    int *reader = malloc((size_t)na * sizeof *reader);
    int *again = malloc((size_t)na * sizeof *again);
    int status = CS_OK;
    if (grads) {
        net->plan.zero_order = malloc((size_t)na * sizeof *net->plan.zero_order);
        net->plan.zero_at = malloc((size_t)na * sizeof *net->plan.zero_at);
    }
    if (!count || !offset || !born || !dies || !reader || !again ||
        (grads && (!net->plan.zero_order || !net->plan.zero_at))) {
        status = cs__error_oom("network buffer plan", (size_t)n * 6 * sizeof(size_t));
        goto done;
    }
    backward_readers(net, reader);
    for (int r = 1; r < na; r++)
        if (net->plan.saved_in[r] != r) { /* read from the concat's copy instead */
            const int g = net->plan.owner[r], copy = net->plan.owner[net->plan.saved_in[r]];
            reader[copy] = reader[g] < reader[copy] ? reader[g] : reader[copy];
            reader[g] = INT_MAX;
        }
    if (grads) {
        net->plan.recompute_before = malloc((size_t)T * sizeof *net->plan.recompute_before);
        net->plan.act_bwd = calloc((size_t)na, sizeof *net->plan.act_bwd);
        if (!net->plan.recompute_before || !net->plan.act_bwd) {
            status = cs__error_oom("network backward tables", (size_t)na * sizeof(float *));
            goto done;
        }
        plan_recompute(net, reader, again);
    }
    for (int g = 1; g < na; g++) {
        if (net->plan.owner[g] != g || first[g] < 0)
            continue;
        count[g] = cs__act_count(net, g);
        born[g] = first[g];
        dies[g] = grads && reader[g] != INT_MAX && again[g] < 0 ? 2 * T - reader[g] : last[g];
        if (grads) {
            count[na + g] = count[g];
            born[na + g] = 2 * T - last[g];
            dies[na + g] = 2 * T - first[g];
        }
        if (grads && again[g] >= 0) { /* its copy in backward: from its recomputation to its last read */
            count[2 * na + g] = count[g];
            born[2 * na + g] = 2 * T - again[g];
            dies[2 * na + g] = 2 * T - reader[g];
        }
    }
    size_t region = 0;
    status = place_buffers(net, n, count, rows, born, dies, &net->plan.slots, &net->plan.n_slots, offset, &region);
    if (status != CS_OK)
        goto done;
    for (int i = 1; i < na; i++) {
        const int g = net->plan.owner[i];
        net->plan.act[i] = count[g] ? net->plan.slots[0] + offset[g] : NULL;
        net->plan.act_stride[i] = region;
        if (grads) {
            net->plan.dact[i] = count[na + g] ? net->plan.slots[0] + offset[na + g] : NULL;
            net->plan.dact_stride[i] = region;
            net->plan.act_bwd[i] = again[g] >= 0 ? net->plan.slots[0] + offset[2 * na + g] : net->plan.act[i];
        }
    }
    if (!grads)
        goto done;
    /* Clearing order: by the step of the last consumer, latest first. */
    for (int step = T; step >= 1; step--)
        for (int g = 1; g < na; g++)
            if (net->plan.owner[g] == g && first[g] >= 0 && last[g] == step) {
                net->plan.zero_at[g] = step;
                net->plan.zero_order[net->plan.n_zero++] = g;
            }
done:
    free(count);
    free(offset);
    free(born);
    free(dies);
    free(reader);
    free(again);
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

/* Floats of each private gradient window of members 1..: the parameters of the largest node
 * whose backward writes gradients member by member (net_run.c sums them after each node),
 * rounded up so that every window starts on a 64-byte boundary. */
static size_t grads_window(const cs__net *net)
{
    size_t window = 0;
    for (int n = 1; n < net->n_nodes; n++) {
        const cs__node *node = &net->nodes[n];
        if ((cs__op_def_of(node->op)->flags & CS__OP_MEMBER_GRADS) && node->grad_count > window)
            window = node->grad_count;
    }
    return (window + 15) / 16 * 16;
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
    net->plan.saved_in = malloc((size_t)net->n_acts * sizeof *net->plan.saved_in);
    net->plan.saved_offset = malloc((size_t)net->n_acts * sizeof *net->plan.saved_offset);
    net->plan.has_grads = grads; /* the ops' state_bytes read it: evaluation saves nothing for backward */
    if (!net->plan.act || !net->plan.dact || !net->plan.act_stride || !net->plan.dact_stride || !net->plan.state ||
        !net->plan.owner || !net->plan.saved_in || !net->plan.saved_offset) {
        status = cs__error_oom("network run-time tables", (size_t)net->n_acts * 4 * sizeof(float *));
        goto cleanup;
    }
    plan_in_place(net);
    plan_concat_copies(net, grads);
    {
        int *first = malloc((size_t)net->n_acts * sizeof *first), *last = malloc((size_t)net->n_acts * sizeof *last);
        if (!first || !last)
            status = cs__error_oom("activation lifetimes", (size_t)net->n_acts * 2 * sizeof(int));
        else
            group_lifetimes(net, first, last);
        if (status == CS_OK)
            status = plan_buffers(net, rows, grads, first, last);
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
    const size_t window = grads && members > 1 ? grads_window(net) : 0;
    /* Training forwards copy their input: backward reads it again (first conv's weight
     * gradient), and the caller may reuse its buffer in between. One region per member. */
    net->plan.act_stride[0] = (cs__act_count(net, 0) * (size_t)rows + 15) / 16 * 16;
    if (!alloc_floats(&net->plan.act[0], (size_t)members, net->plan.act_stride[0], "network input copy") ||
        !alloc_floats(&net->plan.out, (size_t)batch, cs__act_count(net, net->logits), "network output") ||
        (grads && members > 1 &&
         !alloc_floats(&net->plan.grads_private, (size_t)(members - 1), window, "per-thread gradients"))) {
        status = cs_last_error_status();
        goto cleanup;
    }
    net->plan.grads_window = window;
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

