"""Image sweeps against analytic truth: linear brightness lines, one batched pass per sweep, outputs
that match the model on each perturbed input, and the errors bad sweep arguments raise."""

import numpy as np
import pytest
import torch

from xai_widgets.kernel import (
    Explainer,
    ExplainerError,
    InputError,
    ParameterError,
    ig_path,
    perturb,
    perturbation_sweep,
    sweep_amounts,
)

from ..counting import count_forwards
from ..models import FlatLinear, ReluCNN


@pytest.mark.parametrize("mode", ["add", "multiply"])
def test_brightness_sweep_of_a_linear_model_is_a_straight_line_with_the_expected_slope(image, mode):
    model = FlatLinear()
    explainer = Explainer(model, task="regression")
    amounts = torch.linspace(0.0, 2.0, 11) if mode == "multiply" else torch.linspace(-1.0, 1.0, 11)
    sweep = perturbation_sweep(
        explainer, image, "brightness", amounts, target=2, mode=mode, value_range=(0.0, 1.0), clamp=False
    )
    w = model.linear.weight[2].detach()
    # add: x + a * span (span 1) moves the output by a * sum(w); multiply: a * x moves it by a * w.x
    slope = w.sum() if mode == "add" else w @ image.flatten()
    outputs = sweep.outputs[0].numpy()
    fitted_slope, intercept = np.polyfit(amounts.numpy(), outputs, 1)
    assert fitted_slope == pytest.approx(float(slope), rel=1e-4)
    np.testing.assert_allclose(outputs, fitted_slope * amounts.numpy() + intercept, atol=1e-4)
    assert sweep.probabilities is None and sweep.target.tolist() == [2]


def test_sweep_outputs_match_the_model_on_each_perturbed_input_with_the_predicted_target(image):
    explainer = Explainer(ReluCNN())
    amounts = sweep_amounts("blur", image, 5)
    sweep = perturbation_sweep(explainer, image, "blur", amounts)
    predicted = int(explainer.outputs(image).argmax(1))
    assert sweep.target.tolist() == [predicted]
    for i, amount in enumerate(amounts.tolist()):
        perturbed = perturb(image, "blur", amount)
        assert float(sweep.outputs[0, i]) == pytest.approx(float(explainer.outputs(perturbed)[0, predicted]), abs=1e-5)
        probability = float(explainer.predict(perturbed)[0, predicted])
        assert float(sweep.probabilities[0, i]) == pytest.approx(probability, abs=1e-6)
    assert float(sweep.reference[0]) == pytest.approx(float(explainer.outputs(image)[0, predicted]), abs=1e-5)


@pytest.mark.parametrize("kind", ["brightness", "noise", "blur", "occluder"])
def test_a_sweep_of_many_amounts_is_one_batched_forward_pass(image, kind):
    model = ReluCNN()
    explainer = Explainer(model)
    explainer.outputs(image)  # the runner's one-off shape probe, outside the count
    amounts = sweep_amounts(kind, image, 100)
    calls, handle = count_forwards(model)
    try:
        sweep = perturbation_sweep(explainer, image, kind, amounts, target=1)
    finally:
        handle.remove()
    assert calls == [len(amounts) + 1]  # every amount and the unperturbed input, together
    assert sweep.outputs.shape == (1, len(amounts))


def test_bad_sweep_and_path_arguments_raise_explainer_errors(image):
    explainer = Explainer(ReluCNN())
    with pytest.raises(ParameterError, match="empty"):
        perturbation_sweep(explainer, image, "noise", [])
    with pytest.raises(ParameterError, match="ig_path"):
        perturbation_sweep(explainer, image, "ig_path", [0.5])
    with pytest.raises(InputError, match="one sample"):
        ig_path(explainer, torch.cat([image, image]))
    with pytest.raises(ParameterError, match="rule"):
        ig_path(explainer, image, rule="simpson")
    with pytest.raises(ParameterError, match="n_steps"):
        ig_path(explainer, image, n_steps=0)
    with pytest.raises(InputError, match="spatial"):
        perturb(torch.rand(2, 6), "blur", 1.0)
    with pytest.raises(InputError, match="occluder"):
        perturb(torch.rand(2, 6), "occluder", 0)
    with pytest.raises(ExplainerError):
        perturbation_sweep(explainer, image, "brightness", [0.1], target=99)
