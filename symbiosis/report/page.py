"""The report page: one self-contained HTML file (plotly.js, data and scripts inlined).

Every number a test may check sits in an element with a stable id or data attribute, its raw
value in `data-value` (Python's shortest round-trip repr): KPI cards carry `data-kpi`, table
cells `data-col`, link rows `data-link`. Plot divs have fixed ids, so the same folder gives
the same bytes.
"""
from __future__ import annotations

import html
import math
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from ..outputs import write_file
from .figures import (breakdown_figure, categories, composite_figure, map_figure, readable,
                      sankey_figure, shares_figure, sweep_figures)
from .folder import ResultTables, SweepTables, resource_kpis

PLOT_CONFIG = {"displaylogo": False, "responsive": True}
# (kpi key, label, unit or None for currency, digits)
KPI_CARDS = [("savings", "Savings", None, 0),
             ("savings_within_firms", "Savings within firms", None, 0),  # firms alone
             ("savings_between_firms", "Savings between firms", None, 0),  # what links add
             ("total_cost", "Total cost", None, 0),
             ("co2_avoided_t", "CO2 avoided", "t/yr", 1), ("co2_t", "CO2", "t/yr", 1),
             ("links_built", "Links built", "", 0),
             ("annualised_capex", "Annualised capex", None, 0)]
BASELINE_OF = {"total_cost": "baseline_cost", "co2_t": "baseline_co2_t",
               "savings": "baseline_cost", "co2_avoided_t": "baseline_co2_t"}
# derived KPIs: (name, label, resource category, kpis.json amount summed over its resources)
RECOVERED = [("waste_diverted", "Waste diverted", "material", "exchanged"),
             ("water_recovered", "Water recovered", "water", "delivered"),
             ("heat_recovered", "Heat recovered", "heat", "delivered")]

SORT_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var i = th.cellIndex;  // the column within its own table
    var table = th.closest("table"), body = table.tBodies[0];
    var dir = th.dataset.dir === "desc" ? "asc" : "desc";
    table.querySelectorAll("th").forEach(function (h) { delete h.dataset.dir; });
    th.dataset.dir = dir;
    function key(row) {
      var c = row.cells[i], v = c.dataset.value;
      return (v !== undefined && v !== "" && !isNaN(+v)) ? +v : c.textContent;
    }
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var c = (typeof x === "number" && typeof y === "number") ? x - y
        : String(x).localeCompare(String(y));
      return dir === "asc" ? c : -c;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
"""

CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:0 auto;max-width:1200px;padding:0 16px 40px;
color:#222}
h1{margin:18px 0 4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 12px}.note{color:#666;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:160px;background:#fafafa}
.card .label{font-size:12px;color:#666}.card .value{font-size:22px;font-weight:bold}
.card .base{font-size:12px;color:#666}
table{border-collapse:collapse;font-size:12px;width:100%}
th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left}
td.num,th.num{text-align:right}th{background:#f3f3f3;position:sticky;top:0}
table.sortable th{cursor:pointer}th[data-dir=asc]::after{content:" ▲"}
th[data-dir=desc]::after{content:" ▼"}
.scroll{max-height:520px;overflow:auto}
.reason{display:inline-block;border-radius:3px;padding:0 4px;background:#eef}
.alert{background:#fdecea;color:#b71c1c;border:2px solid #d32f2f;border-radius:6px;
padding:10px 14px;font-weight:bold;font-size:15px}
"""
SOLVED = ("optimal", "feasible")


def _value(v: Any) -> str:
    """The raw value for data-value: shortest round-trip repr, '' when missing."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool,)) or not isinstance(v, (int, float)):
        return html.escape(str(v))
    return repr(float(v)) if isinstance(v, float) else str(int(v))


def _fmt(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (int, float)):
        if digits < 0:  # quantities: enough digits to read
            a = abs(v)
            digits = 0 if a >= 100 or a == 0 else 1 if a >= 10 else 2 if a >= 0.1 else 4
        return f"{v:,.{digits}f}"
    return html.escape(str(v))


# (column, header, digits: None = text, -1 = adaptive)
Column = tuple[str, str, "int | None"]


def html_table(table: pd.DataFrame, columns: list[Column], table_id: str,
               row_attr: Callable[[pd.DataFrame], pd.Series] | None = None,
               sortable: bool = True) -> str:
    """A table whose every cell has data-col and data-value; built column by column."""
    head = "".join(f'<th class="{"txt" if d is None else "num"}" data-col="{html.escape(c)}">'
                   f"{html.escape(h)}</th>" for c, h, d in columns)
    cells = pd.Series("", index=table.index)
    for column, _, digits in columns:
        values = table[column] if column in table else pd.Series(None, index=table.index)
        cls = "txt" if digits is None else "num"
        cells += (f'<td class="{cls}" data-col="{html.escape(column)}" data-value="'
                  + values.map(_value) + '">'
                  + values.map(lambda v: _fmt(v, digits or 0)) + "</td>")
    attrs = row_attr(table) if row_attr is not None else pd.Series("", index=table.index)
    rows = "".join("<tr" + attrs + ">" + cells + "</tr>\n")
    cls = ' class="sortable"' if sortable else ""
    return (f'<div class="scroll"><table id="{table_id}"{cls}><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{rows}</tbody></table></div>")


def _plot(fig, div_id: str) -> str:
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, include_mathjax=False,
                       div_id=div_id, config=PLOT_CONFIG)


def _kpi_cards(t: ResultTables) -> str:
    k, cur = t.kpis, html.escape(t.currency)
    cards = []
    for key, label, unit, digits in KPI_CARDS:
        if key.endswith("_firms") and key not in k:  # a folder from before the split
            continue
        value = k.get(key)
        base = BASELINE_OF.get(key)
        extra = ""
        if base and k.get(base) not in (None, 0) and value is not None:
            share = value / k[base]
            extra = (f'<div class="base">baseline {_fmt(k[base], digits)}; '
                     f"{share:.1%} of it</div>")
        cards.append(f'<div class="card"><div class="label">{label}</div>'
                     f'<div class="value" data-kpi="{key}" data-value="{_value(value)}">'
                     f'{_fmt(value, digits)} <small>{cur if unit is None else unit}</small>'
                     f"</div>{extra}</div>")
    res = resource_kpis(t)
    for name, label, category, amount in RECOVERED:
        rows = res[res.category == category] if "category" in res else res.iloc[0:0]
        if rows.empty or amount not in rows:
            continue
        for unit, total in rows.groupby("unit", sort=True)[amount].sum().items():
            supply = rows.loc[rows.unit == unit, "supply"].sum()
            cards.append(f'<div class="card"><div class="label">{label}</div>'
                         f'<div class="value" data-kpi="{name}" data-unit="{html.escape(unit)}"'
                         f' data-value="{_value(float(total))}">{_fmt(float(total), 0)} '
                         f"<small>{html.escape(unit)}/yr</small></div>"
                         f'<div class="base">of {_fmt(float(supply), 0)} supplied</div></div>')
    return '<div class="cards" id="kpi-cards">' + "".join(cards) + "</div>"


FIRM_COLUMNS: list[Column] = [
    ("firm_id", "firm", None), ("name", "name", None), ("park", "park", None),
    ("sector", "sector", None), ("savings", "savings", 0), ("baseline_cost", "baseline cost", 0),
    ("cost", "cost", 0), ("co2_avoided_t", "CO2 avoided (t)", 1), ("co2_t", "CO2 (t)", 1),
    ("links", "links", 0)]
LINK_COLUMNS: list[Column] = [
    ("from_firm", "from", None), ("to_firm", "to", None), ("from_resource", "resource", None),
    ("to_resource", "delivered as", None), ("flow", "flow", -1), ("delivered", "delivered", -1),
    ("distance_km", "km", 2), ("mode", "mode", None), ("annual_cost", "annual cost", 0),
    ("co2_t", "CO2 (t)", 2), ("from_stream", "from stream", None),
    ("to_stream", "to stream", None)]
WHY_NOT_COLUMNS: list[Column] = [
    ("from_firm", "from", None), ("from_stream", "from stream", None), ("to_firm", "to", None),
    ("to_stream", "to stream", None), ("from_resource", "resource", None),
    ("to_resource", "for", None), ("distance_km", "km", 2), ("capacity", "capacity", -1),
    ("potential_value", "potential value /yr", 0), ("link_cost", "link cost /yr", 0),
    ("reason", "reason", None), ("detail", "detail", None)]
OBJECTIVE_COLUMNS: list[Column] = [
    ("term", "term", None), ("baseline_cost", "baseline", 0), ("cost", "with links", 0),
    ("baseline_co2_t", "baseline CO2 (t)", 1), ("co2_t", "CO2 (t)", 1)]


EXPONENT = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])")


def plain_numbers(sentence: object) -> object:
    """Numbers written in exponent form (older folders say `3e+04 km`) as a planner reads
    them (`30,000 km`)."""
    if not isinstance(sentence, str):
        return sentence
    return EXPONENT.sub(lambda m: readable(float(m.group())), sentence)


def _why_not_section(t: ResultTables) -> str:
    if t.why_not is None:
        return ('<p class="note" id="why-not-missing">This result folder has no why_not.csv '
                "(written by symbiosis from version 0.1 with the report): run the scenario "
                "again to see why pairs were not linked.</p>")
    counts = t.why_not.reason.value_counts().sort_index()
    summary = ", ".join(f'<span class="reason" data-reason="{html.escape(r)}" data-value="{n}">'
                        f"{html.escape(r)}: {n}</span>" for r, n in counts.items())
    return (f'<p class="note">The {len(t.why_not)} most valuable compatible supply–demand pairs '
            "that were not linked. Potential value: what the pair would earn a year as the "
            "only link, at its capacity, before its fixed cost and capex (link cost). "
            f"Reasons: {summary or 'none'}.</p>"
            + html_table(t.why_not.assign(detail=t.why_not.detail.map(plain_numbers))
                         if "detail" in t.why_not else t.why_not,
                         WHY_NOT_COLUMNS, "why-not-table"))


# (kpis.json heat key, label, its baseline key or None)
HEAT_CARDS = [("hot_utility", "Hot utility (heat bought)", "baseline_hot_utility"),
              ("cold_utility", "Cold utility (heat cooled away)", "baseline_cold_utility"),
              ("recovered_within_firms", "Recovered within firms", None),
              ("recovered_between_firms", "Recovered between firms", None),
              ("pumped", "Delivered by heat pumps", None),
              ("fuel_substituted", "From fuel by-products", None),
              ("lost_in_pipes", "Lost in pipes", None)]
HEAT_FIRM_COLUMNS: list[Column] = [
    ("firm_id", "firm", None), ("name", "name", None),
    ("baseline_hot_utility", "hot utility, baseline", -1), ("hot_utility", "hot utility", -1),
    ("baseline_cold_utility", "cold utility, baseline", -1),
    ("cold_utility", "cold utility", -1), ("heat_recovered_within", "recovered within", -1),
    ("heat_received_between", "received from others", -1),
    ("heat_given_between", "given to others", -1), ("heat_pumped", "heat pumped", -1)]
HEAT_PUMP_COLUMNS: list[Column] = [
    ("pump", "pump", None), ("firm_id", "firm", None), ("from_stream", "source stream", None),
    ("to_stream", "sink stream", None), ("heat_delivered", "heat delivered", -1),
    ("heat_from_source", "from the source", -1), ("electricity", "electricity", -1),
    ("cop", "COP", 2), ("capacity_kw", "capacity (kW)", -1), ("annual_cost", "annual cost", 0)]
UTILITY_COLUMNS: list[Column] = [("utility", "utility", None), ("kind", "kind", None),
                                 ("resource", "resource", None), ("heat", "heat", -1)]


def _card(key: str, label: str, value: Any, unit: str, extra: str = "") -> str:
    return (f'<div class="card"><div class="label">{html.escape(label)}</div>'
            f'<div class="value" data-kpi="{html.escape(key)}" data-value="{_value(value)}">'
            f"{_fmt(value, -1)} <small>{unit}</small></div>{extra}</div>")


def _heat_section(t: ResultTables) -> str:
    """Heat before and after (utilities), where it was recovered, heat pumps, utility levels
    and the park's composite curves; empty when the result has no heat streams."""
    heat = t.kpis.get("heat")
    if not isinstance(heat, dict):
        return ""
    unit = html.escape(str(heat.get("unit", "")))
    cards = []
    for key, label, base in HEAT_CARDS:
        if key not in heat:
            continue
        extra = ""
        if base and base in heat:
            extra = (f'<div class="base">baseline <span data-kpi="heat.{base}" data-value="'
                     f'{_value(heat[base])}">{_fmt(heat[base], -1)}</span> {unit}</div>')
        if key == "pumped" and heat.get("heat_pumps_built"):
            extra = (f'<div class="base">{int(heat["heat_pumps_built"])} heat pump(s), '
                     f'{_fmt(heat.get("pump_electricity"), -1)} {unit} of electricity</div>')
        cards.append(_card(f"heat.{key}", label, heat[key], unit, extra))
    dt = heat.get("min_approach_c")
    if dt is None and "heat_transfers" in t.other and "approach_c" in t.other["heat_transfers"] \
            and len(t.other["heat_transfers"]):
        dt = float(t.other["heat_transfers"].approach_c.min())  # folders before min_approach_c
    figure, target = composite_figure(t, float(dt)) if dt is not None else (None, None)
    if target is not None:
        cards.append(_card("heat.target_hot_utility", "Target hot utility (pinch)",
                           target.hot_utility, unit,
                           '<div class="base">every firm linked, links free</div>'))
        cards.append(_card("heat.target_cold_utility", "Target cold utility (pinch)",
                           target.cold_utility, unit))
    parts = ['<h2 id="heat-section">Heat</h2>',
             '<p class="note">Hot utility is heat bought (boilers, steam), cold utility heat '
             "cooled away (cooling towers, fans), a year, before (no links) and with this "
             "design. The targets are what the problem table allows the whole park at the "
             "model's ΔTmin with every firm linked and links free: the design's hot utility "
             "can come close to it, never below.</p>",
             '<div class="cards" id="heat-cards">' + "".join(cards) + "</div>"]
    if figure is not None:
        parts.append(_plot(figure, "composite-plot"))
    elif dt is not None:
        parts.append('<p class="note" id="composite-missing">No composite curves: this folder\'s '
                     "streams.csv has no heat temperatures (t_in, t_out); run again.</p>")
    utilities = heat.get("utilities")
    if isinstance(utilities, dict) and utilities:
        table = pd.DataFrame([{"utility": name, **(row if isinstance(row, dict) else {})}
                              for name, row in utilities.items()])
        parts += ["<h3>Utility levels</h3>",
                  html_table(table, UTILITY_COLUMNS, "utility-table", sortable=False)]
    pumps = t.other.get("heat_pumps")
    if pumps is not None and len(pumps):
        parts += [f"<h3>Heat pumps built ({len(pumps)})</h3>",
                  html_table(pumps, HEAT_PUMP_COLUMNS, "heat-pump-table")]
    if "hot_utility" in t.firms:
        firms = t.firms[t.firms.baseline_hot_utility.fillna(0)
                        + t.firms.baseline_cold_utility.fillna(0) > 0]
        parts += ["<h3>Heat by firm</h3>",
                  html_table(firms.sort_values("firm_id"), HEAT_FIRM_COLUMNS, "heat-firm-table")]
    return "\n".join(parts)


def _no_solution_banner(t: ResultTables) -> str:
    status = str(t.kpis.get("status"))
    if status in SOLVED:
        return ""
    return (f'<p class="alert" id="no-solution">No solution: the solver ended with status '
            f"{html.escape(status)}. No design was found, so there are no links and no savings "
            "below; what the page shows is the baseline and why pairs could not be linked."
            "</p>")


def _sankey_section(t: ResultTables) -> str:
    """One Sankey per category: units differ, and water's m3 would dwarf tonnes and MWh."""
    found = categories(t)
    if not found:
        return '<p class="note" id="sankey-none">No link was built: nothing flows.</p>'
    return "\n".join(_plot(sankey_figure(t, category), f"sankey-{category}-plot")
                     for category in found)


FACILITY_COLUMNS: list[Column] = [
    ("facility_id", "facility", None), ("name", "name", None), ("built", "built", None),
    ("inputs", "takes", None), ("outputs", "makes", None), ("size", "size", -1),
    ("capacity", "capacity", -1), ("utilisation", "utilisation", 2),
    ("output_delivered", "delivered", -1), ("output_disposed", "disposed", -1),
    ("annual_cost", "annual cost", 0), ("annualised_capex", "annualised capex", 0),
    ("co2_t", "CO2 t", 1)]


def _facilities_section(t: ResultTables) -> str:
    """The candidate facilities (a model with facilities.csv; docs/format.md, "Facilities"):
    built or not, size against capacity, what each makes and costs; nothing otherwise."""
    plants = t.other.get("facilities")
    if plants is None or not len(plants):
        return ""
    built = plants.built.astype(str).str.lower().isin(["true", "1", "1.0"])
    return (f'<h2 id="facilities">Facilities ({int(built.sum())} of {len(plants)} built)</h2>'
            "<p class='note'>Shared plants the park may build. A plant's annual cost is its "
            "processing, surplus disposal, fixed cost and annualised capex (its economies of "
            "scale by segments: kpis.json states how much they may under-estimate); why-not "
            "gives the reason a plant is not built.</p>"
            + html_table(plants.sort_values("facility_id"), FACILITY_COLUMNS, "facility-table"))


SHARE_COLUMNS: list[Column] = [
    ("firm_id", "firm", None), ("name", "name", None), ("standalone_cost", "standalone cost", 0),
    ("cost_before_transfers", "cost before transfers", 0), ("transfers_in", "received", 0),
    ("transfers_out", "paid", 0), ("cost_after_transfers", "cost after transfers", 0),
    ("gain", "gain", 0), ("shapley_gain", "Shapley gain", 0),
    ("shapley_stderr", "Shapley std. error", 0), ("nucleolus_gain", "nucleolus gain", 0)]


def _shares_section(t: ResultTables) -> str:
    """Who gains and who pays (a folder of `symbiosis share`); nothing for other folders."""
    if "shares" not in t.other:
        return ""
    shares = t.other["shares"].sort_values(["gain", "firm_id"], ascending=[False, True])
    k = t.kpis.get("sharing") or {}
    cur = html.escape(t.currency)
    rule = html.escape(str(k.get("rule", shares.rule.iloc[0] if len(shares) else "")))
    notes = [f"Rule <b>{rule}</b>: each firm's gain is its standalone cost (no links) minus "
             "its cost after the payments over its links (a link's costs are its receiver's; "
             "docs/format.md, \"symbiosis share\")."]
    fairness = k.get("cost_of_fairness")
    if fairness is not None:
        notes.append(f"Cost of fairness: <span id='cost-of-fairness' data-value="
                     f"'{_value(fairness)}'>{_fmt(fairness)}</span> {cur}/yr "
                     "(the savings given up so that no firm is worse off).")
    core = k.get("core") or {}
    if "in_core" in core:
        notes.append("Core check: " + ("<span id='core-check'>stable</span>: no coalition "
                                       "of firms would gain by leaving." if core["in_core"]
                                       else "<span id='core-check'>not stable</span>: a "
                                       "coalition would gain up to "
                                       f"{_fmt(core.get('max_excess'))} {cur}/yr by leaving."))
    note = "".join(f"<p class='note'>{n}</p>" for n in notes)
    return ('<h2 id="who-gains">Who gains</h2>' + note
            + _plot(shares_figure(t), "shares-plot")
            + html_table(shares, SHARE_COLUMNS, "share-table"))


def result_page(t: ResultTables, sections: tuple[str, ...] = ()) -> str:
    """The whole page for one result; `sections`: analyses' HTML after "Who gains"
    (report/analyses.py)."""
    k = t.kpis
    gap = f", gap {k['mip_gap']:.2%}" if k.get("mip_gap") else ""
    sub = (f"{html.escape(str(k.get('model', '')))} · status {html.escape(str(k.get('status')))}"
           f"{gap} · {html.escape(t.currency)} per year")
    links_attr = (lambda d: ' data-link="' + (d.from_stream + "->" + d.to_stream).map(html.escape)
                  + '"')
    firms = t.firms.sort_values(["savings", "firm_id"], ascending=[False, True])
    objective = t.objective.reset_index()
    body = [
        f"<h1>{html.escape(t.name)}</h1>", _no_solution_banner(t), f"<p class='sub'>{sub}</p>",
        '<h2 id="kpis">Against the baseline (no links)</h2>', _kpi_cards(t),
        '<h2 id="objective">The objective, term by term</h2>',
        _plot(breakdown_figure(t), "breakdown-plot"),
        html_table(objective, OBJECTIVE_COLUMNS, "objective-table", sortable=False),
        '<h2 id="map">Map</h2><p class="note">Firms coloured by sector, shaped by park; links '
        "coloured by resource, wider for more flow (relative to that resource's largest "
        "link). Hover for details.</p>", _plot(map_figure(t), "map-plot"),
        '<h2 id="sankey">What flows</h2>', _sankey_section(t), _heat_section(t),
        _facilities_section(t), _shares_section(t), *sections,
        '<h2 id="firms">Firms</h2><p class="note">Click a heading to sort. A link\'s cost and '
        "CO2 are split equally between its two firms.</p>",
        html_table(firms, FIRM_COLUMNS, "firm-table"),
        f'<h2 id="links">Built links ({len(t.links)})</h2>',
        html_table(t.links, LINK_COLUMNS, "link-table", row_attr=links_attr),
        '<h2 id="why-not">Why not?</h2>', _why_not_section(t),
    ]
    return _page(t.name, "\n".join(body))


def sweep_page(s: SweepTables) -> str:
    """A sweep: the comparison table with deltas against the base variant, and charts.

    Every summary column is shown: numbers as numbers, text (an axis of firm lists, an error's
    reason) as text; `input_hash` is left out (it tells a program, not a planner, anything).
    """
    table = s.summary.copy()
    numeric = [c for c in table.columns if c not in ("variant", "status")
               and pd.api.types.is_numeric_dtype(table[c])]
    texts = [c for c in table.columns if c not in ("variant", "status", "input_hash", *numeric)]
    kpi_like = [c for c in ("savings", "total_cost", "co2_t", "co2_avoided_t", "links_built",
                            "annualised_capex") if c in numeric]
    base = table[table.variant == s.base]
    for c in kpi_like:
        table[f"delta_{c}"] = table[c] - (base[c].iloc[0] if len(base) else float("nan"))
    columns: list[Column] = [("variant", "variant", None), ("status", "status", None)]
    columns += [(c, c, None) for c in texts]
    columns += [(c, c, 1 if c.endswith("_t") else 0 if c in kpi_like else -1) for c in numeric]
    columns += [(f"delta_{c}", f"Δ {c}", 1 if c.endswith("_t") else 0) for c in kpi_like]
    row_attr = (lambda d: ' data-variant="' + d.variant.map(html.escape) + '"')
    body = [f"<h1>{html.escape(s.name)}</h1>",
            f"<p class='sub'>A sweep of {len(table)} variants; deltas against "
            f"<b>{html.escape(s.base)}</b> · {html.escape(s.currency)} per year</p>",
            '<h2 id="comparison">Comparison</h2>',
            html_table(table, columns, "sweep-table", row_attr=row_attr)]
    for column, fig in sweep_figures(s):
        body.append(_plot(fig, f"sweep-{column.replace('_', '-')}-plot"))
    return _page(s.name, "\n".join(body))


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title>"
            f"<style>{CSS}</style>\n<script type=\"text/javascript\">{get_plotlyjs()}</script>"
            f"</head><body>\n{body}\n<p class='note'>Made by symbiosis "
            f"{version('symbiosis')} from the result files alone; the page needs no network."
            f"</p>\n<script>{SORT_JS}</script></body></html>\n")


def write_page(tables: ResultTables | SweepTables, out: str | Path,
               sections: tuple[str, ...] = ()) -> Path:
    """Render and write the page atomically."""
    text = sweep_page(tables) if isinstance(tables, SweepTables) else \
        result_page(tables, sections)
    return write_file(out, text.encode("utf-8"))
