"""LRP as a modified backward pass: hooks that make autograd carry relevance instead of gradients.

While :class:`RelevancePass` is active, every forward of the model is watched:

- a Linear/Conv layer's output is replaced by an equal tensor whose backward applies the layer's
  rule from the composite (:mod:`.composites`, :mod:`.rules`) to the relevance arriving from above;
- BatchNorm after such a layer, residual additions and functional pooling are canonized
  (:mod:`.canonizers`); any other BatchNorm, and every pooling layer, gets the ε-rule through its
  own forward;
- ReLU, Dropout, Flatten, Unflatten and Identity need nothing: their gradient already passes
  relevance on unchanged (a ReLU's dead units carry none);
- any other layer raises :class:`UnsupportedLayerError` naming it, before it runs.

The model itself is never modified: no weight is written, hooks are removed on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from ....core.errors import UnsupportedLayerError
from .canonizers import BATCHNORMS, BatchNorm, FunctionalCanonizer, fold_batchnorm, folded_layer
from .composites import Composite
from .relevance_functions import LayerRelevance, ScaleRelevance
from .rules import LINEAR_LAYERS, LinearLayer, Rule, epsilon_through, stabilize

MAX_POOLING = (
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.MaxPool3d,
    nn.AdaptiveMaxPool1d,
    nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d,
)
POOLING = (
    nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
)  # fmt: skip
PASS_THROUGH = (nn.ReLU, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Flatten, nn.Unflatten, nn.Identity)
SUPPORTED = (*LINEAR_LAYERS, *BATCHNORMS, *POOLING, *PASS_THROUGH)


@dataclass
class _Call:
    """One call of a Linear/Conv layer during the forward: what its backward needs."""

    module: LinearLayer
    rule: Rule
    batchnorm: BatchNorm | None = None  # set when a BatchNorm folds into this call

    def propagate(self, a: torch.Tensor, out: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        op, out = folded_layer(self.module, self.batchnorm, out)
        return self.rule(op, a, out, relevance)


@dataclass
class _ForwardState:
    composite: Composite
    names: dict[nn.Module, str]
    in_forward: bool = False
    leaf_depth: int = 0  # > 0 while a leaf layer runs (its hooks handle it)
    seen_first: bool = False
    outputs: dict[int, tuple[torch.Tensor, _Call]] = field(default_factory=dict)


class RelevancePass:
    """Context manager: while active, backward passes through ``model`` propagate LRP relevance.

    The relevance starts as the gradient given at the output: back-propagating 1 at the target
    yields relevances for a starting relevance of 1, which scale linearly to any other.
    """

    def __init__(self, model: nn.Module, composite: Composite) -> None:
        self.model = model
        self.state = _ForwardState(composite, {m: name for name, m in model.named_modules()})
        # Leaf layers, found once: the checks run on every call of every module.
        self.leaves = {m for m in model.modules() if not any(True for _ in m.children())}

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        handles = []
        try:
            handles.append(self.model.register_forward_pre_hook(self._start))
            for module in self.model.modules():
                handles.append(module.register_forward_pre_hook(self._check))
                if module in self.leaves:
                    handles.append(module.register_forward_hook(self._leave_leaf))
                hook = self._hook_for(module)
                if hook is not None:
                    handles.append(module.register_forward_hook(hook))
            # After the layer hooks: a model that is one Linear must have produced its output first.
            handles.append(self.model.register_forward_hook(self._stop))
            state = self.state
            with FunctionalCanonizer(lambda: state.in_forward and not state.leaf_depth, state.composite.pool_epsilon):
                yield
        finally:
            for handle in handles:
                handle.remove()
            self.state.outputs.clear()

    # ---- hooks -------------------------------------------------------------------------------
    def _start(self, _module, _inputs) -> None:
        self.state.in_forward, self.state.seen_first, self.state.leaf_depth = True, False, 0
        self.state.outputs.clear()

    def _stop(self, _module, _inputs, output) -> None:
        self.state.in_forward = False
        produced = self.state.outputs.get(id(output))
        if self.state.composite.output is not None and produced is not None and produced[0] is output:
            produced[1].rule = self.state.composite.output

    def _leave_leaf(self, _module, _inputs, _output) -> None:
        self.state.leaf_depth -= 1

    def _check(self, module: nn.Module, _inputs) -> None:
        leaf = module in self.leaves
        name = self.state.names.get(module, "?") or "the model"
        if leaf:
            self.state.leaf_depth += 1
        if leaf and not isinstance(module, SUPPORTED):
            raise UnsupportedLayerError(
                f"lrp: layer {name!r} ({type(module).__name__}) has no LRP rule; supported layers are "
                "Linear, Conv1d/2d/3d, BatchNorm, average/max/adaptive pooling, ReLU, Dropout, Flatten, "
                "Unflatten and Identity: use a gradient or perturbation method for this model"
            )
        if not leaf and module._parameters and any(p is not None for p in module._parameters.values()):
            raise UnsupportedLayerError(
                f"lrp: module {name!r} ({type(module).__name__}) uses parameters of its own outside "
                "any supported layer, which LRP cannot propagate through; use a gradient or "
                "perturbation method for this model"
            )
        if isinstance(module, BATCHNORMS) and (module.training or module.running_mean is None):
            raise UnsupportedLayerError(
                f"lrp: BatchNorm {name!r} normalises with batch statistics (training mode or no running "
                "statistics); LRP needs the fixed eval-mode transform: bind the model with eval_mode=True"
            )

    def _hook_for(self, module: nn.Module) -> Callable | None:
        if isinstance(module, LINEAR_LAYERS):
            return self._linear_hook
        if isinstance(module, BATCHNORMS):
            return self._batchnorm_hook
        if isinstance(module, POOLING):
            return self._pooling_hook
        return None

    def _linear_hook(self, module: LinearLayer, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled():
            return None
        state = self.state
        composite = state.composite
        rule = composite.conv if not isinstance(module, nn.Linear) else composite.dense
        if not state.seen_first:
            state.seen_first = True
            rule = composite.first or rule
        call = _Call(module, rule)
        result = LayerRelevance.apply(inputs[0], out.detach(), call.propagate)
        state.outputs[id(result)] = (result, call)
        return result

    def _batchnorm_hook(self, module: BatchNorm, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled():
            return None
        produced = self.state.outputs.get(id(inputs[0]))
        call = produced[1] if produced is not None and produced[0] is inputs[0] else None
        folded = fold_batchnorm(call, module, inputs[0], out)
        return folded if folded is not None else self._pooling_hook(module, inputs, out)

    def _pooling_hook(self, module: nn.Module, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled() or not isinstance(out, torch.Tensor):
            return None
        epsilon = self.state.composite.pool_epsilon
        if isinstance(module, MAX_POOLING):
            # Each output's input is its window's maximum a = z, so the ε-rule's a·R/(z + ε) is the
            # max-pool's own gradient of R·z/(z + ε): no second pass over the layer needed.
            with torch.no_grad():
                factor = out / stabilize(out, epsilon)
            return ScaleRelevance.apply(out, factor)

        def propagate(a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
            # ``forward``, not ``__call__``: the layer's hooks (ours included) must not run again.
            return epsilon_through(module.forward, epsilon, a, z, relevance)

        return LayerRelevance.apply(inputs[0], out.detach(), propagate)
