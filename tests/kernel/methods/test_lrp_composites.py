"""The LRP composite registry: the ``lrp`` method's choices are its names, and one registration
adds a composite that the method accepts and runs."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.kernel.methods.propagation.lrp.composites import COMPOSITES, composite_rules
from xai_widgets.kernel.methods.propagation.lrp.rules import epsilon_rule

from ..models import ReluCNN

BUILT_IN = ("epsilon", "epsilon_plus", "epsilon_plus_flat", "epsilon_gamma_box", "alpha2_beta1")


def composite_choices() -> list[str]:
    (param,) = [p for p in xw.methods()["lrp"].params if p.name == "composite"]
    return list(param.choices)


@pytest.fixture
def plain_epsilon():
    """A composite registered for one test: ε on every layer, ε fixed at 1e-9."""

    @xw.register_composite("tiny_epsilon")
    def build(epsilon: float, gamma: float) -> xw.Composite:
        rule = epsilon_rule(1e-9)
        return xw.Composite(conv=rule, dense=rule)

    try:
        yield build
    finally:
        COMPOSITES.unregister("tiny_epsilon")


def test_the_lrp_choices_are_the_registered_composites():
    assert composite_choices() == list(BUILT_IN) == list(COMPOSITES.entries())


def test_a_registered_composite_is_a_choice_of_lrp_and_runs(plain_epsilon):
    assert composite_choices() == [*BUILT_IN, "tiny_epsilon"]
    explainer = xw.Explainer(ReluCNN())
    x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    ours = explainer.attribute(x, "lrp", target=1, composite="tiny_epsilon")
    # The same rules as the built-in epsilon composite with a vanishing ε on the layers; the
    # pooling ε differs (1e-9 against ε), so compare with that composite at ε = 1e-9.
    reference = explainer.attribute(x, "lrp", target=1, composite="epsilon", epsilon=1e-9)
    torch.testing.assert_close(ours.values, reference.values)
    assert ours.params["composite"] == "tiny_epsilon"


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
