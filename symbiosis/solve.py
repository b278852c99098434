"""The one place that knows solvers.

HiGHS through Pyomo's `pyomo.contrib.solver` interface (`highs`) by default; any solver of that
interface by name, or any classic `pyomo.environ.SolverFactory` solver (cbc, glpk, gurobi, ...)
with its option names declared in `CLASSIC_OPTION_NAMES`. Outcomes are mapped to two small
enums of our own: `Status` (what the result is) and `Termination` (why the solver stopped).
"""
from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory as ContribSolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.opt import SolverStatus as ClassicSolverStatus
from pyomo.opt import TerminationCondition as ClassicTermination

from .errors import InputError, Problem, SolverUnavailableError
from .formulation import DIRECT_HIGHS
from .formulation.highs_model import MatrixProgram, quiet_highs
from .formulation.pyomo_model import column_values

DEFAULT_SOLVER = "highs"


class Status(str, enum.Enum):
    """What the result is (kpis.json `status`)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a solution, not proven optimal within the gap
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    ERROR = "error"
    # the solver's point breaks a row, bound or integrality of the model (symbiosis.verify)
    NUMERICAL_ERROR = "numerical_error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


class Termination(str, enum.Enum):
    """Why the solver stopped."""

    CONVERGED = "converged"  # optimal within the requested gap
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"
    OTHER = "other"


@dataclass(frozen=True)
class SolverOptions:
    name: str = DEFAULT_SOLVER
    time_limit: float | None = None  # seconds
    mip_gap: float | None = None  # relative; None: the solver's default (HiGHS: 1e-4)
    threads: int | None = None
    tee: bool = False  # stream the solver's log
    options: dict[str, Any] = field(default_factory=dict)  # solver-specific, passed through
    # "highspy" path: solve the parts on a Dask cluster, "local" (a LocalCluster of
    # single-threaded processes) or a scheduler address
    dask: str | None = None


@dataclass(frozen=True)
class Solution:
    status: Status
    termination: Termination
    values: np.ndarray | None  # in program column order
    objective: float | None
    bound: float | None
    solver: str
    solver_version: str
    seconds: float
    parts: int = 1  # independent parts solved separately (symbiosis.decompose)
    parts_at_fallback: int = 0  # parts with no solution in time, left at the fallback point
    verification: Any = None  # a symbiosis.verify.Verification once the point is checked

    @property
    def mip_gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)

    @property
    def reproducible(self) -> bool:
        """Runs stopped on the gap are reproducible; runs cut by a time limit are not."""
        return self.termination != Termination.TIME_LIMIT


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


# Option names of classic Pyomo solver plugins: declared, not guessed.
CLASSIC_OPTION_NAMES: dict[str, dict[str, str]] = {
    "cbc": {"time_limit": "sec", "mip_gap": "ratioGap", "threads": "threads"},
    "glpk": {"time_limit": "tmlim", "mip_gap": "mipgap"},
    "gurobi": {"time_limit": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads"},
    "cplex": {"time_limit": "timelimit", "mip_gap": "mip_tolerances_mipgap", "threads": "threads"},
    "scip": {"time_limit": "limits/time", "mip_gap": "limits/gap", "threads": "parallel/maxnthreads"},
    "appsi_highs": {"time_limit": "time_limit", "mip_gap": "mip_rel_gap", "threads": "threads"},
}

KNOWN_SOLVERS = ("highs", "highspy", "appsi_highs", "cbc", "glpk", "scip", "gurobi", "cplex")


def is_contrib_solver(name: str) -> bool:
    return name in list(ContribSolverFactory)


def solver_available(name: str) -> tuple[bool, str]:
    """Whether a solver works here, and its version or why not."""
    if name == DIRECT_HIGHS:
        return True, quiet_highs().version()
    try:
        if is_contrib_solver(name):
            opt = ContribSolverFactory(name)
            ok = bool(opt.available())
            version = opt.version() if ok else None
        else:
            opt = pyo.SolverFactory(name)
            ok = opt is not None and opt.available(exception_flag=False)
            version = opt.version() if ok else None
    except Exception as exc:  # a broken plugin is "not available", with its reason
        return False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if not ok:
        return False, "not installed"
    return True, ".".join(map(str, version)) if isinstance(version, tuple) else str(version)


def solve(model, options: SolverOptions = SolverOptions(),
          fallback: np.ndarray | None = None) -> Solution:
    """Solve a model emitted by `to_pyomo`, by `to_highs`, or a `MatrixProgram` (the
    "highspy" fast path, solved by independent parts); never raises for infeasible or
    unsolved models. `fallback`: a feasible point in column order, HiGHS's MIP start, which
    a `MatrixProgram`'s answer is never worse than (the other solvers do not take it)."""
    if isinstance(model, MatrixProgram):
        from .decompose import solve_in_parts
        return solve_in_parts(model, options, fallback)
    if options.dask is not None:
        raise InputError(Problem("--dask", "parts are solved on a cluster on the highspy "
                                           f"path only, not with solver {options.name!r}"))
    if isinstance(model, highspy.Highs):
        return _solve_direct(model, options, fallback)
    ok, why = solver_available(options.name)
    if not ok:
        raise SolverUnavailableError(
            f"solver {options.name!r} is not available here ({why}); "
            f"run `symbiosis doctor` to see which solvers work")
    start = time.perf_counter()
    if is_contrib_solver(options.name):
        result = _solve_contrib(model, options)
    else:
        result = _solve_classic(model, options)
    status, termination, objective, bound = result
    values = column_values(model) if status.has_solution else None
    return Solution(status=status, termination=termination, values=values, objective=objective,
                    bound=bound, solver=options.name, solver_version=why,
                    seconds=time.perf_counter() - start)


_CONTRIB_TERMINATION = {
    TerminationCondition.convergenceCriteriaSatisfied: Termination.CONVERGED,
    TerminationCondition.maxTimeLimit: Termination.TIME_LIMIT,
    TerminationCondition.iterationLimit: Termination.ITERATION_LIMIT,
    TerminationCondition.provenInfeasible: Termination.INFEASIBLE,
    TerminationCondition.locallyInfeasible: Termination.INFEASIBLE,
    TerminationCondition.unbounded: Termination.UNBOUNDED,
    TerminationCondition.infeasibleOrUnbounded: Termination.INFEASIBLE_OR_UNBOUNDED,
    TerminationCondition.interrupted: Termination.INTERRUPTED,
    TerminationCondition.error: Termination.ERROR,
}


def _solve_contrib(model, options: SolverOptions):
    opt = ContribSolverFactory(options.name)
    config: dict[str, Any] = {"load_solutions": False,
                              "raise_exception_on_nonoptimal_result": False,
                              "tee": options.tee}
    if options.time_limit is not None:
        config["time_limit"] = options.time_limit
    if options.mip_gap is not None:
        config["rel_gap"] = options.mip_gap
    if options.threads is not None:
        config["threads"] = options.threads
        _reset_highs_threads(options.name)
    if options.options:
        config["solver_options"] = dict(options.options)
    logging.getLogger("pyomo.contrib.solver").setLevel(logging.ERROR)
    res = opt.solve(model, **config)
    termination = _CONTRIB_TERMINATION.get(res.termination_condition, Termination.OTHER)
    found = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if found:
        res.solution_loader.load_vars()
    objective = res.incumbent_objective if found else None
    status = _status(termination, found, res.solution_status == SolutionStatus.optimal)
    return status, termination, objective, res.objective_bound


_CLASSIC_TERMINATION = {
    ClassicTermination.optimal: Termination.CONVERGED,
    ClassicTermination.maxTimeLimit: Termination.TIME_LIMIT,
    ClassicTermination.maxIterations: Termination.ITERATION_LIMIT,
    ClassicTermination.infeasible: Termination.INFEASIBLE,
    ClassicTermination.unbounded: Termination.UNBOUNDED,
    ClassicTermination.infeasibleOrUnbounded: Termination.INFEASIBLE_OR_UNBOUNDED,
    ClassicTermination.userInterrupt: Termination.INTERRUPTED,
    ClassicTermination.error: Termination.ERROR,
    ClassicTermination.feasible: Termination.OTHER,
}


def _solve_classic(model, options: SolverOptions):
    opt = pyo.SolverFactory(options.name)
    names = CLASSIC_OPTION_NAMES.get(options.name, {})
    for key in ("time_limit", "mip_gap", "threads"):
        value = getattr(options, key)
        if value is None:
            continue
        if key not in names:
            raise SolverUnavailableError(
                f"solver {options.name!r}: symbiosis does not know its option for {key}; "
                f"pass it by the solver's own name instead")
        opt.options[names[key]] = value
    if options.threads is not None:
        _reset_highs_threads(options.name)
    opt.options.update(options.options)
    res = opt.solve(model, load_solutions=False, tee=options.tee)
    termination = _CLASSIC_TERMINATION.get(res.solver.termination_condition, Termination.OTHER)
    found = len(res.solution) > 0 and res.solver.status in (
        ClassicSolverStatus.ok, ClassicSolverStatus.warning, ClassicSolverStatus.aborted)
    if found:
        model.solutions.load_from(res)
    objective = pyo.value(model.objective) if found else None
    bound = _classic_bound(res)
    optimal = termination == Termination.CONVERGED
    return _status(termination, found, optimal), termination, objective, bound


def _classic_bound(res) -> float | None:
    try:
        bound = float(res.problem.lower_bound)
    except (TypeError, ValueError, AttributeError):
        return None
    return bound if np.isfinite(bound) else None


_HIGHS_TERMINATION = {
    highspy.HighsModelStatus.kOptimal: Termination.CONVERGED,
    # the design reached the target given (symbiosis.decompose: within the gap of the LP)
    highspy.HighsModelStatus.kObjectiveTarget: Termination.CONVERGED,
    highspy.HighsModelStatus.kTimeLimit: Termination.TIME_LIMIT,
    highspy.HighsModelStatus.kIterationLimit: Termination.ITERATION_LIMIT,
    highspy.HighsModelStatus.kInfeasible: Termination.INFEASIBLE,
    highspy.HighsModelStatus.kUnbounded: Termination.UNBOUNDED,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: Termination.INFEASIBLE_OR_UNBOUNDED,
    highspy.HighsModelStatus.kInterrupt: Termination.INTERRUPTED,
}


def _reset_highs_threads(name: str) -> None:
    """HiGHS fixes its thread pool at first use in a process; a later run asking for another
    thread count fails unless the pool is reset first."""
    if "highs" in name:
        highspy.Highs.resetGlobalScheduler(True)


def _solve_direct(h: highspy.Highs, options: SolverOptions,
                  start: np.ndarray | None = None) -> Solution:
    """HiGHS on a model passed straight from the program's arrays (no Pyomo). `start`: a
    feasible point, HiGHS's first incumbent if the model has integer columns."""
    began = time.perf_counter()
    if options.threads is not None:
        _reset_highs_threads(DIRECT_HIGHS)
    settings = {"time_limit": options.time_limit, "mip_rel_gap": options.mip_gap,
                "threads": options.threads, "output_flag": options.tee,
                "log_to_console": options.tee}
    for key, value in {**settings, **options.options}.items():
        if value is not None:
            h.setOptionValue(key, value)
    mip = len(h.getLp().integrality_) > 0
    if start is not None and mip:
        _set_start(h, start)
    h.run()
    termination = _HIGHS_TERMINATION.get(h.getModelStatus(), Termination.OTHER)
    info = h.getInfo()
    found = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, dtype=float) if found else None
    bound = info.mip_dual_bound if mip else (info.objective_function_value if found else None)
    status = _status(termination, found, termination == Termination.CONVERGED)
    return Solution(status=status, termination=termination, values=values,
                    objective=info.objective_function_value if found else None,
                    bound=bound, solver=DIRECT_HIGHS, solver_version=h.version(),
                    seconds=time.perf_counter() - began)


def _set_start(h: highspy.Highs, start: np.ndarray) -> None:
    """Hand HiGHS a MIP start, so that a run cut short is never worse than it. Only for a
    MIP: given a point for an LP, HiGHS takes it as a basis to start from and skips presolve."""
    solution = highspy.HighsSolution()
    solution.col_value = np.asarray(start, dtype=float)
    solution.value_valid = True
    if h.setSolution(solution) == highspy.HighsStatus.kError:
        raise ValueError(f"a start of {len(start)} values for {h.getNumCol()} columns")


def _status(termination: Termination, found: bool, optimal: bool) -> Status:
    if found:
        return Status.OPTIMAL if optimal and termination == Termination.CONVERGED \
            else Status.FEASIBLE
    return {
        Termination.INFEASIBLE: Status.INFEASIBLE,
        Termination.UNBOUNDED: Status.UNBOUNDED,
        Termination.INFEASIBLE_OR_UNBOUNDED: Status.INFEASIBLE_OR_UNBOUNDED,
        Termination.TIME_LIMIT: Status.TIME_LIMIT_NO_SOLUTION,
    }.get(termination, Status.ERROR)
