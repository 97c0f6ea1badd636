"""The `chainrule` command: the lecture's demos, training and evaluation.

    chainrule demo backprop|perceptron|logreg|xor|digits|gradcheck|training|all [--out DIR]
    chainrule train mnist|digits [--model linear|mlp] [--epochs N] [--data DIR] [--out DIR]
    chainrule eval CHECKPOINT [--data DIR]
    chainrule playground [--host H] [--port N] [--no-browser]   (the `playground` extra)

Other modules add subcommands: a module in OPTIONAL_COMMANDS with `register(subparsers)`
adds top-level commands, and one with `register_demo(demo_subparsers)` adds demos. Each
subcommand sets `func` (taking the argparse Namespace) with set_defaults.
"""
import argparse
import importlib
import os
import sys

# name -> (module under chainrule.demos, one-line help)
DEMOS = {
    "backprop": ("backprop", "the worked example f = (x + y) z: trace and graph picture"),
    "perceptron": ("perceptron", "Rosenblatt's perceptron: the 1958 retina demo and 2-D points"),
    "logreg": ("logreg", "logistic regression: sigmoid + BCE by gradient descent"),
    "xor": ("xor", "XOR: one unit <= 75%, a small MLP 100%"),
    "digits": ("digits", "Linear + Softmax against an MLP on the digits set"),
    "gradcheck": ("gradcheck", "finite differences against backprop on a small network"),
    "training": ("training", "initialisation, activations, normalisation, learning rate"),
}

# Modules that may add top-level subcommands (optional: skipped when absent).
OPTIONAL_COMMANDS = ("chainrule.reproduce", "chainrule.translate.cli",
                     "chainrule.playground.cli")


class UserError(Exception):
    """A mistake in how the command was called (bad file, bad value): one line, exit 2.

    >>> from chainrule.cli import UserError, main
    >>> isinstance(UserError("bad --out"), Exception)
    True
    >>> main(["eval", "no-such-checkpoint.safetensors"])   # a UserError: a line on stderr, exit 2
    2
    """


def _add_demo_options(p, out_default="chainrule-demo"):
    p.add_argument("--out", default=out_default, metavar="DIR",
                   help=f"folder for figures and the report (default: ./{out_default}/)")
    p.add_argument("--quick", action="store_true",
                   help="smaller data and fewer steps (seconds, for tests)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bars")


def _run_demo(args):
    from .demos import run_demo
    from .demos.train import prepare_out
    prepare_out(args.out)
    res = run_demo(args.demo_name, out=args.out, quick=args.quick, seed=args.seed,
                   progress=args.progress)
    print(res.text())
    return 0


def _run_all(args):
    from .demos.all import run_all
    from .demos.train import prepare_out
    prepare_out(args.out)
    path = run_all(out=args.out, quick=args.quick, seed=args.seed, progress=args.progress,
                   verbose=True)
    print(f"report: {os.path.abspath(path)}")
    return 0


def _positive_int(s):
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    return v


def _positive_float(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {s!r}")
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {s!r}")
    return v


def _run_train(args):
    from .demos.train import train_command
    return train_command(args)


def _run_eval(args):
    from .demos.train import eval_command
    return eval_command(args)


def build_parser():
    """The argparse parser of the `chainrule` command, with the optional plug-ins added.

    >>> from chainrule.cli import build_parser
    >>> args = build_parser().parse_args(["train", "digits", "--model", "mlp", "--epochs", "2"])
    >>> args.dataset, args.model, args.epochs, args.func.__name__
    ('digits', 'mlp', 2, '_run_train')
    """
    from . import __version__
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: a deep-learning framework on NumPy with PyTorch's names. "
                    "Run the lecture's demos, train and evaluate small models.")
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser("demo", help="run a lecture demo (or all of them, with an HTML report)",
                          description="Run one of the lecture's demos; each writes PNG figures "
                                      "into --out and prints the numbers it measured.")
    dsub = demo.add_subparsers(dest="demo_name", metavar="DEMO")
    dsub.required = True
    for name, (_, helptext) in DEMOS.items():
        dp = dsub.add_parser(name, help=helptext.replace("%", "%%"), description=helptext)
        _add_demo_options(dp)
        dp.set_defaults(func=_run_demo)
    dp = dsub.add_parser("all", help="every demo above, figures and one HTML report (< 2 min)",
                         description="Run every demo and write the figures and one "
                                     "self-contained HTML report (report.html) into --out.")
    _add_demo_options(dp)
    dp.set_defaults(func=_run_all)

    tp = sub.add_parser("train", help="train a model on MNIST or digits, save a checkpoint",
                        description="Train a linear (softmax regression) or MLP classifier "
                                    "with a progress bar; save a checkpoint (.safetensors) "
                                    "and a learning-curve plot into --out.")
    tp.add_argument("dataset", choices=("mnist", "digits"), help="which data set")
    tp.add_argument("--model", choices=("linear", "mlp"), default="mlp",
                    help="linear (Linear + Softmax) or mlp (one hidden layer); default mlp")
    tp.add_argument("--epochs", type=_positive_int, default=None,
                    help="passes over the training set (default: 5 mnist, 30 digits)")
    tp.add_argument("--batch-size", type=_positive_int, default=64, help="default 64")
    tp.add_argument("--lr", type=_positive_float, default=None,
                    help="learning rate of SGD with momentum 0.9 (default 0.05)")
    tp.add_argument("--hidden", type=_positive_int, default=128,
                    help="hidden units of the mlp (default 128)")
    tp.add_argument("--data", metavar="DIR", default=None,
                    help="MNIST folder with the IDX .gz files (mnist only)")
    tp.add_argument("--out", metavar="DIR", default="runs",
                    help="where to write the checkpoint and plot (default ./runs/)")
    tp.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tp.add_argument("--limit", type=_positive_int, default=None,
                    help="use only the first N training samples (quick runs)")
    tp.add_argument("--no-progress", dest="progress", action="store_false",
                    help="no progress bar")
    tp.add_argument("--resume", action="store_true",
                    help="continue from the checkpoint in --out (saved after every epoch)")
    tp.set_defaults(func=_run_train)

    ep = sub.add_parser("eval", help="print the test accuracy of a saved checkpoint",
                        description="Load a checkpoint written by `chainrule train` and "
                                    "print its accuracy on the test split.")
    ep.add_argument("checkpoint", metavar="CHECKPOINT", help="a .safetensors checkpoint")
    ep.add_argument("--data", metavar="DIR", default=None,
                    help="MNIST folder (default: the one the checkpoint was trained on)")
    ep.set_defaults(func=_run_eval)

    for modname in OPTIONAL_COMMANDS:
        mod = _optional(modname)
        if mod is not None and hasattr(mod, "register"):
            mod.register(sub)
        if mod is not None and hasattr(mod, "register_demo"):
            mod.register_demo(dsub)
    return parser


def _optional(modname):
    """Import an optional plug-in module; None when it, or a package it needs (an optional
    extra that is not installed), is absent. Other import errors are real bugs: raised."""
    try:
        return importlib.import_module(modname)
    except ModuleNotFoundError:
        return None


def main(argv=None):
    """Entry point of the `chainrule` console script; returns the exit status.

    >>> import os, tempfile
    >>> from chainrule.cli import main
    >>> out = tempfile.mkdtemp()
    >>> main(["train", "digits", "--epochs", "1", "--model", "linear", "--limit", "300",
    ...       "--no-progress", "--out", out])
    training linear on digits: 300 samples, epochs 1..1, 650 parameters
    epoch 1/1: training loss 2.2893, test accuracy 28.22% (checkpoint saved)
    test accuracy: 28.22%
    checkpoint: .../digits-linear.safetensors
    learning curve: .../digits-linear-curve.png
    0
    >>> main(["eval", os.path.join(out, "digits-linear.safetensors")])
    linear on digits: test accuracy 28.22% (127/450)
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130
    except (UserError, FileNotFoundError, NotADirectoryError, IsADirectoryError,
            PermissionError, FileExistsError) as e:
        msg = str(e)
        if isinstance(e, OSError) and e.filename is not None and e.strerror:
            msg = f"{e.strerror}: {e.filename}"
        print(f"chainrule: error: {msg}", file=sys.stderr)
        return 2
    except _user_errors() as e:
        print(f"chainrule: error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        if e.name != "matplotlib":
            raise
        print("chainrule: error: this command draws figures and needs matplotlib "
              "(pip install 'chainrule[viz]')", file=sys.stderr)
        return 2
    return 0 if rc is None else int(rc)


def _user_errors():
    """Error types from the data / checkpoint loaders that mean 'bad input file'."""
    types = []
    try:
        from .datasets.mnist import IDXFormatError
        types.append(IDXFormatError)
    except ImportError:
        pass
    try:
        from .serialization import CheckpointFormatError
        types.append(CheckpointFormatError)
    except ImportError:
        pass
    return tuple(types) or (UserError,)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
