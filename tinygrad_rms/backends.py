"""``torch.backends`` as a CPU-only library answers it: ``backends.mps.is_available()``
and ``backends.cudnn`` are there so that device-choosing code runs; nothing is there."""

from __future__ import annotations

from types import SimpleNamespace

__all__ = ["cudnn", "mps"]

#: Apple's GPU: not available here.
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
#: cuDNN switches programs set (``deterministic``, ``benchmark``): accepted, no effect.
cudnn = SimpleNamespace(is_available=lambda: False, deterministic=False, benchmark=False)
