"""Facility block: shared plants the park may build (facilities.csv; docs/model.md, "Facilities").

Arcs into and out of a facility are links of the network (the link block gives them flow,
build and transport costs). Per facility f with conversions c (input node i(c), output node
o(c)), capacity C_f, build b_f:

    Σ_{l into n} η_l x_l = Σ_{c: i(c)=n} u_c                  (facility_intake, each in-node n)
    Σ_{c: o(c)=m} y_c u_c = Σ_{l out of m} x_l + w_m            (facility_output, each out-node m)
    Σ_{c of f} u_c ≤ C_f · b_f                                  (facility_capacity)
    Σ_{l into n} η_l x_l (level_{l,p} − limit_{n,p}) ≤ 0        (facility_input_quality)

u_c ≥ 0 is the input a conversion treats (its processing cost and CO2 per unit), w_m ≥ 0 output
nobody takes, disposed of at the output resource's disposal cost and CO2. A built facility pays
its fixed cost a year, and the annualised capex of its size q_f = Σ_c u_c:
capex_f · (q_f / C_f)^e_f. With e_f = 1 that is linear in q_f. With e_f < 1 it is concave,
and minimised it needs binaries: the segment method with K segments on the geometric
breakpoints 0, C/2^(K−1), …, C/2, C (`breakpoints`), segment binaries z_{f,k} and amounts
v_{f,k}:

    B_{k−1} z_{f,k} ≤ v_{f,k} ≤ B_k z_{f,k},   Σ_k z_{f,k} = b_f,   Σ_k v_{f,k} = q_f
    capex ≈ Σ_k (a_k z_{f,k} + s_k v_{f,k})     (the chord of each segment)

A concave function's chord lies below it, so the model under-estimates capex, by at most
`chord_error` (a share of the capex at the segment's size; facilities.csv reports the exact
capex of the size chosen beside the model's).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from .program import CAPEX, FIXED, LinearProgram

SEGMENT_RATIO = 2.0  # each segment's upper breakpoint over its lower one (but the first's)


def breakpoints(capacity: float, segments: int) -> np.ndarray:
    """0, C/2^(K−1), …, C/2, C: K segments, each but the first doubling the size."""
    return np.r_[0.0, capacity * SEGMENT_RATIO ** -np.arange(segments - 1, -1, -1.0)]


def chord_error(exponent: float, segments: int) -> tuple[float, float]:
    """How far the chords fall below capex·(q/C)^e: the largest relative shortfall on the
    doubling segments (the same on each, since q^e scales), and on the first segment
    [0, C/2^(K−1)] the largest shortfall as a share of the capex at capacity (relative to
    q^e itself it tends to 1 as q → 0, so it is bounded in money instead)."""
    if exponent >= 1:
        return 0.0, 0.0
    q = np.linspace(0.0, 1.0, 20001)
    rho, e = SEGMENT_RATIO, exponent
    lower = 1.0 + (rho - 1.0) * q[1:]  # segment [1, rho]
    chord = 1.0 + (rho ** e - 1.0) * (lower - 1.0) / (rho - 1.0)
    relative = float(np.max(1.0 - chord / lower ** e)) if segments > 1 else 1.0
    h = SEGMENT_RATIO ** -(segments - 1)  # the first segment [0, h] of a unit capacity
    first = float(np.max((h * q) ** e - h ** (e - 1) * (h * q)))
    return relative, first


def add_facilities(lp: LinearProgram, park: Park, network: Network) -> None:
    nodes = network.facility_nodes
    if nodes.empty:
        return
    f = park.candidate_facilities.reset_index(drop=True)
    plants = f.drop_duplicates("facility_id").set_index("facility_id")
    ids = plants.index
    links, flow = network.links, lp.variables["flow"]
    in_nodes, out_nodes = nodes[nodes.side == "in"], nodes[nodes.side == "out"]
    node_in = in_nodes.index[in_nodes.set_index(["facility_id", "resource"]).index.get_indexer(
        pd.MultiIndex.from_frame(f[["facility_id", "input_resource"]]))]
    node_out = out_nodes.index[out_nodes.set_index(["facility_id", "resource"]).index.get_indexer(
        pd.MultiIndex.from_frame(f[["facility_id", "output_resource"]]))]
    conversions = pd.Index(f.facility_id + ":" + f.input_resource + "=>" + f.output_resource,
                           name="conversion")
    owner = f.facility_id.to_numpy()
    build = lp.add_variables("facility_build", ids, 0.0, 1.0, ids.to_numpy(), integer=True)
    treat = lp.add_variables("facility_input", conversions, 0.0, f.capacity.to_numpy(), owner)
    surplus = lp.add_variables("facility_surplus", out_nodes.index, 0.0,
                               out_nodes.quantity.to_numpy(), out_nodes.facility_id.to_numpy())
    n_conv = len(f)

    into = in_nodes.index.get_indexer(links.to_stream)
    arc_in = np.flatnonzero(into >= 0)
    conv_in = in_nodes.index.get_indexer(node_in)
    lp.add_constraints(
        "facility_intake", in_nodes.index, np.concatenate([into[arc_in], conv_in]),
        np.concatenate([flow.columns[arc_in], treat.columns]),
        np.concatenate([links["yield"].to_numpy()[arc_in], -np.ones(n_conv)]), lower=0.0,
        upper=0.0, description="delivered into a facility = input its conversions treat")
    out_of = out_nodes.index.get_indexer(links.from_stream)
    arc_out = np.flatnonzero(out_of >= 0)
    conv_out = out_nodes.index.get_indexer(node_out)
    lp.add_constraints(
        "facility_output", out_nodes.index,
        np.concatenate([conv_out, out_of[arc_out], np.arange(len(out_nodes))]),
        np.concatenate([treat.columns, flow.columns[arc_out], surplus.columns]),
        np.concatenate([f["yield"].to_numpy(), -np.ones(len(arc_out) + len(out_nodes))]),
        lower=0.0, upper=0.0,
        description="output made = sent over arcs + disposed of (surplus)")
    plant_of = ids.get_indexer(f.facility_id)
    capacity = plants.capacity.to_numpy()
    lp.add_constraints(
        "facility_capacity", ids, np.concatenate([plant_of, np.arange(len(ids))]),
        np.concatenate([treat.columns, build.columns]),
        np.concatenate([np.ones(n_conv), -capacity]), upper=0.0,
        description="input over a facility's conversions <= capacity, and 0 unless built")
    _add_input_quality(lp, network)

    res = park.resources.reindex(out_nodes.resource)
    lp.add_cost("facility_processing", treat.columns, f.processing_cost.to_numpy())
    lp.add_co2("facility_processing", treat.columns, f.processing_co2.to_numpy())
    lp.add_cost("facility_surplus", surplus.columns, res.disposal_cost.to_numpy())
    lp.add_co2("facility_surplus", surplus.columns, res.disposal_co2.to_numpy())
    lp.add_cost("facility_fixed", build.columns, plants.fixed_cost.to_numpy(), kind=FIXED)
    _add_capex(lp, park, plants, treat.columns, plant_of, build)
    lp.annotations["facility_conversions"] = f.assign(
        conversion=conversions, in_node=node_in, out_node=node_out).set_index("conversion")


def _add_capex(lp: LinearProgram, park: Park, plants: pd.DataFrame, treat_cols: np.ndarray,
               plant_of: np.ndarray, build) -> None:
    """Annualised capex: linear in size where capex_exponent = 1, else by segments."""
    annuity = park.annuity
    exponent = plants.capex_exponent.to_numpy()
    capex, capacity = plants.capex.to_numpy(), plants.capacity.to_numpy()
    linear = (exponent >= 1) | (capex == 0)
    per_unit = np.where(linear, annuity * capex / capacity, 0.0)[plant_of]
    lp.add_cost("facility_capex", treat_cols, per_unit, kind=CAPEX)
    scaled = np.flatnonzero(~linear)
    if not len(scaled):
        return
    k = park.config.facilities.capex_segments
    ids = plants.index[scaled]
    labels = pd.MultiIndex.from_product([ids, np.arange(1, k + 1)], names=["facility", "segment"])
    owners = np.repeat(ids.to_numpy(), k)
    z = lp.add_variables("facility_segment", labels, 0.0, 1.0, owners, integer=True)
    b = np.vstack([breakpoints(capacity[p], k) for p in scaled])  # facilities × (k + 1)
    value = capex[scaled, None] * (b / capacity[scaled, None]) ** exponent[scaled, None]
    low, high = b[:, :-1].ravel(), b[:, 1:].ravel()
    slope = ((value[:, 1:] - value[:, :-1]) / (b[:, 1:] - b[:, :-1])).ravel()
    intercept = value[:, :-1].ravel() - slope * low
    v = lp.add_variables("facility_segment_size", labels, 0.0, high, owners)
    m = len(labels)
    rows = np.arange(m)
    lp.add_constraints("facility_segment_low", labels, np.r_[rows, rows],
                       np.r_[v.columns, z.columns], np.r_[np.ones(m), -low], lower=0.0,
                       description="a segment's size is at least its lower breakpoint if chosen")
    lp.add_constraints("facility_segment_high", labels, np.r_[rows, rows],
                       np.r_[v.columns, z.columns], np.r_[np.ones(m), -high], upper=0.0,
                       description="... at most its upper breakpoint, and 0 unless chosen")
    seg_plant = np.repeat(np.arange(len(scaled)), k)
    plant_cols = build.columns[scaled]
    lp.add_constraints("facility_segment_choice", ids, np.r_[seg_plant, np.arange(len(scaled))],
                       np.r_[z.columns, plant_cols], np.r_[np.ones(m), -np.ones(len(scaled))],
                       lower=0.0, upper=0.0,
                       description="one capex segment if the facility is built, none if not")
    local = pd.Index(scaled).get_indexer(plant_of)  # position among scaled, or -1
    conv = np.flatnonzero(local >= 0)
    lp.add_constraints("facility_segment_total", ids,
                       np.r_[seg_plant, local[conv]], np.r_[v.columns, treat_cols[conv]],
                       np.r_[np.ones(m), -np.ones(len(conv))], lower=0.0, upper=0.0,
                       description="the chosen segment's size = the facility's input")
    lp.add_cost("facility_scaled_capex", np.r_[z.columns, v.columns],
                annuity * np.r_[intercept, slope], kind=CAPEX)


def _add_input_quality(lp: LinearProgram, network: Network) -> None:
    """Blend limits on what a facility takes: Σ η x (level − limit) ≤ 0 per in-node and
    property, written only where some arc brings more than the limit."""
    q = network.facility_qualities
    if q.empty:
        return
    excess = (q.level - q.limit).to_numpy()
    key = q.to_stream + "|" + q.property
    needed = key.isin(set(key[excess > 0]))
    q, excess = q[needed.to_numpy()], excess[needed.to_numpy()]
    if q.empty:
        return
    index = pd.MultiIndex.from_frame(q[["to_stream", "property"]].drop_duplicates(),
                                     names=["node", "property"])
    row = index.get_indexer(pd.MultiIndex.from_frame(q[["to_stream", "property"]]))
    link = network.links.index.get_indexer(q.link_id)
    eta = network.links["yield"].to_numpy()[link]
    lp.add_constraints("facility_input_quality", index, row,
                       lp.variables["flow"].start + link, eta * excess, upper=0.0,
                       description="blend level of a facility's intake <= its input limit")
