"""Benefit sharing: who gains, who pays, and the transfer prices that leave no firm worse off.

`share(result_or_park, rule=...)` takes an optimum (or a park, a scenario or model path, which
it optimises) and returns `Shares`: per firm its standalone cost, its cost before transfers
(firm accounts, LinearProgram.account_matrix: purchases and disposals to their firm, every
link term to the link's receiver), the payments over built links, its gain, and its Shapley,
nucleolus and least-core gains (analysis/cooperative.py). docs/format.md ("symbiosis share")
documents the files, docs/model.md ("Firm accounts", "Transfers and the cost of fairness") the
rules:

- `individually_rational` (default): payments within price bounds (formulation/transfers.py)
  with every gain ≥ 0, as close as they can be to the equal split of each link's surplus (an
  LP on the fixed design); where none exists, the MILP with the transfer block finds the best
  design that can be shared, and the cost of fairness is the savings lost.
- `equal_surplus`: each built link's surplus split equally between its two firms.
- `proportional`: within each set of firms joined by built links, the savings split in
  proportion to standalone cost.
- `core`: payments that reach, per connected group, the least-core allocation nearest the
  nucleolus (or the Shapley value) among those payments over built links can reach: in the
  core when one is reachable; else the least-core ε says by how much some coalition would
  gain by leaving (cooperative.allocate, games.core_allocation).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from ..formulation import Transfers, formulate
from ..formulation.highs_model import MatrixProgram
from ..formulation.program import LinearProgram
from ..formulation.facility_accounts import facility_ids, firm_costs
from ..formulation.transfers import between_firms, price_bounds
from ..park import Park
from ..results import Result, baseline_point, extract
from ..schema import ShareRule
from ..solve import SolverOptions, solve
from . import cooperative

Rule = ShareRule
RULES: tuple[str, ...] = get_args(ShareRule)
SHARE_COLUMNS = ["firm_id", "baseline_cost", "standalone_cost", "cost_before_transfers",
                 "transfers_in", "transfers_out", "cost_after_transfers", "gain",
                 "shapley_gain", "rule"]  # docs/format.md, "`symbiosis share`", in this order
SHARE_EXTRA_COLUMNS = ["shapley_stderr", "shapley_bound", "nucleolus_gain", "least_core_gain",
                       "group", "name"]
LINK_TRANSFER_COLUMNS = ["transfer_price", "transfer_payment"]
COALITION_GAP = 1e-7  # relative MIP gap of each coalition's solve: v(S) is an optimum


@dataclass
class Shares:
    """The tables of `share`: `shares` (shares.csv), `links` (the built links with their
    transfer price and payment), `groups` (the core check per connected group),
    `blocking` (coalitions that would gain by leaving), `kpis` (the `sharing` key of kpis.json)
    and `result`, the optimum shared (with the two tables above in it, ready to write)."""

    shares: pd.DataFrame
    links: pd.DataFrame
    groups: pd.DataFrame
    blocking: pd.DataFrame
    kpis: dict
    result: Result

    def to_folder(self, out: str | Path) -> Path:
        from ..results import write_folder_with
        return write_folder_with(self.result, out, "shares.csv", self.shares)


def share(subject: Result | Park | str | Path, rule: Rule = "individually_rational",
          samples: int = cooperative.DEFAULT_SAMPLES, seed: int = 0, gate_fees: bool = True,
          solver: SolverOptions | None = None) -> Shares:
    """Share the savings of an optimum among its firms (see the module's docstring)."""
    from ..errors import InputError, Problem
    if rule not in RULES:
        raise InputError(Problem("--rule", f"unknown rule {rule!r}: one of {', '.join(RULES)}"))
    if samples < cooperative.MIN_SAMPLES:
        raise InputError(Problem("--samples", f"at least {cooperative.MIN_SAMPLES} orders (two "
                                              "antithetic pairs, for a standard error)"))
    began = time.perf_counter()
    result = _optimum(subject, solver)
    require_cost_optimum(result, "there is nothing to share",
                         "benefit sharing shares cost savings")
    park, network = result.park, result.network
    options = SolverOptions(name="highspy", mip_gap=COALITION_GAP)
    lp = formulate(park, network)
    firms = park.firms.index
    x0 = baseline_point(lp, park)
    accounts = Accounts(lp, firms)
    standalone = pd.Series(accounts(x0), index=firms)
    x = optimum_x = design_point(lp, result)
    unconstrained = float(lp.cost(x0) - lp.cost(x))
    coop = None
    if rule == "core":  # the game first: its core allocation sets the payments
        before_gain = standalone - accounts(x)
        coop = cooperative.allocate(lp, firms, x0, optimum_x, before_gain, options, samples,
                                    seed, core=built_sets(lp, network, x, firms),
                                    network=network)
        payments, feasible = _payments(lp, network, x, standalone, accounts, rule, gate_fees,
                                       coop.firms.core_gain)
    else:
        payments, feasible = _payments(lp, network, x, standalone, accounts, rule, gate_fees)
    design = "optimum"
    if rule == "individually_rational" and not feasible:
        result = _fair_optimum(park, network, lp, x0, standalone, gate_fees, result)
        x = design_point(lp, result)
        payments, feasible = _payments(lp, network, x, standalone, accounts, rule, gate_fees)
        design = "individually_rational_optimum"
    savings = float(lp.cost(x0) - lp.cost(x))
    before = pd.Series(accounts(x), index=firms)
    t_in = payments.groupby(network.links.from_firm.reindex(payments.index)).sum()
    t_out = payments.groupby(network.links.to_firm.reindex(payments.index)).sum()
    table = pd.DataFrame({"firm_id": firms,
                          "baseline_cost": result.firms.baseline_cost.reindex(firms).to_numpy(),
                          "standalone_cost": standalone.to_numpy(),
                          "cost_before_transfers": before.to_numpy(),
                          "transfers_in": t_in.reindex(firms, fill_value=0.0).to_numpy(),
                          "transfers_out": t_out.reindex(firms, fill_value=0.0).to_numpy()})
    table["cost_after_transfers"] = (table.cost_before_transfers - table.transfers_in
                                     + table.transfers_out)
    table["gain"] = table.standalone_cost - table.cost_after_transfers
    gains = pd.Series(table.gain.to_numpy(), index=firms)
    # the game's v(N) is the optimum's savings (docs/format.md), even where fairness costs some
    if coop is None:
        coop = cooperative.allocate(lp, firms, x0, optimum_x, gains, options, samples, seed,
                                    network=network)
    table["shapley_gain"] = coop.firms.shapley_gain.reindex(firms).to_numpy()
    table["rule"] = rule
    for column in ("shapley_stderr", "shapley_bound", "nucleolus_gain", "least_core_gain",
                   "group"):
        table[column] = coop.firms[column].reindex(firms).to_numpy()
    table["name"] = park.firms["name"].reindex(firms).to_numpy()
    table = table[SHARE_COLUMNS + SHARE_EXTRA_COLUMNS]
    numbers = table.select_dtypes("number").columns
    table[numbers] = table[numbers] + 0.0  # no -0 in the file

    links = _with_transfers(result.links, payments)
    result = replace(result, links=links)
    tol = 1e-6 * max(1.0, abs(savings))
    sampled = coop.groups[coop.groups.shapley.str.startswith(("sampled", "bounded"))] \
        if len(coop.groups) else coop.groups
    skipped = coop.groups[coop.groups.shapley.str.startswith("not computed")] \
        if len(coop.groups) else coop.groups
    kpis = {
        "rule": rule,
        "gate_fees": gate_fees,
        "design": design,
        "savings": savings,
        "unconstrained_savings": unconstrained,
        "cost_of_fairness": unconstrained - savings if rule == "individually_rational" else None,
        "individually_rational": bool(feasible) if rule == "individually_rational"
        else bool((table.gain >= -tol).all()),
        "min_gain": float(table.gain.min()),
        "firms_losing": int((table.gain < -tol).sum()),
        "payments_total": float(payments.abs().sum()),
        "shapley": {"exact_max_group": cooperative.EXACT_MAX,
                    "samples": 2 * -(-int(samples) // 2) if len(sampled) else None,
                    "seed": int(seed) if len(sampled) else None,
                    "not_computed_firms": int(skipped.firms.sum()) if len(skipped) else 0,
                    "max_stderr": float(table.shapley_stderr.max()),
                    "max_bound": float(table.shapley_bound.max()),
                    "min_gain": float(table.shapley_gain.min()),
                    "max_gain": float(table.shapley_gain.max())},
        "core": {"in_core": _in_core(coop.groups),
                 "max_excess": float(coop.groups.max_excess.max()) if len(coop.groups) else 0.0,
                 "groups": coop.groups.to_dict("records"),
                 "blocking": coop.blocking.head(10).to_dict("records")},
        "core_rule": _core_rule(coop.groups) if rule == "core" else None,
        "solves": coop.solves,
        "seconds": time.perf_counter() - began,
    }
    result.kpis = dict(result.kpis, sharing=kpis)
    result.timings = dict(result.timings, share=time.perf_counter() - began)
    return Shares(table, links, coop.groups, coop.blocking, kpis, result)


def _core_rule(groups: pd.DataFrame) -> dict:
    """The rule `core` over the groups: whether its payments reach the core in every group
    computed, the largest excess they leave (ε), and whether some group's core is empty."""
    done = groups[groups.core_rule_in_core.notna()] if "core_rule_in_core" in groups else \
        groups.iloc[:0]
    return {"in_core": bool(done.core_rule_in_core.all()) if len(done) else None,
            "epsilon": float(done.core_rule_epsilon.max())
            if done.core_rule_epsilon.notna().any() else None,
            "core_empty": bool(done.core_empty.fillna(False).any()) if len(done) else None,
            "least_core_epsilon": float(done.least_core_epsilon.max())
            if len(done) and done.least_core_epsilon.notna().any() else None,
            "groups_not_computed": int(len(groups) - len(done))}


def _in_core(groups: pd.DataFrame) -> bool | None:
    """Every group's check passed (True), one failed (False), or some group was too large to
    check and none failed (None)."""
    checks = groups.in_core.tolist() if len(groups) else []
    if any(c is False for c in checks):
        return False
    return None if any(c is None for c in checks) else True


def _optimum(subject, solver: SolverOptions | None) -> Result:
    from ..pipeline import optimise, run
    if isinstance(subject, Result):
        return subject
    if isinstance(subject, Park):
        return optimise(subject, solver=solver or SolverOptions())
    return run(subject)


class Accounts:
    """The firm accounts as `share` uses them: `accounts(x)` is each firm's cost at x, its
    own account (LinearProgram.account_matrix) plus its share of each shared facility's
    (formulation/facility_accounts.py: pro rata to its flow into and out of the facility)."""

    def __init__(self, lp: LinearProgram, firms: pd.Index) -> None:
        self.lp, self.firms = lp, firms
        self.matrix = lp.account_matrix(firms)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return firm_costs(self.lp, self.firms, x, self.matrix)


def require_cost_optimum(result: Result, nothing: str, why_cost: str) -> None:
    """Refuse (exit 2) a result an analysis of cost savings cannot start from: no solution
    (`nothing` says what then is missing) or another objective than cost (`why_cost`)."""
    from ..errors import InputError, Problem
    if not result.status.has_solution:
        raise InputError(Problem(result.name, f"the optimisation has no solution "
                                 f"({result.status.value}): {nothing}"))
    if result.kpis.get("objective_kind", "cost") != "cost":
        raise InputError(Problem(result.name, f"{why_cost}: optimise with objective cost"))


def design_point(lp: LinearProgram, result: Result) -> np.ndarray:
    """The point of `lp` for the result's design: its links and heat pumps fixed (a copy of
    the program, `fix`), the flows re-optimised (an LP; the same cost at an optimum)."""
    fixed = lp.copy()
    build = fixed.variables["build"]
    built = build.index.isin(result.links.index)
    fixed.fix(build.columns, built.astype(float))
    if "heat_pump_build" in fixed.variables:
        pumps = fixed.variables["heat_pump_build"]
        on = pumps.index.isin(result.heat_pumps.pump) if len(result.heat_pumps) else \
            np.zeros(len(pumps.index), bool)
        fixed.fix(pumps.columns, on.astype(float))
    solution = solve(MatrixProgram.of(fixed), SolverOptions(name="highspy"))
    if not solution.status.has_solution:
        raise RuntimeError("the design of the result is infeasible in its own program")
    return np.where(np.abs(solution.values) <= 1e-9, 0.0, solution.values)


def link_sides(lp: LinearProgram, network, x: np.ndarray) -> pd.DataFrame:
    """Per built link between firms: flow, the supplier's and the receiver's side of its
    surplus before any payment (docs/model.md), and the equal-surplus payment. With shared
    routes a route's fixed cost and capex are split equally among the links between firms
    built on it, and each link's part half to each end: as the firm accounts own a route,
    equally by its two sites."""
    links = between_firms(network)
    if len(network.facility_nodes):  # an arc to or from a shared facility carries no payment
        facility = set(network.facility_nodes.facility_id)
        links = links[~(links.from_firm.isin(facility) | links.to_firm.isin(facility))]
    flow = lp.variables["flow"].values(x).reindex(links.index).to_numpy()
    on = flow > 0
    links, flow = links[on], flow[on]
    lam = lp.carbon_price
    avoided = links.supply_unit_cost.to_numpy() + lam * links.supply_unit_co2.to_numpy()
    saved = links["yield"].to_numpy() * (links.demand_unit_cost.to_numpy()
                                         + lam * links.demand_unit_co2.to_numpy())
    unit_cost = links.unit_cost.to_numpy() + lam * links.unit_co2.to_numpy()
    supplier = avoided * flow
    receiver = (saved - unit_cost) * flow
    routes = lp.annotations.get("link_routes")
    if routes is None:  # each link pays its own fixed cost and capex: the receiver's
        receiver = receiver - links.fixed_cost.to_numpy() - links.annualised_capex.to_numpy()
    else:  # links.routes: shared: a route's cost is its two sites' equally (the firm
        # accounts), and on each link built on it, an equal part, half at each end
        table = lp.annotations["routes"]
        route = routes.route.reindex(links.index).to_numpy()
        cost = (table.fixed_cost + table.annualised_capex).to_numpy()[route]
        part = cost / np.bincount(route, minlength=len(table))[route]
        supplier, receiver = supplier - part / 2, receiver - part / 2
    return pd.DataFrame({"flow": flow, "supplier": supplier, "receiver": receiver,
                         "equal": (receiver - supplier) / 2}, index=links.index)


def built_sets(lp: LinearProgram, network, x: np.ndarray, firms: pd.Index) -> pd.Series:
    """Per firm, a label of the set of firms joined to it by built links between firms
    (payments over those links move gains within a set, never between two)."""
    sides = link_sides(lp, network, x)
    links = network.links.loc[sides.index]
    s, r = firms.get_indexer(links.from_firm), firms.get_indexer(links.to_firm)
    joined = sp.csr_matrix((np.ones(len(s)), (s, r)), shape=(len(firms), len(firms)))
    return pd.Series(connected_components(joined, directed=False)[1], index=firms)


def _payments(lp, network, x, standalone, accounts, rule, gate_fees,
              core_gain: pd.Series | None = None) -> tuple[pd.Series, bool]:
    """The payment over each built link between firms (receiver to supplier) and whether
    the rule's conditions hold (for individual rationality: whether payments exist; for
    `core`, whether payments reach the core allocation `core_gain`: where a group's was not
    computed, its links get the individually rational payments)."""
    sides = link_sides(lp, network, x)
    if sides.empty:
        return pd.Series(dtype=float), True
    firms = standalone.index
    gain = standalone.to_numpy() - accounts(x)  # before transfers
    links = network.links.loc[sides.index]
    s = firms.get_indexer(links.from_firm)
    r = firms.get_indexer(links.to_firm)
    n = len(sides)
    # net payment received by each firm: E @ t, +1 at the supplier, −1 at the receiver
    e = sp.csr_matrix((np.r_[np.ones(n), -np.ones(n)], (np.r_[s, r], np.r_[np.arange(n),
                                                                        np.arange(n)])),
                      shape=(len(firms), n))
    if rule == "equal_surplus":
        return _clean(pd.Series(sides.equal.to_numpy(), index=sides.index)), True
    if rule == "core":
        target = core_gain.reindex(firms).to_numpy(float)
        ours = np.isfinite(target[s])  # a link's two firms are in one group
        fair, feasible = (_payments(lp, network, x, standalone, accounts, "individually_rational",
                                    gate_fees) if not ours.all() else (pd.Series(dtype=float),
                                                                       True))
        if not ours.any():
            return fair, feasible
        touched = np.unique(np.r_[s[ours], r[ours]])
        reached, exact = _closest(sides[ours], e[touched][:, np.flatnonzero(ours)],
                                  target[touched] - gain[touched], None, None, "eq")
        return pd.concat([reached, fair.reindex(sides.index[~ours])]).reindex(sides.index), \
            bool(exact and feasible)
    if rule == "proportional":
        target = _proportional_targets(firms, s, r, gain, standalone.to_numpy())
        touched = np.unique(np.r_[s, r])
        return _closest(sides, e[touched], target[touched] - gain[touched], None, None, "eq")
    bounds = price_bounds(links, lp.carbon_price, gate_fees)
    lower = bounds.price_min.to_numpy() * sides.flow.to_numpy()
    upper = bounds.price_max.to_numpy() * sides.flow.to_numpy()
    touched = np.unique(np.r_[s, r])
    return _closest(sides, e[touched], -gain[touched], lower, upper, "ge")


def _closest(sides, e, rhs, lower, upper, sense) -> tuple[pd.Series, bool]:
    """min Σ|t − t_equal| s.t. E t (= or ≥) rhs, lower ≤ t ≤ upper: t = t_eq + u − w."""
    n = len(sides)
    t_eq = sides.equal.to_numpy()
    scale = max(1.0, float(np.abs(t_eq).max()), float(np.abs(rhs).max()))
    a = sp.hstack([e, -e]).tocsr() / scale
    b = (rhs - e @ t_eq) / scale
    lo = np.zeros(2 * n)
    hi = np.full(2 * n, np.inf)
    bounds = list(zip(lo, hi))
    rows_ub, rhs_ub = [], []
    if lower is not None:  # t_eq + u − w within [lower, upper]
        eye = sp.identity(n, format="csr")
        rows_ub += [sp.hstack([eye, -eye]), sp.hstack([-eye, eye])]
        rhs_ub += [upper - t_eq, t_eq - lower]
    if sense == "eq":
        a_ub = sp.vstack(rows_ub).tocsr() / scale if rows_ub else None
        b_ub = np.concatenate(rhs_ub) / scale if rows_ub else None
        res = linprog(np.ones(2 * n), A_ub=a_ub, b_ub=b_ub, A_eq=a, b_eq=b, bounds=bounds,
                      method="highs")
    else:
        a_ub = sp.vstack([-a] + [r / scale for r in rows_ub]).tocsr()
        b_ub = np.concatenate([-b] + [h / scale for h in rhs_ub])
        res = linprog(np.ones(2 * n), A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        return pd.Series(t_eq, index=sides.index), False
    t = t_eq + res.x[:n] - res.x[n:]
    return _clean(pd.Series(t, index=sides.index)), True


def _clean(t: pd.Series) -> pd.Series:
    scale = max(1.0, float(t.abs().max())) if len(t) else 1.0
    return t.where(t.abs() > 1e-9 * scale, 0.0)


def _proportional_targets(firms, s, r, gain, standalone) -> np.ndarray:
    """Each set of firms joined by built links shares its savings in proportion to the
    standalone cost of its firms; other firms keep their own gain."""
    n = len(firms)
    joined = sp.csr_matrix((np.ones(len(s)), (s, r)), shape=(n, n))
    _, label = connected_components(joined, directed=False)
    target = gain.copy()
    touched = np.zeros(n, bool)
    touched[np.r_[s, r]] = True
    for g in np.unique(label[touched]):
        inside = (label == g) & touched
        weight = standalone[inside]
        total = weight.sum()
        target[inside] = gain[inside].sum() * (weight / total if total > 0
                                               else np.full(inside.sum(), 1 / inside.sum()))
    return target


def _fair_optimum(park, network, lp, x0, standalone, gate_fees, result: Result) -> Result:
    """The MILP with the transfer block: the cheapest design with payments that leave every
    firm at least its standalone cost; extracted on the program without the block."""
    if len(facility_ids(lp)):  # the block's rows hold the linear accounts only
        from ..errors import Problem, UnsupportedError
        raise UnsupportedError(Problem(result.name, "no payments over the optimum's links "
                                       "leave every firm whole, and the individually rational "
                                       "optimum is not supported with shared facilities "
                                       "(their costs are shared pro rata to flow, not "
                                       "linear): try --rule equal_surplus or core"))
    fair = formulate(park, network, "cost", transfers=Transfers(standalone, gate_fees))
    start = np.r_[x0, np.zeros(fair.n_columns - lp.n_columns)]  # no links, no payments
    solution = solve(MatrixProgram.of(fair), SolverOptions(name="highspy", mip_gap=0.0),
                     fallback=start)
    if not solution.status.has_solution:
        solution = replace(solution, values=start)
    solution = replace(solution, values=solution.values[:lp.n_columns])
    settings = {"time_limit": None, "mip_gap": 0.0, "threads": None}
    fair_result = extract(park, network, lp, solution, result.name, settings, baseline_x=x0)
    fair_result.timings = dict(result.timings)
    return fair_result


def _with_transfers(links: pd.DataFrame, payments: pd.Series) -> pd.DataFrame:
    """links.csv's columns, then the price (per unit of flow) and the payment per year;
    blank price and zero payment on links inside one firm."""
    out = links.copy()
    pay = payments.reindex(out.index)
    out["transfer_price"] = (pay / out.flow).where(pay.notna())
    out["transfer_payment"] = pay.fillna(0.0)
    return out


def format_shares(shares: Shares) -> str:
    """The console summary of `symbiosis share`."""
    k, s = shares.kpis, shares.shares
    cur = shares.result.kpis.get("currency", "")
    lines = [f"{shares.result.name}: savings shared by rule {k['rule']}",
             f"  park savings    {k['savings']:>14,.0f} {cur}/yr"]
    if k["cost_of_fairness"] is not None:
        lines.append(f"  cost of fairness {k['cost_of_fairness']:>13,.0f} {cur}/yr "
                     f"(design: {k['design'].replace('_', ' ')})")
    lines += [f"  gains           {s.gain.min():>14,.0f} to {s.gain.max():,.0f} {cur}/yr; "
              f"{k['firms_losing']} firm(s) worse off",
              f"  payments        {k['payments_total']:>14,.0f} {cur}/yr over "
              f"{int((shares.links.transfer_payment != 0).sum())} links",
              f"  Shapley gains   {k['shapley']['min_gain']:>14,.0f} to "
              f"{k['shapley']['max_gain']:,.0f} {cur}/yr"
              + (f" (sampled, {k['shapley']['samples']} permutations, largest standard error "
                 f"{k['shapley']['max_stderr']:,.0f}, largest bound from the coalitions' gaps "
                 f"{k['shapley']['max_bound']:,.0f})" if k["shapley"]["samples"] else
                 " (exact)")
              + (f"; not computed for {k['shapley']['not_computed_firms']} firms of a group "
                 "too large to sample" if k["shapley"]["not_computed_firms"] else "")]
    rule_core = k.get("core_rule")
    if rule_core and rule_core["in_core"] is not None:
        lines.append("  core rule       " + (
            f"payments reach the core (largest excess {rule_core['epsilon']:,.0f} "
            f"{cur}/yr)" if rule_core["in_core"] else
            f"the core is empty: some coalition gains at least "
            f"{rule_core['least_core_epsilon']:,.0f} {cur}/yr by leaving any split "
            "(least-core ε)" if rule_core["core_empty"] else
            f"no payment over the built links reaches the core: some coalition gains "
            f"{rule_core['epsilon']:,.0f} {cur}/yr by leaving (least-core ε over those "
            "payments)"))
    core = k["core"]
    if core["in_core"] is None:
        lines.append("  core check      not proven: in a group sampled with LP bounds no "
                     "coalition's design beats its gains, which does not prove it stable "
                     "(kpis.json)" if k["shapley"]["not_computed_firms"] == 0 else
                     "  core check      not done: a group too large to sample (kpis.json)")
    elif core["in_core"]:
        lines.append("  core check      stable: no coalition gains by leaving")
    else:
        worst = core["blocking"][0] if core["blocking"] else None
        lines.append(f"  core check      not stable: a coalition would gain up to "
                     f"{core['max_excess']:,.0f} {cur}/yr by leaving"
                     + (f" ({len(worst['firms'].split())} firms)" if worst else ""))
    lines.append(f"  {k['solves']} coalition solves in {k['seconds']:.1f} s")
    return "\n".join(lines)
