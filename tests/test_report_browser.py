"""The HTML report opened in a real headless browser (Debian's Chromium).

Checks that the page renders (a screenshot that is not blank), that every <img> loaded
(complete with naturalWidth > 0; a probe script, injected into a copy of the report,
writes its findings into the DOM, which --dump-dom prints after load), and that the page
produced no console errors or uncaught errors. Skips when Chromium is not installed
(.ci/run installs it with apt-get before `make test`).
"""
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             "/usr/bin/chromium") if p and os.path.exists(p)), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="Chromium not installed (apt-get install chromium)")

# Runs first in <head>: records uncaught errors, failed resource loads and console.error /
# console.warn calls; after load, checks every image and writes JSON into <pre id=probe>.
PROBE = r"""<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target || {};
    errors.push(t.tagName ? ("resource failed: " + t.tagName + " " + (t.src || t.href || ""))
                          : ("uncaught: " + e.message));
  }, true);
  ["error", "warn"].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      errors.push("console." + level + ": " + Array.prototype.join.call(arguments, " "));
      return orig.apply(console, arguments);
    };
  });
  window.addEventListener("load", function () {
    var imgs = Array.prototype.slice.call(document.images);
    var bad = imgs.filter(function (im) { return !(im.complete && im.naturalWidth > 0); })
                  .map(function (im) { return im.alt; });
    var out = {images: imgs.length, broken: bad, errors: errors,
               sections: document.querySelectorAll("section").length,
               title: document.title,
               height: document.body.scrollHeight};
    var pre = document.createElement("pre");
    pre.id = "probe";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
})();
</script>"""


def _chromium(args, tmp_path, timeout=90):
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--no-first-run",
           "--disable-default-apps", "--disable-extensions", "--disable-sync",
           "--mute-audio", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "HOME": str(tmp_path)})


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report from the fast demos (the full `demo all` is run by `make demo`)."""
    from chainrule.demos.all import run_all
    out = tmp_path_factory.mktemp("report")
    path = run_all(out=str(out), quick=True, progress=False, verbose=False,
                   only=["backprop", "perceptron", "xor"], plugins=False)
    return path


def test_report_images_load_and_no_console_errors(report, tmp_path):
    html = open(report, encoding="utf-8").read()
    n_img = html.count("<img ")
    assert n_img >= 5
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")
    r = _chromium(["--virtual-time-budget=5000", "--dump-dom", probed.as_uri()], tmp_path)
    m = re.search(r'<pre id="probe">(.*?)</pre>', r.stdout, re.S)
    assert m, f"no probe output; chromium rc={r.returncode}, stderr: {r.stderr[-2000:]}"
    info = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">"))
    assert info["images"] == n_img
    assert info["broken"] == [], f"images that did not load: {info['broken']}"
    assert info["errors"] == [], f"page errors: {info['errors']}"
    assert info["sections"] == 3
    assert info["title"].startswith("chainrule")
    assert info["height"] > 2000  # figures laid out, not collapsed
    # The browser's own console log (messages of the page itself), in case anything
    # slipped past the probe: the report has no scripts, so the page must log nothing.
    console = [ln for ln in r.stderr.splitlines() if "CONSOLE" in ln]
    assert console == [], f"console messages: {console}"


def test_report_renders_visibly(report, tmp_path):
    shot = tmp_path / "shot.png"
    r = _chromium(["--window-size=1280,2400", "--hide-scrollbars",
                   f"--screenshot={shot}", "file://" + os.path.abspath(report)], tmp_path)
    assert shot.exists(), f"no screenshot; chromium rc={r.returncode}: {r.stderr[-2000:]}"
    import matplotlib.image as mpimg
    img = mpimg.imread(str(shot))
    assert img.shape[0] >= 2000 and img.shape[1] >= 1200
    # Not blank: the header band, text and figures give many distinct colours.
    px = (img[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    distinct = len(np.unique(px[:: 7], axis=0))
    assert distinct > 50, f"screenshot looks blank ({distinct} distinct colours)"
    # The header (dark blue band) is at the top.
    top = img[20:60, 100:400, :3].mean(axis=(0, 1))
    assert top[2] > top[0] + 0.2, f"header not rendered (top colour {top})"
