"""The candidate network: which links are possible, what each costs, and why others are not.

Candidate pairs come from joins on resource compatibility (same resource, or an
`exchanges.csv` row), never from a loop over supply × demand; then distance and quality screens
mark each pair as a candidate link or a rejected pair with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import networkx as nx
import numpy as np
import pandas as pd

from scipy.spatial import cKDTree

from .errors import InputError, Problem
from .geo import (EARTH_RADIUS_KM, great_circle_km, manhattan_geographic_km, manhattan_km,
                  planar_km)
from .heat_hubs import node_temperatures
from .park import Park
from .decisions import decided_kept, existing_links
from .routes import SHARED, route_ids, route_table
from .regulation import NOT_LICENSED, unlicensed

# Why a compatible pair is not a candidate link (the `reason` column of `Network.rejected`).
TOO_FAR = "too_far"
NO_QUANTITY = "no_quantity"
TEMPERATURE = "temperature"
QUALITY = "quality"
NO_UNIT_SAVING = "no_unit_saving"
FIXED_COST = "fixed_cost_not_recovered"
CAPPED = "candidate_cap"

# Up to this many compatible pairs, all are enumerated and far ones listed as `too_far`;
# beyond it a spatial index finds only the pairs within reach (why_not still explains others).
FULL_PAIR_LIMIT = 1_000_000

SUPPLY_COLUMNS = ["from_stream", "from_firm", "from_resource", "supply_quantity",
                  "supply_unit_cost", "supply_unit_co2", "supply_t_in", "supply_t_out"]
RULE_COLUMNS = ["yield", "processing_cost", "processing_co2", "max_distance_km"]
DEMAND_COLUMNS = ["to_stream", "to_firm", "demand_quantity", "demand_unit_cost",
                  "demand_unit_co2", "demand_t_in", "demand_t_out"]
# Per-pair inputs of the screens and of the capacity that nothing reads from a candidate link:
# left out of `Network.links` (at 10,000 firms each is 91 MB of float64 over 11 million links).
# `pair_economics` still gives them for any pair. (The unit costs and CO2 of both ends stay:
# benefit sharing prices each link between them, formulation/transfers.py.)
SCREEN_ONLY_COLUMNS = ["supply_t_in", "supply_t_out", "max_distance_km", "demand_t_in",
                       "demand_t_out", "distance_limit_km", "unit_co2_saving"]
REJECTED_COLUMNS = ["from_stream", "to_stream", "from_firm", "to_firm", "category",
                    "from_resource", "to_resource", "distance_km", "reason", "detail"]


@dataclass(frozen=True)
class Network:
    """Candidate links (`links`, indexed by link_id), rejected pairs and quality data.

    `links` has, per link, both streams' ids, firms and resources, the category and mode,
    supply_quantity and demand_quantity, the rule's yield (after heat lost in the pipe) and
    processing cost and CO2, distance_km, approach_c (heat), the transport and unit costs and
    CO2, fixed_cost, annualised_capex, capacity and unit_value (see `_link_economics`; the
    screens' other inputs are in `pair_economics`, not here).

    `link_qualities` has one row per candidate link and property its demand limits:
    the `level` delivered (the exchange's treated level, else the supply's) and the demand's
    `limit`. With `value_screened`, pairs that can
    never pay (see `build_network`) are not candidates either.
    """

    links: pd.DataFrame
    rejected: pd.DataFrame
    link_qualities: pd.DataFrame
    park: Park
    value_screened: bool = False
    # Facility nodes (facilities.py): one row per (facility, side, resource), indexed by node
    # id (the from_stream or to_stream of its arcs); empty without facilities.
    facility_nodes: pd.DataFrame = field(default_factory=lambda: empty_facility_nodes())
    # Input limits of facilities (`<facility_id>:in` in qualities.csv): one row per arc into a
    # facility and property its input limits, with the arc's level and the limit, as
    # link_qualities; a blend limit on the facility's intake (formulation/facilities.py).
    facility_qualities: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def facility_arcs(self) -> np.ndarray:
        """Which links are arcs to or from a facility (a bool per link)."""
        if self.facility_nodes.empty:
            return np.zeros(len(self.links), dtype=bool)
        nodes = self.facility_nodes.index
        return (self.links.from_stream.isin(nodes) | self.links.to_stream.isin(nodes)).to_numpy()

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Firms as nodes, candidate links as edges keyed by link_id."""
        return firm_graph(self.park, self.links)

    def why_not(self, from_stream: str, to_stream: str) -> str:
        """Say why a supply is not a candidate for a demand (or that it is one).

        An id that is not a supply (a demand) stream of the park is an error, never an
        answer about resources: a misspelt id must not read as a reason.
        """
        streams = self.park.streams
        for sid, direction in ((from_stream, "supply"), (to_stream, "demand")):
            if sid not in streams.index:
                raise InputError(Problem("why_not", f"unknown {direction} stream {sid!r}"))
            if streams.direction[sid] != direction:
                raise InputError(Problem("why_not", f"{sid!r} is a {streams.direction[sid]} "
                                                    f"stream, not a {direction}"))
        if link_id_of(from_stream, to_stream) in self.links.index:
            return "candidate link"
        hit = self.rejected[(self.rejected.from_stream == from_stream)
                            & (self.rejected.to_stream == to_stream)]
        if len(hit):
            return f"{hit.reason.iloc[0]}: {hit.detail.iloc[0]}"
        # Not listed: the spatial path skips pairs beyond reach. Screen this one pair alone.
        sides, compat = _Sides.of(self.park), compatibility(self.park)
        pairs = _pair_positions(sides, compat, [from_stream], [to_stream])
        if (pairs.to_numpy() < 0).any():
            return ("resources not compatible (no exchange from the supply's resource to "
                    "the demand's)")
        one = _screen(self.park, sides, compat, pairs, self.value_screened)
        if len(one.rejected):
            return f"{one.rejected.reason.iloc[0]}: {one.rejected.detail.iloc[0]}"
        return "candidate link"


    def restrict(self, keep: np.ndarray, reason: str | None = None,
                 detail: str = "") -> Network:
        """The network with only the links `keep` (a bool per link). With a `reason` the
        others become rejected pairs (they are no longer candidates); without one they are
        left out silently (a program over part of the candidates, see symbiosis.selection)."""
        links = self.links
        rejected = self.rejected
        if reason is not None and not keep.all():
            moved = links.loc[~keep, [c for c in REJECTED_COLUMNS
                                      if c not in ("reason", "detail")]]
            moved = moved.reset_index(drop=True).assign(reason=reason, detail=detail)
            rejected = pd.concat([rejected, moved], ignore_index=True)[REJECTED_COLUMNS]
        qualities = self.link_qualities
        qualities = qualities[qualities.link_id.isin(links.index[keep])].reset_index(drop=True)
        intake = self.facility_qualities
        if len(intake):
            intake = intake[intake.link_id.isin(links.index[keep])].reset_index(drop=True)
        return replace(self, links=links.loc[keep], rejected=rejected,
                       link_qualities=qualities, facility_qualities=intake)


def link_id_of(from_stream, to_stream):
    return from_stream + "->" + to_stream


def build_network(park: Park, spatial: bool | None = None, screen_value: bool | None = None,
                  objective: str = "cost", cap: bool = True) -> Network:
    """Candidate links of a park, and the reason each other compatible pair is not one.

    `spatial` forces (or forbids) the spatial-index path. With `screen_value`, a pair whose
    value at full capacity cannot cover its fixed and annualised capital cost is rejected
    (`no_unit_saving`, `fixed_cost_not_recovered`): for the cost objective such a link is never
    needed, since replacing its flow by purchase and disposal is feasible and costs no more.
    By default (None) the network is the one `optimise` solves for `objective`: screened for
    the cost objective unless utility levels are limited (`Park.has_limited_utilities`).
    Pass `screen_value=False` for every compatible pair within reach (e.g. before adding a
    constraint that could make a link that never pays worth building). With `cap=False`
    `links.max_candidates_per_demand` is not applied (`capped_out` gives the links it would
    drop): the optimiser prices the dropped links to bound what the cap costs.
    """
    if screen_value is None:  # a landfill ban may force a link that never pays (policy.py)
        screen_value = (objective == "cost" and not park.has_limited_utilities
                        and not park.config.policy.landfill_ban)
    sides = _Sides.of(park)
    compat = compatibility(park)
    pairs = _compatible_pairs(park, sides, compat, spatial, screen_value)
    network = _screen(park, sides, compat, pairs, screen_value)
    if len(park.candidate_facilities):
        network = _with_facilities(network, sides, compat, spatial)
    limit = park.config.links.max_candidates_per_demand
    if cap and limit is not None:
        out = capped_out(network.links, limit, decided_kept(park, network.links))
        network = network.restrict(~out, CAPPED, cap_detail(limit))
    return network


def compatibility(park: Park) -> pd.DataFrame:
    """Which resource can serve which: identity for each resource, overridden by exchanges."""
    res = park.resources.index
    identity = pd.DataFrame({"from_resource": res, "to_resource": res, "yield": 1.0,
                             "processing_cost": 0.0, "processing_co2": 0.0,
                             "max_distance_km": np.nan})
    ex = park.exchanges[["from_resource", "to_resource", "yield", "processing_cost",
                         "processing_co2", "max_distance_km"]]
    table = pd.concat([ex, identity], ignore_index=True)
    return table.drop_duplicates(["from_resource", "to_resource"],
                                 keep="first").reset_index(drop=True)


@dataclass(frozen=True)
class _Sides:
    """Supplies and demands as column tables, with positions of their firms and sort ranks.

    Pairs refer to them by position (`si`, `di`), so screening works on integers and
    numbers; the id strings are gathered only for the rows that are output.
    """

    supplies: pd.DataFrame
    demands: pd.DataFrame
    supply_firm: np.ndarray
    demand_firm: np.ndarray
    supply_rank: np.ndarray  # order of the stream id among supplies
    demand_rank: np.ndarray

    @classmethod
    def of(cls, park: Park) -> _Sides:
        s = park.streams
        cols = ["firm_id", "resource", "quantity", "unit_cost", "unit_co2", "t_in", "t_out"]
        supplies = s.loc[s.direction == "supply", cols]
        demands = s.loc[s.direction == "demand", cols]
        supplies.columns = [c for c in SUPPLY_COLUMNS if c != "from_stream"]
        demands.columns = ["to_firm", "to_resource"] + DEMAND_COLUMNS[2:]
        firms = site_table(park).index
        return cls(supplies=supplies.rename_axis("from_stream"),
                   demands=demands.rename_axis("to_stream"),
                   supply_firm=firms.get_indexer(supplies.from_firm),
                   demand_firm=firms.get_indexer(demands.to_firm),
                   supply_rank=_rank(supplies.index), demand_rank=_rank(demands.index))


def _rank(ids: pd.Index) -> np.ndarray:
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids.to_numpy(dtype=object), kind="stable")] = np.arange(len(ids))
    return rank


def _compatible_pairs(park: Park, sides: _Sides, compat: pd.DataFrame, spatial: bool | None,
                      screen_value: bool) -> pd.DataFrame:
    """(si, di, ri) of compatible pairs, sorted by supply id then demand id.

    All of them for a park up to FULL_PAIR_LIMIT pairs; beyond that (or with spatial=True)
    only those within reach, found with a KD-tree per resource pair: within the distance
    limit and, with `screen_value`, within the distance the supply's value could pay for.
    """
    by_supply = sides.supplies.groupby("from_resource", sort=False).indices
    by_demand = sides.demands.groupby("to_resource", sort=False).indices
    empty = np.empty(0, dtype=np.int64)
    groups = [(r, by_supply.get(rule.from_resource, empty), by_demand.get(rule.to_resource, empty))
              for r, rule in enumerate(compat.itertuples(index=False))]
    groups = [(r, S, D) for r, S, D in groups if len(S) and len(D)]
    if spatial is None:
        spatial = sum(len(S) * len(D) for _, S, D in groups) > FULL_PAIR_LIMIT
    found = []
    for r, S, D in groups:  # a loop over resource pairs, not over streams
        if spatial:
            si, di = _pairs_within_reach(park, sides, compat.iloc[r], S, D, screen_value)
        else:
            si, di = np.repeat(S, len(D)), np.tile(D, len(S))
        found.append(pd.DataFrame({"si": si, "di": di, "ri": r}))
    pairs = (pd.concat(found, ignore_index=True) if found
             else pd.DataFrame({"si": empty, "di": empty, "ri": empty}))
    order = np.lexsort((sides.demand_rank[pairs.di.to_numpy()],
                        sides.supply_rank[pairs.si.to_numpy()]))
    return pairs.iloc[order].reset_index(drop=True)


def _firm_points(park: Park) -> np.ndarray:
    """Firm positions in which Euclidean distance orders like the park's distance:
    the plane, or points on a sphere of the Earth's radius (chord length)."""
    f = site_table(park)
    if park.coordinates == "geographic":
        lat, lon = np.radians(f.lat.to_numpy()), np.radians(f.lon.to_numpy())
        return EARTH_RADIUS_KM * np.column_stack([np.cos(lat) * np.cos(lon),
                                                  np.cos(lat) * np.sin(lon), np.sin(lat)])
    return np.column_stack([f.x_km.to_numpy(), f.y_km.to_numpy()])


def _reach_radius(park: Park, km: np.ndarray) -> np.ndarray:
    km = km / least_distance_factor(park)  # a road of `km` spans at most this straight line
    if park.coordinates == "geographic":  # chord of a great-circle arc of `km`
        return 2 * EARTH_RADIUS_KM * np.sin(np.minimum(km / (2 * EARTH_RADIUS_KM), np.pi / 2))
    return km


def _pairs_within_reach(park: Park, sides: _Sides, rule: pd.Series, S: np.ndarray,
                        D: np.ndarray, screen_value: bool) -> tuple[np.ndarray, np.ndarray]:
    points = _firm_points(park)
    km = np.full(len(S), np.fmin(rule.max_distance_km, park.config.links.max_distance_km))
    if screen_value and park.config.links.routes != SHARED:  # a shared route pays for all
        km = np.minimum(km, _value_reach_km(park, sides, rule, S, D))
    keep = km >= 0
    S, km = S[keep], km[keep]
    tree = cKDTree(points[sides.demand_firm[D]])
    hits = tree.query_ball_point(points[sides.supply_firm[S]],
                                 r=_reach_radius(park, km) * (1 + 1e-9) + 1e-9)
    counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
    if counts.sum() == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    di = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits if h])
    return np.repeat(S, counts), D[di]


def _value_reach_km(park: Park, sides: _Sides, rule: pd.Series, S: np.ndarray,
                    D: np.ndarray) -> np.ndarray:
    """How far each supply's links could reach and still pay (−1: nowhere).

    An upper bound on any link's value at full capacity, whatever its demand:
    q_s·(c_s)⁺ + (c_D)⁺·min(η·q_s, max q_d) + q_s·(−processing)⁺, each c with its carbon
    price. The screen rejects links whose value is at most fixed + capex·km, so none is
    farther than (bound − fixed) / (annualised capex per km).
    """
    carbon = park.config.economics.carbon_price
    s, d = sides.supplies.iloc[S], sides.demands.iloc[D]
    q_s = s.supply_quantity.to_numpy()
    supply_part = np.maximum(s.supply_unit_cost.to_numpy() + carbon * s.supply_unit_co2, 0)
    demand_part = max(float((d.demand_unit_cost + carbon * d.demand_unit_co2).max()), 0.0)
    processing = max(-(rule.processing_cost + carbon * rule.processing_co2), 0.0)
    bound = (q_s * (supply_part + processing)
             + demand_part * np.minimum(rule["yield"] * q_s, d.demand_quantity.max()))
    cfg = park.config.links
    mode = park.resources.loc[rule.from_resource, "mode"]
    fixed, capex = (cfg.pipe.fixed_cost, cfg.pipe.capex_per_km) if mode == "pipe" else (
        cfg.truck.fixed_cost, cfg.truck.capex_per_km)
    per_km = capex * park.annuity
    with np.errstate(divide="ignore"):
        reach = np.where(per_km > 0, (bound - fixed) / per_km, np.inf)
    return np.where(bound > fixed, reach, -1.0)


def site_table(park: Park) -> pd.DataFrame:
    """Where links start and end: the firms, then the candidate facilities' sites (the same
    columns: x_km, y_km or lat, lon), indexed by id."""
    f = park.candidate_facilities
    if f.empty:
        return park.firms
    cols = ["lat", "lon"] if park.coordinates == "geographic" else ["x_km", "y_km"]
    sites = f.drop_duplicates("facility_id").set_index("facility_id")[cols]
    return pd.concat([park.firms[cols], sites])


def _circuity(park: Park, modes: np.ndarray | None) -> np.ndarray | float:
    """links.circuity, or a mode's own (links.truck.circuity, links.pipe.circuity)."""
    cfg = park.config.links
    truck = cfg.truck.circuity or cfg.circuity
    pipe = cfg.pipe.circuity or cfg.circuity
    if truck == pipe or modes is None:
        return truck if truck == pipe else max(truck, pipe)
    return np.where(modes == "pipe", pipe, truck)


def distances_adjusted(park: Park) -> bool:
    """distances.csv or a circuity other than 1: links.csv then says which distance a link
    uses (`distance_source`)."""
    cfg = park.config.links
    factors = (cfg.circuity, cfg.truck.circuity or 1.0, cfg.pipe.circuity or 1.0)
    return bool(len(park.distances)) or any(c != 1 for c in factors)


def least_distance_factor(park: Park) -> float:
    """The least ratio of a link's distance to the straight line between its sites: the
    least circuity, and the least ratio of a distances.csv row to its straight line (a road
    is rarely shorter, but a table may say so): the spatial index searches that much wider."""
    cfg = park.config.links
    least = min(cfg.truck.circuity or cfg.circuity, cfg.pipe.circuity or cfg.circuity)
    d = park.distances
    if len(d):
        sites = site_table(park).index
        i, j = sites.get_indexer(d["from"]), sites.get_indexer(d["to"])
        ok = (i >= 0) & (j >= 0)
        straight = _straight_km(park, i[ok], j[ok])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(straight > 0, d.km.to_numpy()[ok] / straight, np.inf)
        if len(ratio):
            least = min(least, float(ratio.min()))
    return max(least, 1e-6)


def _straight_km(park: Park, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The computed distance of site pairs (before circuity): the straight line or great
    circle, or with `links.distance: manhattan` the street-grid distance (never shorter, so
    the spatial search's straight-line radius still finds every pair within reach)."""
    f = site_table(park)
    manhattan = park.config.links.distance == "manhattan"
    if park.coordinates == "geographic":
        lat, lon = f.lat.to_numpy(), f.lon.to_numpy()
        d = (manhattan_geographic_km if manhattan else great_circle_km)(
            lat[i], lon[i], lat[j], lon[j])
    else:
        x, y = f.x_km.to_numpy(), f.y_km.to_numpy()
        d = (manhattan_km if manhattan else planar_km)(x[i], y[i], x[j], y[j])
    return np.where(i == j, 0.0, d)


def _table_lookup(park: Park, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The distances.csv km of each site pair (i, j), NaN where it lists none."""
    d, n = park.distances, len(site_table(park))
    out = np.full(len(i), np.nan)
    if not len(d) or not len(i):
        return out
    sites = site_table(park).index
    a, b = sites.get_indexer(d["from"]), sites.get_indexer(d["to"])
    ok = (a >= 0) & (b >= 0)
    keys = a[ok].astype(np.int64) * n + b[ok]
    order = np.argsort(keys)
    keys, km = keys[order], d.km.to_numpy()[ok][order]
    want = np.asarray(i, np.int64) * n + j
    at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    hit = keys[at] == want
    out[hit] = km[at[hit]]
    return out


def _firm_distances(park: Park, i: np.ndarray, j: np.ndarray,
                    modes: np.ndarray | None = None) -> np.ndarray:
    """Distances between sites: distances.csv where it lists the pair, else the straight
    line (or great circle) times the circuity of the link's mode; 0 within one firm."""
    d = _straight_km(park, i, j)
    if not distances_adjusted(park):
        return d
    d = d * _circuity(park, modes)
    table = _table_lookup(park, i, j)
    return np.where(np.isnan(table) | (i == j), d, table)


def distance_source(park: Park, i: np.ndarray, j: np.ndarray,
                    modes: np.ndarray | None = None) -> np.ndarray:
    """Which distance each site pair uses: `distances.csv`, `circuity` (the straight line
    times a circuity other than 1) or `straight_line` (0 km within one firm)."""
    table = ~np.isnan(_table_lookup(park, i, j)) & (i != j)
    scaled = np.broadcast_to(np.asarray(_circuity(park, modes)) != 1, len(i))
    return np.where(table, "distances.csv",
                    np.where(scaled & (i != j), "circuity", "straight_line")).astype(object)


class _Reasons:
    """The first reason found for each pair, with its detail, filled screen by screen."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, "", dtype=object)
        self.detail = np.full(n, "", dtype=object)
        self._open = np.ones(n, dtype=bool)

    @property
    def open(self) -> np.ndarray:
        """Pairs with no reason yet (a copy: the mask may be kept while screening goes on)."""
        return self._open.copy()

    def reject(self, mask: np.ndarray, reason: str, detail) -> None:
        """`detail`: a string, or a function of the newly rejected rows giving their details."""
        new = mask & self.open
        if not new.any():
            return
        self.reason[new] = reason
        self._open[new] = False
        self.detail[new] = detail if isinstance(detail, str) else np.asarray(detail(new),
                                                                            dtype=object)


def _fmt(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float)).round(2).astype(str)


def _pair_table(park: Park, sides: _Sides, compat: pd.DataFrame,
                pairs: pd.DataFrame, distance_km: np.ndarray | None = None) -> pd.DataFrame:
    """The columns of pairs (si, di, ri): both streams, the rule, distance, heat approach and
    the yield after heat lost in the pipe (`distance_km`: the pairs' distances if known)."""
    si, di, ri = pairs.si.to_numpy(), pairs.di.to_numpy(), pairs.ri.to_numpy()
    t = pd.concat([sides.supplies.reset_index().iloc[si].reset_index(drop=True),
                   sides.demands[["to_resource"]].iloc[di].reset_index(drop=True),
                   compat[RULE_COLUMNS].iloc[ri].reset_index(drop=True),
                   sides.demands.reset_index()[DEMAND_COLUMNS].iloc[di].reset_index(drop=True)],
                  axis=1)
    supply_category = park.resources.category.reindex(sides.supplies.from_resource)
    t["category"] = supply_category.array.take(si)  # a take: no per-row check of strings
    supply_category = supply_category.to_numpy()
    i, j = sides.supply_firm[si], sides.demand_firm[di]
    adjusted = distances_adjusted(park)
    modes = (park.resources["mode"].reindex(sides.supplies.from_resource).to_numpy()[si]
             if adjusted else None)
    t["distance_km"] = _firm_distances(park, i, j, modes) if distance_km is None else distance_km
    if adjusted:
        t["distance_source"] = distance_source(park, i, j, modes)
    t["distance_limit_km"] = np.fmin(t.max_distance_km.to_numpy(),
                                     park.config.links.max_distance_km)
    heat = (supply_category == "heat")[si]
    cfg = park.config.heat
    between = sides.supply_firm[si] != sides.demand_firm[di]  # firm ids are unique
    t["approach_c"] = np.where(heat, cfg.min_approach_c
                               + np.where(between, cfg.inter_firm_approach_c, 0.0), np.nan)
    loss = np.where(heat, cfg.loss_per_km * t.distance_km.to_numpy(), 0.0)
    t["yield"] = t["yield"].to_numpy() * (1.0 - loss)
    return t


def pair_economics(park: Park, pairs: pd.DataFrame) -> pd.DataFrame:
    """Unit value, capacity and link costs of any compatible supply→demand pairs (e.g.
    rejected ones, given by from_stream and to_stream), computed as for candidate links:
    the capacity includes the quality and temperature limits of the pair alone, so why-not
    gives the numbers the model uses. With a `reason` column, a pair rejected for `quality`
    (or `temperature`) is valued as if its quality (or temperatures) allowed: under its own
    screen it could carry nothing. A pair whose heat is all lost in the pipe gets capacity 0."""
    sides, compat = _Sides.of(park), compatibility(park)
    positions = _pair_positions(sides, compat, pairs.from_stream, pairs.to_stream)
    reason = (pairs.reason.to_numpy() if "reason" in pairs
              else np.full(len(pairs), "", dtype=object))
    table = _pair_table(park, sides, compat, positions)
    links = _link_economics(park, table, temperature=reason != TEMPERATURE)
    valid = (positions.to_numpy() >= 0).all(axis=1)
    quality = _quality_table(park, sides, compat, positions, valid)
    limited = np.fmin(links.capacity.to_numpy(), _quality_capacity(links, quality))
    links["capacity"] = np.where(reason == QUALITY, links.capacity, limited)
    links["capacity"] = np.where(links["yield"] > 0, links.capacity, 0.0)
    return links


def _pair_positions(sides: _Sides, compat: pd.DataFrame, from_streams,
                    to_streams) -> pd.DataFrame:
    """(si, di, ri) of pairs given by stream ids; −1 where a stream or rule is missing."""
    si = sides.supplies.index.get_indexer(from_streams)
    di = sides.demands.index.get_indexer(to_streams)
    rule = pd.MultiIndex.from_frame(compat[["from_resource", "to_resource"]])
    ri = rule.get_indexer(pd.MultiIndex.from_arrays(
        [sides.supplies.from_resource.to_numpy()[si], sides.demands.to_resource.to_numpy()[di]]))
    missing = (si < 0) | (di < 0)
    return pd.DataFrame({"si": si, "di": di, "ri": np.where(missing, -1, ri)})


def _screen(park: Park, sides: _Sides, compat: pd.DataFrame, pairs: pd.DataFrame,
            screen_value: bool) -> Network:
    """Screen pairs (si, di, ri): distance, quantity, heat, quality, then value (the cap is
    applied by build_network, on the links that pass).

    A province has millions of pairs, so the wide tables are built once each and the copies
    are column by column: the pairs' table is dropped once the rejected rows are taken from
    it, the links' table is gathered again from the streams for the pairs that pass (the
    distances are kept, everything else is a lookup), and the value screen keeps its links
    by moving one column at a time."""
    t = _pair_table(park, sides, compat, pairs)
    why = _Reasons(len(t))
    _screen_distance(t, why)
    why.reject((t.supply_quantity.to_numpy() <= 0) | (t.demand_quantity.to_numpy() <= 0),
               NO_QUANTITY, "supply or demand quantity is zero")
    _screen_heat(t, why)
    quality = _quality_table(park, sides, compat, pairs, why.open)
    _screen_quality(t, quality, why)
    _screen_licences(park, t, why)
    ok = np.flatnonzero(why.open)
    closed = np.flatnonzero(~why.open)
    rejected = [_take_rows(t, closed, REJECTED_COLUMNS[:-2]).set_axis(closed)]
    km = t.distance_km.to_numpy()[ok]
    del t
    quality = quality[why.open[quality.pair.to_numpy()]].reset_index(drop=True)
    links = _pair_table(park, sides, compat, pairs.iloc[ok], distance_km=km).set_axis(ok)
    del km
    resource_pos = park.resources.index.get_indexer(sides.supplies.from_resource)
    links = _link_economics(park, links, copy=False,  # capacity within balances, temperatures
                            resource_pos=resource_pos[pairs.si.to_numpy()[ok]])
    links["capacity"] = np.minimum(links.capacity, _quality_capacity(links, quality))
    if screen_value:
        _screen_value(links, why, park.config.links.routes == SHARED)
        passed = why.open[ok]
        if not passed.all():
            out = np.flatnonzero(~passed)
            rejected.append(_take_rows(links, out, REJECTED_COLUMNS[:-2]).set_axis(ok[out]))
            ok = ok[passed]
            quality = quality[why.open[quality.pair.to_numpy()]]
    else:
        passed = np.ones(len(ok), dtype=bool)
    kept = [c for c in links.columns if c not in SCREEN_ONLY_COLUMNS]
    links = _take_rows(links, np.flatnonzero(passed), kept, move=True).set_axis(ok)
    # link_id_of, one concatenation per link: "S->" is made once per supply
    prefix = sides.supplies.index.to_numpy(dtype=object) + "->"
    links.index = pd.Index(prefix[pairs.si.to_numpy()[ok]]
                           + sides.demands.index.to_numpy(dtype=object)[pairs.di.to_numpy()[ok]],
                           name="link_id")
    rows = np.flatnonzero(~why.open)
    rejected = (pd.concat(rejected) if len(rejected) > 1 else rejected[0]).sort_index()
    rejected = rejected.assign(reason=why.reason[rows], detail=why.detail[rows])
    pair = quality.pair.to_numpy()
    link_qualities = pd.DataFrame({
        "link_id": links.index.to_numpy()[np.searchsorted(ok, pair)],
        "from_stream": sides.supplies.index.to_numpy()[pairs.si.to_numpy()[pair]],
        "to_stream": sides.demands.index.to_numpy()[pairs.di.to_numpy()[pair]],
        "property": quality.property.to_numpy(), "level": quality.level.to_numpy(),
        "limit": quality.limit.to_numpy()})
    return Network(links=links, rejected=rejected[REJECTED_COLUMNS].reset_index(drop=True),
                   link_qualities=link_qualities, park=park, value_screened=screen_value)


def _take_rows(frame: pd.DataFrame, rows: np.ndarray, columns: list[str] | None = None,
               move: bool = False) -> pd.DataFrame:
    """frame.iloc[rows] (of `columns`), a column at a time, each column keeping its dtype.
    With `move` the other columns are deleted from `frame` first and each column once copied,
    so that a table of millions of rows is never held twice."""
    columns = columns if columns is not None else list(frame.columns)
    if move:
        for c in [c for c in frame.columns if c not in columns]:
            del frame[c]
    out = {}
    for c in columns:
        out[c] = frame[c].array.take(rows)
        if move:
            del frame[c]
    return pd.DataFrame(out, copy=False)


def _screen_distance(t: pd.DataFrame, why: _Reasons) -> None:
    limit = t.distance_limit_km.to_numpy()
    km = t.distance_km.to_numpy()
    why.reject(km > limit, TOO_FAR,
               lambda m: "distance " + _fmt(km[m]) + " km > limit " + _fmt(limit[m]) + " km")


def _screen_heat(t: pd.DataFrame, why: _Reasons) -> None:
    """Heat pairs: whether any heat arrives, and whether any can flow at these temperatures.

    A supply can serve a demand only if its inlet is hotter than the demand's inlet by more
    than the approach (ΔTmin, plus the inter-firm approach between firms), or by at least the
    approach when both are at constant temperature.
    """
    heat = (t.category == "heat").to_numpy()
    approach = t.approach_c.to_numpy()
    why.reject(heat & (t["yield"].to_numpy() <= 0), TOO_FAR, "all heat would be lost in the pipe")
    s_in, d_in = t.supply_t_in.to_numpy(), t.demand_t_in.to_numpy()
    # Two constant-temperature streams exchange heat even exactly at the approach.
    latent = (s_in == t.supply_t_out.to_numpy()) & (d_in == t.demand_t_out.to_numpy())
    cold = heat & ~((s_in > d_in + approach) | (latent & (s_in >= d_in + approach)))
    why.reject(cold, TEMPERATURE,
               lambda m: ("supply at most " + pd.Series(s_in[m]).astype(str)
                          + " °C cannot heat a demand from " + pd.Series(d_in[m]).astype(str)
                          + " °C with an approach of " + pd.Series(approach[m]).astype(str)
                          + " K"))


def _screen_licences(park: Park, t: pd.DataFrame, why: _Reasons) -> None:
    """Hazardous resources need a licensed receiver (symbiosis.regulation)."""
    gate = unlicensed(park, t.from_resource.to_numpy(), t.from_firm.to_numpy(),
                      t.to_firm.to_numpy())
    if gate is not None:
        why.reject(gate[0], NOT_LICENSED, gate[1])


def _quality_table(park: Park, sides: _Sides, compat: pd.DataFrame, pairs: pd.DataFrame,
                   open_: np.ndarray) -> pd.DataFrame:
    """One row per open pair and property its demand limits, with the level delivered (or NaN):
    the exchange's treated level where exchange_qualities.csv gives one for the pair's rule
    `ri`, else the supply's own level."""
    q = park.qualities
    s_pos = sides.supplies.index.get_indexer(q.stream_id)
    d_pos = sides.demands.index.get_indexer(q.stream_id)
    limits = pd.DataFrame({"di": d_pos, "property": q.property.to_numpy(),
                           "limit": q.value.to_numpy()})[d_pos >= 0]
    levels = pd.DataFrame({"si": s_pos, "property": q.property.to_numpy(),
                           "level": q.value.to_numpy()})[s_pos >= 0]
    eq = park.exchange_qualities
    rule = pd.MultiIndex.from_frame(compat[["from_resource", "to_resource"]])
    ri = rule.get_indexer(pd.MultiIndex.from_frame(eq[["from_resource", "to_resource"]])) \
        if len(eq) else np.empty(0, dtype=np.int64)
    treated = pd.DataFrame({"ri": ri, "property": eq.property.to_numpy(),
                            "treated": eq.value.to_numpy(dtype=float)})[ri >= 0]
    rows = np.flatnonzero(open_)
    table = (pd.DataFrame({"pair": rows, "si": pairs.si.to_numpy()[rows],
                           "di": pairs.di.to_numpy()[rows], "ri": pairs.ri.to_numpy()[rows]})
             .merge(limits, on="di").merge(levels, on=["si", "property"], how="left")
             .merge(treated, on=["ri", "property"], how="left"))
    table["level"] = table.treated.fillna(table.level)
    table = table.drop(columns=["si", "di", "ri", "treated"])  # a row per pair and property
    return table.sort_values(["pair"], kind="stable", ignore_index=True)


def _screen_quality(t: pd.DataFrame, quality: pd.DataFrame, why: _Reasons) -> None:
    missing = quality[quality.level.isna()]
    unusable = quality[(quality.limit == 0) & (quality.level > 0)]
    for rows, text in ((missing, "supply has no {p} value; the demand limits it"),
                       (unusable, "supply {p} above the demand's limit of 0")):
        first = rows.drop_duplicates("pair")
        mask = np.zeros(len(t), dtype=bool)
        mask[first.pair.to_numpy()] = True
        detail = np.full(len(t), "", dtype=object)
        detail[first.pair.to_numpy()] = [text.format(p=p) for p in first.property]
        why.reject(mask, QUALITY, lambda m, detail=detail: detail[m])


def _quality_capacity(links: pd.DataFrame, quality: pd.DataFrame) -> np.ndarray:
    """Most a link can carry alone under its demand's limits: η·x·level ≤ limit·q_d.

    The quality rows imply it (other terms are non-negative), so it is a valid, tighter
    big-M for the link activation row. `links` is indexed by pair.
    """
    q = quality[quality.level > 0]
    if q.empty:
        return np.full(len(links), np.inf)
    pair = q.pair.to_numpy()
    order = np.argsort(pair, kind="stable") if (np.diff(pair) < 0).any() else None
    limit, level = q.limit.to_numpy(), q.level.to_numpy()
    if order is not None:
        pair, limit, level = pair[order], limit[order], level[order]
    at = np.searchsorted(links.index.to_numpy(), pair)  # links are sorted by pair
    eta = links["yield"].to_numpy()[at]
    demand = links.demand_quantity.to_numpy()[at]
    bound = limit * demand / (eta * level)
    # the least bound of each run of one pair (NaN only where all are, as groupby's min)
    start = np.r_[0, np.flatnonzero(pair[1:] != pair[:-1]) + 1]
    least = np.full(len(links), np.inf)
    least[at[start]] = np.fmin.reduceat(bound, start)
    return least


def _screen_value(links: pd.DataFrame, why: _Reasons, shared_routes: bool = False) -> None:
    """Reject links that cannot pay even alone at full capacity (links indexed by pair);
    with shared routes, links whose route cannot pay with all its links at capacity."""
    rows = links.index.to_numpy()
    value = links.unit_value.to_numpy()
    best = value * links.capacity.to_numpy()
    cost = (links.fixed_cost + links.annualised_capex).to_numpy()
    if shared_routes:
        best, cost = route_worth(links)
    mask = np.zeros(len(why.reason), dtype=bool)
    mask[rows[value <= 0]] = True
    why.reject(mask, NO_UNIT_SAVING, lambda m: ("a unit sent would save at most "
                                          + _fmt(value[np.searchsorted(rows, np.flatnonzero(m))])
                                          + " per unit, after transport and processing"))
    mask[:] = False
    mask[rows[best <= cost]] = True
    at = lambda m: np.searchsorted(rows, np.flatnonzero(m))  # noqa: E731
    whose = "its route's (with all its links) " if shared_routes else "its "
    why.reject(mask, FIXED_COST, lambda m: ("worth at most " + _fmt(best[at(m)])
                                            + " per year at full capacity, not more than "
                                            + whose + "fixed and annualised capital cost of "
                                            + _fmt(cost[at(m)])))


def route_worth(links: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per link: the most its route can earn (all its links at capacity) and the route's
    fixed and annualised capital cost (symbiosis.routes)."""
    ids = route_ids(links)
    table = route_table(links, ids)
    at = table.index.get_indexer(ids)
    return (table.best_value.to_numpy()[at],
            (table.fixed_cost + table.annualised_capex).to_numpy()[at])


def capped_out(links: pd.DataFrame, cap: int, keep: np.ndarray | None = None) -> np.ndarray:
    """Links beyond each demand's `cap` most valuable candidates: by what the link alone
    earns at capacity (unit value × capacity − fixed cost − annualised capex, the supplier's
    avoided disposal included), then shorter, then by supply id. Links in `keep` (forced or
    existing: decisions.decided_kept) are never out, and count against no cap."""
    worth = (links.unit_value * links.capacity - links.fixed_cost
             - links.annualised_capex).to_numpy()
    order = np.lexsort((links.from_stream.to_numpy(), links.distance_km.to_numpy(), -worth,
                        links.to_stream.to_numpy()))
    if keep is not None:
        order = order[~keep[order]]
    out = np.zeros(len(links), dtype=bool)
    out[order[rank_in_groups(links.to_stream.to_numpy()[order]) >= cap]] = True
    out[np.isnan(worth)] = False  # facility arcs (no value of their own): never capped
    return out


def rank_in_groups(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, … within each run of equal values of a sorted array (its rank in its group)."""
    if len(groups) == 0:
        return np.empty(0, dtype=np.int64)
    start = np.r_[0, np.flatnonzero(groups[1:] != groups[:-1]) + 1]
    return np.arange(len(groups)) - np.repeat(start, np.diff(np.r_[start, len(groups)]))


def cap_detail(cap: int) -> str:
    return (f"not among the {cap} most valuable candidates of its demand (what the link "
            "alone earns at capacity): links.max_candidates_per_demand")


def temperature_capacity(pairs: pd.DataFrame) -> np.ndarray:
    """Most heat one counter-current match can take from supply s for demand d (∞ off heat).

    min(Q_s, Q_d/η, CP_s·Δ, CP_d·Δ/η), Δ = t_in,s − approach − t_in,d: only the supply's
    heat above t_in,d + approach can reach d, and only d's heat below t_in,s − approach can
    come from s; the heat cascade implies both (docs/model.md), so this is a valid bound on
    the link alone. CP = Q/|t_in − t_out|, ∞ for an isothermal stream; Δ ≤ 0 gives 0, except
    Δ = 0 between two isothermal streams, which exchange min(Q_s, Q_d/η).
    """
    heat = (pairs.category == "heat").to_numpy()
    out = np.full(len(pairs), np.inf)
    rows = np.flatnonzero(heat)  # computed for heat pairs only (a province has millions)
    if not len(rows):
        return out
    col = lambda name: pairs[name].to_numpy(float)[rows]  # noqa: E731
    q_s, q_d = col("supply_quantity"), col("demand_quantity")
    eta = col("yield")
    s_in, d_in = col("supply_t_in"), col("demand_t_in")
    s_out, d_out = col("supply_t_out"), col("demand_t_out")
    delta = s_in - col("approach_c") - d_in
    with np.errstate(divide="ignore", invalid="ignore"):
        cp_s = q_s / np.abs(s_in - s_out)
        cp_d = q_d / np.abs(d_out - d_in)
        bound = np.fmin(np.fmin(q_s, q_d / eta), np.fmin(cp_s * delta, cp_d * delta / eta))
    # Two constant-temperature streams exchange all they can even exactly at the approach.
    latent = (s_in == s_out) & (d_in == d_out)
    bound = np.where(latent & (delta >= 0), np.fmin(q_s, q_d / eta), bound)
    out[rows] = np.where((delta > 0) | (latent & (delta >= 0)), bound, 0.0)
    return out


def _link_economics(park: Park, pairs: pd.DataFrame,
                    temperature: bool | np.ndarray = True, copy: bool = True,
                    resource_pos: np.ndarray | None = None) -> pd.DataFrame:
    """Unit costs, CO2, fixed and capital costs, capacity and unit value of each link.

    The capacity is what the link can carry alone within both balances and, where
    `temperature` holds, the temperatures of a heat pair (`temperature_capacity`). With
    `copy=False` the columns are added to `pairs` itself. `resource_pos`: the position in
    park.resources of each pair's from_resource, if known (a province's millions of pairs
    are not looked up by name)."""
    if resource_pos is None:
        res = park.resources.reindex(pairs.from_resource)
    else:
        r = park.resources
        res = pd.DataFrame({c: r[c].array.take(resource_pos)
                            for c in ("mode", "transport_cost", "transport_co2")}, copy=False)
    km = pairs.distance_km.to_numpy()
    mode = res["mode"].to_numpy()
    links_cfg = park.config.links
    fixed = np.where(mode == "pipe", links_cfg.pipe.fixed_cost, links_cfg.truck.fixed_cost)
    capex = np.where(mode == "pipe", links_cfg.pipe.capex_per_km, links_cfg.truck.capex_per_km)
    out = pairs.copy() if copy else pairs
    out["mode"] = res["mode"].array  # the strings as they are: no per-row check
    # Arrays, not Series (no index alignment); each column is read back from `out` rather
    # than kept in a local too (a province's columns are 91 MB each).
    col = lambda name: out[name].to_numpy()  # noqa: E731
    out["transport_unit_cost"] = res.transport_cost.to_numpy() * km
    out["unit_cost"] = col("transport_unit_cost") + col("processing_cost")
    out["transport_unit_co2"] = res.transport_co2.to_numpy() * km
    out["unit_co2"] = col("transport_unit_co2") + col("processing_co2")
    out["fixed_cost"] = fixed
    del fixed
    out["annualised_capex"] = capex * km * park.annuity
    del capex, km
    eta = col("yield")
    capacity = np.minimum(col("supply_quantity"), col("demand_quantity") / eta)
    out["capacity"] = np.where(temperature, np.fmin(capacity, temperature_capacity(out)),
                               capacity)
    del capacity
    if park.config.links.existing:
        _apply_existing(park, out)
    carbon = park.config.economics.carbon_price
    out["unit_co2_saving"] = col("supply_unit_co2") + eta * col("demand_unit_co2") - col("unit_co2")
    out["unit_value"] = (col("supply_unit_cost") + eta * col("demand_unit_cost")
                         - col("unit_cost") + carbon * col("unit_co2_saving"))
    return out


def _apply_existing(park: Park, out: pd.DataFrame) -> None:
    """Links already built (links.existing, symbiosis.decisions): no capex, their own
    capacity and fixed cost where given, and `existing` True."""
    table = existing_links(park)
    at = table.index.get_indexer(link_id_of(out.from_stream.astype(str),
                                            out.to_stream.astype(str)))
    hit = at >= 0
    out["existing"] = hit
    out["annualised_capex"] = np.where(hit, 0.0, out.annualised_capex.to_numpy())
    given = table.fixed_cost.to_numpy()[np.maximum(at, 0)]
    out["fixed_cost"] = np.where(hit & ~np.isnan(given), given, out.fixed_cost.to_numpy())
    cap = table.capacity.to_numpy()[np.maximum(at, 0)]
    out["capacity"] = np.where(hit & ~np.isnan(cap), np.fmin(out.capacity.to_numpy(), cap),
                               out.capacity.to_numpy())


# --- facilities: nodes and arcs ---------------------------------------------------------------

FACILITY_NODE_COLUMNS = ["facility_id", "side", "resource", "quantity", "t_in", "t_out"]


def empty_facility_nodes() -> pd.DataFrame:
    return pd.DataFrame({"facility_id": pd.Series(dtype=str), "side": pd.Series(dtype=str),
                         "resource": pd.Series(dtype=str), "quantity": pd.Series(dtype=float),
                         "t_in": pd.Series(dtype=float),
                         "t_out": pd.Series(dtype=float)}).rename_axis("node")


def facility_nodes(park: Park) -> pd.DataFrame:
    """One node per (facility, side, resource): `<id>:in` (`<id>:out`) where the facility
    takes (delivers) one resource, `<id>:in:<resource>` where it has several. `quantity`: most
    a node can pass in a year (the capacity in, the most yield × capacity out); `t_in`,
    `t_out`: a heat node's temperatures as a stream's (heat_hubs.node_temperatures), else NaN."""
    f = park.candidate_facilities
    if f.empty:
        return empty_facility_nodes()
    parts = []
    for side, column in (("in", "input_resource"), ("out", "output_resource")):
        per = f.assign(most=f.capacity * (f["yield"] if side == "out" else 1.0))
        nodes = (per.groupby(["facility_id", column], sort=False).most.max().reset_index()
                 .rename(columns={column: "resource", "most": "quantity"}))
        several = nodes.groupby("facility_id").resource.transform("size").to_numpy() > 1
        ids = nodes.facility_id + f":{side}"
        nodes.index = pd.Index(np.where(several, ids + ":" + nodes.resource, ids), name="node")
        parts.append(nodes.assign(side=side))
    nodes = pd.concat(parts)
    temps = node_temperatures(f)  # heat facilities have one conversion: one row per side
    key = pd.MultiIndex.from_frame(nodes[["facility_id", "side"]])
    at = pd.MultiIndex.from_frame(temps[["facility_id", "side"]]).get_indexer(key)
    for c in ("t_in", "t_out"):
        nodes[c] = np.r_[temps[c].to_numpy(float), np.nan][at]  # -1: NaN
    return nodes[FACILITY_NODE_COLUMNS]


def _with_facilities(network: Network, sides: _Sides, compat: pd.DataFrame,
                     spatial: bool | None = None) -> Network:
    """The stream network with facility arcs: each supply → a facility's in-node, each
    facility out-node → a demand, where the resources are compatible (the same rules as
    stream links), screened for distance and quality like stream links (never for value:
    an arc's worth depends on the whole facility). They join `links` with the facility id as
    from_firm or to_firm; unit_value is NaN, so the value-based steps (the greedy matcher,
    pruning, the cap) leave them alone. The capacity of an arc into a facility is not cut by
    its input limits, which bind the blend of its intake (`facility_qualities`)."""
    park = network.park
    nodes = facility_nodes(park)
    sites = site_table(park).index
    nan = np.full(len(nodes), np.nan)
    frame = lambda side: nodes[nodes.side == side]  # noqa: E731
    ins, outs = frame("in"), frame("out")
    demand_like = pd.DataFrame({"to_firm": ins.facility_id.to_numpy(),
                                "to_resource": ins.resource.to_numpy(),
                                **{c: v for c, v in zip(DEMAND_COLUMNS[2:], (
                                    ins.quantity.to_numpy(), nan[:len(ins)], nan[:len(ins)],
                                    ins.t_in.to_numpy(), ins.t_out.to_numpy()))}},
                               index=ins.index.rename("to_stream"))
    supply_like = pd.DataFrame({"from_firm": outs.facility_id.to_numpy(),
                                "from_resource": outs.resource.to_numpy(),
                                **{c: v for c, v in zip(SUPPLY_COLUMNS[3:], (
                                    outs.quantity.to_numpy(), nan[:len(outs)],
                                    nan[:len(outs)], outs.t_in.to_numpy(),
                                    outs.t_out.to_numpy()))}},
                               index=outs.index.rename("from_stream"))
    into = replace(sides, demands=demand_like, demand_firm=sites.get_indexer(ins.facility_id),
                   demand_rank=_rank(ins.index))
    out_of = replace(sides, supplies=supply_like,
                     supply_firm=sites.get_indexer(outs.facility_id),
                     supply_rank=_rank(outs.index))
    qpark = replace(park, qualities=_node_qualities(park, nodes))
    parts = [_screen(qpark, s, compat, _compatible_pairs(qpark, s, compat, spatial, False),
                     False) for s in (into, out_of)]
    arriving, leaving = parts
    arcs_in = arriving.links
    arcs_in["capacity"] = np.minimum(arcs_in.supply_quantity,
                                     arcs_in.demand_quantity / arcs_in["yield"])
    links = pd.concat([network.links, arcs_in, leaving.links])
    rejected = pd.concat([network.rejected, arriving.rejected, leaving.rejected],
                         ignore_index=True)
    qualities = pd.concat([network.link_qualities, leaving.link_qualities], ignore_index=True)
    return replace(network, links=links, rejected=rejected, link_qualities=qualities,
                   facility_nodes=nodes, facility_qualities=arriving.link_qualities)


def _node_qualities(park: Park, nodes: pd.DataFrame) -> pd.DataFrame:
    """qualities.csv with `<id>:in` (`<id>:out`) rows given to each in-node (out-node) of the
    facility, under the node's id."""
    q = park.qualities
    key = nodes.facility_id + ":" + nodes.side
    named = pd.DataFrame({"stream_id": key.to_numpy(), "node": nodes.index.to_numpy()})
    mine = q.merge(named, on="stream_id")
    mine = mine.assign(stream_id=mine.node).drop(columns="node")
    return pd.concat([q[~q.stream_id.isin(set(key))], mine], ignore_index=True)


def firm_graph(park: Park, links: pd.DataFrame, flows: pd.Series | None = None) -> nx.MultiDiGraph:
    """A networkx view: firms as nodes (with their attributes), links as keyed edges."""
    g = nx.MultiDiGraph(name=park.name)
    # arrives / leaves are the time study's (symbiosis/timeline), not the one-year graph's
    firms = park.firms.drop(columns=["arrives", "leaves"], errors="ignore").fillna("")
    g.add_nodes_from((fid, {k: v for k, v in row.items() if v != ""})
                     for fid, row in firms.to_dict("index").items())
    sites = park.candidate_facilities.drop_duplicates("facility_id")
    g.add_nodes_from((row.pop("facility_id"), {"kind": "facility", **row}) for row in
                     sites[["facility_id", "name", "x_km", "y_km", "lat", "lon"]]
                     .dropna(axis=1, how="all").to_dict("records"))
    edge_cols = ["from_stream", "to_stream", "from_resource", "to_resource", "distance_km",
                 "mode", "yield"]
    attrs = links[edge_cols].copy()
    if flows is not None:
        attrs["flow"] = flows.reindex(links.index).to_numpy()
    g.add_edges_from(zip(links.from_firm, links.to_firm, links.index,
                         attrs.to_dict("records")))
    return g
