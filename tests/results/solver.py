"""The attacker of tests/results/test_attack.py: exact rational linear algebra over the atoms (the finest
groups the figures are sums of), independent of the production's modular arithmetic.

Every published count is an equation (its atoms sum to its value); every published rate whose whole is
known gives its part (rate × whole, rounded as published). A target (a hidden cell, a small rate part or
complement) is uniquely determined when its vector lies in the row space of the equations; otherwise a
*witness* is sought (a step along a direction that changes no equation, then greedy repair): a second
assignment of non-negative integers to the atoms that satisfies every published
count and rate, keeps every hidden cell at 1 or more (zeros are shown, so a hidden cell is known not to be
zero), and gives the target another value. A target with neither proof is reported as not shown safe.
"""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
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


def classes_of(vectors):
    """{atom: class}: atoms that every vector holds alike. Any non-negative integer value of a class can be
    split among its atoms, so the search runs over classes."""
    memberships = {}
    for index, vector in enumerate(vectors):
        for atom, coefficient in vector.items():
            memberships.setdefault(atom, set()).add((index, coefficient))
    numbers = {}
    return {atom: numbers.setdefault(frozenset(member), len(numbers)) for atom, member in memberships.items()}


def over(vector, classes):
    result = {}
    for atom, coefficient in vector.items():
        result[classes[atom]] = coefficient  # the same for every atom of the class
    return result


class Attack:
    """counts: [(vector, value)] published; rates: [(part vector, whole vector, rate)] published;
    hidden: [vector] of the hidden cells; truth: {atom: value}; targets: the vectors to be tried."""

    def __init__(self, counts, rates, hidden, truth, targets):
        for vector, value in counts:
            assert dot(vector, truth) == value, "a published count disagrees with the data"
        published = [v for v, _ in counts] + [v for rate in rates for v in rate[:2]]
        self.classes = classes_of(published + hidden + targets)
        cls = self.classes
        self.counts = [(over(v, cls), value) for v, value in counts]
        self.rates = [(over(part, cls), over(whole, cls), rate) for part, whole, rate in rates]
        self.hidden = [over(v, cls) for v in hidden]
        self.truth = {}
        for atom, value in truth.items():
            if atom in cls:
                self.truth[cls[atom]] = self.truth.get(cls[atom], 0) + value
        self.space = RowSpace()
        for vector, _value in self.counts:
            self.space.add(vector)
        self._close_over_rates()
        self.directions = self.space.null_directions(list(self.truth))

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

    def violation(self, values):
        """How far ``values`` is from agreeing with everything published (0: it agrees)."""
        total = sum(-value for value in values.values() if value < 0)
        total += sum(abs(dot(vector, values) - value) for vector, value in self.counts)
        total += sum(max(0, 1 - dot(vector, values)) for vector in self.hidden)
        for part, whole, rate in self.rates:
            whole_value = dot(whole, values)
            if whole_value <= 0 or rate_of(dot(part, values), whole_value) != rate:
                total += 1
        return total

    def determined(self, target):
        """None when the target is shown to have two possible values; else why not."""
        target = over(target, self.classes)
        if self.space.holds(target):
            return "its value follows from the published figures"
        true_value = dot(target, self.truth)
        moves = [(sign * step, d) for d in self.directions for sign in (1, -1) for step in (1, 2, 3)]
        for first_step, first in moves:
            if not dot(target, first):
                continue
            values = {a: v + first_step * first.get(a, 0) for a, v in self.truth.items()}
            if self._repair(values, target, true_value):
                return None
        return "no second solution found"

    def _repair(self, values, target, true_value, steps=80):
        """Greedy descent on the violation by null directions, keeping the target off its true value."""
        current = self.violation(values)
        for _ in range(steps):
            if current == 0:
                return True
            best = None
            for step, direction in ((s, d) for d in self.directions for s in (1, -1, 2, -2)):
                moved = {a: v + step * direction.get(a, 0) for a, v in values.items()}
                if dot(target, moved) == true_value:
                    continue
                score = self.violation(moved)
                if score < current and (best is None or score < best[0]):
                    best = (score, moved)
            if best is None:
                return False
            current, values = best
        return current == 0
