"""`symbiosis merge`: returned forms checked and merged into one park model folder.

Each form is read cell by cell (a formula is refused, never evaluated), its sheets parsed by
the model's own table specs (symbiosis/tables.py) so that a bad cell is named by form,
sheet, row and column, then checked against the catalogue (resource and unit). Ids must be
unique across forms: a firm or stream id in two forms is refused naming both. The merged
folder is a model (docs/format.md, "A park model") with provenance.csv saying which form,
sheet and row each firm, stream and quality row came from; it is checked as a run checks a
model before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem
from ..tables import FIRMS, QUALITIES, STREAMS, parse_table
from .cells import FORMULA_STARTS, text_of
from .layout import (CATALOGUE, COLUMNS, CURRENCY_CELL, FIRM, LICENCE_SEPARATOR, LISTS,
                     QUALITIES as QUALITY_SHEET, STREAMS as STREAM_SHEET)

MERGED_FILES = ("model.yaml", "firms.csv", "resources.csv", "streams.csv", "qualities.csv",
                "exchanges.csv", "exchange_qualities.csv", "utilities.csv", "facilities.csv",
                "provenance.csv")
CARRIED = ("resources.csv", "exchanges.csv", "exchange_qualities.csv", "utilities.csv",
           "facilities.csv")  # from --model, byte for byte
PROVENANCE_COLUMNS = ["table", "id", "form", "sheet", "row"]
KIND = "merged-model"


@dataclass
class Form:
    """One returned form, as text cells per sheet, with its catalogue and currency."""

    path: Path
    sheets: dict[str, pd.DataFrame] = field(default_factory=dict)  # str cells, header row 1
    catalogue: pd.DataFrame | None = None
    currency: str = "USD"

    def where(self, sheet: str) -> str:
        return f"{self.path.name}, sheet {sheet}"


def _rows(positions) -> list[str]:
    return [f"row {p + 2}" for p in positions]


def read_form(path: Path, problems: list[Problem]) -> Form:
    """The form's sheets as text; formulas and formula-like texts listed as problems."""
    from openpyxl import load_workbook

    form = Form(Path(path))
    try:
        book = load_workbook(path, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        problems.append(Problem(str(path), f"cannot be read as a form (.xlsx): {exc}"))
        return form
    for name in (FIRM, STREAM_SHEET, QUALITY_SHEET, CATALOGUE):
        if name not in book.sheetnames:
            problems.append(Problem(str(path), f"has no sheet {name!r}: is it a form of "
                                    "`symbiosis template`?"))
            continue
        form.sheets[name] = _sheet_frame(form, book[name], name, problems)
    if CATALOGUE in form.sheets:
        form.catalogue = form.sheets.pop(CATALOGUE)
    if LISTS in book.sheetnames:
        lists = _sheet_frame(form, book[LISTS], LISTS, problems)
        if CURRENCY_CELL in lists and len(lists) and lists[CURRENCY_CELL].iloc[0]:
            form.currency = lists[CURRENCY_CELL].iloc[0]
    return form


def _sheet_frame(form: Form, sheet, name: str, problems: list[Problem]) -> pd.DataFrame:
    """A sheet as a frame of text cells (header row 1; rows all blank dropped)."""
    rows = []
    for r, cells in enumerate(sheet.iter_rows(), start=1):
        texts = []
        for c, cell in enumerate(cells):
            text, formula = text_of(cell)
            if formula:
                problems.append(Problem(form.where(name), "holds a formula: type the value "
                                        "(formulas are never run)", row=f"row {r}",
                                        column=cell.column_letter))
                text = ""
            texts.append(text)
        rows.append(texts)
    if not rows:
        return pd.DataFrame()
    header = [h for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    body = [row[:len(header)] + [""] * (len(header) - len(row)) for row in rows[1:]]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.index = range(len(frame))
    keep = frame.ne("").any(axis=1) if len(frame.columns) else pd.Series(dtype=bool)
    return frame[keep]


def _text_problems(form: Form, sheet: str, frame: pd.DataFrame, numbers: set[str],
                   problems: list[Problem]) -> None:
    """Text that a spreadsheet would run (= + - @ first) is refused: the merged tables are
    opened in spreadsheets too."""
    for column in frame.columns:
        if column in numbers:
            continue
        bad = frame[column].astype(str).str.startswith(FORMULA_STARTS)
        for position in frame.index[bad]:
            problems.append(Problem(form.where(sheet), "starts like a spreadsheet formula "
                                    "(= + - @): remove the first character", row=_rows(
                                        [position])[0], column=column))


NUMBERS = {"lat", "lon", "x_km", "y_km", "quantity", "price", "co2", "t_in", "t_out", "value"}


def _check_columns(form: Form, sheet: str, problems: list[Problem]) -> pd.DataFrame | None:
    frame = form.sheets.get(sheet)
    if frame is None:
        return None
    unknown = [c for c in frame.columns if c not in COLUMNS[sheet]]
    missing = [c for c in COLUMNS[sheet][:1] if c not in frame.columns]
    for column in unknown:
        problems.append(Problem(form.where(sheet), "unknown column (expected: "
                                + ", ".join(COLUMNS[sheet]) + ")", column=column or "(blank)"))
    for column in missing:
        problems.append(Problem(form.where(sheet), "required column is missing",
                                column=column))
    if unknown or missing:
        return None
    _text_problems(form, sheet, frame, NUMBERS, problems)
    return frame


@dataclass
class Checked:
    """One form's rows as model-table frames (text cells), with each row's form row."""

    form: Form
    firm: pd.DataFrame
    streams: pd.DataFrame
    qualities: pd.DataFrame


def check_form(form: Form, resources: pd.DataFrame, problems: list[Problem]) -> Checked | None:
    """The form's firm, streams and qualities, each cell checked by the model's specs."""
    firm = _check_columns(form, FIRM, problems)
    streams = _check_columns(form, STREAM_SHEET, problems)
    qualities = _check_columns(form, QUALITY_SHEET, problems)
    if firm is None or streams is None or qualities is None:
        return None
    before = len(problems)
    if len(firm) != 1:
        problems.append(Problem(form.where(FIRM), f"holds {len(firm)} firms: a form is one "
                                "firm's, on row 2", row="row 2", column="firm_id"))
        return None
    firm_id = firm.firm_id.iloc[0]
    codes = firm.pop("licences") if "licences" in firm else pd.Series("", index=firm.index)
    _parse(FIRMS, firm, form.where(FIRM), problems)
    units = resources.set_index("resource").unit.astype(str) if len(resources) else \
        pd.Series(dtype=str)
    streams = streams.assign(firm_id=firm_id)
    unit = streams.pop("unit") if "unit" in streams else pd.Series("", index=streams.index)
    _parse(STREAMS, streams, form.where(STREAM_SHEET), problems)
    for position, row in streams.iterrows():
        where = dict(row=_rows([position])[0])
        if row.resource and row.resource not in units.index:
            problems.append(Problem(form.where(STREAM_SHEET), f"unknown resource "
                                    f"{row.resource!r}: choose one of the catalogue (sheet "
                                    f"{CATALOGUE})", column="resource", **where))
        elif unit[position] and row.resource and \
                unit[position].strip().lower() != units[row.resource].strip().lower():
            problems.append(Problem(form.where(STREAM_SHEET), f"unit {unit[position]!r}: "
                                    f"{row.resource} is measured in {units[row.resource]}",
                                    column="unit", **where))
    dup = streams.stream_id[streams.stream_id.duplicated() & streams.stream_id.ne("")]
    for position, sid in dup.items():
        problems.append(Problem(form.where(STREAM_SHEET), f"stream id {sid!r} appears twice",
                                row=_rows([position])[0], column="stream_id"))
    _parse(QUALITIES, qualities, form.where(QUALITY_SHEET), problems)
    for position, sid in qualities.stream_id.items():
        if sid and sid not in set(streams.stream_id):
            problems.append(Problem(form.where(QUALITY_SHEET), f"stream {sid!r} is not on "
                                    f"sheet {STREAM_SHEET}", row=_rows([position])[0],
                                    column="stream_id"))
    if len(problems) > before:
        return None
    firm = firm.copy()
    licences = [c.strip() for c in codes.iloc[0].split(LICENCE_SEPARATOR) if c.strip()]
    firm["licences"] = LICENCE_SEPARATOR.join(licences)
    return Checked(form, firm, streams, qualities)


def _parse(spec, frame: pd.DataFrame, source: str, problems: list[Problem]) -> None:
    """The model's own cell checks (types, ranges, blanks), located in the form."""
    _, found = parse_table(spec, frame, source, _rows)
    problems.extend(found)


def _conflicts(checked: list[Checked], problems: list[Problem]) -> None:
    """Firm and stream ids in more than one form, naming both forms."""
    for table, sheet, column, frame_of in (
            ("firm", FIRM, "firm_id", lambda c: c.firm),
            ("stream", STREAM_SHEET, "stream_id", lambda c: c.streams)):
        seen: dict[str, tuple[Checked, int]] = {}
        for c in checked:
            for position, value in frame_of(c)[column].items():
                if value in seen and seen[value][0] is not c:
                    first, row = seen[value]
                    problems.append(Problem(
                        c.form.where(sheet), f"{table} id {value!r} is also in "
                        f"{first.form.path.name} (sheet {sheet}, {_rows([row])[0]}): ids must "
                        "be unique across forms; the association gives each firm its ids",
                        row=_rows([position])[0], column=column))
                seen.setdefault(value, (c, position))


def _catalogue(forms: list[Form], model: Path | None,
               problems: list[Problem]) -> tuple[pd.DataFrame, str]:
    """The resources the forms are checked against: MODEL's, or the forms' own catalogue,
    which must be the same in every form."""
    if model is not None:
        from .template import catalogue
        return catalogue(model)
    first = next((f for f in forms if f.catalogue is not None), None)
    if first is None:
        return pd.DataFrame(columns=["resource", "unit"]), "USD"
    for f in forms:
        if f.catalogue is not None and not f.catalogue.equals(first.catalogue):
            problems.append(Problem(f.where(CATALOGUE), f"differs from the catalogue of "
                                    f"{first.path.name}: forms of one park share one "
                                    "catalogue (or give --model)"))
    return first.catalogue, first.currency


def merge_frames(paths: list[Path], model: Path | None = None) -> dict[str, pd.DataFrame]:
    """The merged tables (firms, streams, qualities, resources, provenance); InputError with
    every problem of every form."""
    problems: list[Problem] = []
    forms = [read_form(Path(p), problems) for p in paths]
    names = [f.path.name for f in forms]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(Problem(name, "given twice (or two forms of one file name): give "
                                "each form once, with distinct names"))
    resources, currency = _catalogue(forms, model, problems)
    checked = [c for c in (check_form(f, resources, problems) for f in forms if f.sheets)
               if c is not None]
    _conflicts(checked, problems)
    if problems:
        raise InputError(problems)
    firms = pd.concat([c.firm for c in checked], ignore_index=True)
    streams = pd.concat([c.streams for c in checked], ignore_index=True)
    qualities = pd.concat([c.qualities for c in checked], ignore_index=True)
    provenance = pd.DataFrame(
        [("firms", c.firm.firm_id.iloc[0], c.form.path.name, FIRM, 2) for c in checked]
        + [("streams", s, c.form.path.name, STREAM_SHEET, p + 2)
           for c in checked for p, s in c.streams.stream_id.items()]
        + [("qualities", f"{s}:{q}", c.form.path.name, QUALITY_SHEET, p + 2)
           for c in checked for p, (s, q) in
           c.qualities[["stream_id", "property"]].iterrows()],
        columns=PROVENANCE_COLUMNS)
    if not firms.licences.astype(bool).any():
        firms = firms.drop(columns="licences")  # docs/format.md: only where a firm has some
    return {"firms": _tidy(firms, FIRMS), "streams": _tidy(streams[[
                c for c in STREAM_ORDER if c in streams]], STREAMS),
            "qualities": _tidy(qualities, QUALITIES), "resources": resources,
            "provenance": provenance, "currency": pd.DataFrame({"currency": [currency]})}


STREAM_ORDER = ["stream_id", "firm_id", "direction", "resource", "quantity", "price", "co2",
                "t_in", "t_out", "note"]


def _tidy(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """Optional columns that no row fills are left out (an absent one is blank)."""
    required = {c.name for c in spec.columns if c.required}
    return frame.loc[:, [c for c in frame.columns if c in required
                         or frame[c].astype(str).ne("").any()]]


def check_merge_folder(out: str | Path, option: str = "-o") -> Path:
    from ..outputs import check_folder, names_in
    return check_folder(Path(out), KIND, option, allowed=names_in(MERGED_FILES))


def merge_forms(paths: list[str | Path], out: str | Path, model: str | Path | None = None,
                name: str = "merged park") -> tuple[Path, dict[str, int]]:
    """Merge returned forms into the model folder `out` (all at once); return it and the
    counts of firms, streams and qualities. With `model`, its model.yaml and catalogue
    tables (resources, exchanges, …) are carried byte for byte; without, the forms'
    catalogue and a model.yaml of `name` and the forms' currency."""
    from ..io import park_from_frames, resolve_model_path
    from ..outputs import write_folder
    from ..yamlio import parse_yaml_mapping

    out = check_merge_folder(out)
    model_file = resolve_model_path(model) if model is not None else None
    if model_file is not None and parse_yaml_mapping(
            model_file.read_text(encoding="utf-8"), str(model_file)).get("workbook"):
        raise InputError(Problem(str(model_file), "names a workbook: --model takes a model of "
                                 "CSV tables", key="workbook"))
    tables = merge_frames([Path(p) for p in paths], model_file.parent if model_file else None)
    currency = tables.pop("currency").currency.iloc[0]
    config_text = model_file.read_text(encoding="utf-8") if model_file else (
        f"name: {_yaml_text(name)}\ncurrency: {_yaml_text(currency)}\n")
    config = parse_yaml_mapping(config_text, str(model_file or "model.yaml"))
    firms = tables["firms"]
    if model_file is None:
        tables["resources"] = tables["resources"][tables["resources"].resource.isin(
            tables["streams"].resource)]
    park_from_frames(config, firms, tables["resources"], tables["streams"],
                     qualities=tables["qualities"] if len(tables["qualities"]) else None,
                     **_carried_frames(model_file))  # a model that would not load: refused

    def fill(tmp: Path) -> None:
        (tmp / "model.yaml").write_text(config_text, encoding="utf-8", newline="\n")
        for table in ("firms", "streams", "qualities", "provenance"):
            if table == "qualities" and not len(tables[table]):
                continue
            tables[table].to_csv(tmp / f"{table}.csv", index=False, lineterminator="\n")
        if model_file is None:  # the resources the forms use (a catalogue has many more)
            tables["resources"].to_csv(tmp / "resources.csv", index=False,
                                       lineterminator="\n")
        else:
            for file in CARRIED:
                if (model_file.parent / file).is_file():
                    (tmp / file).write_bytes((model_file.parent / file).read_bytes())

    write_folder(out, KIND, fill)
    return out, {"firms": len(tables["firms"]), "streams": len(tables["streams"]),
                 "qualities": len(tables["qualities"])}


def _carried_frames(model_file: Path | None) -> dict[str, pd.DataFrame]:
    """MODEL's other tables, as the merged model will have them (for the check)."""
    if model_file is None:
        return {}
    out = {}
    for file in CARRIED[1:]:
        path = model_file.parent / file
        if path.is_file():
            out[path.stem] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


def _yaml_text(text: str) -> str:
    """A YAML scalar that stays the text given (quoted, escapes doubled)."""
    import json
    return json.dumps(str(text), ensure_ascii=False)
