"""DataParallel: PyTorch's single-process multi-GPU wrapper. chainrule has no GPUs, so (as
PyTorch does when CUDA is unavailable) it runs the wrapped module as it is; scripts that
wrap their model keep working, and state_dict keys carry the `module.` prefix."""
from ..module import Module


class DataParallel(Module):
    """Wraps `module`; forward calls it directly (there are no devices to scatter to)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []
        self.output_device, self.dim = None, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The functional form: module(*inputs) on the CPU."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
