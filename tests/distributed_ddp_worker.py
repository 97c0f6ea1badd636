"""DDP, SyncBatchNorm and DistributedSampler scenarios for tests/test_distributed.py, run by
tests/distributed_worker.py under mpiexec. Each raises on a mismatch."""
import numpy as np

import chainrule as torch
import chainrule.distributed as dist
from chainrule import nn
from chainrule.nn.parallel import DistributedDataParallel as DDP


def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(),
                         nn.Linear(32, 10))


def batches(steps, batch, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        yield (torch.tensor(rng.standard_normal((batch, 20)).astype(np.float32)),
               torch.tensor(rng.integers(0, 10, batch)))


def max_rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def ddp_equivalence():
    """n ranks x batch 16 with DDP == one model on the whole batch of 16n, step by step."""
    r, n = dist.get_rank(), dist.get_world_size()
    model = DDP(mlp(seed=1 + r), bucket_cap_mb=0.002)  # tiny buckets: several allreduces
    assert len(model._buckets) > 1
    ref = mlp(seed=1)  # rank 0's initial weights, which DDP broadcast
    for p, q in zip(model.module.parameters(), ref.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), "broadcast at init"
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    per = 16
    for x, y in batches(30, per * n):
        opt.zero_grad()
        loss_fn(model(x[r * per:(r + 1) * per]), y[r * per:(r + 1) * per]).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_fn(ref(x), y).backward()
        ref_opt.step()
    worst = max(max_rel(p.detach().numpy(), q.detach().numpy())
                for p, q in zip(model.module.parameters(), ref.parameters()))
    print(f"rank {r} max relative weight difference {worst:.2e}")
    assert worst < 1e-5, worst
    # every rank ends with the same weights, bit for bit
    flat = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    everyone = [None] * n
    dist.all_gather_object(everyone, flat)
    assert all(np.array_equal(f, flat) for f in everyone)


def ddp_no_sync_and_state():
    r, n = dist.get_rank(), dist.get_world_size()
    model = DDP(mlp(seed=5 + r))
    ref = mlp(seed=5)
    rng = np.random.default_rng(3)
    xs = [torch.tensor(rng.standard_normal((n, 4, 20)).astype(np.float32)) for _ in range(3)]
    with model.no_sync():
        model(xs[0][r]).square().sum().backward()
        model(xs[1][r]).square().sum().backward()
        local = [p.grad.numpy().copy() for p in model.parameters()]
    model(xs[2][r]).square().sum().backward()
    # reference: the sum over the three micro-batches of every rank's gradient, / n
    for x in xs:
        for k in range(n):
            (ref(x[k]).square().sum() / n).backward()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert max_rel(p.grad.numpy(), q.grad.numpy()) < 1e-5
    # inside no_sync the gradients stayed local (they differ between ranks)
    everyone = [None] * n
    dist.all_gather_object(everyone, local[0])
    assert not np.allclose(everyone[0], everyone[-1])
    # state_dict: PyTorch's "module." keys; load_state_dict takes both forms
    sd = model.state_dict()
    assert all(k.startswith("module.") for k in sd), list(sd)
    plain = model.module.state_dict()
    model.load_state_dict(plain)
    model.load_state_dict(sd)


def ddp_unused():
    r, n = dist.get_rank(), dist.get_world_size()

    class Branchy(nn.Module):
        def __init__(self, use_b):
            super().__init__()
            self.use_b = use_b
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)      # used on rank 0 only
            self.never = nn.Linear(4, 4)  # used nowhere

        def forward(self, x):
            h = self.a(x)
            return self.b(h) if self.use_b else h

    torch.manual_seed(0)
    model = DDP(Branchy(r == 0), find_unused_parameters=True)
    x = torch.ones(2, 4) * (r + 1)
    for _ in range(2):  # twice: the next forward must not complain
        model.zero_grad()
        model(x).sum().backward()
    assert model.module.never.weight.grad is None
    g_b = model.module.b.weight.grad.numpy()
    everyone = [None] * n
    dist.all_gather_object(everyone, g_b)
    assert all(np.array_equal(e, g_b) for e in everyone)
    ref = Branchy(True)
    ref.load_state_dict(model.module.state_dict())
    ref(torch.ones(2, 4)).sum().backward()  # rank 0's input, which is the only user of b
    assert max_rel(g_b, ref.b.weight.grad.numpy() / n) < 1e-6
    # without find_unused_parameters the next forward names the parameters that got no grad
    torch.manual_seed(0)
    strict = DDP(Branchy(r == 0))
    strict(x).sum().backward()
    try:
        strict(x)
    except RuntimeError as e:
        assert "Expected to have finished reduction in the prior iteration" in str(e), str(e)
        assert "never.weight" in str(e), str(e)
    else:
        raise AssertionError("an unused parameter went unnoticed")


def sync_batchnorm():
    r, n = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(7)
    full = rng.standard_normal((4 * n, 3, 5, 5)) * 2 + 1
    weights = rng.standard_normal(full.shape)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))
    net = net.double()
    ref = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)).double()
    ref.load_state_dict(net.state_dict())
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(sync[1], nn.SyncBatchNorm)
    assert sync[1].weight is net[1].weight
    x = torch.tensor(full[4 * r:4 * (r + 1)], requires_grad=True)
    y = sync(x)
    (y * torch.tensor(weights[4 * r:4 * (r + 1)])).sum().backward()
    xf = torch.tensor(full, requires_grad=True)
    yf = ref(xf)
    (yf * torch.tensor(weights)).sum().backward()
    assert max_rel(y.detach().numpy(), yf.detach().numpy()[4 * r:4 * (r + 1)]) < 1e-10
    assert max_rel(x.grad.numpy(), xf.grad.numpy()[4 * r:4 * (r + 1)]) < 1e-10
    for name in ("running_mean", "running_var"):
        assert max_rel(getattr(sync[1], name).numpy(), getattr(ref[1], name).numpy()) < 1e-10
    # parameter gradients: each rank holds its share; summed over ranks, the full batch's
    for (name, p), q in zip(sync.named_parameters(), ref.parameters()):
        g = p.grad.clone()
        dist.all_reduce(g)
        assert np.allclose(g.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12), (name, g, q.grad)
    # gradcheck in float64. The backward gives each rank d(sum over ranks of the loss)/d(its
    # input); gradcheck perturbs every rank's input in lockstep. With the same input on
    # every rank the two agree (by symmetry between the ranks), so the formula is checked.
    from chainrule.autograd import gradcheck
    from chainrule.distributed.nn.functional import all_reduce
    a = torch.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda t: all_reduce(t * t).sin(), (a,))
    bn = nn.SyncBatchNorm(3).double()
    xs = torch.tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    assert gradcheck(lambda t: bn(t), (xs,))
    sync.eval()
    ref.eval()
    assert max_rel(sync(x).detach().numpy(), ref(x).detach().numpy()) < 1e-12


def sampler():
    from chainrule.utils.data import DataLoader, TensorDataset
    from chainrule.utils.data.distributed import DistributedSampler
    r, n = dist.get_rank(), dist.get_world_size()
    ds = TensorDataset(torch.arange(23))
    s = DistributedSampler(ds, shuffle=True, seed=4)
    assert (s.num_replicas, s.rank) == (n, r)
    seen = []
    for epoch in range(2):
        s.set_epoch(epoch)
        mine = [int(v) for (b,) in DataLoader(ds, batch_size=5, sampler=s) for v in b.tolist()]
        everyone = [None] * n
        dist.all_gather_object(everyone, mine)
        union = sorted(i for e in everyone for i in e)
        assert set(union) == set(range(23)) and len(union) == s.total_size, union
        seen.append(mine)
    assert seen[0] != seen[1]


def ddp_overlap():
    """The last layers' bucket is sent while backward still works on the first layer."""
    from chainrule.autograd import Function
    events = []

    class Mark(Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            events.append("backward of the first layer")
            return g

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(200, 600)
            self.last = nn.Linear(600, 600)  # 1.4 MB: a bucket of its own

        def forward(self, x):
            return self.last(Mark.apply(self.first(x)))

    model = DDP(Net())
    assert len(model._buckets) == 2, [len(b.params) for b in model._buckets]
    launch = model._launch

    def logged(bucket):
        events.append(f"allreduce of bucket {bucket.index} started")
        launch(bucket)

    model.__dict__["_launch"] = logged
    model(torch.ones(3, 200)).sum().backward()
    assert events == ["allreduce of bucket 0 started", "backward of the first layer",
                      "allreduce of bucket 1 started"], events


def _train(model, per, n, r, steps=20, set_to_none=True, seed=0):
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    for x, y in batches(steps, per * n, seed):
        opt.zero_grad(set_to_none=set_to_none)
        loss_fn(model(x[r * per:(r + 1) * per]), y[r * per:(r + 1) * per]).backward()
        opt.step()
    return [p.detach().numpy().copy() for p in model.parameters()]


def ddp_comm_paths():
    """Shared memory and MPI allreduce, .grad copied out or a bucket view, set_to_none or
    zeroed in place: each is the one-process run on the whole batch, and on every rank the
    same weights bit for bit."""
    import os
    r, n = dist.get_rank(), dist.get_world_size()
    per = 8
    ref = _train(mlp(seed=1), per * n, 1, 0)
    for shared in ("1", "0"):
        os.environ["CHAINRULE_DDP_SHARED_MEMORY"] = shared
        for as_view in (False, True):
            for set_to_none in (True, False):
                model = DDP(mlp(seed=1 + r), bucket_cap_mb=0.004,
                            gradient_as_bucket_view=as_view)
                info = model._get_ddp_logging_data()
                assert info["comm_path"] == ("shared memory" if shared == "1"
                                             else "MPI allreduce"), info
                assert len(info["bucket_sizes_bytes"]) > 1, info
                got = _train(model, per, n, r, set_to_none=set_to_none)
                what = (shared, as_view, set_to_none)
                worst = max(max_rel(a, b) for a, b in zip(got, ref))
                assert worst < 1e-5, (what, worst)
                flat = np.concatenate([a.ravel() for a in got])
                everyone = [None] * n
                dist.all_gather_object(everyone, flat)
                assert all(np.array_equal(f, flat) for f in everyone), what
                grads = [p.grad.numpy() for p in model.parameters()]
                views = [v for b in model._buckets for v in b.views]
                shares = [any(np.shares_memory(g, v) for v in views) for g in grads]
                assert all(shares) if as_view else not any(shares), (what, shares)
                info = model._get_ddp_logging_data()
                assert info["iterations"] == 20, info
                assert all(info[k] >= 0 for k in ("pack_s", "wait_s", "reduce_s",
                                                  "unpack_s")), info
    del os.environ["CHAINRULE_DDP_SHARED_MEMORY"]
    # no_sync with gradients that are bucket views: accumulation, then one average
    model = DDP(mlp(seed=5 + r), gradient_as_bucket_view=True)
    one = mlp(seed=5)
    rng = np.random.default_rng(3)
    xs = [torch.tensor(rng.standard_normal((n, 4, 20)).astype(np.float32)) for _ in range(3)]
    for step in range(2):
        model.zero_grad(set_to_none=False) if step else None
        one.zero_grad()
        with model.no_sync():
            model(xs[0][r]).square().sum().backward()
            model(xs[1][r]).square().sum().backward()
        model(xs[2][r]).square().sum().backward()
        for x in xs:
            for k in range(n):
                (one(x[k]).square().sum() / n).backward()
        for p, q in zip(model.parameters(), one.parameters()):
            assert max_rel(p.grad.numpy(), q.grad.numpy()) < 1e-5, step


def shared_memory_reducer():
    """SharedMemoryReducer.average against NumPy: odd sizes (chunks not a multiple of a
    cache line), float64 and float32, the result area and the slots."""
    from mpi4py import MPI
    from chainrule.distributed.shared_memory import SharedMemoryReducer, node_local
    r, n = dist.get_rank(), dist.get_world_size()
    local = node_local(MPI.COMM_WORLD)
    assert local is not None and local.Get_size() == n
    red = SharedMemoryReducer(local, 8 * 1000 + 64)
    import time
    for i, (dtype, count, offset) in enumerate(((np.float64, 1000, 0), (np.float32, 37, 64),
                                                (np.float32, 1, 0))):
        vals = [np.random.default_rng(k).standard_normal(count).astype(dtype) for k in range(n)]
        if r == i % n:
            time.sleep(0.05)  # the others wait past the barrier's spinning, asleep
        expect = vals[0].copy()
        for v in vals[1:]:
            expect = expect + v
        expect = expect / dtype(n)
        red.view(r, dtype, offset, count)[:] = vals[r]
        red.average(dtype, offset, count)
        assert np.array_equal(red.result_view(dtype, offset, count), expect), (dtype, count)
        assert np.array_equal(red.view(r, dtype, offset, count), vals[r]), (dtype, count)
        red.barrier()  # everyone has read the result before the next round writes it
        red.view(r, dtype, offset, count)[:] = vals[r]
        red.average(dtype, offset, count, to_slots=True)
        assert np.array_equal(red.view(r, dtype, offset, count), expect), (dtype, count)
    red.free()
    local.Free()
