"""Solving by independent parts: same optimum as the whole program, honest park-wide gap."""
from __future__ import annotations

import numpy as np
import pytest

import symbiosis as sb
import symbiosis.decompose as decompose
from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.network import build_network
from symbiosis.results import baseline_point
from symbiosis.solve import Solution, Status, Termination

from .test_network import _pipe_park

EXACT = sb.SolverOptions(name="highspy", mip_gap=0)


def _program(park):
    lp = sb.formulate(park, build_network(park, screen_value=True))
    return lp, MatrixProgram.of(lp), baseline_point(lp, park)


def test_split_follows_the_rows_and_a_coupling_row_joins_everything(monkeypatch):
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    lp, program, _ = _program(_pipe_park(0, False, n=15))
    parts = decompose.split(program.a)
    assert len(parts) > 1
    columns = np.sort(np.concatenate([p.columns for p in parts]))
    assert (columns == np.arange(lp.n_columns)).all()  # every column in exactly one part
    rows = np.sort(np.concatenate([p.rows for p in parts]))
    assert (rows == np.arange(lp.n_rows)).all()
    for p in parts:  # no row reaches outside its part
        touched = np.unique(program.a[p.rows].tocoo().col)
        assert np.isin(touched, p.columns).all()
    n = lp.n_columns  # one row over every column (as a CO2 cap would be, with CO2 on all)
    lp.add_constraints("cap", ["all"], np.zeros(n), np.arange(n), np.ones(n), upper=1e12)
    assert len(decompose.split(MatrixProgram.of(lp).a)) == 1


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "worker-processes"])
@pytest.mark.parametrize("seed", range(3))
def test_parts_reach_the_whole_programs_optimum(monkeypatch, seed, parallel):
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    if parallel:
        monkeypatch.setattr(decompose, "PARALLEL_MIN_COLUMNS", 0)
    lp, program, base = _program(_pipe_park(seed, False, n=15))
    whole = sb.solve(program.to_highs(), EXACT)
    options = EXACT if not parallel else sb.SolverOptions(name="highspy", mip_gap=0, threads=2)
    parts = decompose.solve_in_parts(program, options, base)
    assert parts.parts > 1 and parts.status == Status.OPTIMAL
    assert parts.objective == pytest.approx(whole.objective, rel=1e-9)
    assert parts.bound == pytest.approx(whole.objective, rel=1e-9)
    assert lp.objective_value(parts.values) == pytest.approx(parts.objective, rel=1e-12)


def test_gap_allowances_add_up_to_the_requested_gap_of_a_lower_bound(monkeypatch):
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    lp, program, base = _program(_pipe_park(1, False, n=15))
    parts = decompose.split(program.a)
    problems = [program.part(p.columns, p.rows) for p in parts]
    bounds = np.array([decompose._lp_bound(p) for p in problems])
    options = decompose._part_options(program, parts, problems,
                                      sb.SolverOptions(name="highspy", mip_gap=0.01), base,
                                      bounds)
    lower = program.offset + bounds.sum()
    optimum = sb.solve(program.to_highs(), EXACT).objective
    assert lower <= optimum + 1e-6
    allowances = [o.options["mip_abs_gap"] / decompose.ABS_GAP_SHARE for o in options]
    assert sum(allowances) == pytest.approx(0.01 * lower, rel=1e-9)
    assert all(o.mip_gap == 0 for o in options)
    # a part with integers also stops once its design is within its allowance of its LP
    targets = [o.options.get("objective_target") for o in options]
    for target, bound, allowance, problem in zip(targets, bounds, allowances, problems):
        assert target == (pytest.approx(bound + allowance) if problem.integer.any() else None)
    solved = decompose.solve_in_parts(program, sb.SolverOptions(name="highspy", mip_gap=0.01),
                                      base)
    assert solved.objective - solved.bound <= 0.01 * lower + 1e-6
    assert solved.objective <= optimum * 1.01


def test_a_part_without_a_solution_in_time_stays_at_the_fallback():
    program = MatrixProgram.of(sb.formulate(*_park_and_network()))
    n = program.a.shape[1]
    halves = [decompose.Part(np.arange(0, n // 2), np.array([], dtype=int)),
              decompose.Part(np.arange(n // 2, n), np.array([], dtype=int))]
    solved = Solution(Status.OPTIMAL, Termination.CONVERGED, np.ones(n // 2), 0.0, 0.0,
                      "highspy", "x", 1.0)
    timed_out = Solution(Status.TIME_LIMIT_NO_SOLUTION, Termination.TIME_LIMIT, None, None,
                         -5.0, "highspy", "x", 1.0)
    fallback = np.full(n, 2.0)
    combined = decompose._combine(program, halves, [solved, timed_out], fallback,
                                  sb.SolverOptions(name="highspy"), 2.0)
    assert combined.status == Status.FEASIBLE and combined.termination == Termination.TIME_LIMIT
    assert combined.parts_at_fallback == 1 and not combined.reproducible
    assert (combined.values[:n // 2] == 1).all() and (combined.values[n // 2:] == 2).all()
    infeasible = Solution(Status.INFEASIBLE, Termination.INFEASIBLE, None, None, None,
                          "highspy", "x", 1.0)
    assert decompose._combine(program, halves, [solved, infeasible], fallback,
                              sb.SolverOptions(name="highspy"), 2.0).status == Status.INFEASIBLE


def _park_and_network():
    park = _pipe_park(2, False, n=6)
    return park, build_network(park, screen_value=False)


def test_lp_bounds_hold_after_highs_started_its_threads_in_this_process():
    _, program, _ = _program(_pipe_park(1, False, n=15))
    sb.solve(program.to_highs(), sb.SolverOptions(name="highspy", threads=2))  # a 2-thread pool
    assert np.isfinite(decompose._lp_bound(program))


def test_a_part_that_stops_on_its_target_at_once_keeps_its_lp_bound(monkeypatch):
    """Started from the optimum with a loose gap, every part meets its objective target
    before its root LP (HiGHS then has no bound of its own): the bound is the parts' LP
    bounds, valid and finite, not -inf."""
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    lp, program, base = _program(_pipe_park(1, False, n=15))
    best = sb.solve(program.to_highs(), EXACT)
    solved = decompose.solve_in_parts(program, sb.SolverOptions(name="highspy", mip_gap=0.5),
                                      best.values)
    problems = [program.part(p.columns, p.rows) for p in decompose.split(program.a)]
    lp_bound = program.offset + sum(decompose._lp_bound(p) for p in problems)
    assert solved.objective == pytest.approx(best.objective, rel=1e-9)
    assert lp_bound - 1e-6 <= solved.bound <= best.objective + 1e-6


def _parts_and_bounds(monkeypatch):
    """A pipe park's program in parts: its start, parts, their LP bounds and R, their sum."""
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    _, program, base = _program(_pipe_park(1, False, n=15))
    parts = decompose.split(program.a)
    problems = [program.part(p.columns, p.rows) for p in parts]
    bounds = np.array([decompose._lp_bound(p) for p in problems])
    return program, base, parts, problems, bounds, program.offset + bounds.sum()


def _allowances(options) -> list[float]:
    return [o.options["mip_abs_gap"] / decompose.ABS_GAP_SHARE for o in options]


@pytest.mark.parametrize("below", [0.5, 0.9])
def test_allowances_are_cut_so_the_design_certifies_against_an_outside_bound(
        monkeypatch, below):
    """Links left out of the program may cost as little as B < R (the program's LP bound):
    the parts then share B/(1 − g) − R, so a design within it has a gap of at most g
    against B, the bound the run reports."""
    program, base, parts, problems, bounds, lower = _parts_and_bounds(monkeypatch)
    gap = 0.05
    outside = lower - below * gap * lower  # B/(1 − g) − R is below g·R
    options = decompose._part_options(program, parts, problems,
                                      sb.SolverOptions(name="highspy", mip_gap=gap), base,
                                      bounds, outside)
    allowances = _allowances(options)
    assert sum(allowances) == pytest.approx(outside / (1 - gap) - lower, rel=1e-9)
    assert sum(allowances) < gap * lower
    solved = decompose.solve_in_parts(program, sb.SolverOptions(name="highspy", mip_gap=gap),
                                      base, outside)
    assert solved.objective - outside <= gap * solved.objective + 1e-6


def test_allowances_stay_when_no_design_can_certify_against_the_outside_bound(monkeypatch):
    program, base, parts, problems, bounds, lower = _parts_and_bounds(monkeypatch)
    gap = 0.01
    for outside in (lower * (1 - 2 * gap), np.inf, -np.inf):  # B/(1 − g) < R; none; unpriced
        options = decompose._part_options(program, parts, problems,
                                          sb.SolverOptions(name="highspy", mip_gap=gap),
                                          base, bounds, outside)
        assert sum(_allowances(options)) == pytest.approx(gap * lower, rel=1e-9)


def test_a_part_its_time_share_stopped_short_is_resumed_from_its_design_with_the_time_left():
    """Two parts: the first stops on its time share above its objective target, the second
    is done early. The first is run again from its own design, with the time left, and
    keeps the cheaper point and the higher bound of its two runs."""
    from concurrent.futures import Future
    from dataclasses import replace

    program = MatrixProgram(np.zeros((0, 1)), np.zeros(0), np.zeros(0), np.zeros(1),
                            np.ones(1), np.ones(1), 0.0, np.ones(1, dtype=bool))
    options = sb.SolverOptions(name="highspy", mip_gap=0.0,
                               options={"mip_abs_gap": 0.1, "objective_target": 1.0})
    short = Solution(Status.FEASIBLE, Termination.TIME_LIMIT, np.array([3.0]), 3.0, 0.5,
                     "highspy", "x", 1.0)
    resumed = Solution(Status.FEASIBLE, Termination.TIME_LIMIT, np.array([0.9]), 0.9, 0.25,
                       "highspy", "x", 1.0)  # within its target now: not resumed again
    done = Solution(Status.OPTIMAL, Termination.CONVERGED, np.array([1.0]), 1.0, 1.0,
                    "highspy", "x", 1.0)
    answers = {0: [short, resumed], 1: [done]}
    calls = []

    def submit(problem, part_options, start):
        key = 0 if problem is first else 1
        calls.append((key, part_options.time_limit, None if start is None else start[0]))
        future: Future = Future()
        future.set_result(answers[key].pop(0))
        return future

    first, second = program, replace(program)
    import time as clock
    solutions = decompose._passes([first, second], [options, options], [None, None], 1,
                                  submit, clock.perf_counter() + 60)
    assert [c[0] for c in calls] == [0, 1, 0]  # only the short part again
    assert calls[2][2] == 3.0  # from its own design
    assert calls[2][1] > 50  # with (nearly) all the time left
    assert solutions[1] is done
    assert solutions[0].objective == 0.9 and solutions[0].bound == 0.5  # cheaper, higher
    assert solutions[0].seconds == 2.0
    # without a deadline, or once the target is met, nothing runs again
    answers[0] = [short]
    answers[1] = [done]
    calls.clear()
    decompose._passes([first, second], [options, options], [None, None], 1, submit, None)
    assert [c[0] for c in calls] == [0, 1]
    met = replace(short, objective=1.0, values=np.array([1.0]))
    assert not decompose._short(met, options) and decompose._short(short, options)
    close = replace(short, bound=2.95)  # within mip_abs_gap of its own bound
    assert not decompose._short(close, options)


def test_an_interior_point_lp_bound_is_the_simplex_one():
    lp, program, base = _program(_pipe_park(2, False, n=15))
    simplex, interior = decompose._lp_bound(program), decompose._lp_bound(program, True)
    assert np.isfinite(simplex) and interior == pytest.approx(simplex, rel=1e-6, abs=1e-6)
    assert interior <= simplex  # lowered by its margin: a bound, not a value
    assert interior <= sb.solve(program.to_highs(), EXACT).objective


def test_worker_processes_compute_the_lp_bounds_computed_here(monkeypatch):
    """The parts' LP bounds are computed where the parts run, side by side: the same
    bounds, and the parts' answer meets the same gap rule."""
    program, base, parts, problems, bounds, lower = _parts_and_bounds(monkeypatch)
    monkeypatch.setattr(decompose, "PARALLEL_MIN_COLUMNS", 0)
    options = sb.SolverOptions(name="highspy", mip_gap=0.01, threads=2)
    with decompose._runner(options, len(problems), program.a.shape[1]) as (runner, slots,
                                                                           shared):
        assert isinstance(runner, decompose.WorkerPool) and slots == 2 and shared
        away = decompose._lp_bounds(problems, parts, options, base, np.inf, runner)
        interior = decompose._lp_bounds(problems, parts, options, base, 0, runner)
    assert away == pytest.approx(bounds, rel=1e-12)
    assert interior == pytest.approx(bounds, rel=1e-6) and (interior <= bounds + 1e-9).all()
    solved = decompose.solve_in_parts(program, options, base)
    assert solved.parts == len(parts)
    assert solved.objective - solved.bound <= 0.01 * lower + 1e-6
    assert solved.bound >= lower - 1e-6  # the LP bounds were taken
