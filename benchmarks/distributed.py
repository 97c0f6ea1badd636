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
  the ranks' shapes agree), through mpi4py's Allreduce directly, and through the
  shared-memory average DDP uses on one machine (with and without its copies in and out).
scaling (run WITHOUT mpiexec: it starts the runs itself): examples/ddp_mnist.py --timing
  for one epoch (or --max-steps steps, scaled to an epoch), every process at one BLAS
  thread, in four configurations alternated --rounds times: 1 process x batch B,
  1 process x batch 2B, mpiexec -n 2 x batch B (DDP with gradient_as_bucket_view=True,
  the example's default; --copy-grads for PyTorch's default), and two independent
  1-process runs at once on half the data each (no communication: the control). Two
  speedups, both honest ones:
    weak scaling (the usual DDP use: the same script and per-process batch B on 2
      processes, so an epoch has half the steps): epoch(1 x B) / epoch(2 x B)
    same global batch (the same steps and arithmetic): epoch(1 x 2B) / epoch(2 x B)
  and the control's epoch(1 x B) / epoch(2 independent), the most two processes can gain
  on this machine at its load. Each run prints the load average before it and, per rank,
  ms per step of data loading, compute (wall and CPU), DDP's pack / wait / reduce /
  unpack and the BLAS threads; the summary adds the same speedups from CPU time (the
  busiest rank's CPU seconds, waits excluded), which a loaded machine distorts less.

    python benchmarks/distributed.py scaling --data DIR --model mlp
    python benchmarks/distributed.py scaling --data DIR --model lenet --max-steps 100 --rounds 2
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
    from chainrule.distributed.shared_memory import SharedMemoryReducer, node_local
    local = node_local(comm)
    shm_times = {}
    if local is not None:
        red = SharedMemoryReducer(local, count * 4)
        mine = red.view(red.rank, np.float32, 0, count)
        result = red.result_view(np.float32, 0, count)
        out = np.empty_like(raw)

        def shm_allreduce():  # as DDP: publish the gradient, average, copy the result out
            np.copyto(mine, raw)
            red.average(np.float32, 0, count)
            np.copyto(out, result)
            red.barrier()  # (DDP's next step orders this through its next barrier)

        bucket = np.empty_like(raw)

        def mpi_as_ddp():  # DDP's MPI path: pack into the bucket, allreduce, copy out / N
            np.copyto(bucket, raw)
            comm.Allreduce(MPI.IN_PLACE, bucket, op=MPI.SUM)
            np.divide(bucket, n, out=out)

        shm_times = {"shared-memory average alone (two barriers and the sum; DDP on one node)":
                     timed(lambda: red.average(np.float32, 0, count)),
                     "shared-memory average with DDP's copies (pack, average, copy out)":
                     timed(shm_allreduce),
                     "MPI Allreduce with DDP's copies (pack, Allreduce, copy out / N)":
                     timed(mpi_as_ddp)}
    if r == 0:
        size = count * 4
        out = {"measure": "allreduce", "ranks": n, "bytes": size, "repeats": args.repeats}
        for name, t in (("dist.all_reduce", t_dist), ("dist.all_reduce, checks off", t_nocheck),
                        ("dist.all_reduce async_op (Iallreduce, as DDP)", t_async),
                        ("mpi4py Allreduce", t_raw), *shm_times.items()):
            out[name] = {"median_s": t, "algbw_GBps": size / t / 1e9,
                         "busbw_GBps": 2 * (n - 1) / n * size / t / 1e9}
        print(json.dumps(out))


def _run_example(cmd, env):
    """One run of examples/ddp_mnist.py --timing: its steps, seconds and rank timings."""
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    m = re.search(r"epoch 1: (\d+) steps in ([\d.]+) s", out.stdout)
    per_epoch = re.search(r"(\d+) steps per epoch", out.stdout)
    if m is None or per_epoch is None:
        raise SystemExit(f"no timing in the output of {cmd}:\n{out.stdout}{out.stderr}")
    ranks = [json.loads(line[len("timing "):]) for line in out.stdout.splitlines()
             if line.startswith("timing ")]
    return {"steps": int(m.group(1)), "steps_per_epoch": int(per_epoch.group(1)),
            "seconds": ranks[0]["wall_s"] if ranks else float(m.group(2)), "ranks": ranks}


def scaling(args):
    """Times examples/ddp_mnist.py under four configurations, alternated --rounds times:

    1proc_xB   1 process, batch B (the weak-scaling baseline: an epoch is 2x the steps)
    1proc_x2B  1 process, batch 2B (the same-global-batch baseline: the same steps)
    2procs_xB  mpiexec -n 2, batch B per process (global batch 2B), DDP
    2indep_xB  two independent 1-process runs at once, each on half the training set,
               batch B: no communication at all, so the best two processes can do on this
               machine at its current load (the control)
    """
    root = pathlib.Path(__file__).resolve().parents[1]
    example = root / "examples" / "ddp_mnist.py"
    mpiexec = pathlib.Path(sys.executable).parent / "mpiexec"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")]))
    if args.mpi_allreduce:
        env["CHAINRULE_DDP_SHARED_MEMORY"] = "0"
    tmp = pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
    common = ["--data", args.data, "--model", args.model, "--epochs", "1", "--no-eval",
              "--no-progress", "--timing"]
    if args.max_steps:
        common += ["--max-steps", str(args.max_steps)]
    if args.copy_grads:
        common += ["--no-gradient-as-bucket-view"]
    B = args.batch

    def example_cmd(batch, out, extra=()):
        return [sys.executable, str(example), *common, "--batch-size", str(batch),
                "--out", str(tmp / out), *extra]

    def one(batch):
        return _run_example(example_cmd(batch, "ddp_scaling_1"), env)

    def two():
        return _run_example([str(mpiexec), "-n", "2"] + example_cmd(B, "ddp_scaling_2"), env)

    def independent():
        half = str(60000 // 2)
        procs = [subprocess.Popen(example_cmd(B, f"ddp_scaling_i{k}", ("--train-limit", half)),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for k in range(2)]
        outs = [p.communicate(timeout=1800)[0] for p in procs]
        runs = []
        for o in outs:
            m = re.search(r"epoch 1: (\d+) steps in ([\d.]+) s", o)
            per_epoch = re.search(r"(\d+) steps per epoch", o)
            if m is None:
                raise SystemExit(f"no timing in an independent run:\n{o}")
            ranks = [json.loads(line[len("timing "):]) for line in o.splitlines()
                     if line.startswith("timing ")]
            runs.append({"steps": int(m.group(1)), "steps_per_epoch": int(per_epoch.group(1)),
                         "seconds": ranks[0]["wall_s"], "ranks": ranks})
        slow = max(runs, key=lambda r: r["seconds"] / r["steps"])
        return {**slow, "ranks": [r["ranks"][0] for r in runs]}

    configs = {f"1proc_x{B}": lambda: one(B), f"1proc_x{2 * B}": lambda: one(2 * B),
               f"2procs_x{B}": two, f"2indep_x{B}": independent}
    runs = {name: [] for name in configs}
    for _ in range(args.rounds):
        for name, fn in configs.items():
            load = os.getloadavg()[0]
            r = fn()
            # one epoch's time (from the steps run, when --max-steps cut the epoch short)
            r["epoch_s"] = r["seconds"] * r["steps_per_epoch"] / r["steps"]
            r["cpu_epoch_s"] = [round(k["cpu_s"] * r["steps_per_epoch"] / r["steps"], 3)
                                for k in r["ranks"]]
            r["load_before"] = load
            runs[name].append(r)
            brief = {k: v for k, v in r.items() if k != "ranks"}
            print(json.dumps({"config": name, **brief}), flush=True)
            keys = ("data_ms_per_step", "compute_ms_per_step", "compute_cpu_ms_per_step",
                    "pack_ms_per_step", "wait_ms_per_step", "reduce_ms_per_step",
                    "unpack_ms_per_step", "wait_cpu_ms_per_step", "blas_threads")
            for k in r["ranks"]:
                print("   rank " + json.dumps({key: k[key] for key in ("rank", *keys)
                                               if key in k}), flush=True)

    def med(name, key="epoch_s"):
        return statistics.median(r[key] for r in runs[name])

    def cpu_work(name):
        """Median over the runs of the busiest rank's CPU seconds per epoch, less the CPU
        its waits burned (MPICH spins while it waits)."""
        vals = []
        for r in runs[name]:
            scale = r["steps_per_epoch"] / r["steps"]
            vals.append(max((k["cpu_s"] - k.get("wait_cpu_ms_per_step", 0) * k["steps"] / 1000)
                            * scale for k in r["ranks"]))
        return statistics.median(vals)

    one_b, one_2b, two_b, ind = (f"1proc_x{B}", f"1proc_x{2 * B}", f"2procs_x{B}",
                                 f"2indep_x{B}")
    ddp = runs[two_b][-1]["ranks"][0]
    summary = {
        "measure": "scaling", "model": args.model, "batch_per_process": B,
        "rounds": args.rounds, "max_steps": args.max_steps,
        "comm_path": ddp.get("comm_path"), "gradient_bytes": ddp.get("gradient_bytes"),
        "gradient_as_bucket_view": not args.copy_grads,
        "load_before_runs": [round(r["load_before"], 2) for v in runs.values() for r in v],
        "epoch_s_median": {name: round(med(name), 3) for name in runs},
        # the usual DDP use: the same script and per-process batch on more processes
        "speedup_weak_scaling": med(one_b) / med(two_b),
        # the same global batch (so the same steps and arithmetic) on 1 and 2 processes
        "speedup_same_global_batch": med(one_2b) / med(two_b),
        # the machine's ceiling at this load: two processes that do not communicate
        "speedup_two_independent_processes": med(one_b) / med(ind),
        "ddp_efficiency_vs_independent": med(ind) / med(two_b),
        # CPU seconds per epoch of the busiest rank (waits excluded): wall time on two
        # free cores if the work stays as measured and the ranks do not wait for each other
        "speedup_weak_from_cpu_time": cpu_work(one_b) / cpu_work(two_b),
        "speedup_same_global_batch_from_cpu_time": cpu_work(one_2b) / cpu_work(two_b),
        # the same for the control: how much slower one process computes while another
        # runs beside it (memory, caches, the host), with no communication at all
        "speedup_two_independent_from_cpu_time": cpu_work(one_b) / cpu_work(ind),
        "ddp_efficiency_vs_independent_cpu_time": cpu_work(ind) / cpu_work(two_b),
    }
    print(json.dumps(summary))


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
    p.add_argument("--copy-grads", action="store_true",
                   help="scaling: DDP(gradient_as_bucket_view=False), PyTorch's default (the "
                        "example's default is True: .grad are views of the buckets)")
    p.add_argument("--mpi-allreduce", action="store_true",
                   help="scaling: DDP through MPI allreduce, not the shared-memory window")
    args = p.parse_args()
    if args.what == "scaling":
        return scaling(args)
    dist.init_process_group("gloo")
    (equivalence if args.what == "equivalence" else allreduce)(args)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
