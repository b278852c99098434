"""A mixed-integer linear program held as named array blocks.

Each concern of the formulation adds its variables, constraint rows (sparse triplets) and
named cost and CO2 terms here, with numpy arrays and index labels; backends (Pyomo, or HiGHS
directly) read the blocks. Keeping the model as arrays makes building it cost about as much as
building the matrix itself, and lets the objective be explained term by term.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Iterator, Literal

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
    block: str = ""  # the formulation block that added it (formulation/registry.py)

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
    block: str = ""  # the formulation block that added it (formulation/registry.py)


@dataclass(frozen=True)
class LinearTerm:
    """Σ coefs·x[cols] + constant: a named part of the cost or of CO2.

    `owner`: whose account the term is in, for firm accounts (`LinearProgram.account_matrix`,
    read by symbiosis/analysis/sharing.py): 0 the first firm of each column (a link's
    supplier), 1 the second (its receiver), None split equally between the two (the same
    firm twice for a column of one firm).

    `kind`: what the money is, so results sum terms by what they are, not by their names:
    VARIABLE (per unit moved, bought or disposed of), FIXED (per year, per thing built) or
    CAPEX (annualised investment, kpis.json `annualised_capex`). `block`: the formulation
    block that added the term (a block's extractor finds its own terms by it)."""

    cols: np.ndarray
    coefs: np.ndarray
    constant: float = 0.0
    owner: int | None = None
    kind: str = "variable"
    block: str = ""

    def value(self, x: np.ndarray) -> float:
        return float(np.dot(self.coefs, x[self.cols]) + self.constant)


VARIABLE, FIXED, CAPEX = "variable", "fixed", "capex"  # LinearTerm kinds
TERM_KINDS = (VARIABLE, FIXED, CAPEX)


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
    # The block now adding to the program (`building`): tags what it adds.
    _block: str = field(default="", repr=False, compare=False)
    # The no-links point (docs/model.md), computed once per program (results.baseline_point).
    baseline: np.ndarray | None = field(default=None, repr=False, compare=False)

    @contextmanager
    def building(self, block: str) -> Iterator[LinearProgram]:
        """Tag every variable, row and term added inside with the block's name."""
        outer, self._block = self._block, block
        try:
            yield self
        finally:
            self._block = outer

    def variables_of(self, block: str) -> list[VariableBlock]:
        return [v for v in self.variables.values() if v.block == block]

    def cost_terms_of(self, block: str) -> dict[str, LinearTerm]:
        return {n: t for n, t in self.cost_terms.items() if t.block == block}

    def cost_of_kind(self, kind: str, x: np.ndarray) -> float:
        """The cost terms of one kind (VARIABLE, FIXED, CAPEX) at point x."""
        return sum(t.value(x) for t in self.cost_terms.values() if t.kind == kind)

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
                              tuple(np.asarray(f, dtype=object) for f in pair), self._block)
        self.variables[name] = block
        return block

    def add_constraints(self, name: str, index: pd.Index, rows, cols, coefs, lower=-np.inf,
                        upper=np.inf, description: str = "") -> ConstraintBlock:
        n = len(index)
        block = ConstraintBlock(name, _as_index(index), np.asarray(rows, np.int64),
                                np.asarray(cols, np.int64), np.asarray(coefs, float),
                                np.broadcast_to(np.asarray(lower, float), n).copy(),
                                np.broadcast_to(np.asarray(upper, float), n).copy(), description,
                                self._block)
        self.constraints[name] = block
        self._matrix = None
        return block

    def extend_constraints(self, name: str, rows, cols, coefs) -> None:
        """Add terms to rows of an existing block: a new component joins a shared balance."""
        b = self.constraints[name]
        self.constraints[name] = ConstraintBlock(
            b.name, b.index, np.concatenate([b.rows, np.asarray(rows, np.int64)]),
            np.concatenate([b.cols, np.asarray(cols, np.int64)]),
            np.concatenate([b.coefs, np.asarray(coefs, float)]), b.lower, b.upper, b.description,
            b.block)
        self._matrix = None

    def add_cost(self, name: str, cols, coefs, constant: float = 0.0,
                 owner: int | None = None, kind: str | None = None) -> None:
        """A cost term (replacing one of that name, whose kind and block it keeps)."""
        self.cost_terms[name] = self._term(self.cost_terms, name, cols, coefs, constant, owner,
                                           kind)

    def add_co2(self, name: str, cols, coefs, constant: float = 0.0,
                owner: int | None = None) -> None:
        self.co2_terms[name] = self._term(self.co2_terms, name, cols, coefs, constant, owner,
                                          None)

    def _term(self, terms: dict[str, LinearTerm], name: str, cols, coefs, constant: float,
              owner: int | None, kind: str | None) -> LinearTerm:
        old = terms.get(name)
        if kind is not None and kind not in TERM_KINDS:
            raise ValueError(f"term kind {kind!r} is not one of {TERM_KINDS}")
        kind = kind or (old.kind if old else VARIABLE)
        block = old.block if old else self._block
        return LinearTerm(np.asarray(cols, np.int64), np.asarray(coefs, float), constant, owner,
                          kind, block)

    # --- small re-solve API: change a program, or a copy of it, instead of rebuilding ------

    def copy(self) -> LinearProgram:
        """An independent copy: bounds and rows may be changed without touching this one
        (index labels, firms and annotations are shared, they are never changed)."""
        return LinearProgram(
            variables={n: replace(b, lower=b.lower.copy(), upper=b.upper.copy())
                       for n, b in self.variables.items()},
            constraints={n: replace(c, lower=c.lower.copy(), upper=c.upper.copy())
                         for n, c in self.constraints.items()},
            cost_terms=dict(self.cost_terms), co2_terms=dict(self.co2_terms),
            carbon_price=self.carbon_price, objective=self.objective,
            annotations=dict(self.annotations), baseline=self.baseline)

    def set_bounds(self, cols, lower=None, upper=None) -> None:
        """Change the bounds of program columns in place (None: keep that side)."""
        cols = np.asarray(cols, np.int64)
        for block in self.variables.values():
            inside = (cols >= block.start) & (cols < block.start + len(block.index))
            if not inside.any():
                continue
            local = cols[inside] - block.start
            if lower is not None:
                block.lower[local] = np.broadcast_to(np.asarray(lower, float), len(cols))[inside]
            if upper is not None:
                block.upper[local] = np.broadcast_to(np.asarray(upper, float), len(cols))[inside]

    def fix(self, cols, values) -> None:
        """Fix program columns at values (both bounds), in place."""
        self.set_bounds(cols, values, values)

    def add_row(self, name: str, cols, coefs, lower=-np.inf, upper=np.inf,
                description: str = "") -> ConstraintBlock:
        """One more row, lower ≤ Σ coefs·x[cols] ≤ upper, as its own block `name`."""
        cols = np.asarray(cols, np.int64)
        return self.add_constraints(name, pd.Index([name]), np.zeros(len(cols), np.int64), cols,
                                    coefs, lower, upper, description)

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

    def account_matrix(self, firms: pd.Index) -> tuple[sp.csr_matrix, np.ndarray]:
        """Firm accounts: M (firms × columns) and constants k with each firm's cost = M·x + k,
        every cost term and carbon_price × every CO2 term in its owner's account (the term's
        `owner`, else split equally between the column's two firms). Rows add up to the
        program's cost; see docs/model.md, "Firm accounts"."""
        rows, cols, data = [], [], []
        constants = np.zeros(len(firms))
        for _, _, weight, r, c, d, constant in self._account_entries(firms):
            if weight == 0.0:
                continue
            rows.append(r)
            cols.append(c)
            data.append(d * weight)
            constants += weight * constant
        if not rows:
            return sp.csr_matrix((len(firms), self.n_columns)), constants
        r, c, d = np.concatenate(rows), np.concatenate(cols), np.concatenate(data)
        m = sp.csr_matrix((d, (r, c)), shape=(len(firms), self.n_columns))
        m.sum_duplicates()
        return m, constants

    def accounts_by_term(self, firms: pd.Index, x: np.ndarray) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
        """Firm accounts term by term at x: (cost, co2), firms × term, by the rule of
        `account_matrix` (carbon not in the cost frame: it is carbon_price × the co2 one)."""
        frames: dict[str, dict[str, np.ndarray]] = {"cost": {}, "co2": {}}
        for kind, name, _, r, c, d, constant in self._account_entries(firms):
            frames[kind][name] = np.bincount(r, d * x[c], len(firms)) + constant
        return tuple(pd.DataFrame(frames[k], index=firms, columns=list(
            self.cost_terms if k == "cost" else self.co2_terms), dtype=float).fillna(0.0)
            for k in ("cost", "co2"))

    def _account_entries(self, firms: pd.Index):
        """Per term: (cost or co2, name, weight, firm rows, columns, coefficients, constants
        by firm): the entries of the firm accounts, columns of no listed firm left out."""
        first, second = self.column_firms()
        codes = (firms.get_indexer(first), firms.get_indexer(second))
        for kind, terms, weight in (("cost", self.cost_terms, 1.0),
                                    ("co2", self.co2_terms, self.carbon_price)):
            for name, term in terms.items():
                if not len(term.cols):
                    continue
                sides = (0, 1) if term.owner is None else (term.owner,)
                r = np.concatenate([codes[side][term.cols] for side in sides])
                c = np.concatenate([term.cols for _ in sides])
                d = np.concatenate([term.coefs / len(sides) for _ in sides])
                constant = np.zeros(len(firms))
                if term.constant and codes[0][term.cols[0]] >= 0:
                    # a constant has no column: the first column's firms
                    constant[codes[0][term.cols[0]]] = term.constant
                keep = r >= 0  # a column of no listed firm is in no account
                yield kind, name, weight, r[keep], c[keep], d[keep], constant

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
