"""Perturbation methods: occlusion."""
