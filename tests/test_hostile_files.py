"""Hostile checkpoint files: each is refused with one ValueError that names the file,
before anything large is allocated and without blocking; saving has no process-wide side
effects.  (The classes of issue 14; the cases are this project's own attacks.)"""

from __future__ import annotations

import io
import json
import os
import threading
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rms as tg

FIXTURES = Path(__file__).resolve().parent / "fixtures"
META = "__tinygrad_rms__"


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _description(root: dict) -> bytes:
    meta = {"format": "tinygrad_rms-checkpoint", "version": 1, "root": root}
    return _npy(np.array(json.dumps(meta)))


def _header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    """An .npy header alone (version 1.0), declaring ``shape``."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    text = text.ljust(117) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode()


def _archive(path: Path, members: dict[str, bytes], compress: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _peak_while(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _refused(path: Path, match: str) -> None:
    """load(path) raises ValueError naming the file, allocating at most a few times the
    file's size (the promise: a small file cannot make load allocate much)."""
    size = path.stat().st_size

    def attempt() -> None:
        with pytest.raises(ValueError, match=match) as info:
            tg.load(path)
        assert str(path) in str(info.value)

    peak = _peak_while(attempt)
    assert peak < 8 * size + (2 << 20), f"load allocated {peak} bytes for a {size}-byte file"


# ---------------------------------------------------------------------- sizes
def test_an_npy_header_declaring_a_trillion_elements(tmp_path: Path) -> None:
    path = _archive(
        tmp_path / "huge.npz",
        {f"{META}.npy": _description({"array": "a0"}), "a0.npy": _header((10**12,))},
    )
    _refused(path, "declares 1000000000000 elements")


def test_an_unreferenced_member_declaring_a_huge_array(tmp_path: Path) -> None:
    path = _archive(
        tmp_path / "stray.npz",
        {
            f"{META}.npy": _description({"value": 1}),
            "a9.npy": _header((4096, 4096, 4096)),
        },
    )
    _refused(path, "declares")


def test_a_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    zeros = _header((2_500_000,)) + bytes(20_000_000)  # 20 MB of zeros deflate to ~20 kB
    path = _archive(
        tmp_path / "bomb.npz",
        {f"{META}.npy": _description({"array": "a0"}), "a0.npy": zeros},
        compress=zipfile.ZIP_DEFLATED,
    )
    assert path.stat().st_size < 100_000
    _refused(path, "refusing to inflate")


def test_a_torch_archive_carrying_a_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pt"
    with zipfile.ZipFile(FIXTURES / "pt_simplenet.pt") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("pt_simplenet/data/99", bytes(30_000_000), zipfile.ZIP_DEFLATED)
    _refused(path, "refusing to inflate")


# ---------------------------------------------------------------------- what is read
@pytest.mark.parametrize(
    ("method", "match"),
    [(zipfile.ZIP_BZIP2, "compression method 12"), (zipfile.ZIP_LZMA, "compression method 14")],
)
def test_members_compressed_another_way_are_refused(tmp_path: Path, method, match) -> None:
    path = _archive(
        tmp_path / "odd.npz",
        {f"{META}.npy": _description({"array": "a0"}), "a0.npy": _npy(np.zeros(3))},
        compress=method,
    )
    _refused(path, match)


def test_an_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = _archive(
        tmp_path / "secret.npz",
        {f"{META}.npy": _description({"array": "a0"}), "a0.npy": _npy(np.zeros(3))},
    )
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set bit 0 of the flags
        at = raw.find(signature)
        while at != -1:
            raw[at + offset] |= 1
            at = raw.find(signature, at + 4)
    path.write_bytes(bytes(raw))
    _refused(path, "encrypted member")


def test_a_member_that_is_not_an_array_is_refused(tmp_path: Path) -> None:
    path = _archive(
        tmp_path / "extra.npz",
        {f"{META}.npy": _description({"value": 1}), "readme.txt": b"hello"},
    )
    _refused(path, "not .npy arrays")


@pytest.mark.parametrize("descr", ["|O", "<M8[s]", "<U4", "|V8"])
def test_non_numeric_members_are_refused(tmp_path: Path, descr: str) -> None:
    body = _header((2,), descr) + bytes(32)
    path = _archive(
        tmp_path / "odd.npz", {f"{META}.npy": _description({"array": "a0"}), "a0.npy": body}
    )
    match = "pickled objects" if descr == "|O" else "only numeric arrays"
    _refused(path, match)


# ---------------------------------------------------------------------- not a file
def _loads_within(path: Path, seconds: float) -> BaseException | None:
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            tg.load(path)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"load({path}) blocked for {seconds} s"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    error = _loads_within(fifo, 5.0)
    assert isinstance(error, ValueError) and "not a regular file" in str(error)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    error = _loads_within(tmp_path, 5.0)
    assert isinstance(error, ValueError) and str(tmp_path) in str(error)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_without_reading_it() -> None:
    error = _loads_within(Path("/dev/zero"), 5.0)
    assert isinstance(error, ValueError) and "not a regular file" in str(error)


# ---------------------------------------------------------------------- nesting
def _nested(depth: int) -> list:
    root: list = []
    inner = root
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    return root


@pytest.mark.parametrize("depth", [150, 5000])
def test_saving_deep_nesting_is_a_value_error(depth: int) -> None:
    with pytest.raises(ValueError, match="nest deeper than 100 levels"):
        tg.save(_nested(depth), io.BytesIO())


def test_saving_a_container_that_holds_itself_is_a_value_error() -> None:
    loop: dict = {"w": np.zeros(2)}
    loop["again"] = [loop]
    with pytest.raises(ValueError, match=r"root\['again'\]\[0\] contains itself"):
        tg.save(loop, io.BytesIO())
    shared = [np.ones(1)]
    tg.save({"a": shared, "b": shared}, io.BytesIO())  # shared, not circular: fine


@pytest.mark.parametrize("depth", [150, 100_000])
def test_loading_deep_nesting_is_a_value_error(tmp_path: Path, depth: int) -> None:
    root = {"value": 1}
    text = '{"list": [' * depth + json.dumps(root) + "]}" * depth
    meta = '{"format": "tinygrad_rms-checkpoint", "version": 1, "root": ' + text + "}"
    path = _archive(tmp_path / "deep.npz", {f"{META}.npy": _npy(np.array(meta))})
    with pytest.raises(ValueError, match="deeper than 100 levels") as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_nesting_within_the_limit_round_trips(tmp_path: Path) -> None:
    obj = _nested(90)
    tg.save(obj, tmp_path / "ok.npz")
    assert tg.load(tmp_path / "ok.npz") == obj


# ---------------------------------------------------------------------- damage
@pytest.mark.parametrize("cut", [10, 60, 200, -30, -1])
def test_every_truncation_is_a_value_error_naming_the_file(tmp_path: Path, cut: int) -> None:
    good = tmp_path / "good.npz"
    tg.save({"w": np.arange(50.0), "step": 3}, good)
    raw = good.read_bytes()
    bad = tmp_path / "cut.npz"
    bad.write_bytes(raw[:cut])
    with pytest.raises(ValueError) as info:
        tg.load(bad)
    assert str(bad) in str(info.value)


def _flip_each_byte(raw: bytes, bad: Path, step: int, check) -> None:
    """Flip every ``step``-th byte of ``raw`` in turn: loading must give a ValueError
    naming the file, or (in bytes nothing reads, e.g. zip timestamps) pass ``check``."""
    for i in range(0, len(raw), step):
        flipped = bytearray(raw)
        flipped[i] ^= 0xFF
        bad.write_bytes(bytes(flipped))
        try:
            loaded = tg.load(bad)
        except ValueError as e:
            assert str(bad) in str(e), (i, e)
            continue
        check(loaded, i)


def test_every_single_byte_flip_is_refused_or_harmless(tmp_path: Path) -> None:
    good = tmp_path / "good.npz"
    original = {"w": np.arange(6.0).reshape(2, 3), "n": 7}
    tg.save(original, good)

    def check(loaded, i: int) -> None:
        assert loaded["n"] == 7 and np.array_equal(loaded["w"], original["w"]), i

    _flip_each_byte(good.read_bytes(), tmp_path / "flipped.npz", 7, check)


# ---------------------------------------------------------------------- saving
def test_save_never_touches_the_umask(tmp_path: Path, monkeypatch) -> None:
    def forbidden(mask: int) -> int:
        raise AssertionError("save changed the process umask")

    monkeypatch.setattr(os, "umask", forbidden)
    tg.save({"w": np.zeros(2)}, tmp_path / "ckpt.npz")
    plain = tmp_path / "plain"
    with open(plain, "wb"):
        pass
    # the permissions a plain open() gives, whatever this process's umask is
    assert (tmp_path / "ckpt.npz").stat().st_mode == plain.stat().st_mode


def test_concurrent_saves_give_normal_permissions(tmp_path: Path) -> None:
    paths = [tmp_path / f"c{i}.npz" for i in range(16)]
    threads = [threading.Thread(target=tg.save, args=({"w": np.zeros(3)}, p)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    plain = tmp_path / "plain"
    plain.touch()
    assert {p.stat().st_mode for p in paths} == {plain.stat().st_mode}


@pytest.mark.slow  # thousands of files
def test_every_byte_flip_of_a_pytorch_file_is_refused_or_harmless(tmp_path: Path) -> None:
    """The same for a file PyTorch wrote (its pickle, storages and zip structure)."""
    expected = tg.load(FIXTURES / "pt_simplenet.pt")

    def check(loaded, i: int) -> None:
        assert list(loaded) == list(expected), i
        for key, value in expected.items():
            np.testing.assert_array_equal(loaded[key].numpy(), value.numpy(), err_msg=str(i))

    raw = (FIXTURES / "pt_simplenet.pt").read_bytes()
    _flip_each_byte(raw, tmp_path / "flipped.pt", 5, check)
