"""Heat block: waste heat cascaded between streams by temperature intervals.

Temperatures go on one "hot scale": a supply at its own temperature, a demand at its
temperature + ΔTmin. Every inlet and outlet on that scale is a grid point; consecutive points
bound an interval, and a constant-temperature stream (condensing steam, a bath held at
temperature, evaporation: t_in = t_out) adds a zero-width interval at its temperature, which
holds its whole load. Intervals are ordered hottest first (by upper end, then lower end). A
stream with a range holds a share of its load in each interval it spans, in proportion to the
interval's width.

On heat link l (supply s → demand d, approach ΔTmin + e_l, yield η_l), heat taken from s in
interval k may serve d in interval j only where both ends are at least the approach apart:

    low_k ≥ low_j + e_l  and  high_k ≥ high_j + e_l

Both ends fall along the order, so the intervals that may serve j are a prefix of the order,
0..P_l(j), and P_l grows with j. The flows this allows are those of a cascade per link (the
transshipment form of Papoulias & Grossmann 1983, one cascade per link; by Hall's theorem for
nested prefixes it allows exactly what the interval-pair transportation form of Cerda et al.
1983 allows, with O(n) instead of O(n²) variables per link):

    h_{l,k} heat taken from s in k,  g_{l,j} heat given to d in j,  r_{l,j} heat carried down
    r_{l,j-1} + η_l Σ_{k: first_l(k) = j} h_{l,k} − g_{l,j} − r_{l,j} = 0   (heat_link_cascade)
    Σ_k h_{l,k} = x_l                                                      (heat_link_total)
    Σ heat taken from s in k (links, heat pumps) ≤ Q_{s,k}                  (heat_supply_interval)
    Σ heat given to d in j (links, heat pumps) ≤ Q_{d,j}                    (heat_demand_interval)

with first_l(k) the first interval of d whose prefix holds k and r = 0 after d's last
interval. With a single ΔTmin the grid is the problem table's and the minimum utilities equal
its targets exactly. With an extra inter-firm approach e the grid is closed under shifts by e,
so heat carried between firms is matched exactly too; if that closure would pass
MAX_GRID_POINTS the grid stays coarser, which only loses recovery (never lets heat flow
uphill), and the result says so (`kpis.json` heat.grid_exact).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..network import Network, facility_nodes
from ..park import Park
from .program import LinearProgram

HOT_SCALE_DECIMALS = 9  # rounding of grid points, so equal temperatures meet exactly
EPS = 10.0 ** -HOT_SCALE_DECIMALS
MAX_GRID_POINTS = 4000  # bound on the hot-scale grid when closing it under the extra approach
MAX_CLOSURE_CELLS = 20_000_000  # candidate points tried at once when closing the grid


@dataclass(frozen=True)
class HeatGrid:
    """The ordered intervals of the hot scale; `exact` is False when the closure was capped."""

    high: np.ndarray  # upper end of each interval, in order (hottest first)
    low: np.ndarray
    exact: bool

    def __len__(self) -> int:
        return len(self.high)

    def prefix_end(self, high: np.ndarray, low: np.ndarray, extra: np.ndarray) -> np.ndarray:
        """For intervals (high, low) of a demand and extra approaches e: the last position P
        with low_P ≥ low + e and high_P ≥ high + e (−1 where none)."""
        by_low = np.searchsorted(-self.low, -(low + extra - EPS), side="right")
        by_high = np.searchsorted(-self.high, -(high + extra - EPS), side="right")
        return np.minimum(by_low, by_high) - 1


def hot_scale(park: Park) -> pd.DataFrame:
    """Each heat stream's ends on the hot scale (`top`, `bottom`), its load and side; then
    each utility level (direction `hot_utility` or `cold_utility`) with a load of 1, so that
    its intervals hold the shares of its heat. A heat facility's nodes come with the streams
    (an in-node as a demand, an out-node as a supply, at their temperatures; heat_hubs.py)."""
    s = _with_heat_nodes(park.streams[park.streams.category == "heat"], park)
    u = park.utilities
    dt = park.config.heat.min_approach_c
    shift = np.r_[np.where(s.direction == "demand", dt, 0.0),
                  np.where(u.kind == "cold", dt, 0.0)] if len(u) else \
        np.where(s.direction == "demand", dt, 0.0)
    t_in = np.r_[s.t_in.to_numpy(float), u.t_in.to_numpy(float) if len(u) else []] + shift
    t_out = np.r_[s.t_out.to_numpy(float), u.t_out.to_numpy(float) if len(u) else []] + shift
    utility = (u.kind + "_utility").to_numpy() if len(u) else np.empty(0, dtype=object)
    return pd.DataFrame({
        "stream": np.r_[s.index.to_numpy(dtype=object), u.index.to_numpy(dtype=object)],
        "firm_id": np.r_[s.firm_id.to_numpy(dtype=object), np.full(len(u), "", dtype=object)],
        "direction": np.r_[s.direction.to_numpy(dtype=object), utility],
        "load": np.r_[s.quantity.to_numpy(float), np.ones(len(u))],
        "top": np.round(np.maximum(t_in, t_out), HOT_SCALE_DECIMALS),
        "bottom": np.round(np.minimum(t_in, t_out), HOT_SCALE_DECIMALS)})


def _with_heat_nodes(streams: pd.DataFrame, park: Park) -> pd.DataFrame:
    """The heat streams and, after them, the heat nodes of candidate facilities as streams
    (firm_id the facility's id, quantity the most the node passes)."""
    if park.candidate_facilities.empty:
        return streams
    nodes = facility_nodes(park)
    nodes = nodes[nodes.t_in.notna()]
    if nodes.empty:
        return streams
    as_streams = pd.DataFrame({
        "firm_id": nodes.facility_id.to_numpy(),
        "direction": np.where(nodes.side == "in", "demand", "supply"),
        "quantity": nodes.quantity.to_numpy(float), "t_in": nodes.t_in.to_numpy(float),
        "t_out": nodes.t_out.to_numpy(float)}, index=nodes.index)
    return pd.concat([streams[as_streams.columns], as_streams])


def heat_grid(park: Park) -> HeatGrid:
    """The intervals of the hot scale, hottest first, with a point interval at the
    temperature of each constant-temperature stream."""
    ends = hot_scale(park)
    base = np.unique(np.concatenate([ends.top.to_numpy(), ends.bottom.to_numpy()]))
    extra = park.config.heat.inter_firm_approach_c
    exact = True
    if extra > 0 and base.size > 1:
        base, exact = _close_under_shift(base, extra)
    points = np.unique(np.round(base, HOT_SCALE_DECIMALS))[::-1]
    isothermal = np.unique(ends.top[ends.top == ends.bottom].to_numpy())
    high = np.concatenate([points[:-1], isothermal])
    low = np.concatenate([points[1:], isothermal])
    order = np.lexsort((-low, -high))
    return HeatGrid(high[order], low[order], exact)


def _close_under_shift(points: np.ndarray, step: float) -> tuple[np.ndarray, bool]:
    """Add every point ± k·step inside the range, so that inter-firm matches (shifted by the
    extra approach) meet interval edges exactly. Beyond MAX_GRID_POINTS the grid stays
    coarser (fewer shifts), which only makes inter-firm recovery conservative."""
    low, high = points.min(), points.max()
    k_full = int(np.ceil((high - low) / step))
    k = min(k_full, max(1, MAX_CLOSURE_CELLS // (2 * points.size + 1)))
    while True:
        shifted = (points[:, None] + step * np.arange(-k, k + 1)[None, :]).ravel()
        closed = np.unique(np.round(shifted[(shifted >= low) & (shifted <= high)],
                                    HOT_SCALE_DECIMALS))
        if closed.size <= MAX_GRID_POINTS or k <= 1:
            return closed, k == k_full and closed.size <= MAX_GRID_POINTS
        k = max(1, k * MAX_GRID_POINTS // closed.size)


def stream_intervals(park: Park, grid: HeatGrid) -> pd.DataFrame:
    """Each heat stream's load in each interval it holds (`position` in the grid's order),
    and its row in the block of supply or demand interval rows (`row`)."""
    ends = hot_scale(park)
    top, bottom = ends.top.to_numpy(), ends.bottom.to_numpy()
    span = top - bottom
    width = grid.high - grid.low
    inside = ((grid.low[None, :] >= bottom[:, None] - EPS)
              & (grid.high[None, :] <= top[:, None] + EPS)
              & ((width[None, :] > 0) == (span[:, None] > 0)))
    rows, cols = np.nonzero(inside)
    share = np.where(span[rows] > 0, width[cols] / np.where(span[rows] > 0, span[rows], 1.0), 1.0)
    intervals = pd.DataFrame({
        "stream": ends.stream.to_numpy()[rows], "firm_id": ends.firm_id.to_numpy()[rows],
        "direction": ends.direction.to_numpy()[rows], "position": cols,
        "high": grid.high[cols], "low": grid.low[cols],
        "load": ends.load.to_numpy()[rows] * share})
    return intervals.assign(row=intervals.groupby("direction").cumcount().to_numpy())


def add_heat(lp: LinearProgram, park: Park, network: Network) -> None:
    if not park.has_heat:
        return
    grid = heat_grid(park)
    intervals = stream_intervals(park, grid)
    lp.annotations["heat_intervals"] = intervals
    lp.annotations["heat_grid"] = pd.DataFrame({
        "high": grid.high, "low": grid.low, "exact": grid.exact,
        "min_approach_c": park.config.heat.min_approach_c})
    _add_interval_rows(lp, intervals)
    is_heat = (network.links.category == "heat").to_numpy()
    links = network.links[is_heat]
    if links.empty:
        return
    lp.annotations["heat_links"] = links[["from_stream", "to_stream", "yield", "approach_c"]]
    extra = links.approach_c.to_numpy() - park.config.heat.min_approach_c  # 0 within a firm
    eta = links["yield"].to_numpy()
    hot = _side(intervals, "supply", links.from_stream.to_numpy())
    cold = _side(intervals, "demand", links.to_stream.to_numpy())
    cold, hot, first = serving_order(grid, hot, cold, extra)
    ids = links.index
    ends = (links.from_firm.to_numpy(), links.to_firm.to_numpy())
    take = lp.add_variables("heat_take", pair_interval_index(ids, hot, "link"), 0.0, np.inf,
                            tuple(e[hot.pair.to_numpy()] for e in ends))
    give = lp.add_variables("heat_give", pair_interval_index(ids, cold, "link"), 0.0, np.inf,
                            tuple(e[cold.pair.to_numpy()] for e in ends))
    add_cascade(lp, "heat_residual", "heat_link_cascade", ids, "link", cold, first,
                take.columns, eta[hot.pair.to_numpy()], give.columns, -np.ones(len(cold)),
                ends, "heat a link gives a demand interval comes from hotter supply intervals, "
                      "or is carried down from the interval above")
    flow_cols = lp.variables["flow"].start + np.flatnonzero(is_heat)
    lp.add_constraints(
        "heat_link_total", ids,
        np.concatenate([hot.pair.to_numpy(), np.arange(len(links))]),
        np.concatenate([take.columns, flow_cols]),
        np.concatenate([np.ones(len(hot)), -np.ones(len(links))]), lower=0.0, upper=0.0,
        description="heat taken by a link over its supply's intervals = the link's flow")
    add_interval_terms(lp, "heat_supply_interval", hot.row.to_numpy(), take.columns)
    add_interval_terms(lp, "heat_demand_interval", cold.row.to_numpy(), give.columns)


def serving_order(grid: HeatGrid, hot: pd.DataFrame, cold: pd.DataFrame, extra: np.ndarray
                  ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Sort each pair's hot and cold intervals (columns pair, position, high, low) and find,
    for each hot interval, the first cold interval of its pair it may serve (`first`, an index
    into the sorted cold table). Hot intervals that may serve none are dropped."""
    cold = cold.assign(prefix_end=grid.prefix_end(cold.high.to_numpy(), cold.low.to_numpy(),
                                                  extra[cold.pair.to_numpy()]))
    cold = cold.sort_values(["pair", "position"], kind="stable", ignore_index=True)
    hot = hot.sort_values(["pair", "position"], kind="stable", ignore_index=True)
    width = len(grid) + 1
    cold_key = cold.pair.to_numpy() * width + cold.prefix_end.to_numpy()
    first = np.searchsorted(cold_key, hot.pair.to_numpy() * width + hot.position.to_numpy())
    usable = first < len(cold)
    usable[usable] = cold.pair.to_numpy()[first[usable]] == hot.pair.to_numpy()[usable]
    return cold, hot[usable].reset_index(drop=True), first[usable]


def add_cascade(lp: LinearProgram, residual_name: str, row_name: str, ids: pd.Index,
                level: str, cold: pd.DataFrame, first: np.ndarray, hot_cols: np.ndarray,
                hot_coefs: np.ndarray, cold_cols: np.ndarray, cold_coefs: np.ndarray,
                ends: tuple[np.ndarray, np.ndarray], description: str) -> None:
    """One cascade row per cold interval of each pair: what the hot side puts in at the
    intervals `first` points to, plus what is carried down from the interval above, equals
    what the cold side takes there plus what is carried on down (nothing after the last)."""
    pair = cold.pair.to_numpy()
    last = np.r_[pair[1:] != pair[:-1], True]
    carried = cold[~last]
    residual = lp.add_variables(residual_name, pair_interval_index(ids, carried, level), 0.0,
                                np.inf, tuple(e[carried.pair.to_numpy()] for e in ends))
    carried_row = np.flatnonzero(~last)
    lp.add_constraints(
        row_name, pair_interval_index(ids, cold, level),
        np.concatenate([first, np.arange(len(cold)), carried_row, carried_row + 1]),
        np.concatenate([hot_cols, cold_cols, residual.columns, residual.columns]),
        np.concatenate([hot_coefs, cold_coefs, -np.ones(len(carried_row)),
                        np.ones(len(carried_row))]),
        lower=0.0, upper=0.0, description=description)


def _side(intervals: pd.DataFrame, direction: str, stream_of_pair: np.ndarray) -> pd.DataFrame:
    """The intervals of each pair's stream on one side (columns pair, position, high, low,
    row, load)."""
    rows = intervals[intervals.direction == direction]
    streams = pd.Index(rows.stream.unique())
    pair = pd.DataFrame({"pair": np.arange(len(stream_of_pair)),
                         "code": streams.get_indexer(stream_of_pair)})
    table = rows[["position", "high", "low", "row", "load"]].assign(
        code=streams.get_indexer(rows.stream))
    return pair.merge(table, on="code").drop(columns="code")


def pair_interval_index(ids: pd.Index, table: pd.DataFrame, level: str) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([ids.to_numpy()[table.pair.to_numpy()],
                                      table.position.to_numpy()], names=[level, "interval"])


def _add_interval_rows(lp: LinearProgram, intervals: pd.DataFrame) -> None:
    """One row per supply interval and per demand interval, empty until terms are added."""
    for direction, name, verb in (("supply", "heat_supply_interval", "taken from"),
                                  ("demand", "heat_demand_interval", "given to")):
        rows = intervals[intervals.direction == direction]
        index = pd.MultiIndex.from_arrays([rows.stream.to_numpy(), rows.position.to_numpy()],
                                          names=["stream", "interval"])
        lp.add_constraints(name, index, [], [], [], upper=rows.load.to_numpy(),
                           description=f"heat {verb} a stream in an interval <= its load there")


def add_interval_terms(lp: LinearProgram, block: str, rows: np.ndarray,
                       cols: np.ndarray) -> None:
    """Columns `cols` take (or give) one unit each from (to) their interval row."""
    lp.extend_constraints(block, rows, cols, np.ones(len(cols)))


# --- results: the block's own extraction -----------------------------------------------------


def heat_transfer_table(lp: LinearProgram, x: np.ndarray | None) -> pd.DataFrame:
    """Heat matched on each link by temperature interval, heat_transfers.csv (only matches
    carrying heat).

    The program holds, per link, the heat taken in each supply interval and given in each
    demand interval (a cascade); matches are read off it hottest first on both sides (the
    north-west corner rule), which the cascade rows guarantee respects the approach.
    """
    columns = ["link_id", "from_stream", "to_stream", "hot_t_high", "hot_t_low", "cold_t_high",
               "cold_t_low", "approach_c", "heat"]
    if x is None or "heat_take" not in lp.variables:
        return pd.DataFrame(columns=columns)
    grid = lp.annotations["heat_grid"]
    take = lp.variables["heat_take"].values(x)
    give = lp.variables["heat_give"].values(x)
    network_links = lp.annotations["heat_links"]
    rows = []
    for link in take.index.get_level_values("link")[take.to_numpy() > 1e-9].unique():
        h, g = take.loc[link], give.loc[link]
        eta = network_links.at[link, "yield"]
        hot_cum, cold_cum = np.cumsum(eta * h.to_numpy()), np.cumsum(g.to_numpy())
        cuts = np.unique(np.concatenate([hot_cum, cold_cum]))
        cuts = cuts[cuts > 1e-9]
        amount = np.diff(np.r_[0.0, cuts])
        keep = amount > 1e-9 * max(1.0, cuts[-1]) if len(cuts) else amount > 0
        k = h.index.to_numpy()[np.minimum(np.searchsorted(hot_cum, cuts - 1e-9), len(h) - 1)]
        j = g.index.to_numpy()[np.minimum(np.searchsorted(cold_cum, cuts - 1e-9), len(g) - 1)]
        rows.append(pd.DataFrame({"link_id": link, "hot": k[keep], "cold": j[keep],
                                  "heat": amount[keep] / eta}))
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.concat(rows, ignore_index=True).groupby(["link_id", "hot", "cold"], sort=False,
                                                      as_index=False).heat.sum()
    info = network_links.loc[table.link_id]
    dt = float(grid.min_approach_c.iloc[0])
    table["from_stream"] = info.from_stream.to_numpy()
    table["to_stream"] = info.to_stream.to_numpy()
    table["hot_t_high"] = grid.high.to_numpy()[table.hot]
    table["hot_t_low"] = grid.low.to_numpy()[table.hot]
    table["cold_t_high"] = grid.high.to_numpy()[table.cold] - dt
    table["cold_t_low"] = grid.low.to_numpy()[table.cold] - dt
    table["approach_c"] = info.approach_c.to_numpy()
    return table[columns]
