"""Sampled Shapley values of a group too large for a MILP per coalition: each coalition of
an order held between two bounds found by LP re-solves in place.

A province's candidate network rarely falls apart: the generated 1,000-firm province is one
group of 989 firms and 331,494 columns, and each of its coalitions is a MILP the size of the
province's own. Here no coalition MILP is solved. Along each sampled order, from N down (one
firm leaving at a time), every coalition S gets an interval lo(S) ≤ v(S) ≤ hi(S):

- hi(S): the LP relaxation of S's program over *every* candidate link among S's firms
  (FULL_RELAXATION; each link's build cost spread over its capacity: `relaxation_part`),
  re-solved in place from the basis of the coalition one firm larger. Valid: S's program is
  the group's with every column of the firms outside S fixed at its baseline; dropping the
  integrality of the builds (and charging a link its build cost per unit of capacity used,
  at most its cost when built) only lowers the optimum, so cost(S) ≥ z_S. With
  FULL_RELAXATION off, the LP over the *selected* links only (those the LP over every
  candidate of the group uses, those the design builds, and each demand's NEAR_PER_DEMAND
  others of lowest reduced cost: `selection.kept_near`), every other candidate link among S's
  firms priced with its duals (pricing.py): cost(S) ≥ z_S + Σ_{l in S, not selected}
  min(0, ρ_l), a Lagrangian bound, valid for any duals but weaker than the full LP (by LP
  duality the full LP's optimum is at least any Lagrangian bound of it).
- lo(S): a feasible design's savings: the design of the coalition one firm larger without
  the leaving firm's links, or that design with the selected links the relaxation uses
  among S's firms added (those left without flow dropped), its flows re-optimised by an LP
  in place; the better of the two is carried down the order.

A firm that leaves has every column it owns fixed at its baseline (its links closed), as in
a coalition's own program (cooperative.py). The estimate is the sampled Shapley value of lo
(every order's marginals add up to v(N), given: the park's optimum), with its standard
error; and since each true marginal v(P ∪ i) − v(P) lies within [−w(P), +w(P ∪ i)] of lo's
(w = hi − lo), the Shapley value of the true values over the same orders lies within

    bound_i = max(mean over orders of w(P), mean over orders of w(P ∪ i))

of the estimate (shares.csv `shapley_bound`, docs/sharing.md "Large parks").
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from ..formulation.highs_model import MatrixProgram
from ..pricing import LinkColumns, price, reduced_costs, relaxation_part
from ..selection import kept_near
from . import games

ZERO = 1e-9  # a value (scaled units) this close to another is the same
FULL_RELAXATION = True  # the upper values from the LP over every candidate link


@dataclass
class BoundedShapley:
    """The estimate per firm, its standard error, the bound from the coalitions' widths,
    and how it was found."""

    values: np.ndarray
    stderr: np.ndarray
    bound: np.ndarray
    lower: dict  # mask -> lo(S), every coalition valued
    upper: dict  # mask -> hi(S)
    coalitions: int  # coalitions valued (every prefix of every order but N)
    lp_solves: int  # LP re-solves in place
    max_width: float  # the widest coalition interval hi − lo
    selected: int  # links in the relaxation, of `links` in the group
    links: int
    seconds: float


class _Model:
    """A scaled LP in a highspy model whose column bounds change in place."""

    def __init__(self, program: MatrixProgram) -> None:
        scaled, self.scaling = program.scaled()
        self.highs = scaled.to_highs()
        integer = np.flatnonzero(program.integer).astype(np.int32)
        if len(integer):  # an LP: every integer column is fixed by the caller
            self.highs.changeColsIntegrality(
                len(integer), integer,
                np.full(len(integer), highspy.HighsVarType.kContinuous.value, dtype=np.uint8))
        self.highs.setOptionValue("solver", "simplex")
        self.highs.setOptionValue("presolve", "off")
        self.lower = program.col_lower.copy()
        self.upper = program.col_upper.copy()
        self.solves = 0

    def set(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols = np.asarray(cols, np.int32)
        if not len(cols):
            return
        self.lower[cols], self.upper[cols] = lower, upper
        k = self.scaling.columns[cols]
        self.highs.changeColsBounds(len(cols), cols, self.lower[cols] / k, self.upper[cols] / k)

    def solve(self, required: bool = True) -> tuple[float, np.ndarray, np.ndarray] | None:
        """Optimum, values and row duals in the program's units; None if not optimal and
        not `required` (a trial design that cannot be run), else an error."""
        self.solves += 1
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            self.highs.clearSolver()  # a basis gone bad: once more from scratch
            self.highs.run()
            if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                if not required:
                    return None
                raise RuntimeError("an LP of a coalition's bounds was not solved")
        solution = self.highs.getSolution()
        k = self.scaling
        return (k.objective_value(self.highs.getInfo().objective_function_value),
                k.values(np.asarray(solution.col_value)),
                k.rows * np.asarray(solution.row_dual) / k.objective)


def group_links(lp_links: LinkColumns, columns: np.ndarray, n_columns: int) -> LinkColumns:
    """The links of a group (`cooperative.Group.columns`: its program columns) in the
    group program's own column numbers."""
    local = np.full(n_columns, -1, dtype=np.int64)
    local[columns] = np.arange(len(columns))
    inside = local[lp_links.flow] >= 0
    renumber = np.full(len(inside), -1, dtype=np.int64)
    renumber[inside] = np.arange(int(inside.sum()))
    owner = lp_links.owner[columns]
    owner = np.where(owner >= 0, renumber[np.maximum(owner, 0)], -1)
    return LinkColumns(local[lp_links.flow[inside]], local[lp_links.build[inside]],
                       lp_links.capacity[inside], owner)


def bounded_shapley(program: MatrixProgram, links: LinkColumns, owners: np.ndarray,
                    demand: np.ndarray, baseline: np.ndarray, grand_point: np.ndarray,
                    grand_value: float, samples: int, seed: int,
                    allowed: np.ndarray | None = None,
                    grand_bound: float = -np.inf) -> BoundedShapley:
    """The sampled Shapley value of a group's game, each coalition bounded (see the
    module's docstring). `program`: the group's MILP (its columns numbered as `links`,
    `owners` (columns × 2 firm positions), `baseline` and `grand_point`); `demand`: per
    link, a label of its demand stream (for the selection); v(N) = `grand_value`;
    `allowed`, `grand_bound`: the selected links and the LP bound of N's cost over every
    candidate, if known (`select_links`)."""
    began = time.perf_counter()
    n = int(owners.max()) + 1
    cost = program.cost
    baseline_cost = float(cost @ baseline)
    built_n = grand_point[links.build] > 0.5
    if allowed is None:
        allowed, grand_bound = select_links(program, links, demand, grand_point)
    top = baseline_cost - grand_bound  # v(S) ≤ v(N) ≤ this, for every S
    link_firms = _link_firms(links, owners)

    # the upper values' LP: over every candidate of the group (FULL_RELAXATION), else over
    # the selected links with the others priced at its duals (see the module's docstring)
    relaxed = np.ones(len(allowed), dtype=bool) if FULL_RELAXATION else allowed
    relax_program, relax_cols, relax_rows = relaxation_part(program, links, relaxed)
    relax = _Model(relax_program)
    relax_link = links.owner[relax_cols]  # per relaxation column: its link or −1
    design_cols = links.columns_of(allowed)
    touched = np.unique(program.a[:, design_cols].indices)  # rows of no column left: gone
    design = _Model(program.part(design_cols, touched))
    design_link = links.owner[design_cols]
    design_build = np.flatnonzero(program.integer[design_cols] & (design_link >= 0))
    build_link = design_link[design_build]
    # other integer columns of one firm (heat pumps) stay at the design's; those of two
    # (shared routes) follow the builds: a route is 1 where a link on it is built, 0 else
    one_firm = owners[design_cols, 0] == owners[design_cols, 1]
    design_int = np.flatnonzero(program.integer[design_cols] & (design_link < 0) & one_firm)
    # per firm: the columns it owns (fixed at its baseline when it leaves)
    firm_relax = _columns_of_firms(owners[relax_cols], n)
    firm_design = _columns_of_firms(owners[design_cols], n)
    unselected = np.flatnonzero(~relaxed)
    build_cost = cost[design_cols][design_build]

    orders, prefixes = games.sample_orders(n, samples, seed)
    lo: dict = {}
    hi: dict = {}
    grand = prefixes[0, -1]
    solves = 0
    for chain, order in zip(prefixes.tolist(), orders.tolist()):
        relax.set(np.arange(len(relax_cols)), relax_program.col_lower, relax_program.col_upper)
        design.set(np.arange(len(design_cols)), program.col_lower[design_cols],
                   program.col_upper[design_cols])
        built = built_n.copy()
        _fix_design(design, design_build, build_link, built, design_int, grand_point[design_cols])
        member = np.ones(n, dtype=bool)
        z, xr, y = relax.solve()
        cost_d, xd, _ = design.solve()
        rho = _reduced(y, program, links, relax_rows)
        hi_n = baseline_cost - _lower_cost(z, rho, unselected, link_firms, member)
        hi[grand] = min(hi.get(grand, np.inf), top, max(hi_n, grand_value))
        lo[grand] = grand_value
        for k in range(n - 2, -1, -1):
            leaving = order[k + 1]
            mask = chain[k]
            member[leaving] = False
            moved_r = _moved(xr, firm_relax[leaving], relax_program, baseline[relax_cols])
            relax.set(firm_relax[leaving], baseline[relax_cols][firm_relax[leaving]],
                      baseline[relax_cols][firm_relax[leaving]])
            dropped = built & (link_firms == leaving).any(axis=1)
            built &= ~dropped
            moved_d = dropped.any() or _moved(xd, firm_design[leaving], None,
                                              baseline[design_cols])
            design.set(firm_design[leaving], baseline[design_cols][firm_design[leaving]],
                       baseline[design_cols][firm_design[leaving]])
            if moved_r:
                z, xr, y = relax.solve()
                rho = _reduced(y, program, links, relax_rows)
            if mask in lo and mask in hi and not moved_r and not moved_d:
                continue
            bound = baseline_cost - _lower_cost(z, rho, unselected, link_firms, member)
            if moved_d:
                _fix_design(design, design_build, build_link, built, None, None)
                cost_d, xd, _ = design.solve()
            if moved_r:  # the relaxation's links among S's firms, added
                uses = np.zeros(len(built), dtype=bool)
                uses[relax_link[(relax_link >= 0) & (np.abs(xr) > ZERO)]] = True
                uses &= member[link_firms].all(axis=1) & ~built
                if uses.any():
                    trial = built | uses
                    _fix_design(design, design_build, build_link, trial, None, None)
                    tried = design.solve(required=False)
                    if tried is not None:
                        cost_t, xt, _ = tried
                        keep = trial & _flowing(xt, design_link, len(built))  # no flow: out
                        saved = float(build_cost @ (trial & ~keep)[build_link])
                        if cost_t - saved < cost_d - 1e-9 * max(1.0, abs(cost_d)):
                            built, cost_d = keep, cost_t - saved
                            xd = xt.copy()
                            xd[design_build[(trial & ~keep)[build_link]]] = 0.0
                    _fix_design(design, design_build, build_link, built, None, None)
            value = max(baseline_cost - cost_d, 0.0)
            lo[mask] = max(lo.get(mask, -np.inf), value)
            hi[mask] = min(hi.get(mask, np.inf), max(bound, value), hi[chain[k + 1]])
        solves = relax.solves + design.solves
    lo[0] = hi[0] = 0.0
    for chain in prefixes.tolist():  # v is monotone: a prefix is worth at least the one
        for k in range(1, n - 1):    # before it (N keeps the value given)
            lo[chain[k]] = max(lo[chain[k]], lo[chain[k - 1]])
            hi[chain[k]] = max(hi[chain[k]], lo[chain[k]])
    phi, err = games.shapley_of_orders(orders, prefixes, lo)
    width = {m: max(hi[m] - lo[m], 0.0) for m in lo}
    bound_i = games.orders_bound(orders, prefixes, width)
    return BoundedShapley(np.asarray(phi, float), np.asarray(err, float), bound_i, lo, hi,
                          len(lo) - 2, solves, max(width.values()), int(allowed.sum()),
                          len(allowed), time.perf_counter() - began)


def select_links(program: MatrixProgram, links: LinkColumns, demand: np.ndarray,
                 grand_point: np.ndarray) -> tuple[np.ndarray, float]:
    """The links of the relaxation (see the module's docstring), from the LP over every
    candidate of the group priced with its duals; and that LP's optimum, a lower bound of
    N's cost and so (v is monotone) of every coalition's."""
    pricing = price(program, links, np.ones(len(links.build), dtype=bool))
    if pricing is None:
        raise RuntimeError("the LP over every candidate of the group was not solved")
    return kept_near(pricing.reduced, (grand_point[links.build] > 0.5) | (pricing.flow > ZERO),
                 demand), pricing.bound


def _link_firms(links: LinkColumns, owners: np.ndarray) -> np.ndarray:
    """(links × 2) the firm positions of each link's two ends."""
    return owners[links.flow]


def _columns_of_firms(owners: np.ndarray, n: int) -> list[np.ndarray]:
    """Per firm, the columns it owns (either end)."""
    col = np.r_[np.arange(len(owners)), np.arange(len(owners))]
    firm = np.r_[owners[:, 0], owners[:, 1]]
    order = np.lexsort((col, firm))
    col, firm = col[order], firm[order]
    starts = np.searchsorted(firm, np.arange(n + 1))
    return [np.unique(col[starts[f]:starts[f + 1]]) for f in range(n)]


def _moved(x: np.ndarray, cols: np.ndarray, program, base: np.ndarray) -> bool:
    """Whether a firm's columns are off their baseline in the current point."""
    return bool(len(cols)) and bool(np.any(np.abs(x[cols] - base[cols])
                                           > ZERO * np.maximum(1.0, np.abs(base[cols]))))


def _flowing(x: np.ndarray, col_link: np.ndarray, n_links: int) -> np.ndarray:
    """Per link: some continuous column of it carries flow."""
    out = np.zeros(n_links, dtype=bool)
    out[col_link[(col_link >= 0) & (np.abs(x) > ZERO)]] = True
    return out


def _fix_design(model: _Model, build_cols, build_link, built, int_cols, values) -> None:
    """Builds fixed at the design (and other integer columns at `values`, once)."""
    on = built[build_link].astype(float)
    model.set(build_cols, on, on)
    if int_cols is not None and len(int_cols):
        fixed = np.round(values[int_cols])
        model.set(int_cols, fixed, fixed)


def _reduced(y: np.ndarray, program: MatrixProgram, links: LinkColumns,
             rows: np.ndarray) -> np.ndarray:
    """ρ per link of the group at the relaxation's duals (0 on the rows it does not hold)."""
    full = np.zeros(program.a.shape[0])
    full[rows] = y
    return reduced_costs(program, links, full)


def _lower_cost(z: float, rho: np.ndarray, unselected: np.ndarray, link_firms: np.ndarray,
                member: np.ndarray) -> float:
    """A lower bound of the coalition's cost: the relaxation's optimum plus what the links
    among its firms left out of it could at most save at its duals."""
    inside = unselected[member[link_firms[unselected]].all(axis=1)]
    return z + float(np.minimum(rho[inside], 0.0).sum())
