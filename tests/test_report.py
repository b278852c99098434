"""The planner's report without a browser: numbers on the page equal the files, PNGs, GeoJSON,
Excel, sweep folders, and bad input."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from plotly.offline import get_plotlyjs

import symbiosis as sb
from symbiosis.cli import main
from symbiosis.report import default_page_path, make_report
from symbiosis.report.folder import ROUND_TRIP

from .conftest import DATA, ROOT, make_park

pytestmark = pytest.mark.solver

SCENARIO = str(DATA / "scenarios" / "tiny-baseline.yaml")
CSV = {**ROUND_TRIP, "dtype": {"from_stream": str, "to_stream": str}}
SCRAP = dict(resource="scrap", transport_cost=1.0, purchase_price=100.0, disposal_cost=20.0)
WATER = dict(resource="water", category="water", unit="m3", mode="pipe", transport_cost=0.01,
             purchase_price=0.5, disposal_cost=0.3)


def geo_park(fixed_cost: float = 0.0) -> sb.Park:
    """Four firms near Bac Ninh (lat, lon): scrap and water links, one pair too far."""
    return make_park({"A": (21.10, 106.00), "B": (21.11, 106.01), "C": (21.12, 106.03),
                      "Z": (21.60, 106.50)}, [SCRAP, WATER],
                     [("sa", "A", "supply", "scrap", 10), ("db", "B", "demand", "scrap", 8),
                      ("dc", "C", "demand", "scrap", 8), ("dz", "Z", "demand", "scrap", 8),
                      ("wa", "A", "supply", "water", 500), ("wc", "C", "demand", "water", 400)],
                     geographic=True, links={"truck": {"fixed_cost": fixed_cost}})


@pytest.fixture(scope="session")
def geo_folder(tmp_path_factory) -> Path:
    return sb.optimise(geo_park(), name="geo").to_folder(tmp_path_factory.mktemp("g") / "geo")


@pytest.fixture(scope="session")
def plane_folder(tmp_path_factory) -> Path:
    return sb.run(SCENARIO).to_folder(tmp_path_factory.mktemp("p") / "tiny")


@pytest.fixture(scope="session")
def sweep_folder(tmp_path_factory) -> Path:
    """A sweep folder as FORMAT §5 describes it: one result folder per variant + summary.csv."""
    root = tmp_path_factory.mktemp("s") / "fee"
    rows = []
    for name, fee in (("base", 0.0), ("fee-300", 300.0), ("fee-5000", 5000.0)):
        result = sb.optimise(geo_park(fee), name=name)
        result.to_folder(root / name)
        k = result.kpis
        rows.append({"variant": name, "status": k["status"], "total_cost": k["total_cost"],
                     "savings": k["savings"], "co2_t": k["co2_t"],
                     "co2_avoided_t": k["co2_avoided_t"], "links_built": k["links_built"],
                     "links.truck.fixed_cost": fee})
    pd.DataFrame(rows).to_csv(root / "summary.csv", index=False)
    return root


class PageNumbers(HTMLParser):
    """Collect data-kpi values, table cells by table id and row, plot div ids."""

    def __init__(self) -> None:
        super().__init__()
        self.kpis: dict[str, list[tuple[str | None, str]]] = {}
        self.rows: dict[str, list[dict[str, str]]] = {}
        self.row_keys: dict[str, list[str | None]] = {}
        self.ids: list[str] = []
        self.table: str | None = None
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if "data-kpi" in a:
            self.kpis.setdefault(a["data-kpi"], []).append((a.get("data-unit"),
                                                            a["data-value"]))
        if tag == "table":
            self.table = a.get("id")
            self.rows[self.table], self.row_keys[self.table] = [], []
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.table and self.in_body:
            self.rows[self.table].append({})
            self.row_keys[self.table].append(a.get("data-link") or a.get("data-variant"))
        elif tag == "td" and self.table:
            self.rows[self.table][-1][a["data-col"]] = a["data-value"]

    def handle_endtag(self, tag):
        if tag == "table":
            self.table, self.in_body = None, False


def parse(page: Path) -> PageNumbers:
    parser = PageNumbers()
    parser.feed(page.read_text(encoding="utf-8"))
    for table in parser.rows:  # drop the header row
        parser.rows[table] = [r for r in parser.rows[table] if r]
    return parser


def _same(value: str, expected) -> bool:
    if pd.isna(expected):
        return value == ""
    if isinstance(expected, str):
        return value == expected
    return float(value) == float(expected)


def test_page_numbers_equal_kpis_and_links(geo_folder, tmp_path):
    page = tmp_path / "r.html"
    make_report(geo_folder, page)
    found = parse(page)
    kpis = json.loads((geo_folder / "kpis.json").read_text())
    for key in ("savings", "total_cost", "co2_t", "co2_avoided_t", "links_built",
                "annualised_capex"):
        assert [v for _, v in found.kpis[key]] and float(found.kpis[key][0][1]) == kpis[key]
    material = sum(r["exchanged"] for n, r in kpis["resources"].items() if n == "scrap")
    assert found.kpis["waste_diverted"] == [("t", repr(float(material)))]
    assert float(found.kpis["water_recovered"][0][1]) == kpis["resources"]["water"]["delivered"]
    links = pd.read_csv(geo_folder / "links.csv", **CSV)
    rows = found.rows["link-table"]
    assert found.row_keys["link-table"] == list(links.from_stream + "->" + links.to_stream)
    for row, (_, link) in zip(rows, links.iterrows()):
        for column, value in row.items():
            assert _same(value, link[column]), (column, value, link[column])
    assert len(rows) == kpis["links_built"] == 3


def test_page_firm_and_why_not_tables_equal_the_files(geo_folder, tmp_path):
    page = tmp_path / "r.html"
    make_report(geo_folder, page)
    found = parse(page)
    firms = pd.read_csv(geo_folder / "firms.csv", **CSV).set_index("firm_id")
    for row in found.rows["firm-table"]:
        for column in ("savings", "cost", "baseline_cost", "co2_t"):
            assert float(row[column]) == firms.loc[row["firm_id"], column]
    why = pd.read_csv(geo_folder / "why_not.csv", **CSV)
    assert [r["reason"] for r in found.rows["why-not-table"]] == list(why.reason)
    assert [float(r["potential_value"]) for r in found.rows["why-not-table"]] == list(
        why.potential_value)
    assert list(why.to_stream) == ["dz"] and list(why.reason) == ["too_far"]


def test_page_is_self_contained_and_deterministic(geo_folder, tmp_path):
    make_report(geo_folder, tmp_path / "a.html")
    make_report(geo_folder, tmp_path / "b.html")
    text = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert text.count(get_plotlyjs()[:500]) == 1  # plotly.js inlined once
    ours = text.replace(get_plotlyjs(), "")  # plotly.js itself names URLs it never uses here
    assert "<script src" not in ours and "http" not in ours.lower().replace("http-equiv", "")
    ids = parse(tmp_path / "a.html").ids
    assert {"map-plot", "sankey-plot", "breakdown-plot", "firm-table", "link-table"} <= set(ids)
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_planar_model_page_and_geojson_refused(plane_folder, tmp_path):
    result = CliRunner().invoke(main, ["report", str(plane_folder), "-o", str(tmp_path / "r.html"),
                                       "--geojson", str(tmp_path / "x.geojson")])
    assert result.exit_code == 2
    assert "network.graphml" in result.output and "lat, lon" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()  # checks come before any file is written
    ok = CliRunner().invoke(main, ["report", str(plane_folder), "-o", str(tmp_path / "r.html")])
    assert ok.exit_code == 0, ok.output
    assert "x (km)" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_geojson_has_firm_points_and_link_lines(geo_folder, tmp_path):
    out = tmp_path / "park.geojson"
    make_report(geo_folder, tmp_path / "r.html", geojson=out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    firms = [f for f in data["features"] if f["properties"]["kind"] == "firm"]
    links = [f for f in data["features"] if f["properties"]["kind"] == "link"]
    assert {f["properties"]["firm_id"]: f["geometry"]["coordinates"] for f in firms} == {
        "A": [106.00, 21.10], "B": [106.01, 21.11], "C": [106.03, 21.12], "Z": [106.50, 21.60]}
    assert all(f["geometry"]["type"] == "Point" for f in firms)
    table = pd.read_csv(geo_folder / "links.csv", **CSV)
    assert len(links) == len(table)
    ab = next(f for f in links if f["properties"]["to_stream"] == "db")
    assert ab["geometry"] == {"type": "LineString",
                              "coordinates": [[106.00, 21.10], [106.01, 21.11]]}
    assert ab["properties"]["flow"] == table.set_index("to_stream").flow["db"]


def test_workbook_has_every_table(geo_folder, tmp_path):
    out = tmp_path / "park.xlsx"
    make_report(geo_folder, tmp_path / "r.html", xlsx=out)
    book = openpyxl.load_workbook(out, read_only=True)
    assert {"kpis", "links", "firms", "resources", "objective", "why_not", "streams",
            "rejected_pairs", "heat_transfers", "heat_pumps"} <= set(book.sheetnames)
    links = pd.read_excel(out, sheet_name="links")
    assert len(links) == 3 and list(links.columns[:4]) == ["from_firm", "from_stream",
                                                           "to_firm", "to_stream"]


def test_pngs_are_drawn_and_byte_stable(geo_folder, tmp_path):
    make_report(geo_folder, tmp_path / "r.html", png_dir=tmp_path / "a")
    make_report(geo_folder, tmp_path / "r.html", png_dir=tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir() if p.name != ".symbiosis-output")
    assert names == ["firm_savings.png", "map.png", "objective.png", "sankey.png"]
    for name in names:
        data = (tmp_path / "a" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
        assert data == (tmp_path / "b" / name).read_bytes(), name


def test_sweep_folder_gives_the_comparison_with_deltas(sweep_folder, tmp_path):
    page = tmp_path / "sweep.html"
    lines = make_report(sweep_folder, page, png_dir=tmp_path / "png", xlsx=tmp_path / "s.xlsx")
    assert len(lines) == 4
    found = parse(page)
    summary = pd.read_csv(sweep_folder / "summary.csv", **ROUND_TRIP)
    rows = found.rows["sweep-table"]
    assert found.row_keys["sweep-table"] == ["base", "fee-300", "fee-5000"]
    base = summary.savings[0]
    for row, (_, expected) in zip(rows, summary.iterrows()):
        assert float(row["savings"]) == expected.savings
        assert float(row["delta_savings"]) == expected.savings - base
    assert float(rows[2]["delta_savings"]) < 0  # a high fee loses links
    assert {"sweep-savings-plot", "sweep-co2-t-plot"} <= set(found.ids)
    assert sorted(p.name for p in (tmp_path / "png").iterdir()
                  if p.name != ".symbiosis-output") == ["co2_t.png", "savings.png"]


@pytest.mark.parametrize("break_it, named", [
    (lambda f: (f / "kpis.json").unlink(), "kpis.json"),
    (lambda f: (f / "links.csv").write_text("a,b\n1,2\n"), "links.csv"),
    (lambda f: (f / "kpis.json").write_text("{not json"), "kpis.json"),
    (lambda f: (f / "network.graphml").write_text("<graphml"), "network.graphml"),
])
def test_bad_folder_exits_2_naming_the_file(geo_folder, tmp_path, break_it, named):
    import shutil

    folder = tmp_path / "broken"
    shutil.copytree(geo_folder, folder)
    break_it(folder)
    result = CliRunner().invoke(main, ["report", str(folder), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2, result.output
    assert named in result.output and "Traceback" not in result.output


def test_not_a_folder_and_writing_inside_the_result_are_refused(geo_folder, tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "is not a folder" in result.output
    inside = CliRunner().invoke(main, ["report", str(geo_folder), "-o",
                                       str(geo_folder / "report.html")])
    assert inside.exit_code == 2 and "inside the result folder" in inside.output
    assert not (geo_folder / "report.html").exists()


def test_default_page_is_beside_the_folder(geo_folder):
    assert default_page_path(geo_folder) == geo_folder.resolve().with_name("geo-report.html")


def test_result_plot_methods_return_plotly_figures():
    result = sb.optimise(geo_park(), name="geo")
    fig = result.plot_map()
    firms_traces = [t for t in fig.data if t.meta == "firms"]
    assert sum(len(t.x) for t in firms_traces) == 4
    assert sum(len(t.x) for t in fig.data if t.meta == "link-midpoints") == len(result.links)
    sankey = result.plot_sankey().data[0]
    assert sum(sankey.link.value) == pytest.approx(2 * result.links.flow.sum())


def test_docs_describe_the_report():
    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    for word in ("why_not.csv", "--png", "--geojson", "--xlsx", "QGIS", "supply_used_elsewhere"):
        assert word in text
