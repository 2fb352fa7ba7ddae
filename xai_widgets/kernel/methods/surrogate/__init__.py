"""Surrogate methods: LIME and KernelSHAP, and the weighted fits they share."""
