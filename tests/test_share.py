"""Benefit sharing (issue 13): worked examples whose every number is computed by hand."""
from __future__ import annotations

import json
from dataclasses import replace
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.analysis import bounded, cooperative
from symbiosis.analysis import games as g
from symbiosis.analysis.sharing import (LINK_TRANSFER_COLUMNS, SHARE_COLUMNS, design_point,
                                        format_shares, share)
from symbiosis.formulation import formulate
from symbiosis.formulation.highs_model import InPlace, MatrixProgram
from symbiosis.pricing import LinkColumns
from symbiosis.results import baseline_point
from symbiosis.solve import SolverOptions, solve

from .conftest import ROOT, heat_park, make_park
from .test_heat import KEMP

W = dict(resource="w")
TRUCK_1000 = {"links": {"truck": {"fixed_cost": 1000, "capex_per_km": 0}}}


def two_firms(disposal: float, purchase: float) -> sb.Park:
    """A sends 100 t of w to B at distance 0; the link costs 1000 a year."""
    return make_park({"A": (0, 0), "B": (0, 0)}, [W],
                     [("A_s", "A", "supply", "w", 100, disposal),
                      ("B_d", "B", "demand", "w", 100, purchase)], **TRUCK_1000)


def gains(shares) -> dict[str, float]:
    return {f: round(g, 6) for f, g in zip(shares.shares.firm_id, shares.shares.gain)}


def test_a_link_that_saves_200_while_one_firm_loses_500_under_the_equal_split():
    # A disposes of w for free, B buys it at 12/t: the link saves 1200 - 1000 = 200. The
    # equal split of firms.csv charges A half the link: -500 for A, +700 for B.
    result = sb.optimise(two_firms(0.0, 12.0))
    assert result.kpis["savings"] == pytest.approx(200)
    assert result.firms.savings.to_dict() == pytest.approx({"A": -500, "B": 700})
    s = share(result)
    # firm accounts: the link is B's (cost before transfers 1000 for B, 0 for A); B pays A
    # 100 (1 per t), the equal split of the surplus, which leaves both firms +100
    row = s.shares.set_index("firm_id")
    assert row.cost_before_transfers.to_dict() == pytest.approx({"A": 0, "B": 1000})
    assert gains(s) == pytest.approx({"A": 100, "B": 100})
    assert s.shares.gain.sum() == pytest.approx(200)
    assert s.links.transfer_price.iloc[0] == pytest.approx(1.0)
    assert s.links.transfer_payment.iloc[0] == pytest.approx(100)
    assert row.transfers_in.A == pytest.approx(100) and row.transfers_out.B == pytest.approx(100)
    assert s.kpis["cost_of_fairness"] == 0 and s.kpis["individually_rational"]
    assert list(s.shares.columns[:len(SHARE_COLUMNS)]) == SHARE_COLUMNS


@pytest.mark.parametrize("rule", ["individually_rational", "equal_surplus", "proportional",
                                  "core"])
def test_every_rule_splits_a_symmetric_two_firm_link_equally(rule):
    # disposal 6/t for A, purchase 6/t for B: standalone 600 each, savings 1200 - 1000 = 200
    s = share(sb.optimise(two_firms(6.0, 6.0)), rule=rule)
    assert gains(s) == pytest.approx({"A": 100, "B": 100})
    assert s.shares.shapley_gain.tolist() == pytest.approx([100, 100])
    assert s.shares.nucleolus_gain.tolist() == pytest.approx([100, 100])
    assert (s.shares.rule == rule).all()


def hub_park() -> sb.Park:
    """B buys 100 t of w at 4/t; A1 (2 km away, transport 1/t·km) disposes of 100 t at 10/t,
    A2 (beside B) of 100 t at 5/t; each link has a fixed cost of 300.

    A1→B: supplier side 1000, receiver side 400 - 200 - 300 = -100, surplus 900.
    A2→B: supplier side 500, receiver side 400 - 300 = 100, surplus 600.
    Both links: x1 + x2 ≤ 100 and two fixed costs, at most 8·100 - 200 = 600. Optimum: A1→B.
    """
    return make_park({"A1": (2, 0), "A2": (0, 0), "B": (0, 0)},
                     [dict(resource="w", transport_cost=1.0)],
                     [("A1_s", "A1", "supply", "w", 100, 10.0),
                      ("A2_s", "A2", "supply", "w", 100, 5.0),
                      ("B_d", "B", "demand", "w", 100, 4.0)],
                     links={"truck": {"fixed_cost": 300, "capex_per_km": 0}})


def test_with_gate_fees_the_optimum_is_shared_individually_rationally():
    s = share(hub_park())
    # A1 pays B a gate fee of 550 (-5.5 per t): 1000 - 550 = 450 and -100 + 550 = 450
    assert s.kpis["design"] == "optimum" and s.kpis["cost_of_fairness"] == 0
    assert gains(s) == pytest.approx({"A1": 450, "A2": 0, "B": 450})
    assert s.links.transfer_price.tolist() == pytest.approx([-5.5])


def test_without_gate_fees_the_individually_rational_rows_change_the_design():
    # B loses 100 on A1→B and may not be paid to take (prices ≥ 0): no payment makes it
    # whole, so the MILP with the transfer rows builds A2→B: savings 600, cost of fairness
    # 900 - 600 = 300. The payment closest to the equal split (-200) within [0, 100] is 0:
    # A2 gains 500, B 100.
    s = share(hub_park(), gate_fees=False)
    assert s.kpis["design"] == "individually_rational_optimum"
    assert s.kpis["unconstrained_savings"] == pytest.approx(900)
    assert s.kpis["savings"] == pytest.approx(600)
    assert s.kpis["cost_of_fairness"] == pytest.approx(300)
    assert list(s.links.index) == ["A2_s->B_d"]
    assert gains(s) == pytest.approx({"A1": 0, "A2": 500, "B": 100})
    assert (s.shares.gain >= 0).all() and s.shares.gain.sum() == pytest.approx(600)
    # not stable: A1 and B would save 900 on their own against the 100 they get here
    assert not s.kpis["core"]["in_core"]
    assert s.blocking.iloc[0].firms == "A1 B"
    assert s.blocking.iloc[0].excess == pytest.approx(800)
    # the game is the park's savings game: v(N) = 900, the optimum, whatever is shared
    assert s.shares.shapley_gain.tolist() == pytest.approx([250, 100, 550])


def test_shapley_and_nucleolus_of_the_hub_park_by_hand():
    # v(A1 B) = 900, v(A2 B) = 600, v(A1 A2) = 0, v(N) = 900, singletons 0.
    # Shapley: B (0+0+900+600+900+900)/6 = 550, A1 (0+0+900+0+300+300)/6 = 250, A2 100.
    # Core: x_A2 = 0, x_B ≥ 600; nucleolus: x_A1 = x_B - 600, so (150, 0, 750).
    s = share(hub_park())
    row = s.shares.set_index("firm_id")
    assert row.shapley_gain.to_dict() == pytest.approx({"A1": 250, "A2": 100, "B": 550})
    assert row.shapley_gain.sum() == pytest.approx(s.kpis["savings"])
    assert row.nucleolus_gain.to_dict() == pytest.approx({"A1": 150, "A2": 0, "B": 750},
                                                         abs=1e-6)
    assert row.shapley_stderr.tolist() == [0, 0, 0]
    # the individually rational 450 / 0 / 450 is not in the core: A2 and B would save 600
    # on their own against the 450 they get
    assert not s.kpis["core"]["in_core"]
    assert s.blocking.iloc[0].firms == "A2 B"
    assert s.blocking.iloc[0].excess == pytest.approx(150)
    # yet a stable split exists: the least core's ε is 0 (the nucleolus leaves A1 B exactly
    # its 900 and A2 B 750 ≥ 600), so the core is not empty
    (group,) = s.kpis["core"]["groups"]
    assert group["least_core_epsilon"] == pytest.approx(0, abs=1e-6)
    assert group["core_empty"] is False


def test_coalition_values_match_a_rebuild_of_each_coalition():
    """v(S) from the in-place re-solves against an independent computation: the network
    restricted to the links among S (Network.restrict), formulated and solved afresh."""
    park = hub_park()
    result = sb.optimise(park)
    lp = formulate(park, result.network)
    x0 = baseline_point(lp, park)
    (group,) = cooperative.groups_of(lp, park.firms.index, x0)
    game = cooperative.GroupGame(group, SolverOptions(name="highspy", mip_gap=1e-9))
    links = result.network.links
    for mask in range(1, 2 ** game.n):
        members = {group.firms[i] for i in range(game.n) if mask >> i & 1}
        keep = (links.from_firm.isin(members) & links.to_firm.isin(members)).to_numpy()
        sub = result.network.restrict(keep)
        program = formulate(park, sub)
        solved = solve(MatrixProgram.of(program), SolverOptions(name="highspy", mip_gap=0))
        rebuilt = program.cost(baseline_point(program, park)) - solved.objective
        assert game.value(mask) == pytest.approx(rebuilt, abs=1e-6), members
    assert game.solves <= 3  # only coalitions with a link among them are solved


def test_the_textbook_cost_game():
    # standalone costs 300, 270, 280; any pair 410; all three 550 (savings game: v = c(S)
    # alone minus c(S) together): Shapley cost shares 191.67 / 176.67 / 181.67, nucleolus
    # 183.33 each
    games = cooperative.games
    cost = {1: 300, 2: 270, 4: 280, 3: 410, 5: 410, 6: 410, 7: 550}
    alone = np.array([300, 270, 280])
    v = np.zeros(8)
    for mask, c in cost.items():
        v[mask] = alone[[i for i in range(3) if mask >> i & 1]].sum() - c
    assert alone - games.shapley(v) == pytest.approx([191.6667, 176.6667, 181.6667], abs=1e-3)
    assert alone - games.nucleolus(v) == pytest.approx([183.3333] * 3, abs=1e-3)
    assert games.in_core(v, games.nucleolus(v), 1e-6)
    assert games.least_core(v).epsilon < 0


def line_park(n_pairs: int = 5) -> sb.Park:
    """n suppliers and n receivers along a line, each receiver within reach of two suppliers:
    one connected group of 2n firms."""
    firms, streams = {}, []
    for i in range(n_pairs):
        firms[f"S{i}"] = (2.0 * i, 0.0)
        firms[f"R{i}"] = (2.0 * i + 1.0, 0.0)
        streams += [(f"S{i}_s", f"S{i}", "supply", "w", 100, 5.0 + i),
                    (f"R{i}_d", f"R{i}", "demand", "w", 80 + 10 * i, 6.0)]
    return make_park(firms, [dict(resource="w", transport_cost=0.5)], streams,
                     links={"truck": {"fixed_cost": 200, "capex_per_km": 0},
                            "max_distance_km": 1.5})


def test_sampled_shapley_converges_to_the_exact_values_within_its_error(monkeypatch):
    park = line_park()
    result = sb.optimise(park)
    exact = share(result)
    assert exact.groups.shapley.tolist() == ["exact"]
    assert exact.shares.shapley_gain.sum() == pytest.approx(exact.kpis["savings"])
    monkeypatch.setattr(cooperative, "EXACT_MAX", 4)
    monkeypatch.setattr(cooperative, "SAMPLED_GAP", 1e-9)
    sampled = share(result, samples=400, seed=1)
    assert sampled.kpis["shapley"]["samples"] == 400
    # each coalition solved to within SAMPLED_GAP of the group's savings, as reported
    assert sampled.groups.coalition_abs_gap.iloc[0] == pytest.approx(1e-9 * exact.kpis["savings"])
    error = sampled.shares.shapley_stderr.to_numpy()
    diff = np.abs(sampled.shares.shapley_gain.to_numpy() - exact.shares.shapley_gain.to_numpy())
    assert (diff <= 4 * error + 1e-6).all()
    assert sampled.shares.shapley_gain.sum() == pytest.approx(exact.kpis["savings"], rel=1e-9)


def test_sampled_shapley_adds_up_to_the_optimum_at_the_default_coalition_gap(monkeypatch):
    # v(N) is the optimum's savings, not a coalition solve at the sampling's gap: the values
    # add up to the park's savings whatever the gap of the other coalitions
    result = sb.optimise(line_park())
    monkeypatch.setattr(cooperative, "EXACT_MAX", 4)
    sampled = share(result, samples=4, seed=3)
    assert sampled.groups.shapley.tolist() == ["sampled (4 permutations)"]
    assert sampled.shares.shapley_gain.sum() == pytest.approx(result.kpis["savings"], rel=1e-12)


def test_a_group_too_large_for_coalition_milps_is_sampled_with_lp_bounds(monkeypatch):
    # above SAMPLED_MAX_COLUMNS no coalition MILP is solved: every coalition of the sampled
    # orders is held between LP bounds (analysis/bounded.py), and the Shapley values come
    # with the bound those intervals put on them, beside their standard error
    result = sb.optimise(line_park())
    monkeypatch.setattr(cooperative, "EXACT_MAX", 4)
    monkeypatch.setattr(cooperative, "SAMPLED_MAX_COLUMNS", 10)
    s = share(result, samples=4)
    (group,) = s.kpis["core"]["groups"]
    assert group["shapley"].startswith("bounded (4 permutations") and group["solves"] == 0
    assert group["lp_bounds"]["lp_solves"] > 0
    assert s.shares.shapley_gain.sum() == pytest.approx(result.kpis["savings"], rel=1e-9)
    assert (s.shares.shapley_bound >= 0).all() and s.kpis["shapley"]["samples"] == 4
    assert s.shares.gain.sum() == pytest.approx(result.kpis["savings"])
    assert "largest bound from the coalitions' gaps" in format_shares(s)
    # a coalition blocks only where its feasible design beats its gains: then for sure
    blocking = s.kpis["core"]["blocking"]
    assert s.kpis["core"]["in_core"] is False and blocking and blocking[0]["excess"] > 0
    assert "core check      not stable" in format_shares(s)


def _bounded_game(park: sb.Park):
    """A one-group park's game as bounded.py takes it: the group, its links, their demand
    labels, the optimum's point on the group and its savings v(N)."""
    result = sb.optimise(park)
    lp = formulate(park, result.network)
    x0 = baseline_point(lp, park)
    (group,) = cooperative.groups_of(lp, park.firms.index, x0)
    design = design_point(lp, result)[group.columns]
    savings = float(group.program.cost @ (group.baseline - design))
    links = bounded.group_links(LinkColumns.of(lp), group.columns, lp.n_columns)
    demand = pd.factorize(result.network.links.to_stream.reindex(
        lp.variables["flow"].index))[0]
    return group, links, demand, design, savings


def test_bounded_coalitions_of_a_heat_park_hold_their_optima():
    """The same intervals on Kemp's four heat streams, each its own firm: heat links have a
    cascade of their own (per-interval columns), which a leaving firm's links close too."""
    group, links, demand, design, savings = _bounded_game(heat_park(
        KEMP, {s[0]: s[0] for s in KEMP},
        positions={s[0]: (0.0, 0.1 * k) for k, s in enumerate(KEMP)}))
    assert savings > 0
    found = bounded.bounded_shapley(group.program, links, group.owners, demand,
                                    group.baseline, design, savings, 8, 0)
    tol = 1e-6 * savings
    for mask in found.lower:
        if 0 < mask < 2 ** len(group.firms) - 1:
            fresh = _fresh(group, mask)
            assert found.lower[mask] - tol <= fresh <= found.upper[mask] + tol, mask
    assert found.values.sum() == pytest.approx(savings, rel=1e-9)


@pytest.mark.parametrize("selected,full", [("kept", True), ("kept", False), ("few", False)])
def test_bounded_coalitions_hold_their_optima_and_the_bound_holds_the_shapley_value(
        selected, full, monkeypatch):
    """Every coalition of the sampled orders against a MILP solve of its own: the optimum
    lies within [lo, hi], hi from the LP over every candidate (full) or over the selected
    links; with the relaxation given only the links of the LP and the design ("few"), the
    left-out links priced by the duals keep hi valid. The estimate adds up to v(N), and lies
    within its bound plus four standard errors of the exact Shapley value."""
    monkeypatch.setattr(bounded, "FULL_RELAXATION", full)
    group, links, demand, design, savings = _bounded_game(line_park())
    allowed = None if selected == "kept" else design[links.build] > 0.5
    found = bounded.bounded_shapley(group.program, links, group.owners, demand,
                                    group.baseline, design, savings, 8, 0, allowed)
    tol = 1e-6 * savings
    for mask in found.lower:
        if 0 < mask < 2 ** 10 - 1:
            fresh = _fresh(group, mask)
            assert found.lower[mask] - tol <= fresh <= found.upper[mask] + tol, mask
    assert found.values.sum() == pytest.approx(savings, rel=1e-9)
    assert found.lp_solves > 0 and found.coalitions > 0
    exact = g.shapley(cooperative.GroupGame(group, SolverOptions(
        name="highspy", mip_gap=1e-9)).table())
    many = bounded.bounded_shapley(group.program, links, group.owners, demand,
                                   group.baseline, design, savings, 400, 1, allowed)
    assert np.all(np.abs(many.values - exact) <= many.bound + 4 * many.stderr + tol)


def _line_game(gap: dict) -> tuple[cooperative.GroupGame, cooperative.Group, SolverOptions]:
    """The savings game of the 10-firm line park (one group), v(N) at the park's optimum."""
    park = line_park()
    result = sb.optimise(park)
    lp = formulate(park, result.network)
    x0 = baseline_point(lp, park)
    (group,) = cooperative.groups_of(lp, park.firms.index, x0)
    options = SolverOptions(name="highspy", **gap)
    game = cooperative.GroupGame(group, options)
    design = design_point(lp, result)[group.columns]
    game.set_grand(float(group.program.cost @ (group.baseline - design)), design)
    return game, group, options


def _fresh(group, mask: int) -> float:
    """v(S) by a solve of its own: a new game, nothing to reuse, no start."""
    return cooperative.GroupGame(group, SolverOptions(name="highspy", mip_gap=1e-9)).value(mask)


def test_reused_coalition_values_are_the_optima_of_fresh_solves():
    """Every coalition of a 10-firm group valued with reuse (inherited from a larger
    coalition's point, bounded by it, or solved from the design of one) against a solve of
    its own: the value is a feasible point's (never above the optimum) and the optimum lies
    within its width."""
    game, group, _ = _line_game(dict(mip_gap=cooperative.EXACT_GAP))
    v = game.table()
    assert game.inherited > 0 and game.solves < 2 ** game.n - 1
    scale = 1e-6 * v.max()
    for mask in range(1, 2 ** game.n - 1):
        fresh = _fresh(group, mask)
        assert v[mask] == pytest.approx(fresh, abs=scale), mask
        assert v[mask] <= fresh + scale <= v[mask] + game.widths[mask] + 2 * scale, mask


def test_sampled_orders_valued_from_the_top_are_within_the_stated_gap():
    """Orders of arrival valued from N down, at an absolute gap: each prefix within the gap
    below its optimum, the optimum within the prefix's width, and some prefixes valued
    without a solve."""
    first, group, options = _line_game(dict(mip_gap=0.0))
    full = 2 ** first.n - 1
    gap = 0.05 * first.values[full]
    game = cooperative.GroupGame(group, replace(options, options={"mip_abs_gap": gap}))
    game.set_grand(first.values[full], first.points[full])
    _, prefixes = cooperative.games.sample_orders(game.n, 16, seed=2)
    for chain in prefixes.tolist():
        for k in range(game.n - 2, -1, -1):
            game.value(chain[k], above=chain[k + 1])
    assert game.inherited + game.bounded > 0
    tol = 1e-6 * first.values[full]
    for mask in set(prefixes[:, :-1].ravel().tolist()):
        fresh = _fresh(group, mask)
        assert fresh - gap - tol <= game.values[mask] <= fresh + tol, mask
        assert fresh <= game.values[mask] + game.widths[mask] + tol, mask


def test_the_re_solve_api_fixes_columns_in_a_copy_and_in_place():
    park = hub_park()
    lp = formulate(park, sb.optimise(park).network)
    build = lp.variables["build"]
    copy = lp.copy()
    copy.fix(build.columns, 0.0)
    assert lp.variables["build"].upper.tolist() == [1.0, 1.0]  # the original is untouched
    cost_of = lambda program: solve(MatrixProgram.of(program), SolverOptions(name="highspy")).objective  # noqa: E731
    assert cost_of(copy) == pytest.approx(1000 + 500 + 400)  # all disposed of and bought
    in_place = InPlace(MatrixProgram.of(lp))
    in_place.fix(build.columns[:1], 0.0)  # A1→B off: A2→B is the best left
    assert solve(in_place.highs, SolverOptions(name="highspy")).objective == \
        pytest.approx(1900 - 600)
    in_place.reset_bounds()
    assert solve(in_place.highs, SolverOptions(name="highspy")).objective == \
        pytest.approx(1900 - 900)
    copy.add_row("cap", build.columns, [1.0, 1.0], upper=0.0)
    assert "cap" in copy.constraints and "cap" not in lp.constraints


def test_firm_accounts_add_up_to_the_cost_and_firms_csv_keeps_its_equal_split():
    park = hub_park()
    result = sb.optimise(park)
    lp = formulate(park, result.network)
    x0 = baseline_point(lp, park)
    m, k = lp.account_matrix(park.firms.index)
    assert (m @ x0 + k).sum() == pytest.approx(lp.cost(x0))
    assert result.firms.cost.sum() == pytest.approx(result.kpis["total_cost"])


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symbiosis.cli", *args], cwd=cwd,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _hub_model(folder: Path) -> Path:
    park = hub_park()
    folder.mkdir()
    (folder / "model.yaml").write_text(
        "name: hub\nlinks: {truck: {fixed_cost: 300, capex_per_km: 0}}\n")
    park.firms.reset_index()[["firm_id", "name", "park", "sector", "x_km", "y_km"]].to_csv(
        folder / "firms.csv", index=False)
    pd.DataFrame([dict(resource="w", category="material", unit="t", mode="truck",
                       transport_cost=1.0, transport_co2=0, purchase_price=0, purchase_co2=0,
                       disposal_cost=0, disposal_co2=0)]).to_csv(folder / "resources.csv",
                                                                 index=False)
    pd.DataFrame({"stream_id": ["A1_s", "A2_s", "B_d"], "firm_id": ["A1", "A2", "B"],
                  "direction": ["supply", "supply", "demand"], "resource": "w",
                  "quantity": 100, "price": [10.0, 5.0, 4.0]}).to_csv(folder / "streams.csv",
                                                                      index=False)
    return folder


def test_the_share_command_writes_the_contract_and_is_deterministic(tmp_path):
    model = _hub_model(tmp_path / "hub")
    outs = []
    for name in ("one", "two"):
        done = _cli("share", str(model), "-o", str(tmp_path / name), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outs.append(tmp_path / name)
    assert "cost of fairness" in done.stdout
    shares = pd.read_csv(outs[0] / "shares.csv")
    assert list(shares.columns[:len(SHARE_COLUMNS)]) == SHARE_COLUMNS
    assert shares.gain.tolist() == pytest.approx([450, 0, 450])
    links = pd.read_csv(outs[0] / "links.csv")
    assert list(links.columns[-2:]) == LINK_TRANSFER_COLUMNS
    kpis = json.loads((outs[0] / "kpis.json").read_text())
    assert kpis["sharing"]["rule"] == "individually_rational"
    assert kpis["sharing"]["cost_of_fairness"] == 0
    assert kpis["sharing"]["core"]["in_core"] is False  # {A2, B} blocks (see above)
    for name in ("shares.csv", "links.csv", "firms.csv", "streams.csv", "objective.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    again = _cli("share", str(model), "-o", str(tmp_path / "nf"), "--no-gate-fees",
                 cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    kpis = json.loads((tmp_path / "nf" / "kpis.json").read_text())
    assert kpis["sharing"]["cost_of_fairness"] == pytest.approx(300)
    assert kpis["savings"] == pytest.approx(600)


def test_a_scenario_sets_the_sharing_and_the_command_line_overrides_it(tmp_path):
    model = _hub_model(tmp_path / "hub")
    (tmp_path / "no-fees.yaml").write_text(
        "name: no-fees\nmodel: hub\nsharing: {gate_fees: false, rule: equal_surplus}\n")
    done = _cli("share", "no-fees.yaml", "-o", str(tmp_path / "s"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    kpis = json.loads((tmp_path / "s" / "kpis.json").read_text())
    assert kpis["sharing"]["rule"] == "equal_surplus"  # the optimum, its surplus halved:
    assert kpis["savings"] == pytest.approx(900)  # gate fees bound only the default rule
    shares = pd.read_csv(tmp_path / "s" / "shares.csv")
    assert shares.gain.tolist() == pytest.approx([450, 0, 450])
    done = _cli("share", "no-fees.yaml", "-o", str(tmp_path / "r"), "--rule",
                "individually_rational", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    kpis = json.loads((tmp_path / "r" / "kpis.json").read_text())
    assert kpis["sharing"]["rule"] == "individually_rational"
    assert kpis["sharing"]["cost_of_fairness"] == pytest.approx(300)
    (tmp_path / "typo.yaml").write_text("name: t\nmodel: hub\nsharing: {rules: x}\n")
    typo = _cli("share", "typo.yaml", "-o", str(tmp_path / "t"), cwd=tmp_path)
    assert typo.returncode == 2 and "rules" in typo.stderr and "Traceback" not in typo.stderr


def test_the_command_line_rules_are_the_schema_rules():
    from typing import get_args

    from symbiosis.cli import SHARE_RULES
    from symbiosis.schema import ShareRule
    assert SHARE_RULES == get_args(ShareRule)


def test_the_share_command_refuses_bad_input_with_exit_2(tmp_path):
    missing = _cli("share", str(tmp_path / "nowhere"), "-o", str(tmp_path / "o"), cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    model = _hub_model(tmp_path / "hub")
    bad_rule = _cli("share", str(model), "-o", str(tmp_path / "o"), "--rule", "fair",
                    cwd=tmp_path)
    assert bad_rule.returncode == 2 and "Traceback" not in bad_rule.stderr
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    refused = _cli("share", str(model), "-o", str(tmp_path / "mine"), cwd=tmp_path)
    assert refused.returncode == 2 and (tmp_path / "mine" / "notes.txt").exists()


def test_share_is_exported_lazily():
    assert sb.share is share


def test_the_report_has_a_who_gains_section_with_text_escaped(tmp_path):
    from symbiosis.report import make_report
    model = _hub_model(tmp_path / "hub")
    firms = pd.read_csv(model / "firms.csv")
    firms.loc[0, "name"] = "<script>alert(1)</script>"
    firms.to_csv(model / "firms.csv", index=False)
    share(sb.run(model)).to_folder(tmp_path / "out")
    make_report(tmp_path / "out", tmp_path / "page.html")
    page = (tmp_path / "page.html").read_text()
    assert 'id="who-gains"' in page and 'id="shares-plot"' in page
    assert 'id="share-table"' in page and "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    plain = _cli("run", str(model), "-o", str(tmp_path / "plain"), "-q", cwd=tmp_path)
    assert plain.returncode == 0
    make_report(tmp_path / "plain", tmp_path / "plain.html")
    assert 'id="who-gains"' not in (tmp_path / "plain.html").read_text()


def test_the_core_rule_pays_the_nucleolus_over_the_built_link():
    """The three-firm park (docs/sharing.md): the core is {x_B ≥ 600, x_A1 ≥ 0, x_A2 = 0}
    (A2 has no built link) and holds the nucleolus (150, 0, 750): A1 pays B 850 (a price of
    −8.5 per t), A1's cost after transfers 850 = 1000 − 150, B's −350 = 400 − 750."""
    s = share(sb.optimise(hub_park()), rule="core")
    assert gains(s) == pytest.approx({"A1": 150, "A2": 0, "B": 750}, abs=1e-6)
    link = s.links[s.links.transfer_payment != 0]
    assert link.transfer_payment.tolist() == pytest.approx([-850], abs=1e-6)
    assert link.transfer_price.tolist() == pytest.approx([-8.5], abs=1e-8)
    assert s.kpis["core_rule"]["in_core"] and s.kpis["core"]["in_core"]
    assert s.kpis["core_rule"]["epsilon"] == pytest.approx(0.0, abs=1e-6)
    assert s.shares.gain.sum() == pytest.approx(s.kpis["savings"]) == pytest.approx(900)


def test_the_separation_milp_finds_the_largest_excess_of_the_table(monkeypatch):
    """The separation of a core allocation as one MILP over coalition membership against the
    full table of the same game: the same largest excess at any allocation; and the rule
    `core` through the sampled path (separation rows) reaches the core as the exact one."""
    park = hub_park()
    result = sb.optimise(park)
    lp = formulate(park, result.network)
    x0 = baseline_point(lp, park)
    (group,) = cooperative.groups_of(lp, park.firms.index, x0)
    v = cooperative.GroupGame(group, SolverOptions(name="highspy", mip_gap=1e-9)).table()
    separate = cooperative.separation(group, SolverOptions(name="highspy", mip_gap=1e-9))
    rng = np.random.default_rng(3)
    for x in [np.zeros(3), np.array([150.0, 0, 750]), *rng.uniform(-200, 900, (6, 3))]:
        mask, value, bound = separate(x)
        excess = g.core_excesses(v, x)[1:-1]
        assert bound == pytest.approx(excess.max(), abs=1e-4), x
        assert value - x[g.members(mask)].sum() == pytest.approx(excess.max(), abs=1e-4)
        assert value == pytest.approx(v[mask], abs=1e-4)
    monkeypatch.setattr(cooperative, "EXACT_MAX", 2)  # the 3-firm group is sampled
    s = share(result, rule="core", samples=4)
    x = gains(s)
    assert x["A2"] == pytest.approx(0, abs=1e-6) and x["B"] >= 600 - 1e-6 and x["A1"] >= -1e-6
    assert sum(x.values()) == pytest.approx(900)
    assert s.kpis["core_rule"]["in_core"] and s.groups.shapley.iloc[0].startswith("sampled")


def truck_both_ways() -> sb.Park:
    """A and B 10 km apart, one truck route between them for 1000 a year (links.routes:
    shared). 80 t of scrap A→B saves B 10/t (800); 100 t of paper B→A saves A 5/t (500).
    Alone neither link pays its truck; one route serves both ways: v(AB) = 1300 − 1000 = 300.

    The route is A's and B's equally (500 each): before transfers A gains 500 − 500 = 0, B
    800 − 500 = 300. Each link bears half the route (500), 250 at each end: scrap: A's side
    −250, B's 550, equal split 400 from B to A; paper: B's side −250, A's 250, 250 from A to
    B. Net 150 to A: both gain 150, as the Shapley value and the nucleolus say."""
    return make_park({"A": (0, 0), "B": (10, 0)},
                     [dict(resource="scrap", purchase_price=10.0),
                      dict(resource="paper", purchase_price=5.0)],
                     [("Ss", "A", "supply", "scrap", 80.0), ("Ds", "B", "demand", "scrap", 80.0),
                      ("Sp", "B", "supply", "paper", 100.0), ("Dp", "A", "demand", "paper", 100.0)],
                     links={"routes": "shared", "truck": {"fixed_cost": 1000.0,
                                                          "capex_per_km": 0}})


@pytest.mark.parametrize("rule", ["individually_rational", "equal_surplus", "proportional",
                                  "core"])
def test_a_shared_route_is_owned_by_its_two_sites_equally(rule):
    s = share(sb.optimise(truck_both_ways()), rule=rule)
    assert s.kpis["savings"] == pytest.approx(300)
    row = s.shares.set_index("firm_id")
    assert row.cost_before_transfers.to_dict() == pytest.approx({"A": 500 - 500 + 500,
                                                                 "B": 800 - 300})
    # proportional: to standalone cost, A 500 and B 800 (every other rule: 150 each)
    assert gains(s) == pytest.approx({"A": 300 * 5 / 13, "B": 300 * 8 / 13} if rule ==
                                     "proportional" else {"A": 150, "B": 150})
    assert row.shapley_gain.tolist() == pytest.approx([150, 150])
    if rule in ("individually_rational", "equal_surplus"):
        pay = s.links.set_index("from_stream").transfer_payment
        assert pay.to_dict() == pytest.approx({"Ss": 400, "Sp": 250})
