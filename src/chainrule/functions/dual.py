"""Helpers for backward formulas that run on arrays or on Tensors.

A plain backward pass hands ops ndarrays, and these helpers are thin NumPy calls. Under
create_graph=True the same formulas receive Tensors, and the helpers dispatch to the
recorded Tensor methods, so the backward pass is itself differentiable. Operators
(+ - * / ** @, unary -) need no helper: both types have them.
"""
import numpy as np

from ..tensor import Tensor

# NumPy turns 0-d results into scalars (np.float32), so "array" here means "not a Tensor".


def is_array(x):
    """True for an ndarray or NumPy scalar (a plain backward pass), False for a Tensor.

    >>> from chainrule.functions import dual
    >>> dual.is_array(np.ones(2)), dual.is_array(torch.ones(2))
    (True, False)
    """
    return not isinstance(x, Tensor)


def sum_to(g, shape):
    """Sum a broadcast gradient back to `shape` (the one place broadcasting is undone).

    >>> from chainrule.functions import dual
    >>> dual.sum_to(np.ones((2, 3)), (1, 3))
    array([[2., 2., 2.]])
    >>> dual.sum_to(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> dual.sum_to(torch.ones(2, 3), (2, 1))
    tensor([[3.],
            [3.]])
    """
    gshape = g.shape
    if gshape == shape or tuple(gshape) == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if not isinstance(g, Tensor):
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if lead:
            g = g.reshape(shape)
        return g
    if axes:
        g = g.sum(dim=axes, keepdim=True)
    return g.reshape(tuple(shape)) if lead else g


def broadcast_to(g, shape):
    """Broadcasts g to shape: np.broadcast_to on arrays, Tensor.expand on Tensors.

    >>> from chainrule.functions import dual
    >>> dual.broadcast_to(np.array([1.0, 2.0]), (2, 2))
    array([[1., 2.],
           [1., 2.]])
    >>> dual.broadcast_to(torch.tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if not isinstance(g, Tensor):
        return np.broadcast_to(g, shape)
    return g.expand(*shape)


def reshape(g, shape):
    """Reshapes g to shape, an array or a Tensor alike.

    >>> from chainrule.functions import dual
    >>> dual.reshape(np.arange(4.0), (2, 2))
    array([[0., 1.],
           [2., 3.]])
    >>> dual.reshape(torch.arange(4.0), (2, 2))
    tensor([[0., 1.],
            [2., 3.]])
    """
    return g.reshape(shape) if not isinstance(g, Tensor) else g.reshape(*shape)


def swapaxes(g, a, b):
    """Swaps axes a and b of g (Tensor.transpose on Tensors).

    >>> from chainrule.functions import dual
    >>> dual.swapaxes(np.arange(6.0).reshape(2, 3), 0, 1).shape
    (3, 2)
    >>> dual.swapaxes(torch.zeros(2, 3), 0, 1).shape
    chainrule.Size([3, 2])
    """
    return np.swapaxes(g, a, b) if not isinstance(g, Tensor) else g.transpose(a, b)


def permute(g, axes):
    """Permutes g's axes into the order axes (np.transpose / Tensor.permute).

    >>> from chainrule.functions import dual
    >>> dual.permute(np.zeros((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    >>> dual.permute(torch.zeros(2, 3, 4), (2, 0, 1)).shape
    chainrule.Size([4, 2, 3])
    """
    return np.transpose(g, axes) if not isinstance(g, Tensor) else g.permute(*axes)


def expand_dims(g, axes):
    """Re-insert reduced axes (given as non-negative ints, sorted).

    >>> from chainrule.functions import dual
    >>> dual.expand_dims(np.array([1.0, 2.0]), (0, 2)).shape
    (1, 2, 1)
    >>> dual.expand_dims(torch.tensor([1.0, 2.0]), (0, 2)).shape
    chainrule.Size([1, 2, 1])
    """
    if not isinstance(g, Tensor):
        return np.expand_dims(g, axes) if axes else g
    for a in axes:
        g = g.unsqueeze(a)
    return g


def sum(g, axis, keepdims=False):  # noqa: A001
    """Sums g over axis (keeping the reduced axes with keepdims), an array or a Tensor.

    >>> from chainrule.functions import dual
    >>> dual.sum(np.ones((2, 3)), 1)
    array([3., 3.])
    >>> dual.sum(torch.ones(2, 3), 1, keepdims=True)
    tensor([[3.],
            [3.]])
    """
    if not isinstance(g, Tensor):
        return g.sum(axis=axis, keepdims=keepdims)
    return g.sum(dim=axis, keepdim=keepdims)


def matmul(a, b):
    """Matrix product a @ b, for arrays and Tensors alike.

    >>> from chainrule.functions import dual
    >>> dual.matmul(np.eye(2), np.array([[1.0], [2.0]]))
    array([[1.],
           [2.]])
    >>> dual.matmul(torch.eye(2), torch.tensor([[1.0], [2.0]]))
    tensor([[1.],
            [2.]])
    """
    return a @ b


def exp(x):
    """The exponential of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.exp(np.array([0.0, 1.0]))
    array([1.        , 2.71828183])
    >>> dual.exp(torch.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    return np.exp(x) if not isinstance(x, Tensor) else x.exp()


def log(x):
    """The natural log of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.log(np.array([1.0, 2.0]))
    array([0.        , 0.69314718])
    >>> dual.log(torch.tensor([1.0, 2.0]))
    tensor([0.0000, 0.6931])
    """
    return np.log(x) if not isinstance(x, Tensor) else x.log()


def sqrt(x):
    """The square root of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.sqrt(np.array([1.0, 4.0]))
    array([1., 2.])
    >>> dual.sqrt(torch.tensor([1.0, 4.0]))
    tensor([1., 2.])
    """
    return np.sqrt(x) if not isinstance(x, Tensor) else x.sqrt()


def tanh(x):
    """The hyperbolic tangent of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.tanh(np.array([0.0, 1.0]))
    array([0.        , 0.76159416])
    >>> dual.tanh(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """
    return np.tanh(x) if not isinstance(x, Tensor) else x.tanh()


def sigmoid(x):
    """The logistic sigmoid of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.sigmoid(np.array([0.0, 1.0]))
    array([0.5       , 0.73105858])
    >>> dual.sigmoid(torch.tensor([0.0, 1.0]))
    tensor([0.5000, 0.7311])
    """
    if not isinstance(x, Tensor):
        return _np_sigmoid(x)
    return x.sigmoid()


def sin(x):
    """The sine of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.sin(np.array([0.0, 1.0]))
    array([0.        , 0.84147098])
    >>> dual.sin(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8415])
    """
    return np.sin(x) if not isinstance(x, Tensor) else x.sin()


def cos(x):
    """The cosine of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.cos(np.array([0.0, 1.0]))
    array([1.        , 0.54030231])
    >>> dual.cos(torch.tensor([0.0, 1.0]))
    tensor([1.0000, 0.5403])
    """
    return np.cos(x) if not isinstance(x, Tensor) else x.cos()


def erf(x):
    """The error function of an array (NumPy) or of a Tensor (recorded, for create_graph=True).

    >>> from chainrule.functions import dual
    >>> dual.erf(np.array([0.0, 1.0]))
    array([0.        , 0.84270079])
    >>> dual.erf(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8427])
    """
    return _np_erf(x) if not isinstance(x, Tensor) else x.erf()


def where(cond, a, b):
    """Chooses a where cond is True, else b, for arrays or Tensors alike.

    cond is always an array (a mask computed in forward).

    >>> from chainrule.functions import dual
    >>> cond = np.array([True, False])
    >>> dual.where(cond, np.array([1.0, 2.0]), 0.0)
    array([1., 0.])
    >>> dual.where(cond, torch.tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    """
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return np.where(cond, a, b)
    from .elementwise import where as twhere
    return twhere(Tensor._make(np.asarray(cond)), a, b)


def mul_mask(g, mask):
    """g * mask for a constant mask, cheap on arrays.

    >>> from chainrule.functions import dual
    >>> dual.mul_mask(np.array([1.0, 2.0]), np.array([True, False]))
    array([1., 0.])
    >>> dual.mul_mask(torch.tensor([1.0, 2.0]), np.array([True, False]))
    tensor([1., 0.])
    """
    return g * mask


def zeros(shape, dtype):
    """An array of zeros of shape and dtype (a constant gradient).

    >>> from chainrule.functions import dual
    >>> dual.zeros((2,), np.float32)
    array([0., 0.], dtype=float32)
    """
    return np.zeros(shape, dtype)


def _np_sigmoid(x):
    # exp of -|x| never overflows; both branches are exact.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


from math import erf as _erf_scalar  # noqa: E402

_erf_exact = np.frompyfunc(_erf_scalar, 1, 1)


def _np_erf(x):
    """erf on arrays without SciPy. float64 (gradcheck's type) goes through math.erf,
    exact but scalar; float32 uses a vectorised fit whose relative error, 1.2e-7, is at
    float32's own resolution."""
    if x.dtype == np.float64 or x.size < 64:
        return np.asarray(_erf_exact(x), dtype=x.dtype)
    a = np.abs(x, dtype=np.float64)
    # Numerical Recipes' erfc Chebyshev fit (erfcc).
    t = 1.0 / (1.0 + 0.5 * a)
    erfc = t * np.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return (np.sign(x) * (1.0 - erfc)).astype(x.dtype)
