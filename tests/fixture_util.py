"""Reading what tests/fixtures/ holds: the generator scripts (their case tables, which
import torch only when run) and the .npz files they wrote."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Import a .py file that is not in a package, once (dataclasses need sys.modules)."""
    name = name or path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def generator(name: str) -> ModuleType:
    """tests/fixtures/NAME.py, the script that wrote a fixture."""
    return load_module(FIXTURES / f"{name}.py")


def arrays(name: str) -> dict[str, np.ndarray]:
    """Every array in tests/fixtures/NAME, read eagerly (no pickles)."""
    with np.load(FIXTURES / name, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}
