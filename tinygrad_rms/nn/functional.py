"""Stateless layer and loss functions.  Modules call these: one implementation each.

Here are the checks of the arguments, with messages that name the shapes; the math of
each (its forward and backward, a single graph node) is in ``ops/nn.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..arrays import scalar_operand
from ..autograd import no_grad
from ..ops import arithmetic, conv, movement, norm, unary
from ..ops import nn as ops
from ..porting import not_covered
from ..random import generator
from ..tensor import Tensor

# the ops' own functions, typed here as giving a Tensor (``ops/`` returns ``Any``)
relu: Callable[..., Tensor] = unary.relu
sigmoid: Callable[..., Tensor] = unary.sigmoid
tanh: Callable[..., Tensor] = unary.tanh

__all__ = [
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "cross_entropy",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "max_pool1d",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softplus",
    "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b for x of shape (..., in), W of shape (out, in), b of shape (out,).

    The graph is PyTorch's: ``AddmmBackward0`` (``MmBackward0`` without a bias) of the
    bias, the input and ``weight.t()`` (one fused node, see ``ops.nn.Linear``); an input
    of other than 2 dims is viewed as (rows, in) and the result viewed back.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"linear: input must be a Tensor, got {type(input).__name__}")
    x, w = input._array, weight._array
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input of shape {tuple(x.shape)} does not fit weight of shape "
            f"{tuple(w.shape)} (expected input shape (..., {w.shape[-1] if w.ndim else '?'}))"
        )
    if bias is not None and bias._array.shape != (w.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {w.shape}"
        )
    rows = input if x.ndim == 2 else movement.reshape(input, -1, w.shape[1])
    out = (
        ops.LinearNoBias.apply(rows, weight)
        if bias is None
        else ops.Linear.apply(bias, rows, weight)
    )
    return out if x.ndim == 2 else movement.reshape(out, *x.shape[:-1], w.shape[0])


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1−p) (training only).

    The mask comes from the library's generator, so ``manual_seed`` makes it reproducible.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = generator().random(input.shape) >= p
    return arithmetic.mul(input, (keep / (1.0 - p)).astype(input.dtype))


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64, any shape) as one-hot rows: shape ``(*tensor.shape,
    num_classes)``, int64; ``num_classes=-1`` takes the largest index + 1."""
    if not isinstance(tensor, Tensor) or tensor._array.dtype != np.int64:
        what = tensor._array.dtype if isinstance(tensor, Tensor) else type(tensor).__name__
        raise RuntimeError(f"one_hot is only applicable to index tensor of dtype int64, got {what}")
    idx = tensor._array
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(idx.min())}")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("one_hot: can not infer total number of classes from empty tensor")
        num_classes = int(idx.max()) + 1
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError(
            f"one_hot: class values must be smaller than num_classes={num_classes}, "
            f"got {int(idx.max())}"
        )
    return Tensor._wrap(np.eye(num_classes, dtype=np.int64)[idx])


def _image(op: str, input: Any, dims: int) -> Tensor:
    """``input`` as a batched (N, C, …) tensor of ``dims`` spatial dims: an unbatched
    (C, …) one gets a batch dim (the caller drops it again)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(
            f"{op}: expected a {dims + 1}-d (unbatched) or {dims + 2}-d (batched) input, "
            f"got shape {input.shape}"
        )
    return input if input.ndim == dims + 2 else input.unsqueeze(0)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-d convolution (PyTorch's cross-correlation) of (N, C, H, W) or (C, H, W) input with
    ``weight`` (O, C/groups, kh, kw); ``padding`` may be ints or "same"/"valid"."""
    x = _image("conv2d", input, 2)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-d (O, C/groups, kh, kw), got {weight.shape}")
    o, cg, kh, kw = weight.shape
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    if x.shape[1] != cg * groups or o % groups:
        raise ValueError(
            f"conv2d: input of shape {input.shape} has {x.shape[1]} channels, but weight "
            f"{weight.shape} with groups={groups} expects {cg * groups} (and O divisible)"
        )
    stride, dilation = conv.pair(stride, "stride"), conv.pair(dilation, "dilation")
    if 0 in stride or 0 in dilation:
        raise ValueError(f"conv2d: stride and dilation must be positive, got {stride}, {dilation}")
    if padding == "valid":
        padding = (0, 0)
    elif padding == "same":
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        total = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
        if total[0] % 2 or total[1] % 2:  # PyTorch pads the extra one on the far side
            x = pad(x, (0, total[1] % 2, 0, total[0] % 2))
        padding = (total[0] // 2, total[1] // 2)
    else:
        padding = conv.pair(padding, "padding")
    size = [x.shape[2 + k] + 2 * padding[k] - dilation[k] * ((kh, kw)[k] - 1) for k in range(2)]
    if min(size) < 1:
        raise ValueError(
            f"conv2d: the kernel {(kh, kw)} (dilation {dilation}) is larger than the padded "
            f"input {tuple(x.shape[2 + k] + 2 * padding[k] for k in range(2))}"
        )
    out = conv.conv2d(x, weight, bias, stride, padding, dilation, groups)
    return out if input.ndim == 4 else out.squeeze(0)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-d convolution of (N, C, L) or (C, L) input with ``weight`` (O, C/groups, k): the
    2-d one on a height of 1."""
    x = _image("conv1d", input, 1)
    if weight.ndim != 3:
        raise ValueError(f"conv1d: weight must be 3-d (O, C/groups, k), got {weight.shape}")
    one = lambda v: v if isinstance(v, str) else (1, v if isinstance(v, int) else v[0])
    pad_arg = padding if isinstance(padding, str) else (0, one(padding)[1])
    out = conv2d(
        x.unsqueeze(2), weight.unsqueeze(2), bias, one(stride), pad_arg, one(dilation), groups
    )
    out = out.squeeze(2)
    return out if input.ndim == 3 else out.squeeze(0)


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """The maximum over each window (stride defaults to the kernel size)."""
    if return_indices:
        raise ValueError("max_pool2d: return_indices=True is not supported here")
    x = _image("max_pool2d", input, 2)
    kernel, stride, padding, dilation = _pool_args(
        "max_pool2d", kernel_size, stride, padding, dilation
    )
    out = conv.max_pool2d(x, kernel, stride, padding, dilation, bool(ceil_mode))
    return out if input.ndim == 4 else out.squeeze(0)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean over each window (PyTorch's counting of padding and partial windows)."""
    x = _image("avg_pool2d", input, 2)
    kernel, stride, padding, _ = _pool_args("avg_pool2d", kernel_size, stride, padding, 1)
    out = conv.avg_pool2d(
        x, kernel, stride, padding, bool(ceil_mode), bool(count_include_pad), divisor_override
    )
    return out if input.ndim == 4 else out.squeeze(0)


def _pool_args(op: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> tuple:
    kernel = conv.pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] else conv.pair(stride, "stride")
    padding, dilation = conv.pair(padding, "padding"), conv.pair(dilation, "dilation")
    if 0 in kernel or 0 in stride or 0 in dilation:
        raise ValueError(f"{op}: kernel_size, stride and dilation must be positive")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"{op}: pad should be at most half of effective kernel size, but got pad="
            f"{padding} and kernel_size={kernel}"
        )
    return kernel, stride, padding, dilation


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """The maximum over each window of (N, C, L) or (C, L) input."""
    x = _image("max_pool1d", input, 1)
    first = lambda v: v if isinstance(v, int) else v[0]
    out = max_pool2d(
        x.unsqueeze(2),
        (1, first(kernel_size)),
        None if stride is None else (1, first(stride)),
        (0, first(padding)),
        (1, first(dilation)),
        ceil_mode,
    ).squeeze(2)
    return out if input.ndim == 3 else out.squeeze(0)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Means over PyTorch's adaptive windows: output cell i covers rows ⌊i·H/OH⌋ to
    ⌈(i+1)·H/OH⌉ (and likewise for columns); one node per output cell."""
    x = _image("adaptive_avg_pool2d", input, 2)
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    sizes = tuple(x.shape[2 + k] if s is None else int(s) for k, s in enumerate(sizes))
    h, w = x.shape[2:]
    if h % sizes[0] == 0 and w % sizes[1] == 0:  # even windows: one average pool
        k = (h // sizes[0], w // sizes[1])
        out = conv.avg_pool2d(x, k, k, (0, 0), False, True, None)
    else:
        rows = []
        for i in range(sizes[0]):
            r0, r1 = (i * h) // sizes[0], -(-((i + 1) * h) // sizes[0])
            cells = [
                x[:, :, r0:r1, (j * w) // sizes[1] : -(-((j + 1) * w) // sizes[1])].mean(dim=(2, 3))
                for j in range(sizes[1])
            ]
            rows.append(movement.stack(cells, -1))
        out = movement.stack(rows, -2)
    return out if input.ndim == 4 else out.squeeze(0)


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dims by ``pad`` = (left, right, top, bottom, …) (constant mode only)."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported here, got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding length must be even and at most 2·ndim, got {pad}")
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    if any(a < 0 or b < 0 for a, b in widths):
        raise ValueError(f"pad: negative padding (cropping) is not supported here, got {pad}")
    zeros = Tensor._wrap(
        np.full(
            tuple(n + a + b for n, (a, b) in zip(input.shape, widths, strict=True)),
            value,
            input.dtype,
        )
    )
    inner = tuple(slice(a, a + n) for n, (a, _) in zip(input.shape, widths, strict=True))
    return movement.setitem(zeros, inner, input)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-05,
) -> Tensor:
    """Batch norm of (N, C, …) input per channel C, PyTorch's ``F.batch_norm``.

    ``training`` (or no running statistics): normalise with the batch's own mean and
    biased variance, and update the running ones in place (if given) as
    ``r ← (1 − momentum)·r + momentum·batch``, the variance taken unbiased (n/(n − 1)), as
    PyTorch; otherwise normalise with the running statistics.
    """
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise ValueError(f"batch_norm: expected an (N, C, ...) Tensor, got {_shape_of(input)}")
    channels = input.shape[1]
    for name, t in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if t is not None and t.shape != (channels,):
            raise ValueError(
                f"batch_norm: {name} of shape {t.shape} does not fit {channels} channels"
            )
    use_batch = training or running_mean is None or running_var is None
    count = input.numel() // channels
    if use_batch and count <= 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {input.shape}"
        )
    stats = None if use_batch else (running_mean._array, running_var._array)  # type: ignore[union-attr]
    out, batch = norm.batch_norm(input, weight, bias, eps, stats)
    if training and batch is not None and running_mean is not None and running_var is not None:
        mean, var = batch
        m = float(momentum)
        with no_grad():
            running_mean.mul_(1 - m).add_(Tensor._wrap((mean * m).astype(running_mean.dtype)))
            unbiased = var * (count / (count - 1))
            running_var.mul_(1 - m).add_(Tensor._wrap((unbiased * m).astype(running_var.dtype)))
    return out


def _shape_of(value: Any) -> Any:
    return value.shape if isinstance(value, Tensor) else type(value).__name__


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-05,
) -> Tensor:
    """Layer norm over the last dims ``normalized_shape`` (biased variance, as PyTorch)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not isinstance(input, Tensor) or input.shape[input.ndim - len(shape) :] != shape:
        raise ValueError(
            f"layer_norm: input of shape {_shape_of(input)} does not end with the normalized "
            f"shape {shape}"
        )
    return norm.layer_norm(input, len(shape), weight, bias, eps)


def embedding(input: Tensor, weight: Tensor) -> Tensor:
    """Rows of ``weight`` picked by the integer indices in ``input`` (any shape)."""
    idx = input._array if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(
            f"embedding: index out of range for a table of {n} rows (got indices from "
            f"{idx.min()} to {idx.max()})"
        )
    return ops.Embedding.apply(weight, indices=idx)


# ---------------------------------------------------------------------- losses
def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; use one of {_REDUCTIONS}"
        )


def _loss_operands(name: str, input: Any, target: Any) -> tuple[Tensor, Any]:
    """Input must be a float Tensor; the target may be an array; shapes must match."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if not isinstance(target, Tensor):
        target = scalar_operand(input.dtype, target)
    x, t = input._array, target._array if isinstance(target, Tensor) else target
    if x.shape != t.shape:
        raise ValueError(
            f"{name}: input shape {x.shape} and target shape {t.shape} differ; "
            "reshape one of them (broadcasting them would compare every pair)"
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {input.dtype}")
    return input, target


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Squared error (x − y)², averaged (``"mean"``), summed (``"sum"``) or kept (``"none"``).

    Unlike PyTorch, which only warns and then broadcasts, input and target must have the
    same shape: a (100, 1) output against a (100,) target would otherwise silently
    compare every output with every target, a (100, 100) loss.
    """
    _check_reduction(reduction)
    return ops.MseLoss.apply(*_loss_operands("mse_loss", input, target), reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Absolute error |x − y|; its gradient is sign(x − y) (0 where x = y, as PyTorch)."""
    _check_reduction(reduction)
    return ops.L1Loss.apply(*_loss_operands("l1_loss", input, target), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, reduction: str = "mean"
) -> Tensor:
    """−[y log σ(x) + (1−y) log(1−σ(x))] from logits x, computed stably (see
    ``ops.nn.BinaryCrossEntropyWithLogits``)."""
    _check_reduction(reduction)
    operands = _loss_operands("binary_cross_entropy_with_logits", input, target)
    return ops.BinaryCrossEntropyWithLogits.apply(*operands, reduction)


# ---------------------------------------------------------------------- activations
def _float_input(name: str, input: Any) -> Tensor:
    """The input of an activation: a float Tensor (else one clear error)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
    if input._array.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {input.dtype}")
    return input


def _number(name: str, what: str, value: Any) -> float:
    """A float option (a numpy float64 scalar would widen float32 results: made a
    Python float)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name}: {what} must be a number, got {type(value).__name__}")
    return float(value)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, ``negative_slope``·x elsewhere (one node, ``LeakyReluBackward0``).

    ``inplace=True`` is accepted and computes out of place (the graph records no in-place
    changes): use the returned tensor, as PyTorch programs do.
    """
    _float_input("leaky_relu", input)
    return ops.LeakyRelu.apply(input, _number("leaky_relu", "negative_slope", negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, alpha·(eˣ − 1) elsewhere (``inplace`` as in ``leaky_relu``)."""
    _float_input("elu", input)
    return ops.Elu.apply(input, _number("elu", "alpha", alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) with Φ the standard normal CDF (``approximate="none"``, computed from a
    float64 erfc, see ``ops.nn.erf``), or PyTorch's tanh approximation
    (``approximate="tanh"``)."""
    _float_input("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(
            f"gelu: approximate argument must be either 'none' or 'tanh', got {approximate!r}"
        )
    return ops.Gelu.apply(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x), also called swish (``inplace`` as in ``leaky_relu``)."""
    _float_input("silu", input)
    return ops.Silu.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx))/β, smooth ReLU; x itself where βx > ``threshold`` (as PyTorch)."""
    _float_input("softplus", input)
    beta = _number("softplus", "beta", beta)
    return ops.Softplus.apply(input, beta, _number("softplus", "threshold", threshold))


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's old implicit dim (with its deprecation warning): 0 for 0-, 1- and 3-d
    input, else 1."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """exp(x)/Σexp(x) along ``dim`` (stable); ``dtype`` converts the input first."""
    if not isinstance(input, Tensor):
        raise TypeError(f"softmax: input must be a Tensor, got {type(input).__name__}")
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ops.softmax(input, dim)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """x − log Σexp(x) along ``dim`` (stable); ``dtype`` converts the input first."""
    if not isinstance(input, Tensor):
        raise TypeError(f"log_softmax: input must be a Tensor, got {type(input).__name__}")
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ops.log_softmax(input, dim)


# ---------------------------------------------------------------------- more losses
def _legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` flags as a ``reduction`` (with
    PyTorch's warning); ``reduction`` itself when neither is given."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{result}' "
        "instead.",
        UserWarning,
        stacklevel=3,
    )
    return result


def _array(value: Any) -> np.ndarray:
    return value._array if isinstance(value, Tensor) else np.asarray(value)


def _class_weight(name: str, weight: Any, classes: int, dtype: np.dtype) -> np.ndarray | None:
    """Per-class weights: None, or a float vector of length C (as the input's dtype)."""
    if weight is None:
        return None
    w = _array(weight)
    if w.shape != (classes,):
        raise ValueError(
            f"{name}: weight should hold one value for each of the {classes} classes, got "
            f"shape {w.shape}"
        )
    if w.dtype.kind not in "fiu":
        raise TypeError(f"{name}: weight must be floating point, got dtype {w.dtype}")
    return w.astype(dtype, copy=False)


def _class_index_target(name: str, x: np.ndarray, t: np.ndarray, ignore_index: int) -> None:
    """Class indices of the right shape for the input, each a class or ``ignore_index``."""
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: target must hold integer class indices (or, for cross_entropy, class "
            f"probabilities of the input's shape {x.shape}), got a {t.dtype} target of "
            f"shape {t.shape}"
        )
    expected = () if x.ndim == 1 else x.shape[:1] + x.shape[2:]
    if x.ndim == 0 or t.shape != expected:
        raise ValueError(
            f"{name}: expected input (N, C) with target (N,), input (C,) with a scalar "
            f"target, or input (N, C, d1, ...) with target (N, d1, ...); got input "
            f"{x.shape} and target {t.shape}"
        )
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    bad = (t < 0) | (t >= classes)
    if bad.any() and (t[bad] != ignore_index).any():
        found = t[bad & (t != ignore_index)][0]
        raise IndexError(
            f"{name}: target class {found} is out of range [0, {classes - 1}] (and is not "
            f"ignore_index={ignore_index})"
        )


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """−w[t]·x[t]: the negative log-likelihood of log-probabilities x (e.g. from
    ``log_softmax``) of shape (N, C), (C,) or (N, C, d1, ...) for class indices t.

    Samples whose target is ``ignore_index`` count for nothing; the mean divides by the
    summed weights of the others (``Σ w[tᵢ]``), as PyTorch.  One node.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"nll_loss: input must be a Tensor, got {type(input).__name__}")
    x, t = input._array, _array(target)
    if x.dtype.kind != "f":
        raise TypeError(f"nll_loss: input must be floating point, got dtype {input.dtype}")
    _class_index_target("nll_loss", x, t, ignore_index)
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    w = _class_weight("nll_loss", weight, classes, x.dtype)
    op = ops.NllLoss2d if x.ndim >= 3 else ops.NllLossNd
    return op.apply(
        input,
        reduction,
        target=t,
        weight=w,
        ignore_index=ignore_index,
        smoothing=0.0,
        logits=False,
    )


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """−log softmax(x)[class] for logits x of shape (N, C), (C,) or (N, C, d1, ...).

    The target is either class indices ((N,), a scalar, or (N, d1, ...)), with PyTorch's
    ``weight`` per class, ``ignore_index`` and ``label_smoothing``; or class
    probabilities of the input's own shape (float).  One node: the log-softmax is shifted
    by the row max (stable for huge logits) and the gradient is softmax(x) − onehot(class)
    (weighted and smoothed), as PyTorch computes it.
    """
    if (  # the usual call, checked in few steps: (N, C) logits, (N,) classes in range
        weight is None
        and size_average is None
        and reduce is None
        and label_smoothing == 0.0
        and reduction in _REDUCTIONS
        and isinstance(input, Tensor)
    ):
        x, t = input._array, _array(target)
        if (
            x.dtype.kind == "f"
            and t.dtype.kind in "iu"
            and ((x.ndim == 2 and t.shape == x.shape[:1]) or (x.ndim == 1 and t.ndim == 0))
            and (t.size == 0 or (t.min() >= 0 and t.max() < x.shape[-1]))
        ):
            return ops.NllLoss.apply(input, reduction, target=t)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not isinstance(input, Tensor):
        raise TypeError(f"cross_entropy: input must be a Tensor, got {type(input).__name__}")
    x, t = input._array, _array(target)
    if x.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must be floating point, got dtype {input.dtype}")
    smoothing = _number("cross_entropy", "label_smoothing", label_smoothing)
    if not 0.0 <= smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {smoothing}")
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0] if x.ndim else 0
    if t.dtype.kind == "f" and t.shape == x.shape and x.ndim:  # class probabilities
        if ignore_index >= 0:
            raise RuntimeError(
                "cross_entropy: ignore_index is not supported for class-probability targets"
            )
        w = _class_weight("cross_entropy", weight, classes, x.dtype)
        op: Any = ops.CrossEntropyProbsMean if reduction == "mean" else ops.CrossEntropyProbs
        probabilities = target if isinstance(target, Tensor) else t
        return op.apply(input, probabilities, reduction, weight=w, smoothing=smoothing)
    _class_index_target("cross_entropy", x, t, ignore_index)
    if weight is None and not smoothing and x.ndim <= 2 and (t != ignore_index).all():
        return ops.NllLoss.apply(input, reduction, target=t)  # the usual case, fastest
    w = _class_weight("cross_entropy", weight, classes, x.dtype)
    if smoothing:
        op = ops.NllLossSmoothed
    else:
        op = ops.NllLoss2d if x.ndim >= 3 else ops.NllLossNd
    return op.apply(
        input,
        reduction,
        target=t,
        weight=w,
        ignore_index=ignore_index,
        smoothing=smoothing,
        logits=True,
    )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """−w·[y log x + (1−y) log(1−x)] for probabilities x in [0, 1] (e.g. after a sigmoid);
    each log is clamped at −100 as in PyTorch, so x = 0 or 1 gives a finite loss.
    ``weight`` rescales each element (broadcast to the input).  Prefer
    ``binary_cross_entropy_with_logits`` on logits: it is stable where σ saturates."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    input, target = _loss_operands("binary_cross_entropy", input, target)
    x, y = input._array, _array(target)
    if not np.all((x >= 0) & (x <= 1)):
        raise RuntimeError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (apply "
            "a sigmoid first, or use binary_cross_entropy_with_logits)"
        )
    if not np.all((y >= 0) & (y <= 1)):
        raise RuntimeError("binary_cross_entropy: all elements of target should be between 0 and 1")
    w = None
    if weight is not None:
        w = _array(weight)
        try:
            fits = np.broadcast_shapes(w.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"binary_cross_entropy: weight of shape {w.shape} does not broadcast to the "
                f"input's shape {x.shape}"
            )
        w = w.astype(x.dtype, copy=False)
    return ops.BinaryCrossEntropy.apply(input, target, reduction, weight=w)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """½(x − y)²/β where |x − y| < β, |x − y| − ½β elsewhere (L1 when β = 0); input and
    target must have the same shape."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    beta = _number("smooth_l1_loss", "beta", beta)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    operands = _loss_operands("smooth_l1_loss", input, target)
    return ops.SmoothL1Loss.apply(*operands, reduction, beta=beta)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """½(x − y)² where |x − y| < δ, δ(|x − y| − ½δ) elsewhere (= δ·smooth_l1 with β = δ);
    ``weight`` (the input's shape) rescales each element.  Same shapes required."""
    _check_reduction(reduction)
    delta = _number("huber_loss", "delta", delta)
    if not delta > 0:
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta, got {delta}"
        )
    input, target = _loss_operands("huber_loss", input, target)
    w = None
    if weight is not None:
        w = _array(weight)
        if w.shape != input.shape:
            raise ValueError(
                f"huber_loss: weight of shape {w.shape} and input of shape {input.shape} "
                "must have the same size"
            )
        w = w.astype(input.dtype, copy=False)
    return ops.HuberLoss.apply(input, target, reduction, delta=delta, weight=w)


_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")
_KL_OPS = {"mean": ops.KlDivMean, "batchmean": ops.KlDivBatchMean, "sum": ops.KlDivSum}


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback–Leibler divergence of the target distribution from the input's: input
    holds log-probabilities, target probabilities (log-probabilities with
    ``log_target=True``); pointwise y·(log y − x), 0 where y = 0.

    ``reduction="batchmean"`` (sum over batch size) is the mathematical KL divergence per
    sample; ``"mean"`` averages over every element, and warns as PyTorch does.  Input and
    target must have the same shape.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; use one of {_KL_REDUCTIONS}"
        )
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    operands = _loss_operands("kl_div", input, target)
    op: Any
    if reduction == "none":
        op = ops.KlDivNoneLogTarget if log_target else ops.KlDivNone
    else:
        op = _KL_OPS[reduction]
    return op.apply(*operands, reduction, log_target=bool(log_target))


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
