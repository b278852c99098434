"""Route block (`links.routes: shared`): one fixed cost and capex per built route.

Each candidate link l lies on one route k(l) (symbiosis/routes.py: a truck route per pair of
sites, a pipe per ordered pair of sites and resource family, a heat pipe per temperature
level too). A route is built or not:

    b_l ≤ r_k(l),   r_k ∈ {0, 1}                                   (route_use, each link)

and the links' own fixed cost and capex (the links block's `link_fixed`, `link_capex`) are
replaced by the routes':

    route_fixed = Σ_k F_k r_k,   route_capex = Σ_k C_k r_k,   F_k, C_k = max over l on k

so two links between the same two sites by truck (or of one family by pipe) pay once. A route
column belongs to its two sites (its cost split equally between them in firms.csv and in firm
accounts). Results: links.csv gains `route_id`, and each built link's `fixed_cost` and
`annualised_capex` are its route's split equally among the route's built links (so
annual_cost still adds up); kpis.json gains `routes`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network, facility_nodes
from ..park import Park
from ..routes import SHARED, route_ids, route_table
from .program import CAPEX, FIXED, LinearProgram

ROUTES = "route_build"


def shares_routes(park: Park, network: Network) -> bool:
    return park.config.links.routes == SHARED


def add_routes(lp: LinearProgram, park: Park, network: Network) -> None:
    links = network.links
    ids = route_ids(links, heat_levels(park, links))
    table = route_table(links, ids)
    at = table.index.get_indexer(ids)
    n = len(links)
    route = lp.add_variables(ROUTES, table.index, 0.0, 1.0,
                             (table.site_a.to_numpy(), table.site_b.to_numpy()), integer=True)
    build = lp.variables["build"]
    lp.add_constraints(
        "route_use", links.index, np.tile(np.arange(n), 2),
        np.concatenate([build.columns, route.columns[at]]),
        np.concatenate([np.ones(n), -np.ones(n)]), upper=0.0,
        description="a link is built only on a built route: b_l - r_k(l) <= 0")
    for name in ("link_fixed", "link_capex"):  # paid by the route instead
        lp.cost_terms.pop(name, None)
    lp.add_cost("route_fixed", route.columns, table.fixed_cost.to_numpy(), kind=FIXED)
    lp.add_cost("route_capex", route.columns, table.annualised_capex.to_numpy(), kind=CAPEX)
    lp.annotations["link_routes"] = pd.DataFrame({"route_id": ids.to_numpy(), "route": at},
                                                 index=links.index)
    lp.annotations["routes"] = table


def heat_levels(park: Park, links: pd.DataFrame) -> np.ndarray:
    """Each link's heat level for its route: the supply stream's t_in (°C; a facility's
    out-node's delivery temperature), NaN where the link carries no heat. Network.links
    keeps no temperatures (docs/model.md, "Shared routes")."""
    level = np.full(len(links), np.nan)
    heat = (links.category == "heat").to_numpy()
    if heat.any():
        t = park.streams.t_in
        nodes = facility_nodes(park)
        t = pd.concat([t, nodes.t_in]) if len(nodes) else t
        level[heat] = t.reindex(links.from_stream[heat]).to_numpy(float)
    return level


def routes_used(lp: LinearProgram, built: np.ndarray) -> np.ndarray:
    """Which routes carry a built link (`built`: a bool per link; empty without routes)."""
    if ROUTES not in lp.variables:
        return np.zeros(0, dtype=bool)
    used = np.zeros(len(lp.variables[ROUTES].index), dtype=bool)
    used[lp.annotations["link_routes"].route.to_numpy()[built]] = True
    return used


def clean_routes(lp: LinearProgram, network: Network, x: np.ndarray) -> np.ndarray:
    """A route is built exactly where a link on it is."""
    if ROUTES not in lp.variables:
        return x
    x[lp.variables[ROUTES].columns] = routes_used(lp, x[lp.variables["build"].columns] > 0.5)
    return x


def losing_routes(lp: LinearProgram, network: Network, x: np.ndarray) -> np.ndarray:
    """Links (mask) on built routes whose links together save less than the route costs:
    dropping them all is feasible and lowers the cost."""
    if ROUTES not in lp.variables:
        return np.zeros(len(network.links), dtype=bool)
    on = lp.annotations["link_routes"].route.to_numpy()
    table = lp.annotations["routes"]
    gain = np.zeros(len(table))
    np.add.at(gain, on, x[lp.variables["flow"].columns] * network.links.unit_value.to_numpy())
    cost = (table.fixed_cost + table.annualised_capex).to_numpy()
    built = x[lp.variables[ROUTES].columns] > 0.5
    losing = built & (gain - cost < -1e-9 * np.maximum(1.0, np.abs(gain - cost)))
    return losing[on] & (x[lp.variables["flow"].columns] > 0)


def route_link_columns(lp: LinearProgram, x: np.ndarray, built: pd.DataFrame) -> pd.DataFrame:
    """links.csv under shared routes: each built link's route, and its equal share of the
    route's fixed cost and capex."""
    if ROUTES not in lp.variables:
        return built
    routes = lp.annotations["link_routes"].reindex(built.index)
    table = lp.annotations["routes"]
    count = routes.groupby("route_id").route_id.transform("size").to_numpy()
    at = routes.route.to_numpy()
    built = built.copy()
    built["fixed_cost"] = table.fixed_cost.to_numpy()[at] / count
    built["annualised_capex"] = table.annualised_capex.to_numpy()[at] / count
    built["annual_cost"] = (built.transport_cost + built.processing_cost + built.fixed_cost
                            + built.annualised_capex)
    built["route_id"] = routes.route_id.to_numpy()
    return built


def route_kpis(lp: LinearProgram, x: np.ndarray | None) -> dict | None:
    """kpis.json `routes` (shared routes only): candidates, built, and the built routes that
    carry more than one link."""
    if ROUTES not in lp.variables:
        return None
    if x is None:
        return {"rule": SHARED, "candidate_routes": len(lp.variables[ROUTES].index),
                "routes_built": None, "shared_routes_built": None}
    on = lp.annotations["link_routes"].route.to_numpy()
    links_on = np.bincount(on, weights=x[lp.variables["build"].columns] > 0.5,
                           minlength=len(lp.variables[ROUTES].index))
    return {"rule": SHARED, "candidate_routes": int(len(links_on)),
            "routes_built": int((links_on > 0).sum()),
            "shared_routes_built": int((links_on > 1).sum())}
