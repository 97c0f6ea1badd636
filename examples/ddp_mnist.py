"""Data-parallel MNIST training with DistributedDataParallel, the way one would with PyTorch.

One process:                 python examples/ddp_mnist.py --data ../shared/data/mnist
Two processes (mpirun):      mpirun -n 2 python examples/ddp_mnist.py --data DIR
Without knowing MPI:         python -m chainrule.distributed.run --nproc-per-node 2 \\
                                 examples/ddp_mnist.py --data DIR
LeNet-5 instead of the MLP:  add --model lenet (--sync-bn with --batchnorm for SyncBatchNorm)

Each process trains a replica on its DistributedSampler share of every epoch with
--batch-size samples per step (the global batch is world_size x batch-size); DDP averages
the gradients, so every replica takes the same step. Only rank 0 logs, shows the progress
bar and writes the checkpoint (atomically: a temporary file renamed over the old one);
the test accuracy is computed on every rank's share of the test set and summed with
all_reduce. `--max-steps N` stops each epoch after N steps (for timing on a busy machine);
`--timing` prints, per rank and epoch, one JSON line of where the time went (data loading,
compute, DDP's gradient packing / waiting / reduction / unpacking, wall and CPU time, BLAS
threads, load average): benchmarks/distributed.py scaling reads it.
"""
import argparse
import json
import os
import pathlib
import sys
import time

from tqdm import tqdm

import chainrule as torch
import chainrule.distributed as dist
from chainrule import nn
from chainrule.datasets import Standardize, load_mnist
from chainrule.models import LeNet5
from chainrule.nn.parallel import DistributedDataParallel as DDP
from chainrule.utils.data import DataLoader, TensorDataset
from chainrule.utils.data.distributed import DistributedSampler


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=os.environ.get("CHAINRULE_MNIST", "data/mnist"),
                   help="folder with the four MNIST *-ubyte.gz files")
    p.add_argument("--model", choices=("mlp", "lenet"), default="mlp",
                   help="mlp: 784-512-256-10 ReLU; lenet: LeNet-5 (tanh, average pooling)")
    p.add_argument("--batchnorm", action="store_true", help="LeNet-5 with BatchNorm layers")
    p.add_argument("--sync-bn", action="store_true",
                   help="convert BatchNorm layers to SyncBatchNorm (statistics over all ranks)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64, help="samples per step per process")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-steps", type=int, default=None,
                   help="stop each epoch after this many steps (timing runs)")
    p.add_argument("--train-limit", type=int, default=None, help="use the first N images")
    p.add_argument("--out", default="runs/ddp_mnist",
                   help="folder for rank 0's checkpoint.safetensors (after every epoch)")
    p.add_argument("--no-eval", action="store_true", help="skip the test-set evaluation")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--gradient-as-bucket-view", action=argparse.BooleanOptionalAction,
                   default=True,
                   help="DDP(gradient_as_bucket_view=...): .grad are views of DDP's buckets, "
                        "so the averaged gradients are not copied out of them")
    p.add_argument("--timing", action="store_true",
                   help="print each rank's time breakdown per epoch (JSON, rank 0 prints)")
    return p.parse_args(argv)


def build_model(args):
    if args.model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(),
                             nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    return LeNet5(batchnorm=args.batchnorm)


def load_data(args):
    flat = args.model == "mlp"
    X_train, y_train = load_mnist(args.data, train=True, flatten=flat)
    X_test, y_test = load_mnist(args.data, train=False, flatten=flat)
    if args.train_limit is not None:
        X_train, y_train = X_train[:args.train_limit], y_train[:args.train_limit]
    scaler = Standardize(dim=None).fit(X_train)
    return TensorDataset(scaler.transform(X_train), y_train), \
        TensorDataset(scaler.transform(X_test), y_test)


def evaluate(model, test_set, rank, world):
    """Accuracy over the whole test set: each rank takes its share, the counts are summed."""
    idx = torch.arange(rank, len(test_set), world)  # a partition: no sample counted twice
    x, y = test_set.tensors[0][idx], test_set.tensors[1][idx]
    model.eval()
    with torch.no_grad():
        correct = torch.tensor([float((model(x).argmax(1) == y).sum().item()), float(len(y))],
                               dtype=torch.float64)
    model.train()
    if world > 1:
        dist.all_reduce(correct)
    return correct[0].item() / correct[1].item()


class Timing:
    """Where one rank's epoch went: time waiting for the data loader, DDP's phases (from
    its _get_ddp_logging_data), the rest (forward, backward, optimizer: compute), in wall
    and process CPU time, with the BLAS thread count and the load average."""

    def __init__(self, model, enabled):
        self.enabled, self.model = enabled, model if isinstance(model, DDP) else None
        self.data_s = 0.0
        self.start = self._ddp()
        self.cpu0 = time.process_time()
        self.load0 = os.getloadavg()[0]

    def _ddp(self):
        return dict(self.model._get_ddp_logging_data()) if self.model is not None else {}

    def timed(self, loader):
        if not self.enabled:
            yield from loader
            return
        it = iter(loader)
        while True:
            t = time.perf_counter()
            try:
                batch = next(it)
            except StopIteration:
                return
            self.data_s += time.perf_counter() - t
            yield batch

    def report(self, steps, seconds):
        cpu = time.process_time() - self.cpu0
        now = self._ddp()
        ddp = {k: now[k] - self.start[k] for k in now if k.endswith("_s")}
        comm = sum(v for k, v in ddp.items() if not k.endswith("_cpu_s"))
        comm_cpu = sum(v for k, v in ddp.items() if k.endswith("_cpu_s"))
        try:
            from threadpoolctl import threadpool_info
            blas = sorted({i["num_threads"] for i in threadpool_info()
                           if i["user_api"] == "blas"})
        except ImportError:
            blas = None
        per = 1000 / max(steps, 1)
        out = {"steps": steps, "wall_s": round(seconds, 4), "cpu_s": round(cpu, 4),
               "data_ms_per_step": round(self.data_s * per, 4),
               "compute_ms_per_step": round((seconds - self.data_s - comm) * per, 4),
               "compute_cpu_ms_per_step": round((cpu - comm_cpu) * per, 4),
               "comm_path": now.get("comm_path", "none"),
               "gradient_bytes": sum(now.get("bucket_sizes_bytes", [])),
               **{k.replace("_s", "_ms_per_step"): round(v * per, 4) for k, v in ddp.items()},
               "blas_threads": blas, "loadavg_before": self.load0,
               "loadavg_after": os.getloadavg()[0]}
        return out


def main(argv=None):
    args = parse_args(argv)
    distributed = dist.is_available()
    if distributed:
        dist.init_process_group("gloo")  # rank and world size from mpirun (1 without it)
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    log = print if rank == 0 else (lambda *a, **k: None)

    torch.manual_seed(args.seed)  # the same initial weights everywhere (DDP broadcasts anyway)
    train_set, test_set = load_data(args)
    model = build_model(args)
    if args.sync_bn:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    if world > 1:
        model = DDP(model, gradient_as_bucket_view=args.gradient_as_bucket_view)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    sampler = DistributedSampler(train_set, world, rank, shuffle=True, seed=args.seed)
    loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler, drop_last=True)
    plain = model.module if isinstance(model, DDP) else model
    out = pathlib.Path(args.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    log(f"{world} process(es), {args.model}, {args.batch_size} per process "
        f"(global batch {args.batch_size * world}), {len(loader)} steps per epoch")

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        probe = Timing(model, args.timing)
        t0 = time.perf_counter()
        steps, loss_sum = 0, 0.0
        bar = tqdm(probe.timed(loader), desc=f"epoch {epoch + 1}/{args.epochs}", unit="step",
                   total=len(loader), disable=args.no_progress or rank != 0, leave=False,
                   file=sys.stderr)
        for xb, yb in bar:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
            loss_sum += loss.item()
            if steps % 20 == 0:
                bar.set_postfix(loss=f"{loss_sum / steps:.4f}")
            if args.max_steps is not None and steps >= args.max_steps:
                break
        bar.close()
        if world > 1:
            dist.barrier()  # the epoch ends when the slowest rank is done
        seconds = time.perf_counter() - t0
        if args.timing:
            report = probe.report(steps, seconds)
            everyone = [None] * world
            if world > 1:
                dist.all_gather_object(everyone, report)
            else:
                everyone = [report]
            for r, rep in enumerate(everyone):
                log("timing " + json.dumps({"epoch": epoch + 1, "rank": r, **rep}), flush=True)
        loss_t = torch.tensor([loss_sum / max(steps, 1)], dtype=torch.float64)
        if world > 1:
            dist.all_reduce(loss_t, op=dist.ReduceOp.AVG)
        acc = None if args.no_eval else evaluate(plain, test_set, rank, world)
        log(f"epoch {epoch + 1}: {steps} steps in {seconds:.2f} s "
            f"({1000 * seconds / max(steps, 1):.1f} ms/step), train loss {loss_t.item():.4f}"
            + ("" if acc is None else f", test accuracy {100 * acc:.2f}%"), flush=True)
        if rank == 0:  # chainrule.save writes a temporary file and renames it: atomic
            torch.save({"model": plain.state_dict(), "optimizer": opt.state_dict(),
                        "epoch": epoch + 1}, out / "checkpoint.safetensors")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
