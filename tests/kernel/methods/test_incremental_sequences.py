"""Incremental occlusion over 1-D inputs: in-silico mutagenesis and sequence occlusion through it
equal every mutant (or occluded copy) through the whole model, and fall back where they must."""

import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.methods.perturbation import occlusion as occlusion_module
from xai_widgets.kernel.methods.perturbation.incremental import propagate
from xai_widgets.kernel.probes import mutagenesis
from xai_widgets.zoo import load_jund_model, make_jund_like

from ..assertions import assert_same, snapshot
from ..sequence_models import random_sequences, sequence_cnn


class Conv1dNet(nn.Module):
    """Every supported 1-D geometry: padding modes and 'same', stride, dilation, groups, BatchNorm1d,
    MaxPool1d with padding and ceil_mode, AvgPool1d, a residual addition, channel concatenation,
    in-place and functional activations, and global max and mean pools at the end."""

    def __init__(self, pad_mode: str = "zeros", letters: int = 4) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(letters, 8, 5, padding=2, padding_mode=pad_mode)
        self.bn1 = nn.BatchNorm1d(8)
        self.pool1 = nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True)
        self.conv2 = nn.Conv1d(8, 8, 3, dilation=2, padding=2, groups=2, padding_mode=pad_mode)
        self.conv3 = nn.Conv1d(8, 8, 3, padding="same", padding_mode=pad_mode)
        self.bn3 = nn.BatchNorm1d(8)
        self.pool2 = nn.AvgPool1d(3, stride=1, padding=1)
        self.conv4 = nn.Conv1d(16, 6, 3, stride=2, bias=False)
        self.act = nn.LeakyReLU(0.1, inplace=True)
        self.max_pool = nn.AdaptiveMaxPool1d(1)
        self.mean_pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        a = F.relu(self.bn1(self.conv1(x)))
        b = torch.tanh(self.conv2(self.pool1(a)))
        c = self.act(self.bn3(self.conv3(b))) + b
        d = self.conv4(torch.cat([self.pool2(c), c], dim=1)) * 2.0
        return self.fc(torch.cat([self.max_pool(d), self.mean_pool(d)], dim=1).flatten(1))


def randomise_batch_norm(model: nn.Module, seed: int = 0) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            shape = module.running_mean.shape
            module.running_mean.copy_(torch.rand(shape, generator=generator) - 0.5)
            module.running_var.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.bias.data.copy_(torch.rand(shape, generator=generator) - 0.5)
    return model.eval()


def conv1d_net(pad_mode: str = "zeros", letters: int = 4, seed: int = 3) -> Conv1dNet:
    torch.manual_seed(seed)
    return randomise_batch_norm(Conv1dNet(pad_mode, letters), seed)


def all_mutants_ism(model, x, target):
    """The reference: every single-substitution mutant through the whole model, (N, A, L) effects."""
    n, n_letters, length = x.shape
    target = torch.as_tensor(target).expand(n)
    effects = torch.zeros_like(x)
    with torch.no_grad():
        original = model(x).gather(1, target[:, None]).squeeze(1)
        for letter in range(n_letters):
            mutants = x[:, None].repeat(1, length, 1, 1)  # (N, L, A, L): mutant l changes position l
            positions = torch.arange(length)
            mutants[:, positions, :, positions] = 0
            mutants[:, positions, letter, positions] = 1
            scores = model(mutants.flatten(0, 1)).view(n, length, -1)
            effects[:, letter] = (
                scores.gather(2, target[:, None, None].expand(n, length, 1))[..., 0] - original[:, None]
            )
    return effects * (1 - x)  # exactly 0 at the observed base


def assert_close_to_scale(ours, reference, model, x, rtol=1e-5):
    """Agree to ``rtol`` of the scores' scale (the outputs' largest magnitude)."""
    with torch.no_grad():
        scale = model(x).abs().max().item()
    torch.testing.assert_close(ours, reference, rtol=0, atol=rtol * scale)


@pytest.fixture
def patch_passes(monkeypatch):
    """Counts the incremental engine's chunk passes (0: the whole-pass path ran)."""
    calls = []
    original = propagate._patch_pass
    monkeypatch.setattr(propagate, "_patch_pass", lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


@pytest.mark.parametrize("n", [1, 3])
def test_jund_ism_equals_every_mutant_through_the_model(n, patch_passes):
    model = load_jund_model()
    x = make_jund_like(4, seed=3).x[:n]
    ours = xw.in_silico_mutagenesis(xw.Explainer(model), x, target=1)
    assert patch_passes, "the JUND model should take the incremental path"
    assert ours.shape == x.shape and torch.equal(ours * x, torch.zeros_like(x))
    assert_close_to_scale(ours, all_mutants_ism(model, x, 1), model, x)


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("pad_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("patches_to_the_end", [False, True])
def test_conv1d_net_ism_equals_every_mutant(n, pad_mode, patches_to_the_end, patch_passes, monkeypatch):
    if patches_to_the_end:
        # Patches even where they cover whole maps: every layer's 1-D patch rule is exercised.
        monkeypatch.setattr(propagate, "MATERIALISE_FRACTION", 1.01)
    model = conv1d_net(pad_mode)
    x = xw.one_hot(random_sequences(n, 40, seed=n))
    target = [0, 2, 1][:n]
    ours = xw.in_silico_mutagenesis(xw.Explainer(model), x, target)
    # Circular padding carries a border change across the map: whole maps at once (a fallback).
    assert bool(patch_passes) == (patches_to_the_end or pad_mode != "circular")
    assert_close_to_scale(ours, all_mutants_ism(model, x, torch.tensor(target)), model, x)


def test_other_alphabets_and_a_second_call_of_another_length(patch_passes):
    # Five letters (e.g. ACGT and a gap) and a new length: the cached geometry is not reused.
    model = conv1d_net(letters=5)
    explainer = xw.Explainer(model)
    for length, seed in ((30, 1), (30, 2), (23, 3)):
        codes = torch.randint(0, 5, (2, length), generator=torch.Generator().manual_seed(seed))
        x = F.one_hot(codes, 5).transpose(1, 2).float()
        ours = xw.in_silico_mutagenesis(explainer, x, target=2)
        assert_close_to_scale(ours, all_mutants_ism(model, x, 2), model, x)
    assert len(patch_passes) >= 3


def test_model_is_left_unchanged(patch_passes):
    model = conv1d_net().train()
    model.conv2.weight.requires_grad_(False)
    model.fc.weight.grad = torch.ones_like(model.fc.weight)
    before = snapshot(model)
    xw.in_silico_mutagenesis(xw.Explainer(model), xw.one_hot(random_sequences(2, 24, seed=5)), target=1)
    assert patch_passes  # the explainer's eval mode during the call: the incremental path
    assert_same(before, snapshot(model))


def test_progress_reaches_one_and_cancel_stops_the_call():
    model = load_jund_model()
    x = make_jund_like(4, seed=3).x[:2]
    seen = []
    xw.Explainer(model, memory_budget=200_000).attribute(x, "in_silico_mutagenesis", 1, progress=seen.append)
    assert len(seen) > 1 and seen == sorted(seen) and seen[-1] == 1.0

    def stop(_fraction):
        raise KeyboardInterrupt

    before = snapshot(model)
    with pytest.raises(KeyboardInterrupt):
        xw.Explainer(model, memory_budget=200_000).attribute(x, "in_silico_mutagenesis", 1, progress=stop)
    assert_same(before, snapshot(model))


# ---- where it must not apply: whole passes, the same result ----------------------------------


class DataDependent1d(nn.Module):
    """Control flow on values: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 3, 5, padding=2)
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        y = self.conv(x)
        if y.sum() > 0:
            y = y * 2
        return self.fc(y.amax(2))


@pytest.mark.parametrize("kind", ["hooked", "untraceable", "dense", "flatten_head"])
def test_fallback_models_are_still_right(kind, patch_passes):
    torch.manual_seed(11)
    if kind == "hooked":
        model = load_jund_model()
        model.conv2.register_forward_hook(lambda module, inputs, output: output * 1.5)
    elif kind == "untraceable":
        model = DataDependent1d().eval()
    elif kind == "dense":
        model = nn.Sequential(nn.Flatten(), nn.Linear(4 * 16, 3)).eval()  # no window to patch
    else:
        model = sequence_cnn(length=16)  # patches up to a flatten, then whole maps: incremental
    x = xw.one_hot(random_sequences(3, 16, seed=12))
    ours = xw.in_silico_mutagenesis(xw.Explainer(model), x, target=1)
    assert bool(patch_passes) == (kind == "flatten_head")
    assert_close_to_scale(ours, all_mutants_ism(model, x, 1), model, x)


def test_training_mode_fallback_equals_the_whole_pass_path(patch_passes, monkeypatch):
    model = conv1d_net().train()
    x = xw.one_hot(random_sequences(2, 16, seed=13))
    explainer = xw.Explainer(model, eval_mode=False)
    ours = xw.in_silico_mutagenesis(explainer, x, target=0)
    monkeypatch.setattr(mutagenesis, "supports", lambda *args: False)
    whole = xw.in_silico_mutagenesis(explainer, x, target=0)
    assert not patch_passes
    torch.testing.assert_close(ours, whole, rtol=0, atol=0)


@pytest.mark.parametrize("n", [1, 3])
def test_sequence_occlusion_takes_the_incremental_path_with_the_same_result(n, patch_passes, monkeypatch):
    model = conv1d_net()
    x = torch.rand(n, 4, 37)
    explainer = xw.Explainer(model)
    ours = explainer.attribute(x, "occlusion", target=2, window=3, stride=2, baseline=0.25).values
    assert patch_passes
    monkeypatch.setattr(occlusion_module, "incremental_drops", lambda *args, **kwargs: None)
    whole = explainer.attribute(x, "occlusion", target=2, window=3, stride=2, baseline=0.25).values
    assert_close_to_scale(ours, whole, model, x)
