"""Screenshots of the playground for `chainrule demo all`'s report: the page after training
XOR for a few epochs, and the backprop panel of one point. A report plug-in
(report_sections); it returns no section, and says why, when Chromium, Playwright or the
playground extra is missing. Takes a few seconds."""
import os
import shutil
import time

__all__ = ["report_sections", "screenshots"]

SETUP = "dataset=xor&layers=4,2&noise=5"
EPOCHS = 15


def _chromium():
    for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if p and os.path.exists(p):
            return p
    return None


def missing():
    """Why screenshots cannot be taken here (None when they can)."""
    if _chromium() is None:
        return "Chromium is not installed"
    for mod, extra in (("playwright", "test"), ("aiohttp", "playground")):
        try:
            __import__(mod)
        except ImportError:
            return f"{mod} is not installed (the {extra} extra)"
    return None


def screenshots(out):
    """Serve the playground, train XOR in a headless Chromium, and save two PNGs in `out`.
    Returns (paths, numbers measured on the page).

    >>> import tempfile
    >>> from chainrule.playground.report import screenshots
    >>> pngs, numbers = screenshots(tempfile.mkdtemp())  # Chromium processes # doctest: +SKIP
    >>> [p.rsplit("/", 1)[-1] for p in pngs]  # after Chromium processes # doctest: +SKIP
    ['playground_page.png', 'playground_backprop.png']
    """
    from playwright.sync_api import sync_playwright
    from .server import BackgroundServer
    os.makedirs(out, exist_ok=True)
    page_png = os.path.join(out, "playground_page.png")
    bp_png = os.path.join(out, "playground_backprop.png")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    with BackgroundServer() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=args)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 860})
            page.goto(url + "#" + SETUP)
            _wait(page, "window.playground && window.playground.ready")
            sid = page.evaluate("window.playground.session")
            page.evaluate(f"""() => fetch('/api/session/{sid}/step', {{method: 'POST',
                headers: {{'Content-Type': 'application/json'}},
                body: JSON.stringify({{n: {EPOCHS}}})}})""")
            page.click("#step")                     # the page draws the state after it
            _wait(page, f"window.playground.frame.epoch === {EPOCHS + 1}")
            frame = page.evaluate("window.playground.frame")
            page.screenshot(path=page_png, full_page=False)
            page.evaluate("window.playground.openBackprop('train', 0)")
            _wait(page, "window.playground.lastBackprop !== null")
            page.click("#bp-next")
            page.click("#bp-next")
            page.locator("#backprop").screenshot(path=bp_png)
            bp = page.evaluate("window.playground.lastBackprop")
        finally:
            browser.close()
    return [page_png, bp_png], {"epoch": frame["epoch"], "testLoss": frame["testLoss"],
                                "testAcc": frame["testAcc"], "loss": bp["loss"],
                                "steps": len(bp["backward"])}


def _wait(page, expr, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if page.evaluate(f"() => !!({expr})"):
            return
        time.sleep(0.05)
    raise RuntimeError(f"playground page: timed out waiting for {expr}")


def report_sections(out, quick=True):
    """[(title, html, [png paths])] for the demo report; [] when screenshots are impossible.

    >>> import tempfile
    >>> from chainrule.playground.report import report_sections
    >>> sections = report_sections(tempfile.mkdtemp())  # Chromium processes # doctest: +SKIP
    >>> [title for title, html, pngs in sections]  # after Chromium processes # doctest: +SKIP
    ['The playground in the browser']
    """
    why = missing()
    if why is not None:
        print(f"playground screenshots skipped: {why}")
        return []
    t0 = time.perf_counter()
    pngs, n = screenshots(out)
    secs = time.perf_counter() - t0
    text = (f"<p><code>chainrule playground</code>, screenshots taken in this run "
            f"({secs:.1f} s, headless Chromium): XOR with hidden layers 4, 2 (tanh, squared "
            f"error, SGD 0.03) after {n['epoch']} epochs, test loss {n['testLoss']:.4f}, "
            f"test accuracy {100 * n['testAcc']:.1f}%. Below, the backprop panel of training "
            f"point 0 (loss {n['loss']:.4g}), two of its {n['steps']} backward steps taken: "
            f"every number is chainrule.viz.trace's, computed by the server.</p>")
    return [("The playground in the browser", text, pngs)]
