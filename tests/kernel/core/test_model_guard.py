"""The model guard walks the model as ``model.modules()`` does, and restores flags, parameters'
requires_grad and .grad, and hooks: those registered inside go, the user's stay."""

import pytest
import torch
from torch import nn

from xai_widgets.kernel.core.model_guard import preserved, walk_modules


def shared_model() -> nn.Module:
    shared = nn.Linear(2, 2)
    return nn.Sequential(
        nn.Sequential(shared, nn.ReLU()), shared, nn.Sequential(nn.Sequential(nn.Dropout()), shared), nn.BatchNorm1d(2)
    )


def test_walk_is_model_modules_in_order_with_shared_modules_once():
    model = shared_model()
    assert [id(m) for m in walk_modules(model)] == [id(m) for m in model.modules()]


@pytest.mark.parametrize("freeze", [True, False])
def test_flags_grads_and_hooks_are_restored_also_on_errors(freeze):
    model = shared_model().train()
    model[0][0].weight.grad = torch.ones(2, 2)
    user_hook = model[3].register_forward_hook(lambda *_: None)
    before = {name: dict(getattr(model[3], name)) for name in ("_forward_hooks", "_forward_pre_hooks")}
    other = nn.Linear(1, 1)
    with pytest.raises(RuntimeError), preserved(model, freeze=freeze) as inside:
        assert inside is model and not any(m.training for m in model.modules())
        assert all(p.requires_grad != freeze for p in model.parameters())
        model[3].register_forward_hook(lambda *_: None)
        model[2][0][0].register_forward_pre_hook(lambda *_: None)
        other.register_forward_hook(lambda *_: None)  # elsewhere: not the guard's business
        model[0][0].weight.grad = None
        model[2][0][0].train()
        raise RuntimeError("inside")
    assert all(m.training for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())
    assert torch.equal(model[0][0].weight.grad, torch.ones(2, 2))
    assert {name: dict(getattr(model[3], name)) for name in ("_forward_hooks", "_forward_pre_hooks")} == before
    assert not model[2][0][0]._forward_pre_hooks and len(other._forward_hooks) == 1
    user_hook.remove()
