"""Convolution and pooling over images (N, C, H, W), each one graph node.

Convolution is im2col: a strided *view* of the padded input holding every kernel-sized
window (no copy, no Python loop over pixels), then one matmul per group against the
flattened kernels.  Backward: the kernel gradient is one matmul too; the input gradient is
the matmul the other way, scattered back window offset by window offset (kh·kw slice
additions, not one per pixel).  Pooling uses the same windowed view: max keeps, per
window, the position of its first maximum (PyTorch's choice among ties), and backward
routes the gradient there; average divides by the window's count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..kernels import max_pool2d_backward, max_pool2d_forward

__all__ = ["avg_pool2d", "conv2d", "max_pool2d", "pair"]


def pair(value: Any, name: str) -> tuple[int, int]:
    """An int or a pair of ints as a pair (PyTorch's ``_pair``), non-negative."""
    values = (value, value) if isinstance(value, int | np.integer) else tuple(value)
    if len(values) != 2 or any(
        isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0 for v in values
    ):
        raise ValueError(f"{name} must be an int or a pair of non-negative ints, got {value!r}")
    return int(values[0]), int(values[1])


def _windows(
    xp: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    out: tuple[int, int],
) -> np.ndarray:
    """The (N, C, OH, OW, kh, kw) view of every window of the padded input ``xp``."""
    n, c, _, _ = xp.shape
    s_n, s_c, s_h, s_w = xp.strides
    return np.lib.stride_tricks.as_strided(
        xp,
        (n, c, out[0], out[1], kernel[0], kernel[1]),
        (s_n, s_c, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1]),
        writeable=False,
    )


def _out_size(size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool) -> int:
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    if ceil:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + pad:  # the last window must start inside (PyTorch)
            out -= 1
        return out
    return span // stride + 1


def _scatter_windows(
    d_windows: np.ndarray,
    shape: tuple[int, ...],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """The sum, into an array of the padded input's ``shape``, of the window gradients
    ``d_windows`` (N, C, OH, OW, kh, kw): one strided slice addition per kernel offset."""
    dxp = np.zeros(shape, d_windows.dtype)
    n, c, oh, ow, kh, kw = d_windows.shape
    if stride == (kh, kw) and dilation == (1, 1):  # windows that tile: one reshaped copy
        tiles = d_windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh * kh, ow * kw)
        dxp[:, :, : oh * kh, : ow * kw] = tiles
        return dxp
    for i in range(kh):
        for j in range(kw):
            h0, w0 = i * dilation[0], j * dilation[1]
            dxp[
                :, :, h0 : h0 + stride[0] * oh : stride[0], w0 : w0 + stride[1] * ow : stride[1]
            ] += d_windows[:, :, :, :, i, j]
    return dxp


class Conv2d(Function, arrays=True, name="ConvolutionBackward0"):
    """y[n, o] = b[o] + Σ_c Σ_ij w[o, c, i, j] · x[n, c, s·h + d·i − p, s·w + d·j − p]."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        n, _, h, w = x.shape
        o, cg, kh, kw = weight.shape
        oh = _out_size(h, kh, stride[0], padding[0], dilation[0], False)
        ow = _out_size(w, kw, stride[1], padding[1], dilation[1], False)
        xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
        s_n, s_c, s_h, s_w = xp.strides
        # every window, already in the order of the matmul's rows and columns:
        # (groups, N, OH, OW, Cg, kh, kw), copied once into (groups, N·OH·OW, Cg·kh·kw)
        windows = np.lib.stride_tricks.as_strided(
            xp,
            (groups, n, oh, ow, cg, kh, kw),
            (
                s_c * cg,
                s_n,
                s_h * stride[0],
                s_w * stride[1],
                s_c,
                s_h * dilation[0],
                s_w * dilation[1],
            ),
            writeable=False,
        )
        cols = np.ascontiguousarray(windows).reshape(groups, n * oh * ow, cg * kh * kw)
        kernels = weight.reshape(groups, o // groups, cg * kh * kw)
        y = cols @ kernels.transpose(0, 2, 1)  # (groups, N·OH·OW, O/groups)
        y = y.reshape(groups, n, oh, ow, o // groups).transpose(1, 2, 3, 0, 4)
        y = y.reshape(n, oh, ow, o)
        if bias is not None:
            y = y + bias
        ctx.save_for_backward(cols, weight)
        ctx.geometry = x.shape, xp.shape, stride, padding, dilation, groups, (oh, ow)
        ctx.has_bias = bias is not None
        return np.ascontiguousarray(y.transpose(0, 3, 1, 2))

    @staticmethod
    def backward(ctx, g):
        cols, weight = ctx.saved_tensors
        x_shape, xp_shape, stride, padding, dilation, groups, (oh, ow) = ctx.geometry
        n, _, h, w = x_shape
        o, cg, kh, kw = weight.shape
        og = o // groups
        rows = np.ascontiguousarray(g.transpose(0, 2, 3, 1)).reshape(n * oh * ow, groups, og)
        gg = rows.transpose(1, 0, 2)  # (groups, N·OH·OW, O/groups)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        d_weight = (gg.transpose(0, 2, 1) @ cols).reshape(weight.shape) if need_w else None
        d_bias = g.sum(axis=(0, 2, 3)) if ctx.has_bias and need_b else None
        if not need_x:  # e.g. the first layer, fed the data: no input gradient to scatter
            return None, d_weight, d_bias, None, None, None, None
        d_cols = gg @ weight.reshape(groups, og, cg * kh * kw)
        d_win = d_cols.reshape(groups, n, oh, ow, cg, kh, kw)
        dxp = np.zeros(xp_shape, g.dtype)
        for i in range(kh):  # each kernel offset adds into a strided slice of the input
            h0 = i * dilation[0]
            for j in range(kw):
                w0 = j * dilation[1]
                target = dxp[
                    :, :, h0 : h0 + stride[0] * oh : stride[0], w0 : w0 + stride[1] * ow : stride[1]
                ]
                for k in range(groups):
                    target[:, k * cg : (k + 1) * cg] += d_win[k, :, :, :, :, i, j].transpose(
                        0, 3, 1, 2
                    )
        dx = dxp[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w]
        return np.ascontiguousarray(dx), d_weight, d_bias, None, None, None, None


class MaxPool2d(Function, arrays=True, name="MaxPool2DWithIndicesBackward0"):
    """The maximum of each window; the gradient goes to the position PyTorch's kernel
    picks (the first maximum; a NaN wins).  One Numba pass each way
    (``kernels/pool.py``)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, ceil_mode):
        n, c, h, w = x.shape
        out = (
            _out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode),
            _out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode),
        )
        y = np.empty((n, c, *out), x.dtype)
        where = np.empty((n, c, *out), np.int64)
        geometry = np.array([*kernel, *stride, *padding, *dilation], np.int64)
        max_pool2d_forward(np.ascontiguousarray(x), y, where, geometry)
        ctx.save_for_backward(where)
        ctx.x_shape = x.shape
        return y

    @staticmethod
    def backward(ctx, g):
        (where,) = ctx.saved_tensors
        dx = np.zeros(ctx.x_shape, g.dtype)
        max_pool2d_backward(np.ascontiguousarray(g), where, dx)
        return dx, None, None, None, None, None


class AvgPool2d(Function, arrays=True, name="AvgPool2DBackward0"):
    """The mean of each window: zeros of the padding counted (``count_include_pad``) or not;
    windows that reach past the padding (``ceil_mode``) count only what they cover."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
        h, w = x.shape[2:]
        one = (1, 1)
        out = (
            _out_size(h, kernel[0], stride[0], padding[0], 1, ceil_mode),
            _out_size(w, kernel[1], stride[1], padding[1], 1, ceil_mode),
        )
        need = [
            max(0, (out[k] - 1) * stride[k] + kernel[k] - padding[k] - x.shape[2 + k])
            for k in range(2)
        ]
        pads = ((0, 0), (0, 0), (padding[0], need[0]), (padding[1], need[1]))
        xp = np.pad(x, pads)
        total = _windows(xp, kernel, stride, one, out).sum(axis=(-2, -1))
        if divisor is not None:
            count = np.full(out, float(divisor))
        else:  # per output position: the window cut to the padded (or the real) input
            count = np.outer(
                *(
                    _window_counts(
                        x.shape[2 + k], kernel[k], stride[k], padding[k], out[k], count_include_pad
                    )
                    for k in range(2)
                )
            )
        count = count.astype(x.dtype)
        ctx.count, ctx.geometry = count, (x.shape, xp.shape, kernel, stride, padding)
        return total / count

    @staticmethod
    def backward(ctx, g):
        x_shape, xp_shape, kernel, stride, padding = ctx.geometry
        share = g / ctx.count
        d_win = np.broadcast_to(share[..., None, None], (*g.shape, *kernel))
        dxp = _scatter_windows(d_win, xp_shape, stride, (1, 1))
        h, w = x_shape[2:]
        return (
            np.ascontiguousarray(
                dxp[:, :, padding[0] : padding[0] + h, padding[1] : padding[1] + w]
            ),
            None,
            None,
            None,
            None,
            None,
            None,
        )


def _window_counts(
    size: int, kernel: int, stride: int, pad: int, out: int, include_pad: bool
) -> np.ndarray:
    """How many elements each window along one dim averages over (PyTorch's rule)."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    if include_pad:
        return (end - start).astype(np.float64)
    return (np.minimum(end, size) - np.maximum(start, 0)).astype(np.float64)


def conv2d(
    x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any, groups: int
) -> Any:
    """The convolution node (arguments checked by ``nn.functional.conv2d``)."""
    return Conv2d.apply(x, weight, bias, stride, padding, dilation, groups)


def max_pool2d(
    x: Any, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool
) -> Any:
    return MaxPool2d.apply(x, kernel, stride, padding, dilation, ceil_mode)


def avg_pool2d(
    x: Any,
    kernel: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor: Any,
) -> Any:
    return AvgPool2d.apply(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
