"""The import direction of the package (docs: DESIGN's layering), read from the source: every
`import` and `from … import`, at the top of a module or inside a function (lazy imports count:
they are how a cycle hides). An import under `if TYPE_CHECKING:` is for annotations only (with
`from __future__ import annotations` it never runs) and is not a dependency.

Layers, lowest first; a module may import its own layer and those below, never above:
the core (inputs, park, network, formulation, solving, results, and the pipeline with its
start heuristic `start` and selection) < analysis (the studies built on the pipeline:
why-not, sharing, Pareto, exits, …) < batch, report < cli. `analysis.games` is pure mathematics and imports nothing of the package. The cycles still
inside the core are known and listed (KNOWN_CYCLES): a new one fails the test.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "symbiosis"
# which layer a module is in, by its first name under symbiosis (default: the core, 0)
LAYER = {"analysis": 1, "batch": 2, "report": 2, "cli": 3}
# A Result builds its plots with the report's figure code on demand (Result.plot_map,
# Result.plot_sankey, for notebooks); the report never imports the Result back. Likewise
# Result.why_not (why_not.csv) runs the why-not study on demand, which reads only the
# Result's tables and Network and imports nothing above the core.
ALLOWED_UPWARD = {("symbiosis.results.result", "symbiosis.report.figures"),
                  ("symbiosis.results.result", "symbiosis.report.folder"),
                  ("symbiosis.results.result", "symbiosis.analysis.why_not")}
KNOWN_CYCLES: list[set[str]] = []


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
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for guard in ast.walk(tree) if _is_type_checking(guard)
                   for n in ast.walk(guard)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
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


def _is_type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`) with no else branch."""
    if not isinstance(node, ast.If) or node.orelse:
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


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


def test_the_core_imports_no_study_but_why_not_on_demand():
    """The pipeline runs no study: the only edge from the core into analysis is Result.why_not
    (why_not.csv), and the why-not study itself reads only the core, so that edge cannot pull
    a layer above the core, or a cycle, into a run."""
    g = graph()
    into = sorted((a, b) for a, b in g.edges if layer(a) == 0 and layer(b) == LAYER["analysis"])
    assert into == [("symbiosis.results.result", "symbiosis.analysis.why_not")]
    assert [b for b in g.successors("symbiosis.analysis.why_not") if layer(b) > 0] == []
    assert not any("symbiosis.analysis.why_not" in c for c in nx.simple_cycles(g))


def test_the_games_module_imports_nothing_of_the_package():
    assert [b for b in graph().successors("symbiosis.analysis.games")] == []


def test_results_and_report_import_in_one_direction():
    """The two cycles broken by the results split stay broken: baselines and the report
    read results' modules, and nothing of results imports baselines or the report back
    (but Result's notebook plots, ALLOWED_UPWARD)."""
    g = graph()
    results = {m for m in g if m == "symbiosis.results" or m.startswith("symbiosis.results.")}
    back = {(a, b) for a in results for b in g.successors(a)
            if (b == "symbiosis.baselines" or b.startswith("symbiosis.report"))
            and (a, b) not in ALLOWED_UPWARD}
    assert back == set()
    assert not any(c & results for c in map(set, nx.simple_cycles(g)))


def test_type_checking_imports_are_not_dependencies():
    source = (PACKAGE / "report" / "folder.py").read_text(encoding="utf-8")
    assert "if TYPE_CHECKING:\n    from ..results.result import Result" in source
    assert not graph().has_edge("symbiosis.report.folder", "symbiosis.results.result")
    assert graph().has_edge("symbiosis.report.folder", "symbiosis.results.schema")  # lazy


def test_no_new_import_cycle():
    cycles = [set(c) for c in nx.simple_cycles(graph())]
    new = [c for c in cycles if not any(c <= known for known in KNOWN_CYCLES)]
    assert new == []
