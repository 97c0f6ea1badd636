"""Pictures and accounts of the computational graph: draw_graph (DOT / PNG / SVG), trace
(backprop step by step), and the plotting helpers the demos use."""
from .graph import draw_graph, Graph, has_graphviz
from .trace import trace, Trace

__all__ = ["draw_graph", "Graph", "has_graphviz", "trace", "Trace"]
