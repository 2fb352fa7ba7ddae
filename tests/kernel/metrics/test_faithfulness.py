"""Pixel flipping, deletion and insertion curves: against Quantus's PixelFlipping, against the
closed form on a linear model (each step moves the output by exactly the changed features'
gradient x input), batched in as few passes as the memory budget allows, and their errors."""

import numpy as np
import pytest
import torch

import xai_widgets as xw

from ..counting import count_forwards
from ..models import FlatLinear
from .conftest import assert_close, run_quantus


@pytest.fixture
def linear():
    model = FlatLinear(shape=(3, 4, 4), n_outputs=3)
    x = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    explainer = xw.Explainer(model)
    return explainer, x, explainer.attribute(x, "grad_x_input", target=1).values


def test_deletion_curve_of_a_linear_model_steps_down_by_each_features_gradient_x_input(linear):
    explainer, x, attribution = linear
    curve = xw.metrics.deletion_curve(explainer, x, attribution, target=1, baseline=0.0, steps=48)
    assert curve.values.shape == (2, 49) and curve.auc.shape == (2,)
    descending = attribution.flatten(1).sort(dim=1, descending=True).values.double()
    torch.testing.assert_close(curve.values[:, :-1] - curve.values[:, 1:], descending, atol=1e-5, rtol=0)
    outputs = explainer.outputs(x)[:, 1].double()
    torch.testing.assert_close(curve.values[:, 0], outputs)
    torch.testing.assert_close(curve.values[:, -1], explainer.outputs(torch.zeros_like(x))[:, 1].double())


def test_insertion_curve_of_a_linear_model_steps_up_by_each_features_gradient_x_input(linear):
    explainer, x, attribution = linear
    curve = xw.metrics.insertion_curve(explainer, x, attribution, 1, steps=48)
    descending = attribution.flatten(1).sort(dim=1, descending=True).values.double()
    torch.testing.assert_close(curve.values[:, 1:] - curve.values[:, :-1], descending, atol=1e-5, rtol=0)
    torch.testing.assert_close(curve.values[:, -1], explainer.outputs(x)[:, 1].double())


def test_a_one_channel_map_moves_whole_pixels(linear):
    explainer, x, attribution = linear
    per_pixel = attribution.sum(dim=1, keepdim=True)
    curve = xw.metrics.deletion_curve(explainer, x, per_pixel, 1, steps=16)
    descending = per_pixel.flatten(1).sort(dim=1, descending=True).values.double()
    torch.testing.assert_close(curve.values[:, :-1] - curve.values[:, 1:], descending, atol=1e-5, rtol=0)
    assert curve.counts.tolist() == list(range(17))
    torch.testing.assert_close(
        xw.metrics.deletion_curve(explainer, x, per_pixel[:, 0], 1, steps=16).values, curve.values
    )


def test_inputs_at_rebuilds_the_input_the_model_saw_at_each_step(linear):
    explainer, x, attribution = linear
    for make in (xw.metrics.deletion_curve, xw.metrics.insertion_curve):
        curve = make(explainer, x, attribution, 1, baseline="mean", steps=6)
        for step in (0, 3, 6):
            seen = explainer.outputs(curve.inputs_at(x, step))[:, 1].double()
            torch.testing.assert_close(curve.values[:, step], seen)


@pytest.mark.parametrize("softmax", [True, False])
# Not "mean": Quantus takes the mean of the partly flipped input at each step, ours is x's mean.
@pytest.mark.parametrize("baseline", ["black", "white"])
def test_pixel_flipping_of_a_three_channel_map_equals_quantus(quantus, cnn, softmax, baseline):
    model, x = cnn
    explainer = xw.Explainer(model)
    attribution = explainer.attribute(x, "integrated_gradients", target=[0, 2, 4], n_steps=8).values
    ours = xw.metrics.pixel_flipping(
        explainer, x, attribution, [0, 2, 4], features_in_step=16, baseline=baseline, softmax=softmax
    )
    metric = quantus.PixelFlipping(features_in_step=16, perturb_baseline=baseline, disable_warnings=True)
    theirs = np.array(run_quantus(metric, model, x, [0, 2, 4], a_batch=attribution, softmax=softmax))
    assert ours.values.shape == (3, 768 // 16 + 1)
    assert_close(ours.values[:, 1:], theirs)
    # Quantus's return_auc_per_sample calls np.trapz, which numpy 2.4 removed: its formula, here.
    assert_close(
        xw.metrics.pixel_flipping(
            explainer, x, attribution, [0, 2, 4], 16, baseline=baseline, softmax=softmax, auc_axis="steps"
        ).auc,
        np.trapezoid(theirs, axis=1),
    )


def test_pixel_flipping_of_a_one_channel_map_equals_quantus_at_whole_pixels(quantus, cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    attribution = explainer.attribute(x, "saliency", target=3).values.sum(dim=1, keepdim=True)
    ours = xw.metrics.pixel_flipping(explainer, x, attribution, 3, features_in_step=16)
    # Quantus repeats the map over the channels and flips elements: 48 of them are our 16 pixels.
    metric = quantus.PixelFlipping(features_in_step=16, disable_warnings=True)
    theirs = np.array(run_quantus(metric, model, x, [3, 3, 3], a_batch=attribution))
    assert_close(ours.values[:, 1:], theirs[:, 2::3])


def test_every_step_of_every_sample_goes_through_the_model_in_one_pass_unless_memory_is_short(linear):
    explainer, x, attribution = linear
    explainer.outputs(x)  # the runner's one-off shape probe, outside the count
    calls, handle = count_forwards(explainer.model)
    curve = xw.metrics.deletion_curve(explainer, x, attribution, 1, steps=20)
    assert calls == [2 * 21]
    tight = xw.Explainer(explainer.model, memory_budget=1)
    tight.outputs(x)
    calls.clear()
    chunked = xw.metrics.deletion_curve(tight, x, attribution, 1, steps=20)
    handle.remove()
    assert calls == [2] * 21
    torch.testing.assert_close(chunked.values, curve.values)


def test_batch_equals_per_sample_and_numpy_attributions_equal_tensors(linear):
    explainer, x, attribution = linear
    batch = xw.metrics.insertion_curve(explainer, x, attribution.numpy(), 1, baseline="blur", steps=12)
    for i in range(2):
        alone = xw.metrics.insertion_curve(
            explainer, x[i : i + 1], attribution[i : i + 1], 1, baseline="blur", steps=12
        )
        torch.testing.assert_close(alone.values, batch.values[i : i + 1])
        torch.testing.assert_close(alone.auc, batch.auc[i : i + 1])


def test_the_fraction_auc_integrates_the_whole_curve_over_the_fraction_of_features(linear):
    explainer, x, attribution = linear
    curve = xw.metrics.deletion_curve(explainer, x, attribution, 1, steps=4)
    expected = np.trapezoid(curve.values.numpy(), np.linspace(0, 1, 5), axis=1)
    np.testing.assert_allclose(curve.auc.numpy(), expected)


def test_progress_reports_each_pass_and_raising_stops_the_curve(linear):
    explainer, x, attribution = linear
    tight = xw.Explainer(explainer.model, memory_budget=1)
    seen = []
    xw.metrics.pixel_flipping(tight, x, attribution, 1, features_in_step=8, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 7

    def cancel(fraction):
        if fraction > 0.3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        xw.metrics.deletion_curve(tight, x, attribution, 1, steps=10, progress=cancel)


def test_bad_curves_raise_explainer_errors_that_say_what_to_do(linear):
    explainer, x, attribution = linear
    with pytest.raises(xw.InputError, match="do not fit inputs of shape"):
        xw.metrics.deletion_curve(explainer, x, attribution[:, :, :2], 1)
    with pytest.raises(xw.InputError, match="for 1 samples but x has 2"):
        xw.metrics.deletion_curve(explainer, x, attribution[:1], 1)
    with pytest.raises(xw.ParameterError, match="steps=60 is more than the 48 features"):
        xw.metrics.deletion_curve(explainer, x, attribution, 1, steps=60)
    with pytest.raises(xw.ParameterError, match="baseline"):
        xw.metrics.insertion_curve(explainer, x, attribution, 1, baseline="grey")
    with pytest.raises(xw.TargetError, match="out of range"):
        xw.metrics.pixel_flipping(explainer, x, attribution, 7)


class FlattensByView(torch.nn.Module):
    """A model whose forward needs contiguous memory: ``view`` of a convolution's feature map."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 8 * 8, 3)

    def forward(self, x):
        features = torch.relu(self.conv(x))
        return self.fc(features.view(features.shape[0], -1))


def test_a_model_that_needs_contiguous_inputs_gets_them(linear):
    model = FlattensByView()
    explainer = xw.Explainer(model)
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(2))
    attribution = explainer.attribute(x, "saliency", 0).values
    curve = xw.metrics.deletion_curve(explainer, x, attribution, 0, steps=4)
    for step in range(5):
        torch.testing.assert_close(curve.values[:, step], explainer.outputs(curve.inputs_at(x, step))[:, 0].double())
