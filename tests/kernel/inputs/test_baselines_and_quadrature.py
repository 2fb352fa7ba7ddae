"""Reference inputs and integration rules: baselines shaped like the batch, a blur that keeps the
mean, seeded uniform noise within each sample's range, and rules whose weights integrate exactly."""

import numpy as np
import pytest
import torch

from xai_widgets.kernel import ParameterError
from xai_widgets.kernel.inputs.baselines import gaussian_blur, resolve_baseline
from xai_widgets.kernel.inputs.quadrature import RULES, quadrature

BATCH = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("baseline", [0.5, "zeros", "blur", "uniform", torch.full((3, 8, 8), 0.25)])
def test_every_baseline_is_shaped_like_the_batch(baseline):
    assert resolve_baseline(baseline, BATCH, "test").shape == BATCH.shape


def test_the_named_baselines_are_what_they_say():
    assert torch.equal(resolve_baseline("zeros", BATCH, "test"), torch.zeros_like(BATCH))
    assert torch.equal(resolve_baseline(0.5, BATCH, "test"), torch.full_like(BATCH, 0.5))
    uniform = resolve_baseline("uniform", BATCH, "test")
    assert torch.equal(uniform, resolve_baseline("uniform", BATCH, "test"))
    for sample, noise in zip(BATCH, uniform, strict=True):
        assert sample.min() <= noise.min() and noise.max() <= sample.max()
    blurred = gaussian_blur(BATCH, 1.5)
    assert blurred.std() < BATCH.std()
    assert float(blurred.mean()) == pytest.approx(float(BATCH.mean()), abs=0.02)


@pytest.mark.parametrize("baseline", ["fog", True, torch.zeros(5, 5)])
def test_bad_baselines_say_what_is_allowed(baseline):
    with pytest.raises(ParameterError, match="test"):
        resolve_baseline(baseline, BATCH, "test")


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_integrates_a_line_on_the_unit_interval(rule):
    alphas, weights = quadrature(rule, 8)
    assert len(alphas) == len(weights) == 8 and ((alphas >= 0) & (alphas <= 1)).all()
    assert weights.sum() == pytest.approx(1.0)
    # Midpoint, trapezoid and Gauss-Legendre are exact on a line; left and right sums miss by 1/n.
    one_sided = rule in ("riemann_left", "riemann_right")
    assert (weights * (2 * alphas + 1)).sum() == pytest.approx(2.0, abs=1 / 8 + 1e-9 if one_sided else 1e-9)


def test_the_trapezoid_runs_from_zero_to_one():
    alphas, _weights = quadrature("riemann_trapezoid", 5)
    np.testing.assert_allclose(alphas, [0.0, 0.25, 0.5, 0.75, 1.0])


def _blur_by_convolution(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian blur written the plain way, a reflected 1-D convolution per spatial dim."""
    out = x
    for dim in range(2, x.ndim):
        size = x.shape[dim]
        radius = min(int(3 * sigma), size - 1)
        taps = torch.arange(-radius, radius + 1, dtype=x.dtype)
        kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
        moved = out.movedim(dim, -1)
        flat = torch.nn.functional.pad(moved.reshape(-1, 1, size), (radius, radius), mode="reflect")
        flat = torch.nn.functional.conv1d(flat, (kernel / kernel.sum()).view(1, 1, -1))
        out = flat.reshape(moved.shape).movedim(-1, dim)
    return out


@pytest.mark.parametrize("shape", [(2, 3, 16, 12), (2, 4, 30)])
@pytest.mark.parametrize("sigma", [0.3, 0.5, 1.0, 2.5, 8.0])
def test_gaussian_blur_equals_a_reflected_convolution(shape, sigma):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(gaussian_blur(x, sigma), _blur_by_convolution(x, sigma), atol=1e-6, rtol=1e-5)
    assert gaussian_blur(x, 0.1) is not x  # a new tensor even when nothing is blurred
