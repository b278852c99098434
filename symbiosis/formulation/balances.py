"""Balance block: every supply is sent or disposed of, every demand received or purchased.

    Σ_{l from s} x_l + w_s = q_s                 (supply_balance, each supply s)
    Σ_{l to d} yield_l · x_l + p_d = q_d         (demand_balance, each demand d)

with purchase and disposal cost and CO2 terms.

The block owns the no-links point (docs/model.md, the baseline): every demand purchased, every
supply disposed of (`no_links_point`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from ..errors import InputError, Problem
from ..network import Network
from ..park import Park
from .highs_model import MatrixProgram
from .program import LinearProgram


def add_balances(lp: LinearProgram, park: Park, network: Network) -> None:
    streams = park.streams
    supplies = streams[streams.direction == "supply"]
    demands = streams[streams.direction == "demand"]
    links = network.links
    flow = lp.variables["flow"]
    dispose = lp.add_variables("dispose", supplies.index, 0.0, supplies.quantity.to_numpy(),
                               supplies.firm_id.to_numpy())
    purchase = lp.add_variables("purchase", demands.index, 0.0, demands.quantity.to_numpy(),
                                demands.firm_id.to_numpy())

    s_of_link = supplies.index.get_indexer(links.from_stream)
    out = s_of_link >= 0  # arcs out of a facility balance at the facility (facilities.py)
    lp.add_constraints(
        "supply_balance", supplies.index,
        np.concatenate([s_of_link[out], np.arange(len(supplies))]),
        np.concatenate([flow.columns[out], dispose.columns]),
        np.ones(int(out.sum()) + len(supplies)),
        lower=supplies.quantity.to_numpy(), upper=supplies.quantity.to_numpy(),
        description="sent over links + disposed = supply quantity")

    d_of_link = demands.index.get_indexer(links.to_stream)
    into = d_of_link >= 0  # arcs into a facility balance at the facility
    lp.add_constraints(
        "demand_balance", demands.index,
        np.concatenate([d_of_link[into], np.arange(len(demands))]),
        np.concatenate([flow.columns[into], purchase.columns]),
        np.concatenate([links["yield"].to_numpy()[into], np.ones(len(demands))]),
        lower=demands.quantity.to_numpy(), upper=demands.quantity.to_numpy(),
        description="delivered over links + purchased = demand quantity")

    lp.add_cost("purchases", purchase.columns, demands.unit_cost.to_numpy())
    lp.add_cost("disposals", dispose.columns, supplies.unit_cost.to_numpy())
    lp.add_co2("purchases", purchase.columns, demands.unit_co2.to_numpy())
    lp.add_co2("disposals", dispose.columns, supplies.unit_co2.to_numpy())


def no_links_point(lp: LinearProgram, park: Park, solve_lp: Callable[[MatrixProgram], object],
                   blocks: set[str]) -> np.ndarray:
    """The no-links solution: every demand purchased, every supply disposed of.

    With utility levels (utilities.csv) each stream's heat is bought from (cooled by) the
    cheapest mix of utilities that its temperatures allow: the program's LP with every
    integer column (links, heat pumps, any build) at 0 and only the rows of `blocks` (those
    the no-links point must hold: not a CO2 cap, not a user's extra rows), solved by
    `solve_lp` (MatrixProgram → a Solution).
    """
    x = np.zeros(lp.n_columns)
    for name in ("purchase", "dispose"):
        block = lp.variables[name]
        x[block.columns] = park.streams.quantity.reindex(block.index).to_numpy()
    if not any(k in lp.constraints for k in ("hot_utility_total", "cold_utility_total")):
        return x
    program = MatrixProgram.of(lp)
    in_blocks = np.concatenate([np.full(len(c.index), c.block in blocks)
                                for c in lp.constraints.values()])
    if not in_blocks.all():
        rows = np.flatnonzero(in_blocks)
        program = replace(program, a=program.a.tocsr()[rows].tocsc(),
                          row_lower=program.row_lower[rows], row_upper=program.row_upper[rows])
    upper = np.where(program.integer, 0.0, program.col_upper)
    lower = np.where(program.integer, 0.0, program.col_lower)  # a forced link too is off
    lp_only = replace(program, col_lower=lower, col_upper=upper,
                      integer=np.zeros_like(program.integer))
    solution = solve_lp(lp_only)  # scaled, like every solve
    if not solution.status.has_solution:
        raise InputError(Problem(park.sources.get("utilities", "utilities"),
                                 "the utilities cannot meet every heat demand and supply even "
                                 f"with no links (the LP without links is "
                                 f"{solution.status.value}): check their temperatures and "
                                 "max_quantity"))
    return np.where(np.abs(solution.values) <= 1e-9, 0.0, solution.values)
