"""Batches of what-if scenarios: sweep files, a resumable process pool, Dask, comparisons.

    import symbiosis as sb
    table = sb.sweep("scenarios/sweep-carbon-x-fee.yaml", out="results/carbon-x-fee", workers=2)
    runs = sb.load_results("results/carbon-x-fee")
    runs.kpis, runs.links.loc["base"], runs.firms.xs("F01", level="firm_id")

Modules: `spec` (sweep files, variants, hashes), `task` (one variant inside a worker),
`runner` (the sweep folder, pool, Dask, summary.csv), `collection` (reading results back),
`compare` (deltas and charts). See docs/sweeps.md.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from .collection import ResultCollection, load_results
from .compare import compare_table, plot_kpis
from .runner import SweepOutcome, run_sweep
from .spec import MAX_VARIANTS, SweepPlan, Variant, load_sweep


def sweep(path_or_spec: str | Path | Mapping[str, Any], out: str | Path | None = None,
          workers: int = 1, dask: str | None = None, force: bool = False,
          max_variants: int = MAX_VARIANTS) -> pd.DataFrame:
    """Run a sweep (a sweep file, or a dict of its keys) and return summary.csv's table,
    indexed by variant.

    With `out`, results go to that sweep folder and a second call resumes (finished variants
    are skipped); without it they go to a temporary folder that is removed afterwards.
    More than `max_variants` variants is refused before they are planned.
    """
    plan = load_sweep(path_or_spec, max_variants=max_variants)
    if out is not None:
        return run_sweep(plan, out, workers=workers, dask=dask, force=force).table
    with tempfile.TemporaryDirectory(prefix="symbiosis-sweep-") as tmp:
        return run_sweep(plan, Path(tmp) / "sweep", workers=workers, dask=dask).table


__all__ = ["ResultCollection", "SweepOutcome", "SweepPlan", "Variant", "compare_table",
           "load_results", "load_sweep", "plot_kpis", "run_sweep", "sweep"]
