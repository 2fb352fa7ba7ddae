"""Image perturbations against analytic truth (clamping, seeded noise, blur's identity limit, occluder
coverage), the errors bad kinds, amounts and options raise, and the perturbation registry."""

import pytest
import torch

from xai_widgets.kernel import (
    SWEEP_KINDS,
    Explainer,
    ExplainerError,
    ParameterError,
    PerturbationSpec,
    image_perturbations,
    perturb,
    perturbation_sweep,
    register_perturbation,
    sweep_amounts,
    sweep_range,
)
from xai_widgets.kernel.probes.image_perturbations import PERTURBATIONS, occluder_box, occluder_positions

from ..models import FlatLinear


def test_brightness_and_noise_clamp_to_the_value_range(image):
    brighter = perturb(image, "brightness", 0.5, value_range=(0.0, 1.0))
    assert brighter.max() <= 1.0 and torch.equal(brighter, (image + 0.5).clamp(0.0, 1.0))
    noisy = perturb(image, "noise", 0.3, value_range=(0.0, 1.0))
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0


def test_noise_is_seeded_and_its_std_is_the_amount_times_the_range():
    x = torch.full((1, 3, 64, 64), 0.5)
    first = perturb(x, "noise", 0.1, value_range=(0.0, 2.0), clamp=False)
    assert torch.equal(first, perturb(x, "noise", 0.1, value_range=(0.0, 2.0), clamp=False))
    assert not torch.equal(first, perturb(x, "noise", 0.1, value_range=(0.0, 2.0), clamp=False, seed=1))
    assert float((first - x).std()) == pytest.approx(0.2, rel=0.03)
    # Every amount scales the same pattern, so a sweep's curve is smooth rather than jittery.
    double = perturb(x, "noise", 0.2, value_range=(0.0, 2.0), clamp=False)
    torch.testing.assert_close(double - x, 2 * (first - x))


def test_blur_with_a_vanishing_sigma_is_the_identity(image):
    assert torch.equal(perturb(image, "blur", 0.0), image)
    torch.testing.assert_close(perturb(image, "blur", 1e-3), image)
    blurred = perturb(image, "blur", 2.0)
    assert blurred.std() < image.std()
    assert float(blurred.mean()) == pytest.approx(float(image.mean()), abs=0.02)


@pytest.mark.parametrize(
    "shape, size, stride", [((1, 3, 8, 8), None, None), ((1, 1, 10, 13), 4, 3), ((1, 3, 9, 9), 9, 1)]
)
def test_occluder_positions_cover_the_image(shape, size, stride):
    covered = torch.zeros(shape[-2:], dtype=torch.bool)
    positions = occluder_positions(shape, size, stride)
    for index in range(len(positions)):
        top, left, side = occluder_box(shape, index, size, stride)
        covered[top : top + side, left : left + side] = True
    assert covered.all()
    assert sweep_range("occluder", torch.zeros(shape), size=size, stride=stride)[1] == len(positions) - 1


def test_occluder_fills_exactly_its_patch_with_the_baseline(image):
    top, left, size = occluder_box(image.shape, 3, size=4, stride=2)
    out = perturb(image, "occluder", 3, size=4, stride=2, fill=0.25)
    patch = torch.zeros_like(image, dtype=torch.bool)
    patch[..., top : top + size, left : left + size] = True
    assert (out[patch] == 0.25).all() and torch.equal(out[~patch], image[~patch])
    assert (top, left) == occluder_positions(image.shape, 4, 2)[3]


@pytest.mark.parametrize(
    "kind, amount, options, error",
    [
        ("sharpen", 1.0, {}, ParameterError),
        ("noise", -0.1, {}, ParameterError),
        ("blur", -1.0, {}, ParameterError),
        ("brightness", float("nan"), {}, ParameterError),
        ("brightness", "bright", {}, ParameterError),
        ("brightness", -1.0, {"mode": "multiply"}, ParameterError),
        ("brightness", 0.1, {"mode": "gamma"}, ParameterError),
        ("brightness", 0.1, {"value_range": (1.0, 0.0)}, ParameterError),
        ("occluder", 999, {}, ParameterError),
        ("occluder", 2.5, {}, ParameterError),
        ("occluder", 0, {"size": 0}, ParameterError),
        ("blur", 1.0, {"radius": 3}, ParameterError),
    ],
)
def test_bad_kinds_amounts_and_options_raise_explainer_errors(image, kind, amount, options, error):
    with pytest.raises(error) as raised:
        perturb(image, kind, amount, **options)
    assert isinstance(raised.value, ExplainerError) and kind in str(raised.value)


def test_the_built_in_perturbations_say_what_their_amount_is():
    labels = {name: spec.amount_label for name, spec in image_perturbations().items()}
    assert labels == {
        "brightness": "brightness offset (fraction of range)",
        "noise": "noise std (fraction of range)",
        "blur": "blur sigma (pixels)",
        "occluder": "occluder position (raster index)",
    }
    assert tuple(SWEEP_KINDS) == ("brightness", "noise", "blur", "occluder", "ig_path")


@pytest.fixture
def invert():
    """A perturbation registered for one test: blend towards the inverted image by ``amount``."""
    spec = PerturbationSpec(
        name="invert",
        options=frozenset({"value_range"}),
        amount_label="inversion (fraction)",
        apply=lambda x, amount, options: (1 - amount) * x + amount * (1.0 - x),
        amount_range=lambda x, options: (0.0, 1.0, 0.0),
    )
    register_perturbation(spec)
    try:
        yield spec
    finally:
        PERTURBATIONS.unregister("invert")


def test_a_registered_perturbation_is_a_sweep_kind_that_perturb_applies(image, invert):
    assert image_perturbations()["invert"] is invert
    assert "invert" in SWEEP_KINDS and SWEEP_KINDS[-1] == "ig_path"
    torch.testing.assert_close(perturb(image, "invert", 1.0), 1.0 - image)
    assert sweep_range("invert", image) == (0.0, 1.0, 0.0)
    amounts = sweep_amounts("invert", image, 5)
    torch.testing.assert_close(amounts, torch.linspace(0.0, 1.0, 5))
    explainer = Explainer(FlatLinear(), task="regression")
    sweep = perturbation_sweep(explainer, image, "invert", amounts, target=0)
    expected = [float(explainer.outputs(perturb(image, "invert", float(a)))[0, 0]) for a in amounts]
    torch.testing.assert_close(sweep.outputs[0], torch.tensor(expected), rtol=1e-5, atol=1e-5)
    with pytest.raises(ParameterError, match="seed"):
        perturb(image, "invert", 0.5, seed=1)


def test_an_unregistered_perturbation_is_no_sweep_kind(image, invert):
    PERTURBATIONS.unregister("invert")
    try:
        assert "invert" not in SWEEP_KINDS and "invert" not in image_perturbations()
        with pytest.raises(ParameterError, match="unknown perturbation"):
            perturb(image, "invert", 0.5)
        with pytest.raises(ParameterError, match="unknown sweep kind"):
            sweep_range("invert", image)
    finally:
        register_perturbation(invert)  # for the fixture to remove
