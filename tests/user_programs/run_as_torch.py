"""Run a PyTorch script unchanged on chainrule: `import torch` (and every `torch.X.Y`)
resolves to chainrule's module of the same path.

    python run_as_torch.py script.py [args...]
"""
import importlib
import importlib.abc
import importlib.util
import runpy
import sys


class _TorchIsChainrule(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("chainrule" + spec.name[len("torch"):])

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _TorchIsChainrule())
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
