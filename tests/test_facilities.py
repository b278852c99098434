"""Shared facilities and road distances, as worked examples solved by hand (docs/model.md,
"Facilities"; docs/format.md, "Facilities" and "Distances").

Every park here has annuity 1 (discount rate 0, lifetime 1 year), so a capex is its own annual
cost, and transport free unless a test says otherwise.
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
from symbiosis.formulation.facilities import breakpoints, chord_error

from .conftest import DATA, RESOURCE_DEFAULTS

OPTIONS = sb.SolverOptions(name="highspy", mip_gap=0, threads=1)
ECONOMICS = {"discount_rate": 0.0, "lifetime_years": 1}


def park_with(firms, resources, streams, plants=None, qualities=None, distances=None,
              **config) -> sb.Park:
    firm_frame = pd.DataFrame({"firm_id": list(firms), "name": list(firms), "park": "P",
                               "sector": "s", "x_km": [p[0] for p in firms.values()],
                               "y_km": [p[1] for p in firms.values()]})
    resource_frame = pd.DataFrame([{**RESOURCE_DEFAULTS, **r} for r in resources])
    stream_frame = pd.DataFrame([dict(zip(["stream_id", "firm_id", "direction", "resource",
                                           "quantity", "price"], s)) for s in streams])
    frames = dict(
        qualities=(pd.DataFrame(qualities, columns=["stream_id", "property", "value"])
                   if qualities else None),
        facilities=pd.DataFrame(plants) if plants else None,
        distances=(pd.DataFrame(distances, columns=["from", "to", "km"])
                   if distances else None))
    config = {"name": "test", "economics": ECONOMICS, **config}
    return sb.park_from_frames(config, firm_frame, resource_frame, stream_frame, **frames)


WATER = [dict(resource="ww", category="water", unit="m3", mode="pipe", disposal_cost=2.0),
         dict(resource="pw", category="water", unit="m3", mode="pipe", purchase_price=3.0)]
PLANT = dict(facility_id="WRP", name="reclamation plant", x_km=1.0, y_km=0.0,
             input_resource="ww", output_resource="pw", **{"yield": 0.9},
             processing_cost=0.5, capacity=200.0, fixed_cost=10.0)


def water_park(out_cod: float, **config) -> sb.Park:
    return park_with({"A": (0, 0), "B": (2, 0)}, WATER,
                     [("ww_A", "A", "supply", "ww", 100), ("pw_B", "B", "demand", "pw", 100)],
                     plants=[PLANT],
                     qualities=[("ww_A", "cod", 500), ("pw_B", "cod", 10),
                                ("WRP:out", "cod", out_cod)], **config)


def test_a_treatment_plant_makes_a_quality_blocked_reuse_possible():
    """Waste water (COD 500) cannot serve process water (COD ≤ 10) and no exchange turns one
    into the other: without the plant nothing is reused. The plant takes all 100 m3 (2/m3 of
    discharge avoided), treats it at 0.5/m3 and delivers 90 m3 at COD 5 (3/m3 not bought),
    for a fixed 10: savings 200 + 270 − 50 − 10 = 410."""
    off = sb.optimise(water_park(5, facilities={"enabled": False}), solver=OPTIONS)
    assert off.kpis["savings"] == pytest.approx(0.0, abs=1e-9)
    result = sb.optimise(water_park(5), solver=OPTIONS)
    assert result.kpis["baseline_cost"] == pytest.approx(500.0)
    assert result.kpis["savings"] == pytest.approx(410.0)
    links = result.links.set_index(["from_stream", "to_stream"])
    assert links.flow[("ww_A", "WRP:in")] == pytest.approx(100.0)
    assert links.flow[("WRP:out", "pw_B")] == pytest.approx(90.0)
    assert links.to_firm[("ww_A", "WRP:in")] == "WRP"  # the facility id as the firm
    assert links.from_firm[("WRP:out", "pw_B")] == "WRP"
    plant = result.facilities.set_index("facility_id").loc["WRP"]
    assert plant.built and plant["size"] == pytest.approx(100.0)
    assert plant.output_delivered == pytest.approx(90.0)
    assert plant.annual_cost == pytest.approx(60.0)  # 50 processing + 10 fixed
    assert result.kpis["facilities"]["built"] == 1


def test_the_blend_limit_sees_the_plants_output_level():
    """At COD 20 the plant's water may be at most half of B's 100 m3 (20·y ≤ 10·100, the rest
    bought at level 0): 50 m3 delivered, the other 40 m3 it makes disposed of (free): savings
    200 + 150 − 50 − 10 = 290."""
    result = sb.optimise(water_park(20), solver=OPTIONS)
    assert result.kpis["savings"] == pytest.approx(290.0)
    plant = result.facilities.set_index("facility_id").loc["WRP"]
    assert plant.output_delivered == pytest.approx(50.0)
    assert plant.output_disposed == pytest.approx(40.0)


def test_input_limits_bind_the_blend_of_a_plants_intake():
    """The plant accepts COD ≤ 300 on average: A's water (500) only mixed with C's (100):
    x_A·(500 − 300) + x_C·(100 − 300) ≤ 0, so with 100 m3 of C all 100 of A can go in.
    Without C's water none of A's may; with C's 50 m3, only 50 of A's."""
    def park(c_quantity):
        streams = [("ww_A", "A", "supply", "ww", 100), ("ww_C", "C", "supply", "ww", c_quantity),
                   ("pw_B", "B", "demand", "pw", 1000)]
        return park_with({"A": (0, 0), "B": (2, 0), "C": (0, 1)}, WATER, streams,
                         plants=[{**PLANT, "capacity": 1000.0}],
                         qualities=[("ww_A", "cod", 500), ("ww_C", "cod", 100),
                                    ("pw_B", "cod", 10), ("WRP:out", "cod", 5),
                                    ("WRP:in", "cod", 300)])
    result = sb.optimise(park(50), solver=OPTIONS)
    plant = result.facilities.set_index("facility_id").loc["WRP"]
    assert plant["size"] == pytest.approx(100.0)  # 50 of A + 50 of C
    # each m3 in saves 2 (discharge) + 0.9·3 − 0.5 = 4.2: 100 m3 − 10 fixed
    assert result.kpis["savings"] == pytest.approx(100 * 4.2 - 10)


SCRAP = [dict(resource="scrap", disposal_cost=1.0), dict(resource="metal", purchase_price=2.0)]
THREE = [(f"s{i}", f"S{i}", "supply", "scrap", 100) for i in (1, 2, 3)] + [
    ("m_D", "D", "demand", "metal", 300)]
SITES = {"S1": (0, 0), "S2": (1, 0), "S3": (2, 0), "D": (1, 1)}


def yard(fid, capacity=300.0, **kw):
    return {"facility_id": fid, "x_km": 1.0, "y_km": 0.5, "input_resource": "scrap",
            "output_resource": "metal", "yield": 1.0, "capacity": capacity, **kw}


def test_economies_of_scale_make_one_shared_plant_cheaper_than_two_or_none():
    """Three suppliers of 100 t scrap (1/t to dispose of) and a demand of 300 t metal (2/t):
    each tonne through a plant is worth 3. Capex 600 at capacity 300 with exponent 0.5, as
    chords on the breakpoints 0, 9.375, 18.75, 37.5, 75, 150, 300 (6 segments, the default).
    One plant of 300 t:
    900 − 600 = 300. Two plants of 100 and 200 t: chords 600·(0.5 + 0.2071/3) and
    600·(0.7071 + 0.2929/3), 824.3 together, saving 75.7; one plant of 200 t saves
    600 − 482.8. P2 costs 1 a year more than P1, so P1 takes all three."""
    facilities = [yard("P1", capex=600.0, capex_exponent=0.5),
                  yard("P2", capex=600.0, capex_exponent=0.5, fixed_cost=1.0)]
    result = sb.optimise(park_with(SITES, SCRAP, THREE, facilities), solver=OPTIONS)
    assert result.kpis["savings"] == pytest.approx(300.0)
    table = result.facilities.set_index("facility_id")
    assert table.built.tolist() == [True, False]
    assert table.loc["P1", "size"] == pytest.approx(300.0)
    assert table.loc["P1", "annualised_capex"] == pytest.approx(600.0)
    assert table.loc["P1", "annualised_capex_exact"] == pytest.approx(600.0)  # a breakpoint
    # two plants would cost, by the chords:
    two = 600 * (0.5 + (np.sqrt(0.5) - 0.5) / 3) + 600 * (np.sqrt(0.5) + (1 - np.sqrt(0.5)) / 3)
    assert 900 - two < 300 and 900 - two == pytest.approx(75.7, abs=0.1)


def test_a_binding_capacity_caps_what_the_plant_takes():
    """Capacity 150 t, capex 150 at capacity with exponent 1 (1 per tonne): each tonne saves
    3 − 1 = 2, and only 150 t fit: savings 300, the plant full."""
    result = sb.optimise(park_with(SITES, SCRAP, THREE,
                                   [yard("P1", capacity=150.0, capex=150.0)]), solver=OPTIONS)
    assert result.kpis["savings"] == pytest.approx(300.0)
    plant = result.facilities.set_index("facility_id").loc["P1"]
    assert plant["size"] == pytest.approx(150.0) and plant.utilisation == pytest.approx(1.0)
    assert result.kpis["annualised_capex"] == pytest.approx(150.0)


def test_a_plant_whose_fixed_cost_exceeds_its_value_is_not_built():
    """All 300 t through the plant are worth 900 a year; a fixed cost of 1000 is more: nothing
    is built, and why_not says so for the facility."""
    result = sb.optimise(park_with(SITES, SCRAP, THREE, [yard("P1", fixed_cost=1000.0)]),
                         solver=OPTIONS)
    assert result.kpis["savings"] == pytest.approx(0.0, abs=1e-9)
    assert not result.facilities.built.any()
    row = result.why_not.set_index("to_firm").loc["P1"]
    assert row.reason == "fixed_cost_not_recovered"
    assert "900" in row.detail and "1,000" in row.detail


def test_chord_breakpoints_and_the_stated_error():
    assert breakpoints(300.0, 4).tolist() == [0.0, 37.5, 75.0, 150.0, 300.0]
    relative, first = chord_error(0.6, 4)
    q = np.linspace(1, 2, 100001)  # the doubling segment [1, 2], by brute force
    chord = 1 + (2 ** 0.6 - 1) * (q - 1)
    assert relative == pytest.approx(np.max(1 - chord / q ** 0.6), rel=1e-6)
    h = 1 / 8
    q = np.linspace(0, h, 100001)
    assert first == pytest.approx(np.max(q ** 0.6 - h ** -0.4 * q), rel=1e-6)
    assert chord_error(1.0, 4) == (0.0, 0.0)


# --- distances ------------------------------------------------------------------------------

ROAD = [dict(resource="scrap", disposal_cost=1.0, transport_cost=0.1, purchase_price=2.0)]
PAIR = [("s", "A", "supply", "scrap", 100), ("d", "B", "demand", "scrap", 100)]


def test_distances_csv_and_circuity_change_the_optimum():
    """A and B 10 km apart; a tonne carried is worth 1 + 2 = 3 less 0.1/km. Straight line:
    3 − 1 = 2/t, savings 200. distances.csv says 25 km: 0.5/t, savings 50. Circuity 1.5:
    15 km, 1.5/t, savings 150; links.csv says which distance each link used."""
    firms = {"A": (0, 0), "B": (10, 0)}
    plain = sb.optimise(park_with(firms, ROAD, PAIR), solver=OPTIONS)
    assert plain.kpis["savings"] == pytest.approx(200.0)
    assert "distance_source" not in plain.links  # links.csv as before
    table = sb.optimise(park_with(firms, ROAD, PAIR, distances=[("B", "A", 25.0)]),
                        solver=OPTIONS)  # given one way: holds both ways
    assert table.kpis["savings"] == pytest.approx(50.0)
    assert table.links.distance_km.tolist() == [25.0]
    assert table.links.distance_source.tolist() == ["distances.csv"]
    curved = sb.optimise(park_with(firms, ROAD, PAIR, links={"circuity": 1.5}), solver=OPTIONS)
    assert curved.kpis["savings"] == pytest.approx(150.0)
    assert curved.links.distance_km.tolist() == [pytest.approx(15.0)]
    assert curved.links.distance_source.tolist() == ["circuity"]
    # a mode's own circuity; and beyond max_distance_km the pair is too far
    far = park_with(firms, ROAD, PAIR, links={"circuity": 1.2, "truck": {"circuity": 3.5}})
    network = sb.build_network(far, screen_value=False)
    assert network.links.empty
    assert network.rejected.reason.tolist() == ["too_far"]
    assert network.rejected.distance_km.tolist() == [pytest.approx(35.0)]


def test_the_spatial_index_finds_pairs_a_table_brings_within_reach():
    """distances.csv may list a pair nearer than its straight line (a tunnel): the KD-tree
    path searches that much wider, so both paths agree."""
    firms = {"A": (0, 0), "B": (40, 0)}
    park = park_with(firms, ROAD, PAIR, distances=[("A", "B", 20.0)])
    for spatial in (False, True):
        network = sb.build_network(park, spatial=spatial, screen_value=False)
        assert network.links.distance_km.tolist() == [20.0], spatial


# --- bad input ------------------------------------------------------------------------------


def _problems(**changes) -> str:
    facilities = [{**PLANT, **changes}]
    with pytest.raises(sb.InputError) as info:
        park_with({"A": (0, 0), "B": (2, 0)}, WATER,
                  [("ww_A", "A", "supply", "ww", 100), ("pw_B", "B", "demand", "pw", 100)],
                  plants=facilities)
    return str(info.value)


@pytest.mark.parametrize("changes, expected", [
    ({"facility_id": "A"}, "facility id 'A' is also a firm id"),
    ({"capex_exponent": 1.5}, "expected a number in (0, 1], got 1.5"),
    ({"capex_exponent": 0.0}, "expected a number > 0"),
    ({"yield": 0.0}, "expected a number > 0"),
    ({"input_resource": "sludge"}, "unknown resource 'sludge'"),
    ({"capacity": None}, "needs a capacity"),
    ({"x_km": None}, "needs x_km"),
])
def test_bad_facilities_are_located_errors(changes, expected):
    message = _problems(**changes)
    assert expected in message
    assert "facilities (DataFrame)" in message and "row 0" in message


def test_bad_facility_and_distance_files_exit_2_naming_file_row_and_column(tmp_path):
    folder = tmp_path / "park"
    shutil.copytree(DATA / "tiny-park", folder)
    firms = pd.read_csv(folder / "firms.csv")
    first = firms.firm_id.iloc[0]
    (folder / "facilities.csv").write_text(
        "facility_id,x_km,y_km,input_resource,output_resource,yield,capacity,capex_exponent\n"
        f"{first},0,0,nothing,nothing,1,10,0.5\n", encoding="utf-8")
    (folder / "distances.csv").write_text(f"from,to,km\n{first},NOWHERE,-3\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", str(folder)])
    assert out.exit_code == 2, out.output
    text = out.output
    assert "facilities.csv" in text and "line 2" in text and "facility_id" in text
    assert f"facility id '{first}' is also a firm id" in text
    assert "unknown resource 'nothing'" in text
    assert "distances.csv" in text and "unknown firm or facility 'NOWHERE'" in text
    assert "expected a non-negative number" in text
    assert "Traceback" not in text


def test_validate_summarises_facilities_and_distances(tmp_path):
    folder = tmp_path / "park"
    shutil.copytree(DATA / "tiny-park", folder)
    streams = pd.read_csv(folder / "streams.csv")
    resource = streams.resource.iloc[0]
    firms = pd.read_csv(folder / "firms.csv")
    (folder / "facilities.csv").write_text(
        "facility_id,x_km,y_km,input_resource,output_resource,yield,capacity\n"
        f"HUB,0,0,{resource},{resource},1,10\n", encoding="utf-8")
    (folder / "distances.csv").write_text(
        f"from,to,km\n{firms.firm_id.iloc[0]},HUB,3\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["validate", str(folder)])
    assert out.exit_code == 0, out.output
    assert "facilities 1" in out.output and "distances 1" in out.output
    assert "HUB" in out.output


# --- results, report, and models without facilities ---------------------------------------


def test_a_park_with_facilities_off_is_the_park_without_them():
    """facilities.enabled: false (or no facilities.csv) leaves the network and the program as
    they were: the same candidate links and the same optimum."""
    off = water_park(5, facilities={"enabled": False})
    plain = park_with({"A": (0, 0), "B": (2, 0)}, WATER,
                      [("ww_A", "A", "supply", "ww", 100), ("pw_B", "B", "demand", "pw", 100)],
                      qualities=[("ww_A", "cod", 500), ("pw_B", "cod", 10)])
    a, b = sb.build_network(off, screen_value=False), sb.build_network(plain, screen_value=False)
    pd.testing.assert_frame_equal(a.links, b.links)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert sb.optimise(off, solver=OPTIONS).facilities.empty


def test_facilities_in_the_folder_the_map_and_the_sankey(tmp_path):
    from symbiosis.report.figures import map_figure, sankey_flows
    from symbiosis.report.folder import read_result_folder

    plant = {**PLANT, "name": "<b>plant</b>"}
    park = park_with({"A": (0, 0), "B": (2, 0)}, WATER,
                     [("ww_A", "A", "supply", "ww", 100), ("pw_B", "B", "demand", "pw", 100)],
                     plants=[plant], qualities=[("ww_A", "cod", 500), ("pw_B", "cod", 10),
                                                ("WRP:out", "cod", 5)])
    result = sb.optimise(park, solver=OPTIONS)
    out = result.to_folder(tmp_path / "r")
    written = pd.read_csv(out / "facilities.csv")
    assert written.facility_id.tolist() == ["WRP"] and written.built.tolist() == [True]
    assert json.loads((out / "kpis.json").read_text())["facilities"]["built"] == 1
    result.to_folder(out)  # a folder with facilities.csv is a result folder: replaced
    tables = read_result_folder(out)
    fig = map_figure(tables)
    stars = [t for t in fig.data if t.meta == "facilities"]
    assert len(stars) == 1 and stars[0].x == (1.0,)
    assert "&lt;b&gt;plant&lt;/b&gt;" in stars[0].text[0]  # input text never markup
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2  # A → plant → B, both drawn from the plant's site
    labels, rows = sankey_flows(tables)
    assert "▸ WRP (facility)" in labels and "WRP (facility) ▸" in labels
    from symbiosis.report.page import result_page
    page = result_page(tables)
    assert 'id="facilities">Facilities (1 of 1 built)' in page
    table = page.split('id="facility-table"', 1)[1].split("</table>", 1)[0]
    assert 'data-col="size" data-value="100"' in table  # the plant treats all 100 m3
    assert "&lt;b&gt;plant&lt;/b&gt;" in table and "<b>plant</b>" not in table


def test_a_scenario_excluding_a_firm_keeps_the_facilities_levels(tmp_path):
    """exclude_firms drops the firm's streams, qualities and distances, never a facility's
    `<id>:out` levels: the solvent centre of the example still delivers to F03."""
    from symbiosis.scenario import load_scenario

    scenario = tmp_path / "s.yaml"
    model = (DATA.parent.parent / "models" / "bac-ninh-electronics").resolve()
    scenario.write_text(f"name: s\nmodel: {model}\nset: {{facilities.enabled: true}}\n"
                        "exclude_firms: [F02]\n", encoding="utf-8")
    park = load_scenario(scenario).park
    assert {"WRP1:out", "SRC1:out"} <= set(park.qualities.stream_id)
    network = sb.build_network(park)
    assert "SRC1:out->F03_d_ipa" in network.links.index


@pytest.mark.parametrize("solver", ["highspy", "highs"])
def test_both_backends_give_the_facility_optimum(solver):
    """The array path and Pyomo (HiGHS through appsi) solve the same facility block: the
    economies-of-scale park above, 300 a year on both."""
    pytest.importorskip("pyomo")
    facilities = [yard("P1", capex=600.0, capex_exponent=0.5),
                  yard("P2", capex=600.0, capex_exponent=0.5, fixed_cost=1.0)]
    options = sb.SolverOptions(name=solver, mip_gap=0, threads=1)
    result = sb.optimise(park_with(SITES, SCRAP, THREE, facilities), solver=options)
    assert result.kpis["savings"] == pytest.approx(300.0)
    assert result.facilities.set_index("facility_id").built.tolist() == [True, False]


def test_the_spatial_index_finds_the_same_facility_arcs():
    """Facility arcs found by the KD-tree (a province) are those full enumeration finds."""
    firms = {f"F{i}": (float(i % 7) * 6, float(i // 7) * 6) for i in range(21)}
    streams = [(f"s{i}", f"F{i}", "supply", "scrap", 10 + i) for i in range(0, 21, 2)] + [
        (f"m{i}", f"F{i}", "demand", "metal", 20) for i in range(1, 21, 2)]
    plants = [yard("P1"), {**yard("P2"), "x_km": 30.0, "y_km": 12.0}]
    park = park_with(firms, SCRAP, streams, plants, links={"max_distance_km": 14})
    full = sb.build_network(park, spatial=False, screen_value=False)
    tree = sb.build_network(park, spatial=True, screen_value=False)
    arcs = lambda n: sorted(n.links.index[n.facility_arcs])  # noqa: E731
    assert arcs(full) == arcs(tree) and len(arcs(full)) > 0
    assert len(arcs(full)) < 2 * (11 + 10)  # the distance limit cut some


def test_bad_distances_and_circuity_are_located_errors():
    firms = {"A": (0, 0), "B": (10, 0)}
    with pytest.raises(sb.InputError) as info:
        park_with(firms, ROAD, PAIR, distances=[("A", "B", 5.0), ("A", "B", 6.0),
                                                ("A", "Z", 1.0)])
    text = str(info.value)
    assert "distances (DataFrame), row 1, column to: duplicate distance 'A' -> 'B'" in text
    assert "row 2, column to: unknown firm or facility 'Z'" in text
    with pytest.raises(sb.InputError, match="links.circuity"):
        park_with(firms, ROAD, PAIR, links={"circuity": 0.5})
    with pytest.raises(sb.InputError, match="links.pipe.circuity"):
        park_with(firms, ROAD, PAIR, links={"pipe": {"circuity": 0.9}})


def test_candidate_selection_keeps_every_facility_arc(monkeypatch):
    """Pricing keeps each demand's few best links; a facility's arcs are all kept (its worth
    is that of all of them together), so a pruned MILP still finds the shared plant."""
    from symbiosis import selection

    monkeypatch.setattr(selection, "PRUNE_FROM_LINKS", 0)
    monkeypatch.setattr(selection, "NEAR_PER_DEMAND", 0)
    facilities = [yard("P1", capex=600.0, capex_exponent=0.5)]
    fourth = ("s4", "S4", "supply", "scrap", 100, 0.5)  # worth less: the LP leaves it out
    park = park_with({**SITES, "S4": (3, 0)}, SCRAP, THREE + [fourth], facilities)
    chosen = selection.select(park, sb.build_network(park))
    assert chosen.builds[chosen.candidates.links.index.get_loc("s4->P1:in")] == 0
    assert "s4->P1:in" in chosen.network.links.index
    assert chosen.network.facility_arcs.sum() == sb.build_network(park).facility_arcs.sum()
    from symbiosis.pipeline import Timer, optimise_network

    result = optimise_network(park, sb.build_network(park), "cost", OPTIONS, "pruned", Timer())
    assert result.kpis["candidates"]["left_out_by_reduced_cost"] >= 0
    assert result.kpis["savings"] == pytest.approx(300.0)


def test_a_built_facility_that_treats_nothing_is_cleaned_away():
    """A point with the plant built but nothing through it (as a solver stopped at a gap
    may return): cleaning un-builds it, and its fixed cost and capex segment go."""
    from symbiosis.formulation import formulate
    from symbiosis.results import baseline_point, clean_solution

    park = park_with(SITES, SCRAP, THREE, [yard("P1", fixed_cost=50.0, capex=600.0,
                                                 capex_exponent=0.5)])
    network = sb.build_network(park)
    lp = formulate(park, network)
    x = baseline_point(lp, park)
    build, seg = lp.variables["facility_build"], lp.variables["facility_segment"]
    x[build.columns] = 1.0
    x[seg.columns[0]] = 1.0  # the first segment, size 0
    assert lp.cost(x) == pytest.approx(lp.cost(baseline_point(lp, park)) + 50.0)
    cleaned = clean_solution(lp, network, x)
    assert cleaned[build.columns].tolist() == [0.0] and cleaned[seg.columns].sum() == 0.0
    assert lp.cost(cleaned) == pytest.approx(lp.cost(baseline_point(lp, park)))
