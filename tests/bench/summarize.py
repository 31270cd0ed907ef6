#!/usr/bin/env python3
"""Medians of the bench measurements: one table on stdout, all of it as JSON."""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1])]
by = defaultdict(list)
for r in rows:
    by[r["scenario"]].append(r["result"])

def median(scenario, key):
    return statistics.median(r[key] for r in by[scenario])

summary = {}
if "S1" in by:
    summary["S1"] = {"bytes_per_idle_connection": median("S1", "bytes_per_connection")}
for s in ("S2", "S4"):
    if s in by:
        summary[s] = {k: median(s, k) for k in ("p50_ms", "p99_ms", "max_ms", "loss", "deliveries_per_second",
                                                 "cpu_us_per_delivery")}
rates = sorted(int(s.split("@")[1]) for s in by if s.startswith("S3@"))
best = None
for rate in rates:
    s = f"S3@{rate}"
    if median(s, "loss") == 0 and median(s, "p99_ms") < 100:
        best = {"rate": rate, "published_per_second": median(s, "published_per_second"),
                "deliveries_per_second": median(s, "deliveries_per_second"),
                "p99_ms": median(s, "p99_ms"), "cpu_us_per_delivery": median(s, "cpu_us_per_delivery")}
summary["S3"] = {"highest_zero_loss_rate": best, "rates_tried": rates}
if "S5" in by:
    summary["S5"] = {"creations_per_second": median("S5", "per_second"), "p99_ms": median("S5", "p99_ms")}

json.dump({"summary": summary, "measurements": rows}, open(sys.argv[2], "w"), indent=2)
print(f"\n{'scenario':<10} {'taskstream (median of repeats)'}")
for s, v in summary.items():
    print(f"{s:<10} {json.dumps(v)}")
print(f"\nwritten: {sys.argv[2]}")
