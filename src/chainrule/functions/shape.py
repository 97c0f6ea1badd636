"""Shape ops: reshape / view, expand, permute / transpose, squeeze, repeat, cat, stack,
split, pad, flip, roll, tril / triu. Views share memory (and the version counter)."""
import numpy as np

from . import dual
from ._util import as_operand, norm_dim, one_dim, shape_arg
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


class Reshape(Op):
    saves = False
    is_view = True

    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {x.size} "
                               f"(input shape {list(x.shape)})") from None

    def backward(self, g):
        return dual.reshape(g, self.in_shape)


class Expand(Op):
    saves = False
    is_view = True

    def forward(self, x, shape):
        self.in_shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise RuntimeError(f"expand: the expanded size of the tensor ({list(shape)}) must "
                               f"match the existing size {list(x.shape)} at non-singleton "
                               "dimensions") from None

    def backward(self, g):
        return dual.sum_to(g, self.in_shape)


class Permute(Op):
    saves = False
    is_view = True

    def forward(self, x, axes):
        self.inv = tuple(np.argsort(axes))
        return np.transpose(x, axes)

    def backward(self, g):
        return dual.permute(g, self.inv)


class Repeat(Op):
    saves = False

    def forward(self, x, reps):
        self.in_shape = x.shape
        self.reps = reps
        return np.tile(x.reshape((1,) * (len(reps) - x.ndim) + x.shape), reps)

    def backward(self, g):
        # Split each dim d into (rep_d, size_d) and sum over the repeats.
        full = (1,) * (len(self.reps) - len(self.in_shape)) + tuple(self.in_shape)
        split = []
        for r, s in zip(self.reps, full):
            split += [r, s]
        g = dual.reshape(g, tuple(split))
        g = dual.sum(g, tuple(range(0, 2 * len(full), 2)))
        return dual.reshape(g, self.in_shape)


class Cat(Op):
    saves = False

    def forward(self, *arrays, axis):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        out, start = [], 0
        nd = len(g.shape)
        for n, need in zip(self.sizes, self.needs_input_grad):
            if need:
                idx = (slice(None),) * self.axis + (slice(start, start + n),)
                out.append(g[idx] if nd else g)
            else:
                out.append(None)
            start += n
        return tuple(out)


class Pad(Op):
    """Constant padding (non-negative widths); the gradient is the interior slice."""
    saves = False

    def forward(self, x, widths, value):
        self.slices = tuple(slice(lo, lo + s) for (lo, hi), s in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(self, g):
        return g[self.slices]


class Flip(Op):
    saves = False

    def forward(self, x, axes):
        self.axes = axes
        return np.flip(x, axes).copy()

    def backward(self, g):
        if dual.is_array(g):
            return np.flip(g, self.axes)
        return g.flip(self.axes)


class Roll(Op):
    saves = False

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return np.roll(x, shifts, axes)

    def backward(self, g):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        if dual.is_array(g):
            return np.roll(g, neg, self.axes)
        return g.roll(neg, self.axes)


# --- public functions -------------------------------------------------------------------
def reshape(x, *shape_args, shape=None):
    shape = shape_arg(shape_args if shape is None else (shape,))
    return Reshape.apply(as_operand(x), shape=shape)


def view(x, *shape, size=None):
    if size is not None:
        shape = (size,)
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and shape[0] is not None:
        return _view_dtype(x, shape[0])
    shape = shape_arg(shape)
    if not x._data.flags.c_contiguous and x._data.size > 1:
        # PyTorch refuses views that need a copy; NumPy would silently copy.
        try:
            x._data.view().shape = shape
        except (AttributeError, ValueError):
            raise RuntimeError("view size is not compatible with input tensor's size and stride "
                               "(at least one dimension spans across two contiguous subspaces)."
                               " Use .reshape(...) instead.") from None
    return Reshape.apply(x, shape=shape)


def _view_dtype(x, dtype):
    """view(dtype): the same bytes read as another dtype (PyTorch's bit reinterpretation,
    not a value cast; use .to(dtype) for that). Not differentiable."""
    from .. import dtypes
    d = dtypes.get(dtype).np
    a = x._data
    if d.itemsize != a.itemsize and (a.ndim == 0 or not a.flags.c_contiguous
                                     or (a.shape[-1] * a.itemsize) % d.itemsize):
        raise RuntimeError(f"view(dtype): cannot view a {x.dtype.name} tensor of shape "
                           f"{list(a.shape)} as {dtypes.from_np(d).name}: the last dimension's "
                           "bytes must divide evenly and the tensor must be contiguous")
    if x.requires_grad and d.kind == "f" and d != a.dtype:
        raise RuntimeError("view(dtype) of a tensor that requires grad is not differentiable; "
                           "use .detach().view(dtype) or .to(dtype)")
    out = _make(a.view(d))
    out._version = x._version  # same storage
    return out


def flatten(x, start_dim=0, end_dim=-1):
    x = as_operand(x)
    nd = x._data.ndim
    if nd == 0:
        return Reshape.apply(x, shape=(1,))
    s, e = one_dim(start_dim, nd, "flatten"), one_dim(end_dim, nd, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shp = x._data.shape
    new = shp[:s] + (int(np.prod(shp[s:e + 1])),) + shp[e + 1:]
    return Reshape.apply(x, shape=new)


def unflatten(x, dim, sizes):
    d = one_dim(dim, x._data.ndim, "unflatten")
    shp = x._data.shape
    sizes = list(sizes)
    if -1 in sizes:
        known = int(np.prod([s for s in sizes if s != -1]))
        sizes[sizes.index(-1)] = shp[d] // known
    return Reshape.apply(x, shape=shp[:d] + tuple(sizes) + shp[d + 1:])


def squeeze(x, dim=None):
    shp = x._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
    else:
        axes = norm_dim(dim, x._data.ndim, "squeeze") or ()
        new = tuple(s for i, s in enumerate(shp) if not (i in axes and s == 1))
    return Reshape.apply(x, shape=new)


def unsqueeze(x, dim):
    nd = x._data.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: Dimension out of range (expected to be in range of "
                         f"[{-nd}, {nd - 1}], but got {dim})")
    d = dim % nd
    shp = x._data.shape
    return Reshape.apply(x, shape=shp[:d] + (1,) + shp[d:])


def expand(x, *shape, size=None):
    shape = shape_arg(shape if size is None else (size,))
    xs = x._data.shape
    if len(shape) < len(xs):
        raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(xs)})")
    lead = len(shape) - len(xs)
    full = tuple(xs[i - lead] if s == -1 else s for i, s in enumerate(shape))
    if full == xs:
        return x
    return Expand.apply(x, shape=full)


def expand_as(x, other):
    return expand(x, other.shape)


def broadcast_to(x, shape):
    return expand(x, shape)


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def permute(x, *dims_args, dims=None):
    dims = shape_arg(dims_args if dims is None else (dims,))
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    axes = tuple(one_dim(d, nd, "permute") for d in dims)
    if len(set(axes)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    if axes == tuple(range(nd)):
        return Reshape.apply(x, shape=x._data.shape)
    return Permute.apply(x, axes=axes)


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    if nd == 0:
        return x
    a, b = one_dim(dim0, nd, "transpose"), one_dim(dim1, nd, "transpose")
    axes = list(range(nd))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, axes=tuple(axes))


swapaxes = swapdims = transpose


def t(x):
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{x._data.ndim}D")
    return transpose(x, 0, 1) if x._data.ndim == 2 else x


def movedim(x, source, destination):
    nd = x._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [one_dim(s, nd, "movedim") for s in src]
    dst = [one_dim(s, nd, "movedim") for s in dst]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, *order)


def repeat(x, *sizes, repeats=None):
    reps = shape_arg(sizes if repeats is None else (repeats,))
    if len(reps) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return Repeat.apply(x, reps=reps)


def contiguous(x, memory_format=None):
    if x._data.flags.c_contiguous:
        return x
    from .elementwise import Copy
    out = Copy.apply(x)
    out._data = np.ascontiguousarray(out._data)
    return out


def cat(tensors, dim=0, *, axis=None):
    if axis is not None:
        dim = axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")  # as PyTorch
    tensors = [as_operand(t) for t in tensors]
    # PyTorch skips legacy empty 1-D tensors of shape (0,) in cat.
    nonempty = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)]
    if not nonempty:
        return tensors[0]
    tensors = nonempty
    dtype = tensors[0]._data.dtype
    if any(t._data.dtype != dtype for t in tensors[1:]):
        from .. import dtypes
        from ._util import cast
        rt = dtypes.result_type(*[t._data if t._data.ndim else t._data.reshape(1)
                                  for t in tensors])
        tensors = [cast(t, rt) for t in tensors]
    nd = tensors[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor cannot be concatenated")
    d = one_dim(dim, nd, "cat")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        s = t._data.shape
        if len(s) != nd or any(a != b for k, (a, b) in enumerate(zip(s, ref)) if k != d):
            raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {d}. "
                               f"Expected size {list(ref)} but got size {list(s)} for tensor "
                               f"number {i} in the list.")
    return Cat.apply(*tensors, axis=d)


concat = concatenate = cat


def stack(tensors, dim=0):
    tensors = [as_operand(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    nd = len(ref) + 1
    if not -nd <= dim < nd:
        raise IndexError(f"stack: Dimension out of range (expected to be in range of "
                         f"[{-nd}, {nd - 1}], but got {dim})")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def hstack(tensors):
    return cat(tensors, 1 if tensors[0]._data.ndim > 1 else 0)


def vstack(tensors):
    return cat([t if t._data.ndim > 1 else t.reshape(1, -1) for t in tensors], 0)


def narrow(x, dim, start, length):
    d = one_dim(dim, x._data.ndim, "narrow")
    n = x._data.shape[d]
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}) of dim {d} (tensor shape {list(x._data.shape)})")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def split(x, split_size_or_sections=None, dim=0, *, split_size=None):
    if split_size_or_sections is None:
        split_size_or_sections = split_size  # Tensor.split's keyword name
    d = one_dim(dim, x._data.ndim, "split")
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if builtin_sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(x, d, start, s))
        start += s
    return tuple(out)


builtin_sum = sum


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = one_dim(dim, x._data.ndim, "chunk")
    n = x._data.shape[d]
    size = -(-n // chunks) if n else 1
    return split(x, max(size, 1), d)


def tensor_split(x, sections, dim=0):
    d = one_dim(dim, x._data.ndim, "tensor_split")
    n = x._data.shape[d]
    if isinstance(sections, int):
        q, r = divmod(n, sections)
        sizes = [q + 1] * r + [q] * (sections - r)
    else:
        bounds = [0] + list(sections) + [n]
        sizes = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
    return split(x, sizes, d)


def unbind(x, dim=0):
    d = one_dim(dim, x._data.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x._data.shape[d]))


def pad(x, pad, mode="constant", value=None):
    """F.pad: `pad` lists (left, right) pairs starting from the last dimension."""
    if len(pad) % 2:
        raise RuntimeError("pad: padding length must be divisible by 2")
    nd = x._data.ndim
    if len(pad) // 2 > nd:
        raise RuntimeError(f"pad: padding length ({len(pad)}) too large for a {nd}-D input")
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        widths[nd - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode != "constant":
        return _pad_mode(x, tuple(widths), mode)
    if any(lo < 0 or hi < 0 for lo, hi in widths):  # negative padding crops first
        x = x[tuple(slice(max(-lo, 0), s - max(-hi, 0)) for (lo, hi), s in
                    zip(widths, x._data.shape))]
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    return Pad.apply(x, widths=tuple(widths), value=0 if value is None else value)


def _pad_mode(x, widths, mode):
    """reflect / replicate / circular padding as gathers of indices (differentiable)."""
    out = x
    for d, (lo, hi) in enumerate(widths):
        if lo == 0 and hi == 0:
            continue
        n = out._data.shape[d]
        idx = np.arange(-lo, n + hi)
        if mode == "reflect":
            period = 2 * (n - 1)
            idx = np.abs(idx) % period if period else np.zeros_like(idx)
            idx = np.where(idx >= n, period - idx, idx)
        elif mode == "replicate":
            idx = np.clip(idx, 0, n - 1)
        elif mode == "circular":
            idx = idx % n
        else:
            raise NotImplementedError(f"pad: mode {mode!r} is not supported")
        out = out[(slice(None),) * d + (idx,)]
    return out


def flip(x, *dims_args, dims=None):
    """Reverse the order along dims: flip(x, (0, 2)), flip(x, dims=[0]) or x.flip(0, 2)."""
    dims = dims_args if dims is None else (dims if isinstance(dims, (tuple, list)) else (dims,))
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    dims = norm_dim(tuple(dims), x._data.ndim, "flip")
    return Flip.apply(x, axes=dims or ())


def fliplr(x):
    return flip(x, (1,))


def flipud(x):
    return flip(x, (0,))


def roll(x, shifts, dims=None):
    if dims is None:
        flat = Roll.apply(x.reshape(-1), shifts=shifts, axes=0)
        return flat.reshape(x._data.shape)
    if isinstance(shifts, (tuple, list)):
        dims = tuple(one_dim(d, x._data.ndim, "roll") for d in dims)
        return Roll.apply(x, shifts=tuple(shifts), axes=dims)
    return Roll.apply(x, shifts=shifts, axes=one_dim(dims, x._data.ndim, "roll"))


def _tri_mask(shape, diagonal, lower):
    n, m = shape[-2], shape[-1]
    return np.tri(n, m, diagonal, dtype=bool) if lower else ~np.tri(n, m, diagonal - 1,
                                                                    dtype=bool)


def tril(x, diagonal=0):
    if x._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    from .elementwise import Where
    mask = _tri_mask(x._data.shape, diagonal, True)
    return Where.apply(x, _make(np.zeros((), x._data.dtype)), cond=mask)


def triu(x, diagonal=0):
    if x._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    from .elementwise import Where
    mask = _tri_mask(x._data.shape, diagonal, False)
    return Where.apply(x, _make(np.zeros((), x._data.dtype)), cond=mask)


def atleast_1d(x):
    return x.reshape(1) if x._data.ndim == 0 else x


def atleast_2d(x):
    return x.reshape(1, -1) if x._data.ndim < 2 else x
