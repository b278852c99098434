"""A simplex basis as arrays, taken from HiGHS and given back: the warm start of an LP that
was solved before in another program (the stacked LP of a time study, then the LP bounds of
its MILP's parts, `symbiosis.decompose._lp_bound`).

A leaf module (numpy and highspy only). A basis only says where simplex starts: the LP it is
given to is still solved to optimality, so a stale or foreign basis costs iterations, never
correctness; one HiGHS refuses (not one basic status per row) is not used.
"""
from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

AT_LOWER, BASIC, AT_UPPER, ZERO, NONBASIC = (int(s) for s in (
    highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kBasic,
    highspy.HighsBasisStatus.kUpper, highspy.HighsBasisStatus.kZero,
    highspy.HighsBasisStatus.kNonbasic))
_STATUS = [highspy.HighsBasisStatus(i) for i in range(NONBASIC + 1)]


@dataclass(frozen=True)
class Basis:
    """HiGHS's basis status per column and per row (`HighsBasisStatus` values, int8)."""

    columns: np.ndarray
    rows: np.ndarray

    def part(self, columns: np.ndarray, rows: np.ndarray) -> Basis:
        """The statuses of a part's columns and rows (`MatrixProgram.part`'s order)."""
        return Basis(self.columns[columns], self.rows[rows])

    @property
    def consistent(self) -> bool:
        """One basic column or row per row, as a simplex basis has."""
        return int((self.columns == BASIC).sum() + (self.rows == BASIC).sum()) == len(self.rows)


def basis_of(h: highspy.Highs) -> Basis | None:
    """The basis HiGHS ended at, None if it has none (interior point without crossover)."""
    b = h.getBasis()
    if not b.valid:
        return None
    return Basis(np.fromiter(map(int, b.col_status), np.int8, len(b.col_status)),
                 np.fromiter(map(int, b.row_status), np.int8, len(b.row_status)))


def set_basis(h: highspy.Highs, basis: Basis) -> bool:
    """Give HiGHS `basis` to start from; False (nothing set) if it is not one for its model."""
    lp = h.getLp()
    if len(basis.columns) != lp.num_col_ or len(basis.rows) != lp.num_row_ or \
            not basis.consistent:
        return False
    b = highspy.HighsBasis()
    b.col_status = [_STATUS[s] for s in basis.columns.tolist()]
    b.row_status = [_STATUS[s] for s in basis.rows.tolist()]
    b.valid = True
    return h.setBasis(b) == highspy.HighsStatus.kOk
