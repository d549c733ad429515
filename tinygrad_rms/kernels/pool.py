"""Max pooling over (N, C, H, W) arrays in one pass each way.

Forward keeps, per window, the position of its maximum as PyTorch's CPU kernel chooses it:
scanning the window row by row, a value replaces the current one if it is greater or is
NaN (so ties keep the first maximum, and NaN wins).  Positions outside the input (the
padding) are skipped.  Backward adds each output's gradient at that position.
"""

from __future__ import annotations

import numpy as np

from ._jit import jit

__all__ = ["max_pool2d_backward", "max_pool2d_forward"]


@jit
def max_pool2d_forward(  # type: ignore[no-untyped-def]
    x: np.ndarray,
    out: np.ndarray,
    where: np.ndarray,
    geometry: np.ndarray,  # kernel h, w, stride h, w, padding h, w, dilation h, w (int64)
) -> None:
    """out[n, c, i, j] = the window's maximum; where[...] = its flat position h·W + w."""
    kh, kw, sh, sw, ph, pw, dh, dw = geometry
    n_, c_, h_, w_ = x.shape
    oh_, ow_ = out.shape[2], out.shape[3]
    for n in range(n_):
        for c in range(c_):
            for i in range(oh_):
                for j in range(ow_):
                    best = x[n, c, 0, 0]
                    at = -1
                    for a in range(kh):
                        h = i * sh - ph + a * dh
                        if h < 0 or h >= h_:
                            continue
                        for b in range(kw):
                            w = j * sw - pw + b * dw
                            if w < 0 or w >= w_:
                                continue
                            v = x[n, c, h, w]
                            if at == -1 or v > best or v != v:
                                best = v
                                at = h * w_ + w
                    out[n, c, i, j] = best
                    where[n, c, i, j] = at


@jit
def max_pool2d_backward(  # type: ignore[no-untyped-def]
    grad: np.ndarray, where: np.ndarray, dx: np.ndarray
) -> None:
    """dx (zeros on entry, (N, C, H, W)) += each output's gradient at its maximum."""
    n_, c_, oh_, ow_ = grad.shape
    w_ = dx.shape[3]
    for n in range(n_):
        for c in range(c_):
            for i in range(oh_):
                for j in range(ow_):
                    k = where[n, c, i, j]
                    if k >= 0:
                        dx[n, c, k // w_, k % w_] += grad[n, c, i, j]
