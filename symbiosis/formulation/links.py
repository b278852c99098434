"""Link block: flow and build variables, flow only on built links, and link cost terms.

    0 ≤ x_l ≤ cap_l · b_l,   b_l ∈ {0, 1},   cap_l = min(q_s, q_d / yield_l, quality, heat)

cap_l is the network's `capacity`: what the link can carry alone within the balances, its
demand's quality limits and, for heat, the temperatures (docs/model.md, u_l).

In firm accounts (`LinearProgram.account_matrix`, read by symbiosis/analysis/sharing.py)
every link term is the receiver's (`owner=1`): it takes the by-product at the supplier's
gate, carries, processes and invests (docs/model.md, "Firm accounts"); firms.csv keeps its
equal split.
"""
from __future__ import annotations

import numpy as np

from ..network import Network
from .program import CAPEX, FIXED, LinearProgram


def add_links(lp: LinearProgram, network: Network) -> None:
    links = network.links
    n = len(links)
    capacity = links.capacity.to_numpy()
    ends = (links.from_firm.to_numpy(), links.to_firm.to_numpy())  # costs split equally
    flow = lp.add_variables("flow", links.index, 0.0, capacity, ends)
    build = lp.add_variables("build", links.index, 0.0, 1.0, ends, integer=True)
    rows = np.tile(np.arange(n), 2)
    lp.add_constraints(
        "link_activation", links.index, rows,
        np.concatenate([flow.columns, build.columns]),
        np.concatenate([np.ones(n), -capacity]), upper=0.0,
        description="a link carries flow only if built: x_l - cap_l b_l <= 0")
    receiver = 1  # whose account each link term is in (firm accounts)
    lp.add_cost("transport", flow.columns, links.transport_unit_cost.to_numpy(), owner=receiver)
    lp.add_cost("processing", flow.columns, links.processing_cost.to_numpy(), owner=receiver)
    lp.add_cost("link_fixed", build.columns, links.fixed_cost.to_numpy(), owner=receiver,
                kind=FIXED)
    lp.add_cost("link_capex", build.columns, links.annualised_capex.to_numpy(),
                owner=receiver, kind=CAPEX)
    lp.add_co2("transport", flow.columns, links.transport_unit_co2.to_numpy(), owner=receiver)
    lp.add_co2("processing", flow.columns, links.processing_co2.to_numpy(), owner=receiver)
