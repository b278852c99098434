"""Greenfield placement (`symbiosis place`, docs/model.md "Placement"): parks placed by hand,
a zone that forbids the best plot, QAPLIB nug12 written as a park, the plots.csv loader's
located errors, and Manhattan distances."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import symbiosis as sb
from symbiosis.analysis import qap
from symbiosis.analysis.placement import (EXACT_LIMIT, bound_distances, place,
                                          clustered_assignment)
from symbiosis.cli import main
from symbiosis.errors import InputError
from symbiosis.plots import load_site

from .conftest import make_park

RESOURCE = dict(category="material", unit="t", mode="truck", transport_cost=1.0,
                transport_co2=0.0, purchase_price=1000.0, purchase_co2=0.0, disposal_cost=0.0,
                disposal_co2=0.0)


def write_model(folder: Path, firms: list[dict], plots: list[dict], flows: dict, **links) -> Path:
    """A placement model: one resource per (supplier, receiver) flow, bought at 1000/t, carried
    at 1/t-km by truck with no fixed cost: every link is built, and the total cost is
    Σ flow × km (Manhattan)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.yaml").write_text(
        "name: placement test\ncurrency: USD\n" + "links: " + json.dumps(
            {"distance": "manhattan", "max_distance_km": 100,
             "truck": {"fixed_cost": 0, "capex_per_km": 0}, **links}) + "\n")
    pd.DataFrame(firms).to_csv(folder / "firms.csv", index=False)
    pd.DataFrame(plots).to_csv(folder / "plots.csv", index=False)
    resources = [dict(resource=f"r_{a}_{b}", **RESOURCE) for a, b in flows]
    pd.DataFrame(resources).to_csv(folder / "resources.csv", index=False)
    streams = []
    for (a, b), q in flows.items():
        streams += [dict(stream_id=f"s_{a}_{b}", firm_id=a, direction="supply",
                         resource=f"r_{a}_{b}", quantity=q),
                    dict(stream_id=f"d_{a}_{b}", firm_id=b, direction="demand",
                         resource=f"r_{a}_{b}", quantity=q)]
    pd.DataFrame(streams).to_csv(folder / "streams.csv", index=False)
    return folder


def tenant(fid: str, sector: str, area: float | str = "") -> dict:
    return dict(firm_id=fid, name=fid, park="P", sector=sector, x_km="", y_km="", area_ha=area)


FOUR_PLOTS = [dict(plot_id="P1", x_km=1, y_km=0, area_ha=1, zone=""),
              dict(plot_id="P2", x_km=2, y_km=0, area_ha=1, zone=""),
              dict(plot_id="P3", x_km=3, y_km=0, area_ha=5, zone=""),
              dict(plot_id="P4", x_km=0, y_km=3, area_ha=5, zone="")]
FLOWS = {("A", "F"): 50.0, ("B", "A"): 100.0, ("C", "B"): 30.0}


def four_plot_model(folder: Path, zone_p2: str = "") -> Path:
    """Fixed F at (0, 0); A needs 4 ha (P3 or P4), B and C 1 ha. Cost = 50·d(A,F) +
    100·d(B,A) + 30·d(C,B), Manhattan km. By hand: A on P3 (d(F) = 3), B on P2 (1 km from A),
    C on P1 (1 km from B): 150 + 100 + 30 = 280; A on P4 costs ≥ 150 + 100·4 + 30. With P2
    zoned for recyclers only (C's sector, not B's): B on P1 (2 km from A), C on P2: 150 + 200
    + 30 = 380 (C on P4 instead: 150 + 200 + 30·4 = 470)."""
    plots = [dict(p) for p in FOUR_PLOTS]
    plots[1]["zone"] = zone_p2
    firms = [dict(firm_id="F", name="F", park="P", sector="anchor", x_km=0, y_km=0, area_ha=""),
             tenant("A", "plating", 4), tenant("B", "machining", 1), tenant("C", "recycler", 1)]
    return write_model(folder, firms, plots, FLOWS)


def brute_force(folder: Path) -> tuple[float, dict]:
    """Every assignment's Σ flow × Manhattan km, computed here without the pipeline."""
    site = load_site(folder)
    pts = site.plot_points()
    best = (np.inf, {})
    for perm in itertools.permutations(range(len(pts)), len(site.tenants)):
        if not site.allowed[np.arange(len(perm)), list(perm)].all():
            continue
        where = {"F": np.array([0.0, 0.0])} | {t: pts[p] for t, p in zip(site.tenants, perm)}
        cost = sum(q * np.abs(where[a] - where[b]).sum() for (a, b), q in FLOWS.items())
        if cost < best[0]:
            best = (cost, {t: site.plots.index[p] for t, p in zip(site.tenants, perm)})
    return best


@pytest.mark.parametrize("exact_limit", [EXACT_LIMIT, 0], ids=["exhaustive", "two_level"])
def test_four_plots_by_hand(tmp_path, exact_limit):
    folder = four_plot_model(tmp_path / "m")
    assert brute_force(folder) == (280.0, {"A": "P3", "B": "P2", "C": "P1"})
    p = place(folder, exact_limit=exact_limit)
    assert p.method == ("exhaustive" if exact_limit else "two_level")
    assert p.total_cost == pytest.approx(280.0, abs=1e-6)
    assert p.result.kpis["baseline_cost"] == pytest.approx(180 * 1000.0)
    t = p.table.set_index("tenant")
    assert t["plot"].to_dict() == {"F": "", "A": "P3", "B": "P2", "C": "P1"}
    assert t.loc[["A", "B", "C"], "x_km"].tolist() == [3.0, 2.0, 1.0]
    assert set(p.result.links.distance_km.round(9)) == {3.0, 1.0}
    assert p.lower_bound <= 280.0 + 1e-6
    if exact_limit:  # every placement solved: the bound is the optimum's
        assert p.lower_bound == pytest.approx(280.0, abs=1e-4) and p.gap < 1e-6
    else:
        # the bound park: each distance at its least over allowed plots (A–F 3, B–A 1,
        # C–B 1): 50·3 + 100 + 30 = 280, which this placement reaches
        assert p.lower_bound == pytest.approx(280.0, abs=1e-4)
    c = p.comparison.set_index("placement")
    assert c.total_cost["placed"] == pytest.approx(280.0)
    assert (c.extra_cost >= -1e-6).all()


def test_zone_forbids_the_best_plot(tmp_path):
    folder = four_plot_model(tmp_path / "m", zone_p2="recycler")
    site = load_site(folder)
    b, p2 = site.tenants.get_loc("B"), site.plots.index.get_loc("P2")
    assert not site.allowed[b, p2] and site.allowed[site.tenants.get_loc("C"), p2]
    cost, where = brute_force(folder)
    assert (cost, where) == (380.0, {"A": "P3", "B": "P1", "C": "P2"})
    for limit in (EXACT_LIMIT, 0):
        p = place(folder, exact_limit=limit)
        assert p.total_cost == pytest.approx(380.0, abs=1e-6)
        assert p.table.set_index("tenant")["plot"].to_dict() == {"F": "", "A": "P3", "B": "P1",
                                                              "C": "P2"}
    # the bound: B–A at least 1 km (B on P1, A on P2? no: A needs 4 ha, so A on P3, B on P1:
    # 2 km, or B on P4... ≥ 2), C–B at least 1: 150 + 200 + 30 = 380 — tight here
    assert p.lower_bound == pytest.approx(380.0, abs=1e-4)


def test_bound_distances_are_the_least_over_allowed_plots(tmp_path):
    site = load_site(four_plot_model(tmp_path / "m", zone_p2="recycler"))
    d = bound_distances(site, site.park(clustered_assignment(site)))
    km = {frozenset((a, b)): k for a, b, k in d.itertuples(index=False)}
    # A on P3/P4; B on P1/P3/P4; C anywhere but with its own plot
    assert km[frozenset(("A", "B"))] == 2.0  # P3–P1 (P2 is not B's)
    assert km[frozenset(("A", "F"))] == 3.0
    assert km[frozenset(("B", "C"))] == 1.0  # P1–P2
    assert km[frozenset(("A", "C"))] == 1.0  # P3–P2


# QAPLIB nug12 (Nugent, Vollmann and Ruml 1968; QAPLIB, Burkard, Karisch and Rendl 1997;
# file from github.com/mhahsler/qap, inst/qaplib/nug12.dat): distances are Manhattan on a
# 3 × 4 grid of unit spacing; the optimum is 578 summing flow × distance over ordered pairs.
NUG12_FLOW = """
0 5 2 4 1 0 0 6 2 1 1 1
5 0 3 0 2 2 2 0 4 5 0 0
2 3 0 0 0 0 0 5 5 2 2 2
4 0 0 0 5 2 2 10 0 0 5 5
1 2 0 5 0 10 0 0 0 5 1 1
0 2 0 2 10 0 5 1 1 5 4 0
0 2 0 2 0 5 0 10 5 2 3 3
6 0 5 10 0 1 10 0 0 0 5 0
2 4 5 0 0 1 5 0 0 0 10 10
1 5 2 0 5 5 2 0 0 0 5 0
1 0 2 5 1 4 3 5 10 5 0 2
1 0 2 5 1 0 3 0 10 0 2 0"""
NUG12_SOLUTION = [12, 7, 9, 3, 4, 8, 11, 1, 5, 6, 10, 2]  # QAPLIB nug12.sln: 578


def test_nug12_as_a_park_reaches_its_optimum(tmp_path):
    F = np.array(NUG12_FLOW.split(), dtype=float).reshape(12, 12)
    grid = [(k % 4, k // 4) for k in range(12)]  # location k: column k mod 4, row k div 4
    D = np.array([[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in grid] for a in grid], float)
    where = np.argsort(np.array(NUG12_SOLUTION) - 1)  # facility → location
    assert (F * D[np.ix_(where, where)]).sum() == 578.0  # the published optimum
    ids = [f"T{i + 1:02d}" for i in range(12)]
    flows = {(ids[i], ids[j]): F[i, j] for i in range(12) for j in range(12) if F[i, j] > 0}
    plots = [dict(plot_id=f"L{k + 1:02d}", x_km=x, y_km=y, area_ha=1, zone="")
             for k, (x, y) in enumerate(grid)]
    folder = write_model(tmp_path / "nug12", [tenant(t, "s") for t in ids], plots, flows)
    p = place(folder)
    assert p.method == "two_level"
    assert p.total_cost == pytest.approx(578.0, abs=1e-6)
    # the bound park puts every pair 1 km apart: Σ F = 2 × 214 = 428 ≤ 578
    assert p.lower_bound == pytest.approx(F.sum(), abs=1e-4)
    assert p.gap == pytest.approx((578 - F.sum()) / 578)


def test_qap_search_matches_brute_force():
    """A 6-tenant, 8-plot instance with forbidden plots (about a fifth) and fixed-firm costs:
    the search finds the least of the feasible ones of all 20,160 assignments, enumerated
    here."""
    rng = np.random.default_rng(3)
    n, P = 6, 8
    pts = rng.integers(0, 5, size=(P, 2)).astype(float)
    D = np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1)
    W = rng.integers(0, 10, size=(n, n)).astype(float)
    W = np.triu(W, 1) + np.triu(W, 1).T
    C = rng.integers(0, 20, size=(n, P)).astype(float)
    allowed = rng.random((n, P)) > 0.2
    best = min((qap.qap_cost(W, C, D, np.array(p)), p)
               for p in itertools.permutations(range(P), n)
               if allowed[np.arange(n), list(p)].all())
    found = qap.search(W, C, D, allowed, [qap.random_assignment(allowed, rng)], seed=0)
    assert allowed[np.arange(n), found].all() and len(set(found)) == n
    assert qap.qap_cost(W, C, D, found) == pytest.approx(best[0])


def test_manhattan_distance_in_the_network():
    res = [dict(resource="scrap", purchase_price=10.0)]
    streams = [("S", "A", "supply", "scrap", 1.0), ("D", "B", "demand", "scrap", 1.0)]
    for rule, km in (("straight_line", 5.0), ("manhattan", 7.0)):
        park = make_park({"A": (0, 0), "B": (3, 4)}, res, streams, links={"distance": rule})
        assert sb.build_network(park).links.distance_km.tolist() == [km]
    geo = make_park({"A": (21.0, 106.0), "B": (21.01, 106.01)}, res, streams,
                    geographic=True, links={"distance": "manhattan"})
    per_degree = np.pi / 180 * 6371.0088
    assert sb.build_network(geo).links.distance_km.iloc[0] == pytest.approx(
        per_degree * 0.01 * (1 + np.cos(np.radians(21.005))))


def test_place_command_writes_everything(tmp_path):
    folder = four_plot_model(tmp_path / "m")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["place", str(folder), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "280" in r.output and "gap 0.00 %" in r.output
    placed = pd.read_csv(out / "placement.csv")
    assert placed.set_index("tenant")["plot"].fillna("").to_dict() == {
        "F": "", "A": "P3", "B": "P2", "C": "P1"}
    compare = pd.read_csv(out / "placement_compare.csv")
    assert list(compare.placement) == ["placed", "sector_clustered", "random"]
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["placement"]["total_cost"] == pytest.approx(280.0)
    assert kpis["total_cost"] == pytest.approx(280.0)
    svg = (out / "placement.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<rect") >= 4 and "<line" in svg
    r = CliRunner().invoke(main, ["place", str(folder), "-o", str(out), "-q"])  # replaced
    assert r.exit_code == 0 and r.output == ""


def test_map_escapes_input_text(tmp_path):
    folder = four_plot_model(tmp_path / "m")
    firms = pd.read_csv(folder / "firms.csv", keep_default_na=False)
    firms.loc[firms.firm_id == "C", "sector"] = "<script>alert(1)</script>"
    firms.to_csv(folder / "firms.csv", index=False)
    p = place(folder)
    from symbiosis.analysis.placement_map import placement_svg
    svg = placement_svg(p.site, p.plot_of, p.result)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize("edit, where, message", [
    (lambda f, p: p.assign(area_ha=["x", 1, 5, 5]), "plots.csv, line 2, column area_ha",
     "expected a number"),
    (lambda f, p: p.assign(plot_id=["P1", "P1", "P3", "P4"]), "plots.csv, line 3, column plot_id",
     "duplicate plot id"),
    (lambda f, p: p.assign(area_ha=[1, 1, 3, 3]), "firms.csv, line 3, column area_ha",
     "fits no free plot"),
    (lambda f, p: p.assign(zone=["x", "x", "x", "x"]), "firms.csv, line 3, column area_ha",
     "fits no free plot"),
    (lambda f, p: p.drop(columns=["x_km"]), "plots.csv, line 2, column x_km",
     "a plot needs x_km and y_km"),
])
def test_bad_plots_are_located(tmp_path, edit, where, message):
    folder = four_plot_model(tmp_path / "m")
    firms = pd.read_csv(folder / "firms.csv", keep_default_na=False)
    plots = pd.read_csv(folder / "plots.csv", keep_default_na=False)
    edit(firms, plots).to_csv(folder / "plots.csv", index=False)
    r = CliRunner().invoke(main, ["place", str(folder), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert where in r.output and message in r.output, r.output
    assert "Traceback" not in r.output


def test_too_few_plots_and_firm_plot_errors(tmp_path):
    folder = four_plot_model(tmp_path / "m")
    plots = pd.read_csv(folder / "plots.csv", keep_default_na=False)
    plots[plots.plot_id != "P1"].assign(area_ha=5).iloc[:2].to_csv(folder / "plots.csv",
                                                                  index=False)
    with pytest.raises(InputError, match="no assignment gives each of the 3 tenants"):
        load_site(folder)
    folder = four_plot_model(tmp_path / "n")
    firms = pd.read_csv(folder / "firms.csv", keep_default_na=False)
    firms["plot"] = ["", "", "P9", ""]
    firms.to_csv(folder / "firms.csv", index=False)
    r = CliRunner().invoke(main, ["place", str(folder), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2 and "firms.csv, line 4, column plot" in r.output
    assert "no plot 'P9'" in r.output
    (folder / "plots.csv").unlink()
    r = CliRunner().invoke(main, ["place", str(folder), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2 and "plots.csv" in r.output and "required file" in r.output


def test_a_firm_on_a_named_plot_stays_there(tmp_path):
    """C sits on P1 (firms.csv `plot`): A and B are placed around it. A on P3, B on P2:
    150 + 100 + 30·d(P1, P2) = 280 again, with P1 taken by C as given."""
    folder = four_plot_model(tmp_path / "m")
    firms = pd.read_csv(folder / "firms.csv", keep_default_na=False)
    firms["plot"] = ["", "", "", "P1"]
    firms.to_csv(folder / "firms.csv", index=False)
    p = place(folder)
    assert list(p.site.tenants) == ["A", "B"]
    assert p.total_cost == pytest.approx(280.0)
    assert p.table.set_index("tenant")["plot"].to_dict() == {"F": "", "A": "P3", "B": "P2",
                                                          "C": "P1"}


def test_run_refuses_a_tenant_without_a_plot(tmp_path):
    folder = four_plot_model(tmp_path / "m")
    r = CliRunner().invoke(main, ["run", str(folder), "-o", str(tmp_path / "out")])
    assert r.exit_code == 2 and "symbiosis place" in r.output


def test_plots_in_lat_lon(tmp_path):
    """The four-plot park in lat, lon around 21.15 N (1 km ≈ 0.009° of latitude): the same
    placement, and the bound park's least distances in great-circle-grid km."""
    folder = four_plot_model(tmp_path / "m")
    per_km = 1 / (np.pi / 180 * 6371.0088)
    plots = pd.read_csv(folder / "plots.csv", keep_default_na=False)
    plots = plots.assign(lat=21.15 + plots.y_km * per_km,
                         lon=106.2 + plots.x_km * per_km / np.cos(np.radians(21.15)))
    plots.drop(columns=["x_km", "y_km"]).to_csv(folder / "plots.csv", index=False)
    firms = pd.read_csv(folder / "firms.csv", keep_default_na=False)
    firms = firms.assign(lat=np.where(firms.firm_id == "F", "21.15", ""),
                         lon=np.where(firms.firm_id == "F", "106.2", ""))
    firms.drop(columns=["x_km", "y_km"]).to_csv(folder / "firms.csv", index=False)
    p = place(folder)
    assert p.site.geographic
    assert p.table.set_index("tenant")["plot"].to_dict() == {"F": "", "A": "P3", "B": "P2",
                                                             "C": "P1"}
    assert p.total_cost == pytest.approx(280.0, rel=2e-3)  # east-west legs at mean latitude


def test_two_level_against_every_placement(tmp_path):
    """Pipes with a fixed cost and capex per km, so a link pays only when its firms are close
    (water 0.82/m3 saved, pipe 4,000/yr + 150,000/km): the two-level answer is checked
    against every one of the 36 feasible placements solved (exhaustive), and its bound against the
    exact optimum."""
    folder = tmp_path / "m"
    firms = [dict(firm_id="F", name="F", park="P", sector="utility", x_km=0, y_km=0,
                  area_ha=""),
             tenant("A", "plating", 2), tenant("B", "machining", 1), tenant("C", "food", 1)]
    plots = [dict(plot_id=f"P{i}", x_km=x, y_km=y, area_ha=a, zone="")
             for i, (x, y, a) in enumerate([(0.2, 0, 1), (0.4, 0, 2), (0, 0.6, 2), (0.6, 0.6, 1),
                                            (1.2, 0, 3)], 1)]
    write_model(folder, firms, plots, {}, pipe={"fixed_cost": 4000, "capex_per_km": 150000})
    water = dict(category="water", unit="m3", mode="pipe", transport_cost=0.0,
                 transport_co2=0.0, purchase_price=0.5, purchase_co2=0.0, disposal_cost=0.32,
                 disposal_co2=0.0)
    pd.DataFrame([dict(resource="water", **water)]).to_csv(folder / "resources.csv",
                                                          index=False)
    rows = [("S_A", "A", "supply", 60_000), ("D_B", "B", "demand", 40_000),
            ("S_B", "B", "supply", 30_000), ("D_C", "C", "demand", 50_000),
            ("S_F", "F", "supply", 80_000), ("D_A", "A", "demand", 70_000)]
    pd.DataFrame([dict(stream_id=s, firm_id=f, direction=d, resource="water", quantity=q)
                  for s, f, d, q in rows]).to_csv(folder / "streams.csv", index=False)
    exact = place(folder)
    assert exact.method == "exhaustive" and len(exact.rounds) == 36  # A on P2, P3 or P5
    best = min(c for _, src, c in exact.rounds.itertuples(index=False))
    assert exact.total_cost == pytest.approx(best)
    heuristic = place(folder, exact_limit=0)
    assert heuristic.method == "two_level"
    assert heuristic.lower_bound <= best + 1e-6 * abs(best)
    assert heuristic.total_cost >= best - 1e-6 * abs(best)
    assert heuristic.total_cost == pytest.approx(best, rel=1e-9)
