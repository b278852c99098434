"""Decided-links block: links a planner forces or forbids (links.force, links.forbid).

    b_l = 1  for a forced link l          (its build's lower bound)
    b_l = 0,  x_l = 0  for a forbidden one  (upper bounds)

Bounds, not rows: they hold on both backends and cost the solver nothing. A forced link
that is not in the network the program is built on (the firms-alone run has no links
between firms) is not forced there. Existing links (links.existing) are not a block: they
are candidates without capital cost (network, symbiosis.decisions).
"""
from __future__ import annotations

import numpy as np

from ..decisions import decided_bounds
from ..network import Network
from ..park import Park
from .program import LinearProgram


def has_decisions(park: Park, network: Network) -> bool:
    return bool(park.config.links.force or park.config.links.forbid)


def add_decided(lp: LinearProgram, park: Park, network: Network) -> None:
    forced, forbidden = decided_bounds(park, network.links)
    build, flow = lp.variables["build"], lp.variables["flow"]
    lp.set_bounds(build.columns[forced], lower=np.ones(int(forced.sum())))
    lp.set_bounds(build.columns[forbidden], upper=np.zeros(int(forbidden.sum())))
    lp.set_bounds(flow.columns[forbidden], upper=np.zeros(int(forbidden.sum())))
