"""Start-up: `symbiosis --help` and `validate` load neither Pyomo nor HiGHS (lazy imports)."""
from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

PROBE = """
import sys
from click.testing import CliRunner
from symbiosis.cli import main
for args in (["--help"], ["validate", "models/bac-ninh-electronics"]):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
heavy = [m for m in ("pyomo", "highspy", "plotly", "matplotlib") if m in sys.modules]
print(",".join(heavy))
"""


def test_help_and_validate_load_no_solver():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "", f"loaded at start-up: {out.stdout.strip()}"


def test_public_names_resolve_lazily():
    import symbiosis as sb

    for name in sb.__all__:
        assert getattr(sb, name) is not None, name
    assert "optimise" in dir(sb)
