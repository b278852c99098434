"""The result tables every run has: built links, firms, streams, the objective by term."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..formulation.program import LinearProgram
from ..formulation.registry import priced_links
from ..network import Network
from .kpis import _heat_amounts
from .schema import (BLOCK_LINK_COLUMNS, FIRM_COLUMNS, HEAT_FIRM_COLUMNS, LINK_COLUMNS,
                     LINK_EXTRA_COLUMNS)


def _built_links(network: Network, lp: LinearProgram, x: np.ndarray | None) -> pd.DataFrame:
    if x is None:
        return pd.DataFrame(columns=LINK_COLUMNS + LINK_EXTRA_COLUMNS).rename_axis("link_id")
    flow = lp.variables["flow"].values(x)
    forced = lp.variables["build"].lower > 0.5  # built by decision, carrying or not
    built = network.links.loc[flow.index[(flow.to_numpy() > 0) | forced]].copy()
    f = flow[built.index]
    built["flow"] = f
    built["delivered"] = f * built["yield"]
    built["transport_cost"] = f * built.transport_unit_cost
    built["processing_cost"] = f * built.processing_cost
    built["annual_cost"] = (built.transport_cost + built.processing_cost + built.fixed_cost
                            + built.annualised_capex)
    built["co2_t"] = f * built.unit_co2
    built = priced_links(lp, x, built)  # as the blocks price them (e.g. shared routes)
    extra = [c for c in built.columns if c in BLOCK_LINK_COLUMNS]
    return built[LINK_COLUMNS + LINK_EXTRA_COLUMNS + extra]


def _heat_firm_table(park, lp, x, links, pumps: pd.DataFrame) -> pd.DataFrame:
    """Per firm: hot_utility falls by heat_recovered_within + heat_received_between +
    heat_pumped (+ heat from fuel links, not a column here); cold_utility by what the firm's
    links and pumps take from its supplies."""
    heat, hot, cold, heat_links = _heat_amounts(park, lp, x, links)
    firms = park.firms.index

    def by_firm(values: pd.Series) -> pd.Series:
        return values.groupby(heat.firm_id.reindex(values.index)).sum().reindex(
            firms, fill_value=0.0)

    within = heat_links[heat_links.from_firm == heat_links.to_firm]
    between = heat_links[heat_links.from_firm != heat_links.to_firm]
    table = pd.DataFrame(index=firms)
    table["baseline_hot_utility"] = by_firm(heat.quantity[heat.direction == "demand"])
    table["hot_utility"] = by_firm(hot) if x is not None else np.nan
    table["baseline_cold_utility"] = by_firm(heat.quantity[heat.direction == "supply"])
    table["cold_utility"] = by_firm(cold) if x is not None else np.nan
    table["heat_recovered_within"] = within.groupby("to_firm").delivered.sum().reindex(
        firms, fill_value=0.0)
    table["heat_received_between"] = between.groupby("to_firm").delivered.sum().reindex(
        firms, fill_value=0.0)
    table["heat_given_between"] = between.groupby("from_firm").flow.sum().reindex(
        firms, fill_value=0.0)
    table["heat_pumped"] = pumps.groupby("firm_id").heat_delivered.sum().reindex(
        firms, fill_value=0.0)
    if x is None:
        table[["heat_recovered_within", "heat_received_between", "heat_given_between",
               "heat_pumped"]] = np.nan
    return table[HEAT_FIRM_COLUMNS]


def firm_split(lp: LinearProgram, x: np.ndarray, firms: pd.Index) -> pd.DataFrame:
    """Each firm's cost and CO2 at point x: every term split by its columns' owners.

    A link's (or heat match's) cost and CO2 go half to each end; purchases, disposals and a
    firm's own heat pump to that firm; the carbon price applies to each firm's CO2. The
    firms' costs therefore add up to the park's total, whatever blocks the model has.
    """
    first, second = lp.column_firms()
    columns = {}
    for kind, terms in (("cost", lp.cost_terms), ("co2", lp.co2_terms)):
        cols = np.concatenate([t.cols for t in terms.values()])
        value = np.concatenate([t.coefs * x[t.cols] for t in terms.values()]) / 2
        owners = np.concatenate([first[cols], second[cols]])
        columns[kind] = pd.Series(np.concatenate([value, value])).groupby(owners).sum()
    table = pd.DataFrame(columns).reindex(firms, fill_value=0.0).fillna(0.0)
    table["cost"] += lp.carbon_price * table.co2
    return table


def _firm_table(park, lp, x, baseline_x) -> pd.DataFrame:
    base = firm_split(lp, baseline_x, park.firms.index)
    table = pd.DataFrame({"firm_id": park.firms.index, "baseline_cost": base.cost.to_numpy(),
                          "baseline_co2_t": base.co2.to_numpy()})
    if x is None:
        table["cost"] = table["savings"] = table["co2_t"] = np.nan
    else:
        now = firm_split(lp, x, park.firms.index)
        table["cost"] = now.cost.to_numpy()
        table["savings"] = table.baseline_cost - table.cost
        table["co2_t"] = now.co2.to_numpy()
    return table[FIRM_COLUMNS].set_index("firm_id")  # a notebook looks firms up by id


def _stream_table(park, lp, x) -> pd.DataFrame:
    """Each stream with its outcome; heat streams keep `t_in, t_out` (last, blank for the
    others) so that a report can draw the park's composite curves from the folder alone."""
    s = park.streams
    table = s[["firm_id", "direction", "resource", "quantity", "unit_cost", "unit_co2"]].copy()
    if x is None:
        table["purchased"] = table["disposed"] = table["linked"] = np.nan
    else:
        purchased = lp.variables["purchase"].values(x)
        disposed = lp.variables["dispose"].values(x)
        table["purchased"] = purchased.reindex(table.index).fillna(0.0)
        table["disposed"] = disposed.reindex(table.index).fillna(0.0)
        table["linked"] = table.quantity - table.purchased - table.disposed
    for column in ("t_in", "t_out"):
        table[column] = s[column] if column in s else np.nan
    return table


def _breakdown(lp, x, baseline_x) -> pd.DataFrame:
    terms = list(lp.breakdown(baseline_x))
    table = pd.DataFrame(index=pd.Index(terms, name="term"))
    table["baseline_cost"] = pd.Series(lp.breakdown(baseline_x))
    table["cost"] = pd.Series(lp.breakdown(x)) if x is not None else np.nan
    table["baseline_co2_t"] = pd.Series(lp.co2_breakdown(baseline_x))
    table["co2_t"] = pd.Series(lp.co2_breakdown(x)) if x is not None else np.nan
    no_co2 = ~table.index.isin(list(lp.co2_terms))  # fixed, capex, carbon: money only
    table.loc[no_co2, ["baseline_co2_t", "co2_t"]] = 0.0
    return table
