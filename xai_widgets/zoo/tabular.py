"""scikit-learn's bundled tabular data sets (diabetes, breast cancer, wine) as standardised tensors,
and a small MLP that trains on them in about a second: real tabular data, no download."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

TABULAR_DATA_SETS = ("diabetes", "breast_cancer", "wine")


@dataclass(frozen=True)
class TabularData:
    """A tabular data set.

    X: float32 (N, F), each feature standardised to mean 0 and standard deviation 1.
    y: float32 (N,) for regression (diabetes: disease progression after one year, standardised),
       int64 (N,) class indices for classification.
    feature_names: one per column of X; class_names: one per class, or None for regression.
    mean, std: float32 (F,), what was subtracted and divided, to read values in original units
       (also as ``feature_means`` / ``feature_scales``, the names the tabular views take).
    """

    name: str
    X: torch.Tensor
    y: torch.Tensor
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] | None
    mean: torch.Tensor
    std: torch.Tensor

    @property
    def feature_means(self) -> torch.Tensor:
        """(F,) the mean subtracted from each raw column: X * feature_scales + feature_means is raw."""
        return self.mean

    @property
    def feature_scales(self) -> torch.Tensor:
        """(F,) the standard deviation each raw column was divided by."""
        return self.std

    @property
    def task(self) -> str:
        return "regression" if self.class_names is None else "classification"

    @property
    def n_outputs(self) -> int:
        return 1 if self.class_names is None else len(self.class_names)

    def __len__(self) -> int:
        return int(self.X.shape[0])


def load_tabular(name: str = "diabetes") -> TabularData:
    """One of scikit-learn's bundled data sets: "diabetes" (442 x 10, regression), "breast_cancer"
    (569 x 30, 2 classes) or "wine" (178 x 13, 3 classes)."""
    if name not in TABULAR_DATA_SETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {TABULAR_DATA_SETS}")
    try:  # scikit-learn is an optional (demo) dependency
        from sklearn import datasets
    except ImportError as error:
        raise ImportError(
            'the tabular data sets come with scikit-learn; install it with `pip install "xai_widgets[demo]"`'
        ) from error
    # scaled=False: raw units, so that standardising here is the only transformation.
    bunch = datasets.load_diabetes(scaled=False) if name == "diabetes" else getattr(datasets, f"load_{name}")()
    raw = torch.as_tensor(bunch.data, dtype=torch.float32)
    mean, std = raw.mean(0), raw.std(0)
    if name == "diabetes":
        target = torch.as_tensor(bunch.target, dtype=torch.float32)
        y, class_names = (target - target.mean()) / target.std(), None
    else:
        y, class_names = torch.as_tensor(bunch.target, dtype=torch.int64), tuple(str(c) for c in bunch.target_names)
    feature_names = tuple(str(f) for f in bunch.feature_names)
    return TabularData(name, (raw - mean) / std, y, feature_names, class_names, mean, std)


class TabularMLP(nn.Sequential):
    """Linear-ReLU-Linear-ReLU-Linear: small enough to train in a second, deep enough to be non-linear."""

    def __init__(self, n_features: int, n_outputs: int, hidden: int = 32) -> None:
        super().__init__(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_outputs)
        )


def train_tabular_mlp(data: TabularData, epochs: int = 200, seed: int = 0, hidden: int = 32) -> TabularMLP:
    """A :class:`TabularMLP` fitted to all of ``data`` with Adam (full batch), in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TabularMLP(data.X.shape[1], data.n_outputs, hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    loss_fn: nn.Module
    if data.class_names is None:
        loss_fn, target = nn.MSELoss(), data.y[:, None]
    else:
        loss_fn, target = nn.CrossEntropyLoss(), data.y
    model.train()
    for _ in range(epochs):
        optimizer.zero_grad()
        loss_fn(model(data.X), target).backward()
        optimizer.step()
    return model.eval()
