"""Collectives on tensors, in place, with torch.distributed's names, on MPI.

Every collective checks first that all ranks called the same collective with tensors of
the same dtype and shape (one small MPI allreduce), so a mismatch is a clear error naming
each rank's shape instead of a hang or silently wrong numbers. Set
CHAINRULE_DISTRIBUTED_CHECKS=0 to skip the check. `async_op=True` returns a Work whose
wait() completes the operation (MPI's nonblocking collectives underneath).

>>> import chainrule.distributed as dist
>>> dist.init_process_group("gloo")     # under mpiexec -n 2, two ranks; here one
>>> t = chainrule.ones(3) * (dist.get_rank() + 1)
>>> dist.all_reduce(t, op=dist.ReduceOp.SUM)       # on 2 ranks, t would be 3 everywhere
>>> t
tensor([1., 1., 1.])
>>> work = dist.all_reduce(t, async_op=True); work.wait()
True
>>> dist.destroy_process_group()
"""
import enum
import os

import numpy as np

from ..tensor import Tensor
from .process_group import _group, _mpi

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "reduce", "all_gather",
           "all_gather_into_tensor", "gather", "scatter", "reduce_scatter",
           "reduce_scatter_tensor", "all_to_all", "all_to_all_single", "send", "recv",
           "isend", "irecv", "barrier", "all_gather_object", "broadcast_object_list",
           "gather_object", "scatter_object_list"]


class ReduceOp(enum.Enum):
    """Reduction operators for all_reduce, reduce and reduce_scatter.

    >>> import chainrule.distributed as dist
    >>> dist.ReduceOp.SUM, dist.ReduceOp.MAX
    (<ReduceOp.SUM>, <ReduceOp.MAX>)
    """
    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"

    def __repr__(self):
        return f"<ReduceOp.{self.name}>"


def _mpi_op(op, arr, what):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a dist.ReduceOp (got {op!r})")
    if op is ReduceOp.AVG and arr.dtype.kind != "f":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating point tensor (got {arr.dtype})")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and arr.dtype.kind not in "iub":
        raise TypeError(f"{what}: {op} needs an integer or bool tensor (got {arr.dtype})")
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


def wait_all(requests):
    """MPI_Waitall of nonblocking requests (the one place every wait goes through).
    (Sleeping with backoff instead of MPICH's spinning was tried on the shared 2-core
    machine, where two ranks share one scheduler group: no measurable difference.)"""
    _mpi().Request.Waitall(requests)


class Work:
    """The handle of a collective: wait() blocks until it is done (then the tensors hold
    the result); is_completed() polls.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> t = torch.tensor([1.0, 2.0])
    >>> work = dist.all_reduce(t, async_op=True)
    >>> work.wait(), work.is_completed()
    (True, True)
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """

    def __init__(self, requests=(), finish=None, result=None):
        self._requests = list(requests)
        self._finish = finish
        self._done = False
        self._result = result

    def wait(self, timeout=None):
        if not self._done:
            if self._requests:
                wait_all(self._requests)
            self._complete()
        return True

    def is_completed(self):
        if not self._done and (not self._requests or _mpi().Request.Testall(self._requests)):
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def result(self):
        self.wait()
        return self._result

    def _complete(self):
        self._done = True
        self._requests = []
        if self._finish is not None:
            finish, self._finish = self._finish, None
            out = finish()
            if out is not None:
                self._result = out


def _finish(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


# --- tensors and their arrays -----------------------------------------------------------
def _array(t, what, name="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a chainrule Tensor (got {type(t).__name__})")
    return t.detach().numpy()


def _wire(arr):
    """The array MPI sends: contiguous, and float16 widened (MPI has no standard half)."""
    if arr.dtype == np.float16:
        return np.ascontiguousarray(arr, dtype=np.float32)
    return np.ascontiguousarray(arr)


def _write_back(t, arr, result):
    """Store a result into tensor t's memory (in place, as torch.distributed does)."""
    if result is not arr:
        np.copyto(arr, result, casting="unsafe")
    t._version[0] += 1


def _inplace_buffer(arr):
    """A buffer MPI can write into that ends up in `arr`: arr itself when possible."""
    if arr.flags.c_contiguous and arr.flags.writeable and arr.dtype != np.float16:
        return arr
    return _wire(arr).copy()


# --- the cross-rank check -----------------------------------------------------------------
_CODES = {name: i for i, name in enumerate(
    ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather",
     "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all", "all_to_all_single",
     "barrier"])}
_DTYPES = {np.dtype(d): i for i, d in enumerate(
    [np.float16, np.float32, np.float64, np.uint8, np.int8, np.int16, np.int32, np.int64,
     np.bool_])}
_MAX_DIMS = 8


def _checks_on():
    return os.environ.get("CHAINRULE_DISTRIBUTED_CHECKS", "1") not in ("0", "false", "False")


def _signature(what, arr, extra):
    shape = list(arr.shape) if arr is not None else []
    code = _CODES[what]
    dt = -1 if arr is None else _DTYPES.get(arr.dtype, 99)
    head = [code, dt, len(shape), *extra]
    pad = shape[:_MAX_DIMS] + [-1] * (_MAX_DIMS - min(len(shape), _MAX_DIMS))
    return np.array(head + pad, dtype=np.int64)


def _describe(sig):
    names = {v: k for k, v in _CODES.items()}
    dtypes = {v: str(k) for k, v in _DTYPES.items()}
    ndim = int(sig[2])
    shape = [int(s) for s in sig[-_MAX_DIMS:][:ndim]]
    dt = dtypes.get(int(sig[1]), "no tensor")
    return f"{names.get(int(sig[0]), '?')} on {dt} {shape}"


def _check_same(pg, what, arr, extra=()):
    """Every rank of pg called `what` with the same dtype and shape (and extras such as
    the root): one allreduce of max(sig) and max(-sig); equal means identical everywhere."""
    if not _checks_on() or pg.size() == 1:
        return
    MPI = _mpi()
    sig = _signature(what, arr, [int(e) for e in extra])
    # ranks may not even agree on the signature's length if they called different things
    both = np.concatenate([sig, -sig])
    out = np.empty_like(both)
    wait_all([pg.comm.Iallreduce(both, out, op=MPI.MAX)])
    n = len(sig)
    if np.array_equal(out[:n], -out[n:]):
        return
    sigs = pg.comm.allgather(sig)
    lines = ", ".join(f"rank {pg.ranks[i]}: {_describe(s)}" for i, s in enumerate(sigs))
    raise RuntimeError(f"{what}: the ranks disagree on the collective or its tensors' "
                       f"dtype/shape ({lines}); every rank must pass tensors of the same "
                       "shape and dtype")


def _member(group, what):
    """The group's ProcessGroup; None on a rank outside it (the call is then a no-op)."""
    return _group(group, what)


# --- collectives ---------------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across all ranks in place: every rank ends with the result.

    tensor = op(tensor on rank 0, ..., tensor on rank n-1); AVG is SUM / n.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> t = torch.tensor([1.0, 2.0])
    >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)   # sum over the 1 rank
    >>> t
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "all_reduce"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    mop = _mpi_op(op, arr, what)
    _check_same(pg, what, arr)
    buf = _inplace_buffer(arr)
    n = pg.size()

    def done():
        if op is ReduceOp.AVG:
            np.divide(buf, n, out=buf)
        _write_back(tensor, arr, buf)

    if not async_op:  # MPICH's blocking allreduce picks faster algorithms than Iallreduce's
        pg.comm.Allreduce(_mpi().IN_PLACE, buf, op=mop)
        done()
        return None
    return Work([pg.comm.Iallreduce(_mpi().IN_PLACE, buf, op=mop)], done)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank `src`'s tensor into every rank's `tensor` (src is a global rank).

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> t = torch.arange(3.0) if dist.get_rank() == 0 else torch.zeros(3)
    >>> dist.broadcast(t, src=0)
    >>> t
    tensor([0., 1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "broadcast"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    root = pg.group_rank(src, what)
    _check_same(pg, what, arr, [root])
    buf = _inplace_buffer(arr)
    req = pg.comm.Ibcast(buf, root=root)
    return _finish(Work([req], lambda: _write_back(tensor, arr, buf)), async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce into rank `dst`'s tensor; the other ranks' tensors are left as they were.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> t = torch.tensor([1.0, 5.0])
    >>> dist.reduce(t, dst=0, op=dist.ReduceOp.MAX)
    >>> t
    tensor([1., 5.])
    >>> dist.destroy_process_group()
    """
    what = "reduce"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    root = pg.group_rank(dst, what)
    mop = _mpi_op(op, arr, what)
    _check_same(pg, what, arr, [root])
    MPI = _mpi()
    n = pg.size()
    if pg.rank() == root:
        buf = _inplace_buffer(arr)
        req = pg.comm.Ireduce(MPI.IN_PLACE, buf, op=mop, root=root)

        def done():
            if op is ReduceOp.AVG:
                np.divide(buf, n, out=buf)
            _write_back(tensor, arr, buf)
    else:
        buf = _wire(arr)
        req = pg.comm.Ireduce(buf, None, op=mop, root=root)
        done = None
    return _finish(Work([req], done), async_op)


def _check_list(lst, n, what, name):
    if not isinstance(lst, (list, tuple)) or len(lst) != n:
        got = len(lst) if isinstance(lst, (list, tuple)) else type(lst).__name__
        raise ValueError(f"{what}: {name} must be a list of {n} tensors, one per rank of the "
                         f"group (got {got})")
    return [_array(t, what, f"{name}[{i}]") for i, t in enumerate(lst)]


def _same_as(arrs, arr, what, name):
    for i, a in enumerate(arrs):
        if a.shape != arr.shape or a.dtype != arr.dtype:
            raise ValueError(f"{what}: {name}[{i}] is {a.dtype} {list(a.shape)}, but the "
                             f"tensor is {arr.dtype} {list(arr.shape)}: they must match")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[i] = rank i's tensor, on every rank.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> n = dist.get_world_size()
    >>> out = [torch.zeros(2) for _ in range(n)]
    >>> dist.all_gather(out, torch.tensor([1.0, 2.0]) + dist.get_rank())
    >>> out
    [tensor([1., 2.])]
    >>> dist.destroy_process_group()
    """
    what = "all_gather"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    n = pg.size()
    outs = _check_list(tensor_list, n, what, "tensor_list")
    _same_as(outs, arr, what, "tensor_list")
    _check_same(pg, what, arr)
    send = _wire(arr)
    recv = np.empty((n,) + send.shape, send.dtype)
    req = pg.comm.Iallgather(send, recv)

    def done():
        for t, a, r in zip(tensor_list, outs, recv):
            _write_back(t, a, r)

    return _finish(Work([req], done), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """The ranks' input tensors, concatenated along dim 0 (or stacked) into output_tensor.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> out = torch.zeros(dist.get_world_size() * 2)
    >>> dist.all_gather_into_tensor(out, torch.tensor([3.0, 4.0]))
    >>> out
    tensor([3., 4.])
    >>> dist.destroy_process_group()
    """
    what = "all_gather_into_tensor"
    arr = _array(input_tensor, what, "input_tensor")
    out = _array(output_tensor, what, "output_tensor")
    pg = _member(group, what)
    if pg is None:
        return None
    n = pg.size()
    if out.size != n * arr.size or out.dtype != arr.dtype:
        raise ValueError(f"{what}: output_tensor is {out.dtype} {list(out.shape)}; it must hold "
                         f"{n} x input_tensor ({arr.dtype} {list(arr.shape)})")
    _check_same(pg, what, arr)
    send = _wire(arr)
    buf = _inplace_buffer(out)
    req = pg.comm.Iallgather(send, buf.reshape((n,) + send.shape))
    return _finish(Work([req], lambda: _write_back(output_tensor, out, buf)), async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """On rank dst, gather_list[i] = rank i's tensor; the other ranks pass gather_list=None.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> t = torch.tensor([float(dist.get_rank())])
    >>> bucket = [torch.zeros(1) for _ in range(dist.get_world_size())]
    >>> dist.gather(t, bucket if dist.get_rank() == 0 else None, dst=0)
    >>> bucket
    [tensor([0.])]
    >>> dist.destroy_process_group()
    """
    what = "gather"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    root = pg.group_rank(dst, what)
    n = pg.size()
    me_root = pg.rank() == root
    if me_root:
        outs = _check_list(gather_list, n, what, "gather_list")
        _same_as(outs, arr, what, "gather_list")
    elif gather_list:
        raise ValueError(f"{what}: gather_list must be None (or empty) on non-dst ranks "
                         f"(this is rank {pg.ranks[pg.rank()]}, dst is {dst})")
    _check_same(pg, what, arr, [root])
    send = _wire(arr)
    recv = np.empty((n,) + send.shape, send.dtype) if me_root else None
    req = pg.comm.Igather(send, recv, root=root)

    def done():
        if me_root:
            for t, a, r in zip(gather_list, outs, recv):
                _write_back(t, a, r)

    return _finish(Work([req], done), async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Rank i's tensor = scatter_list[i] of rank src; the other ranks pass scatter_list=None.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> t = torch.zeros(2)
    >>> parts = [torch.full((2,), float(i)) for i in range(dist.get_world_size())]
    >>> dist.scatter(t, parts if dist.get_rank() == 0 else None, src=0)
    >>> t                  # rank i holds parts[i]
    tensor([0., 0.])
    >>> dist.destroy_process_group()
    """
    what = "scatter"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    root = pg.group_rank(src, what)
    n = pg.size()
    send = None
    if pg.rank() == root:
        ins = _check_list(scatter_list, n, what, "scatter_list")
        _same_as(ins, arr, what, "scatter_list")
        send = np.stack([_wire(a) for a in ins])
    elif scatter_list:
        raise ValueError(f"{what}: scatter_list must be None (or empty) on non-src ranks")
    _check_same(pg, what, arr, [root])
    buf = _inplace_buffer(arr)
    req = pg.comm.Iscatter(send, buf, root=root)
    return _finish(Work([req], lambda: _write_back(tensor, arr, buf)), async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """output on rank i = the reduction over ranks of their input_list[i].

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> n = dist.get_world_size()
    >>> out = torch.zeros(2)
    >>> dist.reduce_scatter(out, [torch.tensor([1.0, 2.0]) * (i + 1) for i in range(n)])
    >>> out
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    what = "reduce_scatter"
    out = _array(output, what, "output")
    pg = _member(group, what)
    if pg is None:
        return None
    n = pg.size()
    ins = _check_list(input_list, n, what, "input_list")
    _same_as(ins, out, what, "input_list")
    mop = _mpi_op(op, out, what)
    _check_same(pg, what, out)
    send = np.stack([_wire(a) for a in ins])
    return _reduce_scatter_block(pg, send, output, out, op, mop, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """reduce_scatter with the inputs as one tensor of n x output's size (split on dim 0).

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> n = dist.get_world_size()
    >>> out = torch.zeros(2)
    >>> dist.reduce_scatter_tensor(out, torch.arange(2.0 * n), op=dist.ReduceOp.SUM)
    >>> out
    tensor([0., 1.])
    >>> dist.destroy_process_group()
    """
    what = "reduce_scatter_tensor"
    out = _array(output, what, "output")
    arr = _array(input, what, "input")
    pg = _member(group, what)
    if pg is None:
        return None
    n = pg.size()
    if arr.size != n * out.size or arr.dtype != out.dtype:
        raise ValueError(f"{what}: input is {arr.dtype} {list(arr.shape)}; it must hold {n} x "
                         f"output ({out.dtype} {list(out.shape)})")
    mop = _mpi_op(op, out, what)
    _check_same(pg, what, out)
    return _reduce_scatter_block(pg, _wire(arr), output, out, op, mop, async_op)


def _reduce_scatter_block(pg, send, output, out, op, mop, async_op):
    buf = _inplace_buffer(out)
    req = pg.comm.Ireduce_scatter_block(send, buf, op=mop)
    n = pg.size()

    def done():
        if op is ReduceOp.AVG:
            np.divide(buf, n, out=buf)
        _write_back(output, out, buf)

    return _finish(Work([req], done), async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Rank i sends input_tensor_list[j] to rank j, which stores it as output_tensor_list[i]
    (sizes may differ per pair).

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> n, r = dist.get_world_size(), dist.get_rank()
    >>> ins = [torch.tensor([10.0 * r + j]) for j in range(n)]
    >>> outs = [torch.zeros(1) for _ in range(n)]
    >>> dist.all_to_all(outs, ins)
    >>> outs               # outs[i] is what rank i sent here
    [tensor([0.])]
    >>> dist.destroy_process_group()
    """
    what = "all_to_all"
    pg = _member(group, what)
    if pg is None:
        return None
    n = pg.size()
    ins = [_wire(a) for a in _check_list(input_tensor_list, n, what, "input_tensor_list")]
    outs = _check_list(output_tensor_list, n, what, "output_tensor_list")
    dt = ins[0].dtype if ins else None
    for name, arrs in (("input_tensor_list", ins), ("output_tensor_list", outs)):
        for i, a in enumerate(arrs):
            if _wire(a[:0]).dtype != dt:
                raise ValueError(f"{what}: {name}[{i}] is {a.dtype}, the others {dt}")
    _check_same(pg, what, None, [_DTYPES.get(np.dtype(dt), 99)])
    send = np.concatenate([a.ravel() for a in ins]) if ins else np.empty(0)
    scounts = [a.size for a in ins]
    # each rank must know how much it will receive: exchange the counts first
    rcounts = np.empty(n, np.int64)
    pg.comm.Alltoall(np.array(scounts, np.int64), rcounts)
    for i, (a, c) in enumerate(zip(outs, rcounts)):
        if a.size != c:
            raise RuntimeError(f"{what}: output_tensor_list[{i}] holds {a.size} elements but "
                               f"rank {pg.ranks[i]} sends {int(c)}")
    recv = np.empty(int(rcounts.sum()), dt)
    req = pg.comm.Ialltoallv([send, scounts], [recv, list(map(int, rcounts))])

    def done():
        off = 0
        for t, a in zip(output_tensor_list, outs):
            _write_back(t, a, recv[off:off + a.size].reshape(a.shape))
            off += a.size

    return _finish(Work([req], done), async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,  # noqa: A002
                      group=None, async_op=False):
    """all_to_all on single tensors split along dim 0 (evenly, or by the split sizes).

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> n = dist.get_world_size()
    >>> out = torch.zeros(2 * n)
    >>> dist.all_to_all_single(out, torch.arange(2.0 * n))
    >>> out
    tensor([0., 1.])
    >>> dist.destroy_process_group()
    """
    what = "all_to_all_single"
    pg = _member(group, what)
    if pg is None:
        return None
    n = pg.size()
    arr = _array(input, what, "input")
    out = _array(output, what, "output")

    def splits(a, sizes, name):
        rows = a.shape[0] if a.ndim else 0
        if sizes is None:
            if rows % n:
                raise ValueError(f"{what}: {name}'s dim 0 ({rows}) does not split evenly over "
                                 f"{n} ranks; pass {name}_split_sizes")
            sizes = [rows // n] * n
        sizes = [int(s) for s in sizes]
        if len(sizes) != n or sum(sizes) != rows:
            raise ValueError(f"{what}: {name}_split_sizes {sizes} must have {n} entries "
                             f"summing to dim 0 of {name} ({rows})")
        return list(np.split(a, np.cumsum(sizes)[:-1]))

    ins = splits(arr, input_split_sizes, "input")
    outs = splits(out, output_split_sizes, "output")
    views = [Tensor._make(o) for o in outs]
    work = all_to_all(views, [Tensor._make(i) for i in ins], group=group, async_op=True)

    def done():
        work.wait()
        output._version[0] += 1

    return _finish(Work([], done), async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of the group has reached this call.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> dist.barrier()      # returns once every rank got here
    >>> dist.destroy_process_group()
    """
    pg = _member(group, "barrier")
    if pg is None:
        return None
    _check_same(pg, "barrier", None)
    return _finish(Work([pg.comm.Ibarrier()]), async_op)


# --- point to point ----------------------------------------------------------------------
_P2P_HEADER = 2 + _MAX_DIMS  # dtype code, ndim, shape


def _header(arr):
    shape = list(arr.shape)[:_MAX_DIMS]
    return np.array([_DTYPES.get(arr.dtype, 99), arr.ndim] + shape
                    + [-1] * (_MAX_DIMS - len(shape)), np.int64)


def isend(tensor, dst, group=None, tag=0):
    """Send `tensor` to rank dst without blocking; returns a Work.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> work = dist.isend(torch.tensor([1.0, 2.0]), dst=0)   # to itself, in a 1-rank world
    >>> got = torch.zeros(2)
    >>> dist.recv(got, src=0), got
    (0, tensor([1., 2.]))
    >>> work.wait()
    True
    >>> dist.destroy_process_group()
    """
    what = "send"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return None
    peer = pg.group_rank(dst, what)
    head = _header(arr)
    data = _wire(arr)
    # header first: same source, tag and communicator, so MPI keeps the order
    reqs = [pg.comm.Isend(head, dest=peer, tag=tag), pg.comm.Isend(data, dest=peer, tag=tag)]
    return Work(reqs, result=[tensor])


def send(tensor, dst, group=None, tag=0):
    """Send `tensor` to rank dst (blocks until it may be reused).

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> import threading   # a blocking send to itself needs a receiver already running
    >>> got = torch.zeros(2)
    >>> receiver = threading.Thread(target=dist.recv, args=(got, 0))
    >>> receiver.start()
    >>> dist.send(torch.tensor([1.0, 2.0]), dst=0)
    >>> receiver.join(); got
    tensor([1., 2.])
    >>> dist.destroy_process_group()
    """
    work = isend(tensor, dst, group, tag)
    if work is not None:
        work.wait()


def irecv(tensor, src=None, group=None, tag=0):
    """Receive into `tensor` from rank src (any rank when None) without blocking.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> sent = dist.isend(torch.tensor([5.0, 6.0]), dst=0)   # to itself, in a 1-rank world
    >>> got = torch.zeros(2)
    >>> work = dist.irecv(got, src=0)
    >>> work.wait(), got
    (True, tensor([5., 6.]))
    >>> sent.wait()
    True
    >>> dist.destroy_process_group()
    """
    return _recv(tensor, src, group, tag, async_op=True)


def recv(tensor, src=None, group=None, tag=0):
    """Receive into `tensor` from rank src (any rank when None); returns the sender's rank.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> sent = dist.isend(torch.tensor([7.0]), dst=0)   # to itself, in a 1-rank world
    >>> got = torch.zeros(1)
    >>> dist.recv(got), got  # from any rank: returns the sender's rank
    (0, tensor([7.]))
    >>> sent.wait()
    True
    >>> dist.destroy_process_group()
    """
    return _recv(tensor, src, group, tag, async_op=False)


def _recv(tensor, src, group, tag, async_op):
    what = "recv"
    arr = _array(tensor, what)
    pg = _member(group, what)
    if pg is None:
        return -1
    MPI = _mpi()
    peer = MPI.ANY_SOURCE if src is None else pg.group_rank(src, what)
    head = np.empty(_P2P_HEADER, np.int64)
    status = MPI.Status()
    # The header is read at once (it is tiny), so a wrong shape is caught before the data:
    # the data is still received (into scratch) so the sender is not left blocked.
    pg.comm.Recv(head, source=peer, tag=tag, status=status)
    sender = status.Get_source()
    if not np.array_equal(head, _header(arr)):
        dtypes = {v: str(k) for k, v in _DTYPES.items()}
        shape = [int(s) for s in head[2:2 + int(head[1])]]
        dt = np.dtype(dtypes.get(int(head[0]), "uint8"))
        scratch = np.empty(shape, np.float32 if dt == np.float16 else dt)
        pg.comm.Recv(scratch, source=sender, tag=tag)
        raise RuntimeError(f"recv: rank {pg.ranks[sender]} sent {dt} {shape} but this rank "
                           f"(rank {pg.ranks[pg.rank()]}) receives into {arr.dtype} "
                           f"{list(arr.shape)}")
    buf = _inplace_buffer(arr)
    req = pg.comm.Irecv(buf, source=sender, tag=tag)

    def done():
        _write_back(tensor, arr, buf)
        return pg.ranks[sender]

    work = Work([req], done, result=pg.ranks[sender])
    if async_op:
        return work
    work.wait()
    return pg.ranks[sender]


# --- Python objects (pickled) ----------------------------------------------------------------
def all_gather_object(object_list, obj, group=None):
    """object_list[i] = rank i's obj (any picklable object), on every rank.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> objs = [None] * dist.get_world_size()
    >>> dist.all_gather_object(objs, {"rank": dist.get_rank()})
    >>> objs
    [{'rank': 0}]
    >>> dist.destroy_process_group()
    """
    pg = _member(group, "all_gather_object")
    if pg is None:
        return
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must have {pg.size()} entries (got "
                         f"{len(object_list)})")
    object_list[:] = pg.comm.allgather(obj)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Replace object_list's items, on every rank, with those of rank src's list.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> objs = ["config", 3] if dist.get_rank() == 0 else [None, None]
    >>> dist.broadcast_object_list(objs, src=0)
    >>> objs
    ['config', 3]
    >>> dist.destroy_process_group()
    """
    pg = _member(group, "broadcast_object_list")
    if pg is None:
        return
    root = pg.group_rank(src, "broadcast_object_list")
    got = pg.comm.bcast(list(object_list) if pg.rank() == root else None, root=root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(got)} objects but this "
                         f"rank's object_list has {len(object_list)} entries")
    object_list[:] = got


def gather_object(obj, object_gather_list=None, dst=0, group=None):
    """On rank dst, object_gather_list[i] = rank i's obj.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> got = [None] * dist.get_world_size() if dist.get_rank() == 0 else None
    >>> dist.gather_object(("rank", dist.get_rank()), got, dst=0)
    >>> got
    [('rank', 0)]
    >>> dist.destroy_process_group()
    """
    pg = _member(group, "gather_object")
    if pg is None:
        return
    root = pg.group_rank(dst, "gather_object")
    got = pg.comm.gather(obj, root=root)
    if pg.rank() == root:
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError(f"gather_object: object_gather_list on rank {dst} must have "
                             f"{pg.size()} entries")
        object_gather_list[:] = got


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=0,
                        group=None):
    """scatter_object_output_list[0] = rank src's scatter_object_input_list[this rank].

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> mine = [None]
    >>> dist.scatter_object_list(mine, [{"shard": i} for i in range(dist.get_world_size())], src=0)
    >>> mine
    [{'shard': 0}]
    >>> dist.destroy_process_group()
    """
    pg = _member(group, "scatter_object_list")
    if pg is None:
        return
    root = pg.group_rank(src, "scatter_object_list")
    if pg.rank() == root and (scatter_object_input_list is None
                              or len(scatter_object_input_list) != pg.size()):
        raise ValueError(f"scatter_object_list: scatter_object_input_list on rank {src} must "
                         f"have {pg.size()} entries")
    got = pg.comm.scatter(list(scatter_object_input_list) if pg.rank() == root else None,
                          root=root)
    scatter_object_output_list[0] = got

