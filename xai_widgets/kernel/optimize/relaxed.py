"""Gradient design: a softmax-relaxed sequence optimised by gradient and rounded (after Ledidi)."""

from __future__ import annotations

import torch

from ..core.errors import NotDifferentiableError
from ..core.registry import ParamSpec
from .objective import Objective
from .registry import register_design_method

# The starting logits: the start's letters this much above the others (softmax ~0.87 at T=1).
_INIT_LOGIT = 3.0


class RelaxedSearch:
    """Keeps logits (N, A, L); each step draws ``n_samples`` one-hot sequences per start from
    them with the Gumbel-max trick, scores them with a forward and backward pass through the
    straight-through estimator (hard sequence forward, softmax gradient backward), and takes an
    Adam step on the logits. The best hard sample of each start is its candidate."""

    def __init__(
        self,
        objective: Objective,
        x0: torch.Tensor,
        generator: torch.Generator,
        lr: float,
        temperature: float,
        n_samples: int,
        edit_penalty: float,
    ):
        self.objective = objective
        self.x0 = x0
        self.generator = generator
        self.temperature, self.n_samples, self.edit_penalty = temperature, n_samples, edit_penalty
        self.logits = (x0 * _INIT_LOGIT).detach().clone().requires_grad_(True)
        self.optimizer = torch.optim.Adam([self.logits], lr=lr)

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        n, n_letters, length = self.x0.shape
        s = self.n_samples
        runner = self.objective.runner
        targets = self.objective.targets.repeat_interleave(s)
        uniform = torch.rand((n * s, n_letters, length), generator=self.generator).to(self.x0.device)
        gumbel = -torch.log(-torch.log(uniform.clamp(1e-10, 1.0 - 1e-7)))
        grad = torch.zeros_like(self.logits)
        scores = torch.empty(n * s, device=self.x0.device)
        hard_all = torch.empty((n * s, n_letters, length), device=self.x0.device)
        self.objective.count(torch.arange(n), s)

        def work(start: int, stop: int) -> None:
            owners = torch.arange(start, stop, device=self.x0.device) // s
            with torch.enable_grad():
                logits = self.logits[owners]
                soft = torch.softmax(logits / self.temperature, dim=1)
                letters = (torch.log_softmax(logits / self.temperature, dim=1) + gumbel[start:stop]).argmax(dim=1)
                hard = torch.zeros_like(soft).scatter_(1, letters[:, None], 1.0)
                relaxed = hard + soft - soft.detach()
                chunk_scores = runner.scores(relaxed, targets[start:stop])
                if not chunk_scores.requires_grad:
                    raise NotDifferentiableError(
                        "design method 'gradient' needs a model whose output is differentiable in its "
                        "input; use 'greedy', 'beam' or 'random'"
                    )
                # Mean over the samples of a start; a penalty on the expected number of edits.
                loss = -chunk_scores.sum() / s
                if self.edit_penalty:
                    loss = loss + self.edit_penalty * (1 - (soft * self.x0[owners]).sum(dim=1)).sum() / s
                (chunk_grad,) = torch.autograd.grad(loss, self.logits)
            grad.add_(chunk_grad)
            scores[start:stop] = chunk_scores.detach()
            hard_all[start:stop] = hard.detach()

        runner.chunks(n * s, self.x0.shape[1:], backward=True, work=work)
        self.optimizer.zero_grad(set_to_none=True)
        self.logits.grad = grad
        self.optimizer.step()
        best, index = scores.view(n, s).max(dim=1)
        chosen = hard_all.view(n, s, n_letters, length)[torch.arange(n, device=best.device), index]
        return chosen, best, False


@register_design_method(
    "gradient",
    params=[
        ParamSpec("lr", "float", 0.5, "Adam learning rate on the letter logits", minimum=1e-4, maximum=10.0),
        ParamSpec("temperature", "float", 1.0, "softmax temperature of the relaxation", minimum=0.05, maximum=10.0),
        ParamSpec("n_samples", "int", 8, "one-hot sequences drawn per start and step", minimum=1, maximum=256),
        ParamSpec("edit_penalty", "float", 0.0, "cost per expected edit from the start", minimum=0.0),
    ],
)
def relaxed_search(
    objective: Objective,
    x0: torch.Tensor,
    scores0: torch.Tensor,
    generator: torch.Generator,
    lr: float,
    temperature: float,
    n_samples: int,
    edit_penalty: float,
):
    """Gradient design in the spirit of Ledidi: each start is a softmax over letter logits,
    sampled as one-hot sequences (Gumbel-max) and optimised by Adam through the
    straight-through estimator; the best sampled sequence is kept. ``n_samples`` model
    evaluations (forward and backward) per start and step. Needs a differentiable model."""
    return RelaxedSearch(objective, x0, generator, lr, temperature, n_samples, edit_penalty)
