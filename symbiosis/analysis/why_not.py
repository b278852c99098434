"""Why not? The most valuable compatible supply→demand pairs that were not linked, each with
the reason a planner can act on.

It reads only a solved Result's tables (built links, stream balances) and its Network, so it
needs no solver. Reasons, checked in this order (the first that holds is given):

- a pair that is not a candidate keeps the Network's reason: `too_far`, `quality`,
  `temperature`, `no_quantity`, `candidate_cap`, `not_licensed` (a hazardous resource to a
  receiver without its licence, symbiosis.regulation);
- `no_unit_saving`: a unit sent over the link saves nothing (transport and processing cost at
  least the avoided purchase and disposal);
- `fixed_cost_not_recovered`: the pair alone, at its full capacity, earns no more than its
  fixed cost plus annualised capex;
- `supply_used_elsewhere`: the supply stream is fully sent over built links (none disposed);
- `demand_served_elsewhere`: the demand stream is fully met by built links (none purchased);
- `fixed_cost_not_recovered` again, on what is left: the supply still disposed of and the
  demand still purchased would earn no more than the link's fixed cost plus capex;
- `optimiser_choice`: none of these; the optimum prefers another combination (shared quality
  limits, the heat cascade) or the link is within the solver's MIP gap.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import FIXED_COST, NO_UNIT_SAVING, QUALITY, TEMPERATURE, Network, pair_economics
from ..regulation import unlicensed_facilities, with_carrier_surcharge

WHY_NOT_COLUMNS = ["from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
                   "to_resource", "distance_km", "potential_value", "unit_value", "capacity",
                   "link_cost", "reason", "detail"]
TOP = 50  # pairs kept, by potential value
# What is read of a candidate link (the rest of Network.links is not copied).
CANDIDATE_COLUMNS = ["from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
                     "to_resource", "distance_km", "unit_value", "capacity", "fixed_cost",
                     "annualised_capex", "supply_quantity", "demand_quantity", "yield"]

SUPPLY_USED = "supply_used_elsewhere"
DEMAND_SERVED = "demand_served_elsewhere"
OPTIMISER = "optimiser_choice"
RESIDUAL = "residual"  # internal: fixed_cost_not_recovered on what is left unlinked
TOLERANCE = 1e-6  # relative: a stream this close to fully linked counts as fully linked


def why_not(network: Network, built: pd.DataFrame, streams: pd.DataFrame,
            top: int = TOP) -> pd.DataFrame:
    """The `top` unbuilt compatible pairs by potential value, with reason and detail.

    built: the Result's links (index = link_id); streams: the Result's stream table with
    `quantity`, `purchased`, `disposed`. potential_value = unit_value × capacity, per year,
    before the link's fixed cost and capex (link_cost). Reasons are found for every pair with
    array operations; sentences are written for the `top` pairs only.
    """
    if streams.get("purchased") is None or streams.purchased.isna().all():
        return pd.DataFrame(columns=WHY_NOT_COLUMNS)  # no solution: nothing to explain
    cur = network.park.config.currency
    links = network.links  # only the columns read here: a province has millions of rows
    stream_links = ~network.facility_arcs  # a facility is explained whole, below
    candidates = links.loc[~links.index.isin(built.index) & stream_links,
                           [c for c in CANDIDATE_COLUMNS if c in links.columns]]
    park = network.park  # hazardous pairs pay the carrier surcharge (symbiosis.regulation)
    parts = [_reasons_of_candidates(with_carrier_surcharge(park, candidates), streams),
             with_carrier_surcharge(park, _reasons_of_rejected(network))]
    facilities = unlicensed_facilities(network.rejected,
                                       _facilities_not_built(network, built, cur))
    parts = [p for p in parts if len(p)]
    if not parts:  # every compatible pair is built (or there is none): nothing to explain
        return facilities.reset_index(drop=True) if len(facilities) else \
            pd.DataFrame(columns=WHY_NOT_COLUMNS)
    table = pd.concat(parts, ignore_index=True)
    if len(table) > top:  # only pairs worth at least the top-th can be among the top
        value = np.nan_to_num(table.potential_value.to_numpy(float), nan=-np.inf)
        table = table[value >= np.partition(value, len(value) - top)[len(value) - top]]
    table = table.sort_values(["potential_value", "from_stream", "to_stream"],
                              ascending=[False, True, True], kind="stable").head(top)
    table["detail"] = _details(table.reset_index(drop=True), cur).to_numpy()
    table["reason"] = table.reason.replace(RESIDUAL, FIXED_COST)
    if len(facilities):  # first: a facility is a planner's biggest decision
        return pd.concat([facilities, table[WHY_NOT_COLUMNS]], ignore_index=True)
    return table[WHY_NOT_COLUMNS].reset_index(drop=True)


def _values(links: pd.DataFrame) -> pd.DataFrame:
    out = links.reset_index(drop=True)
    out["potential_value"] = out.unit_value * out.capacity
    out["link_cost"] = out.fixed_cost + out.annualised_capex
    return out


def _reasons_of_rejected(network: Network) -> pd.DataFrame:
    """Not candidates: the Network's own reason, with what the pair would have been worth
    (within the quality and temperature limits of the pair alone, except the limit that
    rejected it)."""
    rejected = network.rejected
    if len(network.facility_nodes):  # arcs to and from facilities: explained with them
        nodes = network.facility_nodes.index
        rejected = rejected[~(rejected.from_stream.isin(nodes) | rejected.to_stream.isin(nodes))]
    if rejected.empty:
        return pd.DataFrame(columns=WHY_NOT_COLUMNS)
    out = _values(pair_economics(network.park, rejected))
    out["reason"] = rejected.reason.to_numpy()
    out["network_detail"] = rejected.detail.to_numpy()
    return out


def _reasons_of_candidates(links: pd.DataFrame, streams: pd.DataFrame) -> pd.DataFrame:
    """Candidate links the optimum did not build: which of the reasons above holds first."""
    out = _values(links)
    if out.empty:
        return out.assign(reason=pd.Series(dtype=str))
    supply_q = out.supply_quantity.to_numpy()
    demand_q = out.demand_quantity.to_numpy()
    left = streams.disposed.reindex(out.from_stream).to_numpy()
    missing = streams.purchased.reindex(out.to_stream).to_numpy()
    out["residual_capacity"] = np.minimum(out.capacity.to_numpy(),
                                          np.minimum(left, missing / out["yield"].to_numpy()))
    out["residual_value"] = out.unit_value * out.residual_capacity
    link_cost = out.link_cost.to_numpy()
    conditions = [
        out.unit_value.to_numpy() <= 0,
        out.potential_value.to_numpy() <= link_cost,
        left <= TOLERANCE * supply_q,
        missing <= TOLERANCE * demand_q,
        out.residual_value.to_numpy() <= link_cost,
    ]
    reasons = [NO_UNIT_SAVING, FIXED_COST, SUPPLY_USED, DEMAND_SERVED, RESIDUAL]
    out["reason"] = np.select(conditions, reasons, default=OPTIMISER)
    return out


def _details(out: pd.DataFrame, cur: str) -> pd.Series:
    """One sentence per pair, with its numbers."""
    unit = " per unit of " + out.from_resource
    value = _money(out.potential_value, cur) + "/yr"
    cost = _money(out.link_cost, cur) + "/yr"
    sentences = {
        NO_UNIT_SAVING: "a unit sent saves " + _money(out.unit_value, cur) + unit
        + " after transport and processing",
        FIXED_COST: "alone at capacity " + _qty(out.capacity) + " it earns " + value
        + ", not more than its fixed cost and capex of " + cost,
        SUPPLY_USED: "all " + _qty(out.supply_quantity) + " of " + out.from_stream
        + " already goes over built links (this pair would earn " + value + " at capacity)",
        DEMAND_SERVED: "all " + _qty(out.demand_quantity) + " of " + out.to_stream
        + " is already met by built links (this pair would earn " + value + " at capacity)",
        RESIDUAL: "only " + _qty(out.get("residual_capacity", out.capacity)) + " is left "
        "unlinked, earning " + _money(out.get("residual_value", out.potential_value), cur)
        + "/yr, not more than its fixed cost and capex of " + cost,
        OPTIMISER: "worth " + value + " alone, but the optimum prefers another combination "
        "(shared quality limits, the heat cascade, or within the MIP gap)",
    }
    network = out.get("network_detail", pd.Series(np.nan, index=out.index))
    own = network.isna() | out.reason.isin([NO_UNIT_SAVING, FIXED_COST])  # said better below
    # A pair rejected for quality or temperature is valued as if that screen allowed it.
    unless = out.reason.map({QUALITY: "if its quality allowed, ",
                             TEMPERATURE: "if its temperatures allowed, "}).fillna("")
    detail = (network.astype(str) + "; " + unless + "alone it would be worth " + value
              + " before link costs of " + cost).where(~own, "")
    for reason, sentence in sentences.items():
        detail = detail.mask(own & (out.reason == reason), sentence)
    return detail


def _facilities_not_built(network: Network, built: pd.DataFrame, cur: str) -> pd.DataFrame:
    """Candidate facilities with no built arc: with no arc in or out (`no_candidate_arcs`),
    worth at most their fixed cost and capex at the size they could reach
    (`fixed_cost_not_recovered`), or else the optimiser's choice.

    The bound: usable size q = min(capacity, supply the arcs in can bring, demand the arcs
    out can meet / yield); per input unit at most the best arc in's avoided disposal less its
    transport, plus yield × the best arc out's avoided purchase less its transport, less
    processing (carbon priced in)."""
    park, nodes = network.park, network.facility_nodes
    f = park.candidate_facilities
    if f.empty:
        return pd.DataFrame(columns=WHY_NOT_COLUMNS)
    links = network.links[network.facility_arcs]
    used = set(built.from_firm) | set(built.to_firm)
    carbon = park.config.economics.carbon_price
    rows = []
    for fid, conv in f.groupby("facility_id", sort=True):
        if fid in used:
            continue
        ins = links[links.to_firm == fid]
        outs = links[links.from_firm == fid]
        capacity = float(conv.capacity.iloc[0])
        cost_unit = links.unit_cost + carbon * links.unit_co2
        best, size = -np.inf, 0.0
        for c in conv.to_dict("records"):
            a = ins[nodes.resource.reindex(ins.to_stream).to_numpy() == c["input_resource"]]
            b = outs[nodes.resource.reindex(outs.from_stream).to_numpy() == c["output_resource"]]
            if a.empty or b.empty:
                continue
            gain_in = (a.supply_unit_cost + carbon * a.supply_unit_co2 - cost_unit[a.index]).max()
            gain_out = (b["yield"] * (b.demand_unit_cost + carbon * b.demand_unit_co2)
                        - cost_unit[b.index]).max()
            unit = gain_in + c["yield"] * gain_out - (c["processing_cost"]
                                                      + carbon * c["processing_co2"])
            reach = min(capacity, float((a.supply_quantity * a["yield"]).sum()),
                        float(b.demand_quantity.sum()) / c["yield"])
            if unit > best:
                best, size = unit, reach
        first = conv.iloc[0]
        if best == -np.inf:
            reason, detail, value, cost = "no_candidate_arcs", (
                f"facility {fid} has no candidate arc in or none out for any of its "
                "conversions (too far, quality or no compatible stream: see rejected_pairs.csv)"
            ), np.nan, np.nan
        else:
            value = max(best, 0.0) * size
            cost = float(first.fixed_cost) + park.annuity * float(first.capex) * (
                size / capacity) ** float(first.capex_exponent)
            if value <= cost:
                reason = FIXED_COST
                detail = (f"facility {fid} at the size its arcs could reach, {size:,.4g} a year, "
                          f"would earn at most {value:,.0f} {cur}/yr, not more than its fixed "
                          f"cost and annualised capex of {cost:,.0f} {cur}/yr")
            else:
                reason = OPTIMISER
                detail = (f"facility {fid} could earn up to {value:,.0f} {cur}/yr before its "
                          f"fixed cost and capex of {cost:,.0f} {cur}/yr, but the optimum "
                          "prefers direct links or other facilities (or it is within the MIP "
                          "gap)")
        rows.append({"from_firm": "", "from_stream": "", "to_firm": fid, "to_stream": "",
                     "from_resource": " ".join(sorted(set(conv.input_resource))),
                     "to_resource": " ".join(sorted(set(conv.output_resource))),
                     "distance_km": np.nan, "potential_value": value,
                     "unit_value": best if np.isfinite(best) else np.nan, "capacity": size,
                     "link_cost": cost, "reason": reason, "detail": detail})
    return pd.DataFrame(rows, columns=WHY_NOT_COLUMNS)


def _money(values: pd.Series, cur: str) -> pd.Series:
    return values.map(lambda v: f"{v:,.0f} {cur}")


def _qty(values: pd.Series) -> pd.Series:
    """4 significant digits, but never in exponent form (60,000, not 6e+04)."""
    return values.map(lambda v: f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:,.4g}")
