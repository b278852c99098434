"""The savings game of a park, from re-solves of one program, and its allocations.

v(S) = the optimal savings when links are allowed only among the firms of S, every other firm
keeping its baseline (docs/format.md, "symbiosis share"). The park's program is split once
into connected groups of firms (firms joined by a candidate link or by any row they share);
v(S) = Σ over groups of v(S ∩ group), so each group is its own game. Within a group each
coalition re-solves the group's one program restricted to the coalition's columns: the
columns of links leaving it are dropped (fixed at 0), every other firm stays at its baseline.
(A restriction, not `InPlace` bound changes on the whole group's highspy model: the smaller
program, scaled as every solve is, solved about 6 times faster on the electronics park.) Reuse: v is kept per coalition; a coalition splits into
the parts its own links connect, v(S) = Σ v(part); a part with no link has v = 0 without a
solve; a part's solve starts from the best solution of a part one firm smaller.

The game theory itself (Shapley, sampled Shapley, least core, nucleolus, core check) is
`games.py`, which knows nothing of parks.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..formulation.highs_model import MatrixProgram
from ..formulation.program import LinearProgram
from ..decompose import WorkerPool, solve_part
from ..solve import SolverOptions

from . import games

EXACT_MAX = 12  # groups up to this many firms: every coalition enumerated
NUCLEOLUS_MAX = 8  # groups up to this many firms: least core and nucleolus
DEFAULT_SAMPLES = 50  # permutations per group above EXACT_MAX
# Each coalition's solve: exact groups to a relative gap of EXACT_GAP (optimal); sampled ones
# to an absolute gap of SAMPLED_GAP × the group's savings v(N) (HiGHS spends most of its time
# on the last digits; the sampling error is larger): the value of every part of a coalition
# solved is within that of its optimum (kpis.json `coalition_abs_gap`). Measured on the electronics park: 0.1 % of v(N) (3,505) is
# both tighter and faster than 0.1 % of each coalition's cost (15.1 s against 19.7 s).
EXACT_GAP = 1e-7
SAMPLED_GAP = 1e-3
CORE_TOLERANCE = 1e-6  # an excess above this share of max |v| blocks


@dataclass
class Group:
    """One connected group of firms and the sub-program of its columns and rows."""

    firms: list[str]
    columns: np.ndarray  # program columns
    program: MatrixProgram
    build: np.ndarray  # local integer columns of the group program
    build_owners: np.ndarray  # (k, 2) local firm positions of each integer column's owners
    owners: np.ndarray  # (columns, 2) local firm positions of every column's owners
    coupled: list[np.ndarray]  # sets of local firms some row joins without a link
    baseline: np.ndarray  # the no-links point on the group's columns
    adjacency: dict[int, int] = field(default_factory=dict)  # firm -> mask of link partners


def groups_of(lp: LinearProgram, firms: pd.Index, baseline_x: np.ndarray,
              program: MatrixProgram | None = None) -> list[Group]:
    """The program split into connected groups of firms (a firm with no column is left out)."""
    program = program or MatrixProgram.of(lp)
    first, second = lp.column_firms()
    f0, f1 = firms.get_indexer(first), firms.get_indexer(second)
    n_firms, n_cols = len(firms), lp.n_columns
    a = program.a.tocoo()
    if (f0 < 0).any() or (f1 < 0).any():
        raise ValueError("a column of the program belongs to no firm of the park")
    # firms joined by a column (its two owners) or by a row (the owners of its columns)
    col_firm = sp.csr_matrix((np.ones(2 * n_cols), (np.r_[np.arange(n_cols), np.arange(n_cols)],
                                                    np.r_[f0, f1])), shape=(n_cols, n_firms))
    row_col = sp.csr_matrix((np.ones(len(a.data)), (a.row, a.col)), shape=a.shape)
    row_firm = (row_col @ col_firm).tocsr()
    joined = (row_firm.T @ row_firm + col_firm.T @ col_firm) > 0
    _, label = connected_components(joined, directed=False)
    out = []
    for g in np.unique(label):
        members_ = np.flatnonzero(label == g)
        cols = np.flatnonzero(np.isin(f0, members_))
        if not len(cols):
            continue
        rows = np.unique(a.row[np.isin(a.col, cols)])
        part = program.part(cols, rows)
        local = {int(f): k for k, f in enumerate(members_)}
        build = np.flatnonzero(part.integer)
        owners = np.array([[local[int(f0[cols[b]])], local[int(f1[cols[b]])]] for b in build],
                          dtype=np.int64).reshape(-1, 2)
        coupled = _row_couplings(row_col[rows][:, cols], f0[cols], f1[cols], local)
        every = np.array([[local[int(f0[c])], local[int(f1[c])]] for c in cols],
                         dtype=np.int64).reshape(-1, 2)
        group = Group([str(firms[f]) for f in members_], cols, part, build, owners, every,
                      coupled, baseline_x[cols])
        for i, j in owners:
            group.adjacency[i] = group.adjacency.get(i, 0) | (1 << int(j))
            group.adjacency[j] = group.adjacency.get(j, 0) | (1 << int(i))
        out.append(group)
    return out


def _row_couplings(rows: sp.csr_matrix, f0, f1, local) -> list[np.ndarray]:
    """Sets of firms a row joins through columns of one firm each (e.g. a park-wide utility
    limit): they stay joined in every coalition, links or not."""
    single = f0 == f1
    sets = set()
    rows = rows.tocsr()
    for r in range(rows.shape[0]):
        cols = rows.indices[rows.indptr[r]:rows.indptr[r + 1]]
        owners = {local[int(f0[c])] for c in cols if single[c]}
        if len(owners) > 1:
            sets.add(tuple(sorted(owners)))
    return [np.array(s) for s in sorted(sets)]


class GroupGame:
    """The savings game of one group: v(mask) by re-solving its program in place."""

    def __init__(self, group: Group, options: SolverOptions) -> None:
        self.group = group
        self.n = len(group.firms)
        self.options = options
        self.cost = group.program.cost
        self.baseline_cost = float(self.cost @ group.baseline)
        self.values: dict[int, float] = {0: 0.0}
        self.points: dict[int, np.ndarray] = {}
        self.solves = 0
        self._coupling = [games.mask_of(s) for s in group.coupled]
        self._owner0, self._owner1 = group.owners[:, 0], group.owners[:, 1]
        self._csc = group.program.a.tocsc()

    def parts(self, mask: int) -> list[int]:
        """The coalition split into the parts its own links (and coupling rows) connect."""
        left, out = mask, []
        while left:
            seed = left & -left
            part, frontier = seed, seed
            while frontier:
                i = (frontier & -frontier).bit_length() - 1
                frontier &= frontier - 1
                near = self.group.adjacency.get(i, 0) & mask
                for c in self._coupling:
                    if c >> i & 1:
                        near |= c & mask
                new = near & ~part
                part |= new
                frontier |= new
            out.append(part)
            left &= ~part
        return out

    def value(self, mask: int) -> float:
        if mask in self.values:
            return self.values[mask]
        parts = self.parts(mask)
        total = sum(self._solve_part(p) for p in parts) if len(parts) > 1 \
            else self._solve_part(mask)
        self.values[mask] = total
        return total

    def _free(self, mask: int) -> np.ndarray:
        """Per integer column: both owners in the coalition."""
        o = self.group.build_owners
        return ((mask >> o[:, 0]) & 1).astype(bool) & ((mask >> o[:, 1]) & 1).astype(bool)

    def _solve_part(self, mask: int) -> float:
        if mask in self.values:
            return self.values[mask]
        free = self._free(mask)
        if not free.any():  # no link among these firms
            self.values[mask] = 0.0
            return 0.0
        start = self._start(mask)
        x = start.copy()
        cols, program = self._restriction(mask)
        solution = solve_part(program, self.options, start[cols])
        self.solves += 1
        if solution.status.has_solution:
            x[cols] = solution.values
            if float(self.cost @ x) > float(self.cost @ start):
                x = start
        else:  # the baseline is always feasible
            x = start
        self.points[mask] = x
        self.values[mask] = max(self.baseline_cost - float(self.cost @ x), 0.0)
        return self.values[mask]

    def _restriction(self, mask: int) -> tuple[np.ndarray, MatrixProgram]:
        """The group's program with every firm outside the coalition at its baseline: the
        columns of the coalition's firms (those of links leaving it dropped, i.e. fixed at 0)
        and the rows they touch; the rows' other columns are links leaving the coalition
        (zero at the baseline), since firms joined by a row are in one part."""
        inside = ((mask >> self._owner0) & 1).astype(bool) & \
            ((mask >> self._owner1) & 1).astype(bool)
        cols = np.flatnonzero(inside)
        a = self._csc
        rows = np.unique(a.indices[np.concatenate(
            [np.arange(a.indptr[c], a.indptr[c + 1]) for c in cols])]) if len(cols) else \
            np.empty(0, np.int64)
        return cols, self.group.program.part(cols, rows)

    def _start(self, mask: int) -> np.ndarray:
        """The best known point of a coalition one firm smaller: feasible here too."""
        best, best_cost = self.group.baseline, self.baseline_cost
        for i in games.members(mask):
            x = self.points.get(mask & ~(1 << i))
            if x is not None and float(self.cost @ x) < best_cost:
                best, best_cost = x, float(self.cost @ x)
        return best

    def table(self) -> np.ndarray:
        """v of every coalition (2**n of them)."""
        return np.array([self.value(m) for m in range(2 ** self.n)])


@dataclass
class Allocations:
    """Per firm (indexed by firm_id): Shapley gain, its standard error (0 where exact),
    nucleolus and least-core gains (NaN above NUCLEOLUS_MAX), and per group the core check."""

    firms: pd.DataFrame
    groups: pd.DataFrame
    blocking: pd.DataFrame
    solves: int


def allocate(lp: LinearProgram, firms: pd.Index, baseline_x: np.ndarray,
             design_x: np.ndarray, gains: pd.Series, options: SolverOptions,
             samples: int = DEFAULT_SAMPLES, seed: int = 0,
             program: MatrixProgram | None = None) -> Allocations:
    """The cooperative allocations of the savings game, and the core check of `gains` (the
    chosen allocation, per firm). v(N) of each group is the savings of `design_x` there (the
    park's optimum, as solved by the pipeline); every other coalition is an optimum of its
    own. Where the gains add up to less than v(N) (a cost of fairness), the allocation is not
    in the core: the whole group would rather build the optimum."""
    table = pd.DataFrame(index=firms, data={"shapley_gain": 0.0, "shapley_stderr": 0.0,
                                             "nucleolus_gain": np.nan,
                                             "least_core_gain": np.nan, "group": ""})
    rows, blocking, solves = [], [], 0
    for k, group in enumerate(groups_of(lp, firms, baseline_x, program)):
        exact = len(group.firms) <= EXACT_MAX
        grand = 2 ** len(group.firms) - 1
        savings = float(group.program.cost @ (group.baseline - design_x[group.columns]))
        abs_gap = None if exact else SAMPLED_GAP * max(abs(savings), 1.0)
        game = GroupGame(group, replace(options, mip_gap=EXACT_GAP) if exact else replace(
            options, mip_gap=0.0, options={**options.options, "mip_abs_gap": abs_gap}))
        game.values[grand] = savings
        name = f"G{k + 1:02d}"
        table.loc[group.firms, "group"] = name
        x = gains.reindex(group.firms).to_numpy(float)
        if game.n <= EXACT_MAX:
            v = game.table()
            phi, err, method = games.shapley(v), np.zeros(game.n), "exact"
            stable = games.in_core(v, x, CORE_TOLERANCE)
            block = games.blocking_coalitions(v, x, 5, tol=CORE_TOLERANCE)
            checked = 2 ** game.n - 2
            if game.n <= NUCLEOLUS_MAX:
                table.loc[group.firms, "nucleolus_gain"] = games.nucleolus(v)
                lc = games.least_core(v)
                table.loc[group.firms, "least_core_gain"] = lc.allocation
        else:
            phi, err, values, solved = sampled_shapley(group, game.options, samples, seed,
                                                       savings)
            game.values.update({m: v for m, v in values.items() if m != grand})
            game.solves = solved
            method = f"sampled ({samples} permutations)"
            masks = np.array(sorted(m for m in game.values if 0 < m < grand))
            member = ((masks[:, None] >> np.arange(game.n)) & 1).astype(float)
            excess = np.array([game.values[m] for m in masks]) - member @ x
            tol = 1e-6 * max(1.0, abs(game.values[grand]))
            order = np.lexsort((masks, -excess))
            block = pd.DataFrame(
                [(int(m), games.members(int(m)), game.values[int(m)],
                  game.values[int(m)] - e, e)
                 for m, e in zip(masks[order], excess[order]) if e > tol][:5],
                columns=["coalition", "members", "value", "allocated", "excess"])
            stable, checked = block.empty, len(masks)
        table.loc[group.firms, "shapley_gain"] = phi
        table.loc[group.firms, "shapley_stderr"] = err
        for _, b in block.iterrows():
            blocking.append({"group": name, "firms": " ".join(group.firms[i] for i in b.members),
                             "value": b.value, "allocated": b.allocated, "excess": b.excess})
        rows.append({"group": name, "firms": game.n, "savings": game.values[grand],
                     "shapley": method, "coalition_mip_gap": game.options.mip_gap,
                     "coalition_abs_gap": abs_gap,
                     "coalitions_checked": checked, "in_core": bool(stable),
                     "max_excess": float(block.excess.max()) if len(block) else 0.0,
                     "solves": game.solves})
        solves += game.solves
    return Allocations(table, pd.DataFrame(rows), pd.DataFrame(
        blocking, columns=["group", "firms", "value", "allocated", "excess"]), solves)


SAMPLE_CHUNKS = 2  # sampled permutations run as this many independent chunks, side by side
MIN_SAMPLES = 4  # orders: two antithetic pairs (an order and its reverse), for a stderr


def sampled_shapley(group: Group, options: SolverOptions, samples: int, seed: int,
                    grand_value: float) -> tuple[np.ndarray, np.ndarray, dict[int, float], int]:
    """The sampled Shapley value of a group: SAMPLE_CHUNKS chunks of the permutations (one
    below MIN_SAMPLES·SAMPLE_CHUNKS samples), each with its own seed (seed·SAMPLE_CHUNKS + chunk) and
    game, run in worker processes when the machine has the cores (the same numbers either
    way); their means pooled, with the standard error of the pooled mean. v(N) is
    `grand_value` (the optimum's savings: every order's marginals add up to it, so the values
    do). Also every coalition value solved, and the number of solves."""
    # a chunk needs MIN_SAMPLES: two antithetic pairs, for a standard error
    chunks_of = SAMPLE_CHUNKS if samples >= MIN_SAMPLES * SAMPLE_CHUNKS else 1
    sizes = [samples // chunks_of + (k < samples % chunks_of) for k in range(chunks_of)]
    jobs = [(group, options, size, seed * SAMPLE_CHUNKS + k, grand_value)
            for k, size in enumerate(sizes)]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1:  # the solver's worker processes, not multiprocessing: spawn would run a
        # user's script again (symbiosis/part_worker.py)
        with WorkerPool(workers) as pool:
            chunks = [f.result() for f in [pool.submit_call(_sample_chunk, job) for job in jobs]]
    else:
        chunks = [_sample_chunk(job) for job in jobs]
    counts = np.array([c[0] for c in chunks], float)
    means = np.array([c[1] for c in chunks])
    errors = np.array([c[2] for c in chunks])
    total = counts.sum()
    phi = (counts[:, None] * means).sum(axis=0) / total
    # the pooled mean of independent chunks: Var = Σ (n_k² se_k²) / n²
    err = np.sqrt((counts[:, None] ** 2 * errors ** 2).sum(axis=0)) / total
    values: dict[int, float] = {}
    for c in chunks:
        values.update(c[3])
    return phi, err, values, int(sum(c[4] for c in chunks))


def _sample_chunk(job):
    group, options, size, seed, grand_value = job
    game = GroupGame(group, options)
    game.values[2 ** game.n - 1] = grand_value
    sampled = games.shapley_sampled(game.n, game.value, size, seed)
    return (size, np.asarray(sampled.values, float), np.asarray(sampled.stderr, float),
            game.values, game.solves)
