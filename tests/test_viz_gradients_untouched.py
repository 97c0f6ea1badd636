"""trace and draw_graph(backward=True) show their own gradients and leave .grad alone
(issue 11, item 4)."""
import numpy as np

import chainrule
from chainrule.viz import draw_graph, trace


def _graph():
    x = chainrule.tensor(2.0, requires_grad=True)
    w = chainrule.tensor(3.0, requires_grad=True)
    h = x * w
    return x, w, h, h + w


def test_trace_twice_shows_the_same_and_leaves_grad_none():
    x, w, h, f = _graph()
    t1 = trace(f, {"x": x, "w": w}, retain_graph=True)
    assert x.grad is None and w.grad is None and h.grad is None
    assert not h.retains_grad
    t2 = trace(f, {"x": x, "w": w}, retain_graph=True)
    assert float(t1.grads["w"]) == float(t2.grads["w"]) == 3.0  # df/dw = x + 1
    assert float(t2.grads["x"]) == 3.0


def test_trace_keeps_existing_grad():
    x, w, h, f = _graph()
    f.backward(retain_graph=True)
    before = (x.grad.item(), w.grad.item())
    tr = trace(f, {"x": x, "w": w}, retain_graph=True)
    assert (x.grad.item(), w.grad.item()) == before == (3.0, 3.0)
    assert float(tr.grads["x"]) == 3.0  # its own pass, not 6
    f.backward()
    assert (x.grad.item(), w.grad.item()) == (6.0, 6.0)  # the user's accumulation goes on
    assert h.grad is None  # trace's retain_grad did not stick


def _grad_labels(g):
    import re
    return re.findall(r"grad = [-0-9.e]+", g.source)


def test_draw_graph_backward_repeatable():
    x, w, h, f = _graph()
    x.grad = chainrule.tensor(100.0)
    draw_graph(f, {"x": x, "w": w}, backward=True)
    assert x.grad.item() == 100.0 and w.grad is None and h.grad is None
    # A second picture needs the graph again: the first freed it (no retain_graph asked).
    x, w, h, f = _graph()
    g1 = draw_graph(f, {"x": x, "w": w}, backward=True)
    x2, w2, h2, f2 = _graph()
    f2.backward(retain_graph=True)
    g2 = draw_graph(f2, {"x": x2, "w": w2}, backward=True)
    assert _grad_labels(g1) == _grad_labels(g2)
    assert x2.grad.item() == 3.0 and w2.grad.item() == 3.0
    assert sorted(_grad_labels(g1)) == ["grad = 1", "grad = 1", "grad = 3", "grad = 3"], \
        g1.source
    np.testing.assert_equal(h2.grad, None)


def test_pictures_of_a_freed_graph_say_why():
    import pytest
    x, w, h, f = _graph()
    f.backward()
    src = draw_graph(f).source
    assert "freed by backward" in src  # h's values are gone, as in PyTorch
    with pytest.raises(RuntimeError, match="retain_graph"):
        trace(f)
    with pytest.raises(RuntimeError, match="second time"):
        draw_graph(f, backward=True)
    assert x.grad.item() == 3.0  # untouched by the refused pictures
