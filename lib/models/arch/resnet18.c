/* kuangliu's ResNet18 (models/resnet.py) and the same network without residual connections
 * ("unresnet18", the reference article's control: every shortcut addition and projection is
 * removed, leaving the plain stack of 17 convolutions). Rows follow PyTorch's registration
 * order within a block (conv1, bn1, conv2, bn2, shortcut) so that tensors come out in
 * state_dict order; the first block of stages 2-4 halves the plane and projects its shortcut.
 * kuangliu's avg_pool2d(4) is global at 32x32 only; a global pool also fits 28x28. */
#include "models/spec.h"

#define CONV_BN(conv, bn, planes, s)                                                                \
    { CS__OP_CONV, conv, planes, .k = 3, .stride = s, .pad = 1 }, { CS__OP_BN, .name = bn }

/* BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
#define BLOCK(b, planes, s)                                                                         \
    { CS__SPEC_SAVE, .reg = 0 }, CONV_BN(b ".conv1", b ".bn1", planes, s), { .kind = CS__OP_RELU },          \
        CONV_BN(b ".conv2", b ".bn2", planes, 1), { CS__SPEC_ADD, b ".shortcut", .reg = 0, .stride = s }, \
        { .kind = CS__OP_RELU }

/* The same block without its shortcut. */
#define PLAIN(b, planes, s)                                                                         \
    CONV_BN(b ".conv1", b ".bn1", planes, s), { .kind = CS__OP_RELU }, CONV_BN(b ".conv2", b ".bn2", planes, 1), \
        { .kind = CS__OP_RELU }

#define RESNET18(B)                                                                                 \
    CONV_BN("conv1", "bn1", 64, 1), { .kind = CS__OP_RELU },                                                \
    B("layer1.0", 64, 1), B("layer1.1", 64, 1),                                                     \
    B("layer2.0", 128, 2), B("layer2.1", 128, 1),                                                   \
    B("layer3.0", 256, 2), B("layer3.1", 256, 1),                                                   \
    B("layer4.0", 512, 2), B("layer4.1", 512, 1),                                                   \
    { .kind = CS__OP_GAP }, { CS__OP_LINEAR, "linear", CS__SPEC_CLASSES, .flags = CS__SPEC_BIAS }, { .kind = CS__SPEC_END }

static const cs__spec_row resnet18[] = { RESNET18(BLOCK) };
static const cs__spec_row unresnet18[] = { RESNET18(PLAIN) };

const cs__arch_spec cs__arch_resnet18 = {
    .name = "resnet18",
    .description = "ResNet18: 3x3 stem, four stages of two basic residual blocks, global average pool",
    .default_width = 1.0,
    .widest = 512,
    .rows = resnet18,
};

const cs__arch_spec cs__arch_unresnet18 = {
    .name = "unresnet18",
    .description = "ResNet18 without skip connections (the article's control)",
    .default_width = 1.0,
    .widest = 512,
    .rows = unresnet18,
};
