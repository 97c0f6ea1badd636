"""The playground's "export as Python": a short runnable script that rebuilds the data set
and the network of a setup and trains it the way the session does (same seeds, the same
mini-batch order, initialisation, optimiser and loss), so the page's run can be repeated
from a terminal."""
from . import session as S

__all__ = ["script_for"]

_ACT = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
        "linear": "nn.Identity()"}


def _init_lines(c):
    if c["init"] == "zeros":
        return ["nn.init.zeros_(m.weight)", "nn.init.zeros_(m.bias)"]
    if c["init"] == "uniform":
        return ["nn.init.uniform_(m.weight, -0.5, 0.5, generator=gen)",
                "nn.init.constant_(m.bias, 0.1)"]
    if c["init"] == "xavier":
        return [f"nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("
                f"{c['act']!r}), generator=gen)", "nn.init.zeros_(m.bias)"]
    return ["nn.init.kaiming_uniform_(m.weight, nonlinearity='relu', generator=gen)",
            "nn.init.zeros_(m.bias)"]


def script_for(config, epochs=100):
    """Python source (str) that reproduces `config` (a Config) for `epochs` epochs.

    >>> from chainrule.playground import Config
    >>> from chainrule.playground.export import script_for
    >>> src = script_for(Config.parse({"dataset": "xor", "layers": "4,2"}), epochs=3)
    >>> [line for line in src.splitlines() if line.startswith(("EPOCHS", "X, y"))]
    ['EPOCHS = 3', "X, y = make_dataset('xor', points=500, noise=0, seed=0)"]
    >>> import os, tempfile
    >>> here = os.getcwd(); os.chdir(tempfile.mkdtemp())   # it saves playground_model.safetensors
    >>> exec(compile(src, "playground_export.py", "exec"), {})
    epoch 3: train loss 0.7189, test loss 0.8331
    >>> os.listdir(), os.chdir(here)
    (['playground_model.safetensors'], None)
    """
    c = config
    n_train, _ = S._split_sizes(c["points"], c["ratio"])
    q = "&".join(f"{k}={v}" for k, v in c.to_query().items())
    head = [f'"""chainrule playground, exported: {q}',
            "",
            "Rebuilds the data set and the network and trains them as the page did.",
            '"""',
            "import numpy as np",
            "",
            "import chainrule",
            "from chainrule import nn, optim",
            "from chainrule.playground import make_dataset, make_features",
            "",
            f"EPOCHS = {int(epochs)}",
            f"X, y = make_dataset({c['dataset']!r}, points={c['points']}, "
            f"noise={c['noise']}, seed={c['seed']})",
            f"n_train = {n_train}",
            f"F = chainrule.tensor(make_features(X, {tuple(c['features'])!r}))",
            "F_train, F_test = F[:n_train], F[n_train:]"]
    if c["mode"] == "perceptron":
        return "\n".join(head + [
            "t = np.where(y == 1, 1.0, -1.0).astype(np.float32)",
            "T_train, T_test = chainrule.tensor(t[:n_train]), chainrule.tensor(t[n_train:])",
            "from chainrule.models import Perceptron",
            f"p = Perceptron(F.shape[1], lr={c['lr']!r})",
            f"rng = np.random.default_rng({c['seed'] + 2})",
            "for epoch in range(EPOCHS):",
            "    mistakes = sum(p.step(F_train[int(i)], float(T_train[int(i)].item()))",
            "                   for i in rng.permutation(n_train))",
            "    if mistakes == 0:",
            "        break",
            "print(f'epochs {epoch + 1}, updates {p.updates}, test errors '",
            "      f'{p.errors(F_test, T_test.numpy().astype(np.int64))} of {len(T_test)}')",
            ""])
    kind, k = c.kind, c.n_classes
    if kind == "regression":
        targets = "T = chainrule.tensor(y.astype(np.float32)[:, None])"
    elif k == 2 and c["loss"] == "xent":
        targets = "T = chainrule.tensor(y.astype(np.float32)[:, None])   # 0 / 1"
    elif k == 2:
        targets = "T = chainrule.tensor(np.where(y == 1, 1.0, -1.0).astype(np.float32)[:, None])"
    elif c["loss"] == "xent":
        targets = "T = chainrule.tensor(y)                # class indices"
    else:
        targets = f"T = chainrule.tensor(np.eye({k}, dtype=np.float32)[y])   # one-hot"
    n_out = k if k > 2 else 1
    layers, d = [], len(c["features"])
    for units in c["layers"]:
        row = [f"nn.Linear({d}, {units})"]
        if c["bn"]:
            row.append(f"nn.BatchNorm1d({units})")
        row.append(_ACT[c["act"]])
        if c["dropout"] > 0:
            row.append(f"nn.Dropout({c['dropout']!r})")
        layers.append("    " + ", ".join(row) + ",")
        d = units
    layers.append(f"    nn.Linear({d}, {n_out}),")
    if kind == "classification" and c["loss"] == "xent":
        loss = "nn.BCEWithLogitsLoss()" if n_out == 1 else "nn.CrossEntropyLoss()"
        head_fn = "z"
    else:
        loss = "nn.MSELoss()"
        head_fn = {True: "z", False: ("z.tanh()" if n_out == 1 else "z.softmax(-1)")}[
            kind == "regression"]
    opt = {"sgd": f"optim.SGD(model.parameters(), lr={c['lr']!r})",
           "momentum": f"optim.SGD(model.parameters(), lr={c['lr']!r}, momentum=0.9)",
           "adam": f"optim.Adam(model.parameters(), lr={c['lr']!r})"}[c["opt"]]
    lines = head + [targets, "T_train, T_test = T[:n_train], T[n_train:]", "",
                    "model = nn.Sequential(", *layers, ")",
                    f"gen = chainrule.Generator().manual_seed({c['seed'] + 1})",
                    "with chainrule.no_grad():",
                    "    for m in model:",
                    "        if isinstance(m, nn.Linear):",
                    *["            " + s for s in _init_lines(c)],
                    f"loss_fn = {loss}",
                    f"opt = {opt}", "",
                    "",
                    "def data_loss(z, t):",
                    f"    return loss_fn({head_fn}, t)", ""]
    if c["reg"] != "none" and c["regRate"] > 0:
        term = ("m.weight.abs().sum()" if c["reg"] == "l1"
                else "(m.weight * m.weight).sum() * 0.5")
        lines += ["", "def penalty():",
                  f"    terms = [{term} for m in model if isinstance(m, nn.Linear)]",
                  "    total = terms[0]",
                  "    for t in terms[1:]:",
                  "        total = total + t",
                  f"    return total * {c['regRate']!r}", ""]
        objective = "data_loss(model(F_train[idx]), T_train[idx]) + penalty()"
    else:
        objective = "data_loss(model(F_train[idx]), T_train[idx])"
    skip = "        if len(idx) < 2:      # batch norm cannot normalise one point\n" \
           "            continue\n" if c["bn"] and c["layers"] else ""
    lines += ["",
              f"rng = np.random.default_rng({c['seed'] + 2})",
              "for epoch in range(EPOCHS):",
              "    order = rng.permutation(n_train)",
              "    model.train()",
              f"    for start in range(0, n_train, {c['batch']}):",
              f"        idx = chainrule.tensor(order[start:start + {c['batch']}])",
              skip.rstrip("\n") if skip else None,
              f"        loss = {objective}",
              "        opt.zero_grad()",
              "        loss.backward()",
              "        opt.step()",
              "    model.eval()",
              "    with chainrule.no_grad():",
              "        train_loss = data_loss(model(F_train), T_train).item()",
              "        test_loss = data_loss(model(F_test), T_test).item()",
              "    if (epoch + 1) % 10 == 0 or epoch + 1 == EPOCHS:",
              "        print(f'epoch {epoch + 1}: train loss {train_loss:.4f}, "
              "test loss {test_loss:.4f}')",
              "chainrule.save(model.state_dict(), 'playground_model.safetensors')",
              ""]
    return "\n".join(line for line in lines if line is not None)
