"""CosineSimilarity and PairwiseDistance layers."""
from . import _functional as F
from .module import Module


class CosineSimilarity(Module):
    """Returns the cosine similarity of x1 and x2 along dim.

    <x1, x2> / (max(||x1||, eps) max(||x2||, eps)) along dim.

    >>> cos = nn.CosineSimilarity(dim=1)
    >>> cos(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[1.0, 1.0], [-1.0, -1.0]]))
    tensor([ 0.7071, -1.0000])
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """Returns the p-norm distance between the rows of x1 and x2.

    ||x1 - x2 + eps||_p along the last dim.

    >>> pdist = nn.PairwiseDistance(p=1.0, eps=0.0)
    >>> pdist(torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0], [1.0, 2.0]]))
    tensor([7., 1.])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
