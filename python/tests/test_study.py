"""Study.run and Results: 2 models x 2 conditions x 1 replicate on the synthetic data."""
import os
import subprocess
import sys

import numpy as np
import pytest

import classsens as cs

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _study(train, test):
    s = cs.Study(train, test, "synthetic", replicates=1, seed=4, jobs=1)
    s.add_model("lenet", 0.25, epochs=1, lr=0.05, batch_size=32)
    s.add_model("lenet", 0.5, epochs=1, lr=0.05, batch_size=32)
    s.add_condition("shuffle:0.3")
    return s


@pytest.fixture(scope="module")
def store(tmp_path_factory, arrays):
    from conftest import CLASSES
    (x, y), (tx, ty) = arrays
    out = tmp_path_factory.mktemp("study") / "store"
    events = []
    with cs.Dataset.from_numpy(x, y, CLASSES) as train, \
            cs.Dataset.from_numpy(tx, ty, CLASSES) as test, _study(train, test) as s:
        assert s.num_cells == 4
        with s.run(out, progress=events.append) as r:
            assert r.models == ["lenet:0.25", "lenet:0.5"]
        again = []
        s.run(out, progress=again.append).close()
    return out, events, again


def test_run_reports_every_cell(store):
    _, events, again = store
    finished = [e for e in events if e["kind"] == "finished"]
    assert len(finished) == 4
    assert {(e["model"], e["condition"]) for e in finished} == {
        (m, c) for m in ("lenet:0.25", "lenet:0.5") for c in ("baseline", "shuffle:0.3")}
    assert finished[-1]["cells_finished"] == 4
    assert [e["kind"] for e in again] == ["skipped"] * 4


def test_cells(store):
    out, events, _ = store
    with cs.Results(out) as r:
        assert r.data_name == "synthetic"
        assert r.conditions == ["baseline", "shuffle:0.3"]
        assert r.class_names == ["dark", "top", "left"]
        cells = r.cells()
        assert len(cells) == 4
        assert set(cells["family"]) == {"baseline", "noise"}
        assert cells["train_size"].tolist() == [300] * 4
        noisy = cells[cells["condition"] == "shuffle:0.3"]
        assert (noisy["changed"] > 0).all() and (noisy["level"] == 0.3).all()
        acc = {(e["model"], e["condition"]): e["test_accuracy"] for e in events
               if e["kind"] == "finished"}
        for row in cells.itertuples():
            assert row.test_accuracy == acc[(row.model, row.condition)]
            cm = r.confusion(row.model, row.condition)
            assert cm.sum() == 90
            assert np.trace(cm) / 90 == pytest.approx(row.test_accuracy)


def test_class_accuracy_and_relative_confusion(store):
    out, _, _ = store
    with cs.Results(out) as r:
        ca = r.class_accuracy()
        assert len(ca) == 2 * 2 * 3
        assert ca["lo"].isna().all()  # one replicate: no interval
        for (m, c), g in ca.groupby(["model", "condition"]):
            cm = r.confusion(m, c)
            assert g.sort_values("class")["mean"].to_numpy() == pytest.approx(
                np.diag(cm) / cm.sum(axis=1))
        rel = r.relative_confusion("lenet:0.25", "shuffle:0.3")
        base, pert = r.confusion("lenet:0.25", "baseline"), r.confusion("lenet:0.25",
                                                                         "shuffle:0.3")
        expect = pert / pert.sum(1, keepdims=True) - base / base.sum(1, keepdims=True)
        assert rel == pytest.approx(expect)
        with pytest.raises(cs.NotFound, match="nosuch"):
            r.confusion("nosuch", "baseline")


def test_agreement(store):
    out, _, _ = store
    with cs.Results(out) as r:
        ag = r.agreement(top_k=1)
        assert len(ag) == 1
        row = ag.iloc[0]
        assert (row.condition, row.model_a, row.model_b) == ("shuffle:0.3", "lenet:0.25",
                                                             "lenet:0.5")
        assert 0 <= row.kendall_w <= 1 or np.isnan(row.kendall_w)
        assert row.jaccard in (0.0, 1.0)


def test_study_errors(train, test):
    with cs.Study(train, test, "synthetic", replicates=1) as s:
        with pytest.raises(cs.Error):
            s.add_model("nosuchnet", 1.0)
        with pytest.raises(cs.InvalidArgument):
            s.add_condition("bogus:0.1")
    with pytest.raises(cs.Error):
        cs.Study(train, test, "synthetic", replicates=0)


def test_example_script_with_a_tiny_profile(tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), CLASSSENS_EXAMPLE_TINY="1",
               MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", "study.py"),
                        str(tmp_path / "store"), str(tmp_path / "rel.png")], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    png = (tmp_path / "rel.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert "relative confusion" in r.stdout


def test_quick_profile_has_the_cells_of_classsens_study(train, test):
    # 5 models x (baseline, shuffle:0.3, two reductions, two grid cells) x 3 replicates: the
    # 90 cells of `classsens study --profile quick` (subsets off: the synthetic set is small)
    profile = dict(cs.QUICK_PROFILE, train_subset=0, test_subset=0)
    with cs.Study.quick(train, test, profile=profile) as s:
        assert s.num_cells == 90
    with pytest.raises(cs.OutOfRange, match="training subset of 7000 records"):
        cs.Study.quick(train, test)
