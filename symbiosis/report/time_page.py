"""The report page of a `symbiosis time` folder: KPIs for the year or the horizon, build years
as a Gantt-like chart (one bar per link, from its build year through its years in use), the
year-by-year table, the states and the volume scenarios with VSS and EVPI.

Every text from the files is escaped (html_table's cells, `figures.text` in plotly labels);
each number sits in a cell with data-col and data-value, or an element with an id, for tests.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from ..outputs import check_numeric, marker_kind, write_file
from .figures import LAYOUT, text
from .folder import _read_csv, _read_json
from .page import Column, _fmt, _page, _plot, _value, html_table

TIME_KIND = "time"  # the folder marker of `symbiosis time` (timeline/folder.py)
YEARS_TABLE: list[Column] = [
    ("year", "year", 0), ("cost", "cost", 0), ("baseline_cost", "baseline", 0),
    ("savings", "savings", 0), ("co2_t", "CO2 t", 1), ("links_in_use", "links in use", 0),
    ("links_built", "built", 0), ("discount", "discount", 4)]
STATES_TABLE: list[Column] = [
    ("state", "state", None), ("period", "period", None), ("scenario", "scenario", None),
    ("weight", "weight", 4), ("operating_cost", "operating cost /yr", 0),
    ("baseline_cost", "baseline /yr", 0), ("co2_t", "CO2 t/yr", 1),
    ("links_in_use", "links in use", 0)]
SCENARIOS_TABLE: list[Column] = [
    ("scenario", "scenario", None), ("probability", "probability", 4), ("cost", "cost", 0),
    ("baseline_cost", "baseline", 0), ("savings", "savings", 0), ("co2_t", "CO2 t", 1)]
LINKS_TABLE: list[Column] = [
    ("link_id", "link", None), ("from_firm", "from", None), ("to_firm", "to", None),
    ("from_resource", "resource", None), ("mode", "mode", None), ("flow", "flow /yr", 1),
    ("build_year", "build year", 0), ("years_in_use", "years in use", 0)]
TEXT = ("link_id", "from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
        "to_resource", "mode", "state", "period", "scenario")


@dataclass
class TimeTables:
    name: str
    kpis: dict
    links: pd.DataFrame
    states: pd.DataFrame
    years: pd.DataFrame
    scenarios: pd.DataFrame


def is_time_folder(path: Path) -> bool:
    return Path(path).is_dir() and marker_kind(Path(path)) == TIME_KIND


def _table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    t = _read_csv(path)
    for c in TEXT:
        if c in t:
            t[c] = t[c].fillna("").astype(str)
    check_numeric(t, path, [c for c in t.columns if c not in TEXT])
    return t


def read_time_folder(path: str | Path) -> TimeTables:
    path = Path(path)
    kpis = _read_json(path / "kpis.json")
    return TimeTables(str(kpis.get("name") or path.name), kpis, _table(path / "links.csv"),
                      _table(path / "states.csv"), _table(path / "years.csv"),
                      _table(path / "scenarios.csv"))


def build_years_figure(t: TimeTables) -> go.Figure:
    """One bar per link built, from its build year over its years in use (Gantt-like)."""
    links = t.links.sort_values(["build_year", "link_id"], kind="stable")
    labels = text(links.link_id.astype(str)).tolist()
    fig = go.Figure(go.Bar(
        y=labels, x=links.years_in_use.tolist(), base=(links.build_year - 0.5).tolist(),
        orientation="h", marker_color="#2b6c8f",
        hovertext=[f"{lab}<br>built {int(b)}, in use {int(n)} years"
                   for lab, b, n in zip(labels, links.build_year, links.years_in_use)],
        hoverinfo="text"))
    fig.update_layout(**LAYOUT, title="Links by build year", xaxis_title="year",
                      height=max(300, 22 * len(links) + 120), yaxis_autorange="reversed")
    return fig


def time_page(t: TimeTables) -> str:
    k = t.kpis
    info = k.get("time") or {}
    years = info.get("years") or []
    span = f"over {years[0]}–{years[-1]}, discounted" if years else "for the year"
    body = [f"<h1>{html.escape(t.name)}: time</h1>",
            f"<p class='sub'>{info.get('states')} operating states ({info.get('periods')} "
            f"periods, {info.get('scenarios')} scenarios{', ' + str(len(years)) + ' years' if years else ''})"
            f" · status {html.escape(str(k.get('status')))} · gap "
            f"<span id='mip-gap' data-value='{_value(k.get('mip_gap'))}'>"
            f"{_fmt(k.get('mip_gap'), 4)}</span></p>",
            f"<p class='note'>Cost {span}: <span id='total-cost' data-value="
            f"'{_value(k.get('total_cost'))}'>{_fmt(k.get('total_cost'))}</span>, baseline "
            f"{_fmt(k.get('baseline_cost'))}, savings <span id='savings' data-value="
            f"'{_value(k.get('savings'))}'>{_fmt(k.get('savings'))}</span>; links built "
            f"<span id='links-built' data-value='{_value(k.get('links_built'))}'>"
            f"{_fmt(k.get('links_built'))}</span>.</p>"]
    s = k.get("stochastic")
    if s:
        body.append(
            "<h2 id='stochastic'>Uncertain volumes</h2><p class='note'>Expected cost of the "
            f"two-stage design {_fmt(s.get('expected_cost'))}; of the mean-volume design "
            f"{_fmt(s.get('mean_value_design_expected_cost'))}: the value of the stochastic "
            f"solution is <span id='vss' data-value='{_value(s.get('vss'))}'>"
            f"{_fmt(s.get('vss'))}</span>; with perfect information "
            f"{_fmt(s.get('wait_and_see_cost'))}: its expected value is <span id='evpi' "
            f"data-value='{_value(s.get('evpi'))}'>{_fmt(s.get('evpi'))}</span> "
            f"(largest gap of the solves {_fmt(s.get('largest_gap'), 4)}).</p>")
    if len(t.scenarios):
        body.append(html_table(t.scenarios, SCENARIOS_TABLE, "scenarios-table"))
    if years and len(t.links):
        body += ["<h2 id='build-years'>Build years</h2>",
                 _plot(build_years_figure(t), "build-years-plot")]
    if len(t.years):
        body += ["<h2 id='years'>Year by year</h2>",
                 html_table(t.years, YEARS_TABLE, "years-table")]
    if len(t.links):
        body += ["<h2 id='links'>Links</h2>", html_table(t.links, LINKS_TABLE, "links-table")]
    if len(t.states):
        body += ["<h2 id='states'>Operating states</h2>",
                 html_table(t.states, STATES_TABLE, "states-table")]
    return _page(f"{t.name}: time", "\n".join(body))


def write_time_page(t: TimeTables, out: str | Path) -> Path:
    return write_file(out, time_page(t).encode("utf-8"))
