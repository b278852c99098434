"""Column specifications of the park tables (FORMAT §1) and a vectorised parser for them.

The parser turns raw cells (strings from a CSV or a sheet, or typed DataFrame columns) into
typed columns and reports every bad cell with its file, row and column. Cross-table checks
(references, duplicates) live in `checks.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import pandas as pd

from .errors import Problem

Kind = Literal["id", "text", "number", "choice"]
ALWAYS_ALLOWED = ("note", "source")  # free-text columns any table may carry


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = True  # the column must be present
    needs_value: bool = False  # a blank cell is an error
    default: float | None = None  # what a blank number means (None: missing, NaN)
    minimum: float | None = None  # inclusive
    above: float | None = None  # exclusive
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    required: bool
    columns: tuple[Column, ...]
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _money(name: str, description: str) -> Column:
    """A cost or CO2 factor: optional column, blank or absent means 0."""
    return Column(name, "number", required=False, default=0.0, description=description)


FIRMS = TableSpec("firms", True, (
    Column("firm_id", "id", needs_value=True, description="firm id"),
    Column("name", "text", description="display name"),
    Column("park", "text", description="park or cluster the firm is in"),
    Column("sector", "text", description="industry sector"),
    Column("x_km", "number", required=False, description="plane coordinate, km"),
    Column("y_km", "number", required=False, description="plane coordinate, km"),
    Column("lat", "number", required=False, minimum=-90, description="latitude, degrees"),
    Column("lon", "number", required=False, minimum=-180, description="longitude, degrees"),
), "one row per firm; either x_km, y_km or lat, lon")

RESOURCES = TableSpec("resources", True, (
    Column("resource", "id", needs_value=True, description="resource id"),
    Column("category", "choice", needs_value=True, choices=("material", "water", "heat")),
    Column("unit", "text", needs_value=True, description="unit of every quantity of it"),
    Column("mode", "choice", needs_value=True, choices=("truck", "pipe"),
           description="how a link carrying it is built"),
    Column("transport_cost", "number", required=False, default=0.0, minimum=0,
           description="currency per unit per km"),
    Column("transport_co2", "number", required=False, default=0.0, minimum=0,
           description="t CO2e per unit per km"),
    _money("purchase_price", "currency per unit bought from outside"),
    _money("purchase_co2", "t CO2e per unit bought from outside"),
    _money("disposal_cost", "currency per unit disposed of (negative: sold outside)"),
    _money("disposal_co2", "t CO2e per unit disposed of"),
), "one row per resource")

STREAMS = TableSpec("streams", True, (
    Column("stream_id", "id", needs_value=True),
    Column("firm_id", "id", needs_value=True),
    Column("direction", "choice", needs_value=True, choices=("supply", "demand")),
    Column("resource", "id", needs_value=True),
    Column("quantity", "number", needs_value=True, minimum=0,
           description="per year (heat in kW: average load), in the resource's unit"),
    Column("price", "number", required=False,
           description="overrides purchase_price (demand) or disposal_cost (supply)"),
    Column("co2", "number", required=False,
           description="overrides purchase_co2 (demand) or disposal_co2 (supply)"),
    Column("t_in", "number", required=False, minimum=-273.15, description="heat only, °C"),
    Column("t_out", "number", required=False, minimum=-273.15, description="heat only, °C"),
), "one row per supply or demand")

EXCHANGES = TableSpec("exchanges", False, (
    Column("from_resource", "id", needs_value=True),
    Column("to_resource", "id", needs_value=True),
    Column("yield", "number", needs_value=True, above=0,
           description="units of to_resource delivered per unit of from_resource"),
    _money("processing_cost", "per unit of supply taken"),
    _money("processing_co2", "per unit of supply taken"),
    Column("max_distance_km", "number", required=False, minimum=0,
           description="blank: only the park's limit"),
), "which supply resource can serve which other demand resource")

QUALITIES = TableSpec("qualities", False, (
    Column("stream_id", "id", needs_value=True),
    Column("property", "id", needs_value=True),
    Column("value", "number", needs_value=True, minimum=0,
           description="a supply's level, or the highest level a demand accepts"),
), "contaminant or purity levels of streams")

EXCHANGE_QUALITIES = TableSpec("exchange_qualities", False, (
    Column("from_resource", "id", needs_value=True),
    Column("to_resource", "id", needs_value=True),
    Column("property", "id", needs_value=True),
    Column("value", "number", needs_value=True, minimum=0,
           description="level of the delivered to_resource after this exchange's processing; "
                       "replaces the supply's own level on links using the exchange"),
), "levels an exchange's processing delivers (e.g. treated waste water); each row names an "
   "exchanges.csv row")

UTILITIES = TableSpec("utilities", False, (
    Column("utility", "id", needs_value=True, description="utility id, e.g. lp_steam"),
    Column("kind", "choice", needs_value=True, choices=("hot", "cold")),
    Column("resource", "id", needs_value=True, description="the heat resource it serves"),
    Column("t_in", "number", needs_value=True, minimum=-273.15,
           description="°C: a hot utility gives heat from t_in down to t_out (steam: equal), "
                       "a cold one takes heat from t_in up to t_out"),
    Column("t_out", "number", needs_value=True, minimum=-273.15, description="°C"),
    _money("price", "currency per unit of heat it gives (hot) or takes away (cold)"),
    _money("co2", "t CO2e per unit of heat it gives or takes away"),
    Column("max_quantity", "number", required=False, minimum=0,
           description="most heat a year it gives (hot) or takes (cold), park-wide; "
                       "blank: no limit"),
), "utility levels (steam mains, hot oil, cooling and chilled water) replacing the one hot "
   "and one cold utility of a heat resource")

TABLES = (FIRMS, RESOURCES, STREAMS, EXCHANGES, QUALITIES, EXCHANGE_QUALITIES, UTILITIES)

RowLabeller = Callable[[np.ndarray], list[str]]


def parse_table(spec: TableSpec, raw: pd.DataFrame, source: str,
                row_labels: RowLabeller) -> tuple[pd.DataFrame, list[Problem]]:
    """Type every column of `raw` per `spec`; return the typed frame and the problems found.

    `row_labels` maps row positions to how a user finds the row ("line 4", "row 4").
    """
    raw = raw.rename(columns=lambda c: str(c).strip())
    problems: list[Problem] = []
    known = {c.name for c in spec.columns} | set(ALWAYS_ALLOWED)
    for name in raw.columns:
        if name not in known:
            expected = ", ".join(c.name for c in spec.columns)
            problems.append(Problem(source, f"unknown column (expected: {expected})", column=name))
    duplicated = raw.columns[raw.columns.duplicated()].unique()
    for name in duplicated:
        problems.append(Problem(source, "column appears more than once", column=name))
    for col in spec.columns:
        if col.required and col.name not in raw.columns:
            problems.append(Problem(source, "required column is missing", column=col.name))
    if problems:
        return pd.DataFrame(), problems

    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name not in raw.columns:
            if col.default is not None:  # an absent optional cost column means 0
                out[col.name] = pd.Series(col.default, index=raw.index, dtype=float)
            continue
        cells = raw[col.name]
        blank = _blank_mask(cells)
        if col.needs_value:
            _report(problems, blank.to_numpy(), "a value is required", source, col, cells, row_labels)
        if col.kind == "number":
            out[col.name] = _parse_numbers(col, cells, blank, source, row_labels, problems)
        else:
            text = cells.astype(object).where(~blank, "").map(lambda v: str(v).strip())
            if col.kind == "choice":
                text = text.str.lower()
                bad = (~blank & ~text.isin(col.choices)).to_numpy()
                _report(problems, bad, f"expected one of {', '.join(col.choices)}",
                        source, col, cells, row_labels)
            out[col.name] = text.astype(str)
    for name in ALWAYS_ALLOWED:
        if name in raw.columns:
            out[name] = raw[name].astype(object).where(~_blank_mask(raw[name]), "").astype(str)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw))), problems


def _blank_mask(cells: pd.Series) -> pd.Series:
    as_text = cells.astype(object).map(lambda v: "" if v is None else str(v).strip())
    return cells.isna() | (as_text == "") | as_text.str.lower().isin(["nan", "none"])


def _parse_numbers(col: Column, cells: pd.Series, blank: pd.Series, source: str,
                   row_labels: RowLabeller, problems: list[Problem]) -> pd.Series:
    values = pd.to_numeric(cells.where(~blank), errors="coerce").astype(float)
    bad = (~blank & (values.isna() | ~np.isfinite(values))).to_numpy()
    _report(problems, bad, "expected a number", source, col, cells, row_labels)
    ok = (~blank).to_numpy() & ~bad
    if col.minimum is not None:
        low = ok & (values.to_numpy() < col.minimum)
        what = "a non-negative number" if col.minimum == 0 else f"a number ≥ {col.minimum:g}"
        _report(problems, low, f"expected {what}", source, col, cells, row_labels)
    if col.above is not None:
        low = ok & (values.to_numpy() <= col.above)
        _report(problems, low, f"expected a number > {col.above:g}", source, col, cells, row_labels)
    if col.default is not None:
        values = values.where(~blank, col.default)
    return values


def _report(problems: list[Problem], bad: np.ndarray, message: str, source: str, col: Column,
            cells: pd.Series, row_labels: RowLabeller) -> None:
    positions = np.flatnonzero(bad)
    if positions.size == 0:
        return
    for pos, label in zip(positions, row_labels(positions)):
        value = cells.iloc[pos]
        got = "" if message == "a value is required" else f", got {str(value).strip()!r}"
        problems.append(Problem(source, f"{message}{got}", row=label, column=col.name))
