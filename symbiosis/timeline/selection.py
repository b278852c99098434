"""Which candidate links the stacked MILP of a time study takes, and a lower bound of the
whole stacked problem that says what the others may cost (docs/model.md, "Candidate
selection over states").

The stacked objective is Σ_s ω_s · (the one-year objective of state s's program), fixed and
capital costs included (a year's ω_s sum to its δ_t, which charges them once). Giving each
state its own copy of the design (dropping y_{t(s)} = b_s) is a relaxation, so with L_s the
one-year pricing bound of state s's program (`symbiosis.pricing`: the LP over every
candidate, build columns eliminated, by parts, on every core when large)

    L = Σ_s ω_s · L_s

is a lower bound of the stacked MILP. A design using a link l has b_{l,t} = 1 in some year t
its firms are present (with phases: from its build year), so in each state s of t it costs
at least ω_s · (L_s + max(ρ_{l,s}, 0)), ρ_{l,s} the link's reduced cost in s: the whole
design costs at least L + ρ_l, with

    ρ_l = min_t Σ_{s in t} ω_s · max(ρ_{l,s}, 0),

the reduced costs summed over a year's states, weighted. With B_R the MILP's bound on the
links it took, the bound of the whole stacked problem is min(B_R, L + min_{l left out} ρ_l),
the rule of one-year runs (`selection.Selection.bound`, reused). The MILP takes the links
some state's LP builds, decided links and each demand's NEAR_PER_DEMAND others of lowest
ρ_l: a link that pays in one period only is built by that period's LP and kept, where the
price of another state's program alone would drop it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..decisions import decided_kept
from ..decompose import solve_part
from ..formulation import formulate
from ..formulation.highs_model import MatrixProgram
from ..network import CAPPED, Network, cap_detail, capped_out, rank_in_groups
from ..park import Park
from ..pricing import LinkColumns, price, relaxation_program
from ..selection import NEAR_PER_DEMAND, PRUNE_FROM_LINKS, ROUNDING_THRESHOLDS, Selection
from ..solve import SolverOptions
from ..verify import verify_point
from .plan import TimePlan, state_park
from .stacking import Stacked, group_of


@dataclass(frozen=True)
class Priced:
    """A selection, and each candidate's largest LP build over the states (None: not
    priced), what the MILP's start is rounded from."""

    selection: Selection
    builds: np.ndarray | None = None


def select_over_states(park: Park, candidates: Network, plan: TimePlan) -> Priced:
    """The links the stacked MILP takes. Networks below PRUNE_FROM_LINKS candidates with no
    cap are taken whole (the stacked MILP's own bound is then the bound); otherwise every
    state's program over every (uncapped) candidate is priced, as above."""
    from ..pipeline import every_candidate  # the pipeline is above the blocks it runs
    links = candidates.links
    cap = park.config.links.max_candidates_per_demand
    out = capped_out(links, cap, decided_kept(park, links)) if cap is not None \
        else np.zeros(len(links), dtype=bool)
    whole = every_candidate(park, candidates)
    if not out.any() and len(links) < PRUNE_FROM_LINKS:
        return Priced(whole)
    began = time.perf_counter()
    priced = price_states(park, candidates, plan)
    if priced is None:  # an LP was not solved: every allowed candidate, unpriced
        return Priced(whole)
    bound, rho, builds = priced
    posed = candidates.restrict(~out, CAPPED, cap_detail(cap)) if out.any() else candidates
    always = (builds > 1e-9) | candidates.facility_arcs | decided_kept(park, links)
    kept = ~out if out.any() else kept_near(rho, always, pd.factorize(links.to_stream)[0])
    selection = Selection(network=posed if out.any() else candidates.restrict(kept),
                          posed=posed, candidates=candidates, capped=int(out.sum()),
                          lp_bound=bound, reduced=rho, kept=kept, builds=builds,
                          seconds=time.perf_counter() - began)
    return Priced(selection, builds)


def kept_near(reduced: np.ndarray, always: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """The links always kept and each demand's NEAR_PER_DEMAND others of lowest ρ."""
    outside = np.flatnonzero(~always)
    order = outside[np.lexsort((reduced[outside], demand[outside]))]
    near = np.zeros(len(always), dtype=bool)
    near[order[rank_in_groups(demand[order]) < NEAR_PER_DEMAND]] = True
    return always | near


def price_states(park: Park, candidates: Network, plan: TimePlan
                 ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """L, each link's ρ_l (module docstring) and its largest LP build b = x/u over the
    states; None if a state's LP is not solved to optimality."""
    links = candidates.links
    states = plan.states
    years = list(plan.years)
    summed = np.zeros((len(years), len(links)))
    builds = np.zeros(len(links))
    bound = 0.0
    everything = np.ones(len(links), dtype=bool)
    for state in states.index:
        lp = formulate(state_park(park, plan, state), candidates, "cost")
        columns = LinkColumns.of(lp)
        program = relaxation_program(lp, columns)
        del lp
        pricing = price(program, columns, everything)
        del program
        if pricing is None:
            return None
        omega = float(states.omega[state])
        bound += omega * pricing.bound
        k = years.index(states.year[state]) if plan.phased else 0
        summed[k] += omega * np.maximum(pricing.reduced, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            builds = np.maximum(builds, np.where(columns.capacity > 0,
                                                 pricing.flow / columns.capacity, 0.0))
    if plan.phased:  # a year whose firms are not both there cannot hold the link
        for k, year in enumerate(years):
            present = plan.present[year]
            there = present.reindex(links.from_firm).fillna(True).to_numpy(bool) & \
                present.reindex(links.to_firm).fillna(True).to_numpy(bool)
            summed[k, ~there] = np.inf
    return bound, summed.min(axis=0), builds


def rounded_start(priced: Priced, stacked: Stacked) -> np.ndarray:
    """The MILP's start: the cheapest of the no-links point and the LP builds rounded (each
    link built whose largest LP build over the states reaches each of ROUNDING_THRESHOLDS, as
    one-year runs round, `selection.start_point`), then every other integer column (routes,
    heat pumps) on where the LP with those links needs it, operations re-optimised. Without
    phases only (with phases the build years would need rounding too)."""
    best = stacked.start()
    if priced.builds is None or stacked.plan.phased:
        return best
    lp = stacked.lp
    program = MatrixProgram.of(lp)
    build = lp.variables[f"build@{group_of(None)}"]
    builds = pd.Series(priced.builds, index=priced.selection.candidates.links.index) \
        .reindex(build.index).to_numpy()
    integer = np.flatnonzero(program.integer)
    others = np.setdiff1d(integer, build.columns)
    best_cost = lp.objective_value(best)
    for threshold in ROUNDING_THRESHOLDS:
        on = (builds >= threshold).astype(float)
        fixed = program.with_bounds(build.columns, on, on)
        first = _lp_values(fixed)
        if first is None:
            continue
        need = np.where(first[others] > 1e-9, np.ceil(first[others] - 1e-9), 0.0)
        second = _lp_values(fixed.with_bounds(others, need, need))
        if second is None:
            continue
        x = np.where(np.abs(second) <= 1e-9, 0.0, second)
        x[build.columns], x[others] = on, need
        if verify_point(lp, x).ok and lp.objective_value(x) < best_cost:
            best, best_cost = x, lp.objective_value(x)
    return best


def _lp_values(program: MatrixProgram) -> np.ndarray | None:
    """The program's values with integrality dropped (one HiGHS run, as
    `selection._round`), None if not solved."""
    relaxed = MatrixProgram(program.a, program.row_lower, program.row_upper,
                            program.col_lower, program.col_upper, program.cost,
                            program.offset, np.zeros_like(program.integer))
    solution = solve_part(relaxed, SolverOptions())
    return solution.values if solution.status.has_solution else None
