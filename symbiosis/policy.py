"""Policy levers (model.yaml `policy`, docs/regulation.md): changes to a park's prices and
options made once, before the network and the model are built.

- `capex_subsidy.truck|pipe|facilities`: capex becomes max(capex·(1 − share) − amount, 0)
  (amount per km for a link mode, per facility at capacity for facilities);
- `disposal_fee: {resource: fee}`: added to the resource's disposal cost and to the own
  `price` of its supply streams;
- `landfill_ban: [resource]`: no supply of it may be disposed of (formulation/regulation.py
  bounds the disposal; the network is then not value-screened, as a banned waste may have to
  go over a link that never pays).

Being model.yaml keys, every lever is a scenario `set` key and a sweep axis
(`policy.disposal_fee.plating_sludge: [0, 50, 100]`).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .checks import Tables
from .errors import Problem
from .regulation import CODE_FORMAT, canonical_code
from .schema import LARGEST_MONEY, ModelConfig, Subsidy


def _subsidised(capex, subsidy: Subsidy):
    return np.maximum(np.asarray(capex, dtype=float) * (1.0 - subsidy.share) - subsidy.amount,
                      0.0)


def policy_problems(config: ModelConfig, t: Tables, source: str,
                    prefix: str = "") -> list[Problem]:
    """Levers and rules that name what the park does not have: errors, never no-ops."""
    known = set(t.resources.resource)
    problems = []
    pol, reg = config.policy, config.regulation
    for resource, fee in pol.disposal_fee.items():
        key = f"{prefix}policy.disposal_fee.{resource}"
        if resource not in known:
            problems.append(Problem(source, f"unknown resource {resource!r}", key=key))
        elif abs(fee) > LARGEST_MONEY:
            problems.append(Problem(source, f"{fee:g} is beyond {LARGEST_MONEY:g} (see "
                                            "docs/format.md, 'Magnitudes and verification')",
                                    key=key))
    category = dict(zip(t.resources.resource, t.resources.category))
    for i, resource in enumerate(pol.landfill_ban):
        key = f"{prefix}policy.landfill_ban[{i}]"
        if resource not in known:
            problems.append(Problem(source, f"unknown resource {resource!r}", key=key))
        elif category[resource] == "heat":
            problems.append(Problem(source, f"{resource!r} is heat: a landfill ban is for "
                                            "material or water", key=key))
    codes = set()
    if "hazard_code" in t.resources:
        codes = {canonical_code(c) for c in t.resources.hazard_code.fillna("")} - {None}
    for g, group in enumerate(reg.no_mixing):
        if len(group) < 2:
            problems.append(Problem(source, "a group needs at least two codes",
                                    key=f"{prefix}regulation.no_mixing[{g}]"))
        for i, code in enumerate(group):
            key = f"{prefix}regulation.no_mixing[{g}][{i}]"
            if canonical_code(code) is None:
                problems.append(Problem(source, f"{code!r} is not {CODE_FORMAT}", key=key))
            elif canonical_code(code) not in codes:
                problems.append(Problem(source, f"no resource has hazard_code {code!r} "
                                                "(resources.csv)", key=key))
    return problems


def apply_policy(config: ModelConfig, t: Tables) -> tuple[ModelConfig, Tables]:
    """The config and tables with the subsidies and disposal fees applied (checked first by
    `policy_problems`)."""
    pol = config.policy
    sub = pol.capex_subsidy
    links = config.links
    links = links.model_copy(update={
        mode: getattr(links, mode).model_copy(update={"capex_per_km": float(_subsidised(
            getattr(links, mode).capex_per_km, getattr(sub, mode)))})
        for mode in ("truck", "pipe")})
    config = config.model_copy(update={"links": links})
    if sub.facilities != Subsidy() and len(t.facilities) and "capex" in t.facilities:
        facilities = t.facilities.copy()
        given = facilities.capex.notna()
        facilities.loc[given, "capex"] = _subsidised(facilities.capex[given], sub.facilities)
        t = replace(t, facilities=facilities)
    if pol.disposal_fee:
        resources, streams = t.resources.copy(), t.streams.copy()
        fee = resources.resource.map(pol.disposal_fee).fillna(0.0)
        resources["disposal_cost"] = resources.disposal_cost.fillna(0.0) + fee
        if "price" in streams:
            own = (streams.direction == "supply") & streams.price.notna()
            streams.loc[own, "price"] = (streams.price[own]
                                         + streams.resource[own].map(pol.disposal_fee)
                                         .fillna(0.0))
        t = replace(t, resources=resources, streams=streams)
    return config, t
