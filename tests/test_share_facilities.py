"""Benefit sharing with a shared facility, solved by hand (docs/sharing.md, "Shared
facilities"; docs/model.md, "Firm accounts").

Two suppliers of scrap, S1 (100 t) and S2 (50 t), each paying 1 per t to dispose of it; a
yard P (fixed cost 120 a year, no capex, processing 0, yield 1) takes scrap and its output,
with no buyer, is disposed of free (surplus). Transport is free. Alone neither firm pays for the
yard (100 < 120, 50 < 120); together they save 150 − 120 = 30.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.analysis import cooperative
from symbiosis.formulation import facility_accounts, formulate
from symbiosis.results import baseline_point
from symbiosis.analysis.sharing import design_point, share

from .test_facilities import park_with

OPTIONS = sb.SolverOptions(name="highspy", mip_gap=0, threads=1)
SCRAP = [dict(resource="scrap", disposal_cost=1.0), dict(resource="metal")]
YARD = {"facility_id": "P", "x_km": 1.0, "y_km": 0.0, "input_resource": "scrap",
        "output_resource": "metal", "yield": 1.0, "capacity": 300.0, "fixed_cost": 120.0}


def yard_park(s2: float = 50.0) -> sb.Park:
    return park_with({"S1": (0, 0), "S2": (2, 0)}, SCRAP,
                     [("s1", "S1", "supply", "scrap", 100), ("s2", "S2", "supply", "scrap", s2)],
                     plants=[YARD])


def test_a_facilitys_costs_are_shared_pro_rata_to_flow_and_the_game_by_hand():
    """Rule: the yard's 120 shared 100 : 50 by the tonnes each firm sends: S1 80, S2 40. Before
    any payment S1 costs 80 (standalone 100, gains 20), S2 40 (standalone 50, gains 10): the
    gains add up to the 30 saved, and no payment is needed (no link between two firms).
    The game: v(S1) = v(S2) = 0 (the yard does not pay for one firm's scrap), v(S1 S2) = 30:
    Shapley 15 each, and so is the nucleolus."""
    result = sb.optimise(yard_park(), solver=OPTIONS)
    assert result.kpis["savings"] == pytest.approx(30.0)
    s = share(result)
    t = s.shares.set_index("firm_id")
    assert t.standalone_cost.tolist() == pytest.approx([100.0, 50.0])
    assert t.cost_before_transfers.tolist() == pytest.approx([80.0, 40.0])
    assert t.gain.tolist() == pytest.approx([20.0, 10.0])
    assert t.cost_before_transfers.sum() == pytest.approx(result.kpis["total_cost"])
    assert t.transfers_in.abs().sum() == 0 and s.kpis["payments_total"] == 0
    assert t.shapley_gain.tolist() == pytest.approx([15.0, 15.0])
    assert t.nucleolus_gain.tolist() == pytest.approx([15.0, 15.0])
    assert s.kpis["individually_rational"] and s.kpis["firms_losing"] == 0
    assert s.groups.shapley.tolist() == ["exact"]


def test_any_coalition_may_build_the_facility_and_only_its_members_use_it():
    """With S2 at 150 t, S2 alone pays for the yard (150 − 120 = 30) and S1 alone does not:
    v(S1) = 0, v(S2) = 30, v(N) = 250 − 120 = 130; Shapley S1 (100 + 0)/2 = 50, S2 80. The
    coalition game is checked against the program solved with the other firm's arcs closed."""
    park = yard_park(150.0)
    result = sb.optimise(park, solver=OPTIONS)
    lp = formulate(park, result.network)
    x0 = baseline_point(lp, park)
    (group,) = cooperative.groups_of(lp, park.firms.index, x0)
    assert group.firms == ["S1", "S2"] and len(group.facility_users) == 1
    game = cooperative.GroupGame(group, sb.SolverOptions(name="highspy", mip_gap=1e-9))
    game.set_grand(130.0, design_point(lp, result)[group.columns])
    v = game.table()
    assert v.tolist() == pytest.approx([0.0, 0.0, 30.0, 130.0])
    t = share(result).shares.set_index("firm_id")
    assert t.shapley_gain.tolist() == pytest.approx([50.0, 80.0])
    # the split: 120 as 100 : 150
    assert t.cost_before_transfers.tolist() == pytest.approx([48.0, 72.0])


def test_facility_accounts_add_up_to_the_program_at_any_point():
    """Firms' costs (their own accounts plus their facility shares) = the program's cost, at
    the optimum and at the baseline; an idle facility (cost 0) is shared equally."""
    park = yard_park()
    result = sb.optimise(park, solver=OPTIONS)
    lp = formulate(park, result.network)
    x = design_point(lp, result)
    firms = park.firms.index
    for point in (x, baseline_point(lp, park)):
        assert facility_accounts.firm_costs(lp, firms, point).sum() == pytest.approx(
            lp.cost(point))
    w = facility_accounts.facility_weights(lp, firms, baseline_point(lp, park)).toarray()
    assert w.ravel().tolist() == pytest.approx([0.5, 0.5])
    cost, co2 = facility_accounts.accounts_by_term(lp, firms, x)
    assert cost.sum(axis=1).to_numpy() + lp.carbon_price * co2.sum(axis=1).to_numpy() == \
        pytest.approx(facility_accounts.firm_costs(lp, firms, x))


def test_the_esg_sheet_carries_the_facilitys_costs():
    """firms_esg.csv: each firm's cost includes its share of the yard (80, 40) and the column
    adds up to total_cost."""
    result = sb.optimise(yard_park(), solver=OPTIONS)
    e = result.esg.set_index("firm_id")
    assert e.cost.tolist() == pytest.approx([80.0, 40.0])
    assert e.cost.sum() == pytest.approx(result.kpis["total_cost"])
    assert e.baseline_cost.tolist() == pytest.approx([100.0, 50.0])
