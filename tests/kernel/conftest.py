"""Fixtures the kernel tests share."""

import pytest
import torch

from .models import OracleCNN


@pytest.fixture
def user_model():
    """A model the way a user may hold it: in train mode, one frozen layer, a hook, stale .grad."""
    model = OracleCNN()
    model.train()
    model.stem[0].weight.requires_grad_(False)
    model.fc.register_forward_hook(lambda module, inputs, output: None)
    model.fc.weight.grad = torch.ones_like(model.fc.weight)
    return model
