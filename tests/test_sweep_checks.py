"""Sweeps that must not give a silent wrong answer or write before refusing (issue 11):
the hash of what each variant read, the variant limit, folder-name lengths, and the order of
the checks of the output folder."""
from __future__ import annotations

import pytest

import symbiosis as sb
from symbiosis.batch.runner import run_sweep
from symbiosis.batch.spec import load_sweep

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
