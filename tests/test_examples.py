"""Every example runs (in --smoke mode) and the numbers it returns support its claim.

Each example's ``main(argv)`` is imported and called in this process, so the kernels are
compiled once for all of them.  Figures are drawn (into a temporary folder) only when
matplotlib is importable; without it the plot tests are skipped and the examples must
still run.
"""

from __future__ import annotations

import importlib.util
import re
import runpy
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # runs every example (≈20 s): CI runs `-m slow`

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
if str(EXAMPLES) not in sys.path:  # the examples import their helpers as `_common`
    sys.path.insert(0, str(EXAMPLES))

try:
    import matplotlib  # noqa: F401

    HAVE_MPL = True
except ImportError:
    HAVE_MPL = False


def _pictures() -> dict[str, list[str]]:
    """docs/make_pictures.py's registry: example -> the PNGs its --plot draws."""
    spec = importlib.util.spec_from_file_location(
        "make_pictures", ROOT / "docs" / "make_pictures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PICTURES


# the examples with a main(argv) (simplenet.py is the document's script: tested below)
PNGS = {name: pngs for name, pngs in _pictures().items() if name != "simplenet"}
EPOCH_LINE = re.compile(r"^Epoch \[(\d+)/10\], Loss: \d+\.\d{4}$")


def load(name: str) -> ModuleType:
    """Import examples/NAME.py as a module (the examples folder is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def img_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("img")


@pytest.fixture(scope="module")
def run(img_dir: Path):
    """``run(name)``: that example's smoke-mode results, computed once per module."""
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            argv = ["--smoke"] + (["--plot", "--out", str(img_dir)] if HAVE_MPL else [])
            cache[name] = load(name).main(argv)
        return cache[name]

    return get


def test_adagrad_step_never_grows_rmsprop_goes_down_and_up(run) -> None:
    res = run("adagrad_vs_rmsprop")
    ada = res["Adagrad"]["step_size"]
    rms = res["RMSprop"]["step_size"]
    assert len(ada) == len(rms) == 3 * res["steps_per_phase"]
    assert res["adagrad_non_increasing"]
    assert np.all(np.diff(ada) <= 0)
    assert ada[-1] < 0.1 * ada[0]
    # RMSprop: not monotone, and the moves follow the gradient phases
    assert np.any(np.diff(rms) > 0) and np.any(np.diff(rms) < 0)
    assert res["rmsprop_drop_in_noisy_phase"] > 1.5
    assert res["rmsprop_rise_after_noisy_phase"] > 1.5


def test_rmsprop_recovers_after_the_switch_adagrad_stalls(run) -> None:
    res = run("nonstationary")
    ada, rms = res["Adagrad"], res["RMSprop"]
    assert rms["end"] < ada["end"] / 5
    assert np.isfinite(rms["recovery_steps"])
    assert not np.isfinite(ada["recovery_steps"])  # never back to its pre-switch level
    assert ada["end"] > 10 * ada["before_switch"]


def test_learning_rate_matters_and_adam_wins_somewhere(run) -> None:
    res = run("compare_optimizers")
    rms = res["sweep_final"]["RMSprop"]
    assert len(rms) == len(res["lrs"]) >= 5
    assert np.all(np.isfinite(rms))
    assert res["rmsprop_sweep_ratio"] == pytest.approx(rms.max() / rms.min())
    assert res["rmsprop_sweep_ratio"] > 5
    net = res["simplenet"]
    assert net["Adam"]["final"] < net["RMSprop"]["final"]  # "may not be as good as Adam"
    names = {"SGD", "SGD+momentum", "Adagrad", "RMSprop", "RMSprop centered", "Adam"}
    names |= {"Rprop", "Adadelta", "Adamax", "NAdam", "RAdam"}  # the rest of the family
    assert set(res["quadratic"]) == set(net) == names
    # the docstring's point about Adadelta: after 100 steps it has barely left f = 30.5
    assert res["quadratic"]["Adadelta"] > 10
    # axis-aligned, the per-coordinate Adagrad beats tuned SGD; rotated 45°, SGD beats it
    # and RMSprop; SGD itself does not care about the rotation
    table = res["quadratic_table"]
    aligned, rotated = table["axis-aligned, tuned"], table["rotated 45°, tuned"]
    assert aligned["Adagrad"] < aligned["SGD"] / 100
    assert rotated["SGD"] < rotated["Adagrad"] / 100
    assert rotated["SGD"] < rotated["RMSprop"] / 100
    assert rotated["SGD"] == pytest.approx(aligned["SGD"], rel=1e-3)
    assert table["rotated 45°, common"]["Adagrad"] > 1  # at lr 0.09 it has hardly moved


def test_rnn_beats_the_baselines(run) -> None:
    res = run("rnn_sequence")
    assert res["test_mse"] < res["baselines"]["last value"] / 2
    assert res["test_mse"] < res["baselines"]["zero"] / 10
    train_losses = [h[1] for h in res["history"][1:]]
    assert train_losses[-1] < train_losses[0]


def test_char_lstm_learns_and_samples(run) -> None:
    res = run("char_lstm")
    assert set(res["curves"]) == {"RMSprop", "Adagrad", "SGD"}
    uniform = np.log2(res["vocab"])
    for curve in res["curves"].values():
        assert len(curve) >= 2 and all(np.isfinite(v) for _, v in curve)
        assert curve[-1][1] < uniform  # better than guessing uniformly after a few steps
    assert res["sample"].startswith("Return ") and len(res["sample"]) == len("Return ") + 70


def test_digits_cnn_reaches_97_percent(run) -> None:
    """Whichever data it found (scikit-learn's digits, or the synthetic stand-in when
    scikit-learn is not installed, as in CI), the CNN classifies 97 % of held-out digits."""
    res = run("digits_cnn")
    assert res["accuracy"] >= 0.97, res["source"]
    losses = [h[1] for h in res["history"]]
    assert losses[-1] < losses[0] / 10


def test_conventions_differ_most_with_tiny_gradients(run) -> None:
    res = run("conventions")
    final = res["final"]
    assert set(final) == {"pytorch", "keras", "tf1", "optax", "document"}
    assert res["largest_difference"] > 0.1
    assert res["largest_difference"] == pytest.approx(max(final.values()) - min(final.values()))
    # only optax and the document share a formula (without momentum)
    assert res["identical"] == ["optax=document"]
    phases = res["phases"]
    assert phases["tiny"]["ratio"] > 10
    normal = max(phases["normal"]["ratio"], phases["normal again"]["ratio"])
    assert phases["tiny"]["ratio"] > 3 * normal


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
@pytest.mark.parametrize("name", sorted(PNGS))
def test_plots_are_written(run, img_dir: Path, name: str) -> None:
    run(name)
    for png in PNGS[name]:
        path = img_dir / png
        assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png


def test_without_matplotlib_plot_prints_a_note(monkeypatch, capsys) -> None:
    common = load("_common")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    args = common.parse_args(["--plot"], "doc")
    assert common.pyplot(args) is None
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert common.pyplot(common.parse_args([], "doc")) is None  # no --plot: nothing to do


def run_simplenet(monkeypatch, capsys, *args: str) -> list[str]:
    """Run examples/simplenet.py as a script (in this process) and return its stdout lines."""
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / "simplenet.py"), *args])
    runpy.run_path(str(EXAMPLES / "simplenet.py"), run_name="__main__")
    return capsys.readouterr().out.splitlines()


def test_simplenet_prints_exactly_ten_epoch_lines(monkeypatch, capsys) -> None:
    lines = run_simplenet(monkeypatch, capsys)
    assert len(lines) == 10
    assert [int(EPOCH_LINE.match(line).group(1)) for line in lines] == list(range(1, 11))


@pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
def test_simplenet_plot(monkeypatch, capsys, tmp_path: Path) -> None:
    lines = run_simplenet(monkeypatch, capsys, "--plot", "--out", str(tmp_path))
    assert sum(bool(EPOCH_LINE.match(line)) for line in lines) == 10
    assert (tmp_path / "simplenet_loss.png").exists()


# ---------------------------------------------------------------- the command line
ALL_EXAMPLES = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_"))


def run_as_script(name: str, *args: str) -> None:
    """Run examples/NAME.py as ``python examples/NAME.py ARGS`` would (in this process)."""
    sys.argv = [str(EXAMPLES / f"{name}.py"), *args]
    runpy.run_path(sys.argv[0], run_name="__main__")


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_help_exits_0_and_writes_nothing(name, monkeypatch, capsys, tmp_path: Path) -> None:
    import _common  # the module the examples import (examples/ is on sys.path)

    monkeypatch.setattr(sys, "argv", sys.argv)  # restored afterwards
    monkeypatch.chdir(tmp_path)  # a file written to the current folder would show here
    monkeypatch.setattr(_common, "DEFAULT_OUT", tmp_path / "default_out")
    with pytest.raises(SystemExit) as stop:
        run_as_script(name, "--help")
    assert stop.value.code in (0, None)
    out = capsys.readouterr().out
    assert out.startswith("usage:") and "--out DIR" in out and "--quick" in out
    assert list(tmp_path.iterdir()) == [], "--help wrote a file"


def test_export_example_treats_plot_as_a_flag(monkeypatch, capsys, tmp_path: Path) -> None:
    """``--plot`` used to become the checkpoint's file name; now it is a flag, and without
    a path or --out the checkpoint goes to a temporary folder that is removed."""
    monkeypatch.setattr(sys, "argv", sys.argv)
    monkeypatch.setitem(sys.modules, "torch", None)  # the quick half only
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        run_as_script("export_to_pytorch", "--plot", "--quick")
    assert stop.value.code == 0
    assert "saved model and optimizer state" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
