"""HiGHS on a model passed straight from the program's arrays (no Pyomo): options, the MIP
start, and the outcome mapped to `symbiosis.backends.outcome`'s types.

Used by the solver dispatch (`symbiosis.solve`) and by the part solver
(`symbiosis.decompose`), which runs it in worker processes; it imports neither.
"""
from __future__ import annotations

import time

import highspy
import numpy as np

from ..formulation import DIRECT_HIGHS
from .outcome import Solution, SolverOptions, Termination, status_of


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


def reset_highs_threads(name: str) -> None:
    """HiGHS fixes its thread pool at first use in a process; a later run asking for another
    thread count fails unless the pool is reset first."""
    if "highs" in name:
        highspy.Highs.resetGlobalScheduler(True)


def solve_direct(h: highspy.Highs, options: SolverOptions,
                  start: np.ndarray | None = None) -> Solution:
    """HiGHS on a model passed straight from the program's arrays (no Pyomo). `start`: a
    feasible point, HiGHS's first incumbent if the model has integer columns."""
    began = time.perf_counter()
    if options.threads is not None:
        reset_highs_threads(DIRECT_HIGHS)
    settings = {"time_limit": options.time_limit, "mip_rel_gap": options.mip_gap,
                "threads": options.threads, "output_flag": options.tee,
                "log_to_console": options.tee}
    for key, value in {**settings, **options.options}.items():
        if value is not None:
            h.setOptionValue(key, value)
    mip = len(h.getLp().integrality_) > 0
    if start is not None and mip:
        set_start(h, start)
    h.run()
    info = h.getInfo()
    found = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, dtype=float) if found else None
    objective = info.objective_function_value if found else None
    if start is not None and mip and found and \
            _values_cost(h, values) > objective + 1e-6 + _TOLERANCE * abs(objective):
        # HiGHS 1.16 can report a better objective than the start while returning the start's
        # values (presolve improved the start and the search ended on it): solve again
        # without the start rather than report a point that is not the objective's
        h.clearSolver()
        h.run()
        info = h.getInfo()
        found = info.primal_solution_status == 2
        values = np.asarray(h.getSolution().col_value, dtype=float) if found else None
        objective = info.objective_function_value if found else None
    elif start is not None and mip and found:
        # the values may cost a little less than reported: the start's objective "in the
        # reduced space" after presolve (a 4-period province's heat part: 4,929,460 for a
        # start costing 4,928,853). They are what is returned, so their cost is reported
        objective = min(objective, _values_cost(h, values))
    termination = _HIGHS_TERMINATION.get(h.getModelStatus(), Termination.OTHER)
    bound = info.mip_dual_bound if mip else (info.objective_function_value if found else None)
    status = status_of(termination, found, termination == Termination.CONVERGED)
    return Solution(status=status, termination=termination, values=values,
                    objective=objective,
                    bound=bound, solver=DIRECT_HIGHS, solver_version=h.version(),
                    seconds=time.perf_counter() - began)


_TOLERANCE = 1e-9  # relative: a returned point costing more than reported beyond this is stale


def _values_cost(h: highspy.Highs, values: np.ndarray) -> float:
    """What the values HiGHS returns cost."""
    lp = h.getLp()
    return float(np.dot(np.asarray(lp.col_cost_, dtype=float), values)) + float(lp.offset_)


def set_start(h: highspy.Highs, start: np.ndarray) -> None:
    """Hand HiGHS a MIP start, so that a run cut short is never worse than it. Only for a
    MIP: given a point for an LP, HiGHS takes it as a basis to start from and skips presolve."""
    solution = highspy.HighsSolution()
    solution.col_value = np.asarray(start, dtype=float)
    solution.value_valid = True
    if h.setSolution(solution) == highspy.HighsStatus.kError:
        raise ValueError(f"a start of {len(start)} values for {h.getNumCol()} columns")
