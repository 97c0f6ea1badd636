"""The documentation site: `docs/build.py` builds it strictly (broken internal links fail
the build), then every page is opened in headless Chromium (no console errors, every
image shown) and the search box finds a known page."""
import functools
import http.server
import os
import pathlib
import shutil
import subprocess
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
pytest.importorskip("mkdocs", reason="mkdocs is installed by the docs extra")
pytest.importorskip("mkdocstrings", reason="mkdocstrings is installed by the docs extra")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NO_MKDOCS_2_WARNING="1")
    r = subprocess.run([sys.executable, str(ROOT / "docs" / "build.py"), "--site-dir",
                        str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=1500)
    assert r.returncode == 0, (r.stdout[-3000:], r.stderr[-3000:])
    return out


def test_site_has_every_section(site):
    for page in ("index.html", "lecture/01_graph_and_backprop.html",
                 "lecture/09_custom_function.html", "howto/train-mnist.html",
                 "reference/index.html", "reference/chainrule_nn.html",
                 "compatibility.html", "benchmarks.html", "changelog.html"):
        assert (site / page).is_file(), page
    assert "class Linear" in (site / "reference" / "chainrule_nn.html").read_text() or \
        "Linear" in (site / "reference" / "chainrule_nn.html").read_text()


def test_broken_link_fails_the_build(tmp_path):
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns(
        "lecture", "reference"))
    (tmp_path / "docs" / "lecture").mkdir()
    for f in (ROOT / "docs" / "lecture").glob("*.ipynb"):
        shutil.copy(f, tmp_path / "docs" / "lecture" / f.name)
    (tmp_path / "docs" / "reference").mkdir()
    (tmp_path / "docs" / "reference" / "index.md").write_text("# API\n")
    for name in ("COMPATIBILITY.md", "BENCHMARKS.md", "CHANGELOG.md", "mkdocs.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text().replace(
        "paths: [src]", f"paths: [{ROOT / 'src'}]"))
    index = tmp_path / "docs" / "index.md"
    index.write_text(index.read_text() + "\n[a page that is not there](nowhere.md)\n")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d",
                        str(tmp_path / "out")], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, NO_MKDOCS_2_WARNING="1"), timeout=600)
    assert r.returncode != 0 and "nowhere.md" in r.stderr


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_every_page_in_a_real_browser(site):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if p.name != "404.html")
    server = _serve(site)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems = []
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            for rel in pages:
                errors.clear()
                page.goto(base + rel, wait_until="load")
                broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete "
                                       "&& i.naturalWidth > 0)).map(i => i.src)")
                if errors or broken:
                    problems.append((rel, errors[:3], broken[:3]))
            # Search: type a word, the results list the page about it.
            page.goto(base + "index.html", wait_until="load")
            page.click("label.md-search__icon, .md-search__input", timeout=5000)
            page.fill("input.md-search__input", "perceptron")
            page.wait_for_selector(".md-search-result__item", timeout=15000)
            hits = page.inner_text(".md-search-result__list")
            browser.close()
    finally:
        server.shutdown()
    assert not problems, problems
    assert "erceptron" in hits


def test_doctest_examples_become_code_blocks():
    import importlib.util
    spec = importlib.util.spec_from_file_location("doctest_blocks",
                                                  ROOT / "docs" / "doctest_blocks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = 'Summary.\n\n    >>> opt.param_groups[0]["lr"]\n    0.1\n\nMore text.'
    out = mod.fence_doctests(text)
    assert out.splitlines() == ["Summary.", "", "    ```pycon", '    >>> opt.param_groups[0]["lr"]',
                                "    0.1", "    ```", "", "More text."]
