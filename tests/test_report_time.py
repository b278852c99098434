"""The report page of a `symbiosis time` folder: numbers equal the files, build years drawn."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from symbiosis.report import make_report
from symbiosis.timeline import optimise_time
from symbiosis.timeline.folder import write_time_folder

from .test_report import _same, parse
from .test_time import scrap_park, two_scenarios


def _number(page, element_id: str) -> float:
    found = re.search(f"id='{element_id}' data-value='([^']*)'", page.read_text())
    assert found, element_id
    return float(found.group(1))


def test_the_time_page_shows_build_years_and_the_year_table(tmp_path):
    folder = write_time_folder(optimise_time(scrap_park({"B": 2027})), tmp_path / "t")
    page = tmp_path / "t.html"
    assert make_report(folder, page) == [f"wrote {page}"]
    found = parse(page)
    assert "build-years-plot" in found.ids
    kpis = json.loads((folder / "kpis.json").read_text())
    assert _number(page, "total-cost") == pytest.approx(kpis["total_cost"], abs=0)
    assert _number(page, "savings") == pytest.approx(600.0)
    years = pd.read_csv(folder / "years.csv")
    rows = found.rows["years-table"]
    assert len(rows) == len(years) == 5
    for row, (_, expected) in zip(rows, years.iterrows()):
        for column in ("year", "cost", "links_in_use", "links_built"):
            assert _same(row[column], expected[column]), column
    links = found.rows["links-table"]
    assert [r["build_year"] for r in links] == ["2027"]
    with pytest.raises(Exception, match="time folder"):
        make_report(folder, tmp_path / "q.html", xlsx=tmp_path / "q.xlsx")


def test_the_time_page_states_vss_and_evpi(tmp_path):
    park, tables = two_scenarios()
    folder = write_time_folder(optimise_time(park, tables), tmp_path / "s")
    page = tmp_path / "s.html"
    make_report(folder, page)
    assert _number(page, "vss") == pytest.approx(100.0)
    assert _number(page, "evpi") == pytest.approx(150.0)
    assert len(parse(page).rows["scenarios-table"]) == 2


def test_the_time_page_shows_facilities_with_build_years_and_escapes_their_text(tmp_path):
    """The plant of tests/test_time_facilities.py (B arrives in 2028: built in 2028, size
    100), its id and name payloads: its row, its use in each state and its Gantt bar, the
    text inert."""
    from dataclasses import replace

    from .test_report import PAYLOAD, _assert_inert
    from .test_time_facilities import OPTIONS, plant_park

    park = plant_park(arrives={"B": 2028}, horizon={"start": 2025, "end": 2030})
    ident = "WRP" + PAYLOAD
    park = replace(park, facilities=park.facilities.assign(facility_id=ident, name=PAYLOAD))
    folder = write_time_folder(optimise_time(park, solver=OPTIONS), tmp_path / "f")
    page = tmp_path / "f.html"
    make_report(folder, page)
    found = parse(page)
    [row] = found.rows["facilities-table"]
    assert row["facility_id"] == ident and row["name"] == PAYLOAD  # the exact text, as text
    assert (row["built"], row["build_year"], row["years_in_use"]) == ("yes", "2028", "3")
    assert float(row["size"]) == pytest.approx(100.0)
    assert _number(page, "facilities-built") == 1
    use = found.rows["facility-states-table"]
    assert [r["state"] for r in use] == [str(y) for y in range(2025, 2031)]
    assert [float(r["input"]) for r in use] == pytest.approx([0.0] * 3 + [100.0] * 3)
    html_text = page.read_text(encoding="utf-8")
    assert "Links and facilities by build year" in html_text and " (facility)" in html_text
    assert 'data-col="build_year" data-value="2028">2028</td>' in html_text  # not 2,028
    plots = [i for i in found.ids if i.endswith("-plot")]
    assert plots == ["build-years-plot"]
    _assert_inert(page, plots=len(plots))
