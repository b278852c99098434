"""The validated park: plain typed tables that everything downstream trusts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .checks import ROW, Tables, check_utilities_reach, run_checks
from .decisions import decision_problems
from .errors import InputError, Problem, raise_if
from .heat_hubs import HEAT_COLUMNS, heat_hub_problems, with_heat_hubs
from .magnitudes import check_magnitudes
from .policy import apply_policy, policy_problems
from .schema import ModelConfig, annuity_factor
from .units import kw_per_annual_unit
from .yamlio import validate_mapping

Coordinates = Literal["plane", "geographic"]


@dataclass(frozen=True)
class Park:
    """A validated park model (docs/format.md, "A park model").

    Tables are indexed by their ids. `streams` carries, besides its own columns, the stream's
    `category` and its effective `unit_cost` and `unit_co2`: the purchase price and CO2 of a
    demand, or the disposal cost and CO2 of a supply, after per-stream overrides.
    """

    config: ModelConfig
    firms: pd.DataFrame
    resources: pd.DataFrame
    streams: pd.DataFrame
    exchanges: pd.DataFrame
    qualities: pd.DataFrame
    coordinates: Coordinates
    sources: dict[str, str] = field(default_factory=dict)
    # exchange_qualities.csv: from_resource, to_resource, property, value (treated level)
    exchange_qualities: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {c: pd.Series(dtype=str if c != "value" else float)
         for c in ("from_resource", "to_resource", "property", "value")}))
    # Utility levels of heat resources (utilities.csv), indexed by utility id; may be empty.
    utilities: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Valid but suspicious input (checks of severity `warn`): printed, and in kpis.json.
    warnings: tuple[Problem, ...] = ()
    # facilities.csv: one row per conversion, each facility's site, capacity and costs on
    # every one of its rows (docs/format.md, "Facilities"); may be empty.
    facilities: pd.DataFrame = field(default_factory=lambda: _empty_facilities())
    # distances.csv: from, to, km, one row per direction (given or mirrored); may be empty.
    distances: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"from": pd.Series(dtype=str), "to": pd.Series(dtype=str), "km": pd.Series(dtype=float)}))
    # Streams of the firms a scenario's `exclude_firms` took out: their rows in the time
    # tables (stream_periods.csv, volume_scenarios.csv) are dropped, not reported unknown.
    excluded_streams: frozenset[str] = frozenset()

    @property
    def candidate_facilities(self) -> pd.DataFrame:
        """The facilities the network offers: all of them unless `facilities.enabled: false`."""
        return self.facilities if self.config.facilities.enabled else self.facilities.iloc[0:0]

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def annuity(self) -> float:
        e = self.config.economics
        return annuity_factor(e.discount_rate, e.lifetime_years)

    @property
    def has_limited_utilities(self) -> bool:
        """Some utility level has a max_quantity: a unit of heat saved at one stream may then
        be worth more than any level's price (it frees a limited level for another stream), so
        the value screen's bound does not hold and the pipeline does not screen."""
        return bool(len(self.utilities)) and bool(self.utilities.max_quantity.notna().any())

    @property
    def has_heat(self) -> bool:
        return bool((self.streams.category == "heat").any())

    def summary(self) -> dict[str, Any]:
        s = self.streams
        return {
            "name": self.name,
            "firms": len(self.firms),
            "resources": len(self.resources),
            "supplies": int((s.direction == "supply").sum()),
            "demands": int((s.direction == "demand").sum()),
            "exchanges": len(self.exchanges),
            "quality_values": len(self.qualities),
            **({"facilities": int(self.facilities.facility_id.nunique())}
               if len(self.facilities) else {}),
            **({"distances": _pairs(self.distances)} if len(self.distances) else {}),
        }

    def facility_lines(self) -> list[str]:
        """What `symbiosis validate` says of each facility, and of distances and circuity."""
        f = self.facilities
        off = "" if self.config.facilities.enabled else " (off: facilities.enabled is false)"
        lines = []
        for fid, conv in f.groupby("facility_id", sort=False):
            first = conv.iloc[0]
            ways = ", ".join(f"{a} -> {b} (yield {y:g})" for a, b, y in
                             zip(conv.input_resource, conv.output_resource, conv["yield"]))
            if first.get("heat_kind", "") == "hub":
                ways += (f", a heat-pump hub: takes heat at {first.source_t:g} °C, delivers "
                         f"{first.supply_t:g} -> {first.return_t:g} °C, COP {first.cop:.3g}")
            elif first.get("heat_kind", "") == "loop":
                ways += f", a hot-water loop {first.supply_t:g} -> {first.return_t:g} °C"
            scale = (f", capex {first.capex:,.0f} at capacity, exponent {first.capex_exponent:g}"
                     if first.capex else "")
            size = first.capacity
            size = f"{size:,.0f}" if size >= 100 else f"{size:g}"
            lines.append(f"facility {fid} ({first['name']}): {ways}; capacity {size} a "
                         f"year, fixed {first.fixed_cost:,.0f} a year{scale}{off}")
        cfg = self.config.links
        circuity = {m: getattr(cfg, m).circuity or cfg.circuity for m in ("truck", "pipe")}
        if any(c != 1 for c in circuity.values()) or len(self.distances):
            lines.append(f"distances: {_pairs(self.distances)} pairs from distances.csv, "
                         "others the straight line times circuity "
                         + ", ".join(f"{m} {c:g}" for m, c in circuity.items()))
        return lines


def build_park(config: dict[str, Any], config_source: str, tables: Tables,
               config_key_prefix: str = "",
               table_memo: tuple[dict[str, list], str] | None = None) -> Park:
    """Validate config and tables together and return the Park, or raise one InputError.

    Every problem found is raised at once: model.yaml's, the cells' (carried in `tables`) and
    the cross-table checks' on what parsed. table_memo (memo, key): the table checks' problems
    are looked up in, or stored in, memo[key]. They depend on the tables alone, so a sweep whose
    variants share tables (a carbon-price axis) checks those once, not once per variant.
    """
    problems = list(tables.problems)
    try:
        model_config = validate_mapping(ModelConfig, config, config_source, config_key_prefix)
    except InputError as exc:
        problems, model_config = exc.problems + problems, None
    memo, key = table_memo if table_memo is not None else ({}, "")
    if key not in memo:
        memo[key] = (run_checks(tables) + check_magnitudes(tables),
                     tuple(run_checks(tables, "warn")))
    problems += memo[key][0]
    if model_config is not None:
        problems += policy_problems(model_config, tables, config_source, config_key_prefix)
    raise_if(problems)
    raise_if(check_utilities_reach(tables, model_config.heat.min_approach_c))
    model_config, tables = apply_policy(model_config, tables)  # docs/regulation.md
    park = _finalise(model_config, tables, memo[key][1])
    raise_if(decision_problems(park, config_source, f"{config_key_prefix}links"))
    raise_if(heat_hub_problems(park.facilities, park.config,
                               park.sources.get("facilities", "facilities.csv")))
    if park.config.heat_pumps is not None and park.has_heat:  # heat pumps are sized in kW
        kw_per_annual_unit(park.resources.unit[park.resources.category == "heat"].tolist(),
                           park.config.heat_pumps.operating_hours, park.sources["resources"])
    return park


def _price_by_utilities(streams: pd.DataFrame, utilities: pd.DataFrame) -> None:
    """Heat streams served by utility levels (utilities.csv) pay the levels' prices, not
    their own: their `unit_cost` and `unit_co2` become the highest price and CO2 among their
    resource's levels of that kind. Without limited levels (max_quantity), one unit more or
    less at a stream changes the utility cost by at most that much, so link values stay upper
    bounds and the value screen (network.py) stays exact; with limited levels the pipeline does
    not screen (`has_limited_utilities`). The program prices each level itself
    (formulation/utilities.py)."""
    for kind, direction in (("hot", "demand"), ("cold", "supply")):
        levels = utilities[utilities.kind == kind].groupby("resource")[["price", "co2"]].max()
        served = (streams.direction == direction) & streams.resource.isin(levels.index)
        if served.any():
            streams.loc[served, "unit_cost"] = levels.price.reindex(
                streams.resource[served]).to_numpy()
            streams.loc[served, "unit_co2"] = levels.co2.reindex(
                streams.resource[served]).to_numpy()


def _finalise(config: ModelConfig, t: Tables, warnings: tuple[Problem, ...] = ()) -> Park:
    firms = t.firms.drop(columns=ROW).set_index("firm_id")
    resources = t.resources.drop(columns=ROW).set_index("resource")
    streams = t.streams.drop(columns=ROW).set_index("stream_id")
    for optional in ("price", "co2", "t_in", "t_out"):
        if optional not in streams:
            streams[optional] = np.nan
    res = resources.reindex(streams.resource)
    is_demand = (streams.direction == "demand").to_numpy()
    default_cost = np.where(is_demand, res.purchase_price, res.disposal_cost)
    default_co2 = np.where(is_demand, res.purchase_co2, res.disposal_co2)
    streams["category"] = res.category.to_numpy()
    streams["unit_cost"] = streams.price.fillna(pd.Series(default_cost, index=streams.index))
    streams["unit_co2"] = streams.co2.fillna(pd.Series(default_co2, index=streams.index))
    utilities = t.utilities.drop(columns=ROW).set_index("utility")
    if "max_quantity" not in utilities:
        utilities["max_quantity"] = np.nan
    _price_by_utilities(streams, utilities)
    exchanges = t.exchanges.drop(columns=ROW).reset_index(drop=True)
    if "max_distance_km" not in exchanges:
        exchanges["max_distance_km"] = np.nan
    qualities = t.qualities.drop(columns=ROW).reset_index(drop=True)
    exchange_qualities = t.exchange_qualities.drop(columns=ROW).reset_index(drop=True)
    geographic = "lat" in firms and firms.lat.notna().all() and firms.lon.notna().all()
    return Park(config=config, firms=firms, resources=resources, streams=streams,
                exchanges=exchanges, qualities=qualities, exchange_qualities=exchange_qualities,
                coordinates="geographic" if geographic else "plane", sources=dict(t.sources),
                utilities=utilities, warnings=warnings,
                facilities=with_heat_hubs(_facilities(t.facilities), config, resources),
                distances=_distances(t.distances))


FACILITY_COLUMNS = ["facility_id", "name", "x_km", "y_km", "lat", "lon", "input_resource",
                    "output_resource", "yield", "processing_cost", "processing_co2", "capacity",
                    "fixed_cost", "capex", "capex_exponent", *HEAT_COLUMNS, "licences"]


def _empty_facilities() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str if c in ("facility_id", "name", "input_resource",
                                                         "output_resource", "licences")
                                                else float)
                         for c in FACILITY_COLUMNS})


def _facilities(table: pd.DataFrame) -> pd.DataFrame:
    """One row per conversion, each with its facility's shared values (from its first row;
    fixed_cost and capex 0, capex_exponent 1 where never given)."""
    f = table.drop(columns=ROW).reset_index(drop=True)
    if f.empty:
        return _empty_facilities()
    for c in FACILITY_COLUMNS:
        if c not in f:
            f[c] = np.nan if c not in ("name", "licences") else ""
    first = f.groupby("facility_id", sort=False)
    for c in ("name", "x_km", "y_km", "lat", "lon", "capacity", "fixed_cost", "capex",
              "capex_exponent"):
        f[c] = first[c].transform("first")
    f["name"] = f.name.where(f.name != "", f.facility_id)
    f = f.fillna({"fixed_cost": 0.0, "capex": 0.0, "capex_exponent": 1.0})
    return f[FACILITY_COLUMNS]


def _pairs(distances: pd.DataFrame) -> int:
    """Site pairs distances.csv lists (a pair given both ways counts once)."""
    return len({tuple(sorted(p)) for p in zip(distances["from"], distances["to"])})


def _distances(table: pd.DataFrame) -> pd.DataFrame:
    """Both directions of each listed pair: a pair given one way holds both ways."""
    d = table.drop(columns=ROW).reset_index(drop=True)[["from", "to", "km"]]
    mirrored = d.rename(columns={"from": "to", "to": "from"})[["from", "to", "km"]]
    both = pd.concat([d, mirrored], ignore_index=True)
    return both.drop_duplicates(["from", "to"], keep="first").reset_index(drop=True)
