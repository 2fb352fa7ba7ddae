"""The LRP composite registry: the ``lrp`` method's choices are its names, and one registration
(a builder following ``epsilon``/``gamma``, or a fixed ``Composite``) adds a composite that the
method accepts and runs and that views list by themselves."""

import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.methods.propagation.lrp.composites import COMPOSITES, composite_rules

from ..models import ReluCNN

BUILT_IN = (
    "epsilon",
    "epsilon_plus",
    "epsilon_plus_flat",
    "epsilon_gamma_box",
    "epsilon_alpha2_beta1",
    "epsilon_alpha2_beta1_flat",
    "excitation_backprop",
    "guided_backprop",
    "deconvnet",
)


def composite_choices() -> list[str]:
    (param,) = [p for p in xw.methods()["lrp"].params if p.name == "composite"]
    return list(param.choices)


@pytest.fixture
def plain_epsilon():
    """A composite registered for one test: ε on every layer, ε fixed at 1e-9."""

    @xw.register_composite("tiny_epsilon")
    def build(epsilon: float, gamma: float) -> xw.Composite:
        rule = xw.lrp.Epsilon(1e-9)
        return xw.Composite([(xw.lrp.LINEAR_LAYERS, rule), (xw.lrp.AVG_POOLING, rule)])

    try:
        yield build
    finally:
        COMPOSITES.unregister("tiny_epsilon")


def test_the_lrp_choices_are_the_registered_composites():
    assert composite_choices() == list(BUILT_IN) == list(COMPOSITES.entries())
    assert xw.Composite is xw.lrp.Composite and xw.register_composite is xw.lrp.register_composite


def test_a_registered_composite_is_a_choice_of_lrp_and_runs(plain_epsilon):
    assert composite_choices() == [*BUILT_IN, "tiny_epsilon"]
    explainer = xw.Explainer(ReluCNN())
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    ours = explainer.attribute(x, "lrp", target=1, composite="tiny_epsilon")
    # The rules of the built-in epsilon composite at ε = 1e-9.
    reference = explainer.attribute(x, "lrp", target=1, composite="epsilon", epsilon=1e-9)
    torch.testing.assert_close(ours.values, reference.values)
    assert ours.params["composite"] == "tiny_epsilon"


def test_a_composite_object_registers_under_a_name():
    fixed = xw.lrp.Composite([*xw.lrp.layer_map_base(), (nn.Conv2d, xw.lrp.Gamma(0.5)), (nn.Linear, xw.lrp.Epsilon())])
    xw.lrp.register_composite("gamma_half", fixed)
    try:
        assert composite_choices()[-1] == "gamma_half"
        assert composite_rules("gamma_half", epsilon=5.0) is fixed  # a fixed composite ignores ε and γ
        explainer = xw.Explainer(ReluCNN())
        x = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(1))
        by_name = explainer.attribute(x, "lrp", target=0, composite="gamma_half").values
        torch.testing.assert_close(by_name, explainer.attribute(x, "lrp", target=0, composite=fixed).values)
    finally:
        COMPOSITES.unregister("gamma_half")


def test_an_unregistered_composite_is_no_choice_and_is_refused(plain_epsilon):
    COMPOSITES.unregister("tiny_epsilon")
    try:
        assert "tiny_epsilon" not in composite_choices()
        with pytest.raises(xw.ParameterError, match="tiny_epsilon"):
            xw.Explainer(ReluCNN()).attribute(torch.rand(1, 3, 8, 8), "lrp", composite="tiny_epsilon")
        with pytest.raises(xw.ParameterError, match="unknown LRP composite"):
            composite_rules("tiny_epsilon")
    finally:
        xw.register_composite("tiny_epsilon")(plain_epsilon)  # for the fixture to remove


def test_the_explorer_controls_offer_the_names_only():
    """A Composite object is a value the kernel accepts; a view's composite menu lists names."""
    from xai_widgets.widgets.controls.param_controls import MethodControls

    controls = MethodControls(xw.methods()["lrp"], layers=[], spatial=8, on_change=lambda *_: None)
    assert list(controls.controls["composite"].options) == list(BUILT_IN)
    assert controls.params["composite"] == "epsilon_plus"
