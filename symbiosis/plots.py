"""The plots of a planned park and the tenants to place on them (`symbiosis place`).

A model folder for placement is a park model plus `plots.csv` (docs/format.md, "Plots and
tenants to place"). A firm with coordinates stays where it is; a firm naming a `plot` sits on
that plot; a firm with neither is a *movable tenant*: it goes on exactly one free plot of at
least its `area_ha` whose `zone` (if any) lists its sector. `Site` holds what the placement program
needs (plots, tenants, which plot each tenant may take, distances) and builds the park of
any assignment (`Site.park`), through the usual loader, so a placed park is validated like
any other.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from .checks import ROW, Tables
from .errors import InputError, Problem
from .geo import pairwise_km
from .io import read_model, read_table_file, resolve_model_path
from .park import Park, build_park
from .tables import PLOTS

PLOTS_FILE = "plots.csv"
ZONE_SEPARATOR = ";"
_INFEASIBLE = 1e12  # an assignment cost no feasible one reaches


@dataclass(frozen=True)
class Site:
    """A planned park: its tables as read, its plots and its movable tenants.

    `plots` is indexed by plot_id (coordinates, area_ha, zone); `tenants` are the movable
    firms' ids, `allowed[t, p]` whether tenant t may take plot p (free, large enough, zoned
    for its sector); `fixed` are the other firms, with their coordinates (a firm on a plot
    has the plot's)."""

    config: dict
    config_source: str
    tables: Tables
    plots: pd.DataFrame
    tenants: pd.Index
    allowed: np.ndarray
    fixed: pd.DataFrame
    geographic: bool

    @property
    def coordinate_columns(self) -> list[str]:
        return ["lat", "lon"] if self.geographic else ["x_km", "y_km"]

    @property
    def name(self) -> str:
        return str(self.config.get("name", "park"))

    @property
    def manhattan(self) -> bool:
        return (self.config.get("links") or {}).get("distance") == "manhattan"

    def plot_points(self) -> np.ndarray:
        return self.plots[self.coordinate_columns].to_numpy(dtype=float)

    def fixed_points(self) -> np.ndarray:
        return self.fixed[self.coordinate_columns].to_numpy(dtype=float)

    def plot_distances(self) -> np.ndarray:
        """Plot-to-plot km (before circuity), in the park's metric."""
        pts = self.plot_points()
        return pairwise_km(pts, pts, self.geographic, self.manhattan)

    def plot_fixed_distances(self) -> np.ndarray:
        """Plot-to-fixed-firm km (before circuity), (plots, fixed firms)."""
        return pairwise_km(self.plot_points(), self.fixed_points(), self.geographic,
                           self.manhattan)

    def tables_at(self, plot_of: np.ndarray, distances: pd.DataFrame | None = None) -> Tables:
        """The tables with each tenant t on plot `plot_of[t]` (positions in `plots`), fixed
        firms on plots at theirs; `distances` (from, to, km) added to distances.csv."""
        firms = self.tables.firms.copy()
        cols = self.coordinate_columns
        where = pd.Series(np.asarray(plot_of, dtype=np.int64), index=self.tenants)
        on_plot = firms.firm_id.map(where)
        named = firms.get("plot", pd.Series("", index=firms.index))
        for c in cols:
            values = self.plots[c].to_numpy()
            if c not in firms:
                firms[c] = np.nan
            firms[c] = firms[c].astype(float)
            moved = on_plot.notna().to_numpy()
            firms.loc[moved, c] = values[on_plot[moved].astype(np.int64).to_numpy()]
            fixed_named = (named != "").to_numpy()
            firms.loc[fixed_named, c] = self.plots[c].reindex(named[fixed_named]).to_numpy()
        firms["plot"] = np.where(on_plot.notna(),
                                 self.plots.index.to_numpy()[on_plot.fillna(0).astype(int)],
                                 named.to_numpy())
        # area_ha is the placement's (placement.csv): a blank float column would reach the
        # network graph as NaN
        out = replace(self.tables, firms=firms.drop(columns=["area_ha"], errors="ignore"))
        if distances is not None and len(distances):
            d = distances.assign(**{ROW: "placement bound"})
            out = replace(out, distances=pd.concat([self.tables.distances, d],
                                                   ignore_index=True))
        return out

    def park(self, plot_of: np.ndarray, distances: pd.DataFrame | None = None) -> Park:
        """The validated park with tenants on the plots `plot_of` (see `tables_at`)."""
        return build_park(self.config, self.config_source, self.tables_at(plot_of, distances))

    def assign(self, cost: np.ndarray) -> np.ndarray:
        """The feasible assignment (a plot per tenant) of least total `cost[t, p]`."""
        c = np.where(self.allowed, cost, _INFEASIBLE)
        rows, cols = linear_sum_assignment(c)
        plot_of = np.full(len(self.tenants), -1, dtype=np.int64)  # -1: more tenants than plots
        plot_of[rows] = cols
        return plot_of


def load_site(path: str | Path) -> Site:
    """A park model folder with plots.csv, checked: every problem located (file, line,
    column), all listed at once."""
    model_file = resolve_model_path(path)
    inputs = read_model(model_file)
    plots_path = model_file.parent / PLOTS_FILE
    if not plots_path.exists():
        raise InputError(Problem(str(plots_path), "required file is missing: `symbiosis place` "
                                 "places tenants on the plots it lists (docs/format.md, "
                                 "\"Plots and tenants to place\")"))
    plots = read_table_file(plots_path, PLOTS, inputs.config, inputs.config_source)
    return site_from_tables(inputs.config, inputs.config_source, inputs.tables, plots,
                            str(plots_path))


def site_from_tables(config: dict, config_source: str, tables: Tables, plots: pd.DataFrame,
                     plots_source: str = "plots (DataFrame)") -> Site:
    """A Site from tables already parsed (`plots` typed per tables.PLOTS, with ROW)."""
    if ROW not in plots:
        plots = plots.assign(**{ROW: [f"row {i}" for i in range(len(plots))]})
    problems: list[Problem] = list(tables.problems)
    firms, firms_source = tables.firms, tables.sources["firms"]
    geographic = _geographic(firms, plots, firms_source, plots_source, problems)
    cols = ["lat", "lon"] if geographic else ["x_km", "y_km"]
    problems += _plot_problems(plots, cols, plots_source)
    ids = plots.plot_id
    named = firms.get("plot", pd.Series("", index=firms.index)).astype(str)
    has_xy = _present(firms, cols)
    on_plot = named != ""
    _located(problems, firms, on_plot & has_xy, firms_source, "plot",
             lambda r: f"firm {r.firm_id!r} has coordinates and a plot: give one of them")
    _located(problems, firms, on_plot & ~named.isin(ids), firms_source, "plot",
             lambda r: f"no plot {r['plot']!r} in {plots_source}")
    _located(problems, firms, on_plot & named.duplicated(keep="first"), firms_source, "plot",
             lambda r: f"plot {r['plot']!r} is already another firm's")
    movable = ~on_plot & ~has_xy
    if not movable.any():
        problems.append(Problem(firms_source, "no tenant to place: every firm has coordinates "
                                              "or a plot (a movable tenant has neither)"))
    tenant_ids = set(firms.firm_id[movable])
    d = tables.distances
    if len(d):
        _located(problems, d, d["from"].isin(tenant_ids) | d["to"].isin(tenant_ids),
                 tables.sources["distances"], "from",
                 "names a tenant to place: its distances follow from its plot")
    if problems:
        raise InputError(problems)
    plot_table = plots.drop(columns=ROW).set_index("plot_id")
    if "zone" not in plot_table:
        plot_table["zone"] = ""
    tenants = firms[movable]
    allowed = _allowed(tenants, plot_table, set(named[on_plot]))
    for pos in np.flatnonzero(~allowed.any(axis=1)):
        r = tenants.iloc[pos]
        problems.append(Problem(firms_source, f"tenant {r.firm_id!r} (sector {r.sector!r}, "
                                f"{_need(r):g} ha) fits no free plot: none is large enough "
                                "and zoned for its sector", row=r[ROW], column="area_ha"))
    if problems:
        raise InputError(problems)
    fixed = firms[~movable].set_index("firm_id")
    fixed_points = np.where(on_plot[~movable].to_numpy()[:, None],
                            plot_table.reindex(named[~movable])[cols].to_numpy(dtype=float),
                            fixed[cols].to_numpy(dtype=float) if set(cols) <= set(fixed)
                            else np.nan)
    fixed = pd.DataFrame(fixed_points, index=fixed.index, columns=cols).assign(
        sector=fixed.sector, plot=named[~movable].to_numpy())
    site = Site(dict(config), config_source, tables, plot_table,
                pd.Index(tenants.firm_id, name="firm_id"), allowed, fixed, geographic)
    check_feasible(site)
    return site


def check_feasible(site: Site) -> None:
    """Refuse a park where no assignment gives every tenant its own allowed plot."""
    plot_of = site.assign(np.zeros(site.allowed.shape))
    bad = (plot_of < 0) | ~site.allowed[np.arange(len(plot_of)), np.maximum(plot_of, 0)]
    if bad.any():
        n, free = len(site.tenants), int(site.allowed.any(axis=0).sum())
        raise InputError(Problem(site.tables.sources["firms"], f"no assignment gives each of "
                                 f"the {n} tenants its own plot of enough area in a zone for "
                                 f"its sector ({free} plots can take a tenant at all); e.g. "
                                 f"{site.tenants[np.flatnonzero(bad)[0]]!r} is left without one"))


def _need(r) -> float:
    a = r.get("area_ha", np.nan)
    return 0.0 if pd.isna(a) else float(a)


def _allowed(tenants: pd.DataFrame, plots: pd.DataFrame, taken: set[str]) -> np.ndarray:
    """allowed[t, p]: plot p is free, of at least t's area, and zoned for t's sector."""
    need = (tenants["area_ha"].fillna(0.0).to_numpy(dtype=float) if "area_ha" in tenants
            else np.zeros(len(tenants)))
    big = plots.area_ha.to_numpy()[None, :] >= need[:, None] - 1e-9
    free = ~plots.index.isin(list(taken))[None, :]
    zones = [frozenset(s.strip() for s in str(z).split(ZONE_SEPARATOR) if s.strip())
             for z in plots.zone]
    sectors = tenants.sector.astype(str).str.strip().to_numpy()
    zoned = np.array([[not z or s in z for z in zones] for s in np.unique(sectors)])
    index = np.searchsorted(np.unique(sectors), sectors)
    return big & free & (zoned[index] if len(sectors) else np.zeros((0, len(zones)), bool))


def _present(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not set(cols) <= set(frame):
        return pd.Series(False, index=frame.index)
    return frame[cols[0]].notna() & frame[cols[1]].notna()


def _geographic(firms: pd.DataFrame, plots: pd.DataFrame, firms_source: str,
                plots_source: str, problems: list[Problem]) -> bool:
    """One coordinate system for firms and plots: lat, lon where the plots give them."""
    plot_ll, plot_xy = _present(plots, ["lat", "lon"]), _present(plots, ["x_km", "y_km"])
    geographic = bool(plot_ll.any()) and not plot_xy.any()
    firm_other = _present(firms, ["x_km", "y_km"] if geographic else ["lat", "lon"])
    if firm_other.any():
        theirs = "x_km, y_km" if geographic else "lat, lon"
        problems.append(Problem(firms_source, f"firms give {theirs} but the plots do not: use "
                                              f"the plots' coordinate system for every firm"))
    return geographic


def _plot_problems(plots: pd.DataFrame, cols: list[str], source: str) -> list[Problem]:
    out: list[Problem] = []
    _located(out, plots, ~_present(plots, cols), source, cols[0],
             f"a plot needs {cols[0]} and {cols[1]} (one coordinate system for every plot)")
    _located(out, plots, plots.plot_id.duplicated(keep="first"), source, "plot_id",
             lambda r: f"duplicate plot id {r.plot_id!r}")
    if "lat" in plots:
        _located(out, plots, plots.lat.abs() > 90, source, "lat", "expected a latitude in "
                                                                  "[-90, 90]")
    if "lon" in plots:
        _located(out, plots, plots.lon.abs() > 180, source, "lon", "expected a longitude in "
                                                                   "[-180, 180]")
    if plots.empty:
        out.append(Problem(source, "no plots listed"))
    return out


def _located(problems: list[Problem], table: pd.DataFrame, mask, source: str, column: str,
             message) -> None:
    mask = np.asarray(mask, dtype=bool)
    for _, r in table[mask].iterrows():
        problems.append(Problem(source, message(r) if callable(message) else message,
                                row=r[ROW], column=column))


def assignment_table(site: Site, plot_of: np.ndarray) -> pd.DataFrame:
    """placement.csv: one row per firm: tenant, name, sector, movable, plot, coordinates,
    area needed, the plot's area and zone."""
    firms = site.tables_at(plot_of).firms
    cols = site.coordinate_columns
    movable = firms.firm_id.isin(site.tenants).to_numpy()
    plot = firms["plot"].astype(str)
    plots = site.plots.reindex(plot.where(plot != "", None))
    given = site.tables.firms
    area = (given["area_ha"] if "area_ha" in given else pd.Series(np.nan, index=given.index))
    return pd.DataFrame({"tenant": firms.firm_id.to_numpy(), "name": firms.name.to_numpy(),
                         "sector": firms.sector.to_numpy(), "movable": movable,
                         "plot": plot.to_numpy(), cols[0]: firms[cols[0]].to_numpy(),
                         cols[1]: firms[cols[1]].to_numpy(), "area_ha": area.to_numpy(),
                         "plot_area_ha": plots.area_ha.to_numpy(),
                         "zone": plots.zone.fillna("").to_numpy()})
