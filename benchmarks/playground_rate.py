"""How many updates per second the playground delivers: the frames real headless Chromium
receives and draws from the server (issue: a page of 500 points and a
6x8 network keeps at least 20 updates per second on 2 cores).

    python benchmarks/playground_rate.py [--seconds 20]

Needs the playground extra (aiohttp) and, for the browser figures, Playwright with
Debian's chromium.
"""
import argparse
import os
import resource
import shutil
import sys
import time

SETUP = "dataset=spiral&points=500&layers=8,8,8,8,8,8&batch=10&act=tanh&lr=0.03"


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def browser_rate(url, seconds, minutes=0.0):
    """(frames/s received, frames/s drawn, [(minute, server RSS MB), ...])."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(url + "#" + SETUP)
        page.wait_for_function("window.playground && window.playground.ready", timeout=30000)
        cfg = page.evaluate("window.playground.config")
        assert (cfg["dataset"], str(cfg["layers"]), str(cfg["points"])) == (
            "spiral", "8,8,8,8,8,8", "500"), cfg      # the URL's setup was applied
        page.click("#play")
        time.sleep(2.0)  # warm up
        r0, d0 = page.evaluate("[window.playground.framesReceived, window.playground.framesDrawn]")
        t0 = time.perf_counter()
        time.sleep(seconds)
        r1, d1 = page.evaluate("[window.playground.framesReceived, window.playground.framesDrawn]")
        dt = time.perf_counter() - t0
        rss = [(0.0, _rss_mb())]
        while rss[-1][0] < minutes:   # keep training: the server's memory over time
            time.sleep(30)
            rss.append(((time.perf_counter() - t0) / 60, _rss_mb()))
        page.click("#play")
        browser.close()
        return (r1 - r0) / dt, (d1 - d0) / dt, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="then keep playing this long, sampling the server's RSS")
    args = ap.parse_args()
    from chainrule.playground.server import BackgroundServer
    print(f"load average before: {os.getloadavg()}")
    with BackgroundServer() as url:
        received, drawn, rss = browser_rate(url, args.seconds, args.minutes)
        print(f"headless Chromium, {SETUP}: {received:.1f} frames/s received, "
              f"{drawn:.1f} drawn")
        if len(rss) > 2:
            (m1, r1), (m2, r2) = rss[1], rss[-1]
            print(f"server RSS: {rss[0][1]:.1f} MB at start, {r1:.1f} MB at {m1:.1f} min, "
                  f"{r2:.1f} MB at {m2:.1f} min ({(r2 - r1) / (m2 - m1):+.2f} MB/min after "
                  f"the first sample); peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
