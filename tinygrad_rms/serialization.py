"""Checkpoints: ``save(obj, path)`` and ``load(path)`` for state dicts, as ``.npz`` files.

Why not pickle (as ``torch.save`` does): loading a pickle can run arbitrary code.  Here a
checkpoint is a plain numpy ``.npz`` archive read with ``allow_pickle=False``: arrays are
stored as ``.npy`` entries, and everything else — the nesting of dicts, lists and tuples,
the type of each key (optimizer states use integer keys) and plain numbers, strings,
booleans and None — is one JSON document stored beside them.  Loading a file can only
ever produce arrays and those plain values.

Saving is atomic: the archive is written to a temporary file in the same directory,
flushed to disk, then renamed over the target, so a crash mid-save leaves the previous
checkpoint intact.  (A process killed mid-save can leave its hidden temporary file,
``.NAME.XXXX.tmp``, beside the checkpoint; it is never loaded and can be deleted.)
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["load", "save"]

_FORMAT = "tinygrad_rms-checkpoint"
_VERSION = 1
_META = "__tinygrad_rms__"


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """A JSON-able description of ``obj``; arrays go into ``arrays`` under a numbered name."""
    if isinstance(obj, Tensor):
        obj = obj.data
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
    raise TypeError(
        f"save: cannot store a {type(obj).__name__} at {where}; checkpoints hold nested "
        "dicts/lists/tuples of arrays, Tensors, numbers, strings, booleans and None"
    )


def _decode(node: Any, arrays: Any, path: Path) -> Any:
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


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` (e.g. ``{"model": model.state_dict(), "optim": opt.state_dict()}``).

    Tensors are stored as their arrays.  The file is replaced atomically.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    meta = {"format": _FORMAT, "version": _VERSION, "root": _encode(obj, arrays, "root")}
    arrays[_META] = np.array(json.dumps(meta))
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
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


def load(path: str | os.PathLike[str]) -> Any:
    """Read a checkpoint written by ``save``; arrays come back as numpy arrays.

    Never unpickles: a file holding pickled objects, a truncated or corrupt archive, or a
    file that is not a tinygrad_rms checkpoint raises ValueError naming the path.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load: no checkpoint at {path}")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != b"PK\x03\x04":  # every .npz is a zip archive
        kind = "a pickle" if magic[:1] == b"\x80" else "not an .npz archive"
        raise ValueError(f"load: {path} is not a tinygrad_rms checkpoint ({kind}); nothing loaded")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if _META not in archive.files:
                raise ValueError(
                    f"load: {path} is an .npz archive but not a tinygrad_rms checkpoint"
                )
            meta = json.loads(str(archive[_META]))
            if not isinstance(meta, dict) or "root" not in meta:
                raise ValueError(
                    f"load: {path} is not a valid tinygrad_rms checkpoint (bad metadata)"
                )
            if meta.get("format") != _FORMAT or meta.get("version") != _VERSION:
                raise ValueError(f"load: {path} has an unknown checkpoint format or version")
            arrays = {name: archive[name] for name in archive.files if name != _META}
    except ValueError as e:
        if "allow_pickle" in str(e) or "pickle" in str(e).lower():
            raise ValueError(f"load: {path} holds pickled objects; refusing to load them") from None
        if str(e).startswith("load: "):
            raise
        raise ValueError(f"load: {path} is corrupt or not a checkpoint ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, json.JSONDecodeError) as e:
        raise ValueError(
            f"load: {path} is corrupt or truncated ({type(e).__name__}: {e})"
        ) from None
    try:
        return _decode(meta["root"], arrays, path)
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        if str(e).startswith("load: "):
            raise
        raise ValueError(
            f"load: {path} is not a valid tinygrad_rms checkpoint (bad structure)"
        ) from None
