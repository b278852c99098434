"""`symbiosis time PATH -o OUT`: load, solve the time study, write its folder."""
from __future__ import annotations

from pathlib import Path

from .folder import check_time_folder, format_time, write_time_folder
from .inputs import load_time_tables
from .study import optimise_time


def green_channel(park) -> dict[str, int]:
    """Per link mode on the fast track, its permitting years (policy.green_channel); it
    matters only in a phased build-out (a horizon)."""
    if park.config.horizon is None:
        return {}
    channel = park.config.policy.green_channel
    return {mode: channel.permit_years for mode in channel.modes}


def time_command(path: Path, out: Path, time_limit: float | None, gap: float | None,
                 stochastic_values: bool = True) -> tuple[Path, str, bool]:
    from ..pipeline import solver_options
    from ..scenario import load_model_or_scenario
    loaded = load_model_or_scenario(path)
    check_time_folder(out)  # before solving: refuse to overwrite what is not ours
    tables = load_time_tables(loaded.park)
    options = solver_options(loaded.scenario.solver, time_limit=time_limit, mip_gap=gap)
    result = optimise_time(loaded.park, tables, options, name=loaded.scenario.name,
                           green_channel=green_channel(loaded.park),
                           stochastic_values=stochastic_values)
    folder = write_time_folder(result, out)
    text = format_time(result, loaded.park.config.currency)
    return folder, text, result.kpis.get("total_cost") is not None
