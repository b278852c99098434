"""The one place that knows solvers.

HiGHS through Pyomo's `pyomo.contrib.solver` interface (`highs`) by default; any solver of that
interface by name, or any classic `pyomo.environ.SolverFactory` solver (cbc, glpk, gurobi, ...)
with its option names declared in `CLASSIC_OPTION_NAMES`. Outcomes are mapped to two small
enums of our own: `Status` (what the result is) and `Termination` (why the solver stopped).
"""
from __future__ import annotations

import logging
import time
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory as ContribSolverFactory
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.opt import SolverStatus as ClassicSolverStatus
from pyomo.opt import TerminationCondition as ClassicTermination

from .backends.basis import Basis
from .backends.highs import reset_highs_threads, solve_direct
from .backends.outcome import (DEFAULT_SOLVER, Solution, SolverOptions, Status,  # noqa: F401
                               Termination, relative_gap, status_of)
from .errors import InputError, Problem, SolverUnavailableError
from .formulation import DIRECT_HIGHS
from .formulation.highs_model import MatrixProgram, quiet_highs
from .formulation.pyomo_model import column_values

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
          fallback: np.ndarray | None = None, outside_bound: float = np.inf,
          interior_from_rows: float = np.inf, lp_basis: Basis | None = None) -> Solution:
    """Solve a model emitted by `to_pyomo`, by `to_highs`, or a `MatrixProgram` (the
    "highspy" fast path, solved by independent parts); never raises for infeasible or
    unsolved models. `fallback`: a feasible point in column order, HiGHS's MIP start, which
    a `MatrixProgram`'s answer is never worse than (the other solvers do not take it).
    `outside_bound`: the bound of what candidate selection left out, which a
    `MatrixProgram`'s parts stop against; `interior_from_rows`: the parts whose LP bound is
    found by interior point, `lp_basis`: where simplex starts them, a basis of the program's
    columns and rows (`decompose.solve_in_parts`)."""
    if isinstance(model, MatrixProgram):
        from .decompose import solve_in_parts
        return solve_in_parts(model, options, fallback, outside_bound, interior_from_rows,
                              lp_basis)
    if options.dask is not None:
        raise InputError(Problem("--dask", "parts are solved on a cluster on the highspy "
                                           f"path only, not with solver {options.name!r}"))
    if isinstance(model, highspy.Highs):
        return solve_direct(model, options, fallback)
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
        reset_highs_threads(options.name)
    if options.options:
        config["solver_options"] = dict(options.options)
    logging.getLogger("pyomo.contrib.solver").setLevel(logging.ERROR)
    res = opt.solve(model, **config)
    termination = _CONTRIB_TERMINATION.get(res.termination_condition, Termination.OTHER)
    found = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if found:
        res.solution_loader.load_vars()
    objective = res.incumbent_objective if found else None
    status = status_of(termination, found, res.solution_status == SolutionStatus.optimal)
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
        reset_highs_threads(options.name)
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
    return status_of(termination, found, optimal), termination, objective, bound


def _classic_bound(res) -> float | None:
    try:
        bound = float(res.problem.lower_bound)
    except (TypeError, ValueError, AttributeError):
        return None
    return bound if np.isfinite(bound) else None


_status = status_of  # the name tests and older callers use
