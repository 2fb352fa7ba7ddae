"""The kernel's core: the Explainer, the runner (batching, memory budget), the method registry, targets, results, errors, validation and the model guard."""
