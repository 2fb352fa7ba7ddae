"""Incremental occlusion equals occlusion by whole passes, and falls back to them where it must."""

import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.methods.perturbation import occlusion as occlusion_module
from xai_widgets.kernel.methods.perturbation.incremental import incremental_drops, propagate
from xai_widgets.zoo.models import resnet_style, vgg_style

from ..assertions import assert_same, snapshot


class StubRunner:
    """The runner API occlusion uses, for float64 models (the real runner probes in float32)."""

    def __init__(self, model: nn.Module, chunk: int = 5) -> None:
        self.model, self.chunk, self.device, self.progress = model, chunk, torch.device("cpu"), None
        self.reported: list[float] = []

    def forward(self, x):
        return self.model(x)

    def scores(self, x, target):
        return self.forward(x).gather(1, target[:, None]).squeeze(1)

    def batched_scores(self, x, target):
        return self.scores(x, target)

    def chunks(self, n_items, sample_shape, backward, work, unit=1, report=True):
        for start in range(0, n_items, self.chunk):
            work(start, min(n_items, start + self.chunk))
            self.reported.append(min(n_items, start + self.chunk) / n_items)


def randomise_batch_norm(model: nn.Module, seed: int = 0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            shape = module.running_mean.shape
            module.running_mean.copy_(torch.rand(shape, generator=generator) - 0.5)
            module.running_var.copy_(torch.rand(shape, generator=generator) + 0.5)
            if module.affine:
                module.weight.data.copy_(torch.rand(shape, generator=generator) + 0.5)
                module.bias.data.copy_(torch.rand(shape, generator=generator) - 0.5)
    return model.eval()


class Exotic(nn.Module):
    """Every supported geometry: stride, dilation, groups, padding modes and 'same', pools with
    padding and ceil_mode, concatenation, functional and in-place activations, scalar arithmetic."""

    def __init__(self, pad_mode: str = "zeros") -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, (3, 5), stride=(1, 2), padding=(1, 2), padding_mode=pad_mode)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 6, 3, dilation=2, padding=2, groups=2, padding_mode=pad_mode)
        self.conv3 = nn.Conv2d(6, 4, 3, padding="same", padding_mode=pad_mode)
        self.pool1 = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.conv4 = nn.Conv2d(10, 8, 3, stride=3, padding=1, bias=False)
        self.pool2 = nn.AvgPool2d(3, stride=1, padding=1)
        self.act = nn.LeakyReLU(0.1, inplace=True)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        a = F.relu(self.bn1(self.conv1(x)))
        b = torch.tanh(self.conv2(a)) * 2.0
        c = self.conv3(b).relu_()
        merged = torch.cat([a, c], dim=1) + 0.5
        d = self.act(self.conv4(self.pool1(merged)))
        e = self.pool2(d) - d
        return self.fc(e.mean((2, 3)))


class SmallVGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1),
            nn.BatchNorm2d(6),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 8, 3, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.LazyLinear(6))

    def forward(self, x):
        return self.classifier(self.features(x))


def grid_starts(spatial, window, stride):
    counts = [math.ceil((size - w) / s) + 1 for size, w, s in zip(spatial, window, stride, strict=True)]
    return occlusion_module._window_starts(counts, stride, torch.device("cpu"))


def whole_pass_drops(model, x, baseline, target, window, stride):
    """The reference: every occluded copy through the model."""
    starts = grid_starts(x.shape[2:], window, stride)
    full = model(x).gather(1, target[:, None]).squeeze(1)
    copies = []
    for start_h, start_w in zip(*starts, strict=True):
        occluded = x.clone()
        h, w = slice(start_h, start_h + window[0]), slice(start_w, start_w + window[1])
        occluded[:, :, h, w] = baseline[:, :, h, w]
        copies.append(occluded)
    scores = model(torch.cat(copies)).gather(1, target.repeat(len(copies))[:, None]).view(len(copies), -1)
    return full[None] - scores, full


def check_exact(model, x, window, stride, baseline=None, chunk=16):
    model = model.double().eval()
    x = x.double()
    baseline = torch.zeros_like(x) if baseline is None else baseline.double().expand_as(x)
    with torch.no_grad():
        target = model(x).argmax(1)
        reference, full = whole_pass_drops(model, x, baseline, target, window, stride)
    runner = StubRunner(model, chunk)
    starts = grid_starts(x.shape[2:], window, stride)
    drops = incremental_drops(runner, x, baseline, target, window, starts, full)
    assert drops is not None, "incremental occlusion should apply to this model"
    torch.testing.assert_close(drops, reference, rtol=0, atol=1e-10 * reference.abs().max().item())
    assert runner.reported[-1] == 1.0


@pytest.mark.parametrize(
    "shape,window,stride",
    [
        ((2, 3, 32, 32), (4, 4), (2, 2)),
        ((1, 3, 33, 29), (5, 3), (4, 3)),  # odd sizes, the last windows cut at the border
        ((3, 3, 30, 30), (7, 7), (7, 7)),
        ((1, 3, 12, 12), (1, 1), (1, 1)),
    ],
)
def test_vgg_style_equals_whole_passes(shape, window, stride):
    torch.manual_seed(0)
    model = randomise_batch_norm(SmallVGG())
    model(torch.zeros(1, *shape[1:]))  # materialise the lazy linear
    check_exact(model, torch.rand(shape), window, stride)


@pytest.mark.parametrize("shape,window,stride", [((2, 3, 32, 32), (8, 8), (4, 4)), ((1, 3, 37, 35), (9, 6), (5, 4))])
def test_resnet_style_equals_whole_passes(shape, window, stride):
    torch.manual_seed(1)
    check_exact(randomise_batch_norm(resnet_style(width=4)), torch.rand(shape), window, stride)


def test_zoo_vgg_style_equals_whole_passes():
    torch.manual_seed(2)
    check_exact(randomise_batch_norm(vgg_style()), torch.rand(2, 3, 64, 64), (8, 8), (8, 8))


@pytest.mark.parametrize("pad_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("window,stride", [((3, 3), (2, 2)), ((6, 4), (3, 4))])
@pytest.mark.parametrize("patches_to_the_end", [False, True])
def test_every_supported_geometry_equals_whole_passes(pad_mode, window, stride, patches_to_the_end, monkeypatch):
    if patches_to_the_end:
        # Patches even where they cover whole maps: every layer's patch rule is exercised.
        monkeypatch.setattr(propagate, "MATERIALISE_FRACTION", 1.01)
    elif pad_mode == "circular":
        pytest.skip("circular padding carries a border window's changes across the map: whole maps at once")
    torch.manual_seed(3)
    model = randomise_batch_norm(Exotic(pad_mode))
    check_exact(model, torch.rand(2, 3, 17, 20), window, stride, baseline=torch.rand(1, 3, 17, 20))


def test_public_api_float32_matches_whole_passes(monkeypatch):
    torch.manual_seed(4)
    model = randomise_batch_norm(resnet_style(width=8))
    x = torch.rand(3, 3, 40, 40)
    explainer = xw.Explainer(model)
    targets = [0, 3, 7]
    ours = explainer.attribute(x, "occlusion", target=targets, window=6, stride=3, baseline="blur").values
    monkeypatch.setattr(occlusion_module, "incremental_drops", lambda *args, **kwargs: None)
    whole = explainer.attribute(x, "occlusion", target=targets, window=6, stride=3, baseline="blur").values
    # Both are float32 sums in a different order: they agree to float32 rounding of the scores.
    scores = model(x).abs().max().item()
    torch.testing.assert_close(ours, whole, rtol=0, atol=1e-5 * scores)


def test_incremental_path_runs_for_the_zoo_models(monkeypatch):
    calls = []
    original = propagate._patch_pass
    monkeypatch.setattr(propagate, "_patch_pass", lambda *a, **k: calls.append(1) or original(*a, **k))
    for model in (resnet_style(width=4), vgg_style()):
        xw.Explainer(model).attribute(torch.rand(1, 3, 64, 64), "occlusion", window=8, stride=8)
    assert calls


def test_model_is_left_unchanged():
    model = randomise_batch_norm(resnet_style(width=4)).train()
    model.stem.conv.weight.requires_grad_(False)
    model.fc.weight.grad = torch.ones_like(model.fc.weight)
    before = snapshot(model)
    xw.Explainer(model).attribute(torch.rand(2, 3, 32, 32), "occlusion", target=1, window=4, stride=4)
    assert_same(before, snapshot(model))


def test_cancel_stops_between_chunks():
    class Stop(Exception):
        pass

    seen = []

    def progress(fraction):
        seen.append(fraction)
        raise Stop

    explainer = xw.Explainer(resnet_style(width=4), memory_budget=2 * 1024**2)
    with pytest.raises(Stop):
        explainer.attribute(torch.rand(1, 3, 64, 64), "occlusion", window=4, stride=2, progress=progress)
    assert len(seen) == 1 and seen[0] < 1.0


class SharedMaps(nn.Module):
    """Conv -> BatchNorm pairs that fold and ones that must not (the conv's output read twice, a
    BatchNorm without affine parameters after a conv with a bias), and ReLUs whose input another
    step reads again (they must not run in place) next to ones that may."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)  # with a bias
        self.bn1 = nn.BatchNorm2d(6, affine=False)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(6)
        self.conv3 = nn.Conv2d(6, 4, 3, stride=2, padding=1)
        self.bn3 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        a = torch.relu(self.bn1(self.conv1(x)))  # folds, ReLU in place
        raw = self.conv2(a)
        b = self.bn2(raw) + raw  # conv2's output is read twice: no fold
        c = torch.relu(b)  # b is read again below: not in place
        d = torch.relu(self.bn3(self.conv3(c + b)))
        return self.fc(d.mean((2, 3)))


class BatchNorm1dNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 5, 5, padding=2)
        self.bn = nn.BatchNorm1d(5)
        self.fc = nn.Linear(5 * 20, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).flatten(1))


def test_batch_norms_fold_into_convs_and_relus_run_in_place_only_where_safe():
    torch.manual_seed(10)
    model = randomise_batch_norm(SharedMaps())
    plan = propagate._plan(model.double().eval())
    folded = {fold.conv for fold in plan.folds}
    assert folded == {model.conv1, model.conv3}
    in_place = {step.node.name for step in plan.steps if step.in_place is not None}
    assert in_place == {"relu", "relu_2"}, in_place
    check_exact(model, torch.rand(2, 3, 16, 18), (4, 5), (3, 4))


def test_a_folded_conv1d_batch_norm_matches_whole_passes(monkeypatch):
    torch.manual_seed(11)
    model = BatchNorm1dNet()
    with torch.no_grad():
        model.bn.running_mean.uniform_(-0.5, 0.5)
        model.bn.running_var.uniform_(0.5, 1.5)
    model = model.eval()
    x = torch.rand(3, 4, 20)
    assert len(propagate._plan(model).folds) == 1
    calls = []
    original = propagate._patch_pass
    monkeypatch.setattr(propagate, "_patch_pass", lambda *a, **k: calls.append(1) or original(*a, **k))
    explainer = xw.Explainer(model)
    ours = explainer.attribute(x, "occlusion", target=1, window=3, stride=2).values
    assert calls
    monkeypatch.setattr(occlusion_module, "incremental_drops", lambda *args, **kwargs: None)
    whole = explainer.attribute(x, "occlusion", target=1, window=3, stride=2).values
    scores = model(x).abs().max().item()
    torch.testing.assert_close(ours, whole, rtol=0, atol=1e-5 * scores)


def test_folds_follow_the_models_current_weights_and_statistics():
    torch.manual_seed(12)
    model = randomise_batch_norm(resnet_style(width=4))
    x = torch.rand(1, 3, 32, 32)
    check_exact(model, x, (8, 8), (8, 8))  # traced, folded and cached
    with torch.no_grad():
        model.stem.conv.weight.mul_(1.5)
        model.layer1.bn1.running_mean.add_(0.25)
        model.layer2.bn2.weight.neg_()
    check_exact(model, x, (8, 8), (8, 8))


# ---- where it must not apply: whole passes, the same result ----------------------------------


class DataDependent(nn.Module):
    """Control flow on values: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        y = self.conv(x)
        if y.sum() > 0:
            y = y * 2
        return self.fc(y.mean((2, 3)))


class GlobalMidway(nn.Module):
    """A squeeze-and-excitation gate: a global op in the middle, before more convolutions."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        y = torch.relu(self.conv1(x))
        y = y * torch.sigmoid(y.mean((2, 3), keepdim=True))
        return self.fc(self.conv2(y).amax((2, 3)))


def drops_or_none(model, x, window=(4, 4), stride=(4, 4)):
    x = x.double()
    model = model.double()
    baseline = torch.zeros_like(x)
    with torch.no_grad():
        target = model(x).argmax(1)
        full = model(x).gather(1, target[:, None]).squeeze(1)
        return incremental_drops(
            StubRunner(model), x, baseline, target, window, grid_starts(x.shape[2:], window, stride), full
        )


def test_hooks_untraceable_models_and_training_mode_fall_back():
    torch.manual_seed(5)
    x = torch.rand(1, 3, 16, 16)
    hooked = SmallVGG().eval()
    hooked(x)
    hooked.features[0].register_forward_hook(lambda module, inputs, output: output * 2)
    assert drops_or_none(hooked, x) is None
    pre_hooked = SmallVGG().eval()
    pre_hooked(x)
    pre_hooked.features[4].register_forward_pre_hook(lambda module, inputs: None)
    assert drops_or_none(pre_hooked, x) is None
    assert drops_or_none(DataDependent().eval(), x) is None
    training = SmallVGG()
    training(x)
    assert drops_or_none(training.train(), x) is None


def test_global_op_midway_matches_whole_passes():
    torch.manual_seed(6)
    model = GlobalMidway().double().eval()
    x = torch.rand(2, 3, 16, 16, dtype=torch.float64)
    ours = drops_or_none(model, x)
    assert ours is not None  # patches stop at the gate; the rest runs on whole maps
    with torch.no_grad():
        reference, _ = whole_pass_drops(model, x, torch.zeros_like(x), model(x).argmax(1), (4, 4), (4, 4))
    torch.testing.assert_close(ours, reference, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["hooked", "untraceable", "tabular", "sequence", "training"])
def test_fallbacks_and_whole_map_layers_give_the_whole_pass_result(kind, monkeypatch):
    # "sequence" is no fallback since 1-D layers are supported: a Conv1d patch, then Flatten and
    # Linear on whole maps, bit for bit the whole passes' result.
    torch.manual_seed(7)
    eval_mode = kind != "training"
    if kind == "tabular":
        model, x, params = nn.Sequential(nn.Linear(6, 3)), torch.rand(4, 6), {"window": 2, "stride": 1}
    elif kind == "sequence":
        model = nn.Sequential(nn.Conv1d(4, 3, 5, padding=2), nn.ReLU(), nn.Flatten(), nn.Linear(60, 2))
        x, params = torch.rand(2, 4, 20), {"window": 3, "stride": 2}
    else:
        model = DataDependent() if kind == "untraceable" else SmallVGG()
        x, params = torch.rand(2, 3, 16, 16), {"window": 4, "stride": 2}
        model(x)
        if kind == "hooked":
            model.features[0].register_forward_hook(lambda module, inputs, output: output + 1)
    model = model.eval()
    explainer = xw.Explainer(model, eval_mode=eval_mode)
    if kind == "training":
        model.train()  # BatchNorm on batch statistics: each copy's score depends on its chunk
        model.features[1].track_running_stats = False
        model.features[1].running_mean = model.features[1].running_var = None
    ours = explainer.attribute(x, "occlusion", target=1, **params).values
    monkeypatch.setattr(occlusion_module, "incremental_drops", lambda *args, **kwargs: None)
    whole = explainer.attribute(x, "occlusion", target=1, **params).values
    torch.testing.assert_close(ours, whole, rtol=0, atol=0)


def test_a_swapped_layer_is_traced_again():
    torch.manual_seed(8)
    model = SmallVGG()
    x = torch.rand(1, 3, 16, 16)
    model(x)
    check_exact(model, x, (4, 4), (2, 2))
    model.features[4] = nn.Conv2d(6, 8, 5, padding=2)
    check_exact(model, x, (4, 4), (2, 2))


def test_hooks_and_training_mode_are_checked_at_every_call_not_only_at_trace():
    torch.manual_seed(9)
    model = SmallVGG()
    x = torch.rand(1, 3, 16, 16)
    model(x)
    model.eval()
    assert drops_or_none(model, x) is not None  # traced and cached
    handle = model.features[2].register_forward_hook(lambda module, inputs, output: output * 0)
    assert drops_or_none(model, x) is None
    handle.remove()
    model.train()
    assert drops_or_none(model, x) is None
    assert drops_or_none(model.eval(), x) is not None
