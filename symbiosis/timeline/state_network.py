"""The candidate network at one state's quantities (docs/model.md, "Time").

The candidates of a time study are found once, on the park at its largest rates
(`plan.envelope_park`), so a link's `supply_quantity`, `demand_quantity` and `capacity` are
the envelope's. A state's program must be the one-year program of the state's own park, so
its network carries the state's quantities:

- the quality rows' right side is the limit times the demand's quantity *in that state*
  (formulation/quality.py; with the envelope's a smaller demand would accept a dirtier
  blend than its limit allows), and so is a partner's largest share (dependence.py);
- a link's capacity u_{l,s}, the big-M of its activation row x_{l,s} ≤ u_{l,s} · b_l, is
  what it can carry alone within that state's balances, quality limits and temperatures
  (`network.pair_economics`, as for a one-year network), never above the envelope's.
  Each part is implied by the state's rows, so this is the same MILP with a tighter LP
  relaxation: with the envelope's u_l a summer-heat link whose supply and demand peak in
  different seasons is "built" at b_l = max_s x_{l,s} / u_l < 1 in the LP and pays only
  part of its fixed cost; with u_{l,s} it pays all of it once it runs at capacity.

Arcs to and from shared facilities keep their capacity, tightened only by the state's
balance on their stream side (u ≤ q_s out of a supply, u ≤ q_d / η into a demand).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..network import Network, pair_economics
from ..park import Park


def state_network(network: Network, park: Park) -> Network:
    """The network with the quantities and capacities of `park`, a state's park (module
    docstring); the network itself where every quantity is the envelope's."""
    links = network.links
    if links.empty:
        return network
    quantity = park.streams.quantity
    supply = quantity.reindex(links.from_stream).to_numpy(float)
    demand = quantity.reindex(links.to_stream).to_numpy(float)
    old_supply = links.supply_quantity.to_numpy(float)
    old_demand = links.demand_quantity.to_numpy(float)
    from_stream, to_stream = ~np.isnan(supply), ~np.isnan(demand)
    supply = np.where(from_stream, supply, old_supply)
    demand = np.where(to_stream, demand, old_demand)
    if np.array_equal(supply, old_supply) and np.array_equal(demand, old_demand):
        return network
    capacity = links.capacity.to_numpy(float).copy()
    eta = links["yield"].to_numpy(float)
    firms = from_stream & to_stream & ~network.facility_arcs
    if firms.any():
        pairs = links.loc[firms, ["from_stream", "to_stream"]]
        alone = pair_economics(park, pairs).capacity.to_numpy(float)
        capacity[firms] = np.fmin(capacity[firms], alone)
    arcs = ~firms
    with np.errstate(divide="ignore", invalid="ignore"):
        capacity[arcs & from_stream] = np.fmin(capacity[arcs & from_stream],
                                               supply[arcs & from_stream])
        into = arcs & to_stream & (eta > 0)
        capacity[into] = np.fmin(capacity[into], demand[into] / eta[into])
    out = links.copy()
    out["supply_quantity"] = supply
    out["demand_quantity"] = demand
    out["capacity"] = np.maximum(capacity, 0.0)
    return replace(network, links=out)
