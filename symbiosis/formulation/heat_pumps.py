"""Heat-pump block: lift a firm's waste heat to the temperature of one of its own demands.

A candidate pump pairs a heat supply s and a heat demand d of the same firm. For each pair of
intervals (k of s, j of d) the pump evaporates at T_evap = low_k − ΔTmin and condenses at
T_cond = the demand's temperature at the top of j + ΔTmin, which is high_j itself on the hot
scale (the worst ends of the intervals: conservative), with

    COP_kj = min(max_cop, η · T_cond / (T_cond − T_evap))            (kelvin)

linearised by fixing COP per interval pair. Variables z_{p,k,j} ≥ 0 are heat delivered. Each
unit delivered takes (1 − 1/COP) from supply interval k and 1/COP of electricity; it joins the
stream balances and the heat interval rows of `heat.py`. Capacity and cost:

    Σ_{k,j} z_{p,k,j} ≤ Q_d · n_p,    n_p ∈ {0, 1}                   (heat_pump_activation)
    κ_p ≥ f · Σ_{k,j} z_{p,k,j}                                      (heat_pump_capacity, kW)

with f the kW of capacity per unit of annual heat (1000 / operating hours for MWh).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import compatibility
from ..park import Park
from ..units import kw_per_annual_unit
from .heat import add_interval_terms, interval_pairs
from .program import LinearProgram

KELVIN = 273.15


def capacity_factor(park: Park) -> float:
    """kW of heat-pump capacity needed per unit of heat a year, from the heat unit."""
    units = park.resources.unit[park.resources.category == "heat"].tolist()
    return kw_per_annual_unit(units, park.config.heat_pumps.operating_hours,
                              park.sources.get("resources", "resources"))


def candidate_pumps(park: Park) -> pd.DataFrame:
    """Heat supply and demand pairs of one firm whose resources may serve each other."""
    s = park.streams[park.streams.category == "heat"]
    sources = s[s.direction == "supply"].rename_axis("from_stream").reset_index()
    sinks = s[s.direction == "demand"].rename_axis("to_stream").reset_index()
    compatible = compatibility(park)[["from_resource", "to_resource"]]
    pumps = (sources[["from_stream", "firm_id", "resource"]]
             .merge(compatible, left_on="resource", right_on="from_resource")
             .merge(sinks[["to_stream", "firm_id", "resource"]],
                    left_on=["firm_id", "to_resource"], right_on=["firm_id", "resource"])
             [["from_stream", "firm_id", "to_stream"]])
    pumps.index = pd.Index(pumps.from_stream + "=>" + pumps.to_stream, name="pump")
    return pumps


def add_heat_pumps(lp: LinearProgram, park: Park) -> None:
    cfg = park.config.heat_pumps
    if cfg is None or not park.has_heat:
        return
    pumps = candidate_pumps(park)
    if pumps.empty:
        return
    dt = park.config.heat.min_approach_c
    pairs = interval_pairs(pumps.reset_index(), lp.annotations["heat_intervals"])
    t_evap = pairs.hot_low - dt + KELVIN
    t_cond = pairs.cold_high + KELVIN  # cold intervals are already shifted up by ΔTmin
    lift = t_cond - t_evap
    pairs = pairs[lift > 0].copy()  # no lift: a heat link between them needs no electricity
    pairs["cop"] = np.minimum(cfg.max_cop, cfg.carnot_efficiency * (t_cond / lift)[lift > 0])
    pairs = pairs[pairs.cop > 1].reset_index(drop=True)
    if pairs.empty:
        return
    index = pd.MultiIndex.from_arrays([pairs.pump, pairs.hot_interval, pairs.cold_interval],
                                      names=["pump", "hot_interval", "cold_interval"])
    lift_var = lp.add_variables("heat_pump_heat", index, 0.0, np.inf, pairs.firm_id.to_numpy())
    used = pumps.loc[pairs.pump.unique()]
    build = lp.add_variables("heat_pump_build", used.index, 0.0, 1.0, used.firm_id.to_numpy(),
                             integer=True)
    capacity = lp.add_variables("heat_pump_capacity_kw", used.index, 0.0, np.inf,
                                used.firm_id.to_numpy())
    cop = pairs.cop.to_numpy()
    lp.annotations["heat_pump_heat"] = pd.DataFrame({
        "pump": pairs.pump.to_numpy(), "firm_id": pairs.firm_id.to_numpy(),
        "from_stream": pairs.from_stream.to_numpy(),
        "to_stream": pairs.to_stream.to_numpy(), "source_t_low": pairs.hot_low.to_numpy(),
        "sink_t_high": pairs.cold_high.to_numpy() - dt, "cop": cop}, index=index)

    # Stream balances: a sink receives z, a source gives z (1 - 1/COP).
    streams = park.streams
    for name, stream, coefs in (("supply_balance", pairs.from_stream, 1 - 1 / cop),
                                ("demand_balance", pairs.to_stream, np.ones(len(pairs)))):
        rows = lp.constraints[name].index.get_indexer(stream)
        lp.extend_constraints(name, rows, lift_var.columns, coefs)
    add_interval_terms(lp, pairs, lift_var.columns, 1 - 1 / cop, np.ones(len(pairs)))

    pump_row = used.index.get_indexer(pairs.pump)
    n, m = len(pairs), len(used)
    sink_load = streams.quantity.reindex(used.to_stream).to_numpy()
    lp.add_constraints(
        "heat_pump_activation", used.index, np.concatenate([pump_row, np.arange(m)]),
        np.concatenate([lift_var.columns, build.columns]),
        np.concatenate([np.ones(n), -sink_load]), upper=0.0,
        description="a heat pump delivers heat only if built")
    factor = capacity_factor(park)
    lp.add_constraints(
        "heat_pump_capacity", used.index, np.concatenate([pump_row, np.arange(m)]),
        np.concatenate([lift_var.columns, capacity.columns]),
        np.concatenate([np.full(n, factor), -np.ones(m)]), upper=0.0,
        description="kW of capacity >= heat delivered per hour of operation")

    lp.add_cost("heat_pump_electricity", lift_var.columns, cfg.electricity_price / cop)
    lp.add_cost("heat_pump_capex", capacity.columns,
                np.full(m, cfg.capex_per_kw * park.annuity))
    lp.add_cost("heat_pump_fixed", build.columns, np.full(m, cfg.fixed_cost))
    lp.add_co2("heat_pump_electricity", lift_var.columns, cfg.electricity_co2 / cop)
