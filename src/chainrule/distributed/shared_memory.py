"""An allreduce-average for the ranks of one machine through an MPI-3 shared-memory window.

MPICH's generic Allreduce copies each rank's buffer through its shared-memory channel in
pieces and reduces them there. On one node the ranks can instead see each other's
memory: every rank writes its gradients into its own slot of a window made with
MPI_Win_allocate_shared (DistributedDataParallel writes each bucket as backward finishes
it), then, after a barrier, rank r sums chunk r of every slot in rank order with NumPy,
divides by the number of ranks and stores the average in a shared result area; a second
barrier and every rank has the whole average. Per rank that is one read of the gradient
from each slot's chunk and one write of its chunk, instead of MPI's pipelined copies.

>>> import numpy as np
>>> from mpi4py import MPI
>>> from chainrule.distributed.shared_memory import SharedMemoryReducer, node_local
>>> local = node_local(MPI.COMM_WORLD)                      # the ranks on this machine
>>> red = SharedMemoryReducer(local, nbytes=3 * 4)
>>> red.view(red.rank, np.float32, 0, 3)[:] = [1, 2, 3]     # publish this rank's values
>>> red.average(np.float32, 0, 3)                           # on every rank
>>> red.result_view(np.float32, 0, 3)                       # (one process: its own)
array([1., 2., 3.], dtype=float32)
>>> red.free(); local.Free()
"""
import time

import numpy as np

from .process_group import _mpi

__all__ = ["SharedMemoryReducer", "node_local"]

_ALIGN = 64  # a cache line: ranks never write the same line


def _round_up(n, k=_ALIGN):
    return (n + k - 1) // k * k


def node_local(comm):
    """The sub-communicator of `comm`'s ranks on this machine, or None when `comm` spans
    several machines (or MPI cannot make one): then shared memory cannot reach them all.

    >>> from mpi4py import MPI
    >>> from chainrule.distributed.shared_memory import node_local
    >>> local = node_local(MPI.COMM_WORLD)    # one process: a world of one, on this machine
    >>> local.Get_size(); local.Free()
    1
    """
    MPI = _mpi()
    try:
        local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    except MPI.Exception:
        return None
    if local.Get_size() != comm.Get_size():
        local.Free()
        return None
    return local


class SharedMemoryReducer:
    """Slots of `nbytes` per rank of a node-local communicator, plus a result area.

    view(k, dtype, offset, count) is rank k's slot (byte `offset`, `count` items);
    result_view(dtype, offset, count) the shared result area at the same place.
    average(dtype, offset, count, to_slots=False) averages that region over all slots
    (call it on every rank, after every rank has written its slot); the average is in the
    result area afterwards, or, with to_slots=True, in every slot instead.

    >>> import numpy as np
    >>> from mpi4py import MPI
    >>> from chainrule.distributed.shared_memory import SharedMemoryReducer, node_local
    >>> local = node_local(MPI.COMM_WORLD)
    >>> red = SharedMemoryReducer(local, nbytes=2 * 8)
    >>> red.view(red.rank, np.float64, 0, 2)[:] = [4.0, 6.0]
    >>> red.average(np.float64, 0, 2, to_slots=True)       # the average back in the slots
    >>> red.view(red.rank, np.float64, 0, 2)
    array([4., 6.])
    >>> red.free(); local.Free()
    """

    def __init__(self, comm, nbytes):
        MPI = _mpi()
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.nbytes = _round_up(max(int(nbytes), 1))
        # rank 0's segment also holds the result area and the barrier's arrival counters
        # (one cache line per rank); one window, contiguous segments
        mine = self.nbytes * 2 + _ALIGN * self.size if self.rank == 0 else self.nbytes
        self.win = MPI.Win.Allocate_shared(mine, 1, comm=comm)
        # A passive epoch on the whole window, so Win_sync (MPI's memory barrier for
        # shared windows) may be called around the barriers.
        self.win.Lock_all(MPI.MODE_NOCHECK)
        self._slots = []
        for k in range(self.size):
            buf, _ = self.win.Shared_query(k)
            self._slots.append(np.frombuffer(buf, np.uint8))
        self._result = self._slots[0][self.nbytes:2 * self.nbytes]
        arrivals = self._slots[0][2 * self.nbytes:2 * self.nbytes + _ALIGN * self.size]
        self._arrived = arrivals.view(np.int64)[::_ALIGN // 8]
        self._slots = [s[:self.nbytes] for s in self._slots]
        self._generation = 0
        self._slots[self.rank][:] = 0  # (the padding between regions is summed too)
        if self.rank == 0:
            self._result[:] = 0
            self._arrived[:] = 0
        self.win.Sync()
        comm.Barrier()  # all zeroed before anyone uses them
        self.win.Sync()

    def view(self, k, dtype, offset, count):
        dtype = np.dtype(dtype)
        return self._slots[k][offset:offset + count * dtype.itemsize].view(dtype)

    def result_view(self, dtype, offset, count):
        dtype = np.dtype(dtype)
        return self._result[offset:offset + count * dtype.itemsize].view(dtype)

    def chunk(self, dtype, count):
        """This rank's part [lo, hi) of a region of `count` items (cache-line aligned)."""
        per_line = max(1, _ALIGN // np.dtype(dtype).itemsize)
        lines = -(-count // per_line)
        lo = min(count, lines * self.rank // self.size * per_line)
        hi = min(count, lines * (self.rank + 1) // self.size * per_line)
        return lo, hi

    def barrier(self, spin_s=1e-4):
        """Wait until every rank has called barrier() as often as this one.

        Each rank bumps its own arrival counter in the window and polls the others'.
        Unlike MPICH's barrier, which spins on the CPU for as long as it waits, this one
        spins for `spin_s` only (a short wait, as between ranks in step, costs no more than
        spinning), yields the CPU between polls until 3 x spin_s, and then sleeps 50 us
        between polls, so a rank waiting for a slower one leaves the CPU to it, and to
        other work, on a machine with more processes than cores.
        Win_sync on both sides orders the slots' writes and reads around the counters.
        """
        self._generation += 1
        gen = self._generation
        arrived = self._arrived
        self.win.Sync()
        arrived[self.rank] = gen
        if arrived.min() < gen:
            clock = time.perf_counter
            t0 = clock()
            while arrived.min() < gen:
                waited = clock() - t0
                if waited > spin_s:
                    time.sleep(0 if waited < 3 * spin_s else 5e-5)  # yield, then sleep
        self.win.Sync()

    def reduce_chunk(self, dtype, offset, count, to_slots=False, divide=True):
        """This rank's share of average(): sum its chunk over the slots in rank order,
        divide by the number of ranks (unless divide=False: the result area then holds the
        sum, for a caller that divides while copying it out), write the result area (or
        the slots). Call between two barriers."""
        lo, hi = self.chunk(dtype, count)
        if hi <= lo:
            return
        parts = [self.view(k, dtype, offset, count)[lo:hi] for k in range(self.size)]
        # to_slots: sum into slot 0's chunk and copy it to the others (the result area is
        # not needed then: one write less per rank)
        out = parts[0] if to_slots else self.result_view(dtype, offset, count)[lo:hi]
        if self.size > 1:
            np.add(parts[0], parts[1], out=out)
        elif out is not parts[0]:
            np.copyto(out, parts[0])
        for p in parts[2:]:
            np.add(out, p, out=out)
        if divide or to_slots:
            np.divide(out, self.size, out=out, casting="unsafe")
        if to_slots:
            for p in parts[1:]:
                np.copyto(p, out)

    def average(self, dtype, offset, count, to_slots=False):
        """All ranks: the average of the region over the slots, into the result area."""
        self.barrier()
        self.reduce_chunk(dtype, offset, count, to_slots)
        self.barrier()

    def free(self):
        """Collective: release the window (the views must not be used afterwards)."""
        self.win.Unlock_all()
        self.win.Free()
