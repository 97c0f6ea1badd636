"""chainrule.cuda: what PyTorch scripts ask about the GPU, answered for a CPU-only library.

>>> device = chainrule.device("cuda" if chainrule.cuda.is_available() else "cpu")
>>> device
device(type='cpu')

Seeding and cache calls are no-ops (as on a PyTorch build without CUDA); the calls that
need a GPU to answer (current_device, get_device_name, ...) raise one clear RuntimeError.
"""
_NO_GPU = "chainrule runs on the CPU only: there is no CUDA device (cuda.is_available() is False)"


def is_available():
    """False: chainrule computes on the CPU with NumPy.

    >>> chainrule.cuda.is_available()
    False
    """
    return False


def device_count():
    """0 GPUs.

    >>> chainrule.cuda.device_count()
    0
    """
    return 0


def is_initialized():
    """False: there is no CUDA state to initialise.

    >>> chainrule.cuda.is_initialized()
    False
    """
    return False


def init():
    """Raises, as PyTorch's init does on a build without CUDA.

    >>> chainrule.cuda.init()
    Traceback (most recent call last):
    ...
    RuntimeError: cuda.init: chainrule runs on the CPU only...
    """
    raise RuntimeError(f"cuda.init: {_NO_GPU}")


def manual_seed(seed):
    """No-op (no GPU generators); chainrule.manual_seed seeds the CPU generator.

    >>> chainrule.cuda.manual_seed(0)      # scripts that seed the GPU run unchanged
    """


def manual_seed_all(seed):
    """No-op (no GPU generators).

    >>> chainrule.cuda.manual_seed_all(0)
    """


def seed():
    """No-op.

    >>> chainrule.cuda.seed()
    """


def seed_all():
    """No-op.

    >>> chainrule.cuda.seed_all()
    """


def synchronize(device=None):
    """No-op: CPU computations are already finished when a call returns.

    >>> chainrule.cuda.synchronize()
    """


def empty_cache():
    """No-op: there is no GPU memory cache to release.

    >>> chainrule.cuda.empty_cache()
    """


def memory_allocated(device=None):
    """0 bytes: no GPU memory is ever allocated.

    >>> chainrule.cuda.memory_allocated()
    0
    """
    return 0


def max_memory_allocated(device=None):
    """0 bytes (no GPU memory).

    >>> chainrule.cuda.max_memory_allocated()
    0
    """
    return 0


def memory_reserved(device=None):
    """0 bytes (no GPU memory cache).

    >>> chainrule.cuda.memory_reserved()
    0
    """
    return 0


def max_memory_reserved(device=None):
    """0 bytes (no GPU memory cache).

    >>> chainrule.cuda.max_memory_reserved()
    0
    """
    return 0


def reset_peak_memory_stats(device=None):
    """No-op.

    >>> chainrule.cuda.reset_peak_memory_stats()
    """


def is_bf16_supported(including_emulation=True):
    """False: no GPU, so no GPU bfloat16.

    >>> chainrule.cuda.is_bf16_supported()
    False
    """
    return False


def _needs_gpu(name):
    def call(*args, **kwargs):
        raise RuntimeError(f"cuda.{name}: {_NO_GPU}")
    call.__name__ = name
    call.__doc__ = (f"Raises: {name} needs a CUDA device, and chainrule has none.\n\n"
                    f">>> chainrule.cuda.{name}()\n"
                    f"Traceback (most recent call last):\n...\n"
                    f"RuntimeError: cuda.{name}: chainrule runs on the CPU only...\n")
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
