#!/usr/bin/env python3
"""Checks bench/scaling_model.py on small task trees whose answers are known, so that the model
cannot rot unnoticed: usage `scaling_model_test.py path/to/bench/scaling_model.py`."""

import importlib.util
import json
import os
import sys
import tempfile

spec = importlib.util.spec_from_file_location("scaling_model", sys.argv[1])
model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(model)

FREE = {"fresh_thread_ns": 0, "context_switch_ns": 0, "time_slice_ns": 1e6, "item_ns": 0,
        "spawn_ns": 0, "steal_ns": 0, "wake_ns": 0}
MS = 1_000_000
failures = []


def tree(root):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "tree.json")
        with open(path, "w") as f:
            json.dump({"wall_ns": 0, "leaves": 0, "maps": 0, "root": root}, f)
        return model.load_tree(path)[1]


def expect(what, got, want):
    if abs(got - want) > 1e-9 + 1e-6 * want:
        failures.append(f"{what}: {got:.9f} s, expected {want:.9f} s")


# A map of 64 equal leaves is perfectly parallel: T / P for every parallel strategy.
flat = tree([{"items": [MS] * 64}])
for cores in (1, 2, 4):
    walls = model.predict(flat, cores, FREE)
    expect(f"flat serial, {cores} cores", walls["serial"], 0.064)
    for name in ("undersubscribe", "oversubscribe", "yieldtasks"):
        expect(f"flat {name}, {cores} cores", walls[name], 0.064 / cores)

# A chain (every map of one item, compute between them) is serial whatever the cores.
chain = tree([{"items": [[MS, {"items": [[MS, {"items": [MS]}, MS]]}, MS]]}])
for name, wall in model.predict(chain, 8, FREE).items():
    expect(f"chain {name}", wall, 0.005)

# Undersubscription of one top-level item is serial; the others spread its inner map.
one_top = tree([{"items": [[{"items": [MS] * 8}]]}])
walls = model.predict(one_top, 2, FREE)
expect("one top-level item undersubscribe", walls["undersubscribe"], 0.008)
expect("one top-level item oversubscribe", walls["oversubscribe"], 0.004)
expect("one top-level item yieldtasks", walls["yieldtasks"], 0.004)

# Oversubscription time-shares: 2 threads each start 2 more, and the 4 share 2 cores, losing a
# switch per time slice; then each join's waiter pays a switch (the 2 in parallel, then the main).
shared = dict(FREE, context_switch_ns=10_000, time_slice_ns=1_000_000)
walls = model.predict(tree([{"items": [[{"items": [MS, MS]}]] * 2}]), 2, shared)
expect("4 threads on 2 cores", walls["oversubscribe"], 0.002 / (1 - 0.01) + 2 * 0.00001)

# Each fresh thread costs its starter, before the thread can run.
started = dict(FREE, fresh_thread_ns=100_000)
walls = model.predict(flat, 2, started)
expect("undersubscription's thread starts", walls["undersubscribe"], 0.0322)

# Start 1 succeeds after 1 ms and makes starts 2 and 3 moot (the serial run skipped them): on 3
# cores start 2 runs until then and is cut short, and start 3 is skipped, so the map ends with
# start 0 at 2 ms, not at 1 + 1.5 ms (the moot starts' uncut length: the mean of starts 0 and 1).
cancel = tree([{"items": [[{"items": [2 * MS, MS, 1000, 1000], "moot": [2, 3]}]]}])
expect("cancellation, oversubscribe", model.predict(cancel, 3, FREE)["oversubscribe"], 0.002)
# yieldtasks splits [0, 4) down to start 0 at once, two workers being idle, leaving [2, 4) and
# [1, 2); the first thief splits [2, 4) again and the second (with the model's seed) steals start
# 3, so start 1 waits for a free worker until the moot start 2 ends uncut at 1.5 ms and succeeds
# at 2.5 ms.
expect("cancellation, yieldtasks", model.predict(cancel, 3, FREE)["yieldtasks"], 0.0025)
# Splitting only when the deque is empty (--lazy-split), start 1 waits behind start 0 on its
# worker (3 ms), while thieves run the moot starts 2 and 3 uncut (1.5 ms each).
expect("cancellation, yieldtasks lazy split",
       model.predict(cancel, 3, FREE, lazy_split=True)["yieldtasks"], 0.003)

# 8 long starts on 8 cores all start at once: worker 0 splits down to its first start while idle
# workers outnumber its splits, as do the thieves; splitting only when the deque is empty runs
# them in two rounds: starts 0, 4, 6 and 7, then 1, 2, 3 and 5, which waited behind 0 and 4.
wide = tree([{"items": [MS] * 8}])
expect("8 starts on 8 cores, yieldtasks", model.predict(wide, 8, FREE)["yieldtasks"], 0.001)
expect("8 starts on 8 cores, yieldtasks lazy split",
       model.predict(wide, 8, FREE, lazy_split=True)["yieldtasks"], 0.002)

for failure in failures:
    print("FAILED:", failure)
print(f"scaling model: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
