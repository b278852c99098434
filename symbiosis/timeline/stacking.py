"""Stack the one-year programs of operating states into one program (docs/model.md, "Time").

Each state's program is built by the ordinary blocks (formulation.formulate) from the park at
that state's quantities, on the candidate network at those quantities (state_network.py). Its columns are of two kinds:

- design columns, the blocks' decisions that are bought, not operated: every integer column
  and every column a FIXED or CAPEX cost term is on (link and route builds, heat-pump builds
  and sizes, facility builds, sizes and capex segments: facility_sizes.py first gives a
  facility's size a column of its own, charged its capex, covering its input in every
  state). There is one copy per year of the horizon (one in all without a horizon), shared
  by the year's periods and scenarios: built once, used in each;
- operating columns (flows, purchases, disposals, heat cascade, utilities): one copy per state.

Rows are each state's, on its copy of the columns. Variable cost and CO2 terms are weighted by
the state's ω; fixed and capital terms are charged once per year in use, weighted by δ_t.
With phases, a build-year column z_{j,τ} per binary design column and year links the years'
copies: y_{j,t} = Σ_{τ≤t} z_{j,τ} in each year t its firms are present (0 otherwise),
Σ_τ z_{j,τ} ≤ 1; a size may only grow while present: y_{j,t−1} ≤ y_{j,t}.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..formulation import formulate
from ..formulation.program import CAPEX, FIXED, VARIABLE, LinearProgram
from ..network import Network
from ..park import Park
from ..results import baseline_point
from .facility_sizes import size_facilities
from .plan import FACILITY, TimePlan, state_park
from .state_network import state_network

DESIGN_GROUP = "design"  # the one copy of the design columns without a horizon
BUILD_YEAR = "build_year"  # suffix of the build-year block of a binary design block
FACILITY_BUILD = "facility_build"  # shared facilities' build binaries (formulation/facilities.py)


def design_blocks(lp: LinearProgram) -> list[str]:
    """The variable blocks that are bought, not operated (module docstring)."""
    owner = np.empty(lp.n_columns, dtype=object)
    for name, v in lp.variables.items():
        owner[v.start:v.start + len(v.index)] = name
    charged = set()
    for term in lp.cost_terms.values():
        if term.kind in (FIXED, CAPEX) and len(term.cols):
            charged |= set(owner[term.cols])
    return [n for n, v in lp.variables.items() if v.integer or n in charged]


def group_of(year) -> str:
    return DESIGN_GROUP if year is None else str(year)


@dataclass
class Stacked:
    """The stacked program and how to read each state's point out of it."""

    lp: LinearProgram
    plan: TimePlan
    parks: dict[str, Park]
    programs: dict[str, LinearProgram]  # each state's one-year program
    maps: dict[str, np.ndarray]  # state column -> stacked column
    design: list[str]  # design block names
    baselines: dict[str, np.ndarray]  # each state's no-links point

    def state_point(self, x: np.ndarray, state: str) -> np.ndarray:
        return x[self.maps[state]]

    def start(self) -> np.ndarray:
        """The no-links point of every state, nothing built: feasible."""
        x = np.zeros(self.lp.n_columns)
        for state, m in self.maps.items():
            x[m] = self.baselines[state]
        return x


def _present_columns(park: Park, plan: TimePlan, lp_block, year) -> np.ndarray:
    """Whether each column's firms (both) are present in a year (a non-firm owner, such as a
    facility, always is)."""
    if year is None:
        return np.ones(len(lp_block.index), dtype=bool)
    present = plan.present[year]
    ok = np.ones(len(lp_block.index), dtype=bool)
    for side in lp_block.firms:
        ok &= present.reindex(side).fillna(True).to_numpy(bool)
    return ok


def stack(park: Park, network: Network, plan: TimePlan) -> Stacked:
    """The stacked program of the plan's states on one candidate network."""
    states = plan.states
    parks = {s: state_park(park, plan, s) for s in states.index}
    programs = {s: size_facilities(formulate(parks[s], state_network(network, parks[s]), "cost"))
                for s in states.index}
    reference = programs[states.index[0]]
    design = design_blocks(reference)
    out = LinearProgram(carbon_price=reference.carbon_price, objective="cost")
    groups = {}  # year -> {design block -> stacked block}
    for year in plan.years:
        groups[year] = {}
        for name in design:
            v = reference.variables[name]
            upper = v.upper.copy()
            upper[~_present_columns(park, plan, v, year)] = 0.0
            # with phases a year's copy of a binary is a sum of build-year binaries: continuous
            with out.building(v.block):
                groups[year][name] = out.add_variables(f"{name}@{group_of(year)}", v.index,
                                                       v.lower, upper, v.firms,
                                                       v.integer and not plan.phased)
    maps = {}
    for state, lp in programs.items():
        year = states.year[state] if plan.phased else None
        m = np.empty(lp.n_columns, np.int64)
        for name, v in lp.variables.items():
            if name in design:
                target = groups[year][name]
                if len(target.index) != len(v.index) or not target.index.equals(v.index):
                    raise AssertionError(f"design block {name} differs between states")
            else:
                with out.building(v.block):
                    target = out.add_variables(f"{name}@{state}", v.index, v.lower, v.upper,
                                               v.firms, v.integer)
            m[v.start:v.start + len(v.index)] = target.columns
        maps[state] = m
        omega = float(states.omega[state])
        for name, c in lp.constraints.items():
            with out.building(c.block):
                out.add_constraints(f"{name}@{state}", c.index, c.rows, m[c.cols], c.coefs,
                                    c.lower, c.upper, c.description)
        for name, t in lp.cost_terms.items():
            if t.kind == VARIABLE:
                with out.building(t.block):
                    out.add_cost(f"{name}@{state}", m[t.cols], omega * t.coefs,
                                 omega * t.constant, t.owner, VARIABLE)
        for name, t in lp.co2_terms.items():
            with out.building(t.block):
                out.add_co2(f"{name}@{state}", m[t.cols], omega * t.coefs, omega * t.constant,
                            t.owner)
    for year in plan.years:  # fixed and capital terms: once per year in use, discounted
        first = states.index[(states.year == year) if plan.phased
                             else np.ones(len(states), bool)][0]
        delta = float(states.discount[first])
        for name, t in programs[first].cost_terms.items():
            if t.kind != VARIABLE:
                with out.building(t.block):
                    out.add_cost(f"{name}@{group_of(year)}", maps[first][t.cols],
                                 delta * t.coefs, delta * t.constant, t.owner, t.kind)
    if plan.phased:
        _link_years(out, park, network, plan, groups,
                    {n: reference.variables[n].integer for n in design})
    baselines = {s: baseline_point(programs[s], parks[s]) for s in states.index}
    return Stacked(out, plan, parks, programs, maps, design, baselines)


def _first_years(network: Network, plan: TimePlan, name: str, index: pd.Index) -> np.ndarray:
    """The first year each column may be built: a link's mode's, a shared facility's
    (permitting, green channel; plan.first_build); others (heat pumps, in-firm equipment;
    capex segments, tied to their facility's build) the horizon's start."""
    start = plan.years[0]
    if name == FACILITY_BUILD:
        return np.full(len(index), plan.first_build.get(FACILITY, start))
    if name != "build" or not plan.first_build:
        return np.full(len(index), start)
    mode = network.links["mode"].reindex(index).to_numpy()
    return np.array([plan.first_build.get(m, start) for m in mode])


def _link_years(out: LinearProgram, park: Park, network: Network, plan: TimePlan,
                groups: dict, design: dict[str, bool]) -> None:
    """Build-year columns and the rows tying each year's copy of the design to them
    (`design`: each design block's name and whether it is binary)."""
    years = plan.years
    T = len(years)
    for name, binary in design.items():
        copies = [groups[y][name] for y in years]
        v = copies[0]
        n = len(v.index)
        present = np.column_stack([_present_columns(park, plan, v, y) for y in years])
        if not binary:  # a size grows while present: y_{t-1} - y_t <= 0
            both = present[:, 1:] & present[:, :-1]
            j, t = np.nonzero(both)
            if len(j):
                idx = pd.MultiIndex.from_arrays([v.index[j], np.asarray(years)[t + 1]],
                                                names=[v.index.name or "id", "year"])
                r = np.arange(len(j))
                cols = np.concatenate([np.stack([c.columns for c in copies[:-1]], 1)[j, t],
                                       np.stack([c.columns for c in copies[1:]], 1)[j, t]])
                out.add_constraints(f"{name}_grows", idx, np.r_[r, r], cols,
                                    np.r_[np.ones(len(j)), -np.ones(len(j))], upper=0.0,
                                    description="a size only grows while its firms are "
                                                "present: y_{j,t-1} - y_{j,t} <= 0")
            continue
        first = _first_years(network, plan, name, v.index)
        allowed = present & (np.asarray(years)[None, :] >= first[:, None])
        labels = pd.MultiIndex.from_arrays([np.repeat(v.index, T), np.tile(years, n)],
                                           names=[v.index.name or "id", "year"])
        z = out.add_variables(f"{name}@{BUILD_YEAR}", labels, 0.0,
                              allowed.reshape(-1).astype(float),
                              tuple(np.repeat(f, T) for f in v.firms), integer=True)
        zc = z.columns.reshape(n, T)
        rows, cols, coefs, labels_t, r = [], [], [], [], 0
        for t, year in enumerate(years):
            j = np.flatnonzero(present[:, t])
            k = len(j)
            if not k:
                continue
            rid = r + np.arange(k)
            rows += [rid] + [rid] * (t + 1)
            cols += [copies[t].columns[j]] + [zc[j, tau] for tau in range(t + 1)]
            coefs += [np.ones(k)] + [-np.ones(k)] * (t + 1)
            labels_t += [(label, year) for label in v.index[j]]
            r += k
        if r:
            out.add_constraints(f"{name}_in_use", pd.MultiIndex.from_tuples(
                labels_t, names=[v.index.name or "id", "year"]), np.concatenate(rows),
                np.concatenate(cols), np.concatenate(coefs), 0.0, 0.0,
                description="in use from its build year while its firms are present: "
                            "y_{j,t} - sum_{tau<=t} z_{j,tau} = 0")
        out.add_constraints(f"{name}_once", v.index, np.repeat(np.arange(n), T),
                            zc.reshape(-1), np.ones(n * T), upper=1.0,
                            description="built at most once: sum_tau z_{j,tau} <= 1")
