"""Exports for other tools: GeoJSON of firms and links (QGIS), one Excel workbook of every table."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from .atomic import write_bytes
from .folder import ResultTables, SweepTables, resource_kpis

MAX_SHEET_NAME = 31  # Excel's limit


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts, missing values as None (GeoJSON is strict JSON)."""
    return table.astype(object).where(table.notna(), None).to_dict("records")


def geojson(tables: ResultTables) -> dict[str, Any]:
    """A FeatureCollection (RFC 7946, WGS84 lon/lat): a Point per firm, a LineString per link.

    Each feature's properties are its row of firms.csv (with name, park, sector) or of
    links.csv, plus `kind` ("firm" or "link").
    """
    if tables.coordinates != "geographic":
        raise ValueError("GeoJSON needs lat, lon coordinates")
    firms = tables.firms.set_index("firm_id", drop=False)
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"kind": "firm", **props}}
                for lon, lat, props in zip(firms.lon, firms.lat, _records(firms))]
    links = tables.links
    ends = zip(firms.lon.reindex(links.from_firm), firms.lat.reindex(links.from_firm),
               firms.lon.reindex(links.to_firm), firms.lat.reindex(links.to_firm))
    features += [{"type": "Feature",
                  "geometry": {"type": "LineString", "coordinates": [[x0, y0], [x1, y1]]},
                  "properties": {"kind": "link", **props}}
                 for (x0, y0, x1, y1), props in zip(ends, _records(links))]
    return {"type": "FeatureCollection", "name": tables.name, "features": features}


def write_geojson(tables: ResultTables, out: str | Path) -> Path:
    text = json.dumps(geojson(tables), indent=1, allow_nan=False, ensure_ascii=False)
    return write_bytes(out, (text + "\n").encode("utf-8"))


def _flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in d.items():
        if isinstance(value, dict):
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def workbook_sheets(tables: ResultTables | SweepTables) -> dict[str, pd.DataFrame]:
    """Every table of the report, by sheet name."""
    if isinstance(tables, SweepTables):
        return {"summary": tables.summary}
    kpis = {k: v for k, v in tables.kpis.items() if k != "resources"}
    pairs = [(k, json.dumps(v) if isinstance(v, list) else v) for k, v in _flatten(kpis)]
    sheets = {"kpis": pd.DataFrame(pairs, columns=["key", "value"]),
              "links": tables.links, "firms": tables.firms,
              "resources": resource_kpis(tables).rename_axis("resource").reset_index(),
              "objective": tables.objective.reset_index()}
    if tables.why_not is not None:
        sheets["why_not"] = tables.why_not
    sheets.update(tables.other)
    return {name[:MAX_SHEET_NAME]: table for name, table in sheets.items()}


def write_workbook(tables: ResultTables | SweepTables, out: str | Path) -> Path:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in workbook_sheets(tables).items():
            table.to_excel(writer, sheet_name=name, index=False)
    return write_bytes(out, buffer.getvalue())
