"""Solve a program by its independent parts, in parallel, with one honest gap.

A province's candidate network falls apart: scrap never meets waste water, and firms far
apart share no demand. Where no row couples two sets of columns, the program is the sum of
independent programs. HiGHS's branch and bound does not see that: every branching decision
in one part delays the proof in all others, and the gap it reports is of the whole. Solving
the parts separately, each to the requested gap, gives (Σ objectives − Σ bounds) / |total|
as the park-wide gap, which is at most the requested one when the parts' objectives share a
sign, and is computed and reported as it is otherwise.

Parts come from the connected components of the bipartite graph of rows and columns (so any
row that couples everything, such as a CO2 cap, makes one part, as it must). Components below
SMALL_PART columns are solved together, since HiGHS takes a tiny part in milliseconds.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Iterator

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .formulation.highs_model import MatrixProgram
from .part_worker import receive, send
from .backends.basis import Basis, set_basis
from .backends.highs import solve_direct
from .backends.outcome import Solution, SolverOptions, Status, Termination, relative_gap

LOG = logging.getLogger(__name__)
DEFAULT_GAP = 1e-4  # HiGHS's own default mip_rel_gap
# A part stops at this share of its allowance against its own bound: its design must come
# within the whole allowance of its LP bound (the objective target) to be certified, and a
# part proven within a_i of its own bound can still be further than a_i from its LP bound.
ABS_GAP_SHARE = 0.5
SMALL_PART = 500  # columns: smaller components are solved together
INTERIOR_MARGIN = 1e-7  # relative: what an interior-point LP bound is lowered by (`_lp_bound`)
RESUMES = 3  # passes more for the parts a time share stopped short (`_passes`)
RESUME_SECONDS = 2.0  # time left below which no part is resumed
PARALLEL_MIN_COLUMNS = 20_000  # below this, starting worker processes costs more than it saves
# a part that stopped on one of these without a solution keeps the fallback's values
STOPPED_EARLY = frozenset({Termination.TIME_LIMIT, Termination.ITERATION_LIMIT,
                           Termination.INTERRUPTED})


@dataclass(frozen=True)
class Part:
    columns: np.ndarray
    rows: np.ndarray


def split(a: sp.spmatrix) -> list[Part]:
    """Independent parts of a constraint matrix, largest first (ties by first column)."""
    n_rows, n_cols = a.shape
    coo = a.tocoo()
    graph = sp.coo_matrix((np.ones(coo.nnz), (coo.row, n_rows + coo.col)),
                          shape=(n_rows + n_cols,) * 2)
    _, label = connected_components(graph, directed=False)
    row_label, col_label = label[:n_rows], label[n_rows:]
    size = np.bincount(col_label, minlength=label.max() + 1)
    small = size < SMALL_PART
    col_label = np.where(small[col_label], -1, col_label)  # all small components: one part
    row_label = np.where(small[row_label], -1, row_label)
    parts = []
    for key in np.unique(col_label):
        parts.append(Part(np.flatnonzero(col_label == key), np.flatnonzero(row_label == key)))
    parts.sort(key=lambda p: (-len(p.columns), p.columns[0]))
    return parts


def solve_in_parts(program: MatrixProgram, options: SolverOptions,
                   fallback: np.ndarray | None = None,
                   outside_bound: float = np.inf,
                   interior_from_rows: float = np.inf,
                   lp_basis: Basis | None = None) -> Solution:
    """Solve each independent part with HiGHS (one process per core when it pays, or on a
    Dask cluster with `options.dask`) and combine them. `fallback`: a feasible point of the
    whole program, each part's MIP start, and kept for a part whose answer is missing or
    worse, so that a run cut short is never worse than it. `outside_bound`: the least a
    solution of the posed problem outside this program can cost (the links candidate
    selection left out, `Selection.outside_bound`), which the gap will be certified
    against when it is below the program's own bound (`_part_options`). Parts of at least
    `interior_from_rows` rows get their LP bound by interior point (`_lp_bound`), unless
    `lp_basis`, a basis of the program's columns and rows, gives simplex a start.

    The parts' LP bounds are computed first, side by side where the parts are, since every
    part's stopping rule depends on all of them; the time limit counts from when they are
    known (in one process, the 20-scenario province's took more than 20 minutes)."""
    began = time.perf_counter()
    parts, problems = _parts_of(program)
    starts = [None if fallback is None else fallback[p.columns] for p in parts]
    with _runner(options, len(problems), program.a.shape[1]) as (runner, slots, shared):
        lower = _lp_bounds(problems, parts, options, fallback, interior_from_rows, runner,
                           lp_basis)
        part_options = [options] * len(parts) if not np.isfinite(lower).any() else \
            _part_options(program, parts, problems, options, fallback, lower, outside_bound)
        if shared:
            part_options = _one_thread(part_options)
        deadline = None if options.time_limit is None else \
            time.perf_counter() + options.time_limit
        solutions = _passes(problems, part_options, starts, slots, runner.submit, deadline)
    solutions = [_with_bound(s, lb) for s, lb in zip(solutions, lower)]
    return _combine(program, parts, solutions, fallback, options, time.perf_counter() - began)


def _with_bound(solution: Solution, lp_bound: float) -> Solution:
    """The better of the part's two valid bounds, the solver's and its LP relaxation's (a
    part that stops on its objective target before its root LP has no bound of its own)."""
    if not np.isfinite(lp_bound):
        return solution
    bound = lp_bound if solution.bound is None or not np.isfinite(solution.bound) \
        else max(solution.bound, lp_bound)
    return replace(solution, bound=bound)


def _parts_of(program: MatrixProgram) -> tuple[list[Part], list[MatrixProgram]]:
    """The parts and their programs. A program in one piece is its own part (not copied;
    its offset is added back by _combine)."""
    parts = split(program.a)
    if len(parts) == 1:
        n_rows, n_cols = program.a.shape
        return [Part(np.arange(n_cols), np.arange(n_rows))], [replace(program, offset=0.0)]
    return parts, [program.part(p.columns, p.rows) for p in parts]


def _lp_bounds(problems: list[MatrixProgram], parts: list[Part], options: SolverOptions,
               fallback: np.ndarray | None, interior_from_rows: float, runner,
               basis: Basis | None = None) -> np.ndarray:
    """Each part's LP bound (`_lp_bound`, from its share of `basis` if given), computed by
    `runner` (largest part first), or −inf for all where no stopping rule needs them:
    without a fallback, or at gap 0."""
    gap = DEFAULT_GAP if options.mip_gap is None else options.mip_gap
    if fallback is None or gap <= 0:
        return np.full(len(problems), -np.inf)
    began = time.perf_counter()
    futures = [runner.submit_call(_lp_bound, p, len(p.row_lower) >= interior_from_rows,
                                  None if basis is None else basis.part(part.columns, part.rows))
               for p, part in zip(problems, parts)]
    lower = np.array([f.result() for f in futures], dtype=float)
    LOG.info("LP bounds of %d parts in %.1f s%s: %.9g", len(problems),
             time.perf_counter() - began, "" if basis is None else " from a basis",
             lower.sum())
    return lower


@contextmanager
def _runner(options: SolverOptions, n_parts: int, n_columns: int
            ) -> Iterator[tuple[WorkerPool | _ClusterParts | _Here, int, bool]]:
    """Where the parts run, how many at once, and whether side by side (then each gets one
    HiGHS thread): on the Dask cluster if asked; else in worker processes when the program
    is large enough to pay for starting them; else here, one part after another."""
    workers = min(n_parts, options.threads or os.cpu_count() or 1)
    if options.dask is None and (workers < 2 or n_columns < PARALLEL_MIN_COLUMNS):
        yield _Here(), 1, False
        return
    with part_pool(options.dask, workers) as (pool, slots):
        yield pool, max(1, min(n_parts, options.threads or n_parts, slots)), True


def _passes(problems: list[MatrixProgram], part_options: list[SolverOptions],
            starts: list[np.ndarray | None], workers: int, submit,
            deadline: float | None) -> list[Solution]:
    """Every part (`_schedule`); then, while time is left, again each part that stopped on
    its time share short of its stopping rule (`_short`), from its best point, the parts so
    resumed sharing the time left. A part's share is fixed when it starts, from an estimate
    of its effort: a heat part with few binaries but a large LP gets too little, while the
    parts that finish early leave time unused (a 4-period province stopped its three
    largest parts at 20–33 s and was done at 178 s of 300). At most RESUMES passes more."""
    solutions = _schedule(problems, part_options, starts, workers, submit, deadline)
    for _ in range(RESUMES):
        short = [i for i, s in enumerate(solutions) if _short(s, part_options[i])]
        if deadline is None or not short or deadline - time.perf_counter() < RESUME_SECONDS:
            break
        again = _schedule([problems[i] for i in short], [part_options[i] for i in short],
                          [_best_point(problems[i], solutions[i], starts[i]) for i in short],
                          workers, submit, deadline)
        for i, s in zip(short, again):
            solutions[i] = _better(solutions[i], s)
    return solutions


def _short(solution: Solution, options: SolverOptions) -> bool:
    """Whether a part stopped on its time share before its stopping rule held: no point, or
    one above its objective target and further than its gaps allow from its bound."""
    if solution.termination != Termination.TIME_LIMIT:
        return False
    if solution.objective is None:
        return True
    target = options.options.get("objective_target")
    if target is not None and solution.objective <= target:
        return False
    allowed = options.options.get("mip_abs_gap")
    if allowed is None or solution.bound is None or not np.isfinite(solution.bound):
        return True
    return solution.objective - solution.bound > allowed


def _best_point(problem: MatrixProgram, solution: Solution,
                start: np.ndarray | None) -> np.ndarray | None:
    """A resumed part's start: its last design, or the original start if that costs less."""
    if solution.values is None:
        return start
    if start is not None and _costlier(problem.cost, solution.values, start):
        return start
    return solution.values


def _better(first: Solution, second: Solution) -> Solution:
    """Two runs of one part as one: the cheaper point, the higher of their (valid) bounds,
    the second run's termination and both runs' time. The first point, if cheaper, meets
    whatever stopping rule the second's met (its objective is lower, the bound no lower)."""
    bounds = [b for b in (first.bound, second.bound) if b is not None and np.isfinite(b)]
    best = second
    if first.values is not None and (second.values is None or
                                     first.objective < second.objective):
        best = replace(second, values=first.values, objective=first.objective,
                       status=second.status if second.status.has_solution else first.status)
    return replace(best, bound=max(bounds) if bounds else best.bound,
                   seconds=first.seconds + second.seconds)


def _one_thread(part_options: list[SolverOptions]) -> list[SolverOptions]:
    """Parts solved side by side get one HiGHS thread each (the cores are shared out)."""
    return [replace(o, threads=1) for o in part_options]


@contextmanager
def part_pool(dask: str | None, workers: int) -> Iterator[tuple[WorkerPool | _ClusterParts, int]]:
    """Where parts run side by side, and how many at once: `workers` worker processes here,
    or the Dask cluster at `dask` ("local": a LocalCluster of `workers` processes), as many
    at once as it has threads. Either has `submit_call(function, *arguments)`."""
    if dask is None:
        with WorkerPool(workers) as pool:
            yield pool, workers
        return
    from .cluster import client_of, total_threads

    with client_of(dask, workers) as client:
        slots = max(1, total_threads(client))
        with _ClusterParts(client, slots) as cluster:
            yield cluster, slots


def _part_options(program: MatrixProgram, parts: list[Part], problems: list[MatrixProgram],
                  options: SolverOptions, fallback: np.ndarray,
                  lower: np.ndarray, outside_bound: float = np.inf) -> list[SolverOptions]:
    """Each part's stopping rule, so that the park-wide gap meets the requested one.

    Each part may stop at an absolute gap a_i with Σ a_i = g·R, where R = offset + Σ LB_i is
    the sum of the parts' LP relaxation bounds, a lower bound on the optimum: then
    (Σ objectives − Σ bounds) ≤ g·R ≤ g·optimum. The allowance goes to the parts in proportion
    to their room for improvement, fallback objective − LB_i (hard parts, with much room, may
    stop at a larger gap of their own; easy ones are solved tightly). It stops at
    ABS_GAP_SHARE·a_i against its own bound, or, with integer columns, as soon as its design
    is within a_i of its LP bound (HiGHS's
    `objective_target`): then Σ objectives − R ≤ g·R, the gap against the LP bound, which is
    the bound candidate selection certifies (symbiosis.selection), is met, and searching on
    for a better bound of this part would not make the gap reported any smaller.
    Deterministic: it depends on the data only. With R ≤ 0 (or without a fallback, see
    _lp_bounds), each part gets the relative gap.

    When the bound to be certified is B = `outside_bound` < R (links were left out of the
    program, and a design using one may cost as little as B), the allowance is cut to
    Σ a_i = min(g·R, B/(1 − g) − R): a design within it costs at most B/(1 − g), so its gap
    against B, (objective − B)/objective, is at most g. With g·R the parts would stop at
    designs the gap against B cannot certify (a 4-period province stopped at 1.07 % for
    1 % asked, its objective target R·(1 + g) above B/(1 − g)). If B/(1 − g) ≤ R no design
    of this program can be certified at g; the allowance stays g·R and the caller widens.
    """
    gap = DEFAULT_GAP if options.mip_gap is None else options.mip_gap
    relative = [options] * len(parts)
    upper = np.array([float(p.cost @ fallback[part.columns]) for p, part in zip(problems, parts)])
    reference = program.offset + lower.sum()
    if not np.isfinite(reference) or reference <= 0:
        return relative
    room = np.maximum(upper - lower, 0.0)
    share = room / room.sum() if room.sum() > 0 else np.full(len(parts), 1 / len(parts))
    total = gap * reference
    if np.isfinite(outside_bound) and 0 < outside_bound < reference and gap < 1:
        certifiable = outside_bound / (1.0 - gap) - reference
        if certifiable > 0:
            total = min(total, certifiable)
    allowance = total * share
    return [replace(options, mip_gap=0.0, options={
        **options.options, "mip_abs_gap": float(a) * ABS_GAP_SHARE,
        **({"objective_target": float(lb + a)} if p.integer.any() else {})})
        for a, lb, p in zip(allowance, lower, problems)]


def _lp_bound(problem: MatrixProgram, interior: bool = False,
              basis: Basis | None = None) -> float:
    """The part's LP relaxation bound: by simplex from `basis` if HiGHS takes it (the basis
    the stacked LP of a time study ended at, carried by names: the MILP over the links it
    kept has the same LP, solved again in a few iterations where interior point took
    minutes per part); else by HiGHS's default LP solver, or if `interior` by interior point
    without crossover (only the value is needed, not a vertex: on the MILP parts of a
    20-scenario province simplex took minutes per part). HiGHS's thread count is left
    alone: setting one other than that of the pool HiGHS already started in this process
    fails the run."""
    relaxed, scaling = replace(problem, integer=np.zeros_like(problem.integer)).scaled()
    h = relaxed.to_highs()
    warm = basis is not None and set_basis(h, basis)
    if warm:
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("presolve", "off")  # presolve would set the basis aside
    elif interior:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -np.inf
    value = scaling.objective_value(h.getInfo().objective_function_value)
    # interior point stops at a relative duality gap of 1e-8, its primal value up to that
    # above the optimum: lowered by INTERIOR_MARGIN of itself, it stays a bound
    return value - INTERIOR_MARGIN * max(1.0, abs(value)) if interior and not warm else value


def _schedule(problems: list[MatrixProgram], part_options: list[SolverOptions],
              starts: list[np.ndarray | None], workers: int, submit,
              deadline: float | None) -> list[Solution]:
    """Run parts `workers` at a time, largest first. With a time limit, each part gets, when
    it starts, a share of the time left until `deadline` in proportion to its effort
    (`_effort`) among the parts not yet started (times `workers`), so one hard part cannot
    starve the others; time a part leaves unused goes to those after it."""
    size = [_effort(p) for p in problems]
    pending = sum(size)
    running: dict = {}
    solutions: list[Solution | None] = [None] * len(problems)
    for i, problem in enumerate(problems):
        if len(running) == workers:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                solutions[running.pop(future)] = future.result()
        this = part_options[i]
        if deadline is not None:
            left = max(0.01, deadline - time.perf_counter())
            this = replace(this, time_limit=min(left, left * workers * size[i] / pending))
        pending -= size[i]
        running[submit(problem, this, starts[i])] = i
    for future in running:
        solutions[running[future]] = future.result()
    return solutions  # type: ignore[return-value]


def _effort(problem: MatrixProgram) -> float:
    """What a part's time share goes by: its binary columns (branch and bound's work grows
    with them; a heat part's many continuous cascade columns are LP work), plus a little
    per column so that LP parts get some."""
    return float(problem.integer.sum()) + 0.01 * problem.a.shape[1]


class _Here:
    """Parts solved in this process, one after another (the runner of small programs):
    each call is made when submitted, its future already done."""

    @staticmethod
    def submit(problem: MatrixProgram, options: SolverOptions,
               start: np.ndarray | None) -> Future:
        return _Here.submit_call(solve_part, problem, options, start)

    @staticmethod
    def submit_call(function, *arguments) -> Future:
        future: Future = Future()
        future.set_result(function(*arguments))
        return future


def solve_part(problem: MatrixProgram, options: SolverOptions,
               start: np.ndarray | None = None) -> Solution:
    """Solve one part in scaled units (formulation/scaling.py); answer in the program's own.
    `start`: a feasible point of the part in its own units, HiGHS's MIP start."""
    scaled, scaling = problem.scaled()
    in_objective_units = {k: v * scaling.objective for k, v in options.options.items()
                          if k in ("mip_abs_gap", "objective_target")}
    if in_objective_units:
        options = replace(options, options={**options.options, **in_objective_units})
    scaled_start = None if start is None else np.asarray(start, dtype=float) / scaling.columns
    s = solve_direct(scaled.to_highs(), options, scaled_start)
    return replace(s, values=None if s.values is None else scaling.values(s.values),
                   objective=scaling.objective_value(s.objective),
                   bound=scaling.objective_value(s.bound))


class _ClusterParts:
    """Parts submitted to a Dask cluster, each awaited by a thread of ours, so that
    _schedule waits on them as on the worker pool's futures. A part and its start are
    scattered to the cluster rather than put in the task: Dask warns of (and is slowed by)
    tasks of more than a few MB, as the parts of a large province are."""

    def __init__(self, client, n: int) -> None:
        self._client = client
        self._threads = ThreadPoolExecutor(n, thread_name_prefix="symbiosis-dask-part")
        self._submitted: list = []

    def submit(self, problem: MatrixProgram, options: SolverOptions,
               start: np.ndarray | None) -> Future:
        return self.submit_call(solve_part, problem, options, start)

    def submit_call(self, function, *arguments) -> Future:
        """`function(*arguments)` on the cluster, its array arguments scattered first."""
        arguments = list(arguments)
        large = [i for i, a in enumerate(arguments) if isinstance(a, (MatrixProgram, np.ndarray))]
        for i, sent in zip(large, self._client.scatter([arguments[i] for i in large],
                                                       hash=False)):
            arguments[i] = sent
        future = self._client.submit(function, *arguments, pure=False)
        self._submitted.append(future)
        return self._threads.submit(future.result)

    def __enter__(self) -> _ClusterParts:
        return self

    def __exit__(self, *exc) -> None:
        self._client.cancel(self._submitted)  # parts still running if we stopped early
        self._threads.shutdown(wait=True)


class WorkerPool:
    """`n` worker processes (symbiosis.part_worker), each driven by one thread of ours that
    waits on its pipe, so parts run in parallel outside this process's GIL."""

    def __init__(self, n: int) -> None:
        self._threads = ThreadPoolExecutor(n, thread_name_prefix="symbiosis-part")
        self._local = threading.local()
        self._processes: list[subprocess.Popen] = []
        self._lock = threading.Lock()

    def _process(self) -> subprocess.Popen:
        process = getattr(self._local, "process", None)
        if process is None:
            process = subprocess.Popen([sys.executable, "-m", "symbiosis.part_worker"],
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            self._local.process = process
            with self._lock:
                self._processes.append(process)
        return process

    def _call(self, function, arguments: tuple):
        process = self._process()
        send(process.stdin, (function, arguments))
        try:
            ok, value = receive(process.stdout)
        except EOFError:
            raise RuntimeError(f"a solver worker process died (exit code {process.wait()})")
        if not ok:
            raise value
        return value

    def submit(self, problem: MatrixProgram, options: SolverOptions,
               start: np.ndarray | None) -> Future:
        return self.submit_call(solve_part, problem, options, start)

    def submit_call(self, function, *arguments) -> Future:
        """`function(*arguments)` in a worker process: a module-level function of the
        package (pickled by name), with picklable arguments."""
        return self._threads.submit(self._call, function, arguments)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self._threads.shutdown(wait=True)
        for process in self._processes:
            process.stdin.close()
        for process in self._processes:
            if process.wait(timeout=30) is None:
                process.kill()


def _combine(program: MatrixProgram, parts: list[Part], solutions: list[Solution],
             fallback: np.ndarray | None, options: SolverOptions, seconds: float) -> Solution:
    """One solution of the whole program: optimal when the park-wide gap meets the requested
    one (even if a part stopped on its time share: then the run is marked time-limited, so
    not reproducible). Each part's values are the fallback's where the part stopped without
    a solution (counted in parts_at_fallback) or with a costlier one; the bound stays the
    solver's."""
    x = np.zeros(program.a.shape[1])
    objective, bound, stand_ins, replaced = program.offset, program.offset, 0, 0
    for part, s in zip(parts, solutions):
        values = s.values
        start = None if fallback is None else fallback[part.columns]
        if values is None and start is not None and s.termination in STOPPED_EARLY:
            values, stand_ins = start, stand_ins + 1
        elif values is not None and start is not None and _costlier(
                program.cost[part.columns], values, start):
            values, replaced = start, replaced + 1
        if values is None:
            objective = None
        else:
            x[part.columns] = values
            if objective is not None:
                objective += float(program.cost[part.columns] @ values)
        bound = None if bound is None or s.bound is None else bound + s.bound
    terminations = {s.termination for s in solutions}
    termination = next((t for t in (Termination.TIME_LIMIT, Termination.INFEASIBLE,
                                    Termination.ERROR) if t in terminations),
                       Termination.CONVERGED if terminations == {Termination.CONVERGED}
                       else sorted(terminations - {Termination.CONVERGED})[0])
    if objective is None:
        statuses = [s.status for s in solutions if not s.status.has_solution]
        status = Status.INFEASIBLE if Status.INFEASIBLE in statuses else statuses[0]
    elif (not replaced and all(s.status == Status.OPTIMAL for s in solutions)) or (
            (gap := relative_gap(objective, bound)) is not None
            and gap <= (DEFAULT_GAP if options.mip_gap is None else options.mip_gap)):
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    first = solutions[0]
    return Solution(status=status, termination=termination,
                    values=x if objective is not None else None, objective=objective,
                    bound=bound if objective is not None else None, solver=first.solver,
                    solver_version=first.solver_version, seconds=seconds, parts=len(parts),
                    parts_at_fallback=stand_ins)


def _costlier(cost: np.ndarray, values: np.ndarray, start: np.ndarray) -> bool:
    """Whether the solver's values cost more than the start's (beyond rounding)."""
    mine, theirs = float(cost @ values), float(cost @ start)
    return mine > theirs + 1e-9 * max(1.0, abs(theirs))
