"""Programs for tests/test_distributed.py, run under `mpiexec -n N python this.py SCENARIO`.

Each rank checks its own results against NumPy references computed from every rank's
(deterministic) inputs and raises on a mismatch; an uncaught exception aborts the job,
so the test sees a non-zero exit status. The last line each rank prints is "ok <rank>".
"""
import os
import sys

import numpy as np

import chainrule as torch
import chainrule.distributed as dist


def data(rank, shape=(3, 4), dtype=np.float64):
    return np.random.default_rng(100 + rank).standard_normal(shape).astype(dtype)


def t(a):
    return torch.tensor(a)


def close(a, b, what, rtol=1e-12):
    a = a.numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    if not np.allclose(a, b, rtol=rtol, atol=rtol):
        raise AssertionError(f"{what}: rank {dist.get_rank()} got {a}, expected {b}")


def collectives():
    r, n = dist.get_rank(), dist.get_world_size()
    every = [data(i) for i in range(n)]
    refs = {dist.ReduceOp.SUM: np.sum(every, 0), dist.ReduceOp.AVG: np.mean(every, 0),
            dist.ReduceOp.MAX: np.max(every, 0), dist.ReduceOp.MIN: np.min(every, 0),
            dist.ReduceOp.PRODUCT: np.prod(every, 0)}
    for op, ref in refs.items():
        x = t(every[r])
        assert dist.all_reduce(x, op=op) is None
        close(x, ref, f"all_reduce {op}")
    # float32 and int64, and a non-contiguous view written in place
    x32 = t(every[r].astype(np.float32))
    dist.all_reduce(x32)
    close(x32, refs[dist.ReduceOp.SUM].astype(np.float32), "all_reduce float32", 1e-5)
    xi = torch.tensor(np.arange(6, dtype=np.int64) * (r + 1))
    dist.all_reduce(xi, op=dist.ReduceOp.MAX)
    close(xi, np.arange(6) * n, "all_reduce int64 MAX")
    base = t(every[r].copy())
    view = base.t()
    dist.all_reduce(view)
    close(base, refs[dist.ReduceOp.SUM], "all_reduce of a transposed view")
    # async
    x = t(every[r])
    work = dist.all_reduce(x, op=dist.ReduceOp.SUM, async_op=True)
    work.wait()
    assert work.is_completed()
    close(x, refs[dist.ReduceOp.SUM], "all_reduce async")
    # broadcast from the last rank
    x = t(every[r])
    dist.broadcast(x, src=n - 1)
    close(x, every[n - 1], "broadcast")
    # reduce to rank 1: the others keep their tensor
    x = t(every[r])
    dist.reduce(x, dst=1, op=dist.ReduceOp.SUM)
    close(x, refs[dist.ReduceOp.SUM] if r == 1 else every[r], "reduce")
    # all_gather / all_gather_into_tensor
    outs = [torch.zeros(3, 4, dtype=torch.float64) for _ in range(n)]
    dist.all_gather(outs, t(every[r]))
    for i in range(n):
        close(outs[i], every[i], f"all_gather[{i}]")
    big = torch.zeros(3 * n, 4, dtype=torch.float64)
    dist.all_gather_into_tensor(big, t(every[r]))
    close(big, np.concatenate(every), "all_gather_into_tensor")
    stacked = torch.zeros(n, 3, 4, dtype=torch.float64)
    dist.all_gather_into_tensor(stacked, t(every[r]))
    close(stacked, np.stack(every), "all_gather_into_tensor (stacked)")
    # gather to rank 0, scatter from rank 0
    lst = [torch.zeros(3, 4, dtype=torch.float64) for _ in range(n)] if r == 0 else None
    dist.gather(t(every[r]), lst, dst=0)
    if r == 0:
        for i in range(n):
            close(lst[i], every[i], f"gather[{i}]")
    out = torch.zeros(3, 4, dtype=torch.float64)
    dist.scatter(out, [t(data(50 + i)) for i in range(n)] if r == 0 else None, src=0)
    close(out, data(50 + r), "scatter")
    # reduce_scatter: rank i gets sum over ranks of their input_list[i]
    ins = [t(data(10 * k + r)) for k in range(n)]
    out = torch.zeros(3, 4, dtype=torch.float64)
    dist.reduce_scatter(out, ins, op=dist.ReduceOp.SUM)
    close(out, np.sum([data(10 * r + k) for k in range(n)], 0), "reduce_scatter")
    out = torch.zeros(3, 4, dtype=torch.float64)
    dist.reduce_scatter_tensor(out, t(np.concatenate([data(10 * k + r) for k in range(n)])),
                               op=dist.ReduceOp.AVG)
    close(out, np.mean([data(10 * r + k) for k in range(n)], 0), "reduce_scatter_tensor AVG")
    # all_to_all with sizes differing per pair: rank i sends (i + j + 1) values to rank j
    ins = [torch.tensor(np.full(r + j + 1, 100.0 * r + j)) for j in range(n)]
    outs = [torch.zeros(j + r + 1, dtype=torch.float64) for j in range(n)]
    dist.all_to_all(outs, ins)
    for j in range(n):
        close(outs[j], np.full(j + r + 1, 100.0 * j + r), f"all_to_all[{j}]")
    src = torch.tensor(np.arange(2 * n, dtype=np.float64) + 10 * r)
    dst = torch.zeros(2 * n, dtype=torch.float64)
    dist.all_to_all_single(dst, src)
    close(dst, np.concatenate([np.arange(2 * r, 2 * r + 2) + 10 * j for j in range(n)]),
          "all_to_all_single")
    # send / recv around a ring, and recv from any source
    right, left = (r + 1) % n, (r - 1) % n
    work = dist.isend(t(every[r]), dst=right)
    got = torch.zeros(3, 4, dtype=torch.float64)
    assert dist.recv(got, src=left) == left
    work.wait()
    close(got, every[left], "send/recv")
    if r == 0:
        got = torch.zeros(2, dtype=torch.float64)
        senders = sorted(dist.recv(got, tag=7) for _ in range(n - 1))
        assert senders == list(range(1, n)), senders
    else:
        dist.send(torch.tensor([1.0, float(r)], dtype=torch.float64), dst=0, tag=7)
    # objects
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r, "name": f"r{r}"})
    assert objs == [{"rank": i, "name": f"r{i}"} for i in range(n)], objs
    lst = [("hello", 1), [2, 3]] if r == 0 else [None, None]
    dist.broadcast_object_list(lst, src=0)
    assert lst == [("hello", 1), [2, 3]], lst
    # groups: ranks {0, last}; src/dst are global ranks
    g = dist.new_group([0, n - 1])
    x = t(every[r])
    dist.all_reduce(x, group=g)
    if r in (0, n - 1):
        close(x, every[0] + every[n - 1], "all_reduce on a group")
        assert dist.get_world_size(g) == 2 and dist.get_rank(g) == (0 if r == 0 else 1)
        y = t(every[r])
        dist.broadcast(y, src=n - 1, group=g)
        close(y, every[n - 1], "broadcast on a group")
    else:
        close(x, every[r], "all_reduce outside the group is a no-op")
        assert dist.get_rank(g) == -1
    dist.barrier()


def mismatch():
    """Rank 1 passes a differently shaped tensor: every rank gets the same clear error."""
    r = dist.get_rank()
    x = torch.zeros(3, 5 if r == 1 else 4)
    try:
        dist.all_reduce(x)
    except RuntimeError as e:
        msg = str(e)
        assert "rank 0: all_reduce on float32 [3, 4]" in msg, msg
        assert "rank 1: all_reduce on float32 [3, 5]" in msg, msg
        print(f"rank {r} error: {msg}")
    else:
        raise AssertionError("no error for mismatched shapes")
    # a send/recv shape mismatch
    if r == 0:
        dist.send(torch.zeros(4), dst=1)
    elif r == 1:
        try:
            dist.recv(torch.zeros(5), src=0)
        except RuntimeError as e:
            assert "rank 0 sent float32 [4]" in str(e), str(e)
        else:
            raise AssertionError("no error for a mismatched recv")
    # and the group still works afterwards
    y = torch.ones(2)
    dist.all_reduce(y)
    close(y, np.full(2, dist.get_world_size()), "all_reduce after an error", 1e-6)


def failing_rank():
    """Rank 1 raises; the others are in a collective that would wait forever."""
    r = dist.get_rank()
    x = torch.ones(3)
    if r == 1:
        raise ValueError("boom on purpose")
    dist.all_reduce(x)  # never completes: rank 1 is gone
    dist.barrier()
    print("ok (must not be reached)", r)


def init_checks():
    r, n = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized()
    try:
        dist.init_process_group("gloo")
    except RuntimeError as e:
        assert "twice" in str(e)
    else:
        raise AssertionError("a second init_process_group did not fail")
    dist.destroy_process_group()
    assert not dist.is_initialized()
    for kwargs, text in [(dict(backend="nccl"), "not available"),
                         (dict(world_size=n + 1), f"MPI started {n}"),
                         (dict(rank=(r + 1) % n), "rank="),
                         (dict(init_method="bogus://x"), "init_method")]:
        try:
            dist.init_process_group(**kwargs)
        except ValueError as e:
            assert text in str(e), (kwargs, str(e))
        else:
            raise AssertionError(f"init_process_group({kwargs}) did not fail")
        assert not dist.is_initialized()
    os.environ["RANK"] = str((r + 1) % n)
    try:
        dist.init_process_group("mpi", init_method="env://")
    except ValueError as e:
        assert "RANK=" in str(e), str(e)
    else:
        raise AssertionError("a wrong RANK environment variable was accepted")
    os.environ["RANK"], os.environ["WORLD_SIZE"] = str(r), str(n)
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:29500", rank=r, world_size=n)
    assert dist.get_rank() == r and dist.get_world_size() == n


SCENARIOS = {f.__name__: f for f in (collectives, mismatch, failing_rank, init_checks)}

if __name__ == "__main__":
    name = sys.argv[1]
    if name not in SCENARIOS:
        # scenarios in other files (DDP) are imported by name
        import distributed_ddp_worker as extra
        fn = getattr(extra, name)
    else:
        fn = SCENARIOS[name]
    dist.init_process_group("gloo")
    fn()
    print(f"ok {dist.get_rank()}", flush=True)
    dist.destroy_process_group()
