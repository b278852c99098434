"""A MIP start must not leak into the reported point: HiGHS 1.16 can return the start's values
with the objective of a better point (symbiosis/backends/highs.py solves again without it)."""
import highspy
import numpy as np
import pytest

from symbiosis.backends.highs import solve_direct
from symbiosis.backends.outcome import SolverOptions

pytestmark = pytest.mark.solver


def knapsack() -> highspy.Highs:
    """min -5a - 4b  s.t. 3a + 2b <= 4, a, b binary: the optimum is b = 1 (-4) or a = 1 (-5);
    a = 1 is best, cost -5."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    h.addVars(2, np.zeros(2), np.ones(2))
    h.changeColsCost(2, np.arange(2, dtype=np.int32), np.array([-5.0, -4.0]))
    h.changeColsIntegrality(2, np.arange(2, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * 2))
    h.addRow(-inf, 4.0, 2, np.arange(2, dtype=np.int32), np.array([3.0, 2.0]))
    return h


class StaleFirstSolution:
    """A Highs whose first getSolution after a start returns the start (the 1.16 fault)."""

    def __init__(self, h: highspy.Highs, start: np.ndarray):
        self._h, self._start, self.runs, self.stale_left = h, start, 0, 1

    def run(self):
        self.runs += 1
        return self._h.run()

    def getSolution(self):
        solution = self._h.getSolution()
        if self.stale_left:
            self.stale_left -= 1
            solution.col_value = list(self._start)
        return solution

    def __getattr__(self, name):
        return getattr(self._h, name)


def test_a_start_returned_as_the_answer_is_solved_again():
    start = np.array([0.0, 1.0])  # feasible, cost -4; the optimum costs -5
    h = StaleFirstSolution(knapsack(), start)
    solution = solve_direct(h, SolverOptions(), start)
    assert h.runs == 2
    assert solution.objective == pytest.approx(-5.0)
    assert solution.values == pytest.approx([1.0, 0.0])


def test_a_start_whose_answer_holds_is_solved_once():
    start = np.array([0.0, 1.0])
    h = StaleFirstSolution(knapsack(), start)
    h.stale_left = 0
    solution = solve_direct(h, SolverOptions(), start)
    assert h.runs == 1 and solution.values == pytest.approx([1.0, 0.0])


class ObjectiveAboveItsValues(StaleFirstSolution):
    """A Highs that reports its answer's objective a little above what its values cost, as
    HiGHS 1.16 does for a start it evaluated in the presolved space."""

    def getInfo(self):
        info = self._h.getInfo()
        info.objective_function_value += 0.5
        return info


def test_values_cheaper_than_reported_are_kept_with_their_own_cost_and_not_solved_again():
    start = np.array([1.0, 0.0])  # the optimum, cost -5
    h = ObjectiveAboveItsValues(knapsack(), start)
    h.stale_left = 0
    solution = solve_direct(h, SolverOptions(), start)
    assert h.runs == 1  # a second run would double the time for nothing
    assert solution.values == pytest.approx([1.0, 0.0])
    assert solution.objective == pytest.approx(-5.0)  # what the values cost, not -4.5
