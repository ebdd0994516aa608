"""Shared fixtures: tiny synthetic data sets that lenet at width 0.25 learns in an epoch."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import classsens as cs  # noqa: E402

CLASSES = ["dark", "top", "left"]


def synthetic(n, seed):
    """n 28×28 images of 3 classes: noise (class 0), a bright top half (1), a bright left half
    (2); labels 0, 1, 2, 0, 1, 2, ..."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % 3).astype(np.int64)
    x = rng.integers(0, 100, (n, 28, 28), dtype=np.uint8)
    x[y == 1, :14, :] += 120
    x[y == 2, :, :14] += 120
    return x, y


@pytest.fixture(scope="session")
def arrays():
    return synthetic(300, 1), synthetic(90, 2)


@pytest.fixture
def train(arrays):
    (x, y), _ = arrays
    with cs.Dataset.from_numpy(x, y, CLASSES) as ds:
        yield ds


@pytest.fixture
def test(arrays):
    _, (x, y) = arrays
    with cs.Dataset.from_numpy(x, y, CLASSES) as ds:
        yield ds
