"""Formulation: a pure function from a Park and its Network to a linear program.

Each module adds one block (variables, rows and objective terms) for one concern; the
registry (registry.py) lists them in order with what each needs and how its results are read,
so a new capability adds a block and leaves the others alone. `to_pyomo` emits the program as a Pyomo
model for solving and for notebook users who add their own constraints.
"""
from __future__ import annotations

from ..network import Network
from ..park import Park
from ..schema import Objective
from typing import Callable, Sequence

from .highs_model import to_highs
from .objective import add_co2_cap
from .program import LinearProgram
from .pyomo_model import to_pyomo
from .registry import BLOCKS, Block, add_blocks
from .transfers import Transfers

__all__ = ["AUTO", "BLOCKS", "Block", "ExtraBlock", "LinearProgram", "Transfers", "add_co2_cap",
           "emit", "formulate", "resolve_solver", "to_highs", "to_pyomo"]

# A user's block: adds variables, rows and terms to the program (the array IR), so it holds
# on both backends: f(lp, park, network) -> None.
ExtraBlock = Callable[[LinearProgram, Park, Network], None]

DIRECT_HIGHS = "highspy"  # solver name of the fast path: HiGHS without Pyomo
AUTO = "auto"  # the default solver name: the fast path


def resolve_solver(name: str) -> str:
    """The solver a name stands for: `auto` is the array path at every size (the same HiGHS
    as through Pyomo, without building a Pyomo model); any other name is itself."""
    return DIRECT_HIGHS if name == AUTO else name


def emit(lp: LinearProgram, solver: str):
    """The model a solver takes: a highspy.Highs for the fast path, else a Pyomo model."""
    return to_highs(lp) if solver == DIRECT_HIGHS else to_pyomo(lp)


def formulate(park: Park, network: Network, objective: Objective = "cost",
              transfers: Transfers | None = None,
              extra_blocks: Sequence[ExtraBlock] = ()) -> LinearProgram:
    """Build the MILP of docs/model.md from the registry's blocks (registry.BLOCKS): material,
    water and heat; with `transfers`, also payments over links and one individual-rationality
    row per firm (transfers.py); then the user's `extra_blocks`, in order."""
    lp = LinearProgram(carbon_price=park.config.economics.carbon_price, objective=objective)
    add_blocks(lp, park, network, {"transfers": transfers}, tuple(extra_blocks))
    return lp
