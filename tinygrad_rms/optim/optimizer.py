"""The Optimizer base: parameter groups, per-parameter state, validation, the step loop.

An optimizer class declares what is its own as data: ``_checks`` (a check per
hyperparameter), ``plan`` (a ``KernelPlan`` subclass turning a group's hyperparameters into
its kernel's packed ``scalars``), ``update`` (the loop over the parameters, which its
functional form runs too) and ``init_state``.  Everything about *which* parameters,
*which* hyperparameters, closures, saving and loading lives here, once.

One ``lr``'s path to the kernel (RMSprop's; the others' alike), in one direction:

1. ``Optimizer.step`` reads ``group["lr"]`` with the group's other hyperparameters and
   makes ``RMSprop.plan(hyperparameters)`` of them (again only when one has changed);
2. it calls ``RMSprop.update(arrays, grads, states, plan)``, which is ``rmsprop._apply``,
   the loop that the functional form ``rmsprop()`` runs too;
3. per parameter, the loop asks ``plan.scalars(dtype, step)`` for the packed array (made
   on the first ask per dtype from ``_Plan._named_scalars``): lr sits in it as "lr_out"
   (PyTorch's convention) at its place in ``kernels.rmsprop.SCALARS``;
4. the kernel ``rmsprop_update(..., scalars)`` unpacks ``..., lr_out, ... = scalars[5:10]``.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from ..autograd import enable_grad
from ..autograd.graph import bump_versions
from ..tensor import Tensor, zero_grads
from ._pack import MAX_PACKINGS, Pack, make_packs
from ._plan import KernelPlan, check_arguments, check_plan, hyperparameters

__all__ = ["Optimizer", "real_number"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class UpdateLoop(Protocol):
    """An optimizer's ``update``: one group's parameters and states, updated in place."""

    def __call__(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        states: Sequence[dict[str, Any]],
        plan: Any,
    ) -> None: ...


class InitState(Protocol):
    """An optimizer's ``init_state``: a parameter's state on its first step."""

    def __call__(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]: ...


def real_number(name: str, value: Any) -> float:
    """``value`` as a float, if it is a real number (not a bool, not a string, not None)
    that a float can hold; else the error naming it."""
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.floating | np.integer
    ):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} is too large for a float: {str(value)[:20]}...") from None


#: What the learning-rate schedulers write into a group (OneCycleLR, CyclicLR): kept as
#: they are, though "max_momentum" looks like a misspelt "momentum".
_SCHEDULER_KEYS = frozenset({"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"})


def _check_nonnegative(name: str, label: str) -> Callable[[Any], None]:
    """A check that ``value >= 0`` raising PyTorch's message, e.g. 'Invalid learning rate: -1'."""

    def check(value: Any) -> None:
        if not 0 <= real_number(name, value) < math.inf:  # also refuses NaN and infinity
            raise ValueError(f"Invalid {label}: {value}")

    return check


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with "params" and hyperparameters) and ``state``.

    Args:
        params: an iterable of Tensors, or of dicts each with a "params" entry and
            optional per-group hyperparameters.
        defaults: hyperparameters used where a group does not set its own.
    """

    # What a subclass declares (data, not hooks):
    #: name -> check(value) raising ValueError/TypeError.
    _checks: ClassVar[dict[str, Callable[[Any], None]]] = {}
    #: a group's hyperparameters -> the kernel's packed scalars.
    plan: ClassVar[type[KernelPlan]]
    #: ``update(arrays, grads, states, plan)``, the functional form's loop (a staticmethod).
    update: ClassVar[UpdateLoop]
    #: ``init_state(p, group)`` (a staticmethod).
    init_state: ClassVar[InitState]
    #: the names a parameter's state may hold, and those it must (``load_state_dict``)
    state_keys: ClassVar[frozenset[str]] = frozenset()
    required_state: ClassVar[frozenset[str]] = frozenset()
    #: the state entries that are numbers, not buffers like the parameter (ASGD's ``eta``
    #: and ``mu``, NAdam's ``mu_product``; PyTorch keeps them as 0-d tensors):
    #: ``load_state_dict`` hands each to ``_restored_scalar``
    scalar_state: ClassVar[frozenset[str]] = frozenset()
    #: the update is elementwise, so small parameters may step as one flat array
    #: (``_pack.py``); an optimizer whose update is not (L-BFGS) sets False
    packable: ClassVar[bool] = True

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self._validate(defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got a single Tensor of shape {params.shape}"
            )
        if isinstance(params, dict):
            raise TypeError("params argument should be an iterable of Tensors or dicts, got a dict")
        if isinstance(params, set | frozenset):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(
                "optimizer got an empty parameter list (note: a generator such as "
                "model.parameters() is used up by the first optimizer given it)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.defaults = dict(defaults)
        getter = operator.itemgetter(*self.defaults)  # one C call for all the values
        self._read_hyperparameters = getter if len(defaults) > 1 else lambda g: (getter(g),)
        self._plans: dict[int, tuple[dict[str, Any], tuple[Any, ...], KernelPlan]] = {}
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._state_arrays: dict[Tensor, np.ndarray] = {}  # each state's parameter data
        # per group (by id): the group, its parameters when packed, its packs, the others
        self._packs: dict[int, tuple[dict[str, Any], list[Tensor], list[Pack], list[Tensor]]] = {}
        self._packings: dict[int, int] = {}  # per group: how often packs were made
        self._packings_left = self.packable  # False once every group has used its tries
        self.param_groups: list[dict[str, Any]] = []
        for group in groups:
            self.add_param_group(group)

    @classmethod
    def _functional_plan(
        cls,
        name: str,
        arguments: dict[str, Any],
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        states: Sequence[dict[str, Any]],
    ) -> Any:
        """A functional form's checks, all before anything is updated: the hyperparameters
        (``arguments``, its ``locals()``) as the class checks them, the arrays, and the
        plan against every dtype; returns the plan its loop runs with (a ``cls.plan``,
        typed ``Any`` so that each optimizer's loop can take its own plan class)."""
        given = hyperparameters(arguments)
        cls._validate(given)
        plan = cls.plan(given)
        check_arguments(name, params, grads, states)
        check_plan(plan, params)
        return plan

    @classmethod
    def _validate(cls, hyperparameters: dict[str, Any]) -> None:
        """What the constructor checks (also run by the functional form and at a step
        whose hyperparameters changed): each value's own check, and flags are booleans."""
        for name, check in cls._checks.items():
            if name in hyperparameters:
                check(hyperparameters[name])
        for name in _flags(cls):  # type: ignore[arg-type]  # classes are hashable
            value = hyperparameters.get(name, False)
            if type(value) is not bool:  # 1, "no", np.bool_: truthiness would lie
                raise TypeError(
                    f"{name} must be True or False, got {type(value).__name__}: {value!r}"
                )
        _check_implementation(cls.__name__, hyperparameters)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with hyperparameters overriding the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param group must be a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("param group must have a 'params' entry")
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but params entry "
                    f"{i} is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (params entry {i}, shape {p.shape})"
                )
            if p._array.dtype not in (np.float32, np.float64):
                raise TypeError(
                    f"can only optimize float32 or float64 Tensors, params entry {i} has dtype "
                    f"{p._array.dtype}"
                )
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            raise ValueError("optimizer params contain the same Tensor more than once")
        for other in self.param_groups:
            if ids & {id(p) for p in other["params"]}:
                raise ValueError("some parameters appear in more than one parameter group")
        self._check_keys(param_group, "param group")
        group = {**self.defaults, **param_group, "params": params}
        self._validate(group)
        self.param_groups.append(group)
        self._packings_left = self.packable  # the new group may be packed after its steps

    def _check_keys(self, group: dict[str, Any], what: str) -> None:
        """Refuse a key that is a hyperparameter of another optimizer or looks like a
        misspelt one of this optimizer's; other keys (a group's "name", PyTorch's "foreach",
        the schedulers' "initial_lr" or "max_momentum") are kept, as PyTorch keeps them."""
        mine = _hyperparameters(type(self)) | set(self.defaults)  # type: ignore[arg-type]
        for key in group:
            if key == "params" or key in mine or key in _SCHEDULER_KEYS or not isinstance(key, str):
                continue
            if key in _all_hyperparameters():
                raise ValueError(
                    f"{what}: {key!r} is not a hyperparameter of {type(self).__name__} "
                    f"(whose are {', '.join(sorted(mine))}); was it made for another optimizer?"
                )
            close = difflib.get_close_matches(key, mine, n=1, cutoff=0.8)
            if close:
                raise ValueError(f"{what}: unknown key {key!r}; did you mean {close[0]!r}?")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to None (default, as PyTorch ≥ 2.0) or to zeros in place."""
        for group in self.param_groups:
            zero_grads(group["params"], set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given.

        The closure (which should zero the gradients, compute the loss, call backward and
        return the loss) runs with grad mode on.  The update itself works on the numpy
        arrays under the Tensors, so it records no graph; it bumps each parameter's
        version so that a graph built before the step refuses to backward through it.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._update(self._gather())  # all checked first
        if self._packings_left:
            self._pack_groups()
        return loss

    def _update(self, work: list[tuple[Any, ...]]) -> None:
        """Run the update loop on what ``_gather`` checked: per tensor, or once per pack."""
        update = self.update
        for params, arrays, grads, states, plan, pack in work:
            if pack is None:
                update(arrays, grads, states, plan)
            else:
                pack.step(update, grads, plan)
            bump_versions(params)  # graphs that saw the old values must not backward

    def _pack_groups(self) -> None:
        """Pack each group's small parameters (``_pack.py``) after its first steps: one
        kernel call per pack instead of one per tensor from the next step on."""
        self._packings_left = False
        for group in self.param_groups:
            key = id(group)
            tries = self._packings.get(key, 0)
            if key in self._packs or tries >= MAX_PACKINGS:
                continue
            self._packings_left = True
            self._packings[key] = tries + 1
            params = group["params"]
            # owners=1: the array is also in self._state_arrays (checked by make_packs'
            # reference count: a parameter whose data is not there is not packed)
            packs = make_packs(params, self.state, owners=1)
            if packs:
                packed = {id(p) for pack in packs for p in pack.members}
                for pack in packs:
                    for p in pack.members:
                        self._state_arrays[p] = p._array
                rest = [p for p in params if id(p) not in packed]
                self._packs[key] = (group, list(params), packs, rest)

    def _plan_for(self, group: dict[str, Any], arrays: Sequence[np.ndarray]) -> KernelPlan:
        """``plan`` of the group's hyperparameters, made again only when one has changed.

        A step reads the values (e.g. a scheduler's new ``lr``) every time, but turns them
        into the kernel's scalars only when they differ from the last step's: then they are
        validated again (a value set on ``param_groups`` directly is checked as the
        constructor checks it) and packed for the parameters' dtypes (a value that
        overflows a dtype, ``lr=1e39`` in float32, is refused), before any update.
        """
        try:
            values = self._read_hyperparameters(group)
        except KeyError as e:
            raise KeyError(f"{type(self).__name__}.step: a parameter group lost {e}") from None
        cached = self._plans.get(id(group))
        if cached is None or cached[0] is not group or cached[1] != values:
            hyperparameters = dict(zip(self.defaults, values, strict=True))  # not initial_lr
            self._validate(hyperparameters)
            cached = (group, values, self.plan(hyperparameters))
            for dtype in {a.dtype for a in arrays}:
                cached[2].check(dtype)
            self._plans[id(group)] = cached
        return cached[2]

    def _group_of(self, p: Tensor) -> dict[str, Any]:
        for group in self.param_groups:
            if any(q is p for q in group["params"]):
                return group
        raise ValueError(f"the tensor of shape {p.shape} is not one of this optimizer's parameters")

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's hyperparameters and state, in PyTorch's layout.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered in group order; state arrays are copies, so the returned
        dict is a snapshot that later steps do not change.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
            if s  # as PyTorch: no entry for a parameter without state (e.g. plain SGD)
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (this library's or
        PyTorch's: a PyTorch file read by ``load`` works too).

        Everything is checked before anything changes, all or nothing: the groups match
        this optimizer's in number and size; no group holds another optimizer's
        hyperparameters (Adam's ``betas`` cannot load into RMSprop) and every value passes
        the constructor's checks; each parameter's state holds only this optimizer's
        buffers, all it needs, each of the parameter's shape and dtype, and a ``step``
        that is a non-negative whole number.  Keys the saved groups lack keep their
        current values; other keys (``initial_lr``, a group's name) are kept, as in PyTorch.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                "optimizer state_dict must be a dict with exactly the keys 'state' and "
                "'param_groups'"
            )
        groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(groups, list | tuple) or not isinstance(saved_state, dict):
            raise ValueError("optimizer state_dict: 'param_groups' must be a list, 'state' a dict")
        if len(groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                f"{len(self.param_groups)}"
            )
        params: dict[int, Tensor] = {}
        merged_groups = []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups, strict=True)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), list | tuple):
                raise ValueError(f"loaded parameter group {i} must be a dict with a 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict has a group of {len(saved['params'])} parameters where "
                    f"the optimizer's group has {len(group['params'])}"
                )
            self._check_keys(saved, f"{name}.load_state_dict: parameter group {i}")
            merged = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            self._validate(merged)
            merged_groups.append(merged)
            for key, p in zip(saved["params"], group["params"], strict=True):
                params[_whole(key, "a parameter index")] = p
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entry in saved_state.items():
            index = _whole(key, "a state key")
            if index not in params:
                raise ValueError(
                    f"loaded state refers to parameter {index}, which is not in any group"
                )
            p = params[index]
            new_state[p] = self._restored_state(p, index, entry)
        for merged, group in zip(merged_groups, self.param_groups, strict=True):
            group.update({k: v for k, v in merged.items() if k != "params"})
        self.state = new_state
        self._state_arrays = {p: p._array for p in new_state}
        self._packs.clear()  # the packs' members now have the loaded states
        self._packings_left = self.packable

    def _restored_state(self, p: Tensor, index: int, entry: Any) -> dict[str, Any]:
        """One parameter's saved state, checked and copied (see ``load_state_dict``)."""
        name = type(self).__name__
        if not isinstance(entry, dict):
            raise ValueError(f"the state of parameter {index} must be a dict")
        present = {k for k, v in entry.items() if v is not None}  # PyTorch's SGD saves None
        foreign = present - self.state_keys
        missing = self.required_state - present if present else set()
        if foreign or missing:
            raise ValueError(
                f"{name}.load_state_dict: the state of parameter {index} has "
                + (f"buffers {sorted(foreign)} that {name} does not keep" if foreign else "")
                + (" and " if foreign and missing else "")
                + (f"no {sorted(missing)}" if missing else "")
                + " (was it saved by another optimizer?)"
            )
        restored: dict[str, Any] = {}
        for key, value in entry.items():
            if value is None:
                continue
            if key == "step":  # the step and scalar_state are numbers; the rest buffers like p
                restored[key] = _whole(value, f"the step of parameter {index}")
                continue
            if key in self.scalar_state:  # or a number of the optimizer's own
                restored[key] = self._restored_scalar(key, value, p, index)
                continue
            if isinstance(value, Tensor):
                value = value._array
            value = np.asarray(value)
            if value.shape != p._array.shape or value.dtype != p._array.dtype:
                raise ValueError(
                    f"state '{key}' of parameter {index} has shape {value.shape} and dtype "
                    f"{value.dtype}; the parameter has {p._array.shape} and {p._array.dtype}"
                )
            restored[key] = np.array(value, order="C")
        return restored

    def _restored_scalar(self, key: str, value: Any, p: Tensor, index: int) -> Any:
        """A saved state number named in ``scalar_state``: a float (a number, or a 0-d
        array or Tensor as PyTorch saves one); an optimizer that keeps it otherwise (NAdam's
        product in a given dtype) overrides this."""
        return _scalar(value, f"state '{key}' of parameter {index}")

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])

    def _gather(self) -> list[tuple[Any, ...]]:
        """Per group: the parameters that have a gradient, their arrays, the gradients, the
        parameters' states, the group's plan (``_plan_for``) and None; then, per pack of
        the group's small parameters (``_pack.py``), its members, None, their gradients,
        None, the plan and the pack.

        Every gradient is checked to fit its parameter (the kernels trust their inputs)
        before any is used, so a bad one stops ``step`` before anything has changed; only
        then are the states of parameters on their first step made (``init_state``).
        Buffers for an option turned on later (momentum, amsgrad) are made where the
        update needs them, in the update loop.
        """
        work: list[tuple[Any, ...]] = []
        state_of = self.state.get
        fresh = []  # where a state is still to be made: (states, index, parameter, group)
        for group in self.param_groups:
            packs, todo = self._packs_of(group)
            params: list[Tensor] = []
            arrays: list[np.ndarray] = []
            grads: list[np.ndarray] = []
            states: list[Any] = []
            for p in todo:
                grad = p.grad
                if grad is None:
                    continue
                d, g = p._array, grad._array
                flags = d.flags
                if (
                    g.shape != d.shape
                    or g.dtype != d.dtype
                    or not (flags.c_contiguous and flags.writeable and g.flags.c_contiguous)
                ):
                    self._refuse(d, g)
                state = state_of(p)
                if state is None:
                    fresh.append((states, len(states), p, group))
                elif self._state_arrays.get(p) is not d:  # new data since: check the state
                    self._check_state_fits(p, state)
                    self._state_arrays[p] = d
                params.append(p)
                arrays.append(d)
                grads.append(g)
                states.append(state)
            if params or packs:
                plan = self._plan_for(group, arrays + [pack.flat for pack, _ in packs])
                if params:
                    work.append((params, arrays, grads, states, plan, None))
                work += [
                    (pack.members, None, pack_grads, None, plan, pack) for pack, pack_grads in packs
                ]
        for states, i, p, group in fresh:  # every gradient fits: now states may be made
            states[i] = self.state[p] = self.init_state(p, group)
            self._state_arrays[p] = p._array
        return work

    def _packs_of(
        self, group: dict[str, Any]
    ) -> tuple[list[tuple[Pack, list[np.ndarray]]], list[Tensor]]:
        """The group's packs that can step now, with their gradients, and the parameters
        left to the per-tensor loop.  A pack whose members changed (a member without a
        gradient, data replaced, the group's list edited) is dissolved first: its
        members go back to the per-tensor loop, which checks them as usual."""
        key = id(group)
        entry = self._packs.get(key)
        if entry is None:
            return [], group["params"]
        owner, members, packs, rest = entry
        params = group["params"]
        ready = []
        if (
            owner is group
            and len(params) == len(members)
            and all(map(operator.is_, params, members))
        ):
            for pack in packs:
                pack_grads = pack.gradients()
                if pack_grads is None:
                    break
                ready.append((pack, pack_grads))
            else:
                return ready, rest
        del self._packs[key]
        self._packings_left = self.packable  # the group's other tensors may pack later
        return [], params

    def _check_state_fits(self, p: Tensor, state: dict[str, Any]) -> None:
        """A parameter whose data was replaced since its state was made (``p.data = ...``,
        ``model.double()``) must still fit its state's buffers, as PyTorch requires."""
        d = p._array
        for name, buf in state.items():
            if isinstance(buf, np.ndarray) and (buf.shape != d.shape or buf.dtype != d.dtype):
                raise RuntimeError(
                    f"{type(self).__name__}.step: state '{name}' has shape {buf.shape} and "
                    f"dtype {buf.dtype}, but its parameter now has shape {d.shape} and dtype "
                    f"{d.dtype} (was the model converted or resized after steps?  Make the "
                    "optimizer again after model.double() / .float(), as in PyTorch)"
                )

    def _refuse(self, d: np.ndarray, g: np.ndarray) -> None:
        """Raise the error that says why gradient ``g`` cannot update parameter ``d``."""
        if g.shape != d.shape or g.dtype != d.dtype:
            raise RuntimeError(
                f"{type(self).__name__}.step: gradient of shape {g.shape} and dtype "
                f"{g.dtype} does not match its parameter of shape {d.shape} and dtype "
                f"{d.dtype}"
            )
        if not d.flags.writeable:
            raise RuntimeError(
                f"{type(self).__name__}.step: the data of the parameter of shape {d.shape} "
                "is read-only"
            )
        raise RuntimeError(
            f"{type(self).__name__}.step: parameter of shape {d.shape} or its "
            "gradient is not C-contiguous"
        )


def _check_implementation(owner: str, hyperparameters: dict[str, Any]) -> None:
    """PyTorch's switches between its own implementations of one update: ``foreach`` (a
    Python loop or batched kernels), ``fused`` (one kernel), ``capturable`` (state kept for
    CUDA graphs).  We have one implementation, a fused Numba kernel per parameter (or per
    pack), so they change nothing and are kept in the groups as PyTorch keeps them.
    ``differentiable=True`` asks for the update itself to be recorded by autograd, which
    ours is not: refused rather than silently ignored."""
    for name in ("foreach", "fused"):
        value = hyperparameters.get(name)
        if value is not None and type(value) is not bool:
            raise TypeError(
                f"{name} must be None, True or False, got {type(value).__name__}: {value!r}"
            )
    if hyperparameters.get("foreach") and hyperparameters.get("fused"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if hyperparameters.get("differentiable"):
        raise RuntimeError(
            f"{owner}(differentiable=True) is not supported: tinygrad_rms updates parameters "
            "outside autograd, so the update cannot be differentiated"
        )


@functools.cache
def _hyperparameters(cls: type[Optimizer]) -> frozenset[str]:
    """The hyperparameters of an optimizer class: its constructor's arguments."""
    names = inspect.signature(cls.__init__).parameters
    return frozenset(n for n in names if n not in ("self", "params"))


@functools.cache
def _flags(cls: type[Optimizer]) -> frozenset[str]:
    """The on/off options of an optimizer class: its constructor's arguments whose default
    is True or False (maximize, centered, nesterov, amsgrad, the convention flags)."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return frozenset(p.name for p in parameters if type(p.default) is bool)


def _all_hyperparameters() -> frozenset[str]:
    """Every optimizer class's hyperparameters together (to recognise another's state)."""
    classes, names = list(Optimizer.__subclasses__()), set[str]()
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        names |= _hyperparameters(cls)  # type: ignore[arg-type]
    return frozenset(names)


def _scalar(value: Any, what: str) -> float:
    """``value`` (a number, or a 0-d array or Tensor as PyTorch saves one) as a float; else
    a ValueError naming ``what``."""
    if isinstance(value, Tensor):
        value = value._array
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
        value = value.item()
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise ValueError(f"{what} must be a number, got {value!r}")
    return float(value)


def _whole(value: Any, what: str) -> int:
    """``value`` as a non-negative int, if it is one (PyTorch saves Adam's step as a float
    tensor, ``tensor(3.)``); else a ValueError naming ``what``."""
    if isinstance(value, Tensor):
        value = value._array
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        raise ValueError(f"{what} must be a non-negative whole number, got {value!r}")
    if not (math.isfinite(value) and value >= 0 and value == int(value)):
        raise ValueError(f"{what} must be a non-negative whole number, got {value!r}")
    return int(value)
