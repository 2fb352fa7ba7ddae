"""Gradient methods: the plain gradient and its variants, and SmoothGrad."""
