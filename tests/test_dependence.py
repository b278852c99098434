"""Maximum dependence (issue 14, robust design): no demand takes more than a share from one
partner; every optimum by hand."""
from __future__ import annotations

import pytest

import symbiosis as sb
from symbiosis.formulation import formulate
from symbiosis.network import build_network
from symbiosis.solve import SolverOptions

from .conftest import make_park

EXACT = SolverOptions(name="highspy", mip_gap=0.0)


def two_suppliers(share: float | None, fixed: float = 100.0) -> sb.Park:
    """B buys 100 t of w at 10/t; A beside it and A2 3 km away (transport 1/t·km) dispose of
    100 t each for free; each link costs `fixed` a year."""
    config = {} if share is None else {"resilience": {"max_dependence": share}}
    return make_park({"A": (0, 0), "B": (0, 0), "A2": (3, 0)},
                     [dict(resource="w", transport_cost=1.0)],
                     [("A_s", "A", "supply", "w", 100, 0.0),
                      ("A2_s", "A2", "supply", "w", 100, 0.0),
                      ("B_d", "B", "demand", "w", 100, 10.0)],
                     links={"truck": {"fixed_cost": fixed, "capex_per_km": 0},
                            "max_distance_km": 10}, **config)


def flows(result) -> dict[str, float]:
    return {f"{r.from_firm}>{r.to_firm}": r.flow for r in result.links.itertuples()}


def test_without_a_cap_one_supplier_serves_the_whole_demand():
    result = sb.optimise(two_suppliers(None), solver=EXACT)
    assert result.kpis["savings"] == pytest.approx(900)  # 1000 − 100
    assert flows(result) == pytest.approx({"A>B": 100})


def test_the_cap_binds_and_the_demand_is_split_between_two_partners_by_hand():
    # at most 60 t from any one firm: A→B 60 (free), A2→B 40 (3/t): 1000 − 2·100 − 120 = 680;
    # A→B 60 alone and 40 t bought: 600 − 100 = 500
    result = sb.optimise(two_suppliers(0.6), solver=EXACT)
    assert result.kpis["savings"] == pytest.approx(680)
    assert flows(result) == pytest.approx({"A>B": 60, "A2>B": 40})
    lp = formulate(result.park, build_network(result.park))
    rows = lp.constraints["max_dependence"]
    assert list(rows.index) == [("B_d", "A"), ("B_d", "A2")]
    assert rows.upper.tolist() == pytest.approx([60, 60])


def test_a_costly_second_link_is_not_built_the_cap_only_cuts_the_first():
    # at most 50 t each, links 400 a year: A→B 50 saves 500 − 400 = 100; A2→B would add
    # 500 − 150 − 400 = −50: not built
    result = sb.optimise(two_suppliers(0.5, fixed=400), solver=EXACT)
    assert result.kpis["savings"] == pytest.approx(100)
    assert flows(result) == pytest.approx({"A>B": 50})


def test_a_cap_of_one_adds_no_row_and_changes_nothing():
    park = two_suppliers(1.0)
    assert "max_dependence" not in formulate(park, build_network(park)).constraints
    assert sb.optimise(park, solver=EXACT).kpis["savings"] == pytest.approx(900)


def test_internal_links_are_not_capped():
    # B's own by-product serves its own demand: not a partner, no row
    park = make_park({"B": (0, 0)}, [dict(resource="w")],
                     [("B_s", "B", "supply", "w", 100, 0.0),
                      ("B_d", "B", "demand", "w", 100, 10.0)],
                     links={"truck": {"fixed_cost": 100, "capex_per_km": 0}},
                     resilience={"max_dependence": 0.5})
    result = sb.optimise(park, solver=EXACT)
    assert result.kpis["savings"] == pytest.approx(900)
