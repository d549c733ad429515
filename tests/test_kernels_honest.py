"""Keep the Numba kernels honest (stumpy's way): one place for compile options, kernels
import nothing of ours, and every kernel is compiled through that place."""

from __future__ import annotations

import ast
from pathlib import Path

import tinygrad_rms.kernels as kernels
from tinygrad_rms.kernels import _jit

KERNEL_DIR = Path(kernels.__file__).parent


def _kernel_sources() -> dict[str, ast.Module]:
    return {p.name: ast.parse(p.read_text()) for p in KERNEL_DIR.glob("*.py")}


def test_compile_options_are_set_once_and_safe():
    assert _jit.OPTIONS["cache"] is True
    assert _jit.OPTIONS["error_model"] == "numpy"
    assert "fastmath" not in _jit.OPTIONS  # nnan/ninf would change what NaN and Inf do


def test_no_kernel_sets_its_own_options_or_calls_numba_directly():
    for name, tree in _kernel_sources().items():
        if name == "_jit.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = getattr(node, "module", None) or ""
                names = [a.name for a in node.names]
                assert "numba" not in module and "numba" not in names, f"{name} imports numba"
            if isinstance(node, ast.Attribute) and node.attr in ("njit", "jit", "vectorize"):
                raise AssertionError(f"{name} compiles a function without _jit.jit")


def test_kernels_import_nothing_of_ours_but_each_other():
    for name, tree in _kernel_sources().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                assert node.level == 1 and (node.module or "") in (
                    "_jit",
                    "_common",
                    "adagrad",
                    "adam",
                    "rmsprop",
                    "sgd",
                ), name
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tinygrad_rms"):
                raise AssertionError(f"{name} imports {node.module}")


def test_every_public_kernel_is_compiled_through_the_jit_helper():
    for name in kernels.__all__:
        fn = getattr(kernels, name)
        # a numba dispatcher (or, with NUMBA_DISABLE_JIT=1, the plain function)
        assert hasattr(fn, "py_func") or callable(fn)
        decorated = next(
            d
            for d in ast.walk(_kernel_sources()[f"{name.rsplit('_', 1)[0]}.py"])
            if isinstance(d, ast.FunctionDef) and d.name == name
        ).decorator_list
        assert [ast.unparse(d) for d in decorated] == ["jit"], name


def test_dependencies_point_one_way():
    root = KERNEL_DIR.parent
    rules = {
        "tensor.py": {"nn", "optim", "kernels"},
        "autograd.py": {"nn", "optim", "kernels"},
    }
    for file, forbidden in rules.items():
        tree = ast.parse((root / file).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                top = (node.module or "").split(".")[0]
                assert top not in forbidden, f"{file} imports {node.module}"
    for path in (root / "nn").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                top = (node.module or "").split(".")[0]
                assert top not in {"optim", "kernels"}, f"nn/{path.name} imports {node.module}"
