"""Cases small enough to solve by hand: exact optimum, flows and KPIs (docs/model.md).

Each test states its arithmetic, so that a failure can be checked with pencil and paper.
"""
from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
import pytest

import symbiosis as sb
from symbiosis.formulation import formulate
from symbiosis.network import build_network
from symbiosis.schema import annuity_factor

from .conftest import make_park

pytestmark = pytest.mark.solver

SCRAP = dict(resource="scrap", transport_cost=1.0, purchase_price=100.0, disposal_cost=20.0)
WATER = dict(resource="water", category="water", unit="m3", mode="pipe", transport_cost=0.01,
             purchase_price=0.5, disposal_cost=0.3)


def flows(result: sb.Result) -> dict[str, float]:
    return result.links.flow.to_dict()


def test_scarce_by_product_goes_to_the_buyer_who_values_it_most():
    # 100 t of scrap, two buyers 10 km away wanting 80 t each; B1 pays 100/t for virgin, B2 60/t.
    # Value of a tonne: to B1 20 + 100 - 10 = 110, to B2 20 + 60 - 10 = 70: B1 first.
    park = make_park({"S": (0, 0), "B1": (10, 0), "B2": (0, 10)}, [SCRAP],
                     [("s", "S", "supply", "scrap", 100), ("d1", "B1", "demand", "scrap", 80),
                      ("d2", "B2", "demand", "scrap", 80, 60.0)])
    r = sb.optimise(park)
    assert r.status == sb.Status.OPTIMAL
    assert flows(r) == pytest.approx({"s->d1": 80, "s->d2": 20})
    # purchases 60 t x 60 = 3600; transport 100 t x 10 km x 1 = 1000; nothing disposed.
    assert r.kpis["total_cost"] == pytest.approx(4600)
    assert r.kpis["baseline_cost"] == pytest.approx(80 * 100 + 80 * 60 + 100 * 20)
    assert r.kpis["savings"] == pytest.approx(14800 - 4600)
    assert r.kpis["resources"]["scrap"] == pytest.approx(
        {"supply": 100, "demand": 160, "exchanged": 100, "delivered": 100, "purchased": 60,
         "disposed": 0, "pumped": 0})
    # A link's cost is split equally between its two firms.
    assert r.firms.cost.to_dict() == pytest.approx({"S": 500, "B1": 400, "B2": 3700})
    assert r.firms.baseline_cost.to_dict() == pytest.approx({"S": 2000, "B1": 8000, "B2": 4800})
    assert r.firms.cost.sum() == pytest.approx(r.kpis["total_cost"])


def test_buyer_beyond_the_distance_limit_is_not_linked_and_says_why():
    park = make_park({"S": (0, 0), "Near": (10, 0), "Far": (31, 0)}, [SCRAP],
                     [("s", "S", "supply", "scrap", 100), ("near", "Near", "demand", "scrap", 20),
                      ("far", "Far", "demand", "scrap", 60)])
    r = sb.optimise(park)
    assert flows(r) == pytest.approx({"s->near": 20})
    assert list(r.candidates.index) == ["s->near"]
    rejected = r.rejected_pairs.set_index(["from_stream", "to_stream"])
    assert rejected.loc[("s", "far"), "reason"] == "too_far"
    assert rejected.loc[("s", "far"), "distance_km"] == pytest.approx(31)
    assert r.network.why_not("s", "far").startswith("too_far: distance 31.0 km > limit 30.0 km")
    # purchases 60 x 100; transport 20 x 10; disposal 80 x 20.
    assert r.kpis["total_cost"] == pytest.approx(6000 + 200 + 1600)

    wider = make_park({"S": (0, 0), "Near": (10, 0), "Far": (31, 0)}, [SCRAP],
                      [("s", "S", "supply", "scrap", 100), ("near", "Near", "demand", "scrap", 20),
                       ("far", "Far", "demand", "scrap", 60)], links={"max_distance_km": 40})
    assert flows(sb.optimise(wider)) == pytest.approx({"s->near": 20, "s->far": 60})


def test_exchange_distance_limit_is_tighter_than_the_parks():
    park = make_park({"W": (0, 0), "B": (10, 0)},
                     [dict(resource="dross", disposal_cost=30), dict(resource="tin",
                                                                    purchase_price=1000)],
                     [("s", "W", "supply", "dross", 100), ("d", "B", "demand", "tin", 50)],
                     exchanges=[dict(from_resource="dross", to_resource="tin", **{"yield": 0.4},
                                     max_distance_km=5)])
    r = sb.optimise(park)
    assert r.links.empty
    assert r.rejected_pairs.reason.tolist() == ["too_far"]
    assert "limit 5.0 km" in r.rejected_pairs.detail.iloc[0]


@pytest.mark.parametrize("fixed_cost, built", [(2000, False), (1000, True)])
def test_link_built_only_when_its_benefit_covers_its_fixed_cost(fixed_cost, built):
    # 10 t: benefit 10 x (20 disposal + 100 purchase - 10 transport) = 1100 per year.
    park = make_park({"A": (0, 0), "B": (10, 0)}, [SCRAP],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                     links={"truck": {"fixed_cost": fixed_cost}})
    r = sb.optimise(park)
    if built:
        assert flows(r) == pytest.approx({"s->d": 10})
        assert r.kpis["total_cost"] == pytest.approx(100 + 1000)
        assert r.links.annual_cost.iloc[0] == pytest.approx(1100)
    else:
        assert r.links.empty and r.kpis["links_built"] == 0
        assert r.kpis["total_cost"] == pytest.approx(r.kpis["baseline_cost"]) == 1200
        assert r.kpis["savings"] == pytest.approx(0)


def test_conversion_yield_delivers_yield_times_flow():
    # 100 t dross -> tin at yield 0.4, processing 5/t dross, 5 km at 1/t/km: 10 per t of dross.
    # Value per t dross: 30 disposal + 0.4 x 1000 tin - 10 = 420 > 0: all of it is sent.
    def park(tin_demand):
        return make_park({"W": (0, 0), "B": (5, 0)},
                         [dict(resource="dross", transport_cost=1, disposal_cost=30),
                          dict(resource="tin", purchase_price=1000)],
                         [("s", "W", "supply", "dross", 100),
                          ("d", "B", "demand", "tin", tin_demand)],
                         exchanges=[dict(from_resource="dross", to_resource="tin",
                                         processing_cost=5, processing_co2=0.01,
                                         **{"yield": 0.4})])
    r = sb.optimise(park(50))
    link = r.links.loc["s->d"]
    assert (link.flow, link.delivered) == pytest.approx((100, 40))
    assert r.kpis["total_cost"] == pytest.approx(10 * 1000 + 100 * 10)  # 10 t tin bought
    assert r.kpis["baseline_cost"] == pytest.approx(50 * 1000 + 100 * 30)
    assert r.kpis["co2_t"] == pytest.approx(100 * 0.01)
    assert r.kpis["resources"]["tin"]["delivered"] == pytest.approx(40)
    assert r.kpis["resources"]["dross"]["exchanged"] == pytest.approx(100)
    # A small buyer caps the flow at demand / yield = 20 / 0.4 = 50 t; the rest is disposed of.
    small = sb.optimise(park(20))
    assert flows(small) == pytest.approx({"s->d": 50})
    assert small.kpis["total_cost"] == pytest.approx(50 * 10 + 50 * 30)


def test_water_reuse_capped_by_a_binding_contaminant_limit():
    # COD 200 supply into a demand accepting COD <= 50 on 1000 m3: 200 x <= 50 x 1000 -> x <= 250.
    park = make_park({"W": (0, 0), "A": (1, 0)}, [WATER],
                     [("s", "W", "supply", "water", 1000), ("d", "A", "demand", "water", 1000)],
                     qualities=[("s", "cod", 200), ("d", "cod", 50)])
    r = sb.optimise(park)
    assert flows(r) == pytest.approx({"s->d": 250})
    # fresh 750 x 0.5 + discharge 750 x 0.3 + pipe 250 m3 x 1 km x 0.01
    assert r.kpis["total_cost"] == pytest.approx(375 + 225 + 2.5)
    assert r.streams.loc["d", "purchased"] == pytest.approx(750)


def test_two_sources_blended_to_meet_a_limit():
    # Clean (COD 20, 600 m3) and dirty (COD 200, 1000 m3) into 1000 m3 at COD <= 50.
    # All 600 clean (12,000 mg/L·m3) leaves 38,000 / 200 = 190 m3 dirty; blend exactly 50.
    park = make_park({"W1": (0, 0), "W2": (0, 0), "A": (1, 0)}, [WATER],
                     [("clean", "W1", "supply", "water", 600),
                      ("dirty", "W2", "supply", "water", 1000),
                      ("d", "A", "demand", "water", 1000)],
                     qualities=[("clean", "cod", 20), ("dirty", "cod", 200), ("d", "cod", 50)])
    r = sb.optimise(park)
    assert flows(r) == pytest.approx({"clean->d": 600, "dirty->d": 190})
    blend = (600 * 20 + 190 * 200) / 1000
    assert blend == pytest.approx(50)
    # fresh 210 x 0.5 + discharge 810 x 0.3 + pipes 790 x 0.01
    assert r.kpis["total_cost"] == pytest.approx(105 + 243 + 7.9)


def test_supply_without_a_value_for_a_limited_property_is_never_linked():
    park = make_park({"W": (0, 0), "A": (1, 0)}, [WATER],
                     [("s", "W", "supply", "water", 1000), ("d", "A", "demand", "water", 1000)],
                     qualities=[("d", "cod", 50)])
    r = sb.optimise(park)
    assert r.links.empty
    assert r.network.why_not("s", "d") == "quality: supply has no cod value; the demand limits it"


def test_great_circle_distance_prices_the_link():
    # 0.1 degree of latitude on the mean Earth radius: 6371.0088 x 0.1 x pi / 180 km.
    expected_km = 6371.0088 * math.radians(0.1)
    park = make_park({"A": (21.0, 106.0), "B": (21.1, 106.0)}, [SCRAP],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                     geographic=True)
    r = sb.optimise(park)
    assert r.links.distance_km.iloc[0] == pytest.approx(expected_km, rel=1e-9)
    assert r.links.transport_cost.iloc[0] == pytest.approx(10 * expected_km)
    # East-west along latitude 21 N, checked against the spherical law of cosines.
    park = make_park({"A": (21.0, 105.8), "B": (21.0, 106.05)}, [SCRAP],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                     geographic=True)
    p, dl = math.radians(21.0), math.radians(0.25)  # about 26 km
    cosines = 6371.0088 * math.acos(math.sin(p) ** 2 + math.cos(p) ** 2 * math.cos(dl))
    assert sb.optimise(park).links.distance_km.iloc[0] == pytest.approx(cosines, rel=1e-9)


@pytest.mark.parametrize("carbon_price, built, total", [
    (0, False, 1200),             # benefit 1100 < fixed 2000
    (50, False, 1200 + 50 * 15),  # benefit 1100 + 50 x 15 t = 1850 < 2000
    (100, True, 100 + 2000),      # benefit 1100 + 100 x 15 t = 2600 > 2000
])
def test_carbon_price_changes_the_optimum(carbon_price, built, total):
    # Reusing 10 t avoids 1.0 t CO2/t of disposal and 0.5 t CO2/t of virgin purchase: 15 t.
    park = make_park({"A": (0, 0), "B": (10, 0)},
                     [dict(SCRAP, disposal_co2=1.0, purchase_co2=0.5)],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                     links={"truck": {"fixed_cost": 2000}},
                     economics={"carbon_price": carbon_price})
    r = sb.optimise(park)
    assert (not r.links.empty) == built
    assert r.kpis["total_cost"] == pytest.approx(total)
    assert r.kpis["baseline_cost"] == pytest.approx(1200 + carbon_price * 15)
    assert r.kpis["co2_t"] == pytest.approx(0 if built else 15)
    assert r.objective_breakdown.loc["carbon", "cost"] == pytest.approx(
        carbon_price * r.kpis["co2_t"])
    assert r.objective_breakdown.cost.sum() == pytest.approx(r.kpis["total_cost"])


def test_co2_objective_takes_the_cheapest_of_the_lowest_co2_solutions():
    # Reuse avoids 15 t CO2 but costs 2100 against 1200: the CO2 objective builds it anyway.
    # Two buyers avoid the same CO2; the nearer one (transport 100 vs 200) must be chosen.
    park = make_park({"A": (0, 0), "Near": (10, 0), "Far": (20, 0)},
                     [dict(SCRAP, disposal_co2=1.0, purchase_co2=0.5)],
                     [("s", "A", "supply", "scrap", 10), ("near", "Near", "demand", "scrap", 10),
                      ("far", "Far", "demand", "scrap", 10)],
                     links={"truck": {"fixed_cost": 2000}})
    r = sb.optimise(park, objective="co2")
    assert flows(r) == pytest.approx({"s->near": 10})
    assert r.kpis["objective_kind"] == "co2"
    assert r.kpis["objective"] == pytest.approx(r.kpis["co2_t"]) == pytest.approx(5.0)
    # Far's 10 t still purchased: 10 x 0.5 = 5 t. Cost: transport 100 + fixed 2000 + Far 1000.
    assert r.kpis["total_cost"] == pytest.approx(3100)
    assert sb.optimise(park).links.empty  # by cost, nothing pays


def test_capital_cost_is_annualised_with_the_capital_recovery_factor():
    # r = 8 %, n = 15 years: 0.08 / (1 - 1.08^-15) = 0.1168295...
    assert annuity_factor(0.08, 15) == pytest.approx(0.08 / (1 - 1.08 ** -15))
    assert annuity_factor(0.08, 15) == pytest.approx(0.11682954, rel=1e-7)
    assert annuity_factor(0.0, 10) == pytest.approx(0.1)
    park = make_park({"W": (0, 0), "A": (2, 0)}, [WATER],
                     [("s", "W", "supply", "water", 100000),
                      ("d", "A", "demand", "water", 100000)],
                     links={"pipe": {"capex_per_km": 10000, "fixed_cost": 100}})
    r = sb.optimise(park)
    capex = 10000 * 2 * annuity_factor(0.08, 15)
    assert r.kpis["annualised_capex"] == pytest.approx(capex)
    # 100,000 m3 x (0.5 + 0.3 - 2 x 0.01) = 78,000 of value > 100 + capex: built.
    assert r.kpis["total_cost"] == pytest.approx(100000 * 0.02 + 100 + capex)


# --- one test per constraint block: the rows themselves --------------------------------------


def _program(park):
    return formulate(park, build_network(park, screen_value=False))


def test_link_block_bounds_flow_by_capacity_times_build():
    park = make_park({"A": (0, 0), "B": (10, 0)}, [SCRAP],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 4)])
    lp = _program(park)
    flow, build = lp.variables["flow"], lp.variables["build"]
    assert build.integer and not flow.integer
    assert flow.upper.tolist() == [4.0]  # min(10, 4 / 1)
    block = lp.constraints["link_activation"]
    a, lower, upper = lp.matrix()
    row = list(lp.constraints).index("link_activation")
    dense = a.toarray()[row]
    assert dense[flow.start] == 1 and dense[build.start] == -4 and upper[row] == 0
    assert len(block.index) == 1


def test_balance_blocks_are_equalities_on_quantities():
    park = make_park({"A": (0, 0), "B": (10, 0)},
                     [dict(resource="dross"), dict(resource="tin")],
                     [("s", "A", "supply", "dross", 10), ("d", "B", "demand", "tin", 4)],
                     exchanges=[dict(from_resource="dross", to_resource="tin", **{"yield": 0.5})])
    lp = _program(park)
    a, lower, upper = lp.matrix()
    names = [name for name, b in lp.constraints.items() for _ in b.index]
    supply, demand = names.index("supply_balance"), names.index("demand_balance")
    flow = lp.variables["flow"].start
    assert (lower[supply], upper[supply]) == (10, 10)
    assert (lower[demand], upper[demand]) == (4, 4)
    assert a[supply, flow] == 1 and a[supply, lp.variables["dispose"].start] == 1
    assert a[demand, flow] == 0.5 and a[demand, lp.variables["purchase"].start] == 1


def test_quality_block_writes_only_rows_that_can_bind():
    clean = make_park({"W": (0, 0), "A": (1, 0)}, [WATER],
                      [("s", "W", "supply", "water", 10), ("d", "A", "demand", "water", 10)],
                      qualities=[("s", "cod", 40), ("d", "cod", 50)])
    assert "quality" not in _program(clean).constraints
    dirty = make_park({"W": (0, 0), "A": (1, 0)}, [WATER],
                      [("s", "W", "supply", "water", 10), ("d", "A", "demand", "water", 10)],
                      qualities=[("s", "cod", 80), ("d", "cod", 50)])
    block = _program(dirty).constraints["quality"]
    assert list(block.index) == [("d", "cod")]
    assert block.coefs.tolist() == [80.0] and block.upper.tolist() == [500.0]


def test_objective_terms_add_up_to_the_total_cost():
    r = sb.run("tests/data/scenarios/tiny-baseline.yaml")
    breakdown = r.kpis["objective_breakdown"]
    assert set(breakdown) == {"purchases", "disposals", "transport", "processing", "link_fixed",
                              "link_capex", "carbon"}
    assert sum(breakdown.values()) == pytest.approx(r.kpis["total_cost"])
    assert sum(r.kpis["baseline_breakdown"].values()) == pytest.approx(r.kpis["baseline_cost"])


def test_pyomo_model_is_named_and_extensible_in_a_notebook():
    park = make_park({"S": (0, 0), "B1": (10, 0), "B2": (0, 10)}, [SCRAP],
                     [("s", "S", "supply", "scrap", 100), ("d1", "B1", "demand", "scrap", 80),
                      ("d2", "B2", "demand", "scrap", 80, 60.0)])
    lp = _program(park)
    m = sb.to_pyomo(lp)
    m.no_b1 = pyo.Constraint(expr=m.flow["s->d1"] <= 10)  # a planner's own constraint
    solution = sb.solve(m)
    values = lp.variables["flow"].values(solution.values)
    assert values.to_dict() == pytest.approx({"s->d1": 10, "s->d2": 80})
    assert pyo.value(m.total_cost) == pytest.approx(solution.objective)
    # transport 900; purchases B1 70 x 100; disposal 10 x 20
    assert solution.objective == pytest.approx(900 + 7000 + 200)


def test_links_that_lose_money_are_pruned_from_a_gapped_solution():
    # Hand the extractor a feasible but poor point: a 10 t link worth 10 x 110 = 1100 with a
    # 2000 fixed cost. Pruning moves its flow back to disposal and purchase: cost 1200.
    from symbiosis.results import clean_solution, prune_unprofitable_links

    park = make_park({"A": (0, 0), "B": (10, 0)}, [SCRAP],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                     links={"truck": {"fixed_cost": 2000}})
    network = build_network(park, screen_value=False)
    lp = formulate(park, network)
    x = np.zeros(lp.n_columns)
    x[lp.variables["flow"].start] = 10
    x[lp.variables["build"].start] = 1
    assert lp.cost(x) == pytest.approx(100 + 2000)
    pruned, count = prune_unprofitable_links(lp, network, clean_solution(lp, network, x))
    assert count == 1
    assert lp.cost(pruned) == pytest.approx(1200)
    assert lp.variables["purchase"].values(pruned)["d"] == 10
    assert lp.variables["dispose"].values(pruned)["s"] == 10
    # A link that pays (fixed cost 1000 < 1100) is kept.
    cheap = make_park({"A": (0, 0), "B": (10, 0)}, [SCRAP],
                      [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)],
                      links={"truck": {"fixed_cost": 1000}})
    network = build_network(cheap, screen_value=False)
    lp = formulate(cheap, network)
    assert prune_unprofitable_links(lp, network, clean_solution(lp, network, x))[1] == 0


def test_link_capacity_includes_what_the_quality_limit_allows():
    # COD 200 into 1000 m3 at COD <= 50: alone the link can carry at most 250 m3.
    park = make_park({"W": (0, 0), "A": (1, 0)}, [WATER],
                     [("s", "W", "supply", "water", 1000), ("d", "A", "demand", "water", 1000)],
                     qualities=[("s", "cod", 200), ("d", "cod", 50)])
    assert build_network(park, screen_value=False).links.capacity.tolist() == [250.0]


def test_greedy_takes_best_value_first_and_the_milp_does_better():
    # 100 t scrap for two buyers 10 km away: B1 values a tonne at 110, B2 at 70. Greedy fills
    # B1 (80 t), then B2 (20 t): here that is optimal, and the MILP agrees.
    park = make_park({"S": (0, 0), "B1": (10, 0), "B2": (0, 10)}, [SCRAP],
                     [("s", "S", "supply", "scrap", 100), ("d1", "B1", "demand", "scrap", 80),
                      ("d2", "B2", "demand", "scrap", 80, 60.0)])
    r = sb.optimise(park)
    assert r.kpis["greedy"]["total_cost"] == pytest.approx(r.kpis["total_cost"]) == 4600
    # Clean water blended with dirty: greedy takes the cheaper dirty source first (it is
    # nearer), uses up the COD budget, and leaves the clean one out. The MILP takes both.
    park = make_park({"W1": (0, 0), "W2": (0, 0), "A": (1, 0), "Far": (5, 0)},
                     [dict(WATER)],
                     [("dirty", "W1", "supply", "water", 1000),
                      ("clean", "Far", "supply", "water", 600),
                      ("d", "A", "demand", "water", 1000)],
                     qualities=[("clean", "cod", 20), ("dirty", "cod", 200), ("d", "cod", 50)])
    r = sb.optimise(park)
    greedy = r.kpis["greedy"]
    # Greedy: dirty first (value 0.79): 250 m3 uses the whole budget 50,000; clean gets 0.
    assert greedy["links_built"] == 1
    assert greedy["total_cost"] == pytest.approx(750 * 0.5 + 750 * 0.3 + 600 * 0.3 + 2.5)
    # MILP: 600 clean (4 km: 0.04/m3) then 190 dirty, as in the blending test.
    assert r.kpis["total_cost"] == pytest.approx(210 * 0.5 + 810 * 0.3 + 600 * 0.04 + 190 * 0.01)
    assert r.kpis["savings"] > greedy["savings"]
