"""set_num_threads / get_num_threads / set_num_interop_threads: PyTorch's names, reaching
numpy's BLAS (read back through threadpoolctl) and Numba's pool."""

from __future__ import annotations

import sys

import numba
import pytest
import threadpoolctl

import tinygrad_rms as tg
from tinygrad_rms import threads


@pytest.fixture(autouse=True)
def _restore_threads():
    """Each test leaves BLAS, OpenMP and Numba as it found them."""
    before = threadpoolctl.threadpool_info()
    numba_before = numba.get_num_threads()
    requested = dict(threads._requested)
    yield
    for pool in before:
        threadpoolctl.threadpool_limits(limits=pool["num_threads"], user_api=pool["user_api"])
    numba.set_num_threads(numba_before)
    threads._requested.update(requested)


def _blas_counts() -> list[int]:
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


def test_set_num_threads_reaches_blas_and_numba():
    assert _blas_counts(), "numpy's BLAS should be visible to threadpoolctl"
    tg.set_num_threads(1)
    assert tg.get_num_threads() == 1
    assert _blas_counts() == [1] * len(_blas_counts())
    assert numba.get_num_threads() == 1
    tg.set_num_threads(2)
    assert tg.get_num_threads() == 2
    assert set(_blas_counts()) == {2}
    assert numba.get_num_threads() == min(2, numba.config.NUMBA_NUM_THREADS)


def test_get_num_threads_before_any_call_is_what_blas_uses():
    threads._requested["intra"] = None
    assert tg.get_num_threads() == max(_blas_counts())


def test_results_do_not_depend_on_the_thread_count():
    a = tg.randn(200, 300)
    b = tg.randn(300, 100)
    tg.set_num_threads(1)
    one = (a @ b).numpy().copy()
    tg.set_num_threads(2)
    two = (a @ b).numpy()
    assert one.shape == two.shape == (200, 100)
    assert abs(one - two).max() <= 1e-4  # BLAS may split sums differently; never more


def test_interop_threads_are_accepted_and_recorded():
    assert tg.get_num_interop_threads() >= 1
    tg.set_num_interop_threads(3)
    assert tg.get_num_interop_threads() == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "set_num_threads expects a positive integer"),
        (-1, "set_num_threads expects a positive integer"),
        (1.5, "set_num_threads expects an int, but got float"),
        ("2", "set_num_threads expects an int, but got str"),
        (True, "set_num_threads expects an int, but got bool"),
    ],
)
def test_bad_counts_are_refused_as_pytorch_refuses_them(value, message):
    """The messages are PyTorch 2.13's and 2.15's (the live test below checks them)."""
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        tg.set_num_threads(value)
    with pytest.raises(
        RuntimeError, match="^" + message.replace("set_num_threads", "set_num_interop_threads")
    ):
        tg.set_num_interop_threads(value)


@pytest.mark.torch
@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_bad_count_messages_match_live_torch(value):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.set_num_threads(value)
    with pytest.raises(RuntimeError) as ours:
        tg.set_num_threads(value)
    assert str(ours.value) == str(theirs.value)


def test_without_threadpoolctl_the_message_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import now fails
    with pytest.raises(ModuleNotFoundError, match="pip install threadpoolctl"):
        tg.set_num_threads(1)
    assert tg.get_num_threads() >= 1  # still answers (from os.cpu_count)
