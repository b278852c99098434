"""Speed-up of a sweep on 2 workers over 1, on the process pool and on Dask, in one run.

    make bench-sweep      # or: .venv/bin/python benchmarks/sweep.py [SWEEP] [--workers N]

Runs the 16 grid variants of scenarios/sweep-carbon-x-fee.yaml (the electronics park; the
base variant is left out) three or four ways, each into a fresh temporary sweep folder:
1 worker, N workers (default 2), and a Dask LocalCluster of N single-threaded workers
(if Dask is installed). Prints wall seconds (including starting processes or the cluster),
the speed-up against 1 worker, and checks that every run wrote the same summary.csv.
The target is a speed-up of at least 1.8 on 2 free cores; cores other programs are using
lower it. No test asserts a time.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from symbiosis.batch import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", nargs="?", default=ROOT / "scenarios" / "sweep-carbon-x-fee.yaml")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    plan = load_sweep(args.sweep)
    plan = replace(plan, variants=[v for v in plan.variants if v.origin == "grid"])
    try:
        import dask.distributed  # noqa: F401
        have_dask = True
    except ImportError:
        have_dask = False
    runs = [("pool", 1, None), ("pool", args.workers, None)]
    if have_dask:
        runs.append(("dask local", args.workers, "local"))
    print(f"{plan.name}: {len(plan.variants)} variants; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    seconds, summaries = {}, {}
    with tempfile.TemporaryDirectory(prefix="symbiosis-bench-") as tmp:
        for kind, workers, address in runs:
            out = Path(tmp) / f"{kind.replace(' ', '-')}-{workers}"
            start = time.perf_counter()
            outcome = run_sweep(plan, out, workers=workers, dask=address)
            seconds[(kind, workers)] = time.perf_counter() - start
            summaries[(kind, workers)] = (out / "summary.csv").read_bytes()
            assert not outcome.failed, outcome.failed
    one = seconds[("pool", 1)]
    print(f"{'runner':<12}{'workers':>8}{'seconds':>10}{'speed-up':>10}")
    for (kind, workers), s in seconds.items():
        print(f"{kind:<12}{workers:>8}{s:>10.1f}{one / s:>10.2f}")
    same = len(set(summaries.values())) == 1
    print(f"summary.csv identical across runs: {'yes' if same else 'NO'}")
    print(f"load average {os.getloadavg()[0]:.2f} at end (other programs share the cores)")


if __name__ == "__main__":
    main()
