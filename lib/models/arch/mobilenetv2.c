/* MobileNetV2 as kuangliu's CIFAR version (models/mobilenetv2.py: stride 1 in the stem and
 * the second block group, so that 32x32 reaches 4x4), with the paper's (and torchvision's)
 * ReLU6 where kuangliu uses ReLU. Each inverted residual block expands with a 1x1 convolution
 * (expansion x its input channels), filters with a 3x3 depthwise convolution (carrying the
 * block's stride), and projects with a 1x1 convolution and no activation; blocks of stride 1
 * add their input, through a 1x1 convolution + BatchNorm shortcut when the channel count
 * changes. kuangliu's avg_pool2d(4) is global at 32x32 only; a global pool also fits 28x28. */
#include "models/spec.h"

#define CONV_BN(conv, bn, planes, kk, s, pp, g)                                                     \
    { CS__OP_CONV, conv, planes, .k = kk, .stride = s, .pad = pp, .groups = g }, { CS__OP_BN, .name = bn }

/* Block(in_planes, out_planes, expansion, stride) without its addition. */
#define BLOCK(b, e, out, s)                                                                         \
    { CS__SPEC_SAVE, .reg = 0 },                                                                    \
    { CS__OP_CONV, b ".conv1", .expand = e, .k = 1, .stride = 1 }, { CS__OP_BN, .name = b ".bn1" }, { .kind = CS__OP_RELU6 }, \
    { CS__OP_CONV, b ".conv2", .expand = 1, .k = 3, .stride = s, .pad = 1, .groups = CS__SPEC_DEPTHWISE }, \
    { CS__OP_BN, .name = b ".bn2" }, { .kind = CS__OP_RELU6 },                                                      \
    CONV_BN(b ".conv3", b ".bn3", out, 1, 1, 0, 1)

/* A block of stride 1: its output plus its input (projected when the channels differ). */
#define BLOCK1(b, e, out) BLOCK(b, e, out, 1), { CS__SPEC_ADD, b ".shortcut", .reg = 0, .stride = 1 }

static const cs__spec_row rows[] = {
    CONV_BN("conv1", "bn1", 32, 3, 1, 1, 1),
    { .kind = CS__OP_RELU6 },
    /* (expansion, out_planes, num_blocks, stride): (1, 16, 1, 1) */
    BLOCK1("layers.0", 1, 16),
    /* (6, 24, 2, 1) */
    BLOCK1("layers.1", 6, 24),
    BLOCK1("layers.2", 6, 24),
    /* (6, 32, 3, 2) */
    BLOCK("layers.3", 6, 32, 2),
    BLOCK1("layers.4", 6, 32),
    BLOCK1("layers.5", 6, 32),
    /* (6, 64, 4, 2) */
    BLOCK("layers.6", 6, 64, 2),
    BLOCK1("layers.7", 6, 64),
    BLOCK1("layers.8", 6, 64),
    BLOCK1("layers.9", 6, 64),
    /* (6, 96, 3, 1) */
    BLOCK1("layers.10", 6, 96),
    BLOCK1("layers.11", 6, 96),
    BLOCK1("layers.12", 6, 96),
    /* (6, 160, 3, 2) */
    BLOCK("layers.13", 6, 160, 2),
    BLOCK1("layers.14", 6, 160),
    BLOCK1("layers.15", 6, 160),
    /* (6, 320, 1, 1) */
    BLOCK1("layers.16", 6, 320),
    CONV_BN("conv2", "bn2", 1280, 1, 1, 0, 1),
    { .kind = CS__OP_RELU6 },
    { .kind = CS__OP_GAP },
    { CS__OP_LINEAR, "linear", CS__SPEC_CLASSES, .flags = CS__SPEC_BIAS },
    { .kind = CS__SPEC_END },
};

const cs__arch_spec cs__arch_mobilenetv2 = {
    .name = "mobilenetv2",
    .description = "MobileNetV2: 17 inverted residual blocks with depthwise convolutions and ReLU6",
    .default_width = 1.0,
    .widest = 1280,
    .rows = rows,
};
