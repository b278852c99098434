"""Hazardous-waste regulation: which resources are hazardous, which firms are licensed.

A resource with a `hazard_code` (resources.csv: Vietnam's code from the list of Circular
02/2022/TT-BTNMT, Appendix III, written `NN NN NN`) is hazardous; a firm's `licences`
(firms.csv: `;`-separated codes) are the codes it may receive and treat. A link between two
firms that carries a hazardous resource needs a receiver licensed for its code, otherwise the
network rejects the pair as `not_licensed` (docs/regulation.md). A firm's own links (from one
of its streams to another) need no licence: the generator treating its own waste on site is
covered by its environmental permit, not a treatment licence. A shared facility
(facilities.csv) that takes a hazardous resource needs the licence as a firm does
(facilities.csv `licences`, on any row of the facility).

This module holds the parsing and the vectorised gate; the located input checks are in
checks.py, the optional rules (no mixing, carrier surcharge) in formulation/regulation.py.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .park import Park

NOT_LICENSED = "not_licensed"
# Vietnam's codes are three pairs of digits (Circular 02/2022/TT-BTNMT, Appendix III, A.1);
# the EU List of Waste's the same, a '*' marking a hazardous entry (2000/532/EC).
_CODE = re.compile(r"^(\d{2})[ .]?(\d{2})[ .]?(\d{2})$")
_EU_CODE = re.compile(r"^(\d{2})[ .]?(\d{2})[ .]?(\d{2})\s?(\*?)$")
CODE_FORMAT = "a code of three pairs of digits, e.g. 07 01 01"
EU_CODE_FORMAT = "an EU List of Waste code, e.g. 11 01 05* ('*': hazardous)"


def canonical_code(text: str) -> str | None:
    """`07 01 01` for `07 01 01`, `070101` or `07.01.01`; None if it is not a code."""
    m = _CODE.match(str(text).strip())
    return None if m is None else " ".join(m.groups())


def canonical_eu_code(text: str) -> str | None:
    m = _EU_CODE.match(str(text).strip())
    return None if m is None else " ".join(m.groups()[:3]) + m.group(4)


def licence_codes(cell: str) -> list[str]:
    """The codes of a `licences` cell as written (blank parts dropped)."""
    return [part.strip() for part in str(cell).split(";") if part.strip()]


def hazard_codes(park: Park) -> pd.Series:
    """Canonical hazard code of each hazardous resource, indexed by resource."""
    if "hazard_code" not in park.resources:
        return pd.Series(dtype=object)
    codes = park.resources.hazard_code.fillna("").astype(str).map(canonical_code)
    return codes[codes.notna()]


def licences(park: Park) -> pd.DataFrame:
    """One row per (firm_id, code) a firm, or a candidate facility (its id in firm_id), is
    licensed for; a facility's codes are those of all its rows."""
    cells = [park.firms.licences] if "licences" in park.firms else []
    f = park.candidate_facilities
    if "licences" in f and len(f):
        cells.append(pd.Series(f.licences.to_numpy(), index=f.facility_id.to_numpy()))
    rows = [(holder, canonical_code(code)) for series in cells
            for holder, cell in series.fillna("").astype(str).items()
            for code in licence_codes(cell)]
    return pd.DataFrame(rows, columns=["firm_id", "code"]).dropna().drop_duplicates()


def unlicensed(park: Park, from_resource: np.ndarray, from_firm: np.ndarray,
               to_firm: np.ndarray) -> tuple[np.ndarray, Callable] | None:
    """Which pairs carry a hazardous resource to another firm, or to a facility, not licensed
    for its code, and
    a function giving the sentence of each pair of a mask (built only for the pairs a screen
    rejects); None when the park has no hazardous resource."""
    codes = hazard_codes(park)
    if codes.empty:
        return None
    where = pd.Index(codes.index).get_indexer(np.asarray(from_resource, dtype=object))
    code = np.where(where >= 0, codes.to_numpy(dtype=object)[np.maximum(where, 0)], None)
    to_firm = np.asarray(to_firm, dtype=object)
    at = np.flatnonzero(where >= 0)
    at = at[np.asarray(from_firm, dtype=object)[at] != to_firm[at]]
    if not len(at):
        return None
    held = licences(park)
    held_keys = pd.Index(held.firm_id.astype(str) + "\x00" + held.code)
    keys = pd.Index(to_firm[at] + "\x00" + code[at])  # ids are strings (tables.py)
    refused = np.zeros(len(code), dtype=bool)
    refused[at[~keys.isin(held_keys)]] = True
    resource = np.asarray(from_resource, dtype=object)

    facility = pd.Index(to_firm).isin(park.candidate_facilities.facility_id)
    table = np.where(facility, "facilities.csv", "firms.csv").astype(object)

    def detail(mask: np.ndarray) -> np.ndarray:
        c = code[mask]
        return (to_firm[mask] + " is not licensed for hazardous waste code " + c + " ("
                + resource[mask] + "); a licence for " + c
                + " in its " + table[mask] + " licences would allow it")

    return refused, detail


def hazardous_links(park: Park, from_resource: np.ndarray) -> np.ndarray:
    """Which links carry a hazardous resource (a bool per link)."""
    codes = hazard_codes(park)
    if codes.empty:
        return np.zeros(len(from_resource), dtype=bool)
    return pd.Index(codes.index).get_indexer(np.asarray(from_resource, dtype=object)) >= 0


def with_carrier_surcharge(park: Park, pairs: pd.DataFrame) -> pd.DataFrame:
    """Why-not pairs (from_resource, distance_km, unit_value, capacity) with the licensed
    carrier's surcharge σ·km (model.yaml `regulation.carrier_surcharge`) taken off the unit
    value of each pair of a hazardous resource, as the optimum pays it (formulation/
    regulation.py), and potential_value, where present, unit_value × capacity again: without
    it a hazardous pair's value is an upper bound."""
    sigma = park.config.regulation.carrier_surcharge
    if not sigma or pairs.empty:
        return pairs
    hazardous = hazardous_links(park, pairs.from_resource.to_numpy())
    if not hazardous.any():
        return pairs
    out = pairs.copy()
    out["unit_value"] = out.unit_value.to_numpy(float) - np.where(
        hazardous, sigma * out.distance_km.to_numpy(float), 0.0)
    if "potential_value" in out:
        out["potential_value"] = out.unit_value * out.capacity
    return out


def unlicensed_facilities(rejected: pd.DataFrame, facilities: pd.DataFrame) -> pd.DataFrame:
    """Why-not's unbuilt facilities (`facilities`, a row per facility, its id in to_firm)
    with reason `not_licensed` and the network's sentence where the facility has no
    candidate arc (`no_candidate_arcs`) and arcs into it were refused for want of a licence
    (`rejected`: the network's rejected pairs)."""
    if facilities.empty or rejected.empty:
        return facilities
    refused = rejected[rejected.reason == NOT_LICENSED].drop_duplicates("to_firm")
    detail = pd.Series(refused.detail.to_numpy(), index=refused.to_firm.to_numpy())
    counts = rejected[rejected.reason == NOT_LICENSED].groupby("to_firm").size()
    hit = (facilities.reason == "no_candidate_arcs") & facilities.to_firm.isin(detail.index)
    if not hit.any():
        return facilities
    out = facilities.copy()
    fid = out.to_firm[hit]
    out.loc[hit, "reason"] = NOT_LICENSED
    out.loc[hit, "detail"] = ("facility " + fid + " has no candidate arc in: "
                              + counts.reindex(fid).astype(str).to_numpy()
                              + " refused, e.g. " + detail.reindex(fid).to_numpy())
    return out
