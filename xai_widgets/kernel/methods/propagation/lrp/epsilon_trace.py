"""The ε composites as one plain backward: LRP-ε through a traced copy of the model's forward in
which every ε-layer scales the gradient at its output by z / (z + ε·sign z), one fused factor per
layer instead of a relevance step in Python (the layer-by-layer pass of :mod:`.graph` is the
reference; this path gives its numbers to rounding, and is used only where that is proven).

Why it is the same: write the relevance at a tensor t as R_t = t·g_t. The ε-rule of a layer that
is linear in its input, z = Wa + b, hands on R_a = a·Wᵀ(R_z / stab(z)) = a·Wᵀ(g_z · z / stab(z)):
the layer's own gradient, applied to g_z scaled by z / stab(z) = |z| / (|z| + ε). That holds for
Linear/Conv (with the BatchNorm right after folded in: the factor goes on the BatchNorm's output),
a lone eval-mode BatchNorm, average and max pooling (module or functional, means and sums) and a
residual sum a + b (linear in both summands). Between those layers only operations whose every
output entry is an input entry or zero may occur (ReLU, max pooling without a rule, reshapes,
indexing, concatenation, eval-mode dropout): they hand t·g_t on unchanged, exactly as the
layer-by-layer pass hands relevance on by their gradients. Seeded with 1 at the target output
(R = the output), the relevance at the input is x · ∂(target)/∂x of the traced forward.

Anything else (another rule, a Gradient-ruled layer that rescales, parameters used outside layers,
tensors made in ``forward``, hooks on the model itself, a forward torch.fx cannot trace) makes
:func:`traced_relevance` answer None, and the caller runs the layer-by-layer pass. The trace is
cached per model and rebuilt when its modules or their plain settings (``training``, flags a
forward may branch on) change; the model itself is only read.
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import fx, nn

from ....core.runner import ModelRunner, as_output_matrix
from ..pooling import max_pool2d
from .composites import AVG_POOLING, BATCHNORMS, MAX_POOLING, Composite, Sum
from .graph import RelevancePass
from .rules import LINEAR_LAYERS, Epsilon, Gradient, Norm, Pass, Rule

_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)
_RESHAPING_LAYERS = (nn.Flatten, nn.Unflatten, nn.Identity)

# Operations in ``forward`` that only select, copy or reshape entries (t·g_t passes unchanged).
_SELECTING_FUNCTIONS = {torch.flatten, torch.cat, torch.concat, torch.stack, torch.squeeze, torch.unsqueeze}
_SELECTING_FUNCTIONS |= {torch.reshape, torch.permute, torch.transpose, torch.split, torch.chunk, torch.unbind}
_SELECTING_FUNCTIONS |= {operator.getitem}
_SELECTING_METHODS = {"flatten", "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "permute"}
_SELECTING_METHODS |= {"transpose", "contiguous", "expand", "expand_as", "split", "chunk", "unbind", "t"}
# Operations whose result describes a tensor (its shape) rather than carrying its values.
_DESCRIBING_METHODS = {"size", "dim", "numel"}
_DESCRIBING_ATTRIBUTES = {"shape", "ndim", "dtype", "device"}
_RELU_FUNCTIONS = {F.relu, F.relu_, torch.relu, torch.relu_}
_RELU_METHODS = {"relu", "relu_"}
_ADD_FUNCTIONS = {operator.add, operator.iadd, torch.add}
_ADD_METHODS = {"add", "add_", "__add__", "__iadd__", "__radd__"}
# Functional pooling, means and sums: the layer type whose composite entry gives their rule (as
# the functional canonizer).
_POOLING_FUNCTIONS: dict[Callable, type] = {
    **{getattr(F, f"avg_pool{n}d"): getattr(nn, f"AvgPool{n}d") for n in (1, 2, 3)},
    **{getattr(F, f"adaptive_avg_pool{n}d"): getattr(nn, f"AdaptiveAvgPool{n}d") for n in (1, 2, 3)},
    **{getattr(F, f"max_pool{n}d"): getattr(nn, f"MaxPool{n}d") for n in (1, 2, 3)},
    **{getattr(F, f"adaptive_max_pool{n}d"): getattr(nn, f"AdaptiveMaxPool{n}d") for n in (1, 2, 3)},
    torch.mean: nn.AdaptiveAvgPool1d,
    torch.sum: nn.AdaptiveAvgPool1d,
}
_POOLING_METHODS = {"mean": nn.AdaptiveAvgPool1d, "sum": nn.AdaptiveAvgPool1d}

# Node kinds while planning: tensors carrying relevance, descriptions (shapes, sizes), tuples of tensors.
_TENSOR, _DESCRIPTION, _TENSORS = "tensor", "description", "tensors"
# Attribute types whose values are compared to decide whether a trace still holds.
_PLAIN_TYPES = (bool, int, float, str, type(None))
# Plans kept per traced model: one per composite in use.
_MAX_PLANS = 8


def factor_point(z: torch.Tensor, epsilon: float) -> torch.Tensor:
    """``z`` itself, with its gradient to be scaled by |z| / (|z| + ε) (= z / stab(z)) in the backward.

    The factor is taken now: an in-place operation after this (a ReLU) must not change it; a hook
    registered before an in-place change still receives the gradient of the value before it.
    """
    if isinstance(z, torch.Tensor) and z.requires_grad:
        magnitude = z.detach().abs()  # outside the graph: the factor is a constant of the backward
        z.register_hook(magnitude.div_(magnitude.add(epsilon)).mul)
    return z


@dataclass
class _Trace:
    """One model's traced forward, valid while the model holds the same modules."""

    modules_key: tuple
    graph: fx.Graph | None  # None: the forward could not be traced
    modules: dict[str, nn.Module]
    plans: dict[tuple, fx.GraphModule | None] = field(default_factory=dict)
    snapshot: _Snapshot | None = None

    def unchanged(self, model: nn.Module) -> bool:
        """Whether nothing at all in the model's modules changed since the key was checked."""
        return self.snapshot is not None and self.snapshot.matches(model)


class _Snapshot:
    """Every module's attributes and children as they were: if they are all still the same objects
    (or equal), :func:`_modules_key` is too, and it need not be built again (a few times cheaper).
    The model itself is not kept: the cache must not keep its key alive."""

    def __init__(self, model: nn.Module) -> None:
        self.forward = type(model).forward
        self.root = (dict(model.__dict__), dict(model._modules))
        self.others = [(m, dict(m.__dict__), dict(m._modules)) for m in model.modules() if m is not model]

    def matches(self, model: nn.Module) -> bool:
        try:
            # ``==`` on dicts takes identical values as equal without comparing them.
            return (
                type(model).forward is self.forward
                and model.__dict__ == self.root[0]
                and model._modules == self.root[1]
                and all(m.__dict__ == attributes and m._modules == children for m, attributes, children in self.others)
            )
        except Exception:  # an attribute whose ``==`` is not a truth value (a replaced tensor)
            return False


_TRACES: weakref.WeakKeyDictionary[nn.Module, _Trace] = weakref.WeakKeyDictionary()


def traced_relevance(
    runner: ModelRunner, x: torch.Tensor, target: torch.Tensor, composite: Composite
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """LRP relevances and delta as :func:`.method.relevance` gives them, or None where this path
    does not apply (then nothing has run)."""
    forward = _relevance_forward(runner.model, composite)
    if forward is None:
        return None
    values = torch.empty_like(x)
    delta = torch.empty(x.shape[0], dtype=x.dtype, device=x.device)
    failed = False

    def work(start: int, stop: int) -> None:
        nonlocal failed
        if failed:
            return
        part = x[start:stop].detach().requires_grad_(True)
        try:
            with torch.enable_grad():
                scores = as_output_matrix(forward(part), stop - start).gather(1, target[start:stop, None]).squeeze(1)
            grad = None
            if scores.requires_grad:
                (grad,) = torch.autograd.grad(scores, part, torch.ones_like(scores), allow_unused=True)
        except (RuntimeError, ValueError, TypeError, IndexError):
            grad = None  # the layer-by-layer pass runs the model and explains the error
        if grad is None:
            failed = True
            return
        relevance = grad.mul_(part.detach())
        values[start:stop] = relevance
        delta[start:stop] = relevance.flatten(1).sum(1) - scores.detach()

    runner.chunks(x.shape[0], x.shape[1:], backward=True, work=work)
    return None if failed else (values, delta)


def _relevance_forward(model: nn.Module, composite: Composite) -> fx.GraphModule | None:
    """The traced forward with the factor points of ``composite``, or None where it does not apply."""
    if composite.first is not None or _has_model_hooks(model):
        return None
    trace = _TRACES.get(model)
    if trace is None or not trace.unchanged(model):
        modules_key = _modules_key(model)
        if trace is None or trace.modules_key != modules_key:
            trace = _TRACES[model] = _Trace(modules_key, *_trace(model))
        trace.snapshot = _Snapshot(model)
    if trace.graph is None:
        return None
    # By value: a composite object may be changed between calls.
    plan_key = (composite.layer_map, composite.strict)
    if plan_key not in trace.plans:
        if len(trace.plans) >= _MAX_PLANS:
            trace.plans.clear()
        RelevancePass(model, composite)  # the same checks of the composite as the layer-by-layer pass
        points = _factor_points(trace.graph, trace.modules, composite)
        trace.plans[plan_key] = None if points is None else _with_factor_points(model, trace.graph, points)
    return trace.plans[plan_key]


def _modules_key(model: nn.Module) -> tuple:
    """What decides whether a trace still holds: the forward code and every module's settings."""
    return (type(model).forward, model.__dict__.get("forward"), *map(_settings, model.modules()))


def _settings(module: nn.Module) -> tuple:
    """What a traced forward may have baked in of a module: its identity and its plain public
    settings (``training``, flags a forward may branch on); a change means tracing again."""
    return (id(module), *((k, v) for k, v in module.__dict__.items() if k[0] != "_" and type(v) in _PLAIN_TYPES))


def _has_model_hooks(model: nn.Module) -> bool:
    """Hooks on the model itself, which the traced copy (a new root) would not run."""
    return bool(model._forward_hooks or model._forward_pre_hooks or model._backward_hooks)


def _trace(model: nn.Module) -> tuple[fx.Graph | None, dict[str, nn.Module]]:
    """The graph of ``model``'s forward, torch.nn layers as leaves (None where tracing fails)."""
    # Tracing runs the model's own forward code with proxies: undo any attribute it sets.
    saved = [(module, dict(module.__dict__)) for module in model.modules()]
    try:
        graph = fx.Tracer().trace(model)
    except Exception:  # control flow on values, unsupported Python: the hook-based pass handles it
        return None, {}
    finally:
        for module, attributes in saved:
            module.__dict__.clear()
            module.__dict__.update(attributes)
    # Not the model itself: the cache must not keep its key alive.
    return graph, {name: module for name, module in model.named_modules() if name}


def _is_epsilon(rule: Rule | None) -> bool:
    # Exactly the ε-rule and Norm: a subclass may change what the rule does.
    return type(rule) in (Epsilon, Norm) and not rule.zero_bias  # type: ignore[union-attr]


def _keeps_gradient(rule: Rule | None) -> bool:
    return rule is None or type(rule) is Gradient


def _factor_points(graph: fx.Graph, modules: dict[str, nn.Module], composite: Composite) -> dict[fx.Node, float] | None:
    """Where the factors go and their ε, or None where the traced path would not equal the rules."""
    kinds: dict[fx.Node, str] = {}
    points: dict[fx.Node, float] = {}
    folded: set[fx.Node] = set()
    inputs = 0
    for node in graph.nodes:
        arg_kinds = [kinds[a] for a in node.all_input_nodes]
        carries = _TENSOR in arg_kinds or _TENSORS in arg_kinds
        if node.op == "placeholder":
            inputs += 1
            kinds[node] = _TENSOR
        elif node.op == "output":
            continue
        elif node in folded:
            kinds[node] = _TENSOR  # its factor is on this output already
        elif node.op == "call_module":
            if len(node.args) != 1 or node.kwargs or arg_kinds != [_TENSOR]:
                return None
            module = modules[str(node.target)]
            epsilon = _module_epsilon(module, str(node.target), composite)
            if epsilon is False:
                return None
            if isinstance(epsilon, float):
                folding = _folding_batchnorms(node, modules) if isinstance(module, LINEAR_LAYERS) else []
                if folding and len(node.users) > 1:
                    return None  # the fold would apply to the output's other uses too
                folded.update(folding)
                points[folding[0] if folding else node] = epsilon
            kinds[node] = _TENSOR
        elif _describes(node, carries):
            kinds[node] = _DESCRIPTION
        elif not carries:
            return None  # a tensor made inside forward, or a parameter read directly
        else:
            epsilon = _function_epsilon(node, composite, arg_kinds)
            if epsilon is False:
                return None
            if isinstance(epsilon, float):
                points[node] = epsilon
            kinds[node] = _TENSORS if _returns_tensors(node) else _TENSOR
    return points if inputs == 1 else None


def _describes(node: fx.Node, carries: bool) -> bool:
    """Shape arithmetic: a tensor's sizes and dims, and what is computed from them."""
    if node.op == "call_method":
        return node.target in _DESCRIBING_METHODS
    if node.op != "call_function":
        return False
    if node.target is getattr:
        return node.args[1] in _DESCRIBING_ATTRIBUTES
    return not carries and getattr(node.target, "__module__", None) == "_operator" and bool(node.all_input_nodes)


def _returns_tensors(node: fx.Node) -> bool:
    return (node.op == "call_function" and node.target in (torch.split, torch.chunk, torch.unbind)) or (
        node.op == "call_method" and node.target in ("split", "chunk", "unbind")
    )


def _module_epsilon(module: nn.Module, name: str, composite: Composite) -> float | bool | None:
    """A layer's ε (a factor on its output), None (it hands t·g_t on), or False (not this path)."""
    rule = composite.rule_for(name, type(module))
    if isinstance(module, LINEAR_LAYERS):
        return rule.epsilon if _is_epsilon(rule) else False  # type: ignore[union-attr]
    if isinstance(module, BATCHNORMS):
        if module.training or module.running_mean is None or not _is_epsilon(rule):
            return False
        return rule.epsilon  # type: ignore[union-attr]
    if isinstance(module, AVG_POOLING + MAX_POOLING):
        if getattr(module, "return_indices", False):
            return False
        if _is_epsilon(rule):
            return rule.epsilon  # type: ignore[union-attr]
        return None if isinstance(module, MAX_POOLING) and _keeps_gradient(rule) else False
    if isinstance(module, nn.ReLU):
        return None if _keeps_gradient(rule) or type(rule) is Pass else False
    if isinstance(module, _DROPOUTS):
        return None if _keeps_gradient(rule) and not module.training else False
    if isinstance(module, _RESHAPING_LAYERS):
        return None if _keeps_gradient(rule) else False
    return False


def _folding_batchnorms(node: fx.Node, modules: dict[str, nn.Module]) -> list[fx.Node]:
    """The eval-mode BatchNorm calls that take this Linear/Conv output as their input: the
    layer-by-layer pass folds such a BatchNorm into the layer."""
    return [
        user
        for user in node.users
        if user.op == "call_module"
        and user.args[:1] == (node,)
        and isinstance(batchnorm := modules[str(user.target)], BATCHNORMS)
        and not batchnorm.training
        and batchnorm.running_mean is not None
    ]


def _function_epsilon(node: fx.Node, composite: Composite, arg_kinds: list[str]) -> float | bool | None:
    """As :func:`_module_epsilon`, for an operation in the model's own forward code."""
    target, method = node.target, node.op == "call_method"
    if (method and target in _SELECTING_METHODS) or (not method and target in _SELECTING_FUNCTIONS):
        return None
    if (method and target in _RELU_METHODS) or (not method and target in _RELU_FUNCTIONS):
        rule = composite.rule_for(None, nn.ReLU)
        return None if _keeps_gradient(rule) or type(rule) is Pass else False
    if (method and target in _ADD_METHODS) or (not method and target in _ADD_FUNCTIONS):
        # A residual sum of two tensors that carry relevance; adding a constant rescales.
        rule = composite.rule_for(None, Sum)
        if node.kwargs or len(node.args) != 2 or arg_kinds != [_TENSOR, _TENSOR] or not _is_epsilon(rule):
            return False
        return rule.epsilon  # type: ignore[union-attr]
    kind = _POOLING_METHODS.get(str(target)) if method else _POOLING_FUNCTIONS.get(target)  # type: ignore[arg-type]
    if kind is None or node.kwargs.get("return_indices") or not isinstance(node.args[0], fx.Node):
        return False
    if arg_kinds[:1] != [_TENSOR] or any(k != _DESCRIPTION for k in arg_kinds[1:]):
        return False
    rule = composite.rule_for(None, kind)
    if _is_epsilon(rule):
        return rule.epsilon  # type: ignore[union-attr]
    return None if issubclass(kind, MAX_POOLING) and _keeps_gradient(rule) else False


def _with_factor_points(model: nn.Module, graph: fx.Graph, points: dict[fx.Node, float]) -> fx.GraphModule:
    """A module running ``graph`` on ``model``'s own layers, with a factor point after each point."""
    copy = fx.Graph()
    mapping: dict[fx.Node, fx.Node] = {}
    output = copy.graph_copy(graph, mapping)
    copy.output(output)
    for node, epsilon in points.items():
        new = mapping[node]
        with copy.inserting_after(new):
            scaled = copy.call_function(factor_point, (new, epsilon))

        def not_the_point(user: fx.Node, scaled: fx.Node = scaled) -> bool:
            return user is not scaled

        new.replace_all_uses_with(scaled, delete_user_cb=not_the_point)
    _with_faster_max_pooling(model, copy)
    copy.lint()
    return fx.GraphModule(model, copy)


def _with_faster_max_pooling(model: nn.Module, graph: fx.Graph) -> None:
    """Each ``nn.MaxPool2d`` call through :func:`..pooling.max_pool2d`: the same values and
    gradients, on the CPU in a faster kernel; the module is read when the graph runs, so a change
    of its settings or a hook added to it later is seen."""
    for node in list(graph.nodes):
        if node.op != "call_module" or len(node.args) != 1 or node.kwargs:
            continue
        if type(model.get_submodule(str(node.target))) is not nn.MaxPool2d:
            continue
        with graph.inserting_before(node):
            module = graph.get_attr(str(node.target))
            pooled = graph.call_function(max_pool2d, (module, node.args[0]))
        node.replace_all_uses_with(pooled)
        graph.erase_node(node)
