"""Every LRP composite named after one of Zennit's against Zennit's stock composite, with its
canonizers, on torchvision VGG-11, VGG-11-BN and ResNet-18 (no downloaded weights; biases and
BatchNorms randomised; eval mode), at 224 and 64 px, a batch of two: the maps agree to 1e-4
relative L2 per sample. Where float32 round-off alone moves a map by more than that (a residual
sum that nearly cancels, divided by its 1e-6 stabiliser, as on ResNet-18 at 64 px here: ours
1.9e-4 and Zennit's 6.1e-4 from their own float64 maps), both are run again in float64, where
they must agree to 1e-8 (they do to 4e-13), and the float32 maps to 1e-3.

Zennit's ``SequentialMergeBatchNorm`` keeps BatchNorm's eps in the merged BatchNorm, so its
canonized model computes y / sqrt(1 + eps) where the model computes y (ours folds exactly). The
reference therefore runs Zennit's stock composites with that one canonizer corrected
(:class:`ExactMergeBatchNorm`: the merged BatchNorm's running variance set to 1 - eps, so it is
the identity); BatchNorm's eps stays 1e-5 on both sides. The test below shows the stock merge's
offset. Guided backprop and DeconvNet run without canonizers (as Zennit's stock composites do
by default): BatchNorm keeps its gradient there, and a merged model's last-bit differences in
the forward flip ReLUs and max-pool winners at near-ties, which those two rules, not weighted
by the activations, carry into the map (Zennit merged against Zennit unmerged differ by 4e-4 on
ResNet-18 at 64 px; ours and unmerged Zennit by 3e-7). Run in the peers environment (see
``tests/peers/conftest.py``)::

    PYTHONPATH=. .venv-peers/bin/python -m pytest tests/peers/test_zennit_peers.py -p no:cacheprovider -o addopts=""
"""

from __future__ import annotations

import copy
import functools

import pytest

zennit = pytest.importorskip("zennit")
torchvision = pytest.importorskip("torchvision")

import torch  # noqa: E402
from torch import nn  # noqa: E402
from zennit import composites as zennit_composites  # noqa: E402
from zennit.attribution import Gradient  # noqa: E402
from zennit.canonizers import CompositeCanonizer, SequentialMergeBatchNorm  # noqa: E402
from zennit.torchvision import ResNetBasicBlockCanonizer, ResNetBottleneckCanonizer  # noqa: E402

import xai_widgets as xw  # noqa: E402
from xai_widgets.kernel.methods.propagation.lrp.graph import RelevancePass  # noqa: E402

MODELS = ("vgg11", "vgg11_bn", "resnet18")
SIZES = (224, 64)
TARGETS = torch.tensor([3, 7])
TOLERANCE = 1e-4
# Ours -> Zennit's stock composite class.
ZENNIT = {
    "epsilon_plus": zennit_composites.EpsilonPlus,
    "epsilon_plus_flat": zennit_composites.EpsilonPlusFlat,
    "epsilon_gamma_box": zennit_composites.EpsilonGammaBox,
    "epsilon_alpha2_beta1": zennit_composites.EpsilonAlpha2Beta1,
    "epsilon_alpha2_beta1_flat": zennit_composites.EpsilonAlpha2Beta1Flat,
    "excitation_backprop": zennit_composites.ExcitationBackprop,
    "guided_backprop": zennit_composites.GuidedBackprop,
    "deconvnet": zennit_composites.DeconvNet,
}


class ExactMergeBatchNorm(SequentialMergeBatchNorm):
    """Zennit's merge, with the merged BatchNorm made the exact identity (running_var = 1 - eps)."""

    @staticmethod
    def merge_batch_norm(modules, batch_norm):
        SequentialMergeBatchNorm.merge_batch_norm(modules, batch_norm)
        batch_norm.running_var.data = torch.full_like(batch_norm.running_var.data, 1.0 - batch_norm.eps)


def canonizers(model: nn.Module, merge: type = ExactMergeBatchNorm) -> list:
    """Zennit's canonizers for the model (``ResNetCanonizer``'s parts for a ResNet)."""
    if isinstance(model, torchvision.models.ResNet):
        return [CompositeCanonizer((merge(), ResNetBottleneckCanonizer(), ResNetBasicBlockCanonizer()))]
    return [merge()]


@functools.cache
def build(name: str, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.copy_(0.2 * torch.randn(n, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
                module.weight.copy_(0.5 + torch.rand(n, generator=generator))
                module.bias.copy_(0.2 * torch.randn(n, generator=generator))
            if isinstance(module, (nn.Conv2d, nn.Linear)) and module.bias is not None:
                # torchvision starts biases at zero: random ones test the bias conventions.
                module.bias.copy_(0.05 * torch.randn(module.bias.shape, generator=generator))
    return model.eval()


def inputs(size: int) -> torch.Tensor:
    return torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(size))


def zennit_relevance(model: nn.Module, name: str, x: torch.Tensor, epsilon: float, gamma: float) -> torch.Tensor:
    """Zennit's stock composite ``name``, seeded as ours: the target output at the target."""
    model = copy.deepcopy(model)
    kwargs: dict = {"canonizers": None if name in ("guided_backprop", "deconvnet") else canonizers(model)}
    if name == "epsilon_gamma_box":
        low, high = x.amin(dim=(1, 2, 3), keepdim=True), x.amax(dim=(1, 2, 3), keepdim=True)
        kwargs.update(low=low, high=high, gamma=gamma)
    if name.startswith("epsilon"):
        kwargs["epsilon"] = epsilon
    composite = ZENNIT[name](**kwargs)

    def seed(output: torch.Tensor) -> torch.Tensor:
        onehot = torch.zeros_like(output)
        onehot[torch.arange(len(output)), TARGETS] = 1.0
        return onehot * output

    with Gradient(model, composite) as attributor:
        _, relevance = attributor(x.clone(), seed)
    return relevance


def ours_in_float64(model: nn.Module, name: str, x: torch.Tensor, epsilon: float, gamma: float) -> torch.Tensor:
    """Our relevance pass on a float64 copy (the explainer works in float32), seeded as ``lrp``."""
    model = copy.deepcopy(model).double()
    with RelevancePass(model, xw.lrp.composite(name, epsilon, gamma)).active():
        leaf = x.double().requires_grad_(True)
        scores = model(leaf)[torch.arange(len(x)), TARGETS]
        return torch.autograd.grad(scores, leaf, scores.detach())[0]


def assert_agree(model: nn.Module, name: str, x: torch.Tensor, epsilon: float, gamma: float) -> None:
    ours = xw.Explainer(model).attribute(x, "lrp", target=TARGETS, composite=name, epsilon=epsilon, gamma=gamma)
    reference = zennit_relevance(model, name, x, epsilon, gamma)
    assert reference.abs().sum() > 0
    difference = relative_l2(ours.values, reference)
    if difference < TOLERANCE:
        return
    in_float64 = zennit_relevance(copy.deepcopy(model).double(), name, x.double(), epsilon, gamma)
    exact = relative_l2(ours_in_float64(model, name, x, epsilon, gamma), in_float64)
    assert exact < 1e-8 and difference < 1e-3, (difference, exact)


def relative_l2(ours: torch.Tensor, reference: torch.Tensor) -> float:
    """The largest per-sample ‖ours − reference‖ / ‖reference‖."""
    return ((ours - reference).flatten(1).norm(dim=1) / reference.flatten(1).norm(dim=1)).max().item()


@pytest.mark.parametrize("name", sorted(ZENNIT))
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("model_name", MODELS)
def test_composite_matches_zennit(model_name, size, name):
    assert_agree(build(model_name), name, inputs(size), epsilon=1e-6, gamma=0.25)


@pytest.mark.parametrize("name, params", [("epsilon_plus", {"epsilon": 0.25}), ("epsilon_gamma_box", {"gamma": 1.0})])
def test_the_epsilon_and_gamma_parameters_match_zennits(name, params):
    epsilon, gamma = params.get("epsilon", 1e-6), params.get("gamma", 0.25)
    assert_agree(build("resnet18"), name, inputs(64), epsilon, gamma)


@pytest.mark.parametrize("method", ["guided_backprop", "deconvnet"])
def test_the_methods_match_zennits_composites_seeded_with_one(method):
    model, x = build("vgg11_bn"), inputs(64)
    ours = xw.Explainer(model).attribute(x, method, target=TARGETS).values
    composite = ZENNIT[method]()
    with Gradient(copy.deepcopy(model), composite) as attributor:
        _, reference = attributor(x.clone(), torch.eye(1000)[TARGETS])
    assert relative_l2(ours, reference) < TOLERANCE


def test_zennits_stock_batchnorm_merge_is_off_by_its_eps_and_the_corrected_one_is_exact():
    model, x = build("resnet18"), inputs(64)
    expected = model(x)
    for merge, exact in ((SequentialMergeBatchNorm, False), (ExactMergeBatchNorm, True)):
        canonized = copy.deepcopy(model)
        handles = [handle for canonizer in canonizers(canonized, merge) for handle in canonizer.apply(canonized)]
        offset = relative_l2(canonized(x), expected)
        for handle in handles:
            handle.remove()
        assert (offset < 1e-5) == exact, (merge.__name__, offset)
