#!/usr/bin/env python3
"""Side-by-side timing of two builds of bench_fib and bench_nested_map (docs/benchmarks.md).

Usage: ab_compare.py BEFORE_DIR AFTER_DIR ROUNDS
  BEFORE_DIR and AFTER_DIR each hold a bench_fib and a bench_nested_map; the two are run
  alternately (which goes first alternates too), ROUNDS times each, and the medians and fastest
  runs of each benchmark's real time per iteration are printed. Run it under the shared lock.
"""

import json
import statistics
import subprocess
import sys

RUNS = [("bench_fib", "fib/yieldtasks_(taskmap|when_all)/"),
        ("bench_nested_map", "nested_map/yieldtasks(_in_task)?/leaf_us:1/")]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    before, after, rounds = argv[0], argv[1], int(argv[2])
    times = {}
    for r in range(rounds):
        order = [("before", before), ("after", after)]
        for label, folder in order if r % 2 == 0 else reversed(order):
            for binary, pattern in RUNS:
                out = subprocess.run([f"{folder}/{binary}", f"--benchmark_filter={pattern}",
                                      "--benchmark_format=json", "--benchmark_min_time=0.3"],
                                     capture_output=True, text=True, check=True).stdout
                for bench in json.loads(out)["benchmarks"]:
                    times.setdefault(bench["name"], {}).setdefault(label, []).append(
                        bench["real_time"])
    for name, runs in times.items():
        b, a = statistics.median(runs["before"]), statistics.median(runs["after"])
        print(f"{name}: median {b:.1f} -> {a:.1f} ({(a / b - 1) * 100:+.1f} %), "
              f"fastest {min(runs['before']):.1f} -> {min(runs['after']):.1f}, "
              f"{len(runs['before'])} runs each")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
