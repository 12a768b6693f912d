#!/usr/bin/env python3
"""Draws a Chrome trace-event JSON file (a `yt::trace_recorder`'s, e.g. `qsearch --trace F`) as an
SVG timeline, with the standard library only.

    trace_to_svg.py TRACE.json [--output F.svg] [--title T] [--start US] [--end US]

One track per worker (tid); each complete ("X") span is a bar, spans nested inside others are
drawn in rows below them; the colour says the span's name (its map), lighter the deeper the
map (args.depth). --start/--end cut a window, in microseconds from the start of the trace. The
SVG goes next to the input unless --output says otherwise.
"""
import argparse
import json
from pathlib import Path
from xml.sax.saxutils import escape

PALETTE = ["#2b7bba", "#e08214", "#4dac26", "#d01c8b", "#8073ac", "#b35806", "#1b9e77", "#999999"]
LEFT, WIDTH, ROW, TRACK_GAP = 90, 900, 14, 10


def lighter(colour: str, depth: int) -> str:
    """`colour` mixed with white, a fifth more per level of depth (at most four)."""
    mix = min(depth, 4) * 0.2
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * mix):02x}" for c in rgb)


def nest(spans):
    """Gives each span of one worker its row: one below the innermost span that contains it."""
    rows, open_ends = [], []
    for begin, end, span in sorted(spans, key=lambda s: (s[0], -s[1])):
        while open_ends and open_ends[-1] <= begin:
            open_ends.pop()
        rows.append((len(open_ends), begin, end, span))
        open_ends.append(end)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--output")
    parser.add_argument("--title", default="")
    parser.add_argument("--start", type=float)
    parser.add_argument("--end", type=float)
    args = parser.parse_args()

    events = json.loads(Path(args.trace).read_text())["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e.get("ph") == "M"}
    spans = [e for e in events if e.get("ph") == "X"]
    if not spans:
        raise SystemExit(f"{args.trace}: no spans")
    start = args.start if args.start is not None else min(e["ts"] for e in spans)
    end = args.end if args.end is not None else max(e["ts"] + e["dur"] for e in spans)
    scale = WIDTH / max(end - start, 1e-9)
    colours = {}
    for e in sorted(spans, key=lambda e: e["ts"]):
        colours.setdefault(e["name"], PALETTE[len(colours) % len(PALETTE)])

    parts, y = [], 30 if args.title else 10
    if args.title:
        parts.append(f'<text x="{LEFT}" y="18" font-weight="bold">{escape(args.title)}</text>')
    for tid in sorted({e["tid"] for e in spans} | set(names)):
        mine = [(e["ts"], e["ts"] + e["dur"], e) for e in spans
                if e["tid"] == tid and e["ts"] + e["dur"] >= start and e["ts"] <= end]
        rows = nest(mine)
        depth = max((row for row, *_ in rows), default=0) + 1
        parts.append(f'<text x="4" y="{y + 11}">{escape(names.get(tid, f"tid {tid}"))}</text>')
        for row, begin, finish, e in rows:
            x0 = LEFT + (max(begin, start) - start) * scale
            x1 = LEFT + (min(finish, end) - start) * scale
            fill = lighter(colours[e["name"]], e.get("args", {}).get("depth", 0))
            tip = f'{e["name"]}: {e["dur"]:.1f} us'
            if "items" in e.get("args", {}):
                tip += f', {e["args"]["items"]} items'
            parts.append(f'<rect x="{x0:.2f}" y="{y + row * ROW}" width="{max(x1 - x0, 0.3):.2f}" '
                         f'height="{ROW - 2}" fill="{fill}"><title>{escape(tip)}</title></rect>')
        y += depth * ROW + TRACK_GAP
    axis = f"{end - start:.0f} us" if end - start < 10_000 else f"{(end - start) / 1000:.1f} ms"
    parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{LEFT + WIDTH}" y2="{y}" stroke="black"/>')
    parts.append(f'<text x="{LEFT}" y="{y + 14}">0</text>')
    parts.append(f'<text x="{LEFT + WIDTH}" y="{y + 14}" text-anchor="end">{axis}</text>')
    y += 24
    x = LEFT
    for name, colour in colours.items():
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    height = y + 20
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{LEFT + WIDTH + 10}" height="{height}" '
           f'font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" '
           f'fill="white"/>\n' + "\n".join(parts) + "\n</svg>\n")
    output = Path(args.output) if args.output else Path(args.trace).with_suffix(".svg")
    output.write_text(svg)
    print(f"{output}: {len(spans)} spans on {len(names)} workers")


if __name__ == "__main__":
    main()
