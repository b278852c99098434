"""kpis.json: the run's figures (docs/format.md), from the program's terms and the result tables."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..formulation.program import CAPEX, LinearProgram
from ..park import Park
from ..solve import relative_gap
from .schema import num


def _kpis(park, network, lp, solution, x, baseline_x, links, name, settings) -> dict[str, Any]:
    baseline_cost, baseline_co2 = lp.cost(baseline_x), lp.co2(baseline_x)
    solved = x is not None
    total_cost = lp.cost(x) if solved else None
    co2 = lp.co2(x) if solved else None
    return {
        "name": name,
        "model": park.name,
        "currency": park.config.currency,
        "status": solution.status.value,
        "termination": solution.termination.value,
        "objective_kind": lp.objective,
        "objective": lp.objective_value(x) if solved else None,
        "objective_bound": solution.bound,
        "mip_gap": relative_gap(lp.objective_value(x), solution.bound) if solved else None,
        "reproducible": solution.reproducible,
        "total_cost": total_cost,
        "baseline_cost": baseline_cost,
        "savings": baseline_cost - total_cost if solved else None,
        "co2_t": co2,
        "baseline_co2_t": baseline_co2,
        "co2_avoided_t": baseline_co2 - co2 if solved else None,
        "links_built": int(len(links)),
        "annualised_capex": lp.cost_of_kind(CAPEX, x) if solved else None,
        "candidate_links": int(len(network.links)),
        "rejected_pairs": int(len(network.rejected)),
        "rejected_by_reason": {str(k): int(v) for k, v in
                               network.rejected.reason.value_counts().sort_index().items()},
        "objective_breakdown": lp.breakdown(x) if solved else None,
        "baseline_breakdown": lp.breakdown(baseline_x),
        "warnings": [str(w) for w in getattr(park, "warnings", ())],  # checks of severity warn
        "resources": _resource_kpis(park, lp, x, links),
        "solver": {"name": solution.solver, "version": solution.solver_version, **settings,
                   "parts": solution.parts, "parts_at_fallback": solution.parts_at_fallback},
    }


def _heat_amounts(park: Park, lp: LinearProgram, x: np.ndarray | None, links: pd.DataFrame):
    """Hot utility (heat purchased), cold utility (heat disposed of) per stream, and heat links."""
    heat = park.streams[park.streams.category == "heat"]
    if x is None:
        nan = pd.Series(np.nan, index=heat.index)
        return heat, nan, nan, links.iloc[0:0]
    hot = lp.variables["purchase"].values(x).reindex(heat.index[heat.direction == "demand"])
    cold = lp.variables["dispose"].values(x).reindex(heat.index[heat.direction == "supply"])
    heat_links = links[park.resources.category.reindex(links.from_resource).to_numpy() == "heat"]
    return heat, hot, cold, heat_links


def _heat_kpis(park, lp, x, links) -> dict[str, Any]:
    heat, hot, cold, heat_links = _heat_amounts(park, lp, x, links)
    within = heat_links.from_firm == heat_links.to_firm
    units = park.resources.unit[park.resources.category == "heat"].unique()
    solved = x is not None
    return {
        "unit": ", ".join(units),
        "min_approach_c": float(park.config.heat.min_approach_c),  # for the composite curves
        "baseline_hot_utility": float(heat.quantity[heat.direction == "demand"].sum()),
        "hot_utility": float(hot.sum()) if solved else None,
        "baseline_cold_utility": float(heat.quantity[heat.direction == "supply"].sum()),
        "cold_utility": float(cold.sum()) if solved else None,
        "recovered_within_firms": float(heat_links.delivered[within].sum()) if solved else None,
        "recovered_between_firms": float(heat_links.delivered[~within].sum()) if solved else None,
        "lost_in_pipes": float((heat_links.flow - heat_links.delivered).sum()) if solved else None,
        "grid_exact": bool(lp.annotations["heat_grid"].exact.all())
        if "heat_grid" in lp.annotations else True,
        "fuel_substituted": float(links.delivered[_fuel_links(park, links)].sum())
        if solved else None,
        **({"utilities": _utility_loads(park, lp, x)} if len(park.utilities) else {}),
    }


def _utility_loads(park: Park, lp: LinearProgram, x: np.ndarray | None) -> dict[str, Any]:
    """Heat each utility level of utilities.csv gives (hot) or takes away (cold) a year."""
    out = {}
    for utility, row in park.utilities.sort_index().iterrows():
        block = f"{row.kind}_utility"
        load = None
        if x is not None:
            load = 0.0
            if block in lp.variables:
                values = lp.variables[block].values(x)
                used = lp.annotations[block].utility.to_numpy() == utility
                load = float(values.to_numpy()[used].sum())
        out[str(utility)] = {"kind": row.kind, "resource": row.resource, "heat": load}
    return out


def _fuel_links(park: Park, links: pd.DataFrame) -> np.ndarray:
    """Links burning a material or water for a heat demand (outside the heat cascade)."""
    category = park.resources.category
    return ((category.reindex(links.to_resource).to_numpy() == "heat")
            & (category.reindex(links.from_resource).to_numpy() != "heat"))


def _resource_kpis(park, lp, x, links) -> dict[str, dict[str, float]]:
    s = park.streams
    table = pd.DataFrame(index=park.resources.index.sort_values())
    table["supply"] = s[s.direction == "supply"].groupby("resource").quantity.sum()
    table["demand"] = s[s.direction == "demand"].groupby("resource").quantity.sum()
    table["exchanged"] = links.groupby("from_resource", observed=True).flow.sum() if x is not None else np.nan
    table["delivered"] = links.groupby("to_resource", observed=True).delivered.sum() if x is not None else np.nan
    for column, block in (("purchased", "purchase"), ("disposed", "dispose")):
        if x is None:
            table[column] = np.nan
            continue
        values = lp.variables[block].values(x)
        table[column] = values.groupby(s.resource.reindex(values.index)).sum()
    table["pumped"] = 0.0 if x is not None else np.nan
    if x is not None and "heat_pump_heat" in lp.variables:
        delivered = lp.variables["heat_pump_heat"].values(x)
        sinks = lp.annotations["heat_pump_heat"].to_stream.to_numpy()
        table["pumped"] = delivered.groupby(s.resource.reindex(sinks).to_numpy()).sum()
    table = table.fillna({c: 0.0 for c in ("supply", "demand")})
    if x is not None:
        table = table.fillna(0.0)
    return {r: {k: num(v) for k, v in row.items()} for r, row in table.iterrows()}
