"""Heat block: waste heat cascaded between streams by temperature intervals.

A transportation form of the transshipment model (Papoulias & Grossmann 1983; Cerda et al.
1983). Temperatures are put on one "hot scale": a supply at its own temperature, a demand at
its temperature + ΔTmin. Every inlet and outlet on that scale cuts it into intervals; each
stream's load is spread evenly over its range, so it holds a known share of its load in each
interval. On heat link l, the heat taken from supply interval k may serve demand interval j
only where k lies at or above j (plus the link's extra inter-firm approach e_l):

    low_k ≥ low_j + e_l  and  high_k ≥ high_j + e_l                  (allowed pairs only)
    Σ_{j} y_{l,k,j} summed over links of s   ≤ Q_{s,k}               (heat_supply_interval)
    Σ_{k} η_l y_{l,k,j} summed over links of d ≤ Q_{d,j}             (heat_demand_interval)
    Σ_{k,j} y_{l,k,j} = x_l                                           (heat_link_total)

Each allowed pair is a counter-current match of two linear profiles whose end differences
are at least the approach, so every transfer respects ΔTmin. With a single ΔTmin the grid is
the problem table's, and the minimum utilities equal its targets exactly. With an extra
inter-firm approach the grid is closed under shifts by e, so heat carried between firms is
matched exactly too (bounded by MAX_GRID_POINTS; a coarser grid is only conservative).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from .program import LinearProgram

HOT_SCALE_DECIMALS = 9  # rounding of grid points, so equal temperatures meet exactly
MAX_GRID_POINTS = 4000  # bound on the hot-scale grid when closing it under the extra approach


def heat_grid(park: Park) -> np.ndarray:
    """Cut points of the hot scale, hottest first."""
    s = park.streams[park.streams.category == "heat"]
    cfg = park.config.heat
    hot = s[s.direction == "supply"]
    cold = s[s.direction == "demand"]
    points = [hot.t_in, hot.t_out, cold.t_in + cfg.min_approach_c,
              cold.t_out + cfg.min_approach_c]
    base = np.unique(np.concatenate([np.asarray(p, float) for p in points]))
    extra = cfg.inter_firm_approach_c
    if extra > 0 and base.size > 1:
        base = _close_under_shift(base, extra)
    return np.unique(np.round(base, HOT_SCALE_DECIMALS))[::-1]


def _close_under_shift(points: np.ndarray, step: float) -> np.ndarray:
    """Add every point ± k·step inside the range, so that inter-firm matches (shifted by the
    extra approach) meet interval edges exactly. Capped at MAX_GRID_POINTS: beyond that the
    grid stays coarser, which only makes inter-firm recovery conservative."""
    low, high = points.min(), points.max()
    k = min(int(np.ceil((high - low) / step)), max(1, MAX_GRID_POINTS // (2 * points.size)))
    shifted = (points[:, None] + step * np.arange(-k, k + 1)[None, :]).ravel()
    return shifted[(shifted >= low) & (shifted <= high)]


def stream_intervals(park: Park, grid: np.ndarray) -> pd.DataFrame:
    """Each heat stream's share of its load in each interval of the hot scale it spans."""
    s = park.streams[park.streams.category == "heat"]
    shift = np.where(s.direction == "demand", park.config.heat.min_approach_c, 0.0)
    top = np.maximum(s.t_in, s.t_out).to_numpy() + shift
    bottom = np.minimum(s.t_in, s.t_out).to_numpy() + shift
    high, low = grid[:-1], grid[1:]
    inside = (low[None, :] >= np.round(bottom, HOT_SCALE_DECIMALS)[:, None]) & \
             (high[None, :] <= np.round(top, HOT_SCALE_DECIMALS)[:, None])
    rows, cols = np.nonzero(inside)
    span = (top - bottom)[rows]
    return pd.DataFrame({
        "stream": s.index.to_numpy()[rows], "direction": s.direction.to_numpy()[rows],
        "interval": cols,
        "high": high[cols], "low": low[cols],
        "load": s.quantity.to_numpy()[rows] * (high[cols] - low[cols]) / span,
    }).pipe(_with_block_rows)


def _with_block_rows(intervals: pd.DataFrame) -> pd.DataFrame:
    """`row`: each interval's row in its block of interval rows (supply or demand)."""
    return intervals.assign(row=intervals.groupby("direction").cumcount().to_numpy())


def add_heat(lp: LinearProgram, park: Park, network: Network) -> None:
    if not park.has_heat:
        return
    cfg = park.config.heat
    intervals = stream_intervals(park, heat_grid(park))
    lp.annotations["heat_intervals"] = intervals
    _add_interval_rows(lp, intervals)
    links = network.links[network.links.category == "heat"]
    if links.empty:
        return
    extra = links.approach_c.to_numpy() - cfg.min_approach_c  # e_l: 0 within a firm
    pairs = interval_pairs(
        pd.DataFrame({"link": np.arange(len(links)), "from_stream": links.from_stream,
                      "to_stream": links.to_stream, "extra": extra,
                      "yield": links["yield"].to_numpy()}), intervals)
    eps = 10.0 ** -HOT_SCALE_DECIMALS
    allowed = ((pairs.hot_low + eps >= pairs.cold_low + pairs.extra)
               & (pairs.hot_high + eps >= pairs.cold_high + pairs.extra))
    pairs = pairs[allowed].reset_index(drop=True)
    link = pairs.link.to_numpy()
    n_intervals = int(intervals.interval.max()) + 1
    index = pd.MultiIndex(  # from codes: no factorising of link ids
        levels=[links.index, pd.RangeIndex(n_intervals), pd.RangeIndex(n_intervals)],
        codes=[link, pairs.hot_interval.to_numpy(), pairs.cold_interval.to_numpy()],
        names=["link", "hot_interval", "cold_interval"], verify_integrity=False)
    ends = (links.from_firm.to_numpy()[link], links.to_firm.to_numpy()[link])
    transfer = lp.add_variables("heat_transfer", index, 0.0, np.inf, ends)
    # Temperatures of each match on the streams' own scales, for results and checks.
    lp.annotations["heat_transfer"] = pd.DataFrame({
        "link_id": links.index.to_numpy()[link],
        "from_stream": pairs.from_stream.to_numpy(), "to_stream": pairs.to_stream.to_numpy(),
        "hot_t_high": pairs.hot_high.to_numpy(), "hot_t_low": pairs.hot_low.to_numpy(),
        "cold_t_high": pairs.cold_high.to_numpy() - cfg.min_approach_c,
        "cold_t_low": pairs.cold_low.to_numpy() - cfg.min_approach_c,
        "approach_c": cfg.min_approach_c + pairs.extra.to_numpy()}, index=index)

    n = len(pairs)
    flow = lp.variables["flow"]
    lp.add_constraints(
        "heat_link_total", links.index,
        np.concatenate([link, np.arange(len(links))]),
        np.concatenate([transfer.columns,
                        flow.start + np.flatnonzero((network.links.category == "heat")
                                                    .to_numpy())]),
        np.concatenate([np.ones(n), -np.ones(len(links))]), lower=0.0, upper=0.0,
        description="heat matched on a link = heat taken by the link")
    add_interval_terms(lp, pairs, transfer.columns, np.ones(n), pairs["yield"].to_numpy())


def interval_pairs(pairs: pd.DataFrame, intervals: pd.DataFrame) -> pd.DataFrame:
    """Every (supply interval, demand interval) combination of each (from, to) stream pair,
    with the row of each interval in its interval block (`hot_row`, `cold_row`).

    The joins are on integer stream codes: joining on the id strings costs several times more.
    """
    streams = pd.Index(intervals.stream.unique())
    code = streams.get_indexer(intervals.stream)
    table = intervals.assign(code=code)
    hot = table.add_prefix("hot_")
    cold = table.add_prefix("cold_")
    keyed = pairs.assign(hot_code=streams.get_indexer(pairs.from_stream),
                         cold_code=streams.get_indexer(pairs.to_stream))
    return (keyed.merge(hot, on="hot_code").merge(cold, on="cold_code")
            .drop(columns=["hot_code", "cold_code"]))


def _add_interval_rows(lp: LinearProgram, intervals: pd.DataFrame) -> None:
    """One row per supply interval and per demand interval, empty until terms are added."""
    for direction, name, verb in (("supply", "heat_supply_interval", "taken from"),
                                  ("demand", "heat_demand_interval", "given to")):
        rows = intervals[intervals.direction == direction]
        lp.add_constraints(name, pd.MultiIndex.from_frame(rows[["stream", "interval"]]),
                           [], [], [], upper=rows.load.to_numpy(),
                           description=f"heat {verb} a stream in an interval <= its load there")


def add_interval_terms(lp: LinearProgram, pairs: pd.DataFrame, cols: np.ndarray,
                       from_supply: np.ndarray, to_demand: np.ndarray) -> None:
    """Columns `cols` take `from_supply` per unit from their supply interval and give
    `to_demand` per unit to their demand interval."""
    for side, name, coefs in (("hot", "heat_supply_interval", from_supply),
                              ("cold", "heat_demand_interval", to_demand)):
        lp.extend_constraints(name, pairs[f"{side}_row"].to_numpy(), cols, coefs)
