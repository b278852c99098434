"""Several utility levels (utilities.csv): hand-solved cases and the grand composite curve.

The case: the four-stream problem of Linnhoff & Hindmarsh (1983) as in Kemp (2007), table 2.2
(ΔTmin 10 K, QH 20, QC 60, pinch 90/80 °C), with steam at two levels and cooling water. No
published multiple-utility split of it was at hand, so the split is computed twice apart from
the optimiser: by hand below, and by the textbook placement on the grand composite curve
(`_gcc_placement`, Kemp 2007 ch. 4: the cheapest, lowest hot level takes the most the GCC
allows above it, then the next; mirrored for cold levels).

Shifted temperatures (hot −5, cold +5): the heat cascade R(T) is 20 at 165, 80 at 145, 82.5
at 140, 0 at the pinch 85, 75 at 55 and 60 at 25, with slope 1.5 per K between 85 and 140.
- LP steam at 100 °C (shifted 95): R(95) = 15 and R ≥ 15 above, so LP 15 and HP 5.
- LP steam at 110 °C (shifted 105): R(105) = 30, but R(165) = 20 above it: LP 20, HP 0.
- Raising hot water at 60 °C (shifted 65) below the pinch: R(65) = 50 is the least below 65,
  so hot water takes 50 and cooling water the last 10.
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.cli import main

from .conftest import DATA, heat_park
from .test_heat import KEMP

pytestmark = pytest.mark.solver

UTILITY_COLUMNS = ["utility", "kind", "resource", "t_in", "t_out", "price", "co2",
                   "max_quantity"]


def _with_utilities(park: sb.Park, rows: list[tuple]) -> sb.Park:
    rows = [r + (np.nan,) * (len(UTILITY_COLUMNS) - len(r)) for r in rows]
    firms = park.firms.reset_index()[["firm_id", "name", "park", "sector", "x_km", "y_km"]]
    streams = park.streams.reset_index()[["stream_id", "firm_id", "direction", "resource",
                                          "quantity", "t_in", "t_out"]]
    return sb.park_from_frames(park.config.model_dump(exclude_none=True), firms,
                               park.resources.reset_index(), streams,
                               utilities=pd.DataFrame(rows, columns=UTILITY_COLUMNS))


def _gcc_placement(streams, dt, hot_levels, cold_levels):
    """Textbook multiple-utility targets from the grand composite curve, written apart from
    symbiosis: isothermal levels (name, °C), hot ones filled lowest first, cold highest first."""
    shifted = [(d, a + (dt / 2 if d == "demand" else -dt / 2), b + (dt / 2 if d == "demand"
                                                                    else -dt / 2), q)
               for _, d, q, a, b in streams]
    points = {t for _, a, b, _ in shifted for t in (a, b)}
    points |= {t - dt / 2 for _, t in hot_levels} | {t + dt / 2 for _, t in cold_levels}
    grid = sorted(points, reverse=True)
    flow = [0.0]
    for high, low in zip(grid[:-1], grid[1:]):
        net = sum((q / abs(b - a)) * (1 if d == "supply" else -1) for d, a, b, q in shifted
                  if max(a, b) >= high and min(a, b) <= low)
        flow.append(flow[-1] + net * (high - low))
    flow = np.array(flow) - min(flow)
    grid = np.array(grid)
    loads = {}
    for name, t in sorted(hot_levels, key=lambda level: level[1]):
        above = grid >= t - dt / 2
        loads[name] = flow[above].min()
        flow[grid > t - dt / 2] -= loads[name]
    for name, t in sorted(cold_levels, key=lambda level: -level[1]):
        below = grid <= t + dt / 2
        loads[name] = flow[below].min()
        flow[grid < t + dt / 2] -= loads[name]
    return loads


STEAM = [("hp", "hot", "heat", 200, 200, 30, 0.25), ("lp", "hot", "heat", 100, 100, 20, 0.2)]
WATER = [("cw", "cold", "heat", 20, 20, 1, 0.0)]


@pytest.mark.parametrize("utilities, split", [
    (STEAM + WATER, {"hp": 5, "lp": 15, "cw": 60}),
    ([STEAM[0], ("lp", "hot", "heat", 110, 110, 20, 0.2)] + WATER,
     {"hp": 0, "lp": 20, "cw": 60}),
    (STEAM + WATER + [("hw", "cold", "heat", 60, 60, 0.2, 0.0)],
     {"hp": 5, "lp": 15, "cw": 10, "hw": 50}),
], ids=["lp-100", "lp-110", "hot-water-raising"])
@pytest.mark.parametrize("solver", ["highs", "highspy"])
def test_utility_split_of_the_four_stream_problem(utilities, split, solver):
    levels = {kind: [(u[0], u[3]) for u in utilities if u[1] == kind] for kind in ("hot", "cold")}
    assert _gcc_placement(KEMP, 10, levels["hot"], levels["cold"]) == pytest.approx(split)
    park = _with_utilities(heat_park(KEMP), utilities)
    result = sb.optimise(park, solver=sb.SolverOptions(name=solver, mip_gap=0))
    loads = {u: v["heat"] for u, v in result.kpis["heat"]["utilities"].items()}
    assert loads == pytest.approx(split, abs=1e-6)
    heat = result.kpis["heat"]
    assert (heat["hot_utility"], heat["cold_utility"]) == pytest.approx((20, 60))
    price = {u[0]: u[5] for u in utilities}
    co2 = {u[0]: u[6] for u in utilities}
    assert result.kpis["total_cost"] == pytest.approx(sum(price[u] * q for u, q in split.items()))
    assert result.kpis["co2_t"] == pytest.approx(sum(co2[u] * q for u, q in split.items()))
    assert result.kpis["verification"]["ok"]


def test_baseline_buys_each_stream_the_cheapest_utilities_its_temperatures_allow():
    """No links: C1 (20 -> 135, CP 2) takes LP steam (100 °C) up to 90 °C, 140, and HP the
    other 90; C2 (80 -> 140, CP 4) LP up to 90, 40, and HP 200; cooling water takes all 510."""
    park = _with_utilities(heat_park(KEMP), STEAM + WATER)
    result = sb.optimise(park)
    assert result.kpis["baseline_cost"] == pytest.approx(180 * 20 + 290 * 30 + 510 * 1)
    assert result.kpis["baseline_co2_t"] == pytest.approx(180 * 0.2 + 290 * 0.25)
    assert result.kpis["savings"] == pytest.approx(result.kpis["baseline_cost"] - 450 - 60)
    assert result.firms.baseline_cost.sum() == pytest.approx(result.kpis["baseline_cost"])
    assert result.firms.cost.sum() == pytest.approx(result.kpis["total_cost"])


def test_a_limited_utility_level_hands_the_rest_to_the_next():
    park = _with_utilities(heat_park(KEMP), [STEAM[0], STEAM[1] + (10,)] + WATER)
    result = sb.optimise(park, solver=sb.SolverOptions(mip_gap=0))
    loads = {u: v["heat"] for u, v in result.kpis["heat"]["utilities"].items()}
    assert loads == pytest.approx({"hp": 10, "lp": 10, "cw": 60})


def test_a_ranged_hot_utility_serves_only_below_its_whole_profile():
    """Hot oil 300 -> 250 °C serves a demand 100 -> 245 °C whole (counter-current, both ends
    at least ΔTmin apart: 300 vs 245, 250 vs 100), but not one 250 -> 280 °C, whose inlet the
    oil would leave only 0 K above (that one takes steam at 300 °C)."""
    oil = [("oil", "hot", "heat", 300, 250, 10, 0), ("hp", "hot", "heat", 300, 300, 50, 0)]
    for t_in, t_out, expected in ((100, 245, {"oil": 100, "hp": 0}),
                                  (250, 280, {"oil": 0, "hp": 100})):
        park = _with_utilities(heat_park([("C", "demand", 100, t_in, t_out)]), oil)
        result = sb.optimise(park)
        loads = {u: v["heat"] for u, v in result.kpis["heat"]["utilities"].items()}
        assert loads == pytest.approx(expected)


def _utility_model(tmp_path, rows: str):
    folder = tmp_path / "park"
    shutil.copytree(DATA / "tiny-park", folder)
    with open(folder / "resources.csv", "a") as f:
        f.write("heat,heat,kW,pipe,0,0,1,0,0.5,0\n")
    text = (folder / "streams.csv").read_text().replace("price,co2\n", "price,co2,t_in,t_out\n")
    text += "H1,A,supply,heat,330,,,170,60\nH2,A,supply,heat,180,,,150,30\n" \
            "C1,A,demand,heat,230,,,20,135\nC2,A,demand,heat,240,,,80,140\n"
    (folder / "streams.csv").write_text(text)
    (folder / "utilities.csv").write_text("utility,kind,resource,t_in,t_out,price,co2\n" + rows)
    return folder


def test_run_reports_each_utility_level(tmp_path):
    folder = _utility_model(tmp_path, "hp,hot,heat,200,200,30,0.25\nlp,hot,heat,100,100,20,0.2\n"
                                      "cw,cold,heat,20,20,1,0\n")
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["run", str(folder), "-o", str(out), "--gap", "0"])
    assert run.exit_code == 0, run.output
    heat = json.loads((out / "kpis.json").read_text())["heat"]
    assert {u: v["heat"] for u, v in heat["utilities"].items()} == pytest.approx(
        {"hp": 5, "lp": 15, "cw": 60})


@pytest.mark.parametrize("rows, where, words", [
    ("hp,hot,heat,140,140,30,0\ncw,cold,heat,20,20,1,0\n", "streams.csv, line",
     "no hot utility of 'heat' in utilities.csv is hot enough"),
    ("hp,hot,heat,200,200,30,0\ncw,cold,heat,40,40,1,0\n", "streams.csv, line",
     "no cold utility of 'heat' in utilities.csv is cold enough"),
    ("hp,hot,heat,180,200,30,0\n", "utilities.csv, line 2, column t_out",
     "a hot utility gives heat as it cools"),
    ("hp,hot,water,200,200,30,0\n", "utilities.csv, line 2, column resource",
     "is not a heat resource"),
], ids=["too-cold-steam", "too-warm-water", "hot-heats-up", "not-heat"])
def test_bad_utilities_are_refused_naming_the_cell(tmp_path, rows, where, words):
    folder = _utility_model(tmp_path, rows)
    run = CliRunner().invoke(main, ["run", str(folder), "-o", str(tmp_path / "out")])
    assert run.exit_code == 2, run.output
    assert where in run.output and words in run.output
    assert not (tmp_path / "out").exists()


def test_the_value_screen_prices_streams_at_their_utilities():
    """Heat bought at 1 a kW would not pay a 400 link; from steam at 20-30 it does. The
    screened run (the default) must reach the optimum of the unscreened network."""
    from symbiosis.network import build_network
    from symbiosis.pipeline import Timer, optimise_network

    park = _with_utilities(heat_park(KEMP, links={"pipe": {"fixed_cost": 400}}),
                           STEAM + WATER)
    screened = sb.optimise(park, solver=sb.SolverOptions(mip_gap=0))
    full = optimise_network(park, build_network(park, screen_value=False), "cost",
                            sb.SolverOptions(mip_gap=0),
                            None, Timer())
    assert screened.kpis["total_cost"] == pytest.approx(full.kpis["total_cost"])
    assert screened.kpis["links_built"] >= 1
    assert screened.network.links.loc[screened.links.index].unit_value.min() > 0
