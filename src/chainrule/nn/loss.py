"""Loss modules: thin wrappers over the functional losses (reduction 'mean' | 'sum' | 'none')."""
from . import _functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = F._reduction(reduction, size_average, reduce) \
            if reduction != "batchmean" else reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Creates a criterion measuring the mean squared error.

    mean((x - y)^2).

    >>> loss = nn.MSELoss()
    >>> loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 0.0]))
    tensor(4.3333)
    >>> nn.MSELoss(reduction='sum')(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
    tensor(5.)
    """

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Creates a criterion measuring the mean absolute error.

    mean(|x - y|).

    >>> nn.L1Loss()(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 0.0]))
    tensor(1.6667)
    """

    def forward(self, input, target):  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic for |x - y| < delta, linear beyond (continuous, with continuous slope).

    >>> nn.HuberLoss(delta=1.0, reduction='none')(torch.tensor([0.5, 3.0]), torch.zeros(2))
    tensor([0.1250, 2.5000])
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Creates a criterion computing the smooth L1 loss.

    0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y).

    >>> nn.SmoothL1Loss(beta=0.5, reduction='none')(torch.tensor([0.25, 3.0]), torch.zeros(2))
    tensor([0.0625, 2.7500])
    """
    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (logs clamped at -100).

    >>> p = torch.tensor([0.9, 0.2], requires_grad=True)
    >>> out = nn.BCELoss()(p, torch.tensor([1.0, 0.0]))
    >>> out.detach()
    tensor(0.1643)
    >>> out.backward(); p.grad
    tensor([-0.5556,  0.6250])
    """

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy fused on logits (stable); pos_weight weighs the
    positive class (per class, broadcast over the last dim).

    >>> loss = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
    >>> loss(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0]))
    tensor(0.2836)
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or class probabilities.

    loss_n = -log(exp(x_{n, y_n}) / sum_c exp(x_{n, c})), averaged over the batch.

    >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    >>> labels = torch.tensor([0, 2])
    >>> nn.CrossEntropyLoss()(logits, labels)
    tensor(0.1672)
    >>> nn.CrossEntropyLoss(label_smoothing=0.1)(logits, labels)
    tensor(0.3339)
    >>> nn.CrossEntropyLoss()(logits, torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.0, 0.5]]))
    tensor(0.9172)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities (use after LogSoftmax).

    >>> logp = nn.LogSoftmax(dim=1)(torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]]))
    >>> nn.NLLLoss()(logp, torch.tensor([0, 2]))
    tensor(0.1672)
    >>> nn.NLLLoss(weight=torch.tensor([1.0, 1.0, 3.0]))(logp, torch.tensor([0, 2]))
    tensor(0.1311)
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of target from exp(input) (input holds log-probabilities).

    >>> loss = nn.KLDivLoss(reduction='batchmean')
    >>> loss(torch.tensor([[0.25, 0.75]]).log(), torch.tensor([[0.5, 0.5]]))
    tensor(0.1438)
    """
    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class SoftMarginLoss(_Loss):
    """Creates a criterion computing the two-class logistic loss.

    log(1 + exp(-y x)) for labels y in {-1, 1}.

    >>> nn.SoftMarginLoss()(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 1.0]))
    tensor(0.7201)
    """
    def forward(self, input, target):  # noqa: A002
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Creates a criterion asking x1 to rank above x2 where y = 1 (below where y = -1).

    max(0, -y (x1 - x2) + margin).

    >>> loss = nn.MarginRankingLoss(margin=0.5)
    >>> loss(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0]), torch.tensor([1.0, -1.0]))
    tensor(0.)
    """
    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """Creates a criterion computing the hinge embedding loss on labels -1 / 1.

    x where y = 1, max(0, margin - x) where y = -1.

    >>> loss = nn.HingeEmbeddingLoss(margin=1.0)
    >>> loss(torch.tensor([0.3, 0.3, 2.0]), torch.tensor([1.0, -1.0, -1.0]))
    tensor(0.3333)
    """
    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):  # noqa: A002
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Creates a criterion computing the cosine embedding loss on labels -1 / 1.

    1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.

    >>> a, b = torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([[1.0, 1.0], [1.0, 1.0]])
    >>> nn.CosineEmbeddingLoss()(a, b, torch.tensor([1.0, -1.0]))
    tensor(0.5000)
    """
    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts y.

    >>> nn.PoissonNLLLoss()(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    tensor(0.8591)
    >>> nn.PoissonNLLLoss(log_input=False)(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    tensor(0.8069)
    """
    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with a predicted variance.

    >>> loss = nn.GaussianNLLLoss()
    >>> loss(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.5]))
    tensor(0.0767)
    """
    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: sum over j != y of max(0, margin - x_y + x_j)^p / C.

    >>> nn.MultiMarginLoss()(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
    tensor(0.3250)
    """

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        self.p, self.margin = p, margin

    def forward(self, input, target):  # noqa: A002
        from ._margin_losses import multi_margin_loss
        return multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                 weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over (target class, non-target class) pairs.

    >>> loss = nn.MultiLabelMarginLoss()
    >>> loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    def forward(self, input, target):  # noqa: A002
        from ._margin_losses import multilabel_margin_loss
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class logistic loss, averaged over the classes.

    >>> loss = nn.MultiLabelSoftMarginLoss()
    >>> loss(torch.tensor([[2.0, -1.0, 0.0]]), torch.tensor([[1.0, 0.0, 1.0]]))
    tensor(0.3778)
    """

    def forward(self, input, target):  # noqa: A002
        from ._margin_losses import multilabel_soft_margin_loss
        return multilabel_soft_margin_loss(input, target, weight=self.weight,
                                           reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Creates a criterion computing the triplet margin loss.

    max(d(a, p) - d(a, n) + margin, 0) with the p-norm distance.

    >>> a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0, 1.5]])
    >>> nn.TripletMarginLoss(margin=1.0)(a, p, n)
    tensor(0.5000)
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                 reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        from ._margin_losses import triplet_margin_loss
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                   eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """The triplet loss with a given distance function.

    >>> a, p, n = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([[0.0, 1.5]])
    >>> loss = nn.TripletMarginWithDistanceLoss(
    ...     distance_function=lambda x, y: 1 - F.cosine_similarity(x + 1, y + 1), margin=0.5)
    ...
    >>> loss(a, p, n)
    tensor(0.4705)
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor, positive, negative):
        from ._margin_losses import triplet_margin_with_distance_loss
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (inputs: log-probabilities (T, N, C)).

    >>> log_probs = torch.full((3, 1, 3), 1 / 3).log()   # T=3 steps, N=1, C=3 (blank 0)
    >>> targets = torch.tensor([[1, 2]])
    >>> nn.CTCLoss()(log_probs, targets, torch.tensor([3]), torch.tensor([2]))
    tensor(0.8432)
    """

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        from ..functions.ctc import ctc_loss
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of NLLLoss (PyTorch keeps it for old code).

    >>> logp = torch.full((1, 2, 1, 2), 0.5).log()
    >>> nn.NLLLoss2d()(logp, torch.tensor([[[0, 1]]]))
    tensor(0.6931)
    """
