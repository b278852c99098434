"""Benefit sharing, end to end: `symbiosis share` as a planner runs it.

    make bench-share          # or: .venv/bin/python benchmarks/share.py [N ...]

Runs, each in a fresh process, `symbiosis share` on the 48-firm electronics park (the
default: 50 sampled orders for its group of 44 firms), on 2 cores and on 1 (`taskset -c 0`:
the chunks of orders then run one after the other), with its shared facilities
(scenarios/electronics-facilities.yaml: their costs shared pro rata to flow), and on
generated provinces of N firms (seed 7; default N = 200 and 1,000; `solver: {mip_gap: 0.01}`) with `--samples 4` (two
antithetic pairs of orders per group, the fewest that give a standard error), and
prints, side by side: wall seconds (the whole process: start-up, the optimum, every
coalition solve, writing), coalition solves (MILPs) and LP re-solves (the coalitions of a
group too large for MILPs, bounded by LPs: docs/sharing.md "Large parks") and solves of both
per second, the coalitions valued without a solve (inherited or bounded: docs/sharing.md),
the groups and how their Shapley values were found (sampled by MILPs; by LP bounds; skipped),
the stated errors: the largest standard error and the largest `shapley_bound` (what the
coalitions' gaps may move a value by), against the mean |Shapley gain|, and the park's
savings.

Target (issue 13): the electronics park's full `symbiosis share` in under a minute on 2 cores;
the 1,000-firm province's in minutes.
Figures are for one run on one machine; no test asserts a time.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "symbiosis.cli"]
PROVINCES = (200, 1000)
SEED = 7


def timed_share(path: Path, out: Path, *extra: str, one_core: bool = False) -> dict:
    start = time.perf_counter()
    pin = ["taskset", "-c", "0"] if one_core else []
    subprocess.run([*pin, *CLI, "share", str(path), "-o", str(out), "-q", *extra], check=True,
                   cwd=ROOT)
    seconds = time.perf_counter() - start
    k = json.loads((out / "kpis.json").read_text())
    s = k["sharing"]
    groups = s["core"]["groups"]
    shares = pd.read_csv(out / "shares.csv")
    return {"seconds": seconds, "solves": s["solves"], "savings": k["savings"],
            "lp": sum(g.get("lp_bounds", {}).get("lp_solves", 0) for g in groups),
            "reused": sum(g.get("inherited", 0) + g.get("bounded", 0) for g in groups),
            "groups": len(groups), "largest": max((g["firms"] for g in groups), default=0),
            "sampled": sum(g["shapley"].startswith("sampled") for g in groups),
            "lp_bounded": sum(g["shapley"].startswith("bounded") for g in groups),
            "skipped": sum(g["shapley"].startswith("not computed") for g in groups),
            "stderr": s["shapley"]["max_stderr"], "bound": s["shapley"]["max_bound"],
            "mean": float(shares.shapley_gain.abs().mean())}


def main(sizes: list[int]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="share-bench-"))
    electronics = ROOT / "scenarios" / "electronics-baseline.yaml"
    runs = [("electronics (50 orders)", timed_share(electronics, folder / "e")),
            ("electronics, 1 core", timed_share(electronics, folder / "e1", one_core=True)),
            ("electronics, facilities", timed_share(
                ROOT / "scenarios" / "electronics-facilities.yaml", folder / "ef"))]
    for n in sizes:
        model = folder / f"p{n}"
        subprocess.run([*CLI, "generate", "--firms", str(n), "--seed", str(SEED), "-o",
                        str(model)], check=True, capture_output=True)
        scenario = folder / f"p{n}.yaml"
        scenario.write_text(f"name: p{n}\nmodel: p{n}\nsolver: {{mip_gap: 0.01}}\n")
        runs.append((f"{n} firms (4 orders)", timed_share(scenario, folder / f"s{n}",
                                                          "--samples", "4")))
    print(f"{'park':<26}{'s':>8}{'MILPs':>7}{'LPs':>7}{'solves/s':>10}{'reused':>8}"
          f"{'groups':>7}{'largest':>8}{'sampled':>8}{'by LP':>6}{'skipped':>8}"
          f"{'max stderr':>12}{'max bound':>12}{'mean |gain|':>12}{'savings M/yr':>14}")
    for name, r in runs:
        print(f"{name:<26}{r['seconds']:>8.1f}{r['solves']:>7}{r['lp']:>7}"
              f"{(r['solves'] + r['lp']) / r['seconds']:>10.1f}"
              f"{r['reused']:>8}{r['groups']:>7}{r['largest']:>8}{r['sampled']:>8}"
              f"{r['lp_bounded']:>6}{r['skipped']:>8}"
              f"{r['stderr']:>12,.0f}{r['bound']:>12,.0f}{r['mean']:>12,.0f}"
              f"{r['savings'] / 1e6:>14.2f}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(PROVINCES))
