"""Tensor: an ndarray, its gradient, and its place in the computational graph.

This module holds data and graph links only; the math lives in `chainrule.functions`,
whose `__init__` binds the operator methods (+, @, .sum, ...) onto Tensor in one table.
"""
import builtins
import math

import numpy as np

from . import dtypes


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    >>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])

    >>> t = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> t.shape, t.dtype, t.device, t.requires_grad
    (chainrule.Size([2, 2]), chainrule.float32, device(type='cpu'), False)
    >>> t @ t.T + 1
    tensor([[ 6., 12.],
            [12., 26.]])
    >>> t.sum(dim=0), t.mean().item(), t[1, 0]
    (tensor([4., 6.]), 2.5, tensor(3.))
    >>> y = (t.requires_grad_() * 3).sum()
    >>> y.grad_fn is not None, y.requires_grad
    (True, True)
    """

    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "_out_idx", "_version",
                 "_hooks", "_retains_grad", "name", "__weakref__")
    # NumPy hands mixed expressions (ndarray * Tensor) to Tensor's reflected operators
    # (the higher priority), and a ufunc on a Tensor (np.exp(t)) reads it through
    # __array__ and wraps the result back into a Tensor, as PyTorch's tensors do.
    __array_priority__ = 1000

    def __init__(self, *args, requires_grad=False, dtype=None):
        # Tensor([1, 2]) is a float tensor in PyTorch, whatever the Python types inside;
        # Tensor(2, 3) / Tensor(Size) is a (zero-filled here) tensor of that shape.
        d = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
        if args and (isinstance(args[0], Size) or all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args)):
            shape = tuple(args[0]) if isinstance(args[0], Size) else tuple(int(a) for a in args)
            arr = np.zeros(shape, dtype=d)
        else:
            if len(args) > 1:
                raise TypeError(f"Tensor(): expected one data argument or integer sizes, got "
                                f"{len(args)} arguments")
            data = args[0] if args else ()
            arr = np.array(np.asarray(data._data if isinstance(data, Tensor) else data), dtype=d)
        _init(self, arr, False, None)
        if requires_grad:
            self.requires_grad_(True)

    # --- construction without checks, for the ops' hot path -------------------------
    @staticmethod
    def _make(data, requires_grad=False, grad_fn=None):
        t = _new(Tensor)
        t._data = data
        t.requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._out_idx = 0
        t._version = [0]
        return t

    # .grad checks what users assign, as PyTorch does; the engine writes _grad directly.
    @property
    def grad(self):
        """The gradient accumulated by backward (None until then); assignable."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    # --- metadata ---------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self._data.ndim, "size")]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self):
        return dtypes.from_np(self._data.dtype)

    @property
    def device(self):
        return device("cpu")

    @property
    def is_cuda(self):
        return False

    # Tensors here are dense, on the CPU, not quantized: what scripts probe before moving them.
    is_xpu = is_mps = is_meta = is_quantized = is_sparse = is_mkldnn = is_nested = is_cuda

    @property
    def layout(self):
        from .tensor_types import strided
        return strided

    def get_device(self):
        """-1: the CPU (PyTorch's answer for CPU tensors)."""
        return -1

    def is_pinned(self, device=None):
        return False

    def pin_memory(self, device=None):
        """Itself: page-locked memory only matters for copies to a GPU, and there is none."""
        return self

    def share_memory_(self):
        """Itself: single-process tensors (kept for PyTorch scripts that call it)."""
        return self

    def is_shared(self):
        return False

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None):
        """Row-major (the default), or laid out as `memory_format` (channels_last: NHWC)."""
        if memory_format is None or memory_format.name in ("contiguous_format",
                                                           "preserve_format"):
            return bool(self._data.flags.c_contiguous)
        from .tensor_types import strides_contiguous
        return strides_contiguous(self, memory_format)

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    @property
    def _version_count(self):
        return self._version[0]

    # --- conversion -------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        a = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        return Tensor._make(np.asarray(arr))

    # --- .data: PyTorch's view of the same memory outside autograd --------------------
    @property
    def data(self):
        """This tensor's values as a new Tensor on the same memory, outside autograd.

        Edits through it (``p.data.add_(g, alpha=-lr)``, ``w.data.normal_()``) change this
        tensor but are neither recorded nor counted by its version counter.
        """
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self.requires_grad and value._data.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        self._data = value._data

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is "
                               "ambiguous")
        return bool(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, protocol):
        raise TypeError("chainrule tensors are not pickled; use chainrule.save (safetensors)")

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment")
        t = Tensor._make(self._data.copy(), self.requires_grad)
        if self.grad is not None:
            t.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = t
        return t

    # --- graph ------------------------------------------------------------------------
    def detach(self):
        """A new tensor on the same data, cut from the graph."""
        t = Tensor._make(self._data)
        t._version = self._version  # shares storage, so shares the version counter
        return t

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind not in "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients "
                               f"(got {self.dtype})")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep .grad of this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn._retain(self)

    @property
    def retains_grad(self):
        return self.grad_fn is not None and getattr(self, "_retains_grad", False)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with .remove()."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_hook(self._out_idx, hook)
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = self._hooks = []
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) after backward has accumulated this leaf's .grad (DDP starts
        its gradient allreduce there). Returns a handle with .remove().

        >>> w = chainrule.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = w.register_post_accumulate_grad_hook(lambda p: print("grad:", p.grad))
        >>> (3 * w).sum().backward()
        grad: tensor([3., 3.])
        >>> handle.remove()
        """
        from .autograd.engine import register_post_accumulate_grad_hook
        return register_post_accumulate_grad_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Backpropagate from this tensor: accumulate d(self)/d(leaf) into every leaf's .grad.

        `gradient` is required unless this tensor has one element (then it is 1).
        """
        from .autograd.engine import backward
        backward([self], None if gradient is None else [gradient], retain_graph,
                 create_graph, inputs=inputs)

    @property
    def T(self):
        if self._data.ndim > 2:
            # PyTorch deprecates .T beyond 2-D; reversing all dims is what it does.
            return self.permute(*range(self._data.ndim - 1, -1, -1))
        return self.t() if self._data.ndim == 2 else self

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def H(self):
        return self.T

    # --- printing ---------------------------------------------------------------------
    def __repr__(self):
        return _format(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return repr(self)


_new = object.__new__


def _check_grad(t, g):
    if not isinstance(g, Tensor):
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(g).__module__ + '.' if type(g).__module__ != 'builtins' else ''}"
                        f"{type(g).__qualname__}")
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(g._data.shape)}' to "
                           f"a tensor of size '{list(t._data.shape)}'. Please ensure that the "
                           "gradient and the tensor are the same size")
    if g._data.dtype != t._data.dtype:
        raise RuntimeError(f"attempting to assign a gradient with dtype '{g.dtype.name}' to a "
                           f"tensor with dtype '{t.dtype.name}'. The gradient must match the "
                           "tensor's dtype")


def _init(t, data, requires_grad, grad_fn):
    t._data = data
    t.requires_grad = requires_grad
    t._grad = None
    t.grad_fn = grad_fn
    t._out_idx = 0
    t._version = [0]


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's torch.Size.

    >>> s = torch.zeros(2, 3, 4).shape
    >>> s, s[1], s.numel()
    (chainrule.Size([2, 3, 4]), 3, 24)
    >>> isinstance(s, tuple), s == (2, 3, 4)
    (True, True)
    >>> s[1:], s + (5,)
    (chainrule.Size([3, 4]), chainrule.Size([2, 3, 4, 5]))
    """

    def __repr__(self):
        return f"chainrule.Size([{', '.join(map(str, self))}])"

    # Slices, concatenations and repeats of a Size are Sizes, as in PyTorch.
    def __getitem__(self, key):
        got = tuple.__getitem__(self, key)
        return Size(got) if type(key) is slice else got

    def __add__(self, other):
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        return Size(tuple.__add__(tuple(other), self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """A device name, as PyTorch's torch.device: 'cpu', 'cuda', 'cuda:0', ('cuda', 1), 'mps'...

    Any of PyTorch's device types can be named (so ``torch.device("cuda" if
    torch.cuda.is_available() else "cpu")`` and similar lines run), but only the CPU holds
    tensors here: putting a tensor on another device raises one clear RuntimeError.

    >>> torch.device('cpu'), torch.device('cuda:1'), str(torch.device('cuda', 0))
    (device(type='cpu'), device(type='cuda', index=1), 'cuda:0')
    >>> torch.zeros(2).device == torch.device('cpu')
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, builtins.int) and not isinstance(type, builtins.bool):
            # PyTorch reads a bare index as the current accelerator's device.
            raise RuntimeError("Cannot access accelerator device when none is available.")
        type = str(type)
        if ":" in type:
            type, _, idx = type.partition(":")
            if index is not None or not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = builtins.int(idx)
        if type not in DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start "
                               f"of device string: {type}")
        if index is not None and (not isinstance(index, builtins.int) or index < 0):
            raise RuntimeError(f"Device index must not be negative (got {index})")
        self.type, self.index = type, index

    def __repr__(self):
        return (f"device(type='{self.type}')" if self.index is None
                else f"device(type='{self.type}', index={self.index})")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):  # t.device == "cpu": kept lenient (PyTorch says False)
            try:
                other = device(other)
            except RuntimeError:
                return False
        if isinstance(other, device):
            return self.type == other.type and self.index == other.index
        return NotImplemented

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


def on_cpu(spec, op="to"):
    """The device `spec` names, which must be the CPU: anything else raises one clear line.

    >>> from chainrule.tensor import on_cpu
    >>> on_cpu('cpu')
    device(type='cpu')
    >>> on_cpu('cuda:0', op='Tensor.to')
    Traceback (most recent call last):
        ...
    RuntimeError: Tensor.to: chainrule runs on the CPU only; device 'cuda:0' is not ...
    """
    d = spec if isinstance(spec, device) else device(spec)
    if d.type != "cpu":
        hint = " (chainrule.cuda.is_available() is False)" if d.type == "cuda" else ""
        raise RuntimeError(f"{op}: chainrule runs on the CPU only; device '{d}' is not "
                           f"available{hint}: use 'cpu'")
    return d


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _dim(d, ndim, op):
    """Normalise a possibly negative dim, with PyTorch's error when out of range."""
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {d})")
    return d % n


# Printing follows torch/_tensor_str.py: one formatter for the whole tensor (fixed with 4
# decimals, integer-valued floats as "1.", or scientific when the magnitudes span more
# than 1000x), elements right-aligned to a common width, summarised past 1000 elements.
PRINT_OPTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
              "sci_mode": None}


class _Formatter:
    def __init__(self, values, floating):
        self.floating, self.int_mode, self.sci_mode, self.width = floating, True, False, 1
        p = PRINT_OPTS["precision"]
        if not floating:
            self.width = max([len(str(v)) for v in values.reshape(-1).tolist()], default=1)
            return
        v = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if v.size:
            a = np.abs(v)
            lo, hi = a.min(), a.max()
            self.int_mode = bool(np.all(v == np.ceil(v)))
            if hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4):
                self.sci_mode = True
                strs = [f"{x:.{p}e}" for x in v.tolist()]
            elif self.int_mode:
                strs = [f"{x:.0f}." for x in v.tolist()]
            else:
                strs = [f"{x:.{p}f}" for x in v.tolist()]
            self.width = max(len(x) for x in strs)
        if PRINT_OPTS["sci_mode"] is not None:
            self.sci_mode = PRINT_OPTS["sci_mode"]

    def format(self, x):
        p = PRINT_OPTS["precision"]
        if not self.floating:
            r = str(x)
        elif self.sci_mode:
            r = f"{x:{self.width}.{p}e}"
        elif self.int_mode:
            r = f"{x:.0f}" + ("" if math.isinf(x) or math.isnan(x) else ".")
        else:
            r = f"{x:.{p}f}"
        return " " * (self.width - len(r)) + r


def _summarized(a, edge):
    """The elements print shows when the tensor is summarised (for the formatter)."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    return np.stack([_summarized(x, edge) for x in a]) if a.ndim > 1 else a


def _body(a, indent, summarize, fmt):
    edge = PRINT_OPTS["edgeitems"]
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        per_line = builtins.max(1, (PRINT_OPTS["linewidth"] - indent) // (fmt.width + 2))
        if summarize and a.shape[0] > 2 * edge:
            data = [fmt.format(x) for x in a[:edge].tolist()] + [" ..."] + \
                   [fmt.format(x) for x in a[-edge:].tolist()]
        else:
            data = [fmt.format(x) for x in a.tolist()]
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    if summarize and a.shape[0] > 2 * edge:
        rows = [_body(a[i], indent + 1, summarize, fmt) for i in range(edge)] + ["..."] + \
               [_body(a[i], indent + 1, summarize, fmt) for i in range(len(a) - edge, len(a))]
    else:
        rows = [_body(x, indent + 1, summarize, fmt) for x in a]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _format(t):
    a = t._data
    default = dtypes.get_default_dtype().np
    suffixes = []
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
    else:
        summarize = a.size > PRINT_OPTS["threshold"]
        fmt = _Formatter(_summarized(a, PRINT_OPTS["edgeitems"]) if summarize else a,
                         a.dtype.kind == "f")
        body = _body(a, 7, summarize, fmt)
    if a.dtype not in (default, np.dtype(np.int64), np.dtype(np.bool_)):
        suffixes.append(f"dtype={t.dtype!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.backward_name}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    out = "tensor(" + body
    last = len(out) - out.rfind("\n") + 1
    for sfx in suffixes:
        if last + len(sfx) + 2 > PRINT_OPTS["linewidth"]:
            out += ",\n" + " " * 7 + sfx
            last = 7 + len(sfx)
        else:
            out += ", " + sfx
            last += len(sfx) + 2
    return out + ")"


def is_tensor(x):
    """Returns True if obj is a chainrule Tensor (a Parameter included).

    >>> torch.is_tensor(torch.tensor([1.0])), torch.is_tensor([1.0])
    (True, False)
    >>> torch.is_tensor(nn.Parameter(torch.ones(1)))
    True
    """
    return isinstance(x, Tensor)
