"""Shape ops: reshape / view, expand, permute / transpose, squeeze, repeat, cat, stack,
split, pad, flip, roll, tril / triu. Views share memory (and the version counter)."""
import numpy as np

from . import dual
from ._util import as_operand, norm_dim, one_dim, shape_arg
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


class Reshape(Op):
    """The node of reshape / view: backward reshapes the gradient back to the input's shape.

    >>> x = torch.ones(2, 3, requires_grad=True)
    >>> y = x.reshape(6); y.grad_fn
    <ReshapeBackward0 object>
    >>> y.backward(torch.arange(6.0)); x.grad
    tensor([[0., 1., 2.],
            [3., 4., 5.]])
    """
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
    """The node of expand / broadcast_to: backward sums the gradient over the broadcast dims.

    >>> x = torch.ones(3, 1, requires_grad=True)
    >>> y = x.expand(3, 2); y.grad_fn
    <ExpandBackward0 object>
    >>> y.sum().backward(); x.grad
    tensor([[2.],
            [2.],
            [2.]])
    """
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
    """The node of permute / transpose: backward applies the inverse permutation to the gradient.

    >>> x = torch.ones(2, 3, requires_grad=True)
    >>> y = x.permute(1, 0); y.grad_fn
    <PermuteBackward0 object>
    >>> y.backward(torch.arange(6.0).reshape(3, 2)); x.grad
    tensor([[0., 2., 4.],
            [1., 3., 5.]])
    """
    saves = False
    is_view = True

    def forward(self, x, axes):
        self.inv = tuple(np.argsort(axes))
        return np.transpose(x, axes)

    def backward(self, g):
        return dual.permute(g, self.inv)


class Repeat(Op):
    """The node of Tensor.repeat (tiling): backward sums the gradient over the copies.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.repeat(3); y.grad_fn
    <RepeatBackward0 object>
    >>> y.backward(torch.arange(6.0)); x.grad
    tensor([6., 9.])
    """
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
    """The node of cat / stack: backward slices each input's part out of the gradient.

    >>> a = torch.ones(2, requires_grad=True); b = torch.ones(3, requires_grad=True)
    >>> y = torch.cat([a, b]); y.grad_fn
    <CatBackward0 object>
    >>> y.backward(torch.arange(5.0)); a.grad, b.grad
    (tensor([0., 1.]), tensor([2., 3., 4.]))
    """
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


class SplitViews(Op):
    """Views of x cut along `axis` into pieces of `sizes`, as one node with an output per
    piece (MultiheadAttention's q / k / v from its one in-projection). Backward writes
    the pieces' gradients into one array, where one indexing node per piece would give
    a zero-filled array each for the engine to add up; each element is the same sum (the
    gradient plus the zeros, which turns -0.0 into 0.0 as that sum does). The outputs
    share x's version counter, and, as PyTorch's split views, may not be changed in place
    while recorded.

    >>> x = torch.arange(6.0, requires_grad=True)
    >>> from chainrule.functions.shape import SplitViews
    >>> a, b = SplitViews.apply(x, axis=0, sizes=(2, 4)); b.grad_fn
    <SplitViewsBackward0 object>
    >>> (a.sum() + 2 * b.sum()).backward(); x.grad
    tensor([1., 1., 2., 2., 2., 2.])
    """
    is_view = True
    saves = False
    plain_backward = False

    @classmethod
    def apply(cls, x, *, axis, sizes):
        from ..autograd.function import GRAD_ENABLED, _next_seq
        node = cls()
        outs = node.forward(x._data, axis=axis, sizes=sizes)
        record = x.requires_grad and GRAD_ENABLED[0]
        if record:
            node.needs_input_grad = (True,)
            node.inputs = (x,)
            node.seq = _next_seq()
            node.n_outputs = len(outs)
        results = []
        for k, o in enumerate(outs):
            t = _make(o)
            t._version = x._version
            if record:
                t.requires_grad, t.grad_fn, t._out_idx = True, node, k
            results.append(t)
        return tuple(results)

    def forward(self, x, axis, sizes):
        self.axis, self.sizes, self.shape = axis, tuple(sizes), x.shape
        lead = (slice(None),) * axis
        self.keys, start = [], 0
        for n in sizes:
            self.keys.append(lead + (slice(start, start + n),))
            start += n
        return [x[k] for k in self.keys]

    def _run_backward(self, grads):
        return (self.backward(*grads),)

    def backward(self, *grads):
        present = [g for g in grads if g is not None]
        if not all(dual.is_array(g) for g in present):
            # create_graph: the recorded scatters, summed as the engine would sum them
            from .index import IndexAdd
            total = None
            for g, key in zip(grads, self.keys):
                if g is not None:
                    s = IndexAdd.scatter(g, key, self.shape, True)
                    total = s if total is None else total + s
            return total
        out = np.empty(self.shape, np.result_type(*present))
        for g, key in zip(grads, self.keys):
            if g is None:
                out[key] = 0
            elif len(present) > 1:
                np.add(g, 0.0, out=out[key])    # g + the others' zeros, as the engine's sum
            else:
                out[key] = g
        return out


class Pad(Op):
    """Constant padding (non-negative widths); the gradient is the interior slice.

    >>> x = torch.ones(2, requires_grad=True)
    >>> y = F.pad(x, (1, 2)); y
    tensor([0., 1., 1., 0., 0.], grad_fn=<PadBackward0>)
    >>> y.backward(torch.arange(5.0)); x.grad
    tensor([1., 2.])
    """
    saves = False

    def forward(self, x, widths, value):
        self.slices = tuple(slice(lo, lo + s) for (lo, hi), s in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(self, g):
        return g[self.slices]


class Flip(Op):
    """The node of flip: backward flips the gradient back along the same dims.

    >>> x = torch.ones(3, requires_grad=True)
    >>> y = torch.flip(x, [0]); y.grad_fn
    <FlipBackward0 object>
    >>> y.backward(torch.tensor([1.0, 2.0, 3.0])); x.grad
    tensor([3., 2., 1.])
    """
    saves = False

    def forward(self, x, axes):
        self.axes = axes
        return np.flip(x, axes).copy()

    def backward(self, g):
        if dual.is_array(g):
            return np.flip(g, self.axes)
        return g.flip(self.axes)


class Roll(Op):
    """The node of roll: backward rolls the gradient by the opposite shifts.

    >>> x = torch.ones(3, requires_grad=True)
    >>> y = torch.roll(x, 1, 0); y.grad_fn
    <RollBackward0 object>
    >>> y.backward(torch.tensor([1.0, 2.0, 3.0])); x.grad
    tensor([2., 3., 1.])
    """
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
    """Returns input's elements in the given shape (a view when possible; -1 infers a size).

    >>> torch.reshape(torch.arange(6), (2, -1))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    shape = shape_arg(shape_args if shape is None else (shape,))
    return Reshape.apply(as_operand(x), shape=shape)


def view(x, *shape, size=None):
    """Returns a view of input with the given shape (the data is shared, not copied).

    >>> x = torch.arange(6.0)
    >>> y = x.view(3, 2); y[0, 0] = 10.0; x
    tensor([10.,  1.,  2.,  3.,  4.,  5.])
    """
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
    """Flattens dims start_dim..end_dim of input into one dim.

    >>> torch.flatten(torch.zeros(2, 3, 4), start_dim=1).shape
    chainrule.Size([2, 12])
    """
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
    """Splits dim `dim` of input into several dims of the given sizes.

    >>> torch.unflatten(torch.arange(6), 0, (2, 3))
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    d = one_dim(dim, x._data.ndim, "unflatten")
    shp = x._data.shape
    sizes = list(sizes)
    if -1 in sizes:
        known = int(np.prod([s for s in sizes if s != -1]))
        sizes[sizes.index(-1)] = shp[d] // known
    return Reshape.apply(x, shape=shp[:d] + tuple(sizes) + shp[d + 1:])


def squeeze(x, dim=None):
    """Removes dims of size 1 (all of them, or only `dim`).

    >>> x = torch.zeros(2, 1, 3, 1)
    >>> torch.squeeze(x).shape, torch.squeeze(x, 1).shape
    (chainrule.Size([2, 3]), chainrule.Size([2, 3, 1]))
    """
    shp = x._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
    else:
        axes = norm_dim(dim, x._data.ndim, "squeeze") or ()
        new = tuple(s for i, s in enumerate(shp) if not (i in axes and s == 1))
    return Reshape.apply(x, shape=new)


def unsqueeze(x, dim):
    """Inserts a dim of size 1 at position `dim`.

    >>> torch.unsqueeze(torch.tensor([1, 2, 3]), 1)
    tensor([[1],
            [2],
            [3]])
    """
    nd = x._data.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: Dimension out of range (expected to be in range of "
                         f"[{-nd}, {nd - 1}], but got {dim})")
    d = dim % nd
    shp = x._data.shape
    return Reshape.apply(x, shape=shp[:d] + (1,) + shp[d:])


def expand(x, *shape, size=None):
    """Returns a view of input broadcast to a larger shape (size-1 dims repeat, -1 keeps a size).

    >>> torch.tensor([[1], [2]]).expand(2, 3)
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
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
    """Expands input to the shape of `other`.

    >>> torch.tensor([1, 2]).expand_as(torch.zeros(3, 2))
    tensor([[1, 2],
            [1, 2],
            [1, 2]])
    """
    return expand(x, other.shape)


def broadcast_to(x, shape):
    """Broadcasts input to `shape` (the same as expand).

    >>> torch.broadcast_to(torch.tensor([1, 2, 3]), (2, 3))
    tensor([[1, 2, 3],
            [1, 2, 3]])
    """
    return expand(x, shape)


def broadcast_tensors(*tensors):
    """Broadcasts the given tensors to their common shape, following the broadcasting rules.

    >>> a, b = torch.broadcast_tensors(torch.tensor([[1], [2]]), torch.tensor([10, 20, 30]))
    >>> a
    tensor([[1, 1, 1],
            [2, 2, 2]])
    >>> b
    tensor([[10, 20, 30],
            [10, 20, 30]])
    """
    shape = np.broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def permute(x, *dims_args, dims=None):
    """Returns a view of input with its dims reordered by `dims`.

    >>> torch.permute(torch.zeros(2, 3, 4), (2, 0, 1)).shape
    chainrule.Size([4, 2, 3])
    """
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
    """Returns a view of input with dims dim0 and dim1 swapped (also swapaxes / swapdims).

    >>> torch.transpose(torch.tensor([[1, 2, 3], [4, 5, 6]]), 0, 1)
    tensor([[1, 4],
            [2, 5],
            [3, 6]])
    """
    nd = x._data.ndim
    if nd == 0:
        return x
    a, b = one_dim(dim0, nd, "transpose"), one_dim(dim1, nd, "transpose")
    axes = list(range(nd))
    axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(x, axes=tuple(axes))


swapaxes = swapdims = transpose


def t(x):
    """Transposes a matrix (dims 0 and 1); 0-D and 1-D tensors are returned as they are.

    >>> torch.t(torch.tensor([[1, 2], [3, 4]]))
    tensor([[1, 3],
            [2, 4]])
    """
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{x._data.ndim}D")
    return transpose(x, 0, 1) if x._data.ndim == 2 else x


def movedim(x, source, destination):
    """Moves the dims `source` of input to positions `destination` (also moveaxis).

    >>> torch.movedim(torch.zeros(2, 3, 4), 0, -1).shape
    chainrule.Size([3, 4, 2])
    """
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
    """Tensor.repeat: tiles input `sizes[i]` times along each dim (np.tile).

    >>> torch.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    reps = shape_arg(sizes if repeats is None else (repeats,))
    if len(reps) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return Repeat.apply(x, reps=reps)


def contiguous(x, memory_format=None):
    """Returns input itself if it is contiguous in memory, else a contiguous copy.

    >>> x = torch.arange(6).reshape(2, 3).t()
    >>> x.is_contiguous(), x.contiguous().is_contiguous()
    (False, True)
    """
    if x._data.flags.c_contiguous:
        return x
    from .elementwise import Copy
    out = Copy.apply(x)
    out._data = np.ascontiguousarray(out._data)
    return out


def cat(tensors, dim=0, *, axis=None):
    """Concatenates tensors along an existing dim (also concat / concatenate).

    >>> torch.cat([torch.tensor([[1, 2]]), torch.tensor([[3, 4], [5, 6]])], dim=0)
    tensor([[1, 2],
            [3, 4],
            [5, 6]])
    """
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
    """Stacks tensors of the same shape along a new dim `dim`.

    >>> torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1)
    tensor([[1, 3],
            [2, 4]])
    """
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
    """Stacks tensors horizontally: along dim 1, or dim 0 for 1-D tensors.

    >>> torch.hstack([torch.tensor([1, 2]), torch.tensor([3])])
    tensor([1, 2, 3])
    """
    return cat(tensors, 1 if tensors[0]._data.ndim > 1 else 0)


def vstack(tensors):
    """Stacks tensors vertically (along dim 0), 1-D tensors becoming rows (also row_stack).

    >>> torch.vstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[1, 2],
            [3, 4]])
    """
    return cat([t if t._data.ndim > 1 else t.reshape(1, -1) for t in tensors], 0)


def narrow(x, dim, start, length):
    """Returns a view of `length` elements of input along `dim`, from `start`.

    >>> torch.narrow(torch.arange(10), 0, 2, 3)
    tensor([2, 3, 4])
    """
    d = one_dim(dim, x._data.ndim, "narrow")
    n = x._data.shape[d]
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({n}) of dim {d} (tensor shape {list(x._data.shape)})")
    return x[(slice(None),) * d + (slice(start, start + length),)]


def split(x, split_size_or_sections=None, dim=0, *, split_size=None):
    """Splits input into chunks of `split_size` (an int) or of the listed sizes along `dim`.

    >>> torch.split(torch.arange(5), 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    >>> torch.split(torch.arange(5), [1, 4])
    (tensor([0]), tensor([1, 2, 3, 4]))
    """
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
    """Splits input into `chunks` pieces along `dim` (the last may be smaller).

    >>> torch.chunk(torch.arange(5), 3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = one_dim(dim, x._data.ndim, "chunk")
    n = x._data.shape[d]
    size = -(-n // chunks) if n else 1
    return split(x, max(size, 1), d)


def tensor_split(x, indices_or_sections=None, dim=0, *, sections=None, indices=None):
    """Views of x split along dim (torch.tensor_split): an int (or 0-d tensor) n gives n
    near-equal pieces; a list (or 1-d tensor) of indices cuts before each index, pieces
    clamped to the dim and empty where an index is below the previous one.

    >>> [p.shape[0] for p in chainrule.arange(5).tensor_split([1, 4])]
    [1, 3, 1]
    """
    spec = indices_or_sections
    if spec is None:
        spec = sections if sections is not None else indices
    if isinstance(spec, Tensor):
        if spec._data.dtype.kind not in "iu":
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have "
                               f"integer dtype, but got {spec.dtype}")
        if spec._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {spec._data.ndim} dims")
        spec = int(spec._data) if spec._data.ndim == 0 else [int(i) for i in spec._data]
    d = one_dim(dim, x._data.ndim, "tensor_split")
    n = x._data.shape[d]
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        q, r = divmod(n, spec)
        sizes = [q + 1] * r + [q] * (spec - r)
        return split(x, sizes, d)
    bounds = [0] + [int(i) for i in spec] + [n]
    lead = (slice(None),) * d
    return tuple(x[lead + (slice(bounds[i], max(bounds[i], bounds[i + 1])),)]
                 for i in range(len(bounds) - 1))


def unbind(x, dim=0):
    """Removes dim `dim`, returning the slices along it as a tuple.

    >>> torch.unbind(torch.tensor([[1, 2], [3, 4]]), dim=1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    d = one_dim(dim, x._data.ndim, "unbind")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x._data.shape[d]))


def pad(x, pad, mode="constant", value=None):
    """F.pad: `pad` lists (left, right) pairs starting from the last dimension.

    >>> F.pad(torch.tensor([[1.0, 2.0]]), (1, 1), value=0.0)
    tensor([[0., 1., 2., 0.]])
    >>> F.pad(torch.tensor([[[1.0, 2.0, 3.0]]]), (2, 0), mode="reflect")
    tensor([[[3., 2., 1., 2., 3.]]])
    """
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
    """Reverse the order along dims: flip(x, (0, 2)), flip(x, dims=[0]) or x.flip(0, 2).

    >>> torch.flip(torch.tensor([[1, 2], [3, 4]]), [0, 1])
    tensor([[4, 3],
            [2, 1]])
    """
    dims = dims_args if dims is None else (dims if isinstance(dims, (tuple, list)) else (dims,))
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    dims = norm_dim(tuple(dims), x._data.ndim, "flip")
    return Flip.apply(x, axes=dims or ())


def fliplr(x):
    """Flips a tensor of at least 2 dims left-right (along dim 1).

    >>> torch.fliplr(torch.tensor([[1, 2], [3, 4]]))
    tensor([[2, 1],
            [4, 3]])
    """
    return flip(x, (1,))


def flipud(x):
    """Flips a tensor up-down (along dim 0).

    >>> torch.flipud(torch.tensor([[1, 2], [3, 4]]))
    tensor([[3, 4],
            [1, 2]])
    """
    return flip(x, (0,))


def roll(x, shifts, dims=None):
    """Rolls input's elements by `shifts` along `dims` (over the flattened tensor without dims).

    Elements pushed off one end come back at the other.

    >>> torch.roll(torch.tensor([1, 2, 3, 4]), 1)
    tensor([4, 1, 2, 3])
    >>> torch.roll(torch.tensor([[1, 2], [3, 4]]), shifts=1, dims=0)
    tensor([[3, 4],
            [1, 2]])
    """
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
    """The lower triangle of a matrix (or batch): elements above diagonal `diagonal` set to 0.

    out_ij = x_ij if j - i <= diagonal else 0

    >>> torch.tril(torch.ones(3, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.],
            [1., 1., 1.]])
    """
    if x._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    from .elementwise import Where
    mask = _tri_mask(x._data.shape, diagonal, True)
    return Where.apply(x, _make(np.zeros((), x._data.dtype)), cond=mask)


def triu(x, diagonal=0):
    """The upper triangle of a matrix (or batch): elements below diagonal `diagonal` set to 0.

    out_ij = x_ij if j - i >= diagonal else 0

    >>> torch.triu(torch.ones(3, 3), diagonal=1)
    tensor([[0., 1., 1.],
            [0., 0., 1.],
            [0., 0., 0.]])
    """
    if x._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    from .elementwise import Where
    mask = _tri_mask(x._data.shape, diagonal, False)
    return Where.apply(x, _make(np.zeros((), x._data.dtype)), cond=mask)


def _atleast(tensors, one, op):
    """PyTorch's atleast_Nd calling forms: one tensor -> a tensor; several tensors, or one
    list/tuple of them -> a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(one(t) for t in tensors[0])
    if len(tensors) == 1:
        return one(tensors[0])
    if not tensors:
        raise TypeError(f"{op}() missing 1 required positional argument: 'tensors'")
    return tuple(one(t) for t in tensors)


def _atleast_1d(x):
    return x.reshape(1) if x._data.ndim == 0 else x


def _atleast_2d(x):
    return x.reshape(1, -1) if x._data.ndim < 2 else x


def _atleast_3d(x):
    n = x._data.ndim
    if n == 0:
        return x.reshape(1, 1, 1)
    if n == 1:
        return x.reshape(1, -1, 1)
    return x.unsqueeze(-1) if n == 2 else x


def atleast_1d(*tensors):
    """The tensor(s) with at least one dimension (torch.atleast_1d).

    >>> chainrule.atleast_1d(chainrule.tensor(3.)).shape
    chainrule.Size([1])
    """
    return _atleast(tensors, _atleast_1d, "atleast_1d")


def atleast_2d(*tensors):
    """The tensor(s) with at least two dimensions, a new leading one first.

    >>> chainrule.atleast_2d(chainrule.ones(3)).shape
    chainrule.Size([1, 3])
    """
    return _atleast(tensors, _atleast_2d, "atleast_2d")


def atleast_3d(*tensors):
    """The tensor(s) with at least three dimensions, as torch.atleast_3d: (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1).

    >>> chainrule.atleast_3d(chainrule.ones(2, 3)).shape
    chainrule.Size([2, 3, 1])
    """
    return _atleast(tensors, _atleast_3d, "atleast_3d")


# --- diagonals, windows, repeats, grids, rotations --------------------------------------
def _diag_len(n1, n2, k):
    return max(0, min(n1, n2 - k) if k >= 0 else min(n1 + k, n2))


def _diag_view(a, offset, d1, d2):
    """The (offset) diagonal of axes d1, d2 as a strided view, appended as the last axis
    (np.diagonal's layout), writable when `a` is (PyTorch's diagonal is a view)."""
    m = np.moveaxis(a, (d1, d2), (-2, -1))
    n1, n2 = m.shape[-2:]
    length = _diag_len(n1, n2, offset)
    start = m[..., max(-offset, 0):, max(offset, 0):] if length else m[..., :0, :0]
    st = start.strides
    return np.lib.stride_tricks.as_strided(
        start, start.shape[:-2] + (length,), st[:-2] + (st[-2] + st[-1],),
        writeable=bool(a.flags.writeable))


class Diagonal(Op):
    """The node of diagonal: backward scatters the gradient onto the diagonal of a zero tensor.

    >>> x = torch.ones(2, 2, requires_grad=True)
    >>> y = torch.diagonal(x); y.grad_fn
    <DiagonalBackward0 object>
    >>> y.backward(torch.tensor([1.0, 2.0])); x.grad
    tensor([[1., 0.],
            [0., 2.]])
    """
    saves = False
    is_view = True

    def forward(self, x, offset, d1, d2):
        self.args = (x.shape, offset, d1, d2)
        return _diag_view(x, offset, d1, d2)

    def backward(self, g):
        return DiagScatter.scatter(g, *self.args)


class DiagScatter(Op):
    """zeros(shape) with g on the (offset) diagonal of axes d1, d2: the backward of
    Diagonal, and diag_embed (its own backward is Diagonal).

    >>> x = torch.ones(2, requires_grad=True)
    >>> y = torch.diag_embed(x); y
    tensor([[1., 0.],
            [0., 1.]], grad_fn=<DiagScatterBackward0>)
    >>> y.backward(torch.tensor([[1.0, 2.0], [3.0, 4.0]])); x.grad
    tensor([1., 4.])
    """
    saves = False

    @staticmethod
    def scatter(g, shape, offset, d1, d2):
        if dual.is_array(g):
            out = np.zeros(shape, dtype=g.dtype)
            _diag_view(out, offset, d1, d2)[...] = g
            return out
        return DiagScatter.apply(g, shape=shape, offset=offset, d1=d1, d2=d2)

    def forward(self, g, shape, offset, d1, d2):
        self.args = (offset, d1, d2)
        return DiagScatter.scatter(g, shape, offset, d1, d2)

    def backward(self, gg):
        if dual.is_array(gg):
            return _diag_view(gg, *self.args).copy()
        return Diagonal.apply(gg, offset=self.args[0], d1=self.args[1], d2=self.args[2])


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002 - PyTorch's argument names
    """The diagonal of dims dim1, dim2 (a view), appended as the last dim.

    >>> x = torch.tensor([[1, 2, 3], [4, 5, 6]])
    >>> torch.diagonal(x), torch.diagonal(x, offset=1)
    (tensor([1, 5]), tensor([2, 6]))
    """
    x = as_operand(input)
    nd = x._data.ndim
    if nd < 2:
        raise RuntimeError(f"diagonal(): input must have at least 2 dimensions, got {nd}")
    d1, d2 = one_dim(dim1, nd, "diagonal"), one_dim(dim2, nd, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal(): dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(x, offset=int(offset), d1=d1, d2=d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """A tensor whose (offset) diagonals over dim1, dim2 are input's last dim.

    >>> torch.diag_embed(torch.tensor([[1, 2], [3, 4]]))
    tensor([[[1, 0],
             [0, 2]],
    <BLANKLINE>
            [[3, 0],
             [0, 4]]])
    """
    x = as_operand(input)
    nd = x._data.ndim + 1
    d1, d2 = one_dim(dim1, nd, "diag_embed"), one_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed(): diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = (x._data.shape[-1] if x._data.ndim else 1) + abs(int(offset))
    lead = list(x._data.shape[:-1])
    shape = [0] * nd
    rest = iter(lead)
    for i in range(nd):
        shape[i] = n if i in (d1, d2) else next(rest)
    src = x if x._data.ndim else x.reshape(1)
    return DiagScatter.apply(src, shape=tuple(shape), offset=int(offset), d1=d1, d2=d2)


def diagflat(input, offset=0):  # noqa: A002
    """A 2-D tensor with the flattened input on its (offset) diagonal.

    >>> torch.diagflat(torch.tensor([[1, 2], [3, 4]]))
    tensor([[1, 0, 0, 0],
            [0, 2, 0, 0],
            [0, 0, 3, 0],
            [0, 0, 0, 4]])
    """
    x = as_operand(input)
    return diag_embed(x.reshape(-1), offset, 0, 1)


def trace(input):  # noqa: A002
    """The sum of a matrix's diagonal.

    >>> torch.trace(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    """
    x = as_operand(input)
    if x._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x._data.ndim}")
    from .reduce import sum as _sum
    return _sum(diagonal(x))


def _tri_indices(row, col, offset, dtype, lower):
    from .. import dtypes
    r, c = (np.tril_indices if lower else np.triu_indices)(int(row), int(offset), int(col))
    d = np.int64 if dtype is None else dtypes.get(dtype).np
    return _make(np.stack([r, c]).astype(d).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle of a row x col matrix.

    >>> torch.tril_indices(3, 3)
    tensor([[0, 1, 1, 2, 2, 2],
            [0, 0, 1, 0, 1, 2]])
    """
    return _tri_indices(row, col, offset, dtype, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle of a row x col matrix.

    >>> torch.triu_indices(3, 3, offset=1)
    tensor([[0, 0, 1],
            [1, 2, 2]])
    """
    return _tri_indices(row, col, offset, dtype, False)


def unfold(input, dimension, size, step):  # noqa: A002
    """Tensor.unfold: every window of `size` elements along `dimension`, `step` apart, as a
    new last dim.

    >>> torch.arange(7.0).unfold(0, 3, 2)
    tensor([[0., 1., 2.],
            [2., 3., 4.],
            [4., 5., 6.]])
    """
    x = as_operand(input)
    if x._data.ndim == 0:
        if size != 1 and size != 0 or step <= 0:
            raise RuntimeError(f"unfold: size {size} and step {step} invalid for a 0-d tensor")
        return x.reshape(size)
    d = one_dim(dimension, x._data.ndim, "unfold")
    n = x._data.shape[d]
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    windows = (n - size) // step + 1
    idx = (np.arange(windows) * step)[:, None] + np.arange(size)
    return movedim(x[(slice(None),) * d + (idx,)], d + 1, -1)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Each element (or slice along dim) repeated `repeats` times (an int or one count per
    element); repeat_interleave(counts) alone gives 0, 1, ... repeated by counts.

    >>> torch.repeat_interleave(torch.tensor([1, 2, 3]), 2)
    tensor([1, 1, 2, 2, 3, 3])
    >>> torch.repeat_interleave(torch.tensor([1, 2, 3]), torch.tensor([1, 0, 2]))
    tensor([1, 3, 3])
    """
    x = as_operand(input)
    if repeats is None:
        counts = x._data
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim integer tensor")
        return _make(np.repeat(np.arange(counts.size, dtype=np.int64), counts.reshape(-1)))
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        if x._data.ndim == 0:
            x = x.reshape(1)
        d = one_dim(dim, x._data.ndim, "repeat_interleave")
    n = x._data.shape[d]
    reps = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if reps.ndim > 1 or reps.dtype.kind not in "iu":
        raise RuntimeError("repeat_interleave: repeats must be 0-dim or 1-dim integer tensor")
    reps = reps.reshape(-1)
    if reps.size not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along "
                           f"dim, but got repeats.size(0) = {reps.size} and input.size({d}) = {n}")
    if (reps < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    idx = np.repeat(np.arange(n), np.broadcast_to(reps, (n,)))
    return x[(slice(None),) * d + (idx,)]


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors; indexing 'ij' (matrix, the default with PyTorch's
    warning when not given) or 'xy' (Cartesian: the first two dims have the second and
    first input's lengths).

    >>> xs, ys = torch.meshgrid(torch.tensor([1, 2, 3]), torch.tensor([4, 5]), indexing="ij")
    >>> xs
    tensor([[1, 1],
            [2, 2],
            [3, 3]])
    >>> ys
    tensor([[4, 5],
            [4, 5],
            [4, 5]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                         f"received: {indexing}")
    ts = [as_operand(t) for t in tensors]
    for t in ts:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t._data.ndim}D")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    outs = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        outs.append(expand(reshape(t, *view), shape))
    if swap:  # PyTorch swaps the first two inputs, and the first two grids back
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def cartesian_prod(*tensors):
    """All combinations of the elements of 1-D tensors, one per row (itertools.product).

    >>> torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    if len(tensors) == 1:
        return as_operand(tensors[0])
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """All r-element combinations of a 1-D tensor's elements, one per row.

    >>> torch.combinations(torch.tensor([1, 2, 3]), r=2)
    tensor([[1, 2],
            [1, 3],
            [2, 3]])
    """
    import itertools
    x = as_operand(input)
    if x._data.ndim != 1:
        raise RuntimeError(f"combinations: Expect a 1D vector, but got shape {list(x._data.shape)}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return _make(np.zeros((0,), x._data.dtype))
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(x._data.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if idx.shape[0] == 0:
        return _make(np.zeros((0, r), x._data.dtype))
    return x[idx]


def block_diag(*tensors):
    """A block-diagonal matrix of the given (0-, 1- or 2-D) tensors.

    >>> torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([[3], [4]]))
    tensor([[1, 2, 0],
            [0, 0, 3],
            [0, 0, 4]])
    """
    ts = [as_operand(t) for t in tensors]
    if not ts:
        return _make(np.zeros((1, 0), np.float32))
    mats = []
    for i, t in enumerate(ts):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
        mats.append(t.reshape(1, -1) if t._data.ndim < 2 else t)
    from .. import dtypes
    from ._util import cast
    rt = dtypes.result_type(*[m._data for m in mats])
    mats = [cast(m, rt) for m in mats]
    width = builtin_sum(m._data.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        w = m._data.shape[1]
        rows.append(pad(m, (left, width - left - w)))
        left += w
    return cat(rows, 0)


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """The n-th forward difference along dim, after prepend / append are concatenated.

    >>> torch.diff(torch.tensor([1, 4, 9, 16]))
    tensor([3, 5, 7])
    >>> torch.diff(torch.tensor([1, 4, 9, 16]), n=2)
    tensor([2, 2])
    """
    x = as_operand(input)
    if x._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = one_dim(dim, x._data.ndim, "diff")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    parts = [as_operand(p) for p in (prepend,) if p is not None] + [x] + \
        [as_operand(a) for a in (append,) if a is not None]
    if len(parts) > 1:
        shp = list(x._data.shape)
        fixed = []
        for p in parts:
            if p._data.ndim == 0:  # a scalar is broadcast to a slice along dim
                s = shp.copy()
                s[d] = 1
                p = expand(reshape(p, *([1] * len(shp))), s)
            fixed.append(p)
        x = cat(fixed, d)
    for _ in range(n):
        m = x._data.shape[d]
        if m == 0:
            break
        hi, lo = narrow(x, d, 1, m - 1), narrow(x, d, 0, m - 1)
        if x._data.dtype == np.bool_:
            x = _make(hi._data != lo._data)
        else:
            x = hi - lo
    return x


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """Rotation by 90 degrees k times in the plane of dims (from the first towards the second).

    >>> torch.rot90(torch.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    x = as_operand(input)
    dims = list(dims)
    nd = x._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = one_dim(dims[0], nd, "rot90"), one_dim(dims[1], nd, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return x.clone()


def _aliases():
    from ._util import dim_aliases
    g = globals()
    for n in ("squeeze", "flatten", "split", "chunk", "narrow", "unbind", "stack",
              "tensor_split", "diagonal", "unfold", "repeat_interleave", "diff"):
        g[n] = dim_aliases(g[n])


_aliases()


# --- more of PyTorch's shape surface (issue 10): stacks and splits by axis, the *_copy
# variants (a view op's result as a fresh tensor), select, tile, broadcast_shapes. All are
# compositions of the differentiable ops above.
def ravel(input):  # noqa: A002
    """The elements as a 1-D tensor (torch.ravel).

    >>> chainrule.ravel(chainrule.ones(2, 3)).shape
    chainrule.Size([6])
    """
    return input.reshape(-1)


def column_stack(tensors):
    """Stack 0-d / 1-d tensors as columns, hstack the rest (torch.column_stack).

    >>> chainrule.column_stack([chainrule.ones(3), chainrule.zeros(3)]).shape
    chainrule.Size([3, 2])
    """
    cols = [t.reshape(-1, 1) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1)


def dstack(tensors):
    """Concatenate along the third dim after atleast_3d (torch.dstack).

    >>> chainrule.dstack([chainrule.ones(2, 3), chainrule.ones(2, 3)]).shape
    chainrule.Size([2, 3, 2])
    """
    return cat([_atleast_3d(t) for t in tensors], 2)


row_stack = vstack


def _split_by(x, indices_or_sections, dim, op, need):
    if x._data.ndim < need:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {need} dimension, "
                           f"but got a tensor with {x._data.ndim} dimensions!")
    if isinstance(indices_or_sections, int) and x._data.shape[dim] % indices_or_sections:
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size "
                           f"of the dimension {x._data.shape[dim]} is not divisible by the "
                           f"split_size {indices_or_sections}!")
    return tensor_split(x, indices_or_sections, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 1 (dim 0 for a 1-D tensor); an int must divide the size.

    >>> [p.shape[1] for p in chainrule.ones(2, 4).hsplit(2)]
    [2, 2]
    """
    return _split_by(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, "hsplit", 1)


def vsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 0 of a tensor with at least 2 dims.

    >>> len(chainrule.ones(4, 2).vsplit([1]))
    2
    """
    return _split_by(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):  # noqa: A002
    """Split along dim 2 of a tensor with at least 3 dims.

    >>> len(chainrule.ones(2, 2, 4).dsplit(2))
    2
    """
    return _split_by(input, indices_or_sections, 2, "dsplit", 3)


def tile(input, dims):  # noqa: A002
    """Repeat the tensor `dims` times per dim, ones prepended to the shorter of the two.

    >>> chainrule.tile(chainrule.ones(2, 3), (2,)).shape
    chainrule.Size([2, 6])
    """
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    nd = input._data.ndim
    x = input.reshape((1,) * (len(dims) - nd) + tuple(input.shape)) if len(dims) > nd else input
    return x.repeat(*((1,) * (x._data.ndim - len(dims)) + dims))


def select(input, dim, index):  # noqa: A002
    """input[..., index, ...] along dim (a view without that dim).

    >>> chainrule.arange(6).reshape(2, 3).select(1, -1)
    tensor([2, 5])
    """
    d = one_dim(dim, input._data.ndim, "select")
    n = input._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    return input[(slice(None),) * d + (int(index),)]


def broadcast_shapes(*shapes):
    """The shape tensors of these shapes broadcast to (torch.broadcast_shapes).

    >>> chainrule.broadcast_shapes((2, 1), (3,))
    chainrule.Size([2, 3])
    """
    from ..tensor import Size
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*norm))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape "
                           f"({', '.join(str(list(s)) for s in norm)})") from None


def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    """split() with a list of sizes that must add up to the dim.

    >>> [p.shape[0] for p in chainrule.ones(5).split_with_sizes([2, 3])]
    [2, 3]
    """
    d = one_dim(dim, input._data.ndim, "split_with_sizes")
    if builtins_sum(split_sizes) != input._data.shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{input._data.shape[d]} (input tensor's size at dimension {d}), "
                           f"but got split_sizes={list(split_sizes)}")
    return split(input, list(split_sizes), d)


def unsafe_split(input, split_size, dim=0):  # noqa: A002
    """split (PyTorch's unsafe_ variant differs only in view tracking).

    >>> torch.unsafe_split(torch.arange(5), 2)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    return split(input, split_size, dim)


def unsafe_chunk(input, chunks, dim=0):  # noqa: A002
    """chunk (PyTorch's unsafe_ variant differs only in view tracking).

    >>> torch.unsafe_chunk(torch.arange(6), 2)
    (tensor([0, 1, 2]), tensor([3, 4, 5]))
    """
    return chunk(input, chunks, dim)


def _copy_of(view_fn, name):
    def op(input, *args, **kwargs):  # noqa: A002
        out = view_fn(input, *args, **kwargs)
        if isinstance(out, (tuple, list)):
            return tuple(o.clone() for o in out)
        return out.clone()
    op.__name__ = name
    op.__doc__ = (f"{view_fn.__name__}'s result as a new tensor, not a view (torch.{name}).")
    return op


import builtins as _builtins  # noqa: E402
builtins_sum = _builtins.sum
expand_copy = _copy_of(lambda x, size, implicit=False: expand(x, *size), "expand_copy")
permute_copy = _copy_of(lambda x, dims: permute(x, *dims), "permute_copy")
t_copy = _copy_of(t, "t_copy")
transpose_copy = _copy_of(transpose, "transpose_copy")
unsqueeze_copy = _copy_of(unsqueeze, "unsqueeze_copy")
squeeze_copy = _copy_of(squeeze, "squeeze_copy")
view_copy = _copy_of(lambda x, *shape: x.view(*shape), "view_copy")
diagonal_copy = _copy_of(diagonal, "diagonal_copy")
unbind_copy = _copy_of(unbind, "unbind_copy")
unfold_copy = _copy_of(unfold, "unfold_copy")
split_with_sizes_copy = _copy_of(split_with_sizes, "split_with_sizes_copy")
narrow_copy = _copy_of(narrow, "narrow_copy")
moveaxis = movedim

# Examples of the *_copy ops (their docstrings come from _copy_of).
expand_copy.__doc__ += """

>>> torch.expand_copy(torch.tensor([1, 2]), (2, 2))
tensor([[1, 2],
        [1, 2]])
"""
permute_copy.__doc__ += """

>>> torch.permute_copy(torch.zeros(2, 3, 4), (2, 0, 1)).shape
chainrule.Size([4, 2, 3])
"""
t_copy.__doc__ += """

>>> torch.t_copy(torch.tensor([[1, 2], [3, 4]]))
tensor([[1, 3],
        [2, 4]])
"""
transpose_copy.__doc__ += """

>>> torch.transpose_copy(torch.tensor([[1, 2, 3]]), 0, 1)
tensor([[1],
        [2],
        [3]])
"""
unsqueeze_copy.__doc__ += """

>>> torch.unsqueeze_copy(torch.tensor([1, 2]), 0)
tensor([[1, 2]])
"""
squeeze_copy.__doc__ += """

>>> torch.squeeze_copy(torch.zeros(1, 2, 1)).shape
chainrule.Size([2])
"""
view_copy.__doc__ += """

>>> torch.view_copy(torch.arange(4), (2, 2))
tensor([[0, 1],
        [2, 3]])
"""
diagonal_copy.__doc__ += """

>>> torch.diagonal_copy(torch.tensor([[1, 2], [3, 4]]))
tensor([1, 4])
"""
unbind_copy.__doc__ += """

>>> torch.unbind_copy(torch.tensor([[1, 2], [3, 4]]))
(tensor([1, 2]), tensor([3, 4]))
"""
unfold_copy.__doc__ += """

>>> torch.unfold_copy(torch.arange(5), 0, 2, 2)
tensor([[0, 1],
        [2, 3]])
"""
split_with_sizes_copy.__doc__ += """

>>> torch.split_with_sizes_copy(torch.arange(5), [2, 3])
(tensor([0, 1]), tensor([2, 3, 4]))
"""
narrow_copy.__doc__ += """

>>> torch.narrow_copy(torch.arange(6), 0, 1, 3)
tensor([1, 2, 3])
"""


# --- the *_scatter ops: input with src written into a view of it (differentiable in both:
# a clone, then a recorded in-place copy into the view)
def _scatter_into(input, key, src, op):  # noqa: A002
    out = input.clone()
    view = out[key]
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(f"{op}(): expected src to have a size equal to the slice of self. "
                           f"src size = {list(src.shape)}, slice size = {list(view.shape)}")
    out[key] = src
    return out


def select_scatter(input, src, dim, index):  # noqa: A002
    """input with src embedded at `index` along dim (torch.select_scatter).

    >>> chainrule.select_scatter(chainrule.zeros(2, 2), chainrule.ones(2), 0, 0)
    tensor([[1., 1.],
            [0., 0.]])
    """
    d = one_dim(dim, input._data.ndim, "select_scatter")
    return _scatter_into(input, (slice(None),) * d + (int(index),), src, "select_scatter")


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    """input with src embedded at input[..., start:end:step, ...] along dim.

    >>> torch.slice_scatter(torch.zeros(4), torch.ones(2), dim=0, start=1, end=3)
    tensor([0., 1., 1., 0.])
    """
    d = one_dim(dim, input._data.ndim, "slice_scatter")
    return _scatter_into(input, (slice(None),) * d + (slice(start, end, step),), src,
                         "slice_scatter")


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    """input with src embedded along its (offset) diagonal of dims dim1, dim2.

    >>> torch.diagonal_scatter(torch.zeros(2, 2), torch.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    nd = input._data.ndim
    d1, d2 = one_dim(dim1, nd, "diagonal_scatter"), one_dim(dim2, nd, "diagonal_scatter")
    want = tuple(input.diagonal(offset, d1, d2).shape)
    if want != tuple(src.shape):
        raise RuntimeError(f"diagonal_scatter(): expected src to have a size equal to the "
                           f"diagonal of self. src size = {list(src.shape)}, diagonal size = "
                           f"{list(want)}")
    # the diagonal as an advanced index (rows i, columns i + offset): dims d1, d2 moved last
    k = want[-1]
    i = np.arange(k)
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    moved = input.movedim((d1, d2), (-2, -1)).clone()
    moved[..., r, c] = src
    return moved.movedim((-2, -1), (d1, d2))
