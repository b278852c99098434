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
    """A sweep folder as docs/format.md describes it: a result folder per variant, summary.csv."""
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
    assert {"map-plot", "sankey-material-plot", "sankey-water-plot", "breakdown-plot",
            "firm-table", "link-table"} <= set(ids)
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
    assert names == ["firm_savings.png", "map.png", "objective.png", "sankey_material.png",
                     "sankey_water.png"]
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


# --- text from files is text: no script in the page, no formula in the workbook -------------

# would change document.title if it ran as script, or close the <script> it sits in
PAYLOAD = ("</script><script>document.title='pwned'</script>"
           "<img src=x onerror=\"document.title='pwned'\"><!--")
CURRENCY = PAYLOAD + r"$\frac{"  # and a `$` would start matplotlib's mathtext
FORMULAS = ['=HYPERLINK("http://example.com","click")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def hostile_park() -> sb.Park:
    """Every text a model file can hold is a payload: names, sectors, parks, ids, units,
    currency; stream ids and names are spreadsheet formulas."""
    firms = pd.DataFrame({"firm_id": ["A" + PAYLOAD, "B"], "name": [PAYLOAD, FORMULAS[0]],
                          "park": [PAYLOAD, FORMULAS[3]], "sector": [PAYLOAD, FORMULAS[2]],
                          "x_km": [0.0, 1.0], "y_km": [0.0, 0.0]})
    resources = pd.DataFrame([dict(resource="scrap" + PAYLOAD, category="material",
                                   unit="t" + PAYLOAD, mode="truck", transport_cost=1.0,
                                   purchase_price=100.0, disposal_cost=20.0)])
    streams = pd.DataFrame([
        dict(stream_id=FORMULAS[0], firm_id="A" + PAYLOAD, direction="supply",
             resource="scrap" + PAYLOAD, quantity=10.0),
        dict(stream_id=FORMULAS[1], firm_id="B", direction="demand",
             resource="scrap" + PAYLOAD, quantity=8.0)])
    return sb.park_from_frames({"name": PAYLOAD, "currency": CURRENCY}, firms, resources,
                               streams)


@pytest.fixture(scope="session")
def hostile_folder(tmp_path_factory) -> Path:
    return sb.optimise(hostile_park(), name=PAYLOAD).to_folder(
        tmp_path_factory.mktemp("h") / "hostile")


@pytest.fixture(scope="session")
def hostile_sweep_folder(tmp_path_factory, hostile_folder) -> Path:
    """A sweep folder whose axis and variant names are payloads (summary.csv is a file like
    any other: the page may not trust it)."""
    import shutil

    name = "<img src=x onerror=\"document.title='pwned'\">"  # no slash: a folder name
    root = tmp_path_factory.mktemp("hs") / name
    shutil.copytree(hostile_folder, root / "base")
    shutil.copytree(hostile_folder, root / name)
    kpis = json.loads((hostile_folder / "kpis.json").read_text())
    rows = [{"variant": v, "status": "optimal", "savings": kpis["savings"],
             "co2_t": kpis["co2_t"], PAYLOAD: v} for v in ("base", name)]
    pd.DataFrame(rows).to_csv(root / "summary.csv", index=False)
    return root


class Tags(HTMLParser):
    """Every start tag of a page, and the text of its <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.title, self._in_title = "", False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _our_part(page: Path) -> str:
    return page.read_text(encoding="utf-8").replace(get_plotlyjs(), "")


def _assert_inert(page: Path, plots: int) -> Tags:
    text = _our_part(page)
    for raw in ("<img", "</script><script>", "<!--", "onerror=\""):
        assert raw not in text, raw
    tags = Tags()
    tags.feed(text)
    assert "img" not in tags.tags
    assert tags.tags.count("script") == 2 + plots  # plotly.js, the sort script, one per plot
    return tags


def test_text_from_files_is_escaped_on_the_result_page(hostile_folder, tmp_path):
    page = tmp_path / "r.html"
    make_report(hostile_folder, page)
    found = parse(page)
    tags = _assert_inert(page, plots=len([i for i in found.ids if i.endswith("-plot")]))
    assert tags.title == PAYLOAD  # shown as text, unchanged
    firms = {r["firm_id"] for r in found.rows["firm-table"]}
    assert firms == {"A" + PAYLOAD, "B"}  # the attribute holds the exact text


def test_pngs_draw_text_from_files_as_written(hostile_folder, tmp_path):
    make_report(hostile_folder, tmp_path / "r.html", png_dir=tmp_path / "png")
    assert len(list((tmp_path / "png").glob("*.png"))) == 4  # map, 1 Sankey, objective, firms


def test_text_from_files_is_escaped_on_the_sweep_page(hostile_sweep_folder, tmp_path):
    page = tmp_path / "s.html"
    make_report(hostile_sweep_folder, page)
    found = parse(page)
    _assert_inert(page, plots=len([i for i in found.ids if i.endswith("-plot")]))
    assert found.row_keys["sweep-table"] == ["base", hostile_sweep_folder.name]
    assert PAYLOAD in found.rows["sweep-table"][0]


def test_workbook_stores_text_as_text(hostile_folder, tmp_path):
    out = tmp_path / "h.xlsx"
    make_report(hostile_folder, tmp_path / "r.html", xlsx=out)
    book = openpyxl.load_workbook(out)
    texts = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert {FORMULAS[0], FORMULAS[1], FORMULAS[2], FORMULAS[3], PAYLOAD} <= texts
    link = book["links"]
    assert link["B2"].value == FORMULAS[0] and link["B2"].quotePrefix  # stays text when edited


def test_workbook_is_byte_identical_between_exports(geo_folder, tmp_path):
    import time

    make_report(geo_folder, tmp_path / "r.html", xlsx=tmp_path / "a.xlsx")
    time.sleep(2.1)  # past the zip format's 2-second clock and the workbook's creation second
    make_report(geo_folder, tmp_path / "r.html", xlsx=tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


# --- what a planner sees: heat, links inside a firm, colours, one Sankey per category --------

HEAT_STREAMS = [("h1", "supply", 300.0, 150.0, 60.0), ("c1", "demand", 100.0, 40.0, 120.0),
                ("h2", "supply", 50.0, 90.0, 40.0), ("c2", "demand", 300.0, 30.0, 80.0)]


@pytest.fixture(scope="session")
def heat_folder(tmp_path_factory) -> Path:
    """Two firms 1 km apart with heat, scrap and water: heat is recovered inside firm A (h1 →
    c1) and between the firms; scrap goes from A to B."""
    from .conftest import HEAT

    rows = [dict(stream_id=sid, firm_id="A" if sid.endswith("1") else "B", direction=d,
                 resource="heat", quantity=q, t_in=t_in, t_out=t_out)
            for sid, d, q, t_in, t_out in HEAT_STREAMS]
    rows += [dict(stream_id="sa", firm_id="A", direction="supply", resource="scrap",
                  quantity=10.0),
             dict(stream_id="db", firm_id="B", direction="demand", resource="scrap",
                  quantity=8.0),
             dict(stream_id="wa", firm_id="A", direction="supply", resource="water",
                  quantity=5000.0),
             dict(stream_id="wb", firm_id="B", direction="demand", resource="water",
                  quantity=4000.0)]
    park = make_park({"A": (0.0, 0.0), "B": (1.0, 0.0)}, [HEAT, SCRAP, WATER], rows)
    return sb.optimise(park, name="heat").to_folder(tmp_path_factory.mktemp("ht") / "heat")


def test_streams_csv_keeps_heat_temperatures(heat_folder):
    streams = pd.read_csv(heat_folder / "streams.csv", dtype={"stream_id": str}).set_index(
        "stream_id")
    assert list(streams.columns[-2:]) == ["t_in", "t_out"]
    assert streams.loc["h1", ["t_in", "t_out"]].tolist() == [150.0, 60.0]
    assert streams.loc["sa", ["t_in", "t_out"]].isna().all()
    kpis = json.loads((heat_folder / "kpis.json").read_text())
    assert kpis["heat"]["min_approach_c"] == 10.0


def test_page_shows_heat_before_and_after(heat_folder, tmp_path):
    from symbiosis.pinch import problem_table

    page = tmp_path / "h.html"
    make_report(heat_folder, page)
    found = parse(page)
    heat = json.loads((heat_folder / "kpis.json").read_text())["heat"]
    for key in ("hot_utility", "baseline_hot_utility", "cold_utility", "baseline_cold_utility",
                "recovered_within_firms", "recovered_between_firms", "pumped"):
        assert float(found.kpis[f"heat.{key}"][0][1]) == heat[key], key
    assert heat["recovered_within_firms"] > 0 and heat["recovered_between_firms"] > 0
    assert "composite-plot" in found.ids
    streams = pd.DataFrame(HEAT_STREAMS, columns=["id", "direction", "quantity", "t_in", "t_out"])
    target = problem_table(streams, 10.0)
    assert float(found.kpis["heat.target_hot_utility"][0][1]) == pytest.approx(
        target.hot_utility)
    assert heat["hot_utility"] >= target.hot_utility - 1e-6


def test_page_without_heat_has_no_heat_section(geo_folder, tmp_path):
    page = tmp_path / "g.html"
    make_report(geo_folder, page)
    assert "heat-section" not in parse(page).ids


def test_map_draws_links_inside_one_firm(heat_folder):
    from symbiosis.report.figures import map_figure
    from symbiosis.report.folder import read_result_folder

    tables = read_result_folder(heat_folder)
    inside = tables.links[tables.links.from_firm == tables.links.to_firm]
    assert len(inside) >= 1
    fig = map_figure(tables)
    rings = [t for t in fig.data if t.meta == "links-within-firms"]
    assert sum(len(t.x) for t in rings) == len(inside)
    assert all(s.startswith("circle-open") for t in rings for s in [t.marker.symbol])


def test_sector_colours_do_not_repeat_up_to_20_sectors():
    from symbiosis.report.figures import SECTOR_COLOURS, palette

    colours = palette([f"sector {i:02d}" for i in range(20)], SECTOR_COLOURS)
    assert len(set(colours.values())) == 20


def test_one_sankey_per_category(heat_folder, tmp_path):
    from symbiosis.report.figures import sankey_flows
    from symbiosis.report.folder import read_result_folder

    page = tmp_path / "h.html"
    make_report(heat_folder, page, png_dir=tmp_path / "png")
    ids = parse(page).ids
    assert {"sankey-heat-plot", "sankey-material-plot", "sankey-water-plot"} <= set(ids)
    tables = read_result_folder(heat_folder)
    _, water = sankey_flows(tables, "water")
    assert set(water.resource) == {"water"}
    assert {"sankey_heat.png", "sankey_material.png", "sankey_water.png",
            "composite_curves.png"} <= {p.name for p in (tmp_path / "png").iterdir()}


def test_why_not_rows_have_stream_ids_and_plain_numbers(geo_folder, tmp_path):
    import shutil

    folder = tmp_path / "geo"
    shutil.copytree(geo_folder, folder)
    why = pd.read_csv(folder / "why_not.csv", **CSV)
    why["detail"] = "distance 3e+04 km > limit 2.5e-05 km"  # as an older folder may say
    why.to_csv(folder / "why_not.csv", index=False)
    page = tmp_path / "r.html"
    make_report(folder, page)
    found = parse(page)
    row = found.rows["why-not-table"][0]
    assert row["from_stream"] == "sa" and row["to_stream"] == "dz"
    text = page.read_text(encoding="utf-8")
    assert "distance 30,000 km &gt; limit 0.000025 km" in text and "3e+04" not in text


def without_solution(folder: Path, out: Path) -> Path:
    """A copy of a result folder as a run that hit its time limit before any solution."""
    import shutil

    shutil.copytree(folder, out)
    kpis = json.loads((out / "kpis.json").read_text())
    kpis.update(status="time_limit_no_solution", objective=None, total_cost=None, savings=None,
                co2_t=None, co2_avoided_t=None, links_built=0, mip_gap=None,
                savings_within_firms=None, savings_between_firms=None)
    (out / "kpis.json").write_text(json.dumps(kpis))
    links = pd.read_csv(out / "links.csv", **CSV)
    links.iloc[0:0].to_csv(out / "links.csv", index=False)
    return out


def test_a_run_without_a_solution_is_marked_at_the_top(geo_folder, tmp_path):
    folder = without_solution(geo_folder, tmp_path / "none")
    page = tmp_path / "n.html"
    make_report(folder, page)
    text = page.read_text(encoding="utf-8")
    body = text[text.index("<body>"):]
    assert body.index('id="no-solution"') < body.index("<h2")
    assert "time_limit_no_solution" in body[:body.index("<h2")]
    ok = tmp_path / "ok.html"
    make_report(geo_folder, ok)
    assert 'id="no-solution"' not in ok.read_text(encoding="utf-8")


def test_sweep_page_is_titled_once(sweep_folder, tmp_path):
    (sweep_folder / "sweep.yaml").write_text("name: fee-sweep\nbase: x.yaml\n")
    page = tmp_path / "s.html"
    try:
        make_report(sweep_folder, page)
    finally:
        (sweep_folder / "sweep.yaml").unlink()
    tags = Tags()
    tags.feed(_our_part(page))
    assert tags.title == "fee-sweep"
    h1 = page.read_text(encoding="utf-8").split("<h1>")[1].split("</h1>")[0]
    assert h1 == "fee-sweep"


def test_heat_page_and_pngs_are_byte_stable(heat_folder, tmp_path):
    for name in ("a", "b"):
        make_report(heat_folder, tmp_path / f"{name}.html", png_dir=tmp_path / name,
                    xlsx=tmp_path / f"{name}.xlsx")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    for png in (tmp_path / "a").iterdir():
        assert png.read_bytes() == (tmp_path / "b" / png.name).read_bytes(), png.name


def test_a_workbook_with_any_result_table_can_be_written_again(tmp_path):
    """A report workbook of a folder with facilities.csv or shares.csv is recognised as ours,
    so `report --xlsx` may replace it (it was refused: its sheet names were a hand list)."""
    from openpyxl import Workbook

    from symbiosis.outputs import is_workbook

    book = Workbook()
    book.active.title = "kpis"
    for name in ("links", "facilities", "shares", "firms_esg"):
        book.create_sheet(name)
    path = tmp_path / "w.xlsx"
    book.save(path)
    assert is_workbook(path)
    book.create_sheet("a user's own sheet")
    book.save(path)
    assert not is_workbook(path)
