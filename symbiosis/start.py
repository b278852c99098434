"""The MILP's start heuristic, a greedy matcher on the same network: what a planner would do
by hand. The pipeline starts the MILP from it (selection.start_point) and takes its links into
the selection; the results report it beside the optimum (kpis.json `greedy`).

Candidate links are taken in order of value per unit (best first). Each gets as much flow as
its supply and demand have left and as its demand's quality budgets allow. It is kept only if
that flow's value covers its fixed and capital cost. Heat links are left out: heat needs the
temperature cascade, which is what the MILP is for. The greedy point is then priced with the
program's own cost terms, so "what optimisation adds" is measured on equal terms.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .formulation.program import LinearProgram
from .network import Network

CHUNK = 100_000  # links matched per batch of plain lists


def greedy_point(lp: LinearProgram, network: Network, baseline_x: np.ndarray) -> np.ndarray:
    """A feasible point of `lp` built greedily from the no-links baseline. Streams, quality
    budgets and each link's quality rows are held by integer position (not by name), so a
    province of millions of candidates is matched in one pass of plain lists."""
    links = network.links
    x = baseline_x.copy()
    flow, build = lp.variables["flow"], lp.variables["build"]
    value = links.unit_value.to_numpy()
    usable = (links.category != "heat").to_numpy() & (value > 0) \
        & (build.upper > 0.5)  # not a forbidden link (links.forbid)
    order = np.flatnonzero(usable)[np.argsort(-value[usable], kind="stable")]
    s_code, supplies = pd.factorize(links.from_stream)
    d_code, demands = pd.factorize(links.to_stream)
    supply_left = links.supply_quantity.to_numpy()[_first_of(s_code, len(supplies))].tolist()
    demand_quantity = links.demand_quantity.to_numpy()[_first_of(d_code, len(demands))]
    demand_left = demand_quantity.tolist()
    rows, level, budget_of, budgets = _quality_rows(network.link_qualities, links, s_code,
                                                    d_code, supplies, demands, demand_quantity)

    dispose, purchase = lp.variables["dispose"], lp.variables["purchase"]
    disposed_at = (dispose.start + dispose.index.get_indexer(supplies)).tolist()
    purchased_at = (purchase.start + purchase.index.get_indexer(demands)).tolist()
    disposed = x[disposed_at].tolist()
    purchased = x[purchased_at].tolist()
    fixed = (links.fixed_cost + links.annualised_capex).to_numpy()
    columns = (s_code, d_code, links["yield"].to_numpy(), value, fixed, flow.upper, *rows)
    for chunk in range(0, len(order), CHUNK):  # plain lists, a chunk at a time (memory)
        at = order[chunk:chunk + CHUNK]
        for i, s, d, eta, worth, cost, most, first, last in zip(
                at.tolist(), *(c[at].tolist() for c in columns)):
            # (an existing link may carry less than its streams allow: its flow's bound)
            amount = min(supply_left[s], demand_left[d] / eta, most)
            for r in range(first, last):
                if level[r] > 0:
                    amount = min(amount, budgets[budget_of[r]] / (eta * level[r]))
            if amount <= 1e-9 or amount * worth <= cost:
                continue
            supply_left[s] -= amount
            demand_left[d] -= eta * amount
            for r in range(first, last):
                budgets[budget_of[r]] -= eta * level[r] * amount
            x[flow.start + i] = amount
            x[build.start + i] = 1.0
            disposed[s] -= amount
            purchased[d] -= eta * amount
    x[disposed_at] = disposed
    x[purchased_at] = purchased
    x[build.columns[build.lower > 0.5]] = 1.0  # forced links are built (links.force)
    return x


def _first_of(codes: np.ndarray, n: int) -> np.ndarray:
    """The first position of each code 0..n-1."""
    first = np.full(n, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _quality_rows(q: pd.DataFrame, links: pd.DataFrame, s_code: np.ndarray,
                  d_code: np.ndarray, supplies: pd.Index, demands: pd.Index,
                  demand_quantity: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], list, list, list]:
    """Each link's rows of `link_qualities` (start and end per link, into q sorted by link),
    each such row's level and budget (per demand and property: its limit times the
    demand's quantity), and the budgets."""
    n_demands = len(demands)
    link_key = s_code.astype(np.int64) * n_demands + d_code
    q_key = supplies.get_indexer(q.from_stream) * n_demands + demands.get_indexer(q.to_stream)
    by_key = np.argsort(link_key, kind="stable")
    link_of_row = by_key[np.searchsorted(link_key[by_key], q_key)]
    q_demand = demands.get_indexer(q.to_stream)
    prop, props = pd.factorize(q.property)
    keys, pair = np.unique(q_demand * max(len(props), 1) + prop, return_inverse=True)
    budgets = np.zeros(len(keys))
    budgets[pair] = q.limit.to_numpy() * demand_quantity[q_demand]  # the last row's, as all
    rows_sorted = np.argsort(link_of_row, kind="stable")
    counts = np.bincount(link_of_row, minlength=len(links))
    end = np.cumsum(counts)
    return ((end - counts, end), q.level.to_numpy()[rows_sorted].tolist(),
            pair[rows_sorted].tolist(), budgets.tolist())
