"""Candidate selection over states (symbiosis/timeline/selection.py; docs/model.md,
"Candidate selection over states"): the stacked LP prices every candidate over every state,
and the answer, certified against a bound of the whole stacked problem, is the optimum over
every candidate."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from symbiosis.solve import SolverOptions
from symbiosis.timeline import TimeTables, optimise_time, plan_of
from symbiosis.timeline import selection as time_selection
from symbiosis import selection as core_selection
from symbiosis.timeline.plan import state_park
from symbiosis.selection import kept_near
from symbiosis.timeline.selection import price_states, select_over_states
from symbiosis.timeline.study import candidates_of

from .conftest import make_park
from .test_time import SCRAP, heat_pair, scrap_park

SEASONS = pd.DataFrame({"period": ["summer", "winter"], "weight": [0.5, 0.5]})
EXACT = SolverOptions(name="highspy", mip_gap=0.0)


@pytest.fixture
def priced(monkeypatch):
    """Every network priced (not only provinces), and only the LP's links kept (no near
    links per demand): what the selection keeps is then what pricing says."""
    monkeypatch.setattr(time_selection, "PRUNE_FROM_LINKS", 0)
    monkeypatch.setattr(core_selection, "NEAR_PER_DEMAND", 0)  # kept_near reads it there


def winter_supplier():
    """W gives 100 t of scrap in winter only, D takes 50 t each season (10 USD/t bought),
    10 km apart; a truck link costs 100 a year, transport 0.3 USD/t/km. The link carries
    winter's 50 t: 500 − 150 − 100 = 250 saved, total cost 1,000 − 250 = 750. In summer
    alone it carries nothing."""
    park = make_park({"W": (0, 0), "D": (10, 0)}, [SCRAP],
                     [("S", "W", "supply", "scrap", 100.0), ("Dd", "D", "demand", "scrap",
                                                              100.0)],
                     links={"truck": {"fixed_cost": 100.0}})
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["S", "S", "Dd", "Dd"], "period": ["summer", "winter"] * 2,
         "quantity": [0.0, 100.0, 50.0, 50.0]}))
    return park, tables


def test_a_link_useful_in_one_period_only_is_kept_by_the_stacked_pricing(priced):
    park, tables = winter_supplier()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    assert list(candidates.links.index) == ["S->Dd"]
    # one state's pricing (summer, 100 t a year bought at annual rates) drops it: its LP
    # does not build the link
    summer = state_park(park, plan, "summer")
    z, rho, builds = price_states(summer, candidates, plan_of(summer))
    assert z == pytest.approx(1000.0) and builds[0] == pytest.approx(0.0, abs=1e-12)
    assert not kept_near(rho, builds > 1e-9, np.zeros(1, int))[0]
    # the winter state's LP builds it. The bound, half of each state's: summer 1,000, winter
    # 1,000 − 700 + 100 = 400 (each state pays the link's fixed cost alone), 700 ≤ 750
    z, rho, builds = price_states(park, candidates, plan)
    assert z == pytest.approx(700.0) and builds[0] == pytest.approx(1.0)
    # the stacked pricing keeps it: the LP over both seasons builds it
    selection = select_over_states(park, candidates, plan).selection
    assert selection.priced and selection.kept.tolist() == [True]
    r = optimise_time(park, tables, EXACT)
    assert r.kpis["total_cost"] == pytest.approx(750.0)
    assert r.kpis["baseline_cost"] == pytest.approx(1000.0)
    assert r.links.flow["S->Dd"] == pytest.approx(50.0)
    assert r.kpis["candidates"]["in_program"] == 1
    assert r.kpis["status"] == "optimal"


def two_suppliers():
    """D takes 50 t each season; W, 10 km away, gives 100 t in winter only; N, beside D,
    gives 100 t in summer only; links cost 100 a year. Each pays in its season: W
    500 − 150 − 100 = 250, N 500 − 100 = 400; both: 1,000 − 650 = 350. F, 20 km from D,
    gives 100 t all year at 6 USD/t transport: a candidate (4/t could pay its 100), but
    never better than W and N, which take all of D: left out by its reduced cost."""
    park = make_park({"W": (0, 0), "D": (10, 0), "N": (10, 0), "F": (30, 0)}, [SCRAP],
                     [("S", "W", "supply", "scrap", 100.0),
                      ("Sn", "N", "supply", "scrap", 100.0),
                      ("Sf", "F", "supply", "scrap", 100.0),
                      ("Dd", "D", "demand", "scrap", 100.0)],
                     links={"truck": {"fixed_cost": 100.0}})
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["S", "S", "Sn", "Sn", "Dd", "Dd"],
         "period": ["summer", "winter"] * 3,
         "quantity": [0.0, 100.0, 100.0, 0.0, 50.0, 50.0]}))
    return park, tables


def test_the_selected_then_certified_answer_is_the_optimum_over_every_candidate(priced,
                                                                                monkeypatch):
    park, tables = two_suppliers()
    selected = optimise_time(park, tables, EXACT)
    assert selected.kpis["total_cost"] == pytest.approx(1000.0 - 250.0 - 400.0)
    assert sorted(selected.links.index) == ["S->Dd", "Sn->Dd"]
    c = selected.kpis["candidates"]
    assert c["candidates"] == 3 and c["in_program"] == 2
    assert c["outside_bound"] >= 350.0 - 1e-6  # a design using F's link costs at least this
    assert selected.kpis["objective_bound"] == pytest.approx(350.0)
    assert selected.kpis["status"] == "optimal"
    monkeypatch.setattr(time_selection, "PRUNE_FROM_LINKS", 10**9)  # every candidate
    every = optimise_time(park, tables, EXACT)
    assert every.kpis["candidates"]["in_program"] == 3
    assert every.kpis["total_cost"] == pytest.approx(selected.kpis["total_cost"])


def test_a_phased_link_is_priced_in_its_years_and_built_on_arrival(priced):
    """B arrives in 2027 (tests/test_time.py): the stacked LP builds the link in 2027–2029,
    so it is kept, and the optimum is the one over every candidate: 3 × 800."""
    park = scrap_park({"B": 2027})
    plan = plan_of(park, TimeTables())
    selection = select_over_states(park, candidates_of(park, plan), plan).selection
    assert selection.priced and selection.kept.all()
    r = optimise_time(park)
    assert r.links.build_year["S->D"] == 2027
    assert r.kpis["total_cost"] == pytest.approx(3 * 800.0)
    assert r.kpis["status"] == "optimal"



def many_suppliers():
    """D takes 100 t (10 USD/t); S1..S8, i km away, give 40 t each (0.3 USD/t/km, links 20
    a year). Cheapest: S1 and S2 whole, 20 t of S3: 1,000 − 388 − 376 − 182 + 60 = 114."""
    firms = {"D": (0, 0), **{f"F{i}": (float(i), 0.0) for i in range(1, 9)}}
    streams = [("Dd", "D", "demand", "scrap", 100.0)] + \
        [(f"S{i}", f"F{i}", "supply", "scrap", 40.0) for i in range(1, 9)]
    return make_park(firms, [SCRAP], streams, links={"truck": {"fixed_cost": 20.0}})


def test_the_near_links_are_kept_and_the_rest_certified_as_left_out(monkeypatch):
    monkeypatch.setattr(time_selection, "PRUNE_FROM_LINKS", 0)
    tables = TimeTables.of(periods=SEASONS)
    selected = optimise_time(many_suppliers(), tables, EXACT)
    c = selected.kpis["candidates"]
    assert c["candidates"] == 8 and c["left_out_by_reduced_cost"] == 2  # S7, S8
    assert selected.kpis["total_cost"] == pytest.approx(114.0)
    assert sorted(selected.links.index) == ["S1->Dd", "S2->Dd", "S3->Dd"]
    assert selected.kpis["status"] == "optimal"
    assert selected.kpis["objective_bound"] <= 114.0 + 1e-6
    monkeypatch.setattr(time_selection, "PRUNE_FROM_LINKS", 10**9)
    every = optimise_time(many_suppliers(), tables, EXACT)
    assert every.kpis["total_cost"] == pytest.approx(selected.kpis["total_cost"])


def _exact_stacked(park, tables) -> float:
    """The stacked MILP over every candidate, solved exactly."""
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.solve import solve
    from symbiosis.timeline.stacking import stack
    plan = plan_of(park, tables)
    lp = stack(park, candidates_of(park, plan), plan).lp
    return solve(MatrixProgram.of(lp), EXACT).objective


def phased():
    return scrap_park({"B": 2027}), TimeTables()


def heat_both_seasons():
    """tests/test_time.py: a pipe paying 1,200 against its 1,000 over both seasons; a heat
    link, whose cascade columns the stacked pricing prices by an LP of their own."""
    return heat_pair(), TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["Sh", "Sh", "Dh", "Dh"], "period": ["summer", "winter"] * 2,
         "quantity": [80.0, 20.0, 20.0, 80.0]}))


@pytest.mark.parametrize("make, kept", [
    (two_suppliers, [False, False, False]), (two_suppliers, [False, True, False]),
    (phased, [False]), (heat_both_seasons, [False])])
def test_the_stacked_pricing_bound_lies_between_the_old_bound_and_the_optimum(make, kept):
    """L ≤ L* ≤ the exact stacked optimum, from any kept set (the column generation adds
    what prices out); a link left out costs a design at least L* + max(ρ*, 0)."""
    park, tables = make()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    old, _, _ = price_states(park, candidates, plan)
    new = time_selection.price_stacked(park, candidates, plan, np.array(kept))
    optimum = _exact_stacked(park, tables)
    assert old - 1e-6 <= max(old, new.bound) and new.bound <= optimum + 1e-6
    assert new.kept[np.array(kept)].all() and np.isfinite(new.bound)
    first = time_selection.price_stacked(park, candidates, plan, np.array(kept), rounds=1)
    assert np.isfinite(first.bound) and first.bound <= optimum + 1e-6  # before any is added


def test_the_old_bound_is_strictly_weaker_and_the_stacked_one_is_the_optimum():
    """W's link pays only in winter: L = ½·1,000 + ½·(1,000 − 700 + 100) = 700 charges
    each season its whole fixed cost against its own gain; the stacked LP charges it once
    against both (750, the optimum), with or without the link kept to start with."""
    park, tables = winter_supplier()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    old, _, _ = price_states(park, candidates, plan)
    assert old == pytest.approx(700.0)
    assert _exact_stacked(park, tables) == pytest.approx(750.0)
    for kept in ([False], [True]):
        new = time_selection.price_stacked(park, candidates, plan, np.array(kept))
        assert new.bound == pytest.approx(750.0) and new.kept.tolist() == [True]
    # two suppliers, F's link left out: priced at ρ* = 100 > 0 (never better than W and N),
    # so L* = 350, the optimum, where L = 250
    park, tables = two_suppliers()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    assert price_states(park, candidates, plan)[0] == pytest.approx(250.0)
    new = time_selection.price_stacked(park, candidates, plan, np.array([True, False, True]))
    assert new.bound == pytest.approx(350.0) and new.rounds == 1
    assert new.kept.tolist() == [True, False, True]
    assert new.reduced[1] == pytest.approx(100.0)
    bound, reduced, kept = time_selection.tightest(250.0, np.array([50.0, 100.0, 0.0]), new)
    assert bound == pytest.approx(350.0) and reduced[1] == pytest.approx(100.0)


@pytest.mark.parametrize("make, kept", [
    (two_suppliers, [True, False, True]), (winter_supplier, [False]),
    (heat_both_seasons, [False])])
def test_interior_point_prices_the_stacked_lp_as_simplex_does(monkeypatch, make, kept):
    """Large stacked LP parts are solved by interior point with crossover: a vertex, so the
    same LP optimum and, here, the same bound as simplex gives (every part is large here).
    The duals may be another optimal vertex's (these LPs are degenerate): two suppliers'
    F link then prices out and is added, where simplex's duals price it at 100."""
    park, tables = make()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    simplex = time_selection.price_stacked(park, candidates, plan, np.array(kept))
    monkeypatch.setattr(time_selection, "INTERIOR_FROM_ROWS", 0)
    import symbiosis.pricing as pricing
    methods, solve_lp_part = [], pricing.solve_lp_part

    def recorded(part, interior=False):
        methods.append(interior)
        return solve_lp_part(part, interior)
    monkeypatch.setattr(pricing, "solve_lp_part", recorded)
    interior = time_selection.price_stacked(park, candidates, plan, np.array(kept))
    assert True in methods  # the stacked LP by interior point (`_inner` keeps simplex)
    optimum = _exact_stacked(park, tables)
    assert interior.lp_value == pytest.approx(simplex.lp_value, rel=1e-9, abs=1e-6)
    assert interior.bound == pytest.approx(simplex.bound, rel=1e-9, abs=1e-6)
    assert interior.bound <= optimum + 1e-6
    assert interior.kept[np.array(kept)].all()


def test_a_round_past_the_size_cap_is_not_run_and_the_last_bound_stands(monkeypatch):
    """The winter supplier's link left out: the first round prices it out; with the cap
    below the next round's size no second round runs, and the bound is the first round's
    (valid: below the optimum)."""
    park, tables = winter_supplier()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    whole = time_selection.price_stacked(park, candidates, plan, np.array([False]))
    assert whole.rounds == 2 and whole.kept.tolist() == [True]
    monkeypatch.setattr(time_selection, "MAX_LINK_STATES", len(plan.states) - 1)
    capped = time_selection.price_stacked(park, candidates, plan, np.array([False]))
    assert capped.rounds == 1 and capped.kept.tolist() == [False]
    assert capped.bound <= whole.bound + 1e-9
    assert capped.bound <= _exact_stacked(park, tables) + 1e-6


@pytest.mark.parametrize("make, kept", [
    (two_suppliers, [True, False, True]), (winter_supplier, [False]),
    (heat_both_seasons, [False])])
def test_the_milps_lp_starts_where_the_stacked_lp_ended(make, kept):
    """The MILP over the links the stacked LP kept has that LP as its relaxation: the
    stacked LP's basis, carried by names onto the MILP's program, is one HiGHS takes,
    simplex needs no iteration from it, and the LP bound is the one found without it."""
    from dataclasses import replace

    from symbiosis import decompose
    from symbiosis.backends.basis import set_basis
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.timeline.stacking import stack

    park, tables = make()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    priced = time_selection.price_stacked(park, candidates, plan, np.array(kept))
    lp = stack(park, candidates.restrict(priced.kept), plan).lp
    program = MatrixProgram.of(lp)
    basis = priced.basis.onto(lp)
    relaxed = replace(program, integer=np.zeros_like(program.integer)).scaled()[0]
    h = relaxed.to_highs()
    assert set_basis(h, basis)
    h.setOptionValue("presolve", "off")
    h.run()
    assert h.getInfo().simplex_iteration_count == 0
    assert decompose._lp_bound(program, basis=basis) == pytest.approx(
        decompose._lp_bound(program), rel=1e-9, abs=1e-9)
    assert decompose._lp_bound(program) == pytest.approx(priced.lp_value, rel=1e-9, abs=1e-9)


def test_the_start_rounds_the_stacked_lps_shared_builds_to_the_optimum(priced):
    """Two suppliers: the stacked LP builds W and N (each pays in its season), not F; its
    builds rounded are the optimal design, 1,000 − 650 = 350, before the MILP runs."""
    from symbiosis.timeline.stacking import stack
    from symbiosis.verify import verify_point

    park, tables = two_suppliers()
    plan = plan_of(park, tables)
    candidates = candidates_of(park, plan)
    chosen = select_over_states(park, candidates, plan)
    shared = pd.Series(chosen.stacked_builds, index=candidates.links.index)
    assert shared[["S->Dd", "Sn->Dd"]].gt(0).all() and shared["Sf->Dd"] == 0
    stacked = stack(park, chosen.selection.network, plan)
    start = time_selection.rounded_start(chosen, stacked)
    assert verify_point(stacked.lp, start).ok
    assert stacked.lp.objective_value(start) == pytest.approx(350.0)
    assert stacked.lp.objective_value(stacked.start()) == pytest.approx(1000.0)


def test_the_start_is_the_cheapest_rounding_on_each_part(priced, tmp_path):
    """A small province over two seasons: on each independent part the start costs no more
    than the no-links point or any rounding of either set of builds there."""
    from symbiosis.decompose import split
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.generate import generate_park
    from symbiosis.scenario import load_model_or_scenario
    from symbiosis.timeline.stacking import group_of, stack
    from symbiosis.verify import verify_point

    generate_park(30, 1, tmp_path / "model")
    park = load_model_or_scenario(tmp_path / "model").park
    plan = plan_of(park, TimeTables.of(periods=SEASONS))
    candidates = candidates_of(park, plan)
    chosen = select_over_states(park, candidates, plan)
    stacked = stack(park, chosen.selection.network, plan)
    lp = stacked.lp
    start = time_selection.rounded_start(chosen, stacked)
    assert verify_point(lp, start).ok
    program = MatrixProgram.of(lp)
    build = lp.variables[f"build@{group_of(None)}"]
    others = np.setdiff1d(np.flatnonzero(program.integer), build.columns)
    points = [stacked.start()]
    for builds in (chosen.stacked_builds, chosen.builds):
        if builds is None:
            continue
        of_link = pd.Series(builds, index=candidates.links.index).reindex(build.index)
        for threshold in time_selection.STACKED_ROUNDING_THRESHOLDS:
            on = (of_link.to_numpy() >= threshold).astype(float)
            x = time_selection._rounded_builds(lp, program, build.columns, others, on)
            if x is not None:
                points.append(x)
    assert len(points) > 1
    parts = split(program.a)
    assert len(parts) > 1
    for part in parts:
        c = program.cost[part.columns]
        mine = c @ start[part.columns]
        assert mine <= min(c @ x[part.columns] for x in points) + 1e-9 * max(1.0, abs(mine))
    assert lp.objective_value(start) < lp.objective_value(stacked.start())
