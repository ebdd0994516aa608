#!/usr/bin/python3
"""PyTorch's side of bench/bench_train: the same architectures (tests/reference/
models_reference.py, the kuangliu/pytorch-cifar structure), the same batch sizes and the
same measurements, so that the two can be run in one sitting and compared as ratios.

    /usr/bin/python3 bench/bench_train_pytorch.py [--arch lenet,resnet18] [--shape 1x28x28]
                                                  [--width 1] [--threads 2] [--seconds 10]
                                                  [--serve 0|1]

Needs Debian's python3-torch; the library never does. Each configuration runs in a child
process of its own so that its peak resident memory is its own (about 250 MiB of it is
PyTorch's import).
"""
import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def setup(arch, shape, width, threads, batch, infer_batch):
    import torch
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
    import models_reference as mr

    torch.set_num_threads(threads)
    c, h, w = (int(v) for v in shape.split("x"))
    model = mr.make(arch, c, h, w, 10, width)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    big = max(batch, infer_batch)
    x = torch.rand(big, c, h, w) * 2 - 1
    y = torch.arange(batch) % 10
    return model, opt, x, y


def serve(arch, shape, width, threads, batch, infer_batch):
    """bench_train --serve's protocol (see bench/bench_train.c): "ready" after a warm-up step,
    then "train S" -> "train IMG/S 0", "infer S" -> "infer IMG/S", "quit" -> "peak MIB"; a request
    of the other kind than the last starts with one untimed step or pass."""
    import torch
    import torch.nn.functional as F

    model, opt, x, y = setup(arch, shape, width, threads, batch, infer_batch)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x[:batch]), y).backward()
        opt.step()

    def infer():
        with torch.no_grad():
            model(x[:infer_batch])

    model.train()
    step()
    was_training = True
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if words and words[0] in ("train", "infer") and len(words) == 2:
            budget = float(words[1])
            training = words[0] == "train"
            model.train(training)
            if training != was_training:
                step() if training else infer()
                was_training = training
            start, count = time.perf_counter(), 0
            while True:
                step() if training else infer()
                count += 1
                elapsed = time.perf_counter() - start
                if elapsed >= budget:
                    break
            ips = count * (batch if training else infer_batch) / elapsed
            print(f"train {ips:.1f} 0" if training else f"infer {ips:.1f}", flush=True)
        elif words and words[0] == "quit":
            print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0:.0f}", flush=True)
            return
        else:
            sys.exit(f"bench_train_pytorch: --serve: unknown request {line.strip()}")


def one(arch, shape, width, threads, batch, infer_batch, budget):
    import torch
    import torch.nn.functional as F

    model, opt, x, y = setup(arch, shape, width, threads, batch, infer_batch)
    params = sum(p.numel() for p in model.parameters())
    model.train()
    steps, start, elapsed = 0, 0.0, 0.0
    for s in range(1_000_000):
        if s == 1:
            start = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x[:batch]), y)
        loss.backward()
        opt.step()
        if s >= 1:
            steps, elapsed = s, time.perf_counter() - start
            if steps >= 3 and elapsed >= budget:
                break
    train_ips = steps * batch / elapsed
    model.eval()
    passes, infer_s = 0, 0.0
    with torch.no_grad():
        for s in range(1_000_000):
            if s == 1:
                start = time.perf_counter()
            model(x[:infer_batch])
            if s >= 1:
                passes, infer_s = s, time.perf_counter() - start
                if passes >= 3 and infer_s >= budget / 2:
                    break
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"{arch:<11} {shape:<8} {width:5.2f} {params:11d} {train_ips:11.1f} {passes * infer_batch / infer_s:10.1f} "
          f"{peak:8.0f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="lenet,custom,resnet18,unresnet18,googlenet,vgg11,mobilenetv2")
    ap.add_argument("--shape", default="1x28x28,3x32x32")
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--infer-batch", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--serve", type=int, choices=(0, 1), default=0,
                    help="1: keep one --arch and --shape loaded and measure bursts on request")
    ap.add_argument("--one", nargs=2, metavar=("ARCH", "SHAPE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve:
        if "," in a.arch or "," in a.shape:
            sys.exit("bench_train_pytorch: --serve 1 takes one --arch and one --shape")
        serve(a.arch, a.shape, a.width, a.threads, a.batch, a.infer_batch)
        return
    if a.one:
        one(a.one[0], a.one[1], a.width, a.threads, a.batch, a.infer_batch, a.seconds)
        return
    print(f"PyTorch, {a.threads} threads, train batch {a.batch}, inference batch {a.infer_batch}")
    print(f"{'arch':<11} {'input':<8} {'width':>5} {'params':>11} {'train img/s':>11} {'infer img/s':>10} "
          f"{'peak MiB':>8}", flush=True)
    for arch in a.arch.split(","):
        for shape in a.shape.split(","):
            subprocess.run([sys.executable, __file__, "--one", arch, shape, "--width", str(a.width),
                            "--threads", str(a.threads), "--batch", str(a.batch),
                            "--infer-batch", str(a.infer_batch), "--seconds", str(a.seconds)], check=True)


if __name__ == "__main__":
    main()
