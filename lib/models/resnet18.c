/* kuangliu's ResNet18 (models/resnet.py) and, with skip = false, the same network without
 * residual connections ("unresnet18", the reference article's control): every shortcut
 * addition and every projection is removed, so the plain stack of 17 convolutions is what
 * is left. Tensors are created in PyTorch's registration order (conv1, bn1, conv2, bn2,
 * shortcut within a block) so that they come out in state_dict order. */
#include <stdio.h>

#include "models/models.h"

/* "layer<stage>.<block>.<leaf>", e.g. "layer2.0.shortcut.0" (at most 47 bytes). */
static const char *block_name(char *buf, int stage, int block, const char *leaf)
{
    snprintf(buf, CS__NET_NAME_MAX, "layer%d.%d.%s", stage, block, leaf);
    return buf;
}

/* BasicBlock(in_planes, planes, stride): relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
 * with a 1x1 projection shortcut where the stride or the channel count changes. */
static int basic_block(cs__net *net, int x, int stage, int block, int planes, int stride, bool skip)
{
    char name[CS__NET_NAME_MAX];
    if (x < 0)
        return x; /* the sticky status; net->acts[x] below needs a real activation */
    const int in_planes = net->acts[x].c;
    int y = cs__net_conv(net, x, block_name(name, stage, block, "conv1"), planes, 3, stride, 1, false);
    y = cs__net_bn(net, y, block_name(name, stage, block, "bn1"));
    y = cs__net_relu(net, y);
    y = cs__net_conv(net, y, block_name(name, stage, block, "conv2"), planes, 3, 1, 1, false);
    y = cs__net_bn(net, y, block_name(name, stage, block, "bn2"));
    if (skip) {
        int shortcut = x;
        if (stride != 1 || in_planes != planes) {
            shortcut = cs__net_conv(net, x, block_name(name, stage, block, "shortcut.0"), planes, 1, stride, 0, false);
            shortcut = cs__net_bn(net, shortcut, block_name(name, stage, block, "shortcut.1"));
        }
        y = cs__net_add(net, y, shortcut);
    }
    return cs__net_relu(net, y);
}

int cs__resnet18_build(cs__net *net, int k, double width, bool skip)
{
    /* Stage channels at width 1; the first block of stages 2-4 halves the plane. */
    static const int stage_planes[4] = { 64, 128, 256, 512 };
    int x = 0; /* the input activation of cs__net_init */
    x = cs__net_conv(net, x, "conv1", cs__model_scale(64, width), 3, 1, 1, false);
    x = cs__net_bn(net, x, "bn1");
    x = cs__net_relu(net, x);
    for (int stage = 0; stage < 4; stage++) {
        const int planes = cs__model_scale(stage_planes[stage], width);
        for (int block = 0; block < 2; block++) {
            const int stride = stage > 0 && block == 0 ? 2 : 1;
            x = basic_block(net, x, stage + 1, block, planes, stride, skip);
        }
    }
    /* kuangliu's avg_pool2d(4) is global at 32x32 only; a global pool also fits 28x28. */
    x = cs__net_gap(net, x);
    return cs__net_linear(net, x, "linear", k, true);
}
