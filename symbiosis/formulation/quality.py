"""Quality block: the blend a demand receives stays within each limit it sets.

    Σ_{l to d} yield_l · x_l · level_{s(l),p} ≤ max_{d,p} · q_d      (each demand d, property p)

Purchased supply has level 0, so the demand balance makes the right side the limit on the
blend. A row is written only where some incoming supply is above the limit; elsewhere the
demand balance already implies it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from .program import LinearProgram


def add_quality(lp: LinearProgram, network: Network) -> None:
    q = network.link_qualities
    if q.empty:
        return
    worst = q.groupby(["to_stream", "property"])["level"].transform("max")
    q = q[worst > q.limit]
    if q.empty:
        return
    keys = pd.MultiIndex.from_frame(q[["to_stream", "property"]])
    index = keys.unique().sort_values()
    links = network.links
    flow = lp.variables["flow"]
    cols = flow.start + links.index.get_indexer(q.link_id)
    coefs = links["yield"].to_numpy()[cols - flow.start] * q.level.to_numpy()
    first = q.drop_duplicates(["to_stream", "property"]).set_index(["to_stream", "property"])
    limits = first.limit.reindex(index).to_numpy()
    quantity = links.drop_duplicates("to_stream").set_index("to_stream").demand_quantity
    upper = limits * quantity.reindex(index.get_level_values(0)).to_numpy()
    lp.add_constraints("quality", index.set_names(["demand", "property"]),
                       index.get_indexer(keys), cols, coefs, upper=upper,
                       description="blend level of a limited property <= the demand's limit")
