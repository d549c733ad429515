"""Central-difference gradient checks for the tests (float64 throughout).

The reference gradient never comes from the library's backward: it is the slope of
``sum(f(*arrays) * upstream)`` measured by evaluating the library's *forward* at
``x ± eps`` element by element.  The forwards themselves are checked against numpy
elsewhere, so a wrong backward cannot agree with this by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import tinygrad_rms as tg

__all__ = ["check_grads", "numeric_grad"]


def _evaluate(f: Callable[..., tg.Tensor], arrays: Sequence[np.ndarray]) -> np.ndarray:
    """``f`` applied to fresh float64 tensors built from ``arrays``, as a float64 array."""
    with tg.no_grad():
        out = f(*[tg.tensor(np.array(a, dtype=np.float64)) for a in arrays])
    # read ``numpy()`` rather than np.asarray(out): __array__ is tested on its own elsewhere
    return np.array(out.numpy(), dtype=np.float64)


def numeric_grad(
    f: Callable[..., tg.Tensor],
    arrays: Sequence[np.ndarray],
    i: int,
    eps: float = 1e-6,
    upstream: np.ndarray | None = None,
) -> np.ndarray:
    """d(sum(f(*arrays) * upstream)) / d(arrays[i]) by central differences in float64.

    ``upstream`` defaults to ones (the gradient of a plain sum).
    """
    base = [np.array(a, dtype=np.float64) for a in arrays]
    if upstream is None:
        upstream = np.ones_like(_evaluate(f, base))
    upstream = np.asarray(upstream, dtype=np.float64)
    x = base[i]
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + eps
        plus = float(np.sum(_evaluate(f, base) * upstream))
        x[idx] = saved - eps
        minus = float(np.sum(_evaluate(f, base) * upstream))
        x[idx] = saved
        grad[idx] = (plus - minus) / (2.0 * eps)
    return grad


def check_grads(
    fn: Callable[..., tg.Tensor],
    *arrays: np.ndarray,
    upstream: np.ndarray | None = None,
    requires_grad: Sequence[bool] | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    seed: int = 0,
) -> tg.Tensor:
    """Run the library's backward on ``fn(*arrays)`` (float64 inputs) and compare each
    input's ``.grad`` with the central-difference gradient.

    ``upstream`` is the gradient fed to ``out.backward(gradient=...)``; by default a random
    normal array of the output's shape, so that every output element's weight matters.
    Inputs with ``requires_grad`` False must end with ``.grad`` None.  Returns the output.
    """
    flags = [True] * len(arrays) if requires_grad is None else list(requires_grad)
    assert len(flags) == len(arrays)
    arrays64 = [np.array(a, dtype=np.float64) for a in arrays]
    inputs = [tg.tensor(a.copy(), requires_grad=f) for a, f in zip(arrays64, flags, strict=True)]
    out = fn(*inputs)
    assert out.dtype == np.float64, f"float64 inputs gave a {out.dtype} output"
    if upstream is None:
        upstream = np.random.default_rng(seed).standard_normal(out.shape)
    upstream = np.asarray(upstream, dtype=np.float64)
    assert upstream.shape == out.shape
    out.backward(gradient=upstream.copy())
    for i, (t, flag) in enumerate(zip(inputs, flags, strict=True)):
        if not flag:
            assert t.grad is None, f"input {i} does not require grad but got a .grad"
            continue
        assert t.grad is not None, f"input {i} got no gradient"
        assert t.grad.shape == t.shape, f"input {i}: grad shape {t.grad.shape} != {t.shape}"
        assert t.grad.dtype == np.float64
        expected = numeric_grad(fn, arrays64, i, upstream=upstream)
        np.testing.assert_allclose(
            t.grad.data, expected, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}"
        )
    return out
