"""Path methods: Integrated Gradients."""
