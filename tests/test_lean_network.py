"""The province-scale network and load paths give what the simple ones gave (issue 12)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from symbiosis import checks
from symbiosis.checks import ROW, Tables, _compatible
from symbiosis.errors import Problem
from symbiosis.generate import generate_park
from symbiosis.io import read_model
from symbiosis.network import (SCREEN_ONLY_COLUMNS, _quality_capacity, build_network,
                               pair_economics)
from symbiosis.park import build_park


def _unmeasured_by_all_pairs(t: Tables) -> list[Problem]:
    """warn_unmeasured_supplies as it was: a table of supplies × compatible limited demands."""
    s, q = t.streams, t.qualities
    demands = s.loc[s.direction == "demand", ["stream_id", "resource"]]
    limits = q.merge(demands, on="stream_id").rename(
        columns={"stream_id": "demand", "resource": "to_resource"})[
        ["demand", "property", "to_resource"]]
    if limits.empty:
        return []
    supplies = s.loc[s.direction == "supply", ["stream_id", "resource"]].reset_index()
    pairs = (supplies.merge(_compatible(t), left_on="resource", right_on="from_resource")
             .merge(limits, on="to_resource"))
    measured = pd.MultiIndex.from_frame(q[["stream_id", "property"]])
    treated = pd.MultiIndex.from_frame(
        t.exchange_qualities[["from_resource", "to_resource", "property"]])
    missing = (~pd.MultiIndex.from_frame(pairs[["stream_id", "property"]]).isin(measured)
               & ~pd.MultiIndex.from_frame(pairs[["from_resource", "to_resource", "property"]])
               .isin(treated))
    pairs = pairs[missing]
    if pairs.empty:
        return []
    grouped = (pairs.groupby(["index", "stream_id", "property"], sort=False).demand
               .agg(lambda d: ", ".join(sorted(set(d)))).reset_index())
    rows = s.loc[grouped["index"], ROW].to_numpy()
    def message(g) -> str:
        many = "," in g.demand
        return (f"supply {g.stream_id!r} has no {g.property!r} value in qualities.csv, which "
                f"demand{'s' if many else ''} {g.demand} limit{'' if many else 's'}: it is never "
                f"linked to {'them' if many else 'it'} (give its level, 0 if it has none)")
    return [Problem(t.sources["streams"], message(g), row=row, column="stream_id")
            for g, row in zip(grouped.itertuples(), rows)]


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    return generate_park(150, 3, tmp_path_factory.mktemp("province") / "p")


@pytest.mark.parametrize("drop", [0.0, 0.3, 0.8])
def test_unmeasured_supply_warnings_are_those_of_all_pairs(province, drop):
    t = read_model(province).tables
    rng = np.random.default_rng(1)
    q = t.qualities[rng.random(len(t.qualities)) >= drop].reset_index(drop=True)
    ex = t.exchanges.iloc[:2]
    props = sorted(set(t.qualities.property))[:2]
    treated = pd.DataFrame({"from_resource": np.repeat(ex.from_resource.to_numpy(), len(props)),
                            "to_resource": np.repeat(ex.to_resource.to_numpy(), len(props)),
                            "property": props * len(ex), "value": 1.0})
    treated[ROW] = [f"line {i + 2}" for i in range(len(treated))]
    for eq in (t.exchange_qualities, treated):
        tables = Tables(**{**t.__dict__, "qualities": q, "exchange_qualities": eq})
        expected = _unmeasured_by_all_pairs(tables)
        assert checks.warn_unmeasured_supplies(tables) == expected
        assert (len(expected) > 0) == (drop > 0)


def test_quality_capacity_takes_each_pairs_least_bound_in_any_order():
    links = pd.DataFrame({"yield": [1.0, 0.5, 2.0, 1.0], "demand_quantity": [10.0, 8, 6, 4]},
                         index=[3, 5, 8, 9])
    quality = pd.DataFrame({"pair": [8, 3, 8, 3, 9], "level": [2.0, 4, 1, 0, 5],
                            "limit": [1.0, 2, 3, 9, 0]})
    q = quality[quality.level > 0]
    eta, demand = links["yield"].reindex(q.pair), links.demand_quantity.reindex(q.pair)
    bound = pd.Series(q.limit.to_numpy() * demand.to_numpy()
                      / (eta.to_numpy() * q.level.to_numpy()), index=q.pair.to_numpy())
    expected = bound.groupby(level=0).min().reindex(links.index, fill_value=np.inf)
    np.testing.assert_array_equal(_quality_capacity(links, quality), expected.to_numpy())
    np.testing.assert_array_equal(_quality_capacity(links, quality.sort_values("pair")),
                                  expected.to_numpy())


@pytest.mark.parametrize("spatial", [False, True])
def test_candidate_links_agree_with_pair_economics(province, spatial):
    inputs = read_model(province)
    park = build_park(inputs.config, inputs.config_source, inputs.tables)
    network = build_network(park, spatial=spatial, screen_value=False)
    links = network.links
    assert len(links) and not set(SCREEN_ONLY_COLUMNS) & set(links.columns)
    assert links.index.is_unique
    assert (links.index == links.from_stream + "->" + links.to_stream).all()
    priced = pair_economics(park, links[["from_stream", "to_stream"]].reset_index(drop=True))
    assert set(SCREEN_ONLY_COLUMNS) <= set(priced.columns)
    shared = [c for c in links.columns if c in priced.columns]
    pd.testing.assert_frame_equal(links[shared].reset_index(drop=True), priced[shared],
                                  check_exact=True)
    # the other path finds the same candidates (the spatial one only skips pairs out of reach)
    other = build_network(park, spatial=not spatial, screen_value=False).links
    pd.testing.assert_frame_equal(other, links, check_exact=True)


def _greedy_by_names(lp, network, baseline_x: np.ndarray) -> np.ndarray:
    """The greedy matcher as it was written first: dictionaries keyed by stream, link and
    (demand, property) names, one link at a time."""
    links = network.links
    x = baseline_x.copy()
    usable = (links.category != "heat").to_numpy() & (links.unit_value.to_numpy() > 0)
    order = np.flatnonzero(usable)[np.argsort(-links.unit_value.to_numpy()[usable],
                                              kind="stable")]
    supply_left = links.supply_quantity.groupby(links.from_stream).first().to_dict()
    demand_left = links.demand_quantity.groupby(links.to_stream).first().to_dict()
    q = network.link_qualities
    budgets = {(d, p): limit * qty for d, p, limit, qty in zip(
        q.to_stream, q.property, q.limit, links.demand_quantity.reindex(q.link_id))}
    levels: dict = {}
    for link, prop, level in zip(q.link_id, q.property, q.level):
        levels.setdefault(link, []).append((prop, level))
    flow, build = lp.variables["flow"], lp.variables["build"]
    dispose, purchase = lp.variables["dispose"], lp.variables["purchase"]
    ids = links.index.to_numpy()
    s_of, d_of = links.from_stream.to_numpy(), links.to_stream.to_numpy()
    eta, value = links["yield"].to_numpy(), links.unit_value.to_numpy()
    fixed = (links.fixed_cost + links.annualised_capex).to_numpy()
    for i in order:
        s, d = s_of[i], d_of[i]
        amount = min(supply_left[s], demand_left[d] / eta[i])
        for prop, level in levels.get(ids[i], ()):
            if level > 0:
                amount = min(amount, budgets[(d, prop)] / (eta[i] * level))
        if amount <= 1e-9 or amount * value[i] <= fixed[i]:
            continue
        supply_left[s] -= amount
        demand_left[d] -= eta[i] * amount
        for prop, level in levels.get(ids[i], ()):
            budgets[(d, prop)] -= eta[i] * level * amount
        x[flow.start + i] = amount
        x[build.start + i] = 1.0
        x[dispose.start + dispose.index.get_loc(s)] -= amount
        x[purchase.start + purchase.index.get_loc(d)] -= eta[i] * amount
    return x


@pytest.mark.parametrize("n, seed", [(30, 1), (60, 3), (200, 5)])
def test_the_greedy_matcher_by_positions_is_the_one_by_names(n, seed, tmp_path, monkeypatch):
    """greedy_point (streams, budgets and quality rows by position, in chunks) builds the
    very point the name-keyed matcher builds, on parks with water quality limits; chunks
    of 7 links check that matching goes on across chunk ends."""
    from symbiosis import start
    from symbiosis.formulation import formulate
    from symbiosis.results import baseline_point

    from symbiosis.scenario import load_model_or_scenario

    generate_park(n, seed, tmp_path / "m")
    park = load_model_or_scenario(tmp_path / "m").park
    network = build_network(park, cap=False)
    assert len(network.link_qualities) > 0  # quality budgets are exercised
    lp = formulate(park, network)
    base = baseline_point(lp, park)
    monkeypatch.setattr(start, "CHUNK", 7)
    x = start.greedy_point(lp, network, base)
    np.testing.assert_array_equal(x, _greedy_by_names(lp, network, base))
    assert (x[lp.variables["build"].columns] > 0.5).sum() > 0


def _as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns as pandas categoricals, each with a category no row has."""
    out = frame.copy()
    for column in ("from_firm", "to_firm", "from_resource", "to_resource"):
        values = out[column].astype(str)
        out[column] = pd.Categorical(values, categories=[*sorted(values.unique()), "ZZ-none"])
    return out


def test_link_tables_with_categorical_columns_group_as_with_strings(tmp_path, monkeypatch):
    """Resource KPIs, link widths and Sankey flows are the same when a links table holds its
    names as categoricals: the groupbys observe only the categories present. pandas 3
    does so by default, pandas 2 (which pyproject allows) does not: its default is put back
    here, so that a groupby without `observed=True` fails the test."""
    from symbiosis.formulation import formulate
    from symbiosis.formulation.highs_model import MatrixProgram
    from symbiosis.report.figures import link_widths, sankey_flows
    from symbiosis.report.folder import read_folder
    from symbiosis.results.kpis import _resource_kpis
    from symbiosis.scenario import load_model_or_scenario
    from symbiosis.solve import SolverOptions, solve

    park = load_model_or_scenario("scenarios/electronics-baseline.yaml").park
    network = build_network(park)
    lp = formulate(park, network)
    grouped = pd.DataFrame.groupby

    def pandas_2_default(self, *args, observed=False, **kwargs):
        return grouped(self, *args, observed=observed, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "groupby", pandas_2_default)
    x = solve(MatrixProgram.of(lp), SolverOptions(name="highspy")).values
    flow = x[lp.variables["flow"].columns]
    links = network.links.assign(flow=flow, delivered=flow * network.links["yield"])[flow > 0]
    assert _resource_kpis(park, lp, x, _as_categories(links)) == \
        _resource_kpis(park, lp, x, links)
    import symbiosis as sb
    tables = read_folder(sb.run("scenarios/electronics-baseline.yaml").to_folder(tmp_path / "r"))
    categorical = replace(tables, links=_as_categories(tables.links))
    pd.testing.assert_series_equal(link_widths(categorical.links), link_widths(tables.links))
    labels, rows = sankey_flows(tables)
    labels_c, rows_c = sankey_flows(categorical)
    assert labels_c == labels
    pd.testing.assert_frame_equal(rows_c.astype(rows.dtypes.to_dict()), rows)
