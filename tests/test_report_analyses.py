"""Report pages of the analyses (issue 14): the cost–CO2 front of a pareto folder and the
partner-exit section of a resilience folder; numbers equal the files, text stays text."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from symbiosis.analysis.pareto import pareto
from symbiosis.analysis.resilience import resilience
from symbiosis.report import make_report
from symbiosis.schema import ResilienceSettings
from symbiosis.solve import SolverOptions

from .test_pareto import two_link_park
from .test_report import PAYLOAD, _assert_inert, _same, hostile_park, parse
from .test_robust import hub_park

EXACT = SolverOptions(name="highspy", mip_gap=0.0)


@pytest.fixture(scope="module")
def front_folder(tmp_path_factory) -> Path:
    return pareto(two_link_park(), points=3, solver=EXACT).to_folder(
        tmp_path_factory.mktemp("p") / "front")


@pytest.fixture(scope="module")
def exits_folder(tmp_path_factory) -> Path:
    res = resilience(hub_park(), solver=EXACT, settings=ResilienceSettings(design="n_minus_1"))
    return res.to_folder(tmp_path_factory.mktemp("r") / "exits")


def test_the_pareto_page_shows_the_front_and_its_table_as_in_pareto_csv(front_folder,
                                                                        tmp_path):
    page = tmp_path / "p.html"
    assert make_report(front_folder, page) == [f"wrote {page}"]
    found = parse(page)
    assert "front-plot" in found.ids
    csv = pd.read_csv(front_folder / "pareto.csv", keep_default_na=False)
    rows = found.rows["pareto-table"]
    assert len(rows) == 3
    for row, (_, expected) in zip(rows, csv.iterrows()):
        for column in ("point", "total_cost", "co2_t", "links_built", "links_added",
                       "links_removed"):
            assert _same(row[column], expected[column]), column
    assert [r["marginal_abatement_cost"] for r in rows] == ["", "2.0", "12.0"]
    # one link added at point 1, one removed at point 2
    assert "links-changed" in found.ids and "data-value='2'" in page.read_text()
    with pytest.raises(Exception, match="pareto folder"):
        make_report(front_folder, tmp_path / "q.html", xlsx=tmp_path / "q.xlsx")


def test_the_resilience_section_shows_value_at_risk_and_the_robust_design(exits_folder,
                                                                          tmp_path):
    page = tmp_path / "r.html"
    make_report(exits_folder, page)
    found = parse(page)
    for element in ("resilience", "resilience-plot", "worst-exit", "robust",
                    "cost-of-robustness", "robust-links-table"):
        assert element in found.ids
    csv = pd.read_csv(exits_folder / "resilience.csv", dtype={"firm_id": str})
    rows = {r["firm_id"]: r for r in found.rows["resilience-table"]}
    assert set(rows) == set(csv.firm_id)
    for r in csv.itertuples():
        assert float(rows[r.firm_id]["value_at_risk"]) == r.value_at_risk
    assert rows["H"]["dependants"] == "R1 R2"
    robust = {r["firm_id"]: float(r["savings_kept"])
              for r in found.rows["robust-resilience-table"]}
    assert min(robust.values()) == 700
    assert "data-value='200.0'" in page.read_text()  # cost of robustness


def test_a_result_folder_without_exits_has_no_resilience_section(front_folder, tmp_path):
    page = tmp_path / "one.html"
    make_report(front_folder / "0", page)
    assert "resilience-table" not in parse(page).ids


def test_text_from_files_is_escaped_on_the_analyses_pages(tmp_path):
    res = resilience(hostile_park())
    folder = res.to_folder(tmp_path / "hostile")
    page = tmp_path / "h.html"
    make_report(folder, page)
    found = parse(page)
    _assert_inert(page, plots=len([i for i in found.ids if i.endswith("-plot")]))
    assert {r["firm_id"] for r in found.rows["resilience-table"]} >= {"A" + PAYLOAD}
    front = tmp_path / "front"
    front.mkdir()
    pd.DataFrame([{"point": 0, "total_cost": 1.0, "co2_t": 2.0, "links_added": PAYLOAD,
                   "links_removed": PAYLOAD, "status": PAYLOAD}]).to_csv(
        front / "pareto.csv", index=False)
    page = tmp_path / "f.html"
    make_report(front, page)
    found = parse(page)
    _assert_inert(page, plots=1)
    assert found.rows["pareto-table"][0]["links_added"] == PAYLOAD
