"""Put the browser latency measured by the browser tests into RESULTS.md: the ImageExplorer's
(tests/browser/test_explorer_latency.py), the TabularExplorer's sweep slider
(tests/browser/test_tabular_explorer.py), the SequenceExplorer's base edit
(tests/browser/test_sequence_explorer.py) and the ModelReport's threshold slider
(tests/browser/test_model_report.py).

    python -m benchmarks.latency_table [--input test-artifacts/browser/latency.json]
        [--tabular test-artifacts/browser/tabular_latency.json]
        [--sequence test-artifacts/browser/sequence_latency.json]
        [--report test-artifacts/browser/report_latency.json] [--output benchmarks/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
from pathlib import Path

from .run import write_section

HEAD = (
    "| method | events | p50 ms | p90 ms | goal p50 ms | kernel p50 ms "
    "| bytes per update (buffers + JSON) | messages |\n"
    "|---|---|---|---|---|---|---|---|"
)


def table(results: dict) -> str:
    rows = []
    for method, r in results["methods"].items():
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
        name = f"{method} ({params})" if params else method
        rows.append(
            f"| {name} | {r['n']} | **{r['p50_ms']:.0f}** | {r['p90_ms']:.0f} | {r['goal_p50_ms']} | "
            f"{r['kernel_p50_ms']:.1f} | {r['bytes_per_update']:,} ({r['buffer_bytes_per_update']:,} + "
            f"{r['json_bytes_per_update']:,}) | {r['messages_per_update']} |"
        )
    machine = f"CPU: {platform.machine()}, JupyterLab 4 + Chromium (headless), {dt.date.today().isoformat()}"
    return "\n".join(
        [
            f"### ImageExplorer latency in the browser, {machine}",
            "",
            f"{results['what']}; {results['model']}. Measured by `tests/browser/test_explorer_latency.py` "
            "(part of `make test`), from the click event's timestamp to the first frame showing the new map.",
            "",
            HEAD,
            *rows,
        ]
    )


def tabular_table(results: dict) -> str:
    machine = f"CPU: {platform.machine()}, JupyterLab 4 + Chromium (headless), {dt.date.today().isoformat()}"
    return "\n".join(
        [
            f"### TabularExplorer sweep slider latency in the browser, {machine}",
            "",
            f"{results['what']}; {results['model']}. Measured by `tests/browser/test_tabular_explorer.py` "
            "(part of `make test`): the slider handle dragged with the mouse, from the pointer event's "
            "timestamp to the first frame with the new bars.",
            "",
            "| moves | p50 ms | p90 ms | min-max ms | goal p50 ms |",
            "|---|---|---|---|---|",
            f"| {results['n']} | **{results['p50_ms']:.0f}** | {results['p90_ms']:.0f} | "
            f"{results['min_ms']:.0f}-{results['max_ms']:.0f} | {results['goal_p50_ms']} |",
        ]
    )


def sequence_table(results: dict) -> str:
    machine = f"CPU: {platform.machine()}, JupyterLab 4 + Chromium (headless), {dt.date.today().isoformat()}"
    return "\n".join(
        [
            f"### SequenceExplorer base-edit latency in the browser, {machine}",
            "",
            f"{results['what']}; {results['model']}. Measured by `tests/browser/test_sequence_explorer.py` "
            "(part of `make test`), from the click event's timestamp to the first frame with the new maps.",
            "",
            "| edits | p50 ms | p90 ms | min-max ms | goal p50 ms |",
            "|---|---|---|---|---|",
            f"| {results['n']} | **{results['p50_ms']:.0f}** | {results['p90_ms']:.0f} | "
            f"{results['min_ms']:.0f}-{results['max_ms']:.0f} | {results['goal_p50_ms']} |",
        ]
    )


def report_table(results: dict) -> str:
    machine = f"CPU: {platform.machine()}, JupyterLab 4 + Chromium (headless), {dt.date.today().isoformat()}"
    return "\n".join(
        [
            f"### ModelReport threshold slider latency in the browser, {machine}",
            "",
            f"{results['what']}; {results['model']}. Measured by `tests/browser/test_model_report.py` "
            "(part of `make test`): input events on the slider alternating between two thresholds, from the "
            "event's timestamp to the first frame with the recounted matrix (counted in the browser), and to the "
            "first frame after the operating point on the ROC chart moved (a round trip through Python).",
            "",
            "| moves | matrix p50 ms | matrix p90 ms | goal p50 ms | operating point p50 ms | operating point p90 ms |",
            "|---|---|---|---|---|---|",
            f"| {results['n']} | **{results['p50_ms']:.0f}** | {results['p90_ms']:.0f} | {results['goal_p50_ms']} | "
            f"{results['operating_point_p50_ms']:.0f} | {results['operating_point_p90_ms']:.0f} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=Path("test-artifacts/browser/latency.json"))
    parser.add_argument("--tabular", type=Path, default=Path("test-artifacts/browser/tabular_latency.json"))
    parser.add_argument("--sequence", type=Path, default=Path("test-artifacts/browser/sequence_latency.json"))
    parser.add_argument("--report", type=Path, default=Path("test-artifacts/browser/report_latency.json"))
    parser.add_argument("--output", type=Path, default=Path("benchmarks/RESULTS.md"))
    args = parser.parse_args()
    write_section(args.output, "latency:cpu", table(json.loads(args.input.read_text())))
    if args.tabular.is_file():
        write_section(args.output, "latency:tabular:cpu", tabular_table(json.loads(args.tabular.read_text())))
    if args.sequence.is_file():
        write_section(args.output, "latency:sequence:cpu", sequence_table(json.loads(args.sequence.read_text())))
    if args.report.is_file():
        write_section(args.output, "latency:report:cpu", report_table(json.loads(args.report.read_text())))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
