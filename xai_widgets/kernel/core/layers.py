"""Finding a layer of the model by module or dotted name."""

from __future__ import annotations

from typing import Any

from torch import nn

from .errors import LayerNotFoundError

_CONV_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def resolve_layer(model: nn.Module, layer: Any) -> tuple[str, nn.Module]:
    """Return ``(name, module)`` for a module of ``model`` or its dotted name."""
    named = dict(model.named_modules())
    if isinstance(layer, nn.Module):
        for name, module in named.items():
            if module is layer:
                return name, module
        raise LayerNotFoundError(f"the layer {type(layer).__name__} given is not a submodule of the model")
    if isinstance(layer, str):
        if layer in named and layer != "":
            return layer, named[layer]
        near = [name for name in named if name and (layer in name or name.endswith(layer.split(".")[-1]))]
        layers = [name for name, module in named.items() if name and not next(module.children(), None)]
        hint = f"; did you mean {near[:5]}?" if near else f"; its layers are {layers[:12]}{' ...' * (len(layers) > 12)}"
        raise LayerNotFoundError(f"the model has no layer named {layer!r}{hint}")
    raise LayerNotFoundError(f"a layer is given as an nn.Module or its dotted name, got {layer!r}")


def last_conv_layer(model: nn.Module) -> tuple[str, nn.Module]:
    """The last convolution registered in the model, the usual Grad-CAM layer."""
    found = _last_of_type(model, _CONV_TYPES, "")
    if found is None:
        raise LayerNotFoundError(
            "the model has no Conv1d/Conv2d/Conv3d layer for Grad-CAM; pass layer='name' of a layer "
            "whose output has spatial dims"
        )
    return found


def _last_of_type(module: nn.Module, types: tuple[type, ...], name: str) -> tuple[str, nn.Module] | None:
    """The last module of ``types`` in ``named_modules`` order, searched from the end so that only
    the path to it gets a dotted name (``named_modules`` names every module: 20 us a Grad-CAM call
    on a ResNet). A module registered twice is named by its last path, not its first."""
    for key, child in reversed(module._modules.items()):
        if child is not None:
            found = _last_of_type(child, types, f"{name}.{key}" if name else key)
            if found is not None:
                return found
    return (name, module) if isinstance(module, types) else None


def conv_layer_names(model: nn.Module) -> list[str]:
    """Names of the layers Grad-CAM can use by default: the convolutions, in order."""
    return [name for name, module in model.named_modules() if isinstance(module, _CONV_TYPES)]
