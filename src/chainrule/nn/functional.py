"""chainrule.nn.functional: the functional forms of the layers, activations and losses.

A plain re-export list (implementations live in nn/_functional.py and the layer files),
so each layer family adds its own import line here.
"""
from ._functional import (  # noqa: F401
    # activations
    relu, relu6, leaky_relu, elu, selu, celu, gelu, silu, mish, softplus, softsign, sigmoid,
    tanh, logsigmoid, prelu, tanhshrink, hardtanh, hardsigmoid, hardswish, threshold, glu, softmax,
    softmin, log_softmax, softmax2d,
    # linear, embedding
    linear, embedding, one_hot,
    # dropout
    dropout, dropout1d, dropout2d, dropout3d, alpha_dropout,
    # normalisation
    batch_norm, layer_norm, group_norm, instance_norm, rms_norm, normalize,
    # distances
    cosine_similarity, pairwise_distance,
    # losses
    mse_loss, l1_loss, huber_loss, smooth_l1_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, nll_loss, kl_div, soft_margin_loss,
    margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss, poisson_nll_loss,
    gaussian_nll_loss,
)
from ..functions.shape import pad  # noqa: F401,E402
from ..functions.attention import scaled_dot_product_attention  # noqa: F401,E402
from ..functions.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401,E402
                              conv_transpose3d, max_pool1d, max_pool2d, max_pool3d, avg_pool1d,
                              avg_pool2d, avg_pool3d, adaptive_avg_pool1d, adaptive_avg_pool2d,
                              adaptive_avg_pool3d)
from ._margin_losses import (multi_margin_loss, multilabel_margin_loss,  # noqa: F401,E402
                             multilabel_soft_margin_loss, triplet_margin_loss,
                             triplet_margin_with_distance_loss)
from ..functions.ctc import ctc_loss  # noqa: F401,E402
from ..functions.resample import (interpolate, upsample, upsample_nearest,  # noqa: F401,E402
                                  upsample_bilinear, pixel_shuffle, pixel_unshuffle,
                                  channel_shuffle, native_channel_shuffle, grid_sample,
                                  affine_grid)
from ..functions.fold import fold, unfold  # noqa: F401,E402
from ..functions.pool_indices import (  # noqa: F401,E402
    max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d_with_indices,
    adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
    adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)
from ._functional_extra import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: F401,E402
from ._functional_extra import local_response_norm  # noqa: F401,E402
from ._functional_extra import embedding_bag  # noqa: F401,E402
from ._functional_extra import (  # noqa: F401,E402
    hardshrink, softshrink, rrelu, feature_alpha_dropout, relu_, elu_, leaky_relu_, hardtanh_,
    selu_, celu_, rrelu_, threshold_, bilinear, pdist, gumbel_softmax)
from .linear_cross_entropy import linear_cross_entropy  # noqa: F401,E402
from ..functions.fractional_pool import (fractional_max_pool2d,  # noqa: F401,E402
                                         fractional_max_pool3d)
