"""Small parameters updated together: one kernel call per group, not one per tensor.

For a small tensor, a step's cost is Python's, not the kernel's: the fused update of 10
elements takes ~50 ns, while the kernel call (Numba's dispatch of five arguments) and the
loop around it take ~2 µs.  So after a step, an optimizer moves each group's small
parameters (at most ``PACK_MAX_SIZE`` elements each, of one dtype) into one flat buffer:
each parameter's data becomes a view of its slice, as in tinygrad's fused optimizers and
apex's flat master weights, and their state buffers move likewise.  From then on a step
copies their gradients into one flat gradient buffer (``np.concatenate``, one C call) and
runs the optimizer's own update loop on the flat arrays as if they were one parameter.
The updates are elementwise, so every element gets the same arithmetic as in the
per-tensor loop: the results are bit for bit the same.

What stays as in PyTorch: each parameter is the same Tensor, with data of its own shape;
``optimizer.state[p]`` holds its own buffers (views of the flat ones) and its own step
count; ``state_dict`` is unchanged.  A parameter is moved only while nothing else can see
its memory (no view, ``.numpy()`` array, ``.data`` or ``detach()`` tensor of it is alive,
judged by the array's reference count), so no alias silently stops following training.
A pack is dissolved (its members go back to the per-tensor loop, keeping their views) when
a member has no gradient, its data was replaced, or the state was loaded; it is made again
after a later step, at most ``MAX_PACKINGS`` times per group.  Large tensors always keep
their own call: for them, copying the gradient would cost more than the call it saves.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np

__all__ = ["MAX_PACKINGS", "PACK_MAX_SIZE", "PACK_MIN_MEMBERS", "Pack", "make_packs"]

#: Tensors of at most this many elements are packed.  Measured on the 2-core benchmark
#: machine: the per-tensor loop costs ~2 µs per tensor beyond the kernel's arithmetic, the
#: gradient copy ~0.2 ns per element, so packing wins up to ~10⁴ elements; 4,096 leaves
#: a margin on machines with slower memory.
PACK_MAX_SIZE = 4096

#: A pack steps with a fixed cost of a few microseconds (gathering and checking the
#: gradients, the copy, sharing the step count) where each tensor it takes out of the
#: per-tensor loop saves about one: measured break-even at 5–6 small tensors, so fewer
#: than this many stay in the loop (a 2-layer MLP's four tensors would be slower packed).
PACK_MIN_MEMBERS = 6

#: How many times a group's packs may be made (a group whose members keep missing
#: gradients would otherwise be packed and dissolved at every step).
MAX_PACKINGS = 3

_array_of = operator.attrgetter("_array")
_grad_of = operator.attrgetter("_grad")
_shape_of = operator.attrgetter("shape")
_dtype_of = operator.attrgetter("dtype")


class Pack:
    """Parameters of one group and dtype whose data and state buffers are views of flat
    arrays; ``state`` is the flat state the update loop sees (buffers of the total size,
    and the scalars the members share, e.g. ``step``)."""

    __slots__ = (
        "buffers",
        "dtype",
        "flat",
        "grad_flat",
        "members",
        "shapes",
        "state",
        "states",
        "views",
    )

    def __init__(
        self, members: list[Any], states: list[dict[str, Any]], buffers: list[str]
    ) -> None:
        arrays = [p._array for p in members]
        self.members = members
        self.states = states
        self.dtype = arrays[0].dtype
        self.shapes = [a.shape for a in arrays]
        total = sum(a.size for a in arrays)
        self.flat = _gather_into(np.empty(total, self.dtype), arrays)
        self.grad_flat = np.empty(total, self.dtype)
        self.state = {k: v for k, v in states[0].items() if k not in buffers}  # the scalars
        self.buffers: list[str] = []
        self.views = self._views(self.flat)
        for p, view in zip(members, self.views, strict=True):
            p._array = view
        for name in buffers:
            flat = _gather_into(np.empty(total, self.dtype), [s[name] for s in states])
            self._adopt(name, flat)

    def _views(self, flat: np.ndarray) -> list[np.ndarray]:
        """``flat`` cut into the members' shapes."""
        views, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape))
            views.append(flat[start : start + size].reshape(shape))
            start += size
        return views

    def _adopt(self, name: str, flat: np.ndarray) -> None:
        """Make flat buffer ``name`` the pack's, and each member's state its slice."""
        self.state[name] = flat
        self.buffers.append(name)
        for state, view in zip(self.states, self._views(flat), strict=True):
            state[name] = view

    def gradients(self) -> list[np.ndarray] | None:
        """The members' gradients, if every member has one that fits and its data is still
        the pack's view (``p.data = ...`` replaces it); else None: the pack must be
        dissolved, and the per-tensor loop checks (and refuses) what does not fit."""
        members = self.members
        try:
            arrays = list(map(_array_of, map(_grad_of, members)))
        except AttributeError:  # a member without a gradient (None has no _array)
            return None
        if (
            list(map(_shape_of, arrays)) != self.shapes
            or not all(map(operator.is_, map(_dtype_of, arrays), repeat(self.dtype)))
            or not all(map(operator.is_, map(_array_of, members), self.views))
        ):
            return None
        return arrays

    def step(self, update: Any, grads: Sequence[np.ndarray], plan: Any) -> None:
        """Run ``update`` (an optimizer's loop) once on the flat arrays, then share what it
        changed with the members' own states."""
        np.concatenate(grads, axis=None, out=self.grad_flat)
        state = self.state
        update([self.flat], [self.grad_flat], [state], plan)
        for name, value in state.items():
            if name in self.buffers:
                continue
            if isinstance(value, np.ndarray) and value.shape == self.flat.shape:
                self._adopt(name, value)  # a buffer made by the update (momentum turned on)
            else:
                for member_state in self.states:
                    member_state[name] = value


def make_packs(params: Sequence[Any], states: dict[Any, dict[str, Any]], owners: int) -> list[Pack]:
    """Packs of ``params`` (one group's parameters that took the last step): those of at
    most ``PACK_MAX_SIZE`` elements (not 0-d: their buffers would look like scalar state)
    that own memory only they see, grouped by dtype and by what their states hold (the
    same numbers, buffers shaped like the parameter); a pack needs ``PACK_MIN_MEMBERS``.

    Only an array that owns its memory is moved: a view's aliases would not show in its
    reference count (numpy points them at the owner).  So a member of a dissolved pack
    (whose data stays a view of the old flat buffer) is never packed again.  ``owners`` is
    how many references to each array the caller holds itself.
    """
    by_dtype: dict[tuple[Any, ...], list[Any]] = {}
    for p in params:
        a = p._array
        state = states.get(p)
        # references: the Tensor's slot, `a`, getrefcount's argument and the caller's own
        if (
            state is None
            or not 0 < a.ndim
            or a.size > PACK_MAX_SIZE
            or not (a.flags.c_contiguous and a.flags.writeable and a.flags.owndata)
            or sys.getrefcount(a) != 3 + owners
        ):
            continue
        signature = (a.dtype, *_signature(state, a))
        by_dtype.setdefault(signature, []).append(p)
    packs = []
    for signature, members in by_dtype.items():
        if len(members) >= PACK_MIN_MEMBERS:
            buffers = [name for name, kind in signature[1:] if kind == "buffer"]
            packs.append(Pack(members, [states[p] for p in members], buffers))
    return packs


def _signature(state: dict[str, Any], like: np.ndarray) -> tuple[tuple[str, Any], ...]:
    """What a state must share with its pack's others: each buffer's name (an array shaped
    and typed like the parameter, C-contiguous) and each other entry's value."""
    entries: list[tuple[str, object]] = []
    for name, value in state.items():
        if (
            isinstance(value, np.ndarray)
            and value.shape == like.shape
            and value.dtype == like.dtype
            and value.flags.c_contiguous
        ):
            entries.append((name, "buffer"))
        elif isinstance(value, int | float | str | bool | np.generic | None):
            entries.append((name, value))  # a number the members share (step, mu_product)
        else:  # anything else (a 0-d array, a list): not packed
            entries.append((name, object()))
    return tuple(entries)


def _gather_into(flat: np.ndarray, arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Copy ``arrays`` one after the other into ``flat``; returns it."""
    np.concatenate(arrays, axis=None, out=flat)
    return flat
