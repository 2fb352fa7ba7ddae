"""The ascent's in-place Adam against torch.optim.Adam: the same values bit for bit."""

import torch

from xai_widgets.kernel.optimize.adam import InPlaceAdam


def gradients(n: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    # Mixed scales, zeros included: Adam's normalisation and eps both matter.
    return [torch.randn(2, 3, 5, generator=generator) * 10.0 ** (-i % 7) * (i % 5 != 0) for i in range(n)]


def test_steps_equal_torch_optim_adam_bit_for_bit_and_resume_continues():
    start = torch.randn(2, 3, 5, generator=torch.Generator().manual_seed(1))
    theirs = start.clone().requires_grad_(True)
    reference = torch.optim.Adam([theirs], lr=0.05)
    ours = start.clone().requires_grad_(True)
    adam = InPlaceAdam(ours, lr=0.05)
    for i, grad in enumerate(gradients(40)):
        theirs.grad, ours.grad = grad.clone(), grad.clone()
        reference.step()
        adam.step()
        if i == 19:  # continue in a new optimiser from the saved state, as resume= does
            saved = adam.state_dict()
            adam = InPlaceAdam(ours, lr=0.05)
            adam.load_state_dict(saved)
            assert adam.exp_avg is not saved["exp_avg"]
        assert torch.equal(ours, theirs), f"step {i + 1}"
    assert adam.steps == 40


def test_no_gradient_no_step():
    parameter = torch.ones(3, requires_grad=True)
    adam = InPlaceAdam(parameter, lr=0.1)
    adam.step()
    assert adam.steps == 0 and torch.equal(parameter, torch.ones(3))
