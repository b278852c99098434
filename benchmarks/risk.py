"""Trade-offs and risk, end to end: `symbiosis pareto` and `symbiosis resilience` as a planner
runs them, and what re-solving in place saves.

    make bench-risk           # or: .venv/bin/python benchmarks/risk.py [--no-province] [N]

On the 48-firm electronics park (scenarios/electronics-baseline.yaml) and on a generated
province of N firms (default 1,000, seed 7), each command in a fresh process:
- a 10-point front (`pareto --points 10`): wall seconds, efficient points, solves;
- the N-1 table (`resilience`; on the province `--firms 50`, the 50 most central firms) on 1
  and on 2 worker processes (`--workers`): wall seconds, exits, the worst exit's savings;
- the fixed-design re-solves of that table three ways, in this process: one HiGHS model
  changed in place (`InPlace`, what `resilience` does), a HiGHS model made from the arrays
  per exit (`MatrixProgram.with_bounds`), and the program formulated again per exit; the
  ratios rebuilt / in place.
Figures are for one run on one machine (note the load); no test asserts a time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "symbiosis.cli"]
ELECTRONICS = ROOT / "scenarios" / "electronics-baseline.yaml"
PROVINCE, SEED, CENTRAL = 1000, 7, 50


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([*CLI, *args, "-q"], check=True, cwd=ROOT)
    return time.perf_counter() - start


def front(path: Path, out: Path) -> dict:
    seconds = timed("pareto", str(path), "-o", str(out), "--points", "10")
    import pandas as pd
    table = pd.read_csv(out / "pareto.csv")
    kpis = json.loads((out / "0" / "kpis.json").read_text())
    return {"seconds": seconds, "points": len(table), "cost_optimum": kpis["total_cost"],
            "co2_span": float(table.co2_t.max() - table.co2_t.min())}


def exits(path: Path, out: Path, workers: int, *extra: str) -> dict:
    seconds = timed("resilience", str(path), "-o", str(out), "--workers", str(workers), *extra)
    k = json.loads((out / "kpis.json").read_text())["resilience"]
    return {"seconds": seconds, "exits": k["firms"], "savings": k["savings"],
            "worst": k["worst_exit_savings"], "kept_s": k["kept_seconds"],
            "replanned_s": k["replanned_seconds"], "in_program": k["program"]["in_program"]}


def re_solves(path: Path, central: int | None) -> dict:
    """The kept-design LPs of the N-1 table: in place, from the arrays, rebuilt."""
    import numpy as np

    import symbiosis as sb
    from symbiosis.analysis.exits import kept_points
    from symbiosis.analysis.resilience import (_betweenness, _firm_graph, choose_exits,
                                               program_network)
    from symbiosis.analysis.sharing import design_point
    from symbiosis.formulation import formulate
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.results import baseline_point
    from symbiosis.schema import ResilienceSettings

    result = sb.run(path)
    network, _ = program_network(result.park, result)
    lp = formulate(result.park, network)
    x0, x_star = baseline_point(lp, result.park), design_point(lp, result)
    graph = _firm_graph(result.links)
    sets, _ = choose_exits(graph, _betweenness(graph), ResilienceSettings(firms=central))
    first, second = lp.column_firms()
    owns = [np.flatnonzero(np.isin(first, s) | np.isin(second, s)) for s in sets]
    program = MatrixProgram.of(lp)
    t = time.perf_counter()
    in_place = kept_points(program, x0, x_star, owns, in_place=True)
    t_in_place = time.perf_counter() - t
    t = time.perf_counter()
    arrays = kept_points(program, x0, x_star, owns, in_place=False)
    t_arrays = time.perf_counter() - t
    t = time.perf_counter()
    rebuilt = []
    for own in owns:  # formulate, hand over and solve again for each exit
        again = MatrixProgram.of(formulate(result.park, network))
        rebuilt += kept_points(again, x0, x_star, [own], in_place=False)
    t_rebuilt = time.perf_counter() - t
    worst = max(abs(lp.cost(a) - lp.cost(b)) for a, b in zip(in_place, arrays + rebuilt))
    return {"exits": len(owns), "in_place": t_in_place, "arrays": t_arrays,
            "rebuilt": t_rebuilt, "largest_cost_difference": worst}


def main(argv: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="risk-bench-"))
    parks = [("electronics (48 firms)", ELECTRONICS, None)]
    if "--no-province" not in argv:
        n = next((int(a) for a in argv if a.isdigit()), PROVINCE)
        model = folder / f"p{n}"
        subprocess.run([*CLI, "generate", "--firms", str(n), "--seed", str(SEED), "-o",
                        str(model)], check=True, capture_output=True)
        parks.append((f"province ({n:,} firms)", model, CENTRAL))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for name, path, central in parks:
        extra = ("--firms", str(central)) if central else ()
        f = front(path, folder / f"front-{path.stem}")
        print(f"{name}: pareto 10 points: {f['seconds']:.1f} s, {f['points']} efficient "
              f"points, CO2 span {f['co2_span']:,.1f} t", flush=True)
        for workers in (1, 2):
            e = exits(path, folder / f"exits-{path.stem}-{workers}", workers, *extra)
            print(f"{name}: resilience, {workers} worker(s): {e['seconds']:.1f} s, "
                  f"{e['exits']} exits (kept LPs {e['kept_s']:.2f} s, re-plans "
                  f"{e['replanned_s']:.1f} s), savings {e['savings']:,.0f}, worst exit keeps "
                  f"{e['worst']:,.0f}; {e['in_program']:,} links in the program", flush=True)
        r = re_solves(path, central)
        print(f"{name}: {r['exits']} fixed-design re-solves: in place {r['in_place']:.2f} s, "
              f"from the arrays {r['arrays']:.2f} s ({r['arrays'] / r['in_place']:.1f}x), "
              f"rebuilt {r['rebuilt']:.2f} s ({r['rebuilt'] / r['in_place']:.1f}x); "
              f"largest cost difference {r['largest_cost_difference']:.2g}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
