"""Optimise a park over its operating states (periods, years, volume scenarios) and, with
scenarios, the value of the stochastic solution and of perfect information, by re-solves of
the same stacked program (docs/model.md, "Time").

Candidate links: every candidate of the park at its largest rates (`plan.envelope_park`);
from PRUNE_FROM_LINKS candidates (a province) or with a cap, each state's LP over every
candidate prices them (reduced costs summed over a year's states) and the MILP takes those
`timeline.selection` selects, its gap certified against a bound of the whole stacked problem, widened while the left-out links
keep that gap above the one asked for, as one-year runs do (pipeline.py). Parts that share
nothing (no firm, no heat cascade) are still solved apart (decompose.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..decisions import check_forced_candidates
from ..decompose import DEFAULT_GAP
from ..errors import Problem, UnsupportedError
from ..formulation.highs_model import MatrixProgram
from ..network import Network, build_network
from ..park import Park
from ..selection import Selection
from ..solve import Solution, SolverOptions, Status, solve
from ..verify import verify_point
from .inputs import TimeTables
from .plan import TimePlan, envelope_park, plan_of
from .selection import INTERIOR_FROM_ROWS, Priced, rounded_start, select_over_states
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
    solution = solve(MatrixProgram.of(lp), options, fallback=start,
                     interior_from_rows=INTERIOR_FROM_ROWS)
    return Solved(stacked, solution)


def candidates_of(park: Park, plan: TimePlan) -> Network:
    """Every candidate link of any state (the park at its largest rates), uncapped."""
    env = envelope_park(park, plan)
    forcing = bool(park.config.links.force)
    candidates = build_network(env, objective="cost", cap=False,
                               screen_value=False if forcing else None)
    check_forced_candidates(env, candidates)
    return candidates


def solve_selected(park: Park, priced: Priced, plan: TimePlan, options: SolverOptions,
                   timings: dict[str, float]) -> tuple[Selection, Solved]:
    """The stacked MILP on the selected links from the states' LP builds rounded
    (`timeline.selection.rounded_start`), certified; widened (`Selection.widen`) while the
    left-out links keep the gap above the one asked for and time is left, each round from
    the last design."""
    from ..pipeline import certified  # the pipeline is above the blocks it runs
    selection = priced.selection
    gap = DEFAULT_GAP if options.mip_gap is None else options.mip_gap
    started, previous = time.perf_counter(), None
    while True:
        t = time.perf_counter()
        stacked = stack(park, selection.network, plan)
        timings["build"] = timings.get("build", 0.0) + time.perf_counter() - t
        t = time.perf_counter()
        round_options = options
        if options.time_limit is not None and previous is not None:
            left = options.time_limit - (time.perf_counter() - started)
            round_options = replace(options, time_limit=max(0.01, left))
        start = rounded_start(priced, stacked) if previous is None else \
            _carried(previous, stacked)
        basis = None if priced.basis is None else priced.basis.onto(stacked.lp)
        solution = solve(MatrixProgram.of(stacked.lp), round_options, fallback=start,
                         outside_bound=selection.outside_bound,
                         interior_from_rows=INTERIOR_FROM_ROWS, lp_basis=basis)
        solved = Solved(stacked, certified(selection, solution, gap))
        timings["solve"] = timings.get("solve", 0.0) + time.perf_counter() - t
        if not solved.solution.status.has_solution or \
                solved.solution.status == Status.OPTIMAL:
            return selection, solved
        wider = selection.widen(solved.solution.objective, gap)
        out_of_time = options.time_limit is not None and \
            time.perf_counter() - started >= options.time_limit
        if wider is None or out_of_time:
            return selection, solved
        selection, previous = wider, solved


def _carried(previous: Solved, stacked: Stacked) -> np.ndarray | None:
    """The last round's point on the wider program (0 on the links added): feasible, the
    added links unbuilt."""
    from ..selection import carry
    x = carry(previous.x, previous.stacked.lp, stacked.lp)
    return x if verify_point(stacked.lp, x).ok else stacked.start()


def optimise_time(park: Park, tables: TimeTables = TimeTables(),
                  solver: SolverOptions = SolverOptions(), name: str | None = None,
                  green_channel: dict[str, int] | None = None,
                  stochastic_values: bool = True) -> TimeResult:
    """Minimise the weighted (expected, discounted) cost over the park's states; with more
    than one volume scenario also the mean-value design's expected cost (VSS) and the
    wait-and-see optimum (EVPI), unless `stochastic_values` is false."""
    from ..pipeline import PROVINCE_SECONDS, resolved
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
    candidates = candidates_of(park, plan)
    timings["network"] = time.perf_counter() - began
    t = time.perf_counter()
    priced = select_over_states(park, candidates, plan)
    selection = priced.selection
    timings["select"] = time.perf_counter() - t
    defaulted = solver.time_limit is None and selection.priced and selection.large
    if defaulted:  # a province: PROVINCE_SECONDS per state (pipeline.py)
        solver = replace(solver, time_limit=PROVINCE_SECONDS * len(plan.states))
    selection, solved = solve_selected(park, priced, plan, solver, timings)
    network = selection.network
    stochastic = None
    if stochastic_values and plan.scenarios.size > 1 and solved.x is not None:
        t = time.perf_counter()
        stochastic = stochastic_kpis(park, network, plan, solved, solver)
        timings["stochastic"] = time.perf_counter() - t
    result = time_tables(name or park.name, park, plan, network, solved, stochastic, timings)
    _selection_kpis(result.kpis, selection, defaulted)
    return result


def _selection_kpis(kpis: dict, selection: Selection, defaulted: bool) -> None:
    """What was posed and what the MILP took (docs/format.md, "Time results")."""
    kpis["time"]["candidate_links"] = int(len(selection.posed.links))
    kpis["candidates"] = {**selection.as_kpi(), "default_time_limit": defaulted}
    if selection.priced or selection.left_out:
        kpis["time"]["candidates"] = "priced by the stacked LP over every candidate and "\
            "state; the MILP takes the selected (timeline/selection.py)"
        kpis["gap_bound_is"] = "min(the stacked MILP's bound over the links it took, the "\
            "better of the states' LP bound and the stacked LP's priced bound, plus the least "\
            "reduced cost of a link left out)"


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
