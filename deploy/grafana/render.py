#!/usr/bin/python3
"""Renders every dashboard of this folder as one PNG (a plot per panel, laid out as in Grafana)
from a Prometheus, so the dashboards can be looked at without Grafana. `make dashboards` runs it
against the local stack's Prometheus (`make run`).

usage: render.py [--prometheus URL] [--minutes N] [--out DIR]
  --prometheus  default http://127.0.0.1:7090 (plus IPRAKTIK_STACK_PORT_OFFSET, as make run)
  --minutes     how far back to plot (default 60; the plots start where the data does)
  --out         default build/dashboards
"""
import argparse
import datetime
import math
import os
import pathlib
import sys
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

import promdash  # noqa: E402

# Grafana units the plots scale for; the rest are plotted as they are.
UNITS = {
    "percentunit": (100, "%"),
    "s": (1, "seconds"),
    "bytes": (1 / 2**20, "MiB"),
    "reqps": (1, "calls/s"),
}


def plot_panel(axes, prometheus, panel, start, end, step):
    clock = "%H:%M:%S" if end - start < 600 else "%H:%M"
    scale, label = UNITS.get(panel.unit, (1, ""))
    drawn = 0
    for expr, legend_format in panel.targets:
        for labels, values in prometheus.query_range(expr, start, end, step):
            points = [(t, v * scale) for t, v in values if not math.isnan(v)]
            if not points:
                continue
            times = [datetime.datetime.fromtimestamp(t, datetime.timezone.utc) for t, _ in points]
            axes.plot(times, [v for _, v in points], linewidth=1.4,
                      label=promdash.legend(legend_format, labels) or expr[:40])
            drawn += 1
    axes.set_title(panel.title, fontsize=10, loc="left")
    axes.xaxis.set_major_formatter(matplotlib.dates.DateFormatter(clock))
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    if label:
        axes.set_ylabel(label, fontsize=8)
    if drawn == 0:
        axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes,
                  color="grey")
    elif drawn <= 12:
        axes.legend(fontsize=6, loc="upper left", frameon=False)
    return drawn


def render(prometheus, out, minutes):
    end = time.time()
    start = end - minutes * 60
    # Start where the data starts, so a fresh stack's few minutes fill the plots.
    oldest = prometheus.query(f"min(timestamp(up offset {minutes}m)) or min(process_start_time_seconds)")
    if oldest and oldest[0][1] > start:
        start = oldest[0][1]
    step = max(5, int((end - start) / 300))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (title, panels) in promdash.dashboards().items():
        rows = math.ceil(len(panels) / 2)
        figure, grid = plt.subplots(rows, 2, figsize=(14, 3.2 * rows), squeeze=False)
        for axes, panel in zip(grid.flat, panels):
            plot_panel(axes, prometheus, panel, start, end, step)
        for axes in list(grid.flat)[len(panels):]:
            axes.set_visible(False)
        figure.suptitle(f"{title}  ({time.strftime('%Y-%m-%d %H:%M', time.gmtime(start))} to "
                        f"{time.strftime('%H:%M', time.gmtime(end))} UTC)", fontsize=12)
        figure.tight_layout(rect=(0, 0, 1, 0.97))
        path = out / f"{name}.png"
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    return written


def main():
    offset = int(os.environ.get("IPRAKTIK_STACK_PORT_OFFSET", "0"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prometheus", default=f"http://127.0.0.1:{7090 + offset}")
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--out", default=str(promdash.ROOT / "build/dashboards"))
    args = parser.parse_args()
    prometheus = promdash.Prometheus(args.prometheus)
    try:
        prometheus.query("up")
    except OSError as error:
        sys.exit(f"no Prometheus at {args.prometheus} ({error}): start the stack with `make run`")
    for path in render(prometheus, pathlib.Path(args.out), args.minutes):
        print(path)


if __name__ == "__main__":
    main()
