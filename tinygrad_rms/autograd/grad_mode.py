"""Grad mode: whether ops record the graph.  Per thread, as in PyTorch.

``no_grad`` and ``enable_grad`` are context managers and decorators; ``Function.apply``
reads ``mode.enabled`` at every op, and ``mode.anomaly`` (see ``anomaly.py``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "enable_grad",
    "inference_mode",
    "is_grad_enabled",
    "mode",
    "no_grad",
    "set_grad_enabled",
]

_F = TypeVar("_F", bound=Callable[..., Any])


class _ThreadModes(threading.local):
    enabled = True  # ops record the graph
    anomaly = False  # detect_anomaly(): check every op's output and gradients


class _Mode:
    """This thread's modes: ``no_grad`` in one thread leaves the others alone.

    ``enabled`` and ``anomaly`` read and write the calling thread's values.  Reading a
    thread-local value costs ~0.1 µs, and every op reads both; ``changed`` is a
    process-wide count of the values that are not at their default (grad on, anomaly
    off) in any thread, so while it is 0 an op knows both without asking.
    """

    __slots__ = ("_local", "_lock", "changed")

    def __init__(self) -> None:
        self._local = _ThreadModes()
        self._lock = threading.Lock()
        self.changed = 0

    @property
    def enabled(self) -> bool:
        return self._local.enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._set("enabled", bool(value), True)

    @property
    def anomaly(self) -> bool:
        return self._local.anomaly

    @anomaly.setter
    def anomaly(self, value: bool) -> None:
        self._set("anomaly", bool(value), False)

    def _set(self, name: str, value: bool, default: bool) -> None:
        if getattr(self._local, name) == value:
            return
        setattr(self._local, name, value)
        with self._lock:  # `+=` is not atomic across threads
            self.changed += 1 if value != default else -1


#: The current thread's modes (one object; its values are per thread).
mode = _Mode()


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return mode.enabled


class set_grad_enabled:
    """Turn graph recording on or off; restores the previous mode on exit.

    Works as a context manager and as a function decorator.
    """

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._saved: list[bool] = []  # a stack: the same instance may be re-entered

    def __enter__(self) -> None:
        self._saved.append(mode.enabled)
        mode.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        mode.enabled = self._saved.pop()

    def __call__(self, fn: _F) -> _F:
        enabled = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(enabled):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Context manager / decorator (``@no_grad`` or ``@no_grad()``): ops inside record no graph."""

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if fn is None else set_grad_enabled(False)(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Context manager / decorator: record the graph even inside ``no_grad``."""

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if fn is None else set_grad_enabled(True)(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(True)


class inference_mode(set_grad_enabled):
    """``with inference_mode():`` (or ``@inference_mode()``): here the same as ``no_grad``;
    ``inference_mode(False)`` records as usual.  PyTorch also marks the tensors made inside
    as "inference tensors" that may never join a graph later; this library does not."""

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        return set_grad_enabled(False)(mode) if callable(mode) else self

    def __init__(self, mode: Any = True) -> None:
        super().__init__(not mode)
