"""nn.utils: gradient clipping and flat parameter vectors."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grad_norm, get_total_norm  # noqa: F401
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import parametrize, parametrizations  # noqa: F401,E402
from .weight_norm import (weight_norm, remove_weight_norm, spectral_norm,  # noqa: F401,E402
                          remove_spectral_norm)
from . import rnn  # noqa: F401,E402
