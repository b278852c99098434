"""The report page of a `symbiosis time` folder: KPIs for the year or the horizon, build years
as a Gantt-like chart (one bar per link and per shared facility built, from its build year
through its years in use), the year-by-year table, the links, the shared facilities (build
year, size, use in each state), the states and the volume scenarios with VSS and EVPI.

Every text from the files is escaped (html_table's cells, `figures.text` in plotly labels);
each number sits in a cell with data-col and data-value, or an element with an id, for tests.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from ..outputs import check_numeric, marker_kind, write_file
from .figures import LAYOUT, text
from .folder import _read_csv, _read_json
from .page import Column, _fmt, _page, _plot, _value, html_table

TIME_KIND = "time"  # the folder marker of `symbiosis time` (timeline/folder.py)
YEARS_TABLE: list[Column] = [
    ("year", "year", None), ("cost", "cost", 0), ("baseline_cost", "baseline", 0),
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
    ("build_year", "build year", None), ("years_in_use", "years in use", 0)]
FACILITIES_TABLE: list[Column] = [
    ("facility_id", "facility", None), ("name", "name", None), ("built", "built", None),
    ("build_year", "build year", None), ("years_in_use", "years in use", 0),
    ("size", "size", -1), ("capacity", "capacity", -1), ("peak_input", "peak input", -1),
    ("input", "input /yr", -1), ("fixed_cost", "fixed cost /yr", 0),
    ("annualised_capex", "annualised capex /yr", 0)]
FACILITY_STATES_TABLE: list[Column] = [
    ("facility_id", "facility", None), ("state", "state", None), ("input", "input /yr", -1),
    ("output", "output /yr", -1), ("output_disposed", "disposed /yr", -1),
    ("utilisation", "utilisation", 2)]
TEXT = ("link_id", "from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
        "to_resource", "mode", "state", "period", "scenario", "facility_id", "name", "built")
YEARS = ("year", "build_year")  # shown as written (2027, not 2,027)
LINK_COLOUR, FACILITY_COLOUR = "#2b6c8f", "#b5651d"


@dataclass
class TimeTables:
    name: str
    kpis: dict
    links: pd.DataFrame
    states: pd.DataFrame
    years: pd.DataFrame
    scenarios: pd.DataFrame
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)  # facilities.csv
    facility_states: pd.DataFrame = field(default_factory=pd.DataFrame)


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
                      _table(path / "scenarios.csv"), _table(path / "facilities.csv"),
                      _table(path / "facility_states.csv"))


def _years_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Year columns as text without a thousands separator (blank: none); data-value keeps
    the number, so the columns still sort by year."""
    out = frame.copy()
    for c in YEARS:
        if c in out:
            out[c] = [None if pd.isna(v) else str(int(v)) for v in out[c]]
    return out


def _is_built(built: pd.Series) -> pd.Series:
    """facilities.csv's `built` (True/False, read back as text)."""
    return built.astype(str).str.strip().str.lower().isin(["true", "1", "1.0"])


def _built_facilities(t: TimeTables) -> pd.DataFrame:
    """The facilities built, with a build year (a horizon): the Gantt's other bars."""
    f = t.facilities
    if not len(f) or "build_year" not in f:
        return f.iloc[0:0]
    return f[_is_built(f.built) & f.build_year.notna()]


def _by_build_year(rows: pd.DataFrame, ids: str) -> pd.DataFrame:
    return rows.sort_values(["build_year", ids], kind="stable") if len(rows) else rows


def build_years_figure(t: TimeTables) -> go.Figure:
    """One bar per link and per shared facility built, from its build year over its years in
    use (Gantt-like); facilities in their own colour, named "(facility)"."""
    links = _by_build_year(t.links, "link_id")
    plants = _by_build_year(_built_facilities(t), "facility_id")
    fig = go.Figure()
    for rows, ids, what, colour in ((links, "link_id", "", LINK_COLOUR),
                                    (plants, "facility_id", " (facility)", FACILITY_COLOUR)):
        if not len(rows):
            continue
        labels = (text(rows[ids].astype(str)) + what).tolist()
        fig.add_trace(go.Bar(
            y=labels, x=rows.years_in_use.tolist(), base=(rows.build_year - 0.5).tolist(),
            orientation="h", marker_color=colour, name="facilities" if what else "links",
            hovertext=[f"{lab}<br>built {int(b)}, in use {int(n)} years"
                       for lab, b, n in zip(labels, rows.build_year, rows.years_in_use)],
            hoverinfo="text"))
    title = "Links and facilities by build year" if len(plants) else "Links by build year"
    fig.update_layout(**LAYOUT, title=title, xaxis_title="year", barmode="overlay",
                      showlegend=bool(len(plants)),
                      height=max(300, 22 * (len(links) + len(plants)) + 120),
                      yaxis_autorange="reversed")
    return fig


def _facilities_section(t: TimeTables) -> list[str]:
    """The shared facilities (facilities.csv, facility_states.csv): built or not, build year,
    size against capacity and the use in each state; nothing for a model without them."""
    f = t.facilities
    if not len(f):
        return []
    built = _is_built(f.built)
    shown = f.assign(built=built.map({True: "yes", False: "no"})) \
        .sort_values("facility_id", kind="stable")
    out = [f"<h2 id='facilities'>Shared facilities (<span id='facilities-built' "
           f"data-value='{int(built.sum())}'>{int(built.sum())}</span> of {len(f)} built)</h2>",
           "<p class='note'>A plant is built once, sized for its busiest state, and stays in "
           "use to the horizon's end; size, capacity and input in the unit of what it takes, "
           "a year.</p>", html_table(_years_as_text(shown), FACILITIES_TABLE, "facilities-table")]
    if len(t.facility_states):
        order = pd.Index(t.states.state) if "state" in t.states else pd.Index([])
        use = t.facility_states.assign(
            _at=order.get_indexer(t.facility_states.state)).sort_values(
            ["facility_id", "_at"], kind="stable")
        out += ["<h3 id='facility-use'>Use in each state</h3>",
                html_table(use, FACILITY_STATES_TABLE, "facility-states-table")]
    return out


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
    if years and (len(t.links) or len(_built_facilities(t))):
        body += ["<h2 id='build-years'>Build years</h2>",
                 _plot(build_years_figure(t), "build-years-plot")]
    if len(t.years):
        body += ["<h2 id='years'>Year by year</h2>",
                 html_table(_years_as_text(t.years), YEARS_TABLE, "years-table")]
    if len(t.links):
        body += ["<h2 id='links'>Links</h2>",
                 html_table(_years_as_text(t.links), LINKS_TABLE, "links-table")]
    body += _facilities_section(t)
    if len(t.states):
        body += ["<h2 id='states'>Operating states</h2>",
                 html_table(t.states, STATES_TABLE, "states-table")]
    return _page(f"{t.name}: time", "\n".join(body))


def write_time_page(t: TimeTables, out: str | Path) -> Path:
    return write_file(out, time_page(t).encode("utf-8"))
