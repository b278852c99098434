"""`make run` installs what running needs; `make test` adds the test extras (issue 11: the run
install was 818 MB, 165 MB of it the browser-test driver)."""
from __future__ import annotations

import re
import tomllib

from .conftest import ROOT

TEST_ONLY = ("pytest", "playwright", "dask")


def _recipe(makefile: str, target: str) -> str:
    """The recipe lines of a rule whose target is `target` (a variable reference as written)."""
    m = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert m, f"no rule for {target}"
    return m.group(1)


def test_make_run_installs_no_test_extras_and_make_test_installs_them():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_needs = re.search(r"^run:\s*(.*)$", makefile, re.M).group(1).split()
    test_needs = re.search(r"^test:\s*(.*)$", makefile, re.M).group(1).split()
    assert run_needs == ["$(RUN_STAMP)"] and test_needs == ["$(TEST_STAMP)"]
    run_install = _recipe(makefile, "$(RUN_STAMP)")
    assert "pip install --quiet -e .\n" in run_install and "[" not in run_install
    assert "-e '.[test,dask]'" in _recipe(makefile, "$(TEST_STAMP)")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"])
    assert not any(name in core for name in TEST_ONLY)
    extras = project["optional-dependencies"]
    assert any(d.startswith("playwright") for d in extras["test"])
    assert any(d.startswith("dask") for d in extras["dask"])
