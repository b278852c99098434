"""Optimise a park over its operating states (periods, years, volume scenarios) and, with
scenarios, the value of the stochastic solution and of perfect information, by re-solves of
the same stacked program (docs/model.md, "Time").

Candidate links: every candidate of the park at its largest rates (`plan.envelope_park`),
without the pricing and selection of one-year runs (symbiosis/selection.py), which price one
state's program; the stacked MILP's own bound is the bound reported, so its gap is honest.
Parts that share nothing (no firm, no heat cascade) are still solved apart (decompose.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..decisions import check_forced_candidates
from ..errors import Problem, UnsupportedError
from ..formulation.highs_model import MatrixProgram
from ..network import Network, build_network
from ..park import Park
from ..solve import Solution, SolverOptions, solve
from .inputs import TimeTables
from .plan import TimePlan, envelope_park, plan_of
from .stacking import BUILD_YEAR, Stacked, stack
from .tables import TimeResult, time_tables


@dataclass
class Solved:
    """One solve of a stacked program."""

    stacked: Stacked
    solution: Solution

    @property
    def x(self) -> np.ndarray | None:
        return self.solution.values

    @property
    def cost(self) -> float | None:
        return None if self.x is None else self.stacked.lp.cost(self.x)

    def design_values(self) -> dict[str, np.ndarray]:
        lp = self.stacked.lp
        cols = {n: v for n, v in lp.variables.items()
                if n.split("@")[0] in self.stacked.design or n.endswith(BUILD_YEAR)}
        return {n: self.x[v.columns] for n, v in cols.items()}


def _solve(stacked: Stacked, options: SolverOptions, fixed: dict[str, np.ndarray] | None = None
           ) -> Solved:
    lp = stacked.lp
    start = stacked.start()
    if fixed:  # the design of another solve, fixed (the mean-value design evaluated)
        lp = lp.copy()
        for name, values in fixed.items():
            cols = lp.variables[name].columns
            lp.fix(cols, np.round(values) if lp.variables[name].integer else values)
        stacked = replace(stacked, lp=lp)
        start = None
    solution = solve(MatrixProgram.of(lp), options, fallback=start)
    return Solved(stacked, solution)


def network_of(park: Park, plan: TimePlan) -> Network:
    """Every candidate link of any state (the park at its largest rates), capped like a
    one-year run (links.max_candidates_per_demand)."""
    from ..pipeline import _every_candidate
    env = envelope_park(park, plan)
    forcing = bool(park.config.links.force)
    candidates = build_network(env, objective="cost", cap=False,
                               screen_value=False if forcing else None)
    check_forced_candidates(env, candidates)
    return _every_candidate(env, candidates).network


def optimise_time(park: Park, tables: TimeTables = TimeTables(),
                  solver: SolverOptions = SolverOptions(), name: str | None = None,
                  green_channel: dict[str, int] | None = None,
                  stochastic_values: bool = True) -> TimeResult:
    """Minimise the weighted (expected, discounted) cost over the park's states; with more
    than one volume scenario also the mean-value design's expected cost (VSS) and the
    wait-and-see optimum (EVPI), unless `stochastic_values` is false."""
    from ..pipeline import resolved
    from ..formulation import DIRECT_HIGHS
    solver = resolved(solver)
    if solver.name == "highs":  # the same HiGHS, from the arrays (no Pyomo model)
        solver = replace(solver, name=DIRECT_HIGHS)
    if solver.name != DIRECT_HIGHS:
        raise UnsupportedError(Problem("solver", f"time studies solve on the array path "
                                                 f"(solver auto or highspy), not "
                                                 f"{solver.name!r}"))
    timings: dict[str, float] = {}
    began = time.perf_counter()
    plan = plan_of(park, tables, green_channel)
    network = network_of(park, plan)
    timings["network"] = time.perf_counter() - began
    t = time.perf_counter()
    stacked = stack(park, network, plan)
    timings["build"] = time.perf_counter() - t
    t = time.perf_counter()
    solved = _solve(stacked, solver)
    timings["solve"] = time.perf_counter() - t
    stochastic = None
    if stochastic_values and plan.scenarios.size > 1 and solved.x is not None:
        t = time.perf_counter()
        stochastic = stochastic_kpis(park, network, plan, solved, solver)
        timings["stochastic"] = time.perf_counter() - t
    return time_tables(name or park.name, park, plan, network, solved, stochastic, timings)


def stochastic_kpis(park: Park, network: Network, plan: TimePlan, solved: Solved,
                    solver: SolverOptions) -> dict:
    """VSS = EEV − RP and EVPI = RP − WS (Birge and Louveaux, ch. 4): RP the stochastic
    optimum; EEV the expected cost of the design optimal for the mean volumes, its operations
    re-optimised in each scenario; WS the expected cost when each scenario's design is
    chosen knowing it. Each comes from a solve with its own gap, reported with it."""
    rp = solved.cost
    mean = _solve(stack(park, network, plan.mean_volumes()), solver)
    eev_solved = _solve(solved.stacked, solver, fixed=mean.design_values()) \
        if mean.x is not None else None
    eev = eev_solved.cost if eev_solved is not None and eev_solved.x is not None else None
    ws_parts, gaps = {}, {"stochastic": solved.solution.mip_gap,
                          "mean_value": mean.solution.mip_gap,
                          "mean_value_design_evaluated":
                          None if eev_solved is None else eev_solved.solution.mip_gap}
    for scenario in plan.scenarios.index:
        alone = _solve(stack(park, network, plan.restrict_scenario(scenario)), solver)
        ws_parts[scenario] = alone.cost
        gaps[f"wait_and_see:{scenario}"] = alone.solution.mip_gap
    ws = None if any(v is None for v in ws_parts.values()) else \
        float(sum(plan.scenarios[s] * v for s, v in ws_parts.items()))
    return {
        "expected_cost": rp,
        "mean_value_cost": mean.cost,
        "mean_value_design_expected_cost": eev,
        "vss": None if eev is None else eev - rp,
        "wait_and_see_cost": ws,
        "wait_and_see_by_scenario": ws_parts,
        "evpi": None if ws is None else rp - ws,
        "mip_gaps": gaps,
        "largest_gap": max((g for g in gaps.values() if g is not None), default=None),
    }
