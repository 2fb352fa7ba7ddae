"""DeepLIFT (rescale rule) against Captum's DeepLift, analytic truth and the model-unchanged contract."""

import warnings

import pytest
import torch
from captum.attr import DeepLift
from torch import nn

import xai_widgets as xw

from ..assertions import assert_matches, assert_same, snapshot
from ..models import OracleCNN, ReluCNN, SequenceCNN, linear_model, mlp

TARGETS = [0, 2, 4]


class SingleUseResidualBlock(nn.Module):
    """ResidualBlock with one ReLU module per call: Captum's DeepLift refuses a reused module."""

    def __init__(self, block: nn.Module) -> None:
        super().__init__()
        self.conv1, self.bn1, self.conv2, self.bn2 = block.conv1, block.bn1, block.conv2, block.bn2
        self.relu1 = nn.ReLU(inplace=True)
        self.relu2 = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x
        return self.relu2(out)


def single_use_oracle_cnn(model: OracleCNN) -> OracleCNN:
    """The same weights as ``model``, with the residual block's ReLU split into two modules."""
    twin = OracleCNN()
    twin.load_state_dict(model.state_dict())
    twin.block = SingleUseResidualBlock(twin.block)
    return twin.eval()


class PoolCNN(nn.Module):
    """MaxPool between convolutions.

    Captum's DeepLift captures a hooked module's output gradient before the next hooked module's
    rule rewrites it, so a MaxPool right before or after a ReLU gets its rule dropped there (its
    delta is then far from zero); here no two hooked modules touch, and Captum's rule applies.
    """

    def __init__(self, seed: int = 0, pool: nn.Module | None = None) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1), pool or nn.MaxPool2d(2), nn.Conv2d(6, 6, 3, padding=1), nn.ReLU()
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(6 * 8 * 8, 5))

    def forward(self, x):
        return self.head(self.features(x))


class SmoothMLP(nn.Module):
    """Every other activation DeepLIFT rescales, each between two linear layers."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        activations = [nn.Tanh(), nn.Sigmoid(), nn.ELU(), nn.LeakyReLU(0.1), nn.Softplus()]
        layers = [nn.Linear(6, 10)]
        for activation in activations:
            layers += [activation, nn.Linear(10, 10)]
        layers[-1] = nn.Linear(10, 3)
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def captum_deeplift(model, x, baseline, target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Captum warns that it sets hooks
        return DeepLift(model).attribute(x, baselines=baseline, target=target, return_convergence_delta=True)


def images(n=3, seed=11):
    return torch.rand(n, 3, 16, 16, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("baseline", ["zeros", 0.3, "tensor"])
@pytest.mark.parametrize("name", ["mlp", "smooth_mlp", "relu_cnn", "pool_cnn", "oracle_cnn"])
def test_matches_captum(name, baseline):
    if name in ("mlp", "smooth_mlp"):
        model = (mlp() if name == "mlp" else SmoothMLP()).eval()
        x = torch.randn(4, 6, generator=torch.Generator().manual_seed(3))
        targets = [0, 1, 2, 1]
    else:
        model = {"relu_cnn": ReluCNN, "pool_cnn": PoolCNN, "oracle_cnn": OracleCNN}[name]().eval()
        x = images()
        targets = TARGETS
    if baseline == "tensor":
        baseline = torch.rand(1, *x.shape[1:], generator=torch.Generator().manual_seed(5))
    captum_baseline = 0.0 if baseline == "zeros" else baseline
    # Captum rejects a module called twice; its twin with one ReLU per call is the same function.
    reference_model = single_use_oracle_cnn(model) if name == "oracle_cnn" else model
    reference, reference_delta = captum_deeplift(reference_model, x, captum_baseline, targets)
    ours = xw.Explainer(model).attribute(x, "deeplift", target=targets, baseline=baseline)
    assert_matches(ours.values, reference)
    torch.testing.assert_close(ours.delta, reference_delta.float(), rtol=1e-3, atol=1e-4)


def test_oracle_cnn_twin_is_the_same_model():
    model = OracleCNN().eval()
    x = images()
    torch.testing.assert_close(model(x), single_use_oracle_cnn(model)(x))
    ours = xw.Explainer(model).attribute(x, "deeplift", target=TARGETS).values
    twin = xw.Explainer(single_use_oracle_cnn(model)).attribute(x, "deeplift", target=TARGETS).values
    torch.testing.assert_close(ours, twin)


def test_linear_model_is_exact():
    model = linear_model()
    x = torch.randn(5, 6, generator=torch.Generator().manual_seed(1))
    baseline = torch.randn(6, generator=torch.Generator().manual_seed(2))
    result = xw.Explainer(model).attribute(x, "deeplift", target=[0, 1, 2, 0, 1], baseline=baseline)
    expected = (x - baseline) * model.weight.detach()[[0, 1, 2, 0, 1]]
    torch.testing.assert_close(result.values, expected, rtol=1e-6, atol=1e-6)
    assert result.delta.abs().max() < 1e-5


@pytest.mark.parametrize("baseline", ["zeros", "blur", "uniform"])
def test_completeness_on_relu_cnn(baseline):
    model = ReluCNN().eval()
    result = xw.Explainer(model).attribute(images(4), "deeplift", target=[0, 1, 2, 3], baseline=baseline)
    scale = result.values.flatten(1).sum(1).abs().max().item()
    assert scale > 0
    assert result.delta.abs().max() < 1e-4 * max(1.0, scale)


@pytest.mark.parametrize(
    "layers",
    [
        lambda: [nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)],
        lambda: [nn.Conv2d(3, 6, 3, padding=1), nn.MaxPool2d(2), nn.ReLU()],
        lambda: [nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2, padding=1)],
    ],
    ids=["relu-pool", "pool-relu", "relu-overlapping-pool"],
)
def test_completeness_with_adjacent_maxpool(layers):
    """Adjacent ReLU and MaxPool, overlapping windows: the multipliers still sum to the output change."""
    torch.manual_seed(0)
    model = nn.Sequential(*layers(), nn.Flatten(), nn.Linear(6 * 8 * 8, 5)).eval()
    baseline = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(5))
    result = xw.Explainer(model).attribute(images(), "deeplift", target=TARGETS, baseline=baseline)
    assert result.delta.abs().max() < 1e-5


def test_differs_from_gradient_times_input():
    """On a ReLU network DeepLIFT is not plain gradient x input (the rule really runs)."""
    model = ReluCNN().eval()
    x = images(2)
    explainer = xw.Explainer(model)
    ours = explainer.attribute(x, "deeplift", target=1).values
    plain = explainer.attribute(x, "grad_x_input", target=1).values
    assert (ours - plain).abs().max() > 1e-3 * plain.abs().max()


def test_model_unchanged(user_model):
    before = snapshot(user_model)
    xw.Explainer(user_model).attribute(images(2), "deeplift", target=1, baseline="blur")
    assert_same(before, snapshot(user_model))
    assert user_model.block.relu.inplace and user_model.relu.inplace


@pytest.mark.parametrize(
    "call",
    [
        dict(x=torch.rand(1, 5, 16, 16), target=0),
        dict(x=torch.rand(1, 3, 16, 16), target=9),
        dict(x=torch.rand(1, 3, 16, 16), target=0, baseline=torch.zeros(2, 2)),
    ],
    ids=["wrong shape", "target out of range", "bad baseline"],
)
def test_model_unchanged_after_error(user_model, call):
    before = snapshot(user_model)
    call = dict(call)
    with pytest.raises(xw.ExplainerError):
        xw.Explainer(user_model).attribute(call.pop("x"), "deeplift", **call)
    assert_same(before, snapshot(user_model))


def test_model_unchanged_after_error_inside_the_hooked_pass():
    """A model that mixes the batch (so the halves break) raises, and its hooks still go."""

    class MixesBatch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(4, 3)
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(self.linear(x)[:1]).expand(x.shape[0], -1)

    model = MixesBatch()
    before = snapshot(model)
    with pytest.raises(xw.ExplainerError):
        xw.Explainer(model).attribute(torch.rand(1, 4), "deeplift", target=0)
    assert_same(before, snapshot(model))


def test_sequences():
    model = SequenceCNN().eval()
    x = torch.rand(3, 4, 20, generator=torch.Generator().manual_seed(4))
    ours = xw.Explainer(model).attribute(x, "deeplift", target=[0, 1, 2], baseline=0.25)
    reference, reference_delta = captum_deeplift(model, x, 0.25, [0, 1, 2])
    assert ours.values.shape == x.shape
    assert_matches(ours.values, reference)
    assert ours.delta.abs().max() < 1e-5


def test_tabular():
    model = mlp().eval()
    x = torch.randn(7, 6, generator=torch.Generator().manual_seed(6))
    result = xw.Explainer(model).attribute(x, "deeplift", target=2)
    assert result.values.shape == x.shape
    assert result.delta.abs().max() < 1e-5


def test_chunked_batch_matches_one_pass():
    model = ReluCNN().eval()
    x = images(5)
    whole = xw.Explainer(model).attribute(x, "deeplift", target=1)
    # A budget of one byte: one sample (with its baseline) per pass.
    chunked = xw.Explainer(model, memory_budget=1).attribute(x, "deeplift", target=1)
    torch.testing.assert_close(chunked.values, whole.values)
    torch.testing.assert_close(chunked.delta, whole.delta)
