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


class Bench:
    """One configuration: the model, its optimiser and data, and timed runs of training steps
    or inference passes (bench_train.c's bench, train_for and infer_for)."""

    def __init__(self, arch, shape, width, threads, batch, infer_batch):
        import torch
        sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
        import models_reference as mr

        torch.set_num_threads(threads)
        c, h, w = (int(v) for v in shape.split("x"))
        self.model = mr.make(arch, c, h, w, 10, width)
        self.params = sum(p.numel() for p in self.model.parameters())
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        self.x = torch.rand(max(batch, infer_batch), c, h, w) * 2 - 1
        self.y = torch.arange(batch) % 10
        self.batch, self.infer_batch = batch, infer_batch

    def step(self):
        import torch.nn.functional as F
        self.opt.zero_grad()
        F.cross_entropy(self.model(self.x[:self.batch]), self.y).backward()
        self.opt.step()

    def infer(self):
        import torch
        with torch.no_grad():
            self.model(self.x[:self.infer_batch])

    def rate(self, training, budget, least):
        """Images per second of training steps (or inference passes) run until `budget` seconds
        have passed and at least `least` ran; the model in the matching mode."""
        self.model.train(training)
        run, per = (self.step, self.batch) if training else (self.infer, self.infer_batch)
        start, count, elapsed = time.perf_counter(), 0, 0.0
        while count < least or elapsed < budget:
            run()
            count += 1
            elapsed = time.perf_counter() - start
        return count * per / elapsed


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def serve(b):
    """bench_train --serve's protocol (see bench/bench_train.c): "ready" after a warm-up step,
    then "train S" -> "train IMG/S 0", "infer S" -> "infer IMG/S", "quit" -> "peak MIB"; a request
    of the other kind than the last starts with one untimed step or pass."""
    b.rate(True, 0, 1)
    was_training = True
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] in ("train", "infer"):
            training = words[0] == "train"
            if training != was_training:
                b.rate(training, 0, 1)
                was_training = training
            ips = b.rate(training, float(words[1]), 1)
            print(f"train {ips:.1f} 0" if training else f"infer {ips:.1f}", flush=True)
        elif words == ["quit"]:
            print(f"peak {peak_mib():.0f}", flush=True)
            return
        else:
            print(f"bench_train_pytorch: --serve: unknown request {line.strip()}", file=sys.stderr)
            sys.exit(2)


def one(arch, shape, width, b, budget):
    # One warm-up step (pass), then at least three until the budget is spent.
    b.rate(True, 0, 1)
    train_ips = b.rate(True, budget, 3)
    b.rate(False, 0, 1)
    infer_ips = b.rate(False, budget / 2, 3)
    print(f"{arch:<11} {shape:<8} {width:5.2f} {b.params:11d} {train_ips:11.1f} {infer_ips:10.1f} "
          f"{peak_mib():8.0f}", flush=True)


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
        serve(Bench(a.arch, a.shape, a.width, a.threads, a.batch, a.infer_batch))
        return
    if a.one:
        b = Bench(a.one[0], a.one[1], a.width, a.threads, a.batch, a.infer_batch)
        one(a.one[0], a.one[1], a.width, b, a.seconds)
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
