"""Pricing leaves heat links out of the LP: is L = z + Σ_{l out} min(0, ρ_l) still a lower
bound when ρ_l ignores the link's cascade columns (heat_take, heat_give, heat_residual, no
upper bound)?

Yes. L is the Lagrangian relaxation that dualises every row but the activation rows, at the
LP's duals y. Every row a left-out link's cascade columns share with other columns is a
≤ row in which they have coefficient +1: heat_supply_interval, heat_demand_interval and
(heat facilities) heat_facility_intake/output_share. In a minimisation its dual is ≤ 0, so
its share of the reduced cost, −y, is ≥ 0. The link's own rows (heat_link_cascade = 0,
heat_link_total = 0) hold no kept column and no nonzero bound, so `relaxation_part` drops
them: y = 0 there. Hence d = c − Aᵀy ≥ 0 on every cascade column of a left-out link (d = 0
on a residual), the cascade's share of the Lagrangian subproblem is min over h, g, r ≥ 0 of
dᵀ(h, g, r) = 0, at h = g = r = 0, and the link's share is exactly min(0, ρ_l). (Dualising
heat_link_total with multiplier 0 lets x_l flow without a cascade: valid, only weaker.)
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from symbiosis import pricing
from symbiosis.formulation import formulate
from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.generate import generate_park
from symbiosis.network import build_network
from symbiosis.scenario import load_model_or_scenario
from symbiosis.solve import SolverOptions, solve

from .conftest import HEAT, heat_park
from .test_heat import _random_streams

pytestmark = pytest.mark.solver

EXACT = SolverOptions(name="highspy", mip_gap=0.0)


def _heat_firms():
    """Twelve firms of random heat streams, heat pumps, an inter-firm approach."""
    rng = np.random.default_rng(7)
    streams = [(f"{s[0]}_{f}",) + s[1:] for f in range(8) for s in _random_streams(rng, 4)]
    firm_of = {s[0]: "F" + s[0].split("_")[1] for s in streams}
    positions = {f"F{i}": (float(i % 4), float(i // 4)) for i in range(8)}
    return heat_park(streams, firm_of, positions=positions, resource=dict(HEAT, unit="MWh"),
                     heat={"min_approach_c": 10, "inter_firm_approach_c": 5},
                     heat_pumps={"electricity_price": 0.5, "carnot_efficiency": 0.5})


def _province(tmp_path_factory, n, seed):
    folder = tmp_path_factory.mktemp("province") / "model"
    generate_park(n, seed, folder)
    return load_model_or_scenario(folder).park


@pytest.fixture(scope="module", params=["heat_firms", "province30"])
def priced_park(request, tmp_path_factory):
    park = _heat_firms() if request.param == "heat_firms" else \
        _province(tmp_path_factory, 30, 1)
    network = build_network(park, cap=False)
    lp = formulate(park, network)
    columns = pricing.LinkColumns.of(lp)
    program = MatrixProgram.of(lp)
    optimum = solve(program, EXACT).objective  # the MILP over every candidate
    heat = (network.links.category == "heat").to_numpy()
    assert heat.any() and (columns.owner >= 0).sum() > 2 * len(heat)  # cascades present
    return program, columns, heat, optimum


def _masks(heat: np.ndarray):
    """Left out: every heat link; every other heat link; random thirds of every link."""
    n = len(heat)
    yield ~heat
    yield ~heat | (np.cumsum(heat) % 2 == 0)
    rng = np.random.default_rng(0)
    for _ in range(4):
        yield rng.random(n) > 0.35


def test_cascade_columns_of_left_out_heat_links_have_nonnegative_reduced_costs(priced_park):
    """The lemma: d = c − Aᵀy ≥ 0 on every column a left-out link owns beyond flow and
    build, so ignoring them in ρ_l loses nothing."""
    program, columns, heat, _ = priced_park
    own = columns.owner >= 0
    own[columns.flow] = own[columns.build] = False
    for allowed in _masks(heat):
        z, x, y = pricing._solve_relaxation(program, columns, allowed)
        d = program.cost - program.a.T @ y
        out = own & ~allowed[np.maximum(columns.owner, 0)]
        assert out.any()
        assert d[out].min() >= -1e-7 * max(1.0, np.abs(y).max())


def test_the_bound_with_heat_links_left_out_is_below_the_milp_optimum(priced_park):
    """L (LP over the allowed links, priced over all) ≤ the MILP optimum over every
    candidate, whichever heat links are left out."""
    program, columns, heat, optimum = priced_park
    for allowed in _masks(heat):
        result = pricing.price(program, columns, allowed)
        assert result is not None
        assert result.bound <= optimum + 1e-7 * max(1.0, abs(optimum))


def test_a_design_building_a_left_out_heat_link_costs_at_least_the_bound_plus_its_rho(
        priced_park):
    """L + max(ρ_l, 0) ≤ the MILP over every candidate with l's build fixed to 1, for the
    left-out heat links of highest ρ (the bound `Selection.outside_bound` relies on)."""
    program, columns, heat, _ = priced_park
    allowed = ~heat
    result = pricing.price(program, columns, allowed)
    for link in np.flatnonzero(heat)[np.argsort(-result.reduced[heat])][:3]:
        lower = program.col_lower.copy()
        lower[columns.build[link]] = 1.0
        built = solve(replace(program, col_lower=lower), EXACT)
        if not built.status.has_solution:
            continue
        want = result.bound + max(result.reduced[link], 0.0)
        assert want <= built.objective + 1e-7 * max(1.0, abs(built.objective))
