"""Cooperative-game mathematics against published and hand-computed answers, and against
independent slow implementations written here from the definitions."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import linprog

from symbiosis.analysis import games as g


def game(n: int, f) -> np.ndarray:
    """The table of v(S) = f(members of S)."""
    return np.array([f(g.members(m)) for m in range(1 << n)], dtype=float)


def random_game(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).random(1 << n) * 100
    v[0] = 0.0
    return v


def superadditive_cover(w: np.ndarray) -> np.ndarray:
    """v(S) = max over partitions of S of Σ w(part): the smallest superadditive game ≥ w."""
    v = w.copy()
    for s in range(1, len(w)):
        t = (s - 1) & s
        while t:
            v[s] = max(v[s], v[t] + v[s ^ t])
            t = (t - 1) & s
    return v


def random_superadditive(n: int, seed: int, integer: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sizes = np.bitwise_count(np.arange(1 << n))
    w = rng.integers(0, 4, 1 << n) * sizes if integer else rng.random(1 << n) * sizes ** 1.5
    w = w.astype(float)
    w[0] = 0.0
    return superadditive_cover(w)


def shapley_by_orders(v: np.ndarray, n: int) -> np.ndarray:
    """The definition: each player's marginal value averaged over all n! orders."""
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        mask = 0
        for i in order:
            phi[i] += v[mask | 1 << i] - v[mask]
            mask |= 1 << i
    return phi / math.factorial(n)


def sorted_excesses(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.sort(g.core_excesses(v, x)[1:-1])[::-1]


def lex_less(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    """a <_lex b, ignoring differences within tol."""
    differ = np.flatnonzero(np.abs(a - b) > tol)
    return bool(len(differ)) and a[differ[0]] < b[differ[0]]


def least_core_lp(v: np.ndarray, n: int) -> float:
    """min ε s.t. x(S) ≥ v(S) − ε for proper S ≠ ∅, x(N) = v(N), written out directly."""
    rows = np.array([[m >> i & 1 for i in range(n)] for m in range(1, (1 << n) - 1)])
    a_ub = -np.hstack([rows, np.ones((len(rows), 1))])
    a_eq = np.append(np.ones(n), 0.0)[None, :]
    c = np.append(np.zeros(n), 1.0)
    return linprog(c, a_ub, -v[1:-1], a_eq, [v[-1]], [(None, None)] * (n + 1),
                   method="highs").fun


def textbook_nucleolus(v: np.ndarray, n: int) -> np.ndarray:
    """The sequential LP with the other fixing rule: after each round, a coalition is
    fixed when an extra LP shows its x(S) cannot rise above v(S) − ε over the optimal
    face. Slow (an LP per coalition per round), and independent of the dual rule."""
    grand = (1 << n) - 1
    rows = {m: np.array([m >> i & 1 for i in range(n)], float) for m in range(1, grand + 1)}
    fixed = {grand: v[grand]}
    free = list(range(1, grand))
    bounds = [(None, None)] * (n + 1)
    while free:
        a_ub = np.array([-np.append(rows[s], 1.0) for s in free])
        b_ub = -v[free]
        a_eq = np.array([np.append(rows[s], 0.0) for s in fixed])
        b_eq = np.array(list(fixed.values()))
        c = np.zeros(n + 1)
        c[-1] = 1
        eps = linprog(c, a_ub, b_ub, a_eq, b_eq, bounds, method="highs").x[-1]
        face = bounds[:-1] + [(eps, eps)]
        still = []
        for s in free:
            top = -linprog(-np.append(rows[s], 0.0), a_ub, b_ub, a_eq, b_eq, face,
                           method="highs").fun
            if top <= v[s] - eps + 1e-7:
                fixed[s] = v[s] - eps
            else:
                still.append(s)
        free = still
    a = np.array([rows[s] for s in fixed])
    return np.linalg.lstsq(a, np.array(list(fixed.values())), rcond=None)[0]


# --------------------------------------------------------------------------- helpers

def test_masks_and_members_round_trip():
    assert g.mask_of([0, 3, 5]) == 0b101001
    assert g.members(0b101001) == [0, 3, 5]
    assert g.mask_of([]) == 0 and g.members(0) == []
    assert g.mask_of([2, 2]) == 4
    assert g.n_players(np.zeros(16)) == 4
    with pytest.raises(ValueError):
        g.n_players(np.zeros(12))
    with pytest.raises(ValueError):
        g.shapley(np.array([1.0, 2.0]))  # v(∅) ≠ 0


def test_coalition_sums_match_members():
    x = np.array([1.0, 10.0, 100.0, 1000.0])
    sums = g.coalition_sums(x)
    assert all(sums[m] == sum(x[g.members(m)]) for m in range(16))


def test_superadditive_and_convex_checks():
    assert g.is_superadditive(game(3, lambda s: float(len(s) >= 2)))
    assert not g.is_convex(game(3, lambda s: float(len(s) >= 2)))
    assert g.is_convex(game(4, lambda s: len(s) ** 2))
    # v({0}) = 2 but v({0, 1}) = 1: merging loses
    v = np.array([0.0, 2.0, 0.0, 1.0])
    assert not g.is_superadditive(v)
    assert g.is_superadditive(random_superadditive(5, 3))
    # superadditive but not convex: the glove game
    glove = game(3, lambda s: float(0 in s and (1 in s or 2 in s)))
    assert g.is_superadditive(glove) and not g.is_convex(glove)


def test_individual_rationality_and_imputations():
    v = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0])  # v({i}) = i, v(N) = 4
    assert g.individually_rational(v, [0.0, 1.0, 2.0])
    assert not g.individually_rational(v, [0.5, 0.5, 3.0])
    assert g.is_imputation(v, [0.5, 1.5, 2.0])
    assert not g.is_imputation(v, [0.0, 1.0, 2.0])  # rational, but leaves 1 unallocated
    assert not g.is_imputation(v, [1.5, 0.5, 2.0])  # efficient, but player 1 loses


# --------------------------------------------------------------------------- published games

GLOVE = game(3, lambda s: float(0 in s and (1 in s or 2 in s)))  # 0: left, 1, 2: right


def test_glove_game():
    """One left glove (player 0), two right gloves: a pair sells for 1."""
    np.testing.assert_allclose(g.shapley(GLOVE), [2 / 3, 1 / 6, 1 / 6], atol=1e-12)
    np.testing.assert_allclose(g.nucleolus(GLOVE), [1, 0, 0], atol=1e-9)
    lc = g.least_core(GLOVE)
    assert lc.epsilon == pytest.approx(0.0, abs=1e-9)
    assert g.in_core(GLOVE, [1, 0, 0])
    # the core is the single point (1, 0, 0): every other efficient split is blocked
    rng = np.random.default_rng(0)
    for x in rng.dirichlet(np.ones(3), 50):
        assert not g.in_core(GLOVE, x)
    assert not g.in_core(GLOVE, [0.9, 0.05, 0.05])
    assert not g.in_core(GLOVE, [1.0, 0.0, 0.1])  # not efficient


def test_blocking_coalitions_of_the_equal_split():
    table = g.blocking_coalitions(GLOVE, [1 / 3] * 3, names=["L", "R1", "R2"])
    assert table["mask"].tolist() == [0b011, 0b101]
    assert table["members"].tolist() == [["L", "R1"], ["L", "R2"]]
    np.testing.assert_allclose(table["excess"], [1 / 3, 1 / 3])
    np.testing.assert_allclose(table["allocated"], [2 / 3, 2 / 3])
    assert g.blocking_coalitions(GLOVE, [1, 0, 0]).empty
    # all proper coalitions when asked, most aggrieved first, k of them
    top = g.blocking_coalitions(GLOVE, [1 / 3] * 3, k=4, blocking_only=False)
    assert len(top) == 4 and top["excess"].is_monotonic_decreasing
    assert top["mask"].tolist()[2:] == [0b001, 0b010]  # excess −1/3, ties by mask


def test_airport_game_closed_form():
    """Littlechild & Owen (1973): in the airport cost game c(S) = max_{i∈S} c_i, the
    Shapley value splits each increment of runway c_k − c_{k−1} equally among the planes
    that need it: φ_j = Σ_{k≤j} (c_k − c_{k−1}) / (n − k + 1), costs sorted."""
    for costs in ([1.0, 3.0, 4.0, 8.0], [2.0, 2.0, 5.0, 7.0, 7.5, 11.0]):
        n = len(costs)
        c = game(n, lambda s: max((costs[i] for i in s), default=0.0))
        steps = np.diff(costs, prepend=0.0) / (n - np.arange(n))
        np.testing.assert_allclose(g.shapley(c), np.cumsum(steps), atol=1e-12)
    # by hand for costs 1, 3, 4, 8: increments 1, 2, 1, 4 shared by 4, 3, 2, 1 planes
    c = game(4, lambda s: max(([1, 3, 4, 8][i] for i in s), default=0))
    np.testing.assert_allclose(g.shapley(c), [3 / 12, 11 / 12, 17 / 12, 65 / 12], atol=1e-12)


@pytest.mark.parametrize("estate, talmud", [
    (100, [100 / 3, 100 / 3, 100 / 3]),
    (200, [50, 75, 75]),
    (300, [50, 100, 150]),
])
def test_bankruptcy_nucleolus_is_the_talmud_division(estate, talmud):
    """Aumann & Maschler (1985), "Game theoretic analysis of a bankruptcy problem from the
    Talmud", J. Econ. Theory 36, 195-213: the Mishna's divisions of an estate E among
    claims (100, 200, 300), for E = 100, 200, 300, are the nucleoli of the bankruptcy games
    v(S) = max(0, E − Σ_{i∉S} d_i)."""
    claims = [100, 200, 300]
    v = game(3, lambda s: max(0.0, estate - sum(claims[i] for i in range(3) if i not in s)))
    x = g.nucleolus(v)
    np.testing.assert_allclose(x, talmud, atol=1e-8)
    assert g.is_convex(v) and g.in_core(v, x)  # bankruptcy games are convex
    assert g.in_core(v, g.shapley(v))


def test_least_core_epsilon_alone_says_whether_the_core_is_empty():
    # three-player majority game: any two win 1; the least core is (1/3, 1/3, 1/3) with ε = 1/3
    majority = game(3, lambda s: float(len(s) >= 2))
    assert g.least_core_epsilon(majority) == pytest.approx(1 / 3, abs=1e-9)
    # random superadditive games: the ε of the nucleolus's first round and of a direct LP
    for seed in range(3):
        v = random_superadditive(5, seed)
        assert g.least_core_epsilon(v) == pytest.approx(g.least_core(v).epsilon, abs=1e-8)
        assert g.least_core_epsilon(v) == pytest.approx(least_core_lp(v, 5), abs=1e-8)


def test_majority_game_has_an_empty_core():
    """Three players, any two win 1: every split leaves some pair 1/3 short at best."""
    v = game(3, lambda s: float(len(s) >= 2))
    lc = g.least_core(v)
    assert lc.epsilon == pytest.approx(1 / 3, abs=1e-9)
    np.testing.assert_allclose(lc.allocation, [1 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(g.nucleolus(v), [1 / 3] * 3, atol=1e-9)
    assert not g.in_core(v, lc.allocation)
    assert g.core_excesses(v, lc.allocation)[1:-1].max() == pytest.approx(1 / 3)


def test_convex_game_square_of_size():
    """v(S) = |S|²: convex; the Shapley value (n each) is in the core, and the least core
    is strictly inside it. By hand for n = 4: singletons x_i ≥ 1 − ε and triples
    16 − x_i ≥ 9 − ε give ε ≥ −3, reached at the equal split."""
    v = game(4, lambda s: len(s) ** 2)
    assert g.is_convex(v)
    phi = g.shapley(v)
    np.testing.assert_allclose(phi, [4, 4, 4, 4])
    assert g.in_core(v, phi)
    lc = g.least_core(v)
    assert lc.epsilon == pytest.approx(-3.0, abs=1e-8)
    np.testing.assert_allclose(lc.allocation, [4, 4, 4, 4], atol=1e-8)


# --------------------------------------------------------------------------- Shapley

def test_shapley_matches_the_average_over_all_orders():
    for seed in range(3):
        v = random_game(5, seed)
        np.testing.assert_allclose(g.shapley(v), shapley_by_orders(v, 5), rtol=1e-12)


def test_shapley_axioms_on_random_games():
    rng = np.random.default_rng(7)
    n = 6
    v = random_game(n, 11)
    # symmetry: make players 1 and 4 interchangeable
    swap = np.array([m ^ 0b10010 if (m >> 1 & 1) != (m >> 4 & 1) else m for m in range(64)])
    sym = np.maximum(v, v[swap])
    phi = g.shapley(sym)
    assert phi[1] == pytest.approx(phi[4], rel=1e-12)
    assert sum(phi) == pytest.approx(sym[-1], rel=1e-12)  # efficiency
    # dummy: player 3 adds exactly c to every coalition it joins
    base, c = random_game(n - 1, 12), 7.5
    low = np.arange(64) & 0b111
    high = (np.arange(64) >> 4) << 3  # players 4, 5 of the game = 3, 4 of the base
    dummy = base[low | high] + c * (np.arange(64) >> 3 & 1)
    assert g.shapley(dummy)[3] == pytest.approx(c, rel=1e-12)
    # null player: no contribution, no share; additivity: φ(v + w) = φ(v) + φ(w)
    assert g.shapley(base[low | high])[3] == pytest.approx(0.0, abs=1e-12)
    w = rng.random(64)
    w[0] = 0
    np.testing.assert_allclose(g.shapley(v + w), g.shapley(v) + g.shapley(w), rtol=1e-12)


def test_shapley_of_an_additive_game_on_sixteen_players():
    weights = np.arange(1.0, 17.0)
    v = g.coalition_sums(weights)
    np.testing.assert_allclose(g.shapley(v), weights, rtol=1e-12)


class Counted:
    """A value function that counts its calls per coalition (each would be a MILP)."""

    def __init__(self, v: np.ndarray):
        self.v, self.calls = v, {}

    def __call__(self, mask: int) -> float:
        self.calls[mask] = self.calls.get(mask, 0) + 1
        return float(self.v[mask])


def test_sampled_shapley_converges_and_is_efficient():
    n = 10
    v = random_superadditive(n, 5)
    exact = g.shapley(v)
    value = Counted(v)
    est = g.shapley_sampled(n, value, samples=400, seed=3)
    assert est.samples == 400
    assert np.all(est.stderr > 0)
    assert np.all(np.abs(est.values - exact) <= 4 * est.stderr)
    assert est.values.sum() == pytest.approx(v[-1], rel=1e-12, abs=0)
    # every coalition valued once, v(∅) never asked
    assert max(value.calls.values()) == 1 and 0 not in value.calls
    assert est.evaluations == len(value.calls) <= 2 ** n - 1
    # ten times the orders: about 1/√10 of the error bar, still covering the exact value
    more = g.shapley_sampled(n, Counted(v), samples=4000, seed=3)
    assert np.all(more.stderr < 0.45 * est.stderr)
    assert np.all(np.abs(more.values - exact) <= 4 * more.stderr)
    # on this superadditive game the reversed orders lower the variance
    plain = g.shapley_sampled(n, Counted(v), samples=400, seed=3, antithetic=False)
    assert plain.stderr.mean() > 1.1 * est.stderr.mean()


def test_sampled_shapley_is_deterministic_and_caches():
    n = 8
    v = random_game(n, 9)
    a = g.shapley_sampled(n, Counted(v), samples=50, seed=1)
    b = g.shapley_sampled(n, Counted(v), samples=50, seed=1)
    c = g.shapley_sampled(n, Counted(v), samples=50, seed=2)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.stderr, b.stderr)
    assert not np.array_equal(a.values, c.values)
    # a shared cache: the second run values nothing it has seen
    cache: dict[int, float] = {}
    value = Counted(v)
    first = g.shapley_sampled(n, value, samples=50, seed=1, cache=cache)
    again = g.shapley_sampled(n, value, samples=50, seed=1, cache=cache)
    assert first.evaluations == len(cache) and again.evaluations == 0
    np.testing.assert_array_equal(first.values, again.values)
    assert max(value.calls.values()) == 1
    plain = g.shapley_sampled(n, Counted(v), samples=51, seed=1, antithetic=False)
    assert plain.samples == 51
    assert plain.values.sum() == pytest.approx(v[-1], rel=1e-12)


def test_sampled_shapley_of_an_additive_game_is_exact():
    weights = np.array([3.0, -1.0, 4.0, 1.5, 9.0, 2.0])
    est = g.shapley_sampled(6, lambda m: g.coalition_sums(weights)[m], samples=10)
    np.testing.assert_allclose(est.values, weights, atol=1e-12)
    np.testing.assert_allclose(est.stderr, 0.0, atol=1e-12)


# --------------------------------------------------------------------------- nucleolus

def test_nucleolus_agrees_with_the_textbook_fixing_rule():
    """Random superadditive games, with real and with small-integer values (many ties:
    degenerate LPs, where a tight row may carry a zero dual)."""
    for seed in range(4):
        for integer in (False, True):
            v = random_superadditive(4, seed, integer)
            np.testing.assert_allclose(g.nucleolus(v), textbook_nucleolus(v, 4), atol=1e-7)


@pytest.mark.parametrize("n, seed", [(5, 0), (5, 1), (6, 2), (6, 3), (6, 4)])
def test_nucleolus_is_the_lexicographic_minimum(n, seed):
    v = random_superadditive(n, seed, integer=seed % 2 == 1)
    x = g.nucleolus(v)
    lc = g.least_core(v)
    assert x.sum() == pytest.approx(v[-1], rel=1e-12)
    assert lc.epsilon == pytest.approx(least_core_lp(v, n), abs=1e-8)
    assert g.core_excesses(v, x)[1:-1].max() == pytest.approx(lc.epsilon, abs=1e-12)
    np.testing.assert_array_equal(lc.allocation, x)
    if lc.epsilon <= 0:
        assert g.in_core(v, x, tol=1e-8)
    base = sorted_excesses(v, x)
    rng = np.random.default_rng(seed)
    tol = 1e-9 * np.abs(v).max()
    for _ in range(200):
        d = rng.normal(size=n)
        d -= d.mean()  # efficient direction
        step = rng.choice([1e-4, 1e-2, 1.0]) * np.abs(v).max() / np.linalg.norm(d)
        moved = x + step * d
        assert not lex_less(sorted_excesses(v, moved), base, tol)
        # the check has teeth: from the moved point, going back is an improvement
        assert lex_less(base, sorted_excesses(v, moved), tol)


def test_nucleolus_is_covariant_and_symmetric():
    v = random_superadditive(5, 8)
    x = g.nucleolus(v)
    shift = np.array([5.0, -2.0, 0.0, 1.0, 3.0])
    for scale in (1e-3, 1e6):
        moved = scale * v + g.coalition_sums(shift)
        np.testing.assert_allclose(g.nucleolus(moved), scale * x + shift,
                                   atol=1e-8 * scale * np.abs(v).max())
    # symmetric players share equally; a null player gets nothing
    sym = game(4, lambda s: float(len(s) >= 3) + 0.5 * (0 in s and 1 in s))
    y = g.nucleolus(sym)
    assert y[2] == pytest.approx(y[3], abs=1e-9) and y[0] == pytest.approx(y[1], abs=1e-9)
    null = game(3, lambda s: float(0 in s and 1 in s))
    np.testing.assert_allclose(g.nucleolus(null), [0.5, 0.5, 0.0], atol=1e-9)


def test_nucleolus_of_a_two_player_game_is_the_standard_solution():
    v = np.array([0.0, 1.0, 3.0, 10.0])  # each gets its own value plus half the surplus
    np.testing.assert_allclose(g.nucleolus(v), [4.0, 6.0], atol=1e-9)
    np.testing.assert_allclose(g.shapley(v), [4.0, 6.0], atol=1e-12)


def test_nucleolus_of_a_convex_game_is_in_the_core():
    """A positive sum of unanimity games is convex: the core is not empty, and the
    nucleolus and the Shapley value are both in it."""
    rng = np.random.default_rng(4)
    n = 6
    masks = np.arange(1 << n)
    v = np.zeros(1 << n)
    for t in rng.integers(1, 1 << n, 12):
        v += rng.random() * 10 * ((masks & t) == t)
    assert g.is_convex(v)
    assert g.in_core(v, g.nucleolus(v), tol=1e-8)
    assert g.in_core(v, g.shapley(v), tol=1e-12)
    assert g.least_core(v).epsilon <= 1e-9


def test_sampled_shapley_past_sixty_three_players():
    """Masks of 70 players outgrow int64. v(S) = w(S)² has φ_i = w_i · w(N): joining
    predecessors S adds 2 w_i w(S) + w_i², and E[w(S)] = (w(N) − w_i)/2 over orders."""
    n = 70
    w = np.random.default_rng(6).random(n)
    bits = np.array([1 << i for i in range(n)], dtype=object)

    def value(mask: int) -> float:
        return float(w[(bits & mask) != 0].sum() ** 2)

    exact = w * w.sum()
    est = g.shapley_sampled(n, value, samples=300, seed=4, antithetic=False)
    assert est.values.sum() == pytest.approx(w.sum() ** 2, rel=1e-12)
    assert np.all(np.abs(est.values - exact) <= 4 * est.stderr)
    assert np.all(est.stderr > 0) and est.evaluations <= 300 * n
    # an order and its reverse: w(S) + w(S') = w(N) − w_i, so each pair mean is exact
    pairs = g.shapley_sampled(n, value, samples=4, seed=4)
    np.testing.assert_allclose(pairs.values, exact, rtol=1e-12)
    np.testing.assert_allclose(pairs.stderr, 0.0, atol=1e-12)


# --------------------------------------------------------------------------- a core allocation

def test_core_allocation_of_the_textbook_cost_game():
    """Standalone 300, 270, 280; any pair 410; all three 550 (savings 160, 170, 140; 300).
    The least core is one point, the nucleolus: each firm's cost 183.33, every pair's excess
    −43.33 (e.g. 160 − (116.67 + 86.67)). Constraint generation reaches it from no rows,
    whatever the reference."""
    standalone = [300.0, 270.0, 280.0]
    cost = {1: None, 2: 410.0, 3: 550.0}  # by coalition size; a firm alone: its standalone
    v = game(3, lambda s: 0.0 if len(s) < 2 else sum(standalone[i] for i in s) - cost[len(s)])
    for reference in (g.nucleolus(v), g.shapley(v), np.zeros(3)):
        found = g.core_allocation(3, v[-1], {}, reference, g.table_separation(v))
        assert np.array(standalone) - found.allocation == pytest.approx([550 / 3] * 3, abs=1e-6)
        assert found.epsilon == pytest.approx(-130 / 3, abs=1e-6)


def test_core_allocation_of_a_game_with_an_empty_core():
    """Any two players save 1 and all three only 1: every split leaves some pair ≥ 1/3
    better off alone; the least core is (1/3, 1/3, 1/3)."""
    v = game(3, lambda s: 1.0 if len(s) >= 2 else 0.0)
    found = g.core_allocation(3, 1.0, {}, [1.0, 0.0, 0.0], g.table_separation(v))
    assert found.allocation == pytest.approx([1 / 3] * 3, abs=1e-7)
    assert found.epsilon == pytest.approx(1 / 3, abs=1e-7) and found.epsilon > 0


def test_core_allocation_with_fixed_sums_is_the_nearest_reachable_point():
    """The three-firm park (docs/sharing.md): v(A1 B) = 900, v(A2 B) = 600, v(N) = 900; A2
    has no built link, so its gain stays 0. The core is {x_B ≥ 600, x_A1 ≥ 0, x_A2 = 0}: the
    nucleolus (150, 0, 750) is in it and reached; from (450, 0, 450) the nearest point of
    it in L1 is (300, 0, 600)."""
    v = np.zeros(8)
    v[0b101], v[0b110], v[0b111] = 900.0, 600.0, 900.0
    fixed = [(0b010, 0.0)]
    found = g.core_allocation(3, 900.0, {}, g.nucleolus(v), g.table_separation(v), fixed)
    assert found.allocation == pytest.approx([150, 0, 750], abs=1e-6)
    assert found.epsilon == pytest.approx(0.0, abs=1e-6)
    near = g.core_allocation(3, 900.0, {}, [450, 0, 450], g.table_separation(v), fixed)
    assert near.allocation == pytest.approx([300, 0, 600], abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_core_allocation_by_rows_found_matches_the_full_least_core_lp(seed):
    """On random superadditive 6-player games: the ε of constraint generation is the full
    LP's, the allocation leaves no excess above it, and fewer rows than 2^n − 2 were used."""
    v = random_superadditive(6, seed)
    found = g.core_allocation(6, v[-1], {}, g.shapley(v), g.table_separation(v))
    assert found.epsilon == pytest.approx(g.least_core_epsilon(v), abs=1e-6 * v[-1])
    assert g.core_excesses(v, found.allocation)[1:-1].max() <= found.epsilon + 1e-6 * v[-1]
    assert found.allocation.sum() == pytest.approx(v[-1])
    assert found.rows < 2 ** 6 - 2


def test_core_allocation_of_one_player():
    found = g.core_allocation(1, 7.0, {}, [0.0], g.table_separation(np.array([0.0, 7.0])))
    assert found.allocation.tolist() == [7.0] and found.epsilon == -np.inf


def test_shapley_bounds_hold_the_true_values_of_perturbed_tables():
    """Values each within [v(S) − width(S), v(S)] (a lower value, as a feasible design's):
    the Shapley value of the truth lies within the bound of that of the values, exact and
    over sampled orders alike; and the bound is 0 where every width is."""
    rng = np.random.default_rng(5)
    v = random_superadditive(5, 2)
    width = rng.random(32) * 3
    width[0] = 0.0
    low = v - width * rng.random(32)  # the values known: below the truth by < width
    exact = g.shapley_bound(width)
    assert np.all(np.abs(g.shapley(v) - g.shapley(low)) <= exact + 1e-9)
    orders, prefixes = g.sample_orders(5, 8, seed=1)
    known = {m: low[m] for m in range(32)}
    true = {m: v[m] for m in range(32)}
    est, _ = g.shapley_of_orders(orders, prefixes, known)
    truth, _ = g.shapley_of_orders(orders, prefixes, true)
    sampled = g.orders_bound(orders, prefixes, {m: width[m] for m in range(32)})
    assert np.all(np.abs(truth - est) <= sampled + 1e-9)
    assert g.shapley_bound(np.zeros(32)).tolist() == [0.0] * 5
    assert g.orders_bound(orders, prefixes, {}).tolist() == [0.0] * 5
