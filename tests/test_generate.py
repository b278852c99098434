"""The synthetic-province generator: deterministic, loadable, solvable."""
from __future__ import annotations

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.generate import generate_park

FILES = ["model.yaml", "firms.csv", "resources.csv", "streams.csv", "exchanges.csv",
         "qualities.csv"]


def test_same_seed_gives_identical_files(tmp_path):
    a = generate_park(120, 7, tmp_path / "a")
    b = generate_park(120, 7, tmp_path / "b")
    assert a == tmp_path / "a"
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seed_gives_different_firms(tmp_path):
    a = generate_park(120, 7, tmp_path / "a")
    b = generate_park(120, 8, tmp_path / "b")
    assert (a / "firms.csv").read_bytes() != (b / "firms.csv").read_bytes()


@pytest.mark.parametrize("n_firms", [30, 300])
def test_generated_park_loads(tmp_path, n_firms):
    out = generate_park(n_firms, 1, tmp_path / "park")
    park = sb.load_park(out)
    firms = pd.read_csv(out / "firms.csv")
    streams = pd.read_csv(out / "streams.csv")
    resources = pd.read_csv(out / "resources.csv")
    assert len(firms) == n_firms
    assert firms.firm_id.is_unique
    assert park.name == f"synthetic province ({n_firms} firms, seed 1)"
    # every category is present among the streams
    category = streams.resource.map(resources.set_index("resource").category)
    assert set(category) == {"material", "water", "heat"}
    # ids: unique, no link-like separators, firms and resources exist
    assert streams.stream_id.is_unique
    assert not streams.stream_id.str.contains("->|=>").any()
    assert streams.firm_id.isin(firms.firm_id).all()
    assert streams.resource.isin(resources.resource).all()
    # heat streams have temperatures in the right direction
    heat = streams[category == "heat"]
    assert heat.t_in.notna().all() and heat.t_out.notna().all()
    sup = heat.direction == "supply"
    assert (heat.t_in[sup] > heat.t_out[sup]).all()
    assert (heat.t_in[~sup] < heat.t_out[~sup]).all()
    # every water stream has both COD and TDS
    qualities = pd.read_csv(out / "qualities.csv")
    water = set(streams.stream_id[category == "water"])
    for prop in ("cod_mg_l", "tds_mg_l"):
        assert water <= set(qualities.stream_id[qualities.property == prop])
    # firms lie in a Bac Ninh-sized area
    assert firms.x_km.between(0, 40).all() and firms.y_km.between(0, 40).all()


def test_parks_and_recyclers(tmp_path):
    out = generate_park(1000, 3, tmp_path / "park")
    firms = pd.read_csv(out / "firms.csv")
    sizes = firms.park.value_counts()
    assert 1000 / 150 - 1 <= len(sizes) <= 1000 / 60 + 1
    recyclers = firms.sector.str.startswith("recycler").mean()
    assert 0.08 <= recyclers <= 0.2
    # firms within ~1.5 km of their park's centre (the centroid is close to the centre)
    centre = firms.groupby("park")[["x_km", "y_km"]].transform("mean")
    spread = ((firms.x_km - centre.x_km) ** 2 + (firms.y_km - centre.y_km) ** 2) ** 0.5
    assert spread.max() < 3.0


@pytest.mark.solver
def test_small_generated_park_solves(tmp_path):
    park = sb.load_park(generate_park(60, 1, tmp_path / "park"))
    # a 1 % gap keeps the test to seconds; without it HiGHS runs to the time limit
    result = sb.optimise(park, solver=sb.SolverOptions(name="highspy", time_limit=60,
                                                       mip_gap=0.01))
    assert result.status in (sb.Status.OPTIMAL, sb.Status.FEASIBLE)
    assert result.kpis["savings"] > 0
