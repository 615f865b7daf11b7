#!/usr/bin/env python3
"""Prints the README's benchmark tables (markdown) from bench/results/*.json, so the tables always
match the committed results: `python3 bench/tables.py`."""
import json
import math
import os
from statistics import median

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = ["cyanotype", "sharp", "libvips", "pillow"]


def c4_median(results, server, op):
    """The median req/s at concurrency 4 over every round (the first round's run and the extra ones)."""
    v = sorted(r["rps"] for r in results["runs"] + results.get("c4_rounds", [])
               if (r["server"], r["op"], r["concurrency"]) == (server, op, 4))
    return v[len(v) // 2] if v else None


def load(name):
    with open(os.path.join(HERE, "results", name)) as f:
        return json.load(f)


def ms(v):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 1:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ops_table(rows, title):
    out = [f"| {title} (ms, median of rounds) | Cyanotype | sharp | libvips | Pillow | Cyanotype / sharp |",
           "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        m = r["median_ms"]
        cells = " | ".join(ms(m.get(p)) for p in PEERS)
        out.append(f"| {r['op']}: {r['what']} | {cells} | {r['ratio_to_sharp']['cyanotype']:.2f} |")
    return "\n".join(out)


def geomean(rows, skip=()):
    v = [r["ratio_to_sharp"]["cyanotype"] for r in rows if r["op"] not in skip]
    return math.exp(sum(math.log(x) for x in v) / len(v))


def main():
    ops = load("ops.json")
    print(f"ops: {ops['date']}, {ops['machine']}, {ops['rounds']} rounds x {ops['iterations']} runs\n")
    print(ops_table(ops["ops"], "idle: op"))
    print()
    print(ops_table(ops["ops_one_core"], "one core: op"))
    print()
    for mode, rows in (("idle", ops["ops"]), ("one core", ops["ops_one_core"])):
        print(f"geomean {mode}: {geomean(rows):.2f} ({geomean(rows, ('info',)):.2f} without info)")
    print(f"thumb floor {ops['thumb_floor_ms']:.1f} ms; thumb/floor idle {ops['thumb_to_floor']:.2f}, "
          f"one core {ops['thumb_one_core_to_floor']:.2f}\n")
    http = load("http.json")
    print(f"http: {http['date']}, {http['seconds']} s per point\n")
    print("| server | op | concurrency | req/s | p50 ms | p99 ms | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in http["runs"]:
        name = "Cyanotype" if r["server"] == "cyanotype" else "thumbor 7.8"
        print(f"| {name} | {r['op']} | {r['concurrency']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['peak_rss_mb']:.1f} |")
    rps = {(r["server"], r["op"], r["concurrency"]): r["rps"] for r in http["runs"]}
    for op in ("thumb", "fill", "small"):
        a, b = rps.get(("cyanotype", op, 32)), rps.get(("thumbor", op, 32))
        if a and b:
            print(f"{op} c32: {a / b:.1f}x thumbor")
    for op in ("thumb", "fill", "small"):
        rounds = {s: [r["rps"] for r in http["runs"] + http.get("c4_rounds", [])
                      if (r["server"], r["op"], r["concurrency"]) == (s, op, 4)] for s in ("cyanotype", "thumbor")}
        a, b = c4_median(http, "cyanotype", op), c4_median(http, "thumbor", op)
        if a and b:
            print(f"{op} c4: {a / b:.1f}x thumbor (medians {a:.1f} / {b:.1f}; rounds: cyanotype "
                  f"{', '.join(f'{v:.1f}' for v in rounds['cyanotype'])}; thumbor "
                  f"{', '.join(f'{v:.1f}' for v in rounds['thumbor'])})")
    # The two HTTP targets, from this run alone: at least 0.9 x cores / one-core in-process
    # time, and at least 3x thumbor (also shown against thumbor's best round, its rate moving a lot).
    one_core = {r["op"]: r["median_ms"]["cyanotype"] for r in ops["ops_one_core"]}
    for op in ("thumb", "fill", "small"):
        served = c4_median(http, "cyanotype", op)
        if served and one_core.get(op):
            possible = http["cores"] * 1000 / one_core[op]
            print(f"{op} c4 overhead: {http['cores']} cores / {one_core[op]:.2f} ms = {possible:.0f} req/s possible, "
                  f"{served:.1f} served ({served / possible:.0%})")
        # The same target against the in-process time measured right after each round (the machine's
        # speed drifts): each round's served / possible, and the server's CPU per request beside it.
        paired = [r for r in http["runs"] + http.get("c4_rounds", [])
                  if (r["server"], r["op"], r["concurrency"]) == ("cyanotype", op, 4) and r.get("in_process_ms")]
        if paired:
            shares = [r["rps"] * r["in_process_ms"] / (http["cores"] * 1000) for r in paired]
            print(f"{op} c4 overhead beside each round: {median(shares):.0%} (rounds: "
                  + ", ".join(f"{r['rps']:.1f} of {http['cores'] * 1000 / r['in_process_ms']:.0f} possible "
                              f"at {r['in_process_ms']:.2f} ms = {v:.1%}" for r, v in zip(paired, shares))
                  + "); server CPU per request: "
                  + ", ".join(f"{r['cpu_ms_per_request']:.2f}" for r in paired) + " ms")
            pairs = [p["share"] for r in paired for p in r.get("paired", [])]
            if pairs:
                # The figure least disturbed by the VM's drift: each 2 s load against the in-process
                # time taken right after it (http_bench.paired), the median over every round's pairs.
                print(f"{op} c4 overhead, paired 2 s loads: {median(pairs):.1%} (median of {len(pairs)} pairs; "
                      f"per round: " + ", ".join(f"{median([p['share'] for p in r['paired']]):.1%}"
                                                 for r in paired if r.get("paired")) + ")")
            split = [r for r in paired if "image_ms_per_request" in r]
            if split:
                print(f"{op} c4 where the time goes (per round): image workers "
                      + ", ".join(f"{r['image_ms_per_request']:.2f}" for r in split) + " ms, async thread "
                      + ", ".join(f"{r['async_ms_per_request']:.3f}" for r in split) + " ms per request; wrk took "
                      + ", ".join(f"{r['wrk_cpu_share']:.1%}" for r in split) + " of the cores")
        best = max((r["rps"] for r in http["runs"] + http.get("c4_rounds", [])
                    if (r["server"], r["op"], r["concurrency"]) == ("thumbor", op, 4)), default=None)
        if served and best:
            print(f"{op} c4 against thumbor's best round: {served / best:.1f}x ({served:.1f} / {best:.1f})")
    soak = load("soak.json")
    v = [s["rss_mb"] for s in soak["samples"]]
    print(f"\nsoak c{soak['concurrency']} {soak['seconds']} s: {min(v):.1f}-{max(v):.1f} MB over {len(v)} samples, "
          f"first {v[0]:.1f}, last {v[-1]:.1f}")


if __name__ == "__main__":
    main()
