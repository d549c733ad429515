"""L-BFGS against PyTorch, step by step.

* PyTorch's runs in ``tests/fixtures/lbfgs_torch.npz`` (``make_lbfgs_fixtures.py``:
  Rosenbrock, a logistic regression, least-squares and least-absolute (kinked) fits and a
  small tanh MLP with a parameter the loss never uses; both line searches, first trials
  far too long and far too short, a history that wraps, the max_iter and max_eval limits,
  every stopping test, lr ≠ 1), compared after every ``step(closure)``: the parameters,
  the loss returned, ``func_evals``, ``n_iter``, the closure's own count of its calls,
  and at the end the whole state; and PyTorch's line search and cubic interpolation
  alone, on 300 searches and 40 cubics;
* PyTorch live on another seed (``@pytest.mark.torch``);
* PyTorch's own state_dict, as ``torch.save`` wrote it and our ``load`` reads it, loaded and
  continued; our own state_dict through ``save``/``load``, continued bit for bit;
* the checks and refusals, with PyTorch's messages (checked live where PyTorch has them).

Tolerances.  float64: both libraries do the same operations in the same order (down to
PyTorch's reciprocal-then-multiply for a Python number over a 0-d tensor), so what
differs is rounding: PyTorch's BLAS sums dot products in its own order, rounds x + t·d
once (FMA), takes MKL's square root; our losses and gradients come from our own ops.
L-BFGS feeds every iterate into the next direction, so the ~1e-16 differences grow with
the iterations.  Observed: ≤ 3e-13 of the largest parameter on the fixture and on the
live seed (mostly ≤ 1e-15), ≤ 1.3e-11 on three other seeds; compared at 1e-10 (of the
largest parameter), every count exactly.  The final state's vectors are differences of
nearby gradients and directions near a minimum, which lose relative precision: observed
≤ 3e-11 of each one's largest entry (≤ 6e-10 elsewhere), compared at 1e-8; its step and
curvatures t, ρ, H_diag to 1e-5 (observed ≤ 3e-10, but 1.5e-6 for a step the line
search fixed within a bracket of 1e-9 around a kink).  The line search alone, given the
same function values (its direction along one axis, so gᵀd is one exact product), agrees
to ≤ 7e-14 with the same evaluations.  float32: the same rounding differences, ~6e-8
each, cross the line search's and the stopping tests' thresholds, so a float32 run may
take another branch after some iterations (as a second PyTorch build could); compared
loosely, without the counts: every step to 1e-3 of the largest parameter on the fixture
(observed ≤ 1.2e-4), the first step only live (observed ≤ 2e-5), losses to 1e-4
(observed ≤ 3e-5); the kinked loss goes its own way in float32 from the first step and
is not compared.
"""

from __future__ import annotations

import io
import json
import math
import re
from typing import Any

import fixture_util
import numpy as np
import pytest
from hostile_util import assert_unchanged, snapshot

import tinygrad_rms as tg
from tinygrad_rms import optim
from tinygrad_rms.optim.lbfgs import _cubic_minimum, _strong_wolfe

GEN = fixture_util.generator("make_lbfgs_fixtures")  # settings only: it imports torch lazily
DATA = fixture_util.arrays("lbfgs_torch.npz")
LIVE_SEED = GEN.SEED + 1

CONFIG_PARAMS = [pytest.param(cid, id=cid) for cid in GEN.CONFIGS]
DTYPES = [pytest.param(dt, id=dt) for dt in GEN.DTYPES]
COUNTS = ("func_evals", "n_iter", "calls")
#: float32 runs that go their own way from the first step: the kinked loss's line search
#: ends within 1e-9 of a kink, on the side float32 rounding picks
FLOAT32_APART = {"least_absolute-wolfe"}
#: the state's entries as ``GEN.final_state`` lists them
STATE_KEYS = ("d", "prev_flat_grad", "old_dirs", "old_stps", "ro", "al", "t", "H_diag")


# ----------------------------------------------------------------------------- helpers
def fixture_problem(problem: str, dt: str) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
    """The fixture's starting values (in ``dt``) and data of ``problem``."""
    n = len(GEN.PROBLEMS[problem][1])
    init = [DATA[f"problem/{problem}/init/p{j}"].astype(dt) for j in range(n)]
    prefix = f"problem/{problem}/data/"
    return init, {k[len(prefix) :]: v for k, v in DATA.items() if k.startswith(prefix)}


def fixture_record(cid: str, dt: str) -> dict[str, np.ndarray]:
    return {k: DATA[f"{dt}/{cid}/{k}"] for k in ("params", "loss", *COUNTS)}


def fixture_state(cid: str, dt: str) -> dict[str, np.ndarray]:
    return {k: DATA[f"{dt}/{cid}/state/{k}"] for k in (*STATE_KEYS, "prev_loss")}


def run_ours(cid: str, init: list[np.ndarray], data: dict[str, np.ndarray], **options: Any):
    return GEN.run_lbfgs(tg.tensor, optim.LBFGS, cid, init, data, **options)


def unflatten(vector: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    out, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        out.append(vector[offset : offset + size].reshape(shape).copy())
        offset += size
    return out


def assert_same_run(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], dt: str) -> None:
    """Every step's parameters and returned loss, and (float64) every count."""
    assert ours["params"].shape == theirs["params"].shape
    assert ours["params"].dtype == np.dtype(dt)
    for k, (a, b) in enumerate(zip(ours["params"], theirs["params"], strict=True)):
        scale = float(np.max(np.abs(b)))
        tol = 1e-10 if dt == "float64" else 1e-3
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale, err_msg=f"step {k + 1}")
    tol = 1e-10 if dt == "float64" else 1e-4
    np.testing.assert_allclose(ours["loss"], theirs["loss"], rtol=tol, err_msg="losses")
    if dt == "float64":
        for key in COUNTS:
            np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)


def assert_same_state(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> None:
    """float64 final states: the vectors to 1e-8 of their largest entry, the step and the
    curvatures to 1e-5 (see the docstring)."""
    for key in (*STATE_KEYS, "prev_loss"):
        a, b = ours[key], theirs[key]
        assert a.shape == b.shape, f"state '{key}': shape {a.shape} != {b.shape}"
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"state '{key}': None entries differ"
        if key in ("t", "ro", "H_diag"):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=0, err_msg=f"'{key}'")
            continue
        scale = float(np.nanmax(np.abs(b))) if b.size and not np.all(np.isnan(b)) else 0.0
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8 * scale, err_msg=f"'{key}'")


# ----------------------------------------------------------------------------- the fixture
def test_fixture_matches_current_settings():
    """A stale fixture (settings changed since it was written) must not pass silently."""
    assert json.loads(str(DATA["configs_json"])) == json.loads(json.dumps(GEN.CONFIGS))
    problems = {k: v[1] for k, v in GEN.PROBLEMS.items()}
    assert json.loads(str(DATA["problems_json"])) == json.loads(json.dumps(problems))
    assert str(DATA["torch_version"]).startswith("2.")
    for name, (_, shapes) in GEN.PROBLEMS.items():
        init, _ = fixture_problem(name, "float64")
        assert [x.shape for x in init] == [tuple(s) for s in shapes]


def test_the_runs_cover_every_branch():
    """PyTorch's runs (not ours) take each way out of a step, wrap the history, use both
    line searches and lr ≠ 1, and count every closure call in ``func_evals``."""
    seen = set()
    for cid, (_, kwargs, _) in GEN.CONFIGS.items():
        record, state = fixture_record(cid, "float64"), fixture_state(cid, "float64")
        np.testing.assert_array_equal(record["calls"], record["func_evals"])
        max_iter = kwargs.get("max_iter", 20)
        max_eval = kwargs.get("max_eval", max_iter * 5 // 4)
        iterations = np.diff(record["n_iter"], prepend=0)
        evaluations = np.diff(record["func_evals"], prepend=0)
        for iters, evals in zip(iterations, evaluations, strict=True):
            if iters == 0:
                seen.add("optimal at the start")
            elif iters == max_iter:
                seen.add("max_iter")
            elif evals >= max_eval:
                seen.add("max_eval")
            else:
                seen.add("a tolerance")
        history = kwargs.get("history_size", 100)
        if len(state["ro"]) == history < record["n_iter"][-1]:
            seen.add("history wrapped")
        seen.add(kwargs.get("line_search_fn") or "fixed steps")
        if kwargs.get("lr", 1) != 1:
            seen.add("lr")
    expected = {"optimal at the start", "max_iter", "max_eval", "a tolerance"}
    expected |= {"history wrapped", "strong_wolfe", "fixed steps", "lr"}
    assert seen == expected


# ----------------------------------------------------------------------------- trajectories
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cid", CONFIG_PARAMS)
def test_run_matches_torch_fixture(cid, dt):
    problem = GEN.CONFIGS[cid][0]
    init, data = fixture_problem(problem, dt)
    ours, opt, params = run_ours(cid, init, data)
    if dt == "float64" or cid not in FLOAT32_APART:
        assert_same_run(ours, fixture_record(cid, dt), dt)
    state = opt.state[params[0]]
    assert set(opt.state) == {params[0]}  # all of it under the first parameter
    assert set(state) == {*STATE_KEYS, "prev_loss", "func_evals", "n_iter"}
    if dt == "float64":
        assert_same_state(GEN.final_state(state), fixture_state(cid, dt))
        return
    # float32 keeps PyTorch's types: vectors and 0-d values in float32, losses as floats
    vectors = [state["d"], state["prev_flat_grad"], *state["old_dirs"], *state["old_stps"]]
    assert all(v.dtype == np.float32 for v in vectors)
    assert all(type(x) is np.float32 for x in (*state["ro"], state["H_diag"]))
    assert type(state["prev_loss"]) is float


@pytest.mark.torch
@pytest.mark.parametrize("cid", CONFIG_PARAMS)
def test_run_matches_live_torch(cid):
    pytest.importorskip("torch")
    init, data = GEN.make_problem(GEN.CONFIGS[cid][0], LIVE_SEED)
    for dt in GEN.DTYPES:
        if dt == "float32" and cid in FLOAT32_APART:
            continue
        theirs, their_state, _, _ = GEN.torch_run(cid, dt, LIVE_SEED)
        ours, opt, params = run_ours(cid, [x.astype(dt) for x in init], data)
        if dt == "float32":  # the first step only: later ones may branch apart (see above)
            ours = {k: v[:1] for k, v in ours.items()}
            theirs = {k: v[:1] for k, v in theirs.items()}
        assert_same_run(ours, theirs, dt)
        if dt == "float64":
            assert_same_state(GEN.final_state(opt.state[params[0]]), their_state)


def test_a_parameter_without_gradient_counts_as_zeros():
    """The MLP's spare parameter is never used: its gradient stays None, it takes part in
    the flat vector as zeros and never moves (PyTorch's record agrees)."""
    init, data = fixture_problem("mlp", "float64")
    spare = init[-1]
    for cid in ("mlp-wolfe-h5", "mlp-lr0.3-max_iter4"):
        _, opt, params = run_ours(cid, init, data)
        assert params[-1].grad is None
        np.testing.assert_array_equal(params[-1].detach().numpy(), spare)
        np.testing.assert_array_equal(DATA[f"float64/{cid}/params"][:, -spare.size :][-1], spare)
        state = opt.state[params[0]]
        for vector in (state["d"], state["prev_flat_grad"], *state["old_dirs"]):
            np.testing.assert_array_equal(vector[-spare.size :], 0.0)


# ----------------------------------------------------------------------------- line search
def our_line_searches(seed: int) -> dict[str, np.ndarray]:
    """GEN.torch_line_searches's record, of ours (the same cases, the same function)."""
    out: dict[str, list[Any]] = {"t": [], "f": [], "g": [], "evals": []}
    for x0, d, t0, max_ls, kink in zip(*GEN.line_search_cases(seed).values(), strict=True):
        f0, g0 = GEN.wiggly(x0, kink)

        def evaluate(t: Any, x0: np.ndarray = x0, d: np.ndarray = d, kink: float = kink) -> Any:
            return GEN.wiggly(x0 + float(t) * d, kink)

        f, g, t, evals = _strong_wolfe(evaluate, float(t0), d, f0, g0, g0.dot(d), int(max_ls))
        for key, value in zip(("t", "f", "g", "evals"), (float(t), f, g, evals), strict=True):
            out[key].append(value)
    cubic = []
    for (x1, f1, g1, x2, f2, g2), bounds in zip(*GEN.cubic_cases(seed).values(), strict=True):
        given = None if np.isnan(bounds[0]) else (float(bounds[0]), float(bounds[1]))
        cubic.append(float(_cubic_minimum(x1, f1, g1, x2, f2, g2, given)))
    return {**{k: np.array(v) for k, v in out.items()}, "cubic": np.array(cubic)}


def assert_same_line_searches(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> None:
    np.testing.assert_array_equal(ours["evals"], theirs["evals"], err_msg="evaluations")
    for key in ("t", "f", "g", "cubic"):  # g: components near 0 too, so atol by scale
        atol = 1e-12 * float(np.max(np.abs(theirs[key])))
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12, atol=atol, err_msg=key)


def test_line_search_matches_torch_fixture():
    """PyTorch's ``_strong_wolfe`` and ``_cubic_interpolate`` themselves, on 300 searches
    and 40 cubics (some with no minimum): the same steps and evaluations."""
    theirs = {k: DATA[f"line_search/{k}"] for k in ("t", "f", "g", "evals", "cubic")}
    assert_same_line_searches(our_line_searches(GEN.LINE_SEARCH_SEED), theirs)


@pytest.mark.torch
def test_line_search_matches_live_torch():
    pytest.importorskip("torch")
    seed = GEN.LINE_SEARCH_SEED + 1
    assert_same_line_searches(our_line_searches(seed), GEN.torch_line_searches(seed))


def _cubic_polynomial(ratio: float, slope: float):
    """φ(t) = 1 − t + a t² + b t³ along d = (1,): φ(0) = 1, φ'(0) = −1, and at t = 1 a
    decrease of ``ratio`` (φ(1) = 1 − ratio) and the slope ``slope``."""
    b = (1 + slope) - 2 * (1 - ratio)
    a = (1 - ratio) - b

    def evaluate(t: Any) -> tuple[float, np.ndarray]:
        t = float(t)
        return 1 - t + a * t * t + b * t**3, np.array([-1 + 2 * a * t + 3 * b * t * t])

    return evaluate


@pytest.mark.parametrize(
    "ratio,slope,accepted",
    [
        (5e-4, -0.5, True),  # decrease ≥ c₁ = 1e-4 of the slope's promise, |slope| ≤ 0.9
        (5e-5, -0.5, False),  # too little decrease (c₁ above 5e-5)
        (0.3, -0.85, True),
        (0.3, -0.95, False),  # still too steep (c₂ below 0.95)
    ],
)
def test_line_search_constants_are_pytorchs(ratio, slope, accepted):
    """The strong Wolfe conditions with PyTorch's documented defaults c₁ = 1e-4 and
    c₂ = 0.9 (``_strong_wolfe``'s signature): a first trial t = 1 that meets both is taken
    at once, one that misses either is not."""
    evaluate = _cubic_polynomial(ratio, slope)
    f0, g0 = evaluate(0.0)
    d = np.array([1.0])
    _, _, t, evals = _strong_wolfe(evaluate, 1.0, d, f0, g0, g0.dot(d), 25)
    assert (evals == 1 and t == 1.0) is accepted


def test_history_size_changed_between_steps():
    """PyTorch raises IndexError there (its ``al`` list keeps its first length): lowered,
    the history is trimmed to the new size; raised, it grows to it."""
    init, _ = fixture_problem("rosenbrock", "float64")
    x = tg.tensor(init[0], requires_grad=True)
    opt = optim.LBFGS([x], history_size=5, max_iter=6)
    closure = _closure(opt, [x], "rosenbrock", {})
    opt.step(closure)
    state = opt.state[x]
    assert len(state["old_dirs"]) == 5
    opt.param_groups[0]["history_size"] = 2
    opt.step(closure)
    assert len(state["old_dirs"]) == len(state["old_stps"]) == len(state["ro"]) == 2
    opt.param_groups[0]["history_size"] = 8
    opt.step(closure)
    assert len(state["old_dirs"]) > 5 and len(state["al"]) >= len(state["old_dirs"])
    assert np.all(np.isfinite(x.detach().numpy()))


# ----------------------------------------------------------------------------- saved states
def _continue_from_torch(cid: str, dt: str, saved: bytes, theirs: dict, problem_data) -> None:
    """Load PyTorch's state_dict (its ``torch.save`` bytes, read by our ``load``) into an
    LBFGS made with the defaults, at PyTorch's parameters after that step, and go on."""
    k = GEN.SAVE_AFTER[cid]
    _, kwargs, steps = GEN.CONFIGS[cid]
    init, data = problem_data
    loaded = tg.load(io.BytesIO(saved))
    assert isinstance(loaded["state"][0]["d"], tg.Tensor)  # as PyTorch saved it
    shapes = [x.shape for x in init]
    start = unflatten(theirs["params"][k - 1], shapes)

    def loaded_lbfgs(params: list[tg.Tensor], **_: Any) -> optim.LBFGS:
        opt = optim.LBFGS(params)  # every setting comes from the file
        opt.load_state_dict(loaded)
        return opt

    ours, opt, _ = GEN.run_lbfgs(tg.tensor, loaded_lbfgs, cid, start, data, steps=steps - k)
    expected = optim.LBFGS([_param()], **kwargs).param_groups[0]
    assert {k: v for k, v in opt.param_groups[0].items() if k != "params"} == {
        k: v for k, v in expected.items() if k != "params"
    }
    rest = {key: value[k:] for key, value in theirs.items()}
    rest["calls"] = rest["calls"] - theirs["calls"][k - 1]  # counted afresh by our closure
    assert_same_run(ours, rest, dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cid", list(GEN.SAVE_AFTER))
def test_a_torch_state_dict_loads_and_continues(cid, dt):
    saved = DATA[f"{dt}/{cid}/state_pt"].tobytes()
    problem = GEN.CONFIGS[cid][0]
    _continue_from_torch(cid, dt, saved, fixture_record(cid, dt), fixture_problem(problem, dt))


@pytest.mark.torch
def test_a_live_torch_state_dict_loads_and_continues():
    pytest.importorskip("torch")
    cid = "mlp-wolfe-h5"
    theirs, _, saved, _ = GEN.torch_run(cid, "float64", LIVE_SEED)
    init, data = GEN.make_problem(GEN.CONFIGS[cid][0], LIVE_SEED)
    _continue_from_torch(cid, "float64", saved[GEN.SAVE_AFTER[cid]], theirs, (init, data))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("cid", list(GEN.SAVE_AFTER))
def test_our_state_dict_saved_and_loaded_resumes_bit_identically(cid, dt):
    """Through ``save``/``load`` (numbers become plain floats there and come back in the
    parameters' dtype), into an optimizer made with the defaults: the same run exactly."""
    k = GEN.SAVE_AFTER[cid]
    problem, _, steps = GEN.CONFIGS[cid]
    init, data = fixture_problem(problem, dt)
    files: list[io.BytesIO] = []

    def save_at_k(step: int, opt: optim.LBFGS) -> None:
        if step == k:
            files.append(io.BytesIO())
            tg.save(opt.state_dict(), files[0])

    whole, _, _ = run_ours(cid, init, data, on_step=save_at_k)
    files[0].seek(0)
    saved = tg.load(files[0])

    def loaded_lbfgs(params: list[tg.Tensor], **_: Any) -> optim.LBFGS:
        opt = optim.LBFGS(params)
        opt.load_state_dict(saved)
        return opt

    start = unflatten(whole["params"][k - 1], [x.shape for x in init])
    resumed, _, _ = GEN.run_lbfgs(tg.tensor, loaded_lbfgs, cid, start, data, steps=steps - k)
    for key in ("params", "loss", "func_evals", "n_iter"):
        np.testing.assert_array_equal(resumed[key], whole[key][k:], err_msg=key)


def _with_maximize(described: dict) -> dict:
    """Version-specific: PyTorch 2.14 gave LBFGS the group key ``maximize``; a layout written
    by an older PyTorch (the fixture records its version) gets it added."""
    if "maximize" in str(described) or not str(DATA["torch_version"]).startswith("2.13"):
        return described
    groups = [{**g, "keys": sorted([*g["keys"], "maximize"])} for g in described["groups"]]
    return {**described, "groups": groups}


def test_state_dict_has_pytorchs_layout_and_is_a_snapshot():
    layout = json.loads(str(DATA["layout_json"]))
    problem = GEN.CONFIGS[GEN.LAYOUT_CONFIG][0]
    init, data = fixture_problem(problem, "float64")
    before: list[Any] = []

    def lbfgs(params: list[tg.Tensor], **kwargs: Any) -> optim.LBFGS:
        opt = optim.LBFGS(params, **kwargs)
        before.append(GEN.describe_state_dict(opt.state_dict()))
        return opt

    _, opt, params = GEN.run_lbfgs(tg.tensor, lbfgs, GEN.LAYOUT_CONFIG, init, data)
    sd = opt.state_dict()
    assert before[0] == _with_maximize(layout["before"])
    assert GEN.describe_state_dict(sd) == _with_maximize(layout["after"])
    frozen = snapshot(sd)
    closure = _closure(opt, params, problem, data)
    opt.step(closure)  # the history lists change in place: the snapshot must not
    assert_unchanged(frozen, sd)


# ----------------------------------------------------------------------------- arguments
def _closure(opt: optim.LBFGS, params: list[tg.Tensor], problem: str, data: dict) -> Any:
    loss_fn = GEN.PROBLEMS[problem][0]
    inputs = {k: tg.tensor(v) for k, v in data.items()}

    def closure() -> tg.Tensor:
        opt.zero_grad()
        loss = loss_fn(params, inputs)
        loss.backward()
        return loss

    return closure


def _param(n: int = 3, dtype: Any = np.float64) -> tg.Tensor:
    return tg.tensor(np.linspace(-1.0, 1.0, n).astype(dtype), requires_grad=True)


REFUSED = [
    ({"lr": -1}, ValueError, "Invalid learning rate: -1"),
    ({"line_search_fn": "armijo"}, RuntimeError, "only 'strong_wolfe' is supported"),
    ({"max_iter": 0}, ValueError, "max_iter must be at least 1, got 0"),
    ({"max_iter": 2.5}, TypeError, "max_iter must be an int, got float: 2.5"),
    ({"max_eval": 0}, ValueError, "max_eval must be at least 1, got 0"),
    ({"history_size": True}, TypeError, "history_size must be an int, got bool: True"),
    ({"tolerance_grad": "1e-5"}, TypeError, "tolerance_grad must be a number, got str: '1e-5'"),
    ({"tolerance_change": float("nan")}, ValueError, "tolerance_change must not be NaN"),
]


@pytest.mark.parametrize("kwargs,error,message", REFUSED, ids=[str(r[0]) for r in REFUSED])
def test_bad_arguments_raise_one_clear_error(kwargs, error, message):
    with pytest.raises(error) as info:
        optim.LBFGS([_param()], **kwargs)
    assert str(info.value) == message


def test_one_group_of_one_dtype_only():
    a, b = _param(), _param()
    message = "LBFGS doesn't support per-parameter options (parameter groups)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        optim.LBFGS([{"params": [a]}, {"params": [b], "lr": 0.5}])
    opt = optim.LBFGS([{"params": [a], "lr": 0.5}])  # one group with its own lr is fine
    before = snapshot(opt.param_groups)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        opt.add_param_group({"params": [b]})
    assert_unchanged(before, opt.param_groups)
    with pytest.raises(TypeError, match="must share a dtype, got float32 and float64"):
        optim.LBFGS([a, _param(dtype=np.float32)])


@pytest.mark.torch
def test_pytorch_raises_the_same_messages():
    torch = pytest.importorskip("torch")
    x = torch.ones(2, requires_grad=True)
    kwargs, error, message = REFUSED[0]
    with pytest.raises(error) as info:
        torch.optim.LBFGS([x], **kwargs)
    assert str(info.value) == message
    kwargs, error, message = REFUSED[1]
    opt = torch.optim.LBFGS([x], **kwargs)  # PyTorch checks line_search_fn in a step only

    def closure() -> Any:
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with pytest.raises(error) as info:
        opt.step(closure)
    assert str(info.value) == message
    with pytest.raises(ValueError) as info:
        torch.optim.LBFGS([{"params": [x]}, {"params": [torch.ones(1, requires_grad=True)]}])
    assert str(info.value) == "LBFGS doesn't support per-parameter options (parameter groups)"


def test_step_needs_a_closure_and_runs_it_with_grad_on():
    p = _param()
    opt = optim.LBFGS([p], max_iter=3)
    with pytest.raises(TypeError):
        opt.step()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step(None)
    assert opt.state == {}
    modes, losses = [], []

    def closure() -> tg.Tensor:
        opt.zero_grad()
        loss = ((p - 0.5) ** 2).sum()
        loss.backward()  # would raise if the graph had not been recorded
        modes.append(tg.is_grad_enabled())
        losses.append(loss)
        return loss

    with tg.no_grad():
        out = opt.step(closure)
        assert not tg.is_grad_enabled()
    assert out is losses[0]  # the loss at the parameters as they were
    assert len(modes) == opt.state[p]["func_evals"] > 1 and all(modes)


def test_refusals_at_a_step_come_before_the_closure_runs():
    """A bad value set on the group, or data converted since the last step, is refused
    before the closure is called or anything changes."""
    p = _param(4)
    opt = optim.LBFGS([p], max_iter=3)
    calls = []

    def closure() -> tg.Tensor:
        calls.append(1)
        opt.zero_grad()
        loss = (p**4).sum() + (p * p).sum()
        loss.backward()
        return loss

    opt.step(closure)
    for key, value, match in [
        ("lr", -0.5, "Invalid learning rate: -0.5"),
        ("line_search_fn", "backtracking", "only 'strong_wolfe' is supported"),
        ("history_size", 0, "history_size must be at least 1"),
    ]:
        good = opt.param_groups[0][key]
        opt.param_groups[0][key] = value
        before, n_calls = snapshot(opt.state, p), len(calls)
        with pytest.raises((ValueError, RuntimeError), match=re.escape(match)):
            opt.step(closure)
        assert_unchanged(before, opt.state, p)
        assert len(calls) == n_calls
        opt.param_groups[0][key] = good
    p.data = tg.tensor(p.detach().numpy().astype(np.float32))  # the model converted
    before, n_calls = snapshot(opt.state, p), len(calls)
    with pytest.raises(RuntimeError, match=r"state 'd' has shape \(4,\) and dtype float64"):
        opt.step(closure)
    assert_unchanged(before, opt.state, p)
    assert len(calls) == n_calls


# ----------------------------------------------------------------------------- hostile loads
def _trained() -> tuple[optim.LBFGS, list[tg.Tensor]]:
    init, data = fixture_problem("logistic", "float64")
    _, opt, params = run_ours("logistic-lr0.5-h2", init, data, steps=2)
    return opt, params


def _edit_state(**changes: Any):
    def edit(sd: dict[str, Any]) -> None:
        sd["state"][0].update(changes)

    return edit


def _pop(key: str):
    return lambda sd: sd["state"][0].pop(key)


TAMPERED = {
    "short-vector": (_edit_state(d=np.zeros(5)), "'d' must be a vector of 6 elements of float64"),
    "float32-vector": (
        _edit_state(prev_flat_grad=np.zeros(6, np.float32)),
        "shape (6,) and dtype float32",
    ),
    "vector-in-list": (
        lambda sd: sd["state"][0]["old_stps"].__setitem__(0, np.zeros((2, 3))),
        "'old_stps'[0] must be a vector",
    ),
    "history-lengths": (
        lambda sd: sd["state"][0]["ro"].pop(),
        "the history lists differ in length",
    ),
    "missing-after-iterations": (_pop("prev_flat_grad"), "no ['prev_flat_grad']"),
    "another-optimizers-state": (
        _edit_state(exp_avg=np.zeros(6)),
        "entries ['exp_avg'] that LBFGS does not keep",
    ),
    "not-under-the-first": (
        lambda sd: sd.update(state={1: sd["state"][0]}),
        "LBFGS keeps all its state under the first parameter",
    ),
    "negative-count": (_edit_state(func_evals=-1), "non-negative whole number, got -1"),
    "a-string-number": (_edit_state(t="1"), "must be a number, got str"),
    "a-vector-number": (_edit_state(H_diag=np.ones(2)), "got shape (2,)"),
    "bad-group-value": (
        lambda sd: sd["param_groups"][0].update(max_iter=0),
        "max_iter must be at least 1, got 0",
    ),
    "another-optimizers-group": (
        lambda sd: sd["param_groups"][0].update(betas=(0.9, 0.99)),
        "'betas' is not a hyperparameter of LBFGS",
    ),
}


@pytest.mark.parametrize("case", TAMPERED)
def test_a_state_dict_that_lies_is_refused_and_changes_nothing(case):
    edit, message = TAMPERED[case]
    opt, params = _trained()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = 0.25  # a valid change first: a partial load would show
    edit(sd)
    before = snapshot(opt.param_groups, opt.state, *params)
    with pytest.raises((ValueError, TypeError)) as info:
        opt.load_state_dict(sd)
    assert message in str(info.value)
    assert_unchanged(before, opt.param_groups, opt.state, *params)


def test_other_optimizers_refuse_lbfgs_state_and_back():
    opt, params = _trained()
    adam = optim.Adam(params)
    with pytest.raises(ValueError, match="is not a hyperparameter of Adam"):
        adam.load_state_dict(opt.state_dict())
    for p in params:
        p.grad = tg.zeros_like(p)
    adam.step()
    before = snapshot(opt.param_groups, opt.state)
    with pytest.raises(ValueError, match="not a hyperparameter of LBFGS"):
        opt.load_state_dict(adam.state_dict())
    assert_unchanged(before, opt.param_groups, opt.state)


# ----------------------------------------------------------------------------- maximize
def _concave_run(lib: Any, maximize: bool, negate: bool, steps: int = 4) -> list[np.ndarray]:
    """L-BFGS with the strong-Wolfe search on f(x) = −Σ wᵢ(xᵢ − cᵢ)⁴ − Σ (xᵢ − cᵢ)², whose
    maximum is at c; ``negate`` hands the optimizer −f instead."""
    rng = np.random.default_rng(7)
    c, w, x0 = rng.normal(size=6), rng.uniform(0.5, 2, 6), rng.normal(size=6)
    x = lib.tensor(x0, requires_grad=True)
    opt = lib.optim.LBFGS(
        [x], lr=1, history_size=3, line_search_fn="strong_wolfe", maximize=maximize
    )

    def closure() -> Any:
        opt.zero_grad()
        d = x - lib.tensor(c)
        f = -(lib.tensor(w) * d**4).sum() - (d * d).sum()
        f = -f if negate else f
        f.backward()
        return f

    path = []
    for _ in range(steps):
        opt.step(closure)
        path.append(x.detach().numpy().copy())
    return path


def test_maximize_is_minimizing_the_negative_exactly():
    """PyTorch ≥ 2.14's LBFGS(maximize=True) negates the loss and the gradient it sees."""
    up = _concave_run(tg, maximize=True, negate=False)
    down = _concave_run(tg, maximize=False, negate=True)
    for a, b in zip(up, down, strict=True):
        np.testing.assert_array_equal(a, b)
    c = np.random.default_rng(7).normal(size=6)  # the maximum (the run's first draw)
    np.testing.assert_allclose(up[-1], c, atol=1e-4)  # it climbed to it (a flat top)


@pytest.mark.torch
def test_maximize_matches_live_torch():
    """Version-specific: LBFGS has ``maximize`` from PyTorch 2.14 on (skipped on 2.13)."""
    torch = pytest.importorskip("torch")
    import inspect

    if "maximize" not in inspect.signature(torch.optim.LBFGS).parameters:
        pytest.skip(f"torch {torch.__version__}'s LBFGS has no maximize (added in 2.14)")
    theirs = _concave_run(torch, maximize=True, negate=False)
    ours = _concave_run(tg, maximize=True, negate=False)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
