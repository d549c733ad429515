"""The torch.* spellings programs use: dtype names, device, linspace, full, the
module-level forms of ops, and in-place ``-=`` that updates (never rebinds) a tensor."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest

import tinygrad_rms as tg

HAS_TORCH = importlib.util.find_spec("torch") is not None


def test_dtype_names():
    assert tg.float is tg.float32 and tg.double is tg.float64 and tg.long is tg.int64
    assert tg.zeros(2, dtype=tg.float).dtype == np.float32
    assert tg.ones(2, dtype=tg.double).dtype == np.float64


def test_device_is_the_cpu():
    d = tg.device("cpu")
    assert d.type == "cpu" and str(d) == "cpu" and d == "cpu" and d == tg.device("cpu:0")
    assert repr(tg.device("cpu:0")) == "device(type='cpu', index=0)"
    t = tg.tensor([1.0, 2.0], device=d)
    assert t.device == d and t.cpu() is t and t.to("cpu") is t and t.to(d) is t
    assert t.to(d, tg.float64).dtype == np.float64
    assert tg.zeros(2, device="cpu").device.type == "cpu"


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_asking_for_a_gpu_is_a_clear_error(name):
    d = tg.device(name)  # a name only, as in PyTorch: using it is the error
    assert str(d) == name and d != tg.device("cpu")
    for use in (lambda: tg.zeros(2, device=name), lambda: tg.ones(2).to(d)):
        with pytest.raises(RuntimeError, match="CPU only"):
            use()
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.set_default_device(name)
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        tg.device("gpu")


def test_the_cuda_check_idiom_evaluates_both_sides():
    assert not (tg.cuda.is_available() & (tg.device("cuda").index is not None))
    assert tg.device("cuda").index is None and tg.device("cuda:1").index == 1
    tg.set_default_device("cpu")
    tg.set_default_device(None)


def test_out_arguments_write_into_the_given_tensor():
    a, b = tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.tensor([[0.5, -1.0], [2.0, 1.0]])
    y = tg.zeros(2, 2)
    memory = y.detach().numpy()
    assert tg.matmul(a, b, out=y) is y and y.detach().numpy() is memory
    np.testing.assert_array_equal(y.numpy(), a.numpy() @ b.numpy())
    z = tg.zeros(1)  # resized to the result, as PyTorch does
    assert tg.mul(a, 2, out=z).shape == (2, 2)
    np.testing.assert_array_equal(z.numpy(), a.numpy() * 2)
    np.testing.assert_array_equal(tg.sum(a, 1, out=tg.zeros(2)).numpy(), [3.0, 7.0])
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        tg.mul(w, 2, out=tg.zeros(2))
    i = tg.zeros(2, dtype=tg.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        tg.exp(tg.ones(2), out=i)
    assert i.tolist() == [0, 0]


def test_softmax_and_log_softmax_as_torch_functions():
    x = tg.tensor([2.0, 1.0, 0.1], dtype=tg.float64)
    e = np.exp(x.numpy() - x.numpy().max())
    np.testing.assert_allclose(tg.softmax(x, dim=0).numpy(), e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(tg.log_softmax(x, 0).numpy(), np.log(e / e.sum()), rtol=1e-14)


def test_device_needs_a_string():
    with pytest.raises(TypeError, match="string"):
        tg.device(0)


@pytest.mark.parametrize("steps", [0, 1, 2, 5, 7, 2000])
def test_linspace_against_numpy(steps):
    got = tg.linspace(-math.pi, math.pi, steps)
    assert got.dtype == np.float32 and got.shape == (steps,)
    expected = np.linspace(-math.pi, math.pi, steps)
    np.testing.assert_allclose(got.data, expected, rtol=0, atol=4e-7)
    if steps:
        assert got.data[0] == np.float32(-math.pi)
    if steps > 1:
        assert got.data[-1] == np.float32(math.pi)  # both ends exact


def test_linspace_float64_and_bad_steps():
    np.testing.assert_allclose(
        tg.linspace(0, 1, 11, dtype=tg.float64).data, np.linspace(0, 1, 11), rtol=1e-15
    )
    with pytest.raises(ValueError, match="steps"):
        tg.linspace(0, 1, -1)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_linspace_is_torchs_bit_for_bit():
    """float32 and integer results equal PyTorch's exactly (its fused multiply-adds
    emulated); float64 ones within an ulp."""
    import torch

    for start, end in ((-math.pi, math.pi), (-3.0, 2.5), (0.1, 7.3), (0, 100)):
        for steps in (1, 2, 5, 17, 100, 2000):
            for ours, theirs in ((tg.float32, torch.float32), (tg.int64, torch.int64)):
                np.testing.assert_array_equal(
                    tg.linspace(start, end, steps, dtype=ours).data,
                    torch.linspace(start, end, steps, dtype=theirs).numpy(),
                )
            np.testing.assert_allclose(
                tg.linspace(start, end, steps, dtype=tg.float64).data,
                torch.linspace(start, end, steps, dtype=torch.float64).numpy(),
                rtol=3e-16,
                atol=1e-300,
            )


def test_full_infers_pytorchs_dtype():
    assert tg.full((2, 3), 1.5).dtype == np.float32
    assert tg.full((2,), 4).dtype == np.int64
    assert tg.full((2,), True).dtype == np.bool_
    scalar = tg.full((), 0.3, dtype=tg.float64, requires_grad=True)
    assert scalar.shape == () and scalar.requires_grad and scalar.item() == 0.3


def test_module_level_ops_are_the_methods():
    x = tg.tensor([[0.5, -1.0], [2.0, 0.25]])
    for name in ("sin", "cos", "exp", "abs", "relu", "tanh", "sigmoid"):
        np.testing.assert_array_equal(getattr(tg, name)(x).data, getattr(x, name)().data)
    np.testing.assert_array_equal(tg.mm(x, x).data, (x @ x).data)
    np.testing.assert_array_equal(tg.sum(x, 1).data, x.data.sum(1))
    np.testing.assert_array_equal(tg.pow(x, 2).data, x.data**2)


def test_mm_needs_matrices():
    with pytest.raises(ValueError, match="2-d"):
        tg.ones(3).mm(tg.ones(3, 2))


def test_inplace_operators_update_the_same_tensor():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    same = p
    with tg.no_grad():
        p -= 0.5 * p.grad
        p *= 2.0
        p += 1.0
        p /= 2.0
    assert p is same and p.requires_grad and p.is_leaf
    np.testing.assert_allclose(p.data, ((np.array([1.0, 2.0]) * 0.0) * 2 + 1) / 2)
    assert p._version == 4


def test_inplace_on_a_leaf_that_requires_grad_needs_no_grad():
    p = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        p -= 1.0
    np.testing.assert_array_equal(p.data, [1.0])  # nothing changed


def test_manual_sgd_trains_like_the_math():
    """The classic loop ``w -= lr * w.grad`` under no_grad: the same iterates as plain
    numpy gradient descent on the same least-squares problem."""
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    w = tg.tensor(np.zeros(3), dtype=tg.float64, requires_grad=True)
    ref = np.zeros(3)
    for _ in range(25):
        loss = ((tg.tensor(X) @ w - tg.tensor(y)) ** 2).sum()
        loss.backward()
        with tg.no_grad():
            w -= 0.01 * w.grad
            w.grad.zero_()
        ref -= 0.01 * 2 * X.T @ (X @ ref - y)
    np.testing.assert_allclose(w.data, ref, rtol=1e-12)


def test_cuda_and_backends_say_there_is_no_gpu():
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    assert tg.backends.mps.is_available() is False
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")  # the usual idiom
    assert device.type == "cpu"
    tg.cuda.manual_seed(0)  # accepted, as programs call it unconditionally


def test_zero_dim_tensors_format_as_numbers():
    assert f"{tg.tensor(2.5):.3f}" == "2.500"
    assert f"{tg.tensor(12.0)}" == "12.0"
    assert f"{tg.tensor(7)}" == "7"
    assert f"{tg.tensor([1.0, 2.0])}".startswith("tensor(")
    with pytest.raises(TypeError):
        f"{tg.tensor([1.0, 2.0]):.3f}"


@pytest.mark.parametrize(
    "args,expected,dtype",
    [
        ((5,), [0, 1, 2, 3, 4], np.int64),
        ((2, 7, 2), [2, 4, 6], np.int64),
        ((0, 1, 0.25), [0.0, 0.25, 0.5, 0.75], np.float32),
        ((1.0, 4.0), [1.0, 2.0, 3.0], np.float32),
        ((5, 0, -2), [5, 3, 1], np.int64),
    ],
)
def test_arange(args, expected, dtype):
    t = tg.arange(*args)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, expected)


@pytest.mark.torch
@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_arange_against_torch():
    import torch

    for args in ((10,), (-3, 7, 3), (0, 1, 0.1), (0.5, -2.0, -0.3), (1, 2.5, 0.5)):
        ours, theirs = tg.arange(*args), torch.arange(*args)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_arange_refuses_a_bad_step():
    with pytest.raises(ValueError, match="step"):
        tg.arange(0, 3, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        tg.arange(0, 3, -1)


def test_from_numpy_and_as_tensor_share_memory():
    a = np.arange(3.0)
    t = tg.from_numpy(a)
    a[0] = 7.0
    assert t.data[0] == 7.0 and t.dtype == np.float64
    assert tg.as_tensor(a).detach().numpy() is a
    assert tg.as_tensor(t) is t
    assert tg.as_tensor([1, 2]).dtype == np.int64
    assert tg.as_tensor(a, dtype=tg.float32).dtype == np.float32
    with pytest.raises(TypeError, match="numpy array"):
        tg.from_numpy([1.0])


def test_filled_and_like():
    x = tg.ones(2, 3, dtype=tg.float64)
    assert tg.zeros_like(x).dtype == np.float64 and tg.zeros_like(x).shape == (2, 3)
    np.testing.assert_array_equal(tg.ones_like(x).data, np.ones((2, 3)))
    np.testing.assert_array_equal(tg.full_like(x, 4).data, np.full((2, 3), 4.0))
    assert tg.empty(2, 3).shape == (2, 3) and tg.empty_like(x).dtype == np.float64
    assert tg.zeros(size=(4,)).shape == (4,)
    np.testing.assert_array_equal(tg.eye(2, 3).data, np.eye(2, 3))
    assert tg.rand_like(x).dtype == np.float64 and tg.randn_like(x).shape == (2, 3)
    with pytest.raises(TypeError, match="once"):
        tg.zeros(2, size=(2,))


def test_random_integers_and_permutations():
    tg.manual_seed(1)
    r = tg.randint(3, 7, (1000,))
    assert r.dtype == np.int64 and r.data.min() == 3 and r.data.max() == 6
    assert tg.randint(5, (2, 2)).shape == (2, 2)
    p = tg.randperm(10)
    assert p.dtype == np.int64 and sorted(p.data.tolist()) == list(range(10))
    with pytest.raises(ValueError, match="high"):
        tg.randint(5, 5, (1,))


def test_normal_moments_and_shapes():
    tg.manual_seed(2)
    x = tg.normal(3.0, 0.5, size=(20000,))
    assert x.dtype == np.float32
    assert abs(float(x.data.mean()) - 3.0) < 0.02 and abs(float(x.data.std()) - 0.5) < 0.02
    means = tg.tensor([0.0, 10.0], dtype=tg.float64)
    y = tg.normal(means, tg.tensor([1.0, 1.0], dtype=tg.float64))
    assert y.shape == (2,) and y.dtype == np.float64
    with pytest.raises(ValueError, match="non-negative"):
        tg.normal(0.0, -1.0, size=(2,))


def test_seeded_random_functions_repeat():
    draws = []
    for _ in range(2):
        tg.manual_seed(11)
        draws.append(
            (tg.randint(0, 100, (5,)).data, tg.randperm(6).data, tg.normal(size=(3,)).data)
        )
    for a, b in zip(*draws, strict=True):
        np.testing.assert_array_equal(a, b)


def test_legacy_tensor_types():
    f = tg.FloatTensor([1, 2])
    assert f.dtype == np.float32 and isinstance(f, tg.FloatTensor)
    assert not isinstance(f, tg.LongTensor) and isinstance(tg.LongTensor([1]), tg.LongTensor)
    assert tg.FloatTensor(2, 3).shape == (2, 3)
    assert tg.DoubleTensor(np.ones(2, np.float32)).dtype == np.float64
    assert tg.ByteTensor([1]).dtype == np.uint8 and tg.BoolTensor([1, 0]).dtype == np.bool_
    with pytest.raises(ValueError, match="sizes"):
        tg.FloatTensor(2, -1)


def test_variable_is_a_tensor_as_in_pytorch():
    from tinygrad_rms.autograd import Variable

    t = tg.ones(2)
    v = Variable(t, requires_grad=True)
    assert v is not t and v.requires_grad and not t.requires_grad
    assert np.shares_memory(v.data, t.data) and isinstance(t, Variable)
    (v * 3).sum().backward()
    np.testing.assert_array_equal(v.grad.data, [3.0, 3.0])
    with pytest.raises(TypeError, match="tensor"):
        Variable([1.0])


def test_more_dtype_names_and_helpers():
    assert tg.int == np.int32 and tg.bool == np.bool_ and tg.uint8 == np.uint8
    assert tg.get_default_dtype() == np.float32
    assert tg.is_tensor(tg.ones(1)) and not tg.is_tensor(np.ones(1))
    assert tg.numel(tg.ones(2, 3)) == 6


def test_a_missing_name_points_to_the_porting_notes():
    with pytest.raises(AttributeError, match=r"porting-from-pytorch\.md"):
        tg.fft  # noqa: B018


# ---------------------------------------------------------------------- torch.Tensor(...)
def test_the_tensor_constructor_as_pytorchs():
    """``torch.Tensor`` (the legacy constructor): numbers and lists become the default float
    dtype, sizes make a tensor of that shape, no arguments an empty one."""
    assert tg.Tensor([1, 2]).dtype == np.float32 and tg.Tensor([True]).dtype == np.float32
    np.testing.assert_array_equal(tg.Tensor([[1, 2], [3, 4]]).numpy(), [[1.0, 2.0], [3.0, 4.0]])
    assert tg.Tensor(2, 3).shape == (2, 3) and tg.Tensor(2, 3).dtype == np.float32
    assert tg.Tensor((4,)).tolist() == [4.0]  # a tuple is data, as in PyTorch
    assert tg.Tensor(5).shape == (5,)
    assert tg.Tensor().shape == (0,)
    with pytest.raises(ValueError, match=r"size -2"):
        tg.Tensor(3, -2)
    # documented difference: an array keeps its dtype (PyTorch converts it to float32)
    assert tg.Tensor(np.ones(2)).dtype == np.float64


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_the_tensor_constructor_against_live_pytorch():
    import torch

    for args in [([1, 2],), ([[1.5, 2]],), (2, 3), ((4,),), (5,), ()]:
        ours, theirs = tg.Tensor(*args), torch.Tensor(*args)
        assert ours.shape == tuple(theirs.shape), args
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), args
        if args and not isinstance(args[0], int):
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_type_names_and_conversions():
    x = tg.tensor([1.5, -2.0])
    assert x.type() == "torch.FloatTensor"
    assert x.double().type() == "torch.DoubleTensor"
    assert x.long().type() == "torch.LongTensor" and x.int().type() == "torch.IntTensor"
    assert x.bool().type() == "torch.BoolTensor"
    assert x.type("torch.DoubleTensor").dtype == np.float64
    assert x.type(tg.LongTensor).tolist() == [1, -2]
    assert x.type(tg.float64).dtype == np.float64 and x.type(tg.float32) is x
    with pytest.raises(ValueError, match=r"torch\.CudaTensor"):
        x.type("torch.CudaTensor")


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_type_names_against_live_pytorch():
    import torch

    for dtype in ["float32", "float64", "int64", "int32", "bool", "uint8"]:
        ours = tg.zeros(2, dtype=getattr(tg, dtype)).type()
        assert ours == torch.zeros(2, dtype=getattr(torch, dtype)).type(), dtype


@pytest.fixture
def float64_default():
    tg.set_default_dtype(tg.float64)
    try:
        yield
    finally:
        tg.set_default_dtype(tg.float32)


def test_set_default_dtype_changes_new_float_tensors(float64_default):
    import tinygrad_rms.nn as nn

    assert tg.get_default_dtype() == np.float64
    made = [
        tg.tensor([1.5]),
        tg.Tensor([1, 2]),
        tg.zeros(2),
        tg.randn(2),
        tg.linspace(0, 1, 3),
        tg.arange(0.0, 1.0, 0.5),
        tg.tensor([1, 2]) / 2,  # a float result of integer data
        nn.Linear(2, 3).weight,
    ]
    assert [t.dtype for t in made] == [np.float64] * len(made)
    assert tg.tensor([1, 2]).dtype == np.int64 and tg.tensor([1, 2]).float().dtype == np.float32
    assert repr(tg.tensor([0.5])) == "tensor([0.5000])"  # the default dtype is not printed


def test_set_default_dtype_refuses_non_float_types():
    with pytest.raises(TypeError, match="int64"):
        tg.set_default_dtype(tg.int64)
    assert tg.get_default_dtype() == np.float32


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_set_default_dtype_against_live_pytorch(float64_default):
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        pairs = [
            (tg.tensor([1.5]), torch.tensor([1.5])),
            (tg.tensor([1, 2]) / 2, torch.tensor([1, 2]) / 2),
            (tg.zeros(2), torch.zeros(2)),
            (tg.linspace(0, 1, 3), torch.linspace(0, 1, 3)),
            (tg.tensor([3]) * 0.5, torch.tensor([3]) * 0.5),
        ]
        for ours, theirs in pairs:
            assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    finally:
        torch.set_default_dtype(previous)


# ---------------------------------------------------------------------- masks and inference
def test_masks_combine_with_bitwise_operators():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    ta, tb = tg.tensor(a), tg.tensor(b)
    for ours, expected in [
        (ta & tb, a & b),
        (ta | tb, a | b),
        (ta ^ tb, a ^ b),
        (~ta, ~a),
        (True & tb, True & b),
        (ta.logical_not(), ~a),
        (tg.tensor([0.0, 2.0, 3.0]).logical_and(tg.tensor([1.0, 0.0, 5.0])), [False, False, True]),
        (tg.tensor([0, 0, 3]).logical_or(tg.tensor([0, 1, 0])), [False, True, True]),
    ]:
        assert ours.dtype == np.bool_
        np.testing.assert_array_equal(ours.numpy(), expected)
    np.testing.assert_array_equal((tg.tensor([6, 5]) & 3).numpy(), [2, 1])
    np.testing.assert_array_equal((~tg.tensor([0, 5])).numpy(), [-1, -6])
    with pytest.raises(RuntimeError, match="bitwise_and: only bool and integer tensors"):
        tg.ones(2) & tg.ones(2)
    with pytest.raises(RuntimeError, match="float32"):
        ~tg.ones(2)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_masks_against_live_pytorch():
    import torch

    x = np.array([[-1.0, 2.0, 0.5], [3.0, -0.5, 0.0]])
    results = []
    for lib in (tg, torch):
        t = lib.tensor(x)
        mask = ((t > 0) & (t < 2.5)) | ~(t != 0)
        results.append([mask.numpy(), (t * mask).numpy(), (mask ^ (t < 0)).numpy()])
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_inference_mode_records_nothing():
    w = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        assert not (w * 2).requires_grad
    with tg.inference_mode(False):
        assert (w * 2).requires_grad

    @tg.inference_mode()
    def called():
        return (w * 2).requires_grad

    @tg.inference_mode
    def bare():
        return (w * 2).requires_grad

    assert not called() and not bare() and tg.is_grad_enabled()


@pytest.mark.parametrize(
    ("where", "name"),
    [
        ("tinygrad_rms.nn", "Conv3d"),
        ("tinygrad_rms.nn.functional", "conv3d"),
        ("tinygrad_rms.nn.init", "trunc_normal_"),
        ("tinygrad_rms.nn.utils", "spectral_norm"),
        ("tinygrad_rms.optim", "SparseAdam"),
        ("tinygrad_rms.optim.lr_scheduler", "SWALR"),
        ("tinygrad_rms.utils.data", "DistributedSampler"),
        ("tinygrad_rms.autograd", "functional"),
    ],
)
def test_every_module_points_a_missing_name_to_the_porting_notes(where, name):
    module = importlib.import_module(where)
    with pytest.raises(AttributeError, match=rf"{name}'.*porting-from-pytorch\.md"):
        getattr(module, name)


def test_a_missing_tensor_method_points_to_the_porting_notes():
    t = tg.ones(2)
    with pytest.raises(AttributeError, match=r"'unfold'.*porting-from-pytorch\.md"):
        t.unfold(0, 1, 1)
    with pytest.raises(AttributeError) as info:
        t._no_such_slot  # noqa: B018
    assert "porting" not in str(info.value)  # private names get the plain message
    assert not hasattr(t, "__array_interface__")
