"""Greenfield placement: which tenant goes on which plot, jointly with the links
(`symbiosis place`; docs/model.md, "Placement"; docs/placement.md).

The joint problem: choose a free, large-enough, zoned plot for every movable tenant and the
links of the placed park, at least total cost. A link's cost grows with its length (capex
per km, transport per unit-km, heat lost), so the problem is a quadratic assignment coupled
with the park's MILP. Two levels, iterated:

(a) flows fixed: what a km between two firms costs a year (W, from an optimum's built links:
    flow x transport cost and CO2 price per unit-km, plus capex per km, times circuity) is
    placed by a quadratic-assignment local search (analysis/qap.py);
(b) the placed park is solved by the usual pipeline; its links give the next W.

The first W comes from the *bound park*: every distance from a tenant replaced by the
least it can be on any allowed plots. No cost falls with distance, so that park's optimum
bound is a valid lower bound on the joint problem; its links (the ones worth building when
tenants are as close as they can be) are the first flow estimate. The gap stated is the best
placement's cost against that bound: of the joint problem, not of the fixed-flow subproblem.
Up to `exact_limit` assignments, every one is solved instead (exact; the bound is then the
least of their MILP bounds).
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, UnsupportedError
from ..network import build_network
from ..park import Park
from ..pipeline import Timer, optimise, optimise_network
from ..plots import Site, assignment_table, load_site
from ..results import Result
from ..solve import SolverOptions
from . import qap

EXACT_LIMIT = 120  # up to this many assignments: solve each one (exact)
DEFAULT_ROUNDS = 4
RANDOM, CLUSTERED, PLACED = "random", "sector_clustered", "placed"


@dataclass
class Placement:
    """The best placement found, its park's optimum (`result`), the joint lower bound, and
    the cost of the random and sector-clustered placements."""

    site: Site
    plot_of: np.ndarray
    result: Result
    lower_bound: float
    method: str  # "exhaustive" or "two_level"
    rounds: pd.DataFrame  # each placement solved: source, total_cost
    comparison: pd.DataFrame  # placed, sector_clustered, random: total_cost, extra_cost
    seed: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def total_cost(self) -> float:
        return float(self.result.kpis["total_cost"])

    @property
    def gap(self) -> float:
        """(cost − bound) / |cost| of the joint problem."""
        return max(self.total_cost - self.lower_bound, 0.0) / max(abs(self.total_cost), 1e-9)

    @property
    def table(self) -> pd.DataFrame:
        """placement.csv: every firm, its plot (blank: fixed by coordinates) and position."""
        return assignment_table(self.site, self.plot_of)

    def kpis(self) -> dict:
        c = self.comparison.set_index("placement").total_cost
        return {"method": self.method, "tenants": int(len(self.site.tenants)),
                "plots": int(len(self.site.plots)), "total_cost": self.total_cost,
                "lower_bound": self.lower_bound, "gap": self.gap,
                "saving_vs_random": float(c[RANDOM] - c[PLACED]),
                "saving_vs_sector_clustered": float(c[CLUSTERED] - c[PLACED]),
                "placements_solved": int(len(self.rounds)), "seed": self.seed,
                "seconds": round(self.seconds, 3), "notes": list(self.notes)}

    def to_folder(self, out: str | Path) -> Path:
        """The placed park's result folder with placement.csv, placement_compare.csv and
        placement.svg (the map), all written at once."""
        from .. import outputs
        from ..results import SIGNIFICANT, write_folder
        from .placement_map import placement_svg
        self.result.kpis["placement"] = self.kpis()
        fmt = f"%.{SIGNIFICANT}g"
        return write_folder(self.result, Path(out), extra_files={
            "placement.csv": outputs.csv_text(self.table, False, fmt),
            "placement_compare.csv": outputs.csv_text(self.comparison, False, fmt),
            "placement.svg": placement_svg(self.site, self.plot_of, self.result)})

    def summary(self) -> str:
        c = self.comparison.set_index("placement")
        cur = self.result.kpis.get("currency", "")
        lines = [f"{self.site.name}: {len(self.site.tenants)} tenants placed on "
                 f"{len(self.site.plots)} plots ({self.method}, {len(self.rounds)} placements "
                 f"solved, {self.seconds:.1f} s)",
                 f"  total cost        {self.total_cost:>16,.0f} {cur}/yr",
                 f"  lower bound       {self.lower_bound:>16,.0f} {cur}/yr  (gap "
                 f"{100 * self.gap:.2f} % of the joint problem)"]
        for name in (CLUSTERED, RANDOM):
            lines.append(f"  vs {name:<16}{c.total_cost[name] - self.total_cost:>14,.0f} "
                         f"{cur}/yr saved")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def place(subject: str | Path | Site, solver: SolverOptions | None = None, seed: int = 0,
          rounds: int = DEFAULT_ROUNDS, restarts: int = 16, kicks: int = 200,
          exact_limit: int = EXACT_LIMIT) -> Placement:
    """Place a planned park's movable tenants on its plots (see the module's docstring)."""
    began = time.perf_counter()
    site = subject if isinstance(subject, Site) else load_site(subject)
    solver = solver or SolverOptions()
    evaluator = _Evaluator(site, solver)
    rng = np.random.default_rng(seed)
    clustered = clustered_assignment(site)
    random = qap.random_assignment(site.allowed, rng)
    _refuse_facilities(site.park(clustered))  # before any solve
    for p, source in ((clustered, CLUSTERED), (random, RANDOM)):
        evaluator.cost(p, source)
    notes: list[str] = []
    if count_assignments(site.allowed, exact_limit) <= exact_limit:
        method = "exhaustive"
        for p in all_assignments(site.allowed):
            evaluator.cost(np.asarray(p), "exhaustive")
        lower = min(evaluator.bounds.values())
    else:
        method = "two_level"
        bound_park = site.park(clustered, bound_distances(site, evaluator.first_park))
        bound = _solve(bound_park, solver)
        lower = float(bound.kpis["objective_bound"])
        if not bound.status.has_solution:
            raise InputError(Problem(site.name, "the bound park has no solution "
                                     f"({bound.status.value})"))
        _two_level(site, evaluator, bound, clustered, seed, rounds, restarts, kicks)
        if bound.kpis.get("mip_gap", 0) and bound.kpis["mip_gap"] > 1e-6:
            notes.append(f"the bound park's MILP stopped at gap {bound.kpis['mip_gap']:.2e}: "
                         "its bound, not its cost, is the lower bound")
    best_key = min(evaluator.costs, key=lambda k: evaluator.costs[k])
    plot_of = np.asarray(best_key, dtype=np.int64)
    result = optimise(site.park(plot_of), "cost", solver, name=site.name)
    lower = min(lower, float(result.kpis["objective_bound"]))
    rounds_table = pd.DataFrame(evaluator.history, columns=["solve", "source", "total_cost"])
    placed_cost = float(result.kpis["total_cost"])
    comparison = pd.DataFrame({
        "placement": [PLACED, CLUSTERED, RANDOM],
        "total_cost": [placed_cost, evaluator.costs[tuple(clustered)],
                       evaluator.costs[tuple(random)]]})
    comparison["extra_cost"] = comparison.total_cost - placed_cost
    return Placement(site, plot_of, result, lower, method, rounds_table, comparison, seed,
                     time.perf_counter() - began, notes)


def _two_level(site: Site, evaluator: "_Evaluator", bound: Result, clustered: np.ndarray,
               seed: int, rounds: int, restarts: int, kicks: int) -> None:
    """(a) place on the flows of the last optimum, (b) solve the placed park; until a
    placement repeats or `rounds` are done. Every placement solved is kept in `evaluator`."""
    D = site.plot_distances()
    Dpf = site.plot_fixed_distances()
    W, Wf = pair_weights(site, bound)
    starts = [clustered]
    for k in range(rounds):
        p = qap.search(W, Wf @ Dpf.T, D, site.allowed, starts, seed=seed + k,
                       restarts=restarts, kicks=kicks)
        if tuple(p) in evaluator.costs:
            break
        evaluator.cost(p, f"round {k + 1}")
        W, Wf = pair_weights(site, evaluator.results[tuple(p)])
        starts = [p]


class _Evaluator:
    """The park's optimum cost of each placement, solved once (without the firms-alone
    split: only the cost matters here)."""

    def __init__(self, site: Site, solver: SolverOptions) -> None:
        self.site, self.solver = site, solver
        self.costs: dict[tuple, float] = {}
        self.bounds: dict[tuple, float] = {}
        self.results: dict[tuple, Result] = {}
        self.history: list[tuple[int, str, float]] = []
        self.first_park: Park | None = None

    def cost(self, plot_of: np.ndarray, source: str) -> float:
        key = tuple(int(v) for v in plot_of)
        if key not in self.costs:
            park = self.site.park(np.asarray(key))
            self.first_park = self.first_park or park
            r = _solve(park, self.solver)
            if not r.status.has_solution:
                raise InputError(Problem(self.site.name, f"a placement has no solution "
                                         f"({r.status.value})"))
            self.costs[key] = float(r.kpis["total_cost"])
            self.bounds[key] = float(r.kpis["objective_bound"])
            self.results[key] = r
            self.history.append((len(self.history) + 1, source, self.costs[key]))
        return self.costs[key]


def _solve(park: Park, solver: SolverOptions) -> Result:
    network = build_network(park, objective="cost", cap=False,
                            screen_value=False if park.config.links.force else None)
    return optimise_network(park, network, "cost", solver, None, Timer())


def _refuse_facilities(park: Park) -> None:
    if len(park.candidate_facilities):
        raise UnsupportedError(Problem(park.name, "placement with shared facilities "
                                       "(facilities.csv) is not supported yet: set "
                                       "facilities.enabled: false"))


def least_circuity(park: Park) -> float:
    cfg = park.config.links
    return min(cfg.truck.circuity or cfg.circuity, cfg.pipe.circuity or cfg.circuity)


def bound_distances(site: Site, park: Park) -> pd.DataFrame:
    """distances.csv rows (from, to, km) of the bound park: from each tenant to each other
    tenant and fixed firm, the least distance any allowed plots give (two tenants never on
    one plot), times the least circuity."""
    D = site.plot_distances()
    np.fill_diagonal(D, np.inf)
    A = site.allowed
    reach = np.where(A[:, :, None], D[None, :, :], np.inf).min(axis=1)  # (t, q)
    between = np.where(A[None, :, :], reach[:, None, :], np.inf).min(axis=2)  # (t, t)
    factor = least_circuity(park)
    n = len(site.tenants)
    a, b = np.triu_indices(n, 1)
    rows = [pd.DataFrame({"from": site.tenants[a], "to": site.tenants[b],
                          "km": between[a, b] * factor})]
    if len(site.fixed):
        Dpf = site.plot_fixed_distances()
        to_fixed = np.where(A[:, :, None], Dpf[None, :, :], np.inf).min(axis=1)  # (t, f)
        t, f = np.divmod(np.arange(to_fixed.size), len(site.fixed))
        rows.append(pd.DataFrame({"from": site.tenants[t], "to": site.fixed.index[f],
                                  "km": to_fixed.ravel() * factor}))
    return pd.concat(rows, ignore_index=True)


def pair_weights(site: Site, result: Result) -> tuple[np.ndarray, np.ndarray]:
    """What a km between two firms costs a year on the result's built links: W (tenant ×
    tenant, symmetric) and Wf (tenant × fixed firm). Per link: flow × (transport cost +
    carbon price × transport CO2) per unit-km, plus capex per km annualised (once per site
    pair and mode with shared routes; none for an existing link), times the mode's
    circuity. Heat lost in a pipe is left out (the re-solve counts it)."""
    n, nf = len(site.tenants), len(site.fixed)
    W, Wf = np.zeros((n, n)), np.zeros((n, nf))
    links = result.links
    if links.empty:
        return W, Wf
    park = result.park
    cfg = park.config.links
    res = park.resources.reindex(links.from_resource)
    carbon = park.config.economics.carbon_price
    pipe = (links["mode"] == "pipe").to_numpy()
    circ = np.where(pipe, cfg.pipe.circuity or cfg.circuity, cfg.truck.circuity or cfg.circuity)
    per_unit = res.transport_cost.to_numpy() + carbon * res.transport_co2.to_numpy()
    frame = pd.DataFrame({"a": links.from_firm.to_numpy(), "b": links.to_firm.to_numpy(),
                          "mode": links["mode"].to_numpy(),
                          "flow_km": links.flow.to_numpy() * per_unit * circ,
                          "capex_km": np.where(pipe, cfg.pipe.capex_per_km,
                                               cfg.truck.capex_per_km) * park.annuity * circ})
    if "existing" in links:
        frame.loc[links.existing.fillna(False).astype(bool).to_numpy(), "capex_km"] = 0.0
    frame = frame[frame.a != frame.b]
    if cfg.routes == "shared":  # one route per site pair and mode carries them all
        lo, hi = np.minimum(frame.a, frame.b), np.maximum(frame.a, frame.b)
        frame = frame.assign(lo=lo, hi=hi).groupby(["lo", "hi", "mode"], as_index=False).agg(
            a=("lo", "first"), b=("hi", "first"), flow_km=("flow_km", "sum"),
            capex_km=("capex_km", "max"))
    w = (frame.flow_km + frame.capex_km).to_numpy()
    ti, fi = site.tenants, site.fixed.index
    ta, tb = ti.get_indexer(frame.a), ti.get_indexer(frame.b)
    fa, fb = fi.get_indexer(frame.a), fi.get_indexer(frame.b)
    both = (ta >= 0) & (tb >= 0)
    np.add.at(W, (ta[both], tb[both]), w[both])
    np.add.at(W, (tb[both], ta[both]), w[both])
    one = (ta >= 0) & (fb >= 0)
    np.add.at(Wf, (ta[one], fb[one]), w[one])
    other = (tb >= 0) & (fa >= 0)
    np.add.at(Wf, (tb[other], fa[other]), w[other])
    return W, Wf


def clustered_assignment(site: Site) -> np.ndarray:
    """Tenants grouped by sector (largest sector first) along a snake through the plots'
    rows: the sector-clustered placement a planner might draw, respecting area and zones."""
    pts = site.plot_points()
    rows = np.unique(np.round(pts[:, 1], 6), return_inverse=True)[1]
    x = np.where(rows % 2 == 0, pts[:, 0], -pts[:, 0])
    plot_rank = np.empty(len(pts))
    plot_rank[np.lexsort((x, rows))] = np.arange(len(pts))
    sectors = site.tables.firms.set_index("firm_id").sector.reindex(site.tenants)
    size = sectors.map(sectors.value_counts())
    order = np.lexsort((site.tenants.to_numpy(), sectors.to_numpy(), -size.to_numpy()))
    tenant_rank = np.empty(len(order))
    tenant_rank[order] = np.arange(len(order))
    n, P = site.allowed.shape
    cost = (tenant_rank[:, None] / max(n - 1, 1) - plot_rank[None, :] / max(P - 1, 1)) ** 2
    return site.assign(cost)


def count_assignments(allowed: np.ndarray, cap: int) -> int:
    """The number of injective assignments ignoring the plot limits (an upper bound on the
    feasible ones), or `cap + 1` if more."""
    n, P = allowed.shape
    return math.perm(P, n) if P - n < 64 and math.perm(P, n) <= cap else cap + 1


def all_assignments(allowed: np.ndarray):
    """Every feasible assignment (plot per tenant), in lexicographic order."""
    n, P = allowed.shape
    for p in itertools.permutations(range(P), n):
        if allowed[np.arange(n), list(p)].all():
            yield p
