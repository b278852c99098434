"""Shared routes (`links.routes: shared`): one fixed cost and capex per built route, on parks
solved by hand (docs/model.md, "Shared routes")."""
from __future__ import annotations

from dataclasses import replace

import pytest

import symbiosis as sb
from symbiosis.routes import route_ids

from .conftest import make_park

BACKENDS = ["highspy", "highs"]
ANNUITY = 0.08 / (1 - 1.08 ** -15)  # the default discount rate and lifetime


def two_water_streams(routes: str) -> sb.Park:
    """The issue's check: two water streams from A to B, 5 km apart, 125,000 m3 a year each
    (two kinds of water, each serving its own demand: one pipe family). Water costs 0.5/m3 to buy and 0.32/m3 to discharge: a link saves 0.82/m3. A pipe costs
    250,000/km, annualised 1.25e6 · ANNUITY = 146,036.93 a year.

    per_pair: a link carries at most 125,000 m3 (102,500 a year), less than its pipe: nothing
    is built. shared: one pipe carries both, 250,000 m3: 205,000 − 146,036.93 = 58,963.07."""
    water = dict(category="water", unit="m3", mode="pipe", purchase_price=0.5,
                 disposal_cost=0.32)
    return make_park({"A": (0, 0), "B": (5, 0)},
                     [dict(resource="grey_water", **water), dict(resource="rinse_water", **water)],
                     [("S1", "A", "supply", "grey_water", 125_000.0),
                      ("S2", "A", "supply", "rinse_water", 125_000.0),
                      ("D1", "B", "demand", "grey_water", 125_000.0),
                      ("D2", "B", "demand", "rinse_water", 125_000.0)],
                     links={"routes": routes, "pipe": {"fixed_cost": 0, "capex_per_km": 250_000}})


def test_per_pair_builds_nothing():
    r = sb.optimise(two_water_streams("per_pair"))
    assert r.kpis["links_built"] == 0 and r.kpis["savings"] == pytest.approx(0.0, abs=1e-6)
    assert "routes" not in r.kpis and "route_id" not in r.links.columns


@pytest.mark.parametrize("solver", BACKENDS)
def test_two_streams_share_one_pipe_and_pay_it_once(solver):
    r = sb.optimise(two_water_streams("shared"), solver=sb.SolverOptions(name=solver))
    capex = 1.25e6 * ANNUITY
    assert capex == pytest.approx(146_036.93, abs=0.01)
    assert r.kpis["savings"] == pytest.approx(205_000 - capex, rel=1e-9)
    assert r.kpis["savings"] == pytest.approx(58_963.07, abs=0.01)
    assert r.kpis["annualised_capex"] == pytest.approx(capex, rel=1e-9)
    assert r.kpis["links_built"] == 2
    assert float(r.links.flow.sum()) == pytest.approx(250_000.0)
    assert set(r.links.route_id) == {"A>B:pipe:water"}
    assert r.links.annualised_capex.to_numpy() == pytest.approx([capex / 2, capex / 2])
    assert r.links.annual_cost.sum() == pytest.approx(capex)
    assert r.kpis["routes"] == {"rule": "shared", "candidate_routes": 1, "routes_built": 1,
                                "shared_routes_built": 1}
    assert "routes built                  1   of 1 (1 carry several links)" in r.summary()
    assert r.objective_breakdown.loc["route_capex", "cost"] == pytest.approx(capex)
    assert "link_capex" not in r.objective_breakdown.index
    # the pipe's cost is split equally between its two sites, as a link's is
    assert r.firms.loc["A", "savings"] + r.firms.loc["B", "savings"] == \
        pytest.approx(r.kpis["savings"])


def truck_and_pipes(heat_value: float = 800.0) -> sb.Park:
    """A and B 10 km apart; a truck route costs 1000 a year, a pipe 1000 a year.

    By truck: 80 t of scrap A→B saves 10/t (800), 100 t of paper B→A saves 5/t (500). Alone
    neither pays its truck; one truck round serves both ways: 1300 − 1000 = 300.
    By pipe: 80 m3 of water A→B saves 10/m3 (800) and 80 MWh of heat A→B saves
    heat_value/80 per MWh: water and heat need their own pipes, so neither shares."""
    material = dict(category="material", unit="t", mode="truck")
    return make_park(
        {"A": (0, 0), "B": (10, 0)},
        [dict(resource="scrap", purchase_price=10.0, **material),
         dict(resource="paper", purchase_price=5.0, **material),
         dict(resource="water", category="water", unit="m3", mode="pipe", purchase_price=10.0),
         dict(resource="heat", category="heat", unit="MWh", mode="pipe",
              purchase_price=heat_value / 80)],
        [dict(stream_id="Ss", firm_id="A", direction="supply", resource="scrap", quantity=80.0),
         dict(stream_id="Ds", firm_id="B", direction="demand", resource="scrap", quantity=80.0),
         dict(stream_id="Sp", firm_id="B", direction="supply", resource="paper", quantity=100.0),
         dict(stream_id="Dp", firm_id="A", direction="demand", resource="paper", quantity=100.0),
         dict(stream_id="Sw", firm_id="A", direction="supply", resource="water", quantity=80.0),
         dict(stream_id="Dw", firm_id="B", direction="demand", resource="water", quantity=80.0),
         dict(stream_id="Sh", firm_id="A", direction="supply", resource="heat", quantity=80.0,
              t_in=90.0, t_out=60.0),
         dict(stream_id="Dh", firm_id="B", direction="demand", resource="heat", quantity=80.0,
              t_in=20.0, t_out=50.0)],
        links={"routes": "shared", "truck": {"fixed_cost": 1000.0},
               "pipe": {"fixed_cost": 1000.0}})


def test_route_ids_by_mode_and_family():
    park = truck_and_pipes()
    links = sb.build_network(park, screen_value=False).links
    ids = route_ids(links).set_axis(links.index)
    assert ids["Ss->Ds"] == ids["Sp->Dp"] == "A~B:truck"  # one round, both ways
    assert ids["Sw->Dw"] == "A>B:pipe:water" and ids["Sh->Dh"] == "A>B:pipe:heat"


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_truck_round_carries_two_resources_but_a_pipe_not_water_and_heat(solver):
    r = sb.optimise(truck_and_pipes(), solver=sb.SolverOptions(name=solver))
    assert sorted(r.links.index) == ["Sp->Dp", "Ss->Ds"]
    assert set(r.links.route_id) == {"A~B:truck"}
    assert r.kpis["savings"] == pytest.approx(300.0)
    assert r.kpis["routes"]["routes_built"] == 1


def test_a_pipe_that_pays_alone_is_built_for_its_family_only():
    """Heat worth 1200 pays its own pipe (saves 200); water (800) cannot join it."""
    r = sb.optimise(truck_and_pipes(heat_value=1200.0))
    assert sorted(r.links.index) == ["Sh->Dh", "Sp->Dp", "Ss->Ds"]
    assert r.kpis["savings"] == pytest.approx(300.0 + 200.0)
    assert r.kpis["routes"]["routes_built"] == 2


def test_per_pair_values_the_same_park_link_by_link():
    """The same park per pair: only heat (1200 > its 1000) pays its own link."""
    park = truck_and_pipes(heat_value=1200.0)
    links = park.config.links.model_copy(update={"routes": "per_pair"})
    r = sb.optimise(replace(park, config=park.config.model_copy(update={"links": links})))
    assert sorted(r.links.index) == ["Sh->Dh"] and r.kpis["savings"] == pytest.approx(200.0)


def test_the_value_screen_keeps_links_whose_route_pays():
    shared = sb.build_network(two_water_streams("shared"))
    per_pair = sb.build_network(two_water_streams("per_pair"))
    assert len(shared.links) == 2 and len(per_pair.links) == 0
    assert (per_pair.rejected.reason == "fixed_cost_not_recovered").all()


def test_the_rounded_lp_start_builds_the_routes_of_its_links():
    """The rounded LP start fixes every binary: with shared routes it builds the routes of the
    links it builds (fixing them at 0 made it infeasible, so the start was dropped). On the
    two-stream pipe, rounding the design of both links gives the optimum itself."""
    from symbiosis.formulation import formulate
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.selection import _round
    from symbiosis.verify import verify_point

    park = two_water_streams("shared")
    network = sb.build_network(park)
    lp = formulate(park, network)
    x = _round(lp, MatrixProgram.of(lp), network.links.index)
    assert x is not None and verify_point(lp, x).ok
    assert x[lp.variables["route_build"].columns].tolist() == [1.0]
    assert lp.objective_value(x) == pytest.approx(
        sb.optimise(park).kpis["total_cost"], rel=1e-9)
