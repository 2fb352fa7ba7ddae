"""Time a few attribution calls with whichever xai_widgets tree is importable, to compare two
trees side by side: run it alternately with ``PYTHONPATH=<old tree>`` and ``PYTHONPATH=<new tree>``
(for example a ``git worktree`` of the previous commit) and compare the medians. Run it as a
script from outside both trees, so that the current folder does not shadow ``PYTHONPATH``:

    cd /tmp && for tree in /tmp/old /work/main /tmp/old /work/main; do
        PYTHONPATH=$tree python /work/main/benchmarks/tree_ab.py; done
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import xai_widgets as xw
from xai_widgets.zoo import load_shapes_model, resnet_style

CASES = {
    "lrp resnet b16": (resnet_style, (16, 3, 224, 224), "lrp", {"composite": "epsilon"}),
    "lrp shapes b1": (load_shapes_model, (1, 3, 64, 64), "lrp", {"composite": "epsilon"}),
    "lime resnet b1": (resnet_style, (1, 3, 224, 224), "lime", {"n_samples": 50}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    print(f"xai_widgets from {xw.__file__}")
    for name, (make_model, shape, method, params) in CASES.items():
        explainer = xw.Explainer(make_model().eval())
        x = torch.rand(shape)
        for _ in range(2):  # warm-up
            explainer.attribute(x, method, target=0, **params)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            explainer.attribute(x, method, target=0, **params)
            times.append((time.perf_counter() - start) * 1000.0)
        print(f"{name}: median {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
