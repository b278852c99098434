"""Honest savings: what each firm reaches alone, apart from what links between firms add.

The no-links baseline (docs/model.md) has no heat integration and no reuse even inside a firm, so
part of `savings` is each firm's own process integration, not symbiosis. "Firms alone" is the
optimum of the same model in which only links with from_firm == to_firm (and a firm's own heat
pumps, always within one firm) may be built: the same network with its links between firms
removed, solved with the same objective and solver options. Its feasible set is inside the
full problem's, so its optimum C_alone is at least the full optimum C*, and with C_0 the
no-links cost:

    savings_within_firms  = C_0 − C_alone        savings_between_firms = C_alone − C*

(the same for CO2). `baseline: firms_integrated` measures `baseline_cost`, `savings` and their
CO2 and per-firm counterparts from the firms-alone optimum instead. docs/format.md ("Savings
within and between firms") documents the keys written here.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .network import Network
from .schema import Baseline
from .solve import Status

if TYPE_CHECKING:
    from .results.result import Result

NO_LINKS: Baseline = "no_links"
FIRMS_INTEGRATED: Baseline = "firms_integrated"
BETWEEN_FIRMS = "between_firms"  # reason, in the firms-alone network, a link is not a candidate
FIRM_ALONE_COLUMNS = ["alone_cost", "alone_co2_t"]
EXACT_GAP = 1e-9  # a relative gap this small counts as zero: the split is exact


def within_firms(network: Network) -> Network:
    """The network with only links inside one firm; the others are rejected as between_firms.

    A restriction of the same candidates (not a new screen), so that every firms-alone design
    is a design of the full problem and C* ≤ C_alone holds.
    """
    links = network.links
    inside = (links.from_firm == links.to_firm).to_numpy()
    return network.restrict(inside, BETWEEN_FIRMS,
                            "a link between two firms: not built when firms are alone")


def split_ranges(baseline: float, full: float | None, full_bound: float | None,
                 alone: float | None, alone_bound: float | None) -> dict[str, list]:
    """Valid ranges of the true within- and between-firm parts of the objective's saving.

    `full`/`alone`: the objective at the reported points (upper bounds on the optima of a
    minimisation), `*_bound`: the solvers' lower bounds (None: unknown). Uses only that the
    true optima satisfy bound ≤ optimum ≤ reported and C*_true ≤ C_alone_true.
    """
    def lower(value, bound):
        return -np.inf if bound is None else min(bound, value)

    if alone is None:
        return {"within_firms": [None, None], "between_firms": [None, None]}
    lb_alone = lower(alone, alone_bound)
    if full is None:  # C*_true ≥ its bound still holds, but nothing bounds C* from above
        lb_full = -np.inf if full_bound is None else full_bound
        return {"within_firms": [baseline - alone, baseline - max(lb_alone, lb_full)],
                "between_firms": [None, None]}
    lb_full = lower(full, full_bound)
    return {"within_firms": [baseline - alone, baseline - max(lb_alone, lb_full)],
            "between_firms": [max(0.0, lb_alone - full), alone - lb_full]}


def apply_savings_split(result: Result, alone: Result, baseline: Baseline = NO_LINKS) -> Result:
    """Add the within/between split and the firms-alone run to `result` (kpis and firms);
    with `firms_integrated`, measure its baseline and savings from the firms-alone optimum."""
    k, a = result.kpis, alone.kpis
    solved, alone_solved = result.status.has_solution, alone.status.has_solution
    fallback_note = ""
    if baseline == FIRMS_INTEGRATED and not alone_solved:  # said in kpis, never silent
        baseline, fallback_note = NO_LINKS, ("baseline firms_integrated asked for, but the "
                                             "firms-alone run found no solution: measured "
                                             "from no_links instead")
    c0, e0 = k["baseline_cost"], k["baseline_co2_t"]
    ca = a["total_cost"] if alone_solved else None
    ea = a["co2_t"] if alone_solved else None
    both = solved and alone_solved
    split: dict[str, Any] = {
        "baseline_kind": baseline,
        "no_links_cost": c0,
        "no_links_co2_t": e0,
        "savings_within_firms": c0 - ca if alone_solved else None,
        "savings_between_firms": ca - k["total_cost"] if both else None,
        "co2_avoided_within_firms_t": e0 - ea if alone_solved else None,
        "co2_avoided_between_firms_t": ea - k["co2_t"] if both else None,
        "firms_alone": {key: a.get(key) for key in (
            "status", "termination", "objective", "objective_bound", "mip_gap", "total_cost",
            "co2_t", "links_built")},
        "savings_split": split_quality(k, a, both),
    }
    if fallback_note:
        note = split["savings_split"]["note"]
        split["savings_split"]["note"] = f"{note}; {fallback_note}" if note else fallback_note
    if "heat" in a:
        split["firms_alone"]["heat_pumps_built"] = a["heat"].get("heat_pumps_built")
    firms = result.firms.copy()
    at = list(firms.columns).index("co2_t") + 1
    alone_firms = alone.firms.reindex(firms.index)
    for offset, (column, source) in enumerate(zip(FIRM_ALONE_COLUMNS, ("cost", "co2_t"))):
        values = alone_firms[source].to_numpy() if alone_solved else np.nan
        firms.insert(at + offset, column, values)
    if baseline == FIRMS_INTEGRATED:
        k = _measure_from_alone(k, a, solved)
        firms["baseline_cost"] = firms.alone_cost
        firms["baseline_co2_t"] = firms.alone_co2_t
        firms["savings"] = firms.baseline_cost - firms.cost
        result.objective_breakdown = _baseline_terms(
            result.objective_breakdown, alone.objective_breakdown, solved)
    result.kpis = _insert_after(k, "co2_avoided_t", split)
    result.firms = firms
    return result


def split_quality(k: dict[str, Any], a: dict[str, Any], both: bool) -> dict[str, Any]:
    """How far the split can be trusted: `kind` exact (both runs optimal at gap 0),
    within_gap (both optimal within their MIP gaps), bounded (a run not proven optimal) or
    unavailable; valid ranges of it in the objective's unit; a note when not exact."""
    kind = k["objective_kind"]
    base = k["baseline_cost"] if kind == "cost" else k["baseline_co2_t"]
    ranges = split_ranges(base, k["objective"], k["objective_bound"], a["objective"],
                          a["objective_bound"])
    optimal = both and k["status"] == a["status"] == Status.OPTIMAL.value
    if not both:
        quality = "unavailable"
        failed = [name for name, run in (("run with links between firms", k),
                                         ("firms-alone run", a)) if run["objective"] is None]
        notes = [f"no split: the {' and the '.join(failed)} found no solution"]
    elif not optimal:
        quality = "bounded"
        notes = [f"the full run is {k['status']} and the firms-alone run {a['status']}: the "
                 "split is bounded, not exact (see the ranges)"]
    elif any(gap is None or gap > EXACT_GAP for gap in (k["mip_gap"], a["mip_gap"])):
        quality = "within_gap"
        fmt, unit = (",.0f", f" {k.get('currency', '')}/yr") if kind == "cost" \
            else (",.1f", " t CO2/yr")
        low, high = ranges["between_firms"]
        notes = [f"both runs are optimal within their MIP gaps (or the solver gave no bound): "
                 f"what links between firms add lies in [{low:{fmt}}, {high:{fmt}}]{unit}"]
    else:
        quality, notes = "exact", []
    if both and a["objective"] < k["objective"]:
        what = "costs" if kind == "cost" else "emits"
        notes.append(f"the design found with links between firms {what} more than the "
                     f"firms-alone design (by {k['objective'] - a['objective']:.6g}), which is "
                     "possible only within the solvers' gaps: the between-firm part is negative "
                     "for that reason alone; solve with a smaller gap (--gap 0)")
    return {"kind": quality, "objective_kind": kind,
            "within_firms_range": ranges["within_firms"],
            "between_firms_range": ranges["between_firms"], "note": "; ".join(notes)}


def _measure_from_alone(k: dict[str, Any], a: dict[str, Any], solved: bool) -> dict[str, Any]:
    k = dict(k)
    k["baseline_cost"], k["baseline_co2_t"] = a["total_cost"], a["co2_t"]
    k["savings"] = k["baseline_cost"] - k["total_cost"] if solved else None
    k["co2_avoided_t"] = k["baseline_co2_t"] - k["co2_t"] if solved else None
    k["baseline_breakdown"] = a["objective_breakdown"]
    return k


def _baseline_terms(table: pd.DataFrame, alone: pd.DataFrame, solved: bool) -> pd.DataFrame:
    """objective.csv with its baseline columns from the firms-alone optimum, term by term
    (a term only one of the two programs has is 0 in the other)."""
    missing = ~alone.index.isin(table.index)
    table = pd.concat([table, pd.DataFrame(index=alone.index[missing])]).rename_axis(
        table.index.name)
    if solved:
        table.loc[alone.index[missing], ["cost", "co2_t"]] = 0.0
    for column, source in (("baseline_cost", "cost"), ("baseline_co2_t", "co2_t")):
        table[column] = alone[source].reindex(table.index).fillna(0.0)
    return table


def _insert_after(d: dict[str, Any], key: str, new: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k not in new:
            out[k] = v
        if k == key:
            out.update(new)
    return out
