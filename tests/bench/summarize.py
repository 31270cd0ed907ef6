#!/usr/bin/env python3
"""The bench table: medians per peer and scenario, and taskstream/nchan ratios; all of it as JSON."""
import json
import statistics
import sys
from collections import defaultdict

import queue_summary

rows = [json.loads(line) for line in open(sys.argv[1])]
by = defaultdict(list)
for r in rows:
    by[(r["peer"], r["scenario"])].append(r["result"])
peers = list(dict.fromkeys(r["peer"] for r in rows))


def med(peer, scenario, key):
    values = [m[key] for m in by.get((peer, scenario), []) if key in m]
    return statistics.median(values) if values else None


def s3_best(peer):
    """The highest rate reached (publishes answered per second: the publishers wait for
    each answer, so a saturated server slows them) with zero loss and p99 < 100 ms."""
    best = None
    for rate in sorted(int(s.split("@")[1]) for (p, s) in by if p == peer and s.startswith("S3@")):
        s = f"S3@{rate}"
        if med(peer, s, "loss") == 0 and med(peer, s, "p99_ms") < 100:
            step = {"requested": rate, "events_per_second": med(peer, s, "published_per_second"),
                    "deliveries_per_second": med(peer, s, "deliveries_per_second"),
                    "p99_ms": med(peer, s, "p99_ms"), "cpu_us_per_delivery": med(peer, s, "cpu_us_per_delivery"),
                    "load_generator_cpu_share": med(peer, s, "load_generator_cpu_share")}
            if best is None or step["events_per_second"] > best["events_per_second"]:
                best = step
    return best


main_peers = [p for p in peers if any(s[:2] in ("S1", "S2", "S3", "S4", "S5", "S6") for (q, s) in by if q == p)]
scale_peers = [p for p in peers if any(s.startswith("S7") for (q, s) in by if q == p)]
summary = {}
for peer in main_peers:
    summary[peer] = {
        "S1_bytes_per_idle_connection": med(peer, "S1", "bytes_per_connection"),
        "S2_p99_ms": med(peer, "S2", "p99_ms"), "S2_p50_ms": med(peer, "S2", "p50_ms"), "S2_loss": med(peer, "S2", "loss"),
        "S3_best": s3_best(peer),
        "S4_p99_ms": med(peer, "S4", "p99_ms"), "S4_loss": med(peer, "S4", "loss"),
        "S4_cpu_us_per_publish": med(peer, "S4", "cpu_us_per_publish"),
        "S4pub_p99_ms": med(peer, "S4pub", "p99_ms"), "S4pub_loss": med(peer, "S4pub", "loss"),
        "S4pub_cpu_us_per_publish": med(peer, "S4pub", "cpu_us_per_publish"),
        "S6_streams": med(peer, "S6", "connections"),
        "S6_bytes_per_stream": med(peer, "S6", "bytes_per_stream"),
        "S6_kernel_bytes_per_stream": med(peer, "S6", "kernel_bytes_per_stream"),
        "S6_heartbeats_late": med(peer, "S6", "heartbeats_late"),
        "S6_loss": med(peer, "S6", "loss"),
        "S6_publish_to_last_delivery_ms": med(peer, "S6", "publish_to_last_delivery_ms"),
        "S4batch_100_to_1": med(peer, "S4batch", "batch_to_one"),
        "S4batchpub_100_to_1": med(peer, "S4batchpub", "batch_to_one"),
        "S5_creations_per_second": med(peer, "S5", "per_second"),
        "S5_created_and_run_per_second": med(peer, "S5run", "per_second"),
    }


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, dict):
        load = v.get("load_generator_cpu_share")
        return (f"{v['events_per_second']:.0f} ev/s, {v['deliveries_per_second'] / 1000:.0f}k del/s, "
                f"p99 {v['p99_ms']:.1f} ms, {v['cpu_us_per_delivery']:.2f} µs CPU/del"
                + (f", load generator at {load:.0%} of its core" if load is not None else ""))
    return f"{v:.1f}" if isinstance(v, float) else str(v)


def ratio(key):
    # S4pub (taskstream's opt-in acknowledgement) is compared with nchan's S4.
    ts, nc = summary.get("taskstream", {}).get(key), summary.get("nchan", {}).get(key.replace("S4pub_", "S4_"))
    if isinstance(ts, dict) and isinstance(nc, dict):
        ts, nc = ts["events_per_second"], nc["events_per_second"]
    if not ts or not nc:
        return "-"
    return f"{ts / nc:.2f}"


keys = ["S1_bytes_per_idle_connection", "S2_p50_ms", "S2_p99_ms", "S2_loss", "S3_best", "S4_p99_ms", "S4_loss",
        "S4_cpu_us_per_publish", "S4pub_p99_ms", "S4pub_loss", "S4pub_cpu_us_per_publish",
        "S6_streams", "S6_bytes_per_stream", "S6_kernel_bytes_per_stream", "S6_heartbeats_late", "S6_loss",
        "S6_publish_to_last_delivery_ms", "S4batch_100_to_1", "S4batchpub_100_to_1",
        "S5_creations_per_second", "S5_created_and_run_per_second"]
if main_peers:
    print("\n| measure | " + " | ".join(main_peers) + " | taskstream/nchan |")
    print("|---|" + "---|" * (len(main_peers) + 1))
for k in keys if main_peers else []:
    if all(summary[p].get(k) is None for p in main_peers):
        continue  # a scenario left out by BENCH_SCENARIOS
    print(f"| {k} | " + " | ".join(fmt(summary[p].get(k)) for p in main_peers) + f" | {ratio(k)} |")



def each(peer, scenario, key):
    return [m.get(key) for m in by.get((peer, scenario), [])]


# Each repetition's ratio to nchan (the i-th run of each, which ran the same hour),
# for the goals stated per repetition; the batch rows are taskstream's own ratio.
per_rep = {}
if "taskstream" in main_peers and "nchan" in main_peers:
    pairs = {"S1 bytes per idle connection": ("S1", "S1", "bytes_per_connection"),
             "S2 p99": ("S2", "S2", "p99_ms"),
             "S4 p99": ("S4", "S4", "p99_ms"),
             "S4 CPU per publish": ("S4", "S4", "cpu_us_per_publish"),
             "S4pub CPU per publish (against nchan's S4)": ("S4pub", "S4", "cpu_us_per_publish"),
             "S6 bytes per stream": ("S6", "S6", "bytes_per_stream"),
             "S6 publish to last delivery": ("S6", "S6", "publish_to_last_delivery_ms")}
    for name, (ts_s, nc_s, key) in pairs.items():
        ts, nc = each("taskstream", ts_s, key), each("nchan", nc_s, key)
        per_rep[name] = [round(a / b, 2) if a is not None and b else None for a, b in zip(ts, nc)]
if "taskstream" in main_peers:
    for name, scenario in [("100 events / 1 event, ack=committed", "S4batch"),
                           ("100 events / 1 event, ack=published", "S4batchpub")]:
        per_rep[name] = [round(v, 2) if v is not None else None for v in each("taskstream", scenario, "batch_to_one")]
per_rep = {name: values for name, values in per_rep.items() if any(v is not None for v in values)}
if per_rep:
    summary["ratios_per_repetition"] = per_rep
    width = max(len(v) for v in per_rep.values())
    print("\n| ratio, each repetition | " + " | ".join(f"run {i + 1}" for i in range(width)) + " |")
    print("|---|" + "---|" * width)
    for name, values in per_rep.items():
        values = values + [None] * (width - len(values))
        print(f"| {name} | " + " | ".join("-" if v is None else f"{v:.2f}" for v in values) + " |")

# S7, scale-out: one SQLite server beside two (fan-out) or one (creations) on Redis.
if scale_peers:
    scale = {}
    for peer in scale_peers:
        scale[peer] = {"S7fan_deliveries_per_second": med(peer, "S7fan", "deliveries_per_second"),
                       "S7fan_p99_ms": med(peer, "S7fan", "p99_ms"), "S7fan_loss": med(peer, "S7fan", "loss"),
                       "S7fan_cpu_us_per_delivery": med(peer, "S7fan", "cpu_us_per_delivery"),
                       "S7create_per_second": med(peer, "S7create", "per_second"),
                       "S7failover_to_202_ms": med(peer, "S7failover", "to_202_ms")}
    summary["scale_out"] = scale
    print("\n| S7 scale-out | " + " | ".join(scale_peers) + " |")
    print("|---|" + "---|" * len(scale_peers))
    for k in ["S7fan_deliveries_per_second", "S7fan_p99_ms", "S7fan_loss", "S7fan_cpu_us_per_delivery",
              "S7create_per_second", "S7failover_to_202_ms"]:
        print(f"| {k} | " + " | ".join(fmt(scale[p].get(k)) for p in scale_peers) + " |")
queue_summary.summarize(by, summary)
json.dump({"summary": summary, "measurements": rows}, open(sys.argv[2], "w"), indent=2)
print(f"\nwritten: {sys.argv[2]}")
