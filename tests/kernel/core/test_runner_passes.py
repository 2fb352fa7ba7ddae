"""How the runner cuts work into passes, and the cheap checks every call makes."""

import numpy as np
import pytest
import torch
from torch import nn

import xai_widgets as xw
from xai_widgets.kernel.core import runner as runner_module
from xai_widgets.kernel.core.runner import ModelRunner, _even_size
from xai_widgets.kernel.core.validation import as_input_batch, as_target_batch
from xai_widgets.kernel.inputs.quadrature import quadrature

from ..models import ReluCNN

CPU = torch.device("cpu")


def pass_sizes(model: nn.Module) -> tuple[list[int], torch.utils.hooks.RemovableHandle]:
    sizes: list[int] = []
    handle = model.register_forward_pre_hook(lambda _module, inputs: sizes.append(inputs[0].shape[0]))
    return sizes, handle


def test_cpu_passes_hold_a_cache_sized_working_set_of_small_inputs():
    model = nn.Sequential(nn.Conv1d(4, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 50, 2))
    runner = ModelRunner(model, CPU)
    item = runner._bytes_per_item((4, 50))
    size = runner.chunk_size(torch.Size((4, 50)), backward=False)
    assert size == int(runner_module._CPU_CACHE_PASS_BYTES // item)
    assert runner.chunk_size(torch.Size((4, 50)), backward=True) == size  # speed, not memory, decides


def test_cpu_passes_of_large_inputs_take_a_minimum_count_within_the_memory_budget():
    model = ReluCNN()
    runner = ModelRunner(model, CPU)
    assert runner.chunk_size(torch.Size((3, 12, 12)), backward=True) >= runner_module._CPU_MIN_PASS_ITEMS
    item = runner._bytes_per_item((3, 12, 12))
    tight = ModelRunner(model, CPU, memory_budget=int(item * 3 * 5))
    assert tight.chunk_size(torch.Size((3, 12, 12)), backward=True) == 5
    assert ModelRunner(model, CPU, memory_budget=1).chunk_size(torch.Size((3, 12, 12)), backward=True) == 1


def test_cpu_backward_passes_of_large_inputs_hold_a_bounded_working_set():
    # Pages freed by a large pass go back to the kernel and fault in again on the next call;
    # backward passes stay small enough to reuse them, with a few inputs at least.
    model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 64 * 64, 2))
    runner = ModelRunner(model, CPU)
    shape = torch.Size((3, 64, 64))
    held = runner._bytes_per_item(tuple(shape)) * runner_module._BACKWARD_FACTOR
    expected = max(runner_module._CPU_MIN_BACKWARD_ITEMS, int(runner_module._CPU_BACKWARD_PASS_BYTES // held))
    assert runner.chunk_size(shape, backward=True) == expected < runner.chunk_size(shape, backward=False)


@pytest.mark.parametrize(
    ("n_items", "size", "expected"), [(303, 100, 76), (227, 100, 76), (10, 4, 4), (6, 4, 3), (16, 16, 16)]
)
def test_passes_are_of_even_size(n_items, size, expected):
    assert _even_size(n_items, size) == expected


def test_a_batch_runs_in_passes_of_even_size_with_the_same_result():
    model = ReluCNN().eval()
    x = torch.rand(10, 3, 12, 12, generator=torch.Generator().manual_seed(0))
    whole = xw.Explainer(model).attribute(x, "integrated_gradients", target=1, n_steps=7)
    item = ModelRunner(model, CPU)._bytes_per_item((3, 12, 12))
    explainer = xw.Explainer(model, memory_budget=int(item * 3 * 4))  # 4 inputs a pass: 3 passes of 4, 3, 3
    sizes, handle = pass_sizes(model)
    try:
        values = explainer.attribute(x, "gradient", target=1).values
    finally:
        handle.remove()
    assert sizes == [1, 4, 3, 3]  # the shape probe, then the passes
    torch.testing.assert_close(values, xw.Explainer(model).attribute(x, "gradient", target=1).values)
    chunked = explainer.attribute(x, "integrated_gradients", target=1, n_steps=7)
    torch.testing.assert_close(chunked.values, whole.values, rtol=1e-5, atol=1e-6)


def test_one_pass_gradients_report_progress_once():
    seen: list[float] = []
    xw.Explainer(ReluCNN()).attribute(torch.rand(2, 3, 12, 12), "saliency", target=0, progress=seen.append)
    assert seen == [1.0]


def test_quadrature_is_cached_but_each_call_gets_its_own_arrays():
    alphas, weights = quadrature("gausslegendre", 9)
    alphas[:] = -1.0
    weights[:] = 0.0
    again, again_weights = quadrature("gausslegendre", 9)
    assert (again >= 0).all() and again_weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_value_is_found_among_finite_ones(bad):
    x = torch.rand(3, 5)
    x[2, 4] = bad
    with pytest.raises(xw.InputError, match=r"NaN or inf.*\[2\]"):
        as_input_batch(x, CPU)


def test_finite_values_whose_sum_overflows_are_accepted():
    x = torch.full((2, 4), 3e38)  # finite float32, but their sum is inf
    assert torch.equal(as_input_batch(x, CPU), x)


def test_inf_and_minus_inf_together_are_refused():
    x = torch.zeros(2, 4)
    x[0, 0], x[1, 1] = float("inf"), -float("inf")  # the sum is NaN
    with pytest.raises(xw.InputError, match=r"samples \[0, 1\]"):
        as_input_batch(x, CPU)


@pytest.mark.parametrize(
    "target",
    [
        3,
        np.int64(3),
        [3, 3],
        (3, 3),
        [3],
        [np.int64(3), 3],
        np.array([3, 3]),
        torch.tensor(3),
        torch.tensor([3, 3], dtype=torch.int32),
    ],
)
def test_every_target_form_gives_an_int64_vector(target):
    result = as_target_batch(target, 2, 4, CPU)
    assert result.dtype == torch.long and result.tolist() == [3, 3]


@pytest.mark.parametrize("target", [4, -1, [0, 4], (-1, 0), torch.tensor([-1, 0]), torch.arange(100) % 5])
def test_targets_out_of_range_are_named(target):
    n = 100 if isinstance(target, torch.Tensor) and target.numel() == 100 else 2
    with pytest.raises(xw.TargetError, match=r"out of range.*0\.\.3"):
        as_target_batch(target, n, 4, CPU)


@pytest.mark.parametrize("target", [[True, False], [0, 1, 2], [1.0, 2.0]])
def test_lists_of_targets_are_checked_as_tensors_are(target):
    with pytest.raises(xw.TargetError, match="integers|entries for a batch of 2"):
        as_target_batch(target, 2, 4, CPU)


def test_the_users_batch_of_gradients_runs_whole_when_the_budget_allows():
    # Captum runs the user's batch in one pass; the caches' pass size is for a method's copies.
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 64 * 64, 2))
    runner = ModelRunner(model, CPU)
    shape = torch.Size((3, 64, 64))
    n = runner.chunk_size(shape, backward=True) + 7
    assert runner.memory_fit(shape, backward=True) >= n
    x, target = torch.rand(n, *shape), torch.zeros(n, dtype=torch.long)
    sizes, handle = pass_sizes(model)
    grads = runner.input_gradients(x, target)
    handle.remove()
    assert sizes == [n]
    tight = ModelRunner(model, CPU, memory_budget=int(runner._bytes_per_item(tuple(shape)) * 3 * 10))
    sizes, handle = pass_sizes(model)
    torch.testing.assert_close(tight.input_gradients(x, target), grads)
    handle.remove()
    assert max(sizes[1:]) <= 10 and sum(sizes[1:]) == n  # after its shape probe: passes within the budget
