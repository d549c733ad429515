"""``gradcheck``: trust a backward only once it agrees with central differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .grad_mode import no_grad
from .graph import tensor_type

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when backprop and central differences disagree."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare backprop's gradients of ``fn`` with central differences, in float64.

    Every floating-point Tensor input is copied to float64 (so the check never changes
    the caller's tensors).  The output is contracted with a fixed random vector ``v`` (so
    a non-scalar ``fn`` is checked along a generic direction) and for each element of
    each input that requires grad the analytic ``∂(v·fn)/∂x`` is compared with
    ``(v·fn(x + eps) − v·fn(x − eps)) / 2eps``.  ``fn`` may be any function of Tensors:
    a composition of ops, or a user's ``autograd.Function``'s ``apply``.

    Returns True, or raises ``GradcheckError`` naming the input, the element index and
    both values.
    """
    tensor = tensor_type.cls
    single = isinstance(inputs, tensor)
    originals = [inputs] if single else list(inputs)
    xs = [
        t.detach().double().clone().requires_grad_(t.requires_grad)
        if isinstance(t, tensor) and t.dtype.kind == "f"
        else t
        for t in originals
    ]
    checked = [i for i, t in enumerate(xs) if isinstance(t, tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")

    def call() -> Any:
        return fn(*xs)

    out = call()
    if not isinstance(out, tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    v = np.random.default_rng(seed).standard_normal(out.shape)
    if not out.requires_grad:
        raise RuntimeError("gradcheck: the output does not depend on any input that requires grad")
    out.backward(gradient=v)

    with no_grad():
        for i in checked:
            x = xs[i]
            analytic = np.zeros(x.shape) if x.grad is None else x.grad._array
            flat = x._array.reshape(-1)  # a view: perturbs x in place
            for j in range(flat.size):
                saved = flat[j]
                flat[j] = saved + eps
                plus = float(np.sum(call()._array * v))
                flat[j] = saved - eps
                minus = float(np.sum(call()._array * v))
                flat[j] = saved
                numeric = (plus - minus) / (2 * eps)
                a = float(analytic.reshape(-1)[j])
                if not abs(a - numeric) <= atol + rtol * abs(numeric):
                    index = tuple(int(k) for k in np.unravel_index(j, x.shape)) if x.ndim else ()
                    raise GradcheckError(
                        f"gradcheck: gradient mismatch for input {i} at index {index}: "
                        f"analytic {a!r}, numeric {numeric!r} (atol={atol}, rtol={rtol})"
                    )
    return True
