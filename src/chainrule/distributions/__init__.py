"""chainrule.distributions: torch.distributions' API (sample / rsample, log_prob, entropy,
mean, variance, cdf / icdf, batch and event shapes, validate_args, kl_divergence).

>>> from chainrule.distributions import Normal, kl_divergence
>>> p, q = Normal(0.0, 1.0), Normal(1.0, 2.0)
>>> round(float(kl_divergence(p, q)), 4)
0.4431
"""
from . import constraints, transforms  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform,  # noqa: F401
                         IndependentTransform, PowerTransform, SigmoidTransform,
                         SoftmaxTransform, SoftplusTransform, TanhTransform, Transform)
from .uniform import Uniform
from .cauchy import Cauchy, HalfCauchy, HalfNormal
from .extreme import Gumbel, Pareto, Weibull
from .student_t import Chi2, StudentT
from .counts import Geometric, Multinomial, NegativeBinomial
from .mixture import MixtureSameFamily, OneHotCategoricalStraightThrough

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution",
           "Exponential", "Gamma", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson",
           "TransformedDistribution", "Uniform", "kl_divergence", "register_kl",
           "Cauchy", "HalfCauchy", "HalfNormal", "Gumbel", "Pareto", "Weibull", "Chi2",
           "StudentT", "Geometric", "Multinomial", "NegativeBinomial", "MixtureSameFamily",
           "OneHotCategoricalStraightThrough",
           "constraints", "transforms"]
