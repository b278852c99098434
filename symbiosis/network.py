"""The candidate network: which links are possible, what each costs, and why others are not.

Candidate pairs come from joins on resource compatibility (same resource, or an
`exchanges.csv` row), never from a loop over supply × demand; then distance and quality screens
mark each pair as a candidate link or a rejected pair with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from .geo import great_circle_km, planar_km
from .park import Park

# Why a compatible pair is not a candidate link (the `reason` column of `Network.rejected`).
TOO_FAR = "too_far"
QUALITY = "quality"
NO_QUANTITY = "no_quantity"
TEMPERATURE = "temperature"


@dataclass(frozen=True)
class Network:
    """Candidate links (`links`, indexed by link_id), rejected pairs and quality data.

    `link_qualities` has one row per candidate link and property its demand limits:
    the supply's `level` and the demand's `limit`.
    """

    links: pd.DataFrame
    rejected: pd.DataFrame
    link_qualities: pd.DataFrame
    park: Park

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Firms as nodes, candidate links as edges keyed by link_id."""
        return firm_graph(self.park, self.links)

    def why_not(self, from_stream: str, to_stream: str) -> str:
        """Say why a supply is not a candidate for a demand (or that it is one)."""
        link_id = link_id_of(from_stream, to_stream)
        if link_id in self.links.index:
            return "candidate link"
        hit = self.rejected[(self.rejected.from_stream == from_stream)
                            & (self.rejected.to_stream == to_stream)]
        if len(hit):
            return f"{hit.reason.iloc[0]}: {hit.detail.iloc[0]}"
        return "resources not compatible (no exchange from the supply's resource to the demand's)"


def link_id_of(from_stream, to_stream):
    return from_stream + "->" + to_stream


def build_network(park: Park) -> Network:
    pairs = compatible_pairs(park)
    pairs["distance_km"] = pair_distances(park, pairs.from_firm.to_numpy(),
                                          pairs.to_firm.to_numpy())
    pairs["reason"], pairs["detail"] = "", ""
    _screen_distance(park, pairs)
    _screen_quantity(pairs)
    _screen_heat(park, pairs)
    quality = _quality_table(park, pairs)
    _screen_quality(pairs, quality)
    ok = pairs.reason == ""
    links = _link_economics(park, pairs[ok].drop(columns=["reason", "detail"]))
    links["capacity"] = np.minimum(links.capacity, _quality_capacity(links, quality))
    rejected = pairs.loc[~ok, ["from_stream", "to_stream", "from_firm", "to_firm", "category",
                               "from_resource", "to_resource", "distance_km", "reason", "detail"]]
    link_qualities = quality[quality.link_id.isin(links.index)][
        ["link_id", "from_stream", "to_stream", "property", "level", "limit"]]
    return Network(links=links, rejected=rejected.reset_index(drop=True),
                   link_qualities=link_qualities.reset_index(drop=True), park=park)


def compatibility(park: Park) -> pd.DataFrame:
    """Which resource can serve which: identity for each resource, overridden by exchanges."""
    res = park.resources.index
    identity = pd.DataFrame({"from_resource": res, "to_resource": res, "yield": 1.0,
                             "processing_cost": 0.0, "processing_co2": 0.0,
                             "max_distance_km": np.nan})
    ex = park.exchanges[["from_resource", "to_resource", "yield", "processing_cost",
                         "processing_co2", "max_distance_km"]]
    table = pd.concat([ex, identity], ignore_index=True)
    return table.drop_duplicates(["from_resource", "to_resource"], keep="first")


def compatible_pairs(park: Park) -> pd.DataFrame:
    """Every (supply, demand) pair whose resources are compatible, via two joins."""
    s = park.streams
    cols = ["firm_id", "resource", "quantity", "unit_cost", "unit_co2", "t_in", "t_out"]
    names = ["firm", "resource", "quantity", "unit_cost", "unit_co2", "t_in", "t_out"]
    supplies = s.loc[s.direction == "supply", cols].rename_axis("from_stream").reset_index()
    demands = s.loc[s.direction == "demand", cols].rename_axis("to_stream").reset_index()
    supplies.columns = ["from_stream"] + [f"supply_{n}" for n in names]
    demands.columns = ["to_stream"] + [f"demand_{n}" for n in names]
    supplies = supplies.rename(columns={"supply_firm": "from_firm",
                                        "supply_resource": "from_resource"})
    demands = demands.rename(columns={"demand_firm": "to_firm", "demand_resource": "to_resource"})
    pairs = supplies.merge(compatibility(park), on="from_resource").merge(demands,
                                                                          on="to_resource")
    pairs["category"] = park.resources.category.reindex(pairs.from_resource).to_numpy()
    return pairs.sort_values(["from_stream", "to_stream"], ignore_index=True)


def pair_distances(park: Park, from_firms: np.ndarray, to_firms: np.ndarray) -> np.ndarray:
    f = park.firms
    i, j = f.index.get_indexer(from_firms), f.index.get_indexer(to_firms)
    if park.coordinates == "geographic":
        lat, lon = f.lat.to_numpy(), f.lon.to_numpy()
        d = great_circle_km(lat[i], lon[i], lat[j], lon[j])
    else:
        x, y = f.x_km.to_numpy(), f.y_km.to_numpy()
        d = planar_km(x[i], y[i], x[j], y[j])
    return np.where(i == j, 0.0, d)


def _reject(pairs: pd.DataFrame, mask: pd.Series, reason: str, detail: pd.Series | str) -> None:
    """Record a reason on pairs not rejected yet (the first reason found is kept)."""
    mask = mask & (pairs.reason == "")
    pairs.loc[mask, "reason"] = reason
    pairs.loc[mask, "detail"] = detail[mask] if isinstance(detail, pd.Series) else detail


def _screen_distance(park: Park, pairs: pd.DataFrame) -> None:
    limit = np.fmin(pairs.max_distance_km.to_numpy(), park.config.links.max_distance_km)
    pairs["distance_limit_km"] = limit
    far = pd.Series(pairs.distance_km.to_numpy() > limit, index=pairs.index)
    detail = ("distance " + pairs.distance_km.round(2).astype(str) + " km > limit "
              + pd.Series(limit, index=pairs.index).round(2).astype(str) + " km")
    _reject(pairs, far, TOO_FAR, detail)


def _screen_quantity(pairs: pd.DataFrame) -> None:
    empty = (pairs.supply_quantity <= 0) | (pairs.demand_quantity <= 0)
    _reject(pairs, empty, NO_QUANTITY, "supply or demand quantity is zero")


def _screen_heat(park: Park, pairs: pd.DataFrame) -> None:
    """Heat pairs: the approach each needs, heat lost in the pipe, and whether any heat can flow.

    A supply can serve a demand only if its inlet is hotter than the demand's inlet by more
    than the approach (ΔTmin, plus the inter-firm approach between firms).
    """
    heat = pairs.category == "heat"
    cfg = park.config.heat
    between = pairs.from_firm != pairs.to_firm
    pairs["approach_c"] = np.where(heat, cfg.min_approach_c
                                   + np.where(between, cfg.inter_firm_approach_c, 0.0), np.nan)
    loss = np.where(heat, cfg.loss_per_km * pairs.distance_km, 0.0)
    pairs["yield"] = pairs["yield"] * (1.0 - loss)
    lossy = heat & (pairs["yield"] <= 0)
    _reject(pairs, lossy, TOO_FAR, "all heat would be lost in the pipe")
    cold = heat & ~(pairs.supply_t_in > pairs.demand_t_in + pairs.approach_c)
    detail = ("supply at most " + pairs.supply_t_in.astype(str) + " °C cannot heat a demand from "
              + pairs.demand_t_in.astype(str) + " °C with an approach of "
              + pairs.approach_c.astype(str) + " K")
    _reject(pairs, cold, TEMPERATURE, detail)


def _quality_table(park: Park, pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per pair and property the demand limits, with the supply's level (or NaN)."""
    q = park.qualities
    direction = park.streams.direction.reindex(q.stream_id).to_numpy()
    limits = q[direction == "demand"].rename(columns={"stream_id": "to_stream", "value": "limit"})
    levels = q[direction == "supply"].rename(columns={"stream_id": "from_stream",
                                                      "value": "level"})
    table = (pairs[["from_stream", "to_stream"]].reset_index(names="pair")
             .merge(limits, on="to_stream")
             .merge(levels, on=["from_stream", "property"], how="left"))
    table["link_id"] = link_id_of(table.from_stream, table.to_stream)
    return table


def _screen_quality(pairs: pd.DataFrame, quality: pd.DataFrame) -> None:
    missing = quality[quality.level.isna()]
    unusable = quality[(quality.limit == 0) & (quality.level > 0)]
    for rows, text in ((missing, "supply has no {p} value; the demand limits it"),
                       (unusable, "supply {p} above the demand's limit of 0")):
        first = rows.drop_duplicates("pair").set_index("pair").property
        detail = pd.Series("", index=pairs.index)
        detail[first.index] = [text.format(p=p) for p in first]
        _reject(pairs, pairs.index.isin(first.index) & (detail != ""), QUALITY, detail)


def _quality_capacity(links: pd.DataFrame, quality: pd.DataFrame) -> np.ndarray:
    """Most a link can carry alone under its demand's limits: η·x·level ≤ limit·q_d.

    The quality rows imply it (other terms are non-negative), so it is a valid, tighter
    big-M for the link activation row.
    """
    q = quality[quality.link_id.isin(links.index) & (quality.level > 0)]
    if q.empty:
        return np.full(len(links), np.inf)
    eta = links["yield"].reindex(q.link_id).to_numpy()
    demand = links.demand_quantity.reindex(q.link_id).to_numpy()
    bound = pd.Series(q.limit.to_numpy() * demand / (eta * q.level.to_numpy()),
                      index=q.link_id.to_numpy())
    return bound.groupby(level=0).min().reindex(links.index, fill_value=np.inf).to_numpy()


def _link_economics(park: Park, pairs: pd.DataFrame) -> pd.DataFrame:
    """Unit costs, CO2, fixed and capital costs, capacity and unit value of each link."""
    res = park.resources.reindex(pairs.from_resource)
    km = pairs.distance_km.to_numpy()
    mode = res["mode"].to_numpy()
    links_cfg = park.config.links
    fixed = np.where(mode == "pipe", links_cfg.pipe.fixed_cost, links_cfg.truck.fixed_cost)
    capex = np.where(mode == "pipe", links_cfg.pipe.capex_per_km, links_cfg.truck.capex_per_km)
    out = pairs.copy()
    out["mode"] = mode
    out["transport_unit_cost"] = res.transport_cost.to_numpy() * km
    out["unit_cost"] = out.transport_unit_cost + out.processing_cost
    out["transport_unit_co2"] = res.transport_co2.to_numpy() * km
    out["unit_co2"] = out.transport_unit_co2 + out.processing_co2
    out["fixed_cost"] = fixed
    out["annualised_capex"] = capex * km * park.annuity
    out["capacity"] = np.minimum(out.supply_quantity, out.demand_quantity / out["yield"])
    carbon = park.config.economics.carbon_price
    avoided_co2 = out.supply_unit_co2 + out["yield"] * out.demand_unit_co2 - out.unit_co2
    out["unit_co2_saving"] = avoided_co2
    out["unit_value"] = (out.supply_unit_cost + out["yield"] * out.demand_unit_cost
                         - out.unit_cost + carbon * avoided_co2)
    out.index = pd.Index(link_id_of(out.from_stream, out.to_stream), name="link_id")
    return out


def firm_graph(park: Park, links: pd.DataFrame, flows: pd.Series | None = None) -> nx.MultiDiGraph:
    """A networkx view: firms as nodes (with their attributes), links as keyed edges."""
    g = nx.MultiDiGraph(name=park.name)
    firms = park.firms.fillna("")
    g.add_nodes_from((fid, {k: v for k, v in row.items() if v != ""})
                     for fid, row in firms.to_dict("index").items())
    edge_cols = ["from_stream", "to_stream", "from_resource", "to_resource", "distance_km",
                 "mode", "yield"]
    attrs = links[edge_cols].copy()
    if flows is not None:
        attrs["flow"] = flows.reindex(links.index).to_numpy()
    g.add_edges_from(zip(links.from_firm, links.to_firm, links.index,
                         attrs.to_dict("records")))
    return g
