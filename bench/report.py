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


def isnan(x):
    return isinstance(x, float) and x != x


def fmt(x, spec=".0f"):
    """A figure, or n/a when the run did not measure it (an older results directory, an item left out)."""
    if x is None or isnan(x):
        return "n/a"
    return format(x, spec) if isinstance(x, (int, float)) else str(x)


def times(x):
    return "n/a" if isnan(x) else f"{x:.1f}x"


def verdict(ok, *figures):
    if any(f is None or isnan(f) for f in figures):
        return "n/a"
    return "met" if ok else "**missed**"


def load_json(*parts):
    path = os.path.join(out, *parts)
    return json.load(open(path)) if os.path.exists(path) else {}


def write_p99(kind, rate):
    """The p99 (ms) write.txt holds for the given ladder ("gateway POST" / "baseline insert") at that rate."""
    path = os.path.join(out, "write.txt")
    if not os.path.exists(path) or isnan(rate):
        return float("nan")
    for line in open(path):
        if line.startswith(f"{kind} at {rate:.0f}/s "):
            try:
                return float(line.split("p99 ", 1)[1].split(" ms", 1)[0])
            except (IndexError, ValueError):
                pass
    return float("nan")


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
prop, prop200 = load_json("propagation.json"), load_json("prop200", "propagation.json")
if prop and os.path.exists(os.path.join(out, "propagation-samples.json")):
    samples = json.load(open(os.path.join(out, "propagation-samples.json")))
    cdf_svg([("inbox readable", samples.get("inbox", [])), ("SSE push", samples.get("sse", [])),
             ("webhook arrived", samples.get("webhook", []))],
            f"201 of a referral to the receiver learning of it ({prop.get('rate')}/s)", os.path.join(out, "item4-propagation.svg"))
if prop200 and os.path.exists(os.path.join(out, "prop200", "propagation-samples.json")):
    samples = json.load(open(os.path.join(out, "prop200", "propagation-samples.json")))
    cdf_svg([("inbox readable", samples.get("inbox", [])), ("SSE push", samples.get("sse", [])),
             ("webhook arrived", samples.get("webhook", []))],
            f"201 of a referral to the receiver learning of it ({prop200.get('rate')}/s)", os.path.join(out, "item4-propagation-200.svg"))
kafka = {}
if os.path.exists(os.path.join(out, "kafka-latency.txt")):
    for token in open(os.path.join(out, "kafka-latency.txt")).read().split():
        if token.startswith("kafka_") and "=" in token:
            k, v = token.split("=", 1)
            kafka[k] = v

storage = r.get("storage", "n/a")
print(f"Run {r.get('date')} on {r.get('machine')}; `{r.get('command')}`; storage: {storage}; each figure the median of "
      f"{r.get('runs')} runs of {r.get('seconds_per_run')} s.\n")
print(f"PostgreSQL ran with: {r.get('pg_settings', 'n/a')}\n")
print("| # | figure | measured | reference | ratio or value | target | verdict |")
print("|---|---|---|---|---|---|---|")
g = ratio("gw_rps", "nginx_rps")
print(f"| 1 | gateway throughput at saturation (req/s) | {fmt(num('gw_rps'))} | nginx {fmt(num('nginx_rps'))} | {fmt(g, '.2f')} | >= 0.8 | "
      f"{verdict(g >= 0.8, g)} |")
gs = ratio("gw_stub_rps", "nginx_stub_rps")
print(f"| 1 | in front of a fixed-response stub (req/s) | {fmt(num('gw_stub_rps'))} | nginx {fmt(num('nginx_stub_rps'))} | {fmt(gs, '.2f')} | "
      f"(the proxies' own cost) | |")
print(f"| 1 | CPU time per request (µs) | gateway {fmt(num('gw_cpu_us'))} | nginx {fmt(num('nginx_cpu_us'))} | "
      f"{times(ratio('gw_cpu_us', 'nginx_cpu_us'))} | reported | |")
cs = ratio("gw_stub_cpu_us", "nginx_stub_cpu_us")
print(f"| 1 | gateway CPU per request against the stub (µs) | gateway {fmt(num('gw_stub_cpu_us'))} | nginx {fmt(num('nginx_stub_cpu_us'))} | "
      f"{times(cs)} | <= 2x nginx's | {verdict(cs <= 2, cs)} |")
a50, a99 = num("gw_p50") - num("direct_p50"), num("gw_p99") - num("direct_p99")
print(f"| 1 | added latency p50 (ms) | gateway {fmt(num('gw_p50'), '.2f')} | direct {fmt(num('direct_p50'), '.2f')} | {fmt(a50, '+.2f')} | <= 1 | "
      f"{verdict(a50 <= 1, a50)} |")
print(f"| 1 | added latency p99 (ms) | gateway {fmt(num('gw_p99'), '.2f')} | direct {fmt(num('direct_p99'), '.2f')} | {fmt(a99, '+.2f')} | <= 3 | "
      f"{verdict(a99 <= 3, a99)} |")
print(f"| 1 | nginx's added latency p50 / p99 (ms) | nginx {fmt(num('nginx_p50'), '.2f')} / {fmt(num('nginx_p99'), '.2f')} | | "
      f"{fmt(num('nginx_p50') - num('direct_p50'), '+.2f')} / {fmt(num('nginx_p99') - num('direct_p99'), '+.2f')} | reference | |")
ra = ratio("read_rps", "baseline_audited_read_rps")
print(f"| 2 | read path (req/s), each read audited | service {fmt(num('read_rps'))} | baseline, read + audit row in one transaction "
      f"{fmt(num('baseline_audited_read_rps'))} | {fmt(ra, '.2f')} | >= 0.5 | {verdict(ra >= 0.5, ra)} |")
rr = ratio("read_rps", "baseline_read_rps")
print(f"| 2 | read path (req/s) against a plain read | service {fmt(num('read_rps'))} | baseline, one SELECT {fmt(num('baseline_read_rps'))} | "
      f"{fmt(rr, '.2f')} | >= 0.25 | {verdict(rr >= 0.25, rr)} |")
wr = ratio("write_held", "baseline_write_held")
wp99, bp99 = write_p99("gateway POST", num("write_held")), write_p99("baseline insert", num("baseline_write_held"))
top = " (the harness's top rate: at least)" if num("baseline_write_held") >= 3840 else ""
print(f"| 3 | write path: highest rate with p99 <= 100 ms (req/s) | {fmt(num('write_held'))} (p99 {fmt(wp99, '.1f')} ms) | "
      f"baseline's {'' if storage == 'n/a' else storage + ' '}plain insert {fmt(num('baseline_write_held'))}{top} (p99 {fmt(bp99, '.1f')} ms) | {fmt(wr, '.2f')} | "
      f">= 0.3, p99 <= 100 ms | {verdict(wr >= 0.3 and wp99 <= 100, wr, wp99)} |")


def propagation_rows(p, label, target, ok):
    for name in ("inbox", "sse", "webhook"):
        d = p.get(name, {})
        p50, p99 = d.get("p50_ms", float("nan")), d.get("p99_ms", float("nan"))
        received, sent = d.get("received", 0), p.get("sent", 0)
        good = verdict(ok(p50, p99) and received == sent > 0, p50, p99) if p else "n/a"
        print(f"| 4 | {label}: 201 -> {name} p50 / p99 (ms) | {fmt(p50, '.1f')} / {fmt(p99, '.1f')} | "
              f"Kafka {kafka.get('kafka_p50_ms', 'n/a')} / {kafka.get('kafka_p99_ms', 'n/a')} | "
              f"{received if p else 'n/a'} of {sent if p else 'n/a'} received | {target} | {good} |")


propagation_rows(prop, f"{prop.get('rate', 50)}/s", "< 25 / < 100, all received", lambda p50, p99: p50 < 25 and p99 < 100)
propagation_rows(prop200, f"{prop200.get('rate', 200)}/s", "p99 < 250, all received", lambda p50, p99: p99 < 250)
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
scale = load_json("scale", "propagation.json")
if "scale_read_rps" in r or scale:
    sr = ratio("scale_read_rps", "gw_rps")
    print(f"| 7 | read through the gateway at saturation, two referral-service instances (req/s) | {fmt(num('scale_read_rps'))} | "
          f"one instance (item 1) {fmt(num('gw_rps'))} | {fmt(sr, '.2f')} | reported (two cores: not a speed-up) | |")
    i1, i2 = num("scale_read_instance1"), num("scale_read_instance2")
    total = i1 + i2
    share = (lambda x: fmt(100 * x / total, ".0f") + " %") if total > 0 else (lambda x: "n/a")
    print(f"| 7 | reads each instance served during those runs | instance 1 {fmt(i1)} ({share(i1)}), instance 2 {fmt(i2)} "
          f"({share(i2)}) | | | each at least a third | {verdict(total > 0 and min(i1, i2) >= total / 3, i1, i2)} |")
    print(f"| 7 | CPU per read, gateway and both referral-service instances (µs) | {fmt(num('scale_read_cpu_us'))} | | | reported | |")
    for name in ("inbox", "sse", "webhook"):
        d, one = scale.get(name, {}), prop.get(name, {})
        p50, p99 = d.get("p50_ms", float("nan")), d.get("p99_ms", float("nan"))
        received, sent = d.get("received", 0), scale.get("sent", 0)
        lost = verdict(received == sent > 0, p50) if scale else "n/a"
        print(f"| 7 | {scale.get('rate', 50)}/s, two instances of each service: 201 -> {name} p50 / p99 (ms) | "
              f"{fmt(p50, '.1f')} / {fmt(p99, '.1f')} | one instance (item 4) {fmt(one.get('p50_ms'), '.1f')} / "
              f"{fmt(one.get('p99_ms'), '.1f')} | {received if scale else 'n/a'} of {sent if scale else 'n/a'} received | "
              f"nothing lost | {lost} |")
for p, d in ((prop, out), (prop200, os.path.join(out, "prop200"))):
    if "warmup_sent" in p:
        print(f"\nItem 4 at {p.get('rate')}/s: {p.get('sent')} referrals in {p.get('seconds')} s (achieved {fmt(p.get('achieved_rate'), '.1f')}/s) "
              f"after {p.get('warmup_sent', 'n/a')} not counted in a {p.get('warmup_seconds', 'n/a')} s warm-up "
              f"(all arrived: {p.get('warmup_all_arrived', 'n/a')}); harness errors {p.get('errors', 'n/a')}; the inbox polled "
              f"every {fmt(p.get('inbox_poll_ms'))} ms (its figure carries half that on average), "
              f"{p.get('inbox_found_by_sweep', 'n/a')} inbox items found only by the 1 s sweep (committed late).")
    if os.path.exists(os.path.join(d, "stages.txt")):
        print(f"\nWhere the propagation time went at {p.get('rate', '?')}/s (item 4; `bench/stages.py`, from the timestamps the "
              f"services stored):\n")
        print("```")
        print(open(os.path.join(d, "stages.txt")).read().strip())
        print("```")
cpu50, cpu200 = prop.get("cpu", {}), prop200.get("cpu", {})
if cpu50 or cpu200:
    print("\nCPU per process during item 4 (% of one core, sampled each second; mean / max; `cpu-per-second.csv`):\n")
    print(f"| process | {prop.get('rate', 50)}/s | {prop200.get('rate', 200)}/s |")
    print("|---|---|---|")
    for name in dict.fromkeys(list(cpu50) + list(cpu200)):
        cells = [f"{fmt(c[name]['mean_pct'], '.1f')} / {fmt(c[name]['max_pct'], '.1f')}" if name in c else "n/a" for c in (cpu50, cpu200)]
        print(f"| {name} | " + " | ".join(cells) + " |")
if "scale_read_rps" in r or scale:
    print(f"\nItem 7 (scale-out): two instances of the referral-, case- and notification-service behind the gateway, which "
          f"spreads requests over them in turn. This machine ({r.get('machine', 'n/a')}) runs both instances of each "
          f"service, the gateway, PostgreSQL, Kafka and the load generator on the same cores, so a second instance adds no "
          f"CPU: on two cores this is a correctness and overhead figure (every read answered, each instance serving its "
          f"share, no event lost), not a speed-up.")
    cpu7 = scale.get("cpu", {})
    if cpu7:
        print(f"\nCPU per process during item 7's propagation ({scale.get('rate', 50)}/s; % of one core, mean / max):\n")
        print("| process | mean / max |")
        print("|---|---|")
        for name, c in cpu7.items():
            print(f"| {name} | {fmt(c.get('mean_pct'), '.1f')} / {fmt(c.get('max_pct'), '.1f')} |")
    if os.path.exists(os.path.join(out, "scale", "stages.txt")):
        print("\nWhere the propagation time went in item 7 (`bench/stages.py`):\n")
        print("```")
        print(open(os.path.join(out, "scale", "stages.txt")).read().strip())
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
