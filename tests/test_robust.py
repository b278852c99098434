"""The N-1 robust design (issue 14): the design whose worst single exit keeps the most
savings, checked by hand and by brute force over every design of a tiny park."""
from __future__ import annotations

import itertools

import pytest

import symbiosis as sb
from symbiosis.analysis.resilience import resilience
from symbiosis.schema import ResilienceSettings
from symbiosis.solve import SolverOptions

from .conftest import make_park

EXACT = SolverOptions(name="highspy", mip_gap=0.0)
ROBUST = ResilienceSettings(design="n_minus_1")
FIXED = 100.0  # every link, a year


def hub_park() -> sb.Park:
    """R1 (0,0) and R2 (2,0) buy 100 t of w at 10/t; H (1,0) disposes of 200 t, S (−3,0)
    and S2 (5.5,0) 100 t each, all for free; transport 1/t·km, 4 km at most. Gross value of a
    link (before its fixed 100): H→R1 = H→R2 = 1000 − 100 = 900, S→R1 700, S2→R2 650."""
    return make_park({"H": (1, 0), "R1": (0, 0), "R2": (2, 0), "S": (-3, 0), "S2": (5.5, 0)},
                     [dict(resource="w", transport_cost=1.0)],
                     [("H_s", "H", "supply", "w", 200, 0.0),
                      ("S_s", "S", "supply", "w", 100, 0.0),
                      ("S2_s", "S2", "supply", "w", 100, 0.0),
                      ("R1_d", "R1", "demand", "w", 100, 10.0),
                      ("R2_d", "R2", "demand", "w", 100, 10.0)],
                     links={"truck": {"fixed_cost": FIXED, "capex_per_km": 0},
                            "max_distance_km": 4})


GROSS = {("H", "R1"): 900.0, ("H", "R2"): 900.0, ("S", "R1"): 700.0, ("S2", "R2"): 650.0}
FIRMS = ["H", "R1", "R2", "S", "S2"]


def kept(design: tuple, gone: str | None) -> float:
    """Savings with `gone` out and the design kept, by hand: each receiver takes its best
    link left (H has enough for both), every link left pays its fixed cost."""
    left = [l for l in design if gone not in l]
    best = {r: max([GROSS[l] for l in left if l[1] == r], default=0.0) for r in ("R1", "R2")}
    return sum(best.values()) - FIXED * len(left)


def brute_force() -> tuple[float, float, tuple]:
    """max over designs of (worst exit, then savings as planned)."""
    best = None
    for n in range(len(GROSS) + 1):
        for design in itertools.combinations(sorted(GROSS), n):
            planned = kept(design, None)
            worst = min([planned] + [kept(design, f) for f in FIRMS
                                     if any(f in l for l in design)])
            key = (worst, planned)
            if best is None or key > best[:2]:
                best = (worst, planned, design)
    return best


def test_brute_force_by_hand():
    # every link built: planned 1800 − 400 = 1400; H leaves: 700 + 650 − 200 = 1150; R1
    # leaves: 900 − 200 = 700; R2 leaves: 700; S: 1500; S2: 1500 → worst 700
    assert brute_force() == (700.0, 1400.0, tuple(sorted(GROSS)))


def test_the_robust_design_keeps_the_most_in_its_worst_exit_against_brute_force():
    res = resilience(hub_park(), solver=EXACT, settings=ROBUST)
    k = res.kpis
    # the cost optimum: H→R1 and H→R2, 1600 as planned; H leaving takes all of it
    assert k["savings"] == pytest.approx(1600)
    assert k["worst_exit_savings"] == pytest.approx(0)
    robust = k["robust"]
    worst, planned, design = brute_force()
    assert robust["worst_exit_savings"] == pytest.approx(worst)
    assert robust["savings"] == pytest.approx(planned)
    assert robust["cost_of_robustness"] == pytest.approx(1600 - 1400)
    assert robust["worst_exit_gain"] == pytest.approx(700)
    assert robust["exact"] is True
    assert robust["bound"] >= worst - 1e-6
    links = res.robust.links
    assert sorted(zip(links.from_firm, links.to_firm)) == sorted(design)
    # S→R1 and S2→R2 stand by: idle as planned, used when H leaves
    standby = {(r.from_firm, r.to_firm): r.standby for r in links.itertuples()}
    assert standby == {("H", "R1"): False, ("H", "R2"): False, ("S", "R1"): True,
                       ("S2", "R2"): True}
    assert robust["standby_links"] == 2
    rows = res.robust_table.set_index("firm_id")
    assert rows.savings_kept.to_dict() == pytest.approx(
        {f: kept(design, f) for f in FIRMS})
    assert rows.savings_kept.min() == pytest.approx(700)


def test_scenario_short_form_and_the_folder(tmp_path):
    res = resilience(hub_park(), solver=EXACT, settings=ResilienceSettings.model_validate(
        "n_minus_1"))
    folder = res.to_folder(tmp_path / "out")
    assert (folder / "robust_links.csv").is_file()
    assert (folder / "robust_resilience.csv").is_file()
    assert (folder / "resilience.csv").is_file()
