"""Transforms: invertible maps with the log |det J| that change of variables needs."""
import math
import numbers

from . import constraints
from ..tensor import Tensor

__all__ = ["AbsTransform", "AffineTransform", "ComposeTransform", "ExpTransform",
           "IndependentTransform", "PowerTransform", "SigmoidTransform", "SoftmaxTransform",
           "SoftplusTransform", "TanhTransform", "Transform", "identity_transform"]


def _sum_rightmost(value, dim):
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:value.dim() - dim]) + (-1,)).sum(-1)


class Transform:
    """y = T(x), with inverse x = T^-1(y) and log_abs_det_jacobian(x, y).

    cache_size=1 remembers the last (x, y) pair, so inverting a sample returns exactly
    the x it came from.

    >>> from chainrule.distributions import transforms
    >>> t = transforms.ExpTransform()
    >>> y = t(chainrule.tensor([0.0, 1.0]))
    >>> y, t.inv(y), t.inv.inv is t         # log |dy/dx| = x
    (tensor([1.0000, 2.7183]), tensor([0.0000, 1.0000]), True)
    """

    bijective = False
    domain = constraints.real
    codomain = constraints.real

    def __init__(self, cache_size=0):
        if cache_size not in (0, 1):
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size = cache_size
        self._cached_x_y = None, None
        self._inv = None

    @property
    def event_dim(self):
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self):
        inv = self._inv() if self._inv is not None else None
        if inv is None:
            inv = _InverseTransform(self)
            import weakref
            self._inv = weakref.ref(inv)
        return inv

    @property
    def sign(self):
        raise NotImplementedError

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return id(self)

    def __call__(self, x):
        if self._cache_size == 0:
            return self._call(x)
        x_old, y_old = self._cached_x_y
        if x is x_old:
            return y_old
        y = self._call(x)
        self._cached_x_y = x, y
        return y

    def _inv_call(self, y):
        if self._cache_size == 0:
            return self._inverse(y)
        x_old, y_old = self._cached_x_y
        if y is y_old:
            return x_old
        x = self._inverse(y)
        self._cached_x_y = x, y
        return x

    def _call(self, x):
        raise NotImplementedError

    def _inverse(self, y):
        raise NotImplementedError

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError

    def forward_shape(self, shape):
        return shape

    def inverse_shape(self, shape):
        return shape

    def __repr__(self):
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    def __init__(self, transform):
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform

    @property
    def domain(self):
        return self._inv.codomain

    @property
    def codomain(self):
        return self._inv.domain

    @property
    def bijective(self):
        return self._inv.bijective

    @property
    def sign(self):
        return self._inv.sign

    @property
    def inv(self):
        return self._inv

    def with_cache(self, cache_size=1):
        return self.inv.with_cache(cache_size).inv

    def __eq__(self, other):
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = Transform.__hash__

    def __repr__(self):
        return f"{type(self).__name__}({self._inv!r})"

    def __call__(self, x):
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x, y):
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape):
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape):
        return self._inv.forward_shape(shape)


class _Parameterless(Transform):
    """A transform without parameters: all instances of the class are equal."""

    def __eq__(self, other):
        return type(other) is type(self)

    __hash__ = Transform.__hash__


class ComposeTransform(Transform):
    """Apply parts in order: y = parts[-1](...parts[0](x)).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.ComposeTransform([transforms.AffineTransform(1.0, 2.0),
    ...                                  transforms.ExpTransform()])     # exp(1 + 2x)
    >>> x = chainrule.tensor([-1.0, 0.0, 2.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([  0.3679,   2.7183, 148.4132]), tensor([-0.3069,  1.6931,  5.6931]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    def __init__(self, parts, cache_size=0):
        if cache_size:
            parts = [p.with_cache(cache_size) for p in parts]
        super().__init__(cache_size=cache_size)
        self.parts = list(parts)

    def __eq__(self, other):
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = Transform.__hash__

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim += part.domain.event_dim - part.codomain.event_dim
            event_dim = max(event_dim, part.domain.event_dim)
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim += part.codomain.event_dim - part.domain.event_dim
            event_dim = max(event_dim, part.codomain.event_dim)
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self):
        return all(p.bijective for p in self.parts)

    @property
    def sign(self):
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self):
        return ComposeTransform([p.inv for p in reversed(self.parts)])

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else ComposeTransform(self.parts,
                                                                            cache_size)

    def __call__(self, x):
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return x * 0
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        terms = []
        event_dim = self.domain.event_dim
        for part, xi, yi in zip(self.parts, xs[:-1], xs[1:]):
            terms.append(_sum_rightmost(part.log_abs_det_jacobian(xi, yi),
                                        event_dim - part.domain.event_dim))
            event_dim += part.codomain.event_dim - part.domain.event_dim
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    def forward_shape(self, shape):
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape):
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def __repr__(self):
        return "ComposeTransform(\n    " + ",\n    ".join(repr(p) for p in self.parts) + "\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """A transform whose rightmost batch dims are reinterpreted as event dims.

    >>> from chainrule.distributions import transforms
    >>> t = transforms.IndependentTransform(transforms.ExpTransform(), 1)
    >>> x = chainrule.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> t.log_abs_det_jacobian(x, t(x))     # summed over the last dim
    tensor([1., 5.])
    """

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        return constraints.independent(self.base_transform.domain,
                                       self.reinterpreted_batch_ndims)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        return constraints.independent(self.base_transform.codomain,
                                       self.reinterpreted_batch_ndims)

    @property
    def bijective(self):
        return self.base_transform.bijective

    @property
    def sign(self):
        return self.base_transform.sign

    def _call(self, x):
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y),
                              self.reinterpreted_batch_ndims)


class ExpTransform(_Parameterless):
    """y = exp(x).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.ExpTransform()
    >>> x = chainrule.tensor([-1.0, 0.0, 2.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([0.3679, 1.0000, 7.3891]), tensor([-1.,  0.,  2.]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        return x.exp()

    def _inverse(self, y):
        return y.log()

    def log_abs_det_jacobian(self, x, y):
        return x


class PowerTransform(Transform):
    """y = x ** exponent (x > 0).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.PowerTransform(chainrule.tensor(2.0))
    >>> x = chainrule.tensor([0.5, 1.0, 3.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([0.2500, 1.0000, 9.0000]), tensor([0.0000, 0.6931, 1.7918]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.exponent = exponent

    def with_cache(self, cache_size=1):
        return self if self._cache_size == cache_size else PowerTransform(self.exponent,
                                                                          cache_size)

    @property
    def sign(self):
        e = self.exponent
        return (e > 0) * 2 - 1 if not isinstance(e, Tensor) else e.sign()

    def __eq__(self, other):
        return isinstance(other, PowerTransform) and bool((_val(self.exponent) ==
                                                           _val(other.exponent)))

    __hash__ = Transform.__hash__

    def _call(self, x):
        return x.pow(self.exponent)

    def _inverse(self, y):
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return (self.exponent * y / x).abs().log()


class SigmoidTransform(_Parameterless):
    """y = sigmoid(x).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.SigmoidTransform()
    >>> x = chainrule.tensor([-1.0, 0.0, 2.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([0.2689, 0.5000, 0.8808]), tensor([-1.6265, -1.3863, -2.2539]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def _call(self, x):
        import numpy as np
        f = np.finfo(x._data.dtype)
        return x.sigmoid().clamp(min=float(f.tiny), max=1.0 - float(f.eps))

    def _inverse(self, y):
        import numpy as np
        f = np.finfo(y._data.dtype)
        y = y.clamp(min=float(f.tiny), max=1.0 - float(f.eps))
        return y.log() - (-y).log1p()

    def log_abs_det_jacobian(self, x, y):
        from ..nn.functional import softplus
        return -softplus(-x) - softplus(x)


class SoftplusTransform(_Parameterless):
    """y = log(1 + exp(x)).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.SoftplusTransform()
    >>> x = chainrule.tensor([-1.0, 0.0, 2.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([0.3133, 0.6931, 2.1269]), tensor([-1.3133, -0.6931, -0.1269]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def _call(self, x):
        from ..nn.functional import softplus
        return softplus(x)

    def _inverse(self, y):
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        from ..nn.functional import softplus
        return -softplus(-x)


class TanhTransform(_Parameterless):
    """y = tanh(x), with the numerically stable log|dy/dx| = 2 (log 2 - x - softplus(-2x)).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.TanhTransform()
    >>> x = chainrule.tensor([-1.0, 0.0, 2.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([-0.7616,  0.0000,  0.9640]), tensor([-0.8676,  0.0000, -2.6500]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def _call(self, x):
        return x.tanh()

    def _inverse(self, y):
        return 0.5 * ((1 + y).log() - (1 - y).log())

    def log_abs_det_jacobian(self, x, y):
        from ..nn.functional import softplus
        return 2.0 * (math.log(2.0) - x - softplus(-2.0 * x))


class AbsTransform(_Parameterless):
    """y = |x| (not bijective; the inverse picks the positive root).

    >>> from chainrule.distributions import transforms
    >>> transforms.AbsTransform()(chainrule.tensor([-1.5, 2.0]))
    tensor([1.5000, 2.0000])
    """

    domain = constraints.real
    codomain = constraints.positive

    def _call(self, x):
        return x.abs()

    def _inverse(self, y):
        return y


class AffineTransform(Transform):
    """y = loc + scale x, over event_dim rightmost dims.

    >>> from chainrule.distributions import transforms
    >>> t = transforms.AffineTransform(loc=1.0, scale=3.0)
    >>> x = chainrule.tensor([-1.0, 0.0, 2.0])
    >>> y = t(x)
    >>> y, t.log_abs_det_jacobian(x, y)
    (tensor([-2.,  1.,  7.]), tensor([1.0986, 1.0986, 1.0986]))
    >>> chainrule.allclose(t.inv(y), x, atol=1e-6)
    True
    """

    bijective = True

    def __init__(self, loc, scale, event_dim=0, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.loc, self.scale, self._event_dim = loc, scale, event_dim

    @property
    def event_dim(self):
        return self._event_dim

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        if self.event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self.event_dim)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        return self.domain

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self.event_dim, cache_size=cache_size)

    def __eq__(self, other):
        if not isinstance(other, AffineTransform):
            return False
        return bool((_val(self.loc) == _val(other.loc)).all() if isinstance(
            _val(self.loc), __import__("numpy").ndarray) else _val(self.loc) == _val(other.loc)) \
            and bool((_val(self.scale) == _val(other.scale)).all() if isinstance(
                _val(self.scale), __import__("numpy").ndarray) else
                _val(self.scale) == _val(other.scale))

    __hash__ = Transform.__hash__

    @property
    def sign(self):
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = x.shape
        scale = self.scale
        if isinstance(scale, numbers.Real):
            result = x * 0 + math.log(abs(scale))
        else:
            result = scale.abs().log()
        if self.event_dim:
            result_size = tuple(result.shape[:result.dim() - self.event_dim]) + (-1,)
            result = result.reshape(result_size).sum(-1)
            shape = shape[:len(shape) - self.event_dim]
        return result.expand(shape)


class SoftmaxTransform(_Parameterless):
    """x -> softmax(x) over the last dim (not bijective).

    >>> from chainrule.distributions import transforms
    >>> t = transforms.SoftmaxTransform()
    >>> y = t(chainrule.tensor([0.0, 1.0, 2.0]))
    >>> y, y.sum()
    (tensor([0.0900, 0.2447, 0.6652]), tensor(1.))
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x):
        logprobs = x
        probs = (logprobs - logprobs.max(-1, True)[0]).exp()
        return probs / probs.sum(-1, True)

    def _inverse(self, y):
        return y.log()


def _val(v):
    if isinstance(v, Tensor):
        return v._data
    return v
