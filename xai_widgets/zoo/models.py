"""Demo models: a CNN trained on the shapes data (weights shipped) and a random ResNet-style net for benchmarks."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SHAPES_WEIGHTS = WEIGHTS_DIR / "shapes_cnn.pt"


def _conv_block(
    in_channels: int, out_channels: int, index: int, kernel_size: int = 3, stride: int = 1
) -> list[tuple[str, nn.Module]]:
    """conv -> batch norm -> in-place ReLU, named conv{index}, bn{index}, relu{index}."""
    padding = kernel_size // 2
    return [
        (f"conv{index}", nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=False)),
        (f"bn{index}", nn.BatchNorm2d(out_channels)),
        (f"relu{index}", nn.ReLU(inplace=True)),
    ]


class ShapesCNN(nn.Module):
    """A four-conv CNN for 3x64x64 shapes images (the input size is fixed by the global pool).

    `features.conv1` is a strided 5x5 conv (64 -> 32 px, where most of the cost would be); the last
    conv, `features.conv4`, works on an 8x8 map, fine enough for Grad-CAM to locate the object.
    A global max pool reads "is this shape's feature anywhere", which learns several times faster
    than an average over the mostly-background map. Only modules with standard LRP rules are used
    (flattening is done in `forward`), so propagation methods apply to every layer.
    """

    def __init__(self, num_classes: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(
            OrderedDict(
                _conv_block(3, 16, 1, kernel_size=5, stride=2)
                + _conv_block(16, 24, 2)
                + [("pool2", nn.MaxPool2d(2))]
                + _conv_block(24, 48, 3)
                + [("pool3", nn.MaxPool2d(2))]
                + _conv_block(48, 64, 4)
            )
        )
        self.global_pool = nn.MaxPool2d(kernel_size=8)
        self.classifier = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.global_pool(self.features(x)), 1))


def load_shapes_model(pretrained: bool = True, device: torch.device | str | None = None) -> ShapesCNN:
    """A `ShapesCNN` in eval mode, with the shipped trained weights unless `pretrained` is False."""
    model = ShapesCNN()
    if pretrained:
        if not SHAPES_WEIGHTS.is_file():
            raise FileNotFoundError(
                f"trained weights not found at {SHAPES_WEIGHTS}; "
                "create them with `python -m xai_widgets.zoo.train_shapes` (about 10 s on a CPU)"
            )
        model.load_state_dict(torch.load(SHAPES_WEIGHTS, map_location="cpu", weights_only=True))
    return model.to(device).eval()


class BasicBlock(nn.Module):
    """Two 3x3 convs with batch norm and a shortcut; `downsample` (strided 1x1 conv) when the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu2 = nn.ReLU(inplace=True)
        # None rather than nn.Identity, as in torchvision: LRP implementations have no Identity rule.
        self.downsample: nn.Sequential | None = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu2(out + shortcut)


class ResNetStyle(nn.Module):
    """A narrow ResNet for 3x224x224 inputs: stem, three stages of BasicBlocks, average pool, linear.

    Meant with random weights for benchmarks and tests; it has the module kinds real ResNets have
    (in-place ReLU, BatchNorm, residual adds) at a fraction of the cost.
    """

    def __init__(self, num_classes: int = 10, width: int = 16) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            OrderedDict(
                conv=nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False),
                bn=nn.BatchNorm2d(width),
                relu=nn.ReLU(inplace=True),
                pool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            )
        )
        self.layer1 = BasicBlock(width, width)
        self.layer2 = BasicBlock(width, 2 * width, stride=2)
        self.layer3 = BasicBlock(2 * width, 4 * width, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


def resnet_style(seed: int = 0, **kwargs) -> ResNetStyle:
    """A `ResNetStyle(**kwargs)` whose random weights depend only on `seed`, in eval mode."""
    # Fork so seeding here leaves the caller's global RNG stream untouched.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ResNetStyle(**kwargs)
    return model.eval()


class VGGStyle(nn.Module):
    """A narrow VGG for 3x224x224 (or 3x64x64) inputs: conv-BN-ReLU blocks with max pooling, then linears.

    Meant with random weights for benchmarks and tests: the layer kinds of torchvision's
    ``vgg11_bn`` (a global average pool to a fixed size, dropout between the linears) at a
    fraction of the cost.
    """

    def __init__(self, num_classes: int = 10, widths: tuple[int, ...] = (8, 16, 32, 32, 64, 64)) -> None:
        super().__init__()
        layers: list[tuple[str, nn.Module]] = []
        in_channels = 3
        # A pool after the first, second, fourth and sixth conv, as vgg11 pools after single and paired convs.
        pool_after = {0, 1, 3, 5}
        for index, width in enumerate(widths):
            layers += _conv_block(in_channels, width, index + 1)
            if index in pool_after:
                layers.append((f"pool{index + 1}", nn.MaxPool2d(2)))
            in_channels = width
        self.features = nn.Sequential(OrderedDict(layers))
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.classifier = nn.Sequential(
            nn.Linear(4 * in_channels, 128),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(128, 128),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def vgg_style(seed: int = 0, **kwargs) -> VGGStyle:
    """A `VGGStyle(**kwargs)` whose random weights depend only on `seed`, in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = VGGStyle(**kwargs)
    return model.eval()
