"""The batched patch forward: base activations once per image, then each occluded copy's patches.

Every traced node of a chunk of copies holds one of three values: the base (it does not depend on
the input), a patch (copies, C, ph, pw) over the base (see ``patches``), or whole maps for every
copy. A node turns into whole maps once its patch would cover ``MATERIALISE_FRACTION`` of its map,
or when it is a layer patches cannot pass (``other``); from there the rest runs as usual.
1-D inputs (N, C, L) and their maps are handled as 2-D ones of height 1 (see ``patches``).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn

from ....core.runner import ModelRunner, as_output_matrix
from .fusion import fold_batch_norms, mark_in_place
from .graph import Plan, Step, plan_of, usable_now
from .patches import (
    BoundReader,
    InputTable,
    OutsidePool,
    Reader,
    Rect,
    Store,
    bind,
    bind_input,
    materialise,
    merge_rect,
    occluded_rect,
    patch_targets,
    read,
    region_reader,
    window_reader,
    window_rect,
)

# Past this part of a map, a patch costs about what the whole map does (gathers and halos
# included), so the copies' whole maps are built and the rest runs as usual. Measured on the
# zoo's VGG- and ResNet-style nets at 64 and 224 px (one thread, interleaved): 0.3, 0.7 and 0.9
# took 0.87-1.35 times as long as 0.5, longer in 11 of 15 settings (noise is about 10%). Again
# after BatchNorm folding and cheaper whole maps (ResNet-style, 64 px, one thread): 0.6 took 0.95-0.98
# of 0.5's time at batch 16 but 1.03-1.10 at batch 1; 0.4, 0.7 and 0.9 no better.
MATERIALISE_FRACTION = 0.5

# The plan of each model, kept while the model lives; rebuilt when its modules change.
_PLANS: weakref.WeakKeyDictionary[nn.Module, tuple[tuple, Plan | None]] = weakref.WeakKeyDictionary()


@dataclass
class _Node:
    """How one node is computed over a chunk: from patches (``rect``) or as whole maps (``rect`` None)."""

    step: Step
    rect: Rect | None = None
    readers: list[Reader | None] | None = None  # per map read by a patched window or merge step
    origin: torch.Tensor | None = None  # a patched node a whole step or a pool reads: its rect's origin on the device
    stored: bool = False  # its patches go to a Store, for readers
    pooled: bool = False  # a global pool computed from its map's patch (see ``OutsidePool``)


@dataclass
class _Call:
    """What one call's chunks share: the stores and pools of its maps, each reader bound to its
    store, each materialised node's patch rows in its whole maps, and the occluded input's rows."""

    stores: dict[fx.Node, Store]
    pools: dict[fx.Node, tuple[OutsidePool, torch.Tensor]]  # each with its map's patch origins
    readers: dict[fx.Node, list[BoundReader | None]]
    targets: dict[fx.Node, torch.Tensor]
    input_table: InputTable
    input_patch: BoundReader | None  # the occluded input patch, where a step needs it as a patch
    sources: dict[fx.Node, Store | InputTable]  # what each bound reader reads: a store or the input
    buffers: dict[int, torch.Tensor] = field(default_factory=dict)  # each reader's regions


@dataclass(frozen=True)
class _Tables:
    """The row tables of a call's readers (see ``patches.BoundReader``) and of its materialised
    maps: they depend on the layout, the batch size and the baselines' count and assignment only,
    so a repeated call (an interactive view's) reuses them."""

    readers: dict[fx.Node, list[BoundReader | None]]
    targets: dict[fx.Node, torch.Tensor]
    input_patch: BoundReader | None


def incremental_drops(
    runner: ModelRunner,
    x: torch.Tensor,
    baseline: torch.Tensor,
    target: torch.Tensor,
    window: tuple[int, ...],
    starts: list[torch.Tensor],
    full_scores: torch.Tensor,
    baseline_of_window: torch.Tensor | None = None,
) -> torch.Tensor | None:
    """The output drops (n_windows, N) of occluding each window, computed incrementally.

    ``x`` is (N, C, H, W) or (N, C, L); ``starts`` holds, per spatial dim, each window's first
    covered position (flat windows in C order); a window covers ``window`` positions from there,
    cut at the border. ``baseline`` (shaped as ``x``) fills every window; or, with
    ``baseline_of_window`` ((n_windows,) indices), ``baseline`` is a stack (B, *x.shape) and each
    window is filled from its own (in-silico mutagenesis: one baseline per letter shift). Returns
    None (and has done no chunked work) when the model or input is one this cannot reason about,
    so the caller runs whole passes with the same result.
    """
    plan = _plan(runner.model) if _shapes_fit(x, window) else None
    if plan is None:
        return None
    sample_shape = x.shape[1:]  # what the runner sizes chunks by: the model's own input
    for fold in plan.folds:
        fold.refresh()  # the model's current weights and statistics
    with torch.no_grad():
        base = _base_pass(plan, x, target, full_scores)
    if base is None:
        return None
    n, n_windows = x.shape[0], starts[0].shape[0]
    if baseline_of_window is None:
        baseline, baseline_of_window = baseline[None], torch.zeros(n_windows, dtype=torch.long, device=x.device)
    if x.ndim == 3:  # a 1-D input as a 2-D one of height 1
        x, baseline = x.unsqueeze(2), baseline.unsqueeze(3)
        window, starts = (1, window[0]), [torch.zeros_like(starts[0]), starts[0]]
    layout = _layout(plan, base, (x.shape[2], x.shape[3]), (window[0], window[1]), starts, x.device)
    if layout is None:
        return None
    nodes, last_use = layout
    call = _bind(plan, nodes, base, InputTable(x, baseline), starts, window, baseline_of_window.to(x.device))
    per_window = n * _memory_fraction(nodes, base, n)
    # From here on only the stores and the values that do not depend on the input are read.
    base = {node.step.node: base[node.step.node] for node in nodes if node.step.kind == "static"}
    drops = torch.empty((n_windows, n), device=x.device, dtype=full_scores.dtype)
    # A copy's patches hold a part of a whole pass's activations: chunks of more copies cost the
    # same memory (and amortise the per-chunk work). Items are groups of windows of a whole input.
    group = max(1, math.ceil(1 / per_window)) if per_window < 1 else 1
    n_groups = math.ceil(n_windows / group)

    def work(first: int, last: int) -> None:
        start, stop = first * group, min(n_windows, last * group)
        windows = slice(start, stop)
        with torch.no_grad():
            scores = _patch_pass(nodes, base, call, windows, n, target, last_use)
        drops[start:stop] = full_scores[None] - scores.view(stop - start, n)

    unit = max(1, round(per_window * group))
    runner.chunks(n_groups, sample_shape, backward=False, work=work, unit=unit)
    return drops


def supports(model: Any, x: torch.Tensor, window: tuple[int, ...]) -> bool:
    """Whether :func:`incremental_drops` may apply to this model and input shape (it can still
    return None, e.g. when no layer's patch saves work): a 1-D or 2-D input with a window per
    spatial dim, and a model traced into a plan that is usable in its present state. Cheap: the
    plan is cached per model; callers use it to avoid side passes a fallback would not need."""
    return _shapes_fit(x, window) and _plan(model) is not None


def _shapes_fit(x: torch.Tensor, window: tuple[int, ...]) -> bool:
    return x.ndim in (3, 4) and len(window) == x.ndim - 2


def _memory_fraction(nodes: list[_Node], base: dict, n: int) -> float:
    """Activation elements of one copy's incremental pass over those of a whole pass."""
    whole = incremental = 0.0
    for node in nodes:
        value = base.get(node.step.node)
        if node.step.kind in ("static", "output") or not isinstance(value, torch.Tensor):
            continue
        per_copy = value.numel() / n
        whole += per_copy
        if node.rect is None:
            incremental += per_copy
        else:
            incremental += per_copy * node.rect.fraction()
    return incremental / whole if whole else 1.0


def _plan(model: Any) -> Plan | None:
    """The model's plan (traced once, again when its modules change), if usable in its state now."""
    modules = list(model.modules()) if isinstance(model, nn.Module) else []
    if not usable_now(model, modules):
        return None
    # The modules' identities and types: a swapped layer makes a new trace.
    signature = tuple((id(m), type(m)) for m in modules)
    cached = _PLANS.get(model)
    if cached is not None and cached[0] == signature:
        return cached[1]
    plan = plan_of(model)
    if plan is not None:
        steps, folds = fold_batch_norms(model, plan.steps)
        plan = Plan(mark_in_place(steps), plan.output, folds=folds)
    _PLANS[model] = (signature, plan)
    return plan


def _base_pass(plan: Plan, x: torch.Tensor, target: torch.Tensor, full_scores: torch.Tensor) -> dict | None:
    """Every node's value on the unoccluded batch, or None if the trace does not reproduce the model."""
    env: dict[fx.Node, Any] = {}
    try:
        for step in plan.steps:
            if step.kind == "input":
                env[step.node] = x
            elif step.kind == "output":
                break
            else:
                env[step.node] = _run_whole(step, env, protect=True)
        out = as_output_matrix(env[plan.output], x.shape[0])
        scores = out.gather(1, target[:, None]).squeeze(1)
    except Exception:  # noqa: BLE001 (the model's own pass, already run, reports its errors)
        return None
    scale = float(full_scores.abs().max()) if full_scores.numel() else 0.0
    if scores.shape != full_scores.shape or not torch.allclose(scores, full_scores, rtol=1e-4, atol=1e-5 * scale):
        return None
    return env


def _run_whole(step: Step, env: dict, protect: bool = False) -> Any:
    """The step on whole maps; ``protect`` gives "other" steps copies (they may write in place)."""
    if step.kind in ("pointwise", "window", "global"):
        return step.fn(env[step.maps[0]])
    if step.kind == "merge":
        return step.fn([env[m] for m in step.maps])

    def value(node: fx.Node) -> Any:
        found = env[node]
        return found.clone() if protect and step.kind == "other" and isinstance(found, torch.Tensor) else found

    args = fx.node.map_arg(step.node.args, value)
    kwargs = fx.node.map_arg(step.node.kwargs, value)
    return step.fn(*args, **kwargs)


def _layout(
    plan: Plan,
    base: dict,
    extent: tuple[int, int],
    window: tuple[int, int],
    starts: list[torch.Tensor],
    device: torch.device,
) -> tuple[list[_Node], list[list[fx.Node]]] | None:
    """The patch geometry of these windows over inputs of this (2-D) extent: each node's patch and
    readers and the nodes each step is the last to read; None when patches would
    save nothing. It depends on the input's shape (the maps' shapes follow from it) but not its
    values, so the last one is kept on the plan and reused while the same call repeats."""
    # The model's input shape (its rank too: a 1-D input and a 2-D one of height 1 differ).
    key = (tuple(base[plan.steps[0].node].shape[1:]), window, MATERIALISE_FRACTION, str(device))
    cached = plan.geometry.get("last")
    if (
        cached is not None
        and cached[0] == key
        and len(cached[1]) == len(starts)
        and all(torch.equal(a, b) for a, b in zip(cached[1], starts, strict=True))
    ):
        return cached[2]
    nodes = _geometry(plan, base, occluded_rect([s.cpu() for s in starts], window, extent))
    layout = None
    if nodes is not None:
        nodes = _with_readers(nodes, device)
        layout = (nodes, _last_uses(plan))
    plan.geometry["last"] = (key, [s.clone() for s in starts], layout)
    return layout


def _geometry(plan: Plan, base: dict, input_rect: Rect) -> list[_Node] | None:
    """Each step's patch (or whole maps); None when patches would save nothing."""
    rects: dict[fx.Node, Rect] = {}
    nodes: list[_Node] = []
    if input_rect.fraction() >= MATERIALISE_FRACTION:
        return None
    patched_windows = 0
    for step in plan.steps:
        rect = None
        pooled = False
        if step.kind == "input":
            rect = input_rect
        elif step.kind == "global":
            source = base[step.maps[0]]
            pooled = step.maps[0] in rects and isinstance(source, torch.Tensor) and source.ndim == 3
        elif step.kind in ("pointwise", "window", "merge") and all(m in rects for m in step.maps):
            out = base[step.node]
            if _patches_pass(step, out, [base[m] for m in step.maps]):
                extent = (1, out.shape[2]) if out.ndim == 3 else (out.shape[2], out.shape[3])
                if step.kind == "pointwise":
                    rect = rects[step.maps[0]]
                elif step.kind == "window":
                    rect = window_rect(rects[step.maps[0]], step.window, extent)  # type: ignore[arg-type]
                elif all(rects[m].extent == extent for m in step.maps):
                    rect = merge_rect([rects[m] for m in step.maps])
            if rect is not None and rect.fraction() >= MATERIALISE_FRACTION:
                rect = None
            patched_windows += rect is not None and step.kind == "window"
        if rect is not None:
            rects[step.node] = rect
        nodes.append(_Node(step, rect, pooled=pooled))
    return nodes if patched_windows else None


def _patches_pass(step: Step, out: Any, maps: list[Any]) -> bool:
    """Whether the step's patches can be computed from its input maps' patches: 1-D or 2-D maps
    in and out, all of one rank, which the step handles in patch form."""
    if not isinstance(out, torch.Tensor) or not step.patches_rank(out.ndim):
        return False
    return all(isinstance(m, torch.Tensor) and m.ndim == out.ndim for m in maps)


def _with_readers(nodes: list[_Node], device: torch.device) -> list[_Node]:
    """Each patched window or merge step's readers; which patched nodes need a store or whole maps."""
    by_node = {node.step.node: node for node in nodes}
    for node in nodes:
        if node.rect is not None and node.step.kind in ("input", "pointwise"):
            continue  # a pointwise patch is computed from its input's patch as it is
        patched_step = node.rect is not None
        if node.pooled:  # reads its map's patch as it is, at the patch's origin
            source_node = by_node[node.step.maps[0]]
            source_node.origin = source_node.rect.origin.to(device)  # type: ignore[union-attr]
            continue
        for source in node.step.maps if node.step.kind != "other" else node.step.node.all_input_nodes:
            source_node = by_node[source]
            if source_node.rect is None:
                continue
            if not patched_step:
                source_node.origin = source_node.rect.origin.to(device)
                source_node.stored = True
                continue
            assert node.rect is not None
            if node.step.kind == "window":
                reader = window_reader(source_node.rect, node.rect, node.step.window)  # type: ignore[arg-type]
            elif source_node.rect.size == node.rect.size and torch.equal(source_node.rect.origin, node.rect.origin):
                reader = None  # the same patch: used as it is
            else:
                reader = region_reader(source_node.rect, node.rect)
            if node.readers is None:
                node.readers = []
            node.readers.append(None if reader is None else reader.to(device))
            source_node.stored = source_node.stored or reader is not None
    return nodes


def _bind(
    plan: Plan,
    nodes: list[_Node],
    base: dict,
    table: InputTable,
    starts: list[torch.Tensor],
    window: tuple[int, ...],
    baseline_of_window: torch.Tensor,
) -> _Call:
    """This call's stores and pools, and the row tables of its readers (built once per layout,
    batch size and baselines, so that a chunk only offsets them). Readers of the input read the
    occluded copies from ``table``."""
    by_node = {node.step.node: node for node in nodes}
    input_node = nodes[0].step.node
    # A store holds a map's patches for readers; the input's is only needed for whole maps.
    stores = {
        node.step.node: Store(base[node.step.node])
        for node in nodes
        if node.stored and (node.step.node is not input_node or node.origin is not None)
    }
    pools: dict[fx.Node, tuple[OutsidePool, torch.Tensor]] = {}
    for node in nodes:
        if node.pooled:
            origin = by_node[node.step.maps[0]].origin
            assert origin is not None and node.step.reduce is not None
            pools[node.step.node] = (OutsidePool(base[node.step.maps[0]], node.step.reduce), origin)
    # The batch size (the input's rows) and the baselines' count (the table's rows) fix every row number.
    key = (table.map_rows, tuple(table.rows.shape), str(table.rows.device))
    cached = plan.geometry.get("tables")
    if cached is not None and cached[0] is nodes and cached[1] == key and torch.equal(cached[2], baseline_of_window):
        tables = cached[3]
    else:
        tables = _tables(nodes, stores, table, starts, window, baseline_of_window)
        plan.geometry["tables"] = (nodes, key, baseline_of_window.clone(), tables)
    sources: dict[fx.Node, Store | InputTable] = {**stores, input_node: table}
    return _Call(stores, pools, tables.readers, tables.targets, table, tables.input_patch, sources)


def _tables(
    nodes: list[_Node],
    stores: dict[fx.Node, Store],
    table: InputTable,
    starts: list[torch.Tensor],
    window: tuple[int, ...],
    baseline_of_window: torch.Tensor,
) -> _Tables:
    """Each reader bound to the store (or the input table) it reads, each materialised node's
    patch rows, and the occluded input patch's reader where a step needs the patch itself."""
    by_node = {node.step.node: node for node in nodes}
    input_node = nodes[0].step.node
    starts = [start.to(table.rows.device) for start in starts]
    window_2d = (window[0], window[1])
    readers: dict[fx.Node, list[BoundReader | None]] = {}
    targets: dict[fx.Node, torch.Tensor] = {}
    n = table.map_rows // (table.extent[0] * table.extent[1])
    max_copies = starts[0].shape[0] * n  # a chunk holds at most every window's copies
    input_patch_needed = input_node in stores
    for node in nodes:
        if node.readers is not None:
            bound: list[BoundReader | None] = []
            for source, reader in zip(node.step.maps, node.readers, strict=True):
                if reader is None:
                    input_patch_needed = input_patch_needed or source is input_node
                    bound.append(None)
                elif source is input_node:
                    bound.append(bind_input(reader, table, starts, window_2d, baseline_of_window))
                else:
                    bound.append(bind(reader, stores[source], by_node[source].rect, max_copies))
            readers[node.step.node] = bound
        elif node.step.kind != "input" and input_node in node.step.node.all_input_nodes:
            input_patch_needed = True  # a pointwise step or a pool of the input's patch
        if node.step.node in stores and node.origin is not None:
            assert node.rect is not None
            targets[node.step.node] = patch_targets(stores[node.step.node], node.origin, node.rect.size)
    input_patch = None
    if input_patch_needed:
        rect = nodes[0].rect
        assert rect is not None
        input_patch = bind_input(region_reader(rect, rect), table, starts, window_2d, baseline_of_window)
    return _Tables(readers, targets, input_patch)


def _last_uses(plan: Plan) -> list[list[fx.Node]]:
    """Per step, the nodes it is the last to read, so their chunk values can be dropped after it."""
    last: dict[fx.Node, int] = {}
    for index, step in enumerate(plan.steps):
        for node in step.node.all_input_nodes:
            last[node] = index
    released: list[list[fx.Node]] = [[] for _ in plan.steps]
    for node, index in last.items():
        released[index].append(node)
    return released


def _patch_pass(
    nodes: list[_Node],
    base: dict,
    call: _Call,
    windows: slice,
    n: int,
    target: torch.Tensor,
    last_use: list[list[fx.Node]],
) -> torch.Tensor:
    """The target scores of a chunk of copies (window-major), computing patches where they pay."""
    patches: dict[fx.Node, torch.Tensor] = {}
    whole: dict[fx.Node, Any] = {}
    stores = call.stores
    n_windows = windows.stop - windows.start

    def as_whole(source: fx.Node) -> Any:
        if source in whole:
            return whole[source]
        if source in patches:
            whole[source] = materialise(stores[source], call.targets[source], windows, n)
            return whole[source]
        return base[source]  # it does not depend on the input

    for index, node in enumerate(nodes):
        step = node.step
        if step.kind == "input":
            if call.input_patch is not None:
                patches[step.node] = read(call.input_patch, windows, n, call.input_table, call.buffers)
        elif step.kind == "static":
            pass
        elif step.kind == "output":
            out = as_output_matrix(as_whole(step.maps[0]), n_windows * n)
            return out.gather(1, target.repeat(n_windows)[:, None]).squeeze(1)
        elif node.pooled:
            pool, origin = call.pools[step.node]
            whole[step.node] = pool.pool(patches[step.maps[0]], origin, windows, n)
        elif node.rect is None:
            if step.in_place is not None:
                whole[step.node] = step.in_place(as_whole(step.maps[0]))
            else:
                whole[step.node] = _run_whole(step, _WholeView(as_whole))  # type: ignore[arg-type]
        elif step.kind == "pointwise":
            patches[step.node] = (step.in_place or step.fn)(patches[step.maps[0]])
        else:
            regions = []
            for source, reader in zip(step.maps, call.readers[step.node], strict=True):
                if reader is None:
                    regions.append(patches[source])
                else:
                    regions.append(read(reader, windows, n, call.sources[source], call.buffers))
            if step.kind == "window":
                patches[step.node] = step.window.run(regions[0])  # type: ignore[union-attr]
            else:
                patches[step.node] = step.fn(regions)
        if step.node in stores and step.node in patches:
            stores[step.node].put(patches[step.node])
        for source in last_use[index]:
            patches.pop(source, None)
            whole.pop(source, None)
    raise AssertionError("the traced graph has no output")


class _WholeView:
    """A read-only mapping from node to its whole maps for the chunk, built on first read."""

    def __init__(self, lookup) -> None:
        self._lookup = lookup

    def __getitem__(self, node: fx.Node) -> Any:
        return self._lookup(node)
