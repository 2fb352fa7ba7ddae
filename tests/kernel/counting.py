"""Counting a model's forward passes: each call's batch size, recorded by a forward hook."""

from torch import nn
from torch.utils.hooks import RemovableHandle


def count_forwards(model: nn.Module) -> tuple[list[int], RemovableHandle]:
    """The list every forward of ``model`` appends its batch size to, and the hook's handle."""
    calls: list[int] = []
    handle = model.register_forward_hook(lambda module, inputs, output: calls.append(inputs[0].shape[0]))
    return calls, handle
