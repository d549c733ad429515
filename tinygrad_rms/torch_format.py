"""Reading ``torch.save`` files (PyTorch ≥ 1.6's zip format) without PyTorch, and safely.

The format
    A zip archive whose members sit in one folder (``archive/``, or the file's stem in
    older versions): ``data.pkl`` is the saved object as a pickle (protocol 2 unless the
    caller chose another), ``data/<key>`` the raw bytes of each storage, ``byteorder``
    ("little" or "big"), and ``version``, ``.format_version``… bookkeeping.  A tensor in
    the pickle is the call ``torch._utils._rebuild_tensor_v2(storage, offset, size,
    stride, requires_grad, hooks)``, whose storage is a *persistent id*
    ``("storage", torch.FloatStorage, key, location, numel)`` naming ``data/<key>``.

Why reading one cannot run code
    ``data.pkl`` is never given to :mod:`pickle`.  :class:`_Interpreter` executes the
    pickle opcodes itself.  It knows the opcodes that build plain values (numbers,
    strings, bytes, tuples, lists, dicts, sets), the memo, MARK/POP/DUP, and only four
    kinds that touch objects:

    * GLOBAL / STACK_GLOBAL import nothing: the name is looked up in a table of *our
      own* stand-ins (its names are ``ADMITTED_NAMES``).  Any other name raises
      ValueError at that opcode, before anything could call it, so a file cannot reach
      ``os.system``, ``eval``, ``getattr`` — nor any real torch or numpy function.
    * REDUCE / NEWOBJ call only stand-ins from that table (whatever else is on the
      stack is refused); each checks its arguments and builds numbers, containers,
      numpy arrays of numeric dtypes or tinygrad_rms Tensors.
    * BUILD (setting an object's state) is accepted only on an ``OrderedDict`` (a state
      dict's ``_metadata``; a name that would shadow a method is refused) and on the
      numpy dtype/array placeholders our stand-ins make, with checked states.
    * BINPERSID must be a storage id; storages are raw bytes read from the zip.  Each
      tensor's offset, size and stride are checked against its storage before numpy
      forms the view, and the view is copied.

    Every other opcode (INST, OBJ, EXT1/2/4 — which name classes or consult
    ``copyreg`` —, the text-mode ones) is refused.  So what a file can produce is only
    None, bools, ints, floats, complex numbers, strings, bytes, tuples, lists, dicts,
    OrderedDicts, sets, numpy arrays and scalars of numeric dtypes, dtypes (as numpy
    dtypes), the CPU device, and tinygrad_rms Tensors and Parameters.

Differences from ``torch.load``: every storage lands on the CPU (the only device);
tensors that shared a storage come back as independent copies; bfloat16, complex and
quantized tensors, tensor subclasses and the legacy (pre-1.6) format are refused with a
message saying so.
"""

from __future__ import annotations

import collections
import math
import re
import struct
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

from .device import as_device
from .device import device as Device
from .tensor import Tensor

__all__ = [
    "ADMITTED_NAMES",
    "LEGACY_MAGIC",
    "check_map_location",
    "is_torch_archive",
    "read_torch_archive",
]

#: How ``torch.save(..., _use_new_zipfile_serialization=False)`` files begin: PROTO 2,
#: then LONG1 with PyTorch's magic number 0x1950a86a20f9469cfc6c.
LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"

#: A view may repeat its storage's elements (stride 0, as ``expand`` makes) up to this
#: many bytes; beyond it a crafted file could ask for unbounded memory.
MAX_EXPANDED_BYTES = 1 << 30


class _Bad(Exception):
    """A problem with the file; ``read_torch_archive`` turns it into ValueError."""


# ----------------------------------------------------------------------------- the zip
def is_torch_archive(names: list[str]) -> str | None:
    """The folder (``"archive/"``) if ``names`` are a torch.save zip's members, else None."""
    pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
    if len(pickles) != 1:
        return None
    return pickles[0][: -len("data.pkl")]


def read_torch_archive(zf: zipfile.ZipFile, name: str, map_location: Any = None) -> Any:
    """The object saved in the torch.save archive ``zf`` (``name`` is used in errors).

    Raises ValueError naming the file for anything refused, corrupt or unsupported.
    """
    check_location = check_map_location(map_location)
    names = zf.namelist()
    prefix = is_torch_archive(names)
    if prefix is None:
        raise ValueError(f"load: {name} is not a PyTorch checkpoint (no data.pkl)")
    if f"{prefix}constants.pkl" in names or any(n.startswith(f"{prefix}code/") for n in names):
        raise ValueError(
            f"load: {name} is a TorchScript archive (torch.jit.save), not a checkpoint of "
            "tensors; save model.state_dict() with torch.save instead"
        )
    try:
        byteorder = "little"
        if f"{prefix}byteorder" in names:
            byteorder = zf.read(f"{prefix}byteorder").decode("ascii", "replace").strip()
            if byteorder not in ("little", "big"):
                raise _Bad(f"unknown byte order {byteorder!r}")
        storages = _Storages(zf, prefix, "<" if byteorder == "little" else ">")
        program = zf.read(f"{prefix}data.pkl")
        result = _Interpreter(program, storages, check_location).run()
        _refuse_cycles(result)
        return result
    except _Bad as e:
        raise ValueError(f"load: {name}: {e}") from None
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as e:
        raise ValueError(
            f"load: {name} is corrupt or truncated ({type(e).__name__}: {e})"
        ) from None
    except (
        IndexError,
        KeyError,
        TypeError,
        ValueError,
        struct.error,
        OverflowError,
        UnicodeDecodeError,
    ) as e:
        raise ValueError(
            f"load: {name} holds a malformed pickle ({type(e).__name__}: {e})"
        ) from None


#: How deep the loaded containers may nest (as ``serialization.MAX_DEPTH`` for our files).
MAX_DEPTH = 100


def _refuse_cycles(root: Any) -> None:
    """Refuse a loaded object that contains itself (a pickle's memo can build one) or nests
    deeper than ``MAX_DEPTH``: walked without recursion, each container once."""
    stack: list[tuple[Any, tuple[int, ...]]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        obj, path = stack.pop()
        if not isinstance(obj, list | tuple | dict):
            continue
        if id(obj) in path:
            raise _Bad("a container in it contains itself")
        if len(path) >= MAX_DEPTH:
            raise _Bad(f"containers nest deeper than {MAX_DEPTH} levels")
        if id(obj) in seen:  # shared, not circular (checked on its first path)
            continue
        seen.add(id(obj))
        inner = (*path, id(obj))
        items = obj.values() if isinstance(obj, dict) else obj
        stack.extend((item, inner) for item in items)


def check_map_location(map_location: Any) -> Callable[[_StorageRef], None]:
    """What ``map_location`` asks for, checked: every storage goes to the CPU (the only
    device).  A string or device, a dict of locations, or a callable like torch's
    ``lambda storage, loc: storage`` are accepted; asking for a GPU is an error."""
    if map_location is None:
        return lambda ref: None
    if isinstance(map_location, str | Device):
        as_device(map_location)
        return lambda ref: None
    if isinstance(map_location, dict):
        for target in map_location.values():
            as_device(target)
        return lambda ref: None
    if callable(map_location):

        def call(ref: _StorageRef) -> None:
            try:
                result = map_location(ref, ref.location)
            except RuntimeError:
                raise
            except Exception as e:  # the caller's function failed, not the file
                raise RuntimeError(f"map_location raised {type(e).__name__}: {e}") from e
            if result is not None and result is not ref:
                raise RuntimeError(
                    "map_location must return the storage it was given (or None): "
                    "tinygrad_rms keeps every storage on the CPU"
                )

        return call
    raise TypeError(
        "map_location must be None, a string, a device, a dict or a callable, got "
        f"{type(map_location).__name__}"
    )


class _StorageType:
    """What ``torch.FloatStorage`` & co. stand for here: an element dtype (None for
    ``UntypedStorage``, whose numel counts bytes)."""

    __slots__ = ("dtype", "name")

    def __init__(self, name: str, dtype: np.dtype | None) -> None:
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"<storage type {self.name}>"


class _StorageRef:
    """A storage named by a persistent id: its key, type, location and size.  It also
    answers the few calls a ``map_location`` callable makes on a storage."""

    __slots__ = ("key", "location", "nbytes", "storage_type")

    def __init__(self, key: str, storage_type: _StorageType, location: str, numel: int) -> None:
        self.key, self.storage_type, self.location = key, storage_type, location
        itemsize = 1 if storage_type.dtype is None else storage_type.dtype.itemsize
        self.nbytes = numel * itemsize

    def cpu(self) -> _StorageRef:
        return self

    def to(self, device: Any = None, *args: Any, **kwargs: Any) -> _StorageRef:
        as_device(device)
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> _StorageRef:
        as_device("cuda")  # the device module's error: no GPU here
        return self

    def __repr__(self) -> str:
        return f"<storage {self.key} ({self.storage_type.name}, {self.nbytes} bytes)>"


class _Storages:
    """The ``data/<key>`` members, read once each and checked against their declared size."""

    def __init__(self, zf: zipfile.ZipFile, prefix: str, byteorder: str) -> None:
        self.zf, self.prefix, self.byteorder = zf, prefix, byteorder
        self.cache: dict[str, bytes] = {}

    def read(self, ref: _StorageRef) -> bytes:
        raw = self.cache.get(ref.key)
        if raw is None:
            member = f"{self.prefix}data/{ref.key}"
            try:
                info = self.zf.getinfo(member)
            except KeyError:
                raise _Bad(f"the storage {ref.key!r} is missing from the archive") from None
            if info.file_size != ref.nbytes:
                raise _Bad(
                    f"the storage {ref.key!r} holds {info.file_size} bytes where the pickle "
                    f"declares {ref.nbytes}"
                )
            raw = self.zf.read(member)
            if len(raw) != ref.nbytes:
                raise _Bad(f"the storage {ref.key!r} is truncated")
            self.cache[ref.key] = raw
        elif len(raw) != ref.nbytes:
            raise _Bad(f"the storage {ref.key!r} is declared with two different sizes")
        return raw


# ----------------------------------------------------------------------------- values
def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise _Bad(f"{what} must be an int, got {type(value).__name__}")
    return value


def _ints(value: Any, what: str) -> tuple[int, ...]:
    if not isinstance(value, tuple | list):
        raise _Bad(f"{what} must be a tuple of ints, got {type(value).__name__}")
    return tuple(_int(v, what) for v in value)


def _tensor_view(
    raw: bytes, dtype: np.dtype, byteorder: str, offset: Any, size: Any, stride: Any
) -> np.ndarray:
    """A fresh C-contiguous copy of the view (``offset``, ``size``, ``stride``, counted in
    elements) of the storage bytes ``raw``, after checking that it stays inside them."""
    offset, size, stride = _int(offset, "offset"), _ints(size, "size"), _ints(stride, "stride")
    if len(size) != len(stride):
        raise _Bad(f"a tensor has size {size} but stride {stride}")
    if offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise _Bad(f"a tensor has a negative offset, size or stride ({offset}, {size}, {stride})")
    itemsize = dtype.itemsize
    numel = len(raw) // itemsize
    count = math.prod(size)
    if count == 0:
        return np.empty(size, dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if last >= numel:
        raise _Bad(
            f"a tensor view (offset {offset}, size {size}, stride {stride}) reaches element "
            f"{last} of a storage of {numel}"
        )
    if count * itemsize > max(len(raw), MAX_EXPANDED_BYTES):
        raise _Bad(f"a tensor view of size {size} would need {count * itemsize} bytes")
    stored = dtype.newbyteorder(byteorder) if dtype.kind != "b" else np.dtype(np.uint8)  # type: ignore[arg-type]
    flat = np.frombuffer(raw, stored, count=numel)
    strides = tuple((s if n > 1 else 0) * itemsize for n, s in zip(size, stride, strict=True))
    view = np.lib.stride_tricks.as_strided(flat[offset:], shape=size, strides=strides)
    if dtype.kind == "b":
        return np.not_equal(view, 0, order="C")  # a new array; nonzero bytes are True
    return np.array(view, dtype=dtype, order="C")  # native byte order, a copy


_TORCH_DTYPES = {
    "float16": np.float16,
    "half": np.float16,
    "float32": np.float32,
    "float": np.float32,
    "float64": np.float64,
    "double": np.float64,
    "int8": np.int8,
    "int16": np.int16,
    "short": np.int16,
    "int32": np.int32,
    "int": np.int32,
    "int64": np.int64,
    "long": np.int64,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "bool": np.bool_,
}

_STORAGE_TYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}

_UNSUPPORTED = {
    "torch.BFloat16Storage": "bfloat16 tensors (numpy has no bfloat16; save t.float())",
    "torch.bfloat16": "bfloat16 tensors (numpy has no bfloat16; save t.float())",
    "torch.ComplexFloatStorage": "complex tensors",
    "torch.ComplexDoubleStorage": "complex tensors",
    "torch.QInt8Storage": "quantized tensors",
    "torch.QUInt8Storage": "quantized tensors",
    "torch.QInt32Storage": "quantized tensors",
    "torch.QUInt4x2Storage": "quantized tensors",
    "torch.QUInt2x4Storage": "quantized tensors",
    "torch._utils._rebuild_qtensor": "quantized tensors",
    "torch._utils._rebuild_sparse_tensor": "sparse tensors",
    "torch._utils._rebuild_wrapper_subclass": "tensor subclasses",
    "torch._tensor._rebuild_from_type_v2": "tensor subclasses or tensors with attributes",
}


class _PendingDType:
    """``numpy.dtype(...)`` before its BUILD sets the byte order."""

    __slots__ = ("base", "memo_keys")

    def __init__(self, base: np.dtype) -> None:
        self.base = base
        self.memo_keys: list[Any] = []


class _PendingArray:
    """``numpy.core.multiarray._reconstruct(...)`` before its BUILD supplies the data."""

    __slots__ = ("memo_keys",)

    def __init__(self) -> None:
        self.memo_keys: list[int] = []


_NDARRAY = object()  # what the name numpy.ndarray stands for: _reconstruct's first argument
_NUMPY_DTYPE_SPEC = re.compile(r"[<>|=]?(?:[biufc]\d{1,2}|\?)")


def _resolve_dtype(value: Any) -> np.dtype:
    if isinstance(value, _PendingDType):
        value = value.base
    if not isinstance(value, np.dtype) or value.kind not in "biufc" or value.hasobject:
        raise _Bad(f"expected a numeric numpy dtype, got {value!r}")
    return value


class _Callable:
    """An admitted callable: REDUCE and NEWOBJ call nothing else."""

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.name, self.fn = name, fn

    def __repr__(self) -> str:
        return f"<admitted {self.name}>"


# ----------------------------------------------------------------------------- the interpreter
class _Interpreter:
    """Runs a pickle program with the admitted names only (see the module docstring)."""

    def __init__(
        self,
        program: bytes,
        storages: _Storages | None,
        check_location: Callable[[_StorageRef], None] | None,
    ) -> None:
        self.data = program
        self.pos = 0
        self.storages = storages
        self.check_location = check_location
        self.admitted = self._admitted()

    # -- reading the program
    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _Bad("the pickle is truncated")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def line(self) -> str:
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise _Bad("the pickle is truncated")
        text = self.data[self.pos : end].decode("utf-8")
        self.pos = end + 1
        return text

    # -- running it
    def run(self) -> Any:
        stack: list[Any] = []
        marks: list[list[Any]] = []
        memo: dict[int, Any] = {}

        def pop_mark() -> list[Any]:
            nonlocal stack
            if not marks:
                raise _Bad("the pickle pops a MARK it never set")
            items, stack = stack, marks.pop()
            return items

        def put(key: int) -> None:
            value = stack[-1]
            memo[key] = value
            if isinstance(value, _PendingArray | _PendingDType):
                value.memo_keys.append(key)

        def get(key: int) -> None:
            if key not in memo:
                raise _Bad(f"the pickle refers to memo entry {key}, which it never stored")
            stack.append(memo[key])

        while True:
            if self.pos >= len(self.data):
                raise _Bad("the pickle ends before its STOP opcode (truncated)")
            at = self.pos
            op = self.data[at]
            self.pos += 1
            if op == 0x80:  # PROTO
                proto = self.take(1)[0]
                if proto > 5:
                    raise _Bad(f"unknown pickle protocol {proto}")
            elif op == 0x95:  # FRAME
                self.take(8)
            elif op == 0x2E:  # STOP
                if not stack or marks:
                    raise _Bad("the pickle stops with an unbalanced stack")
                return stack.pop()
            elif op == 0x28:  # MARK
                marks.append(stack)
                stack = []
            elif op == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == 0x31:  # POP_MARK
                pop_mark()
            elif op == 0x32:  # DUP
                stack.append(stack[-1])
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op == 0x88:  # NEWTRUE
                stack.append(True)
            elif op == 0x89:  # NEWFALSE
                stack.append(False)
            elif op == 0x4A:  # BININT
                stack.append(self.unpack("<i"))
            elif op == 0x4B:  # BININT1
                stack.append(self.take(1)[0])
            elif op == 0x4D:  # BININT2
                stack.append(self.unpack("<H"))
            elif op in (0x8A, 0x8B):  # LONG1, LONG4
                n = self.take(1)[0] if op == 0x8A else self.unpack("<i")
                stack.append(int.from_bytes(self.take(n), "little", signed=True))
            elif op == 0x47:  # BINFLOAT
                stack.append(self.unpack(">d"))
            elif op in (0x58, 0x8C, 0x8D):  # BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                n = self.unpack({0x58: "<I", 0x8C: "<B", 0x8D: "<Q"}[op])
                stack.append(self.take(n).decode("utf-8", "surrogatepass"))
            elif op in (0x42, 0x43, 0x8E, 0x96):  # BINBYTES, SHORT_BINBYTES, …8, BYTEARRAY8
                n = self.unpack({0x42: "<I", 0x43: "<B", 0x8E: "<Q", 0x96: "<Q"}[op])
                chunk = self.take(n)
                stack.append(bytearray(chunk) if op == 0x96 else chunk)
            elif op == 0x29:  # EMPTY_TUPLE
                stack.append(())
            elif op == 0x74:  # TUPLE
                items = pop_mark()  # before looking up `stack`: pop_mark rebinds it
                stack.append(tuple(items))
            elif op in (0x85, 0x86, 0x87):  # TUPLE1, TUPLE2, TUPLE3
                n = op - 0x84
                if len(stack) < n:
                    raise _Bad("the pickle's stack is too short")
                top = tuple(stack[-n:])
                del stack[-n:]
                stack.append(top)
            elif op == 0x5D:  # EMPTY_LIST
                stack.append([])
            elif op == 0x6C:  # LIST
                items = pop_mark()
                stack.append(items)
            elif op == 0x61:  # APPEND
                value = stack.pop()
                self._target(stack, list).append(value)
            elif op == 0x65:  # APPENDS
                items = pop_mark()
                self._target(stack, list).extend(items)
            elif op == 0x7D:  # EMPTY_DICT
                stack.append({})
            elif op == 0x64:  # DICT
                items = pop_mark()
                stack.append(dict(zip(items[::2], items[1::2], strict=True)))
            elif op == 0x73:  # SETITEM
                value, key = stack.pop(), stack.pop()
                self._target(stack, dict)[key] = value
            elif op == 0x75:  # SETITEMS
                items = pop_mark()
                if len(items) % 2:
                    raise _Bad("SETITEMS with an odd number of items")
                target = self._target(stack, dict)
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif op == 0x8F:  # EMPTY_SET
                stack.append(set())
            elif op == 0x90:  # ADDITEMS
                items = pop_mark()
                self._target(stack, set).update(items)
            elif op == 0x91:  # FROZENSET
                items = pop_mark()
                stack.append(frozenset(items))
            elif op in (0x71, 0x72):  # BINPUT, LONG_BINPUT
                put(self.take(1)[0] if op == 0x71 else self.unpack("<I"))
            elif op == 0x70:  # PUT
                put(int(self.line()))
            elif op == 0x94:  # MEMOIZE
                put(len(memo))
            elif op in (0x68, 0x6A):  # BINGET, LONG_BINGET
                get(self.take(1)[0] if op == 0x68 else self.unpack("<I"))
            elif op == 0x67:  # GET
                get(int(self.line()))
            elif op == 0x63:  # GLOBAL
                module = self.line()
                stack.append(self._global(module, self.line()))
            elif op == 0x93:  # STACK_GLOBAL
                name, module = stack.pop(), stack.pop()
                if not isinstance(module, str) or not isinstance(name, str):
                    raise _Bad("STACK_GLOBAL with a non-string name")
                stack.append(self._global(module, name))
            elif op in (0x52, 0x81, 0x92):  # REDUCE, NEWOBJ, NEWOBJ_EX
                kwargs = stack.pop() if op == 0x92 else {}
                args = stack.pop()
                func = stack.pop()
                if not isinstance(func, _Callable):
                    raise _Bad(f"the pickle calls {_describe(func)}, which is not admitted")
                if not isinstance(args, tuple) or not isinstance(kwargs, dict) or kwargs:
                    raise _Bad(f"the pickle calls {func.name} with malformed arguments")
                stack.append(func.fn(*args))
            elif op == 0x62:  # BUILD
                state = stack.pop()
                self._build(stack, memo, state)
            elif op == 0x51:  # BINPERSID
                stack.append(self._persistent_load(stack.pop()))
            else:
                raise _Bad(
                    f"the pickle uses opcode {bytes([op])!r} at byte {at}, which is not "
                    "admitted (nothing was executed)"
                )

    @staticmethod
    def _target(stack: list[Any], kind: type) -> Any:
        if not stack or not isinstance(stack[-1], kind):
            found = type(stack[-1]).__name__ if stack else "nothing"
            raise _Bad(f"the pickle adds items to a {found}, not a {kind.__name__}")
        return stack[-1]

    # -- names
    def _global(self, module: str, name: str) -> Any:
        if module == "__builtin__":  # protocol 2 writes Python 3's builtins by their old name
            module = "builtins"
        full = f"{module}.{name}"
        if full in self.admitted:
            return self.admitted[full]
        if full in _UNSUPPORTED:
            raise _Bad(f"the checkpoint holds {_UNSUPPORTED[full]}, which is not supported")
        hint = ""
        if module == "__main__" or module.startswith(("torch.nn.", "torch.optim.")):
            hint = (
                " — a whole model or optimizer saved with torch.save(model)? Save "
                "model.state_dict() instead and load it with load_state_dict()"
            )
        raise _Bad(
            f"refusing the global {full!r}: only tensors, storages, OrderedDicts, plain "
            "containers, numbers, strings and numpy arrays are admitted (nothing was "
            f"executed){hint}"
        )

    def _admitted(self) -> dict[str, Any]:
        table: dict[str, Any] = {}

        def call(full: str, fn: Callable[..., Any]) -> None:
            table[full] = _Callable(full, fn)

        call("torch._utils._rebuild_tensor_v2", self._rebuild_tensor_v2)
        call("torch._utils._rebuild_tensor_v3", self._rebuild_tensor_v3)
        call("torch._utils._rebuild_parameter", self._rebuild_parameter)
        call("torch._utils._rebuild_parameter_with_state", self._rebuild_parameter_with_state)
        call("collections.OrderedDict", _ordered_dict)
        call("builtins.set", lambda items=(): set(_iterable(items)))
        call("builtins.frozenset", lambda items=(): frozenset(_iterable(items)))
        call("builtins.complex", _complex)
        call("builtins.bytearray", _bytearray)
        call("_codecs.encode", _latin1_encode)
        call("torch.Size", lambda dims=(): _ints(dims, "torch.Size"))
        call("torch.device", _torch_device)
        for where in ("numpy.core.multiarray", "numpy._core.multiarray"):
            call(f"{where}._reconstruct", _reconstruct)
            call(f"{where}.scalar", _numpy_scalar)
        for where in ("numpy.core.numeric", "numpy._core.numeric"):
            call(f"{where}._frombuffer", _numpy_frombuffer)
        call("numpy.dtype", _numpy_dtype)
        table["numpy.ndarray"] = _NDARRAY
        for storage, dtype in _STORAGE_TYPES.items():
            table[f"torch.{storage}"] = _StorageType(storage, np.dtype(dtype))
        for where in ("torch", "torch.storage"):
            table[f"{where}.UntypedStorage"] = _StorageType("UntypedStorage", None)
        for name, dtype in _TORCH_DTYPES.items():
            table[f"torch.{name}"] = np.dtype(dtype)
        return table

    # -- storages and tensors
    def _persistent_load(self, pid: Any) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise _Bad(f"unknown persistent id {_describe(pid)}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise _Bad(f"{_describe(storage_type)} is not a storage type")
        if not isinstance(key, str) or not isinstance(location, str):
            raise _Bad("a storage id's key and location must be strings")
        if _int(numel, "a storage's size") < 0:
            raise _Bad("a storage has a negative size")
        ref = _StorageRef(key, storage_type, location, numel)
        if self.check_location is not None:
            self.check_location(ref)
        return ref

    def _tensor(
        self, storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, dtype: Any
    ) -> Tensor:
        if not isinstance(storage, _StorageRef):
            raise _Bad(f"a tensor's storage is {_describe(storage)}, not a storage id")
        if not isinstance(requires_grad, bool):
            raise _Bad("a tensor's requires_grad must be a bool")
        if self.storages is None:
            raise _Bad("no storages to read")
        raw = self.storages.read(storage)
        data = _tensor_view(raw, dtype, self.storages.byteorder, offset, size, stride)
        tensor = Tensor._wrap(data)  # a fresh array of a checked dtype, owned by the tensor
        if requires_grad:
            if data.dtype.kind != "f":
                raise _Bad(f"a {data.dtype} tensor cannot require grad")
            tensor.requires_grad_(True)
        return tensor

    def _rebuild_tensor_v2(
        self,
        storage: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any,
        hooks: Any,
        metadata: Any = None,
    ) -> Tensor:
        _check_extras(hooks, metadata)
        if not isinstance(storage, _StorageRef) or storage.storage_type.dtype is None:
            raise _Bad("_rebuild_tensor_v2 needs a typed storage")
        return self._tensor(
            storage, offset, size, stride, requires_grad, storage.storage_type.dtype
        )

    def _rebuild_tensor_v3(
        self,
        storage: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any,
        hooks: Any,
        dtype: Any,
        metadata: Any = None,
    ) -> Tensor:
        _check_extras(hooks, metadata)
        if not isinstance(storage, _StorageRef) or storage.storage_type.dtype is not None:
            raise _Bad("_rebuild_tensor_v3 needs an untyped storage")
        if not isinstance(dtype, np.dtype) or dtype.type not in _TORCH_DTYPES.values():
            raise _Bad(f"_rebuild_tensor_v3 with the dtype {_describe(dtype)}")
        return self._tensor(storage, offset, size, stride, requires_grad, dtype)

    def _rebuild_parameter(self, data: Any, requires_grad: Any, hooks: Any) -> Tensor:
        from .nn.module import Parameter  # nn is loaded only when a file holds a Parameter

        _check_extras(hooks, None)
        if not isinstance(data, Tensor) or not isinstance(requires_grad, bool):
            raise _Bad("_rebuild_parameter needs a tensor and a bool")
        if requires_grad and data.dtype.kind != "f":
            raise _Bad(f"a {data.dtype} parameter cannot require grad")
        return Parameter(data._array, requires_grad=requires_grad)

    def _rebuild_parameter_with_state(
        self, data: Any, requires_grad: Any, hooks: Any, state: Any
    ) -> Tensor:
        parts = state if isinstance(state, tuple) else (state,)
        if any(part not in (None, {}) for part in parts):
            raise _Bad("a Parameter with extra attributes (a subclass?) is not supported")
        return self._rebuild_parameter(data, requires_grad, hooks)

    # -- BUILD
    def _build(self, stack: list[Any], memo: dict[int, Any], state: Any) -> None:
        if not stack:
            raise _Bad("BUILD with nothing to build")
        target = stack[-1]
        if type(target) is collections.OrderedDict:
            if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
                state = state[0]
            if not isinstance(state, dict):
                raise _Bad("the state of an OrderedDict must be a dict")
            for key in state:
                if not isinstance(key, str) or hasattr(collections.OrderedDict, key):
                    raise _Bad(f"refusing to set the attribute {key!r} on an OrderedDict")
            vars(target).update(state)
            return
        if isinstance(target, _PendingDType):
            built: Any = _build_dtype(target.base, state)
        elif isinstance(target, _PendingArray):
            built = _build_array(state)
        else:
            raise _Bad(f"refusing to BUILD (set the state of) {_describe(target)}")
        stack[-1] = built
        for key in target.memo_keys:
            if memo.get(key) is target:
                memo[key] = built


# ----------------------------------------------------------------------------- stand-ins
def _describe(value: Any) -> str:
    if isinstance(value, _Callable | _StorageType):
        return repr(value)
    return f"a {type(value).__name__}"


def _check_extras(hooks: Any, metadata: Any) -> None:
    """Backward hooks cannot be saved (torch writes an empty OrderedDict); tensor metadata
    (conjugate/negative bits…) is not supported."""
    if not isinstance(hooks, dict) or hooks:
        raise _Bad("a tensor with backward hooks is not supported")
    if metadata not in (None, {}):
        raise _Bad(f"tensor metadata {metadata!r} is not supported")


def _iterable(items: Any) -> Any:
    if not isinstance(items, list | tuple | set | frozenset):
        raise _Bad(f"expected a list of items, got {_describe(items)}")
    return items


def _ordered_dict(items: Any = ()) -> collections.OrderedDict:
    if isinstance(items, dict):
        return collections.OrderedDict(items)
    pairs = _iterable(items)
    if not all(isinstance(p, tuple | list) and len(p) == 2 for p in pairs):
        raise _Bad("OrderedDict needs (key, value) pairs")
    return collections.OrderedDict(pairs)


def _complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
    if not all(type(v) in (int, float) for v in (real, imag)):
        raise _Bad("complex() needs two numbers")
    return complex(real, imag)


def _latin1_encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """How protocol 2 spells bytes: ``_codecs.encode(text, "latin1")``."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Bad("_codecs.encode is admitted only as encode(str, 'latin1')")
    return text.encode("latin-1")


def _bytearray(data: Any = b"", encoding: Any = None) -> bytearray:
    """How protocols 2 to 4 spell a bytearray: ``bytearray(text, "latin-1")`` or of bytes."""
    if isinstance(data, str):
        return bytearray(_latin1_encode(data, encoding))
    if not isinstance(data, bytes) or encoding is not None:
        raise _Bad("bytearray() is admitted only of bytes or of a latin-1 string")
    return bytearray(data)


def _torch_device(kind: Any, index: Any = None) -> Device:
    if not isinstance(kind, str) or kind.partition(":")[0] != "cpu":
        raise _Bad(f"the checkpoint holds the device {kind!r}; only 'cpu' exists here")
    try:
        return Device(kind) if index is None else Device(kind, _int(index, "a device index"))
    except RuntimeError as e:
        raise _Bad(str(e)) from None


def _numpy_dtype(spec: Any, align: Any = False, copy: Any = False) -> _PendingDType:
    if not isinstance(spec, str) or not _NUMPY_DTYPE_SPEC.fullmatch(spec):
        raise _Bad(f"refusing the numpy dtype {spec!r}: only numeric dtypes are admitted")
    return _PendingDType(_resolve_dtype(np.dtype(spec)))


def _build_dtype(base: np.dtype, state: Any) -> np.dtype:
    """numpy's dtype state is ``(version, byteorder, subarray, names, fields, elsize,
    alignment, flags[, metadata])``; only plain numeric dtypes are admitted."""
    if not (isinstance(state, tuple) and len(state) in (8, 9) and state[0] in (3, 4)):
        raise _Bad("malformed numpy dtype state")
    order = state[1]
    if order not in ("<", ">", "|", "=") or any(v is not None for v in state[2:5]):
        raise _Bad("only plain numeric numpy dtypes are admitted")
    return base.newbyteorder(order) if order in "<>" else base


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> _PendingArray:
    if cls is not _NDARRAY:
        raise _Bad("numpy's _reconstruct is admitted for numpy.ndarray only")
    return _PendingArray()


def _build_array(state: Any) -> np.ndarray:
    """numpy's array state is ``(version, shape, dtype, is_fortran, raw bytes)``; object
    arrays (whose "raw data" is a list of pickled objects) are refused."""
    if isinstance(state, tuple) and len(state) == 5:
        state = state[1:]
    if not (isinstance(state, tuple) and len(state) == 4):
        raise _Bad("malformed numpy array state")
    shape, dtype, fortran, raw = state
    shape, dtype = _ints(shape, "a numpy shape"), _resolve_dtype(dtype)
    if not isinstance(raw, bytes | bytearray) or not isinstance(fortran, bool):
        raise _Bad("only numpy arrays of numbers are admitted (no object arrays)")
    if any(n < 0 for n in shape) or len(raw) != math.prod(shape) * dtype.itemsize:
        raise _Bad(f"a numpy array of shape {shape} and dtype {dtype} has {len(raw)} bytes")
    flat = np.frombuffer(bytes(raw), dtype)
    array = flat.reshape(shape, order="F" if fortran else "C")
    return array.astype(dtype.newbyteorder("="), order="C")  # a writable native copy


def _numpy_frombuffer(
    raw: Any, dtype: Any, shape: Any, order: Any, axis_order: Any = None
) -> np.ndarray:
    """How protocol 5 spells a numpy array: its bytes, dtype, shape and memory order."""
    dtype, shape = _resolve_dtype(dtype), _ints(shape, "a numpy shape")
    if not isinstance(raw, bytes | bytearray) or order not in ("C", "F", "K"):
        raise _Bad("malformed numpy array (protocol 5)")
    if any(n < 0 for n in shape) or len(raw) != math.prod(shape) * dtype.itemsize:
        raise _Bad(f"a numpy array of shape {shape} and dtype {dtype} has {len(raw)} bytes")
    flat = np.frombuffer(bytes(raw), dtype)
    if order == "K" and axis_order is not None:
        axes = _ints(axis_order, "a numpy axis order")
        if sorted(axes) != list(range(len(shape))):
            raise _Bad("malformed numpy axis order")
        array = flat.reshape(shape).transpose(axes)
    else:
        array = flat.reshape(shape, order="F" if order == "F" else "C")
    return array.astype(dtype.newbyteorder("="), order="C")


def _numpy_scalar(dtype: Any, raw: Any) -> np.generic:
    dtype = _resolve_dtype(dtype)
    if not isinstance(raw, bytes | bytearray) or len(raw) != dtype.itemsize:
        raise _Bad("malformed numpy scalar")
    return np.frombuffer(bytes(raw), dtype).astype(dtype.newbyteorder("="))[0]


#: The names a checkpoint may refer to (for the documentation and the tests).
ADMITTED_NAMES = tuple(sorted(_Interpreter(b"", None, None).admitted))
