"""Matrix products: matmul (1-D, 2-D, batched, broadcast), the fused linear layer, einsum."""
import numpy as np

from . import dual
from .. import dtypes
from ._util import as_operand, promote
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


class Matmul(Op):
    """The autograd node of matmul (@, mm, bmm, mv, dot): backward returns g b^T and a^T g.

    a @ b for a, b with at least 2 dims (1-D operands are lifted by `matmul`).

    Backward returns g @ b^T and a^T @ g (summed over broadcast batch dims).

    >>> a = torch.tensor([[1.0, 2.0]], requires_grad=True)
    >>> b = torch.tensor([[3.0], [4.0]], requires_grad=True)
    >>> y = a @ b
    >>> y.grad_fn
    <MatmulBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([[3., 4.]]), tensor([[1.],
            [2.]]))
    """

    def forward(self, a, b):
        if a.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied "
                               f"({_mat(a.shape)} and {_mat(b.shape)}; shapes {list(a.shape)} "
                               f"and {list(b.shape)})")
        try:
            return np.matmul(a, b)
        except ValueError:
            raise RuntimeError(f"matmul: batch dimensions of shapes {list(a.shape)} and "
                               f"{list(b.shape)} cannot be broadcast") from None

    def backward(self, g):
        a, b = self.saved_inputs()
        na, nb = self.needs_input_grad
        ga = dual.sum_to(g @ dual.swapaxes(b, -1, -2), a.shape) if na else None
        gb = dual.sum_to(dual.swapaxes(a, -1, -2) @ g, b.shape) if nb else None
        return ga, gb


def _mat(shape):
    return f"{int(np.prod(shape[:-1]))}x{shape[-1]}"


class Linear(Op):
    """The autograd node of F.linear: backward returns g W, g^T x and g summed over the batch.

    y = x W^T + b in one node: one GEMM forward, two backward, the bias gradient one
    reduction. Leading dims of x are flattened into one batch dim for the GEMMs.

    Backward returns g W, g^T x and the sum of g over the batch.

    >>> x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    >>> w = torch.tensor([[1.0, 0.0], [1.0, 1.0]], requires_grad=True)
    >>> b = torch.zeros(2, requires_grad=True)
    >>> y = F.linear(x, w, b)
    >>> y
    tensor([[1., 3.]], grad_fn=<LinearBackward0>)
    >>> y.sum().backward()
    >>> x.grad, w.grad, b.grad
    (tensor([[2., 1.]]), tensor([[1., 2.],
            [1., 2.]]), tensor([1., 1.]))
    """

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[1]:
            raise RuntimeError(f"linear: mat1 and mat2 shapes cannot be multiplied "
                               f"({_mat(x.shape)} and {w.shape[1]}x{w.shape[0]}; input "
                               f"{list(x.shape)}, weight {list(w.shape)})")
        if x.ndim > 2:
            # NumPy's matmul runs stacked (3-D @ 2-D) products through a slow non-BLAS
            # loop (measured ~50x slower for (32, 64, 128) @ (128, 384)): one 2-D GEMM.
            y = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(x.shape[:-1] + (w.shape[0],))
        else:
            y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g):
        inputs = self.saved_inputs()
        x, w = inputs[0], inputs[1]
        need = self.needs_input_grad
        gx = gw = gb = None
        if dual.is_array(g):
            g2 = g.reshape(-1, g.shape[-1])
            if need[0]:
                gx = (g2 @ w).reshape(g.shape[:-1] + (w.shape[1],)) if g.ndim > 2 else g @ w
            if need[1]:
                gw = g2.T @ x.reshape(-1, x.shape[-1])
            if len(need) > 2 and need[2]:
                gb = g2.sum(axis=0)
        else:
            if need[0]:
                gx = g @ w
            g2 = g.reshape(-1, g.shape[-1])
            if need[1]:
                gw = g2.t() @ x.reshape(-1, x.shape[-1])
            if len(need) > 2 and need[2]:
                gb = g2.sum(0)
        return (gx, gw, gb) if len(inputs) > 2 else (gx, gw)


def linear(x, weight, bias=None):
    """Applies the affine map y = x W^T + b (F.linear); x's leading dims are batch dims.

    y[..., o] = sum_i x[..., i] W[o, i] + b[o], W of shape (out_features, in_features)

    >>> x = torch.tensor([[1.0, 2.0]])
    >>> w = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> F.linear(x, w)
    tensor([[1., 2., 3.]])
    >>> F.linear(x, w, torch.tensor([0.0, 0.0, 10.0]))
    tensor([[ 1.,  2., 13.]])
    """
    x = as_operand(x)
    if x._data.dtype != weight._data.dtype:
        raise RuntimeError(f"linear: expected input and weight to have the same dtype, but got "
                           f"{x.dtype} and {weight.dtype}")
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


def matmul(input, other):  # noqa: A002 - PyTorch's argument names
    """Matrix product of two tensors, with PyTorch's rules for 1-D and batched operands.

    out[..., i, j] = sum_k input[..., i, k] other[..., k, j]

    1-D by 1-D is the dot product; a 1-D operand is a row (left) or column (right) vector, removed
    from the result; batch dims broadcast.

    >>> a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> torch.matmul(a, torch.tensor([[1.0], [1.0]]))
    tensor([[3.],
            [7.]])
    >>> torch.matmul(a, torch.tensor([1.0, 1.0]))
    tensor([3., 7.])
    >>> torch.matmul(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
    tensor(11.)
    >>> torch.matmul(torch.ones(5, 2, 3), torch.ones(3, 4)).shape
    chainrule.Size([5, 2, 4])
    """
    a, b = promote(input, other)
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a._data.ndim}D and {b._data.ndim}D")
    if a._data.ndim >= 2 and b._data.ndim >= 2:
        return Matmul.apply(a, b)
    if a._data.ndim == 1 and b._data.ndim == 1:
        if a._data.shape[0] != b._data.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._data.shape[0]}] "
                               f"and src [{b._data.shape[0]}] to have the same number of "
                               "elements, but got them as 1D vectors (matmul / dot)")
        return Matmul.apply(a.reshape(1, -1), b.reshape(-1, 1)).reshape(())
    if a._data.ndim == 1:
        return Matmul.apply(a.unsqueeze(0), b).squeeze(-2)
    return Matmul.apply(a, b.unsqueeze(-1)).squeeze(-1)


def mm(a, b):
    """Matrix product of two 2-D tensors (no broadcasting).

    out[i, j] = sum_k a[i, k] b[k, j]

    >>> torch.mm(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    tensor([[2., 1.],
            [4., 3.]])
    """
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"mm: both arguments must be 2D, got {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix product of two 3-D tensors with the same batch size.

    out[n] = a[n] @ b[n]

    >>> a = torch.arange(8.0).reshape(2, 2, 2)
    >>> torch.bmm(a, torch.eye(2).expand(2, 2, 2)).shape
    chainrule.Size([2, 2, 2])
    >>> torch.bmm(a, a)[1]
    tensor([[46., 55.],
            [66., 79.]])
    """
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"bmm: batch1 and batch2 must be 3D tensors, got {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: {a._data.shape[0]} and {b._data.shape[0]}")
    return matmul(a, b)


def mv(a, v):
    """Matrix-vector product.

    out[i] = sum_k a[i, k] v[k]

    >>> torch.mv(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, -1.0]))
    tensor([-1., -1.])
    """
    return matmul(a, v)


def dot(a, b):
    """Dot product of two 1-D tensors, a 0-d tensor; also torch.vdot (real tensors).

    out = sum_i a_i b_i

    >>> torch.dot(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0]))
    tensor(32.)
    >>> torch.vdot(torch.tensor([1, 2]), torch.tensor([3, 4]))
    tensor(11)
    """
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D "
                           "tensors")
    return matmul(a, b)


vdot = dot


def inner(input, other, *, out=None):  # noqa: A002 - PyTorch's names
    """The inner product over the last dims (torch.inner): a 0-d operand multiplies; else
    out[i.., j..] = sum_k input[i.., k] other[j.., k].

    >>> chainrule.inner(chainrule.ones(3, 2), chainrule.ones(4, 2)).shape
    chainrule.Size([3, 4])
    """
    a, b = as_operand(input), as_operand(other)
    if a._data.ndim == 0 or b._data.ndim == 0:
        r = a * b
    else:
        if a._data.shape[-1] != b._data.shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input "
                               f"tensors but got shapes {list(a.shape)} and {list(b.shape)}")
        from .products import tensordot
        r = tensordot(a, b, dims=([-1], [-1]))
    if out is not None:
        from .decomp import _out
        return _out(r, out)
    return r


def outer(a, b):
    """Outer product of two 1-D tensors; also torch.ger.

    out[i, j] = a_i b_j

    >>> torch.outer(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D vectors, got {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    a, b = promote(a, b)
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


# --- einsum ------------------------------------------------------------------------------
class Einsum(Op):
    """The autograd node of torch.einsum: each operand's gradient is an einsum of g.

    einsum with explicit output. The gradient of operand i is itself an einsum of the
    output gradient with the other operands; indices summed out of operand i alone are
    restored by broadcasting. Repeated indices in one operand (diagonals) are taken out
    before, by `_diagonal`, so every operand here has distinct subscripts.

    >>> a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = torch.einsum('ij,jk->ik', a, a)
    >>> y.grad_fn
    <EinsumBackward0 object>
    >>> y.sum().backward()
    >>> a.grad
    tensor([[ 7., 11.],
            [ 9., 13.]])
    """

    def forward(self, *arrays, inputs, output):
        self.subs, self.out_sub = inputs, output
        return np.asarray(np.einsum(",".join(inputs) + "->" + output, *arrays,
                                    optimize=len(arrays) > 2))

    def backward(self, g):
        ops = self.saved_inputs()
        grads = []
        for i, (sub, need) in enumerate(zip(self.subs, self.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            others = [(s, o) for j, (s, o) in enumerate(zip(self.subs, ops)) if j != i]
            avail = set(self.out_sub).union(*[set(s) for s, _ in others])
            target = "".join(c for c in sub if c in avail)
            gi = einsum_raw([self.out_sub] + [s for s, _ in others], target,
                            [g] + [o for _, o in others])
            if target != sub:  # indices only in operand i: broadcast back along them
                shape = tuple(ops[i].shape)
                keep = [k for k, c in enumerate(sub) if c in avail]
                gi = dual.reshape(gi, tuple(shape[k] if k in keep else 1
                                            for k in range(len(sub))))
                gi = dual.broadcast_to(gi, shape)
            grads.append(gi)
        return tuple(grads)


def einsum_raw(subs, out, operands):
    """einsum on explicit subscripts: np.einsum on arrays, a recorded Einsum node on Tensors.

    Used by backward formulas, so a gradient of an einsum is itself differentiable.

    >>> from chainrule.functions.linalg import einsum_raw
    >>> einsum_raw(['ij', 'j'], 'i', [np.ones((2, 3)), np.arange(3.0)])
    array([3., 3.])
    >>> einsum_raw(['ij', 'j'], 'i', [torch.ones(2, 3, requires_grad=True), torch.arange(3.0)])
    tensor([3., 3.], grad_fn=<EinsumBackward0>)
    """
    if all(dual.is_array(o) for o in operands):
        return np.einsum(",".join(subs) + "->" + out, *operands, optimize=len(operands) > 2)
    return Einsum.apply(*[as_operand(o) for o in operands], inputs=tuple(subs), output=out)


def _diagonal(o, s):
    """An operand whose subscripts repeat a letter ('ii', 'bii'): take that diagonal with a
    (differentiable) advanced index until every letter appears once."""
    while len(set(s)) != len(s):
        c = next(ch for ch in s if s.count(ch) > 1)
        p, q = [i for i, ch in enumerate(s) if ch == c][:2]
        n = o._data.shape[p]
        if o._data.shape[q] != n:
            raise RuntimeError(f"einsum(): subscript {c} is repeated for operand with shape "
                               f"{list(o._data.shape)} but the sizes don't match, {n} != "
                               f"{o._data.shape[q]}")
        order = [i for i in range(len(s)) if i not in (p, q)] + [p, q]
        ar = np.arange(n)
        o = o.permute(*order)[(Ellipsis, ar, ar)]
        s = "".join(s[i] for i in order[:-2]) + c
    return o, s


def einsum(equation, *operands):
    """Einstein summation, e.g. einsum('bij,bjk->bik', a, b); '...' is supported.

    >>> a = torch.arange(6.0).reshape(2, 3)
    >>> b = torch.arange(3.0)
    >>> torch.einsum('ij,j->i', a, b)
    tensor([ 5., 14.])
    >>> torch.einsum('ij->ji', a).shape
    chainrule.Size([3, 2])
    >>> torch.einsum('ii', torch.eye(3))
    tensor(3.)
    >>> torch.einsum('...j,j', a, b)
    tensor([ 5., 14.])
    >>> torch.einsum('i,j->ij', b, b)
    tensor([[0., 0., 0.],
            [0., 1., 2.],
            [0., 2., 4.]])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = [as_operand(o) for o in operands]
    eq = equation.replace(" ", "")
    lhs, _, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(f"einsum(): {len(subs)} operands in the equation {equation!r} but "
                           f"{len(operands)} given")
    # Expand '...' into explicit letters.
    letters = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    ell_nd = 0
    for s, o in zip(subs, operands):
        if "..." in s:
            ell_nd = max(ell_nd, o._data.ndim - (len(s) - 3))
    ell = "".join(letters[:ell_nd])
    expanded = []
    for s, o in zip(subs, operands):
        if "..." in s:
            n = o._data.ndim - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - n:])
        if len(s) != o._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({o._data.ndim}) for "
                               f"operand with shape {list(o._data.shape)}")
        expanded.append(s)
    if _ == "":
        counts = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    known = set("".join(expanded))
    for c in rhs:
        if c not in known or rhs.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} "
                               + ("appears more than once" if c in known else
                                  "does not appear in the equation for any input operand")
                               + f" (equation {equation!r})")
    for k, (s, o) in enumerate(zip(expanded, operands)):
        if len(set(s)) != len(s):
            operands[k], expanded[k] = _diagonal(o, s)
    # Size-1 dims broadcast against bigger ones: expand them so the subscripts agree.
    sizes = {}
    for s, o in zip(expanded, operands):
        for c, n in zip(s, o._data.shape):
            if n != 1:
                if sizes.get(c, n) != n:
                    raise RuntimeError(f"einsum(): operands do not broadcast: subscript {c} has "
                                       f"size {sizes[c]} and {n}")
                sizes[c] = n
    fixed = []
    for s, o in zip(expanded, operands):
        target = tuple(sizes.get(c, 1) for c in s)
        fixed.append(o if tuple(o._data.shape) == target else o.expand(*target))
    for k, (s, f) in enumerate(zip(expanded, fixed)):
        others = set(rhs).union(*(set(e) for i, e in enumerate(expanded) if i != k))
        if f._data.dtype.kind in "biu" and set(s) - others:
            # PyTorch sums a letter only this operand has with torch.sum first, and
            # integers and bool sum into int64
            fixed[k] = f.to(dtypes.int64)
    dt = fixed[0]._data.dtype
    if any(f._data.dtype != dt for f in fixed):
        dt = dtypes.result_type(*[f._data for f in fixed])
        fixed = [f.to(dtypes.from_np(dt)) if f._data.dtype != dt else f for f in fixed]
    return Einsum.apply(*fixed, inputs=tuple(expanded), output=rhs)
