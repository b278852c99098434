"""Partner exit (issue 14): a supplier leaves, its receiver buys again; every number by hand."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.analysis.resilience import RESILIENCE_COLUMNS, resilience
from symbiosis.solve import SolverOptions

from .conftest import ROOT, make_park

EXACT = SolverOptions(name="highspy", mip_gap=0.0)


def exit_park() -> sb.Park:
    """B buys 100 t of w at 10/t; A beside it and A2 3 km away (transport 1/t·km) each
    dispose of 100 t for free; D buys 50 t of v at 10/t from C beside it. Truck links cost
    400 a year. A→B saves 1000 − 400 = 600; A2→B 1000 − 300 − 400 = 300 (only one: B needs
    100 t); C→D 500 − 400 = 100. Optimum: A→B and C→D, savings 700.

    A leaves: B buys again. Design kept: C→D alone, 100. Re-planned: A2→B too, 400.
    B leaves: kept 100, re-planned 100 (A2 has no one else); A is no dependant, its disposal
    is free. C leaves: kept 600 = re-planned; D buys again. D leaves: kept 600."""
    return make_park({"A": (0, 0), "B": (0, 0), "A2": (3, 0), "C": (50, 50), "D": (50, 50)},
                     [dict(resource="w", transport_cost=1.0), dict(resource="v")],
                     [("A_s", "A", "supply", "w", 100, 0.0),
                      ("A2_s", "A2", "supply", "w", 100, 0.0),
                      ("B_d", "B", "demand", "w", 100, 10.0),
                      ("C_s", "C", "supply", "v", 50, 0.0),
                      ("D_d", "D", "demand", "v", 50, 10.0)],
                     links={"truck": {"fixed_cost": 400, "capex_per_km": 0},
                            "max_distance_km": 10})


def test_a_supplier_leaves_and_its_receiver_buys_again_by_hand():
    result = sb.optimise(exit_park(), solver=EXACT)
    assert result.kpis["savings"] == pytest.approx(700)
    res = resilience(result, solver=EXACT)
    t = res.table
    assert list(t.columns[:len(RESILIENCE_COLUMNS)]) == RESILIENCE_COLUMNS
    rows = t.set_index("firm_id")
    assert t.firm_id.tolist() == ["A", "B", "C", "D"]  # by value at risk, then id; not A2
    assert rows.links_lost.to_dict() == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert rows.savings_kept.to_dict() == pytest.approx({"A": 100, "B": 100, "C": 600,
                                                         "D": 600})
    assert rows.savings_reoptimised.to_dict() == pytest.approx({"A": 400, "B": 100, "C": 600,
                                                                "D": 600})
    assert rows.value_at_risk.to_dict() == pytest.approx({"A": 600, "B": 600, "C": 100,
                                                          "D": 100})
    assert rows.replanning_recovers.to_dict() == pytest.approx({"A": 300, "B": 0, "C": 0,
                                                                "D": 0})
    assert rows.dependants.to_dict() == {"A": "B", "B": "", "C": "D", "D": ""}
    # solved to optimality: the re-plan's bound is its savings
    assert rows.reoptimised_bound.to_dict() == pytest.approx(
        rows.savings_reoptimised.to_dict())
    assert res.kpis["savings"] == pytest.approx(700)
    assert rows.partners.to_dict() == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert rows.betweenness.tolist() == [0, 0, 0, 0]


def test_the_firm_between_two_others_has_the_highest_betweenness():
    # M takes 100 t of w from S (saving 1000 − 400) and sends 100 t of v to R (the same):
    # M is on the only path between S and R: betweenness 1 (normalised), 2 partners
    park = make_park({"S": (0, 0), "M": (0, 0), "R": (0, 0)},
                     [dict(resource="w"), dict(resource="v")],
                     [("S_s", "S", "supply", "w", 100, 0.0),
                      ("M_d", "M", "demand", "w", 100, 10.0),
                      ("M_s", "M", "supply", "v", 100, 0.0),
                      ("R_d", "R", "demand", "v", 100, 10.0)],
                     links={"truck": {"fixed_cost": 400, "capex_per_km": 0}})
    rows = resilience(park, solver=EXACT).table.set_index("firm_id")
    assert rows.partners.to_dict() == {"M": 2, "R": 1, "S": 1}
    assert rows.betweenness.to_dict() == pytest.approx({"M": 1.0, "R": 0.0, "S": 0.0})
    # M leaves: both links go (1200 at risk); S or R leaves: the other link stays (600)
    assert rows.value_at_risk.to_dict() == pytest.approx({"M": 1200, "R": 600, "S": 600})
    assert rows.dependants.to_dict() == {"M": "R", "R": "", "S": "M"}


def test_a_firm_with_costly_disposal_depends_on_its_receiver():
    # A pays 2/t to dispose of w: when B leaves, A disposes again and its cost rises by 200
    park = make_park({"A": (0, 0), "B": (0, 0)}, [dict(resource="w")],
                     [("A_s", "A", "supply", "w", 100, 2.0),
                      ("B_d", "B", "demand", "w", 100, 10.0)],
                     links={"truck": {"fixed_cost": 400, "capex_per_km": 0}})
    res = resilience(park, solver=EXACT)
    rows = res.table.set_index("firm_id")
    assert rows.dependants.to_dict() == {"A": "B", "B": "A"}
    assert rows.savings_kept.tolist() == pytest.approx([0, 0])
    assert rows.value_at_risk.tolist() == pytest.approx([800, 800])  # 1000 + 200 − 400


def cli(*args):
    return subprocess.run([sys.executable, "-m", "symbiosis.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


def test_the_cli_writes_resilience_csv_and_refuses_bad_input(tmp_path, tiny_park_dir):
    out = tmp_path / "res"
    done = cli("resilience", tiny_park_dir, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "leave in turn" in done.stdout
    table = pd.read_csv(out / "resilience.csv")
    assert list(table.columns[:len(RESILIENCE_COLUMNS)]) == RESILIENCE_COLUMNS
    assert (out / "kpis.json").is_file()
    first = (out / "resilience.csv").read_bytes()
    again = cli("resilience", tiny_park_dir, "-o", out)  # replaces its own folder, same bytes
    assert again.returncode == 0 and (out / "resilience.csv").read_bytes() == first
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep")
    bad = cli("resilience", tiny_park_dir, "-o", foreign)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    missing = cli("resilience", tmp_path / "nowhere", "-o", tmp_path / "x")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def nk(**settings) -> pd.DataFrame:
    from symbiosis.schema import ResilienceSettings
    return resilience(exit_park(), solver=EXACT,
                      settings=ResilienceSettings(**settings))


def test_two_firms_leave_together_every_pair_by_hand():
    # the pairs of A, B, C, D (the linked firms): with C→D built (100) and A→B (600);
    # A2→B (300) is what re-planning can add while B stays
    res = nk(k=2)
    rows = res.table.set_index("firm_id")
    assert rows.savings_kept.to_dict() == pytest.approx(
        {"A B": 100, "A C": 0, "A D": 0, "B C": 0, "B D": 0, "C D": 600})
    assert rows.savings_reoptimised.to_dict() == pytest.approx(
        {"A B": 100, "A C": 300, "A D": 300, "B C": 0, "B D": 0, "C D": 600})
    assert rows.links_lost.to_dict() == {"A B": 1, "A C": 2, "A D": 2, "B C": 2, "B D": 2,
                                         "C D": 1}
    assert rows.dependants.to_dict() == {"A B": "", "A C": "B D", "A D": "B", "B C": "D",
                                         "B D": "", "C D": ""}
    assert res.kpis["exits"] == {"k": 2, "sample": "all", "pool": 4, "linked_firms": 4,
                                 "most_central": None, "tried": 6}


def test_the_most_central_firms_leave_together_or_alone():
    # no firm is between two others (betweenness 0, one partner each): by id
    together = nk(k=2, sample="central")
    assert together.table.firm_id.tolist() == ["A B"]
    assert together.table.savings_kept.tolist() == pytest.approx([100])
    alone = nk(firms=2)
    assert sorted(alone.table.firm_id) == ["A", "B"]
    assert alone.kpis["exits"]["pool"] == 2 and alone.kpis["exits"]["linked_firms"] == 4


def test_random_sets_are_drawn_with_the_stated_count_and_seed():
    first, again = nk(k=2, sample="random", count=3, seed=5), nk(k=2, sample="random",
                                                                 count=3, seed=5)
    assert len(first.table) == 3 and first.table.firm_id.is_unique
    assert sorted(first.table.firm_id) == sorted(again.table.firm_id)
    assert first.kpis["exits"] == {"k": 2, "sample": "random", "pool": 4, "linked_firms": 4,
                                   "most_central": None, "tried": 3, "count": 3, "seed": 5,
                                   "of": 6}
    every = nk(k=2).table.set_index("firm_id")
    for r in first.table.itertuples():  # each drawn set's row is the one of all pairs
        assert r.savings_kept == pytest.approx(every.savings_kept[r.firm_id])


def test_rebuilt_and_in_place_re_solves_and_the_worker_pool_agree():
    result = sb.optimise(exit_park(), solver=EXACT)
    base = resilience(result, solver=EXACT).table
    rebuilt = resilience(result, solver=EXACT, in_place=False).table
    pooled = resilience(result, solver=EXACT, workers=2).table
    for other in (rebuilt, pooled):
        pd.testing.assert_frame_equal(base, other)


def test_the_max_dependence_cap_and_what_it_costs():
    # B buys 100 t of w; A and A2 (3 km) each offer 100 t; links 100 a year. No cap: A→B,
    # 900. At most 60 t from one firm: A→B 60, A2→B 40: 680 (tests/test_dependence.py)
    park = make_park({"A": (0, 0), "B": (0, 0), "A2": (3, 0)},
                     [dict(resource="w", transport_cost=1.0)],
                     [("A_s", "A", "supply", "w", 100, 0.0),
                      ("A2_s", "A2", "supply", "w", 100, 0.0),
                      ("B_d", "B", "demand", "w", 100, 10.0)],
                     links={"truck": {"fixed_cost": 100, "capex_per_km": 0},
                            "max_distance_km": 10}, resilience={"max_dependence": 0.6})
    res = resilience(park, solver=EXACT)
    assert res.kpis["max_dependence"] == pytest.approx(
        {"share": 0.6, "savings": 680, "savings_without_cap": 900, "cost_of_cap": 220})
    rows = res.table.set_index("firm_id")
    # A leaves: the kept A2→B carries up to the cap, 60 t: 600 − 180 − 100 = 320 (the cap
    # made the standby partner already built: nothing left to re-plan)
    assert rows.savings_kept["A"] == pytest.approx(320)
    assert rows.savings_reoptimised["A"] == pytest.approx(320)
    assert rows.value_at_risk["A"] == pytest.approx(360)


def test_the_cli_samples_exits_and_finds_the_robust_design(tmp_path, tiny_park_dir):
    import json
    out = tmp_path / "n2"
    done = cli("resilience", tiny_park_dir, "-o", out, "-k", "2", "--sample", "random",
               "--count", "2", "--seed", "3", "--design", "n_minus_1")
    assert done.returncode == 0, done.stderr
    assert "2 random sets of 2 (seed 3" in done.stdout and "N-1 robust design" in done.stdout
    k = json.loads((out / "kpis.json").read_text())["resilience"]
    assert k["exits"]["tried"] == 2 and k["exits"]["seed"] == 3 and k["exits"]["k"] == 2
    assert all(len(f.split()) == 2 for f in pd.read_csv(out / "resilience.csv").firm_id)
    assert (out / "robust_links.csv").is_file() and (out / "robust_resilience.csv").is_file()
    robust = k["robust"]
    assert robust["worst_exit_savings"] >= robust["cost_optimum_worst_exit_savings"] - 1e-6
    assert robust["worst_exit_savings"] <= robust["bound"] + 1e-6
    bad = cli("resilience", tiny_park_dir, "-o", tmp_path / "bad", "--sample", "often")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_re_plans_on_a_dask_local_cluster_give_the_same_table():
    pytest.importorskip("dask.distributed")
    result = sb.optimise(exit_park(), solver=EXACT)
    pd.testing.assert_frame_equal(resilience(result, solver=EXACT).table,
                                  resilience(result, solver=EXACT, workers=2,
                                             dask="local").table)
