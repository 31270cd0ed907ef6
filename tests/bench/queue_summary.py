"""The task-queue rows of the bench table (Q1..Q5, F1..F4, O1..O2, queues.sh): medians per peer, and
each repetition's ratio of taskstream to each peer (the i-th runs of both)."""
import statistics

PEERS = ["taskstream", "bullmq-always", "bullmq-everysec", "celery"]
# summary key: (scenario, measurement key, True when higher is better)
KEYS = {
    "Q1_creations_per_second": ("Q1", "per_second", True),
    "Q1_cpu_us_per_task": ("Q1", "cpu_us_per_task", False),
    "Q1x8_creations_per_second": ("Q1x8", "per_second", True),
    "Q1x8_cpu_us_per_task": ("Q1x8", "cpu_us_per_task", False),
    "Q2_created_and_run_per_second": ("Q2", "per_second", True),
    "Q2_cpu_us_per_task": ("Q2", "cpu_us_per_task", False),
    "Q3_p50_ms": ("Q3", "p50_ms", False),
    "Q3_p99_ms": ("Q3", "p99_ms", False),
    "Q4_steps_per_second": ("Q4", "steps_per_second", True),
    "Q4_p99_ms": ("Q4", "p99_ms", False),
    "Q4_steps_seen": ("Q4", "seen", True),
    "Q5_created_and_run_per_second": ("Q5", "per_second", True),
    "Q5_cpu_us_per_task": ("Q5", "cpu_us_per_task", False),
    # Flow control, taskstream alone: Q2 and Q5 over 1,000 concurrency keys, one at a time each.
    "F1_keyed_created_and_run_per_second": ("F1", "per_second", True),
    "F1_cpu_us_per_task": ("F1", "cpu_us_per_task", False),
    "F2_keyed_created_and_run_per_second": ("F2", "per_second", True),
    "F2_cpu_us_per_task": ("F2", "cpu_us_per_task", False),
    # 100,000 queued tasks drained, on SQLite (F3) and two servers on Redis (F4): without
    # keys, over 10,000 keys, and over 10,000 keys of a kind with a start rate; Q1x8 with
    # and without a dedupe key on each task.
    **{f"{f}_{name}": (f"{f}_{scenario}", key, higher) for f in ("F3", "F4") for name, (scenario, key, higher) in {
        "drained_per_second": ("plain", "per_second", True),
        "keyed_drained_per_second": ("keys", "per_second", True),
        "keyed_rated_drained_per_second": ("keys_rate", "per_second", True),
        "filled_per_second": ("plain", "created_per_second", True),
        "keyed_filled_per_second": ("keys", "created_per_second", True),
        "creations_per_second": ("create", "per_second", True),
        "dedupe_creations_per_second": ("create_dedupe", "per_second", True),
    }.items()},
    # The operator's search over 100,000 tasks, on SQLite (O1) and two servers on Redis (O2):
    # a page of a tag filter, of a metadata filter, and of both with a state, each matching 50.
    **{f"{o}_{name}": (o, name, False) for o in ("O1", "O2") for name in (
        "tag_p50_ms", "tag_p99_ms", "meta_p50_ms", "meta_p99_ms", "combined_p50_ms", "combined_p99_ms",
        "text_scan_p50_ms", "text_scan_p99_ms")},
    **{f"{o}_labelled_creations_per_second": (o, "created_per_second", True) for o in ("O1", "O2")},
}

# Flow control's goals (DESIGN 9.1), each repetition: (name, numerator, denominator, goal).
# A keyed drain at least 0.8 × the same run's drain without keys; a creation with a dedupe
# key costs at most 1.2 × one without (so its rate is at least 1 / 1.2 of it).
GOALS = [(f"{f}: {what}", (f"{f}_{a}", "per_second"), (f"{f}_plain" if a != "create_dedupe" else f"{f}_create",
                                                      "per_second"), goal)
         for f in ("F3", "F4")
         for what, a, goal in (("keyed drain / drain", "keys", 0.8), ("keyed rated drain / drain", "keys_rate", 0.8),
                               ("creations with dedupe / without", "create_dedupe", 1 / 1.2))]


def summarize(by, summary):
    """Adds the Q keys to summary[peer] and its per-repetition ratios; prints both tables."""
    peers = [p for p in PEERS if any(q == p and s[0] in "QFO" for (q, s) in by)]
    if not peers:
        return

    def each(peer, scenario, key):
        return [m.get(key) for m in by.get((peer, scenario), [])]

    for peer in peers:
        for name, (scenario, key, _) in KEYS.items():
            values = [v for v in each(peer, scenario, key) if v is not None]
            summary.setdefault(peer, {})[name] = statistics.median(values) if values else None
    print("\n| task queue (medians) | " + " | ".join(peers) + " |")
    print("|---|" + "---|" * len(peers))
    for name in KEYS:
        cells = [summary[p].get(name) for p in peers]
        if all(v is None for v in cells):
            continue  # a scenario this run left out
        print(f"| {name} | " + " | ".join("-" if v is None else f"{v:.1f}" for v in cells) + " |")

    # taskstream / peer for each repetition; for "lower is better" keys the peer's over ours,
    # so that every ratio above 1 is taskstream ahead.
    ratios = {}
    for peer in peers[1:] if peers[0] == "taskstream" else []:
        for name, (scenario, key, higher) in KEYS.items():
            ours, theirs = each("taskstream", scenario, key), each(peer, scenario, key)
            pairs = [(a, b) for a, b in zip(ours, theirs) if a and b]
            if pairs:
                ratios[f"{name}: taskstream ahead of {peer} by"] = [
                    round(a / b if higher else b / a, 2) for a, b in pairs]
    if ratios:
        summary["queue_ratios_per_repetition"] = ratios
        width = max(len(v) for v in ratios.values())
        print("\n| ahead by (×, each repetition; > 1 is taskstream ahead) | "
              + " | ".join(f"run {i + 1}" for i in range(width)) + " |")
        print("|---|" + "---|" * width)
        for name, values in ratios.items():
            values = values + [None] * (width - len(values))
            print(f"| {name} | " + " | ".join("-" if v is None else f"{v:.2f}" for v in values) + " |")

    # Flow control's goals, each repetition (taskstream alone).
    rows = []
    for name, (num, num_key), (den, den_key), goal in GOALS:
        pairs = zip(each("taskstream", num, num_key), each("taskstream", den, den_key))
        values = [round(a / b, 2) for a, b in pairs if a and b]
        if values:
            rows.append((name, goal, values))
            summary.setdefault("flow_control_ratios_per_repetition", {})[name] = values
    if rows:
        width = max(len(v) for _, _, v in rows)
        print("\n| flow control (×, each repetition) | goal | " + " | ".join(f"run {i + 1}" for i in range(width)) + " |")
        print("|---|---|" + "---|" * width)
        for name, goal, values in rows:
            values = values + [None] * (width - len(values))
            print(f"| {name} | ≥ {goal:.2f} | " + " | ".join("-" if v is None else f"{v:.2f}" for v in values) + " |")
