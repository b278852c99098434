"""The import direction of the package (docs: DESIGN's layering), read from the source: every
`import` and `from … import`, at the top of a module or inside a function (lazy imports count:
they are how a cycle hides).

Layers, lowest first; a module may import its own layer and those below, never above:
the core (inputs, park, network, formulation, solving, results) < analysis < batch, report <
cli. `analysis.games` is pure mathematics and imports nothing of the package. Two cycles
inside the core are known and listed (KNOWN_CYCLES): a new one fails the test.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "symbiosis"
# which layer a module is in, by its first name under symbiosis (default: the core, 0)
LAYER = {"analysis": 1, "batch": 2, "report": 2, "cli": 3}
# `results` builds its plots with the report's figure code on demand (Result.plot_map,
# Result.plot_sankey, for notebooks).
ALLOWED_UPWARD = {("symbiosis.results", "symbiosis.report.figures"),
                  ("symbiosis.results", "symbiosis.report.folder")}
KNOWN_CYCLES = [{"symbiosis.results", "symbiosis.baselines"},
                {"symbiosis.results", "symbiosis.report.folder", "symbiosis.report.figures"}]


def module_name(path: Path) -> str:
    """symbiosis/analysis/games.py -> symbiosis.analysis.games (a package: its own name)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The package's modules this file imports (resolved relative imports; `from x import y`
    counts y when it is a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("symbiosis")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("symbiosis"):
                target = node.module
            else:
                continue
            names = {f"{target}.{a.name}" for a in node.names}
            found |= names if names <= MODULES else names | {target}
    return found


MODULES = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)
           .removesuffix(".__init__") for p in PACKAGE.rglob("*.py")}


def graph() -> nx.DiGraph:
    """Modules and what they import; the package's own `__init__` (the public API, which
    imports every layer lazily) is left out: nothing inside imports it."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py") if module_name(p) != "symbiosis"}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        g.add_edges_from((name, t) for t in imports_of(path) if t in modules and t != name)
    return g


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYER.get(parts[1], 0) if len(parts) > 1 else 0


def test_the_graph_sees_lazy_imports():
    g = graph()
    assert g.has_edge("symbiosis.solve", "symbiosis.decompose")  # a function-level import
    assert g.has_edge("symbiosis.analysis.sharing", "symbiosis.analysis.cooperative")
    assert g.has_edge("symbiosis.cli", "symbiosis.analysis.sharing")


def test_no_module_imports_a_layer_above_its_own():
    g = graph()
    upward = sorted((a, b) for a, b in g.edges if layer(b) > layer(a)
                    and (a, b) not in ALLOWED_UPWARD)
    assert upward == []


def test_the_games_module_imports_nothing_of_the_package():
    assert [b for b in graph().successors("symbiosis.analysis.games")] == []


def test_no_new_import_cycle():
    cycles = [set(c) for c in nx.simple_cycles(graph())]
    new = [c for c in cycles if not any(c <= known for known in KNOWN_CYCLES)]
    assert new == []
