"""symbiosis: an eco-industrial park optimiser.

    import symbiosis as sb
    park = sb.load_park("models/bac-ninh-electronics")
    result = sb.optimise(park)            # or sb.run("scenarios/electronics-baseline.yaml")
    sb.optimise(park, extra_blocks=[f])   # f(lp, park, network): your own rows and terms
    result.links, result.firms, result.kpis, result.objective_breakdown
    shares = sb.share(result)             # who gains, who pays: shares.shares, shares.links
    front = sb.pareto(park, points=10)    # cost against CO2: front.front, front.results
    exits = sb.resilience(result)         # a partner leaves: exits.table
    placed = sb.place("models/bac-ninh-quevo")  # tenants on plots: placed.table, .gap
    table = sb.sweep("scenarios/sweep-carbon-x-fee.yaml", out="results/cxf", workers=2)
    sb.load_results("results/cxf").kpis   # tables with a `scenario` level

See README.md for a tour and docs/ for the format and the mathematical model.
"""
from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING

from .errors import InputError, Problem, SolverUnavailableError, SymbiosisError, UnsupportedError

# The public names and the module each comes from. They are imported on first use (PEP 562),
# so that `symbiosis --help` or `validate` does not load Pyomo, HiGHS or the report.
_LAZY = {
    "ResultCollection": "batch", "load_results": "batch", "sweep": "batch",
    "LinearProgram": "formulation", "formulate": "formulation", "to_pyomo": "formulation",
    "load_park": "io", "park_from_frames": "io",
    "Network": "network", "build_network": "network",
    "Park": "park",
    "optimise": "pipeline", "run": "pipeline",
    "Result": "results",
    "Shares": "analysis.sharing", "share": "analysis.sharing",
    "Front": "analysis.pareto", "pareto": "analysis.pareto",
    "Resilience": "analysis.resilience", "resilience": "analysis.resilience",
    "Placement": "analysis.placement", "place": "analysis.placement",
    "LoadedScenario": "scenario", "load_model_or_scenario": "scenario",
    "load_scenario": "scenario",
    "Solution": "solve", "SolverOptions": "solve", "Status": "solve", "Termination": "solve",
    "solve": "solve",
}

if TYPE_CHECKING:  # for type checkers and editors: the names as plain imports
    from .batch import ResultCollection, load_results, sweep  # noqa: F401
    from .formulation import LinearProgram, formulate, to_pyomo  # noqa: F401
    from .io import load_park, park_from_frames  # noqa: F401
    from .network import Network, build_network  # noqa: F401
    from .park import Park  # noqa: F401
    from .pipeline import optimise, run  # noqa: F401
    from .results import Result  # noqa: F401
    from .analysis.sharing import Shares, share  # noqa: F401
    from .analysis.pareto import Front, pareto  # noqa: F401
    from .analysis.resilience import Resilience, resilience  # noqa: F401
    from .analysis.placement import Placement, place  # noqa: F401
    from .scenario import LoadedScenario, load_model_or_scenario, load_scenario  # noqa: F401
    from .solve import Solution, SolverOptions, Status, Termination, solve  # noqa: F401


class _Package(types.ModuleType):
    """The package, whose `solve` stays the function: importing the submodule
    `symbiosis.solve` would otherwise replace the attribute by the module."""

    def __setattr__(self, name: str, value) -> None:
        if name == "solve" and isinstance(value, types.ModuleType):
            value = value.solve
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symbiosis' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "InputError", "LinearProgram", "LoadedScenario", "Network", "Park", "Problem", "Result",
    "ResultCollection", "load_results", "sweep",
    "Solution", "SolverOptions", "SolverUnavailableError", "Status", "SymbiosisError",
    "Termination", "UnsupportedError", "build_network", "formulate", "load_model_or_scenario",
    "load_park", "load_scenario", "optimise", "park_from_frames", "run", "share", "Shares", "pareto", "Front", "resilience", "Resilience", "solve", "to_pyomo",
    "place", "Placement",
]
