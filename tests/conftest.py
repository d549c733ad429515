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
