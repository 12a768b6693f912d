#!/usr/bin/env python3
"""Draws benchmark results as SVG bar charts, with the standard library only (no matplotlib).

    plot_bars.py subscription RUNS.json [--output F.svg] [--title T]
        median wall time per strategy, from `bench_subscription --json RUNS.json`
    plot_bars.py micro micro_results.json [--output F.svg] [--title T]
        one group of bars per figure of `bench/run_micro.py`'s table, each scaled to its largest

The SVG goes next to the input unless --output says otherwise.
"""
import argparse
import json
import statistics
from pathlib import Path
from xml.sax.saxutils import escape

STRATEGY_ORDER = ["serial", "undersubscribe", "oversubscribe", "openmp", "tbb", "yieldtasks"]
RUNTIME_ORDER = ["serial", "omp", "tbb", "yieldtasks"]
LEFT, WIDTH, BAR, GAP = 150, 380, 20, 6


def bars(y: int, rows: list[tuple[str, float, str]]) -> tuple[list[str], int]:
    """Horizontal bars for (label, value, text) rows, scaled to the largest value; returns the
    SVG elements and the y below them."""
    largest = max(value for _, value, _ in rows) or 1.0
    parts = []
    for label, value, text in rows:
        length = WIDTH * value / largest
        colour = "#2b7bba" if label == "yieldtasks" else "#9bb7cf"
        parts += [
            f'<text x="{LEFT - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{LEFT}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{colour}"/>',
            f'<text x="{LEFT + length + 6:.1f}" y="{y + 15}">{escape(text)}</text>',
        ]
        y += BAR + GAP
    return parts, y


def subscription(data: dict) -> list[tuple[str, list[tuple[str, float, str]]]]:
    names = [s for s in STRATEGY_ORDER if s in data] + [s for s in data if s not in STRATEGY_ORDER]
    medians = {s: statistics.median(run["wall"] for run in data[s]) for s in names}
    reference = medians.get("yieldtasks")
    rows = []
    for s in names:
        text = f"{medians[s]:.2f} s" + (f"  ({medians[s] / reference:.2f}x)" if reference else "")
        rows.append((s, medians[s], text))
    return [("", rows)]


def micro(data: dict) -> list[tuple[str, list[tuple[str, float, str]]]]:
    groups = []
    for row in data["table"]:
        rows = [(r, row[r], f"{row[r]:.3g}") for r in RUNTIME_ORDER if row.get(r) is not None]
        groups.append((row["figure"], rows))
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["subscription", "micro"])
    parser.add_argument("results", type=Path)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--title", default="")
    args = parser.parse_args()

    data = json.loads(args.results.read_text())
    groups = subscription(data) if args.kind == "subscription" else micro(data)
    parts = [f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(args.title)}</text>']
    y = 40
    for heading, rows in groups:
        if heading:
            parts.append(f'<text x="10" y="{y + 14}" font-weight="bold">{escape(heading)}</text>')
            y += 22
        elements, y = bars(y, rows)
        parts += elements
        y += 10
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 140}" height="{y}" '
           'font-family="sans-serif" font-size="13">'] + parts + ["</svg>"]
    output = args.output or args.results.with_suffix(".svg")
    output.write_text("\n".join(svg) + "\n")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
