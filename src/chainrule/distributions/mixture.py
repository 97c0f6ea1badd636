"""MixtureSameFamily, and the straight-through one-hot categorical."""
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .one_hot_categorical import OneHotCategorical
from ..tensor import Size


class MixtureSameFamily(Distribution):
    """A mixture of the batch of component distributions along their rightmost batch dim,
    weighted by a Categorical: p(x) = sum_k pi_k p_k(x).

    >>> from chainrule.distributions import Categorical, MixtureSameFamily, Normal
    >>> mix = Categorical(torch.tensor([0.3, 0.7]))
    >>> comp = Normal(torch.tensor([-1.0, 2.0]), torch.tensor([0.5, 1.0]))
    >>> gmm = MixtureSameFamily(mix, comp)     # p(x) = sum_k pi_k N(x; mu_k, sigma_k)
    >>> gmm.mean, gmm.variance
    (tensor(1.1000), tensor(2.6650))
    >>> gmm.log_prob(torch.tensor([0.0, 2.0]))
    tensor([-2.6566, -1.2756])
    """

    arg_constraints = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of "
                             "torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution need to be an instance of "
                             "torch.distributions.Distribution")
        mdbs = tuple(mixture_distribution.batch_shape)
        cdbs = tuple(component_distribution.batch_shape)[:-1]
        for size1, size2 in zip(reversed(mdbs), reversed(cdbs)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not "
                                 f"compatible with `component_distribution.batch_shape`({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(Size(cdbs), component_distribution.event_shape, validate_args)

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    @constraints.dependent_property
    def support(self):
        return self._component_distribution.support

    def _pad(self, x):
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x):
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self):
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        d = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(d)
        var_cond_mean = (probs * (self.component_distribution.mean
                                  - self._pad(self.mean)) ** 2).sum(d)
        return mean_cond_var + var_cond_mean

    def cdf(self, x):
        x = self._pad(x)
        cdf_x = self.component_distribution.cdf(x)
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        if self._validate_args:
            self._validate_sample(x)
        x = self._pad(x)
        log_prob_x = self.component_distribution.log_prob(x)
        log_mix_prob = self.mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape=Size()):
        from ..autograd.grad_mode import no_grad
        with no_grad():
            if not isinstance(sample_shape, (tuple, list)):
                sample_shape = (int(sample_shape),)
            sample_len = len(sample_shape)
            batch_len = len(self.batch_shape)
            gather_dim = sample_len + batch_len
            es = tuple(self.event_shape)
            mix_sample = self.mixture_distribution.sample(sample_shape)
            mix_shape = tuple(mix_sample.shape)
            comp_samples = self.component_distribution.sample(sample_shape)
            mix_sample_r = mix_sample.reshape(mix_shape + (1,) * (len(es) + 1))
            mix_sample_r = mix_sample_r.expand(mix_shape + (1,) + es)
            samples = comp_samples.gather(gather_dim, mix_sample_r)
            return samples.squeeze(gather_dim)


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A one-hot sample whose gradient flows to probs as if it were probs (the
    straight-through estimator, Bengio et al. 2013).

    >>> from chainrule.distributions import OneHotCategoricalStraightThrough
    >>> probs = torch.tensor([0.2, 0.3, 0.5], requires_grad=True)
    >>> d = OneHotCategoricalStraightThrough(probs=probs)
    >>> x = d.rsample()                    # one-hot forward, d(probs) backward
    >>> x.sum(), x.requires_grad
    (tensor(1., grad_fn=<SumBackward0>), True)
    >>> (x * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    >>> probs.grad is not None
    True
    """

    has_rsample = True

    def rsample(self, sample_shape=Size()):
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
