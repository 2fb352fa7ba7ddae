"""Analyses built on the explainer: tabular and image sweeps, the IG path, weights and data-set summaries."""
