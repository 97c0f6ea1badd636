"""The multi-class and metric-learning margin losses, composed from differentiable ops."""
import numpy as np

from ._functional import _reduce, _reduction, pairwise_distance, relu, logsigmoid
from .. import functions as _f
from ..tensor import Tensor

_make = Tensor._make


def _ints(t, name):
    a = t._data if isinstance(t, Tensor) else np.asarray(t)
    if a.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected target of an integer dtype, got {a.dtype}")
    return a.astype(np.int64, copy=False)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,  # noqa: A002
                      reduce=None, reduction="mean"):
    """Returns the multi-class hinge loss of scores against class indices.

    sum over j != y of max(0, margin - x_y + x_j)^p / C, times weight[y] if given
    (PyTorch's multi-class hinge loss).

    >>> F.multi_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
    tensor(0.3250)
    >>> F.multi_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([0]))
    tensor(1.0250)
    """
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    y = _ints(target, "multi_margin_loss").reshape(-1)
    n, c = x.shape
    if y.shape[0] != n:
        raise RuntimeError(f"multi_margin_loss: inconsistent target size: {list(target.shape)} "
                           f"for input of size: {list(input.shape)}")
    if ((y < 0) | (y >= c)).any():
        raise IndexError(f"multi_margin_loss: target out of range [0, {c})")
    yi = _make(y.reshape(n, 1))
    x_y = x.gather(1, yi)
    z = relu(margin - x_y + x)
    h = z if p == 1 else z * z
    not_target = np.ones((n, c), dtype=x._data.dtype)
    not_target[np.arange(n), y] = 0
    h = h * _make(not_target)
    if weight is not None:
        w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
        h = h * _make(w[y].astype(x._data.dtype).reshape(n, 1))
    loss = h.sum(1) / c
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Returns the multi-label hinge loss; target rows list class indices.

    sum over target classes j and non-target classes i of max(0, 1 - (x_j - x_i)) / C;
    each row of target lists class indices, ended by the first -1.

    >>> scores = torch.tensor([[0.1, 0.2, 0.4, 0.8]])
    >>> F.multilabel_margin_loss(scores, torch.tensor([[3, 0, -1, 1]]))   # classes 3 and 0
    tensor(0.8500)
    """
    reduction = _reduction(reduction, size_average, reduce)
    x = input if input.dim() == 2 else input.reshape(1, -1)
    t = _ints(target, "multilabel_margin_loss").reshape(x.shape)
    n, c = x.shape
    is_target = np.zeros((n, c), dtype=bool)
    pairs_j, pairs_i, rows = [], [], []
    for r in range(n):
        labels = []
        for v in t[r]:
            if v < 0:
                break
            if v >= c:
                raise IndexError(f"multilabel_margin_loss: target {v} out of range [0, {c})")
            labels.append(int(v))
        is_target[r, labels] = True
        others = np.flatnonzero(~is_target[r])
        for j in labels:
            pairs_j.extend([j] * len(others))
            pairs_i.extend(others.tolist())
            rows.extend([r] * len(others))
    if rows:
        rows_a = np.asarray(rows)
        xj = x[_make(rows_a), _make(np.asarray(pairs_j))]
        xi = x[_make(rows_a), _make(np.asarray(pairs_i))]
        terms = relu(1 - (xj - xi))
        onehot = np.zeros((len(rows), n), dtype=x._data.dtype)
        onehot[np.arange(len(rows)), rows_a] = 1
        loss = (_make(onehot.T) @ terms.reshape(-1, 1)).reshape(n) / c
    else:
        loss = x.sum(1) * 0
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                reduction="mean"):
    """Returns the multi-label logistic loss on 0 / 1 targets.

    -mean over classes of y log sigmoid(x) + (1 - y) log sigmoid(-x), per sample.

    >>> x, y = torch.tensor([[2.0, -1.0, 0.0]]), torch.tensor([[1.0, 0.0, 1.0]])
    >>> F.multilabel_soft_margin_loss(x, y)
    tensor(0.3778)
    """
    reduction = _reduction(reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """Returns the triplet margin loss of anchor, positive and negative.

    max(d(a, p) - d(a, n) + margin, 0) with d the p-norm distance; swap uses
    min(d(a, n), d(p, n)) (Balntas et al., 2016).

    >>> a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0, 1.5]])
    >>> F.triplet_margin_loss(a, p, n, margin=1.0)
    tensor(0.5000)
    """
    reduction = _reduction(reduction, size_average, reduce)
    dims = {anchor.dim(), positive.dim(), negative.dim()}
    if len(dims) != 1 or dims.pop() not in (1, 2):
        raise RuntimeError(f"triplet_margin_loss: the anchor, positive and negative must all "
                           f"be 1-D or all 2-D, got {anchor.dim()}, {positive.dim()} and "
                           f"{negative.dim()} dims")
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = _f.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    return _reduce((d_ap - d_an + margin).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Returns the triplet margin loss under a given distance function.

    The triplet loss with any distance (pairwise_distance by default).

    >>> a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0, 1.5]])
    >>> l1 = lambda x, y: (x - y).abs().sum(-1)
    >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=l1, margin=1.0)
    tensor(0.5000)
    """
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater "
                         f"than 0, got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_ap, d_an = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_an = _f.minimum(d_an, dist(positive, negative))
    return _reduce((margin + d_ap - d_an).clamp(min=0), reduction)
