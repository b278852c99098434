"""Plotly figures from report tables: map, Sankey, objective breakdown, sweep comparison.

No figure fetches anything: the map is a plain cartesian scatter (no tiles, no topojson),
lon/lat drawn at equal scale with a cos(latitude) correction.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .folder import ResultTables, SweepTables, resource_kpis

RESOURCE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
                    "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
                    "#756bb1", "#636363"]
# 20 distinct colours (seaborn's deep ten, then a darker ten): no two of 20 sectors alike
SECTOR_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860",
                  "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd",
                  "#1b3a6b", "#a34a00", "#1e6b30", "#7a1f2b", "#3f2d7a", "#5a3d1e",
                  "#a0306f", "#3d3d3d", "#7f7a1a", "#1f6f85"]
CATEGORY_ORDER = ["material", "water", "heat"]  # then any other, sorted
PARK_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star",
                "hexagon", "pentagon", "triangle-down"]
MIN_WIDTH, MAX_WIDTH = 1.0, 8.0  # px: a link's width, by its flow within its resource
LAYOUT = dict(template="plotly_white", margin=dict(l=50, r=20, t=50, b=40),
              font=dict(family="Helvetica, Arial, sans-serif", size=12))


def text(values: "pd.Series | str") -> "pd.Series | str":
    """Text from a file as plotly text: plotly reads `<b>`, `<a href>`, `<br>` in labels and
    hover text as markup and decodes entities, so escaping shows the text exactly, never as
    markup (the figure JSON itself is escaped by plotly: `<` is written `\\u003c`)."""
    if isinstance(values, pd.Series):
        return values.astype(str).map(lambda v: html.escape(v, quote=False))
    return html.escape(str(values), quote=False)


def readable(value: float) -> str:
    """A number as a planner reads it: thousands separated, about 4 significant digits, never
    in exponent form (30,000 and 0.000025, not 3e+04 and 2.5e-05)."""
    if value is None or not math.isfinite(value):
        return "–" if value is None or math.isnan(value) else str(value)
    a = abs(value)
    if a == 0 or a >= 1000:
        return f"{value:,.0f}"
    digits = min(15, 3 - math.floor(math.log10(a)))
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def link_categories(tables: ResultTables) -> pd.Series:
    """The category of each built link: that of its supply's resource (`other` if unknown)."""
    known = tables.resources.category if "category" in tables.resources else pd.Series(
        dtype=str)
    return tables.links.from_resource.map(known).fillna("other").astype(str)


def categories(tables: ResultTables) -> list[str]:
    """Categories with a built link: material, water, heat, then others sorted."""
    present = set(link_categories(tables))
    return [c for c in CATEGORY_ORDER if c in present] + sorted(present - set(CATEGORY_ORDER))


def palette(values: pd.Series | list, colours: list[str]) -> dict[str, str]:
    """A stable colour for each distinct value, in sorted order."""
    keys = sorted(set(map(str, values)))
    return {k: colours[i % len(colours)] for i, k in enumerate(keys)}


def firm_positions(tables: ResultTables) -> tuple[pd.DataFrame, float]:
    """Firm (and facility) x, y for drawing and the y:x scale ratio (1/cos(mean latitude)
    for lon/lat)."""
    f = tables.firms.set_index("firm_id")
    sites = facility_sites(tables)
    if tables.coordinates == "geographic":
        lat0 = float(np.nanmean(f.lat)) if len(f) else 0.0
        pos = pd.DataFrame({"x": f.lon, "y": f.lat})
        ratio = 1.0 / np.cos(np.radians(lat0))
    else:
        pos, ratio = pd.DataFrame({"x": f.x_km, "y": f.y_km}), 1.0
    return (pd.concat([pos, sites[["x", "y"]]]) if len(sites) else pos), ratio


def facility_sites(tables: ResultTables) -> pd.DataFrame:
    """Candidate facilities of the result (facilities.csv) with x, y, indexed by id; empty
    for a model without facilities."""
    f = tables.other.get("facilities")
    if f is None or f.empty:
        return pd.DataFrame(columns=["x", "y"])
    f = f.set_index("facility_id")
    geo = tables.coordinates == "geographic" and "lat" in f
    x, y = (f.lon, f.lat) if geo else (f.get("x_km"), f.get("y_km"))
    if x is None or y is None:
        return pd.DataFrame(columns=["x", "y"])
    return f.assign(x=x.astype(float), y=y.astype(float))


def link_widths(links: pd.DataFrame) -> pd.Series:
    """Width by flow relative to the largest flow of the same resource (units differ)."""
    biggest = links.groupby("from_resource", observed=True).flow.transform("max")
    share = (links.flow / biggest.where(biggest > 0)).fillna(0.0)
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * share


def _units(tables: ResultTables) -> pd.Series:
    if "unit" in tables.resources:
        return tables.resources.unit.astype(str)
    return pd.Series(dtype=str)


def map_figure(tables: ResultTables) -> go.Figure:
    """Firms (colour = sector, symbol = park) and built links (colour = resource, width = flow).

    Trace order: one line trace per link, one midpoint-marker trace per resource (for hover),
    then one marker trace per sector: the rendered points are links + firms.
    """
    pos, ratio = firm_positions(tables)
    links = tables.links.sort_values(["from_resource", "from_stream", "to_stream"])
    colours = palette(links.from_resource, RESOURCE_COLOURS)
    units = _units(tables)
    fig = go.Figure()
    widths = link_widths(links)
    x0, y0 = pos.x.reindex(links.from_firm).to_numpy(), pos.y.reindex(links.from_firm).to_numpy()
    x1, y1 = pos.x.reindex(links.to_firm).to_numpy(), pos.y.reindex(links.to_firm).to_numpy()
    inside = (links.from_firm == links.to_firm).to_numpy()  # 0 km: no line to draw
    shown: set[str] = set()
    for i, (res, width) in enumerate(zip(links.from_resource, widths)):
        if inside[i]:
            continue
        fig.add_trace(go.Scatter(x=[x0[i], x1[i]], y=[y0[i], y1[i]], mode="lines",
                                 line=dict(color=colours[res], width=float(width)),
                                 opacity=0.75, hoverinfo="skip", name=text(res), legendgroup=res,
                                 showlegend=res not in shown))
        shown.add(res)
    unit = links.from_resource.map(units).fillna("")
    hover = (text(links.from_firm) + " → " + text(links.to_firm) + "<br>"
             + text(links.from_resource) + " → " + text(links.to_resource) + "<br>flow "
             + links.flow.map(readable) + " " + text(unit) + "<br>"
             + links.distance_km.map("{:.2f}".format) + " km, " + text(links["mode"]))
    for res, rows in links[~inside].groupby("from_resource", sort=True, observed=True):
        at = links.index.get_indexer(rows.index)
        fig.add_trace(go.Scatter(x=(x0[at] + x1[at]) / 2, y=(y0[at] + y1[at]) / 2,
                                 mode="markers", marker=dict(color=colours[res], size=5),
                                 text=hover[rows.index], hoverinfo="text", name=text(res),
                                 legendgroup=res, showlegend=False, meta="link-midpoints"))
    for res, rows in links[inside].groupby("from_resource", sort=True, observed=True):
        at = links.index.get_indexer(rows.index)  # a ring round the firm, wider for more flow
        fig.add_trace(go.Scatter(
            x=x0[at], y=y0[at], mode="markers", text=(hover[rows.index] + "<br>within "
                                                      + text(rows.from_firm)),
            hoverinfo="text", name=text(res), legendgroup=res, showlegend=res not in shown,
            meta="links-within-firms",
            marker=dict(symbol="circle-open", color=colours[res],
                        size=(16 + 2 * widths[rows.index]).tolist(), line=dict(width=2))))
        shown.add(res)
    firms = tables.firms
    sectors = palette(firms.sector, SECTOR_COLOURS)
    parks = palette(firms.park, PARK_SYMBOLS)
    hover = (text(firms.firm_id) + " " + text(firms.name) + "<br>" + text(firms.park)
             + " · " + text(firms.sector) + "<br>saves " + firms.savings.map(
                 "{:,.0f}".format) + " " + text(tables.currency) + "/yr, "
             + firms.links.astype(str) + " links")
    for sector, rows in firms.groupby("sector", sort=True):
        fig.add_trace(go.Scatter(
            x=pos.x.reindex(rows.firm_id).to_numpy(), y=pos.y.reindex(rows.firm_id).to_numpy(),
            mode="markers", name=text(sector) or "(no sector)", text=hover[rows.index],
            hoverinfo="text", meta="firms",
            marker=dict(color=sectors[sector], size=11, line=dict(color="white", width=1),
                        symbol=rows.park.map(parks).tolist())))
    _facility_markers(fig, tables, pos)
    geo = tables.coordinates == "geographic"
    fig.update_layout(**LAYOUT, title="Firms and built links", height=640,
                      legend=dict(font=dict(size=10)),
                      xaxis=dict(title="longitude (°E)" if geo else "x (km)", zeroline=False),
                      yaxis=dict(title="latitude (°N)" if geo else "y (km)", zeroline=False,
                                 scaleanchor="x", scaleratio=ratio))
    return fig


def _facility_markers(fig: go.Figure, tables: ResultTables, pos: pd.DataFrame) -> None:
    """Candidate facilities as black stars: filled if built, open if not (one trace)."""
    sites = facility_sites(tables)
    if sites.empty:
        return
    built = sites.built.astype(str).str.lower().isin(["true", "1", "1.0"]) \
        if "built" in sites else pd.Series(False, index=sites.index)
    size = sites["size"].map(readable) if "size" in sites else "–"
    hover = (text(pd.Series(sites.index, index=sites.index)) + " " + text(sites.name)
             + "<br>facility: " + text(sites.get("inputs", pd.Series("", index=sites.index)))
             + " → " + text(sites.get("outputs", pd.Series("", index=sites.index)))
             + "<br>" + built.map({True: "built, size ", False: "not built, size "}) + size)
    fig.add_trace(go.Scatter(
        x=sites.x.tolist(), y=sites.y.tolist(), mode="markers", name="facility",
        text=hover.tolist(), hoverinfo="text", meta="facilities",
        marker=dict(symbol=np.where(built, "star", "star-open").tolist(), color="#111111",
                    size=16, line=dict(color="#111111", width=1))))


def sankey_flows(tables: ResultTables, category: str | None = None
                 ) -> tuple[list[str], pd.DataFrame]:
    """Node labels and (source, target, value, resource) rows: supplying firm → resource →
    receiving firm, in units of the supply's resource (units differ between resources); only
    the links of `category` when given (water's m3 would dwarf tonnes and MWh)."""
    links = tables.links
    if category is not None:
        links = links[(link_categories(tables) == category).to_numpy()]
    out = links.groupby(["from_firm", "from_resource"], sort=True, observed=True).flow.sum().reset_index()
    into = links.groupby(["from_resource", "to_firm"], sort=True, observed=True).flow.sum().reset_index()
    suppliers = sorted(out.from_firm.unique())
    resources = sorted(links.from_resource.unique())
    receivers = sorted(into.to_firm.unique())
    plants = set(facility_sites(tables).index)  # a facility is a receiver and a supplier
    kind = {f: " (facility)" for f in plants}
    labels = ([f"{f}{kind.get(f, '')} ▸" for f in suppliers] + resources
              + [f"▸ {f}{kind.get(f, '')}" for f in receivers])  # raw
    s_at = {f: i for i, f in enumerate(suppliers)}
    r_at = {r: len(suppliers) + i for i, r in enumerate(resources)}
    d_at = {f: len(suppliers) + len(resources) + i for i, f in enumerate(receivers)}
    rows = pd.concat([
        pd.DataFrame({"source": out.from_firm.map(s_at), "target": out.from_resource.map(r_at),
                      "value": out.flow, "resource": out.from_resource}),
        pd.DataFrame({"source": into.from_resource.map(r_at), "target": into.to_firm.map(d_at),
                      "value": into.flow, "resource": into.from_resource})], ignore_index=True)
    return labels, rows


def sankey_figure(tables: ResultTables, category: str | None = None) -> go.Figure:
    """One Sankey of the built links of `category` (all links when None)."""
    labels, rows = sankey_flows(tables, category)
    colours = palette(tables.links.from_resource, RESOURCE_COLOURS)
    units = _units(tables)
    unit = rows.resource.map(units).fillna("")
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",.4~r",
        node=dict(label=[text(label) for label in labels], pad=6, thickness=14,
                  line=dict(width=0.3, color="#555")),
        link=dict(source=rows.source.tolist(), target=rows.target.tolist(),
                  value=rows.value.tolist(),
                  customdata=(text(rows.resource) + " " + text(unit)).tolist(),
                  hovertemplate="%{value} %{customdata}<extra></extra>",
                  color=[_rgba(colours[r], 0.45) for r in rows.resource])))
    n_resources = rows.resource.nunique()
    height = max(360, 16 * max(len(labels) - n_resources, 1) // 2)
    what = f"{category}: " if category else ""
    fig.update_layout(**LAYOUT, title=f"{text(what.capitalize())}supplying firms → resources → "
                      "receiving firms (each resource in its own unit)", height=min(height, 1800))
    return fig


def heat_streams(tables: ResultTables) -> pd.DataFrame:
    """The heat streams of the result's streams.csv that have temperatures (folders written
    before `t_in, t_out` were added there have none: no curves then)."""
    streams = tables.other.get("streams")
    if streams is None or not {"t_in", "t_out", "resource"} <= set(streams.columns) \
            or "category" not in tables.resources:
        return pd.DataFrame(columns=["direction", "t_in", "t_out", "quantity"])
    heat = streams.resource.map(tables.resources.category) == "heat"
    rows = streams[heat.to_numpy() & streams.t_in.notna().to_numpy()
                   & streams.t_out.notna().to_numpy()]
    return rows[rows.quantity > 0]


def composite_figure(tables: ResultTables, dt_min: float):
    """The park's hot and cold composite curves, the cold one shifted right by the park's
    target cold utility (every firm linked, no link cost): their overlap is the most heat
    the park can recover at this ΔTmin. None without heat streams of both kinds."""
    from ..pinch import composite_curve, problem_table

    streams = heat_streams(tables)
    hot, cold = streams[streams.direction == "supply"], streams[streams.direction == "demand"]
    if hot.empty or cold.empty:
        return None, None
    target = problem_table(streams, dt_min)
    hot_curve, cold_curve = composite_curve(hot), composite_curve(cold)
    unit = text(str((tables.kpis.get("heat") or {}).get("unit", "")))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=hot_curve.heat.tolist(), y=hot_curve.temperature_c.tolist(),
                             mode="lines", line=dict(color="#d62728", width=2),
                             name="hot composite (heat supplies)"))
    fig.add_trace(go.Scatter(x=(cold_curve.heat + target.cold_utility).tolist(),
                             y=cold_curve.temperature_c.tolist(), mode="lines",
                             line=dict(color="#1f77b4", width=2),
                             name="cold composite (heat demands)"))
    pinch = "" if target.pinch_hot_c is None else \
        f", pinch {target.pinch_hot_c:g} / {target.pinch_cold_c:g} °C"
    fig.update_layout(**LAYOUT, height=440,
                      title=f"Composite curves of the park, ΔTmin {dt_min:g} K{pinch}",
                      xaxis=dict(title=f"heat load ({unit})", rangemode="tozero"),
                      yaxis=dict(title="temperature (°C)"))
    return fig, target


def breakdown_figure(tables: ResultTables) -> go.Figure:
    """Each objective term, baseline against the optimum (currency/yr)."""
    ob = tables.objective
    fig = go.Figure()
    for column, label, colour in (("baseline_cost", "baseline", "#9e9e9e"),
                                  ("cost", "with links", "#1f77b4")):
        if column in ob:
            fig.add_trace(go.Bar(y=text(pd.Series(ob.index)).tolist(), x=ob[column].tolist(),
                                 name=label,
                                 orientation="h", marker_color=colour))
    fig.update_layout(**LAYOUT, title=f"Objective by term ({text(tables.currency)}/yr)",
                      barmode="group", height=380, yaxis=dict(autorange="reversed"))
    return fig


def shares_figure(tables: ResultTables) -> go.Figure:
    """Who gains: per firm its standalone cost, its cost after transfers and its Shapley gain
    (shares.csv of `symbiosis share`), firms by gain, largest first."""
    shares = tables.other["shares"].sort_values(["gain", "firm_id"], ascending=[False, True])
    firms = text(shares.firm_id).tolist()
    fig = go.Figure()
    for column, label, colour in (("standalone_cost", "standalone cost", "#9e9e9e"),
                                  ("cost_after_transfers", "cost after transfers", "#1f77b4"),
                                  ("shapley_gain", "Shapley gain", "#2ca02c")):
        fig.add_trace(go.Bar(x=firms, y=shares[column].tolist(), name=label,
                             marker_color=colour))
    fig.update_layout(**LAYOUT, title=f"Who gains ({text(tables.currency)}/yr)",
                      barmode="group", height=420)
    return fig


def sweep_figures(sweep: SweepTables) -> list[tuple[str, go.Figure]]:
    """Savings and CO2 by variant, one bar chart each (the KPIs the summary has)."""
    s = sweep.summary
    figures = []
    for column, title, colour in (("savings", f"Savings by variant ({text(sweep.currency)}/yr)",
                                   "#2ca02c"),
                                  ("co2_t", "CO2 by variant (t/yr)", "#d62728"),
                                  ("co2_avoided_t", "CO2 avoided by variant (t/yr)", "#8c564b")):
        if column in s:
            fig = go.Figure(go.Bar(x=text(s.variant).tolist(), y=s[column].tolist(),
                                   marker_color=colour))
            fig.update_layout(**LAYOUT, title=title, height=360)
            figures.append((column, fig))
    return figures


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


__all__ = ["breakdown_figure", "categories", "composite_figure", "map_figure", "readable",
           "sankey_figure", "sankey_flows", "sweep_figures", "resource_kpis"]
