"""Assertions the kernel tests share: agreement with an oracle, and a model left exactly as it was."""

import torch


def assert_matches(ours: torch.Tensor, reference: torch.Tensor, rtol: float = 1e-4) -> None:
    """Agree to ``rtol`` relative to the reference's scale (elementwise relative error blows up near 0)."""
    reference = reference.detach().float()
    ours = torch.broadcast_to(ours, reference.shape)
    scale = reference.abs().max().item()
    assert scale > 0, "the reference is all zeros: the comparison would be vacuous"
    torch.testing.assert_close(ours, reference, rtol=rtol, atol=rtol * scale)


def snapshot(model):
    return {
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "grads": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "state": {k: v.clone() for k, v in model.state_dict().items()},
        "hooks": [
            {name: list(getattr(m, name)) for name in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks")}
            for m in model.modules()
        ],
    }


def assert_same(before, after):
    assert before["training"] == after["training"]
    assert before["requires_grad"] == after["requires_grad"]
    assert before["hooks"] == after["hooks"]
    for a, b in zip(before["grads"], after["grads"], strict=True):
        assert (a is None and b is None) or torch.equal(a, b)
    assert before["state"].keys() == after["state"].keys()
    for key in before["state"]:
        assert torch.equal(before["state"][key], after["state"][key]), key
