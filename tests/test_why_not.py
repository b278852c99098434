"""Why-not: each reason on a park small enough to check by hand.

Scrap: purchase 100, disposal 20, transport 1 per t·km, so a unit sent d km is worth
100 + 20 - d (the avoided purchase and disposal less transport).
"""
from __future__ import annotations

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.analysis.why_not import WHY_NOT_COLUMNS

from .conftest import heat_park, make_park

pytestmark = pytest.mark.solver

SCRAP = dict(resource="scrap", transport_cost=1.0, purchase_price=100.0, disposal_cost=20.0)


def _scrap_park(firms, streams, fixed_cost=0.0, **config):
    return make_park(firms, [SCRAP], streams, links={"truck": {"fixed_cost": fixed_cost},
                                                    **config.pop("links", {})}, **config)


def _row(result: sb.Result, from_stream: str, to_stream: str) -> pd.Series:
    table = result.why_not
    assert list(table.columns) == WHY_NOT_COLUMNS
    hit = table[(table.from_stream == from_stream) & (table.to_stream == to_stream)]
    assert len(hit) == 1, table
    return hit.iloc[0]


def test_too_far_keeps_the_network_reason_and_prices_the_pair():
    park = _scrap_park({"A": (0, 0), "Z": (40, 0)},
                       [("s", "A", "supply", "scrap", 10), ("d", "Z", "demand", "scrap", 10)])
    row = _row(sb.optimise(park), "s", "d")
    assert row.reason == "too_far"
    assert row.distance_km == 40
    assert row.unit_value == pytest.approx(80) and row.capacity == 10
    assert row.potential_value == pytest.approx(800)
    assert row.detail.startswith("distance 40.0 km > limit 30.0 km; alone it would be worth 800")


def test_quality_reason():
    water = dict(resource="water", category="water", unit="m3", mode="pipe",
                 purchase_price=1.0, disposal_cost=0.5)
    park = make_park({"A": (0, 0), "B": (1, 0)}, [water],
                     [("s", "A", "supply", "water", 100), ("d", "B", "demand", "water", 50)],
                     qualities=[("s", "cod", 80), ("d", "cod", 0)])
    row = _row(sb.optimise(park), "s", "d")
    assert row.reason == "quality"
    assert row.potential_value == pytest.approx(1.5 * 50)


def test_temperature_reason():
    park = heat_park([("H", "supply", 100, 60, 40), ("C", "demand", 50, 55, 80)])
    row = _row(sb.optimise(park), "H", "C")
    assert row.reason == "temperature"
    assert row.potential_value == pytest.approx(1.5 * 50)  # disposal 0.5 + purchase 1.0


def test_candidate_cap_reason():
    park = _scrap_park({"A": (0, 0), "B": (1, 0), "C": (2, 0)},
                       [("s1", "A", "supply", "scrap", 10), ("s2", "C", "supply", "scrap", 10),
                        ("d", "B", "demand", "scrap", 10)],
                       links={"max_candidates_per_demand": 1})
    row = _row(sb.optimise(park), "s2", "d")  # s2 is 1 km away like s1: ties by stream id
    assert row.reason == "candidate_cap"


def test_no_unit_saving():
    cheap = dict(SCRAP, purchase_price=1.0, disposal_cost=0.0, transport_cost=1.0)
    park = make_park({"A": (0, 0), "B": (5, 0)}, [cheap],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)])
    row = _row(sb.optimise(park), "s", "d")
    assert row.reason == "no_unit_saving"
    assert row.unit_value == pytest.approx(-4) and row.potential_value == pytest.approx(-40)


def test_fixed_cost_not_recovered_alone():
    park = _scrap_park({"A": (0, 0), "B": (1, 0)},
                       [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                       fixed_cost=2000)
    row = _row(sb.optimise(park), "s", "d")
    assert row.reason == "fixed_cost_not_recovered"
    assert row.potential_value == pytest.approx(1190) and row.link_cost == 2000
    assert "it earns 1,190 USD/yr, not more than its fixed cost and capex of 2,000" in row.detail


def test_supply_used_elsewhere():
    park = _scrap_park({"A": (0, 0), "B": (1, 0), "C": (5, 0)},
                       [("s", "A", "supply", "scrap", 10), ("d1", "B", "demand", "scrap", 10),
                        ("d2", "C", "demand", "scrap", 10)])
    result = sb.optimise(park)
    assert list(result.links.to_stream) == ["d1"]
    row = _row(result, "s", "d2")
    assert row.reason == "supply_used_elsewhere"
    assert row.potential_value == pytest.approx(1150)


def test_demand_served_elsewhere():
    park = _scrap_park({"A": (0, 0), "B": (1, 0), "C": (5, 0)},
                       [("d", "A", "demand", "scrap", 10), ("s1", "B", "supply", "scrap", 10),
                        ("s2", "C", "supply", "scrap", 10)])
    result = sb.optimise(park)
    assert list(result.links.from_stream) == ["s1"]
    assert _row(result, "s2", "d").reason == "demand_served_elsewhere"


def test_fixed_cost_not_recovered_on_what_is_left():
    park = _scrap_park({"A": (0, 0), "B": (1, 0), "C": (5, 0)},
                       [("s", "A", "supply", "scrap", 10), ("d1", "B", "demand", "scrap", 8),
                        ("d2", "C", "demand", "scrap", 8)], fixed_cost=300)
    result = sb.optimise(park)
    assert list(result.links.to_stream) == ["d1"]
    row = _row(result, "s", "d2")
    assert row.reason == "fixed_cost_not_recovered"
    assert row.potential_value == pytest.approx(115 * 8)  # worth it alone ...
    assert row.detail.startswith("only 2 is left unlinked, earning 230 USD/yr")  # not on 2 t


def test_optimiser_choice_when_a_shared_quality_limit_binds():
    park = _scrap_park({"A": (0, 0), "B": (1, 0), "C": (2, 0)},
                       [("d", "A", "demand", "scrap", 10), ("s1", "B", "supply", "scrap", 10),
                        ("s2", "C", "supply", "scrap", 10)], fixed_cost=100,
                       qualities=[("d", "fe", 50), ("s1", "fe", 100), ("s2", "fe", 100)])
    result = sb.optimise(park)
    assert list(result.links.from_stream) == ["s1"]  # 5 t: the iron limit is then reached
    row = _row(result, "s2", "d")
    assert row.reason == "optimiser_choice"
    assert row.capacity == pytest.approx(5) and row.potential_value == pytest.approx(590)


def test_top_pairs_sorted_by_potential_value_and_written(tmp_path):
    park = _scrap_park({"A": (0, 0), "B": (1, 0), "C": (5, 0), "Z": (40, 0)},
                       [("s", "A", "supply", "scrap", 10), ("d1", "B", "demand", "scrap", 10),
                        ("d2", "C", "demand", "scrap", 10), ("d3", "Z", "demand", "scrap", 10)])
    result = sb.optimise(park)
    table = result.why_not
    assert list(table.to_stream) == ["d2", "d3"]  # 1150 then 800
    out = result.to_folder(tmp_path / "out")
    written = pd.read_csv(out / "why_not.csv")
    assert list(written.columns) == WHY_NOT_COLUMNS
    assert list(written.reason) == ["supply_used_elsewhere", "too_far"]
