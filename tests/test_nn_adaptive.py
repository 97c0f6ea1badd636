"""AdaptiveLogSoftmaxWithLoss against torch (state_dict loaded 1:1): output, loss,
log_prob, predict and gradients; NLLLoss2d as NLLLoss's alias."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")


def _pair(in_features=8, n_classes=20, cutoffs=(5, 12), div_value=2.0, head_bias=True):
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs),
                                            div_value=div_value, head_bias=head_bias).double()
    c = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs),
                                      div_value=div_value, head_bias=head_bias).to(cr.float64)
    assert list(c.state_dict()) == list(t.state_dict())
    c.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return c, t


@pytest.mark.parametrize("head_bias", [False, True])
def test_forward_log_prob_predict_and_gradients_match_torch(head_bias):
    c, t = _pair(head_bias=head_bias)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 8))
    y = np.array([0, 4, 5, 11, 12, 19, 3, 15, 7])
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oc, ot = c(xc, cr.tensor(y)), t(xt, torch.tensor(y))
    np.testing.assert_allclose(oc.output.detach().numpy(), ot.output.detach().numpy(), rtol=1e-10)
    assert float(oc.loss) == pytest.approx(float(ot.loss), rel=1e-10)
    oc.loss.backward()
    ot.loss.backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    tp = dict(t.named_parameters())
    for name, p in c.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-8, atol=1e-12)
    lp = c.log_prob(cr.tensor(x)).detach().numpy()
    np.testing.assert_allclose(lp, t.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.exp(lp).sum(1), 1.0, rtol=1e-10)
    assert c.predict(cr.tensor(x)).tolist() == t.predict(torch.tensor(x)).tolist()
    # unbatched
    o1 = c(cr.tensor(x[0]), cr.tensor(y[0]))
    assert o1.output.shape == () and float(o1.output) == pytest.approx(float(oc.output[0]))


def test_gradcheck_and_errors():
    c, _ = _pair(n_classes=10, cutoffs=(3, 6), in_features=4)
    x = cr.tensor(np.random.default_rng(1).standard_normal((5, 4)), requires_grad=True)
    y = cr.tensor([0, 3, 6, 9, 2])
    assert gradcheck(lambda v: c(v, y).loss, (x,))
    with pytest.raises(ValueError, match="cutoffs"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [6, 3])
    with pytest.raises(RuntimeError, match="Target values should be in"):
        c(x, cr.tensor([0, 1, 2, 3, 10]))
    assert issubclass(nn.NLLLoss2d, nn.NLLLoss)


@pytest.mark.parametrize("kw", [dict(), dict(bias=True, label_smoothing=0.1),
                                dict(out_features=(4, 3), bias=True),
                                dict(reduction="none", ignore_index=2)])
def test_linear_cross_entropy_loss_matches_torch(kw):
    t = torch.nn.LinearCrossEntropyLoss(5, 6, **kw).double()
    c = nn.LinearCrossEntropyLoss(5, 6, **kw).to(cr.float64)
    c.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 5))
    y = rng.integers(0, 6, (7,) + tuple(kw.get("out_features", ())))
    xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lc, lt = c(xc, cr.tensor(y)), t(xt, torch.tensor(y))
    np.testing.assert_allclose(lc.detach().numpy(), lt.detach().numpy(), rtol=1e-10)
    lc.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(c.linear.weight.grad.numpy(), t.linear.weight.grad.numpy(),
                               rtol=1e-8, atol=1e-12)


def test_data_parallel_runs_the_module_on_the_cpu():
    m = nn.Linear(3, 2)
    dp = nn.DataParallel(m)
    x = cr.randn(4, 3)
    np.testing.assert_array_equal(dp(x).detach().numpy(), m(x).detach().numpy())
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert dp.module is m and dp.device_ids == []
