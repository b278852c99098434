"""Time: representative periods, phased build-out over years and uncertain volumes.

One mechanism (docs/model.md, "Time"): the park's year is cut into operating states (a year
of the horizon × a period × a volume scenario), each with its own stream quantities and a
weight; each state's program is the one-year program of today's blocks, and the states are
stacked into one program whose design columns (builds, sizes) are shared within a year and
linked across years by one build-year choice per candidate.
"""
from importlib import import_module

# Resolved on first use (PEP 562), so that `symbiosis validate`, which reads the time tables,
# loads no solver (tests/test_startup.py).
_HOME = {"TimeTables": "inputs", "load_time_tables": "inputs", "TimePlan": "plan",
         "plan_of": "plan", "TimeResult": "study", "optimise_time": "study"}

__all__ = ["TimePlan", "TimeResult", "TimeTables", "load_time_tables", "optimise_time",
           "plan_of"]


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
