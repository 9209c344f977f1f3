"""The attacker of tests/results/test_attack.py: exact rational linear algebra over the atoms (the finest
groups the figures are sums of), independent of the production's modular arithmetic.

Every published count is an equation (its atoms sum to its value); every published rate whose whole is
known gives its part (rate × whole, rounded as published). A target (a hidden cell, a small rate part or
complement) is uniquely determined when its vector lies in the row space of the equations; otherwise a
*witness* is sought: a second assignment of non-negative integers to the atoms that satisfies every published
count and rate, keeps every hidden cell at 1 or more (zeros are shown, so a hidden cell is known not to be
zero), and gives the target another value. A target with neither proof is reported as not shown safe.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import combinations
from math import lcm


def dot(vector, values):
    return sum(coefficient * values.get(atom, 0) for atom, coefficient in vector.items())


def rate_of(part, whole):
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class RowSpace:
    def __init__(self):
        self.rows = {}  # pivot atom → row (dict atom → Fraction), pivot coefficient 1

    def reduce(self, vector):
        row = {atom: Fraction(c) for atom, c in vector.items() if c}
        for pivot, basis in self.rows.items():
            factor = row.get(pivot)
            if factor:
                for atom, value in basis.items():
                    row[atom] = row.get(atom, 0) - factor * value
                    if not row[atom]:
                        del row[atom]
        return row

    def add(self, vector):
        row = self.reduce(vector)
        if not row:
            return False
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {atom: value / scale for atom, value in row.items()}
        for other in self.rows.values():  # keep the basis fully reduced
            factor = other.get(pivot)
            if factor:
                for atom, value in row.items():
                    other[atom] = other.get(atom, 0) - factor * value
                    if not other[atom]:
                        del other[atom]
        self.rows[pivot] = row
        return True

    def holds(self, vector):
        return not self.reduce(vector)

    def null_directions(self, atoms):
        """An integer basis of the directions that change no equation."""
        directions = []
        for free in atoms:
            if free in self.rows:
                continue
            direction = {free: Fraction(1)}
            for pivot, row in self.rows.items():
                if row.get(free):
                    direction[pivot] = -row[free]
            scale = lcm(*(value.denominator for value in direction.values()))
            directions.append({atom: int(value * scale) for atom, value in direction.items()})
        return directions


class Attack:
    """counts: [(vector, value)] published; rates: [(part vector, whole vector, rate)] published;
    hidden: [vector] of the hidden cells; truth: {atom: value}."""

    def __init__(self, counts, rates, hidden, truth):
        self.counts, self.rates, self.hidden, self.truth = counts, rates, hidden, truth
        self.space = RowSpace()
        for vector, value in counts:
            assert dot(vector, truth) == value, "a published count disagrees with the data"
            self.space.add(vector)
        self._close_over_rates()

    def _close_over_rates(self):
        """A rate beside a known whole gives its part: add it, until nothing more is learnt."""
        learnt = True
        while learnt:
            learnt = False
            for part, whole, rate in self.rates:
                if self.space.holds(whole) and not self.space.holds(part):
                    whole_value = dot(whole, self.truth)
                    part_value = next(p for p in range(whole_value + 1) if rate_of(p, whole_value) == rate)
                    assert part_value == dot(part, self.truth)
                    learnt = self.space.add(part) or learnt

    def feasible(self, values):
        if any(value < 0 for value in values.values()):
            return False
        if any(dot(vector, values) != value for vector, value in self.counts):
            return False
        if any(dot(vector, values) < 1 for vector in self.hidden):
            return False
        for part, whole, rate in self.rates:
            whole_value = dot(whole, values)
            if not whole_value or rate_of(dot(part, values), whole_value) != rate:
                return False
        return True

    def determined(self, target):
        """None when the target is shown to have two possible values; else why not."""
        if self.space.holds(target):
            return "its value follows from the published figures"
        directions = [d for d in self.space.null_directions(list(self.truth)) if dot(target, d)]
        candidates = directions + [{a: d1.get(a, 0) + sign * d2.get(a, 0) for a in {*d1, *d2}}
                                   for d1, d2 in combinations(directions[:12], 2) for sign in (1, -1)]
        for direction in candidates:
            if not dot(target, direction):
                continue
            for sign in (1, -1):
                other = {atom: value + sign * direction.get(atom, 0) for atom, value in self.truth.items()}
                if self.feasible(other):
                    return None
        return "no second solution found"
