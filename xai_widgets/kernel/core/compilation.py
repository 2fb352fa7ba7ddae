"""What the runner calls for a forward pass: the model itself, or the model through ``torch.compile``.

Compiling pays only when the same input shapes come back many times (an explorer recomputing on
clicks): the first call of each shape compiles (tens of seconds on a CPU), later ones run the
compiled code. The compiled path steps aside, running the model eagerly, wherever it could give a
different result or recompile on every call: while a method's hooks are on the model (LRP,
DeepLIFT, guided backprop, CAM layer hooks, the runner's shape probe), under a
``TorchFunctionMode`` (LRP's functional rules), and for input shapes beyond ``max_shapes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_globals
from torch.utils.hooks import RemovableHandle

from .errors import CompilationError, ExplainerError
from .model_guard import walk_modules

# The hooks that change what a forward computes or what its backward sees.
_MODULE_HOOKS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_backward_hooks",
    "_backward_pre_hooks",
)
_GLOBAL_HOOKS = (
    "_global_forward_hooks",
    "_global_forward_pre_hooks",
    "_global_backward_hooks",
    "_global_backward_pre_hooks",
)
# The graphs one forward may need per input shape: with and without autograd, frozen or not.
_GRAPHS_PER_SHAPE = 4

Model = Callable[[torch.Tensor], Any]


def forward_callable(model: nn.Module, compile: bool | str = False, max_shapes: int = 8) -> Model:
    """What to call for the model's forward: ``model`` itself, or a :class:`CompiledForward` of it.

    ``compile``: ``False`` (eager), ``True`` (the default backend, "inductor"), or the name of a
    ``torch.compile`` backend ("inductor", "aot_eager", ...).
    """
    if compile is False:
        return model
    if compile is True:
        return CompiledForward(model, max_shapes=max_shapes)
    if isinstance(compile, str):
        return CompiledForward(model, backend=compile, max_shapes=max_shapes)
    raise ExplainerError(f"compile must be True, False or a torch.compile backend name, got {compile!r}")


class CompiledForward:
    """``model(x)`` through ``torch.compile`` for up to ``max_shapes`` input shapes, eager otherwise.

    The compiled module wraps ``model`` itself (no copy): it reads the same parameters and
    buffers, so in-place changes to them are seen, and nothing is written to the model. Calls run
    eagerly while a hook registered after this wrapper was made is on the model, a global module
    hook is set or a ``TorchFunctionMode`` is active: methods that hook layers get exactly their
    eager results and cause no recompilation. Hooks the model already had are compiled in. A new
    input shape (with strides, dtype, device, autograd state and mode) is compiled on its first
    call, up to ``max_shapes`` of them; further shapes run eagerly, so chunks of changing sizes
    do not recompile without end.

    A compile that fails raises :class:`CompilationError` when the eager model succeeds on the
    same input (the model's own errors on a bad input are raised as they are, uncompiled).
    """

    def __init__(self, model: nn.Module, backend: str | Callable = "inductor", max_shapes: int = 8) -> None:
        if not isinstance(model, nn.Module):
            raise ExplainerError(f"compile needs a torch.nn.Module, got {type(model).__name__}")
        if max_shapes < 0:
            raise ExplainerError(f"max_shapes must be 0 or more, got {max_shapes}")
        self.model = model
        self.backend = backend
        self.max_shapes = max_shapes
        # dynamic=False: one specialised graph per shape. Explorers repeat shapes; a dynamic
        # graph would be slower per call, and our own cap bounds the number of graphs instead.
        self._compiled = torch.compile(model, backend=backend, dynamic=False)
        self._compiled_keys: set[tuple] = set()
        self._own_hooks = _hook_keys(model)
        self._clean_at: int | None = None  # RemovableHandle.next_id when no foreign hook was seen
        # torch's own limit of graphs per function (8) must not cut in before our cap does: past
        # it, torch runs the function eagerly from then on, for every model.
        limit = max(1, max_shapes) * _GRAPHS_PER_SHAPE
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, limit)

    def __call__(self, x: torch.Tensor) -> Any:
        if not self._compilable_now():
            return self.model(x)
        key = (tuple(x.shape), x.stride(), x.dtype, x.device, torch.is_grad_enabled(), self.model.training)
        if key not in self._compiled_keys:
            if len(self._compiled_keys) >= self.max_shapes:
                return self.model(x)
            self._compiled_keys.add(key)
        return self._run_compiled(x)

    @property
    def compiled_shapes(self) -> int:
        """How many input shapes (with strides, dtype, device, autograd state and mode) have been compiled."""
        return len(self._compiled_keys)

    def _run_compiled(self, x: torch.Tensor) -> Any:
        # A shape's first call compiles; so may a later one whose guards fail (a parameter's
        # requires_grad changed), so every call is covered.
        try:
            return self._compiled(x)
        except Exception as error:  # noqa: BLE001 (any compiler failure; the eager run decides below)
            failure = error
        # The model's own error on this input is the user's to see, as without compilation.
        self.model(x)
        first_line = (str(failure).strip().splitlines() or [""])[0]
        raise CompilationError(
            f"torch.compile (backend {self.backend!r}) failed on an input of shape {tuple(x.shape)} "
            f"that the model runs eagerly: {type(failure).__name__}: {first_line}; run without "
            "compile (compile=False), or try compile='aot_eager' (no C++ compiler needed)"
        ) from failure

    def _compilable_now(self) -> bool:
        """False while hooks added since the wrapper was made, global hooks or a function mode are active."""
        if torch._C._len_torch_function_stack() > 0:
            return False
        # Every hook takes the next number of one counter: if it has not moved since the model
        # was last seen clean, hooks can only have been removed, and it is still clean.
        counter = RemovableHandle.next_id
        if counter == self._clean_at:
            return True
        clean = not any(getattr(module_globals, name) for name in _GLOBAL_HOOKS) and _hook_keys(self.model).issubset(
            self._own_hooks
        )
        self._clean_at = counter if clean else None
        return clean


def _hook_keys(model: nn.Module) -> set[tuple[int, str, Any]]:
    """(module id, hook dict, hook id) of every hook on the model's modules."""
    return {
        (id(module), name, key)
        for module in walk_modules(model)
        for name in _MODULE_HOOKS
        for key in getattr(module, name, {})
    }
