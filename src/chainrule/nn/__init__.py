"""chainrule.nn: modules, layers, losses, functional, init, utils (PyTorch's names).

A plain re-export list: each layer family adds its own import line.
"""
from .parameter import Parameter, Buffer  # noqa: F401
from .module import Module  # noqa: F401
from .containers import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict  # noqa: F401
from .linear import Identity, Linear, Bilinear, Flatten, Unflatten  # noqa: F401
from .activation import (ReLU, ReLU6, Sigmoid, Tanh, SiLU, Mish, Hardsigmoid, Hardswish,  # noqa: F401
                         SELU, CELU, LogSigmoid, Softsign, Tanhshrink, LeakyReLU, ELU, GELU,
                         Softplus, Hardtanh, Threshold, GLU, Softmax, Softmin, LogSoftmax,
                         PReLU, Softmax2d)
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout  # noqa: F401
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm, GroupNorm,  # noqa: F401
                            RMSNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d)
from .padding import (ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d,  # noqa: F401
                      ZeroPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                      ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                      CircularPad2d, CircularPad3d)
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from .sparse import Embedding  # noqa: F401
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: F401,E501
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d,  # noqa: F401
                      AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d)
from .loss import (MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss,  # noqa: F401
                   CrossEntropyLoss, NLLLoss, KLDivLoss, SoftMarginLoss, MarginRankingLoss,
                   HingeEmbeddingLoss, CosineEmbeddingLoss, PoissonNLLLoss, GaussianNLLLoss)
from . import functional, init, utils  # noqa: F401
from .transformer import (MultiheadAttention, TransformerEncoderLayer,  # noqa: F401
                          TransformerDecoderLayer, TransformerEncoder, TransformerDecoder,
                          Transformer)
from .positional import SinusoidalPositionalEncoding, LearnedPositionalEncoding  # noqa: F401
from .loss import (MultiMarginLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,  # noqa: F401,E402
                   TripletMarginLoss, TripletMarginWithDistanceLoss, CTCLoss)
from .resample import (Upsample, UpsamplingNearest2d, UpsamplingBilinear2d,  # noqa: F401,E402
                       PixelShuffle, PixelUnshuffle, ChannelShuffle, Fold, Unfold)
from .sync_batchnorm import SyncBatchNorm  # noqa: F401
from . import parallel  # noqa: F401
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: F401
from .pooling import (AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,  # noqa: F401,E402
                      MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
from .pooling import LPPool1d, LPPool2d, LPPool3d  # noqa: F401,E402
from .pooling import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: F401,E402
from .local_response import LocalResponseNorm, CrossMapLRN2d  # noqa: F401,E402
from .sparse import EmbeddingBag  # noqa: F401,E402
from .parameter import UninitializedParameter, UninitializedBuffer  # noqa: F401,E402
from .lazy import (LazyModuleMixin, LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d,  # noqa: F401,E402
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d,
                   LazyInstanceNorm2d, LazyInstanceNorm3d)
from .activation_more import Hardshrink, Softshrink, RReLU  # noqa: F401,E402
from .dropout import FeatureAlphaDropout  # noqa: F401,E402
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: F401,E402
from .loss import NLLLoss2d  # noqa: F401,E402
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions  # noqa: F401,E402
from .parallel import DataParallel  # noqa: F401,E402
from . import modules  # noqa: F401,E402  (PyTorch's torch.nn.modules layout)

# The public names (also what the API reference lists).
__all__ = ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d",
           "AdaptiveLogSoftmaxWithLoss", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AdaptiveMaxPool3d", "AlphaDropout", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
           "Bilinear", "Buffer", "CELU", "CTCLoss", "ChannelShuffle", "CircularPad1d",
           "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
           "ConvTranspose2d", "ConvTranspose3d", "CosineEmbeddingLoss", "CosineSimilarity",
           "CrossEntropyLoss", "CrossMapLRN2d", "DataParallel", "Dropout", "Dropout1d",
           "Dropout2d", "Dropout3d", "ELU", "Embedding", "EmbeddingBag",
           "FeatureAlphaDropout", "Flatten", "Fold", "FractionalMaxPool2d",
           "FractionalMaxPool3d", "GELU", "GLU", "GRU", "GRUCell",
           "GaussianNLLLoss", "GroupNorm", "Hardshrink", "Hardsigmoid", "Hardswish",
           "Hardtanh", "HingeEmbeddingLoss", "HuberLoss", "Identity", "InstanceNorm1d",
           "InstanceNorm2d", "InstanceNorm3d", "KLDivLoss", "L1Loss", "LPPool1d",
           "LPPool2d", "LPPool3d", "LSTM", "LSTMCell", "LayerNorm", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
           "LazyModuleMixin", "LeakyReLU", "LearnedPositionalEncoding", "Linear",
           "LinearCrossEntropyLoss", "LinearCrossEntropyOptions", "LocalResponseNorm",
           "LogSigmoid", "LogSoftmax", "MSELoss", "MarginRankingLoss", "MaxPool1d",
           "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "Mish",
           "Module", "ModuleDict", "ModuleList", "MultiLabelMarginLoss",
           "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiheadAttention", "NLLLoss",
           "NLLLoss2d", "PReLU", "PairwiseDistance", "Parameter", "ParameterDict",
           "ParameterList", "PixelShuffle", "PixelUnshuffle", "PoissonNLLLoss", "RMSNorm",
           "RNN", "RNNBase", "RNNCell", "RNNCellBase", "RReLU", "ReLU", "ReLU6",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "SELU", "Sequential", "SiLU", "Sigmoid",
           "SinusoidalPositionalEncoding", "SmoothL1Loss", "SoftMarginLoss", "Softmax",
           "Softmax2d", "Softmin", "Softplus", "Softshrink", "Softsign", "SyncBatchNorm",
           "Tanh", "Tanhshrink", "Threshold", "Transformer", "TransformerDecoder",
           "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer",
           "TripletMarginLoss", "TripletMarginWithDistanceLoss", "Unflatten", "Unfold",
           "UninitializedBuffer", "UninitializedParameter", "Upsample",
           "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d", "functional", "init", "modules", "parallel", "parameter", "utils"]
