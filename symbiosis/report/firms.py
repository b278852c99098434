"""Firms before and after, for green certification: the report's section over every firm,
and the one-firm printable page a supplier hands to its customer's auditor
(`symbiosis report OUT --firm F07`). Both read firms_esg.csv (docs/format.md,
"firms_esg.csv") and links.csv of the folder, nothing else; every text is escaped.
"""
from __future__ import annotations

import html
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..outputs import write_file
from .folder import ResultTables
from .page import CSS, Column, _fmt, _value, html_table

ESG = "firms_esg"
PRINT_CSS = """
@page{size:A4;margin:14mm}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}
table,.cards{break-inside:avoid}.scroll{max-height:none;overflow:visible}
th{position:static}.noprint{display:none}}
table.sheet td.change.better{color:#1b5e20}table.sheet td.change.worse{color:#b71c1c}
"""
# (measure, label, category of the unit or a fixed unit, digits); `measure` and
# `baseline_<measure>` are firms_esg.csv columns
SHEET: list[tuple[str, str, str, int]] = [
    ("waste_disposed_t", "Waste landfilled or disposed of", "t/yr", -1),
    ("waste_diverted_t", "Waste diverted to reuse", "t/yr", -1),
    ("waste_diverted_pct", "Waste diverted, share of its waste", "%", 1),
    ("recycled_input_t", "Recycled input (material received from reuse)", "t/yr", -1),
    ("recycled_input_pct", "Recycled input share of its material inputs", "%", 1),
    ("water_reused_m3", "Water reused (received instead of bought)", "m3/yr", -1),
    ("water_reused_pct", "Water reused, share of its water use", "%", 1),
    ("heat_recovered", "Heat recovered", "heat", -1),
    ("co2_purchases_t", "CO2 of what it buys", "t/yr", 1),
    ("co2_disposals_t", "CO2 of what it disposes of", "t/yr", 1),
    ("co2_transport_t", "CO2 of transport it receives", "t/yr", 1),
    ("co2_processing_t", "CO2 of processing for its inputs", "t/yr", 1),
    ("co2_energy_t", "CO2 of utilities and heat pumps", "t/yr", 1),
    ("co2_other_t", "CO2 of other terms", "t/yr", 1),
    ("co2_t", "CO2, total", "t/yr", 1),
    ("cost", "Cost", "currency", 0)]
LOWER_IS_BETTER = {"waste_disposed_t", "co2_t", "cost"} | {m for m, *_ in SHEET
                                                         if m.startswith("co2_")}
PARK_COLUMNS: list[Column] = [
    ("firm_id", "firm", None), ("name", "name", None),
    ("baseline_waste_diverted_pct", "waste diverted %, before", 1),
    ("waste_diverted_pct", "waste diverted %", 1),
    ("recycled_input_pct", "recycled input %", 1), ("water_reused_pct", "water reused %", 1),
    ("heat_recovered", "heat recovered", -1), ("baseline_co2_t", "CO2 t, before", 1),
    ("co2_t", "CO2 t", 1), ("baseline_cost", "cost, before", 0), ("cost", "cost", 0)]
FLOW_COLUMNS: list[Column] = [
    ("partner", "with", None), ("partner_name", "partner", None),
    ("from_resource", "resource", None), ("to_resource", "used as", None),
    ("flow", "sent", -1), ("delivered", "received", -1), ("unit", "unit", None),
    ("distance_km", "km", 2), ("mode", "mode", None)]


def esg_section(t: ResultTables) -> str:
    """Every firm before (no links) and after: the park report's "Firms before and after"."""
    esg = t.other.get(ESG)
    head = '<h2 id="firms-esg">Firms before and after (green certification)</h2>'
    if esg is None:
        return (head + '<p class="note" id="firms-esg-missing">This result folder has no '
                "firms_esg.csv (written by symbiosis from the green-certification sheet on): "
                "run the scenario again to see each firm before and after.</p>")
    return (head + '<p class="note">Each firm before (no links) and with this design: '
            "percentages of its own waste, material inputs and water use; CO2 and cost by "
            "firm accounts (a link's transport and processing are its receiver's). "
            "<code>symbiosis report FOLDER --firm ID</code> prints one firm's page.</p>"
            + html_table(esg.sort_values("firm_id"), PARK_COLUMNS, "firms-esg-table"))


def require_firm(t: ResultTables, folder: Path, firm: str) -> pd.Series:
    """The firm's row of firms_esg.csv; InputError (exit 2) naming the file otherwise."""
    esg = t.other.get(ESG)
    if esg is None:
        raise InputError(Problem(str(folder / "firms_esg.csv"), "missing: this result folder "
                                 "is older than the green-certification sheet; run the "
                                 "scenario again", column="--firm"))
    rows = esg[esg.firm_id.astype(str) == firm]
    if rows.empty:
        known = ", ".join(sorted(esg.firm_id.astype(str))[:12])
        more = ", …" if len(esg) > 12 else ""
        raise InputError(Problem(str(folder / "firms_esg.csv"), f"no firm {firm!r} (--firm): "
                                 f"its firms are {known}{more}", column="firm_id"))
    return rows.iloc[0]


def _units(t: ResultTables) -> dict[str, str]:
    """Each measure's unit: heat in the park's heat unit (kpis.json `heat.unit`)."""
    heat = t.kpis.get("heat") if isinstance(t.kpis.get("heat"), dict) else {}
    return {"%": "%", "t/yr": "t/yr", "m3/yr": "m3/yr", "currency": f"{t.currency}/yr",
            "heat": str(heat.get("unit", ""))}  # as the heat section says it


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _sheet(row: pd.Series, units: dict[str, str]) -> str:
    lines = []
    for measure, label, unit, digits in SHEET:
        before, after = (_number(row.get(c)) for c in (f"baseline_{measure}", measure))
        change = after - before if before is not None and after is not None else None
        tone = ""
        if change:
            better = change < 0 if measure in LOWER_IS_BETTER else change > 0
            tone = " better" if better else " worse"
        lines.append(
            f'<tr data-measure="{measure}"><td>{html.escape(label)}</td>'
            f'<td class="num" data-col="before" data-value="{_value(before)}">'
            f"{_fmt(before, digits)}</td>"
            f'<td class="num" data-col="after" data-value="{_value(after)}">'
            f"{_fmt(after, digits)}</td>"
            f'<td class="num change{tone}" data-col="change" data-value="{_value(change)}">'
            f"{'' if change is None else ('+' if change > 0 else '') + _fmt(change, digits)}"
            f"</td><td>{html.escape(units[unit])}</td></tr>")
    return ('<table class="sheet" id="firm-sheet"><thead><tr><th>measure</th>'
            '<th class="num">before (no links)</th><th class="num">with symbiosis</th>'
            '<th class="num">change</th><th>unit</th></tr></thead><tbody>'
            + "\n".join(lines) + "</tbody></table>")


def _flows(t: ResultTables, firm: str, side: str) -> pd.DataFrame:
    """The firm's built links: `gives` (it supplies), `receives` or `within` (its own)."""
    links = t.links
    frm, to = links.from_firm.astype(str) == firm, links.to_firm.astype(str) == firm
    chosen = {"gives": frm & ~to, "receives": to & ~frm, "within": frm & to}[side]
    table = links[chosen].copy()
    table["partner"] = table.to_firm if side == "gives" else table.from_firm
    names = t.firms.set_index("firm_id").name if "name" in t.firms else pd.Series(dtype=str)
    table["partner_name"] = table.partner.map(names).fillna("")
    unit = t.resources.unit if "unit" in t.resources else pd.Series(dtype=str)
    table["unit"] = table.from_resource.map(unit).fillna("")
    return table.sort_values(["partner", "from_resource", "from_stream"])


def firm_page(t: ResultTables, row: pd.Series) -> str:
    """One firm's printable page: its sheet, what it gives and receives with whom, and the
    park it sits in."""
    k, firm = t.kpis, str(row.firm_id)
    name = str(row.get("name") if pd.notna(row.get("name")) else "")
    cur = html.escape(t.currency)
    attrs = t.firms.set_index("firm_id").loc[firm] if firm in set(t.firms.firm_id) else {}
    place = " · ".join(html.escape(str(attrs.get(c, ""))) for c in ("sector", "park")
                       if str(attrs.get(c, "")))
    parts = [f'<h1 id="firm-title">{html.escape(name or firm)} <small>({html.escape(firm)})'
             "</small></h1>",
             f"<p class='sub'>{place + ' · ' if place else ''}in "
             f"{html.escape(str(k.get('model', '')))}, scenario "
             f"{html.escape(t.name)} · status {html.escape(str(k.get('status')))}</p>",
             '<h2 id="sheet">Before and after</h2>', _sheet(row, _units(t)),
             "<p class='note'>Before: the park with no links (every by-product disposed of, "
             "every input bought). After: the park's optimum. CO2 and cost are this firm's "
             "account: its purchases and disposals, and the transport and processing of what "
             "it receives (docs/format.md, \"firms_esg.csv\"); cost includes any carbon "
             "price.</p>"]
    for side, title in (("gives", "What it gives"), ("receives", "What it receives"),
                        ("within", "Reuse within the firm")):
        flows = _flows(t, firm, side)
        if side == "within" and flows.empty:
            continue
        parts.append(f'<h2 id="{side}">{title} ({len(flows)} link(s))</h2>')
        parts.append(html_table(flows, FLOW_COLUMNS, f"{side}-table", sortable=False)
                     if len(flows) else "<p class='note'>None.</p>")
    parts += ['<h2 id="park">The park</h2>',
              f"<p class='note'>The park's optimum with all its firms: {len(t.firms)} firms, "
              f'<span data-kpi="links_built" data-value="{_value(k.get("links_built"))}">'
              f"{_fmt(k.get('links_built'))}</span> links built, savings "
              f'<span data-kpi="savings" data-value="{_value(k.get("savings"))}">'
              f"{_fmt(k.get('savings'))}</span> {cur}/yr of a baseline "
              f"{_fmt(k.get('baseline_cost'))} {cur}/yr, CO2 avoided "
              f'<span data-kpi="co2_avoided_t" data-value="{_value(k.get("co2_avoided_t"))}">'
              f"{_fmt(k.get('co2_avoided_t'), 1)}</span> t/yr of "
              f"{_fmt(k.get('baseline_co2_t'), 1)} t/yr.</p>"]
    return _document(f"{name or firm}: before and after", "\n".join(parts))


def _document(title: str, body: str) -> str:
    """A page without scripts or plots (it prints as it shows), marked as a report page."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}{PRINT_CSS}</style></head><body>\n"
            f"{body}\n<p class='note'>Made by symbiosis {version('symbiosis')} from the result "
            "files alone; the page needs no network.</p>\n</body></html>\n")


def write_firm_page(t: ResultTables, folder: Path, firm: str, out: str | Path) -> Path:
    return write_file(out, firm_page(t, require_firm(t, folder, firm)).encode("utf-8"))
