/* kuangliu's GoogLeNet (models/googlenet.py): a 3x3 stem, nine Inception modules with two
 * stride-2 max pools, global average pooling and one linear layer. Every convolution is a
 * Conv2d (with bias) + BatchNorm2d + ReLU triple of an nn.Sequential; each module's four
 * branches start from register 0 and are concatenated in order. b3 is kuangliu's "5x5"
 * branch: two stacked 3x3 convolutions; b4's max pool is Sequential index 0, so its conv is
 * b4.1. kuangliu's AvgPool2d(8) is global at 32x32 only; a global pool also fits 28x28. */
#include "models/spec.h"

#define CBR(conv, bn, planes, kk, pp)                                                               \
    { CS__OP_CONV, conv, planes, .k = kk, .stride = 1, .pad = pp, .flags = CS__SPEC_BIAS },         \
        { CS__OP_BN, .name = bn }, { .kind = CS__OP_RELU }

#define SAVE(r) { CS__SPEC_SAVE, .reg = r }
#define FROM_INPUT { CS__SPEC_LOAD, .reg = 0 }

#define INCEPTION(m, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_planes)                               \
    SAVE(0), CBR(m ".b1.0", m ".b1.1", n1x1, 1, 0), SAVE(1), FROM_INPUT,                             \
    CBR(m ".b2.0", m ".b2.1", n3x3red, 1, 0), CBR(m ".b2.3", m ".b2.4", n3x3, 3, 1), SAVE(2), FROM_INPUT, \
    CBR(m ".b3.0", m ".b3.1", n5x5red, 1, 0), CBR(m ".b3.3", m ".b3.4", n5x5, 3, 1),                 \
    CBR(m ".b3.6", m ".b3.7", n5x5, 3, 1), SAVE(3), FROM_INPUT,                                       \
    { CS__OP_MAXPOOL, .k = 3, .stride = 1, .pad = 1 }, CBR(m ".b4.1", m ".b4.2", pool_planes, 1, 0),  \
    { CS__SPEC_CONCAT, .regs = { 1, 2, 3 }, .n_regs = 3 }

#define POOL { CS__OP_MAXPOOL, .k = 3, .stride = 2, .pad = 1 }

static const cs__spec_row rows[] = {
    CBR("pre_layers.0", "pre_layers.1", 192, 3, 1),
    INCEPTION("a3", 64, 96, 128, 16, 32, 32),
    INCEPTION("b3", 128, 128, 192, 32, 96, 64),
    POOL,
    INCEPTION("a4", 192, 96, 208, 16, 48, 64),
    INCEPTION("b4", 160, 112, 224, 24, 64, 64),
    INCEPTION("c4", 128, 128, 256, 24, 64, 64),
    INCEPTION("d4", 112, 144, 288, 32, 64, 64),
    INCEPTION("e4", 256, 160, 320, 32, 128, 128),
    POOL,
    INCEPTION("a5", 256, 160, 320, 32, 128, 128),
    INCEPTION("b5", 384, 192, 384, 48, 128, 128),
    { .kind = CS__OP_GAP },
    { CS__OP_LINEAR, "linear", CS__SPEC_CLASSES, .flags = CS__SPEC_BIAS },
    { .kind = CS__SPEC_END },
};

const cs__arch_spec cs__arch_googlenet = {
    .name = "googlenet",
    .description = "GoogLeNet: 3x3 stem, nine Inception modules, global average pool",
    .default_width = 1.0,
    .widest = 1024,
    .rows = rows,
};
