"""Trustworthy answers at extreme magnitudes (issue 10, item 6).

A result is reported optimal or feasible only if every row, bound and integrality of the
program holds at the reported point (symbiosis.verify); magnitudes the solver cannot
represent are refused at validation (symbiosis.magnitudes); the fast path scales the program
so that wide but realistic ranges solve exactly (symbiosis.formulation.scaling).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import symbiosis as sb
from symbiosis import pipeline
from symbiosis.formulation import formulate
from symbiosis.network import build_network
from symbiosis.results import baseline_point, extract
from symbiosis.verify import verify_point

from .conftest import make_park

SOLVERS = ["highs", "highspy"]


def scrap_park(quantity: float = 100.0, price: float = 100.0) -> sb.Park:
    """S (firm A) supplies `quantity` t of scrap, D (firm B, 10 km) needs as much.

    Purchase `price`/t, disposal 20/t, a truck link costs 500/yr. By hand: link everything,
    cost 500; baseline quantity · (price + 20).
    """
    return make_park({"A": (0, 0), "B": (10, 0)},
                     [dict(resource="scrap", purchase_price=price, disposal_cost=20)],
                     [("S", "A", "supply", "scrap", quantity),
                      ("D", "B", "demand", "scrap", quantity)],
                     links={"truck": {"fixed_cost": 500}})


def _solved(park: sb.Park, solver: str = "highspy"):
    network = build_network(park, screen_value=False)
    lp = formulate(park, network)
    options = sb.SolverOptions(name=solver)
    solution = sb.solve(pipeline._handoff(lp, options), options,
                        fallback=baseline_point(lp, park))
    return network, lp, solution


# --- verification -------------------------------------------------------------------------


@pytest.mark.solver
@pytest.mark.parametrize("solver", SOLVERS)
def test_verification_passes_at_the_hand_optimum(solver):
    result = sb.optimise(scrap_park(), solver=sb.SolverOptions(name=solver))
    assert result.status == sb.Status.OPTIMAL
    assert result.kpis["total_cost"] == pytest.approx(500.0)
    assert result.kpis["savings"] == pytest.approx(100 * 120 - 500.0)
    v = result.kpis["verification"]
    assert v["ok"] is True and v["violations"] == 0 and v["tolerance"] == 1e-6
    assert v["max_relative_violation"] <= 1e-6


@pytest.mark.solver
def test_a_corrupted_solution_is_caught_and_not_reported():
    park = scrap_park()
    network, lp, solution = _solved(park)
    flow = lp.variables["flow"].columns[0]
    assert solution.values[flow] == pytest.approx(100.0)
    bad = solution.values.copy()
    bad[flow] = 90.0  # 10 t vanish: neither disposed of nor purchased
    result = extract(park, network, lp, replace(solution, values=bad), "corrupt", {})
    assert result.status == sb.Status.NUMERICAL_ERROR
    assert not result.status.has_solution
    k = result.kpis
    assert k["status"] == "numerical_error"
    assert k["total_cost"] is None and k["savings"] is None and k["links_built"] == 0
    v = k["verification"]
    assert v["ok"] is False and v["violations"] == 2
    assert v["rows"] == ["supply_balance[S]", "demand_balance[D]"]
    assert v["worst"] == "supply_balance[S]"
    assert v["max_relative_violation"] == pytest.approx(0.1)  # 10 t of 100 t
    assert "supply_balance[S] by 10" in v["message"]
    assert "demand_balance[D] by 10" in result.summary()


@pytest.mark.solver
def test_a_corrupted_co2_stage_is_caught(monkeypatch):
    """The CO2 objective's first stage is verified before its CO2 is used as a cap."""
    real = pipeline.solve

    def corrupt(model, options, fallback=None, **hints):
        s = real(model, options, fallback, **hints)
        values = s.values.copy()
        values[:] = values * 0.5  # halves every flow, purchase and disposal
        return replace(s, values=values)

    monkeypatch.setattr(pipeline, "solve", corrupt)
    result = sb.optimise(scrap_park(), objective="co2", solver=sb.SolverOptions(name="highspy"))
    assert result.status == sb.Status.NUMERICAL_ERROR
    assert result.kpis["verification"]["worst"] == "supply_balance[S]"


def test_verify_point_names_bounds_and_integrality():
    park = scrap_park()
    lp = formulate(park, build_network(park, screen_value=False))
    x = baseline_point(lp, park)
    assert verify_point(lp, x).ok
    build = lp.variables["build"].columns[0]
    x[build] = 0.5
    v = verify_point(lp, x)
    assert [b.name for b in v.breaches] == ["build[S->D] (bounds)"]
    x[build] = np.nan
    assert verify_point(lp, x).breaches[0].relative == np.inf


# --- refused at validation: item 6's cases, on both solver paths, through the CLI ----------

from .test_bad_input import assert_bad_input, park, set_cell, write_scenario  # noqa: E402,F401


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("file, line, column, value, expected", [
    ("streams.csv", 2, "quantity", "1e20",
     "magnitude from 0.001 to 1e+12; give this resource in a larger unit"),
    ("exchanges.csv", 2, "yield", "1e-9", "expected a magnitude from 1e-06 to 1e+06"),
    ("exchanges.csv", 2, "yield", "1e-12", "expected a magnitude from 1e-06 to 1e+06"),
    ("resources.csv", 2, "purchase_price", "1e25", "a magnitude of at most 1e+12"),
    ("streams.csv", 2, "price", "-1e25", "a magnitude of at most 1e+12"),
    ("streams.csv", 3, "quantity", "1e-6", "give this resource in a smaller unit"),
    ("qualities.csv", 2, "value", "1e13", "give the property in a larger unit"),
])
def test_unrepresentable_cells_are_refused(park, tmp_path, solver, file, line, column, value,
                                           expected):
    set_cell(park, file, line, column, value)
    out = tmp_path / "out"
    message = assert_bad_input(["run", str(park), "-o", str(out), "--solver", solver],
                               f"{park / file}, line {line}, column {column}",
                               f"{float(value):g} is beyond what the solver represents",
                               expected, "docs/format.md", out=out)
    assert message.count("beyond") == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_scale_rule_cannot_push_a_quantity_out_of_range(park, tmp_path, solver):
    scenario = write_scenario(park, "scale:\n  - {stream: S_A_scrap, factor: 1.0e+19}\n")
    out = tmp_path / "out"
    assert_bad_input(["run", str(scenario), "-o", str(out), "--solver", solver],
                     "streams.csv, line 2, column quantity", "1e+21 is beyond", out=out)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_carbon_price_out_of_range_is_refused(park, tmp_path, solver):
    scenario = write_scenario(park, "set:\n  economics.carbon_price: 1.0e+25\n")
    out = tmp_path / "out"
    assert_bad_input(["run", str(scenario), "-o", str(out), "--solver", solver],
                     "bad.yaml, key set.economics.carbon_price",
                     "less than or equal to 1000000000000 (got 1e+25)",
                     out=out)


# --- scaling: wide but realistic ranges solve exactly on both paths ------------------------


def wide_park(water: float, solvent: float) -> sb.Park:
    """Water (pipe, fixed 1000/yr) and a solvent (truck, fixed 100/yr) from A to B, 1 km.

    By hand: water costs 0.5 bought + 0.3 disposed per m3, solvent 2000 + 500 per t; a link
    pays when its stream's baseline exceeds its fixed cost.
    """
    return make_park({"A": (0, 0), "B": (1, 0)},
                     [dict(resource="water", category="water", unit="m3", mode="pipe",
                           purchase_price=0.5, disposal_cost=0.3),
                      dict(resource="solvent", purchase_price=2000, disposal_cost=500)],
                     [("WS", "A", "supply", "water", water), ("WD", "B", "demand", "water", water),
                      ("SS", "A", "supply", "solvent", solvent),
                      ("SD", "B", "demand", "solvent", solvent)],
                     links={"truck": {"fixed_cost": 100}, "pipe": {"fixed_cost": 1000}})


@pytest.mark.solver
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("water, solvent, cost", [
    (5e7, 0.5, 1000 + 100),  # both links pay
    (1e12, 0.5, 1000 + 100),  # the largest quantity accepted beside a small one
    (1e12, 1e-3, 1000 + 2.5),  # the smallest accepted: 1e-3 t · 2500 does not pay 100
])
def test_wide_ranges_solve_to_the_hand_optimum(solver, water, solvent, cost):
    result = sb.optimise(wide_park(water, solvent),
                         solver=sb.SolverOptions(name=solver, mip_gap=0.0))
    assert result.status == sb.Status.OPTIMAL
    assert result.kpis["total_cost"] == pytest.approx(cost, rel=1e-9)
    assert result.kpis["baseline_cost"] == pytest.approx(0.8 * water + 2500 * solvent)
    flows = result.links.flow.to_dict()
    assert flows == pytest.approx({"WS->WD": water, **({"SS->SD": solvent} if cost == 1100
                                                      else {})})
    assert result.kpis["verification"]["ok"]


@pytest.mark.solver
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("yield_, demand", [(1e-6, 1.0), (1e6, 1e6), (1e-6, 1e6)])
def test_extreme_accepted_yields_solve_to_the_hand_optimum(solver, yield_, demand):
    """demand / yield t of dross (disposal 1/t) make `demand` t of tin (1000/t); the link
    costs 500/yr: by hand, cost 500, the whole supply sent."""
    park = make_park({"A": (0, 0), "B": (10, 0)},
                     [dict(resource="dross", disposal_cost=1.0),
                      dict(resource="tin", purchase_price=1000)],
                     [("S", "A", "supply", "dross", demand / yield_),
                      ("D", "B", "demand", "tin", demand)],
                     exchanges=[{"from_resource": "dross", "to_resource": "tin",
                                 "yield": yield_}],
                     links={"truck": {"fixed_cost": 500}})
    result = sb.optimise(park, solver=sb.SolverOptions(name=solver, mip_gap=0.0))
    assert result.status == sb.Status.OPTIMAL
    assert result.kpis["total_cost"] == pytest.approx(500.0, rel=1e-9)
    assert result.links.loc["S->D", "flow"] == pytest.approx(demand / yield_, rel=1e-9)
    assert result.links.loc["S->D", "delivered"] == pytest.approx(demand, rel=1e-9)


@pytest.mark.solver
def test_scaling_makes_tiny_streams_exact_on_the_fast_path(monkeypatch):
    """Below the input limit (1e-6 t, within HiGHS's absolute 1e-6 tolerance) the unscaled
    Pyomo path is caught by verification; the scaled fast path still solves it exactly."""
    from symbiosis import park as park_module
    monkeypatch.setattr(park_module, "check_magnitudes", lambda tables: [])
    park = wide_park(5e7, 1e-6)
    direct = sb.optimise(park, solver=sb.SolverOptions(name="highspy", mip_gap=0.0))
    assert direct.status == sb.Status.OPTIMAL
    assert direct.kpis["total_cost"] == pytest.approx(1000 + 2500e-6, rel=1e-12)
    pyomo = sb.optimise(park, solver=sb.SolverOptions(name="highs", mip_gap=0.0))
    assert pyomo.status == sb.Status.NUMERICAL_ERROR  # HiGHS left the 1e-6 t unmet
    assert pyomo.kpis["verification"]["rows"][0] in ("supply_balance[SS]", "demand_balance[SD]")


def test_scaling_is_exact_and_undone():
    from symbiosis.formulation.highs_model import MatrixProgram
    park = wide_park(5e7, 0.5)
    lp = formulate(park, build_network(park, screen_value=False))
    program = MatrixProgram.of(lp)
    scaled, k = program.scaled()
    assert set(np.log2(k.columns)) <= set(range(-60, 61))  # powers of two
    assert np.all(np.abs(scaled.a.data) <= 2.0) and np.all(np.abs(scaled.a.data) >= 2 ** -30)
    x = baseline_point(lp, park)
    assert np.array_equal(k.values(x / k.columns), x)  # exact round trip
    assert float(scaled.cost @ (x / k.columns)) / k.objective == pytest.approx(
        float(program.cost @ x), rel=1e-15)
    assert np.array_equal(k.columns[program.integer], np.ones(program.integer.sum()))
