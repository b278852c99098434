"""The LP over every candidate link, and what each link left out of the MILP could at best
add: its reduced cost.

In the LP relaxation a link's build b_l = x_l / cap_l at the optimum, so the LP is solved
without build columns or activation rows: each flow costs c_x + c_b / cap_l per unit and is
bounded by cap_l (a program with a row per link less, and the same optimum). With the duals
y of its rows, for every link

    d = c − Aᵀy                          (reduced costs; y = 0 on activation rows)
    ρ_l = d_b + cap_l · min(0, d_x)      (the cheapest way to use l: build it, send 0..cap_l)

Dualising every row but the links' own activation rows x_l ≤ cap_l b_l is a Lagrangian
relaxation; with the LP's optimal duals its value over the links the LP was given (`allowed`)
is the LP optimum z, and over every candidate

    L = z + Σ_{l not allowed} min(0, ρ_l)

is a valid lower bound of the whole MILP. A design that builds a link l costs at least
L + max(ρ_l, 0), the bound `symbiosis.selection` uses to say what leaving links out of the
MILP may cost (docs/model.md, "Candidate selection").
"""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import NamedTuple

import highspy
import numpy as np
import scipy.sparse as sp

from .backends.basis import Basis, basis_of
from .decompose import Part, part_pool, split
from .formulation.highs_model import MatrixProgram
from .formulation.program import LinearProgram

LOG = logging.getLogger(__name__)
# LPs of fewer columns are solved in this process: starting the workers costs more (about
# 1 s) than solving their parts side by side saves
PARALLEL_FROM_COLUMNS = 200_000


@dataclass(frozen=True)
class LinkColumns:
    """Where each candidate link of a program lives: its flow and build columns, its
    capacity, and the columns only it has (the heat cascade of a heat link)."""

    flow: np.ndarray
    build: np.ndarray
    capacity: np.ndarray
    owner: np.ndarray  # per program column: the link it belongs to, or −1

    @classmethod
    def of(cls, lp: LinearProgram) -> LinkColumns:
        flow, build = lp.variables["flow"], lp.variables["build"]
        owner = np.full(lp.n_columns, -1, dtype=np.int64)
        owner[flow.columns] = np.arange(len(flow.index))
        owner[build.columns] = np.arange(len(build.index))
        for block in lp.variables.values():  # per (link, interval) blocks of heat links
            if block.index.nlevels > 1 and block.index.names[0] == "link":
                owner[block.columns] = flow.index.get_indexer(
                    block.index.get_level_values(0))
        return cls(flow.columns, build.columns, flow.upper.copy(), owner)

    def columns_of(self, keep: np.ndarray) -> np.ndarray:
        """Program columns of the links kept (a bool per link) and of everything else."""
        return np.flatnonzero((self.owner < 0) | keep[np.maximum(self.owner, 0)])


def relaxation_program(lp: LinearProgram, links: LinkColumns) -> MatrixProgram:
    """The program's arrays without the rows that hold a build column (the links'
    activation rows, which the LP relaxation drops: see above), assembled once, by
    columns: what `price` takes, in less memory than `MatrixProgram.of` (at 10,000 firms
    the activation rows are 23 M of the program's 59 M nonzeros, and the whole matrix is
    held twice there, by rows and by columns). Its build columns are empty."""
    is_build = np.zeros(lp.n_columns, dtype=bool)
    is_build[links.build] = True
    rows, cols, coefs, lower, upper, offset = [], [], [], [], [], 0
    for block in lp.constraints.values():
        keep = np.ones(len(block.index), dtype=bool)
        keep[block.rows[is_build[block.cols]]] = False
        at = np.cumsum(keep) - 1 + offset  # a kept row's place in the relaxation
        take = keep[block.rows]
        rows.append(at[block.rows[take]])
        cols.append(block.cols[take])
        coefs.append(block.coefs[take])
        lower.append(block.lower[keep])
        upper.append(block.upper[keep])
        offset += int(keep.sum())
    a = sp.csc_matrix((np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(offset, lp.n_columns))
    del rows, cols, coefs
    a.sum_duplicates()
    col_lower, col_upper = lp.bounds()
    cost, constant = lp.objective_vector()
    return MatrixProgram(a, np.concatenate(lower), np.concatenate(upper), col_lower, col_upper,
                         cost, constant, lp.integrality())


@dataclass(frozen=True)
class Pricing:
    """The LP over the allowed links, priced over every link."""

    bound: float  # L: a valid lower bound of the whole program
    lp_value: float  # z, the LP's optimum over the allowed links
    reduced: np.ndarray  # ρ_l per link
    flow: np.ndarray  # the LP's flow per link (0 where not allowed)
    seconds: float


def price(program: MatrixProgram, links: LinkColumns, allowed: np.ndarray,
          dask: str | None = None) -> Pricing | None:
    """Solve the LP over the `allowed` links and price every link with its duals; None if
    the LP is not solved to optimality. `dask`: solve its parts on that cluster."""
    began = time.perf_counter()
    solved = _solve_relaxation(program, links, allowed, dask)
    if solved is None:
        return None
    z, x, y = solved
    rho = reduced_costs(program, links, y)
    bound = z + float(np.minimum(rho[~allowed], 0.0).sum())
    seconds = time.perf_counter() - began
    LOG.debug("LP over %d of %d links: z = %.9g, bound = %.9g, %.2f s", allowed.sum(),
              len(allowed), z, bound, seconds)
    return Pricing(bound=bound, lp_value=z, reduced=rho, flow=x[links.flow], seconds=seconds)


def reduced_costs(program: MatrixProgram, links: LinkColumns, y: np.ndarray) -> np.ndarray:
    """ρ_l = d_b + cap_l · min(0, d_x) with d = c − Aᵀy (y = 0 on activation rows)."""
    d = program.cost - program.a.T @ y
    return d[links.build] + links.capacity * np.minimum(0.0, d[links.flow])


def _solve_relaxation(program: MatrixProgram, links: LinkColumns, allowed: np.ndarray,
                      dask: str | None = None) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The LP relaxation over the allowed links, without build columns and activation rows,
    solved in scaled units: its optimum, the values of every program column (0 outside) and
    the duals of every program row (0 outside), in the program's units."""
    n_rows, n_cols = program.a.shape
    sub, columns, rows = relaxation_part(program, links, allowed)
    solved = solve_by_parts(sub, dask)
    if solved is None:
        return None
    z, x_sub, y_sub, _ = solved
    x = np.zeros(n_cols)
    x[columns] = x_sub
    y = np.zeros(n_rows)
    y[rows] = y_sub
    return z, x, y


def relaxation_part(program: MatrixProgram, links: LinkColumns, allowed: np.ndarray
                    ) -> tuple[MatrixProgram, np.ndarray, np.ndarray]:
    """The LP relaxation over the allowed links as a program of its own: no build columns,
    no activation rows, each flow costing c_x + c_b / cap_l; with the program columns and
    rows it keeps (its column j is program column columns[j], its row i program row
    rows[i])."""
    n_rows, n_cols = program.a.shape
    keep = np.zeros(n_cols, dtype=bool)
    keep[links.columns_of(allowed)] = True
    keep[links.build] = False
    cost = program.cost.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cost[links.flow] += np.where(links.capacity > 0,
                                     program.cost[links.build] / links.capacity, 0.0)
    activation = np.zeros(n_rows, dtype=bool)
    activation[program.a[:, links.build].indices] = True
    columns = np.flatnonzero(keep)
    a = program.a[:, columns]
    needed = (program.row_lower > 0) | (program.row_upper < 0)  # 0 breaks them: kept
    used = np.bincount(a.indices, minlength=n_rows) > 0  # rows with a kept column
    rows = np.flatnonzero(~activation & (used | needed))
    sub = MatrixProgram(a[rows, :].tocsc(), program.row_lower[rows], program.row_upper[rows],
                        program.col_lower[columns], program.col_upper[columns], cost[columns],
                        program.offset, np.zeros(len(columns), dtype=bool))
    return sub, columns, rows


class SolvedLp(NamedTuple):
    """An LP's optimum, values and duals, and the basis it ended at (`solve_lp_part`)."""

    objective: float
    values: np.ndarray
    duals: np.ndarray
    basis: Basis


def solve_by_parts(lp: MatrixProgram, dask: str | None = None,
                   interior_from_rows: float = np.inf) -> SolvedLp | None:
    """An LP solved by its independent parts (`decompose.split`: the LP of a province is
    the sum of theirs), on worker processes side by side when it is large enough to pay
    for starting them (PARALLEL_FROM_COLUMNS), else here, or on the Dask cluster at `dask`
    (`decompose.part_pool`); its optimum, values, duals and basis. Parts of at least
    `interior_from_rows` rows are solved by interior point (`solve_lp_part`).
    Parts go out in order of rows, most first (the heat part, with its cascade, takes the
    longest: 272 s of the 545 s the LP of the 10,000-firm province takes in one process),
    and each is built only when a worker is free for it, so that at most one part per
    worker is held beside the LP."""
    parts = sorted(split(lp.a), key=lambda p: (-len(p.rows), -len(p.columns)))
    workers = min(len(parts), os.cpu_count() or 1)
    n_rows, n_cols = lp.a.shape
    solved = SolvedLp(lp.offset, np.zeros(n_cols), np.zeros(n_rows),
                      Basis(np.zeros(n_cols, np.int8), np.zeros(n_rows, np.int8)))
    z = lp.offset
    if dask is None and (workers < 2 or n_cols < PARALLEL_FROM_COLUMNS):
        for part in parts:
            answer = solve_lp_part(lp.part(part.columns, part.rows),
                                   len(part.rows) >= interior_from_rows)
            if answer is None:
                return None
            z += _take(answer, part, solved)
        return solved._replace(objective=z)
    with part_pool(dask, workers) as (pool, slots):
        running: dict[Future, Part] = {}
        for part in [*parts, None]:
            while running and (part is None or len(running) == slots):
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    answer = future.result()
                    if answer is None:
                        return None
                    z += _take(answer, running.pop(future), solved)
            if part is not None:
                running[pool.submit_call(solve_lp_part, lp.part(part.columns, part.rows),
                                         len(part.rows) >= interior_from_rows)] = part
    return solved._replace(objective=z)


def _take(answer: LpAnswer, part: Part, whole: SolvedLp) -> float:
    """A part's values, duals and basis into the whole LP's; its optimum."""
    x, y, objective, basis = answer
    whole.values[part.columns], whole.duals[part.rows] = x, y
    whole.basis.columns[part.columns], whole.basis.rows[part.rows] = basis.columns, basis.rows
    return objective


# values, duals, optimum (the part's units) and the basis it ended at
LpAnswer = tuple[np.ndarray, np.ndarray, float, Basis]


def solve_lp_part(part: MatrixProgram, interior: bool = False) -> LpAnswer | None:
    """One LP part in scaled units: by simplex without presolve (on the one-year pricing
    LPs presolve costs more than it saves: 11.5 s against 21 s for the whole LP of the
    3,000-firm province, 7.3 s against 12.8 s by parts), or, if `interior`, by interior
    point with presolve and crossover, which ends at a vertex too (the largest part of a
    20-scenario stacked LP, 141,620 rows: 41 s, where simplex without presolve had not
    finished in 400 s and with presolve took 131 s). Its values, duals, optimum in its
    own units and basis, None if not solved to optimality. Module-level: worker processes
    run it (`WorkerPool`)."""
    scaled, k = part.scaled()
    h = scaled.to_highs()
    del scaled
    if interior:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")  # duals of a vertex: complementary slackness
    else:
        h.setOptionValue("solver", "simplex")  # duals of a vertex: complementary slackness
        h.setOptionValue("presolve", "off")
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    basis = basis_of(h)
    if basis is None:  # both methods end at a vertex; without one, no duals to trust
        return None
    return (k.values(np.asarray(solution.col_value)),
            k.rows * np.asarray(solution.row_dual) / k.objective,
            k.objective_value(h.getInfo().objective_function_value), basis)
