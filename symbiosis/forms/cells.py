"""Workbook cells that never run: text written as text, formulas refused on reading."""
from __future__ import annotations

import math
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # spreadsheets read these as formulas


def put(sheet, row: int, column: int, value: Any) -> None:
    """Write one cell; a text stays text (openpyxl would store `=HYPERLINK(…)` as a live
    formula): its type is forced to string and, where it starts like a formula, the cell is
    quote-prefixed so that it stays text when someone edits it."""
    cell = sheet.cell(row=row, column=column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        value = str(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True


def text_of(cell) -> tuple[str, bool]:
    """A cell as the text the model tables are parsed from, and whether it is a formula."""
    value = cell.value
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")
                                 and not cell.quotePrefix):
        return str(value), True
    if value is None:
        return "", False
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), False
    return str(value).strip(), False
