"""The propagation methods' own max pooling (the CPU's channels-last kernel) gives the model's
numbers: values, indices and gradients bit for bit; DeepLIFT's ReLU-then-pooling node gives the two
rules' numbers; the pooling's forward is the module's own again after every call."""

import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.methods.propagation import deeplift_relu, pooling
from xai_widgets.zoo import load_shapes_model

from ..assertions import assert_same, snapshot

POOLINGS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1)),
    dict(kernel_size=8),
]


def _images(dtype=torch.float32) -> torch.Tensor:
    x = torch.randn(4, 24, 32, 32, generator=torch.Generator().manual_seed(0), dtype=dtype).relu_()
    x[:, :, :6] = 0.0  # windows of ties
    x[0, 0, 10, 10] = float("nan")
    x[1, 1, 12:16, 12:16] = float("-inf")
    return x


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("settings", POOLINGS)
def test_values_indices_and_gradients_are_the_modules(settings, dtype):
    module = nn.MaxPool2d(**settings)
    x = _images(dtype)
    assert pooling._channels_last_pays(module, x, pooling._AUTOGRAD_MIN_VALUES)
    expected, expected_indices = nn.functional.max_pool2d(
        x, module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode, return_indices=True
    )
    out, indices = pooling.pool_with_indices(module, x)
    assert torch.equal(indices, expected_indices) and out.is_contiguous() and indices.is_contiguous()
    torch.testing.assert_close(out, expected, rtol=0, atol=0, equal_nan=True)
    grad_out = torch.randn(expected.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    leaf = x.clone().requires_grad_(True)
    (ours,) = torch.autograd.grad(pooling.max_pool2d(module, leaf), leaf, grad_out)
    (theirs,) = torch.autograd.grad(module(leaf), leaf, grad_out)
    assert torch.equal(ours, theirs)


def test_small_inputs_hooked_modules_and_other_devices_use_the_module():
    module = nn.MaxPool2d(2)
    assert not pooling._channels_last_pays(module, torch.rand(1, 4, 8, 8), pooling._FORWARD_MIN_VALUES)
    assert not pooling._channels_last_pays(nn.MaxPool1d(2), torch.rand(64, 64, 64), 0)
    assert not pooling._channels_last_pays(module, _images()[:, :, ::2], 0)  # not contiguous
    seen = []
    module.register_forward_hook(lambda *_: seen.append(1))
    pooling.max_pool2d(module, _images())
    assert seen == [1]


def _deeplift(model, x, baseline):
    return xw.Explainer(model).attribute(x, "deeplift", target=[0, 1, 2, 3], baseline=baseline)


@pytest.mark.parametrize("baseline", ["zeros", 0.3])
def test_relu_then_pooling_in_one_node_gives_the_two_rules_numbers(baseline, monkeypatch):
    """Also where input and baseline agree (|Δin| < 1e-10 at the pooling, some ReLU multipliers there not 0)."""
    model = load_shapes_model()
    x = torch.rand(4, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    x[..., :20] = 0.0 if baseline == "zeros" else 0.3
    fused = _deeplift(model, x, baseline)
    monkeypatch.setattr(deeplift_relu.ReLUOutput, "feeds", lambda self, tensor: False)
    monkeypatch.setattr(pooling, "_channels_last_pays", lambda module, pre, min_values: False)
    apart = _deeplift(model, x, baseline)
    assert torch.equal(fused.values, apart.values) and torch.equal(fused.delta, apart.delta)


class TwoPoolings(nn.Module):
    """One ReLU output pooled twice: only the first pooling can take the ReLU's rule into its node."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.relu = nn.ReLU()
        self.pool_a, self.pool_b = nn.MaxPool2d(2), nn.MaxPool2d(4)
        self.fc = nn.Linear(4 * 8 * 8 + 4 * 4 * 4, 3)

    def forward(self, x):
        h = self.relu(self.conv(x))
        return self.fc(torch.cat([self.pool_a(h).flatten(1), self.pool_b(h).flatten(1)], 1))


def test_a_relu_output_pooled_twice_keeps_completeness():
    model = TwoPoolings().eval()
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(4))
    result = xw.Explainer(model).attribute(x, "deeplift", target=1)
    assert result.delta.abs().max() < 1e-5


def test_the_pooling_forward_is_the_modules_again_also_after_an_error():
    model = load_shapes_model()
    before = snapshot(model)
    xw.Explainer(model).attribute(torch.rand(2, 3, 64, 64), "deeplift", target=0)
    with pytest.raises(xw.ExplainerError):
        xw.Explainer(model).attribute(torch.rand(2, 3, 64, 64), "deeplift", target=0, baseline=torch.zeros(2, 2))
    assert_same(before, snapshot(model))
    assert all("forward" not in module.__dict__ for module in model.modules())


def test_a_pooling_with_its_own_forward_keeps_it(monkeypatch):
    """A forward set on the instance is the user's: the rule goes on through hooks around it."""
    model = load_shapes_model()
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(5))
    expected = xw.Explainer(model).attribute(x, "deeplift", target=0)
    calls = []
    own = model.features.pool2.forward

    def forward(h):
        calls.append(1)
        return own(h)

    model.features.pool2.forward = forward
    result = xw.Explainer(model).attribute(x, "deeplift", target=0)
    assert calls and model.features.pool2.forward is forward
    assert torch.equal(result.values, expected.values)


def test_a_compiled_forward_steps_aside_for_the_replaced_pooling():
    """No activation to hook: the replaced pooling forward alone still makes the compiled path run eagerly."""
    from xai_widgets.kernel.core.compilation import CompiledForward

    from ..core.test_compilation import CountingBackend, compiled_explainer

    torch.manual_seed(6)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3)).eval()
    backend = CountingBackend()
    explainer = compiled_explainer(model, CompiledForward(model, backend=backend))
    x = torch.rand(2, 3, 8, 8)
    eager = xw.Explainer(model).attribute(x, "deeplift", target=0)
    compiled = explainer.attribute(x, "deeplift", target=0)
    assert backend.calls == 0
    assert torch.equal(compiled.values, eager.values)
