"""The playground's server and sessions: every control, bad values refused with an HTTP 400
(never a traceback), cross-site requests refused, the backprop panel's numbers equal to
chainrule.viz.trace's for the same weights and sample, gradient check, exports, perceptron
mode, sessions freed when a tab closes, memory flat while training."""
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import urllib.error
import urllib.request

import numpy as np
import pytest

import chainrule
from chainrule import nn
from chainrule.playground import Config, ConfigError, Session, make_dataset, make_features
from chainrule.playground import session as S
from chainrule.viz import trace

aiohttp = pytest.importorskip("aiohttp", reason="the playground extra (aiohttp) is not installed")
from chainrule.playground.server import PG, BackgroundServer  # noqa: E402


@pytest.fixture(scope="module")
def server():
    srv = BackgroundServer()
    with srv as url:
        yield srv, url


def call(url, path, body=None, method=None, headers=None):
    """(status, decoded JSON or bytes) of one HTTP request."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    h = {"Content-Type": "application/json"} if data is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(url.rstrip("/") + path, data=data, headers=h,
                                 method=method or ("POST" if data is not None else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            raw, status, ctype = r.read(), r.status, r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        raw, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
    return status, (json.loads(raw) if "json" in ctype else raw)


def new_session(url, config=None):
    status, body = call(url, "/api/session", {"config": config or {}})
    assert status == 200, body
    return body["id"], body["state"]


# --- every control ----------------------------------------------------------------------

CONTROLS = [  # (key, value, what the session must then have)
    ("dataset", "spiral", lambda s: s.config.kind == "classification"),
    ("dataset", "plane", lambda s: s.config.kind == "regression" and s.y_train.dtype == np.float64),
    ("dataset", "blobs3", lambda s: s.linears[-1].out_features == 3),
    ("dataset", "quadrants4", lambda s: s.linears[-1].out_features == 4),
    ("points", "200", lambda s: len(s.y_train) + len(s.y_test) == 200),
    ("noise", "30", lambda s: s.config["noise"] == 30),
    ("ratio", "70", lambda s: len(s.y_train) == 350),
    ("batch", "25", lambda s: s.config["batch"] == 25),
    ("seed", "7", lambda s: s.config["seed"] == 7),
    ("features", "x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2", lambda s: s.linears[0].in_features == 7),
    ("layers", "", lambda s: len(s.linears) == 1),
    ("layers", "8,8,8,8,8,8", lambda s: [m.out_features for m in s.linears] == [8] * 6 + [1]),
    ("act", "relu", lambda s: isinstance(s.model[1], nn.ReLU)),
    ("act", "sigmoid", lambda s: isinstance(s.model[1], nn.Sigmoid)),
    ("act", "linear", lambda s: isinstance(s.model[1], nn.Identity)),
    ("lr", "0.3", lambda s: s.optimizer.param_groups[0]["lr"] == 0.3),
    ("reg", "l1", lambda s: s.config["reg"] == "l1"),
    ("regRate", "0.01", lambda s: s.config["regRate"] == 0.01),
    ("loss", "xent", lambda s: isinstance(s.loss_fn, nn.BCEWithLogitsLoss)),
    ("opt", "momentum", lambda s: s.optimizer.param_groups[0]["momentum"] == 0.9),
    ("opt", "adam", lambda s: type(s.optimizer).__name__ == "Adam"),
    ("init", "zeros", lambda s: all(float(abs(p).sum().item()) == 0
                                    for p in s.model.parameters())),
    ("init", "uniform", lambda s: float(s.linears[0].bias[0].item()) == pytest.approx(0.1)),
    ("init", "kaiming", lambda s: s.config["init"] == "kaiming"),
    ("dropout", "0.2", lambda s: any(isinstance(m, nn.Dropout) for m in s.model)),
    ("bn", "1", lambda s: any(isinstance(m, nn.BatchNorm1d) for m in s.model)),
    ("mode", "perceptron", lambda s: s.model is None and s.perceptron is not None),
]


@pytest.mark.parametrize("key,value,check", CONTROLS, ids=[f"{k}={v}" for k, v, _ in CONTROLS])
def test_every_control_changes_the_session(server, key, value, check):
    srv, url = server
    sid, _ = new_session(url, {"dataset": "circle" if key != "mode" else "gauss"})
    status, state = call(url, f"/api/session/{sid}/update", {"config": {key: value}})
    assert status == 200, state
    assert state["config"][key] == Config.parse({key: value}, base=Config.parse(
        {"dataset": "circle" if key != "mode" else "gauss"})).to_query()[key]
    session = srv.app[PG].sessions[sid]
    assert check(session)
    status, frame = call(url, f"/api/session/{sid}/step", {"n": 2})   # and it trains
    assert status == 200, frame
    if key == "mode":            # perceptron: one step = up to the next mistake
        assert frame["perceptron"]["updates"] >= 1
    else:
        assert frame["epoch"] == 2
    assert np.isfinite(frame["testLoss"])
    call(url, f"/api/session/{sid}", method="DELETE")


def test_play_pause_step_reset_regenerate(server):
    srv, url = server
    sid, state = new_session(url, {"dataset": "xor", "seed": 3})
    w0 = state["frame"]["weights"]
    _, f = call(url, f"/api/session/{sid}/step", {"n": 3})
    assert f["epoch"] == 3 and f["weights"] != w0 and len(f["units"]) == 3
    _, st = call(url, f"/api/session/{sid}/reset", {})
    assert st["frame"]["epoch"] == 0 and st["frame"]["weights"] == w0   # same seed, same init
    _, st2 = call(url, f"/api/session/{sid}/regenerate", {})
    assert st2["config"]["seed"] == "4" and st2["train"]["x"] != st["train"]["x"]

    async def play():
        async with aiohttp.ClientSession() as cs:
            async with cs.ws_connect(url + "ws", origin=url.rstrip("/")) as ws:
                await ws.send_json({"id": 1, "cmd": "init", "args": {"config": {"dataset": "xor"}}})
                init = await ws.receive_json()
                assert init["result"]["config"]["dataset"] == "xor"
                await ws.send_json({"id": 2, "cmd": "play"})
                epochs = []
                while len(epochs) < 5:
                    m = await ws.receive_json()
                    if m["type"] == "frame":
                        epochs.append(m["epoch"])
                assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
                await ws.send_json({"id": 3, "cmd": "pause"})
                while True:
                    m = await ws.receive_json()
                    if m.get("id") == 3:
                        assert m["result"] == {"playing": False}
                        break
                await ws.send_json({"id": 4, "cmd": "frame"})
                while (m := await ws.receive_json()).get("id") != 4:
                    pass
                e = m["result"]["epoch"]
                await asyncio.sleep(0.3)                         # paused: no more training
                await ws.send_json({"id": 5, "cmd": "frame"})
                while (m := await ws.receive_json()).get("id") != 5:
                    pass
                assert m["result"]["epoch"] == e
    asyncio.run(play())


def test_accuracy_confusion_and_multiclass_cross_entropy(server):
    _, url = server
    sid, st = new_session(url, {"dataset": "blobs3", "loss": "xent", "opt": "adam",
                                "lr": "0.03"})
    _, f = call(url, f"/api/session/{sid}/step", {"n": 20})
    conf = np.array(f["confusion"])
    assert conf.shape == (3, 3) and conf.sum() == len(st["test"]["y"])
    assert f["testAcc"] == pytest.approx(np.trace(conf) / conf.sum())
    assert f["testAcc"] > 0.9 and f["output"]["kind"] == "classes"


# --- bad values -----------------------------------------------------------------------

BAD = [
    ({"layers": "1,2,3,4,5,6,7"}, "layers"), ({"layers": "9"}, "layers"),
    ({"layers": "0"}, "layers"), ({"layers": "a"}, "layers"), ({"points": "5"}, "points"),
    ({"points": "100000"}, "points"), ({"noise": "-1"}, "noise"), ({"noise": "51"}, "noise"),
    ({"ratio": "95"}, "ratio"), ({"batch": "0"}, "batch"), ({"batch": "600"}, "batch"),
    ({"lr": "0"}, "lr"), ({"lr": "nan"}, "lr"), ({"lr": "11"}, "lr"), ({"lr": "fast"}, "lr"),
    ({"regRate": "-0.1"}, "regRate"), ({"dropout": "1"}, "dropout"), ({"act": "gelu"}, "act"),
    ({"dataset": "moons"}, "dataset"), ({"features": ""}, "features"),
    ({"features": "x3"}, "features"), ({"loss": "hinge"}, "loss"), ({"opt": "lbfgs"}, "opt"),
    ({"init": "ones"}, "init"), ({"reg": "l3"}, "reg"), ({"bn": "2"}, "bn"),
    ({"mode": "svm"}, "mode"), ({"seed": "-1"}, "seed"), ({"colour": "red"}, "colour"),
    ({"dataset": "plane", "loss": "xent"}, "loss"), ({"dataset": "blobs3", "mode": "perceptron"},
                                                     "mode"),
    ({"bn": "1", "batch": "1"}, "batch"), ({"points": "20", "batch": "15"}, "batch"),
]


@pytest.mark.parametrize("config,key", BAD, ids=[json.dumps(c) for c, _ in BAD])
def test_bad_values_are_refused_with_400(server, config, key):
    _, url = server
    status, body = call(url, "/api/session", {"config": config})
    assert status == 400
    assert key in body["error"] and "Traceback" not in body["error"]
    sid, _ = new_session(url)
    status, body = call(url, f"/api/session/{sid}/update", {"config": config})
    assert status == 400 and key in body["error"]
    call(url, f"/api/session/{sid}", method="DELETE")


def test_bad_requests(server):
    _, url = server
    sid, _ = new_session(url)
    cases = [
        (f"/api/session/{sid}/step", {"n": 0}, 400, "n"),
        (f"/api/session/{sid}/step", {"n": 1000}, 400, "n"),
        (f"/api/session/{sid}/step", {"epochs": 1}, 400, "epochs"),
        (f"/api/session/{sid}/fly", {}, 400, "fly"),
        (f"/api/session/{sid}/backprop", {"split": "train", "index": 10 ** 6}, 400, "index"),
        (f"/api/session/{sid}/backprop", {"split": "val", "index": 0}, 400, "split"),
        (f"/api/session/{sid}/backprop", {"split": "train"}, 400, "index"),
        (f"/api/session/{sid}/set_weight", {"layer": 5, "to": 0, "value": 1}, 400, "layer"),
        (f"/api/session/{sid}/set_weight", {"layer": 0, "to": 0, "from": 9, "value": 1}, 400,
         "from"),
        (f"/api/session/{sid}/set_weight", {"layer": 0, "to": 0, "value": 1e9}, 400, "value"),
        (f"/api/session/{sid}/set_weight", {"layer": 0, "to": 0, "value": "x"}, 400, "value"),
        (f"/api/session/{sid}/update", {"config": "dataset=xor"}, 400, "setup"),
        ("/api/session/nope/step", {}, 404, "nope"),
    ]
    for path, body, status, word in cases:
        got, reply = call(url, path, body)
        assert got == status, (path, body, reply)
        assert word in reply["error"], reply
    got, reply = call(url, f"/api/session/{sid}/step", b"{not json")
    assert got == 400 and "JSON" in reply["error"]
    got, reply = call(url, f"/api/session/{sid}/step", b"n=1",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got == 415


def test_other_sites_are_refused(server):
    srv, url = server
    port = srv.sock.getsockname()[1]
    got, reply = call(url, "/api/session", {}, headers={"Origin": "http://evil.example"})
    assert got == 403 and "another site" in reply["error"]
    got, reply = call(url, "/api/session", {}, headers={"Sec-Fetch-Site": "cross-site"})
    assert got == 403
    got, reply = call(url, "/", headers={"Host": f"evil.example:{port}"})   # DNS rebinding
    assert got == 403
    got, _ = call(url, "/api/session", {}, headers={"Origin": url.rstrip("/")})
    assert got == 200

    async def ws_from(origin):
        async with aiohttp.ClientSession() as cs:
            try:
                async with cs.ws_connect(url + "ws", origin=origin):
                    return 101
            except aiohttp.WSServerHandshakeError as e:
                return e.status
    assert asyncio.run(ws_from("http://evil.example")) == 403
    assert asyncio.run(ws_from(url.rstrip("/"))) == 101


def test_a_tab_closing_frees_its_session(server):
    srv, url = server
    sessions = srv.app[PG].sessions

    async def tab(config):
        async with aiohttp.ClientSession() as cs:
            async with cs.ws_connect(url + "ws", origin=url.rstrip("/")) as ws:
                await ws.send_json({"id": 1, "cmd": "init", "args": {"config": config}})
                reply = await ws.receive_json()
                assert reply["result"]["session"] in sessions
                return reply["result"]
    state = asyncio.run(tab({"dataset": "spiral"}))
    for _ in range(200):            # the server notices the closed socket a moment later
        if state["session"] not in sessions:
            break
        time.sleep(0.05)
    assert state["session"] not in sessions
    # a bad shared link: the defaults, with the reason
    state = asyncio.run(tab({"layers": "99"}))
    assert "layers" in state["warning"] and state["config"]["dataset"] == "circle"


# --- backprop mode: the numbers are viz.trace's -----------------------------------------

def _independent_trace(frame, config, split, index):
    """viz.trace of the sample's loss through a network built here from the weights the
    API reports (not the session's objects)."""
    cfg = Config.parse(config)
    X, y = make_dataset(cfg["dataset"], cfg["points"], cfg["noise"], cfg["seed"])
    n_train = S._split_sizes(cfg["points"], cfg["ratio"])[0]
    Xs, ys = (X[:n_train], y[:n_train]) if split == "train" else (X[n_train:], y[n_train:])
    feats = make_features(Xs[index:index + 1], cfg["features"])
    layers = []
    for k, w in enumerate(frame["weights"]):
        W = np.array(w["W"], dtype=np.float32)
        lin = nn.Linear(W.shape[1], W.shape[0])
        with chainrule.no_grad():
            lin.weight.copy_(chainrule.tensor(W))
            lin.bias.copy_(chainrule.tensor(np.array(w["b"], dtype=np.float32)))
        layers.append(lin)
    params = {}
    x = chainrule.tensor(feats)
    h = x
    for k, lin in enumerate(layers, 1):
        params[f"W{k}"], params[f"b{k}"] = lin.weight, lin.bias
        h = lin(h)
        if k < len(layers):
            h = h.tanh()
    y_hat = h.tanh()
    t = chainrule.tensor(np.array([[1.0 if ys[index] == 1 else -1.0]], dtype=np.float32))
    L = nn.MSELoss()(y_hat, t)
    return trace(L, params=params, local_names=False)


def test_backprop_panel_equals_viz_trace(server):
    _, url = server
    config = {"dataset": "xor", "layers": "4,2", "act": "tanh", "loss": "mse", "noise": "10"}
    sid, _ = new_session(url, config)
    _, frame = call(url, f"/api/session/{sid}/step", {"n": 3})
    for split, index in (("train", 0), ("test", 7)):
        status, bp = call(url, f"/api/session/{sid}/backprop", {"split": split, "index": index})
        assert status == 200, bp
        ref = _independent_trace(frame, config, split, index)
        assert [s["op"] for s in bp["forward"]] == [s.op for s in ref.forward]
        assert [s["op"] for s in bp["backward"]] == [s.op for s in ref.backward]
        for mine, theirs in zip(bp["forward"], ref.forward):
            np.testing.assert_array_equal(np.array(mine["value"]), theirs.output[1])
            for loc, (_, d, _) in zip(mine["local"], theirs.local):
                if d is not None:
                    np.testing.assert_allclose(np.array(loc["value"]), d, rtol=1e-6, atol=1e-12)
        for mine, theirs in zip(bp["backward"], ref.backward):
            np.testing.assert_allclose(np.array(mine["upstream"]), theirs.upstream,
                                       rtol=1e-6, atol=1e-12)
            assert len(mine["parts"]) == len(theirs.parts)
            for part, (_, _, prod) in zip(mine["parts"], theirs.parts):
                np.testing.assert_allclose(np.array(part["product"]), prod, rtol=1e-6,
                                           atol=1e-12)
        assert set(bp["grads"]) == set(ref.grads) == {"W1", "b1", "W2", "b2", "W3", "b3"}
        for k, g in ref.grads.items():
            np.testing.assert_allclose(np.array(bp["grads"][k]), g, rtol=1e-6, atol=1e-12)
        assert bp["loss"] == pytest.approx(float(ref.values["L"] if "L" in ref.values
                                                 else ref.forward[-1].output[1]), rel=1e-6)
        # the chain rule as the panel states it: upstream x local = product at the loss
        last = bp["backward"][0]
        assert last["upstream"] == 1.0


def test_backprop_leaves_the_training_state_alone(server):
    srv, url = server
    sid, _ = new_session(url, {"dataset": "circle", "bn": "1", "dropout": "0.2"})
    call(url, f"/api/session/{sid}/step", {"n": 2})
    s = srv.app[PG].sessions[sid]
    w = [p.detach().numpy().copy() for p in s.model.parameters()]
    status, bp = call(url, f"/api/session/{sid}/backprop", {"split": "train", "index": 3})
    assert status == 200 and bp["forward"][-1]["output"] == "L"
    assert all(p.grad is None or float(abs(p.grad).sum().item()) == 0
               for p in s.model.parameters())
    for a, p in zip(w, s.model.parameters()):
        np.testing.assert_array_equal(a, p.detach().numpy())


def test_editing_a_weight(server):
    srv, url = server
    sid, _ = new_session(url, {"dataset": "xor"})
    _, f = call(url, f"/api/session/{sid}/set_weight",
                {"layer": 1, "to": 1, "from": 3, "value": -1.25})
    assert f["weights"][1]["W"][1][3] == -1.25
    _, f = call(url, f"/api/session/{sid}/set_weight", {"layer": 2, "to": 0, "value": 0.5})
    assert f["weights"][2]["b"][0] == 0.5
    s = srv.app[PG].sessions[sid]
    assert float(s.linears[1].weight[1, 3].item()) == -1.25


# --- gradient check, zero init, perceptron -------------------------------------------------

@pytest.mark.parametrize("config", [{"dataset": "spiral", "layers": "6,6", "act": "tanh"},
                                    {"dataset": "blobs3", "loss": "xent", "reg": "l2",
                                     "regRate": "0.01", "act": "sigmoid"},
                                    {"dataset": "multigauss", "bn": "1", "layers": "5"}])
def test_gradient_check_button(server, config):
    _, url = server
    sid, _ = new_session(url, config)
    call(url, f"/api/session/{sid}/step", {"n": 2})
    status, g = call(url, f"/api/session/{sid}/gradcheck", {})
    assert status == 200
    assert g["worstRelError"] < 1e-5, g
    assert g["parameters"] > 10 and g["where"]["param"].startswith(("W", "b", "gamma", "beta"))


def test_gradient_check_catches_a_wrong_gradient():
    s = Session(Config.parse({"dataset": "xor", "layers": "3"}))
    s.step()
    assert s.gradcheck()["worstRelError"] < 1e-5
    orig = s._data_loss
    # the same value, but backprop gets an extra +1 per output: the check must see it
    s._data_loss = lambda z, t: orig(z, t) + (z - z.detach()).sum()
    assert s.gradcheck()["worstRelError"] > 0.01


def test_zero_init_never_breaks_symmetry():
    s = Session(Config.parse({"dataset": "circle", "init": "zeros", "layers": "4",
                              "act": "tanh", "lr": "0.1"}))
    for _ in range(10):
        s.step()
    W1 = s.linears[0].weight.detach().numpy()
    assert np.all(W1 == W1[0]) and np.all(W1 == 0)       # hidden units all alike, and stuck
    s.update({"init": "xavier"})
    for _ in range(10):
        s.step()
    W1 = s.linears[0].weight.detach().numpy()
    assert not np.allclose(W1, W1[0])


def test_perceptron_mode_moves_the_line_on_mistakes_only():
    s = Session(Config.parse({"mode": "perceptron", "dataset": "gauss", "noise": "0",
                              "lr": "0.1"}))
    lines = []
    for _ in range(200):
        before = s.perceptron.updates
        s.step()
        if s.converged:
            break
        # one step = up to the next mistake (the line moves once) or the epoch's end
        assert s.perceptron.updates - before in (0, 1)
        if s.perceptron.updates == before:
            assert s._pos == len(s.y_train)
        else:
            lines.append(s.weights()[0])
    assert s.converged and s.frame()["testAcc"] > 0.95
    assert len({json.dumps(x) for x in lines}) == len(lines)    # the line moved every time
    with pytest.raises(ConfigError, match="no gradient"):
        s.backprop("train", 0)


# --- exports ----------------------------------------------------------------------------

def test_export_checkpoint_and_script_reproduce_the_run(server, tmp_path):
    _, url = server
    config = {"dataset": "circle", "layers": "4,3", "opt": "momentum", "lr": "0.01",
              "reg": "l2", "regRate": "0.001", "seed": "5"}
    sid, _ = new_session(url, config)
    _, frame = call(url, f"/api/session/{sid}/step", {"n": 4})
    status, blob = call(url, f"/api/session/{sid}/checkpoint")
    assert status == 200 and isinstance(blob, bytes)
    (tmp_path / "m.safetensors").write_bytes(blob)
    ck = chainrule.load(str(tmp_path / "m.safetensors"))
    assert ck["epoch"] == 4 and ck["config"]["layers"] == "4,3"
    np.testing.assert_array_equal(ck["model"]["0.weight"].numpy(),
                                  np.array(frame["weights"][0]["W"], dtype=np.float32))
    status, src = call(url, f"/api/session/{sid}/script")
    assert status == 200
    src = src.decode().replace("EPOCHS = 100", "EPOCHS = 4")
    (tmp_path / "run.py").write_text(src)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    r = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("epoch 4:")
    assert f"test loss {frame['testLoss']:.4f}" in last     # the same run, step for step
    saved = chainrule.load(str(tmp_path / "playground_model.safetensors"))
    np.testing.assert_allclose(saved["0.weight"].numpy(), ck["model"]["0.weight"].numpy(),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("config", [{"mode": "perceptron", "dataset": "gauss"},
                                    {"dataset": "quadrants4", "loss": "xent", "bn": "1",
                                     "dropout": "0.1", "init": "kaiming", "act": "relu"},
                                    {"dataset": "blobs3", "loss": "mse", "opt": "adam"},
                                    {"dataset": "plane", "layers": "", "reg": "l1",
                                     "regRate": "0.01", "init": "uniform"}])
def test_exported_script_runs(config, tmp_path):
    s = Session(Config.parse(config))
    (tmp_path / "run.py").write_text(s.export_script(epochs=2))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    r = subprocess.run([sys.executable, "run.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert ("test loss" in r.stdout) or ("test errors" in r.stdout)


# --- data sets, memory ------------------------------------------------------------------

@pytest.mark.parametrize("name", list(S.DATASETS))
def test_data_sets(name):
    X, y = make_dataset(name, points=300, noise=20, seed=1)
    kind, k = S.DATASETS[name]
    assert X.shape == (300, 2) and np.abs(X).max() <= S.DOMAIN
    if kind == "classification":
        assert sorted(set(y.tolist())) == list(range(k))
    else:
        assert y.dtype == np.float64 and np.abs(y).max() <= 1
    X2, y2 = make_dataset(name, points=300, noise=20, seed=1)
    np.testing.assert_array_equal(X, X2)


def test_memory_stays_flat_while_playing():
    s = Session(Config.parse({"dataset": "spiral", "layers": "8,8,8", "batch": "30"}))
    for _ in range(40):
        s.advance()
    tracemalloc.start()
    try:
        for _ in range(50):
            s.advance()
        mid = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            s.advance()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert end - mid < 200_000, f"memory grew by {end - mid} bytes over 200 frames"
    for _ in range(S.HISTORY_MAX * 2):          # the loss curve is decimated, not unbounded
        s._record()
    assert len(s.history) < S.HISTORY_MAX


# --- the command ------------------------------------------------------------------------

def test_chainrule_playground_command_starts_and_stops():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    p = subprocess.Popen([sys.executable, "-m", "chainrule", "playground", "--no-browser"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stdout.readline()
        assert line.startswith("chainrule playground: http://127.0.0.1:"), line
        url = line.split()[2]
        status, body = call(url, "/")
        assert status == 200 and b"chainrule playground" in body
        status, limits = call(url, "/api/limits")
        assert limits["maxLayers"] == 6 and limits["maxUnits"] == 8
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert "stopped" in out and "Traceback" not in err
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()


def test_host_warning_and_bad_port():
    from chainrule.cli import main
    with pytest.raises(SystemExit):
        main(["playground", "--port", "70000"])
    from chainrule.playground.cli import _is_loopback
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0")


def test_report_screenshots_skip_cleanly_without_chromium(monkeypatch, tmp_path, capsys):
    from chainrule.playground import report
    monkeypatch.setattr(report, "_chromium", lambda: None)
    assert report.report_sections(str(tmp_path)) == []
    assert "Chromium is not installed" in capsys.readouterr().out
