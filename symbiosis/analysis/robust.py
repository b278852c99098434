"""The N-1 robust design: the links whose worst single partner exit keeps the most savings.

`robust_design(lp, park, network, result, options)` (called by `resilience` when the
scenario says `resilience: n_minus_1`; docs/model.md, "The N-1 robust design") solves

    max_b  W(b) + ω·S(b),   W(b) = min( S(b), min_f S_f(b) )

over designs b (the build columns), with S(b) the savings of b as planned and S_f(b) the
savings kept when firm f leaves and the design stays (resilience's `savings_kept`: f's
columns at their no-links value, the other builds at b, flows re-optimised). ω = TIE_BREAK
prefers, among designs of (nearly) the same worst exit, the one that saves most as planned.

By scenario generation (a cutting-plane method on the exits): a master MILP holds one copy of
the flow columns per exit in a working set C (and one for the design as planned), all sharing
the build columns, and a column t ≤ the savings of every copy; it maximises t + ω·S. Its
bound is an upper bound of the problem (fewer exits can only be kinder); its design, tried
against every exit (the kept-design LPs of `resilience.exit_rows`), is a lower bound. The
worst exit not yet in C joins it, until the two meet within the MIP gap (exact: `exact`) or
MAX_ROUNDS have run (then the best design found, with the gap to the bound). Standby links
(built, idle as planned, used when a partner leaves) are allowed: they are part of a design.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..formulation.highs_model import MatrixProgram
from ..formulation.program import LinearProgram
from ..network import Network
from ..park import Park
from ..results import Result, baseline_point
from ..solve import SolverOptions, relative_gap, solve
from .exits import kept_points
from .sharing import design_point

TIE_BREAK = 1e-4  # ω: the design's savings as planned weigh this much beside its worst exit
MAX_ROUNDS = 12  # exits added to the master at most
ROBUST_LINK_COLUMNS = ["link_id", "from_firm", "to_firm", "from_stream", "to_stream", "flow",
                       "standby", "fixed_cost", "annualised_capex"]


@dataclass
class RobustDesign:
    """`x`: the design's point as planned (program columns of `lp`); `links`: its built
    links (robust_links.csv); `kpis`: the `robust` entry of the resilience KPIs."""

    x: np.ndarray
    links: pd.DataFrame
    kpis: dict


def robust_design(lp: LinearProgram, park: Park, network: Network, result: Result,
                  options: SolverOptions) -> RobustDesign:
    """See the module's docstring. `result`: the cost optimum on `network`, the first
    design tried (and the answer if nothing beats its worst exit)."""
    began = time.perf_counter()
    program = MatrixProgram.of(lp)
    x0 = baseline_point(lp, park)
    c0 = lp.cost(x0)
    integer = np.flatnonzero(program.integer)
    owner_cols = _columns_of_firms(lp, park.firms.index)
    can_leave = [f for f, cols in owner_cols.items() if program.integer[cols].any()]

    def worst_of(x: np.ndarray) -> tuple[float, float, str | None, dict]:
        """S(b), W(b), the worst exit and every exit's kept savings, for x's design."""
        built = set(integer[x[integer] > 0.5])
        touched = [f for f in can_leave if built.intersection(owner_cols[f])]
        kept = kept_points(program, x0, x, [owner_cols[f] for f in touched])
        exits = {f: c0 - lp.cost(p) for f, p in zip(touched, kept)}
        planned = c0 - lp.cost(x)
        worst = min([planned, *exits.values()])
        firm = min(exits, key=lambda f: (exits[f], f)) if exits and \
            min(exits.values()) < planned else None
        return planned, worst, firm, exits

    x_star = design_point(lp, result)
    planned_star, worst_star, firm, exits_star = worst_of(x_star)
    best = (worst_star + TIE_BREAK * planned_star, x_star, planned_star, worst_star)
    scenarios: list[str] = []
    bound, rounds, gap = np.inf, 0, 0.0 if options.mip_gap is None else options.mip_gap
    gap = max(gap, 1e-9)
    starts = {f: p for f, p in zip(exits_star, kept_points(
        program, x0, x_star, [owner_cols[f] for f in exits_star]))}
    while firm is not None and firm not in scenarios and rounds < MAX_ROUNDS:
        # the worst exit of the last design tried joins the master
        scenarios.append(firm)
        rounds += 1
        master, start = _master(program, x0, c0, owner_cols, scenarios, best[1], starts)
        solved = solve(master, options, fallback=start)
        if not solved.status.has_solution:
            break
        n = program.a.shape[1]
        if solved.bound is not None:
            bound = min(bound, -solved.bound)
        x = np.where(np.abs(solved.values[:n]) <= 1e-9, 0.0, solved.values[:n])
        x = _replanned(program, x, integer)  # the flows as planned for this design
        planned, worst, firm, exits = worst_of(x)
        value = worst + TIE_BREAK * planned
        if value > best[0]:
            best = (value, x, planned, worst)
        starts.update(zip(exits, kept_points(program, x0, x, [owner_cols[f] for f in exits])))
        if relative_gap(-best[0], -bound) is not None and \
                relative_gap(-best[0], -bound) <= gap:
            break
    value, x, planned, worst = best
    converged = firm is None or firm in scenarios or (
        np.isfinite(bound) and relative_gap(-value, -bound) <= gap)
    if not np.isfinite(bound):  # the cost optimum's worst exit is the design as planned
        bound = value
    links = robust_links(lp, network, x)
    kpis = {"design": "n_minus_1", "worst_exit_savings": worst, "savings": planned,
            "bound": float(bound) / (1 + TIE_BREAK),
            "objective": value, "objective_bound": float(bound),
            "gap": relative_gap(-value, -bound), "exact": bool(converged),
            "rounds": rounds, "exits_in_master": scenarios, "tie_break": TIE_BREAK,
            "links_built": int(len(links)), "standby_links": int(links.standby.sum()),
            "cost_optimum_savings": planned_star,
            "cost_optimum_worst_exit_savings": worst_star,
            "cost_of_robustness": planned_star - planned,
            "worst_exit_gain": worst - worst_star,
            "seconds": time.perf_counter() - began}
    return RobustDesign(x, links, kpis)


def _columns_of_firms(lp: LinearProgram, firms: pd.Index) -> dict[str, np.ndarray]:
    """Each firm's columns (either of a column's two firms), sorted, grouped in one pass."""
    first, second = lp.column_firms()
    n = len(first)
    owner = np.r_[firms.get_indexer(first), firms.get_indexer(second)].astype(np.int64)
    column = np.r_[np.arange(n), np.arange(n)]
    listed = owner >= 0
    key = np.unique(owner[listed] * n + column[listed])  # a column of one firm: once
    who, cols = key // n, key % n
    bounds = np.searchsorted(who, np.arange(len(firms) + 1))
    return {f: cols[bounds[i]:bounds[i + 1]] for i, f in enumerate(firms)}


def _master(program: MatrixProgram, x0: np.ndarray, c0: float, owner_cols: dict,
            scenarios: list[str], incumbent: np.ndarray, starts: dict
            ) -> tuple[MatrixProgram, np.ndarray]:
    """The master MILP: copy 0 is the design as planned (its build columns are b), copy j
    the park without scenarios[j-1] (its builds = b except the leaver's, at no links); t
    (last column) ≤ the savings of every copy; min −t − ω·(savings as planned)."""
    a, n = program.a.tocsc(), program.a.shape[1]
    m = a.shape[0]
    integer = np.flatnonzero(program.integer)
    copies = len(scenarios) + 1
    blocks = sp.block_diag([a] * copies, format="csc")
    col_lower = np.tile(program.col_lower, copies)
    col_upper = np.tile(program.col_upper, copies)
    link_rows, starts_x = [], [incumbent]
    for j, firm in enumerate(scenarios, start=1):
        own = owner_cols[firm]
        col_lower[j * n + own] = x0[own]
        col_upper[j * n + own] = x0[own]
        shared = np.setdiff1d(integer, own)
        link_rows.append(sp.csr_matrix(
            (np.r_[np.ones(len(shared)), -np.ones(len(shared))],
             (np.r_[np.arange(len(shared)), np.arange(len(shared))],
              np.r_[j * n + shared, shared])), shape=(len(shared), copies * n + 1)))
        starts_x.append(starts[firm])
    cost = program.cost
    # t + c·z_j ≤ c0 − offset, one row per copy
    t_rows = sp.csr_matrix(
        (np.r_[np.tile(cost, copies), np.ones(copies)],
         (np.r_[np.repeat(np.arange(copies), n), np.arange(copies)],
          np.r_[np.arange(copies * n), np.full(copies, copies * n)])),
        shape=(copies, copies * n + 1))
    a_all = sp.vstack([sp.hstack([blocks, sp.csc_matrix((copies * m, 1))]), *link_rows,
                       t_rows]).tocsc()
    shared_rows = sum(r.shape[0] for r in link_rows)
    row_lower = np.r_[np.tile(program.row_lower, copies), np.zeros(shared_rows),
                      np.full(copies, -np.inf)]
    row_upper = np.r_[np.tile(program.row_upper, copies), np.zeros(shared_rows),
                      np.full(copies, c0 - program.offset)]
    objective = np.zeros(copies * n + 1)
    objective[:n] = TIE_BREAK * cost  # −ω·S = ω·(c·z_0 + offset − c0)
    objective[-1] = -1.0
    offset = TIE_BREAK * (program.offset - c0)
    integrality = np.r_[np.tile(program.integer, copies), False]
    master = MatrixProgram(a_all, row_lower, row_upper, np.r_[col_lower, -np.inf],
                           np.r_[col_upper, np.inf], objective, offset, integrality)
    savings = [c0 - (cost @ z + program.offset) for z in starts_x]
    start = np.r_[np.concatenate(starts_x), min(savings)]
    return master, start


def _replanned(program: MatrixProgram, x: np.ndarray, integer: np.ndarray) -> np.ndarray:
    """The cheapest flows for x's design (its builds fixed): the master's copy 0 need not be
    cheapest once t binds elsewhere."""
    fixed = program.with_bounds(integer, x[integer], x[integer])
    s = solve(replace(fixed, integer=np.zeros(len(fixed.integer), bool)),
              SolverOptions(name="highspy"))
    return np.where(np.abs(s.values) <= 1e-9, 0.0, s.values) if s.status.has_solution else x


def robust_links(lp: LinearProgram, network: Network, x: np.ndarray) -> pd.DataFrame:
    """The design's built links: flow as planned, and `standby` where it carries none."""
    build = lp.variables["build"].values(x)
    flow = lp.variables["flow"].values(x)
    on = build.index[build.to_numpy() > 0.5]
    links = network.links.loc[on]
    table = pd.DataFrame({"link_id": on, "from_firm": links.from_firm.to_numpy(),
                          "to_firm": links.to_firm.to_numpy(),
                          "from_stream": links.from_stream.to_numpy(),
                          "to_stream": links.to_stream.to_numpy(),
                          "flow": flow.reindex(on).to_numpy(),
                          "fixed_cost": links.fixed_cost.to_numpy(),
                          "annualised_capex": links.annualised_capex.to_numpy()})
    table["standby"] = table.flow <= 1e-9
    return table[ROBUST_LINK_COLUMNS].sort_values("link_id").reset_index(drop=True)
