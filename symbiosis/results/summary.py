"""The console summary of a Result (`symbiosis run`, `Result.summary()`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..solve import Status

if TYPE_CHECKING:  # typing only: result.py imports this module (Result.summary)
    from .result import Result

# the savings split's baseline measured from each firm alone (schema.Baseline; baselines.py
# writes the split's keys on top of a Result, so results never import it)
FIRMS_INTEGRATED = "firms_integrated"

def format_summary(result: Result) -> str:
    k = result.kpis
    cur = k["currency"]
    lines = [f"{k['name']}: {k['status']}"
             + (f" (gap {k['mip_gap']:.2%})" if k.get("mip_gap") else "")]
    if not result.status.has_solution:
        lines.append(f"  no solution: solver stopped with {k['termination']}")
        for unmet in (k.get("landfill_ban") or {}).get("unmet", []):  # docs/regulation.md
            lines.append(f"  landfill ban: {unmet}")
        if result.status == Status.NUMERICAL_ERROR:
            lines.append(f"  {k['verification']['message']}")
        return "\n".join(lines)
    lines += [
        f"  total cost     {k['total_cost']:>16,.0f} {cur}/yr   baseline {k['baseline_cost']:,.0f}",
        f"  savings        {k['savings']:>16,.0f} {cur}/yr   ({_share(k['savings'], k['baseline_cost'])})",
        *(summary_lines(k, cur, "savings") if "baseline_kind" in k else []),
        f"  CO2            {k['co2_t']:>16,.1f} t/yr      baseline {k['baseline_co2_t']:,.1f}",
        f"  CO2 avoided    {k['co2_avoided_t']:>16,.1f} t/yr      ({_share(k['co2_avoided_t'], k['baseline_co2_t'])})",
        *(summary_lines(k, cur, "co2") if "baseline_kind" in k else []),
        f"  links built    {k['links_built']:>16d}   of {k['candidate_links']} candidates",
        *_route_lines(k),
        f"  annualised capex {k['annualised_capex']:>14,.0f} {cur}/yr",
        f"  greedy matcher saves {k['greedy']['savings']:>10,.0f} {cur}/yr with "
        f"{k['greedy']['links_built']} links ({k['greedy']['scope']} only)",
    ]
    lines += _candidate_lines(k, cur)
    if result.termination_note:
        lines.append(f"  note: {result.termination_note}")
    return "\n".join(lines)


def _route_lines(k: dict) -> list[str]:
    """With shared routes: how many routes the links use, and how many carry several."""
    r = k.get("routes")
    if not r or r.get("routes_built") is None:
        return []
    return [f"  routes built   {r['routes_built']:>16d}   of {r['candidate_routes']} "
            f"({r['shared_routes_built']} carry several links)"]


def _candidate_lines(k: dict, cur: str) -> list[str]:
    """What the MILP left out, and what that (or the cap) may have cost."""
    c = k.get("candidates") or {}
    lines = []
    if c.get("left_out_by_reduced_cost"):
        lines.append(f"  MILP took {c['in_program']:,} of {c['candidates']:,} candidates (the "
                     "others priced out by reduced cost; the gap is against all of them)")
    if c.get("default_time_limit") and k.get("termination") == "time_limit":
        lines.append(f"  the MILP had {k['solver']['time_limit']:.0f} s, the default for a "
                     "province: set --time-limit (or solver.time_limit) for more")
    cap = k.get("capped")
    if cap and cap.get("may_cost") is not None:
        lines.append(f"  links.max_candidates_per_demand left out {c['left_out_by_cap']:,} "
                     f"candidates: it may have cost up to {cap['may_cost']:,.0f} {cur}/yr")
    return lines


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def summary_lines(kpis: dict[str, Any], currency: str, part: str) -> list[str]:
    """Console summary lines under `savings` (part "savings") or `CO2 avoided` ("co2")."""
    note = (kpis.get("savings_split") or {}).get("note")
    if kpis.get("savings_within_firms") is None:
        return ["    within/between firms: not available", f"    note: {note}"] \
            if part == "savings" else []
    integrated = kpis.get("baseline_kind") == FIRMS_INTEGRATED
    if part == "co2":
        return [f"    within firms {kpis['co2_avoided_within_firms_t']:>16,.1f} t/yr",
                f"    between firms {_or_na(kpis.get('co2_avoided_between_firms_t'), ',.1f'):>15}"
                " t/yr"]
    lines = ["    baseline: firms integrated (each firm's own optimum alone)"] if integrated else []
    lines += [
        f"    within firms {kpis['savings_within_firms']:>16,.0f} {currency}/yr   "
        + ("not in savings: the baseline has it" if integrated
           else "each firm alone: its own reuse and heat recovery"),
        f"    between firms {_or_na(kpis.get('savings_between_firms'), ',.0f'):>15} "
        f"{currency}/yr   what links between firms add",
    ]
    if note:
        lines.append(f"    note: {note}")
    return lines


def _or_na(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
