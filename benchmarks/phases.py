"""Per-phase timings of the example scenarios, measured in one run.

    make bench            # or: .venv/bin/python benchmarks/phases.py [SCENARIO ...]

Prints, per scenario: candidate links, variables, constraints, seconds per phase, the share
of build (formulation + Pyomo model) against solve, how many times longer building and handing
over the model takes through Pyomo than straight into HiGHS (`--solver highspy`), and the peak
memory of the process. The Pyomo side counts building the Pyomo model only; Pyomo's own
handoff to HiGHS happens inside the solve, so the ratio understates the full difference.
At park size these are milliseconds and noisy: issue 4's province-scale benchmark is the real
measure. Figures are ratios within one run on one machine; no test asserts a time.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import symbiosis as sb
from symbiosis.formulation import formulate, to_highs, to_pyomo
from symbiosis.network import build_network

ROOT = Path(__file__).resolve().parent.parent


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(path: Path) -> dict:
    result = sb.run(path)
    network = build_network(result.park)
    lp = formulate(result.park, network, result.kpis["objective_kind"])
    t = result.timings
    formulate_s = seconds(lambda: formulate(result.park, network, result.kpis["objective_kind"]))
    pyomo_s = formulate_s + seconds(lambda: to_pyomo(lp))
    direct_s = formulate_s + seconds(lambda: to_highs(lp))
    return {"scenario": result.name, "links": len(network.links), "variables": lp.n_columns,
            "constraints": lp.n_rows, **{k: t.get(k, 0.0) for k in
                                         ("load", "network", "build", "solve", "extract")},
            "build/solve": t["build"] / t["solve"], "status": result.kpis["status"],
            "pyomo/direct": pyomo_s / direct_s}


def main(paths: list[str]) -> None:
    paths = [Path(p) for p in paths] or sorted(p for p in (ROOT / "scenarios").glob("*.yaml")
                                               if not p.name.startswith("sweep-"))
    rows = [measure(p) for p in paths]
    head = (f"{'scenario':<32}{'links':>7}{'vars':>8}{'rows':>8}{'load':>7}{'network':>9}"
            f"{'build':>7}{'solve':>7}{'extract':>9}{'build/solve':>13}{'pyomo/direct':>14}  status")
    print(head)
    for r in rows:
        print(f"{r['scenario']:<32}{r['links']:>7}{r['variables']:>8}{r['constraints']:>8}"
              f"{r['load']:>7.2f}{r['network']:>9.2f}{r['build']:>7.2f}{r['solve']:>7.2f}"
              f"{r['extract']:>9.2f}{r['build/solve']:>13.2f}{r['pyomo/direct']:>14.1f}"
              f"  {r['status']}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MiB")


if __name__ == "__main__":
    main(sys.argv[1:])
