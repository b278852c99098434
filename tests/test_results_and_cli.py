"""Result folders (docs/format.md) and the command line, run the way a user would."""
from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis import results as results_module
from symbiosis.baselines import FIRM_ALONE_COLUMNS
from symbiosis.cli import main
from symbiosis.outputs import MARKER
from symbiosis.solve import Status, Termination, _status, relative_gap

from .conftest import DATA

SCENARIO = str(DATA / "scenarios" / "tiny-baseline.yaml")
REQUIRED_KPIS = {"status", "objective", "mip_gap", "total_cost", "baseline_cost", "savings",
                 "co2_t", "baseline_co2_t", "co2_avoided_t", "links_built", "annualised_capex",
                 "resources", "timings_s"}


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_run_writes_every_result_file_with_the_contract_columns(tmp_path):
    out = tmp_path / "out"
    result = _run("run", SCENARIO, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "tiny-baseline: optimal" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([*results_module.RESULT_FILES, MARKER])
    kpis = json.loads((out / "kpis.json").read_text())
    assert REQUIRED_KPIS <= set(kpis)
    assert set(kpis["timings_s"]) >= {"load", "network", "build", "solve", "write"}
    assert set(kpis["resources"]["water"]) == {"supply", "demand", "exchanged", "delivered",
                                               "purchased", "disposed", "pumped"}
    assert kpis["status"] == "optimal" and kpis["mip_gap"] == 0.0
    links = pd.read_csv(out / "links.csv")
    assert list(links.columns[:12]) == results_module.LINK_COLUMNS
    assert len(links) == kpis["links_built"] == 3
    firms = pd.read_csv(out / "firms.csv")
    assert list(firms.columns) == [*results_module.FIRM_COLUMNS, *FIRM_ALONE_COLUMNS, "name"]
    assert firms.cost.sum() == pytest.approx(kpis["total_cost"])
    assert firms.savings.sum() == pytest.approx(kpis["savings"])
    g = nx.read_graphml(out / "network.graphml")
    assert set(g.nodes) == {"A", "B", "C", "W"} and g.number_of_edges() == 3
    flows = sorted(d["flow"] for _, _, d in g.edges(data=True))
    assert flows == pytest.approx(sorted(links.flow))


def test_same_scenario_twice_gives_byte_identical_files(tmp_path):
    for name in ("a", "b"):
        assert _run("run", SCENARIO, "-o", str(tmp_path / name), "-q").exit_code == 0
    for file in ("links.csv", "firms.csv", "resources.csv", "streams.csv", "objective.csv",
                 "rejected_pairs.csv", "network.graphml"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    a, b = (json.loads((tmp_path / n / "kpis.json").read_text()) for n in ("a", "b"))
    a.pop("timings_s"), b.pop("timings_s")
    assert a == b


def test_result_folder_appears_all_at_once_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _run("run", SCENARIO, "-o", str(out), "-q").exit_code == 0
    before = (out / "kpis.json").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(results_module.nx, "write_graphml", broken)
    result = _run("run", SCENARIO, "-o", str(out), "-q")
    assert result.exit_code == 3  # an internal error, not the user's input
    assert (out / "kpis.json").read_bytes() == before  # the old result is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no half-written folder left
    fresh = tmp_path / "fresh"
    assert _run("run", SCENARIO, "-o", str(fresh), "-q").exit_code == 3
    assert not fresh.exists()


def test_validate_summarises_a_valid_model():
    result = _run("validate", str(DATA / "tiny-park"))
    assert result.exit_code == 0
    assert "valid" in result.output and "firms 4" in result.output


def test_another_pyomo_solver_gives_the_same_optimum(tmp_path):
    default = sb.run(SCENARIO)
    other = sb.run(SCENARIO, solver="appsi_highs")  # Pyomo's classic SolverFactory path
    assert other.status == Status.OPTIMAL
    assert other.kpis["total_cost"] == pytest.approx(default.kpis["total_cost"])
    assert other.links.flow.to_dict() == pytest.approx(default.links.flow.to_dict())


def test_unknown_solver_is_bad_input(tmp_path):
    result = _run("run", SCENARIO, "-o", str(tmp_path / "o"), "--solver", "nosuchsolver")
    assert result.exit_code == 2
    assert "solver 'nosuchsolver' is not available" in result.output
    assert not (tmp_path / "o").exists()


def test_cli_options_reach_the_solver(tmp_path):
    out = tmp_path / "o"
    result = _run("run", SCENARIO, "-o", str(out), "--time-limit", "30", "--gap", "0.0",
                  "--threads", "1", "--objective", "co2", "-q")
    assert result.exit_code == 0
    kpis = json.loads((out / "kpis.json").read_text())
    solver = {k: kpis["solver"][k] for k in ("name", "time_limit", "mip_gap", "threads")}
    assert solver == {"name": "highspy", "time_limit": 30.0, "mip_gap": 0.0, "threads": 1}
    assert kpis["objective_kind"] == "co2"
    assert kpis["objective"] == pytest.approx(kpis["co2_t"])


def test_doctor_lists_highs_as_working():
    result = _run("doctor")
    assert result.exit_code == 0
    assert any(line.split()[:2] == ["ok", "highs"] for line in result.output.splitlines())


@pytest.mark.parametrize("termination, found, optimal, status", [
    (Termination.CONVERGED, True, True, Status.OPTIMAL),
    (Termination.TIME_LIMIT, True, False, Status.FEASIBLE),
    (Termination.TIME_LIMIT, False, False, Status.TIME_LIMIT_NO_SOLUTION),
    (Termination.INFEASIBLE, False, False, Status.INFEASIBLE),
    (Termination.UNBOUNDED, False, False, Status.UNBOUNDED),
    (Termination.ERROR, False, False, Status.ERROR),
])
def test_solver_outcomes_map_to_our_status(termination, found, optimal, status):
    assert _status(termination, found, optimal) == status


def test_relative_gap():
    assert relative_gap(100.0, 99.0) == pytest.approx(0.01)
    assert relative_gap(100.0, 100.0) == 0.0
    assert relative_gap(None, 1.0) is None


def test_run_refuses_to_overwrite_what_is_not_a_result_folder(tmp_path):
    precious = tmp_path / "project"
    precious.mkdir()
    (precious / "thesis.txt").write_text("important")
    result = _run("run", SCENARIO, "-o", str(precious))
    assert result.exit_code == 2
    assert "is not a result folder (it holds thesis.txt)" in result.output
    assert (precious / "thesis.txt").read_text() == "important"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    assert _run("run", SCENARIO, "-o", str(a_file)).exit_code == 2
    assert a_file.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "project"]


def test_result_folder_is_readable_by_others(tmp_path):
    out = tmp_path / "out"
    assert _run("run", SCENARIO, "-o", str(out), "-q").exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert (out.stat().st_mode & 0o777) == 0o777 & ~umask


@pytest.mark.parametrize("solver", ["highs", "highspy", "appsi_highs"])
def test_a_thread_count_can_follow_an_earlier_run_in_the_same_process(solver):
    # HiGHS fixes its thread pool at first use; asking for another count later must still work.
    first = sb.run(SCENARIO, solver=solver)
    again = sb.run(SCENARIO, solver=solver, threads=1)
    assert first.status == again.status == Status.OPTIMAL
    assert again.kpis["total_cost"] == pytest.approx(first.kpis["total_cost"])
