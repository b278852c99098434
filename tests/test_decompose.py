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
