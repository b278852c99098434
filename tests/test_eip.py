"""`symbiosis eip-check` on hand-made result folders: a linkage criterion that passes and
one that fails, and what the texts found do not quantify."""
from __future__ import annotations

import json

import networkx as nx
import pandas as pd
from click.testing import CliRunner

from symbiosis.analysis.eip import eip_check
from symbiosis.cli import main


def result_folder(tmp, links: list[tuple[str, str]], firms: dict[str, str]):
    """A result folder: firms with their parks (network.graphml) and built links."""
    (tmp / "kpis.json").write_text(json.dumps({"status": "optimal"}))
    pd.DataFrame(links, columns=["from_firm", "to_firm"]).to_csv(tmp / "links.csv", index=False)
    g = nx.MultiDiGraph()
    g.add_nodes_from((f, {"park": p}) for f, p in firms.items())
    g.add_node("HUB", kind="facility")
    nx.write_graphml(g, tmp / "network.graphml")
    return tmp


def row(table, park, start):
    return table[(table.park == park) & table.criterion.str.startswith(start)].iloc[0]


def test_a_park_with_one_linkage_among_ten_firms_passes(tmp_path):
    """P: A→B between two of its 10 firms: 1 linkage, 20 % taking part. Q: only a link
    within firm X and one to the facility: no linkage, 0 % (fail)."""
    firms = {**{f"F{i}": "P" for i in range(8)}, "A": "P", "B": "P", "X": "Q", "Y": "Q"}
    folder = result_folder(tmp_path, [("A", "B"), ("X", "X"), ("Y", "HUB")], firms)
    table = eip_check(folder)
    p_links = row(table, "P", "symbiosis linkages")
    assert (p_links.value, p_links.status) == (1, "pass")
    p_share = row(table, "P", "share of the park's firms")
    assert (p_share.value, p_share.status) == (0.2, "pass")
    q_links = row(table, "Q", "symbiosis linkages")
    assert (q_links.value, q_links.status) == (0, "fail")
    assert row(table, "Q", "share of the park's firms").status == "fail"
    assert row(table, "P", "share of firms applying").status == "not_measurable"
    assert "not quantified in the text found" in p_links.note


def test_a_link_across_two_parks_is_no_linkage_of_either(tmp_path):
    """Circular 05/2025 Art. 2(1)(a): exchange among enterprises within the park."""
    folder = result_folder(tmp_path, [("A", "X")], {"A": "P", "X": "Q"})
    table = eip_check(folder)
    assert row(table, "P", "symbiosis linkages").status == "fail"
    assert row(table, "Q", "symbiosis linkages").status == "fail"


def test_the_command_prints_the_check_and_refuses_a_folder_without_results(tmp_path):
    folder = result_folder(tmp_path / "r", [("A", "B")], {"A": "P", "B": "P"}) \
        if (tmp_path / "r").mkdir() is None else None
    out = CliRunner().invoke(main, ["eip-check", str(folder)])
    assert out.exit_code == 0, out.output
    assert "[pass] symbiosis linkages" in out.output and "Decree 35/2022/ND-CP" in out.output
    bad = CliRunner().invoke(main, ["eip-check", str(tmp_path)])
    assert bad.exit_code == 2 and "not a result folder" in bad.output
