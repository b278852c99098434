"""Time studies at size: model size and wall time against periods and volume scenarios.

    make bench-time        # or: .venv/bin/python benchmarks/time.py [--province-only] [--park-only]

On the Bac Ninh precision park and on a generated 1,000-firm province (`symbiosis generate
--firms 1000 --seed 7`), `symbiosis.timeline.optimise_time` is run with

- 1, 4 and 12 periods of equal weight (one scenario): heat supplies follow a seasonal profile
  1 + 0.4·cos(2πp/P), heat demands the opposite one, other streams are spread by weight;
- 1, 5 and 20 volume scenarios of equal probability (one period): each resource's streams
  scaled by a factor drawn from a lognormal (σ 0.25, seed 7, mean 1).

The province's periods and scenarios are made the same way as the park's: its generated
heat streams (heat supplies and demands of the generator's archetypes) take the seasonal
profiles, every other stream keeps its annual quantity in each period; the scenario factors
are drawn per resource of the province.

Printed per run (each cell in a fresh process, ended after CELL_TIMEOUT seconds, its row then
saying so): operating states, stacked columns and rows of the MILP, candidate links and those
in the MILP (the province's are selected by the stacked LP's reduced costs,
docs/model.md, "Candidate selection over states"), widenings, wall seconds (network,
select: the stacked LP over every candidate, build, solve), status, the gap against the bound
of the whole stacked problem, savings and peak memory (`peak_gb`). VSS and EVPI are not
computed here (each needs 2 + scenarios more solves; `symbiosis time` does them). Gap
asked: 1 %; time limit 300 s per MILP solve. Figures of one run are in docs/time.md,
"Scale". No test asserts a time.

    .venv/bin/python benchmarks/time.py --cell LABEL FOLDER PERIODS SCENARIOS   # one cell
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symbiosis import load_park  # noqa: E402
from symbiosis.solve import SolverOptions  # noqa: E402
from symbiosis.timeline import TimeTables, optimise_time  # noqa: E402

PERIODS = (1, 4, 12)
SCENARIOS = (1, 5, 20)
SEED = 7
OPTIONS = SolverOptions(name="highspy", mip_gap=0.01, time_limit=300.0)
CELL_TIMEOUT = 1800.0  # a cell past this is ended and its row says so


def periods_tables(park, n: int) -> TimeTables:
    if n == 1:
        return TimeTables.of(periods=pd.DataFrame({"period": ["year"], "weight": [1.0]}))
    names = [f"p{i + 1:02d}" for i in range(n)]
    w = np.full(n, 1.0 / n)
    shape = 1 + 0.4 * np.cos(2 * np.pi * np.arange(n) / n)
    shape = shape / shape.sum()
    heat = park.streams[park.streams.category == "heat"]
    rows = []
    for sid, s in heat.iterrows():
        profile = shape if s.direction == "supply" else (2.0 / n - shape)
        rows += [{"stream_id": sid, "period": p, "quantity": s.quantity * f}
                 for p, f in zip(names, profile)]
    sp = pd.DataFrame(rows) if rows else None
    return TimeTables.of(periods=pd.DataFrame({"period": names, "weight": w}),
                         stream_periods=sp)


def scenario_tables(park, n: int) -> TimeTables:
    if n == 1:
        return TimeTables()
    rng = np.random.default_rng(SEED)
    resources = sorted(park.streams.resource.unique())
    rows = []
    for i in range(n):
        for r in resources:
            rows.append({"scenario": f"s{i + 1:02d}", "probability": 1.0 / n, "resource": r,
                         "factor": float(rng.lognormal(-0.25 ** 2 / 2, 0.25))})
    return TimeTables.of(volume_scenarios=pd.DataFrame(rows))


def measure(label: str, park, tables: TimeTables) -> dict:
    began = time.perf_counter()
    r = optimise_time(park, tables, OPTIONS, stochastic_values=False)
    wall = time.perf_counter() - began
    k = r.kpis
    c = k.get("candidates", {})
    return {"park": label, "periods": k["time"]["periods"], "scenarios": k["time"]["scenarios"],
            "states": k["time"]["states"], "columns": k["time"]["columns"],
            "rows": k["time"]["rows"], "candidates": k["time"]["candidate_links"],
            "in_milp": c.get("in_program"), "widenings": c.get("widenings"),
            "wall_s": round(wall, 1), **{f"{p}_s": round(v, 1) for p, v in r.timings.items()},
            "status": k["status"], "gap": None if k["mip_gap"] is None else round(k["mip_gap"], 4),
            "savings": None if k.get("savings") is None else round(k["savings"]),
            "objective": k["objective"], "bound": k["objective_bound"],
            "lp_bound": c.get("lp_bound"), "outside_bound": c.get("outside_bound"),
            "peak_gb": round(peak_gb(), 2)}


def peak_gb() -> float:
    """The largest resident set of this process and of its worker processes (each alone:
    the workers run beside it, so the machine held up to their sum)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 2 ** 20  # KiB on Linux


def cell(label: str, folder: Path, periods: int, scenarios: int) -> dict:
    """One cell of the table, in this process."""
    park = load_park(folder)
    tables = periods_tables(park, periods) if scenarios == 1 else scenario_tables(park, scenarios)
    return measure(label, park, tables)


def cell_in_process(label: str, folder: Path, periods: int, scenarios: int,
                    timeout: float) -> dict:
    """One cell in a fresh process (its memory given back after it), ended after `timeout`
    seconds: then its row says so rather than being left out."""
    args = [sys.executable, __file__, "--cell", label, str(folder), str(periods), str(scenarios)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"park": label, "periods": periods, "scenarios": scenarios,
                "status": f"not done in {timeout:.0f} s (ended)"}
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def province() -> Path:
    out = Path(tempfile.mkdtemp(prefix="bench-time-")) / "province-1000"
    subprocess.run([sys.executable, "-m", "symbiosis.cli", "generate", "--firms", "1000",
                    "--seed", str(SEED), "-o", str(out)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return out


def main(argv: list[str]) -> None:
    if argv[:1] == ["--cell"]:
        label, folder, periods, scenarios = argv[1:5]
        print(json.dumps(cell(label, Path(folder), int(periods), int(scenarios))))
        return
    parks = []
    if "--province-only" not in argv:
        parks.append(("precision", ROOT / "models" / "bac-ninh-precision"))
    if "--park-only" not in argv:
        parks.append(("province-1000", province()))
    cells = [(n, 1) for n in PERIODS] + [(1, n) for n in SCENARIOS[1:]]
    rows = []
    for label, folder in parks:
        for periods, scenarios in cells:
            rows.append(cell_in_process(label, folder, periods, scenarios, CELL_TIMEOUT))
            print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
