"""Report pages of the trade-off and risk analyses: the cost–CO2 front of a `pareto` folder
(its own page) and the partner-exit section of a `resilience` result folder.

Every text from the files is escaped (html_table's cells, `figures.text` in plotly labels),
as the "Who gains" section of benefit sharing does; each number sits in a cell with
`data-col` and `data-value`, or an element with an id, for tests.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..errors import InputError, Problem
from ..outputs import check_numeric, write_file
from .figures import LAYOUT, readable, text
from .folder import ResultTables, _read_csv, _read_json
from .page import Column, _fmt, _page, _plot, _value, html_table

PARETO_TEXT = ("links_added", "links_removed", "status")
PARETO_TABLE: list[Column] = [
    ("point", "point", 0), ("total_cost", "total cost", 0), ("co2_t", "CO2 t", 1),
    ("savings", "savings", 0), ("co2_avoided_t", "CO2 avoided t", 1),
    ("links_built", "links", 0), ("marginal_abatement_cost", "abatement cost /t", 0),
    ("links_added", "links added", None), ("links_removed", "links removed", None),
    ("mip_gap", "gap", -1), ("status", "status", None)]
RESILIENCE_TABLE: list[Column] = [
    ("firm_id", "firm(s) leaving", None), ("name", "name", None),
    ("links_lost", "links lost", 0), ("savings_kept", "savings kept", 0),
    ("savings_reoptimised", "re-planned", 0), ("value_at_risk", "value at risk", 0),
    ("dependants", "dependants", None), ("partners", "partners", 0),
    ("betweenness", "betweenness", -1)]
ROBUST_LINKS: list[Column] = [
    ("link_id", "link", None), ("from_firm", "from", None), ("to_firm", "to", None),
    ("flow", "flow as planned", -1), ("standby", "standby", None),
    ("fixed_cost", "fixed cost", 0), ("annualised_capex", "annualised capex", 0)]
SHOWN = 40  # firms in the value-at-risk chart


@dataclass
class ParetoTables:
    """A pareto folder: pareto.csv and what its point folders say (name, currency)."""

    name: str
    front: pd.DataFrame
    currency: str
    folder: str


def is_pareto_folder(path: Path) -> bool:
    return (Path(path) / "pareto.csv").is_file() and not (Path(path) / "kpis.json").exists()


def read_pareto_folder(path: str | Path) -> ParetoTables:
    """pareto.csv (docs/format.md, "symbiosis pareto") with the name and currency of point 0."""
    path = Path(path)
    front = _read_csv(path / "pareto.csv")
    for column in ("point", "total_cost", "co2_t"):
        if column not in front:
            raise InputError(Problem(str(path / "pareto.csv"), f"has no {column} column"))
    check_numeric(front, path / "pareto.csv",
                  [c for c in front.columns if c not in PARETO_TEXT])
    for column in PARETO_TEXT:
        if column in front:
            front[column] = front[column].fillna("").astype(str)
    name, currency = path.name, ""
    first = path / "0" / "kpis.json"
    if first.is_file():
        kpis = _read_json(first)
        name = str(kpis.get("name") or name).removesuffix(" point 0")
        currency = str(kpis.get("currency", ""))
    return ParetoTables(name=name, front=front, currency=currency, folder=path.name)


def front_figure(p: ParetoTables) -> go.Figure:
    """Cost against CO2, each point numbered; hover: the links the step adds and removes
    and its abatement cost."""
    t = p.front
    added = t.get("links_added", pd.Series("", index=t.index))
    removed = t.get("links_removed", pd.Series("", index=t.index))
    mac = t.get("marginal_abatement_cost", pd.Series(float("nan"), index=t.index))
    hover = [f"point {int(r)}<br>cost {readable(c)}<br>CO2 {readable(e)} t"
             + ("" if pd.isna(m) else f"<br>{readable(m)} {text(p.currency)}/t")
             + (f"<br>+ {text(a)}" if a else "") + (f"<br>− {text(d)}" if d else "")
             for r, c, e, m, a, d in zip(t.point, t.total_cost, t.co2_t, mac, added, removed)]
    fig = go.Figure(go.Scatter(x=t.co2_t.tolist(), y=t.total_cost.tolist(),
                               mode="lines+markers+text", text=[str(int(r)) for r in t.point],
                               textposition="top right", hovertext=hover, hoverinfo="text",
                               line=dict(dash="dash", color="#2b6c8f")))
    fig.update_layout(**LAYOUT, title=f"Cost against CO2 ({len(t)} efficient points)",
                      xaxis_title="CO2 (t/yr)",
                      yaxis_title=f"total cost ({text(p.currency)}/yr)", height=460)
    return fig


def pareto_page(p: ParetoTables) -> str:
    """The page of a pareto folder: the front, and the table of its points."""
    t = p.front
    changes = int(sum(len(str(a).split()) + len(str(d).split())
                      for a, d in zip(t.get("links_added", []), t.get("links_removed", []))))
    body = [f"<h1>{html.escape(p.name)}: cost against CO2</h1>",
            f"<p class='sub'>{len(t)} efficient points from the cost optimum (0) to the CO2 "
            f"optimum · {html.escape(p.currency)} per year</p>",
            '<h2 id="front">The front</h2>',
            "<p class='note'>Between two points the front is not known: the dashes only join "
            "them. The abatement cost of a step is the carbon price at which it pays: (its "
            "cost − the previous point's) / (the CO2 it avoids). Links changed along the "
            f"front: <span id='links-changed' data-value='{changes}'>{changes}</span>.</p>",
            _plot(front_figure(p), "front-plot"),
            '<h2 id="points">The points</h2>',
            f"<p class='note'>Each point is a result folder: <code>symbiosis report "
            f"{html.escape(p.folder)}/&lt;point&gt;</code> shows its map and links.</p>",
            html_table(t, PARETO_TABLE, "pareto-table",
                       row_attr=lambda d: ' data-point="' + d.point.astype(int).astype(str)
                       + '"')]
    return _page(f"{p.name}: cost against CO2", "\n".join(body))


def write_pareto_page(p: ParetoTables, out: str | Path) -> Path:
    return write_file(out, pareto_page(p).encode("utf-8"))


def at_risk_figure(table: pd.DataFrame, currency: str, title: str) -> go.Figure:
    """Value at risk per exit (the SHOWN largest): kept and lost of the design's savings."""
    top = table.head(SHOWN)
    firms = text(top.firm_id.astype(str)).tolist()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=firms, y=top.savings_kept.tolist(), name="savings kept",
                         marker_color="#2ca02c"))
    fig.add_trace(go.Bar(x=firms, y=top.value_at_risk.tolist(), name="value at risk",
                         marker_color="#d62728"))
    fig.update_layout(**LAYOUT, title=f"{title} ({text(currency)}/yr)", barmode="stack",
                      height=420)
    return fig


def resilience_section(t: ResultTables) -> str:
    """A partner leaves (a folder of `symbiosis resilience`); nothing for other folders."""
    if "resilience" not in t.other:
        return ""
    k: dict[str, Any] = t.kpis.get("resilience") or {}
    cur = html.escape(t.currency)
    table = _ordered(t.other["resilience"])
    notes = ["Each firm (or set of firms) leaves in turn: <b>savings kept</b> keeps the built "
             "design (no new link, flows re-optimised), <b>re-planned</b> optimises the park "
             "without it; the <b>value at risk</b> is what the park loses if nobody re-plans; "
             "<b>dependants</b> are the firms whose cost rises (docs/format.md, \"symbiosis "
             "resilience\")."]
    exits = k.get("exits")
    if exits:
        from ..analysis.resilience import describe_exits
        notes.append("Tried: " + html.escape(describe_exits(exits)) + ".")
    worst = k.get("worst_exit_savings")
    if worst is not None:
        notes.append(f"Worst exit keeps <span id='worst-exit' data-value='{_value(worst)}'>"
                     f"{_fmt(worst)}</span> of {_fmt(k.get('savings'))} {cur}/yr.")
    cap = k.get("max_dependence")
    if cap:
        notes.append(f"max_dependence {_fmt(cap.get('share'), 2)}: the cap costs "
                     f"<span id='cost-of-cap' data-value='{_value(cap.get('cost_of_cap'))}'>"
                     f"{_fmt(cap.get('cost_of_cap'))}</span> {cur}/yr of savings.")
    parts = ['<h2 id="resilience">If a partner leaves</h2>',
             "".join(f"<p class='note'>{n}</p>" for n in notes),
             _plot(at_risk_figure(table, t.currency, "Savings kept and at risk per exit"),
                   "resilience-plot"),
             html_table(table, RESILIENCE_TABLE, "resilience-table",
                        row_attr=lambda d: ' data-firm="' + d.firm_id.astype(str).map(
                            html.escape) + '"')]
    robust = k.get("robust")
    if robust and "robust_resilience" in t.other:
        exact = "exact" if robust.get("exact") else \
            f"best found, within {_fmt(robust.get('gap'), 4)} of the bound"
        parts += ['<h2 id="robust">The N-1 robust design</h2>',
                  f"<p class='note'>The design whose worst single exit keeps the most ({exact}): "
                  f"worst exit keeps <span id='robust-worst' data-value="
                  f"'{_value(robust.get('worst_exit_savings'))}'>"
                  f"{_fmt(robust.get('worst_exit_savings'))}</span> (the cost optimum's "
                  f"{_fmt(robust.get('cost_optimum_worst_exit_savings'))}); as planned it "
                  f"saves {_fmt(robust.get('savings'))}: robustness costs "
                  f"<span id='cost-of-robustness' data-value="
                  f"'{_value(robust.get('cost_of_robustness'))}'>"
                  f"{_fmt(robust.get('cost_of_robustness'))}</span> {cur}/yr. Standby links "
                  "carry nothing as planned and serve when a partner leaves.</p>"]
        if "robust_links" in t.other:
            parts.append(html_table(t.other["robust_links"], ROBUST_LINKS,
                                    "robust-links-table"))
        parts.append(html_table(_ordered(t.other["robust_resilience"]), RESILIENCE_TABLE,
                                "robust-resilience-table"))
    return "\n".join(parts)


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in ("dependants", "name", "firm_id"):
        if column in table:
            table[column] = table[column].fillna("").astype(str)
    return table.sort_values(["value_at_risk", "firm_id"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)
