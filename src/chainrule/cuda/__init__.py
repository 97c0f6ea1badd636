"""chainrule.cuda: what PyTorch scripts ask about the GPU, answered for a CPU-only library.

>>> device = chainrule.device("cuda" if chainrule.cuda.is_available() else "cpu")
>>> device
device(type='cpu')

Seeding and cache calls are no-ops (as on a PyTorch build without CUDA); the calls that
need a GPU to answer (current_device, get_device_name, ...) raise one clear RuntimeError.
"""
_NO_GPU = "chainrule runs on the CPU only: there is no CUDA device (cuda.is_available() is False)"


def is_available():
    """False: chainrule computes on the CPU with NumPy."""
    return False


def device_count():
    """0 GPUs."""
    return 0


def is_initialized():
    return False


def init():
    raise RuntimeError(f"cuda.init: {_NO_GPU}")


def manual_seed(seed):
    """No-op (no GPU generators); chainrule.manual_seed seeds the CPU generator."""


def manual_seed_all(seed):
    """No-op (no GPU generators)."""


def seed():
    """No-op."""


def seed_all():
    """No-op."""


def synchronize(device=None):
    """No-op: CPU computations are already finished when a call returns."""


def empty_cache():
    """No-op: there is no GPU memory cache to release."""


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def reset_peak_memory_stats(device=None):
    """No-op."""


def is_bf16_supported(including_emulation=True):
    return False


def _needs_gpu(name):
    def call(*args, **kwargs):
        raise RuntimeError(f"cuda.{name}: {_NO_GPU}")
    call.__name__ = name
    call.__doc__ = f"Raises: {name} needs a CUDA device, and chainrule has none."
    return call


current_device = _needs_gpu("current_device")
get_device_name = _needs_gpu("get_device_name")
get_device_capability = _needs_gpu("get_device_capability")
get_device_properties = _needs_gpu("get_device_properties")
set_device = _needs_gpu("set_device")
mem_get_info = _needs_gpu("mem_get_info")
get_rng_state = _needs_gpu("get_rng_state")
set_rng_state = _needs_gpu("set_rng_state")
ipc_collect = _needs_gpu("ipc_collect")
Stream = _needs_gpu("Stream")
Event = _needs_gpu("Event")

from . import amp  # noqa: E402,F401  (torch.cuda.amp)
