"""The report's firms before and after, the one-firm page (`report --firm`) and
`--anonymise`, on a hand-built park (docs/association.md)."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.cli import main
from symbiosis.report import make_report
from symbiosis.report.anonymise import pseudonyms

from .test_report import PAYLOAD, hostile_park

NAMES = {"A": "Alpha Metals Ltd", "B": "Beta Castings JSC", "C": "Gamma Dyeing Co"}


def named_park() -> sb.Park:
    """A gives 60 of its 100 t of scrap to B, 10 km away (as tests/test_esg.py); C, far
    away, only buys water. The names appear nowhere else."""
    firms = pd.DataFrame({"firm_id": list(NAMES), "name": list(NAMES.values()),
                          "park": "P", "sector": "metal", "x_km": [0.0, 10.0, 500.0],
                          "y_km": 0.0})
    resources = pd.DataFrame([
        dict(resource="scrap", category="material", unit="t", mode="truck",
             transport_cost=0.1, transport_co2=0.01, purchase_price=10.0, purchase_co2=1.0,
             disposal_cost=2.0, disposal_co2=0.5),
        dict(resource="water", category="water", unit="m3", mode="pipe", purchase_price=1.0)])
    streams = pd.DataFrame([
        dict(stream_id="S1", firm_id="A", direction="supply", resource="scrap", quantity=100.0),
        dict(stream_id="D1", firm_id="B", direction="demand", resource="scrap", quantity=60.0),
        dict(stream_id="D2", firm_id="C", direction="demand", resource="water", quantity=5.0)])
    return sb.park_from_frames({"name": "named"}, firms, resources, streams)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return sb.optimise(named_park(), name="named").to_folder(
        tmp_path_factory.mktemp("named") / "result")


def cells(page: str, measure: str) -> tuple[str, str]:
    row = re.search(rf'<tr data-measure="{measure}">(.*?)</tr>', page).group(1)
    return tuple(re.findall(r'data-col="(?:before|after)" data-value="([^"]*)"', row))


def test_firm_page_is_the_firms_sheet(folder, tmp_path):
    out = tmp_path / "b.html"
    assert make_report(folder, out, firm="B") == [f"wrote {out}"]
    page = out.read_text()
    esg = pd.read_csv(folder / "firms_esg.csv", dtype={"firm_id": str}).set_index("firm_id")
    for measure in ("recycled_input_t", "recycled_input_pct", "co2_transport_t", "co2_t",
                    "cost"):
        before, after = cells(page, measure)
        assert (float(before), float(after)) == (esg.loc["B", f"baseline_{measure}"],
                                                 esg.loc["B", measure]), measure
    assert cells(page, "cost") == ("600.0", "60.0")  # hand-solved in tests/test_esg.py
    receives = re.search(r'id="receives-table".*?</table>', page, re.S).group(0)
    assert "Alpha Metals Ltd" in receives
    assert re.search(r'data-col="delivered" data-value="60(\.0)?"', receives)
    assert '<h2 id="gives">What it gives (0 link(s))</h2>' in page
    assert "@media print" in page and "<script" not in page
    assert "Made by symbiosis" in page and 'data-kpi="savings"' in page


def test_unknown_firm_is_a_located_error(folder, tmp_path):
    r = CliRunner().invoke(main, ["report", str(folder), "--firm", "Z", "-o",
                                  str(tmp_path / "z.html")])
    assert r.exit_code == 2
    assert "firms_esg.csv, column firm_id: no firm 'Z' (--firm): its firms are A, B, C" \
        in r.output
    assert not (tmp_path / "z.html").exists()
    r = CliRunner().invoke(main, ["report", str(folder), "--firm", "A", "--xlsx",
                                  str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2 and "--firm" in r.output


def test_park_report_lists_every_firm_before_and_after(folder, tmp_path):
    make_report(folder, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    table = re.search(r'id="firms-esg-table".*?</table>', page, re.S).group(0)
    assert len(re.findall(r"<tr>", table)) == 1 + 3  # header and three firms
    assert 'data-col="recycled_input_pct" data-value="100.0"' in table


def test_anonymised_pages_name_no_firm(folder, tmp_path):
    assert pseudonyms(pd.Series(["B", "A", "C"])) == {"A": "Firm 01", "B": "Firm 02",
                                                      "C": "Firm 03"}
    for firm in (None, "B"):
        out = tmp_path / f"anon-{firm}.html"
        make_report(folder, out, firm=firm, anonymise=True)
        page = out.read_text()
        for name in NAMES.values():
            assert name not in page and html.escape(name) not in page, name
        assert "Firm 01" in page  # B's partner, or every firm in the park's page
        again = tmp_path / "again.html"
        make_report(folder, again, firm=firm, anonymise=True)
        assert again.read_bytes() == out.read_bytes()  # deterministic
    plain = tmp_path / "plain.html"
    make_report(folder, plain)
    assert "Alpha Metals Ltd" in plain.read_text()  # the names were there to hide


def test_firm_page_text_is_escaped(tmp_path):
    folder = sb.optimise(hostile_park(), name=PAYLOAD).to_folder(tmp_path / "h")
    out = tmp_path / "h.html"
    make_report(folder, out, firm="B")
    page = out.read_text()
    assert "<img src=x" not in page and "<script>document" not in page
    assert html.escape(PAYLOAD) in page  # A's name, B's partner, shown as text


def test_the_workbook_with_the_sheet_can_be_written_again(folder, tmp_path):
    """The report's --xlsx holds firms_esg as a sheet and is still recognised as its own."""
    import openpyxl

    out = tmp_path / "r.xlsx"
    make_report(folder, tmp_path / "r.html", xlsx=out)
    assert "firms_esg" in openpyxl.load_workbook(out).sheetnames
    first = out.read_bytes()
    make_report(folder, tmp_path / "r.html", xlsx=out)
    assert out.read_bytes() == first
