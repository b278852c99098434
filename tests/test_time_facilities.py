"""Facilities in a time study (docs/model.md, "Time", facilities), on parks solved by hand.

A reclamation plant WRP (yield 1, processing 0.5/m3, fixed 10 a year, capex 200 at capacity
200 with exponent 1, annuity 1: 1 a year per m3/yr of size) takes A's waste water (2/m3 to
discharge) and gives B process water (3/m3 bought; 1/m3 to dispose of what nobody takes).
Pipes are free. Each m3 a year through the plant to B saves 2 + 3 − 0.5 − 1 (capex) = 3.5.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.timeline import TimeTables, optimise_time

from .conftest import DATA
from .test_facilities import OPTIONS, PLANT, park_with

WATER = [dict(resource="ww", category="water", unit="m3", mode="pipe", disposal_cost=2.0),
         dict(resource="pw", category="water", unit="m3", mode="pipe", purchase_price=3.0,
              disposal_cost=1.0)]
SEASONS = pd.DataFrame({"period": ["summer", "winter"], "weight": [0.5, 0.5]})


def plant_park(capex: float = 200.0, leaves: dict | None = None, arrives: dict | None = None,
               **config) -> sb.Park:
    park = park_with({"A": (0, 0), "B": (2, 0)}, WATER,
                     [("ww_A", "A", "supply", "ww", 100), ("pw_B", "B", "demand", "pw", 100)],
                     plants=[{**PLANT, "yield": 1.0, "capex": capex}], **config)
    firms = park.firms.copy()
    for column, years in (("arrives", arrives), ("leaves", leaves)):
        if years:
            firms[column] = pd.Series(years).reindex(firms.index).astype(float)
    return replace(park, firms=firms)


def plant(result) -> pd.Series:
    return result.facilities.set_index("facility_id").loc["WRP"]


def test_a_plant_needed_in_one_season_is_built_once_and_sized_for_its_peak():
    """A's 100 m3 come all in summer (a rate of 200 for half a year); B takes 100 a year in
    each season. In summer the plant treats 100 (B's rate; more would be disposed of at a
    loss: 2 − 0.5 − 1 less half a year's use), in winter nothing: its size is the summer
    peak, 100, not the mean 50, and it costs 100 capex + 10 fixed once for the year.
    Baseline 200 (discharge) + 300 (bought) = 500; with the plant: discharge 100, bought 150
    (winter), processing 25, fixed 10, capex 100: 385."""
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["ww_A", "ww_A"], "period": ["summer", "winter"],
         "quantity": [100.0, 0.0]}))
    r = optimise_time(plant_park(), tables, OPTIONS)
    assert r.kpis["baseline_cost"] == pytest.approx(500.0)
    assert r.kpis["total_cost"] == pytest.approx(385.0)
    p = plant(r)
    assert p.built and p["size"] == pytest.approx(100.0) and p.peak_input == pytest.approx(100.0)
    assert p["input"] == pytest.approx(50.0)  # m3 over the year
    assert p.annualised_capex == pytest.approx(100.0) and p.fixed_cost == pytest.approx(10.0)
    use = r.facility_states.set_index("state")
    assert use.input["summer"] == pytest.approx(100.0) and use.input["winter"] == 0.0
    assert use.utilisation["summer"] == pytest.approx(1.0)
    assert r.states.annualised_capex.tolist() == pytest.approx([100.0, 100.0])  # one copy
    assert r.kpis["facilities"] == {"candidates": 1, "built": 1, "build_years": {},
                                    "size": r.kpis["facilities"]["size"]}


def test_one_state_is_the_one_year_optimum():
    """One period of weight 1: the sized program has the one-year optimum, 500 − 340."""
    one = optimise_time(plant_park(), TimeTables.of(periods=pd.DataFrame(
        {"period": ["year"], "weight": [1.0]})), OPTIONS)
    run = sb.optimise(plant_park(), solver=OPTIONS)
    assert run.kpis["total_cost"] == pytest.approx(160.0)
    assert one.kpis["total_cost"] == pytest.approx(run.kpis["total_cost"])
    assert plant(one)["size"] == pytest.approx(run.facilities.set_index("facility_id")
                                               .loc["WRP", "size"])


def test_a_plant_whose_user_arrives_in_2028_is_built_in_2028():
    """B arrives in 2028 (horizon 2025–2030, r = 0). Without B the plant's water would be
    disposed of: 2 − 0.5 − 1 − 1 < 0, so it waits: built in 2028, in use 2028–2030, saving
    3.5 · 100 − 10 = 340 a year. Baseline 3 · 200 + 3 · 500 = 2,100; cost 600 + 3 · 160."""
    r = optimise_time(plant_park(arrives={"B": 2028}, horizon={"start": 2025, "end": 2030}),
                      solver=OPTIONS)
    p = plant(r)
    assert p.build_year == 2028 and p.years_in_use == 3
    assert r.kpis["facilities"]["build_years"] == {"WRP": 2028}
    assert r.kpis["baseline_cost"] == pytest.approx(2100.0)
    assert r.kpis["total_cost"] == pytest.approx(600.0 + 3 * 160.0)
    assert r.years.cost.tolist() == pytest.approx([200.0] * 3 + [160.0] * 3)
    use = r.facility_states.set_index("state").input
    assert use["2027"] == 0.0 and use["2028"] == pytest.approx(100.0)


@pytest.mark.parametrize("end, built", [(2026, True), (2030, False)])
def test_a_plant_whose_user_leaves_is_not_worth_it_over_a_long_remaining_horizon(end, built):
    """B is there 2025–2026 (leaves 2027); capex 400 (2 a year per m3/yr). With B a year the
    plant saves 2 + 3 − 0.5 = 4.5 per m3, 450, and costs 200 + 10; once built its annuity runs
    on to the horizon's end (a plant stays, unlike a link to a firm that left): horizon
    2025–2026: 2 · (450 − 210) = 480 saved, built in 2025; horizon 2025–2030: 2 · 450 − 6 · 210
    < 0, and a plant built later serves nobody: not built."""
    r = optimise_time(plant_park(400.0, leaves={"B": 2027},
                                 horizon={"start": 2025, "end": end}), solver=OPTIONS)
    p = plant(r)
    assert bool(p.built) is built
    if built:
        assert p.build_year == 2025 and r.kpis["savings"] == pytest.approx(480.0)
    else:
        assert pd.isna(p.build_year) and r.kpis["savings"] == pytest.approx(0.0, abs=1e-9)


GREEN = {"modes": ["pipe", "facility"], "permit_years": 0}


@pytest.mark.parametrize("permit, green, year", [
    (0, None, 2025), (2, None, 2027), (2, {"modes": ["pipe"], "permit_years": 0}, 2027),
    (2, {"modes": ["facility"], "permit_years": 0}, 2027), (2, GREEN, 2025)])
def test_permitting_delays_a_plant_and_the_green_channel_brings_it_forward(permit, green, year):
    """A and B there throughout 2025–2030, r = 0.1 (δ_t = 1.1^−(t−2025); the annuity of a
    one-year life 1.1, so 1.1 a year per m3/yr of size). A year with the plant costs
    processing 50 + fixed 10 + capex 110 = 170 against 500 without: worth building from 2025.
    permit_years 2 holds the plant and its pipes to 2027: 500 (1 + 1/1.1) + 170 Σ_{t≥2027} δ_t
    = 1,444.43; the green channel brings it back to 2025 (170 Σ_t δ_t = 814.43) only when it
    covers both the plant (`facility`) and its pipes."""
    from symbiosis.timeline.command import green_channel
    config = dict(economics={"discount_rate": 0.1, "lifetime_years": 1},
                  horizon={"start": 2025, "end": 2030, "permit_years": permit})
    if green:
        config["policy"] = {"green_channel": green}
    park = plant_park(**config)
    r = optimise_time(park, solver=OPTIONS, green_channel=green_channel(park))
    p = plant(r)
    assert p.built and p.build_year == year and p.years_in_use == 2031 - year
    assert r.kpis["facilities"]["build_years"] == {"WRP": year}
    delta = 1.1 ** -(pd.Series(range(2025, 2031)) - 2025)
    wait = year - 2025
    assert r.kpis["baseline_cost"] == pytest.approx(500 * delta.sum())
    assert r.kpis["total_cost"] == pytest.approx(500 * delta[:wait].sum()
                                                 + 170 * delta[wait:].sum())
    assert r.kpis["total_cost"] == pytest.approx(1444.43 if wait else 814.43, abs=0.01)
    assert r.years.cost.tolist() == pytest.approx([500.0] * wait + [170.0] * (6 - wait))
    pipes_from = 2025 if green and "pipe" in green["modes"] else 2025 + permit
    assert len(r.links) == 2 and (r.links.build_year >= pipes_from).all()  # the plant's pipes
    use = r.facility_states.set_index("state")
    assert use.input[str(year)] == pytest.approx(100.0)
    assert (use.input[[str(y) for y in range(2025, year)]] == 0).all()
    assert plant(r)["size"] == pytest.approx(100.0)


def test_scaled_capex_is_sized_for_the_peak_too():
    """Capex exponent 0.5 (chords on 0, 6.25, …, 100, 200; 6 segments): the summer peak of
    100 sits on a breakpoint, where the chord is exact, 200·(100/200)^0.5 = 141.42; summer
    saves 0.5 · 100 · (2 + 3 − 0.5) = 225 with it, so 500 − 225 + 10 + 141.42 = 426.42."""
    tables = TimeTables.of(periods=SEASONS, stream_periods=pd.DataFrame(
        {"stream_id": ["ww_A", "ww_A"], "period": ["summer", "winter"],
         "quantity": [100.0, 0.0]}))
    park = plant_park()
    facilities = park.facilities.copy()
    facilities["capex_exponent"] = 0.5
    r = optimise_time(replace(park, facilities=facilities), tables, OPTIONS)
    assert r.kpis["total_cost"] == pytest.approx(500 - 225 + 10 + 200 * 0.5 ** 0.5)
    assert plant(r)["size"] == pytest.approx(100.0)


def tiny_park_with_a_plant(folder):
    """tests/data/tiny-park copied to `folder` with a water treatment plant WTP."""
    shutil.copytree(DATA / "tiny-park", folder)
    (folder / "facilities.csv").write_text(
        "facility_id,x_km,y_km,input_resource,output_resource,yield,processing_cost,capacity,"
        "capex\nWTP,0,0.5,water,water,0.95,0.01,2000,100\n", encoding="utf-8")
    with open(folder / "qualities.csv", "a", encoding="utf-8") as q:
        q.write("WTP:out,cod_mg_l,5\n")
    return folder


def test_one_period_with_a_facility_runs_byte_identical_to_no_periods(tmp_path):
    """`symbiosis run` on a model with a facility and a one-period periods.csv writes the
    bytes it writes without the time tables (the facility built in both)."""
    from .test_time_cli import _files, _invoke
    plain = tiny_park_with_a_plant(tmp_path / "plain")
    one = tmp_path / "one"
    shutil.copytree(plain, one)
    (one / "periods.csv").write_text("period,weight\nyear,1\n", encoding="utf-8")
    a = _invoke("run", str(plain), "-o", str(tmp_path / "a"), "-q")
    b = _invoke("run", str(one), "-o", str(tmp_path / "b"), "-q")
    assert a.exit_code == 0 and b.exit_code == 0, (a.output, b.output)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    built = pd.read_csv(tmp_path / "a" / "facilities.csv").set_index("facility_id")
    assert bool(built.built["WTP"])
    timed = _invoke("time", str(one), "-o", str(tmp_path / "t"))
    assert timed.exit_code == 0, timed.output
    k = json.loads((tmp_path / "t" / "kpis.json").read_text())
    run = json.loads((tmp_path / "a" / "kpis.json").read_text())
    assert k["total_cost"] == pytest.approx(run["total_cost"], rel=1e-9)
    assert (tmp_path / "t" / "facility_states.csv").exists()


@pytest.mark.parametrize("modes, year", [("pipe", 2026), ("pipe, facility", 2025)])
def test_validate_and_time_read_the_green_channel_for_facilities(tmp_path, modes, year):
    """tiny-park with a treatment plant, permit_years 1: `validate` names the green channel;
    `time` builds the plant in 2026 with the pipes alone on it, in 2025 with `facility` too;
    a misspelt mode is refused with exit code 2, naming the key and the modes allowed."""
    from .test_time_cli import _invoke
    model = tiny_park_with_a_plant(tmp_path / "m")
    yaml = (model / "model.yaml").read_text(encoding="utf-8")
    (model / "model.yaml").write_text(
        yaml + "horizon: {start: 2025, end: 2027, permit_years: 1}\n"
        f"policy:\n  green_channel: {{modes: [{modes}], permit_years: 0}}\n", encoding="utf-8")
    checked = _invoke("validate", str(model))
    assert checked.exit_code == 0, checked.output
    assert f"(3 years, permit_years 1; green channel {modes} permit_years 0)" in checked.output
    timed = _invoke("time", str(model), "-o", str(tmp_path / "t"))
    assert timed.exit_code == 0, timed.output
    k = json.loads((tmp_path / "t" / "kpis.json").read_text())
    assert k["facilities"]["build_years"] == {"WTP": year}
    (model / "model.yaml").write_text(
        yaml + "horizon: {start: 2025, end: 2027}\npolicy: {green_channel: {modes: [plant]}}\n",
        encoding="utf-8")
    refused = _invoke("validate", str(model))
    assert refused.exit_code == 2
    assert "policy.green_channel.modes[0]" in refused.output and "'facility'" in refused.output
