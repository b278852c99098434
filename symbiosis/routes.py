"""Routes: which candidate links share one route and what a route costs (docs/format.md,
"Shared routes"; docs/model.md, "Shared routes").

With `links.routes: shared` a route is built once and serves every link on it:

- by truck: one route per pair of sites, whichever way the goods go (a truck round between
  two firms carries any resources, both ways): id `A~B:truck` with A < B;
- by pipe: one route per ordered pair of sites and resource family (a pipe carries one
  family one way): the family is the category for water and heat, and the resource itself
  for a material sent by pipe (a gas, a solvent); id `A>B:pipe:water`. A heat pipe carries
  one temperature level, that of its fluid as the supplier sends it (the supply stream's
  t_in): heat at 85 °C and at 40 °C between the same two firms needs two pipes, mixing them
  would waste the higher level; id `A>B:pipe:heat@85C`.

A route's fixed cost and annualised capex are the largest of its links' (links between the
same sites by the same mode have the same distance, so today they are equal: the route costs
what one of its links costs under `per_pair`). A route with an existing link on it
(links.existing) has no capex: the pipe or round is there, another stream of its family
may join it (Kalundborg's second user of a pipe).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

PER_PAIR, SHARED = "per_pair", "shared"
PIPE_FAMILIES = ("water", "heat")  # categories that share a pipe; a material has its own


def route_ids(links: pd.DataFrame, heat_level: np.ndarray | None = None) -> pd.Series:
    """The route of each link (same index), from its sites, mode, category and resource, and
    for heat its level: `heat_level`, each link's supply inlet temperature in °C (NaN where
    not heat), read from `links.supply_t_in` when not given (the screens' pairs have it)."""
    a, b = links.from_firm.astype(str), links.to_firm.astype(str)
    mode = links["mode"].astype(str)
    truck = a.where(a <= b, b) + "~" + b.where(a <= b, a) + ":" + mode
    family = links.category.astype(str).where(links.category.isin(PIPE_FAMILIES),
                                              links.from_resource.astype(str))
    heat = (links.category == "heat").to_numpy()
    if heat.any():
        if heat_level is None:
            if "supply_t_in" not in links:
                raise ValueError("heat links need their supply temperature to find a route")
            heat_level = links.supply_t_in.to_numpy(float)
        level = pd.Series(np.asarray(heat_level, float)[heat]).map("@{:g}C".format)
        family = family.copy()
        family.iloc[np.flatnonzero(heat)] = family.iloc[np.flatnonzero(heat)].to_numpy() \
            + level.to_numpy()
    pipe = a + ">" + b + ":" + mode + ":" + family
    return truck.where(mode != "pipe", pipe).rename("route_id")


def route_table(links: pd.DataFrame, ids: pd.Series | None = None,
                heat_level: np.ndarray | None = None) -> pd.DataFrame:
    """One row per route (sorted by id): its sites, mode, fixed cost and annualised capex
    (the largest of its links'), its best value (Σ over its links of unit value × capacity:
    what it can earn at most) and how many candidate links it serves."""
    ids = route_ids(links, heat_level) if ids is None else ids
    a, b = links.from_firm.astype(str), links.to_firm.astype(str)
    truck = (links["mode"] != "pipe").to_numpy()
    frame = pd.DataFrame({
        "route_id": ids.to_numpy(),
        "site_a": np.where(truck & (a > b).to_numpy(), b, a),
        "site_b": np.where(truck & (a > b).to_numpy(), a, b),
        "mode": links["mode"].to_numpy(),
        "fixed_cost": links.fixed_cost.to_numpy(),
        "annualised_capex": links.annualised_capex.to_numpy(),
        "existing": links["existing"].to_numpy() if "existing" in links
        else np.zeros(len(links), dtype=bool),
        "best_value": (links.unit_value * links.capacity).to_numpy()})
    table = frame.groupby("route_id", sort=True).agg(
        site_a=("site_a", "first"), site_b=("site_b", "first"), mode=("mode", "first"),
        fixed_cost=("fixed_cost", "max"), annualised_capex=("annualised_capex", "max"),
        best_value=("best_value", "sum"), links=("site_a", "size"),
        existing=("existing", "any"))
    table["annualised_capex"] = np.where(table.existing, 0.0, table.annualised_capex)
    return table
