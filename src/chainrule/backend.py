"""The array-module seam: every op asks here for its array library.

NumPy today; a CuPy backend would swap `xp` and nothing else.
"""
import numpy as np

xp = np
