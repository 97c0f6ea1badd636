"""chainrule.distributed: torch.distributed's API on MPI (mpi4py).

Launch one process per core (or node) with `mpiexec -n 4 python train.py`, or
`python -m chainrule.distributed.run --nproc-per-node 4 train.py`; in the script:

>>> import chainrule.distributed as dist
>>> dist.init_process_group("gloo")        # "mpi" or "gloo": both run on MPI
>>> t = chainrule.tensor([float(dist.get_rank())])
>>> dist.all_reduce(t, op=dist.ReduceOp.SUM)   # 0 + 1 + ... + (n-1), on every rank
>>> t                                          # one process here: n = 1
tensor([0.])
>>> model = chainrule.nn.parallel.DistributedDataParallel(chainrule.nn.Linear(2, 1))
>>> model(chainrule.ones(4, 2)).sum().backward()   # gradients averaged over the ranks
>>> dist.destroy_process_group()

Importing this package needs no MPI; init_process_group says in one line what to install
when mpi4py or the MPI library is missing (pip install 'chainrule[distributed]').
"""
from .process_group import (Backend, ProcessGroup, GroupMember, is_available,  # noqa: F401
                            is_initialized, is_mpi_available, is_gloo_available,
                            is_nccl_available, is_torchelastic_launched, init_process_group,
                            destroy_process_group, new_group, get_rank, get_world_size,
                            get_backend, get_global_rank, get_group_rank,
                            get_process_group_ranks)
from .collectives import (ReduceOp, Work, all_reduce, broadcast, reduce, all_gather,  # noqa: F401
                          all_gather_into_tensor, gather, scatter, reduce_scatter,
                          reduce_scatter_tensor, all_to_all, all_to_all_single, send, recv,
                          isend, irecv, barrier, all_gather_object, broadcast_object_list,
                          gather_object, scatter_object_list)

group = GroupMember  # torch.distributed.group.WORLD
