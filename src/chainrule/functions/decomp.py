"""Linear algebra beyond products: inverses, determinants, solves and the decompositions
(cholesky, qr, eigh, svd), with PyTorch's gradients; norms and the composite helpers.

The public names are chainrule.linalg's (linalg.py); the ops live here. Backward formulas
are written with `@`, transposes, triangles and solves that dispatch on arrays (a plain
backward pass) or Tensors (create_graph=True, recorded), so they differentiate again.
Formulas follow PyTorch's torch/csrc/autograd/FunctionsManual.cpp, real case.
"""
import builtins
import collections

import numpy as np

from . import dual
from ._util import as_operand, floating
from ..autograd import function as _function
from ..autograd.function import Op
from ..autograd.grad_mode import CREATE_GRAPH, GRAD_ENABLED
from ..tensor import Tensor

_make = Tensor._make
_new = object.__new__


class LinAlgError(RuntimeError):
    """A linear-algebra failure (singular or not positive-definite input), as
    torch.linalg.LinAlgError: a RuntimeError.

    >>> try:
    ...     torch.linalg.inv(torch.zeros(2, 2))
    ... except torch.linalg.LinAlgError as e:
    ...     print(type(e).__name__, isinstance(e, RuntimeError))
    LinAlgError True
    """


def _square(op, a):
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2] if a.ndim >= 2 else a.shape[-1]} by "
                           f"{a.shape[-1]} matrices" if a.ndim >= 2 else
                           f"{op}: The input tensor A must have at least 2 dimensions.")


def _matrix(op, x):
    x = floating(as_operand(x))
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    return x


# --- helpers that work on arrays and on Tensors ------------------------------------------
def _mT(x):
    return dual.swapaxes(x, -1, -2)


def _lift(x, arr):
    """`arr` as the same kind as x: the array, or a constant Tensor."""
    return arr if dual.is_array(x) else _make(arr)


def _eye_like(x, n):
    return _lift(x, np.eye(n, dtype=x.dtype.np if isinstance(x, Tensor) else x.dtype))


def _tril(x, k=0):
    if dual.is_array(x):
        return np.tril(x, k)
    from .shape import tril
    return tril(x, k)


def _triu(x, k=0):
    if dual.is_array(x):
        return np.triu(x, k)
    from .shape import triu
    return triu(x, k)


def _col(v):
    """v[..., None]: a trailing axis (a column, for a vector)."""
    return v[..., None] if dual.is_array(v) else v.unsqueeze(-1)


def _row(v):
    """v[..., None, :]"""
    return v[..., None, :] if dual.is_array(v) else v.unsqueeze(-2)


def _diag_embed(v):
    n = v.shape[-1]
    return _col(v) * _eye_like(v, n)


def _diagonal(x):
    return dual.sum(x * _eye_like(x, x.shape[-1]), -1)


def _solve(a, b):
    return np.linalg.solve(a, b) if dual.is_array(a) else Solve.apply(a, b)


def _inv(a):
    return np.linalg.inv(a) if dual.is_array(a) else Inv.apply(a)


def _narrow_last(x, k):
    return x[..., :k] if dual.is_array(x) else x[..., :k]


def _zeros_like(x):
    return _lift(x, np.zeros(tuple(x.shape), x.dtype.np if isinstance(x, Tensor) else x.dtype))


def _lapack(op, fn, *args, what="singular"):
    try:
        with np.errstate(all="ignore"):
            return fn(*args)
    except np.linalg.LinAlgError:
        if what == "pd":
            raise LinAlgError(f"{op}: The factorization could not be completed because the "
                              "input is not positive-definite.") from None
        if op == "linalg.solve":
            raise LinAlgError(f"{op}: The solver failed because the input matrix is "
                              "singular.") from None
        raise LinAlgError(f"{op}: The input matrix is singular, so the operation could not "
                          "be completed.") from None


# --- multi-output ops ---------------------------------------------------------------------
class _MultiOp(Op):
    """An op with several outputs (Q and R, eigenvalues and eigenvectors, U S Vh): one node;
    backward(*grads) gets None for outputs that received no gradient."""

    plain_backward = False
    n_outputs = 2
    saves_output = False
    differentiable = None  # per output: False for outputs without a gradient

    @classmethod
    def apply(cls, *tensors, **options):
        needs = tuple(t.requires_grad for t in tensors)
        record = GRAD_ENABLED[0] and True in needs
        node = _new(cls)
        outs = node.forward(*[t._data for t in tensors], **options)
        if record:
            node.needs_input_grad = needs
            node.inputs = tensors
            node.seq = _function._next_seq()
            node._in_versions = tuple(t._version[0] for t in tensors)
            node._outs = outs
            node._options = options
        results = []
        for k, o in enumerate(outs):
            t = _make(np.asarray(o))
            if record and (cls.differentiable is None or cls.differentiable[k]):
                t.requires_grad, t.grad_fn, t._out_idx = True, node, k
            results.append(t)
        return tuple(results)

    def _run_backward(self, grads):
        g = self.backward(*grads)
        return g if type(g) is tuple else (g,)

    def outputs(self):
        """The forward outputs: arrays, or under create_graph recomputed and recorded."""
        if CREATE_GRAPH[0]:
            return type(self).apply(*self.inputs, **self._options)
        return self._outs


# --- inverse, determinants, solves --------------------------------------------------------
class Inv(Op):
    """A^-1; grad -A^-T g A^-T.

    >>> A = torch.tensor([[2.0, 0.0], [0.0, 4.0]], requires_grad=True)
    >>> B = torch.linalg.inv(A); B
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]], grad_fn=<InvBackward0>)
    >>> B.sum().backward(); A.grad
    tensor([[-0.2500, -0.1250],
            [-0.1250, -0.0625]])
    """
    saves_output = True

    def forward(self, a):
        _square("linalg.inv", a)
        return _lapack("linalg.inv", np.linalg.inv, a)

    def backward(self, g):
        ai = _mT(self.output())
        return -(ai @ g @ ai)


class Det(Op):
    """det(A); grad g det(A) A^-T.

    >>> A = torch.tensor([[2.0, 1.0], [1.0, 2.0]], requires_grad=True)
    >>> d = torch.linalg.det(A); d
    tensor(3., grad_fn=<DetBackward0>)
    >>> d.backward(); A.grad
    tensor([[ 2., -1.],
            [-1.,  2.]])
    """
    saves_output = True

    def forward(self, a):
        _square("linalg.det", a)
        return np.asarray(np.linalg.det(a), dtype=a.dtype)

    def backward(self, g):
        (a,) = self.saved_inputs()
        d = self.output()
        return _col(_col(g * d)) * _mT(_inv(a))


class LogAbsDet(Op):
    """log|det A| (slogdet's second output); grad g A^-T.

    >>> A = torch.tensor([[2.0, 1.0], [1.0, -4.0]], requires_grad=True)
    >>> sign, logabsdet = torch.linalg.slogdet(A); logabsdet
    tensor(2.1972, grad_fn=<LogAbsDetBackward0>)
    >>> logabsdet.backward(); A.grad
    tensor([[ 0.4444,  0.1111],
            [ 0.1111, -0.2222]])
    """

    def forward(self, a):
        _square("linalg.slogdet", a)
        return np.asarray(np.linalg.slogdet(a)[1], dtype=a.dtype)

    def backward(self, g):
        (a,) = self.saved_inputs()
        return _col(_col(g)) * _mT(_inv(a))


class SignDet(Op):
    """sign(det A) (slogdet's first output): piecewise constant, so its gradient is zero;
    recorded like PyTorch's (the output requires grad when A does).

    >>> A = torch.tensor([[2.0, 0.0], [0.0, -4.0]], requires_grad=True)
    >>> torch.linalg.slogdet(A).sign
    tensor(-1., grad_fn=<SignDetBackward0>)
    """
    saves = False

    def forward(self, a):
        _square("linalg.slogdet", a)
        self._shape = a.shape
        return np.asarray(np.linalg.slogdet(a)[0], dtype=a.dtype)

    def backward(self, g):
        return _lift(g, np.zeros(self._shape, g.dtype.np if isinstance(g, Tensor) else g.dtype))


class Solve(Op):
    """X = A^-1 B (B a batch of matrices); gB = A^-T g, gA = -gB X^T.

    >>> A = torch.tensor([[2.0, 0.0], [0.0, 4.0]], requires_grad=True)
    >>> B = torch.tensor([[2.0], [8.0]], requires_grad=True)
    >>> X = torch.linalg.solve(A, B); X
    tensor([[1.],
            [2.]], grad_fn=<SolveBackward0>)
    >>> X.sum().backward(); B.grad
    tensor([[0.5000],
            [0.2500]])
    """
    saves_output = True

    def forward(self, a, b):
        _square("linalg.solve", a)
        if a.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                               f"AX = B ({a.shape[-2]}x{a.shape[-1]} and "
                               f"{b.shape[-2]}x{b.shape[-1]})")
        return _lapack("linalg.solve", np.linalg.solve, a, b)

    def backward(self, g):
        a, b = self.saved_inputs()
        gb = _solve(_mT(a), g)
        ga = -(gb @ _mT(self.output())) if self.needs_input_grad[0] else None
        return (dual.sum_to(ga, a.shape) if ga is not None else None,
                dual.sum_to(gb, b.shape) if self.needs_input_grad[1] else None)


class SolveTriangular(Op):
    """X = A^-1 B for triangular A (only its triangle is read); gB = A^-T g,
    gA = -triangle(gB X^T).

    >>> A = torch.tensor([[2.0, 0.0], [1.0, 1.0]], requires_grad=True)
    >>> B = torch.tensor([[2.0], [3.0]], requires_grad=True)
    >>> X = torch.linalg.solve_triangular(A, B, upper=False); X
    tensor([[1.],
            [2.]], grad_fn=<SolveTriangularBackward0>)
    >>> X.sum().backward(); B.grad
    tensor([[0.],
            [1.]])
    """
    saves_output = True

    def forward(self, a, b, upper, unitriangular):
        _square("linalg.solve_triangular", a)
        if a.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                               f"equation AX = B ({a.shape[-2]}x{a.shape[-1]} and "
                               f"{b.shape[-2]}x{b.shape[-1]})")
        t = _tri_part(a, upper, unitriangular)
        return _lapack("linalg.solve_triangular", np.linalg.solve, t, b)

    def backward(self, g):
        a, b = self.saved_inputs()
        upper, unit = self._options["upper"], self._options["unitriangular"]
        t = _tri_part(a, upper, unit)
        gb = _solve(_mT(t), g)
        ga = None
        if self.needs_input_grad[0]:
            ga = -(gb @ _mT(self.output()))
            k = 1 if unit else 0
            ga = dual.sum_to(_triu(ga, k) if upper else _tril(ga, -k), a.shape)
        return ga, dual.sum_to(gb, b.shape) if self.needs_input_grad[1] else None

    @classmethod
    def apply(cls, a, b, upper, unitriangular):
        out = super().apply(a, b, upper=upper, unitriangular=unitriangular)
        if out.grad_fn is not None:
            out.grad_fn._options = {"upper": upper, "unitriangular": unitriangular}
        return out


def _tri_part(a, upper, unit):
    t = _triu(a) if upper else _tril(a)
    if unit:
        eye = _eye_like(a, a.shape[-1])
        t = t * (1 - eye) + eye
    return t


class Pinv(Op):
    """Moore-Penrose pseudo-inverse P through the SVD with PyTorch's cutoff; grad
    -P^T g P^T + P P^T g^T (I - A P) ... (Golub & Pereyra), written out in backward.

    >>> A = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], requires_grad=True)
    >>> P = torch.linalg.pinv(A); P
    tensor([[1.0000, 0.0000, 0.0000],
            [0.0000, 0.5000, 0.0000]], grad_fn=<PinvBackward0>)
    >>> P.sum().backward(); A.grad
    tensor([[-1.0000, -0.5000],
            [-0.5000, -0.2500],
            [ 1.0000,  0.2500]])
    """
    saves_output = True

    def forward(self, a, atol, rtol, hermitian):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        smax = s[..., :1] if s.shape[-1] else s
        cutoff = np.maximum(atol, rtol * smax)
        inv_s = np.where(s > cutoff, 1 / np.where(s > cutoff, s, 1), 0).astype(a.dtype)
        return (np.swapaxes(vh, -1, -2) * inv_s[..., None, :]) @ np.swapaxes(u, -1, -2)

    def backward(self, g):
        (a,) = self.saved_inputs()
        p = self.output()
        m, n = a.shape[-2], a.shape[-1]
        pt, gt = _mT(p), _mT(g)
        # gA = -P^T g P^T + P^T P g^T (I - A P)... adjoint of dP, in its three terms
        ga = -(pt @ g @ pt)
        ga = ga + (_eye_like(a, m) - a @ p) @ gt @ p @ pt
        ga = ga + pt @ p @ gt @ (_eye_like(a, n) - p @ a)
        return ga


# --- decompositions -----------------------------------------------------------------------
class Cholesky(Op):
    """A = L L^T (lower; upper=True gives U = L^T). grad: S = L^-T Phi(L^T gL) L^-1
    (Phi: the lower triangle, diagonal halved), symmetrised.

    >>> A = torch.tensor([[4.0, 2.0], [2.0, 5.0]], requires_grad=True)
    >>> L = torch.linalg.cholesky(A); L
    tensor([[2., 0.],
            [1., 2.]], grad_fn=<CholeskyBackward0>)
    >>> L.sum().backward(); A.grad
    tensor([[0.1875, 0.1250],
            [0.1250, 0.2500]])
    """
    saves_output = True

    def forward(self, a, upper=False):
        _square("linalg.cholesky", a)
        low = _lapack("linalg.cholesky", np.linalg.cholesky, a, what="pd")
        return np.swapaxes(low, -1, -2).copy() if upper else low

    def backward(self, g):
        upper = self._options.get("upper", False)
        low = self.output()
        if upper:
            low, g = _mT(low), _mT(g)
        phi = _tril(_mT(low) @ g)
        phi = phi - 0.5 * _diag_embed(_diagonal(phi))
        li = _inv(low)
        s = _mT(li) @ phi @ li
        return 0.5 * (s + _mT(s))


QRResult = collections.namedtuple("linalg_qr", ["Q", "R"])
EighResult = collections.namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
SVDResult = collections.namedtuple("linalg_svd", ["U", "S", "Vh"])
SlogdetResult = collections.namedtuple("linalg_slogdet", ["sign", "logabsdet"])
LstsqResult = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank",
                                                      "singular_values"])
SvdResult = collections.namedtuple("svd", ["U", "S", "V"])
QRResult.__doc__ = """The (Q, R) named tuple linalg.qr returns.

>>> res = torch.linalg.qr(torch.tensor([[3.0, 0.0], [4.0, 5.0]]))
>>> res.R.abs()
tensor([[5., 4.],
        [0., 3.]])
"""
EighResult.__doc__ = """The (eigenvalues, eigenvectors) named tuple linalg.eigh returns.

>>> res = torch.linalg.eigh(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
>>> res.eigenvalues
tensor([1., 3.])
"""
SVDResult.__doc__ = """The (U, S, Vh) named tuple linalg.svd returns.

>>> res = torch.linalg.svd(torch.tensor([[3.0, 0.0], [0.0, -2.0]]))
>>> res.S
tensor([3., 2.])
"""
SlogdetResult.__doc__ = """The (sign, logabsdet) named tuple linalg.slogdet returns.

>>> res = torch.linalg.slogdet(torch.tensor([[-2.0, 0.0], [0.0, 1.0]]))
>>> res.sign, res.logabsdet
(tensor(-1.), tensor(0.6931))
"""
LstsqResult.__doc__ = """linalg.lstsq's result: (solution, residuals, rank, singular_values).

>>> res = torch.linalg.lstsq(torch.tensor([[1.0], [1.0]]), torch.tensor([[1.0], [3.0]]))
>>> res.solution
tensor([[2.0000]])
"""
SvdResult.__doc__ = """The (U, S, V) named tuple torch.svd returns (V, not Vh).


>>> res = torch.svd(torch.tensor([[3.0, 0.0], [0.0, -2.0]]))
>>> res.S
tensor([3., 2.])
"""


class QR(_MultiOp):
    """A = QR (mode 'reduced' or 'complete'). grad for m >= n:
    gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q; m < n through A = [X | Y].

    >>> A = torch.tensor([[3.0, 1.0], [4.0, 2.0]], requires_grad=True)
    >>> Q, R = torch.linalg.qr(A)
    >>> torch.allclose(Q @ R, A)
    True
    >>> R.sum().backward(); A.grad.shape
    chainrule.Size([2, 2])
    """

    def forward(self, a, mode="reduced"):
        q, r = np.linalg.qr(a, mode=mode)
        return q, r

    def backward(self, gq, gr):
        q, r = self.outputs()
        m, n = q.shape[-2], r.shape[-1]
        if self._options.get("mode") == "complete" and m > n:
            raise RuntimeError("linalg.qr: The derivative of linalg.qr is not implemented when "
                               "mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward(q, r, gq, gr)
        # A = [X | Y], R = [U | V]: X = QU is square-case QR, Y = QV
        u, v = r[..., :, :m], r[..., :, m:]
        gu = None if gr is None else gr[..., :, :m]
        gv = None if gr is None else gr[..., :, m:]
        y = self.saved_inputs()[0][..., :, m:]
        gq2 = gq if gv is None else (y @ _mT(gv) if gq is None else gq + y @ _mT(gv))
        gx = _qr_backward(q, u, gq2, gu)
        gy = q @ gv if gv is not None else _zeros_like(y)
        if dual.is_array(gx):
            return np.concatenate([gx, gy], axis=-1)
        from .shape import cat
        return cat([gx, gy], -1)


def _qr_backward(q, r, gq, gr):
    m_ = _zeros_like(r @ _mT(r))
    if gr is not None:
        m_ = m_ + r @ _mT(gr)
    if gq is not None:
        m_ = m_ - _mT(gq) @ q
    low = _tril(m_, -1)
    copyltu = low + _mT(low) + _diag_embed(_diagonal(m_))
    b = q @ copyltu
    if gq is not None:
        b = b + gq
    # b R^-T: solve R X^T = b^T
    return _mT(_solve(r, _mT(b)))


class Eigh(_MultiOp):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix.
    grad: V (diag(gw) + skew(V^T gV) / E) V^T, E_ij = w_j - w_i (off the diagonal),
    skew(M) = (M - M^T) / 2 as PyTorch's linalg_eig_backward.

    >>> A = torch.tensor([[2.0, 1.0], [1.0, 2.0]], requires_grad=True)
    >>> w, V = torch.linalg.eigh(A); w
    tensor([1., 3.], grad_fn=<EighBackward0>)
    >>> w[1].backward(); A.grad
    tensor([[0.5000, 0.5000],
            [0.5000, 0.5000]])
    """

    def forward(self, a, UPLO="L"):
        _square("linalg.eigh", a)
        w, v = np.linalg.eigh(a, UPLO=UPLO)
        return w, v

    def backward(self, gw, gv):
        w, v = self.outputs()
        inner = _zeros_like(v)
        if gv is not None:
            e = _row(w) - _col(w)
            n = w.shape[-1]
            eye = _eye_like(w, n)
            vtgv = _mT(v) @ gv
            # PyTorch projects V^T gV onto the skew-symmetric matrices first (the tangent
            # space of the orthogonal group), so the gradient is symmetric whatever UPLO read
            inner = 0.5 * (vtgv - _mT(vtgv)) / (e + eye) * (1 - eye)
        if gw is not None:
            inner = inner + _diag_embed(gw)
        return v @ inner @ _mT(v)


class Eigvalsh(Op):
    """Eigenvalues of a symmetric matrix; grad V diag(g) V^T.

    >>> A = torch.tensor([[2.0, 1.0], [1.0, 2.0]], requires_grad=True)
    >>> w = torch.linalg.eigvalsh(A); w
    tensor([1., 3.], grad_fn=<EigvalshBackward0>)
    >>> w[1].backward(); A.grad
    tensor([[0.5000, 0.5000],
            [0.5000, 0.5000]])
    """

    def forward(self, a, UPLO="L"):
        _square("linalg.eigvalsh", a)
        w, v = np.linalg.eigh(a, UPLO=UPLO)
        self._v = v
        return w

    def backward(self, g):
        if CREATE_GRAPH[0]:
            v = Eigh.apply(self.inputs[0], **self._options)[1]
        else:
            v = self._v
        return v @ _diag_embed(g) @ _mT(v)

    @classmethod
    def apply(cls, a, UPLO="L"):
        out = super().apply(a, UPLO=UPLO)
        if out.grad_fn is not None:
            out.grad_fn._options = {"UPLO": UPLO}
        return out


class SVD(_MultiOp):
    """A = U diag(S) Vh. grad (PyTorch's svd_backward, real case):
    U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] Vh plus the parts outside the span
    of U and V when A is not square; E_ij = S_j^2 - S_i^2.

    >>> A = torch.tensor([[3.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> U, S, Vh = torch.linalg.svd(A); S
    tensor([3., 2.], grad_fn=<SVDBackward0>)
    >>> torch.allclose(U @ torch.diag(S) @ Vh, A)
    True
    """
    n_outputs = 3

    def forward(self, a, full_matrices=True):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        return u, s, vh

    def backward(self, gu, gs, gvh):
        u, s, vh = self.outputs()
        k = s.shape[-1]
        m, n = u.shape[-2], vh.shape[-1]
        if self._options.get("full_matrices", True):  # the extra columns carry no gradient
            u, vh = _narrow_last(u, k), _mT(_narrow_last(_mT(vh), k))
            gu = None if gu is None else _narrow_last(gu, k)
            gvh = None if gvh is None else _mT(_narrow_last(_mT(gvh), k))
        if gu is None and gvh is None:
            return (u * _row(gs)) @ vh if gs is not None else None
        v = _mT(vh)
        gv = None if gvh is None else _mT(gvh)
        s2 = s * s
        eye = _eye_like(s, k)
        e = _row(s2) - _col(s2) + eye
        inner = _zeros_like(_col(s) * _row(s))
        if gu is not None:
            utgu = _mT(u) @ gu
            inner = inner + (utgu - _mT(utgu)) * _row(s)
        if gv is not None:
            vtgv = _mT(v) @ gv
            inner = inner + _col(s) * (vtgv - _mT(vtgv))
        inner = inner / e * (1 - eye)
        if gs is not None:
            inner = inner + _diag_embed(gs)
        ga = u @ inner @ vh
        if m > k and gu is not None:
            ga = ga + ((gu - u @ (_mT(u) @ gu)) / _row(s)) @ vh
        if n > k and gv is not None:
            ga = ga + u @ _mT((gv - v @ (_mT(v) @ gv)) / _row(s))
        return ga


class Svdvals(Op):
    """Singular values (descending); grad U diag(g) Vh.

    >>> A = torch.tensor([[3.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> S = torch.linalg.svdvals(A); S
    tensor([3., 2.], grad_fn=<SvdvalsBackward0>)
    >>> S[0].backward(); A.grad
    tensor([[1., 0.],
            [0., 0.]])
    """

    def forward(self, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        self._u, self._vh = u, vh
        return s

    def backward(self, g):
        if CREATE_GRAPH[0]:
            u, _, vh = SVD.apply(self.inputs[0], full_matrices=False)
        else:
            u, vh = self._u, self._vh
        return (u * _row(g)) @ vh


# --- the functions ------------------------------------------------------------------------
def inv(A, *, out=None):
    """The inverse of a square matrix (or batch): linalg.inv.

    >>> chainrule.linalg.inv(chainrule.tensor([[2., 0.], [0., 4.]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    return _out(Inv.apply(_matrix("linalg.inv", A)), out)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info is 0 (a singular input raises LinAlgError).

    >>> inverse, info = torch.linalg.inv_ex(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> inverse, info
    (tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]]), tensor(0, dtype=chainrule.int32))
    """
    r = inv(A)
    return collections.namedtuple("linalg_inv_ex", ["inverse", "info"])(
        r, _make(np.zeros(r.shape[:-2], np.int32)))


def det(A, *, out=None):
    """The determinant of a square matrix (or batch): linalg.det.

    >>> torch.linalg.det(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor(3.)
    """
    return _out(Det.apply(_matrix("linalg.det", A)), out)


def slogdet(A, *, out=None):
    """(sign, log|det A|): linalg.slogdet; the log is differentiable.

    >>> sign, logabsdet = torch.linalg.slogdet(torch.tensor([[-2.0, 0.0], [0.0, 1.5]]))
    >>> sign, logabsdet
    (tensor(-1.), tensor(1.0986))
    """
    A = _matrix("linalg.slogdet", A)
    return SlogdetResult(SignDet.apply(A), LogAbsDet.apply(A))


def logdet(A):
    """log det A: NaN for a negative determinant, -inf for zero (torch.logdet).

    >>> torch.logdet(torch.tensor([[2.0, 0.0], [0.0, 3.0]]))
    tensor(1.7918)
    """
    sign, lad = slogdet(A)
    from .elementwise import log
    return lad + log(sign)


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B: linalg.solve. B may be a (batch of) vector(s).

    >>> chainrule.linalg.solve(chainrule.eye(2) * 2, chainrule.tensor([2., 4.]))
    tensor([1., 2.])
    """
    A, B = _matrix("linalg.solve", A), floating(as_operand(B))
    if not left:
        return _out(solve(A.mT, B.mT).mT, out)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector:
        return _out(Solve.apply(A, B.unsqueeze(-1)).squeeze(-1), out)
    return _out(Solve.apply(A, B), out)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B for triangular A (only the triangle named by `upper` is read).

    >>> A = torch.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> torch.linalg.solve_triangular(A, torch.tensor([[4.0], [8.0]]), upper=True)
    tensor([[1.],
            [2.]])
    """
    A, B = _matrix("linalg.solve_triangular", A), floating(as_operand(B))
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if not left:
        return _out(solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular)
                    .mT, out)
    return _out(SolveTriangular.apply(A, B, upper, unitriangular), out)


def cholesky(A, *, upper=False, out=None):
    """L with A = L L^T for symmetric positive-definite A (U = L^T with upper=True).

    >>> torch.linalg.cholesky(torch.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    A = _matrix("linalg.cholesky", A)
    out_t = Cholesky.apply(A, upper=upper)
    if out_t.grad_fn is not None:
        out_t.grad_fn._options = {"upper": upper}
    return _out(out_t, out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info is 0 (a non positive-definite input raises LinAlgError).

    >>> L, info = torch.linalg.cholesky_ex(torch.tensor([[4.0, 2.0], [2.0, 5.0]]))
    >>> L, info
    (tensor([[2., 0.],
            [1., 2.]]), tensor(0, dtype=chainrule.int32))
    """
    low = cholesky(A, upper=upper)
    return collections.namedtuple("linalg_cholesky_ex", ["L", "info"])(
        low, _make(np.zeros(low.shape[:-2], np.int32)))


def qr(A, mode="reduced", *, out=None):
    """(Q, R) with A = QR: mode 'reduced' (default), 'complete', or 'r' (Q empty).

    >>> A = torch.tensor([[3.0, 1.0], [4.0, 2.0]])
    >>> Q, R = torch.linalg.qr(A)
    >>> torch.allclose(Q @ R, A), torch.allclose(Q.T @ Q, torch.eye(2), atol=1e-6)
    (True, True)
    """
    A = _matrix("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    if mode == "r":
        r = np.linalg.qr(A._data, mode="r")
        return QRResult(_make(np.zeros((0,), A._data.dtype)), _make(np.asarray(r)))
    q, r = QR.apply(A, mode=mode)
    return QRResult(q, r)


def eigh(A, UPLO="L", *, out=None):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric matrix.

    >>> w, V = torch.linalg.eigh(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    tensor([1., 3.])
    >>> V.abs()
    tensor([[0.7071, 0.7071],
            [0.7071, 0.7071]])
    """
    A = _matrix("linalg.eigh", A)
    w, v = Eigh.apply(A, UPLO=UPLO)
    return EighResult(w, v)


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of a symmetric matrix.

    >>> torch.linalg.eigvalsh(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    return _out(Eigvalsh.apply(_matrix("linalg.eigvalsh", A), UPLO), out)


def svd(A, full_matrices=True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending.

    >>> A = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> U, S, Vh = torch.linalg.svd(A, full_matrices=False)
    >>> U.shape, S, Vh.shape
    (chainrule.Size([3, 2]), tensor([9.5255, 0.5143]), chainrule.Size([2, 2]))
    >>> torch.allclose(U @ torch.diag(S) @ Vh, A, atol=1e-5)
    True
    """
    A = _matrix("linalg.svd", A)
    return SVDResult(*SVD.apply(A, full_matrices=full_matrices))


def svdvals(A, *, driver=None, out=None):
    """The singular values of A, descending.

    >>> torch.linalg.svdvals(torch.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor([4., 3.])
    """
    return _out(Svdvals.apply(_matrix("linalg.svdvals", A)), out)


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """The Moore-Penrose pseudo-inverse; singular values below max(atol, rtol * S_max)
    count as zero (rtol defaults to eps * max(m, n) when atol is not given).

    >>> torch.linalg.pinv(torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]]))
    tensor([[1.0000, 0.0000, 0.0000],
            [0.0000, 0.5000, 0.0000]])
    """
    A = _matrix("linalg.pinv", A)
    eps = np.finfo(A._data.dtype).eps
    if rtol is None:
        rtol = eps * builtins.max(A.shape[-2:]) if (atol is None or atol == 0) else 0.0
    atol = 0.0 if atol is None else atol
    out_t = Pinv.apply(A, atol=float(atol), rtol=float(rtol), hermitian=hermitian)
    return _out(out_t, out)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B: (solution, residuals, rank, singular_values).

    The solution is pinv(A) @ B (differentiable in A and B). As with PyTorch's default CPU
    driver ('gelsy'), residuals and singular_values are empty; rank is computed.

    >>> A = torch.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> torch.linalg.lstsq(A, torch.tensor([[1.0], [2.0], [4.0]])).solution
    tensor([[0.8333],
            [1.5000]])
    """
    A, B = _matrix("linalg.lstsq", A), floating(as_operand(B))
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    if A.shape[-2] != Bm.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
                           f"(got {A.shape[-2]} and {Bm.shape[-2]})")
    driver = driver or "gelsy"
    eps = np.finfo(A._data.dtype).eps
    r = eps * builtins.max(A.shape[-2:]) if rcond is None else rcond
    sol = pinv(A, rtol=r) @ Bm
    if vector:
        sol = sol.squeeze(-1)
    s = np.linalg.svd(A._data, compute_uv=False)
    # PyTorch: rank only for gelsy / gelsd / gelss, singular values only for gelsd / gelss,
    # residuals for full-rank tall A with a driver other than gelsy; the rest empty.
    # Empty float results are views of A (they require grad as PyTorch's do; zero gradient).
    empty = A.reshape(-1)[:0]
    if driver == "gels":
        rank = _make(np.zeros((0,), np.int64))
    else:
        rank = (s > r * s[..., :1]).sum(-1).astype(np.int64) if s.shape[-1] else \
            np.zeros(s.shape[:-1], np.int64)
        rank = _make(np.asarray(rank))
    svals = svdvals(A) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    if driver != "gelsy" and A.shape[-2] > A.shape[-1] and \
            (np.linalg.matrix_rank(A._data) == A.shape[-1]).all():
        res = Bm - A @ (sol.unsqueeze(-1) if vector else sol)
        residuals = (res * res).sum(-2)
        if vector:
            residuals = residuals.squeeze(-1)
    return LstsqResult(sol, residuals, rank, svals)


def matrix_power(A, n, *, out=None):
    """A^n by repeated squaring (n < 0: powers of the inverse; n = 0: the identity).

    >>> A = torch.tensor([[1.0, 1.0], [0.0, 1.0]])
    >>> torch.linalg.matrix_power(A, 3), torch.linalg.matrix_power(A, -1)
    (tensor([[1., 3.],
            [0., 1.]]), tensor([[ 1., -1.],
            [ 0.,  1.]]))
    """
    A = as_operand(A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {A.shape[-2] if A.ndim >= 2 else 1} by {A.shape[-1]} "
                           "matrices")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype), A.shape).copy()
        return _out(_make(eye) + 0 * A, out)
    if n < 0:
        A, n = inv(A), -n
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return _out(result, out)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None, out=None):
    """The number of singular values above max(atol, rtol * S_max) (int64).

    >>> torch.linalg.matrix_rank(torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(1)
    """
    A = _matrix("linalg.matrix_rank", A)
    s = np.linalg.svd(A._data, compute_uv=False) if A._data.size else \
        np.zeros(A.shape[:-2] + (builtins.min(A.shape[-2:]),), A._data.dtype)
    eps = np.finfo(A._data.dtype).eps
    if tol is not None:
        atol, rtol = tol, 0.0

    def arr(v):  # a number or a tensor of tolerances, broadcast over the batch (PyTorch)
        return np.asarray(v._data if isinstance(v, Tensor) else v, dtype=s.dtype)[..., None]

    default_rtol = eps * builtins.max(A.shape[-2:])
    if rtol is None:  # rtol 0 where atol > 0 is given, else the default
        rtol = default_rtol if atol is None else np.where(arr(atol) > 0, 0.0, default_rtol)
    else:
        rtol = arr(rtol)
    atol = 0.0 if atol is None else arr(atol)
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return _out(_make(np.asarray((s > np.maximum(atol, rtol * smax)).sum(-1), np.int64)), out)


def multi_dot(tensors, *, out=None):
    """The product of matrices in the order given (first / last may be 1-D), left to right.

    >>> A, B = torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0], [4.0]])
    >>> torch.linalg.multi_dot([A, B, A])
    tensor([[11., 22.]])
    """
    tensors = [as_operand(t) for t in tensors]
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        if t.ndim not in (1, 2) or (t.ndim == 1 and 0 < i < len(tensors) - 1):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    first_1d, last_1d = tensors[0].ndim == 1, tensors[-1].ndim == 1
    ts = list(tensors)
    if first_1d:
        ts[0] = ts[0].unsqueeze(0)
    if last_1d:
        ts[-1] = ts[-1].unsqueeze(-1)
    r = ts[0]
    for t in ts[1:]:
        r = r @ t
    if first_1d:
        r = r.squeeze(0)
    if last_1d:
        r = r.squeeze(-1)
    return _out(r, out)


def cross(input, other, *, dim=-1, out=None):  # noqa: A002 - PyTorch's names
    """The cross product of 3-vectors along `dim` (broadcasting the other dims).

    >>> torch.linalg.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.])
    """
    from .shape import roll, broadcast_tensors
    from ._util import promote
    a, b = broadcast_tensors(*promote(as_operand(input), as_operand(other)))  # ints stay ints
    d = dim % builtins.max(a.ndim, 1)
    if a.ndim == 0 or a.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d] if a.ndim else 0} and {b.shape[d] if b.ndim else 0}")
    # (a x b)_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}: rolls along dim
    return _out(roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d), out)


def vecdot(x, y, *, dim=-1, out=None):
    """The dot product of vectors along `dim`, broadcasting the others.

    >>> torch.linalg.vecdot(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    return _out((as_operand(x) * as_operand(y)).sum(dim), out)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The vector ord-norm over `dim` (all elements when None): sum(|x|^ord)^(1/ord),
    max |x| for inf, min for -inf, the count of non-zeros for 0.

    >>> x = torch.tensor([3.0, -4.0])
    >>> torch.linalg.vector_norm(x), torch.linalg.vector_norm(x, ord=1)
    (tensor(5.), tensor(7.))
    >>> torch.linalg.vector_norm(x, ord=float("inf"))
    tensor(4.)
    """
    from .reduce import norm as _norm
    x = floating(as_operand(x))
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}'")
    return _out(_norm(x, ord, dim, keepdim, dtype), out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """The matrix norm over the two dims `dim`: 'fro', 'nuc', inf / -inf (max / min row
    sum of |A|), 1 / -1 (max / min column sum), 2 / -2 (largest / smallest singular value).

    >>> A = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> torch.linalg.matrix_norm(A), torch.linalg.matrix_norm(A, ord=1)
    (tensor(5.4772), tensor(6.))
    """
    from .reduce import norm as _norm, amax, amin
    A = floating(as_operand(A))
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    d0, d1 = (d % A.ndim for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if ord == "fro":
        return _out(_norm(A, "fro", (d0, d1), keepdim), out)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        r = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return _out(r, out)
    if ord in (1, -1, float("inf"), -float("inf")):
        from .elementwise import abs as _abs
        sum_dim, pick_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = _abs(A).sum(sum_dim, keepdim=True)
        pick = amax if ord in (1, float("inf")) else amin
        r = pick(sums, pick_dim, keepdim=True)
        if not keepdim:
            r = r.squeeze(builtins.max(d0, d1)).squeeze(builtins.min(d0, d1))
        return _out(r, out)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A002
    """linalg.norm: the 2-norm of the flattened input when ord and dim are None; a vector
    norm for an int dim or 1-D input; a matrix norm for a 2-tuple dim or 2-D input.

    >>> torch.linalg.norm(torch.tensor([[3.0, 0.0], [0.0, 4.0]]))
    tensor(5.)
    >>> torch.linalg.norm(torch.tensor([[3.0, 0.0], [0.0, 4.0]]), ord=2)
    tensor(4.)
    """
    A = floating(as_operand(A))
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, dim if dim else (-2, -1),
                           keepdim, dtype=dtype, out=out)
    if ord is not None and dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord '{ord}' needs a matrix (a 2-tuple dim or 2-D "
                           "input)")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """The condition number: S_max / S_min for p None or 2, else norm(A, p) norm(A^-1, p).

    >>> torch.linalg.cond(torch.tensor([[4.0, 0.0], [0.0, 2.0]]))
    tensor(2.)
    """
    A = _matrix("linalg.cond", A)
    if p in (None, 2, -2):
        s = svdvals(A)
        r = s.amax(-1) / s.amin(-1) if p != -2 else s.amin(-1) / s.amax(-1)
        return _out(r, out)
    return _out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


def _out(result, out):
    """Write into `out` when given (PyTorch's out=): out's data becomes the result."""
    if out is None:
        return result
    if isinstance(out, Tensor):
        out._data = np.asarray(result._data, dtype=out._data.dtype) \
            if out._data.dtype != result._data.dtype else result._data
        out._version[0] += 1
        return out
    raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")


# --- the torch.* spellings ----------------------------------------------------------------
def inverse(A, *, out=None):
    """torch.inverse: linalg.inv.

    >>> torch.inverse(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    return inv(A, out=out)


def cholesky_legacy(A, upper=False, *, out=None):
    """torch.cholesky(A, upper=False): linalg.cholesky.

    >>> torch.cholesky(torch.tensor([[4.0, 2.0], [2.0, 5.0]]))
    tensor([[2., 0.],
            [1., 2.]])
    """
    return cholesky(A, upper=upper, out=out)


def pinverse(A, rcond=1e-15):
    """torch.pinverse: linalg.pinv with a relative cutoff rcond.

    >>> torch.pinverse(torch.tensor([[2.0, 0.0], [0.0, 0.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    return pinv(A, rtol=rcond)


def svd_legacy(A, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V, not Vh; some=True gives the reduced factors.

    >>> U, S, V = torch.svd(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    >>> S
    tensor([5.4650, 0.3660])
    >>> torch.allclose(U @ torch.diag(S) @ V.T, torch.tensor([[1.0, 2.0], [3.0, 4.0]]), atol=1e-5)
    True
    """
    if not compute_uv:
        A = _matrix("svd", A)
        s = svdvals(A)
        m, n = A.shape[-2:]
        zu = _make(np.zeros(tuple(A.shape[:-2]) + (m, m if not some else min(m, n)),
                            A._data.dtype))
        zv = _make(np.zeros(tuple(A.shape[:-2]) + (n, n if not some else min(m, n)),
                            A._data.dtype))
        return SvdResult(zu, s, zv)
    u, s, vh = svd(A, full_matrices=not some)
    return SvdResult(u, s, vh.mT)


class CholeskySolve(Op):
    """X = (L L^T)^-1 B from the triangle of L (upper: U^T U). Gradients as PyTorch's
    cholesky_solve_backward: gB = cholesky_solve(g, L); gL = -(C L) (upper: -(L C)) with
    C = gB X^T + X gB^T and L as given, its other triangle included (PyTorch's formula is
    the derivative of (L L^T)^-1 B in every entry of L, though the forward reads one
    triangle; PyTorch is the reference).

    >>> L = torch.tensor([[2.0, 0.0], [1.0, 1.0]], requires_grad=True)
    >>> B = torch.tensor([[4.0], [3.0]], requires_grad=True)
    >>> X = torch.cholesky_solve(B, L); X
    tensor([[0.5000],
            [1.0000]], grad_fn=<CholeskySolveBackward0>)
    >>> torch.allclose(L @ L.T @ X, B)
    True
    >>> X.sum().backward(); B.grad
    tensor([[0.0000],
            [0.5000]])
    """
    saves_output = True

    def forward(self, b, l, upper):
        if l.shape[-1] != l.shape[-2]:
            raise RuntimeError(f"cholesky_solve: A must be batches of square matrices, but "
                               f"they are {l.shape[-2]} by {l.shape[-1]} matrices")
        if b.shape[-2] != l.shape[-1]:
            raise RuntimeError(f"cholesky_solve: Incompatible matrix sizes for "
                               f"cholesky_solve: each A matrix is {l.shape[-1]} by "
                               f"{l.shape[-1]} but each b matrix is {b.shape[-2]} by "
                               f"{b.shape[-1]}")
        t = np.triu(l) if upper else np.tril(l)
        a = np.swapaxes(t, -1, -2) @ t if upper else t @ np.swapaxes(t, -1, -2)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = np.broadcast_to(a, batch + a.shape[-2:])
        b = np.broadcast_to(b, batch + b.shape[-2:])
        if b.size == 0 or a.size == 0:
            return np.zeros(b.shape, b.dtype)
        return _lapack("cholesky_solve", np.linalg.solve, a, b).astype(b.dtype, copy=False)

    def backward(self, g):
        b, l = self.saved_inputs()
        upper = self._options["upper"]
        x = self.output()
        gb = (self.forward(g, l, upper) if dual.is_array(g)
              else CholeskySolve.apply(g, l, upper=upper))
        gl = None
        if self.needs_input_grad[1]:
            c = gb @ _mT(x)
            c = c + _mT(c)
            gl = dual.sum_to(-(l @ c) if upper else -(c @ l), l.shape)
        return (dual.sum_to(gb, b.shape) if self.needs_input_grad[0] else None), gl

    @classmethod
    def apply(cls, b, l, upper):
        out = super().apply(b, l, upper=upper)
        if out.grad_fn is not None:
            out.grad_fn._options = {"upper": upper}
        return out


def cholesky_solve(B, L, upper=False, *, out=None):
    """X with (L L^T) X = B, given the Cholesky factor L (or U = L^T with upper=True).

    >>> L = chainrule.linalg.cholesky(chainrule.eye(2) * 4)
    >>> chainrule.cholesky_solve(chainrule.ones(2, 1), L)
    tensor([[0.2500],
            [0.2500]])
    """
    L = _matrix("cholesky_solve", L)
    B = as_operand(B)
    if B._data.ndim < 2:
        raise RuntimeError("cholesky_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    if B._data.dtype != L._data.dtype:
        raise RuntimeError(f"cholesky_solve: Expected b and A to have the same dtype, but "
                           f"found b of type {B.dtype} and A of type {L.dtype} instead.")
    return _out(CholeskySolve.apply(B, L, upper=bool(upper)), out)


def cholesky_inverse(L, upper=False, *, out=None):
    """(L L^T)^-1 from the Cholesky factor L (or U with upper=True); the gradient is
    PyTorch's (see CholeskySolve).

    >>> chainrule.cholesky_inverse(chainrule.eye(2) * 2)
    tensor([[0.2500, 0.0000],
            [0.0000, 0.2500]])
    """
    L = _matrix("cholesky_inverse", L)
    eye = _make(np.broadcast_to(np.eye(L.shape[-1], dtype=L._data.dtype), L.shape).copy())
    return cholesky_solve(eye, L, upper, out=out)


# --- more of torch.linalg (issue 10) ------------------------------------------------------
def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: the diagonal of the last two dims by default.

    >>> torch.linalg.diagonal(torch.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    from .shape import diagonal
    return diagonal(as_operand(A), offset, dim1, dim2)


def vander(x, N=None):
    """torch.linalg.vander: columns x^0, x^1, ..., x^(N-1) (increasing powers).

    >>> chainrule.linalg.vander(chainrule.tensor([1., 2., 3.]))
    tensor([[1., 1., 1.],
            [1., 2., 4.],
            [1., 3., 9.]])
    """
    from .shape import stack
    x = as_operand(x)
    if x._data.ndim == 0:  # PyTorch reads a 0-d x as one value: shape (1, N)
        x = x.reshape(1)
    n = x.shape[-1] if N is None else int(N)
    if n < 0:
        raise RuntimeError(f"N must be greater than 1 (got N={n})")
    if x._data.dtype.kind == "b":
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           "tensors, but got Bool")
    if x._data.dtype.kind in "iu" and x._data.dtype != np.int64:
        x = x.to("int64")  # PyTorch's integer powers are int64
    if n == 0:
        return _make(np.zeros(tuple(x.shape) + (0,), x._data.dtype))
    cols = [x * 0 + 1] if n else []
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    return stack(cols, -1)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """torch.linalg.solve_ex: (solution, info), info 0 for an invertible matrix.

    >>> A = torch.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> result, info = torch.linalg.solve_ex(A, torch.tensor([2.0, 4.0])); result, info
    (tensor([1., 1.]), tensor(0, dtype=chainrule.int32))
    """
    x = solve(A, B, left=left)
    info = _make(np.zeros(tuple(as_operand(A).shape[:-2]), np.int32))
    return SolveExResult(x, info)


SolveExResult = collections.namedtuple("SolveExResult", ["result", "info"])
SolveExResult.__doc__ = """The (result, info) named tuple linalg.solve_ex returns.

>>> A = torch.tensor([[2.0, 0.0], [0.0, 4.0]])
>>> res = torch.linalg.solve_ex(A, torch.tensor([2.0, 4.0]))
>>> res.result, res.info
(tensor([1., 1.]), tensor(0, dtype=chainrule.int32))
"""


def matrix_exp(A):
    """exp(A) of square matrices by scaling and squaring with a degree-18 Taylor
    polynomial, written with matmuls (differentiable to any order).

    >>> chainrule.linalg.matrix_exp(chainrule.zeros(2, 2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    A = _matrix("linalg.matrix_exp", A)
    _square("linalg.matrix_exp", A._data)
    n = A.shape[-1]
    if A._data.size == 0:
        return A * 1
    norm1 = np.abs(A._data).sum(-2).max()
    s = int(max(0, np.ceil(np.log2(norm1)) + 1)) if norm1 > 0 else 0
    X = A * (1.0 / 2 ** s) if s else A
    eye = _make(np.broadcast_to(np.eye(n, dtype=A._data.dtype), A.shape).copy())
    term, result = eye, eye
    for k in range(1, 19):
        term = (term @ X) * (1.0 / k)
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


def tensorinv(A, ind=2, *, out=None):
    """torch.linalg.tensorinv: the inverse of A seen as a matrix of shape
    (prod(A.shape[:ind]), prod(A.shape[ind:])), shaped A.shape[ind:] + A.shape[:ind].

    >>> A = torch.eye(4).reshape(4, 2, 2) * 2
    >>> torch.linalg.tensorinv(A, ind=1).shape
    chainrule.Size([2, 2, 4])
    >>> torch.linalg.tensorinv(A, ind=1).reshape(4, 4)
    tensor([[0.5000, 0.0000, 0.0000, 0.0000],
            [0.0000, 0.5000, 0.0000, 0.0000],
            [0.0000, 0.0000, 0.5000, 0.0000],
            [0.0000, 0.0000, 0.0000, 0.5000]])
    """
    A = as_operand(A)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    lead, rest = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    m, k = int(np.prod(lead)), int(np.prod(rest))
    if m != k:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) "
                           f"== prod(self.shape[:ind]), but got {k} != {m}")
    return _out(inv(A.reshape(m, k)).reshape(*(rest + lead)), out)


def tensorsolve(A, B, dims=None, *, out=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B (dims of A moved to
    the end first).

    >>> A = (2 * torch.eye(6)).reshape(2, 3, 6)
    >>> X = torch.linalg.tensorsolve(A, torch.ones(2, 3)); X
    tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000])
    """
    A, B = as_operand(A), as_operand(B)
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    bn = int(np.prod(tuple(B.shape)))
    xshape = tuple(A.shape[B.ndim:])
    xn = int(np.prod(xshape))
    if bn != xn:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim"
                           f":]) == prod(self.shape[:other.ndim]), but got {xn} != {bn}")
    return _out(solve(A.reshape(bn, xn), B.reshape(bn)).reshape(*xshape), out)
