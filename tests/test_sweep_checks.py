"""Sweeps that must not give a silent wrong answer or write before refusing (issue 11):
the hash of what each variant read, the variant limit, folder-name lengths, and the order of
the checks of the output folder."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.batch.runner import run_sweep
from symbiosis.batch.spec import load_sweep
from symbiosis.cli import main
from symbiosis.errors import InputError

from .test_bad_input import assert_bad_input
from .test_batch import GRID, scenarios, write  # noqa: F401 - `scenarios` is a fixture

TWO = "name: two\nbase: tiny-baseline.yaml\ngrid:\n  economics.carbon_price: [0, 50]\n"


@pytest.mark.solver
def test_a_model_edited_while_the_sweep_runs_is_not_kept_as_finished(scenarios, tmp_path):
    """Planned on the model as it was, run on an edited one, then the edit put back: the
    variants carry the hash of what they read, so the re-run computes them again."""
    path = write(scenarios, TWO)
    streams = scenarios.parent / "tiny-park" / "streams.csv"
    original = streams.read_text(encoding="utf-8")
    plan = load_sweep(path)  # hashed now, with the original files
    streams.write_text(original.replace("S_W_dross,W,supply,dross,100",
                                        "S_W_dross,W,supply,dross,40"), encoding="utf-8")
    out = tmp_path / "out"
    first = run_sweep(plan, out)
    streams.write_text(original, encoding="utf-8")
    assert (first.table.status == "error").all()  # said, not silent
    assert first.table.reason.str.contains("changed while the sweep ran").all()
    again = run_sweep(load_sweep(path), out)
    assert again.skipped == [] and sorted(again.ran) == sorted(plan.names)
    assert again.table.loc["base", "total_cost"] == pytest.approx(20624.31711)
    assert (again.table.status == "optimal").all()


# --- the variant limit ------------------------------------------------------------------------


def _big_grid(n_axes: int = 5, n_values: int = 10) -> str:
    """A grid of n_values ** n_axes points over keys of model.yaml (100,000 by default)."""
    keys = ["economics.carbon_price", "links.truck.fixed_cost", "links.pipe.fixed_cost",
            "links.max_distance_km", "economics.lifetime_years"][:n_axes]
    return "name: big\nbase: tiny-baseline.yaml\ngrid:\n" + "".join(
        f"  {k}: [{', '.join(str(i + 1) for i in range(n_values))}]\n" for k in keys)


def test_a_sweep_of_more_variants_than_the_limit_is_refused_before_planning(scenarios, tmp_path,
                                                                             monkeypatch):
    import symbiosis.batch.spec as spec

    def no_planning(*args, **kwargs):  # the count comes from the axes' lengths alone
        raise AssertionError("variants were expanded before the limit was checked")

    monkeypatch.setattr(spec, "_expand", no_planning)
    path = write(scenarios, _big_grid())
    message = assert_bad_input(["sweep", str(path), "-o", str(tmp_path / "out")], str(path),
                               "line 3", "key grid", "100,001 variants", "limit of 1,000",
                               "--max-variants 100001", out=tmp_path / "out")
    assert "100,000 grid points" in message
    assert_bad_input(["sweep", str(path), "--list", "--max-variants", "5000"], "limit of 5,000")
    with pytest.raises(InputError, match="max_variants=100001"):
        sb.sweep(path, out=tmp_path / "out")


def test_max_variants_raises_the_limit(scenarios):
    path = write(scenarios, _big_grid(2, 4))  # 16 points and the base
    with pytest.raises(InputError, match="17 variants"):
        load_sweep(path, max_variants=16)
    assert len(load_sweep(path, max_variants=17).variants) == 17
    refused = CliRunner().invoke(main, ["sweep", str(path), "--list", "--max-variants", "16"])
    assert refused.exit_code == 2 and "--max-variants 17" in refused.output
    result = CliRunner().invoke(main, ["sweep", str(path), "--list", "--max-variants", "17"])
    assert result.exit_code == 0, result.output
    assert result.output.count(" to run") == 17


def test_the_cli_default_limit_is_the_librarys():
    from symbiosis import cli
    from symbiosis.batch import spec

    assert cli.MAX_VARIANTS == spec.MAX_VARIANTS == 1000


# --- names and the output folder --------------------------------------------------------------


def test_a_variant_name_too_long_for_a_folder_is_refused_when_planned(scenarios, tmp_path):
    long_value = "x" * 200
    grid = ("name: s\nbase: tiny-baseline.yaml\ngrid:\n"
            f"  exclude_firms: [[{long_value}a, W], [{long_value}b]]\n"
            f"  economics.carbon_price: [0]\n")
    path = write(scenarios, grid)
    for args in (["--list"], ["-o", str(tmp_path / "out")]):
        assert_bad_input(["sweep", str(path), *args], str(path), "key grid",
                         "(and 1 more)", "more than 200", out=tmp_path / "out")
    explicit = write(scenarios, "name: s\nbase: tiny-baseline.yaml\nvariants:\n"
                                f"  - {{name: {'v' * 201}}}\n", "explicit.yaml")
    assert_bad_input(["sweep", str(explicit), "--list"], "line 4", "key variants[0].name",
                     "201 characters long")
    ok = write(scenarios, "name: s\nbase: tiny-baseline.yaml\nvariants:\n"
                          f"  - {{name: {'v' * 200}}}\n", "ok.yaml")
    assert load_sweep(ok).names[-1] == "v" * 200


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_mtime_ns,
                   p.read_bytes() if p.is_file() else b"") for p in folder.rglob("*"))


def test_a_folder_that_is_not_a_sweep_folder_is_refused_before_anything_is_written(scenarios,
                                                                                   tmp_path):
    sweep = write(scenarios, GRID)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    before = _snapshot(out)
    assert_bad_input(["sweep", str(sweep), "-o", str(out)], "not a sweep folder")
    assert _snapshot(out) == before
    # a sweep folder in which a variant's folder is not a result folder: refused, untouched
    out2 = tmp_path / "out2"
    out2.mkdir()
    (out2 / "sweep.yaml").write_text(GRID)
    (out2 / "base").mkdir()
    (out2 / "base" / "notes.txt").write_text("mine")
    before = _snapshot(out2)
    assert_bad_input(["sweep", str(sweep), "-o", str(out2)], "base", "not a result folder")
    assert _snapshot(out2) == before


def test_an_unreachable_scheduler_is_refused_before_anything_is_written(scenarios, tmp_path,
                                                                       monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("symbiosis.batch.runner.DASK_CONNECT_TIMEOUT", "1s")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="cannot reach the scheduler"):
        run_sweep(load_sweep(write(scenarios, GRID)), out, dask="tcp://127.0.0.1:9")
    assert not out.exists()


def test_a_folder_locked_by_a_running_sweep_is_left_alone(scenarios, tmp_path):
    import fcntl

    sweep = write(scenarios, GRID)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.yaml").write_text("name: the running one\n")
    (out / ".base.abcd1234").mkdir()  # the running sweep's variant being written
    with open(out / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        before = _snapshot(out)
        with pytest.raises(InputError, match="another sweep is running"):
            run_sweep(load_sweep(sweep), out)
        assert _snapshot(out) == before


# --- sb.sweep from a plain script ---------------------------------------------------------------

SCRIPT = """\
import symbiosis as sb
table = sb.sweep({{"name": "plain", "base": {base!r},
                  "grid": {{"economics.carbon_price": [0, 50]}}}}, workers=2{extra})
print(",".join(table.status))
"""


@pytest.mark.solver
@pytest.mark.parametrize("extra", ["", ", dask='local'"], ids=["pool", "dask-local"])
def test_sweep_from_a_script_without_a_main_guard(scenarios, tmp_path, extra):
    """Workers are fresh processes that must not run the calling script again."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    if extra:
        pytest.importorskip("dask.distributed")
    script = tmp_path / "plain.py"
    script.write_text(SCRIPT.format(base=str(scenarios / "tiny-baseline.yaml"), extra=extra),
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "optimal,optimal,optimal", done.stderr
    assert "bootstrapping phase" not in done.stderr


def test_planning_checks_the_tables_once_per_distinct_table_change(scenarios, monkeypatch):
    import symbiosis.park as park_module

    calls = []
    real = park_module.run_checks
    monkeypatch.setattr(park_module, "run_checks",
                        lambda t, severity="raise": (severity == "raise" and calls.append(1))
                        or real(t, severity))
    plan = load_sweep(write(scenarios, GRID))
    assert len(plan.variants) == 5  # base + 2 carbon prices x 2 dross fees
    assert len(calls) == 1 + 3  # the base file loaded; then the base, and each dross fee
    # a bad value is still found in every variant that has it
    bad = GRID.replace("values: [1, 2]", "values: [1, 1.0e+30]")  # a price out of range
    with pytest.raises(InputError, match=r"carbon_price=0_dross_fee=1e\+30 \(and 1 more\)"):
        load_sweep(write(scenarios, bad, "bad.yaml"))
