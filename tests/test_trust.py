"""Trustworthy answers (issue 10): empty result tables, treated qualities, heat yields,
fuel by-products, and why-not numbers that are the model's own, each on a park solvable by
hand."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.cli import main
from symbiosis.results import RESULT_FILES
from symbiosis.why_not import WHY_NOT_COLUMNS

from .conftest import heat_park, make_park

pytestmark = pytest.mark.solver

# Linnhoff & Hindmarsh (1983), four streams, ΔTmin 10 K: hot utility 20, cold utility 60.
LH_STREAMS = """stream_id,firm_id,direction,resource,quantity,t_in,t_out
H1,F,supply,heat,330,170,60
H2,F,supply,heat,180,150,30
C1,F,demand,heat,230,20,135
C2,F,demand,heat,240,80,140
"""


def _write_model(folder: Path, streams: str, resources: str, **tables: str) -> Path:
    folder.mkdir()
    (folder / "model.yaml").write_text("name: hand park\nheat: {min_approach_c: 10}\n")
    (folder / "firms.csv").write_text("firm_id,name,park,sector,x_km,y_km\nF,Plant,P,s,0,0\n")
    (folder / "resources.csv").write_text(resources)
    (folder / "streams.csv").write_text(streams)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def test_run_on_a_park_whose_why_not_table_is_empty_exits_0_at_the_targets(tmp_path):
    """Every pair of the four streams is built, none is rejected: why_not.csv is empty."""
    model = _write_model(tmp_path / "lh", LH_STREAMS,
                         "resource,category,unit,mode,purchase_price,disposal_cost\n"
                         "heat,heat,kW,pipe,1,0.5\n")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["run", str(model), "-o", str(out)])
    assert run.exit_code == 0, run.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["heat"]["hot_utility"] == pytest.approx(20)
    assert kpis["heat"]["cold_utility"] == pytest.approx(60)
    assert kpis["savings"] == pytest.approx(1.0 * (470 - 20) + 0.5 * (510 - 60))
    why = pd.read_csv(out / "why_not.csv")
    assert list(why.columns) == WHY_NOT_COLUMNS and why.empty
    assert pd.read_csv(out / "rejected_pairs.csv").empty
    report = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "page.html")])
    assert report.exit_code == 0, report.output


SCRAP = dict(resource="scrap", purchase_price=100.0, disposal_cost=20.0)

EMPTY_CASES = {
    "no compatible pair": lambda: make_park(
        {"A": (0, 0)}, [SCRAP, dict(resource="oil")],
        [("s", "A", "supply", "scrap", 5), ("d", "A", "demand", "oil", 5)]),
    "demands only": lambda: make_park({"A": (0, 0)}, [SCRAP], [("d", "A", "demand", "scrap", 5)]),
    "only a rejected pair": lambda: make_park(
        {"A": (0, 0), "B": (100, 0)}, [SCRAP],
        [("s", "A", "supply", "scrap", 5), ("d", "B", "demand", "scrap", 5)]),
    "heat supply only": lambda: heat_park([("H", "supply", 100, 60, 40)]),
    "heat, every pair built": lambda: heat_park([("H", "supply", 100, 120, 40),
                                                 ("C", "demand", 50, 20, 60)]),
}


@pytest.mark.parametrize("objective", ["cost", "co2"])
@pytest.mark.parametrize("case", list(EMPTY_CASES))
def test_every_result_table_can_be_empty(case, objective, tmp_path):
    result = sb.optimise(EMPTY_CASES[case](), objective=objective)
    out = result.to_folder(tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
    assert list(pd.read_csv(out / "why_not.csv").columns) == WHY_NOT_COLUMNS
    expected = {"only a rejected pair": 1, "heat, every pair built": 0}.get(case, 0)
    assert len(result.why_not) == expected
    assert result.kpis["savings"] == pytest.approx(75.0 if case.startswith("heat, every") else 0)
