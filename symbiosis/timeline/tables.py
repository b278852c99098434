"""The tables of a time study (docs/format.md, "Time results"): KPIs per state and for the
year (or the horizon), links with their build year, a year-by-year table and per-scenario
costs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..formulation.program import VARIABLE

from ..network import Network
from ..park import Park
from .facility_tables import facility_state_table, facility_table, has_time_facilities
from .plan import TimePlan
from .stacking import BUILD_YEAR, Stacked, group_of

if TYPE_CHECKING:
    from .study import Solved

LINK_COLUMNS = ["from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
                "to_resource", "flow", "delivered", "distance_km", "mode", "fixed_cost",
                "annualised_capex", "build_year", "years_in_use"]


def _built(stacked, x, year) -> pd.Series:
    """Each candidate link's build column in a year's design copy (0/1)."""
    v = stacked.lp.variables[f"build@{group_of(year)}"]
    return pd.Series(np.round(x[v.columns]), index=v.index)


def _build_years(stacked, x, plan: TimePlan) -> pd.Series:
    """The year each link is built (phases): where its build-year column is 1."""
    name = f"build@{BUILD_YEAR}"
    if name not in stacked.lp.variables:
        return pd.Series(dtype=float)
    z = stacked.lp.variables[name]
    chosen = pd.Series(np.round(x[z.columns]), index=z.index)
    chosen = chosen[chosen > 0.5]
    return pd.Series(chosen.index.get_level_values(1), index=chosen.index.get_level_values(0),
                     dtype=float)


@dataclass
class TimeResult:
    """The stacked optimum and its tables (docs/format.md, "Time results")."""

    name: str
    plan: TimePlan
    network: Network
    solved: "Solved"  # timeline.study.Solved
    kpis: dict
    states: pd.DataFrame  # one row per state
    links: pd.DataFrame  # one row per link built in some year
    years: pd.DataFrame  # one row per year (phases), else empty
    scenarios: pd.DataFrame  # one row per volume scenario (more than one), else empty
    link_flows: pd.DataFrame  # link_id, state, flow
    timings: dict[str, float] = field(default_factory=dict)
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per candidate
    facility_states: pd.DataFrame = field(default_factory=pd.DataFrame)  # its use per state


def state_costs(stacked: Stacked, state: str, x: np.ndarray) -> tuple[float, float]:
    """A state's operating cost (variable terms + carbon) and CO2 at annual rates."""
    lp = stacked.programs[state]
    xs = stacked.state_point(x, state)
    co2 = lp.co2(xs)
    return lp.cost_of_kind(VARIABLE, xs) + lp.carbon_price * co2, co2


def design_cost(stacked: Stacked, x: np.ndarray, year) -> tuple[float, float]:
    """Fixed and capital cost (per year, undiscounted) of a year's design copy."""
    g = f"@{group_of(year)}"
    fixed = capex = 0.0
    delta = _discount(stacked.plan, year)
    for name, term in stacked.lp.cost_terms.items():
        if name.endswith(g) and term.kind != VARIABLE:
            value = term.value(x) / delta
            if term.kind == "capex":
                capex += value
            else:
                fixed += value
    return fixed, capex


def _discount(plan: TimePlan, year) -> float:
    s = plan.states
    return float(s.discount[s.year == year].iloc[0]) if plan.phased else 1.0


def time_tables(name: str, park: Park, plan: TimePlan, network: Network, solved,
                stochastic: dict | None, timings: dict):
    stacked, x, solution = solved.stacked, solved.x, solved.solution
    s = plan.states
    empty = pd.DataFrame()
    kpis = {"status": solution.status.value, "objective": solution.objective,
            "objective_bound": solution.bound, "mip_gap": solution.mip_gap,
            "time": {"states": int(len(s)), "periods": int(s.period.nunique()),
                     "scenarios": int(s.scenario.nunique()),
                     "years": [] if not plan.phased else [int(y) for y in plan.years],
                     "columns": int(stacked.lp.n_columns), "rows": int(stacked.lp.n_rows),
                     "candidate_links": int(len(network.links)),
                     "candidates": "every candidate of the park at its largest rates "
                                   "(no pricing or selection)",
                     "capex": "annualised over lifetime_years, charged each year in use "
                              "inside the horizon, discounted"}}
    if x is None:
        return TimeResult(name, plan, network, solved, kpis, empty, empty, empty, empty,
                          empty, timings)
    rows = []
    for state in s.index:
        op, co2 = state_costs(stacked, state, x)
        base, base_co2 = state_costs(stacked, state, stacked.start())
        year = s.year[state] if plan.phased else None
        built = _built(stacked, x, year)
        fixed, capex = design_cost(stacked, x, year)
        rows.append({"state": state, "year": s.year[state], "period": s.period[state],
                     "scenario": s.scenario[state], "weight": s.weight[state],
                     "discount": s.discount[state], "operating_cost": op,
                     "baseline_cost": base, "co2_t": co2, "baseline_co2_t": base_co2,
                     "links_in_use": int(built.sum()), "fixed_cost": fixed,
                     "annualised_capex": capex})
    states = pd.DataFrame(rows).set_index("state")
    if not plan.phased:
        states = states.drop(columns="year")
    omega = s.omega.reindex(states.index)
    total = stacked.lp.cost(x)
    baseline = float((omega * states.baseline_cost).sum())
    weight = s.weight.reindex(states.index)  # CO2 is summed over the years, not discounted
    co2 = float((weight * states.co2_t).sum())
    baseline_co2 = float((weight * states.baseline_co2_t).sum())
    flows = _link_flows(stacked, x, s)
    links = _links(stacked, x, plan, network, flows)
    capex_total = sum(t.value(x) for t in stacked.lp.cost_terms.values() if t.kind == "capex")
    kpis.update({"total_cost": total, "baseline_cost": baseline, "savings": baseline - total,
                 "co2_t": co2, "baseline_co2_t": baseline_co2,
                 "co2_avoided_t": baseline_co2 - co2, "links_built": int(len(links)),
                 "annualised_capex": capex_total,
                 "gap_bound_is": "the stacked MILP's own bound over every candidate"})
    if plan.phased:
        kpis["time"]["present_value"] = "total_cost, baseline_cost and savings are "\
            "discounted sums over the horizon's years, co2_t the plain sum; years.csv has "\
            "each year"
    years = _years(states, plan, links) if plan.phased else empty
    scenarios = _scenarios(states, plan) if s.scenario.nunique() > 1 else empty
    if stochastic is not None:
        kpis["stochastic"] = stochastic
    kpis["by_state"] = {st: {k: states.loc[st, k] for k in ("operating_cost", "baseline_cost",
                                                            "co2_t", "links_in_use")}
                        for st in states.index}
    facilities = facility_states = empty
    if has_time_facilities(stacked):
        facility_states = facility_state_table(stacked, x)
        facilities = facility_table(stacked, x, plan, facility_states)
        kpis["facilities"] = {
            "candidates": int(len(facilities)), "built": int(facilities.built.sum()),
            "build_years": {f: int(y) for f, y in zip(facilities.facility_id,
                                                      facilities.build_year) if y == y},
            "size": "the largest input over the states: built once, sized for the peak"}
    return TimeResult(name, plan, network, solved, kpis, states, links, years, scenarios,
                      flows, timings, facilities, facility_states)


def _link_flows(stacked, x, s: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for state in s.index:
        lp = stacked.programs[state]
        f = lp.variables["flow"].values(stacked.state_point(x, state))
        f = f[f > 1e-9]
        parts.append(pd.DataFrame({"link_id": f.index, "state": state, "flow": f.to_numpy()}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["link_id", "state", "flow"])


def _links(stacked, x, plan: TimePlan, network: Network, flows: pd.DataFrame) -> pd.DataFrame:
    """One row per link built: its mean annual flow over the years it is in use."""
    links = network.links
    in_use = pd.concat([_built(stacked, x, y).rename(str(y)) for y in plan.years], axis=1)
    built = in_use.index[in_use.max(axis=1) > 0.5]
    table = links.loc[built].copy()
    years_in_use = in_use.loc[built].sum(axis=1)
    s = plan.states
    weighted = flows.assign(w=s.weight.reindex(flows.state).to_numpy())
    annual = (weighted.flow * weighted.w).groupby(weighted.link_id).sum()
    table["flow"] = annual.reindex(built).fillna(0.0).to_numpy() / \
        np.maximum(1.0, years_in_use.to_numpy())
    table["delivered"] = table.flow * table["yield"]
    table["build_year"] = _build_years(stacked, x, plan).reindex(built).to_numpy() \
        if plan.phased else np.nan
    table["years_in_use"] = years_in_use.to_numpy() if plan.phased else np.nan
    return table[LINK_COLUMNS].rename_axis("link_id")


def _years(states: pd.DataFrame, plan: TimePlan, links: pd.DataFrame) -> pd.DataFrame:
    """Per year (undiscounted): cost, baseline, savings, CO2, links in use and built."""
    rows = []
    for year in plan.years:
        here = states[states.year == year]
        w = here.weight
        cost = float((w * here.operating_cost).sum()) + here.fixed_cost.iloc[0] + \
            here.annualised_capex.iloc[0]
        base = float((w * here.baseline_cost).sum())
        rows.append({"year": int(year), "discount": here.discount.iloc[0], "cost": cost,
                     "baseline_cost": base, "savings": base - cost,
                     "co2_t": float((w * here.co2_t).sum()),
                     "baseline_co2_t": float((w * here.baseline_co2_t).sum()),
                     "links_in_use": int(here.links_in_use.iloc[0]),
                     "links_built": int((links.build_year == year).sum())})
    return pd.DataFrame(rows).set_index("year")


def _scenarios(states: pd.DataFrame, plan: TimePlan) -> pd.DataFrame:
    """Per scenario: the design's cost were that scenario certain (its states' weights over
    its probability; the design's fixed and capital cost in full)."""
    s = plan.states
    rows = []
    for scenario, p in plan.scenarios.items():
        here = states[s.scenario.reindex(states.index) == scenario]
        w = (s.omega.reindex(here.index) / p)
        design = here.groupby(here.year if plan.phased else np.zeros(len(here)))[
            ["fixed_cost", "annualised_capex"]].first().sum(axis=1)
        disc = here.groupby(here.year if plan.phased else np.zeros(len(here))).discount.first()
        fixed = float((design * disc).sum())
        cost = float((w * here.operating_cost).sum()) + fixed
        base = float((w * here.baseline_cost).sum())
        rows.append({"scenario": scenario, "probability": p, "cost": cost,
                     "baseline_cost": base, "savings": base - cost,
                     "co2_t": float((w * here.co2_t).sum())})
    return pd.DataFrame(rows).set_index("scenario")

