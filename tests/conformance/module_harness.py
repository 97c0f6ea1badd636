"""Run PyTorch's module database (ModuleInfo `module_db`) against chainrule.nn, and list the
optimizers and distributions torch has against chainrule's, by introspection.

For each ModuleInfo whose class name chainrule.nn has: every reference constructor input and
forward input (float32 and float64, train and eval where they differ), the torch module's
state_dict loaded into the chainrule module, outputs compared, then the gradients of a random
cotangent w.r.t. every parameter and every input that requires grad.
"""
import collections
import dataclasses
import warnings

import numpy as np

import chainrule as cr
import opinfo_harness as H

MAX_INPUTS = 6  # per module, dtype and mode


@dataclasses.dataclass
class ModuleResult:
    name: str
    status: str
    passed: int = 0
    total: int = 0
    failures: list = dataclasses.field(default_factory=list)

    @property
    def first_failure(self):
        return self.failures[0] if self.failures else ""


def load_module_db():
    import torch  # noqa: F401
    import expecttest  # noqa: F401
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.testing._internal.common_modules import module_db
    return module_db


def _cr_module(name):
    cls = getattr(cr.nn, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, cr.nn.Module) else None


def _check_input(info, cr_cls, mod_input, dtype, training):
    import torch
    conv = H.Converter()
    try:
        c_args, c_kwargs = conv(mod_input.constructor_input.args), conv(
            mod_input.constructor_input.kwargs)
        f_args, f_kwargs = conv(mod_input.forward_input.args), conv(mod_input.forward_input.kwargs)
    except H.ConversionError:
        return "skip"  # e.g. a torch layer given to a container: not chainrule's to run
    try:
        torch.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m_t = info.module_cls(*mod_input.constructor_input.args,
                                  **mod_input.constructor_input.kwargs).to(dtype)
            m_t.train(training)
            expected = m_t(*mod_input.forward_input.args, **mod_input.forward_input.kwargs)
    except Exception:  # noqa: BLE001 - torch rejects its own input
        return "skip"
    cr_dtype = H.cr_dtype(dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m_c = cr_cls(*c_args, **c_kwargs)
            m_c.to(cr_dtype)
            m_c.train(training)
    except Exception as e:  # noqa: BLE001
        return f"constructor raises {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    state = {k: cr.tensor(v.detach().numpy().copy()) for k, v in m_t.state_dict().items()}
    try:
        m_c.load_state_dict(state)
    except Exception as e:  # noqa: BLE001
        return f"torch's state_dict does not load: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    try:
        cr.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = m_c(*f_args, **f_kwargs)
    except Exception as e:  # noqa: BLE001
        return f"forward raises {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    try:
        H.compare(expected, got)
    except H.Mismatch as e:
        if _random(m_c, conv, mod_input):
            try:
                H._compare_shapes(expected, got)
                return None
            except H.Mismatch as e2:
                return str(e2)
        return str(e)
    except Exception as e:  # noqa: BLE001
        return f"invalid result: {type(e).__name__}: {str(e).splitlines()[0][:160]}"
    t_params = [(n, p) for n, p in m_t.named_parameters() if p.requires_grad]
    c_params = dict(m_c.named_parameters())
    if any(n not in c_params for n, _ in t_params):
        missing = [n for n, _ in t_params if n not in c_params]
        return f"parameters {missing} missing in chainrule's module"
    pairs = conv.grad_pairs + [(p, c_params[n]) for n, p in t_params]
    if not pairs:
        return None
    return H._check_gradients(expected, got, pairs)


def _random(m_c, conv, mod_input):
    outs = []
    for seed in (0, 1, 2):
        cr.manual_seed(seed)
        try:
            outs.append(m_c(*H.Converter()(mod_input.forward_input.args),
                            **H.Converter()(mod_input.forward_input.kwargs)))
        except Exception:  # noqa: BLE001
            return False
    return H._differs(outs[0], outs[1]) or H._differs(outs[0], outs[2])


def run_module(info, max_inputs=MAX_INPUTS):
    import torch
    name = info.module_cls.__name__
    cr_cls = _cr_module(name)
    if cr_cls is None:
        return ModuleResult(name, "missing")
    passed = total = 0
    failures = []
    for dtype in (torch.float32, torch.float64):
        if dtype not in info.supported_dtypes("cpu"):
            continue
        for training in ((True, False) if info.train_and_eval_differ else (True,)):
            torch.manual_seed(0)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    inputs = info.module_inputs_func(info, device="cpu", dtype=dtype,
                                                     requires_grad=True, training=training)
            except Exception:  # noqa: BLE001
                continue
            for mod_input in H._pick(list(inputs), max_inputs):
                why = _check_input(info, cr_cls, mod_input, dtype, training)
                if why == "skip":
                    continue
                total += 1
                if why is None:
                    passed += 1
                else:
                    mode = "train" if training else "eval"
                    failures.append(f"[{str(dtype).split('.')[-1]}, {mode}] "
                                    f"{mod_input.desc or 'input'}: {why}")
    if total == 0:
        status = "untested"
    elif passed == total:
        status = "correct"
    elif passed >= H.MOSTLY * total:
        status = "mostly"
    else:
        status = "wrong"
    return ModuleResult(name, status, passed, total, failures)


def run_modules(names=None):
    out = []
    seen = set()
    for info in load_module_db():
        name = info.module_cls.__name__
        if (names and name not in names) or name in seen:
            continue
        seen.add(name)
        out.append(run_module(info))
    return out


# ---------------------------------------------------------------- optimizers, distributions

def optimizer_rows():
    """(name, chainrule has it) for every Optimizer subclass torch.optim exports."""
    import torch
    rows = []
    for name in sorted(dir(torch.optim)):
        obj = getattr(torch.optim, name)
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer) and \
                obj is not torch.optim.Optimizer:
            c = getattr(cr.optim, name, None)
            rows.append((name, isinstance(c, type) and issubclass(c, cr.optim.Optimizer)))
    return rows


def distribution_rows():
    """(name, chainrule has it) for every Distribution subclass torch.distributions exports."""
    import torch.distributions as D
    try:
        import chainrule.distributions as CD
    except ImportError:
        CD = None
    rows = []
    for name in sorted(getattr(D, "__all__", dir(D))):
        obj = getattr(D, name, None)
        if isinstance(obj, type) and issubclass(obj, D.Distribution) and obj is not D.Distribution:
            c = getattr(CD, name, None) if CD is not None else None
            rows.append((name, isinstance(c, type)))
    return rows


def report_sections():
    lines = []
    results = run_modules()
    count = collections.Counter(r.status for r in results)
    present = sum(r.status != "missing" for r in results)
    good = count["correct"] + count["mostly"]
    lines += [
        "## Modules (PyTorch's ModuleInfo database, `module_db`)", "",
        "Each module class of `torch.testing._internal.common_modules.module_db` that "
        "chainrule.nn has (found by class name) is built with each reference constructor "
        "input, loaded with the torch module's `state_dict`, and run on the reference forward "
        f"input (float32 and float64, train and eval where they differ, at most {MAX_INPUTS} "
        "inputs each): outputs compared, then the gradients of a random cotangent w.r.t. every "
        "parameter and every input that requires grad.", "",
        "| | modules |", "|---|---:|",
        f"| in module_db | {len(results)} |",
        f"| present in chainrule.nn | {present} |",
        f"| correct on all inputs | {count['correct']} |",
        f"| correct on >= 90% of inputs | {count['mostly']} |",
        f"| **present and correct** | **{good}** |",
        f"| present but wrong | {count['wrong']} |",
        f"| present, no input torch accepts | {count['untested']} |",
        f"| missing | {count['missing']} |", "",
        "| module | status | inputs passed | first failure |", "|---|---|---:|---|"]
    for r in sorted(results, key=lambda r: (["wrong", "untested", "mostly", "correct",
                                             "missing"].index(r.status), r.name)):
        passed = f"{r.passed}/{r.total}" if r.total else ""
        text = r.first_failure.replace("|", "\\|")
        lines.append(f"| `nn.{r.name}` | {H.STATUS_WORDS[r.status]} | {passed} | "
                     f"{text[:220]} |")
    for title, rows, where in (("Optimizers", optimizer_rows(), "torch.optim"),
                               ("Distributions", distribution_rows(), "torch.distributions")):
        have = sum(h for _, h in rows)
        lines += ["", f"## {title} (`{where}`)", "",
                  f"Every class `{where}` exports, looked up by name in chainrule (presence "
                  f"only; not compared numerically here): {have} of {len(rows)} present.", "",
                  "| class | in chainrule |", "|---|---|"]
        lines += [f"| `{n}` | {'yes' if h else 'no'} |" for n, h in rows]
    return lines
