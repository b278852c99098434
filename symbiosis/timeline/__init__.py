"""Time: representative periods, phased build-out over years and uncertain volumes.

One mechanism (docs/model.md, "Time"): the park's year is cut into operating states (a year
of the horizon × a period × a volume scenario), each with its own stream quantities and a
weight; each state's program is the one-year program of today's blocks, and the states are
stacked into one program whose design columns (builds, sizes) are shared within a year and
linked across years by one build-year choice per candidate.
"""
from .inputs import TimeTables, load_time_tables
from .plan import TimePlan, plan_of
from .study import TimeResult, optimise_time

__all__ = ["TimePlan", "TimeResult", "TimeTables", "load_time_tables", "optimise_time",
           "plan_of"]
