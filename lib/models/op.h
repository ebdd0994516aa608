/* Internal: the op table. Every op kind of net.h has one entry, defined in its own file under
 * models/ops/ (or a small family of ops in one file), that says everything the executor needs:
 * the output shape and the named tensors of a node (infer), PyTorch's default initialisation of
 * those tensors, the state its forward saves for backward, the workspace it needs, the forward
 * and backward passes of one member's rows, and its FLOP count. The builder (net_build.c), the
 * planner (net_plan.c) and the passes (net_run.c) only loop over nodes and call the entries;
 * adding an op is a new cs__op value, its entry in ops/table.c, and its file. */
#ifndef CS_MODELS_OP_H
#define CS_MODELS_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/net.h"

/* One member's view of a forward or backward pass: its rows [lo, lo + rows) of the batch. */
typedef struct cs__member {
    cs__net *net;
    int t, members;             /* this member and the team's size */
    int lo, rows;
    int n;                      /* the whole batch */
    bool training;
    uint64_t dropout_seed, dropout_counter;
    const float *input;         /* its rows of the network input */
    float *const *acts;         /* the activation table of the pass: net->plan.act, or in backward
                                   plan.act_bwd (recomputed activations elsewhere) */
    float *grads;               /* its parameter gradients (cs__member_grad): member 0's are
                                   net->grads; those of members 1.. a window that holds one
                                   node's, grads_from floats into the parameter block */
    size_t grads_from;
    float *work;                /* its workspace (NULL when no op needs one) */
} cs__member;

/* Flags of an op. */
enum {
    /* The forward may write its output over its input (the planner decides when it does; the
     * backward then gets one buffer as dy and dx). */
    CS__OP_IN_PLACE = 1u << 0,
    /* The backward reads the node's own output (then its consumer may not overwrite it). */
    CS__OP_READS_OUTPUT = 1u << 1,
    /* Forward and backward run on every member, also those without rows, because the members
     * meet inside them (BatchNorm's batch statistics); the entry itself skips empty shares
     * where it can. Other ops are not called for a member without rows. */
    CS__OP_WHOLE_BATCH = 1u << 2,
    /* The backward reads the node's input activations (a convolution's or linear layer's for
     * the weight gradient, BatchNorm's for x_hat). An activation that no backward reads — not
     * its consumers' (this flag) nor its producer's (CS__OP_READS_OUTPUT) — is not kept for
     * backward: its buffer is reused once its last consumer has run, as in evaluation. */
    CS__OP_READS_INPUT = 1u << 3,
    /* The backward reads its output (CS__OP_READS_OUTPUT) through cs__member_saved, so it may
     * find it in a concatenation's output: when the output goes only into a concat, backward
     * reads the concatenated copy and the output's own buffer is reused once the concat ran. */
    CS__OP_OUTPUT_FROM_CONCAT = 1u << 4,
    /* The output is the inputs side by side along channels, copied unchanged (concat). */
    CS__OP_CONCATENATES = 1u << 5,
    /* The backward accumulates the node's parameter gradients member by member
     * (cs__member_grad; conv, linear): the executor sums them into net->grads after the node. */
    CS__OP_MEMBER_GRADS = 1u << 6,
    /* In evaluation (a plan without gradients, where no backward reads anything) the forward
     * may write its output over its input like CS__OP_IN_PLACE (BatchNorm with its running
     * statistics: element-wise). */
    CS__OP_IN_PLACE_EVAL = 1u << 7,
};

typedef struct cs__op_def {
    const char *name;           /* for messages: "max pool" */
    int min_inputs, max_inputs;
    unsigned flags;
    /* Check the node's arguments against its inputs' shapes, add its tensors (in PyTorch's
     * state_dict order, with cs__net_add_tensor) and give its output shape. `name` is the
     * node's module path (NULL for ops without tensors). CS_OK or the sticky failure
     * (cs__net_fail). */
    int (*infer)(cs__net *net, cs__node *node, const char *name, cs__act_shape *out);
    /* PyTorch's default values of the node's tensors (NULL: it has none). */
    void (*init)(cs__net *net, const cs__node *node, uint64_t seed);
    /* Bytes of saved state for `batch` samples shared by `members` (NULL: none); what only
     * backward needs can be left out where net->plan.has_grads is false (evaluation; the
     * forward then finds plan.state[i] NULL). */
    size_t (*state_bytes)(const cs__net *net, const cs__node *node, int batch, int members);
    /* Floats of workspace for `rows` samples of one member (NULL: none). */
    size_t (*workspace)(const cs__net *net, const cs__node *node, int rows);
    /* Node i on one member's rows: forward writes the output activation; backward accumulates
     * into the input gradients that exist (cs__member_dx) and the parameter gradients. */
    void (*forward)(const cs__member *me, int i);
    void (*backward)(const cs__member *me, int i);
    /* Write the node's output again from its input, as its forward did, bit for bit (NULL:
     * not possible). The planner may then keep the output (with what runs in place over it,
     * each with this entry) only until its last consumer in forward and call this in backward,
     * just before the first backward that reads it: max pooling, whose input some other
     * backward keeps anyway; BatchNorm (with its saved statistics) and ReLU / ReLU6 over it,
     * whose input BatchNorm's backward keeps. */
    void (*recompute)(const cs__member *me, int i);
    /* Multiply-adds x 2 per sample (NULL: 0). */
    double (*flops)(const cs__net *net, const cs__node *node);
} cs__op_def;

/* The entry of an op kind (NULL outside 0 .. CS__OP_COUNT - 1). */
const cs__op_def *cs__op_def_of(cs__op op);

/* The entries, one per file under models/ops/. */
extern const cs__op_def cs__op_input, cs__op_conv, cs__op_bn, cs__op_relu, cs__op_relu6, cs__op_maxpool,
    cs__op_avgpool, cs__op_gap, cs__op_gmaxpool, cs__op_flatten, cs__op_linear, cs__op_add, cs__op_concat,
    cs__op_dropout;

/* ---- for infer ------------------------------------------------------------------------------- */

/* Record the first builder failure; every later builder call returns it. */
int cs__net_fail(cs__net *net, int status);

/* Append the named tensor prefix.suffix with the given dims to the node (its first tensor
 * becomes the node's first_tensor). CS_OK or the sticky failure. */
int cs__net_add_tensor(cs__net *net, cs__node *node, const char *prefix, const char *suffix, bool trainable,
                       int ndim, const int64_t *dims);

/* PyTorch's default for conv and linear layers: the weight and, with a bias, the bias
 * uniform in +-1/sqrt(fan_in) (fan_in = weight elements / output channels), tensor i drawn
 * from Philox stream i of `seed`. */
void cs__op_init_fan_in(cs__net *net, const cs__node *node, uint64_t seed);

/* ---- for forward and backward ----------------------------------------------------------------- */

static inline size_t cs__act_count(const cs__net *net, int id)
{
    const cs__act_shape *a = &net->acts[id];
    return (size_t)a->c * (size_t)a->h * (size_t)a->w;
}

/* The member's rows of activation g and of its gradient (NULL when it has none). */
static inline float *cs__member_act(const cs__member *me, int g)
{
    return g == 0 ? (float *)me->input : me->acts[g] + (size_t)me->t * me->net->plan.act_stride[g];
}

static inline float *cs__member_dact(const cs__member *me, int g)
{
    const cs__net_plan *plan = &me->net->plan;
    return plan->dact[g] ? plan->dact[g] + (size_t)me->t * plan->dact_stride[g] : NULL;
}

/* The member's rows of activation g as a backward reads them: g's own buffer, or (an output
 * of a CS__OP_OUTPUT_FROM_CONCAT node) its channels in the concatenation that copied it. Sample
 * s starts at s * *sample_stride floats (cs__act_count(g) for its own buffer). */
static inline const float *cs__member_saved(const cs__member *me, int g, size_t *sample_stride)
{
    const cs__net_plan *plan = &me->net->plan;
    const int in = plan->saved_in ? plan->saved_in[g] : g;
    *sample_stride = cs__act_count(me->net, in);
    return cs__member_act(me, in) + (in == g ? 0 : plan->saved_offset[g]);
}

/* The gradient of a node's first input: NULL for the network input, which needs none. */
static inline float *cs__member_dx(const cs__member *me, const cs__node *node)
{
    return node->in[0] == 0 ? NULL : cs__member_dact(me, node->in[0]);
}

/* The member's parameter gradient of a tensor of the node whose backward runs (an op with
 * CS__OP_MEMBER_GRADS): accumulate into it. */
static inline float *cs__member_grad(const cs__member *me, int tensor)
{
    return me->grads + (me->net->tensors[tensor].offset - me->grads_from);
}

/* Wait until every member reached this point (nothing with one member). */
void cs__member_barrier(const cs__member *me);

#endif
