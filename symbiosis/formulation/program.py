"""A mixed-integer linear program held as named array blocks.

Each concern of the formulation adds its variables, constraint rows (sparse triplets) and
named cost and CO2 terms here, with numpy arrays and index labels; backends (Pyomo, or HiGHS
directly) read the blocks. Keeping the model as arrays makes building it cost about as much as
building the matrix itself, and lets the objective be explained term by term.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

def _as_index(labels) -> pd.Index:
    """Labels as a pandas Index, keeping a MultiIndex a MultiIndex."""
    return labels if isinstance(labels, pd.Index) else pd.Index(labels)


@dataclass(frozen=True)
class VariableBlock:
    name: str
    index: pd.Index
    start: int  # first column of the block in the whole program
    lower: np.ndarray
    upper: np.ndarray
    integer: bool
    # Which firm(s) each column's cost and CO2 belong to: split equally between the two
    # arrays (the same firm twice for a column of one firm).
    firms: tuple[np.ndarray, np.ndarray]

    @property
    def columns(self) -> np.ndarray:
        return np.arange(self.start, self.start + len(self.index))

    def values(self, x: np.ndarray) -> pd.Series:
        return pd.Series(x[self.start:self.start + len(self.index)], index=self.index,
                         name=self.name)


@dataclass(frozen=True)
class ConstraintBlock:
    name: str
    index: pd.Index  # one label per row
    rows: np.ndarray  # row within the block, per nonzero
    cols: np.ndarray  # program column, per nonzero
    coefs: np.ndarray
    lower: np.ndarray  # -inf where none
    upper: np.ndarray  # +inf where none
    description: str = ""


@dataclass(frozen=True)
class LinearTerm:
    """Σ coefs·x[cols] + constant: a named part of the cost or of CO2."""

    cols: np.ndarray
    coefs: np.ndarray
    constant: float = 0.0

    def value(self, x: np.ndarray) -> float:
        return float(np.dot(self.coefs, x[self.cols]) + self.constant)


@dataclass
class LinearProgram:
    variables: dict[str, VariableBlock] = field(default_factory=dict)
    constraints: dict[str, ConstraintBlock] = field(default_factory=dict)
    cost_terms: dict[str, LinearTerm] = field(default_factory=dict)
    co2_terms: dict[str, LinearTerm] = field(default_factory=dict)
    carbon_price: float = 0.0
    objective: Literal["cost", "co2"] = "cost"
    # Per-variable-block facts that results need (e.g. temperatures of heat matches).
    annotations: dict[str, pd.DataFrame] = field(default_factory=dict)
    # The assembled matrix, kept until a row block is added or extended: the handoff, the
    # no-links baseline and every verification read the same one.
    _matrix: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def n_columns(self) -> int:
        return sum(len(v.index) for v in self.variables.values())

    @property
    def n_rows(self) -> int:
        return sum(len(c.index) for c in self.constraints.values())

    def add_variables(self, name: str, index: pd.Index, lower, upper, firms,
                      integer: bool = False) -> VariableBlock:
        """`firms`: the owning firm of each column, or a pair of arrays to split between."""
        n = len(index)
        pair = firms if isinstance(firms, tuple) else (firms, firms)
        block = VariableBlock(name, _as_index(index), self.n_columns,
                              np.broadcast_to(np.asarray(lower, float), n).copy(),
                              np.broadcast_to(np.asarray(upper, float), n).copy(), integer,
                              tuple(np.asarray(f, dtype=object) for f in pair))
        self.variables[name] = block
        return block

    def add_constraints(self, name: str, index: pd.Index, rows, cols, coefs, lower=-np.inf,
                        upper=np.inf, description: str = "") -> ConstraintBlock:
        n = len(index)
        block = ConstraintBlock(name, _as_index(index), np.asarray(rows, np.int64),
                                np.asarray(cols, np.int64), np.asarray(coefs, float),
                                np.broadcast_to(np.asarray(lower, float), n).copy(),
                                np.broadcast_to(np.asarray(upper, float), n).copy(), description)
        self.constraints[name] = block
        self._matrix = None
        return block

    def extend_constraints(self, name: str, rows, cols, coefs) -> None:
        """Add terms to rows of an existing block: a new component joins a shared balance."""
        b = self.constraints[name]
        self.constraints[name] = ConstraintBlock(
            b.name, b.index, np.concatenate([b.rows, np.asarray(rows, np.int64)]),
            np.concatenate([b.cols, np.asarray(cols, np.int64)]),
            np.concatenate([b.coefs, np.asarray(coefs, float)]), b.lower, b.upper, b.description)
        self._matrix = None

    def add_cost(self, name: str, cols, coefs, constant: float = 0.0) -> None:
        self.cost_terms[name] = LinearTerm(np.asarray(cols, np.int64), np.asarray(coefs, float),
                                           constant)

    def add_co2(self, name: str, cols, coefs, constant: float = 0.0) -> None:
        self.co2_terms[name] = LinearTerm(np.asarray(cols, np.int64), np.asarray(coefs, float),
                                          constant)

    # --- assembled views used by backends and by result extraction --------------------------



    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        blocks = list(self.variables.values())
        return (np.concatenate([b.lower for b in blocks]),
                np.concatenate([b.upper for b in blocks]))

    def integrality(self) -> np.ndarray:
        return np.concatenate([np.full(len(b.index), b.integer) for b in self.variables.values()])

    def objective_vector(self) -> tuple[np.ndarray, float]:
        """The objective as a dense vector and constant (cost includes carbon_price · CO2)."""
        if self.objective == "co2":
            return self.co2_vector()
        c, constant = self._dense(self.cost_terms, self.n_columns)
        e, e_constant = self._dense(self.co2_terms, self.n_columns, self.carbon_price)
        return c + e, constant + e_constant

    def matrix(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """The whole constraint matrix (CSR) with its row lower and upper bounds (built once;
        callers must not modify what they get)."""
        if self._matrix is None:
            self._matrix = self._assemble()
        return self._matrix

    def _assemble(self) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        rows, cols, coefs, lower, upper, offset = [], [], [], [], [], 0
        for block in self.constraints.values():
            rows.append(block.rows + offset)
            cols.append(block.cols)
            coefs.append(block.coefs)
            lower.append(block.lower)
            upper.append(block.upper)
            offset += len(block.index)
        if not rows:
            return sp.csr_matrix((0, self.n_columns)), np.empty(0), np.empty(0)
        a = sp.csr_matrix((np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(offset, self.n_columns))
        a.sum_duplicates()
        return a, np.concatenate(lower), np.concatenate(upper)

    @staticmethod
    def _dense(terms: dict[str, LinearTerm], n: int, weight: float = 1.0) -> tuple[np.ndarray, float]:
        c = np.zeros(n)
        constant = 0.0
        for term in terms.values():
            np.add.at(c, term.cols, weight * term.coefs)
            constant += weight * term.constant
        return c, constant


    def co2_vector(self) -> tuple[np.ndarray, float]:
        return self._dense(self.co2_terms, self.n_columns)


    def column_firms(self) -> tuple[np.ndarray, np.ndarray]:
        blocks = list(self.variables.values())
        return (np.concatenate([b.firms[0] for b in blocks]),
                np.concatenate([b.firms[1] for b in blocks]))

    def breakdown(self, x: np.ndarray) -> dict[str, float]:
        """The cost by term, with carbon as its own term: these add up to the total cost."""
        parts = {name: term.value(x) for name, term in self.cost_terms.items()}
        parts["carbon"] = self.carbon_price * self.co2(x)
        return parts

    def co2_breakdown(self, x: np.ndarray) -> dict[str, float]:
        return {name: term.value(x) for name, term in self.co2_terms.items()}

    def cost(self, x: np.ndarray) -> float:
        return sum(self.breakdown(x).values())

    def co2(self, x: np.ndarray) -> float:
        return sum(t.value(x) for t in self.co2_terms.values())

    def objective_value(self, x: np.ndarray) -> float:
        return self.cost(x) if self.objective == "cost" else self.co2(x)
