"""The kernel's core: the Explainer, the runner (batching, memory budget, progress), the method and
named registries, targets, results, errors, validation and the model guard."""
