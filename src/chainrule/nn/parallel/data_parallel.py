"""DataParallel: PyTorch's single-process multi-GPU wrapper. chainrule has no GPUs, so (as
PyTorch does when CUDA is unavailable) it runs the wrapped module as it is; scripts that
wrap their model keep working, and state_dict keys carry the `module.` prefix."""
from ..module import Module


class DataParallel(Module):
    """Wraps `module`; forward calls it directly (there are no devices to scatter to).

    >>> model = nn.DataParallel(nn.Linear(2, 1))
    >>> model(torch.ones(3, 2)).shape
    chainrule.Size([3, 1])
    >>> list(model.state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []
        self.output_device, self.dim = None, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """The functional form: module(*inputs) on the CPU.

    >>> from chainrule.nn.parallel import data_parallel
    >>> lin = nn.Linear(2, 1)
    >>> torch.equal(data_parallel(lin, torch.ones(3, 2)), lin(torch.ones(3, 2)))
    True
    """
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
