"""`symbiosis validate` on a model's time set-up (docs/format.md, "Time"): the time tables read
and cross-checked as `symbiosis time` reads them (located errors, exit code 2), and a summary
of the periods, years, scenarios and states they make.

The tables are checked even while `time.enabled` is false (the example parks ship them off and
switch them on from scenarios), so a bad file is found before a scenario needs it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..park import Park
from .inputs import TimeTables, check_time_tables, firm_lines, load_time_tables


@dataclass
class TimeSummary:
    """What validate prints about time: summary lines and warnings (valid but suspicious)."""

    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _years(park: Park, column: str) -> np.ndarray:
    return park.firms[column].to_numpy(float) if column in park.firms else \
        np.full(len(park.firms), np.nan)


def time_summary(park: Park) -> TimeSummary:
    """Check the park's time tables (raises InputError) and summarise its time set-up; nothing
    for a park with no time tables, no horizon and no arrivals."""
    tables = load_time_tables(park, every=True)
    check_time_tables(park, tables)
    arrives, leaves = _years(park, "arrives"), _years(park, "leaves")
    h = park.config.horizon
    if tables.empty and h is None and np.isnan(arrives).all() and np.isnan(leaves).all():
        return TimeSummary()
    out = TimeSummary()
    on = park.config.time.enabled
    periods = tables.periods
    parts = [f"periods {len(periods)} (" + ", ".join(
        f"{p} {w:g}" for p, w in zip(periods.period, periods.weight)) + ")"
        if len(periods) else "periods 1 (the year)"]
    if len(tables.stream_periods):
        parts.append(f"stream_periods {len(tables.stream_periods)} rows for "
                     f"{tables.stream_periods.stream_id.nunique()} streams")
    scenarios = _scenarios(park, tables)
    parts.append(f"scenarios {len(scenarios)} (" + ", ".join(
        f"{s} {p:g}" for s, p in scenarios.items()) + ")" if len(scenarios)
        else "scenarios 1")
    if len(scenarios) and not park.config.time.volume_scenarios:  # checked, not used
        parts[-1] += " [off: time.volume_scenarios: false]"
        scenarios = scenarios.iloc[0:0]
    years = 1 if h is None else h.end - h.start + 1
    channel = park.config.policy.green_channel
    fast = f"; green channel {', '.join(channel.modes)} permit_years {channel.permit_years}" \
        if channel.modes else ""
    parts.append("no horizon" if h is None else
                 f"horizon {h.start}-{h.end} ({years} years, permit_years {h.permit_years}"
                 f"{fast})")
    states = max(len(periods), 1) * max(len(scenarios), 1) * years
    parts.append(f"states {states}")
    out.lines.append("time: " + ", ".join(parts) + ("" if on else
                     " [time.enabled: false: read by scenarios that switch it on]"))
    n_arrive, n_leave = int(np.isfinite(arrives).sum()), int(np.isfinite(leaves).sum())
    if n_arrive or n_leave:
        out.lines.append(f"phases: {n_arrive} firms arrive, {n_leave} leave"
                         + ("" if h is not None else " (no effect without a horizon)"))
    if h is not None:
        out.warnings += _absent_in_horizon(park, arrives, leaves, h.start, h.end)
    return out


def _scenarios(park: Park, tables: TimeTables):
    vs = tables.volume_scenarios
    return vs.groupby("scenario", sort=False).probability.first() if len(vs) else vs.scenario


def _absent_in_horizon(park: Park, arrives: np.ndarray, leaves: np.ndarray, start: int,
                       end: int) -> list[str]:
    """Firms that are never present between the horizon's start and end."""
    late = np.nan_to_num(arrives, nan=-np.inf) > end
    gone = np.nan_to_num(leaves, nan=np.inf) <= start
    never = np.flatnonzero(late | gone)
    if not len(never):
        return []
    where, lines = firm_lines(park)
    firms = park.firms.index
    return [f"{where}: {lines.get(firms[i], firms[i])}, column "
            f"{'arrives' if late[i] else 'leaves'}: firm {firms[i]!r} is never present in the "
            f"horizon {start}-{end}" for i in never]
