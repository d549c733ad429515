"""The nn ops as single graph nodes: linear, softmax, log-softmax, embedding, the
activations (leaky ReLU, ELU, GELU, SiLU, softplus) and the losses; and ``erf``/``erfc``
on arrays (numpy has none).

Each is one ``Function`` rather than a composition of smaller ops: one node costs one
Python call on the way forward and one on the way back, which is most of a small model's
step.  ``nn.functional`` validates the arguments and calls these.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..arrays import as_float, normalize_dims
from ..autograd import Function
from ..autograd.function import BackwardFunction
from .movement import T

__all__ = [
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
    "CrossEntropyProbs",
    "CrossEntropyProbsMean",
    "Elu",
    "Embedding",
    "Gelu",
    "HuberLoss",
    "KlDivBatchMean",
    "KlDivMean",
    "KlDivNone",
    "KlDivNoneLogTarget",
    "KlDivSum",
    "L1Loss",
    "LeakyRelu",
    "Linear",
    "LinearNoBias",
    "LogSoftmax",
    "MseLoss",
    "NllLoss",
    "NllLoss2d",
    "NllLossNd",
    "NllLossSmoothed",
    "Silu",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "erf",
    "erfc",
    "log_softmax",
    "softmax",
]


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A shared, read-only vector of ``n`` ones (for column sums as a matrix product)."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _weight_through_t(ctx, i):  # type: ignore[no-untyped-def]
    """``ctx``'s input edges with input ``i``, the weight, shown behind a ``TBackward0``
    node, as PyTorch's graph of ``linear`` has it (``addmm(bias, x, weight.t())``).

    The transpose is done inside the fused node's backward (its ∂W comes out as
    gᵀ·x, already in the weight's shape), so this ``TBackward0`` is never run: it is
    what ``next_functions`` shows, made on first look and kept on the node.
    """
    shown = ctx.__dict__.get("_shown_edges")
    if shown is None:
        shown = list(ctx._edges)
        if shown[i]:
            t_node = BackwardFunction()
            t_node._function = T
            t_node._n_outputs, t_node._pre_hooks = 1, None
            t_node._edges = [shown[i]]
            t_node._inputs = None  # nothing to run
            saved = ctx._saved  # gone once backward freed the node
            t_node._shown_shape = saved[-1].shape[::-1] if saved else None
            shown[i] = (t_node, 0)
        ctx._shown_edges = shown
    return shown


class Linear(Function, arrays=True, name="AddmmBackward0"):
    """y = b + x·Wᵀ for x (N, in), W (out, in), b (out,): ``F.linear``'s node.

    One node for PyTorch's two, ``addmm(bias, x, weight.t())``: the graph it shows is
    PyTorch's (``AddmmBackward0 → TBackward0 → AccumulateGrad`` for the weight, see
    ``_weight_through_t``), the work is one Python call each way, which is most of a
    small model's step.  Backward: ∂x = g·W, ∂W = gᵀ·x, ∂b = the column sums of g.
    """

    @staticmethod
    def forward(ctx, bias, x, weight):
        out = np.dot(x, weight.T)  # np.dot: one BLAS call, less dispatch than the @ ufunc
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        db, dx, dw = ctx.needs_input_grad
        return (
            # the column sums of g as ones·g, one BLAS call (3x faster than
            # np.add.reduce(g, axis=0) on a (100, 50) float32 gradient, and measured no
            # less accurate: BLAS's blocked sum beats the row-by-row one on long columns)
            np.dot(_ones(g.shape[0], g.dtype), g) if db else None,
            np.dot(g, weight) if dx else None,
            np.dot(g.T, x) if dw else None,
        )

    @staticmethod
    def shown_edges(ctx):  # type: ignore[override]
        return _weight_through_t(ctx, 2)


class LinearNoBias(Function, arrays=True, name="MmBackward0"):
    """y = x·Wᵀ without a bias (``F.linear(x, W)``), PyTorch's ``mm(x, weight.t())``;
    ∂x = g·W, ∂W = gᵀ·x."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return np.dot(x, weight.T)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        dx, dw = ctx.needs_input_grad
        return (np.dot(g, weight) if dx else None, np.dot(g.T, x) if dw else None)

    @staticmethod
    def shown_edges(ctx):  # type: ignore[override]
        return _weight_through_t(ctx, 1)


class Softmax(Function, arrays=True, name="SoftmaxBackward0"):
    """exp(x)/Σexp(x) along ``dim``, as exp(x − max) (no overflow).
    Backward: s·(g − Σ g·s)."""

    @staticmethod
    def forward(ctx, x, dim):
        x = as_float(x)
        z = x - x.max(axis=dim, keepdims=True, initial=-np.inf)  # initial: size-0 dims
        e = np.exp(z)
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function, arrays=True, name="LogSoftmaxBackward0"):
    """x − log Σexp(x) along ``dim``, via the max shift.  Backward: g − softmax·Σg."""

    @staticmethod
    def forward(ctx, x, dim):
        x = as_float(x)
        z = x - x.max(axis=dim, keepdims=True, initial=-np.inf)
        out = z - np.log(np.exp(z).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g - np.exp(out) * g.sum(axis=ctx.dim, keepdims=True), None


def softmax(input: Any, dim: int) -> Any:
    """exp(x)/Σexp(x) along ``dim`` (stable)."""
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    return Softmax.apply(input, d)


def log_softmax(input: Any, dim: int) -> Any:
    """x − log Σexp(x) along ``dim`` (stable)."""
    (d,) = normalize_dims(dim, input.ndim) or (0,)
    return LogSoftmax.apply(input, d)


class Embedding(Function, arrays=True, name="EmbeddingBackward0"):
    """Rows of ``weight`` picked by integer ``indices`` (a keyword: not a graph input);
    backward adds each row's gradient into the row it came from."""

    @staticmethod
    def forward(ctx, weight, *, indices):
        ctx.source = weight.shape, weight.dtype
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved_tensors
        shape, dtype = ctx.source
        full = np.zeros(shape, dtype)
        np.add.at(full, indices, g)
        return (full,)


# ---------------------------------------------------------------------- losses
def _reduce(loss: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The loss reduced by ``reduction``, and the factor its gradient takes from that."""
    if reduction == "none":
        return loss, 1.0
    if reduction == "sum":
        return np.asarray(loss.sum()), 1.0
    # np.mean's own pairwise sum and division, without its Python wrapper
    return np.asarray(np.add.reduce(loss, axis=None) / loss.size), 1.0 / max(loss.size, 1)


def _pointwise_loss(ctx, loss, d_input, d_target, reduction):  # type: ignore[no-untyped-def]
    """The forward of an elementwise loss ℓ(x, y): ``loss`` reduced by mean, sum or not at
    all, with ∂ℓ/∂x and ∂ℓ/∂y (None: −∂ℓ/∂x) kept for ``_PointwiseLoss.backward``."""
    if reduction == "mean":  # _reduce's mean, inline: this is every regression step
        out = np.asarray(np.add.reduce(loss, axis=None) / loss.size)
        ctx.scale = 1.0 / max(loss.size, 1)
    else:
        out, ctx.scale = _reduce(loss, reduction)
    ctx.save_for_backward(d_input, d_target)
    return out.astype(loss.dtype, copy=False)


class _PointwiseLoss(Function, arrays=True):
    """An elementwise loss: its forward calls ``_pointwise_loss``; the backward is
    g·∂ℓ/∂x and g·∂ℓ/∂y (scaled by 1/N for the mean)."""

    @staticmethod
    def backward(ctx, g):
        d_input, d_target = ctx.saved_tensors
        if ctx.scale != 1.0:
            g = g * ctx.scale
        dx, dy, _ = ctx.needs_input_grad
        gx = d_input * g if dx else None
        if dy:
            return gx, (-(d_input * g) if d_target is None else d_target * g), None
        return gx, None, None


class MseLoss(_PointwiseLoss, name="MseLossBackward0"):
    """(x − y)²: ∂/∂x = 2(x − y), ∂/∂y = −2(x − y)."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        return _pointwise_loss(ctx, diff * diff, 2 * diff, None, reduction)


class L1Loss(_PointwiseLoss, name="L1LossBackward0"):
    """|x − y|: its gradient is sign(x − y) (0 where x = y, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        return _pointwise_loss(ctx, np.abs(diff), np.sign(diff), None, reduction)


class BinaryCrossEntropyWithLogits(_PointwiseLoss, name="BinaryCrossEntropyWithLogitsBackward0"):
    """−[y log σ(x) + (1−y) log(1−σ(x))] from logits, computed stably as
    (1−y)·max(x,0) + y·max(−x,0) + log(1 + e^−|x|), which never exponentiates a positive
    number and has no inf − inf at x = ±inf.  ∂/∂x = σ(x) − y, ∂/∂y = −x."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        e = np.exp(-np.abs(x))
        loss = (1 - y) * np.maximum(x, 0) + y * np.maximum(-x, 0) + np.log1p(e)
        sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        return _pointwise_loss(ctx, loss, sig - y, -x, reduction)


class NllLoss(Function, arrays=True, name="NllLossBackward0"):
    """Cross-entropy of logits (N, C) against class indices (N,), as one node: the
    log-softmax is shifted by the row max (stable for huge logits) and the gradient is
    softmax(x) − onehot(class), as PyTorch computes it.  The targets are a keyword (not
    an input of the graph)."""

    @staticmethod
    def forward(ctx, x, reduction, *, target):
        classes = x.shape[-1]
        x2, t1 = x.reshape(-1, classes), target.reshape(-1)
        rows = np.arange(len(t1))
        z = x2 - x2.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -log_p[rows, t1]
        out, scale = _reduce(loss.reshape(target.shape), reduction)
        ctx.scale, ctx.shape = scale, x.shape
        ctx.save_for_backward(log_p, t1)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        log_p, t1 = ctx.saved_tensors
        rows, scale, shape = np.arange(len(t1)), ctx.scale, ctx.shape
        grad = np.exp(log_p)
        grad[rows, t1] -= 1
        g_rows = np.asarray(g, dtype=grad.dtype).reshape(-1, 1) * scale
        return (grad * np.broadcast_to(g_rows, (len(t1), 1))).reshape(shape), None


# ---------------------------------------------------------------------- erf and erfc
# numpy has no erf.  ``np.vectorize(math.erf)`` is exact but costs a Python call per
# element (~6 ms for 32k values here, 10x a tanh); these are vectorised float64 versions
# accurate to a few units in the last place (checked against math.erf/erfc and against
# mpmath at 40 digits in tests/test_nn_more.py):
#
# * |x| < 1: erf(x) = x·P(x²), P the degree-11 Chebyshev interpolant of erf(√t)/√t on
#   t ∈ [0, 1] (12 nodes), written as a power series in t (its coefficients decay, so
#   Horner's rule loses nothing);
# * |x| ≥ 1: erfc(x) = e^(−x²)/x · G(1/x), G(s) = x·e^(x²)·erfc(x) (which tends to 1/√π
#   as s → 0) interpolated in three pieces of s = 1/x: [0, ¼], [¼, ½], [½, 1], each a
#   power series in the piece's own variable u ∈ [−1, 1];
# * e^(−x²) as e^(−h²)·e^(−(x−h)(x+h)) with h = x cut to 26 bits, so that h² is exact and
#   the rounding of x² (relative error x²·2⁻⁵³) does not reach erfc far out in the tail.
#
# The coefficients were computed once with mpmath at 60 digits (Chebyshev interpolation
# at first-kind nodes, then converted to power series exactly) and rounded to float64.
_ERF_SMALL = (
    1.1283791670955126,
    -0.37612638903183543,
    0.11283791670945006,
    -0.02686617064323777,
    0.0052239776071164225,
    -0.0008548325975389692,
    0.00012055294904839707,
    -1.492473690741966e-05,
    1.6447424703317362e-06,
    -1.6208483801871705e-07,
    1.3720064546777686e-08,
    -7.795898827002142e-10,
)
_ERFC_PIECES = (  # (low s, high s, power-series coefficients in u = (2s − lo − hi)/(hi − lo))
    (
        0.0,
        0.25,
        (
            0.5598813296070474,
            -0.008424825196312696,
            -0.003842866650404347,
            0.0003432647266468472,
            5.551282960105142e-05,
            -1.4924206839566926e-05,
            -1.9212295278123084e-07,
            6.270855413130242e-07,
            -8.438666563960594e-08,
            -1.8621616921968317e-08,
            8.212144359555319e-09,
            -4.3366863041889456e-10,
            -4.768924196975155e-10,
            1.3285297433368084e-10,
            1.2123286573487087e-11,
            -1.035869914764401e-11,
        ),
    ),
    (
        0.25,
        0.5,
        (
            0.5308603493169751,
            -0.0189481911967695,
            -0.0014381248079996852,
            0.00034622662915365175,
            -2.8389142216089188e-05,
            -1.1538109183295389e-06,
            7.486045101159973e-07,
            -1.2191974888101915e-07,
            8.114789490136181e-09,
            1.26837800330256e-09,
            -5.193671541607116e-10,
            9.142939754549204e-11,
            -6.0633225427850955e-12,
            -1.1413656769305793e-12,
        ),
    ),
    (
        0.5,
        1.0,
        (
            0.46817959203854037,
            -0.04227024444636883,
            0.0012092420392931552,
            0.0006295812459832145,
            -0.00019713177832962194,
            3.680539054988557e-05,
            -4.423080518138124e-06,
            3.422973117966253e-08,
            1.6981368810553445e-07,
            -6.190463620076879e-08,
            1.5041376217890252e-08,
            -2.7594328919444718e-09,
            3.3564960827514737e-10,
            1.892899934285864e-12,
            -1.8850641424171484e-11,
            9.678493521670722e-12,
            -2.4398315334080278e-12,
        ),
    ),
)
_HIGH_26_BITS = np.uint64(0xFFFFFFFFF8000000)  # sign, exponent and the top 25 fraction bits


def _horner(coefficients: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    """Σ cₖ tᵏ by Horner's rule, in place on one buffer."""
    acc = np.full_like(t, coefficients[-1])
    for c in coefficients[-2::-1]:
        acc *= t
        acc += c
    return acc


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf(x) for |x| < 1."""
    return x * _horner(_ERF_SMALL, x * x)


def _erfc_tail(a: np.ndarray) -> np.ndarray:
    """erfc(a) for a ≥ 1 (float64; underflows to 0 past a ≈ 26.5)."""
    s = 1.0 / a
    g = np.empty_like(a)
    for lo, hi, coefficients in _ERFC_PIECES:
        piece = (s > lo) & (s <= hi)
        if piece.any():
            u = s[piece] * (2.0 / (hi - lo))
            u -= (lo + hi) / (hi - lo)
            g[piece] = _horner(coefficients, u)
    h = (a.view(np.uint64) & _HIGH_26_BITS).view(np.float64)
    with np.errstate(under="ignore"):
        return g * s * np.exp(-h * h) * np.exp((h - a) * (h + a))


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of a float array, in float64 (see the note above)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    out = np.sign(x)  # ±1 from |x| ≥ 6 on (erfc(6) < 2⁻⁵⁴); NaN stays NaN
    small = a < 1.0
    out[small] = _erf_small(x[small])
    mid = (a >= 1.0) & (a < 6.0)
    if mid.any():
        out[mid] *= 1.0 - _erfc_tail(a[mid])
    return out


def erfc(x: np.ndarray) -> np.ndarray:
    """1 − erf(x) of a float array, in float64, accurate also where it is tiny (x ≫ 1)."""
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    out = np.where(x > 0, 0.0, 2.0)  # from |x| ≥ 27 on (erfc(27) < 1e-318)
    small = a < 1.0
    out[small] = 1.0 - _erf_small(x[small])
    mid = (a >= 1.0) & (a < 27.0)
    if mid.any():
        tail = _erfc_tail(a[mid])
        out[mid] = np.where(x[mid] > 0, tail, 2.0 - tail)
    out[np.isnan(x)] = np.nan
    return out


# ---------------------------------------------------------------------- more activations
# Their constants are Python floats: a numpy float64 scalar would turn float32 arrays
# into float64 ones (NEP 50), a Python float never does.
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_BETA = math.sqrt(2.0 / math.pi)  # PyTorch's kBeta = M_SQRT2 · M_2_SQRTPI · ½
_GELU_KAPPA = 0.044715


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) without overflow: e^−|x| is at most 1."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class LeakyRelu(Function, arrays=True, name="LeakyReluBackward0"):
    """x for x > 0, negative_slope·x otherwise; its derivative is 1 or negative_slope
    (negative_slope at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        positive = x > 0
        ctx.slope = negative_slope
        ctx.save_for_backward(positive)
        return np.where(positive, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        (positive,) = ctx.saved_tensors
        return np.where(positive, g, g * ctx.slope), None


class Elu(Function, arrays=True, name="EluBackward0"):
    """x for x > 0, alpha·(eˣ − 1) otherwise (as expm1); derivative 1 or alpha·eˣ (alpha at
    0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, alpha):
        positive = x > 0
        negative_part = np.minimum(x, 0)  # no overflow of exp for large positive x
        ctx.alpha = alpha
        ctx.save_for_backward(positive, np.exp(negative_part))
        return np.where(positive, x, alpha * np.expm1(negative_part))

    @staticmethod
    def backward(ctx, g):
        positive, e = ctx.saved_tensors
        return np.where(positive, g, g * (ctx.alpha * e)), None


class Gelu(Function, arrays=True, name="GeluBackward0"):
    """x·Φ(x), Φ the standard normal CDF (``approximate="none"``), or PyTorch's tanh
    approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (``approximate="tanh"``).

    Φ(x) is computed as ½·erfc(−x/√2) (in float64, see ``erfc``): for x ≪ 0 that keeps the
    tiny values that PyTorch's ½(1 + erf(x/√2)) rounds to 0.  Derivative: Φ(x) + x·φ(x)
    with φ(x) = e^(−x²/2)/√(2π); for tanh, PyTorch's formula.
    """

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.tanh = approximate == "tanh"
        if ctx.tanh:
            inner = _GELU_BETA * (x + _GELU_KAPPA * (x * x * x))
            t = np.tanh(inner)
            ctx.save_for_backward(x, t)
            return 0.5 * x * (1 + t)
        cdf = (0.5 * erfc(x * -_SQRT_HALF)).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        x, saved = ctx.saved_tensors
        if ctx.tanh:
            t = saved
            left_derivative = 0.5 * (1 + t)
            inner_derivative = _GELU_BETA * (1 + (3 * _GELU_KAPPA) * (x * x))
            right_derivative = (0.5 * x) * (1 - t * t) * inner_derivative
            return g * (left_derivative + right_derivative), None
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * (x * x))
        return g * (saved + x * pdf), None


class Silu(Function, arrays=True, name="SiluBackward0"):
    """x·σ(x); derivative σ(x)·(1 + x·(1 − σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        s = _sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return (g * (s * (1 + x * (1 - s))),)


class Softplus(Function, arrays=True, name="SoftplusBackward0"):
    """log(1 + e^(βx))/β, and x itself where βx > threshold (PyTorch's cut); derivative
    e^(βx)/(1 + e^(βx)), or 1 past the threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x * beta
        linear = bx > threshold
        with np.errstate(over="ignore"):  # e^(βx) overflows only where x is kept as is
            z = np.exp(bx)
        ctx.save_for_backward(linear, z)
        return np.where(linear, x, np.log1p(z) / beta)

    @staticmethod
    def backward(ctx, g):
        linear, z = ctx.saved_tensors
        with np.errstate(invalid="ignore"):  # inf/inf where the input is kept as is
            return np.where(linear, g, g * (z / (z + 1))), None, None


# ---------------------------------------------------------------------- more losses
def _class_rows(x: np.ndarray) -> np.ndarray:
    """Input of shape (N, C, d1, ...) (or (N, C), or (C,)) as rows of C classes, one per
    sample and position: the class dim moved last, then flattened."""
    if x.ndim <= 2:
        return x.reshape(-1, x.shape[-1])
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _from_class_rows(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``_class_rows`` undone: rows back to an input of ``shape``."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    moved = rows.reshape(shape[0], *shape[2:], shape[1])
    return np.ascontiguousarray(np.moveaxis(moved, -1, 1))


def _log_softmax_rows(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=1, keepdims=True, initial=-np.inf)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


class _ClassIndexLoss(Function, arrays=True):
    """NLL of log-probabilities (``nll_loss``) or of logits (``cross_entropy``, the
    log-softmax fused in) against class indices, with class ``weight``s, an
    ``ignore_index`` and label smoothing ε, one node.

    Per sample i with class tᵢ (w = 1 without weights; ignored samples count 0):
    ℓᵢ = (1 − ε)·w[tᵢ]·(−log pᵢ[tᵢ]) + (ε/C)·Σ_c w_c·(−log pᵢ[c]); the mean divides the sum
    by Σᵢ w[tᵢ] over the samples not ignored (NaN if there are none), as PyTorch.
    Gradient (logits): (1 − ε)·w[tᵢ]·(pᵢ − onehot(tᵢ)) + (ε/C)·(pᵢ·Σ_c w_c − w).
    Targets, weights and options are keywords: not inputs of the graph.
    """

    @staticmethod
    def forward(ctx, x, reduction, *, target, weight, ignore_index, smoothing, logits):
        rows = _class_rows(x)
        classes = rows.shape[1]
        t = target.reshape(-1)
        keep = t != ignore_index
        t_safe = np.where(keep, t, 0)
        log_p = _log_softmax_rows(rows) if logits else rows
        at = np.arange(len(t))
        w_t = keep.astype(x.dtype) if weight is None else np.where(keep, weight[t_safe], 0)
        loss = -log_p[at, t_safe] * w_t
        if smoothing:
            w_all = log_p if weight is None else log_p * weight
            smooth = -w_all.sum(axis=1) * keep
            loss = (1 - smoothing) * loss + (smoothing / classes) * smooth
        if reduction == "none":
            out, scale = loss.reshape(target.shape), 1.0
        elif reduction == "sum":
            out, scale = np.asarray(loss.sum()), 1.0
        else:
            total = w_t.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.asarray(loss.sum() / total)  # NaN if every sample is ignored
            scale = 1.0 / total if total else 0.0  # ... whose gradient is 0, as PyTorch
        ctx.options = (scale, x.shape, smoothing, logits, weight)
        ctx.save_for_backward(log_p, t_safe, w_t, keep)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        log_p, t_safe, w_t, keep = ctx.saved_tensors
        scale, shape, smoothing, logits, weight = ctx.options
        at = np.arange(len(t_safe))
        pick = (1 - smoothing) * w_t
        if logits:
            grad = np.exp(log_p) * pick[:, None]
            grad[at, t_safe] -= pick
            if smoothing:
                p = np.exp(log_p)
                w_sum = log_p.shape[1] if weight is None else weight.sum()
                spread = p * w_sum - (1 if weight is None else weight)
                grad += (smoothing / log_p.shape[1]) * spread * keep[:, None]
        else:  # nll_loss: no label smoothing
            grad = np.zeros_like(log_p)
            grad[at, t_safe] = -pick
        g = np.asarray(g, dtype=grad.dtype)
        grad *= (g.reshape(-1, 1) if g.ndim else g) * scale
        return _from_class_rows(grad.astype(log_p.dtype, copy=False), shape), None


class NllLossNd(_ClassIndexLoss, name="NllLossBackward0"):
    """``_ClassIndexLoss`` for inputs (N, C) or (C,), PyTorch's ``NllLossBackward0``."""


class NllLoss2d(_ClassIndexLoss, name="NllLoss2DBackward0"):
    """``_ClassIndexLoss`` for inputs (N, C, d1, ...), PyTorch's ``NllLoss2DBackward0``."""


class NllLossSmoothed(_ClassIndexLoss, name="AddBackward0"):
    """``_ClassIndexLoss`` with label smoothing: PyTorch's last node is the sum of the
    NLL and the smoothing term."""


class _ClassProbabilityLoss(Function, arrays=True):
    """Cross-entropy of logits x against class probabilities y of the same shape (class
    dim 1, or 0 for a single sample), optional class weights w and label smoothing ε
    (y ← (1 − ε)·y + ε/C), one node: ℓ = −Σ_c w_c·y_c·log softmax(x)_c per sample; the
    mean divides by the number of samples (not by the weights), as PyTorch.
    Gradients: ∂/∂x = p·Σ_c w_c y_c − w·y, ∂/∂y = −(1 − ε)·w·log p.
    """

    @staticmethod
    def forward(ctx, x, y, reduction, *, weight, smoothing):
        rows = _class_rows(x)
        classes = rows.shape[1]
        y_rows = _class_rows(np.asarray(y, dtype=x.dtype))
        if smoothing:
            y_rows = y_rows * (1 - smoothing) + smoothing / classes
        wy = y_rows if weight is None else y_rows * weight
        log_p = _log_softmax_rows(rows)
        loss = -(log_p * wy).sum(axis=1)
        if reduction == "none":
            batch_shape = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
            out, scale = loss.reshape(batch_shape), 1.0
        elif reduction == "sum":
            out, scale = np.asarray(loss.sum()), 1.0
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.asarray(loss.sum() / len(loss))
            scale = 1.0 / max(len(loss), 1)
        ctx.options = (scale, x.shape, smoothing, weight, np.asarray(y).dtype)
        ctx.save_for_backward(log_p, wy)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        log_p, wy = ctx.saved_tensors
        scale, shape, smoothing, weight, y_dtype = ctx.options
        need_x, need_y, _ = ctx.needs_input_grad
        g = np.asarray(g, dtype=log_p.dtype)
        g_rows = (g.reshape(-1, 1) if g.ndim else g) * scale
        gx = gy = None
        if need_x:
            gx = np.exp(log_p) * wy.sum(axis=1, keepdims=True) - wy
            gx = _from_class_rows(gx * g_rows, shape)
        if need_y:
            d = -log_p if weight is None else -(log_p * weight)
            if smoothing:
                d = d * (1 - smoothing)
            gy = _from_class_rows(d * g_rows, shape).astype(y_dtype, copy=False)
        return gx, gy, None


class CrossEntropyProbsMean(_ClassProbabilityLoss, name="DivBackward1"):
    """``_ClassProbabilityLoss`` with the mean (PyTorch ends with a division)."""


class CrossEntropyProbs(_ClassProbabilityLoss, name="NegBackward0"):
    """``_ClassProbabilityLoss`` summed or per sample (PyTorch ends with a negation)."""


_BCE_EPSILON = float(np.float32(1e-12))  # PyTorch's EPSILON is a float: 1e-12 rounded


class BinaryCrossEntropy(Function, arrays=True, name="BinaryCrossEntropyBackward0"):
    """−w·[y·log x + (1 − y)·log(1 − x)] for probabilities x, each log clamped at −100
    (so x = 0 or 1 gives 100, not inf), as PyTorch.  ∂/∂x = w·(x − y)/max(x(1 − x), 1e-12);
    ∂/∂y = −w·logit(x) = w·log((1 − x)/x) (unclamped, as PyTorch).  ``weight`` (broadcast
    to the input) is a keyword, not an input of the graph."""

    @staticmethod
    def forward(ctx, x, y, reduction, *, weight):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = (y - 1) * log_1mx - y * log_x
        if weight is not None:
            loss = loss * weight
        out, ctx.scale = _reduce(loss, reduction)
        ctx.weight = weight
        ctx.save_for_backward(x, y)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need_x, need_y, _ = ctx.needs_input_grad
        g = g * ctx.scale if ctx.scale != 1.0 else g
        if ctx.weight is not None:
            g = g * ctx.weight
        gx = gy = None
        if need_x:
            gx = g * (x - y) / np.maximum((1 - x) * x, _BCE_EPSILON)
        if need_y:
            with np.errstate(divide="ignore"):
                gy = g * -np.log(x / (1 - x))
        shape = x.shape
        return (
            None if gx is None else np.broadcast_to(gx, shape).astype(x.dtype),
            None if gy is None else np.broadcast_to(gy, shape).astype(y.dtype),
            None,
        )


class SmoothL1Loss(_PointwiseLoss, name="SmoothL1LossBackward0"):
    """½d²/β where |d| < β, |d| − ½β elsewhere (d = x − y; L1 when β = 0); derivative
    d/β clipped to [−1, 1] (sign(d) when β = 0)."""

    @staticmethod
    def forward(ctx, x, y, reduction, *, beta):
        diff = x - y
        abs_diff = np.abs(diff)
        if beta == 0:
            return _pointwise_loss(ctx, abs_diff, np.sign(diff), None, reduction)
        loss = np.where(abs_diff < beta, 0.5 * abs_diff * abs_diff / beta, abs_diff - 0.5 * beta)
        return _pointwise_loss(ctx, loss, np.clip(diff / beta, -1, 1), None, reduction)


class HuberLoss(_PointwiseLoss, name="HuberLossBackward0"):
    """½d² where |d| < δ, δ(|d| − ½δ) elsewhere (d = x − y), times an optional elementwise
    ``weight``; derivative d clipped to [−δ, δ] (times the weight)."""

    @staticmethod
    def forward(ctx, x, y, reduction, *, delta, weight):
        diff = x - y
        abs_diff = np.abs(diff)
        loss = np.where(abs_diff < delta, 0.5 * diff * diff, delta * (abs_diff - 0.5 * delta))
        d_input = np.clip(diff, -delta, delta)
        if weight is not None:
            loss, d_input = loss * weight, d_input * weight
        return _pointwise_loss(ctx, loss, d_input, None, reduction)


class _KlDiv(_PointwiseLoss):
    """Kullback–Leibler divergence for log-probabilities x and target y:
    y·(log y − x) (0 where y = 0), or e^y·(y − x) with ``log_target``.

    Reductions: "mean" over all elements, "batchmean" (the sum over the size of dim 0, the
    true KL divergence per sample), "sum", "none".  ∂/∂x = −y (−e^y); ∂/∂y = log y + 1 − x
    (PyTorch's xlogy derivative: NaN at y = 0), or e^y·(y − x + 1).
    """

    @staticmethod
    def forward(ctx, x, y, reduction, *, log_target):
        with np.errstate(divide="ignore", invalid="ignore"):
            if log_target:
                e = np.exp(y)
                loss = e * (y - x)
                d_input, d_target = -e, e * (y - x + 1)
            else:
                log_y = np.log(y)
                loss = np.where(y == 0, 0, y * log_y) - y * x
                d_input, d_target = -y, np.where(y != 0, log_y, 0) + y / y - x
        loss = loss.astype(x.dtype, copy=False)
        d_input = d_input.astype(x.dtype, copy=False)
        d_target = d_target.astype(np.asarray(y).dtype, copy=False)
        if reduction == "batchmean":
            out = np.asarray(loss.sum())
            if x.ndim:
                out = out / x.shape[0]
                ctx.scale = 1.0 / x.shape[0]
            else:
                ctx.scale = 1.0
            ctx.save_for_backward(d_input, d_target)
            return out.astype(x.dtype, copy=False)
        return _pointwise_loss(ctx, loss, d_input, d_target, reduction)


class KlDivMean(_KlDiv, name="MeanBackward0"):
    """``_KlDiv`` with reduction "mean"."""


class KlDivBatchMean(_KlDiv, name="DivBackward0"):
    """``_KlDiv`` with reduction "batchmean"."""


class KlDivSum(_KlDiv, name="SumBackward0"):
    """``_KlDiv`` with reduction "sum"."""


class KlDivNone(_KlDiv, name="SubBackward0"):
    """``_KlDiv`` unreduced (PyTorch ends with a subtraction; with ``log_target`` a
    product)."""


class KlDivNoneLogTarget(_KlDiv, name="MulBackward0"):
    """``_KlDiv`` unreduced, ``log_target``."""
