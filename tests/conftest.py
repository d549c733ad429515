"""Test-suite configuration.

Under CI (the ``CI`` environment variable set), hypothesis runs derandomized: the same
examples every run, so a red build is reproducible and a green one is not luck.  Locally
it explores new examples each run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/naive.py and helpers

settings.register_profile("ci", derandomize=True, print_blob=True)


def pytest_configure(config: pytest.Config) -> None:
    """Without the JIT (NUMBA_DISABLE_JIT=1) the kernels run as Python over numpy scalars,
    which warn on the NaN/Inf arithmetic the IEEE tests do on purpose; compiled, they do
    not.  Those warnings say nothing about the code, so that run does not show them."""
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning:tinygrad_rms.kernels")
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def parallel_kernels():
    """The kernels' parallel copies turned on at their break-even size for one test."""
    from tinygrad_rms.kernels import PARALLEL_MIN_SIZE
    from tinygrad_rms.optim import set_parallel_threshold

    previous = set_parallel_threshold(PARALLEL_MIN_SIZE)
    yield PARALLEL_MIN_SIZE
    set_parallel_threshold(previous)
