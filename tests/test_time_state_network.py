"""Each state's program is on the candidate network at that state's quantities
(timeline/state_network.py): quality rows use the state's demand, and activation rows the
state's capacity. Hand-solved cases."""
from __future__ import annotations

import pandas as pd
import pytest

from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.timeline import TimeTables, optimise_time, plan_of
from symbiosis.timeline.plan import state_park
from symbiosis.timeline.selection import _lp_values
from symbiosis.timeline.stacking import stack
from symbiosis.timeline.state_network import state_network
from symbiosis.timeline.study import candidates_of

from .conftest import make_park
from .test_time import SEASONS, heat_pair

WATER = dict(resource="water", category="water", unit="m3", mode="pipe", transport_cost=0.0,
             purchase_price=1.0, disposal_cost=0.0)


def dirty_water():
    """W's waste water (100 m3, COD 80) may feed A's process (limit COD 40; bought water has
    none), so at most half of A's demand can be reused. A takes 100 m3 or, in the `small`
    scenario, 50 (probability 1/2 each); the pipe costs 10 a year."""
    park = make_park({"W": (0, 0), "A": (1, 0)}, [WATER],
                     [("s", "W", "supply", "water", 100.0), ("d", "A", "demand", "water", 100.0)],
                     qualities=[("s", "cod", 80), ("d", "cod", 40)],
                     links={"pipe": {"fixed_cost": 10.0}})
    tables = TimeTables.of(volume_scenarios=pd.DataFrame(
        {"scenario": ["big", "small"], "probability": [0.5, 0.5], "stream_id": ["d", "d"],
         "factor": [1.0, 0.5]}))
    return park, tables


def test_a_smaller_demand_accepts_less_dirty_water():
    """Reuse x ≤ 40·q_d/80: 50 m3 of the big demand, 25 of the small one. Baseline: buy
    100 or 50, expected 75; with the pipe 75 − (50 + 25)/2 + 10 = 47.5. With the envelope's
    demand (100) in the small scenario's quality row it would reuse all 50 (a blend at
    COD 80 against a limit of 40) and report 35."""
    park, tables = dirty_water()
    r = optimise_time(park, tables)
    assert r.kpis["stochastic"]["expected_cost"] == pytest.approx(47.5)
    flows = r.link_flows.set_index("state").flow
    assert flows["small"] == pytest.approx(25.0)
    assert flows["big"] == pytest.approx(50.0)


def test_state_network_carries_the_state_quantities_and_capacity():
    park, tables = dirty_water()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    assert candidates.links.capacity.iloc[0] == pytest.approx(50.0)  # envelope: 40·100/80
    small = state_network(candidates, state_park(park, plan, "small"))
    assert small.links.demand_quantity.iloc[0] == pytest.approx(50.0)
    assert small.links.capacity.iloc[0] == pytest.approx(25.0)
    big = state_network(candidates, state_park(park, plan, "big"))
    assert big is candidates  # the envelope's quantities: the network itself


def test_the_stacked_lp_pays_a_seasonal_pipe_in_full():
    """Summer: 160 kW given, 40 taken (rates); winter the reverse. The envelope's capacity is
    160, the pipe carries 40 in each season: with it the LP builds b = 40/160 and pays 250 of
    the pipe's 1,000 (LP 3,000 − 1,200 + 250 = 2,050). With each season's capacity, 40, the
    LP builds b = 1 and equals the MILP: 2,800."""
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["Sh", "Sh", "Dh", "Dh"], "period": ["summer", "winter"] * 2,
         "quantity": [80.0, 20.0, 20.0, 80.0]}))
    park = heat_pair()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    assert candidates.links.capacity.iloc[0] == pytest.approx(160.0)
    stacked = stack(park, candidates, plan)
    x = _lp_values(MatrixProgram.of(stacked.lp))
    assert stacked.lp.objective_value(x) == pytest.approx(2800.0)
    assert optimise_time(park, tables).kpis["total_cost"] == pytest.approx(2800.0)
