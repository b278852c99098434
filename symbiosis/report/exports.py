"""Exports for other tools: GeoJSON of firms and links (QGIS), one Excel workbook of every table."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..outputs import write_file, xlsx_bytes
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
    return write_file(out, (text + "\n").encode("utf-8"))


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


def _cell_value(value: Any) -> Any:
    """A table value as openpyxl stores it: None for missing, plain Python numbers, text for
    the rest (infinities as text: Excel has no number for them)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value) if math.isfinite(value) \
            else str(float(value))
    return str(value)


def _put(sheet, row: int, column: int, value: Any) -> None:
    """Write one cell; text stays text: openpyxl would store `=HYPERLINK(…)` or `=cmd|…` as a
    live formula, so the type is forced to string and the cell quote-prefixed (it stays text
    when a user edits it in Excel)."""
    cell = sheet.cell(row=row, column=column)
    value = _cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            cell.quotePrefix = True


def workbook_bytes(tables: ResultTables | SweepTables) -> bytes:
    """The workbook as bytes, the same for the same tables (fixed times, fixed zip order)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, table in workbook_sheets(tables).items():
        sheet = book.create_sheet(title=name)
        for j, column in enumerate(table.columns, start=1):
            _put(sheet, 1, j, column)
        for i, row in enumerate(table.itertuples(index=False, name=None), start=2):
            for j, value in enumerate(row, start=1):
                _put(sheet, i, j, value)
    return xlsx_bytes(book)


def write_workbook(tables: ResultTables | SweepTables, out: str | Path) -> Path:
    """Every table of the report in one .xlsx, written atomically."""
    return write_file(out, workbook_bytes(tables))
