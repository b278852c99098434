"""Emit a LinearProgram straight into HiGHS (highspy): the fast path past Pyomo.

The matrix, bounds, costs and integrality are passed as whole numpy arrays in one call, so
handing the model over costs about as much as building the arrays themselves.
"""
from __future__ import annotations

import highspy
import numpy as np

from .program import LinearProgram


def to_highs(lp: LinearProgram) -> highspy.Highs:
    a, row_lower, row_upper = lp.matrix()
    a = a.tocsc()
    col_lower, col_upper = lp.bounds()
    cost, offset = lp.objective_vector()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = lp.n_columns, lp.n_rows
    model.col_cost_, model.offset_ = cost, offset
    model.col_lower_, model.col_upper_ = col_lower, col_upper
    model.row_lower_, model.row_upper_ = row_lower, row_upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.num_col_, model.a_matrix_.num_row_ = lp.n_columns, lp.n_rows
    model.a_matrix_.start_ = a.indptr.astype(np.int32)
    model.a_matrix_.index_ = a.indices.astype(np.int32)
    model.a_matrix_.value_ = a.data
    integer = lp.integrality()
    model.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                          for i in integer] if integer.any() else []
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(model)
    return h
