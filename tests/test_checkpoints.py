"""Checkpoints: ``tinygrad_rms.save`` / ``load``, ``Module.load_state_dict``, and the
bridge to PyTorch.

* Round trips keep every value and every type: nested dicts (int and str keys, in
  order), lists vs tuples, ints/floats/bools/None/strings, arrays of any numeric dtype.
* A checkpoint written mid-training resumes bit-identically (model + RMSprop state).
* Loading refuses pickles without ever unpickling (a payload that would create a file
  when unpickled must not run), and reports truncated, random, foreign and missing files
  as errors naming the path.
* Saving is atomic: a child process that dies while writing (``os._exit`` or SIGKILL)
  leaves the previous checkpoint loadable.
* ``load_state_dict``: strict errors are collected into one RuntimeError and change
  nothing; non-strict loading reports missing/unexpected keys as PyTorch does.
* With PyTorch importable: weights (and RMSprop state) cross between the libraries and
  give the same outputs.  ``examples/export_to_pytorch.py`` runs with and without torch.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from models import SimpleNet, simplenet

import tinygrad_rms as tg
from tinygrad_rms import nn, optim

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "export_to_pytorch.py"
META = "__tinygrad_rms__"


def assert_same(actual, expected, where: str = "root") -> None:
    """Equal values *and* equal types, recursively; Tensors are expected back as arrays."""
    if isinstance(expected, tg.Tensor):
        expected = expected.detach().numpy()
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{where}: {type(actual).__name__}, not ndarray"
        assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != {expected.dtype}"
        assert actual.shape == expected.shape, f"{where}: shape {actual.shape} != {expected.shape}"
        np.testing.assert_array_equal(actual, expected, err_msg=where)
        return
    if isinstance(expected, np.generic):
        expected = expected.item()  # documented: numpy scalars come back as Python numbers
    assert type(actual) is type(expected), (
        f"{where}: {type(actual).__name__} != {type(expected).__name__}"
    )
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for k in expected:
            assert_same(actual[k], expected[k], f"{where}[{k!r}]")
    elif isinstance(expected, list | tuple):
        assert len(actual) == len(expected), f"{where}: length"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(actual), where
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def trained(seed: int = 0, steps: int = 2):
    """A SimpleNet and an Adam and an RMSprop with state, after a few steps."""
    tg.manual_seed(seed)
    model = SimpleNet()
    rms = optim.RMSprop(model.fc1.parameters(), lr=0.01, momentum=0.9, centered=True)
    adam = optim.Adam(model.fc2.parameters(), lr=1e-3, betas=(0.8, 0.95))
    x, y = tg.randn(8, 10), tg.randn(8, 1)
    for _ in range(steps):
        rms.zero_grad()
        adam.zero_grad()
        nn.MSELoss()(model(x), y).backward()
        rms.step()
        adam.step()
    return model, rms, adam


# ---------------------------------------------------------------------- round trips
def test_round_trip_keeps_values_types_and_order(tmp_path: Path) -> None:
    model, rms, adam = trained()
    rng = np.random.default_rng(0)
    obj = {
        "model": model.state_dict(),
        "rmsprop": rms.state_dict(),
        "adam": adam.state_dict(),
        "epoch": 7,
        "lr": 0.125,
        "best": None,
        "name": "run-1 ü→β",
        "flags": [True, False],
        "numpy_scalars": [np.float32(1.5), np.int64(3), np.bool_(True)],
        "nested": {"a": {"b": [1, 2.5, "x", None, (3, (4, [5]))]}, 1: "int key", "1": "str"},
        "empty": {"d": {}, "l": [], "t": ()},
        "special": [math.inf, -math.inf, math.nan, -0.0, 2**70, -(2**63)],
        "arrays": {
            "f32": rng.standard_normal((3, 4)).astype(np.float32),
            "f64": rng.standard_normal(5),
            "f16": np.array([1.5, -2.25], np.float16),
            "i64": np.arange(6, dtype=np.int64).reshape(2, 3),
            "i8": np.array([-128, 127], np.int8),
            "u16": np.array([0, 65535], np.uint16),
            "bool": np.array([True, False, True]),
            "complex": np.array([1 + 2j, -3.5j]),
            "0d": np.array(3.25),
            "empty": np.zeros((0, 3), np.float32),
            "transposed": np.arange(12.0).reshape(3, 4).T,
            "nonfinite": np.array([np.inf, -np.inf, np.nan]),
        },
    }
    path = tmp_path / "ckpt.npz"
    assert tg.save(obj, path) is None
    loaded = tg.load(path)
    assert_same(loaded, obj)
    assert isinstance(loaded["adam"]["param_groups"][0]["betas"], tuple)
    assert list(loaded["rmsprop"]["state"]) == [0, 1]  # int keys stay ints
    assert loaded["nested"][1] == "int key" and loaded["nested"]["1"] == "str"
    # loaded arrays are independent, writable arrays
    w = loaded["model"]["fc1.weight"]
    w += 1
    assert not np.array_equal(w, model.fc1.weight.data)


def test_round_trip_feeds_load_state_dict(tmp_path: Path) -> None:
    model, rms, _ = trained()
    tg.save({"model": model.state_dict(), "rms": rms.state_dict()}, tmp_path / "c.npz")
    back = tg.load(tmp_path / "c.npz")
    fresh, _, _ = trained(seed=1, steps=0)
    assert fresh.load_state_dict(back["model"]) == ([], [])
    for (k, p), (_, q) in zip(fresh.named_parameters(), model.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=k)
    new_rms = optim.RMSprop(fresh.fc1.parameters(), lr=0.5)
    new_rms.load_state_dict(back["rms"])
    assert_same(new_rms.state_dict(), rms.state_dict())


def test_save_writes_exactly_the_given_path(tmp_path: Path) -> None:
    # np.savez would append ".npz" to a name; a checkpoint goes where it was asked to
    tg.save({"x": 1}, tmp_path / "model.ckpt")
    assert [p.name for p in tmp_path.iterdir()] == ["model.ckpt"]
    assert tg.load(str(tmp_path / "model.ckpt")) == {"x": 1}


@pytest.mark.parametrize(
    "bad",
    [
        {"s": {1, 2}},
        {"o": object()},
        {"a": np.array(["x", "y"])},
        {"a": np.array([object()], dtype=object)},
        {2.5: 1},
        {True: 1},
        {(1, 2): 1},
    ],
    ids=["set", "object", "str_array", "object_array", "float_key", "bool_key", "tuple_key"],
)
def test_save_rejects_unstorable_values_and_keeps_the_old_file(tmp_path: Path, bad) -> None:
    path = tmp_path / "c.npz"
    tg.save({"old": np.arange(3)}, path)
    with pytest.raises(TypeError, match="save"):
        tg.save(bad, path)
    assert_same(tg.load(path), {"old": np.arange(3)})
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


# ---------------------------------------------------------------------- resuming training
def _mlp_and_optimizer(seed: int):
    tg.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )
    opt = optim.RMSprop(
        model.parameters(), lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=1e-3
    )
    return model, opt


def _train(model, opt, batches) -> None:
    for x, y in batches:
        opt.zero_grad()
        nn.MSELoss()(model(tg.tensor(x)), tg.tensor(y)).backward()
        opt.step()


def test_resume_mid_training_is_bit_identical(tmp_path: Path) -> None:
    rng = np.random.default_rng(42)
    n_before, n_after = 6, 6
    batches = [
        (
            rng.standard_normal((16, 6)).astype(np.float32),
            rng.standard_normal((16, 1)).astype(np.float32),
        )
        for _ in range(n_before + n_after)
    ]
    model, opt = _mlp_and_optimizer(seed=0)
    _train(model, opt, batches[:n_before])
    path = tmp_path / "mid.npz"
    tg.save({"model": model.state_dict(), "optim": opt.state_dict(), "step": n_before}, path)
    _train(model, opt, batches[n_before:])  # the uninterrupted run

    resumed, resumed_opt = _mlp_and_optimizer(seed=1)  # different initial weights
    ckpt = tg.load(path)
    resumed.load_state_dict(ckpt["model"])
    resumed_opt.load_state_dict(ckpt["optim"])
    _train(resumed, resumed_opt, batches[ckpt["step"] :])
    for (k, p), (_, q) in zip(model.named_parameters(), resumed.named_parameters(), strict=True):
        assert np.array_equal(p.data, q.data), f"{k} differs after resuming"
    assert_same(resumed_opt.state_dict(), opt.state_dict())

    # control: without the optimizer state (momentum, averages, step) the run diverges,
    # so the comparison above really depends on what the checkpoint restored
    partial, partial_opt = _mlp_and_optimizer(seed=1)
    partial.load_state_dict(ckpt["model"])
    _train(partial, partial_opt, batches[n_before:])
    assert not np.array_equal(partial[0].weight.data, model[0].weight.data)


# ---------------------------------------------------------------------- refusing pickles
class _Payload:
    """Unpickling this creates the file ``marker``: evidence that unpickling happened."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _object_array(marker: Path, shape: tuple[int, ...] = (1,)) -> np.ndarray:
    """An object array holding the payload (np.savez pickles it, as it does any object)."""
    arr = np.empty(shape, dtype=object)
    arr[(0,) * len(shape)] = _Payload(marker)
    return arr


def _valid_meta(tmp_path: Path, obj) -> np.ndarray:
    """The metadata entry our own ``save`` writes for ``obj`` (format and version included)."""
    src = tmp_path / "valid_source.npz"
    tg.save(obj, src)
    with np.load(src) as f:
        meta = f[META]
    src.unlink()
    return meta


def test_the_payload_is_live(tmp_path: Path) -> None:
    """Control: with pickles allowed, reading the crafted archive does create the file."""
    marker = tmp_path / "pwned_control"
    path = tmp_path / "control.npz"
    np.savez(path, **{META: _valid_meta(tmp_path, {"w": np.zeros(1)}), "a0": _object_array(marker)})
    assert not marker.exists()
    with np.load(path, allow_pickle=True) as f:
        f["a0"]
    assert marker.exists()


@pytest.mark.parametrize("where", ["data_entry", "unreferenced_entry", "metadata"])
def test_pickle_bearing_npz_is_refused_without_unpickling(tmp_path: Path, where: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    meta = _valid_meta(tmp_path, {"w": np.zeros(1)})
    if where == "data_entry":
        entries = {META: meta, "a0": _object_array(marker)}  # meta points at a0
    elif where == "unreferenced_entry":
        entries = {META: meta, "a0": np.zeros(1), "extra": _object_array(marker)}
    else:
        entries = {META: _object_array(marker, shape=()), "a0": np.zeros(1)}
    np.savez(path, **entries)
    with pytest.raises(ValueError, match="pickle") as info:
        tg.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists(), "load unpickled the payload"


def test_raw_pickle_file_is_refused_without_unpickling(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"state": _Payload(marker)}, protocol=4))
    with pytest.raises(ValueError, match="pickle") as info:
        tg.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()


@pytest.mark.torch
@pytest.mark.slow
def test_torch_save_file_is_read_and_its_payload_refused(tmp_path: Path) -> None:
    """torch.save files are readable now (tests/test_torch_checkpoints.py has the rest),
    but one holding an object whose unpickling would run code is still refused, without
    running it, naming the file and the global."""
    torch = pytest.importorskip("torch")
    good = tmp_path / "good.pt"
    torch.save({"w": torch.zeros(2)}, good)
    loaded = tg.load(good)
    assert isinstance(loaded["w"], tg.Tensor)
    np.testing.assert_array_equal(loaded["w"].data, np.zeros(2, np.float32))

    marker = tmp_path / "pwned"
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2), "evil": _Payload(marker)}, path)  # a zip holding a pickle
    with pytest.raises(ValueError) as info:
        tg.load(path)
    assert str(path) in str(info.value)
    assert "'io.open'" in str(info.value)  # how pickle spells the builtin open
    assert not marker.exists()


# ---------------------------------------------------------------------- damaged and foreign files
def _valid_bytes(tmp_path: Path) -> bytes:
    model, rms, _ = trained(steps=1)
    src = tmp_path / "src.npz"
    tg.save({"model": model.state_dict(), "optim": rms.state_dict()}, src)
    data = src.read_bytes()
    src.unlink()
    return data


def _flip_inside_largest_array(data: bytes) -> bytes:
    """Flip one byte in the middle of the largest stored array (fc1.weight's values)."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        arrays = [i for i in z.infolist() if not i.filename.startswith(META)]
        info = max(arrays, key=lambda i: i.file_size)
    # the data follows the local header: 30 bytes, then the name and the extra field
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len
    buf[start + info.compress_size // 2] ^= 0xFF
    return bytes(buf)


DAMAGE = {
    "truncated_to_10_bytes": lambda d: d[:10],
    "truncated_to_half": lambda d: d[: len(d) // 2],
    "last_byte_missing": lambda d: d[:-1],
    "empty_file": lambda d: b"",
    "random_bytes": lambda d: np.random.default_rng(1).bytes(2000),
    "random_bytes_after_zip_magic": lambda d: b"PK\x03\x04" + np.random.default_rng(2).bytes(2000),
    "byte_flipped_in_weights": _flip_inside_largest_array,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_file_raises_value_error_naming_the_path(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "damaged.npz"
    path.write_bytes(DAMAGE[damage](_valid_bytes(tmp_path)))
    with pytest.raises(ValueError) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_plain_numpy_npz_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, weight=np.ones((2, 2)), bias=np.zeros(2))
    with pytest.raises(ValueError, match="not a tinygrad_rms checkpoint") as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_npy_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "weights.npy"
    np.save(path, np.ones((2, 2)))
    with pytest.raises(ValueError, match="not a tinygrad_rms checkpoint") as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_missing_path_raises_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "ckpt.npz"
    with pytest.raises(FileNotFoundError) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def _npz_with_meta(path: Path, meta_text: str) -> None:
    np.savez(path, **{META: np.array(meta_text), "a0": np.zeros(2)})


@pytest.mark.parametrize(
    "meta",
    [
        "{not json",
        '{"format": "someone-else", "version": 1, "root": {"value": 1}}',
        '{"format": "tinygrad_rms-checkpoint", "version": 99, "root": {"value": 1}}',
        '{"format": "tinygrad_rms-checkpoint", "version": 1, "root": {"array": "a7"}}',
        '{"format": "tinygrad_rms-checkpoint", "version": 1, "root": {"weird": 1}}',
    ],
    ids=["not_json", "other_format", "future_version", "missing_array", "unknown_node"],
)
def test_bad_metadata_raises_value_error_naming_the_path(tmp_path: Path, meta: str) -> None:
    path = tmp_path / "odd.npz"
    _npz_with_meta(path, meta)
    with pytest.raises(ValueError) as info:
        tg.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "meta",
    [
        "[1, 2]",
        '"just a string"',
        '{"format": "tinygrad_rms-checkpoint", "version": 1}',
        '{"format": "tinygrad_rms-checkpoint", "version": 1, "root": {"dict": 5}}',
        '{"format": "tinygrad_rms-checkpoint", "version": 1, '
        '"root": {"dict": [["int", "x", {"value": 1}]]}}',
    ],
    ids=["json_list", "json_string", "no_root", "dict_not_a_list", "int_key_not_int"],
)
def test_malformed_metadata_raises_value_error_naming_the_path(tmp_path: Path, meta: str) -> None:
    path = tmp_path / "odd.npz"
    _npz_with_meta(path, meta)
    with pytest.raises(ValueError) as info:
        tg.load(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------------- atomic save
CHILD = textwrap.dedent(
    """
    import io, os, sys, time
    import numpy as np
    import tinygrad_rms as tg
    import tinygrad_rms.serialization as ser

    path, mode = sys.argv[1], sys.argv[2]
    real_savez = ser.np.savez

    def dying_savez(file, **arrays):
        buf = io.BytesIO()
        real_savez(buf, **arrays)
        data = buf.getvalue()
        file.write(data[: len(data) // 2])  # part of the archive reaches the disk
        file.flush()
        os.fsync(file.fileno())
        if mode == "block":
            print("WRITING", flush=True)
            time.sleep(120)  # the parent kills us here
        os._exit(1)

    ser.np.savez = dying_savez
    new = {"w": np.full((200, 200), 7.0), "tag": "new"}
    if mode == "naive":  # what a non-atomic save would do: write the target in place
        with open(path, "wb") as f:
            dying_savez(f, **new)
    tg.save(new, path)
    print("save returned", flush=True)  # never reached
    """
)


def _run_child(path: Path, mode: str) -> int:
    cmd = [sys.executable, "-c", CHILD, str(path), mode]
    if mode != "block":
        return subprocess.run(cmd, capture_output=True, timeout=60).returncode
    if not hasattr(signal, "SIGKILL"):
        pytest.skip("needs POSIX signals")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING"
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _leftovers(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p != path)


@pytest.mark.parametrize("mode", ["exit", "block"], ids=["os_exit", "sigkill"])
def test_crash_mid_save_keeps_the_previous_checkpoint(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "ckpt.npz"
    old = {"w": np.arange(10.0), "tag": "old"}
    tg.save(old, path)
    before = path.read_bytes()
    rc = _run_child(path, mode)
    assert rc == (1 if mode == "exit" else -signal.SIGKILL.value)
    assert path.read_bytes() == before  # not replaced, not touched
    assert_same(tg.load(path), old)
    # what the crash may leave behind: hidden temp files beside the target, never loadable
    for tmp in _leftovers(path):
        assert tmp.name.startswith(".ckpt.npz.") and tmp.name.endswith(".tmp"), tmp.name
        with pytest.raises(ValueError):
            tg.load(tmp)  # it holds half an archive, which the target would have become
    # and the next save still works and replaces the target
    tg.save({"tag": "next"}, path)
    assert tg.load(path) == {"tag": "next"}


def test_crash_harness_detects_a_non_atomic_save(tmp_path: Path) -> None:
    """Control: the same crash against an in-place write destroys the old checkpoint."""
    path = tmp_path / "ckpt.npz"
    tg.save({"tag": "old"}, path)
    assert _run_child(path, "naive") == 1
    with pytest.raises(ValueError):
        tg.load(path)


def test_crash_mid_save_leaves_only_the_documented_hidden_temp_file(tmp_path: Path) -> None:
    # A killed process cannot clean up; the leftover is the hidden .NAME.XXXX.tmp the
    # serialization docstring describes, and it never disturbs the real checkpoint.
    path = tmp_path / "ckpt.npz"
    tg.save({"tag": "old"}, path)
    _run_child(path, "exit")
    tg.save({"tag": "next"}, path)
    leftovers = _leftovers(path)
    assert len(leftovers) <= 1
    assert all(f.name.startswith(".ckpt.npz.") and f.name.endswith(".tmp") for f in leftovers)
    assert tg.load(path) == {"tag": "next"}


def test_failing_save_in_process_cleans_up(tmp_path: Path, monkeypatch) -> None:
    import tinygrad_rms.serialization as ser

    path = tmp_path / "ckpt.npz"
    tg.save({"tag": "old"}, path)

    def failing_savez(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(ser.np, "savez", failing_savez)
    with pytest.raises(OSError, match="disk full"):
        tg.save({"tag": "new"}, path)
    monkeypatch.undo()
    assert tg.load(path) == {"tag": "old"}
    assert _leftovers(path) == []  # the temp file was removed


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_saved_file_has_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    path = tmp_path / "ckpt.npz"
    tg.save({"x": 1}, path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# ---------------------------------------------------------------------- load_state_dict
def _bad_state(model: SimpleNet) -> dict:
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    del state["fc2.bias"]  # missing
    state["fc3.weight"] = np.zeros((1, 50), np.float32)  # unexpected
    state["fc1.weight"] = np.zeros((50, 9), np.float32)  # wrong shape
    state["fc2.weight"] = state["fc2.weight"].astype(np.float64)  # wrong dtype
    state["fc1.bias"] = state["fc1.bias"] + 1  # fine on its own: must not be applied either
    return state


def test_strict_load_reports_every_problem_at_once_and_changes_nothing() -> None:
    tg.manual_seed(0)
    model = SimpleNet()
    before = {k: (p, p.detach().numpy().copy(), p._version) for k, p in model.named_parameters()}
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(_bad_state(model))
    msg = str(info.value)
    for expected in ['"fc2.bias"', '"fc3.weight"', '"fc1.weight"', "(50, 9)", "(50, 10)"]:
        assert expected in msg, f"{expected} not in: {msg}"
    assert '"fc2.weight"' in msg and "float64" in msg and "float32" in msg
    assert "Missing" in msg and "Unexpected" in msg and "SimpleNet" in msg
    for k, p in model.named_parameters():
        obj, data, version = before[k]
        assert p is obj and np.array_equal(p.data, data) and p._version == version, k


def test_non_strict_load_returns_missing_and_unexpected_and_loads_the_rest() -> None:
    tg.manual_seed(0)
    model = SimpleNet()
    state = {k: v.data + 1 for k, v in model.state_dict().items() if k != "fc2.bias"}
    state["fc3.weight"] = np.zeros((1, 50), np.float32)
    old_bias = model.fc2.bias.detach().numpy().copy()
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["fc3.weight"]
    assert result == (["fc2.bias"], ["fc3.weight"])
    np.testing.assert_array_equal(model.fc1.weight.data, state["fc1.weight"])
    np.testing.assert_array_equal(model.fc2.bias.data, old_bias)
    # shape and dtype problems are errors even when not strict, as in PyTorch
    with pytest.raises(RuntimeError, match=r"fc1\.weight"):
        model.load_state_dict({"fc1.weight": np.zeros((50, 9), np.float32)}, strict=False)


@pytest.mark.torch
def test_non_strict_load_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    ours, theirs = SimpleNet(), simplenet(torch)
    state = {k: v.detach().numpy().copy() for k, v in ours.state_dict().items() if k != "fc2.bias"}
    state["fc3.weight"] = np.zeros((1, 50), np.float32)
    state["extra.bias"] = np.zeros(3, np.float32)
    got = ours.load_state_dict(state, strict=False)
    ref = theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=False)
    assert got.missing_keys == ref.missing_keys
    assert got.unexpected_keys == ref.unexpected_keys
    # both refuse a wrong shape even when not strict, and both refuse strict mismatches
    bad = {"fc1.weight": np.zeros((50, 9), np.float32)}
    with pytest.raises(RuntimeError):
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in bad.items()}, strict=False)
    with pytest.raises(RuntimeError):
        ours.load_state_dict(bad, strict=False)
    with pytest.raises(RuntimeError):
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    with pytest.raises(RuntimeError):
        ours.load_state_dict(state)


# ---------------------------------------------------------------------- the bridge to PyTorch
@pytest.mark.torch
def test_our_checkpoint_loads_into_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model, _, _ = trained(steps=3)
    tg.save({"model": model.state_dict()}, tmp_path / "ours.npz")
    state = tg.load(tmp_path / "ours.npz")["model"]
    theirs = simplenet(torch)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})  # strict
    x = np.random.default_rng(0).standard_normal((32, 10)).astype(np.float32)
    with torch.no_grad():
        ref = theirs(torch.from_numpy(x)).numpy()
    got = model(tg.tensor(x)).detach().numpy()
    assert got.dtype == ref.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_torch_state_dict_loads_into_ours(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = simplenet(torch)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    ours = SimpleNet()
    assert ours.load_state_dict(state) == ([], [])
    tg.save(state, tmp_path / "from_torch.npz")  # and through a checkpoint file as well
    ours2 = SimpleNet()
    ours2.load_state_dict(tg.load(tmp_path / "from_torch.npz"))
    x = np.random.default_rng(1).standard_normal((32, 10)).astype(np.float32)
    with torch.no_grad():
        ref = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours2(tg.tensor(x)).data, ours(tg.tensor(x)).data)


@pytest.mark.torch
@pytest.mark.slow
def test_rmsprop_state_continues_in_torch(tmp_path: Path) -> None:
    """Our optimizer state_dict has PyTorch's layout: torch.optim.RMSprop resumes from it."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 10)).astype(np.float32)
    y = rng.standard_normal((64, 1)).astype(np.float32)
    tg.manual_seed(0)
    model = SimpleNet()
    hyper = dict(lr=0.01, alpha=0.9, eps=1e-8, momentum=0.5, centered=True, weight_decay=1e-3)
    opt = optim.RMSprop(model.parameters(), **hyper)

    def ours_step():
        opt.zero_grad()
        nn.MSELoss()(model(tg.tensor(x)), tg.tensor(y)).backward()
        opt.step()

    for _ in range(4):
        ours_step()
    tg.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "c.npz")
    ckpt = tg.load(tmp_path / "c.npz")
    theirs = simplenet(torch)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ckpt["model"].items()})
    topt = torch.optim.RMSprop(theirs.parameters(), **hyper)
    tstate = topt.state_dict()
    tstate["state"] = {
        i: {k: torch.tensor(float(v)) if k == "step" else torch.from_numpy(v) for k, v in s.items()}
        for i, s in ckpt["optim"]["state"].items()
    }
    topt.load_state_dict(tstate)
    for _ in range(3):
        ours_step()
        topt.zero_grad()
        torch.nn.functional.mse_loss(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        topt.step()
    for k, p in theirs.named_parameters():
        np.testing.assert_allclose(
            dict(model.named_parameters())[k].data, p.detach().numpy(), rtol=1e-4, atol=1e-6
        )


# ---------------------------------------------------------------------- the example
def _run_example(tmp_path: Path, block_torch: bool) -> subprocess.CompletedProcess:
    ckpt = tmp_path / "example.npz"
    if block_torch:  # as on a machine without PyTorch: `import torch` raises ImportError
        code = (
            "import runpy, sys; sys.modules['torch'] = None; "
            f"sys.argv = [{str(EXAMPLE)!r}, {str(ckpt)!r}]; "
            f"runpy.run_path({str(EXAMPLE)!r}, run_name='__main__')"
        )
        cmd = [sys.executable, "-c", code]
    else:
        cmd = [sys.executable, str(EXAMPLE), str(ckpt)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Epoch [5] in tinygrad_rms" in proc.stdout
    ckpt_back = tg.load(ckpt)  # the example's checkpoint is a valid one
    assert set(ckpt_back) == {"model", "optimizer", "epoch"}
    assert list(ckpt_back["model"]) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    return proc


@pytest.mark.slow  # a subprocess that runs the example
def test_example_runs_without_torch(tmp_path: Path) -> None:
    proc = _run_example(tmp_path, block_torch=True)
    assert "PyTorch is not installed" in proc.stdout
    assert "in PyTorch" not in proc.stdout


@pytest.mark.slow  # a subprocess that runs the example
def test_example_runs(tmp_path: Path) -> None:
    proc = _run_example(tmp_path, block_torch=False)
    try:
        import torch  # noqa: F401
    except ImportError:
        assert "PyTorch is not installed" in proc.stdout
        return
    lines = proc.stdout.splitlines()
    diff = next(line for line in lines if line.startswith("predictions:"))
    assert float(diff.rsplit("=", 1)[1]) < 1e-5
    pairs = [
        (float(line.split("Loss: ")[1].split()[0]), float(line.rsplit(" ", 1)[1].rstrip(")")))
        for line in lines
        if "in PyTorch" in line
    ]
    assert len(pairs) == 5
    for theirs, ours in pairs:
        assert abs(theirs - ours) <= 1e-5 * abs(ours)
