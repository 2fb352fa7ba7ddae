"""Incremental occlusion (after Krypton, Nakandala et al., SIGMOD 2019): recompute only the patch of
each layer an occluding window changes, from the unoccluded activations computed once."""

from .propagate import incremental_drops, supports

__all__ = ["incremental_drops", "supports"]
