"""Reading park models: a folder of CSV files, one .xlsx workbook, or pandas DataFrames.

All three paths produce the same typed `Tables`, so validation is identical whatever the
source; only how a row is named in messages differs (CSV line, sheet row, frame index).
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import files
from .checks import ROW, Tables
from .errors import InputError, Problem, raise_if
from .park import Park, build_park
from .schema import CsvDialect
from .tables import TABLES, TableSpec, parse_table
from .yamlio import parse_yaml_mapping, validate_mapping

MODEL_FILE = "model.yaml"


@dataclass
class ModelInputs:
    """A park model as read, before scenario overrides and final validation."""

    config: dict[str, Any]
    config_source: str
    tables: Tables
    folder: Path | None = None


def resolve_model_path(path: str | Path) -> Path:
    """The model.yaml of a model given as its folder or as the file itself."""
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
        if not path.exists():
            raise InputError(Problem(str(path.parent), "park model not found: the folder has "
                                                       f"no {MODEL_FILE}"))
    elif not path.exists():
        raise InputError(Problem(str(path), "not found: no such folder or file (expected a "
                                            f"park model folder with {MODEL_FILE})"))
    return path


@dataclass(frozen=True)
class ModelFiles:
    """The bytes of a model's input files, each read once (through `files`: regular files of
    bounded size only).

    Parsing these bytes (`read_model(path, files)`) and hashing them (`digest`) cannot
    disagree, even when a file is edited while a sweep runs: the hash is of what was read.
    A table file that could not be read keeps its problems in `unreadable`, so that they are
    listed with every other problem of the model.
    """

    model_file: Path
    contents: dict[Path, bytes]  # model.yaml first, then its workbook or its tables' CSVs
    unreadable: dict[Path, list[Problem]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # model.yaml, parsed once

    def digest(self) -> str:
        """sha256 of each file's name and bytes, in reading order."""
        h = hashlib.sha256()
        for path, data in self.contents.items():
            h.update(path.name.encode() + b"\0" + data + b"\0")
        return h.hexdigest()

    def text(self, path: Path) -> str:
        return files.decode_utf8(self.contents[path], str(path))


def read_model_files(path: str | Path) -> ModelFiles:
    """Read the bytes of model.yaml and of the files it is made of (absent ones are left out;
    reading them reports that)."""
    model_file = resolve_model_path(path)
    contents = {model_file: files.read_bytes(model_file, files.MAX_YAML_BYTES, "YAML file")}
    config = parse_yaml_mapping(ModelFiles(model_file, contents).text(model_file),
                                str(model_file))
    folder = model_file.parent
    workbook = config.get("workbook")
    if workbook:
        paths = [(folder / str(workbook), "workbook")]
    else:
        paths = [(folder / f"{spec.name}.csv", "table") for spec in TABLES]
    unreadable = {}
    for p, what in paths:
        if os.path.lexists(p):  # a FIFO or a broken link too: read_bytes says what it is
            try:
                contents[p] = files.read_bytes(p, files.MAX_TABLE_BYTES, what)
            except InputError as exc:
                unreadable[p] = exc.problems
    return ModelFiles(model_file, contents, unreadable, config)


def read_model(path: str | Path, model_files: ModelFiles | None = None) -> ModelInputs:
    """Read model.yaml and its tables (CSV files beside it, or the workbook it names).

    With `model_files` (from read_model_files), parse those bytes instead of reading the
    disk again.
    """
    model_files = model_files or read_model_files(path)
    model_file = model_files.model_file
    config = model_files.config
    folder = model_file.parent
    workbook = config.get("workbook")
    if workbook:
        tables = _read_workbook(folder / str(workbook), model_files)
    else:
        tables = _read_csv_folder(folder, model_files, _dialect(config, str(model_file)))
    return ModelInputs(config=config, config_source=str(model_file), tables=tables, folder=folder)


def load_park(path: str | Path) -> Park:
    """Load and validate a park model folder (or its model.yaml)."""
    inputs = read_model(path)
    return build_park(inputs.config, inputs.config_source, inputs.tables)


def park_from_frames(config: Mapping[str, Any], firms: pd.DataFrame, resources: pd.DataFrame,
                     streams: pd.DataFrame, exchanges: pd.DataFrame | None = None,
                     qualities: pd.DataFrame | None = None,
                     exchange_qualities: pd.DataFrame | None = None,
                     utilities: pd.DataFrame | None = None,
                     facilities: pd.DataFrame | None = None,
                     distances: pd.DataFrame | None = None) -> Park:
    """Build a validated Park from DataFrames (in a notebook); same rules as files."""
    frames = {"firms": firms, "resources": resources, "streams": streams,
              "exchanges": exchanges, "qualities": qualities,
              "exchange_qualities": exchange_qualities, "utilities": utilities,
              "facilities": facilities, "distances": distances}
    raw: dict[str, tuple[pd.DataFrame | None, str, Any]] = {}
    for spec in TABLES:
        frame = frames[spec.name]
        if frame is not None:
            frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
        raw[spec.name] = (frame, f"{spec.name} (DataFrame)",
                          lambda positions: [f"row {p}" for p in positions])
    tables = _parse_all(raw)
    return build_park(dict(config), "config (dict)", tables)


def read_table_file(path: Path, spec: TableSpec, config: Mapping[str, Any],
                    config_source: str) -> pd.DataFrame:
    """One CSV table beside a model that the park loader does not read (plots.csv, for
    `symbiosis place`), in the model's CSV dialect, typed per `spec`, each row's line in ROW.
    Every bad cell is an InputError naming the file, line and column."""
    typed, problems = parse_table_file(path, spec, _dialect(dict(config), config_source))
    raise_if(problems)
    return typed


def parse_table_file(path: Path, spec: TableSpec,
                     dialect: CsvDialect) -> tuple[pd.DataFrame, list[Problem]]:
    """One optional CSV table beside a model, typed per `spec`, each row's line in ROW, and
    every bad cell as a Problem naming the file, line and column (the caller raises them,
    so that several files' problems can be reported together)."""
    source = str(path)
    frame, lines = _read_csv(path, files.read_bytes(path, files.MAX_TABLE_BYTES, "table"),
                             dialect)
    labeller = lambda pos: [f"line {lines[p]}" for p in pos]  # noqa: E731
    problems: list[Problem] = []
    frame = _drop_empty_unnamed(frame, source, problems)
    typed, found = parse_table(spec, frame, source, labeller, decimal=dialect.decimal)
    typed[ROW] = labeller(np.arange(len(typed))) if len(typed) else pd.Series(dtype=str)
    return typed, problems + found


def _dialect(config: dict[str, Any], source: str) -> CsvDialect:
    """The `csv:` section of model.yaml, needed before the tables can be read."""
    section = config.get("csv", {})
    if not isinstance(section, dict):
        return validate_mapping(CsvDialect, {"separator": section}, source, "csv.")  # raises
    return validate_mapping(CsvDialect, section, source, key_prefix="csv.")


def _read_csv_folder(folder: Path, model_files: ModelFiles,
                     dialect: CsvDialect = CsvDialect()) -> Tables:
    raw, problems, unread = {}, [], set()
    for spec in TABLES:
        path = folder / f"{spec.name}.csv"
        frame, lines = None, np.zeros(0, dtype=int)
        if path in model_files.unreadable:
            problems += model_files.unreadable[path]
            unread.add(spec.name)
        elif path in model_files.contents:
            try:
                frame, lines = _read_csv(path, model_files.contents[path], dialect)
            except InputError as exc:
                problems += exc.problems
                unread.add(spec.name)
        elif spec.required:
            problems.append(Problem(str(path), "required file is missing"))
            unread.add(spec.name)
        raw[spec.name] = (frame, str(path),
                          lambda pos, lines=lines: [f"line {lines[p]}" for p in pos])
    return _parse_all(raw, problems, decimal=dialect.decimal, unread=unread)


_OTHER_SEPARATORS = {";": "';'", "\t": "a tab", "|": "'|'", ",": "','"}


def _read_csv(path: Path, data: bytes, dialect: CsvDialect) -> tuple[pd.DataFrame, np.ndarray]:
    """A CSV file as strings, and the line in the file where each data row starts.

    Read with the `csv` module rather than pandas so that a row's label is its real line
    (after blank lines and quoted newlines) and every malformed row is reported, located.
    """
    source = str(path)
    text = files.decode_utf8(data, source)
    long_line = re.search(f"[^\r\n]{{{files.MAX_LINE_CHARS + 1}}}", text)
    if long_line:
        line = text.count("\n", 0, long_line.start()) + 1
        raise InputError(Problem(source, f"line longer than the limit of "
                                         f"{files.MAX_LINE_CHARS:,} characters: is this a CSV "
                                         "table?", row=f"line {line}"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.separator,
                        skipinitialspace=True)
    records, starts, end = [], [], 0
    try:
        for record in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in record):  # blank lines and rows of blanks skipped
                records.append(record)
                starts.append(start)
    except csv.Error as exc:
        line = f"line {end + 1}"  # where the record that failed starts
        if "field larger than field limit" in str(exc):
            raise InputError(Problem(source, f"a cell longer than the limit of "
                                             f"{files.MAX_CELL_CHARS:,} characters (an "
                                             "unclosed quote?)", row=line)) from None
        raise InputError(Problem(source, f"cannot read CSV: {exc}", row=line)) from None
    if not records:
        raise InputError(Problem(source, "file is empty (expected a header row)"))
    header = [name.strip() for name in records[0]]
    _check_separator(header, dialect, source)
    width = len(header)
    rows, too_long = [], []
    for record, start in zip(records[1:], starts[1:]):
        if len(record) > width:  # blank or not: `1,060,` would shift every later cell
            too_long.append((start, record))
        rows.append((record + [""] * width)[:width])
    if too_long:  # one message for the file's shape, naming its first line and counting
        start, record = too_long[0]
        others = [str(line) for line, _ in too_long[1:]]
        also = (f" (so do lines {', '.join(others[:5])}{', ...' if len(others) > 5 else ''})"
                if others else "")
        raise InputError(Problem(source, _extra_fields(record, width, dialect, also),
                                 row=f"line {start}"))
    columns = [name or f"Unnamed: {i}" for i, name in enumerate(header)]
    frame = pd.DataFrame(rows, columns=columns, dtype=str) if rows else \
        pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    return frame, np.asarray(starts[1:], dtype=int)


def _check_separator(header: list[str], dialect: CsvDialect, source: str) -> None:
    """A header of one field holding another separator: the file is in another dialect."""
    if len(header) != 1:
        return
    for other, shown in _OTHER_SEPARATORS.items():
        if other != dialect.separator and len(header[0].split(other)) > 2:
            declared = ("" if dialect.separator == "," else
                        f" but model.yaml declares csv separator {dialect.separator!r}")
            if other == ";":
                fix = ("declare it in model.yaml: `csv: {separator: \";\", decimal: \",\"}` "
                       "(a spreadsheet export in a Vietnamese, French or German locale: "
                       "decimal commas too), or save the file with commas")
            else:
                fix = (f"declare it in model.yaml: `csv: {{separator: {other!r}}}`, or save "
                       "the file with commas")
            raise InputError(Problem(source, f"fields are separated by {shown}{declared}: {fix}",
                                     row="line 1"))


_SPLIT_NUMBER = re.compile(r"\s*[+-]?\d+\s*")


def _extra_fields(record: list[str], width: int, dialect: CsvDialect, also: str = "") -> str:
    message = f"cannot read CSV: {len(record)} fields, but the header has {width}{also}"
    split = any(_SPLIT_NUMBER.fullmatch(a) and re.fullmatch(r"\d+\s*", b)
                for a, b in zip(record, record[1:]))
    if split and dialect.separator == ",":
        return (message + ": a number written with a thousands separator or a decimal comma "
                "(1,200 or 2,5) splits into two fields; write 1200 or 2.5, or quote the cell; "
                "for a file with ';' between fields and decimal commas declare "
                "`csv: {separator: \";\", decimal: \",\"}` in model.yaml")
    return message + ": remove the extra values, or quote a cell that holds the separator"


def _check_workbook_size(path: Path, data: bytes) -> None:
    """An .xlsx is a zip archive: refuse one that unpacks to more than the limit (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: openpyxl says what it is
    if unpacked > files.MAX_WORKBOOK_UNPACKED_BYTES:
        raise InputError(Problem(str(path), f"workbook unpacks to {unpacked / files.MB:,.0f} MB, "
                                            "more than the limit of "
                                            f"{files.MAX_WORKBOOK_UNPACKED_BYTES / files.MB:,.0f}"
                                            " MB: split it, or give the tables as CSV files"))


def _read_workbook(path: Path, model_files: ModelFiles) -> Tables:
    if path in model_files.unreadable:
        raise InputError(model_files.unreadable[path])
    if path not in model_files.contents:
        raise InputError(Problem(str(path), "workbook named in model.yaml not found"))
    data = model_files.contents[path]
    _check_workbook_size(path, data)
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str,
                               keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputError(Problem(str(path), f"cannot read workbook: {exc}")) from None
    raw, problems, unread = {}, [], set()
    for spec in TABLES:
        frame = sheets.get(spec.name)
        if frame is None and spec.required:
            problems.append(Problem(str(path), f"required sheet {spec.name!r} is missing"))
            unread.add(spec.name)
        raw[spec.name] = (frame, f"{path}, sheet {spec.name}",
                          lambda pos: [f"row {p + 2}" for p in pos])
    return _parse_all(raw, problems, unread=unread)


def _parse_all(raw: dict[str, tuple[pd.DataFrame | None, str, Any]],
               problems: list[Problem] | None = None, decimal: str = ".",
               unread: set[str] | frozenset[str] = frozenset()) -> Tables:
    """Parse each table per its spec. Problems are not raised here but carried in the Tables,
    so that build_park lists them with the cross-table checks run on what parsed: a blank
    cell must not hide a misspelt resource until the next run. A table that could not be read
    at all (`broken`) is an empty table of its columns, and checks that need it are skipped."""
    parsed, sources, problems, broken = {}, {}, list(problems or []), set(unread)
    for spec in TABLES:
        frame, source, labeller = raw[spec.name]
        sources[spec.name] = source
        if frame is None:
            frame = _empty(spec)
        frame = _drop_empty_unnamed(frame, source, problems)
        typed, found = parse_table(spec, frame, source, labeller, decimal=decimal)
        problems += found
        if typed.columns.empty:  # unknown or missing columns: nothing to check it with
            typed, _ = parse_table(spec, _empty(spec), source, labeller)
            broken.add(spec.name)
        typed[ROW] = labeller(np.arange(len(typed))) if len(typed) else pd.Series(dtype=str)
        parsed[spec.name] = typed
    return Tables(**parsed, sources=sources, problems=problems, broken=frozenset(broken))


def _drop_empty_unnamed(frame: pd.DataFrame, source: str,
                        problems: list[Problem]) -> pd.DataFrame:
    """A column without a header (a trailing comma) is dropped if blank, an error if not."""
    keep = []
    for position, name in enumerate(frame.columns):
        if not str(name).startswith("Unnamed:"):
            keep.append(name)
        elif (frame[name].astype(str).str.strip() != "").any():
            problems.append(Problem(source, f"column {position + 1} has values but no header"))
    return frame.loc[:, keep]


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=str) for c in spec.columns if c.required})
