"""Layer-wise relevance propagation: rules, composites (a registry), canonizers, the modified
backward graph and the ``lrp`` method."""
