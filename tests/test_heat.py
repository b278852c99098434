"""Heat recovery: textbook targets, the MILP against the problem table, heat never uphill.

Cases and their sources:
- KEMP: the four-stream problem of Linnhoff & Hindmarsh (1983), "The pinch design method for
  heat exchanger networks", Chem. Eng. Sci. 38(5), used as the worked example in Kemp (2007),
  "Pinch Analysis and Process Integration", 2nd ed., Table 2.2: ΔTmin 10 K, hot utility 20,
  cold utility 60, pinch 90 °C hot / 80 °C cold.
- SMITH: the four-stream example of Smith (2005), "Chemical Process Design and Integration",
  Wiley, ch. 16 (Table 16.1, in kW): ΔTmin 10 K, hot utility 750, cold utility 1000, pinch
  150 °C hot / 140 °C cold.
- THRESHOLD: constructed, a threshold problem as defined in Kemp (2007): only one utility is
  needed and there is no pinch; targets by hand below.
- Several firms: KEMP's hot streams in one firm and cold streams in another.
"""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.cli import main
from symbiosis.pinch import park_targets, problem_table

from .conftest import DATA, heat_park

pytestmark = pytest.mark.solver

KEMP = [("C1", "demand", 230, 20, 135), ("H2", "supply", 330, 170, 60),
        ("C3", "demand", 240, 80, 140), ("H4", "supply", 180, 150, 30)]
SMITH = [("C1", "demand", 3200, 20, 180), ("H2", "supply", 3150, 250, 40),
         ("C3", "demand", 2700, 140, 230), ("H4", "supply", 3000, 200, 80)]
# Hot 200 -> 100 (CP 2), cold 50 -> 120 (CP 1). Shifted by 5 K: intervals 195-125 (+140),
# 125-95 (+30), 95-55 (-40): cascade 0, 140, 170, 130 never negative -> no hot utility,
# cold utility 130, and no pinch.
THRESHOLD = [("H", "supply", 200, 200, 100), ("C", "demand", 70, 50, 120)]


def _utilities(result: sb.Result) -> tuple[float, float]:
    return result.kpis["heat"]["hot_utility"], result.kpis["heat"]["cold_utility"]


@pytest.mark.parametrize("streams, hot, cold, pinch_hot, pinch_cold", [
    (KEMP, 20, 60, 90, 80),
    (SMITH, 750, 1000, 150, 140),
    (THRESHOLD, 0, 130, None, None),
], ids=["kemp", "smith", "threshold"])
def test_milp_reaches_the_published_targets(streams, hot, cold, pinch_hot, pinch_cold):
    park = heat_park(streams)
    targets = problem_table(park.streams, 10)
    assert (targets.hot_utility, targets.cold_utility) == pytest.approx((hot, cold))
    assert targets.pinch_hot_c == pinch_hot and targets.pinch_cold_c == pinch_cold
    result = sb.optimise(park)
    assert _utilities(result) == pytest.approx((hot, cold))
    total_hot = sum(q for _, d, q, _, _ in streams if d == "supply")
    assert result.kpis["heat"]["recovered_within_firms"] == pytest.approx(total_hot - cold)


def test_linking_firms_lowers_hot_utility_below_the_sum_of_firms_alone():
    firm_of = {"H2": "Hot", "H4": "Hot", "C1": "Cold", "C3": "Cold"}
    park = heat_park(KEMP, firm_of, positions={"Hot": (0, 0), "Cold": (1, 0)})
    table = park_targets(park)
    alone = table.loc["sum of firms alone"]
    linked = table.loc["park (all firms linked)"]
    assert (alone.hot_utility, alone.cold_utility) == pytest.approx((470, 510))
    assert (linked.hot_utility, linked.cold_utility) == pytest.approx((20, 60))
    result = sb.optimise(park)
    assert _utilities(result) == pytest.approx((20, 60))
    assert result.kpis["heat"]["recovered_between_firms"] == pytest.approx(450)
    assert result.firms.loc["Cold", "heat_received_between"] == pytest.approx(450)
    assert result.firms.loc["Hot", "heat_given_between"] == pytest.approx(450)
    _assert_firm_heat_balances(result)
    # Firms kept apart (links only within a firm) fall back to the sum of firms alone.
    apart = heat_park(KEMP, firm_of, positions={"Hot": (0, 0), "Cold": (1, 0)},
                      links={"max_distance_km": 0})
    assert _utilities(sb.optimise(apart)) == pytest.approx((470, 510))


def _random_streams(rng: np.random.Generator, n: int) -> list[tuple]:
    streams = []
    for i in range(n):
        a, b = sorted(rng.choice(np.arange(20, 300, 5), size=2, replace=False))
        load = float(rng.integers(10, 500))
        if rng.random() < 0.5:
            streams.append((f"H{i}", "supply", load, float(b), float(a)))
        else:
            streams.append((f"C{i}", "demand", load, float(a), float(b)))
    return streams


def _assert_firm_heat_balances(result: sb.Result) -> None:
    """Each firm's fall in hot utility is heat recovered within, received and pumped."""
    f = result.firms
    fall = f.baseline_hot_utility - f.hot_utility
    explained = f.heat_recovered_within + f.heat_received_between + f.heat_pumped
    assert fall.to_numpy() == pytest.approx(explained.to_numpy())


def _assert_never_uphill(result: sb.Result) -> None:
    t = result.heat_transfers
    assert len(t)
    assert (t.hot_t_low - t.cold_t_low >= t.approach_c - 1e-6).all()
    assert (t.hot_t_high - t.cold_t_high >= t.approach_c - 1e-6).all()
    streams = result.park.streams
    # Each match lies within its streams' own temperature ranges.
    for side, stream in (("hot", "from_stream"), ("cold", "to_stream")):
        lo = np.minimum(streams.t_in, streams.t_out).reindex(t[stream]).to_numpy()
        hi = np.maximum(streams.t_in, streams.t_out).reindex(t[stream]).to_numpy()
        assert (t[f"{side}_t_low"].to_numpy() >= lo - 1e-6).all()
        assert (t[f"{side}_t_high"].to_numpy() <= hi + 1e-6).all()


@pytest.mark.parametrize("seed", range(8))
def test_random_heat_never_flows_uphill_and_meets_the_problem_table(seed):
    rng = np.random.default_rng(seed)
    streams = _random_streams(rng, 6)
    if not {"supply", "demand"} <= {s[1] for s in streams}:
        streams.append(("Cx", "demand", 100.0, 25.0, 60.0))
        streams.append(("Hx", "supply", 100.0, 250.0, 90.0))
    park = heat_park(streams)
    result = sb.optimise(park)
    targets = problem_table(park.streams, 10)
    assert _utilities(result) == pytest.approx((targets.hot_utility, targets.cold_utility),
                                               abs=1e-6)
    _assert_never_uphill(result)


@pytest.mark.parametrize("seed", range(4))
def test_inter_firm_approach_is_respected_and_bounded_by_the_targets(seed):
    rng = np.random.default_rng(100 + seed)
    streams = _random_streams(rng, 6) + [("Cx", "demand", 100.0, 25.0, 60.0),
                                         ("Hx", "supply", 100.0, 250.0, 90.0)]
    firm_of = {s[0]: f"F{i % 2}" for i, s in enumerate(streams)}
    park = heat_park(streams, firm_of, positions={"F0": (0, 0), "F1": (1, 0)},
                     heat={"min_approach_c": 10, "inter_firm_approach_c": 15})
    result = sb.optimise(park)
    _assert_never_uphill(result)
    t = result.heat_transfers
    between = t.from_stream.map(firm_of) != t.to_stream.map(firm_of)
    assert (t.approach_c[between] == 25).all() and (t.approach_c[~between] == 10).all()
    hot = result.kpis["heat"]["hot_utility"]
    assert problem_table(park.streams, 10).hot_utility - 1e-6 <= hot
    assert hot <= problem_table(park.streams, 25).hot_utility + 1e-6


def test_heat_lost_along_the_pipe():
    # 100 MWh at 200 -> 150 °C can serve a 50 MWh demand at 20 -> 60 °C two km away.
    # With 10 % lost per km, 0.8 arrives: taking 62.5 delivers exactly 50.
    park = heat_park([("H", "supply", 100, 200, 150), ("C", "demand", 50, 20, 60)],
                     {"H": "A", "C": "B"}, positions={"A": (0, 0), "B": (2, 0)},
                     heat={"min_approach_c": 10, "loss_per_km": 0.1})
    result = sb.optimise(park)
    link = result.links.loc["H->C"]
    assert (link.flow, link.delivered) == pytest.approx((62.5, 50))
    assert _utilities(result) == pytest.approx((0, 37.5))
    assert result.kpis["heat"]["lost_in_pipes"] == pytest.approx(12.5)
    _assert_firm_heat_balances(result)
    assert result.firms.loc["A", "heat_given_between"] == pytest.approx(62.5)


def test_a_supply_too_cold_for_a_demand_is_rejected_with_the_temperature_reason():
    park = heat_park([("H", "supply", 100, 60, 40), ("C", "demand", 50, 55, 80)])
    result = sb.optimise(park)
    assert result.links.empty
    assert result.network.why_not("H", "C").startswith("temperature: supply at most 60")
    assert _utilities(result) == pytest.approx((50, 100))


def test_targets_command_prints_firms_and_park(tmp_path):
    park = tmp_path / "park"
    shutil.copytree(DATA / "tiny-park", park)
    with open(park / "resources.csv", "a") as f:
        f.write("heat,heat,MWh,pipe,0.01,0,60,0.25,2,0.001\n")
    text = (park / "streams.csv").read_text().replace("price,co2\n", "price,co2,t_in,t_out\n")
    text += "H_A,A,supply,heat,330,,,170,60\nH_B,B,supply,heat,180,,,150,30\n" \
            "C_W,W,demand,heat,230,,,20,135\nC_A,A,demand,heat,240,,,80,140\n"
    (park / "streams.csv").write_text(text)
    result = CliRunner().invoke(main, ["targets", str(park), "--png", str(tmp_path / "png")])
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if l.startswith("park (all firms linked)"))
    assert line.split()[4:6] == ["20.0", "60.0"]
    for name in ("composite_curves.png", "grand_composite_curve.png"):
        assert (tmp_path / "png" / name).stat().st_size > 10_000
    run = CliRunner().invoke(main, ["run", str(park), "-o", str(tmp_path / "out")])
    assert run.exit_code == 0
    heat = json.loads((tmp_path / "out" / "kpis.json").read_text())["heat"]
    assert (heat["hot_utility"], heat["cold_utility"]) == pytest.approx((20, 60))


def _pump_park(fixed_cost: float) -> sb.Park:
    # Waste heat at 40 -> 30 °C, a bath heated 60 -> 70 °C, 100 MWh each, ΔTmin 10 K:
    # no direct recovery. A pump evaporates at 30 - 10 = 20 °C, condenses at 70 + 10 = 80 °C.
    from .conftest import HEAT

    return heat_park([("H", "supply", 100, 40, 30), ("C", "demand", 100, 60, 70)],
                     resource=dict(HEAT, unit="MWh", purchase_price=60, disposal_cost=2),
                     heat_pumps={"carnot_efficiency": 0.5, "capex_per_kw": 500,
                                 "electricity_price": 100, "electricity_co2": 0.6592,
                                 "fixed_cost": fixed_cost})


def _pump_by_hand() -> dict[str, float]:
    cop = 0.5 * (80 + 273.15) / (80 - 20)
    electricity = 100 / cop
    capex = 500 * (100 * 1000 / 8000) * (0.08 / (1 - 1.08 ** -15))  # 12.5 kW
    # Saved: 100 MWh bought at 60; source heat no longer cooled away at 2 per MWh.
    benefit = 100 * 60 + (100 - electricity) * 2 - 100 * electricity - capex
    return {"cop": cop, "electricity": electricity, "capex": capex, "benefit": benefit}


def test_heat_pump_cop_and_electricity_by_hand():
    hand = _pump_by_hand()
    assert hand["cop"] == pytest.approx(2.9429167)
    result = sb.optimise(_pump_park(0))
    pump = result.heat_pumps.set_index("pump").loc["H=>C"]
    assert pump.cop == pytest.approx(hand["cop"])
    assert pump.heat_delivered == pytest.approx(100)
    assert pump.electricity == pytest.approx(hand["electricity"])
    assert pump.heat_from_source == pytest.approx(100 - hand["electricity"])
    assert pump.capacity_kw == pytest.approx(12.5)
    assert pump.annual_cost == pytest.approx(100 * hand["electricity"] + hand["capex"])
    heat = result.kpis["heat"]
    assert (heat["hot_utility"], heat["cold_utility"]) == pytest.approx((0, hand["electricity"]))
    assert result.kpis["co2_t"] == pytest.approx(hand["electricity"] * 0.6592)
    assert result.kpis["savings"] == pytest.approx(hand["benefit"])
    assert result.kpis["annualised_capex"] == pytest.approx(hand["capex"])
    assert result.firms.cost.sum() == pytest.approx(result.kpis["total_cost"])
    assert result.firms.co2_t.sum() == pytest.approx(result.kpis["co2_t"])
    _assert_firm_heat_balances(result)
    assert result.firms.loc["F", "heat_pumped"] == pytest.approx(100)
    flows = result.kpis["resources"]["heat"]
    assert (flows["pumped"], flows["purchased"], flows["disposed"]) == pytest.approx(
        (100, 0, hand["electricity"]))


@pytest.mark.parametrize("below", [True, False])
def test_heat_pump_is_chosen_exactly_when_it_pays(below):
    benefit = _pump_by_hand()["benefit"]  # about 2003.9 a year before the fixed cost
    result = sb.optimise(_pump_park(benefit - 5 if below else benefit + 5))
    assert result.kpis["heat"]["heat_pumps_built"] == (1 if below else 0)
    assert result.kpis["total_cost"] == pytest.approx(6200 - 5 if below else 6200)


@pytest.mark.parametrize("extra, recovered", [(20, 100.0), (40, 100 * 250 / 350)])
def test_heat_between_firms_is_targeted_at_the_wider_approach(extra, recovered):
    # All heat crosses between two firms, so the whole park works at ΔTmin + e.
    # Hot 150 -> 100 (CP 2), cold 50 -> 120 (CP 100/70). e = 20: approach 30, ends 30 and 50
    # apart: all 100 recovered. e = 40: approach 50 pinches at 100 / 50: the cold stream takes
    # heat up to 100 °C only, 50 K of its 70 K range: 100 x 50/70 = 71.4.
    streams = [("H", "supply", 100, 150, 100), ("C", "demand", 100, 50, 120)]
    park = heat_park(streams, {"H": "A", "C": "B"}, positions={"A": (0, 0), "B": (1, 0)},
                     heat={"min_approach_c": 10, "inter_firm_approach_c": extra})
    result = sb.optimise(park)
    target = problem_table(park.streams, 10 + extra)
    assert 100 - target.hot_utility == pytest.approx(recovered)
    assert result.kpis["heat"]["recovered_between_firms"] == pytest.approx(recovered)
    _assert_never_uphill(result)


# --- constant-temperature streams, pump COP from its own streams, the inter-firm grid -------

# (streams, hot utility, cold utility) by hand, ΔTmin 10 K:
# - steam condensing at 120 °C (100) heats water 40 -> 80 °C (200): 80 + 10 <= 120, so all 100
#   is recovered: hot 100, cold 0;
# - a hot stream 150 -> 90 (CP 1, 60) boils a liquid at 100 °C (50): only the part above
#   100 + 10 = 110 serves it, 40: hot 10, cold 20;
# - two latent loads exactly the approach apart (110 and 100 °C) exchange all 30: hot 10, cold 0.
LATENT = [
    ([("S", "supply", 100, 120, 120), ("W", "demand", 200, 40, 80)], 100, 0),
    ([("H", "supply", 60, 150, 90), ("B", "demand", 50, 100, 100)], 10, 20),
    ([("S", "supply", 30, 110, 110), ("B", "demand", 40, 100, 100)], 10, 0),
]


@pytest.mark.parametrize("streams, hot, cold", LATENT, ids=["condensing", "boiling", "both"])
def test_constant_temperature_streams_by_hand(streams, hot, cold):
    park = heat_park(streams)
    targets = problem_table(park.streams, 10)
    assert (targets.hot_utility, targets.cold_utility) == pytest.approx((hot, cold))
    result = sb.optimise(park)
    assert _utilities(result) == pytest.approx((hot, cold))
    _assert_never_uphill(result)
    # Between two firms the same holds at the wider approach (here 10 + 0).
    firm_of = {s[0]: f"F{i}" for i, s in enumerate(streams)}
    apart = heat_park(streams, firm_of, positions={"F0": (0, 0), "F1": (1, 0)})
    assert _utilities(sb.optimise(apart)) == pytest.approx((hot, cold))


def test_a_latent_demand_below_the_approach_is_rejected():
    park = heat_park([("S", "supply", 30, 109, 109), ("B", "demand", 40, 100, 100)])
    result = sb.optimise(park)
    assert result.links.empty and _utilities(result) == pytest.approx((40, 30))
    assert result.network.why_not("S", "B").startswith("temperature")


def test_heat_pump_cop_follows_its_own_streams_only():
    """Adding an unlinked firm 500 km away, or a wider inter-firm approach, changes neither
    the pump's COP nor the firm's cost (it did when COP was read off the park's grid)."""
    alone = sb.optimise(_pump_park(0))
    base = _pump_park(0)
    cfg = {"heat_pumps": base.config.heat_pumps.model_dump(), "heat": {"min_approach_c": 10}}
    streams = [("H", "supply", 100, 40, 30), ("C", "demand", 100, 60, 70),
               ("H9", "supply", 80, 95, 45), ("C9", "demand", 60, 15, 27)]
    resource = dict(base.resources.reset_index().iloc[0])
    for extra in (0, 5):
        cfg["heat"]["inter_firm_approach_c"] = extra
        park = heat_park(streams, {"H9": "Far", "C9": "Far"},
                         positions={"F": (0, 0), "Far": (500, 0)}, resource=resource, **cfg)
        result = sb.optimise(park)
        pump = result.heat_pumps.set_index("pump").loc["H=>C"]
        assert pump.cop == pytest.approx(_pump_by_hand()["cop"])
        assert result.firms.loc["F", "cost"] == pytest.approx(alone.firms.loc["F", "cost"])


def _twelve_firm_park(extra: float) -> sb.Park:
    from .conftest import HEAT

    rng = np.random.default_rng(7)
    streams = [(f"{s[0]}_{f}",) + s[1:] for f in range(12) for s in _random_streams(rng, 4)]
    firm_of = {s[0]: "F" + s[0].split("_")[1] for s in streams}
    positions = {f"F{i}": (float(i % 4), float(i // 4)) for i in range(12)}
    return heat_park(streams, firm_of, positions=positions, resource=dict(HEAT, unit="MWh"),
                     heat={"min_approach_c": 10, "inter_firm_approach_c": extra},
                     heat_pumps={"electricity_price": 0.5, "carnot_efficiency": 0.5})


def test_a_wider_inter_firm_approach_costs_savings_and_keeps_the_program_small():
    from symbiosis.formulation import formulate
    from symbiosis.network import build_network

    sizes, results = {}, {}
    for extra in (0, 5):
        park = _twelve_firm_park(extra)
        sizes[extra] = formulate(park, build_network(park, screen_value=True)).n_columns
        results[extra] = sb.optimise(park, solver=sb.SolverOptions(mip_gap=0))
    # The per-link cascade grows linearly with the grid (the interval-pair form had
    # 66,169 and 97,569 columns on this park).
    assert sizes[5] <= 1.5 * sizes[0] and sizes[0] < 25_000
    assert results[5].kpis["savings"] <= results[0].kpis["savings"] + 1e-6
    assert results[5].kpis["heat"]["grid_exact"] and results[0].kpis["heat"]["grid_exact"]
    cop = {e: r.heat_pumps.set_index("pump").cop for e, r in results.items()}
    common = cop[0].index.intersection(cop[5].index)
    assert len(common) and cop[0][common].to_numpy() == pytest.approx(cop[5][common].to_numpy())


def test_a_capped_grid_is_conservative_and_says_so(monkeypatch):
    from symbiosis.formulation import heat

    streams = [("H", "supply", 100, 150, 100), ("C", "demand", 100, 50, 120),
               ("H2", "supply", 50, 133, 61), ("C2", "demand", 70, 37, 98)]
    firm_of = {"H": "A", "C": "B", "H2": "B", "C2": "A"}
    kw = dict(positions={"A": (0, 0), "B": (1, 0)},
              heat={"min_approach_c": 10, "inter_firm_approach_c": 3})
    exact = sb.optimise(heat_park(streams, firm_of, **kw))
    monkeypatch.setattr(heat, "MAX_GRID_POINTS", 12)
    capped = sb.optimise(heat_park(streams, firm_of, **kw))
    assert exact.kpis["heat"]["grid_exact"] and not capped.kpis["heat"]["grid_exact"]
    assert capped.kpis["heat"]["hot_utility"] >= exact.kpis["heat"]["hot_utility"] - 1e-6
    _assert_never_uphill(capped)
