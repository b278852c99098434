"""Honest savings (issue 10): what each firm reaches alone, apart from what links between
firms add, and `baseline: firms_integrated`.

The two-firm park, by hand. Firm A has 10 t of scrap (disposal 5 USD/t, 1 t CO2/t) and needs
4 t (purchase 20 USD/t, 2 t CO2/t); firm B, 1 km away, needs 10 t (purchase 40 USD/t, 2 t CO2/t).
Trucks cost 1 USD and 0.1 t CO2 per t·km, no fixed cost.
- no links: cost 50 + 80 + 400 = 530, CO2 10 + 8 + 20 = 38.
- firms alone: A reuses 4 t itself (saves 4 × (5 + 20) = 100); cost 430 (A 30, B 400),
  CO2 26 (A 6, B 20).
- optimum: all 10 t go to B (44 USD/t beats 25 USD/t), A buys its 4 t; cost 80 + 10 = 90
  (A 80 + 5, B 5), CO2 8 + 1 = 9 (A 8.5, B 0.5).
So savings 440 = 100 within firms + 340 between; CO2 avoided 29 = 12 + 17. The optimum does
not use A's own link at all, so "savings on links inside firms in the optimum" (0) would be
the wrong split.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.baselines import split_quality, split_ranges, within_firms
from symbiosis.cli import main
from symbiosis.network import build_network

from .conftest import DATA, ROOT, heat_park, make_park

SCRAP = dict(resource="scrap", transport_cost=1.0, transport_co2=0.1, purchase_price=20.0,
             purchase_co2=2.0, disposal_cost=5.0, disposal_co2=1.0)
BOTH_SOLVERS = pytest.mark.parametrize("solver", ["highs", "highspy"])


def two_firms() -> sb.Park:
    return make_park({"A": (0, 0), "B": (1, 0)}, [SCRAP],
                     [("a_s", "A", "supply", "scrap", 10), ("a_d", "A", "demand", "scrap", 4),
                      ("b_d", "B", "demand", "scrap", 10, 40.0)])


@BOTH_SOLVERS
def test_savings_split_into_within_and_between_firms(solver):
    r = sb.optimise(two_firms(), solver=sb.SolverOptions(name=solver, mip_gap=0))
    k = r.kpis
    assert (k["baseline_cost"], k["total_cost"], k["savings"]) == pytest.approx((530, 90, 440))
    assert k["baseline_kind"] == "no_links"
    assert k["savings_within_firms"] == pytest.approx(100)
    assert k["savings_between_firms"] == pytest.approx(340)
    assert k["co2_avoided_within_firms_t"] == pytest.approx(12)
    assert k["co2_avoided_between_firms_t"] == pytest.approx(17)
    assert k["firms_alone"]["status"] == "optimal"
    assert (k["firms_alone"]["total_cost"], k["firms_alone"]["co2_t"]) == pytest.approx((430, 26))
    assert k["firms_alone"]["links_built"] == 1
    assert k["savings_split"]["kind"] == "exact" and k["savings_split"]["note"] == ""
    assert k["savings_split"]["between_firms_range"] == pytest.approx([340, 340])
    firms = r.firms
    assert firms.alone_cost.to_dict() == pytest.approx({"A": 30, "B": 400})
    assert firms.alone_co2_t.to_dict() == pytest.approx({"A": 6, "B": 20})
    assert firms.cost.to_dict() == pytest.approx({"A": 85, "B": 5})
    assert r.links.index.tolist() == ["a_s->b_d"]


@BOTH_SOLVERS
def test_firms_integrated_baseline_measures_savings_from_the_firms_alone_optimum(solver):
    r = sb.optimise(two_firms(), solver=sb.SolverOptions(name=solver, mip_gap=0),
                    baseline="firms_integrated")
    k = r.kpis
    assert k["baseline_kind"] == "firms_integrated"
    assert (k["baseline_cost"], k["savings"]) == pytest.approx((430, 340))
    assert (k["baseline_co2_t"], k["co2_avoided_t"]) == pytest.approx((26, 17))
    assert (k["no_links_cost"], k["no_links_co2_t"]) == pytest.approx((530, 38))
    assert k["savings"] == pytest.approx(k["savings_between_firms"])
    firms = r.firms
    assert firms.baseline_cost.to_dict() == pytest.approx({"A": 30, "B": 400})
    # A gives up its own reuse for the park's sake: without transfers it is worse off
    assert firms.savings.to_dict() == pytest.approx({"A": -55, "B": 395})
    assert firms.savings.sum() == pytest.approx(k["savings"])
    terms = r.objective_breakdown
    assert terms.baseline_cost.sum() == pytest.approx(430)
    assert terms.baseline_co2_t.sum() == pytest.approx(26)
    assert terms.loc["purchases", "baseline_cost"] == pytest.approx(400)
    assert sum(k["baseline_breakdown"].values()) == pytest.approx(430)


@BOTH_SOLVERS
def test_own_heat_recovery_is_within_firms_and_a_neighbour_adds_the_rest(solver):
    # A: hot 100 kW 150→50 °C, cold 50 kW 40→90 °C; B: cold 50 kW 60→100 °C (ΔTmin 10 K).
    # Alone, A recovers 50 kW: hot utility 50, cold 50 → cost 50 + 25 = 75 of 150.
    # Together all 100 kW of A's heat is used (the cascade closes): cost 0.
    park = heat_park([("hA", "supply", 100, 150, 50), ("dA", "demand", 50, 40, 90),
                      ("dB", "demand", 50, 60, 100)], firm_of={"dB": "B", "hA": "A", "dA": "A"})
    r = sb.optimise(park, solver=sb.SolverOptions(name=solver, mip_gap=0))
    k = r.kpis
    assert (k["baseline_cost"], k["total_cost"]) == pytest.approx((150, 0), abs=1e-6)
    assert k["savings_within_firms"] == pytest.approx(75)
    assert k["savings_between_firms"] == pytest.approx(75)
    assert r.firms.alone_cost.to_dict() == pytest.approx({"A": 25, "B": 50})


def test_one_firm_alone_saves_nothing_between_firms():
    # The case: a single firm's own heat recovery is not symbiosis.
    park = heat_park([("h", "supply", 100, 150, 50), ("c", "demand", 100, 40, 140)])
    k = sb.optimise(park, solver=sb.SolverOptions(mip_gap=0)).kpis
    assert k["savings"] == pytest.approx(150)
    assert k["savings_within_firms"] == pytest.approx(150)
    assert k["savings_between_firms"] == pytest.approx(0, abs=1e-9)
    integrated = sb.optimise(park, baseline="firms_integrated").kpis
    assert integrated["savings"] == pytest.approx(0, abs=1e-9)


def test_within_firms_keeps_only_links_inside_one_firm_and_says_why_the_rest_went():
    network = build_network(two_firms(), screen_value=False)
    alone = within_firms(network)
    assert alone.links.index.tolist() == ["a_s->a_d"]
    assert len(network.links) == 2
    gone = alone.rejected[alone.rejected.reason == "between_firms"]
    assert gone[["from_stream", "to_stream"]].values.tolist() == [["a_s", "b_d"]]
    assert len(alone.rejected) == len(network.rejected) + 1


def test_split_ranges_are_valid_bounds_when_a_gap_makes_the_full_run_look_worse():
    # Full run stopped at 105 (bound 95), firms-alone at 100 (bound 98), no links 200: the
    # true optima satisfy 95 ≤ C* ≤ C_alone and 98 ≤ C_alone ≤ 100.
    ranges = split_ranges(200, 105, 95, 100, 98)
    assert ranges["within_firms"] == [100, 102]
    assert ranges["between_firms"] == [0, 5]  # never negative, whatever the gaps
    full = {"objective_kind": "cost", "baseline_cost": 200, "baseline_co2_t": 0,
            "objective": 105, "objective_bound": 95, "status": "feasible", "mip_gap": 0.095}
    alone = {"objective": 100, "objective_bound": 98, "status": "optimal", "mip_gap": 0.02}
    q = split_quality(full, alone, both=True)
    assert q["kind"] == "bounded"
    assert "bounded, not exact" in q["note"] and "costs more than the firms-alone" in q["note"]
    assert split_ranges(200, 90, None, 100, 100)["between_firms"][1] == float("inf")


@pytest.mark.solver
def test_each_firm_alone_is_that_firm_optimised_in_a_park_of_its_own():
    """An independent check: the firms-alone costs of the electronics park equal the optima
    of one-firm parks (every other firm excluded), firm by firm."""
    from symbiosis.io import read_model
    from symbiosis.scenario import apply_scenario
    from symbiosis.schema import Scenario

    model = ROOT / "models" / "bac-ninh-electronics"
    options = sb.SolverOptions(name="highspy", mip_gap=0, threads=1)
    inputs = read_model(model)
    park = apply_scenario(inputs, Scenario(name="all", model=str(model)), "test")
    result = sb.optimise(park, solver=options)
    alone = result.firms.alone_cost
    firms = park.firms.index.tolist()
    for firm in firms:
        only = Scenario(name=firm, model=str(model), exclude_firms=[f for f in firms if f != firm])
        own = sb.optimise(apply_scenario(inputs, only, "test"), solver=options)
        assert own.kpis["total_cost"] == pytest.approx(alone[firm], rel=1e-9, abs=1e-6), firm
    assert alone.sum() == pytest.approx(result.kpis["firms_alone"]["total_cost"])
    assert result.kpis["savings_between_firms"] >= 0


def test_cli_baseline_option_and_the_summary(tmp_path):
    scenario = str(DATA / "scenarios" / "tiny-baseline.yaml")
    runner = CliRunner()
    plain = runner.invoke(main, ["run", scenario, "-o", str(tmp_path / "a")])
    assert plain.exit_code == 0, plain.output
    assert "within firms" in plain.output and "between firms" in plain.output
    out = runner.invoke(main, ["run", scenario, "-o", str(tmp_path / "b"),
                               "--baseline", "firms_integrated"])
    assert out.exit_code == 0, out.output
    assert "baseline: firms integrated" in out.output
    a, b = (json.loads((tmp_path / n / "kpis.json").read_text()) for n in ("a", "b"))
    assert a["baseline_kind"] == "no_links" and b["baseline_kind"] == "firms_integrated"
    assert b["baseline_cost"] == pytest.approx(a["firms_alone"]["total_cost"])
    assert b["savings"] == pytest.approx(a["savings_between_firms"])
    assert a["savings_within_firms"] + a["savings_between_firms"] == pytest.approx(a["savings"])
    assert "firms_alone" in a["timings_s"]
    firms = pd.read_csv(tmp_path / "b" / "firms.csv")
    assert firms.baseline_cost.tolist() == pytest.approx(firms.alone_cost.tolist())


def test_scenario_key_baseline_and_a_bad_value(tmp_path):
    import shutil

    shutil.copytree(DATA / "tiny-park", tmp_path / "tiny-park")
    good = tmp_path / "s.yaml"
    good.write_text("name: s\nmodel: tiny-park\nbaseline: firms_integrated\n")
    assert sb.run(good).kpis["baseline_kind"] == "firms_integrated"
    assert sb.run(good, baseline="no_links").kpis["baseline_kind"] == "no_links"  # CLI wins
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: s\nmodel: tiny-park\nbaseline: firms_alone\n")
    result = CliRunner().invoke(main, ["run", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "baseline" in result.output


@pytest.mark.solver
def test_sweep_summary_has_the_split_and_a_variant_may_change_the_baseline(tmp_path):
    import shutil

    shutil.copytree(DATA / "tiny-park", tmp_path / "tiny-park")
    shutil.copytree(DATA / "scenarios", tmp_path / "scenarios")
    sweep = tmp_path / "scenarios" / "sweep.yaml"
    sweep.write_text("name: s\nbase: tiny-baseline.yaml\nvariants:\n"
                     "  - {name: integrated, baseline: firms_integrated}\n")
    table = sb.sweep(sweep, out=tmp_path / "out")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", index_col="variant")
    for column in ("savings_within_firms", "savings_between_firms",
                   "co2_avoided_within_firms_t", "co2_avoided_between_firms_t", "baseline_kind"):
        assert column in summary.columns, column
    assert summary.baseline_kind.tolist() == ["no_links", "firms_integrated"]
    assert summary.loc["integrated", "savings"] == pytest.approx(
        summary.loc["base", "savings_between_firms"])
    assert table.loc["base", "savings"] == pytest.approx(
        table.loc["base", "savings_within_firms"] + table.loc["base", "savings_between_firms"])


def test_report_shows_the_split(tmp_path):
    from symbiosis.report import make_report

    from .test_report import parse

    out = sb.optimise(two_firms(), solver=sb.SolverOptions(mip_gap=0)).to_folder(tmp_path / "r")
    page = tmp_path / "r.html"
    make_report(out, page)
    found = parse(page).kpis
    assert float(found["savings_within_firms"][0][1]) == pytest.approx(100)
    assert float(found["savings_between_firms"][0][1]) == pytest.approx(340)


def test_a_firms_alone_run_without_a_solution_is_said_and_the_baseline_falls_back(monkeypatch):
    from symbiosis import pipeline
    from symbiosis.solve import Solution, Status, Termination

    solved = pipeline.solve
    calls = []

    def second_run_times_out(model, options, fallback=None, **hints):
        calls.append(1)
        if len(calls) == 2:  # the firms-alone run
            return Solution(Status.TIME_LIMIT_NO_SOLUTION, Termination.TIME_LIMIT, None, None,
                            None, "highs", "", 1.0)
        return solved(model, options, fallback=fallback)

    monkeypatch.setattr(pipeline, "solve", second_run_times_out)
    r = sb.optimise(two_firms(), baseline="firms_integrated")
    k = r.kpis
    assert k["status"] == "optimal" and k["savings"] == pytest.approx(440)
    assert k["baseline_kind"] == "no_links" and k["baseline_cost"] == pytest.approx(530)
    assert k["savings_within_firms"] is None and k["savings_between_firms"] is None
    assert k["savings_split"]["kind"] == "unavailable"
    assert "firms-alone run found no solution" in k["savings_split"]["note"]
    assert "measured from no_links instead" in r.summary()
    assert r.firms.alone_cost.isna().all()


def test_split_kind_says_within_gap_when_a_gap_is_unknown_or_positive():
    full = {"objective_kind": "cost", "baseline_cost": 200, "baseline_co2_t": 0,
            "currency": "USD", "objective": 90, "objective_bound": 89.99, "status": "optimal",
            "mip_gap": 1e-4}
    alone = {"objective": 100, "objective_bound": 100, "status": "optimal", "mip_gap": 0.0}
    q = split_quality(full, alone, both=True)
    assert q["kind"] == "within_gap" and "[10, 10] USD/yr" in q["note"]
    assert q["between_firms_range"] == pytest.approx([10, 10.01])
    unknown = split_quality({**full, "mip_gap": None, "objective_bound": None}, alone, both=True)
    assert unknown["kind"] == "within_gap" and unknown["between_firms_range"][1] == float("inf")
    exact = split_quality({**full, "mip_gap": 0.0, "objective_bound": 90}, alone, both=True)
    assert exact["kind"] == "exact" and exact["note"] == ""
    # no full solution: the within-firm part is still bounded by the firms-alone run
    assert split_ranges(200, None, 80, 100, 99) == {"within_firms": [100, 101],
                                                    "between_firms": [None, None]}
