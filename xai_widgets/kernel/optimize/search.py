"""Discrete design searches: random substitutions (the seed's), greedy and beam over every substitution."""

from __future__ import annotations

import torch

from ..core.errors import NotDifferentiableError
from ..core.registry import ParamSpec
from ..probes.mutagenesis import mutate
from .objective import Objective
from .registry import register_design_method

# Substitutions a greedy step scores first, chosen on the zoo's JUND model by
# `python -m benchmarks.design_counts`: with 1, greedy reaches a planted site's score in 0.04 of
# the random search's evaluations (0.07 counting a backward pass as two forwards); 2 is close
# but stalled below it from 1 start in 20; 4 needs 0.08 (0.10). A larger top_k
# climbs to higher local optima (0: exact steepest ascent), at more evaluations per step.
TOP_K_DEFAULT = 1


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
    """Each step moves each start to its best scored single substitution while that raises the
    output; stops at a local optimum (no single substitution helps).

    ``top_k = 0`` scores every substitution. ``top_k > 0`` ranks the substitutions by the
    gradient's first-order estimate of their gain (one forward and backward pass) and scores the
    ``top_k`` best; a start none of whose scored ones helps scores the next ones down the
    ranking (twice as many each round), so a start stops only where no substitution at all helps.
    A model without an input gradient is searched with ``top_k = 0``.
    """

    def __init__(self, objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, top_k: int):
        self.objective = objective
        self.current, self.scores = x0.clone(), scores0.clone()
        self.active = torch.ones(x0.shape[0], dtype=torch.bool, device=x0.device)
        _, n_letters, length = x0.shape
        self.top_k = top_k if 0 < top_k < length * (n_letters - 1) else 0

    def step(self) -> tuple[torch.Tensor, torch.Tensor, bool]:
        active = self.active.nonzero()[:, 0]
        if len(active):
            table = self._table(active)
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

    def _table(self, active: torch.Tensor) -> torch.Tensor:
        """The scores of the substitutions of the active starts (n, A, L); ones not scored: -inf."""
        x, scores = self.current[active], self.scores[active]
        if self.top_k:
            try:
                return self._ranked_table(x, active, scores)
            except NotDifferentiableError:
                self.top_k = 0
        return self.objective.substitutions(x, active, scores)

    def _ranked_table(self, x: torch.Tensor, owners: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        n, n_letters, length = x.shape
        gradient = self.objective.gradients(x, owners)
        # Moving a position's one-hot from its letter to another changes the output by about
        # the difference of the two letters' gradients.
        gain = gradient - gradient.gather(1, x.argmax(dim=1, keepdim=True))
        gain[x.bool()] = -torch.inf
        # The observed letters sort last; only the L * (A - 1) substitutions are ranked. Stable, so
        # equal estimates keep greedy's order (the first letter, then the first position, wins).
        order = gain.view(n, -1).argsort(dim=1, descending=True, stable=True)[:, : length * (n_letters - 1)]
        table = torch.full((n, n_letters * length), -torch.inf, device=x.device, dtype=scores.dtype)
        pending = torch.arange(n, device=x.device)
        done, size = 0, self.top_k
        while done < order.shape[1]:
            chosen = order[pending, done : done + size]  # (p, size) flat indices letter * L + position
            # Each further round scores twice as many: a start at a local optimum checks all of
            # its substitutions in a few passes, not in L * (A - 1) / top_k.
            done, size = done + size, 2 * size
            rows = pending.repeat_interleave(chosen.shape[1])
            flat = chosen.reshape(-1)
            mutants = mutate(x[rows], flat % length, flat // length)
            table[rows, flat] = self.objective.score(mutants, owners[rows]).to(table.dtype)
            pending = pending[table[pending].max(dim=1).values <= scores[pending]]
            if not len(pending):
                break
        return table.view(n, n_letters, length)


@register_design_method(
    "greedy",
    params=[
        ParamSpec(
            "top_k",
            "int",
            TOP_K_DEFAULT,
            "substitutions scored per step, best gradient estimate first (0: all of them)",
            minimum=0,
        )
    ],
)
def greedy_search(
    objective: Objective, x0: torch.Tensor, scores0: torch.Tensor, generator: torch.Generator, top_k: int
):
    """Greedy ascent: each step keeps the best of the single substitutions it scores, if that
    raises the target output, and stops at a local optimum (where no single substitution helps).
    With ``top_k = 0`` a step scores all L * (A - 1) substitutions (3L for DNA) in batched passes;
    otherwise it ranks them by the input gradient (one forward and backward pass) and scores the
    ``top_k`` most promising, going down the ranking only when none of those helps: about
    ``top_k + 1`` model evaluations per start and step. A model without an input gradient gets
    ``top_k = 0``."""
    return GreedySearch(objective, x0, scores0, top_k)


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
