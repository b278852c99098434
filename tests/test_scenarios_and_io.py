"""Loading parks (folder, workbook, DataFrames) and applying scenario overrides (docs/format.md)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.io import read_model
from symbiosis.scenario import load_scenario

from .conftest import DATA


def _tables(park: sb.Park) -> dict[str, pd.DataFrame]:
    return {name: getattr(park, name) for name in
            ("firms", "resources", "streams", "exchanges", "qualities")}


def test_folder_workbook_and_frames_give_the_same_park(tmp_path, tiny_park_dir):
    from_folder = sb.load_park(tiny_park_dir)
    # The same tables as sheets of one workbook, named in model.yaml.
    book = tmp_path / "wb"
    book.mkdir()
    with pd.ExcelWriter(book / "park.xlsx", engine="openpyxl") as writer:
        for csv in sorted(tiny_park_dir.glob("*.csv")):
            pd.read_csv(csv, dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=csv.stem, index=False)
    text = (tiny_park_dir / "model.yaml").read_text()
    (book / "model.yaml").write_text(text + "workbook: park.xlsx\n")
    from_workbook = sb.load_park(book)
    frames = {name: pd.read_csv(tiny_park_dir / f"{name}.csv") for name in
              ("firms", "resources", "streams", "exchanges", "qualities")}
    from_frames = sb.park_from_frames(read_model(tiny_park_dir).config, **frames)
    for other in (from_workbook, from_frames):
        assert other.config.links == from_folder.config.links
        for name, table in _tables(from_folder).items():
            pd.testing.assert_frame_equal(_tables(other)[name], table, check_dtype=False)
    assert sb.optimise(from_workbook).kpis["total_cost"] == pytest.approx(
        sb.optimise(from_folder).kpis["total_cost"])


def test_stream_overrides_price_and_co2(tiny_park_dir):
    park = sb.load_park(tiny_park_dir)
    assert park.streams.loc["D_B_tin", "unit_cost"] == 1000  # resource purchase price
    assert park.streams.loc["S_W_dross", "unit_cost"] == 30  # resource disposal cost


def _scenario(tmp_path: Path, body: str) -> Path:
    park = tmp_path / "park"
    shutil.copytree(DATA / "tiny-park", park)
    path = tmp_path / "s.yaml"
    path.write_text("name: test\nmodel: park\n" + body)
    return path


def test_set_overrides_model_yaml_by_dotted_key(tmp_path):
    loaded = load_scenario(_scenario(tmp_path, "set:\n  economics.carbon_price: 50\n"
                                               "  links.truck.fixed_cost: 1234\n"))
    assert loaded.park.config.economics.carbon_price == 50
    assert loaded.park.config.links.truck.fixed_cost == 1234
    assert loaded.park.config.links.pipe.capex_per_km == 1000  # untouched


def test_scale_multiplies_matching_stream_quantities(tmp_path):
    loaded = load_scenario(_scenario(tmp_path, "scale:\n  - {resource: water, factor: 1.2}\n"
                                               "  - {firm: B, direction: demand, factor: 0.5}\n"))
    q = loaded.park.streams.quantity
    assert q["S_W_water"] == pytest.approx(1200) and q["D_A_water"] == pytest.approx(1200)
    assert q["D_B_scrap"] == pytest.approx(30) and q["D_B_tin"] == pytest.approx(25)
    assert q["S_A_scrap"] == pytest.approx(100)


def test_adjust_changes_prices_and_matching_stream_overrides(tmp_path):
    path = _scenario(tmp_path, "adjust:\n  - {column: disposal_cost, factor: 2, category: material}\n")
    streams = tmp_path / "park" / "streams.csv"
    streams.write_text(streams.read_text().replace("S_W_dross,W,supply,dross,100,,",
                                                   "S_W_dross,W,supply,dross,100,40,"))
    park = load_scenario(path).park
    assert park.resources.loc["steel_scrap", "disposal_cost"] == 40
    assert park.resources.loc["water", "disposal_cost"] == 0.3  # category water untouched
    assert park.streams.loc["S_W_dross", "unit_cost"] == 80  # the stream's own fee, doubled


def test_adjust_by_sign_raises_fees_but_not_revenues(tmp_path):
    path = _scenario(tmp_path, "adjust:\n  - {column: disposal_cost, factor: 2, sign: positive}\n")
    resources = tmp_path / "park" / "resources.csv"
    resources.write_text(resources.read_text().replace(
        "steel_scrap,material,t,truck,1,0.0001,100,1.5,20,", "steel_scrap,material,t,truck,1,0.0001,100,1.5,-20,"))
    park = load_scenario(path).park
    assert park.resources.loc["steel_scrap", "disposal_cost"] == -20  # a revenue: unchanged
    assert park.resources.loc["dross", "disposal_cost"] == 60
    assert park.resources.loc["water", "disposal_cost"] == pytest.approx(0.6)


def test_exclude_firms_removes_their_streams_and_qualities(tmp_path):
    park = load_scenario(_scenario(tmp_path, "exclude_firms: [W]\n")).park
    assert "W" not in park.firms.index
    assert not (park.streams.firm_id == "W").any()
    assert "S_W_water" not in set(park.qualities.stream_id)


def test_scenario_objective_and_solver_settings_with_cli_priority(tmp_path):
    path = _scenario(tmp_path, "objective: co2\nsolver: {name: highs, mip_gap: 0.001}\n")
    assert sb.run(path).kpis["objective_kind"] == "co2"
    result = sb.run(path, objective="cost", mip_gap=0.0)
    assert result.kpis["objective_kind"] == "cost"
    assert result.kpis["solver"]["mip_gap"] == 0.0


def test_tiny_scenario_optimum(tmp_path):
    # Scrap: 60 t to B (10 km); tin: all 100 t dross (yield 0.4) from W (10.05 km);
    # water: 250 m3 capped by COD 200 -> 50 on 1000 m3. C (50 km) is too far.
    r = sb.run(DATA / "scenarios" / "tiny-baseline.yaml")
    assert r.links.flow.to_dict() == pytest.approx(
        {"S_A_scrap->D_B_scrap": 60, "S_W_dross->D_B_tin": 100, "S_W_water->D_A_water": 250})
    assert r.rejected_pairs.reason.tolist() == ["too_far"]


SHIPPED_SCENARIOS = sorted(p for p in (DATA.parent.parent / "scenarios").glob("*.yaml")
                           if not p.name.startswith("sweep-"))  # sweep files: test_batch.py


@pytest.mark.parametrize("path", SHIPPED_SCENARIOS
                         + sorted(p for p in (DATA.parent.parent / "models").iterdir()
                                  if p.is_dir()), ids=lambda p: p.name)
def test_shipped_models_and_scenarios_are_valid(path):
    from symbiosis.scenario import load_model_or_scenario

    if (path / "plots.csv").exists():  # a planned park: tenants to place (symbiosis place)
        from symbiosis.plots import load_site
        site = load_site(path)
        assert len(site.tables.firms) >= 40
        site.park(site.assign(np.zeros(site.allowed.shape)))  # any placement is a valid park
        return
    loaded = load_model_or_scenario(path)
    assert len(loaded.park.firms) >= 40
