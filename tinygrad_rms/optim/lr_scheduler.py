"""Learning-rate schedules with PyTorch's semantics: call ``scheduler.step()`` once per
epoch, after ``optimizer.step()``; ``get_last_lr()`` returns the rates now in use.

Like PyTorch, the schedules are *chainable*: each step computes the new rate from the
rate currently in the optimizer (e.g. ``lr · γ``), so several schedulers can act on one
optimizer, and the numbers match PyTorch's to the last bit.  ``OneCycleLR`` and
``CyclicLR`` compute the rate from the step number (they also cycle the momentum, or
Adam's β₁), and ``SequentialLR`` / ``ChainedScheduler`` combine other schedulers.

Semantics are PyTorch 2.13's, the newest source read for them (``SequentialLR`` with a
milestone at 0 starts the scheduler active at epoch 0, pytorch#185872).
"""

from __future__ import annotations

import contextlib
import math
import numbers
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..porting import not_covered
from .optimizer import Optimizer, real_number

__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


def _factor(scheduler: str, name: str, value: Any) -> Any:
    """A scheduler's number (``gamma``, ``eta_min``): a finite, non-negative real, or the
    error now rather than a NaN or negative learning rate later."""
    if not 0 <= real_number(f"{scheduler}: {name}", value) < math.inf:
        raise ValueError(f"{scheduler}: {name} must be a finite non-negative number, got {value}")
    return value


class LRScheduler:
    """Base class: remembers each group's starting rate and sets ``group["lr"]`` each step."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    "a scheduler (last_epoch != -1)"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Count steps from zero and take the first step in "initial" mode (the rate at
        construction): the constructor's, and SequentialLR's for its first scheduler."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for the epoch ``last_epoch`` (already advanced); subclasses define it."""
        raise NotImplementedError

    def _closed_form(self) -> list[float] | None:
        """The rates at ``last_epoch`` from ``base_lrs`` alone, for the schedules that have
        such a formula (PyTorch's ``_get_closed_form_lr``); None for the others."""
        return None

    def _momenta(self) -> list[float] | None:
        """Each group's momentum (or β₁) for ``last_epoch``, for the schedules that cycle
        it (OneCycleLR, CyclicLR); None leaves the momentum alone."""
        return None

    def _current(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch and set every group's learning rate.

        A rate the optimizer would refuse (negative, NaN, infinite, not a number — e.g.
        from a lambda) is refused here, before any group or the epoch count changes.
        """
        self._advance(lambda: setattr(self, "last_epoch", self.last_epoch + 1))

    def _start_over(self) -> None:
        """SequentialLR's hand-over at a milestone (PyTorch's ``_update_lr(0)``): epoch 0
        again, the rates from the closed form where the schedule has one, else from
        ``get_lr``; the step count is left as it is."""
        self._advance(lambda: setattr(self, "last_epoch", 0), count=False, closed_form=True)

    def _advance(
        self, move: Callable[[], None], count: bool = True, closed_form: bool = False
    ) -> None:
        """Run ``move`` (which advances the schedule's counters), compute the new rates
        (and momenta) and set them; if one is refused, every counter ``move`` changed is
        put back and no group changes."""
        saved = dict(self.__dict__)
        if count:
            self._step_count += 1
        try:
            move()
            rates = (self._closed_form() if closed_form else None) or self.get_lr()
            for i, lr in enumerate(rates):
                if not 0 <= real_number(f"lr of parameter group {i}", lr) < math.inf:
                    raise ValueError(
                        f"{type(self).__name__}: the learning rate for parameter group {i} "
                        f"at epoch {self.last_epoch} would be {lr}; refusing to set it"
                    )
            momenta = self._momenta()
            if momenta is not None:
                _check_momenta(self, momenta, f"at epoch {self.last_epoch}")
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise
        for group, lr in zip(self.optimizer.param_groups, rates, strict=True):
            group["lr"] = lr
        if momenta is not None:
            _set_momenta(self.optimizer, momenta, self.use_beta1)  # type: ignore[attr-defined]
        self._last_lr = self._current()

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step`` (one per parameter group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (everything but the optimizer and lambdas)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict``."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, _factor("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _factor("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [lr * self.gamma for lr in self._current()]

    def _closed_form(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the base rate down to ``eta_min`` over ``T_max`` epochs.

    η_t = η_min + (η_base − η_min)(1 + cos(π t / T_max))/2, computed recursively from the
    current rate as PyTorch does (and restarting upwards after T_max).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if not isinstance(T_max, int) or T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        self.T_max, self.eta_min = T_max, _factor("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and t > 0:  # resumed mid-schedule: closed form
            return [
                lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs
            ]
        if (t - 1 - T) % (2 * T) == 0:  # the bottom of the cosine: start climbing back
            return [
                lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                for lr, base in zip(self._current(), self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - lo) + lo for lr in self._current()]

    def _closed_form(self) -> list[float]:
        lo, t, T = self.eta_min, self.last_epoch, self.T_max
        return [lo + (base - lo) * (1 + math.cos(math.pi * t / T)) / 2 for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """Set the rate to ``base_lr · lr_lambda(epoch)`` (one function, or one per group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups)
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        else:
            self.lr_lambdas = list(lr_lambda)
            if len(self.lr_lambdas) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [
            base * fn(self.last_epoch)
            for base, fn in zip(self.base_lrs, self.lr_lambdas, strict=True)
        ]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each epoch in ``milestones`` (by γⁿ where a
    milestone is listed n times)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = _factor("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current()]

    def _closed_form(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """The rate times ``factor`` until epoch ``total_iters``, then the rate itself."""

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 <= real_number("ConstantLR: factor", factor) <= 1.0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor, self.total_iters = factor, _count("ConstantLR", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current()]
        if self.last_epoch != self.total_iters:
            return self._current()
        return [lr * (1.0 / self.factor) for lr in self._current()]

    def _closed_form(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [base * (self.factor + done * (1 - self.factor)) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """The rate times a factor going linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs (a warm-up when start < end), computed step by step from the
    current rate as PyTorch does."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0 < real_number("LinearLR: start_factor", start_factor) <= 1.0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                "equal to 1."
            )
        if not 0 <= real_number("LinearLR: end_factor", end_factor) <= 1.0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = _count("LinearLR", total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current()
        span = self.end_factor - self.start_factor
        step = 1.0 + span / (self.total_iters * self.start_factor + (self.last_epoch - 1) * span)
        return [lr * step for lr in self._current()]

    def _closed_form(self) -> list[float]:
        n, span = self.total_iters, self.end_factor - self.start_factor
        factor = self.start_factor + span * min(n, self.last_epoch) / n
        return [base * factor for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """base_lr · (1 − t/total_iters)^power, reached step by step from the current rate;
    unchanged after ``total_iters``."""

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        self.total_iters = _count("PolynomialLR", total_iters)
        self.power = _factor("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current()
        t, n = self.last_epoch, self.total_iters
        decay = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * decay for lr in self._current()]

    def _closed_form(self) -> list[float]:
        n = self.total_iters
        return [base * (1.0 - min(n, self.last_epoch) / n) ** self.power for base in self.base_lrs]


class MultiplicativeLR(LRScheduler):
    """Multiply the rate by ``lr_lambda(epoch)`` each epoch (one function, or one per
    group)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(optimizer.param_groups)
        self.lr_lambdas = [lr_lambda] * n if callable(lr_lambda) else list(lr_lambda)
        if len(self.lr_lambdas) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(self.lr_lambdas)}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current()
        return [
            lr * fn(self.last_epoch)
            for lr, fn in zip(self._current(), self.lr_lambdas, strict=True)
        ]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Half cosines from the base rate down to ``eta_min``, restarting every T_i epochs, with
    T_0 the first period and T_i growing by ``T_mult`` at each restart (SGDR).

    ``step()`` advances one epoch; ``step(epoch)`` jumps to ``epoch``, which may be
    fractional (``epoch + i / iters`` inside an epoch), as PyTorch's does.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        self.T_0, self.T_i, self.T_mult = T_0, T_0, T_mult
        self.eta_min = _factor("CosineAnnealingWarmRestarts", "eta_min", eta_min)
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        lo = self.eta_min
        return [
            lo + (base - lo) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            for base in self.base_lrs
        ]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or go to ``epoch`` (a float within an epoch is allowed)."""
        self._advance(lambda: self._move_to(epoch))

    def _move_to(self, epoch: float | None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # a restart
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            if real_number("epoch", epoch) < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:  # which period epoch falls in: the geometric series of the T_i
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)


class ReduceLROnPlateau:
    """Cut the rate by ``factor`` when a watched metric has stopped improving for more
    than ``patience`` epochs: ``scheduler.step(val_loss)`` once per epoch.

    "Improving" is PyTorch's test: in ``mode="min"`` the metric must fall below the best
    so far by ``threshold`` (relative: best·(1 − threshold); absolute: best − threshold),
    in ``"max"`` rise above it likewise.  After a cut, ``cooldown`` epochs pass before bad
    epochs count again; no rate goes below ``min_lr`` (one, or one per group), and a cut
    smaller than ``eps`` is not made.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if not real_number("ReduceLROnPlateau: factor", factor) < 1.0:
            raise ValueError("Factor should be < 1.0.")
        _factor("ReduceLROnPlateau", "factor", factor)
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        n = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, list | tuple) else [min_lr] * n
        if len(min_lrs) != n:
            raise ValueError(f"expected {n} min_lrs, got {len(min_lrs)}")
        self.optimizer, self.mode, self.factor = optimizer, mode, factor
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.min_lrs = [_factor("ReduceLROnPlateau", "min_lr", m) for m in min_lrs]
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self, metrics: Any) -> None:
        """One epoch's value of the watched metric (a number or a 0-d tensor)."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _is_better(self, a: float) -> bool:
        best, t = self.best, self.threshold
        if self.mode == "min":
            return a < (best * (1.0 - t) if self.threshold_mode == "rel" else best - t)
        return a > (best * (t + 1.0) if self.threshold_mode == "rel" else best + t)

    def get_last_lr(self) -> list[float]:
        """The learning rates after the last ``step``."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict``."""
        self.__dict__.update(state_dict)


# ------------------------------------------------------------------ momentum-cycling schedules
def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: a list or tuple of that length, or one value for all
    (PyTorch's ``_format_param``, with its message)."""
    n = len(optimizer.param_groups)
    if isinstance(value, list | tuple):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {n}."
            )
        return list(value)
    return [value] * n


def _momentum_uses_beta1(optimizer: Optimizer) -> bool:
    """Whether ``cycle_momentum`` cycles Adam's β₁ (an optimizer with ``betas``) rather
    than ``momentum`` (SGD, RMSprop), as PyTorch picks; an optimizer with neither is
    refused, with PyTorch's message."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
        )
    return "betas" in optimizer.defaults


def _momentum_entry(group: dict[str, Any], value: Any, use_beta1: bool) -> tuple[str, Any]:
    """The group's key that holds the cycled momentum, and its value with the momentum set
    to ``value``: ``betas`` with β₁ replaced, or ``momentum``."""
    return ("betas", (value, *group["betas"][1:])) if use_beta1 else ("momentum", value)


def _check_momenta(scheduler: Any, momenta: Sequence[Any], when: str) -> None:
    """Each value as the optimizer itself checks a momentum (or β₁) it is given, so a value
    it would refuse at its next step is refused now, before anything changes."""
    optimizer = scheduler.optimizer
    for i, (group, value) in enumerate(zip(optimizer.param_groups, momenta, strict=True)):
        real_number(f"{type(scheduler).__name__}: momentum", value)
        key, new = _momentum_entry(group, value, scheduler.use_beta1)
        try:
            optimizer._validate({**group, key: new})
        except (ValueError, TypeError) as e:
            raise ValueError(
                f"{type(scheduler).__name__}: the momentum for parameter group {i} {when} "
                f"would be {value}, which {type(optimizer).__name__} refuses: {e}"
            ) from None


def _set_momenta(optimizer: Optimizer, momenta: Sequence[Any], use_beta1: bool) -> None:
    for group, value in zip(optimizer.param_groups, momenta, strict=True):
        key, new = _momentum_entry(group, value, use_beta1)
        group[key] = new


def _positive(scheduler: str, name: str, value: Any) -> Any:
    if not 0 < real_number(f"{scheduler}: {name}", value) < math.inf:
        raise ValueError(f"{scheduler}: {name} must be a finite positive number, got {value}")
    return value


def _positive_int(name: str, value: Any) -> int:
    """PyTorch's check of OneCycleLR's step counts (a bool is refused too)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Expected positive integer {name}, but got {value}")
    return value


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, "Super-Convergence"), as PyTorch's: the rate rises
    from ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of
    ``total_steps`` (or ``epochs · steps_per_epoch``), then falls to
    ``initial_lr / final_div_factor``; call ``step()`` after every batch.

    With n₁ = pct_start·T − 1 (T = total_steps), a step t ≤ n₁ anneals from initial_lr to
    max_lr with p = t/n₁, a later one from max_lr to min_lr with p = (t − n₁)/(T − 1 − n₁),
    where anneal(a, b, p) = b + (a − b)(1 + cos πp)/2 ("cos") or a + (b − a)p ("linear");
    ``three_phase`` comes back down to initial_lr by step 2·pct_start·T − 2 and then falls
    to min_lr.  The momentum (Adam's β₁ for an optimizer with ``betas``) goes the other
    way, from ``max_momentum`` to ``base_momentum`` and back, when ``cycle_momentum``;
    PyTorch writes it even into an SGD made with momentum 0, and so does this.  Not
    chainable: the rate depends on the step number only.  Stepping past
    ``total_steps`` is refused with PyTorch's "Tried to step ..." error.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            self.total_steps = _positive_int("total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = _positive_int("epochs", epochs) * _positive_int(
                "steps_per_epoch", steps_per_epoch
            )
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        T = self.total_steps
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:  # NaN too
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._anneal_func_type = anneal_strategy
        up = float(pct_start * T) - 1  # the step where the rate peaks
        up2 = float(2 * pct_start * T) - 2  # three_phase: back at initial_lr
        if three_phase:
            self._schedule_phases = [
                _phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(up2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                _phase(T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        name = type(self).__name__
        max_lrs = [_factor(name, "max_lr", v) for v in _per_group("max_lr", optimizer, max_lr)]
        _positive(name, "div_factor", div_factor)
        _positive(name, "final_div_factor", final_div_factor)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_uses_beta1(optimizer)
            max_momenta = _per_group("max_momentum", optimizer, max_momentum)
            base_momenta = _per_group("base_momentum", optimizer, base_momentum)
            _check_momenta(self, max_momenta, "(max_momentum)")
            _check_momenta(self, base_momenta, "(base_momentum)")
        if last_epoch != -1:
            _check_resumable(self, optimizer, ("max_lr", "min_lr"), cycle_momentum)
        self._locate(max(last_epoch + 1, 0))  # a phase of no length: refused before any change
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if cycle_momentum:
                _set_momenta(optimizer, max_momenta, self.use_beta1)
                for group, high, low in zip(
                    optimizer.param_groups, max_momenta, base_momenta, strict=True
                ):
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _locate(self, step: int) -> tuple[dict[str, Any], float]:
        """The phase holding ``step`` and how far into it ``step`` is (0 → 1)."""
        if step > self.total_steps:
            raise ValueError(
                f"Tried to step {step} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        start = 0.0
        last = len(self._schedule_phases) - 1
        for i, phase in enumerate(self._schedule_phases):
            end = phase["end_step"]
            if step <= end or i == last:
                if end == start:
                    raise ValueError(
                        f"OneCycleLR: step {step} falls in a phase of no length (its end "
                        f"step is its start, {end}: pct_start · total_steps = "
                        f"{self._schedule_phases[0]['end_step'] + 1}, total_steps = "
                        f"{self.total_steps}); PyTorch divides by zero here"
                    )
                return phase, (step - start) / (end - start)
            start = end
        raise AssertionError("unreachable")

    def get_lr(self) -> list[float]:
        phase, pct = self._locate(self.last_epoch)
        return [
            self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
            for group in self.optimizer.param_groups
        ]

    def _momenta(self) -> list[float] | None:
        if not self.cycle_momentum:
            return None
        phase, pct = self._locate(self.last_epoch)
        return [
            self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
            for group in self.optimizer.param_groups
        ]


def _phase(end_step: float, start_lr: str, end_lr: str, start_m: str, end_m: str) -> dict:
    """One of OneCycleLR's phases, as PyTorch lays it out (so its state_dict loads)."""
    return {
        "end_step": end_step,
        "start_lr": start_lr,
        "end_lr": end_lr,
        "start_momentum": start_m,
        "end_momentum": end_m,
    }


def _check_resumable(
    scheduler: LRScheduler, optimizer: Optimizer, keys: Sequence[str], momentum: bool
) -> None:
    """Resuming (last_epoch != -1) reads the values a first construction wrote into the
    groups: each must be there."""
    keys = [*keys, "initial_lr", *(("max_momentum", "base_momentum") if momentum else ())]
    for i, group in enumerate(optimizer.param_groups):
        for key in keys:
            if key not in group:
                raise KeyError(
                    f"param {key!r} is not specified in param_groups[{i}] when resuming "
                    f"a {type(scheduler).__name__} (last_epoch != -1)"
                )


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith, 2017), as PyTorch's: the rate climbs from
    ``base_lr`` to ``max_lr`` over ``step_size_up`` steps and back over
    ``step_size_down`` (default: the same), the amplitude scaled per cycle or per step;
    call ``step()`` after every batch.

    With L = up + down, cycle c = ⌊1 + t/L⌋ and x = 1 + t/L − c, the rise is s = x/(up/L)
    for x ≤ up/L and the fall s = (x − 1)/(up/L − 1) after it, and
    η = base_lr + (max_lr − base_lr) · s · scale, where scale is 1 ("triangular"),
    1/2^(c−1) ("triangular2"), γ^t ("exp_range"), or ``scale_fn`` of c
    (``scale_mode="cycle"``) or of t ("iterations").  With ``cycle_momentum`` the momentum
    (Adam's β₁ for an optimizer with ``betas``, as PyTorch ≥ 2.2) goes the other way:
    max_momentum − (max_momentum − base_momentum) · s · scale.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | Sequence[float],
        max_lr: float | Sequence[float],
        step_size_up: float = 2000,
        step_size_down: float | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.8,
        max_momentum: float | Sequence[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        name = type(self).__name__
        base_lrs = [_factor(name, "base_lr", v) for v in _per_group("base_lr", optimizer, base_lr)]
        self.max_lrs = [_factor(name, "max_lr", v) for v in _per_group("max_lr", optimizer, max_lr)]
        up = float(_positive(name, "step_size_up", step_size_up))
        down = (
            up if step_size_down is None else float(_factor(name, "step_size_down", step_size_down))
        )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{name}: scale_fn must be callable, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"{name}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        self.mode, self.gamma = mode, _factor(name, "gamma", gamma)
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_uses_beta1(optimizer)
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            _check_momenta(self, self.max_momentums, "(max_momentum)")
            _check_momenta(self, self.base_momentums, "(base_momentum)")
        if last_epoch != -1:
            _check_resumable(self, optimizer, (), False)
        else:
            for group, lr in zip(optimizer.param_groups, base_lrs, strict=True):
                group["lr"] = lr
            if cycle_momentum:
                _set_momenta(optimizer, self.max_momentums, self.use_beta1)
                for group, high, low in zip(
                    optimizer.param_groups, self.max_momentums, self.base_momentums, strict=True
                ):
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs  # after the first step, as PyTorch (which took initial_lr)

    def _init_scale_fn(self) -> None:
        """A built-in mode fixes where its scale is evaluated: per cycle, or per step."""
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The amplitude's scale at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _position(self) -> tuple[float, float]:
        """How high in its cycle the current step is (0 → 1 → 0), and the scale there."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        return height, scale

    def get_lr(self) -> list[float]:
        height, scale = self._position()
        return [
            base + (top - base) * height * scale
            for base, top in zip(self.base_lrs, self.max_lrs, strict=True)
        ]

    def _momenta(self) -> list[float] | None:
        if not self.cycle_momentum:
            return None
        height, scale = self._position()
        return [
            top - (top - low) * height * scale
            for low, top in zip(self.base_momentums, self.max_momentums, strict=True)
        ]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer; a custom ``scale_fn`` is kept only as the
        attributes of a callable object (``None`` for a function or lambda), as PyTorch."""
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = dict(fn.__dict__)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict`` (this scheduler keeps its own
        ``scale_fn``, whose attributes are restored if it is a callable object)."""
        state = {
            k: v for k, v in state_dict.items() if k not in ("_scale_fn_custom", "_scale_fn_ref")
        }
        super().load_state_dict(state)
        saved = state_dict.get("_scale_fn_custom")
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(saved)
        self._init_scale_fn()


# ------------------------------------------------------------------ schedulers of schedulers
def _check_parts(composite: str, schedulers: Sequence[Any], optimizer: Any) -> None:
    """PyTorch's checks of SequentialLR's and ChainedScheduler's schedulers, in its words."""
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{composite} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{composite} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{i} in the given schedulers sequence."
            )
        if optimizer is not scheduler.optimizer:
            raise ValueError(
                f"{composite} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {i} has {scheduler.optimizer}, "
                f"which is different from {type(optimizer).__name__}."
            )


def _parts(scheduler: Any) -> Iterator[Any]:
    """The scheduler and, for a composite, every scheduler inside it."""
    yield scheduler
    for part in getattr(scheduler, "_schedulers", ()):
        yield from _parts(part)


@contextlib.contextmanager
def _all_or_nothing(scheduler: Any) -> Iterator[None]:
    """A composite's step as one: if a part refuses its rate, every scheduler's counters
    and every group's values are put back as they were."""
    saved = [(part, dict(part.__dict__)) for part in _parts(scheduler)]
    groups = scheduler.optimizer.param_groups
    saved_groups = [dict(group) for group in groups]
    try:
        yield
    except BaseException:
        for part, state in saved:
            part.__dict__.clear()
            part.__dict__.update(state)
        for group, values in zip(groups, saved_groups, strict=True):
            group.clear()
            group.update(values)
        raise


class _Composite(LRScheduler):
    """What SequentialLR and ChainedScheduler share: their schedulers' states are saved
    and restored with theirs (under ``_schedulers``, one state each, as PyTorch)."""

    _schedulers: list[Any]

    def state_dict(self) -> dict[str, Any]:
        """The composite's counters and, under ``_schedulers``, each scheduler's state."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict``, each scheduler's included."""
        parts = state_dict["_schedulers"]
        if len(parts) != len(self._schedulers):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the state holds {len(parts)} "
                f"schedulers, this one has {len(self._schedulers)}"
            )
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for scheduler, state in zip(self._schedulers, parts, strict=True):
            scheduler.load_state_dict(state)


class SequentialLR(_Composite):
    """Run ``schedulers`` one after another, switching at each epoch in ``milestones``
    (one fewer than the schedulers): e.g. a ``LinearLR`` warm-up, then a decay.

    Exactly PyTorch's bookkeeping, quirks included: constructing it puts every group's rate
    back to ``initial_lr``, takes one epoch off every scheduler (each took its first step
    when it was made) and lets the one active at epoch 0 take its first step again; at a
    milestone the next scheduler restarts at epoch 0 from its closed form where it has one
    (StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
    CosineAnnealingLR: from its base rates), else from its ``get_lr`` — so a chainable one
    without (MultiplicativeLR) starts from the rate the previous one left.  With a milestone
    at 0 the scheduler active at epoch 0 starts (PyTorch ≥ 2.13; earlier releases started
    ``schedulers[0]``).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        _check_parts(name, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}"
            )
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral):
                raise TypeError(f"{name}: milestones must be integers, got {milestones!r}")
        if list(milestones) != sorted(milestones):
            raise ValueError(f"{name}: milestones must not decrease, got {list(milestones)}")
        for i, scheduler in enumerate(schedulers):
            if i > 0 and isinstance(scheduler, _Composite):
                raise ValueError(
                    f"{name}: the {type(scheduler).__name__} at index {i} would have to "
                    "restart at its milestone, which a scheduler of schedulers cannot "
                    "(PyTorch raises NotImplementedError there); put it first, or list its "
                    "schedulers here"
                )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Take back the first step each scheduler (inside composites too) took when it
        was made: one epoch off its count."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:
        """Advance one epoch: the scheduler of this epoch steps, or restarts at its
        milestone."""
        with _all_or_nothing(self):
            self.last_epoch += 1
            idx = bisect_right(self._milestones, self.last_epoch)
            scheduler = self._schedulers[idx]
            if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
                scheduler._start_over()
            else:
                scheduler.step()
            self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Step several chainable schedulers together: one ``step()`` steps each in turn, so
    their factors multiply (e.g. ``ConstantLR`` × ``ExponentialLR``).

    As PyTorch's, it takes no step when made (each scheduler took its own), all the
    schedulers must share the optimizer, and a ``ReduceLROnPlateau`` is refused.
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(
                f"{name} expects at least one scheduler to be chained, but got no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_parts(name, schedulers, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def step(self) -> None:
        """Step every scheduler, in order (all or none: a refused rate undoes them all)."""
        with _all_or_nothing(self):
            for scheduler in self._schedulers:
                scheduler.step()
            self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]


def _count(scheduler: str, total_iters: Any) -> int:
    if isinstance(total_iters, bool) or not isinstance(total_iters, int) or total_iters < 1:
        raise ValueError(f"{scheduler}: total_iters must be a positive int, got {total_iters!r}")
    return total_iters


def __getattr__(name: str) -> object:
    """A PyTorch name this module lacks: an error that says so (see ``porting.py``)."""
    raise not_covered(f"module {__name__!r}", name)
