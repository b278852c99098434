"""Candidate selection: the MILP over the links pricing keeps reaches the optimum over every
candidate, and every bound it reports is a valid bound of the whole (uncapped) problem."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis import pipeline, pricing, selection
from symbiosis.formulation import formulate
from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.generate import generate_park
from symbiosis.network import build_network
from symbiosis.pipeline import optimise
from symbiosis.scenario import load_model_or_scenario
from symbiosis.solve import SolverOptions, solve

pytestmark = pytest.mark.solver

EXACT = SolverOptions(name="highspy", mip_gap=0.0)


@pytest.fixture(scope="module", params=[(30, 1), (45, 2), (60, 3)], ids=lambda p: f"{p[0]}x{p[1]}")
def province(request, tmp_path_factory) -> sb.Park:
    """A small generated province: material, water with quality limits, heat."""
    n, seed = request.param
    folder = tmp_path_factory.mktemp("province") / "model"
    generate_park(n, seed, folder)
    return load_model_or_scenario(folder).park


def _lp_optimum(program: MatrixProgram) -> float:
    relaxed = replace(program, integer=np.zeros_like(program.integer))
    return solve(relaxed, SolverOptions(name="highspy")).objective


def _pricing_inputs(park: sb.Park):
    network = build_network(park, cap=False)
    lp = formulate(park, network)
    return network, MatrixProgram.of(lp), pricing.LinkColumns.of(lp)


def _prune_hard(monkeypatch) -> None:
    """Price even small networks, and keep no links beyond the LP's, greedy's and heat. The
    small park then counts as a province, whose MILP gets PROVINCE_SECONDS when no limit is
    given: lifted, so that a busy machine cannot cut an exact solve short."""
    monkeypatch.setattr(selection, "PRUNE_FROM_LINKS", 0)
    monkeypatch.setattr(selection, "NEAR_PER_DEMAND", 0)
    monkeypatch.setattr(pipeline, "PROVINCE_SECONDS", 3600.0)


def test_the_lp_without_build_columns_is_the_milp_relaxation(province):
    """Pricing drops build columns and activation rows (flows priced c_x + c_b/cap): its
    optimum is the LP relaxation of the whole program, solved separately."""
    network, program, columns = _pricing_inputs(province)
    everything = np.ones(len(network.links), dtype=bool)
    result = pricing.price(program, columns, everything)
    assert result.bound == pytest.approx(_lp_optimum(program), rel=1e-8)
    assert result.bound == result.lp_value


def test_the_bound_over_a_subset_of_links_is_below_the_lp_over_all(province):
    """The LP over some links, priced over all: L ≤ the LP over all ≤ the LP over the subset."""
    network, program, columns = _pricing_inputs(province)
    some = np.arange(len(network.links)) % 3 == 0
    result = pricing.price(program, columns, some)
    full = _lp_optimum(program)
    assert result.bound <= full + 1e-9 * abs(full)
    assert result.lp_value >= full - 1e-9 * abs(full)
    assert result.bound < result.lp_value  # links left out with ρ < 0 lower it


def test_the_relaxation_program_prices_as_the_whole_program(province):
    """`relaxation_program` (assembled without the activation rows) gives the LP, flows and
    reduced costs of the whole program's arrays."""
    network, program, columns = _pricing_inputs(province)
    lp = formulate(province, network)
    lean = pricing.relaxation_program(lp, columns)
    assert lean.a.shape[0] == program.a.shape[0] - len(network.links)  # one row per link less
    assert lean.a[:, columns.build].nnz == 0
    everything = np.ones(len(network.links), dtype=bool)
    whole, relaxed = (pricing.price(p, columns, everything) for p in (program, lean))
    assert relaxed.bound == pytest.approx(whole.bound, rel=1e-12)
    np.testing.assert_allclose(relaxed.flow, whole.flow, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(relaxed.reduced, whole.reduced, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("where", ["workers", "dask"])
def test_the_lp_by_parts_on_workers_or_dask_is_the_lp_solved_here(province, monkeypatch,
                                                                    where):
    """The LP's parts solved side by side in worker processes (or on a Dask LocalCluster)
    give the same optimum, flows and reduced costs as one after another in this process."""
    network, program, columns = _pricing_inputs(province)
    everything = np.ones(len(network.links), dtype=bool)
    here = pricing.price(program, columns, everything)
    monkeypatch.setattr(pricing, "PARALLEL_FROM_COLUMNS", 0)
    if where == "dask":
        pytest.importorskip("dask.distributed")
    away = pricing.price(program, columns, everything, "local" if where == "dask" else None)
    assert away.bound == pytest.approx(here.bound, rel=1e-12)
    np.testing.assert_array_equal(away.flow, here.flow)
    np.testing.assert_array_equal(away.reduced, here.reduced)


def test_the_pruned_milp_reaches_the_optimum_over_every_candidate(province, monkeypatch):
    whole = optimise(province, solver=EXACT)
    assert whole.kpis["candidates"]["left_out_by_reduced_cost"] == 0  # small: taken whole
    _prune_hard(monkeypatch)
    first = selection.select(province, build_network(province, cap=False))
    assert first.left_out > 0  # the test prunes something
    pruned = optimise(province, solver=EXACT)
    k, best = pruned.kpis, whole.kpis["objective"]
    assert k["status"] == "optimal"
    assert k["objective"] == pytest.approx(best, rel=1e-9)
    assert k["objective_bound"] <= best + 1e-9 * abs(best)  # a bound of the whole problem
    assert k["candidates"]["lp_bound"] <= k["objective_bound"] + 1e-9 * abs(best)


def test_a_pruned_run_at_a_gap_is_certified_against_every_candidate(province, monkeypatch):
    exact = optimise(province, solver=EXACT).kpis["objective"]
    _prune_hard(monkeypatch)
    k = optimise(province, solver=replace(EXACT, mip_gap=0.02)).kpis
    assert k["objective_bound"] <= exact + 1e-9 * abs(exact)
    assert k["objective"] >= exact - 1e-9 * abs(exact)
    assert k["mip_gap"] <= 0.02 + 1e-12 and k["status"] == "optimal"


def test_a_capped_run_reports_the_bound_and_gap_of_the_uncapped_problem(province):
    uncapped = optimise(province, solver=EXACT).kpis["objective"]
    capped_park = replace(province, config=province.config.model_copy(
        update={"links": province.config.links.model_copy(
            update={"max_candidates_per_demand": 1})}))
    result = optimise(capped_park, solver=EXACT)
    k = result.kpis
    assert k["candidates"]["left_out_by_cap"] > 0
    assert k["objective_bound"] <= uncapped + 1e-9 * abs(uncapped)  # valid without the cap
    assert k["mip_gap"] == pytest.approx(
        (k["objective"] - k["objective_bound"]) / abs(k["objective"]), rel=1e-9, abs=1e-12)
    assert k["capped"]["program_gap"] <= 1e-9  # the capped program itself is solved
    assert k["capped"]["may_cost"] >= k["objective"] - uncapped - 1e-6 * abs(uncapped)
    if k["objective"] > uncapped * (1 + 1e-6):  # the cap lost value: never "optimal"
        assert k["status"] == "feasible"
        assert "may have cost up to" in result.summary()


def test_the_default_solver_is_the_array_path_and_pyomo_stays_by_name():
    here = "scenarios/electronics-baseline.yaml"
    assert sb.run(here).kpis["solver"]["name"] == "highspy"
    assert sb.run(here, solver="highs").kpis["solver"]["name"] == "highs"


def test_the_start_is_feasible_and_never_worse_than_greedy_or_baseline_on_any_part(
        province, monkeypatch):
    from symbiosis.decompose import split
    from symbiosis.start import greedy_point
    from symbiosis.results import baseline_point
    from symbiosis.verify import verify_point

    _prune_hard(monkeypatch)
    chosen = selection.select(province, build_network(province, cap=False))
    lp = formulate(province, chosen.network)
    base = baseline_point(lp, province)
    greedy = greedy_point(lp, chosen.network, base)
    builds = pd.Series(chosen.builds, index=chosen.candidates.links.index)
    start = selection.start_point(lp, chosen.network, base, greedy, builds)
    assert verify_point(lp, start).ok
    program = MatrixProgram.of(lp)
    for part in split(program.a):
        c = program.cost[part.columns]
        mine = c @ start[part.columns]
        assert mine <= min(c @ greedy[part.columns], c @ base[part.columns]) + 1e-9 * abs(mine)
    assert lp.objective_value(start) < lp.objective_value(greedy)  # the LP rounded helps here


@pytest.mark.parametrize("n, seed", [(45, 2)])
def test_the_co2_objective_is_pruned_and_certified_the_same_way(n, seed, tmp_path,
                                                                 monkeypatch):
    generate_park(n, seed, tmp_path / "model")
    park = load_model_or_scenario(tmp_path / "model").park
    one_thread = replace(EXACT, threads=1)  # the same search whatever ran before
    whole = optimise(park, objective="co2", solver=one_thread).kpis
    _prune_hard(monkeypatch)
    pruned = optimise(park, objective="co2", solver=one_thread).kpis
    assert pruned["candidates"]["lp_bound"] is not None
    assert pruned["status"] == "optimal"
    assert pruned["co2_t"] == pytest.approx(whole["co2_t"], rel=1e-7)
    assert pruned["objective_bound"] <= whole["co2_t"] * (1 + 1e-9)
