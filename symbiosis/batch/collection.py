"""Finished results read back for notebooks: tables with a `scenario` level (like PyPSA's
NetworkCollection), read from result folders' files, never by solving again."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from ..errors import InputError, Problem
from ..outputs import csv_unescape, read_kpis_file
from .task import HEAT_COLUMNS, KPI_COLUMNS


@dataclass(frozen=True)
class Member:
    """One scenario of a collection: its name, folder (None if it failed) and sweep row."""

    name: str
    folder: Path | None
    row: dict[str, Any] = field(default_factory=dict)  # summary.csv row (sweeps only)


def _members(paths: list[Path]) -> tuple[list[Member], list[str]]:
    """Members of every folder, and the swept parameters (axes) in order."""
    from .runner import read_summary

    groups: list[tuple[Path, list[Member]]] = []
    axes: list[str] = []
    for path in paths:
        if (path / "summary.csv").is_file():
            summary = read_summary(path)
            known = {"status", "reason", "input_hash", *KPI_COLUMNS,
                     *(f"heat.{k}" for k in HEAT_COLUMNS)}
            axes += [c for c in summary.columns if c not in known and c not in axes]
            members = [Member(str(name), _current(path / str(name), row.get("input_hash")),
                              row.to_dict()) for name, row in summary.iterrows()]
        elif (path / "kpis.json").is_file():
            members = [Member(path.name, path)]
        else:
            raise InputError(Problem(str(path), "neither a sweep folder (no summary.csv) nor a "
                                                "result folder (no kpis.json)"))
        groups.append((path, members))
    if len(groups) > 1:  # names from different sweeps may repeat: prefix the folder
        names = [m.name for _, ms in groups for m in ms]
        if len(set(names)) < len(names):
            groups = [(p, [Member(f"{p.name}/{m.name}", m.folder, m.row) for m in ms])
                      for p, ms in groups]
    return [m for _, ms in groups for m in ms], axes


def _current(folder: Path, input_hash: Any) -> Path | None:
    """A variant's folder if it holds the results the summary describes: a variant that
    failed this time may still have a folder from earlier, different inputs."""
    try:
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return folder if not isinstance(input_hash, str) or kpis.get("input_hash") == input_hash \
        else None


class ResultCollection:
    """Finished results of many scenarios; every table has a `scenario` index level first.

    `kpis` has one row per scenario: status, the swept parameters, the scalar KPIs.
    `links`, `firms`, `resources`, `streams`, `objective` stack the scenarios' files.
    """

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self.paths = [Path(p) for p in paths]
        self.members, self.parameters = _members(self.paths)

    @property
    def scenarios(self) -> list[str]:
        return [m.name for m in self.members]

    def __len__(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        return f"ResultCollection({len(self)} scenarios: {', '.join(self.scenarios[:5])}" + \
            (", ...)" if len(self) > 5 else ")")

    @cached_property
    def kpis(self) -> pd.DataFrame:
        rows = []
        for m in self.members:
            row: dict[str, Any] = {"status": m.row.get("status"), "reason": m.row.get("reason")}
            row.update({a: m.row.get(a) for a in self.parameters})
            if m.folder is not None:
                kpis = read_kpis_file(m.folder / "kpis.json")
                row["status"] = kpis["status"]
                row.update({k: kpis.get(k) for k in KPI_COLUMNS})
                row["objective_kind"] = kpis.get("objective_kind")  # cost (currency) or co2 (t)
                row.update({f"heat.{k}": v for k, v in (kpis.get("heat") or {}).items()
                            if k in HEAT_COLUMNS})
            rows.append(row)
        table = pd.DataFrame(rows, index=pd.Index(self.scenarios, name="scenario"))
        return table.dropna(axis=1, how="all").reindex(
            columns=[c for c in table.columns if c in ("status", "reason")
                     or table[c].notna().any()])

    def _stack(self, file: str, index: str | None) -> pd.DataFrame:
        frames, names = [], []
        for m in self.members:
            if m.folder is None or not (m.folder / file).is_file():
                continue
            frame = csv_unescape(pd.read_csv(m.folder / file, index_col=0 if index else None,
                                             keep_default_na=False, na_values=[""]))
            if index is None:  # links: named as in Result.links
                frame.index = pd.Index(frame.from_stream + "->" + frame.to_stream, name="link")
            elif frame.index.name is None:
                frame.index.name = index
            frames.append(frame)
            names.append(m.name)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, keys=names, names=["scenario", frames[0].index.name])

    @cached_property
    def links(self) -> pd.DataFrame:
        return self._stack("links.csv", None)

    @cached_property
    def firms(self) -> pd.DataFrame:
        return self._stack("firms.csv", "firm_id")

    @cached_property
    def resources(self) -> pd.DataFrame:
        return self._stack("resources.csv", "resource")

    @cached_property
    def streams(self) -> pd.DataFrame:
        return self._stack("streams.csv", "stream_id")

    @cached_property
    def objective(self) -> pd.DataFrame:
        return self._stack("objective.csv", "term")


def load_results(paths: str | Path | Iterable[str | Path]) -> ResultCollection:
    """Read finished results back: sweep folders (summary.csv) and/or result folders
    (kpis.json), for comparing scenarios in a notebook without solving again."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return ResultCollection(paths)
