"""Discrete design searches: random substitutions (the seed's), greedy and beam over every substitution."""

from __future__ import annotations

import torch

from ..core.registry import ParamSpec
from ..probes.mutagenesis import mutate
from .objective import Objective
from .registry import register_design_method


class RandomSearch:
    def __init__(self, objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, generator: torch.Generator):
        self.objective = objective
        self.current, self.scores = x0.clone(), scores0.clone()
        self.generator = generator
        self.owners = torch.arange(x0.shape[0], device=x0.device)

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        n, n_letters, length = self.current.shape
        # Drawn on the CPU from the seeded generator, so a seed gives the same run on any device.
        position = torch.randint(length, (n,), generator=self.generator).to(self.current.device)
        shift = torch.randint(1, n_letters, (n,), generator=self.generator).to(self.current.device)
        letter = (self.current.argmax(dim=1).gather(1, position[:, None])[:, 0] + shift) % n_letters
        mutants = mutate(self.current, position, letter)
        scores = self.objective.score(mutants, self.owners)
        keep = scores > self.scores
        self.current[keep], self.scores[keep] = mutants[keep], scores[keep]
        return self.current.clone(), self.scores.clone(), False


@register_design_method("random", params=[])
def random_search(objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, generator: torch.Generator):
    """The seed's search: each step changes one random base of each sequence to a random other
    letter and keeps the change if the target output rises. One model evaluation per start and step."""
    return RandomSearch(objective, x0, scores0, generator)


class BeamSearch:
    """Keeps the ``width`` best distinct sequences per start; each step scores every single
    substitution of every member in batched passes (greedy is a beam of width 1)."""

    def __init__(self, objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, width: int):
        self.objective = objective
        self.width = width
        self.beam = x0[:, None].clone()  # (N, k, A, L), k grows to width
        self.beam_scores = scores0[:, None].clone()  # (N, k)

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        n, k, n_letters, length = self.beam.shape
        members = self.beam.flatten(0, 1)
        owners = torch.arange(n, device=members.device).repeat_interleave(k)
        table = self.objective.substitutions(members, owners, self.beam_scores.flatten())  # (N*k, A, L)
        # Candidates per start: every substitution of every member; the observed letters' entries
        # are the members themselves, so the beam never gets worse.
        flat = table.view(n, k * n_letters * length)
        order = flat.argsort(dim=1, descending=True)
        codes = members.argmax(dim=1).view(n, k, length).cpu()
        new_beam, new_scores = [], []
        changed = False
        for i in range(n):
            chosen, seen = [], set()
            for index in order[i].tolist():
                member, rest = divmod(index, n_letters * length)
                letter, position = divmod(rest, length)
                code = codes[i, member].clone()
                code[position] = letter
                key = code.numpy().tobytes()
                if key in seen:
                    continue
                seen.add(key)
                chosen.append((member, letter, position, float(flat[i, index])))
                if len(chosen) == self.width:
                    break
            sequences = torch.stack(
                [self._edit(self.beam[i, m], letter, position) for m, letter, position, _ in chosen]
            )
            scores = torch.tensor([s for *_, s in chosen], device=flat.device, dtype=self.beam_scores.dtype)
            changed |= not torch.equal(scores, self.beam_scores[i, : len(chosen)]) or len(chosen) != k
            new_beam.append(sequences)
            new_scores.append(scores)
        width = min(len(b) for b in new_beam)
        self.beam = torch.stack([b[:width] for b in new_beam])
        self.beam_scores = torch.stack([s[:width] for s in new_scores])
        return self.beam[:, 0].clone(), self.beam_scores[:, 0].clone(), not changed

    @staticmethod
    def _edit(sequence: torch.Tensor, letter: int, position: int) -> torch.Tensor:
        edited = sequence.clone()
        edited[:, position] = 0
        edited[letter, position] = 1
        return edited


class GreedySearch:
    """Each step scores every single substitution of the current sequences in batched passes and
    moves each start to its best one while that raises the output; stops at a local optimum."""

    def __init__(self, objective: Objective, x0: torch.Tensor, scores0: torch.Tensor):
        self.objective = objective
        self.current, self.scores = x0.clone(), scores0.clone()
        self.active = torch.ones(x0.shape[0], dtype=torch.bool, device=x0.device)

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        active = self.active.nonzero()[:, 0]
        if len(active):
            table = self.objective.substitutions(self.current[active], active, self.scores[active])
            n_active, n_letters, length = table.shape
            best, index = table.view(n_active, -1).max(dim=1)
            better = best > self.scores[active]
            moved = active[better]
            letter, position = index[better] // length, index[better] % length
            self.current[moved] = mutate(self.current[moved], position, letter)
            self.scores[moved] = best[better]
            # A start with no improving substitution is at a local optimum: it stays there.
            self.active[active[~better]] = False
        return self.current.clone(), self.scores.clone(), not bool(self.active.any())


@register_design_method("greedy", params=[])
def greedy_search(objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, generator: torch.Generator):
    """Greedy ascent: each step scores every single substitution of each sequence (3L for DNA) in
    batched passes and keeps the best one if it raises the target output; stops at a local optimum
    (where no single substitution helps). L * (A - 1) model evaluations per start and step."""
    return GreedySearch(objective, x0, scores0)


@register_design_method(
    "beam",
    params=[ParamSpec("beam_width", "int", 4, "sequences kept per start after each step", minimum=1, maximum=64)],
)
def beam_search(
    objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, generator: torch.Generator, beam_width: int
):
    """Beam search: keeps the ``beam_width`` best distinct sequences per start; each step scores
    every single substitution of every kept sequence in batched passes. Stops when the beam no
    longer changes. beam_width * L * (A - 1) model evaluations per start and step."""
    return BeamSearch(objective, x0, scores0, beam_width)
