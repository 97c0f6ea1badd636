"""chainrule.linalg: PyTorch's torch.linalg for real dtypes, with gradients.

>>> A = chainrule.tensor([[4., 1.], [1., 3.]], requires_grad=True)
>>> chainrule.linalg.det(A)
tensor(11., grad_fn=<DetBackward0>)
>>> w, V = chainrule.linalg.eigh(A)
>>> chainrule.linalg.solve(A, chainrule.tensor([1., 2.]))

The ops themselves live in chainrule/functions/decomp.py (decompositions, solves, norms)
and functions/linalg.py (matmul and the products); this module is their public door.
"""
from .functions.decomp import (LinAlgError, inv, inv_ex, det, slogdet, solve,  # noqa: F401
                               solve_triangular, cholesky, cholesky_ex, qr, eigh, eigvalsh,
                               svd, svdvals, pinv, lstsq, matrix_power, matrix_rank,
                               multi_dot, cross, vecdot, vector_norm, matrix_norm, norm, cond)
from .functions.linalg import matmul  # noqa: F401

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "solve", "solve_triangular",
           "cholesky", "cholesky_ex", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv",
           "lstsq", "matrix_power", "matrix_rank", "multi_dot", "cross", "vecdot",
           "vector_norm", "matrix_norm", "norm", "cond", "matmul"]
from .functions.decomp import (vander, solve_ex, matrix_exp, tensorinv,  # noqa: F401,E402
                               tensorsolve, linalg_diagonal as diagonal)
__all__ += ["vander", "solve_ex", "matrix_exp", "tensorinv", "tensorsolve", "diagonal"]
