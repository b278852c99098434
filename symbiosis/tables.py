"""Column specifications of the park tables (docs/format.md) and a vectorised parser for them.

The parser turns raw cells (strings from a CSV or a sheet, or typed DataFrame columns) into
typed columns and reports every bad cell with its file, row and column. Cross-table checks
(references, duplicates) live in `checks.py`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import pandas as pd

from . import files
from .errors import Problem
from .text import short_repr

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
    Column("plot", "id", required=False, description="plots.csv plot the firm occupies "
           "(`symbiosis place`): its coordinates are the plot's"),
    Column("area_ha", "number", required=False, minimum=0, description="land a tenant to place "
           "needs, ha (`symbiosis place`; blank: any plot)"),
    Column("licences", "text", required=False,
           description="';'-separated hazardous waste codes (hazard_code) the firm is "
                       "licensed to receive and treat (docs/regulation.md)"),
    Column("arrives", "number", required=False, description="first year present (phases)"),
    Column("leaves", "number", required=False, description="first year no longer present"),
), "one row per firm; either x_km, y_km or lat, lon (for `symbiosis place`: or a plot, or "
   "neither, a movable tenant)")

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
    Column("hazard_code", "text", required=False,
           description="Vietnam's hazardous waste code (Circular 02/2022/TT-BTNMT, "
                       "NN NN NN): blank = not hazardous (docs/regulation.md)"),
    Column("eu_code", "text", required=False,
           description="EU List of Waste code (2000/532/EC, NN NN NN, '*' = hazardous)"),
), "one row per resource")

# Read by `symbiosis place` only (symbiosis/plots.py), not by the park loader: not in TABLES.
PLOTS = TableSpec("plots", False, (
    Column("plot_id", "id", needs_value=True, description="plot id"),
    Column("x_km", "number", required=False, description="plot centre, plane coordinate, km"),
    Column("y_km", "number", required=False, description="plot centre, plane coordinate, km"),
    Column("lat", "number", required=False, minimum=-90, description="plot centre, latitude"),
    Column("lon", "number", required=False, minimum=-180, description="plot centre, longitude"),
    Column("area_ha", "number", needs_value=True, minimum=0, description="plot area, ha"),
    Column("zone", "text", required=False, description="sectors allowed on the plot, "
           "separated by ';' (blank: any)"),
), "the plots of a planned park (`symbiosis place`); x_km, y_km or lat, lon as firms.csv")

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

FACILITIES = TableSpec("facilities", False, (
    Column("facility_id", "id", needs_value=True, description="facility id (not a firm id)"),
    Column("name", "text", required=False, description="display name"),
    Column("x_km", "number", required=False, description="site, plane coordinate, km"),
    Column("y_km", "number", required=False, description="site, plane coordinate, km"),
    Column("lat", "number", required=False, minimum=-90, description="site latitude, degrees"),
    Column("lon", "number", required=False, minimum=-180, description="site longitude, degrees"),
    Column("input_resource", "id", needs_value=True, description="what this conversion takes"),
    Column("output_resource", "id", needs_value=True, description="what it delivers"),
    Column("yield", "number", above=0,
           description="units of output_resource per unit of input_resource (needed but on "
                       "a heat-pump hub, where it follows from the COP: leave it blank)"),
    _money("processing_cost", "per unit of input"),
    _money("processing_co2", "t CO2e per unit of input"),
    Column("capacity", "number", required=False, above=0,
           description="most input units a year, over all the facility's conversions "
                       "(blank on a later row of the facility: its first row's)"),
    Column("fixed_cost", "number", required=False, minimum=0,
           description="per year when built"),
    Column("capex", "number", required=False, minimum=0, description="one-off, at capacity"),
    Column("capex_exponent", "number", required=False, above=0,
           description="economies of scale: capex at size q is capex·(q/capacity)^exponent, "
                       "in (0, 1]; blank: 1"),
    Column("supply_t", "number", required=False, minimum=-273.15,
           description="heat only: °C the facility delivers heat from (a loop's supply)"),
    Column("return_t", "number", required=False, minimum=-273.15,
           description="heat only: °C it delivers heat down to (a loop's return); blank: "
                       "supply_t (constant temperature)"),
    Column("source_t", "number", required=False, minimum=-273.15,
           description="heat-pump hub: °C it takes heat at (its evaporator); blank: a "
                       "hot-water loop, taking heat over return_t to supply_t"),
    Column("cop", "number", required=False, above=1,
           description="heat-pump hub: heat delivered per unit of electricity; blank: "
                       "heat_pumps.carnot_efficiency·T_supply/(T_supply − T_source), kelvin"),
    Column("licences", "text", required=False,
           description="';'-separated hazardous waste codes the facility is licensed to "
                       "receive and treat, as firms.csv licences (any row of the facility; "
                       "docs/regulation.md)"),
), "shared plants the park may build (docs/format.md, \"Facilities\"); several rows with one "
   "facility_id are conversions of one plant")

DISTANCES = TableSpec("distances", False, (
    Column("from", "id", needs_value=True, description="firm or facility id"),
    Column("to", "id", needs_value=True, description="firm or facility id"),
    Column("km", "number", needs_value=True, minimum=0, description="road (or pipe) distance"),
), "distances replacing the computed ones for the pairs listed; symmetric unless both "
   "directions are given")

TABLES = (FIRMS, RESOURCES, STREAMS, EXCHANGES, QUALITIES, EXCHANGE_QUALITIES, UTILITIES,
          FACILITIES, DISTANCES)

RowLabeller = Callable[[np.ndarray], list[str]]


# Ids may hold no control character at all (they name files, graph nodes and terminal lines);
# free text may hold tabs and newlines, not what XML 1.0 forbids (network.graphml) or what
# drives a terminal (ESC, BEL, C1 controls).
ID_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
TEXT_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def parse_table(spec: TableSpec, raw: pd.DataFrame, source: str,
                row_labels: RowLabeller, decimal: str = ".") -> tuple[pd.DataFrame, list[Problem]]:
    """Type every column of `raw` per `spec`; return the typed frame and the problems found.

    `row_labels` maps row positions to how a user finds the row ("line 4", "row 4");
    `decimal` is the CSV dialect's decimal mark (model.yaml `csv.decimal`).
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
        cells = _bounded(raw[col.name], source, col, row_labels, problems)
        blank = _blank_mask(cells)
        if col.needs_value:
            _report(problems, blank.to_numpy(), "a value is required", source, col, cells, row_labels)
        if col.kind == "number":
            out[col.name] = _parse_numbers(col, cells, blank, source, row_labels, problems,
                                           decimal)
        else:
            text = cells.astype(object).where(~blank, "").map(lambda v: str(v).strip())
            _refuse_controls(text, col, source, cells, row_labels, problems)
            if col.kind == "choice":
                text = text.str.lower()
                bad = (~blank & ~text.isin(col.choices)).to_numpy()
                _report(problems, bad, f"expected one of {', '.join(col.choices)}",
                        source, col, cells, row_labels)
            out[col.name] = text.astype(str)
    for name in ALWAYS_ALLOWED:
        if name in raw.columns:
            col = Column(name, "text")
            cells = _bounded(raw[name], source, col, row_labels, problems)
            out[name] = cells.astype(object).where(~_blank_mask(cells), "").astype(str)
            _refuse_controls(out[name], col, source, cells, row_labels, problems)
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw))), problems


def _bounded(cells: pd.Series, source: str, col: Column, row_labels: RowLabeller,
             problems: list[Problem]) -> pd.Series:
    """Cells longer than files.MAX_CELL_CHARS are reported and read as blank (a 200 MB cell
    is a wrong file, not a name)."""
    if pd.api.types.is_numeric_dtype(cells):
        return cells
    length = cells.astype("string").str.len().fillna(0).astype(int)
    long = (length > files.MAX_CELL_CHARS).to_numpy()
    if not long.any():
        return cells
    for pos, label in zip(np.flatnonzero(long), row_labels(np.flatnonzero(long))):
        problems.append(Problem(source, f"a cell of {length.iloc[pos]:,} characters, more than "
                                        f"the limit of {files.MAX_CELL_CHARS:,}",
                                row=label, column=col.name))
    return cells.where(~long, "")


def _refuse_controls(text: pd.Series, col: Column, source: str, cells: pd.Series,
                     row_labels: RowLabeller, problems: list[Problem]) -> None:
    """Control characters (NUL, ESC, BEL ...) in ids or names would make network.graphml
    ill-formed XML and reach terminals: an error naming the cell."""
    pattern = ID_CONTROL if col.kind in ("id", "choice") else TEXT_CONTROL
    bad = text.str.contains(pattern, regex=True).to_numpy(dtype=bool)
    _report(problems, bad, "control character in the text (NUL, ESC, a tab or line break "
                           "in an id ...): remove it", source, col, cells, row_labels)


def _blank_mask(cells: pd.Series) -> pd.Series:
    as_text = cells.astype(object).map(lambda v: "" if v is None else str(v).strip())
    return cells.isna() | (as_text == "") | as_text.str.lower().isin(["nan", "none"])


def _parse_numbers(col: Column, cells: pd.Series, blank: pd.Series, source: str,
                   row_labels: RowLabeller, problems: list[Problem],
                   decimal: str = ".") -> pd.Series:
    given = cells.where(~blank)
    if decimal == "," and not pd.api.types.is_numeric_dtype(given):
        # a decimal comma: "2,5" is 2.5; a point is then a thousands separator, refused
        text = given.astype("string").str.strip()
        has_point = text.str.contains(".", regex=False).fillna(False).astype(bool)
        given = text.str.replace(",", ".", regex=False).where(~has_point, "not a number")
    values = pd.to_numeric(given, errors="coerce").astype(float)
    bad = (~blank & (values.isna() | ~np.isfinite(values))).to_numpy()
    _report(problems, bad, "expected a number", source, col, cells, row_labels,
            hint=lambda v: _number_hint(v, decimal))
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


_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}([,. ]\d{3})+([.,]\d+)?")


def _number_hint(value: object, decimal: str) -> str:
    """Why a number-like cell is not a number in this dialect, and the fix."""
    text = str(value).strip()
    if decimal == "," and "." in text and re.fullmatch(r"[+-]?[\d.]+(,\d+)?", text):
        return ("; with csv decimal ',' (model.yaml) a number has no '.' (no thousands "
                "separators): write 1234,5")
    if decimal == "." and _DECIMAL_COMMA.fullmatch(text):
        return ("; write the number without a thousands separator or with a decimal point "
                "(1200, 2.5), or declare `csv: {separator: \";\", decimal: \",\"}` in "
                "model.yaml for a file with ';' between fields and decimal commas")
    if _THOUSANDS.fullmatch(text):
        return "; write the number without thousands separators (1200)"
    return ""


def _report(problems: list[Problem], bad: np.ndarray, message: str, source: str, col: Column,
            cells: pd.Series, row_labels: RowLabeller,
            hint: Callable[[object], str] | None = None) -> None:
    positions = np.flatnonzero(bad)
    if positions.size == 0:
        return
    for pos, label in zip(positions, row_labels(positions)):
        value = cells.iloc[pos]
        got = "" if message == "a value is required" else f", got {short_repr(str(value).strip())}"
        extra = hint(value) if hint is not None else ""
        problems.append(Problem(source, f"{message}{got}{extra}", row=label, column=col.name))
