"""The time tables of a park (docs/format.md, "Time"): periods.csv, stream_periods.csv and
volume_scenarios.csv beside model.yaml, read and checked with located errors.

They are read here, not with the park's own tables, so that a park without them (and every
existing run) reads exactly as before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, raise_if
from ..checks import ROW
from ..io import parse_table_file
from ..park import Park
from ..schema import CsvDialect
from ..tables import FIRMS, Column, TableSpec, parse_table

PERIODS = TableSpec("periods", False, (
    Column("period", "id", needs_value=True, description="period id, e.g. summer"),
    Column("weight", "number", needs_value=True, above=0, description="share of the year it "
           "stands for; the weights sum to 1"),
), "representative periods of the year")

STREAM_PERIODS = TableSpec("stream_periods", False, (
    Column("stream_id", "id", needs_value=True, description="a stream of streams.csv"),
    Column("period", "id", needs_value=True, description="a period of periods.csv"),
    Column("quantity", "number", needs_value=True, minimum=0, description="the amount in "
           "that period (a stream's periods sum to its annual quantity)"),
), "per-period quantities of streams; other streams are spread by weight")

VOLUME_SCENARIOS = TableSpec("volume_scenarios", False, (
    Column("scenario", "id", needs_value=True, description="scenario id"),
    Column("probability", "number", needs_value=True, above=0, description="its probability "
           "(one value per scenario; they sum to 1)"),
    Column("resource", "id", required=False, description="scale this resource's streams"),
    Column("stream_id", "id", required=False, description="or scale this stream"),
    Column("factor", "number", required=False, default=1.0, minimum=0,
           description="multiplies the quantities (after the periods' profile)"),
), "volume scenarios of a two-stage model: links built first, flows per scenario")

TIME_SPECS = (PERIODS, STREAM_PERIODS, VOLUME_SCENARIOS)
WEIGHT_TOLERANCE = 1e-6


def _empty(spec: TableSpec) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=float if c.kind == "number" else str)
                         for c in spec.columns})


@dataclass(frozen=True)
class TimeTables:
    """The time tables as typed frames (empty: none given); `sources` names their files."""

    periods: pd.DataFrame = field(default_factory=lambda: _empty(PERIODS))
    stream_periods: pd.DataFrame = field(default_factory=lambda: _empty(STREAM_PERIODS))
    volume_scenarios: pd.DataFrame = field(default_factory=lambda: _empty(VOLUME_SCENARIOS))
    sources: dict[str, str] = field(default_factory=dict)
    # each table's row labels as a user finds them ("line 4" of a file; "row 1" of a frame)
    lines: dict[str, list[str]] = field(default_factory=dict)

    def label(self, table: str, i: int) -> str:
        found = self.lines.get(table)
        return found[i] if found is not None and i < len(found) else f"row {i + 1}"

    @property
    def empty(self) -> bool:
        return self.periods.empty and self.stream_periods.empty and \
            self.volume_scenarios.empty

    @classmethod
    def of(cls, periods=None, stream_periods=None, volume_scenarios=None) -> TimeTables:
        """From DataFrames (a notebook, a test), checked like files."""
        frames, sources, problems = {}, {}, []
        for spec, raw in zip(TIME_SPECS, (periods, stream_periods, volume_scenarios)):
            source = f"{spec.name} (DataFrame)"
            sources[spec.name] = source
            if raw is None:
                frames[spec.name] = _empty(spec)
                continue
            raw = pd.DataFrame(raw).reset_index(drop=True)
            typed, found = parse_table(spec, raw.astype(object),
                                       source, lambda pos: [f"row {p + 1}" for p in pos])
            problems += found
            frames[spec.name] = typed
        raise_if(problems)
        return cls(sources=sources, **frames)


def model_folder(park: Park) -> Path | None:
    """The folder of a park read from CSV files (None: from frames or a workbook)."""
    source = park.sources.get("firms", "")
    path = Path(source)
    return path.parent if path.suffix == ".csv" and path.exists() else None


def load_time_tables(park: Park, every: bool = False) -> TimeTables:
    """The time tables beside the park's CSV files (none: empty tables), each cell checked;
    `time.enabled: false` (or `time.volume_scenarios: false`) in model.yaml reads none unless
    `every` (`symbiosis validate` checks the files a scenario may switch on)."""
    folder = model_folder(park)
    if folder is None or not (park.config.time.enabled or every):
        return TimeTables()
    frames, sources, lines, problems = {}, {}, {}, []
    dialect: CsvDialect = park.config.csv
    for spec in TIME_SPECS:
        path = folder / f"{spec.name}.csv"
        sources[spec.name] = str(path)
        off = spec is VOLUME_SCENARIOS and not park.config.time.volume_scenarios and not every
        if off or not path.exists():
            frames[spec.name] = _empty(spec)
            continue
        typed, found = parse_table_file(path, spec, dialect)
        problems += found
        if park.excluded_streams and "stream_id" in typed:  # firms a scenario excluded
            typed = typed[~typed.stream_id.isin(park.excluded_streams)]
        lines[spec.name] = list(typed[ROW])
        frames[spec.name] = typed.drop(columns=ROW)
    raise_if(problems)
    return TimeTables(sources=sources, lines=lines, **frames)


def check_time_tables(park: Park, t: TimeTables) -> None:
    """Cross-table checks (docs/format.md, "Time"): known ids, weights and probabilities
    summing to 1, a stream's periods summing to its annual quantity, one target per scenario
    row, arrives before leaves; every problem at once, located by file line (by row for
    frames)."""
    problems = _period_problems(park, t) + _scenario_problems(park, t) + \
        firm_year_problems(park)
    h = park.config.horizon
    if h is not None and h.end < h.start:
        problems.append(Problem("model.yaml", f"horizon ends ({h.end}) before it starts "
                                f"({h.start})", key="horizon.end"))
    if problems:
        raise InputError(problems)


def _period_problems(park: Park, t: TimeTables) -> list[Problem]:
    problems: list[Problem] = []
    periods, sp = t.periods, t.stream_periods
    where, sp_where = t.sources.get("periods", "periods"), \
        t.sources.get("stream_periods", "stream_periods")
    problems += [Problem(where, f"period {periods.period.iloc[i]!r} appears more than once",
                         row=t.label("periods", i), column="period")
                 for i in np.flatnonzero(periods.period.duplicated().to_numpy())]
    if len(periods) and abs(periods.weight.sum() - 1.0) > WEIGHT_TOLERANCE:
        problems.append(Problem(where, f"weights sum to {periods.weight.sum():g}, expected 1 "
                                "(each period's share of the year)", column="weight"))
    if len(sp) and periods.empty:
        problems.append(Problem(sp_where, "stream_periods.csv needs periods.csv beside it "
                                "(the periods and their weights)"))
        return problems
    known = sp.stream_id.isin(park.streams.index).to_numpy()
    problems += [Problem(sp_where, f"unknown stream {sp.stream_id.iloc[i]!r} (not in "
                         "streams.csv)", row=t.label("stream_periods", i), column="stream_id")
                 for i in np.flatnonzero(~known)]
    problems += [Problem(sp_where, f"unknown period {sp.period.iloc[i]!r} (not in "
                         "periods.csv)", row=t.label("stream_periods", i), column="period")
                 for i in np.flatnonzero(~sp.period.isin(periods.period).to_numpy())]
    twice = sp.duplicated(["stream_id", "period"]).to_numpy()
    problems += [Problem(sp_where, "stream and period given more than once",
                         row=t.label("stream_periods", i), column="period")
                 for i in np.flatnonzero(twice)]
    ok = sp[known & ~twice]
    if len(ok):
        total = ok.groupby("stream_id", sort=False).quantity.sum()
        annual = park.streams.quantity.reindex(total.index).astype(float)
        off = (total - annual).abs() > WEIGHT_TOLERANCE * np.maximum(1.0, annual.abs())
        first = pd.Series(np.arange(len(sp)), index=sp.stream_id).groupby(level=0).first()
        problems += [Problem(sp_where, f"the periods of stream {sid!r} sum to {total[sid]:g}, "
                             f"expected its annual quantity {annual[sid]:g} (streams.csv)",
                             row=t.label("stream_periods", int(first[sid])), column="quantity")
                     for sid in total.index[off.to_numpy()]]
    return problems


def _scenario_problems(park: Park, t: TimeTables) -> list[Problem]:
    vs = t.volume_scenarios
    if vs.empty:
        return []
    problems: list[Problem] = []
    where = t.sources.get("volume_scenarios", "volume_scenarios")
    res = vs.resource if "resource" in vs else pd.Series("", index=vs.index)
    sid = vs.stream_id if "stream_id" in vs else pd.Series("", index=vs.index)
    for i in range(len(vs)):
        r, s = res.iloc[i], sid.iloc[i]
        at = dict(row=t.label("volume_scenarios", i))
        if bool(r) == bool(s):
            problems.append(Problem(where, "give exactly one of resource and stream_id",
                                    column="resource", **at))
        elif r and r not in park.resources.index:
            problems.append(Problem(where, f"unknown resource {r!r} (not in resources.csv)",
                                    column="resource", **at))
        elif s and s not in park.streams.index:
            problems.append(Problem(where, f"unknown stream {s!r} (not in streams.csv)",
                                    column="stream_id", **at))
    first = vs.groupby("scenario", sort=False).probability.transform("first")
    for i in np.flatnonzero((vs.probability != first).to_numpy()):
        problems.append(Problem(where, f"scenario {vs.scenario.iloc[i]!r} has more than one "
                                f"probability ({vs.probability.iloc[i]:g}, earlier "
                                f"{first.iloc[i]:g})", row=t.label("volume_scenarios", i),
                                column="probability"))
    total = vs.groupby("scenario", sort=False).probability.first().sum()
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        problems.append(Problem(where, f"probabilities sum to {total:g}, expected 1 (one "
                                "value per scenario)", column="probability"))
    return problems


def firm_year_problems(park: Park) -> list[Problem]:
    """arrives and leaves in firms.csv: whole years, a firm leaving after it arrives (leaves is
    the first year gone)."""
    firms = park.firms
    arrives = firms["arrives"].astype(float) if "arrives" in firms else None
    leaves = firms["leaves"].astype(float) if "leaves" in firms else None
    found: list[tuple[str, str, str]] = []  # firm, column, what is wrong
    for column, years in (("arrives", arrives), ("leaves", leaves)):
        if years is not None:
            bad = years.notna() & (years != np.floor(years))
            found += [(f, column, f"{years[f]:g} is not a whole year") for f in years.index[bad]]
    if arrives is not None and leaves is not None:
        early = arrives.notna() & leaves.notna() & (leaves <= arrives)
        found += [(f, "leaves", f"leaves ({leaves[f]:g}) is not after arrives "
                   f"({arrives[f]:g}): leaves is the first year gone, so the firm is never "
                   "present") for f in firms.index[early.to_numpy()]]
    if not found:
        return []
    where, lines = firm_lines(park)
    return [Problem(where, what, row=lines.get(f, f"firm {f!r}"), column=column)
            for f, column, what in found]


def firm_lines(park: Park) -> tuple[str, dict[str, str]]:
    """firms.csv and each firm's line in it (read again: the park keeps no lines)."""
    source = park.sources.get("firms", "firms")
    folder = model_folder(park)
    if folder is None:
        return source, {f: f"row {i + 1}" for i, f in enumerate(park.firms.index)}
    typed, _ = parse_table_file(folder / "firms.csv", FIRMS, park.config.csv)
    return source, dict(zip(typed.firm_id, typed[ROW]))
