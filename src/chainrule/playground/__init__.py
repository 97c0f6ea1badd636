"""The playground: the lecture's small networks learning 2-D data sets live in the browser,
with the forward values and gradients of any sample, node by node (`chainrule playground`).

Training runs in chainrule in the server process, one `Session` per browser tab; the page
only draws what the session streams. The web server (`chainrule.playground.server`) needs
the `playground` extra (aiohttp); the sessions, data sets and exports here need only
chainrule.

>>> from chainrule.playground import Session, Config
>>> s = Session(Config.parse({"dataset": "spiral", "layers": "8,8", "features": "x1,x2"}))
>>> s.step(); round(s.frame()["testLoss"], 4)
1.5266
"""
from .session import (Config, ConfigError, Session, make_dataset, make_features, DATASETS,
                      FEATURES, LIMITS)

__all__ = ["Config", "ConfigError", "Session", "make_dataset", "make_features", "DATASETS",
           "FEATURES", "LIMITS"]
