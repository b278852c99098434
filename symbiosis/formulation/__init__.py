"""Formulation: a pure function from a Park and its Network to a linear program.

Each module adds one block (variables, rows and objective terms) for one concern; a new
capability adds a block and leaves the others alone. `to_pyomo` emits the program as a Pyomo
model for solving and for notebook users who add their own constraints.
"""
from __future__ import annotations

from ..network import Network
from ..park import Park
from ..schema import Objective
from .balances import add_balances
from .dependence import add_max_dependence, max_dependence
from .heat import add_heat
from .heat_pumps import add_heat_pumps
from .highs_model import to_highs
from .links import add_links
from .objective import add_co2_cap
from .program import LinearProgram
from .pyomo_model import to_pyomo
from .quality import add_quality
from .transfers import Transfers, add_transfers
from .utilities import add_utilities

__all__ = ["AUTO", "LinearProgram", "Transfers", "add_co2_cap", "emit", "formulate", "resolve_solver",
           "to_highs", "to_pyomo"]

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
              transfers: Transfers | None = None) -> LinearProgram:
    """Build the MILP of FORMAT §2: material, water and heat; with `transfers`, also payments
    over links and one individual-rationality row per firm (transfers.py), added last."""
    lp = LinearProgram(carbon_price=park.config.economics.carbon_price, objective=objective)
    add_links(lp, network)
    add_balances(lp, park, network)
    add_quality(lp, network)
    add_heat(lp, park, network)
    add_heat_pumps(lp, park)
    add_utilities(lp, park)
    add_max_dependence(lp, park, network, max_dependence(park))
    if transfers is not None:
        add_transfers(lp, network, transfers)
    return lp
