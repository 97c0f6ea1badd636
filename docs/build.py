"""Prepare and build the documentation site (what `make docs` runs).

1. Execute every notebook in notebooks/ in a fresh kernel into docs/lecture/*.ipynb.
2. Write one API reference page per public module into docs/reference/ (from the
   docstrings, through mkdocstrings), and the reference index.
3. `mkdocs build --strict` into site/: a broken internal link or a missing page fails it.

    python docs/build.py              # everything
    python docs/build.py --no-execute # reuse the executed notebooks already there
"""
import argparse
import importlib
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# The public modules, in reading order: (module, one-line description).
PUBLIC = [
    ("chainrule", "Tensor, creation functions and the ops, with PyTorch's names"),
    ("chainrule.autograd", "The engine: backward, grad, Function, gradcheck, anomaly mode"),
    ("chainrule.autograd.functional", "jacobian, hessian, vjp, jvp, hvp"),
    ("chainrule.nn", "Module, layers, losses"),
    ("chainrule.nn.functional", "The functional forms of layers, activations and losses"),
    ("chainrule.nn.init", "Parameter initialisation"),
    ("chainrule.nn.utils", "Gradient clipping, parameter vectors, weight and spectral norm"),
    ("chainrule.nn.utils.rnn", "Packed and padded sequences"),
    ("chainrule.nn.utils.parametrize", "Parametrizations of a module's tensors"),
    ("chainrule.optim", "Optimizers"),
    ("chainrule.optim.lr_scheduler", "Learning-rate schedules"),
    ("chainrule.linalg", "Linear algebra (torch.linalg)"),
    ("chainrule.special", "Special functions (torch.special)"),
    ("chainrule.masked", "Masked reductions and normalisations (torch.masked)"),
    ("chainrule.amp", "Loss scaling and autocast (torch.amp)"),
    ("chainrule.sparse", "Sparse COO tensors"),
    ("chainrule.distributions", "Probability distributions (torch.distributions)"),
    ("chainrule.distributed", "Data-parallel training over MPI (torch.distributed)"),
    ("chainrule.utils.data", "Dataset, DataLoader, samplers"),
    ("chainrule.datasets", "The digits, MNIST and synthetic 2-D data sets"),
    ("chainrule.models", "Perceptron, logistic regression, MLP, LeNet-5, RBM, DBN"),
    ("chainrule.viz", "Graph pictures and backprop traces"),
    ("chainrule.playground", "The browser playground's sessions"),
    ("chainrule.translate", "The number-words translator"),
]


def execute_notebooks():
    import jupytext
    import nbclient
    out = DOCS / "lecture"
    out.mkdir(exist_ok=True)
    env_before = dict(os.environ)
    os.environ.update(OPENBLAS_NUM_THREADS="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    try:
        for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
            nb = jupytext.read(path)
            print(f"executing {path.name}", flush=True)
            nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(ROOT)}}).execute()
            jupytext.write(nb, out / (path.stem + ".ipynb"))
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def write_reference():
    ref = DOCS / "reference"
    ref.mkdir(exist_ok=True)
    rows = []
    for name, what in PUBLIC:
        try:
            importlib.import_module(name)
        except ImportError as err:
            sys.exit(f"docs: the public module {name} does not import ({err})")
        page = name.replace(".", "_") + ".md"
        (ref / page).write_text(f"# {name}\n\n{what}.\n\n::: {name}\n    options:\n"
                                f"      show_root_heading: false\n      show_submodules: false\n")
        rows.append(f"| [`{name}`]({page}) | {what} |")
    (ref / "index.md").write_text("# API reference\n\nGenerated from the docstrings of every "
                                  "public module.\n\n| module | contents |\n|---|---|\n"
                                  + "\n".join(rows) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-execute", action="store_true", help="reuse executed notebooks")
    ap.add_argument("--site-dir", default=str(ROOT / "site"))
    args = ap.parse_args()
    if not args.no_execute:
        execute_notebooks()
    write_reference()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                    args.site_dir, "--config-file", str(ROOT / "mkdocs.yml")], check=True,
                   cwd=ROOT)
    print(f"site: {args.site_dir}/index.html")


if __name__ == "__main__":
    main()
