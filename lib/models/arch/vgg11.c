/* VGG-11 with BatchNorm, as kuangliu's VGG('VGG11') (models/vgg.py): `features` is one
 * nn.Sequential of Conv2d(3x3, padding 1, with bias) + BatchNorm2d + ReLU per number of the
 * configuration [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M] and a 2x2 max pool per
 * M, then `classifier`, one linear layer. The fifth pool is a global max pool (PyTorch's
 * AdaptiveMaxPool2d(1)): on kuangliu's 2x2 plane at 32x32 input it is the same 2x2 max, and it
 * lets 28x28 Fashion-MNIST through (28, 14, 7, 3, 1). kuangliu's closing AvgPool2d(1, 1) is
 * the identity and is left out (it has no tensors and comes last, so no index moves). */
#include "models/spec.h"

#define CBR(conv, bn, planes)                                                                       \
    { CS__OP_CONV, conv, planes, .k = 3, .stride = 1, .pad = 1, .flags = CS__SPEC_BIAS },           \
        { CS__OP_BN, .name = bn }, { .kind = CS__OP_RELU }
#define POOL { CS__OP_MAXPOOL, .k = 2, .stride = 2 }

static const cs__spec_row rows[] = {
    CBR("features.0", "features.1", 64),
    POOL,
    CBR("features.4", "features.5", 128),
    POOL,
    CBR("features.8", "features.9", 256),
    CBR("features.11", "features.12", 256),
    POOL,
    CBR("features.15", "features.16", 512),
    CBR("features.18", "features.19", 512),
    POOL,
    CBR("features.22", "features.23", 512),
    CBR("features.25", "features.26", 512),
    { .kind = CS__OP_GMAXPOOL },
    { CS__OP_LINEAR, "classifier", CS__SPEC_CLASSES, .flags = CS__SPEC_BIAS },
    { .kind = CS__SPEC_END },
};

const cs__arch_spec cs__arch_vgg11 = {
    .name = "vgg11",
    .description = "VGG-11 with BatchNorm: eight 3x3 convolutions, five max pools, one linear layer",
    .default_width = 1.0,
    .widest = 512,
    .rows = rows,
};
