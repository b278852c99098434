"""Partner exit (N-1): what the park keeps when one firm leaves.

`resilience(result_or_park_or_path)` takes a cost optimum (or optimises one) and, for every
firm with a built link, re-solves the optimum's one program with the firm gone
(docs/format.md "symbiosis resilience", docs/model.md "Partner exit"):

- the firm gone: every column it owns (its links, in or out, and its own purchases,
  disposals, utilities and heat pumps) fixed at its no-links value, so it adds the same
  constant to the cost with and without links and the savings are the rest of the park's,
  against the rest's own baseline;
- `savings_kept`: the built design kept (no new links; the design's other links stay built,
  their fixed cost and capex paid), flows re-optimised on them: an LP;
- `savings_reoptimised`: the park without the firm re-optimised from scratch (the MILP with
  every other candidate free), started from the kept point;
- `value_at_risk = savings − savings_kept`; `dependants`: the other firms whose cost (firm
  accounts, LinearProgram.account_matrix) rises in the kept design.

The program is formulated once; each exit changes column bounds only (MatrixProgram
.with_bounds) and solves.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..formulation import formulate
from ..formulation.highs_model import MatrixProgram
from ..park import Park
from ..results import Result, baseline_point
from ..solve import SolverOptions, solve
from .sharing import design_point

RESILIENCE_COLUMNS = ["firm_id", "links_lost", "savings_kept", "savings_reoptimised",
                      "value_at_risk", "dependants"]  # FORMAT §6.3, in this order
RESILIENCE_EXTRA_COLUMNS = ["replanning_recovers", "reoptimised_status", "partners",
                            "betweenness", "name"]
RISES = 1e-6  # a firm's cost rises when it grows by more than this share (at least 1e-6)


@dataclass
class Resilience:
    """`table` (resilience.csv), `kpis` (the `resilience` key of kpis.json) and `result`,
    the optimum whose exits were tried (ready to write)."""

    table: pd.DataFrame
    kpis: dict
    result: Result

    def to_folder(self, out: str | Path) -> Path:
        from ..results import write_folder_with
        return write_folder_with(self.result, out, "resilience.csv", self.table)


def resilience(subject, solver: SolverOptions | None = None) -> Resilience:
    """Every firm with a built link leaves in turn (see the module's docstring). `subject`:
    a cost optimum (Result), a Park, a LoadedScenario, or a scenario or model path."""
    from ..errors import InputError, Problem
    began = time.perf_counter()
    result, options = _optimum(subject, solver)
    if not result.status.has_solution:
        raise InputError(Problem(result.name, f"the optimisation has no solution "
                                 f"({result.status.value}): no partner can leave it"))
    if result.kpis.get("objective_kind", "cost") != "cost":
        raise InputError(Problem(result.name, "partner exit measures cost savings: optimise "
                                 "with objective cost"))
    park, network = result.park, result.network
    lp = formulate(park, network)
    x0 = baseline_point(lp, park)
    x_star = design_point(lp, result)
    savings = float(lp.cost(x0) - lp.cost(x_star))
    firms = park.firms.index
    m, k = lp.account_matrix(firms)
    cost_star = m @ x_star + k
    program = MatrixProgram.of(lp)
    first, second = lp.column_firms()
    integer = np.flatnonzero(program.integer)  # build columns (links, heat pumps)
    links = result.links
    touched = pd.unique(pd.concat([links.from_firm, links.to_firm])) if len(links) else []
    graph = _firm_graph(links)
    between = _betweenness(graph)
    rows, solves = [], 0
    for firm in sorted(map(str, touched)):
        own = np.flatnonzero((first == firm) | (second == firm))
        gone = program.with_bounds(own, x0[own], x0[own])
        # kept: every build column at its design value (the firm's own at 0, above)
        keep_cols = np.setdiff1d(integer, own)
        keep_vals = x_star[keep_cols]
        kept_program = gone.with_bounds(keep_cols, keep_vals, keep_vals)
        kept = solve(kept_program, replace(options, time_limit=None))
        solves += 1
        if not kept.status.has_solution:  # dropping links is always feasible: a bug
            raise RuntimeError(f"the design without {firm} has no solution")
        x_kept = kept.values
        reopt = solve(gone, options, fallback=x_kept)
        solves += 1
        x_re = reopt.values if reopt.status.has_solution else x_kept
        kept_savings = float(lp.cost(x0) - lp.cost(x_kept))
        re_savings = max(float(lp.cost(x0) - lp.cost(x_re)), kept_savings)
        rise = (m @ x_kept + k) - cost_star
        others = firms != firm
        up = others & (rise > RISES * np.maximum(1.0, np.abs(cost_star)))
        lost = int(((links.from_firm == firm) | (links.to_firm == firm)).sum())
        rows.append({"firm_id": firm, "links_lost": lost, "savings_kept": kept_savings,
                     "savings_reoptimised": re_savings,
                     "value_at_risk": savings - kept_savings,
                     "dependants": " ".join(sorted(map(str, firms[up]))),
                     "replanning_recovers": re_savings - kept_savings,
                     "reoptimised_status": reopt.status.value,
                     "partners": int(graph.degree(firm)) if firm in graph else 0,
                     "betweenness": float(between.get(firm, 0.0)),
                     "name": park.firms["name"].get(firm, "")})
    table = pd.DataFrame(rows, columns=RESILIENCE_COLUMNS + RESILIENCE_EXTRA_COLUMNS)
    if len(table):
        table = table.sort_values(["value_at_risk", "firm_id"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    numbers = table.select_dtypes("float").columns
    table[numbers] = table[numbers] + 0.0  # no -0 in the file
    seconds = time.perf_counter() - began
    kpis = {"savings": savings, "firms": int(len(table)), "solves": solves,
            "max_value_at_risk": float(table.value_at_risk.max()) if len(table) else 0.0,
            "seconds": seconds}
    result.kpis = dict(result.kpis, resilience=kpis)
    result.timings = dict(result.timings, resilience=seconds)
    return Resilience(table, kpis, result)


def _firm_graph(links: pd.DataFrame):
    """Firms joined by a built link between two of them (undirected, no self-loops)."""
    import networkx as nx
    g = nx.Graph()
    for a, b in zip(links.from_firm.astype(str), links.to_firm.astype(str)):
        g.add_nodes_from((a, b))
        if a != b:
            g.add_edge(a, b)
    return g


def _betweenness(graph) -> dict[str, float]:
    """Normalised betweenness centrality of each firm in the built design."""
    import networkx as nx
    return nx.betweenness_centrality(graph) if graph.number_of_nodes() > 2 else \
        {n: 0.0 for n in graph}


def _optimum(subject, solver: SolverOptions | None) -> tuple[Result, SolverOptions]:
    from ..pipeline import optimise, run_loaded, solver_options
    from ..scenario import LoadedScenario, load_model_or_scenario
    if isinstance(subject, Result):
        return subject, replace(solver or SolverOptions(), name="highspy")
    if isinstance(subject, Park):
        options = solver or SolverOptions()
        return optimise(subject, solver=options), replace(options, name="highspy")
    loaded = subject if isinstance(subject, LoadedScenario) else load_model_or_scenario(subject)
    options = solver or solver_options(loaded.scenario.solver)
    result = run_loaded(loaded, objective="cost") if solver is None else \
        optimise(loaded.park, "cost", options, name=loaded.scenario.name)
    return result, replace(options, name="highspy")


def format_resilience(res: Resilience, top: int = 5) -> str:
    """The console summary of `symbiosis resilience`."""
    t, k = res.table, res.kpis
    cur = res.result.kpis.get("currency", "")
    lines = [f"{res.result.name}: {k['firms']} firms with built links leave in turn "
             f"(savings {k['savings']:,.0f} {cur}/yr; {k['solves']} solves, "
             f"{k['seconds']:.1f} s)",
             f"  {'firm':<12} {'links':>5} {'kept':>12} {'re-planned':>12} "
             f"{'at risk':>12}  dependants"]
    for _, r in t.head(top).iterrows():
        lines.append(f"  {r.firm_id:<12} {r.links_lost:>5} {r.savings_kept:>12,.0f} "
                     f"{r.savings_reoptimised:>12,.0f} {r.value_at_risk:>12,.0f}  "
                     f"{r.dependants}")
    if len(t) > top:
        lines.append(f"  … {len(t) - top} more in resilience.csv")
    return "\n".join(lines)
