"""The fast path (HiGHS fed straight from the program's arrays) and the Pyomo path agree."""
from __future__ import annotations

import pytest

import symbiosis as sb

from .conftest import DATA, heat_park
from .test_heat import KEMP, _pump_park

pytestmark = pytest.mark.solver


def _both(run):
    pyomo, direct = run("highs"), run("highspy")
    assert direct.kpis["solver"]["name"] == "highspy" and pyomo.kpis["solver"]["name"] == "highs"
    return pyomo, direct


def _heat_numbers(result: sb.Result) -> dict[str, float]:
    return {k: v for k, v in result.kpis["heat"].items() if k != "unit"}


@pytest.mark.parametrize("make", [
    lambda: heat_park(KEMP),
    lambda: _pump_park(0),
], ids=["kemp-heat", "heat-pump"])
def test_same_optimum_on_small_parks(make):
    park = make()
    pyomo, direct = _both(lambda name: sb.optimise(park, solver=sb.SolverOptions(name=name)))
    assert direct.status == pyomo.status == sb.Status.OPTIMAL
    assert direct.kpis["total_cost"] == pytest.approx(pyomo.kpis["total_cost"])
    assert _heat_numbers(direct) == pytest.approx(_heat_numbers(pyomo))


@pytest.mark.parametrize("scenario, objective", [
    (DATA / "scenarios" / "tiny-baseline.yaml", "cost"),
    (DATA / "scenarios" / "tiny-baseline.yaml", "co2"),
    (DATA / "scenarios" / "electronics-per-pair.yaml", "cost"),  # shared routes tie links
])
def test_same_optimum_and_links_on_scenarios(scenario, objective):
    pyomo, direct = _both(lambda name: sb.run(scenario, solver=name, objective=objective,
                                              mip_gap=0.0))
    assert direct.kpis["objective"] == pytest.approx(pyomo.kpis["objective"], rel=1e-9)
    assert direct.kpis["mip_gap"] == pytest.approx(0.0, abs=1e-9)
    assert sorted(direct.links.index) == sorted(pyomo.links.index)
    assert direct.links.flow.to_dict() == pytest.approx(pyomo.links.flow.to_dict())
