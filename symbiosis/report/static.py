"""The report's figures as PNG files (matplotlib, Agg) for documents: map, one Sankey per
category, objective breakdown, firm savings, the park's composite curves (with heat); for a sweep, savings and CO2 by variant. Same tables, same colours
as the page; byte-stable (no software metadata)."""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path as MPath  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ..outputs import write_file  # noqa: E402
from .figures import (RESOURCE_COLOURS, SECTOR_COLOURS, categories,  # noqa: E402
                      firm_positions, heat_streams, link_widths, palette, sankey_flows)
from .folder import ResultTables, SweepTables  # noqa: E402

def plain(value: object) -> str:
    """Text from a file as matplotlib text: a `$` would start mathtext (parsed, and an error
    for a name like `$\\frac{`), so each is escaped and the text drawn as written."""
    return str(value).replace("$", r"\$")


MARKERS = ["o", "s", "D", "^", "P", "X", "*", "h", "p", "v"]
DPI = 120


def _save(fig, path: Path) -> Path:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight",
                metadata={"Software": None})
    plt.close(fig)
    return write_file(path, buffer.getvalue())


def map_png(t: ResultTables, path: Path) -> Path:
    pos, ratio = firm_positions(t)
    fig, ax = plt.subplots(figsize=(9, 8))
    links = t.links
    colours = palette(links.from_resource, RESOURCE_COLOURS)
    segments = np.stack([pos.reindex(links.from_firm)[["x", "y"]].to_numpy(),
                         pos.reindex(links.to_firm)[["x", "y"]].to_numpy()], axis=1)
    ax.add_collection(LineCollection(segments, colors=links.from_resource.map(colours).tolist(),
                                     linewidths=link_widths(links).to_numpy() * 0.8, alpha=0.7,
                                     zorder=1))
    inside = links[links.from_firm == links.to_firm]  # 0 km: a ring round the firm
    if len(inside):
        xy = pos.reindex(inside.from_firm)
        ax.scatter(xy.x, xy.y, s=(9 + link_widths(links)[inside.index].to_numpy()) ** 2,
                   facecolors="none", edgecolors=inside.from_resource.map(colours).tolist(),
                   linewidths=1.5, zorder=3)
    sectors, parks = palette(t.firms.sector, SECTOR_COLOURS), palette(t.firms.park, MARKERS)
    for (sector, park), rows in t.firms.groupby(["sector", "park"], sort=True):
        xy = pos.reindex(rows.firm_id)
        ax.scatter(xy.x, xy.y, c=sectors[sector], marker=parks[park], s=45, zorder=2,
                   edgecolors="white", linewidths=0.6)
    for sector, colour in sectors.items():  # one legend entry per sector, park, resource
        ax.scatter([], [], c=colour, marker="o", label=plain(sector) or "(no sector)")
    for park, marker in parks.items():
        ax.scatter([], [], c="#777", marker=marker, label=plain(park) or "(no park)")
    for res, colour in colours.items():
        ax.plot([], [], color=colour, lw=3, label=plain(res))
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.set_aspect(ratio)
    ax.autoscale_view()
    geo = t.coordinates == "geographic"
    ax.set_xlabel("longitude (°E)" if geo else "x (km)")
    ax.set_ylabel("latitude (°N)" if geo else "y (km)")
    ax.set_title(f"{plain(t.name)}: firms and built links")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return _save(fig, path)


def sankey_png(t: ResultTables, path: Path, category: str | None = None) -> Path:
    """Three columns of nodes (suppliers, resources, receivers) joined by curved bands."""
    labels, rows = sankey_flows(t, category)
    colours = palette(t.links.from_resource, RESOURCE_COLOURS)
    n = len(labels)
    is_source = np.isin(np.arange(n), rows.source)
    is_target = np.isin(np.arange(n), rows.target)
    column = np.where(is_source & is_target, 1, np.where(is_source, 0, 2))
    size = np.maximum(np.bincount(rows.source, rows.value, minlength=n),
                      np.bincount(rows.target, rows.value, minlength=n))
    counts = np.bincount(column, minlength=3)
    gap = 0.004
    scale = min(((1 - gap * (c - 1)) / max(size[column == i].sum(), 1e-12)
                 for i, c in enumerate(counts) if c), default=1.0)  # no built link: no node
    top = np.zeros(n)
    for i in range(3):  # stack each column's nodes from the top
        members = np.flatnonzero(column == i)
        heights = size[members] * scale + gap
        top[members] = 1 - np.concatenate([[0.0], np.cumsum(heights)[:-1]])
    fig, ax = plt.subplots(figsize=(10, max(5.0, 0.12 * counts.max())))
    width, xs = 0.03, np.array([0.0, 0.5, 1.0])
    for i in range(n):
        ax.add_patch(Rectangle((xs[column[i]] - width / 2, top[i] - size[i] * scale), width,
                               size[i] * scale, color="#555", zorder=2))
        ha = "right" if column[i] == 0 else "left"
        dx = -width if column[i] == 0 else width
        ax.text(xs[column[i]] + dx, top[i] - size[i] * scale / 2, plain(labels[i].strip("▸ ")),
                ha=ha, va="center", fontsize=5 if column[i] != 1 else 7)
    out_cursor, in_cursor = top.copy(), top.copy()
    for src, dst, value, res in rows[["source", "target", "value", "resource"]].itertuples(
            index=False):
        h = value * scale
        x0, x1 = xs[column[src]] + width / 2, xs[column[dst]] - width / 2
        y0, y1 = out_cursor[src], in_cursor[dst]
        out_cursor[src] -= h
        in_cursor[dst] -= h
        xm = (x0 + x1) / 2
        verts = [(x0, y0), (xm, y0), (xm, y1), (x1, y1), (x1, y1 - h), (xm, y1 - h),
                 (xm, y0 - h), (x0, y0 - h), (x0, y0)]
        codes = [MPath.MOVETO] + [MPath.CURVE4] * 3 + [MPath.LINETO] + [MPath.CURVE4] * 3 \
            + [MPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colours[res], alpha=0.45,
                               lw=0, zorder=1))
    ax.set_xlim(-0.15, 1.15)
    ax.set_ylim(-0.02, 1.02)
    ax.axis("off")
    what = f" {category}:" if category else ""
    ax.set_title(f"{plain(t.name)}:{plain(what)} supplying firms → resources → receiving firms "
                 "(each resource in its own unit)", fontsize=9)
    return _save(fig, path)


def composite_png(t: ResultTables, path: Path) -> Path | None:
    """The park's composite curves, as on the page; None without hot and cold streams."""
    from ..pinch import composite_curve, problem_table

    heat = t.kpis.get("heat") if isinstance(t.kpis.get("heat"), dict) else {}
    streams = heat_streams(t)
    hot, cold = streams[streams.direction == "supply"], streams[streams.direction == "demand"]
    if hot.empty or cold.empty or heat.get("min_approach_c") is None:
        return None
    dt = float(heat["min_approach_c"])
    target = problem_table(streams, dt)
    hot_curve, cold_curve = composite_curve(hot), composite_curve(cold)
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.plot(hot_curve.heat, hot_curve.temperature_c, color="#d62728",
            label="hot composite (heat supplies)")
    ax.plot(cold_curve.heat + target.cold_utility, cold_curve.temperature_c, color="#1f77b4",
            label="cold composite (heat demands)")
    ax.set_xlabel(f"heat load ({plain(heat.get('unit', ''))})")
    ax.set_ylabel("temperature (°C)")
    ax.set_title(f"{plain(t.name)}: composite curves, ΔTmin {dt:g} K\n"
                 f"target hot utility {target.hot_utility:,.0f}, cold {target.cold_utility:,.0f}"
                 f"; this design {heat.get('hot_utility') or 0:,.0f} and "
                 f"{heat.get('cold_utility') or 0:,.0f}", fontsize=9)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def objective_png(t: ResultTables, path: Path) -> Path:
    ob = t.objective
    fig, ax = plt.subplots(figsize=(8, 4))
    y = np.arange(len(ob))
    ax.barh(y - 0.2, ob.baseline_cost, height=0.4, color="#9e9e9e", label="baseline")
    ax.barh(y + 0.2, ob.cost, height=0.4, color="#1f77b4", label="with links")
    ax.set_yticks(y, [plain(term) for term in ob.index])
    ax.invert_yaxis()
    ax.axvline(0, color="#333", lw=0.6)
    ax.set_xlabel(f"{plain(t.currency)}/yr")
    ax.set_title(f"{plain(t.name)}: objective by term")
    ax.legend(frameon=False)
    return _save(fig, path)


def firm_savings_png(t: ResultTables, path: Path) -> Path:
    firms = t.firms.sort_values(["savings", "firm_id"], ascending=[False, True])
    fig, ax = plt.subplots(figsize=(max(6.0, 0.18 * len(firms)), 4))
    colours = np.where(firms.savings >= 0, "#2ca02c", "#d62728")
    ax.bar(firms.firm_id.map(plain), firms.savings, color=colours)
    ax.tick_params(axis="x", labelrotation=90, labelsize=6)
    ax.axhline(0, color="#333", lw=0.6)
    ax.set_ylabel(f"savings ({plain(t.currency)}/yr)")
    ax.set_title(f"{plain(t.name)}: savings by firm")
    return _save(fig, path)


def sweep_pngs(s: SweepTables, folder: Path) -> list[Path]:
    files = []
    for column, label, colour in (("savings", f"savings ({plain(s.currency)}/yr)", "#2ca02c"),
                                  ("co2_t", "CO2 (t/yr)", "#d62728")):
        if column not in s.summary:
            continue
        fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(s.summary)), 4))
        ax.bar(s.summary.variant.map(plain), s.summary[column], color=colour)
        ax.tick_params(axis="x", labelrotation=45)
        ax.set_ylabel(label)
        ax.set_title(f"{plain(s.name)}: {column} by variant")
        files.append(_save(fig, folder / f"{column}.png"))
    return files


def write_pngs(tables: ResultTables | SweepTables, folder: Path) -> list[Path]:
    """Draw every figure into `folder` (created); return the files."""
    if isinstance(tables, SweepTables):
        return sweep_pngs(tables, folder)
    files = [map_png(tables, folder / "map.png")]
    found = categories(tables)
    files += [sankey_png(tables, folder / f"sankey_{c}.png", c) for c in found]
    if not found:  # no link built: an empty sankey.png, so a document's figure is not missing
        files.append(sankey_png(tables, folder / "sankey.png"))
    files += [objective_png(tables, folder / "objective.png"),
              firm_savings_png(tables, folder / "firm_savings.png")]
    composite = composite_png(tables, folder / "composite_curves.png")
    return files + ([composite] if composite is not None else [])


__all__ = ["write_pngs"]
