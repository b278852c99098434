"""The fixed-flow placement subproblem: a quadratic assignment with forbidden plots.

Minimise  ½ Σ_ab W_ab · D[p_a, p_b]  +  Σ_a C[a, p_a]  over injective p with allowed[a, p_a]:
W (tenants × tenants, symmetric) is what a km between two tenants costs a year, C[a, q] what
tenant a's links to fixed firms cost on plot q. Solved by best-improvement local search over
moves to free plots and swaps of two tenants, from several seeded starts, then perturbed
(iterated local search). Pure numpy; no bound (the placement's bound is of the joint
problem, analysis/placement.py).
"""
from __future__ import annotations

import numpy as np

_EPS = 1e-9


def qap_cost(W: np.ndarray, C: np.ndarray, D: np.ndarray, p: np.ndarray) -> float:
    """½ Σ W_ab D[p_a, p_b] + Σ C[a, p_a]."""
    p = np.asarray(p)
    return float(0.5 * (W * D[np.ix_(p, p)]).sum() + C[np.arange(len(p)), p].sum())


def improve(W: np.ndarray, C: np.ndarray, D: np.ndarray, allowed: np.ndarray,
            p: np.ndarray) -> np.ndarray:
    """Best-improvement descent: the best move of one tenant to a free allowed plot, or swap
    of two tenants each allowed on the other's plot, until none lowers the cost."""
    p = np.array(p, dtype=np.int64)
    n, P = allowed.shape
    if n == 0:
        return p
    G = W @ D[p, :] + C  # G[a, q]: a's cost on plot q, the others where they are
    occupied = np.zeros(P, dtype=bool)
    occupied[p] = True
    rows = np.arange(n)
    for _ in range(100 * n * P):  # each step lowers the cost: a bound, never reached
        cur = G[rows, p]
        move = np.where(allowed & ~occupied[None, :], G - cur[:, None], np.inf)
        Gp = G[:, p]  # Gp[a, b] = G[a, p_b]
        swap = Gp - cur[:, None] + Gp.T - cur[None, :] + 2 * W * D[np.ix_(p, p)]
        ok = allowed[:, p] & allowed[:, p].T
        np.fill_diagonal(ok, False)
        swap = np.where(ok, swap, np.inf)
        m, s = int(np.argmin(move)), int(np.argmin(swap))
        best_move, best_swap = move.flat[m], swap.flat[s]
        if min(best_move, best_swap) >= -_EPS * (1 + abs(float(cur.sum()))):
            break
        if best_move <= best_swap:
            a, q = divmod(m, P)
            G += np.outer(W[:, a], D[q, :] - D[p[a], :])
            occupied[p[a]], occupied[q] = False, True
            p[a] = q
        else:
            a, b = divmod(s, n)
            pa, pb = p[a], p[b]
            G += np.outer(W[:, a] - W[:, b], D[pb, :] - D[pa, :])
            p[a], p[b] = pb, pa
    return p


def search(W: np.ndarray, C: np.ndarray, D: np.ndarray, allowed: np.ndarray,
           starts: list[np.ndarray], seed: int = 0, restarts: int = 16,
           kicks: int = 200) -> np.ndarray:
    """The best placement found: descent from each of `starts` and `restarts` random
    feasible starts, then `kicks` perturbations (a few random swaps and moves) of the best."""
    rng = np.random.default_rng(seed)
    n, P = allowed.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    tried = [improve(W, C, D, allowed, s) for s in starts]
    tried += [improve(W, C, D, allowed, random_assignment(allowed, rng))
              for _ in range(restarts)]
    costs = [qap_cost(W, C, D, p) for p in tried]
    best = tried[int(np.argmin(costs))]
    best_cost = min(costs)
    for _ in range(kicks):
        p = _kick(best, allowed, rng)
        p = improve(W, C, D, allowed, p)
        c = qap_cost(W, C, D, p)
        if c < best_cost - _EPS * (1 + abs(best_cost)):
            best, best_cost = p, c
    return best


def random_assignment(allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A feasible assignment of least random cost: random, and always feasible if any is."""
    from scipy.optimize import linear_sum_assignment
    cost = np.where(allowed, rng.random(allowed.shape), 1e12)
    rows, cols = linear_sum_assignment(cost)
    p = np.empty(allowed.shape[0], dtype=np.int64)
    p[rows] = cols
    return p


def _kick(p: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A few random feasible swaps or moves to free plots."""
    p = p.copy()
    n, P = allowed.shape
    for _ in range(int(rng.integers(2, 5))):
        a = int(rng.integers(n))
        q = int(rng.integers(P))
        holder = np.flatnonzero(p == q)
        if holder.size == 0:
            if allowed[a, q]:
                p[a] = q
        else:
            b = int(holder[0])
            if allowed[a, p[b]] and allowed[b, p[a]]:
                p[a], p[b] = p[b], p[a]
    return p
