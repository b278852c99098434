"""The pipeline: Park → Network → program → Pyomo model → Solution → Result, timed per phase."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .baselines import NO_LINKS, Baseline, apply_savings_split, within_firms
from .decisions import check_forced_candidates
from .decompose import DEFAULT_GAP
from .formulation import DIRECT_HIGHS, ExtraBlock, add_co2_cap, emit, formulate, resolve_solver
from .formulation.highs_model import MatrixProgram
from .formulation.program import LinearProgram
from .formulation.registry import clean_blocks
from .start import greedy_point
from .decisions import decided_kept
from .network import CAPPED, Network, build_network, cap_detail, capped_out
from .park import Park
from .results import Result, baseline_point, extract
from .results.repair import clean_solution
from .scenario import LoadedScenario, load_model_or_scenario
from .schema import Objective, SolverSettings
from .selection import Selection, carry, select, start_point
from .solve import Solution, SolverOptions, Status, relative_gap, solve
from .verify import checked, verify_point

CO2_CAP_TOLERANCE = 1e-6  # relative slack on the CO2 optimum in the second, cost stage
# The MILP's time when none is given and candidates were priced (a province): its gap is
# certified against the LP over every candidate, which the MILP's own bound cannot raise, so
# searching on only improves the design, slowly (docs/model.md, "Candidate selection").
PROVINCE_SECONDS = 30.0


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def solver_options(settings: SolverSettings, **overrides) -> SolverOptions:
    """Scenario solver settings, with command-line values (not None) taking priority."""
    base = SolverOptions(name=settings.name, time_limit=settings.time_limit,
                         mip_gap=settings.mip_gap, threads=settings.threads)
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def optimise(park: Park, objective: Objective = "cost",
             solver: SolverOptions = SolverOptions(), name: str | None = None,
             timer: Timer | None = None, baseline: Baseline = NO_LINKS,
             extra_blocks: Sequence[ExtraBlock] = ()) -> Result:
    """Find the best set of links for a validated park.

    With objective "co2", CO2 is minimised first and then cost among the solutions within
    CO2_CAP_TOLERANCE of that minimum, so that the links chosen are the cheapest lowest-CO2 set.
    The same model with links inside firms only ("firms alone", phase `firms_alone`) splits the
    savings into what firms reach alone and what links between them add (`baselines.py`).

    `extra_blocks`: the user's own blocks, each a function f(lp, park, network) adding
    variables, rows or terms to the program (formulation.LinearProgram) after the model's
    blocks; they hold on every backend, in every stage and in the firms-alone run, and the
    answer is a normal Result. The candidates are those of any run (a link that can never pay
    is no candidate, whatever a block adds); every one of them goes into the MILP, since
    pricing knows nothing of the blocks' rows.
    """
    timer = timer or Timer()
    extra_blocks = tuple(extra_blocks)
    with timer.phase("network"):  # links that can never pay are dropped for the cost objective
        forcing = bool(park.config.links.force)  # (unless a link is forced: it may not pay)
        candidates = build_network(park, objective=objective, cap=False,
                                   screen_value=False if forcing else None)
        check_forced_candidates(park, candidates)
    result = optimise_network(park, candidates, objective, solver, name, timer, extra_blocks)
    with timer.phase("firms_alone"):  # a restriction of the candidates as posed (capped)
        alone = optimise_network(park, within_firms(result.network), objective, solver, name,
                                 Timer(), extra_blocks)
    result = apply_savings_split(result, alone, baseline)
    result.timings = dict(timer.seconds)
    return result


def optimise_network(park: Park, network: Network, objective: Objective,
                     solver: SolverOptions, name: str | None, timer: Timer,
                     extra_blocks: tuple[ExtraBlock, ...] = ()) -> Result:
    """Build, solve and extract the model of a given network (all of it, or a restriction):
    the MILP takes the links `symbiosis.selection` picks, and its bound is made one of the
    whole network."""
    solver = resolved(solver)
    with timer.phase("select"):
        selection = select(park, network, objective, dask=solver.dask) if not extra_blocks \
            else every_candidate(park, network)
    defaulted = solver.time_limit is None and selection.priced and selection.large
    if defaulted:  # a province: see PROVINCE_SECONDS
        solver = replace(solver, time_limit=PROVINCE_SECONDS)
    lp, solution, baseline_x, greedy_x, selection, program_bound = _solve_selected(
        park, selection, objective, solver, timer, extra_blocks)
    if objective == "co2":  # the CO2 optimum is used as a cap: it must hold first
        solution = _cleaned_and_checked(lp, selection.network, solution)
        if solution.status.has_solution:
            solution = _cheapest_at_lowest_co2(park, selection.network, lp, solution, solver,
                                               timer, extra_blocks)
    with timer.phase("extract"):
        settings = {"time_limit": solver.time_limit, "mip_gap": solver.mip_gap,
                    "threads": solver.threads}
        result = extract(park, selection.network, lp, solution, name or park.name, settings,
                         baseline_x=baseline_x, greedy_x=greedy_x)
    result.network = selection.posed  # what was posed: every candidate, the cap's rejected
    result.kpis["candidate_links"] = int(len(selection.posed.links))
    result.kpis["rejected_pairs"] = int(len(selection.posed.rejected))
    result.kpis["candidates"] = {**selection.as_kpi(), "default_time_limit": defaulted}
    if selection.capped:
        result.kpis["capped"] = _cap_kpis(result.kpis, program_bound)
    result.timings = dict(timer.seconds)
    return result


class _Solved(NamedTuple):
    lp: LinearProgram
    solution: Solution  # with the bound of the whole problem (`certified`)
    baseline_x: np.ndarray
    greedy_x: np.ndarray
    selection: Selection
    program_bound: float | None  # the MILP's own bound, over the links it took


def every_candidate(park: Park, network: Network) -> Selection:
    """The selection of every candidate (but the cap's), unpriced: what the MILP takes when a
    user's blocks add rows and terms that pricing does not know."""
    links = network.links
    cap = park.config.links.max_candidates_per_demand
    out = capped_out(links, cap, decided_kept(park, links)) if cap is not None \
        else np.zeros(len(links), dtype=bool)
    posed = network.restrict(~out, CAPPED, cap_detail(cap)) if out.any() else network
    return Selection(network=posed, posed=posed, candidates=network, capped=int(out.sum()),
                     lp_bound=None, reduced=None, kept=~out, builds=np.zeros(len(links)))


def _solve_selected(park: Park, selection: Selection, objective: Objective,
                    solver: SolverOptions, timer: Timer,
                    extra_blocks: tuple[ExtraBlock, ...] = ()) -> _Solved:
    """Solve the MILP on the selected links, from the best start known, with the bound of the
    whole problem; widen the selection while its left-out links keep the gap above the one
    asked for (each round starts from the last design)."""
    gap = DEFAULT_GAP if solver.mip_gap is None else solver.mip_gap
    started, previous = time.perf_counter(), None
    while True:
        with timer.phase("build"):
            lp = formulate(park, selection.network, objective, extra_blocks=extra_blocks)
        with timer.phase("handoff"):
            model = _handoff(lp, solver)
        with timer.phase("solve"):  # with utility levels the baseline is an LP: solved once
            baseline_x = baseline_point(lp, park)
            greedy_x = clean_blocks(lp, selection.network,  # its routes built, if shared
                                    greedy_point(lp, selection.network, baseline_x))
            if previous is None:
                builds = pd.Series(selection.builds, index=selection.candidates.links.index)
                start = start_point(lp, selection.network, baseline_x, greedy_x, builds)
            else:
                start = carry(previous[1].values, previous[0], lp)
            start = _holding(lp, selection.network, start, baseline_x)
            options = solver  # a widening round gets the time left
            if solver.time_limit is not None and previous is not None:
                left = solver.time_limit - (time.perf_counter() - started)
                options = replace(solver, time_limit=max(0.01, left))
            solved = solve(model, options, fallback=start,
                           outside_bound=selection.outside_bound)
            solution = certified(selection, solved, gap)
        done = _Solved(lp, solution, baseline_x, greedy_x, selection, solved.bound)
        if not solution.status.has_solution or solution.status == Status.OPTIMAL:
            return done
        wider = selection.widen(solution.objective, gap)
        out_of_time = solver.time_limit is not None and \
            time.perf_counter() - started >= solver.time_limit
        if wider is None or out_of_time:
            return done
        selection, previous = wider, (lp, solution)


def _holding(lp: LinearProgram, network: Network, start: np.ndarray,
             baseline_x: np.ndarray) -> np.ndarray | None:
    """The start if it holds in the program; else with the blocks' own builds set from its
    links (a route under its links); else the no-links point; else none. The heuristic points
    know nothing of a user's rows, a dependence cap (resilience.max_dependence) or a decided
    link's bounds, so they need not hold."""
    if verify_point(lp, start).ok:
        return start
    start = clean_blocks(lp, network, start.copy())
    if verify_point(lp, start).ok:
        return start
    return baseline_x if verify_point(lp, baseline_x).ok else None


def certified(selection: Selection, solution: Solution, gap: float) -> Solution:
    """The solution with the bound of the whole problem (`Selection.bound`: one year, or the
    stacked states of a time study) and the status that bound gives: optimal only within the
    gap asked for."""
    if not selection.priced and selection.left_out == 0:
        return solution
    bound = selection.bound(solution.bound)
    status = solution.status
    if status.has_solution:
        within = (g := relative_gap(solution.objective, bound)) is not None and g <= gap
        status = Status.OPTIMAL if within else Status.FEASIBLE
    return replace(solution, bound=bound, status=status)


def _cap_kpis(kpis: dict, program_bound: float | None) -> dict:
    """What the cap may have cost: the design's objective against the bound over every
    candidate (`objective_bound`); and the gap within the capped program alone."""
    objective, bound = kpis["objective"], kpis["objective_bound"]
    return {"program_bound": program_bound,
            "program_gap": relative_gap(objective, program_bound),
            "may_cost": None if objective is None or bound is None
            else max(0.0, objective - bound)}


def resolved(solver: SolverOptions) -> SolverOptions:
    """`auto` (the default) is HiGHS on the array path (no Pyomo), at every size."""
    return replace(solver, name=resolve_solver(solver.name))


def _handoff(lp, solver: SolverOptions):
    """The model the solver takes: arrays for the fast path (solved by independent parts),
    else a Pyomo model."""
    return MatrixProgram.of(lp) if solver.name == DIRECT_HIGHS else emit(lp, solver.name)


def _cleaned_and_checked(lp: LinearProgram, network: Network, solution: Solution) -> Solution:
    """The solution with its solver noise rounded off (results.repair.clean_solution: tiny
    values to 0, an integer build within the solver's tolerance of 0 but carrying flow set
    to 1), then verified; as extract does for the point it reports."""
    if solution.status.has_solution:
        solution = replace(solution, values=clean_solution(lp, network, solution.values))
    return checked(lp, solution)


def _cheapest_at_lowest_co2(park, network, lp, first: Solution, solver, timer,
                            extra_blocks: tuple[ExtraBlock, ...] = ()) -> Solution:
    best_co2 = lp.co2(first.values)
    with timer.phase("build"):
        second = formulate(park, network, "cost", extra_blocks=extra_blocks)
        add_co2_cap(second, best_co2 + CO2_CAP_TOLERANCE * max(1.0, abs(best_co2)))
    with timer.phase("handoff"):
        model = _handoff(second, solver)
    if solver.time_limit is not None:  # the two stages share the time limit
        solver = replace(solver, time_limit=max(1.0, solver.time_limit - first.seconds))
    with timer.phase("solve"):
        refined = _cleaned_and_checked(second, network,
                                       solve(model, solver, fallback=first.values))
    if refined.status == Status.NUMERICAL_ERROR:
        return replace(first, status=refined.status, verification=refined.verification)
    if not refined.status.has_solution:
        return first
    # Status, bound and gap stay those of the CO2 stage: that is the objective reported.
    return replace(first, values=refined.values, seconds=first.seconds + refined.seconds)


def run(path: str | Path, objective: Objective | None = None, solver: str | None = None,
        time_limit: float | None = None, mip_gap: float | None = None,
        threads: int | None = None, baseline: Baseline | None = None) -> Result:
    """Load a scenario file or a model folder and optimise it; arguments override the file."""
    timer = Timer()
    with timer.phase("load"):
        loaded = load_model_or_scenario(path)
    return run_loaded(loaded, timer, objective=objective, solver=solver, time_limit=time_limit,
                      mip_gap=mip_gap, threads=threads, baseline=baseline)


def run_loaded(loaded: LoadedScenario, timer: Timer | None = None,
               objective: Objective | None = None, baseline: Baseline | None = None,
               **solver_overrides) -> Result:
    from .timeline.guard import refuse_time
    refuse_time(loaded.park)  # periods, phases or scenarios: `symbiosis time`, not this
    overrides = {"name" if k == "solver" else k: v for k, v in solver_overrides.items()}
    options = solver_options(loaded.scenario.solver, **overrides)
    return optimise(loaded.park, objective or loaded.scenario.objective, options,
                    name=loaded.scenario.name, timer=timer,
                    baseline=baseline or loaded.scenario.baseline)
