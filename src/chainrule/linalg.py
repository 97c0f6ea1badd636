"""chainrule.linalg: PyTorch's torch.linalg for real dtypes, with gradients.

>>> A = chainrule.tensor([[4., 1.], [1., 3.]], requires_grad=True)
>>> chainrule.linalg.det(A)
tensor(11., grad_fn=<DetBackward0>)
>>> w, V = chainrule.linalg.eigh(A)
>>> chainrule.allclose(V @ chainrule.diag(w) @ V.T, A, atol=1e-5)
True
>>> x = chainrule.linalg.solve(A, chainrule.tensor([1., 2.]))
>>> x.detach()
tensor([0.0909, 0.6364])
>>> x.sum().backward(); A.grad                 # d(sum of A^-1 b) / dA
tensor([[-0.0165, -0.1157],
        [-0.0248, -0.1736]])

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
