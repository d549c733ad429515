"""L-BFGS (Liu & Nocedal, 1989) with PyTorch's semantics (``torch.optim.LBFGS``, after
minFunc): a quasi-Newton method that evaluates the loss at points it chooses itself, so
``step`` takes a closure that re-evaluates the model and returns the loss.

One ``step(closure)`` runs up to ``max_iter`` iterations on x, every parameter flattened
into one vector, with g = ∇f(x) (a parameter without a gradient counts as zeros)::

    d = −H g          H: the inverse Hessian that the last m pairs s = Δx, y = Δg imply,
                      applied by the two-loop recursion from H₀ = (sᵀy / yᵀy)·I;
                      d = −g on the very first iteration
    t = η             on the very first iteration min(1, 1/‖g‖₁)·η
    x ← x + t d       t as it is, or found by a strong-Wolfe line search

A pair is remembered only if yᵀs > 1e-10 (positive curvature); beyond ``history_size``
pairs the oldest is forgotten.  A step ends after ``max_iter`` iterations or
``max_eval`` closure calls, or once ‖g‖∞ ≤ tolerance_grad, gᵀd > −tolerance_change,
‖t d‖∞ ≤ tolerance_change or |Δf| < tolerance_change.  The line search is PyTorch's
(minFunc's, through Torch7): it looks for a step satisfying the strong Wolfe conditions
f(x + t d) ≤ f + c₁ t gᵀd and |∇f(x + t d)ᵀd| ≤ −c₂ gᵀd (c₁ = 1e-4, c₂ = 0.9), first
extrapolating, then zooming into a bracket, each trial at the minimum of the cubic
through two points with their values and slopes, with at most ``max_eval`` minus the
calls already made.

Why plain numpy on the flat vector and no Numba kernel (each of the other optimizers is
one fused kernel per parameter): L-BFGS is not elementwise.  Every direction depends on
all parameters at once through dot products; an iteration is a few dot products and
scaled additions over the whole vector, which numpy hands to BLAS, and the closure's
forward and backward pass costs far more than all of them.  numpy's dot products also
accumulate in the vector's dtype, as PyTorch's do (float32 sums in float32).

The numbers keep PyTorch's types: what PyTorch holds as a 0-d tensor (dot products,
norms, the curvatures ``ro``, ``H_diag``, a line-searched ``t``) is a numpy scalar of the
parameters' dtype, and what it holds as a Python number (the losses, ``lr``, the first
trial step) stays one, so that in float32 each mixed expression rounds where PyTorch's
does (numpy ≥ 2 treats Python numbers as "weak" as PyTorch treats its scalars; under
numpy 1 some float32 scalar arithmetic is done in float64).  A Python number divided by
a 0-d tensor is, in PyTorch, a reciprocal times the number (two roundings): the cubic's
one such division does the same here.  What differs is rounding only: PyTorch's BLAS
sums dot products in its own order, its x + t·d rounds once (FMA) and its float64 square
root (MKL's) is not always correctly rounded, so float64 runs agree to ~1e-13 relative,
not bit for bit.

Checked earlier than PyTorch does (at construction, and before a step changes
anything): ``line_search_fn`` other than None and "strong_wolfe" raises PyTorch's
``RuntimeError("only 'strong_wolfe' is supported")``, which PyTorch raises in the middle
of a step; a second parameter group raises PyTorch's ValueError in ``add_param_group``
too.  ``max_iter``, ``max_eval`` and ``history_size`` must be positive ints and the
tolerances real numbers (PyTorch checks only ``lr``), and the parameters must share a
dtype (they form one vector).  ``history_size`` changed between steps makes PyTorch
raise IndexError (its ``al`` list keeps its first length); here a lowered size trims
the history and a raised one lets it grow.  The iterations are PyTorch 2.13's,
unchanged in the newest PyTorch source we could read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..autograd import enable_grad
from ..autograd.graph import bump_versions
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _whole, real_number

__all__ = ["LBFGS"]

#: The line search's constants (PyTorch's defaults, which LBFGS does not override):
#: sufficient decrease c₁, curvature c₂, and the bracket width (times ‖d‖∞) below which
#: zooming stops.  The last is not the group's ``tolerance_change``.
C1, C2, BRACKET_TOLERANCE = 1e-4, 0.9, 1e-9

#: A pair (s, y) is remembered only if its curvature yᵀs exceeds this.
MIN_CURVATURE = 1e-10

_NO_GROUPS = "LBFGS doesn't support per-parameter options (parameter groups)"
_ONLY_STRONG_WOLFE = "only 'strong_wolfe' is supported"

#: State that holds one flat vector, a list of them, a number, a list of numbers.
_VECTORS = ("d", "prev_flat_grad")
_VECTOR_LISTS = ("old_dirs", "old_stps")
_NUMBERS = ("t", "H_diag")
#: What every iteration leaves in the state (so a state with n_iter ≥ 1 must hold it).
_AFTER_AN_ITERATION = frozenset(
    {"d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss"}
)


# ----------------------------------------------------------------------------- checks
def _check_count(name: str) -> Callable[[Any], None]:
    """A check that ``value`` is an int ≥ 1."""

    def check(value: Any) -> None:
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")

    return check


def _check_tolerance(name: str) -> Callable[[Any], None]:
    """A check that ``value`` is a real number, not NaN (negative or infinite is allowed:
    it turns the test off)."""

    def check(value: Any) -> None:
        if math.isnan(real_number(name, value)):
            raise ValueError(f"{name} must not be NaN")

    return check


def _check_line_search(value: Any) -> None:
    if value is not None and value != "strong_wolfe":
        raise RuntimeError(_ONLY_STRONG_WOLFE)


# ----------------------------------------------------------------------------- line search
def _cubic_minimum(
    x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: tuple[Any, Any] | None = None
) -> Any:
    """Where the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2 has its minimum,
    clamped to ``bounds`` (by default the interval between x1 and x2); the middle of the
    bounds if the cubic has none (a negative discriminant)."""
    if bounds is None:
        bounds = (x1, x2) if x1 <= x2 else (x2, x1)
    low, high = bounds
    with np.errstate(all="ignore"):  # PyTorch's 0-d tensors give inf and NaN silently
        d1 = g1 + g2 - _number_over(3 * (f1 - f2), x1 - x2)
        discriminant = d1 * d1 - g1 * g2
        if not discriminant >= 0:
            return (low + high) / 2.0
        d2 = np.sqrt(discriminant)
        if x1 <= x2:  # measured from the right end, x2
            x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, low), high)


def _number_over(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator`` as PyTorch computes a Python number over a 0-d tensor
    (here a numpy scalar): the reciprocal, then a product (``Tensor.__rtruediv__``), which
    rounds twice; a plain division otherwise."""
    if isinstance(denominator, np.generic) and not isinstance(numerator, np.generic):
        return (1 / denominator) * numerator  # type: ignore[operator]
    return numerator / denominator


def _strong_wolfe(
    evaluate: Callable[[Any], tuple[float, np.ndarray]],
    t: Any,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: Any,
    max_ls: int,
) -> tuple[float, np.ndarray, Any, int]:
    """A step length t along ``d`` satisfying the strong Wolfe conditions, from the point
    with loss ``f``, gradient ``g`` and slope ``gtd`` = gᵀd, trying ``t`` first and
    calling ``evaluate(t)`` (the loss and gradient at x + t·d) at most ``max_ls`` + 1
    times.  Returns the loss and gradient at the step found, the step, and the calls.

    Each point is a tuple (t, f, g, gᵀd).  First the step grows (to the cubic's minimum,
    kept within 1.01·t … 10·t) until an interval must hold an acceptable step, or the
    step is acceptable; then the interval shrinks around its lower end ("zoom").
    """
    d_norm = np.max(np.abs(d))
    start = (0, f, g, gtd)
    f_new, g_new = evaluate(t)
    calls = 1
    new = (t, f_new, g_new, g_new.dot(d))
    previous = start
    done = False
    ls_iter = 0
    bracket: list[tuple[Any, ...]] = []
    while ls_iter < max_ls:  # 1. bracketing
        t, f_new, _, gtd_new = new
        if f_new > f + C1 * t * gtd or (ls_iter > 1 and f_new >= previous[1]):
            bracket = [previous, new]  # too high: an acceptable step lies before t
            break
        if abs(gtd_new) <= -C2 * gtd:
            bracket, done = [new], True  # acceptable
            break
        if gtd_new >= 0:
            bracket = [previous, new]  # the slope turned: a minimum lies before t
            break
        bounds = (t + 0.01 * (t - previous[0]), t * 10)
        t_next = _cubic_minimum(previous[0], previous[1], previous[3], t, f_new, gtd_new, bounds)
        previous = new
        f_new, g_new = evaluate(t_next)
        calls += 1
        new = (t_next, f_new, g_new, g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls:  # out of calls: between the start and the last step tried
        bracket = [start, new]

    insufficient_progress = False
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    while not done and ls_iter < max_ls:  # 2. zoom
        (a, f_a, _, gtd_a), (b, f_b, _, gtd_b) = bracket
        if abs(b - a) * d_norm < BRACKET_TOLERANCE:
            break
        t = _cubic_minimum(a, f_a, gtd_a, b, f_b, gtd_b)
        right, left = max(a, b), min(a, b)
        margin = 0.1 * (right - left)
        # a trial step within 10% of an end is moved to 10% inside it when the previous
        # trial was also that close, or when it lies on or past an end
        if min(right - t, t - left) < margin:
            if insufficient_progress or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        calls += 1
        gtd_new = g_new.dot(d)
        new = (t, f_new, g_new, gtd_new)
        ls_iter += 1
        if f_new > f + C1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = new  # not low enough: the new high end
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -C2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]  # the slope points away from high: drop it
            bracket[low] = new
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, calls


# ----------------------------------------------------------------------------- the optimizer
class LBFGS(Optimizer):
    """L-BFGS with PyTorch's semantics, defaults and state; ``step(closure)`` only.

    Args:
        params: the parameters, one group only (they are optimized as one flat vector,
            so they must share a dtype).
        lr: the step length η (the first iteration ever scales it by min(1, 1/‖g‖₁)).
        max_iter: iterations per ``step``.
        max_eval: closure calls per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when ‖g‖∞ falls to this.
        tolerance_change: stop when the loss or the parameters change by less.
        history_size: the pairs (s, y) kept for the inverse Hessian.
        line_search_fn: None (fixed steps of η) or "strong_wolfe".
        maximize: ascend: L-BFGS runs on −loss (as PyTorch ≥ 2.14; ``step`` still returns
            the first loss as the closure gave it).

    State, as PyTorch keeps it, under the first parameter: ``func_evals`` and ``n_iter``
    (counted over all steps), the last direction ``d`` and step ``t``, the pairs
    ``old_dirs`` (y) and ``old_stps`` (s) with ``ro`` = 1/yᵀs, the two-loop's ``al``,
    ``H_diag`` (H₀'s scale), ``prev_flat_grad`` and ``prev_loss``.
    """

    packable = False  # not elementwise: its own step() works on the whole flat vector
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {
        "lr": _check_nonnegative("lr", "learning rate"),
        "max_iter": _check_count("max_iter"),
        "max_eval": _check_count("max_eval"),
        "tolerance_grad": _check_tolerance("tolerance_grad"),
        "tolerance_change": _check_tolerance("tolerance_change"),
        "history_size": _check_count("history_size"),
        "line_search_fn": _check_line_search,
    }
    state_keys = _AFTER_AN_ITERATION | {"func_evals", "n_iter", "al"}
    required_state = frozenset({"func_evals", "n_iter"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
        *,
        maximize: bool = False,
    ) -> None:
        if max_eval is None:
            self._checks["max_iter"](max_iter)  # before computing with it
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """The one group (a second raises PyTorch's error); its parameters share a dtype."""
        if self.param_groups:
            raise ValueError(_NO_GROUPS)
        super().add_param_group(param_group)
        dtypes = sorted({str(p._array.dtype) for p in self.param_groups[0]["params"]})
        if len(dtypes) > 1:
            self.param_groups.pop()
            raise TypeError(
                f"LBFGS optimizes its parameters as one vector: they must share a dtype, got "
                f"{' and '.join(dtypes)}"
            )

    # ------------------------------------------------------------------ the flat vector
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _vector_layout(self) -> tuple[int, np.dtype]:
        """The flat vector's length and dtype, once every parameter is checked to be
        writable and of one dtype (data replaced since construction could break both)."""
        params = self._params()
        dtype = params[0]._array.dtype
        n = 0
        for p in params:
            a = p._array
            if a.dtype != dtype:
                raise RuntimeError(
                    f"LBFGS.step: the parameters' data now have dtypes {dtype} and {a.dtype} "
                    "(was part of the model converted?  They must share one)"
                )
            if not a.flags.writeable:
                raise RuntimeError(
                    f"LBFGS.step: the data of the parameter of shape {a.shape} is read-only"
                )
            n += a.size
        return n, dtype

    def _flat_grad(self, n: int, dtype: np.dtype) -> np.ndarray:
        """Every parameter's gradient in one new vector; zeros where there is none."""
        flat = np.zeros(n, dtype)
        offset = 0
        for p in self._params():
            a = p._array
            if p.grad is not None:
                g = p.grad._array
                if g.shape != a.shape or g.dtype != a.dtype:
                    self._refuse(a, g)
                flat[offset : offset + a.size] = g.reshape(-1)
            offset += a.size
        return flat

    def _move(self, t: Any, d: np.ndarray) -> None:
        """x ← x + t·d, each parameter by its slice of ``d``."""
        params = self._params()
        offset = 0
        for p in params:
            a = p._array
            a += t * d[offset : offset + a.size].reshape(a.shape)
            offset += a.size
        bump_versions(params)  # a graph built at the old values must not backward

    def _set_values(self, values: Sequence[np.ndarray]) -> None:
        params = self._params()
        for p, v in zip(params, values, strict=True):
            np.copyto(p._array, v)
        bump_versions(params)

    def _check_state_fits(self, p: Tensor, state: dict[str, Any]) -> None:
        """The state's vectors must have the flat vector's length and dtype (the data may
        have been converted or resized since; PyTorch requires the same)."""
        n, dtype = self._vector_layout()
        for key in (*_VECTORS, *_VECTOR_LISTS):
            value = state.get(key)
            for i, v in enumerate(value if isinstance(value, list) else [value]):
                if isinstance(v, np.ndarray) and (v.shape != (n,) or v.dtype != dtype):
                    where = f"{key}[{i}]" if isinstance(value, list) else key
                    raise RuntimeError(
                        f"LBFGS.step: state '{where}' has shape {v.shape} and dtype {v.dtype}, "
                        f"but the parameters now make a vector of {n} elements of {dtype} (was "
                        "the model converted or resized after steps?  Make the optimizer "
                        "again, as in PyTorch)"
                    )

    # ------------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first
        ``closure()`` call (at the parameters as they were).

        ``closure`` (required) zeroes the gradients, computes the loss, calls backward
        and returns the loss; it runs with grad mode on, once per function evaluation
        (``state["func_evals"]`` counts the calls).  Everything is checked before the
        first call: the hyperparameters (as set on the group now), the parameters and
        the state.
        """
        if not callable(closure):
            raise TypeError(
                "LBFGS.step needs a closure that re-evaluates the model and returns the "
                f"loss, got {type(closure).__name__}"
            )
        group = self.param_groups[0]
        try:
            settings = {name: group[name] for name in self.defaults}
        except KeyError as e:
            raise KeyError(f"LBFGS.step: the parameter group lost {e}") from None
        self._validate(settings)
        lr = settings["lr"]
        max_iter, max_eval = settings["max_iter"], settings["max_eval"]
        tolerance_grad = settings["tolerance_grad"]
        tolerance_change = settings["tolerance_change"]
        history_size = settings["history_size"]
        line_search = settings["line_search_fn"] == "strong_wolfe"
        sign = -1.0 if settings["maximize"] else 1.0  # maximize: minimize −loss
        first = self._params()[0]
        n, dtype = self._vector_layout()
        state = self.state.get(first)
        if state:
            self._check_state_fits(first, state)

        def evaluate() -> tuple[float, np.ndarray]:
            with enable_grad():
                loss = closure()
            return sign * float(loss), sign * self._flat_grad(n, dtype)

        with enable_grad():
            orig_loss = closure()
        loss = sign * float(orig_loss)
        flat_grad = sign * self._flat_grad(n, dtype)
        state = self.state.setdefault(first, {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        state["func_evals"] += 1
        evals = 1
        optimal = np.max(np.abs(flat_grad)) <= tolerance_grad
        if optimal:  # already
            return orig_loss

        # the state's entries (None before the first iteration)
        d: Any
        old_dirs: Any
        old_stps: Any
        ro: Any
        prev_flat_grad: Any
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # ---- the direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > MIN_CURVATURE:  # remember the pair
                    while len(old_dirs) >= history_size:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    with np.errstate(all="ignore"):
                        ro.append(1.0 / ys)
                        H_diag = ys / y.dot(y)
                al = state.setdefault("al", [None] * history_size)
                al.extend([None] * (len(old_dirs) - len(al)))  # history_size raised since
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, al, H_diag)
            prev_flat_grad, prev_loss = flat_grad, loss
            # ---- the step length
            if state["n_iter"] == 1:
                with np.errstate(divide="ignore"):
                    t = min(1.0, 1.0 / np.sum(np.abs(flat_grad))) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction (any more)
                break
            calls = 0
            if line_search:
                start = [p._array.copy() for p in self._params()]

                def along_d(step: Any, d: np.ndarray = d, start: list = start) -> Any:
                    self._move(step, d)
                    try:
                        return evaluate()
                    finally:
                        self._set_values(start)

                loss, flat_grad, t, calls = _strong_wolfe(
                    along_d, t, d, loss, flat_grad, gtd, max_ls=max_eval - evals
                )
                self._move(t, d)
                optimal = np.max(np.abs(flat_grad)) <= tolerance_grad
            else:
                self._move(t, d)
                if n_iter != max_iter:  # no evaluation after the last iteration
                    loss, flat_grad = evaluate()
                    optimal = np.max(np.abs(flat_grad)) <= tolerance_grad
                    calls = 1
            evals += calls
            state["func_evals"] += calls
            # ---- stop?
            if n_iter == max_iter or evals >= max_eval or optimal:
                break
            if np.max(np.abs(d * t)) <= tolerance_change:  # the parameters hardly moved
                break
            if abs(loss - prev_loss) < tolerance_change:  # the loss hardly changed
                break

        state["d"], state["t"] = d, t
        state["old_dirs"], state["old_stps"], state["ro"] = old_dirs, old_stps, ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"], state["prev_loss"] = prev_flat_grad, prev_loss
        return orig_loss

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """As ``Optimizer.state_dict``, with the lists of vectors and numbers copied too."""
        saved = super().state_dict()
        for entry in saved["state"].values():
            for key in (*_VECTOR_LISTS, "ro", "al"):
                if isinstance(entry.get(key), list):
                    entry[key] = [
                        np.array(v) if isinstance(v, np.ndarray) else v for v in entry[key]
                    ]
        return saved

    def _restored_state(self, p: Tensor, index: int, entry: Any) -> dict[str, Any]:
        """The saved state, checked and copied: only under the first parameter; counts
        that are whole numbers; vectors (alone and in the lists) of the flat vector's
        length and the parameters' dtype; numbers where PyTorch keeps 0-d tensors (read
        into the parameters' dtype); lists of matching lengths."""
        where = f"LBFGS.load_state_dict: the state of parameter {index}"
        if p is not self._params()[0]:
            raise ValueError(f"{where}: LBFGS keeps all its state under the first parameter")
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be a dict")
        present = {k for k, v in entry.items() if v is not None}
        foreign = present - self.state_keys
        missing = (self.required_state - present) if present else set()
        n_iter = _whole(entry["n_iter"], f"{where}: n_iter") if "n_iter" in present else 0
        if n_iter >= 1:
            missing |= _AFTER_AN_ITERATION - present
        if foreign or missing:
            raise ValueError(
                f"{where} has "
                + (f"entries {sorted(foreign)} that LBFGS does not keep" if foreign else "")
                + (" and " if foreign and missing else "")
                + (f"no {sorted(missing)}" if missing else "")
                + " (was it saved by another optimizer?)"
            )
        size = sum(q._array.size for q in self._params())
        dtype = self._params()[0]._array.dtype
        restored: dict[str, Any] = {}
        for key in sorted(present):
            value = entry[key]
            if key in ("func_evals", "n_iter"):
                restored[key] = _whole(value, f"{where}: {key}")
            elif key == "prev_loss":
                restored[key] = real_number(f"{where}: prev_loss", _plain(value))
            elif key in _VECTORS:
                restored[key] = _vector(value, size, dtype, f"{where}: '{key}'")
            elif key in _NUMBERS:
                restored[key] = _number(value, dtype, f"{where}: '{key}'")
            else:  # a list
                if not isinstance(value, list | tuple):
                    raise ValueError(f"{where}: '{key}' must be a list, got {type(value).__name__}")
                what = f"{where}: '{key}'"
                if key in _VECTOR_LISTS:
                    restored[key] = [
                        _vector(v, size, dtype, f"{what}[{i}]") for i, v in enumerate(value)
                    ]
                else:  # ro, al (whose entries may be None)
                    restored[key] = [
                        None if v is None and key == "al" else _number(v, dtype, f"{what}[{i}]")
                        for i, v in enumerate(value)
                    ]
        lengths = {k: len(restored[k]) for k in ("old_dirs", "old_stps", "ro") if k in restored}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"{where}: the history lists differ in length: {lengths}")
        return restored


def _two_loop(
    g: np.ndarray,
    old_dirs: list[np.ndarray],
    old_stps: list[np.ndarray],
    ro: list[Any],
    al: list[Any],
    H_diag: Any,
) -> np.ndarray:
    """d = −H g by the two-loop recursion over the pairs (sᵢ, yᵢ) with ρᵢ = 1/yᵢᵀsᵢ:
    newest to oldest αᵢ = ρᵢ sᵢᵀq, q ← q − αᵢ yᵢ from q = −g; then r = H_diag·q, and
    oldest to newest r ← r + (αᵢ − ρᵢ yᵢᵀr) sᵢ.  ``al`` receives the αᵢ."""
    q = -g
    for i in reversed(range(len(old_dirs))):
        al[i] = old_stps[i].dot(q) * ro[i]
        q += -al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r


# ----------------------------------------------------------------------------- loading helpers
def _plain(value: Any) -> Any:
    """A Tensor's or a 0-d array's single value, else ``value``."""
    if isinstance(value, Tensor):
        value = value._array
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def _vector(value: Any, size: int, dtype: np.dtype, what: str) -> np.ndarray:
    """A copy of ``value``, if it is a vector of ``size`` elements of ``dtype``."""
    if isinstance(value, Tensor):
        value = value._array
    if not isinstance(value, np.ndarray) or value.shape != (size,) or value.dtype != dtype:
        got = (
            f"shape {value.shape} and dtype {value.dtype}"
            if isinstance(value, np.ndarray)
            else type(value).__name__
        )
        raise ValueError(
            f"{what} must be a vector of {size} elements of {dtype} (the parameters' "
            f"length and dtype), got {got}"
        )
    return np.array(value, order="C")


def _number(value: Any, dtype: np.dtype, what: str) -> Any:
    """``value`` (a real number, or a 0-d array or Tensor of ``dtype``) as a scalar of
    ``dtype``, where PyTorch keeps a 0-d tensor of the parameters' dtype."""
    if isinstance(value, Tensor):
        value = value._array
    if isinstance(value, np.ndarray | np.generic):
        if value.shape != () or value.dtype != dtype:
            raise ValueError(
                f"{what} must be a number or a 0-d array of {dtype}, got shape {value.shape} "
                f"and dtype {value.dtype}"
            )
        return dtype.type(value)
    return dtype.type(real_number(what, value))
