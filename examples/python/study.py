#!/usr/bin/python3
"""The quick study from Python: run the quick profile of `classsens study` on Fashion-MNIST
through classsens.Study, look at its tables, and plot the relative confusion matrix of one
model under 30 % label noise (noisy minus clean, row-normalised) into a PNG.

    PYTHONPATH=python /usr/bin/python3 examples/python/study.py [STORE_DIR] [PNG]

The defaults are ./classsens-quick-py and ./relative_confusion.png. The store is resumable:
run it again and finished cells are skipped. The whole quick profile takes minutes (docs/study.md
has the measurements); CLASSSENS_EXAMPLE_TINY=1 runs a tiny one instead (two small models, one
replicate, a few hundred records; synthetic images when Fashion-MNIST is not installed) in
seconds, which is what the test suite does.
"""
import os
import sys

import numpy as np

import classsens as cs

# %% The data and the profile
store = sys.argv[1] if len(sys.argv) > 1 else "classsens-quick-py"
png = sys.argv[2] if len(sys.argv) > 2 else "relative_confusion.png"
tiny = os.environ.get("CLASSSENS_EXAMPLE_TINY", "") not in ("", "0")

profile = cs.QUICK_PROFILE
if tiny:
    profile = {"train_subset": 600, "test_subset": 200, "replicates": 1, "batch_size": 32,
               "models": [("lenet", 0.5, 1, 0.05), ("custom", 0.25, 1, 0.03)],
               "noise": ["shuffle:0.3"], "reduce": ["reduce:uniform:0.5"], "grid": False}
fmnist = os.environ.get("CLASSSENS_FASHION_MNIST_DIR",
                        "/usr/share/datasets/fashion-mnist")
if os.path.isdir(fmnist) or not tiny:
    train, test = cs.Dataset.fashion_mnist("train"), cs.Dataset.fashion_mnist("test")
    data_name = "fashion-mnist"
else:
    rng = np.random.default_rng(0)
    y = np.arange(1200) % 10
    x = rng.integers(0, 80, (1200, 28, 28), dtype=np.uint8)
    for k in range(10):  # class k: a bright band at row 2k..2k+8
        x[y == k, 2 * k:2 * k + 8, :] += 150
    train = cs.Dataset.from_numpy(x[:900], y[:900], ["band%d" % k for k in range(10)])
    test = cs.Dataset.from_numpy(x[900:], y[900:], train.class_names)
    data_name = "synthetic-bands"

# %% Run it (resumable), one line per cell on stderr
with cs.Study.quick(train, test, data_name, profile=profile) as study:
    print("%d cells into %s" % (study.num_cells, store))
    results = study.run(store, progress=True)

# %% The tables
cells = results.cells()
print(cells.groupby(["model", "condition"])["test_accuracy"].mean().unstack().round(4))
acc = results.class_accuracy()
print(acc.pivot_table(index="class_name", columns=["model", "condition"], values="mean").round(3))
print(results.agreement())

# %% One relative confusion matrix: the first model, 30 % shuffled labels against the baseline
model = results.models[0]
rel = results.relative_confusion(model, "shuffle:0.3")
names = results.class_names

import matplotlib  # noqa: E402
matplotlib.use(os.environ.get("MPLBACKEND", "Agg"))
import matplotlib.pyplot as plt  # noqa: E402

lim = np.nanmax(np.abs(rel)) or 1.0
fig, ax = plt.subplots(figsize=(7, 6))
im = ax.imshow(rel, cmap="RdBu_r", vmin=-lim, vmax=lim)
ax.set_xticks(range(len(names)), names, rotation=60, ha="right")
ax.set_yticks(range(len(names)), names)
ax.set_xlabel("predicted")
ax.set_ylabel("true")
ax.set_title("%s: shuffle:0.3 minus baseline (row shares)" % model)
fig.colorbar(im, ax=ax, label="change of the share of the true class")
fig.tight_layout()
fig.savefig(png, dpi=100)
print("relative confusion of %s under shuffle:0.3 written to %s" % (model, png))
results.close()
