"""Extraction: a solution turned into a Result, from the core tables and every block's own
extractor (formulation/registry.py)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..formulation.program import LinearProgram
from ..formulation.registry import block_kpis, block_names, clean_blocks, extract_tables
from ..start import greedy_point
from ..network import Network
from ..park import Park
from ..solve import Solution
from ..verify import checked
from .baseline import baseline_point
from .esg import ESG_FILE, esg_table
from .kpis import _heat_kpis, _kpis
from .repair import clean_solution, prune_unprofitable_links
from .result import HEAT_PUMPS, Result
from .tables import _breakdown, _built_links, _firm_table, _heat_firm_table, _stream_table


def extract(park: Park, network: Network, lp: LinearProgram, solution: Solution, name: str,
            settings: dict[str, Any], baseline_x: np.ndarray | None = None,
            greedy_x: np.ndarray | None = None) -> Result:
    """Turn a solution into tables and KPIs; built = carries flow.

    `baseline_x`, `greedy_x`: the no-links point (`baseline_point`) and the greedy design
    (`greedy_point`) of `lp`, when the caller has them already.
    """
    if baseline_x is None:
        baseline_x = baseline_point(lp, park)
    x, pruned = None, 0
    if solution.status.has_solution:
        x = clean_solution(lp, network, solution.values)
        if lp.objective == "cost":
            x, pruned = prune_unprofitable_links(lp, network, x)
        repaired = checked(lp, replace(solution, values=x))  # the point reported holds
        if not repaired.status.has_solution and _foreign_rows(lp):
            # the repairs know the model's rows, not a user's block's: report the solver's
            # own point (noise rounded) when it holds and the repaired one does not
            x, pruned = np.where(np.abs(solution.values) <= 1e-9, 0.0, solution.values), 0
            repaired = checked(lp, replace(solution, values=x))
        solution = repaired
        if not solution.status.has_solution:
            x, pruned = None, 0
    links = _built_links(network, lp, x)
    kpis = _kpis(park, network, lp, solution, x, baseline_x, links, name, settings)
    kpis["links_pruned"] = pruned
    kpis["verification"] = solution.verification.as_kpi() if solution.verification else None
    greedy = clean_blocks(lp, network, greedy_point(lp, network, baseline_x)) \
        if greedy_x is None else greedy_x
    kpis["greedy"] = {"scope": "material and water", "total_cost": lp.cost(greedy),
                      "savings": lp.cost(baseline_x) - lp.cost(greedy),
                      "co2_t": lp.co2(greedy),
                      "links_built": int((greedy[lp.variables["build"].columns] > 0.5).sum())}
    firms = _firm_table(park, lp, x, baseline_x)
    tables = extract_tables(lp, park, network, x)  # each block's own
    pumps = tables[HEAT_PUMPS]
    if park.has_heat:
        kpis["heat"] = _heat_kpis(park, lp, x, links)
        kpis["heat"]["pumped"] = float(pumps.heat_delivered.sum())
        kpis["heat"]["pump_electricity"] = float(pumps.electricity.sum())
        kpis["heat"]["heat_pumps_built"] = int(len(pumps))
        firms = firms.join(_heat_firm_table(park, lp, x, links, pumps))
    kpis.update(block_kpis(lp, x, tables))  # e.g. `routes` with shared routes
    firms["name"] = park.firms["name"].reindex(firms.index).to_numpy()  # ids alone are opaque
    tables[ESG_FILE] = esg_table(park, lp, x, baseline_x, firms)
    return Result(
        name=name, status=solution.status, kpis=kpis, links=links, firms=firms,
        tables=tables,
        resources=pd.DataFrame.from_dict(kpis["resources"], orient="index").rename_axis(
            "resource").join(park.resources[["category", "unit"]]),
        streams=_stream_table(park, lp, x), objective_breakdown=_breakdown(lp, x, baseline_x),
        network=network)


def _foreign_rows(lp: LinearProgram) -> bool:
    """Whether the program has rows that no block of the registry added (a user's block)."""
    return any(c.block not in block_names() for c in lp.constraints.values())
