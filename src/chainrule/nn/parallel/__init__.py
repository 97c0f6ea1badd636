"""chainrule.nn.parallel: DistributedDataParallel (data parallelism over MPI ranks)."""
from .distributed import DistributedDataParallel  # noqa: F401

DDP = DistributedDataParallel
