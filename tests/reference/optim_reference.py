#!/usr/bin/python3
"""Reference numbers for tests/test_optim.c, printed by PyTorch itself.

Run by hand with Debian's interpreter and its python3-torch (the tests never need Python):

    /usr/bin/python3 tests/reference/optim_reference.py

The numbers in the tests were printed by torch 1.13.1 (Debian 12's python3-torch
1.13.1+dfsg-4, which calls itself 1.13.0a0; CPU capability AVX2, and AVX512 prints the same)
and NumPy 1.24.2. With ATEN_CPU_CAPABILITY=default (no SIMD kernels) PyTorch does not fuse the
multiply-adds, its results differ in the last bit, and the first cross-check below stops.

Each block is printed as a C initializer under the name of the table that holds it in
test_optim.c; floats in the shortest form that reads back to the same float32 / double.

SGD: torch.optim.SGD (single-tensor path, the 1.13 default) runs three steps on fixed float32
parameters with fixed gradients, in four configurations; the parameters and the momentum
buffer are printed after each step. Two cross-checks run before each table is
printed:
- an independent float32 NumPy implementation of the documented algorithm, with every
  Tensor.add(other, alpha=a) done as a fused multiply-add with a rounded to float32 (which is
  what PyTorch's CPU kernel does: vec::fmadd), must agree with torch bit for bit;
- the same implementation with any ONE of the multiply-adds (weight decay, momentum, Nesterov,
  parameter update) done as a separate multiply and add must DISAGREE with torch somewhere,
  so that the fixtures can tell each fused operation from an unfused one. The rounding of
  the decay term is too small to reach the parameters (lr * weight_decay << 1); it shows in
  the buffer, which after the first step is the decayed gradient itself, where the gradient
  is tiny (as many are in training) and the decay term a large part of the sum.
The fused multiply-add is emulated as float32(float64(a) * float64(b) + float64(c)); the
product is exact in double, and the double rounding of the sum could only matter for a sum
within 2^-29 of a float32 tie, which the comparison with torch would catch.

Schedules: the learning rate of each epoch, read from the optimiser after constructing the
scheduler (epoch 0) and after each scheduler.step(), for CosineAnnealingLR, StepLR and
SequentialLR([LinearLR, CosineAnnealingLR or StepLR]) and LinearLR alone (warm-up into a
constant rate). These are PyTorch's chained (recursive) evaluations, not closed forms.
"""
import re
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")  # step(0) inside SequentialLR is "deprecated"
f32 = np.float32

# The small parameters (0, 1e-3, 0.02) are where lr * step outweighs the parameter, so that
# an ulp of the step (the Nesterov multiply-add's, say) reaches the parameter; the tiny
# gradients in the first step are where the decay term's rounding reaches the buffer.
PARAM0 = [0.5, -1.25, 2.0, 0.0, -0.375, 3.1415927, 0.02, 1e-3, 0.1, -0.3, 7.5, -0.0625]
GRADS = [
    [0.1, 0.2, -0.3, 0.4, -3e-6, 0.6, -0.7, 2.5e-6, -0.9, 1.0, 2.5e-6, 1.2],
    [-0.25, 0.125, 0.333, -0.667, 0.05, -1e-6, 2.5, -1.75, 3e-7, 0.45, -2.5e-5, 0.3],
    [1.5, -0.05, 0.07, 7e-7, -0.13, 0.17, -0.19, 0.23, 0.29, -4e-6, 0.37, -0.41],
]
# (name, lr, momentum, dampening, weight_decay, nesterov)
CONFIGS = [
    ("sgd_momentum", 0.1, 0.9, 0.0, 5e-4, False),
    ("sgd_nesterov", 0.1, 0.9, 0.0, 5e-4, True),
    ("sgd_dampening", 0.05, 0.9, 0.1, 5e-4, False),
    ("sgd_plain", 0.1, 0.0, 0.0, 0.0, False),
]


def c_float(x):
    return np.format_float_positional(f32(x), unique=True, trim="0") + "f"


def c_floats(xs, indent="    "):
    """A braced initializer, six numbers to a line so that the C stays under 100 columns."""
    items = [c_float(x) for x in xs]
    lines = [", ".join(items[i:i + 6]) for i in range(0, len(items), 6)]
    return "{ " + (",\n" + indent + "  ").join(lines) + " }"


def torch_sgd(lr, momentum, dampening, wd, nesterov):
    p = torch.tensor(PARAM0, dtype=torch.float32, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                          weight_decay=wd, nesterov=nesterov)
    steps, bufs = [], []
    for g in GRADS:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
        steps.append(p.detach().numpy().copy())
        buf = opt.state[p].get("momentum_buffer")
        if buf is not None:
            bufs.append(buf.numpy().copy())
    return steps, bufs


def fused(a, b, c):
    return (a.astype(np.float64) * np.float64(f32(b)) + c.astype(np.float64)).astype(f32)


def unfused(a, b, c):
    return (a * f32(b) + c).astype(f32)


OPS = ("decay", "momentum", "nesterov", "update")


def numpy_sgd(lr, momentum, dampening, wd, nesterov, loose=()):
    """torch.optim.SGD as documented; each Tensor.add(other, alpha) is fused unless its name
    is in `loose`."""
    def add(op, other, alpha, self):
        return (unfused if op in loose else fused)(other, alpha, self)
    p = np.array(PARAM0, dtype=f32)
    buf = None
    steps, bufs = [], []
    for g in GRADS:
        d = np.array(g, dtype=f32)
        if wd != 0:
            d = add("decay", p, wd, d)
        if momentum != 0:
            if buf is None:
                buf = d.copy()
            else:
                buf = add("momentum", d, 1 - dampening, buf * f32(momentum))
            d = add("nesterov", buf, momentum, d) if nesterov else buf
        p = add("update", d, -lr, p)
        steps.append(p.copy())
        if buf is not None:
            bufs.append(buf.copy())
    return steps, bufs


def sgd_tables():
    for name, lr, momentum, dampening, wd, nesterov in CONFIGS:
        steps, bufs = torch_sgd(lr, momentum, dampening, wd, nesterov)
        state = steps + bufs
        mine = sum(numpy_sgd(lr, momentum, dampening, wd, nesterov), [])
        assert len(mine) == len(state)
        for a, b in zip(state, mine):
            assert np.array_equal(a, b), (name, a, b)
        # Every multiply-add this configuration performs must matter somewhere (with
        # dampening 0 the momentum one multiplies by 1 and cannot).
        used = [op for op, on in zip(OPS, (wd != 0, momentum != 0 and dampening != 0,
                                           nesterov, True)) if on]
        for op in used:
            loose = sum(numpy_sgd(lr, momentum, dampening, wd, nesterov, loose=(op,)), [])
            assert any(not np.array_equal(a, b) for a, b in zip(state, loose)), (name, op)
        print(f"/* {name}: lr {lr}, momentum {momentum}, dampening {dampening}, "
              f"weight_decay {wd}, nesterov {nesterov} */")
        print(f"static const float {name}_param[3][{len(PARAM0)}] = {{")
        for s in steps:
            print(f"    {c_floats(s)},")
        print("};")
        if bufs:
            print(f"static const float {name}_buf[3][{len(PARAM0)}] = {{")
            for b in bufs:
                print(f"    {c_floats(b)},")
            print("};")
    print(f"static const float param0[{len(PARAM0)}] =\n    {c_floats(PARAM0)};")
    print(f"static const float grads[3][{len(PARAM0)}] = {{")
    for g in GRADS:
        print(f"    {c_floats(g)},")
    print("};")


def rates(make, base, epochs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base)
    sched = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(epochs - 1):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


def lr_tables():
    S = torch.optim.lr_scheduler
    tables = [
        ("lr_cosine", "cosine, base 0.1, T_max 10, eta_min 1e-3, 25 epochs (past T_max)",
         lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=1e-3), 0.1, 25),
        ("lr_step", "step, base 0.1, step_size 3, gamma 0.1, 12 epochs",
         lambda o: S.StepLR(o, step_size=3, gamma=0.1), 0.1, 12),
        ("lr_warm_cosine", "LinearLR(0.1, 5) then cosine T_max 20 - 5, eta_min 0, base 0.1",
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                      S.CosineAnnealingLR(o, T_max=15)], milestones=[5]),
         0.1, 20),
        ("lr_warm_step", "LinearLR(0.25, 3) then step 4, gamma 0.5, base 0.05",
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, total_iters=3),
                                      S.StepLR(o, step_size=4, gamma=0.5)], milestones=[3]),
         0.05, 15),
        ("lr_warm_constant", "LinearLR(1/3, 4) alone (warm-up into a constant), base 0.3",
         lambda o: S.LinearLR(o, start_factor=1 / 3, total_iters=4), 0.3, 9),
    ]
    for name, what, make, base, epochs in tables:
        r = rates(make, base, epochs)
        print(f"/* {what} */")
        print(f"static const double {name}[{epochs}] = {{")
        for i in range(0, epochs, 4):
            print("    " + ", ".join(repr(x) for x in r[i:i + 4]) + ",")
        print("};")


if __name__ == "__main__":
    # Debian's 1.13.1 package reports its version as 1.13.0a0.
    capability = re.search(r"CPU capability usage: (\w+)", torch.__config__.show())
    print(f"/* torch {torch.__version__}, CPU capability "
          f"{capability.group(1) if capability else 'unknown'}, numpy {np.__version__} */")
    sgd_tables()
    lr_tables()
