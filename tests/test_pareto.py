"""The cost–CO2 front (issue 14): worked examples computed by hand, and independent checks."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.analysis.pareto import PARETO_COLUMNS, pareto
from symbiosis.formulation import add_co2_cap, formulate
from symbiosis.formulation.highs_model import MatrixProgram
from symbiosis.network import build_network
from symbiosis.results import baseline_point
from symbiosis.solve import SolverOptions, solve

from .conftest import ROOT, make_park

EXACT = SolverOptions(name="highspy", mip_gap=0.0)


def two_link_park() -> sb.Park:
    """Two independent links, each with a fixed cost of 400 a year.

    L1 (w1, cheap and dirty): A1, 10 km from B1, sends 100 t; B1 stops buying at 10/t (saves
    1000); the truck emits 0.05 t CO2 per t·km: +50 t. L2 (w2, costly and clean): A2 beside B2
    sends 100 t; B2 stops buying at 2/t (saves 200) and the 1 t CO2/t of each purchase: −100 t.
    Baseline: cost 1000 + 200 = 1200, CO2 100. Designs (cost, CO2): none (1200, 100);
    L1 (600, 150); L2 (1400, 0); both (800, 50). With both built and L2 at full flow, L1's
    flow f gives (1800 − 10 f, 0.5 f): the front between CO2 0 and 50 is a line there.
    """
    return make_park({"A1": (10, 0), "B1": (0, 0), "A2": (20, 20), "B2": (20, 20)},
                     [dict(resource="w1", transport_co2=0.05),
                      dict(resource="w2", purchase_co2=1.0)],
                     [("A1_s", "A1", "supply", "w1", 100, 0.0),
                      ("B1_d", "B1", "demand", "w1", 100, 10.0),
                      ("A2_s", "A2", "supply", "w2", 100, 0.0),
                      ("B2_d", "B2", "demand", "w2", 100, 2.0)],
                     links={"truck": {"fixed_cost": 400, "capex_per_km": 0}})


def points(front) -> list[tuple[float, float]]:
    return [(round(c, 6), round(e, 6)) for c, e in zip(front.front.total_cost,
                                                        front.front.co2_t)]


def test_a_three_point_front_computed_by_hand():
    # grid: caps 150, 75, 0. Cap 150: L1 (600, 150). Cap 75: both links (800, 50), slack 25,
    # less than a step (75): no bypass. Cap 0: L2 alone (1400, 0).
    front = pareto(two_link_park(), points=3, solver=EXACT)
    assert list(front.front.columns[:len(PARETO_COLUMNS)]) == PARETO_COLUMNS
    assert points(front) == [(600, 150), (800, 50), (1400, 0)]
    t = front.front
    assert t.point.tolist() == [0, 1, 2]
    assert t.savings.tolist() == pytest.approx([600, 400, -200])
    assert t.co2_avoided_t.tolist() == pytest.approx([-50, 50, 100])
    assert t.links_built.tolist() == [1, 2, 1]
    # marginal abatement cost: (800 − 600) / (150 − 50) = 2; (1400 − 800) / (50 − 0) = 12
    assert np.isnan(t.marginal_abatement_cost[0])
    assert t.marginal_abatement_cost[1:].tolist() == pytest.approx([2.0, 12.0])
    assert t.links_added.tolist() == ["", "A2_s->B2_d", ""]
    assert t.links_removed.tolist() == ["", "", "A1_s->B1_d"]
    assert front.kpis["bypassed"] == 0


def test_the_bypass_skips_grid_points_the_slack_shows_give_the_same_design():
    # caps 150, 112.5, 75, 37.5, 0. Cap 112.5: both links (800, 50), slack 62.5 ≥ one step
    # (37.5): cap 75 gives the same design and is bypassed. Cap 37.5: both links, L1 at
    # f = 75: (1050, 37.5). MACs: 2, (1050 − 800)/12.5 = 20, (1400 − 1050)/37.5 = 9.33…
    front = pareto(two_link_park(), points=5, solver=EXACT)
    assert points(front) == [(600, 150), (800, 50), (1050, 37.5), (1400, 0)]
    assert front.kpis["bypassed"] == 1
    # the two ends, the last cap, then caps 150, 112.5 and 37.5
    assert front.kpis["solves"] == 6
    assert front.front.marginal_abatement_cost[1:].tolist() == pytest.approx(
        [2.0, 20.0, 350 / 37.5])


def min_cost_under_cap(park, cap: float) -> float:
    """An independent solve: formulated afresh, the CO2 cap as a row, solved."""
    network = build_network(park, objective="co2")
    lp = formulate(park, network, "cost")
    add_co2_cap(lp, cap)
    s = solve(MatrixProgram.of(lp), EXACT, fallback=None)
    assert s.status.has_solution
    return lp.cost(s.values)


def assert_efficient(front, park):
    t = front.front
    assert t.co2_t.is_monotonic_decreasing and t.co2_t.is_unique
    assert t.total_cost.is_monotonic_increasing and t.total_cost.is_unique
    for cost, co2 in zip(t.total_cost, t.co2_t):  # none dominated, none weakly dominated
        others = t[(t.total_cost != cost) | (t.co2_t != co2)]
        assert not ((others.total_cost <= cost) & (others.co2_t <= co2)).any()
        # each point is the min-cost design under its own CO2 as a cap
        assert min_cost_under_cap(park, co2 * (1 + 1e-9) + 1e-9) == pytest.approx(cost,
                                                                                  rel=1e-7)


def test_each_point_is_the_min_cost_design_under_its_cap_and_the_ends_are_the_optima():
    park = two_link_park()
    front = pareto(park, points=7, solver=EXACT)
    assert_efficient(front, park)
    cost_opt = sb.optimise(park, solver=EXACT)
    co2_opt = sb.optimise(park, objective="co2", solver=EXACT)
    first, last = front.front.iloc[0], front.front.iloc[-1]
    assert first.total_cost == pytest.approx(cost_opt.kpis["total_cost"])
    assert first.co2_t == pytest.approx(cost_opt.kpis["co2_t"])
    assert last.total_cost == pytest.approx(co2_opt.kpis["total_cost"])
    assert last.co2_t == pytest.approx(co2_opt.kpis["co2_t"])
    # each point also costs no more than the cheapest under its grid cap (plus the
    # augmentation's allowance, δ·(CO2 range) = 1e-4 × the cost range)
    for cap, cost in zip(front.front.co2_cap_t, front.front.total_cost):
        assert cost <= min_cost_under_cap(park, cap) + 1e-4 * 800 + 1e-6


def test_the_front_of_the_tiny_park_folder_is_efficient(tiny_park_dir):
    park = sb.load_park(tiny_park_dir)
    front = pareto(park, points=4, solver=EXACT)
    assert len(front.front) >= 1
    assert_efficient(front, park)
    assert len(front.results) == len(front.front)
    for r, row in zip(front.results, front.front.itertuples()):
        assert r.kpis["total_cost"] == pytest.approx(row.total_cost)
        assert r.kpis["pareto"]["point"] == row.point


def test_a_park_with_no_trade_off_has_one_point():
    # one link and no CO2 anywhere: baseline 1000, the link saves 1000 − 400; both optima
    # are the same design (400, 0)
    park = make_park({"A1": (10, 0), "B1": (0, 0)}, [dict(resource="w1")],
                     [("A1_s", "A1", "supply", "w1", 100, 0.0),
                      ("B1_d", "B1", "demand", "w1", 100, 10.0)],
                     links={"truck": {"fixed_cost": 400, "capex_per_km": 0}})
    front = pareto(park, points=5, solver=EXACT)
    assert points(front) == [(400, 0)]
    assert np.isnan(front.front.marginal_abatement_cost[0])


def test_fewer_than_two_points_is_bad_input():
    with pytest.raises(sb.InputError, match="at least 2"):
        pareto(two_link_park(), points=1)


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "symbiosis.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or ROOT)


def two_link_folder(folder):
    """two_link_park as a model folder."""
    folder.mkdir()
    (folder / "model.yaml").write_text(
        "name: two links\ncurrency: USD\nlinks:\n  truck: {fixed_cost: 400, capex_per_km: 0}\n")
    (folder / "firms.csv").write_text(
        "firm_id,name,park,sector,x_km,y_km\nA1,A1,P,s,10,0\nB1,B1,P,s,0,0\n"
        "A2,A2,P,s,20,20\nB2,B2,P,s,20,20\n")
    (folder / "resources.csv").write_text(
        "resource,category,unit,mode,transport_cost,transport_co2,purchase_price,purchase_co2,"
        "disposal_cost,disposal_co2\nw1,material,t,truck,0,0.05,0,0,0,0\n"
        "w2,material,t,truck,0,0,0,1,0,0\n")
    (folder / "streams.csv").write_text(
        "stream_id,firm_id,direction,resource,quantity,price\nA1_s,A1,supply,w1,100,0\n"
        "B1_d,B1,demand,w1,100,10\nA2_s,A2,supply,w2,100,0\nB2_d,B2,demand,w2,100,2\n")
    return folder


def test_the_cli_writes_the_contract_files_and_is_deterministic(tmp_path):
    model = two_link_folder(tmp_path / "model")
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        done = cli("pareto", model, "-o", out, "--points", 3, "--gap", 0)
        assert done.returncode == 0, done.stderr
        assert "efficient points" in done.stdout
        outs.append(out)
    a, b = ((o / "pareto.csv").read_bytes() for o in outs)
    assert a == b
    table = pd.read_csv(outs[0] / "pareto.csv")
    assert list(table.columns[:len(PARETO_COLUMNS)]) == PARETO_COLUMNS
    assert table.total_cost.tolist() == pytest.approx([600, 800, 1400])
    assert table.co2_t.tolist() == pytest.approx([150, 50, 0])
    assert (outs[0] / "pareto.png").read_bytes().startswith(b"\x89PNG")
    for point in table.point:
        folder = outs[0] / str(point)
        assert (folder / "kpis.json").is_file() and (folder / "links.csv").is_file()
        assert (folder / "links.csv").read_bytes() == (outs[1] / str(point) /
                                                      "links.csv").read_bytes()
    again = cli("pareto", model, "-o", outs[0], "--points", 2)  # replaces its own folder
    assert again.returncode == 0, again.stderr
    assert pd.read_csv(outs[0] / "pareto.csv").point.tolist() == [0, 1]
    assert not (outs[0] / "2").exists()


def test_the_cli_refuses_bad_input_before_solving(tmp_path, tiny_park_dir):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    done = cli("pareto", tiny_park_dir, "-o", foreign)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (foreign / "notes.txt").read_text() == "keep"
    done = cli("pareto", tmp_path / "missing", "-o", tmp_path / "out")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    done = cli("pareto", tiny_park_dir, "-o", tmp_path / "out", "--points", 1)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_the_library_exports_pareto_lazily():
    code = ("import sys, symbiosis as sb; assert 'highspy' not in sys.modules; "
            "f = sb.pareto; assert f.__module__ == 'symbiosis.analysis.pareto'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_a_result_gives_the_front_of_its_park():
    park = two_link_park()
    front = pareto(sb.optimise(park, solver=EXACT), points=3, solver=EXACT)
    assert points(front) == [(600, 150), (800, 50), (1400, 0)]
    assert [r.kpis["pareto"]["point"] for r in front.results] == [0, 1, 2]
    assert front.results[1].kpis["co2_cap_t"] == pytest.approx(75, rel=1e-6)


def test_the_low_churn_tie_break_keeps_the_front_and_never_adds_changes():
    # the hand front of two_link_park has no ties: the tie-break changes nothing there
    plain = pareto(two_link_park(), points=3, solver=EXACT)
    calm = pareto(two_link_park(), points=3, solver=EXACT, churn=1e-4)
    assert points(calm) == points(plain)
    assert calm.kpis["links_changed"] <= plain.kpis["links_changed"] == 2
    assert calm.kpis["churn_gamma"] > 0 and plain.kpis["churn_gamma"] == 0


def tie_park() -> sb.Park:
    """B1 buys 100 t of w1 at 10/t from A1 or A1b, both 5 km away (the same cost and CO2:
    a tie); B2 buys 100 t of w2 at 2/t, 1 t CO2 per t bought, from A2 beside it (a link of
    400 a year: 200 dearer, 100 t CO2 less). The front: one of the w1 links (cost end), then
    a w1 link and A2→B2 (CO2 end); with churn the CO2 end keeps the cost end's w1 link."""
    return make_park({"A1": (5, 0), "A1b": (0, 5), "B1": (0, 0), "A2": (20, 20),
                      "B2": (20, 20)},
                     [dict(resource="w1"), dict(resource="w2", purchase_co2=1.0)],
                     [("A1_s", "A1", "supply", "w1", 100, 0.0),
                      ("A1b_s", "A1b", "supply", "w1", 100, 0.0),
                      ("B1_d", "B1", "demand", "w1", 100, 10.0),
                      ("A2_s", "A2", "supply", "w2", 100, 0.0),
                      ("B2_d", "B2", "demand", "w2", 100, 2.0)],
                     links={"truck": {"fixed_cost": 400, "capex_per_km": 0}})


def test_with_a_tie_the_low_churn_front_changes_only_the_link_the_cap_needs():
    calm = pareto(tie_park(), points=2, solver=EXACT, churn=1e-4)
    t = calm.front
    # cost end: the w1 link, 1200 − 600 = 600 (100 t CO2 of w2 bought); CO2 end: + A2→B2,
    # 200 dearer (its 400 a year against 200 of purchases), no CO2
    assert t.total_cost.tolist() == pytest.approx([600, 800])
    assert t.co2_t.tolist() == pytest.approx([100, 0], abs=1e-5)  # the cap's 1e-6
    assert t.links_added.tolist()[1] == "A2_s->B2_d" and t.links_removed.tolist()[1] == ""
    assert calm.kpis["links_changed"] == 1
