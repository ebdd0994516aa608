#!/usr/bin/python3
"""One pair of bench/pair_pytorch.sh measured in alternating bursts (--interleave).

    /usr/bin/python3 bench/interleave.py --bursts K --seconds S OURS... -- THEIRS... [-- DEFAULT...]

Starts each command (bench_train and bench_train_pytorch.py with --serve 1, and optionally ours
with the default thread count) once, lets each build its model and take a warm-up step, then
asks them in turn for a burst of S seconds of training, K times, reversing the order every
other time (ours, PyTorch, default; then default, PyTorch, ours; ...) so that neither side
always runs right after the other. Each ratio compares two bursts measured seconds apart, so a
host whose speed drifts by tens of percent within minutes (other tenants' jobs) moves both
sides of a ratio together. Then one inference burst each, and their peak resident memory.

Prints one line in pair_pytorch.sh's row format:
    OURS_TRAIN PYTORCH_TRAIN RATIO | OURS_INFER PYTORCH_INFER | OURS_PEAK PYTORCH_PEAK [| DEFAULT_TRAIN DEFAULT_RATIO, DEFAULT_INFER]
the training rates the medians of the K bursts, the ratios the medians of the K bursts' ratios;
and, on standard error, every burst. Only Python's standard library: it runs where
bench_train_pytorch.py runs.
"""
import argparse
import statistics
import subprocess
import sys


class Side:
    def __init__(self, argv):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.expect("ready")

    def expect(self, word):
        line = self.proc.stdout.readline()
        if not line.startswith(word):
            self.proc.kill()
            sys.exit(f"interleave: {self.argv[0]} answered {line.strip()!r}, expected {word!r}")
        return line.split()[1:]

    def send(self, request):
        try:
            self.proc.stdin.write(request + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            sys.exit(f"interleave: {self.argv[0]} ended before {request!r} (status {self.proc.wait()})")

    def ask(self, request, word):
        self.send(request)
        return float(self.expect(word)[0])

    def finish(self):
        self.send("quit")
        peak = float(self.expect("peak")[0])
        self.proc.wait()
        return peak


def main():
    ap = argparse.ArgumentParser(usage=__doc__.splitlines()[2].strip())
    ap.add_argument("--bursts", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("commands", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    words = a.commands[1:] if a.commands and a.commands[0] == "--" else a.commands
    groups, cur = [], []
    for w in words:
        if w == "--":
            groups.append(cur)
            cur = []
        else:
            cur.append(w)
    groups.append(cur)
    if a.bursts < 1 or not a.seconds >= 0 or len(groups) not in (2, 3) or not all(groups):
        sys.exit("interleave: want --bursts >= 1, --seconds >= 0 (0: one step a burst) and two or three "
                 "commands separated by --")
    sides = [Side(g) for g in groups]  # ours, PyTorch, [ours with the default threads]
    rates = [[] for _ in sides]
    for k in range(a.bursts):
        order = range(len(sides)) if k % 2 == 0 else reversed(range(len(sides)))
        for i in order:
            rates[i].append(sides[i].ask(f"train {a.seconds}", "train"))
        print("interleave: burst", k + 1, "train img/s", " ".join(f"{r[k]:.1f}" for r in rates), file=sys.stderr)
    infer = [s.ask(f"infer {a.seconds}", "infer") for s in sides]
    peaks = [s.finish() for s in sides]
    med = [statistics.median(r) for r in rates]
    ratio = statistics.median(o / p for o, p in zip(rates[0], rates[1]))
    line = f"{med[0]:.1f} {med[1]:.1f} {ratio:.2f} | {infer[0]:.1f} {infer[1]:.1f} | {peaks[0]:.0f} {peaks[1]:.0f}"
    if len(sides) == 3:
        d_ratio = statistics.median(d / p for d, p in zip(rates[2], rates[1]))
        line += f" | {med[2]:.1f} {d_ratio:.2f}, {infer[2]:.1f}"
    print(line, flush=True)


if __name__ == "__main__":
    main()
