#!/usr/bin/env python3
"""Where a referral's propagation time goes (BENCHMARKS.md item 4), read from the databases after the run:
for the referrals sent during the propagation run, the median and p99 of each stage, from the timestamps
the services themselves store (one PostgreSQL server, so one clock):

  outbox wait      referral committed (outbox row created)     -> the relay claimed it (published_at)
  to the consumer  claimed by the relay                          -> the notification-service's inbox took it
  notification     inbox took the event                          -> the notification row's time
  webhook          the delivery row stored                       -> delivered (the receiver answered)

`now()` in PostgreSQL is the start of the transaction, so each stamp is when that step's transaction
began. Standard library only; reads with psql.

  bench/stages.py <from-iso> <to-iso> > stages.txt
"""
import csv
import io
import statistics
import subprocess
import sys

PSQL = ["psql", "-qAt", "-h", "127.0.0.1", "-p", "15432", "-U", "postgres"]


def rows(db, sql):
    out = subprocess.run(PSQL + [db, "-c", f"copy ({sql}) to stdout with csv"], check=True, capture_output=True, text=True).stdout
    return list(csv.reader(io.StringIO(out)))


def main():
    start, end = sys.argv[1], sys.argv[2]
    ms = "extract(epoch from {}) * 1000"
    referral = {r[0]: (float(r[1]), float(r[2]) if r[2] else None) for r in rows("referral", f"""
        select o.aggregate_id, {ms.format('o.created_at')}, {ms.format('o.published_at')}
        from relais_outbox o where o.event_type = 'relais.referral.sent'
        and o.created_at between '{start}' and '{end}'""")}
    notification = {r[0]: (float(r[1]), float(r[2])) for r in rows("notification", f"""
        select n.referral_id::text, {ms.format('i.processed_at')}, {ms.format('n.created_at')}
        from notifications n join relais_inbox i on i.event_id = n.event_id and i.consumer = 'notify'
        where n.type = 'relais.referral.sent' and n.created_at between '{start}' and timestamptz '{end}' + interval '1 minute'""")}
    webhook = {}
    for r in rows("notification", f"""
        select d.payload::jsonb ->> 'subject', {ms.format('d.created_at')}, {ms.format('d.delivered_at')}
        from webhook_deliveries d where d.event_type = 'relais.referral.sent' and d.delivered_at is not null
        and d.created_at between '{start}' and timestamptz '{end}' + interval '1 minute'"""):
        webhook[r[0]] = (float(r[1]), float(r[2]))

    stages = {"outbox wait (commit -> relay claim)": [], "to the consumer (claim -> inbox)": [],
              "notification stored (inbox -> row)": [], "whole: commit -> notification": [],
              "webhook (delivery stored -> delivered)": [], "whole: commit -> webhook delivered": []}
    for rid, (created, published) in referral.items():
        if published is None:
            continue
        stages["outbox wait (commit -> relay claim)"].append(published - created)
        if rid in notification:
            taken, stored = notification[rid]
            stages["to the consumer (claim -> inbox)"].append(taken - published)
            stages["notification stored (inbox -> row)"].append(stored - taken)
            stages["whole: commit -> notification"].append(stored - created)
        if rid in webhook:
            queued, delivered = webhook[rid]
            stages["webhook (delivery stored -> delivered)"].append(delivered - queued)
            stages["whole: commit -> webhook delivered"].append(delivered - created)
    # over time: the worst commit -> notification in each 5-second slice of the run (a stall shows as a slice)
    slices = {}
    t0 = min((c for c, _ in referral.values()), default=0)
    for rid, (created, _) in referral.items():
        if rid in notification:
            k = int((created - t0) // 5000)
            slices[k] = max(slices.get(k, 0), notification[rid][1] - created)
    print(f"referrals sent in the window: {len(referral)}")
    print("worst commit -> notification per 5 s of the run (ms): "
          + " ".join(f"{slices[k]:.0f}" for k in sorted(slices)))
    for name, values in stages.items():
        if not values:
            print(f"{name}: no samples")
            continue
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"{name}: p50 {statistics.median(values):.1f} ms, p99 {p99:.1f} ms (n={len(values)})")


if __name__ == "__main__":
    main()
