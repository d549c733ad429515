"""The one place where kernels' compile options are set.

- ``cache=True``: compiled machine code is kept on disk next to the module, so only the
  first run on a machine pays for compilation.
- ``error_model='numpy'``: division by zero gives inf/nan as in numpy instead of raising;
  the default 'python' model adds a zero check to every division, which blocks SIMD
  (measured 4x slower on the optimizer loops).
- no ``fastmath``: its ``nnan``/``ninf`` assumptions would change what NaN and Inf do, and
  reassociation would change the results from PyTorch's order of operations.
- ``nogil``: a kernel releases the GIL, so other Python threads run meanwhile.

Kernels loop with ``prange``.  Compiled by ``jit`` it is a plain ``range`` loop;
``jit_parallel`` compiles the same function again with ``parallel=True``, which splits the
iterations across Numba's threads.  Each element's update is independent of the others,
so both give identical results.  The optimizers use the parallel copies only when asked
(``optim.set_parallel_threshold``): on their own they win from ``PARALLEL_MIN_SIZE``
elements (measured break-even ≈ 2–3·10⁴ float32 elements on 2 cores), but between BLAS
calls in a training step the two thread pools contend for the cores.

Compilation is lazy (on first call, per argument types), so importing the package
compiles nothing, and the parallel copy is never compiled for a model without large
tensors.  With ``NUMBA_DISABLE_JIT=1`` the kernels run as plain Python (``prange`` is
``range``), which the test suite uses.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

import numba

__all__ = ["OPTIONS", "PARALLEL_MIN_SIZE", "jit", "jit_parallel", "parallel_launch", "prange"]

OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy", "nogil": True}

#: The measured break-even size of the parallel copies on 2 cores (the value to pass to
#: ``optim.set_parallel_threshold`` when turning them on).
PARALLEL_MIN_SIZE = 32_768

prange = numba.prange

#: Held around every parallel launch.  Numba's fallback threading layer ("workqueue",
#: used where neither OpenMP nor TBB is available) aborts the process if two Python
#: threads launch parallel kernels at once; each launch already uses every core, so
#: taking turns costs nothing.
parallel_launch = threading.Lock()


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile ``fn`` with the project's options (see the module docstring)."""
    return numba.njit(**OPTIONS)(fn)


def jit_parallel(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """A copy of ``kernel`` (made by ``jit``) whose ``prange`` loop runs on all threads.

    The copy is a new function object named ``<name>_parallel``: Numba's disk cache is
    keyed by the function's name and argument types, not by ``parallel``, so under the
    same name one variant would load the other's cached machine code.
    """
    fn = getattr(kernel, "py_func", kernel)
    name = fn.__name__ + "_parallel"
    copy = types.FunctionType(fn.__code__, fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = fn.__qualname__ + "_parallel"
    copy.__module__, copy.__doc__ = fn.__module__, fn.__doc__
    return numba.njit(**OPTIONS, parallel=True)(copy)
