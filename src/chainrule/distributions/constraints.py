"""Constraints: the sets a distribution's parameters and samples live in (torch's names).

Each constraint answers `check(value)` with a boolean tensor over the batch; `event_dim`
says how many rightmost dims one event takes (a simplex checks whole vectors).
"""
import numpy as np

from ..tensor import Tensor

__all__ = ["Constraint", "boolean", "cat", "corr_cholesky", "dependent", "dependent_property",
           "greater_than", "greater_than_eq", "half_open_interval", "independent",
           "integer_interval", "interval", "is_dependent", "less_than", "lower_cholesky",
           "lower_triangular", "multinomial", "nonnegative", "nonnegative_integer",
           "one_hot", "positive", "positive_definite", "positive_integer",
           "positive_semidefinite", "real", "real_vector", "simplex", "square", "stack",
           "symmetric", "unit_interval"]


def _arr(v):
    return v._data if isinstance(v, Tensor) else np.asarray(v)


def _result(mask):
    return Tensor._make(np.asarray(mask, dtype=bool))


class Constraint:
    """A region of a space; subclasses implement check(value) -> bool tensor.

    >>> from chainrule.distributions import constraints
    >>> constraints.positive.check(chainrule.tensor([-1.0, 0.0, 2.0]))
    tensor([False, False,  True])
    >>> constraints.simplex.check(chainrule.tensor([0.2, 0.8]))
    tensor(True)
    """

    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A placeholder whose support depends on other parameters (cannot be checked)."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete, self._event_dim = is_discrete, event_dim

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError(".is_discrete cannot be determined statically")
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError(".event_dim cannot be determined statically")
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        return _Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, x):
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint):
    """Whether `constraint` is a dependent placeholder (a support that depends on
    other parameters, so it cannot be checked).

    >>> from chainrule.distributions import constraints
    >>> constraints.is_dependent(constraints.dependent), constraints.is_dependent(constraints.real)
    (True, False)
    """
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property that, on the class, is a dependent constraint (torch's decorator).

    >>> from chainrule.distributions import Uniform, constraints
    >>> constraints.is_dependent(Uniform.support)       # on the class: depends on low, high
    True
    >>> Uniform(0.0, 2.0).support
    Interval(lower_bound=0.0, upper_bound=2.0)
    """

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn):
        return _DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class _IndependentConstraint(Constraint):
    """A base constraint with some rightmost batch dims reinterpreted as event dims.

    >>> from chainrule.distributions import constraints
    >>> c = constraints.independent(constraints.positive, 1)
    >>> c.check(chainrule.tensor([[1.0, 2.0], [1.0, -2.0]]))    # one answer per row
    tensor([ True, False])
    """

    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        r = _arr(self.base_constraint.check(value))
        if self.reinterpreted_batch_ndims:
            r = r.reshape(r.shape[:r.ndim - self.reinterpreted_batch_ndims] + (-1,)).all(-1)
        return _result(r)

    def __repr__(self):
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        v = _arr(value)
        return _result((v == 0) | (v == 1))


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        v = _arr(value)
        return _result(((v == 0) | (v == 1)).all(-1) & (v.sum(-1) == 1))


class _IntegerInterval(Constraint):
    """Integers in [lower_bound, upper_bound] (constraints.integer_interval).

    >>> from chainrule.distributions import constraints
    >>> constraints.integer_interval(0, 3).check(chainrule.tensor([0.0, 2.0, 2.5, 4.0]))
    tensor([ True,  True, False, False])
    """
    is_discrete = True

    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        v = _arr(value)
        return _result((v % 1 == 0) & (_arr(self.lower_bound) <= v) & (v <= _arr(self.upper_bound)))

    def __repr__(self):
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        v = _arr(value)
        return _result((v % 1 == 0) & (v >= self.lower_bound))

    def __repr__(self):
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Real(Constraint):
    def check(self, value):
        v = _arr(value)
        return _result(v == v)  # false only for NaN


class _GreaterThan(Constraint):
    """Reals strictly greater than lower_bound (constraints.greater_than; positive is
    greater_than(0)).

    >>> from chainrule.distributions import constraints
    >>> constraints.greater_than(1.0).check(chainrule.tensor([1.0, 1.5]))
    tensor([False,  True])
    """
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return _result(_arr(self.lower_bound) < _arr(value))

    def __repr__(self):
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    """Reals >= lower_bound (constraints.greater_than_eq; nonnegative is
    greater_than_eq(0)).

    >>> from chainrule.distributions import constraints
    >>> constraints.greater_than_eq(1.0).check(chainrule.tensor([1.0, 0.5]))
    tensor([ True, False])
    """
    def check(self, value):
        return _result(_arr(self.lower_bound) <= _arr(value))

    def __repr__(self):
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    """Reals strictly less than upper_bound (constraints.less_than).

    >>> from chainrule.distributions import constraints
    >>> constraints.less_than(0.0).check(chainrule.tensor([-1.0, 0.0]))
    tensor([ True, False])
    """
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return _result(_arr(value) < _arr(self.upper_bound))

    def __repr__(self):
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    """Reals in the closed interval [lower_bound, upper_bound] (constraints.interval).

    >>> from chainrule.distributions import constraints
    >>> constraints.interval(0.0, 1.0).check(chainrule.tensor([0.0, 1.0, 1.5]))
    tensor([ True,  True, False])
    """
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        v = _arr(value)
        return _result((_arr(self.lower_bound) <= v) & (v <= _arr(self.upper_bound)))

    def __repr__(self):
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    """Reals in [lower_bound, upper_bound) (constraints.half_open_interval).

    >>> from chainrule.distributions import constraints
    >>> constraints.half_open_interval(0.0, 1.0).check(chainrule.tensor([0.0, 1.0]))
    tensor([ True, False])
    """
    def check(self, value):
        v = _arr(value)
        return _result((_arr(self.lower_bound) <= v) & (v < _arr(self.upper_bound)))

    def __repr__(self):
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        v = _arr(value)
        return _result(np.all(v >= 0, axis=-1) & (np.abs(v.sum(-1) - 1) < 1e-6))


class _Multinomial(Constraint):
    """Count vectors of non-negative integers summing to at most upper_bound
    (constraints.multinomial).

    >>> from chainrule.distributions import constraints
    >>> constraints.multinomial(3).check(chainrule.tensor([[1.0, 2.0], [2.0, 2.0]]))
    tensor([ True, False])
    """
    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, x):
        v = _arr(x)
        return _result((v >= 0).all(-1) & (v.sum(-1) <= self.upper_bound))


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value):
        v = _arr(value)
        return _result((np.tril(v) == v).reshape(v.shape[:-2] + (-1,)).min(-1))


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        v = _arr(value)
        tril = (np.tril(v) == v).reshape(v.shape[:-2] + (-1,)).min(-1)
        diag = (np.diagonal(v, axis1=-2, axis2=-1) > 0).min(-1)
        return _result(tril & diag)


class _CorrCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        v = _arr(value)
        tol = np.finfo(v.dtype).eps * v.shape[-1] * 10
        row_norm = np.linalg.norm(v, axis=-1)
        unit = (np.abs(row_norm - 1.0) <= tol).all(-1)
        return _result(_LowerCholesky().check(value)._data & unit)


class _Square(Constraint):
    event_dim = 2

    def check(self, value):
        v = _arr(value)
        return _result(np.full(v.shape[:-2], v.shape[-2] == v.shape[-1], dtype=bool))


class _Symmetric(_Square):
    def check(self, value):
        v = _arr(value)
        sq = super().check(value)._data
        if not sq.all():
            return _result(sq)
        return _result(np.isclose(v, np.swapaxes(v, -1, -2), atol=1e-6).all((-2, -1)))


class _PositiveSemidefinite(_Symmetric):
    def check(self, value):
        sym = super().check(value)._data
        if not sym.all():
            return _result(sym)
        return _result((np.linalg.eigvalsh(_arr(value)) >= 0).all(-1))


class _PositiveDefinite(_Symmetric):
    def check(self, value):
        sym = super().check(value)._data
        if not sym.all():
            return _result(sym)
        v = _arr(value)
        flat = v.reshape((-1,) + v.shape[-2:])
        ok = []
        for m in flat:
            try:
                np.linalg.cholesky(m)
                ok.append(True)
            except np.linalg.LinAlgError:
                ok.append(False)
        return _result(np.array(ok, dtype=bool).reshape(v.shape[:-2]))


class _Cat(Constraint):
    """Constraints applied to consecutive slices of `dim` (torch's constraints.cat).

    >>> from chainrule.distributions import constraints
    >>> c = constraints.cat([constraints.positive, constraints.real], dim=0, lengths=[1, 1])
    >>> c.check(chainrule.tensor([-1.0, -1.0]))
    tensor([False,  True])
    """

    def __init__(self, cseq, dim=0, lengths=None):
        self.cseq, self.dim = list(cseq), dim
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.cseq)

    @property
    def event_dim(self):
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        v = _arr(value)
        parts, start = [], 0
        for c, n in zip(self.cseq, self.lengths):
            parts.append(_arr(c.check(np.take(v, range(start, start + n), axis=self.dim))))
            start += n
        return _result(np.concatenate(parts, self.dim))


class _Stack(Constraint):
    """One constraint per index of `dim`, for stacked values (constraints.stack).

    >>> from chainrule.distributions import constraints
    >>> c = constraints.stack([constraints.positive, constraints.real], dim=0)
    >>> c.check(chainrule.tensor([-1.0, -1.0]))
    tensor([False,  True])
    """
    def __init__(self, cseq, dim=0):
        self.cseq, self.dim = list(cseq), dim

    @property
    def event_dim(self):
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        v = _arr(value)
        return _result(np.stack([_arr(c.check(np.take(v, i, axis=self.dim)))
                                 for i, c in enumerate(self.cseq)], self.dim))


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
multinomial = _Multinomial
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()
cat = _Cat
stack = _Stack
