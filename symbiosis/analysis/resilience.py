"""Partner exit (N-1, N-k): what the park keeps when one firm (or k) leaves.

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

The program is formulated once; each exit changes column bounds only: the kept LPs on one
HiGHS model changed in place, the re-plans here or on worker processes / Dask
(`analysis.exits`). k firms may leave together, and the exits tried may be every set, the
most central, or a seeded random sample (`choose_exits`, kpis `exits`). On a province the
program takes the fast path's selected links (`program_network`). With `design: n_minus_1`
the robust design (`analysis.robust`) is found and its exits tried too; with model.yaml's
`resilience.max_dependence`, what the cap costs is measured.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..formulation import formulate
from ..formulation.dependence import max_dependence
from ..formulation.highs_model import MatrixProgram
from ..park import Park
from ..results import Result, baseline_point
from ..schema import ResilienceSettings
from ..solve import SolverOptions
from .exits import kept_points, replanned_points
from .sharing import design_point, require_cost_optimum

RESILIENCE_COLUMNS = ["firm_id", "links_lost", "savings_kept", "savings_reoptimised",
                      "value_at_risk", "dependants"]  # docs/format.md, in this order
RESILIENCE_EXTRA_COLUMNS = ["replanning_recovers", "reoptimised_status", "reoptimised_bound",
                            "partners", "betweenness", "name"]
RISES = 1e-6  # a firm's cost rises when it grows by more than this share (at least 1e-6)
# a re-plan's time on a province when none is given: each is the province's MILP again; its
# bound says how far from optimal it stopped (`reoptimised_bound`)
PROVINCE_REPLAN_SECONDS = 10.0
MAX_EXITS = 10_000  # sets of firms tried one by one at most (else: sample them)


@dataclass
class Resilience:
    """`table` (resilience.csv), `kpis` (the `resilience` key of kpis.json) and `result`,
    the optimum whose exits were tried (ready to write)."""

    table: pd.DataFrame
    kpis: dict
    result: Result
    robust: object | None = None  # analysis.robust.RobustDesign, with `design: n_minus_1`
    robust_table: pd.DataFrame | None = None  # its exits, as `table`

    def to_folder(self, out: str | Path) -> Path:
        from .. import outputs
        from ..results import SIGNIFICANT, write_folder
        tables = {"resilience.csv": self.table}
        if self.robust is not None:
            tables.update({"robust_links.csv": self.robust.links,
                           "robust_resilience.csv": self.robust_table})
        return write_folder(self.result, Path(out), extra_files={
            name: outputs.csv_text(t, False, f"%.{SIGNIFICANT}g")
            for name, t in tables.items()})


def resilience(subject, solver: SolverOptions | None = None,
               settings: ResilienceSettings | None = None, workers: int = 1,
               dask: str | None = None, in_place: bool = True) -> Resilience:
    """Firms leave, one (or k) at a time (see the module's docstring). `subject`: a cost
    optimum (Result), a Park, a LoadedScenario, or a scenario or model path. `settings`
    (default: the scenario's `resilience`, else N-1 over every linked firm): which exits,
    and the design (`n_minus_1`: `analysis.robust`). `workers`/`dask`: where the re-planned
    MILPs run (the fixed-design LPs are re-solved here, in place)."""
    began = time.perf_counter()
    result, options, scenario_settings = _optimum(subject, solver)
    settings = settings or scenario_settings or ResilienceSettings()
    require_cost_optimum(result, "no partner can leave it",
                         "partner exit measures cost savings")
    park = result.park
    network, program_kpis = program_network(park, result)
    if program_kpis["selected"] and options.time_limit is None:  # a province
        options = replace(options, time_limit=PROVINCE_REPLAN_SECONDS)
    program_kpis["replan_time_limit"] = options.time_limit
    lp = formulate(park, network)
    x0 = baseline_point(lp, park)
    x_star = design_point(lp, result)
    table, kpis = exit_table(lp, park, x0, x_star, result.links, settings, options, workers,
                             dask, in_place)
    kpis["program"] = program_kpis
    dependence = max_dependence(park)
    if dependence is not None:
        kpis["max_dependence"] = _dependence_cost(park, kpis["savings"], options, dependence)
    robust = robust_table = None
    if settings.design == "n_minus_1":
        from .robust import robust_design
        robust = robust_design(lp, park, network, result, options)
        robust_table, robust_exits = exit_table(lp, park, x0, robust.x, robust.links,
                                                settings, options, workers, dask, in_place)
        kpis["robust"] = {**robust.kpis, "exits": robust_exits}
    kpis["seconds"] = time.perf_counter() - began
    seconds = kpis["seconds"]
    result.kpis = dict(result.kpis, resilience=kpis)
    result.timings = dict(result.timings, resilience=seconds)
    return Resilience(table, kpis, result, robust, robust_table)


def exit_table(lp, park: Park, x0: np.ndarray, x: np.ndarray, links: pd.DataFrame,
               settings: ResilienceSettings, options: SolverOptions, workers: int = 1,
               dask: str | None = None, in_place: bool = True) -> tuple[pd.DataFrame, dict]:
    """resilience.csv of the design at x (its built `links`), and its KPIs."""
    savings = float(lp.cost(x0) - lp.cost(x))
    graph = _firm_graph(links)
    between = _betweenness(graph)
    exits, sampled = choose_exits(graph, between, settings)
    rows, outcome = exit_rows(lp, park, x0, x, links, exits, options, workers, dask,
                              in_place)
    for row in rows:
        one = row["firm_id"]
        row.update(partners=int(graph.degree(one)) if one in graph else 0,
                   betweenness=float(between.get(one, 0.0)),
                   name=" ".join(str(park.firms["name"].get(f, "")) for f in one.split()))
    table = pd.DataFrame(rows, columns=RESILIENCE_COLUMNS + RESILIENCE_EXTRA_COLUMNS)
    if len(table):
        table = table.sort_values(["value_at_risk", "firm_id"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    numbers = table.select_dtypes("float").columns
    table[numbers] = table[numbers] + 0.0  # no -0 in the file
    kpis = {"savings": savings, "firms": int(len(table)), "solves": outcome["solves"],
            "max_value_at_risk": float(table.value_at_risk.max()) if len(table) else 0.0,
            "worst_exit_savings": float(table.savings_kept.min()) if len(table) else savings,
            "exits": sampled, "kept_seconds": outcome["kept_seconds"],
            "replanned_seconds": outcome["replanned_seconds"], "kept_in_place": bool(in_place),
            "workers": int(workers), "dask": dask}
    return table, kpis


def program_network(park: Park, result: Result):
    """The candidates the exits' programs take: every candidate of a park below the
    selection's size; on a province, the links the default fast path selects
    (symbiosis.selection: the LP's, the greedy design's and each demand's nearest in reduced
    cost) with every built link added, so no exit solves the unpruned MILP."""
    from ..selection import select
    posed = result.network
    built = posed.links.index.isin(result.links.index)
    selection = select(park, posed, "cost")
    keep = selection.kept | built
    kpis = {"candidates": int(len(posed.links)), "in_program": int(keep.sum()),
            "selected": bool(selection.priced)}
    return (posed if keep.all() else posed.restrict(keep)), kpis


def choose_exits(graph, between: dict[str, float], settings: ResilienceSettings
                 ) -> tuple[list[tuple[str, ...]], dict]:
    """The sets of firms that leave together, and what was sampled (kpis `exits`). The pool:
    every firm with a built link, or its `firms` most central (betweenness, then partners,
    then id). `all`: every k-set of the pool; `central`: the k most central together;
    `random`: `count` distinct k-sets of the pool drawn with `seed`."""
    from ..errors import InputError, Problem
    order = sorted(graph.nodes, key=lambda f: (-between.get(f, 0.0), -graph.degree(f), f))
    pool = order[:settings.firms] if settings.firms is not None else order
    k, how = settings.k, settings.sample
    described = {"k": k, "sample": how, "pool": len(pool), "linked_firms": len(order),
                 "most_central": settings.firms}
    if k > len(pool):
        return [], {**described, "tried": 0}
    if how == "central":
        exits = [tuple(sorted(pool[:k]))]
    elif how == "all":
        total = math.comb(len(pool), k)
        if total > MAX_EXITS:
            raise InputError(Problem("resilience", f"{total:,} sets of {k} firms: sample "
                                     f"them (sample: random, count) or narrow the pool "
                                     f"(firms)", key="sample"))
        exits = [tuple(sorted(c)) for c in itertools.combinations(pool, k)]
    else:
        total = math.comb(len(pool), k)
        rng = np.random.default_rng(settings.seed)
        if settings.count >= total:
            exits = [tuple(sorted(c)) for c in itertools.combinations(pool, k)]
        else:
            drawn: set[tuple[str, ...]] = set()
            while len(drawn) < settings.count:
                pick = rng.choice(len(pool), size=k, replace=False)
                drawn.add(tuple(sorted(pool[i] for i in pick)))
            exits = sorted(drawn)
        described.update(count=settings.count, seed=settings.seed, of=total)
    return exits, {**described, "tried": len(exits)}


def exit_rows(lp, park: Park, x0: np.ndarray, x_star: np.ndarray, links: pd.DataFrame,
              exits: list[tuple[str, ...]], options: SolverOptions, workers: int = 1,
              dask: str | None = None, in_place: bool = True) -> tuple[list[dict], dict]:
    """One row per exit (the contract's columns and the re-planning ones): the kept design's
    LPs on one HiGHS model changed in place (or rebuilt each time), the re-planned MILPs here
    or on the worker pool / Dask cluster."""
    firms = park.firms.index
    m, k = lp.account_matrix(firms)
    cost_star = m @ x_star + k
    savings = float(lp.cost(x0) - lp.cost(x_star))
    program = MatrixProgram.of(lp)
    first, second = lp.column_firms()
    owns = [np.flatnonzero(np.isin(first, list(e)) | np.isin(second, list(e))) for e in exits]
    t = time.perf_counter()
    kept = kept_points(program, x0, x_star, owns, in_place)
    kept_seconds = time.perf_counter() - t
    t = time.perf_counter()
    replanned = replanned_points(program, x0, owns, kept, options, workers, dask)
    replanned_seconds = time.perf_counter() - t
    rows = []
    for exit_, own, x_kept, reopt in zip(exits, owns, kept, replanned):
        x_re = reopt.values if reopt.status.has_solution else x_kept
        kept_savings = float(lp.cost(x0) - lp.cost(x_kept))
        re_savings = max(float(lp.cost(x0) - lp.cost(x_re)), kept_savings)
        rise = (m @ x_kept + k) - cost_star
        others = ~firms.isin(list(exit_))
        up = others & (rise > RISES * np.maximum(1.0, np.abs(cost_star)))
        gone = links.from_firm.isin(exit_) | links.to_firm.isin(exit_)
        bound = None if reopt.bound is None else float(lp.cost(x0) - reopt.bound)
        rows.append({"firm_id": " ".join(exit_), "links_lost": int(gone.sum()),
                     "savings_kept": kept_savings, "savings_reoptimised": re_savings,
                     "value_at_risk": savings - kept_savings,
                     "dependants": " ".join(sorted(map(str, firms[up]))),
                     "replanning_recovers": re_savings - kept_savings,
                     "reoptimised_status": reopt.status.value,
                     "reoptimised_bound": bound})
    return rows, {"solves": 2 * len(exits), "kept_seconds": kept_seconds,
                  "replanned_seconds": replanned_seconds}


def _dependence_cost(park: Park, savings: float, options: SolverOptions,
                     share: float) -> dict:
    """What the cap costs: the savings of the same park without it, against these."""
    from ..pipeline import optimise
    free = replace(park, config=park.config.model_copy(update={"resilience": None}))
    without = optimise(free, solver=options).kpis.get("savings")
    return {"share": share, "savings": savings, "savings_without_cap": without,
            "cost_of_cap": None if without is None else without - savings}


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


def _optimum(subject, solver: SolverOptions | None
             ) -> tuple[Result, SolverOptions, ResilienceSettings | None]:
    from ..pipeline import optimise, run_loaded, solver_options
    from ..scenario import LoadedScenario, load_model_or_scenario
    if isinstance(subject, Result):
        return subject, replace(solver or SolverOptions(), name="highspy"), None
    if isinstance(subject, Park):
        options = solver or SolverOptions()
        return optimise(subject, solver=options), replace(options, name="highspy"), None
    loaded = subject if isinstance(subject, LoadedScenario) else load_model_or_scenario(subject)
    options = solver or solver_options(loaded.scenario.solver)
    result = run_loaded(loaded, objective="cost") if solver is None else \
        optimise(loaded.park, "cost", options, name=loaded.scenario.name)
    return result, replace(options, name="highspy"), loaded.scenario.resilience


def describe_exits(exits: dict) -> str:
    """What was tried, in words (kpis `exits`)."""
    k, how, tried = exits["k"], exits["sample"], exits["tried"]
    pool = f"the {exits['pool']} most central" if exits.get("most_central") else \
        f"all {exits['pool']}"
    if how == "central":
        return f"the {k} most central firms leave together"
    if how == "random":
        return (f"{tried} random sets of {k} (seed {exits['seed']}, of {exits['of']:,}) "
                f"from {pool} linked firms leave in turn")
    if k == 1:
        return f"{pool} linked firms leave in turn"
    return f"every set of {k} of {pool} linked firms leaves in turn ({tried} exits)"


def format_resilience(res: Resilience, top: int = 5) -> str:
    """The console summary of `symbiosis resilience`."""
    t, k = res.table, res.kpis
    cur = res.result.kpis.get("currency", "")
    lines = [f"{res.result.name}: {describe_exits(k['exits'])} "
             f"(savings {k['savings']:,.0f} {cur}/yr; {k['solves']} solves, "
             f"{k['seconds']:.1f} s)"]
    lines += _rows(t, top)
    if "max_dependence" in k:
        d = k["max_dependence"]
        lines.append(f"  max_dependence {d['share']:g}: savings {d['savings']:,.0f} against "
                     f"{d['savings_without_cap']:,.0f} without the cap (it costs "
                     f"{d['cost_of_cap']:,.0f} {cur}/yr)")
    if res.robust is not None:
        r = k["robust"]
        exact = "exact" if r["exact"] else f"best found, gap {r['gap'] or 0:.2%}"
        lines.append(f"  N-1 robust design ({exact}; {r['rounds']} round(s)): worst exit keeps "
                     f"{r['worst_exit_savings']:,.0f} (cost optimum "
                     f"{r['cost_optimum_worst_exit_savings']:,.0f}; at most "
                     f"{r['bound']:,.0f}); saves {r['savings']:,.0f} as planned: robustness "
                     f"costs {r['cost_of_robustness']:,.0f} {cur}/yr; {r['links_built']} "
                     f"links, {r['standby_links']} on standby")
        lines += _rows(res.robust_table, top)
    return "\n".join(lines)


def _rows(t: pd.DataFrame, top: int) -> list[str]:
    lines = [f"  {'firm':<12} {'links':>5} {'kept':>12} {'re-planned':>12} "
             f"{'at risk':>12}  dependants"]
    for _, r in t.head(top).iterrows():
        lines.append(f"  {r.firm_id:<12} {r.links_lost:>5} {r.savings_kept:>12,.0f} "
                     f"{r.savings_reoptimised:>12,.0f} {r.value_at_risk:>12,.0f}  "
                     f"{r.dependants}")
    if len(t) > top:
        lines.append(f"  … {len(t) - top} more in resilience.csv")
    return lines
