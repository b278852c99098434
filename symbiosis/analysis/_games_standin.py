"""A minimal stand-in for `symbiosis.analysis.games` (written on another branch), with the
same API, so that `cooperative.py` runs before that module lands. Delete this file when
games.py is on main: `cooperative.py` imports games.py first and this only if it is absent.

Players 0..n-1, coalitions as int bitmasks, a game as an array v of length 2**n (v[0] = 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Callable

import numpy as np
import pandas as pd
from scipy.optimize import linprog


def members(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def mask_of(players) -> int:
    return sum(1 << int(i) for i in players)


def _n(v: np.ndarray) -> int:
    return int(len(v)).bit_length() - 1


def shapley(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, float)
    n = _n(v)
    masks = np.arange(len(v))
    size = np.array([bin(m).count("1") for m in masks])
    weight = np.array([factorial(k) * factorial(n - k - 1) / factorial(n) for k in range(n)])
    phi = np.zeros(n)
    for i in range(n):
        without = masks[(masks >> i & 1) == 0]
        phi[i] = np.sum(weight[size[without]] * (v[without | (1 << i)] - v[without]))
    return phi


@dataclass(frozen=True)
class SampledShapley:
    values: np.ndarray
    stderr: np.ndarray
    samples: int
    seed: int


def shapley_sampled(n: int, value: Callable[[int], float], samples: int,
                    seed: int = 0) -> SampledShapley:
    rng = np.random.default_rng(seed)
    draws = np.zeros((samples, n))
    for k in range(samples):
        mask, before = 0, 0.0
        for i in rng.permutation(n):
            mask |= 1 << int(i)
            now = value(mask)
            draws[k, i] = now - before
            before = now
    stderr = draws.std(axis=0, ddof=1) / np.sqrt(samples) if samples > 1 else np.full(n, np.nan)
    return SampledShapley(draws.mean(axis=0), stderr, samples, seed)


@dataclass(frozen=True)
class LeastCore:
    allocation: np.ndarray
    epsilon: float


def _proper(n: int) -> np.ndarray:
    return np.arange(1, 2 ** n - 1)


def _rows(n: int, masks: np.ndarray) -> np.ndarray:
    return ((masks[:, None] >> np.arange(n)) & 1).astype(float)


def least_core(v: np.ndarray) -> LeastCore:
    """min ε s.t. x(S) ≥ v(S) − ε for every proper S, x(N) = v(N)."""
    v = np.asarray(v, float)
    n = _n(v)
    if n == 1:
        return LeastCore(np.array([v[1]]), 0.0)
    s = _proper(n)
    a = _rows(n, s)
    res = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.c_[-a, -np.ones(len(s))], b_ub=-v[s],
                  A_eq=np.r_[np.ones(n), 0.0][None, :], b_eq=[v[-1]],
                  bounds=[(None, None)] * (n + 1), method="highs")
    return LeastCore(res.x[:n], float(res.x[n]))


def nucleolus(v: np.ndarray) -> np.ndarray:
    """Sequential LPs: maximise the least excess x(S) − v(S), fix the coalitions that are
    tight in every optimum, repeat until the allocation is unique."""
    v = np.asarray(v, float)
    n = _n(v)
    if n == 1:
        return np.array([v[1]])
    free = list(_proper(n))
    fixed: list[tuple[int, float]] = []
    x = None
    while free:
        a_free = _rows(n, np.array(free))
        eq_a = [np.r_[np.ones(n), 0.0]] + [np.r_[_rows(n, np.array([m]))[0], 0.0]
                                           for m, _ in fixed]
        eq_b = [v[-1]] + [v[m] + e for m, e in fixed]
        res = linprog(np.r_[np.zeros(n), -1.0], A_ub=np.c_[-a_free, np.ones(len(free))],
                      b_ub=-v[free], A_eq=np.array(eq_a), b_eq=eq_b,
                      bounds=[(None, None)] * (n + 1), method="highs")
        x, eps = res.x[:n], float(res.x[n])
        tight = []
        for k, m in enumerate(free):  # tight in every optimum: x(S) cannot rise above
            c = np.r_[-a_free[k], 0.0]
            alt = linprog(c, A_ub=np.c_[-a_free, np.zeros(len(free))],
                          b_ub=-(v[free] + eps), A_eq=np.array(eq_a), b_eq=eq_b,
                          bounds=[(None, None)] * n + [(eps, eps)], method="highs")
            if -alt.fun - v[m] <= eps + 1e-9 * max(1.0, abs(v[-1])):
                tight.append(m)
        if not tight:
            break
        fixed += [(m, eps) for m in tight]
        free = [m for m in free if m not in tight]
        if np.linalg.matrix_rank(np.array([np.ones(n)] + [_rows(n, np.array([m]))[0]
                                                          for m, _ in fixed])) >= n:
            break
    return x


def in_core(v: np.ndarray, x: np.ndarray, tol: float = 1e-6) -> bool:
    v = np.asarray(v, float)
    n = _n(v)
    masks = np.arange(1, 2 ** n)
    return bool(abs(np.sum(x) - v[-1]) <= tol and
                np.all(_rows(n, masks) @ np.asarray(x, float) >= v[masks] - tol))


def blocking_coalitions(v: np.ndarray, x: np.ndarray, k: int = 5,
                        tol: float = 1e-6) -> pd.DataFrame:
    """The k coalitions that would gain most by leaving: v(S) − x(S) > tol, largest first."""
    v = np.asarray(v, float)
    n = _n(v)
    masks = np.arange(1, 2 ** n - 1)
    excess = v[masks] - _rows(n, masks) @ np.asarray(x, float)
    order = np.lexsort((masks, -excess))
    rows = [(int(m), members(int(m)), float(v[m]), float(v[m] - e), float(e))
            for m, e in zip(masks[order], excess[order]) if e > tol][:k]
    return pd.DataFrame(rows, columns=["coalition", "members", "value", "allocated", "excess"])
