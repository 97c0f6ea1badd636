"""Pictures of the computational graph, as on the lecture's slides.

`draw_graph(f)` walks the graph that produced `f` (tensor -> grad_fn -> inputs ...) and
returns a `Graph`: one node per tensor (its name, value or shape and statistics, and its
gradient once backward has run) and one node per operation, edges in the forward direction.
The graph is DOT text (graphviz's format); it renders to PNG / SVG with graphviz's `dot`
when that program is installed and otherwise with a pure-matplotlib layered layout, so a
machine with only pip-installed packages gets a picture too. In Jupyter it displays inline.

>>> from chainrule.viz import draw_graph
>>> x = chainrule.tensor(1.0, requires_grad=True); x.name = "x"
>>> f = (x + 2) * x
>>> f.backward()
>>> g = draw_graph(f)            # g.source is DOT text; g.render("f.png") draws it
>>> g
<Graph: 3 tensors, 2 ops, 5 edges>
"""
import io
import os
import shutil
import subprocess

import numpy as np

from ..tensor import Tensor
from ..autograd.engine import GraphEdge

__all__ = ["draw_graph", "Graph", "walk", "tensor_names", "format_number", "OP_SYMBOLS"]

# Operator glyphs for the slide look; other ops show their name.
OP_SYMBOLS = {
    "add": "+", "sub": "\u2212", "rsub": "\u2212", "mul": "\u00d7", "div": "\u00f7",
    "truediv": "\u00f7", "neg": "\u2212x", "matmul": "@", "mm": "@", "bmm": "@", "pow": "x\u207f",
    "exp": "exp", "log": "log", "sigmoid": "\u03c3", "tanh": "tanh", "relu": "ReLU",
}


def format_number(v, digits=4):
    """A short, exact-looking number: 3 -> '3', -0.5 -> '-0.5', 1e-7 -> '1e-07'.

    >>> from chainrule.viz.graph import format_number
    >>> format_number(3.0), format_number(-0.5), format_number(1e-7), format_number(2 / 3)
    ('3', '-0.5', '1e-07', '0.6667')
    """
    v = float(v)
    if v == 0:
        return "0"
    if np.isnan(v) or np.isinf(v):
        return str(v)
    s = f"{v:.{digits}g}"
    return s


def walk(roots):
    """Every tensor and node reachable from `roots`, iteratively.

    Returns (tensors, nodes, edges, outputs_of): tensors {id: Tensor} in discovery order,
    nodes {id: Node}, edges [(src_key, dst_key)] with keys ("t", id) / ("n", id), and
    outputs_of {id(node): [output tensors]} (the tensors whose grad_fn is that node).

    >>> from chainrule.viz.graph import walk
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> tensors, nodes, edges, outputs_of = walk(f)
    >>> len(tensors), sorted(type(n).__name__ for n in nodes.values())
    (3, ['AddScalar', 'Mul'])
    """
    if isinstance(roots, Tensor):
        roots = [roots]
    if not isinstance(roots, (list, tuple)):
        raise TypeError(f"draw_graph: expected a Tensor (or a list of Tensors), got "
                        f"{type(roots).__name__}")
    roots = list(roots)
    for i, r in enumerate(roots):
        if not isinstance(r, Tensor):
            raise TypeError(f"draw_graph: expected a Tensor (or a list of Tensors), got "
                            f"{type(r).__name__} at position {i}")
    tensors, nodes, edges, outputs_of = {}, {}, [], {}
    edge_set = set()

    def edge(a, b):
        if (a, b) not in edge_set:
            edge_set.add((a, b))
            edges.append((a, b))

    stack = list(reversed(roots))
    while stack:
        t = stack.pop()
        if id(t) in tensors:
            continue
        tensors[id(t)] = t
        fn = t.grad_fn
        if fn is None:
            continue
        outs = outputs_of.setdefault(id(fn), [])
        if not any(o is t for o in outs):
            outs.append(t)
        edge(("n", id(fn)), ("t", id(t)))
        if id(fn) in nodes:
            continue
        nodes[id(fn)] = fn
        for inp in fn.inputs:
            if inp is None:
                continue
            edge(("t", id(inp)), ("n", id(fn)))
            if id(inp) not in tensors:
                stack.append(inp)
    return tensors, nodes, edges, outputs_of


def caller_names(frame):
    """{id(tensor): variable name} for the Tensors bound to local variables of `frame` (the
    shortest name when a tensor has several; private names skipped)."""
    found = {}
    if frame is None:
        return found
    for var, val in list(frame.f_locals.items()):
        if isinstance(val, Tensor) and not var.startswith("_"):
            old = found.get(id(val))
            if old is None or (len(var), var) < (len(old), old):
                found[id(val)] = var
    return found


def tensor_names(tensors, nodes, params=None, auto=True, frame=None):
    """{id(tensor): name}: from `params` ({name: tensor}), then each tensor's `name` slot,
    then the caller's variable names (`frame`), then (auto=True) t1, t2, ... for unnamed
    non-constant tensors in forward order.

    >>> from chainrule.viz.graph import tensor_names, walk
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> tensors, nodes, _, _ = walk(f)
    >>> sorted(tensor_names(tensors, nodes).values())     # x by its name, the rest t1, t2, ...
    ['t1', 't2', 'x']
    """
    names = {}
    if params is not None:
        items = params.items() if hasattr(params, "items") else params
        for k, v in items:
            if isinstance(v, Tensor):
                names[id(v)] = str(k)
    for k, t in tensors.items():
        if k not in names:
            n = getattr(t, "name", None)
            if n:
                names[k] = str(n)
    if frame is not None:
        taken = set(names.values())
        for k, var in caller_names(frame).items():
            if k in tensors and k not in names and var not in taken:
                names[k] = var
                taken.add(var)
    if auto:
        taken = set(names.values())
        count = 0
        # forward order: leaves first, then node outputs by creation sequence
        ordered = sorted(tensors.values(),
                         key=lambda t: (0, 0) if t.grad_fn is None else (1, t.grad_fn.seq))
        for t in ordered:
            if id(t) in names or not t.requires_grad:
                continue
            count += 1
            while f"t{count}" in taken:
                count += 1
            names[id(t)] = f"t{count}"
    return names


def _stats(a):
    a = np.asarray(a, dtype=np.float64)
    if a.size == 0:
        return "empty"
    return (f"mean {format_number(a.mean(), 3)}  std {format_number(a.std(), 3)}\n"
            f"min {format_number(a.min(), 3)}  max {format_number(a.max(), 3)}")


def _describe(arr, what):
    arr = np.asarray(arr)
    if arr.size == 1:
        v = arr.reshape(()).item()
        return f"{what} = {format_number(v) if isinstance(v, float) else v}"
    shape = "\u00d7".join(str(s) for s in arr.shape)
    if arr.ndim == 1 and arr.size <= 4 and arr.dtype.kind in "fiub":
        vals = ", ".join(format_number(v, 3) for v in arr.astype(np.float64))
        return f"{'value' if what == 'shape' else what} [{vals}]"
    if arr.dtype.kind in "fiub":
        return f"{what} [{shape}]\n{_stats(arr)}"
    return f"{what} [{shape}]"


def _op_text(node):
    name = node.name
    sym = OP_SYMBOLS.get(name)
    text = sym if sym is not None else name
    if sym is not None and len(sym) <= 2 and name not in ("neg",):
        text = f"{sym}\n{name}"
    if node.label:
        text = f"{node.label}\n{text}"
    return text


class Graph:
    """A drawn computational graph: `source` is DOT text; `render` writes PNG / SVG / PDF /
    DOT; `_repr_svg_` / `_repr_png_` show it inline in Jupyter.

    >>> from chainrule.viz import draw_graph
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> g = draw_graph(f)
    >>> type(g).__name__, g.source.splitlines()[0]
    ('Graph', 'digraph chainrule {')
    >>> import os, tempfile
    >>> png = g.render(os.path.join(tempfile.mkdtemp(), "f.png"))   # graphviz, or matplotlib
    >>> os.path.getsize(png) > 0
    True
    """

    def __init__(self, items, edges, title=None, rankdir="LR"):
        # items: {key: dict(kind="tensor"|"op", label=str, role=...)}
        self.items = items
        self.edges = edges
        self.title = title
        self.rankdir = rankdir

    # --- DOT --------------------------------------------------------------------------
    @property
    def source(self):
        """The graph as DOT text."""
        lines = ["digraph chainrule {", f"  rankdir={self.rankdir};",
                 '  graph [fontname="Helvetica"];',
                 '  node [fontname="Helvetica", fontsize=11];',
                 '  edge [color="#555555", arrowsize=0.7];']
        if self.title:
            lines.append(f'  labelloc=t; label="{_esc(self.title)}"; fontsize=14;')
        ids = _short_ids(self.items)
        for key, it in self.items.items():
            style = _STYLE[it["role"]]
            lines.append(f'  {ids[key]} [label="{_esc(it["label"])}", {style}];')
        for a, b in self.edges:
            lines.append(f"  {ids[a]} -> {ids[b]};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self):
        return self.source

    def __repr__(self):
        n_t = sum(1 for it in self.items.values() if it["kind"] == "tensor")
        return f"<Graph: {n_t} tensors, {len(self.items) - n_t} ops, {len(self.edges)} edges>"

    # --- rendering --------------------------------------------------------------------
    def render(self, path, format=None, engine="auto", dpi=150):
        """Write the picture to `path`; format from the suffix (png, svg, pdf, dot) unless
        given. engine: "dot" (graphviz, must be installed), "matplotlib", or "auto"
        (dot when installed). Returns the path."""
        path = os.fspath(path)
        fmt = (format or os.path.splitext(path)[1].lstrip(".") or "png").lower()
        data = self.pipe(fmt, engine=engine, dpi=dpi)
        mode = "w" if isinstance(data, str) else "wb"
        with open(path, mode, **({"encoding": "utf-8"} if mode == "w" else {})) as fh:
            fh.write(data)
        return path

    def pipe(self, format="svg", engine="auto", dpi=150):
        """The rendered picture: str for svg / dot, bytes for png / pdf."""
        fmt = format.lower()
        if fmt in ("dot", "gv"):
            return self.source
        if fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"Graph.render: unsupported format {format!r} "
                             "(use png, svg, pdf or dot)")
        if engine not in ("auto", "dot", "matplotlib"):
            raise ValueError(f"Graph.render: engine must be 'auto', 'dot' or 'matplotlib', "
                             f"got {engine!r}")
        if engine == "dot" or (engine == "auto" and has_graphviz()):
            exe = shutil.which("dot")
            if exe is None:
                raise RuntimeError("Graph.render: graphviz's `dot` program is not installed; "
                                   "use engine='matplotlib' or install graphviz")
            cmd = [exe, f"-T{fmt}"] + ([f"-Gdpi={int(dpi)}"] if fmt == "png" else [])
            out = subprocess.run(cmd, input=self.source.encode("utf-8"), capture_output=True,
                                 check=False)
            if out.returncode != 0:
                raise RuntimeError("dot failed: " + out.stderr.decode("utf-8", "replace")[:500])
            return out.stdout.decode("utf-8") if fmt == "svg" else out.stdout
        return self._matplotlib(fmt, dpi)

    def _repr_svg_(self):
        return self.pipe("svg")

    def _repr_png_(self):
        return self.pipe("png")

    # --- pure-Python fallback: a layered (Sugiyama-style) layout drawn with matplotlib ---
    def layout(self):
        """{key: (layer, position)}: longest-path layers from the sources, ordered within
        a layer by a few barycentre sweeps to reduce crossings."""
        preds = {k: [] for k in self.items}
        succs = {k: [] for k in self.items}
        for a, b in self.edges:
            preds[b].append(a)
            succs[a].append(b)
        # longest path layering via Kahn's order
        indeg = {k: len(v) for k, v in preds.items()}
        order = [k for k, d in indeg.items() if d == 0]
        layer = {k: 0 for k in order}
        i = 0
        while i < len(order):
            k = order[i]
            i += 1
            for s in succs[k]:
                layer[s] = max(layer.get(s, 0), layer[k] + 1)
                indeg[s] -= 1
                if indeg[s] == 0:
                    order.append(s)
        # Leaves sit just before their first consumer rather than all in column 0.
        for k in order:
            if not preds[k] and succs[k]:
                layer[k] = max(0, min(layer[s] for s in succs[k]) - 1)
        n_layers = max(layer.values(), default=0) + 1
        rows = [[] for _ in range(n_layers)]
        for k in order:
            rows[layer[k]].append(k)
        pos = {}
        for row in rows:
            for j, k in enumerate(row):
                pos[k] = float(j)
        for sweep in range(4):
            rng = range(1, n_layers) if sweep % 2 == 0 else range(n_layers - 2, -1, -1)
            for li in rng:
                nb = preds if sweep % 2 == 0 else succs
                row = rows[li]

                def bary(k, nb=nb):
                    ps = [pos[p] for p in nb[k] if p in pos]
                    return sum(ps) / len(ps) if ps else pos[k]
                row.sort(key=bary)
                for j, k in enumerate(row):
                    pos[k] = float(j)
        out = {}
        for li, row in enumerate(rows):
            off = (len(row) - 1) / 2.0
            for j, k in enumerate(row):
                out[k] = (li, j - off)
        return out

    def _box_size(self, it):
        """(width, height) in inches of a node's shape, from its label."""
        lines = it["label"].split("\n")
        longest = max(len(t) for t in lines)
        if it["kind"] == "op":
            return max(0.55, 0.1 * longest + 0.3), 0.22 * len(lines) + 0.22
        return max(0.8, 0.075 * longest + 0.25), 0.18 * len(lines) + 0.18

    def _matplotlib(self, fmt, dpi):
        try:
            import matplotlib
        except ModuleNotFoundError:
            raise ImportError("draw_graph: drawing a picture needs graphviz's `dot` program or "
                              "matplotlib (pip install 'chainrule[viz]'); the DOT text is in "
                              "Graph.source") from None
        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
        from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

        lay = self.layout()
        sizes = {k: self._box_size(it) for k, it in self.items.items()}
        n_layers = max((l for l, _ in lay.values()), default=0) + 1
        lr = self.rankdir == "LR"
        gap = 0.55     # inches between layers
        # Each layer is as wide (LR) or tall (TB) as its largest node.
        along = [0.0] * n_layers
        across = 0.0
        for k, (l, p) in lay.items():
            w, h = sizes[k]
            along[l] = max(along[l], w if lr else h)
            across = max(across, (h if lr else w) + 0.35)
        starts, pos = [], 0.3
        for size in along:
            starts.append(pos + size / 2)
            pos += size + gap
        total_along = pos - gap + 0.3
        spread = max((abs(p) for _, p in lay.values()), default=0) * 2 + 1
        total_across = spread * across + 0.4
        head = 0.45 if self.title else 0.0
        fw, fh = (total_along, total_across + head) if lr else (total_across, total_along + head)
        fw, fh = max(fw, 3.0), max(fh, 1.5)
        fig = Figure(figsize=(fw, fh))
        ax = fig.add_axes([0, 0, 1, 1])
        ax.set_xlim(0, fw)
        ax.set_ylim(0, fh)
        ax.axis("off")

        def center(k):
            l, p = lay[k]
            if lr:
                return starts[l], (fh - head) / 2 - p * across
            return fw / 2 + p * across, fh - head - starts[l]

        boxes = {}
        for k, it in self.items.items():
            x, y = center(k)
            w, h = sizes[k]
            if it["kind"] == "op":
                ax.add_patch(Ellipse((x, y), w, h, facecolor="#fde68a", edgecolor="#92400e",
                                     lw=1.2, zorder=2))
                fs = 10
            else:
                fc, ec = _FILL[it["role"]]
                ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                            boxstyle="round,pad=0.02,rounding_size=0.08",
                                            facecolor=fc, edgecolor=ec, lw=1.2, zorder=2))
                fs = 9
            ax.text(x, y, it["label"], ha="center", va="center", fontsize=fs, zorder=3,
                    family="DejaVu Sans", linespacing=1.15)
            boxes[k] = (x, y, w, h)
        for a, b in self.edges:
            xa, ya, wa, ha = boxes[a]
            xb, yb, wb, hb = boxes[b]
            if lr:
                p0, p1 = (xa + wa / 2, ya), (xb - wb / 2, yb)
            else:
                p0, p1 = (xa, ya - ha / 2), (xb, yb + hb / 2)
            ax.add_patch(FancyArrowPatch(p0, p1, arrowstyle="-|>", mutation_scale=11,
                                         color="#555555", lw=1.0, zorder=1))
        if self.title:
            ax.text(fw / 2, fh - 0.25, self.title, ha="center", va="center", fontsize=12,
                    weight="bold")
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi)
        data = buf.getvalue()
        return data.decode("utf-8") if fmt == "svg" else data


_STYLE = {
    "leaf": 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1e40af"',
    "const": 'shape=box, style="rounded,filled", fillcolor="#f3f4f6", color="#6b7280"',
    "inter": 'shape=box, style="rounded,filled", fillcolor="#dcfce7", color="#166534"',
    "root": 'shape=box, style="rounded,filled,bold", fillcolor="#fee2e2", color="#991b1b"',
    "op": 'shape=ellipse, style=filled, fillcolor="#fde68a", color="#92400e"',
}
_FILL = {"leaf": ("#dbeafe", "#1e40af"), "const": ("#f3f4f6", "#6b7280"),
         "inter": ("#dcfce7", "#166534"), "root": ("#fee2e2", "#991b1b")}


def _esc(s):
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _short_ids(items):
    """Stable, short DOT identifiers: tensors t0, t1, ... and ops op0, op1, ..."""
    ids, count = {}, {"t": 0, "n": 0}
    for key in items:
        kind = key[0]
        ids[key] = f"{'t' if kind == 't' else 'op'}{count[kind]}"
        count[kind] += 1
    return ids


def has_graphviz():
    """True when graphviz's `dot` program is on PATH (draw_graph then renders with it,
    otherwise with matplotlib).

    >>> chainrule.viz.has_graphviz() == (__import__("shutil").which("dot") is not None)
    True
    """
    return shutil.which("dot") is not None


def draw_graph(root, params=None, *, show_grad=True, backward=False, title=None,
               rankdir="LR", auto_names=True, local_names=True):
    """The computational graph that produced `root` (a Tensor or a list of Tensors).

    params: optional {name: tensor} (e.g. ``dict(model.named_parameters())``), as in
    torchviz; otherwise each tensor's ``name`` attribute labels it (``x.name = "x"``), then
    (local_names) the name of the caller's local variable holding it, and unnamed tensors
    that require grad get t1, t2, ... in forward order.
    Tensor nodes show the value (one element) or shape and mean / std / min / max, and,
    with show_grad, ``.grad`` when it is set. After ``backward()`` (without retain_graph)
    the graph no longer holds its intermediate values, as in PyTorch: such tensors are
    drawn with their shape only; draw before backward, or pass retain_graph=True, to see
    them. backward=True runs a backward pass of its own
    from ``root`` (a scalar) and shows the gradient of every tensor from that pass; the
    user's ``.grad`` values are left as they were (re-running shows the same numbers).

    Returns a `Graph`: ``.source`` (DOT), ``.render(path)``, inline display in Jupyter.

    >>> from chainrule.viz import draw_graph
    >>> x = torch.tensor(1.0, requires_grad=True); x.name = "x"
    >>> f = (x + 2) * x
    >>> f.backward()
    >>> g = draw_graph(f, title="f = (x + 2) x")
    >>> "grad" in g.source, "x" in g.source
    (True, True)
    """
    tensors, nodes, edges, outputs_of = walk(root)
    own = None
    if backward:
        r = root if isinstance(root, Tensor) else None
        if r is None:
            raise ValueError("draw_graph(backward=True) needs a single scalar tensor")
        from ._isolate import own_gradients
        with own_gradients(list(tensors.values()), list(nodes.values())) as own:
            for t in tensors.values():
                if t.grad_fn is not None and t.requires_grad and type(t) is not GraphEdge:
                    t.retain_grad()
            r.backward()
    import inspect
    frame = inspect.currentframe().f_back if local_names else None
    try:
        names = tensor_names(tensors, nodes, params, auto=auto_names, frame=frame)
    finally:
        del frame   # no reference cycle through the caller's frame
    roots = {id(root)} if isinstance(root, Tensor) else {id(t) for t in root}
    items = {}
    for k, t in tensors.items():
        lines = []
        if k in names:
            lines.append(names[k])
        if type(t) is GraphEdge:
            # backward without retain_graph freed this intermediate's values (as PyTorch's
            # graph keeps none): the picture shows the structure only.
            lines += [f"shape [{'×'.join(map(str, t.shape))}]", "(freed by backward)"]
            items[("t", k)] = {"kind": "tensor", "label": "\n".join(lines), "role": "inter"}
            continue
        lines.append(_describe(t._data, "value" if t._data.size == 1 else "shape"))
        if t._data.size != 1 and t._data.dtype != np.float32:
            lines[-1] = lines[-1].replace("shape [", f"{t._data.dtype.name} [", 1)
        g = own.get(k) if own is not None else (t._grad._data if t._grad is not None else None)
        if show_grad and g is not None:
            lines.append(_describe(g, "grad"))
        if k in roots:
            role = "root"
        elif t.grad_fn is not None:
            role = "inter"
        elif t.requires_grad:
            role = "leaf"
        else:
            role = "const"
        items[("t", k)] = {"kind": "tensor", "label": "\n".join(lines), "role": role}
    for k, n in nodes.items():
        items[("n", k)] = {"kind": "op", "label": _op_text(n), "role": "op"}
    return Graph(items, edges, title=title, rankdir=rankdir)
