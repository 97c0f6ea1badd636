"""Lines from research code: an infinite sampler, torch.linalg, a sparse GCN propagation,
anomaly mode, assert_close, typed tensors and casts."""
import itertools
import json
import warnings

import numpy as np
import torch
from torch.utils.data.sampler import RandomSampler, BatchSampler
from torch.utils.data import TensorDataset
from torch.autograd.function import Function
from torch.autograd.grad_mode import no_grad

ds = TensorDataset(torch.arange(10).float())
sampler = RandomSampler(ds, replacement=True, num_samples=int(1e10))
batches = BatchSampler(sampler, batch_size=4, drop_last=True)
first = list(itertools.islice(iter(batches), 3))
assert len(first) == 3 and all(len(b) == 4 for b in first)

rng = np.random.default_rng(0)
A = torch.tensor(rng.standard_normal((6, 3)))
b = torch.tensor(rng.standard_normal(6))
x_ls = torch.linalg.lstsq(A, b.unsqueeze(-1)).solution.squeeze(-1)
x_ne = torch.linalg.solve(A.T @ A, A.T @ b)
torch.testing.assert_close(x_ls, x_ne)
S = A.T @ A
L = torch.linalg.cholesky(S)
torch.testing.assert_close(L @ L.T, S)
evals = torch.linalg.eigvalsh(S)
assert torch.all(evals > 0)

edges = torch.tensor([[0, 1, 2, 3, 1, 2, 3, 0], [1, 2, 3, 0, 0, 1, 2, 3]])
adj = torch.sparse_coo_tensor(edges, torch.full((8,), 0.5, dtype=torch.float64), (4, 4))
h = torch.tensor(rng.standard_normal((4, 2)), requires_grad=True)
out = torch.sparse.mm(adj, h)
out.pow(2).sum().backward()
dense_grad = (adj.to_dense().T @ (2 * (adj.to_dense() @ h))).detach()
torch.testing.assert_close(h.grad, dense_grad)


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


z = torch.tensor([0.0, 2.0], requires_grad=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with torch.autograd.detect_anomaly():
        try:
            torch.sqrt(Square.apply(z)).sum().backward()
            caught = None
        except RuntimeError as e:
            caught = str(e).splitlines()[0]
assert caught is not None and " returned " in caught, caught  # nan (PyTorch) or inf (chainrule also checks inf)

x = torch.FloatTensor([1.5, -2.5])
assert isinstance(x, torch.FloatTensor) and x.type() == "torch.FloatTensor"
assert x.long().type() == "torch.LongTensor" and x.to(torch.float64).dtype == torch.float64
with no_grad():
    y = x.double().to("cpu", torch.float32, non_blocking=True).contiguous()
print(json.dumps({"x_ls": x_ls.tolist(), "evals": evals.tolist(), "grad": h.grad.tolist(),
                  "anomaly": caught, "inf": torch.inf, "pi": torch.pi}))
