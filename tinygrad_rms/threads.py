"""How many threads the library's work uses, under PyTorch's names.

A training step here spends its time in two places that can run on several threads:
numpy's BLAS (every matrix product: ``Linear``, ``matmul``, the convolutions) and the
optimizers' Numba kernels (single-threaded unless ``optim.set_parallel_threshold`` is on).
``set_num_threads(n)`` sets both, as ``torch.set_num_threads`` sets PyTorch's intra-op pool:

* BLAS (OpenBLAS, MKL, BLIS; and OpenMP pools) through ``threadpoolctl``, a small pure-Python
  library of the scikit-learn team that finds the loaded BLAS and calls its own
  ``set_num_threads``;
* Numba's pool through ``numba.set_num_threads`` (at most ``NUMBA_NUM_THREADS``, the size
  Numba's pool was started with: the number of cores unless that variable says otherwise).

Why it matters: BLAS starts one thread per core.  When other processes keep the cores busy,
those threads wait for each other at every product, and a small model's step gets many
times slower; one thread then runs it fastest (docs/porting-from-pytorch.md, "Speed on a
small machine").  ``set_num_interop_threads`` is accepted and recorded: the library runs
no inter-op pool, so it changes nothing.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "get_num_interop_threads",
    "get_num_threads",
    "set_num_interop_threads",
    "set_num_threads",
]

#: what ``set_num_threads`` / ``set_num_interop_threads`` were last given (None: never called)
_requested: dict[str, int | None] = {"intra": None, "interop": None}

_NO_THREADPOOLCTL = (
    "set_num_threads: changing the BLAS's threads needs the package threadpoolctl "
    "(a dependency of tinygrad_rms; it is missing here): python -m pip install threadpoolctl. "
    "Without it, set OMP_NUM_THREADS=n (or OPENBLAS_NUM_THREADS=n) before starting Python."
)


def _checked(name: str, n: Any) -> int:
    """``n`` as a positive int, refused with PyTorch's messages otherwise."""
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    n = n.__index__()
    if n < 1:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def _blas_threads() -> int | None:
    """The largest thread count among the loaded BLAS libraries (None if unknown)."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    counts = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    return max(counts) if counts else None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for BLAS (numpy's matrix products) and for Numba's parallel kernels.

    As ``torch.set_num_threads``: the setting holds for the rest of the process.  On a
    shared or small machine ``set_num_threads(1)`` is often the fastest choice for small
    models (see the module's docstring)."""
    n = _checked("set_num_threads", n)
    try:
        import threadpoolctl
    except ImportError as e:
        raise ModuleNotFoundError(_NO_THREADPOOLCTL) from e
    import numba

    # Numba first: starting its pool may load an OpenMP runtime, which the limits then reach
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    # not used as a context manager: the limits stay until changed again
    threadpoolctl.threadpool_limits(limits=n)
    _requested["intra"] = n


def get_num_threads() -> int:
    """The number of threads set by ``set_num_threads``; before any call, the number the
    BLAS uses (one per core unless ``OMP_NUM_THREADS`` or ``OPENBLAS_NUM_THREADS`` said
    otherwise), as PyTorch reports its intra-op pool."""
    if _requested["intra"] is not None:
        return _requested["intra"]
    return _blas_threads() or os.cpu_count() or 1


def set_num_interop_threads(n: int) -> None:
    """Accepted for PyTorch's programs and recorded; the library has no inter-op pool, so
    nothing else changes."""
    _requested["interop"] = _checked("set_num_interop_threads", n)


def get_num_interop_threads() -> int:
    """What ``set_num_interop_threads`` recorded; 1 before any call (the library runs
    independent ops one after the other)."""
    return _requested["interop"] or 1
