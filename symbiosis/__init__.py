"""symbiosis: an eco-industrial park optimiser.

    import symbiosis as sb
    park = sb.load_park("models/bac-ninh-electronics")
    result = sb.optimise(park)            # or sb.run("scenarios/electronics-baseline.yaml")
    result.links, result.firms, result.kpis, result.objective_breakdown
    table = sb.sweep("scenarios/sweep-carbon-x-fee.yaml", out="results/cxf", workers=2)
    sb.load_results("results/cxf").kpis   # tables with a `scenario` level

See README.md for a tour and docs/ for the format and the mathematical model.
"""
from __future__ import annotations

from .batch import ResultCollection, load_results, sweep
from .errors import InputError, Problem, SolverUnavailableError, SymbiosisError, UnsupportedError
from .formulation import LinearProgram, formulate, to_pyomo
from .io import load_park, park_from_frames
from .network import Network, build_network
from .park import Park
from .pipeline import optimise, run
from .results import Result
from .scenario import LoadedScenario, load_model_or_scenario, load_scenario
from .solve import Solution, SolverOptions, Status, Termination, solve

__version__ = "0.1.0"

__all__ = [
    "InputError", "LinearProgram", "LoadedScenario", "Network", "Park", "Problem", "Result",
    "ResultCollection", "load_results", "sweep",
    "Solution", "SolverOptions", "SolverUnavailableError", "Status", "SymbiosisError",
    "Termination", "UnsupportedError", "build_network", "formulate", "load_model_or_scenario",
    "load_park", "load_scenario", "optimise", "park_from_frames", "run", "solve", "to_pyomo",
]
