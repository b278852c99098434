"""Quality block: the blend a demand receives stays within each limit it sets.

    Σ_{l to d} yield_l · x_l · level_{l,p} ≤ max_{d,p} · q_d      (each demand d, property p)

level_{l,p} is what the link delivers: its exchange's treated level (exchange_qualities.csv)
where given, else the supply's own level (see `network._quality_table`).

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
    # (demand, property) as one integer whose order is that of the id strings
    demands, d_code = np.unique(q.to_stream.to_numpy(dtype=object), return_inverse=True)
    props, p_code = np.unique(q.property.to_numpy(dtype=object), return_inverse=True)
    key = d_code * len(props) + p_code
    level, limit = q.level.to_numpy(), q.limit.to_numpy()
    worst = np.full(key.max() + 1, -np.inf)
    np.maximum.at(worst, key, level)
    needed = worst[key] > limit
    if not needed.any():
        return
    keys, row = np.unique(key[needed], return_inverse=True)
    index = pd.MultiIndex(levels=[pd.Index(demands), pd.Index(props)],
                          codes=[keys // len(props), keys % len(props)],
                          names=["demand", "property"], verify_integrity=False)
    links = network.links
    link = links.index.get_indexer(q.link_id.to_numpy()[needed])
    flow = lp.variables["flow"]
    upper = np.empty(len(keys))
    upper[row] = limit[needed] * links.demand_quantity.to_numpy()[link]  # same for the key
    lp.add_constraints("quality", index, row, flow.start + link,
                       links["yield"].to_numpy()[link] * level[needed], upper=upper,
                       description="blend level of a limited property <= the demand's limit")
