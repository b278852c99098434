"""Candidate pruning: the spatial path keeps exactly the pairs the limits allow."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.network import CAPPED, FIXED_COST, NO_UNIT_SAVING, build_network, link_id_of

from .conftest import make_park


def _random_park(seed: int, geographic: bool, n: int = 40, **config) -> sb.Park:
    rng = np.random.default_rng(seed)
    if geographic:  # about 50 x 50 km around Bac Ninh
        firms = {f"F{i}": (21.0 + rng.random() * 0.45, 105.8 + rng.random() * 0.48)
                 for i in range(n)}
    else:
        firms = {f"F{i}": tuple(rng.random(2) * 60) for i in range(n)}
    resources = [dict(resource="scrap", transport_cost=1, purchase_price=100, disposal_cost=20),
                 dict(resource="dross", disposal_cost=30), dict(resource="tin",
                                                                purchase_price=1000)]
    streams = []
    for i in range(n):
        for j, (direction, resource) in enumerate([("supply", "scrap"), ("demand", "scrap"),
                                                    ("supply", "dross"), ("demand", "tin")]):
            if rng.random() < 0.5:
                streams.append((f"S{i}-{j}", f"F{i}", direction, resource,
                                float(rng.integers(1, 100))))
    exchanges = [dict(from_resource="dross", to_resource="tin", max_distance_km=12,
                      **{"yield": 0.4})]
    return make_park(firms, resources, streams, exchanges=exchanges, geographic=geographic,
                     **config)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("geographic", [False, True], ids=["plane", "lat-lon"])
def test_spatial_pruning_keeps_every_pair_the_limits_allow(seed, geographic):
    park = _random_park(seed, geographic)
    # every compatible pair, screened one by one
    brute = build_network(park, spatial=False, screen_value=False)
    fast = build_network(park, spatial=True, screen_value=False)
    assert sorted(fast.links.index) == sorted(brute.links.index)
    pd.testing.assert_series_equal(fast.links.distance_km.sort_index(),
                                   brute.links.distance_km.sort_index())
    far = brute.rejected[brute.rejected.reason == "too_far"]
    assert len(far) > 0 and not (fast.rejected.reason == "too_far").any()
    row = far.iloc[0]
    assert fast.why_not(row.from_stream, row.to_stream).startswith("too_far: distance")


def test_candidate_cap_keeps_the_most_valuable_per_demand_and_says_why():
    """The cap ranks by what a link alone earns at capacity (the supplier's avoided disposal
    included), not by unit cost: a cheap link that saves little is not kept before a costly
    one that saves much."""
    park = _random_park(0, False, links={"max_candidates_per_demand": 2})
    full = build_network(_random_park(0, False), screen_value=False)
    capped = build_network(park, screen_value=False)
    assert capped.links.groupby("to_stream").size().max() <= 2
    links = full.links.assign(worth=full.links.unit_value * full.links.capacity
                              - full.links.fixed_cost - full.links.annualised_capex)
    for demand, group in links.groupby("to_stream"):
        kept = capped.links[capped.links.to_stream == demand]
        best = group.sort_values(["worth", "distance_km", "from_stream"],
                                 ascending=[False, True, True]).head(2)
        assert sorted(kept.index) == sorted(best.index)
    dropped = capped.rejected[capped.rejected.reason == CAPPED]
    assert len(dropped) == len(full.links) - len(capped.links)


def _pipe_park(seed: int, geographic: bool, n: int = 40) -> sb.Park:
    """A random park whose water pipes cost capital per km, so far pipes cannot pay."""
    park = _random_park(seed, geographic, n)
    rng = np.random.default_rng(100 + seed)
    streams = park.streams.reset_index()[["stream_id", "firm_id", "direction", "resource",
                                          "quantity"]].to_dict("records")
    for i, firm in enumerate(park.firms.index):
        streams.append(dict(stream_id=f"W{i}", firm_id=firm, direction=rng.choice(
            ["supply", "demand"]), resource="water", quantity=float(rng.integers(1, 5000))))
    resources = [dict(resource=r, **{k: park.resources.loc[r, k] for k in (
        "transport_cost", "purchase_price", "disposal_cost")}) for r in park.resources.index]
    resources.append(dict(resource="water", category="water", unit="m3", mode="pipe",
                          purchase_price=0.6, disposal_cost=0.4))
    firms = ({f: (r.lat, r.lon) for f, r in park.firms.iterrows()} if geographic
             else {f: (r.x_km, r.y_km) for f, r in park.firms.iterrows()})
    return make_park(firms, resources, streams, geographic=geographic,
                     exchanges=park.exchanges.to_dict("records"),
                     links={"pipe": {"fixed_cost": 300, "capex_per_km": 2000},
                            "truck": {"fixed_cost": 400}})


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("geographic", [False, True], ids=["plane", "lat-lon"])
def test_value_screen_spatial_reach_keeps_every_link_that_could_pay(seed, geographic):
    park = _pipe_park(seed, geographic)
    brute = build_network(park, spatial=False, screen_value=True)
    fast = build_network(park, spatial=True, screen_value=True)
    assert sorted(fast.links.index) == sorted(brute.links.index)
    unscreened = build_network(park, spatial=False, screen_value=False)
    never = brute.rejected[brute.rejected.reason.isin([FIXED_COST, NO_UNIT_SAVING])]
    assert len(never) > 0 and len(brute.links) + len(never) == len(unscreened.links)
    # every screened link really cannot pay, alone at its full capacity
    dropped = unscreened.links.loc[link_id_of(never.from_stream, never.to_stream)]
    assert (dropped.unit_value * dropped.capacity
            <= dropped.fixed_cost + dropped.annualised_capex).all()
    # a pair the spatial path never listed is still explained, by the same screen
    row = never[~never.set_index(["from_stream", "to_stream"]).index.isin(
        fast.rejected.set_index(["from_stream", "to_stream"]).index)].iloc[0]
    assert fast.why_not(row.from_stream, row.to_stream) == f"{row.reason}: {row.detail}"


@pytest.mark.parametrize("seed", range(4))
def test_value_screen_keeps_the_optimum(seed):
    """Dropping links that cannot pay never changes the optimal cost (exact, gap 0)."""
    park = _pipe_park(seed, False, n=15)
    screened = sb.optimise(park, solver=sb.SolverOptions(name="highspy", mip_gap=0))
    lp = sb.formulate(park, build_network(park, screen_value=False))
    full = sb.solve(sb.formulation.emit(lp, "highspy"),
                    sb.SolverOptions(name="highspy", mip_gap=0))
    assert screened.kpis["candidate_links"] < len(lp.variables["build"].columns)
    assert screened.kpis["total_cost"] == pytest.approx(full.objective, rel=1e-9, abs=1e-6)


def test_capped_pairs_are_counted_not_listed_in_the_result_folder(tmp_path):
    park = _random_park(0, False, links={"max_candidates_per_demand": 2})
    result = sb.optimise(park, solver=sb.SolverOptions(name="highspy"))
    out = result.to_folder(tmp_path / "out")
    listed = pd.read_csv(out / "rejected_pairs.csv")
    capped = int((result.rejected_pairs.reason == CAPPED).sum())
    assert capped > 0 and CAPPED not in set(listed.reason)
    assert len(listed) == len(result.rejected_pairs) - capped
    assert result.kpis["rejected_by_reason"][CAPPED] == capped
    assert sum(result.kpis["rejected_by_reason"].values()) == result.kpis["rejected_pairs"]


def test_why_not_names_unknown_stream_ids():
    """An id that is no stream of the park is said to be unknown, not 'not compatible'."""
    from symbiosis.network import build_network
    from tests.conftest import make_park

    park = make_park({"A": (0, 0), "B": (1, 0)}, [dict(resource="scrap")],
                     [("s", "A", "supply", "scrap", 10), ("d", "B", "demand", "scrap", 10)])
    net = build_network(park, screen_value=False)
    for supply, demand, message in (("nope", "d", "unknown supply stream 'nope'"),
                                    ("s", "nope", "unknown demand stream 'nope'"),
                                    ("d", "s", "'d' is a demand stream, not a supply")):
        with pytest.raises(sb.InputError) as caught:
            net.why_not(supply, demand)
        assert message in str(caught.value)
    assert net.why_not("s", "d") == "candidate link"
