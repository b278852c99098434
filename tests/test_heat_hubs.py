"""Heat through a facility: a heat-pump hub and a hot-water loop, solved by hand (docs/model.md,
"Heat through a facility"; docs/format.md, "Facilities").

Every park has annuity 1, free pipes (no fixed cost, no capex, no loss), ΔTmin 5 K and no
extra inter-firm approach; heat costs 100 a MWh to buy and 2 to reject. Direct links between
the firms are impossible (too cold, or too far), so what a facility does is all there is.
"""
from __future__ import annotations

import pandas as pd
import pytest

import symbiosis as sb

from .conftest import make_park

pytestmark = pytest.mark.solver

OPTIONS = sb.SolverOptions(name="highspy", mip_gap=0, threads=1)
HEAT = dict(resource="heat", category="heat", unit="MWh", mode="pipe", purchase_price=100.0,
            disposal_cost=2.0)
PUMPS = {"carnot_efficiency": 0.5, "max_cop": 8, "electricity_price": 50.0,
         "electricity_co2": 0.5}
HUB = dict(facility_id="H", name="heat-pump hub", x_km=0.0, y_km=0.0, input_resource="heat",
           output_resource="heat", capacity=1000.0, fixed_cost=1000.0, source_t=20.0,
           supply_t=80.0, return_t=60.0)


def heat_facility_park(streams, plant, firms=None, **config) -> sb.Park:
    rows = [dict(stream_id=sid, firm_id=firm, direction=d, resource="heat", quantity=q,
                 t_in=t_in, t_out=t_out) for sid, firm, d, q, t_in, t_out in streams]
    firms = firms or {f: (0.0, 0.0) for f in sorted({r["firm_id"] for r in rows})}
    park = make_park(firms, [HEAT], rows, economics={"discount_rate": 0.0, "lifetime_years": 1},
                     links={"pipe": {"fixed_cost": 0, "capex_per_km": 0}},
                     heat={"min_approach_c": 5, "inter_firm_approach_c": 0}, **config)
    plants = pd.DataFrame([{"yield": None, **plant}])
    return sb.park_from_frames({"name": "test", **config_of(park)}, park.firms.reset_index(),
                               park.resources.reset_index(), pd.DataFrame(rows),
                               facilities=plants)


def config_of(park: sb.Park) -> dict:
    return park.config.model_dump(exclude={"name"}, exclude_none=True)


LOW_GRADE = [("a_s", "A", "supply", 100.0, 40.0, 30.0), ("b_s", "B", "supply", 100.0, 40.0, 30.0)]


def test_a_heat_pump_hub_lifts_low_grade_heat_with_its_cop_by_hand():
    """A and B each reject 100 MWh at 40 → 30 °C, too cold for C's 300 MWh at 50 → 70 °C. The
    hub takes heat at 20 °C and heats a loop to 80 °C (return 60 °C): COP = 0.5·353.15/60 =
    2.9429, so it delivers COP/(COP − 1) = 1.5147 MWh per MWh taken with 1/COP of electricity
    per MWh delivered. Serving all of C takes 300/1.5147 = 198.06 MWh of the 200: cost
    2·(200 − 198.06) rejected + 50·300/COP electricity + 1,000 fixed."""
    park = heat_facility_park([*LOW_GRADE, ("c_d", "C", "demand", 300.0, 50.0, 70.0)], HUB,
                              heat_pumps=PUMPS)
    cop = 0.5 * (80 + 273.15) / 60.0
    y = cop / (cop - 1)
    hub = park.facilities.iloc[0]
    assert hub.cop == pytest.approx(cop) and hub["yield"] == pytest.approx(y)
    assert hub.processing_cost == pytest.approx(50.0 / (cop - 1))
    assert "a heat-pump hub: takes heat at 20 °C, delivers 80 -> 60 °C, COP 2.94" in \
        " ".join(park.facility_lines())
    network = sb.build_network(park)
    assert not ((network.links.from_firm != "H") & (network.links.to_firm != "H")).any()
    result = sb.optimise(park, solver=OPTIONS)
    taken = 300.0 / y
    cost = 2.0 * (200.0 - taken) + 50.0 * 300.0 / cop + 1000.0
    assert result.kpis["baseline_cost"] == pytest.approx(30_000 + 400)
    assert result.kpis["total_cost"] == pytest.approx(cost)
    assert result.kpis["co2_t"] == pytest.approx(0.5 * 300.0 / cop)
    plant = result.facilities.set_index("facility_id").loc["H"]
    assert plant.built and plant["size"] == pytest.approx(taken)
    assert plant.output_delivered == pytest.approx(300.0)
    links = result.links.set_index(["from_stream", "to_stream"])
    assert links.flow[("H:out", "c_d")] == pytest.approx(300.0)
    assert links.flow[("a_s", "H:in")] + links.flow[("b_s", "H:in")] == pytest.approx(taken)


def test_a_hub_delivers_only_where_its_loop_is_hot_enough():
    """C needs 400 MWh from 70 to 90 °C. The loop (80 → 60 °C, ΔTmin 5) can heat C only up to
    75 °C: a quarter of C (100 MWh), and only from the loop's own top quarter (80 → 75 °C):
    the cascade sends hot-enough heat only. With COP 3 (given) the hub makes 1.5 per MWh taken
    at 0.5 MWh of electricity: taking all 200 MWh it makes 300, delivers 75 (its top quarter)
    and rejects 225. Each MWh taken saves 0.375·100 + 2 and costs 25 + 1.125·2: net 12.25, so
    it takes all: cost 100·325 + 2·225 + 50·100 + 1,000 = 38,950 (baseline 40,400)."""
    park = heat_facility_park([*LOW_GRADE, ("c_d", "C", "demand", 400.0, 70.0, 90.0)],
                              {**HUB, "cop": 3.0}, heat_pumps=PUMPS)
    assert park.facilities.iloc[0]["yield"] == pytest.approx(1.5)
    result = sb.optimise(park, solver=OPTIONS)
    assert result.kpis["total_cost"] == pytest.approx(38_950.0)
    assert result.kpis["savings"] == pytest.approx(1_450.0)
    plant = result.facilities.set_index("facility_id").loc["H"]
    assert plant["size"] == pytest.approx(200.0)
    assert plant.output_delivered == pytest.approx(75.0)
    assert plant.output_disposed == pytest.approx(225.0)
    transfers = result.heat_transfers
    served = transfers[transfers.from_stream == "H:out"]
    assert served.cold_t_high.max() == pytest.approx(75.0)  # never above 80 − ΔTmin


def test_a_hot_water_loop_is_heated_evenly_over_its_range():
    """A loop heated from 60 to 80 °C (yield 0.9) at x = 20 km between A, B (x = 0) and C
    (x = 40, beyond the 30 km reach of a direct pipe). A rejects 100 MWh at 78 → 70 °C: with
    ΔTmin 5 it can heat the loop's water from 60 to 73 °C, not above. B has 35 MWh at 95 → 90
    °C. Heated evenly, the loop takes 7/20 of its heat above 73 °C, which only B can give: 35
    MWh from B lets it take 100 (65 from A). It delivers 90 to C (50 → 70 °C, 300 MWh):
    cost 100·210 bought + 2·35 rejected + 100 fixed = 21,170 (baseline 30,270)."""
    loop = dict(facility_id="L", x_km=20.0, y_km=0.0, input_resource="heat",
                output_resource="heat", capacity=1000.0, fixed_cost=100.0, supply_t=80.0,
                return_t=60.0, **{"yield": 0.9})
    streams = [("a_s", "A", "supply", 100.0, 78.0, 70.0), ("b_s", "B", "supply", 35.0, 95.0, 90.0),
               ("c_d", "C", "demand", 300.0, 50.0, 70.0)]
    park = heat_facility_park(streams, loop, firms={"A": (0, 0), "B": (0, 0), "C": (40, 0)})
    result = sb.optimise(park, solver=OPTIONS)
    assert result.kpis["baseline_cost"] == pytest.approx(30_270.0)
    assert result.kpis["total_cost"] == pytest.approx(21_170.0)
    links = result.links.set_index(["from_stream", "to_stream"])
    assert links.flow[("b_s", "L:in")] == pytest.approx(35.0)
    assert links.flow[("a_s", "L:in")] == pytest.approx(65.0)
    assert links.flow[("L:out", "c_d")] == pytest.approx(90.0)


@pytest.mark.parametrize("changes, expected", [
    ({"yield": 1.5}, "leave yield blank, it follows from the COP"),
    ({"source_t": 90.0}, "source_t 90 °C must be below supply_t 80 °C"),
    ({"return_t": 85.0}, "return_t 85 °C is above supply_t 80 °C"),
    ({"supply_t": None, "return_t": None}, "needs supply_t"),
    ({"source_t": None, "cop": 3.0}, "has a cop but no source_t"),
])
def test_bad_heat_facilities_are_located_errors(changes, expected):
    with pytest.raises(sb.InputError) as info:
        heat_facility_park([*LOW_GRADE, ("c_d", "C", "demand", 300.0, 50.0, 70.0)],
                           {**HUB, **changes}, heat_pumps=PUMPS)
    assert expected in str(info.value) and "row 0" in str(info.value)


def test_a_hub_needs_the_parks_electricity_price():
    with pytest.raises(sb.InputError, match="buys electricity at the park's price"):
        heat_facility_park([*LOW_GRADE, ("c_d", "C", "demand", 300.0, 50.0, 70.0)], HUB)
