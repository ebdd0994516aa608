/* The architectures of lib/models (registry.c, lenet.c, resnet18.c, googlenet.c, custom.c)
 * against PyTorch 1.13: parameter counts, the state_dict (names, shapes, order), and the
 * forward graph through eval-mode logits with every tensor set by a shared formula.
 *
 * Every table below was printed by tests/reference/models_reference.py (torch 1.13.1 as
 * Debian 12's python3-torch, NumPy 1.24.2) and pasted unchanged.
 *
 * Logit tolerance: the script reports the largest difference between its float32 logits and
 * a float64 run of the same model, at most 3.8e-7 here, with logits of at most 1.06. The C
 * executor sums in other orders (im2col + GEMM), so its float32 rounding is of the same size
 * but not the same bits: it differs from PyTorch by at most 7.2e-7 (custom at 1x28x28; run
 * with CS_MODELS_VERBOSE=1 to see every case). 1e-5 absolute leaves a 14x margin and stays far
 * below what a wiring mistake changes: dropping one ReLU or swapping two inception branches
 * moved the logits by 7e-3 (unresnet18, whose input-dependent part is the smallest) to 3.4. */
#include <inttypes.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "classsens/model.h"
#include "models/models.h"
#include "models/op.h"
#include "models/spec.h"

typedef struct count_case {
    const char *arch;
    int c, h, w;
    double width;
    size_t params, buffers; /* trainable floats; BN running statistics */
} count_case;

/* ---- reference: models_reference.py, pasted as printed ---------------------------------- */

/* torch 1.13.0a0, numpy 1.24.2 */
/* arch, C, H, W, width, trainable parameters, buffer floats (K = 10) */
static const count_case count_cases[] = {
    { "lenet", 3, 32, 32, 1.0, 62006, 0 },
    { "lenet", 3, 32, 32, 0.5, 15888, 0 },
    { "lenet", 3, 32, 32, 0.25, 4257, 0 },
    { "lenet", 1, 28, 28, 1.0, 61706, 0 },
    { "lenet", 1, 28, 28, 0.5, 15738, 0 },
    { "lenet", 1, 28, 28, 0.25, 4157, 0 },
    { "resnet18", 3, 32, 32, 1.0, 11173962, 9600 },
    { "resnet18", 3, 32, 32, 0.5, 2797610, 4800 },
    { "resnet18", 3, 32, 32, 0.25, 701466, 2400 },
    { "resnet18", 1, 28, 28, 1.0, 11172810, 9600 },
    { "resnet18", 1, 28, 28, 0.5, 2797034, 4800 },
    { "resnet18", 1, 28, 28, 0.25, 701178, 2400 },
    { "unresnet18", 3, 32, 32, 1.0, 11000138, 7808 },
    { "unresnet18", 3, 32, 32, 0.5, 2753706, 3904 },
    { "unresnet18", 3, 32, 32, 0.25, 690266, 1952 },
    { "unresnet18", 1, 28, 28, 1.0, 10998986, 7808 },
    { "unresnet18", 1, 28, 28, 0.5, 2753130, 3904 },
    { "unresnet18", 1, 28, 28, 0.25, 689978, 1952 },
    { "googlenet", 3, 32, 32, 1.0, 6166250, 15808 },
    { "googlenet", 3, 32, 32, 0.5, 1551354, 7904 },
    { "googlenet", 3, 32, 32, 0.25, 392738, 3952 },
    { "googlenet", 1, 28, 28, 1.0, 6162794, 15808 },
    { "googlenet", 1, 28, 28, 0.5, 1549626, 7904 },
    { "googlenet", 1, 28, 28, 0.25, 391874, 3952 },
    { "custom", 3, 32, 32, 1.0, 1250858, 0 },
    { "custom", 3, 32, 32, 0.5, 314394, 0 },
    { "custom", 3, 32, 32, 0.25, 79442, 0 },
    { "custom", 1, 28, 28, 1.0, 889834, 0 },
    { "custom", 1, 28, 28, 0.5, 223994, 0 },
    { "custom", 1, 28, 28, 0.25, 56770, 0 },
    { "vgg11", 3, 32, 32, 1.0, 9231114, 5504 },
    { "vgg11", 3, 32, 32, 0.5, 2311562, 2752 },
    { "vgg11", 3, 32, 32, 0.25, 579786, 1376 },
    { "vgg11", 1, 28, 28, 1.0, 9229962, 5504 },
    { "vgg11", 1, 28, 28, 0.5, 2310986, 2752 },
    { "vgg11", 1, 28, 28, 0.25, 579498, 1376 },
    { "mobilenetv2", 3, 32, 32, 1.0, 2296922, 35088 },
    { "mobilenetv2", 3, 32, 32, 0.5, 602482, 17544 },
    { "mobilenetv2", 3, 32, 32, 0.25, 164750, 8772 },
    { "mobilenetv2", 1, 28, 28, 1.0, 2296346, 35088 },
    { "mobilenetv2", 1, 28, 28, 0.5, 602194, 17544 },
    { "mobilenetv2", 1, 28, 28, 0.25, 164606, 8772 },
};
/* lenet, 3x32x32, K 10, width 0.25: 10 tensors */
static const char *const lenet_tensors[10] = {
    "conv1.weight 2x3x5x5", "conv1.bias 2", "conv2.weight 4x2x5x5", "conv2.bias 4",
    "fc1.weight 30x100", "fc1.bias 30", "fc2.weight 21x30", "fc2.bias 21", "fc3.weight 10x21",
    "fc3.bias 10",
};
/* resnet18, 3x32x32, K 10, width 0.25: 102 tensors */
static const char *const resnet18_tensors[102] = {
    "conv1.weight 16x3x3x3", "bn1.weight 16", "bn1.bias 16", "bn1.running_mean 16",
    "bn1.running_var 16", "layer1.0.conv1.weight 16x16x3x3", "layer1.0.bn1.weight 16",
    "layer1.0.bn1.bias 16", "layer1.0.bn1.running_mean 16", "layer1.0.bn1.running_var 16",
    "layer1.0.conv2.weight 16x16x3x3", "layer1.0.bn2.weight 16", "layer1.0.bn2.bias 16",
    "layer1.0.bn2.running_mean 16", "layer1.0.bn2.running_var 16",
    "layer1.1.conv1.weight 16x16x3x3", "layer1.1.bn1.weight 16", "layer1.1.bn1.bias 16",
    "layer1.1.bn1.running_mean 16", "layer1.1.bn1.running_var 16",
    "layer1.1.conv2.weight 16x16x3x3", "layer1.1.bn2.weight 16", "layer1.1.bn2.bias 16",
    "layer1.1.bn2.running_mean 16", "layer1.1.bn2.running_var 16",
    "layer2.0.conv1.weight 32x16x3x3", "layer2.0.bn1.weight 32", "layer2.0.bn1.bias 32",
    "layer2.0.bn1.running_mean 32", "layer2.0.bn1.running_var 32",
    "layer2.0.conv2.weight 32x32x3x3", "layer2.0.bn2.weight 32", "layer2.0.bn2.bias 32",
    "layer2.0.bn2.running_mean 32", "layer2.0.bn2.running_var 32",
    "layer2.0.shortcut.0.weight 32x16x1x1", "layer2.0.shortcut.1.weight 32",
    "layer2.0.shortcut.1.bias 32", "layer2.0.shortcut.1.running_mean 32",
    "layer2.0.shortcut.1.running_var 32", "layer2.1.conv1.weight 32x32x3x3",
    "layer2.1.bn1.weight 32", "layer2.1.bn1.bias 32", "layer2.1.bn1.running_mean 32",
    "layer2.1.bn1.running_var 32", "layer2.1.conv2.weight 32x32x3x3", "layer2.1.bn2.weight 32",
    "layer2.1.bn2.bias 32", "layer2.1.bn2.running_mean 32", "layer2.1.bn2.running_var 32",
    "layer3.0.conv1.weight 64x32x3x3", "layer3.0.bn1.weight 64", "layer3.0.bn1.bias 64",
    "layer3.0.bn1.running_mean 64", "layer3.0.bn1.running_var 64",
    "layer3.0.conv2.weight 64x64x3x3", "layer3.0.bn2.weight 64", "layer3.0.bn2.bias 64",
    "layer3.0.bn2.running_mean 64", "layer3.0.bn2.running_var 64",
    "layer3.0.shortcut.0.weight 64x32x1x1", "layer3.0.shortcut.1.weight 64",
    "layer3.0.shortcut.1.bias 64", "layer3.0.shortcut.1.running_mean 64",
    "layer3.0.shortcut.1.running_var 64", "layer3.1.conv1.weight 64x64x3x3",
    "layer3.1.bn1.weight 64", "layer3.1.bn1.bias 64", "layer3.1.bn1.running_mean 64",
    "layer3.1.bn1.running_var 64", "layer3.1.conv2.weight 64x64x3x3", "layer3.1.bn2.weight 64",
    "layer3.1.bn2.bias 64", "layer3.1.bn2.running_mean 64", "layer3.1.bn2.running_var 64",
    "layer4.0.conv1.weight 128x64x3x3", "layer4.0.bn1.weight 128", "layer4.0.bn1.bias 128",
    "layer4.0.bn1.running_mean 128", "layer4.0.bn1.running_var 128",
    "layer4.0.conv2.weight 128x128x3x3", "layer4.0.bn2.weight 128", "layer4.0.bn2.bias 128",
    "layer4.0.bn2.running_mean 128", "layer4.0.bn2.running_var 128",
    "layer4.0.shortcut.0.weight 128x64x1x1", "layer4.0.shortcut.1.weight 128",
    "layer4.0.shortcut.1.bias 128", "layer4.0.shortcut.1.running_mean 128",
    "layer4.0.shortcut.1.running_var 128", "layer4.1.conv1.weight 128x128x3x3",
    "layer4.1.bn1.weight 128", "layer4.1.bn1.bias 128", "layer4.1.bn1.running_mean 128",
    "layer4.1.bn1.running_var 128", "layer4.1.conv2.weight 128x128x3x3", "layer4.1.bn2.weight 128",
    "layer4.1.bn2.bias 128", "layer4.1.bn2.running_mean 128", "layer4.1.bn2.running_var 128",
    "linear.weight 10x128", "linear.bias 10",
};
/* unresnet18, 3x32x32, K 10, width 0.25: 87 tensors */
static const char *const unresnet18_tensors[87] = {
    "conv1.weight 16x3x3x3", "bn1.weight 16", "bn1.bias 16", "bn1.running_mean 16",
    "bn1.running_var 16", "layer1.0.conv1.weight 16x16x3x3", "layer1.0.bn1.weight 16",
    "layer1.0.bn1.bias 16", "layer1.0.bn1.running_mean 16", "layer1.0.bn1.running_var 16",
    "layer1.0.conv2.weight 16x16x3x3", "layer1.0.bn2.weight 16", "layer1.0.bn2.bias 16",
    "layer1.0.bn2.running_mean 16", "layer1.0.bn2.running_var 16",
    "layer1.1.conv1.weight 16x16x3x3", "layer1.1.bn1.weight 16", "layer1.1.bn1.bias 16",
    "layer1.1.bn1.running_mean 16", "layer1.1.bn1.running_var 16",
    "layer1.1.conv2.weight 16x16x3x3", "layer1.1.bn2.weight 16", "layer1.1.bn2.bias 16",
    "layer1.1.bn2.running_mean 16", "layer1.1.bn2.running_var 16",
    "layer2.0.conv1.weight 32x16x3x3", "layer2.0.bn1.weight 32", "layer2.0.bn1.bias 32",
    "layer2.0.bn1.running_mean 32", "layer2.0.bn1.running_var 32",
    "layer2.0.conv2.weight 32x32x3x3", "layer2.0.bn2.weight 32", "layer2.0.bn2.bias 32",
    "layer2.0.bn2.running_mean 32", "layer2.0.bn2.running_var 32",
    "layer2.1.conv1.weight 32x32x3x3", "layer2.1.bn1.weight 32", "layer2.1.bn1.bias 32",
    "layer2.1.bn1.running_mean 32", "layer2.1.bn1.running_var 32",
    "layer2.1.conv2.weight 32x32x3x3", "layer2.1.bn2.weight 32", "layer2.1.bn2.bias 32",
    "layer2.1.bn2.running_mean 32", "layer2.1.bn2.running_var 32",
    "layer3.0.conv1.weight 64x32x3x3", "layer3.0.bn1.weight 64", "layer3.0.bn1.bias 64",
    "layer3.0.bn1.running_mean 64", "layer3.0.bn1.running_var 64",
    "layer3.0.conv2.weight 64x64x3x3", "layer3.0.bn2.weight 64", "layer3.0.bn2.bias 64",
    "layer3.0.bn2.running_mean 64", "layer3.0.bn2.running_var 64",
    "layer3.1.conv1.weight 64x64x3x3", "layer3.1.bn1.weight 64", "layer3.1.bn1.bias 64",
    "layer3.1.bn1.running_mean 64", "layer3.1.bn1.running_var 64",
    "layer3.1.conv2.weight 64x64x3x3", "layer3.1.bn2.weight 64", "layer3.1.bn2.bias 64",
    "layer3.1.bn2.running_mean 64", "layer3.1.bn2.running_var 64",
    "layer4.0.conv1.weight 128x64x3x3", "layer4.0.bn1.weight 128", "layer4.0.bn1.bias 128",
    "layer4.0.bn1.running_mean 128", "layer4.0.bn1.running_var 128",
    "layer4.0.conv2.weight 128x128x3x3", "layer4.0.bn2.weight 128", "layer4.0.bn2.bias 128",
    "layer4.0.bn2.running_mean 128", "layer4.0.bn2.running_var 128",
    "layer4.1.conv1.weight 128x128x3x3", "layer4.1.bn1.weight 128", "layer4.1.bn1.bias 128",
    "layer4.1.bn1.running_mean 128", "layer4.1.bn1.running_var 128",
    "layer4.1.conv2.weight 128x128x3x3", "layer4.1.bn2.weight 128", "layer4.1.bn2.bias 128",
    "layer4.1.bn2.running_mean 128", "layer4.1.bn2.running_var 128", "linear.weight 10x128",
    "linear.bias 10",
};
/* googlenet, 3x32x32, K 10, width 0.25: 386 tensors */
static const char *const googlenet_tensors[386] = {
    "pre_layers.0.weight 48x3x3x3", "pre_layers.0.bias 48", "pre_layers.1.weight 48",
    "pre_layers.1.bias 48", "pre_layers.1.running_mean 48", "pre_layers.1.running_var 48",
    "a3.b1.0.weight 16x48x1x1", "a3.b1.0.bias 16", "a3.b1.1.weight 16", "a3.b1.1.bias 16",
    "a3.b1.1.running_mean 16", "a3.b1.1.running_var 16", "a3.b2.0.weight 24x48x1x1",
    "a3.b2.0.bias 24", "a3.b2.1.weight 24", "a3.b2.1.bias 24", "a3.b2.1.running_mean 24",
    "a3.b2.1.running_var 24", "a3.b2.3.weight 32x24x3x3", "a3.b2.3.bias 32", "a3.b2.4.weight 32",
    "a3.b2.4.bias 32", "a3.b2.4.running_mean 32", "a3.b2.4.running_var 32",
    "a3.b3.0.weight 4x48x1x1", "a3.b3.0.bias 4", "a3.b3.1.weight 4", "a3.b3.1.bias 4",
    "a3.b3.1.running_mean 4", "a3.b3.1.running_var 4", "a3.b3.3.weight 8x4x3x3", "a3.b3.3.bias 8",
    "a3.b3.4.weight 8", "a3.b3.4.bias 8", "a3.b3.4.running_mean 8", "a3.b3.4.running_var 8",
    "a3.b3.6.weight 8x8x3x3", "a3.b3.6.bias 8", "a3.b3.7.weight 8", "a3.b3.7.bias 8",
    "a3.b3.7.running_mean 8", "a3.b3.7.running_var 8", "a3.b4.1.weight 8x48x1x1", "a3.b4.1.bias 8",
    "a3.b4.2.weight 8", "a3.b4.2.bias 8", "a3.b4.2.running_mean 8", "a3.b4.2.running_var 8",
    "b3.b1.0.weight 32x64x1x1", "b3.b1.0.bias 32", "b3.b1.1.weight 32", "b3.b1.1.bias 32",
    "b3.b1.1.running_mean 32", "b3.b1.1.running_var 32", "b3.b2.0.weight 32x64x1x1",
    "b3.b2.0.bias 32", "b3.b2.1.weight 32", "b3.b2.1.bias 32", "b3.b2.1.running_mean 32",
    "b3.b2.1.running_var 32", "b3.b2.3.weight 48x32x3x3", "b3.b2.3.bias 48", "b3.b2.4.weight 48",
    "b3.b2.4.bias 48", "b3.b2.4.running_mean 48", "b3.b2.4.running_var 48",
    "b3.b3.0.weight 8x64x1x1", "b3.b3.0.bias 8", "b3.b3.1.weight 8", "b3.b3.1.bias 8",
    "b3.b3.1.running_mean 8", "b3.b3.1.running_var 8", "b3.b3.3.weight 24x8x3x3", "b3.b3.3.bias 24",
    "b3.b3.4.weight 24", "b3.b3.4.bias 24", "b3.b3.4.running_mean 24", "b3.b3.4.running_var 24",
    "b3.b3.6.weight 24x24x3x3", "b3.b3.6.bias 24", "b3.b3.7.weight 24", "b3.b3.7.bias 24",
    "b3.b3.7.running_mean 24", "b3.b3.7.running_var 24", "b3.b4.1.weight 16x64x1x1",
    "b3.b4.1.bias 16", "b3.b4.2.weight 16", "b3.b4.2.bias 16", "b3.b4.2.running_mean 16",
    "b3.b4.2.running_var 16", "a4.b1.0.weight 48x120x1x1", "a4.b1.0.bias 48", "a4.b1.1.weight 48",
    "a4.b1.1.bias 48", "a4.b1.1.running_mean 48", "a4.b1.1.running_var 48",
    "a4.b2.0.weight 24x120x1x1", "a4.b2.0.bias 24", "a4.b2.1.weight 24", "a4.b2.1.bias 24",
    "a4.b2.1.running_mean 24", "a4.b2.1.running_var 24", "a4.b2.3.weight 52x24x3x3",
    "a4.b2.3.bias 52", "a4.b2.4.weight 52", "a4.b2.4.bias 52", "a4.b2.4.running_mean 52",
    "a4.b2.4.running_var 52", "a4.b3.0.weight 4x120x1x1", "a4.b3.0.bias 4", "a4.b3.1.weight 4",
    "a4.b3.1.bias 4", "a4.b3.1.running_mean 4", "a4.b3.1.running_var 4", "a4.b3.3.weight 12x4x3x3",
    "a4.b3.3.bias 12", "a4.b3.4.weight 12", "a4.b3.4.bias 12", "a4.b3.4.running_mean 12",
    "a4.b3.4.running_var 12", "a4.b3.6.weight 12x12x3x3", "a4.b3.6.bias 12", "a4.b3.7.weight 12",
    "a4.b3.7.bias 12", "a4.b3.7.running_mean 12", "a4.b3.7.running_var 12",
    "a4.b4.1.weight 16x120x1x1", "a4.b4.1.bias 16", "a4.b4.2.weight 16", "a4.b4.2.bias 16",
    "a4.b4.2.running_mean 16", "a4.b4.2.running_var 16", "b4.b1.0.weight 40x128x1x1",
    "b4.b1.0.bias 40", "b4.b1.1.weight 40", "b4.b1.1.bias 40", "b4.b1.1.running_mean 40",
    "b4.b1.1.running_var 40", "b4.b2.0.weight 28x128x1x1", "b4.b2.0.bias 28", "b4.b2.1.weight 28",
    "b4.b2.1.bias 28", "b4.b2.1.running_mean 28", "b4.b2.1.running_var 28",
    "b4.b2.3.weight 56x28x3x3", "b4.b2.3.bias 56", "b4.b2.4.weight 56", "b4.b2.4.bias 56",
    "b4.b2.4.running_mean 56", "b4.b2.4.running_var 56", "b4.b3.0.weight 6x128x1x1",
    "b4.b3.0.bias 6", "b4.b3.1.weight 6", "b4.b3.1.bias 6", "b4.b3.1.running_mean 6",
    "b4.b3.1.running_var 6", "b4.b3.3.weight 16x6x3x3", "b4.b3.3.bias 16", "b4.b3.4.weight 16",
    "b4.b3.4.bias 16", "b4.b3.4.running_mean 16", "b4.b3.4.running_var 16",
    "b4.b3.6.weight 16x16x3x3", "b4.b3.6.bias 16", "b4.b3.7.weight 16", "b4.b3.7.bias 16",
    "b4.b3.7.running_mean 16", "b4.b3.7.running_var 16", "b4.b4.1.weight 16x128x1x1",
    "b4.b4.1.bias 16", "b4.b4.2.weight 16", "b4.b4.2.bias 16", "b4.b4.2.running_mean 16",
    "b4.b4.2.running_var 16", "c4.b1.0.weight 32x128x1x1", "c4.b1.0.bias 32", "c4.b1.1.weight 32",
    "c4.b1.1.bias 32", "c4.b1.1.running_mean 32", "c4.b1.1.running_var 32",
    "c4.b2.0.weight 32x128x1x1", "c4.b2.0.bias 32", "c4.b2.1.weight 32", "c4.b2.1.bias 32",
    "c4.b2.1.running_mean 32", "c4.b2.1.running_var 32", "c4.b2.3.weight 64x32x3x3",
    "c4.b2.3.bias 64", "c4.b2.4.weight 64", "c4.b2.4.bias 64", "c4.b2.4.running_mean 64",
    "c4.b2.4.running_var 64", "c4.b3.0.weight 6x128x1x1", "c4.b3.0.bias 6", "c4.b3.1.weight 6",
    "c4.b3.1.bias 6", "c4.b3.1.running_mean 6", "c4.b3.1.running_var 6", "c4.b3.3.weight 16x6x3x3",
    "c4.b3.3.bias 16", "c4.b3.4.weight 16", "c4.b3.4.bias 16", "c4.b3.4.running_mean 16",
    "c4.b3.4.running_var 16", "c4.b3.6.weight 16x16x3x3", "c4.b3.6.bias 16", "c4.b3.7.weight 16",
    "c4.b3.7.bias 16", "c4.b3.7.running_mean 16", "c4.b3.7.running_var 16",
    "c4.b4.1.weight 16x128x1x1", "c4.b4.1.bias 16", "c4.b4.2.weight 16", "c4.b4.2.bias 16",
    "c4.b4.2.running_mean 16", "c4.b4.2.running_var 16", "d4.b1.0.weight 28x128x1x1",
    "d4.b1.0.bias 28", "d4.b1.1.weight 28", "d4.b1.1.bias 28", "d4.b1.1.running_mean 28",
    "d4.b1.1.running_var 28", "d4.b2.0.weight 36x128x1x1", "d4.b2.0.bias 36", "d4.b2.1.weight 36",
    "d4.b2.1.bias 36", "d4.b2.1.running_mean 36", "d4.b2.1.running_var 36",
    "d4.b2.3.weight 72x36x3x3", "d4.b2.3.bias 72", "d4.b2.4.weight 72", "d4.b2.4.bias 72",
    "d4.b2.4.running_mean 72", "d4.b2.4.running_var 72", "d4.b3.0.weight 8x128x1x1",
    "d4.b3.0.bias 8", "d4.b3.1.weight 8", "d4.b3.1.bias 8", "d4.b3.1.running_mean 8",
    "d4.b3.1.running_var 8", "d4.b3.3.weight 16x8x3x3", "d4.b3.3.bias 16", "d4.b3.4.weight 16",
    "d4.b3.4.bias 16", "d4.b3.4.running_mean 16", "d4.b3.4.running_var 16",
    "d4.b3.6.weight 16x16x3x3", "d4.b3.6.bias 16", "d4.b3.7.weight 16", "d4.b3.7.bias 16",
    "d4.b3.7.running_mean 16", "d4.b3.7.running_var 16", "d4.b4.1.weight 16x128x1x1",
    "d4.b4.1.bias 16", "d4.b4.2.weight 16", "d4.b4.2.bias 16", "d4.b4.2.running_mean 16",
    "d4.b4.2.running_var 16", "e4.b1.0.weight 64x132x1x1", "e4.b1.0.bias 64", "e4.b1.1.weight 64",
    "e4.b1.1.bias 64", "e4.b1.1.running_mean 64", "e4.b1.1.running_var 64",
    "e4.b2.0.weight 40x132x1x1", "e4.b2.0.bias 40", "e4.b2.1.weight 40", "e4.b2.1.bias 40",
    "e4.b2.1.running_mean 40", "e4.b2.1.running_var 40", "e4.b2.3.weight 80x40x3x3",
    "e4.b2.3.bias 80", "e4.b2.4.weight 80", "e4.b2.4.bias 80", "e4.b2.4.running_mean 80",
    "e4.b2.4.running_var 80", "e4.b3.0.weight 8x132x1x1", "e4.b3.0.bias 8", "e4.b3.1.weight 8",
    "e4.b3.1.bias 8", "e4.b3.1.running_mean 8", "e4.b3.1.running_var 8", "e4.b3.3.weight 32x8x3x3",
    "e4.b3.3.bias 32", "e4.b3.4.weight 32", "e4.b3.4.bias 32", "e4.b3.4.running_mean 32",
    "e4.b3.4.running_var 32", "e4.b3.6.weight 32x32x3x3", "e4.b3.6.bias 32", "e4.b3.7.weight 32",
    "e4.b3.7.bias 32", "e4.b3.7.running_mean 32", "e4.b3.7.running_var 32",
    "e4.b4.1.weight 32x132x1x1", "e4.b4.1.bias 32", "e4.b4.2.weight 32", "e4.b4.2.bias 32",
    "e4.b4.2.running_mean 32", "e4.b4.2.running_var 32", "a5.b1.0.weight 64x208x1x1",
    "a5.b1.0.bias 64", "a5.b1.1.weight 64", "a5.b1.1.bias 64", "a5.b1.1.running_mean 64",
    "a5.b1.1.running_var 64", "a5.b2.0.weight 40x208x1x1", "a5.b2.0.bias 40", "a5.b2.1.weight 40",
    "a5.b2.1.bias 40", "a5.b2.1.running_mean 40", "a5.b2.1.running_var 40",
    "a5.b2.3.weight 80x40x3x3", "a5.b2.3.bias 80", "a5.b2.4.weight 80", "a5.b2.4.bias 80",
    "a5.b2.4.running_mean 80", "a5.b2.4.running_var 80", "a5.b3.0.weight 8x208x1x1",
    "a5.b3.0.bias 8", "a5.b3.1.weight 8", "a5.b3.1.bias 8", "a5.b3.1.running_mean 8",
    "a5.b3.1.running_var 8", "a5.b3.3.weight 32x8x3x3", "a5.b3.3.bias 32", "a5.b3.4.weight 32",
    "a5.b3.4.bias 32", "a5.b3.4.running_mean 32", "a5.b3.4.running_var 32",
    "a5.b3.6.weight 32x32x3x3", "a5.b3.6.bias 32", "a5.b3.7.weight 32", "a5.b3.7.bias 32",
    "a5.b3.7.running_mean 32", "a5.b3.7.running_var 32", "a5.b4.1.weight 32x208x1x1",
    "a5.b4.1.bias 32", "a5.b4.2.weight 32", "a5.b4.2.bias 32", "a5.b4.2.running_mean 32",
    "a5.b4.2.running_var 32", "b5.b1.0.weight 96x208x1x1", "b5.b1.0.bias 96", "b5.b1.1.weight 96",
    "b5.b1.1.bias 96", "b5.b1.1.running_mean 96", "b5.b1.1.running_var 96",
    "b5.b2.0.weight 48x208x1x1", "b5.b2.0.bias 48", "b5.b2.1.weight 48", "b5.b2.1.bias 48",
    "b5.b2.1.running_mean 48", "b5.b2.1.running_var 48", "b5.b2.3.weight 96x48x3x3",
    "b5.b2.3.bias 96", "b5.b2.4.weight 96", "b5.b2.4.bias 96", "b5.b2.4.running_mean 96",
    "b5.b2.4.running_var 96", "b5.b3.0.weight 12x208x1x1", "b5.b3.0.bias 12", "b5.b3.1.weight 12",
    "b5.b3.1.bias 12", "b5.b3.1.running_mean 12", "b5.b3.1.running_var 12",
    "b5.b3.3.weight 32x12x3x3", "b5.b3.3.bias 32", "b5.b3.4.weight 32", "b5.b3.4.bias 32",
    "b5.b3.4.running_mean 32", "b5.b3.4.running_var 32", "b5.b3.6.weight 32x32x3x3",
    "b5.b3.6.bias 32", "b5.b3.7.weight 32", "b5.b3.7.bias 32", "b5.b3.7.running_mean 32",
    "b5.b3.7.running_var 32", "b5.b4.1.weight 32x208x1x1", "b5.b4.1.bias 32", "b5.b4.2.weight 32",
    "b5.b4.2.bias 32", "b5.b4.2.running_mean 32", "b5.b4.2.running_var 32", "linear.weight 10x256",
    "linear.bias 10",
};
/* custom, 3x32x32, K 10, width 0.25: 12 tensors */
static const char *const custom_tensors[12] = {
    "conv1.weight 8x3x3x3", "conv1.bias 8", "conv2.weight 8x8x3x3", "conv2.bias 8",
    "conv3.weight 16x8x3x3", "conv3.bias 16", "conv4.weight 16x16x3x3", "conv4.bias 16",
    "fc1.weight 128x576", "fc1.bias 128", "fc2.weight 10x128", "fc2.bias 10",
};
/* vgg11, 3x32x32, K 10, width 0.25: 50 tensors */
static const char *const vgg11_tensors[50] = {
    "features.0.weight 16x3x3x3", "features.0.bias 16", "features.1.weight 16",
    "features.1.bias 16", "features.1.running_mean 16", "features.1.running_var 16",
    "features.4.weight 32x16x3x3", "features.4.bias 32", "features.5.weight 32",
    "features.5.bias 32", "features.5.running_mean 32", "features.5.running_var 32",
    "features.8.weight 64x32x3x3", "features.8.bias 64", "features.9.weight 64",
    "features.9.bias 64", "features.9.running_mean 64", "features.9.running_var 64",
    "features.11.weight 64x64x3x3", "features.11.bias 64", "features.12.weight 64",
    "features.12.bias 64", "features.12.running_mean 64", "features.12.running_var 64",
    "features.15.weight 128x64x3x3", "features.15.bias 128", "features.16.weight 128",
    "features.16.bias 128", "features.16.running_mean 128", "features.16.running_var 128",
    "features.18.weight 128x128x3x3", "features.18.bias 128", "features.19.weight 128",
    "features.19.bias 128", "features.19.running_mean 128", "features.19.running_var 128",
    "features.22.weight 128x128x3x3", "features.22.bias 128", "features.23.weight 128",
    "features.23.bias 128", "features.23.running_mean 128", "features.23.running_var 128",
    "features.25.weight 128x128x3x3", "features.25.bias 128", "features.26.weight 128",
    "features.26.bias 128", "features.26.running_mean 128", "features.26.running_var 128",
    "classifier.weight 10x128", "classifier.bias 10",
};
/* mobilenetv2, 3x32x32, K 10, width 0.25: 287 tensors */
static const char *const mobilenetv2_tensors[287] = {
    "conv1.weight 8x3x3x3", "bn1.weight 8", "bn1.bias 8", "bn1.running_mean 8", "bn1.running_var 8",
    "layers.0.conv1.weight 8x8x1x1", "layers.0.bn1.weight 8", "layers.0.bn1.bias 8",
    "layers.0.bn1.running_mean 8", "layers.0.bn1.running_var 8", "layers.0.conv2.weight 8x1x3x3",
    "layers.0.bn2.weight 8", "layers.0.bn2.bias 8", "layers.0.bn2.running_mean 8",
    "layers.0.bn2.running_var 8", "layers.0.conv3.weight 4x8x1x1", "layers.0.bn3.weight 4",
    "layers.0.bn3.bias 4", "layers.0.bn3.running_mean 4", "layers.0.bn3.running_var 4",
    "layers.0.shortcut.0.weight 4x8x1x1", "layers.0.shortcut.1.weight 4",
    "layers.0.shortcut.1.bias 4", "layers.0.shortcut.1.running_mean 4",
    "layers.0.shortcut.1.running_var 4", "layers.1.conv1.weight 24x4x1x1", "layers.1.bn1.weight 24",
    "layers.1.bn1.bias 24", "layers.1.bn1.running_mean 24", "layers.1.bn1.running_var 24",
    "layers.1.conv2.weight 24x1x3x3", "layers.1.bn2.weight 24", "layers.1.bn2.bias 24",
    "layers.1.bn2.running_mean 24", "layers.1.bn2.running_var 24", "layers.1.conv3.weight 6x24x1x1",
    "layers.1.bn3.weight 6", "layers.1.bn3.bias 6", "layers.1.bn3.running_mean 6",
    "layers.1.bn3.running_var 6", "layers.1.shortcut.0.weight 6x4x1x1",
    "layers.1.shortcut.1.weight 6", "layers.1.shortcut.1.bias 6",
    "layers.1.shortcut.1.running_mean 6", "layers.1.shortcut.1.running_var 6",
    "layers.2.conv1.weight 36x6x1x1", "layers.2.bn1.weight 36", "layers.2.bn1.bias 36",
    "layers.2.bn1.running_mean 36", "layers.2.bn1.running_var 36", "layers.2.conv2.weight 36x1x3x3",
    "layers.2.bn2.weight 36", "layers.2.bn2.bias 36", "layers.2.bn2.running_mean 36",
    "layers.2.bn2.running_var 36", "layers.2.conv3.weight 6x36x1x1", "layers.2.bn3.weight 6",
    "layers.2.bn3.bias 6", "layers.2.bn3.running_mean 6", "layers.2.bn3.running_var 6",
    "layers.3.conv1.weight 36x6x1x1", "layers.3.bn1.weight 36", "layers.3.bn1.bias 36",
    "layers.3.bn1.running_mean 36", "layers.3.bn1.running_var 36", "layers.3.conv2.weight 36x1x3x3",
    "layers.3.bn2.weight 36", "layers.3.bn2.bias 36", "layers.3.bn2.running_mean 36",
    "layers.3.bn2.running_var 36", "layers.3.conv3.weight 8x36x1x1", "layers.3.bn3.weight 8",
    "layers.3.bn3.bias 8", "layers.3.bn3.running_mean 8", "layers.3.bn3.running_var 8",
    "layers.4.conv1.weight 48x8x1x1", "layers.4.bn1.weight 48", "layers.4.bn1.bias 48",
    "layers.4.bn1.running_mean 48", "layers.4.bn1.running_var 48", "layers.4.conv2.weight 48x1x3x3",
    "layers.4.bn2.weight 48", "layers.4.bn2.bias 48", "layers.4.bn2.running_mean 48",
    "layers.4.bn2.running_var 48", "layers.4.conv3.weight 8x48x1x1", "layers.4.bn3.weight 8",
    "layers.4.bn3.bias 8", "layers.4.bn3.running_mean 8", "layers.4.bn3.running_var 8",
    "layers.5.conv1.weight 48x8x1x1", "layers.5.bn1.weight 48", "layers.5.bn1.bias 48",
    "layers.5.bn1.running_mean 48", "layers.5.bn1.running_var 48", "layers.5.conv2.weight 48x1x3x3",
    "layers.5.bn2.weight 48", "layers.5.bn2.bias 48", "layers.5.bn2.running_mean 48",
    "layers.5.bn2.running_var 48", "layers.5.conv3.weight 8x48x1x1", "layers.5.bn3.weight 8",
    "layers.5.bn3.bias 8", "layers.5.bn3.running_mean 8", "layers.5.bn3.running_var 8",
    "layers.6.conv1.weight 48x8x1x1", "layers.6.bn1.weight 48", "layers.6.bn1.bias 48",
    "layers.6.bn1.running_mean 48", "layers.6.bn1.running_var 48", "layers.6.conv2.weight 48x1x3x3",
    "layers.6.bn2.weight 48", "layers.6.bn2.bias 48", "layers.6.bn2.running_mean 48",
    "layers.6.bn2.running_var 48", "layers.6.conv3.weight 16x48x1x1", "layers.6.bn3.weight 16",
    "layers.6.bn3.bias 16", "layers.6.bn3.running_mean 16", "layers.6.bn3.running_var 16",
    "layers.7.conv1.weight 96x16x1x1", "layers.7.bn1.weight 96", "layers.7.bn1.bias 96",
    "layers.7.bn1.running_mean 96", "layers.7.bn1.running_var 96", "layers.7.conv2.weight 96x1x3x3",
    "layers.7.bn2.weight 96", "layers.7.bn2.bias 96", "layers.7.bn2.running_mean 96",
    "layers.7.bn2.running_var 96", "layers.7.conv3.weight 16x96x1x1", "layers.7.bn3.weight 16",
    "layers.7.bn3.bias 16", "layers.7.bn3.running_mean 16", "layers.7.bn3.running_var 16",
    "layers.8.conv1.weight 96x16x1x1", "layers.8.bn1.weight 96", "layers.8.bn1.bias 96",
    "layers.8.bn1.running_mean 96", "layers.8.bn1.running_var 96", "layers.8.conv2.weight 96x1x3x3",
    "layers.8.bn2.weight 96", "layers.8.bn2.bias 96", "layers.8.bn2.running_mean 96",
    "layers.8.bn2.running_var 96", "layers.8.conv3.weight 16x96x1x1", "layers.8.bn3.weight 16",
    "layers.8.bn3.bias 16", "layers.8.bn3.running_mean 16", "layers.8.bn3.running_var 16",
    "layers.9.conv1.weight 96x16x1x1", "layers.9.bn1.weight 96", "layers.9.bn1.bias 96",
    "layers.9.bn1.running_mean 96", "layers.9.bn1.running_var 96", "layers.9.conv2.weight 96x1x3x3",
    "layers.9.bn2.weight 96", "layers.9.bn2.bias 96", "layers.9.bn2.running_mean 96",
    "layers.9.bn2.running_var 96", "layers.9.conv3.weight 16x96x1x1", "layers.9.bn3.weight 16",
    "layers.9.bn3.bias 16", "layers.9.bn3.running_mean 16", "layers.9.bn3.running_var 16",
    "layers.10.conv1.weight 96x16x1x1", "layers.10.bn1.weight 96", "layers.10.bn1.bias 96",
    "layers.10.bn1.running_mean 96", "layers.10.bn1.running_var 96",
    "layers.10.conv2.weight 96x1x3x3", "layers.10.bn2.weight 96", "layers.10.bn2.bias 96",
    "layers.10.bn2.running_mean 96", "layers.10.bn2.running_var 96",
    "layers.10.conv3.weight 24x96x1x1", "layers.10.bn3.weight 24", "layers.10.bn3.bias 24",
    "layers.10.bn3.running_mean 24", "layers.10.bn3.running_var 24",
    "layers.10.shortcut.0.weight 24x16x1x1", "layers.10.shortcut.1.weight 24",
    "layers.10.shortcut.1.bias 24", "layers.10.shortcut.1.running_mean 24",
    "layers.10.shortcut.1.running_var 24", "layers.11.conv1.weight 144x24x1x1",
    "layers.11.bn1.weight 144", "layers.11.bn1.bias 144", "layers.11.bn1.running_mean 144",
    "layers.11.bn1.running_var 144", "layers.11.conv2.weight 144x1x3x3", "layers.11.bn2.weight 144",
    "layers.11.bn2.bias 144", "layers.11.bn2.running_mean 144", "layers.11.bn2.running_var 144",
    "layers.11.conv3.weight 24x144x1x1", "layers.11.bn3.weight 24", "layers.11.bn3.bias 24",
    "layers.11.bn3.running_mean 24", "layers.11.bn3.running_var 24",
    "layers.12.conv1.weight 144x24x1x1", "layers.12.bn1.weight 144", "layers.12.bn1.bias 144",
    "layers.12.bn1.running_mean 144", "layers.12.bn1.running_var 144",
    "layers.12.conv2.weight 144x1x3x3", "layers.12.bn2.weight 144", "layers.12.bn2.bias 144",
    "layers.12.bn2.running_mean 144", "layers.12.bn2.running_var 144",
    "layers.12.conv3.weight 24x144x1x1", "layers.12.bn3.weight 24", "layers.12.bn3.bias 24",
    "layers.12.bn3.running_mean 24", "layers.12.bn3.running_var 24",
    "layers.13.conv1.weight 144x24x1x1", "layers.13.bn1.weight 144", "layers.13.bn1.bias 144",
    "layers.13.bn1.running_mean 144", "layers.13.bn1.running_var 144",
    "layers.13.conv2.weight 144x1x3x3", "layers.13.bn2.weight 144", "layers.13.bn2.bias 144",
    "layers.13.bn2.running_mean 144", "layers.13.bn2.running_var 144",
    "layers.13.conv3.weight 40x144x1x1", "layers.13.bn3.weight 40", "layers.13.bn3.bias 40",
    "layers.13.bn3.running_mean 40", "layers.13.bn3.running_var 40",
    "layers.14.conv1.weight 240x40x1x1", "layers.14.bn1.weight 240", "layers.14.bn1.bias 240",
    "layers.14.bn1.running_mean 240", "layers.14.bn1.running_var 240",
    "layers.14.conv2.weight 240x1x3x3", "layers.14.bn2.weight 240", "layers.14.bn2.bias 240",
    "layers.14.bn2.running_mean 240", "layers.14.bn2.running_var 240",
    "layers.14.conv3.weight 40x240x1x1", "layers.14.bn3.weight 40", "layers.14.bn3.bias 40",
    "layers.14.bn3.running_mean 40", "layers.14.bn3.running_var 40",
    "layers.15.conv1.weight 240x40x1x1", "layers.15.bn1.weight 240", "layers.15.bn1.bias 240",
    "layers.15.bn1.running_mean 240", "layers.15.bn1.running_var 240",
    "layers.15.conv2.weight 240x1x3x3", "layers.15.bn2.weight 240", "layers.15.bn2.bias 240",
    "layers.15.bn2.running_mean 240", "layers.15.bn2.running_var 240",
    "layers.15.conv3.weight 40x240x1x1", "layers.15.bn3.weight 40", "layers.15.bn3.bias 40",
    "layers.15.bn3.running_mean 40", "layers.15.bn3.running_var 40",
    "layers.16.conv1.weight 240x40x1x1", "layers.16.bn1.weight 240", "layers.16.bn1.bias 240",
    "layers.16.bn1.running_mean 240", "layers.16.bn1.running_var 240",
    "layers.16.conv2.weight 240x1x3x3", "layers.16.bn2.weight 240", "layers.16.bn2.bias 240",
    "layers.16.bn2.running_mean 240", "layers.16.bn2.running_var 240",
    "layers.16.conv3.weight 80x240x1x1", "layers.16.bn3.weight 80", "layers.16.bn3.bias 80",
    "layers.16.bn3.running_mean 80", "layers.16.bn3.running_var 80",
    "layers.16.shortcut.0.weight 80x40x1x1", "layers.16.shortcut.1.weight 80",
    "layers.16.shortcut.1.bias 80", "layers.16.shortcut.1.running_mean 80",
    "layers.16.shortcut.1.running_var 80", "conv2.weight 320x80x1x1", "bn2.weight 320",
    "bn2.bias 320", "bn2.running_mean 320", "bn2.running_var 320", "linear.weight 10x320",
    "linear.bias 10",
};
/* lenet 3x32x32 width 0.125: max |logit| 0.183, float32 vs float64 5.58e-08 */
static const float lenet_3x32x32_logits[20] = {
    -0.13882907f, -0.00092489086f, 0.08822277f, 0.041334674f, -0.18318869f,
    0.057121873f, 0.010233764f, 0.09938144f, 0.05249333f, -0.17203005f,
    -0.047256947f, 0.032166086f, -0.09811385f, -0.075264916f, 0.060576487f,
    0.023288004f, 0.046136934f, -0.084143005f, -0.061294056f, 0.07454734f,
};
/* lenet 1x28x28 width 0.125: max |logit| 0.437, float32 vs float64 2.4e-07 */
static const float lenet_1x28x28_logits[20] = {
    -0.031160012f, -0.0068080574f, 0.4342379f, -0.020762466f, -0.35755086f,
    -0.036458742f, -0.012106836f, 0.4289391f, -0.026061267f, -0.36284962f,
    -0.42378744f, 0.43428987f, 0.21082723f, -0.048757285f, 0.038378567f,
    -0.42120594f, 0.43687138f, 0.21340874f, -0.046175756f, 0.040960085f,
};
/* resnet18 3x32x32 width 0.125: max |logit| 0.549, float32 vs float64 3.73e-07 */
static const float resnet18_3x32x32_logits[20] = {
    -0.2989658f, -0.33655974f, -0.26033413f, 0.16134402f, -0.27228448f,
    0.102873296f, 0.077089936f, 0.5485963f, 0.21997237f, -0.04255321f,
    -0.5457758f, -0.31999636f, -0.25583827f, 0.06350808f, -0.3748043f,
    0.06313676f, -0.055898104f, 0.33614394f, 0.43866748f, -0.052293994f,
};
/* resnet18 1x28x28 width 0.125: max |logit| 0.579, float32 vs float64 3.73e-07 */
static const float resnet18_1x28x28_logits[20] = {
    -0.57882243f, -0.37782735f, -0.20626903f, 0.16917676f, -0.26954195f,
    0.06226787f, 0.2076349f, 0.4456051f, 0.064486064f, -0.2511288f,
    -0.26141402f, -0.31127408f, -0.060190555f, 0.13346818f, -0.20052798f,
    0.071575105f, 0.0763908f, 0.48016715f, 0.010254018f, -0.13657306f,
};
/* unresnet18 3x32x32 width 0.125: max |logit| 0.11, float32 vs float64 6.33e-09 */
static const float unresnet18_3x32x32_logits[20] = {
    -0.11017401f, 0.027318047f, -0.059473112f, 0.07642755f, -0.008884171f,
    -0.075035214f, 0.04066766f, -0.030223101f, 0.08995625f, 0.005319838f,
    -0.11023028f, 0.027386688f, -0.059553705f, 0.076496966f, -0.009042334f,
    -0.07496827f, 0.040637102f, -0.030205155f, 0.09003113f, 0.0052669365f,
};
/* unresnet18 1x28x28 width 0.125: max |logit| 0.11, float32 vs float64 8.2e-09 */
static const float unresnet18_1x28x28_logits[20] = {
    -0.11032288f, 0.027448002f, -0.059505194f, 0.076528594f, -0.00896864f,
    -0.07509179f, 0.04082095f, -0.030409932f, 0.09003245f, 0.005187299f,
    -0.11015885f, 0.027361332f, -0.059423644f, 0.07637167f, -0.008937462f,
    -0.07507954f, 0.040732514f, -0.030318083f, 0.09000304f, 0.005337049f,
};
/* googlenet 3x32x32 width 0.125: max |logit| 0.219, float32 vs float64 1.03e-07 */
static const float googlenet_3x32x32_logits[20] = {
    -0.065894194f, 0.05951359f, -0.01471892f, 0.0503432f, -0.047045667f,
    -0.21899733f, 0.015519708f, -0.00007492304f, 0.06376094f, 0.024751265f,
    -0.06823741f, 0.057355948f, -0.016640797f, 0.048417836f, -0.048170667f,
    -0.21534571f, 0.019001015f, 0.002134379f, 0.06159962f, 0.017375872f,
};
/* googlenet 1x28x28 width 0.125: max |logit| 0.219, float32 vs float64 7.29e-08 */
static const float googlenet_1x28x28_logits[20] = {
    -0.06850933f, 0.06267661f, -0.0081278235f, 0.05694166f, -0.04264234f,
    -0.21855506f, 0.010132909f, -0.0016495064f, 0.062050816f, 0.025225988f,
    -0.057723336f, 0.07185662f, -0.006005168f, 0.058147434f, -0.057239365f,
    -0.21823752f, 0.008759819f, -0.012242183f, 0.057683136f, 0.02999061f,
};
/* custom 3x32x32 width 0.125: max |logit| 0.309, float32 vs float64 1.06e-07 */
static const float custom_3x32x32_logits[20] = {
    0.20893215f, -0.13599074f, 0.109299034f, -0.044544578f, -0.006939494f,
    -0.08288065f, -0.07671605f, 0.16272825f, -0.12919846f, 0.29399696f,
    0.22291248f, -0.07964969f, 0.030966576f, -0.0070536733f, -0.09729747f,
    -0.07393732f, -0.09827758f, 0.14420167f, -0.14339292f, 0.30927086f,
};
/* custom 1x28x28 width 0.125: max |logit| 1.06, float32 vs float64 2.41e-07 */
static const float custom_1x28x28_logits[20] = {
    -0.22369772f, 0.5852129f, -0.35081232f, 0.46302262f, -1.057856f,
    0.3602664f, -0.3649494f, 0.13264258f, 0.28099278f, -0.22272967f,
    -0.088834986f, -0.46769965f, 0.4755338f, -0.30039737f, 0.9202663f,
    -0.8534053f, 0.63479346f, -0.5935042f, 0.019214392f, 0.15270258f,
};

/* vgg11 3x32x32 width 0.125: max |logit| 0.469, float32 vs float64 1.19e-07 */
static const float vgg11_3x32x32_logits[20] = {
    0.37670374f, -0.1890659f, 0.059929475f, -0.013066523f, -0.12450235f,
    0.014131524f, -0.18236941f, 0.24132955f, -0.17565462f, 0.4685276f,
    0.35072088f, -0.17055267f, 0.04527463f, 0.011478592f, -0.13464133f,
    0.022454008f, -0.18472624f, 0.2334294f, -0.1704365f, 0.4444048f,
};
/* vgg11 1x28x28 width 0.125: max |logit| 0.348, float32 vs float64 4.81e-08 */
static const float vgg11_1x28x28_logits[20] = {
    0.24880494f, -0.104706414f, 0.012156293f, 0.058462784f, -0.13574968f,
    0.021631971f, -0.15874296f, 0.18480119f, -0.12110811f, 0.3479704f,
    0.24887152f, -0.10504121f, 0.013514452f, 0.05822556f, -0.1348063f,
    0.021492325f, -0.15886529f, 0.18475908f, -0.12167118f, 0.34802586f,
};
/* mobilenetv2 3x32x32 width 0.125: max |logit| 0.947, float32 vs float64 1.44e-05 */
static const float mobilenetv2_3x32x32_logits[20] = {
    0.029764913f, 0.115074344f, -0.5009754f, -0.03670741f, 0.045589656f,
    0.045335278f, 0.052894745f, 0.028650485f, 0.39352745f, 0.47548497f,
    0.5725173f, -0.09670946f, -0.6899954f, -0.021265432f, -0.20622106f,
    -0.3045103f, 0.13532867f, 0.17936964f, 0.36198002f, 0.9467485f,
};
/* mobilenetv2 1x28x28 width 0.125: max |logit| 0.951, float32 vs float64 1.9e-05 */
static const float mobilenetv2_1x28x28_logits[20] = {
    -0.5285239f, -0.1306422f, -0.31596723f, 0.83221644f, -0.2658573f,
    -0.4566642f, 0.37142998f, 0.36647868f, 0.9512185f, -0.93601424f,
    -0.38146502f, 0.109654866f, -0.20555711f, 0.45021594f, -0.0964356f,
    0.053572923f, 0.37822297f, -0.051754445f, 0.4221516f, -0.16124031f,
};

/* ---- helpers ------------------------------------------------------------------------------ */

#define K 10

/* In the registry's order (registry_lists_every_architecture checks it). */
static const char *const arch_names[] = { "lenet",  "resnet18", "unresnet18", "googlenet",
                                          "custom", "vgg11",    "mobilenetv2" };
static const char *const *const arch_tensors[] = { lenet_tensors,  resnet18_tensors, unresnet18_tensors,
                                                   googlenet_tensors, custom_tensors, vgg11_tensors,
                                                   mobilenetv2_tensors };
static const int arch_n_tensors[] = {
    (int)(sizeof lenet_tensors / sizeof *lenet_tensors),
    (int)(sizeof resnet18_tensors / sizeof *resnet18_tensors),
    (int)(sizeof unresnet18_tensors / sizeof *unresnet18_tensors),
    (int)(sizeof googlenet_tensors / sizeof *googlenet_tensors),
    (int)(sizeof custom_tensors / sizeof *custom_tensors),
    (int)(sizeof vgg11_tensors / sizeof *vgg11_tensors),
    (int)(sizeof mobilenetv2_tensors / sizeof *mobilenetv2_tensors),
};
#define N_ARCHS ((int)(sizeof arch_names / sizeof *arch_names))

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "name AxBxC", the script's format. */
static void describe(char *buf, size_t size, const cs__named_tensor *t)
{
    int len = snprintf(buf, size, "%s ", t->name);
    for (int d = 0; d < t->ndim && len > 0 && (size_t)len < size; d++)
        len += snprintf(buf + len, size - (size_t)len, d ? "x%" PRId64 : "%" PRId64, t->dims[d]);
}

static void build(cs__net *net, const char *arch, int c, int h, int w, double width)
{
    int rc = cs__model_build(net, arch, c, h, w, K, width);
    ck_assert_msg(rc == CS_OK, "%s %dx%dx%d width %g: %s: %s", arch, c, h, w, width, cs_status_str(rc),
                  cs_last_error());
}

static size_t build_params(const char *arch, int c, int h, int w, double width)
{
    cs__net net;
    build(&net, arch, c, h, w, width);
    size_t n = net.n_params;
    cs__net_free(&net);
    return n;
}

/* The script's fill(): tensor t gets the Weyl sequence of stream t + 1, in double, rounded
 * once to float. */
static double weyl(size_t j, uint32_t stream)
{
    uint32_t h = (uint32_t)j * 2654435761u + stream * 97531u;
    return h / 2147483648.0 - 1.0;
}

static void fill_tensor(cs__net *net, int t)
{
    const cs__named_tensor *nt = &net->tensors[t];
    float *data = cs__net_tensor_data(net, t);
    for (size_t j = 0; j < nt->count; j++) {
        double u = weyl(j, (uint32_t)t + 1), v;
        if (nt->ndim >= 2)
            v = u * sqrt(6.0 / (double)(nt->count / (size_t)nt->dims[0]));
        else if (ends_with(nt->name, "running_var"))
            v = 1.0 + 0.5 * u;
        else if (ends_with(nt->name, ".weight"))
            v = 1.0 + 0.25 * u;
        else
            v = 0.1 * u;
        data[j] = (float)v;
    }
}

/* ---- the numbers the issue states --------------------------------------------------------- */

START_TEST(parameter_counts_match_the_issue)
{
    ck_assert_uint_eq(build_params("lenet", 3, 32, 32, 1.0), 62006);
    ck_assert_uint_eq(build_params("lenet", 1, 28, 28, 1.0), 61706);
    ck_assert_uint_eq(build_params("resnet18", 3, 32, 32, 1.0), 11173962);
    ck_assert_uint_eq(build_params("unresnet18", 3, 32, 32, 1.0), 11000138);
    ck_assert_uint_eq(build_params("googlenet", 3, 32, 32, 1.0), 6166250);
    /* The Keras cifar10_cnn example's own model.summary() total at 32x32x3. */
    ck_assert_uint_eq(build_params("custom", 3, 32, 32, 1.0), 1250858);
    ck_assert_uint_eq(build_params("custom", 1, 28, 28, 1.0), 889834);
    /* kuangliu's VGG('VGG11') and MobileNetV2 at 32x32x3 (10 classes). */
    ck_assert_uint_eq(build_params("vgg11", 3, 32, 32, 1.0), 9231114);
    ck_assert_uint_eq(build_params("mobilenetv2", 3, 32, 32, 1.0), 2296922);
}
END_TEST

/* Every architecture at 3x32x32 and 1x28x28, widths 1, 0.5, 0.25. */
START_TEST(parameter_and_buffer_counts_match_pytorch)
{
    const count_case *cc = &count_cases[_i];
    cs__net net;
    build(&net, cc->arch, cc->c, cc->h, cc->w, cc->width);
    ck_assert_msg(net.n_params == cc->params && net.n_buffers == cc->buffers,
                  "%s %dx%dx%d width %g: %zu parameters, %zu buffer floats; PyTorch has %zu, %zu", cc->arch,
                  cc->c, cc->h, cc->w, cc->width, net.n_params, net.n_buffers, cc->params, cc->buffers);
    ck_assert_int_eq(net.acts[net.logits].c, K);
    cs__net_free(&net);
}
END_TEST

/* ---- state_dict ------------------------------------------------------------------------------- */

START_TEST(state_dict_names_shapes_and_order_match_pytorch)
{
    cs__net net;
    build(&net, arch_names[_i], 3, 32, 32, 0.25);
    const char *const *expected = arch_tensors[_i];
    for (int t = 0; t < net.n_tensors && t < arch_n_tensors[_i]; t++) {
        char got[160];
        describe(got, sizeof got, &net.tensors[t]);
        ck_assert_msg(strcmp(got, expected[t]) == 0, "%s tensor %d is \"%s\"; PyTorch's is \"%s\"",
                      arch_names[_i], t, got, expected[t]);
    }
    ck_assert_int_eq(net.n_tensors, arch_n_tensors[_i]);
    /* Buffers are exactly the running statistics, and each block is laid out densely in
     * state_dict order (what loading a PyTorch checkpoint tensor by tensor relies on). */
    size_t params = 0, buffers = 0;
    for (int t = 0; t < net.n_tensors; t++) {
        const cs__named_tensor *nt = &net.tensors[t];
        bool stat = ends_with(nt->name, ".running_mean") || ends_with(nt->name, ".running_var");
        ck_assert_msg(nt->trainable == !stat, "%s is %s", nt->name, nt->trainable ? "trainable" : "a buffer");
        ck_assert_uint_eq(nt->offset, nt->trainable ? params : buffers);
        *(nt->trainable ? &params : &buffers) += nt->count;
    }
    ck_assert_uint_eq(params, net.n_params);
    ck_assert_uint_eq(buffers, net.n_buffers);
    cs__net_free(&net);
}
END_TEST

/* ---- width -------------------------------------------------------------------------------- */

START_TEST(width_rounds_half_away_from_zero_and_never_below_one)
{
    ck_assert_int_eq(cs__model_scale(6, 0.25), 2);    /* 1.5 */
    ck_assert_int_eq(cs__model_scale(6, 0.125), 1);   /* 0.75 */
    ck_assert_int_eq(cs__model_scale(64, 0.001), 1);  /* 0.064 */
    ck_assert_int_eq(cs__model_scale(84, 0.25), 21);
    ck_assert_int_eq(cs__model_scale(192, 0.5), 96);
    ck_assert_int_eq(cs__model_scale(512, 1.0), 512);
    ck_assert_int_eq(cs__model_scale(5, 2.5), 13);    /* 12.5 */
}
END_TEST

START_TEST(width_scales_every_layer_but_the_classes)
{
    for (int a = 0; a < N_ARCHS; a++) {
        size_t previous = 0;
        for (double width = 0.0625; width <= 1.0; width *= 2) {
            cs__net net;
            build(&net, arch_names[a], 3, 32, 32, width);
            ck_assert_msg(net.n_params > previous, "%s: width %g has %zu parameters, no more than at %g",
                          arch_names[a], width, net.n_params, width / 2);
            previous = net.n_params;
            const cs__named_tensor *head = &net.tensors[net.n_tensors - 2];
            ck_assert_msg(head->ndim == 2 && head->dims[0] == K, "%s width %g: %s has %" PRId64 " outputs",
                          arch_names[a], width, head->name, head->dims[0]);
            cs__net_free(&net);
        }
    }
    /* A tiny width leaves one channel everywhere; the network still builds. */
    cs__net net;
    build(&net, "googlenet", 3, 32, 32, 1e-6);
    ck_assert_int_eq((int)net.tensors[0].dims[0], 1);
    ck_assert_int_eq(net.acts[net.logits].c, K);
    cs__net_free(&net);
}
END_TEST

/* ---- bad input ------------------------------------------------------------------------------ */

START_TEST(unknown_architecture_lists_the_known_ones)
{
    cs__net net;
    cs_assert_fails(cs__model_build(&net, "resnet50", 3, 32, 32, K, 1.0), CS_ERR_NOT_FOUND, "\"resnet50\"");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "lenet, resnet18, unresnet18, googlenet, custom, vgg11, mobilenetv2"));
    cs_assert_fails(cs__model_build(&net, "", 3, 32, 32, K, 1.0), CS_ERR_NOT_FOUND, "known: lenet");
    cs_assert_fails(cs__model_build(&net, "LeNet", 3, 32, 32, K, 1.0), CS_ERR_NOT_FOUND, "known: lenet");
    cs_assert_fails(cs__model_build(&net, NULL, 3, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "NULL");
    cs_assert_fails(cs__model_build(NULL, "lenet", 3, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "NULL");
    /* A failed build leaves a net that cs__net_free accepts. */
    cs__net_free(&net);
}
END_TEST

START_TEST(bad_sizes_classes_and_widths_are_refused)
{
    cs__net net;
    cs_assert_fails(cs__model_build(&net, "lenet", 3, 32, 32, K, 0.0), CS_ERR_INVALID_ARGUMENT, "width");
    cs_assert_fails(cs__model_build(&net, "lenet", 3, 32, 32, K, -0.5), CS_ERR_INVALID_ARGUMENT, "width");
    cs_assert_fails(cs__model_build(&net, "lenet", 3, 32, 32, K, NAN), CS_ERR_INVALID_ARGUMENT, "width");
    cs_assert_fails(cs__model_build(&net, "lenet", 3, 32, 32, K, INFINITY), CS_ERR_INVALID_ARGUMENT, "width");
    cs_assert_fails(cs__model_build(&net, "lenet", 3, 32, 32, K, 2000.0), CS_ERR_INVALID_ARGUMENT, "width");
    cs_assert_fails(cs__model_build(&net, "custom", 3, 32, 32, 1, 1.0), CS_ERR_INVALID_ARGUMENT, "1 classes");
    cs_assert_fails(cs__model_build(&net, "custom", 3, 32, 32, 0, 1.0), CS_ERR_INVALID_ARGUMENT, "2..65536");
    cs_assert_fails(cs__model_build(&net, "custom", 3, 32, 32, 65537, 1.0), CS_ERR_INVALID_ARGUMENT,
                    "2..65536");
    cs_assert_fails(cs__model_build(&net, "resnet18", 0, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "0x32x32");
    cs_assert_fails(cs__model_build(&net, "resnet18", 3, -1, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "3x-1x32");
    cs_assert_fails(cs__model_build(&net, "resnet18", 3, 32, 0, K, 1.0), CS_ERR_INVALID_ARGUMENT, "3x32x0");
    /* So large that one sample's activations could not be indexed with int. */
    cs_assert_fails(cs__model_build(&net, "googlenet", 3, 40000, 40000, K, 1.0), CS_ERR_UNSUPPORTED,
                    "per sample");
    ck_assert_ptr_null(net.params);
    ck_assert_int_eq(cs__model_build(&net, "lenet", 3, 32, 32, 2, 1.0), CS_OK);
    cs__net_free(&net);
    ck_assert_int_eq(cs__model_build(&net, "lenet", 3, 32, 32, 65536, 1.0), CS_OK);
    cs__net_free(&net);
}
END_TEST

START_TEST(too_small_an_input_names_the_layer)
{
    cs__net net;
    /* conv1 (padded by 2) keeps 4x4, the pool halves it, and conv2's 5x5 kernel does not fit. */
    cs_assert_fails(cs__model_build(&net, "lenet", 1, 4, 4, K, 1.0), CS_ERR_UNSUPPORTED, "conv2");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "lenet: a 1x4x4 input is too small"));
    ck_assert_ptr_null(net.params);
    ck_assert_int_eq(net.n_tensors, 0);
    /* The unnamed functional max pool is placed by the layer before it. */
    cs_assert_fails(cs__model_build(&net, "lenet", 1, 1, 1, K, 1.0), CS_ERR_UNSUPPORTED, "after conv1");
    ck_assert_ptr_nonnull(strstr(cs_last_error(), "max pool"));
    /* The "valid" conv2 of the Keras model needs 3x3. */
    cs_assert_fails(cs__model_build(&net, "custom", 3, 2, 2, K, 1.0), CS_ERR_UNSUPPORTED, "conv2");
    cs_assert_fails(cs__model_build(&net, "custom", 3, 7, 20, K, 1.0), CS_ERR_UNSUPPORTED, "conv4");
    /* The smallest inputs that fit: LeNet needs 12 (padded to 16), custom 10. */
    ck_assert_int_eq(cs__model_build(&net, "lenet", 1, 12, 12, K, 1.0), CS_OK);
    cs__net_free(&net);
    cs_assert_fails(cs__model_build(&net, "lenet", 1, 11, 12, K, 1.0), CS_ERR_UNSUPPORTED, "max pool");
    ck_assert_int_eq(cs__model_build(&net, "custom", 1, 10, 10, K, 1.0), CS_OK);
    cs__net_free(&net);
    /* Padded 3x3 convs and max pools never empty a plane: 1x1 runs through both big models. */
    ck_assert_int_eq(cs__model_build(&net, "resnet18", 1, 1, 1, K, 0.0625), CS_OK);
    cs__net_free(&net);
    ck_assert_int_eq(cs__model_build(&net, "googlenet", 1, 1, 1, K, 0.0625), CS_OK);
    cs__net_free(&net);
}
END_TEST

/* ---- running ----------------------------------------------------------------------------- */

/* Eval-mode logits of two inputs at width 0.125 against PyTorch's: the graph, not only the
 * names, is PyTorch's. _i: architecture * 2 + (0: 3x32x32, 1: 1x28x28). */
START_TEST(eval_logits_match_pytorch)
{
    static const float *const expected[] = {
        lenet_3x32x32_logits,      lenet_1x28x28_logits,      resnet18_3x32x32_logits,
        resnet18_1x28x28_logits,   unresnet18_3x32x32_logits, unresnet18_1x28x28_logits,
        googlenet_3x32x32_logits,  googlenet_1x28x28_logits,  custom_3x32x32_logits,
        custom_1x28x28_logits,     vgg11_3x32x32_logits,      vgg11_1x28x28_logits,
        mobilenetv2_3x32x32_logits, mobilenetv2_1x28x28_logits,
    };
    const char *arch = arch_names[_i / 2];
    const int c = _i % 2 ? 1 : 3, side = _i % 2 ? 28 : 32, n = 2;
    cs__net net;
    build(&net, arch, c, side, side, 0.125);
    for (int t = 0; t < net.n_tensors; t++)
        fill_tensor(&net, t);
    const size_t count = (size_t)n * (size_t)c * (size_t)side * (size_t)side;
    float *x = malloc(count * sizeof *x); /* (N, C, H, W) */
    ck_assert_ptr_nonnull(x);
    for (size_t j = 0; j < count; j++)
        x[j] = (float)weyl(j, 0);
    cs_assert_ok(cs__net_prepare(&net, n, true));
    const float *logits = cs__net_forward(&net, x, n, false, 0, 0); /* (N, K) */
    double worst = 0.0;
    for (int j = 0; j < n * K; j++) {
        double d = fabs((double)logits[j] - (double)expected[_i][j]);
        worst = d > worst ? d : worst;
    }
    if (getenv("CS_MODELS_VERBOSE"))
        fprintf(stderr, "%s %dx%dx%d: largest logit difference %g\n", arch, c, side, side, worst);
    /* MobileNetV2's 52 BatchNorms amplify float32 rounding: PyTorch's own float32 logits are
     * 1.4e-5 and 1.9e-5 from its float64 ones (the comments above), so 3x that is allowed. */
    const double tol = strcmp(arch, "mobilenetv2") == 0 ? 6e-5 : 1e-5;
    ck_assert_msg(worst <= tol, "%s %dx%dx%d: logits differ from PyTorch's by up to %g", arch, c, side, side,
                  worst);
    free(x);
    cs__net_free(&net);
}
END_TEST

/* Training mode (BN batch statistics, dropout) on a batch of 2 at a tiny width: finite logits
 * of shape (2, K), and a backward pass that leaves finite gradients. */
START_TEST(training_step_on_a_tiny_batch_is_finite)
{
    const char *arch = arch_names[_i / 2];
    const int c = _i % 2 ? 1 : 3, side = _i % 2 ? 28 : 32, n = 2;
    cs__net net;
    build(&net, arch, c, side, side, 0.0625);
    cs__net_init_params(&net, 42);
    ck_assert_int_eq(net.acts[net.logits].c, K);
    ck_assert_int_eq(net.acts[net.logits].h * net.acts[net.logits].w, 1);
    const size_t count = (size_t)n * (size_t)c * (size_t)side * (size_t)side;
    float *x = malloc(count * sizeof *x); /* (N, C, H, W) */
    float dlogits[2 * K];                 /* (N, K) */
    ck_assert_ptr_nonnull(x);
    for (size_t j = 0; j < count; j++)
        x[j] = (float)weyl(j, 7);
    cs_assert_ok(cs__net_prepare(&net, n, true));
    const float *logits = cs__net_forward(&net, x, n, true, 1, 0);
    for (int j = 0; j < n * K; j++) {
        ck_assert_msg(isfinite(logits[j]), "%s: logit %d is %g", arch, j, (double)logits[j]);
        dlogits[j] = (j % K == 0 ? -0.5f : 0.5f / (K - 1)) / (float)n;
    }
    cs__net_zero_grad(&net);
    cs__net_backward(&net, dlogits, n);
    for (size_t j = 0; j < net.n_params; j++)
        ck_assert_msg(isfinite(net.grads[j]), "%s: gradient %zu is %g", arch, j, (double)net.grads[j]);
    /* The gradient reaches the first layer (dropout and dead ReLUs at this width leave many
     * individual entries at 0, so only "some" is checked). */
    const cs__named_tensor *first = &net.tensors[0];
    size_t nonzero = 0;
    for (size_t j = 0; j < first->count; j++)
        nonzero += net.grads[first->offset + j] != 0.0f;
    ck_assert_msg(nonzero > 0, "%s: %s has no gradient", arch, first->name);
    free(x);
    cs__net_free(&net);
}
END_TEST

/* ---- the registry, the op table and the spec interpreter -------------------------------------- */

/* The registry lists every architecture this suite checks against PyTorch, in its order, and
 * the public listing is the registry. */
START_TEST(registry_lists_every_architecture)
{
    ck_assert_int_eq(cs_model_arch_count(), N_ARCHS);
    ck_assert_int_eq(cs__arch_count(), N_ARCHS);
    for (int i = 0; i < N_ARCHS; i++) {
        ck_assert_str_eq(cs_model_arch_name(i), arch_names[i]);
        ck_assert_ptr_eq(cs__arch_find(arch_names[i]), cs__arch_at(i));
    }
    ck_assert_ptr_null(cs_model_arch_name(-1));
    ck_assert_ptr_null(cs_model_arch_name(N_ARCHS));
    ck_assert_ptr_null(cs__arch_find("LeNet"));
    ck_assert_ptr_null(cs__arch_find(NULL));
}
END_TEST

/* cs_model_arch_describe gives what a built net has, without allocating its blocks, and the
 * same answer every time. */
START_TEST(describe_matches_the_built_network)
{
    const char *arch = arch_names[_i];
    cs_arch_info info = { .struct_size = sizeof info };
    cs_assert_ok(cs_model_arch_describe(&info, arch, 3, 32, 32, K, 0.25));
    cs__net net;
    build(&net, arch, 3, 32, 32, 0.25);
    ck_assert_str_eq(info.name, arch);
    ck_assert_ptr_nonnull(info.description);
    ck_assert(strlen(info.description) > 10);
    ck_assert_double_eq(info.default_width, 1.0);
    ck_assert_double_eq(info.width, 0.25);
    ck_assert_uint_eq(info.num_params, net.n_params);
    ck_assert_int_eq(info.num_tensors, net.n_tensors);
    ck_assert_double_eq(info.forward_flops, cs__net_forward_flops(&net));
    ck_assert_int_eq(info.has_batchnorm, cs__net_has_bn(&net));
    cs__net_free(&net);
    cs_arch_info again = { .struct_size = sizeof again };
    cs_assert_ok(cs_model_arch_describe(&again, arch, 3, 32, 32, K, 0.25));
    ck_assert_mem_eq(&info, &again, sizeof info);
    /* Width 0 is the default width. */
    cs_assert_ok(cs_model_arch_describe(&again, arch, 3, 32, 32, K, 0.0));
    ck_assert_double_eq(again.width, 1.0);
    ck_assert_uint_eq(again.num_params, build_params(arch, 3, 32, 32, 1.0));
}
END_TEST

START_TEST(describe_checks_its_arguments)
{
    cs_arch_info info = { .struct_size = sizeof info };
    cs_assert_fails(cs_model_arch_describe(NULL, "lenet", 3, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "out is NULL");
    cs_assert_fails(cs_model_arch_describe(&info, "resnet50", 3, 32, 32, K, 1.0), CS_ERR_NOT_FOUND,
                    "known: lenet, resnet18");
    cs_assert_fails(cs_model_arch_describe(&info, NULL, 3, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "(null)");
    cs_assert_fails(cs_model_arch_describe(&info, "lenet", 0, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT, "0x32x32");
    cs_assert_fails(cs_model_arch_describe(&info, "lenet", 3, 32, 32, 1, 1.0), CS_ERR_INVALID_ARGUMENT, "1 classes");
    cs_assert_fails(cs_model_arch_describe(&info, "vgg11", 3, 32, 32, K, -1.0), CS_ERR_INVALID_ARGUMENT,
                    "width multiplier -1");
    cs_assert_fails(cs_model_arch_describe(&info, "custom", 3, 5, 5, K, 1.0), CS_ERR_UNSUPPORTED, "too small");
    /* Too large: by the registry's bound, and where MobileNetV2's expansion at a tiny width
     * goes past it, by the builder's check, with the same status. */
    cs_assert_fails(cs_model_arch_describe(&info, "lenet", 3, 50000, 50000, K, 1.0), CS_ERR_UNSUPPORTED,
                    "more than the 2147483647");
    cs_assert_fails(cs_model_arch_describe(&info, "mobilenetv2", 3, 19000, 19000, K, 0.001), CS_ERR_UNSUPPORTED,
                    "larger than the 2147483647 values the layers can index");
    /* The library writes struct_size bytes and nothing after them (1.0's struct is the
     * smallest there is); a newer, larger one is refused. */
    struct {
        cs_arch_info info;
        char canary[16];
    } big;
    memset(&big, 0x5a, sizeof big);
    big.info.struct_size = offsetof(cs_arch_info, num_tensors) + sizeof(int);
    cs_assert_ok(cs_model_arch_describe(&big.info, "lenet", 1, 28, 28, K, 1.0));
    ck_assert_uint_eq(big.info.num_params, 61706);
    for (size_t i = 0; i < sizeof big.canary; i++)
        ck_assert_int_eq(big.canary[i], 0x5a);
    info.struct_size = sizeof info + 8;
    cs_assert_fails(cs_model_arch_describe(&info, "lenet", 3, 32, 32, K, 1.0), CS_ERR_UNSUPPORTED, "newer");
    info.struct_size = sizeof(size_t);
    cs_assert_fails(cs_model_arch_describe(&info, "lenet", 3, 32, 32, K, 1.0), CS_ERR_INVALID_ARGUMENT,
                    "struct_size");
}
END_TEST

/* Every op kind has its table entry, complete for what the executor calls. */
START_TEST(every_op_kind_has_a_complete_entry)
{
    for (int op = 0; op < CS__OP_COUNT; op++) {
        const cs__op_def *def = cs__op_def_of((cs__op)op);
        ck_assert_msg(def != NULL, "op %d has no entry in ops/table.c", op);
        ck_assert_ptr_nonnull(def->name);
        if (op == CS__OP_INPUT)
            continue;
        ck_assert_msg(def->infer && def->forward && def->backward, "%s lacks infer, forward or backward", def->name);
        ck_assert_msg(def->min_inputs >= 1 && def->max_inputs >= def->min_inputs &&
                          def->max_inputs <= CS__NET_MAX_INPUTS,
                      "%s: inputs %d..%d", def->name, def->min_inputs, def->max_inputs);
    }
    ck_assert_ptr_null(cs__op_def_of(CS__OP_COUNT));
    ck_assert_ptr_null(cs__op_def_of((cs__op)-1));
}
END_TEST

/* A spec row the interpreter cannot follow fails with its row number, leaving a net that
 * cs__net_free accepts. */
START_TEST(bad_spec_rows_are_refused_with_their_row)
{
    static const cs__spec_row unsaved[] = {
        { .kind = CS__OP_RELU },
        { CS__SPEC_ADD, .name = "x", .reg = 2 },
        { .kind = CS__SPEC_END },
    };
    static const cs__spec_row bad_reg[] = {
        { CS__SPEC_SAVE, .reg = 9 },
        { .kind = CS__SPEC_END },
    };
    static const cs__spec_row input_row[] = {
        { .kind = CS__OP_INPUT },
        { .kind = CS__SPEC_END },
    };
    static const cs__spec_row wide_concat[] = {
        { CS__SPEC_CONCAT, .regs = { 0, 1, 2 }, .n_regs = 4 },
        { .kind = CS__SPEC_END },
    };
    static const cs__spec_row groups[] = {
        { CS__OP_CONV, "conv", 4, .k = 3, .stride = 1, .pad = 1, .groups = 3 },
        { .kind = CS__SPEC_END },
    };
    const struct {
        const cs__spec_row *rows;
        const char *message;
    } cases[] = {
        { unsaved, "layer row 1: register not saved" },
        { bad_reg, "layer row 0: register out of range" },
        { input_row, "layer row 0: unknown kind" },
        { wide_concat, "layer row 0: concat of too few or too many registers" },
        { groups, "conv has 3 groups for 2 input and 4 output channels" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const cs__arch_spec spec = { .name = "test", .description = "test", .default_width = 1.0, .widest = 8,
                                     .rows = cases[i].rows };
        cs__net net;
        ck_assert_int_eq(cs__net_init(&net, 2, 8, 8), 0);
        const int rc = cs__spec_build(&net, &spec, K, 1.0);
        ck_assert_msg(rc < 0, "case %zu built", i);
        ck_assert_msg(strstr(cs_last_error(), cases[i].message) != NULL, "case %zu: %s", i, cs_last_error());
        cs__net_free(&net);
    }
}
END_TEST

static Suite *models_suite(void)
{
    Suite *s = suite_create("models");
    TCase *tc = tcase_create("counts");
    tcase_add_test(tc, parameter_counts_match_the_issue);
    tcase_add_loop_test(tc, parameter_and_buffer_counts_match_pytorch, 0,
                        (int)(sizeof count_cases / sizeof *count_cases));
    tcase_add_loop_test(tc, state_dict_names_shapes_and_order_match_pytorch, 0, N_ARCHS);
    tcase_add_test(tc, width_rounds_half_away_from_zero_and_never_below_one);
    tcase_add_test(tc, width_scales_every_layer_but_the_classes);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, unknown_architecture_lists_the_known_ones);
    tcase_add_test(tc, bad_sizes_classes_and_widths_are_refused);
    tcase_add_test(tc, too_small_an_input_names_the_layer);
    tcase_add_test(tc, describe_checks_its_arguments);
    tcase_add_test(tc, bad_spec_rows_are_refused_with_their_row);
    suite_add_tcase(s, tc);
    tc = tcase_create("registry");
    tcase_add_test(tc, registry_lists_every_architecture);
    tcase_add_loop_test(tc, describe_matches_the_built_network, 0, N_ARCHS);
    tcase_add_test(tc, every_op_kind_has_a_complete_entry);
    suite_add_tcase(s, tc);
    tc = tcase_create("running");
    tcase_add_loop_test(tc, eval_logits_match_pytorch, 0, 2 * N_ARCHS);
    tcase_add_loop_test(tc, training_step_on_a_tiny_batch_is_finite, 0, 2 * N_ARCHS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cs_test_run(models_suite());
}
