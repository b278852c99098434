"""Candidate pruning: the spatial path keeps exactly the pairs the limits allow."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.network import CAPPED, build_network

from .conftest import make_park


def _random_park(seed: int, geographic: bool, **config) -> sb.Park:
    rng = np.random.default_rng(seed)
    n = 40
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
    brute = build_network(park, spatial=False)  # every compatible pair, screened one by one
    fast = build_network(park, spatial=True)
    assert sorted(fast.links.index) == sorted(brute.links.index)
    pd.testing.assert_series_equal(fast.links.distance_km.sort_index(),
                                   brute.links.distance_km.sort_index())
    far = brute.rejected[brute.rejected.reason == "too_far"]
    assert len(far) > 0 and not (fast.rejected.reason == "too_far").any()
    row = far.iloc[0]
    assert fast.why_not(row.from_stream, row.to_stream).startswith("too_far: distance")


def test_candidate_cap_keeps_the_cheapest_per_demand_and_says_why():
    park = _random_park(0, False, links={"max_candidates_per_demand": 2})
    full = build_network(_random_park(0, False))
    capped = build_network(park)
    assert capped.links.groupby("to_stream").size().max() <= 2
    for demand, group in full.links.groupby("to_stream"):
        kept = capped.links[capped.links.to_stream == demand]
        cheapest = group.sort_values(["unit_cost", "distance_km", "from_stream"]).head(2)
        assert sorted(kept.index) == sorted(cheapest.index)
    dropped = capped.rejected[capped.rejected.reason == CAPPED]
    assert len(dropped) == len(full.links) - len(capped.links)
