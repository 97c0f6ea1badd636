"""The lecture's worked example f = (x + y) z, as code and as the README's first snippet."""
import contextlib
import io
import pathlib
import re

import chainrule as cr

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_worked_example():
    x = cr.tensor(1.0, requires_grad=True)
    y = cr.tensor(-2.0, requires_grad=True)
    z = cr.tensor(3.0, requires_grad=True)
    q = x + y
    f = q * z
    f.backward()
    assert q.item() == -1.0 and f.item() == -3.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (3.0, 3.0, -1.0)
    # the local derivatives the lecture multiplies along the graph
    assert f.grad_fn.backward_name == "MulBackward0"
    assert f.grad_fn.next_functions[0][0] is q.grad_fn
    assert q.grad_fn.backward_name == "AddBackward0"


def test_readme_first_code_block_runs_and_prints_the_lecture_values():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python code block"
    first = blocks[0]
    assert "(x + y)" in first or "x + y" in first
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(first, "README.md", "exec"), {})  # noqa: S102 - our own README
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d+", out.getvalue())]
    assert numbers == [-3.0, 3.0, 3.0, -1.0], out.getvalue()
