"""Measurements for chainrule.distributed (run under mpiexec; rank 0 prints the results).

    mpiexec -n 2 python benchmarks/distributed.py equivalence --data ../shared/data/mnist
    mpiexec -n 2 python benchmarks/distributed.py allreduce

equivalence: the MNIST MLP (784-512-256-10) trained for --steps SGD steps (momentum 0.9)
  on N ranks with --batch samples each (rank r takes the r-th slice of every global batch)
  through DistributedDataParallel, against one plain model trained on rank 0 with the
  whole global batch of N x --batch on the same samples; prints the largest relative
  weight difference max|w_ddp - w_one| / max|w_one| over the parameters (float32 unless
  --dtype float64). Also against a control trained in one process on the same slices,
  their gradients averaged (the same arithmetic as DDP): any difference from the batch run
  that the control shares is float32 summation order, amplified by training.
allreduce: time of an all_reduce(SUM) of a --mb MB float32 gradient (median of --repeats),
  as algorithm bandwidth (size / time) and bus bandwidth (2 (N-1)/N x size / time, the
  bytes each rank moves in a ring allreduce), through dist.all_reduce (which first checks
  the ranks' shapes agree) and through mpi4py's Allreduce directly.
scaling (run WITHOUT mpiexec: it starts the runs itself): examples/ddp_mnist.py for one
  epoch (or --max-steps steps) with 1 process x batch 2B and with mpiexec -n 2 x batch B
  (the same global batch, so the same number of steps and the same arithmetic), every
  process at one BLAS thread, alternating the two --rounds times; prints each run's
  training time, the load average before it, and the median speedup.

    python benchmarks/distributed.py scaling --data DIR --model mlp
    python benchmarks/distributed.py scaling --data DIR --model lenet --max-steps 100
"""
import os
import pathlib
import re
import subprocess
import sys
import argparse
import json
import statistics
import time

import numpy as np

import chainrule as torch
import chainrule.distributed as dist
from chainrule import nn
from chainrule.datasets import Standardize, load_mnist
from chainrule.nn.parallel import DistributedDataParallel as DDP


def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                         nn.Linear(256, 10))


def equivalence(args):
    r, n = dist.get_rank(), dist.get_world_size()
    X, y = load_mnist(args.data, train=True)
    X = Standardize(dim=None).fit(X).transform(X)
    if args.dtype == "float64":
        torch.set_default_dtype(torch.float64)
        X = X.double()
    order = torch.tensor(np.random.default_rng(args.seed).permutation(len(y)))
    torch.manual_seed(args.seed)
    ddp = DDP(mlp())
    torch.manual_seed(args.seed)
    one = mlp() if r == 0 else None
    torch.manual_seed(args.seed)
    halves = mlp() if r == 0 else None  # control: the N slices' gradients averaged in one process
    opts = [torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=0.9)]
    if one is not None:
        opts.append(torch.optim.SGD(one.parameters(), lr=args.lr, momentum=0.9))
        opts.append(torch.optim.SGD(halves.parameters(), lr=args.lr, momentum=0.9))
    loss_fn = nn.CrossEntropyLoss()
    g = args.batch * n
    for step in range(args.steps):
        idx = order[step * g:(step + 1) * g]
        xb, yb = X[idx], y[idx]
        opts[0].zero_grad()
        loss_fn(ddp(xb[r * args.batch:(r + 1) * args.batch]),
                yb[r * args.batch:(r + 1) * args.batch]).backward()
        opts[0].step()
        if one is not None:
            opts[1].zero_grad()
            loss_fn(one(xb), yb).backward()
            opts[1].step()
            opts[2].zero_grad()
            for k in range(n):  # sum of slice gradients / n (x 1/n is exact in binary)
                sl = slice(k * args.batch, (k + 1) * args.batch)
                (loss_fn(halves(xb[sl]), yb[sl]) / n).backward()
            opts[2].step()
    if r == 0:
        rel = {name: float(np.abs(p.detach().numpy() - q.detach().numpy()).max()
                           / np.abs(q.detach().numpy()).max())
               for (name, p), q in zip(ddp.module.named_parameters(), one.parameters())}
        ctl = max(float(np.abs(p.detach().numpy() - q.detach().numpy()).max()
                        / np.abs(q.detach().numpy()).max())
                  for p, q in zip(ddp.module.parameters(), halves.parameters()))
        print(json.dumps({"measure": "equivalence", "ranks": n, "batch_per_rank": args.batch,
                          "steps": args.steps, "lr": args.lr, "dtype": args.dtype,
                          "max_relative_weight_difference": max(rel.values()),
                          "vs_one_process_averaging_slice_gradients": ctl,
                          "per_parameter": rel}))


def allreduce(args):
    from mpi4py import MPI
    r, n = dist.get_rank(), dist.get_world_size()
    count = int(args.mb * 1e6) // 4
    grad = torch.tensor(np.random.default_rng(r).standard_normal(count).astype(np.float32))
    raw = grad.numpy().copy()
    comm = MPI.COMM_WORLD

    def timed(fn):
        for _ in range(3):
            fn()
        times = []
        for _ in range(args.repeats):
            comm.Barrier()
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    t_dist = timed(lambda: dist.all_reduce(grad))
    os.environ["CHAINRULE_DISTRIBUTED_CHECKS"] = "0"
    t_nocheck = timed(lambda: dist.all_reduce(grad))
    del os.environ["CHAINRULE_DISTRIBUTED_CHECKS"]
    t_raw = timed(lambda: comm.Allreduce(MPI.IN_PLACE, raw, op=MPI.SUM))
    t_async = timed(lambda: dist.all_reduce(grad, async_op=True).wait())
    if r == 0:
        size = count * 4
        out = {"measure": "allreduce", "ranks": n, "bytes": size, "repeats": args.repeats}
        for name, t in (("dist.all_reduce", t_dist), ("dist.all_reduce, checks off", t_nocheck),
                        ("dist.all_reduce async_op (Iallreduce, as DDP)", t_async),
                        ("mpi4py Allreduce", t_raw)):
            out[name] = {"median_s": t, "algbw_GBps": size / t / 1e9,
                         "busbw_GBps": 2 * (n - 1) / n * size / t / 1e9}
        print(json.dumps(out))


def scaling(args):
    root = pathlib.Path(__file__).resolve().parents[1]
    example = root / "examples" / "ddp_mnist.py"
    mpiexec = pathlib.Path(sys.executable).parent / "mpiexec"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]))
    common = ["--data", args.data, "--model", args.model, "--epochs", "1", "--no-eval",
              "--no-progress", "--out", str(pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
                                              / "ddp_scaling")]
    if args.max_steps:
        common += ["--max-steps", str(args.max_steps)]
    runs = {1: [], 2: []}
    for _ in range(args.rounds):
        for procs in (1, 2):
            cmd = [sys.executable, str(example), *common,
                   "--batch-size", str(args.batch * 2 // procs)]
            if procs > 1:
                cmd = [str(mpiexec), "-n", str(procs)] + cmd
            load = os.getloadavg()[0]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
            m = re.search(r"epoch 1: (\d+) steps in ([\d.]+) s", out.stdout)
            if m is None:
                raise SystemExit(f"no timing in the output of {cmd}:\n{out.stdout}{out.stderr}")
            runs[procs].append({"steps": int(m.group(1)), "seconds": float(m.group(2)),
                                "load_before": load})
            print(json.dumps({"procs": procs, **runs[procs][-1]}), flush=True)
    t1 = statistics.median(r["seconds"] for r in runs[1])
    t2 = statistics.median(r["seconds"] for r in runs[2])
    print(json.dumps({"measure": "scaling", "model": args.model, "global_batch": 2 * args.batch,
                      "steps": runs[1][0]["steps"], "median_s_1proc": t1,
                      "median_s_2procs": t2, "speedup": t1 / t2,
                      "best_speedup": min(r["seconds"] for r in runs[1])
                      / min(r["seconds"] for r in runs[2])}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("equivalence", "allreduce", "scaling"))
    p.add_argument("--data", default="data/mnist")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--batch", type=int, default=64, help="samples per rank per step")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--mb", type=float, default=10.0, help="allreduce size in MB")
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--model", choices=("mlp", "lenet"), default="mlp")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    if args.what == "scaling":
        return scaling(args)
    dist.init_process_group("gloo")
    (equivalence if args.what == "equivalence" else allreduce)(args)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
