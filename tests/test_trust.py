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
from symbiosis.outputs import MARKER
from symbiosis.results import RESULT_FILES
from symbiosis.analysis.why_not import WHY_NOT_COLUMNS

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


HEAT_RESOURCE = ("resource,category,unit,mode,purchase_price,disposal_cost\n"
                 "heat,heat,kW,pipe,1,0.5\n")


def test_run_on_the_four_stream_problem_exits_0_at_the_targets(tmp_path):
    """No pair of the four streams is rejected (so why_not.csv lists at most the candidate
    matches the optimum can do without: link costs are 0 and the optimum is not unique)."""
    model = _write_model(tmp_path / "lh", LH_STREAMS, HEAT_RESOURCE)
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["run", str(model), "-o", str(out)])
    assert run.exit_code == 0, run.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["heat"]["hot_utility"] == pytest.approx(20)
    assert kpis["heat"]["cold_utility"] == pytest.approx(60)
    assert kpis["savings"] == pytest.approx(1.0 * (470 - 20) + 0.5 * (510 - 60))
    assert list(pd.read_csv(out / "why_not.csv").columns) == WHY_NOT_COLUMNS
    assert pd.read_csv(out / "rejected_pairs.csv").empty
    report = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "page.html")])
    assert report.exit_code == 0, report.output


def test_run_on_a_park_whose_why_not_table_is_empty_exits_0(tmp_path):
    """One hot and one cold stream, their one match built: nothing is left to explain.
    H 120 → 40 °C (100 kW) heats C 20 → 60 °C (50 kW) fully: savings 50·1 + 50·0.5."""
    model = _write_model(tmp_path / "one", "stream_id,firm_id,direction,resource,quantity,"
                         "t_in,t_out\nH,F,supply,heat,100,120,40\nC,F,demand,heat,50,20,60\n",
                         HEAT_RESOURCE)
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["run", str(model), "-o", str(out)])
    assert run.exit_code == 0, run.output
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["heat"]["hot_utility"] == pytest.approx(0)
    assert kpis["heat"]["cold_utility"] == pytest.approx(50)
    assert kpis["savings"] == pytest.approx(75)
    why = pd.read_csv(out / "why_not.csv")
    assert list(why.columns) == WHY_NOT_COLUMNS and why.empty


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
    assert sorted(p.name for p in out.iterdir()) == sorted([*RESULT_FILES, MARKER])
    assert list(pd.read_csv(out / "why_not.csv").columns) == WHY_NOT_COLUMNS
    expected = {"only a rejected pair": 1, "heat, every pair built": 0}.get(case, 0)
    assert len(result.why_not) == expected
    assert result.kpis["savings"] == pytest.approx(75.0 if case.startswith("heat, every") else 0)


def _fuel_park(**config) -> sb.Park:
    """Spent solvent (10 t, disposal 50/t) at A, 1 km from B; B heats C from 20 to 80 °C
    (100 MWh, bought at 30/MWh, 0.2 t CO2/MWh) and has waste heat H, 60 → 30 °C (30 MWh,
    cooling 1/MWh). Burning a tonne gives 8 MWh at a processing cost of 5 and 2.4 t CO2."""
    solvent = dict(resource="solvent", transport_cost=1.0, disposal_cost=50.0)
    heat = dict(resource="heat", category="heat", unit="MWh", mode="pipe", purchase_price=30.0,
                purchase_co2=0.2, disposal_cost=1.0)
    streams = [("S", "A", "supply", "solvent", 10),
               dict(stream_id="C", firm_id="B", direction="demand", resource="heat",
                    quantity=100, t_in=20, t_out=80),
               dict(stream_id="H", firm_id="B", direction="supply", resource="heat",
                    quantity=30, t_in=60, t_out=30)]
    fuel = dict(from_resource="solvent", to_resource="heat", processing_cost=5.0,
                processing_co2=2.4, **{"yield": 8.0})
    return make_park({"A": (0, 0), "B": (1, 0)}, [solvent, heat], streams, exchanges=[fuel],
                     links={"truck": {"fixed_cost": 100}}, **config)


def test_a_fuel_by_product_replaces_purchased_heat_outside_the_cascade():
    """A tonne burnt is worth 50 + 8·30 − 1 − 5 = 284, i.e. 35.5 per MWh delivered; the waste
    heat is worth 30 + 1 = 31 per MWh. All 10 t are burnt (80 MWh) and H covers the other
    20 MWh (it could give all 30, but the last 10 MWh are worth more as fuel: 1.25 t × 44
    > 10 × 1). Cost 10 transport + 50 processing + 100 fixed + 10 cooling = 170, against a
    baseline of 500 + 3,000 + 30 = 3,530."""
    result = sb.optimise(_fuel_park(), solver=sb.SolverOptions(mip_gap=0))
    flows = result.links.set_index("from_stream")
    assert flows.flow.to_dict() == pytest.approx({"S": 10, "H": 20})
    assert flows.delivered.to_dict() == pytest.approx({"S": 80, "H": 20})
    assert result.kpis["total_cost"] == pytest.approx(170)
    assert result.kpis["savings"] == pytest.approx(3360)
    assert result.kpis["co2_t"] == pytest.approx(24) and result.kpis["baseline_co2_t"] == 20
    heat = result.kpis["heat"]
    assert heat["fuel_substituted"] == pytest.approx(80)
    assert heat["hot_utility"] == pytest.approx(0) and heat["cold_utility"] == pytest.approx(10)
    assert heat["recovered_within_firms"] == pytest.approx(20)
    assert heat["lost_in_pipes"] == pytest.approx(0)
    fuel_link = result.candidates.loc["S->C"]  # not a heat link: no temperature, no pipe loss
    assert fuel_link.category == "material" and fuel_link["yield"] == 8
    assert set(result.heat_transfers.link_id) == {"H->C"}


def test_a_fuel_link_loses_no_heat_per_km_and_takes_no_temperature_screen():
    park = _fuel_park(heat={"loss_per_km": 0.5, "min_approach_c": 10})
    link = sb.build_network(park, screen_value=False).links.loc["S->C"]
    assert link["yield"] == 8 and link.capacity == 10  # 1 km at 50 %/km would halve heat


# Wash water (1000 m3, COD 400 mg/L, discharge 0.5/m3) treated into process water (yield 0.9,
# 0.3/m3 of wash water) for a demand of 1000 m3 (bought at 1.2/m3) that accepts COD 40.
# A unit of wash water sent is worth 0.5 + 0.9·1.2 − 0.3 = 1.28.
TREATED = {
    "resources.csv": "resource,category,unit,mode,purchase_price,disposal_cost\n"
                     "wash,water,m3,pipe,0,0.5\nprocess,water,m3,pipe,1.2,0\n",
    "streams.csv": "stream_id,firm_id,direction,resource,quantity\n"
                   "W,F,supply,wash,1000\nD,F,demand,process,1000\n",
    "exchanges.csv": "from_resource,to_resource,yield,processing_cost\nwash,process,0.9,0.3\n",
    "qualities.csv": "stream_id,property,value\nW,cod,400\nD,cod,40\n",
    "exchange_qualities.csv": "from_resource,to_resource,property,value\nwash,process,cod,50\n",
}


def _treated_model(folder: Path, **changes: str | None) -> Path:
    files = {**TREATED, **changes}
    _write_model(folder, files.pop("streams.csv"), files.pop("resources.csv"),
                 **{name[:-4]: text for name, text in files.items() if text is not None})
    return folder


@pytest.mark.parametrize("treated, qualities, savings", [
    # treated to 50: 0.9·x·50 ≤ 40·1000, x = 888.9 m3, saving 1.28·8000/9 = 1,137.78
    (True, TREATED["qualities.csv"], 1.28 * 8000 / 9),
    # raw level 400: 0.9·x·400 ≤ 40·1000, x = 111.1 m3, saving 1.28·1000/9 = 142.22
    (False, TREATED["qualities.csv"], 1.28 * 1000 / 9),
    # the wash water has no COD value of its own: linkable only through the treated level
    (True, "stream_id,property,value\nD,cod,40\n", 1.28 * 8000 / 9),
    (False, "stream_id,property,value\nD,cod,40\n", 0.0),
], ids=["treated", "raw", "treated-no-own-level", "raw-no-own-level"])
def test_a_treating_exchange_delivers_its_own_level(tmp_path, treated, qualities, savings):
    model = _treated_model(tmp_path / "m", **{
        "qualities.csv": qualities,
        "exchange_qualities.csv": TREATED["exchange_qualities.csv"] if treated else None})
    result = sb.optimise(sb.load_park(model), solver=sb.SolverOptions(mip_gap=0))
    assert result.kpis["savings"] == pytest.approx(savings)
    flow = result.links.flow.sum()
    assert flow == pytest.approx(savings / 1.28)
    if flow:
        q = result.network.link_qualities.set_index("property")
        assert q.level["cod"] == (50 if treated else 400)
        assert result.candidates.capacity.iloc[0] == pytest.approx(flow)


def test_treated_levels_read_alike_from_csv_workbook_and_frames(tmp_path):
    model = _treated_model(tmp_path / "m")
    from_folder = sb.load_park(model)
    book = tmp_path / "wb"
    book.mkdir()
    with pd.ExcelWriter(book / "park.xlsx", engine="openpyxl") as writer:
        for csv in sorted(model.glob("*.csv")):
            pd.read_csv(csv, dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=csv.stem, index=False)
    (book / "model.yaml").write_text((model / "model.yaml").read_text() + "workbook: park.xlsx\n")
    frames = {p.stem: pd.read_csv(p) for p in model.glob("*.csv")}
    from_frames = sb.park_from_frames({"name": "hand park"}, **frames)
    for other in (sb.load_park(book), from_frames):
        pd.testing.assert_frame_equal(other.exchange_qualities, from_folder.exchange_qualities,
                                      check_dtype=False)
        assert sb.optimise(other).kpis["savings"] == pytest.approx(1.28 * 8000 / 9)


@pytest.mark.parametrize("row, column, words", [
    ("wash,steam,cod,50", "from_resource", "no exchange 'wash' -> 'steam' in"),
    ("process,wash,cod,50", "from_resource", "a treated level needs the exchange"),
    ("wash,process,cod,-1", "value", "expected a non-negative number"),
    ("wash,process,cod,60", "property", "duplicate value of 'cod' for exchange"),
])
def test_a_treated_level_must_name_an_exchange(tmp_path, row, column, words):
    model = _treated_model(tmp_path / "m", **{
        "exchange_qualities.csv": TREATED["exchange_qualities.csv"] + row + "\n"})
    run = CliRunner().invoke(main, ["validate", str(model)])
    assert run.exit_code == 2, run.output
    assert "exchange_qualities.csv" in run.output and "line 3" in run.output
    assert f"column {column}" in run.output and words in run.output


# --- why-not numbers are the model's own -----------------------------------------------------

WATER = dict(resource="water", category="water", unit="m3", mode="pipe", purchase_price=1.0,
             disposal_cost=0.5)


def _why(result: sb.Result, from_stream: str, to_stream: str) -> pd.Series:
    table = result.why_not
    return table[(table.from_stream == from_stream) & (table.to_stream == to_stream)].iloc[0]


def test_why_not_values_a_quality_limited_pair_at_its_quality_capacity():
    """COD 400 into a limit of 40 on 1000 m3: alone at most 40·1000/400 = 100 m3, worth
    1.5 × 100 = 150 a year, less than the pipe's fixed cost of 1,000 (not 1,500 at 1000 m3)."""
    park = make_park({"A": (0, 0), "B": (1, 0)}, [WATER],
                     [("s", "A", "supply", "water", 1000), ("d", "B", "demand", "water", 1000)],
                     qualities=[("s", "cod", 400), ("d", "cod", 40)],
                     links={"pipe": {"fixed_cost": 1000}})
    result = sb.optimise(park)
    assert result.rejected_pairs.detail.iloc[0] == (
        "worth at most 150.0 per year at full capacity, not more than its fixed and "
        "annualised capital cost of 1000.0")
    row = _why(result, "s", "d")
    assert row.reason == "fixed_cost_not_recovered"
    assert row.capacity == pytest.approx(100) and row.potential_value == pytest.approx(150)
    assert row.detail == ("alone at capacity 100 it earns 150 USD/yr, not more than its fixed "
                          "cost and capex of 1,000 USD/yr")


def test_a_pair_rejected_for_quality_is_valued_as_if_its_quality_allowed():
    park = make_park({"A": (0, 0), "B": (1, 0)}, [WATER],
                     [("s", "A", "supply", "water", 100), ("d", "B", "demand", "water", 50)],
                     qualities=[("s", "cod", 80), ("d", "cod", 0)])
    row = _why(sb.optimise(park), "s", "d")
    assert row.reason == "quality" and row.potential_value == pytest.approx(75)
    assert row.detail == ("supply cod above the demand's limit of 0; if its quality allowed, "
                          "alone it would be worth 75 USD/yr before link costs of 0 USD/yr")


def _temperature_park(fixed_cost: float) -> sb.Park:
    """H 100 → 60 °C (100 kW, CP 2.5) for C 40 → 120 °C (80 kW, CP 1), ΔTmin 10:
    Δ = 100 − 10 − 40 = 50, so one match takes at most min(100, 80, 125, 50) = 50 kW."""
    return heat_park([("H", "supply", 100, 100, 60), ("C", "demand", 80, 40, 120)],
                     links={"pipe": {"fixed_cost": fixed_cost}})


def test_a_heat_link_is_bounded_by_its_temperatures():
    result = sb.optimise(_temperature_park(0), solver=sb.SolverOptions(mip_gap=0))
    assert result.candidates.loc["H->C", "capacity"] == pytest.approx(50)
    assert result.links.loc["H->C", "flow"] == pytest.approx(50)
    assert result.kpis["heat"]["hot_utility"] == pytest.approx(30)
    assert result.kpis["heat"]["cold_utility"] == pytest.approx(50)


def test_why_not_values_a_heat_pair_within_its_temperatures():
    """Worth 1.5 × 50 = 75 a year (not 1.5 × 80 = 120), below a fixed cost of 100."""
    result = sb.optimise(_temperature_park(100))
    row = _why(result, "H", "C")
    assert row.reason == "fixed_cost_not_recovered"
    assert row.capacity == pytest.approx(50) and row.potential_value == pytest.approx(75)
    assert row.detail.startswith("alone at capacity 50 it earns 75 USD/yr, not more than")


@pytest.mark.parametrize("streams, firms, config, capacity", [
    # supply side binds: H 100 → 20 (CP 1.25), C 70 → 90 (200 kW, CP 10); Δ = 20 → 25
    ([("H", "supply", 100, 100, 20), ("C", "demand", 200, 70, 90)], None, {}, 25),
    # demand side with pipe loss: 2 km at 10 %/km, η = 0.8; C 40 → 120 (CP 1);
    # Δ = 100 − 10 − 5 − 40 = 45 → CP_d·Δ/η = 56.25
    ([("H", "supply", 100, 100, 60), ("C", "demand", 80, 40, 120)], {"C": "G"},
     {"heat": {"min_approach_c": 10, "inter_firm_approach_c": 5, "loss_per_km": 0.1}}, 56.25),
    # balances bind: C 50 → 60 (10 kW): min(100, 10, ...) = 10
    ([("H", "supply", 100, 100, 60), ("C", "demand", 10, 50, 60)], None, {}, 10),
], ids=["supply-side", "demand-side-with-loss", "balance"])
def test_candidate_heat_capacity_equals_the_formula(streams, firms, config, capacity):
    positions = {"F": (0.0, 0.0), "G": (2.0, 0.0)}
    park = heat_park(streams, firm_of=firms, positions=positions, **config)
    link = sb.build_network(park, screen_value=False).links.iloc[0]
    assert link.capacity == pytest.approx(capacity)


def test_temperature_capacity_of_isothermal_streams():
    """CP = ∞ at t_in = t_out: ∞ times a positive Δ is ∞ (the balances bind), Δ ≤ 0 is 0."""
    from symbiosis.network import temperature_capacity
    pairs = pd.DataFrame({"category": "heat", "supply_quantity": [100.0, 100.0, 100.0],
                          "demand_quantity": [60.0, 60.0, 60.0], "yield": 1.0,
                          "supply_t_in": [150.0, 150.0, 100.0],
                          "supply_t_out": [150.0, 150.0, 60.0],
                          "demand_t_in": [100.0, 145.0, 50.0],
                          "demand_t_out": [100.0, 145.0, 50.0], "approach_c": 10.0})
    assert list(temperature_capacity(pairs)) == [60.0, 0.0, 60.0]


@pytest.mark.parametrize("case", ["only a rejected pair", "heat supply only"])
def test_report_and_figures_of_a_park_without_built_links(case, tmp_path):
    out = sb.optimise(EMPTY_CASES[case]()).to_folder(tmp_path / "out")
    run = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "page.html"),
                                    "--png", str(tmp_path / "png")])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "png" / "sankey.png").stat().st_size > 0
