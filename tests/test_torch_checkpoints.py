"""Reading ``torch.save`` files without PyTorch and without unpickling (``torch_format``),
and ``save``/``load`` with file objects and torch.load's arguments.

* The fixtures in tests/fixtures/pt_*.pt (written by a real torch.save, see
  make_pt_fixtures.py) load with the values torch saved: state dicts of SimpleNet and a
  Sequential feed ``load_state_dict`` and give torch's outputs; tensors of every dtype and
  layout (transposed, sliced, expanded, permuted views) come back as Tensors; an RMSprop
  state dict comes back as plain nested dicts and continues training in ours.
* A file whose pickle names anything outside the admitted table is refused at that
  name, naming the file and the global, and its payload never runs: the fixture that
  would run ``os.system``, crafted pickles (every protocol, INST/EXT opcodes, BUILD on
  a tensor, object arrays, out-of-bounds views) — the refusal happens before any call.
* Truncated and corrupt files raise ValueError naming the file.
* Tests marked ``torch`` save with a live PyTorch into a temporary directory.
"""

from __future__ import annotations

import collections
import io
import json
import pickle
import pickletools
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fixture_util import FIXTURES, arrays, generator
from models import SimpleNet, simplenet

import tinygrad_rms as tg
from tinygrad_rms import nn, optim
from tinygrad_rms.torch_format import ADMITTED_NAMES

GEN = generator("make_pt_fixtures")
EXPECTED = arrays("pt_expected.npz")
PT = {name: FIXTURES / f"pt_{name}.pt" for name in ("simplenet", "sequential", "mixed")}


def fixture(name: str) -> Path:
    return FIXTURES / f"pt_{name}.pt"


def expected(prefix: str) -> dict[str, np.ndarray]:
    """The arrays stored under ``prefix/`` in pt_expected.npz (the key without the prefix)."""
    start = f"{prefix}/"
    return {k[len(start) :]: v for k, v in EXPECTED.items() if k.startswith(start)}


def assert_tensor(actual, want: np.ndarray, where: str) -> None:
    assert isinstance(actual, tg.Tensor), f"{where}: {type(actual).__name__}, not a Tensor"
    assert actual.dtype == want.dtype, f"{where}: {actual.dtype} != {want.dtype}"
    assert actual.shape == want.shape, f"{where}: {actual.shape} != {want.shape}"
    array = actual.detach().numpy()
    np.testing.assert_array_equal(array, want, err_msg=where)
    assert array.flags.c_contiguous and array.flags.writeable, where


# ---------------------------------------------------------------------- the fixtures
def test_fixtures_are_small() -> None:
    files = [*FIXTURES.glob("pt_*.pt"), FIXTURES / "pt_expected.npz"]
    assert len(files) == 8
    assert sum(f.stat().st_size for f in files) < 50_000


def test_admitted_names_are_the_documented_table() -> None:
    """Adding a name to the table widens what a file can do: it must be deliberate."""
    storages = [
        f"torch.{t}Storage" for t in "Bool Byte Char Double Float Half Int Long Short".split()
    ]
    dtypes = [
        f"torch.{d}"
        for d in "bool double float float16 float32 float64 half int int16 int32 int64 int8 "
        "long short uint16 uint32 uint64 uint8".split()
    ]
    numpy_names = [
        f"{m}.{n}"
        for m in ("numpy._core.multiarray", "numpy.core.multiarray")
        for n in ("_reconstruct", "scalar")
    ] + ["numpy._core.numeric._frombuffer", "numpy.core.numeric._frombuffer"]
    assert set(ADMITTED_NAMES) == {
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "collections.OrderedDict",
        "builtins.set",
        "builtins.frozenset",
        "builtins.complex",
        "builtins.bytearray",
        "_codecs.encode",
        "torch.Size",
        "torch.device",
        "torch.UntypedStorage",
        "torch.storage.UntypedStorage",
        "numpy.dtype",
        "numpy.ndarray",
        *storages,
        *dtypes,
        *numpy_names,
    }


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("simplenet", SimpleNet),
        ("sequential", lambda: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))),
    ],
)
def test_state_dict_fixture_loads_into_our_model(name: str, model) -> None:
    want = expected(name)
    state = tg.load(fixture(name))
    assert type(state) is collections.OrderedDict
    assert list(state) == [k for k in want if k not in ("x", "y")]
    for key, value in state.items():
        assert_tensor(value, want[key], key)
        assert not value.requires_grad
    assert state._metadata[""] == {"version": 1}  # what torch's state_dict attaches
    ours = model()
    assert ours.load_state_dict(state) == ([], [])
    out = ours(tg.tensor(want["x"])).detach().numpy()
    np.testing.assert_allclose(out, want["y"], rtol=1e-5, atol=1e-6)


def test_mixed_fixture_has_every_dtype_and_layout() -> None:
    want = expected("mixed")
    got = tg.load(fixture("mixed"))
    tensors = [k for k in want if k not in ("plain_json", "numpy", "numpy_scalar")]
    assert len(tensors) == 17
    for key in tensors:
        assert_tensor(got[key], want[key], key)
    assert {str(got[k].dtype) for k in tensors} >= {
        "int64", "int32", "uint8", "uint16", "bool", "float16", "float64", "float32"
    }  # fmt: skip
    assert got["transposed"].shape == (6, 4) and got["permuted"].shape == (4, 2, 3)
    assert got["expanded"].shape == (4, 3) and got["scalar"].shape == ()
    # views of one torch storage come back as independent tensors
    got["shared_a"].data[0] = -1
    assert got["shared_b"].data.tolist() == [0, 3, 6, 9]
    assert isinstance(got["parameter"], nn.Parameter) and got["parameter"].requires_grad
    assert got["requires_grad"].requires_grad and got["requires_grad"].is_leaf
    assert not got["int64"].requires_grad
    # numpy values stay numpy values, as torch.load returns them
    assert type(got["numpy"]) is np.ndarray
    np.testing.assert_array_equal(got["numpy"], want["numpy"])
    assert type(got["numpy_scalar"]) is np.float64 and got["numpy_scalar"] == 0.875
    plain = json.loads(str(want["plain_json"]))
    assert plain == GEN.MIXED_PLAIN
    for key, value in plain.items():
        assert got[key] == value and type(got[key]) is type(value), key


def test_ordered_dict_fixture_keeps_its_type_and_order() -> None:
    got = tg.load(fixture("ordered"))
    assert type(got) is collections.OrderedDict
    assert list(got) == ["zeta", 3, "alpha"]
    assert got[3] == "three"
    assert_tensor(got["zeta"], expected("ordered")["zeta"], "zeta")
    assert_tensor(got["alpha"], expected("ordered")["alpha"], "alpha")


def test_rmsprop_state_dict_loads_as_plain_nested_dicts() -> None:
    got = tg.load(fixture("rmsprop"))
    assert type(got) is dict and list(got) == ["state", "param_groups"]
    assert list(got["state"]) == [0, 1]  # int keys, as torch saved them
    groups = json.loads(str(EXPECTED["rmsprop/param_groups_json"]))
    assert got["param_groups"] == groups
    assert got["param_groups"][0]["params"] == [0, 1]
    for index, buffers in got["state"].items():
        want = expected(f"rmsprop/state/{index}")
        assert set(buffers) == set(want) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
        for name, value in buffers.items():
            assert_tensor(value, want[name], f"state[{index}][{name!r}]")
        assert buffers["step"].shape == () and buffers["step"].item() == GEN.RMSPROP_STEPS


def test_rmsprop_state_from_torch_continues_in_ours() -> None:
    """Not required of a reader, but it works: our RMSprop takes torch's state dict."""
    model = nn.Linear(4, 3)
    model.load_state_dict(expected("rmsprop/model"))
    opt = optim.RMSprop(model.parameters(), **GEN.RMSPROP_HYPER)
    opt.load_state_dict(tg.load(fixture("rmsprop")))
    opt.zero_grad()
    x, y = EXPECTED["rmsprop/x"], EXPECTED["rmsprop/y"]
    nn.MSELoss()(model(tg.tensor(x)), tg.tensor(y)).backward()
    opt.step()
    for key, value in expected("rmsprop/next").items():
        np.testing.assert_allclose(
            dict(model.named_parameters())[key].data, value, rtol=1e-5, atol=1e-6
        )


# ---------------------------------------------------------------------- refusing code
def _globals_in(program: bytes) -> list[str]:
    found, strings = [], []
    for op, arg, _ in pickletools.genops(program):
        if op.name == "GLOBAL":
            found.append(arg.replace(" ", "."))
        elif op.name == "STACK_GLOBAL":
            found.append(".".join(strings[-2:]))
        if isinstance(arg, str):
            strings.append(arg)
    return found


def test_malicious_fixture_really_carries_os_system() -> None:
    """Control, without running it: the pickle inside names os.system and the command."""
    with zipfile.ZipFile(fixture("malicious")) as z:
        program = z.read("pt_malicious/data.pkl")  # torch names the folder after the file
    assert "posix.system" in _globals_in(program)  # os.system, as pickled on POSIX
    assert GEN.MALICIOUS_COMMAND.encode() in program
    assert "torch._utils._rebuild_tensor_v2" in _globals_in(program)  # beside a real tensor


def test_malicious_fixture_is_refused_and_its_command_not_run() -> None:
    marker = Path(GEN.MALICIOUS_MARKER)
    marker.unlink(missing_ok=True)
    path = fixture("malicious")
    with pytest.raises(ValueError) as info:
        tg.load(path)
    message = str(info.value)
    assert str(path) in message and "'posix.system'" in message
    assert "nothing was executed" in message
    assert not marker.exists()
    with pytest.raises(ValueError):  # weights_only=False changes nothing: never unpickled
        tg.load(path, weights_only=False)
    assert not marker.exists()


def test_legacy_format_is_refused_with_a_clear_message() -> None:
    path = fixture("legacy")
    with pytest.raises(ValueError, match=r"legacy \(pre-1\.6\) PyTorch") as info:
        tg.load(path)
    assert str(path) in str(info.value)


class _Payload:
    """Unpickling this creates ``marker`` (with ``open``, or with ``os.system``)."""

    def __init__(self, marker: Path, shell: bool = False) -> None:
        self.marker, self.shell = str(marker), shell

    def __reduce__(self):
        import os

        if self.shell:
            return (os.system, (f"touch {self.marker}",))
        return (open, (self.marker, "w"))


def torch_zip(path: Path, program: bytes, storages: dict[str, bytes] | None = None) -> Path:
    """A zip laid out as torch.save lays it out, holding ``program`` as its pickle."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", program)
        z.writestr("archive/byteorder", "little")
        for key, raw in (storages or {}).items():
            z.writestr(f"archive/data/{key}", raw)
        z.writestr("archive/version", "3\n")
    return path


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("shell", [False, True], ids=["open", "os_system"])
def test_pickled_payload_in_torch_zip_is_refused_at_every_protocol(
    tmp_path: Path, protocol: int, shell: bool
) -> None:
    marker = tmp_path / "pwned"
    program = pickle.dumps({"w": 1, "evil": _Payload(marker, shell)}, protocol=protocol)
    path = torch_zip(tmp_path / "evil.pt", program)
    with pytest.raises(ValueError) as info:
        tg.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()


# a tiny pickle assembler (protocol 2 opcodes), to craft what torch.save would never write
def G(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def S(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def I(value: int) -> bytes:  # noqa: E743
    return b"J" + struct.pack("<i", value)


def T(*parts: bytes) -> bytes:
    return b"(" + b"".join(parts) + b"t"


HOOKS = G("collections", "OrderedDict") + b")R"


def tensor_v2(key="0", numel=6, offset=0, size=(2, 3), stride=(3, 1), kind="FloatStorage"):
    storage = T(S("storage"), G("torch", kind), S(key), S("cpu"), I(numel)) + b"Q"
    sizes, strides = T(*map(I, size)), T(*map(I, stride))
    return (
        G("torch._utils", "_rebuild_tensor_v2")
        + T(storage, I(offset), sizes, strides, b"\x89", HOOKS)
        + b"R"
    )


SIX_FLOATS = {"0": np.arange(6, dtype=np.float32).tobytes()}


def crafted(tmp_path: Path, body: bytes, storages=None) -> Path:
    return torch_zip(tmp_path / "crafted.pt", b"\x80\x02" + body + b".", storages)


def test_crafted_tensor_loads(tmp_path: Path) -> None:
    """Control for the crafted files below: the assembler writes what torch writes."""
    got = tg.load(crafted(tmp_path, tensor_v2(), SIX_FLOATS))
    assert_tensor(got, np.arange(6, dtype=np.float32).reshape(2, 3), "crafted")
    got = tg.load(crafted(tmp_path, tensor_v2(size=(3, 2), stride=(1, 3)), SIX_FLOATS))
    assert_tensor(got, np.arange(6, dtype=np.float32).reshape(2, 3).T, "transposed")


@pytest.mark.parametrize(
    "name",
    [
        "os.system",
        "posix.system",
        "builtins.eval",
        "builtins.exec",
        "builtins.getattr",
        "builtins.__import__",
        "__builtin__.eval",
        "subprocess.Popen",
        "numpy.load",
        "numpy.frombuffer",
        "torch.load",
        "torch._utils._rebuild_device_tensor_from_numpy",
        "torch.nn.modules.linear.Linear",
        "copyreg._reconstructor",
        "collections.namedtuple",
        "pickle.loads",
    ],
)
def test_any_other_global_is_refused_by_name(tmp_path: Path, name: str) -> None:
    module, _, attr = name.rpartition(".")
    path = crafted(tmp_path, G(module, attr) + S("echo hi") + b"\x85R")
    with pytest.raises(ValueError) as info:
        tg.load(path)
    shown = name.replace("__builtin__", "builtins")
    assert str(path) in str(info.value) and f"'{shown}'" in str(info.value)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"(ios\nsystem\n", "opcode"),  # INST: names a class in the opcode itself
        (b"\x82\x01" + S("x") + b"\x85R", "opcode"),  # EXT1: a name via copyreg's registry
        (b"P0\n", "opcode"),  # PERSID, text form
        (b"S'x'\n", "opcode"),  # STRING (protocol 0)
        (S("posix") + S("system") + b"\x93", "'posix.system'"),  # STACK_GLOBAL
        (S("not callable") + b")R", "calls a str"),  # REDUCE on a plain value
        (b"}" + b")R", "calls a dict"),
        (tensor_v2() + b"N}" + S("data") + S("x") + b"s\x86b", "BUILD"),  # on a Tensor
        (HOOKS + b"}" + S("items") + S("x") + b"sb", "'items'"),  # shadowing a method
        (HOOKS + b"}" + S("__class__") + S("x") + b"sb", "'__class__'"),
        (b"]" + S("x") + b"}b", "BUILD"),  # BUILD on a list
        (T(S("storage"), S("x"), S("0"), S("cpu"), I(6)) + b"Q", "not a storage type"),
        (S("not a tuple") + b"Q", "persistent id"),
        (G("torch", "BFloat16Storage"), "bfloat16"),
        (G("torch._utils", "_rebuild_qtensor"), "quantized"),
        (G("numpy", "dtype") + T(S("O"), b"\x89", b"\x88") + b"R", "numpy dtype 'O'"),
        (G("numpy", "dtype") + T(S("f8,i4"), b"\x89", b"\x88") + b"R", "numpy dtype"),
        (G("numpy.core.multiarray", "_reconstruct") + T(S("x"), T(I(0)), S("b")) + b"R", "ndarray"),
        (G("_codecs", "encode") + T(S("x"), S("rot13")) + b"R", "latin1"),
        (G("torch", "device") + T(S("cuda")) + b"R", "only 'cpu'"),
    ],
    ids=[
        "INST",
        "EXT1",
        "PERSID",
        "STRING",
        "STACK_GLOBAL",
        "reduce_str",
        "reduce_dict",
        "build_tensor",
        "build_shadowing",
        "build_class",
        "build_list",
        "fake_storage_type",
        "bad_persistent_id",
        "bfloat16",
        "quantized",
        "object_dtype",
        "structured_dtype",
        "reconstruct_other_class",
        "codecs_other_encoding",
        "cuda_device",
    ],
)
def test_crafted_pickle_is_refused(tmp_path: Path, body: bytes, match: str) -> None:
    path = crafted(tmp_path, body, SIX_FLOATS)
    with pytest.raises(ValueError, match=match) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_numpy_object_array_is_refused_before_its_items_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    arr = np.empty(2, dtype=object)
    arr[0] = _Payload(marker)
    for protocol in (2, 4, 5):
        path = torch_zip(tmp_path / "obj.pt", pickle.dumps({"a": arr}, protocol=protocol))
        with pytest.raises(ValueError, match="numpy dtype 'O"):
            tg.load(path)
    assert not marker.exists()


def test_numpy_dtype_state_never_changes_numpy_itself(tmp_path: Path) -> None:
    """numpy.dtype('f8', copy=False) is numpy's shared float64: a BUILD that set its byte
    order in place would corrupt every later float64 array.  Ours builds a new dtype."""
    dtype = G("numpy", "dtype") + T(S("f8"), b"\x89", b"\x89") + b"R"
    state = T(I(3), S(">"), b"N", b"N", b"N", I(-1), I(-1), I(0))
    raw = b"C\x08" + bytes(7) + b"\x01"  # SHORT_BINBYTES: 1.0e-323 big-endian, 5e-324 * 2
    scalar = G("numpy.core.multiarray", "scalar") + T(dtype + state + b"b", raw) + b"R"
    got = tg.load(crafted(tmp_path, scalar))
    assert type(got) is np.float64 and got == np.frombuffer(bytes(7) + b"\x01", ">f8")[0]
    assert np.dtype("f8").byteorder == "=" and np.float64(1.5).tobytes()[-1] == 0x3F


@pytest.mark.parametrize(
    ("tensor", "match"),
    [
        (tensor_v2(size=(3, 3)), "reaches element"),
        (tensor_v2(offset=1), "reaches element"),
        (tensor_v2(offset=6, size=(1,), stride=(1,)), "reaches element"),
        (tensor_v2(stride=(-1, 1)), "negative"),
        (tensor_v2(offset=-1), "negative"),
        (tensor_v2(size=(2,), stride=(3, 1)), "size"),
        (tensor_v2(size=(10**6, 10**6), stride=(0, 0)), "would need"),
        (tensor_v2(numel=7), "declares"),
        (tensor_v2(key="1"), "missing"),
        (tensor_v2(key="../../../etc/passwd"), "missing"),
        (tensor_v2(kind="UntypedStorage"), "typed storage"),
    ],
    ids=[
        "too_big",
        "offset_past_end",
        "offset_at_end",
        "negative_stride",
        "negative_offset",
        "rank_mismatch",
        "huge_expand",
        "numel_mismatch",
        "missing_storage",
        "path_like_key",
        "untyped_storage_for_v2",
    ],
)
def test_tensor_views_are_checked_against_their_storage(
    tmp_path: Path, tensor: bytes, match: str
) -> None:
    path = crafted(tmp_path, tensor, SIX_FLOATS)
    with pytest.raises(ValueError, match=match) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_deeply_nested_pickle_is_a_value_error_not_a_recursion_error(tmp_path: Path) -> None:
    depth = 100_000
    path = crafted(tmp_path, b"]" * depth + b"a" * (depth - 1))
    with pytest.raises(ValueError, match="deeper than 100 levels") as info:
        tg.load(path)
    assert str(path) in str(info.value)
    got = tg.load(crafted(tmp_path, b"]" * 90 + b"a" * 89))  # within the limit: loads
    for _ in range(89):
        (got,) = got
    assert got == []


@pytest.mark.parametrize(
    "body",
    [b"]q\x00h\x00a", b"}q\x00X\x01\x00\x00\x00kh\x00s", b"]q\x00]q\x01h\x00ah\x01a"],
    ids=["list_in_itself", "dict_in_itself", "two_lists_in_each_other"],
)
def test_a_pickle_that_contains_itself_is_refused(tmp_path: Path, body: bytes) -> None:
    path = crafted(tmp_path, body)
    with pytest.raises(ValueError, match="contains itself") as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_shared_containers_are_not_cycles(tmp_path: Path) -> None:
    # [x, x] with x = []: the memo shares one list twice
    got = tg.load(crafted(tmp_path, b"](]q\x00h\x00e"))
    assert got == [[], []] and got[0] is got[1]


# ---------------------------------------------------------------------- damaged files
def _rezip(data: bytes, drop: str = "", replace: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != drop:
                dst.writestr(info, (replace or {}).get(info.filename, src.read(info)))
    return out.getvalue()


def _flip_in_member(data: bytes, member: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    name_len, extra_len = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_len + extra_len
    buf = bytearray(data)
    buf[start + info.compress_size // 2] ^= 0xFF
    return bytes(buf)


A = "pt_simplenet/"  # the folder inside pt_simplenet.pt


def _program(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"{A}data.pkl")


DAMAGE = {
    "truncated_to_10_bytes": lambda d: d[:10],
    "truncated_to_half": lambda d: d[: len(d) // 2],
    "last_byte_missing": lambda d: d[:-1],
    "byte_flipped_in_a_storage": lambda d: _flip_in_member(d, f"{A}data/0"),
    "byte_flipped_in_the_pickle": lambda d: _flip_in_member(d, f"{A}data.pkl"),
    "no_pickle": lambda d: _rezip(d, drop=f"{A}data.pkl"),
    "storage_missing": lambda d: _rezip(d, drop=f"{A}data/1"),
    "storage_cut_short": lambda d: _rezip(d, replace={f"{A}data/0": b"\0" * 12}),
    "pickle_cut_short": lambda d: _rezip(d, replace={f"{A}data.pkl": _program(d)[:100]}),
    "pickle_without_stop": lambda d: _rezip(d, replace={f"{A}data.pkl": _program(d)[:-1]}),
    "pickle_of_garbage": lambda d: _rezip(
        d, replace={f"{A}data.pkl": np.random.default_rng(0).bytes(300)}
    ),
    "bad_byteorder": lambda d: _rezip(d, replace={f"{A}byteorder": b"middle"}),
    "random_bytes_after_zip_magic": lambda d: b"PK\x03\x04" + np.random.default_rng(2).bytes(900),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_torch_file_raises_value_error_naming_the_path(tmp_path: Path, damage: str) -> None:
    original = fixture("simplenet").read_bytes()
    assert zipfile.ZipFile(io.BytesIO(original)).namelist()[0] == f"{A}data.pkl"
    path = tmp_path / "damaged.pt"
    path.write_bytes(DAMAGE[damage](original))
    with pytest.raises(ValueError) as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_torchscript_archive_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "scripted.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}.")
        z.writestr("archive/constants.pkl", b"\x80\x02).")
        z.writestr("archive/code/__torch__.py", "")
    with pytest.raises(ValueError, match="TorchScript"):
        tg.load(path)


# ---------------------------------------------------------------------- file objects, arguments
def test_load_from_file_objects() -> None:
    want = expected("simplenet")["fc1.weight"]
    with open(fixture("simplenet"), "rb") as f:
        assert_tensor(tg.load(f)["fc1.weight"], want, "open file")
    buffer = io.BytesIO(b"junk" + fixture("simplenet").read_bytes())
    buffer.seek(4)  # read from the current position, as torch.load does
    assert_tensor(tg.load(buffer)["fc1.weight"], want, "BytesIO")


def test_errors_name_the_file_object(tmp_path: Path) -> None:
    path = tmp_path / "damaged.pt"
    path.write_bytes(fixture("simplenet").read_bytes()[:100])
    with open(path, "rb") as f, pytest.raises(ValueError) as info:
        tg.load(f)
    assert str(path) in str(info.value)
    with pytest.raises(ValueError, match="<BytesIO>"):
        tg.load(io.BytesIO(b"not a checkpoint"))
    with open(fixture("legacy"), encoding="latin-1") as text, pytest.raises(TypeError, match="rb"):
        tg.load(text)
    with pytest.raises(TypeError, match="path or a binary file"):
        tg.load(42)


def test_save_and_load_through_file_objects(tmp_path: Path) -> None:
    tg.manual_seed(0)
    model = SimpleNet()
    obj = {"model": model.state_dict(), "epoch": 3, "tag": ("a", 1)}
    buffer = io.BytesIO()
    assert tg.save(obj, buffer) is None
    buffer.seek(0)
    back = tg.load(buffer)
    assert back["epoch"] == 3 and back["tag"] == ("a", 1)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(back["model"][key], value.data)
    path = tmp_path / "ckpt.pt"
    with open(path, "wb") as f:
        tg.save(obj, f)
    with open(path, "rb") as f:
        assert tg.load(f)["epoch"] == 3
    assert tg.load(path)["tag"] == ("a", 1)
    with pytest.raises(TypeError, match="path or a binary file"):
        tg.save(obj, 42)


@pytest.mark.parametrize(
    "map_location",
    [
        None,
        "cpu",
        "cpu:0",
        tg.device("cpu"),
        {"cuda:0": "cpu"},
        {"cpu": tg.device("cpu")},
        lambda storage, loc: storage,
        lambda storage, loc: storage.cpu(),
        lambda storage, loc: None,
    ],
    ids=[
        "none",
        "cpu",
        "cpu0",
        "device",
        "dict",
        "dict_device",
        "lambda",
        "lambda_cpu",
        "lambda_none",
    ],
)
@pytest.mark.parametrize("weights_only", [None, True, False])
def test_cpu_map_locations_and_weights_only_are_accepted(
    tmp_path: Path, map_location, weights_only
) -> None:
    state = tg.load(fixture("simplenet"), map_location=map_location, weights_only=weights_only)
    assert_tensor(state["fc2.bias"], expected("simplenet")["fc2.bias"], "fc2.bias")
    tg.save({"x": 1}, tmp_path / "ours.npz")
    assert tg.load(tmp_path / "ours.npz", map_location, weights_only=weights_only) == {"x": 1}


@pytest.mark.parametrize(
    "map_location",
    ["cuda", "cuda:0", {"cpu": "cuda:0"}, lambda storage, loc: storage.cuda()],
    ids=["cuda", "cuda0", "dict", "lambda"],
)
def test_gpu_map_location_is_a_clear_error(map_location) -> None:
    with pytest.raises(RuntimeError, match="not available"):
        tg.load(fixture("simplenet"), map_location=map_location)


def test_torch_load_arguments() -> None:
    path = fixture("sequential")
    assert tg.load(path, pickle_module=pickle, mmap=True, encoding="latin1") is not None
    with pytest.raises(TypeError, match="pickle_module"):
        tg.load(path, pickle_module=json)
    with pytest.raises(TypeError, match="unexpected"):
        tg.load(path, fix_imports=False)
    with pytest.raises(TypeError, match="map_location"):
        tg.load(path, map_location=3)


def test_saving_a_whole_module_or_optimizer_is_refused(tmp_path: Path) -> None:
    model = SimpleNet()
    opt = optim.RMSprop(model.parameters())
    for obj, name in [(model, "SimpleNet"), ({"opt": opt}, "RMSprop")]:
        with pytest.raises(TypeError, match=r"state_dict\(\)") as info:
            tg.save(obj, tmp_path / "c.pt")
        assert name in str(info.value)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- live PyTorch
def _live_models(torch):
    return {
        "linear": (lambda lib: lib.nn.Linear(5, 3), 5),
        "sequential": (
            lambda lib: lib.nn.Sequential(
                lib.nn.Linear(6, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16), lib.nn.Tanh(),
                lib.nn.Linear(16, 2),
            ),
            6,
        ),
        "simplenet": (simplenet, 10),
    }  # fmt: skip


@pytest.mark.torch
@pytest.mark.parametrize("name", ["linear", "sequential", "simplenet"])
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_live_torch_state_dict_gives_the_same_outputs(
    tmp_path: Path, name: str, protocol: int
) -> None:
    torch = pytest.importorskip("torch")
    build, n_in = _live_models(torch)[name]
    torch.manual_seed(protocol)
    theirs = build(torch)
    path = tmp_path / f"{name}.pt"
    torch.save(theirs.state_dict(), path, pickle_protocol=protocol)
    ours = build(tg)
    assert ours.load_state_dict(tg.load(path)) == ([], [])
    x = np.random.default_rng(protocol).standard_normal((7, n_in)).astype(np.float32)
    with torch.no_grad():
        ref = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_live_torch_bytesio_and_parameters() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    buffer = io.BytesIO()
    torch.save(list(model.parameters()), buffer)
    buffer.seek(0)
    params = tg.load(buffer)
    assert [type(p) for p in params] == [nn.Parameter, nn.Parameter]
    for ours, theirs in zip(params, model.parameters(), strict=True):
        assert ours.requires_grad
        assert_tensor(ours, theirs.detach().numpy(), "parameter")


def _random_views(torch, seed: int):
    """Tensors of assorted dtypes whose layouts torch.save keeps as they are."""
    rng = np.random.default_rng(seed)
    dtypes = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32,
              torch.int16, torch.int8, torch.uint8, torch.bool]  # fmt: skip
    views = []
    for i in range(12):
        dtype = dtypes[i % len(dtypes)]
        shape = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        base = torch.from_numpy(rng.standard_normal(shape) * 50).to(dtype)
        view = base
        if rng.random() < 0.5:
            view = view.permute(*rng.permutation(view.dim()).tolist())
        dim = int(rng.integers(view.dim()))
        if view.shape[dim] > 1:
            view = view.narrow(dim, 1, view.shape[dim] - 1)
        if rng.random() < 0.3:
            view = view.unsqueeze(0).expand(2, *view.shape)
        views.append(view)
    return views


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(5))
def test_live_torch_views_and_dtypes(tmp_path: Path, seed: int) -> None:
    torch = pytest.importorskip("torch")
    views = _random_views(torch, seed)
    path = tmp_path / "views.pt"
    torch.save({"views": views, "scalars": [v.flatten()[0] for v in views]}, path)
    got = tg.load(path)
    for i, (ours, theirs) in enumerate(zip(got["views"], views, strict=True)):
        assert_tensor(ours, theirs.contiguous().numpy(), f"view {i}")
    for ours, theirs in zip(got["scalars"], got["views"], strict=True):
        assert ours.shape == () and ours.item() == theirs.data.flatten()[0]


@pytest.mark.torch
def test_live_torch_rmsprop_continues_identically(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    hyper = dict(lr=0.01, alpha=0.95, eps=1e-8, momentum=0.9, centered=False, weight_decay=0.0)
    torch.manual_seed(0)
    theirs = simplenet(torch)
    topt = torch.optim.RMSprop(theirs.parameters(), **hyper)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 10)).astype(np.float32)
    y = rng.standard_normal((32, 1)).astype(np.float32)

    def torch_step() -> None:
        topt.zero_grad()
        torch.nn.functional.mse_loss(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        topt.step()

    for _ in range(3):
        torch_step()
    path = tmp_path / "ckpt.pt"
    torch.save({"model": theirs.state_dict(), "optim": topt.state_dict(), "epoch": 3}, path)
    ckpt = tg.load(path)
    assert ckpt["epoch"] == 3
    ours = SimpleNet()
    ours.load_state_dict(ckpt["model"])
    opt = optim.RMSprop(ours.parameters(), **hyper)
    opt.load_state_dict(ckpt["optim"])
    for _ in range(3):
        torch_step()
        opt.zero_grad()
        nn.MSELoss()(ours(tg.tensor(x)), tg.tensor(y)).backward()
        opt.step()
    for key, p in theirs.named_parameters():
        np.testing.assert_allclose(
            dict(ours.named_parameters())[key].data, p.detach().numpy(), rtol=1e-4, atol=1e-6
        )


@pytest.mark.torch
@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_live_torch_numpy_and_plain_values(tmp_path: Path, protocol: int) -> None:
    torch = pytest.importorskip("torch")
    obj = {
        "acc": np.float64(0.91),
        "steps": np.int64(12),
        "hist": np.arange(6, dtype=np.float32).reshape(2, 3).T,
        "fortran": np.asfortranarray(np.arange(6).reshape(2, 3)),
        "big_endian": np.arange(3, dtype=">i4"),
        "dtype": torch.float64,
        "shape": torch.Size([2, 3]),
        "device": torch.device("cpu"),
        "misc": (1 + 2j, {1, 2}, frozenset({"a"}), b"raw", bytearray(b"ba"), 2**80, -1.5),
    }
    path = tmp_path / "values.pt"
    torch.save(obj, path, pickle_protocol=protocol)
    got = tg.load(path)
    assert type(got["acc"]) is np.float64 and got["acc"] == 0.91
    assert type(got["steps"]) is np.int64 and got["steps"] == 12
    for key in ("hist", "fortran", "big_endian"):
        assert type(got[key]) is np.ndarray and got[key].dtype.isnative
        np.testing.assert_array_equal(got[key], obj[key])
    assert got["dtype"] == np.float64 and got["shape"] == (2, 3)
    assert got["device"] == tg.device("cpu")
    assert got["misc"] == obj["misc"]
    assert [type(v) for v in got["misc"]] == [type(v) for v in obj["misc"]]


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["bfloat16", "complex64"])
def test_live_torch_unsupported_dtypes_are_refused_clearly(tmp_path: Path, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    torch.save({"t": torch.ones(2, dtype=getattr(torch, dtype))}, path)
    with pytest.raises(ValueError, match="bfloat16" if dtype == "bfloat16" else "complex"):
        tg.load(path)


@pytest.mark.torch
def test_live_torch_payload_is_refused_by_both_libraries(tmp_path: Path) -> None:
    """torch.load(weights_only=True) refuses the same file: the same policy, kept here
    without torch."""
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(2), "evil": _Payload(marker, shell=True)}, path)
    with pytest.raises(ValueError, match=r"'(posix|os|nt)\.system'"):
        tg.load(path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


@pytest.mark.torch
def test_live_torch_legacy_format_is_refused(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "old.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="legacy"):
        tg.load(path)
