"""`chainrule train mnist|digits` and `chainrule eval CHECKPOINT`.

train: a linear (Linear + Softmax) or MLP classifier, minibatch SGD with momentum, a progress
bar per epoch; writes ``<out>/<dataset>-<model>.safetensors`` (the model's state_dict, its
config and the learning curve, via chainrule.save: no pickle) and
``<out>/<dataset>-<model>-curve.png``. eval: rebuilds the model from the checkpoint's config
and prints its accuracy on the test split.
"""
import os


FORMAT = "chainrule-train/1"
DEFAULT_EPOCHS = {"mnist": 5, "digits": 30}


def _user_error(msg):
    from ..cli import UserError
    return UserError(msg)


def mnist_dir(arg):
    """The MNIST folder: --data, else $CHAINRULE_MNIST, else ./data/mnist."""
    return arg or os.environ.get("CHAINRULE_MNIST") or os.path.join("data", "mnist")


def load_data(dataset, data=None, seed=0):
    """(X_train, y_train, X_test, y_test, data_dir) as tensors; pixels scaled to 0..1."""
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
    """The model a config describes: {"model": "linear"|"mlp", "in": n, "hidden": h, "out": k}."""
    from ..models import MLP, SoftmaxRegression
    if config["model"] == "linear":
        return SoftmaxRegression(config["in"], config["out"])
    if config["model"] == "mlp":
        return MLP([config["in"], config["hidden"], config["out"]], activation="relu")
    raise _user_error(f"unknown model {config['model']!r} in checkpoint")


def evaluate(model, X, y, batch=2000):
    """Accuracy of `model` on (X, y), in batches, without a graph."""
    import chainrule
    model.eval()
    correct = 0
    with chainrule.no_grad():
        for i in range(0, X.shape[0], batch):
            out = model(X[i:i + batch])
            correct += int((out.argmax(-1) == y[i:i + batch]).sum().item())
    return correct / X.shape[0], correct


def train_command(args):
    import chainrule
    from ..utils.data import DataLoader, TensorDataset
    from ..viz import plots
    from ._common import progress as bar

    Xtr, ytr, Xte, yte, root = load_data(args.dataset, args.data, args.seed)
    if args.limit:
        Xtr, ytr = Xtr[:args.limit], ytr[:args.limit]
    epochs = args.epochs or DEFAULT_EPOCHS[args.dataset]
    lr = args.lr or 0.05
    config = {"format": FORMAT, "dataset": args.dataset, "model": args.model,
              "in": int(Xtr.shape[1]), "hidden": int(args.hidden), "out": 10,
              "seed": int(args.seed), "epochs": int(epochs), "lr": float(lr),
              "batch_size": int(args.batch_size), "n_train": int(Xtr.shape[0])}
    chainrule.manual_seed(args.seed)
    model = build_model(config)
    opt = chainrule.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    g = chainrule.Generator().manual_seed(args.seed)
    loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=args.batch_size, shuffle=True,
                        generator=g)
    lossf = chainrule.nn.functional.cross_entropy
    hist = {"loss": [], "test_acc": []}
    print(f"training {args.model} on {args.dataset}: {Xtr.shape[0]} samples, {epochs} epochs, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")
    for ep in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        it = bar(loader, total=len(loader), desc=f"epoch {ep}/{epochs}", enabled=args.progress)
        for xb, yb in it:
            loss = lossf(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.item()) * xb.shape[0]
            count += xb.shape[0]
            if hasattr(it, "set_postfix") and count % (50 * args.batch_size) < args.batch_size:
                it.set_postfix(loss=f"{total / count:.4f}")
        acc, _ = evaluate(model, Xte, yte)
        hist["loss"].append(total / count)
        hist["test_acc"].append(acc)
        print(f"epoch {ep}/{epochs}: training loss {total / count:.4f}, test accuracy "
              f"{100 * acc:.2f}%", flush=True)

    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, f"{args.dataset}-{args.model}")
    ckpt = stem + ".safetensors"
    chainrule.save({"config": config, "model": model.state_dict(), "history": hist}, ckpt)
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
    _, _, Xte, yte, _ = load_data(config["dataset"], args.data, config.get("seed", 0))
    acc, correct = evaluate(model, Xte, yte)
    print(f"{config['model']} on {config['dataset']}: test accuracy {100 * acc:.2f}% "
          f"({correct}/{Xte.shape[0]})")
    return 0
