"""The compiled forward gives the eager results, leaves the model as it was, steps aside for hooks and
shapes past its cap, and says what to do when compiling fails.

Most tests compile with the "aot_eager" backend (torch.compile's tracing and autograd, no C++
code generation: a second here); one slow test compiles with inductor, the default.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch._dynamo
from torch import nn
from torch.overrides import TorchFunctionMode

import xai_widgets as xw
from xai_widgets.kernel.core.compilation import CompilationError, CompiledForward, forward_callable
from xai_widgets.kernel.core.errors import ExplainerError

from ..assertions import assert_matches, assert_same, snapshot
from ..models import OracleCNN

# Methods whose hooks make the compiled forward step aside, and methods it compiles.
METHOD_PARAMS: dict[str, dict[str, Any]] = {
    "gradient": {},
    "integrated_gradients": {"n_steps": 4},
    "smoothgrad": {"n_samples": 3, "seed": 0},
    "occlusion": {"window": 8, "stride": 8},
    "grad_cam": {},
    "score_cam": {},
    "deeplift": {},
    "lrp": {"composite": "epsilon_gamma_box"},
    "guided_backprop": {},
}


@pytest.fixture(autouse=True)
def fresh_dynamo():
    """No compiled code carried between tests (dynamo's caches are per code object, process-wide)."""
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


class CountingBackend:
    """A torch.compile backend that runs the traced graph as it is and counts compiles and calls."""

    def __init__(self) -> None:
        self.compiles = 0
        self.calls = 0

    def __call__(self, graph: torch.fx.GraphModule, _example_inputs: list) -> Callable:
        self.compiles += 1

        def run(*args: Any) -> Any:
            self.calls += 1
            return graph.forward(*args)

        return run


def compiled_explainer(model: nn.Module, forward: Callable[[torch.Tensor], Any]) -> xw.Explainer:
    """An Explainer whose runner calls ``forward`` (a CompiledForward with a test backend) for the model."""
    explainer = xw.Explainer(model)
    explainer._runner.call = forward
    return explainer


def test_the_explainer_compiles_when_asked():
    model = OracleCNN().eval()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    explainer = xw.Explainer(model, compile="aot_eager")
    assert isinstance(explainer._runner.call, CompiledForward)
    assert xw.Explainer(model)._runner.call is model
    assert_matches(explainer.outputs(x), xw.Explainer(model).outputs(x), rtol=1e-5)
    with pytest.raises(ExplainerError, match="compile must be True, False or a torch.compile backend"):
        xw.Explainer(model, compile=3)  # type: ignore[arg-type]


def test_eager_unless_asked():
    model = OracleCNN()
    assert forward_callable(model) is model
    assert isinstance(forward_callable(model, compile="aot_eager"), CompiledForward)
    with pytest.raises(ExplainerError, match="compile must be True, False or a torch.compile backend"):
        forward_callable(model, compile=3)  # type: ignore[arg-type]
    with pytest.raises(ExplainerError, match="needs a torch.nn.Module"):
        CompiledForward(lambda x: x)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", sorted(METHOD_PARAMS))
def test_compiled_results_equal_eager_and_model_unchanged(user_model, method):
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    params = METHOD_PARAMS[method]
    expected = xw.Explainer(user_model).attribute(x, method, target=1, **params).values
    before = snapshot(user_model)
    compiled = compiled_explainer(user_model, CompiledForward(user_model, backend="aot_eager"))
    for _ in range(2):  # the compiling call, then a call of the compiled code
        assert_matches(compiled.attribute(x, method, target=1, **params).values, expected, rtol=1e-5)
    assert_same(before, snapshot(user_model))


def test_methods_with_hooks_run_eagerly_and_hook_free_ones_compiled():
    model = OracleCNN().eval()
    backend = CountingBackend()
    explainer = compiled_explainer(model, CompiledForward(model, backend=backend))
    x = torch.rand(2, 3, 16, 16)
    explainer.attribute(x, "gradient", target=0)
    assert backend.compiles == 1 and backend.calls == 1
    for method in ("grad_cam", "deeplift", "lrp", "guided_backprop"):
        explainer.attribute(x, method, target=0)
    assert backend.compiles == 1 and backend.calls == 1
    explainer.attribute(x, "gradient", target=0)
    assert backend.compiles == 1 and backend.calls == 2


def test_hooks_the_model_already_had_are_compiled_in():
    model = OracleCNN().eval()
    model.fc.register_forward_hook(lambda _module, _inputs, output: 2 * output)
    backend = CountingBackend()
    forward = CompiledForward(model, backend=backend)
    x = torch.rand(3, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(forward(x), model(x), rtol=1e-6, atol=1e-6)
    assert backend.calls == 1


def test_in_place_parameter_changes_are_seen():
    model = OracleCNN().eval()
    forward = CompiledForward(model, backend="aot_eager")
    x = torch.rand(2, 3, 8, 8)
    with torch.no_grad():
        forward(x)
        model.fc.bias.add_(1.0)
        torch.testing.assert_close(forward(x), model(x), rtol=1e-6, atol=1e-6)


def test_shapes_past_the_cap_run_eagerly():
    model = OracleCNN().eval()
    backend = CountingBackend()
    forward = CompiledForward(model, backend=backend, max_shapes=2)
    with torch.no_grad():
        for n in (1, 2, 3, 1, 3):
            torch.testing.assert_close(forward(torch.ones(n, 3, 8, 8)), model(torch.ones(n, 3, 8, 8)))
    assert forward.compiled_shapes == 2
    assert backend.compiles == 2 and backend.calls == 3


class PassThroughMode(TorchFunctionMode):
    def __torch_function__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        return func(*args, **(kwargs or {}))


def test_a_function_mode_runs_eagerly():
    model = OracleCNN().eval()
    backend = CountingBackend()
    forward = CompiledForward(model, backend=backend)
    x = torch.ones(1, 3, 8, 8)
    with torch.no_grad(), PassThroughMode():
        forward(x)
    assert backend.calls == 0


def test_compiles_in_a_worker_thread():
    """Explorers compute in a worker thread."""
    model = OracleCNN().eval()
    forward = CompiledForward(model, backend="aot_eager")
    x = torch.rand(2, 3, 8, 8)
    results: list[torch.Tensor] = []
    worker = threading.Thread(target=lambda: results.append(forward(x).detach()))
    worker.start()
    worker.join()
    torch.testing.assert_close(results[0], model(x).detach())
    assert forward.compiled_shapes == 1


def test_a_failing_compile_says_what_to_do():
    def broken(_graph: torch.fx.GraphModule, _example_inputs: list) -> Callable:
        raise RuntimeError("no C++ compiler")

    model = OracleCNN().eval()
    forward = CompiledForward(model, backend=broken)
    with pytest.raises(CompilationError, match=r"failed on an input of shape \(1, 3, 8, 8\).*compile=False"):
        forward(torch.ones(1, 3, 8, 8))


def test_the_models_own_error_on_a_bad_input_is_not_a_compile_error():
    model = OracleCNN().eval()
    forward = CompiledForward(model, backend="aot_eager")
    with pytest.raises(RuntimeError) as raised:
        forward(torch.ones(1, 4, 8, 8))  # the model takes 3 channels
    assert not isinstance(raised.value, CompilationError)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning:torch.jit.*")  # torch's own, on importing inductor
def test_inductor_results_equal_eager():
    """The default backend, generating C++ (tens of seconds here): gradients and scores to 1e-5."""
    model = OracleCNN().eval()
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    compiled = compiled_explainer(model, forward_callable(model, compile=True))
    expected = xw.Explainer(model).attribute(x, "integrated_gradients", target=1, n_steps=4)
    result = compiled.attribute(x, "integrated_gradients", target=1, n_steps=4)
    assert_matches(result.values, expected.values, rtol=1e-5)
