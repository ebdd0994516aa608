#!/usr/bin/python3
"""PyTorch golden numbers for tests/test_layers.c.

Run by hand with Debian's interpreter (python3-torch, 1.13) and paste the output into the
tests (the tests never need Python):

    /usr/bin/python3 tests/reference/layers_reference.py

The inputs are small integer formulas over 8 (exact in float), so the C tests rebuild them
without a data file: they are the same expressions as the *_input functions there.
Floats are printed with 9 significant digits, which round-trip a float exactly.
"""
import math

import torch

torch.set_num_threads(1)
print(f"/* torch {torch.__version__} */")


def cfloat(v):
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    text = f"{v:.9g}"
    return (text if any(ch in text for ch in ".en") else text + ".0") + "f"


def show(name, t):
    flat = t.detach().reshape(-1).tolist()
    kind = "int32_t" if t.dtype in (torch.int64, torch.int32) else "float"
    body = ", ".join(str(int(v)) if kind == "int32_t" else cfloat(v) for v in flat)
    print(f"static const {kind} {name}[{len(flat)}] = {{ {body} }};")


def formula(count, mul, mod, off, den):
    """x[i] = ((i * mul) % mod - off) / den, as the C tests compute it."""
    return torch.tensor([((i * mul) % mod - off) / den for i in range(count)], dtype=torch.float32)


# ---- batch norm: (N, C, H, W) = (2, 3, 2, 2), train mode, then backward ------------------------
bn = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1)
with torch.no_grad():
    bn.weight.copy_(torch.tensor([1.0, 0.5, -2.0]))
    bn.bias.copy_(torch.tensor([0.0, 0.25, 1.0]))
    bn.running_mean.copy_(torch.tensor([0.0, 1.0, -1.0]))
    bn.running_var.copy_(torch.tensor([1.0, 2.0, 0.5]))
x = formula(24, 37, 23, 11, 8).reshape(2, 3, 2, 2).requires_grad_(True)
bn.train()
y = bn(x)
dy = formula(24, 11, 7, 3, 4).reshape(2, 3, 2, 2)
y.backward(dy)
show("torch_bn_y", y)
show("torch_bn_running_mean", bn.running_mean)
show("torch_bn_running_var", bn.running_var)
show("torch_bn_dx", x.grad)
show("torch_bn_dgamma", bn.weight.grad)
show("torch_bn_dbeta", bn.bias.grad)
bn.eval()
show("torch_bn_eval_y", bn(x))

# ---- max pool 3x3 stride 2 pad 1 on (1, 1, 5, 5), small integers: many ties -------------------
xm = formula(25, 7, 6, 0, 1).reshape(1, 1, 5, 5)
ym, im = torch.nn.functional.max_pool2d(xm, 3, stride=2, padding=1, return_indices=True)
show("torch_maxpool_y", ym)
show("torch_maxpool_argmax", im)

# ---- average pool 3x3 stride 2 pad 1 (count_include_pad=True) on (1, 1, 5, 5) ----------------
xa = formula(25, 13, 17, 8, 8).reshape(1, 1, 5, 5)
show("torch_avgpool_y", torch.nn.functional.avg_pool2d(xa, 3, stride=2, padding=1))

# ---- ReLU6 (hardtanh(x, 0, 6)) on 32 values (-1.5 .. 7.5 in halves, 0 and 6 among them) and
# specials: x[2] NaN, x[5] -0.0, x[9] inf, x[10] -inf. 32 elements keep all of them in the
# vectorised body of PyTorch's hardtanh_backward (its scalar tail would pass a NaN's gradient).
x6 = formula(32, 7, 19, 3, 2)
x6[2], x6[5], x6[9], x6[10] = float("nan"), -0.0, float("inf"), float("-inf")
x6.requires_grad_(True)
y6 = torch.nn.functional.relu6(x6)
y6.backward(formula(32, 11, 7, 3, 4))
show("torch_relu6_x", x6)
show("torch_relu6_y", y6)
show("torch_relu6_dx", x6.grad)

# ---- global max pool (adaptive_max_pool2d(1)) on (2, 3, 2, 3): small integers with ties;
# plane 1 holds NaN at offsets 1 and 4, plane 5 is all -inf ------------------------------------
xg = formula(36, 5, 7, 3, 1)
xg[7], xg[10] = float("nan"), float("nan")
xg[30:36] = float("-inf")
xg = xg.reshape(2, 3, 2, 3).requires_grad_(True)
yg, ig = torch.nn.functional.adaptive_max_pool2d(xg, 1, return_indices=True)
yg.backward(formula(6, 3, 5, 2, 4).reshape(2, 3, 1, 1))
show("torch_gmp_x", xg)
show("torch_gmp_y", yg)
show("torch_gmp_argmax", ig)
show("torch_gmp_dx", xg.grad)

# ---- depthwise convolution: conv2d(groups=C) 3x3 stride 2 padding 1, x (2, 2, 5, 5),
# w (2, 1, 3, 3), b (2), then backward of dy (2, 2, 3, 3) -----------------------------------------
xd = formula(100, 37, 23, 11, 8).reshape(2, 2, 5, 5).requires_grad_(True)
wd = formula(18, 11, 7, 3, 4).reshape(2, 1, 3, 3).requires_grad_(True)
bd = torch.tensor([0.25, -0.5], requires_grad=True)
yd = torch.nn.functional.conv2d(xd, wd, bd, stride=2, padding=1, groups=2)
yd.backward(formula(36, 13, 17, 8, 8).reshape(2, 2, 3, 3))
show("torch_dwconv_y", yd)
show("torch_dwconv_dx", xd.grad)
show("torch_dwconv_dw", wd.grad)
show("torch_dwconv_db", bd.grad)
