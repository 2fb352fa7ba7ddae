"""The traced ε pass (one plain backward with a factor per ε-layer) gives the layer-by-layer pass's
numbers wherever it is used, and leaves every other model and composite to the layer-by-layer pass."""

import gc
import weakref

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.core.runner import ModelRunner
from xai_widgets.kernel.lrp import Composite, Epsilon, Norm, Pass
from xai_widgets.kernel.methods.propagation import pooling
from xai_widgets.kernel.methods.propagation.lrp import epsilon_trace
from xai_widgets.kernel.methods.propagation.lrp.composites import Sum, composite_rules
from xai_widgets.kernel.methods.propagation.lrp.method import layer_by_layer_relevance, relevance
from xai_widgets.zoo import load_shapes_model, resnet_style

from ..assertions import assert_same, snapshot
from ..models import OracleCNN, mlp
from .test_lrp import BatchNormCNN, PoolCNN, TinyResNet


class FunctionalCNN(nn.Module):
    """Functional ReLU, pooling, mean, concatenation, an in-place residual sum, reshapes, dropout."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.bn = nn.BatchNorm1d(12)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(12, 4)

    def forward(self, x):
        h = F.relu(self.conv1(x))
        r = self.conv2(h)
        r += h
        h = F.max_pool2d(torch.relu(r), 2)
        pooled = torch.cat([h.mean((2, 3)), F.adaptive_avg_pool2d(h, 1).flatten(1)], dim=1)
        return self.fc(self.dropout(self.bn(pooled.view(pooled.shape[0], -1))))


class Scaled(nn.Module):
    """Multiplies by a constant in forward: its gradient rescales relevance, so no traced pass."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(torch.relu(x) * 0.5)


class SharedConvOutput(nn.Module):
    """A conv output used by its BatchNorm and elsewhere: the fold would cover both uses."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn, self.fc = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(8, 2)

    def forward(self, x):
        z = self.conv(x)
        return self.fc(torch.cat([self.bn(z).mean((2, 3)), z.mean((2, 3))], 1))


class ValueBranch(nn.Module):
    """Control flow on a value: torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(x) if x.sum() > 0 else self.fc(-x)


def _models():
    return {
        "mlp": (mlp(6, 3), (5, 6)),
        "pool cnn": (PoolCNN(), (3, 3, 12, 12)),
        "batchnorm cnn": (BatchNormCNN(), (3, 3, 12, 12)),
        "tiny resnet": (TinyResNet(), (3, 3, 16, 16)),
        "oracle cnn": (OracleCNN(), (3, 3, 16, 16)),
        "functional cnn": (FunctionalCNN(), (3, 3, 8, 8)),
        "shapes cnn": (load_shapes_model(), (2, 3, 64, 64)),
        "resnet-style": (resnet_style(), (2, 3, 64, 64)),
    }


def _compare(model, x, composite):
    runner = ModelRunner(model, torch.device("cpu"))
    target = model(x).argmax(1)
    traced = epsilon_trace.traced_relevance(runner, x, target, composite)
    reference = layer_by_layer_relevance(runner, x, target, composite)
    return traced, reference


@pytest.mark.parametrize("name", sorted(_models()))
@pytest.mark.parametrize("epsilon", [1e-9, 0.25])
def test_the_traced_pass_gives_the_layer_by_layer_numbers(name, epsilon):
    model, shape = _models()[name]
    model.eval()
    x = torch.rand(shape, generator=torch.Generator().manual_seed(2))
    traced, reference = _compare(model, x, composite_rules("epsilon", epsilon))
    assert traced is not None, "the traced pass should cover this model"
    for ours, theirs in zip(traced, reference, strict=True):
        # ε = 1e-9 divides by pre-activations near zero: rounding differences grow to ~1e-4 there.
        scale = theirs.abs().max()
        assert (ours - theirs).abs().max() <= 3e-4 * scale, (ours - theirs).abs().max() / scale


def test_a_composite_of_epsilon_norm_and_pass_on_relu_is_traced():
    model = TinyResNet().eval()
    composite = Composite(
        [(nn.ReLU, Pass()), (Sum, Norm()), ((nn.Conv2d, nn.Linear), Epsilon(0.1)), (nn.AdaptiveAvgPool2d, Norm())]
    )
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    traced, reference = _compare(model, x, composite)
    assert traced is not None
    torch.testing.assert_close(traced[0], reference[0], rtol=1e-4, atol=1e-6 * reference[0].abs().max().item())


@pytest.mark.parametrize(
    "model, shape",
    [
        (Scaled(), (3, 6)),
        (SharedConvOutput(), (2, 3, 6, 6)),
        (ValueBranch(), (3, 6)),
    ],
    ids=["constant factor", "conv output used twice", "value-dependent branch"],
)
def test_other_models_are_left_to_the_layer_by_layer_pass(model, shape):
    model.eval()
    x = torch.rand(shape, generator=torch.Generator().manual_seed(4))
    traced, _reference = _compare(model, x, composite_rules("epsilon", 0.1))
    assert traced is None
    # The method still answers, layer by layer.
    runner = ModelRunner(model, torch.device("cpu"))
    target = model(x).argmax(1)
    torch.testing.assert_close(
        relevance(runner, x, target, composite_rules("epsilon", 0.1))[0],
        layer_by_layer_relevance(runner, x, target, composite_rules("epsilon", 0.1))[0],
    )


@pytest.mark.parametrize("composite", ["epsilon_plus", "epsilon_gamma_box", "excitation_backprop", "guided_backprop"])
def test_other_composites_are_left_to_the_layer_by_layer_pass(composite):
    model = TinyResNet().eval()
    x = torch.rand(2, 3, 16, 16)
    assert _compare(model, x, composite_rules(composite))[0] is None


def test_dropout_in_training_mode_and_hooks_on_the_model_are_left_to_the_layer_by_layer_pass():
    model = FunctionalCNN().eval()
    x = torch.rand(2, 3, 8, 8)
    composite = composite_rules("epsilon", 0.1)
    model.dropout.train()
    assert _compare(model, x, composite)[0] is None
    model.dropout.eval()
    handle = model.register_forward_hook(lambda _m, _i, out: out * 2)
    try:
        assert _compare(model, x, composite)[0] is None
    finally:
        handle.remove()
    assert _compare(model, x, composite)[0] is not None


def test_a_replaced_layer_is_traced_again():
    model = PoolCNN().eval()
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(5))
    composite = composite_rules("epsilon", 0.1)
    first = _compare(model, x, composite)[0]
    model.fc = nn.Linear(48, 5)
    traced, reference = _compare(model, x, composite)
    assert traced is not None and first is not None
    assert (traced[0] - first[0]).abs().max() > 0
    torch.testing.assert_close(traced[0], reference[0], rtol=1e-4, atol=1e-6)


def test_a_changed_composite_object_gets_its_own_plan():
    model = PoolCNN().eval()
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(6))
    composite = Composite([((nn.Conv2d, nn.Linear, nn.MaxPool2d, nn.AdaptiveAvgPool2d), Epsilon(0.1))])
    assert _compare(model, x, composite)[0] is not None
    composite.layer_map = ((nn.Conv2d,), Epsilon(0.1)), ((nn.Linear,), Norm())  # pooling now keeps its gradient
    assert _compare(model, x, composite)[0] is None  # average pooling without a rule rescales


def test_the_model_is_left_as_it_was():
    model = FunctionalCNN().eval()
    before = snapshot(model)
    attributes = {name: dict(module.__dict__) for name, module in model.named_modules()}
    xw.Explainer(model).attribute(torch.rand(2, 3, 8, 8), "lrp", target=1, composite="epsilon", epsilon=1e-9)
    assert_same(before, snapshot(model))
    assert {name: dict(module.__dict__) for name, module in model.named_modules()}.keys() == attributes.keys()
    for name, module in model.named_modules():
        assert module.__dict__.keys() == attributes[name].keys()


class Switchable(nn.Module):
    """A forward that branches on a flag: torch.fx bakes the branch taken into the trace."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(7)
        self.skip_second = False
        self.fc1, self.fc2, self.fc3 = nn.Linear(6, 6), nn.Linear(6, 6), nn.Linear(6, 3)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        if not self.skip_second:
            h = torch.relu(self.fc2(h))
        return self.fc3(h)


def test_a_changed_flag_is_traced_again():
    model = Switchable().eval()
    x = torch.rand(3, 6, generator=torch.Generator().manual_seed(8))
    composite = composite_rules("epsilon", 0.1)
    for skip in (False, True, False):
        model.skip_second = skip
        traced, reference = _compare(model, x, composite)
        assert traced is not None
        torch.testing.assert_close(traced[0], reference[0], rtol=1e-5, atol=1e-7)


def test_the_cache_does_not_keep_the_model_alive():
    model = PoolCNN().eval()
    _compare(model, torch.rand(1, 3, 12, 12), composite_rules("epsilon", 0.1))
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None


def test_a_layer_replaced_inside_a_sequential_is_traced_again():
    """The cached trace's snapshot covers every module's children, not only the model's own."""
    model = load_shapes_model()
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(9))
    composite = composite_rules("epsilon", 1e-9)
    first = _compare(model, x, composite)[0]
    model.features.relu2 = nn.Identity()
    traced, reference = _compare(model, x, composite)
    assert traced is not None and first is not None
    assert (traced[0] - first[0]).abs().max() > 0
    torch.testing.assert_close(traced[0], reference[0], rtol=1e-4, atol=1e-6)


def test_the_faster_max_pooling_gives_the_same_numbers(monkeypatch):
    model = load_shapes_model()
    x = torch.rand(16, 3, 64, 64, generator=torch.Generator().manual_seed(10))
    explainer = xw.Explainer(model)
    faster = explainer.attribute(x, "lrp", target=1, composite="epsilon", epsilon=1e-9)
    monkeypatch.setattr(pooling, "_channels_last_pays", lambda module, pre, min_values: False)
    plain = explainer.attribute(x, "lrp", target=1, composite="epsilon", epsilon=1e-9)
    assert torch.equal(faster.values, plain.values) and torch.equal(faster.delta, plain.delta)
