#!/usr/bin/env python3
"""Event propagation (BENCHMARKS.md item 4): referrals sent at a fixed rate through the gateway; for
each, the time from its 201 to (a) the notification readable in the receiver's inbox, (b) the SSE push
through the gateway, (c) the signed webhook arriving at a local receiver. Standard library only.

Before the measured window, referrals go out at the same rate for --warmup seconds (the JIT compiles
the paths this item uses, which the other items' warm-up does not reach); they are not counted, and
the window starts once they have all arrived (or after 20 s). During the window the CPU of the
processes given by --pids (name=pid,...) is sampled once a second into cpu-per-second.csv (% of one
core; a process's children, such as PostgreSQL's backends, counted with it).

  bench/propagation.py --seconds 60 --rate 50 --out DIR --police TOKEN --ngo TOKEN --ngo-system TOKEN \\
      [--warmup 10] [--pids gateway=123,postgres=456]

Writes DIR/propagation.json, DIR/propagation-samples.json, DIR/cpu-per-second.csv; prints a summary."""
import argparse
import collections
import json
import os
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GATEWAY = os.environ.get("RELAIS_BENCH_GATEWAY", "http://127.0.0.1:8080")  # another for a dry run of the harness
BODY = json.dumps({"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT"],
                   "priority": "ROUTINE", "consent": {"granted": False}}).encode()
# The inbox is read as a client syncing it reads it: every POLL seconds, the notifications created since
# the newest one seen (less OVERLAP), following nextCursor through the pages. The poll interval bounds
# the inbox figure's resolution: an item becomes readable at a random moment between two polls, so the
# figure carries up to POLL (POLL / 2 on average, ~10 ms) more than the true time to readable.
POLL = 0.02
# A notification's createdAt is stamped before its transaction commits, so one can become readable after
# a newer one was already seen. Each poll re-reads an overlap before the newest createdAt seen: 1.5 times
# the longest createdAt -> first seen of the last 2 s (how late a commit has lately been), from 50 ms to
# 1 s, so a stall widens it while it lasts and the quiet run stays a few items a poll. A sweep every
# SWEEP_EVERY seconds re-reads the last SWEEP_WINDOW seconds and catches any later commit (such an item
# counts when the sweep sees it, up to SWEEP_EVERY late; "inbox_found_by_sweep" says how many).
OVERLAP_MIN, OVERLAP_MAX, LAG_WINDOW = 0.05, 1.0, 2.0
SWEEP_EVERY, SWEEP_WINDOW = 1.0, 3.0
LIMIT = 200  # the list's maximum page


def request(method, path, token, body=None, headers=None):
    req = urllib.request.Request(GATEWAY + path, data=body, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def epoch(value):
    """A createdAt as the API writes it (ISO-8601, or epoch seconds) -> epoch seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    # fromisoformat takes at most 6 fraction digits
    text = re.sub(r"\.(\d+)", lambda m: "." + m.group(1)[:6].ljust(6, "0"), value.replace("Z", "+00:00"))
    return datetime.fromisoformat(text).timestamp()


def iso(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Receiver(ThreadingHTTPServer):
    """The webhook receiver: a deep listen backlog (the default is 5) and threads that do not hold up exit."""
    request_queue_size = 1024
    daemon_threads = True


class CpuSampler(threading.Thread):
    """utime + stime of each named process and its descendants (and of its reaped children), once a second."""

    def __init__(self, pids, path):
        super().__init__(daemon=True)
        self.pids, self.path, self.rows = pids, path, []
        self.halt = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # after the command: state ppid ... utime(12th) stime cutime cstime
        return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])

    def ticks(self):
        procs = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    procs[int(entry)] = self.stat(entry)
                except (OSError, IndexError, ValueError):
                    pass
        children = {}
        for pid, (ppid, _, _) in procs.items():
            children.setdefault(ppid, []).append(pid)
        out = {}
        for name, root in self.pids.items():
            if root not in procs:
                out[name] = None
                continue
            total, todo = procs[root][2], [root]  # the root's reaped children, then every live descendant
            while todo:
                pid = todo.pop()
                total += procs[pid][1]
                todo.extend(children.get(pid, []))
            out[name] = total
        return out

    def run(self):
        t0 = last_t = time.monotonic()
        last = self.ticks()
        while not self.halt.wait(1.0):
            now, cur = time.monotonic(), self.ticks()
            row = {"time_s": round(now - t0, 1)}
            for name in self.pids:
                a, b = last.get(name), cur.get(name)
                row[name] = round((b - a) / self.tick / (now - last_t) * 100, 1) if a is not None and b is not None else None
            self.rows.append(row)
            last, last_t = cur, now

    def stop(self):
        self.halt.set()
        self.join(5)
        names = list(self.pids)
        with open(self.path, "w") as f:
            f.write(",".join(["time_s"] + names) + "\n")
            for row in self.rows:
                f.write(",".join(str(row["time_s"]) if n == "time_s" else ("" if row[n] is None else str(row[n]))
                                 for n in ["time_s"] + names) + "\n")
        summary = {}
        for name in names:
            values = [row[name] for row in self.rows if row[name] is not None]
            if values:
                summary[name] = {"pid": self.pids[name], "mean_pct": round(statistics.fmean(values), 1), "max_pct": max(values)}
        return summary


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--rate", type=int, default=50)
    p.add_argument("--warmup", type=int, default=10, help="seconds of referrals at the same rate before the window, not counted")
    p.add_argument("--out", required=True)
    p.add_argument("--police", required=True)
    p.add_argument("--ngo", required=True)
    p.add_argument("--ngo-system", required=True)
    p.add_argument("--pids", default="", help="name=pid,... whose CPU is sampled during the window")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    pids = {}
    for part in filter(None, a.pids.split(",")):
        name, _, pid = part.partition("=")
        if pid.strip().isdigit():
            pids[name.strip()] = int(pid)

    warm, sent, webhook, sse, inbox = {}, {}, {}, {}, {}
    by_sweep = set()
    overlaps = []  # the overlap of every poll, for the summary
    errors = []
    lock = threading.Lock()
    stop = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            now = time.monotonic()
            try:
                subject = json.loads(body).get("subject")
                with lock:
                    webhook.setdefault(subject, now)
            except ValueError:
                pass
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = Receiver(("127.0.0.1", 18095), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    status, created = request("POST", "/api/v1/webhooks", a.ngo_system,
                              json.dumps({"url": "http://127.0.0.1:18095/hook", "eventTypes": ["relais.referral.sent"],
                                          "description": "bench"}).encode())
    hook_id = json.loads(created)["id"]

    def stream():
        last_id = None
        while not stop.is_set():  # a broken stream is resumed from the last event seen, as a client does
            req = urllib.request.Request(GATEWAY + "/api/v1/notifications/stream")
            req.add_header("Authorization", "Bearer " + a.ngo)
            req.add_header("Accept", "text/event-stream")
            if last_id:
                req.add_header("Last-Event-ID", last_id)
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    for raw in r:
                        if stop.is_set():
                            return
                        line = raw.decode().strip()
                        if line.startswith("id:"):
                            last_id = line[3:].strip()
                        elif line.startswith("data:"):
                            now = time.monotonic()
                            try:
                                referral = json.loads(line[5:]).get("referralId")
                            except ValueError:
                                continue
                            with lock:
                                sse.setdefault(referral, now)
            except Exception as e:  # noqa: BLE001 - counted, then resumed
                with lock:
                    errors.append(f"sse: {e}")
                stop.wait(0.5)

    threading.Thread(target=stream, daemon=True).start()

    lags = collections.deque()  # (monotonic when first seen, createdAt -> first seen in s)

    def read_since(since, late_before=None):
        """Reads the notifications created since `since`; a new one created before `late_before` (a sweep's)
        is one the polls' overlap missed."""
        cursor, newest = None, None
        while True:
            path = f"/api/v1/notifications?limit={LIMIT}&updatedSince={urllib.parse.quote(iso(since))}"
            if cursor:
                path += "&cursor=" + urllib.parse.quote(cursor)
            _, body = request("GET", path, a.ngo)
            now, wall = time.monotonic(), time.time()
            page = json.loads(body)
            with lock:
                for item in page["items"]:
                    referral = item.get("referralId")
                    t = epoch(item["createdAt"]) if item.get("createdAt") is not None else None
                    if referral not in inbox:
                        inbox[referral] = now
                        if late_before is not None and t is not None and t < late_before:
                            by_sweep.add(referral)
                        if t is not None:
                            lags.append((now, wall - t))
                    if t is not None:
                        newest = t if newest is None else max(newest, t)
            cursor = page.get("nextCursor")
            if not cursor:
                return newest

    def poll_inbox():
        newest = time.time() - 5  # nothing before the harness started matters (the inbox may hold a million rows)
        next_sweep = time.monotonic() + SWEEP_EVERY
        while not stop.is_set():
            began = time.monotonic()
            sweep = began >= next_sweep
            with lock:
                while lags and lags[0][0] < began - LAG_WINDOW:
                    lags.popleft()
                overlap = min(OVERLAP_MAX, max(OVERLAP_MIN, 1.5 * max((lag for _, lag in lags), default=0)))
                overlaps.append(overlap)
            try:
                seen = read_since(newest - SWEEP_WINDOW, newest - overlap) if sweep else read_since(newest - overlap)
                if seen is not None:
                    newest = max(newest, seen)
            except Exception as e:  # noqa: BLE001 - counted; the next poll tries again
                with lock:
                    errors.append(f"inbox: {e}")
            if sweep:
                next_sweep = began + SWEEP_EVERY
            stop.wait(max(0.0, began + POLL - time.monotonic()))

    threading.Thread(target=poll_inbox, daemon=True).start()
    time.sleep(2)  # the stream and the poller are up before the first referral

    def send(into):
        try:
            _, body = request("POST", "/api/v1/referrals", a.police, BODY)
        except Exception as e:  # noqa: BLE001 - counted
            with lock:
                errors.append(f"send: {e}")
            return
        now = time.monotonic()
        with lock:
            into[json.loads(body)["id"]] = now

    def arrived(ids):
        with lock:
            return all(r in webhook and r in sse and r in inbox for r in ids)

    def drain(ids, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if arrived(ids):
                return True
            time.sleep(0.1)
        return arrived(ids)

    # enough workers for 200/s even when a POST takes a few hundred ms
    with ThreadPoolExecutor(max_workers=64) as pool:
        def phase(seconds, into):
            start, futures = time.monotonic(), []
            for i in range(seconds * a.rate):
                delay = start + i / a.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(send, into))
            wait(futures)
            return time.monotonic() - start

        warm_all = True
        if a.warmup > 0:
            phase(a.warmup, warm)
            warm_all = drain(list(warm), 20)
        warm_errors = len(errors)
        sampler = CpuSampler(pids, os.path.join(a.out, "cpu-per-second.csv"))
        measured_from = iso(time.time())
        sampler.start()
        took = phase(a.seconds, sent)
    drain(list(sent), 30)
    cpu = sampler.stop()
    stop.set()
    server.shutdown()
    try:
        request("DELETE", "/api/v1/webhooks/" + hook_id, a.ngo_system)
    except Exception:  # noqa: BLE001 - the webhook is the bench's own
        pass

    result = {"sent": len(sent), "rate": a.rate, "seconds": a.seconds, "achieved_rate": round(len(sent) / took, 1) if took else 0,
              "measured_from": measured_from, "warmup_seconds": a.warmup, "warmup_sent": len(warm),
              "warmup_all_arrived": warm_all, "errors_in_warmup": warm_errors, "errors": len(errors) - warm_errors,
              "inbox_poll_ms": POLL * 1000, "inbox_found_by_sweep": sum(1 for r in sent if r in by_sweep),
              "inbox_overlap_ms": {"median": round(statistics.median(overlaps) * 1000), "max": round(max(overlaps) * 1000)}
              if overlaps else {}}
    samples = {}
    for name, seen in (("inbox", inbox), ("sse", sse), ("webhook", webhook)):
        lat = sorted((seen[r] - t) * 1000 for r, t in sent.items() if r in seen)
        samples[name] = lat
        missing = sum(1 for r in sent if r not in seen)
        if lat:
            result[name] = {"p50_ms": round(lat[len(lat) // 2], 1), "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 1),
                            "mean_ms": round(statistics.fmean(lat), 1), "received": len(lat), "missing": missing}
        else:
            result[name] = {"received": 0, "missing": missing}
    result["cpu"] = cpu
    json.dump(result, open(os.path.join(a.out, "propagation.json"), "w"), indent=2)
    json.dump(samples, open(os.path.join(a.out, "propagation-samples.json"), "w"))
    print(json.dumps(result, indent=2))
    if cpu:
        print("\nCPU during the window and the wait for its last arrivals (% of one core, per second): mean / max")
        for name, c in cpu.items():
            print(f"  {name:<22} {c['mean_pct']:6.1f} / {c['max_pct']:6.1f}   (pid {c['pid']})")
    for e in errors[:20]:
        print("error:", e)


if __name__ == "__main__":
    main()
