"""Layer-wise relevance propagation: rules, composites, canonizers and the modified backward graph."""
