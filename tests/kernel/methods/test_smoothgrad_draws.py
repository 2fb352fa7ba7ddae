"""SmoothGrad's noise: the seeded draws, kept between calls without changing a result."""

import torch

import xai_widgets as xw
from xai_widgets.kernel.methods.gradient import smoothgrad as smoothgrad_module
from xai_widgets.kernel.methods.gradient.smoothgrad import standard_normal_draws

from ..models import ReluCNN

CPU = torch.device("cpu")


def test_draws_are_the_seeded_generators():
    expected = torch.randn((5, 2, 3), generator=torch.Generator().manual_seed(7))
    torch.testing.assert_close(standard_normal_draws(7, (5, 2, 3), torch.float32, CPU), expected, rtol=0, atol=0)
    assert standard_normal_draws(7, (5, 2, 3), torch.float32, CPU) is standard_normal_draws(
        7, (5, 2, 3), torch.float32, CPU
    )
    assert not torch.equal(standard_normal_draws(8, (5, 2, 3), torch.float32, CPU), expected)


def test_large_draws_are_not_kept(monkeypatch):
    monkeypatch.setattr(smoothgrad_module, "_CACHED_DRAW_VALUES", 10)
    first = standard_normal_draws(0, (4, 4), torch.float32, CPU)
    assert first is not standard_normal_draws(0, (4, 4), torch.float32, CPU)
    torch.testing.assert_close(first, standard_normal_draws(0, (4, 4), torch.float32, CPU), rtol=0, atol=0)


def test_repeated_calls_give_the_same_map_and_leave_the_draws_unchanged():
    explainer = xw.Explainer(ReluCNN().eval())
    x = torch.rand(2, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    first = explainer.attribute(x, "smoothgrad", target=1, n_samples=6, variant="vargrad").values
    draws = standard_normal_draws(0, (6, 1, 3, 12, 12), torch.float32, CPU).clone()
    second = explainer.attribute(x, "smoothgrad", target=1, n_samples=6, variant="vargrad").values
    assert torch.equal(first, second)
    assert torch.equal(draws, standard_normal_draws(0, (6, 1, 3, 12, 12), torch.float32, CPU))


def test_a_samples_map_does_not_depend_on_its_batch():
    # The batch's samples share the draws, each scaled by its own value range.
    explainer = xw.Explainer(ReluCNN().eval())
    x = torch.rand(3, 3, 12, 12, generator=torch.Generator().manual_seed(2))
    x[2] *= 3.0
    together = explainer.attribute(x, "smoothgrad", target=[1, 0, 1], n_samples=6).values
    for i, target in enumerate([1, 0, 1]):
        alone = explainer.attribute(x[i : i + 1], "smoothgrad", target=target, n_samples=6).values
        torch.testing.assert_close(together[i : i + 1], alone, rtol=1e-5, atol=1e-7)
