"""Write a time study's folder, all or nothing (docs/format.md, "Time results"), and say what
it found in a few lines."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import outputs
from ..results.schema import SIGNIFICANT, json_ready
from .study import TimeResult

KIND = "time"
FILES = ("kpis.json", "states.csv", "links.csv", "link_flows.csv", "years.csv",
         "scenarios.csv", "facilities.csv", "facility_states.csv")


def check_time_folder(out: str | Path, option: str = "-o") -> Path:
    """Refuse, before solving, a folder that is not a time folder symbiosis wrote."""
    return outputs.check_folder(out, KIND, option, allowed=lambda p: p.name in FILES)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, float_format=f"%.{SIGNIFICANT}g", lineterminator="\n")


def write_time_folder(result: TimeResult, out: str | Path) -> Path:
    out = Path(out)

    def fill(tmp: Path) -> None:
        kpis = {"name": result.name, **result.kpis,
                "timings_s": {k: round(v, 3) for k, v in result.timings.items()}}
        (tmp / "kpis.json").write_text(json.dumps(json_ready(kpis), indent=2, sort_keys=False)
                                       + "\n", encoding="utf-8")
        _csv(result.states, tmp / "states.csv")
        _csv(result.links, tmp / "links.csv")
        _csv(result.link_flows.set_index("link_id") if len(result.link_flows)
             else pd.DataFrame(columns=["state", "flow"]).rename_axis("link_id"),
             tmp / "link_flows.csv")
        if len(result.years):
            _csv(result.years, tmp / "years.csv")
        if len(result.scenarios):
            _csv(result.scenarios, tmp / "scenarios.csv")
        if len(result.facilities):  # only a model with candidate facilities
            _csv(result.facilities.set_index("facility_id"), tmp / "facilities.csv")
            _csv(result.facility_states.set_index("facility_id"), tmp / "facility_states.csv")

    return outputs.write_folder(out, KIND, fill)


def format_time(result: TimeResult, currency: str = "USD") -> str:
    k = result.kpis
    t = k["time"]
    lines = [f"{result.name}: {k['status']}, {t['states']} states "
             f"({t['periods']} periods, {t['scenarios']} scenarios"
             + (f", years {t['years'][0]}-{t['years'][-1]}" if t["years"] else "") + ")"]
    if k.get("total_cost") is None:
        return "\n".join(lines)
    what = "present value over the horizon" if t["years"] else "a year"
    gap = k.get("mip_gap")
    lines.append(f"  cost {k['total_cost']:,.0f} {currency} ({what}), baseline "
                 f"{k['baseline_cost']:,.0f}, savings {k['savings']:,.0f}; gap "
                 + ("n/a" if gap is None else f"{gap:.2%}"))
    lines.append(f"  links built {k['links_built']}")
    f = k.get("facilities")
    if f:
        years = "".join(f" {i}: {y}" for i, y in f["build_years"].items())
        lines.append(f"  facilities built {f['built']} of {f['candidates']}"
                     + (f" (build years{years})" if years else ""))
    if len(result.years):
        built = result.links.build_year.value_counts().sort_index()
        lines.append("  built per year: " + ", ".join(f"{int(y)}: {n}"
                                                      for y, n in built.items()))
    s = k.get("stochastic")
    if s:
        lines.append(f"  expected cost {s['expected_cost']:,.0f}; VSS "
                     + ("n/a" if s["vss"] is None else f"{s['vss']:,.0f}") + "; EVPI "
                     + ("n/a" if s["evpi"] is None else f"{s['evpi']:,.0f}"))
    return "\n".join(lines)
