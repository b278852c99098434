"""Time (docs/model.md, "Time"): periods, phases and volume scenarios on parks solved by hand."""
from __future__ import annotations

import pandas as pd
import pytest

from symbiosis.timeline import TimeTables, optimise_time, plan_of
from symbiosis.timeline.plan import state_park

from .conftest import make_park

HEAT = dict(resource="heat", category="heat", unit="kW", mode="pipe", purchase_price=30.0,
            disposal_cost=0.0)
SCRAP = dict(resource="scrap", category="material", unit="t", mode="truck",
             purchase_price=10.0, transport_cost=0.3, purchase_co2=1.0)


def heat_pair() -> object:
    """A gives 100 kW at 90→60 °C, B takes 100 kW at 20→50 °C, 1 km apart; a pipe costs
    1,000 a year; hot utility 30 per kW-year. In one period the pipe saves 3,000 − 1,000."""
    return make_park({"A": (0, 0), "B": (1, 0)}, [HEAT], [
        dict(stream_id="Sh", firm_id="A", direction="supply", resource="heat", quantity=100.0,
             t_in=90.0, t_out=60.0),
        dict(stream_id="Dh", firm_id="B", direction="demand", resource="heat", quantity=100.0,
             t_in=20.0, t_out=50.0)], links={"pipe": {"fixed_cost": 1000.0}})


SEASONS = pd.DataFrame({"period": ["summer", "winter"], "weight": [0.5, 0.5]})


def test_one_period_is_the_one_year_model():
    r = optimise_time(heat_pair(), TimeTables.of(periods=pd.DataFrame(
        {"period": ["year"], "weight": [1.0]})))
    assert r.kpis["total_cost"] == pytest.approx(1000.0)
    assert r.kpis["baseline_cost"] == pytest.approx(3000.0)
    assert list(r.links.index) == ["Sh->Dh"]


def test_summer_heat_for_a_winter_demand_builds_nothing():
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["Sh", "Sh", "Dh", "Dh"], "period": ["summer", "winter"] * 2,
         "quantity": [100.0, 0.0, 0.0, 100.0]}))
    r = optimise_time(heat_pair(), tables)
    # winter: a rate of 200 kW for half a year, bought at 30: 3,000; no pipe
    assert r.kpis["total_cost"] == pytest.approx(3000.0)
    assert r.kpis["savings"] == pytest.approx(0.0)
    assert r.links.empty
    assert r.states.loc["winter", "operating_cost"] == pytest.approx(6000.0)
    assert r.states.loc["summer", "operating_cost"] == pytest.approx(0.0)


def test_heat_in_both_seasons_pays_the_pipe_once():
    """Summer 80 + winter 20 given, winter 80 + summer 20 taken: 20 + 20 kW-years match, 1,200
    saved a year, more than the pipe's 1,000 (three split streams would pay it twice)."""
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["Sh", "Sh", "Dh", "Dh"], "period": ["summer", "winter"] * 2,
         "quantity": [80.0, 20.0, 20.0, 80.0]}))
    r = optimise_time(heat_pair(), tables)
    assert r.kpis["total_cost"] == pytest.approx(3000.0 - 1200.0 + 1000.0)
    assert r.links.flow["Sh->Dh"] == pytest.approx(40.0)  # kW-years over the year
    flows = r.link_flows.set_index("state").flow
    assert flows["summer"] == pytest.approx(40.0) and flows["winter"] == pytest.approx(40.0)


def test_period_weights_must_sum_to_one():
    from symbiosis.errors import InputError
    with pytest.raises(InputError, match="weights sum to 0.9"):
        plan_of(heat_pair(), TimeTables.of(periods=pd.DataFrame(
            {"period": ["a", "b"], "weight": [0.5, 0.4]})))


def scrap_park(arrives: dict[str, float] | None = None, rate: float = 0.0, horizon=(2025, 2029),
               firms=None, streams=None):
    firms = firms or {"A": (0, 0), "B": (10, 0)}
    streams = streams or [("S", "A", "supply", "scrap", 100.0), ("D", "B", "demand", "scrap",
                                                                  100.0)]
    park = make_park(firms, [SCRAP], streams, links={"truck": {"fixed_cost": 500.0}},
                     economics={"discount_rate": rate},
                     horizon={"start": horizon[0], "end": horizon[1]})
    if arrives:
        f = park.firms.copy()
        f["arrives"] = pd.Series(arrives).reindex(f.index).astype(float)
        from dataclasses import replace
        park = replace(park, firms=f)
    return park


def test_a_link_to_a_tenant_is_built_the_year_it_arrives():
    """B arrives in 2027: 100 t a year at 10, less 300 transport and 500 fixed: 200 a year
    saved from 2027 to 2029, nothing before (r = 0)."""
    r = optimise_time(scrap_park({"B": 2027}))
    assert r.links.build_year["S->D"] == 2027
    assert r.kpis["baseline_cost"] == pytest.approx(3000.0)
    assert r.kpis["total_cost"] == pytest.approx(3 * 800.0)
    years = r.years
    assert list(years.links_in_use) == [0, 0, 1, 1, 1]
    assert years.cost[2027] == pytest.approx(800.0) and years.cost[2025] == pytest.approx(0.0)


def discounting_park(rate: float):
    """B needs 100 t a year (10 each); A, 10 km away, saves 1000 − 300 − 500 = 200 a year from
    2025; A2, beside B, arrives in 2026 and saves 1000 − 0 − 500 = 500 a year. Two years:
    AB then: 200 + 200 δ; wait for A2B: 500 δ; A2B wins iff δ > 2/3."""
    return scrap_park({"A2": 2026}, rate, (2025, 2026),
                      firms={"A": (0, 0), "B": (10, 0), "A2": (10, 0)},
                      streams=[("S", "A", "supply", "scrap", 100.0),
                               ("S2", "A2", "supply", "scrap", 100.0),
                               ("D", "B", "demand", "scrap", 100.0)])


def test_discounting_shifts_the_build_year():
    patient = optimise_time(discounting_park(0.0))
    assert dict(patient.links.build_year) == {"S2->D": 2026}
    assert patient.kpis["total_cost"] == pytest.approx(1000.0 + 500.0)
    impatient = optimise_time(discounting_park(0.8))  # δ = 1/1.8 < 2/3
    assert dict(impatient.links.build_year) == {"S->D": 2025}
    delta = 1 / 1.8
    assert impatient.kpis["total_cost"] == pytest.approx(800.0 * (1 + delta))
    assert impatient.kpis["baseline_cost"] == pytest.approx(1000.0 * (1 + delta))
    # CO2 is summed over the years, not discounted: 100 t bought a year, none with the link
    assert impatient.kpis["baseline_co2_t"] == pytest.approx(200.0)
    assert impatient.kpis["co2_t"] == pytest.approx(0.0)


def two_scenarios():
    """A's scrap is 20 t or 180 t (probability 1/2 each; mean 100); B needs 100 t at 10/t;
    the truck costs 700 a year, transport free. Mean volumes: the link saves 1,000 > 700,
    built. Stochastic: expected savings 0.5·200 + 0.5·1,000 = 600 < 700, not built."""
    park = make_park({"A": (0, 0), "B": (1, 0)}, [dict(SCRAP, transport_cost=0.0)],
                     [("S", "A", "supply", "scrap", 100.0), ("D", "B", "demand", "scrap", 100.0)],
                     links={"truck": {"fixed_cost": 700.0}})
    tables = TimeTables.of(volume_scenarios=pd.DataFrame(
        {"scenario": ["low", "high"], "probability": [0.5, 0.5], "stream_id": ["S", "S"],
         "factor": [0.2, 1.8]}))
    return park, tables


def test_two_stage_design_differs_from_the_mean_value_design():
    park, tables = two_scenarios()
    r = optimise_time(park, tables)
    assert r.links.empty
    s = r.kpis["stochastic"]
    assert s["expected_cost"] == pytest.approx(1000.0)  # RP: buy everything
    assert s["mean_value_cost"] == pytest.approx(700.0)
    assert s["mean_value_design_expected_cost"] == pytest.approx(1100.0)  # 1000 − 600 + 700
    assert s["vss"] == pytest.approx(100.0)
    assert s["wait_and_see_by_scenario"] == pytest.approx({"low": 1000.0, "high": 700.0})
    assert s["wait_and_see_cost"] == pytest.approx(850.0)
    assert s["evpi"] == pytest.approx(150.0)
    assert r.scenarios.cost.to_dict() == pytest.approx({"low": 1000.0, "high": 1000.0})


def test_state_parks_carry_rates():
    park, tables = two_scenarios()
    plan = plan_of(park, tables)
    assert state_park(park, plan, "high").streams.quantity["S"] == pytest.approx(180.0)


def test_permitting_delays_a_link_and_the_green_channel_brings_it_forward():
    """Permitting takes 2 years: the truck (200 a year saved) is built in 2027; on the green
    channel (trucks, 0 years) in 2025."""
    from symbiosis.timeline.command import green_channel
    slow = make_park({"A": (0, 0), "B": (10, 0)}, [SCRAP],
                     [("S", "A", "supply", "scrap", 100.0), ("D", "B", "demand", "scrap", 100.0)],
                     links={"truck": {"fixed_cost": 500.0}}, economics={"discount_rate": 0.0},
                     horizon={"start": 2025, "end": 2029, "permit_years": 2})
    r = optimise_time(slow, green_channel=green_channel(slow))
    assert r.links.build_year["S->D"] == 2027
    assert r.kpis["savings"] == pytest.approx(3 * 200.0)
    fast = make_park({"A": (0, 0), "B": (10, 0)}, [SCRAP],
                     [("S", "A", "supply", "scrap", 100.0), ("D", "B", "demand", "scrap", 100.0)],
                     links={"truck": {"fixed_cost": 500.0}}, economics={"discount_rate": 0.0},
                     horizon={"start": 2025, "end": 2029, "permit_years": 2},
                     policy={"green_channel": {"modes": ["truck"], "permit_years": 0}})
    r = optimise_time(fast, green_channel=green_channel(fast))
    assert r.links.build_year["S->D"] == 2025
    assert r.kpis["savings"] == pytest.approx(5 * 200.0)


def test_a_tenant_that_leaves_stops_the_link_and_its_cost():
    """B is there 2025–2026 only (leaves 2027): the link is in use two years."""
    park = scrap_park()
    from dataclasses import replace
    f = park.firms.copy()
    f["leaves"] = pd.Series({"B": 2027.0}).reindex(f.index)
    r = optimise_time(replace(park, firms=f))
    assert r.links.build_year["S->D"] == 2025 and r.links.years_in_use["S->D"] == 2
    assert list(r.years.links_in_use) == [1, 1, 0, 0, 0]
    assert r.kpis["savings"] == pytest.approx(2 * 200.0)
