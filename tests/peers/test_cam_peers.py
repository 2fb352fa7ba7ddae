"""The CAM family against pytorch-grad-cam 1.5.7 on torchvision VGG-11, VGG-11-BN and ResNet-18.

pytorch-grad-cam's map before its min-max scaling and resizing (``scale_cam_image``, made the
identity here) is the ReLU'd layer map; ours is that map upsampled (bilinear,
align_corners=False), so the peer's map goes through the same upsampling before comparing.
pytorch-grad-cam keeps the layer's output by reference, so it runs on a copy of the model whose
ReLUs are not in place; ours runs on the original, in-place ReLUs and all.
"""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

pytest.importorskip("pytorch_grad_cam")
torchvision = pytest.importorskip("torchvision")

import pytorch_grad_cam  # noqa: E402
from pytorch_grad_cam import base_cam  # noqa: E402
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget  # noqa: E402
from pytorch_grad_cam.utils.svd_on_activations import (  # noqa: E402
    get_2d_projection,
    get_2d_projection_with_sign_correction,
)

import xai_widgets as xw  # noqa: E402

RTOL = 1e-5
TARGETS = [3, 817]
PEERS = {
    "grad_cam": pytorch_grad_cam.GradCAM,
    "grad_cam_plus_plus": pytorch_grad_cam.GradCAMPlusPlus,
    "xgrad_cam": pytorch_grad_cam.XGradCAM,
    "hires_cam": pytorch_grad_cam.HiResCAM,
    "layer_cam": pytorch_grad_cam.LayerCAM,
    "score_cam": pytorch_grad_cam.ScoreCAM,
    "ablation_cam": pytorch_grad_cam.AblationCAM,
    "eigen_cam": pytorch_grad_cam.EigenCAM,
}
GRADIENT_VARIANTS = ["grad_cam", "grad_cam_plus_plus", "xgrad_cam", "hires_cam", "layer_cam"]
# Score-CAM and Ablation-CAM run a whole forward per sample and channel (pytorch-grad-cam's
# Ablation-CAM too), so the file runs in minutes: on the VGGs, whose classifier makes every pass
# slow, at 32 px and a conv of 128 channels before its ReLU or BatchNorm (signed activations)
# for Score-CAM, at 64 px and the ReLU after the first conv (64 channels) for Ablation-CAM; on
# the cheap ResNet-18 at 64 px, its last convolution and its last block (512 channels).
SCORE_LAYERS = {"vgg11": ("features.3", 32), "vgg11_bn": ("features.4", 32), "resnet18": (None, 64)}
# Layers after a ReLU (outputs with zeros), where pytorch-grad-cam's ablation zeroes as ours does.
ABLATION_LAYERS = {"vgg11": "features.1", "vgg11_bn": "features.2", "resnet18": "layer4"}


def torchvision_model(name: str) -> nn.Module:
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None)
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            # Random statistics and affine parameters, so eval-mode BatchNorm really transforms.
            n = module.num_features
            module.running_mean.copy_(0.2 * torch.randn(n, generator=generator))
            module.running_var.copy_(0.5 + torch.rand(n, generator=generator))
            module.weight.data.copy_(0.5 + torch.rand(n, generator=generator))
            module.bias.data.copy_(0.2 * torch.randn(n, generator=generator))
    return model.eval()


def without_inplace(model: nn.Module) -> nn.Module:
    twin = copy.deepcopy(model)
    for module in twin.modules():
        if isinstance(module, nn.ReLU):
            module.inplace = False
    return twin


@pytest.fixture(scope="module", params=["vgg11", "vgg11_bn", "resnet18"])
def models(request):
    model = torchvision_model(request.param)
    return request.param, model, without_inplace(model)


def inputs(size: int) -> torch.Tensor:
    return torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(size))


def peer_maps(variant: str, model: nn.Module, layer: nn.Module, x: torch.Tensor, monkeypatch) -> tuple:
    """pytorch-grad-cam's layer map of ``variant``: (ReLU'd as it returns it, signed before its ReLU)."""
    monkeypatch.setattr(base_cam, "scale_cam_image", lambda cam, target_size=None: np.float32(cam))
    cam = PEERS[variant](model=model, target_layers=[layer])
    signed = []
    get_cam_image = cam.get_cam_image
    monkeypatch.setattr(cam, "get_cam_image", lambda *args: signed.append(get_cam_image(*args)) or signed[-1])
    try:
        relu_map = cam(input_tensor=x, targets=[ClassifierOutputTarget(t) for t in TARGETS[: x.shape[0]]])
    finally:
        cam.activations_and_grads.release()
    return torch.from_numpy(relu_map)[:, None], torch.from_numpy(np.float32(signed[0]))[:, None]


def ours(model: nn.Module, x: torch.Tensor, variant: str, layer: str | None, relu: bool) -> torch.Tensor:
    return xw.Explainer(model).attribute(x, variant, target=TARGETS[: x.shape[0]], layer=layer, relu=relu).values


def upsampled(layer_map: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(layer_map, size=x.shape[2:], mode="bilinear", align_corners=False)


def relative_difference(a: torch.Tensor, reference: torch.Tensor) -> float:
    scale = reference.abs().max().item()
    assert scale > 0, "the reference is all zeros: the comparison would be vacuous"
    return (a - reference).abs().max().item() / scale


def assert_agrees(ours_map: torch.Tensor, reference: torch.Tensor, what: str, rtol: float = RTOL) -> None:
    difference = relative_difference(ours_map, reference)
    print(f"{what}: max |ours - pytorch-grad-cam| / max |pytorch-grad-cam| = {difference:.2e}")
    assert difference <= rtol, what


def layer_named(model: nn.Module, name: str | None) -> tuple[str, nn.Module]:
    if name is None:
        convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
        return convs[-1]
    return name, dict(model.named_modules())[name]


@pytest.mark.parametrize("size", [224])  # 128 px in the block-output test below
@pytest.mark.parametrize("variant", GRADIENT_VARIANTS)
def test_gradient_cams_match_pytorch_grad_cam(models, variant, size, monkeypatch):
    name, model, twin = models
    layer_name, layer = layer_named(twin, None)
    x = inputs(size)
    peer_relu, peer_signed = peer_maps(variant, twin, layer, x, monkeypatch)
    assert_agrees(ours(model, x, variant, None, True), upsampled(peer_relu, x), f"{variant} {name} {size}px relu")
    assert_agrees(ours(model, x, variant, None, False), upsampled(peer_signed, x), f"{variant} {name} {size}px signed")


@pytest.mark.parametrize("variant", GRADIENT_VARIANTS)
def test_gradient_cams_match_at_a_block_output(models, variant, monkeypatch):
    name, model, twin = models
    layer_name = {"vgg11": "features.19", "vgg11_bn": "features.20", "resnet18": "layer3"}[name]
    x = inputs(128)
    peer_relu, _ = peer_maps(variant, twin, layer_named(twin, layer_name)[1], x, monkeypatch)
    assert_agrees(ours(model, x, variant, layer_name, True), upsampled(peer_relu, x), f"{variant} {name} {layer_name}")


@pytest.mark.parametrize("size", [224, 96])
def test_eigen_cam_matches_pytorch_grad_cam_up_to_the_sign_of_the_singular_vector(models, size, monkeypatch):
    name, model, twin = models
    layer_name, layer = layer_named(twin, None)
    x = inputs(size)
    peer_relu, peer_signed = peer_maps("eigen_cam", twin, layer, x, monkeypatch)
    signed = ours(model, x, "eigen_cam", None, False)
    relu = ours(model, x, "eigen_cam", None, True)
    activations = _activations(twin, layer, x)
    corrected = torch.from_numpy(get_2d_projection_with_sign_correction(activations))[:, None]
    assert_agrees(signed, upsampled(corrected, x), f"eigen_cam {name} {size}px signed, sign-corrected peer")
    for i in range(x.shape[0]):
        # pytorch-grad-cam's own sign is whatever its SVD returns: ours is it or its negative.
        sign = 1.0 if relative_difference(signed[i], upsampled(peer_signed, x)[i]) < 0.5 else -1.0
        assert_agrees(signed[i], sign * upsampled(peer_signed, x)[i], f"eigen_cam {name} {size}px #{i} sign {sign}")
        if sign > 0:
            assert_agrees(relu[i], upsampled(peer_relu, x)[i], f"eigen_cam {name} {size}px #{i} relu")
    projection = torch.from_numpy(get_2d_projection(activations))[:, None]
    assert torch.allclose(peer_signed, projection)


def _activations(model: nn.Module, layer: nn.Module, x: torch.Tensor) -> np.ndarray:
    caught = []
    handle = layer.register_forward_hook(lambda module, inputs, output: caught.append(output.detach().clone()))
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    return caught[0].numpy()


def _align_corners_false(size):
    return nn.Upsample(size=size, mode="bilinear", align_corners=False)


def assert_maps_agree(variant, model, twin, layer_name, x, monkeypatch, what, relu_too=True) -> None:
    """Ours, signed and ReLU'd, against pytorch-grad-cam's layer maps of ``variant`` at ``layer_name``."""
    peer_relu, peer_signed = peer_maps(variant, twin, layer_named(twin, layer_name)[1], x, monkeypatch)
    assert_agrees(ours(model, x, variant, layer_name, False), upsampled(peer_signed, x), what + " signed")
    if not relu_too:
        return
    relu = ours(model, x, variant, layer_name, True)
    if peer_relu.abs().max() > 0:
        assert_agrees(relu, upsampled(peer_relu, x), what + " relu")
    else:  # every value of the layer map is negative: both ReLU'd maps are zero
        assert not relu.any()


def test_score_cam_matches_pytorch_grad_cam_with_masks_upsampled_as_ours(models, monkeypatch):
    name, model, twin = models
    layer_name, size = SCORE_LAYERS[name]
    monkeypatch.setattr(torch.nn, "UpsamplingBilinear2d", _align_corners_false)
    what = f"score_cam {name} {size}px {layer_name}"
    assert_maps_agree("score_cam", model, twin, layer_name, inputs(size), monkeypatch, what)


def test_score_cam_at_224_px_on_resnet18(monkeypatch):
    # layer2: 128 channels, a quarter of the copies of the last block's 512.
    model = torchvision_model("resnet18")
    monkeypatch.setattr(torch.nn, "UpsamplingBilinear2d", _align_corners_false)
    x = inputs(224)[:1]
    what = "score_cam resnet18 224px"  # the ReLU'd maps are compared at 64 px
    assert_maps_agree("score_cam", model, without_inplace(model), "layer2", x, monkeypatch, what, relu_too=False)


def test_score_cam_differs_from_pytorch_grad_cam_only_by_its_align_corners_masks(monkeypatch):
    """The documented difference, measured: against pytorch-grad-cam's own (align_corners=True) masks."""
    model = torchvision_model("resnet18")
    twin = without_inplace(model)
    x = inputs(64)[:1]
    _, peer_signed = peer_maps("score_cam", twin, layer_named(twin, "layer2")[1], x, monkeypatch)
    difference = relative_difference(ours(model, x, "score_cam", "layer2", False), upsampled(peer_signed, x))
    print(f"score_cam resnet18 64px layer2 signed, pytorch-grad-cam's align_corners=True masks: {difference:.2e}")
    assert RTOL < difference < 0.5


def ablation_in_float64(model: nn.Module, layer_name: str, x: torch.Tensor) -> torch.Tensor:
    """Ablation-CAM's signed layer map by its definition, in float64: the truth both sides round."""
    model = copy.deepcopy(model).double()
    layer = dict(model.named_modules())[layer_name]
    caught = []
    handle = layer.register_forward_hook(lambda module, inputs, output: caught.append(output.clone()))
    with torch.no_grad():
        scores = model(x.double())[torch.arange(x.shape[0]), TARGETS[: x.shape[0]]]
    handle.remove()
    activation = caught[0]
    weights = torch.empty(activation.shape[:2], dtype=torch.float64)
    channels = torch.arange(activation.shape[1])

    def ablated_copies(module, inputs, output):
        copies = output.expand(len(channels), *output.shape[1:]).clone()
        copies[channels, channels] = 0.0
        return copies

    for i in range(x.shape[0]):
        handle = layer.register_forward_hook(ablated_copies)
        with torch.no_grad():
            ablated = model(x[i : i + 1].double())[:, TARGETS[i]]
        handle.remove()
        weights[i] = (scores[i] - ablated) / scores[i]
    return (weights[:, :, None, None] * activation).sum(1, keepdim=True).float()


def assert_ablation_agrees(model, twin, layer_name, x, monkeypatch, what) -> None:
    """Ours against pytorch-grad-cam's Ablation-CAM; where the two differ by more than RTOL, ours
    must be no further from the float64 truth than pytorch-grad-cam is.

    The weights (y - y_k) / y subtract two close float32 scores. pytorch-grad-cam takes y from
    another pass than y_k, of another batch size, which rounds differently; ours takes it from
    an unablated copy in the ablated copies' pass (see ``ablation_cam``'s docstring), so ours
    is closer to the truth, and the two differ by up to 1e-4 of the map's maximum.
    """
    peer_relu, peer_signed = peer_maps("ablation_cam", twin, layer_named(twin, layer_name)[1], x, monkeypatch)
    truth: list[torch.Tensor] = []  # computed only when needed: a pass per sample in float64
    for relu, peer in ((False, peer_signed), (True, peer_relu)):
        kind = "relu" if relu else "signed"
        mine, reference = ours(model, x, "ablation_cam", layer_name, relu), upsampled(peer, x)
        if relu and peer.abs().max() == 0:  # every value of the layer map is negative
            assert not mine.any(), what
            continue
        difference = relative_difference(mine, reference)
        print(f"{what} {kind}: max |ours - pytorch-grad-cam| / max |pytorch-grad-cam| = {difference:.2e}")
        if difference > RTOL:
            truth = truth or [ablation_in_float64(model, layer_name, x)]
            exact = upsampled(truth[0].clamp_min(0) if relu else truth[0], x)
            ours_off, peer_off = relative_difference(mine, exact), relative_difference(reference, exact)
            print(f"{what} {kind}, off the float64 truth: ours {ours_off:.2e}, pytorch-grad-cam {peer_off:.2e}")
            assert ours_off <= peer_off, what


def test_ablation_cam_matches_pytorch_grad_cam_after_a_relu(models, monkeypatch):
    name, model, twin = models
    layer_name = ABLATION_LAYERS[name]
    what = f"ablation_cam {name} 64px {layer_name}"
    assert_ablation_agrees(model, twin, layer_name, inputs(64), monkeypatch, what)


def test_ablation_cam_at_224_px_on_resnet18(monkeypatch):
    model = torchvision_model("resnet18")
    x = inputs(224)[:1]
    what = "ablation_cam resnet18 224px layer2"
    assert_ablation_agrees(model, without_inplace(model), "layer2", x, monkeypatch, what)


def test_ablation_cam_before_a_batchnorm_differs_as_documented(monkeypatch):
    """pytorch-grad-cam ablates a channel without zeros with min - 1e7 (drifting per copy); ours zeroes it."""
    model = torchvision_model("resnet18")
    twin = without_inplace(model)
    x = inputs(64)[:1]
    layer_name = "layer4.1.conv2"  # the last convolution, before its BatchNorm: no zeros
    _, peer_signed = peer_maps("ablation_cam", twin, layer_named(twin, layer_name)[1], x, monkeypatch)
    difference = relative_difference(ours(model, x, "ablation_cam", layer_name, False), upsampled(peer_signed, x))
    print(f"ablation_cam resnet18 64px {layer_name} (before its BatchNorm), signed: {difference:.2e}")
    assert difference > RTOL
