"""Which candidate links the stacked MILP of a time study takes, and a lower bound of the
whole stacked problem that says what the others may cost (docs/model.md, "Candidate
selection over states").

The stacked objective is Σ_s ω_s · (the one-year objective of state s's program), fixed and
capital costs included (a year's ω_s sum to its δ_t, which charges them once). Giving each
state its own copy of the design (dropping y_{t(s)} = b_s) is a relaxation, so with L_s the
one-year pricing bound of state s's program (`symbiosis.pricing`: the LP over every
candidate, build columns eliminated, by parts, on every core when large)

    L = Σ_s ω_s · L_s

is a lower bound of the stacked MILP. A design using a link l has b_{l,t} = 1 in some year t
its firms are present (with phases: from its build year), so in each state s of t it costs
at least ω_s · (L_s + max(ρ_{l,s}, 0)), ρ_{l,s} the link's reduced cost in s: the whole
design costs at least L + ρ_l, with

    ρ_l = min_t Σ_{s in t} ω_s · max(ρ_{l,s}, 0),

the reduced costs summed over a year's states, weighted. With B_R the MILP's bound on the
links it took, the bound of the whole stacked problem is min(B_R, L + min_{l left out} ρ_l),
the rule of one-year runs (`selection.Selection.bound`, reused). The MILP takes the links
some state's LP builds, decided links and each demand's NEAR_PER_DEMAND others of lowest
ρ_l: a link that pays in one period only is built by that period's LP and kept, where the
price of another state's program alone would drop it.

L lets each state pay only its share of a link's fixed cost against its own gain. When links
are left out, `price_stacked` tightens it: the stacked LP over the kept links, its duals
pricing every left-out link's columns over all states against the whole stacked matrix
(a Lagrangian bound L*, proved there), adding the links that price out until none does
(or the next LP would pass MAX_LINK_STATES);
the selection keeps the better of both bounds per link (`tightest`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..backends.basis import AT_LOWER, BASIC, Basis
from ..decisions import decided_kept
from ..decompose import solve_part
from ..formulation import formulate
from ..formulation.highs_model import MatrixProgram
from ..formulation.named_basis import NamedBasis
from ..network import CAPPED, Network, cap_detail, capped_out
from ..park import Park
from ..pricing import LinkColumns, price, relaxation_program, solve_by_parts
from ..selection import (PRUNE_FROM_LINKS, ROUNDING_THRESHOLDS, Selection,
                         cheapest_by_part, kept_near)
from ..solve import SolverOptions
from ..verify import verify_point
from .plan import TimePlan, state_park
from .state_network import state_network
from .stacking import BUILD_YEAR, Stacked, group_of, stack

LOG = logging.getLogger(__name__)
# the column generation stops once its bound is this close to the LP over the kept links
# (relative): at 1,000 firms and 4 periods the rounds after the second added 40–220 links
# each and moved the bound by less than 0.01 %, the LP's value not at all
CLOSE_TO_LP = 1e-3
# stacked LP parts from this many rows are solved by interior point (`pricing.solve_lp_part`):
# simplex slows on their many copies of each activation row faster than their size grows
# (seconds, simplex without presolve against interior point with crossover: 29,708 rows of a
# 4-period province 2.5 / 2.0; 43,420 rows of a 20-scenario one 15.6 / 5.0; 77,840 rows
# 33.3 / 9.5; 141,620 rows > 400 / 41), while at 17,212 rows simplex wins (0.4 / 0.9)
INTERIOR_FROM_ROWS = 25_000
# a round whose LP would hold more kept links × states than this is not run (the last
# round's bound stands; deterministic, unlike a time cap): at 1,000 firms and 20 scenarios
# round 1 (10,900 links × 20 states) took 2 minutes and left L* at 2.9 M against the LP's
# 245.9 M; round 2 (42,018 × 20 = 840,360) took 13 minutes and brought it within 0.04 %
MAX_LINK_STATES = 1_000_000
# the stacked MILP's start rounds the LP builds at each of these (`rounded_start`): one-year
# runs' 10⁻⁹ and ½, and ¼, which on the heat parts of a 5-scenario province (few binaries,
# a weak LP) gave designs 5–12 % cheaper than either (4.03 M against 4.57 M for the largest)
STACKED_ROUNDING_THRESHOLDS = (*ROUNDING_THRESHOLDS, 0.25)


@dataclass(frozen=True)
class Priced:
    """A selection, and each candidate's largest LP build over the states (None: not
    priced), what the MILP's start is rounded from; where the stacked LP over the kept
    links ended, where the LP bounds of the MILP's parts start (`decompose._lp_bound`)."""

    selection: Selection
    builds: np.ndarray | None = None
    basis: NamedBasis | None = None  # where the stacked LP over the kept links ended
    stacked_builds: np.ndarray | None = None  # per candidate: its build in that LP


def select_over_states(park: Park, candidates: Network, plan: TimePlan) -> Priced:
    """The links the stacked MILP takes. Networks below PRUNE_FROM_LINKS candidates with no
    cap are taken whole (the stacked MILP's own bound is then the bound); otherwise every
    state's program over every (uncapped) candidate is priced, as above."""
    from ..pipeline import every_candidate  # the pipeline is above the blocks it runs
    links = candidates.links
    cap = park.config.links.max_candidates_per_demand
    out = capped_out(links, cap, decided_kept(park, links)) if cap is not None \
        else np.zeros(len(links), dtype=bool)
    whole = every_candidate(park, candidates)
    if not out.any() and len(links) < PRUNE_FROM_LINKS:
        return Priced(whole)
    began = time.perf_counter()
    priced = price_states(park, candidates, plan)
    if priced is None:  # an LP was not solved: every allowed candidate, unpriced
        return Priced(whole)
    bound, rho, builds = priced
    posed = candidates.restrict(~out, CAPPED, cap_detail(cap)) if out.any() else candidates
    always = (builds > 1e-9) | candidates.facility_arcs | decided_kept(park, links)
    kept = ~out if out.any() else kept_near(rho, always, pd.factorize(links.to_stream)[0])
    basis = stacked_builds = None
    if not out.any() and not kept.all():
        stacked = price_stacked(park, candidates, plan, kept)
        if stacked is not None:
            bound, rho, kept = tightest(bound, rho, stacked)
            basis, stacked_builds = stacked.basis, stacked.builds
    selection = Selection(network=posed if out.any() else candidates.restrict(kept),
                          posed=posed, candidates=candidates, capped=int(out.sum()),
                          lp_bound=bound, reduced=rho, kept=kept, builds=builds,
                          seconds=time.perf_counter() - began)
    return Priced(selection, builds, basis, stacked_builds)


def tightest(bound: float, reduced: np.ndarray, stacked: StackedPricing
             ) -> tuple[float, np.ndarray, np.ndarray]:
    """Both bounds in one pair (L, ρ): L = max(L_old, L*), and per link the larger of the
    two bounds of a design using it, L + max(ρ_l, 0) each, less L; the links the stacked
    column generation kept."""
    best = max(bound, stacked.bound)
    per_link = np.maximum(bound + np.maximum(reduced, 0.0),
                          stacked.bound + np.maximum(stacked.reduced, 0.0))
    return best, per_link - best, stacked.kept


def price_states(park: Park, candidates: Network, plan: TimePlan
                 ) -> tuple[float, np.ndarray, np.ndarray] | None:
    """L, each link's ρ_l (module docstring) and its largest LP build b = x/u over the
    states; None if a state's LP is not solved to optimality."""
    links = candidates.links
    states = plan.states
    years = list(plan.years)
    summed = np.zeros((len(years), len(links)))
    builds = np.zeros(len(links))
    bound = 0.0
    everything = np.ones(len(links), dtype=bool)
    for state in states.index:
        at = state_park(park, plan, state)
        lp = formulate(at, state_network(candidates, at), "cost")
        columns = LinkColumns.of(lp)
        program = relaxation_program(lp, columns)
        del lp
        pricing = price(program, columns, everything)
        del program
        if pricing is None:
            return None
        omega = float(states.omega[state])
        bound += omega * pricing.bound
        k = years.index(states.year[state]) if plan.phased else 0
        summed[k] += omega * np.maximum(pricing.reduced, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            builds = np.maximum(builds, np.where(columns.capacity > 0,
                                                 pricing.flow / columns.capacity, 0.0))
    if plan.phased:  # a year whose firms are not both there cannot hold the link
        for k, year in enumerate(years):
            present = plan.present[year]
            there = present.reindex(links.from_firm).fillna(True).to_numpy(bool) & \
                present.reindex(links.to_firm).fillna(True).to_numpy(bool)
            summed[k, ~there] = np.inf
    return bound, summed.min(axis=0), builds


def rounded_start(priced: Priced, stacked: Stacked) -> np.ndarray:
    """The MILP's start: on each independent part (they mix freely, as in
    `selection.start_point`), the cheapest of the no-links point and the LP builds rounded: each link built whose LP
    build reaches each of STACKED_ROUNDING_THRESHOLDS, then every other
    integer column (routes, heat pumps) on where the LP with those links needs it,
    operations re-optimised. Two sets of builds are rounded: the stacked LP's over the kept
    links (its design is the one shared by every state) and each link's largest over the
    states' own LPs. Without phases only (with phases the build years would need rounding
    too)."""
    best = stacked.start()
    if priced.builds is None or stacked.plan.phased:
        return best
    lp = stacked.lp
    program = MatrixProgram.of(lp)
    build = lp.variables[f"build@{group_of(None)}"]
    links = priced.selection.candidates.links.index
    integer = np.flatnonzero(program.integer)
    others = np.setdiff1d(integer, build.columns)
    points, tried = [best], set()
    for builds in (priced.stacked_builds, priced.builds):
        if builds is None:
            continue
        of_link = pd.Series(builds, index=links).reindex(build.index).to_numpy()
        for threshold in STACKED_ROUNDING_THRESHOLDS:
            on = (of_link >= threshold).astype(float)
            if on.tobytes() in tried:  # the same design from the other builds: same point
                continue
            tried.add(on.tobytes())
            x = _rounded_builds(lp, program, build.columns, others, on)
            if x is not None:
                points.append(x)
    mixed = cheapest_by_part(program, points)
    return mixed if verify_point(lp, mixed).ok else min(points, key=lp.objective_value)


def _rounded_builds(lp, program: MatrixProgram, build: np.ndarray, others: np.ndarray,
                    on: np.ndarray) -> np.ndarray | None:
    """The stacked program with the links `on` built and the rest not; its other integer
    columns on where the LP so fixed uses them; operations re-optimised. None if an LP is
    not solved or the point breaks a row."""
    fixed = program.with_bounds(build, on, on)
    first = _lp_values(fixed)
    if first is None:
        return None
    need = np.where(first[others] > 1e-9, np.ceil(first[others] - 1e-9), 0.0)
    second = _lp_values(fixed.with_bounds(others, need, need))
    if second is None:
        return None
    x = np.where(np.abs(second) <= 1e-9, 0.0, second)
    x[build], x[others] = on, need
    return x if verify_point(lp, x).ok else None


def _lp_values(program: MatrixProgram) -> np.ndarray | None:
    """The program's values with integrality dropped (one HiGHS run, as
    `selection._round`), None if not solved."""
    relaxed = MatrixProgram(program.a, program.row_lower, program.row_upper,
                            program.col_lower, program.col_upper, program.cost,
                            program.offset, np.zeros_like(program.integer))
    solution = solve_part(relaxed, SolverOptions())
    return solution.values if solution.status.has_solution else None


@dataclass(frozen=True)
class StackedPricing:
    """The stacked LP over the kept links, priced over every candidate (`price_stacked`)."""

    bound: float  # L*: a lower bound of the whole stacked MILP
    lp_value: float  # z_R, the stacked LP's optimum over the kept links
    reduced: np.ndarray  # ρ*_l per link: a design using l costs at least L* + max(ρ*_l, 0)
    kept: np.ndarray  # the links the last LP was given
    rounds: int
    basis: NamedBasis | None = None  # where the last LP ended, by column and row names
    builds: np.ndarray | None = None  # per link: its largest build b/u_b in the last LP


def _builds(values: np.ndarray, columns: np.ndarray, is_build: np.ndarray,
            owner: np.ndarray, upper: np.ndarray, n_links: int) -> np.ndarray:
    """Per link, the largest of its build columns' values in the LP over `columns` (its
    values), as a share of the column's upper bound (0 for links not in it)."""
    at = np.flatnonzero(is_build[columns] & (owner[columns] >= 0) & (upper[columns] > 0))
    builds = np.zeros(n_links)
    np.maximum.at(builds, owner[columns[at]], values[at] / upper[columns[at]])
    return builds


def _named(lp, columns: np.ndarray, rows: np.ndarray, basis: Basis) -> NamedBasis:
    """The last LP's basis by the stacked program's names: its columns and rows keep
    theirs, the left-out links' columns are at their lower bound and the rows it did not
    have are basic, as in the MILP over the kept links they are absent or empty."""
    whole = Basis(np.full(lp.n_columns, AT_LOWER, np.int8), np.full(lp.n_rows, BASIC, np.int8))
    whole.columns[columns], whole.rows[rows] = basis.columns, basis.rows
    return NamedBasis.of(lp, whole)


def link_owner(lp, links: pd.Index) -> np.ndarray:
    """Per stacked column, the candidate link it belongs to (every state's and year's copy,
    build-year columns too), or −1."""
    owner = np.full(lp.n_columns, -1, dtype=np.int64)
    for block in lp.variables.values():
        if block.index.names[0] in ("link", links.name):  # heat blocks: (link, interval)
            owner[block.columns] = links.get_indexer(block.index.get_level_values(0))
    return owner


def price_stacked(park: Park, candidates: Network, plan: TimePlan, kept: np.ndarray,
                  rounds: int = 10) -> StackedPricing | None:
    """Column generation on the stacked LP relaxation over every candidate: solve it over
    the kept links, price every left-out link's columns (every state's, every year's)
    against the whole stacked matrix with its duals, add the links that price out (ρ* < 0)
    and re-solve, at most `rounds` times, until the bound is within CLOSE_TO_LP of the
    LP's value, or until the next round's LP would exceed MAX_LINK_STATES (kept links times
    states; the first round is always run); None if an LP is not solved.

    Validity (docs/model.md, "Candidate selection over states"). Let P be the stacked
    program over every candidate, min cᵀx s.t. r_lo ≤ Ax ≤ r_up, x in its box, and y the
    optimal duals of its LP over the kept links (y = 0 on rows only left-out columns
    touch). Dualise every row of P but the left-out links' activation rows
    x_{l,s,·} − k·b_{l,g} ≤ 0 (one flow, one build column): for any y of the duals' signs
    the Lagrangian min over the rest of cᵀx − yᵀ(Ax − r) is ≤ the LP of P ≤ the MILP. At
    the restricted optimum its value on the kept columns is z_R (complementary slackness),
    and each left-out link separates into one small problem per build copy g,
    min over b ∈ [0, 1], 0 ≤ x ≤ k·b of d_b b + Σ d_x x = min(0, ρ_{l,g}) with d = c − Aᵀy,

        ρ_{l,g} = d_{b,g} + Σ_{flows x activated by g} k · min(0, d_x),

    A link with other columns (a heat link's cascade, unbounded; build years) keeps the
    rows only its columns touch in its problem: one LP for all of them (`_inner`), value
    v_l ≤ 0 per link. Hence L* = z_R + Σ_{l left out} (Σ_g u_b·min(0, ρ_{l,g}) or v_l) is
    a valid bound (a copy with bounds [0, u_b] adds u_b · min(0, ρ_{l,g})). Without phases
    a link has one build copy for all states: its fixed cost is charged against the gains
    of every season at once, not each season's share alone as in L = Σ_s ω_s L_s. A design
    using l has some b_{l,g} = 1, so its term is then ρ_{l,g} instead of min(0, ρ_{l,g}):
    it costs at least L* + max(ρ*_l, 0), ρ*_l = min_g ρ_{l,g} over its copies that may be
    built (v_l for the others)."""
    links = candidates.links
    lp = stack(park, candidates, plan).lp
    program = MatrixProgram.of(lp)
    owner = link_owner(lp, links.index)
    a = program.a.tocsc()
    n_rows, n_cols = a.shape
    is_build = np.zeros(n_cols, dtype=bool)
    for name, block in lp.variables.items():
        if name.split("@")[0] == "build" and not name.endswith(BUILD_YEAR):
            is_build[block.columns] = True
    act_row, act_flow, act_build, act_k = _activation(a, program, is_build, owner)
    activated = np.zeros(n_cols, dtype=bool)
    activated[act_flow] = True
    other = (owner >= 0) & ~is_build & ~activated  # heat cascades, build years
    own_rows = np.bincount(owner[other], minlength=len(links)) > 0  # priced by an LP
    needed = (program.row_lower > 0) | (program.row_upper < 0)
    kept = kept.copy()
    for r in range(1, rounds + 1):
        columns = np.flatnonzero((owner < 0) | kept[np.maximum(owner, 0)])
        sub_a = a[:, columns]
        used = np.bincount(sub_a.indices, minlength=n_rows) > 0
        rows = np.flatnonzero(used | needed)
        sub = program.part(columns, rows)
        sub = MatrixProgram(sub.a, sub.row_lower, sub.row_upper, sub.col_lower,
                            sub.col_upper, sub.cost, program.offset,
                            np.zeros(len(columns), dtype=bool))
        solved = solve_by_parts(sub, interior_from_rows=INTERIOR_FROM_ROWS)
        if solved is None:
            return None
        z, _, y_sub, sub_basis = solved
        y = np.zeros(n_rows)
        y[rows] = y_sub
        d = program.cost - a.T @ y
        rho_build = d.copy()  # per build column: ρ_{l,g}
        np.add.at(rho_build, act_build, act_k * np.minimum(0.0, d[act_flow]))
        out_col = (owner >= 0) & ~kept[np.maximum(owner, 0)]
        simple = out_col & ~own_rows[np.maximum(owner, 0)]
        upper = np.where(is_build, program.col_upper, 0.0)  # b in [0, u_b]
        term = np.where(is_build & simple, upper * np.minimum(0.0, rho_build), 0.0)
        reduced = np.full(len(links), np.inf)
        b = np.flatnonzero(is_build & (program.col_upper > 0) & (owner >= 0))
        np.minimum.at(reduced, owner[b], rho_build[b])
        inner = _inner(a, program, d, out_col & ~simple, owner, len(links))
        if inner is None:
            return None
        value, per_link, complex_out = inner
        reduced[complex_out] = per_link[complex_out]  # ≤ min(0, ρ_l): valid, weaker
        bound = z + float(term.sum()) + value
        add = ~kept & (reduced < -1e-7 * max(1.0, abs(z)))
        LOG.info("stacked LP round %d over %d of %d links: z = %.9g, bound = %.9g, "
                 "%d price out", r, kept.sum(), len(kept), z, bound, add.sum())
        too_large = (kept | add).sum() * len(plan.states) > MAX_LINK_STATES
        if not add.any() or r == rounds or too_large or \
                z - bound <= CLOSE_TO_LP * max(1.0, abs(z)):
            return StackedPricing(bound, z, reduced, kept, r,
                                  _named(lp, columns, rows, sub_basis),
                                  _builds(solved.values, columns, is_build, owner,
                                          program.col_upper, len(links)))
        kept |= add
    raise AssertionError("unreachable")


def _inner(a, program: MatrixProgram, d: np.ndarray, columns: np.ndarray, owner: np.ndarray,
           n_links: int) -> tuple[float, np.ndarray, np.ndarray] | None:
    """The Lagrangian's part over the left-out links with columns besides a flow and a
    build (heat links: their cascade; build years): min dᵀx over their columns, subject
    to the rows only their columns touch (activation, cascade, totals; the others are
    dualised), in their boxes. One LP; separable by link, so its value per link is each
    link's term. Its value, per link, and which links it covers; None if not solved."""
    from ..pricing import solve_lp_part
    cols = np.flatnonzero(columns)
    covered = np.zeros(n_links, dtype=bool)
    if not len(cols):
        return 0.0, np.zeros(n_links), covered
    covered[owner[cols]] = True
    csr = a.tocsr()
    inside = np.zeros(a.shape[1])
    inside[cols] = 1.0
    touched = np.bincount(_row_of_entries(csr), weights=inside[csr.indices],
                          minlength=a.shape[0])
    rows = np.flatnonzero((touched > 0) & (touched == np.diff(csr.indptr)))
    sub = MatrixProgram(a[:, cols][rows, :].tocsc(), program.row_lower[rows],
                        program.row_upper[rows], program.col_lower[cols],
                        program.col_upper[cols], d[cols], 0.0, np.zeros(len(cols), dtype=bool))
    answer = solve_lp_part(sub)
    if answer is None:
        return None
    x, _, value, _ = answer
    per_link = np.bincount(owner[cols], weights=d[cols] * x, minlength=n_links)
    return float(value), np.minimum(per_link, 0.0), covered


def _activation(a, program: MatrixProgram, is_build: np.ndarray, owner: np.ndarray):
    """The activation rows x − k·b ≤ 0 (one build column b, one other column x of the same
    link, k > 0): their rows, flow and build columns and k."""
    csr = a.tocsr()
    count = np.diff(csr.indptr)
    builds = np.bincount(_row_of_entries(csr), weights=is_build[csr.indices],
                         minlength=a.shape[0])
    candidate = (count == 2) & (builds == 1) & (program.row_upper == 0) & \
        ~np.isfinite(program.row_lower)
    rows = np.flatnonzero(candidate)
    start = csr.indptr[rows]
    c0, c1 = csr.indices[start], csr.indices[start + 1]
    v0, v1 = csr.data[start], csr.data[start + 1]
    first_is_build = is_build[c0]
    bcol = np.where(first_is_build, c0, c1)
    fcol = np.where(first_is_build, c1, c0)
    bval = np.where(first_is_build, v0, v1)
    fval = np.where(first_is_build, v1, v0)
    ok = (fval > 0) & (bval < 0) & (owner[bcol] == owner[fcol]) & (owner[fcol] >= 0) & \
        (program.col_lower[fcol] == 0) & (program.col_lower[bcol] == 0) & \
        np.isfinite(program.col_upper[bcol])
    # a flow in more than one activation row is priced by its box instead
    once = np.bincount(fcol[ok], minlength=a.shape[1])[fcol] == 1
    ok &= once
    return rows[ok], fcol[ok], bcol[ok], -bval[ok] / fval[ok]


def _row_of_entries(csr) -> np.ndarray:
    """The row of each stored entry of a CSR matrix, explicit zeros too (a state where a link
    can carry nothing has a 0 in its activation row; `nonzero()` would skip it)."""
    return np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
