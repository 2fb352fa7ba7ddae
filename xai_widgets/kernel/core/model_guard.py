"""Leave the user's model exactly as it was: mode, requires_grad, hooks and .grad."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

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
    "_state_dict_pre_hooks",
    "_load_state_dict_pre_hooks",
    "_load_state_dict_post_hooks",
)


def walk_modules(model: nn.Module) -> list[nn.Module]:
    """``list(model.modules())``, the same modules in the same order (depth first, a shared one
    once), read straight from ``_modules`` without the dotted names ``named_modules`` builds:
    walking a small model costs a few microseconds."""
    found: list[nn.Module] = []
    seen: set[int] = set()
    stack = [model]
    while stack:
        module = stack.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        found.append(module)
        children = module._modules
        if children:  # most modules are leaves: no list to build
            stack.extend([child for child in reversed(children.values()) if child is not None])
    return found


def _parameters(modules: list[nn.Module]) -> list[nn.Parameter]:
    """The parameters of ``modules``, each once (a tied weight is one parameter)."""
    found: list[nn.Parameter] = []
    seen: set[int] = set()
    for module in modules:
        for param in module._parameters.values():
            if param is not None and id(param) not in seen:
                seen.add(id(param))
                found.append(param)
    return found


class preserved:  # noqa: N801 (used as a function: ``with preserved(model):``)
    """Run a block on ``model`` in eval mode with frozen parameters, then restore everything.

    ``with preserved(model, eval_mode=True, freeze=True) as model: ...``. Parameters are frozen
    (``requires_grad=False``) inside so that backward passes compute input gradients only
    (``freeze=False`` leaves them alone, for blocks that only run the model under
    ``torch.no_grad``); they, the train/eval flags, ``.grad`` and any hook registered inside are
    put back on exit, also when the block raises. ``modules`` is the walk of the model (as
    ``model.modules()``), for a caller that needs it too.

    Cheap, because MC dropout on a small MLP is a pass of tens of microseconds that the guard
    must not double: the model is walked once through ``_modules`` and ``_parameters``, only
    what differs is written back, and hooks are found by id: torch numbers every hook from one
    growing counter, so if it has not moved no hook was added, and otherwise the ones added
    are those numbered from where it stood.
    """

    __slots__ = (
        "model",
        "modules",
        "_eval_mode",
        "_freeze",
        "_training",
        "_params",
        "_flags",
        "_grads",
        "_first_hook_id",
    )

    def __init__(self, model: nn.Module, eval_mode: bool = True, freeze: bool = True) -> None:
        self.model = model
        self._eval_mode = eval_mode
        self._freeze = freeze
        self.modules: list[nn.Module] = []

    def __enter__(self) -> nn.Module:
        self.modules = modules = walk_modules(self.model)
        self._training = training = [m.training for m in modules]
        self._params = params = _parameters(modules)
        self._flags = flags = [p.requires_grad for p in params]
        self._grads = [p.grad for p in params]
        # Every hook on every module gets the next id of one counter (RemovableHandle.next_id).
        self._first_hook_id = RemovableHandle.next_id
        if self._eval_mode:
            for m, flag in zip(modules, training, strict=True):
                if flag:
                    m.training = False
        if self._freeze:
            for p, flag in zip(params, flags, strict=True):
                if flag:
                    p.requires_grad_(False)
        return self.model

    def __exit__(self, *_exc: object) -> None:
        for m, flag in zip(self.modules, self._training, strict=True):
            if m.training != flag:
                m.training = flag
        for p, flag, grad in zip(self._params, self._flags, self._grads, strict=True):
            if p.requires_grad != flag:
                p.requires_grad_(flag)
            if p.grad is not grad:
                p.grad = grad
        if RemovableHandle.next_id != self._first_hook_id:
            for m in self.modules:
                _drop_hooks_from(m, self._first_hook_id)


def _drop_hooks_from(module: nn.Module, first_id: int) -> None:
    """Remove the hooks on ``module`` numbered ``first_id`` or later (registered inside the guard)."""
    for current in map(module.__dict__.get, _HOOK_DICTS):
        if current:
            for key in [k for k in current if isinstance(k, int) and k >= first_id]:
                del current[key]


def model_device(model: nn.Module) -> torch.device | None:
    """The device of the model's first parameter or buffer, or None for a stateless model."""
    for tensor in model.parameters():
        return tensor.device
    for buffer in model.buffers():
        return buffer.device
    return None
