"""Every snippet of the README's tour runs, as written, so the tour cannot break again.

The commands (`.venv/bin/symbiosis ...` lines of the ```sh blocks) run through the CLI in this
process, the ```python blocks run in order in one namespace (as in a notebook), and the
```yaml blocks are checked as a scenario and a sweep file. Everything runs in a temporary copy
of `models/` and `scenarios/`, so the snippets' relative output paths (`results/...`, `e.html`)
land there and never in the repository.
"""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from symbiosis.cli import main

from .conftest import ROOT

README = ROOT / "README.md"
COMMAND = ".venv/bin/symbiosis"
QUICK_START = ["make run", "make test"]  # run by .ci/run on a fresh clone, not from here


def blocks(language: str) -> list[str]:
    """The README's fenced blocks of one language, in order."""
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)


def commands() -> list[str]:
    """The `.venv/bin/symbiosis ...` lines of the ```sh blocks (continuations joined)."""
    found = []
    for block in blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith(COMMAND):
                found.append(line.strip())
    return found


def make_run_command() -> str:
    """What `make run` runs, read from the Makefile: the report snippet reads its output."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    values = dict(re.findall(r"^(SCENARIO|OUT)\s*\?=\s*(\S+)", makefile, re.M))
    return f"{COMMAND} run {values['SCENARIO']} -o {values['OUT']}"


COMMANDS = commands()
SLOW = ("sweep", "compare")  # a real sweep of 17 variants, and the comparison of it


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A copy of the models and scenarios, where the snippets run and write."""
    root = tmp_path_factory.mktemp("readme")
    for folder in ("models", "scenarios"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def _invoke(workspace: Path, line: str, monkeypatch) -> tuple[int, str]:
    args = shlex.split(line, comments=True)
    assert args[0] == COMMAND, line
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(main, args[1:])
    return result.exit_code, result.output + (repr(result.exception) if result.exception
                                              and not isinstance(result.exception, SystemExit)
                                              else "")


_done: set[str] = set()


def _run_line(workspace: Path, line: str, monkeypatch) -> None:
    code, output = _invoke(workspace, line, monkeypatch)
    _done.add(line)
    assert code == 0, f"README: `{line}` exited with {code}\n{output}"


def _needs(line: str) -> list[str]:
    """The lines an earlier snippet (or `make run`) must have run first: those writing a path
    this line reads."""
    earlier = [make_run_command(), *COMMANDS[:COMMANDS.index(line)]] if line in COMMANDS \
        else [make_run_command(), *COMMANDS]
    reads = set(shlex.split(line, comments=True)[2:])
    out = []
    for e in earlier:
        words = shlex.split(e, comments=True)
        written = {words[i + 1] for i, w in enumerate(words[:-1]) if w == "-o"}
        if written & reads and e != line:
            out.append(e)
    return out


def test_the_readme_has_a_tour():
    assert blocks("sh")[0].split() == " ".join(QUICK_START).split()
    assert len(COMMANDS) >= 9 and len(blocks("python")) >= 2 and len(blocks("yaml")) >= 2
    assert any(" sweep " in c for c in COMMANDS) and any(" report " in c for c in COMMANDS)


@pytest.mark.solver
@pytest.mark.parametrize("line", COMMANDS, ids=[" ".join(shlex.split(c, comments=True)[1:3]) for c in COMMANDS])
def test_readme_command_runs(workspace, line, monkeypatch):
    for earlier in _needs(line):
        if earlier not in _done:
            _run_line(workspace, earlier, monkeypatch)
    _run_line(workspace, line, monkeypatch)


@pytest.mark.solver
def test_readme_python_snippets_run_in_order(workspace, monkeypatch):
    """The notebook tour, then the own-constraint snippet, which uses its `park` and
    `result`: its row binds (the park builds more links without it) and costs savings."""
    monkeypatch.chdir(workspace)
    namespace: dict = {"__name__": "readme"}
    for i, code in enumerate(blocks("python")):
        exec(compile(code, f"README.md python block {i + 1}", "exec"), namespace)  # noqa: S102
    result = namespace["result"]
    assert (workspace / "results" / "mine" / "kpis.json").is_file()
    assert result.firms.index.name == "firm_id"
    capped = namespace["capped"]
    assert capped.status.has_solution and result.kpis["links_built"] > 20
    assert capped.kpis["links_built"] == 20
    assert capped.kpis["savings"] < result.kpis["savings"]
    assert capped.kpis["verification"]["ok"]


def test_readme_yaml_snippets_are_a_valid_scenario_and_sweep(workspace, monkeypatch):
    import symbiosis as sb
    from symbiosis.batch.spec import load_sweep

    scenario, sweep = blocks("yaml")[:2]
    (workspace / "scenarios" / "readme-scenario.yaml").write_text(scenario, encoding="utf-8")
    (workspace / "scenarios" / "readme-sweep.yaml").write_text(sweep, encoding="utf-8")
    loaded = sb.load_scenario(workspace / "scenarios" / "readme-scenario.yaml")
    assert loaded.scenario.name == "electronics-carbon-50"
    plan = load_sweep(workspace / "scenarios" / "readme-sweep.yaml")
    assert "without-F29" in plan.names and len(plan.names) == 1 + 16 + 1
