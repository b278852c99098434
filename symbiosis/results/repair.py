"""Repairs of a solver's point: round its noise, drop links that carry nothing or lose money.
Each keeps the point feasible and never raises its cost, so the solver's bound stays valid."""
from __future__ import annotations

import numpy as np

from ..formulation.program import LinearProgram
from ..formulation.registry import clean_blocks, losing_together
from ..network import Network


def drop_links(lp: LinearProgram, network: Network, x: np.ndarray,
               mask: np.ndarray) -> np.ndarray:
    """Remove the masked links from point x: their supply is disposed of and their demand
    purchased instead, their heat matches go with them. Always feasible: balances hold,
    quality and heat-interval rows only loosen."""
    x = x.copy()
    flow, build = lp.variables["flow"], lp.variables["build"]
    links = network.links
    f = np.where(mask, x[flow.columns], 0.0)
    dispose, purchase = lp.variables["dispose"], lp.variables["purchase"]
    s, d = dispose.index.get_indexer(links.from_stream), purchase.index.get_indexer(links.to_stream)
    s_ok, d_ok = s >= 0, d >= 0  # a facility's end (-1) has no disposal or purchase column
    np.add.at(x, dispose.start + s[s_ok], f[s_ok])
    np.add.at(x, purchase.start + d[d_ok], (f * links["yield"].to_numpy())[d_ok])
    x[flow.columns[mask]] = 0.0
    x[build.columns[mask]] = 0.0
    for block in lp.variables.values():  # columns per (link, ...) go with their link
        if block.name not in ("flow", "build") and "link" in (block.index.names or ()):
            gone = block.index.get_level_values("link").isin(links.index[mask])
            x[block.columns[gone]] = 0.0
    return x


def clean_solution(lp: LinearProgram, network: Network, values: np.ndarray) -> np.ndarray:
    """Round solver noise: tiny values to 0, build = 1 exactly where a link carries flow.

    Dropping an empty built link only lowers the cost, so the solver's bound stays valid; a
    link decided built (its build's lower bound 1) stays built, empty or not.
    """
    x = np.where(np.abs(values) <= 1e-9, 0.0, values)
    flow, build = lp.variables["flow"], lp.variables["build"]
    idle = x[flow.columns] <= 1e-9 * np.maximum(1.0, flow.upper)
    idle &= build.lower < 0.5
    x = drop_links(lp, network, x, idle)
    x[build.columns[~idle]] = 1.0
    return clean_blocks(lp, network, x)  # each block's own builds (pumps, routes, ...)


def prune_unprofitable_links(lp: LinearProgram, network: Network,
                             x: np.ndarray) -> tuple[np.ndarray, int]:
    """Drop built links whose removal lowers cost; return the new point and how many.

    A solver stopped at a gap may keep a link that loses money. Removing a link is always
    feasible (see `drop_links`) and changes cost by fixed + capex - flow x unit_value,
    independently of other links.
    """
    links = network.links
    build = lp.variables["build"]
    f = x[lp.variables["flow"].columns]
    gain = f * links.unit_value.to_numpy() - link_build_cost(lp)
    losing = (f > 0) & (gain < -1e-9 * np.maximum(1.0, np.abs(gain)))
    losing |= losing_together(lp, network, x)  # e.g. a shared route that does not pay
    losing &= build.lower < 0.5  # a link decided built stays
    losing &= _disposal_room(lp, network, x, f)  # a banned disposal (landfill_ban) stays shut
    if not losing.any():
        return x, 0
    x = clean_blocks(lp, network, drop_links(lp, network, x, losing))
    return x, int(losing.sum())


def _disposal_room(lp: LinearProgram, network: Network, x: np.ndarray,
                   f: np.ndarray) -> np.ndarray:
    """Which links' flow their supply could dispose of instead, within its disposal bound."""
    dispose = lp.variables["dispose"]
    s = dispose.index.get_indexer(network.links.from_stream)
    room = np.full(len(s), np.inf)
    ok = s >= 0
    room[ok] = dispose.upper[s[ok]] - x[dispose.start + s[ok]]
    return f <= room + 1e-9 * np.maximum(1.0, f)


def link_build_cost(lp: LinearProgram) -> np.ndarray:
    """What each link's own build decision costs a year in the program (its fixed cost and
    annualised capex; nothing where a shared route pays them)."""
    build = lp.variables["build"]
    cost = np.zeros(lp.n_columns)
    for term in lp.cost_terms.values():
        np.add.at(cost, term.cols, term.coefs)
    return cost[build.columns]
