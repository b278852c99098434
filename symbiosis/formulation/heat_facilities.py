"""Heat-facility block: a loop's water passes every temperature of its range (docs/model.md,
"Heat through a facility").

A heat facility's nodes are heat streams of the cascade (heat.py puts them on the hot scale;
symbiosis/heat_hubs.py gives their temperatures), and its arcs are heat links, so heat reaches
an in-node, and leaves an out-node, only where it is hot enough. A stream's interval rows bound
each interval by a fixed load; a node's load is what the facility treats, a variable. Water
heated from return_t to supply_t takes each interval's share σ_{n,k} = width_k / (supply_t −
return_t) of the heat it takes, and cooling gives each its share of the heat made:

    Σ_{l into n} g_{l,k} ≤ σ_{n,k} Σ_{c: i(c)=n} u_c          (heat_facility_intake_share)
    Σ_{l out of m} h_{l,k} ≤ σ_{m,k} Σ_{c: o(c)=m} y_c u_c    (heat_facility_output_share)

Over k the intake rows sum to an equality (the arcs bring Σ_c u_c in all), so each holds with
equality: the loop is heated evenly. The output rows leave what no arc takes in an interval
to the node's surplus (rejected heat). A node at one temperature (a hub's evaporator, or
return_t = supply_t) has one interval and needs no row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from .program import LinearProgram

SIDES = (("in", "heat_give", "to_stream", "in_node", "heat_facility_intake_share",
          "heat an arc gives a loop in an interval <= the interval's share of its intake"),
         ("out", "heat_take", "from_stream", "out_node", "heat_facility_output_share",
          "heat arcs take from a loop in an interval <= the interval's share of its output"))


def ranged_heat_nodes(network: Network) -> pd.DataFrame:
    nodes = network.facility_nodes
    return nodes[nodes.t_in.notna() & (nodes.t_in != nodes.t_out)]


def has_ranged_heat_nodes(park: Park, network: Network) -> bool:
    return park.has_heat and not ranged_heat_nodes(network).empty


def add_heat_facility_shares(lp: LinearProgram, park: Park, network: Network) -> None:
    if "heat_intervals" not in lp.annotations or "facility_input" not in lp.variables:
        return
    ranged = ranged_heat_nodes(network)
    intervals = lp.annotations["heat_intervals"]
    conv = lp.annotations["facility_conversions"]
    treat = lp.variables["facility_input"].columns
    for side, variable, end, conv_node, name, description in SIDES:
        nodes = ranged[ranged.side == side]
        mine = intervals[intervals.stream.isin(nodes.index)].reset_index(drop=True)
        if mine.empty:
            continue
        index = pd.MultiIndex.from_arrays([mine.stream.to_numpy(), mine.position.to_numpy()],
                                          names=["node", "interval"])
        share = mine.load.to_numpy() / nodes.quantity.reindex(mine.stream).to_numpy()
        rows, cols, coefs = [], [], []
        if variable in lp.variables:  # the arcs' heat in each interval of the node
            var = lp.variables[variable]
            link = var.index.get_level_values("link")
            node = network.links[end].reindex(link).to_numpy()
            row = index.get_indexer(pd.MultiIndex.from_arrays(
                [node, var.index.get_level_values("interval")]))
            keep = row >= 0
            rows.append(row[keep]), cols.append(var.columns[keep])
            coefs.append(np.ones(int(keep.sum())))
        c_pos = np.flatnonzero(conv[conv_node].isin(nodes.index).to_numpy())
        per = pd.DataFrame({"stream": conv[conv_node].to_numpy()[c_pos], "c": c_pos})
        pairs = mine[["stream"]].assign(at=np.arange(len(mine))).merge(per, on="stream")
        scale = conv["yield"].to_numpy(float)[pairs.c] if side == "out" else 1.0
        rows.append(pairs["at"].to_numpy()), cols.append(treat[pairs.c.to_numpy()])
        coefs.append(-share[pairs["at"].to_numpy()] * scale)
        lp.add_constraints(name, index, np.concatenate(rows), np.concatenate(cols),
                           np.concatenate(coefs), upper=0.0, description=description)
