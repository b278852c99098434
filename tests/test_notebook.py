"""The notebook API agrees with the files and with itself (issue 11): `result.firms` is
indexed by firm_id with the firm's name; `sb.build_network` is the network `optimise` solves."""
from __future__ import annotations

import pandas as pd
import pytest

import symbiosis as sb
from symbiosis.results import FIRM_COLUMNS

from .conftest import DATA, ROOT


@pytest.mark.solver
def test_result_firms_is_indexed_by_firm_id_with_the_name(tmp_path):
    park = sb.load_park(DATA / "tiny-park")
    result = sb.optimise(park)
    firms = result.firms
    assert firms.index.name == "firm_id"
    assert firms.index.tolist() == park.firms.index.tolist()
    assert "firm_id" not in firms.columns  # one place for the id: no ambiguity in groupby
    assert firms.name.to_dict() == park.firms.name.to_dict()
    assert firms.loc["W", "savings"] == pytest.approx(firms.savings["W"])
    result.to_folder(tmp_path / "r")
    written = pd.read_csv(tmp_path / "r" / "firms.csv")
    assert list(written.columns[:len(FIRM_COLUMNS)]) == FIRM_COLUMNS  # docs/format.md, unchanged
    assert written.columns[-1] == "name"  # an extra column, at the end
    assert written.firm_id.tolist() == firms.index.tolist()
    assert sb.load_results(tmp_path / "r").firms.index.names == ["scenario", "firm_id"]


@pytest.mark.solver
def test_build_network_is_the_network_optimise_solves():
    park = sb.load_park(ROOT / "models" / "bac-ninh-electronics")
    result = sb.optimise(park)
    network = sb.build_network(park)
    assert network.value_screened
    assert network.links.index.tolist() == result.network.links.index.tolist()
    assert len(network.links) == result.kpis["candidate_links"]
    # every compatible pair within reach, on request; those screened out say why
    everything = sb.build_network(park, screen_value=False)
    assert len(everything.links) > len(network.links)
    dropped = set(everything.links.index) - set(network.links.index)
    reasons = network.rejected.assign(link=network.rejected.from_stream + "->"
                                      + network.rejected.to_stream).set_index("link").reason
    assert set(reasons.reindex(sorted(dropped))) <= {"no_unit_saving",
                                                     "fixed_cost_not_recovered"}
    # the CO2 objective screens nothing, as optimise does
    assert len(sb.build_network(park, objective="co2").links) == len(everything.links)


def test_why_not_of_an_unknown_or_wrong_way_stream_is_an_error():
    from .conftest import make_park

    park = make_park({"A": (0, 0), "B": (1, 0)}, [dict(resource="x")],
                     [("s", "A", "supply", "x", 10), ("d", "B", "demand", "x", 10)])
    network = sb.build_network(park, screen_value=False)
    assert network.why_not("s", "d") == "candidate link"
    with pytest.raises(sb.InputError, match="unknown supply stream 'S012'"):
        network.why_not("S012", "d")
    with pytest.raises(sb.InputError, match="'d' is a demand stream, not a supply"):
        network.why_not("d", "s")
