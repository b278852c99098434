"""A facility's size as a design column, so a time study builds it once for every state
(docs/model.md, "Time", facilities).

In the one-year program (formulation/facilities.py) a facility's size is its input,
q_f = Σ_c u_c, and its capex is charged on the inputs: linear, per_unit · Σ_c u_c, or by
segments, Σ_k v_{f,k} = Σ_c u_c. Over several states the input differs from state to state
(a season's volumes, a scenario's), while the plant is bought once: its size must cover the
largest. This rewrites a state's program so that

    q_f ≥ Σ_{c of f} u_c                          (facility_size_covers, every state)
    capex = per_unit_f · q_f                       (facility_capex, now on q_f, kind CAPEX)
    Σ_k v_{f,k} = q_f                              (facility_segment_total, by segments)
    0 ≤ q_f ≤ C_f

q_f carries a capital term, so the stacking treats it as a design column (one copy per year,
growing only, with phases); the inputs u_c, processing cost and CO2 and the capacity row
Σ_c u_c ≤ C_f b_f stay each state's. With one state the optimum is the one-year optimum: the
size costs more the larger it is, so q_f = Σ_c u_c there. `symbiosis run` never calls this.
"""
from __future__ import annotations

import numpy as np

from ..formulation.program import CAPEX, LinearProgram

SIZE = "facility_size"


def size_facilities(lp: LinearProgram) -> LinearProgram:
    """The program with each facility's size a column of its own (module docstring), in
    place; a program without facilities is returned unchanged."""
    if "facility_build" not in lp.variables:
        return lp
    conv = lp.annotations["facility_conversions"]
    build = lp.variables["facility_build"]
    treat = lp.variables["facility_input"]
    ids = build.index
    plant_of = ids.get_indexer(conv.facility_id)
    capacity = conv.groupby("facility_id").capacity.first().reindex(ids).to_numpy(float)
    block = build.block
    with lp.building(block):
        size = lp.add_variables(SIZE, ids, 0.0, capacity, ids.to_numpy())
        n, m = len(ids), len(conv)
        lp.add_constraints("facility_size_covers", ids, np.r_[plant_of, np.arange(n)],
                           np.r_[treat.columns, size.columns], np.r_[np.ones(m), -np.ones(n)],
                           upper=0.0, description="a facility's size covers its input in "
                                                  "every state: sum_c u_c - q_f <= 0")
    old = lp.cost_terms["facility_capex"]
    per_unit = np.zeros(n)
    per_unit[plant_of[old.cols - treat.start]] = old.coefs  # the same for a plant's conversions
    lp.add_cost("facility_capex", size.columns, per_unit, kind=CAPEX)
    if "facility_segment_total" in lp.constraints:
        c = lp.constraints["facility_segment_total"]
        seg = c.cols >= lp.variables["facility_segment_size"].start
        seg &= c.cols < lp.variables["facility_segment_size"].start + \
            len(lp.variables["facility_segment_size"].index)
        rows = c.rows[seg]
        plants = ids.get_indexer(c.index)
        with lp.building(c.block):
            lp.add_constraints(c.name, c.index, np.r_[rows, np.arange(len(c.index))],
                               np.r_[c.cols[seg], size.columns[plants]],
                               np.r_[c.coefs[seg], -np.ones(len(c.index))], 0.0, 0.0,
                               "the chosen segment's size = the facility's size q_f")
    return lp
