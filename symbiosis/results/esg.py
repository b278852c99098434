"""The per-firm green-certification sheet (firms_esg.csv, docs/format.md "firms_esg.csv"):
each firm before (the no-links point) and after (the optimum), in what an auditor asks for.

Nothing is re-derived: quantities are the program's own columns (a supply's `dispose`, a
demand's `purchase`, read at both points), heat from the firm table's heat columns, and cost
and CO2 from the firm accounts term by term (LinearProgram.accounts_by_term, the rule of
account_matrix, docs/model.md "Firm accounts"), so that CO2 splits by source; a shared
facility's own terms are shared by the firms that use it, pro rata to their flows into and
out of it (formulation/facility_accounts.py). Column sums are the park's KPIs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..formulation import facility_accounts
from ..formulation.program import LinearProgram
from ..park import Park
from .schema import ESG_CO2_SOURCES, ESG_COLUMNS, ESG_FILE

__all__ = ["ESG_FILE", "co2_source", "esg_table"]

HEAT_RECOVERY = ["heat_recovered_within", "heat_received_between", "heat_pumped"]
# the sheet's amounts are sums over resources of one category in one unit: materials in
# tonnes, water in m3 (resources in other units, e.g. pallets or kg, are left out of them)
MASS_UNIT, WATER_UNIT = "t", "m3"


def co2_source(term: str) -> str:
    """What a CO2 term of the program is: one of ESG_CO2_SOURCES, by the term's name (the
    balances', links' and utility blocks' names; any other block's terms are `other`)."""
    if term in ("purchases", "disposals", "transport", "processing"):
        return term
    if term.startswith("utility_") or term.startswith("heat_pump"):
        return "energy"
    return "other"


def _accounts(lp: LinearProgram, x: np.ndarray, firms: pd.Index) -> dict[str, np.ndarray]:
    """Per firm: CO2 by source and cost (carbon included) at x, by the firm-account rule
    (LinearProgram.accounts_by_term, shared facilities' terms pro rata to flow)."""
    cost, co2 = facility_accounts.accounts_by_term(lp, firms, x)
    out = {source: np.zeros(len(firms)) for source in ESG_CO2_SOURCES}
    for term in co2.columns:
        out[co2_source(term)] += co2[term].to_numpy()
    out["cost"] = cost.to_numpy().sum(axis=1) + lp.carbon_price * co2.to_numpy().sum(axis=1)
    return out


class _Streams:
    """What the sheet sums, fixed for the program: each stream's firm, which streams count
    (materials in t, water in m3, by direction), and where its dispose or purchase column is."""

    def __init__(self, park: Park, lp: LinearProgram):
        s = park.streams
        self.n = len(park.firms)
        self.firm = park.firms.index.get_indexer(s.firm_id)
        units = park.resources.unit.astype(str).str.strip().str.lower()
        unit = units.reindex(s.resource).to_numpy()
        supply = (s.direction == "supply").to_numpy()
        category = s.category.to_numpy()
        material = (category == "material") & (unit == MASS_UNIT)
        water = (category == "water") & (unit == WATER_UNIT)
        self.masks = {"waste": material & supply, "material_input": material & ~supply,
                      "water_input": water & ~supply}
        self.quantity = s.quantity.to_numpy(float)
        self.columns = []  # (stream positions, program columns) of dispose, then purchase
        for block in ("dispose", "purchase"):
            v = lp.variables[block]
            self.columns.append((s.index.get_indexer(v.index), v.columns))

    def total(self, values: np.ndarray, mask: str) -> np.ndarray:
        keep = self.masks[mask] & (self.firm >= 0)
        return np.bincount(self.firm[keep], values[keep], self.n)

    def left(self, x: np.ndarray) -> np.ndarray:
        """Per stream at x: disposed (supplies) or bought (demands)."""
        out = np.zeros(len(self.firm))
        for positions, cols in self.columns:
            out[positions] = x[cols]
        return out


def _pct(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """100 · part / whole; blank where the firm has none of it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, 100.0 * part / np.where(whole > 0, whole, 1.0), np.nan)


def _point(streams: _Streams, lp: LinearProgram, x: np.ndarray, firms: pd.Index,
           heat: np.ndarray) -> dict[str, np.ndarray]:
    left = streams.left(x)
    waste, material, water = (streams.total(streams.quantity, m) for m in
                              ("waste", "material_input", "water_input"))
    table = {"waste_disposed_t": streams.total(left, "waste")}
    table["waste_diverted_t"] = waste - table["waste_disposed_t"]
    table["waste_diverted_pct"] = _pct(table["waste_diverted_t"], waste)
    table["recycled_input_t"] = material - streams.total(left, "material_input")
    table["recycled_input_pct"] = _pct(table["recycled_input_t"], material)
    table["water_reused_m3"] = water - streams.total(left, "water_input")
    table["water_reused_pct"] = _pct(table["water_reused_m3"], water)
    table["heat_recovered"] = heat
    accounts = _accounts(lp, x, firms)
    for source in ESG_CO2_SOURCES:
        table[f"co2_{source}_t"] = accounts[source]
    table["co2_t"] = np.sum([accounts[source] for source in ESG_CO2_SOURCES], axis=0)
    table["cost"] = accounts["cost"]
    return table


def esg_table(park: Park, lp: LinearProgram, x: np.ndarray | None, baseline_x: np.ndarray,
              firms: pd.DataFrame) -> pd.DataFrame:
    """firms_esg.csv: one row per firm, each measure before (`baseline_`) and after.

    `firms`: the result's firm table (its heat columns, where the park has heat). The
    no-links point recovers no heat; without a solution the `after` columns are blank."""
    ids = park.firms.index
    streams = _Streams(park, lp)
    heat = firms[HEAT_RECOVERY].sum(axis=1).reindex(ids).to_numpy(float) \
        if set(HEAT_RECOVERY) <= set(firms.columns) else np.zeros(len(ids))
    before = _point(streams, lp, baseline_x, ids, np.zeros(len(ids)))
    after = _point(streams, lp, x, ids, heat) if x is not None else \
        {k: np.full(len(ids), np.nan) for k in before}
    table = pd.DataFrame({"firm_id": ids,
                          **{f"{m}_{u}": streams.total(streams.quantity, m) for m, u in
                             (("waste", "t"), ("material_input", "t"), ("water_input", "m3"))}})
    for column in before:
        table[f"baseline_{column}"] = before[column]
        table[column] = after[column]
    table["name"] = park.firms["name"].reindex(ids).to_numpy()
    numbers = table.select_dtypes("number").columns
    table[numbers] = table[numbers] + 0.0  # no -0 in the file
    return table[ESG_COLUMNS]
