"""LRP as a modified backward pass: hooks that make autograd carry relevance instead of gradients.

While :class:`RelevancePass` is active, every forward of the model is watched, and each layer's
output is replaced by an equal tensor whose backward applies the layer's rule from the composite
(:mod:`.composites`, :mod:`.rules`):

- a Linear/Conv layer: its rule (the special first-layer rule for the first one it matches; its
  gradient when no entry matches), with a BatchNorm right after it folded in (:mod:`.canonizers`);
- any other layer with a rule: Norm/Epsilon through its own forward, an elementwise rule (Pass,
  guided backprop's or DeconvNet's ReLU) on its output; without one it keeps its gradient;
- residual additions, functional pooling and ``F.relu`` in the forward are canonized
  (:mod:`.canonizers`);
- under a strict composite, a layer nothing covers raises :class:`UnsupportedLayerError` naming
  it, before it runs.

The model itself is never modified: no weight is written, hooks are removed on exit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from ....core.errors import ParameterError, UnsupportedLayerError
from .canonizers import BatchNorm, FunctionalCanonizer, batchnorm_affine, check_functional_rules, fold_batchnorm
from .composites import AVG_POOLING, BATCHNORMS, MAX_POOLING, Composite
from .relevance_functions import ElementwiseRelevance, LayerRelevance, ScaleRelevance
from .rules import LINEAR_LAYERS, ElementwiseRule, Epsilon, Gradient, LinearLayer, LinearOp, LinearRule, Rule, stabilize

# Layers whose gradient already hands relevance on (a ReLU's dead units carry none), or that have
# an LRP treatment of their own: supported under a strict composite without an entry of their own.
PASS_THROUGH = (nn.ReLU, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Flatten, nn.Unflatten, nn.Identity)
SUPPORTED = (*LINEAR_LAYERS, *BATCHNORMS, *AVG_POOLING, *MAX_POOLING, *PASS_THROUGH)
_GRADIENT = Gradient()


@dataclass
class _Call:
    """One call of a Linear/Conv layer during the forward: what its backward needs."""

    module: LinearLayer
    rule: LinearRule
    ops: dict[tuple[nn.Module, nn.Module | None], LinearOp]
    batchnorm: BatchNorm | None = None  # set when a BatchNorm folds into this call

    def propagate(self, a: torch.Tensor, out: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        key = (self.module, self.batchnorm)
        op = self.ops.get(key)
        if op is None:  # one op per layer for the whole call: derived weights are computed once
            fold = batchnorm_affine(self.batchnorm) if self.batchnorm is not None else None
            op = self.ops[key] = LinearOp(self.module, fold)
        if op.fold is not None:  # the folded layer's output: the BatchNorm's
            scale, shift = op.fold
            shape = (1, -1) + (1,) * (out.ndim - 2)
            out = torch.addcmul(shift.view(shape), out, scale.view(shape))
        return self.rule.linear(op, a, out, relevance)


@dataclass
class _ForwardState:
    in_forward: bool = False
    leaf_depth: int = 0  # > 0 while a leaf layer runs (its hooks handle it)
    seen_first: bool = False
    outputs: dict[int, tuple[torch.Tensor, _Call]] = field(default_factory=dict)
    inputs: dict[nn.Module, list[torch.Tensor]] = field(default_factory=dict)  # of in-place layers, per call


class RelevancePass:
    """Context manager: while active, backward passes through ``model`` propagate relevance by the
    rules of ``composite`` (``what`` names the method in error messages).

    The relevance starts as the gradient given at the output.
    """

    def __init__(self, model: nn.Module, composite: Composite, what: str = "lrp") -> None:
        self.model = model
        self.composite = composite
        self.what = what
        self.state = _ForwardState()
        self.names = {m: name for name, m in model.named_modules()}
        # Leaf layers and rules, found once: the checks run on every call of every module.
        self.leaves = {m for m in model.modules() if not any(True for _ in m.children())}
        self.rules = {m: composite.rule_for(name, type(m)) for m, name in self.names.items()}
        self.ops: dict[tuple[nn.Module, nn.Module | None], LinearOp] = {}
        for module, rule in self.rules.items():
            self._check_rule(module, rule)
        check_functional_rules(self._rule_of_kind, what)

    def _rule_of_kind(self, kind: type) -> Rule | None:
        return self.composite.rule_for(None, kind)

    def _check_rule(self, module: nn.Module, rule: Rule | None) -> None:
        if rule is None or isinstance(rule, (Gradient, Epsilon)):
            return  # Norm/Epsilon work through any layer's forward
        fits = isinstance(module, LINEAR_LAYERS) == isinstance(rule, LinearRule)
        if not fits:
            kind = "Linear/Conv layers only" if isinstance(rule, LinearRule) else "elementwise layers only"
            name = self.names[module] or "the model"
            raise ParameterError(
                f"{self.what}: the composite gives {rule!r} to {name!r} ({type(module).__name__}), but that "
                f"rule applies to {kind}"
            )

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        handles = []
        try:
            handles.append(self.model.register_forward_pre_hook(self._start))
            for module in self.model.modules():
                handles.append(module.register_forward_pre_hook(self._check))
                rule = self.rules[module]
                if isinstance(rule, ElementwiseRule) and getattr(module, "inplace", False):
                    handles.append(module.register_forward_pre_hook(self._keep_input))
                if module in self.leaves:
                    handles.append(module.register_forward_hook(self._leave_leaf))
                hook = self._hook_for(module, rule)
                if hook is not None:
                    handles.append(module.register_forward_hook(hook))
            handles.append(self.model.register_forward_hook(self._stop))
            state = self.state
            with FunctionalCanonizer(lambda: state.in_forward and not state.leaf_depth, self._rule_of_kind):
                yield
        finally:
            for handle in handles:
                handle.remove()
            self.state.outputs.clear()
            self.state.inputs.clear()
            self.ops.clear()

    # ---- hooks -------------------------------------------------------------------------------
    def _start(self, _module, _inputs) -> None:
        self.state.in_forward, self.state.seen_first, self.state.leaf_depth = True, False, 0
        self.state.outputs.clear()

    def _stop(self, _module, _inputs, _output) -> None:
        self.state.in_forward = False

    def _leave_leaf(self, _module, _inputs, _output) -> None:
        self.state.leaf_depth -= 1

    def _check(self, module: nn.Module, _inputs) -> None:
        leaf = module in self.leaves
        if leaf:
            self.state.leaf_depth += 1
        if not self.composite.strict:
            return
        name = self.names.get(module, "?") or "the model"
        if leaf and not isinstance(module, SUPPORTED) and self.rules[module] is None:
            raise UnsupportedLayerError(
                f"{self.what}: layer {name!r} ({type(module).__name__}) has no LRP rule; supported layers "
                "are Linear, Conv1d/2d/3d, BatchNorm, average/max/adaptive pooling, ReLU, Dropout, Flatten, "
                "Unflatten, Identity and those a composite gives a rule: use a gradient or perturbation "
                "method for this model"
            )
        if not leaf and module._parameters and any(p is not None for p in module._parameters.values()):
            raise UnsupportedLayerError(
                f"{self.what}: module {name!r} ({type(module).__name__}) uses parameters of its own outside "
                "any supported layer, which LRP cannot propagate through; use a gradient or "
                "perturbation method for this model"
            )
        if isinstance(module, BATCHNORMS) and (module.training or module.running_mean is None):
            raise UnsupportedLayerError(
                f"{self.what}: BatchNorm {name!r} normalises with batch statistics (training mode or no "
                "running statistics); LRP needs the fixed eval-mode transform: bind the model with "
                "eval_mode=True"
            )

    def _hook_for(self, module: nn.Module, rule: Rule | None) -> Callable | None:
        if isinstance(module, LINEAR_LAYERS):
            return self._linear_hook
        if isinstance(module, BATCHNORMS):
            return self._batchnorm_hook
        return self._rule_hook if rule is not None and not isinstance(rule, Gradient) else None

    def _linear_hook(self, module: LinearLayer, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled():
            return None
        state = self.state
        rule = None
        if not state.seen_first:
            rule = self.composite.first_rule(self.names.get(module), type(module))
            state.seen_first = rule is not None
        rule = rule or self.rules[module] or _GRADIENT
        assert isinstance(rule, LinearRule)
        call = _Call(module, rule, self.ops)
        result = LayerRelevance.apply(inputs[0], out.detach(), call.propagate)
        state.outputs[id(result)] = (result, call)
        return result

    def _batchnorm_hook(self, module: BatchNorm, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled():
            return None
        produced = self.state.outputs.get(id(inputs[0]))
        call = produced[1] if produced is not None and produced[0] is inputs[0] else None
        if module.training or module.running_mean is None:
            call = None  # batch statistics (a composite that is not strict): nothing fixed to fold
        folded = fold_batchnorm(call, module, inputs[0], out)
        if folded is not None:
            return folded
        rule = self.rules[module]
        return self._rule_hook(module, inputs, out) if rule is not None and not isinstance(rule, Gradient) else None

    def _keep_input(self, module: nn.Module, inputs: tuple) -> tuple:
        # An in-place layer overwrites its input, whose graph the rule's backward must reach: keep
        # it, and let the layer work on a detached alias (the same memory, as without the hooks).
        self.state.inputs.setdefault(module, []).append(inputs[0])
        return (inputs[0].detach(), *inputs[1:])

    def _rule_hook(self, module: nn.Module, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        kept = self.state.inputs.get(module)
        a = kept.pop() if kept else inputs[0]
        if not torch.is_grad_enabled() or not isinstance(out, torch.Tensor):
            return None
        rule = self.rules[module]
        if isinstance(rule, ElementwiseRule):
            if a.shape != out.shape:
                name = self.names.get(module) or "the model"
                raise UnsupportedLayerError(
                    f"{self.what}: {rule!r} needs a layer whose output has its input's shape; {name!r} "
                    f"({type(module).__name__}) maps {tuple(a.shape)} to {tuple(out.shape)}"
                )
            out = out.detach()
            return ElementwiseRelevance.apply(a, out, rule.backward(out))
        assert isinstance(rule, Epsilon)
        epsilon = rule.epsilon
        if isinstance(module, MAX_POOLING):
            # Each output's input is its window's maximum a = z, so the ε-rule's a·R/(z + ε) is the
            # max-pool's own gradient of R·z/(z + ε): no second pass over the layer needed.
            with torch.no_grad():
                factor = out / stabilize(out, epsilon)
            return ScaleRelevance.apply(out, factor)

        def propagate(a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
            # ``forward``, not ``__call__``: the layer's hooks (ours included) must not run again.
            return rule.through(module.forward, a, z, relevance)

        return LayerRelevance.apply(a, out.detach(), propagate)
