"""Checkpoints: ``save(obj, f)`` and ``load(f)`` for state dicts, to a path or a binary file.

Why not pickle (as ``torch.save`` does): loading a pickle can run arbitrary code.  Here a
checkpoint is a plain numpy ``.npz`` archive read with ``allow_pickle=False``: arrays are
stored as ``.npy`` entries, and everything else — the nesting of dicts, lists and tuples,
the type of each key (optimizer states use integer keys) and plain numbers, strings,
booleans and None — is one JSON document stored beside them.  Loading such a file can
only ever produce arrays and those plain values.

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
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .tensor import Tensor
from .torch_format import LEGACY_MAGIC, check_map_location, is_torch_archive, read_torch_archive

__all__ = ["load", "save"]

_FORMAT = "tinygrad_rms-checkpoint"
_VERSION = 1
_META = "__tinygrad_rms__"


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """A JSON-able description of ``obj``; arrays go into ``arrays`` under a numbered name."""
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
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                raise TypeError(f"save: dict keys must be str or int, got {key!r} at {where}")
            kind = "int" if isinstance(key, int) else "str"
            items.append([kind, str(key), _encode(value, arrays, f"{where}[{key!r}]")])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
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


def _decode(node: Any, arrays: Any, path: str) -> Any:
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"load: {path} is not a valid tinygrad_rms checkpoint (bad structure)")
    ((kind, body),) = node.items()
    if kind == "array":
        if body not in arrays:
            raise ValueError(f"load: {path} is missing the array entry {body!r}")
        return arrays[body]
    if kind == "value":
        return body
    if kind == "dict":
        return {
            (int(key) if key_kind == "int" else key): _decode(value, arrays, path)
            for key_kind, key, value in body
        }
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays, path) for v in body]
        return items if kind == "list" else tuple(items)
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
        np.savez(f, **arrays)
        return
    path = Path(f)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it owner-only; follow the umask
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise ValueError(
                f"load: {name} is corrupt or truncated ({type(e).__name__}: {e})"
            ) from None
        with archive:
            names = archive.namelist()
            if f"{_META}.npy" in names:
                source.seek(0)
                return _load_npz(source, name)
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
        return str(path), open(path, "rb")  # closed by the caller
    if not callable(getattr(f, "read", None)):
        raise TypeError(f"load: expected a path or a binary file object, got {type(f).__name__}")
    name = getattr(f, "name", None)
    name = name if isinstance(name, str) else f"<{type(f).__name__}>"
    data = f.read()  # from the current position, as torch.load reads
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"load: {name} must be opened in binary mode ('rb')")
    return name, io.BytesIO(bytes(data))


def _load_npz(source: BinaryIO, name: str) -> Any:
    """Our own format: arrays read with ``allow_pickle=False`` and the JSON description."""
    try:
        with np.load(source, allow_pickle=False) as archive:
            if _META not in archive.files:
                raise ValueError(
                    f"load: {name} is an .npz archive but not a tinygrad_rms checkpoint"
                )
            meta = json.loads(str(archive[_META]))
            if not isinstance(meta, dict) or "root" not in meta:
                raise ValueError(
                    f"load: {name} is not a valid tinygrad_rms checkpoint (bad metadata)"
                )
            if meta.get("format") != _FORMAT or meta.get("version") != _VERSION:
                raise ValueError(f"load: {name} has an unknown checkpoint format or version")
            arrays = {key: archive[key] for key in archive.files if key != _META}
    except ValueError as e:
        if "allow_pickle" in str(e) or "pickle" in str(e).lower():
            raise ValueError(f"load: {name} holds pickled objects; refusing to load them") from None
        if str(e).startswith("load: "):
            raise
        raise ValueError(f"load: {name} is corrupt or not a checkpoint ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, json.JSONDecodeError) as e:
        raise ValueError(
            f"load: {name} is corrupt or truncated ({type(e).__name__}: {e})"
        ) from None
    try:
        return _decode(meta["root"], arrays, name)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        if str(e).startswith("load: "):
            raise
        raise ValueError(
            f"load: {name} is not a valid tinygrad_rms checkpoint (bad structure)"
        ) from None
