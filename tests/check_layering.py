#!/usr/bin/env python3
"""Checks the include layering of include/yieldtasks (docs/layering.md explains it).

Every header belongs to one layer, listed bottom to top in LAYERS. A header may include headers
of its own layer and of the layers below; a detail/ header may include a public header only from
a layer strictly below its own, since a public header is the face of its layer, built from that
layer's internals. A header that no pattern places fails the check, so a new header must be given
a layer.

Usage: check_layering.py [--graph] INCLUDE_DIR
  exits 1 and names every offending include; --graph prints the layers, which layers each one
  includes, and every include that breaks the rules, and exits 0.
"""

import fnmatch
import pathlib
import re
import sys

# Bottom to top. A header named exactly wins over any glob, so detail/taskmap_awaitable.hpp is
# in the taskmap layer although detail/*.hpp would place it in the scheduler's internals.
LAYERS = [
    ("vocabulary", ["config.hpp", "version.hpp", "usage_error.hpp", "available_concurrency.hpp",
                    "cluster_error.hpp", "remote_error.hpp", "cluster_options.hpp",
                    "pool_stats.hpp", "operation_cancelled.hpp"]),
    ("scheduler internals", ["detail/*.hpp"]),
    ("core", ["task.hpp", "stop_source.hpp", "when_all.hpp", "when_any.hpp", "executor.hpp",
              "sync_wait.hpp", "codec.hpp", "cereal_codec.hpp", "remote.hpp", "sleep_for.hpp",
              "await_future.hpp"]),
    ("cluster seam", ["detail/cluster/map_distributor.hpp", "detail/cluster/remote_items.hpp"]),
    ("taskmap", ["detail/taskmap_awaitable.hpp", "taskmap.hpp", "detail/reduce_awaitable.hpp",
                 "detail/completion_stream.hpp", "as_completed.hpp",
                 "reduce.hpp"]),
    ("executor internals", ["detail/executor/*.hpp"]),
    ("executors", ["thread_pool.hpp", "inline_executor.hpp", "trace_recorder.hpp"]),
    ("cluster", ["detail/cluster/*.hpp", "mpi.hpp"]),
    ("umbrella", ["yieldtasks.hpp"]),
]

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]yieldtasks/([^>"]+)[>"]', re.MULTILINE)


def layer_of(name):
    exact = [(i, p) for i, (_, ps) in enumerate(LAYERS) for p in ps if "*" not in p]
    globs = [(i, p) for i, (_, ps) in enumerate(LAYERS) for p in ps if "*" in p]
    for index, pattern in exact:
        if name == pattern:
            return index
    for index, pattern in globs:
        # A glob does not reach into subfolders: detail/*.hpp is not detail/cluster/x.hpp.
        if fnmatch.fnmatch(name, pattern) and name.count("/") == pattern.count("/"):
            return index
    return None


def describe(name, layer):
    return f"{name} ({LAYERS[layer][0]}, layer {layer})"


def main(argv):
    graph = "--graph" in argv
    paths = [a for a in argv if a != "--graph"]
    if len(paths) != 1:
        sys.stderr.write(__doc__)
        return 2
    root = pathlib.Path(paths[0]) / "yieldtasks"
    headers = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.hpp"))
    if not headers:
        print(f"check_layering: no headers under {root}")
        return 1

    problems = []
    layers = {}
    for name in headers:
        layers[name] = layer_of(name)
        if layers[name] is None:
            problems.append(f"{name}: in no layer; add it to LAYERS in tests/check_layering.py "
                            "and to docs/layering.md")

    reaches = {i: set() for i in range(len(LAYERS))}
    for name in headers:
        source = layers[name]
        text = (root / name).read_text(encoding="utf-8")
        for match in INCLUDE.finditer(text):
            target_name = match.group(1)
            line = text.count("\n", 0, match.start()) + 1
            where = f"include/yieldtasks/{name}:{line}"
            if target_name not in layers:
                problems.append(f"{where}: includes <yieldtasks/{target_name}>, which does not "
                                "exist")
                continue
            target = layers[target_name]
            if source is None or target is None:
                continue
            reaches[source].add(target)
            if target > source:
                problems.append(f"{where}: upward include: {describe(name, source)} includes "
                                f"{describe(target_name, target)}")
            elif (name.startswith("detail/") and not target_name.startswith("detail/") and
                  target == source):
                problems.append(f"{where}: a detail header includes the public header of its own "
                                f"layer: {describe(name, source)} includes {target_name}; the "
                                "public header is built from the detail, not the other way round")

    if graph:
        for index in reversed(range(len(LAYERS))):
            members = [n for n in headers if layers[n] == index]
            below = sorted(t for t in reaches[index] if t < index)
            above = sorted(t for t in reaches[index] if t > index)
            print(f"layer {index} {LAYERS[index][0]}: {' '.join(members) or '(empty)'}")
            if below:
                print(f"    includes layers {', '.join(map(str, below))}")
            if above:
                print(f"    UPWARD to layers {', '.join(map(str, above))}")
        print(f"{len(problems)} include(s) against the layering" + (":" if problems else ""))
        for problem in problems:
            print(f"  {problem}")
        return 0

    for problem in problems:
        print(problem)
    if problems:
        print(f"check_layering: {len(problems)} include(s) against the layering "
              "(see docs/layering.md)")
        return 1
    print(f"check_layering: {len(headers)} headers in {len(LAYERS)} layers, no include against "
          "the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
