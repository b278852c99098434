"""Reading park models: a folder of CSV files, one .xlsx workbook, or pandas DataFrames.

All three paths produce the same typed `Tables`, so validation is identical whatever the
source; only how a row is named in messages differs (CSV line, sheet row, frame index).
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .checks import ROW, Tables
from .errors import InputError, Problem, raise_if
from .park import Park, build_park
from .tables import TABLES, TableSpec, parse_table
from .yamlio import parse_yaml_mapping

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
        raise InputError(Problem(str(path), "park model not found (expected a folder with "
                                            f"{MODEL_FILE})"))
    return path


@dataclass(frozen=True)
class ModelFiles:
    """The bytes of a model's input files, each read once.

    Parsing these bytes (`read_model(path, files)`) and hashing them (`digest`) cannot
    disagree, even when a file is edited while a sweep runs: the hash is of what was read.
    """

    model_file: Path
    contents: dict[Path, bytes]  # model.yaml first, then its workbook or its tables' CSVs

    def digest(self) -> str:
        """sha256 of each file's name and bytes, in reading order."""
        h = hashlib.sha256()
        for path, data in self.contents.items():
            h.update(path.name.encode() + b"\0" + data + b"\0")
        return h.hexdigest()

    def text(self, path: Path) -> str:
        try:
            return self.contents[path].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(Problem(str(path), f"cannot read file: {exc}")) from None


def read_model_files(path: str | Path) -> ModelFiles:
    """Read the bytes of model.yaml and of the files it is made of (absent ones are left out;
    reading them reports that)."""
    model_file = resolve_model_path(path)
    contents = {model_file: _read_bytes(model_file)}
    config = parse_yaml_mapping(ModelFiles(model_file, contents).text(model_file),
                                str(model_file))
    folder = model_file.parent
    workbook = config.get("workbook")
    paths = [folder / str(workbook)] if workbook else [folder / f"{spec.name}.csv"
                                                        for spec in TABLES]
    for p in paths:
        if p.is_file():
            contents[p] = _read_bytes(p)
    return ModelFiles(model_file, contents)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(str(path), f"cannot read file: {exc}")) from None


def read_model(path: str | Path, files: ModelFiles | None = None) -> ModelInputs:
    """Read model.yaml and its tables (CSV files beside it, or the workbook it names).

    With `files` (from read_model_files), parse those bytes instead of reading the disk again.
    """
    files = files or read_model_files(path)
    model_file = files.model_file
    config = parse_yaml_mapping(files.text(model_file), str(model_file))
    folder = model_file.parent
    workbook = config.get("workbook")
    if workbook:
        tables = _read_workbook(folder / str(workbook), files.contents)
    else:
        tables = _read_csv_folder(folder, files.contents)
    return ModelInputs(config=config, config_source=str(model_file), tables=tables, folder=folder)


def load_park(path: str | Path) -> Park:
    """Load and validate a park model folder (or its model.yaml)."""
    inputs = read_model(path)
    return build_park(inputs.config, inputs.config_source, inputs.tables)


def park_from_frames(config: Mapping[str, Any], firms: pd.DataFrame, resources: pd.DataFrame,
                     streams: pd.DataFrame, exchanges: pd.DataFrame | None = None,
                     qualities: pd.DataFrame | None = None,
                     exchange_qualities: pd.DataFrame | None = None,
                     utilities: pd.DataFrame | None = None) -> Park:
    """Build a validated Park from DataFrames (in a notebook); same rules as files."""
    frames = {"firms": firms, "resources": resources, "streams": streams,
              "exchanges": exchanges, "qualities": qualities,
              "exchange_qualities": exchange_qualities, "utilities": utilities}
    raw: dict[str, tuple[pd.DataFrame | None, str, Any]] = {}
    for spec in TABLES:
        frame = frames[spec.name]
        if frame is not None:
            frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
        raw[spec.name] = (frame, f"{spec.name} (DataFrame)",
                          lambda positions: [f"row {p}" for p in positions])
    tables = _parse_all(raw)
    return build_park(dict(config), "config (dict)", tables)


def _read_csv_folder(folder: Path, contents: Mapping[Path, bytes]) -> Tables:
    raw = {}
    for spec in TABLES:
        path = folder / f"{spec.name}.csv"
        frame = _read_csv(path, contents[path]) if path in contents else None
        if frame is None and spec.required:
            raise InputError(Problem(str(path), "required file is missing"))
        raw[spec.name] = (frame, str(path), lambda pos: [f"line {p + 2}" for p in pos])
    return _parse_all(raw)


def _read_csv(path: Path, data: bytes) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # extra fields: an error
            return pd.read_csv(BytesIO(data), dtype=str, keep_default_na=False, skipinitialspace=True,
                               encoding="utf-8-sig", skip_blank_lines=True, index_col=False)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(str(path), "file is empty (expected a header row)")) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, UnicodeDecodeError, OSError) as exc:
        raise InputError(Problem(str(path), f"cannot read CSV: {exc}")) from None


def _read_workbook(path: Path, contents: Mapping[Path, bytes]) -> Tables:
    if path not in contents:
        raise InputError(Problem(str(path), "workbook named in model.yaml not found"))
    try:
        sheets = pd.read_excel(BytesIO(contents[path]), sheet_name=None, dtype=str, keep_default_na=False,
                               engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise InputError(Problem(str(path), f"cannot read workbook: {exc}")) from None
    raw = {}
    for spec in TABLES:
        frame = sheets.get(spec.name)
        if frame is None and spec.required:
            raise InputError(Problem(str(path), f"required sheet {spec.name!r} is missing"))
        raw[spec.name] = (frame, f"{path}, sheet {spec.name}",
                          lambda pos: [f"row {p + 2}" for p in pos])
    return _parse_all(raw)


def _parse_all(raw: dict[str, tuple[pd.DataFrame | None, str, Any]]) -> Tables:
    """Parse each table per its spec; report every problem of every table at once."""
    parsed, sources, problems = {}, {}, []
    for spec in TABLES:
        frame, source, labeller = raw[spec.name]
        sources[spec.name] = source
        if frame is None:
            frame = _empty(spec)
        frame = _drop_empty_unnamed(frame, source, problems)
        typed, found = parse_table(spec, frame, source, labeller)
        problems += found
        if not found:
            typed[ROW] = labeller(np.arange(len(typed)))
        parsed[spec.name] = typed
    raise_if(problems)
    return Tables(**parsed, sources=sources)


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
