"""PyTorch's module database (ModuleInfo `module_db`) against chainrule.nn, one test per module:
torch's state_dict loaded, outputs and parameter/input gradients compared. A module
COMPATIBILITY.md records as correct must stay correct. Skips without torch or expecttest."""
import pathlib

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

import opinfo_harness as H  # noqa: E402

try:
    import module_harness as M  # noqa: E402
    INFOS = {}
    for _info in M.load_module_db():
        INFOS.setdefault(_info.module_cls.__name__, _info)
except Exception as e:  # noqa: BLE001 - a torch without the testing database
    pytest.skip(f"module_db not importable: {e}", allow_module_level=True)

COMPATIBILITY = pathlib.Path(__file__).resolve().parents[2] / "COMPATIBILITY.md"
RECORDED = H.recorded_statuses(COMPATIBILITY) if COMPATIBILITY.exists() else {}
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(INFOS))
def test_module_matches_torch(name):
    result = M.run_module(INFOS[name])
    recorded = RECORDED.get(f"nn.{name}")
    failures = "\n".join(dict.fromkeys(result.failures[:10]))
    if result.status in ("missing", "untested"):
        assert recorded not in ("correct", "mostly"), \
            f"nn.{name}: COMPATIBILITY.md records it {recorded}, now {result.status}"
        pytest.skip(f"nn.{name}: {result.status}")
    if recorded == "correct":
        assert result.status == "correct", f"nn.{name} regressed:\n{failures}"
    elif recorded == "mostly":
        assert result.status in ("correct", "mostly"), f"nn.{name} regressed:\n{failures}"
    elif result.status not in ("correct", "mostly"):
        pytest.xfail(f"nn.{name} present but wrong: {result.first_failure}")
