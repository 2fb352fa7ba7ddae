"""LRP: conservation (ResNet-style models too), Captum's LRP as oracle, canonization, continuity,
composites built from Python, and clear errors."""

import copy

import pytest
import torch
from captum.attr import LRP
from captum.attr._utils.lrp_rules import EpsilonRule
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.core.runner import ModelRunner
from xai_widgets.kernel.lrp import Composite
from xai_widgets.kernel.methods.propagation.lrp.composites import COMPOSITE_NAMES
from xai_widgets.kernel.methods.propagation.lrp.method import relevance
from xai_widgets.kernel.methods.propagation.lrp.rules import LinearOp, LinearRule, stabilize

from ..assertions import assert_matches, assert_same, snapshot
from ..models import OracleCNN, ReluCNN, SequenceCNN, mlp

TINY = 1e-9
# Every registered composite that conserves relevance (the ReLU-modifying ones are gradients).
CONSERVATIVE = [name for name in COMPOSITE_NAMES if name not in ("guided_backprop", "deconvnet")]


class PoolCNN(nn.Module):
    """Conv, ReLU, max and adaptive average pooling, Linear: the layers Captum's LRP accepts."""

    def __init__(self, bias: bool = True, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=bias)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 12, 3, padding=1, bias=bias)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(48, 5, bias=bias)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        return self.fc(self.pool2(self.relu2(self.conv2(x))).flatten(1))


class BatchNormCNN(nn.Module):
    """Conv-BatchNorm-ReLU twice (in-place ReLU), pooled, Linear: LRP folds each BatchNorm."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv1, self.bn1, self.relu1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True)
        self.conv2, self.bn2, self.relu2 = nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(32, 5)
        randomize_batchnorms(self, seed)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        return self.fc(self.pool(x).flatten(1))


class BasicBlock(nn.Module):
    """torchvision's ResNet block: conv-BN-ReLU-conv-BN, plus the (downsampled) input, ReLU."""

    def __init__(self, channels_in: int, channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.downsample = None
        if stride != 1 or channels_in != channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(channels_in, channels, 1, stride, bias=False), nn.BatchNorm2d(channels)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    """A ResNet-18 in miniature: stem with max pooling, two blocks (one downsampling), average pool."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv1, self.bn1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8)
        self.relu, self.maxpool = nn.ReLU(inplace=True), nn.MaxPool2d(2)
        self.layer1, self.layer2 = BasicBlock(8, 8), BasicBlock(8, 16, stride=2)
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(16, 5)
        randomize_batchnorms(self, seed)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomize_batchnorms(model: nn.Module, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(0.1 * torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            module.weight.data.copy_(0.5 + torch.rand(n, generator=generator))
            module.bias.data.copy_(0.1 * torch.randn(n, generator=generator))


def without_biases(model: nn.Module) -> nn.Module:
    """A copy whose layers add nothing: zero biases, BatchNorms with zero mean and shift."""
    model = copy.deepcopy(model)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d)) and module.bias is not None:
                module.bias.zero_()
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.zero_()
                module.bias.zero_()
    return model.eval()


def folded_copy(model: BatchNormCNN) -> nn.Module:
    """What BatchNorm folding means, written out: each conv absorbs its BatchNorm, which goes.

    Captum's LRP refuses ``nn.Identity``; a ReLU in the BatchNorm's place, right before the
    block's own ReLU, changes no value and passes relevance on as Captum does for every ReLU.
    """
    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        for conv_name, bn_name in (("conv1", "bn1"), ("conv2", "bn2")):
            conv, bn = getattr(model, conv_name), getattr(model, bn_name)
            scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
            conv.weight.mul_(scale.view(-1, 1, 1, 1))
            conv.bias.copy_(conv.bias * scale + bn.bias - bn.running_mean * scale)
            setattr(model, bn_name, nn.ReLU())
    return model


def captum_lrp(model: nn.Module, x: torch.Tensor, target, rule_for) -> torch.Tensor:
    """Captum's LRP on a copy of ``model`` with ``rule_for(module)`` on each layer that takes a rule."""
    model = copy.deepcopy(model).eval()
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d)):
            module.rule = rule_for(module)
    return LRP(model).attribute(x.clone().requires_grad_(True), target=target).detach()


def bias_share(model: nn.Module, x: torch.Tensor, target: int) -> torch.Tensor:
    """Σ b·∂f/∂b over every (folded) bias, per sample: the output share LRP-0 leaves to biases.

    On a ReLU network f is positively homogeneous in (input, biases) jointly, so f = Σ x·∂f/∂x +
    Σ b·∂f/∂b, and LRP-0 gives the inputs exactly the first sum. A BatchNorm after a conv folds
    into bias ``scale·b + shift``, which adds to the output just like the BatchNorm's own bias.
    """
    shares = []
    for sample in x:
        biases = []  # (folded bias value, parameter whose gradient is ∂f/∂(that bias))
        modules = list(model.modules())
        for layer, following in zip(modules, modules[1:] + [None], strict=True):
            if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
                bias = layer.bias if layer.bias is not None else torch.zeros(layer.weight.shape[0])
                if isinstance(following, nn.BatchNorm2d):
                    scale = following.weight / torch.sqrt(following.running_var + following.eps)
                    biases.append((bias * scale + following.bias - following.running_mean * scale, following.bias))
                else:
                    biases.append((bias, layer.bias))
        output = model(sample[None])[0, target]
        grads = torch.autograd.grad(output, [p for _, p in biases])
        shares.append(sum((value * grad).sum() for (value, _), grad in zip(biases, grads, strict=True)))
    return torch.stack(shares).detach()


def run_lrp(model, x, target, **params):
    return xw.Explainer(model).attribute(x, "lrp", target=target, **params)


# ---- conservation ------------------------------------------------------------------------------
CONSERVATION_CASES = {
    "mlp": (lambda: mlp(6, 3), (4, 6)),
    "cnn": (lambda: PoolCNN(), (3, 3, 12, 12)),
    "cnn with batchnorm and residual": (lambda: OracleCNN(), (3, 3, 16, 16)),
    "resnet-style": (lambda: TinyResNet(), (3, 3, 16, 16)),
}


@pytest.mark.parametrize("case", sorted(CONSERVATION_CASES))
@pytest.mark.parametrize("composite", CONSERVATIVE)
def test_relevance_sums_to_the_output_without_biases(case, composite):
    build, shape = CONSERVATION_CASES[case]
    model = without_biases(build())
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    result = run_lrp(model, x, target=1, composite=composite, epsilon=TINY)
    output = model(x)[:, 1].detach()
    assert output.abs().min() > 1e-3, "an output near 0 would make the relative check vacuous"
    sums = result.values.flatten(1).sum(1)
    torch.testing.assert_close(sums, output, rtol=1e-4, atol=0)
    torch.testing.assert_close(result.delta, sums - output)


class PlainGamma(LinearRule):
    """The γ-rule without the generalisation: w + γw⁺ whatever the output's sign (Captum's GammaRule,
    and this project's before issue 11). A user-written rule class, which composites accept too."""

    def __init__(self, gamma: float) -> None:
        self.gamma = gamma

    def linear(self, op: LinearOp, a, z, relevance):
        weight = op.weight + self.gamma * op.weight.clamp(min=0)
        z = op.forward(a, weight, op.bias)
        return a * op.transpose(a, weight, relevance / stabilize(z, 1e-9))


@pytest.mark.parametrize("size", [16, 32])
def test_generalised_gamma_conserves_on_resnet_style_models_where_the_plain_one_does_not(size):
    """Residual branches end in convolutions with negative outputs: the plain γ-rule's denominators
    pass through zero there and relevance explodes (issue 11: 10.7 times the output on ResNet-18)."""
    model = without_biases(TinyResNet(seed=3))
    x = torch.randn(4, 3, size, size, generator=torch.Generator().manual_seed(4))
    output = model(x)[:, 2].detach()
    for rules in (xw.lrp.composite("epsilon", epsilon=TINY), xw.lrp.composite("epsilon_gamma_box", TINY, 0.25)):
        values = run_lrp(model, x, target=2, composite=rules).values
        ratio = values.flatten(1).sum(1) / output
        assert (ratio - 1).abs().max() < 1e-3, ratio
    plain = Composite([(nn.Conv2d, PlainGamma(0.25)), (nn.Linear, xw.lrp.Epsilon(TINY))])
    ratio = run_lrp(model, x, target=2, composite=plain).values.flatten(1).sum(1) / output
    assert (ratio - 1).abs().max() > 1e-2, "the plain γ-rule conserved here: the test shows nothing"


@pytest.mark.parametrize("case", sorted(CONSERVATION_CASES))
def test_with_biases_the_missing_relevance_is_the_bias_share(case):
    build, shape = CONSERVATION_CASES[case]
    model = build().eval()
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(2))
    result = run_lrp(model, x, target=1, composite="epsilon", epsilon=TINY)
    share = bias_share(model, x, target=1)
    assert share.abs().min() > 1e-2, "the biases must take a visible share for this test to mean anything"
    output = model(x)[:, 1].detach()
    torch.testing.assert_close(output - result.values.flatten(1).sum(1), share, rtol=0, atol=1e-4 * output.abs().max())


# ---- Captum as oracle --------------------------------------------------------------------------
@pytest.mark.parametrize("epsilon", [TINY, 0.3])
def test_epsilon_composite_matches_captum_epsilon_rule_on_every_layer(epsilon):
    torch.manual_seed(3)
    for model, x in ((mlp(6, 3).eval(), torch.randn(4, 6)), (PoolCNN().eval(), torch.randn(3, 3, 12, 12))):
        ours = run_lrp(model, x, target=[0, 2, 1, 0][: len(x)], composite="epsilon", epsilon=epsilon).values
        reference = captum_lrp(model, x, [0, 2, 1, 0][: len(x)], lambda _m: EpsilonRule(epsilon))
        assert_matches(ours, reference)


def test_batchnorm_is_folded_as_captum_sees_a_folded_copy():
    model = BatchNormCNN().eval()
    x = torch.randn(3, 3, 12, 12, generator=torch.Generator().manual_seed(4))
    ours = run_lrp(model, x, target=2, composite="epsilon", epsilon=0.1).values
    reference = captum_lrp(folded_copy(model), x, 2, lambda _m: EpsilonRule(0.1))
    assert_matches(ours, reference)
    # Captum's own treatment of BatchNorm (an ε-rule layer of its own) differs: folding matters.
    unfolded = captum_lrp(model, x, 2, lambda m: EpsilonRule(0.1))
    assert (ours - unfolded).abs().max() > 1e-2 * unfolded.abs().max()


def test_conv1d_and_same_padding_paths_agree_with_autograd():
    """Conv1d uses the transposed-convolution fast path; 'same' padding the autograd fallback."""
    model = SequenceCNN().eval()
    x = torch.randn(2, 4, 20, generator=torch.Generator().manual_seed(6))
    fast = run_lrp(model, x, target=1, composite="epsilon", epsilon=TINY)
    same = copy.deepcopy(model)
    same.conv.padding = "same"
    slow = run_lrp(same, x, target=1, composite="epsilon", epsilon=TINY)
    torch.testing.assert_close(fast.values, slow.values, rtol=1e-5, atol=1e-7)
    # ε → 0 on a ReLU net without max pooling is gradient x input.
    grad_x_input = xw.Explainer(model).attribute(x, "grad_x_input", target=1).values
    assert_matches(fast.values, grad_x_input)


# ---- continuity (Montavon et al., 2018) ---------------------------------------------------------
def max_network() -> nn.Module:
    """max(x1, x2) for x1, x2 ≥ 0 as a ReLU network: ½(relu(x1+x2) + relu(x1−x2) + relu(x2−x1))."""
    model = nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU(), nn.Linear(3, 1, bias=False))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]]))
        model[2].weight.fill_(0.5)
    return model


@pytest.mark.parametrize("step", [0.02, 0.002])
def test_lrp_is_continuous_across_the_max_boundary_where_gradients_jump(step):
    """Crossing x1 = x2 near (1, 1) by ``step``: gradient and gradient x input jump by about 1 however
    small the step; LRP moves in proportion to the step (Montavon, Samek and Müller, 2018)."""
    model = max_network()
    explainer = xw.Explainer(model)
    below = torch.tensor([[1 - step / 2, 1 + step / 2]])  # x1 < x2: max is x2
    above = torch.tensor([[1 + step / 2, 1 - step / 2]])  # x1 > x2: max is x1

    def both_sides(explain):
        return explain(below), explain(above)

    def attribute(method, **params):
        return lambda x: explainer.attribute(x, method, target=0, **params).values

    def jump(low, high):
        return (high - low).abs().max().item()

    assert jump(*both_sides(attribute("gradient"))) == pytest.approx(1.0)  # (0, 1) -> (1, 0)
    assert jump(*both_sides(attribute("grad_x_input"))) == pytest.approx(1 + step / 2)  # (0, x2) -> (x1, 0)

    # z⁺ on the hidden layer (deep Taylor), as in the paper: relu(x1+x2) shares ½(x1+x2) by x1:x2 and
    # the winner's relu(±(x1−x2)) gives it all of ½|x1−x2|, so R = (x1/2 + (x1−x2)/2, x2/2) above.
    # Layers chosen by their dotted names.
    deep_taylor = Composite([("0", xw.lrp.ZPlus(stabilizer=TINY)), ("2", xw.lrp.Epsilon(TINY))])
    runner = ModelRunner(model, torch.device("cpu"))

    def z_plus(x):
        return relevance(runner, x, torch.tensor([0]), deep_taylor)[0]

    low, high = both_sides(z_plus)
    x1, x2 = above[0].tolist()
    assert high[0].tolist() == pytest.approx([x1 / 2 + (x1 - x2) / 2, x2 / 2], rel=1e-5)
    assert jump(low, high) == pytest.approx(step, rel=1e-4)
    assert high.sum().item() == pytest.approx(x1, rel=1e-6)  # conserved: the max itself
    # αβ (α=2, β=1) is continuous too: its jump shrinks with the step.
    alpha_beta = Composite([("0", xw.lrp.AlphaBeta(2, 1, stabilizer=TINY)), ("2", xw.lrp.Epsilon(TINY))])
    assert jump(*both_sides(attribute("lrp", composite=alpha_beta))) == pytest.approx(2.5 * step, rel=1e-4)


# ---- first-layer rules and composites built from Python ------------------------------------------
def test_first_layer_rules_on_one_layer_by_hand():
    layer = nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[2.0, -1.0, 0.5]]))
    x = torch.tensor([[0.5, 1.0, -1.0]])  # low = -1, high = 1
    output = layer(x).item()
    box = Composite([(nn.Linear, xw.lrp.Epsilon())], first=xw.lrp.ZBox())
    # z_i = x_i w_i - l w_i⁺ - h w_i⁻ = (1+2, -1+1, -0.5+0.5) = (3, 0, 0): all of f(x) to x_1
    torch.testing.assert_close(run_lrp(layer, x, target=0, composite=box).values, torch.tensor([[output, 0.0, 0.0]]))
    flat = run_lrp(layer, x, target=0, composite="epsilon_plus_flat").values
    torch.testing.assert_close(flat, torch.full((1, 3), output / 3))
    # As Zennit's EpsilonGammaBox: z^B only for a first layer that is a convolution.
    gamma_box = run_lrp(layer, x, target=0, composite="epsilon_gamma_box", epsilon=TINY).values
    torch.testing.assert_close(gamma_box, x * layer.weight.detach())


def test_a_composite_object_is_a_composite_parameter():
    model = ReluCNN().eval()
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(7))
    explainer = xw.Explainer(model)
    by_type = Composite(
        [(nn.Conv2d, xw.lrp.Gamma(0.25)), (nn.Linear, xw.lrp.Epsilon(1e-6))], first=xw.lrp.ZBox(low=0, high=1)
    )
    ours = explainer.attribute(x, "lrp", target=1, composite=by_type)
    assert ours.params["composite"] is by_type
    # The same rules chosen by dotted names give the same numbers.
    by_name = Composite(
        [(("features.0", "features.2"), xw.lrp.Gamma(0.25)), ("head.2", xw.lrp.Epsilon(1e-6))],
        first=[("features.0", xw.lrp.ZBox(low=0, high=1))],
    )
    torch.testing.assert_close(explainer.attribute(x, "lrp", target=1, composite=by_name).values, ours.values)
    # And differ from a registered composite's: the box bounds are (0, 1), not each sample's range.
    registered = explainer.attribute(x, "lrp", target=1, composite="epsilon_gamma_box", epsilon=1e-6)
    assert not torch.allclose(registered.values, ours.values)


def test_registered_composites_follow_the_epsilon_and_gamma_parameters():
    model = ReluCNN().eval()
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(8))
    explainer = xw.Explainer(model)
    for name, params in (("epsilon_gamma_box", {"gamma": 1.0}), ("epsilon_plus", {"epsilon": 3.0})):
        changed = explainer.attribute(x, "lrp", target=0, composite=name, **params).values
        default = explainer.attribute(x, "lrp", target=0, composite=name).values
        assert not torch.allclose(changed, default)


def test_the_old_alpha_beta_name_still_works_and_is_not_listed():
    model = ReluCNN().eval()
    x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(9))
    old = run_lrp(model, x, target=0, composite="alpha2_beta1").values
    torch.testing.assert_close(old, run_lrp(model, x, target=0, composite="epsilon_alpha2_beta1").values)
    assert "alpha2_beta1" not in list(COMPOSITE_NAMES)


def test_a_wrong_composite_value_is_refused_with_what_is_accepted():
    with pytest.raises(xw.ParameterError, match="or a Composite"):
        run_lrp(ReluCNN(), torch.rand(1, 3, 8, 8), target=0, composite=3)
    with pytest.raises(TypeError, match="pair"):
        Composite([nn.Conv2d, xw.lrp.Epsilon()])
    # A rule for Linear/Conv layers given to a ReLU is refused before the forward.
    with pytest.raises(xw.ParameterError, match=r"ZPlus.*'features.1' \(ReLU\)"):
        run_lrp(ReluCNN(), torch.rand(1, 3, 8, 8), target=0, composite=Composite([(nn.ReLU, xw.lrp.ZPlus())]))


def test_pass_on_relu_hands_relevance_to_dead_units_that_the_gradient_would_not():
    """Zennit's composites give ReLUs Pass; under rules that multiply by the input the difference
    never shows, under Flat above a ReLU it does."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).eval()
    x = torch.randn(2, 3, generator=torch.Generator().manual_seed(10))
    assert (model[1](model[0](x)) == 0).any(), "no dead unit: the test would show nothing"
    through = Composite([(nn.ReLU, xw.lrp.Pass()), ("0", xw.lrp.Epsilon()), ("2", xw.lrp.Flat())])
    gated = Composite([("0", xw.lrp.Epsilon()), ("2", xw.lrp.Flat())])
    passed, stopped = (run_lrp(model, x, 0, composite=c).values for c in (through, gated))
    assert not torch.allclose(passed, stopped)


# ---- errors and the model ---------------------------------------------------------------------
class WithGelu(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 2))

    def forward(self, x):
        return self.body(x)


class OwnParameter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.scale = nn.Parameter(torch.ones(2))

    def forward(self, x):
        return self.fc(x) * self.scale


def test_unsupported_layer_is_named_and_the_model_is_left_alone():
    model = WithGelu()
    before = snapshot(model)
    with pytest.raises(xw.UnsupportedLayerError, match=r"'body\.1' \(GELU\)"):
        run_lrp(model, torch.randn(2, 4), target=0)
    assert_same(before, snapshot(model))
    # A composite that maps the layer makes it supported (Zennit passes every activation).
    passing = Composite([(nn.GELU, xw.lrp.Pass()), (nn.Linear, xw.lrp.Epsilon())])
    assert run_lrp(model, torch.randn(2, 4), target=0, composite=passing).values.shape == (2, 4)
    assert_same(before, snapshot(model))
    with pytest.raises(xw.UnsupportedLayerError, match=r"OwnParameter"):
        run_lrp(OwnParameter(), torch.randn(2, 4), target=0)
    # the explainer keeps working afterwards
    assert run_lrp(mlp(4, 2), torch.randn(2, 4), target=0).values.shape == (2, 4)


def test_batchnorm_in_training_mode_is_refused(user_model):
    with pytest.raises(xw.UnsupportedLayerError, match="eval_mode=True"):
        xw.Explainer(user_model, eval_mode=False).attribute(torch.rand(2, 3, 16, 16), "lrp", target=0)


CUSTOM = Composite(
    [(nn.ReLU, xw.lrp.ReLUDeconvNet()), (nn.BatchNorm2d, xw.lrp.Pass()), (nn.Conv2d, xw.lrp.WSquare())],
    first=xw.lrp.Flat(),
)


@pytest.mark.parametrize("composite", [*COMPOSITE_NAMES, CUSTOM])
def test_model_unchanged_after_each_composite(user_model, composite):
    before = snapshot(user_model)
    values = xw.Explainer(user_model).attribute(torch.rand(2, 3, 16, 16), "lrp", target=1, composite=composite).values
    assert torch.isfinite(values).all()
    assert_same(before, snapshot(user_model))


@pytest.mark.parametrize("method", ["guided_backprop", "deconvnet"])
def test_model_unchanged_after_the_modified_relu_methods(user_model, method):
    before = snapshot(user_model)
    xw.Explainer(user_model).attribute(torch.rand(2, 3, 16, 16), method, target=1)
    assert_same(before, snapshot(user_model))
