#!/usr/bin/env python3
"""Turns a bench/results/<time>/ directory into results.md (the table against the targets) and two SVG
pictures: the latency distributions of item 1 (direct, gateway, nginx at a fixed rate) and item 4
(inbox, SSE, webhook). Standard library only."""
import csv
import glob
import json
import os
import sys

out = sys.argv[1]
r = {}
for line in open(os.path.join(out, "results.txt")):
    if "=" in line:
        k, v = line.rstrip("\n").split("=", 1)
        r[k] = v


def num(key):
    try:
        return float(r[key])
    except (KeyError, ValueError):
        return float("nan")


def ratio(a, b):
    x, y = num(a), num(b)
    return x / y if y else float("nan")


def verdict(ok):
    return "met" if ok else "**missed**"


def latencies(pattern):
    values = []
    for f in sorted(glob.glob(os.path.join(out, pattern))):
        for row in csv.DictReader(open(f)):
            if row.get("status-code", "").startswith("2"):
                values.append(float(row["response-time"]) * 1000)
    return sorted(values)


def cdf_svg(series, title, path, xmax=None):
    """A cumulative distribution per series, latency (ms, log scale) against the fraction of requests."""
    import math
    w, h, left, bottom = 640, 360, 60, 40
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    allv = [v for _, vals in series for v in vals if v > 0]
    if not allv:
        return
    lo, hi = max(0.05, min(allv)), xmax or max(allv)
    lx = lambda v: left + (math.log10(max(lo, min(v, hi))) - math.log10(lo)) / (math.log10(hi) - math.log10(lo) or 1) * (w - left - 20)
    ly = lambda f: h - bottom - f * (h - bottom - 30)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<rect width="{w}" height="{h}" fill="white"/>', f'<text x="{w / 2}" y="18" text-anchor="middle">{title}</text>',
             f'<line x1="{left}" y1="{h - bottom}" x2="{w - 20}" y2="{h - bottom}" stroke="black"/>',
             f'<line x1="{left}" y1="30" x2="{left}" y2="{h - bottom}" stroke="black"/>']
    tick = 10 ** math.floor(math.log10(lo))
    while tick <= hi * 1.0001:
        for m in (1, 2, 5):
            v = tick * m
            if lo <= v <= hi:
                parts.append(f'<line x1="{lx(v):.1f}" y1="{h - bottom}" x2="{lx(v):.1f}" y2="30" stroke="#ddd"/>')
                parts.append(f'<text x="{lx(v):.1f}" y="{h - bottom + 15}" text-anchor="middle">{v:g}</text>')
        tick *= 10
    for f in (0, 0.5, 0.9, 0.99, 1):
        parts.append(f'<text x="{left - 5}" y="{ly(f) + 4:.1f}" text-anchor="end">{f:g}</text>')
        parts.append(f'<line x1="{left}" y1="{ly(f):.1f}" x2="{w - 20}" y2="{ly(f):.1f}" stroke="#eee"/>')
    parts.append(f'<text x="{w / 2}" y="{h - 5}" text-anchor="middle">latency (ms, log scale)</text>')
    for i, (name, vals) in enumerate(series):
        if not vals:
            continue
        n = len(vals)
        step = max(1, n // 400)
        pts = " ".join(f"{lx(vals[j]):.1f},{ly((j + 1) / n):.1f}" for j in range(0, n, step))
        pts += f" {lx(vals[-1]):.1f},{ly(1):.1f}"
        parts.append(f'<polyline fill="none" stroke="{colours[i % 4]}" stroke-width="2" points="{pts}"/>')
        parts.append(f'<text x="{left + 10}" y="{45 + 16 * i}" fill="{colours[i % 4]}">{name} (n={n}, p50 {vals[n // 2]:.2f}, '
                     f'p99 {vals[min(n - 1, int(n * 0.99))]:.2f})</text>')
    parts.append("</svg>")
    open(path, "w").write("\n".join(parts))


cdf_svg([("direct to the service", latencies("hey-direct-*.csv")), ("through the gateway", latencies("hey-gateway-*.csv")),
         ("through nginx", latencies("hey-nginx-*.csv"))],
        "GET /api/v1/referrals/{id} at a fixed rate", os.path.join(out, "item1-latency.svg"))
prop = {}
if os.path.exists(os.path.join(out, "propagation.json")):
    prop = json.load(open(os.path.join(out, "propagation.json")))
    samples = json.load(open(os.path.join(out, "propagation-samples.json")))
    cdf_svg([("inbox readable", samples.get("inbox", [])), ("SSE push", samples.get("sse", [])),
             ("webhook arrived", samples.get("webhook", []))],
            f"201 of a referral to the receiver learning of it ({prop.get('rate')}/s)", os.path.join(out, "item4-propagation.svg"))
kafka = {}
if os.path.exists(os.path.join(out, "kafka-latency.txt")):
    for token in open(os.path.join(out, "kafka-latency.txt")).read().split():
        if token.startswith("kafka_") and "=" in token:
            k, v = token.split("=", 1)
            kafka[k] = v

print(f"Run {r.get('date')} on {r.get('machine')}; `{r.get('command')}`; each figure the median of {r.get('runs')} runs "
      f"of {r.get('seconds_per_run')} s.\n")
print("| # | figure | measured | reference | ratio or value | target | verdict |")
print("|---|---|---|---|---|---|---|")
g = ratio("gw_rps", "nginx_rps")
print(f"| 1 | gateway throughput at saturation (req/s) | {num('gw_rps'):.0f} | nginx {num('nginx_rps'):.0f} | {g:.2f} | >= 0.8 | {verdict(g >= 0.8)} |")
gs = ratio("gw_stub_rps", "nginx_stub_rps")
print(f"| 1 | in front of a fixed-response stub (req/s) | {num('gw_stub_rps'):.0f} | nginx {num('nginx_stub_rps'):.0f} | {gs:.2f} | (the proxies' own cost) | |")
print(f"| 1 | CPU time per request (µs) | gateway {num('gw_cpu_us'):.0f} | nginx {num('nginx_cpu_us'):.0f} | "
      f"{ratio('gw_cpu_us', 'nginx_cpu_us'):.1f}x | reported | |")
print(f"| 1 | CPU per request, stub (µs) | gateway {num('gw_stub_cpu_us'):.0f} | nginx {num('nginx_stub_cpu_us'):.0f} | "
      f"{ratio('gw_stub_cpu_us', 'nginx_stub_cpu_us'):.1f}x | reported | |")
a50, a99 = num("gw_p50") - num("direct_p50"), num("gw_p99") - num("direct_p99")
print(f"| 1 | added latency p50 (ms) | gateway {num('gw_p50'):.2f} | direct {num('direct_p50'):.2f} | +{a50:.2f} | <= 1 | {verdict(a50 <= 1)} |")
print(f"| 1 | added latency p99 (ms) | gateway {num('gw_p99'):.2f} | direct {num('direct_p99'):.2f} | +{a99:.2f} | <= 3 | {verdict(a99 <= 3)} |")
print(f"| 1 | nginx's added latency p50 / p99 (ms) | nginx {num('nginx_p50'):.2f} / {num('nginx_p99'):.2f} | | "
      f"+{num('nginx_p50') - num('direct_p50'):.2f} / +{num('nginx_p99') - num('direct_p99'):.2f} | reference | |")
rr = ratio("read_rps", "baseline_read_rps")
print(f"| 2 | read path (req/s) | service {num('read_rps'):.0f} | baseline {num('baseline_read_rps'):.0f} | {rr:.2f} | >= 0.5 | {verdict(rr >= 0.5)} |")
wr = ratio("write_held", "baseline_write_held")
print(f"| 3 | write path: highest rate with p99 <= 100 ms (req/s) | {num('write_held'):.0f} | baseline insert {num('baseline_write_held'):.0f} | "
      f"{wr:.2f} | reported | |")
for name in ("inbox", "sse", "webhook"):
    d = prop.get(name, {})
    p50, p99 = d.get("p50_ms", float("nan")), d.get("p99_ms", float("nan"))
    print(f"| 4 | 201 -> {name} p50 / p99 (ms) | {p50} / {p99} | Kafka {kafka.get('kafka_p50_ms', '?')} / {kafka.get('kafka_p99_ms', '?')} | "
          f"{d.get('received', 0)} of {prop.get('sent', 0)} | < 25 / < 100 | {verdict(p50 < 25 and p99 < 100)} |")
names = {"first": "received list, first page", "deep": "received list, a page 3/4 deep", "sync": "sync (updatedSince, latest 50)",
         "inbox": "inbox, first page"}
for q, label in names.items() if any(k.startswith("growth_") for k in r) else []:
    small, big = num(f"growth_10000_{q}_p99"), num(f"growth_1000000_{q}_p99")
    g = big / small if small else float("nan")
    plans = " / ".join(r.get(f"growth_{n}_plan_{q}", "?") for n in (10000, 100000, 1000000))
    print(f"| 5 | {label}: p99 at 10k / 100k / 1M (ms) | {num(f'growth_10000_{q}_p99'):.1f} / {num(f'growth_100000_{q}_p99'):.1f} / "
          f"{num(f'growth_1000000_{q}_p99'):.1f} | plans: {plans} | {g:.2f}x | <= 1.5x, index, no sort | "
          f"{verdict(g <= 1.5 and plans == 'index / index / index')} |")
print(f"| 6 | launcher ready (this run, fresh state) | {r.get('launcher_ready_s')} s | | | reported | |")
if os.path.exists(os.path.join(out, "stages.txt")):
    print("\nWhere the propagation time went (item 4; `bench/stages.py`, from the timestamps the services stored):\n")
    print("```")
    print(open(os.path.join(out, "stages.txt")).read().strip())
    print("```")
if any(k.startswith("growth_") for k in r):
    print("\nGrowth (item 5), p50 / p99 in ms at each size, through the gateway at a fixed rate; the queried agency "
          "receives a fifth of the referrals and holds a fifth of the notifications; plans in `explain-<size>-<query>.txt`:\n")
    print("| query | " + " | ".join(f"{int(num(f'growth_{n}_rows')):,} referrals ({int(num(f'growth_{n}_queried')):,} received)"
                                    for n in (10000, 100000, 1000000)) + " |")
    print("|---|---|---|---|")
    for q, label in names.items():
        cells = []
        for n in (10000, 100000, 1000000):
            cells.append(f"{num(f'growth_{n}_{q}_p50'):.1f} / {num(f'growth_{n}_{q}_p99'):.1f} ({r.get(f'growth_{n}_plan_{q}', '?')})")
        print(f"| {label} | " + " | ".join(cells) + " |")
if os.path.exists(os.path.join(out, "footprint.txt")):
    print("\nFootprint (startup as the service logged it; resident memory idle after start and after the load):\n")
    print("```")
    print(open(os.path.join(out, "footprint.txt")).read().strip())
    print("```")
