"""A time study's facility tables (docs/format.md, "Time results"): facilities.csv, one row
per candidate facility with its build year and size, and facility_states.csv, its use in each
operating state."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..formulation.program import CAPEX, FIXED, LinearProgram
from .facility_sizes import SIZE
from .plan import TimePlan
from .stacking import BUILD_YEAR, Stacked, group_of

FACILITY_COLUMNS = ["facility_id", "name", "built", "build_year", "years_in_use", "size",
                    "capacity", "peak_input", "input", "fixed_cost", "annualised_capex"]
STATE_COLUMNS = ["facility_id", "state", "input", "output", "output_disposed", "utilisation"]


NOISE = 1e-9  # below this an amount is solver noise (results.repair.clean_solution's rule)


def _tidy(values: np.ndarray) -> np.ndarray:
    """Solver noise (−3e-14 m3 treated) written as 0."""
    return np.where(np.abs(values) <= NOISE, 0.0, values)


def has_time_facilities(stacked: Stacked) -> bool:
    return "facility_build" in stacked.programs[stacked.plan.states.index[0]].variables


def _by_facility(lp: LinearProgram, xs: np.ndarray, kind: str, ids: pd.Index) -> np.ndarray:
    """A state program's facility terms of one kind (FIXED or CAPEX) by facility, a year."""
    total = np.zeros(len(ids))
    owners = lp.column_firms()[0]
    for name, term in lp.cost_terms.items():
        if term.kind == kind and name.startswith("facility"):
            part = pd.Series(term.coefs * xs[term.cols]).groupby(owners[term.cols]).sum()
            total += part.reindex(ids, fill_value=0.0).to_numpy()
    return total


def facility_state_table(stacked: Stacked, x: np.ndarray) -> pd.DataFrame:
    """Each facility's input (annual rate), output made and disposed of, and input over its
    size, in each state."""
    parts = []
    for state, lp in stacked.programs.items():
        xs = stacked.state_point(x, state)
        conv = lp.annotations["facility_conversions"]
        treat = lp.variables["facility_input"].values(xs).to_numpy()
        ids = lp.variables["facility_build"].index
        by = conv.facility_id.to_numpy()
        used = pd.Series(treat).groupby(by).sum().reindex(ids, fill_value=0.0)
        made = pd.Series(treat * conv["yield"].to_numpy(float)).groupby(by).sum() \
            .reindex(ids, fill_value=0.0)
        block = lp.variables["facility_surplus"]
        disposed = pd.Series(xs[block.columns]).groupby(block.firms[0]).sum() \
            .reindex(ids, fill_value=0.0)
        size = lp.variables[SIZE].values(xs).reindex(ids)
        parts.append(pd.DataFrame({
            "facility_id": ids, "state": state, "input": _tidy(used.to_numpy()),
            "output": _tidy(made.to_numpy()), "output_disposed": _tidy(disposed.to_numpy()),
            "utilisation": np.where(size.to_numpy() > 1e-9,
                                    used.to_numpy() / np.maximum(size.to_numpy(), 1e-12), 0.0)}))
    return pd.concat(parts, ignore_index=True)[STATE_COLUMNS]


def facility_table(stacked: Stacked, x: np.ndarray, plan: TimePlan,
                   use: pd.DataFrame) -> pd.DataFrame:
    """One row per candidate facility: built, its build year (phases), years in use, size
    (the largest over the years), the peak and the mean annual input over its years in use,
    and its fixed cost and annualised capex a year (at its final size)."""
    lp, s = stacked.lp, plan.states
    first = stacked.programs[s.index[0]]
    conv = first.annotations["facility_conversions"]
    plants = conv.drop_duplicates("facility_id").set_index("facility_id")
    ids = first.variables["facility_build"].index
    built = pd.concat([pd.Series(np.round(x[lp.variables[f"facility_build@{group_of(y)}"]
                                             .columns]), index=ids) for y in plan.years], axis=1)
    sizes = pd.concat([pd.Series(x[lp.variables[f"{SIZE}@{group_of(y)}"].columns], index=ids)
                       for y in plan.years], axis=1)
    years_in_use = built.sum(axis=1)
    table = pd.DataFrame({"facility_id": ids, "name": plants.name.reindex(ids).to_numpy(),
                          "built": (built.max(axis=1) > 0.5).to_numpy(),
                          "capacity": plants.capacity.reindex(ids).to_numpy(float)})
    table["build_year"] = np.nan
    z = f"facility_build@{BUILD_YEAR}"
    if z in lp.variables:
        v = lp.variables[z]
        chosen = pd.Series(np.round(x[v.columns]), index=v.index)
        chosen = chosen[chosen > 0.5]
        year = pd.Series(chosen.index.get_level_values(1),
                         index=chosen.index.get_level_values(0), dtype=float)
        table["build_year"] = year.reindex(ids).to_numpy()
    table["years_in_use"] = years_in_use.to_numpy() if plan.phased else np.nan
    table["size"] = sizes.max(axis=1).where(table.built.to_numpy(), 0.0).to_numpy()
    by_id = use.set_index(["facility_id", "state"]).input
    weight = s.weight.reindex(use.state).to_numpy()
    annual = (use.input * weight).groupby(use.facility_id).sum().reindex(ids, fill_value=0.0)
    table["peak_input"] = by_id.groupby(level=0).max().reindex(ids).to_numpy()
    table["input"] = annual.to_numpy() / np.maximum(1.0, years_in_use.to_numpy()) \
        if plan.phased else annual.to_numpy()
    last = s.index[(s.year == plan.years[-1]).to_numpy()][0] if plan.phased else s.index[0]
    xs = stacked.state_point(x, last)
    program = stacked.programs[last]
    table["fixed_cost"] = _by_facility(program, xs, FIXED, ids)
    table["annualised_capex"] = _by_facility(program, xs, CAPEX, ids)
    return table[FACILITY_COLUMNS]
