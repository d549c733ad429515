"""Convolution and pooling layers with PyTorch's arguments, parameter names, shapes,
initialisation and numbers: ``Conv1d``, ``Conv2d``, ``MaxPool1d``, ``MaxPool2d``,
``AvgPool2d``, ``AdaptiveAvgPool2d`` (the math: ``ops/conv.py``; the argument checks:
``nn.functional``).

A convolution's ``weight`` is (out_channels, in_channels/groups, *kernel_size) and its
``bias`` (out_channels,), both from U(−1/√fan_in, 1/√fan_in) with fan_in =
in_channels/groups · kernel elements, as PyTorch's ``kaiming_uniform_(a=√5)`` gives.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..arrays import default_float
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d"]


class _ConvNd(Module):
    _dims: int  # spatial dims
    _function: Any  # F.conv1d or F.conv2d

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        owner, dims = type(self).__name__, self._dims
        for name, n in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("groups", groups),
        ):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(f"{owner}: {name} must be a positive integer, got {n!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{owner}: in_channels ({in_channels}) and out_channels ({out_channels}) "
                f"must be divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"{owner}: only padding_mode='zeros' is supported, got {padding_mode!r}"
            )
        kernel = (kernel_size,) * dims if isinstance(kernel_size, int) else tuple(kernel_size)
        if len(kernel) != dims or any(not isinstance(k, int) or k <= 0 for k in kernel):
            raise ValueError(
                f"{owner}: kernel_size must be {dims} positive ints, got {kernel_size!r}"
            )
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.groups, self.padding_mode = groups, padding_mode
        dtype = default_float() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, *kernel), dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        fan_in = self.in_channels // self.groups * math.prod(self.kernel_size)
        bound = init.fan_in_bound(fan_in)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._function(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        dims = len(self.kernel_size)
        show = lambda v: (v,) * dims if isinstance(v, int) else v
        text += f", stride={show(self.stride)}"
        if self.padding not in (0, (0,) * dims):
            padding = self.padding if isinstance(self.padding, str) else show(self.padding)
            text += f", padding={padding}"
        if self.dilation not in (1, (1,) * dims):
            text += f", dilation={show(self.dilation)}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-d convolution over (N, C, H, W) or (C, H, W) input, PyTorch's ``nn.Conv2d``."""

    _dims, _function = 2, staticmethod(F.conv2d)


class Conv1d(_ConvNd):
    """1-d convolution over (N, C, L) or (C, L) input, PyTorch's ``nn.Conv1d``."""

    _dims, _function = 1, staticmethod(F.conv1d)


class MaxPool2d(Module):
    """The maximum over each window (``stride`` defaults to ``kernel_size``)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        if return_indices:
            raise ValueError("MaxPool2d: return_indices=True is not supported here")
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode
        self.return_indices = False

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(MaxPool2d):
    """The maximum over each window of (N, C, L) or (C, L) input."""

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool1d(
            input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )


class AvgPool2d(Module):
    """The mean over each window (PyTorch's counting of padding and partial windows)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Means over PyTorch's adaptive windows, to ``output_size``."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
