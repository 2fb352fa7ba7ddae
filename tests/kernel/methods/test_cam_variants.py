"""The CAM family against its formulas on tiny hand-built models, and what every CAM method promises."""

import pytest
import torch
import torch.nn.functional as F
from captum.attr import LayerAttribution, LayerGradCam
from torch import nn

import xai_widgets as xw

from ..assertions import assert_matches, assert_same, snapshot

CAMS = [
    "grad_cam",
    "grad_cam_plus_plus",
    "xgrad_cam",
    "hires_cam",
    "layer_cam",
    "score_cam",
    "ablation_cam",
    "eigen_cam",
]
GRADIENT_CAMS = CAMS[:5]
TARGETS = [1, 0, 2]


class ConvHead(nn.Module):
    """A convolution (the CAM layer), an in-place ReLU after it, and a linear head on every position."""

    def __init__(self, spatial=(4, 5), channels=3, n_outputs=3, seed=0, inplace=True):
        super().__init__()
        torch.manual_seed(seed)
        conv = nn.Conv2d if len(spatial) == 2 else nn.Conv1d
        self.conv = conv(2, channels, 3, padding=1)
        self.relu = nn.ReLU(inplace=inplace)
        self.fc = nn.Linear(channels * int(torch.tensor(spatial).prod()), n_outputs)

    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).flatten(1))

    def layer_output(self, x):
        """The conv's activations A, and the gradient g of each sample's target output with respect to A."""
        activation = self.conv(x)
        weights = self.fc.weight[TARGETS[: x.shape[0]]].view(x.shape[0], *activation.shape[1:])
        return activation.detach(), (weights * (activation > 0)).detach()


def by_formula(variant: str, activation: torch.Tensor, gradient: torch.Tensor) -> torch.Tensor:
    """Each gradient CAM's layer map, written out from its paper (and pytorch-grad-cam's constants)."""
    dims = tuple(range(2, activation.ndim))
    a, g = activation, gradient
    if variant == "grad_cam":
        weights = g.mean(dims, keepdim=True)
    elif variant == "xgrad_cam":
        weights = (g * a).sum(dims, keepdim=True) / (a.sum(dims, keepdim=True) + 1e-7)
    elif variant == "grad_cam_plus_plus":
        alpha = g**2 / (2 * g**2 + a.sum(dims, keepdim=True) * g**3 + 1e-6)
        weights = (torch.where(g != 0, alpha, 0.0) * g.clamp_min(0)).sum(dims, keepdim=True)
    elif variant == "hires_cam":
        return (g * a).sum(1, keepdim=True)
    elif variant == "layer_cam":
        return (g.clamp_min(0) * a).sum(1, keepdim=True)
    return (weights * a).sum(1, keepdim=True)


def upsampled(layer_map: torch.Tensor, size) -> torch.Tensor:
    mode = {1: "linear", 2: "bilinear"}[len(size)]
    return F.interpolate(layer_map, size=tuple(size), mode=mode, align_corners=False)


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("variant", GRADIENT_CAMS)
def test_gradient_cams_follow_their_formulas(variant, relu):
    model = ConvHead()
    x = torch.randn(3, 2, 4, 5)
    expected = by_formula(variant, *model.layer_output(x))
    expected = expected.clamp_min(0) if relu else expected
    ours = xw.Explainer(model).attribute(x, variant, target=TARGETS, relu=relu).values
    assert ours.shape == (3, 1, 4, 5)
    assert_matches(ours, expected, rtol=1e-5)


@pytest.mark.parametrize("variant", GRADIENT_CAMS)
def test_gradient_cams_on_sequences_upsample_linearly(variant):
    model = nn.Sequential(nn.Conv1d(2, 3, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6, 3))
    torch.manual_seed(1)
    x = torch.randn(3, 2, 12)
    activation = model[0](x).detach().requires_grad_(True)
    scores = model[1:](activation).gather(1, torch.tensor(TARGETS)[:, None]).sum()
    (gradient,) = torch.autograd.grad(scores, activation)
    expected = upsampled(by_formula(variant, activation.detach(), gradient), (12,))
    ours = xw.Explainer(model).attribute(x, variant, target=TARGETS, relu=False).values
    assert ours.shape == (3, 1, 12)
    assert_matches(ours, expected, rtol=1e-5)


def test_hires_cam_equals_grad_cam_under_global_average_pooling():
    # With a GAP + linear head the gradient is constant over positions: the two maps coincide.
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
    x = torch.rand(2, 3, 6, 6)
    explainer = xw.Explainer(model)
    hires = explainer.attribute(x, "hires_cam", target=1, relu=False).values
    assert_matches(hires, explainer.attribute(x, "grad_cam", target=1, relu=False).values, rtol=1e-5)


def test_layer_cam_equals_hires_cam_where_gradients_are_positive():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Flatten(), nn.Linear(4 * 25, 2))
    with torch.no_grad():
        model[2].weight.abs_()
    x = torch.rand(2, 3, 5, 5)
    explainer = xw.Explainer(model)
    layer = explainer.attribute(x, "layer_cam", target=0, relu=False).values
    assert_matches(layer, explainer.attribute(x, "hires_cam", target=0, relu=False).values, rtol=1e-5)


class LinearInInput(nn.Module):
    """Output U x + b, with a 1x1 convolution computed on the side: Score-CAM's masked scores are known."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(2)
        self.conv = nn.Conv2d(2, 4, 1)
        self.head = nn.Linear(2 * 3 * 3, 3)

    def forward(self, x):
        side = self.conv(x)
        return self.head(x.flatten(1)) + 0.0 * side.sum((1, 2, 3))[:, None]


def test_score_cam_weights_are_the_softmax_of_the_masked_scores():
    model = LinearInInput()
    x = torch.rand(3, 2, 3, 3)
    activation = model.conv(x).detach()  # same size as the input: the masks need no upsampling
    low = activation.amin((2, 3), keepdim=True)
    high = activation.amax((2, 3), keepdim=True)
    masks = (activation - low) / (high - low + 1e-8)  # (N, C, H, W)
    u = model.head.weight.detach()[TARGETS].view(3, 1, 2, 3, 3)
    masked = (u * x[:, None] * masks[:, :, None]).sum((2, 3, 4)) + model.head.bias.detach()[TARGETS][:, None]
    weights = torch.softmax(masked, dim=1)
    expected = (weights[:, :, None, None] * activation).sum(1, keepdim=True)
    ours = xw.Explainer(model).attribute(x, "score_cam", target=TARGETS, relu=False).values
    assert_matches(ours, expected, rtol=1e-5)


def test_score_cam_equals_its_definition_one_masked_copy_at_a_time():
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 9, 3)
    ).eval()
    x = torch.rand(2, 2, 6, 6)
    with torch.no_grad():
        activation = model[:3](x)  # the CAM layer (the pooling) has a coarser grid than the input
        expected = []
        for i in range(2):
            scores = []
            for k in range(4):
                mask = upsampled(activation[i : i + 1, k : k + 1], (6, 6))
                mask = (mask - mask.min()) / (mask.max() - mask.min() + 1e-8)
                scores.append(model(x[i : i + 1] * mask)[0, TARGETS[i]])
            weights = torch.softmax(torch.stack(scores), 0)
            expected.append((weights[:, None, None] * activation[i]).sum(0, keepdim=True))
    expected = upsampled(torch.stack(expected).clamp_min(0), (6, 6))
    ours = xw.Explainer(model).attribute(x, "score_cam", target=TARGETS[:2], layer="2").values
    assert_matches(ours, expected, rtol=1e-5)


def test_ablation_cam_weights_are_the_relative_drop_of_a_linear_head():
    model = ConvHead()
    x = torch.randn(3, 2, 4, 5)
    # At the ReLU's output the head is linear: zeroing channel k removes exactly V_k . A_k.
    activation = model.conv(x).relu().detach()
    v = model.fc.weight.detach()[TARGETS].view(3, *activation.shape[1:])
    score = (v * activation).sum((1, 2, 3)) + model.fc.bias.detach()[TARGETS]
    weights = (v * activation).sum((2, 3)) / score[:, None]
    expected = (weights[:, :, None, None] * activation).sum(1, keepdim=True)
    ours = xw.Explainer(model).attribute(x, "ablation_cam", target=TARGETS, layer="relu", relu=False).values
    assert_matches(ours, expected, rtol=1e-5)


def test_ablation_cam_zeroes_the_channel_of_a_convolution_before_its_relu():
    # Zeroing the convolution's channel is what the ReLU after it passes on as zero: the weights
    # are those at the ReLU, applied to the convolution's (signed) activations.
    model = ConvHead()
    x = torch.randn(3, 2, 4, 5)
    activation = model.conv(x).detach()
    v = model.fc.weight.detach()[TARGETS].view(3, *activation.shape[1:])
    score = (v * activation.relu()).sum((1, 2, 3)) + model.fc.bias.detach()[TARGETS]
    weights = (v * activation.relu()).sum((2, 3)) / score[:, None]
    expected = (weights[:, :, None, None] * activation).sum(1, keepdim=True)
    ours = xw.Explainer(model).attribute(x, "ablation_cam", target=TARGETS, layer="conv", relu=False).values
    assert_matches(ours, expected, rtol=1e-5)


class RankOne(nn.Module):
    """A 1x1 convolution from one input channel: activations u_c x_p + b_c, a rank-one matrix once centred."""

    def __init__(self, u):
        super().__init__()
        self.conv = nn.Conv2d(1, len(u), 1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.tensor(u).view(-1, 1, 1, 1))
            self.conv.bias.copy_(torch.arange(len(u), dtype=torch.float32))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(len(u) * 16, 3))

    def forward(self, x):
        return self.head(self.conv(x))


@pytest.mark.parametrize("n_channels", [3, 20])  # fewer channels than the 16 positions, and more
def test_eigen_cam_projects_on_the_first_singular_vector_with_its_largest_value_positive(n_channels):
    u = torch.linspace(-2.0, 1.5, n_channels)
    model = RankOne(u.tolist())
    x = torch.rand(2, 1, 4, 4)  # 4x4: the head's size
    x[0, 0, 0, 0] = 5.0  # a large positive outlier: the centred x's largest magnitude is positive
    x[1, 0, 0, 0] = -5.0  # a large negative one: the sign flips so that it shows positive
    centred = x - x.mean((2, 3), keepdim=True)
    signs = torch.tensor([1.0, -1.0]).view(2, 1, 1, 1)
    expected = signs * u.norm() * centred
    explainer = xw.Explainer(model)
    signed = explainer.attribute(x, "eigen_cam", target=0, relu=False).values
    assert_matches(signed, expected, rtol=1e-5)
    assert_matches(explainer.attribute(x, "eigen_cam", target=0).values, expected.clamp_min(0), rtol=1e-5)
    # No target enters the map.
    assert torch.equal(explainer.attribute(x, "eigen_cam", target=2, relu=False).values, signed)


@pytest.mark.parametrize("variant", CAMS)
def test_default_layer_is_the_last_convolution(variant):
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 5, 3, padding=1), nn.Flatten(), nn.Linear(5 * 36, 3)
    )
    x = torch.rand(2, 3, 6, 6)
    explainer = xw.Explainer(model)
    default = explainer.attribute(x, variant, target=1, relu=False).values
    assert torch.equal(default, explainer.attribute(x, variant, target=1, relu=False, layer="2").values)
    assert not torch.equal(default, explainer.attribute(x, variant, target=1, relu=False, layer="0").values)


@pytest.mark.parametrize("variant", CAMS)
def test_relu_keeps_the_positive_part_and_sets_signedness(variant):
    torch.manual_seed(4)
    # No ReLU after the layer: activations and gradients of both signs.
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Flatten(), nn.Linear(3 * 36, 3))
    x = torch.randn(2, 2, 6, 6)
    explainer = xw.Explainer(model)
    signed = explainer.attribute(x, variant, target=1, relu=False)
    # Upsampling is linear: the ReLU'd map is the ReLU'd layer map upsampled, here the same grid.
    relu = explainer.attribute(x, variant, target=1)
    assert signed.signed and not relu.signed
    assert (signed.values < 0).any()
    assert torch.allclose(relu.values, signed.values.clamp_min(0), atol=1e-7)


@pytest.mark.parametrize("variant", CAMS)
def test_shapes_images_and_sequences(variant):
    image = xw.Explainer(nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.Flatten(), nn.Linear(4 * 25, 3)))
    assert image.attribute(torch.rand(2, 3, 11, 11), variant, target=0).values.shape == (2, 1, 11, 11)
    sequence = xw.Explainer(nn.Sequential(nn.Conv1d(4, 5, 3, stride=2), nn.Flatten(), nn.Linear(5 * 9, 2)))
    values = sequence.attribute(torch.rand(3, 4, 20), variant, target=1).values
    assert values.shape == (3, 1, 20)
    assert torch.isfinite(values).all()


@pytest.mark.parametrize("variant", CAMS)
def test_a_batch_equals_its_samples_one_by_one_and_any_memory_budget(variant):
    model = ConvHead(spatial=(6, 6), channels=4)
    x = torch.randn(3, 2, 6, 6)
    batch = xw.Explainer(model).attribute(x, variant, target=TARGETS, relu=False).values
    single = torch.cat(
        [xw.Explainer(model).attribute(x[i : i + 1], variant, target=TARGETS[i], relu=False).values for i in range(3)]
    )
    tight = xw.Explainer(model, memory_budget=1).attribute(x, variant, target=TARGETS, relu=False).values
    torch.testing.assert_close(batch, single, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(batch, tight, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("variant", CAMS)
def test_in_place_ops_after_the_layer_do_not_change_the_map(variant):
    x = torch.randn(2, 2, 4, 5)
    in_place = xw.Explainer(ConvHead(inplace=True)).attribute(x, variant, target=1, relu=False).values
    fresh = xw.Explainer(ConvHead(inplace=False)).attribute(x, variant, target=1, relu=False).values
    torch.testing.assert_close(in_place, fresh)


def test_score_cam_masked_copies_go_through_the_model_in_one_batch():
    model = ConvHead(spatial=(6, 6), channels=8)
    batches = []
    handle = model.fc.register_forward_hook(lambda module, inputs, output: batches.append(output.shape[0]))
    try:
        xw.Explainer(model).attribute(torch.randn(3, 2, 6, 6), "score_cam", target=0)
    finally:
        handle.remove()
    # The shape probe, then every masked copy in one pass (the capture stops at the layer).
    assert batches == [1, 3 * 8]


def test_ablation_cam_copies_share_the_layers_before_the_layer():
    model = ConvHead(spatial=(6, 6), channels=8)
    before, after = [], []
    handles = [
        model.conv.register_forward_pre_hook(lambda module, inputs: before.append(inputs[0].shape[0])),
        model.fc.register_forward_hook(lambda module, inputs, output: after.append(output.shape[0])),
    ]
    try:
        xw.Explainer(model).attribute(torch.randn(3, 2, 6, 6), "ablation_cam", target=0)
    finally:
        for handle in handles:
            handle.remove()
    # The shape probe and the capture; a probe of the first sample expanded at the layer into
    # an unablated copy (which checks the way) and an ablated one; then each sample once,
    # expanded at the layer into its unablated copy (the drops' reference) and 8 ablated ones.
    assert before == [1, 3, 1, 1, 1, 1]
    assert after == [1, 3, 2, 9, 9, 9]


class ConcatenatedSkip(nn.Module):
    """A skip concatenated across the CAM layer: its copies cannot share the layers before it."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(5 * 16, 3)

    def forward(self, x):
        return self.fc(torch.cat([self.relu(self.conv(x)), x], dim=1).flatten(1))


class BatchFromInput(ConvHead):
    """Reshapes with the batch size read from the input, as some models do."""

    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).reshape(x.shape[0], -1))


def ablation_by_definition(model: nn.Module, layer: nn.Module, x: torch.Tensor, targets: list) -> torch.Tensor:
    """Ablation-CAM's signed layer map, one whole forward per sample and zeroed channel."""
    with torch.no_grad():
        caught = []
        handle = layer.register_forward_hook(lambda module, inputs, output: caught.append(output.clone()))
        scores = model(x)[torch.arange(x.shape[0]), targets]
        handle.remove()
        activation = caught[0]
        weights = torch.empty(activation.shape[:2])
        for i in range(x.shape[0]):
            for k in range(activation.shape[1]):
                handle = layer.register_forward_hook(
                    lambda module, inputs, output, k=k: output.index_fill(1, torch.tensor([k]), 0.0)
                )
                weights[i, k] = (scores[i] - model(x[i : i + 1])[0, targets[i]]) / scores[i]
                handle.remove()
    return (weights[:, :, None, None] * activation).sum(1, keepdim=True)


@pytest.mark.parametrize("model", [ConcatenatedSkip(), BatchFromInput(spatial=(4, 4))])
def test_ablation_cam_runs_whole_copies_where_the_model_needs_them(model):
    x = torch.randn(2, 2, 4, 4)
    expected = ablation_by_definition(model, model.relu, x, TARGETS[:2])
    batches = []
    handle = model.conv.register_forward_pre_hook(lambda module, inputs: batches.append(inputs[0].shape[0]))
    try:
        ours = xw.Explainer(model).attribute(x, "ablation_cam", target=TARGETS[:2], layer="relu", relu=False).values
    finally:
        handle.remove()
    assert_matches(ours, expected, rtol=1e-5)
    # After the probe of the shared way failed, whole copies in one pass: 3 ablated and 1 unablated per sample.
    assert batches[-1] == 2 * (3 + 1)


def test_ablation_cam_packs_as_many_copies_in_a_pass_as_take_one_inputs_memory():
    # A wide first convolution before a small CAM layer of 64 channels: many ablated copies
    # take the memory of one input, so a one-item budget still runs each sample in a few passes.
    torch.manual_seed(6)
    model = nn.Sequential(
        nn.Conv2d(2, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 4, stride=4),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 4 * 4, 3),
    )
    x = torch.randn(2, 2, 16, 16)
    expected = ablation_by_definition(model, model[3], x, TARGETS[:2])
    batches = []
    handle = model[0].register_forward_pre_hook(lambda module, inputs: batches.append(inputs[0].shape[0]))
    try:
        tight = xw.Explainer(model, memory_budget=1).attribute(x, "ablation_cam", target=TARGETS[:2], layer="3")
    finally:
        handle.remove()
    roomy = xw.Explainer(model).attribute(x, "ablation_cam", target=TARGETS[:2], layer="3", relu=False).values
    assert_matches(roomy, upsampled(expected, (16, 16)), rtol=1e-5)
    assert_matches(tight.values, upsampled(expected.clamp_min(0), (16, 16)), rtol=1e-5)
    # After the shape probe, the capture (a pass per sample under this budget) and the probe of
    # the shared way: each sample alone, each pass carrying several of its 64 ablated copies.
    passes = batches[4:]
    assert set(passes) == {1} and 2 < len(passes) <= 2 * 64 // 4


@pytest.mark.parametrize("variant", ["score_cam", "ablation_cam"])
def test_per_channel_copies_report_progress_and_can_be_stopped(variant):
    model = ConvHead(spatial=(6, 6), channels=4)
    seen = []
    xw.Explainer(model, memory_budget=1).attribute(torch.randn(2, 2, 6, 6), variant, target=0, progress=seen.append)
    assert seen == [k / 8 for k in range(1, 9)]

    class Stop(Exception):
        pass

    def stop(fraction):
        raise Stop

    before = snapshot(model)
    with pytest.raises(Stop):
        xw.Explainer(model, memory_budget=1).attribute(torch.randn(2, 2, 6, 6), variant, target=0, progress=stop)
    assert_same(before, snapshot(model))


@pytest.mark.parametrize("variant", CAMS)
def test_model_unchanged(user_model, variant):
    before = snapshot(user_model)
    xw.Explainer(user_model).attribute(torch.rand(2, 3, 16, 16), variant, target=1)
    assert_same(before, snapshot(user_model))
    with pytest.raises(xw.ExplainerError):
        xw.Explainer(user_model).attribute(torch.rand(2, 3, 16, 16), variant, target=1, layer="fc")
    assert_same(before, snapshot(user_model))


class WithUnusedLayer(ConvHead):
    def __init__(self):
        super().__init__()
        self.unused = nn.Conv2d(2, 2, 1)


class Detached(ConvHead):
    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).detach().flatten(1))


class SequenceOut(ConvHead):
    """The CAM layer's output flattened to a sequence: one spatial dim for a 2-D input."""

    def __init__(self):
        super().__init__()
        self.to_sequence = nn.Flatten(2)

    def forward(self, x):
        return self.fc(self.to_sequence(self.relu(self.conv(x))).flatten(1))


@pytest.mark.parametrize("variant", CAMS)
def test_errors_say_what_to_do(variant):
    x = torch.randn(2, 2, 4, 5)
    with pytest.raises(xw.ExplainerError, match="without spatial dims; pick a convolutional layer"):
        xw.Explainer(ConvHead()).attribute(x, variant, target=0, layer="fc")
    with pytest.raises(xw.ExplainerError, match="not used in the forward pass; pick another layer"):
        xw.Explainer(WithUnusedLayer()).attribute(x, variant, target=0, layer="unused")
    with pytest.raises(xw.ExplainerError, match="keeps the input's layout"):
        xw.Explainer(SequenceOut()).attribute(x, variant, target=0, layer="to_sequence")
    with pytest.raises(xw.LayerNotFoundError, match="conv"):
        xw.Explainer(ConvHead()).attribute(x, variant, target=0, layer="conv2")
    tabular = nn.Sequential(nn.Unflatten(1, (1, 6)), nn.Conv1d(1, 2, 1), nn.Flatten(), nn.Linear(12, 2))
    with pytest.raises(xw.ExplainerError, match="needs inputs with spatial dims"):
        xw.Explainer(tabular).attribute(torch.rand(2, 6), variant, target=0)
    if variant in GRADIENT_CAMS:
        with pytest.raises(xw.NotDifferentiableError, match="pick another layer"):
            xw.Explainer(Detached()).attribute(x, variant, target=0)


def test_every_cam_is_registered_with_the_layer_and_relu_parameters():
    specs = xw.methods()
    for variant in CAMS:
        assert specs[variant].family == "cam"
        assert [(p.name, p.kind, p.default) for p in specs[variant].params] == [
            ("layer", "layer", None),
            ("relu", "bool", True),
        ]
        assert specs[variant].doc


@pytest.mark.parametrize("relu", [True, False])
def test_grad_cam_matches_captum_layer_grad_cam(relu):
    model = ConvHead(spatial=(6, 6), channels=4, inplace=False)
    x = torch.randn(3, 2, 6, 6)
    reference = LayerGradCam(model, model.conv).attribute(x, target=TARGETS, relu_attributions=relu)
    reference = LayerAttribution.interpolate(reference, (6, 6), interpolate_mode="bilinear")
    ours = xw.Explainer(model).attribute(x, "grad_cam", target=TARGETS, relu=relu).values
    assert_matches(ours, reference, rtol=1e-5)


class DeafToChannel(nn.Module):
    """Convolutions then a ReLU (the CAM layer) and a linear head that ignores channel 0 of it."""

    def __init__(self, scale_channel_0=1.0):
        super().__init__()
        torch.manual_seed(7)
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 8, 3, padding=1))
        self.relu = nn.ReLU()
        self.fc = nn.Linear(8 * 16 * 16, 4)
        with torch.no_grad():
            self.features[2].weight[0] *= scale_channel_0
            self.features[2].bias[0] = 0.5 * scale_channel_0
            self.fc.weight.view(4, 8, 16 * 16)[:, 0] = 0.0

    def forward(self, x):
        return self.fc(self.relu(self.features(x)).flatten(1))


def test_ablation_cam_gives_a_channel_the_output_ignores_a_weight_of_exactly_zero():
    # Ablating channel 0 leaves the output as it is: y - y_0 must be 0, not the rounding
    # difference between two passes of different batch sizes (the drop is taken from an
    # unablated copy in the ablated copies' own pass). Then the map does not depend on channel
    # 0's activations at all, however large they are.
    x = torch.rand(3, 3, 16, 16)
    maps = [
        xw.Explainer(DeafToChannel(scale)).attribute(x, "ablation_cam", target=[0, 1, 2], layer="relu", relu=False)
        for scale in (1.0, 1e4)
    ]
    assert torch.equal(maps[0].values, maps[1].values)
