"""Exits re-solved: the kept design's LPs on one HiGHS model changed in place, and the
re-planned MILPs here, on worker processes or on a Dask cluster (docs/model.md, "Partner
exit", "Re-solves"). Used by `resilience` and by the robust design (`robust`).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..formulation.highs_model import InPlace, MatrixProgram
from ..solve import Solution, SolverOptions, solve


def kept_points(program: MatrixProgram, x0: np.ndarray, x_star: np.ndarray,
                owns: list[np.ndarray], in_place: bool = True) -> list[np.ndarray]:
    """The kept design's point for each exit: the build columns at their design value (the
    leaving firms' at their no-links value), flows re-optimised — an LP (integrality
    dropped: every integer column is fixed). In place: one HiGHS model, each exit's columns
    fixed and restored, so each LP starts from the last one's basis; else a program rebuilt
    and solved from scratch per exit (what `in_place` is measured against)."""
    integer = np.flatnonzero(program.integer)
    fixed = replace(program, integer=np.zeros(len(program.integer), bool)).with_bounds(
        integer, x_star[integer], x_star[integer])
    options = SolverOptions(name="highspy")
    points = []
    model = InPlace(fixed) if in_place else None
    for own in owns:
        if model is not None:
            model.fix(own, x0[own])
            s = solve(model.highs, options)
            model.set_bounds(own, fixed.col_lower[own], fixed.col_upper[own])
        else:
            s = solve(fixed.with_bounds(own, x0[own], x0[own]), options)
        if not s.status.has_solution:  # dropping links is always feasible: a bug
            raise RuntimeError("a design without the leaving firms has no solution")
        points.append(np.where(np.abs(s.values) <= 1e-9, 0.0, s.values))
    return points


def replan(program: MatrixProgram, own: np.ndarray, values: np.ndarray,
           options: SolverOptions, start: np.ndarray) -> Solution:
    """The park without the leaving firms re-optimised from scratch (a worker's task)."""
    return solve(program.with_bounds(own, values, values), options, fallback=start)


def replanned_points(program: MatrixProgram, x0: np.ndarray, owns: list[np.ndarray],
                     kept: list[np.ndarray], options: SolverOptions, workers: int = 1,
                     dask: str | None = None) -> list[Solution]:
    """`replan` for each exit: here one after another, on `workers` worker processes
    (decompose.WorkerPool) or on a Dask cluster (the program sent once), like a sweep's
    variants. Side by side, each solve gets one HiGHS thread."""
    calls = [(own, x0[own], start) for own, start in zip(owns, kept)]
    if dask is not None:
        from ..cluster import client_of
        with client_of(dask, workers) as client:
            sent = client.scatter(program, broadcast=True, hash=False)
            one = replace(options, threads=1, dask=None)
            futures = [client.submit(replan, sent, own, v, one, s, pure=False)
                       for own, v, s in calls]
            return client.gather(futures)
    if workers > 1 and len(calls) > 1:
        from ..decompose import WorkerPool
        one = replace(options, threads=1)
        with WorkerPool(min(workers, len(calls))) as pool:
            futures = [pool.submit_call(replan, program, own, v, one, s)
                       for own, v, s in calls]
            return [f.result() for f in futures]
    return [replan(program, own, v, options, s) for own, v, s in calls]
