"""The placement map (placement.svg): plots coloured by their tenant's sector, fixed firms,
and the built links between firms. Plain SVG, every text from the input escaped."""
from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from ..plots import Site, assignment_table
from ..results import Result

PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6", "#ff7f00"]
EMPTY, FAR = "#e5e5e5", "#999999"  # a free plot; a firm beyond the plots' area
WIDTH, MARGIN, LEGEND = 640, 40, 200


def placement_svg(site: Site, plot_of: np.ndarray, result: Result) -> str:
    """The map as SVG text (north up; lat, lon drawn as an equirectangular plane)."""
    table = assignment_table(site, plot_of)
    plot_xy = _plane(site, site.plot_points())
    firm_xy = _plane(site, table[site.coordinate_columns].to_numpy(dtype=float))
    lo, hi = plot_xy.min(axis=0), plot_xy.max(axis=0)
    pad = max(float((hi - lo).max()) * 0.15, _spacing(plot_xy))
    lo, hi = lo - pad, hi + pad  # the plots' area: firms beyond it drawn on its edge
    off_map = ((firm_xy < lo) | (firm_xy > hi)).any(axis=1)
    firm_xy = np.clip(firm_xy, lo, hi)
    span = max(float((hi - lo).max()), 1e-9)
    scale = (WIDTH - 2 * MARGIN) / span
    height = int((hi[1] - lo[1]) * scale + 2 * MARGIN)

    def at(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - lo[0]) * scale, height - MARGIN - (y - lo[1]) * scale

    sectors = sorted(table.sector[~off_map].astype(str).unique())  # those on the map
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sectors)}
    colour.update({s: FAR for s in table.sector[off_map].astype(str) if s not in colour})
    by_plot = table[table["plot"] != ""].set_index("plot")
    size = max(min(scale * _spacing(plot_xy) * 0.8, 40.0), 6.0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + LEGEND}" '
           f'height="{height}" viewBox="0 0 {WIDTH + LEGEND} {height}" '
           'font-family="sans-serif" font-size="10">',
           f"<title>{escape(site.name)}: placement</title>"]
    for k, pid in enumerate(site.plots.index):
        x, y = at(*plot_xy[k])
        tenant = by_plot.loc[pid] if pid in by_plot.index else None
        fill = colour[str(tenant.sector)] if tenant is not None else EMPTY
        label = f"{pid}: {tenant.tenant} ({tenant.sector})" if tenant is not None else \
            f"{pid}: free"
        out.append(f'<rect x="{x - size / 2:.1f}" y="{y - size / 2:.1f}" width="{size:.1f}" '
                   f'height="{size:.1f}" fill="{fill}" stroke="#555"><title>'
                   f"{escape(str(label))}</title></rect>")
    pos = pd.DataFrame(firm_xy, index=table.tenant, columns=["u", "v"])
    far = pd.Series(off_map, index=table.tenant)
    links = result.links[result.links.from_firm != result.links.to_firm]
    if len(links):
        pair = links.groupby(["from_firm", "to_firm"]).size().reset_index()
        for a, b in zip(pair.from_firm, pair.to_firm):
            if a in pos.index and b in pos.index:
                x1, y1 = at(*pos.loc[a]); x2, y2 = at(*pos.loc[b])
                out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                           f'stroke="#333" stroke-opacity="0.6" stroke-width="1.5"><title>'
                           f"{escape(str(a))} → {escape(str(b))}</title></line>")
    for r in table[~table.movable & (table["plot"] == "")].itertuples():
        x, y = at(*pos.loc[r.tenant])
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour[str(r.sector)]}" '
                   f'stroke="#000"><title>{escape(str(r.tenant))} (fixed'
                   f'{", off the map" if far[r.tenant] else ""})</title></circle>')
    for r in table[~off_map].itertuples():
        x, y = at(*pos.loc[r.tenant])
        out.append(f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle">'
                   f"{escape(str(r.tenant))}</text>")
    keys = [(s, colour[s]) for s in sectors] + [("free plot", EMPTY)] + (
        [("beyond the map (on its edge)", FAR)] if off_map.any() else [])
    for i, (s, fill) in enumerate(keys):
        y = MARGIN + 16 * i
        out.append(f'<rect x="{WIDTH + 10}" y="{y - 9}" width="10" height="10" '
                   f'fill="{fill}"/><text x="{WIDTH + 26}" y="{y}">{escape(s)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _plane(site: Site, points: np.ndarray) -> np.ndarray:
    """x, y to draw: km on the plane, or lon, lat with lon shrunk by cos(latitude)."""
    if not site.geographic:
        return points
    lat, lon = points[:, 0], points[:, 1]
    return np.column_stack([lon * np.cos(np.radians(np.nanmean(site.plot_points()[:, 0]))),
                            lat])


def _spacing(points: np.ndarray) -> float:
    """The least distance between two plots (1 for a single plot)."""
    if len(points) < 2:
        return 1.0
    d = np.hypot(points[:, None, 0] - points[None, :, 0], points[:, None, 1] - points[None, :, 1])
    np.fill_diagonal(d, np.inf)
    return float(d.min())
