"""`torch.autograd.Variable`, the pre-0.4 wrapper that older code (and many GAN and RL
repositories) still writes: since PyTorch 0.4 it makes a plain Tensor, and every Tensor is an
instance of it."""
import warnings

from ..tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Variable(data, requires_grad=False): a Tensor sharing `data`'s memory, cut from its
    graph (a leaf), with `requires_grad` set; `volatile` is accepted and ignored with
    PyTorch's warning.

    >>> from chainrule.autograd import Variable
    >>> v = Variable(chainrule.ones(2), requires_grad=True)
    >>> type(v).__name__, v.requires_grad, isinstance(v, Variable)
    ('Tensor', True, True)
    """

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=2)
        if data is None:
            data = Tensor([])
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(bool(requires_grad))
