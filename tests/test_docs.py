"""The docs stay true to the code."""
from __future__ import annotations

import re

from symbiosis import docgen

from .conftest import ROOT


def test_format_reference_is_generated_from_the_schemas():
    text = docgen.FORMAT_DOC.read_text(encoding="utf-8")
    region = text.split(docgen.BEGIN, 1)[1].split(docgen.END, 1)[0].strip()
    assert region == docgen.reference().strip(), \
        "docs/format.md is out of date: run `python -m symbiosis.docgen`"


def test_model_doc_names_every_heat_block():
    from symbiosis.formulation import formulate
    from symbiosis.network import build_network
    from tests.test_heat import _pump_park

    park = _pump_park(0)
    lp = formulate(park, build_network(park, screen_value=False))
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8").replace("\\_", "_")
    for name in list(lp.constraints) + list(lp.variables) + list(lp.cost_terms):
        assert name in doc, name


def test_model_doc_names_every_constraint_and_variable_block():
    from tests.test_formulation import _program  # a program with every block
    from tests.conftest import make_park

    park = make_park({"W": (0, 0), "A": (1, 0)},
                     [dict(resource="water", category="water", unit="m3", mode="pipe")],
                     [("s", "W", "supply", "water", 10), ("d", "A", "demand", "water", 10)],
                     qualities=[("s", "cod", 80), ("d", "cod", 50)])
    lp = _program(park)
    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for name in list(lp.constraints) + ["co2_cap"] + list(lp.variables):
        assert re.search(rf"\b{name}\b", doc), name
    for term in list(lp.cost_terms) + ["carbon"]:
        assert term in doc, term


def test_readme_starts_with_the_two_quick_start_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    assert blocks and blocks[0].split() == ["make", "run", "make", "test"]
