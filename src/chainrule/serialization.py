"""Checkpoints without pickle: ``chainrule.save`` / ``chainrule.load`` in the safetensors format.

A checkpoint is one safetensors file. Every tensor (and NumPy array) in the saved object is
a named safetensors tensor, named by its path in the object (``"fc1.weight"``,
``"optimizer.state.0.exp_avg"``), so other safetensors readers see ordinary weights. The rest
of the object (nested dicts, lists, tuples, ints, floats, strings, bools, None) is stored as
JSON in the file's text metadata, under ``"chainrule.structure"``.

Why not pickle: unpickling an untrusted file can run arbitrary code (PyTorch issue #52596).
``load`` parses a JSON header and raw little-endian arrays only; nothing in this module
imports or calls pickle. A pickle file, a ``torch.save`` zip, or anything else that is not a
safetensors file is refused with ``CheckpointFormatError``.

Writes are atomic: the bytes go to a temporary file in the destination folder, which is
flushed, fsync'ed and renamed over the destination (``os.replace``), then the folder is
fsync'ed. A crash or exception in the middle of a save leaves the previous checkpoint intact.
"""
import json
import os
import tempfile

import numpy as np
import safetensors.numpy

from .tensor import Tensor

FORMAT_KEY = "chainrule.structure"
_VERSION = 1
# Bytes at the start of files we refuse, for a helpful message (the refusal itself does
# not depend on recognising them: anything that is not a valid safetensors file is refused).
_PICKLE_HINT = ("chainrule.load never unpickles (an untrusted pickle can run arbitrary "
                "code). Re-save the weights as safetensors (for a PyTorch file, in PyTorch: "
                "safetensors.torch.save_file(model.state_dict(), path)) and load that.")


class CheckpointFormatError(ValueError):
    """A file that is not a chainrule/safetensors checkpoint (pickles included), or whose
    structure is damaged."""


# --- save -------------------------------------------------------------------------------

def _key_ok(k):
    return k is None or isinstance(k, (str, bool, int, float))


class _Encoder:
    """Turns a nested object into (JSON-able structure, {name: ndarray})."""

    def __init__(self):
        self.arrays = {}
        self.seen = {}  # id(Tensor) -> name: a tensor saved twice is stored once, shared

    def _name(self, path):
        base = ".".join(str(p) for p in path) or "tensor"
        name, i = base, 1
        while name in self.arrays or name == "__metadata__":
            i += 1
            name = f"{base}#{i}"
        return name

    def _array(self, arr, path, what):
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise TypeError(f"chainrule.save: {what} at {_fmt(path)} has dtype {arr.dtype}; "
                            "only bool, integer and floating arrays can be stored")
        name = self._name(path)
        # (np.ascontiguousarray would turn a 0-d array into shape (1,))
        self.arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
        return name

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            if id(obj) in self.seen:
                name = self.seen[id(obj)]
            else:
                name = self._array(obj._data, path, "tensor")
                self.seen[id(obj)] = name
            node = {"__t": "tensor", "k": name}
            if obj.requires_grad:
                node["rg"] = True
            return node
        if isinstance(obj, np.ndarray):
            return {"__t": "ndarray", "k": self._array(obj, path, "array")}
        if isinstance(obj, np.generic):
            return {"__t": "npscalar", "k": self._array(np.asarray(obj), path, "scalar")}
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            # JSON has no NaN/inf; Python's json writes NaN/Infinity, which it reads back,
            # but store them tagged so the text stays standard JSON.
            return obj if np.isfinite(obj) else {"__t": "float", "v": repr(obj)}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not _key_ok(k):
                    raise TypeError(f"chainrule.save: dict key {k!r} of type "
                                    f"{type(k).__name__} at {_fmt(path)}; keys must be str, "
                                    "int, float, bool or None")
                if isinstance(k, float) and not np.isfinite(k):
                    raise TypeError(f"chainrule.save: non-finite dict key {k!r} at {_fmt(path)}")
                items.append([k, self.encode(v, path + (k,))])
            return {"__t": "dict", "items": items}
        if isinstance(obj, (list, tuple)):
            tag = "list" if isinstance(obj, list) else "tuple"
            return {"__t": tag, "items": [self.encode(v, path + (i,))
                                          for i, v in enumerate(obj)]}
        hint = ("; save its state_dict() instead" if hasattr(obj, "state_dict") else "")
        raise TypeError(f"chainrule.save: cannot store an object of type "
                        f"{type(obj).__module__}.{type(obj).__qualname__} at {_fmt(path)}"
                        f"{hint}. Storable: tensors, NumPy arrays, and dicts / lists / tuples "
                        "of them and of int, float, str, bool, None")


def _fmt(path):
    return "the top level" if not path else "key path " + "/".join(repr(p) for p in path)


def _serialize(obj):
    enc = _Encoder()
    structure = enc.encode(obj, ())
    meta = {"format": "chainrule", FORMAT_KEY: json.dumps(
        {"version": _VERSION, "root": structure}, allow_nan=False, separators=(",", ":"))}
    return safetensors.numpy.save(enc.arrays, metadata=meta)


def _write_all(f, data):
    """The one place bytes hit the temporary file (tests replace it to simulate a crash)."""
    f.write(data)


def _fsync_dir(folder):
    # Make the rename itself durable. Not possible on Windows (no O_DIRECTORY); skip there.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_file_mode(path):
    if os.path.exists(path):
        return os.stat(path).st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` atomically: temp file in the same folder, flush, fsync,
    ``os.replace``, fsync the folder. On any error (or interrupt) the temp file is removed
    and ``path`` keeps its previous content."""
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"chainrule.save: folder {folder} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"chainrule.save: {path} is a directory")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_all(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def save(obj, f):
    """Save a tensor or a nested dict/list/tuple of tensors and plain values to ``f``.

    ``f``: a path (written atomically) or a binary file object. Meant for state dicts of
    models and optimizers, and training checkpoints that bundle them::

        chainrule.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                        "epoch": 3, "losses": [2.3, 0.4, 0.2]}, "ckpt.safetensors")

    Storable values: ``Tensor``, ``numpy.ndarray`` / NumPy scalars (bool, integer, floating),
    ``dict`` (keys str, int, float, bool or None), ``list``, ``tuple``, ``int``, ``float``,
    ``str``, ``bool``, ``None``. Anything else is a ``TypeError`` naming where it sits.
    A tensor that appears twice is stored once and comes back as one shared tensor.
    """
    data = _serialize(obj)
    if hasattr(f, "write"):
        f.write(data)
        if hasattr(f, "flush"):
            f.flush()
        return
    atomic_write_bytes(f, data)


# --- load -------------------------------------------------------------------------------

def _describe(path):
    return f"chainrule.load: {path}" if path else "chainrule.load"


def _check_header(data, where):
    """Validate the safetensors framing; return the parsed header. Refuses pickles."""
    head = bytes(data[:16])
    n = int.from_bytes(bytes(data[:8]), "little") if len(data) >= 8 else 0
    # A safetensors file starts with its header's length, which can look like a pickle's
    # magic (a 1,152-byte header starts 80 04), so the framing is checked first.
    framed = len(data) >= 10 and 2 <= n <= len(data) - 8 and data[8:9] == b"{"
    if not framed:
        if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
            raise CheckpointFormatError(f"{where} is a Python pickle (protocol {head[1]}), "
                                        f"e.g. from pickle.dump or an old torch.save; refused. "
                                        f"{_PICKLE_HINT}")
        if head[:4] == b"PK\x03\x04":
            raise CheckpointFormatError(f"{where} is a zip archive, the format of torch.save "
                                        f"(which holds a pickle); refused. {_PICKLE_HINT}")
        if head[:6] == b"\x93NUMPY":
            raise CheckpointFormatError(f"{where} is a NumPy .npy file, not a safetensors "
                                        "checkpoint; read it with numpy.load(allow_pickle=False)")
    bad = (f"{where} is not a safetensors checkpoint (first bytes {head[:8]!r}); "
           "chainrule.load reads only files written by chainrule.save or other safetensors "
           "writers. Pickle files and torch .pt checkpoints are refused.")
    if not framed:
        raise CheckpointFormatError(bad)
    try:
        header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CheckpointFormatError(f"{bad} (its header is not valid JSON)") from None
    if not isinstance(header, dict):
        raise CheckpointFormatError(bad)
    return header


class _Decoder:
    def __init__(self, arrays, where):
        self.arrays = arrays
        self.where = where
        self.made = {}  # name -> Tensor: shared tensors come back shared

    def fail(self, msg):
        raise CheckpointFormatError(f"{self.where}: damaged chainrule structure: {msg}")

    def array(self, node):
        name = node.get("k")
        if not isinstance(name, str) or name not in self.arrays:
            self.fail(f"tensor {name!r} is referenced but not stored in the file")
        return self.arrays[name]

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict):
            self.fail(f"unexpected JSON value of type {type(node).__name__}")
        tag = node.get("__t")
        if tag == "tensor":
            name = node.get("k")
            if name not in self.made:
                t = Tensor._make(self.array(node))
                if node.get("rg"):
                    if t._data.dtype.kind != "f":
                        self.fail(f"tensor {name!r} of dtype {t._data.dtype} requires grad")
                    t.requires_grad = True
                self.made[name] = t
            return self.made[name]
        if tag == "ndarray":
            return self.array(node)
        if tag == "npscalar":
            arr = self.array(node)
            if arr.ndim != 0:
                self.fail(f"scalar {node.get('k')!r} has shape {arr.shape}")
            return arr[()]
        if tag == "float":
            v = node.get("v")
            if v not in ("nan", "inf", "-inf"):
                self.fail(f"bad float value {v!r}")
            return float(v)
        if tag in ("list", "tuple", "dict"):
            items = node.get("items")
            if not isinstance(items, list):
                self.fail(f"{tag} without an item list")
            if tag == "dict":
                out = {}
                for item in items:
                    if not (isinstance(item, list) and len(item) == 2 and _key_ok(item[0])):
                        self.fail("bad dict item")
                    out[item[0]] = self.decode(item[1])
                return out
            vals = [self.decode(v) for v in items]
            return vals if tag == "list" else tuple(vals)
        self.fail(f"unknown node type {tag!r}")


def _deserialize(data, path=None):
    where = _describe(path)
    header = _check_header(data, where)
    try:
        arrays = safetensors.numpy.load(bytes(data))
    except Exception as e:  # safetensors raises its own SafetensorError for bad offsets
        raise CheckpointFormatError(f"{where}: corrupt safetensors file ({e})") from None
    # safetensors hands back read-only views of the buffer; tensors must own writable data.
    arrays = {k: np.array(v, copy=True) for k, v in arrays.items()}
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict) or FORMAT_KEY not in meta:
        # A plain safetensors file (from another library): its flat name -> tensor dict.
        return {k: Tensor._make(arrays[k]) for k in sorted(arrays)}
    try:
        doc = json.loads(meta[FORMAT_KEY])
    except (TypeError, ValueError, RecursionError):
        raise CheckpointFormatError(f"{where}: damaged chainrule structure "
                                    "(metadata is not JSON)") from None
    if not isinstance(doc, dict) or "root" not in doc:
        raise CheckpointFormatError(f"{where}: damaged chainrule structure (no root)")
    if doc.get("version", 0) > _VERSION:
        raise CheckpointFormatError(f"{where}: written by a newer chainrule (structure "
                                    f"version {doc.get('version')}); upgrade chainrule")
    try:
        return _Decoder(arrays, where).decode(doc["root"])
    except RecursionError:
        raise CheckpointFormatError(f"{where}: damaged chainrule structure "
                                    "(nested too deeply)") from None


def load(f, map_location=None, weights_only=True, mmap=None):
    """Load what ``chainrule.save`` wrote (or any safetensors file) from a path or a binary
    file object. Tensors come back as ``Tensor`` (with ``requires_grad`` as saved), NumPy
    arrays as arrays, containers and plain values as themselves. A plain safetensors file
    from another library loads as a flat ``{name: Tensor}`` dict.

    Never unpickles: pickle files and ``torch.save`` zip checkpoints are refused with
    ``CheckpointFormatError``; so is any other non-safetensors file. ``map_location``,
    ``weights_only`` and ``mmap`` are accepted for PyTorch compatibility; loading is always
    weights-only and on the CPU.
    """
    if hasattr(f, "read"):
        return _deserialize(f.read(), getattr(f, "name", None))
    path = os.fspath(f)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"chainrule.load: no such file: {path}") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"chainrule.load: {path} is a directory, not a "
                                "checkpoint file") from None
    return _deserialize(data, path)
