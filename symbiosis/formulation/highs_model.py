"""Emit a LinearProgram straight into HiGHS (highspy): the fast path past Pyomo.

The matrix, bounds, costs and integrality are passed as whole numpy arrays in one call, so
handing the model over costs about as much as building the arrays themselves.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

from .program import LinearProgram
from .scaling import Scaling


@dataclass(frozen=True)
class MatrixProgram:
    """A MILP as plain arrays (picklable, so a part can be solved in another process)."""

    a: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    cost: np.ndarray
    offset: float
    integer: np.ndarray  # bool per column

    @classmethod
    def of(cls, lp: LinearProgram) -> MatrixProgram:
        a, row_lower, row_upper = lp.matrix()
        col_lower, col_upper = lp.bounds()
        cost, offset = lp.objective_vector()
        return cls(a.tocsc(), row_lower, row_upper, col_lower, col_upper, cost, offset,
                   lp.integrality())

    def part(self, columns: np.ndarray, rows: np.ndarray) -> MatrixProgram:
        """The sub-program on these columns and rows (which no other row or column touches)."""
        return MatrixProgram(self.a[:, columns][rows, :].tocsc(), self.row_lower[rows],
                             self.row_upper[rows], self.col_lower[columns],
                             self.col_upper[columns], self.cost[columns], 0.0,
                             self.integer[columns])

    def with_bounds(self, cols, lower=None, upper=None) -> MatrixProgram:
        """A copy with the bounds of some columns changed (None: keep that side)."""
        cols = np.asarray(cols, np.int64)
        col_lower, col_upper = self.col_lower.copy(), self.col_upper.copy()
        if lower is not None:
            col_lower[cols] = lower
        if upper is not None:
            col_upper[cols] = upper
        return replace(self, col_lower=col_lower, col_upper=col_upper)

    def scaled(self) -> tuple[MatrixProgram, Scaling]:
        """The same program in scaled units (formulation/scaling.py) and how to undo it."""
        k = Scaling.of(self.a, self.col_upper, self.integer, self.cost)
        col = sp.diags(k.columns)
        a = (sp.diags(k.rows) @ self.a.tocsr() @ col).tocsc()
        a.sort_indices()
        return MatrixProgram(a, self.row_lower * k.rows, self.row_upper * k.rows,
                             self.col_lower / k.columns, self.col_upper / k.columns,
                             self.cost * k.columns * k.objective, self.offset * k.objective,
                             self.integer), k

    def to_highs(self) -> highspy.Highs:
        n_rows, n_cols = self.a.shape
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = n_cols, n_rows
        model.col_cost_, model.offset_ = self.cost, self.offset
        model.col_lower_, model.col_upper_ = self.col_lower, self.col_upper
        model.row_lower_, model.row_upper_ = self.row_lower, self.row_upper
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.num_col_, model.a_matrix_.num_row_ = n_cols, n_rows
        model.a_matrix_.start_ = self.a.indptr.astype(np.int32)
        model.a_matrix_.index_ = self.a.indices.astype(np.int32)
        model.a_matrix_.value_ = self.a.data
        h = quiet_highs()
        h.passModel(model)
        integer = np.flatnonzero(self.integer).astype(np.int32)
        if len(integer):  # one call for all integer columns (per-column calls are slow)
            h.changeColsIntegrality(len(integer), integer,
                                    np.full(len(integer), highspy.HighsVarType.kInteger.value,
                                            dtype=np.uint8))
        return h


class InPlace:
    """A highspy model of a MatrixProgram changed in place between solves (the re-solve API
    of the HiGHS path): column bounds changed, columns fixed, rows added, no rebuilding.
    Solve it with `symbiosis.solve.solve(in_place.highs, options, fallback)`."""

    def __init__(self, program: MatrixProgram) -> None:
        self.program = program
        self.highs = program.to_highs()
        self.col_lower = program.col_lower.copy()  # what the model holds now
        self.col_upper = program.col_upper.copy()

    def set_bounds(self, cols, lower=None, upper=None) -> None:
        cols = np.asarray(cols, np.int32)
        if not len(cols):
            return
        if lower is not None:
            self.col_lower[cols] = lower
        if upper is not None:
            self.col_upper[cols] = upper
        self.highs.changeColsBounds(len(cols), cols, self.col_lower[cols].astype(float),
                                    self.col_upper[cols].astype(float))

    def fix(self, cols, values) -> None:
        self.set_bounds(cols, values, values)

    def reset_bounds(self) -> None:
        """Back to the program's own column bounds."""
        self.set_bounds(np.arange(len(self.col_lower)), self.program.col_lower,
                        self.program.col_upper)

    def add_row(self, cols, coefs, lower=-np.inf, upper=np.inf) -> None:
        cols = np.asarray(cols, np.int32)
        self.highs.addRow(float(lower), float(upper), len(cols), cols,
                          np.asarray(coefs, float))


def quiet_highs() -> highspy.Highs:
    """A Highs with its log off. The first one made in a process prints HiGHS's banner on
    the C++ stdout before any option can be set, so that one is made with fd 1 silenced."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        _BANNER_SHOWN = True
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


_BANNER_SHOWN = False


def to_highs(lp: LinearProgram) -> highspy.Highs:
    return MatrixProgram.of(lp).to_highs()
