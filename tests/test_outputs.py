"""What the commands write (docs/format.md, "What the commands write"): never what they did not
write themselves, all or nothing, recovered after a crash, byte-identical, spreadsheet-safe."""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from symbiosis import outputs
from symbiosis import results as results_module
from symbiosis.cli import main

from .conftest import DATA, ROOT

SCENARIO = str(DATA / "scenarios" / "tiny-baseline.yaml")


def _run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def result_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("r") / "out"
    assert _run("run", SCENARIO, "-o", out, "-q").exit_code == 0
    return out


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    """A folder of a user's own files, named like the files symbiosis writes."""
    mine = tmp_path / "mine"
    shutil.copytree(DATA / "tiny-park", mine)
    for name in ("kpis.json", "links.csv", "compare.csv", "report.html", "map.png", "x.xlsx",
                 "x.geojson"):
        (mine / name).write_text(f"my own {name}\n")
    return mine


def test_no_command_changes_a_folder_of_a_users_own_files(user_folder, result_folder,
                                                          tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"name: s\nbase: {SCENARIO}\n")
    before = _snapshot(user_folder)
    attempts = {
        "run -o": ["run", SCENARIO, "-o", user_folder],
        "run -o a model": ["run", user_folder, "-o", user_folder],
        "sweep -o": ["sweep", sweep, "-o", user_folder],
        "generate -o": ["generate", "--firms", "3", "-o", user_folder],
        "report -o": ["report", result_folder, "-o", user_folder / "streams.csv"],
        "report -o html": ["report", result_folder, "-o", user_folder / "report.html"],
        "report --png": ["report", result_folder, "-o", tmp_path / "p.html", "--png",
                         user_folder],
        "report --xlsx": ["report", result_folder, "-o", tmp_path / "p.html", "--xlsx",
                          user_folder / "x.xlsx"],
        "report --xlsx model": ["report", result_folder, "-o", tmp_path / "p.html", "--xlsx",
                                user_folder / "firms.csv"],
        "report --geojson": ["report", result_folder, "-o", tmp_path / "p.html", "--geojson",
                             user_folder / "x.geojson"],
        "compare --csv": ["compare", result_folder, "--csv", user_folder / "firms.csv"],
        "compare --csv compare.csv": ["compare", result_folder, "--csv",
                                      user_folder / "compare.csv"],
        "compare --png": ["compare", result_folder, "--png", user_folder / "map.png", "--x", "a"],
        "targets --png": ["targets", user_folder, "--png", user_folder],
    }
    for what, args in attempts.items():
        result = _run(*args)
        assert result.exit_code == 2, f"{what}: {result.output}"
        assert "Traceback" not in result.output, what
        assert _snapshot(user_folder) == before, f"{what} changed the user's folder"
    assert not (tmp_path / "p.html").exists()  # refused before anything was written


def test_commands_replace_their_own_output(result_folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "again"
    shutil.copytree(result_folder, out)
    assert _run("run", SCENARIO, "-o", out, "-q").exit_code == 0
    for _ in range(2):
        assert _run("generate", "--firms", "3", "-o", tmp_path / "gen").exit_code == 0
        assert _run("report", out, "-o", tmp_path / "p.html", "--png", tmp_path / "png",
                    "--xlsx", tmp_path / "p.xlsx").exit_code == 0
        assert _run("compare", out, "--csv", tmp_path / "c.csv").exit_code == 0
    assert outputs.marker_kind(tmp_path / "gen") == "generated-model"
    assert outputs.marker_kind(tmp_path / "png") == "figures"
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_one_kind_never_replaces_another(result_folder, tmp_path):
    gen = tmp_path / "gen"
    assert _run("generate", "--firms", "3", "-o", gen).exit_code == 0
    result = _run("run", SCENARIO, "-o", gen)
    assert result.exit_code == 2 and "generated-model folder" in result.output
    copy = tmp_path / "res"
    shutil.copytree(result_folder, copy)
    result = _run("generate", "--firms", "3", "-o", copy)
    assert result.exit_code == 2 and "is a result folder" in result.output


def test_a_result_folder_from_before_the_marker_is_still_replaced(result_folder, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(result_folder, old)
    (old / outputs.MARKER).unlink()
    assert _run("run", SCENARIO, "-o", old, "-q").exit_code == 0
    assert outputs.marker_kind(old) == "result"


def test_a_marked_result_folder_with_a_users_file_is_refused(result_folder, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(result_folder, out)
    (out / "notes.txt").write_text("mine")
    result = _run("run", SCENARIO, "-o", out)
    assert result.exit_code == 2 and "notes.txt" in result.output
    assert (out / "notes.txt").read_text() == "mine"


def test_a_name_made_from_a_scenario_never_leaves_the_results_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.txt").write_text("important")
    shutil.copytree(DATA / "tiny-park", tmp_path / "tiny-park")
    for name, folder in (("..", "result"), ("../../etc", "etc"), ("." * 300, "result"),
                         ("x" * 300, "x" * 100)):
        scenario = tmp_path / "s.yaml"
        scenario.write_text(json.dumps({"name": name, "model": "tiny-park"}))
        monkeypatch.chdir(work)
        result = _run("run", scenario, "-q")
        assert result.exit_code == 0, result.output
        assert (work / "results" / folder / "kpis.json").is_file(), name
        assert (work / "thesis.txt").read_text() == "important"
        assert sorted(p.name for p in work.iterdir()) == ["results", "thesis.txt"]


@pytest.mark.parametrize("where, expected", [
    (lambda t: t / "afile" / "out", "is a file, not a folder"),
    (lambda t: t / ("n" * 300), "300 characters long"),
    (lambda t: t, "working folder"),
    (lambda t: Path("/proc"), "mount point"),
])
def test_output_locations_are_checked_before_the_solve(tmp_path, monkeypatch, where,
                                                       expected):
    (tmp_path / "afile").write_text("mine")
    monkeypatch.chdir(tmp_path)
    import symbiosis.pipeline as pipeline

    def never(*args, **kwargs):
        raise AssertionError("solved before the output location was checked")

    monkeypatch.setattr(pipeline, "optimise", never)
    result = _run("run", SCENARIO, "-o", where(tmp_path))
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert (tmp_path / "afile").read_text() == "mine"


def test_a_read_only_place_is_found_before_the_solve(tmp_path, monkeypatch):
    import symbiosis.pipeline as pipeline

    real_mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if self.parent == tmp_path:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    monkeypatch.setattr(pipeline, "optimise", lambda *a, **k: pytest.fail("solved"))
    result = _run("run", SCENARIO, "-o", tmp_path / "out")
    assert result.exit_code == 2 and "Read-only file system" in result.output


def test_report_targets_a_file_and_a_folder_as_asked(result_folder, tmp_path):
    (tmp_path / "afile").write_text("mine")
    (tmp_path / "adir").mkdir()
    result = _run("report", result_folder, "-o", tmp_path / "p.html", "--png",
                  tmp_path / "afile")
    assert result.exit_code == 2 and "is not a folder" in result.output
    result = _run("report", result_folder, "-o", tmp_path / "p.html", "--xlsx",
                  tmp_path / "adir")
    assert result.exit_code == 2 and "is a folder" in result.output
    assert not (tmp_path / "p.html").exists()


# --- faults while writing -----------------------------------------------------------------------


def test_a_full_disk_is_a_clear_error_and_the_old_result_stays(result_folder, tmp_path,
                                                               monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(result_folder, out)
    before = _snapshot(out)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results_module.nx, "write_graphml", full)
    result = _run("run", SCENARIO, "-o", out, "-q")
    assert result.exit_code == 2, result.output
    assert "No space left on device" in result.output and "kept" in result.output
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


KILLED_AT = """
import os, sys
from symbiosis import outputs
real = os.replace
calls = []
def replace(a, b):
    calls.append((a, b))
    real(a, b)
    if len(calls) == {after}:
        os._exit(9)  # as kill -9: no cleanup runs
outputs.os.replace = replace
{exchange}
from symbiosis.cli import main
sys.argv = ["symbiosis", "run", {scenario!r}, "-o", {out!r}, "-q"]
main()
"""


def _killed_run(out: Path, after: int, exchange: bool) -> None:
    code = KILLED_AT.format(after=after, scenario=SCENARIO, out=str(out),
                            exchange="" if exchange else "outputs._exchange = lambda a, b: False")
    if exchange:  # kill right after the atomic exchange, before the old folder is removed
        code = code.replace("outputs.os.replace = replace", """
real_rmtree = outputs.shutil.rmtree
def rmtree(path, *a, **k):
    if outputs.marker_kind(path) == "result":
        os._exit(9)
    real_rmtree(path, *a, **k)
outputs.shutil.rmtree = rmtree""")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 9, proc.stderr


def test_a_kill_between_the_two_renames_is_recovered_by_the_next_run(result_folder, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(result_folder, out)
    before = _snapshot(out)
    _killed_run(out, after=1, exchange=False)  # OUT moved aside, the new one not yet in
    assert not out.exists()
    assert any(".out.old-" in p.name for p in tmp_path.iterdir())
    outputs.recover(out)  # what every command does first
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_kill_after_the_atomic_swap_leaves_nothing_that_accumulates(result_folder, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(result_folder, out)
    for _ in range(3):
        _killed_run(out, after=0, exchange=True)
        assert (out / "kpis.json").is_file()  # there is always an OUT
        # each run removes what the killed one before it left: one leftover at most
        assert len([p for p in tmp_path.iterdir() if p.name != "out"]) == 1
    assert _run("run", SCENARIO, "-o", out, "-q").exit_code == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_the_atomic_exchange_swaps_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x").write_text("a"), (b / "x").write_text("b")
    if not outputs._exchange(a, b):
        pytest.skip("no renameat2 here")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_leftovers_of_a_live_writer_are_kept(tmp_path):
    out = tmp_path / "out"
    live = tmp_path / f".out.tmp-{os.getppid()}-0123abcd"
    live.mkdir()
    (live / outputs.MARKER).write_text("result\n")
    dead = tmp_path / ".out.tmp-4194303-0123abcd"
    dead.mkdir()
    (dead / outputs.MARKER).write_text("result\n")
    outputs.recover(out)
    assert live.exists() and not dead.exists()


# --- determinism, CSV injection, closed pipes ---------------------------------------------------


def test_every_result_file_is_byte_identical_but_the_timings(tmp_path):
    for name in ("a", "b"):
        assert _run("run", SCENARIO, "-o", tmp_path / name, "-q").exit_code == 0
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert set(a) == set(b)
    for file in a:
        if file != "kpis.json":
            assert a[file] == b[file], file
    ka, kb = json.loads(a["kpis.json"]), json.loads(b["kpis.json"])
    ka.pop("timings_s"), kb.pop("timings_s")
    assert json.dumps(ka, indent=2) == json.dumps(kb, indent=2)


def test_text_cells_that_start_like_a_formula_are_quoted(tmp_path):
    park = tmp_path / "park"
    shutil.copytree(DATA / "tiny-park", park)
    for file in ("firms.csv", "streams.csv"):
        path = park / file
        path.write_text(path.read_text().replace("A,", "=HYPERLINK(1),", 1)
                        if file == "firms.csv" else path.read_text().replace(",A,", ",=HYPERLINK(1),"))
    assert "=HYPERLINK(1)" in (park / "firms.csv").read_text()
    out = tmp_path / "out"
    result = _run("run", park, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    raw = (out / "firms.csv").read_text()
    assert "\n'=HYPERLINK(1)," in raw and "\n=HYPERLINK" not in raw
    firms = pd.read_csv(out / "firms.csv")
    assert firms.savings.dtype == float and (firms.savings.abs() > 0).any()
    assert pd.api.types.is_numeric_dtype(pd.read_csv(out / "objective.csv").baseline_cost)
    # read back by the report, the id is the firm's own again
    from symbiosis.report.folder import read_result_folder
    tables = read_result_folder(out)
    assert "=HYPERLINK(1)" in set(tables.firms.firm_id)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-x", "@a", "\tx", "'=x", "'", "plain", "-5"])
def test_escaping_a_cell_is_undone_exactly(text):
    escaped = outputs.escape_cell(text)
    assert not str(escaped).startswith(("=", "+", "-", "@", "\t"))
    assert outputs.unescape_cell(escaped) == text
    assert outputs.escape_cell(-5.0) == -5.0  # a number stays a number


def test_a_closed_pipe_ends_quietly_with_the_commands_own_exit_code(tmp_path):
    script = Path(sys.executable).parent / "symbiosis"
    cmd = [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["run", SCENARIO, "-o", str(tmp_path / "out")], ["doctor"],
                 ["validate", SCENARIO]):
        proc = subprocess.Popen(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, cwd=tmp_path)
        proc.stdout.close()  # `| head` that has read enough
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=300) == 0, err
        assert "error" not in err.lower(), err


def test_a_result_hidden_by_an_earlier_version_is_put_back(result_folder, tmp_path):
    """Before this module, a kill between the renames left `.OUT.old-<pid>` and no OUT."""
    out = tmp_path / "out"
    hidden = tmp_path / ".out.old-4194303"
    shutil.copytree(result_folder, hidden)
    (hidden / outputs.MARKER).unlink()
    before = (hidden / "kpis.json").read_bytes()
    result = _run("report", tmp_path / "nothing", "-o", tmp_path / "p.html")
    assert result.exit_code == 2  # not a folder: reading never recovers
    results_module.check_output_folder(out)
    assert (out / "kpis.json").read_bytes() == before and not hidden.exists()


def test_sweep_and_compare_tables_quote_formula_cells(tmp_path):
    from symbiosis.batch.runner import read_summary

    frame = pd.DataFrame({"status": ["optimal", "error"], "reason": ["", "=cmd|' /C calc'!A0"],
                          "savings": [-5.0, 1.0]},
                         index=pd.Index(["-base", "@x"], name="variant"))
    (tmp_path / "summary.csv").write_text(outputs.csv_safe(frame).to_csv(lineterminator="\n"))
    raw = (tmp_path / "summary.csv").read_text()
    assert "'-base" in raw and "'@x" in raw and "'=cmd" in raw and "-5.0" in raw
    back = read_summary(tmp_path)
    assert list(back.index) == ["-base", "@x"] and back.reason.iloc[1].startswith("=cmd")
    assert back.savings.iloc[0] == -5.0


def test_a_disk_full_before_the_first_file_is_a_clear_error_too(result_folder, tmp_path,
                                                                monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(result_folder, out)
    before = _snapshot(out)
    real = Path.write_text

    def full(self, *args, **kwargs):
        if self.name == outputs.MARKER:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    result = _run("run", SCENARIO, "-o", out, "-q")
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert _snapshot(out) == before and [p.name for p in tmp_path.iterdir()] == ["out"]
