/* Internal: a network as data. An architecture (a spec table, models/spec.h) is built by
 * adding nodes in PyTorch module-registration order; the builder asks each op's table entry
 * (models/op.h) for the output shape and tensors, names every parameter and buffer exactly
 * like the state_dict of the PyTorch module, and lays them out in one parameter block (with
 * one gradient block and one momentum block of the same layout) and one buffer block (BN
 * running statistics). The executor has three parts: build (net_build.c), plan (net_plan.c:
 * in-place ops, buffer lifetimes and sharing, saved state, workspace) and run (net_run.c:
 * the nodes forward in order and backward in reverse, each through its op's entry).
 *
 * Error handling in the builder is sticky: after the first failure every builder call
 * returns the same negative status without doing anything, so architecture code can chain
 * calls and check once (at cs__net_finish or via net->status). */
#ifndef CS_MODELS_NET_H
#define CS_MODELS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/team.h"
#include "tensor/kernels.h"

#define CS__NET_MAX_INPUTS 4      /* concat of the four inception branches */
#define CS__NET_NAME_MAX 96
/* Members of the data-parallel team at most: every member may be inside OpenBLAS at once, and
 * OpenBLAS has a fixed number of work buffers (twice its compiled thread limit, 64 or more). */
#define CS__NET_MAX_THREADS 64
#define CS__NET_MAX_THREADS_TEXT "64"

/* The op kinds. Each has one entry in the op table (models/op.h: shape inference, parameter
 * initialisation, saved state, workspace, forward, backward, FLOP count) in its own file under
 * models/ops/; the executor knows none of them by name. Append new kinds before CS__OP_COUNT. */
typedef enum cs__op {
    CS__OP_INPUT,
    CS__OP_CONV,       /* dense or grouped (depthwise) 2-D convolution */
    CS__OP_BN,
    CS__OP_RELU,
    CS__OP_MAXPOOL,
    CS__OP_AVGPOOL,
    CS__OP_GAP,        /* global average pool: (C, H, W) -> (C, 1, 1) */
    CS__OP_FLATTEN,    /* (C, H, W) -> (C*H*W, 1, 1); no data movement (row-major already) */
    CS__OP_LINEAR,
    CS__OP_ADD,
    CS__OP_CONCAT,
    CS__OP_DROPOUT,
    CS__OP_RELU6,      /* min(max(x, 0), 6) */
    CS__OP_GMAXPOOL,   /* global max pool: (C, H, W) -> (C, 1, 1) */
    CS__OP_COUNT
} cs__op;

/* Per-sample shape of an activation; the batch dimension is added at run time. */
typedef struct cs__act_shape {
    int c, h, w;
} cs__act_shape;

/* One node of the graph: its op, inputs, output and the op's arguments (each op reads the
 * ones it needs). */
typedef struct cs__node {
    cs__op op;
    int in[CS__NET_MAX_INPUTS];
    int n_in;
    int out;                  /* activation id */
    int c_out;                /* conv output channels, linear output features */
    int k, stride, pad;       /* conv and pooling */
    int groups;               /* conv: 1 dense, c_in depthwise */
    bool bias;                /* conv and linear */
    double p;                 /* dropout probability */
    int first_tensor;         /* index of this node's first named tensor, -1 if none */
    size_t grad_from, grad_count; /* its trainable tensors: floats [grad_from, + grad_count) of
                                     params and grads (they are added one after the other) */
} cs__node;

typedef struct cs__named_tensor {
    char name[CS__NET_NAME_MAX];  /* e.g. "layer1.0.bn1.running_mean" */
    int ndim;
    int64_t dims[4];              /* PyTorch layout: conv OIHW, linear (out, in), others (C) */
    size_t count;
    bool trainable;               /* a parameter (in params/grads) or a buffer (in buffers) */
    size_t offset;                /* floats into params (trainable) or buffers */
} cs__named_tensor;

/* The memory plan for one batch size (cs__net_prepare) and the buffers it allocated. Every
 * buffer below that is shared by several activations holds one region per member (member t's
 * rows at t * stride floats), so that members never write where another still reads. */
typedef struct cs__net_plan {
    int batch;
    bool has_grads;               /* dact holds buffers (training); evaluation needs none */
    size_t *act_stride, *dact_stride; /* per activation id: floats from one member's region to the next */
    float *out;                   /* (batch, K): the logits gathered from the members */
    float *grads_private;         /* (members - 1) x grads_window floats: the parameter gradients
                                     of members 1.. for one node at a time (net_run.c); zero
                                     outside a node's backward */
    size_t grads_window;          /* the largest grad_count of a CS__OP_MEMBER_GRADS node */
    float **act, **dact;          /* per activation id; dact entries NULL without has_grads */
    float **act_bwd;              /* with has_grads: act as backward reads it — the same, except
                                     for activations recomputed in backward (their own buffer) */
    int *recompute_before;        /* with has_grads, per node: the first node of the group
                                     (an output and what runs in place over it) recomputed
                                     (cs__op_def.recompute of each node writing into it) just
                                     before this node's backward, or -1 */
    int *owner;                   /* per activation id: the id whose buffers it uses — itself, or
                                     for an op run in place, its input's */
    int *saved_in;                /* per activation id: where backward reads it (cs__member_saved):
                                     itself, or a concat output that holds a copy of it */
    size_t *saved_offset;         /* per activation id: floats into each sample of saved_in */
    /* Activations and activation gradients share memory when they are never alive at the same
     * time (net_plan.c): act[i] and dact[i] point into one arena (slots[0]; n_slots is 0 or 1)
     * with one region per member. An activation lives from its producer to its last consumer
     * and, in training, when a backward reads it, to the end of backward; a gradient from the
     * backward step of its last consumer (it is cleared just before its first write) to that
     * of its producer. */
    float **slots;
    int n_slots;
    int *zero_order;              /* owner ids by the backward step that clears them, latest first */
    int *zero_at;                 /* per activation id (owners): that step; n_nodes for the logits */
    int n_zero;
    void **state;                 /* per node: the op's saved state (NULL for ops without) */
    size_t work_stride;           /* floats of workspace per member */
    float *work;
} cs__net_plan;

typedef struct cs__net {
    int status;                   /* sticky builder status (CS_OK while building succeeds) */
    cs__act_shape input;
    cs__node *nodes;
    int n_nodes, cap_nodes;
    cs__act_shape *acts;          /* activation id -> per-sample shape; id 0 is the input */
    int n_acts, cap_acts;
    cs__named_tensor *tensors;    /* in state_dict order */
    int n_tensors, cap_tensors;
    size_t n_params, n_buffers;   /* floats */
    int logits;                   /* activation id of the output, set by cs__net_finish */

    /* Set by cs__net_finish. */
    float *params, *grads, *momentum, *buffers;
    bool momentum_started;

    /* Data parallelism (cs__net_set_threads): a batch is cut into `members` contiguous shares
     * of whole samples (cs__team_share), each run through the whole network by one member of
     * the team, every GEMM single-threaded; the members meet only where an op needs the whole
     * batch (BatchNorm's statistics) and after the backward of each node with parameter
     * gradients (those of members 1.. are summed into grads in member order, layer by layer,
     * so that members 1.. need a window as large as the largest layer's instead of a whole
     * gradient block each). threads 0: one member and OpenBLAS as configured. */
    int threads;
    int members;
    cs__team *team;
    /* The arithmetic of the products (cs_precision; tensor/precision.h): run_members sets it
     * as the thread's precision on every member for the pass. */
    int precision;
    /* For tests: keep every activation a backward reads instead of recomputing some
     * (net_plan.c, plan_recompute), to compare the two plans' results. */
    bool keep_all;

    cs__net_plan plan;            /* set by cs__net_prepare */
} cs__net;

/* ---- building ---------------------------------------------------------------------------- */

/* Start a network whose input is (c, h, w) per sample; returns activation id 0. */
int cs__net_init(cs__net *net, int c, int h, int w);

/* Add a node of kind `op` on the inputs `in` (n_in of them) with the arguments of `args` (its
 * c_out, k, stride, pad, groups, bias and p; the rest is ignored; NULL for none). `name` is the
 * module path used as the prefix of its tensors ("layer1.0.conv1"), NULL for ops without
 * tensors. Returns the id of its output activation (>= 0), or the sticky negative status. */
int cs__net_node(cs__net *net, cs__op op, const int *in, int n_in, const cs__node *args, const char *name);

/* Shorthands of cs__net_node, with the same results. */
int cs__net_conv(cs__net *net, int in, const char *name, int c_out, int k, int stride, int pad, bool bias);
int cs__net_bn(cs__net *net, int in, const char *name);
int cs__net_relu(cs__net *net, int in);
int cs__net_maxpool(cs__net *net, int in, int k, int stride, int pad);
int cs__net_avgpool(cs__net *net, int in, int k, int stride, int pad);
int cs__net_gap(cs__net *net, int in);
int cs__net_flatten(cs__net *net, int in);
int cs__net_linear(cs__net *net, int in, const char *name, int out, bool bias);
int cs__net_add(cs__net *net, int a, int b);
int cs__net_concat(cs__net *net, const int *in, int n);
int cs__net_dropout(cs__net *net, int in, double p);
int cs__net_conv_grouped(cs__net *net, int in, const char *name, int c_out, int k, int stride, int pad, int groups,
                         bool bias);
int cs__net_relu6(cs__net *net, int in);
int cs__net_gmaxpool(cs__net *net, int in);

/* Mark `logits` (a (K, 1, 1) activation) as the output and allocate the parameter, gradient,
 * momentum and buffer blocks. Returns the sticky status. */
int cs__net_finish(cs__net *net, int logits);

/* The same without allocating: names, shapes and sizes only (to compare with a checkpoint
 * before committing memory to what it describes). */
int cs__net_finish_layout(cs__net *net, int logits);

/* PyTorch's default initialisation, from Philox keyed by `seed` (tensor i uses stream i):
 * conv and linear weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform
 * with a = sqrt(5), and the matching bias rule); BN weight 1, bias 0, running mean 0,
 * running variance 1. */
void cs__net_init_params(cs__net *net, uint64_t seed);

void cs__net_free(cs__net *net);

/* Free the plan's buffers (cs__net_prepare sizes them anew). */
void cs__net_plan_free(cs__net *net);

/* Multiply-adds x 2 of one sample's forward pass, the sum of every op's count (convolutions
 * and linear layers; works on a layout-only net too). */
double cs__net_forward_flops(const cs__net *net);

/* True when the net has a BatchNorm layer (decides the default learning rate). */
bool cs__net_has_bn(const cs__net *net);

/* ---- running ------------------------------------------------------------------------------ */

/* Size activations, saved state and the workspace for up to `batch` samples, and the
 * activation gradients too when `grads` (training; evaluation needs none, which halves its
 * memory). Reallocates only when the batch grows or gradients are wanted and missing; a
 * reallocation for gradients is sized for `batch` exactly, so that a large evaluation batch
 * does not inflate training. CS_OK or CS_ERR_OUT_OF_MEMORY / CS_ERR_OVERFLOW. */
int cs__net_prepare(cs__net *net, int batch, bool grads);

/* Use `threads` members (0: one, with OpenBLAS's own threads inside each product), threads in
 * 0 .. CS__NET_MAX_THREADS (the caller checks). Frees the run-time buffers when the member
 * count changes (the next prepare sizes them anew). CS_OK or the team's error. */
int cs__net_set_threads(cs__net *net, int threads);

/* Forward n <= batch samples x (N, C, H, W); returns the logits (N, K) inside the network
 * (valid until the next forward). training: BN uses batch statistics and updates running
 * ones, dropout is active with masks from (dropout_seed, counter base dropout_counter), and
 * x is copied (backward needs it after the caller may have reused its buffer). */
const float *cs__net_forward(cs__net *net, const float *x, int n, bool training,
                             uint64_t dropout_seed, uint64_t dropout_counter);

/* Backward of the last (training) forward: zeroes the activation gradients, seeds the
 * output gradient with dlogits (N, K), and accumulates into net->grads. */
void cs__net_backward(cs__net *net, const float *dlogits, int n);

/* The logits (N, K) of the last forward. */
const float *cs__net_logits(const cs__net *net);

/* Zero the parameter gradients. */
void cs__net_zero_grad(cs__net *net);

/* One torch.optim.SGD step on every parameter (weight decay applies to all, as PyTorch's
 * default parameter group does). */
void cs__net_sgd_step(cs__net *net, float lr, float momentum, float dampening, float weight_decay,
                      bool nesterov);

/* Whether that step would keep every parameter and momentum value finite (nothing written). */
bool cs__net_sgd_step_is_finite(cs__net *net, float lr, float momentum, float dampening, float weight_decay,
                                bool nesterov);

/* The named tensor i's data (params or buffers) and gradient (NULL for buffers). */
float *cs__net_tensor_data(cs__net *net, int i);
float *cs__net_tensor_grad(cs__net *net, int i);

#endif
