"""Which candidate links the MILP takes, and a lower bound of the whole problem that says
what the others may cost.

A province's network has about a million candidate links; the MILP needs the few tens of
thousands that can matter. The LP over every candidate (`symbiosis.pricing`) gives a lower
bound L of the whole problem and a reduced cost ρ_l ≥ 0 for each link it does not use. The
MILP takes the links of the LP, the greedy design's and each demand's NEAR_PER_DEMAND links of
lowest ρ; any design using a link l left out costs at least L + ρ_l, so with B_R the MILP's
bound on the links it took,

    bound of the whole problem = min(B_R, L + min_{l left out} ρ_l)

is valid, and the gap reported is measured against it (docs/model.md, "Candidate
selection"). When that bound is what keeps the gap above the one asked for, `widen` adds the
left-out links that could still beat the design by more than the gap allowance
(L + ρ_l < UB − g·|UB|) and the MILP is solved again, from its last design. With
`links.max_candidates_per_demand` the MILP takes the capped candidates only (as asked) and
the same bound, from the LP over every (uncapped) candidate, says what the cap may have cost.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .decompose import solve_part
from .formulation import formulate
from .formulation.highs_model import MatrixProgram
from .formulation.program import LinearProgram
from .formulation.routes import ROUTES, routes_used
from .start import greedy_point
from .decisions import decided_kept
from .network import CAPPED, Network, cap_detail, capped_out, rank_in_groups
from .park import Park
from .pricing import LinkColumns, price, relaxation_program
from .results import baseline_point, prune_unprofitable_links
from .solve import SolverOptions

PRUNE_FROM_LINKS = 20_000  # smaller networks: the MILP takes every candidate (no pricing)
NEAR_PER_DEMAND = 3  # beyond the LP's links: each demand's links of lowest reduced cost
WIDEN_AT_MOST = 4.0  # a widening may at most multiply the MILP's links by this (or reach
SMALL_PROGRAM = 20_000  # links): past that the MILP would be the one pricing is there to avoid


@dataclass(frozen=True)
class Selection:
    """The links the MILP takes, out of every candidate, and what leaving the others out
    may cost."""

    network: Network  # the program's candidates: a restriction of `posed`
    posed: Network  # the candidates as posed: with the cap's links rejected (candidate_cap)
    candidates: Network  # every candidate (uncapped)
    capped: int  # left out by links.max_candidates_per_demand
    lp_bound: float | None  # L, over every candidate (None: not priced)
    reduced: np.ndarray | None  # ρ per candidate
    kept: np.ndarray  # bool per candidate: in the program
    builds: np.ndarray  # per candidate: its LP build x_l / u_l (what rounding starts from)
    seconds: float = 0.0  # the LP over every candidate
    widenings: int = 0

    @property
    def priced(self) -> bool:
        return self.lp_bound is not None

    @property
    def large(self) -> bool:
        """A province: more candidates than the MILP would take whole."""
        return len(self.candidates.links) >= PRUNE_FROM_LINKS

    @property
    def left_out(self) -> int:
        return int((~self.kept).sum())

    @property
    def outside_bound(self) -> float:
        """The least a design using a link left out can cost (inf: none left out)."""
        if self.left_out == 0:
            return np.inf
        if not self.priced:
            return -np.inf
        return self.lp_bound + float(np.maximum(self.reduced[~self.kept], 0.0).min())

    def bound(self, program_bound: float | None) -> float | None:
        """A valid lower bound of the whole (uncapped) problem, from the program's."""
        if program_bound is None:
            return None
        whole = min(program_bound, self.outside_bound)
        return whole if np.isfinite(whole) else None

    def widen(self, incumbent: float, gap: float) -> Selection | None:
        """The selection with the left-out links that could beat `incumbent` by more than
        the gap allowance; None when there are none (or too many, or the cap forbids)."""
        if not self.priced or self.capped or self.left_out == 0:
            return None
        allowance = incumbent - gap * abs(incumbent)
        add = ~self.kept & (self.lp_bound + np.maximum(self.reduced, 0.0) < allowance)
        if not add.any() or (self.kept | add).sum() > max(WIDEN_AT_MOST * self.kept.sum(),
                                                          SMALL_PROGRAM):
            return None
        kept = self.kept | add
        return replace(self, network=self.candidates.restrict(kept), kept=kept,
                       widenings=self.widenings + 1)

    def as_kpi(self) -> dict:
        return {"candidates": int(len(self.candidates.links)),
                "in_program": int(self.kept.sum()),
                "left_out_by_cap": int(self.capped),
                "left_out_by_reduced_cost": int(self.left_out - self.capped),
                "lp_bound": self.lp_bound, "outside_bound": _finite(self.outside_bound),
                "lp_seconds": self.seconds, "widenings": self.widenings}


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def select(park: Park, candidates: Network, objective: str = "cost",
           dask: str | None = None) -> Selection:
    """The links the MILP takes. Networks below PRUNE_FROM_LINKS candidates, with no cap,
    are taken whole; otherwise the LP over every candidate is priced (`symbiosis.pricing`;
    its parts on the Dask cluster at `dask` if given)."""
    links = candidates.links
    cap = park.config.links.max_candidates_per_demand
    out = capped_out(links, cap, decided_kept(park, links)) if cap is not None \
        else np.zeros(len(links), dtype=bool)
    everything = np.ones(len(links), dtype=bool)
    posed = candidates.restrict(~out, CAPPED, cap_detail(cap)) if out.any() else candidates
    whole = Selection(network=posed, posed=posed, candidates=candidates, capped=int(out.sum()),
                      lp_bound=None, reduced=None, kept=~out, builds=np.zeros(len(links)))
    if not out.any() and len(links) < PRUNE_FROM_LINKS:
        return whole
    lp = formulate(park, candidates, objective)
    columns = LinkColumns.of(lp)
    program = relaxation_program(lp, columns)
    # greedy first, and the program's blocks let go, before the LP: at 10,000 firms greedy
    # beside the LP held both at once (14 GB) and starved the LP's thread of the GIL
    greedy = greedy_point(lp, candidates, baseline_point(lp, park))[columns.build] > 0.5
    del lp
    pricing = price(program, columns, everything, dask)  # uncapped, as the bound
    del program
    if pricing is None:  # the LP was not solved: take every allowed candidate, unpriced
        return whole
    demand = pd.factorize(links.to_stream)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        builds = np.where(columns.capacity > 0, pricing.flow / columns.capacity, 0.0)
    design = builds > 1e-9
    # a facility is judged whole; a forced or existing link is in the program whatever it earns
    always = design | greedy | candidates.facility_arcs | decided_kept(park, links)
    kept = ~out if out.any() else kept_near(pricing.reduced, always, demand)
    return Selection(network=posed if out.any() else candidates.restrict(kept), posed=posed,
                     candidates=candidates, capped=int(out.sum()), lp_bound=pricing.bound,
                     reduced=pricing.reduced, kept=kept, builds=builds,
                     seconds=pricing.seconds)


def kept_near(reduced: np.ndarray, always: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """The links always kept and each demand's NEAR_PER_DEMAND others of lowest ρ."""
    outside = np.flatnonzero(~always)
    order = outside[np.lexsort((reduced[outside], demand[outside]))]
    near = np.zeros(len(always), dtype=bool)
    near[order[rank_in_groups(demand[order]) < NEAR_PER_DEMAND]] = True
    return always | near


ROUNDING_THRESHOLDS = (1e-9, 0.5)  # an LP build b_l = x_l / u_l at least this: built


def start_point(lp: LinearProgram, network: Network, baseline_x: np.ndarray,
                greedy_x: np.ndarray, builds: pd.Series) -> np.ndarray:
    """The cheapest feasible point known before the MILP, part by part (independent parts
    mix freely): the no-links baseline, the greedy design (`greedy_point`), or the LP
    rounded, building the links whose LP build (`builds`, by link id) reaches each of
    ROUNDING_THRESHOLDS and re-optimising the flows."""
    program = MatrixProgram.of(lp)
    points = [baseline_x, greedy_x]
    for threshold in ROUNDING_THRESHOLDS:
        rounded = _rounded(lp, network, program, builds.index[builds.to_numpy() >= threshold])
        if rounded is not None:
            points.append(rounded)
    return cheapest_by_part(program, points)


def cheapest_by_part(program: MatrixProgram, points: list[np.ndarray]) -> np.ndarray:
    """On each independent part of the program (`decompose.split`), the cheapest of the
    feasible `points` there: feasible, since no row reaches across parts, and no costlier
    than any of them. Ties go to the earlier point."""
    from .decompose import split

    best = points[0].copy()
    for part in split(program.a):
        cols = part.columns
        costs = [float(program.cost[cols] @ x[cols]) for x in points]
        best[cols] = points[int(np.argmin(costs))][cols]
    return best


def _rounded(lp: LinearProgram, network: Network, program: MatrixProgram,
             design: pd.Index) -> np.ndarray | None:
    """`_round`, then (cost objective) the links that lose money dropped and the flows
    re-optimised over the links left, twice at most: each pass only lowers the cost."""
    x = _round(lp, program, design)
    for _ in range(2):
        if x is None or lp.objective != "cost":
            return x
        x, dropped = prune_unprofitable_links(lp, network, x)
        if not dropped:
            return x
        flow = lp.variables["flow"]
        again = _round(lp, program, flow.index[x[flow.columns] > 0])
        x = x if again is None or lp.objective_value(again) > lp.objective_value(x) else again
    return x


def _round(lp: LinearProgram, program: MatrixProgram, design: pd.Index) -> np.ndarray | None:
    """The LP with the builds fixed: the `design` links built with their routes (shared
    routes), the others not (heat pumps and facilities off), flows re-optimised; links left
    with no flow are then not built, nor routes left with no built link."""
    if len(design) == 0:
        return None
    build = lp.variables["build"]
    on = np.zeros(program.a.shape[1], dtype=bool)
    chosen = build.index.isin(design)
    on[build.columns[chosen]] = True
    if ROUTES in lp.variables:
        on[lp.variables[ROUTES].columns[routes_used(lp, chosen)]] = True
    integer = program.integer
    lower = np.where(integer, np.where(on, 1.0, 0.0), program.col_lower)
    upper = np.where(integer, np.where(on, 1.0, 0.0), program.col_upper)
    fixed = replace(program, col_lower=lower, col_upper=upper,
                    integer=np.zeros_like(integer))
    solution = solve_part(fixed, SolverOptions())  # an LP: one HiGHS run,
    # here (worker processes would cost more to start than the LP takes)
    if not solution.status.has_solution:
        return None
    x = np.where(np.abs(solution.values) <= 1e-9, 0.0, solution.values)
    flow = lp.variables["flow"]
    idle = x[flow.columns] <= 1e-9 * np.maximum(1.0, flow.upper)
    x[build.columns[idle]] = 0.0
    x[np.flatnonzero(integer)] = np.round(x[np.flatnonzero(integer)])
    if ROUTES in lp.variables:
        x[lp.variables[ROUTES].columns] = routes_used(lp, x[build.columns] > 0.5)
    return x


def carry(x: np.ndarray, source: LinearProgram, target: LinearProgram) -> np.ndarray:
    """A point of `source` as a point of `target` (a program over more links): each column
    takes the value of the column with the same block and label, 0 where there is none."""
    out = np.zeros(target.n_columns)
    for name, block in target.variables.items():
        if name not in source.variables:
            continue
        other = source.variables[name]
        at = other.index.get_indexer(block.index)
        found = at >= 0
        out[block.columns[found]] = x[other.columns[at[found]]]
    return out
