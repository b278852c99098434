"""Province scale, end to end: the default command against the old capped path and greedy.

    make bench-province       # or: .venv/bin/python benchmarks/province.py [N ...]

For each size (100, 1,000, 3,000 and 10,000 firms, seed 7) a province is generated
(`symbiosis generate --firms N --seed 7`) and solved twice, each time as a planner would run
it, in a fresh `symbiosis run` process:

- **default**: `solver: {mip_gap: 0.01}` and nothing else (the automatic path: candidate
  selection by reduced cost, independent parts on every core, the MIP start);
- **capped**: the old fast path, `links.max_candidates_per_demand: 10`, `--solver highspy`,
  the same gap and `time_limit: 120`.

Printed per size and run: end-to-end seconds (the whole process: start-up, loading,
solving, writing the result folder), peak resident MiB (the largest process: the run or one
of its worker processes), savings, and the certified gap, which `kpis.json` measures
against a lower bound of the uncapped problem (docs/model.md, "Candidate selection"); for the
capped run also what the cap may have cost. The greedy matcher's savings (from the default
run's kpis, on the uncapped network) and its gap against the same bound close each row.
A run not done in RUN_TIMEOUT seconds is ended and its cells say so (not left out).

Targets (issue 12): 3,000 firms ≤ 60 s, ≤ 1 % certified gap, ≤ 2 GiB; 10,000 firms ≤ 2 %
in ≤ 10 minutes; savings at 3,000 firms ≥ 248 M USD/yr. Figures are for one run on one
machine; no test asserts a time.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (100, 1000, 3000, 10000)
SEED = 7
GAP = 0.01
CAP = 10
CLI = [sys.executable, "-m", "symbiosis.cli"]
# a run past this is ended and its cell says so (the capped path at 10,000 firms may be)
RUN_TIMEOUT = 1200.0


def timed_run(args: list[str], timeout: float) -> tuple[float, float] | None:
    """Run a command; its wall seconds and peak resident MiB (largest of it and its
    descendants, from wait4), or None if it ran past `timeout` seconds (then it is ended,
    with its worker processes)."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > timeout:
            os.killpg(process.pid, signal.SIGTERM)
            os.wait4(process.pid, 0)
            return None
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed:\n{process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def run_one(folder: Path, name: str, scenario: str, timeout: float) -> dict | None:
    path = folder / f"{name}.yaml"
    path.write_text(scenario)
    out = folder / f"result-{name}"
    timed = timed_run([*CLI, "run", str(path), "-o", str(out), "-q"], timeout)
    if timed is None:
        return None
    seconds, mib = timed
    k = json.loads((out / "kpis.json").read_text())
    return {"seconds": seconds, "mib": mib, "savings": k["savings"], "gap": k["mip_gap"],
            "bound": k["objective_bound"], "status": k["status"],
            "greedy_cost": k["greedy"]["total_cost"], "greedy": k["greedy"]["savings"],
            "candidates": k["candidates"]["candidates"],
            "in_program": k["candidates"]["in_program"],
            "may_cost": (k.get("capped") or {}).get("may_cost")}


def measure(n_firms: int, timeout: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"province-{n_firms}-"))
    subprocess.run([*CLI, "generate", "--firms", str(n_firms), "--seed", str(SEED),
                    "-o", str(folder / "model")], check=True, capture_output=True)
    default = run_one(folder, "default", f"name: default\nmodel: model\n"
                                         f"solver: {{mip_gap: {GAP}}}\n", timeout)
    capped = run_one(folder, "capped", f"name: capped\nmodel: model\n"
                                       f"set: {{links.max_candidates_per_demand: {CAP}}}\n"
                                       f"solver: {{name: highspy, mip_gap: {GAP}, "
                                       "time_limit: 120}\n", timeout)
    return {"firms": n_firms, "default": default, "capped": capped}


def _percent(gap: float | None) -> str:
    return f"{100 * gap:>7.2f}%" if gap is not None else f"{'-':>8}"


def _gap(cost: float, bound: float | None) -> str:
    return f"{100 * (cost - bound) / cost:>7.2f}%" if bound is not None else f"{'-':>8}"


def main(sizes: list[int], timeout: float = RUN_TIMEOUT) -> None:
    print(f"{'':>6}{'':>12}{'default (mip_gap 0.01)':^39}|{'capped (cap 10, 120 s)':^47}|"
          f"{'greedy':^18}")
    print(f"{'firms':>6}{'cands':>12}{'in MILP':>8}{'s':>7}{'MiB':>7}{'M/yr':>9}{'gap':>8}"
          f"|{'s':>7}{'MiB':>7}{'M/yr':>9}{'gap':>8}{'may cost M':>11}{'status':>9}"
          f"|{'M/yr':>9}{'gap':>9}")
    for n in sizes:
        r = measure(n, timeout)
        d, c = r["default"], r["capped"]
        cut = f"not done in {timeout:.0f} s (ended)"
        if d is None:
            default = f"{'-':>12}{'-':>8}{cut:>37}"
        else:
            default = (f"{d['candidates']:>12,}{d['in_program']:>8,}{d['seconds']:>7.1f}"
                       f"{d['mib']:>7.0f}{d['savings'] / 1e6:>9.2f}{_percent(d['gap'])}")
        if c is None:
            capped = f"{cut:>51}"
        else:
            may = f"{c['may_cost'] / 1e6:>11.2f}" if c["may_cost"] is not None else f"{'-':>11}"
            capped = (f"{c['seconds']:>7.1f}{c['mib']:>7.0f}{c['savings'] / 1e6:>9.2f}"
                      f"{_percent(c['gap'])}{may}{c['status']:>9}")
        greedy = f"{'-':>18}" if d is None else \
            f"{d['greedy'] / 1e6:>9.2f}{_gap(d['greedy_cost'], d['bound']):>9}"
        print(f"{n:>6}{default}|{capped}|{greedy}", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(SIZES))
