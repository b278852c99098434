"""Result file names and column lists, and how numbers are written: one source for the
result folder (docs/format.md, "A result folder") and for whoever reads it (report, batch)."""
from __future__ import annotations

import numpy as np

from ..outputs import EXTRA_RESULT_FILES, RESULT_FILES

__all__ = ["BLOCK_LINK_COLUMNS", "ESG_CO2_SOURCES", "ESG_COLUMNS", "ESG_FILE",
           "EXTRA_RESULT_FILES", "FIRM_COLUMNS", "HEAT_FIRM_COLUMNS", "LINK_COLUMNS",
           "LINK_EXTRA_COLUMNS", "RESULT_FILES", "SIGNIFICANT", "json_ready", "num"]

LINK_COLUMNS = ["from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
                "to_resource", "flow", "delivered", "distance_km", "mode", "annual_cost", "co2_t"]
LINK_EXTRA_COLUMNS = ["transport_cost", "processing_cost", "fixed_cost", "annualised_capex"]
# links.csv columns after those, written only when present: a block gives them (shared
# routes), or the network does (distance_source, where distances.csv or a circuity is used)
BLOCK_LINK_COLUMNS = ["route_id", "distance_source"]
FIRM_COLUMNS = ["firm_id", "baseline_cost", "cost", "savings", "baseline_co2_t", "co2_t"]
HEAT_FIRM_COLUMNS = ["baseline_hot_utility", "hot_utility", "baseline_cold_utility",
                     "cold_utility", "heat_recovered_within", "heat_received_between",
                     "heat_given_between", "heat_pumped"]
# firms_esg.csv (docs/format.md "firms_esg.csv"): the green-certification sheet
ESG_FILE = "firms_esg.csv"
ESG_CO2_SOURCES = ("purchases", "disposals", "transport", "processing", "energy", "other")
ESG_MEASURES = ["waste_disposed_t", "waste_diverted_t", "waste_diverted_pct",
                "recycled_input_t", "recycled_input_pct", "water_reused_m3", "water_reused_pct",
                "heat_recovered",
                *(f"co2_{source}_t" for source in ESG_CO2_SOURCES), "co2_t", "cost"]
ESG_COLUMNS = ["firm_id", "waste_t", "material_input_t", "water_input_m3",
               *(c for m in ESG_MEASURES for c in (f"baseline_{m}", m)), "name"]
SIGNIFICANT = 10  # digits written: hides solver round-off, keeps files byte-stable


def num(value) -> float | None:
    """A float rounded to SIGNIFICANT digits (None for NaN): stable across runs."""
    if value is None:
        return None
    value = float(value)
    if not np.isfinite(value):
        return None
    return float(f"{value:.{SIGNIFICANT}g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def json_ready(obj):
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return num(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


_num, _json_ready = num, json_ready  # the names other modules used before the split
