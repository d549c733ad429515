"""The one place where kernels' compile options are set.

- ``cache=True``: compiled machine code is kept on disk next to the module, so only the
  first run on a machine pays for compilation.
- ``error_model='numpy'``: division by zero gives inf/nan as in numpy instead of raising;
  the default 'python' model adds a zero check to every division, which blocks SIMD
  (measured 4x slower on the optimizer loops).
- no ``fastmath``: its ``nnan``/``ninf`` assumptions would change what NaN and Inf do, and
  reassociation would change the results from PyTorch's order of operations.

Compilation is lazy (on first call, per dtype), so importing the package compiles nothing.
With ``NUMBA_DISABLE_JIT=1`` the kernels run as plain Python, which the test suite uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba

OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy", "nogil": True}


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with the project's options (see the module docstring)."""
    return numba.njit(**OPTIONS)(fn)
