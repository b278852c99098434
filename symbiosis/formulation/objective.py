"""Objective terms beyond the blocks' own: the CO2 cap used for lexicographic objectives."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .program import LinearProgram


def add_co2_cap(lp: LinearProgram, limit: float) -> None:
    """Total CO2 ≤ limit (used to minimise cost among the lowest-CO2 solutions)."""
    c, constant = lp.co2_vector()
    cols = np.flatnonzero(c)
    lp.add_constraints("co2_cap", pd.Index(["total"]), np.zeros(len(cols)), cols, c[cols],
                       upper=limit - constant, description="total CO2 <= cap")
