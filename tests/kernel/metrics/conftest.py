"""Fixtures and helpers the metric tests share: the shapes zoo (images with ground-truth masks and a
trained CNN), a small ReLU CNN, and Quantus called the way its documentation shows."""

import warnings

import numpy as np
import pytest
import torch

import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, make_shapes

from ..models import ReluCNN


@pytest.fixture(scope="session")
def quantus():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import quantus

    return quantus


@pytest.fixture(scope="session")
def shapes():
    return make_shapes(3, seed=1)


@pytest.fixture(scope="session")
def shapes_model():
    return load_shapes_model()


@pytest.fixture
def cnn():
    """A small eval-mode CNN (Quantus refuses models in train mode) and a batch for it."""
    return ReluCNN().eval(), torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(5))


def quantus_explain(method, **params):
    """Quantus's ``explain_func``: our method on whatever (randomised or perturbed) model it passes."""

    def explain(model, inputs, targets, **_ignored):
        batch = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
        return xw.Explainer(model).attribute(batch, method, torch.as_tensor(targets), **params).values.double().numpy()

    return explain


def run_quantus(metric, model, x, y, **data):
    """Call a Quantus metric on numpy copies of our tensors, its warnings silenced."""
    arrays = {name: value.double().numpy() if torch.is_tensor(value) else value for name, value in data.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return metric(model=model, x_batch=x.numpy(), y_batch=np.asarray(y), device="cpu", **arrays)


def assert_close(ours, theirs, tol=1e-5):
    """Agree to ``tol``, relative to each value's size but at least absolutely; NaN where the other is NaN."""
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol, equal_nan=True)
    return float(np.nanmax(np.abs(ours - theirs))) if ours.size else 0.0
