"""Eco-industrial park check: a result folder against the quantitative criteria for
recognising an eco-industrial park in Vietnam (docs/regulation.md, "symbiosis eip-check").

What was found, and how it is used:

- Decree 35/2022/ND-CP, Art. 2(5) defines an eco-industrial park (enterprises in cleaner
  production, efficient use of resources and industrial symbiosis) and Art. 37 sets the
  criteria for recognising one. The text of Art. 37 found (clause 1, the infrastructure
  investor's criteria) gives no quantitative threshold a result can be checked against; its
  other clauses' thresholds were not in the text found. Every criterion below says so.
- Circular 05/2025/TT-BKHDT, Art. 2(1)(a) (guiding Decree 35/2022, Art. 2(7) and 37(2)(b)):
  industrial symbiosis includes the exchange of raw materials, water, energy, waste and scrap
  among enterprises within the industrial park. Hence a *linkage* here is a built link
  between two different firms of the same park (firms.csv `park`), not one within a firm or
  to a shared facility.
- Decree 82/2018/ND-CP, Art. 43 (the criteria Decree 35/2022 replaced), as found in a
  Vietnamese paraphrase (ktkt2.edu.vn, "tiêu chí xác định khu công nghiệp sinh thái", whose five
  clauses match that article; its last clause is cut off after "10 %"): at least
  one industrial symbiosis linkage, with at least 10 % of the park's enterprises taking part
  (clause 5); at least 20 % of enterprises applying resource-efficient and cleaner
  production, 90 % aware of it (clause 3); 25 % of the land for green areas, traffic and
  shared infrastructure (clause 4). The first two are measured on the result; the others
  need data a result does not hold.

A criterion's `status` is `pass` or `fail` against the threshold cited, `not_measurable`
(the result lacks the data) or `not_quantified` (no threshold in the text found).
"""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pandas as pd

from ..errors import InputError, Problem

NOT_FOUND = "not quantified in the text found"
D35 = "Decree 35/2022/ND-CP Art. 37"
D82 = "Decree 82/2018/ND-CP Art. 43"
C05 = "Circular 05/2025/TT-BKHDT Art. 2(1)(a)"
COLUMNS = ["park", "criterion", "value", "threshold", "status", "source", "note"]


def _read(folder: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Built links and each firm's park (facilities left out) from a result folder."""
    for name in ("kpis.json", "links.csv", "network.graphml"):
        if not (folder / name).is_file():
            raise InputError(Problem(str(folder), f"not a result folder: no {name}"))
    kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    if kpis.get("status") not in ("optimal", "feasible"):
        raise InputError(Problem(str(folder / "kpis.json"),
                                 f"the result has no solution (status {kpis.get('status')!r})",
                                 key="status"))
    links = pd.read_csv(folder / "links.csv", dtype={"from_firm": str, "to_firm": str})
    graph = nx.read_graphml(folder / "network.graphml")
    firms = {n: str(d.get("park", "")) for n, d in graph.nodes(data=True)
             if d.get("kind") != "facility"}
    return links, pd.Series(firms, dtype=object).sort_index()


def eip_check(folder: str | Path) -> pd.DataFrame:
    """One row per park and criterion (COLUMNS): what the result shows against what the
    texts found require."""
    links, park_of = _read(Path(folder))
    rows = []
    between = links[(links.from_firm != links.to_firm)
                    & links.from_firm.isin(park_of.index) & links.to_firm.isin(park_of.index)]
    same = park_of.reindex(between.from_firm).to_numpy() == park_of.reindex(
        between.to_firm).to_numpy()
    inside = between[same]
    for park, members in park_of.groupby(park_of, sort=True):
        label = park or "(no park given)"
        mine = inside[inside.from_firm.isin(members.index)]
        taking_part = set(mine.from_firm) | set(mine.to_firm)
        share = len(taking_part) / len(members)
        rows += [
            (label, "symbiosis linkages (built links between two firms of the park)",
             len(mine), ">= 1", "pass" if len(mine) >= 1 else "fail",
             f"{D82}(5); what counts: {C05}",
             f"{D35}: {NOT_FOUND}; threshold of the decree it replaced"),
            (label, "share of the park's firms in a linkage", round(share, 4), ">= 0.10",
             "pass" if share >= 0.10 else "fail", f"{D82}(5)",
             f"{D35}: {NOT_FOUND}; {D82} asks 10 % with plans to take part, measured here "
             "as taking part in the result's design"),
            (label, "share of firms applying cleaner production (RECP)", None, ">= 0.20",
             "not_measurable", f"{D82}(3)", f"{D35}: {NOT_FOUND}; a result does not say "
             "which firms apply RECP"),
            (label, "share of land for green areas and shared infrastructure", None, ">= 0.25",
             "not_measurable", f"{D82}(4)", f"{D35}: {NOT_FOUND}; a result holds no land use"),
            (label, "criteria of the infrastructure investor (compliance, basic services, "
                    "cooperation mechanism)", None, None, "not_quantified", f"{D35}(1)",
             NOT_FOUND),
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def format_check(table: pd.DataFrame) -> str:
    """The check as lines a planner reads."""
    lines = []
    for park, rows in table.groupby("park", sort=False):
        lines.append(f"{park}:")
        for r in rows.itertuples():
            value = "" if r.value is None or pd.isna(r.value) else f" = {r.value:g}"
            threshold = f" (needs {r.threshold})" if isinstance(r.threshold, str) else ""
            lines.append(f"  [{r.status}] {r.criterion}{value}{threshold}; {r.source}")
            lines.append(f"      {r.note}")
    return "\n".join(lines)
