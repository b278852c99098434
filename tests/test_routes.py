"""Shared routes (`links.routes: shared`): one fixed cost and capex per built route, on parks
solved by hand (docs/model.md, "Shared routes")."""
from __future__ import annotations

from dataclasses import replace

import pytest

import symbiosis as sb
from symbiosis.formulation.routes import heat_levels
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
    ids = route_ids(links, heat_levels(park, links)).set_axis(links.index)
    assert ids["Ss->Ds"] == ids["Sp->Dp"] == "A~B:truck"  # one round, both ways
    assert ids["Sw->Dw"] == "A>B:pipe:water" and ids["Sh->Dh"] == "A>B:pipe:heat@90C"


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


def two_heat_streams(second_t_in: float, second_t_out: float) -> sb.Park:
    """A and B 1 km apart; a pipe costs 1000 a year (no capex). Two heat supplies at A, 80 MWh
    each: H1 at 90 -> 60 °C and H2 at `second_t_in` -> `second_t_out`; two heat demands at B,
    10 -> 25 °C, 80 MWh each, that buy heat at 10/MWh: any supply can serve any demand (the
    approach is met), and each 80 MWh saves 800.

    A heat pipe carries one temperature level. H2 at 90 °C too: one pipe carries both,
    160 MWh, 1600 − 1000 = 600. H2 at 50 °C: two pipes, and neither pays its own (800 <
    1000; H1 alone to both demands is still 80 MWh): nothing is built."""
    heat = dict(category="heat", unit="MWh", mode="pipe", purchase_price=10.0)
    return make_park(
        {"A": (0, 0), "B": (1, 0)}, [dict(resource="heat", **heat)],
        [dict(stream_id="H1", firm_id="A", direction="supply", resource="heat", quantity=80.0,
              t_in=90.0, t_out=60.0),
         dict(stream_id="H2", firm_id="A", direction="supply", resource="heat", quantity=80.0,
              t_in=second_t_in, t_out=second_t_out),
         dict(stream_id="C1", firm_id="B", direction="demand", resource="heat", quantity=80.0,
              t_in=10.0, t_out=25.0),
         dict(stream_id="C2", firm_id="B", direction="demand", resource="heat", quantity=80.0,
              t_in=10.0, t_out=25.0)],
        links={"routes": "shared", "pipe": {"fixed_cost": 1000.0, "capex_per_km": 0.0}})


@pytest.mark.parametrize("solver", BACKENDS)
def test_two_heat_streams_at_one_temperature_share_one_pipe(solver):
    park = two_heat_streams(90.0, 60.0)
    r = sb.optimise(park, solver=sb.SolverOptions(name=solver))
    assert r.kpis["savings"] == pytest.approx(600.0)
    assert float(r.links.flow.sum()) == pytest.approx(160.0)
    assert set(r.links.route_id) == {"A>B:pipe:heat@90C"}
    assert r.kpis["routes"]["routes_built"] == 1 and r.kpis["routes"]["candidate_routes"] == 1


@pytest.mark.parametrize("solver", BACKENDS)
def test_two_heat_streams_at_two_temperatures_need_two_pipes(solver):
    park = two_heat_streams(50.0, 35.0)
    links = sb.build_network(park, screen_value=False).links
    ids = route_ids(links, heat_levels(park, links)).set_axis(links.index)
    assert sorted(set(ids)) == ["A>B:pipe:heat@50C", "A>B:pipe:heat@90C"]
    assert ids["H1->C1"] == ids["H1->C2"] == "A>B:pipe:heat@90C"
    assert ids["H2->C1"] == ids["H2->C2"] == "A>B:pipe:heat@50C"
    r = sb.optimise(park, solver=sb.SolverOptions(name=solver))
    assert r.kpis["links_built"] == 0 and r.kpis["savings"] == pytest.approx(0.0, abs=1e-6)


def test_the_screens_and_the_program_key_heat_routes_alike():
    """The value screen reads the supply temperature of the pairs it screens; the program
    looks it up by stream: the same routes either way."""
    from symbiosis.network import route_worth

    park = two_heat_streams(50.0, 35.0)
    network = sb.build_network(park, screen_value=False)
    worth, cost = route_worth(network.links.assign(
        supply_t_in=park.streams.t_in.reindex(network.links.from_stream).to_numpy()))
    # each pipe: its supply to both demands at capacity, 80 MWh each (1600), costs 1000
    assert worth.tolist() == pytest.approx([1600.0] * 4) and cost.tolist() == [1000.0] * 4
    assert len(sb.build_network(park).links) == 4  # kept: 1600 > 1000 bounds each pipe


def in_firm_reuse(routes: str) -> sb.Park:
    """Firm A reuses its own scrap (80 t, saves 10/t: 800) and its own paper (100 t, saves
    5/t: 500); a truck link costs 1000 a year. In-firm links of one firm and mode share one
    internal route (`A~A:truck`): together 1300 − 1000 = 300; per pair neither pays."""
    material = dict(category="material", unit="t", mode="truck")
    return make_park(
        {"A": (0, 0)},
        [dict(resource="scrap", purchase_price=10.0, **material),
         dict(resource="paper", purchase_price=5.0, **material)],
        [("Ss", "A", "supply", "scrap", 80.0), ("Ds", "A", "demand", "scrap", 80.0),
         ("Sp", "A", "supply", "paper", 100.0), ("Dp", "A", "demand", "paper", 100.0)],
        links={"routes": routes, "truck": {"fixed_cost": 1000.0}})


@pytest.mark.parametrize("solver", BACKENDS)
def test_in_firm_links_of_one_firm_share_one_internal_route(solver):
    r = sb.optimise(in_firm_reuse("shared"), solver=sb.SolverOptions(name=solver))
    assert sorted(r.links.index) == ["Sp->Dp", "Ss->Ds"]
    assert set(r.links.route_id) == {"A~A:truck"}
    assert r.kpis["savings"] == pytest.approx(300.0)
    assert r.links.fixed_cost.tolist() == pytest.approx([500.0, 500.0])
    per_pair = sb.optimise(in_firm_reuse("per_pair"))
    assert per_pair.kpis["links_built"] == 0
