"""The green-certification sheet (firms_esg.csv): hand-solved parks, and on any park its
columns add up to the park's KPIs (docs/format.md, "firms_esg.csv")."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.formulation import formulate
from symbiosis.generate import generate_park
from symbiosis.results import baseline_point
from symbiosis.results.esg import esg_table
from symbiosis.results.schema import ESG_CO2_SOURCES, ESG_COLUMNS

from .conftest import heat_park, make_park


def scrap_and_water(**config) -> sb.Park:
    """A gives 60 of its 100 t of scrap to B, 10 km away (B stops buying at 10/t, A stops
    disposing at 2/t and 0.5 t CO2/t; trucking 0.1/t·km and 0.01 t CO2/t·km, B's); B gives
    50 of its 80 m3 of waste water to A (A stops buying at 1/m3; no cost to move it).

    Before: A disposes 100 t (200, 50 t CO2) and buys 50 m3 (50): 250; B buys 60 t (600, 60 t
    CO2). After: A disposes 40 t (80, 20 t CO2); B pays the truck, 60 (6 t CO2)."""
    return make_park({"A": (0, 0), "B": (10, 0)},
                     [dict(resource="scrap", purchase_price=10.0, disposal_cost=2.0,
                           purchase_co2=1.0, disposal_co2=0.5, transport_cost=0.1,
                           transport_co2=0.01),
                      dict(resource="water", category="water", unit="m3", mode="pipe",
                           purchase_price=1.0)],
                     [("S1", "A", "supply", "scrap", 100.0), ("D1", "B", "demand", "scrap", 60.0),
                      ("D2", "A", "demand", "water", 50.0), ("S2", "B", "supply", "water", 80.0)],
                     **config)


def assert_adds_up(result: sb.Result, kpis: dict | None = None,
                   esg: pd.DataFrame | None = None) -> None:
    """Every additive column of the sheet sums to the KPI it splits, before and after."""
    k = kpis or result.kpis
    e = result.esg if esg is None else esg
    res = pd.DataFrame(k["resources"]).T
    category = result.park.resources.category.reindex(res.index)
    unit = result.park.resources.unit.reindex(res.index)
    mat = res[(category == "material") & (unit == "t")]
    wat = res[(category == "water") & (unit == "m3")]
    approx = dict(rel=1e-9, abs=1e-6)
    assert list(e.columns) == ESG_COLUMNS
    assert e.waste_t.sum() == pytest.approx(mat.supply.sum(), **approx)
    assert e.material_input_t.sum() == pytest.approx(mat.demand.sum(), **approx)
    assert e.water_input_m3.sum() == pytest.approx(wat.demand.sum(), **approx)
    assert e.baseline_waste_disposed_t.sum() == pytest.approx(mat.supply.sum(), **approx)
    assert e.waste_disposed_t.sum() == pytest.approx(mat.disposed.sum(), **approx)
    assert e.waste_diverted_t.sum() == pytest.approx(mat.exchanged.sum(), **approx)
    assert e.recycled_input_t.sum() == pytest.approx(mat.delivered.sum(), **approx)
    assert e.water_reused_m3.sum() == pytest.approx(wat.delivered.sum(), **approx)
    heat = k.get("heat")
    recovered = (heat["recovered_within_firms"] + heat["recovered_between_firms"]
                 + heat["pumped"]) if heat else 0.0
    assert e.heat_recovered.sum() == pytest.approx(recovered, **approx)
    for before, after in (("baseline_", ""),):
        sources = e[[f"{after}co2_{s}_t" for s in ESG_CO2_SOURCES]].sum(axis=1)
        assert sources.to_numpy() == pytest.approx(e.co2_t.to_numpy(), **approx)
        base = e[[f"{before}co2_{s}_t" for s in ESG_CO2_SOURCES]].sum(axis=1)
        assert base.to_numpy() == pytest.approx(e.baseline_co2_t.to_numpy(), **approx)
    assert e.co2_t.sum() == pytest.approx(k["co2_t"], **approx)
    assert e.baseline_co2_t.sum() == pytest.approx(k["baseline_co2_t"], **approx)
    assert e.cost.sum() == pytest.approx(k["total_cost"], **approx)
    assert e.baseline_cost.sum() == pytest.approx(k["baseline_cost"], **approx)
    breakdown = k["objective_breakdown"]
    co2 = result.objective_breakdown.co2_t
    for term in ("purchases", "disposals", "transport", "processing"):
        assert e[f"co2_{term}_t"].sum() == pytest.approx(co2.get(term, 0.0), **approx)
    assert set(breakdown) >= {"purchases", "disposals"}
    for pct, part, whole in (("waste_diverted_pct", "waste_diverted_t", "waste_t"),
                             ("recycled_input_pct", "recycled_input_t", "material_input_t"),
                             ("water_reused_pct", "water_reused_m3", "water_input_m3")):
        has = e[whole] > 0
        assert e.loc[has, pct].to_numpy() == pytest.approx(
            (100 * e[part] / e[whole])[has].to_numpy())
        assert e.loc[~has, pct].isna().all()


def test_hand_park_sheet():
    r = sb.optimise(scrap_and_water())
    e = r.esg.set_index("firm_id")
    assert r.kpis["total_cost"] == pytest.approx(140.0)
    a, b = e.loc["A"], e.loc["B"]
    assert (a.waste_t, a.baseline_waste_disposed_t, a.waste_disposed_t, a.waste_diverted_t) == \
        pytest.approx((100.0, 100.0, 40.0, 60.0))
    assert (a.baseline_waste_diverted_pct, a.waste_diverted_pct) == pytest.approx((0.0, 60.0))
    assert (b.recycled_input_t, b.recycled_input_pct) == pytest.approx((60.0, 100.0))
    assert np.isnan(a.recycled_input_pct) and np.isnan(b.waste_diverted_pct)
    assert (a.water_reused_m3, a.water_reused_pct, a.baseline_water_reused_pct) == \
        pytest.approx((50.0, 100.0, 0.0))
    assert (a.baseline_co2_disposals_t, a.co2_disposals_t) == pytest.approx((50.0, 20.0))
    assert (b.baseline_co2_purchases_t, b.co2_purchases_t) == pytest.approx((60.0, 0.0))
    # the truck is the receiver's (firm accounts): all of it in B's sheet
    assert (a.co2_transport_t, b.co2_transport_t) == pytest.approx((0.0, 6.0))
    assert (a.baseline_cost, a.cost, b.baseline_cost, b.cost) == \
        pytest.approx((250.0, 80.0, 600.0, 60.0))
    assert e.name.tolist() == ["A", "B"]
    assert_adds_up(r)


def test_carbon_price_is_in_each_firms_cost():
    r = sb.optimise(scrap_and_water(economics={"carbon_price": 10.0}))
    e = r.esg.set_index("firm_id")
    assert e.loc["B", "cost"] == pytest.approx(60.0 + 10 * 6.0)
    assert e.loc["A", "baseline_cost"] == pytest.approx(250.0 + 10 * 50.0)
    assert_adds_up(r)


def test_accounts_are_the_programs():
    """The sheet's cost is the firm account M·x + k; its CO2 is the program's CO2."""
    park = scrap_and_water()
    r = sb.optimise(park)
    lp = formulate(park, r.network)
    x0 = baseline_point(lp, park)
    m, k = lp.account_matrix(park.firms.index)
    e = esg_table(park, lp, None, x0, r.firms)
    assert e.baseline_cost.to_numpy() == pytest.approx(m @ x0 + k)
    assert e.baseline_co2_t.sum() == pytest.approx(lp.co2(x0))
    assert e.cost.isna().all() and e.co2_t.isna().all()  # no solution: no `after`


def test_heat_recovered():
    """A's hot stream (100 kW, 150→50 °C) heats B's cold one (80 kW, 40→120 °C) across the
    firm boundary: 80 recovered by B, A cools the remaining 20."""
    park = heat_park([("H", "supply", 100.0, 150.0, 50.0), ("C", "demand", 80.0, 40.0, 120.0)],
                     firm_of={"H": "A", "C": "B"}, positions={"A": (0, 0), "B": (0.1, 0)})
    r = sb.optimise(park)
    e = r.esg.set_index("firm_id")
    assert e.loc["B", "heat_recovered"] == pytest.approx(80.0)
    assert e.loc["A", "heat_recovered"] == pytest.approx(0.0)
    assert e.baseline_heat_recovered.sum() == 0.0
    assert_adds_up(r)


@pytest.mark.solver
def test_generated_park_adds_up_in_the_folder(tmp_path):
    park = sb.load_park(generate_park(20, 2, tmp_path / "park"))
    r = sb.optimise(park, solver=sb.SolverOptions(name="highspy", time_limit=30, mip_gap=0.01))
    assert r.kpis["links_built"] > 0
    out = r.to_folder(tmp_path / "out")
    written = pd.read_csv(out / "firms_esg.csv", keep_default_na=False, na_values=[""])
    kpis = json.loads((out / "kpis.json").read_text())
    assert len(written) == len(park.firms)
    # the file rounds to 10 digits: its sums hold to that
    assert_adds_up(r, kpis, written.astype({"firm_id": str}))


def test_accounts_by_term_add_up_to_the_account_matrix():
    """Term by term, the firm accounts are account_matrix's (carbon priced in)."""
    park = scrap_and_water(economics={"carbon_price": 3.0})
    r = sb.optimise(park)
    lp = formulate(park, r.network)
    from symbiosis.analysis.sharing import design_point
    x = design_point(lp, r)
    m, k = lp.account_matrix(park.firms.index)
    cost, co2 = lp.accounts_by_term(park.firms.index, x)
    assert (cost.sum(axis=1) + 3.0 * co2.sum(axis=1)).to_numpy() == pytest.approx(m @ x + k)
    assert co2.to_numpy().sum() == pytest.approx(lp.co2(x))
    assert list(co2.columns) == list(lp.co2_terms)
