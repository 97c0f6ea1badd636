"""The process group: MPI's communicators behind torch.distributed's names.

The rank and the world size come from MPI (mpiexec / mpirun, or
`python -m chainrule.distributed.run`); init_process_group validates whatever the script
also passes (rank=, world_size=, init_method=, RANK / WORLD_SIZE in the environment)
against them, so a torchrun-style script runs unchanged.

>>> import chainrule.distributed as dist
>>> dist.init_process_group("gloo")          # "mpi" or "gloo": both are MPI here
>>> dist.get_rank(), dist.get_world_size()   # (0, 2) and (1, 2) under mpiexec -n 2
(0, 1)
>>> dist.destroy_process_group()
"""
import datetime
import os
import sys
import time
import traceback

__all__ = ["Backend", "ProcessGroup", "GroupMember", "is_available", "is_initialized",
           "is_mpi_available", "is_gloo_available", "is_nccl_available", "is_torchelastic_launched",
           "init_process_group", "destroy_process_group", "new_group", "get_rank",
           "get_world_size", "get_backend", "get_global_rank", "get_group_rank",
           "get_process_group_ranks"]

_MISSING = ("chainrule.distributed needs mpi4py and an MPI library: "
            "pip install 'chainrule[distributed]'")


def _mpi():
    """mpi4py's MPI module (importing it initialises MPI), or one clear error."""
    try:
        from mpi4py import MPI
    except ImportError as e:  # no mpi4py, or mpi4py without a loadable libmpi
        raise RuntimeError(f"{_MISSING} ({e})") from None
    return MPI


def is_available():
    """True when mpi4py is installed (torch.distributed.is_available). Cheap: MPI itself is
    loaded and initialised by init_process_group, which names what is missing.

    >>> import chainrule.distributed as dist
    >>> dist.is_available()
    True
    """
    import importlib.util
    try:
        return importlib.util.find_spec("mpi4py") is not None
    except (ImportError, ValueError):  # sys.modules["mpi4py"] is None or has no spec
        return False


def is_mpi_available():
    """True when the MPI backend can be used (mpi4py is installed).

    >>> import chainrule.distributed as dist
    >>> dist.is_mpi_available()
    True
    """
    return is_available()


def is_gloo_available():
    """"gloo" is accepted as another name for the MPI backend, so CPU scripts run.

    >>> import chainrule.distributed as dist
    >>> dist.is_gloo_available()
    True
    """
    return is_available()


def is_nccl_available():
    """False: there is no NCCL (GPU) backend; every backend runs on MPI.

    >>> import chainrule.distributed as dist
    >>> dist.is_nccl_available()
    False
    """
    return False


def is_torchelastic_launched():
    """True under `python -m chainrule.distributed.run` (which sets TORCHELASTIC_RUN_ID).

    >>> import chainrule.distributed as dist
    >>> dist.is_torchelastic_launched()    # True in a script started by the launcher
    False
    """
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


class Backend(str):
    """Backend names; every accepted name runs on MPI.

    >>> import chainrule.distributed as dist
    >>> dist.Backend("GLOO"), dist.Backend("cpu:gloo,cuda:nccl")
    ('gloo', 'gloo')
    >>> dist.Backend.MPI
    'mpi'
    """
    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UNDEFINED = "undefined"

    def __new__(cls, name):
        name = str(name).lower()
        if name.startswith("cpu:"):  # PyTorch's "cpu:gloo,cuda:nccl" form
            name = name.split(",")[0][4:]
        if name not in ("mpi", "gloo"):
            raise ValueError(f"init_process_group: backend {name!r} is not available: "
                             "chainrule.distributed runs on MPI; use backend='mpi' (or "
                             "'gloo', accepted as an alias)")
        return str.__new__(cls, name)


class ProcessGroup:
    """A set of ranks and their MPI communicator (the world, or one made by new_group).

    `ranks` are the members' global ranks, in group-rank order.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> world = dist.group.WORLD
    >>> world
    ProcessGroup(backend='gloo', ranks=[0])
    >>> world.rank(), world.size()
    (0, 1)
    >>> dist.destroy_process_group()
    """

    def __init__(self, comm, ranks, backend="mpi"):
        self.comm = comm
        self.ranks = list(ranks)
        self.backend = backend
        self._global_to_group = {g: i for i, g in enumerate(self.ranks)}

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def group_rank(self, global_rank, op):
        """The rank inside this group of a global rank (src=/dst= are global, as in PyTorch)."""
        r = self._global_to_group.get(int(global_rank))
        if r is None:
            raise ValueError(f"{op}: rank {global_rank} is not part of this group (its global "
                             f"ranks are {self.ranks})")
        return r

    def __repr__(self):
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    """Sentinels, as in PyTorch: WORLD is the default group once initialised;
    NON_GROUP_MEMBER is what new_group returns on a rank outside the new group.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> dist.GroupMember.WORLD is dist.group.WORLD
    True
    >>> dist.new_group([0]) is dist.GroupMember.NON_GROUP_MEMBER   # rank 0 is a member
    False
    >>> dist.destroy_process_group()
    """
    WORLD = None
    NON_GROUP_MEMBER = object()


_STATE = {"world": None, "groups": [], "excepthook": None, "blas_limit": None}


def is_initialized():
    """True once init_process_group has run (and destroy_process_group has not).

    >>> import chainrule.distributed as dist
    >>> dist.is_initialized()
    False
    >>> dist.init_process_group("gloo")
    >>> dist.is_initialized()
    True
    >>> dist.destroy_process_group()
    >>> dist.is_initialized()
    False
    """
    return _STATE["world"] is not None


def _world(op="distributed"):
    pg = _STATE["world"]
    if pg is None:
        raise RuntimeError(f"{op}: Default process group has not been initialized, please make "
                           "sure to call init_process_group.")
    return pg


def _group(group, op):
    """The ProcessGroup for a `group=` argument; None when this rank is not a member."""
    if group is None or group is GroupMember.WORLD:
        return _world(op)
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{op}: group must be a ProcessGroup from new_group (got "
                        f"{type(group).__name__})")
    _world(op)
    return group


def _check_init_method(init_method, rank, size):
    if init_method is None:
        return
    if not isinstance(init_method, str) or not init_method.startswith(("env://", "tcp://",
                                                                       "file://")):
        raise ValueError(f"init_process_group: init_method must be 'env://', "
                         f"'tcp://host:port' or 'file:///path' (got {init_method!r})")
    if init_method.startswith("tcp://"):
        hostport = init_method[len("tcp://"):]
        host, _, port = hostport.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"init_process_group: init_method {init_method!r} is not "
                             "tcp://host:port")
    # The rendezvous itself is MPI's: the address or file is not used, only validated.


def _check_env(name, value, op_value):
    if value in (None, ""):
        return
    try:
        value = int(value)
    except ValueError:
        raise ValueError(f"init_process_group: environment variable {name}={value!r} is not "
                         "an integer") from None
    if value != op_value:
        raise ValueError(f"init_process_group: environment variable {name}={value} but MPI "
                         f"says {op_value}: launch with mpiexec (or python -m "
                         "chainrule.distributed.run), which sets both consistently")


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the default process group: every process started by mpiexec, ranks from MPI.

    `backend` is "mpi" (default) or "gloo" (an alias). `world_size`/`rank` and the
    environment's RANK/WORLD_SIZE, where given, must agree with MPI's. Limits BLAS to this
    process's share of the cores unless OMP_NUM_THREADS / OPENBLAS_NUM_THREADS /
    MKL_NUM_THREADS is set, and makes an uncaught exception on any rank abort them all.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group(backend="gloo", init_method="env://")   # MPI decides
    >>> dist.get_rank(), dist.get_world_size()
    (0, 1)
    >>> dist.destroy_process_group()
    """
    if _STATE["world"] is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    backend = Backend("mpi" if backend is None else backend)
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"init_process_group: timeout must be a datetime.timedelta (got "
                        f"{type(timeout).__name__})")
    if store is not None and init_method is not None:
        raise ValueError("Cannot specify both init_method and store.")
    MPI = _mpi()
    comm = MPI.COMM_WORLD
    r, n = comm.Get_rank(), comm.Get_size()
    _check_init_method(init_method, r, n)
    if world_size not in (-1, None) and int(world_size) != n:
        raise ValueError(f"init_process_group: world_size={world_size} but MPI started {n} "
                         f"process(es): launch with mpiexec -n {world_size}")
    if rank not in (-1, None) and int(rank) != r:
        raise ValueError(f"init_process_group: rank={rank} but MPI says this process is rank "
                         f"{r}: pass rank=-1 (or the RANK that the launcher set)")
    port = os.environ.get("MASTER_PORT")
    if port not in (None, "") and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"init_process_group: environment variable MASTER_PORT={port!r} is "
                         "not a port number")
    _check_env("RANK", os.environ.get("RANK"), r)
    _check_env("WORLD_SIZE", os.environ.get("WORLD_SIZE"), n)
    world = ProcessGroup(comm.Dup(), range(n), str(backend))
    world.timeout = timeout
    _STATE["world"] = world
    GroupMember.WORLD = world
    _limit_blas(comm)
    if n > 1:
        _install_abort_hook(r, n)
    return None


def _limit_blas(comm):
    """Each process takes its share of this node's cores for BLAS (mpiexec -n 2 on 2 cores:
    one thread each), unless the user chose a thread count."""
    if any(os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                       "MKL_NUM_THREADS")):
        return
    MPI = _mpi()
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    share = max(1, (os.cpu_count() or 1) // local.Get_size())
    local.Free()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    _STATE["blas_limit"] = threadpool_limits(limits=share, user_api="blas")


def _install_abort_hook(rank, size):
    """An uncaught exception on one rank would leave the others waiting in their next
    collective forever: print it, name the rank, and MPI_Abort the whole job."""
    previous = sys.excepthook

    def abort_all(exc_type, exc, tb):
        try:
            line = (f"chainrule.distributed: rank {rank} of {size} raised an uncaught "
                    f"{exc_type.__name__} (traceback above); aborting all ranks (MPI_Abort)\n")
            if previous is sys.__excepthook__:
                # the traceback and the rank's line in one write, then a moment for mpiexec
                # to forward it: MPI_Abort kills the job, and output still in flight is lost
                text = "".join(traceback.format_exception(exc_type, exc, tb)) + line
                sys.stderr.flush()
                os.write(2, text.encode(errors="replace"))
                time.sleep(0.2)
            else:
                previous(exc_type, exc, tb)
                sys.stderr.write(line)
                sys.stderr.flush()
        finally:
            _mpi().COMM_WORLD.Abort(1)

    _STATE["excepthook"] = previous
    sys.excepthook = abort_all


def destroy_process_group(group=None):
    """Free a group made by new_group, or (no argument) leave the default group; MPI
    itself stays up until the process exits, so init_process_group can run again.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> pair = dist.new_group([0])
    >>> dist.destroy_process_group(pair)   # frees that group only
    >>> dist.is_initialized()
    True
    >>> dist.destroy_process_group()
    >>> dist.is_initialized()
    False
    """
    if group is None or group is GroupMember.WORLD:
        world = _world("destroy_process_group")
        for g in _STATE["groups"]:
            g.comm.Free()
        _STATE["groups"] = []
        world.comm.Free()
        _STATE["world"] = None
        GroupMember.WORLD = None
        if _STATE["excepthook"] is not None:
            sys.excepthook = _STATE["excepthook"]
            _STATE["excepthook"] = None
        if _STATE["blas_limit"] is not None:
            _STATE["blas_limit"].restore_original_limits()
            _STATE["blas_limit"] = None
        return
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    if group in _STATE["groups"]:
        _STATE["groups"].remove(group)
        group.comm.Free()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None):
    """A group of some of the world's ranks (all of them when ranks is None). Every rank
    of the world must call it, members or not; outside ranks get NON_GROUP_MEMBER.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> evens = dist.new_group([r for r in range(dist.get_world_size()) if r % 2 == 0])
    >>> t = torch.tensor([1.0])
    >>> dist.all_reduce(t, group=evens)        # on the even ranks only
    >>> dist.get_process_group_ranks(evens), t
    ([0], tensor([1.]))
    >>> dist.destroy_process_group()
    """
    world = _world("new_group")
    n = world.size()
    members = list(range(n)) if ranks is None else sorted(int(r) for r in ranks)
    if len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks {list(ranks)} contain duplicates")
    bad = [r for r in members if not 0 <= r < n]
    if bad:
        raise ValueError(f"new_group: ranks {bad} are outside the world of {n} process(es)")
    if backend is not None:
        Backend(backend)
    MPI = _mpi()
    me = world.rank()
    color = 0 if me in members else MPI.UNDEFINED
    comm = world.comm.Split(color, members.index(me) if me in members else 0)
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members, world.backend)
    _STATE["groups"].append(pg)
    return pg


def get_rank(group=None):
    """This process's rank in `group` (the world by default); -1 outside the group.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> dist.get_rank()
    0
    >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_rank")
    return -1 if pg is None else pg.rank()


def get_world_size(group=None):
    """The number of processes in `group` (the world by default); -1 outside the group.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> dist.get_world_size()
    1
    >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_world_size")
    return -1 if pg is None else pg.size()


def get_backend(group=None):
    """The backend name of `group` (the world by default): "mpi" or "gloo".

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> dist.get_backend()
    'gloo'
    >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_backend")
    if pg is None:
        raise ValueError("get_backend: this rank is not part of the group")
    return pg.backend


def get_global_rank(group, group_rank):
    """The world rank of the member at `group_rank` of `group`.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> g = dist.new_group([0])
    >>> dist.get_global_rank(g, 0)
    0
    >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_global_rank")
    if pg is None or not 0 <= group_rank < len(pg.ranks):
        raise ValueError(f"get_global_rank: group rank {group_rank} is not part of the group")
    return pg.ranks[group_rank]


def get_group_rank(group, global_rank):
    """The rank inside `group` of the process whose world rank is `global_rank`.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> g = dist.new_group([0])
    >>> dist.get_group_rank(g, 0)
    0
    >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_group_rank")
    if pg is None:
        raise ValueError("get_group_rank: this rank is not part of the group")
    return pg.group_rank(global_rank, "get_group_rank")


def get_process_group_ranks(group):
    """The world ranks of `group`'s members, in group-rank order.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> dist.get_process_group_ranks(dist.group.WORLD)
    [0]
    >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_process_group_ranks")
    if pg is None:
        raise ValueError("get_process_group_ranks: this rank is not part of the group")
    return list(pg.ranks)
