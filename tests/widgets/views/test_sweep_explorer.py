"""SweepExplorer picks the sweep view that fits the data: a feature sweep for tables, perturbations for images."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, load_tabular, make_shapes, train_tabular_mlp


def test_a_table_gets_the_feature_sweep_and_images_the_perturbation_sweep():
    wine = load_tabular("wine")
    table = xw.SweepExplorer(xw.Explainer(train_tabular_mlp(wine, epochs=20)), wine.X, wine.feature_names)
    try:
        assert isinstance(table.panel, xw.SweepPanel) and table.wait(60)
        assert table.panel.status == "idle" and table.panel.error == ""
    finally:
        table.close()
    shapes = make_shapes(2, seed=0)
    images = xw.SweepExplorer(xw.Explainer(load_shapes_model()), shapes.images, class_names=shapes.class_names)
    try:
        assert isinstance(images.panel, xw.ImageSweepExplorer) and images.wait(60)
        images.panel.kind = "ig_path"
        assert images.wait(60) and images.panel.error == ""
    finally:
        images.close()


def test_other_shapes_are_refused_with_what_to_pass():
    with pytest.raises(xw.InputError, match=r"\(N, F\)"):
        xw.SweepExplorer(xw.Explainer(torch.nn.Linear(3, 1)), torch.rand(3))
