"""Writing a result folder (docs/format.md): every file at once, numbers byte-stable."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from .. import outputs
from ..network import CAPPED
from ..outputs import EXTRA_RESULT_FILES, RESULT_FILES
from .schema import SIGNIFICANT, json_ready, num

if TYPE_CHECKING:  # typing only: result.py imports this module (Result.to_folder)
    from .result import Result


def check_output_folder(out: str | Path, option: str = "-o") -> Path:
    """Refuse, before solving, a folder that is not a result folder symbiosis wrote (it
    would be replaced whole), and any location that cannot be written."""
    return outputs.check_folder(Path(out), "result", option, allowed=_is_result_entry,
                                legacy=outputs.legacy_result)


def _is_result_entry(path: Path) -> bool:
    return path.is_file() and path.name in RESULT_FILES + EXTRA_RESULT_FILES


def _csv(frame: pd.DataFrame, path: Path, index: bool = True) -> None:
    """A result table as CSV: 10 significant digits, text cells safe for spreadsheets."""
    path.write_bytes(outputs.csv_text(frame, index, f"%.{SIGNIFICANT}g").encode("utf-8"))


def write_folder(result: Result, out: Path, extra_files: dict[str, str] | None = None) -> Path:
    """Write every result file into `out`, all at once: a temporary folder, then a swap.

    `out` may be an earlier result folder, which is replaced; anything else is refused.
    `extra_files` (name -> text, names from EXTRA_RESULT_FILES) go in with the rest, e.g. the
    resolved `scenario.yaml` of a sweep variant.
    """
    start = time.perf_counter()
    out = check_output_folder(out)
    for name in extra_files or {}:
        if name not in EXTRA_RESULT_FILES:  # else the folder could not be replaced later
            raise ValueError(f"{name} is not one of EXTRA_RESULT_FILES")
    written: dict[str, Any] = {}

    def fill(tmp: Path) -> None:
        _csv(result.links, tmp / "links.csv", index=False)
        _csv(result.firms.rename_axis("firm_id"), tmp / "firms.csv")
        _csv(result.resources, tmp / "resources.csv")
        _csv(result.streams, tmp / "streams.csv")
        _csv(result.objective_breakdown, tmp / "objective.csv")
        rejected = result.rejected_pairs  # capped pairs: counted in kpis.json, not listed
        _csv(rejected[rejected.reason != CAPPED], tmp / "rejected_pairs.csv", index=False)
        for file, table in result.tables.items():  # each block's own (heat, pumps, ...)
            _csv(table, tmp / file, index=False)
        _csv(result.why_not, tmp / "why_not.csv", index=False)
        nx.write_graphml(_graphml_ready(result.graph()), tmp / "network.graphml")
        timings = dict(result.timings)
        timings["write"] = time.perf_counter() - start
        kpis = dict(result.kpis, timings_s={k: round(v, 4) for k, v in timings.items()})
        (tmp / "kpis.json").write_text(json.dumps(json_ready(kpis), indent=2) + "\n",
                                       encoding="utf-8")
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        written.update(timings=timings, kpis=kpis)

    outputs.write_folder(out, "result", fill)
    result.timings = written["timings"]
    result.kpis = written["kpis"]
    return out


def write_folder_with(result: Result, out: str | Path, name: str, table: pd.DataFrame) -> Path:
    """A result folder with one analysis table beside the usual files (`name` one of
    EXTRA_RESULT_FILES, e.g. shares.csv), written as the others are, all at once."""
    text = outputs.csv_text(table, False, f"%.{SIGNIFICANT}g")
    return write_folder(result, Path(out), extra_files={name: text})


def _graphml_ready(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML takes plain scalars only: drop missing values, round floats."""
    h = nx.MultiDiGraph(name=g.graph.get("name", ""))
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: (num(v) if isinstance(v, float) else v) for k, v in data.items()
                         if not (isinstance(v, float) and np.isnan(v))})
    for u, v, k, data in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **{a: (num(b) if isinstance(b, float) else b)
                                   for a, b in data.items()})
    return h
