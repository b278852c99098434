"""What a solve returns, and how it is asked for: the outcome types every backend and the
part solver share (`Status`, `Termination`, `SolverOptions`, `Solution`, `relative_gap`).

A leaf module (it imports nothing of the package), so that the solver dispatch
(`symbiosis.solve`), the part solver (`symbiosis.decompose`) and the HiGHS runner
(`symbiosis.backends.highs`) can all use these without importing one another.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


def status_of(termination: Termination, found: bool, optimal: bool) -> Status:
    """The status a run's termination and whether it found a point give."""
    if found:
        return Status.OPTIMAL if optimal and termination == Termination.CONVERGED \
            else Status.FEASIBLE
    return {
        Termination.INFEASIBLE: Status.INFEASIBLE,
        Termination.UNBOUNDED: Status.UNBOUNDED,
        Termination.INFEASIBLE_OR_UNBOUNDED: Status.INFEASIBLE_OR_UNBOUNDED,
        Termination.TIME_LIMIT: Status.TIME_LIMIT_NO_SOLUTION,
    }.get(termination, Status.ERROR)
