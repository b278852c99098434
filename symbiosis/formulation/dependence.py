"""Maximum-dependence block: no demand leans on one partner firm for more than a share.

    Σ_{l: s(l) of firm p, d(l) = d} yield_l · x_l ≤ α · q_d      (each demand d, firm p ≠ firm(d))

α is model.yaml's `resilience.max_dependence` (docs/model.md, "Maximum dependence"): the
robust design of partner exit (analysis/resilience.py), so that one firm leaving can take at
most α of any demand with it. A firm's own internal links are not capped (it does not depend
on a partner for them). A row is written only where the partner's links to d could together
deliver more than α·q_d; elsewhere the row cannot bind.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from .program import LinearProgram


def max_dependence(park: Park) -> float | None:
    """The model's cap, or None (no block)."""
    section = park.config.resilience
    return None if section is None else section.max_dependence


def add_max_dependence(lp: LinearProgram, park: Park, network: Network,
                       share: float | None) -> None:
    if share is None or share >= 1:  # 1: a link's capacity is at most its demand already
        return
    links = network.links
    partner = links.from_firm.to_numpy() != links.to_firm.to_numpy()
    if not partner.any():
        return
    at = np.flatnonzero(partner)
    demand = links.to_stream.to_numpy()[at]
    supplier = links.from_firm.to_numpy()[at]
    key = pd.MultiIndex.from_arrays([demand, supplier], names=["demand", "partner"])
    group, labels = pd.factorize(key, sort=True)
    delivered = links["yield"].to_numpy()[at]
    limit = share * links.demand_quantity.to_numpy()[at]  # the same within a group
    most = np.bincount(group, weights=delivered * links.capacity.to_numpy()[at])
    upper = np.empty(len(labels))
    upper[group] = limit
    binds = most > upper * (1 + 1e-12)
    if not binds.any():
        return
    row_of = np.full(len(labels), -1)
    row_of[binds] = np.arange(binds.sum())
    on = binds[group]
    index = pd.MultiIndex.from_tuples(list(labels[binds]), names=["demand", "partner"])
    lp.add_constraints("max_dependence", index, row_of[group[on]],
                       lp.variables["flow"].start + at[on], delivered[on], upper=upper[binds],
                       description="delivered to a demand by one partner firm <= "
                                   "max_dependence x its quantity")
