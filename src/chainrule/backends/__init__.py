"""chainrule.backends: PyTorch's backend switches (cudnn, mps, cuda), for scripts that set
or read them. chainrule runs on NumPy, so none of them changes a result."""
from . import cudnn, mps, cuda  # noqa: F401
