"""Results of the facility block (its registry entry, formulation/registry.py):
facilities.csv, the facility KPIs (docs/format.md, "Facilities") and the cleaning of idle
plants.

A model without candidate facilities gets nothing from here (no facilities.csv, no kpis entry),
so its result folder is what it was.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from .facilities import chord_error
from .program import LinearProgram

FACILITY_COLUMNS = ["facility_id", "name", "built", "size", "capacity", "utilisation",
                    "inputs", "outputs", "input", "output_delivered", "output_disposed",
                    "processing_cost", "surplus_cost", "fixed_cost", "annualised_capex",
                    "annualised_capex_exact", "annual_cost", "co2_t", "capex_exponent",
                    "capex_segments", "chord_error", "cop"]
SITE_COLUMNS = {"plane": ["x_km", "y_km"], "geographic": ["lat", "lon"]}


FACILITIES_FILE = "facilities.csv"


def has_facilities(park: Park, network: Network) -> bool:
    return len(park.candidate_facilities) > 0


def facility_extract(lp: LinearProgram, park: Park, network: Network,
                     x: np.ndarray | None) -> dict[str, pd.DataFrame]:
    """facilities.csv at point x: one row per candidate facility (none without facilities)."""
    if "facility_build" not in lp.variables:
        return {}
    return {FACILITIES_FILE: facility_table(park, network, lp, x)}


def close_idle_facilities(lp: LinearProgram, network: Network, x: np.ndarray) -> np.ndarray:
    """A facility built but treating nothing (a solver stopped at a gap may leave one) is
    not built: its build and capex segments go to 0, which keeps every row (its capacity and
    segment rows hold at size 0) and only lowers the cost (fixed cost and intercepts ≥ 0)."""
    if "facility_build" not in lp.variables:
        return x
    conv = lp.annotations["facility_conversions"]
    treat = lp.variables["facility_input"].values(x).to_numpy()
    build = lp.variables["facility_build"]
    size = pd.Series(treat).groupby(conv.facility_id.to_numpy()).sum().reindex(build.index)
    idle = (size.to_numpy() <= 1e-9) & (x[build.columns] > 0)
    if not idle.any():
        return x
    x = x.copy()
    x[build.columns[idle]] = 0.0
    if "facility_segment" in lp.variables:
        seg = lp.variables["facility_segment"]
        gone = seg.index.get_level_values("facility").isin(build.index[idle])
        x[seg.columns[gone]] = 0.0
        x[lp.variables["facility_segment_size"].columns[gone]] = 0.0
    return x


def facility_table(park: Park, network: Network, lp: LinearProgram,
                   x: np.ndarray | None) -> pd.DataFrame:
    """One row per candidate facility: built, size (input treated a year), what it takes and
    makes, and its annual cost by part: processing, surplus disposal, fixed, the model's
    annualised capex (chords) and the exact one, capex·(size/capacity)^e annualised."""
    conv = lp.annotations["facility_conversions"]
    plants = conv.drop_duplicates("facility_id").set_index("facility_id")
    table = pd.DataFrame({"facility_id": plants.index, "name": plants.name.to_numpy(),
                          "capacity": plants.capacity.to_numpy(),
                          "capex_exponent": plants.capex_exponent.to_numpy()})
    site = SITE_COLUMNS[park.coordinates]
    for c in site:  # last: where the report draws it
        table[c] = plants[c].to_numpy()
    k = park.config.facilities.capex_segments
    scaled = (table.capex_exponent < 1) & (plants.capex.to_numpy() > 0)
    table["capex_segments"] = np.where(scaled, k, 1)
    table["chord_error"] = [chord_error(e, k)[0] if s else 0.0
                            for e, s in zip(table.capex_exponent, scaled)]
    table["cop"] = plants.cop.to_numpy(float)  # a heat-pump hub's (heat_hubs.py), else NaN
    table["inputs"] = conv.groupby("facility_id").input_resource.agg(
        lambda r: " ".join(sorted(set(r)))).reindex(plants.index).to_numpy()
    table["outputs"] = conv.groupby("facility_id").output_resource.agg(
        lambda r: " ".join(sorted(set(r)))).reindex(plants.index).to_numpy()
    if x is None:
        for c in FACILITY_COLUMNS:
            if c not in table:
                table[c] = np.nan
        return table[FACILITY_COLUMNS + site]
    treat = lp.variables["facility_input"].values(x).to_numpy()
    size = pd.Series(treat).groupby(conv.facility_id.to_numpy()).sum().reindex(plants.index)
    built = lp.variables["facility_build"].values(x).reindex(plants.index).to_numpy() > 0.5
    table["built"] = built
    table["size"] = size.to_numpy()
    table["utilisation"] = table["size"] / table.capacity
    table["input"] = table["size"]
    made = pd.Series(treat * conv["yield"].to_numpy()).groupby(conv.facility_id.to_numpy()).sum()
    surplus = lp.variables["facility_surplus"].values(x)
    owner = network.facility_nodes.facility_id.reindex(surplus.index).to_numpy()
    disposed = surplus.groupby(owner).sum().reindex(plants.index, fill_value=0.0)
    table["output_delivered"] = made.reindex(plants.index, fill_value=0.0).to_numpy() \
        - disposed.to_numpy()
    table["output_disposed"] = disposed.to_numpy()
    parts = {name: _by_owner(lp, name, x, plants.index) for name in (
        "facility_processing", "facility_surplus", "facility_fixed", "facility_capex",
        "facility_scaled_capex")}
    table["processing_cost"] = parts["facility_processing"]
    table["surplus_cost"] = parts["facility_surplus"]
    table["fixed_cost"] = parts["facility_fixed"]
    table["annualised_capex"] = parts["facility_capex"] + parts["facility_scaled_capex"]
    capex = plants.capex.to_numpy()
    ratio = np.clip(table["size"].to_numpy() / table.capacity.to_numpy(), 0.0, None)
    table["annualised_capex_exact"] = np.where(
        built, park.annuity * capex * ratio ** table.capex_exponent.to_numpy(), 0.0)
    table["annual_cost"] = (table.processing_cost + table.surplus_cost + table.fixed_cost
                            + table.annualised_capex)
    co2 = {name: _by_owner(lp, name, x, plants.index, co2=True)
           for name in ("facility_processing", "facility_surplus")}
    table["co2_t"] = co2["facility_processing"] + co2["facility_surplus"]
    return table[FACILITY_COLUMNS + site]


def _by_owner(lp: LinearProgram, name: str, x: np.ndarray, ids: pd.Index,
              co2: bool = False) -> np.ndarray:
    """A cost (or CO2) term split by the facility its columns belong to."""
    terms = lp.co2_terms if co2 else lp.cost_terms
    if name not in terms:
        return np.zeros(len(ids))
    term = terms[name]
    owners = lp.column_firms()[0][term.cols]
    return pd.Series(term.coefs * x[term.cols]).groupby(owners).sum().reindex(
        ids, fill_value=0.0).to_numpy()


def facility_kpis(lp: LinearProgram, x: np.ndarray | None,
                  tables: dict[str, pd.DataFrame]) -> dict[str, Any] | None:
    """kpis.json's `facilities` (only for a model with candidate facilities)."""
    facilities = tables.get(FACILITIES_FILE)
    if facilities is None or facilities.empty:
        return None
    built = facilities[facilities.built.fillna(False).astype(bool)]
    return {
        "candidates": int(len(facilities)), "built": int(len(built)),
        "annual_cost": float(built.annual_cost.sum()),
        "annualised_capex": float(built.annualised_capex.sum()),
        "capex_underestimate": float((built.annualised_capex_exact
                                      - built.annualised_capex).sum()),
    }
