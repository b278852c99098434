"""Province scale: synthetic provinces of 100, 1,000 and 3,000 firms, end to end.

    make bench-province       # or: .venv/bin/python benchmarks/province.py [N ...]

Each size runs in a fresh process (so peak memory is its own): generate the province
(`symbiosis generate`, seed 1), then run it as a planner would, on the fast path:
`links.max_candidates_per_demand: 10`, `--solver highspy` (independent parts solved in
parallel on every core), `--gap 0.01`, `--time-limit 120`. Printed per size: candidate links,
variables, constraints, seconds per phase, end-to-end seconds, peak memory, the park-wide gap,
parts, MILP and greedy savings, and two build ratios:

- `ours/floor`: our build + handoff (formulating the program from the network table, assembling
  its arrays and passing them to HiGHS) against the floor, passing the same finished numpy
  arrays straight to highspy (passModel and one integrality call);
- `pyomo/floor`: the same with the Pyomo model built instead (up to 1,000 firms).

Targets (issue 4): ≤ 120 s to a 1 % gap at 3,000 firms, ours/floor ≤ 2, ≤ 4 GiB. Figures are
ratios within one run on one machine; no test asserts a time.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = (100, 1000, 3000)
CAP = 10
PYOMO_UP_TO = 1000


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(n_firms: int) -> dict:
    import symbiosis as sb
    from symbiosis.formulation import formulate, to_pyomo
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.generate import generate_park
    from symbiosis.network import build_network

    folder = Path(tempfile.mkdtemp(prefix="province-"))
    generate_park(n_firms, 1, folder / "model")
    scenario = folder / "scenario.yaml"
    scenario.write_text(f"name: province-{n_firms}\nmodel: model\n"
                        f"set: {{links.max_candidates_per_demand: {CAP}}}\n"
                        "solver: {name: highspy, mip_gap: 0.01, time_limit: 120}\n")
    start = time.perf_counter()
    result = sb.run(scenario)
    result.to_folder(folder / "result")
    end_to_end = time.perf_counter() - start
    k = result.kpis
    park = result.park
    network = build_network(park, screen_value=True)
    lp = formulate(park, network)
    program = MatrixProgram.of(lp)
    ours = best_of(lambda: MatrixProgram.of(formulate(park, network)).to_highs())
    floor = best_of(program.to_highs)
    pyomo = (best_of(lambda: to_pyomo(formulate(park, network)), 1)
             if n_firms <= PYOMO_UP_TO else None)
    return {
        "firms": n_firms, "links": k["candidate_links"], "vars": lp.n_columns,
        "rows": lp.n_rows, **{p: k["timings_s"].get(p, 0.0) for p in
                              ("network", "build", "handoff", "solve", "extract", "write")},
        "end_to_end": end_to_end, "peak_mib": resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024,
        "gap": k["mip_gap"], "status": k["status"], "parts": k["solver"]["parts"],
        "savings": k["savings"], "greedy": k["greedy"]["savings"],
        "ours/floor": ours / floor, "pyomo/floor": None if pyomo is None else pyomo / floor,
    }


def main(sizes: list[int]) -> None:
    rows = []
    for n in sizes:  # a fresh process per size: its own peak memory, no state carried over
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], check=True,
                             capture_output=True, text=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    head = (f"{'firms':>6}{'links':>9}{'vars':>9}{'rows':>8}{'network':>9}{'build':>7}"
            f"{'handoff':>8}{'solve':>7}{'extract':>8}{'write':>7}{'total s':>9}{'MiB':>7}"
            f"{'gap':>8}{'parts':>6}{'MILP M/yr':>10}{'greedy':>8}{'MILP/gr':>8}"
            f"{'ours/floor':>11}{'pyomo/floor':>12}  status")
    print(head)
    for r in rows:
        pyomo = f"{r['pyomo/floor']:>12.1f}" if r["pyomo/floor"] is not None else f"{'-':>12}"
        gap = f"{100 * r['gap']:>7.2f}%" if r["gap"] is not None else f"{'-':>8}"
        print(f"{r['firms']:>6}{r['links']:>9,}{r['vars']:>9,}{r['rows']:>8,}"
              f"{r['network']:>9.2f}{r['build']:>7.2f}{r['handoff']:>8.2f}{r['solve']:>7.1f}"
              f"{r['extract']:>8.2f}{r['write']:>7.2f}{r['end_to_end']:>9.1f}"
              f"{r['peak_mib']:>7.0f}{gap}{r['parts']:>6}{r['savings'] / 1e6:>10.2f}"
              f"{r['greedy'] / 1e6:>8.2f}{r['savings'] / r['greedy']:>8.3f}"
              f"{r['ours/floor']:>11.2f}{pyomo}  {r['status']}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or list(SIZES))
