"""Loading the library and the error classes."""
import os
import subprocess
import sys

import numpy as np
import pytest

import classsens as cs

HERE = os.path.dirname(os.path.abspath(__file__))


def test_version_and_architectures():
    assert cs.version().count(".") == 2
    assert cs.library_path().endswith("libclasssens.so.1") or ".so" in cs.library_path()
    assert {"lenet", "resnet18", "custom"} <= set(cs.architectures())


def _run(code, **env):
    e = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."), **env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True)


def test_explicit_path_that_does_not_exist_lists_what_was_tried():
    r = _run("import classsens; classsens.version()", CLASSSENS_LIBRARY="/nonexistent/libx.so")
    assert r.returncode != 0
    assert "$CLASSSENS_LIBRARY: /nonexistent/libx.so" in r.stderr
    assert "cannot load libclasssens.so.1" in r.stderr


def test_environment_variable_names_the_library():
    r = _run("import classsens; print(classsens.library_path())",
             CLASSSENS_LIBRARY=cs.library_path())
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == cs.library_path()


def test_every_status_has_its_class():
    L = cs._L()
    names = set()
    for code in range(-14, 0):
        cls = cs._ERRORS[code]
        assert issubclass(cls, cs.Error)
        name = cs._str(L.cs_status_str(code))
        assert cls.__doc__.strip() == name + "."
        names.add(cls)
    assert len(names) == 14


def test_error_carries_status_and_message():
    x = np.zeros((4, 8, 8), np.uint8)
    with pytest.raises(cs.OutOfRange) as e:
        cs.Dataset.from_numpy(x, [0, 1, 7, 0], num_classes=3)
    assert e.value.status == "CS_ERR_OUT_OF_RANGE"
    assert e.value.code == -9
    assert "labels[2] is 7" in e.value.message
    assert isinstance(e.value, ValueError)
    with pytest.raises(cs.NotFound) as e:
        cs.Results("/nonexistent/store")
    assert "/nonexistent/store" in e.value.message
    assert isinstance(e.value, FileNotFoundError)


def test_perturbation_spec_errors():
    with cs.Dataset.from_numpy(np.zeros((10, 8, 8), np.uint8), np.arange(10) % 2) as ds:
        with pytest.raises(cs.InvalidArgument, match='unknown kind "bogus"'):
            cs.perturb(ds, "bogus:1")
        with pytest.raises(cs.OutOfRange, match="noise rate 2 is outside"):
            cs.perturb(ds, "shuffle:2")


def test_closed_objects_refuse_calls():
    ds = cs.Dataset.from_numpy(np.zeros((4, 8, 8), np.uint8), [0, 1, 0, 1])
    ds.close()
    ds.close()
    with pytest.raises(cs.StateError):
        len(ds)
