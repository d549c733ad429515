"""Grad mode: whether ops record the graph.  Per thread, as in PyTorch.

``no_grad`` and ``enable_grad`` are context managers and decorators; ``Function.apply``
reads ``mode.enabled`` at every op, and ``mode.anomaly`` (see ``anomaly.py``).
"""

from __future__ import annotations

import functools
import inspect
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
_MODES = mode  # the same, under a name that a parameter called ``mode`` does not hide


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return mode.enabled


class _GradModeContext:
    """A context manager and function decorator that sets grad mode to ``self._mode``
    inside and restores the previous mode on exit (also for generator functions: the
    mode holds while the generator's own code runs, as in PyTorch)."""

    _mode: bool

    def __init__(self, mode: bool) -> None:
        self._mode = mode
        self._saved: list[bool] = []  # a stack: the same instance may be re-entered

    def __enter__(self) -> None:
        self._saved.append(mode.enabled)
        mode.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        mode.enabled = self._saved.pop()

    def __call__(self, fn: _F) -> _F:
        enabled = self._mode
        if inspect.isgeneratorfunction(fn):
            return _generator_in_mode(fn, enabled)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _GradModeContext(enabled):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _generator_in_mode(fn: Callable[..., Any], enabled: bool) -> Callable[..., Any]:
    """``fn`` (a generator function) whose body runs with grad mode ``enabled`` each time
    it is resumed, and the caller's mode between resumptions."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _GradModeContext(enabled):
            gen = fn(*args, **kwargs)
        try:
            with _GradModeContext(enabled):
                item = gen.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with _GradModeContext(enabled):
                        gen.close()
                    raise
                except BaseException as e:  # thrown in by the caller: the generator's to handle
                    with _GradModeContext(enabled):
                        item = gen.throw(e)
                else:
                    with _GradModeContext(enabled):
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class set_grad_enabled(_GradModeContext):
    """Turn graph recording on or off, as PyTorch's: the call itself sets the mode (so
    ``set_grad_enabled(False)`` as a statement turns recording off), and used in a
    ``with`` block or as a decorator it restores the previous mode afterwards."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {type(mode).__name__}")
        super().__init__(mode)
        self._previous = _MODES.enabled
        _MODES.enabled = mode

    def __enter__(self) -> None:
        pass  # the mode was set by the call

    def __exit__(self, *exc: object) -> None:
        _MODES.enabled = self._previous

    def __call__(self, fn: _F) -> _F:
        _MODES.enabled = self._previous  # a decorator changes nothing now
        return super().__call__(fn)


class no_grad(_GradModeContext):
    """Context manager / decorator (``@no_grad`` or ``@no_grad()``): ops inside record no graph."""

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if fn is None else _GradModeContext(False)(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(False)


class enable_grad(_GradModeContext):
    """Context manager / decorator: record the graph even inside ``no_grad``."""

    def __new__(cls, fn: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        return self if fn is None else _GradModeContext(True)(fn)

    def __init__(self, fn: Callable[..., Any] | None = None) -> None:
        super().__init__(True)


class inference_mode(_GradModeContext):
    """``with inference_mode():`` (or ``@inference_mode()``): here the same as ``no_grad``;
    ``inference_mode(False)`` records as usual.  PyTorch also marks the tensors made inside
    as "inference tensors" that may never join a graph later; this library does not."""

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        return _GradModeContext(False)(mode) if callable(mode) else self

    def __init__(self, mode: Any = True) -> None:
        super().__init__(not mode)
