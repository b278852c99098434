"""Cooperative games on a characteristic function: who should get what of a joint saving.

Players are 0..n-1 and a coalition S is the bitmask Σ_{i∈S} 2^i. A game is the table
v[mask] of length 2^n (v[0] = v(∅) = 0), or, where 2^n values cannot be computed (each is
a solve), a function value(mask). Nothing here knows about parks: the park's savings game
is built elsewhere and handed in as a table or a function.

    Shapley   φ_i = Σ_{S∌i} |S|!(n−|S|−1)!/n! · (v(S∪i) − v(S))   (average marginal value)
    excess    e(S, x) = v(S) − x(S): what S would gain by leaving the allocation x
    core      x(N) = v(N) and e(S, x) ≤ 0 for every S: no coalition gains by leaving
    least core   min ε s.t. e(S, x) ≤ ε for every proper S ≠ ∅, x(N) = v(N)
    nucleolus the efficient x whose excesses, sorted in decreasing order, are
              lexicographically smallest: in the least core, in the core when it is not empty

The nucleolus is computed by the sequential LP method (Maschler, Peleg & Shapley 1979;
Kopelowitz 1967): minimise the largest excess, fix the coalitions that are tight in every
optimum (those with a positive dual: by complementary slackness a constraint with a
positive dual in one optimal dual solution is tight in every primal optimum), drop the
coalitions whose x(S) the fixed ones already determine, and repeat on the rest. The dual
multipliers of the free rows sum to 1 (the ε column), so each round fixes at least one
coalition independent of those fixed before: at most n − 1 rounds.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

_LP_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}
_TIGHT = 1e-7  # slack, relative to max |v|, under which a row counts as tight
_POSITIVE_DUAL = 1e-9  # duals of the ε-problem are scale-free (they sum to 1)


# --------------------------------------------------------------------------- coalitions

def members(mask: int) -> list[int]:
    """The players of a coalition, in increasing order."""
    return [i for i in range(int(mask).bit_length()) if mask >> i & 1]


def mask_of(players: Iterable[int]) -> int:
    """The bitmask of a set of players (repeats count once)."""
    mask = 0
    for i in players:
        mask |= 1 << int(i)
    return mask


def n_players(v: np.ndarray) -> int:
    """n from a table of 2^n values; a table of any other length is not a game."""
    size = len(v)
    n = size.bit_length() - 1
    if size < 2 or size != 1 << n:
        raise ValueError(f"a game on n players has 2^n values, got {size}")
    return n


def _table(v: np.ndarray) -> tuple[np.ndarray, int]:
    v = np.asarray(v, dtype=float)
    n = n_players(v)
    if v[0] != 0:
        raise ValueError(f"v(∅) must be 0, got {v[0]}")
    return v, n


def _sizes(n: int) -> np.ndarray:
    return np.bitwise_count(np.arange(1 << n, dtype=np.int64)).astype(np.int64)


def _incidence(n: int) -> np.ndarray:
    """Row `mask`: the 0/1 membership of each player in coalition `mask`."""
    masks = np.arange(1 << n, dtype=np.int64)
    return ((masks[:, None] >> np.arange(n)) & 1).astype(float)


def coalition_sums(x: Sequence[float]) -> np.ndarray:
    """x(S) for every coalition S, indexed by mask (built by doubling: no 2^n × n matrix)."""
    sums = np.zeros(1, dtype=float)
    for xi in np.asarray(x, dtype=float):
        sums = np.concatenate([sums, sums + xi])
    return sums


def _scale(v: np.ndarray) -> float:
    top = float(np.max(np.abs(v))) if len(v) else 0.0
    return top if top > 0 else 1.0


# --------------------------------------------------------------------------- properties

def is_superadditive(v: np.ndarray, tol: float = 1e-9) -> bool:
    """v(S ∪ T) ≥ v(S) + v(T) for disjoint S, T: merging never loses. Checks the 3^n
    ordered pairs of disjoint coalitions (fine to n ≈ 13)."""
    v, n = _table(v)
    tol *= _scale(v)
    s = np.zeros(1, dtype=np.int64)
    t = np.zeros(1, dtype=np.int64)
    for i in range(n):  # each player is in S, in T, or in neither
        bit = np.int64(1 << i)
        s = np.concatenate([s, s | bit, s])
        t = np.concatenate([t, t, t | bit])
    return bool(np.all(v[s | t] >= v[s] + v[t] - tol))


def is_convex(v: np.ndarray, tol: float = 1e-9) -> bool:
    """Supermodular: a player's marginal value grows with the coalition it joins,
    v(S∪i∪j) − v(S∪j) ≥ v(S∪i) − v(S). A convex game's core is non-empty and holds the
    Shapley value (Shapley 1971)."""
    v, n = _table(v)
    tol *= _scale(v)
    masks = np.arange(1 << n, dtype=np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            s = masks[(masks >> i & 1 | masks >> j & 1) == 0]
            si, sj = s | 1 << i, s | 1 << j
            if np.any(v[si | sj] - v[sj] < v[si] - v[s] - tol):
                return False
    return True


def individually_rational(v: np.ndarray, x: Sequence[float], tol: float = 1e-9) -> bool:
    """x_i ≥ v({i}): no firm gets less than it can save on its own."""
    v, n = _table(v)
    x = np.asarray(x, dtype=float)
    return bool(np.all(x >= v[1 << np.arange(n)] - tol * _scale(v)))


def is_imputation(v: np.ndarray, x: Sequence[float], tol: float = 1e-9) -> bool:
    """Efficient (x(N) = v(N)) and individually rational."""
    v, n = _table(v)
    efficient = abs(float(np.sum(x)) - v[-1]) <= tol * _scale(v)
    return efficient and individually_rational(v, x, tol)


# --------------------------------------------------------------------------- Shapley

def shapley(v: np.ndarray) -> np.ndarray:
    """The exact Shapley value from the full table: each player's marginal value averaged
    over all orders of arrival. O(n · 2^n), vectorised over masks (n = 16 in well under a
    second)."""
    v, n = _table(v)
    phi = np.empty(n)
    for i, without, p in _joined(n):
        phi[i] = p @ (v[without | 1 << i] - v[without])
    return phi


def _joined(n: int):
    """Per player i: the coalitions without i and the Shapley weight of each,
    |S|!(n−|S|−1)!/n!, the chance that i joins exactly S."""
    sizes = _sizes(n)
    weight = np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                       for k in range(n)])
    masks = np.arange(1 << n, dtype=np.int64)
    for i in range(n):
        without = masks[(masks >> i & 1) == 0]
        yield i, without, weight[sizes[without]]


@dataclass(frozen=True)
class SampledShapley:
    """A Monte Carlo Shapley value: the estimate, its standard error per player, the
    permutations drawn, and how many distinct coalitions were valued (each a solve)."""

    values: np.ndarray
    stderr: np.ndarray
    samples: int
    evaluations: int


def sample_orders(n: int, samples: int, seed: int = 0,
                  antithetic: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Random orders of arrival for a sampled Shapley value and their prefixes: row r of
    `orders` is an order, `prefixes[r, k]` the mask of its first k + 1 players (the last
    column is N). With `antithetic` every order is drawn with its reverse (the second half
    of the rows), `samples` rounded up to an even number."""
    if n < 1:
        raise ValueError("a game needs at least one player")
    draws = -(-samples // 2) if antithetic else samples
    if draws < 2:
        raise ValueError("at least two independent draws are needed for a standard error")
    rng = np.random.default_rng(seed)
    orders = rng.permuted(np.tile(np.arange(n, dtype=np.int64), (draws, 1)), axis=1)
    if antithetic:
        orders = np.concatenate([orders, orders[:, ::-1]])
    # past 62 players a mask outgrows int64: Python ints (object arrays), slower, exact
    bits = (np.int64(1) << np.arange(n, dtype=np.int64) if n < 63
            else np.array([1 << i for i in range(n)], dtype=object))
    return orders, np.bitwise_or.accumulate(bits[orders], axis=1)


def shapley_of_orders(orders: np.ndarray, prefixes: np.ndarray, values: dict[int, float],
                      antithetic: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The sampled Shapley estimate and its standard error per player from the values of
    every prefix (`sample_orders`; v(∅) = 0 need not be in `values`). With `antithetic`
    the standard error is taken over the pair means (an order and its reverse), the
    independent draws."""
    distinct = np.unique(prefixes)
    table = np.array([values[m] for m in distinct.tolist()])
    worth = table[np.searchsorted(distinct, prefixes)]
    gains = np.diff(worth, axis=1, prepend=0.0)  # the marginal value of each arrival
    marginal = np.empty_like(gains)
    np.put_along_axis(marginal, orders, gains, axis=1)  # row r: player i's marginal
    if antithetic:
        draws = len(orders) // 2
        marginal = (marginal[:draws] + marginal[draws:]) / 2
    draws = len(marginal)
    return marginal.mean(axis=0), marginal.std(axis=0, ddof=1) / np.sqrt(draws)


def shapley_sampled(n: int, value: Callable[[int], float], samples: int, seed: int = 0,
                    antithetic: bool = True,
                    cache: dict[int, float] | None = None) -> SampledShapley:
    """Shapley value estimated from random orders of arrival, for groups too large for
    2^n values. Each coalition is valued once (a prefix common to several orders is a
    single call), in increasing mask order, so a seed gives the same calls and values.

    antithetic: every order is drawn with its reverse, whose marginal values are
    negatively correlated with its own for most games; the standard error is then taken
    over the pair means, the independent draws. `samples` orders are used (rounded up to
    an even number). v(∅) = 0 is not asked for. Pass `cache` (mask → value) to reuse
    values across calls; it is filled in place. Every order's marginal values sum to
    v(N), so the estimate is efficient to rounding. (A caller that values coalitions in
    an order of its own uses `sample_orders` and `shapley_of_orders`.)"""
    orders, prefixes = sample_orders(n, samples, seed, antithetic)
    cache = {} if cache is None else cache
    before = len(cache)
    for mask in np.unique(prefixes).tolist():
        if mask not in cache:
            cache[mask] = float(value(mask))
    estimate, stderr = shapley_of_orders(orders, prefixes, cache, antithetic)
    return SampledShapley(estimate, stderr, len(orders), len(cache) - before)


def shapley_bound(width: np.ndarray) -> np.ndarray:
    """How far the exact Shapley value of the true game may lie from that of a table of
    values each within [v(S), v(S) + width(S)] of the truth: φ_i moves by at most
    max(Σ_{S∌i} p_S width(S), Σ_{S∌i} p_S width(S ∪ i)), p_S the Shapley weight."""
    w, n = _table(width)
    out = np.empty(n)
    for i, without, p in _joined(n):
        out[i] = max(p @ w[without], p @ w[without | 1 << i])
    return out


def orders_bound(orders: np.ndarray, prefixes: np.ndarray, width: dict) -> np.ndarray:
    """The same for a sampled Shapley value (`shapley_of_orders`): each marginal
    v(P ∪ i) − v(P) lies within [−width(P), +width(P ∪ i)] of the values', so the estimate
    of the true values over the same orders lies within max(mean width(P), mean
    width(P ∪ i)) of it (width(∅) = 0 need not be given)."""
    distinct = np.unique(prefixes)
    table = np.array([width.get(m, 0.0) for m in distinct.tolist()])
    after = table[np.searchsorted(distinct, prefixes)]
    before = np.concatenate([np.zeros((len(orders), 1)), after[:, :-1]], axis=1)
    at = np.empty_like(after)
    ahead = np.empty_like(before)
    np.put_along_axis(at, orders, after, axis=1)
    np.put_along_axis(ahead, orders, before, axis=1)
    return np.maximum(at.mean(axis=0), ahead.mean(axis=0))


# --------------------------------------------------------------------------- excesses

def core_excesses(v: np.ndarray, allocation: Sequence[float]) -> np.ndarray:
    """e(S) = v(S) − x(S) for every coalition, indexed by mask: what S would gain by
    leaving. e(∅) = 0; e(N) = v(N) − x(N) is 0 for an efficient x. The core is where
    every e(S) ≤ 0."""
    v, n = _table(v)
    x = np.asarray(allocation, dtype=float)
    if x.shape != (n,):
        raise ValueError(f"an allocation of this game has {n} shares, got {x.shape}")
    return v - coalition_sums(x)


def in_core(v: np.ndarray, allocation: Sequence[float], tol: float = 1e-9) -> bool:
    """Efficient and no coalition would gain by leaving (tol relative to max |v|)."""
    e = core_excesses(v, allocation)
    tol *= _scale(np.asarray(v, dtype=float))
    return bool(abs(e[-1]) <= tol and np.max(e[1:-1], initial=-np.inf) <= tol)


def blocking_coalitions(v: np.ndarray, allocation: Sequence[float], k: int = 10,
                        names: Sequence[str] | None = None, tol: float = 1e-9,
                        blocking_only: bool = True) -> pd.DataFrame:
    """The k proper coalitions with the largest excess, for the report ("coalition
    {F02, F05} would gain 1,200 by leaving"): mask, members (names if given), size,
    value v(S), allocated x(S) and excess, by excess descending (ties by mask).
    blocking_only keeps only those with excess > tol, so an allocation in the core gives
    an empty table."""
    v = np.asarray(v, dtype=float)
    e = core_excesses(v, allocation)
    n = n_players(v)
    proper = np.arange(1, (1 << n) - 1, dtype=np.int64)
    if blocking_only:
        proper = proper[e[proper] > tol * _scale(v)]
    order = np.lexsort((proper, -e[proper]))[:k]
    chosen = proper[order]
    label = (lambda i: i) if names is None else (lambda i: names[i])
    return pd.DataFrame({
        "mask": chosen,
        "members": [[label(i) for i in members(m)] for m in chosen.tolist()],
        "size": np.bitwise_count(chosen).astype(np.int64),
        "value": v[chosen],
        "allocated": v[chosen] - e[chosen],
        "excess": e[chosen],
    })


# --------------------------------------------------------------------------- least core, nucleolus

@dataclass(frozen=True)
class LeastCore:
    """ε: the largest excess the best allocation must leave (≤ 0 iff the core is not
    empty), and an allocation achieving it: the nucleolus, a unique point of the least
    core (the LP's own optimum is one arbitrary vertex of it)."""

    allocation: np.ndarray
    epsilon: float


def _lp(n: int, rows: np.ndarray, rhs: np.ndarray, eq_rows: np.ndarray,
        eq_rhs: np.ndarray):
    """min ε s.t. x(S) + ε ≥ v(S) on `rows`, x(S) = fixed on `eq_rows`; x, ε free."""
    c = np.zeros(n + 1)
    c[-1] = 1.0
    a_ub = -np.hstack([rows, np.ones((len(rows), 1))])
    a_eq = np.hstack([eq_rows, np.zeros((len(eq_rows), 1))])
    res = linprog(c, A_ub=a_ub, b_ub=-rhs, A_eq=a_eq, b_eq=eq_rhs,
                  bounds=[(None, None)] * (n + 1), method="highs", options=_LP_OPTIONS)
    if res.status != 0:
        raise RuntimeError(f"least-core LP failed: {res.message}")
    return res


def least_core_epsilon(v: np.ndarray) -> float:
    """The least core's ε alone (the first LP of the nucleolus): the largest excess the best
    allocation must leave. ε ≤ 0 iff the core is not empty, i.e. iff some split of v(N)
    leaves no coalition a gain by leaving. One LP on 2^n rows (fine to n ≈ 16)."""
    v, n = _table(v)
    if n == 1:
        return -np.inf  # no proper coalition to satisfy
    scale = _scale(v)
    grand = (1 << n) - 1
    incidence = _incidence(n)
    free = np.arange(1, grand, dtype=np.int64)
    res = _lp(n, incidence[free], v[free] / scale, incidence[[grand]],
              np.array([v[grand] / scale]))
    return float(res.x[-1]) * scale


def _least_core_rounds(v: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """The sequential LP: the nucleolus and the ε of each round (the first is the least
    core's). Works on v / max |v| so that the tolerances mean the same at any scale."""
    v, n = _table(v)
    if n == 1:
        return np.array([v[-1]]), [-np.inf]  # no proper coalition to satisfy
    scale = _scale(v)
    w = v / scale
    grand = (1 << n) - 1
    incidence = _incidence(n)
    free = np.arange(1, grand, dtype=np.int64)  # proper non-empty coalitions
    fixed = [grand]
    fixed_sum = [w[grand]]
    rank = 1
    rounds: list[float] = []
    while rank < n:
        res = _lp(n, incidence[free], w[free], incidence[fixed], np.array(fixed_sum))
        x, eps = res.x[:-1], float(res.x[-1])
        rounds.append(eps * scale)
        dual = -res.ineqlin.marginals  # ≥ 0: the price of each free row
        tight = (dual > _POSITIVE_DUAL) & (res.ineqlin.residual <= _TIGHT)
        if not tight.any():  # only on numerical trouble: fix the most-priced row
            tight = dual == dual.max()
        newly = free[tight]
        fixed.extend(newly.tolist())
        # x(S) at this optimum (= v(S) − ε to tolerance): rows fixed together that are
        # linearly dependent stay exactly consistent
        fixed_sum.extend((incidence[newly] @ x).tolist())
        basis = _span_basis(incidence[fixed])
        rank = basis.shape[1]
        rest = free[~tight]
        rows = incidence[rest]
        outside = np.linalg.norm(rows - (rows @ basis) @ basis.T, axis=1) > 1e-9
        free = rest[outside]  # the others' x(S) is set by the fixed rows
    x, *_ = np.linalg.lstsq(incidence[fixed], np.array(fixed_sum), rcond=None)
    return x * scale, rounds


def _span_basis(rows: np.ndarray) -> np.ndarray:
    """An orthonormal basis (n × rank) of the span of `rows` (0/1 vectors)."""
    u, sigma, _ = np.linalg.svd(rows.T, full_matrices=False)
    return u[:, sigma > 1e-9 * sigma[0]]


def nucleolus(v: np.ndarray) -> np.ndarray:
    """The nucleolus: the efficient allocation that makes the worst-treated coalition as
    well off as possible, then the next, and so on. Unique, in the least core, and in the
    core whenever the core is not empty: the natural 'no firm worse off' split. Exact (to
    LP tolerance) by the sequential LP method; suited to n ≲ 12 (2^n rows per LP)."""
    return _least_core_rounds(v)[0]


def least_core(v: np.ndarray) -> LeastCore:
    """The least core's ε and its nucleolus allocation (see LeastCore). ε is reported as
    the nucleolus's largest excess: the first LP's optimum, but consistent with the
    allocation to rounding rather than to LP tolerance."""
    x, rounds = _least_core_rounds(v)
    excess = core_excesses(v, x)[1:-1]
    return LeastCore(x, float(excess.max()) if len(excess) else rounds[0])


# --------------------------------------------------------------------------- a core allocation

@dataclass(frozen=True)
class CoreAllocation:
    """A least-core allocation nearest a reference point, found by constraint generation.
    `epsilon`: the largest excess it leaves over every coalition (≤ 0: it is in the core;
    the smallest any allocation meeting `fixed` can leave, to the separation's accuracy);
    `rows`: coalitions in the last LP; `rounds`: separations."""

    allocation: np.ndarray
    epsilon: float
    rows: int
    rounds: int


Separation = Callable[[np.ndarray], tuple[int, float, float]]


def table_separation(v: np.ndarray) -> Separation:
    """The most violated coalition of a full table: (mask, v(S), an upper bound on its
    excess) for the proper coalition with the largest excess at x."""
    v, n = _table(v)
    proper = np.arange(1, (1 << n) - 1, dtype=np.int64)

    def separate(x: np.ndarray) -> tuple[int, float, float]:
        e = (v - coalition_sums(x))[proper]
        k = int(np.lexsort((proper, -e))[0])
        return int(proper[k]), float(v[proper[k]]), float(e[k])
    return separate


def core_allocation(n: int, grand: float, known: dict[int, float], reference: Sequence[float],
                    separate: Separation, fixed: Sequence[tuple[int, float]] = (),
                    tol: float = 1e-6, max_rounds: int = 500) -> CoreAllocation:
    """The allocation x of `grand` among n players, with x(C) = g for each (C, g) of
    `fixed` (what payments over built links can reach), that leaves the smallest largest
    excess ε over every proper coalition and, among those, is nearest `reference` (L1).

    Constraint generation (the least-core LP on a few rows): solve min ε over the rows known
    (`known`, mask → v(S)), then min |x − reference|₁ with every known excess ≤ ε; ask
    `separate(x)` for the proper coalition of largest excess (mask, v(S), an upper bound on
    its excess); stop when that bound is within `tol` (relative to max(|grand|, 1)) of ε,
    else add its row and repeat. Each round adds a row the LP did not hold, so it ends on a
    finite game; at the end ε is a lower bound of the least core of the rows and the
    separation's bound an upper one of the allocation's largest excess."""
    if n == 1:  # no proper coalition: the one player has it all
        return CoreAllocation(np.array([float(grand)]), -np.inf, 0, 0)
    grand_mask = (1 << n) - 1
    scale = max(abs(float(grand)), 1.0)
    rows = {m: float(val) for m, val in known.items() if 0 < m < grand_mask}
    ref = np.asarray(reference, float) / scale
    eq_masks = [grand_mask] + [int(m) for m, _ in fixed]
    eq_rhs = np.array([grand] + [float(g) for _, g in fixed]) / scale
    bits = np.array([1 << i for i in range(n)], dtype=object)
    incidence = lambda masks: np.array([[(int(m) & int(b)) != 0 for b in bits]  # noqa: E731
                                        for m in masks], float).reshape(-1, n)
    a_eq = incidence(eq_masks)
    for rounds in range(1, max_rounds + 1):
        masks = sorted(rows)
        a = incidence(masks)
        v = np.array([rows[m] for m in masks]) / scale
        # ε is at least −(|v(N)| + 2 max |v|)/2 (e(S) + e(N∖S) ≥ −|v(N)| − 2 max |v|): a
        # bound that keeps the LP bounded while its rows are few
        floor = -(1.0 + abs(grand) + 2 * max((abs(r) for r in rows.values()), default=0.0))
        eps = max(_epsilon_lp(a, v, a_eq, eq_rhs, n, floor / scale), floor / scale)
        x = _nearest_lp(a, v, eps + 1e-9, a_eq, eq_rhs, ref, n)
        mask, value, bound = separate(x * scale)
        if bound / scale <= eps + tol or mask in rows:
            worst = float(np.max(v - a @ x)) * scale if len(masks) else -np.inf
            return CoreAllocation(x * scale, max(bound, worst), len(rows), rounds)
        rows[mask] = value
    raise RuntimeError(f"core allocation: no convergence in {max_rounds} rounds")


def _epsilon_lp(a, v, a_eq, b_eq, n, floor: float) -> float:
    """min ε ≥ floor s.t. x(S) + ε ≥ v(S) on the rows of a, x(C) = b on a_eq."""
    if not len(a):
        a, v = np.zeros((1, n)), np.array([floor])
    c = np.r_[np.zeros(n), 1.0]
    res = linprog(c, A_ub=-np.hstack([a, np.ones((len(a), 1))]), b_ub=-v,
                  A_eq=np.hstack([a_eq, np.zeros((len(a_eq), 1))]), b_eq=b_eq,
                  bounds=[(None, None)] * n + [(floor, None)], method="highs",
                  options=_LP_OPTIONS)
    if res.status != 0:
        raise ValueError(f"no allocation meets the fixed sums: {res.message}")
    return float(res.x[-1])


def _nearest_lp(a, v, eps, a_eq, b_eq, ref, n) -> np.ndarray:
    """min |x − ref|₁ s.t. x(S) ≥ v(S) − ε on the rows of a, x(C) = b on a_eq: x = ref + u − w."""
    c = np.r_[np.zeros(n), np.ones(2 * n)]
    eye = np.eye(n)
    a_x = np.hstack([eye, -eye, eye])  # x − u + w = ref
    a_ub = -np.hstack([a, np.zeros((len(a), 2 * n))]) if len(a) else None
    b_ub = -(v - eps) if len(a) else None
    res = linprog(c, A_ub=a_ub, b_ub=b_ub,
                  A_eq=np.vstack([np.hstack([a_eq, np.zeros((len(a_eq), 2 * n))]), a_x]),
                  b_eq=np.r_[b_eq, ref], bounds=[(None, None)] * n + [(0, None)] * (2 * n),
                  method="highs", options=_LP_OPTIONS)
    if res.status != 0:
        raise ValueError(f"no allocation meets the fixed sums: {res.message}")
    return res.x[:n]
