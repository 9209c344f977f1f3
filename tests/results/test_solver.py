"""The attack's solver (tests/results/solver.py) finds what arithmetic gives back, bounds included, and does
not call free what is pinned: were it weaker, test_attack.py would pass over leaks."""
from decimal import Decimal

import pytest

from tests.results.solver import Attack

pytestmark = pytest.mark.engine_independent


def one(atom):
    return {atom: 1}


def both(*atoms):
    return dict.fromkeys(atoms, 1)


def test_two_hidden_cells_summing_to_2_are_each_pinned_by_the_bound_of_1():
    truth = {"a": 1, "b": 1, "c": 7}
    attack = Attack([(both("a", "b", "c"), 9), (one("c"), 7)], [], [one("a"), one("b")], truth,
                    [one("a"), one("b")])
    assert attack.determined(one("a")) and attack.determined(one("b"))


def test_two_hidden_cells_summing_to_5_are_free():
    truth = {"a": 2, "b": 3, "c": 7}
    attack = Attack([(both("a", "b", "c"), 12), (one("c"), 7)], [], [one("a"), one("b")], truth,
                    [one("a"), one("b")])
    assert attack.range_of(one("a")) == (1, 4)
    assert attack.determined(one("a")) is None


def test_a_pass_rate_of_83_3_over_6_gives_back_the_one_failure():
    truth = {"passed": 5, "failed": 1}
    whole = both("passed", "failed")
    attack = Attack([(whole, 6)], [(one("passed"), whole, Decimal("83.3"))], [one("failed")], truth,
                    [one("failed")])
    assert attack.determined(one("failed")) == "its value follows from the published figures: 1"


def test_a_rate_whose_whole_is_withheld_leaves_the_part_free():
    truth = {"passed": 5, "failed": 1}
    whole = both("passed", "failed")
    attack = Attack([], [(one("passed"), whole, Decimal("83.3"))], [one("failed"), whole], truth,
                    [one("failed")])
    assert attack.determined(one("failed")) is None  # 10 of 12, 15 of 18, … give 83.3 % too
