"""A greedy matcher on the same network: what a planner would do by hand, for comparison.

Candidate links are taken in order of value per unit (best first). Each gets as much flow as
its supply and demand have left and as its demand's quality budgets allow. It is kept only if
that flow's value covers its fixed and capital cost. Heat links are left out: heat needs the
temperature cascade, which is what the MILP is for. The greedy point is then priced with the
program's own cost terms, so "what optimisation adds" is measured on equal terms.
"""
from __future__ import annotations

import numpy as np

from .formulation.program import LinearProgram
from .network import Network


def greedy_point(lp: LinearProgram, network: Network, baseline_x: np.ndarray) -> np.ndarray:
    """A feasible point of `lp` built greedily from the no-links baseline."""
    links = network.links
    x = baseline_x.copy()
    flow, build = lp.variables["flow"], lp.variables["build"]
    usable = (links.category != "heat").to_numpy() & (links.unit_value.to_numpy() > 0) \
        & (build.upper > 0.5)  # not a forbidden link (links.forbid)
    order = np.flatnonzero(usable)[np.argsort(-links.unit_value.to_numpy()[usable],
                                              kind="stable")]
    supply_left = links.supply_quantity.groupby(links.from_stream).first().to_dict()
    demand_left = links.demand_quantity.groupby(links.to_stream).first().to_dict()
    q = network.link_qualities
    budgets = {(d, p): limit * qty for d, p, limit, qty in zip(
        q.to_stream, q.property, q.limit, links.demand_quantity.reindex(q.link_id))}
    levels: dict[str, list[tuple[str, float]]] = {}
    for link, prop, level in zip(q.link_id, q.property, q.level):
        levels.setdefault(link, []).append((prop, level))

    dispose, purchase = lp.variables["dispose"], lp.variables["purchase"]
    ids = links.index.to_numpy()
    s_of, d_of = links.from_stream.to_numpy(), links.to_stream.to_numpy()
    eta, value = links["yield"].to_numpy(), links.unit_value.to_numpy()
    fixed = (links.fixed_cost + links.annualised_capex).to_numpy()
    for i in order:
        s, d = s_of[i], d_of[i]
        amount = min(supply_left[s], demand_left[d] / eta[i], flow.upper[i])  # (existing
        # links may have less capacity than their streams)
        for prop, level in levels.get(ids[i], ()):
            if level > 0:
                amount = min(amount, budgets[(d, prop)] / (eta[i] * level))
        if amount <= 1e-9 or amount * value[i] <= fixed[i]:
            continue
        supply_left[s] -= amount
        demand_left[d] -= eta[i] * amount
        for prop, level in levels.get(ids[i], ()):
            budgets[(d, prop)] -= eta[i] * level * amount
        x[flow.start + i] = amount
        x[build.start + i] = 1.0
        x[dispose.start + dispose.index.get_loc(s)] -= amount
        x[purchase.start + purchase.index.get_loc(d)] -= eta[i] * amount
    x[build.columns[build.lower > 0.5]] = 1.0  # forced links are built (links.force)
    return x
