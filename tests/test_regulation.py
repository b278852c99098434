"""Hazardous-waste gating, the no-mixing rule, the carrier surcharge and the policy levers, on
parks solved by hand (docs/regulation.md)."""
from __future__ import annotations

import pytest

import symbiosis as sb
from symbiosis.errors import InputError

from .conftest import make_park

TRUCK = {"truck": {"fixed_cost": 500}}


def sludge_park(licences: str | None = "07 01 01", x_b: float = 1.0, **config) -> sb.Park:
    """A gives 10 t of hazardous sludge (disposal 100/t); B needs 10 t (buys at 20/t).
    Linked: 10·(100 + 20) = 1200 saved for a fixed 500."""
    park = make_park({"A": (0, 0), "B": (x_b, 0)},
                     [{"resource": "sludge", "disposal_cost": 100, "purchase_price": 20,
                       "hazard_code": "07 01 01", "eu_code": "11 01 09*"}],
                     [("S1", "A", "supply", "sludge", 10), ("D1", "B", "demand", "sludge", 10)],
                     links={**TRUCK, **config.pop("links", {})}, **config)
    firms = park.firms.copy()
    firms["licences"] = ["", licences or ""]
    from dataclasses import replace
    return replace(park, firms=firms)


def test_an_unlicensed_hazardous_link_is_refused_and_explained():
    r = sb.optimise(sludge_park(licences=None))
    assert r.kpis["links_built"] == 0
    assert r.kpis["total_cost"] == pytest.approx(1200.0)
    rejected = r.network.rejected.set_index(["from_stream", "to_stream"])
    assert rejected.loc[("S1", "D1"), "reason"] == "not_licensed"
    assert "07 01 01" in rejected.loc[("S1", "D1"), "detail"]
    why = r.why_not.set_index(["from_stream", "to_stream"]).loc[("S1", "D1")]
    assert why.reason == "not_licensed"
    assert "B is not licensed for hazardous waste code 07 01 01" in why.detail
    assert "1,200 USD/yr" in why.detail  # what it would be worth


def test_a_licensed_hazardous_link_is_built():
    r = sb.optimise(sludge_park(licences="07 03 11; 070101"))  # either way of writing it
    assert list(r.links.index) == ["S1->D1"]
    assert r.kpis["total_cost"] == pytest.approx(500.0)
    assert r.kpis["savings"] == pytest.approx(700.0)


def test_a_firm_needs_no_licence_for_its_own_waste():
    park = make_park({"A": (0, 0)}, [{"resource": "sludge", "disposal_cost": 100,
                                      "purchase_price": 20, "hazard_code": "07 01 01"}],
                     [("S1", "A", "supply", "sludge", 10), ("D1", "A", "demand", "sludge", 10)],
                     links=TRUCK)
    assert sb.optimise(park).kpis["total_cost"] == pytest.approx(500.0)


def test_the_carrier_surcharge_is_paid_per_t_km():
    """B 10 km away, surcharge 2 per t·km: 10 t · 10 km · 2 = 200 more: 700."""
    r = sb.optimise(sludge_park(x_b=10.0, regulation={"carrier_surcharge": 2.0}))
    assert r.kpis["total_cost"] == pytest.approx(700.0)
    assert r.objective_breakdown.loc["hazard_carrier", "cost"] == pytest.approx(200.0)


def two_codes(**config) -> sb.Park:
    """A's h1 (07 01 01, disposal 100) and C's h2 (07 03 11, disposal 50) both to B, licensed
    for both; each demand buys at 20. h1 saves 1200 − 500 = 700, h2 700 − 500 = 200.
    Baseline 1000 + 200 + 500 + 200 = 1900."""
    park = make_park({"A": (0, 0), "B": (1, 0), "C": (2, 0)},
                     [{"resource": "h1", "disposal_cost": 100, "purchase_price": 20,
                       "hazard_code": "07 01 01"},
                      {"resource": "h2", "disposal_cost": 50, "purchase_price": 20,
                       "hazard_code": "07 03 11"}],
                     [("S1", "A", "supply", "h1", 10), ("S2", "C", "supply", "h2", 10),
                      ("D1", "B", "demand", "h1", 10), ("D2", "B", "demand", "h2", 10)],
                     links=TRUCK, **config)
    firms = park.firms.copy()
    firms["licences"] = ["", "07 01 01;07 03 11", ""]
    from dataclasses import replace
    return replace(park, firms=firms)


def test_without_a_mixing_rule_both_codes_go_to_one_receiver():
    r = sb.optimise(two_codes())
    assert sorted(r.links.index) == ["S1->D1", "S2->D2"]
    assert r.kpis["total_cost"] == pytest.approx(1000.0)


def test_a_mixing_ban_binds():
    r = sb.optimise(two_codes(regulation={"no_mixing": [["07 01 01", "07 03 11"]]}))
    assert list(r.links.index) == ["S1->D1"]
    assert r.kpis["total_cost"] == pytest.approx(1200.0)


def test_a_mixing_group_naming_an_absent_code_is_an_error():
    with pytest.raises(InputError, match="no resource has hazard_code"):
        two_codes(regulation={"no_mixing": [["07 01 01", "19 02 05"]]})


# --- policy levers -----------------------------------------------------------------------


def slag_park(**config) -> sb.Park:
    """A gives 10 t of slag (disposal 10/t), B needs 10 t (buys at 5/t): a link saves
    10·15 = 150 a year, less than its fixed 500, so it is not built; baseline 150."""
    return make_park({"A": (0, 0), "B": (1, 0)},
                     [{"resource": "slag", "disposal_cost": 10, "purchase_price": 5}],
                     [("S1", "A", "supply", "slag", 10), ("D1", "B", "demand", "slag", 10)],
                     links=TRUCK, **config)


def test_a_disposal_fee_makes_a_link_worth_building():
    """Fee 40: disposal 50/t, the link saves 10·55 = 550 > 500: cost 500, baseline 550."""
    assert sb.optimise(slag_park()).kpis["links_built"] == 0
    r = sb.optimise(slag_park(policy={"disposal_fee": {"slag": 40}}))
    assert r.kpis["links_built"] == 1
    assert r.kpis["baseline_cost"] == pytest.approx(550.0)
    assert r.kpis["total_cost"] == pytest.approx(500.0)


def test_a_landfill_ban_forces_reuse():
    """Banned, the slag must go over the link that never pays: cost 500 (baseline 150)."""
    r = sb.optimise(slag_park(policy={"landfill_ban": ["slag"]}))
    assert list(r.links.index) == ["S1->D1"]
    assert r.kpis["total_cost"] == pytest.approx(500.0)
    assert r.streams.disposed["S1"] == pytest.approx(0.0)


def test_a_landfill_ban_that_cannot_be_met_says_why():
    park = make_park({"A": (0, 0), "B": (1, 0)},
                     [{"resource": "slag", "disposal_cost": 10, "purchase_price": 5}],
                     [("S1", "A", "supply", "slag", 10), ("D1", "B", "demand", "slag", 4)],
                     links=TRUCK, policy={"landfill_ban": ["slag"]})
    r = sb.optimise(park)
    assert r.kpis["status"] == "infeasible"
    assert r.kpis["landfill_ban"]["unmet"] == [
        "S1 (slag, 10 a year) can be sent over its candidate links for at most 4"]
    assert "landfill ban: S1 (slag, 10 a year)" in r.summary()


def test_a_ban_or_fee_naming_an_unknown_resource_is_an_error():
    with pytest.raises(InputError, match="unknown resource 'slug'"):
        slag_park(policy={"landfill_ban": ["slug"]})


def water_park(**policy) -> sb.Park:
    """100 m3 over a 1 km pipe saves 2·100 = 200 a year; capex 1000/km annualised over 4
    years at 0 %: 250 > 200, not built."""
    return make_park({"A": (0, 0), "B": (1, 0)},
                     [{"resource": "water", "category": "water", "unit": "m3", "mode": "pipe",
                       "disposal_cost": 1, "purchase_price": 1}],
                     [("S1", "A", "supply", "water", 100), ("D1", "B", "demand", "water", 100)],
                     economics={"discount_rate": 0.0, "lifetime_years": 4},
                     links={"pipe": {"fixed_cost": 0, "capex_per_km": 1000}}, policy=policy)


@pytest.mark.parametrize("subsidy, cost", [({"share": 0.5}, 125.0), ({"amount": 800}, 50.0)])
def test_a_capex_subsidy_makes_a_link_worth_building(subsidy, cost):
    """Half the capex: 125 a year < 200; 800 of the 1000 per km: 50 a year."""
    assert sb.optimise(water_park()).kpis["links_built"] == 0
    r = sb.optimise(water_park(capex_subsidy={"pipe": subsidy}))
    assert r.kpis["links_built"] == 1
    assert r.kpis["total_cost"] == pytest.approx(cost)
    assert r.kpis["savings"] == pytest.approx(200.0 - cost)


def test_a_truck_subsidy_leaves_pipes_alone():
    r = sb.optimise(water_park(capex_subsidy={"truck": {"share": 1.0}}))
    assert r.kpis["links_built"] == 0


# --- bad input -----------------------------------------------------------------------------


def write_park(tmp_path, resources_extra: str = "", firms_extra: str = "") -> str:
    (tmp_path / "model.yaml").write_text("name: t\nlinks: {truck: {fixed_cost: 500}}\n")
    (tmp_path / "firms.csv").write_text(
        "firm_id,name,park,sector,x_km,y_km,licences\n"
        f"A,A,P,s,0,0,\nB,B,P,s,1,0,{firms_extra}\n")
    (tmp_path / "resources.csv").write_text(
        "resource,category,unit,mode,disposal_cost,purchase_price,hazard_code,eu_code\n"
        f"sludge,material,t,truck,100,20,{resources_extra or '07 01 01,11 01 09*'}\n")
    (tmp_path / "streams.csv").write_text(
        "stream_id,firm_id,direction,resource,quantity\nS1,A,supply,sludge,10\n"
        "D1,B,demand,sludge,10\n")
    return str(tmp_path)


def test_a_bad_hazard_code_is_located(tmp_path):
    with pytest.raises(InputError) as e:
        sb.load_park(write_park(tmp_path, resources_extra="7-1-1,11 01 09*"))
    text = str(e.value)
    assert "resources.csv" in text and "line 2" in text and "hazard_code" in text
    assert "three pairs of digits" in text


def test_a_bad_licence_is_located(tmp_path):
    with pytest.raises(InputError) as e:
        sb.load_park(write_park(tmp_path, firms_extra="07 01 01;0701"))
    text = str(e.value)
    assert "firms.csv" in text and "line 3" in text and "licences" in text and "'0701'" in text


def test_a_licence_for_a_code_no_resource_has_is_a_warning(tmp_path):
    park = sb.load_park(write_park(tmp_path, firms_extra="07 01 01;19 02 05"))
    assert any("19 02 05" in str(w) and "allows nothing here" in str(w) for w in park.warnings)


def test_the_cli_exits_2_on_a_bad_code(tmp_path):
    from click.testing import CliRunner
    from symbiosis.cli import main
    out = CliRunner().invoke(main, ["validate", write_park(tmp_path, resources_extra="x,")])
    assert out.exit_code == 2
    assert "hazard_code" in out.output and "Traceback" not in out.output


def test_policy_levers_sweep_as_set_keys(tmp_path):
    """`policy.disposal_fee.<resource>` is a model.yaml key a scenario may set."""
    from symbiosis.scenario import apply_set
    config = apply_set({"name": "t"}, {"policy.disposal_fee.slag": 40}, "s.yaml")
    assert config["policy"] == {"disposal_fee": {"slag": 40}}


# --- shared facilities -----------------------------------------------------------------------


def yard_park(scrap_code: str = "", licences: str = "", **config) -> sb.Park:
    """test_facilities' yard: 300 t of scrap (disposal 1/t) through plant P1 (capacity 150,
    capex 150 at capacity, exponent 1) to a demand of metal (2/t): 150 t · 3 − 150 = 300."""
    from .test_facilities import SITES, THREE, park_with, yard
    scrap = [dict(resource="scrap", disposal_cost=1.0, hazard_code=scrap_code),
             dict(resource="metal", purchase_price=2.0)]
    plant = yard("P1", capacity=150.0, capex=150.0, licences=licences)
    return park_with(SITES, scrap, THREE, [plant], **config)


def test_a_shared_facility_needs_its_own_licence_in_facilities_csv():
    """A facility taking hazardous scrap is gated as a firm (docs/regulation.md): unlicensed,
    none of the three suppliers may send to it; licensed, the optimum is the yard's 300."""
    assert sb.optimise(yard_park(scrap_code="07 03 11")).kpis["savings"] == pytest.approx(0.0)
    r = sb.optimise(yard_park(scrap_code="07 03 11", licences="07 03 11"))
    assert r.kpis["savings"] == pytest.approx(300.0)


def test_a_facility_capex_subsidy_lowers_its_capex():
    """Half the capex: 150 t · 3 − 75 = 375."""
    r = sb.optimise(yard_park(policy={"capex_subsidy": {"facilities": {"share": 0.5}}}))
    assert r.kpis["savings"] == pytest.approx(375.0)
    assert r.kpis["annualised_capex"] == pytest.approx(75.0)


def test_a_sweep_varies_a_capex_subsidy(tmp_path):
    """A grid axis over `policy.capex_subsidy.pipe.share`: at 0 the pipe is not built (cost
    200), at 0.5 it is (125), as in water_park."""
    from symbiosis.batch.spec import load_sweep
    from symbiosis.io import read_model
    from symbiosis.scenario import apply_scenario
    model = tmp_path / "m"
    model.mkdir()
    (model / "model.yaml").write_text(
        "name: w\neconomics: {discount_rate: 0, lifetime_years: 4}\n"
        "links: {pipe: {fixed_cost: 0, capex_per_km: 1000}}\n")
    (model / "firms.csv").write_text("firm_id,name,park,sector,x_km,y_km\nA,A,P,s,0,0\n"
                                     "B,B,P,s,1,0\n")
    (model / "resources.csv").write_text(
        "resource,category,unit,mode,disposal_cost,purchase_price\nwater,water,m3,pipe,1,1\n")
    (model / "streams.csv").write_text(
        "stream_id,firm_id,direction,resource,quantity\nS1,A,supply,water,100\n"
        "D1,B,demand,water,100\n")
    (tmp_path / "base.yaml").write_text("name: base\nmodel: m\n")
    plan = load_sweep({"name": "subsidy", "base": str(tmp_path / "base.yaml"),
                       "include_base": False,
                       "grid": {"policy.capex_subsidy.pipe.share": [0.0, 0.5]}})
    costs = {}
    for v in plan.variants:
        park = apply_scenario(read_model(model), v.scenario, "sweep")
        costs[v.params["policy.capex_subsidy.pipe.share"]] = sb.optimise(park).kpis["total_cost"]
    assert costs == pytest.approx({0.0: 200.0, 0.5: 125.0})


def test_a_landfill_ban_on_heat_is_an_error():
    from .conftest import HEAT
    with pytest.raises(InputError, match="'heat' is heat: a landfill ban is for material"):
        make_park({"A": (0, 0)}, [HEAT], [{"stream_id": "h", "firm_id": "A",
                                           "direction": "supply", "resource": "heat",
                                           "quantity": 10, "t_in": 90, "t_out": 40}],
                  policy={"landfill_ban": ["heat"]})


def test_a_scenario_lever_naming_an_unknown_resource_points_at_the_scenario(tmp_path):
    from symbiosis.scenario import load_scenario
    model = write_park(tmp_path / "m" if (tmp_path / "m").mkdir() is None else tmp_path)
    (tmp_path / "s.yaml").write_text(f"name: s\nmodel: {model}\n"
                                     "set: {policy.landfill_ban: [slug]}\n")
    with pytest.raises(InputError) as e:
        load_scenario(tmp_path / "s.yaml")
    assert "s.yaml" in str(e.value) and "set.policy.landfill_ban[0]" in str(e.value)
    assert "unknown resource 'slug'" in str(e.value)
