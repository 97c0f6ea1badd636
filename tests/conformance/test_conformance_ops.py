"""PyTorch's own op database (OpInfo `op_db`) against chainrule, one test per op.

An op COMPATIBILITY.md records as correct on all samples must stay so, one recorded correct on
>= 90% must stay at least there; an op chainrule gained since (another branch's) passes when
correct and is reported as an expected failure when not. `make compat` regenerates the file.
Skips without torch or expecttest (op_db imports it).
"""
import pathlib

import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

import opinfo_harness as H  # noqa: E402

COMPATIBILITY = pathlib.Path(__file__).resolve().parents[2] / "COMPATIBILITY.md"
try:
    GROUPS = H.group_by_name(H.load_op_db())
except Exception as e:  # noqa: BLE001 - a torch without the testing database
    pytest.skip(f"op_db not importable: {e}", allow_module_level=True)
RECORDED = H.recorded_statuses(COMPATIBILITY) if COMPATIBILITY.exists() else {}

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_op_matches_torch(name):
    result = H.run_op(name, GROUPS[name])
    recorded = RECORDED.get(name)
    failures = "\n".join(dict.fromkeys(result.failures[:10]))
    if result.status.startswith("n/a"):
        pytest.skip(f"{name}: {result.status}")
    if result.status == "missing":
        assert recorded not in ("correct", "mostly"), \
            f"{name}: COMPATIBILITY.md records it present and {recorded}, chainrule lacks it now"
        pytest.skip(f"chainrule has no {name}")
    if recorded == "correct":
        assert result.status == "correct", (
            f"{name}: recorded correct on all samples in COMPATIBILITY.md, now "
            f"{result.passed}/{result.total}:\n{failures}")
    elif recorded == "mostly":
        assert result.status in ("correct", "mostly"), (
            f"{name}: recorded correct on >= 90% in COMPATIBILITY.md, now "
            f"{result.passed}/{result.total}:\n{failures}")
    elif result.status not in ("correct", "mostly"):
        pytest.xfail(f"{name} present but wrong ({result.passed}/{result.total}): "
                     f"{result.first_failure}")
