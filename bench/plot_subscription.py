#!/usr/bin/env python3
"""Draws the subscription benchmark's median wall times as an SVG bar chart.

Reads the file `bench_subscription --json FILE` wrote and writes an SVG next to it (or to
--output). Standard library only: no matplotlib or gnuplot needed.

    build/bench/bench/bench_subscription --repeat 3 --json build/bench/subscription.json
    python3 bench/plot_subscription.py build/bench/subscription.json --title "8 targets, 2 threads"
"""
import argparse
import json
import statistics
from pathlib import Path
from xml.sax.saxutils import escape

ORDER = ["serial", "undersubscribe", "oversubscribe", "openmp", "tbb", "yieldtasks"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, help="JSON written by bench_subscription --json")
    parser.add_argument("--output", type=Path, help="SVG file (default: RUNS with .svg)")
    parser.add_argument("--title", default="qsearch benchmark list: median wall time")
    args = parser.parse_args()

    runs = json.loads(args.runs.read_text())
    strategies = [s for s in ORDER if s in runs] + [s for s in runs if s not in ORDER]
    medians = {s: statistics.median(r["wall"] for r in runs[s]) for s in strategies}
    reference = medians.get("yieldtasks")

    bar_height, gap, left, width = 26, 10, 130, 420
    top = 40
    height = top + len(strategies) * (bar_height + gap) + 20
    longest = max(medians.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 120}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(args.title)}</text>',
    ]
    for i, strategy in enumerate(strategies):
        y = top + i * (bar_height + gap)
        length = width * medians[strategy] / longest
        colour = "#2b7bba" if strategy == "yieldtasks" else "#9bb7cf"
        label = f"{medians[strategy]:.2f} s"
        if reference:
            label += f"  ({medians[strategy] / reference:.2f}x)"
        parts += [
            f'<text x="{left - 8}" y="{y + 18}" text-anchor="end">{escape(strategy)}</text>',
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}"/>',
            f'<text x="{left + length + 6:.1f}" y="{y + 18}">{escape(label)}</text>',
        ]
    parts.append("</svg>")
    output = args.output or args.runs.with_suffix(".svg")
    output.write_text("\n".join(parts) + "\n")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
