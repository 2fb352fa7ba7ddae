"""Guided backprop and DeconvNet (the ReLU-modifying rules of the LRP graph, and methods of their
own) against Captum's GuidedBackprop and Deconvolution, functional ReLUs included."""

import copy

import pytest
import torch
import torch.nn.functional as F
from captum.attr import Deconvolution, GuidedBackprop
from torch import nn

import xai_widgets as xw

from ..assertions import assert_matches
from ..models import OracleCNN, ReluCNN

pytestmark = pytest.mark.filterwarnings("ignore:Setting backward hooks on ReLU")

CAPTUM = {"guided_backprop": GuidedBackprop, "deconvnet": Deconvolution}
TARGETS = [0, 2, 4]


class FunctionalReluCNN(nn.Module):
    """ReluCNN's layers with the ReLUs written in ``forward``: F.relu, Tensor.relu and relu_."""

    def __init__(self) -> None:
        super().__init__()
        reference = ReluCNN()
        self.conv1, self.conv2 = reference.features[0], reference.features[2]
        self.head = reference.head

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.conv2(x).relu_()
        return self.head(x)


def batch(shape=(3, 3, 16, 16), seed=0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("method", sorted(CAPTUM))
@pytest.mark.parametrize("build", [ReluCNN, OracleCNN], ids=["relu cnn", "batchnorm, in-place relu, residual"])
def test_matches_captum(method, build):
    model = build().eval()
    x = batch()
    ours = xw.Explainer(model).attribute(x, method, target=TARGETS).values
    reference = CAPTUM[method](model).attribute(x.clone(), target=TARGETS)
    assert_matches(ours, reference)
    # The ReLU rule is not the gradient: the match is not a coincidence.
    gradient = xw.Explainer(model).attribute(x, "gradient", target=TARGETS).values
    assert (ours - gradient).abs().max() > 1e-2 * gradient.abs().max()


@pytest.mark.parametrize("method", sorted(CAPTUM))
def test_functional_relus_get_the_rule(method):
    """Captum only changes nn.ReLU layers; here F.relu and relu_ in forward get the rule as well,
    so the functional model explains like its twin with ReLU layers."""
    functional, layered = FunctionalReluCNN().eval(), ReluCNN().eval()
    x = batch(seed=1)
    ours = xw.Explainer(functional).attribute(x, method, target=TARGETS).values
    reference = CAPTUM[method](layered).attribute(x.clone(), target=TARGETS)
    assert_matches(ours, reference)
    captum_functional = CAPTUM[method](functional).attribute(x.clone(), target=TARGETS)
    assert (captum_functional - reference).abs().max() > 1e-2 * reference.abs().max()


def test_the_lrp_composites_seed_with_the_output():
    """lrp's guided_backprop composite starts from the target output itself: the method's map (seeded
    with 1) times the output where it is positive, another map where it is negative."""
    model = ReluCNN().eval()
    x = batch(seed=2)
    explainer = xw.Explainer(model)
    scores = model(x)[torch.arange(3), torch.tensor(TARGETS)].detach()
    for method in CAPTUM:
        seeded = explainer.attribute(x, "lrp", target=TARGETS, composite=method).values
        unit = explainer.attribute(x, method, target=TARGETS).values
        for i, score in enumerate(scores):
            close = torch.allclose(seeded[i], unit[i] * score, rtol=1e-4, atol=1e-6 * seeded[i].abs().max().item())
            assert close == (score > 0), (method, i, score)


def test_other_activations_keep_their_gradient():
    """Not an LRP composite: a layer without a ReLU rule keeps its gradient, as in Captum."""
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 2)).eval()
    x = batch((5, 4), seed=3)
    ours = xw.Explainer(model).attribute(x, "guided_backprop", target=1).values
    assert_matches(ours, GuidedBackprop(model).attribute(x.clone(), target=1))


def test_batchnorm_in_training_mode_keeps_its_batch_statistics():
    """Nothing is folded when BatchNorm normalises by the batch (eval_mode=False): its gradient."""
    torch.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14 * 14, 3))
    x = batch(seed=4)
    ours = xw.Explainer(model, eval_mode=False).attribute(x, "guided_backprop", target=1).values
    reference = GuidedBackprop(copy.deepcopy(model).train()).attribute(x.clone(), target=1)
    assert_matches(ours, reference)
