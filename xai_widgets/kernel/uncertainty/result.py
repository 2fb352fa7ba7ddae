"""The result of ``Explainer.predict_uncertainty``, summarised from the raw outputs of each sample."""

from __future__ import annotations

from dataclasses import dataclass

import torch

# What a model's outputs are read as: softmax logits, raw values, or (mean, log-variance).
OUTPUT_KINDS = ("classification", "regression", "gaussian")


@dataclass
class Uncertainty:
    """Predictive uncertainty per sample, every tensor float32 on the CPU.

    ``samples``: (S, N, outputs), one prediction per MC dropout sample or ensemble member:
    probabilities for a classifier, raw outputs for regression, the predicted mean (outputs = 1)
    for a variance-head (``task="gaussian"``) model.
    ``mean``, ``std``: (N, outputs), the samples' mean and unbiased standard deviation (as
    ``torch.std``): for a classifier the mean of the probabilities, not the softmax of mean logits.
    ``std`` is the epistemic part: how much the samples disagree.
    ``aleatoric``: (N, 1) for a variance-head model, the square root of the samples' mean predicted
    variance (the noise the model expects in the data); ``None`` otherwise.
    ``total``: (N, 1) for a variance-head model, ``sqrt(std**2 + aleatoric**2)``; ``None`` otherwise.
    ``entropy``: (N,) for a classifier, the entropy (nats) of the mean prediction; ``None`` otherwise.
    """

    mean: torch.Tensor
    std: torch.Tensor
    samples: torch.Tensor
    method: str
    kind: str
    n_samples: int
    seed: int | None
    elapsed_ms: float
    aleatoric: torch.Tensor | None = None
    total: torch.Tensor | None = None
    entropy: torch.Tensor | None = None

    def __repr__(self) -> str:
        n, outputs = self.mean.shape
        return (
            f"Uncertainty(method={self.method!r}, kind={self.kind!r}, n_samples={self.n_samples}, "
            f"N={n}, outputs={outputs}, mean std={self.std.mean().item():.3g}, elapsed_ms={self.elapsed_ms:.1f})"
        )


def sample_predictions(raw: torch.Tensor, kind: str) -> torch.Tensor:
    """Each sample's prediction from its raw outputs (S, N, outputs): probabilities, values or means."""
    if kind == "classification":
        return torch.softmax(raw, dim=-1)
    if kind == "gaussian":
        return raw[..., :1]
    return raw


def entropy_of_mean(probabilities: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of the mean of (S, N, classes) probabilities, shape (N,); 0·log 0 counts 0."""
    mean = probabilities.mean(0)
    return -torch.special.xlogy(mean, mean).sum(-1)


def mean_variance(raw: torch.Tensor) -> torch.Tensor:
    """The samples' mean predicted variance (N, 1) from (S, N, 2) (mean, log-variance) outputs."""
    return raw[..., 1:2].exp().mean(0)


def summarise(raw: torch.Tensor, kind: str, method: str, seed: int | None, elapsed_ms: float) -> Uncertainty:
    """An :class:`Uncertainty` from the raw outputs (S, N, outputs) of S samples or members."""
    raw = raw.detach().float()
    predictions = sample_predictions(raw, kind)
    std, mean = torch.std_mean(predictions, dim=0)  # unbiased, as torch.std
    aleatoric = total = entropy = None
    if kind == "gaussian":
        variance = mean_variance(raw)
        aleatoric = variance.sqrt().cpu()
        total = (std.square() + variance).sqrt().cpu()
    elif kind == "classification":
        entropy = entropy_of_mean(predictions).cpu()
    return Uncertainty(
        mean=mean.cpu(),
        std=std.cpu(),
        samples=predictions.cpu(),
        method=method,
        kind=kind,
        n_samples=int(raw.shape[0]),
        seed=seed,
        elapsed_ms=elapsed_ms,
        aleatoric=aleatoric,
        total=total,
        entropy=entropy,
    )
