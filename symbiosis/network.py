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

from scipy.spatial import cKDTree

from .geo import EARTH_RADIUS_KM, great_circle_km, planar_km
from .park import Park

# Why a compatible pair is not a candidate link (the `reason` column of `Network.rejected`).
TOO_FAR = "too_far"
QUALITY = "quality"
NO_QUANTITY = "no_quantity"
TEMPERATURE = "temperature"
CAPPED = "candidate_cap"

# Up to this many compatible pairs, all are enumerated and far ones listed as `too_far`;
# beyond it a spatial index finds only the pairs within reach (why_not still explains others).
FULL_PAIR_LIMIT = 1_000_000


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
        s = self.park.streams
        pair = compatibility(self.park)
        pair = pair[(pair.from_resource == s.resource[from_stream])
                    & (pair.to_resource == s.resource[to_stream])]
        if pair.empty:
            return ("resources not compatible (no exchange from the supply's resource to "
                    "the demand's)")
        km = pair_distances(self.park, np.array([s.firm_id[from_stream]]),
                            np.array([s.firm_id[to_stream]]))[0]
        limit = np.fmin(pair.max_distance_km.iloc[0], self.park.config.links.max_distance_km)
        return f"{TOO_FAR}: distance {km:.2f} km > limit {limit:.2f} km (found spatially)"


def link_id_of(from_stream, to_stream):
    return from_stream + "->" + to_stream


def build_network(park: Park, spatial: bool | None = None) -> Network:
    """Candidate links of a park; `spatial` forces (or forbids) the spatial-index path."""
    pairs = compatible_pairs(park, spatial)
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
    cap = park.config.links.max_candidates_per_demand
    if cap is not None:
        rank = links.sort_values(["unit_cost", "distance_km", "from_stream"]).groupby(
            "to_stream").cumcount().reindex(links.index)
        capped = pairs.index[ok][(rank > cap - 1).to_numpy()]
        pairs.loc[capped, "reason"] = CAPPED
        pairs.loc[capped, "detail"] = (f"not among the {cap} cheapest candidates (by unit cost) "
                                       "of its demand: links.max_candidates_per_demand")
        links = links[(rank <= cap - 1).to_numpy()]
        ok = pairs.reason == ""
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


def compatible_pairs(park: Park, spatial: bool | None = None) -> pd.DataFrame:
    """(supply, demand) pairs whose resources are compatible, via joins.

    All of them for a park up to FULL_PAIR_LIMIT pairs; beyond that (or with spatial=True)
    only those within distance reach, found with a KD-tree per resource pair.
    """
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
    compat = compatibility(park)
    if spatial is None:
        n_s = supplies.from_resource.value_counts()
        n_d = demands.to_resource.value_counts()
        total = (compat.from_resource.map(n_s).fillna(0) * compat.to_resource.map(n_d).fillna(0))
        spatial = total.sum() > FULL_PAIR_LIMIT
    if spatial:
        pairs = _pairs_within_reach(park, supplies, demands, compat)
    else:
        pairs = supplies.merge(compat, on="from_resource").merge(demands, on="to_resource")
    pairs["category"] = park.resources.category.reindex(pairs.from_resource).to_numpy()
    return pairs.sort_values(["from_stream", "to_stream"], ignore_index=True)


def _firm_points(park: Park) -> np.ndarray:
    """Firm positions in which Euclidean distance orders like the park's distance:
    the plane, or points on a sphere of the Earth's radius (chord length)."""
    f = park.firms
    if park.coordinates == "geographic":
        lat, lon = np.radians(f.lat.to_numpy()), np.radians(f.lon.to_numpy())
        return EARTH_RADIUS_KM * np.column_stack([np.cos(lat) * np.cos(lon),
                                                  np.cos(lat) * np.sin(lon), np.sin(lat)])
    return np.column_stack([f.x_km.to_numpy(), f.y_km.to_numpy()])


def _reach_radius(park: Park, km: float) -> float:
    if park.coordinates == "geographic":  # chord of a great-circle arc of `km`
        return 2 * EARTH_RADIUS_KM * np.sin(min(km / (2 * EARTH_RADIUS_KM), np.pi / 2))
    return km


def _pairs_within_reach(park: Park, supplies: pd.DataFrame, demands: pd.DataFrame,
                        compat: pd.DataFrame) -> pd.DataFrame:
    """Compatible pairs no farther apart than their distance limit, by a KD-tree per
    resource pair (a loop over resource pairs, not over streams)."""
    points = _firm_points(park)
    firm_row = pd.Series(np.arange(len(park.firms)), index=park.firms.index)
    limit_all = park.config.links.max_distance_km
    found = []
    for rule in compat.to_dict("records"):  # ("yield" is a keyword: no itertuples)
        s = supplies[supplies.from_resource == rule["from_resource"]]
        d = demands[demands.to_resource == rule["to_resource"]]
        if s.empty or d.empty:
            continue
        limit = np.fmin(rule["max_distance_km"], limit_all)
        tree = cKDTree(points[firm_row[d.to_firm].to_numpy()])
        hits = tree.query_ball_point(points[firm_row[s.from_firm].to_numpy()],
                                     r=_reach_radius(park, limit) * (1 + 1e-9) + 1e-9)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        if counts.sum() == 0:
            continue
        si = np.repeat(np.arange(len(s)), counts)
        di = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits if h])
        pair = pd.concat([s.iloc[si].reset_index(drop=True),
                          d.iloc[di].reset_index(drop=True)], axis=1)
        for column in ("to_resource", "yield", "processing_cost", "processing_co2",
                       "max_distance_km"):
            pair[column] = rule[column]
        found.append(pair)
    if not found:
        return supplies.merge(compat, on="from_resource").merge(demands, on="to_resource")
    return pd.concat(found, ignore_index=True)


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
    heat = _heat_approach_and_loss(park, pairs)
    lossy = heat & (pairs["yield"] <= 0)
    _reject(pairs, lossy, TOO_FAR, "all heat would be lost in the pipe")
    cold = heat & ~(pairs.supply_t_in > pairs.demand_t_in + pairs.approach_c)
    detail = ("supply at most " + pairs.supply_t_in.astype(str) + " °C cannot heat a demand from "
              + pairs.demand_t_in.astype(str) + " °C with an approach of "
              + pairs.approach_c.astype(str) + " K")
    _reject(pairs, cold, TEMPERATURE, detail)


def _heat_approach_and_loss(park: Park, pairs: pd.DataFrame) -> pd.Series:
    """Set each heat pair's approach and cut its yield by the pipe's heat loss; return the
    heat mask."""
    heat = pairs.category == "heat"
    cfg = park.config.heat
    between = pairs.from_firm != pairs.to_firm
    pairs["approach_c"] = np.where(heat, cfg.min_approach_c
                                   + np.where(between, cfg.inter_firm_approach_c, 0.0), np.nan)
    loss = np.where(heat, cfg.loss_per_km * pairs.distance_km, 0.0)
    pairs["yield"] = pairs["yield"] * (1.0 - loss)
    return heat


def pair_economics(park: Park, pairs: pd.DataFrame) -> pd.DataFrame:
    """Unit value, capacity and link costs of any supply→demand pairs (e.g. rejected ones),
    computed exactly as for candidate links (`_link_economics`), ignoring quality limits.

    `pairs` needs from_stream, to_stream, from_firm, to_firm, from_resource, to_resource,
    category and distance_km; a pair whose heat is all lost in the pipe gets capacity 0.
    """
    s = park.streams
    out = pairs.reset_index(drop=True).copy()
    for side, key in (("supply", "from_stream"), ("demand", "to_stream")):
        for column in ("quantity", "unit_cost", "unit_co2", "t_in", "t_out"):
            out[f"{side}_{column}"] = s[column].reindex(out[key]).to_numpy()
    rules = compatibility(park).drop(columns="max_distance_km")
    out = out.merge(rules, on=["from_resource", "to_resource"], how="left", validate="m:1")
    _heat_approach_and_loss(park, out)
    links = _link_economics(park, out)
    links["capacity"] = np.where(links["yield"] > 0, links.capacity.fillna(0.0), 0.0)
    return links


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
