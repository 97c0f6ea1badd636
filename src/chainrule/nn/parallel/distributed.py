"""DistributedDataParallel: one model replica per process, gradients averaged in backward.

Every replica starts from rank 0's parameters and buffers (broadcast at construction).
Parameters are grouped into buckets in reverse registration order (roughly the order
backward produces their gradients); a post-accumulate-grad hook on each parameter marks
it ready, and as soon as a bucket is complete its gradients are packed into one flat
buffer, while backward goes on with the layers below. Two ways to average them:

- all ranks on one machine (mpiexec -n N on one node): the buffers are the ranks' slots
  of one MPI-3 shared-memory window (distributed.shared_memory), so packing a bucket
  publishes it to the other ranks; after the last bucket each rank sums its 1/N of the
  window with NumPy between two barriers. (The sum is not started earlier: on a node it
  is CPU work that would compete with backward for the same cores.)
- ranks on several machines: each complete bucket starts a nonblocking MPI allreduce,
  progressed by MPI_Test in the later hooks, and DDP waits for them after the last.

Either way the averaged gradients are in each parameter's .grad when backward() returns.

>>> import chainrule.distributed as dist
>>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
>>> from chainrule.nn.parallel import DistributedDataParallel
>>> model = DistributedDataParallel(nn.Linear(3, 1))
>>> x, y = torch.ones(4, 3), torch.zeros(4, 1)
>>> F.mse_loss(model(x), y).backward()    # .grad is the average over all ranks
>>> model.module.weight.grad
tensor([[-2.3920, -2.3920, -2.3920]])
>>> with model.no_sync():                 # accumulate locally, sync on the next backward
...     F.mse_loss(model(x), y).backward()
>>> dist.destroy_process_group()
"""
import contextlib
import os
import time

import numpy as np

from ...autograd.grad_mode import GRAD_ENABLED
from ...tensor import Tensor
from ...distributed.collectives import wait_all
from ...distributed.shared_memory import SharedMemoryReducer, node_local
from ..module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's small first bucket: communication starts early
_PHASES = ("pack", "wait", "reduce", "unpack")  # what _get_ddp_logging_data times
_clock, _cpu_clock = time.perf_counter, time.thread_time


class _Bucket:
    """Some parameters' gradients, packed into one flat buffer (`buffer`). `result` is
    where their average ends up (the buffer itself, or the shared-memory result area);
    `views` / `result_views` the per-parameter pieces of each, shaped as the parameters."""
    __slots__ = ("index", "params", "offsets", "dtype", "buffer", "result", "views",
                 "result_views", "byte_offset", "pending", "request")

    def __init__(self, index, params, dtype):
        self.index = index
        self.params = params
        self.dtype = np.dtype(dtype)
        sizes = [int(np.prod(p.shape)) for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.byte_offset = 0
        self.set_buffer(np.zeros(int(self.offsets[-1]), dtype))
        self.pending = len(params)
        self.request = None

    def set_buffer(self, buffer, result=None):
        self.buffer = buffer
        self.result = buffer if result is None else result
        self.views = self._pieces(buffer)
        self.result_views = self.views if result is None else self._pieces(result)

    def _pieces(self, flat):
        return [flat[lo:hi].reshape(p.shape)
                for p, lo, hi in zip(self.params, self.offsets[:-1], self.offsets[1:])]

    @property
    def count(self):
        return int(self.offsets[-1])


class DistributedDataParallel(Module):
    """Data parallelism over MPI ranks (torch.nn.parallel.DistributedDataParallel).

    `module` is wrapped (and reachable as .module); its state_dict keys carry PyTorch's
    "module." prefix, and load_state_dict accepts keys with or without it, so a
    checkpoint of model.module loads into the wrapper and back. `find_unused_parameters`
    finds, at each forward, the parameters the output does not depend on and counts them
    as ready (their .grad is left as it is when no rank used them). `bucket_cap_mb` sets
    the bucket size (25 MB as in PyTorch; the first bucket holds 1 MB).
    `gradient_as_bucket_view=True` makes each .grad a view of its bucket (PyTorch's
    option): the averaged gradients are not copied out, and a backward accumulating into
    those views (zero_grad(set_to_none=False)) packs nothing either. Without it (the
    default) .grad is a tensor of its own, as in PyTorch.
    On one machine the gradients are averaged through a shared-memory window (of the
    gradients' size per rank, kept until the process exits: freeing it is collective, so
    it cannot happen when one rank drops the wrapper); set CHAINRULE_DDP_SHARED_MEMORY=0
    to use MPI's allreduce instead (the path between machines).
    `device_ids`, `output_device`, `static_graph` and `check_reduction` (deprecated in
    PyTorch) are accepted for compatibility; on CPU processes they change nothing.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
    >>> ddp
    DistributedDataParallel(
      world_size=1, ...
      (module): Linear(in_features=2, out_features=1, bias=True)
    )
    >>> list(ddp.state_dict())               # PyTorch's "module." prefix
    ['module.weight', 'module.bias']
    >>> ddp(torch.ones(3, 2)).sum().backward()
    >>> ddp.module.weight.grad               # averaged over the ranks (one here)
    tensor([[3., 3.]])
    >>> dist.destroy_process_group()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None):
        super().__init__()
        from ...distributed.process_group import _group, _mpi
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: {name} is not supported "
                                          "by chainrule's DDP")
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module (got "
                            f"{type(module).__name__})")
        pg = _group(process_group, "DistributedDataParallel")
        if pg is None:
            raise ValueError("DistributedDataParallel: this rank is not part of process_group")
        self.module = module
        self.process_group = pg
        d = self.__dict__
        d["_MPI"] = _mpi()
        # A communicator of its own: the buckets' nonblocking allreduces never interleave
        # with collectives the user (or SyncBatchNorm) runs on the group meanwhile.
        d["_comm"] = pg.comm.Dup()
        d["_world_size"] = pg.size()
        d["broadcast_buffers"] = bool(broadcast_buffers)
        d["find_unused_parameters"] = bool(find_unused_parameters)
        d["require_backward_grad_sync"] = True
        d["static_graph"] = bool(static_graph)
        d["gradient_as_bucket_view"] = bool(gradient_as_bucket_view)
        d["device_ids"] = device_ids
        d["output_device"] = output_device
        d["dim"] = dim
        cap = 25 if bucket_cap_mb is None else bucket_cap_mb
        if cap <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive (got {cap})")
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have "
                               "any parameter that requires a gradient.")
        d["_names"] = [n for n, _ in named]
        d["_params"] = [p for _, p in named]
        self._verify_replicas(module)
        self._sync_module_states(module)
        d["_buckets"] = self._make_buckets(int(cap * 1024 * 1024))
        d["_shm"] = self._shared_memory_reducer()
        d["_regions"] = self._same_dtype_runs() if self._shm is not None else []
        d["_timing"] = {"iterations": 0, **{f"{phase}{unit}": 0.0 for phase in _PHASES
                                             for unit in ("_s", "_cpu_s")}}
        d["_bucket_of"] = {}
        for b in self._buckets:
            for i, p in enumerate(b.params):
                self._bucket_of[id(p)] = (b, i)
        d["_ready"] = set()
        d["_next"] = 0          # the next bucket to launch (buckets start in order on every rank)
        d["_prepared"] = False  # a forward with grad sync ran: the next backward reduces
        d["_used"] = None
        d["_fired"] = False     # a hook ran since the last forward: backward is under way
        d["_handles"] = [p.register_post_accumulate_grad_hook(self._grad_ready)
                         for p in self._params]

    # --- construction ----------------------------------------------------------------------
    def _verify_replicas(self, module):
        """Every rank must wrap the same architecture: compare names, shapes and dtypes."""
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in module.named_parameters()]
        everyone = self.process_group.comm.allgather(mine)
        for r, theirs in enumerate(everyone):
            if theirs != mine:
                diff = next(((a, b) for a, b in zip(mine, theirs) if a != b),
                            (f"{len(mine)} parameters", f"{len(theirs)} parameters"))
                raise RuntimeError(
                    f"DistributedDataParallel: the model differs between ranks: rank "
                    f"{self.process_group.ranks[self.process_group.rank()]} has {diff[0]}, rank "
                    f"{self.process_group.ranks[r]} has {diff[1]}; every rank must build the "
                    "same model")

    def _sync_module_states(self, module):
        """Copy group rank 0's parameters and buffers to every rank (one broadcast per dtype)."""
        tensors = [p for p in module.parameters()] + [b for b in module.buffers()
                                                       if b is not None]
        self._broadcast_flat(tensors)

    def _broadcast_flat(self, tensors):
        if self._world_size == 1 or not tensors:
            return
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t.detach().numpy().dtype, []).append(t)
        for dtype in sorted(by_dtype, key=str):  # the same order on every rank
            group = by_dtype[dtype]
            arrs = [t.detach().numpy() for t in group]
            flat = np.concatenate([a.ravel() for a in arrs]) if arrs else np.empty(0, dtype)
            if flat.dtype == np.float16:
                flat = flat.astype(np.float32)
            wait_all([self._comm.Ibcast(flat, root=0)])
            off = 0
            for t, a in zip(group, arrs):
                np.copyto(a, flat[off:off + a.size].reshape(a.shape), casting="unsafe")
                off += a.size
                t._version[0] += 1

    def _make_buckets(self, cap_bytes):
        buckets, current, size, dtype = [], [], 0, None
        limit = min(_FIRST_BUCKET_BYTES, cap_bytes)
        for p in reversed(self._params):
            arr = p.detach().numpy()
            nbytes = arr.size * arr.itemsize
            if current and (arr.dtype != dtype or size + nbytes > limit):
                buckets.append(_Bucket(len(buckets), current, dtype))
                current, size, limit = [], 0, cap_bytes
            current.append(p)
            size += nbytes
            dtype = arr.dtype
        if current:
            buckets.append(_Bucket(len(buckets), current, dtype))
        return buckets

    def _shared_memory_reducer(self):
        """A shared-memory window holding every bucket, when all ranks are on this node
        (and CHAINRULE_DDP_SHARED_MEMORY is not 0); the buckets' buffers become this
        rank's slot. None: buckets stay private and MPI allreduces them."""
        if self._world_size == 1 or os.environ.get("CHAINRULE_DDP_SHARED_MEMORY", "1") in (
                "0", "false", "False"):
            return None
        local = node_local(self._comm)  # (the same answer on every rank)
        if local is None:
            return None
        offset = 0
        for b in self._buckets:
            b.byte_offset = offset
            offset += -(-b.count * b.dtype.itemsize // 64) * 64  # cache-line aligned
        try:
            shm = SharedMemoryReducer(local, offset)
        except self._MPI.Exception:  # an MPI without shared windows: allreduce instead
            shm = None
        # every rank takes the same path, or the ranks would wait for each other forever
        if not self._comm.allreduce(shm is not None, op=self._MPI.LAND):
            if shm is not None:
                shm.free()
            local.Free()
            return None
        view_mode = self.gradient_as_bucket_view
        for b in self._buckets:
            mine = shm.view(shm.rank, b.dtype, b.byte_offset, b.count)
            b.set_buffer(mine, None if view_mode else
                         shm.result_view(b.dtype, b.byte_offset, b.count))
        return shm

    def _same_dtype_runs(self):
        """(dtype, byte offset, items) of consecutive same-dtype buckets: one reduction each
        (the padding between buckets is zero in every slot, so summing it is harmless)."""
        runs = []
        for b in self._buckets:
            end = b.byte_offset + b.count * b.dtype.itemsize
            if runs and runs[-1][0] == b.dtype:
                dtype, start, _ = runs[-1]
                runs[-1] = (dtype, start, (end - start) // dtype.itemsize)
            else:
                runs.append((b.dtype, b.byte_offset, b.count))
        return runs

    def _get_ddp_logging_data(self):
        """What this DDP measured (as PyTorch's _get_ddp_logging_data; times in seconds,
        totals since construction): how the gradients travel, and for the synced
        iterations the time spent packing gradients into buckets, waiting (for the other
        ranks to finish backward, and for MPI: with MPI allreduce the whole transfer is
        wait), reducing (the shared-memory sum) and unpacking the average into .grad;
        `*_cpu_s` the CPU time of the same phases (MPICH spins while it waits, so
        wait_cpu_s is close to wait_s unless the machine is overloaded).

        >>> import chainrule.distributed as dist
        >>> dist.init_process_group("gloo")   # one process: nothing travels
        >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
        >>> ddp._get_ddp_logging_data()["comm_path"]   # 'shared memory' for ranks on one machine
        'none'
        >>> dist.destroy_process_group()
        """
        t = dict(self._timing)
        return {"world_size": self._world_size, "backend": self.process_group.backend,
                "comm_path": ("none" if self._world_size == 1 else
                              "shared memory" if self._shm is not None else "MPI allreduce"),
                "bucket_sizes_bytes": [b.count * b.dtype.itemsize for b in self._buckets],
                "gradient_as_bucket_view": self.gradient_as_bucket_view, **t}

    # --- forward ----------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._prepared and self._fired:
            self._unfinished_reduction_error()
        if self._prepared:  # a forward without backward: drop what find_unused launched
            reqs = [b.request for b in self._buckets if b.request is not None]
            if reqs:
                wait_all(reqs)
        sync = GRAD_ENABLED[0] and self.require_backward_grad_sync
        if self.broadcast_buffers and self._world_size > 1:
            self._broadcast_flat([b for b in self.module.buffers() if b is not None])
        out = self.module(*inputs, **kwargs)
        if sync:
            self._prepare_for_backward(out)
        else:
            self.__dict__["_prepared"] = False
        return out

    def _prepare_for_backward(self, out):
        d = self.__dict__
        d["_prepared"] = True
        d["_ready"] = set()
        d["_next"] = 0
        d["_fired"] = False
        for b in self._buckets:
            b.pending = len(b.params)
            b.request = None
        d["_used"] = None
        if self.find_unused_parameters:
            used = _reachable_leaves(out)
            d["_used"] = np.array([id(p) in used for p in self._params], np.int32)
            for p, u in zip(self._params, self._used):
                if not u:
                    self._mark_ready(p)

    def _unfinished_reduction_error(self):
        missing = [i for i, p in enumerate(self._params) if id(p) not in self._ready]
        names = [self._names[i] for i in missing]
        raise RuntimeError(
            "Expected to have finished reduction in the prior iteration before starting a new "
            "one. This error indicates that your module has parameters that were not used in "
            "producing loss. You can enable unused parameter detection by passing the keyword "
            "argument `find_unused_parameters=True` to `torch.nn.parallel."
            "DistributedDataParallel`, and by making sure all `forward` function outputs "
            f"participate in calculating loss. Parameter indices which did not receive grad for "
            f"rank {self.process_group.ranks[self.process_group.rank()]}: {missing} "
            f"(parameters {names})")

    # --- backward: the hooks ------------------------------------------------------------------
    def _grad_ready(self, param):
        if not self._prepared:
            return  # a backward not preceded by a synced forward (no_sync, or no_grad forward)
        self.__dict__["_fired"] = True
        self._mark_ready(param)

    def _mark_ready(self, param):
        if id(param) in self._ready:
            i = self._params.index(param)
            raise RuntimeError(
                f"Expected to mark a variable ready only once. This error is caused by one of "
                f"the following reasons: 1) Use of a module parameter outside the `forward` "
                f"function. 2) Reused parameters in multiple reentrant backward passes (e.g. "
                f"backward() twice after one forward). Parameter at index {i} "
                f"({self._names[i]}) has been marked as ready twice.")
        self._ready.add(id(param))
        bucket, _ = self._bucket_of[id(param)]
        bucket.pending -= 1
        launched = False
        while self._next < len(self._buckets) and self._buckets[self._next].pending == 0:
            self._launch(self._buckets[self._next])
            self.__dict__["_next"] += 1
            launched = True
        if self._next == len(self._buckets):
            self._finalize()
        elif not launched:
            self._poke()

    def _launch(self, bucket):
        t0, c0 = _clock(), _cpu_clock()
        for p, view in zip(bucket.params, bucket.views):
            g = p._grad
            if g is None:
                view[...] = 0  # unused here: contributes nothing to the average
            elif g._data is not view:  # (a bucket view that backward accumulated into: as is)
                np.copyto(view, g._data)
        if self._world_size > 1 and self._shm is None:
            bucket.request = self._comm.Iallreduce(self._MPI.IN_PLACE, bucket.buffer,
                                                   op=self._MPI.SUM)
        timing = self._timing
        timing["pack_s"] += _clock() - t0
        timing["pack_cpu_s"] += _cpu_clock() - c0

    def _poke(self):
        """Let MPI progress the allreduces in flight (MPICH advances nonblocking collectives
        only inside MPI calls)."""
        reqs = [b.request for b in self._buckets[:self._next] if b.request is not None]
        if reqs:
            self._MPI.Request.Testall(reqs)

    def _finalize(self):
        d = self.__dict__
        d["_prepared"] = False
        timing = self._timing
        clock = _Phases(timing)
        reqs = [b.request for b in self._buckets if b.request is not None]
        if reqs:
            wait_all(reqs)
        shm = self._shm
        if shm is not None:  # every rank has published its buckets once all pass here
            shm.barrier()
            clock.lap("wait")
            for dtype, offset, count in self._regions:  # sums; unpacking divides by n
                shm.reduce_chunk(dtype, offset, count, to_slots=self.gradient_as_bucket_view,
                                 divide=False)
            clock.lap("reduce")
            shm.barrier()
            clock.lap("wait")
        else:
            clock.lap("wait")
        used = None
        if self._used is not None and self._world_size > 1:
            used = np.empty_like(self._used)
            wait_all([self._comm.Iallreduce(self._used, used, op=self._MPI.MAX)])
        elif self._used is not None:
            used = self._used
        index = {id(p): i for i, p in enumerate(self._params)} if used is not None else None
        n = self._world_size
        as_view = self.gradient_as_bucket_view
        for b in self._buckets:
            b.request = None
            if n > 1 and shm is None and as_view:
                np.divide(b.buffer, n, out=b.buffer)
            # b.result holds the sum over the ranks (the average in bucket-view mode,
            # already in the buffer): the copy into .grad divides by n on the way
            for p, view, total in zip(b.params, b.views, b.result_views):
                if used is not None and not used[index[id(p)]]:
                    continue  # no rank used it: leave its .grad alone, as PyTorch does
                g = p._grad
                if as_view:  # the average is in this rank's buffer: .grad is a view of it
                    if g is None or g._data is not view:
                        p.grad = Tensor._make(view)
                    else:
                        g._version[0] += 1
                    continue
                if g is None:
                    p.grad = Tensor._make(np.divide(total, n, dtype=total.dtype))
                else:
                    np.divide(total, n, out=g._data, casting="unsafe")
                    g._version[0] += 1
        clock.lap("unpack")
        timing["iterations"] += 1
        d["_ready"] = set()
        d["_fired"] = False

    # --- gradient accumulation ------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward only accumulates local gradients; the first backward after it
        averages the accumulated sum across ranks.

        >>> import chainrule.distributed as dist
        >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
        >>> ddp = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
        >>> x1, x2 = torch.ones(1, 2), torch.full((1, 2), 2.0)
        >>> with ddp.no_sync():
        ...     ddp(x1).sum().backward()
        >>> ddp(x2).sum().backward()          # averages grad(x1) + grad(x2)
        >>> ddp.module.weight.grad
        tensor([[3., 3.]])
        >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.__dict__["require_backward_grad_sync"] = False
        try:
            yield
        finally:
            self.__dict__["require_backward_grad_sync"] = old

    # --- state ------------------------------------------------------------------------------------
    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Load a checkpoint of the wrapper ("module.fc.weight") or of the wrapped model
        ("fc.weight"): keys without the "module." prefix get it."""
        if state_dict and not any(k.startswith("module.") for k in state_dict):
            state_dict = type(state_dict)((f"module.{k}", v) for k, v in state_dict.items())
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def __del__(self):
        for h in self.__dict__.get("_handles", ()):
            h.remove()

    def extra_repr(self):
        return f"world_size={self._world_size}, buckets={len(self._buckets)}"


class _Phases:
    """Adds the wall and CPU (this thread's) time since the last lap to timing[phase]."""
    __slots__ = ("timing", "t", "c")

    def __init__(self, timing):
        self.timing, self.t, self.c = timing, _clock(), _cpu_clock()

    def lap(self, phase):
        t, c = _clock(), _cpu_clock()
        self.timing[phase + "_s"] += t - self.t
        self.timing[phase + "_cpu_s"] += c - self.c
        self.t, self.c = t, c


def _reachable_leaves(out):
    """ids of the leaf tensors the outputs' graphs reach (find_unused_parameters)."""
    roots = []

    def collect(o):
        if isinstance(o, Tensor):
            roots.append(o)
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
        elif isinstance(o, dict):
            for x in o.values():
                collect(x)

    collect(out)
    seen_nodes, leaves = set(), set()
    stack = []
    for t in roots:
        if t.grad_fn is None:
            if t.requires_grad:
                leaves.add(id(t))
        else:
            stack.append(t.grad_fn)
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        for t in node.inputs:
            if t is None or not t.requires_grad:
                continue
            if t.grad_fn is None:
                leaves.add(id(t))
            else:
                stack.append(t.grad_fn)
    return leaves
