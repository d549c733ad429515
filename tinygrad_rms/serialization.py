"""Checkpoints: ``save(obj, f)`` and ``load(f)`` for state dicts, to a path or a binary file.

Why not pickle (as ``torch.save`` does): loading a pickle can run arbitrary code.  Here a
checkpoint is a plain numpy ``.npz`` archive read with ``allow_pickle=False``: arrays are
stored as ``.npy`` entries, and everything else — the nesting of dicts (ordered or not),
lists and tuples, the type of each key (optimizer states use integer keys) and plain
numbers, strings, booleans and None — is one JSON document stored beside them.  Loading
such a file can only ever produce arrays and those plain values.

``load`` also reads the files ``torch.save`` writes (PyTorch ≥ 1.6's zip format), without
PyTorch and without unpickling: ``torch_format`` interprets their pickle itself and admits
only tensors, storages, OrderedDicts, plain values and numeric numpy arrays; any other
name in the file is refused before anything runs.  Their tensors come back as
tinygrad_rms Tensors.

Saving to a path is atomic: the archive is written to a temporary file in the same
directory, flushed to disk, then renamed over the target, so a crash mid-save leaves the
previous checkpoint intact.  (A process killed mid-save can leave its hidden temporary
file, ``.NAME.XXXX.tmp``, beside the checkpoint; it is never loaded and can be deleted.)
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import secrets
import stat
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from .tensor import Tensor
from .torch_format import LEGACY_MAGIC, check_map_location, is_torch_archive, read_torch_archive

__all__ = ["load", "save"]

_FORMAT = "tinygrad_rms-checkpoint"
_VERSION = 1
_META = "__tinygrad_rms__"


#: How deep containers may nest in a checkpoint (a state dict nests 3 or 4 levels): deeper
#: descriptions are refused on save and on load, before Python's recursion limit is met.
MAX_DEPTH = 100


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str, path: tuple[int, ...] = ()) -> Any:
    """A JSON-able description of ``obj``; arrays go into ``arrays`` under a numbered name.
    ``path``: the ids of the containers ``obj`` sits in (to refuse one that holds itself)."""
    if isinstance(obj, Tensor):
        obj = obj._array
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"save: cannot store the array at {where} of dtype {obj.dtype}")
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"array": name}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, bool | int | float | str):
        return {"value": obj}
    if isinstance(obj, dict | list | tuple):
        if id(obj) in path:
            raise ValueError(f"save: the container at {where} contains itself")
        if len(path) >= MAX_DEPTH:
            raise ValueError(f"save: containers nest deeper than {MAX_DEPTH} levels at {where}")
        inner = (*path, id(obj))
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {where}")
            kind = "int" if isinstance(key, int) else "str"
            items.append([kind, str(key), _encode(value, arrays, f"{where}[{key!r}]", inner)])
        return {"odict" if isinstance(obj, OrderedDict) else "dict": items}
    if isinstance(obj, list | tuple):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]", inner) for i, v in enumerate(obj)]}
    if callable(getattr(obj, "state_dict", None)):
        raise TypeError(
            f"save: cannot store a whole {type(obj).__name__} (at {where}): checkpoints hold "
            "state, not objects (pickling objects is what makes torch.save files unsafe to "
            f"load).  Save its state_dict() instead, and restore it with load_state_dict()"
        )
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {where}; checkpoints hold nested "
        "dicts/lists/tuples of arrays, Tensors, numbers, strings, booleans and None"
    )


def _decode(node: Any, arrays: Any, path: str, depth: int = 0) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"load: {path} is not a valid tinygrad_rms checkpoint (bad structure)")
    if depth > MAX_DEPTH:
        raise ValueError(f"load: {path} nests containers deeper than {MAX_DEPTH} levels")
    ((kind, body),) = node.items()
    if kind == "array":
        if body not in arrays:
            raise ValueError(f"load: {path} is missing the array entry {body!r}")
        return arrays[body]
    if kind == "value":
        return body
    if kind in ("dict", "odict"):  # an OrderedDict (a module's state_dict) comes back as one
        items = {
            (int(key) if key_kind == "int" else key): _decode(value, arrays, path, depth + 1)
            for key_kind, key, value in body
        }
        return OrderedDict(items) if kind == "odict" else items
    if kind in ("list", "tuple"):
        values = [_decode(v, arrays, path, depth + 1) for v in body]
        return values if kind == "list" else tuple(values)
    raise ValueError(f"load: {path} is not a valid tinygrad_rms checkpoint (unknown {kind!r})")


def save(
    obj: Any,
    f: str | os.PathLike[str] | BinaryIO,
    pickle_module: Any = None,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
) -> None:
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optim": opt.state_dict()}``) to
    the path or binary file ``f``.

    Tensors are stored as their arrays.  A path is replaced atomically; a file object is
    written from its current position.  torch.save's other arguments are accepted and
    ignored (nothing is pickled).  A whole module or optimizer is refused: save its
    ``state_dict()``.
    """
    arrays: dict[str, np.ndarray] = {}
    meta = {"format": _FORMAT, "version": _VERSION, "root": _encode(obj, arrays, "root")}
    arrays[_META] = np.array(json.dumps(meta))
    if not isinstance(f, str | os.PathLike):
        if not callable(getattr(f, "write", None)):
            raise TypeError(
                f"save: expected a path or a binary file object, got {type(f).__name__}"
            )
        np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub: allow_pickle
        return
    path = Path(f)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = _new_temporary(directory, path.name)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _new_temporary(directory: Path, name: str) -> tuple[int, str]:
    """A new file ``.NAME.XXXX.tmp`` in ``directory``, opened for writing, with the
    permissions ``open(path, "wb")`` would give it: mode 0o666 and the kernel applies the
    process's umask (which is never read or changed: changing it, even for a moment,
    would affect files other threads create meanwhile)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(directory / f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"save: could not create a temporary file beside {directory / name}")


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(
    f: str | os.PathLike[str] | BinaryIO,
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Read a checkpoint from a path or a binary file object: one written by ``save``
    (arrays come back as numpy arrays) or by ``torch.save`` (tensors come back as
    tinygrad_rms Tensors; see ``torch_format``).

    Never unpickles.  ``map_location`` may be None, "cpu", a CPU device, a dict of
    locations or a callable; everything loads to the CPU and a GPU target is an error.
    ``weights_only`` may be anything torch accepts, but the restricted reader is used
    either way: tinygrad_rms never runs what a file names.  A file holding other pickled
    objects, a truncated or corrupt file, or one that is no checkpoint raises ValueError
    naming it.
    """
    check_map_location(map_location)
    if weights_only not in (None, True, False) or mmap not in (None, True, False):
        raise TypeError("load: weights_only and mmap must be True, False or None")
    if pickle_module is not None and pickle_module is not pickle:
        raise TypeError(
            "load: tinygrad_rms never unpickles, so it takes no pickle_module (got "
            f"{pickle_module!r})"
        )
    unknown = set(pickle_load_args) - {"encoding"}
    if unknown:
        raise TypeError(f"load: unexpected keyword argument(s) {sorted(unknown)}")
    name, source = _open_source(f)
    with source:
        magic = source.read(len(LEGACY_MAGIC))
        source.seek(0)
        if magic[:4] != b"PK\x03\x04":  # .npz files and torch.save files are zip archives
            if magic == LEGACY_MAGIC:
                raise ValueError(
                    f"load: {name} is a legacy (pre-1.6) PyTorch checkpoint, which is not "
                    "supported: re-save it with a current PyTorch (torch.save(torch.load(...)))"
                )
            kind = "a pickle" if magic[:1] == b"\x80" else "not a zip archive"
            raise ValueError(
                f"load: {name} is not a tinygrad_rms checkpoint ({kind}); nothing loaded"
            )
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise ValueError(
                f"load: {name} is corrupt or truncated ({type(e).__name__}: {e})"
            ) from None
        with archive:
            _check_members(archive, name, source.seek(0, io.SEEK_END))
            names = archive.namelist()
            if f"{_META}.npy" in names:
                return _load_npz(archive, name)
            if is_torch_archive(names) is not None:
                return read_torch_archive(archive, name, map_location)
        raise ValueError(
            f"load: {name} is a zip archive but not a tinygrad_rms checkpoint (nor a "
            "torch.save file)"
        )


def _open_source(f: Any) -> tuple[str, BinaryIO]:
    """The name to use in errors and a seekable binary stream (to be closed) for ``f``."""
    if isinstance(f, str | os.PathLike):
        path = Path(f)
        if not path.exists():
            raise FileNotFoundError(f"load: no checkpoint at {path}")
        # non-blocking, so that opening a FIFO cannot hang; then only a regular file is read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ValueError(f"load: {path} is not a regular file (a FIFO, device or directory)")
        return str(path), os.fdopen(fd, "rb")  # closed by the caller
    if not callable(getattr(f, "read", None)):
        raise TypeError(f"load: expected a path or a binary file object, got {type(f).__name__}")
    name = getattr(f, "name", None)
    name = name if isinstance(name, str) else f"<{type(f).__name__}>"
    data = f.read()  # from the current position, as torch.load reads
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"load: {name} must be opened in binary mode ('rb')")
    return name, io.BytesIO(bytes(data))


def _json(text: str, name: str) -> Any:
    """The checkpoint's description; nesting too deep for the parser is a corrupt file."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"load: {name} nests containers deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"load: {name} has a corrupt description ({e})") from None


#: What a member may declare against the archive's real size: the bytes of all members
#: together at most 4x the file plus 1 MiB (the library's and PyTorch's writers store
#: members uncompressed, so a real checkpoint declares about its own size).
_INFLATION, _SLACK = 4, 1 << 20


def _check_members(archive: zipfile.ZipFile, name: str, size: int) -> None:
    """Refuse, before reading any member, an archive that declares more content than its
    size can honestly hold (a zip bomb), or members stored in a way we do not read."""
    limit, total = _INFLATION * size + _SLACK, 0
    for info in archive.infolist():
        if info.flag_bits & 0x1:
            raise ValueError(f"load: {name} has an encrypted member {info.filename!r}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValueError(
                f"load: {name}: member {info.filename!r} uses compression method "
                f"{info.compress_type}; only stored and deflated members are read"
            )
        total += info.file_size
        if total > limit:
            raise ValueError(
                f"load: {name} declares {total} bytes of content in a file of {size} bytes; "
                "refusing to inflate it"
            )


def _load_npz(archive: zipfile.ZipFile, name: str) -> Any:
    """Our own format: the JSON description, then the ``.npy`` members it references, each
    checked (its header's shape and dtype against the member's size) before it is read."""
    members = set(archive.namelist())
    strays = sorted(m for m in members if not m.endswith(".npy"))
    if strays:
        raise ValueError(f"load: {name} has members that are not .npy arrays: {strays[:3]}")
    for member in sorted(members):  # every header checked (cheap) before any data is read
        _check_header(archive, member, name)
    meta = _json(str(_read_npy(archive, f"{_META}.npy", name, text=True)), name)
    if not isinstance(meta, dict) or "root" not in meta:
        raise ValueError(f"load: {name} is not a valid tinygrad_rms checkpoint (bad metadata)")
    if meta.get("format") != _FORMAT or meta.get("version") != _VERSION:
        raise ValueError(f"load: {name} has an unknown checkpoint format or version")
    arrays = _Arrays(archive, name, members)
    try:
        return _decode(meta["root"], arrays, name)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        if str(e).startswith("load: "):
            raise
        raise ValueError(
            f"load: {name} is not a valid tinygrad_rms checkpoint (bad structure: {e})"
        ) from None


def _check_header(archive: zipfile.ZipFile, member: str, name: str) -> None:
    try:
        info = archive.getinfo(member)
        with archive.open(info) as fp:
            _npy_header(fp, info, name, text=member == f"{_META}.npy")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as e:
        if str(e).startswith("load: "):
            raise
        raise ValueError(f"load: {name}: member {member!r} is corrupt ({e})") from None


class _Arrays:
    """The archive's arrays, each read when the description first references it."""

    def __init__(self, archive: zipfile.ZipFile, name: str, members: set[str]) -> None:
        self.archive, self.name, self.members = archive, name, members
        self.read: dict[str, np.ndarray] = {}

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and f"{key}.npy" in self.members and key != _META

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.read:
            self.read[key] = _read_npy(self.archive, f"{key}.npy", self.name)
        return self.read[key]


def _read_npy(archive: zipfile.ZipFile, member: str, name: str, text: bool = False) -> Any:
    """One ``.npy`` member: a numeric array (or, with ``text``, the description's string),
    never an object array, and never more than the member's declared size allocates."""
    try:
        info = archive.getinfo(member)
        with archive.open(info) as fp:
            shape, fortran, dtype = _npy_header(fp, info, name, text)
            nbytes = math.prod(shape) * dtype.itemsize
            data = fp.read(nbytes)
            if len(data) != nbytes:
                raise ValueError("the array's data is truncated")
            array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
            return array.copy(order="C")  # writable, owned, C order
    except KeyError:
        raise ValueError(f"load: {name} is missing the member {member!r}") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as e:
        if str(e).startswith("load: "):
            raise
        raise ValueError(f"load: {name}: member {member!r} is corrupt ({e})") from None


def _npy_header(fp: IO[bytes], info: zipfile.ZipInfo, name: str, text: bool = False) -> tuple:
    """The shape, order and dtype an ``.npy`` member declares, checked: numbers only (an
    object array would be a pickle), and no more data than the member holds."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject:
        raise ValueError(
            f"load: {name} holds pickled objects (member {info.filename!r}); refusing to load them"
        )
    if dtype.kind not in ("U" if text else "biufc"):
        raise ValueError(f"an array of dtype {dtype} (only numeric arrays are read)")
    count = math.prod(shape)
    if count * dtype.itemsize > info.file_size:
        raise ValueError(
            f"its header declares {count} elements of {dtype} in {info.file_size} bytes"
        )
    return shape, fortran, dtype
