"""PyTorch programs run on tinygrad_rms with only their torch imports changed, and print
PyTorch's numbers; the SimpleNet's graph, walked through ``grad_fn.next_functions``, is
PyTorch's node for node.

The programs (``tests/programs/*.py``) are written for PyTorch in the style of its
tutorials and of popular beginner programs:

* ``legendre_function``, ``custom_relu_net``: their own autograd Functions;
* ``polynomial_by_hand``: the device line, ``torch.linspace``/``torch.sin``, manual SGD
  with ``p -= lr * p.grad``, then ``Variable``, ``.data`` and ``.grad.data`` updates;
* ``dataloader_classifier``: ``TensorDataset``/``DataLoader``, ``Sequential(OrderedDict)``,
  RMSprop with StepLR, clipping, eval with ``no_grad``, a state dict through
  ``torch.save``/``torch.load`` on a file object;
* ``recurrent_by_hand``: ``set_default_dtype(float64)``, ``torch.*`` functions, and
  in-place ops recorded in the graph (``outputs[t] = h``, ``pre += ...``, ``*=``);
* ``continue_from_pytorch``: a ``.pt`` state dict written by ``torch.save`` loaded with
  ``torch.load(weights_only=True)`` and fine-tuned.

The references are what PyTorch printed (``tests/fixtures/autograd_torch.npz``, written by
``make_autograd_fixtures.py``), and live PyTorch where it is installed.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from fixture_util import arrays, generator

import tinygrad_rms as tg
from tinygrad_rms import autograd

pytestmark = pytest.mark.slow  # runs whole programs in subprocesses (≈40 s): CI runs `-m slow`

make = generator("make_autograd_fixtures")
FIXTURE = arrays("autograd_torch.npz")
PROGRAMS = make.program_names()
HAS_TORCH = importlib.util.find_spec("torch") is not None

# float32 programs: the printed values agree to float rounding (different summation
# orders over 2000 points and 300 steps), far tighter than any difference in behaviour;
# the float64 program (recurrent_by_hand) prints 10 digits, and they agree to the last
RTOL, ATOL = 3e-5, 2e-5


def test_the_programs_and_the_fixture_agree_on_what_exists():
    assert PROGRAMS == [
        "continue_from_pytorch",
        "custom_relu_net",
        "dataloader_classifier",
        "legendre_function",
        "polynomial_by_hand",
        "recurrent_by_hand",
    ]
    assert {f"programs/{p}" for p in PROGRAMS} <= set(FIXTURE)


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_pytorchs_numbers(name):
    printed = make.numbers(make.run_program(make.PROGRAMS / f"{name}.py", "tinygrad_rms"))
    expected = FIXTURE[f"programs/{name}"]
    assert printed.shape == expected.shape
    np.testing.assert_allclose(printed, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("name", PROGRAMS)
def test_program_prints_live_pytorchs_numbers(name):
    path = make.PROGRAMS / f"{name}.py"
    ours = make.numbers(make.run_program(path, "tinygrad_rms"))
    theirs = make.numbers(make.run_program(path, "torch"))
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


def test_the_fitted_polynomial_is_the_known_answer():
    """Independent of PyTorch: the Legendre fit ends where least squares puts it (a ≈ 0,
    c ≈ 0 by symmetry; b·P3(d·x) close to sin x) and its loss fell tenfold."""
    printed = make.numbers(make.run_program(make.PROGRAMS / "legendre_function.py", "tinygrad_rms"))
    losses = printed[1:20:2]
    a, b, c, d = printed[-5], printed[-4], printed[-2], printed[-1]
    assert losses[-1] < losses[0] / 10
    assert abs(a) < 1e-4 and abs(c) < 1e-4
    x = np.linspace(-np.pi, np.pi, 2000)
    z = d * x
    fit = a + b * 0.5 * (5 * z**3 - 3 * z)
    np.testing.assert_allclose(np.sum((fit - np.sin(x)) ** 2), losses[-1], rtol=1e-3)


def _legendre3():
    class Legendre3(autograd.Function):
        @staticmethod
        def forward(ctx, z):
            ctx.save_for_backward(z)
            return 0.5 * (5 * z**3 - 3 * z)

        @staticmethod
        def backward(ctx, grad_output):
            (z,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * z**2 - 1)

    return Legendre3


def test_a_user_function_passes_gradcheck():
    z = tg.tensor(np.linspace(-2, 2, 7), dtype=tg.float64, requires_grad=True)
    assert autograd.gradcheck(_legendre3().apply, z)
    node = _legendre3().apply(z).grad_fn
    assert node.name() == "Legendre3Backward"
    assert node.next_functions[0][0].variable is z


def test_simplenet_graph_is_pytorchs():
    """Node names and structure, depth first along next_functions, against the fixture:
    linear is AddmmBackward0(bias, input, TBackward0(weight)), as PyTorch records it."""
    tg.manual_seed(0)
    assert make.simplenet_graph(tg) == list(FIXTURE["simplenet_graph"])


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_simplenet_graph_is_live_pytorchs():
    import torch

    assert make.simplenet_graph(tg) == make.simplenet_graph(torch)


def test_graph_lines_name_every_parameter_once():
    lines = [line.strip() for line in make.simplenet_graph(tg)]
    leaves = sorted(line.split()[1] for line in lines if line.startswith("AccumulateGrad"))
    assert leaves == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]


def test_the_manual_sgd_loop_trains_as_the_math_says():
    """Independent of PyTorch: ``p -= lr * p.grad`` is gradient descent, so the cubic's
    coefficients after 1000 steps are those of a float64 numpy transcription."""
    printed = make.numbers(
        make.run_program(make.PROGRAMS / "polynomial_by_hand.py", "tinygrad_rms")
    )
    x = np.linspace(-np.pi, np.pi, 2000)
    powers = np.stack([x**0, x, x**2, x**3], axis=1)
    coefficients = np.array([0.1, -0.2, 0.3, -0.1])
    for _ in range(1000):
        residual = powers @ coefficients - np.sin(x)
        coefficients -= 1e-6 * 2 * powers.T @ residual
    result = printed[[10, 11, 12, 14]]  # "Result: y = a + b x + c x^2 + d x^3"
    np.testing.assert_allclose(result, coefficients, atol=2e-6)


def test_imports_are_swapped_whatever_their_form():
    code = "import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n"
    swapped = make.swap_imports(code, "tinygrad_rms")
    assert swapped.splitlines() == [
        "import tinygrad_rms as torch",
        "import tinygrad_rms.nn as nn",
        "from tinygrad_rms.utils.data import DataLoader",
    ]
