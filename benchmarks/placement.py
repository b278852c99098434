"""Greenfield placement at the issue's scale: `symbiosis place` on a planned park of 60 plots
with 40 movable tenants (target: within 10 minutes on the 2-core machine, with its gap).

    make bench-place          # or: .venv/bin/python benchmarks/placement.py [TENANTS PLOTS]

The park: `symbiosis.generate` draws 44 firms (seed 7; streams, prices and factors from the
example parks), the first four (the park's wastewater plant, facilities operator,
compressed-air station and water-treatment plant) stay fixed on the park's western edge and
the other 40 become movable tenants needing 1–5 ha; the plots are a 6 × 10 grid, 200 m apart
(Manhattan distances), of 2–12 ha, the row next to the wastewater plant zoned for PCB,
finishing and recyclers only. Prints wall seconds, placements solved, the placed cost, the
joint lower bound and gap, and the savings against the random and sector-clustered
placements. Figures are for one run on one machine (note the load); no test asserts a time.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "symbiosis.cli"]
SEED, FIXED, SPACING_KM = 7, 4, 0.2
HEAVY = ("PCB fabrication;surface finishing (coating);surface finishing (plating);"
         "recycler (aluminium remelting);recycler (plastics);recycler (steel re-rolling);"
         "recycler (copper recovery);recycler (solvents)")


def planned_park(out: Path, tenants: int = 40, plots: int = 60, seed: int = SEED) -> Path:
    """A planned-park model folder (plots.csv, movable tenants) from a generated park."""
    from symbiosis.generate import generate_park
    generate_park(tenants + FIXED, seed, out)
    rng = np.random.default_rng(seed)
    firms = pd.read_csv(out / "firms.csv", keep_default_na=False)
    cols = 10
    rows = -(-plots // cols)
    movable = np.arange(len(firms)) >= FIXED
    firms["x_km"] = np.where(movable, "", (-SPACING_KM).__str__())
    firms["y_km"] = np.where(movable, "", [f"{SPACING_KM * (1 + i):.3f}"
                                           for i in range(len(firms))])
    firms["area_ha"] = np.where(movable, rng.choice([1, 1, 2, 2, 3, 5], len(firms)), "")
    firms.to_csv(out / "firms.csv", index=False)
    k = np.arange(plots)
    table = pd.DataFrame({"plot_id": [f"L{i + 1:02d}" for i in k],
                          "x_km": SPACING_KM * (k % cols), "y_km": SPACING_KM * (k // cols),
                          "area_ha": rng.choice([2, 3, 5, 8, 12], plots),
                          "zone": np.where(k // cols == 0, HEAVY, "")})
    table.to_csv(out / "plots.csv", index=False)
    model = (out / "model.yaml").read_text().replace(
        "  max_distance_km: 30\n", "  max_distance_km: 30\n  distance: manhattan\n")
    (out / "model.yaml").write_text(model.replace(
        'name: "synthetic', f'name: "planned park, {plots} plots ({rows} x {cols}),'))
    return out


def main(argv: list[str]) -> None:
    tenants, plots = (int(argv[0]), int(argv[1])) if len(argv) >= 2 else (40, 60)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        model = planned_park(Path(tmp) / "park", tenants, plots)
        out = Path(tmp) / "placed"
        start = time.perf_counter()
        subprocess.run([*CLI, "place", str(model), "-o", str(out), "-q"], check=True,
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        seconds = time.perf_counter() - start
        k = json.loads((out / "kpis.json").read_text())
        p = k["placement"]
    print(f"placement: {tenants} movable tenants, {plots} plots, load {load:.2f}")
    print(f"  wall seconds               {seconds:10.1f}  (target: 600)")
    print(f"  placements solved          {p['placements_solved']:10d}  ({p['method']})")
    print(f"  placed cost, USD/yr        {p['total_cost']:14,.0f}")
    print(f"  joint lower bound          {p['lower_bound']:14,.0f}  gap {100 * p['gap']:.2f} %")
    print(f"  saved vs random            {p['saving_vs_random']:14,.0f}")
    print(f"  saved vs sector-clustered  {p['saving_vs_sector_clustered']:14,.0f}")
    print(f"  savings vs no links        {k['savings']:14,.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
