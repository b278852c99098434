"""Heat-pump block: lift a firm's waste heat to the temperature of one of its own demands.

A candidate pump pairs a heat supply s and a heat demand d of the same firm. Its COP follows
from its own two streams only: it evaporates at the source's outlet less ΔTmin and condenses
at the sink's outlet plus ΔTmin (the coldest and hottest ends it may have to work at, so the
COP holds wherever in the two ranges it works):

    T_evap = t_out(s) − ΔTmin,   T_cond = t_out(d) + ΔTmin                (kelvin)
    COP_p = min(max_cop, η · T_cond / (T_cond − T_evap))

Variables: g_{p,j} ≥ 0 heat delivered to d in its interval j, h_{p,k} ≥ 0 heat taken from s in
its interval k (any intervals: the pump lifts). They join the stream balances and the heat
interval rows of `heat.py`, and

    Σ_k h_{p,k} = (1 − 1/COP_p) · Σ_j g_{p,j}                           (heat_pump_balance)
    Σ_j g_{p,j} ≤ Q_d · n_p,    n_p ∈ {0, 1}                             (heat_pump_activation)
    κ_p ≥ f · Σ_j g_{p,j}                                                (heat_pump_capacity, kW)

with 1/COP_p of electricity per unit delivered and f the kW of capacity per unit of annual
heat (1000 / operating hours for MWh). A pair whose sink needs no lift (T_cond ≤ T_evap) is
left to heat links.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import compatibility
from ..park import Park
from ..units import kw_per_annual_unit
from .heat import add_interval_terms
from .program import CAPEX, FIXED, LinearProgram

KELVIN = 273.15


def capacity_factor(park: Park) -> float:
    """kW of heat-pump capacity needed per unit of heat a year, from the heat unit."""
    units = park.resources.unit[park.resources.category == "heat"].tolist()
    return kw_per_annual_unit(units, park.config.heat_pumps.operating_hours,
                              park.sources.get("resources", "resources"))


def candidate_pumps(park: Park) -> pd.DataFrame:
    """Heat supply and demand pairs of one firm whose resources may serve each other, with
    each pair's COP (pairs that need no lift, or gain nothing over electric heating, dropped)."""
    s = park.streams[park.streams.category == "heat"]
    sources = s[s.direction == "supply"].rename_axis("from_stream").reset_index()
    sinks = s[s.direction == "demand"].rename_axis("to_stream").reset_index()
    compatible = compatibility(park)[["from_resource", "to_resource"]]
    pumps = (sources[["from_stream", "firm_id", "resource", "t_out"]]
             .merge(compatible, left_on="resource", right_on="from_resource")
             .merge(sinks[["to_stream", "firm_id", "resource", "t_out"]],
                    left_on=["firm_id", "to_resource"], right_on=["firm_id", "resource"],
                    suffixes=("_source", "_sink")))
    cfg, dt = park.config.heat_pumps, park.config.heat.min_approach_c
    t_evap = pumps.t_out_source.to_numpy(float) - dt + KELVIN
    t_cond = pumps.t_out_sink.to_numpy(float) + dt + KELVIN
    lift = t_cond - t_evap
    with np.errstate(divide="ignore", invalid="ignore"):
        cop = np.minimum(cfg.max_cop, cfg.carnot_efficiency * t_cond / lift)
    pumps = pumps.assign(source_t_low=pumps.t_out_source, sink_t_high=pumps.t_out_sink, cop=cop)
    pumps = pumps[(lift > 0) & (cop > 1)]
    pumps = pumps[["from_stream", "firm_id", "to_stream", "source_t_low", "sink_t_high", "cop"]]
    pumps.index = pd.Index(pumps.from_stream + "=>" + pumps.to_stream, name="pump")
    return pumps


def add_heat_pumps(lp: LinearProgram, park: Park) -> None:
    cfg = park.config.heat_pumps
    if cfg is None or not park.has_heat:
        return
    pumps = candidate_pumps(park)
    if pumps.empty:
        return
    intervals = lp.annotations["heat_intervals"]
    give_at = _intervals_of(pumps, "to_stream", intervals[intervals.direction == "demand"])
    take_at = _intervals_of(pumps, "from_stream", intervals[intervals.direction == "supply"])
    firm = pumps.firm_id.to_numpy()
    ids = pumps.index
    give = lp.add_variables("heat_pump_heat", _pump_index(ids, give_at), 0.0, np.inf,
                            firm[give_at.pump.to_numpy()])
    take = lp.add_variables("heat_pump_take", _pump_index(ids, take_at), 0.0, np.inf,
                            firm[take_at.pump.to_numpy()])
    build = lp.add_variables("heat_pump_build", ids, 0.0, 1.0, firm, integer=True)
    capacity = lp.add_variables("heat_pump_capacity_kw", ids, 0.0, np.inf, firm)
    cop = pumps.cop.to_numpy()
    g_pump, t_pump = give_at.pump.to_numpy(), take_at.pump.to_numpy()
    lp.annotations["heat_pump_heat"] = pumps.iloc[g_pump].reset_index().set_index(give.index)

    # Stream balances: the sink receives what is delivered, the source gives what is taken.
    for name, stream, cols in (("supply_balance", pumps.from_stream.to_numpy()[t_pump], take),
                               ("demand_balance", pumps.to_stream.to_numpy()[g_pump], give)):
        rows = lp.constraints[name].index.get_indexer(stream)
        lp.extend_constraints(name, rows, cols.columns, np.ones(len(rows)))
    add_interval_terms(lp, "heat_supply_interval", take_at.row.to_numpy(), take.columns)
    add_interval_terms(lp, "heat_demand_interval", give_at.row.to_numpy(), give.columns)

    m = len(pumps)
    lp.add_constraints(
        "heat_pump_balance", ids, np.concatenate([t_pump, g_pump]),
        np.concatenate([take.columns, give.columns]),
        np.concatenate([np.ones(len(t_pump)), -(1 - 1 / cop[g_pump])]), lower=0.0, upper=0.0,
        description="heat taken from the source = heat delivered less the electricity")
    sink_load = park.streams.quantity.reindex(pumps.to_stream).to_numpy()
    lp.add_constraints(
        "heat_pump_activation", ids, np.concatenate([g_pump, np.arange(m)]),
        np.concatenate([give.columns, build.columns]),
        np.concatenate([np.ones(len(g_pump)), -sink_load]), upper=0.0,
        description="a heat pump delivers heat only if built")
    factor = capacity_factor(park)
    lp.add_constraints(
        "heat_pump_capacity", ids, np.concatenate([g_pump, np.arange(m)]),
        np.concatenate([give.columns, capacity.columns]),
        np.concatenate([np.full(len(g_pump), factor), -np.ones(m)]), upper=0.0,
        description="kW of capacity >= heat delivered per hour of operation")

    lp.add_cost("heat_pump_electricity", give.columns, cfg.electricity_price / cop[g_pump])
    lp.add_cost("heat_pump_capex", capacity.columns,
                np.full(m, cfg.capex_per_kw * park.annuity), kind=CAPEX)
    lp.add_cost("heat_pump_fixed", build.columns, np.full(m, cfg.fixed_cost), kind=FIXED)
    lp.add_co2("heat_pump_electricity", give.columns, cfg.electricity_co2 / cop[g_pump])


def _intervals_of(pumps: pd.DataFrame, column: str, intervals: pd.DataFrame) -> pd.DataFrame:
    """The intervals of each pump's source (or sink) stream, with the pump's position."""
    pump = pd.DataFrame({"pump": np.arange(len(pumps)), "stream": pumps[column].to_numpy()})
    return pump.merge(intervals[["stream", "position", "row"]], on="stream")


def _pump_index(ids: pd.Index, table: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([ids.to_numpy()[table.pump.to_numpy()],
                                      table.position.to_numpy()], names=["pump", "interval"])


# --- results: the block's own extraction -----------------------------------------------------

HEAT_PUMP_COLUMNS = ["pump", "firm_id", "from_stream", "to_stream", "heat_delivered",
                     "heat_from_source", "electricity", "cop", "capacity_kw", "annual_cost"]
BLOCK = "heat_pumps"  # the registry's name of this block: its terms and variables carry it


def clean_pumps(lp: LinearProgram, network, x: np.ndarray) -> np.ndarray:
    """A pump that delivers nothing is not built."""
    if "heat_pump_build" not in lp.variables:
        return x
    heat = lp.variables["heat_pump_heat"].values(x)
    delivering = heat.groupby(level="pump").sum() > 1e-9
    pump_build = lp.variables["heat_pump_build"]
    x[pump_build.columns] = delivering.reindex(pump_build.index, fill_value=False).to_numpy()
    return x


def pump_table(lp: LinearProgram, x: np.ndarray | None) -> pd.DataFrame:
    """Each heat pump built (heat_pumps.csv): heat pumped, source heat, electricity, its
    average COP, and its annual cost (its share of every cost term of this block)."""
    if x is None or "heat_pump_heat" not in lp.variables:
        return pd.DataFrame(columns=HEAT_PUMP_COLUMNS)
    parts = lp.annotations["heat_pump_heat"].reset_index(drop=True)
    parts["heat_delivered"] = lp.variables["heat_pump_heat"].values(x).to_numpy()
    parts = parts[parts.heat_delivered > 1e-9]
    parts["electricity"] = parts.heat_delivered / parts.cop
    table = parts.groupby("pump").agg(firm_id=("firm_id", "first"),
                                      from_stream=("from_stream", "first"),
                                      to_stream=("to_stream", "first"),
                                      heat_delivered=("heat_delivered", "sum"),
                                      electricity=("electricity", "sum"))
    table["heat_from_source"] = table.heat_delivered - table.electricity
    table["cop"] = table.heat_delivered / table.electricity
    table["capacity_kw"] = lp.variables["heat_pump_capacity_kw"].values(x).reindex(table.index)
    per_pump = pd.Series(0.0, index=table.index)
    for term in lp.cost_terms_of(BLOCK).values():  # each pump's own share of each term
        owner = _column_owner(lp, term.cols)
        contrib = pd.Series(term.coefs * x[term.cols], index=owner)
        per_pump = per_pump.add(contrib.groupby(level=0).sum(), fill_value=0.0)
    table["annual_cost"] = per_pump.reindex(table.index).to_numpy()
    return table.reset_index()[HEAT_PUMP_COLUMNS]


def _column_owner(lp: LinearProgram, cols: np.ndarray) -> np.ndarray:
    """The pump each column of this block belongs to (first level of its block's index)."""
    owners = np.empty(len(cols), dtype=object)
    for block in lp.variables_of(BLOCK):
        inside = (cols >= block.start) & (cols < block.start + len(block.index))
        labels = block.index.get_level_values(0) if isinstance(block.index, pd.MultiIndex) \
            else block.index
        owners[inside] = np.asarray(labels)[cols[inside] - block.start]
    return owners
