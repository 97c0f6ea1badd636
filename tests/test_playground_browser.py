"""The playground page in a real headless browser (Debian's Chromium, driven by Playwright):
it loads with no console errors, play on XOR with 2 hidden layers brings the test loss
under 0.1, the heat maps are drawn, clicking a point opens the graph with the API's
numbers, a shared URL restores the setup, a bad one is explained in the page, a link's
weight can be edited by clicking it. Skips when Chromium or Playwright is missing (.ci/run
installs Chromium with apt-get; Playwright comes with the test extra)."""
import json
import os
import shutil
import time
import urllib.request

import numpy as np
import pytest

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             "/usr/bin/chromium") if p and os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Chromium not installed (apt-get install chromium)")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright not installed (pip install playwright)")
pytest.importorskip("aiohttp", reason="the playground extra (aiohttp) is not installed")
from chainrule.playground.server import BackgroundServer  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server():
    with BackgroundServer() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page of the playground with its console errors collected."""

    def __init__(self, browser, url):
        self.page = browser.new_page(viewport={"width": 1500, "height": 1100})
        self.errors = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and
                     self.errors.append(f"console.{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.goto(url)
        self.wait("window.playground && window.playground.ready")

    def js(self, expr):
        return self.page.evaluate(expr)

    def wait(self, expr, timeout=60):
        # polled from here: the page's Content-Security-Policy forbids Playwright's
        # in-page polling (it evaluates strings)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.js(f"() => !!({expr})"):
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expr}")

    def close(self):
        self.page.close()


@pytest.fixture
def page_at(browser, server):
    pages = []

    def open_(hash_=""):
        p = Page(browser, server + ("#" + hash_ if hash_ else ""))
        pages.append(p)
        return p
    yield open_
    for p in pages:
        p.close()


def api(server, path, body):
    req = urllib.request.Request(server.rstrip("/") + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def canvas_colours(p, selector):
    """How many distinct colours a canvas shows (drawn, not blank)."""
    return p.js(f"""() => {{
        const c = document.querySelector({json.dumps(selector)});
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 16) seen.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
        return seen.size; }}""")


def test_loads_clean_and_xor_learns_when_playing(page_at):
    p = page_at("dataset=xor&layers=4,2")
    assert p.js("document.title") == "chainrule playground"
    assert p.js("window.playground.config.layers") == "4,2"
    assert canvas_colours(p, "#heatmap") > 20            # the output's decision surface
    assert canvas_colours(p, "#net-canvas") > 20         # links and the units' heat maps
    p.page.click("#play")
    p.wait("window.playground.frame.testLoss < 0.1", timeout=180)
    p.page.click("#play")                                # pause
    f = p.js("window.playground.frame")
    assert f["testLoss"] < 0.1 and f["epoch"] >= 1
    assert int(p.page.inner_text("#epoch")) == f["epoch"] or p.js(
        "window.playground.playing") is False
    assert float(p.page.inner_text("#test-loss")) < 0.1
    assert p.js("window.playground.history.length") >= 2
    assert p.errors == [], p.errors


def test_clicking_a_point_shows_the_apis_backprop(page_at, server):
    p = page_at("dataset=circle&layers=3,2&noise=10")
    p.page.click("#step")
    p.wait("window.playground.frame.epoch === 1")
    # the pixel of training point 5 on the output heat map
    x, y = p.js("""() => { const s = window.playground.state, c = document.getElementById('heatmap');
        const r = c.getBoundingClientRect(), D = s.domain, pt = s.train.x[5];
        return [r.left + (pt[0] + D) / (2 * D) * r.width, r.top + (D - pt[1]) / (2 * D) * r.height]; }""")
    p.page.mouse.click(x, y)
    p.wait("window.playground.lastBackprop && "
           "!document.getElementById('backprop').classList.contains('hidden')")
    clicked = p.js("window.playground.selected")
    sid = p.js("window.playground.session")
    ref = api(server, f"/api/session/{sid}/backprop", clicked)
    # what the page shows: each node's value, then every backward step's numbers
    shown = p.js("""() => [...document.querySelectorAll('#bp-graph .node')].map(n => [
        n.dataset.output, JSON.parse(n.querySelector('.num.fwd').dataset.full)])""")
    assert [o for o, _ in shown] == [n["output"] for n in ref["forward"]]
    for (_, v), node in zip(shown, ref["forward"]):
        np.testing.assert_array_equal(np.array(v), np.array(node["value"]))
    n_steps = len(ref["backward"])
    assert p.page.inner_text("#bp-position") == f"backward step 0 of {n_steps}"
    for k in range(1, n_steps + 1):
        p.page.click("#bp-next")
        step = ref["backward"][k - 1]
        got_up = p.js("JSON.parse(document.querySelector('#bp-step h3 .num').dataset.full)")
        np.testing.assert_array_equal(np.array(got_up), np.array(step["upstream"]))
        prods = p.js("[...document.querySelectorAll('#bp-step .num.product')]"
                     ".map(e => JSON.parse(e.dataset.full))")
        assert len(prods) == len(step["parts"])
        for got, part in zip(prods, step["parts"]):
            np.testing.assert_array_equal(np.array(got), np.array(part["product"]))
        current = p.js("document.querySelector('#bp-graph .node.current').dataset.output")
        assert current == step["output"]
    leaves = p.js("""() => Object.fromEntries([...document.querySelectorAll('.leaf-grad')].map(
        e => [e.dataset.name, JSON.parse(e.querySelector('.num').dataset.full)]))""")
    assert set(leaves) == set(ref["grads"])
    for k, g in ref["grads"].items():
        np.testing.assert_array_equal(np.array(leaves[k]), np.array(g))
    # the first backward step of an MSE loss: the seed dL/dL = 1, shown as such
    assert ref["backward"][0]["upstream"] == 1.0
    assert p.errors == [], p.errors


def test_a_shared_url_restores_the_setup(page_at, server):
    setup = ("dataset=spiral&points=300&noise=15&ratio=60&batch=5&seed=4&"
             "features=x1,x2,sinx1&layers=5,3,2&act=relu&lr=0.01&reg=l2&regRate=0.003&"
             "loss=xent&opt=adam&init=kaiming&dropout=0.1&bn=1")
    p = page_at(setup)
    cfg = p.js("window.playground.config")
    want = dict(kv.split("=") for kv in setup.split("&"))
    for k, v in want.items():
        assert float(cfg[k]) == float(v) if k in ("lr", "regRate", "dropout") else cfg[k] == v, k
    assert p.page.input_value("#dataset") == "spiral"
    assert p.page.input_value("#act") == "relu"
    assert p.page.input_value("#opt") == "adam"
    assert p.page.is_checked("#bn") and p.page.is_checked("#feature-sinx1")
    assert not p.page.is_checked("#feature-x1sq")
    assert p.js("window.playground.state.sizes") == [3, 5, 3, 2, 1]
    assert p.js("window.playground.state.train.x.length") == 180
    # a change made in the page goes into the URL; that link opens the same setup
    p.page.select_option("#act", "tanh")
    p.wait("window.playground.config.act === 'tanh'")
    link = p.page.url
    assert "act=tanh" in link
    q = page_at(link.split("#", 1)[1])
    assert q.js("window.playground.config") == p.js("window.playground.config")
    assert q.js("window.playground.state.train.x") == p.js("window.playground.state.train.x")
    assert q.js("window.playground.frame.weights") == p.js("window.playground.frame.weights")
    assert p.errors == [] and q.errors == []


def test_bad_values_are_explained_in_the_page(page_at):
    p = page_at("dataset=xor&layers=4,12")
    p.wait("document.getElementById('message').className === 'error'")
    assert "layers" in p.page.inner_text("#message")
    assert p.js("window.playground.config.dataset") == "circle"   # the defaults instead
    p.page.fill("#points", "5")
    p.page.dispatch_event("#points", "change")
    p.wait("document.getElementById('message').textContent.includes('points')")
    assert p.js("window.playground.config.points") == "500"


def test_editing_a_link_by_clicking_it(page_at):
    p = page_at("dataset=xor&layers=2")
    x, y = p.js("""() => { const g = window.playground.geometry.find(
            i => i.kind === 'W' && i.layer === 1 && i.to === 0 && i.from === 1);
        const c = document.getElementById('net-canvas'), r = c.getBoundingClientRect();
        const t = 0.5, u = 0.5, q = g.p;
        const px = u*u*u*q[0] + 3*u*u*t*q[2] + 3*u*t*t*q[4] + t*t*t*q[6];
        const py = u*u*u*q[1] + 3*u*u*t*q[3] + 3*u*t*t*q[5] + t*t*t*q[7];
        return [r.left + px, r.top + py]; }""")
    p.page.mouse.move(x, y)
    assert "W2[0,1]" in p.page.inner_text("#tooltip")
    p.page.mouse.click(x, y)
    assert "W2[0,1]" in p.page.inner_text("#we-label")
    p.page.fill("#we-value", "-2.5")
    p.page.press("#we-value", "Enter")
    p.wait("window.playground.frame.weights[1].W[0][1] === -2.5")
    assert p.errors == [], p.errors


def test_demo_report_screenshots(tmp_path):
    # in a fresh process: Playwright's sync API cannot nest in this module's browser
    import subprocess
    import sys
    import matplotlib.image as mpimg
    code = ("import json, sys; from chainrule.playground.report import report_sections; "
            "print(json.dumps(report_sections(sys.argv[1])))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                       text=True, timeout=180, env=env)
    assert r.returncode == 0, r.stderr
    (title, body, pngs), = json.loads(r.stdout.strip().splitlines()[-1])
    assert "playground" in title and "test loss" in body and len(pngs) == 2
    for png in pngs:
        img = mpimg.imread(png)
        assert img.shape[0] > 200 and img.shape[1] > 600
        px = (img[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
        assert len(np.unique(px[::5], axis=0)) > 50, f"{png} looks blank"
