"""The savings game of a park, from re-solves of one program, and its allocations.

v(S) = the optimal savings when links are allowed only among the firms of S, every other firm
keeping its baseline (docs/format.md, "symbiosis share"). The park's program is split once
into connected groups of firms (firms joined by a candidate link or by any row they share);
v(S) = Σ over groups of v(S ∩ group), so each group is its own game. Within a group each
coalition re-solves the group's one program restricted to the coalition's columns: the
columns of links leaving it are dropped (fixed at 0), every other firm stays at its baseline.
(A restriction, not `InPlace` bound changes on the whole group's highspy model: the smaller
program, scaled as every solve is, solved about 6 times faster on the electronics park.)

Reuse (docs/sharing.md, "How the coalitions are valued"). Coalitions are valued from the
largest down (an order of arrival from N to its first firm; the table by decreasing size), and
each keeps its point and its width, how far v may lie above the value (the solver's bound):
- a coalition splits into the parts its own links connect, v(S) = Σ v(part); a part with no
  link among its firms has v = 0;
- inherited, no solve: where the point x_T of a coalition T one firm larger uses no link
  between S and T ∖ S (and no row joins their columns), x_T on S's columns is S's optimum
  to within T's width;
- bounded, no solve: v is monotone (S's designs are designs of T), so v(S) ≤ v(T) ≤ T's
  value + width; where T's design restricted to S (its links leaving S dropped, the flows
  re-optimised by an LP) is within the coalition gap of that, it is S's value;
- otherwise solved, started from the better of that restricted design and the point of a
  coalition one firm smaller.
Every value is a feasible point's, within the coalition gap of its optimum (kpis.json
`coalition_mip_gap`, `coalition_abs_gap`).

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

from ..formulation.facility_accounts import facility_ids
from ..formulation.highs_model import MatrixProgram
from ..formulation.program import LinearProgram
from ..decompose import WorkerPool, solve_part
from ..pricing import LinkColumns
from ..solve import Solution, SolverOptions

from . import bounded, games

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
# Sampled groups whose program has more columns than this are not valued: each coalition is
# then a MILP the size of a province's (measured on a generated 1,000-firm province, one group
# of 989 firms and 331,494 columns: one coalition next to N took 210 s and its value was still
# 190 M off its bound, more than v(N)); their Shapley values are reported as not computed.
SAMPLED_MAX_COLUMNS = 50_000
# every coalition solve starts from a feasible design, most often already within the gap of
# the optimum: HiGHS's heuristics that look for a better incumbent are skipped (they cannot
# change what is proven, only how soon). Feasibility jump (measured: 17 % less CPU over 119
# electronics coalitions); RINS and RENS, sub-MIPs that took 0.40 s of a 0.53 s coalition
# solve on the electronics park with shared routes (measured, machine loaded: 246 coalition
# programs replayed from their starts 19.8 s with them, 12.3 s without, the same widths to
# 0.01 %; a whole 12-order sampling, one HiGHS thread either way, 22.9 s CPU against 21.8).
COALITION_HIGHS = {"mip_heuristic_run_feasibility_jump": False,
                   "mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}
# one HiGHS thread per coalition solve: the parallelism is across coalitions (the chunks of
# orders in worker processes); HiGHS's default of two on a 2-core machine measured 29 % more
# CPU (a 12-order sampling of the electronics park, 364 solves: 32.3 s against 22.9 s)
COALITION_THREADS = 1
# the separation MILP (rule core) starts from a trivial point: its heuristics stay on
SEPARATION_HIGHS = {"mip_heuristic_run_feasibility_jump": False}
HIGHS_ABS_GAP = 1e-6  # HiGHS's default mip_abs_gap: a solve also stops there


@dataclass
class Group:
    """One connected group of firms and the sub-program of its columns and rows. Owner
    positions 0..n−1 are the group's firms; n, n+1, … its shared facilities, if any (a
    facility is no player: any coalition may build it, and only its members' arcs use it)."""

    firms: list[str]
    columns: np.ndarray  # program columns
    program: MatrixProgram
    build: np.ndarray  # local integer columns of the group program
    build_owners: np.ndarray  # (k, 2) local owner positions of each integer column
    owners: np.ndarray  # (columns, 2) local owner positions of every column
    coupled: list[np.ndarray]  # sets of local firms some row or facility joins without a link
    baseline: np.ndarray  # the no-links point on the group's columns
    adjacency: dict[int, int] = field(default_factory=dict)  # firm -> mask of link partners
    facility_users: list[int] = field(default_factory=list)  # per facility: mask of its firms

    def extended(self, member: np.ndarray) -> np.ndarray:
        """Per owner position: the firms' membership, then per facility whether a member
        firm may use it (has a candidate arc to or from it)."""
        if not self.facility_users:
            return member
        mask = games.mask_of(np.flatnonzero(member))
        return np.r_[member, [bool(mask & users) for users in self.facility_users]]


def groups_of(lp: LinearProgram, firms: pd.Index, baseline_x: np.ndarray,
              program: MatrixProgram | None = None) -> list[Group]:
    """The program split into connected groups of firms (a firm with no column is left out;
    a shared facility joins the firms with an arc to or from it)."""
    program = program or MatrixProgram.of(lp)
    first, second = lp.column_firms()
    facilities = facility_ids(lp)
    nodes = firms.append(facilities)  # firms, then facilities
    f0, f1 = nodes.get_indexer(first), nodes.get_indexer(second)
    n_firms, n_nodes, n_cols = len(firms), len(nodes), lp.n_columns
    a = program.a.tocoo()
    if (f0 < 0).any() or (f1 < 0).any():
        raise ValueError("a column of the program belongs to no firm of the park")
    # firms joined by a column (its two owners) or by a row (the owners of its columns)
    col_firm = sp.csr_matrix((np.ones(2 * n_cols), (np.r_[np.arange(n_cols), np.arange(n_cols)],
                                                    np.r_[f0, f1])), shape=(n_cols, n_nodes))
    row_col = sp.csr_matrix((np.ones(len(a.data)), (a.row, a.col)), shape=a.shape)
    row_firm = (row_col @ col_firm).tocsr()
    joined = (row_firm.T @ row_firm + col_firm.T @ col_firm) > 0
    _, label = connected_components(joined, directed=False)
    out = []
    for g in np.unique(label[:n_firms]):
        members_ = np.flatnonzero(label[:n_firms] == g)
        plants = n_firms + np.flatnonzero(label[n_firms:] == g)
        cols = np.flatnonzero(np.isin(f0, np.r_[members_, plants]))
        if not len(cols):
            continue
        rows = np.unique(a.row[np.isin(a.col, cols)])
        part = program.part(cols, rows)
        local = np.full(n_nodes, -1, dtype=np.int64)
        local[members_] = np.arange(len(members_))
        local[plants] = len(members_) + np.arange(len(plants))
        every = np.c_[local[f0[cols]], local[f1[cols]]].astype(np.int64).reshape(-1, 2)
        build = np.flatnonzero(part.integer)
        owners = every[build]
        n = len(members_)
        coupled = _row_couplings(row_col[rows][:, cols], every, n)
        users = []
        for q in range(n, n + len(plants)):  # a facility's firms: those with an arc of it
            firm_ends = every[(every == q).any(axis=1)].ravel()
            users.append(games.mask_of(np.unique(firm_ends[firm_ends < n]).tolist()))
        coupled += [np.array(games.members(u)) for u in users if u & (u - 1)]
        group = Group([str(firms[f]) for f in members_], cols, part, build, owners, every,
                      coupled, baseline_x[cols], facility_users=users)
        for i, j in owners[(owners < n).all(axis=1)]:
            group.adjacency[i] = group.adjacency.get(i, 0) | (1 << int(j))
            group.adjacency[j] = group.adjacency.get(j, 0) | (1 << int(i))
        out.append(group)
    return out


def _row_couplings(rows: sp.csr_matrix, owners: np.ndarray, n: int) -> list[np.ndarray]:
    """Sets of firms a row joins through columns of one firm each (e.g. a park-wide utility
    limit): they stay joined in every coalition, links or not."""
    single = (owners[:, 0] == owners[:, 1]) & (owners[:, 0] < n)
    sets = set()
    rows = rows.tocsr()
    for r in range(rows.shape[0]):
        cols = rows.indices[rows.indptr[r]:rows.indptr[r + 1]]
        found = {int(owners[c, 0]) for c in cols if single[c]}
        if len(found) > 1:
            sets.add(tuple(sorted(found)))
    return [np.array(s) for s in sorted(sets)]


class GroupGame:
    """The savings game of one group: v(mask) by re-solving its program restricted to the
    coalition, with reuse (see the module's docstring). For every coalition valued it keeps
    the point found (`points`) and its width (`widths`): how far v may lie above the value,
    from the solver's bound (0 for a coalition with no link among its firms, infinite where
    no bound is known)."""

    def __init__(self, group: Group, options: SolverOptions) -> None:
        self.group = group
        self.n = len(group.firms)
        self.options = options
        self.cost = group.program.cost
        self.baseline_cost = float(self.cost @ group.baseline)
        self.values: dict[int, float] = {0: 0.0}
        self.points: dict[int, np.ndarray] = {0: group.baseline}
        self.widths: dict[int, float] = {0: 0.0}
        self.solves = 0  # MILP solves of coalitions
        self.inherited = 0  # coalitions valued from a larger one's point, without a solve
        self.bounded = 0  # coalitions valued at a start within the gap of a larger one's bound
        self._coupling = [games.mask_of(s) for s in group.coupled]
        self._owner0, self._owner1 = group.owners[:, 0], group.owners[:, 1]
        self._csc = group.program.a.tocsc()
        self._touch = abs(group.program.a).tocsr()  # rows × columns, for separability
        self._integer = group.program.integer
        self._grand = (1 << self.n) - 1
        self.parts_of: dict[int, list[int]] = {}  # coalitions of several parts: the parts
        self._abs_gap = float(options.options.get("mip_abs_gap", HIGHS_ABS_GAP))
        self._rel_gap = float(options.mip_gap or 0.0)

    def set_grand(self, value: float, point: np.ndarray, width: float | None = None) -> None:
        """v(N) as given (the park's optimum, docs/format.md) at its point. Its width (for
        coalitions that inherit from it) is `width` if known, else found by one solve when
        first needed (`bound_grand`)."""
        self.values[self._grand] = value
        self.points[self._grand] = point
        if width is not None:
            self.widths[self._grand] = width

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

    def value(self, mask: int, above: int | None = None) -> float:
        """v(mask). `above`: a coalition containing it whose point is known, the first
        place to look for one to inherit from (the next prefix of an order of arrival)."""
        if mask in self.values:
            return self.values[mask]
        parts = self.parts(mask)
        todo = [p for p in parts if not self._settled(p, above)]
        if todo:
            starts = {p: self._start(p, above) for p in todo}
            if not self._bounded(parts, starts, self._upper_of(mask, above)):
                for p in todo:
                    self._solve(p, *starts[p])
        if len(parts) > 1:  # the parts' points side by side (their columns are disjoint)
            self.parts_of[mask] = parts
            base = self.group.baseline
            self.points[mask] = base + sum(self.points[p] - base for p in parts)
            self.values[mask] = sum(self.values[p] for p in parts)
            self.widths[mask] = sum(self.widths[p] for p in parts)
        return self.values[mask]

    def member(self, mask: int) -> np.ndarray:
        """Per firm: in the coalition (masks of any size, also past 63 firms)."""
        raw = np.frombuffer(mask.to_bytes((self.n + 7) // 8, "little"), np.uint8)
        return np.unpackbits(raw, bitorder="little")[:self.n].astype(bool)

    def _inside(self, mask: int) -> np.ndarray:
        """Per column of the group: both its firms in the coalition (a facility's end: a
        member may use the facility)."""
        member = self.group.extended(self.member(mask))
        return member[self._owner0] & member[self._owner1]

    def _settled(self, mask: int, above: int | None) -> bool:
        """Valued without a solve or an LP: known, no link among its firms (v = 0), or
        inherited from a larger coalition's point that splits there."""
        if mask in self.values:
            return True
        inside = self._inside(mask)
        if not (inside & self._integer).any():  # no link among these firms
            self._keep(mask, self.group.baseline, 0.0)
            return True
        return any(self._inherit(mask, inside, t) for t in self._supersets(mask, above))

    def _upper_of(self, mask: int, above: int | None) -> float:
        """An upper bound on v(mask): v(T) ≤ its value + width for a known T ⊇ mask (v is
        monotone: a coalition's designs are designs of every larger one)."""
        known = [t for t in self._supersets(mask, above) if np.isfinite(self.widths.get(t, np.inf))]
        if not known:
            return np.inf
        return min(self.baseline_cost - float(self.cost @ self.points[t]) + self.widths[t]
                   for t in known)

    def _bounded(self, parts: list[int], starts: dict, upper: float) -> bool:
        """Value the unsettled parts at their starts, without a solve, where the starts and
        the settled parts add up to within each part's gap of `upper`: then v(S) − Σ lower
        ≤ upper − Σ lower, and so is each part's own shortfall (none is negative)."""
        if not np.isfinite(upper):
            return False
        saving = {p: self.baseline_cost - float(self.cost @ starts[p][2]) for p in starts}
        lower = sum(saving[p] if p in starts else self.values[p] for p in parts)
        slack = max(upper - lower, 0.0)
        if any(slack > self._allowed(self._inside(p), starts[p][2]) for p in starts):
            return False
        for p in starts:
            self._keep(p, starts[p][2], saving[p] + slack)
            self.bounded += 1
        return True

    def _solve(self, mask: int, cols: np.ndarray, program: MatrixProgram,
               start: np.ndarray) -> None:
        base = self.group.baseline
        solution = self._solved(program, start[cols])
        x = start
        if solution.status.has_solution:
            x = start.copy()
            x[cols] = solution.values
            if float(self.cost @ x) > float(self.cost @ start):
                x = start
        bound = solution.bound if solution.bound is not None and np.isfinite(solution.bound) \
            else -np.inf  # the restricted program's cost, its columns only
        upper = float(self.cost[cols] @ base[cols]) - bound
        self._keep(mask, x, upper)

    def _solved(self, program: MatrixProgram, start: np.ndarray | None) -> Solution:
        """A solve of a coalition's program from a start (backends/highs.solve_direct solves
        again without the start where HiGHS hands back the start's values with a better
        objective)."""
        self.solves += 1
        return solve_part(program, self.options, start)

    def _keep(self, mask: int, x: np.ndarray, upper: float) -> None:
        """Record a coalition's point, value (its savings, ≥ 0: the baseline is always
        feasible) and width (upper bound on v minus the value)."""
        saving = self.baseline_cost - float(self.cost @ x)
        if saving < 0:
            x, saving = self.group.baseline, 0.0
        self.points[mask] = x
        self.values[mask] = saving
        self.widths[mask] = max(upper - saving, 0.0)

    def _supersets(self, mask: int, above: int | None) -> list[int]:
        """Known coalitions one firm larger than `mask`, after `above` if it is known."""
        out = [above] if above is not None and above in self.points and above != mask else []
        rest = self._grand & ~mask
        while rest:
            bit = rest & -rest
            rest &= rest - 1
            if (mask | bit) in self.points and (mask | bit) != above:
                out.append(mask | bit)
        return out

    def _inherit(self, mask: int, inside: np.ndarray, t: int) -> bool:
        """v(S) from the point x_T of a coalition T ⊃ S, where x_T splits: with R = T ∖ S,
        x_T uses no column joining S to R and no row touches both S's and R's columns.
        Then x_T on S's columns (y) is feasible for S, and any point of S beside x_T on R's
        columns is feasible for T, so v(T) ≥ v(S) + (savings of x_T on R): v(S) lies
        between y's savings and those plus T's width. Taken when that width is within the
        coalition gap."""
        t = next((p for p in self.parts_of.get(t, ()) if p & mask == mask), t)  # T's part
        if t == mask:
            return False
        if self.widths.get(t) is None:
            if t != self._grand:
                return False
            self.bound_grand()
        width = self.widths[t]
        if not np.isfinite(width):
            return False
        x, base = self.points[t], self.group.baseline
        other = self._inside(t & ~mask)
        crossing = ~(inside | other)
        if np.any(x[crossing] != base[crossing]):
            return False
        rows_s = self._touch @ inside.astype(float)
        rows_r = self._touch @ other.astype(float)
        if np.any((rows_s > 0) & (rows_r > 0)):
            return False
        y = np.where(inside, x, base)
        if width > self._allowed(inside, y):
            return False
        saving = self.baseline_cost - float(self.cost @ y)
        self._keep(mask, y, saving + width)
        self.inherited += 1
        return True

    def _allowed(self, inside: np.ndarray, x: np.ndarray) -> float:
        """The gap a solve of this coalition would stop at: HiGHS stops at the absolute
        gap or at the relative one, of the restricted program's cost."""
        return max(self._abs_gap, self._rel_gap * abs(float(self.cost[inside] @ x[inside])))

    def bound_grand(self) -> float:
        """N's width: one solve of the whole group, started from N's point. v(N) stays the
        value given; the point kept is the better one."""
        grand, x0 = self._grand, self.points[self._grand]
        value = self.values[grand]
        del self.values[grand]
        cols = np.arange(len(x0))
        solution = self._solved(self._restriction(cols), x0)
        x = solution.values if solution.status.has_solution and \
            float(self.cost @ solution.values) < float(self.cost @ x0) else x0
        bound = solution.bound if solution.bound is not None else -np.inf
        self._keep(grand, x, float(self.cost @ self.group.baseline) - bound)
        self.values[grand] = value
        return self.widths[grand]

    def _restriction(self, cols: np.ndarray) -> MatrixProgram:
        """The group's program with every firm outside the coalition at its baseline: the
        columns of the coalition's firms (those of links leaving it dropped, i.e. fixed at 0)
        and the rows they touch; the rows' other columns are links leaving the coalition
        (zero at the baseline), since firms joined by a row are in one part."""
        rows = np.unique(self._csc[:, cols].indices)
        return self.group.program.part(cols, rows)

    def _start(self, mask: int, above: int | None
               ) -> tuple[np.ndarray, MatrixProgram, np.ndarray]:
        """The coalition's columns, its program and the best known feasible point: that of
        a coalition one firm smaller (feasible here too), or a larger one's design
        restricted to this coalition, its links that leave it dropped and the flows
        re-optimised (an LP with the integer columns fixed; feasible since every firm can
        buy and dispose)."""
        cols = np.flatnonzero(self._inside(mask))
        program = self._restriction(cols)
        best, best_cost = self.group.baseline, self.baseline_cost
        for i in games.members(mask):
            x = self.points.get(mask & ~(1 << i))
            if x is not None and float(self.cost @ x) < best_cost:
                best, best_cost = x, float(self.cost @ x)
        for t in self._supersets(mask, above)[:1]:
            x = self._completed(cols, program, self.points[t])
            if x is not None and float(self.cost @ x) < best_cost:
                best, best_cost = x, float(self.cost @ x)
        return cols, program, best

    def _completed(self, cols: np.ndarray, program: MatrixProgram,
                   design: np.ndarray) -> np.ndarray | None:
        """A point of the restriction with its integer columns at `design`'s, by an LP."""
        integer = np.flatnonzero(program.integer)
        fixed = np.round(design[cols][integer])
        lp = replace(program.with_bounds(integer, fixed, fixed),
                     integer=np.zeros_like(program.integer))
        solution = solve_part(lp, SolverOptions(name="highspy"))
        if not solution.status.has_solution:
            return None
        x = self.group.baseline.copy()
        x[cols] = solution.values
        x[cols[integer]] = fixed
        return x

    def table(self) -> np.ndarray:
        """v of every coalition (2**n of them), largest first: each can inherit from, or
        start from the design of, a coalition one firm larger."""
        n = self.n
        masks = np.arange(1 << n, dtype=np.int64)
        for m in masks[np.lexsort((masks, -games._sizes(n)))].tolist():
            if m not in self.values:
                self.value(m, above=m | (~m & (m + 1)))  # one more firm: the lowest absent
        return np.array([self.values[m] for m in range(1 << n)])


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
             program: MatrixProgram | None = None,
             core: pd.Series | None = None, network=None) -> Allocations:
    """The cooperative allocations of the savings game, and the core check of `gains` (the
    chosen allocation, per firm). v(N) of each group is the savings of `design_x` there (the
    park's optimum, as solved by the pipeline); every other coalition is an optimum of its
    own. Where the gains add up to less than v(N) (a cost of fairness), the allocation is not
    in the core: the whole group would rather build the optimum.

    `core`: per firm, the set of firms joined to it by built links (a label), for the rule
    `core`: then `gains` are the gains before transfers, and the allocation checked is, per
    group, the least-core allocation that payments over built links can reach (each set's
    gains add up to its gains before transfers) nearest the nucleolus (groups up to
    NUCLEOLUS_MAX firms) or the Shapley value (`games.core_allocation`; a separation MILP
    per round above EXACT_MAX), in the column `core_gain`.

    `network` (the program's candidates): groups whose program has more than
    SAMPLED_MAX_COLUMNS columns are then sampled with every coalition bounded by LP
    re-solves (bounded.py) rather than reported not computed."""
    table = pd.DataFrame(index=firms, data={"shapley_gain": 0.0, "shapley_stderr": 0.0,
                                             "nucleolus_gain": np.nan,
                                             "least_core_gain": np.nan, "core_gain": np.nan,
                                             "shapley_bound": 0.0,
                                             "group": ""})
    rows, blocking, solves = [], [], 0
    for k, group in enumerate(groups_of(lp, firms, baseline_x, program)):
        exact = len(group.firms) <= EXACT_MAX
        grand = 2 ** len(group.firms) - 1
        savings = float(group.program.cost @ (group.baseline - design_x[group.columns]))
        abs_gap = None if exact else SAMPLED_GAP * max(abs(savings), 1.0)
        solver = replace(options, options={**options.options, **COALITION_HIGHS},
                         threads=COALITION_THREADS)
        game = GroupGame(group, replace(solver, mip_gap=EXACT_GAP) if exact else replace(
            solver, mip_gap=0.0, options={**solver.options, "mip_abs_gap": abs_gap}))
        game.set_grand(savings, design_x[group.columns])
        name = f"G{k + 1:02d}"
        table.loc[group.firms, "group"] = name
        x = gains.reindex(group.firms).to_numpy(float)
        core_row: dict = {}
        bounded_row: dict = {}
        bound = np.zeros(len(group.firms))
        if not exact and group.program.a.shape[1] > SAMPLED_MAX_COLUMNS and \
                network is not None and not group.facility_users:
            found = _bounded(lp, network, group, savings, design_x[group.columns], samples,
                             seed)
            phi, err, bound = found.values, found.stderr, found.bound
            method = (f"bounded ({2 * -(-samples // 2)} permutations; coalitions by LP "
                      "bounds, docs/sharing.md)")
            masks = sorted(m for m in found.lower if 0 < m < grand)
            excess = [(found.lower[m] - x[game.member(m)].sum(), m) for m in masks]
            sure = sorted(((e, m) for e, m in excess
                           if e > 1e-6 * max(1.0, abs(savings))), key=lambda t: -t[0])[:5]
            block = pd.DataFrame([(m, games.members(m), found.lower[m],
                                   found.lower[m] - e, e) for e, m in sure],
                                 columns=["coalition", "members", "value", "allocated",
                                          "excess"])
            # a coalition whose feasible design beats its allocation blocks for sure; none
            # found does not prove the allocation stable
            stable, checked, epsilon = (False if sure else None), len(masks), None
            bounded_row = {"lp_solves": found.lp_solves, "max_width": found.max_width,
                           "selected_links": found.selected, "links": found.links,
                           "seconds": found.seconds}
        elif not exact and group.program.a.shape[1] > SAMPLED_MAX_COLUMNS:
            phi = err = np.full(game.n, np.nan)
            method = (f"not computed: {game.n} firms, {group.program.a.shape[1]} columns "
                      f"(each coalition a province-scale MILP)")
            block = pd.DataFrame(columns=["coalition", "members", "value", "allocated",
                                          "excess"])
            stable, checked, epsilon = None, 0, None
        elif game.n <= EXACT_MAX:
            v = game.table()
            phi, err, method = games.shapley(v), np.zeros(game.n), "exact"
            bound = games.shapley_bound(np.array([0.0 if m in (0, grand) else game.widths[m]
                                                  for m in range(grand + 1)]))
            nucleolus = None
            if game.n <= NUCLEOLUS_MAX:
                nucleolus = games.nucleolus(v)
                table.loc[group.firms, "nucleolus_gain"] = nucleolus
                lc = games.least_core(v)
                table.loc[group.firms, "least_core_gain"] = lc.allocation
            if core is not None:
                found = games.core_allocation(
                    game.n, v[-1], {}, phi if nucleolus is None else nucleolus,
                    games.table_separation(v), _reachable(group, core, x))
                x, core_row = found.allocation, _core_row(found, game.values[grand])
            stable = games.in_core(v, x, CORE_TOLERANCE)
            block = games.blocking_coalitions(v, x, 5, tol=CORE_TOLERANCE)
            checked = 2 ** game.n - 2
            epsilon = games.least_core_epsilon(v) if game.n > 1 else None
        else:
            phi, err, values, solved, bound = sampled_shapley(game, samples, seed)
            game.values.update({m: v for m, v in values.items() if m != grand})
            game.solves += solved
            method = f"sampled ({2 * -(-samples // 2)} permutations)"
            if core is not None:
                found = games.core_allocation(
                    game.n, game.values[grand], game.values, phi,
                    separation(group, replace(game.options, mip_gap=EXACT_GAP,
                                              options=dict(SEPARATION_HIGHS))),
                    _reachable(group, core, x))
                x, core_row = found.allocation, _core_row(found, game.values[grand])
                game.solves += found.rounds
                if not core_row["core_rule_in_core"]:  # is the core itself empty?
                    free = games.core_allocation(game.n, game.values[grand], game.values, phi,
                                                 separation(group, replace(
                                                     game.options, mip_gap=EXACT_GAP,
                                                     options=dict(SEPARATION_HIGHS))))
                    game.solves += free.rounds
                    core_row["least_core_epsilon"] = free.epsilon
            masks = np.array(sorted(m for m in game.values if 0 < m < grand),
                             dtype=np.int64 if game.n < 63 else object)
            member = np.array([game.member(int(m)) for m in masks], float).reshape(-1, game.n)
            excess = np.array([game.values[m] for m in masks]) - member @ x
            tol = 1e-6 * max(1.0, abs(game.values[grand]))
            order = sorted(range(len(masks)), key=lambda j: (-excess[j], masks[j]))
            block = pd.DataFrame(
                [(int(m), games.members(int(m)), game.values[int(m)],
                  game.values[int(m)] - e, e)
                 for m, e in zip(masks[order], excess[order]) if e > tol][:5],
                columns=["coalition", "members", "value", "allocated", "excess"])
            stable, checked = block.empty, len(masks)
            epsilon = None  # not known from a sample of coalitions
            if core is not None:  # checked against every coalition by the separation
                stable = bool(stable and core_row["core_rule_in_core"])
        if core is not None and np.isfinite(phi).all():
            table.loc[group.firms, "core_gain"] = x
        table.loc[group.firms, "shapley_gain"] = phi
        table.loc[group.firms, "shapley_bound"] = bound
        table.loc[group.firms, "shapley_stderr"] = err
        for _, b in block.iterrows():
            blocking.append({"group": name, "firms": " ".join(group.firms[i] for i in b.members),
                             "value": b.value, "allocated": b.allocated, "excess": b.excess})
        if "least_core_epsilon" in core_row:
            epsilon = core_row.pop("least_core_epsilon")
        rows.append({"group": name, "firms": game.n, "savings": game.values[grand],
                     "shapley": method, "coalition_mip_gap": game.options.mip_gap,
                     "coalition_abs_gap": abs_gap,
                     "coalitions_checked": checked,
                     "in_core": None if stable is None else bool(stable),
                     "least_core_epsilon": epsilon,
                     "core_empty": None if epsilon is None else bool(
                         epsilon > CORE_TOLERANCE * max(1.0, abs(game.values[grand]))),
                     "max_excess": float(block.excess.max()) if len(block) else 0.0,
                     "solves": game.solves, "inherited": game.inherited,
                     "bounded": game.bounded, **core_row,
                     **({"lp_bounds": bounded_row} if bounded_row else {})})
        solves += game.solves
    return Allocations(table, pd.DataFrame(rows), pd.DataFrame(
        blocking, columns=["group", "firms", "value", "allocated", "excess"]), solves)


def _reachable(group: Group, core: pd.Series, before: np.ndarray) -> list[tuple[int, float]]:
    """What payments over built links can reach: each set of the group's firms joined by
    built links keeps the sum of its gains before transfers (a firm with none: its own)."""
    label = core.reindex(group.firms).to_numpy()
    out = []
    for g in pd.unique(label):
        inside = label == g
        if not inside.all():
            out.append((games.mask_of(np.flatnonzero(inside)), float(before[inside].sum())))
    return out


def _core_row(found: games.CoreAllocation, savings: float) -> dict:
    """The group's columns of the rule `core` (kpis.json `sharing.core.groups`)."""
    return {"core_rule_epsilon": found.epsilon if np.isfinite(found.epsilon) else None,
            "core_rule_in_core": bool(found.epsilon <= CORE_TOLERANCE * max(1.0, abs(savings))),
            "core_rule_rows": found.rows, "core_rule_rounds": found.rounds}


def _bounded(lp: LinearProgram, network, group: Group, savings: float, point: np.ndarray,
             samples: int, seed: int) -> bounded.BoundedShapley:
    """The bounded sampled Shapley value of a large group (bounded.py): the links selected
    once, then SAMPLE_CHUNKS chunks of orders side by side (seed·SAMPLE_CHUNKS + chunk, as
    `sampled_shapley`), pooled: means and standard errors as there, the bounds as the
    chunks' mean (a mean of maxima: at least the maximum of the means)."""
    links = bounded.group_links(LinkColumns.of(lp), group.columns, lp.n_columns)
    flow = lp.variables["flow"]
    ids = flow.index[np.isin(flow.columns, group.columns)]
    demand = pd.factorize(network.links.to_stream.reindex(ids))[0]
    allowed, grand_bound = bounded.select_links(group.program, links, demand, point)
    chunks_of = SAMPLE_CHUNKS if samples >= MIN_SAMPLES * SAMPLE_CHUNKS else 1
    pairs = -(-samples // 2)
    sizes = [2 * (pairs // chunks_of + (k < pairs % chunks_of)) for k in range(chunks_of)]
    jobs = [(group.program, links, group.owners, demand, group.baseline, point, savings, size,
             seed * SAMPLE_CHUNKS + k, allowed, grand_bound) for k, size in enumerate(sizes)]
    workers = min(len(jobs), _cores())
    if workers > 1:
        with WorkerPool(workers) as pool:
            chunks = [f.result() for f in [pool.submit_call(_bounded_chunk, job)
                                           for job in jobs]]
    else:
        chunks = [_bounded_chunk(job) for job in jobs]
    counts = np.array(sizes, float)
    total = counts.sum()
    phi = sum(c * r.values for c, r in zip(counts, chunks)) / total
    err = np.sqrt(sum(c ** 2 * r.stderr ** 2 for c, r in zip(counts, chunks))) / total
    bound = sum(c * r.bound for c, r in zip(counts, chunks)) / total
    lower: dict = {}
    upper: dict = {}
    for r in chunks:
        for m, v in r.lower.items():
            lower[m] = max(lower.get(m, -np.inf), v)
            upper[m] = min(upper.get(m, np.inf), r.upper[m])
    return bounded.BoundedShapley(phi, err, bound, lower, upper, len(lower) - 2,
                                  sum(r.lp_solves for r in chunks),
                                  max(r.max_width for r in chunks), int(allowed.sum()),
                                  len(allowed), max(r.seconds for r in chunks))


def _bounded_chunk(job) -> bounded.BoundedShapley:
    """One chunk of orders of `_bounded` (module-level: worker processes run it)."""
    program, links, owners, demand, baseline, point, savings, size, seed, allowed, top = job
    return bounded.bounded_shapley(program, links, owners, demand, baseline, point, savings,
                                   size, seed, allowed, top)


SAMPLE_CHUNKS = 2  # sampled permutations run as this many independent chunks, side by side
MIN_SAMPLES = 4  # orders: two antithetic pairs (an order and its reverse), for a stderr


def sampled_shapley(game: GroupGame, samples: int, seed: int
                    ) -> tuple[np.ndarray, np.ndarray, dict[int, float], int, np.ndarray]:
    """The sampled Shapley value of a group's game: SAMPLE_CHUNKS chunks of the permutations
    (one below MIN_SAMPLES·SAMPLE_CHUNKS samples), each with its own seed
    (seed·SAMPLE_CHUNKS + chunk) and game, run in worker processes when the machine has the
    cores (the same numbers either way); their means pooled, with the standard error of the
    pooled mean. v(N) is the game's (the optimum's savings: every order's marginals add up
    to it, so the values do); its width is found here, once for all chunks. Also every
    coalition value solved, the number of solves in the chunks, and per firm the bound on
    what the coalitions' widths (their solves' gaps) may move the estimate by
    (`games.orders_bound`; pooled as the chunks' mean, at least the bound of the pool)."""
    # a chunk needs MIN_SAMPLES: two antithetic pairs, for a standard error
    chunks_of = SAMPLE_CHUNKS if samples >= MIN_SAMPLES * SAMPLE_CHUNKS else 1
    pairs = -(-samples // 2)  # antithetic: whole pairs (an odd count is rounded up)
    sizes = [2 * (pairs // chunks_of + (k < pairs % chunks_of)) for k in range(chunks_of)]
    grand = (1 << game.n) - 1
    width = game.bound_grand()
    jobs = [(game.group, game.options, size, seed * SAMPLE_CHUNKS + k, game.values[grand],
             game.points[grand], width) for k, size in enumerate(sizes)]
    workers = min(len(jobs), _cores())
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
    game.inherited += sum(c[5] for c in chunks)
    game.bounded += sum(c[6] for c in chunks)
    bound = (counts[:, None] * np.array([c[7] for c in chunks])).sum(axis=0) / total
    return phi, err, values, int(sum(c[4] for c in chunks)), bound


def _cores() -> int:
    """The processors this process may run on (an affinity mask, e.g. taskset, counts)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1


def _sample_chunk(job):
    """One chunk of orders: each order's prefixes valued from the largest down, so that each
    inherits from, or starts from the design of, the prefix one firm larger."""
    group, options, size, seed, grand_value, grand_point, grand_width = job
    game = GroupGame(group, options)
    game.set_grand(grand_value, grand_point, grand_width)
    orders, prefixes = games.sample_orders(game.n, size, seed)
    for chain in prefixes.tolist():
        for k in range(game.n - 2, -1, -1):
            game.value(chain[k], above=chain[k + 1])
    phi, err = games.shapley_of_orders(orders, prefixes, game.values)
    widths = {m: w for m, w in game.widths.items() if m != (1 << game.n) - 1}
    return (len(orders), np.asarray(phi, float), np.asarray(err, float), game.values,
            game.solves, game.inherited, game.bounded,
            games.orders_bound(orders, prefixes, widths))


def separation(group: Group, options: SolverOptions) -> games.Separation:
    """The most violated coalition of a group at an allocation x, as one MILP (the separation
    of `games.core_allocation`): the group's program with a binary z_f per firm (in the
    coalition or not), every column owned by two firms at most its upper bound times each
    owner's z (a link needs both its firms), 1 ≤ Σ z ≤ n − 1, and the cost plus Σ x_f z_f
    minimised: the savings of the design less x(S) is then the largest excess. Returns the
    coalition, the savings of its design (a lower bound of v(S)) and an upper bound of the
    largest excess (from the MILP's bound). Firms outside S keep their baseline because
    their links are closed (docs/sharing.md, "A core-stable payment")."""
    p, n = group.program, len(group.firms)
    m, k = p.a.shape
    owners = group.owners
    tied = np.flatnonzero(((owners[:, 0] != owners[:, 1]) | p.integer)
                          & np.isfinite(p.col_upper))
    # rows: x_c − u_c z_f ≤ 0 for each of the two owners f of a tied column c that is a
    # firm (a shared facility's own columns are used only through its firms' arcs)
    cols = np.r_[tied, tied]
    firm = np.r_[owners[tied, 0], owners[tied, 1]]
    cols, firm = cols[firm < n], firm[firm < n]
    r = np.arange(len(cols))
    upper = p.col_upper[cols]
    link_rows = sp.csc_matrix((np.r_[np.ones(len(r)), -upper],
                               (np.r_[r, r], np.r_[cols, k + firm])), shape=(len(r), k + n))
    size_row = sp.csc_matrix((np.ones(n), (np.zeros(n, np.int64), k + np.arange(n))),
                             shape=(1, k + n))
    a = sp.vstack([sp.hstack([p.a, sp.csc_matrix((m, n))]), link_rows, size_row]).tocsc()
    base = MatrixProgram(a, np.r_[p.row_lower, np.full(len(r), -np.inf), 1.0],
                         np.r_[p.row_upper, np.zeros(len(r)), n - 1.0],
                         np.r_[p.col_lower, np.zeros(n)], np.r_[p.col_upper, np.ones(n)],
                         np.r_[p.cost, np.zeros(n)], 0.0, np.r_[p.integer, np.ones(n, bool)])
    baseline_cost = float(p.cost @ group.baseline)
    start = np.r_[group.baseline, np.eye(1, n).ravel()]  # {first firm}, no links: feasible

    def separate(x: np.ndarray) -> tuple[int, float, float]:
        program = replace(base, cost=np.r_[p.cost, np.asarray(x, float)])
        solution = solve_part(program, options, start)
        if not solution.status.has_solution:
            raise RuntimeError("the separation MILP of a core allocation found no solution")
        values = solution.values
        z = values[k:] > 0.5
        saving = baseline_cost - float(p.cost @ values[:k])
        found = float(program.cost @ values)
        bound = solution.bound if solution.bound is not None and np.isfinite(solution.bound) \
            else -np.inf
        # the objective as solved may carry a constant: the bound is read relative to it
        offset = (solution.objective - found) if solution.objective is not None else 0.0
        return (games.mask_of(np.flatnonzero(z)), saving,
                baseline_cost - (bound - offset))
    return separate
