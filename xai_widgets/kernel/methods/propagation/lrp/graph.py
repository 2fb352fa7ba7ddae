"""LRP as a modified backward pass: hooks that make autograd carry relevance instead of gradients.

While :class:`RelevancePass` is active, every forward of the model is watched:

- a Linear/Conv layer's output is replaced by an equal tensor whose backward applies the layer's
  LRP rule (:mod:`.lrp_rules`) to the relevance arriving from above;
- an eval-mode BatchNorm right after such a layer is folded into it (its scale and shift join the
  layer's weight and bias) and passes relevance through unchanged; any other BatchNorm, and every
  pooling layer, gets the ε-rule through its own forward;
- ReLU, Dropout, Flatten, Unflatten and Identity need nothing: their gradient already passes
  relevance on unchanged (a ReLU's dead units carry none);
- in the model's own ``forward`` code, watched through a torch function mode: an addition of two
  tensors that both depend on the input (a residual ``out + x`` or ``out += x``) splits relevance
  in proportion to the summands; a ``mean``/``sum`` or a functional pooling (``F.avg_pool2d``,
  ``F.adaptive_avg_pool2d``, ``F.max_pool2d``...) gets the ε-rule like a pooling layer;
- any other layer raises :class:`UnsupportedLayerError` naming it, before it runs.

The model itself is never modified: no weight is written, hooks are removed on exit.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ....core.errors import UnsupportedLayerError
from .rules import LINEAR_LAYERS, LinearOp, Rule, epsilon_through, split_sum, stabilize

BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
MAX_POOLING = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)
POOLING = (
    nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
    nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
)  # fmt: skip
PASS_THROUGH = (nn.ReLU, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Flatten, nn.Unflatten, nn.Identity)
SUPPORTED = (*LINEAR_LAYERS, *BATCHNORMS, *POOLING, *PASS_THROUGH)


@dataclass(frozen=True)
class Composite:
    """Which rule each layer gets: ``conv`` for ConvNd, ``dense`` for Linear, ``first`` (if set)
    for the first Linear/Conv the input meets, ``output`` (if set) for the layer whose output is
    the model's; ``pool_epsilon`` is the ε of the layers without weights (pooling, lone BatchNorm)."""

    conv: Rule
    dense: Rule
    first: Rule | None = None
    output: Rule | None = None
    pool_epsilon: float = 1e-9


@dataclass
class _Call:
    """One call of a Linear/Conv layer during the forward: what its backward needs."""

    module: nn.Module
    rule: Rule
    batchnorm: nn.Module | None = None  # set when a BatchNorm folds into this call

    def propagate(self, a: torch.Tensor, out: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
        scale = shift = None
        if self.batchnorm is not None:
            scale, shift = _batchnorm_affine(self.batchnorm)
            shape = (1, -1) + (1,) * (out.ndim - 2)
            out = out * scale.view(shape) + shift.view(shape)
        return self.rule(LinearOp(self.module, scale, shift), a, out, relevance)


class _LayerRelevance(torch.autograd.Function):
    """Identity on the layer's output in the forward; the layer's LRP rule in the backward."""

    @staticmethod
    def forward(ctx, a: torch.Tensor, out: torch.Tensor, propagate: Callable) -> torch.Tensor:
        ctx.propagate = propagate
        ctx.save_for_backward(a, out)
        return out.clone()

    @staticmethod
    def backward(ctx, relevance: torch.Tensor):
        a, out = ctx.saved_tensors
        return ctx.propagate(a, out, relevance), None, None


class _PassThrough(torch.autograd.Function):
    """The value of ``out``, with the relevance of ``out`` handed to ``a`` unchanged (folded BatchNorm)."""

    @staticmethod
    def forward(ctx, a: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        return out.clone()

    @staticmethod
    def backward(ctx, relevance: torch.Tensor):
        return relevance, None


class _ScaleRelevance(torch.autograd.Function):
    """Identity in the forward; the relevance arriving at the output is multiplied by ``factor``."""

    @staticmethod
    def forward(ctx, out: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
        ctx.factor = factor
        return out.clone()

    @staticmethod
    def backward(ctx, relevance: torch.Tensor):
        return relevance * ctx.factor, None


class _SplitSum(torch.autograd.Function):
    """``a + b`` whose backward splits relevance by the z-rule instead of copying it to both."""

    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        # Copies: the model may change either summand in place afterwards (``out += x``; relu_).
        ctx.summands = (a.detach().clone(), b.detach().clone())
        return a + b

    @staticmethod
    def backward(ctx, relevance: torch.Tensor):
        a, b = ctx.summands
        return split_sum(a, b, relevance)


_POOLING_FUNCTIONS = {
    f"{kind}_pool{n}d" for kind in ("avg", "max", "adaptive_avg", "adaptive_max") for n in (1, 2, 3)
} | {"mean", "sum"}
_ADDITIONS = {"add", "add_", "__add__", "__radd__", "__iadd__"}


class _FunctionalRules(TorchFunctionMode):
    """Gives additions, reductions and functional pooling in a forward their LRP treatment.

    Only calls made by the model's own code count: ``watching()`` is false outside forwards and
    inside leaf layers (whose hooks already handle them).
    """

    def __init__(self, watching: Callable[[], bool], pool_epsilon: float) -> None:
        super().__init__()
        self.watching = watching
        self.pool_epsilon = pool_epsilon

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        watched = name in _ADDITIONS or name in _POOLING_FUNCTIONS
        if not watched or not args or not _needs_relevance(args[0]) or not self.watching():
            return func(*args, **kwargs)
        if name in _ADDITIONS:
            if kwargs or len(args) != 2 or not _needs_relevance(args[1]):
                return func(*args, **kwargs)  # adds a constant (or scaled by alpha): no split
            result = _SplitSum.apply(*args)
            return args[0].copy_(result) if name in ("add_", "__iadd__") else result
        out = func(*args, **kwargs)
        if not isinstance(out, torch.Tensor):
            return out  # e.g. (values, indices)

        def forward(a: torch.Tensor) -> torch.Tensor:
            return func(a, *args[1:], **kwargs)

        def propagate(a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
            return epsilon_through(forward, self.pool_epsilon, a, z, relevance)

        return _LayerRelevance.apply(args[0], out.detach(), propagate)


def _needs_relevance(value) -> bool:
    return isinstance(value, torch.Tensor) and value.requires_grad


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
            with _FunctionalRules(lambda: state.in_forward and not state.leaf_depth, state.composite.pool_epsilon):
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

    def _linear_hook(self, module: nn.Module, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled():
            return None
        state = self.state
        composite = state.composite
        rule = composite.conv if not isinstance(module, nn.Linear) else composite.dense
        if not state.seen_first:
            state.seen_first = True
            rule = composite.first or rule
        call = _Call(module, rule)
        result = _LayerRelevance.apply(inputs[0], out.detach(), call.propagate)
        state.outputs[id(result)] = (result, call)
        return result

    def _batchnorm_hook(self, module: nn.Module, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled():
            return None
        produced = self.state.outputs.get(id(inputs[0]))
        if produced is not None and produced[0] is inputs[0] and produced[1].batchnorm is None:
            produced[1].batchnorm = module
            return _PassThrough.apply(inputs[0], out.detach())
        return self._pooling_hook(module, inputs, out)

    def _pooling_hook(self, module: nn.Module, inputs: tuple, out: torch.Tensor) -> torch.Tensor | None:
        if not torch.is_grad_enabled() or not isinstance(out, torch.Tensor):
            return None
        epsilon = self.state.composite.pool_epsilon
        if isinstance(module, MAX_POOLING):
            # Each output's input is its window's maximum a = z, so the ε-rule's a·R/(z + ε) is the
            # max-pool's own gradient of R·z/(z + ε): no second pass over the layer needed.
            with torch.no_grad():
                factor = out / stabilize(out, epsilon)
            return _ScaleRelevance.apply(out, factor)

        def propagate(a: torch.Tensor, z: torch.Tensor, relevance: torch.Tensor) -> torch.Tensor:
            # ``forward``, not ``__call__``: the layer's hooks (ours included) must not run again.
            return epsilon_through(module.forward, epsilon, a, z, relevance)

        return _LayerRelevance.apply(inputs[0], out.detach(), propagate)


def _batchnorm_affine(bn: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel (scale, shift) of an eval-mode BatchNorm: bn(y) = scale * y + shift."""
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight.detach()
    shift = -bn.running_mean * scale
    if bn.bias is not None:
        shift = shift + bn.bias.detach()
    return scale, shift

