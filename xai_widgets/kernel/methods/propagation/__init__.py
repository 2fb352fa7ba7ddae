"""Propagation methods: DeepLIFT and LRP."""
