#!/usr/bin/python3
"""The full safetensors round trip, for every architecture:

    PyTorch -> file -> classsens (safetensors_roundtrip) -> file -> PyTorch

Each model of tests/reference/models_reference.py (at the small shapes and widths of
make_model_fixtures.py) is trained for two SGD steps (so that BatchNorm running statistics
and num_batches_tracked are not their initial values), written with __metadata__
{"format": "pt"} as safetensors.torch.save_file does, loaded and saved again by the C helper,
and read back. Asserted: the same keys in state_dict order, the same dtypes and shapes,
identical tensors (torch.equal, num_batches_tracked included); load_state_dict(strict=True)
accepts the file, and the reloaded model's logits equal the original's exactly; the helper's
logits are within 1e-5 * (1 + |x|) of PyTorch's, with identical predictions.

    safetensors_roundtrip.py HELPER

Exit status 77 (ctest's "Skipped"), with the reason, when this interpreter has no torch.
"""
import os
import struct
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"skipped: {sys.executable} cannot import torch ({e}); install python3-torch")
    sys.exit(77)

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, os.path.join(HERE, "fixtures", "safetensors"))
import models_reference as ref  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

torch.set_num_threads(1)

# arch, C, H, W, width, seed (make_model_fixtures.py's shapes and widths); K = 10.
CASES = [
    ("lenet", 1, 12, 12, 0.5, 1),
    ("resnet18", 3, 16, 16, 0.04, 3),
    ("unresnet18", 3, 12, 12, 0.04, 2),
    ("googlenet", 3, 8, 8, 0.05, 2),
    ("custom", 3, 14, 14, 0.2, 1),
    ("vgg11", 1, 36, 36, 0.04, 3),
    ("mobilenetv2", 3, 32, 32, 0.05, 1),
]
K, N, TOL = 10, 5, 1e-5


def check(helper, tmp, arch, c, h, w, width, seed):
    torch.manual_seed(seed)
    model = ref.make(arch, c, h, w, K, width)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x, y = torch.randn(6, c, h, w), torch.randint(0, K, (6,))
    model.train()
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    sd = model.state_dict()
    a, b = os.path.join(tmp, arch + ".a.safetensors"), os.path.join(tmp, arch + ".b.safetensors")
    xin, yout = os.path.join(tmp, arch + ".x"), os.path.join(tmp, arch + ".y")
    save_file(sd, a, {"format": "pt"})
    inputs = torch.randn(N, c, h, w)
    with open(xin, "wb") as f:
        f.write(struct.pack("<I", N) + inputs.numpy().tobytes())
    subprocess.run([helper, a, b, xin, yout, arch, str(c), str(h), str(w), str(K), repr(width)], check=True)

    back, meta = load_file(b)
    assert meta["format"] == "classsens" and meta["arch"] == arch, meta
    assert list(back) == list(sd), f"{arch}: keys or their order differ"
    for name, t in sd.items():
        u = back[name]
        assert u.dtype == t.dtype and u.shape == t.shape, f"{arch}: {name}: {u.dtype} {u.shape} vs {t.dtype} {t.shape}"
        assert torch.equal(u, t), f"{arch}: {name} differs"
    fresh = ref.make(arch, c, h, w, K, width)
    fresh.load_state_dict(back, strict=True)
    fresh.eval()
    with torch.no_grad():
        want, again = model(inputs), fresh(inputs)
    assert torch.equal(want, again), f"{arch}: the reloaded model's logits differ"
    with open(yout, "rb") as f:
        ours = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(N, K)
    err = ((ours - want).abs() / (1 + want.abs())).max().item()
    assert err <= TOL, f"{arch}: classsens logits differ from PyTorch's by {err:.3g} (relative)"
    assert torch.equal(ours.argmax(1), want.argmax(1)), f"{arch}: predictions differ"
    print(f"{arch}: {len(sd)} tensors identical after the round trip; logits within {err:.2g}, same predictions")


def main():
    helper = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            check(helper, tmp, *case)


if __name__ == "__main__":
    main()
