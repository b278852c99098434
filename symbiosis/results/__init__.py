"""Results: tidy tables and KPIs extracted from a solution, and the result folder (docs/format.md).

Once extracted, a Result needs neither the Pyomo model nor the solver: reports, plots and
comparisons read Results only. One module per job:

- schema: file names, column lists, how numbers are written
- result: the Result
- baseline: the no-links point (the balances block's), once per program
- repair: rounding a solver's point, dropping links that carry nothing or lose money
- tables, kpis: the core tables and kpis.json; each block's own tables come from its
  extractor (formulation/registry.py)
- extract: a Solution → a Result
- folder: writing a result folder, all at once
- summary: the console summary
"""
from __future__ import annotations

import networkx as nx  # noqa: F401  (tests patch nx.write_graphml through this name)

from .baseline import baseline_point
from .extract import extract
from .folder import check_output_folder, write_folder, write_folder_with
from .repair import clean_solution, drop_links, prune_unprofitable_links
from .result import Result
from .schema import (EXTRA_RESULT_FILES, FIRM_COLUMNS, HEAT_FIRM_COLUMNS, LINK_COLUMNS,
                     LINK_EXTRA_COLUMNS, RESULT_FILES, SIGNIFICANT, json_ready, num)
from .summary import format_summary
from .tables import firm_split

__all__ = ["EXTRA_RESULT_FILES", "FIRM_COLUMNS", "HEAT_FIRM_COLUMNS", "LINK_COLUMNS",
           "LINK_EXTRA_COLUMNS", "RESULT_FILES", "Result", "SIGNIFICANT", "baseline_point",
           "check_output_folder", "clean_solution", "drop_links", "extract", "firm_split",
           "format_summary", "json_ready", "num", "prune_unprofitable_links", "write_folder",
           "write_folder_with"]
