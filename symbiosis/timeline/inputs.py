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
from ..tables import Column, TableSpec, parse_table

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


def load_time_tables(park: Park) -> TimeTables:
    """The time tables beside the park's CSV files (none: empty tables), checked against the
    park; `time.enabled: false` in model.yaml reads none."""
    folder = model_folder(park)
    if folder is None or not park.config.time.enabled:
        return TimeTables()
    frames, sources, problems = {}, {}, []
    dialect: CsvDialect = park.config.csv
    for spec in TIME_SPECS:
        path = folder / f"{spec.name}.csv"
        sources[spec.name] = str(path)
        off = spec is VOLUME_SCENARIOS and not park.config.time.volume_scenarios
        if off or not path.exists():
            frames[spec.name] = _empty(spec)
            continue
        typed, found = parse_table_file(path, spec, dialect)
        problems += found
        frames[spec.name] = typed.drop(columns=ROW)  # checked by position, as frames are
    raise_if(problems)
    return TimeTables(sources=sources, **frames)


def check_time_tables(park: Park, t: TimeTables) -> None:
    """Cross-table checks: known ids, weights and probabilities summing to 1, one target per
    scenario row; every problem at once, located by row."""
    problems: list[Problem] = []
    src = t.sources.get

    def row(i: int) -> str:
        return f"row {i + 1}"

    periods = t.periods
    dup = periods.period.duplicated()
    problems += [Problem(src("periods", "periods"), "period appears more than once",
                         row=row(i), column="period") for i in np.flatnonzero(dup.to_numpy())]
    if len(periods) and abs(periods.weight.sum() - 1.0) > WEIGHT_TOLERANCE:
        problems.append(Problem(src("periods", "periods"), f"weights sum to "
                                f"{periods.weight.sum():g}, expected 1", column="weight"))
    sp = t.stream_periods
    for i in np.flatnonzero(~sp.stream_id.isin(park.streams.index).to_numpy()):
        problems.append(Problem(src("stream_periods", "stream_periods"),
                                f"unknown stream {sp.stream_id.iloc[i]!r}", row=row(i),
                                column="stream_id"))
    for i in np.flatnonzero(~sp.period.isin(periods.period).to_numpy()):
        problems.append(Problem(src("stream_periods", "stream_periods"),
                                f"unknown period {sp.period.iloc[i]!r} (not in periods.csv)",
                                row=row(i), column="period"))
    for i in np.flatnonzero(sp.duplicated(["stream_id", "period"]).to_numpy()):
        problems.append(Problem(src("stream_periods", "stream_periods"),
                                "stream and period given more than once", row=row(i)))
    vs = t.volume_scenarios
    if len(vs):
        res = vs.resource if "resource" in vs else pd.Series("", index=vs.index)
        sid = vs.stream_id if "stream_id" in vs else pd.Series("", index=vs.index)
        for i in range(len(vs)):
            r, s = res.iloc[i], sid.iloc[i]
            where = dict(row=row(i))
            if bool(r) == bool(s):
                problems.append(Problem(src("volume_scenarios", "volume_scenarios"),
                                        "give exactly one of resource and stream_id", **where))
            elif r and r not in park.resources.index:
                problems.append(Problem(src("volume_scenarios", "volume_scenarios"),
                                        f"unknown resource {r!r}", column="resource", **where))
            elif s and s not in park.streams.index:
                problems.append(Problem(src("volume_scenarios", "volume_scenarios"),
                                        f"unknown stream {s!r}", column="stream_id", **where))
        prob = vs.groupby("scenario", sort=False).probability
        for name, n in prob.nunique().items():
            if n > 1:
                problems.append(Problem(src("volume_scenarios", "volume_scenarios"),
                                        f"scenario {name!r} has more than one probability",
                                        column="probability"))
        total = prob.first().sum()
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            problems.append(Problem(src("volume_scenarios", "volume_scenarios"),
                                    f"probabilities sum to {total:g}, expected 1",
                                    column="probability"))
    # arrives / leaves take effect with a horizon only (docs/format.md, "Time")
    h = park.config.horizon
    if h is not None and h.end < h.start:
        problems.append(Problem("model.yaml", f"horizon ends ({h.end}) before it starts "
                                f"({h.start})", key="horizon.end"))
    if problems:
        raise InputError(problems)
