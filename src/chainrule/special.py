"""torch.special: special functions with PyTorch's names.

>>> import chainrule as torch
>>> torch.special.ndtr(torch.tensor([0.0, 1.96]))
tensor([0.5000, 0.9750])
>>> torch.special.i0e(torch.tensor([1.0]))
tensor([0.4658])

The ops live in chainrule/functions (special.py: lgamma, digamma, polygamma, erfc, erfinv;
special_more.py: the Bessel family, erfcx, the normal CDF and its inverse, zeta, the
incomplete gamma functions and the orthogonal polynomials); this module binds PyTorch's
torch.special names to them, aliases (expit, psi, gammaln, multigammaln, ...) included.
"""
from .functions.elementwise import (erf, exp2, expm1, log1p, sigmoid as expit, sinc,  # noqa: F401
                                    round_ as round, logit, xlogy)
from .functions.reduce import softmax, log_softmax, logsumexp  # noqa: F401
from .functions.special import (lgamma as gammaln, digamma, digamma as psi,  # noqa: F401
                                polygamma, erfc, erfinv, mvlgamma as multigammaln)
from .functions.special_more import (  # noqa: F401
    i0, i0e, i1, i1e, erfcx, ndtr, ndtri, log_ndtr, entr, xlog1py, zeta, bessel_j0, bessel_j1,
    bessel_y0, bessel_y1, modified_bessel_i0, modified_bessel_i1, modified_bessel_k0,
    modified_bessel_k1, scaled_modified_bessel_k0, scaled_modified_bessel_k1, airy_ai,
    spherical_bessel_j0, igamma as gammainc, igammac as gammaincc, POLYNOMIALS as _POLYNOMIALS)

chebyshev_polynomial_t = _POLYNOMIALS["chebyshev_polynomial_t"]
chebyshev_polynomial_u = _POLYNOMIALS["chebyshev_polynomial_u"]
chebyshev_polynomial_v = _POLYNOMIALS["chebyshev_polynomial_v"]
chebyshev_polynomial_w = _POLYNOMIALS["chebyshev_polynomial_w"]
shifted_chebyshev_polynomial_t = _POLYNOMIALS["shifted_chebyshev_polynomial_t"]
shifted_chebyshev_polynomial_u = _POLYNOMIALS["shifted_chebyshev_polynomial_u"]
shifted_chebyshev_polynomial_v = _POLYNOMIALS["shifted_chebyshev_polynomial_v"]
shifted_chebyshev_polynomial_w = _POLYNOMIALS["shifted_chebyshev_polynomial_w"]
hermite_polynomial_h = _POLYNOMIALS["hermite_polynomial_h"]
hermite_polynomial_he = _POLYNOMIALS["hermite_polynomial_he"]
laguerre_polynomial_l = _POLYNOMIALS["laguerre_polynomial_l"]
legendre_polynomial_p = _POLYNOMIALS["legendre_polynomial_p"]

# doctest finds only functions defined in a module; the polynomials are made by a factory in
# functions/special_more.py, so their examples are run from here.
__test__ = {name: fn.__doc__ for name, fn in _POLYNOMIALS.items()}
