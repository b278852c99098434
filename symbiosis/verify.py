"""Check a point against every row, bound and integrality of the program, after any solve.

A solver answers within its own tolerances on the model it was handed: HiGHS treats bounds of
1e20 and more as infinite and drops matrix values below 1e-9, so a model it was handed can
differ from ours, and its "optimal" can break our balances. The point that is *reported*
(after `results.clean_solution` and pruning) is therefore checked here against the
LinearProgram itself, whatever the backend, and a point that breaks a row is never reported
optimal or feasible (status `numerical_error`, docs/format.md "Magnitudes and verification").

A row holds when its violation is at most TOLERANCE times its scale, the largest of its finite
bounds and of its terms |a_ij x_j|, and never less than TOLERANCE · SCALE_FLOOR absolute
(1e-9, the size under which `clean_solution` rounds values to zero). Column bounds are checked
the same way; integer columns must be within INTEGRALITY of an integer.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from .formulation.program import LinearProgram
from .solve import Solution, Status

TOLERANCE = 1e-6  # relative to each row's scale
SCALE_FLOOR = 1e-3  # a row's scale is never taken below this (so at least 1e-9 absolute)
INTEGRALITY = 1e-6  # absolute, for integer columns
SHOWN = 3  # worst rows named in the message


@dataclass(frozen=True)
class Breach:
    """One row or column that does not hold at the point."""

    name: str  # e.g. "demand_balance[D1]", "flow[S1->D1] (bounds)"
    violation: float  # absolute, in the row's units
    relative: float  # violation / scale


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one point: every breach beyond the tolerance, worst first."""

    max_relative_violation: float
    worst: str | None  # the row or column with the largest relative violation (if any > 0)
    breaches: tuple[Breach, ...]
    tolerance: float = TOLERANCE

    @property
    def ok(self) -> bool:
        return not self.breaches

    def message(self) -> str:
        if self.ok:
            return ""
        shown = "; ".join(f"{b.name} by {b.violation:.6g} ({b.relative:.3g} of its scale)"
                          for b in self.breaches[:SHOWN])
        more = len(self.breaches) - SHOWN
        return (f"the solver's point does not hold in the model (tolerance {self.tolerance:g} "
                f"relative): {shown}" + (f"; and {more} more" if more > 0 else "")
                + ". Magnitudes in the input may be beyond what the solver represents "
                  "exactly: see docs/format.md, 'Magnitudes and verification'")

    def as_kpi(self) -> dict[str, Any]:
        """The `verification` entry of kpis.json."""
        return {"ok": self.ok, "tolerance": self.tolerance,
                "max_relative_violation": self.max_relative_violation, "worst": self.worst,
                "violations": len(self.breaches),
                "rows": [b.name for b in self.breaches[:SHOWN]], "message": self.message()}


def verify_point(lp: LinearProgram, x: np.ndarray,
                 matrix: tuple[sp.csr_matrix, np.ndarray, np.ndarray] | None = None
                 ) -> Verification:
    """Check x (program column order) against every row, bound and integrality of lp.

    `matrix`: lp.matrix(), if the caller has it already.
    """
    x = np.asarray(x, dtype=float)
    a, row_lower, row_upper = matrix if matrix is not None else lp.matrix()
    bad_value = ~np.isfinite(x)
    x0 = np.where(bad_value, 0.0, x)
    activity = a @ x0
    largest_term = (abs(a.multiply(x0[None, :]).tocsr()).max(axis=1).toarray().ravel()
                    if a.shape[0] else np.empty(0))
    row_rel, row_abs = _relative(activity, row_lower, row_upper, largest_term)
    col_lower, col_upper = lp.bounds()
    col_rel, col_abs = _relative(x0, col_lower, col_upper, np.abs(x0))
    integer = lp.integrality()
    off = np.where(integer, np.abs(x0 - np.round(x0)), 0.0)
    col_rel = np.maximum(col_rel, np.where(off > INTEGRALITY, off / INTEGRALITY * TOLERANCE,
                                           0.0))
    col_abs = np.maximum(col_abs, np.where(off > INTEGRALITY, off, 0.0))
    col_rel[bad_value], col_abs[bad_value] = np.inf, np.inf
    relative = np.concatenate([row_rel, col_rel])
    absolute = np.concatenate([row_abs, col_abs])
    failing = np.flatnonzero(relative > TOLERANCE)
    failing = failing[np.argsort(-relative[failing], kind="stable")]
    names = _names(lp, np.concatenate([failing, [int(np.argmax(relative))]
                                       if len(relative) else []]).astype(int), a.shape[0])
    breaches = tuple(Breach(n, float(absolute[i]), float(relative[i]))
                     for n, i in zip(names, failing))
    top = float(relative.max()) if len(relative) else 0.0
    return Verification(max_relative_violation=top,
                        worst=names[-1] if len(relative) and top > 0 else None,
                        breaches=breaches)


def _relative(value: np.ndarray, lower: np.ndarray, upper: np.ndarray,
              largest_term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Violation of lower ≤ value ≤ upper, relative to the scale and absolute."""
    with np.errstate(invalid="ignore"):
        violation = np.maximum.reduce([np.where(np.isfinite(lower), lower - value, 0.0),
                                       np.where(np.isfinite(upper), value - upper, 0.0),
                                       np.zeros_like(value)])
    scale = np.maximum.reduce([np.where(np.isfinite(lower), np.abs(lower), 0.0),
                               np.where(np.isfinite(upper), np.abs(upper), 0.0),
                               largest_term, np.full_like(value, SCALE_FLOOR)])
    return violation / scale, violation


def _names(lp: LinearProgram, positions: np.ndarray, n_rows: int) -> list[str]:
    """`block[label]` for row positions below n_rows, `block[label] (bounds)` for columns."""
    row_blocks = [(b.name, b.index) for b in lp.constraints.values()]
    col_blocks = [(b.name, b.index) for b in lp.variables.values()]
    row_starts = np.cumsum([0] + [len(i) for _, i in row_blocks])
    col_starts = np.cumsum([0] + [len(i) for _, i in col_blocks])
    out = []
    for p in positions:
        if p < n_rows:
            blocks, starts, at, suffix = row_blocks, row_starts, p, ""
        else:
            blocks, starts, at, suffix = col_blocks, col_starts, p - n_rows, " (bounds)"
        k = int(np.searchsorted(starts, at, side="right")) - 1
        name, index = blocks[k]
        label = index[at - starts[k]]
        label = ", ".join(map(str, label)) if isinstance(label, tuple) else str(label)
        out.append(f"{name}[{label}]{suffix}")
    return out


def checked(lp: LinearProgram, solution: Solution) -> Solution:
    """The solution with its verification; marked `numerical_error` if its point breaks the
    program (so it is not used as a solution; its values stay for diagnosis)."""
    if not solution.status.has_solution:
        return solution
    v = verify_point(lp, solution.values)
    return replace(solution, verification=v,
                   status=solution.status if v.ok else Status.NUMERICAL_ERROR)
