"""Progress and cancel for long kernel calls: every batched pass reports a growing fraction, and an
exception raised from the callback stops the call within one pass, leaving the model as it was."""

import pytest
import torch

import xai_widgets as xw

from ..assertions import assert_same, snapshot
from ..counting import count_forwards
from ..models import OracleCNN

IMAGE = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
TABLE = torch.rand(4, 6, generator=torch.Generator().manual_seed(1))
GRID = [0.0, 0.5, 1.0]


class TabularNet(torch.nn.Module):
    """A small MLP with a BatchNorm and Dropout, so train mode and a frozen layer matter."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(
            torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Dropout(0.5)
        )
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.body(x))


def tabular_model() -> TabularNet:
    model = TabularNet()
    model.train()
    model.body[0].weight.requires_grad_(False)
    return model


def image_model() -> OracleCNN:
    model = OracleCNN()
    model.train()
    model.stem[0].weight.requires_grad_(False)
    return model


# name -> (model factory, input, call(explainer, progress), passes the call's work takes)
CALLS = {
    "outputs": (
        image_model,
        IMAGE.repeat(3, 1, 1, 1),
        lambda ex, p: ex.outputs(IMAGE.repeat(3, 1, 1, 1), progress=p),
        3,
    ),
    "predict": (
        image_model,
        IMAGE.repeat(3, 1, 1, 1),
        lambda ex, p: ex.predict(IMAGE.repeat(3, 1, 1, 1), progress=p),
        3,
    ),
    "perturbation_sweep": (
        image_model,
        IMAGE,
        lambda ex, p: xw.perturbation_sweep(ex, IMAGE, "brightness", [-0.5, 0.0, 0.5], target=1, progress=p),
        4,  # three amounts and the unperturbed image
    ),
    "ig_path": (image_model, IMAGE, lambda ex, p: xw.ig_path(ex, IMAGE, target=1, n_steps=3, progress=p), 5 + 3),
    "partial_dependence": (
        tabular_model,
        TABLE,
        lambda ex, p: xw.partial_dependence(ex, TABLE, 2, GRID, target=0, progress=p),
        len(GRID) * len(TABLE),
    ),
    "ice": (tabular_model, TABLE, lambda ex, p: xw.ice(ex, TABLE[0], 2, GRID, target=0, progress=p), len(GRID)),
    "sensitivity": (
        tabular_model,
        TABLE,
        lambda ex, p: xw.sensitivity(ex, TABLE[0], 2, GRID, target=0, progress=p),
        len(GRID),
    ),
}


def bound(make_model, x):
    """A model and an explainer whose passes hold one input each; the shape probe already done."""
    model = make_model()
    explainer = xw.Explainer(model, memory_budget=1)
    explainer.outputs(x[:1])
    return model, explainer


@pytest.mark.parametrize("name", sorted(CALLS))
def test_progress_is_reported_after_every_pass_with_growing_fractions(name):
    make_model, x, call, n_passes = CALLS[name]
    model, explainer = bound(make_model, x)
    seen: list[float] = []
    passes, handle = count_forwards(model)
    try:
        call(explainer, seen.append)
    finally:
        handle.remove()
    assert len(passes) == n_passes and set(passes) == {1}
    assert len(seen) == n_passes
    assert all(later > earlier for earlier, later in zip(seen, seen[1:], strict=False))
    assert seen[0] > 0.0 and seen[-1] == pytest.approx(1.0)


class Cancelled(Exception):
    pass


@pytest.mark.parametrize("name", sorted(CALLS))
def test_raising_from_progress_stops_the_call_within_one_pass_and_leaves_the_model_alone(name):
    make_model, x, call, n_passes = CALLS[name]
    model, explainer = bound(make_model, x)
    before = snapshot(model)
    reports: list[float] = []

    def cancel_after_two_passes(fraction: float) -> None:
        reports.append(fraction)
        if len(reports) == 2:
            raise Cancelled

    passes, handle = count_forwards(model)
    try:
        with pytest.raises(Cancelled):
            call(explainer, cancel_after_two_passes)
    finally:
        handle.remove()
    assert len(passes) == 2 < n_passes
    assert_same(before, snapshot(model))
    # The explainer is not left reporting to the cancelled callback.
    explainer.outputs(x[:1])
    assert len(reports) == 2
