"""Report text is measured, not asserted (issue 11, items 2 and 3)."""
import types

import pytest

from chainrule.demos import run_demo


@pytest.fixture
def out(tmp_path):
    return str(tmp_path / "demo")


def test_zero_init_shows_symmetry_and_the_flat_point_separately(out):
    pytest.importorskip("matplotlib")
    res = run_demo("training", out=out, quick=True, progress=False)
    init = res.numbers["init"]
    z = init["zeros"]
    # Zero weights with a non-zero output bias: the units move, but all alike.
    assert z["distinct_units"] == 1 and z["w1_norm"] > 1e-3
    # All-zero on balanced data: no gradient at all (a flat point), measured.
    assert init["positive_fraction"] == 0.5 and init["all_zero_max_grad"] < 1e-6
    line = res.summary[1]
    assert "moved (norm" in line and "symmetry is never broken" in line
    assert "flat point" in line


def test_digits_difference_is_that_of_the_rounded_figures(out):
    pytest.importorskip("matplotlib")
    from chainrule.demos._common import pct
    res = run_demo("digits", out=out, quick=True, progress=False)
    n = res.numbers
    shown = float(pct(n["mlp_test_acc"])[:-1]) - float(pct(n["linear_test_acc"])[:-1])
    assert n["mlp_minus_linear_points"] == pytest.approx(round(shown, 1))
    assert f"{abs(shown):.1f} points" in res.summary[-1]


def test_lenet_section_says_what_was_run():
    pytest.importorskip("matplotlib")
    import tempfile
    from chainrule import reproduce
    with tempfile.TemporaryDirectory() as d:
        (title, html, figs), = reproduce.report_sections(d, True)
    assert "What was run" in html and "3 epochs" in html and "(quick mode)" in html
    assert "before training" in html and "moved" in html
    assert "edge and stroke detectors" not in html and " in 0 s" not in html


def test_report_plugins_get_the_runs_quick_flag(monkeypatch, tmp_path):
    from chainrule.demos import all as demo_all
    seen = []
    fake = types.ModuleType("fake_plugin")
    fake.report_sections = lambda out, quick: seen.append(quick) or [("t", "<p>x</p>", [])]
    monkeypatch.setattr(demo_all, "REPORT_PLUGINS", ("fake_plugin",))
    import chainrule.cli as cli
    monkeypatch.setattr(cli, "_optional", lambda name: fake)
    demo_all._plugin_sections(str(tmp_path), False, lambda m: None)
    demo_all._plugin_sections(str(tmp_path), True, lambda m: None)
    assert seen == [False, True]
