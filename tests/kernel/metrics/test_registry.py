"""The metric registry views list metrics from, ``evaluate`` calling any of them by name, the
``xw.metrics`` namespace, and every metric that runs the model leaving it exactly as it was."""

import pytest
import torch

import xai_widgets as xw
from xai_widgets.kernel.metrics.registry import METRIC_FAMILIES, METRIC_INPUTS

from ..assertions import assert_same, snapshot

NAMED_IN_THE_ISSUE = {
    "pointing_game",
    "relevance_mass_accuracy",
    "relevance_rank_accuracy",
    "top_k_intersection",
    "attribution_localisation",
    "sparseness",
    "complexity",
    "pixel_flipping",
    "deletion_curve",
    "insertion_curve",
    "model_parameter_randomisation",
    "random_logit",
    "max_sensitivity",
    "continuity",
}
# Quick parameters for each metric that runs the model.
QUICK = {
    "pixel_flipping": {"features_in_step": 64},
    "deletion_curve": {"steps": 4},
    "insertion_curve": {"steps": 4},
    "model_parameter_randomisation": {},
    "random_logit": {},
    "max_sensitivity": {"n_samples": 3},
    "continuity": {"n_steps": 3},
}


def test_every_metric_is_registered_with_its_family_inputs_and_parameters():
    specs = xw.registered_metrics()
    assert set(specs) == NAMED_IN_THE_ISSUE
    assert [spec.family for spec in specs.values()] == sorted(
        (spec.family for spec in specs.values()), key=METRIC_FAMILIES.index
    )
    for name, spec in specs.items():
        assert spec is xw.metrics.metric_specs()[name] and isinstance(spec, xw.MetricSpec)
        assert getattr(xw.metrics, name) is spec.compute
        assert set(spec.inputs) <= set(METRIC_INPUTS) and spec.doc
        assert all(isinstance(param, xw.ParamSpec) for param in spec.params)
        assert spec.long == ("explainer" in spec.inputs)
        spec.resolve({})  # the defaults validate


def test_the_registry_validates_parameters_by_their_specs():
    spec = xw.registered_metrics()["deletion_curve"]
    assert spec.resolve({"steps": 10.0})["steps"] == 10
    with pytest.raises(xw.ParameterError, match="has no parameter 'step'"):
        spec.resolve({"step": 10})
    with pytest.raises(xw.ParameterError, match="must be one of"):
        spec.resolve({"auc_axis": "time"})


def test_evaluate_calls_any_metric_by_name_and_its_score_is_one_number_per_sample(user_model):
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    explainer = xw.Explainer(user_model)
    attributions = explainer.attribute(x, "gradient", 1).values
    masks = torch.zeros(2, 1, 16, 16, dtype=torch.bool)
    masks[:, :, 4:10, 4:10] = True
    given = dict(explainer=explainer, x=x, attributions=attributions, masks=masks, method="gradient", target=1)
    for name, spec in xw.registered_metrics().items():
        params = {"k": 20} if name == "top_k_intersection" else QUICK.get(name, {})
        result = xw.metrics.evaluate(name, **given, **params)
        assert spec.score(result).shape == (2,), name


def test_evaluate_passes_method_parameters_and_says_what_is_missing(cnn):
    model, x = cnn
    explainer = xw.Explainer(model)
    result = xw.metrics.evaluate(
        "max_sensitivity",
        explainer=explainer,
        x=x,
        method="integrated_gradients",
        target=0,
        method_params={"n_steps": 2},
        n_samples=2,
    )
    assert result.values.shape == (3,)
    with pytest.raises(xw.ParameterError, match="needs masks"):
        xw.metrics.evaluate("pointing_game", attributions=x)
    with pytest.raises(xw.ParameterError, match="unknown metric 'pointing'"):
        xw.metrics.evaluate("pointing", attributions=x)
    with pytest.raises(xw.ParameterError, match="takes no method_params"):
        xw.metrics.evaluate("sparseness", attributions=x, method_params={"n_steps": 2})


@pytest.mark.parametrize("name", sorted(QUICK))
def test_every_metric_that_runs_the_model_leaves_it_exactly_as_it_was(user_model, name):
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    before = snapshot(user_model)
    explainer = xw.Explainer(user_model)
    attributions = explainer.attribute(x, "saliency", 0).values
    spec = xw.registered_metrics()[name]
    given = dict(explainer=explainer, x=x, attributions=attributions, method="saliency", target=0)
    xw.metrics.evaluate(name, **{item: given[item] for item in spec.inputs}, **QUICK[name])
    assert_same(before, snapshot(user_model))
