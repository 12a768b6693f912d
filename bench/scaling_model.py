#!/usr/bin/env python3
"""A scaling model of the subscription benchmark for machines we cannot test on (issue 24).

Replays the task tree that `bench_subscription --record-tree FILE` recorded from a serial run in a
discrete-event simulation of P cores under each strategy of bench/subscription/:

- serial: the recorded compute segments, one after another.
- undersubscribe: the top-level map on P threads taking items in turn, each item's inner levels
  serial (threads.cpp).
- oversubscribe: every map call starts min(n, P) fresh threads taking items in turn, its caller
  blocked in the join (threads.cpp). The OS shares the P cores fairly among the runnable threads
  (processor sharing); with more runnable threads than cores each time slice ends in a switch.
  Each fresh thread costs its starter `fresh_thread_ns`, each join's wake-up and each time slice
  `context_switch_ns`.
- yieldtasks: one pool of P workers, each with a deque. A map of plain items (the optimizer starts)
  runs as a range that splits in half between items when its worker's deque is empty, the upper
  half pushed for thieves; a map of coroutine items (targets, candidates) starts one item at a time from a
  spawn job that re-pushes itself first (work-first); an idle worker steals the oldest job of a
  random busy worker; whoever finishes a map's last item resumes the awaiting item
  (taskmap_awaitable.hpp). Each item costs `item_ns`, each coroutine item `spawn_ns` more, each
  steal `steal_ns`, and waking a parked worker `wake_ns`.

Cancellation is replayed too: an optimizer start that the serial run skipped (moot: a lower start,
or an earlier candidate of the same expansion, had already succeeded) may run in parallel before
that success, and then runs until the success cuts it short. Its uncut length is taken as the mean
of the starts that ran in the winner's map.

The cost constants come from scaling_costs.json beside this script (how each was measured is in
it). Compute may also run `slowdown` times slower while two cores or more are busy, as it does on
the project's 2-vCPU machine; `validate` measures that factor, `predict` leaves it at 1.
Python 3 standard library only.

    python3 bench/scaling_model.py [--markdown] predict TREE.json [--cores 2,16,32,64]
                                   [--svg CHART.svg] [--lazy-split]
    python3 bench/scaling_model.py [--markdown] validate BENCH_SUBSCRIPTION [--cores 2]
                                   [--rounds 5] [--out FILE] [-- JOB SELECTION]
"""

import argparse
import heapq
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile

STRATEGIES = ("serial", "undersubscribe", "oversubscribe", "yieldtasks")
NS = 1e-9


class Leaf:
    """One optimizer start (any item without nested maps)."""

    __slots__ = ("seconds", "moot", "uncut", "cancelled_by", "done", "watchers")

    def __init__(self, seconds):
        self.seconds = seconds
        self.moot = False  # the serial run skipped it
        self.uncut = seconds
        self.cancelled_by = None  # the Leaf whose success made it moot
        self.done = False
        self.watchers = []


class Map:
    """A map call: its items are Leafs or lists of segments (seconds, or a nested Map)."""

    __slots__ = ("items", "plain")

    def __init__(self, items):
        self.items = items
        self.plain = all(isinstance(i, Leaf) for i in items)


def parse_item(node):
    if isinstance(node, (int, float)):
        return Leaf(node * NS)
    return [s * NS if isinstance(s, (int, float)) else parse_map(s) for s in node]


def parse_map(node):
    m = Map([parse_item(i) for i in node["items"]])
    for index in node.get("moot", []):
        m.items[index].moot = True
    return m


def link_cancellation(m):
    """Points every moot start at the start whose success made it moot."""
    previous_winner = None
    previous_uncut = 0.0
    for item in m.items:
        if isinstance(item, Leaf):
            continue
        for segment in item:
            if not isinstance(segment, Map):
                continue
            if not segment.plain:
                link_cancellation(segment)
                continue
            ran = [leaf for leaf in segment.items if not leaf.moot]
            moot = [leaf for leaf in segment.items if leaf.moot]
            if ran:
                # In the serial run every start after the winner was moot: the winner ran last.
                previous_winner = ran[-1]
                previous_uncut = sum(leaf.seconds for leaf in ran) / len(ran)
            # A map all moot is a candidate after the expansion's solved one (or, with no winner
            # before it in this map, one the model cannot place: it keeps its recorded length).
            winner = previous_winner if moot else None
            for leaf in moot:
                leaf.cancelled_by = winner
                leaf.uncut = previous_uncut if winner else leaf.seconds


def load_tree(path):
    with open(path) as f:
        raw = json.load(f)
    root = parse_item(raw["root"])
    if isinstance(root, Leaf):
        root = [root.seconds]
    # link_cancellation walks the maps a map's items await: wrap the root as such an item.
    link_cancellation(Map([root]))
    return raw, root


def reset(node):
    """Clears the replay state of every Leaf under `node` (an item or a Map)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Leaf):
            n.done = False
            n.watchers = []
        elif isinstance(n, Map):
            stack.extend(n.items)
        elif isinstance(n, list):
            stack.extend(s for s in n if not isinstance(s, float))


def serial_seconds(node):
    if isinstance(node, Leaf):
        return node.seconds
    if isinstance(node, Map):
        return sum(serial_seconds(i) for i in node.items)
    return sum(s if isinstance(s, float) else serial_seconds(s) for s in node)


def split_root(root):
    """The root's compute before and after its top-level map, and the map."""
    maps = [s for s in root if isinstance(s, Map)]
    if len(maps) != 1:
        raise ValueError("the tree's root must await exactly one map (the jobs)")
    at = root.index(maps[0])
    return sum(root[:at]), maps[0], sum(root[at + 1:])


class Thread:
    """An OS thread: its program yields ("run", seconds), ("leaf", Leaf), ("spawn", Team) and
    ("join", Team)."""

    __slots__ = ("program", "token", "leaf", "team")

    def __init__(self, program, team):
        self.program = program
        self.team = team
        self.token = 0
        self.leaf = None


class Team:
    """The fresh threads of one map call."""

    __slots__ = ("map", "depth", "next", "live", "waiter")

    def __init__(self, m, depth):
        self.map = m
        self.depth = depth  # 1: the top-level map's items
        self.next = 0
        self.live = 0
        self.waiter = None


def simulate_threads(root, cores, costs, slowdown, fresh_below_top):
    """Fresh threads for the top-level map (undersubscribe), and for every inner map too if
    `fresh_below_top` (oversubscribe).
    Processor sharing of the runnable threads on `cores` cores: virtual time counts the work each
    runnable thread has done, so a thread's finish is a fixed key in it. While two cores or more
    are busy, compute runs `slowdown` times slower."""
    fresh = costs["fresh_thread_ns"] * NS
    switch = costs["context_switch_ns"] * NS
    slice_efficiency = max(0.0, 1.0 - costs["context_switch_ns"] / costs["time_slice_ns"])

    def item_program(item, depth):
        if isinstance(item, Leaf):
            yield ("leaf", item)
            return
        for segment in item:
            if isinstance(segment, float):
                yield ("run", segment)
                continue
            if depth >= 1 and not fresh_below_top:
                for inner in segment.items:
                    yield from item_program(inner, depth + 1)
                continue
            team = Team(segment, depth + 1)
            for _ in range(min(len(segment.items), cores)):
                yield ("run", fresh)
                yield ("spawn", team)
            yield ("join", team)
            yield ("run", switch)

    def worker_program(team):
        items = team.map.items
        while team.next < len(items):
            team.next += 1
            yield from item_program(items[team.next - 1], team.depth)

    now = 0.0
    virtual = 0.0
    runnable = []  # heap of (virtual finish, sequence, token, thread)
    count = 0
    sequence = 0

    def run(thread, work):
        nonlocal sequence, count
        thread.token += 1
        sequence += 1
        count += 1
        heapq.heappush(runnable, (virtual + work, sequence, thread.token, thread))

    def advance(thread):
        """Steps `thread` to its next timed action, or blocks it in a join, or ends it."""
        nonlocal count
        for action in thread.program:
            kind = action[0]
            if kind == "run":
                run(thread, action[1])
                return
            if kind == "leaf":
                leaf = thread.leaf = action[1]
                winner = leaf.cancelled_by
                if winner is not None and not winner.done:
                    winner.watchers.append((thread, thread.token + 1))
                    run(thread, leaf.uncut)
                else:
                    run(thread, leaf.seconds)
                return
            if kind == "spawn":
                team = action[1]
                team.live += 1
                advance(Thread(worker_program(team), team))
            elif kind == "join":
                team = action[1]
                if team.live > 0:
                    team.waiter = thread
                    return
        team = thread.team
        if team is not None:
            team.live -= 1
            if team.live == 0 and team.waiter is not None:
                waiter, team.waiter = team.waiter, None
                advance(waiter)

    advance(Thread(item_program(root, 0), None))
    while runnable:
        finish, _, token, thread = heapq.heappop(runnable)
        if token != thread.token:
            continue  # cut short by a cancellation; its new entry is in the heap
        rate = 1.0 if count <= cores else cores / count * slice_efficiency
        if min(count, cores) >= 2:
            rate /= slowdown
        now += (finish - virtual) / rate
        virtual = finish
        count -= 1
        leaf, thread.leaf = thread.leaf, None
        if leaf is not None and not leaf.done:
            leaf.done = True
            for watcher, token in leaf.watchers:
                if watcher.token == token and watcher.leaf is not None:
                    count -= 1
                    run(watcher, 0.0)
        advance(thread)
    return now


class SpawnJob:
    """Starts a coroutine map's item `index`, re-pushing itself for the next one first."""

    __slots__ = ("state", "index")

    def __init__(self, state, index):
        self.state = state
        self.index = index


class RangeJob:
    """Plain items [begin, end) of one map."""

    __slots__ = ("state", "begin", "end")

    def __init__(self, state, begin, end):
        self.state = state
        self.begin = begin
        self.end = end


class MapState:
    """A running map: its items not yet finished, and where the awaiting item goes on."""

    __slots__ = ("map", "left", "parent")

    def __init__(self, m, parent):
        self.map = m
        self.left = len(m.items)
        self.parent = parent  # ("resume", segments, next index, the item's own MapState)


def simulate_yieldtasks(root, cores, costs, slowdown=1.0, lazy_split=False, seed=0):
    """Work stealing on `cores` workers, each a core of its own. A worker's compute runs
    `slowdown` times slower if another worker is busy when it starts. A range splits when its
    worker's deque is empty and further while the idle workers (parked, or woken and not yet
    stealing) outnumber the jobs in that deque, as worker::wants_split does; `lazy_split` is the
    rule before that, a what-if: split only when the deque is empty."""
    item_cost = costs["item_ns"] * NS
    spawn_cost = costs["spawn_ns"] * NS
    steal_cost = costs["steal_ns"] * NS
    wake_cost = costs["wake_ns"] * NS
    rng = random.Random(seed)
    deques = [[] for _ in range(cores)]
    idle = set(range(1, cores))
    woken = set()  # taken off `idle` by a push, not yet looking for work: counted as idle
    events = []  # (time, sequence, worker, token): a worker's current action ends
    tokens = [0] * cores
    current = [None] * cores  # what a worker does when its event fires
    running_leaf = [None] * cores  # (leaf, its RangeJob) while a worker runs a start
    sequence = 0
    before, top, after = split_root(root)
    finished = [None]

    def pace():
        return slowdown if cores - len(idle) >= 2 else 1.0

    def schedule(worker, at):
        nonlocal sequence
        tokens[worker] += 1
        sequence += 1
        heapq.heappush(events, (at, sequence, worker, tokens[worker]))

    def push(worker, job, now):
        deques[worker].append(job)
        if idle:
            wakes = idle.pop()
            woken.add(wakes)
            schedule(wakes, now + wake_cost)

    def start_map(m, parent):
        state = MapState(m, parent)
        return RangeJob(state, 0, len(m.items)) if m.plain else SpawnJob(state, 0)

    def resume_item(segments, index, owner):
        """Runs an item's compute from segment `index` up to its next map or its end: returns
        the time it takes and what follows (the map's first job, or the item's end)."""
        spent = 0.0
        while index < len(segments):
            segment = segments[index]
            index += 1
            if isinstance(segment, float):
                spent += segment
            else:
                return spent, start_map(segment, ("resume", segments, index, owner))
        return spent, ("done", owner)

    def item_done(state, now):
        """Accounts for a finished item; the last one's worker resumes the awaiting item."""
        state.left -= 1
        if state.left > 0:
            return None
        if state.parent is None:
            finished[0] = now
        return state.parent

    def step(worker, now):
        """Starts the worker's next action at `now` and schedules its end, or idles it."""
        what = current[worker]
        current[worker] = None
        woken.discard(worker)
        while isinstance(what, tuple) and what[0] == "done":
            what = item_done(what[1], now)
        if what is None:
            if deques[worker]:
                what = deques[worker].pop()
            else:
                victims = [w for w in range(cores) if deques[w]]
                if not victims:
                    idle.add(worker)
                    return
                what = deques[rng.choice(victims)].pop(0)
                now += steal_cost
        if isinstance(what, RangeJob):
            while what.end - what.begin > 1 and (
                    not deques[worker]
                    or (not lazy_split and len(deques[worker]) < len(idle) + len(woken))):
                middle = what.begin + (what.end - what.begin) // 2
                push(worker, RangeJob(what.state, middle, what.end), now)
                what.end = middle
            leaf = what.state.map.items[what.begin]
            what.begin += 1
            seconds = leaf.seconds
            winner = leaf.cancelled_by
            if winner is not None and not winner.done:
                seconds = leaf.uncut
                winner.watchers.append((worker, tokens[worker] + 1))
            running_leaf[worker] = (leaf, what)
            schedule(worker, now + item_cost + seconds * pace())
        elif isinstance(what, SpawnJob):
            state = what.state
            if what.index + 1 < len(state.map.items):
                push(worker, SpawnJob(state, what.index + 1), now)
            item = state.map.items[what.index]
            segments = [item.seconds] if isinstance(item, Leaf) else item
            spent, current[worker] = resume_item(segments, 0, state)
            schedule(worker, now + item_cost + spawn_cost + spent * pace())
        else:
            _, segments, index, owner = what
            spent, current[worker] = resume_item(segments, index, owner)
            schedule(worker, now + spent * pace())

    # The pool's workers start before the map; the caller's own compute runs around it.
    start = before + cores * costs["fresh_thread_ns"] * NS
    current[0] = start_map(top, None)
    schedule(0, start)
    while events:
        now, _, worker, token = heapq.heappop(events)
        if token != tokens[worker]:
            continue  # superseded: a cancellation cut the start short
        if running_leaf[worker] is not None:
            leaf, job = running_leaf[worker]
            running_leaf[worker] = None
            if not leaf.done:
                leaf.done = True
                for watcher, watched in leaf.watchers:
                    if tokens[watcher] == watched and running_leaf[watcher] is not None:
                        schedule(watcher, now)
            resumed = item_done(job.state, now)
            current[worker] = job if job.begin < job.end else resumed
        step(worker, now)
    return finished[0] + after


def predict(root, cores, costs, slowdown=1.0, lazy_split=False):
    """Predicted wall seconds per strategy on `cores` cores."""
    simulators = {
        "serial": lambda: serial_seconds(root),
        "undersubscribe": lambda: simulate_threads(root, cores, costs, slowdown, False),
        "oversubscribe": lambda: simulate_threads(root, cores, costs, slowdown, True),
        "yieldtasks": lambda: simulate_yieldtasks(root, cores, costs, slowdown, lazy_split),
    }
    out = {}
    for name in STRATEGIES:
        reset(root)
        out[name] = simulators[name]()
    return out


def speedup_chart(rows, cores_list, title):
    """A stdlib-only SVG line chart of each strategy's predicted speed-up over serial."""
    width, height, left, bottom, top, right = 640, 360, 60, 50, 40, 150
    top_speedup = max(max(r[n] for n in STRATEGIES) for r in rows.values())
    y_max = max(2.0, math.ceil(top_speedup / 4) * 4)
    colors = {"serial": "#888888", "undersubscribe": "#d95f02", "oversubscribe": "#7570b3",
              "yieldtasks": "#1b9e77"}
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(i):
        return left + plot_w * i / max(1, len(cores_list) - 1)

    def y_of(v):
        return top + plot_h * (1 - v / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14">{title}</text>']
    for k in range(5):
        v = y_max * k / 4
        out.append(f'<line x1="{left}" y1="{y_of(v):.1f}" x2="{left + plot_w}" '
                   f'y2="{y_of(v):.1f}" stroke="#dddddd"/>')
        out.append(f'<text x="{left - 8}" y="{y_of(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i, cores in enumerate(cores_list):
        out.append(f'<text x="{x_of(i):.1f}" y="{top + plot_h + 18}" '
                   f'text-anchor="middle">{cores}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">cores'
               '</text>')
    out.append(f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + plot_h / 2})">speed-up over serial</text>')
    for j, name in enumerate(STRATEGIES):
        points = " ".join(f"{x_of(i):.1f},{y_of(rows[c][name]):.1f}"
                          for i, c in enumerate(cores_list))
        out.append(f'<polyline points="{points}" fill="none" stroke="{colors[name]}" '
                   'stroke-width="2"/>')
        for i, c in enumerate(cores_list):
            out.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(rows[c][name]):.1f}" r="3" '
                       f'fill="{colors[name]}"/>')
        y = top + 10 + 20 * j
        out.append(f'<line x1="{width - right + 15}" y1="{y}" x2="{width - right + 35}" '
                   f'y2="{y}" stroke="{colors[name]}" stroke-width="2"/>')
        out.append(f'<text x="{width - right + 40}" y="{y + 4}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def load_costs(path):
    with open(path) as f:
        return {k: v["value"] for k, v in json.load(f)["constants"].items()}


def print_row(cells, markdown, widths):
    if markdown:
        print("| " + " | ".join(cells) + " |")
    else:
        print("  ".join(f"{c:>{w}}" for c, w in zip(cells, widths)))


def command_predict(args):
    costs = load_costs(args.costs)
    raw, root = load_tree(args.tree)
    cores_list = [int(c) for c in args.cores.split(",")]
    print(f"{args.tree}: {raw['leaves']} leaves in {raw['maps']} maps, recorded serial wall "
          f"{raw['wall_ns'] * NS:.3f} s, compute {serial_seconds(root):.3f} s")
    print("\npredicted wall s (speed-up over serial); under- and oversubscription / yieldtasks")
    if args.markdown:
        print("| cores | serial s | undersubscribe s | oversubscribe s | yieldtasks s | "
              "under / yt | over / yt |\n" + "| --- " * 7 + "|")
    rows = {}
    for cores in cores_list:
        walls = predict(root, cores, costs, lazy_split=args.lazy_split)
        rows[cores] = {name: walls["serial"] / walls[name] for name in STRATEGIES}
        cells = [str(cores)] + [f"{walls[n]:.3f} ({rows[cores][n]:.2f}x)" for n in STRATEGIES]
        cells += [f"{walls['undersubscribe'] / walls['yieldtasks']:.2f}x",
                  f"{walls['oversubscribe'] / walls['yieldtasks']:.2f}x"]
        print_row(cells, args.markdown, [5] + [17] * 4 + [10] * 2)
    if args.svg:
        names = ", ".join(raw.get("names", []))
        with open(args.svg, "w") as f:
            f.write(speedup_chart(rows, cores_list, f"Scaling model, predicted: {names}"))
    return 0


def run_child(command):
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def without_job_list(selection):
    """`selection` less its --targets or --circuits option."""
    out = []
    skip = False
    for arg in selection:
        if skip:
            skip = False
        elif arg in ("--targets", "--circuits"):
            skip = True
        elif not arg.startswith(("--targets=", "--circuits=")):
            out.append(arg)
    return out


SLOWDOWNS = {
    "processes": "P serial processes at once: their mean wall over the lone serial run's",
    "threads": "P copies of the jobs undersubscribed on P threads of one process: CPU time over "
               "P times the lone serial run's",
}


def command_validate(args):
    """Rounds of: the tree recorded, the serial strategy, the busy-core slowdown measured two
    ways (SLOWDOWNS), each parallel strategy; then each round's predictions from its own tree,
    with each slowdown and with none, against its runs."""
    costs = load_costs(args.costs)
    selection = args.selection
    child = [args.binary, "--child"]
    cores = str(args.cores)
    parallel = [n for n in STRATEGIES if n != "serial"]
    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        tree_path = os.path.join(folder, "tree.json")
        for r in range(args.rounds):
            subprocess.run([args.binary, "--record-tree", tree_path] + selection, check=True,
                           capture_output=True)
            raw, root = load_tree(tree_path)
            runs = {"serial": run_child(child + ["serial", "--threads", "1"] + selection)}
            alone = runs["serial"]
            together = [subprocess.Popen(child + ["serial", "--threads", "1"] + selection,
                                         stdout=subprocess.PIPE, text=True)
                        for _ in range(args.cores)]
            walls = [json.loads(p.communicate()[0])["wall"] for p in together]
            job_list = "--targets" if raw["workload"] == "synthesis" else "--circuits"
            copies = run_child(child + ["undersubscribe", "--threads", cores, job_list,
                                        ",".join(raw["names"] * args.cores)]
                               + without_job_list(selection))
            slowdowns = {"processes": sum(walls) / len(walls) / alone["wall"],
                         "threads": copies["cpu"] / (args.cores * alone["cpu"])}
            for name in parallel:
                runs[name] = run_child(child + [name, "--threads", cores] + selection)
            if any(run["circuits"] != alone["circuits"] for run in runs.values()):
                sys.exit("the strategies disagree on the circuits")
            predicted = {way: predict(root, args.cores, costs, f) for way, f in slowdowns.items()}
            predicted["none"] = predict(root, args.cores, costs)
            rounds.append({"tree_wall": raw["wall_ns"] * NS, "slowdowns": slowdowns,
                           "measured": {n: run["wall"] for n, run in runs.items()},
                           "cpu": {n: run["cpu"] for n, run in runs.items()},
                           "predicted": predicted})
            print(f"round {r + 1}: tree {rounds[-1]['tree_wall']:.3f} s, slowdowns "
                  + ", ".join(f"{w} {f:.3f}" for w, f in slowdowns.items()) + "; "
                  + ", ".join(f"{n} {w:.3f}" for n, w in rounds[-1]["measured"].items()),
                  file=sys.stderr)

    median = statistics.median
    print(f"{args.cores} cores, {args.rounds} rounds, job selection "
          f"{' '.join(selection) or '(default)'}; busy-core slowdowns (median, range):")
    for way, how in SLOWDOWNS.items():
        values = [r["slowdowns"][way] for r in rounds]
        print(f"  {way} {median(values):.3f} ({min(values):.3f}-{max(values):.3f}): {how}")
    ways = list(SLOWDOWNS) + ["none"]
    if args.markdown:
        print("| strategy | measured s | CPU s | "
              + " | ".join(f"predicted, slowdown {w} | error" for w in ways) + " |\n"
              + "| --- " * (3 + 2 * len(ways)) + "|")
    for name in STRATEGIES:
        measured = median([r["measured"][name] for r in rounds])
        cells = [name, f"{measured:.3f}", f"{median([r['cpu'][name] for r in rounds]):.3f}"]
        for way in ways:
            predicted = median([r["predicted"][way][name] for r in rounds])
            cells += [f"{predicted:.3f}", f"{(predicted - measured) / measured * 100:+.1f} %"]
        print_row(cells, args.markdown, [15] + [9] * (2 + 2 * len(ways)))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rounds, f, indent=1)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--costs", default=os.path.join(os.path.dirname(__file__),
                                                        "scaling_costs.json"))
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("predict", help="replay a recorded tree on each core count")
    p.add_argument("tree", help="a bench_subscription --record-tree file")
    p.add_argument("--cores", default="2,16,32,64", help="comma-separated core counts")
    p.add_argument("--svg", help="write the speed-up chart here")
    p.add_argument("--lazy-split", action="store_true",
                   help="what-if: yieldtasks' ranges split only when their worker's deque is "
                        "empty (the rule before 2026-12-06)")
    p.set_defaults(run=command_predict)
    v = commands.add_parser("validate", help="predict and measure this machine, round by round")
    v.add_argument("binary", help="bench_subscription")
    v.add_argument("--cores", type=int, default=2, help="cores (threads) to measure and predict")
    v.add_argument("--rounds", type=int, default=5)
    v.add_argument("--out", help="write every round's measurements and predictions here (JSON)")
    v.set_defaults(run=command_validate)
    # After `--`: bench_subscription's job selection (--targets single, ...).
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    args.selection = argv[cut + 1:]
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
