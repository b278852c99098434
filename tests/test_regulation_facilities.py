"""A shared facility taking hazardous waste needs its licence as a firm does, and why-not
values of hazardous pairs pay the licensed carrier's surcharge: parks solved by hand
(docs/regulation.md)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.errors import InputError

from .conftest import make_park
from .test_facilities import OPTIONS, park_with

SOLVENT = [dict(resource="solvent", disposal_cost=300.0, hazard_code="17 08 03",
                eu_code="14 06 03*"),
           dict(resource="ipa", purchase_price=100.0)]
STREAMS = [("sv_A", "A", "supply", "solvent", 10), ("ipa_B", "B", "demand", "ipa", 10)]
CENTRE = dict(facility_id="SRC", name="solvent recovery centre", x_km=1.0, y_km=0.0,
              input_resource="solvent", output_resource="ipa", **{"yield": 0.8},
              processing_cost=50.0, capacity=100.0, fixed_cost=1000.0)
LINKS = {"truck": {"fixed_cost": 100.0}}


def solvent_park(*plants: dict) -> sb.Park:
    """A's 10 t of spent solvent (17 08 03, disposal 300/t), B's 10 t of IPA (100/t); no rule
    turns solvent into IPA but the centre SRC (yield 0.8, 50/t, fixed 1000). Baseline
    3000 + 1000 = 4000. Built: 10·50 + 1000 + two arcs 2·100 + the 2 t of IPA still bought
    200 = 1900."""
    return park_with({"A": (0, 0), "B": (2, 0)}, SOLVENT, STREAMS, plants=list(plants),
                     links=LINKS)


def test_an_unlicensed_solvent_centre_is_refused_and_explained():
    r = sb.optimise(solvent_park(CENTRE), solver=OPTIONS)
    assert r.kpis["total_cost"] == pytest.approx(4000.0)
    assert not r.facilities.built.any()
    rejected = r.network.rejected.set_index(["from_stream", "to_stream"])
    arc = rejected.loc[("sv_A", "SRC:in")]
    assert arc.reason == "not_licensed"
    assert ("SRC is not licensed for hazardous waste code 17 08 03 (solvent); a licence for "
            "17 08 03 in its facilities.csv licences would allow it") == arc.detail
    why = r.why_not.set_index("to_firm").loc["SRC"]
    assert why.reason == "not_licensed"
    assert "facility SRC has no candidate arc in: 1 refused" in why.detail
    assert "17 08 03" in why.detail


def test_a_licensed_solvent_centre_is_built_at_the_hand_optimum():
    r = sb.optimise(solvent_park({**CENTRE, "licences": "17 08 03"}), solver=OPTIONS)
    assert r.kpis["total_cost"] == pytest.approx(1900.0)
    assert r.kpis["savings"] == pytest.approx(2100.0)
    plant = r.facilities.set_index("facility_id").loc["SRC"]
    assert plant.built and plant["size"] == pytest.approx(10.0)
    flows = r.links.set_index(["from_stream", "to_stream"]).flow
    assert flows[("sv_A", "SRC:in")] == pytest.approx(10.0)
    assert flows[("SRC:out", "ipa_B")] == pytest.approx(8.0)
    assert "not_licensed" not in set(r.network.rejected.reason)


def test_a_licence_on_any_row_of_the_facility_counts():
    """A second conversion (rags, of which there are none) carries the licence."""
    rags = {**CENTRE, "input_resource": "rags", "yield": 0.1, "licences": "170803"}
    park = park_with({"A": (0, 0), "B": (2, 0)},
                     SOLVENT + [dict(resource="rags")], STREAMS, plants=[CENTRE, rags],
                     links=LINKS)
    assert sb.optimise(park, solver=OPTIONS).kpis["total_cost"] == pytest.approx(1900.0)


def test_a_licence_for_the_wrong_code_does_not_count():
    r = sb.optimise(solvent_park({**CENTRE, "licences": "17 08 02"}), solver=OPTIONS)
    assert r.kpis["total_cost"] == pytest.approx(4000.0)


def test_a_bad_facility_licence_is_a_located_error():
    with pytest.raises(InputError) as err:
        solvent_park({**CENTRE, "licences": "17 08 03; 1708"})
    message = str(err.value)
    assert "licences" in message and "'1708'" in message and "row 0" in message


# --- why-not values with the carrier surcharge ----------------------------------------------


def sludge_pair(fixed_cost: float, licensed: bool, surcharge: float) -> sb.Park:
    """A's 10 t of sludge (07 01 01, disposal 100/t) for B 10 km away (buys at 20/t): a unit
    saves 120 before the surcharge, 120 − 2·10 = 100 after it."""
    park = make_park({"A": (0, 0), "B": (10, 0)},
                     [{"resource": "sludge", "disposal_cost": 100, "purchase_price": 20,
                       "hazard_code": "07 01 01"}],
                     [("S1", "A", "supply", "sludge", 10), ("D1", "B", "demand", "sludge", 10)],
                     links={"truck": {"fixed_cost": fixed_cost}},
                     regulation={"carrier_surcharge": surcharge})
    firms = park.firms.copy()
    firms["licences"] = ["", "07 01 01" if licensed else ""]
    return replace(park, firms=firms)


def test_a_refused_hazardous_pair_is_valued_net_of_the_surcharge():
    r = sb.optimise(sludge_pair(500.0, licensed=False, surcharge=2.0))
    why = r.why_not.set_index(["from_stream", "to_stream"]).loc[("S1", "D1")]
    assert why.reason == "not_licensed"
    assert why.unit_value == pytest.approx(100.0)
    assert why.potential_value == pytest.approx(1000.0)
    assert "alone it would be worth 1,000 USD/yr" in why.detail
    plain = sb.optimise(sludge_pair(500.0, licensed=False, surcharge=0.0))
    assert plain.why_not.potential_value.iloc[0] == pytest.approx(1200.0)


def test_the_surcharge_decides_the_reason_of_an_unbuilt_hazardous_link():
    """Fixed cost 1100: without the surcharge the link saves 1200 − 1100 and is built; with it
    1200 − 200 − 1100 < 0, so it is not, and why-not says the fixed cost is not recovered
    (1000 ≤ 1100), not that the optimiser chose otherwise (1200 > 1100)."""
    assert sb.optimise(sludge_pair(1100.0, True, 0.0)).kpis["links_built"] == 1
    r = sb.optimise(sludge_pair(1100.0, True, 2.0))
    assert r.kpis["links_built"] == 0
    assert r.kpis["total_cost"] == pytest.approx(1200.0)
    why = r.why_not.set_index(["from_stream", "to_stream"]).loc[("S1", "D1")]
    assert why.reason == "fixed_cost_not_recovered"
    assert why.potential_value == pytest.approx(1000.0)
    assert "it earns 1,000 USD/yr" in why.detail


def test_the_surcharge_leaves_other_resources_alone():
    from symbiosis.regulation import with_carrier_surcharge
    park = sludge_pair(500.0, True, 2.0)
    pairs = pd.DataFrame({"from_resource": ["sludge", "water"], "distance_km": [10.0, 10.0],
                          "unit_value": [120.0, 5.0], "capacity": [10.0, 10.0],
                          "potential_value": [1200.0, 50.0]})
    out = with_carrier_surcharge(park, pairs)
    assert out.unit_value.tolist() == [100.0, 5.0]
    assert out.potential_value.tolist() == [1000.0, 50.0]
    assert pairs.unit_value.tolist() == [120.0, 5.0]  # the input is not changed
