"""Elman recurrent networks: RNNCell (one step) and RNN (a whole sequence, one layer).

    h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)        (or relu)

Backpropagation through time needs nothing special: the loop below builds the unrolled
graph step by step, and ``backward`` walks it like any other.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import default_float
from ..creation import zeros
from ..tensor import Tensor, stack
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["RNN", "RNNCell"]

_NONLINEARITIES = {"tanh": F.tanh, "relu": F.relu}


class _RNNBase(Module):
    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, nonlinearity: str, suffix: str
    ) -> None:
        super().__init__()
        for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
                raise ValueError(
                    f"{type(self).__name__}: {name} must be a positive integer, got {n!r}"
                )
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.bias, self.nonlinearity = bias, nonlinearity
        self._suffix = suffix
        dtype = default_float()
        setattr(self, f"weight_ih{suffix}", Parameter(np.empty((hidden_size, input_size), dtype)))
        setattr(self, f"weight_hh{suffix}", Parameter(np.empty((hidden_size, hidden_size), dtype)))
        if bias:
            setattr(self, f"bias_ih{suffix}", Parameter(np.empty(hidden_size, dtype)))
            setattr(self, f"bias_hh{suffix}", Parameter(np.empty(hidden_size, dtype)))
        else:
            self.register_parameter(f"bias_ih{suffix}", None)
            self.register_parameter(f"bias_hh{suffix}", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(−1/√hidden, 1/√hidden), as PyTorch."""
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _cell(self, x: Tensor, h: Tensor) -> Tensor:
        s = self._suffix
        pre = F.linear(x, getattr(self, f"weight_ih{s}"), getattr(self, f"bias_ih{s}"))
        pre = pre + F.linear(h, getattr(self, f"weight_hh{s}"), getattr(self, f"bias_hh{s}"))
        return _NONLINEARITIES[self.nonlinearity](pre)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        return text


class RNNCell(_RNNBase):
    """One step: ``h' = cell(x, h)`` with x of shape (N, input_size) or (input_size,).

    Parameters (PyTorch's names): ``weight_ih`` (hidden, input), ``weight_hh``
    (hidden, hidden), ``bias_ih`` and ``bias_hh`` (hidden,).
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        super().__init__(input_size, hidden_size, bias, nonlinearity, "")

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"RNNCell: expected input of shape (N, {self.input_size}) or "
                f"({self.input_size},), got {input.shape}"
            )
        if hx is None:
            hx = zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype)
        elif hx.shape != (*input.shape[:-1], self.hidden_size):
            raise ValueError(
                f"RNNCell: hidden state of shape {hx.shape} does not fit input {input.shape}"
            )
        return self._cell(input, hx)

    def extra_repr(self) -> str:
        text = super().extra_repr()  # PyTorch shows the nonlinearity, unquoted, for cells only
        return text + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class RNN(_RNNBase):
    """A single-layer Elman RNN over a sequence; returns ``(output, h_n)``.

    ``input`` is (L, N, input_size), or (N, L, input_size) with ``batch_first=True``, or
    unbatched (L, input_size).  ``output`` holds every step's hidden state, ``h_n`` the
    last one with a leading layer dim of 1, as in PyTorch.  Parameters are named
    ``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
    ) -> None:
        if num_layers != 1:
            raise ValueError(f"RNN: only num_layers=1 is supported, got {num_layers}")
        self.batch_first = batch_first
        super().__init__(input_size, hidden_size, bias, nonlinearity, "_l0")

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"RNN: expected input of shape (L, N, {self.input_size}) or "
                f"(L, {self.input_size}), got {input.shape}"
            )
        batched = input.ndim == 3
        seq = input.transpose(0, 1) if batched and self.batch_first else input
        batch_shape = seq.shape[1:2] if batched else ()
        if hx is None:
            h = zeros(*batch_shape, self.hidden_size, dtype=input.dtype)
        else:
            expected = (1, *batch_shape, self.hidden_size)
            if hx.shape != expected:
                raise ValueError(f"RNN: expected hidden state of shape {expected}, got {hx.shape}")
            h = hx[0]
        outputs = []
        for t in range(seq.shape[0]):
            h = self._cell(seq[t], h)
            outputs.append(h)
        output = stack(outputs, 0)
        if batched and self.batch_first:
            output = output.transpose(0, 1)
        return output, h.unsqueeze(0)

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text + (", batch_first=True" if self.batch_first else "")
