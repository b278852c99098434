"""The feasible point as every part's MIP start, parts on a Dask cluster, the solver's log."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

import symbiosis as sb
import symbiosis.decompose as decompose
from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.solve import Solution, Status, Termination

from .conftest import DATA, ROOT
from .test_bad_input import assert_bad_input
from .test_decompose import _park_and_network, _pipe_park, _program

TINY = 1e-6  # seconds: HiGHS stops long before it could improve much on its start
EXACT = sb.SolverOptions(name="highspy", mip_gap=0)


def _knapsacks(copies: int = 1, n: int = 40, m: int = 6, seed: int = 0):
    """`copies` independent multi-dimensional knapsacks (binary picks y, each with a
    continuous amount z ≤ U y, U a few thousand so that scaling moves z), as minimisation,
    and a feasible point of them: picks made greedily within the capacities, z at U y."""
    rng = np.random.default_rng(seed)
    weights = sp.random(m, n, density=0.5, random_state=seed, format="csr")
    weights.data = rng.integers(1, 50, weights.nnz).astype(float)
    capacity = np.asarray(weights.sum(axis=1)).ravel() / 3
    upper = rng.uniform(1e3, 1e4, n)
    value, unit = rng.integers(1, 100, n).astype(float), rng.uniform(0.001, 0.01, n)
    one = sp.bmat([[weights, None], [-sp.diags(upper), sp.identity(n)]])  # A y ≤ c; z ≤ U y
    a = sp.block_diag([one] * copies, format="csc")
    pick = np.zeros(n)
    for j in np.argsort(-value):  # greedy: the most valuable first, if it fits
        pick[j] = 1
        if (weights @ pick > capacity).any():
            pick[j] = 0
    rows = m + n
    program = MatrixProgram(
        a, np.full(rows * copies, -np.inf),
        np.tile(np.concatenate([capacity, np.zeros(n)]), copies), np.zeros(2 * n * copies),
        np.tile(np.concatenate([np.ones(n), upper]), copies),
        np.tile(np.concatenate([-value, -unit]), copies), 0.0,
        np.tile(np.concatenate([np.ones(n, bool), np.zeros(n, bool)]), copies))
    start = np.tile(np.concatenate([pick, upper * pick]), copies)
    return program, start


def _cost(program: MatrixProgram, x: np.ndarray) -> float:
    return program.offset + float(program.cost @ x)


def test_the_start_is_feasible_and_scaling_moves_it():
    program, start = _knapsacks()
    a_x = program.a @ start
    assert (a_x <= program.row_upper + 1e-9).all()
    assert (start >= program.col_lower).all() and (start <= program.col_upper).all()
    _, scaling = program.scaled()
    assert (scaling.columns != 1).any()  # the start must be converted to be right


def test_highs_takes_the_start_as_its_incumbent():
    program, start = _knapsacks()
    cut = sb.SolverOptions(name="highspy", time_limit=TINY)
    solved = decompose.solve_part(program, cut, start)  # HiGHS's own answer, nothing mended
    assert solved.status.has_solution and solved.termination == Termination.TIME_LIMIT
    assert solved.objective <= _cost(program, start) + 1e-9
    assert solved.objective == pytest.approx(_cost(program, solved.values), rel=1e-9)


def test_with_a_start_a_run_cut_short_is_never_worse_and_the_optimum_is_unchanged():
    program, start = _knapsacks()
    cut = decompose.solve_in_parts(program, sb.SolverOptions(name="highspy", time_limit=TINY),
                                   start)
    assert cut.status.has_solution and cut.objective <= _cost(program, start) + 1e-9
    assert cut.parts_at_fallback == 0
    assert sb.solve(program, EXACT, start).objective == pytest.approx(
        sb.solve(program, EXACT).objective, rel=1e-12)


def test_worker_processes_get_each_parts_start(monkeypatch):
    monkeypatch.setattr(decompose, "PARALLEL_MIN_COLUMNS", 0)
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    program, start = _knapsacks(copies=2)
    assert len(decompose.split(program.a)) == 2
    with decompose.WorkerPool(1) as pool:  # across the pipe, HiGHS's own answer
        solved = pool.submit(program, sb.SolverOptions(name="highspy", time_limit=TINY,
                                                       threads=1), start).result()
    assert solved.status.has_solution and solved.objective <= _cost(program, start) + 1e-9
    options = sb.SolverOptions(name="highspy", time_limit=TINY, threads=2)
    cut = decompose.solve_in_parts(program, options, start)
    assert cut.parts == 2 and cut.parts_at_fallback == 0
    assert cut.objective <= _cost(program, start) + 1e-9
    whole = sb.solve(program.to_highs(), EXACT).objective
    assert decompose.solve_in_parts(program, replace(EXACT, threads=2), start).objective == \
        pytest.approx(whole, rel=1e-12)


def test_a_part_whose_answer_costs_more_than_its_start_keeps_the_start():
    program = MatrixProgram.of(sb.formulate(*_park_and_network()))
    n = program.a.shape[1]
    halves = [decompose.Part(np.arange(0, n // 2), np.array([], dtype=int)),
              decompose.Part(np.arange(n // 2, n), np.array([], dtype=int))]
    dearer = np.where(program.cost[n // 2:] > 0, 1.0, 0.0)  # positive costs only
    assert float(program.cost[n // 2:] @ dearer) > 0
    first = Solution(Status.OPTIMAL, Termination.CONVERGED, np.zeros(n // 2), 0.0, 0.0,
                     "highspy", "x", 1.0)
    low = -1e3 * (1 + abs(program.offset))  # a bound far below: the gap test cannot pass
    worse = Solution(Status.FEASIBLE, Termination.TIME_LIMIT, dearer, 1.0, low, "highspy",
                     "x", 1.0)
    options = sb.SolverOptions(name="highspy")
    combined = decompose._combine(program, halves, [first, worse], np.zeros(n), options, 2.0)
    assert (combined.values == 0).all() and combined.objective == program.offset
    assert combined.parts_at_fallback == 0  # it had a solution: replaced, not a stand-in
    assert combined.status == Status.FEASIBLE and combined.termination == Termination.TIME_LIMIT
    assert combined.bound == program.offset + low  # the solver's bound, as it was
    dearest = np.concatenate([np.zeros(n // 2), 2 * dearer])  # a start dearer still: the
    kept = decompose._combine(program, halves, [first, worse], dearest, options, 2.0)
    assert (kept.values[n // 2:] == dearer).all()  # solver's answer stays


def test_dask_local_cluster_gives_the_same_answer_as_worker_processes(monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(decompose, "SMALL_PART", 1)
    monkeypatch.setattr(decompose, "PARALLEL_MIN_COLUMNS", 0)
    _, program, base = _program(_pipe_park(0, False, n=15))
    options = sb.SolverOptions(name="highspy", mip_gap=0, threads=2)
    pool = decompose.solve_in_parts(program, options, base)
    cluster = decompose.solve_in_parts(program, replace(options, dask="local"), base)
    assert cluster.parts == pool.parts > 1 and cluster.status == pool.status == Status.OPTIMAL
    assert cluster.objective == pool.objective and (cluster.values == pool.values).all()


def _run(*args: str, patch: str = "") -> subprocess.CompletedProcess:
    """`symbiosis run` in a fresh process (its stdout and stderr as the terminal gets them);
    `patch`: Python run first, to force a path."""
    code = f"{patch}\nfrom symbiosis.cli import main\nmain({list(args)!r})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True)


def test_dask_local_from_the_command_line_gives_the_same_objective(tmp_path):
    pytest.importorskip("dask.distributed")
    common = (str(DATA / "tiny-park"), "--solver", "highspy", "--threads", "1", "-q")
    alone = _run("run", *common, "-o", str(tmp_path / "alone"))
    cluster = _run("run", *common, "--dask", "local", "-o", str(tmp_path / "cluster"))
    assert alone.returncode == cluster.returncode == 0, cluster.stderr
    kpis = [json.loads((tmp_path / d / "kpis.json").read_text()) for d in ("alone", "cluster")]
    for key in ("status", "objective", "objective_bound", "total_cost", "links_built"):
        assert kpis[0][key] == kpis[1][key], key


def test_an_unreachable_scheduler_or_another_solver_is_a_bad_dask_option(tmp_path,
                                                                         monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("symbiosis.cluster.CONNECT_TIMEOUT", "1s")
    run = ["run", str(DATA / "tiny-park"), "-o", str(tmp_path / "r")]
    assert_bad_input([*run, "--solver", "highspy", "--dask", "tcp://127.0.0.1:9"], "--dask",
                     "cannot reach the scheduler", out=tmp_path / "r")
    assert_bad_input([*run, "--solver", "highs", "--dask", "local"], "--dask", "highspy",
                     out=tmp_path / "r")


HIGHS_LOG = "Coefficient ranges"  # a line of every HiGHS log
FORCE_WORKERS = ("import symbiosis.decompose as d; d.PARALLEL_MIN_COLUMNS = 0; "
                 "d.SMALL_PART = 1")


@pytest.mark.parametrize("patch", ["", FORCE_WORKERS], ids=["in-process", "worker-processes"])
def test_the_solvers_log_is_shown_only_when_asked(tmp_path, patch):
    common = ("run", str(DATA / "tiny-park"), "--solver", "highspy", "--threads", "2")
    quiet = _run(*common, "-o", str(tmp_path / "quiet"), patch=patch)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and "HiGHS" not in quiet.stdout and HIGHS_LOG not in quiet.stdout
    assert quiet.stdout.splitlines()[-1].startswith("  results in")
    logged = _run(*common, "--solver-log", "-o", str(tmp_path / "logged"), patch=patch)
    assert logged.returncode == 0, logged.stderr
    where = logged.stderr if patch else logged.stdout  # worker processes log on stderr
    assert HIGHS_LOG in where
    assert logged.stdout.splitlines()[-1].startswith("  results in")
