"""classsens: Python bindings of libclasssens (cffi, ABI mode; NumPy in, NumPy/pandas out).

    import classsens as cs
    train = cs.Dataset.from_numpy(images, labels, class_names)
    noisy, report = cs.perturb(train, "shuffle:0.3", seed=1)
    model = cs.Model("lenet", train.shape, train.num_classes, width=0.25)
    model.fit(noisy, epochs=1)
    pred = model.predict(images)

See docs/python.md. Every failure of the C library raises a subclass of classsens.Error
carrying .status (the status name, e.g. "CS_ERR_OUT_OF_RANGE") and .message (cs_last_error()).
"""
import os
import sys
import weakref
from collections import OrderedDict

import numpy as np

from ._lib import ffi, open_library

__all__ = [
    "Error", "InvalidArgument", "OutOfMemory", "IoError", "NotFound", "Format", "Truncated",
    "Corrupt", "SizeMismatch", "OutOfRange", "Overflow", "Unsupported", "Diverged",
    "Cancelled", "StateError", "Dataset", "PerturbReport", "perturb", "Model", "Study",
    "Results", "load_library", "library_path", "version", "architectures", "QUICK_PROFILE",
]

_lib = None
_lib_path = None


def load_library(path=None):
    """Open libclasssens (see classsens._lib.open_library for the search order). Called on
    first use with no argument; call it first with a path to choose the library."""
    global _lib, _lib_path
    if _lib is None or path is not None:
        _lib, _lib_path = open_library(path)
    return _lib


def _L():
    return _lib if _lib is not None else load_library()


def library_path():
    """The path the library was opened from."""
    _L()
    return _lib_path


def version():
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return ffi.string(_L().cs_version_string()).decode()


def architectures():
    """The architecture names the library builds."""
    L = _L()
    return [ffi.string(L.cs_model_arch_name(i)).decode() for i in range(L.cs_model_arch_count())]


# ---- errors -----------------------------------------------------------------------------------

class Error(Exception):
    """A libclasssens failure: .code (the int status), .status (its name), .message."""

    def __init__(self, code, status, message):
        super().__init__("%s: %s" % (status, message))
        self.code = code
        self.status = status
        self.message = message


class InvalidArgument(Error, ValueError):
    """CS_ERR_INVALID_ARGUMENT."""


class OutOfMemory(Error, MemoryError):
    """CS_ERR_OUT_OF_MEMORY."""


class IoError(Error, OSError):
    """CS_ERR_IO."""


class NotFound(Error, FileNotFoundError):
    """CS_ERR_NOT_FOUND."""


class Format(Error, ValueError):
    """CS_ERR_FORMAT."""


class Truncated(Error, ValueError):
    """CS_ERR_TRUNCATED."""


class Corrupt(Error, ValueError):
    """CS_ERR_CORRUPT."""


class SizeMismatch(Error, ValueError):
    """CS_ERR_SIZE_MISMATCH."""


class OutOfRange(Error, ValueError):
    """CS_ERR_OUT_OF_RANGE."""


class Overflow(Error, OverflowError):
    """CS_ERR_OVERFLOW."""


class Unsupported(Error):
    """CS_ERR_UNSUPPORTED."""


class Diverged(Error, ArithmeticError):
    """CS_ERR_DIVERGED."""


class Cancelled(Error):
    """CS_ERR_CANCELLED."""


class StateError(Error):
    """CS_ERR_STATE."""


_ERRORS = {-1: InvalidArgument, -2: OutOfMemory, -3: IoError, -4: NotFound, -5: Format,
           -6: Truncated, -7: Corrupt, -8: SizeMismatch, -9: OutOfRange, -10: Overflow,
           -11: Unsupported, -12: Diverged, -13: Cancelled, -14: StateError}


def _raise(rc):
    L = _L()
    status = ffi.string(L.cs_status_str(rc)).decode()
    message = ffi.string(L.cs_last_error()).decode("utf-8", "replace")
    raise _ERRORS.get(rc, Error)(rc, status, message)


def _check(rc):
    if rc < 0:
        _raise(rc)
    return rc


def _str(p):
    return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")


def _bytes(s):
    return s.encode() if isinstance(s, str) else bytes(s)


def _path(p):
    return os.fsencode(os.fspath(p))


# ---- data sets --------------------------------------------------------------------------------

def _to_nchw(images):
    """uint8 N×C×H×W, C-contiguous, from N×H×W, N×H×W×C or N×C×H×W (C = 1 or 3), following
    CS_LAYOUT_AUTO's rules. Returns the input itself when it already is (no copy)."""
    a = np.asarray(images)
    if a.dtype != np.uint8:
        if a.dtype.kind not in "iub":
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                                  "images: dtype %s, expected uint8 (0..255)" % a.dtype)
        if a.size and (a.min() < 0 or a.max() > 255):
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                                  "images: values outside 0..255 (dtype %s)" % a.dtype)
        a = a.astype(np.uint8)
    if a.ndim == 3:
        a = a[:, None, :, :]
    elif a.ndim == 4:
        last = a.shape[3] in (1, 3)
        second = a.shape[1] in (1, 3)
        if last and not second:
            a = a.transpose(0, 3, 1, 2)
        elif not (second and not last):
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                                  "images: shape %s is ambiguous or has no channel axis of 1 or "
                                  "3 (N×H×W, N×H×W×C or N×C×H×W)" % (a.shape,))
    else:
        raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                              "images: %d dimensions, expected 3 or 4" % a.ndim)
    return np.ascontiguousarray(a)


class _Owned:
    """A Python object that owns one library handle (self._h): freed by close() (idempotent),
    when the object is collected or at the end of a with block; using it afterwards raises
    StateError with the subclass's _closed message. _destroy names the cs_*_destroy function."""

    _closed = "the object is closed"
    _destroy = None

    def _handle(self):
        if getattr(self, "_h", None) is None:
            raise StateError(-14, "CS_ERR_STATE", self._closed)
        return self._h

    def close(self):
        """Free the C object (idempotent)."""
        if getattr(self, "_h", None) is not None and _lib is not None:
            getattr(_lib, self._destroy)(self._h)
        self._h = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Dataset(_Owned):
    """A libclasssens data set (cs_dataset). Close it with .close() or a with block; a view
    (from perturb()) keeps its parent alive."""

    _closed = "the data set is closed"
    _destroy = "cs_dataset_destroy"

    def __init__(self, handle, parent=None):
        self._h = handle
        self._parent = parent

    @classmethod
    def from_numpy(cls, images, labels, class_names=None, num_classes=None):
        """From uint8 images (N×H×W, N×H×W×C or N×C×H×W; C = 1 or 3) and N integer labels.
        A uint8 C-contiguous N×C×H×W array is handed to the library as it is (no copy in
        Python); the library keeps its own copy, so the arrays may change afterwards.
        num_classes: K (default: len(class_names), else max(label) + 1, at least 2)."""
        L = _L()
        x = _to_nchw(images)
        y = np.ascontiguousarray(np.asarray(labels), dtype=np.int32)
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise SizeMismatch(-8, "CS_ERR_SIZE_MISMATCH",
                               "labels: shape %s for %d images" % (y.shape, x.shape[0]))
        if num_classes is None:
            if class_names is not None:
                num_classes = len(class_names)
            else:
                num_classes = max(2, int(y.max()) + 1 if y.size else 2)
        out = ffi.new("cs_dataset **")
        _check(L.cs_dataset_from_memory(out, ffi.from_buffer("uint8_t[]", x),
                                        ffi.from_buffer("int32_t[]", y), x.shape[0], x.shape[1],
                                        x.shape[2], x.shape[3], int(num_classes)))
        ds = cls(out[0])
        if class_names is not None:
            ds.set_class_names(class_names)
        return ds

    @classmethod
    def fashion_mnist(cls, split="train", dir=None):
        """Fashion-MNIST's "train" or "test" split from dir (default $CLASSSENS_FASHION_MNIST_DIR,
        else /usr/share/datasets/fashion-mnist)."""
        if split not in ("train", "test"):
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                                  "split: '%s', expected 'train' or 'test'" % split)
        out = ffi.new("cs_dataset **")
        _check(_L().cs_dataset_open_fashion_mnist(out, ffi.NULL if dir is None else _path(dir),
                                                  0 if split == "train" else 1))
        return cls(out[0])

    @classmethod
    def folder(cls, root, split="train", size=None, channels="auto", alpha="drop", test_fraction=0.0,
               seed=0, skip_bad=False, follow_symlinks=True, threads=0, report=None):
        """An image folder in torchvision's ImageFolder layout (root/<class>/*.png|*.jpg|*.jpeg,
        classes in sorted order), cs_dataset_open_folder: the "train" or "test" split of
        root/train + root/test, or of a seeded stratified split of root by test_fraction.
        size: (width, height) to resize every image to (None: all must share one size);
        channels: "auto", "gray" or "rgb"; alpha: "drop" or "black"; skip_bad: skip (and count)
        undecodable or non-image files instead of failing. A dict passed as report receives
        files, loaded, skipped and the messages of the first skipped files."""
        if split not in ("train", "test"):
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                                  "split: '%s', expected 'train' or 'test'" % split)
        chans = {"auto": 0, "gray": 1, "rgb": 2}
        alphas = {"drop": 0, "black": 1}
        if channels not in chans:
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                                  "channels: '%s', expected 'auto', 'gray' or 'rgb'" % channels)
        if alpha not in alphas:
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT", "alpha: '%s', expected 'drop' or 'black'" % alpha)
        L = _L()
        opts = ffi.new("cs_folder_options *")
        _check(L.cs_folder_options_init(opts))
        if size is not None:
            opts.width, opts.height = int(size[0]), int(size[1])
        opts.channels = chans[channels]
        opts.alpha = alphas[alpha]
        opts.test_fraction = float(test_fraction)
        opts.seed = int(seed)
        opts.skip_bad = 1 if skip_bad else 0
        opts.follow_symlinks = 1 if follow_symlinks else 0
        opts.threads = int(threads)
        rep = ffi.new("cs_folder_report *")
        opts.report = rep
        out = ffi.new("cs_dataset **")
        rc = L.cs_dataset_open_folder(out, _path(root), 0 if split == "train" else 1, opts)
        if report is not None:
            report.clear()
            report.update(files=rep.files, loaded=rep.loaded, skipped=rep.skipped,
                          first_skipped=[ffi.string(rep.first_skipped[i]).decode("utf-8", "replace")
                                         for i in range(min(rep.skipped, 4))])
        _check(rc)
        return cls(out[0])

    def close(self):
        """Free the C data set (idempotent) and let go of the parent of a view."""
        super().close()
        self._parent = None

    def __len__(self):
        return _L().cs_dataset_size(self._handle())

    @property
    def num_classes(self):
        return _L().cs_dataset_num_classes(self._handle())

    @property
    def shape(self):
        """(C, H, W) of every image."""
        c, h, w = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
        _check(_L().cs_dataset_shape(c, h, w, self._handle()))
        return (c[0], h[0], w[0])

    @property
    def labels(self):
        """The N labels (a copy, int32)."""
        n = len(self)
        p = _L().cs_dataset_labels(self._handle())
        return np.frombuffer(ffi.buffer(p, 4 * n), dtype=np.int32).copy()

    @property
    def class_names(self):
        L = _L()
        return [_str(L.cs_dataset_class_name(self._handle(), k)) for k in range(self.num_classes)]

    def set_class_names(self, names):
        names = list(names)
        keep = [ffi.new("char[]", _bytes(n)) for n in names]
        _check(_L().cs_dataset_set_class_names(self._handle(), ffi.new("const char *[]", keep),
                                               len(names)))

    def class_counts(self):
        k = self.num_classes
        counts = np.zeros(k, dtype=np.uintp)
        _check(_L().cs_dataset_class_counts(ffi.from_buffer("size_t[]", counts), k,
                                            self._handle()))
        return counts.astype(np.int64)

    def images(self):
        """All images as a new uint8 array N×C×H×W."""
        L = _L()
        n = len(self)
        c, h, w = self.shape
        out = np.empty((n, c, h, w), dtype=np.uint8)
        size = c * h * w
        flat = out.reshape(n, size)
        for i in range(n):
            flat[i] = np.frombuffer(ffi.buffer(L.cs_dataset_image(self._handle(), i), size),
                                    dtype=np.uint8)
        return out

    def source_indices(self):
        """For each record, its index in the data set it was drawn from (itself if none)."""
        L = _L()
        h = self._handle()
        return np.array([L.cs_dataset_source_index(h, i) for i in range(len(self))],
                        dtype=np.int64)

    def __repr__(self):
        if self._h is None:
            return "<classsens.Dataset closed>"
        return "<classsens.Dataset %d records, %s, %d classes>" % (len(self), self.shape,
                                                                  self.num_classes)


# ---- perturbations ----------------------------------------------------------------------------

def _parse_spec(text):
    out = ffi.new("cs_perturb_spec **")
    _check(_L().cs_perturb_spec_parse(out, _bytes(text)))
    return ffi.gc(out[0], _L().cs_perturb_spec_destroy)


def perturb(ds, spec, seed=0):
    """Apply a perturbation ("shuffle:0.3", "reduce:uniform:0.5", ... as cs_perturb_spec_parse()
    reads them) to ds with a seed. Returns (view, report): a Dataset view of ds and a dict with
    size_before, size_after, selected, changed, flip_rate, class_counts_before/after (arrays of
    K) and transitions (K×K array, [true][noisy])."""
    L = _L()
    s = _parse_spec(spec)
    out = ffi.new("cs_dataset **")
    rep = ffi.new("cs_perturb_report **")
    _check(L.cs_perturb_apply(out, rep, ds._handle(), s, int(seed)))
    view = Dataset(out[0], parent=ds)
    r = rep[0]
    try:
        k = ds.num_classes
        before = np.zeros(k, dtype=np.uintp)
        after = np.zeros(k, dtype=np.uintp)
        _check(L.cs_perturb_report_class_counts(ffi.from_buffer("size_t[]", before),
                                                ffi.from_buffer("size_t[]", after), k, r))
        trans = np.zeros(k * k, dtype=np.uintp)
        _check(L.cs_perturb_report_transitions(ffi.from_buffer("size_t[]", trans), k, r))
        report = {
            "spec": spec,
            "seed": int(seed),
            "size_before": int(L.cs_perturb_report_size_before(r)),
            "size_after": int(L.cs_perturb_report_size_after(r)),
            "selected": int(L.cs_perturb_report_selected(r)),
            "changed": int(L.cs_perturb_report_changed(r)),
            "flip_rate": float(L.cs_perturb_report_flip_rate(r)),
            "class_counts_before": before.astype(np.int64),
            "class_counts_after": after.astype(np.int64),
            "transitions": trans.astype(np.int64).reshape(k, k),
        }
    finally:
        L.cs_perturb_report_destroy(r)
    return view, report


# ---- models -----------------------------------------------------------------------------------

_SCHEDULES = {"constant": 0, "step": 1, "cosine": 2}


def _train_options(epochs=1, batch_size=64, lr=0.0, momentum=0.9, weight_decay=5e-4,
                   nesterov=False, schedule="cosine", step_size=30, gamma=0.1, warmup_epochs=0,
                   crop_padding=0, horizontal_flip=False, seed=0, threads=0):
    """A cs_train_options from keywords (crop_padding and horizontal_flip default to off here,
    unlike the C defaults 4 and on, because NumPy data are often small synthetic images)."""
    if schedule not in _SCHEDULES:
        raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT",
                              "schedule: '%s', expected one of %s" % (schedule,
                                                                      ", ".join(_SCHEDULES)))
    t = ffi.new("cs_train_options *")
    _check(_L().cs_train_options_init(t))
    t.epochs = int(epochs)
    t.batch_size = int(batch_size)
    t.lr = float(lr)
    t.momentum = float(momentum)
    t.weight_decay = float(weight_decay)
    t.nesterov = 1 if nesterov else 0
    t.schedule = _SCHEDULES[schedule]
    t.step_size = int(step_size)
    t.gamma = float(gamma)
    t.warmup_epochs = int(warmup_epochs)
    t.crop_padding = int(crop_padding)
    t.horizontal_flip = 1 if horizontal_flip else 0
    t.seed = int(seed)
    t.threads = int(threads)
    return t


class Model(_Owned):
    """A network (cs_model): Model(arch, (C, H, W), num_classes, width=1.0, seed=0)."""

    _closed = "the model is closed"
    _destroy = "cs_model_destroy"

    def __init__(self, arch, shape, num_classes, width=1.0, seed=0, threads=None, _handle=None):
        self._h = None
        L = _L()
        if _handle is None:
            opts = ffi.new("cs_model_options *")
            _check(L.cs_model_options_init(opts))
            opts.width = float(width)
            opts.seed = int(seed)
            out = ffi.new("cs_model **")
            c, h, w = shape
            _check(L.cs_model_create(out, _bytes(arch), int(c), int(h), int(w), int(num_classes),
                                     opts))
            _handle = out[0]
        self._h = _handle
        if threads is not None:
            _check(L.cs_model_set_threads(self._h, int(threads)))

    @classmethod
    def load(cls, path):
        """A model saved with save()."""
        out = ffi.new("cs_model **")
        _check(_L().cs_model_load(out, _path(path)))
        return cls(None, None, None, _handle=out[0])

    def save(self, path):
        _check(_L().cs_model_save(self._handle(), _path(path)))

    @classmethod
    def load_safetensors(cls, path, arch=None, shape=None, num_classes=None, width=1.0,
                         ignore_extra=False):
        """A model from a safetensors file (cs_model_load_safetensors).

        A file written by save_safetensors() describes its model; one written by PyTorch
        (safetensors.torch.save_file of a state_dict) does not, so name it: arch, shape (C, H, W)
        and num_classes (and width when not 1). ignore_extra skips tensors the model lacks."""
        opts = ffi.new("cs_safetensors_options *")
        _check(_L().cs_safetensors_options_init(opts))
        keep = None
        if arch is not None:
            if shape is None or num_classes is None:
                raise ValueError("load_safetensors: with arch, give shape (C, H, W) and num_classes")
            keep = ffi.new("char[]", _bytes(arch))
            opts.arch = keep
            opts.c, opts.h, opts.w = (int(v) for v in shape)
            opts.num_classes = int(num_classes)
            opts.width = float(width)
        elif shape is not None or num_classes is not None:
            raise ValueError("load_safetensors: shape and num_classes go with arch")
        opts.ignore_extra = 1 if ignore_extra else 0
        out = ffi.new("cs_model **")
        _check(_L().cs_model_load_safetensors(out, _path(path), opts))
        return cls(None, None, None, _handle=out[0])

    def save_safetensors(self, path):
        """The weights as a safetensors file, named as PyTorch's state_dict, with the metadata
        that load_safetensors() rebuilds the model from (cs_model_save_safetensors)."""
        _check(_L().cs_model_save_safetensors(self._handle(), _path(path)))

    @property
    def arch(self):
        return _str(_L().cs_model_arch(self._handle()))

    @property
    def num_classes(self):
        return _L().cs_model_num_classes(self._handle())

    @property
    def shape(self):
        c, h, w = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
        _check(_L().cs_model_input_shape(c, h, w, self._handle()))
        return (c[0], h[0], w[0])

    @property
    def num_params(self):
        return int(_L().cs_model_num_params(self._handle()))

    def _dataset(self, x, y=None):
        if isinstance(x, Dataset):
            return x, False
        if y is None:
            y = np.zeros(len(x), dtype=np.int32)
        return Dataset.from_numpy(x, y, num_classes=self.num_classes), True

    def fit(self, x, y=None, progress=None, **train):
        """Train on a Dataset, or on NumPy images x with labels y. Keywords as cs_train_options
        (epochs, batch_size, lr, momentum, weight_decay, nesterov, schedule, step_size, gamma,
        warmup_epochs, crop_padding, horizontal_flip, seed, threads). progress: a callable
        given a dict per epoch (epoch, epochs, loss, accuracy, lr, seconds); returning False
        stops training (classsens.Cancelled). Returns the list of those dicts."""
        L = _L()
        if not isinstance(x, Dataset) and y is None:
            raise InvalidArgument(-1, "CS_ERR_INVALID_ARGUMENT", "fit: labels y are needed "
                                  "with NumPy images")
        ds, owned = self._dataset(x, y)
        epochs = []
        failure = []

        def on_epoch(rep, _payload):
            e = {"epoch": rep.epoch, "epochs": rep.epochs, "loss": rep.loss,
                 "accuracy": rep.accuracy, "lr": rep.lr, "seconds": rep.seconds}
            epochs.append(e)
            if progress is not None:
                try:
                    if progress(e) is False:
                        return 1
                except BaseException as exc:  # re-raised after the C call returns
                    failure.append(exc)
                    return 1
            return 0

        cb = ffi.callback("int(const cs_epoch_report *, void *)", on_epoch)
        t = _train_options(**train)
        t.progress = cb
        try:
            rc = L.cs_model_train(self._handle(), ds._handle(), t)
        finally:
            if owned:
                ds.close()
        if failure:
            raise failure[0]
        _check(rc)
        return epochs

    def predict(self, x):
        """Predicted classes (int32 array of N) of a Dataset or of NumPy images."""
        ds, owned = self._dataset(x)
        try:
            pred = np.empty(len(ds), dtype=np.int32)
            _check(_L().cs_model_predict(ffi.from_buffer("int32_t[]", pred), self._handle(),
                                         ds._handle()))
        finally:
            if owned:
                ds.close()
        return pred

    def state_dict(self):
        """The named tensors (parameters and running statistics), as float32 NumPy copies."""
        L = _L()
        h = self._handle()
        out = OrderedDict()
        dims = ffi.new("int64_t[8]")
        for i in range(L.cs_model_num_tensors(h)):
            nd = _check(L.cs_model_tensor_shape(dims, 8, h, i))
            shape = tuple(int(dims[d]) for d in range(nd))
            count = int(np.prod(shape)) if shape else 1
            data = L.cs_model_tensor_data(h, i)
            out[_str(L.cs_model_tensor_name(h, i))] = np.frombuffer(
                ffi.buffer(data, 4 * count), dtype=np.float32).reshape(shape).copy()
        return out

    def load_state_dict(self, state):
        """Copy tensors (same names and shapes as state_dict()) into the model."""
        L = _L()
        h = self._handle()
        names = {_str(L.cs_model_tensor_name(h, i)): i for i in range(L.cs_model_num_tensors(h))}
        mine = self.state_dict()
        for name, value in state.items():
            if name not in names:
                raise NotFound(-4, "CS_ERR_NOT_FOUND", "state_dict: no tensor '%s'" % name)
            v = np.ascontiguousarray(value, dtype=np.float32)
            if v.shape != mine[name].shape:
                raise SizeMismatch(-8, "CS_ERR_SIZE_MISMATCH", "state_dict: '%s' has shape %s, "
                                   "the model's is %s" % (name, v.shape, mine[name].shape))
            ffi.memmove(L.cs_model_tensor_data(h, names[name]), v.tobytes(), v.nbytes)

    def __repr__(self):
        if self._h is None:
            return "<classsens.Model closed>"
        return "<classsens.Model %s %s -> %d classes, %d parameters>" % (
            self.arch, self.shape, self.num_classes, self.num_params)


# ---- studies ----------------------------------------------------------------------------------

#: The quick profile of `classsens study` (examples/cli_profiles.c): models as
#: (arch, width, epochs, lr), conditions, the noise x reduction grid, subsets, batch 32, no
#: augmentation, 3 replicates.
QUICK_PROFILE = {
    "train_subset": 7000, "test_subset": 2000, "replicates": 3, "batch_size": 32,
    "models": [("lenet", 1.0, 8, 0.05), ("custom", 0.25, 8, 0.03),
               ("resnet18", 0.125, 3, 0.05), ("unresnet18", 0.125, 4, 0.01),
               ("googlenet", 0.0625, 4, 0.05)],
    "noise": ["shuffle:0.3"], "reduce": ["reduce:uniform:0.5", "reduce:uniform:0.2"], "grid": True,
}

_EVENTS = {0: "skipped", 1: "started", 2: "epoch", 3: "finished", 4: "failed"}


class Study(_Owned):
    """A study (cs_study): Study(train, test, data_name, replicates=3, seed=0, train_subset=0,
    test_subset=0, jobs=0, matched_controls=False, record_scores=True), then add_model(),
    add_condition(), add_grid(), run(out_dir)."""

    _closed = "the study is closed"
    _destroy = "cs_study_destroy"

    def __init__(self, train, test, data_name="numpy", replicates=3, seed=0, train_subset=0,
                 test_subset=0, jobs=0, matched_controls=False, record_scores=True,
                 retry_failed=False):
        self._h = None
        L = _L()
        self._train, self._test = train, test  # the study borrows both
        opts = ffi.new("cs_study_options *")
        _check(L.cs_study_options_init(opts))
        opts.replicates = int(replicates)
        opts.seed = int(seed)
        opts.train_subset = int(train_subset)
        opts.test_subset = int(test_subset)
        opts.jobs = int(jobs)
        opts.matched_controls = 1 if matched_controls else 0
        opts.record_scores = 1 if record_scores else 0
        opts.retry_failed = 1 if retry_failed else 0
        self._progress = None
        self._events = []
        self._failure = []
        ref = weakref.ref(self)  # no cycle through the callback: collected when unreferenced

        def on_event(ev, payload):
            study = ref()
            return 0 if study is None else study._on_event(ev, payload)

        self._cb = ffi.callback("int(const cs_study_event *, void *)", on_event)
        opts.progress = self._cb
        out = ffi.new("cs_study **")
        _check(L.cs_study_create(out, train._handle(), test._handle(), _bytes(data_name), opts))
        self._h = out[0]

    @classmethod
    def quick(cls, train, test, data_name="fashion-mnist", jobs=0, profile=None, **kw):
        """The quick profile of `classsens study` (QUICK_PROFILE, or a dict like it)."""
        p = dict(QUICK_PROFILE if profile is None else profile)
        s = cls(train, test, data_name, replicates=p["replicates"],
                train_subset=p["train_subset"], test_subset=p["test_subset"], jobs=jobs, **kw)
        for arch, width, epochs, lr in p["models"]:
            s.add_model(arch, width, epochs=epochs, lr=lr, batch_size=p["batch_size"])
        for spec in p["noise"] + p["reduce"]:
            s.add_condition(spec)
        if p.get("grid"):
            for n in p["noise"]:
                for r in p["reduce"]:
                    s.add_grid(n, r)
        return s

    def add_model(self, arch, width=1.0, name=None, **train):
        """A model: architecture, width and training keywords as Model.fit()'s."""
        t = _train_options(**train)
        _check(_L().cs_study_add_model(self._handle(), ffi.NULL if name is None else _bytes(name),
                                       _bytes(arch), float(width), t))
        return self

    def add_condition(self, spec):
        _check(_L().cs_study_add_condition(self._handle(), _parse_spec(spec)))
        return self

    def add_grid(self, noise, reduce):
        _check(_L().cs_study_add_grid(self._handle(), _parse_spec(noise), _parse_spec(reduce)))
        return self

    @property
    def num_cells(self):
        return _check(_L().cs_study_num_cells(self._handle()))

    def _on_event(self, ev, _payload):
        e = {"kind": _EVENTS.get(ev.kind, str(ev.kind)), "cell": ev.cell,
             "cells_total": ev.cells_total, "cells_finished": ev.cells_finished,
             "model": _str(ev.model), "condition": _str(ev.condition),
             "replicate": ev.replicate, "test_accuracy": ev.test_accuracy,
             "seconds": ev.seconds, "work_done": ev.work_done, "work_total": ev.work_total}
        if ev.epoch != ffi.NULL:
            e["epoch"] = ev.epoch.epoch
            e["loss"] = ev.epoch.loss
        p = self._progress
        try:
            if p is True:
                if e["kind"] in ("finished", "skipped", "failed"):
                    sys.stderr.write("classsens: %d/%d %s %s #%d %s (accuracy %.4f)\n" % (
                        e["cells_finished"], e["cells_total"], e["model"], e["condition"],
                        e["replicate"], e["kind"], e["test_accuracy"]))
            elif callable(p) and p(e) is False:
                return 1
        except BaseException as exc:  # re-raised after cs_study_run() returns
            self._failure.append(exc)
            return 1
        return 0

    def run(self, out_dir, progress=True):
        """Train every missing cell into the store out_dir (resumable). progress: True prints
        a line per cell to stderr, a callable gets every event as a dict (returning False
        stops: classsens.Cancelled), False/None is silent. Returns Results(out_dir)."""
        self._progress = progress
        self._failure = []
        try:
            rc = _L().cs_study_run(self._handle(), _path(out_dir))
        finally:
            self._progress = None
        if self._failure:
            raise self._failure[0]
        _check(rc)
        return Results(out_dir)


# ---- results ----------------------------------------------------------------------------------

_FAMILIES = {0: "baseline", 1: "noise", 2: "reduction", 3: "control", 4: "grid"}


class Results(_Owned):
    """A study's store read back (cs_results): tables as pandas DataFrames."""

    _closed = "the results are closed"
    _destroy = "cs_results_destroy"

    def __init__(self, store_dir):
        self._h = None
        out = ffi.new("cs_results **")
        _check(_L().cs_results_open(out, _path(store_dir)))
        self._h = out[0]
        self.store_dir = os.fspath(store_dir)

    @property
    def data_name(self):
        return _str(_L().cs_results_data_name(self._handle()))

    @property
    def class_names(self):
        L, h = _L(), self._handle()
        return [_str(L.cs_results_class_name(h, k)) for k in range(L.cs_results_num_classes(h))]

    @property
    def models(self):
        L, h = _L(), self._handle()
        return [_str(L.cs_results_model_name(h, i)) for i in range(L.cs_results_num_models(h))]

    @property
    def conditions(self):
        L, h = _L(), self._handle()
        return [_str(L.cs_results_condition_name(h, j))
                for j in range(L.cs_results_num_conditions(h))]

    @property
    def replicates(self):
        return _L().cs_results_replicates(self._handle())

    def _index(self, names, what, name):
        if isinstance(name, int):
            return name
        try:
            return names.index(name)
        except ValueError:
            raise NotFound(-4, "CS_ERR_NOT_FOUND", "%s '%s' is not in the store (%s)" % (
                what, name, ", ".join(names))) from None

    def _cell(self, i, j, r):
        cell = ffi.new("cs_cell_result *")
        cell.struct_size = ffi.sizeof("cs_cell_result")
        rc = _L().cs_results_cell(cell, self._handle(), i, j, r)
        return cell, rc

    def cells(self):
        """One row per stored cell: model, arch, width, condition, family, level, replicate,
        test_accuracy, epochs, train_size, changed, flip_rate, train_seconds, test_seconds,
        threads. Cells not in the store (not run yet, or failed) are left out."""
        import pandas as pd
        L, h = _L(), self._handle()
        rows = []
        fam = ffi.new("cs_condition_family *")
        for i in range(L.cs_results_num_models(h)):
            for j in range(L.cs_results_num_conditions(h)):
                _check(L.cs_results_condition_family(fam, h, j))
                for r in range(L.cs_results_replicates(h)):
                    c, rc = self._cell(i, j, r)
                    if rc == -4:
                        continue
                    _check(rc)
                    rows.append({
                        "model": _str(L.cs_results_model_name(h, i)),
                        "arch": _str(L.cs_results_model_arch(h, i)),
                        "width": L.cs_results_model_width(h, i),
                        "condition": _str(L.cs_results_condition_name(h, j)),
                        "family": _FAMILIES.get(fam[0], str(fam[0])),
                        "level": L.cs_results_condition_level(h, j),
                        "replicate": r, "test_accuracy": c.test_accuracy, "epochs": c.epochs,
                        "train_size": int(c.train_size), "changed": int(c.changed),
                        "flip_rate": c.flip_rate, "train_seconds": c.train_seconds,
                        "test_seconds": c.test_seconds, "threads": c.threads})
        return pd.DataFrame(rows, columns=[
            "model", "arch", "width", "condition", "family", "level", "replicate",
            "test_accuracy", "epochs", "train_size", "changed", "flip_rate", "train_seconds",
            "test_seconds", "threads"])

    def _stats(self, i, j):
        """cs_confusion_stats of the stored replicates of (model i, condition j), or None."""
        L, h = _L(), self._handle()
        cms = []
        for r in range(L.cs_results_replicates(h)):
            c, rc = self._cell(i, j, r)
            if rc == -4:
                continue
            _check(rc)
            cms.append(c.confusion)
        if not cms:
            return None
        out = ffi.new("cs_confusion_stats **")
        _check(L.cs_confusion_average(out, ffi.new("const cs_confusion *[]", cms), len(cms),
                                      ffi.NULL))
        return ffi.gc(out[0], L.cs_confusion_stats_destroy)

    def confusion(self, model, condition):
        """The mean test confusion matrix (K×K counts, [true][pred]) over the replicates."""
        L = _L()
        s = self._stats(self._index(self.models, "model", model),
                        self._index(self.conditions, "condition", condition))
        if s is None:
            raise NotFound(-4, "CS_ERR_NOT_FOUND", "no stored cell of %s / %s" % (model,
                                                                                  condition))
        cm = L.cs_confusion_stats_mean(s)
        k = L.cs_confusion_num_classes(cm)
        return np.array([[L.cs_confusion_count(cm, t, p) for p in range(k)] for t in range(k)])

    def relative_confusion(self, model, condition, baseline="baseline"):
        """R[t][p] = C[t][p]/n_t - B[t][p]/b_t of the mean matrices (cs_confusion_relative)."""
        L = _L()
        i = self._index(self.models, "model", model)
        sp = self._stats(i, self._index(self.conditions, "condition", condition))
        sb = self._stats(i, self._index(self.conditions, "condition", baseline))
        if sp is None or sb is None:
            raise NotFound(-4, "CS_ERR_NOT_FOUND", "no stored cell of %s / %s or %s" % (
                model, condition, baseline))
        k = L.cs_results_num_classes(self._handle())
        out = np.empty((k, k))
        _check(L.cs_confusion_relative(ffi.from_buffer("double[]", out), k,
                                       L.cs_confusion_stats_mean(sp),
                                       L.cs_confusion_stats_mean(sb)))
        return out

    def class_accuracy(self):
        """One row per (model, condition, class): the class's test recall over the stored
        replicates, mean and interval (lo, hi; NaN with one replicate), and replicates."""
        import pandas as pd
        L, h = _L(), self._handle()
        k = L.cs_results_num_classes(h)
        names = self.class_names
        rows = []
        mean, lo, hi = np.empty(k), np.empty(k), np.empty(k)
        for i, model in enumerate(self.models):
            for j, cond in enumerate(self.conditions):
                s = self._stats(i, j)
                if s is None:
                    continue
                _check(L.cs_confusion_stats_class_accuracy(
                    ffi.from_buffer("double[]", mean), ffi.from_buffer("double[]", lo),
                    ffi.from_buffer("double[]", hi), k, s))
                for c in range(k):
                    rows.append({"model": model, "condition": cond, "class": c,
                                 "class_name": names[c], "mean": mean[c], "lo": lo[c],
                                 "hi": hi[c]})
        return pd.DataFrame(rows, columns=["model", "condition", "class", "class_name", "mean",
                                           "lo", "hi"])

    def agreement(self, top_k=3, baseline="baseline"):
        """How much the models agree on which classes each condition hurts: per non-baseline
        condition, each model's per-class sensitivity (baseline recall - condition recall,
        replicate means) goes to cs_agreement_compute(). One row per (condition, model pair):
        condition, model_a, model_b, spearman, kendall_tau, jaccard (top_k), and the
        condition's kendall_w and p_value. Needs at least two models."""
        import pandas as pd
        L = _L()
        ca = self.class_accuracy()
        models = self.models
        k = L.cs_results_num_classes(self._handle())
        top_k = min(int(top_k), k)
        rows = []
        base = ca[ca["condition"] == baseline]
        for cond in self.conditions:
            if cond == baseline:
                continue
            pert = ca[ca["condition"] == cond]
            scores, used = [], []
            for m in models:
                b = base[base["model"] == m].sort_values("class")["mean"].to_numpy()
                p = pert[pert["model"] == m].sort_values("class")["mean"].to_numpy()
                if len(b) == k and len(p) == k:
                    scores.append(b - p)
                    used.append(m)
            if len(used) < 2:
                continue
            sc = np.ascontiguousarray(np.array(scores), dtype=np.float64)
            m = len(used)
            out = ffi.new("cs_agreement **")
            _check(L.cs_agreement_compute(out, ffi.from_buffer("double[]", sc), m, k, top_k))
            a = ffi.gc(out[0], L.cs_agreement_destroy)
            sp, kt, ja = np.empty((m, m)), np.empty((m, m)), np.empty((m, m))
            _check(L.cs_agreement_pairwise(ffi.from_buffer("double[]", sp),
                                           ffi.from_buffer("double[]", kt),
                                           ffi.from_buffer("double[]", ja), m, a))
            w, pv = L.cs_agreement_kendall_w(a), L.cs_agreement_p_value(a)
            for x in range(m):
                for y in range(x + 1, m):
                    rows.append({"condition": cond, "model_a": used[x], "model_b": used[y],
                                 "spearman": sp[x, y], "kendall_tau": kt[x, y],
                                 "jaccard": ja[x, y], "kendall_w": w, "p_value": pv})
        return pd.DataFrame(rows, columns=["condition", "model_a", "model_b", "spearman",
                                           "kendall_tau", "jaccard", "kendall_w", "p_value"])

    def __repr__(self):
        if self._h is None:
            return "<classsens.Results closed>"
        return "<classsens.Results %s: %d models, %d conditions, %d replicates>" % (
            self.store_dir, len(self.models), len(self.conditions), self.replicates)
