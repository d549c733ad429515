"""Keep the Numba kernels honest (stumpy's way): one place for compile options, kernels
import nothing of ours, every kernel is compiled through that place, and each kernel
unpacks its packed ``scalars`` in the order its optimizer packs them."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rms as tg
import tinygrad_rms.kernels as kernels
from tinygrad_rms import optim
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
                    "adadelta",
                    "adagrad",
                    "adam",
                    "adamax",
                    "asgd",
                    "nadam",
                    "pool",
                    "radam",
                    "rmsprop",
                    "rprop",
                    "sgd",
                ), name
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tinygrad_rms"):
                raise AssertionError(f"{name} imports {node.module}")


def test_every_public_kernel_is_compiled_through_the_jit_helper():
    names = [n for n in kernels.__all__ if n.endswith("_update") or n.endswith("_parallel")]
    assert names
    for name in names:
        fn = getattr(kernels, name)
        # a numba dispatcher (or, with NUMBA_DISABLE_JIT=1, the plain function)
        assert hasattr(fn, "py_func") or callable(fn)
        serial = name.removesuffix("_parallel")
        tree = _kernel_sources()[f"{serial.rsplit('_', 1)[0]}.py"]
        if name == serial:
            decorated = next(
                d for d in ast.walk(tree) if isinstance(d, ast.FunctionDef) and d.name == name
            ).decorator_list
            assert [ast.unparse(d) for d in decorated] == ["jit"], name
        else:  # the parallel copy of the serial kernel, through the same module
            assigned = next(
                a.value
                for a in ast.walk(tree)
                if isinstance(a, ast.Assign) and ast.unparse(a.targets[0]) == name
            )
            assert ast.unparse(assigned) == f"jit_parallel({serial})", name


# Per kernel: its state buffers made from (θ, g), and every option on in its SCALARS.
EVERYTHING_ON = {
    # v, ḡ, m; centered, Nesterov momentum, both decays, bias correction, ε and η on both
    # sides of the root and the buffer, maximize
    "rmsprop": (
        lambda theta, g: (np.abs(g), g / 3, g / 5),
        [0.9, 0.1, 0.9, 1e-8, 1e-8, 0.3, 0.5, 0.01, 0.9, 1, 1e-3, 1e-4, -1],
    ),
    # b; momentum (a later step), dampening, Nesterov, weight decay, maximize
    "sgd": (lambda theta, g: (g / 5,), [0.01, 0.9, 0.8, 1, 0, 1e-3, -1]),
    # m, v, v̂ (|θ| lies on either side of |g|, so max(v̂, v) takes both branches); amsgrad,
    # coupled and decoupled decay, maximize
    "adam": (
        lambda theta, g: (g / 3, np.abs(g), np.abs(theta)),
        [0.01, 0.9, 0.1, 0.999, 0.001, 0.3, 1e-8, 1e-3, 0.9999, -1],
    ),
    # S; weight decay, maximize
    "adagrad": (lambda theta, g: (np.abs(g),), [0.01, 1e-10, 1e-3, -1]),
    # m, u (|θ|·β₂ on either side of |g| + ε, so the max takes both branches); weight
    # decay, maximize
    "adamax": (
        lambda theta, g: (g / 3, np.abs(theta)),
        [0.01, 0.9, 0.1, 0.999, 1e-8, 1e-3, -1],
    ),
    # g_prev, s; g_prev (θ, zeroed where |θ| < 0.3) has either sign or none, so η₊, η₋
    # and no factor apply, and the step sizes |g|/10 lie below, inside and above
    # [1e-2, 0.1]; maximize
    "rprop": (
        lambda theta, g: (np.where(np.abs(theta) < 0.3, 0, theta), np.abs(g) / 10),
        [0.3, 1.5, 1e-2, 0.1, -1],
    ),
    # v, u; weight decay, maximize
    "adadelta": (
        lambda theta, g: (np.abs(g), np.abs(theta)),
        [0.5, 0.9, 0.1, 1e-6, 1e-3, -1],
    ),
    # ā; averaging (μ < 1), decay term, weight decay, maximize
    "asgd": (lambda theta, g: (g / 3,), [0.999, 0.01, 0.5, 1e-3, -1]),
    # m, v; both coefficients, coupled and decoupled decay, maximize
    "nadam": (
        lambda theta, g: (g / 3, np.abs(g)),
        [-0.01, -0.05, 0.3, 0.9, 0.1, 0.999, 0.001, 1e-8, 1e-3, 0.9999, -1],
    ),
    # m, v; the rectified branch, coupled and decoupled decay, maximize
    "radam": (
        lambda theta, g: (g / 3, np.abs(g)),
        [0.5, 0.01, 1, 0.3, 0.7, 0.9, 0.1, 0.999, 0.001, 1e-8, 1e-3, 0.9999, -1],
    ),
}


def test_every_parallel_copy_is_tested():
    parallel = {n.removesuffix("_update_parallel") for n in kernels.__all__ if "_parallel" in n}
    assert parallel == set(EVERYTHING_ON)


@pytest.mark.parametrize("name", EVERYTHING_ON)
def test_parallel_copies_give_the_serial_results_bit_for_bit(name):
    make_buffers, values = EVERYTHING_ON[name]
    rng = np.random.default_rng(5)
    n = kernels.PARALLEL_MIN_SIZE + 1001
    theta = rng.standard_normal(n, dtype=np.float32)
    grad = rng.standard_normal(n, dtype=np.float32)
    scalars = np.array(values, np.float32)
    outs = []
    for kernel in (getattr(kernels, f"{name}_update"), getattr(kernels, f"{name}_update_parallel")):
        arrays = [a.copy() for a in (theta, *make_buffers(theta, grad))]
        kernel(arrays[0], grad, *arrays[1:], scalars)
        outs.append(arrays)
    for serial, parallel in zip(*outs, strict=True):
        assert np.array_equal(serial, parallel)
    assert not np.array_equal(outs[0][0], theta)  # the kernels did update θ


# ------------------------------------------------------------------ the packed scalars
#: kernel module -> the optimizer whose plan packs its scalars
PACKED_BY = {
    "sgd": optim.SGD,
    "adagrad": optim.Adagrad,
    "rmsprop": optim.RMSprop,
    "adam": optim.Adam,
    "adamax": optim.Adamax,
    "rprop": optim.Rprop,
    "adadelta": optim.Adadelta,
    "asgd": optim.ASGD,
    "nadam": optim.NAdam,
    "radam": optim.RAdam,
}


def _unpacked(name: str) -> list[str]:
    """The names ``<name>_update`` unpacks from its ``scalars``, in order.

    Only statements such as ``alpha, one_minus_alpha = scalars[0:2]`` may read it, each
    taking the slice that follows the previous one's, so the names and their positions
    are the ones written.
    """
    kernel = next(
        node
        for node in ast.walk(_kernel_sources()[f"{name}.py"])
        if isinstance(node, ast.FunctionDef) and node.name == f"{name}_update"
    )
    assert kernel.args.args[-1].arg == "scalars", f"{name}_update's last argument"
    names: list[str] = []
    unpackings = 0
    for statement in kernel.body:
        value = getattr(statement, "value", None)
        if not (isinstance(value, ast.Subscript) and ast.unparse(value.value) == "scalars"):
            continue
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1
        (target,) = statement.targets
        assert isinstance(target, ast.Tuple), ast.unparse(statement)
        assert all(isinstance(t, ast.Name) for t in target.elts), ast.unparse(statement)
        window = value.slice
        assert isinstance(window, ast.Slice) and window.step is None, ast.unparse(statement)
        lower, upper = ast.literal_eval(window.lower), ast.literal_eval(window.upper)
        assert (lower, upper) == (len(names), len(names) + len(target.elts)), (
            f"{name}: {ast.unparse(statement)} does not take the slice after the last one"
        )
        names += [ast.unparse(t) for t in target.elts]
        unpackings += 1
    uses = [n for n in ast.walk(kernel) if isinstance(n, ast.Name) and n.id == "scalars"]
    assert len(uses) == unpackings, f"{name}_update reads scalars other than by unpacking"
    return names


@pytest.mark.parametrize("name", PACKED_BY)
def test_each_kernel_unpacks_its_scalars_in_the_order_of_its_layout(name):
    layout = importlib.import_module(f"tinygrad_rms.kernels.{name}").SCALARS
    assert _unpacked(name) == list(layout)


@pytest.mark.parametrize("name", PACKED_BY)
def test_each_plan_packs_every_entry_of_its_kernels_layout_by_name(name):
    layout = importlib.import_module(f"tinygrad_rms.kernels.{name}").SCALARS
    opt = PACKED_BY[name]([tg.Tensor(np.zeros(3, np.float32), requires_grad=True)])
    plan = opt.plan(dict(opt.defaults))
    assert plan.LAYOUT is layout
    for dtype in (np.float32, np.float64):  # named in the layout's order, to read alike
        assert list(plan._named_scalars(np.dtype(dtype))) == list(layout)
        assert plan.scalars(np.dtype(dtype), 1).shape == (len(layout),)


def test_every_kernel_is_checked_for_its_layout():
    assert set(PACKED_BY) == {
        n.removesuffix("_update") for n in kernels.__all__ if n.endswith("_update")
    }


def test_no_name_in_the_optimizers_or_kernels_says_just_hyper():
    """The word once meant three things: a group's hyperparameters, a plan and the kernel's
    packed scalars.  Now each has its own name."""
    for folder in (KERNEL_DIR, KERNEL_DIR.parent / "optim"):
        for path in folder.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                for field in ("id", "arg", "attr", "name"):
                    word = str(getattr(node, field, "") or "").lower().strip("_")
                    if word.startswith("hyper"):
                        assert word.startswith("hyperparameter"), f"{path.name}: {word}"
