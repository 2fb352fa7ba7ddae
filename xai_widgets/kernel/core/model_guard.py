"""Leave the user's model exactly as it was: mode, requires_grad, hooks and .grad."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

# Hook dictionaries of nn.Module; a method may add hooks, and all of them must go again.
_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_backward_hooks",
    "_backward_pre_hooks",
    "_state_dict_hooks",
    "_load_state_dict_pre_hooks",
)


@contextlib.contextmanager
def preserved(model: nn.Module, eval_mode: bool = True) -> Iterator[nn.Module]:
    """Run a block on ``model`` in eval mode with frozen parameters, then restore everything.

    Parameters are frozen (``requires_grad=False``) inside so that backward passes compute
    input gradients only; they, the train/eval flags, ``.grad`` and any hook a method
    registered are put back on exit, also when the block raises. Only what differs is
    written back: entering and leaving costs microseconds on a typical model.
    """
    modules = list(model.modules())
    training = [m.training for m in modules]
    params = list(model.parameters())
    requires_grad = [p.requires_grad for p in params]
    grads = [p.grad for p in params]
    hooks = [{name: tuple(d) for name in _HOOK_DICTS if (d := m.__dict__.get(name))} for m in modules]
    try:
        if eval_mode:
            for m, flag in zip(modules, training, strict=True):
                if flag:
                    m.training = False
        for p, flag in zip(params, requires_grad, strict=True):
            if flag:
                p.requires_grad_(False)
        yield model
    finally:
        for m, flag in zip(modules, training, strict=True):
            if m.training != flag:
                m.training = flag
        for p, flag, grad in zip(params, requires_grad, grads, strict=True):
            if p.requires_grad != flag:
                p.requires_grad_(flag)
            if p.grad is not grad:
                p.grad = grad
        for m, saved in zip(modules, hooks, strict=True):
            for name in _HOOK_DICTS:
                current = m.__dict__.get(name)
                before = saved.get(name, ())
                if current and len(current) != len(before):
                    for key in [k for k in current if k not in before]:
                        del current[key]


def model_device(model: nn.Module) -> torch.device | None:
    """The device of the model's first parameter or buffer, or None for a stateless model."""
    for tensor in model.parameters():
        return tensor.device
    for buffer in model.buffers():
        return buffer.device
    return None
