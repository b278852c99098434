"""The no-links point of a program (docs/model.md), owned by the balances block and computed once
per program: every later caller (extraction, greedy, selection, analyses) reads the same one."""
from __future__ import annotations

import numpy as np

from ..formulation import DIRECT_HIGHS
from ..formulation.balances import no_links_point
from ..formulation.program import LinearProgram
from ..formulation.registry import baseline_blocks
from ..park import Park
from ..solve import SolverOptions, solve


def baseline_point(lp: LinearProgram, park: Park) -> np.ndarray:
    """The no-links solution of `lp` (formulation.balances.no_links_point), kept on the
    program so that it is computed once; rows added outside the model's blocks (a CO2 cap,
    a user's extra block) do not change it. A copy of the point: callers may change it."""
    if lp.baseline is None or len(lp.baseline) != lp.n_columns:
        lp.baseline = no_links_point(lp, park, lambda program: solve(
            program, SolverOptions(name=DIRECT_HIGHS)), baseline_blocks())
    return lp.baseline.copy()
