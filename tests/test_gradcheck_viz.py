"""``autograd.gradcheck`` (accepts right backwards, names the first wrong element) and
``viz.to_dot`` (the DOT text of a graph, and rendering it with Graphviz)."""

from __future__ import annotations

import re
import shutil
import stat
import sys
import textwrap

import numpy as np
import pytest
from models import SimpleNet, micrograd

import tinygrad_rms as tg
import tinygrad_rms.nn as nn
from tinygrad_rms import autograd, viz
from tinygrad_rms.autograd import GradcheckError, gradcheck
from tinygrad_rms.viz import to_dot


def leaf(rng: np.random.Generator, *shape: int, dtype=tg.float64) -> tg.Tensor:
    return tg.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


# ---------------------------------------------------------------------- gradcheck: accepts
@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: (a * b).exp() / (1 + b * b), [(2, 3), (3,)]),
        (lambda a, b: (a @ b).tanh(), [(2, 4), (4, 3)]),
        (lambda a: a.softmax(dim=0).log() * a, [(4, 2)]),
        (lambda a: (a * a).sum(), [(3,)]),
        (lambda a, b: tg.cat([a, b.T], dim=0).sigmoid(), [(2, 3), (3, 1)]),
    ],
    ids=["mul_exp_div", "matmul_tanh", "softmax_log", "scalar_out", "cat_T"],
)
def test_gradcheck_accepts_correct_ops(fn, shapes, rng) -> None:
    assert gradcheck(fn, [leaf(rng, *s) for s in shapes]) is True


def test_gradcheck_single_tensor_and_non_tensor_inputs(rng) -> None:
    x = leaf(rng, 3, 2)
    assert gradcheck(lambda t: t * t, x) is True
    const = tg.tensor(rng.standard_normal((3, 2)))  # requires no grad: not checked
    idx = tg.tensor([2, 0, 0])  # integer tensor: passed through untouched
    assert gradcheck(lambda t, c, i, s: (t * c)[i] * s, [x, const, idx, 0.5]) is True


def test_gradcheck_works_on_float32_inputs_in_float64_and_leaves_them_alone(rng) -> None:
    # exp(10 x) in float32 with eps=1e-6 would be noise; gradcheck must copy to float64
    x = leaf(rng, 4, dtype=tg.float32)
    before = x.detach().numpy().copy()
    assert gradcheck(lambda t: (t * 10).exp(), x) is True
    np.testing.assert_array_equal(x.data, before)
    assert x.data.dtype == np.float32
    assert x.grad is None


def test_gradcheck_no_input_requires_grad(rng) -> None:
    x = tg.tensor(rng.standard_normal(3))
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t: t * 2, x)
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t, s: t * s, [x, 3.0])


# ---------------------------------------------------------------------- gradcheck: rejects
def _parse(message: str) -> tuple[int, tuple[int, ...], float, float]:
    m = re.search(r"input (\d+) at index \(([\d, ]*)\): analytic (\S+), numeric (\S+) \(", message)
    assert m, f"unexpected message: {message}"
    index = tuple(int(k) for k in m.group(2).replace(" ", "").split(",") if k)
    return int(m.group(1)), index, float(m.group(3)), float(m.group(4))


def _with_wrong_backward(op, corrupt):
    """``op`` (a function of Tensors) as a user-defined ``autograd.Function`` whose backward
    is op's own gradient (from ``autograd.grad``) passed through ``corrupt``, which maps
    the right gradients (numpy arrays, one per input) to wrong ones."""

    class Corrupted(autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            ctx.save_for_backward(*xs)
            return op(*xs)

        @staticmethod
        def backward(ctx, g):
            xs = [x.detach().requires_grad_() for x in ctx.saved_tensors]
            with tg.enable_grad():
                out = op(*xs)
            right = autograd.grad(out, xs, g, allow_unused=True)
            wrong = corrupt(*(None if r is None else r.data for r in right))
            return tuple(None if w is None else tg.tensor(w) for w in wrong)

    return Corrupted.apply


def test_gradcheck_names_the_first_wrong_element(rng) -> None:
    def add_at_1_2(ga, gb):
        gb = np.array(gb)
        gb[1, 2] += 0.25
        return ga, gb

    a, b = leaf(rng, 2, 3), leaf(rng, 2, 3)
    fn = _with_wrong_backward(lambda x, y: x * y, add_at_1_2)
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [a, b])
    i, index, analytic, numeric = _parse(str(info.value))
    assert (i, index) == (1, (1, 2))
    assert analytic - numeric == pytest.approx(0.25, abs=1e-6)
    assert isinstance(info.value, RuntimeError)
    # the inputs handed to gradcheck are untouched
    assert a.grad is None and b.grad is None


def test_gradcheck_wrong_everywhere_fails_at_the_first_element(rng) -> None:
    fn = _with_wrong_backward(lambda x: x * 2.0, lambda gx: (gx * 1.5,))
    with pytest.raises(RuntimeError) as info:  # GradcheckError is a RuntimeError
        gradcheck(fn, leaf(rng, 3, 4))
    i, index, analytic, numeric = _parse(str(info.value))
    assert (i, index) == (0, (0, 0))
    assert analytic == pytest.approx(1.5 * numeric, rel=1e-6)


def test_gradcheck_catches_a_one_percent_error(rng) -> None:
    fn = _with_wrong_backward(lambda x: x.exp(), lambda gx: (gx * 1.01,))
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(fn, leaf(rng, 5))


def test_gradcheck_catches_a_missing_gradient(rng) -> None:
    # a backward that claims b gets no gradient (None) while it does
    fn = _with_wrong_backward(lambda x, y: x * y, lambda ga, gb: (ga, None))
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [leaf(rng, 3), leaf(rng, 3)])
    i, index, analytic, numeric = _parse(str(info.value))
    assert (i, index, analytic) == (1, (0,), 0.0)
    assert numeric != 0.0


def test_gradcheck_zero_dim_input(rng) -> None:
    x = tg.tensor(0.7, dtype=tg.float64, requires_grad=True)
    assert gradcheck(lambda t: t * t * t, x)
    fn = _with_wrong_backward(lambda t: t * t, lambda g: (g * 0,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, x)
    assert _parse(str(info.value))[:2] == (0, ())


# ---------------------------------------------------------------------- to_dot
NODE = re.compile(r'^\s*(n\d+) \[shape=(\w+),.*label="([^"]*)"\];$')
EDGE = re.compile(r"^\s*(n\d+) -> (n\d+);$")


def parse_dot(text: str) -> tuple[dict[str, tuple[str, str, str]], list[tuple[str, str]]]:
    """node id -> (shape, name, tensor shape) and the list of edges, from DOT text."""
    lines = text.strip().splitlines()
    assert lines[0].startswith("digraph") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines:
        if m := NODE.match(line):
            name, _, shape = m.group(3).partition("\\n")
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = (m.group(2), name, shape)
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


@pytest.fixture
def simplenet():
    tg.manual_seed(0)
    model = SimpleNet()
    X, y = tg.randn(100, 10), tg.randn(100, 1)
    loss = nn.MSELoss()(model(X), y)
    return model, X, y, loss


def test_to_dot_simplenet_graph(simplenet) -> None:
    """PyTorch's graph of the SimpleNet: linear is Addmm(bias, input, weight.t())."""
    model, _, _, loss = simplenet
    nodes, edges = parse_dot(to_dot(loss, params=model.named_parameters()))
    ops = sorted((name, shape) for kind, name, shape in nodes.values() if kind == "box")
    assert ops == [
        ("AddmmBackward0", "(100, 1)"),
        ("AddmmBackward0", "(100, 50)"),
        ("MseLossBackward0", "()"),
        ("ReluBackward0", "(100, 50)"),
        ("TBackward0", "(10, 50)"),
        ("TBackward0", "(50, 1)"),
    ]
    leaves = sorted((name, shape) for kind, name, shape in nodes.values() if kind == "ellipse")
    assert leaves == [
        ("fc1.bias", "(50,)"),
        ("fc1.weight", "(50, 10)"),
        ("fc2.bias", "(1,)"),
        ("fc2.weight", "(1, 50)"),
        ("input", "(100, 10)"),
        ("target", "(100, 1)"),
    ]
    assert len(nodes) == 12
    # 3 into each Addmm (bias, x or h, the weight's T), 1 into each T and Relu, 2 into MseLoss
    assert len(edges) == 11
    named = {(nodes[s][1], nodes[s][2], nodes[d][1], nodes[d][2]) for s, d in edges}
    assert named == {
        ("input", "(100, 10)", "AddmmBackward0", "(100, 50)"),
        ("fc1.weight", "(50, 10)", "TBackward0", "(10, 50)"),
        ("TBackward0", "(10, 50)", "AddmmBackward0", "(100, 50)"),
        ("fc1.bias", "(50,)", "AddmmBackward0", "(100, 50)"),
        ("AddmmBackward0", "(100, 50)", "ReluBackward0", "(100, 50)"),
        ("ReluBackward0", "(100, 50)", "AddmmBackward0", "(100, 1)"),
        ("fc2.weight", "(1, 50)", "TBackward0", "(50, 1)"),
        ("TBackward0", "(50, 1)", "AddmmBackward0", "(100, 1)"),
        ("fc2.bias", "(1,)", "AddmmBackward0", "(100, 1)"),
        ("AddmmBackward0", "(100, 1)", "MseLossBackward0", "()"),
        ("target", "(100, 1)", "MseLossBackward0", "()"),
    }
    assert "freed" not in to_dot(loss)


def test_to_dot_param_dict_and_tensor_names(simplenet) -> None:
    model, X, y, loss = simplenet
    X.name, y.name = "X", "y"
    nodes, _ = parse_dot(to_dot(loss, params=dict(model.named_parameters())))
    names = {name for _, name, _ in nodes.values()}
    assert {"X", "y", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"} <= names
    # unnamed leaves that require grad are "leaf"
    nodes, _ = parse_dot(to_dot(loss))
    assert sorted(name for kind, name, _ in nodes.values() if kind == "ellipse") == [
        "X",
        "leaf",
        "leaf",
        "leaf",
        "leaf",
        "y",
    ]


def test_to_dot_counts_a_reused_input_twice() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse_dot(to_dot((x * x).sum(), params={"x": x}))
    assert len(nodes) == 3
    assert len(edges) == 3  # x -> Mul twice (both operands), Mul -> Sum


def test_to_dot_after_backward_says_freed(simplenet) -> None:
    model, _, _, loss = simplenet
    before = to_dot(loss, params=model.named_parameters())
    loss.backward(retain_graph=True)
    assert to_dot(loss, params=model.named_parameters()) == before
    loss.backward()
    text = to_dot(loss, params=model.named_parameters())
    assert "inputs already freed by backward()" in text
    # the nodes and the leaves stay (as grad_fn.next_functions does in PyTorch); the
    # inputs that needed no gradient, and the shapes they told, are gone with the inputs
    # (the weights' TBackward0 nodes, shown since the first look, keep theirs)
    nodes, edges = parse_dot(text)
    before_nodes, _ = parse_dot(before)
    kinds = sorted((kind, name) for kind, name, _ in nodes.values())
    assert kinds == sorted(
        (k, n) for k, n, _ in before_nodes.values() if n not in ("input", "target")
    )
    assert len(edges) == 9
    shapes = sorted(shape for kind, _, shape in nodes.values() if kind == "box")
    assert shapes == ["", "", "", "()", "(10, 50)", "(50, 1)"]


def test_to_dot_of_a_leaf_and_bad_argument() -> None:
    w = tg.tensor([[1.0]], requires_grad=True)
    nodes, edges = parse_dot(to_dot(w, params={"w": w}))
    assert list(nodes.values()) == [("ellipse", "w", "(1, 1)")] and edges == []
    with pytest.raises(TypeError, match="Tensor"):
        to_dot(np.ones(3))


def test_to_dot_render_without_graphviz(simplenet, monkeypatch, tmp_path) -> None:
    _, _, _, loss = simplenet
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    target = tmp_path / "x.svg"
    with pytest.raises(RuntimeError, match="Graphviz") as info:
        to_dot(loss, path=target)
    assert "dot" in str(info.value)
    assert not target.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="uses a shell-script stand-in for dot")
def test_to_dot_render_calls_dot_with_format_and_output(simplenet, monkeypatch, tmp_path) -> None:
    """A stand-in ``dot`` on PATH records its arguments and what it was fed."""
    _, _, _, loss = simplenet
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import sys
            open({str(tmp_path / "args.txt")!r}, "w").write("\\n".join(sys.argv[1:]))
            text = sys.stdin.read()
            out = sys.argv[sys.argv.index("-o") + 1]
            open(out, "w").write("<svg>" + str(len(text)) + "</svg>")
            """
        )
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(fake.parent))
    target = tmp_path / "graph.svg"
    text = to_dot(loss, path=target)
    args = (tmp_path / "args.txt").read_text().splitlines()
    assert args == ["-Tsvg", "-o", str(target)]
    assert target.read_text() == f"<svg>{len(text)}</svg>"  # dot read the whole DOT text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_to_dot_renders_svg_with_graphviz(simplenet, tmp_path) -> None:
    model, _, _, loss = simplenet
    target = tmp_path / "x.svg"
    to_dot(loss, params=model.named_parameters(), path=target)
    svg = target.read_text()
    assert target.stat().st_size > 0 and "<svg" in svg
    assert "AddmmBackward0" in svg and "fc1.weight" in svg


# ---------------------------------------------------------------------- to_dot: values
def labels(text: str) -> dict[str, tuple[str, list[str]]]:
    """node id -> (shape, the lines of its label), from DOT text."""
    found = {}
    for line in text.splitlines():
        if m := NODE.match(line):
            found[m.group(1)] = (m.group(2), m.group(3).split("\\n"))
    return found


def field(lines: list[str], key: str) -> float | None:
    """The number after ``key`` ("data", "grad") in a label, or None if it shows none."""
    hit = [line for line in lines if line.startswith(key + " ")]
    return float(hit[0].split()[1].strip("[]")) if hit else None


def test_to_dot_values_and_grads_are_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = micrograd(tg), micrograd(torch)
    for name, t in ours.items():
        t.name = name
    for t in theirs.values():
        if not t.is_leaf:
            t.retain_grad()
    theirs["g"].backward()
    drawn = labels(to_dot(ours["g"], values=True, grads=True))
    by_name = {lines[0].split(":")[0]: lines for _, lines in drawn.values()}
    for name in "cdefg":
        lines = by_name[name]
        assert lines[1] == "()"
        assert field(lines, "data") == pytest.approx(theirs[name].item(), abs=5e-5)
        assert field(lines, "grad") == pytest.approx(theirs[name].grad.item(), abs=5e-5)
    # no .grad was touched by grads=True; the leaves show theirs after backward
    assert ours["a"].grad is None and field(by_name["a"], "grad") is None
    ours["g"].backward(retain_graph=True)
    by_name = {ls[0].split(":")[0]: ls for _, ls in labels(to_dot(ours["g"], values=True)).values()}
    for name in "ab":
        assert field(by_name[name], "data") == theirs[name].item()
        assert field(by_name[name], "grad") == pytest.approx(theirs[name].grad.item(), abs=5e-5)
        assert field(by_name[name], "grad") == pytest.approx(float(f"{ours[name].grad.item():.4f}"))
    assert field(by_name["e"], "grad") is None  # values alone show no intermediate gradient


def test_to_dot_grads_of_a_vector_output_and_freed_graph() -> None:
    x = tg.tensor([1.0, -2.0, 3.0], dtype=tg.float64, requires_grad=True)
    y = (x * x).relu()  # not a scalar: the gradients are those of y.sum()
    y.name = "y"
    (box,) = [
        ls
        for kind, ls in labels(to_dot(y, values=True, grads=True)).values()
        if kind == "box" and ls[0].startswith("y")
    ]
    assert box == ["y: ReluBackward0", "(3,)", "data [1., 4., 9.]", "grad [1., 1., 1.]"]
    (mul,) = [ls for _, ls in labels(to_dot(y, grads=True)).values() if ls[0] == "MulBackward0"]
    assert mul == ["MulBackward0", "(3,)", "grad [1., 1., 1.]"]  # no data without values=True
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        to_dot(y, grads=True)


def test_to_dot_writes_out_only_small_tensors(simplenet) -> None:
    model, _, _, loss = simplenet
    drawn = labels(to_dot(loss, params=model.named_parameters(), values=True, max_elements=50))
    shown = {ls[0]: ls for _, ls in drawn.values()}
    assert field(shown["MseLossBackward0"], "data") == pytest.approx(loss.item(), abs=5e-5)
    assert field(shown["fc2.bias"], "data") == pytest.approx(model.fc2.bias.item(), abs=5e-5)
    assert shown["fc1.bias"][2].startswith("data [")  # 50 numbers, within max_elements
    for name in ("fc1.weight", "input", "target", "ReluBackward0"):  # too many numbers
        assert not any(line.startswith("data") for line in shown[name]), name


def test_to_dot_names_constants_targets_and_inputs() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    data, target = tg.tensor([3.0, 4.0]), tg.tensor([0.5, 0.5])
    loss = nn.MSELoss()(x * 2 + data, target)
    drawn = labels(to_dot(loss))
    ellipses = sorted(tuple(ls) for kind, ls in drawn.values() if kind == "ellipse")
    assert ellipses == [
        ("constant", "()", "data 2.0000"),  # a number's value is shown even without values
        ("input", "(2,)"),
        ("leaf", "(2,)"),
        ("target", "(2,)"),
    ]
    target.name = "y"  # a tensor's own name wins
    assert "y" in {ls[0] for _, ls in labels(to_dot(loss)).values()}


def test_to_dot_backward_direction_reverses_every_arrow(simplenet) -> None:
    model, _, _, loss = simplenet
    forward = to_dot(loss, params=model.named_parameters())
    backward = to_dot(loss, params=model.named_parameters(), direction="backward")
    f_nodes, f_edges = parse_dot(forward)
    b_nodes, b_edges = parse_dot(backward)
    assert f_nodes == b_nodes
    assert sorted(b_edges) == sorted((d, s) for s, d in f_edges)
    assert 'rankdir="TB"' in backward and 'rankdir="BT"' in forward
    # in the backward picture the loss is where every arrow starts from, never ends at
    (root,) = [n for n, (_, name, _) in b_nodes.items() if name == "MseLossBackward0"]
    assert all(d != root for _, d in b_edges) and any(s == root for s, _ in b_edges)
    with pytest.raises(ValueError, match="direction"):
        to_dot(loss, direction="up")


def test_to_dot_hides_a_value_changed_in_place_after_use() -> None:
    def boxes(out: tg.Tensor) -> list[list[str]]:
        return [ls for kind, ls in labels(to_dot(out, values=True)).values() if kind == "box"]

    a = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    c = a + 1
    c.name = "c"
    e = c * 3
    assert ["c: AddBackward0", "()", "data 2.0000"] in boxes(e)
    # in the graph: c is now the output of add_'s node, and the node that made the c
    # that e's Mul read shows no value (the memory holds the new one)
    c.add_(5)
    assert ["AddBackward0", "()"] in boxes(e)
    c = a + 1
    c.name = "c"
    e = c * 3
    with tg.no_grad():  # outside the graph, as an optimizer step changes a tensor
        c.add_(5)
    assert ["c: AddBackward0", "()"] in boxes(e)
