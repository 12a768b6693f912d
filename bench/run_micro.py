#!/usr/bin/env python3
"""Runs the yieldtasks microbenchmarks and prints a table of medians.

Every (workload, runtime) pair runs in a process of its own, so one runtime's idle threads (TBB's
and libgomp's spin before they sleep) never steal CPU from another's measurement. The pairs are
interleaved: each round runs every pair once, in an order rotated from round to round, so slow
drifts and bursts of noise on a shared machine hit all runtimes alike. A last phase repeats the
nested 1 us map while a busy-loop process keeps one core busy.

Usage (after `cmake --preset bench && cmake --build --preset bench`):

    python3 bench/run_micro.py [--build-dir build/bench] [--rounds 5] [--min-time 0.5]
                               [--threads N] [--workloads fib,flat_map,...] [--out FILE]

--workloads runs only the named workloads (the keys of JOBS) and prints only their rows; the
one-core-busy phase runs only with nested_map.

Every sample and the medians go to FILE as JSON (default <build-dir>/bench/micro_results.json).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNTIMES = ["yieldtasks", "tbb", "omp", "serial"]
HEADERS = {"yieldtasks": "yieldtasks", "tbb": "TBB", "omp": "OpenMP", "serial": "serial"}

# (binary, benchmark-name prefix) for each pair; a runtime may own several benchmarks.
JOBS = {
    "fib": ["fib/yieldtasks_taskmap", "fib/yieldtasks_when_all", "fib/tbb", "fib/tbb_parallel_invoke",
            "fib/omp", "fib/serial"],
    "flat_map": ["flat_map/yieldtasks", "flat_map/tbb", "flat_map/omp", "flat_map/serial"],
    "nested_map": ["nested_map/yieldtasks", "nested_map/yieldtasks_in_task", "nested_map/tbb",
                   "nested_map/omp", "nested_map/serial"],
    "reduce": ["reduce/yieldtasks", "reduce/tbb", "reduce/omp", "reduce/serial"],
}
# (items, item_ns) of bench_flat_map (flat_map.hpp's `sizes`).
FLAT_SIZES = [(10_000, 0), (100_000, 0), (1_000_000, 0), (10_000, 100), (100_000, 100)]
# (items, item_ns) of bench_reduce (reduce.hpp's `sizes`): sums of doubles, then 1 us items.
REDUCE_SIZES = [(100_000, 0), (1_000_000, 0), (100_000_000, 0), (10_000, 1000), (100_000, 1000)]
LOADED_SUFFIX = "/leaf_us:1"
BUSY_LOOP = ["timeout", "600", "sh", "-c", "while :; do :; done"]
SPEED_LOOP = 3_000_000  # iterations of cpu_speeds()'s loop: about 0.1-0.3 s a CPU


def run_job(binary, name, min_time, env):
    """Runs the benchmarks whose name is `name` or starts with `name/`; returns their JSON."""
    pattern = "^" + name + "(/|$)"
    command = [str(binary), f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
               "--benchmark_format=json"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    # A runtime that was not built matches no benchmark: empty output.
    return json.loads(result.stdout) if result.stdout.strip() else {}


def short_name(run_name):
    return run_name.replace("/process_time", "").replace("/real_time", "")


def collect(samples, errors, report, phase):
    for entry in report.get("benchmarks", []):
        key = phase + short_name(entry["run_name"])
        if entry.get("error_occurred"):
            errors.append(f"{key}: {entry.get('error_message')}")
            continue
        samples.setdefault(key, []).append(entry)


class load_monitor:
    """CPU time other processes used while it ran: all busy CPU time in /proc/stat (steal included)
    minus what this script's finished children used. A noisy machine shows up here."""

    def __init__(self):
        self.start = self.sample()

    @staticmethod
    def sample():
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return busy, children.ru_utime + children.ru_stime, time.monotonic()

    def foreign_cpus(self):
        """Average number of CPUs that other processes kept busy."""
        busy, mine, now = self.sample()
        return max(0.0, (busy - self.start[0]) - (mine - self.start[1])) / (now - self.start[2])


def cpu_speeds():
    """Milliseconds a fixed loop takes pinned to each CPU this process may run on. A VM's CPUs can
    differ by more than the figures do (one here ran the loop 1.5-1.9x slower than the other for
    an hour, most likely on a host core shared with another guest; no load figure or steal time
    showed it), and a run's figures depend on where its threads ran."""
    allowed = sorted(os.sched_getaffinity(0))
    times = {}
    try:
        for cpu in allowed:
            os.sched_setaffinity(0, {cpu})
            start = time.perf_counter()
            total = 0
            for step in range(SPEED_LOOP):
                total += step
            times[cpu] = (time.perf_counter() - start) * 1e3
    finally:
        os.sched_setaffinity(0, allowed)
    return times


def speed_spread(times):
    """How many times slower the slowest CPU ran cpu_speeds()'s loop than the fastest."""
    return max(times.values()) / min(times.values())


def describe_speeds(times):
    cells = ", ".join(f"cpu{cpu} {ms:.0f}" for cpu, ms in times.items())
    return f"{cells} ({speed_spread(times):.2f}x apart)"


def run_rounds(bench_dir, jobs, rounds, min_time, env, samples, errors, phase, log):
    for round_index in range(rounds):
        for workload, names in jobs.items():
            binary = bench_dir / f"bench_{workload}"
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                collect(samples, errors, run_job(binary, name, min_time, env), phase)
        log(f"{phase or 'main'} round {round_index + 1}/{rounds} done")


UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def wall_ns(entry):
    return entry["real_time"] * UNIT_NS[entry["time_unit"]]


def median(samples, key, field):
    """Median over the rounds of `field` ('wall_ns' or a counter) of benchmark `key`, or None."""
    entries = samples.get(key)
    if not entries:
        return None
    values = [wall_ns(e) if field == "wall_ns" else e[field] for e in entries]
    return statistics.median(values)


def spread(samples, key):
    """(max - min) / median of the wall times of benchmark `key`."""
    values = [wall_ns(e) for e in samples.get(key, [])]
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / statistics.median(values)


def fixed_map_ratio(samples):
    """A two-item taskmap's CPU per spawn over a when_all's, each round's pair taken together
    (they ran in the same round, one after the other): (median, min, max), or None."""
    maps = samples.get("fib/yieldtasks_taskmap", [])
    joins = samples.get("fib/yieldtasks_when_all", [])
    if not maps or len(maps) != len(joins):
        return None
    ratios = [m["cpu_ns_per_spawn"] / j["cpu_ns_per_spawn"] for m, j in zip(maps, joins)]
    return statistics.median(ratios), min(ratios), max(ratios)


def build_rows(samples):
    rows = []  # (label, {runtime: value}, format, higher_is_better)

    def metric(label, keys, field, scale=1.0, fmt="{:.1f}", higher=False):
        values = {}
        for runtime, key in keys.items():
            value = median(samples, key, field)
            values[runtime] = None if value is None else value * scale
        rows.append((label, values, fmt, higher))

    fib_a = {"yieldtasks": "fib/yieldtasks_taskmap", "tbb": "fib/tbb", "omp": "fib/omp",
             "serial": "fib/serial"}
    fib_b = dict(fib_a, yieldtasks="fib/yieldtasks_when_all", tbb="fib/tbb_parallel_invoke")
    metric("fib(30) CPU ns/spawn  [yt taskmap, TBB task_group]", fib_a, "cpu_ns_per_spawn",
           fmt="{:.2f}")
    metric("fib(30) CPU ns/spawn  [yt when_all, TBB parallel_invoke]", fib_b, "cpu_ns_per_spawn",
           fmt="{:.2f}")
    metric("fib(30) wall ms       [yt taskmap, TBB task_group]", fib_a, "wall_ns", 1e-6)
    metric("fib(30) wall ms       [yt when_all, TBB parallel_invoke]", fib_b, "wall_ns", 1e-6)

    for items, item_ns in FLAT_SIZES:
        flat = {r: f"flat_map/{r}/items:{items}/item_ns:{item_ns}" for r in RUNTIMES}
        what = f"flat map 1e{len(str(items)) - 1} " + ("empty" if item_ns == 0 else f"{item_ns} ns")
        metric(f"{what}: wall us", flat, "wall_ns", 1e-3)
        metric(f"{what}: CPU ns/item", flat, "cpu_ns_per_item",
               fmt="{:.3f}" if item_ns == 0 else "{:.1f}")

    # yieldtasks twice: each map from a blocking pool.map call (as the peers are called), and
    # each map awaited inside one running task (no blocking-entry round trip per map).
    for yt_name, how in (("yieldtasks", "blocking call"), ("yieldtasks_in_task", "in a task")):
        for leaf, unit, scale in (("1", "us", 1e-3), ("1000", "ms", 1e-6)):
            keys = {r: f"nested_map/{r}/leaf_us:{leaf}" for r in RUNTIMES}
            keys["yieldtasks"] = f"nested_map/{yt_name}/leaf_us:{leaf}"
            pretty = "1 us" if leaf == "1" else "1 ms"
            metric(f"nested 8x16 {pretty} leaves [yt {how}]: wall {unit}", keys, "wall_ns", scale)
            serial = median(samples, keys["serial"], "wall_ns")
            efficiency = {}
            for runtime, key in keys.items():
                wall = median(samples, key, "wall_ns")
                threads = median(samples, key, "threads")
                efficiency[runtime] = (None if None in (serial, wall, threads)
                                       else serial / (wall * threads))
            rows.append((f"nested 8x16 {pretty} leaves [yt {how}]: efficiency", efficiency,
                         "{:.2f}", True))

        loaded = {r: f"busy:nested_map/{r}/leaf_us:1" for r in RUNTIMES}
        loaded["yieldtasks"] = f"busy:nested_map/{yt_name}/leaf_us:1"
        metric(f"nested 1 us, 1 core busy [yt {how}]: wall us", loaded, "wall_ns", 1e-3)
        serial = median(samples, loaded["serial"], "wall_ns")
        speed = {}
        for runtime, key in loaded.items():
            wall = median(samples, key, "wall_ns")
            speed[runtime] = None if None in (serial, wall) else serial / wall
        rows.append((f"nested 1 us, 1 core busy [yt {how}]: speed vs serial", speed, "{:.2f}",
                     True))

    for items, item_ns in REDUCE_SIZES:
        keys = {r: f"reduce/{r}/items:{items}/item_ns:{item_ns}" for r in RUNTIMES}
        what = (f"reduce 1e{len(str(items)) - 1} " +
                ("doubles" if item_ns == 0 else f"x {item_ns // 1000} us items"))
        unit, scale = ("ms", 1e-6) if items * max(item_ns, 1) >= 10_000_000 else ("us", 1e-3)
        metric(f"{what}: wall {unit}", keys, "wall_ns", scale, fmt="{:.2f}")
        metric(f"{what}: CPU ns/item", keys, "cpu_ns_per_item",
               fmt="{:.3f}" if item_ns == 0 else "{:.1f}")
    # Rows of workloads that did not run (see --workloads) have no value at all: drop them.
    return [row for row in rows if any(v is not None for v in row[1].values())]


def print_table(rows, threads):
    width = max(len(label) for label, *_ in rows)
    columns = [HEADERS[r] for r in RUNTIMES] + ["yt/TBB", "yt/best"]
    print(f"\nmedians, {threads} threads per parallel runtime "
          "(yt/TBB: >1 = yieldtasks costs more on cost rows, does better on efficiency/speed rows; "
          "yt/best: against the better of TBB and OpenMP)")
    print(f"{'figure':<{width}} | " + " | ".join(f"{c:>10}" for c in columns))
    print("-" * (width + 1) + ("+" + "-" * 12) * len(columns))
    for label, values, fmt, higher in rows:
        cells = [("n/a" if values.get(r) is None else fmt.format(values[r])) for r in RUNTIMES]
        yt, tbb = values.get("yieldtasks"), values.get("tbb")
        cells.append("n/a" if not yt or not tbb else f"{yt / tbb:.2f}")
        peers = [values[r] for r in ("tbb", "omp") if values.get(r)]
        best = (max if higher else min)(peers) if peers else None
        cells.append("n/a" if not yt or not best else f"{yt / best:.2f}")
        print(f"{label:<{width}} | " + " | ".join(f"{c:>10}" for c in cells), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build/bench", type=Path)
    parser.add_argument("--rounds", default=5, type=int)
    parser.add_argument("--min-time", default=0.5, type=float,
                        help="seconds each benchmark runs at least (Google Benchmark min_time)")
    parser.add_argument("--threads", type=int, help="YT_BENCH_THREADS for every runtime")
    parser.add_argument("--workloads", help="comma-separated workloads to run (default: all)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    jobs = JOBS
    if args.workloads:
        names = args.workloads.split(",")
        unknown = [name for name in names if name not in JOBS]
        if unknown:
            parser.error(f"unknown workloads {unknown}; known: {list(JOBS)}")
        jobs = {name: JOBS[name] for name in names}

    bench_dir = args.build_dir / "bench"
    out = args.out or bench_dir / "micro_results.json"
    env = dict(os.environ)
    if args.threads:
        env["YT_BENCH_THREADS"] = str(args.threads)
    start = time.monotonic()

    def log(message):
        print(f"[{time.monotonic() - start:6.1f} s] {message}", file=sys.stderr, flush=True)

    samples, errors = {}, []
    speeds_before = cpu_speeds()
    monitor = load_monitor()
    run_rounds(bench_dir, jobs, args.rounds, args.min_time, env, samples, errors, "", log)
    foreign = monitor.foreign_cpus()
    speeds_after = cpu_speeds()

    if "nested_map" in jobs:
        loaded_jobs = {"nested_map": [name + LOADED_SUFFIX for name in JOBS["nested_map"]]}
        busy = subprocess.Popen(BUSY_LOOP)
        try:
            run_rounds(bench_dir, loaded_jobs, args.rounds, args.min_time, env, samples, errors,
                       "busy:", log)
        finally:
            busy.terminate()  # `timeout` passes the signal on to the loop it runs
            busy.wait()

    threads = next((e["threads"] for entries in samples.values() for e in entries
                    if e.get("threads", 1) > 1), args.threads)
    rows = build_rows(samples)
    print_table(rows, threads)
    ratio = fixed_map_ratio(samples)
    if ratio:
        print(f"\nyieldtasks fib, taskmap of 2 / when_all, CPU ns/spawn: {ratio[0]:.3f} (median of "
              f"the rounds' ratios; rounds {ratio[1]:.3f}-{ratio[2]:.3f})")
    noisy = [(key, spread(samples, key)) for key in sorted(samples)]
    noisy = [f"{key} {value:.0%}" for key, value in noisy if value > 0.10]
    if noisy:
        print("\nwall-time range over the rounds above 10% of the median: " + ", ".join(noisy))
    print(f"\nother processes kept {foreign:.2f} of {os.cpu_count()} CPUs busy on average during the "
          "main rounds" + (" -- the machine was not quiet: distrust the figures" if foreign > 0.2
                          else ""))
    print(f"a fixed loop pinned to each CPU, ms: {describe_speeds(speeds_before)} before the "
          f"rounds, {describe_speeds(speeds_after)} after" +
          (" -- the CPUs ran at different speeds: distrust the figures"
           if max(speed_spread(speeds_before), speed_spread(speeds_after)) > 1.2
           else ""))
    for error in errors:
        print(f"ERROR {error}")

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "threads": threads, "rounds": args.rounds, "min_time_s": args.min_time,
        "foreign_cpus_main_rounds": foreign,
        "cpu_loop_ms": {"before": speeds_before, "after": speeds_after},
        "taskmap_over_when_all": None if ratio is None else dict(zip(("median", "min", "max"),
                                                                     ratio)),
        "table": [{"figure": label, **values} for label, values, _fmt, _higher in rows],
        "samples": samples, "errors": errors}, indent=1))
    log(f"wrote {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
