"""Display modes (Captum's layouts, applied in JS) and two explorers compared side by side, linked
(issue 10, "also" items)."""

import pytest
import torch
from traitlets import TraitError

import xai_widgets as xw
from xai_widgets.widgets.base.display_traits import DISPLAY_MODES
from xai_widgets.zoo import load_shapes_model, make_shapes

METHODS = ["saliency"]


@pytest.fixture(scope="module")
def data():
    return make_shapes(6, seed=21)


@pytest.fixture(scope="module")
def explainer():
    return xw.Explainer(load_shapes_model())


@pytest.fixture(scope="module")
def untrained():
    torch.manual_seed(0)
    return xw.Explainer(load_shapes_model(pretrained=False))


@pytest.fixture
def samples(explainer, data):
    comparison = xw.ImageExplorer.compare_samples(
        explainer, data.images, left=2, right=4, labels=data.labels, class_names=data.class_names, methods=METHODS
    )
    assert comparison.wait(120)
    yield comparison
    comparison.close()


@pytest.fixture
def models(explainer, untrained, data):
    comparison = xw.ImageExplorer.compare_models(
        explainer,
        untrained,
        data.images,
        data.labels,
        data.class_names,
        methods=METHODS,
        names=("trained", "untrained"),
        sample_index=3,
    )
    assert comparison.wait(120)
    yield comparison
    comparison.close()


# ---- display_mode ------------------------------------------------------------------------------


def test_display_mode_is_one_of_captums_layouts_on_every_map_view(explainer, data):
    assert DISPLAY_MODES == ("heat_map", "blended_heat_map", "masked_image", "alpha_scaling")
    heatmap = xw.HeatmapView()
    assert heatmap.display_mode == "heat_map" and heatmap.trait_metadata("display_mode", "sync")
    for mode in DISPLAY_MODES:
        heatmap.display_mode = mode
    with pytest.raises(TraitError, match="display_mode"):
        heatmap.display_mode = "original_image"
    assert heatmap.display_mode == "alpha_scaling"
    result = explainer.attribute(data.images[:1], "saliency")
    assert xw.HeatmapView.from_attribution(data.images[0], result, display_mode="masked_image").display_mode == (
        "masked_image"
    )


def test_switching_the_display_mode_asks_the_kernel_nothing(explainer, data):
    explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=METHODS)
    try:
        assert explorer.wait(120)
        calls, panels = dict(explorer.kernel_calls), explorer.canvas.panels
        for mode in (*DISPLAY_MODES, "heat_map"):
            explorer.canvas.display_mode = mode
        assert explorer.wait(30)
        assert explorer.kernel_calls == calls and explorer.canvas.panels is panels
        with pytest.raises(TraitError):
            explorer.canvas.display_mode = "blended"
        assert explorer.canvas.display_mode == "heat_map"
    finally:
        explorer.close()


# ---- compare: two samples ----------------------------------------------------------------------


def test_compare_samples_shows_two_samples_and_says_so(samples, data):
    assert isinstance(samples, xw.Comparison)
    assert (samples.left.sample_index, samples.right.sample_index) == (2, 4)
    name = data.class_names
    expected = f"sample 2 ({name[int(data.labels[2])]}) vs sample 4 ({name[int(data.labels[4])]})"
    assert samples.description == expected
    assert "sample 2" in samples.header.value and "sample 4" in samples.header.value
    assert samples.children[0] is samples.header and set(samples.children[1].children[0].children) >= {samples.left}
    # Tiles sized automatically are drawn smaller, so the input and two maps fit a side's row.
    assert samples.left.canvas.display_size == samples.right.canvas.display_size == 128
    # Picking another sample on one side leaves the other alone, and the header follows.
    samples.right.canvas.sample_index = 5
    assert samples.wait(120)
    assert samples.left.sample_index == 2 and samples.description.endswith(f"sample 5 ({name[int(data.labels[5])]})")


def test_compare_samples_links_pixel_methods_params_target_display_and_edits_both_ways(samples):
    left, right = samples.left, samples.right
    left.canvas.clicked_pixel = [10, 20]
    assert right.canvas.clicked_pixel == [10, 20]
    right.canvas.clicked_pixel = [30, 5]
    assert left.canvas.clicked_pixel == [30, 5]

    right.chips["grad_cam"].value = True  # a chip pressed on the right
    assert left.canvas.enabled_methods == right.canvas.enabled_methods == ["saliency", "grad_cam"]
    assert left.chips["grad_cam"].value
    left.canvas.enabled_methods = ["grad_cam"]
    assert right.canvas.enabled_methods == ["grad_cam"] and not right.chips["saliency"].value

    left.set_params("integrated_gradients", n_steps=9)
    assert right.method_controls["integrated_gradients"].params["n_steps"] == 9
    right.set_params("smoothgrad", n_samples=7)
    assert left.method_controls["smoothgrad"].params["n_samples"] == 7

    right.target = 1
    assert left.target == 1

    for trait, value in [("display_mode", "masked_image"), ("colormap", "viridis"), ("sign", "positive")]:
        setattr(right.canvas, trait, value)
        assert getattr(left.canvas, trait) == value
    left.canvas.clip_percentile = 97.0
    assert right.canvas.clip_percentile == 97.0

    edit = {"tool": "rectangle", "rect": [0, 0, 9, 9], "fill": "black"}
    left.canvas.edit_tool = "rectangle"
    left.canvas.edits = [edit]
    assert right.canvas.edits == [edit] and right.canvas.edit_tool == "rectangle"
    assert samples.wait(120)
    assert left.sample_index == 2 and right.sample_index == 4  # the samples are never linked here


def test_compare_samples_repaints_the_other_side_for_a_click_without_new_maps(samples):
    assert samples.wait(120)
    before = {side: dict(view.kernel_calls) for side, view in (("left", samples.left), ("right", samples.right))}
    samples.left.canvas.clicked_pixel = [12, 13]
    assert samples.wait(120)
    for side, view in (("left", samples.left), ("right", samples.right)):
        assert view.kernel_calls.get("saliency") == before[side].get("saliency"), side  # the maps stay
        assert view.method_chart.figure.title == "Pixel (row 12, col 13), per method"


def test_unlink_lets_the_sides_go_their_own_ways(samples):
    samples.unlink()
    samples.left.canvas.clicked_pixel = [1, 1]
    assert samples.right.canvas.clicked_pixel != [1, 1]


# ---- compare: two models -----------------------------------------------------------------------


def test_compare_models_links_the_sample_too_and_names_the_models(models, data):
    left, right = models.left, models.right
    assert left.explainer is not right.explainer
    assert (left.sample_index, right.sample_index) == (3, 3)
    assert models.description == "trained vs untrained"
    assert f"on sample 3 ({data.class_names[int(data.labels[3])]})" in models.header.value
    right.canvas.sample_index = 5
    assert left.sample_index == 5
    left.canvas.sample_index = 1
    assert right.sample_index == 1
    left.canvas.clicked_pixel = [7, 8]
    assert right.canvas.clicked_pixel == [7, 8]
    right.canvas.display_mode = "alpha_scaling"
    assert left.canvas.display_mode == "alpha_scaling"
    assert models.wait(120)
    # Each side explains its own model: the maps differ.
    assert left.results()["saliency"].shape == right.results()["saliency"].shape
    assert not torch.allclose(left.results()["saliency"], right.results()["saliency"])


def test_compare_builds_from_explorers_you_have(explainer, untrained, data):
    left = xw.ImageExplorer(explainer, data.images, methods=METHODS)
    right = xw.ImageExplorer(untrained, data.images, methods=METHODS, sample_index=4)
    comparison = xw.compare(left, right, link=["pixel", "sample"])
    try:
        assert right.sample_index == 0  # the right side takes the left's state of what is linked
        assert comparison.description == "model A vs model B"
        left.canvas.colormap = "viridis"  # not linked
        assert right.canvas.colormap == "auto"
        comparison.close()
        # Explorers handed to compare stay open, and go their own ways.
        assert left.canvas.comm is not None and right.canvas.comm is not None
        left.canvas.clicked_pixel = [2, 2]
        assert right.canvas.clicked_pixel != [2, 2]
    finally:
        for view in (left, right):
            view.close()


def test_a_comparison_built_by_the_explorer_closes_its_explorers(samples):
    left, right = samples.left, samples.right
    samples.close()
    assert left.canvas.comm is None and right.canvas.comm is None


# ---- errors ------------------------------------------------------------------------------------


def any_size_model() -> torch.nn.Module:
    """Four classes from the mean colour: a model for images of any size."""
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 4))


def test_mismatched_explorers_raise_saying_what_to_do(explainer, data):
    small = make_shapes(3, seed=1, size=32)
    left = xw.ImageExplorer(explainer, data.images, class_names=data.class_names, methods=METHODS)
    other_size = xw.ImageExplorer(
        xw.Explainer(any_size_model()), small.images, class_names=data.class_names, methods=METHODS
    )
    other_classes = xw.ImageExplorer(explainer, data.images, class_names=list("abcd"), methods=METHODS)
    try:
        with pytest.raises(xw.ExplainerError, match=r"64x64 and 32x32 .*without \['pixel', 'edits'\]"):
            xw.compare(left, other_size)
        with pytest.raises(
            xw.ExplainerError, match="class names differ .*same class_names, or pass link=... without 'target'"
        ):
            xw.compare(left, other_classes)
        with pytest.raises(xw.ExplainerError, match="galleries hold 6 and 3 images"):
            xw.compare(left, other_size, link=["sample"])
        with pytest.raises(xw.ExplainerError, match="unknown link group"):
            xw.compare(left, other_classes, link=["pixels"])
        with pytest.raises(xw.ExplainerError, match="the same one twice"):
            xw.compare(left, left)
        with pytest.raises(xw.ExplainerError, match="one name per side"):
            xw.compare(left, other_classes, link=["pixel"], names=["only one"])
        # What may be linked still is: looks and methods across sizes and class lists.
        xw.compare(left, other_size, link=["methods", "display"]).unlink()
        xw.compare(left, other_classes, link=["pixel", "display"]).unlink()
    finally:
        for view in (left, other_size, other_classes):
            view.close()


def test_compare_models_with_different_classes_raises_and_closes_what_it_built(explainer, data):
    class ThreeClasses(torch.nn.Module):
        def forward(self, x):
            return x.flatten(1)[:, :3]

    other = xw.Explainer(ThreeClasses())
    with pytest.raises(xw.ExplainerError, match="class names differ"):
        xw.ImageExplorer.compare_models(explainer, other, data.images, methods=METHODS)
    comparison = xw.ImageExplorer.compare_models(
        explainer, other, data.images, methods=METHODS, link=["sample", "pixel", "display"]
    )
    try:
        assert comparison.wait(120)
        assert comparison.description == "ShapesCNN vs ThreeClasses"
    finally:
        comparison.close()
