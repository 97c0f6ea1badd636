"""Train a 784-512-256-10 ReLU MLP on MNIST with chainrule, the way one would with PyTorch.

    python examples/mnist_mlp.py --data ../shared/data/mnist            # SGD + momentum
    python examples/mnist_mlp.py --data DIR --optim adam --epochs 10
    python examples/mnist_mlp.py --data DIR --out runs/a --resume       # continue a run

Measured (defaults: SGD, Nesterov momentum 0.9, lr 0.1 with cosine decay, batch 128, seed 0;
one BLAS thread on a busy 2-core machine, about 17 s per epoch): test accuracy 98.15% after
4 epochs, 98.47% after 10 (172 s of training).

Checkpoints: after every epoch, ``--out/checkpoint.safetensors`` is rewritten atomically
with the model's and the optimizer's state dicts, the epoch, the RNG state and the loss
history. ``--resume`` continues from it. Resuming is exact: the shuffle order of epoch e is
drawn from a generator seeded with (seed, e), never from state that lives only in memory,
and the learning rate is a pure function of the epoch, so an interrupted run resumed from its
checkpoint produces bit for bit the same loss curve as an uninterrupted run with the same
seed (tests/test_mnist_example.py checks this).
"""
import argparse
import math
import os
import pathlib
import sys
import time

import numpy as np
from tqdm import tqdm

import chainrule
from chainrule import nn, optim
from chainrule.datasets import Standardize, load_mnist
from chainrule.utils.data import DataLoader, TensorDataset

CHECKPOINT = "checkpoint.safetensors"
# Flags that must match for a resumed run to continue the same curve.
RESUME_KEYS = ("seed", "batch_size", "optim", "lr", "momentum", "weight_decay", "epochs",
               "schedule", "train_limit")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default=os.environ.get("CHAINRULE_MNIST", "data/mnist"),
                   help="folder with the four MNIST *-ubyte.gz files")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--optim", choices=("sgd", "adam"), default="sgd",
                   help="sgd: SGD with Nesterov momentum; adam: Adam")
    p.add_argument("--lr", type=float, default=None,
                   help="peak learning rate (default: 0.1 for sgd, 1e-3 for adam)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                   help="learning rate per epoch: cosine decay from --lr, or constant")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/mnist_mlp",
                   help="folder for checkpoint.safetensors (written after every epoch)")
    p.add_argument("--resume", action="store_true",
                   help="continue from --out/checkpoint.safetensors")
    p.add_argument("--train-limit", type=int, default=None,
                   help="use only the first N training images (quick experiments)")
    p.add_argument("--stop-after", type=int, default=None,
                   help="stop after this epoch as if interrupted (to try --resume)")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS threads (default: NumPy's); 1 is often fastest on a busy "
                        "2-core machine")
    p.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = p.parse_args(argv)
    if args.lr is None:
        args.lr = 0.1 if args.optim == "sgd" else 1e-3
    if args.epochs < 1 or args.batch_size < 1:
        p.error("--epochs and --batch-size must be >= 1")
    return args


def build_model():
    """The MLP: 784 -> 512 -> 256 -> 10 with ReLU (PyTorch's default initialisation)."""
    return nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(),
        nn.Linear(512, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )


def make_optimizer(args, params):
    if args.optim == "sgd":
        return optim.SGD(params, lr=args.lr, momentum=args.momentum, nesterov=True,
                         weight_decay=args.weight_decay)
    return optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)


def lr_at(args, epoch):
    """Learning rate of epoch `epoch` (0-based): a pure function of the epoch, so a resumed
    run uses the same rates without needing scheduler state."""
    if args.schedule == "constant":
        return args.lr
    return 0.5 * args.lr * (1.0 + math.cos(math.pi * epoch / args.epochs))


def epoch_seed(seed, epoch):
    """The seed of epoch `epoch`'s shuffle: derived from (seed, epoch) alone, so the order
    of any epoch can be reproduced without replaying the epochs before it."""
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1, np.uint64)[0] >> 1)


def load_data(args):
    """MNIST as whole tensors, standardised with the TRAINING split's mean and std."""
    X_train, y_train = load_mnist(args.data, train=True)
    X_test, y_test = load_mnist(args.data, train=False)
    if args.train_limit is not None:
        X_train, y_train = X_train[:args.train_limit], y_train[:args.train_limit]
    scaler = Standardize(dim=None).fit(X_train)  # one scalar mean/std (0.1307 / 0.3081)
    return scaler.transform(X_train), y_train, scaler.transform(X_test), y_test


def train_step(model, opt, loss_fn, xb, yb):
    """One SGD step; returns (loss as a float, number of correct predictions)."""
    opt.zero_grad()
    logits = model(xb)
    loss = loss_fn(logits, yb)
    loss.backward()
    opt.step()
    correct = int((logits._data.argmax(1) == yb._data).sum())
    return float(loss.item()), correct


def evaluate(model, X, y, loss_fn, chunk=2000):
    """(mean loss, accuracy) over a whole split, without recording a graph."""
    model.eval()
    total_loss, correct = 0.0, 0
    with chainrule.no_grad():
        for i in range(0, len(y), chunk):
            logits = model(X[i:i + chunk])
            yb = y[i:i + chunk]
            total_loss += float(loss_fn(logits, yb).item()) * len(yb)
            correct += int((logits._data.argmax(1) == yb._data).sum())
    model.train()
    return total_loss / len(y), correct / len(y)


def save_checkpoint(path, args, model, opt, epoch, history):
    chainrule.save({
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": epoch,                        # epochs completed
        "rng": chainrule.get_rng_state(),      # for layers that draw randomness (dropout)
        "history": history,
        "args": {k: getattr(args, k) for k in RESUME_KEYS},
    }, path)


def load_checkpoint(path, args, model, opt):
    ckpt = chainrule.load(path)
    saved = ckpt["args"]
    diff = [f"--{k.replace('_', '-')}: checkpoint {saved.get(k)!r}, now {getattr(args, k)!r}"
            for k in RESUME_KEYS if saved.get(k) != getattr(args, k)]
    if diff:
        raise SystemExit(f"cannot resume from {path}: the run's settings differ "
                         "(pass the same flags):\n  " + "\n  ".join(diff))
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    chainrule.set_rng_state(ckpt["rng"])
    return ckpt["epoch"], ckpt["history"]


def main(argv=None):
    """Train (or resume); returns the loss/accuracy history."""
    args = parse_args(argv)
    if args.threads is not None:
        chainrule.set_num_threads(args.threads)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / CHECKPOINT

    chainrule.manual_seed(args.seed)           # the model's initial weights
    X_train, y_train, X_test, y_test = load_data(args)
    model = build_model()
    opt = make_optimizer(args, model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    history = {"batch_loss": [], "train_loss": [], "train_acc": [], "test_loss": [],
               "test_acc": [], "epoch_time": []}
    start = 0
    if args.resume:
        if not ckpt_path.exists():
            raise SystemExit(f"--resume: no checkpoint at {ckpt_path}")
        start, history = load_checkpoint(ckpt_path, args, model, opt)
        print(f"resumed from {ckpt_path} after epoch {start}", file=sys.stderr)

    shuffle_gen = chainrule.Generator()
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=args.batch_size,
                        shuffle=True, generator=shuffle_gen)
    for epoch in range(start, args.epochs):
        for group in opt.param_groups:
            group["lr"] = lr_at(args, epoch)
        shuffle_gen.manual_seed(epoch_seed(args.seed, epoch))
        t0 = time.perf_counter()
        seen = correct = 0
        loss_sum = 0.0
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch",
                   disable=args.no_progress, leave=False, file=sys.stderr)
        model.train()
        for xb, yb in bar:
            loss, c = train_step(model, opt, loss_fn, xb, yb)
            history["batch_loss"].append(loss)
            loss_sum += loss * len(yb)
            correct += c
            seen += len(yb)
            bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}")
        bar.close()
        test_loss, test_acc = evaluate(model, X_test, y_test, loss_fn)
        history["train_loss"].append(loss_sum / seen)
        history["train_acc"].append(correct / seen)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        history["epoch_time"].append(time.perf_counter() - t0)
        save_checkpoint(ckpt_path, args, model, opt, epoch + 1, history)
        print(f"epoch {epoch + 1:2d}/{args.epochs}  lr {lr_at(args, epoch):.4g}  "
              f"train loss {loss_sum / seen:.4f} acc {correct / seen:.4f}  "
              f"test loss {test_loss:.4f} acc {test_acc:.4f}  "
              f"({history['epoch_time'][-1]:.1f} s)", flush=True)
        if args.stop_after is not None and epoch + 1 >= args.stop_after:
            print(f"stopping after epoch {epoch + 1} (--stop-after); continue with --resume",
                  flush=True)
            return history
    if history["test_acc"]:
        print(f"final test accuracy {100 * history['test_acc'][-1]:.2f}% after "
              f"{len(history['test_acc'])} epochs, {sum(history['epoch_time']):.0f} s of "
              f"training", flush=True)
    return history


if __name__ == "__main__":
    main()
