"""Localisation metrics against Quantus on the shapes zoo's ground-truth masks, against analytic
truth (a map that peaks inside the mask), batch against per sample, and the errors bad masks raise."""

import numpy as np
import pytest
import torch

import xai_widgets as xw

from .conftest import assert_close, run_quantus

METRICS = {
    "pointing_game": ("PointingGame", {}),
    "relevance_mass_accuracy": ("RelevanceMassAccuracy", {}),
    "relevance_rank_accuracy": ("RelevanceRankAccuracy", {}),
    "top_k_intersection": ("TopKIntersection", {}),
    "attribution_localisation": ("AttributionLocalisation", {"normalise": "batch"}),
}


@pytest.fixture(scope="module")
def maps(shapes, shapes_model):
    """One-channel maps of three kinds: gradients (signed), Grad-CAM (smooth), and random values."""
    explainer = xw.Explainer(shapes_model)
    gradient = explainer.attribute(shapes.images, "gradient", shapes.labels).values.sum(1, keepdim=True)
    cam = explainer.attribute(shapes.images, "grad_cam", shapes.labels).values
    noise = torch.rand(gradient.shape, generator=torch.Generator().manual_seed(0)) - 0.3
    return {"gradient": gradient, "grad_cam": cam, "random": noise}


@pytest.mark.parametrize("kind", ["gradient", "grad_cam", "random"])
@pytest.mark.parametrize("name", sorted(METRICS))
def test_each_localisation_metric_equals_quantus_with_its_defaults(quantus, shapes, shapes_model, maps, name, kind):
    class_name, like_quantus = METRICS[name]
    ours = getattr(xw.metrics, name)(maps[kind], shapes.masks, **like_quantus)
    theirs = run_quantus(
        getattr(quantus, class_name)(disable_warnings=True),
        shapes_model,
        shapes.images,
        shapes.labels,
        a_batch=maps[kind],
        s_batch=shapes.masks.numpy(),
    )
    assert ours.shape == (3,) and ours.dtype == torch.float64
    assert_close(ours, theirs)


def test_top_k_intersection_with_concept_influence_and_absolute_values_equals_quantus(
    quantus, shapes, shapes_model, maps
):
    ours = xw.metrics.top_k_intersection(maps["gradient"], shapes.masks, 300, concept_influence=True, absolute=True)
    metric = quantus.TopKIntersection(k=300, concept_influence=True, abs=True, disable_warnings=True)
    theirs = run_quantus(
        metric, shapes_model, shapes.images, shapes.labels, a_batch=maps["gradient"], s_batch=shapes.masks.numpy()
    )
    assert_close(ours, theirs)


def test_the_default_per_sample_normalisation_equals_quantus_on_one_sample_at_a_time(
    quantus, shapes, shapes_model, maps
):
    ours = xw.metrics.attribution_localisation(maps["gradient"], shapes.masks)
    metric = quantus.AttributionLocalisation(disable_warnings=True)
    for i in range(3):
        one = slice(i, i + 1)
        theirs = run_quantus(
            metric,
            shapes_model,
            shapes.images[one],
            shapes.labels[one],
            a_batch=maps["gradient"][one],
            s_batch=shapes.masks[one].numpy(),
        )
        assert_close(ours[one], theirs)


def test_a_map_that_peaks_inside_the_mask_wins_the_pointing_game_and_one_outside_loses(shapes):
    masks = shapes.masks
    inside = torch.zeros(masks.shape)
    outside = torch.zeros(masks.shape)
    for i, mask in enumerate(masks):
        on, off = mask.nonzero(), (~mask).nonzero()
        inside[(i, *on[len(on) // 2, :].tolist())] = 1.0
        outside[(i, *off[len(off) // 2, :].tolist())] = 1.0
    assert xw.metrics.pointing_game(inside, masks).tolist() == [1.0, 1.0, 1.0]
    assert xw.metrics.pointing_game(outside, masks).tolist() == [0.0, 0.0, 0.0]
    # All the mass of ``inside`` lies on the mask, none of ``outside``'s.
    assert xw.metrics.relevance_mass_accuracy(inside, masks).tolist() == [1.0, 1.0, 1.0]
    assert xw.metrics.attribution_localisation(outside, masks).tolist() == [0.0, 0.0, 0.0]


def test_a_map_equal_to_the_mask_scores_perfectly_on_every_localisation_metric(shapes):
    perfect = shapes.masks.float() + 0.01 * torch.rand(shapes.masks.shape, generator=torch.Generator().manual_seed(1))
    metrics = xw.metrics
    assert metrics.relevance_rank_accuracy(perfect, shapes.masks).tolist() == [1.0, 1.0, 1.0]
    assert metrics.top_k_intersection(perfect, shapes.masks, k=50).tolist() == [1.0, 1.0, 1.0]
    assert metrics.pointing_game(perfect, shapes.masks).tolist() == [1.0, 1.0, 1.0]


def test_batch_equals_per_sample_and_masks_may_be_numpy_0_1_without_the_channel_dim(shapes, maps):
    for name in METRICS:
        metric = getattr(xw.metrics, name)
        batch = metric(maps["gradient"], shapes.masks)
        alone = torch.cat([metric(maps["gradient"][i : i + 1], shapes.masks[i : i + 1]) for i in range(3)])
        torch.testing.assert_close(batch, alone)
        as_numpy = metric(maps["gradient"].numpy(), shapes.masks[:, 0].numpy().astype(np.uint8))
        torch.testing.assert_close(batch, as_numpy)


def test_a_one_channel_mask_covers_every_channel_of_a_three_channel_map(shapes, maps):
    three = maps["gradient"].repeat(1, 3, 1, 1)
    torch.testing.assert_close(
        xw.metrics.relevance_mass_accuracy(three, shapes.masks),
        xw.metrics.relevance_mass_accuracy(maps["gradient"], shapes.masks),
    )


@pytest.mark.parametrize(
    "masks, message",
    [
        (torch.zeros(3, 1, 64, 64, dtype=torch.bool), "samples \\[0, 1, 2\\] have no True element"),
        (torch.ones(3, 1, 32, 32, dtype=torch.bool), "do not fit attributions"),
        (torch.ones(2, 1, 64, 64, dtype=torch.bool), "do not fit attributions"),
        (torch.full((3, 1, 64, 64), 0.5), "boolean or hold only 0 and 1"),
        ([[1, 0]], "must be a torch.Tensor or numpy array"),
    ],
)
def test_bad_masks_raise_an_input_error_that_says_what_to_do(maps, masks, message):
    with pytest.raises(xw.InputError, match=message):
        xw.metrics.pointing_game(maps["gradient"], masks)


def test_bad_attributions_and_parameters_raise_explainer_errors(shapes, maps):
    with pytest.raises(xw.InputError, match="NaN or inf"):
        xw.metrics.pointing_game(torch.full((3, 1, 64, 64), float("nan")), shapes.masks)
    with pytest.raises(xw.InputError, match="batch shaped"):
        xw.metrics.pointing_game(torch.rand(64), shapes.masks)
    with pytest.raises(xw.ParameterError, match="k=5000 is more than the 4096 features"):
        xw.metrics.top_k_intersection(maps["gradient"], shapes.masks, 5000)
    with pytest.raises(xw.ParameterError, match="must be at least 1"):
        xw.metrics.top_k_intersection(maps["gradient"], shapes.masks, 0)
    with pytest.raises(xw.ParameterError, match="normalise"):
        xw.metrics.attribution_localisation(maps["gradient"], shapes.masks, normalise="max")
