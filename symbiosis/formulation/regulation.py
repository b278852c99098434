"""Regulation blocks (docs/model.md, "Hazardous waste"; docs/regulation.md).

No mixing (model.yaml `regulation.no_mixing`, groups G of hazard codes): a receiver r takes at
most one code of a group over built links,

    b_l ≤ u_{g,r,c}             each link l of code c into r        (mixing_link)
    Σ_{c ∈ g} u_{g,r,c} ≤ 1     each group g and receiver r          (no_mixing)

with u binary, written only where r has candidate links of two or more codes of g.

Carrier surcharge (`regulation.carrier_surcharge`, σ per unit·km): the cost term
σ · km_l · x_l on every link of a hazardous resource (kind variable, the receiver's).

Landfill ban (`policy.landfill_ban`): w_s = 0 for every supply s of a banned resource; a
supply whose candidate links cannot carry it all makes the park infeasible, which kpis.json
(`landfill_ban.unmet`) and the run's summary say.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from ..regulation import canonical_code, hazard_codes, hazardous_links
from .program import VARIABLE, LinearProgram


def has_rules(park: Park, network: Network) -> bool:
    reg = park.config.regulation
    return bool(reg.no_mixing or reg.carrier_surcharge) and not hazard_codes(park).empty


def add_regulation(lp: LinearProgram, park: Park, network: Network) -> None:
    links = network.links
    reg = park.config.regulation
    flow, build = lp.variables["flow"], lp.variables["build"]
    hazardous = hazardous_links(park, links.from_resource.to_numpy())
    if reg.carrier_surcharge and hazardous.any():
        at = np.flatnonzero(hazardous)
        lp.add_cost("hazard_carrier", flow.columns[at],
                    reg.carrier_surcharge * links.distance_km.to_numpy()[at], owner=1,
                    kind=VARIABLE)
    if reg.no_mixing:
        _add_no_mixing(lp, park, links, build, reg.no_mixing)


def _add_no_mixing(lp: LinearProgram, park: Park, links: pd.DataFrame, build,
                   groups: list[list[str]]) -> None:
    code_of = hazard_codes(park)
    code = code_of.reindex(links.from_resource.to_numpy()).to_numpy()
    rows = []
    for g, group in enumerate(groups):
        members = {canonical_code(c) for c in group}
        at = np.flatnonzero(pd.Series(code).isin(members).to_numpy())
        if not len(at):
            continue
        rows.append(pd.DataFrame({"group": g, "receiver": links.to_firm.to_numpy()[at],
                                  "code": code[at], "link": at}))
    if not rows:
        return
    table = pd.concat(rows, ignore_index=True)
    codes_at = table.groupby(["group", "receiver"]).code.transform("nunique")
    table = table[codes_at.to_numpy() >= 2]
    if table.empty:
        return
    keys = pd.MultiIndex.from_frame(table[["group", "receiver", "code"]])
    u_of, labels = pd.factorize(keys, sort=True)
    labels = pd.MultiIndex.from_tuples(list(labels), names=["group", "receiver", "code"])
    receivers = labels.get_level_values("receiver").to_numpy(dtype=object)
    u = lp.add_variables("mixing_receives", labels, 0.0, 1.0, receivers, integer=True)
    n = len(table)
    lp.add_constraints(
        "mixing_link", pd.Index(links.index.to_numpy()[table.link.to_numpy()], name="link_id")
        .astype(str) + "|" + labels.get_level_values("group").astype(str)[u_of],
        np.tile(np.arange(n), 2),
        np.concatenate([build.columns[table.link.to_numpy()], u.columns[u_of]]),
        np.concatenate([np.ones(n), -np.ones(n)]), upper=0.0,
        description="a link of hazard code c into receiver r is built only if r takes c")
    pair, pairs = pd.factorize(pd.MultiIndex.from_arrays(
        [labels.get_level_values("group"), labels.get_level_values("receiver")]), sort=True)
    lp.add_constraints(
        "no_mixing", pd.MultiIndex.from_tuples(list(pairs), names=["group", "receiver"]),
        pair, u.columns, np.ones(len(labels)), upper=1.0,
        description="a receiver takes at most one hazard code of each no-mixing group")


def has_ban(park: Park, network: Network) -> bool:
    return bool(park.config.policy.landfill_ban)


def add_landfill_ban(lp: LinearProgram, park: Park, network: Network) -> None:
    banned = set(park.config.policy.landfill_ban)
    dispose = lp.variables["dispose"]
    streams = park.streams.reindex(dispose.index)
    hit = streams.resource.isin(banned).to_numpy() & (streams.quantity.to_numpy() > 0)
    reach = network.links.groupby("from_stream").capacity.sum()
    table = pd.DataFrame({"resource": streams.resource[hit],
                          "quantity": streams.quantity[hit],
                          "reach": reach.reindex(dispose.index[hit]).fillna(0.0)})
    lp.annotations["landfill_ban"] = table
    lp.set_bounds(dispose.columns[hit], upper=0.0)


def ban_kpis(lp: LinearProgram, x, tables) -> dict | None:
    """kpis.json `landfill_ban`: the banned resources and, when a banned supply's candidate
    links cannot carry it all (the ban makes the park infeasible), which and by how much."""
    table = lp.annotations.get("landfill_ban")
    if table is None:
        return None
    short = table[table.reach < table.quantity * (1 - 1e-9)]
    unmet = [f"{sid} ({r.resource}, {r.quantity:,.6g} a year) can be sent over its candidate "
             f"links for at most {r.reach:,.6g}" for sid, r in short.iterrows()]
    return {"resources": sorted(set(table.resource)), "streams": len(table), "unmet": unmet}
