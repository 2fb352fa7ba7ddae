"""Autograd functions that are the identity (or a sum) in the forward and one LRP step in the
backward: the pieces the relevance pass and the canonizers put into the model's graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .rules import split_sum

# (input a, output z, relevance at the output) -> relevance at the input
Propagate = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


class LayerRelevance(torch.autograd.Function):
    """Identity on a layer's output in the forward; the layer's LRP step ``propagate`` in the backward."""

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, out: torch.Tensor, propagate: Propagate) -> torch.Tensor:
        ctx.propagate = propagate
        ctx.save_for_backward(a, out)
        return out.clone()

    @staticmethod
    def backward(ctx: Any, relevance: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        a, out = ctx.saved_tensors
        return ctx.propagate(a, out, relevance), None, None


class PassThrough(torch.autograd.Function):
    """The value of ``out``, with the relevance of ``out`` handed to ``a`` unchanged (folded BatchNorm)."""

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        return out.clone()

    @staticmethod
    def backward(ctx: Any, relevance: torch.Tensor) -> tuple[torch.Tensor, None]:
        return relevance, None


class ScaleRelevance(torch.autograd.Function):
    """Identity in the forward; the relevance arriving at the output is multiplied by ``factor``."""

    @staticmethod
    def forward(ctx: Any, out: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
        ctx.factor = factor
        return out.clone()

    @staticmethod
    def backward(ctx: Any, relevance: torch.Tensor) -> tuple[torch.Tensor, None]:
        return relevance * ctx.factor, None


class ElementwiseRelevance(torch.autograd.Function):
    """The value of ``out``, with the relevance of ``out`` mapped by ``backward`` onto ``a`` (an
    elementwise rule: the layer's own gradient is not used)."""

    @staticmethod
    def forward(
        ctx: Any, a: torch.Tensor, out: torch.Tensor, backward: Callable[[torch.Tensor], torch.Tensor]
    ) -> torch.Tensor:
        ctx.map = backward
        return out.clone()

    @staticmethod
    def backward(ctx: Any, relevance: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        return ctx.map(relevance), None, None


class SplitSum(torch.autograd.Function):
    """``a + b`` whose backward splits relevance in proportion to the summands (ε-stabilised)
    instead of copying it to both."""

    @staticmethod
    def forward(ctx: Any, a: torch.Tensor, b: torch.Tensor, epsilon: float) -> torch.Tensor:
        # Copies: the model may change either summand in place afterwards (``out += x``; relu_).
        ctx.summands = (a.detach().clone(), b.detach().clone())
        ctx.epsilon = epsilon
        return a + b

    @staticmethod
    def backward(ctx: Any, relevance: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        a, b = ctx.summands
        return (*split_sum(a, b, relevance, ctx.epsilon), None)
