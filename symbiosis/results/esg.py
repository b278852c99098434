"""The per-firm green-certification sheet (firms_esg.csv, docs/format.md "firms_esg.csv"):
each firm before (the no-links point) and after (the optimum), in what an auditor asks for.

Nothing is re-derived: quantities are the program's own columns (a supply's `dispose`, a
demand's `purchase`, read at both points), heat from the firm table's heat columns, and cost
and CO2 from the firm accounts term by term (LinearProgram.accounts_by_term, the rule of
account_matrix, docs/model.md "Firm accounts"), so that CO2 splits by source.
Column sums are the park's KPIs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

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


def _accounts(lp: LinearProgram, x: np.ndarray, firms: pd.Index) -> pd.DataFrame:
    """Per firm: CO2 by source and cost (carbon included) at x, by the firm-account rule
    (LinearProgram.accounts_by_term)."""
    cost, co2 = lp.accounts_by_term(firms, x)
    out = co2.T.groupby([co2_source(t) for t in co2.columns]).sum().T.reindex(
        columns=list(ESG_CO2_SOURCES), fill_value=0.0)
    out["cost"] = cost.sum(axis=1) + lp.carbon_price * co2.sum(axis=1)
    return out


def _by_firm(park: Park, lp: LinearProgram, x: np.ndarray, category: str,
             unit: str) -> pd.DataFrame:
    """Per firm, for streams of one category and unit: supplied, disposed, demanded, bought
    at x."""
    s = park.streams
    firms = park.firms.index
    units = park.resources.unit.astype(str).str.strip().str.lower()
    of = (s.category == category).to_numpy() & (units.reindex(s.resource).to_numpy() == unit)
    disposed = lp.variables["dispose"].values(x)
    bought = lp.variables["purchase"].values(x)
    sup = s[of & (s.direction == "supply")]
    dem = s[of & (s.direction == "demand")]

    def total(values: pd.Series, streams: pd.DataFrame) -> pd.Series:
        return values.reindex(streams.index).fillna(0.0).groupby(streams.firm_id).sum() \
            .reindex(firms, fill_value=0.0)

    return pd.DataFrame({"supplied": total(sup.quantity, sup), "disposed": total(disposed, sup),
                         "demanded": total(dem.quantity, dem), "bought": total(bought, dem)})


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    """100 · part / whole; blank where the firm has none of it."""
    return (100.0 * part / whole.where(whole > 0)).astype(float)


def _point(park: Park, lp: LinearProgram, x: np.ndarray, heat: pd.Series) -> pd.DataFrame:
    firms = park.firms.index
    material = _by_firm(park, lp, x, "material", MASS_UNIT)
    water = _by_firm(park, lp, x, "water", WATER_UNIT)
    table = pd.DataFrame(index=firms)
    table["waste_disposed_t"] = material.disposed
    table["waste_diverted_t"] = material.supplied - material.disposed
    table["waste_diverted_pct"] = _pct(table.waste_diverted_t, material.supplied)
    table["recycled_input_t"] = material.demanded - material.bought
    table["recycled_input_pct"] = _pct(table.recycled_input_t, material.demanded)
    table["water_reused_m3"] = water.demanded - water.bought
    table["water_reused_pct"] = _pct(table.water_reused_m3, water.demanded)
    table["heat_recovered"] = heat
    accounts = _accounts(lp, x, firms)
    for source in ESG_CO2_SOURCES:
        table[f"co2_{source}_t"] = accounts[source]
    table["co2_t"] = accounts[list(ESG_CO2_SOURCES)].sum(axis=1)
    table["cost"] = accounts.cost
    return table


def esg_table(park: Park, lp: LinearProgram, x: np.ndarray | None, baseline_x: np.ndarray,
              firms: pd.DataFrame) -> pd.DataFrame:
    """firms_esg.csv: one row per firm, each measure before (`baseline_`) and after.

    `firms`: the result's firm table (its heat columns, where the park has heat). The
    no-links point recovers no heat; without a solution the `after` columns are blank."""
    ids = park.firms.index
    heat = firms[HEAT_RECOVERY].sum(axis=1).reindex(ids) if set(HEAT_RECOVERY) <= set(
        firms.columns) else pd.Series(0.0, index=ids)
    material = _by_firm(park, lp, baseline_x, "material", MASS_UNIT)
    water = _by_firm(park, lp, baseline_x, "water", WATER_UNIT)
    before = _point(park, lp, baseline_x, pd.Series(0.0, index=ids))
    after = _point(park, lp, x, heat) if x is not None else before * np.nan
    table = pd.DataFrame({"firm_id": ids, "waste_t": material.supplied.to_numpy(),
                          "material_input_t": material.demanded.to_numpy(),
                          "water_input_m3": water.demanded.to_numpy()})
    for column in before.columns:
        table[f"baseline_{column}"] = before[column].to_numpy()
        table[column] = after[column].to_numpy()
    table["name"] = park.firms["name"].reindex(ids).to_numpy()
    numbers = table.select_dtypes("number").columns
    table[numbers] = table[numbers] + 0.0  # no -0 in the file
    return table[ESG_COLUMNS]
