"""A simplex basis by the names of a program's columns and rows, carried onto another
program built from the same park (the stacked LP over every candidate, then the MILP over
the links it kept: its LP relaxation starts where the stacked LP ended).

A column or row is known by its block and label, as `selection.carry` carries values. One
the basis does not name is nonbasic at a finite bound (a column) or basic (a row), so a
program that only adds columns and rows to the source gets a basis with one basic status per
row again. Only a start (`symbiosis.backends.basis`): whatever it is given, the LP is solved.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..backends.basis import AT_LOWER, AT_UPPER, BASIC, ZERO, Basis
from .program import LinearProgram


@dataclass(frozen=True)
class NamedBasis:
    columns: dict[str, pd.Series]  # per variable block: status by label
    rows: dict[str, pd.Series]  # per constraint block: status by label

    @classmethod
    def of(cls, lp: LinearProgram, basis: Basis) -> NamedBasis:
        """The basis of `lp`'s columns and rows in its order (`MatrixProgram.of(lp)`)."""
        columns = {name: pd.Series(basis.columns[block.columns], index=block.index)
                   for name, block in lp.variables.items()}
        rows, start = {}, 0
        for name, block in lp.constraints.items():
            n = len(block.index)
            rows[name] = pd.Series(basis.rows[start:start + n], index=block.index)
            start += n
        return cls(columns, rows)

    def onto(self, lp: LinearProgram) -> Basis:
        """Statuses for `lp`'s columns and rows, from those of the same block and label."""
        columns = np.empty(lp.n_columns, dtype=np.int8)
        for name, block in lp.variables.items():
            columns[block.columns] = np.where(
                np.isfinite(block.lower), AT_LOWER,
                np.where(np.isfinite(block.upper), AT_UPPER, ZERO))
            _carried(self.columns.get(name), block.index, columns, block.columns)
        rows = np.full(lp.n_rows, BASIC, dtype=np.int8)
        start = 0
        for name, block in lp.constraints.items():
            n = len(block.index)
            _carried(self.rows.get(name), block.index, rows, np.arange(start, start + n))
            start += n
        return Basis(columns, rows)


def _carried(source: pd.Series | None, labels: pd.Index, out: np.ndarray,
             at: np.ndarray) -> None:
    """out[at] = the source's status of each label, where it has one (and its labels are
    unique, so that a label names one column or row)."""
    if source is None or not source.index.is_unique or not labels.is_unique:
        return
    found = source.index.get_indexer(labels)
    hit = found >= 0
    out[at[hit]] = source.to_numpy()[found[hit]]
