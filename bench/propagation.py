#!/usr/bin/env python3
"""Event propagation (BENCHMARKS.md item 4): referrals sent at a fixed rate through the gateway; for
each, the time from its 201 to (a) the notification readable in the receiver's inbox, (b) the SSE push
through the gateway, (c) the signed webhook arriving at a local receiver. Standard library only."""
import argparse
import json
import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GATEWAY = "http://127.0.0.1:8080"
BODY = json.dumps({"receivingAgencyId": "ngo-casa-ecoute", "services": ["PSYCHOSOCIAL_SUPPORT"],
                   "priority": "ROUTINE", "consent": {"granted": False}}).encode()


def request(method, path, token, body=None, headers=None):
    req = urllib.request.Request(GATEWAY + path, data=body, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--rate", type=int, default=50)
    p.add_argument("--out", required=True)
    p.add_argument("--police", required=True)
    p.add_argument("--ngo", required=True)
    p.add_argument("--ngo-system", required=True)
    a = p.parse_args()

    sent, webhook, sse, inbox = {}, {}, {}, {}
    lock = threading.Lock()

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

    server = ThreadingHTTPServer(("127.0.0.1", 18095), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    status, created = request("POST", "/api/v1/webhooks", a.ngo_system,
                              json.dumps({"url": "http://127.0.0.1:18095/hook", "eventTypes": ["relais.referral.sent"],
                                          "description": "bench"}).encode())
    hook_id = json.loads(created)["id"]

    stop = threading.Event()

    def stream():
        req = urllib.request.Request(GATEWAY + "/api/v1/notifications/stream")
        req.add_header("Authorization", "Bearer " + a.ngo)
        req.add_header("Accept", "text/event-stream")
        with urllib.request.urlopen(req, timeout=a.seconds + 120) as r:
            for raw in r:
                if stop.is_set():
                    return
                line = raw.decode().strip()
                if line.startswith("data:"):
                    now = time.monotonic()
                    try:
                        referral = json.loads(line[5:]).get("referralId")
                    except ValueError:
                        continue
                    with lock:
                        sse.setdefault(referral, now)

    threading.Thread(target=stream, daemon=True).start()

    def poll_inbox():
        while not stop.is_set():
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3))
            try:
                _, body = request("GET", "/api/v1/notifications?limit=200&updatedSince=" + since, a.ngo)
            except Exception:
                continue
            now = time.monotonic()
            for item in json.loads(body)["items"]:
                with lock:
                    inbox.setdefault(item.get("referralId"), now)

    threading.Thread(target=poll_inbox, daemon=True).start()
    time.sleep(2)  # the stream and the poller are up before the first referral

    def send():
        _, body = request("POST", "/api/v1/referrals", a.police, BODY)
        now = time.monotonic()
        with lock:
            sent[json.loads(body)["id"]] = now

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(a.seconds * a.rate):
            target = start + i / a.rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if all(r in webhook and r in sse and r in inbox for r in sent):
                break
        time.sleep(0.2)
    stop.set()
    server.shutdown()
    try:
        request("DELETE", "/api/v1/webhooks/" + hook_id, a.ngo_system)
    except Exception:
        pass

    result = {"sent": len(sent), "rate": a.rate, "seconds": a.seconds}
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
    json.dump(result, open(a.out + "/propagation.json", "w"), indent=2)
    json.dump(samples, open(a.out + "/propagation-samples.json", "w"))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
