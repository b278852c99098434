"""Heat through a facility: a heat-pump hub or a hot-water loop (docs/model.md, "Heat through a
facility"; docs/format.md, "Facilities").

A facility whose conversion takes and delivers heat is one of two kinds:

- a **heat-pump hub** (`source_t` given): it takes heat at the constant temperature
  `source_t` (its evaporator) and delivers it between `supply_t` and `return_t` (the loop it
  heats), lifted with electricity. Its COP is the `cop` column, else
  COP = η · T_sup / (T_sup − T_src) in kelvin, capped at `max_cop` (η = carnot_efficiency and
  max_cop of `heat_pumps:` in model.yaml). Per unit of heat taken it delivers COP/(COP − 1)
  (the heat taken plus the electricity) and buys 1/(COP − 1) of electricity at
  `heat_pumps.electricity_price` and `electricity_co2`, so it is a conversion with
  yield = COP/(COP − 1) and processing cost and CO2 raised by the electricity's.
- a **hot-water loop** (`source_t` blank): it takes heat warming its water from `return_t` to
  `supply_t` and gives it back cooling the water over the same range, keeping `yield`.

The temperatures make the facility's two nodes heat streams on the hot scale
(`node_temperatures`), so the heat cascade decides which firms can feed and use it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Problem
from .schema import ModelConfig

KELVIN = 273.15
HUB, LOOP = "hub", "loop"
HEAT_COLUMNS = ["supply_t", "return_t", "source_t", "cop"]


def heat_kind(f: pd.DataFrame, category: pd.Series) -> np.ndarray:
    """`hub`, `loop` or "" per conversion (heat in and heat out; checks.py refuses the rest)."""
    heat = (f.input_resource.map(category) == "heat").to_numpy() & \
        (f.output_resource.map(category) == "heat").to_numpy()
    hub = f.source_t.notna().to_numpy() if "source_t" in f else np.zeros(len(f), dtype=bool)
    return np.where(heat, np.where(hub, HUB, LOOP), "")


def hub_cop(f: pd.DataFrame, config: ModelConfig) -> np.ndarray:
    """The COP of each conversion (NaN off hubs): the given one, else η·T_sup/(T_sup − T_src)
    in kelvin capped at max_cop (NaN without `heat_pumps:`)."""
    given = f.cop.to_numpy(float)
    cfg = config.heat_pumps
    if cfg is None:
        return given
    hot, cold = f.supply_t.to_numpy(float) + KELVIN, f.source_t.to_numpy(float) + KELVIN
    with np.errstate(divide="ignore", invalid="ignore"):
        computed = np.minimum(cfg.max_cop, cfg.carnot_efficiency * hot / (hot - cold))
    return np.where(np.isnan(given), computed, given)


def with_heat_hubs(f: pd.DataFrame, config: ModelConfig, resources: pd.DataFrame) -> pd.DataFrame:
    """facilities.csv's rows with each heat conversion's kind (`heat_kind`), its return_t
    (supply_t where blank) and, for a hub, its COP, yield and processing cost and CO2 with the
    electricity it buys."""
    f = f.copy()
    for c in HEAT_COLUMNS:
        if c not in f:
            f[c] = np.nan
    kind = heat_kind(f, resources.category) if len(f) else np.empty(0, dtype=object)
    f["heat_kind"] = kind
    f["return_t"] = f.return_t.fillna(f.supply_t)
    hub = kind == HUB
    if not hub.any():
        return f
    cop = np.where(hub, hub_cop(f, config), np.nan)
    f["cop"] = cop
    cfg = config.heat_pumps
    price, co2 = (cfg.electricity_price, cfg.electricity_co2) if cfg else (np.nan, np.nan)
    per_input = 1.0 / (cop[hub] - 1.0)  # electricity per unit of heat taken
    f.loc[hub, "yield"] = cop[hub] * per_input
    f.loc[hub, "processing_cost"] = f.processing_cost.to_numpy(float)[hub] + price * per_input
    f.loc[hub, "processing_co2"] = f.processing_co2.to_numpy(float)[hub] + co2 * per_input
    return f


def node_temperatures(f: pd.DataFrame) -> pd.DataFrame:
    """t_in and t_out of each heat conversion's two nodes as streams: the in-node a demand
    (a hub's at source_t, constant; a loop's heating its water from return_t to supply_t),
    the out-node a supply (its water cooling from supply_t to return_t). Columns facility_id,
    side, t_in, t_out."""
    heat = f[f.heat_kind != ""] if "heat_kind" in f else f.iloc[0:0]
    hub = (heat.heat_kind == HUB).to_numpy()
    ins = pd.DataFrame({"facility_id": heat.facility_id.to_numpy(), "side": "in",
                        "t_in": np.where(hub, heat.source_t, heat.return_t),
                        "t_out": np.where(hub, heat.source_t, heat.supply_t)})
    outs = pd.DataFrame({"facility_id": heat.facility_id.to_numpy(), "side": "out",
                         "t_in": heat.supply_t.to_numpy(float),
                         "t_out": heat.return_t.to_numpy(float)})
    return pd.concat([ins, outs], ignore_index=True)


def heat_hub_problems(f: pd.DataFrame, config: ModelConfig, source: str) -> list[Problem]:
    """A hub whose COP comes from its temperatures, or that buys electricity, needs
    `heat_pumps:` in model.yaml (carnot_efficiency, max_cop, electricity_price)."""
    if config.heat_pumps is not None or "heat_kind" not in f:
        return []
    return [Problem(source, f"heat-pump hub {fid!r} buys electricity at the park's price: add "
                            "heat_pumps: {electricity_price: ..., electricity_co2: ...} (and "
                            "carnot_efficiency, or a cop column) to model.yaml",
                    column="source_t")
            for fid in f.facility_id[f.heat_kind == HUB].unique()]
