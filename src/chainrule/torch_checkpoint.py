"""PyTorch's ``torch.save`` zip checkpoints, written and read without ``pickle``.

A ``torch.save`` file is a zip archive (entries stored, not compressed) holding
``<name>/data.pkl`` (a protocol-2 pickle of the object, in which every tensor is a call to
``torch._utils._rebuild_tensor_v2`` on a storage named by a *persistent id*), one entry
``<name>/data/<key>`` of raw little-endian bytes per storage, and small records
(``version``, ``byteorder``, ``.format_version``, ``.storage_alignment``).

Writing: the pickle opcodes are emitted here directly, so real ``torch.load`` (with its
default ``weights_only=True``) reads the file.

Reading: ``data.pkl`` is run by a small pickle machine of our own (not ``pickle``), which
knows a fixed list of opcodes and a fixed allowlist of globals -- the tensor and parameter
rebuild functions, the storage types, the torch dtypes, ``collections.OrderedDict``,
``torch.Size`` and ``_codecs.encode`` (how protocol 2 spells ``bytes``) -- the part of
PyTorch's own ``weights_only`` allowlist that state dicts use. Each allowed global maps to a
function of this module that checks its arguments; nothing named in the file is ever
imported, looked up as an attribute or called. Anything else (another global, an unknown
opcode, BUILD on anything but an OrderedDict's ``_metadata``, a tensor reaching outside its
storage, a compressed or duplicated zip entry) is refused with ``CheckpointFormatError``.
"""
import io
import re
import struct
import warnings
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor
from . import dtypes


class CheckpointFormatError(ValueError):
    """A file that is not a readable checkpoint, a damaged one, or one that asks for
    anything beyond plain tensors and containers (pickles that could run code included).

    >>> from chainrule.torch_checkpoint import CheckpointFormatError, loads
    >>> try:
    ...     loads(b"not a checkpoint", "junk.pt")
    ... except CheckpointFormatError as e:
    ...     print(type(e).__name__)
    CheckpointFormatError
    """


# storage type name (as torch pickles it) <-> NumPy dtype. BFloat16 has no NumPy dtype: it
# is read as float32 (exact: bfloat16 is the top half of a float32).
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
    "BFloat16Storage": "bfloat16",
}
_STORAGE_FOR = {np.dtype(v): k for k, v in _STORAGE_DTYPES.items() if v != "bfloat16"}
_TORCH_DTYPES = {"float32": dtypes.float32, "float": dtypes.float32, "float64": dtypes.float64,
                 "double": dtypes.float64, "float16": dtypes.float16, "half": dtypes.float16,
                 "int64": dtypes.int64, "long": dtypes.int64, "int32": dtypes.int32,
                 "int": dtypes.int32, "int16": dtypes.int16, "short": dtypes.int16,
                 "int8": dtypes.int8, "uint8": dtypes.uint8, "bool": dtypes.bool_,
                 "bfloat16": dtypes.float32}
_KEY_RE = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
_SAVE_HINT = ("Storable in a .pt file: tensors, and dicts / OrderedDicts / lists / tuples of "
              "them and of int, float, str, bool, None")


# --- writing ------------------------------------------------------------------------------

class _PickleWriter:
    """Emits protocol-2 pickle opcodes for tensors and plain containers (no memo)."""

    def __init__(self):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.storages = []                 # [(key, contiguous little-endian ndarray)]
        # id(ndarray) -> storage key: tensors on one array (tied weights: state_dict()
        # detaches each into a new Tensor on the same array) share one storage, as in torch.
        self.seen = {}

    def global_(self, module, name):
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"

    def str_(self, s):
        b = s.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(b)) + b

    def int_(self, v):
        if 0 <= v < 256:
            self.out += b"K" + bytes([v])
        elif -2 ** 31 <= v < 2 ** 31:
            self.out += b"J" + struct.pack("<i", v)
        else:
            n = (v.bit_length() + 8) // 8
            b = v.to_bytes(n, "little", signed=True)
            self.out += (b"\x8a" + bytes([n]) if n < 256 else b"\x8b" + struct.pack("<I", n)) + b

    def tuple_(self, items):
        if not items:
            self.out += b")"
            return
        self.out += b"("
        for v in items:
            self.write(v, ())
        self.out += b"t"

    def ordered_dict(self):
        self.global_("collections", "OrderedDict")
        self.out += b")R"

    def tensor(self, t, path):
        arr = t._data
        if arr.dtype not in _STORAGE_FOR:
            raise TypeError(f"chainrule.save: tensor at {_fmt(path)} has dtype {arr.dtype}, "
                            "which a .pt file cannot hold")
        if id(arr) in self.seen:
            key = self.seen[id(arr)]
        else:
            key = str(len(self.storages))
            data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False)
            self.storages.append((key, data.reshape(-1), arr))  # arr: keeps id(arr) unique
            self.seen[id(arr)] = key
        shape = tuple(int(s) for s in arr.shape)
        stride, acc = [], 1
        for s in reversed(shape):
            stride.append(acc)
            acc *= max(s, 1)
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.out += b"(("                       # MARK (args) MARK (persistent id)
        self.str_("storage")
        self.global_("torch", _STORAGE_FOR[arr.dtype])
        self.str_(key)
        self.str_("cpu")
        self.int_(int(arr.size))
        self.out += b"tQ"                       # TUPLE, BINPERSID
        self.int_(0)
        self.tuple_(shape)
        self.tuple_(tuple(reversed(stride)))
        self.out += b"\x88" if t.requires_grad else b"\x89"
        self.ordered_dict()                     # backward hooks: none
        self.out += b"tR"                       # TUPLE, REDUCE

    def write(self, obj, path):
        if isinstance(obj, Tensor):
            self.tensor(obj, path)
        elif obj is None:
            self.out += b"N"
        elif isinstance(obj, (bool, np.bool_)):
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, (int, np.integer)):
            self.int_(int(obj))
        elif isinstance(obj, (float, np.floating)):
            self.out += b"G" + struct.pack(">d", float(obj))
        elif isinstance(obj, str):
            self.str_(obj)
        elif isinstance(obj, dict):
            if isinstance(obj, OrderedDict):
                self.ordered_dict()
            else:
                self.out += b"}"
            if obj:
                self.out += b"("
                for k, v in obj.items():
                    if not (k is None or isinstance(k, (str, bool, int, float))):
                        raise TypeError(f"chainrule.save: dict key {k!r} of type "
                                        f"{type(k).__name__} at {_fmt(path)}; keys must be "
                                        "str, int, float, bool or None")
                    self.write(k, path)
                    self.write(v, path + (k,))
                self.out += b"u"                # SETITEMS
        elif isinstance(obj, list):
            self.out += b"]"
            if obj:
                self.out += b"("
                for i, v in enumerate(obj):
                    self.write(v, path + (i,))
                self.out += b"e"                # APPENDS
        elif isinstance(obj, tuple):
            if not obj:
                self.out += b")"
            else:
                self.out += b"("
                for i, v in enumerate(obj):
                    self.write(v, path + (i,))
                self.out += b"t"
        else:
            what = f"{type(obj).__module__}.{type(obj).__qualname__}"
            hint = (" (a NumPy array: wrap it with chainrule.from_numpy, or save to a "
                    ".safetensors path)" if isinstance(obj, np.ndarray) else
                    "; save its state_dict() instead" if hasattr(obj, "state_dict") else "")
            raise TypeError(f"chainrule.save: cannot store an object of type {what} at "
                            f"{_fmt(path)} in a .pt file{hint}. {_SAVE_HINT}")


def _fmt(path):
    return "the top level" if not path else "key path " + "/".join(repr(p) for p in path)


def _align_extra(offset, name, alignment=64):
    """An extra field (id 'FB', as PyTorch's writer uses) padding the entry's data to a
    multiple of ``alignment`` bytes, so the file can be memory-mapped by torch."""
    used = offset + 30 + len(name.encode()) + 4
    pad = (-used) % alignment
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def dumps(obj, archive="archive"):
    """The bytes of a ``torch.save`` zip checkpoint holding ``obj``.

    >>> from chainrule.torch_checkpoint import dumps, is_zip
    >>> data = dumps({"w": torch.tensor([1.0, 2.0])})
    >>> data[:2], is_zip(data)                # a zip archive, as torch.save writes
    (b'PK', True)
    """
    w = _PickleWriter()
    w.write(obj, ())
    w.out += b"."                               # STOP
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        def record(name, data):
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = _align_extra(buf.tell(), info.filename)
            z.writestr(info, data)
        record("data.pkl", bytes(w.out))
        record(".format_version", b"1")
        record(".storage_alignment", b"64")
        record("byteorder", b"little")
        for key, arr, _ in w.storages:
            record(f"data/{key}", memoryview(arr).cast("B") if arr.size else b"")
        record("version", b"3\n")
    return buf.getvalue()


# --- reading: a restricted pickle machine ---------------------------------------------------

class _Storage:
    __slots__ = ("key", "array")

    def __init__(self, key, array):
        self.key, self.array = key, array


class _StorageType:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class _Reader:
    def __init__(self, zf, prefix, where, big_endian):
        self.zf, self.prefix, self.where = zf, prefix, where
        self.big_endian = big_endian
        self.storages = {}
        self.converted_bf16 = []
        # The only callables REDUCE may call (bound once, compared by identity).
        self.callables = {("torch._utils", "_rebuild_tensor_v2"): self._rebuild_tensor_v2,
                          ("torch._utils", "_rebuild_parameter"): self._rebuild_parameter,
                          ("collections", "OrderedDict"): self._ordered_dict,
                          ("torch", "Size"): self._size,
                          ("_codecs", "encode"): self._encode}

    def refuse(self, msg):
        raise CheckpointFormatError(f"{self.where}: refused: {msg} (nothing in the file was "
                                    "imported or run; chainrule.load rebuilds only tensors, "
                                    "storages, OrderedDicts, lists, tuples, numbers and strings)")

    def damaged(self, msg):
        raise CheckpointFormatError(f"{self.where}: damaged torch checkpoint: {msg}")

    # Each allowed global: a function of ours that checks its arguments.
    def _rebuild_tensor_v2(self, storage, offset, size, stride, requires_grad,
                           backward_hooks, metadata=None):
        if not isinstance(storage, _Storage):
            self.refuse(f"_rebuild_tensor_v2 got a {type(storage).__name__}, not a storage")
        ints = (isinstance(offset, int) and isinstance(size, tuple) and isinstance(stride, tuple)
                and len(size) == len(stride)
                and all(isinstance(v, int) and not isinstance(v, bool) for v in size + stride))
        if not ints or not isinstance(requires_grad, bool):
            self.refuse(f"_rebuild_tensor_v2 arguments (offset {offset!r}, size {size!r}, "
                        f"stride {stride!r}) are not integers and tuples of integers")
        if backward_hooks or (metadata not in (None, {}) and not isinstance(metadata, dict)):
            self.refuse("a tensor with backward hooks or metadata")
        arr = storage.array
        if offset < 0 or any(v < 0 for v in size + stride):
            self.refuse(f"tensor with negative offset/size/stride {offset}, {size}, {stride}")
        numel = int(np.prod(size, dtype=object)) if size else 1
        if numel:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= arr.size:
                self.refuse(f"tensor of size {list(size)}, stride {list(stride)} at offset "
                            f"{offset} reaches element {last} of storage {storage.key}, "
                            f"which holds {arr.size}")
            if numel > arr.size:
                self.refuse(f"tensor of size {list(size)} ({numel} elements) views storage "
                            f"{storage.key} of {arr.size} elements (an overlapping view)")
            view = np.lib.stride_tricks.as_strided(
                arr[offset:], shape=size, strides=[s * arr.itemsize for s in stride],
                writeable=False)
            data = np.array(view, copy=True, order="C")
        else:
            data = np.zeros(size, dtype=arr.dtype)
        t = Tensor._make(data)
        if requires_grad:
            if data.dtype.kind != "f":
                self.refuse(f"an integer tensor (storage {storage.key}) that requires grad")
            t.requires_grad = True
        return t

    def _rebuild_parameter(self, data, requires_grad, backward_hooks):
        if not isinstance(data, Tensor) or not isinstance(requires_grad, bool) or backward_hooks:
            self.refuse("_rebuild_parameter on something other than a tensor")
        if requires_grad and data._data.dtype.kind == "f":
            data.requires_grad = True
        return data

    def _ordered_dict(self, *args):
        if not args:
            return OrderedDict()
        if len(args) == 1 and isinstance(args[0], list) and all(
                isinstance(p, tuple) and len(p) == 2 for p in args[0]):
            return OrderedDict(args[0])
        self.refuse("OrderedDict called with arguments other than a list of pairs")

    def _size(self, *args):
        if len(args) == 1 and isinstance(args[0], tuple) and all(
                isinstance(v, int) for v in args[0]):
            return args[0]
        self.refuse("torch.Size of something other than a tuple of integers")

    def _encode(self, *args):
        if len(args) == 2 and isinstance(args[0], str) and args[1] == "latin1":
            return args[0].encode("latin1")
        if len(args) == 0:
            return b""
        self.refuse("_codecs.encode with arguments other than (str, 'latin1')")

    def find_global(self, module, name):
        if (module, name) in self.callables:
            return self.callables[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch" and name in _TORCH_DTYPES:
            return _TORCH_DTYPES[name]
        self.refuse(f"the pickle asks for the global {module}.{name}, which is not on the "
                    "allowlist")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[3], str) and isinstance(pid[4], int)
                and not isinstance(pid[4], bool)):
            self.refuse(f"persistent id {pid!r} is not ('storage', <Storage type>, key, "
                        "location, numel)")
        _, stype, key, _location, numel = pid
        if not _KEY_RE.match(key):
            self.refuse(f"storage key {key!r} (keys are letters, digits and _)")
        if key in self.storages:
            return self.storages[key]
        name = f"{self.prefix}/data/{key}"
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            self.damaged(f"storage {key} ({name}) is referenced but not in the archive")
        np_dtype = _STORAGE_DTYPES[stype.name]
        itemsize = 2 if np_dtype == "bfloat16" else np.dtype(np_dtype).itemsize
        if numel < 0 or numel * itemsize != info.file_size:
            self.damaged(f"storage {key} declares {numel} elements ({numel * itemsize} bytes) "
                         f"but holds {info.file_size} bytes")
        try:
            raw = self.zf.read(name)
        except zipfile.BadZipFile as e:
            self.damaged(f"storage {key} ({name}) is corrupt: {e}")
        order = ">" if self.big_endian else "<"
        if np_dtype == "bfloat16":
            bits = np.frombuffer(raw, dtype=order + "u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
            self.converted_bf16.append(key)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(np_dtype).newbyteorder(order))
            arr = arr.astype(np.dtype(np_dtype), copy=False)
        st = _Storage(key, arr)
        self.storages[key] = st
        return st

    def run(self, data):  # noqa: C901 - one opcode per branch, as pickle.py
        stack, marks, memo = [], [], {}
        pos, end = 0, len(data)

        def take(n):
            nonlocal pos
            if n < 0 or pos + n > end:
                self.damaged(f"data.pkl is truncated (needs {n} bytes at offset {pos}, has "
                             f"{end - pos})")
            b = data[pos:pos + n]
            pos += n
            return b

        def line():
            nonlocal pos
            i = data.find(b"\n", pos, min(end, pos + 256))
            if i < 0:
                self.damaged("data.pkl has a GLOBAL without its newline")
            b = data[pos:i]
            pos = i + 1
            try:
                return b.decode("ascii")
            except UnicodeDecodeError:
                self.refuse(f"a global name that is not ASCII: {b!r}")

        def pop_mark():
            if not marks:
                self.damaged("data.pkl pops a MARK it never set")
            i = marks.pop()
            items = stack[i:]
            del stack[i:]
            return items

        def pop():
            if not stack or (marks and len(stack) <= marks[-1]):
                self.damaged("data.pkl pops an empty stack (or across a MARK)")
            return stack.pop()

        def top():
            if not stack:
                self.damaged("data.pkl reads an empty stack")
            return stack[-1]

        def uni(n):
            try:
                return take(n).decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                self.damaged("data.pkl holds a string that is not UTF-8")

        def setitems(d, items):
            if type(d) not in (dict, OrderedDict):
                self.refuse(f"SETITEM on a {type(d).__name__}")
            if len(items) % 2:
                self.damaged("data.pkl has an odd number of dict items")
            for k, v in zip(items[::2], items[1::2]):
                if not (k is None or isinstance(k, (str, bytes, int, float, tuple))):
                    self.refuse(f"dict key of type {type(k).__name__}")
                d[k] = v

        while True:
            op = take(1)[0]
            if op == 0x80:                              # PROTO
                if take(1)[0] > 5:
                    self.damaged("data.pkl has an unknown pickle protocol")
            elif op == 0x95:                            # FRAME
                take(8)
            elif op == 0x2E:                            # STOP
                if len(stack) != 1 or marks:
                    self.damaged("data.pkl ends with a malformed stack")
                return stack[0]
            elif op == 0x28:                            # MARK
                marks.append(len(stack))
            elif op == 0x30:                            # POP
                pop()
            elif op == 0x31:                            # POP_MARK
                pop_mark()
            elif op == 0x4E:                            # NONE
                stack.append(None)
            elif op == 0x88:
                stack.append(True)
            elif op == 0x89:
                stack.append(False)
            elif op == 0x4A:                            # BININT
                stack.append(struct.unpack("<i", take(4))[0])
            elif op == 0x4B:                            # BININT1
                stack.append(take(1)[0])
            elif op == 0x4D:                            # BININT2
                stack.append(struct.unpack("<H", take(2))[0])
            elif op == 0x8A:                            # LONG1
                stack.append(int.from_bytes(take(take(1)[0]), "little", signed=True))
            elif op == 0x8B:                            # LONG4
                n = struct.unpack("<i", take(4))[0]
                if n > 1024:
                    self.refuse(f"an integer of {n} bytes")
                stack.append(int.from_bytes(take(n), "little", signed=True))
            elif op == 0x47:                            # BINFLOAT
                stack.append(struct.unpack(">d", take(8))[0])
            elif op == 0x58:                            # BINUNICODE
                stack.append(uni(struct.unpack("<I", take(4))[0]))
            elif op == 0x8C:                            # SHORT_BINUNICODE
                stack.append(uni(take(1)[0]))
            elif op == 0x8D:                            # BINUNICODE8
                stack.append(uni(struct.unpack("<Q", take(8))[0]))
            elif op == 0x55:                            # SHORT_BINSTRING
                stack.append(take(take(1)[0]).decode("latin1"))
            elif op == 0x43:                            # SHORT_BINBYTES
                stack.append(bytes(take(take(1)[0])))
            elif op == 0x42:                            # BINBYTES
                stack.append(bytes(take(struct.unpack("<I", take(4))[0])))
            elif op == 0x7D:                            # EMPTY_DICT
                stack.append({})
            elif op == 0x5D:                            # EMPTY_LIST
                stack.append([])
            elif op == 0x29:                            # EMPTY_TUPLE
                stack.append(())
            elif op == 0x74:                            # TUPLE
                stack.append(tuple(pop_mark()))
            elif op == 0x85:                            # TUPLE1
                stack.append((pop(),))
            elif op == 0x86:                            # TUPLE2
                b, a = pop(), pop()
                stack.append((a, b))
            elif op == 0x87:                            # TUPLE3
                c, b, a = pop(), pop(), pop()
                stack.append((a, b, c))
            elif op == 0x73:                            # SETITEM
                v, k = pop(), pop()
                setitems(top(), [k, v])
            elif op == 0x75:                            # SETITEMS
                items = pop_mark()
                setitems(top(), items)
            elif op == 0x61:                            # APPEND
                v = pop()
                if type(top()) is not list:
                    self.refuse(f"APPEND to a {type(top()).__name__}")
                top().append(v)
            elif op == 0x65:                            # APPENDS
                items = pop_mark()
                if type(top()) is not list:
                    self.refuse(f"APPENDS to a {type(top()).__name__}")
                top().extend(items)
            elif op == 0x71:                            # BINPUT
                memo[take(1)[0]] = top()
            elif op == 0x72:                            # LONG_BINPUT
                memo[struct.unpack("<I", take(4))[0]] = top()
            elif op == 0x94:                            # MEMOIZE
                memo[len(memo)] = top()
            elif op in (0x68, 0x6A):                    # BINGET, LONG_BINGET
                i = take(1)[0] if op == 0x68 else struct.unpack("<I", take(4))[0]
                if i not in memo:
                    self.damaged(f"data.pkl reads memo slot {i}, never written")
                stack.append(memo[i])
            elif op == 0x63:                            # GLOBAL
                module = line()
                stack.append(self.find_global(module, line()))
            elif op == 0x93:                            # STACK_GLOBAL
                name, module = pop(), pop()
                if not (isinstance(module, str) and isinstance(name, str)):
                    self.refuse("STACK_GLOBAL with a non-string name")
                stack.append(self.find_global(module, name))
            elif op == 0x52:                            # REDUCE
                args, func = pop(), pop()
                if not any(func is f for f in self.callables.values()):
                    self.refuse(f"REDUCE calls a {type(func).__name__} value, not an "
                                "allowlisted function")
                if not isinstance(args, tuple):
                    self.refuse("REDUCE with arguments that are not a tuple")
                try:
                    stack.append(func(*args))
                except TypeError as e:
                    self.refuse(f"bad arguments for {func.__name__.lstrip('_')}: {e}")
            elif op == 0x62:                            # BUILD
                state, obj = pop(), top()
                if not (type(obj) is OrderedDict and isinstance(state, dict)
                        and set(state) <= {"_metadata"}):
                    self.refuse(f"BUILD (setting attributes) on a {type(obj).__name__} with "
                                f"state of type {type(state).__name__}; only a state dict's "
                                "_metadata is accepted")
                # _metadata holds PyTorch's per-module versions; chainrule does not use it.
            elif op == 0x51:                            # BINPERSID
                stack.append(self.persistent_load(pop()))
            else:
                name = _OPCODE_NAMES.get(op, f"0x{op:02x}")
                self.refuse(f"pickle opcode {name} at offset {pos - 1}")


_OPCODE_NAMES = {0x69: "INST", 0x6F: "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x50: "PERSID",
                 0x64: "DICT", 0x6C: "LIST", 0x67: "GET", 0x70: "PUT", 0x49: "INT",
                 0x4C: "LONG", 0x53: "STRING", 0x56: "UNICODE", 0x46: "FLOAT",
                 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x8F: "EMPTY_SET",
                 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8",
                 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER", 0x32: "DUP"}


def is_zip(data):
    """True when `data` starts like a zip archive (torch.save's format), not safetensors.

    >>> from chainrule.torch_checkpoint import dumps, is_zip
    >>> is_zip(dumps({"w": torch.zeros(1)})), is_zip(b"\\x08\\x00\\x00\\x00")
    (True, False)
    """
    return bytes(data[:4]) == b"PK\x03\x04"


def loads(data, where):
    """Read a ``torch.save`` zip checkpoint from bytes (see the module docstring).

    >>> from chainrule.torch_checkpoint import dumps, loads
    >>> state = loads(dumps({"w": torch.tensor([1.0, 2.0]), "step": 7}), "in memory")
    >>> state
    {'w': tensor([1., 2.]), 'step': 7}
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise CheckpointFormatError(f"{where}: damaged or truncated zip archive ({e})") from None
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise CheckpointFormatError(f"{where}: refused: the zip archive names an entry twice")
    for i in infos:
        if i.compress_type != zipfile.ZIP_STORED or i.flag_bits & 1:
            raise CheckpointFormatError(
                f"{where}: refused: entry {i.filename!r} is compressed or encrypted "
                "(torch.save stores entries uncompressed; compressed entries could be zip "
                "bombs)")
    pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pkls) != 1:
        raise CheckpointFormatError(
            f"{where} is a zip archive but not a torch.save checkpoint (it has "
            f"{len(pkls)} '<name>/data.pkl' entries, expected 1)")
    prefix = pkls[0][:-len("/data.pkl")]
    if not prefix or prefix in (".", "..") or "\\" in prefix or ":" in prefix:
        raise CheckpointFormatError(f"{where}: refused: archive folder name {prefix!r}")
    big_endian = False
    if f"{prefix}/byteorder" in names:
        order = zf.read(f"{prefix}/byteorder")
        if order not in (b"little", b"big"):
            raise CheckpointFormatError(f"{where}: damaged torch checkpoint: byteorder "
                                        f"{order[:20]!r}")
        big_endian = order == b"big"
    try:
        pkl = zf.read(pkls[0])
    except zipfile.BadZipFile as e:
        raise CheckpointFormatError(f"{where}: damaged torch checkpoint: {pkls[0]} ({e})") \
            from None
    reader = _Reader(zf, prefix, where, big_endian)
    obj = reader.run(pkl)
    if reader.converted_bf16:
        warnings.warn(f"{where}: bfloat16 storages {reader.converted_bf16} loaded as float32 "
                      "(chainrule has no bfloat16; the conversion is exact)", stacklevel=3)
    return obj
