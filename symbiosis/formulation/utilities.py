"""Utility block: several hot and cold utility levels of a heat resource (utilities.csv).

Without utilities.csv a heat demand buys heat at any temperature (one hot utility, at the
stream's price) and a heat supply is cooled at any temperature (one cold utility). Where a
heat resource lists hot utilities (steam mains, hot oil), its demands buy heat from those
only, each no hotter than it is; where it lists cold utilities (cooling water, chilled
water), its supplies are cooled by those only. This is textbook multiple-utility targeting
(Linnhoff et al. 1982; Kemp 2007, ch. 4) inside the heat cascade of `heat.py`.

A utility's heat is spread over its own range (a point for steam), so on the hot scale it
holds a share σ_k of every unit in each interval k it spans. For each hot utility u and
demand d one column F_{u,d} (heat u gives d) feeds the cascade of `heat.py` at u's intervals
and columns g_{u,d,j} take it out at d's intervals, which join d's interval rows:

    r_{j⁻} + Σ_{k: first(k)=j} σ_{u,k} F_{u,d} − g_{u,d,j} − r_j = 0      (hot_utility_cascade)
    Σ_u F_{u,d} − p_d = 0                                               (hot_utility_total)

A pair is offered only if every interval of u may serve some interval of d (u's heat can be
used whole). Cold utilities are symmetric: for cold utility c and supply s, columns
h_{c,s,k} take heat from s's intervals (joining its interval rows) and W_{c,s} is the heat c
takes away:

    r_{j⁻} + Σ_{k: first(k)=j} h_{c,s,k} − σ_{c,j} W_{c,s} − r_j = 0      (cold_utility_cascade)
    Σ_c W_{c,s} − w_s = 0                                               (cold_utility_total)
    Σ F_{u,·} ≤ max_quantity_u,  Σ W_{c,·} ≤ max_quantity_c              (utility_limit)

The purchase p_d and the disposal w_s keep their meaning (hot and cold utility used by the
stream); their price moves from the stream to the utilities (`utility_hot`, `utility_cold`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..park import Park
from .heat import (HeatGrid, _side, add_cascade, add_interval_terms, pair_interval_index,
                   serving_order)
from .program import LinearProgram


def add_utilities(lp: LinearProgram, park: Park) -> None:
    u = park.utilities
    if u.empty or not park.has_heat:
        return
    grid_table = lp.annotations["heat_grid"]
    grid = HeatGrid(grid_table.high.to_numpy(), grid_table.low.to_numpy(),
                    bool(grid_table.exact.all()))
    intervals = lp.annotations["heat_intervals"]
    totals = {}
    for kind, direction, variable in (("hot", "demand", "purchase"),
                                      ("cold", "supply", "dispose")):
        pairs = _pairs(park, kind, direction)
        if pairs.empty:
            continue
        totals[kind] = _add_kind(lp, park, grid, intervals, kind, direction, variable, pairs)
    _add_limits(lp, u, totals)


def _pairs(park: Park, kind: str, direction: str) -> pd.DataFrame:
    """(utility, stream) pairs of one kind, by the heat resource they share."""
    levels = park.utilities[park.utilities.kind == kind].rename_axis("utility").reset_index()
    s = park.streams
    streams = s[(s.direction == direction) & (s.category == "heat")]
    streams = streams.rename_axis("stream").reset_index()[["stream", "firm_id", "resource"]]
    return levels[["utility", "resource", "price", "co2"]].merge(streams, on="resource")


def _add_kind(lp: LinearProgram, park: Park, grid: HeatGrid, intervals: pd.DataFrame,
              kind: str, direction: str, variable: str, pairs: pd.DataFrame) -> pd.Series:
    utility_side = _side(intervals, f"{kind}_utility", pairs.utility.to_numpy())
    stream_side = _side(intervals, direction, pairs.stream.to_numpy())
    hot, cold = (utility_side, stream_side) if kind == "hot" else (stream_side, utility_side)
    cold, hot, first = serving_order(grid, hot, cold, np.zeros(len(pairs)))
    if kind == "hot":  # offer a pair only if all of the utility's heat can reach the demand
        reached = hot.groupby("pair").size()
        whole = utility_side.groupby("pair").size()
        ok = (reached.reindex(whole.index, fill_value=0) == whole)
        keep = ok[ok].index.to_numpy()
    else:
        keep = np.unique(hot.pair.to_numpy())
    pairs, remap = _subset(pairs, keep)
    hot, first, cold = _renumber(hot, first, cold, remap)
    ids = pd.Index(pairs.utility + "@" + pairs.stream, name="utility_use")
    firm = pairs.firm_id.to_numpy()
    amount = lp.add_variables(f"{kind}_utility", ids, 0.0, np.inf, firm)
    per_interval = hot if kind == "cold" else cold
    moved = lp.add_variables(f"{kind}_utility_{'take' if kind == 'cold' else 'give'}",
                             pair_interval_index(ids, per_interval, "utility_use"), 0.0,
                             np.inf, firm[per_interval.pair.to_numpy()])
    if kind == "hot":
        hot_cols = amount.columns[hot.pair.to_numpy()]
        hot_coefs = hot.load.to_numpy()  # the utility's share in each interval
        cold_cols, cold_coefs = moved.columns, -np.ones(len(cold))
        add_interval_terms(lp, "heat_demand_interval", cold.row.to_numpy(), moved.columns)
    else:
        hot_cols, hot_coefs = moved.columns, np.ones(len(hot))
        cold_cols = amount.columns[cold.pair.to_numpy()]
        cold_coefs = -cold.load.to_numpy()
        add_interval_terms(lp, "heat_supply_interval", hot.row.to_numpy(), moved.columns)
    add_cascade(lp, f"{kind}_utility_residual", f"{kind}_utility_cascade", ids, "utility_use",
                cold, first, hot_cols, hot_coefs, cold_cols, cold_coefs, (firm, firm),
                f"{kind} utility heat moves only from hotter to colder intervals")
    # The stream's purchase (disposal) is the sum of its utilities; its own price goes.
    stream_var = lp.variables[variable]
    served = pd.Index(pairs.stream.unique())
    position = served.get_indexer(pairs.stream)
    lp.add_constraints(
        f"{kind}_utility_total", served,
        np.concatenate([position, np.arange(len(served))]),
        np.concatenate([amount.columns, stream_var.start + stream_var.index.get_indexer(served)]),
        np.concatenate([np.ones(len(pairs)), -np.ones(len(served))]), lower=0.0, upper=0.0,
        description=f"{kind} utility of a stream = the heat its {kind} utilities give or take")
    term = "purchases" if variable == "purchase" else "disposals"
    gone = np.isin(lp.cost_terms[term].cols, stream_var.start + stream_var.index.get_indexer(
        served))
    for terms, add in ((lp.cost_terms, lp.add_cost), (lp.co2_terms, lp.add_co2)):
        old = terms[term]
        add(term, old.cols[~gone], old.coefs[~gone], old.constant)
    lp.add_cost(f"utility_{kind}", amount.columns, pairs.price.to_numpy())
    lp.add_co2(f"utility_{kind}", amount.columns, pairs.co2.to_numpy())
    lp.annotations[f"{kind}_utility"] = pairs.set_index(ids)
    return pd.Series(amount.columns, index=pairs.utility.to_numpy())


def _subset(pairs: pd.DataFrame, keep: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    remap = np.full(len(pairs), -1)
    remap[keep] = np.arange(len(keep))
    return pairs.iloc[keep].reset_index(drop=True), remap


def _renumber(hot: pd.DataFrame, first: np.ndarray, cold: pd.DataFrame,
              remap: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Keep the rows of kept pairs, renumbered, with `first` pointing into the new cold table."""
    hot_ok = remap[hot.pair.to_numpy()] >= 0
    cold_ok = remap[cold.pair.to_numpy()] >= 0
    new_index = np.cumsum(cold_ok) - 1
    first = new_index[first[hot_ok]]
    hot = hot[hot_ok].assign(pair=remap[hot.pair.to_numpy()[hot_ok]]).reset_index(drop=True)
    cold = cold[cold_ok].assign(pair=remap[cold.pair.to_numpy()[cold_ok]]).reset_index(drop=True)
    return hot, first, cold


def _add_limits(lp: LinearProgram, u: pd.DataFrame, totals: dict[str, pd.Series]) -> None:
    """Park-wide most heat a utility gives or takes a year (max_quantity)."""
    if not totals:
        return
    columns = pd.concat(list(totals.values()))
    limited = u.max_quantity.dropna()
    columns = columns[columns.index.isin(limited.index)]
    if columns.empty:
        return
    rows = pd.Index(sorted(columns.index.unique()), name="utility")
    lp.add_constraints("utility_limit", rows, rows.get_indexer(columns.index),
                       columns.to_numpy(), np.ones(len(columns)),
                       upper=limited.reindex(rows).to_numpy(),
                       description="heat a utility gives or takes <= its max_quantity")
