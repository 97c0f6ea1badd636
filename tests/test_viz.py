"""chainrule.viz: draw_graph (DOT text, rendering with and without graphviz) and trace."""
import re

import numpy as np
import pytest

import chainrule
from chainrule.viz import draw_graph, trace
from chainrule.viz.graph import Graph, format_number, walk


def worked_example():
    x = chainrule.tensor(1.0, requires_grad=True)
    y = chainrule.tensor(-2.0, requires_grad=True)
    z = chainrule.tensor(3.0, requires_grad=True)
    x.name, y.name, z.name = "x", "y", "z"
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return x, y, z, q, f


def dot_nodes(source):
    """{dot id: label} and [(src, dst)] parsed from DOT text."""
    nodes = {m.group(1): m.group(2).replace("\\n", "\n")
             for m in re.finditer(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)"', source, re.M)}
    edges = re.findall(r"^\s*(\w+) -> (\w+);", source, re.M)
    return nodes, edges


def test_worked_example_dot_has_every_node_value_and_grad():
    x, y, z, q, f = worked_example()
    g = draw_graph(f, backward=True)
    nodes, edges = dot_nodes(g.source)
    by_name = {lab.split("\n")[0]: (k, lab) for k, lab in nodes.items()}
    expect = {"x": (1, 3), "y": (-2, 3), "z": (3, -1), "q": (-1, 3), "f": (-3, 1)}
    for name, (val, grad) in expect.items():
        assert name in by_name, f"tensor {name} missing from DOT:\n{g.source}"
        lab = by_name[name][1]
        assert f"value = {val}" in lab.split("\n"), lab
        assert f"grad = {grad}" in lab.split("\n"), lab
    ops = [lab for k, lab in nodes.items() if k.startswith("op")]
    assert sorted(lab.split("\n")[-1] for lab in ops) == ["add", "mul"]
    ids = {name: k for name, (k, _) in by_name.items()}
    op_of = {lab.split("\n")[-1]: k for k, lab in nodes.items() if k.startswith("op")}
    # edges in the forward direction: inputs -> op -> output
    for src, dst in [("x", "add"), ("y", "add"), ("q", "mul"), ("z", "mul")]:
        assert (ids[src], op_of[dst]) in edges
    assert (op_of["add"], ids["q"]) in edges
    assert (op_of["mul"], ids["f"]) in edges
    assert len(edges) == 6
    assert g.source.startswith("digraph")


def test_draw_graph_before_backward_has_no_grads_and_params_names():
    a = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = chainrule.tensor(2.0, requires_grad=True)
    out = (a * w).sum()
    src = draw_graph(out, params={"a": a, "w": w}).source
    assert "grad" not in src
    nodes, _ = dot_nodes(src)
    labels = list(nodes.values())
    assert any(lab.startswith("a\nvalue [1, 2, 3]") for lab in labels), labels
    assert any(lab.startswith("w\nvalue = 2") for lab in labels), labels
    out.backward()
    src = draw_graph(out, params={"a": a, "w": w}).source
    assert "grad [2, 2, 2]" in src.replace("\\n", "\n")
    assert "grad = 6" in src


def test_draw_graph_large_tensor_shows_shape_and_stats():
    W = chainrule.ones(10, 20, requires_grad=True)
    W.name = "W"
    s = (W * 3).sum()
    src = draw_graph(s).source.replace("\\n", "\n")
    assert "W\nshape [10×20]\nmean 1  std 0" in src
    assert "value = 600" in src


def test_draw_graph_rejects_non_tensor():
    with pytest.raises(TypeError, match="draw_graph"):
        draw_graph(3.0)


def test_walk_shared_subexpression_once():
    x = chainrule.tensor(2.0, requires_grad=True)
    h = x * x
    y = h + h
    tensors, nodes, edges, _ = walk(y)
    assert len(nodes) == 2          # mul, add
    assert len(tensors) == 3        # x, h, y
    # h feeds add twice but appears as one edge in the picture
    assert len(edges) == len(set(edges))


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_render_matplotlib_fallback(tmp_path, fmt):
    *_, f = worked_example()
    f.backward()
    path = draw_graph(f).render(tmp_path / f"g.{fmt}", engine="matplotlib")
    data = open(path, "rb").read()
    if fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        import matplotlib.image as mpimg
        img = mpimg.imread(path)
        assert img.shape[0] > 100 and img.shape[1] > 300
    else:
        assert b"<svg" in data[:500]


def test_render_dot_format_and_jupyter_reprs(tmp_path):
    *_, f = worked_example()
    g = draw_graph(f)
    p = g.render(tmp_path / "g.dot")
    assert open(p).read() == g.source
    assert g._repr_svg_().lstrip().startswith(("<?xml", "<svg"))
    assert g._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="unsupported format"):
        g.pipe("bmp")


def test_graphviz_engine_when_installed(tmp_path):
    import shutil
    if shutil.which("dot") is None:
        pytest.skip("graphviz `dot` not installed; the matplotlib fallback is tested above")
    *_, f = worked_example()
    out = draw_graph(f).render(tmp_path / "g.svg", engine="dot")
    assert "<svg" in open(out).read()


def test_layout_layers_follow_edges():
    *_, f = worked_example()
    g = draw_graph(f)
    lay = g.layout()
    for a, b in g.edges:
        assert lay[a][0] < lay[b][0]


def test_format_number():
    assert format_number(3.0) == "3"
    assert format_number(-0.5) == "-0.5"
    assert format_number(0.0) == "0"
    assert format_number(1e-7) == "1e-07"


# --- trace -------------------------------------------------------------------------------

def test_trace_worked_example_forward_and_backward():
    x, y, z, q, f = worked_example()
    tr = trace(f)
    # forward: q = x + y = -1 keeps dq/dx = dq/dy = 1; f = q z = -3 keeps df/dq = z, df/dz = q
    assert [s.op for s in tr.forward] == ["add", "mul"]
    add, mul = tr.forward
    assert add.output[0] == "q" and float(add.output[1]) == -1
    assert {n: float(d) for n, d, _ in add.local} == {"x": 1.0, "y": 1.0}
    assert mul.output[0] == "f" and float(mul.output[1]) == -3
    assert {n: float(d) for n, d, _ in mul.local} == {"q": 3.0, "z": -1.0}
    # backward in the engine's order: mul first, then add; upstream x local = product
    assert [s.op for s in tr.backward] == ["mul", "add"]
    b_mul, b_add = tr.backward
    assert float(b_mul.upstream) == 1.0
    assert {n: (float(loc), float(prod)) for n, loc, prod in b_mul.parts} == \
        {"q": (3.0, 3.0), "z": (-1.0, -1.0)}
    assert float(b_add.upstream) == 3.0
    assert {n: (float(loc), float(prod)) for n, loc, prod in b_add.parts} == \
        {"x": (1.0, 3.0), "y": (1.0, 3.0)}
    for s in tr.backward:
        for n, loc, prod in s.parts:
            assert float(s.upstream) * float(loc) == float(prod)
    assert {k: float(v) for k, v in tr.grads.items()} == {"x": 3.0, "y": 3.0, "z": -1.0}
    assert list(tr.grads) == ["x", "y", "z"]
    # it ran its own backward: the user's .grad is untouched (issue 11, item 4)
    assert x.grad is None and z.grad is None and q.grad is None and not q.retains_grad
    text = str(tr)
    assert "3 × 1 = 3" in text and "1 × -1 = -1" in text
    html = tr.to_html()
    assert html.count("<table") == 3 and "df/dq = 3" in html
    assert "| 1 | mul |" in tr.to_markdown()


def test_trace_matches_engine_on_vector_graph():
    chainrule.manual_seed(0)
    W = chainrule.randn(2, 3, dtype=chainrule.float64, requires_grad=True)
    b = chainrule.randn(2, dtype=chainrule.float64, requires_grad=True)
    x = chainrule.randn(3, dtype=chainrule.float64)
    W.name, b.name = "W", "b"
    L = ((W @ x + b).tanh() ** 2).sum()
    tr = trace(L)
    # each backward step's product equals the local Jacobian applied to the upstream grad
    for s in tr.backward:
        fwd = next(f for f in tr.forward if f.op == s.op and f.output[0] == s.output)
        jac = {n: d for n, d, _ in fwd.local}
        for n, loc, prod in s.parts:
            J = jac[n]
            up = np.asarray(s.upstream)
            vjp = np.tensordot(up, J, axes=up.ndim)
            np.testing.assert_allclose(vjp, prod, rtol=1e-12, atol=1e-12)
    # and the leaves' gradients equal the engine's (compare with a fresh graph)
    W2 = W.detach().clone().requires_grad_(True)
    b2 = b.detach().clone().requires_grad_(True)
    ((W2 @ x + b2).tanh() ** 2).sum().backward()
    np.testing.assert_allclose(tr.grads["W"], W2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tr.grads["b"], b2.grad.numpy(), rtol=1e-12)


def test_trace_then_draw_graph_asks_for_gradients_explicitly():
    *_, q, f = worked_example()
    trace(f, retain_graph=True)
    assert "grad =" not in draw_graph(f).source  # trace left no gradients behind
    src = draw_graph(f, backward=True).source.replace("\\n", "\n")
    assert "q\nvalue = -1\ngrad = 3" in src


def test_trace_errors():
    with pytest.raises(TypeError, match="trace"):
        trace(1.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        trace(chainrule.tensor(1.0) * 2)


def test_trace_observer_removed_after_error():
    from chainrule.autograd import engine
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        trace(x * 2)    # non-scalar without gradient
    assert engine._TRACE == []


def test_graph_repr():
    *_, f = worked_example()
    g = draw_graph(f)
    assert isinstance(g, Graph)
    assert repr(g) == "<Graph: 5 tensors, 2 ops, 6 edges>"


def test_names_from_the_callers_variables():
    a = chainrule.tensor(2.0, requires_grad=True)
    b = chainrule.tensor(5.0, requires_grad=True)
    prod = a * b
    out = prod + 1
    src = draw_graph(out).source.replace("\\n", "\n")
    for name in ("a", "b", "prod", "out"):
        assert f'"{name}\nvalue' in src, (name, src)
    tr = trace(out, retain_graph=True)  # the pictures below need the values (item 9)
    assert [s.output[0] for s in tr.forward] == ["prod", "out"]
    # explicit names win; local_names=False falls back to t1, t2, ...
    prod.name = "p"
    assert '"p\nvalue' in draw_graph(out).source.replace("\\n", "\n")
    src = draw_graph(out, local_names=False).source.replace("\\n", "\n")
    assert '"t1\nvalue' in src and '"out\nvalue' not in src


def test_render_without_matplotlib_or_dot_says_what_to_install(monkeypatch, tmp_path):
    import sys
    *_, f = worked_example()
    g = draw_graph(f)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="chainrule\\[viz\\]"):
        g.render(tmp_path / "g.png", engine="matplotlib")
    assert g.render(tmp_path / "g.dot").endswith("g.dot")     # DOT text needs neither
