"""chainrule.nn.parallel: DistributedDataParallel (data parallelism over MPI ranks) and
DataParallel (a pass-through: there is one device, the CPU)."""
from .distributed import DistributedDataParallel  # noqa: F401
from .data_parallel import DataParallel, data_parallel  # noqa: F401

DDP = DistributedDataParallel
