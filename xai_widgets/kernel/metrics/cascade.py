"""The cascade of model parameter randomisation (Adebayo et al., 2018): one copy of the model, its
parameterised layers randomised in place one after the other from the output layer down, and the
maps of one or several methods at every step, all methods sharing the copy and its randomisation."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from ..core.errors import ExplainerError
from ..core.explainer import Explainer
from ..core.progress import Progress, stage
from ..core.validation import as_input_batch


def randomised_maps(
    explainer: Explainer,
    x: Any,
    methods: dict[str, dict[str, Any]],
    target: Any,
    seed: int,
    progress: Progress | None,
) -> tuple[list[str], dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """The randomised layers' names (output layer first) and, for each method (name -> its
    parameters), its maps at every step (len(layers) + 1, N, ...; step 0 the intact model) and its
    targets (``target``, or the class predicted by the intact model).

    Each layer is randomised by its ``reset_parameters`` from ``torch.manual_seed(seed)`` (the same
    seed for each layer, as Quantus 0.6's MPRT); the global random state is restored afterwards
    and the explainer's model is never changed (the cascade works on a deep copy).
    """
    x = as_input_batch(x, explainer.device)
    with explainer._lock:  # another thread's call may be half-way through the model (hooks, activations)
        model = _copy(explainer.model)
    layers = [(name, module) for name, module in model.named_modules() if hasattr(module, "reset_parameters")][::-1]
    if not layers:
        raise ExplainerError(
            "model_parameter_randomisation: the model has no layer with parameters to randomise "
            "(no module has reset_parameters)"
        )
    copied = Explainer(
        model,
        explainer.device,
        eval_mode=explainer.eval_mode,
        task=explainer.task,
        memory_budget=explainer._runner.memory_budget,
    )
    n_calls = (len(layers) + 1) * len(methods)
    maps: dict[str, list[torch.Tensor]] = {name: [] for name in methods}
    targets: dict[str, torch.Tensor] = {}
    calls = 0

    def attribute_all() -> None:
        nonlocal calls
        for name, params in methods.items():
            done = stage(progress, calls / n_calls, (calls + 1) / n_calls)
            result = copied.attribute(x, name, targets.get(name, target), progress=done, **params)
            targets.setdefault(name, result.target)
            maps[name].append(result.values)
            calls += 1

    attribute_all()
    devices = [explainer.device] if explainer.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        for _name, module in layers:
            _seed(seed, explainer.device)
            module.reset_parameters()
            attribute_all()
    return [name for name, _module in layers], {name: (torch.stack(maps[name]), targets[name]) for name in methods}


def _seed(seed: int, device: torch.device) -> None:
    """``torch.manual_seed(seed)`` for a model on ``device``: on the CPU only the CPU generator, which
    is all ``reset_parameters`` draws from there; ``torch.manual_seed`` also queues seeds for CUDA,
    XPU and MTIA, formatting a stack trace for each (about 1 ms a layer)."""
    if device.type == "cpu":
        torch.default_generator.manual_seed(seed)
    else:
        torch.manual_seed(seed)


def _copy(model: nn.Module) -> nn.Module:
    try:
        return copy.deepcopy(model)
    except Exception as error:  # deepcopy raises whatever the model's attributes raise
        raise ExplainerError(
            f"model_parameter_randomisation works on a copy of the model, and copy.deepcopy failed "
            f"({type(error).__name__}: {error}); make the model deep-copyable (e.g. drop open files or "
            "locks held as attributes)"
        ) from error
