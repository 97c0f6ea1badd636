"""Distribution: the base class of torch.distributions' API."""
import warnings

import numpy as np

from . import constraints
from .utils import broadcast_all, lazy_property
from ..tensor import Tensor, Size
from ..autograd.grad_mode import no_grad


class Distribution:
    """A parametrised probability distribution over events of `event_shape`, in a batch of
    independent (not identically distributed) distributions of `batch_shape`.

    Samples have shape ``sample_shape + batch_shape + event_shape``. `rsample` is the
    reparameterised sample (differentiable in the parameters) where `has_rsample`.

    >>> from chainrule.distributions import Normal
    >>> d = Normal(chainrule.tensor([0.0, 1.0]), chainrule.tensor(1.0))
    >>> d.batch_shape, d.event_shape, d.sample((5,)).shape
    (chainrule.Size([2]), chainrule.Size([]), chainrule.Size([5, 2]))
    >>> loc = chainrule.tensor(0.0, requires_grad=True)
    >>> Normal(loc, 1.0).rsample((4,)).sum().backward()      # reparameterised
    >>> loc.grad
    tensor(4.)
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    support = None
    arg_constraints = {}

    @staticmethod
    def set_default_validate_args(value):
        if value not in (True, False):
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            try:
                arg_constraints = self.arg_constraints
            except NotImplementedError:
                arg_constraints = {}
            for param, constraint in arg_constraints.items():
                if constraints.is_dependent(constraint):
                    continue
                if param not in self.__dict__ and isinstance(
                        getattr(type(self), param, None), (property, lazy_property)):
                    continue  # a parameter computed from another (probs from logits)
                value = getattr(self, param)
                valid = constraint.check(value)
                if not bool(np.all(valid._data)):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {constraint!r}, but found invalid values:\n{value}")

    def expand(self, batch_shape, _instance=None):
        """The same distribution with parameters broadcast to a larger batch_shape."""
        raise NotImplementedError

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self)} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=Size()):
        """A sample (or a batch of them) with no gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        """A reparameterised sample: gradients flow to the parameters."""
        raise NotImplementedError

    def sample_n(self, n):
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=Size()):
        if not isinstance(sample_shape, (tuple, list)):
            sample_shape = (int(sample_shape),)
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value):
        """PyTorch's checks of a value given to log_prob: a Tensor, broadcastable to the
        batch and event shapes, inside the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim_start = len(value.shape) - len(self._event_shape)
        if tuple(value.shape[event_dim_start:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {tuple(self._event_shape)}.")
        actual_shape = tuple(value.shape)
        expected_shape = tuple(self._batch_shape) + tuple(self._event_shape)
        for i, j in zip(reversed(actual_shape), reversed(expected_shape)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{actual_shape} vs {expected_shape}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{type(self)} does not define `support` to enable sample "
                          "validation. Please initialize the distribution with "
                          "`validate_args=False` to turn off validation.")
            return
        if support is None or constraints.is_dependent(support):
            return
        valid = support.check(value)
        if not bool(np.all(valid._data)):
            raise ValueError("Expected value argument "
                             f"({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({support!r}) of the distribution {self!r}, "
                             f"but found invalid values:\n{value}")

    def _init_params(self, names, values, validate_args, event_shape=()):
        """Broadcast the parameters `values` together, store them as attributes `names` and
        initialise the batch shape: () when every parameter is a Python number."""
        import numbers
        tensors = broadcast_all(*values)
        for name, t in zip(names, tensors):
            setattr(self, name, t)
        scalar = all(isinstance(v, numbers.Number) for v in values)
        Distribution.__init__(self, Size() if scalar else tensors[0].shape, event_shape,
                              validate_args=validate_args)

    def _expand_params(self, cls, batch_shape, names, _instance=None):
        """expand() for distributions whose parameters all have the batch shape."""
        new = self._get_checked_instance(cls, _instance)
        for name in names:
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _get_checked_instance(self, cls, _instance=None):
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {type(self).__name__} of {cls.__name__} that "
                                      "defines a custom __init__ method must also define a "
                                      "custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self):
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{p}: {self.__dict__[p] if self.__dict__[p].numel() == 1 else self.__dict__[p].size()}"
                         for p in names)
        return type(self).__name__ + "(" + args + ")"
