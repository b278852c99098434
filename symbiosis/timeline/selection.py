"""Which candidate links the stacked MILP of a time study takes, and a lower bound of the
whole stacked problem that says what the others may cost (docs/model.md, "Candidate
selection over states").

The one-year pipeline prices the LP over every candidate (`symbiosis.selection`); a time
study prices the *stacked* LP: every state, every candidate, integrality relaxed, solved
once (its optimum z is a lower bound of the stacked MILP). With its row duals y, those of
the links' activation rows x_{l,s} − u_l b_{l,g(s)} ≤ 0 set to 0, d = c − Aᵀy, and for each
link l and design copy g (the year of a horizon, or the one copy without one)

    ρ_{l,g} = d_{b_{l,g}} + Σ_{s in g} u_l · min(0, d_{x_{l,s}})

the cheapest way to use l in g: build it, send 0..u_l in each of g's states (the weights ω_s
are in the costs, so this is the weighted sum over states). Dualising every row but the
activation rows is a Lagrangian relaxation whose value at the LP's duals is z; a design using
l has b_{l,g} = 1 in some copy g it may be built in, so it costs at least
z + min_g max(ρ_{l,g}, 0) = z + ρ_l, and with B_R the MILP's bound on the links it took,

    bound of the whole stacked problem = min(B_R, z + min_{l left out} ρ_l),

the rule of one-year runs (`selection.Selection.bound`, which is reused). The MILP takes the
links the LP builds in some copy, decided links and each demand's NEAR_PER_DEMAND others of
lowest ρ_l; pricing summed over states keeps a link that pays in one period only, where the
price of one state's program would drop it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from ..decisions import decided_kept
from ..decompose import split
from ..formulation.highs_model import MatrixProgram
from ..formulation.program import LinearProgram
from ..network import CAPPED, Network, cap_detail, capped_out, rank_in_groups
from ..park import Park
from ..selection import (NEAR_PER_DEMAND, PRUNE_FROM_LINKS, ROUNDING_THRESHOLDS, Selection,
                         carry)
from .plan import TimePlan
from ..verify import verify_point
from .stacking import Stacked, group_of, stack

ACTIVATION = "link_activation@"  # the stacked copies of links.add_links's activation rows


@dataclass(frozen=True)
class Priced:
    """A selection, and the stacked LP's point over every candidate (None: not priced),
    what the MILP's start is rounded from."""

    selection: Selection
    lp: LinearProgram | None = None
    x: np.ndarray | None = None


def select_over_states(park: Park, candidates: Network, plan: TimePlan) -> Priced:
    """The links the stacked MILP takes. Networks below PRUNE_FROM_LINKS candidates with no
    cap are taken whole (the stacked MILP's own bound is then the bound); otherwise the
    stacked LP over every (uncapped) candidate is priced, as above."""
    from ..pipeline import every_candidate  # the pipeline is above the blocks it runs
    links = candidates.links
    cap = park.config.links.max_candidates_per_demand
    out = capped_out(links, cap, decided_kept(park, links)) if cap is not None \
        else np.zeros(len(links), dtype=bool)
    whole = every_candidate(park, candidates)
    if not out.any() and len(links) < PRUNE_FROM_LINKS:
        return Priced(whole)
    began = time.perf_counter()
    full = stack(park, candidates, plan)
    priced = price_stacked(full)
    if priced is None:  # the LP was not solved: every allowed candidate, unpriced
        return Priced(whole)
    z, rho, builds, x = priced
    posed = candidates.restrict(~out, CAPPED, cap_detail(cap)) if out.any() else candidates
    always = (builds > 1e-9) | candidates.facility_arcs | decided_kept(park, links)
    kept = ~out if out.any() else kept_near(rho, always, pd.factorize(links.to_stream)[0])
    selection = Selection(network=posed if out.any() else candidates.restrict(kept),
                          posed=posed, candidates=candidates, capped=int(out.sum()),
                          lp_bound=z, reduced=rho, kept=kept, builds=builds,
                          seconds=time.perf_counter() - began)
    return Priced(selection, full.lp, x)


def kept_near(reduced: np.ndarray, always: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """The links always kept and each demand's NEAR_PER_DEMAND others of lowest ρ."""
    outside = np.flatnonzero(~always)
    order = outside[np.lexsort((reduced[outside], demand[outside]))]
    near = np.zeros(len(always), dtype=bool)
    near[order[rank_in_groups(demand[order]) < NEAR_PER_DEMAND]] = True
    return always | near


def price_stacked(stacked: Stacked
                  ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
    """The stacked LP's optimum z, each link's ρ_l (module docstring), its largest LP build
    over the copies and the LP's point; None if the LP is not solved to optimality."""
    lp = stacked.lp
    program = MatrixProgram.of(lp)
    relaxed = MatrixProgram(program.a, program.row_lower, program.row_upper,
                            program.col_lower, program.col_upper, program.cost,
                            program.offset, np.zeros_like(program.integer))
    solved = solve_lp(relaxed)
    if solved is None:
        return None
    z, x, y = solved
    y[activation_rows(lp)] = 0.0
    d = program.cost - program.a.T @ y
    groups = [group_of(year) for year in stacked.plan.years]
    rho = np.full((len(groups), len(lp.variables[f"build@{groups[0]}"].index)), np.inf)
    builds = np.zeros(rho.shape[1])
    for k, g in enumerate(groups):
        b = lp.variables[f"build@{g}"]
        open_ = b.upper > 0  # a copy whose firms are absent cannot be built
        rho[k, open_] = d[b.columns[open_]]
        builds = np.maximum(builds, x[b.columns])
    states = stacked.plan.states
    for state in states.index:
        k = groups.index(group_of(states.year[state] if stacked.plan.phased else None))
        flow = lp.variables[f"flow@{state}"]
        rho[k] += flow.upper * np.minimum(0.0, d[flow.columns])
    return z, np.maximum(rho, 0.0).min(axis=0), builds, x


def activation_rows(lp) -> np.ndarray:
    """The program rows of the links' activation rows in every state."""
    rows, offset = [], 0
    for name, block in lp.constraints.items():
        if name.startswith(ACTIVATION):
            rows.append(offset + np.arange(len(block.index)))
        offset += len(block.index)
    return np.concatenate(rows) if rows else np.empty(0, np.int64)


def solve_lp(program: MatrixProgram) -> tuple[float, np.ndarray, np.ndarray] | None:
    """An LP by its independent parts (`decompose.split`): its optimum, values and row
    duals; None if a part is not solved to optimality."""
    x, y, z = np.zeros(program.a.shape[1]), np.zeros(program.a.shape[0]), program.offset
    for part in split(program.a):
        answer = solve_lp_part(program.part(part.columns, part.rows))
        if answer is None:
            return None
        x[part.columns], y[part.rows], objective = answer
        z += objective
    return z, x, y


def solve_lp_part(part: MatrixProgram) -> tuple[np.ndarray, np.ndarray, float] | None:
    """One part by simplex in scaled units, with presolve (unlike `pricing.solve_lp_part`:
    the stacked LP keeps its build columns and activation rows, which presolve thins; 9.6 s
    against 31.4 s for the stacked LP of a 300-firm province with 4 periods): its values,
    duals (postsolved: optimal duals of the part) and optimum; None if not optimal."""
    scaled, k = part.scaled()
    h = scaled.to_highs()
    del scaled
    h.setOptionValue("solver", "simplex")
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    return (k.values(np.asarray(solution.col_value)),
            k.rows * np.asarray(solution.row_dual) / k.objective,
            k.objective_value(h.getInfo().objective_function_value))


def rounded_start(priced: Priced, stacked: Stacked) -> np.ndarray:
    """The MILP's start: the cheaper of the no-links point and the stacked LP's point
    rounded (each integer column on from each of ROUNDING_THRESHOLDS, as one-year runs
    round, `selection.start_point`), its continuous columns re-optimised; a rounding that
    breaks a row (two build years of a link, a link without its route) is not taken."""
    best = stacked.start()
    if priced.x is None:
        return best
    lp = stacked.lp
    program = MatrixProgram.of(lp)
    point = carry(priced.x, priced.lp, lp)
    integer = np.flatnonzero(program.integer)
    best_cost = lp.objective_value(best)
    for threshold in ROUNDING_THRESHOLDS:
        on = (point[integer] >= threshold).astype(float)
        fixed = program.with_bounds(integer, on, on)
        solved = solve_lp(MatrixProgram(fixed.a, fixed.row_lower, fixed.row_upper,
                                        fixed.col_lower, fixed.col_upper, fixed.cost,
                                        fixed.offset, np.zeros_like(fixed.integer)))
        if solved is None:
            continue
        x = np.where(np.abs(solved[1]) <= 1e-9, 0.0, solved[1])
        x[integer] = on
        if verify_point(lp, x).ok and lp.objective_value(x) < best_cost:
            best, best_cost = x, lp.objective_value(x)
    return best
