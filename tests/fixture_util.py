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


def assert_close(
    actual: np.ndarray,
    expected: np.ndarray,
    what: str,
    rtol: float = 1e-10,
    atol_rel: float = 1e-12,
) -> None:
    """float64 ``actual`` equals a (finite) PyTorch reference, with the absolute tolerance
    scaled by the reference's largest magnitude."""
    expected = np.asarray(expected)
    assert np.all(np.isfinite(expected)), f"{what}: the PyTorch reference is not finite"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == np.float64, f"{what}: dtype {actual.dtype}, expected float64"
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(
        actual, expected, rtol=rtol, atol=atol_rel * max(scale, 1e-300), err_msg=what
    )
