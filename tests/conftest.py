"""Tiny composable fixtures: parks small enough to solve by hand."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import symbiosis as sb

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent

RESOURCE_DEFAULTS = dict(category="material", unit="t", mode="truck", transport_cost=0.0,
                         transport_co2=0.0, purchase_price=0.0, purchase_co2=0.0,
                         disposal_cost=0.0, disposal_co2=0.0)


def make_park(firms: dict[str, tuple[float, float]], resources: list[dict],
              streams: list[tuple], exchanges: list[dict] | None = None,
              qualities: list[tuple] | None = None, geographic: bool = False,
              **config) -> sb.Park:
    """A park from compact literals.

    firms: {id: (x_km, y_km)} or {id: (lat, lon)} with geographic=True;
    streams: (stream_id, firm_id, direction, resource, quantity[, price]) or a dict of columns.
    config: model.yaml sections, e.g. links={"truck": {"fixed_cost": 500}}.
    """
    a, b = ("lat", "lon") if geographic else ("x_km", "y_km")
    firm_frame = pd.DataFrame({"firm_id": list(firms), "name": list(firms), "park": "P",
                               "sector": "s", a: [v[0] for v in firms.values()],
                               b: [v[1] for v in firms.values()]})
    resource_frame = pd.DataFrame([{**RESOURCE_DEFAULTS, **r} for r in resources])
    rows = []
    for s in streams:
        if isinstance(s, dict):
            rows.append(s)
        else:
            rows.append(dict(zip(["stream_id", "firm_id", "direction", "resource", "quantity",
                                  "price"], s)))
    stream_frame = pd.DataFrame(rows)
    exchange_frame = pd.DataFrame(exchanges) if exchanges else None
    quality_frame = (pd.DataFrame(qualities, columns=["stream_id", "property", "value"])
                     if qualities else None)
    return sb.park_from_frames({"name": "test", **config}, firm_frame, resource_frame,
                               stream_frame, exchange_frame, quality_frame)


@pytest.fixture
def tiny_park_dir() -> Path:
    return DATA / "tiny-park"


HEAT = dict(resource="heat", category="heat", unit="kW", mode="pipe", purchase_price=1.0,
            disposal_cost=0.5)


def heat_park(streams: list[tuple], firm_of: dict[str, str] | None = None,
              positions: dict[str, tuple[float, float]] | None = None,
              resource: dict | None = None, **config) -> sb.Park:
    """A heat-only park: streams (id, direction, load, t_in, t_out); link costs zero.

    Every stream belongs to firm "F" unless firm_of says otherwise.
    """
    firm_of = firm_of or {}
    firms = sorted({firm_of.get(s[0], "F") for s in streams})
    positions = positions or {f: (0.0, 0.0) for f in firms}
    rows = [dict(stream_id=sid, firm_id=firm_of.get(sid, "F"), direction=d, resource="heat",
                 quantity=q, t_in=t_in, t_out=t_out) for sid, d, q, t_in, t_out in streams]
    return make_park({f: positions[f] for f in firms}, [resource or HEAT], rows, **config)
