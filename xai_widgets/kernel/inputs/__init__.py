"""What goes into a model: baselines, segments, edits and quadrature rules."""
