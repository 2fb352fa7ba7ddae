"""Trace a model with torch.fx and sort its nodes into the kinds incremental occlusion reasons about.

A node is ``pointwise`` (each output position depends on the same position of one input: BatchNorm
in eval mode, activations, arithmetic with a number), ``window`` (a sliding window over the spatial
dims: Conv1d/Conv2d, MaxPool1d/2d, AvgPool1d/2d), ``global`` (a global max or mean pool of 1-D
maps, AdaptiveMaxPool1d(1) / AdaptiveAvgPool1d(1): from a patch and the base outside it), ``merge``
(position-wise over several inputs: residual additions, channel concatenation) or ``other``
(anything else, run on whole maps). ``plan_of``
returns None, and occlusion runs whole passes, when the model cannot be traced or holds something
whose meaning the trace may not keep (hooks, training mode, in-place writes read elsewhere).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 (the usual name)
from torch import fx, nn

# Modules whose output at a position depends only on the input at that position.
_POINTWISE_MODULES = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Mish,
    nn.Sigmoid,
    nn.Tanh,
    nn.Hardtanh,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.Softplus,
    nn.Identity,
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
)
_POINTWISE_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    torch.relu: torch.relu,
    torch.relu_: torch.relu,
    F.relu: F.relu,
    torch.sigmoid: torch.sigmoid,
    torch.tanh: torch.tanh,
    F.gelu: F.gelu,
    F.silu: F.silu,
    F.leaky_relu: F.leaky_relu,
    F.hardtanh: F.hardtanh,
    F.relu6: F.relu6,
}
_POINTWISE_METHODS = {"relu": "relu", "relu_": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}
# Arithmetic: pointwise with a number, a merge of two maps; in-place forms run out of place.
_ARITHMETIC: dict[Any, Callable[..., Any]] = {
    operator.add: operator.add,
    operator.iadd: operator.add,
    operator.sub: operator.sub,
    operator.isub: operator.sub,
    operator.mul: operator.mul,
    operator.imul: operator.mul,
    operator.truediv: operator.truediv,
    operator.itruediv: operator.truediv,
    torch.add: torch.add,
    torch.sub: torch.sub,
    torch.mul: torch.mul,
}
_ARITHMETIC_METHODS = {"add": "add", "add_": "add", "mul": "mul", "mul_": "mul", "sub": "sub", "sub_": "sub"}
_IN_PLACE = {operator.iadd, operator.isub, operator.imul, operator.itruediv, torch.relu_}


@dataclass(frozen=True)
class Window:
    """A sliding window over the two spatial dims; ``run`` applies it to a region with no padding.

    A 1-D window (``dims`` 1: Conv1d, MaxPool1d, AvgPool1d) is written as a 2-D one over maps of
    height 1 (kernel, stride and dilation 1 and no padding along the height), so the patch geometry
    is the same code; its ``run`` takes such (copies, C, 1, w) regions and returns the same form.
    """

    dims: int  # the spatial dims of the maps it slides over: 1 (N, C, L) or 2 (N, C, H, W)
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]  # before the first position (the top and left pads)
    dilation: tuple[int, int]
    pad_mode: str  # "constant" (``fill``), "reflect", "replicate" or "circular"
    fill: float
    run: Callable[[torch.Tensor], torch.Tensor]


@dataclass
class Step:
    """One traced node: its kind, and ``fn``, an out-of-place function of the node's arguments."""

    node: fx.Node
    kind: str  # "input", "static", "pointwise", "window", "global", "merge", "other", "output"
    fn: Callable[..., Any]
    window: Window | None = None
    # The maps it reads, in the order ``fn`` takes them: pointwise and window steps take one
    # tensor, merges one list; "other" and "static" steps take the node's own arguments.
    maps: list[fx.Node] = field(default_factory=list)
    # The map ranks (3: 1-D maps, 4: 2-D maps) whose patches ``fn`` computes as it computes whole
    # maps (patches are always 4-D); None: any. A map of another rank is computed whole.
    ranks: tuple[int, ...] | None = None
    reduce: str | None = None  # a global step's pool: "max" or "mean"
    # A step whose value is its input's, unchanged (a BatchNorm folded into its conv, see ``fusion``).
    passes_on: bool = False
    # For a pointwise step that may overwrite its input's value (see ``fusion.mark_in_place``).
    in_place: Callable[[torch.Tensor], torch.Tensor] | None = None

    def patches_rank(self, rank: int) -> bool:
        """Whether patches of maps of this rank can pass this step."""
        if rank not in (3, 4):
            return False
        if self.window is not None:
            return rank == self.window.dims + 2
        return self.ranks is None or rank in self.ranks


@dataclass
class Plan:
    """The model's nodes in execution order, each a :class:`Step`."""

    steps: list[Step]
    output: fx.Node
    # The patch geometry last computed for this plan (``propagate`` reuses it when the next call
    # has the same input shape and windows: interactive views repeat the same call).
    geometry: dict[str, Any] = field(default_factory=dict)
    # Convs with a BatchNorm folded in (``fusion.ConvBatchNorm``), refreshed at each call.
    folds: list[Any] = field(default_factory=list)


def usable_now(model: Any, modules: list[nn.Module]) -> bool:
    """Whether the model (``modules``: its modules) runs as its trace says, in its present state:
    a plain module, in eval mode (BatchNorm on running statistics, no dropout), with no forward
    hooks or pre-hooks (they may change any output and never show in a trace)."""
    if not isinstance(model, nn.Module) or isinstance(model, torch.jit.ScriptModule):
        return False
    return not any(m.training for m in modules) and not _has_forward_hooks(modules)


def plan_of(model: nn.Module) -> Plan | None:
    """The model's traced plan, or None when torch.fx cannot trace it or its graph holds an
    in-place write that other nodes read (the trace would not say what they see)."""
    try:
        graph = fx.Tracer().trace(model)
    except Exception:  # noqa: BLE001 (any failure to trace means: run whole passes)
        return None
    steps: list[Step] = []
    depends: set[fx.Node] = set()  # nodes whose value depends on the input
    output: fx.Node | None = None
    placeholders = 0
    for node in graph.nodes:
        inputs = node.all_input_nodes
        if node.op == "placeholder":
            placeholders += 1
            if placeholders == 1:
                depends.add(node)
                steps.append(Step(node, "input", _identity))
                continue
            if not node.args:
                return None  # a second argument without a default
            steps.append(Step(node, "static", _identity))  # its default value
            continue
        if node.op == "output":
            if not isinstance(node.args[0], fx.Node) or node.args[0] not in depends:
                return None
            output = node.args[0]
            steps.append(Step(node, "output", _identity, maps=[output]))
            continue
        if not any(n in depends for n in inputs):
            steps.append(Step(node, "static", _callable(model, node)))
            continue
        depends.add(node)
        step = _classify(model, node, depends)
        if step is None:
            return None
        steps.append(step)
    if output is None:
        return None
    return Plan(steps, output)


def _has_forward_hooks(modules: list[nn.Module]) -> bool:
    from torch.nn.modules import module as module_globals

    global_hooks = ("_global_forward_hooks", "_global_forward_pre_hooks", "_global_forward_hooks_with_kwargs")
    if any(getattr(module_globals, name, None) for name in global_hooks):
        return True
    names = ("_forward_hooks", "_forward_pre_hooks", "_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs")
    return any(getattr(m, name, None) for m in modules for name in names)


def _identity(value: Any) -> Any:
    return value


def _callable(model: nn.Module, node: fx.Node) -> Callable[..., Any]:
    """The node's operation as the model runs it (in-place forms included)."""
    if node.op == "call_module":
        return model.get_submodule(str(node.target))
    if node.op == "call_function":
        return node.target  # type: ignore[return-value]
    if node.op == "call_method":
        name = str(node.target)
        return lambda self, *args, **kwargs: getattr(self, name)(*args, **kwargs)
    if node.op == "get_attr":
        target = str(node.target)
        return lambda: _attribute(model, target)  # read at each call, as the model does
    raise ValueError(f"unexpected fx node {node.op}")


def _attribute(model: nn.Module, target: str) -> Any:
    owner, _, name = target.rpartition(".")
    return getattr(model.get_submodule(owner) if owner else model, name)


def _classify(model: nn.Module, node: fx.Node, depends: set[fx.Node]) -> Step | None:
    """The step of a node that depends on the input; None if an in-place write would be read elsewhere."""
    args = node.args
    if node.op == "call_module":
        module = model.get_submodule(str(node.target))
        if getattr(module, "inplace", False) and _read_elsewhere(node):
            return None
        window = _window_of(module)
        if window is not None and len(args) == 1 and not node.kwargs:
            return Step(node, "window", module, window=window, maps=[args[0]])  # type: ignore[list-item]
        reduce = _global_pool_of(module)
        if reduce is not None and len(args) == 1 and not node.kwargs:
            return Step(node, "global", module, maps=[args[0]], reduce=reduce)  # type: ignore[list-item]
        if _is_pointwise_module(module) and len(args) == 1 and not node.kwargs:
            return Step(node, "pointwise", _out_of_place(module), maps=[args[0]])  # type: ignore[list-item]
        return Step(node, "other", module)
    if node.op == "call_function":
        target: Any = node.target
        if (target in _IN_PLACE or node.kwargs.get("inplace")) and _read_elsewhere(node):
            return None
        if target in _POINTWISE_FUNCTIONS and _one_map(args, depends):
            function: Callable[..., Any] = _POINTWISE_FUNCTIONS[target]
            rest, kwargs = args[1:], {k: v for k, v in node.kwargs.items() if k != "inplace"}
            if not rest and not kwargs:  # the function itself, so that ``fusion`` knows it
                return Step(node, "pointwise", function, maps=[args[0]])  # type: ignore[list-item]
            return Step(node, "pointwise", lambda t: function(t, *rest, **kwargs), maps=[args[0]])  # type: ignore[list-item]
        if target in _ARITHMETIC and not node.kwargs:
            return _arithmetic(node, _ARITHMETIC[target], depends)
        if target is torch.cat and _is_channel_cat(node, depends):
            tensors = node.args[0] if node.args else node.kwargs["tensors"]
            dim = _cat_dim(node)
            # dim -3 is the channels of 2-D maps only (of 1-D maps it is the batch).
            ranks = None if dim == 1 else (4,)
            return Step(node, "merge", lambda maps: torch.cat(maps, dim), maps=list(tensors), ranks=ranks)  # type: ignore[arg-type]
        return Step(node, "other", target)
    if node.op == "call_method":
        name = str(node.target)
        if name.endswith("_") and _read_elsewhere(node):
            return None
        if name in _POINTWISE_METHODS and len(args) == 1 and not node.kwargs:
            method_name = _POINTWISE_METHODS[name]
            return Step(node, "pointwise", lambda t: getattr(t, method_name)(), maps=[args[0]])  # type: ignore[list-item]
        if name in _ARITHMETIC_METHODS and not node.kwargs:
            method_name = _ARITHMETIC_METHODS[name]
            return _arithmetic(node, lambda a, b: getattr(a, method_name)(b), depends)
        return Step(node, "other", _callable(model, node))
    return None


def _read_elsewhere(node: fx.Node) -> bool:
    """Whether the tensor an in-place node writes to is also read by another node."""
    written = node.args[0] if node.args else None
    return isinstance(written, fx.Node) and len(written.users) > 1


def _one_map(args: tuple, depends: set[fx.Node]) -> bool:
    """A pointwise call on one map: the first argument is the map, the others plain numbers."""
    return bool(args) and args[0] in depends and all(isinstance(a, (int, float, bool)) for a in args[1:])


def _arithmetic(node: fx.Node, function: Callable[[Any, Any], Any], depends: set[fx.Node]) -> Step:
    if len(node.args) != 2:
        return Step(node, "other", function)
    left, right = node.args
    maps = [a for a in (left, right) if isinstance(a, fx.Node)]
    if all(a in depends for a in maps) and len(maps) == 2:
        return Step(node, "merge", lambda tensors: function(tensors[0], tensors[1]), maps=maps)
    if len(maps) == 1 and maps[0] in depends and isinstance(left if right is maps[0] else right, (int, float)):
        if left is maps[0]:
            return Step(node, "pointwise", lambda t: function(t, right), maps=maps)
        return Step(node, "pointwise", lambda t: function(left, t), maps=maps)
    return Step(node, "other", function)


def _cat_dim(node: fx.Node) -> Any:
    return node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)


def _is_channel_cat(node: fx.Node, depends: set[fx.Node]) -> bool:
    tensors = node.args[0] if node.args else node.kwargs.get("tensors")
    dim = _cat_dim(node)
    extra = set(node.kwargs) - {"tensors", "dim"}
    return (
        isinstance(tensors, (list, tuple))
        and len(tensors) > 0
        and all(isinstance(t, fx.Node) and t in depends for t in tensors)
        and dim in (1, -3)
        and not extra
    )


def _is_pointwise_module(module: nn.Module) -> bool:
    if isinstance(module, _POINTWISE_MODULES):
        return True
    # In eval mode with running statistics, BatchNorm is a per-channel affine map.
    return _is_batch_norm(module) and module.running_mean is not None and module.running_var is not None


def _is_batch_norm(module: nn.Module) -> bool:
    return type(module) in (nn.BatchNorm1d, nn.BatchNorm2d)


def _out_of_place(module: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The module as a function that leaves its argument alone (patches may be read again)."""
    if isinstance(module, nn.ReLU):
        return torch.relu
    if _is_batch_norm(module):
        return _eval_batch_norm(module)  # type: ignore[arg-type]
    if getattr(module, "inplace", False):
        return lambda t: module(t.clone())
    return module


def _global_pool_of(module: nn.Module) -> str | None:
    """ "max" or "mean" for a pool of a whole 1-D map to one position, None for any other module."""
    size = getattr(module, "output_size", None)
    if size not in (1, (1,)):
        return None
    if type(module) is nn.AdaptiveMaxPool1d and not module.return_indices:
        return "max"
    if type(module) is nn.AdaptiveAvgPool1d:
        return "mean"
    return None


def _eval_batch_norm(bn: nn.BatchNorm1d | nn.BatchNorm2d) -> Callable[[torch.Tensor], torch.Tensor]:
    """BatchNorm on its running statistics (what eval mode computes) for maps of any rank: 1-D
    patches are 4-D (height 1), which BatchNorm1d's own input check refuses."""

    def run(t: torch.Tensor) -> torch.Tensor:
        # The statistics and weights are read at each call: a cached plan must see the current ones.
        return F.batch_norm(t, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)

    return run


def _pair(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _single(value: Any) -> int:
    return int(value) if isinstance(value, int) else int(value[0])


def _window_of(module: nn.Module) -> Window | None:
    """The sliding window of a Conv / MaxPool / AvgPool (1-D or 2-D), None for any other module or option."""
    if type(module) in (nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d):
        return _window_1d(module)
    if type(module) is nn.Conv2d:
        return _conv_window(module)
    if type(module) is nn.MaxPool2d and not module.return_indices:
        kernel, stride = _pair(module.kernel_size), _pair(module.stride or module.kernel_size)
        dilation = _pair(module.dilation)
        return Window(
            2,
            kernel,
            stride,
            _pair(module.padding),
            dilation,
            "constant",
            float("-inf"),
            lambda t: F.max_pool2d(t, kernel, stride, 0, dilation),
        )
    if type(module) is nn.AvgPool2d and not module.ceil_mode:
        padding = _pair(module.padding)
        if padding != (0, 0) and not module.count_include_pad:
            return None  # the divisor would depend on the position
        kernel, stride = _pair(module.kernel_size), _pair(module.stride or module.kernel_size)
        divisor = module.divisor_override
        return Window(
            2,
            kernel,
            stride,
            padding,
            (1, 1),
            "constant",
            0.0,
            lambda t: F.avg_pool2d(t, kernel, stride, 0, divisor_override=divisor),
        )
    return None


def _conv_padding(conv: nn.Conv1d | nn.Conv2d, kernel: tuple, dilation: tuple) -> tuple[int, ...]:
    """The padding before the first position, per spatial dim."""
    if isinstance(conv.padding, str):
        # "valid" pads nothing; "same" pads the total (dilation * (kernel - 1)) split with the
        # smaller half first, as torch does.
        if conv.padding == "valid":
            return (0,) * len(kernel)
        return tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel, strict=True))
    return tuple(int(p) for p in conv.padding)


def _conv_window(conv: nn.Conv2d) -> Window:
    kernel, stride, dilation = _pair(conv.kernel_size), _pair(conv.stride), _pair(conv.dilation)
    padding = _conv_padding(conv, kernel, dilation)
    mode = "constant" if conv.padding_mode == "zeros" else conv.padding_mode

    def run(region: torch.Tensor) -> torch.Tensor:
        # The weights are read at each call: a cached plan must see the model's current ones.
        return F.conv2d(region, conv.weight, conv.bias, stride, 0, dilation, conv.groups)

    return Window(2, kernel, stride, (padding[0], padding[1]), dilation, mode, 0.0, run)


def _window_1d(module: nn.Module) -> Window | None:
    """A Conv1d / MaxPool1d / AvgPool1d as a 2-D window over maps of height 1 (see :class:`Window`)."""
    if isinstance(module, nn.Conv1d):
        kernel, stride, dilation = _single(module.kernel_size), _single(module.stride), _single(module.dilation)
        padding = _conv_padding(module, (kernel,), (dilation,))[0]
        mode = "constant" if module.padding_mode == "zeros" else module.padding_mode
        fill = 0.0
        conv = module

        def run_1d(region: torch.Tensor) -> torch.Tensor:
            # The weights are read at each call: a cached plan must see the model's current ones.
            return F.conv1d(region, conv.weight, conv.bias, stride, 0, dilation, conv.groups)

    elif isinstance(module, nn.MaxPool1d):
        if module.return_indices:
            return None
        kernel, dilation = _single(module.kernel_size), _single(module.dilation)
        stride, padding = _single(module.stride or module.kernel_size), _single(module.padding)
        mode, fill = "constant", float("-inf")

        def run_1d(region: torch.Tensor) -> torch.Tensor:
            return F.max_pool1d(region, kernel, stride, 0, dilation)

    else:
        assert isinstance(module, nn.AvgPool1d)
        kernel, stride = _single(module.kernel_size), _single(module.stride or module.kernel_size)
        padding, dilation = _single(module.padding), 1
        if module.ceil_mode or (padding != 0 and not module.count_include_pad):
            return None  # the divisor would depend on the position
        mode, fill = "constant", 0.0

        def run_1d(region: torch.Tensor) -> torch.Tensor:
            return F.avg_pool1d(region, kernel, stride, 0)

    return Window(
        1,
        (1, kernel),
        (1, stride),
        (0, padding),
        (1, dilation),
        mode,
        fill,
        lambda region: run_1d(region.squeeze(2)).unsqueeze(2),
    )
