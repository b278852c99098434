"""Sweeps (docs/format.md, docs/sweeps.md): sweep files, merging, hashes, the pool, resuming,
Dask, compare, and bad sweep files.

Most tests run the tiny park, whose optimum is known by hand (tests/test_scenarios_and_io.py):
total cost 20,624.31711 and baseline 67,800 USD/yr; CO2 193.4629988 t against a baseline of
695.4 t; 3 links. A carbon price p adds p × CO2 to both costs; doubling the dross disposal fee
adds 100 t × 30 USD to the baseline only (all dross is linked).
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.batch.compare import compare_table
from symbiosis.batch.spec import _short_axis_names, load_sweep, value_label
from symbiosis.cli import main
from symbiosis.errors import InputError
from symbiosis.schema import Scenario, SweepVariant

from .conftest import DATA, ROOT
from .test_bad_input import assert_bad_input

GRID = """\
name: tiny-sweep
base: tiny-baseline.yaml
grid:
  economics.carbon_price: [0, 50]
  dross_fee: {values: [1, 2], adjust: {column: disposal_cost, resource: dross}}
"""


@pytest.fixture
def scenarios(tmp_path: Path) -> Path:
    """A private copy of the tiny park and its scenarios folder; sweep files go beside them."""
    shutil.copytree(DATA / "tiny-park", tmp_path / "tiny-park")
    shutil.copytree(DATA / "scenarios", tmp_path / "scenarios")
    return tmp_path / "scenarios"


def write(folder: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- sweep files: expansion, names, merging -------------------------------------------------


def test_grid_expands_in_file_order_with_stable_names(scenarios):
    plan = load_sweep(write(scenarios, GRID + "variants:\n  - {name: no-W, exclude_firms: [W]}\n"))
    assert plan.names == ["base", "carbon_price=0_dross_fee=1", "carbon_price=0_dross_fee=2",
                          "carbon_price=50_dross_fee=1", "carbon_price=50_dross_fee=2", "no-W"]
    assert plan.axes == ["economics.carbon_price", "dross_fee"]
    by_name = {v.name: v for v in plan.variants}
    # the base and explicit variants show the carbon price in effect (model.yaml's 0)
    assert by_name["base"].params == {"economics.carbon_price": 0.0, "dross_fee": None}
    v = by_name["carbon_price=50_dross_fee=2"]
    assert v.params == {"economics.carbon_price": 50, "dross_fee": 2}
    assert v.scenario.set == {"economics.carbon_price": 50}
    assert [(r.column, r.resource, r.factor) for r in v.scenario.adjust] == \
        [("disposal_cost", "dross", 2)]
    assert v.scenario.solver.threads == 1  # one thread per worker unless the files say so
    assert by_name["no-W"].scenario.exclude_firms == ["W"]
    assert load_sweep(scenarios / "sweep.yaml").names == plan.names  # stable


def test_axis_names_and_values_in_variant_names():
    assert _short_axis_names(["economics.carbon_price", "links.truck.fixed_cost",
                              "links.pipe.fixed_cost", "fee"]) == {
        "economics.carbon_price": "carbon_price", "links.truck.fixed_cost": "truck.fixed_cost",
        "links.pipe.fixed_cost": "pipe.fixed_cost", "fee": "fee"}
    assert [value_label(v) for v in (50, -5, 0.5, 1e-3, True, ["F01", "F02"], "a/b c")] == \
        ["50", "-5", "0.5", "0.001", "true", "F01+F02", "a-b-c"]


def test_exclude_firms_axis_and_include_base_false(scenarios):
    plan = load_sweep(write(scenarios, "name: s\nbase: tiny-baseline.yaml\ninclude_base: false\n"
                                       "grid:\n  exclude_firms: [W, [A, C]]\n"))
    assert plan.names == ["exclude_firms=W", "exclude_firms=A+C"]
    assert plan.variants[1].scenario.exclude_firms == ["A", "C"]


def test_variant_merges_into_the_base_scenario(scenarios):
    write(scenarios, "name: b\nmodel: ../tiny-park\nset: {economics.carbon_price: 10}\n"
                     "exclude_firms: [C]\nscale: [{resource: water, factor: 2}]\n"
                     "solver: {name: highs, mip_gap: 0.01, time_limit: 60}\n", "b.yaml")
    plan = load_sweep(write(scenarios, """\
name: s
base: b.yaml
variants:
  - name: v
    set: {links.truck.fixed_cost: 700}
    exclude_firms: [W, C]
    scale: [{resource: steel_scrap, factor: 0.5}]
    objective: co2
    solver: {mip_gap: 0}
"""))
    base, v = (x.scenario for x in plan.variants)
    assert base.set == {"economics.carbon_price": 10} and base.objective == "cost"
    assert v.set == {"economics.carbon_price": 10, "links.truck.fixed_cost": 700}
    assert v.exclude_firms == ["C", "W"]
    assert [(r.resource, r.factor) for r in v.scale] == [("water", 2), ("steel_scrap", 0.5)]
    assert v.objective == "co2"
    assert (v.solver.mip_gap, v.solver.time_limit, v.solver.threads) == (0, 60, 1)


def test_a_variant_key_that_conflicts_with_the_base_is_an_error(scenarios):
    write(scenarios, "name: b\nmodel: ../tiny-park\nset: {links.truck: {fixed_cost: 1}}\n",
          "b.yaml")
    path = write(scenarios, "name: s\nbase: b.yaml\nvariants:\n"
                            "  - {name: v, set: {links.truck.fixed_cost: 700}}\n")
    with pytest.raises(InputError, match=r"line 4, key variants\[0\]\.set\.links\.truck\."
                                         r"fixed_cost: conflicts with the base"):
        load_sweep(path)


def test_variant_keys_are_the_scenario_keys_but_model():
    assert set(SweepVariant.model_fields) == set(Scenario.model_fields) - {"model"}


# --- hashes ---------------------------------------------------------------------------------


def test_hash_changes_with_a_value_or_the_model_and_not_otherwise(scenarios):
    path = write(scenarios, GRID)
    before = {v.name: v.input_hash for v in load_sweep(path).variants}
    # the same sweep, keys in another order and a comment: the same hashes
    write(scenarios, "# comment\nbase: tiny-baseline.yaml\nname: tiny-sweep\ngrid:\n"
                     "  economics.carbon_price: [0, 50]\n"
                     "  dross_fee: {adjust: {resource: dross, column: disposal_cost}, "
                     "values: [1, 2]}\n")
    assert {v.name: v.input_hash for v in load_sweep(path).variants} == before
    # one value changes: only its variants change
    write(scenarios, GRID.replace("[0, 50]", "[0, 60]"))
    after = {v.name: v.input_hash for v in load_sweep(path).variants}
    assert after["carbon_price=0_dross_fee=2"] == before["carbon_price=0_dross_fee=2"]
    assert after["base"] == before["base"]
    assert "carbon_price=60_dross_fee=1" in after
    # the model's data changes: every variant changes
    write(scenarios, GRID)
    streams = scenarios.parent / "tiny-park" / "streams.csv"
    streams.write_text(streams.read_text().replace("S_A_scrap,A,supply,steel_scrap,100",
                                                   "S_A_scrap,A,supply,steel_scrap,101"))
    edited = {v.name: v.input_hash for v in load_sweep(path).variants}
    assert all(edited[n] != before[n] for n in before)


# --- running --------------------------------------------------------------------------------


def _tiny_table_checks(table: pd.DataFrame) -> None:
    assert (table.status == "optimal").all()
    base, c50f2 = table.loc["base"], table.loc["carbon_price=50_dross_fee=2"]
    assert base.total_cost == pytest.approx(20624.31711)
    assert base.baseline_cost == 67800
    assert c50f2.total_cost == pytest.approx(20624.31711 + 50 * 193.4629988)
    assert c50f2.baseline_cost == pytest.approx(67800 + 50 * 695.4 + 3000)
    assert table.links_built.tolist() == [3] * 5


@pytest.mark.solver
def test_sweep_writes_a_folder_per_variant_and_the_summary(scenarios, tmp_path):
    out = tmp_path / "out"
    table = sb.sweep(write(scenarios, GRID), out=out, workers=2)
    _tiny_table_checks(table)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".lock", ".symbiosis-output", "summary.csv", "sweep.yaml", "timings.csv", *table.index])
    assert (out / "base" / "scenario.yaml").is_file()
    summary = pd.read_csv(out / "summary.csv", index_col="variant")
    assert list(summary.columns[:4]) == ["status", "reason", "economics.carbon_price",
                                         "dross_fee"]
    assert summary.index.tolist() == table.index.tolist()
    # a variant's scenario.yaml runs alone to the same result
    alone = sb.run(out / "carbon_price=50_dross_fee=2" / "scenario.yaml")
    assert alone.kpis["total_cost"] == pytest.approx(table.loc["carbon_price=50_dross_fee=2",
                                                               "total_cost"])
    # the collection reads the folders back with a scenario level
    runs = sb.load_results(out)
    assert runs.kpis.loc["base", "total_cost"] == pytest.approx(20624.31711)
    assert runs.links.index.names == ["scenario", "link"]
    assert runs.links.loc[("base", "S_A_scrap->D_B_scrap"), "flow"] == pytest.approx(60)
    assert runs.firms.index.names == ["scenario", "firm_id"]
    assert len(runs.firms) == 5 * 4


@pytest.mark.solver
def test_a_failing_and_an_unsolved_variant_are_recorded_and_the_rest_go_on(scenarios, tmp_path):
    path = write(scenarios, """\
name: s
base: tiny-baseline.yaml
variants:
  - {name: bad-solver, solver: {name: nosuchsolver}}
  - {name: no-time, solver: {name: highs, time_limit: 0.000001}}  # Pyomo: no start
  - {name: no-W, exclude_firms: [W]}
""")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", str(path), "-o", str(out), "--workers", "2"])
    assert result.exit_code == 1, result.output
    table = pd.read_csv(out / "summary.csv", index_col="variant", keep_default_na=False)
    assert table.status.to_dict() == {"base": "optimal", "bad-solver": "error",
                                      "no-time": "time_limit_no_solution", "no-W": "optimal"}
    assert "nosuchsolver" in table.reason["bad-solver"]
    assert table.reason["no-time"] == "no solution: solver stopped with time_limit"
    assert not (out / "bad-solver").exists()  # nothing half-written
    assert (out / "no-time" / "kpis.json").is_file()  # a run without a solution is a result
    assert table.loc["no-W", "total_cost"] == "58400"
    # re-running retries the failed variant only
    again = CliRunner().invoke(main, ["sweep", str(path), "-o", str(out)])
    assert "3 already finished, 1 to run" in again.stderr
    # a variant that ran before and now fails: its old folder is not read as its result
    path.write_text(path.read_text().replace("{name: no-W, exclude_firms: [W]}",
                                             "{name: no-W, exclude_firms: [W], "
                                             "solver: {name: nosuchsolver}}"))
    CliRunner().invoke(main, ["sweep", str(path), "-o", str(out)])
    runs = sb.load_results(out)
    assert runs.kpis.loc["no-W", "status"] == "error"
    assert pd.isna(runs.kpis.loc["no-W", "total_cost"])
    assert "no-W" not in runs.firms.index.get_level_values("scenario")


def _finished(out: Path) -> list[Path]:
    return sorted(out.glob("*/kpis.json"))


@pytest.mark.solver
def test_an_interrupted_sweep_resumes_and_ends_with_the_same_summary(scenarios, tmp_path):
    path = write(scenarios, "name: s\nbase: tiny-baseline.yaml\ngrid:\n"
                            "  economics.carbon_price: [0, 10, 20, 30, 40, 50, 60, 70]\n"
                            "  links.truck.fixed_cost: [100, 500]\n")  # 16 + base
    out = tmp_path / "interrupted"
    cmd = [sys.executable, str(ROOT / "cli.py"), "sweep", str(path), "-o", str(out),
           "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    deadline = time.monotonic() + 120
    while len(_finished(out)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    done = {p: p.stat().st_mtime_ns for p in _finished(out)}
    assert 3 <= len(done) < 17, err
    rerun = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done)} already finished, {17 - len(done)} to run" in rerun.stderr
    assert {p: p.stat().st_mtime_ns for p in done} == done  # not run again
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name not in (".lock", ".symbiosis-output")]
    whole = tmp_path / "whole"
    sb.sweep(path, out=whole, workers=2)
    assert (out / "summary.csv").read_bytes() == (whole / "summary.csv").read_bytes()


@pytest.mark.solver
def test_dask_local_cluster_gives_the_same_summary_as_the_pool(scenarios, tmp_path):
    pytest.importorskip("dask.distributed")
    path = write(scenarios, GRID)
    table = sb.sweep(path, out=tmp_path / "dask", workers=2, dask="local")
    _tiny_table_checks(table)
    sb.sweep(path, out=tmp_path / "pool", workers=2)
    assert (tmp_path / "dask" / "summary.csv").read_bytes() == \
        (tmp_path / "pool" / "summary.csv").read_bytes()


def test_dask_flag_without_dask_says_how_to_install_it(scenarios, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    assert_bad_input(["sweep", str(write(scenarios, GRID)), "-o", str(tmp_path / "o"),
                      "--dask", "local"], "pip install 'symbiosis[dask]'")


# --- compare --------------------------------------------------------------------------------


@pytest.mark.solver
def test_compare_deltas_against_the_base(scenarios, tmp_path):
    out = tmp_path / "out"
    sb.sweep(write(scenarios, GRID), out=out)
    table = compare_table(sb.load_results(out), kpis=["total_cost", "baseline_cost", "co2_t"])
    assert table.attrs["base"] == "base"
    row = table.loc["carbon_price=50_dross_fee=2"]
    assert row.total_cost_delta == pytest.approx(50 * 193.4629988)
    assert row.baseline_cost_delta == pytest.approx(50 * 695.4 + 3000)
    assert row.co2_t_delta == pytest.approx(0)
    assert table.loc["base", "total_cost_delta"] == 0
    # the command: printed, CSV in the sweep folder, a chart against the carbon price
    png = tmp_path / "chart.png"
    result = CliRunner().invoke(main, ["compare", str(out), "--kpi", "total_cost",
                                       "--png", str(png), "--x", "economics.carbon_price"])
    assert result.exit_code == 0, result.output
    assert "deltas against base" in result.output
    csv = pd.read_csv(out / "compare.csv", index_col="scenario")
    assert csv.loc["carbon_price=50_dross_fee=1", "total_cost_delta"] == \
        pytest.approx(50 * 193.4629988)
    assert png.read_bytes()[:4] == b"\x89PNG"
    # a single result folder against the sweep's base, named by --base
    single = tmp_path / "single"
    sb.run(scenarios / "tiny-baseline.yaml").to_folder(single)
    both = compare_table(sb.load_results([out, single]), base="single")
    assert both.loc["carbon_price=0_dross_fee=1", "total_cost_delta"] == pytest.approx(0)


@pytest.mark.solver
def test_compare_chart_draws_grid_points_only_and_objective_keeps_its_kind(scenarios, tmp_path):
    """The base and named variants carry the axis values in effect (0 USD/t here) but are no
    points of a grid curve; a CO2 objective (t) is never subtracted from a cost one (USD)."""
    from symbiosis.batch.compare import chart_points

    out = tmp_path / "out"
    sb.sweep(write(scenarios, GRID + "variants:\n  - {name: co2-first, objective: co2}\n"
                   "  - {name: carbon-25, set: {economics.carbon_price: 25}}\n"), out=out)
    runs = sb.load_results(out)
    assert runs.kpis.loc["base", "economics.carbon_price"] == 0  # why it used to be drawn
    points = chart_points(runs, "economics.carbon_price")
    assert sorted(points.index) == sorted(f"carbon_price={p}_dross_fee={f}"
                                          for p in (0, 50) for f in (1, 2))
    for _, line in points.groupby("dross_fee"):  # one line per fee: no x drawn twice
        assert line["economics.carbon_price"].is_unique
    table = compare_table(runs, kpis=["objective", "total_cost"])
    assert table.loc["co2-first", "objective_kind"] == "co2"
    assert table.loc["base", "objective_kind"] == "cost"
    assert pd.isna(table.loc["co2-first", "objective_delta"])
    assert table.loc["co2-first", "total_cost_delta"] >= 0  # other KPIs keep their deltas
    assert table.loc["carbon_price=50_dross_fee=1", "objective_delta"] == \
        pytest.approx(50 * 193.4629988)


# --- bad sweep files: exit 2, one message naming the place ----------------------------------


@pytest.mark.parametrize("body, expected", [
    ("grid:\n  economics.carbon_pric: [0, 50]\n",
     ["line 4", "key grid.economics.carbon_pric", "unknown axis key"]),
    ("grid: {}\n", ["line 3", "key grid", "empty grid"]),
    ("grid:\n  economics.carbon_price: []\n",
     ["line 4", "key grid.economics.carbon_price", "empty axis"]),
    ("variants:\n  - {name: a, exclude_firms: [W]}\n  - {name: a}\n",
     ["line 5", "key variants[1].name", "duplicate variant name 'a'"]),
    ("grid:\n  economics.carbon_price: [0]\nvariants:\n  - {name: carbon_price=0}\n",
     ["line 6", "key variants[0].name", "duplicate variant name 'carbon_price=0'"]),
    ("variants:\n  - {name: a, exclude_firms: [ZZ]}\n",
     ["line 4", "key variants[0].exclude_firms[0]", "variant a: unknown firm 'ZZ'"]),
    ("variants:\n  - {name: a, sett: {}}\n", ["line 4", "key variants[0].sett", "unknown key"]),
    ("grid:\n  f: {values: [1, 2], adjust: {column: disposal_cost, resource: nope}}\n",
     ["line 4", "key grid.f", "unknown resource 'nope'"]),
    ("variants:\n  - {name: a/b}\n", ["line 4", "key variants[0].name", "not a safe folder"]),
    ("variants:\n  - {name: a, set: {economics.carbon_prise: 5}}\n",
     ["line 4", "key variants[0].set.economics.carbon_prise", "unknown key"]),
    ("grid:\n  economics.carbon_price: [0, -5]\n",
     ["line 4", "key grid.economics.carbon_price[1]", "variant carbon_price=-5",
      "greater than or equal to 0"]),
    ("variants:\n  - {name: a\n", ["invalid YAML"]),
], ids=["unknown-axis-key", "empty-grid", "empty-axis", "duplicate-names",
        "duplicate-grid-name", "unknown-firm", "unknown-variant-key", "adjust-axis-resource",
        "unsafe-name", "unknown-set-key", "bad-axis-value", "bad-yaml"])
def test_bad_sweep_file(scenarios, tmp_path, body, expected):
    path = write(scenarios, "name: s\nbase: tiny-baseline.yaml\n" + body)
    assert_bad_input(["sweep", str(path), "-o", str(tmp_path / "out")], str(path), *expected,
                     out=tmp_path / "out")


def test_missing_base_names_the_sweep_file_and_line(scenarios, tmp_path):
    path = write(scenarios, "name: s\nbase: nope.yaml\nvariants: [{name: a}]\n")
    assert_bad_input(["sweep", str(path), "-o", str(tmp_path / "out")], str(path), "line 2",
                     "key base", "base scenario not found", out=tmp_path / "out")


def test_a_folder_that_is_not_a_sweep_folder_is_refused(scenarios, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert_bad_input(["sweep", str(write(scenarios, GRID)), "-o", str(out)],
                     "not a sweep folder")
    assert (out / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("sweep-*.yaml")),
                         ids=lambda p: p.name)
def test_shipped_sweep_files_are_valid(path):
    plan = load_sweep(path)
    assert len(plan.variants) >= 9
    assert plan.names[0] == "base"
    if path.name == "sweep-carbon-x-fee.yaml":
        assert len(plan.variants) - 1 >= 16


def test_running_a_sweep_file_as_a_scenario_says_to_use_sweep(tmp_path):
    assert_bad_input(["run", str(ROOT / "scenarios" / "sweep-anchor-exit.yaml"), "-o",
                      str(tmp_path / "out")], "this is a sweep file", "symbiosis sweep",
                     out=tmp_path / "out")
