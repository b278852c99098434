"""The report in a real browser (Debian's Chromium through Playwright): the example parks'
pages load without errors, make no request outside the file, and their map and Sankey render.

Skipped when /usr/bin/chromium is absent, unless SYMBIOSIS_REQUIRE_BROWSER=1 (CI sets it).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.report import make_report
from symbiosis.report.figures import categories, sankey_flows
from symbiosis.report.folder import ROUND_TRIP, read_result_folder

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


REASON = _skip_reason()
if REASON and os.environ.get("SYMBIOSIS_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"SYMBIOSIS_REQUIRE_BROWSER=1 but {REASON}")
pytestmark = [pytest.mark.solver,
              pytest.mark.skipif(REASON is not None, reason=REASON or "")]

PARKS = {"electronics": "electronics-baseline.yaml", "precision": "precision-baseline.yaml"}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module", params=sorted(PARKS))
def example_report(request, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp(request.param)
    folder = sb.run(ROOT / "scenarios" / PARKS[request.param]).to_folder(root / "result")
    page = root / "report.html"
    make_report(folder, page)
    return folder, page


def _open(browser, page_file: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_function("() => document.getElementById('map-plot')._fullLayout && Array.from("
                           "document.querySelectorAll('[id^=sankey-][id$=-plot]')).every("
                           "d => d._fullLayout && d.querySelectorAll('.sankey-link').length)")
    return page, errors, requests


def test_example_report_renders_offline_without_errors(browser, example_report, tmp_path):
    folder, page_file = example_report
    page, errors, requests = _open(browser, page_file)
    assert errors == []
    outside = [u for u in requests
               if u != page_file.as_uri() and not u.startswith(("data:", "blob:"))]
    assert outside == [], outside
    tables = read_result_folder(folder)
    counts = page.evaluate("""() => ({
        mapLayout: !!document.getElementById('map-plot')._fullLayout,
        points: document.querySelectorAll('#map-plot .scatterlayer .trace .points path.point')
                .length,
        sankeys: Array.from(document.querySelectorAll('[id^=sankey-][id$=-plot]'), d => d.id),
        nodes: document.querySelectorAll('[id^=sankey-] .sankey-node').length,
        links: document.querySelectorAll('[id^=sankey-] .sankey-link').length,
        breakdown: document.querySelectorAll('#breakdown-plot .bars .point').length})""")
    assert counts["mapLayout"]
    # firms + link midpoints + rings for the links inside one firm
    assert counts["points"] == len(tables.firms) + len(tables.links)
    found = categories(tables)
    assert counts["sankeys"] == [f"sankey-{c}-plot" for c in found] and len(found) >= 2
    per_category = [sankey_flows(tables, c) for c in found]  # one Sankey per category
    assert counts["nodes"] == sum(len(labels) for labels, _ in per_category)
    assert counts["links"] == sum(len(flows) for _, flows in per_category)
    assert counts["breakdown"] > 0
    shot = Path(os.environ.get("SYMBIOSIS_SHOTS", tmp_path)) / f"{folder.parent.name}.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    page.close()


def test_numbers_in_the_browser_equal_the_files(browser, example_report):
    folder, page_file = example_report
    page, errors, _ = _open(browser, page_file)
    kpis = json.loads((folder / "kpis.json").read_text())
    shown = page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll('[data-kpi]:not([data-unit])'),
        e => [e.dataset.kpi, Number(e.dataset.value)]))""")
    for key in ("savings", "total_cost", "co2_t", "co2_avoided_t", "links_built"):
        assert shown[key] == kpis[key], key
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('#link-table tbody tr'),
        r => [r.dataset.link, Number(r.querySelector('[data-col=flow]').dataset.value),
              Number(r.querySelector('[data-col=annual_cost]').dataset.value)])""")
    links = pd.read_csv(folder / "links.csv", dtype={"from_stream": str, "to_stream": str},
                        **ROUND_TRIP)
    assert rows == [[f"{a}->{b}", f, c] for a, b, f, c in zip(
        links.from_stream, links.to_stream, links.flow, links.annual_cost)]
    page.click("#firm-table th[data-col=savings]")  # sorting works: descending first
    savings = page.evaluate("""() => Array.from(
        document.querySelectorAll('#firm-table tbody td[data-col=savings]'),
        c => Number(c.dataset.value))""")
    assert savings == sorted(savings, reverse=True)
    assert errors == []
    page.close()


def test_text_from_files_shows_as_text_and_never_runs(browser, tmp_path_factory):
    """Names, ids, units and the currency hold `<img onerror>` and `</script>` payloads that
    would retitle the page if they ran; the planner sees them as text, the title unchanged."""
    from .test_report import CURRENCY, PAYLOAD, hostile_park

    root = tmp_path_factory.mktemp("hostile")
    folder = sb.optimise(hostile_park(), name=PAYLOAD).to_folder(root / "result")
    make_report(folder, root / "report.html")
    page, errors, _ = _open(browser, root / "report.html")
    page.wait_for_timeout(300)  # an onerror would have fired by now
    seen = page.evaluate("""() => ({
        title: document.title,
        images: document.querySelectorAll('img').length,
        h1: document.querySelector('h1').textContent,
        card: document.querySelector('[data-kpi=savings] small').textContent,
        firms: Array.from(document.querySelectorAll('#firm-table td[data-col=name]'),
                          c => c.textContent),
        legend: document.querySelector('#map-plot .legend').textContent})""")
    assert seen["title"] == PAYLOAD and seen["h1"] == PAYLOAD
    assert seen["images"] == 0
    assert seen["card"] == CURRENCY
    assert PAYLOAD in seen["firms"]
    assert "<img src=x onerror=" in seen["legend"]  # the sector, drawn as its letters
    shots = os.environ.get("SYMBIOSIS_SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "hostile.png"))
    assert errors == []
    page.close()


def test_heat_section_shows_what_a_planner_needs(browser, example_report):
    """The precision park has heat: utilities before and after, recovery within and between
    firms, its heat pump and the composite curves, with the numbers of kpis.json."""
    folder, page_file = example_report
    kpis = json.loads((folder / "kpis.json").read_text())
    page, errors, _ = _open(browser, page_file)
    if "heat" not in kpis:
        assert page.evaluate("() => document.getElementById('heat-section')") is None
        page.close()
        return
    page.wait_for_function("() => document.getElementById('composite-plot')._fullLayout")
    seen = page.evaluate("""() => ({
        cards: Object.fromEntries(Array.from(document.querySelectorAll('#heat-cards [data-kpi]'),
                                  e => [e.dataset.kpi, Number(e.dataset.value)])),
        curves: document.querySelectorAll('#composite-plot .scatterlayer .trace').length,
        pumps: document.querySelectorAll('#heat-pump-table tbody tr').length,
        rings: document.getElementById('map-plot')._fullData
               .filter(t => t.meta === 'links-within-firms')
               .reduce((n, t) => n + t._length, 0),
        banner: !!document.getElementById('no-solution')})""")
    heat = kpis["heat"]
    for key in ("hot_utility", "baseline_hot_utility", "cold_utility", "recovered_within_firms",
                "recovered_between_firms", "pumped"):
        assert seen["cards"][f"heat.{key}"] == heat[key], key
    assert seen["cards"]["heat.target_hot_utility"] <= heat["hot_utility"] + 1e-6
    assert seen["curves"] == 2
    assert seen["pumps"] == heat["heat_pumps_built"]
    links = pd.read_csv(folder / "links.csv", dtype=str)
    assert seen["rings"] == int((links.from_firm == links.to_firm).sum())
    assert not seen["banner"]
    assert errors == []
    page.close()


def test_a_run_without_a_solution_is_marked_in_red_at_the_top(browser, tmp_path_factory):
    from .test_report import geo_park, without_solution

    root = tmp_path_factory.mktemp("nosolution")
    solved = sb.optimise(geo_park(), name="geo").to_folder(root / "solved")
    folder = without_solution(solved, root / "none")
    make_report(folder, root / "report.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((root / "report.html").as_uri(), wait_until="load")
    seen = page.evaluate("""() => {
        const b = document.getElementById('no-solution'), r = b.getBoundingClientRect();
        const first = document.querySelector('h2').getBoundingClientRect();
        return {text: b.textContent, colour: getComputedStyle(b).color, top: r.top,
                visible: r.height > 0, beforeSections: r.bottom <= first.top,
                sankeyNote: !!document.getElementById('sankey-none')}; }""")
    assert seen["visible"] and seen["beforeSections"] and seen["top"] < 150
    assert "time_limit_no_solution" in seen["text"]
    r, g, b = (int(v) for v in seen["colour"][seen["colour"].index("(") + 1:-1].split(",")[:3])
    assert r > 150 and g < 80 and b < 80  # red
    assert seen["sankeyNote"]
    shots = os.environ.get("SYMBIOSIS_SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / "no-solution.png"))
    assert errors == []
    page.close()


def test_an_anonymised_report_names_no_firm(browser, example_report, tmp_path):
    """`--anonymise`: no firm name in the rendered text, in the figures' data (hover texts,
    Sankey labels) or in the page's source (plotly.js itself aside: its bundle is the same
    in every page and holds common words); the firm page likewise."""
    from plotly.offline import get_plotlyjs

    folder, _ = example_report
    names = [n for n in pd.read_csv(folder / "firms.csv", dtype=str).name.dropna() if n]
    page_file, firm_file = tmp_path / "anon.html", tmp_path / "firm.html"
    make_report(folder, page_file, anonymise=True)
    firm = pd.read_csv(folder / "links.csv", dtype=str).from_firm.iloc[0]
    make_report(folder, firm_file, firm=firm, anonymise=True)
    bundle = get_plotlyjs()
    for file in (page_file, firm_file):
        source = file.read_text(encoding="utf-8").replace(bundle, "")
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(file.as_uri(), wait_until="load")
        if file == page_file:
            page.wait_for_function("() => document.getElementById('map-plot')._fullLayout")
        seen = page.evaluate("""() => ({
            text: document.body.innerText,
            data: JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'),
                                            d => d.data)),
            dom: document.documentElement.outerHTML})""")
        dom = seen["dom"].replace(bundle, "")
        for name in names:
            for where, text in (("text", seen["text"]), ("figures", seen["data"]),
                                ("source", source), ("DOM", dom)):
                assert name not in text, (file.name, where, name)
        assert "Firm 01" in seen["text"] or file == firm_file
        assert "Firm " in seen["text"]
        page.close()
