"""Multivariate normal distribution, parametrised by its Cholesky factor internally."""
import math

import numpy as np

from . import constraints
from ._sampling import standard_normal
from .distribution import Distribution
from .utils import lazy_property
from ..tensor import Size


def _batch_mv(bmat, bvec):
    return (bmat @ bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bL, bx):
    """|L^-1 x|^2 for a batch of lower-triangular L and vectors x (broadcast)."""
    from .. import linalg
    shape = np.broadcast_shapes(tuple(bL.shape[:-2]), tuple(bx.shape[:-1]))
    n = bx.size(-1)
    L = bL.expand(shape + (n, n))
    x = bx.expand(shape + (n,))
    z = linalg.solve_triangular(L, x.unsqueeze(-1), upper=False).squeeze(-1)
    return (z ** 2).sum(-1)


def _diagonal(m):
    return m.diagonal(dim1=-2, dim2=-1)


class MultivariateNormal(Distribution):
    """MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril).

    >>> from chainrule.distributions import MultivariateNormal
    >>> d = MultivariateNormal(chainrule.zeros(2), chainrule.tensor([[2.0, 0.5], [0.5, 1.0]]))
    >>> d.log_prob(chainrule.tensor([1.0, -1.0]))
    tensor(-3.2605)
    >>> d.mean, d.sample((3,)).shape
    (tensor([0., 0.]), chainrule.Size([3, 2]))
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        from .. import linalg
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (
                precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        given = scale_tril if scale_tril is not None else (
            covariance_matrix if covariance_matrix is not None else precision_matrix)
        if given.dim() < 2:
            raise ValueError("scale_tril, covariance_matrix or precision_matrix matrix must "
                             "be at least two-dimensional, with optional leading batch "
                             "dimensions")
        batch_shape = Size(np.broadcast_shapes(tuple(given.shape[:-2]), tuple(loc.shape[:-1])))
        n = loc.size(-1)
        if scale_tril is not None:
            self.scale_tril = scale_tril.expand(tuple(batch_shape) + (n, n))
        elif covariance_matrix is not None:
            self.covariance_matrix = covariance_matrix.expand(tuple(batch_shape) + (n, n))
        else:
            self.precision_matrix = precision_matrix.expand(tuple(batch_shape) + (n, n))
        self.loc = loc.expand(tuple(batch_shape) + (n,))
        super().__init__(batch_shape, Size((n,)), validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = linalg.cholesky(covariance_matrix)
        else:
            # L with L L^T = P^-1, from the Cholesky factor of the flipped precision.
            flip = lambda m: m.flip((-2, -1))  # noqa: E731
            Lf = linalg.cholesky(flip(precision_matrix))
            Linv = flip(Lf).transpose(-2, -1)
            eye = Linv * 0 + _eye_like(Linv)
            self._unbroadcasted_scale_tril = linalg.solve_triangular(Linv, eye, upper=False)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        cov_shape = loc_shape + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(
            tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @lazy_property
    def precision_matrix(self):
        from .. import linalg
        L = self._unbroadcasted_scale_tril
        Linv = linalg.solve_triangular(L, L * 0 + _eye_like(L), upper=False)
        return (Linv.mT @ Linv).expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return (self._unbroadcasted_scale_tril ** 2).sum(-1).expand(
            tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = standard_normal(shape, self.loc)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = _diagonal(self._unbroadcasted_scale_tril).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self):
        half_log_det = _diagonal(self._unbroadcasted_scale_tril).log().sum(-1)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        if len(self._batch_shape) == 0:
            return H
        return H.expand(self._batch_shape)


def _eye_like(m):
    from ..tensor import Tensor
    n = m.size(-1)
    return Tensor._make(np.eye(n, dtype=m._data.dtype))
