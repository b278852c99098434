"""Decided links: links forced or forbidden by a planner, and links that already exist, on
parks solved by hand; and located errors for ids that name no link."""
from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.cli import main
from symbiosis.schema import ExistingLink

from .conftest import DATA
from .test_extra_blocks import two_pairs
from .test_routes import ANNUITY, two_water_streams

BACKENDS = ["highspy", "highs"]


def with_links(park: sb.Park, **changes) -> sb.Park:
    links = park.config.links.model_copy(update=changes)
    return replace(park, config=park.config.model_copy(update={"links": links}))


@pytest.mark.parametrize("solver", BACKENDS)
def test_nothing_decided_two_links(solver):
    r = sb.optimise(two_pairs(), solver=sb.SolverOptions(name=solver))
    assert sorted(r.links.index) == ["S1->D1", "S2->D2"]
    assert r.kpis["total_cost"] == pytest.approx(200.0)


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_forbidden_link_is_not_built(solver):
    """Without S1→D1, S1 can send only 5 t (to D2) and S2 its 5 t to D1: 10 t linked, two
    links: 1800 − 10·120 + 200 = 800."""
    r = sb.optimise(with_links(two_pairs(), forbid=["S1->D1"]),
                    solver=sb.SolverOptions(name=solver))
    assert sorted(r.links.index) == ["S1->D2", "S2->D1"]
    assert r.kpis["total_cost"] == pytest.approx(800.0)


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_forced_link_is_built(solver):
    """With S2→D1 built, D1 takes 5 t from S2 and 5 t from S1, S1's other 5 t go to D2: all
    15 t linked over three links: 1800 − 1800 + 300 = 300 (two links would leave 5 t: 800)."""
    r = sb.optimise(with_links(two_pairs(), force=["S2->D1"]),
                    solver=sb.SolverOptions(name=solver))
    assert r.kpis["total_cost"] == pytest.approx(300.0)
    assert "S2->D1" in r.links.index and r.kpis["links_built"] == 3  # alternative optima:
    # S2→D1 carrying 5 t, or built and empty beside S1→D1 and S2→D2 (both cost 300)
    assert r.links.fixed_cost.sum() == pytest.approx(300.0)
    assert r.kpis["baseline_cost"] == pytest.approx(1800.0)


def test_a_forced_link_that_does_not_pay_is_built_and_paid():
    """A link worth nothing (its demand is free to buy) forced: it is built, carries
    nothing, and its fixed cost of 100 is paid: one more than without it; links.csv lists
    it, empty."""
    park = with_links(two_pairs(), force=["S1->D1"])
    streams = park.streams.copy()
    streams.loc[["D1", "S1"], "unit_cost"] = 0.0
    free = replace(park, streams=streams)
    r = sb.optimise(free)
    unforced = sb.optimise(with_links(free, force=[]))
    assert r.kpis["total_cost"] == pytest.approx(unforced.kpis["total_cost"] + 100.0)
    assert r.objective_breakdown.loc["link_fixed", "cost"] == pytest.approx(
        unforced.objective_breakdown.loc["link_fixed", "cost"] + 100.0)
    assert r.links.loc["S1->D1", "fixed_cost"] == 100.0
    assert r.links.loc["S1->D1", "annual_cost"] == pytest.approx(100.0)


def test_an_existing_pipe_has_no_capex():
    """Per pair, S1→D1 exists: it costs nothing to use, saves 125,000 · 0.82 = 102,500;
    S2→D2 still needs its own pipe (146,037 > 102,500) and is not built."""
    park = with_links(two_water_streams("per_pair"), existing=[ExistingLink(link="S1->D1")])
    r = sb.optimise(park)
    assert sorted(r.links.index) == ["S1->D1"]
    assert r.kpis["savings"] == pytest.approx(102_500.0)
    assert r.kpis["annualised_capex"] == pytest.approx(0.0)


def test_an_existing_pipe_on_a_shared_route_serves_a_second_stream_for_free():
    """Shared routes: the route of the existing S1→D1 has no capex, so S2→D2 joins it:
    250,000 · 0.82 = 205,000 saved, no capex (Kalundborg's second user)."""
    park = with_links(two_water_streams("shared"), existing=[ExistingLink(link="S1->D1")])
    r = sb.optimise(park)
    assert sorted(r.links.index) == ["S1->D1", "S2->D2"]
    assert r.kpis["savings"] == pytest.approx(205_000.0)
    without = sb.optimise(two_water_streams("shared"))
    assert without.kpis["savings"] == pytest.approx(205_000.0 - 1.25e6 * ANNUITY)


def _scenario(tmp_path, links: str) -> str:
    path = tmp_path / "decided.yaml"
    path.write_text(f"name: decided\nmodel: {DATA / 'tiny-park'}\nlinks: {links}\n",
                    encoding="utf-8")
    return str(path)


def test_an_unknown_link_id_is_a_located_error(tmp_path):
    scenario = _scenario(tmp_path, "{force: [S_A_scrap->D_B_scrap, S_A_scrap->nowhere]}")
    result = CliRunner().invoke(main, ["validate", scenario])
    assert result.exit_code == 2, result.output
    assert "decided.yaml, key links.force[1]" in result.output
    assert "unknown link id 'S_A_scrap->nowhere'" in result.output
    assert "SUPPLY_STREAM->DEMAND_STREAM" in result.output
    assert "Traceback" not in result.output


def test_a_link_both_forced_and_forbidden_is_an_error(tmp_path):
    scenario = _scenario(tmp_path, "{force: [S_A_scrap->D_B_scrap], "
                                   "forbid: [S_A_scrap->D_B_scrap]}")
    result = CliRunner().invoke(main, ["validate", scenario])
    assert result.exit_code == 2 and "both forced and forbidden" in result.output


def test_forcing_a_link_that_is_no_candidate_says_why(tmp_path):
    scenario = _scenario(tmp_path, "{force: [S_A_scrap->D_C_scrap]}")
    result = CliRunner().invoke(main, ["run", scenario, "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2, result.output
    assert "key links.force[0]" in result.output and "too_far" in result.output


def test_a_scenario_forbids_a_link(tmp_path):
    free = sb.run(DATA / "tiny-park")
    assert "S_A_scrap->D_B_scrap" in free.links.index
    r = sb.run(_scenario(tmp_path, "{forbid: [S_A_scrap->D_B_scrap]}"))
    assert "S_A_scrap->D_B_scrap" not in r.links.index
    assert r.kpis["total_cost"] >= free.kpis["total_cost"]


def test_the_greedy_design_respects_decided_links():
    """The greedy matcher's point holds in the program: no forbidden link, forced ones
    built, an existing link within its capacity."""
    from symbiosis.start import greedy_point
    from symbiosis.results import baseline_point
    from symbiosis.verify import verify_point

    park = with_links(two_pairs(), force=["S2->D2"], forbid=["S1->D1"],
                      existing=[ExistingLink(link="S1->D2", capacity=2.0)])
    network = sb.build_network(park, screen_value=False)
    lp = sb.formulate(park, network)
    x = greedy_point(lp, network, baseline_point(lp, park))
    flow, build = lp.variables["flow"].values(x), lp.variables["build"].values(x)
    assert flow["S1->D1"] == 0 and build["S2->D2"] == 1 and flow["S1->D2"] <= 2.0
    assert verify_point(lp, x).ok


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_forced_link_survives_the_candidate_cap(solver):
    """links.max_candidates_per_demand: 1 keeps D1's most valuable candidate, S1→D1 (10 t:
    1100), and would drop S2→D1 (5 t: 500). Forced, S2→D1 stays and counts against no cap:
    D1 keeps S1→D1 too, D2 keeps S1→D2 (a tie with S2→D2, broken by supply id), and the
    optimum is the uncapped forced one: all 15 t over three links, 300."""
    park = with_links(two_pairs(), force=["S2->D1"], max_candidates_per_demand=1)
    network = sb.build_network(park)
    assert sorted(network.links.index) == ["S1->D1", "S1->D2", "S2->D1"]
    r = sb.optimise(park, solver=sb.SolverOptions(name=solver))
    assert "S2->D1" in r.links.index
    assert r.kpis["total_cost"] == pytest.approx(300.0)
