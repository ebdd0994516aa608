/* Internal: architectures as data. An architecture is a table of layer rows, read top to
 * bottom by one interpreter (spec.c) that adds nodes to a net (net.h) in PyTorch's module
 * registration order, so that tensors come out in state_dict order. The rows work on a
 * "current" activation (the input at first) and a few numbered registers that hold earlier
 * activations for branches and shortcuts:
 *
 *   an op row      { CS__OP_CONV, "layer1.0.conv1", 64, .k = 3, .stride = 1, .pad = 1 }
 *                  the op on the current activation (any op of one input: conv, bn, relu,
 *                  relu6, maxpool, avgpool, gap, gmaxpool, flatten, linear, dropout)
 *   CS__SPEC_SAVE  registers[reg] = current
 *   CS__SPEC_LOAD  current = registers[reg]
 *   CS__SPEC_ADD   current = current + registers[reg]; when the block strides (the row's
 *                  stride > 1) or the two shapes differ, the
 *                  register goes through a 1x1 convolution without bias (the row's
 *                  stride, that of the block) and a BatchNorm first, named <name>.0 and
 *                  <name>.1 — kuangliu's projection shortcut of ResNet and MobileNetV2
 *   CS__SPEC_CONCAT current = concat(registers[regs[0]], ..., current) along channels
 *   CS__SPEC_END   the end; the current activation is the logits
 *
 * Channels (conv, linear) are given at width 1 and scaled by the width multiplier
 * (cs__model_scale); CS__SPEC_CLASSES is the task's class count (never scaled); `expand`
 * instead of channels makes them that multiple of the input's (already scaled) channels;
 * groups CS__SPEC_DEPTHWISE is one group per input channel. */
#ifndef CS_MODELS_SPEC_H
#define CS_MODELS_SPEC_H

#include <stdbool.h>

#include "models/net.h"

enum {
    CS__SPEC_END = -1,
    CS__SPEC_SAVE = CS__OP_COUNT,
    CS__SPEC_LOAD,
    CS__SPEC_ADD,
    CS__SPEC_CONCAT,
};

#define CS__SPEC_CLASSES (-1)   /* channels: the class count */
#define CS__SPEC_DEPTHWISE (-1) /* groups: one per input channel */
#define CS__SPEC_REGISTERS 4

/* Row flags. */
enum {
    CS__SPEC_BIAS = 1u << 0,    /* conv or linear with a bias */
    /* Conv padding for inputs smaller than 32: (32 - side) / 2, at most `pad` (LeNet-5 pads
     * 28x28 digits to 32x32; a wider border would only convolve zeros). */
    CS__SPEC_PAD_TO_32 = 1u << 1,
};

typedef struct cs__spec_row {
    int kind;                   /* a cs__op, or CS__SPEC_* */
    const char *name;           /* module path of the node's tensors; NULL for ops without */
    int channels;               /* conv/linear output at width 1; CS__SPEC_CLASSES */
    int expand;                 /* > 0: channels = expand x input channels */
    int k, stride, pad;         /* conv, pooling */
    int groups;                 /* conv: 0 or 1 dense, CS__SPEC_DEPTHWISE, or a count */
    unsigned flags;
    double p;                   /* dropout */
    int reg;                    /* SAVE, LOAD, ADD */
    int regs[CS__NET_MAX_INPUTS - 1]; /* CONCAT: the registers before the current one */
    int n_regs;
} cs__spec_row;

typedef struct cs__arch_spec {
    const char *name;           /* "resnet18" */
    const char *description;    /* one line for listings */
    double default_width;
    /* The most channels any activation has at width 1, an upper bound the registry checks
     * before building (no activation has a larger plane than the input). */
    int widest;
    const cs__spec_row *rows;   /* ends with CS__SPEC_END */
} cs__arch_spec;

/* Build the rows of `spec` into an initialised net (cs__net_init) for k classes at width
 * `width`; returns the logits' activation id or the sticky negative status. */
int cs__spec_build(cs__net *net, const cs__arch_spec *spec, int k, double width);

/* The architectures, one spec file each under models/arch/. */
extern const cs__arch_spec cs__arch_lenet, cs__arch_resnet18, cs__arch_unresnet18, cs__arch_googlenet,
    cs__arch_custom, cs__arch_vgg11, cs__arch_mobilenetv2;

#endif
