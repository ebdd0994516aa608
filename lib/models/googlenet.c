/* kuangliu's GoogLeNet (models/googlenet.py): a 3x3 stem, nine Inception modules with two
 * stride-2 max pools, global average pooling and one linear layer. The network is a table of
 * module specs; the input channels of each module are inferred from the previous concat, so
 * the width multiplier scales every branch and the concat sizes follow. */
#include <stdio.h>

#include "models/models.h"

typedef struct inception_spec {
    const char *name; /* two characters, "a3" */
    int n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_planes;
    bool pool_after; /* the shared MaxPool2d(3, stride 2, padding 1) follows this module */
} inception_spec;

static const inception_spec modules[] = {
    { "a3", 64, 96, 128, 16, 32, 32, false },
    { "b3", 128, 128, 192, 32, 96, 64, true },
    { "a4", 192, 96, 208, 16, 48, 64, false },
    { "b4", 160, 112, 224, 24, 64, 64, false },
    { "c4", 128, 128, 256, 24, 64, 64, false },
    { "d4", 112, 144, 288, 32, 64, 64, false },
    { "e4", 256, 160, 320, 32, 128, 128, true },
    { "a5", 256, 160, 320, 32, 128, 128, false },
    { "b5", 384, 192, 384, 48, 128, 128, false },
};

/* One Conv2d (with bias) + BatchNorm2d + ReLU triple of the nn.Sequential `seq` ("a3.b2",
 * "pre_layers", at most 15 bytes) whose conv is at index `at`: the BN is at at + 1 and the
 * ReLU (no tensors) takes index at + 2. */
static int conv_bn_relu(cs__net *net, int x, const char *seq, int at, int c_out, int k, int pad)
{
    char name[CS__NET_NAME_MAX];
    snprintf(name, sizeof name, "%.15s.%d", seq, at);
    x = cs__net_conv(net, x, name, c_out, k, 1, pad, true);
    snprintf(name, sizeof name, "%.15s.%d", seq, at + 1);
    x = cs__net_bn(net, x, name);
    return cs__net_relu(net, x);
}

/* concat(b1, b2, b3, b4) along channels. b3 is kuangliu's "5x5" branch: two stacked 3x3
 * convolutions. b4's max pool is Sequential index 0, so its conv is b4.1. */
static int inception(cs__net *net, int x, const inception_spec *m, double width)
{
    char seq[16];
    int branch[4];
    snprintf(seq, sizeof seq, "%.2s.b1", m->name);
    branch[0] = conv_bn_relu(net, x, seq, 0, cs__model_scale(m->n1x1, width), 1, 0);
    snprintf(seq, sizeof seq, "%.2s.b2", m->name);
    int y = conv_bn_relu(net, x, seq, 0, cs__model_scale(m->n3x3red, width), 1, 0);
    branch[1] = conv_bn_relu(net, y, seq, 3, cs__model_scale(m->n3x3, width), 3, 1);
    snprintf(seq, sizeof seq, "%.2s.b3", m->name);
    y = conv_bn_relu(net, x, seq, 0, cs__model_scale(m->n5x5red, width), 1, 0);
    y = conv_bn_relu(net, y, seq, 3, cs__model_scale(m->n5x5, width), 3, 1);
    branch[2] = conv_bn_relu(net, y, seq, 6, cs__model_scale(m->n5x5, width), 3, 1);
    snprintf(seq, sizeof seq, "%.2s.b4", m->name);
    y = cs__net_maxpool(net, x, 3, 1, 1);
    branch[3] = conv_bn_relu(net, y, seq, 1, cs__model_scale(m->pool_planes, width), 1, 0);
    return cs__net_concat(net, branch, 4);
}

int cs__googlenet_build(cs__net *net, int k, double width)
{
    int x = conv_bn_relu(net, 0, "pre_layers", 0, cs__model_scale(192, width), 3, 1);
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        x = inception(net, x, &modules[i], width);
        if (modules[i].pool_after)
            x = cs__net_maxpool(net, x, 3, 2, 1);
    }
    /* kuangliu's AvgPool2d(8) is global at 32x32 only; a global pool also fits 28x28. */
    x = cs__net_gap(net, x);
    return cs__net_linear(net, x, "linear", k, true);
}
