#!/usr/bin/python3
"""Reference data for tests/test_models.c, printed by PyTorch itself.

Run by hand with Debian's interpreter and its python3-torch (the tests never need Python):

    /usr/bin/python3 tests/reference/models_reference.py

The numbers in test_models.c were printed by torch 1.13.1 (Debian 12's python3-torch
1.13.1+dfsg-4, which calls itself 1.13.0a0) and NumPy 1.24.2.

The architectures are written here in the module structure of kuangliu/pytorch-cifar
(models/lenet.py, resnet.py, googlenet.py, vgg.py, mobilenetv2.py) so that their state_dict
keys are the ones the C builders must reproduce, with documented departures that the library
shares:
- every pooling head is a global average pool (kuangliu's avg_pool2d(4) / AvgPool2d(8) are
  global only at 32x32), and LeNet's conv1 pads small inputs (docs/models.md);
- VGG-11 (with BatchNorm) ends its features with AdaptiveMaxPool2d(1) in place of the fifth
  MaxPool2d(2, 2) (the same at 32x32, and it admits 28x28) and drops the identity
  AvgPool2d(1, 1); MobileNetV2 uses the paper's ReLU6 where kuangliu has relu;
- every channel count is scaled by the width multiplier, as cs__model_scale does (MobileNetV2's
  expanded planes are expansion * the already scaled input, not scaled again, and a block's
  projection shortcut exists where the scaled channel counts differ).
`custom` is the Keras cifar10_cnn example (docs/models.md explains the choice).

Printed, as C initializers under the names test_models.c uses:
1. counts: trainable parameters and buffer floats (BN running statistics; PyTorch's
   num_batches_tracked is left out, the library does not keep it) for every architecture at
   3x32x32 and 1x28x28, widths 1, 0.5 and 0.25, K = 10. Each model also runs forward here,
   so that a wrong flatten size would stop the script.
2. <arch>_tensors: the full ordered state_dict (name and shape) at width 0.25, 3x32x32, K 10.
   0.25 makes every scaled count differ from its width-1 value, and 6 * 0.25 = 1.5 checks
   that rounding goes half away from zero, as C's round() does.
3. <arch>_logits: eval-mode logits of two inputs at width 0.125 with every tensor filled by
   the formula below, which test_models.c repeats in C, so that the forward graph (ReLU
   placement, residual wiring, concat order, padding) is checked, not only the names.
   Each block is preceded by the largest difference between the float32 logits and a
   float64 run of the same model, the size of rounding differences to expect in C.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)


def scale(channels, width):
    """max(1, round(channels * width)) with C's round(): halves away from zero."""
    x = channels * width
    r = math.floor(x)
    if x - r >= 0.5:
        r += 1
    return max(1, r)


class LeNet(nn.Module):
    def __init__(self, c, h, w, k, width):
        super().__init__()
        # Classic LeNet-5 pads 28x28 to 32x32; more than "same" padding (2) would only
        # convolve zeros, so the pad is capped there.
        self.pad = min(2, max(0, (32 - min(h, w)) // 2))
        c1, c2 = scale(6, width), scale(16, width)
        self.conv1 = nn.Conv2d(c, c1, 5, padding=self.pad)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        h2 = ((h + 2 * self.pad - 4) // 2 - 4) // 2
        w2 = ((w + 2 * self.pad - 4) // 2 - 4) // 2
        self.fc1 = nn.Linear(c2 * h2 * w2, scale(120, width))
        self.fc2 = nn.Linear(scale(120, width), scale(84, width))
        self.fc3 = nn.Linear(scale(84, width), k)

    def forward(self, x):
        out = F.max_pool2d(F.relu(self.conv1(x)), 2)
        out = F.max_pool2d(F.relu(self.conv2(out)), 2)
        out = out.view(out.size(0), -1)
        out = F.relu(self.fc1(out))
        out = F.relu(self.fc2(out))
        return self.fc3(out)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, skip):
        super().__init__()
        self.skip = skip
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if skip and (stride != 1 or in_planes != planes):
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.skip:
            out = out + self.shortcut(x)
        return F.relu(out)


class ResNet18(nn.Module):
    def __init__(self, c, k, width, skip):
        super().__init__()
        self.in_planes = scale(64, width)
        self.conv1 = nn.Conv2d(c, self.in_planes, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(self.in_planes)
        self.layer1 = self._make_layer(scale(64, width), 1, skip)
        self.layer2 = self._make_layer(scale(128, width), 2, skip)
        self.layer3 = self._make_layer(scale(256, width), 2, skip)
        self.layer4 = self._make_layer(scale(512, width), 2, skip)
        self.linear = nn.Linear(scale(512, width), k)

    def _make_layer(self, planes, stride, skip):
        layers = []
        for s in (stride, 1):
            layers.append(BasicBlock(self.in_planes, planes, s, skip))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.adaptive_avg_pool2d(out, 1).view(out.size(0), -1)
        return self.linear(out)


def cbr(cin, cout, k, pad):
    return [nn.Conv2d(cin, cout, k, padding=pad), nn.BatchNorm2d(cout), nn.ReLU(True)]


class Inception(nn.Module):
    def __init__(self, in_planes, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_planes):
        super().__init__()
        self.b1 = nn.Sequential(*cbr(in_planes, n1x1, 1, 0))
        self.b2 = nn.Sequential(*cbr(in_planes, n3x3red, 1, 0), *cbr(n3x3red, n3x3, 3, 1))
        self.b3 = nn.Sequential(*cbr(in_planes, n5x5red, 1, 0), *cbr(n5x5red, n5x5, 3, 1),
                                *cbr(n5x5, n5x5, 3, 1))
        self.b4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                *cbr(in_planes, pool_planes, 1, 0))
        self.out_planes = n1x1 + n3x3 + n5x5 + pool_planes

    def forward(self, x):
        return torch.cat([self.b1(x), self.b2(x), self.b3(x), self.b4(x)], 1)


INCEPTIONS = [  # name, n1x1, n3x3red, n3x3, n5x5red, n5x5, pool_planes, max pool after
    ("a3", 64, 96, 128, 16, 32, 32, False), ("b3", 128, 128, 192, 32, 96, 64, True),
    ("a4", 192, 96, 208, 16, 48, 64, False), ("b4", 160, 112, 224, 24, 64, 64, False),
    ("c4", 128, 128, 256, 24, 64, 64, False), ("d4", 112, 144, 288, 32, 64, 64, False),
    ("e4", 256, 160, 320, 32, 128, 128, True), ("a5", 256, 160, 320, 32, 128, 128, False),
    ("b5", 384, 192, 384, 48, 128, 128, False),
]


class GoogLeNet(nn.Module):
    def __init__(self, c, k, width):
        super().__init__()
        stem = scale(192, width)
        self.pre_layers = nn.Sequential(*cbr(c, stem, 3, 1))
        self.order = []
        planes = stem
        for name, *spec, pool_after in INCEPTIONS:
            m = Inception(planes, *[scale(n, width) for n in spec])
            setattr(self, name, m)
            self.order.append((name, pool_after))
            planes = m.out_planes
            if name == "b3":
                self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.linear = nn.Linear(planes, k)

    def forward(self, x):
        out = self.pre_layers(x)
        for name, pool_after in self.order:
            out = getattr(self, name)(out)
            if pool_after:
                out = self.maxpool(out)
        out = F.adaptive_avg_pool2d(out, 1).view(out.size(0), -1)
        return self.linear(out)


class Custom(nn.Module):
    """Keras cifar10_cnn: "same" is padding 1 for a 3x3 kernel, "valid" padding 0."""

    def __init__(self, c, h, w, k, width):
        super().__init__()
        c1, c3, f1 = scale(32, width), scale(64, width), scale(512, width)
        self.conv1 = nn.Conv2d(c, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c1, 3)
        self.conv3 = nn.Conv2d(c1, c3, 3, padding=1)
        self.conv4 = nn.Conv2d(c3, c3, 3)
        h2, w2 = ((h - 2) // 2 - 2) // 2, ((w - 2) // 2 - 2) // 2
        self.fc1 = nn.Linear(c3 * h2 * w2, f1)
        self.fc2 = nn.Linear(f1, k)

    def forward(self, x):
        out = F.relu(self.conv2(F.relu(self.conv1(x))))
        out = F.dropout(F.max_pool2d(out, 2), 0.25, self.training)
        out = F.relu(self.conv4(F.relu(self.conv3(out))))
        out = F.dropout(F.max_pool2d(out, 2), 0.25, self.training)
        out = F.dropout(F.relu(self.fc1(out.flatten(1))), 0.5, self.training)
        return self.fc2(out)


VGG11_CFG = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


class VGG11(nn.Module):
    """kuangliu's VGG('VGG11') with BatchNorm. The fifth 'M' is AdaptiveMaxPool2d(1): on
    kuangliu's 2x2 plane at 32x32 the same as MaxPool2d(2, 2), and it lets other inputs through
    (28 -> 14 -> 7 -> 3 -> 1 at 28x28). kuangliu's trailing AvgPool2d(1, 1) is the identity and
    is dropped (it has no tensors and comes last, so the Sequential's indices are unchanged:
    features.0 conv, .1 bn, .2 relu, .3 pool, .4 conv, ..., .28 the last pool)."""

    def __init__(self, c, k, width):
        super().__init__()
        layers, planes, pools = [], c, VGG11_CFG.count("M")
        for x in VGG11_CFG:
            if x == "M":
                pools -= 1
                layers.append(nn.MaxPool2d(2, 2) if pools else nn.AdaptiveMaxPool2d(1))
            else:
                out = scale(x, width)
                layers += [nn.Conv2d(planes, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
                planes = out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(planes, k)

    def forward(self, x):
        out = self.features(x)
        return self.classifier(out.view(out.size(0), -1))


class MobileBlock(nn.Module):
    """kuangliu's mobilenetv2.Block with ReLU6: expand 1x1, depthwise 3x3, project 1x1 (linear);
    the shortcut is added at stride 1 only (a 1x1 conv + BN where the channels change)."""

    def __init__(self, in_planes, out_planes, expansion, stride):
        super().__init__()
        self.stride = stride
        planes = expansion * in_planes
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, groups=planes, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_planes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_planes)
        self.shortcut = nn.Sequential()
        if stride == 1 and in_planes != out_planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, out_planes, 1, bias=False),
                                          nn.BatchNorm2d(out_planes))

    def forward(self, x):
        out = F.relu6(self.bn1(self.conv1(x)))
        out = F.relu6(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return out + self.shortcut(x) if self.stride == 1 else out


# expansion, out_planes, num_blocks, stride (of the first block of the group)
MOBILENETV2 = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
               (6, 160, 3, 2), (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    """kuangliu's MobileNetV2 (CIFAR strides: conv1 and the second group at stride 1) with the
    paper's ReLU6 where kuangliu has relu, and the global-average-pool head."""

    def __init__(self, c, k, width):
        super().__init__()
        planes = scale(32, width)
        self.conv1 = nn.Conv2d(c, planes, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        blocks = []
        for expansion, out, num_blocks, stride in MOBILENETV2:
            out = scale(out, width)
            for s in [stride] + [1] * (num_blocks - 1):
                blocks.append(MobileBlock(planes, out, expansion, s))
                planes = out
        self.layers = nn.Sequential(*blocks)
        last = scale(1280, width)
        self.conv2 = nn.Conv2d(planes, last, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(last)
        self.linear = nn.Linear(last, k)

    def forward(self, x):
        out = F.relu6(self.bn1(self.conv1(x)))
        out = self.layers(out)
        out = F.relu6(self.bn2(self.conv2(out)))
        out = F.adaptive_avg_pool2d(out, 1).view(out.size(0), -1)
        return self.linear(out)


ARCHS = ("lenet", "resnet18", "unresnet18", "googlenet", "custom", "vgg11", "mobilenetv2")


def make(arch, c, h, w, k, width):
    if arch == "lenet":
        return LeNet(c, h, w, k, width)
    if arch in ("resnet18", "unresnet18"):
        return ResNet18(c, k, width, arch == "resnet18")
    if arch == "googlenet":
        return GoogLeNet(c, k, width)
    if arch == "vgg11":
        return VGG11(c, k, width)
    if arch == "mobilenetv2":
        return MobileNetV2(c, k, width)
    return Custom(c, h, w, k, width)


def state(model):
    return [(n, tuple(t.shape)) for n, t in model.state_dict().items()
            if not n.endswith("num_batches_tracked")]


def counts(model):
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(t.numel() for n, t in model.named_buffers() if not n.endswith("num_batches_tracked"))
    return params, buffers


def fill_values(count, stream):
    """u in [-1, 1): the Weyl sequence j * 2654435761 + stream * 97531 mod 2^32, scaled.
    Exact in double, so C computes the same bits."""
    j = np.arange(count, dtype=np.int64)
    h = (j * 2654435761 + stream * 97531) % (1 << 32)
    return h.astype(np.float64) / 2147483648.0 - 1.0


def fill(model):
    """Tensor t (state_dict order) gets stream t + 1; see fill_tensor in test_models.c."""
    sd = model.state_dict()
    names = [n for n in sd if not n.endswith("num_batches_tracked")]
    for t, name in enumerate(names):
        ref = sd[name]
        u = fill_values(ref.numel(), t + 1)
        if ref.dim() >= 2:  # conv, linear weight: keeps the activations' scale (He uniform)
            v = u * math.sqrt(6.0 / (ref.numel() // ref.shape[0]))
        elif name.endswith("running_var"):
            v = 1.0 + 0.5 * u
        elif name.endswith(".weight"):  # BN gamma
            v = 1.0 + 0.25 * u
        else:  # biases, BN beta, running mean
            v = 0.1 * u
        ref.copy_(torch.from_numpy(v.astype(np.float32)).view(ref.shape))


def cstr_list(name, items):
    """A string-array initializer, as many entries to a line as fit in 100 columns."""
    print(f"static const char *const {name}[{len(items)}] = {{")
    line = "   "
    for item in items:
        entry = f' "{item}",'
        if len(line) + len(entry) > 100:
            print(line)
            line = "   "
        line += entry
    print(line)
    print("};")


def c_float(x):
    return np.format_float_positional(np.float32(x), unique=True, trim="0") + "f"


def main():
    print(f"/* torch {torch.__version__}, numpy {np.__version__} */")
    print("/* arch, C, H, W, width, trainable parameters, buffer floats (K = 10) */")
    print("static const count_case count_cases[] = {")
    for arch in ARCHS:
        for c, h, w in ((3, 32, 32), (1, 28, 28)):
            for width in (1.0, 0.5, 0.25):
                torch.manual_seed(0)
                m = make(arch, c, h, w, 10, width).eval()
                with torch.no_grad():
                    assert m(torch.zeros(2, c, h, w)).shape == (2, 10)
                p, b = counts(m)
                print(f'    {{ "{arch}", {c}, {h}, {w}, {width}, {p}, {b} }},')
    print("};")

    for arch in ARCHS:
        m = make(arch, 3, 32, 32, 10, 0.25)
        items = [f"{n} {'x'.join(str(d) for d in s)}" for n, s in state(m)]
        print(f"/* {arch}, 3x32x32, K 10, width 0.25: {len(items)} tensors */")
        cstr_list(f"{arch}_tensors", items)

    for arch in ARCHS:
        for c, h, w in ((3, 32, 32), (1, 28, 28)):
            m = make(arch, c, h, w, 10, 0.125).eval()
            fill(m)
            x = torch.from_numpy(fill_values(2 * c * h * w, 0).astype(np.float32)).view(2, c, h, w)
            with torch.no_grad():
                y = m(x).numpy()
                y64 = m.double()(x.double()).numpy()
            gap = np.max(np.abs(y - y64))
            scale_ = np.max(np.abs(y64))
            print(f"/* {arch} {c}x{h}x{w} width 0.125: max |logit| {scale_:.3g}, "
                  f"float32 vs float64 {gap:.3g} */")
            vals = [c_float(v) for v in y.reshape(-1)]
            print(f"static const float {arch}_{c}x{h}x{w}_logits[20] = {{")
            for i in range(0, 20, 5):
                print("    " + ", ".join(vals[i:i + 5]) + ",")
            print("};")


if __name__ == "__main__":
    main()
