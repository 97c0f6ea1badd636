"""`chainrule train mnist|digits` and `chainrule eval CHECKPOINT`.

train: a linear (Linear + Softmax) or MLP classifier, minibatch SGD with momentum, a progress
bar per epoch (on a terminal only); after every epoch it writes
``<out>/<dataset>-<model>.safetensors`` (state_dict, optimizer state, config, learning
curve, epoch and the shuffling RNG: via chainrule.save, no pickle), and at the end
``<out>/<dataset>-<model>-curve.png``. A non-finite loss stops the run with a clear error
and keeps the last good checkpoint; Ctrl-C saves what was trained; ``--resume`` continues
from the checkpoint. eval: rebuilds the model from the checkpoint's config and prints its
accuracy on the test split (an MNIST model remembers its data folder).
"""
import os


FORMAT = "chainrule-train/1"
DEFAULT_EPOCHS = {"mnist": 5, "digits": 30}


def _user_error(msg):
    from ..cli import UserError
    return UserError(msg)


def mnist_dir(arg):
    """The MNIST folder: --data, else $CHAINRULE_MNIST, else ./data/mnist.

    >>> import os
    >>> from chainrule.demos.train import mnist_dir
    >>> mnist_dir("/data/mnist")
    '/data/mnist'
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"CHAINRULE_MNIST": "/srv/mnist"}):
    ...     mnist_dir(None)
    '/srv/mnist'
    """
    return arg or os.environ.get("CHAINRULE_MNIST") or os.path.join("data", "mnist")


def load_data(dataset, data=None, seed=0):
    """(X_train, y_train, X_test, y_test, data_dir) as tensors; pixels scaled to 0..1.

    >>> from chainrule.demos.train import load_data
    >>> Xtr, ytr, Xte, yte, root = load_data("digits")
    >>> Xtr.shape, Xte.shape, root
    (chainrule.Size([1347, 64]), chainrule.Size([450, 64]), None)
    >>> float(Xtr.max())
    1.0
    """
    from ..datasets import load_digits, load_mnist, train_test_split
    if dataset == "digits":
        X, y = load_digits(scale=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=seed, stratify=y)
        return Xtr, ytr, Xte, yte, None
    if dataset == "mnist":
        root = mnist_dir(data)
        if not os.path.isdir(root):
            raise _user_error(f"MNIST folder not found: {root} (pass --data DIR with the four "
                              f"IDX .gz files, or set CHAINRULE_MNIST)")
        try:
            Xtr, ytr = load_mnist(root, train=True)
            Xte, yte = load_mnist(root, train=False)
        except FileNotFoundError as e:
            missing = [ln.strip() for ln in str(e).splitlines()[1:] if ln.startswith("  ")]
            raise _user_error(f"MNIST files missing in {root}: "
                              f"{', '.join(os.path.basename(m) for m in missing) or e}"
                              " (pass --data DIR)") from None
        return Xtr, ytr, Xte, yte, os.path.abspath(root)
    raise _user_error(f"unknown dataset {dataset!r} (choose mnist or digits)")


def build_model(config):
    """The model a config describes: {"model": "linear"|"mlp", "in": n, "hidden": h, "out": k}.

    >>> from chainrule.demos.train import build_model
    >>> build_model({"model": "mlp", "in": 64, "hidden": 32, "out": 10})
    MLP(
      (0): Linear(in_features=64, out_features=32, bias=True)
      (1): ReLU()
      (2): Linear(in_features=32, out_features=10, bias=True)
    )
    """
    from ..models import MLP, SoftmaxRegression
    if config["model"] == "linear":
        return SoftmaxRegression(config["in"], config["out"])
    if config["model"] == "mlp":
        return MLP([config["in"], config["hidden"], config["out"]], activation="relu")
    raise _user_error(f"unknown model {config['model']!r} in checkpoint")


def evaluate(model, X, y, batch=2000):
    """Accuracy of `model` on (X, y), in batches, without a graph.

    >>> from chainrule.demos.train import build_model, evaluate, load_data
    >>> _, _, Xte, yte, _ = load_data("digits")
    >>> model = build_model({"model": "linear", "in": 64, "out": 10})
    >>> acc, correct = evaluate(model, Xte, yte)       # untrained: about chance (1/10)
    >>> 0.0 <= acc < 0.3, correct == round(acc * len(yte))
    (True, True)
    """
    import chainrule
    model.eval()
    correct = 0
    with chainrule.no_grad():
        for i in range(0, X.shape[0], batch):
            out = model(X[i:i + batch])
            correct += int((out.argmax(-1) == y[i:i + batch]).sum().item())
    return correct / X.shape[0], correct


def prepare_out(out, flag="--out"):
    """Check (and create) the output folder before any work: a file in its place, or a
    folder we cannot write to, is one clear error now rather than after training.

    >>> import os, tempfile
    >>> from chainrule.demos.train import prepare_out
    >>> out = prepare_out(os.path.join(tempfile.mkdtemp(), "runs"))
    >>> os.path.isdir(out)
    True
    """
    if os.path.exists(out) and not os.path.isdir(out):
        raise _user_error(f"{flag} {out} is a file, not a folder")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise _user_error(f"{flag} {out}: cannot create the folder ({e.strerror or e})") \
            from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise _user_error(f"{flag} {out}: the folder is not writable")
    return out


_RESUME_KEYS = ("dataset", "model", "in", "hidden", "out", "seed", "lr", "batch_size",
                "n_train")


def _checkpoint(config, model, opt, hist, epoch, gen, state):
    return {"config": config, "model": model.state_dict(), "optimizer": opt.state_dict(),
            "history": hist, "epoch": epoch, "rng": gen.get_state(), "state": state}


def train_command(args):
    """Train; checkpoint after every epoch; stop on a non-finite loss (keeping the last good
    checkpoint); save what was trained on Ctrl-C; continue a run with --resume.

    >>> import argparse, os, tempfile
    >>> from chainrule.demos.train import train_command
    >>> out = tempfile.mkdtemp()
    >>> args = argparse.Namespace(out=out, dataset="digits", model="linear", data=None, seed=0,
    ...                           limit=200, lr=None, hidden=32, batch_size=50, epochs=1,
    ...                           progress=False, resume=False)
    >>> train_command(args)
    training linear on digits: 200 samples, epochs 1..1, 650 parameters
    epoch 1/1: training loss 2.3167, test accuracy 21.78% (checkpoint saved)
    test accuracy: 21.78%
    checkpoint: .../digits-linear.safetensors
    learning curve: .../digits-linear-curve.png
    0
    >>> sorted(os.listdir(out))
    ['digits-linear-curve.png', 'digits-linear.safetensors']
    """
    import math

    import chainrule
    from ..utils.data import DataLoader, TensorDataset
    from ._common import progress as bar

    out = prepare_out(args.out)
    stem = os.path.join(out, f"{args.dataset}-{args.model}")
    ckpt = stem + ".safetensors"
    if os.path.isdir(ckpt):
        raise _user_error(f"{ckpt} is a folder; the checkpoint cannot be written there")
    resumed = None
    if getattr(args, "resume", False):
        if not os.path.exists(ckpt):
            raise _user_error(f"--resume: no checkpoint at {ckpt} (train without --resume "
                              "first, or pass the same --out / --model)")
        resumed = chainrule.load(ckpt)
        if not (isinstance(resumed, dict) and isinstance(resumed.get("config"), dict)
                and resumed["config"].get("format") == FORMAT and "optimizer" in resumed):
            raise _user_error(f"--resume: {ckpt} is not a resumable `chainrule train` "
                              "checkpoint")

    Xtr, ytr, Xte, yte, root = load_data(args.dataset, args.data, args.seed)
    if args.limit:
        Xtr, ytr = Xtr[:args.limit], ytr[:args.limit]
    lr = args.lr or 0.05
    config = {"format": FORMAT, "dataset": args.dataset, "model": args.model,
              "in": int(Xtr.shape[1]), "hidden": int(args.hidden), "out": 10,
              "seed": int(args.seed), "epochs": 0, "lr": float(lr),
              "batch_size": int(args.batch_size), "n_train": int(Xtr.shape[0]),
              "data_dir": root}
    chainrule.manual_seed(args.seed)
    model = build_model(config)
    opt = chainrule.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    g = chainrule.Generator().manual_seed(args.seed)
    hist = {"loss": [], "test_acc": []}
    start = 1
    if resumed is not None:
        old = resumed["config"]
        diff = [f"{k} {old.get(k)!r} -> {config[k]!r}" for k in _RESUME_KEYS
                if old.get(k) != config[k]]
        if diff:
            raise _user_error(f"--resume: {ckpt} was trained with other settings ("
                              + "; ".join(diff) + ")")
        model.load_state_dict(resumed["model"])
        opt.load_state_dict(resumed["optimizer"])
        g.set_state(resumed["rng"])
        hist = {k: list(v) for k, v in resumed["history"].items()}
        start = int(resumed["epoch"]) + 1
    epochs = args.epochs or (start - 1 + DEFAULT_EPOCHS[args.dataset] if resumed is not None
                             else DEFAULT_EPOCHS[args.dataset])
    if start > epochs:
        raise _user_error(f"--resume: {ckpt} has already trained {start - 1} epochs; pass "
                          f"--epochs N with N > {start - 1} to train more")
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=args.batch_size, shuffle=True,
                        generator=g)
    lossf = chainrule.nn.functional.cross_entropy
    print(f"training {args.model} on {args.dataset}: {Xtr.shape[0]} samples, epochs "
          f"{start}..{epochs}{' (resumed)' if resumed is not None else ''}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    ep, step = start - 1, 0
    try:
        for ep in range(start, epochs + 1):
            model.train()
            total, count = 0.0, 0
            it = bar(loader, total=len(loader), desc=f"epoch {ep}/{epochs}",
                     enabled=args.progress)
            for step, (xb, yb) in enumerate(it, 1):
                loss = lossf(model(xb), yb)
                v = float(loss.item())
                if not math.isfinite(v):
                    kept = (f"the checkpoint of epoch {ep - 1} ({ckpt}) is kept"
                            if os.path.exists(ckpt) and ep > 1 else "nothing was saved")
                    raise _user_error(f"training diverged: the loss is {v} at epoch {ep}, "
                                      f"step {step}; {kept}. Try a smaller --lr (now {lr:g})")
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += v * xb.shape[0]
                count += xb.shape[0]
                if hasattr(it, "set_postfix") and count % (50 * args.batch_size) < args.batch_size:
                    it.set_postfix(loss=f"{total / count:.4f}")
            step = 0
            acc, _ = evaluate(model, Xte, yte)
            hist["loss"].append(total / count)
            hist["test_acc"].append(acc)
            config["epochs"] = ep
            chainrule.save(_checkpoint(config, model, opt, hist, ep, g, "complete"
                                       if ep == epochs else "in progress"), ckpt)
            print(f"epoch {ep}/{epochs}: training loss {total / count:.4f}, test accuracy "
                  f"{100 * acc:.2f}% (checkpoint saved)", flush=True)
    except KeyboardInterrupt:
        # Save the weights as trained so far (the interrupted epoch's steps included);
        # --resume runs that epoch again in full from these weights.
        config["epochs"] = ep - 1
        chainrule.save(_checkpoint(config, model, opt, hist, ep - 1, g, "interrupted"), ckpt)
        print(f"\ninterrupted in epoch {ep} (after {step} steps): saved the model as trained "
              f"so far to {ckpt}; continue with --resume", flush=True)
        return 130

    from ..viz import plots
    fig, axes = plots.figure(2, 1, size=(4.8, 3.6),
                             title=f"{args.model} on {args.dataset}: learning curve")
    plots.curves(axes[0], {"training loss": hist["loss"]}, ylabel="cross-entropy",
                 title="Training loss")
    plots.curves(axes[1], {"test accuracy": hist["test_acc"]}, ylabel="accuracy",
                 title="Test accuracy")
    png = plots.save(axes[0].figure, stem + "-curve.png")
    print(f"test accuracy: {100 * hist['test_acc'][-1]:.2f}%")
    print(f"checkpoint: {ckpt}")
    print(f"learning curve: {png}")
    return 0


def eval_command(args):
    """Rebuild the model of a `chainrule train` checkpoint and print its test accuracy.

    >>> import argparse, os, tempfile
    >>> from chainrule.demos.train import eval_command, train_command
    >>> out = tempfile.mkdtemp()
    >>> _ = train_command(argparse.Namespace(out=out, dataset="digits", model="linear", data=None,
    ...     seed=0, limit=200, lr=None, hidden=32, batch_size=50, epochs=1, progress=False,
    ...     resume=False))
    training linear on digits: 200 samples, epochs 1..1, 650 parameters
    epoch 1/1: training loss 2.3167, test accuracy 21.78% (checkpoint saved)
    test accuracy: 21.78%
    checkpoint: .../digits-linear.safetensors
    learning curve: .../digits-linear-curve.png
    >>> eval_command(argparse.Namespace(checkpoint=os.path.join(out, "digits-linear.safetensors"),
    ...                                 data=None))
    linear on digits: test accuracy 21.78% (98/450)
    0
    """
    import chainrule
    path = args.checkpoint
    if not os.path.exists(path):
        raise _user_error(f"checkpoint not found: {path}")
    obj = chainrule.load(path)
    if not (isinstance(obj, dict) and isinstance(obj.get("config"), dict)
            and obj["config"].get("format") == FORMAT and "model" in obj):
        raise _user_error(f"{path} is not a checkpoint written by `chainrule train`")
    config = obj["config"]
    model = build_model(config)
    model.load_state_dict(obj["model"])
    data = args.data
    if data is None and config["dataset"] == "mnist":
        saved = config.get("data_dir")
        env_or_default = mnist_dir(None)
        if saved and os.path.isdir(saved):
            data = saved  # the folder the model was trained on, remembered in the checkpoint
        elif not os.path.isdir(env_or_default):
            raise _user_error(f"{path} was trained on MNIST from {saved or 'an unknown folder'}"
                              f", which is not there now; pass --data DIR (the folder with "
                              "the four IDX .gz files)")
    _, _, Xte, yte, _ = load_data(config["dataset"], data, config.get("seed", 0))
    acc, correct = evaluate(model, Xte, yte)
    print(f"{config['model']} on {config['dataset']}: test accuracy {100 * acc:.2f}% "
          f"({correct}/{Xte.shape[0]})")
    return 0
