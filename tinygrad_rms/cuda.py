"""``torch.cuda`` as a CPU-only library answers it: there is no GPU.

Programs written for PyTorch often choose their device with
``torch.device("cuda" if torch.cuda.is_available() else "cpu")``; here that picks the CPU.
"""

from __future__ import annotations

__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """False: tinygrad_rms runs on the CPU only."""
    return False


def device_count() -> int:
    """0: no GPU."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored (there is no GPU generator to seed)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored (there is no GPU generator to seed)."""
