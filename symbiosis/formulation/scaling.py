"""Scale a matrix program by powers of two before HiGHS sees it, so that wide but realistic
ranges (5e7 m3 of water beside 0.5 t of solvent) solve exactly.

HiGHS's tolerances are absolute in the units it is handed: a row is met within 1e-6 (its MIP
feasibility tolerance), bounds and costs of 1e20 are infinite, matrix values of 1e-9 are
dropped. Measured in tonnes, a 1e-3 t stream sits near the tolerance and a 1e12 t one near
the limits. Here each continuous column with a finite upper bound is measured in units of
(about) that bound, and each row is divided by (about) its largest coefficient, so every
matrix value and bound HiGHS sees is near 1 and its feasibility tolerances are relative. The
objective is scaled down only where a cost coefficient (per scaled column: price × bound)
would exceed LARGEST_COST: normalising it further would make HiGHS's absolute optimality
tolerances (1e-7) blind to decisions worth little beside the largest cost term, such as a
solvent link beside a 1e12 m3 water purchase. Powers of two change only exponents: scaling
and unscaling are exact in floating point. Integer columns are not scaled (their
integrality is in their own units).

The Pyomo path is not scaled: notebook users add constraints to it in their own units
(`m.flow[l]` in tonnes); input limits (symbiosis.magnitudes) and verification protect it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

LARGEST_COST = 2.0 ** 40  # ≈ 1.1e12: far below HiGHS's infinite_cost (1e20)


def power_of_two(values: np.ndarray) -> np.ndarray:
    """The power of two nearest each positive value (1 for zero, negative or non-finite)."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values) & (values > 0)
    exponent = np.round(np.log2(np.where(ok, values, 1.0)))
    return np.where(ok, np.exp2(exponent), 1.0)


@dataclass(frozen=True)
class Scaling:
    """x = columns · x_scaled; scaled row i = rows[i] · row i; scaled cost = objective · cost."""

    columns: np.ndarray
    rows: np.ndarray
    objective: float

    @classmethod
    def of(cls, a: sp.spmatrix, col_upper: np.ndarray, integer: np.ndarray,
           cost: np.ndarray) -> Scaling:
        columns = np.where(integer, 1.0, power_of_two(col_upper))
        scaled = sp.csr_matrix(a) @ sp.diags(columns)
        largest = abs(scaled).max(axis=1).toarray().ravel() if a.shape[0] else np.empty(0)
        rows = 1.0 / power_of_two(largest)
        top = np.abs(cost * columns).max() if len(cost) else 0.0
        objective = min(1.0, LARGEST_COST / float(power_of_two(np.array([top]))[0]))
        return cls(columns, rows, objective)

    def values(self, x_scaled: np.ndarray) -> np.ndarray:
        """Column values in the program's own units."""
        return np.asarray(x_scaled, dtype=float) * self.columns

    def objective_value(self, scaled: float | None) -> float | None:
        return None if scaled is None else scaled / self.objective
