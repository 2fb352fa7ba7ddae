"""Small models the kernel tests share: linear, ReLU CNN, and a CNN with every awkward layer."""

from __future__ import annotations

import torch
from torch import nn


def linear_model(n_features: int = 6, n_outputs: int = 3, seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(n_features, n_outputs)


class FlatLinear(nn.Module):
    """A linear model on image-shaped input, so spatial baselines and windows apply."""

    def __init__(self, shape=(3, 8, 8), n_outputs: int = 4, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.flatten = nn.Flatten()
        self.linear = nn.Linear(int(torch.tensor(shape).prod()), n_outputs)

    def forward(self, x):
        return self.linear(self.flatten(x))


class ReluCNN(nn.Module):
    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()
        )
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32, 5))

    def forward(self, x):
        return self.head(self.features(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x  # an in-place residual addition, as torchvision's ResNet does
        return self.relu(out)


class OracleCNN(nn.Module):
    """BatchNorm, in-place ReLU, a residual block and dropout: what real CNNs contain."""

    def __init__(self, n_outputs: int = 5, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.block = ResidualBlock(8)
        self.down = nn.Conv2d(8, 12, 3, stride=2, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(0.3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, n_outputs)
        generator = torch.Generator().manual_seed(seed)
        for module in self.modules():
            if isinstance(module, nn.BatchNorm2d):
                # Non-trivial running statistics, so eval-mode BatchNorm really transforms.
                module.running_mean.copy_(0.1 * torch.randn(module.num_features, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(module.num_features, generator=generator))
                module.weight.data.copy_(0.5 + torch.rand(module.num_features, generator=generator))
                module.bias.data.copy_(0.1 * torch.randn(module.num_features, generator=generator))

    def forward(self, x):
        x = self.block(self.stem(x))
        x = self.relu(self.down(x))
        return self.fc(self.dropout(self.pool(x).flatten(1)))


class SequenceCNN(nn.Module):
    """A Conv1d model for (N, C, L) sequences, e.g. one-hot DNA."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv1d(4, 6, 5, padding=2)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(self.relu(self.conv(x)).mean(-1))


def mlp(n_features: int = 6, n_outputs: int = 3, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_features, 16), nn.ReLU(), nn.Linear(16, n_outputs))
