"""Balance block: every supply is sent or disposed of, every demand received or purchased.

    Σ_{l from s} x_l + w_s = q_s                 (supply_balance, each supply s)
    Σ_{l to d} yield_l · x_l + p_d = q_d         (demand_balance, each demand d)

with purchase and disposal cost and CO2 terms.
"""
from __future__ import annotations

import numpy as np

from ..network import Network
from ..park import Park
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
