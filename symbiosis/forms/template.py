"""`symbiosis template`: the blank form a firm fills in, with drop-down lists (data
validation) of the park's resources, units and directions."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..outputs import sheet_names, xlsx_bytes
from .cells import put
from .layout import (CATALOGUE, COLUMNS, CURRENCY_CELL, DIRECTIONS, FIRM, FORM_ROWS,
                     INSTRUCTIONS, INSTRUCTIONS_TEXT, LISTS, QUALITIES, STREAMS)

def catalogue(model: str | Path | None) -> tuple[pd.DataFrame, str]:
    """The resources (resources.csv columns) and currency of MODEL, checked as a run checks
    it, or of the default catalogue (the generated province's, symbiosis/generate.py)."""
    if model is None:
        from ..generate import RESOURCE_COLUMNS, RESOURCES
        return pd.DataFrame(RESOURCES, columns=RESOURCE_COLUMNS), "USD"
    from ..io import load_park, read_model
    load_park(model)  # a model that would not run: its own located errors, exit 2
    inputs = read_model(model)
    resources = inputs.tables.resources.drop(columns=["_row"], errors="ignore")
    return resources.reset_index(drop=True), str(inputs.config.get("currency", "USD"))


def template_bytes(model: str | Path | None = None) -> bytes:
    """The form as .xlsx bytes (deterministic: fixed times, fixed zip order)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    resources, currency = catalogue(model)
    book = Workbook()
    book.remove(book.active)
    sheet = book.create_sheet(INSTRUCTIONS)
    put(sheet, 1, 1, "English")
    put(sheet, 1, 2, "Tiếng Việt")
    for i, (en, vi) in enumerate(INSTRUCTIONS_TEXT, start=2):
        put(sheet, i, 1, en)
        put(sheet, i, 2, vi)
    sheet.column_dimensions["A"].width = sheet.column_dimensions["B"].width = 90
    for name in (FIRM, STREAMS, QUALITIES):
        sheet = book.create_sheet(name)
        for j, column in enumerate(COLUMNS[name], start=1):
            put(sheet, 1, j, column)
        sheet.freeze_panes = "A2"
    cat = book.create_sheet(CATALOGUE)
    for j, column in enumerate(resources.columns, start=1):
        put(cat, 1, j, column)
    for i, row in enumerate(resources.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            put(cat, i, j, value)
    units = sorted(set(resources.unit.astype(str)))
    lists = book.create_sheet(LISTS)
    for j, (title, values) in enumerate((("direction", DIRECTIONS), ("unit", units)), start=1):
        put(lists, 1, j, title)
        for i, value in enumerate(values, start=2):
            put(lists, i, j, value)
    put(lists, 1, 3, CURRENCY_CELL)
    put(lists, 2, 3, currency)
    lists.sheet_state = "hidden"
    streams = book[STREAMS]
    last = FORM_ROWS + 1
    for column, source in (("B", f"{LISTS}!$A$2:$A${1 + len(DIRECTIONS)}"),
                           ("C", f"{CATALOGUE}!$A$2:$A${1 + len(resources)}"),
                           ("E", f"{LISTS}!$B$2:$B${1 + len(units)}")):
        rule = DataValidation(type="list", formula1=source, allow_blank=True,
                              showErrorMessage=True)
        rule.add(f"{column}2:{column}{last}")
        streams.add_data_validation(rule)
    return xlsx_bytes(book)


def is_form(path: Path) -> bool:
    """A workbook whose sheets are the form's (so `template -o` may replace it)."""
    sheets = sheet_names(path)
    return bool(sheets) and sheets[0] == INSTRUCTIONS and FIRM in sheets


def write_template(out: str | Path, model: str | Path | None = None) -> Path:
    """Write the blank form to `out` atomically; never over a file symbiosis did not write."""
    from ..outputs import check_file, write_file

    out = check_file(Path(out), is_form, "-o", "form")
    return write_file(out, template_bytes(model))
