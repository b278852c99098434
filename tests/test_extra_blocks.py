"""A user's extra block (`optimise(park, extra_blocks=[...])`): a function on the program that
holds on both backends and gives a normal Result, checked on a park solved by hand."""
from __future__ import annotations

import numpy as np
import pytest

import symbiosis as sb
from symbiosis.formulation.registry import BLOCKS

from .conftest import make_park

BACKENDS = ["highspy", "highs"]  # the array fast path, Pyomo


def two_pairs() -> sb.Park:
    """A at (0,0) has S1 (10 t) and S2 (5 t) of scrap; B needs D1 (10 t), C needs D2 (5 t).
    Scrap costs 100/t to buy and 20/t to dispose of; a truck link costs 100 a year.

    Baseline: 15·100 + 15·20 = 1800. Every link saves 120/t. Two links (10 t and 5 t, e.g.
    S1→D1 and S2→D2) cost 200: total 200, savings 1600. One link carries at most 10 t
    (S1 alone, or to D1 alone): total 1800 − 1200 + 100 = 700, savings 1100."""
    return make_park({"A": (0, 0), "B": (1, 0), "C": (2, 0)},
                     [dict(resource="scrap", purchase_price=100.0, disposal_cost=20.0)],
                     [("S1", "A", "supply", "scrap", 10.0), ("S2", "A", "supply", "scrap", 5.0),
                      ("D1", "B", "demand", "scrap", 10.0), ("D2", "C", "demand", "scrap", 5.0)],
                     links={"truck": {"fixed_cost": 100.0, "capex_per_km": 0.0}})


def at_most_one_link(lp, park, network):
    build = lp.variables["build"]
    lp.add_row("at_most_one_link", build.columns, np.ones(len(build.index)), upper=1)


def levy(lp, park, network):
    """A levy of 50 a year on every link built: a cost term of the user's own."""
    build = lp.variables["build"]
    lp.add_cost("levy", build.columns, np.full(len(build.index), 50.0), kind="fixed")


@pytest.mark.parametrize("solver", BACKENDS)
def test_without_extra_blocks_two_links(solver):
    r = sb.optimise(two_pairs(), solver=sb.SolverOptions(name=solver))
    assert r.kpis["total_cost"] == pytest.approx(200.0)
    assert r.kpis["links_built"] == 2


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_users_row_binds_on_both_backends(solver):
    r = sb.optimise(two_pairs(), solver=sb.SolverOptions(name=solver),
                    extra_blocks=[at_most_one_link])
    assert isinstance(r, sb.Result) and r.status == sb.Status.OPTIMAL
    assert r.kpis["links_built"] == 1
    assert r.kpis["total_cost"] == pytest.approx(700.0)
    assert r.kpis["savings"] == pytest.approx(1100.0)
    assert float(r.links.flow.sum()) == pytest.approx(10.0)
    assert r.kpis["verification"]["ok"]


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_users_cost_term_is_in_the_objective_and_the_breakdown(solver):
    """Two links pay 2·(100 + 50) = 300 (total 300); one link 1800 − 1200 + 150 = 750."""
    r = sb.optimise(two_pairs(), solver=sb.SolverOptions(name=solver), extra_blocks=[levy])
    assert r.kpis["total_cost"] == pytest.approx(300.0)
    assert r.objective_breakdown.loc["levy", "cost"] == pytest.approx(100.0)
    assert r.objective_breakdown.loc["levy", "baseline_cost"] == pytest.approx(0.0)


def test_blocks_are_tagged_and_come_after_the_models_own():
    park = two_pairs()
    lp = sb.formulate(park, sb.build_network(park), extra_blocks=[at_most_one_link, levy])
    assert lp.constraints["at_most_one_link"].block == "extra:at_most_one_link"
    assert lp.cost_terms["levy"].block == "extra:levy"
    assert lp.cost_terms["link_fixed"].block == "links"
    assert list(lp.constraints)[-1] == "at_most_one_link"
    assert [b.name for b in BLOCKS][0] == "links" and "balances" in [b.name for b in BLOCKS]


def test_the_baseline_ignores_a_users_rows():
    """A row the no-links point breaks (at least one link) leaves the baseline as it is."""
    def at_least_one_link(lp, park, network):
        build = lp.variables["build"]
        lp.add_row("at_least_one_link", build.columns, np.ones(len(build.index)), lower=1)

    r = sb.optimise(two_pairs(), extra_blocks=[at_least_one_link])
    assert r.kpis["baseline_cost"] == pytest.approx(1800.0)
    assert r.kpis["total_cost"] == pytest.approx(200.0)
    # no link within a firm here, so the firms-alone run has no solution (its empty row
    # 0 >= 1 is caught by the verification on the array path: numerical_error)
    assert r.kpis["firms_alone"]["total_cost"] is None
    assert r.kpis["savings_split"]["kind"] == "unavailable"
