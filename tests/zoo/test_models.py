"""The zoo's models (shipped shapes CNN, training from scratch, benchmark ResNet) and the digits data."""

import time

import pytest
import torch
from torch import nn

from xai_widgets.zoo import ResNetStyle, ShapesCNN, load_digits, load_shapes_model, make_shapes, models, resnet_style
from xai_widgets.zoo.train_shapes import accuracy, train_shapes_model

# Neither the training seed (0) nor the trainer's own test seed: images no one has tuned on.
FRESH_SEED = 2024


def test_shapes_cnn_layout():
    model = ShapesCNN()
    names = dict(model.named_modules())
    for name in ("features.conv1", "features.conv4", "features.bn4", "features.relu4", "classifier"):
        assert name in names
    assert all(module.inplace for module in model.modules() if isinstance(module, nn.ReLU))
    assert any(isinstance(module, nn.BatchNorm2d) for module in model.modules())

    last_conv = [module for module in model.modules() if isinstance(module, nn.Conv2d)][-1]
    assert last_conv is names["features.conv4"]
    seen = {}
    handle = last_conv.register_forward_hook(lambda module, inputs, output: seen.update(shape=output.shape))
    assert model(torch.rand(2, 3, 64, 64)).shape == (2, 4)
    handle.remove()
    assert seen["shape"][-2] >= 8 and seen["shape"][-1] >= 8


def test_shipped_weights_are_small_float32():
    assert models.SHAPES_WEIGHTS.stat().st_size < 300_000
    state = torch.load(models.SHAPES_WEIGHTS, weights_only=True)
    assert all(tensor.dtype in (torch.float32, torch.int64) for tensor in state.values())


def test_load_shapes_model_is_in_eval_mode_with_trained_weights():
    model = load_shapes_model(device="cpu")
    assert not any(module.training for module in model.modules())
    untrained = load_shapes_model(pretrained=False)
    assert not torch.equal(model.classifier.weight, untrained.classifier.weight)


def test_shipped_model_is_accurate_on_fresh_images():
    test = make_shapes(1000, seed=FRESH_SEED)
    assert accuracy(load_shapes_model(), test.images, test.labels) >= 0.95


@torch.no_grad()
def test_shipped_model_needs_the_object_not_the_clutter():
    # Painting the object over with the surrounding colour should leave the model guessing.
    test = make_shapes(400, seed=FRESH_SEED)
    masks = test.masks.float()
    background = (test.images * (1 - masks)).sum((2, 3), keepdim=True) / (1 - masks).sum((2, 3), keepdim=True)
    erased = torch.where(test.masks, background, test.images)
    assert accuracy(load_shapes_model(), erased, test.labels) < 0.5


def test_missing_weights_say_how_to_make_them(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "SHAPES_WEIGHTS", tmp_path / "absent.pt")
    with pytest.raises(FileNotFoundError, match="python -m xai_widgets.zoo.train_shapes"):
        load_shapes_model()


@pytest.mark.slow
def test_training_from_scratch_is_fast_and_accurate():
    threads = torch.get_num_threads()
    started = time.perf_counter()
    model, test_accuracy = train_shapes_model(seed=0)
    elapsed = time.perf_counter() - started
    assert test_accuracy >= 0.95
    assert elapsed < 30.0, f"training took {elapsed:.1f} s"
    assert not model.training
    assert torch.get_num_threads() == threads


def test_resnet_style_output_and_seed():
    model = resnet_style(seed=0)
    assert isinstance(model, ResNetStyle) and not model.training
    assert model(torch.randn(2, 3, 224, 224)).shape == (2, 10)
    same, other = resnet_style(seed=0), resnet_style(seed=1)
    assert torch.equal(model.fc.weight, same.fc.weight)
    assert not torch.equal(model.fc.weight, other.fc.weight)
    assert resnet_style(num_classes=3, width=8)(torch.randn(1, 3, 224, 224)).shape == (1, 3)


def test_resnet_style_leaves_global_random_state_alone():
    state = torch.get_rng_state()
    resnet_style(seed=7)
    assert torch.equal(torch.get_rng_state(), state)


def test_resnet_style_batch_of_16_backward_is_under_a_second():
    model = resnet_style()
    inputs = torch.randn(16, 3, 224, 224, requires_grad=True)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        model(inputs)[:, 0].sum().backward()
        timings.append(time.perf_counter() - started)
    assert min(timings) < 1.0, timings


def test_load_digits():
    digits = load_digits()
    assert len(digits) == 1797
    assert digits.images.shape == (1797, 1, 8, 8) and digits.images.dtype == torch.float32
    assert digits.images.min() == 0.0 and digits.images.max() == 1.0
    assert digits.labels.dtype == torch.int64 and digits.labels.unique().tolist() == list(range(10))
    assert digits.class_names == tuple("0123456789")
