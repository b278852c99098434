"""Whether a park's time tables ask for more than the one-year model: `symbiosis run` solves
the one-year model only, and says so rather than ignoring the tables."""
from __future__ import annotations

import numpy as np

from ..errors import Problem, UnsupportedError
from ..park import Park
from .inputs import TimeTables, load_time_tables
from .plan import plan_of


def is_one_year(park: Park, tables: TimeTables) -> bool:
    """No horizon and one state of weight 1 at the park's own quantities (one period, no
    scenario factor but 1): the one-year model exactly (docs/model.md, "Time")."""
    if park.config.horizon is None and tables.periods.empty and \
            tables.stream_periods.empty and tables.volume_scenarios.empty:
        return True
    plan = plan_of(park, tables)
    return plan.trivial and bool(np.array_equal(plan.rates.iloc[:, 0].to_numpy(),
                                                park.streams.quantity.to_numpy(float)))


def refuse_time(park: Park) -> None:
    """Raise (exit code 2) when the park's time tables ask for a time study."""
    if not park.config.time.enabled:
        return
    tables = load_time_tables(park)
    if not is_one_year(park, tables):
        raise UnsupportedError(Problem(
            park.sources.get("firms", "model"), "this model has periods, phases (horizon) or "
            "volume scenarios (docs/format.md, \"Time\"): solve it with `symbiosis time`, or "
            "set time.enabled: false in model.yaml for the one-year model"))
