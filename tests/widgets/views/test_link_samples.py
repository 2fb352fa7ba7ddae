"""link_samples: the UncertaintyView and an explorer on the same data select the same sample,
whichever of them is clicked; views on different data are refused."""

import pytest
import traitlets

import xai_widgets as xw
from xai_widgets.zoo import load_dropout_shapes_model, make_noisy_regression, make_shapes, train_dropout_mlp


@pytest.fixture(scope="module")
def regression():
    data = make_noisy_regression(n_train=200, n_test=25, seed=4)
    return data, xw.Explainer(train_dropout_mlp(data, steps=150))


def test_uncertainty_view_and_tabular_explorer_follow_each_other(regression):
    data, explainer = regression
    uv = xw.UncertaintyView(explainer, data.x_test, data.y_test, n_samples=10, feature_names=["x"])
    tabular = xw.TabularExplorer(explainer, data.x_test, data.y_test, feature_names=["x"], methods=["gradient"])
    try:
        uv.sample_index = 3
        link = xw.link_samples(uv, tabular)
        assert tabular.sample_index == 3  # the second view moves to the first's sample
        uv.overview._clicked(uv.overview.scatter, {"data": {"index": 11}})  # a click on the σ scatter
        assert tabular.sample_index == 11
        tabular.data_scatter._clicked(tabular.data_scatter.scatter, {"data": {"index": 6}})
        assert uv.sample_index == 6
        assert uv.wait(60) and tabular.wait(60) and uv.error == "" and tabular.error == ""
        assert uv.distribution.figure.title.startswith("Sample 6:")
        link.unlink()
        uv.sample_index = 2
        assert tabular.sample_index == 6
        # Two views with a sample_index trait each link with traitlets directly, too.
        direct = traitlets.link((uv, "sample_index"), (tabular, "sample_index"))
        assert tabular.sample_index == 2
        direct.unlink()
    finally:
        uv.close()
        tabular.close()


def test_image_explorer_links_through_its_canvas():
    data = make_shapes(6, seed=5)
    explainer = xw.Explainer(load_dropout_shapes_model())
    uv = xw.UncertaintyView(explainer, data.images, data.labels, n_samples=4, class_names=data.class_names)
    explorer = xw.ImageExplorer(explainer, data.images, data.labels, data.class_names, methods=["saliency"])
    try:
        xw.link_samples(explorer, uv)
        explorer.canvas.sample_index = 4  # a click in the gallery
        assert uv.sample_index == 4
        uv.sample_index = 1
        assert explorer.sample_index == 1
        assert uv.wait(120) and explorer.wait(120) and uv.error == "" and explorer.error == ""
    finally:
        uv.close()
        explorer.close()


def test_views_on_different_data_or_without_a_sample_are_refused(regression):
    data, explainer = regression
    uv = xw.UncertaintyView(explainer, data.x_test, data.y_test, n_samples=4, feature_names=["x"])
    other = xw.TabularExplorer(explainer, data.x_test[:10], feature_names=["x"], methods=["gradient"])
    try:
        with pytest.raises(xw.ExplainerError, match="same data"):
            xw.link_samples(uv, other)
        with pytest.raises(xw.ExplainerError, match="no selected-sample trait"):
            xw.link_samples(uv, object())
    finally:
        uv.close()
        other.close()
